//! `vmaf` mode: libvmaf's `vmaf` command line and logs on this engine. Run as
//! `tinyvmaf-gpu vmaf ARGS…`, or under the name `vmaf` (a link to the binary), it
//! reads libvmaf's options (`compat::cli`), scores with the same pipeline as
//! `score`, and writes libvmaf's log layout with libvmaf's keys in libvmaf's order
//! (`compat::log`, `output::libvmaf`), only when `-o` is given, XML by default.
//!
//! Differences that remain are refusals, never silent: models, features and
//! options this tool does not compute are named in an error before any frame is
//! read.

use std::io::IsTerminal;

use tinyvmaf_gpu::compat::cli::{self, Chroma, LogFormat, Parsed};
use tinyvmaf_gpu::compat::log::{Extractor, Plan};
use tinyvmaf_gpu::compat::spec::{FeatureSpec, ModelSource, ModelSpec};
use tinyvmaf_gpu::features::psnr::PsnrOptions;
use tinyvmaf_gpu::features::{FeatureOptions, SsimOptions};
use tinyvmaf_gpu::io::{InputSpec, RawFormat};
use tinyvmaf_gpu::model::{Flags, LoadedModel};
use tinyvmaf_gpu::output::libvmaf::{self, LibvmafFormat};
use tinyvmaf_gpu::output::{self, RunContext};
use tinyvmaf_gpu::registry::Sidecar;
use tinyvmaf_gpu::score::{self, ModelInputs, ScoreOptions};
use tinyvmaf_gpu::{exit, verify};

use super::args::BackendArgs;
use super::values::BackendChoice;
use super::{backend, CliResult, Failure};

/// libvmaf's exit status for a command line it refuses.
const USAGE_EXIT: u8 = 1;

/// The built-in models of libvmaf that this tool has, by libvmaf's version name.
const MODELS: &[&str] = &[
    "vmaf_v0.6.1",
    "vmaf_v0.6.1neg",
    "vmaf_4k_v0.6.1",
    "vmaf_4k_v0.6.1neg",
    "vmaf_b_v0.6.3",
    "vmaf_v1.0.16_3d0h",
    "vmaf_v1.0.16_5d0h",
    "vmaf_v1.0.16_1d5h_2160",
    "vmaf_v1.0.16_3d0h_2160",
    "vmaf_v1.0.16_hfr_3d0h",
    "vmaf_v1.0.16_hfr_5d0h",
    "vmaf_v1.0.16_hfr_1d5h_2160",
    "vmaf_v1.0.16_hfr_3d0h_2160",
];

/// The feature extractors of libvmaf that this tool has.
const FEATURES: &[&str] =
    &["adm", "motion", "vif", "psnr", "float_ssim", "float_ms_ssim", "psnr_hvs", "ciede", "cambi", "speed_chroma"];

/// Whether this process was started under the name `vmaf`.
pub fn invoked_as_vmaf(argv0: &std::ffi::OsStr) -> bool {
    let name = std::path::Path::new(argv0).file_stem().and_then(|s| s.to_str());
    name == Some("vmaf")
}

