//! `vmaf` mode against a stock libvmaf: each command line of
//! tests/data/libvmaf-stock/cases.txt runs through `tinyvmaf-gpu vmaf` on the sample
//! pair, and its log must equal the one libvmaf 3.2 wrote for the same line
//! (NAME.out, see make.sh there) character for character, except the timing (`fps`)
//! and numbers that may differ by one unit in their last printed digit.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_tinyvmaf-gpu");

fn stock_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/libvmaf-stock")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sample").join(name)
}

/// The sample's frames as raw 8-bit and 10-bit YUV, as make.sh writes them.
fn raw_inputs(dir: &Path) {
    for side in ["ref", "dist"] {
        let data = std::fs::read(sample(&format!("cell_small.{side}.y4m"))).unwrap();
        let body = &data[data.iter().position(|&b| b == b'\n').unwrap() + 1..];
        let mut raw = Vec::new();
        // Frames are "FRAME\n" then a fixed number of bytes (96x64 4:2:0).
        let size = 96 * 64 * 3 / 2;
        let mut at = 0;
        while at < body.len() {
            assert_eq!(&body[at..at + 6], b"FRAME\n");
            raw.extend_from_slice(&body[at + 6..at + 6 + size]);
            at += 6 + size;
        }
        let wide: Vec<u8> = raw.iter().flat_map(|&x| (u16::from(x) << 2).to_le_bytes()).collect();
        // 288x192: every sample repeated 3x3 (MS-SSIM's five scales need 176x176).
        let mut big = Vec::new();
        for frame in raw.chunks(size) {
            for (pw, ph, off) in [(96, 64, 0), (48, 32, 96 * 64), (48, 32, 96 * 64 + 48 * 32)] {
                for y in 0..ph * 3 {
                    let row = &frame[off + (y / 3) * pw..off + (y / 3) * pw + pw];
                    big.extend(row.iter().flat_map(|&v| [v; 3]));
                }
            }
        }
        std::fs::write(dir.join(format!("{side}.yuv")), &raw).unwrap();
        std::fs::write(dir.join(format!("{side}10.yuv")), &wide).unwrap();
        std::fs::write(dir.join(format!("{side}_big.yuv")), &big).unwrap();
    }
}

fn cases() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(stock_dir().join("cases.txt")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (name, args) = l.split_once('|').unwrap();
            (name.trim().to_owned(), args.trim().to_owned())
        })
        .collect()
}

fn arguments(line: &str, dir: &Path, out: &Path) -> Vec<String> {
    let path = |p: PathBuf| p.to_str().unwrap().to_owned();
    line.split_whitespace()
        .map(|a| {
            a.replace("{ref}", &path(sample("cell_small.ref.y4m")))
                .replace("{dist}", &path(sample("cell_small.dist.y4m")))
                .replace("{ref_yuv}", &path(dir.join("ref.yuv")))
                .replace("{dist_yuv}", &path(dir.join("dist.yuv")))
                .replace("{ref10}", &path(dir.join("ref10.yuv")))
                .replace("{dist10}", &path(dir.join("dist10.yuv")))
                .replace("{ref_big}", &path(dir.join("ref_big.yuv")))
                .replace("{dist_big}", &path(dir.join("dist_big.yuv")))
                .replace("{out}", &path(out.to_owned()))
        })
        .collect()
}

/// Splits text into runs of number characters and runs of everything else.
fn tokens(text: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let is_num = |c: char| c.is_ascii_digit() || c == '.' || c == '-';
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(_, c)) in chars.iter().enumerate() {
        let next = chars.get(i + 1).map(|&(_, n)| n);
        if next.is_none_or(|n| is_num(n) != is_num(c)) {
            let end = next.map_or(text.len(), |_| chars[i + 1].0);
            out.push((is_num(c), &text[start..end]));
            start = end;
        }
    }
    out
}

/// Masks the timing, which no two runs share.
fn without_fps(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.starts_with("  <fyi fps=") {
                "  <fyi fps=\"FPS\" />".to_owned()
            } else if l.starts_with("  \"fps\": ") {
                "  \"fps\": FPS,".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Equal text, numbers equal or one unit apart in their last printed digit.
fn same_log(ours: &str, theirs: &str) -> Result<(), String> {
    let (ours, theirs) = (without_fps(ours), without_fps(theirs));
    let (a, b) = (tokens(&ours), tokens(&theirs));
    if a.len() != b.len() {
        return Err(format!("different structure: {} vs {} tokens", a.len(), b.len()));
    }
    for ((num, x), (_, y)) in a.iter().zip(&b) {
        if x == y {
            continue;
        }
        let decimals = y.split_once('.').map_or(0, |(_, d)| d.len());
        let close = *num
            && x.split_once('.').map_or(0, |(_, d)| d.len()) == decimals
            && match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(p), Ok(q)) => (p - q).abs() <= 1.5 * 10f64.powi(-(decimals as i32)),
                _ => false,
            };
        if !close {
            return Err(format!("'{x}' where libvmaf wrote '{y}'"));
        }
    }
    Ok(())
}

