//! Refusals of hostile or mistaken inputs, each with its message and exit code
//! (docs/SECURITY.md): input bounds, the model-directory jail, regular files only;
//! and memory that stays flat over a long clip streamed through a pipe.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_tinyvmaf-gpu");

fn run(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove("TINYVMAF_MODEL_DIR").env("PATH", "").env_remove("TINYVMAF_COSIGN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn assert_refused(out: &Output, code: i32, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "stderr lacks {n:?}: {stderr}");
    }
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// One 8-bit 4:2:0 frame of 16x8 is 192 bytes.
const FRAME: usize = 16 * 8 * 3 / 2;

#[test]
fn raw_file_not_a_whole_number_of_frames_is_refused_unless_frame_count_says() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yuv");
    let odd = dir.path().join("odd.yuv");
    std::fs::write(&good, vec![100u8; 3 * FRAME]).unwrap();
    std::fs::write(&odd, vec![90u8; 3 * FRAME - 7]).unwrap();
    let geometry = ["--width", "16", "--height", "8", "--pixel-format", "yuv420p"];
    let mut args = vec!["score", "--quiet", "--backend", "cpu", "-r", p(&good), "-d", p(&odd)];
    args.extend(geometry);
    assert_refused(&run(&args, &[]), 3, &["odd.yuv", "569 bytes is not a whole number of 16x8 yuv420p frames (192 bytes each)"]);
    // --frame-count 2 reads only whole frames: accepted.
    args.extend(["--frame-count", "2"]);
    let out = run(&args, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn manifest_line_over_the_limit_is_refused_before_scoring() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("m.csv");
    let long = "x".repeat(tinyvmaf_gpu::batch::manifest::MAX_LINE_BYTES + 1);
    std::fs::write(&manifest, format!("reference,distorted\n{long},b.y4m\n")).unwrap();
    let results = dir.path().join("r.jsonl");
    let out = run(&["batch", p(&manifest), "-o", p(&results), "--quiet", "--backend", "cpu"], &[]);
    assert_refused(&out, 51, &["m.csv:2", "line longer than 65536 bytes"]);
    assert!(!results.exists() || std::fs::read(&results).unwrap().is_empty(), "nothing was scored");
}

#[test]
fn registry_over_one_mebibyte_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("registry.json");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len((1 << 20) + 1).unwrap();
    assert_refused(&run(&["registry", "check", p(&big)], &[]), 4, &["registry.json is 1048577 bytes, over the 1048576-byte limit"]);
}

/// `<root>/models` (the jail) and `<root>/models-evil` (a sibling whose name starts
/// with the jail's), each holding a copy of the shipped registry.
fn jail() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let (models, evil) = (root.path().join("models"), root.path().join("models-evil"));
    let registry = std::fs::read(common::manifest_dir().join("model/tiny/registry.json")).unwrap();
    for d in [&models, &evil] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join("registry.json"), &registry).unwrap();
    }
    (root, models, evil)
}