pub fn run(program: &str, args: &[String]) -> CliResult {
    let command = match cli::parse(program, args) {
        Ok(Parsed::Run(c)) => *c,
        Ok(Parsed::Version) => {
            eprintln!("{}", cli::LIBVMAF_VERSION);
            return Ok(());
        }
        Err(reason) => {
            eprint!("{reason}\n\n{}", cli::usage(program));
            return Err(Failure { code: USAGE_EXIT, error: anyhow::anyhow!("bad command line (see above)") });
        }
    };
    for w in &command.warnings {
        eprintln!("{w}");
    }
    let interactive = std::io::stderr().is_terminal();
    if interactive && !command.quiet {
        eprintln!("VMAF version {} (tinyvmaf-gpu {})", cli::LIBVMAF_VERSION, env!("CARGO_PKG_VERSION"));
    }
    let mut plan = Plan::default();
    // Everything this tool cannot do for the command line, named at once.
    let mut refused = Vec::new();
    let model_options: Vec<_> = command.models.iter().filter_map(|m| model_options(m).map_err(|e| refused.push(e)).ok()).collect();
    let feature_extractors: Vec<_> = command.features.iter().filter_map(|f| extractor(f).map_err(|e| refused.push(e)).ok()).collect();
    if !refused.is_empty() {
        return Err(Failure { code: exit::USAGE, error: anyhow::anyhow!(refused.join("\nerror: ")) });
    }

    let raw = command.raw.map(|g| RawFormat {
        width: g.width as usize,
        height: g.height as usize,
        pixel_format: pixel_format(g.chroma, g.bitdepth),
        frame_count: None,
    });
    let open = |path: &str| tinyvmaf_gpu::io::open(&InputSpec { path: path.into(), raw: raw.clone() });
    let mut reference = open(&command.reference)?;
    let mut distorted = open(&command.distorted)?;

    // `--gpumask` with any bit set forbids GPU work; otherwise the backend is
    // chosen as `score --backend auto` chooses it.
    let choice = if command.gpumask.is_some_and(|m| m != 0) { BackendChoice::Cpu } else { BackendChoice::Auto };
    let resolved = backend::resolve(
        &BackendArgs { backend: choice, gpu_api: None, adapter: None, check_gpu: false },
        command.quiet || !interactive,
    )?;
    let mut models = Vec::new();
    // Every model string parsed (else the run stopped above): they pair up in order.
    for (spec, (version, sidecar, inputs)) in command.models.iter().zip(model_options) {
        let mut model = LoadedModel::load(verify::pin_checked(version)?, resolved.models)?;
        model.flags = Flags { enable_transform: spec.enable_transform, disable_clip: spec.disable_clip, ..Flags::default() };
        model.name = Some(spec.name.clone());
        model.sidecar = sidecar;
        plan.register_model(model.features(), &inputs);
        models.push(model);
    }
    for e in feature_extractors {
        plan.register(e);
    }
    let sets = plan.feature_sets(&score::feature_sets(&models)?);

    let options = ScoreOptions {
        threads: if command.threads == 0 { ScoreOptions::default().threads } else { command.threads as usize },
        frame_count: (command.frame_count > 0).then_some(u64::from(command.frame_count)),
        skip_reference: command.skip_reference.into(),
        skip_distorted: command.skip_distorted.into(),
        subsample: u64::from(command.subsample.max(1)),
        // libvmaf scores the frames both inputs have.
        shortest: true,
        psnr: plan.psnr(),
        psnr_options: plan.psnr_options().unwrap_or_default(),
        ssim: plan.ssim(),
        ms_ssim: plan.ms_ssim(),
        psnr_hvs: plan.psnr_hvs(),
        ciede: plan.ciede(),
        cambi: plan.cambi(),
        speed_chroma: plan.speed_chroma(),
        motion: plan.motion(),
        gpu: resolved.gpu.clone(),
        ..ScoreOptions::default()
    };
    let destination = command.output.as_deref().map(|p| output::Destination::resolve(p.as_ref())).transpose()?;
    let start = std::time::Instant::now();
    let (width, height) = (reference.info().width, reference.info().height);
    let table = score::extract(&mut reference, &mut distorted, &sets, &options, &|_| {})?;
    // libvmaf scores the frames both inputs have and names the one that ended.
    match (reference.ended(), distorted.ended()) {
        (true, false) => eprintln!("\n\"{}\" ended before \"{}\".", reference.name, distorted.name),
        (false, true) => eprintln!("\n\"{}\" ended before \"{}\".", distorted.name, reference.name),
        _ => {}
    }
    let scores = if command.no_prediction { Vec::new() } else { score::apply_models(&table, &models)? };
    let fps = table.frame_numbers.len() as f64 / start.elapsed().as_secs_f64().max(1e-9);
    // Each model's score under its `name=`, in the order given, then the further
    // columns of the bootstrap collections (their sub-models and statistics), as
    // libvmaf writes them.
    let (mut scores, further): (Vec<_>, Vec<_>) =
        scores.into_iter().partition(|(name, _)| command.models.iter().any(|spec| spec.name == *name));
    scores.extend(further);
    let context = RunContext { width, height, ..RunContext::default() };
    let log = plan.log(&table, &sets, command.threads > 0, scores, fps, context);

    if interactive && (!command.quiet || command.output.is_none()) {
        for spec in &command.models {
            if let Some(mean) = pooled_mean(&log, &spec.name) {
                eprintln!("{}: {mean:.6}", label(spec));
            }
        }
        for (spec, _) in command.models.iter().zip(&models).filter(|(_, m)| m.outputs() > 1) {
            let stat = |suffix: &str| pooled_mean(&log, &format!("{}{suffix}", spec.name)).unwrap_or(f64::NAN);
            eprintln!(
                "{}: {:.6}, ci.p95: [{:.6}, {:.6}], stddev: {:.6}",
                label(spec),
                stat("_bagging"),
                stat("_ci_p95_lo"),
                stat("_ci_p95_hi"),
                stat("_stddev")
            );
        }
    }
    if let (Some(path), Some(destination)) = (&command.output, destination) {
        let format = match command.format {
            LogFormat::Xml => LibvmafFormat::Xml,
            LogFormat::Json => LibvmafFormat::Json,
            LogFormat::Csv => LibvmafFormat::Csv,
            LogFormat::Sub => LibvmafFormat::Sub,
        };
        destination.write(path.as_ref(), libvmaf::render(&log, format).as_bytes())?;
    }
    Ok(())
}

