//! `tinyvmaf-gpu score` end to end through the binary, on the synthetic fixture
//! clips: every bad input gets its message and exit code 3, Y4M and raw YUV of the
//! same frames score identically, standard input equals a file, the outputs follow
//! libvmaf's layouts, and no run leaves a partial output file behind.

mod common;
mod fixture_gen;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_tinyvmaf-gpu");
const INPUT_ERROR: i32 = 3;

struct Clips {
    dir: tempfile::TempDir,
}

impl Clips {
    /// The 8-bit 4:2:0 67x45 fixture pair (3 frames), as Y4M files.
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let fx = fixture_gen::fixtures().into_iter().find(|f| f.name == "odd_67x45_8b_420").unwrap();
        std::fs::write(dir.path().join("ref.y4m"), &fx.y4m_ref).unwrap();
        std::fs::write(dir.path().join("dist.y4m"), &fx.y4m_dist).unwrap();
        Clips { dir }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }
}

fn score(args: &[&str]) -> Output {
    Command::new(BIN).arg("score").arg("--quiet").args(args).output().unwrap()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_input_error(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(INPUT_ERROR), "stderr: {}", stderr(out));
    assert!(stderr(out).contains(needle), "expected {needle:?} in: {}", stderr(out));
    assert!(!stderr(out).contains("panicked"), "{}", stderr(out));
}

/// The raw planes of a Y4M: header line and FRAME lines dropped.
fn y4m_to_raw(y4m: &[u8], frame_bytes: usize) -> Vec<u8> {
    let mut rest = &y4m[y4m.iter().position(|&b| b == b'\n').unwrap() + 1..];
    let mut out = Vec::new();
    while !rest.is_empty() {
        let line_end = rest.iter().position(|&b| b == b'\n').unwrap() + 1;
        out.extend_from_slice(&rest[line_end..line_end + frame_bytes]);
        rest = &rest[line_end + frame_bytes..];
    }
    out
}

fn frames(json_path: &Path) -> Vec<Value> {
    let log: Value = serde_json::from_str(&std::fs::read_to_string(json_path).unwrap()).unwrap();
    log["frames"].as_array().unwrap().clone()
}

