//! ffmpeg's `libvmaf` filter on this library: an ffmpeg 5.1 built from Debian's
//! source package against our header (scripts/build-ffmpeg-libvmaf.sh), run with
//! `LD_LIBRARY_PATH` on the installed library, writes the logs and prints the
//! `VMAF score:` lines that the same ffmpeg wrote and printed on stock libvmaf 3.2.0
//! (tests/data/ffmpeg/). And a real client, ab-av1, gets stock libvmaf's score
//! through it.
//!
//! The ffmpeg build needs the source package (a deb-src entry; the script adds one),
//! nasm and a C compiler. Without them the tests skip with the reason, unless
//! `TINYVMAF_REQUIRE_FFMPEG_BUILD` is set (CI sets it). `TINYVMAF_FFMPEG_BIN` names
//! an ffmpeg folder to use instead (one built against stock libvmaf's headers, say).
//! ab-av1 is taken from
//! `TINYVMAF_AB_AV1`, and `TINYVMAF_REQUIRE_AB_AV1` makes its absence a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The folder holding `ffmpeg` and `ffprobe` built against our header, once per run.
fn ffmpeg_bin() -> Option<&'static Path> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(given) = std::env::var_os("TINYVMAF_FFMPEG_BIN") {
            return Some(PathBuf::from(given));
        }
        let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ffmpeg-libvmaf-{}", std::process::id()));
        let out = Command::new("bash")
            .arg(common::root().join("scripts/build-ffmpeg-libvmaf.sh"))
            .arg(common::installed().join("lib/pkgconfig"))
            .arg(&out_dir)
            .output()
            .expect("bash runs");
        if !out.status.success() {
            let why = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(std::env::var_os("TINYVMAF_REQUIRE_FFMPEG_BUILD").is_none(), "the ffmpeg build failed: {why}");
            eprintln!("skipped: ffmpeg could not be built here: {why}");
            return None;
        }
        Some(out_dir.join("bin"))
    })
    .as_deref()
}

/// The library ffmpeg runs on: ours, or stock libvmaf when regenerating the
/// expected logs.
fn library_dir() -> PathBuf {
    match std::env::var_os("TINYVMAF_STOCK_LIBVMAF") {
        Some(stock) => PathBuf::from(stock),
        None => common::installed().join("lib"),
    }
}

fn blessing() -> bool {
    std::env::var_os("TINYVMAF_STOCK_LIBVMAF").is_some()
}

/// ffmpeg with the library first on the loader's path.
fn ffmpeg(bin: &Path, program: &str) -> Command {
    let mut cmd = Command::new(bin.join(program));
    cmd.env("LD_LIBRARY_PATH", library_dir()).env("XDG_RUNTIME_DIR", std::env::temp_dir());
    cmd
}

/// The filter graph of an INPUT kind around the libvmaf options (the distorted
/// video is ffmpeg's first input, the reference its second, as the filter takes them).
fn graph(input: &str, options: &str) -> String {
    let prep = match input {
        "small" => "null",
        "big" => "scale=288:192:flags=neighbor",
        "small10" => "format=yuv420p10le",
        other => panic!("unknown input kind {other}"),
    };
    format!("[0:v]{prep}[d];[1:v]{prep}[r];[d][r]libvmaf={options}")
}

/// Numbers and the text between them, so two logs compare as structure plus values.
fn tokens(text: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let prev_word = i > 0 && (chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '_');
        let starts_number = chars[i].is_ascii_digit() || (chars[i] == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        if starts_number && !prev_word {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == 'e' || ((chars[i] == '-' || chars[i] == '+') && chars[i - 1] == 'e')) {
                i += 1;
            }
            out.push((true, chars[start..i].iter().collect()));
        } else {
            match out.last_mut() {
                Some((false, s)) => s.push(chars[i]),
                _ => out.push((false, chars[i].to_string())),
            }
            i += 1;
        }
    }
    out
}