/// The mean of a column of the log.
fn pooled_mean(log: &tinyvmaf_gpu::output::ScoreLog, name: &str) -> Option<f64> {
    log.column(name).and_then(|c: Vec<f64>| tinyvmaf_gpu::pooling::pool(&c)).map(|p| p.mean)
}

/// How libvmaf names a model on stderr: its version, or its path.
fn label(spec: &ModelSpec) -> &str {
    match &spec.source {
        ModelSource::Version(v) | ModelSource::Path(v) => v,
    }
}


/// The built-in model a `--model` names, its sidecar with the string's overrides
/// applied (libvmaf's overload: over the model file's values), and what it reads.
fn model_options(spec: &ModelSpec) -> Result<(&str, Sidecar, ModelInputs), String> {
    let version = match &spec.source {
        ModelSource::Version(v) if MODELS.contains(&v.as_str()) => v,
        ModelSource::Version(v) => {
            return Err(format!(
                "problem loading model: {v}: not a model this tool has (it has: {})",
                MODELS.join(", ")
            ))
        }
        ModelSource::Path(p) => {
            return Err(format!(
                "problem loading model: {p}: model files are not read; use version= with one of: {}",
                MODELS.join(", ")
            ))
        }
    };
    let embedded = tinyvmaf_gpu::model::embedded(version).ok_or_else(|| format!("problem loading model: {version}: not compiled in"))?;
    let mut sidecar = embedded.sidecar();
    for o in &spec.overrides {
        let named = |e: String| format!("model {version}: override {}.{}={}: {e}", o.feature, o.option, o.value);
        score::inputs::apply_override(&mut sidecar, &o.feature, &o.option, &o.value).map_err(named)?;
        ModelInputs::of_sidecar(&sidecar).map_err(|e| named(e.to_string()))?;
    }
    let inputs = ModelInputs::of_sidecar(&sidecar).map_err(|e| format!("model {version}: {e}"))?;
    Ok((version, sidecar, inputs))
}