#[test]
fn scores_a_pair_and_writes_libvmaf_json() {
    let c = Clips::new();
    let out_path = c.path("out.json");
    let out = score(&["-r", p(&c.path("ref.y4m")), "-d", p(&c.path("dist.y4m")), "-o", p(&out_path)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    let schema = std::fs::read_to_string(common::manifest_dir().join("tests/data/libvmaf-log.schema.json")).unwrap();
    let violations = tinyvmaf_gpu::registry::schema::violations(&schema, &log);
    assert!(violations.is_empty(), "{violations:?}");
    let frames = log["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 3);
    for key in ["integer_vif_scale0", "integer_adm2", "integer_motion2", "vmaf"] {
        assert!(frames[0]["metrics"][key].is_number(), "missing {key}");
    }
    let vmaf = &log["pooled_metrics"]["vmaf"];
    assert!(vmaf["mean"].as_f64().unwrap() >= 0.0 && vmaf["mean"].as_f64().unwrap() <= 100.0);
    assert!(log["tinyvmaf"]["percentiles"]["vmaf"]["p5"].is_number());
}

#[test]
fn the_schema_describes_libvmafs_own_logs() {
    let Some(oracle) = common::oracle_dir() else {
        eprintln!("SKIPPED: no ../shared/oracle");
        return;
    };
    let schema = std::fs::read_to_string(common::manifest_dir().join("tests/data/libvmaf-log.schema.json")).unwrap();
    for name in common::oracle_pairs(&oracle).iter().take(3) {
        let log: Value =
            serde_json::from_str(&std::fs::read_to_string(oracle.join(format!("logs/{name}.libvmaf.json"))).unwrap())
                .unwrap();
        assert!(tinyvmaf_gpu::registry::schema::violations(&schema, &log).is_empty(), "{name}");
    }
}

#[test]
fn xml_csv_and_text_outputs() {
    let c = Clips::new();
    let (r, d) = (c.path("ref.y4m"), c.path("dist.y4m"));
    let xml_path = c.path("out.xml");
    assert!(score(&["-r", p(&r), "-d", p(&d), "-o", p(&xml_path)]).status.success());
    let xml = std::fs::read_to_string(&xml_path).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("XML parses");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "VMAF");
    let frames: Vec<_> = root.descendants().filter(|n| n.has_tag_name("frame")).collect();
    assert_eq!(frames.len(), 3);
    assert!(frames[0].attribute("vmaf").unwrap().parse::<f64>().is_ok());
    let pooled = root.descendants().find(|n| n.has_tag_name("metric") && n.attribute("name") == Some("vmaf")).unwrap();
    assert!(pooled.attribute("harmonic_mean").is_some());

    let csv = score(&["-r", p(&r), "-d", p(&d), "--format", "csv"]);
    let text = String::from_utf8(csv.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0], "Frame");
    assert!(header.contains(&"vmaf"));
    assert_eq!(lines.count(), 3);

    // `.sub` is libvmaf's subtitle layout, not JSON under another name.
    let sub_path = c.path("out.sub");
    assert!(score(&["-r", p(&r), "-d", p(&d), "-o", p(&sub_path)]).status.success());
    let sub = std::fs::read_to_string(&sub_path).unwrap();
    let lines: Vec<&str> = sub.lines().collect();
    assert_eq!(lines.len(), 3, "{sub}");
    assert!(lines[0].starts_with("{0}{1}frame: 0|") && lines[2].starts_with("{2}{3}frame: 2|"), "{sub}");
    assert!(lines[0].contains("|vmaf: ") && lines[0].ends_with('|'), "{sub}");

    let summary = score(&["-r", p(&r), "-d", p(&d)]);
    let summary = String::from_utf8(summary.stdout).unwrap();
    assert!(summary.starts_with("3 frames, 67x45"), "{summary}");
    assert!(summary.lines().any(|l| l.starts_with("vmaf ")), "{summary}");
}

#[test]
fn y4m_and_raw_yuv_of_the_same_frames_score_identically() {
    let c = Clips::new();
    let frame_bytes = 67 * 45 + 2 * (34 * 23);
    c.write("ref.yuv", &y4m_to_raw(&c.read("ref.y4m"), frame_bytes));
    c.write("dist.yuv", &y4m_to_raw(&c.read("dist.y4m"), frame_bytes));
    let (a, b) = (c.path("a.json"), c.path("b.json"));
    assert!(score(&["-r", p(&c.path("ref.y4m")), "-d", p(&c.path("dist.y4m")), "-o", p(&a)]).status.success());
    let raw = score(&[
        "-r", p(&c.path("ref.yuv")), "-d", p(&c.path("dist.yuv")), "-o", p(&b),
        "--width", "67", "--height", "45", "--pixel-format", "yuv420p",
    ]);
    assert!(raw.status.success(), "{}", stderr(&raw));
    assert_eq!(frames(&a), frames(&b));
}

#[test]
fn standard_input_equals_a_file() {
    let c = Clips::new();
    let a = c.path("a.json");
    assert!(score(&["-r", p(&c.path("ref.y4m")), "-d", p(&c.path("dist.y4m")), "-o", p(&a)]).status.success());
    let b = c.path("b.json");
    let mut child = Command::new(BIN)
        .args(["score", "--quiet", "-r", p(&c.path("ref.y4m")), "-d", "-", "-o", p(&b)])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&c.read("dist.y4m")).unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(frames(&a), frames(&b));
}