/// Whether `ours` is `stock` with every number within one unit of stock's last
/// printed digit (integers exact), the run's speed (`fps`) aside; if so, how many
/// numbers were compared and how many differ at all.
fn same_log(ours: &str, stock: &str) -> Result<(usize, usize), String> {
    let (a, b) = (tokens(ours), tokens(stock));
    if a.len() != b.len() {
        return Err(format!("{} tokens, stock has {}", a.len(), b.len()));
    }
    let mut previous = "";
    let (mut compared, mut differing) = (0, 0);
    for ((num_a, x), (num_b, y)) in a.iter().zip(&b) {
        if num_a != num_b || (!num_a && x != y) {
            return Err(format!("{x:?} where stock has {y:?}"));
        }
        if *num_a && !previous.ends_with("fps=\"") && !previous.ends_with("\"fps\": ") {
            let (Ok(p), Ok(q)) = (x.parse::<f64>(), y.parse::<f64>()) else {
                // Not one number (a version, `3.2.0`): as text.
                if x != y {
                    return Err(format!("{x:?} where stock has {y:?}"));
                }
                continue;
            };
            let decimals = y.split_once('.').map_or(0, |(_, f)| f.len() as i32);
            let tolerance = if decimals == 0 { 0.0 } else { 10f64.powi(-decimals) * 1.000001 };
            if (p - q).abs() > tolerance {
                return Err(format!("{x} where stock has {y} (after {previous:?})"));
            }
            compared += 1;
            differing += usize::from(x != y);
        }
        if !num_a {
            previous = x;
        }
    }
    Ok((compared, differing))
}

fn score_lines(stderr: &str) -> String {
    stderr.lines().filter_map(|l| l.find("VMAF score:").map(|i| format!("{}\n", &l[i..]))).collect()
}

/// Runs the cases of cases.txt that `pick` keeps, with `backend` as
/// `TINYVMAF_BACKEND`, comparing each with stock libvmaf's log and score lines (or
/// writing those when blessing). Returns the failures and how many cases ran.
fn run_cases(bin: &Path, backend: &str, pick: &dyn Fn(&str) -> bool) -> (Vec<String>, usize) {
    let sample = common::root().join("tests/data/sample");
    let expected = data().join("ffmpeg");
    let cases = std::fs::read_to_string(expected.join("cases.txt")).expect("cases.txt");
    let tmp = tempfile::tempdir().expect("tmp");
    let mut failures = Vec::new();
    let mut ran = 0;
    for line in cases.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let (name, input) = (parts[0], parts[1]);
        if !pick(name) {
            continue;
        }
        // The options may hold `|` themselves (several models or features).
        let options = parts[2..].join("|");
        let log = tmp.path().join(format!("{name}.log"));
        let options = options
            .replace("{log}", &log.display().to_string())
            .replace("{models}", &common::root().join("model/libvmaf").display().to_string());
        let out = ffmpeg(bin, "ffmpeg")
            .env("TINYVMAF_BACKEND", backend)
            .args(["-hide_banner", "-nostats", "-i"])
            .arg(sample.join("cell_small.dist.y4m"))
            .arg("-i")
            .arg(sample.join("cell_small.ref.y4m"))
            .arg("-lavfi")
            .arg(graph(input, &options))
            .args(["-f", "null", "-"])
            .output()
            .expect("ffmpeg runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            failures.push(format!("{name} ({backend}): ffmpeg failed: {stderr}"));
            continue;
        }
        let scores = score_lines(&stderr);
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if blessing() {
            std::fs::write(expected.join(format!("{name}.log")), &text).expect("write");
            std::fs::write(expected.join(format!("{name}.score")), &scores).expect("write");
            continue;
        }
        let stock_scores = std::fs::read_to_string(expected.join(format!("{name}.score"))).expect("expected score");
        let stock_log = std::fs::read_to_string(expected.join(format!("{name}.log"))).expect("expected log");
        if scores != stock_scores {
            failures.push(format!("{name} ({backend}): printed {scores:?}, stock printed {stock_scores:?}"));
        }
        match same_log(&text, &stock_log) {
            Ok((compared, differing)) => eprintln!(
                "{name} ({backend}): log and {} score line(s) equal stock libvmaf's: {compared} numbers, {differing} differing in the last digit",
                scores.lines().count()
            ),
            Err(why) => failures.push(format!("{name} ({backend}): log differs: {why}")),
        }
        ran += 1;
    }
    (failures, ran)
}

#[test]
fn filter_logs_equal_stock_libvmafs() {
    let Some(bin) = ffmpeg_bin() else { return };
    let (failures, ran) = run_cases(bin, "auto", &|_| true);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(blessing() || ran >= 13, "only {ran} cases ran");
}

