//! `report` and `score --report`: the page from a score log, a libvmaf log and batch
//! results, opened in a real browser (Chromium, headless; `.ci/run` installs it and
//! sets TINYVMAF_REQUIRE_CHROMIUM=1): it loads with no console message, its script
//! runs, and the screenshot shows the chart drawn. The BD-rate on the page is
//! checked against published data.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tinyvmaf-gpu"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run tinyvmaf-gpu")
}

fn sample(kind: &str) -> String {
    common::manifest_dir().join(format!("tests/data/sample/cell_small.{kind}")).display().to_string()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Screenshots are kept here (not in a temp dir) so they can be looked at after the run.
fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `points` attributes of the polylines in the element with id `id`.
fn polyline_points(html: &str, id: &str) -> Vec<usize> {
    let start = html.find(&format!("<g id=\"{id}\"")).unwrap_or_else(|| panic!("no series {id}"));
    let group = &html[start..start + html[start..].find("</g>").unwrap()];
    group.split(" points=\"").skip(1).map(|p| p[..p.find('"').unwrap()].split(' ').count()).collect()
}

fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .flat_map(|dir| ["chromium", "chromium-browser", "google-chrome"].map(|n| dir.join(n)))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var("TINYVMAF_REQUIRE_CHROMIUM").as_deref() != Ok("1"), "Chromium is required but not on PATH");
        eprintln!("SKIPPED: no chromium on PATH; set TINYVMAF_REQUIRE_CHROMIUM=1 to make this a failure");
    }
    found
}