#[test]
fn several_models_share_one_pass() {
    let c = Clips::new();
    let out_path = c.path("out.json");
    let out = score(&[
        "-r", p(&c.path("ref.y4m")), "-d", p(&c.path("dist.y4m")), "-o", p(&out_path),
        "--model", "vmaf_v0.6.1", "--model", "vmaf_v0.6.1neg", "--psnr",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let metrics = &frames(&out_path)[1]["metrics"];
    for key in ["vmaf", "vmaf_neg", "integer_adm2_egl_1", "integer_vif_scale3_egl_1", "psnr_y", "psnr_cb", "psnr_cr"] {
        assert!(metrics[key].is_number(), "missing {key} in {metrics}");
    }
}

#[test]
fn frame_selection_options() {
    let c = Clips::new();
    let out_path = c.path("out.json");
    let (r, d) = (c.path("ref.y4m"), c.path("dist.y4m"));
    assert!(score(&["-r", p(&r), "-d", p(&d), "-o", p(&out_path), "--frame-count", "2"]).status.success());
    assert_eq!(frames(&out_path).len(), 2);
    assert!(score(&["-r", p(&r), "-d", p(&d), "-o", p(&out_path), "--subsample", "2"]).status.success());
    let nums: Vec<u64> = frames(&out_path).iter().map(|f| f["frameNum"].as_u64().unwrap()).collect();
    assert_eq!(nums, vec![0, 2]);
    // Skipping one distorted frame misaligns the lengths: refused, then allowed with --shortest.
    let out = score(&["-r", p(&r), "-d", p(&d), "--skip-distorted", "1"]);
    assert_input_error(&out, "reference has 3 frames but distorted has 2");
    assert!(score(&["-r", p(&r), "-d", p(&d), "--skip-distorted", "1", "--shortest", "-o", p(&out_path)]).status.success());
    assert_eq!(frames(&out_path).len(), 2);
}

// --- bad input: each with its message and exit code 3 ---

fn header_and_body(y4m: &[u8]) -> (String, Vec<u8>) {
    let end = y4m.iter().position(|&b| b == b'\n').unwrap() + 1;
    (String::from_utf8(y4m[..end].to_vec()).unwrap(), y4m[end..].to_vec())
}

#[test]
fn truncated_last_frame() {
    let c = Clips::new();
    let dist = c.read("dist.y4m");
    let cut = c.write("cut.y4m", &dist[..dist.len() - 100]);
    let out = score(&["-r", p(&c.path("ref.y4m")), "-d", p(&cut)]);
    assert_input_error(&out, "frame 2 is truncated: 100 of");
    assert!(stderr(&out).contains("cut.y4m"), "the message names the file: {}", stderr(&out));
}

#[test]
fn garbage_header() {
    let c = Clips::new();
    let bad = c.write("bad.y4m", b"GIF89a this is not video\n");
    assert_input_error(&score(&["-r", p(&bad), "-d", p(&c.path("dist.y4m"))]), "bad.y4m: not a Y4M stream");
}

#[test]
fn zero_and_absurd_geometry() {
    let c = Clips::new();
    let zero = c.write("zero.y4m", b"YUV4MPEG2 W0 H45 C420jpeg\n");
    assert_input_error(&score(&["-r", p(&zero), "-d", p(&c.path("dist.y4m"))]), "must be non-zero");
    let huge = c.write("huge.y4m", b"YUV4MPEG2 W20000 H20000 C420jpeg\nFRAME\n");
    assert_input_error(&score(&["-r", p(&huge), "-d", p(&c.path("dist.y4m"))]), "exceeds the 16384x16384 limit");
    let raw = c.write("x.yuv", &[0u8; 100]);
    let out = score(&["-r", p(&raw), "-d", p(&raw), "--width", "99999", "--height", "2", "--pixel-format", "yuv420p"]);
    assert_input_error(&out, "exceeds the 16384x16384 limit");
}

#[test]
fn different_geometry_bit_depth_or_chroma() {
    let c = Clips::new();
    let (header, body) = header_and_body(&c.read("dist.y4m"));
    let wider = c.write("wider.y4m", &[header.replace("W67", "W68").as_bytes(), &body].concat());
    assert_input_error(
        &score(&["-r", p(&c.path("ref.y4m")), "-d", p(&wider)]),
        "differ in geometry: reference 67x45, distorted 68x45",
    );
    let deeper = c.write("deeper.y4m", &[header.replace("C420jpeg", "C420p10").as_bytes(), &body].concat());
    assert_input_error(&score(&["-r", p(&c.path("ref.y4m")), "-d", p(&deeper)]), "differ in bit depth: reference 8, distorted 10");
    let c444 = c.write("c444.y4m", &[header.replace("C420jpeg", "C444").as_bytes(), &body].concat());
    assert_input_error(&score(&["-r", p(&c.path("ref.y4m")), "-d", p(&c444)]), "differ in chroma format");
}

#[test]
fn different_frame_counts_name_both() {
    let c = Clips::new();
    let dist = c.read("dist.y4m");
    // Drop the last frame: FRAME\n + 67*45*1.5 bytes.
    let frame = 6 + 67 * 45 + 2 * 34 * 23;
    let short = c.write("short.y4m", &dist[..dist.len() - frame]);
    assert_input_error(&score(&["-r", p(&c.path("ref.y4m")), "-d", p(&short)]), "reference has 3 frames but distorted has 2");
    assert_input_error(&score(&["-r", p(&short), "-d", p(&c.path("dist.y4m"))]), "reference has 2 frames but distorted has 3");
}

#[test]
fn missing_file_and_raw_without_geometry() {
    let c = Clips::new();
    assert_input_error(&score(&["-r", p(&c.path("nope.y4m")), "-d", p(&c.path("dist.y4m"))]), "cannot open");
    let raw = c.write("a.yuv", &[0u8; 10]);
    assert_input_error(&score(&["-r", p(&raw), "-d", p(&raw)]), "needs --width, --height and --pixel-format");
    let out = score(&["-r", p(&raw), "-d", p(&raw), "--width", "4", "--height", "4", "--pixel-format", "rgb24"]);
    assert_input_error(&out, "unknown pixel format 'rgb24'");
}

// --- nothing half-written ---

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tinyvmaf-partial") || n.starts_with("out"))
        .collect()
}

#[test]
fn a_failed_run_leaves_no_output_file() {
    let c = Clips::new();
    let dist = c.read("dist.y4m");
    let cut = c.write("cut.y4m", &dist[..dist.len() - 10]);
    let out = score(&["-r", p(&c.path("ref.y4m")), "-d", p(&cut), "-o", p(&c.path("out.json"))]);
    assert_eq!(out.status.code(), Some(INPUT_ERROR));
    assert!(leftovers(c.dir.path()).is_empty(), "{:?}", leftovers(c.dir.path()));
}

#[test]
fn a_killed_run_leaves_no_output_file() {
    let c = Clips::new();
    let (header, body) = header_and_body(&c.read("dist.y4m"));
    let mut child = Command::new(BIN)
        .args(["score", "--quiet", "-r", p(&c.path("ref.y4m")), "-d", "-", "-o", p(&c.path("out.json"))])
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Header and one frame, then the writer stalls as a slow pipe would; kill -9 mid-run.
    stdin.write_all(header.as_bytes()).unwrap();
    stdin.write_all(&body[..body.len() / 3]).unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    assert!(leftovers(c.dir.path()).is_empty(), "{:?}", leftovers(c.dir.path()));
}

#[test]
fn atomic_write_replaces_whole_files_only() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.json");
    std::fs::write(&target, "old").unwrap();
    tinyvmaf_gpu::output::write_to(&target, b"new contents").unwrap();
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "new contents");
    let missing_dir = dir.path().join("no/such/dir/out.json");
    assert!(tinyvmaf_gpu::output::write_to(&missing_dir, b"x").is_err());
    assert_eq!(leftovers(dir.path()), vec!["out.json".to_owned()]);
}

