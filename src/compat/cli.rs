//! libvmaf's `vmaf` command line (`libvmaf/tools/cli_parse.c`), read as its GNU
//! `getopt_long` reads it: short options clustered (`-nq`) or with the value
//! attached (`-r ref.y4m`, `-rref.y4m`), long options as `--name value` or
//! `--name=value` and abbreviated to any unique prefix (`--ref`), arguments that
//! are not options skipped wherever they stand, `--` ending the options. What getopt
//! only warns about (an unknown option, a missing value) is reported in
//! [`VmafCommand::warnings`] and skipped, as libvmaf goes on after it; what
//! libvmaf's own checks refuse is a [`UsageError`] (libvmaf prints its usage and
//! exits 1).
//!
//! `--aom_ctc` and `--nflx_ctc` expand here into the models and features libvmaf
//! adds for them, so the rest of the program sees one list of each.

use super::spec::{FeatureSpec, ModelSource, ModelSpec, SpecError, DEFAULT_NAME, MAX_ENTRIES};

/// libvmaf's log formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Xml,
    Json,
    Csv,
    Sub,
}

/// libvmaf's `--pixel_format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chroma {
    Yuv420,
    Yuv422,
    Yuv444,
}

/// A `vmaf` command line, as libvmaf understands it.
#[derive(Debug, Clone, PartialEq)]
pub struct VmafCommand {
    pub reference: String,
    pub distorted: String,
    /// Raw YUV geometry: set when any of `-w -h -p -b` is given (then all four are).
    pub raw: Option<RawGeometry>,
    /// Models in the order given (libvmaf's default model when none is and
    /// `--no_prediction` is not set).
    pub models: Vec<ModelSpec>,
    pub features: Vec<FeatureSpec>,
    pub output: Option<String>,
    pub format: LogFormat,
    /// `--threads` (0: libvmaf's single-threaded default).
    pub threads: u32,
    /// `--subsample` (0 and 1 both mean every frame).
    pub subsample: u32,
    /// `--cpumask` (restricts libvmaf's SIMD; kept only to be accepted).
    pub cpumask: u32,
    /// `--gpumask` (libvmaf: 0 allows its CUDA extractors; here: 0 means the GPU).
    pub gpumask: Option<u32>,
    /// `--frame_cnt` (0: every frame).
    pub frame_count: u32,
    pub skip_reference: u32,
    pub skip_distorted: u32,
    pub no_prediction: bool,
    pub quiet: bool,
    /// `--aom_ctc v6.0` and later: inputs of different bit depths are scored at the
    /// higher one.
    pub common_bitdepth: bool,
    /// What getopt printed and skipped (`vmaf: unrecognized option '--x'`).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawGeometry {
    pub width: u32,
    pub height: u32,
    pub chroma: Chroma,
    pub bitdepth: u32,
}

/// What the command line asks for besides scoring.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Run(Box<VmafCommand>),
    /// `-v/--version`: print libvmaf's version and exit 0.
    Version,
}