#[test]
fn registry_path_must_resolve_inside_the_model_dir() {
    let (_root, models, evil) = jail();
    let env = [("TINYVMAF_MODEL_DIR", models.as_path())];
    let inside = run(&["registry", "check", p(&models.join("registry.json"))], &env);
    assert!(inside.status.success(), "{}", String::from_utf8_lossy(&inside.stderr));
    // Sibling-prefix trick.
    let out = run(&["registry", "check", p(&evil.join("registry.json"))], &env);
    assert_refused(&out, 4, &["outside TINYVMAF_MODEL_DIR"]);
    // `..` out of the jail.
    let dotdot = models.join("../models-evil/registry.json");
    assert_refused(&run(&["registry", "check", p(&dotdot)], &env), 4, &["outside TINYVMAF_MODEL_DIR"]);
    // A symlink inside the jail pointing out of it.
    #[cfg(unix)]
    {
        let link = models.join("link.json");
        std::os::unix::fs::symlink(evil.join("registry.json"), &link).unwrap();
        assert_refused(&run(&["registry", "check", p(&link)], &env), 4, &["link.json", "outside TINYVMAF_MODEL_DIR"]);
    }
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn registry_and_bundle_must_be_regular_files() {
    let (_root, models, _evil) = jail();
    let fifo = models.join("fifo.json");
    mkfifo(&fifo);
    // A FIFO would block the read forever: refused from its type, never opened.
    assert_refused(&run(&["registry", "check", p(&fifo)], &[]), 4, &["fifo.json", "not a regular file (a FIFO)"]);
    assert_refused(&run(&["registry", "check", p(&models)], &[]), 4, &["not a regular file (a directory)"]);
    mkfifo(&models.join("vmaf_v0.6.1.onnx.sigstore.json"));
    let out = run(&["models", "verify", "vmaf_v0.6.1", "--verifier", "builtin", "--model-dir", p(&models)], &[]);
    assert_refused(&out, 22, &["not a regular file (a FIFO)"]);
}

#[test]
fn bundle_and_trusted_root_must_resolve_inside_the_model_dir() {
    let (_root, models, evil) = jail();
    let bundle = common::manifest_dir().join("tests/data/sigstore/cosign-v3-blob.sigstore.json");
    std::fs::copy(&bundle, evil.join("vmaf_v0.6.1.onnx.sigstore.json")).unwrap();
    let env = [("TINYVMAF_MODEL_DIR", models.as_path())];
    // --model-dir outside the jail.
    let out = run(&["models", "verify", "vmaf_v0.6.1", "--verifier", "builtin", "--model-dir", p(&evil)], &env);
    assert_refused(&out, 28, &["Sigstore bundle", "outside TINYVMAF_MODEL_DIR"]);
    // A bundle symlinked out of the jail.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(evil.join("vmaf_v0.6.1.onnx.sigstore.json"), models.join("vmaf_v0.6.1.onnx.sigstore.json"))
            .unwrap();
        let out = run(&["models", "verify", "vmaf_v0.6.1", "--verifier", "builtin", "--model-dir", p(&models)], &env);
        assert_refused(&out, 28, &["outside TINYVMAF_MODEL_DIR"]);
        std::fs::remove_file(models.join("vmaf_v0.6.1.onnx.sigstore.json")).unwrap();
    }
    // A trusted root outside the jail (the bundle inside it).
    std::fs::copy(&bundle, models.join("vmaf_v0.6.1.onnx.sigstore.json")).unwrap();
    let root_file = evil.join("trusted_root.json");
    std::fs::write(&root_file, "{}").unwrap();
    let out = run(
        &["models", "verify", "vmaf_v0.6.1", "--verifier", "builtin", "--model-dir", p(&models), "--trusted-root", p(&root_file)],
        &env,
    );
    assert_refused(&out, 28, &["trusted root", "outside TINYVMAF_MODEL_DIR"]);
}

/// Peak resident memory (VmHWM, KiB) of a running process.
#[cfg(target_os = "linux")]
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A long clip streamed through two pipes (the reference on standard input, the
/// distorted through a FIFO) is scored with memory that does not grow with the frame
/// count: the peak after 60 frames and after 600 frames differ by less than 8 MiB
/// (per-frame results, ~100 bytes a frame, are all that accumulates).
#[cfg(target_os = "linux")]
#[test]
fn memory_stays_flat_over_a_long_piped_clip() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("dist.y4m");
    mkfifo(&fifo);
    let (w, h) = (320usize, 180usize);
    let header = format!("YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C420jpeg\n");
    let frame = |t: usize, offset: u8| {
        let mut f = b"FRAME\n".to_vec();
        f.extend((0..w * h).map(|i| ((i % w + i / w + 3 * t) % 200) as u8 + offset));
        f.extend(std::iter::repeat_n(128u8, 2 * (w / 2) * (h / 2)));
        f
    };
    let mut child = Command::new(BIN)
        .args(["score", "--quiet", "--backend", "cpu", "--threads", "2", "-r", "-", "-d", p(&fifo), "-o"])
        .arg(dir.path().join("log.json"))
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The scorer opens the reference (reading its header) before the distorted FIFO,
    // and opening a FIFO for writing waits for its reader: header first.
    let mut reference = child.stdin.take().unwrap();
    reference.write_all(header.as_bytes()).unwrap();
    let mut distorted = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    distorted.write_all(header.as_bytes()).unwrap();
    let mut peaks = Vec::new();
    for t in 0..600 {
        reference.write_all(&frame(t, 0)).unwrap();
        distorted.write_all(&frame(t, 5)).unwrap();
        if t == 59 || t == 599 {
            // Let the scorer catch up with what was written (pipes hold ~64 KiB).
            std::thread::sleep(std::time::Duration::from_millis(500));
            peaks.push(peak_rss_kib(child.id()));
        }
    }
    drop(reference);
    drop(distorted);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let log: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("log.json")).unwrap()).unwrap();
    assert_eq!(log["frames"].as_array().unwrap().len(), 600);
    let growth = peaks[1].saturating_sub(peaks[0]);
    eprintln!("peak RSS after 60 frames {} KiB, after 600 frames {} KiB (+{growth} KiB)", peaks[0], peaks[1]);
    assert!(growth < 8 * 1024, "peak RSS grew by {growth} KiB between frame 60 and frame 600");
}