fn run(program: &str, args: &[String]) -> Output {
    Command::new(program).args(args).output().unwrap()
}

#[test]
fn every_stock_command_line_gives_libvmafs_log() {
    let dir = tempfile::tempdir().unwrap();
    raw_inputs(dir.path());
    let mut failures = Vec::new();
    let all = cases();
    assert!(all.len() >= 12, "cases.txt lists the command lines");
    for (name, line) in &all {
        let out = dir.path().join(format!("{name}.log"));
        let mut args = vec!["vmaf".to_owned()];
        args.extend(arguments(line, dir.path(), &out));
        let result = run(BIN, &args);
        if !result.status.success() {
            failures.push(format!("{name}: exit {:?}: {}", result.status.code(), String::from_utf8_lossy(&result.stderr)));
            continue;
        }
        let ours = std::fs::read_to_string(&out).unwrap();
        let theirs = std::fs::read_to_string(stock_dir().join(format!("{name}.out"))).unwrap();
        if let Err(e) = same_log(&ours, &theirs) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_binary_under_the_name_vmaf_is_the_drop_in() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("vmaf");
    std::os::unix::fs::symlink(BIN, &link).unwrap();
    let out = dir.path().join("log.json");
    let args = arguments("-r {ref} -d {dist} -q --json -o {out}", dir.path(), &out);
    let result = run(link.to_str().unwrap(), &args);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let theirs = std::fs::read_to_string(stock_dir().join("json.out")).unwrap();
    same_log(&std::fs::read_to_string(&out).unwrap(), &theirs).unwrap();
    // No -o: libvmaf writes no log and prints nothing on stdout.
    let args = arguments("-r {ref} -d {dist} -q", dir.path(), &out);
    let result = run(link.to_str().unwrap(), &args);
    assert!(result.status.success());
    assert!(result.stdout.is_empty());
    // -h is the height here, not help; without the rest of the raw geometry it is
    // libvmaf's usage error, exit 1.
    let result = run(link.to_str().unwrap(), &arguments("-r {ref} -d {dist} -h 64", dir.path(), &out));
    assert_eq!(result.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&result.stderr).contains("--height/-h"));
    // Inputs of different lengths: the frames both have, and libvmaf's line naming
    // the one that ended first.
    let args = arguments("-r {ref} -d {dist} -q --frame_skip_ref 2 --frame_skip_dist 1 --csv -o {out}", dir.path(), &out);
    let result = run(link.to_str().unwrap(), &args);
    assert!(result.status.success());
    let expected = format!("\"{}\" ended before \"{}\".", s(&sample("cell_small.ref.y4m")), s(&sample("cell_small.dist.y4m")));
    assert!(String::from_utf8_lossy(&result.stderr).contains(&expected), "{}", String::from_utf8_lossy(&result.stderr));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 1 + 10);
    // -v prints libvmaf's version.
    let result = run(link.to_str().unwrap(), &["-v".to_owned()]);
    assert_eq!((result.status.code(), String::from_utf8_lossy(&result.stderr).trim()), (Some(0), "3.2.0"));
}

#[test]
fn what_this_tool_does_not_compute_is_refused_by_name_before_any_frame() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("log.xml");
    // Exit 2: what this tool lacks, named. Exit 3: a picture too small for the
    // metric, refused before any frame where libvmaf fails the run (MS-SSIM: "scale
    // below 1x1"; CAMBI; SpEED: its own words).
    for (line, code, named) in [
        ("-r {ref} -d {dist} --feature cambi=window=3 -o {out}", 2, "window"),
        ("-r {ref} -d {dist} --feature speed_chroma=speed_prescale_method=cubic -o {out}", 2, "cubic"),
        ("-r {ref} -d {dist} --feature float_ssim=enable_lcs=true -o {out}", 2, "enable_lcs"),
        ("-r {ref} -d {dist} --model version=vmaf_v1.0.16_3d0h:cambi.window=3 -o {out}", 2, "cambi.window=3"),
        ("-r {ref} -d {dist} --model version=vmaf_v1.0.16_3d0h -o {out}", 3, "CAMBI is not defined for frames of 96x64"),
        ("-r {ref} -d {dist} --model path=model.json -o {out}", 2, "model.json"),
        ("-r {ref} -d {dist} --model version=vmaf_v0.6.1:motion.debug=true -o {out}", 2, "motion.debug"),
        ("-r {ref} -d {dist} --feature psnr=enable_lcs=true -o {out}", 2, "enable_lcs"),
        ("-r {ref} -d {dist} --feature float_ms_ssim -o {out}", 3, "MS-SSIM is not defined for frames of 96x64"),
        ("-r {ref} -d {dist} --feature cambi -o {out}", 3, "CAMBI is not defined for frames of 96x64"),
        ("-r {ref} -d {dist} --feature speed_chroma -o {out}", 3, "SpEED: image too small, operating width or height is 0"),
    ] {
        let mut args = vec!["vmaf".to_owned()];
        args.extend(arguments(line, dir.path(), &out));
        let result = run(BIN, &args);
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(code), "{line}: {stderr}");
        assert!(stderr.contains(named), "{line}: {stderr}");
        assert!(!out.exists(), "{line}: nothing written");
    }
}