#[test]
fn shipped_sample_matches_libvmaf_without_the_oracle_folder() {
    let dir = common::manifest_dir().join("tests/data/sample");
    let out_dir = tempfile::tempdir().unwrap();
    let out_path = out_dir.path().join("out.json");
    let out = score(&[
        "-r", p(&dir.join("cell_small.ref.y4m")), "-d", p(&dir.join("cell_small.dist.y4m")),
        "-o", p(&out_path), "--model", "vmaf_v0.6.1", "--model", "vmaf_v0.6.1neg", "--psnr",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ours = frames(&out_path);
    let theirs = frames(&dir.join("cell_small.libvmaf_c.json"));
    assert_eq!(ours.len(), theirs.len());
    let mut compared = 0;
    for (a, b) in ours.iter().zip(&theirs) {
        for (key, value) in a["metrics"].as_object().unwrap() {
            let libvmaf_key = if key == "integer_motion" { "VMAF_integer_feature_motion_sad_score" } else { key };
            let theirs = b["metrics"][libvmaf_key].as_f64().unwrap_or_else(|| panic!("libvmaf has no {libvmaf_key}"));
            let tolerance = if key.starts_with("vmaf") { 5e-5 } else { 0.0 };
            assert!((value.as_f64().unwrap() - theirs).abs() <= tolerance, "frame {} {key}: {value} vs {theirs}", a["frameNum"]);
            compared += 1;
        }
    }
    // Per frame: two option sets of adm2, aim, adm3, four ADM and four VIF scales;
    // motion, motion2, motion3; three PSNR planes; two models.
    assert_eq!(compared, 12 * (2 * 11 + 3 + 3 + 2));
}

#[test]
fn a_float64_model_asked_onto_the_gpu_runs_on_the_cpu_with_a_note() {
    let what = "a_float64_model_asked_onto_the_gpu_runs_on_the_cpu_with_a_note";
    let no_device = tinyvmaf_gpu::gpu::DeviceOptions::default();
    if common::or_skip(what, tinyvmaf_gpu::gpu::GpuContext::new(&no_device)).is_none() {
        return;
    }
    let c = Clips::new();
    let (a, b) = (c.path("a.json"), c.path("b.json"));
    assert!(score(&["-r", p(&c.path("ref.y4m")), "-d", p(&c.path("dist.y4m")), "-o", p(&a)]).status.success());
    let out = score(&["-r", p(&c.path("ref.y4m")), "-d", p(&c.path("dist.y4m")), "-o", p(&b), "--backend", "gpu"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("float64 graph; it runs on the CPU backend"), "{}", stderr(&out));
    assert_eq!(frames(&a), frames(&b));
}

/// `--subsample N` keeps every frame's features and writes every N-th row, as libvmaf
/// does: each kept row equals the same frame's row of the full run (motion between
/// consecutive frames, motion2 looking one frame ahead). It used to drop frames before
/// the features, so motion spanned N frames. `--frame-count` counts input frames.
#[test]
fn subsample_rows_equal_the_full_runs_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (r, d) = (
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sample/cell_small.ref.y4m"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sample/cell_small.dist.y4m"),
    );
    let run = |name: &str, extra: &[&str]| {
        let path = dir.path().join(name);
        let mut args = vec!["--backend", "cpu", "--psnr", "-r", r, "-d", d, "--format", "json", "-o", p(&path)];
        args.extend(extra);
        let out = score(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        frames(&path)
    };
    let full = run("full.json", &[]);
    let sub = run("sub.json", &["--subsample", "3"]);
    let nums = |f: &[Value]| f.iter().map(|x| x["frameNum"].as_u64().unwrap()).collect::<Vec<_>>();
    assert_eq!(nums(&sub), [0, 3, 6, 9]);
    for row in &sub {
        let n = row["frameNum"].as_u64().unwrap() as usize;
        assert_eq!(row["metrics"], full[n]["metrics"], "frame {n}");
    }
    let counted = run("count.json", &["--subsample", "3", "--frame-count", "10"]);
    assert_eq!(nums(&counted), [0, 3, 6, 9]);
    for row in &counted[..3] {
        let n = row["frameNum"].as_u64().unwrap() as usize;
        assert_eq!(row["metrics"], full[n]["metrics"], "frame {n}");
    }
}

/// `score --help` groups its options (input, models, frame selection, output, GPU,
/// verification), says how the log's format is chosen and ends with an example.
#[test]
fn score_help_groups_options_and_gives_an_example() {
    let out = Command::new(BIN).args(["score", "--help"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "\nInput:\n",
        "\nModels and metrics:\n",
        "\nFrame selection:\n",
        "\nOutput:\n",
        "\nGPU:\n",
        "\nModel verification:\n",
        "from --output's extension",
        "`-` is standard output",
        "Example: tinyvmaf-gpu score -r ref.y4m -d dist.y4m",
    ] {
        assert!(text.contains(needle), "no {needle:?} in:\n{text}");
    }
}

/// Different frame rates: scored frame by frame, as libvmaf pairs frames, with a
/// note on stderr and in the log saying so; equal rates (24/1 and 48/2) say nothing.
#[test]
fn different_frame_rates_are_scored_by_position_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let sample = common::manifest_dir().join("tests/data/sample");
    let with_rate = |rate: &str, name: &str| {
        let bytes = std::fs::read(sample.join("cell_small.ref.y4m")).unwrap();
        let text = String::from_utf8_lossy(&bytes[..bytes.iter().position(|&b| b == b'\n').unwrap()]).replace("F24:1", rate);
        let path = dir.path().join(name);
        let mut out = text.into_bytes();
        out.extend_from_slice(&bytes[bytes.iter().position(|&b| b == b'\n').unwrap()..]);
        std::fs::write(&path, out).unwrap();
        path
    };
    let dist = sample.join("cell_small.dist.y4m");
    let (log, same_log) = (dir.path().join("a.json"), dir.path().join("b.json"));
    let out = score(&["-r", p(&with_rate("F30000:1001", "ntsc.y4m")), "-d", p(&dist), "-o", p(&log)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("is 30000/1001 frames per second and") && stderr(&out).contains("scored by position"), "{}", stderr(&out));
    let notes = &serde_json::from_str::<Value>(&std::fs::read_to_string(&log).unwrap()).unwrap()["tinyvmaf"]["context"]["notes"];
    assert!(notes[0].as_str().unwrap().contains("scored by position"), "{notes}");
    let out = score(&["-r", p(&with_rate("F48:2", "same.y4m")), "-d", p(&dist), "-o", p(&same_log)]);
    assert!(out.status.success());
    assert!(!stderr(&out).contains("frames per second"), "{}", stderr(&out));
    // The scores do not depend on the rates.
    assert_eq!(frames(&log), frames(&same_log));
}

/// The sample pair at 288x192 (every sample repeated 3x3): large enough for CAMBI
/// (216 pixels in one direction) and SpEED's chroma blocks.
fn upscaled_sample(dir: &Path, kind: &str) -> PathBuf {
    let y4m = std::fs::read(common::manifest_dir().join(format!("tests/data/sample/cell_small.{kind}.y4m"))).unwrap();
    let raw = y4m_to_raw(&y4m, 96 * 64 * 3 / 2);
    let mut out = b"YUV4MPEG2 W288 H192 F24:1 C420jpeg\n".to_vec();
    for frame in raw.chunks(96 * 64 * 3 / 2) {
        out.extend_from_slice(b"FRAME\n");
        for (w, h, off) in [(96, 64, 0), (48, 32, 96 * 64), (48, 32, 96 * 64 + 48 * 32)] {
            for y in 0..h * 3 {
                let row = &frame[off + (y / 3) * w..off + (y / 3) * w + w];
                out.extend(row.iter().flat_map(|&v| [v; 3]));
            }
        }
    }
    let path = dir.join(format!("big.{kind}.y4m"));
    std::fs::write(&path, out).unwrap();
    path
}

fn sample(kind: &str) -> String {
    common::manifest_dir().join(format!("tests/data/sample/cell_small.{kind}.y4m")).display().to_string()
}

#[test]
fn cambi_and_speed_chroma_columns_with_their_option_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (r, d) = (upscaled_sample(dir.path(), "ref"), upscaled_sample(dir.path(), "dist"));
    let log = dir.path().join("log.json");
    let out = score(&["-r", p(&r), "-d", p(&d), "--cambi", "--cambi=cambi_max_val=17:enc_bitdepth=8", "--speed-chroma=speed_prescale=2:speed_prescale_method=bilinear", "-o", p(&log)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let frames = frames(&log);
    assert_eq!(frames.len(), 12);
    for key in ["cambi", "cambi_cmxv_17_encbd_8", "speed_chroma_u_ps_2_psm_bilinear", "speed_chroma_v_ps_2_psm_bilinear", "speed_chroma_uv_ps_2_psm_bilinear"] {
        for f in &frames {
            let v = f["metrics"][key].as_f64().unwrap_or_else(|| panic!("no {key} in {f}"));
            assert!(v.is_finite() && v >= 0.0, "{key} = {v}");
        }
    }
    // The sample itself is too small for both, as libvmaf finds it.
    let small = score(&["-r", &sample("ref"), "-d", &sample("dist"), "--cambi"]);
    assert_input_error(&small, "CAMBI is not defined for frames of 96x64");
    let small = score(&["-r", &sample("ref"), "-d", &sample("dist"), "--speed-chroma"]);
    assert_input_error(&small, "SpEED: image too small");
    // Options are libvmaf's names; anything else is a usage error.
    for bad in ["--cambi=window=3", "--cambi=cambi_max_val", "--speed-chroma=speed_prescale=big"] {
        let out = score(&["-r", p(&r), "-d", p(&d), bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
    }
}

/// A 384x288 8-bit 4:2:0 pair of three frames (CAMBI needs 216 samples on one side,
/// SpEED five 16-sample blocks of prescaled chroma each way):
/// textured luma and chroma in the reference, a blurred and noisier copy as distorted.
fn v1_pair(dir: &Path) -> (PathBuf, PathBuf) {
    let (w, h) = (384usize, 288usize);
    let mut rng = common::Rng(0x7e57);
    let header = format!("YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C420jpeg\n");
    let (mut r, mut d) = (header.clone().into_bytes(), header.into_bytes());
    for t in 0..3usize {
        r.extend_from_slice(b"FRAME\n");
        d.extend_from_slice(b"FRAME\n");
        for (pw, ph) in [(w, h), (w / 2, h / 2), (w / 2, h / 2)] {
            let plane: Vec<u8> = (0..pw * ph)
                .map(|i| ((i % pw) * 3 + (i / pw) * 2 + t * 7) as u64 % 200 + rng.below(40) + 8)
                .map(|v| v as u8)
                .collect();
            r.extend_from_slice(&plane);
            d.extend((0..pw * ph).map(|i| {
                let next = plane[(i + 1).min(pw * ph - 1)];
                ((u64::from(plane[i]) + u64::from(next)) / 2 + rng.below(9)).min(255) as u8
            }));
        }
    }
    let (rp, dp) = (dir.join("v1.ref.y4m"), dir.join("v1.dist.y4m"));
    std::fs::write(&rp, r).unwrap();
    std::fs::write(&dp, d).unwrap();
    (rp, dp)
}

/// `--model` takes libvmaf's model strings: VMAF v1 by its version, the phone model
/// (`enable_transform`), `disable_clip`, `name=` and feature overrides; each score is
/// what the library computes for that model and those flags.
#[test]
fn model_strings_select_v1_the_phone_model_and_overrides() {
    use tinyvmaf_gpu::model::{Backend, Flags, LoadedModel};
    let c = Clips::new();
    let (rp, dp) = v1_pair(c.dir.path());
    let out_path = c.path("v1.json");
    let out = score(&[
        "-r", p(&rp), "-d", p(&dp), "-o", p(&out_path), "--backend", "cpu", "--threads", "2",
        "--model", "version=vmaf_v1.0.16_3d0h:name=v1",
        "--model", "vmaf_v0.6.1",
        "--model", "version=vmaf_v0.6.1:name=vmaf_phone:enable_transform",
        "--model", "version=vmaf_v0.6.1:name=unclipped:disable_clip",
        "--model", "version=vmaf_v1.0.16_hfr_5d0h:name=hfr8:cambi.enc_bitdepth=8",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let frames = frames(&out_path);
    let column = |key: &str| -> Vec<f64> { frames.iter().map(|f| f["metrics"][key].as_f64().unwrap_or_else(|| panic!("{key}"))).collect() };

    // The same models through the library.
    let load = |id: &str, flags: Flags| LoadedModel::load(tinyvmaf_gpu::verify::pin_checked(id).unwrap(), Backend::Cpu).unwrap().with_flags(flags);
    let phone = Flags { enable_transform: true, ..Flags::default() };
    let unclipped = Flags { disable_clip: true, ..Flags::default() };
    let models = vec![load("vmaf_v1.0.16_3d0h", Flags::default()), load("vmaf_v0.6.1", Flags::default()), load("vmaf_v0.6.1", phone), load("vmaf_v0.6.1", unclipped)];
    let spec = |path: &Path| tinyvmaf_gpu::io::InputSpec { path: path.to_path_buf(), raw: None };
    let options = tinyvmaf_gpu::score::ScoreOptions { threads: 2, ..Default::default() };
    let log = tinyvmaf_gpu::score::score_pair(&spec(&rp), &spec(&dp), &models, &options, &|_| {}).unwrap();
    let library = |k: usize| -> Vec<f64> {
        let at = log.metrics.len() - models.len() + k;
        log.frames.iter().map(|f| f[at]).collect()
    };
    assert_eq!(column("v1"), library(0));
    assert_eq!(column("vmaf"), library(1));
    assert_eq!(column("vmaf_phone"), library(2));
    assert_eq!(column("unclipped"), library(3));
    for (plain, phone) in column("vmaf").iter().zip(column("vmaf_phone")) {
        assert!(phone >= *plain, "the phone transform never lowers a score: {phone} < {plain}");
    }
    assert!(frames[0]["metrics"]["cambi_hrs_1080_cmxv_17_vlt_0.06"].is_number());
    assert!(frames[0]["metrics"]["integer_adm3_csf_2_dlmw_0.7_egl_1_min_0.5_nw_0.02"].is_number());
    // The override changes the CAMBI key (`_encbd_8`) the HFR model reads.
    assert!(frames[0]["metrics"].as_object().unwrap().keys().any(|k| k.starts_with("cambi") && k.contains("8")), "{}", frames[0]["metrics"]);
    assert!(column("hfr8").iter().all(|v| (0.0..=100.0).contains(v)));
}

/// Bad model strings are usage errors (exit 2) that name the problem, before any
/// frame is read: a model file, an override of a feature the model does not read,
/// an option the feature does not have, a bad value, and two scores under one name
/// (libvmaf names every model `vmaf` unless told otherwise).
#[test]
fn bad_model_strings_are_usage_errors() {
    let c = Clips::new();
    let (r, d) = (c.path("ref.y4m"), c.path("dist.y4m"));
    for (models, needle) in [
        (vec!["path=/tmp/vmaf_v0.6.1.json"], "model files are not read"),
        (vec!["version=vmaf_v0.6.1:cambi.enc_bitdepth=8"], "reads no feature of cambi"),
        (vec!["version=vmaf_v1.0.16_3d0h:cambi.no_such_option=1"], "no_such_option"),
        (vec!["version=vmaf_v1.0.16_3d0h:motion.motion_max_val=x"], "not a number"),
        (vec!["version=vmaf_v1.0.16_3d0h", "vmaf_v0.6.1"], "a second model named vmaf"),
        (vec!["version=no_such_model"], "no_such_model"),
    ] {
        let mut args = vec!["-r", p(&r), "-d", p(&d)];
        for m in &models {
            args.extend(["--model", m]);
        }
        let out = score(&args);
        assert!(!out.status.success(), "{models:?} was accepted");
        assert!(stderr(&out).contains(needle), "{models:?}: expected {needle:?} in: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
        if needle != "no_such_model" {
            assert_eq!(out.status.code(), Some(2), "{models:?}: {}", stderr(&out));
        }
    }
}

/// VMAF v1 with `--backend gpu` (lavapipe in CI) gives the CPU backend's numbers: its
/// ADM (CSF mode 2, the viewing condition) and motion SADs (the HFR models' against
/// the frame two back too) on the GPU, CAMBI and SpEED on the host; no fall-back.
#[test]
fn vmaf_v1_on_the_gpu_backend_equals_the_cpu_backend() {
    let what = "vmaf_v1_on_the_gpu_backend_equals_the_cpu_backend";
    if common::or_skip(what, tinyvmaf_gpu::gpu::GpuContext::new(&tinyvmaf_gpu::gpu::DeviceOptions::default())).is_none() {
        return;
    }
    let c = Clips::new();
    let (rp, dp) = v1_pair(c.dir.path());
    let run = |backend: &str, model: &str, out: &Path| {
        let o = score(&["-r", p(&rp), "-d", p(&dp), "-o", p(out), "--backend", backend, "--model", model]);
        assert!(o.status.success(), "{backend}: {}", stderr(&o));
        o
    };
    for model in ["version=vmaf_v1.0.16_3d0h", "version=vmaf_v1.0.16_hfr_3d0h"] {
        let (a, b) = (c.path("cpu.json"), c.path("gpu.json"));
        run("cpu", model, &a);
        let gpu = run("gpu", model, &b);
        assert!(!stderr(&gpu).contains("computed on the CPU"), "{model}: {}", stderr(&gpu));
        assert_eq!(frames(&a), frames(&b), "{model}");
        assert!(frames(&a)[0]["metrics"]["vmaf"].is_number());
    }
}

/// `bench --write-clips`: the benchmark's synthetic pairs as Y4M files that `score`
/// reads (all the frames asked for, each size and bit depth), and a folder that does
/// not exist is an error naming it, with nothing written.
#[test]
fn bench_writes_clips_that_score_reads() {
    let dir = tempfile::tempdir().unwrap();
    let bench = |folder: &Path| {
        Command::new(BIN)
            .args(["bench", "--write-clips", p(folder), "--size", "40x24", "--bit-depth", "8", "--bit-depth", "10", "--frames", "3"])
            .output()
            .unwrap()
    };
    let out = bench(dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    for depth in [8, 10] {
        let clip = |side: &str| dir.path().join(format!("40x24_{depth}bit.{side}.y4m"));
        let json = dir.path().join(format!("{depth}.json"));
        let out = score(&["--reference", p(&clip("ref")), "--distorted", p(&clip("dist")), "--backend", "cpu", "--output", p(&json)]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(frames(&json).len(), 3, "{depth}-bit");
    }
    let missing = dir.path().join("missing");
    let out = bench(&missing);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("missing"), "{}", stderr(&out));
    assert!(!missing.exists());
}