/// A command line libvmaf refuses (it prints the reason and its usage, exit 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl From<SpecError> for UsageError {
    fn from(e: SpecError) -> Self {
        UsageError(e.to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Reference,
    Distorted,
    Width,
    Height,
    PixelFormat,
    Bitdepth,
    Model,
    Output,
    Xml,
    Json,
    Csv,
    Sub,
    Threads,
    Feature,
    Subsample,
    Cpumask,
    Gpumask,
    AomCtc,
    NflxCtc,
    FrameCnt,
    FrameSkipRef,
    FrameSkipDist,
    NoPrediction,
    Version,
    Quiet,
}

/// libvmaf's options: long name, short letter, whether it takes a value.
const OPTIONS: &[(&str, Option<char>, bool, Opt)] = &[
    ("reference", Some('r'), true, Opt::Reference),
    ("distorted", Some('d'), true, Opt::Distorted),
    ("width", Some('w'), true, Opt::Width),
    ("height", Some('h'), true, Opt::Height),
    ("pixel_format", Some('p'), true, Opt::PixelFormat),
    ("bitdepth", Some('b'), true, Opt::Bitdepth),
    ("model", Some('m'), true, Opt::Model),
    ("output", Some('o'), true, Opt::Output),
    ("xml", None, false, Opt::Xml),
    ("json", None, false, Opt::Json),
    ("csv", None, false, Opt::Csv),
    ("sub", None, false, Opt::Sub),
    ("threads", None, true, Opt::Threads),
    ("feature", None, true, Opt::Feature),
    ("subsample", None, true, Opt::Subsample),
    ("cpumask", None, true, Opt::Cpumask),
    ("gpumask", None, true, Opt::Gpumask),
    ("aom_ctc", None, true, Opt::AomCtc),
    ("nflx_ctc", None, true, Opt::NflxCtc),
    ("frame_cnt", None, true, Opt::FrameCnt),
    ("frame_skip_ref", None, true, Opt::FrameSkipRef),
    ("frame_skip_dist", None, true, Opt::FrameSkipDist),
    ("no_prediction", Some('n'), false, Opt::NoPrediction),
    ("version", Some('v'), false, Opt::Version),
    ("quiet", Some('q'), false, Opt::Quiet),
];

/// libvmaf's `-c` short option: in its short-option string but handled by no case,
/// so getopt accepts it (with a value) and libvmaf ignores it.
const IGNORED_SHORT_WITH_VALUE: char = 'c';

/// The libvmaf version whose command line, numbers and log layout this mode
/// reproduces; its logs carry it as `version`.
pub const LIBVMAF_VERSION: &str = "3.2.0";

/// How an option is named in messages, as libvmaf names it (`-w/--width`).
fn display_name(opt: Opt) -> String {
    let (long, short, ..) = OPTIONS.iter().find(|o| o.3 == opt).expect("every option is listed");
    match short {
        Some(c) => format!("-{c}/--{long}"),
        None => format!("--{long}"),
    }
}

/// getopt's scan: each recognised option with its value, in order.
fn scan(program: &str, args: &[String], warnings: &mut Vec<String>) -> Vec<(Opt, Option<String>)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (body, None),
            };
            let exact = OPTIONS.iter().find(|o| o.0 == name);
            let candidates: Vec<_> = OPTIONS.iter().filter(|o| o.0.starts_with(name)).collect();
            let option = match (exact, candidates.as_slice()) {
                (Some(o), _) => o,
                (None, [o]) => o,
                (None, []) => {
                    warnings.push(format!("{program}: unrecognized option '--{name}'"));
                    continue;
                }
                (None, many) => {
                    let names: Vec<String> = many.iter().map(|o| format!("'--{}'", o.0)).collect();
                    warnings.push(format!("{program}: option '--{name}' is ambiguous; possibilities: {}", names.join(" ")));
                    continue;
                }
            };
            let (long, _, takes_value, opt) = *option;
            match (takes_value, inline) {
                (false, Some(_)) => warnings.push(format!("{program}: option '--{long}' doesn't allow an argument")),
                (false, None) => found.push((opt, None)),
                (true, Some(v)) => found.push((opt, Some(v))),
                (true, None) if i < args.len() => {
                    found.push((opt, Some(args[i].clone())));
                    i += 1;
                }
                (true, None) => warnings.push(format!("{program}: option '--{long}' requires an argument")),
            }
            continue;
        }
        let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.is_empty()) else {
            // Not an option: GNU getopt moves it to the end; libvmaf never reads it.
            continue;
        };
        for (at, c) in cluster.char_indices() {
            let rest = &cluster[at + c.len_utf8()..];
            let known = OPTIONS.iter().find(|o| o.1 == Some(c)).map(|o| (o.2, Some(o.3)));
            let (takes_value, opt) = match known {
                Some(k) => k,
                None if c == IGNORED_SHORT_WITH_VALUE => (true, None),
                None => {
                    warnings.push(format!("{program}: invalid option -- '{c}'"));
                    continue;
                }
            };
            if !takes_value {
                found.extend(opt.map(|o| (o, None)));
                continue;
            }
            let value = if !rest.is_empty() {
                Some(rest.to_owned())
            } else if i < args.len() {
                i += 1;
                Some(args[i - 1].clone())
            } else {
                warnings.push(format!("{program}: option requires an argument -- '{c}'"));
                None
            };
            if let (Some(o), Some(v)) = (opt, value) {
                found.push((o, Some(v)));
            }
            break;
        }
    }
    found
}