/// The extractor a `--feature` registers.
fn extractor(spec: &FeatureSpec) -> Result<Extractor, String> {
    let limit = |key: &str| -> Result<f64, String> {
        match spec.option(key) {
            None => Ok(FeatureOptions::default().vif_enhn_gain_limit),
            Some(v) => v.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 1.0).ok_or_else(|| {
                format!("feature {spec}: {key}={v}: not a number of 1.0 or more")
            }),
        }
    };
    // CAMBI and SpEED take libvmaf's options by name or alias; their values are
    // checked when the run starts, with libvmaf's ranges.
    match spec.name.as_str() {
        "cambi" => {
            let mut o = tinyvmaf_gpu::features::cambi::CambiOptions::default();
            for (key, value) in &spec.options {
                tinyvmaf_gpu::features::cambi::set_option(&mut o, key, value).map_err(|e| format!("feature {spec}: {e}"))?;
            }
            return Ok(Extractor::Cambi(o));
        }
        "speed_chroma" => {
            let mut o = tinyvmaf_gpu::features::speed::SpeedChromaOptions::default();
            for (key, value) in &spec.options {
                tinyvmaf_gpu::features::speed::set_option(&mut o, key, value).map_err(|e| format!("feature {spec}: {e}"))?;
            }
            return Ok(Extractor::SpeedChroma(o));
        }
        // ADM and motion take every option this tool computes (VMAF v1's CSF mode 2,
        // viewing conditions, HFR window, …), by name or alias, with libvmaf's ranges.
        "adm" => {
            let mut o = FeatureOptions::default();
            for (key, value) in &spec.options {
                o.set_adm_option(key, value).map_err(|e| format!("feature {spec}: {e}"))?;
            }
            tinyvmaf_gpu::features::adm::AdmConfig::new(&o).map_err(|e| format!("feature {spec}: {e}"))?;
            return Ok(Extractor::adm(&o));
        }
        "motion" => {
            let mut o = tinyvmaf_gpu::features::motion::MotionOptions::default();
            for (key, value) in &spec.options {
                tinyvmaf_gpu::features::motion::MotionOptions::set_option(&mut o, key, value).map_err(|e| format!("feature {spec}: {e}"))?;
            }
            return Ok(Extractor::Motion(o));
        }
        _ => {}
    }
    let allowed: &[&str] = match spec.name.as_str() {
        "vif" => &["vif_enhn_gain_limit"],
        "psnr" => &["enable_chroma", "enable_mse", "enable_apsnr", "reduced_hbd_peak", "min_sse"],
        "float_ssim" => &["enable_db", "clip_db", "scale"],
        "float_ms_ssim" => &["enable_db", "clip_db"],
        "psnr_hvs" | "ciede" => &[],
        other => {
            return Err(format!(
                "problem loading feature extractor: {other}: not a feature this tool computes (it has: {})",
                FEATURES.join(", ")
            ))
        }
    };
    if let Some((key, _)) = spec.options.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        return Err(format!("feature {spec}: option {key} is not supported"));
    }
    for key in ["enable_chroma", "enable_mse", "enable_apsnr", "reduced_hbd_peak", "enable_db", "clip_db"] {
        if let Some(v) = spec.option(key).filter(|v| !["true", "false"].contains(v)) {
            return Err(format!("feature {spec}: {key}={v}: write true or false"));
        }
    }
    let scale = match spec.option("scale") {
        None => 0,
        Some(v) => v.parse::<u32>().ok().filter(|s| *s <= 10).ok_or_else(|| format!("feature {spec}: scale={v}: write 0 to 10"))?,
    };
    let db = SsimOptions {
        scale: 0,
        enable_db: spec.option("enable_db") == Some("true"),
        clip_db: spec.option("clip_db") == Some("true"),
    };
    Ok(match spec.name.as_str() {
        "vif" => Extractor::Vif(limit("vif_enhn_gain_limit")?),
        "float_ssim" => Extractor::FloatSsim(SsimOptions { scale, ..db }),
        "float_ms_ssim" => Extractor::FloatMsSsim(db),
        "psnr_hvs" => Extractor::PsnrHvs,
        "ciede" => Extractor::Ciede,
        _ => {
            let min_sse = match spec.option("min_sse") {
                None => 0.0,
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x >= 0.0)
                    .ok_or_else(|| format!("feature {spec}: min_sse={v}: write a number of 0 or more"))?,
            };
            let on = |key: &str| spec.option(key) == Some("true");
            Extractor::Psnr(PsnrOptions {
                enable_chroma: spec.option("enable_chroma") != Some("false"),
                enable_mse: on("enable_mse"),
                enable_apsnr: on("enable_apsnr"),
                reduced_hbd_peak: on("reduced_hbd_peak"),
                min_sse,
            })
        }
    })
}

/// The raw pixel format this tool's reader names libvmaf's `-p`/`-b` pair by.
fn pixel_format(chroma: Chroma, bitdepth: u32) -> String {
    let base = match chroma {
        Chroma::Yuv420 => "yuv420p",
        Chroma::Yuv422 => "yuv422p",
        Chroma::Yuv444 => "yuv444p",
    };
    if bitdepth == 8 { base.to_owned() } else { format!("{base}{bitdepth}le") }
}