/// The cases whose features run on the GPU (VIF, ADM, motion; VMAF v1's CAMBI and
/// SpEED stay on the host) with `TINYVMAF_BACKEND=gpu`: any adapter, Mesa's lavapipe
/// in CI. Skipped without one unless `TINYVMAF_REQUIRE_GPU` is set.
#[test]
fn filter_logs_on_the_gpu_equal_stock_libvmafs() {
    let Some(bin) = ffmpeg_bin() else { return };
    if blessing() {
        return;
    }
    let on_gpu = ["default_xml", "neg_json", "subsample", "v1", "tenbit", "threads", "motion_zero"];
    let (failures, ran) = run_cases(bin, "gpu", &|name| on_gpu.contains(&name));
    if failures.iter().all(|f| f.contains("TINYVMAF_BACKEND=gpu")) && !failures.is_empty() {
        assert!(std::env::var_os("TINYVMAF_REQUIRE_GPU").is_none(), "TINYVMAF_REQUIRE_GPU is set: {}", failures[0]);
        eprintln!("skipped: no GPU adapter: {}", failures[0]);
        return;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(ran, on_gpu.len());
}

#[test]
fn ffmpeg_loads_this_library() {
    let Some(bin) = ffmpeg_bin() else { return };
    if blessing() {
        return;
    }
    let out = Command::new("ldd").arg(bin.join("ffmpeg")).env("LD_LIBRARY_PATH", library_dir()).output().expect("ldd runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.contains("libvmaf.so.3")).unwrap_or_else(|| panic!("ffmpeg does not link libvmaf.so.3: {text}"));
    assert!(line.contains(&common::installed().join("lib/libvmaf.so.3").display().to_string()), "{line}");
}

/// ab-av1 0.7.16's `vmaf` command (upscaling to 1080p, `n_threads` = the CPU count)
/// with our ffmpeg and ffprobe first on `PATH`: the score stock libvmaf gave.
#[test]
fn ab_av1_gets_stock_libvmafs_score() {
    let ab_av1 = std::env::var_os("TINYVMAF_AB_AV1").map(PathBuf::from).filter(|p| p.is_file());
    let Some(ab_av1) = ab_av1 else {
        assert!(std::env::var_os("TINYVMAF_REQUIRE_AB_AV1").is_none(), "TINYVMAF_REQUIRE_AB_AV1 is set and TINYVMAF_AB_AV1 names no program");
        eprintln!("skipped: TINYVMAF_AB_AV1 names no ab-av1 program");
        return;
    };
    let Some(bin) = ffmpeg_bin() else { return };
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new(ab_av1)
        .args(["vmaf", "--reference"])
        .arg(data().join("ref.mp4"))
        .arg("--distorted")
        .arg(data().join("dist.mkv"))
        .env("PATH", path)
        .env("LD_LIBRARY_PATH", library_dir())
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .output()
        .expect("ab-av1 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let score: f64 = stdout.trim().parse().unwrap_or_else(|_| panic!("ab-av1 printed {stdout:?}"));
    let expected_file = data().join("ffmpeg/ab-av1.score");
    if blessing() {
        std::fs::write(&expected_file, format!("{score}\n")).expect("write");
        return;
    }
    let stock: f64 = std::fs::read_to_string(&expected_file).expect("expected").trim().parse().expect("a number");
    // ab-av1 reads ffmpeg's printed score into an f32.
    assert!((score - stock).abs() <= 1e-5, "ab-av1 gave {score} on this library, {stock} on stock libvmaf");
    eprintln!("ab-av1 vmaf: {score} (stock libvmaf: {stock})");
}

#[test]
fn the_log_comparison_catches_differences() {
    assert!(same_log("<metric name=\"vmaf\" mean=\"35.331608\" />", "<metric name=\"vmaf\" mean=\"35.331609\" />").is_ok());
    assert!(same_log("<metric name=\"vmaf\" mean=\"35.331608\" />", "<metric name=\"vmaf\" mean=\"35.331610\" />").is_err());
    assert!(same_log("<frame frameNum=\"2\" />", "<frame frameNum=\"3\" />").is_err());
    assert!(same_log("\"integer_vif_scale0\": 0.5", "\"integer_vif_scale1\": 0.5").is_err());
    assert!(same_log("<fyi fps=\"12.5\" />", "<fyi fps=\"99.0\" />").is_ok());
    assert!(same_log("\"fps\": 12.50,", "\"fps\": 99.01,").is_ok());
    assert!(same_log("a, 1.0", "a, 1.0, 2.0").is_err());
}