/// C's `strtoul(s, &end, 0)` then a cast to `unsigned`, refusing what libvmaf
/// refuses (no digits, anything after them): leading blanks and a sign are allowed,
/// `0x` is hexadecimal and a leading `0` octal, `-1` wraps to 4294967295 (scripts
/// pass `--cpumask -1`), an overflow saturates before the cast.
pub fn parse_unsigned(text: &str) -> Option<u32> {
    let s = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if hex.starts_with(|c: char| c.is_ascii_hexdigit()) { (16, hex) } else { (8, &s[..1]) }
    } else if s.len() > 1 && s.starts_with('0') {
        (8, &s[1..])
    } else {
        (10, s)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let value = u64::from_str_radix(digits, radix).unwrap_or(u64::MAX);
    let value = if negative { value.wrapping_neg() } else { value };
    Some(value as u32)
}

fn unsigned(opt: Opt, value: &str) -> Result<u32, UsageError> {
    parse_unsigned(value).ok_or_else(|| invalid(opt, value, "an integer"))
}

fn invalid(opt: Opt, value: &str, should_be: &str) -> UsageError {
    UsageError(format!("Invalid argument \"{value}\" for option {}; should be {should_be}", display_name(opt)))
}

fn feature(spec: &str) -> FeatureSpec {
    FeatureSpec::parse(spec).expect("a preset's feature string parses")
}

fn model(version: &str, name: &str) -> ModelSpec {
    ModelSpec {
        source: ModelSource::Version(version.to_owned()),
        name: name.to_owned(),
        disable_clip: false,
        enable_transform: false,
        overrides: Vec::new(),
    }
}

/// `--aom_ctc VERSION`: the models and features libvmaf adds for each AOM common
/// test conditions version (each builds on the one before).
fn aom_ctc(version: &str, command: &mut VmafCommand) -> Result<(), UsageError> {
    let level = match version {
        "proposed" => return Err(UsageError("`--aom_ctc proposed` is deprecated.".into())),
        "v1.0" => 1,
        "v2.0" => 2,
        "v3.0" => 3,
        "v4.0" => 4,
        "v5.0" => 5,
        "v6.0" => 6,
        "v7.0" => 7,
        other => return Err(UsageError(format!("bad aom_ctc version \"{other}\""))),
    };
    command.models.push(model("vmaf_v0.6.1", "vmaf"));
    command.models.push(model("vmaf_v0.6.1neg", "vmaf_neg"));
    for f in [
        "psnr=reduced_hbd_peak=true:enable_apsnr=true:min_sse=0.5",
        "ciede",
        "float_ssim=enable_db=true:clip_db=true",
        "float_ms_ssim=enable_db=true:clip_db=true",
        "psnr_hvs",
    ] {
        command.features.push(feature(f));
    }
    if level >= 3 {
        command.features.push(feature("cambi"));
    }
    if level >= 6 {
        command.common_bitdepth = true;
    }
    if level >= 7 {
        // Replaces the earlier float_ssim entry in place.
        let ssim = feature("float_ssim=scale=1:enable_db=true:clip_db=true");
        match command.features.iter_mut().find(|f| f.name == ssim.name) {
            Some(f) => *f = ssim,
            None => command.features.push(ssim),
        }
    }
    Ok(())
}

/// `--nflx_ctc v1.0`: Netflix's common test conditions.
fn nflx_ctc(version: &str, command: &mut VmafCommand) -> Result<(), UsageError> {
    if version != "v1.0" {
        return Err(UsageError(format!("bad nflx_ctc version \"{version}\"")));
    }
    command.models.push(model("vmaf_4k_v0.6.1", "vmaf"));
    command.models.push(model("vmaf_4k_v0.6.1neg", "vmaf_neg"));
    for f in ["psnr=enable_chroma=true:enable_apsnr=true", "float_ssim=enable_db=true:clip_db=true", "cambi"] {
        command.features.push(feature(f));
    }
    Ok(())
}

