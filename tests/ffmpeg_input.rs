//! Encoded inputs through ffmpeg. With a stand-in `ffmpeg` (a shell script given
//! as `--ffmpeg`), each failure mode runs everywhere: ffmpeg missing, failing with
//! its message, never started through a shell nor handed the path as an option or
//! URL, killed when scoring stops early. With the real ffmpeg (installed by
//! .ci/run; these skip with a printed reason elsewhere unless
//! TINYVMAF_REQUIRE_FFMPEG=1): an MP4 scores as its decoded frames do, and a
//! smaller encode is scaled to the reference (or refused with --no-scale).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tinyvmaf-gpu");
const INPUT_ERROR: i32 = 3;

fn sample(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/sample/cell_small.{kind}.y4m"))
}

fn score(args: &[&str]) -> Output {
    Command::new(BIN).arg("score").args(["--backend", "cpu"]).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An executable shell script standing in for ffmpeg.
fn fake_ffmpeg(dir: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("ffmpeg");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A file that starts like an MP4 (all the detection looks at).
fn mp4_like(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41").unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_missing_ffmpeg_is_named_with_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let enc = mp4_like(dir.path(), "enc.mp4");
    let out = score(&["-r", s(&sample("ref")), "-d", s(&enc), "--ffmpeg", "/nonexistent/ffmpeg"]);
    assert_eq!(out.status.code(), Some(INPUT_ERROR), "{}", stderr(&out));
    assert!(stderr(&out).contains("enc.mp4: an encoded video needs ffmpeg") && stderr(&out).contains("/nonexistent/ffmpeg"));
    let out = Command::new(BIN)
        .args(["score", "--backend", "cpu", "-r", s(&sample("ref")), "-d", s(&enc)])
        .env("PATH", dir.path().join("empty"))
        .env_remove("TINYVMAF_FFMPEG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(INPUT_ERROR), "{}", stderr(&out));
    assert!(stderr(&out).contains("no executable `ffmpeg` on PATH") && stderr(&out).contains("install ffmpeg"), "{}", stderr(&out));
}

#[test]
fn a_failing_ffmpeg_is_an_input_error_with_its_own_words_and_no_log() {
    let dir = tempfile::tempdir().unwrap();
    let enc = mp4_like(dir.path(), "enc.mp4");
    let ffmpeg = fake_ffmpeg(dir.path(), "printf 'enc.mp4: Invalid data found when processing input\\033[0m' >&2; exit 183");
    let log = dir.path().join("log.json");
    let out = score(&["-r", s(&sample("ref")), "-d", s(&enc), "--ffmpeg", s(&ffmpeg), "-o", s(&log)]);
    assert_eq!(out.status.code(), Some(INPUT_ERROR), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("could not decode it (exit code 183)") && err.contains("Invalid data found"), "{err}");
    assert!(!err.contains('\u{1b}'), "control characters escaped: {err}");
    assert!(!log.exists());
    // Failing after some frames: the frames before do not make a short clip.
    let half = fake_ffmpeg(
        dir.path(),
        &format!("head -c 30000 '{}'; echo 'corrupt frame' >&2; exit 1", s(&sample("dist"))),
    );
    let out = score(&["-r", s(&sample("ref")), "-d", s(&enc), "--ffmpeg", s(&half)]);
    assert_eq!(out.status.code(), Some(INPUT_ERROR), "{}", stderr(&out));
    assert!(stderr(&out).contains("corrupt frame"), "{}", stderr(&out));
}

#[test]
fn the_path_reaches_ffmpeg_as_a_file_argument_never_an_option_or_url() {
    let dir = tempfile::tempdir().unwrap();
    let enc = mp4_like(dir.path(), "-i concat:x;rm -rf y.mp4");
    let argv = dir.path().join("argv");
    let ffmpeg = fake_ffmpeg(
        dir.path(),
        &format!("for a in \"$@\"; do printf '%s\\n' \"$a\" >> '{}'; done; cat '{}'", s(&argv), s(&sample("dist"))),
    );
    let out = score(&["-r", s(&sample("ref")), "-d", s(&enc), "--ffmpeg", s(&ffmpeg)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let args = std::fs::read_to_string(&argv).unwrap();
    let args: Vec<&str> = args.lines().collect();
    let at = args.iter().position(|a| *a == "-i").unwrap();
    assert_eq!(args[at + 1], format!("file:{}", s(&enc)));
    assert_eq!(&args[..at], ["-nostdin", "-v", "error"]);
    assert_eq!(&args[args.len() - 3..], ["-f", "yuv4mpegpipe", "-"]);
}

#[test]
fn ffmpeg_is_killed_when_scoring_stops_early() {
    let dir = tempfile::tempdir().unwrap();
    let enc = mp4_like(dir.path(), "enc.mp4");
    // Hands over the clip, then would run for a minute.
    let ffmpeg = fake_ffmpeg(dir.path(), &format!("cat '{}'; sleep 60", s(&sample("dist"))));
    let start = Instant::now();
    let out = score(&["-r", s(&sample("ref")), "-d", s(&enc), "--ffmpeg", s(&ffmpeg), "--frame-count", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(start.elapsed() < Duration::from_secs(30), "waited for the child: {:?}", start.elapsed());
}

/// The real ffmpeg, or `None` (printed) when it is not installed and not required.
fn real_ffmpeg() -> Option<PathBuf> {
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("ffmpeg"))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var("TINYVMAF_REQUIRE_FFMPEG").as_deref() != Ok("1"), "ffmpeg is required but not on PATH");
        eprintln!("SKIPPED: no ffmpeg on PATH; set TINYVMAF_REQUIRE_FFMPEG=1 to make this a failure");
    }
    found
}

fn ffmpeg(args: &[&str]) {
    let status = Command::new("ffmpeg").args(["-nostdin", "-v", "error", "-y"]).args(args).status().unwrap();
    assert!(status.success(), "ffmpeg {args:?}");
}

fn frames(log: &Path) -> Vec<serde_json::Value> {
    let log: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(log).unwrap()).unwrap();
    log["frames"].as_array().unwrap().clone()
}

#[test]
fn an_mp4_scores_as_its_decoded_frames_do() {
    if real_ffmpeg().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let enc = dir.path().join("enc.mp4");
    let decoded = dir.path().join("decoded.y4m");
    ffmpeg(&["-i", s(&sample("dist")), "-c:v", "libx264", "-crf", "30", "-pix_fmt", "yuv420p", s(&enc)]);
    ffmpeg(&["-i", s(&enc), "-strict", "-1", "-f", "yuv4mpegpipe", s(&decoded)]);
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    let out = score(&["-r", s(&sample("ref")), "-d", s(&enc), "-o", s(&a)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(score(&["-r", s(&sample("ref")), "-d", s(&decoded), "-o", s(&b)]).status.success());
    assert_eq!(frames(&a).len(), 12);
    assert_eq!(frames(&a), frames(&b));
    // --decoder ffmpeg reads a Y4M through ffmpeg too: the same frames.
    let c = dir.path().join("c.json");
    assert!(score(&["-r", s(&sample("ref")), "-d", s(&decoded), "--decoder", "ffmpeg", "-o", s(&c)]).status.success());
    assert_eq!(frames(&c), frames(&b));
}

#[test]
fn a_smaller_encode_is_scaled_to_the_reference_or_refused() {
    if real_ffmpeg().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.mkv");
    ffmpeg(&["-i", s(&sample("dist")), "-vf", "scale=48:32", "-c:v", "libx264", "-crf", "20", s(&small)]);
    let log = dir.path().join("log.json");
    let out = score(&["-r", s(&sample("ref")), "-d", s(&small), "-o", s(&log)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("decoded 48x32 yuv420p, scaled by ffmpeg (bicubic) to the reference's 96x64 yuv420p"), "{}", stderr(&out));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("scaled by ffmpeg"), "the log's context says so");
    assert_eq!(frames(&log).len(), 12);
    let out = score(&["-r", s(&sample("ref")), "-d", s(&small), "--no-scale"]);
    assert_eq!(out.status.code(), Some(INPUT_ERROR));
    assert!(stderr(&out).contains("48x32 yuv420p, the reference is 96x64 yuv420p"), "{}", stderr(&out));
}