/// Opens `page` headless: the DOM after its script ran, and Chromium's stderr
/// (console messages come out as `…:CONSOLE:…` lines).
fn browse(browser: &Path, page: &Path, extra: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.canonicalize().unwrap().display()))
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "chromium: {}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The page loads with no console message and its script finishes; then a
/// screenshot, whose pixels in the first series' colour (#1f77b4) are counted.
fn check_in_browser(page: &Path, screenshot: &Path) -> usize {
    let Some(browser) = chromium() else { return usize::MAX };
    let (dom, stderr) = browse(&browser, page, &["--dump-dom"]);
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    assert!(dom.contains("data-ready=\"ok\""), "the page's script did not finish: {}", &dom[..dom.len().min(400)]);
    assert!(dom.contains("<pre id=\"report-errors\" hidden=\"\"></pre>"), "script errors shown");
    let _ = std::fs::remove_file(screenshot);
    browse(&browser, page, &["--window-size=1100,1400", &format!("--screenshot={}", screenshot.display())]);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(screenshot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let channels = info.color_type.samples();
    let pixels = &pixels[..info.buffer_size()];
    let coloured = pixels.chunks(channels).filter(|p| p[..3] == [0x1f, 0x77, 0xb4]).count();
    let white = pixels.chunks(channels).filter(|p| p[..3] == [255, 255, 255]).count();
    assert!(white < pixels.len() / channels, "blank screenshot");
    coloured
}

#[test]
fn score_writes_a_report_a_browser_draws() {
    let dir = tempfile::tempdir().unwrap();
    let (log, page) = (dir.path().join("log.json"), dir.path().join("report.html"));
    let out = run(&["score", "-r", &sample("ref.y4m"), "-d", &sample("dist.y4m"), "--psnr", "-o", s(&log), "--report", s(&page), "-q"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    // One point a frame (the sample has 12), in the score chart and each feature's.
    assert_eq!(polyline_points(&html, "log0-score0"), [12]);
    assert!(html.contains("data-choice=\"psnr_y\""));
    // Worst frames with their times, from the rate in the Y4M header.
    assert!(html.contains("Worst 10 frames by vmaf"));
    assert!(html.contains("frame rate</dt>"), "the log's context has no frame rate");
    assert!(html.contains("sha256 "), "models with their pins");
    // The same page from the log afterwards.
    let again = dir.path().join("again.html");
    let out = run(&["report", s(&log), "-o", s(&again)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(polyline_points(&std::fs::read_to_string(&again).unwrap(), "log0-score0"), [12]);

    let shot = screenshot_dir().join("score-report.png");
    let coloured = check_in_browser(&page, &shot);
    assert!(coloured > 200, "the score line is not drawn ({coloured} pixels of its colour)");
    eprintln!("screenshot: {}", shot.display());
}

#[test]
fn a_libvmaf_log_reports_with_times_from_the_given_rate() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("libvmaf.html");
    let out = run(&["report", &sample("libvmaf_c.json"), "-o", s(&page), "--frame-rate", "25", "--worst", "3"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("made by</dt><dd>libvmaf"));
    assert!(html.contains("Worst 3 frames by vmaf"));
    // Frame numbers become times at 25 fps: some frame n is n·40 ms.
    assert!(html.contains("0:00.") && !html.contains("<td>—</td><td>"), "times shown");
    assert_eq!(polyline_points(&html, "log0-score0"), [12]);
}

/// The data published with the `bjontegaard` Python package (libx265 presets; see
/// src/report/bd.rs) as two groups of a batch's results, scores standing in for VMAF.
fn published_results(dir: &Path, evil_id: &str) -> PathBuf {
    let anchor = [(9487.76, 40.037), (4593.60, 38.615), (2486.44, 36.845), (1358.24, 34.851)];
    let test = [(9787.80, 40.121), (4469.00, 38.651), (2451.52, 36.970), (1356.24, 34.987)];
    let mut lines = String::new();
    for (group, points) in [("slow", anchor), ("fast", test)] {
        for (k, (rate, q)) in points.iter().enumerate() {
            let id = if k == 0 && group == "fast" { evil_id.to_owned() } else { format!("{group}-{k}") };
            let record = serde_json::json!({
                "id": id, "status": "ok", "reference": "src.y4m", "distorted": format!("{group}{k}.mkv"), "frames": 48,
                "models": ["vmaf_v0.6.1"], "scores": {"vmaf": {"mean": q, "harmonic_mean": q - 0.5, "min": q - 3.0, "max": q + 1.0, "p1": q, "p5": q, "p50": q}},
                "backend": "cpu", "adapter": null, "seconds": 1.5, "bitrate_kbps": rate, "group": group,
            });
            lines.push_str(&record.to_string());
            lines.push('\n');
        }
    }
    lines.push_str(r#"{"id":"broken","status":"error","reference":"a.y4m","distorted":"b.mkv","error":"ffmpeg could not decode b.mkv","exit_code":3}"#);
    lines.push('\n');
    let path = dir.join("results.jsonl");
    std::fs::write(&path, lines).unwrap();
    path
}

#[test]
fn batch_results_give_curves_and_the_published_bd_rate() {
    let dir = tempfile::tempdir().unwrap();
    let results = published_results(dir.path(), "<script>alert(1)</script>");
    let page = dir.path().join("ladder.html");
    let out = run(&["report", s(&results), "-o", s(&page)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("9 pairs: 8 scored, 1 failed."));
    assert!(html.contains("table class=\"sortable\""));
    // bjontegaard 1.3.0 (PCHIP) gives −4.4175 % and +0.1197 for these curves.
    assert!(html.contains("<td>-4.42 %</td><td>+0.12</td>"), "BD row missing");
    assert_eq!(polyline_points(&html, "batch0-group0"), [4]);
    assert_eq!(polyline_points(&html, "batch0-group1"), [4]);
    // Names from the input are text, never markup.
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("ffmpeg could not decode b.mkv"));

    // The other group as the anchor: the sign turns.
    let swapped = dir.path().join("swapped.html");
    assert!(run(&["report", s(&results), "-o", s(&swapped), "--anchor", "fast"]).status.success());
    let swapped = std::fs::read_to_string(&swapped).unwrap();
    assert!(swapped.contains("<td>slow</td><td>4</td><td>+4."), "anchor option ignored");

    let shot = screenshot_dir().join("batch-report.png");
    let coloured = check_in_browser(&page, &shot);
    assert!(coloured > 50, "the anchor curve is not drawn ({coloured} pixels of its colour)");
}

#[test]
fn bad_inputs_are_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.html");
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello\n").unwrap();
    let doc = dir.path().join("doc.json");
    std::fs::write(&doc, r#"{"hello": 1}"#).unwrap();
    let bad_value = dir.path().join("bad.json");
    std::fs::write(&bad_value, r#"{"frames": [{"frameNum": 0, "metrics": {"vmaf": "high"}}]}"#).unwrap();
    for (input, words) in [
        (dir.path().join("missing.json"), "cannot read"),
        (text.clone(), "not JSON"),
        (doc.clone(), "neither a score log nor a results record"),
        (bad_value.clone(), "`vmaf` is \"high\", not a number"),
        (PathBuf::from("/dev/zero"), "not a regular file"),
    ] {
        let out = run(&["report", s(&input), "-o", s(&page)]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{}: {stderr}", input.display());
        assert!(stderr.contains(s(&input)) && stderr.contains(words), "{}: {stderr}", input.display());
        assert!(!page.exists(), "a page was written for {}", input.display());
    }
    // An output folder that does not exist fails before anything is read.
    let out = run(&["report", &sample("libvmaf_c.json"), "-o", s(&dir.path().join("no/such/page.html"))]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    // A frame rate that is not one is a usage error.
    let out = run(&["report", &sample("libvmaf_c.json"), "-o", s(&page), "--frame-rate", "0/1"]);
    assert_eq!(out.status.code(), Some(2));
}

/// README's command on encoded files: `score -r source.mp4 -d encode.mkv --report`.
#[test]
fn encoded_inputs_score_into_a_report() {
    let Ok(ffmpeg) = which("ffmpeg") else {
        assert!(std::env::var("TINYVMAF_REQUIRE_FFMPEG").as_deref() != Ok("1"), "ffmpeg is required but not on PATH");
        eprintln!("SKIPPED: no ffmpeg on PATH");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (source, encode) = (dir.path().join("source.mp4"), dir.path().join("encode.mkv"));
    // A lossless source and a lossy encode, as a user would have them.
    for (input, output, quality) in [(sample("ref.y4m"), &source, ["-qp", "0"]), (sample("dist.y4m"), &encode, ["-crf", "30"])] {
        let status = Command::new(&ffmpeg)
            .args(["-nostdin", "-v", "error", "-y", "-i", &input, "-c:v", "libx264", "-pix_fmt", "yuv420p"])
            .args(quality)
            .arg(output)
            .status()
            .unwrap();
        assert!(status.success(), "ffmpeg encoding {}", output.display());
    }
    let page = dir.path().join("report.html");
    let out = run(&["score", "-r", s(&source), "-d", s(&encode), "--report", s(&page), "-q"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(polyline_points(&html, "log0-score0"), [12]);
    assert!(html.contains("source.mp4") && html.contains("encode.mkv"));
}

fn which(name: &str) -> Result<PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|p| p.is_file()))
        .ok_or(())
}