/// Reads a `vmaf` command line (`args` without the program name; `program` is
/// how warnings name it).
pub fn parse(program: &str, args: &[String]) -> Result<Parsed, UsageError> {
    let mut warnings = Vec::new();
    let found = scan(program, args, &mut warnings);
    let mut c = VmafCommand {
        reference: String::new(),
        distorted: String::new(),
        raw: None,
        models: Vec::new(),
        features: Vec::new(),
        output: None,
        format: LogFormat::Xml,
        threads: 0,
        subsample: 0,
        cpumask: 0,
        gpumask: None,
        frame_count: 0,
        skip_reference: 0,
        skip_distorted: 0,
        no_prediction: false,
        quiet: false,
        common_bitdepth: false,
        warnings: Vec::new(),
    };
    let (mut reference, mut distorted) = (None, None);
    let (mut width, mut height, mut chroma, mut bitdepth) = (0, 0, None, 0);
    let mut use_yuv = false;
    for (opt, value) in found {
        let v = value.as_deref().unwrap_or_default();
        match opt {
            Opt::Reference => reference = Some(v.to_owned()),
            Opt::Distorted => distorted = Some(v.to_owned()),
            Opt::Width => (width, use_yuv) = (unsigned(opt, v)?, true),
            Opt::Height => (height, use_yuv) = (unsigned(opt, v)?, true),
            Opt::PixelFormat => {
                let format = match v {
                    "420" => Chroma::Yuv420,
                    "422" => Chroma::Yuv422,
                    "444" => Chroma::Yuv444,
                    _ => return Err(invalid(opt, v, "a valid pixel format (420/422/444)")),
                };
                (chroma, use_yuv) = (Some(format), true);
            }
            Opt::Bitdepth => {
                let depth = unsigned(opt, v)?;
                if ![8, 10, 12, 16].contains(&depth) {
                    return Err(invalid(opt, v, "a valid bitdepth (8/10/12/16)"));
                }
                (bitdepth, use_yuv) = (depth, true);
            }
            Opt::Model => c.models.push(ModelSpec::parse(v)?),
            Opt::Feature => c.features.push(FeatureSpec::parse(v)?),
            Opt::Output => c.output = Some(v.to_owned()),
            Opt::Xml => c.format = LogFormat::Xml,
            Opt::Json => c.format = LogFormat::Json,
            Opt::Csv => c.format = LogFormat::Csv,
            Opt::Sub => c.format = LogFormat::Sub,
            Opt::Threads => c.threads = unsigned(opt, v)?,
            Opt::Subsample => c.subsample = unsigned(opt, v)?,
            Opt::Cpumask => c.cpumask = unsigned(opt, v)?,
            Opt::Gpumask => c.gpumask = Some(unsigned(opt, v)?),
            Opt::AomCtc => aom_ctc(v, &mut c)?,
            Opt::NflxCtc => nflx_ctc(v, &mut c)?,
            Opt::FrameCnt => c.frame_count = unsigned(opt, v)?,
            Opt::FrameSkipRef => c.skip_reference = unsigned(opt, v)?,
            Opt::FrameSkipDist => c.skip_distorted = unsigned(opt, v)?,
            Opt::NoPrediction => c.no_prediction = true,
            Opt::Quiet => c.quiet = true,
            // libvmaf prints its version the moment it reads -v.
            Opt::Version => return Ok(Parsed::Version),
        }
        if c.models.len() > MAX_ENTRIES {
            return Err(UsageError(format!("A maximum of {MAX_ENTRIES} models are supported")));
        }
        if c.features.len() > MAX_ENTRIES {
            return Err(UsageError(format!("A maximum of {MAX_ENTRIES} features are supported")));
        }
    }
    c.warnings = warnings;
    c.reference = reference.ok_or_else(|| UsageError("Reference .y4m or .yuv (-r/--reference) is required".into()))?;
    c.distorted = distorted.ok_or_else(|| UsageError("Distorted .y4m or .yuv (-d/--distorted) is required".into()))?;
    if use_yuv {
        match (width, height, chroma, bitdepth) {
            (1.., 1.., Some(chroma), 1..) => c.raw = Some(RawGeometry { width, height, chroma, bitdepth }),
            _ => {
                return Err(UsageError(
                    "The following options are required for .yuv input:\n  --width/-w\n  --height/-h\n  \
                     --pixel_format/-p\n  --bitdepth/-b\n"
                        .into(),
                ))
            }
        }
    }
    if c.models.is_empty() && !c.no_prediction {
        c.models.push(model("vmaf_v0.6.1", DEFAULT_NAME));
    }
    for (i, m) in c.models.iter().enumerate() {
        if c.models[..i].iter().any(|other| other.name == m.name) {
            return Err(UsageError(
                "Each model should be uniquely named. Set using `--model` via the `name=...` param.".into(),
            ));
        }
    }
    Ok(Parsed::Run(Box::new(c)))
}