/// The metric keys of the first frame of a libvmaf-layout JSON log, in file order.
fn first_frame_keys(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.contains("\"metrics\": {"))
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('}'))
        .map(|l| l.trim_start().trim_start_matches('"').split('"').next().unwrap().to_owned())
        .collect()
}

/// `--subsample 3` in `vmaf` mode on every oracle pair (all 22, including the
/// 16-bit and 8-bit 4:2:2 pairs libvmaf only reads as raw YUV): the rows are
/// frames 0, 3, 6, …; keys in the order of libvmaf's log (made with `--threads
/// 2`); each value libvmaf's (the `libvmaf_c` log, `%.17g`) as `%.6f` prints it,
/// models within 5e-5; pooled over the kept frames as libvmaf pools.
#[test]
fn subsample_on_every_oracle_pair_equals_libvmafs_rows() {
    let Some((oracle, clips)) = common::oracle_clips() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let pairs = common::oracle_pairs(&oracle);
    assert!(pairs.len() >= 22);
    for name in &pairs {
        let out = dir.path().join(format!("{name}.json"));
        let clip = |kind: &str| clips.join(format!("{name}.{kind}.y4m")).to_str().unwrap().to_owned();
        let args: Vec<String> = ["vmaf", "-r", &clip("ref"), "-d", &clip("dist"), "-q", "--threads", "2", "--subsample", "3",
            "--model", "version=vmaf_v0.6.1:name=vmaf", "--model", "version=vmaf_v0.6.1neg:name=vmaf_neg",
            "--feature", "psnr", "--json", "-o", out.to_str().unwrap()]
        .map(str::to_owned)
        .to_vec();
        let result = run(BIN, &args);
        assert!(result.status.success(), "{name}: {}", String::from_utf8_lossy(&result.stderr));
        let text = std::fs::read_to_string(&out).unwrap();
        let theirs_text = std::fs::read_to_string(oracle.join(format!("logs/{name}.libvmaf_c.json"))).unwrap();
        if first_frame_keys(&text) != first_frame_keys(&theirs_text) {
            failures.push(format!("{name}: keys {:?} vs libvmaf's {:?}", first_frame_keys(&text), first_frame_keys(&theirs_text)));
        }
        let ours: serde_json::Value = serde_json::from_str(&text).unwrap();
        let expected = common::oracle_frames(&oracle, name);
        let kept: Vec<usize> = (0..expected.len()).step_by(3).collect();
        let frames = ours["frames"].as_array().unwrap();
        let numbers: Vec<u64> = frames.iter().map(|f| f["frameNum"].as_u64().unwrap()).collect();
        if numbers != kept.iter().map(|&i| i as u64).collect::<Vec<_>>() {
            failures.push(format!("{name}: rows {numbers:?}"));
            continue;
        }
        // Half a unit of the sixth decimal from printing, plus the model tolerance.
        let tolerance = |key: &str| if key.starts_with("vmaf") { 5e-5 + 5e-7 } else { 5e-7 + 1e-12 };
        for (frame, &i) in frames.iter().zip(&kept) {
            for (key, value) in frame["metrics"].as_object().unwrap() {
                let theirs = expected[i][key].as_f64().unwrap();
                if (value.as_f64().unwrap() - theirs).abs() > tolerance(key) {
                    failures.push(format!("{name} frame {i} {key}: {value} vs {theirs}"));
                }
            }
        }
        for (key, pooled) in ours["pooled_metrics"].as_object().unwrap() {
            let column: Vec<f64> = kept.iter().map(|&i| expected[i][key].as_f64().unwrap()).collect();
            let mean = column.iter().sum::<f64>() / column.len() as f64;
            if (pooled["mean"].as_f64().unwrap() - mean).abs() > tolerance(key) {
                failures.push(format!("{name} pooled {key}: {} vs {mean}", pooled["mean"]));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_log_comparison_catches_a_changed_digit() {
    assert!(same_log("a=\"0.500000\"", "a=\"0.500001\"").is_ok());
    assert!(same_log("a=\"0.500000\"", "a=\"0.500003\"").is_err());
    assert!(same_log("a=\"0.500000\" b", "a=\"0.500000\"").is_err());
    assert!(same_log("<fyi fps=\"1.00\" />", "<fyi fps=\"2.00\" />").is_err());
    assert!(same_log("  <fyi fps=\"1.00\" />", "  <fyi fps=\"2.00\" />").is_ok());
}