#[test]
fn y4m_header_line_over_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("long.y4m");
    // A header that never ends: refused at 4096 bytes, not read to the end.
    let mut header = b"YUV4MPEG2 W16 H8 C420jpeg X".to_vec();
    header.extend(std::iter::repeat_n(b'a', 1 << 20));
    std::fs::write(&long, &header).unwrap();
    let out = run(&["score", "--quiet", "--backend", "cpu", "-r", p(&long), "-d", p(&long)], &[]);
    assert_refused(&out, 3, &["long.y4m", "4096"]);
}

#[test]
fn onnx_file_over_the_cap_is_refused_from_its_size() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(common::manifest_dir().join("model/tiny")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    // A sparse file one byte over 64 MiB: refused from its size, never read or hashed.
    let onnx = std::fs::OpenOptions::new().write(true).open(dir.path().join("smoke_v0.onnx")).unwrap();
    onnx.set_len((64 << 20) + 1).unwrap();
    let out = run(&["registry", "check", "--files", p(&dir.path().join("registry.json"))], &[]);
    assert_refused(&out, 4, &["smoke_v0.onnx is 67108865 bytes, over the 67108864-byte limit"]);
}

// ---- outputs never harm what they point at (docs/SECURITY.md) ----

const SAMPLE_REF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sample/cell_small.ref.y4m");
const SAMPLE_DIST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sample/cell_small.dist.y4m");

fn score_to(output: &Path) -> Output {
    run(&["score", "--quiet", "--backend", "cpu", "-r", SAMPLE_REF, "-d", SAMPLE_DIST, "-o", p(output), "--format", "json"], &[])
}

/// `score -o` a device node: written through, the node left a device (as root the
/// old rename replaced it with a regular file). A FIFO stands in where mknod is not
/// permitted.
#[test]
fn score_output_to_a_device_node_or_fifo_writes_through_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let null = dir.path().join("null");
    let made = Command::new("mknod").arg(&null).args(["c", "1", "3"]).stderr(Stdio::null()).status().unwrap();
    if made.success() {
        let out = score_to(&null);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(std::fs::symlink_metadata(&null).unwrap().file_type().is_char_device(), "the device node was replaced");
    } else {
        println!("mknod not permitted here: the device case runs on /dev/null through the FIFO case only");
    }
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(&fifo).unwrap())
    };
    let out = score_to(&fifo);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Before joining: a replaced FIFO would leave the reader waiting for a writer.
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO was replaced");
    let log = reader.join().unwrap();
    assert!(log.contains("\"pooled_metrics\""), "the reader got: {log}");
}

/// `score -o link` and `merge --output link`: the link's target is written, the link kept.
#[test]
fn outputs_through_a_symlink_write_its_target_and_keep_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = score_to(&link);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the symlink was replaced");
    assert!(std::fs::read_to_string(&target).unwrap().contains("\"pooled_metrics\""));
}

/// `score -o` into a folder that does not exist fails at once (before scoring),
/// naming the folder, not an internal temp file.
#[test]
fn score_output_into_a_missing_folder_fails_before_scoring() {
    let dir = tempfile::tempdir().unwrap();
    let out = score_to(&dir.path().join("no/such/log.json"));
    assert_refused(&out, 1, &["no/such", "does not exist"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("partial"), "{stderr}");
}

/// `--cosign-timeout` values that used to panic (inf, 1e20, 1e19) or silently become
/// 0 s (nan, -1) are a bad command line: exit 2, no panic.
#[test]
fn cosign_timeout_out_of_range_is_a_usage_error_not_a_panic() {
    for bad in ["inf", "1e20", "1e19", "nan", "-1"] {
        let arg = format!("--cosign-timeout={bad}");
        let out = run(&["models", "verify", "vmaf_v0.6.1", &arg], &[]);
        assert_refused(&out, 2, &["--cosign-timeout", "seconds"]);
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "{bad}");
    }
}