/// libvmaf's usage text, with `program` as the name it was run under.
pub fn usage(program: &str) -> String {
    format!(
        "Usage: {program} [options]\n\n\
         Supported options:\n \
         --reference/-r $path:        path to reference .y4m or .yuv\n \
         --distorted/-d $path:        path to distorted .y4m or .yuv\n \
         --width/-w $unsigned:        width\n \
         --height/-h $unsigned:       height\n \
         --pixel_format/-p: $string   pixel format (420/422/444)\n \
         --bitdepth/-b $unsigned:     bitdepth (8/10/12/16)\n \
         --model/-m $params:          model parameters, colon \":\" delimited\n \
         \x20                             `path=` path to model file\n \
         \x20                             `version=` built-in model version\n \
         \x20                             `name=` name used in log (optional)\n \
         --output/-o $path:           output file\n \
         --xml:                       write output file as XML (default)\n \
         --json:                      write output file as JSON\n \
         --csv:                       write output file as CSV\n \
         --sub:                       write output file as subtitle\n \
         --threads $unsigned:         number of threads to use\n \
         --feature $string:           additional feature\n \
         --cpumask: $bitmask          restrict permitted CPU instruction sets\n \
         --gpumask: $bitmask          restrict permitted GPU operations\n \
         --frame_cnt $unsigned:       maximum number of frames to process\n \
         --frame_skip_ref $unsigned:  skip the first N frames in reference\n \
         --frame_skip_dist $unsigned: skip the first N frames in distorted\n \
         --subsample: $unsigned       compute scores only every N frames\n \
         --quiet/-q:                  disable FPS meter when run in a TTY\n \
         --no_prediction/-n:          no prediction, extract features only\n \
         --version/-v:                print version and exit\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    fn run(line: &str) -> VmafCommand {
        match parse("vmaf", &args(line)).unwrap() {
            Parsed::Run(c) => *c,
            Parsed::Version => panic!("not a run: {line}"),
        }
    }

    #[test]
    fn the_command_lines_scripts_write() {
        // As Netflix's Python package calls it.
        let c = run("--reference r.yuv --distorted d.yuv --width 576 --height 324 --pixel_format 420 --bitdepth 8 \
                     --output o.xml --xml --no_prediction --feature float_vif --cpumask -1 --threads 0");
        assert_eq!((c.reference.as_str(), c.distorted.as_str()), ("r.yuv", "d.yuv"));
        assert_eq!(c.raw, Some(RawGeometry { width: 576, height: 324, chroma: Chroma::Yuv420, bitdepth: 8 }));
        assert!(c.no_prediction && c.models.is_empty());
        assert_eq!(c.cpumask, u32::MAX);
        assert_eq!(c.features[0].name, "float_vif");
        // Short options clustered and attached, abbreviations, values after `=`.
        let c = run("-rref.y4m -d dist.y4m -nq --js --out=o.json --subs=3 --frame_c 0x10 -m version=vmaf_v0.6.1neg:name=neg");
        assert_eq!((c.reference.as_str(), c.output.as_deref()), ("ref.y4m", Some("o.json")));
        assert!(c.no_prediction && c.quiet);
        assert_eq!((c.format, c.subsample, c.frame_count), (LogFormat::Json, 3, 16));
        assert_eq!(c.models.len(), 1);
        assert_eq!(c.models[0].name, "neg");
        // The defaults: XML, libvmaf's default model, no output file.
        let c = run("-r a -d b");
        assert_eq!((c.format, c.output.as_deref()), (LogFormat::Xml, None));
        assert_eq!(c.models, [model("vmaf_v0.6.1", "vmaf")]);
    }

    #[test]
    fn what_getopt_only_warns_about_is_skipped() {
        let c = run("-r a stray -d b --colour=red --xml=1 -x --t 2");
        assert_eq!(
            c.warnings,
            [
                "vmaf: unrecognized option '--colour'",
                "vmaf: option '--xml' doesn't allow an argument",
                "vmaf: invalid option -- 'x'",
            ]
        );
        // `--t` is a unique prefix of --threads: accepted.
        assert_eq!(c.threads, 2);
        let c = run("-r a -d b --f psnr");
        assert_eq!(c.warnings, ["vmaf: option '--f' is ambiguous; possibilities: '--feature' '--frame_cnt' '--frame_skip_ref' '--frame_skip_dist'"]);
        assert!(run("-r a -d b -- -n").models.len() == 1, "`--` ends the options");
    }

    #[test]
    fn refusals_name_the_option_as_libvmaf_does() {
        let err = |line: &str| parse("vmaf", &args(line)).unwrap_err().0;
        assert_eq!(err("-r a -d b -w 12x"), "Invalid argument \"12x\" for option -w/--width; should be an integer");
        assert_eq!(err("-r a -d b -b 9"), "Invalid argument \"9\" for option -b/--bitdepth; should be a valid bitdepth (8/10/12/16)");
        assert_eq!(err("-r a -d b -p 411"), "Invalid argument \"411\" for option -p/--pixel_format; should be a valid pixel format (420/422/444)");
        assert_eq!(err("-r a -d b --threads two"), "Invalid argument \"two\" for option --threads; should be an integer");
        assert!(err("-d b").starts_with("Reference"));
        assert!(err("-r a").starts_with("Distorted"));
        assert!(err("-r a -d b -w 96 -h 64").contains("required for .yuv input"));
        assert!(err("-r a -d b -m version=vmaf_v0.6.1 -m version=vmaf_v0.6.1neg").contains("uniquely named"));
        assert_eq!(err("-r a -d b --aom_ctc v9.9"), "bad aom_ctc version \"v9.9\"");
        assert!(err("-r a -d b -m version=x:name").contains("has no value"));
        assert_eq!(parse("vmaf", &args("-r a -v -d")), Ok(Parsed::Version));
    }

    #[test]
    fn ctc_presets_expand_as_libvmaf_expands_them() {
        let c = run("-r a -d b --aom_ctc v7.0");
        let names: Vec<&str> = c.features.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["psnr", "ciede", "float_ssim", "float_ms_ssim", "psnr_hvs", "cambi"]);
        assert_eq!(c.features[2].option("scale"), Some("1"));
        assert!(c.common_bitdepth);
        assert_eq!(c.models.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["vmaf", "vmaf_neg"]);
        let c = run("-r a -d b --aom_ctc v1.0");
        assert_eq!(c.features.len(), 5);
        assert!(!c.common_bitdepth);
        let c = run("-r a -d b --nflx_ctc v1.0");
        assert_eq!(c.models[0].source, ModelSource::Version("vmaf_4k_v0.6.1".into()));
    }

    #[test]
    fn unsigned_values_read_as_strtoul_reads_them() {
        for (text, want) in [("0", Some(0)), ("12", Some(12)), (" 7", Some(7)), ("+3", Some(3)), ("0x1f", Some(31)),
            ("010", Some(8)), ("-1", Some(u32::MAX)), ("99999999999999999999", Some(u32::MAX)), ("", None),
            ("1 ", None), ("08", None), ("x", None), ("-", None)]
        {
            assert_eq!(parse_unsigned(text), want, "{text:?}");
        }
    }
}