/// One input ends first against an endless one (a generator on a pipe): the
/// frame-count error comes at once, naming the shorter count, instead of draining
/// the endless input to count it.
#[test]
fn an_input_ending_first_against_an_endless_one_does_not_hang() {
    let header = b"YUV4MPEG2 W16 H8 F25:1 Ip A1:1 C420jpeg\n";
    let frame = [b"FRAME\n".as_slice(), &[128u8; FRAME]].concat();
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short.y4m");
    std::fs::write(&short, [header.as_slice(), &frame, &frame].concat()).unwrap();
    let mut child = Command::new(BIN)
        .args(["score", "--quiet", "--backend", "cpu", "-r", "-", "-d", p(&short)])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // An endless reference: frames until the reader goes away.
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(header);
        while stdin.write_all(&frame).is_ok() {}
    });
    let started = std::time::Instant::now();
    let deadline = started + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("still running after 60 s: it is draining the endless input");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    feeder.join().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("reference has more than 66 frames but distorted has 2"), "{stderr}");
}

/// Frames under 8 pixels wide or high used to give NaN VMAF with exit 0 (and batch an
/// "ok" record with null scores): refused, exit 3, naming the minimum; 8x8 scores.
#[test]
fn frames_under_eight_pixels_are_refused_not_scored_as_nan() {
    let dir = tempfile::tempdir().unwrap();
    let clip = |w: usize, h: usize, name: &str, luma: u8| {
        let path = dir.path().join(name);
        let frame = [b"FRAME\n".as_slice(), &vec![luma; w * h], &vec![128u8; 2 * w.div_ceil(2) * h.div_ceil(2)]].concat();
        let header = format!("YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C420jpeg\n");
        std::fs::write(&path, [header.as_bytes(), &frame, &frame].concat()).unwrap();
        path
    };
    for (w, h) in [(7, 7), (8, 7), (7, 8), (1, 1)] {
        let (r, d) = (clip(w, h, "r.y4m", 100), clip(w, h, "d.y4m", 90));
        let out = run(&["score", "--quiet", "--backend", "cpu", "-r", p(&r), "-d", p(&d)], &[]);
        assert_refused(&out, 3, &[&format!("{w}x{h} are too small"), "at least 8x8"]);
    }
    let (r, d) = (clip(8, 8, "r.y4m", 100), clip(8, 8, "d.y4m", 90));
    let out = run(&["score", "--quiet", "--backend", "cpu", "-r", p(&r), "-d", p(&d), "--format", "json"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(log["pooled_metrics"]["vmaf"]["mean"].is_number(), "{log}");
}

/// `registry check --files` under the jail: a sidecar that is a symlink out of the
/// model directory is refused before it is read, so nothing from the outside file
/// reaches the message (the jail used to be checked after the files were read).
#[test]
fn registry_files_outside_the_jail_are_refused_before_reading() {
    let (root, models, _evil) = jail();
    let registry: serde_json::Value =
        serde_json::from_slice(&std::fs::read(models.join("registry.json")).unwrap()).unwrap();
    let onnx = registry["models"][0]["onnx"].as_str().unwrap();
    let sidecar = format!("{}.json", onnx.strip_suffix(".onnx").unwrap_or(onnx));
    let real: serde_json::Value =
        serde_json::from_slice(&std::fs::read(common::manifest_dir().join("model/tiny").join(&sidecar)).unwrap()).unwrap();
    let mut leaked = real.clone();
    leaked["id"] = "SECRET-OUTSIDE-VALUE".into();
    let outside = root.path().join("outside.json");
    std::fs::write(&outside, serde_json::to_vec(&leaked).unwrap()).unwrap();
    let link = models.join(&sidecar);
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&outside, &link).unwrap();
    let env = [("TINYVMAF_MODEL_DIR", models.as_path())];
    let out = run(&["registry", "check", "--files", p(&models.join("registry.json"))], &env);
    assert_refused(&out, 4, &["outside TINYVMAF_MODEL_DIR"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("SECRET-OUTSIDE-VALUE"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Devices and FIFOs given where a file is read whole (a manifest, `--features`, a
/// results file, `merge` inputs) used to be read without end (GBs from /dev/zero) or
/// to block: refused at once with what they are, each with its command's code.
#[test]
fn devices_and_fifos_are_refused_where_whole_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let results = dir.path().join("r.jsonl");
    for (args, code, what) in [
        (vec!["batch", "/dev/urandom", "-o", p(&results)], 51, "a device, not a regular file"),
        (vec!["batch", p(&fifo), "-o", p(&results)], 51, "a FIFO, not a regular file"),
        (vec!["models", "eval", "vmaf_v0.6.1", "--features", "/dev/zero"], 1, "a device, not a regular file"),
        (vec!["merge", "/dev/zero"], 54, "a device, not a regular file"),
        (vec!["merge", p(&fifo)], 54, "a FIFO, not a regular file"),
    ] {
        let started = std::time::Instant::now();
        let out = run(&args, &[]);
        assert_refused(&out, code, &[what]);
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{args:?} took {:?}", started.elapsed());
    }
    // A device as batch's --output: refused, never appended to.
    let manifest = dir.path().join("m.csv");
    std::fs::write(&manifest, format!("reference,distorted\n{SAMPLE_REF},{SAMPLE_DIST}\n")).unwrap();
    assert_refused(&run(&["batch", p(&manifest), "-o", "/dev/zero"], &[]), 54, &["a device, not a regular file"]);
}

/// Minor refusals: both inputs on standard input and `--subsample 0` are a bad
/// command line (exit 2, as README says); a missing file's reason is printed once.
#[test]
fn usage_errors_exit_two_and_reasons_print_once() {
    let out = run(&["score", "-r", "-", "-d", "-"], &[]);
    assert_refused(&out, 2, &["only one of --reference and --distorted"]);
    let out = run(&["score", "-r", SAMPLE_REF, "-d", SAMPLE_DIST, "--subsample", "0"], &[]);
    assert_refused(&out, 2, &["--subsample"]);
    let out = run(&["score", "-r", "/nonexistent/ref.y4m", "-d", SAMPLE_DIST], &[]);
    assert_refused(&out, 3, &["/nonexistent/ref.y4m", "No such file or directory"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("No such file or directory").count(), 1, "{stderr}");
}

/// The peak RSS (KiB) of scoring `n` frames of 16x16 through two pipes with the default
/// model and a JSON log: VmHWM polled until the process exits (it only grows, so the
/// last reading holds the end-of-run peak: the model and the log come last).
#[cfg(target_os = "linux")]
fn whole_run_peak_kib(n: usize) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("dist.y4m");
    mkfifo(&fifo);
    let (w, h) = (16usize, 16usize);
    let header = format!("YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C420jpeg\n");
    let frame = move |t: usize, offset: u8| {
        let mut f = b"FRAME\n".to_vec();
        f.extend((0..w * h).map(|i| ((i * 7 + 13 * t) % 200) as u8 + offset));
        f.extend(std::iter::repeat_n(128u8, 2 * (w / 2) * (h / 2)));
        f
    };
    let mut child = Command::new(BIN)
        .args(["score", "--quiet", "--backend", "cpu", "-r", "-", "-d", p(&fifo), "--format", "json", "-o"])
        .arg(dir.path().join("log.json"))
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reference = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        reference.write_all(header.as_bytes()).unwrap();
        let mut distorted = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        distorted.write_all(header.as_bytes()).unwrap();
        for t in 0..n {
            reference.write_all(&frame(t, 0)).unwrap();
            distorted.write_all(&frame(t, 5)).unwrap();
        }
    });
    let mut peak = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
            && let Some(line) = text.lines().find(|l| l.starts_with("VmHWM:"))
        {
            peak = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    feeder.join().unwrap();
    assert!(status.success());
    peak
}

/// Memory flat in clip length over a whole run, model and log included: the model used
/// to score every frame in one batch (~21 KB a frame) and the JSON log built a value
/// tree (~6 KB a frame). 20,000 frames may take at most 32 MiB more than 2,000.
#[cfg(target_os = "linux")]
#[test]
fn memory_stays_flat_through_the_model_and_the_log() {
    let (short, long) = (whole_run_peak_kib(2_000), whole_run_peak_kib(20_000));
    let growth = long.saturating_sub(short);
    eprintln!("peak RSS: 2,000 frames {short} KiB, 20,000 frames {long} KiB (+{growth} KiB)");
    assert!(growth < 32 * 1024, "peak RSS grew by {growth} KiB from 2,000 to 20,000 frames");
}

/// Random samples for a raw 16x16 clip of `frames` frames: 8-bit bytes, or 10-bit
/// values (64..=940) as little-endian byte pairs.
fn raw_clip(frames: usize, ten_bit: bool) -> Vec<u8> {
    let mut seed = 0x1234_5678u32;
    let mut next = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        seed >> 8
    };
    let samples = frames * 16 * 16 * 3 / 2;
    if ten_bit {
        (0..samples).flat_map(|_| ((64 + next() % 877) as u16).to_le_bytes()).collect()
    } else {
        (0..samples).map(|_| next() as u8).collect()
    }
}

#[test]
fn raw_pixel_format_that_does_not_fit_the_samples_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let (eight, ten) = (dir.path().join("eight.yuv"), dir.path().join("ten.yuv"));
    // Four 10-bit frames are eight 8-bit frames by size: both formats divide the files.
    std::fs::write(&eight, raw_clip(8, false)).unwrap();
    std::fs::write(&ten, raw_clip(4, true)).unwrap();
    let score = |file: &Path, format: &str| {
        let args = ["score", "--quiet", "--backend", "cpu", "-r", p(file), "-d", p(file), "-o", "/dev/null"];
        let geometry = ["--width", "16", "--height", "16", "--pixel-format", format];
        run(&[&args[..], &geometry[..]].concat(), &[])
    };
    let warned = |out: &Output, needle: &str| {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        stderr.contains(needle)
    };
    assert!(warned(&score(&ten, "yuv420p"), "ten.yuv: every other luma sample of the first frame is below 16"));
    assert!(warned(&score(&eight, "yuv420p10le"), "of the first frame's luma samples exceed the 10-bit maximum 1023"));
    assert!(!warned(&score(&eight, "yuv420p"), "warning"));
    assert!(!warned(&score(&ten, "yuv420p10le"), "warning"));
}

#[test]
fn no_runtime_dir_warnings_from_the_gpu_driver_without_xdg_runtime_dir() {
    // Headless: no XDG_RUNTIME_DIR (and an unusable relative one). Mesa's Vulkan
    // drivers, listing adapters, made libwayland print an error per probe.
    let sample = |n: &str| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sample").join(n);
    let (r, d) = (sample("cell_small.ref.y4m"), sample("cell_small.dist.y4m"));
    for value in [None, Some("relative/dir")] {
        let mut cmd = Command::new(BIN);
        cmd.args(["score", "--quiet", "--backend", "auto", "-r", p(&r), "-d", p(&d), "-o", "/dev/null"]);
        match value {
            Some(v) => cmd.env("XDG_RUNTIME_DIR", v),
            None => cmd.env_remove("XDG_RUNTIME_DIR"),
        };
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(!stderr.contains("XDG_RUNTIME_DIR"), "{value:?}: {stderr}");
    }
}

/// `TINYVMAF_SIMD` naming no level, or one this CPU lacks, is refused before any work
/// (exit 2, the variable and the levels named); every level the CPU runs gives the
/// same log, byte for byte.
#[test]
fn a_forced_vector_level_is_checked_and_every_level_gives_the_same_log() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("never.json");
    let args = ["score", "-r", SAMPLE_REF, "-d", SAMPLE_DIST, "--backend", "cpu", "--quiet", "-o", p(&bad)];
    let forced = |level: &str, args: &[&str]| Command::new(BIN).args(args).env("TINYVMAF_SIMD", level).output().unwrap();
    let out = forced("avx3", &args);
    assert_refused(&out, 2, &["TINYVMAF_SIMD=\"avx3\"", "scalar, sse2, avx2, avx512"]);
    assert!(!bad.exists(), "nothing is written");
    let available = tinyvmaf_gpu::simd::Level::available();
    for level in tinyvmaf_gpu::simd::Level::ALL.into_iter().filter(|l| !available.contains(l)) {
        assert_refused(&forced(level.name(), &args), 2, &["does not support"]);
    }
    let log = |level: &str| {
        let path = dir.path().join(format!("{level}.json"));
        let args = ["score", "-r", SAMPLE_REF, "-d", SAMPLE_DIST, "--backend", "cpu", "--quiet", "-o", p(&path)];
        let out = forced(level, &args);
        assert!(out.status.success(), "{level}: {}", String::from_utf8_lossy(&out.stderr));
        let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        // Timing differs from run to run; everything else must not.
        doc.as_object_mut().unwrap().remove("fps");
        doc
    };
    let scalar = log("scalar");
    for level in &available {
        assert_eq!(log(level.name()), scalar, "{level} differs from scalar");
    }
}
