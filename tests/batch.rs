//! `tinyvmaf-gpu batch` and `merge` end to end through the binary, on the synthetic
//! fixture clips (no ../shared needed): every pair gets exactly one record, bad
//! pairs get error records with their reason and the batch goes on, a batch killed
//! with SIGKILL at pseudo-random moments resumes to the same numbers, a torn last
//! line is repaired, a second writer is refused, shards partition the manifest and
//! `merge` finds what is missing or doubled, and `score` and `batch` agree.

mod common;
mod fixture_gen;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tinyvmaf_gpu::batch::{self, Shard};
use tinyvmaf_gpu::exit;

const BIN: &str = env!("CARGO_BIN_EXE_tinyvmaf-gpu");

/// A temp folder with the five fixture pairs as `NAME.ref.y4m` / `NAME.dist.y4m`.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for fx in fixture_gen::fixtures() {
            std::fs::write(dir.path().join(format!("{}.ref.y4m", fx.name)), &fx.y4m_ref).unwrap();
            std::fs::write(dir.path().join(format!("{}.dist.y4m", fx.name)), &fx.y4m_dist).unwrap();
        }
        Workspace { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args).current_dir(self.dir.path());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn records(&self, name: &str) -> Vec<Value> {
        records(&self.path(name))
    }
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn by_id(records: &[Value]) -> BTreeMap<String, Value> {
    let mut map = BTreeMap::new();
    for r in records {
        let id = r["id"].as_str().unwrap().to_owned();
        assert!(map.insert(id.clone(), r.clone()).is_none(), "id {id} recorded twice");
    }
    map
}

/// 20 good pairs from the fixtures: each fixture's (ref, dist), (dist, ref),
/// (ref, ref) and (dist, dist); relative paths, as a CSV manifest's rows
/// `id,reference,distorted`.
fn good_rows() -> Vec<(String, String, String)> {
    let mut rows = Vec::new();
    for fx in fixture_gen::fixtures() {
        let (r, d) = (format!("{}.ref.y4m", fx.name), format!("{}.dist.y4m", fx.name));
        for (k, (a, b)) in [(&r, &d), (&d, &r), (&r, &r), (&d, &d)].into_iter().enumerate() {
            rows.push((format!("{}-{k}", fx.name), a.clone(), b.clone()));
        }
    }
    rows
}

fn csv(rows: &[(String, String, String)]) -> String {
    let mut text = "id,reference,distorted\n".to_owned();
    for (id, r, d) in rows {
        text += &format!("{id},{r},{d}\n");
    }
    text
}

/// What must equal between two runs of the same pair (not `seconds`).
fn numbers(record: &Value) -> (Value, Value, Value) {
    (record["status"].clone(), record["frames"].clone(), record["scores"].clone())
}

// --- a batch with bad pairs mixed in ---

#[test]
fn every_pair_gets_a_record_and_bad_pairs_their_reason() {
    let ws = Workspace::new();
    ws.write("garbage.y4m", b"GIF89a this is not video\n");
    let mut rows = good_rows();
    rows.insert(3, ("missing".into(), "odd_67x45_8b_420.ref.y4m".into(), "no-such-clip.y4m".into()));
    rows.insert(9, ("garbage".into(), "garbage.y4m".into(), "c420_48x48_12b.dist.y4m".into()));
    rows.insert(15, ("geometry".into(), "odd_67x45_8b_420.ref.y4m".into(), "c444_41x37_8b_stress.dist.y4m".into()));
    // Paths relative to the manifest's own folder.
    let rel: Vec<_> = rows.iter().map(|(i, r, d)| (i.clone(), format!("../{r}"), format!("../{d}"))).collect();
    ws.write("sub/manifest.csv", csv(&rel));
    let out = ws.run(&["batch", "sub/manifest.csv", "--output", "results.jsonl", "--per-frame-dir", "frames", "--quiet"]);
    assert_eq!(out.status.code(), Some(exit::PAIRS_FAILED.into()), "{}", stderr(&out));
    assert!(stderr(&out).contains("3 of 23 pairs failed"), "{}", stderr(&out));

    let recs = ws.records("results.jsonl");
    // Written in manifest order, one each.
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>());
    let recs = by_id(&recs);
    for (id, reason) in [
        ("missing", "cannot open"),
        ("garbage", "garbage.y4m: not a Y4M stream"),
        ("geometry", "differ in geometry: reference 67x45, distorted 41x37"),
    ] {
        let r = &recs[id];
        assert_eq!(r["status"], "error", "{r}");
        assert_eq!(r["exit_code"], 3, "{r}");
        assert!(r["error"].as_str().unwrap().contains(reason), "{id}: {r}");
        assert!(r["reference"].is_string() && r["distorted"].is_string());
    }
    for (id, _, _) in good_rows() {
        let r = &recs[&id];
        assert_eq!(r["status"], "ok", "{r}");
        assert_eq!(r["frames"], 3);
        assert_eq!(r["backend"], "cpu");
        assert!(r["adapter"].is_null());
        assert!(r["seconds"].as_f64().unwrap() >= 0.0);
        let vmaf = &r["scores"]["vmaf"];
        for key in ["mean", "harmonic_mean", "min", "max", "p1", "p5", "p50"] {
            assert!(vmaf[key].is_number(), "{id}: no {key} in {r}");
        }
        assert!(r["scores"].get("integer_adm2").is_none(), "features are not scores: {r}");
        // The per-frame log is libvmaf's layout, and its pooled mean is the record's.
        let log: Value =
            serde_json::from_str(&std::fs::read_to_string(ws.path(r["per_frame_log"].as_str().unwrap())).unwrap())
                .unwrap();
        assert_eq!(log["frames"].as_array().unwrap().len(), 3);
        assert_eq!(log["pooled_metrics"]["vmaf"]["mean"], vmaf["mean"]);
    }
    // (ref, ref) is the identity pair: the best score of its fixture.
    let a = recs["odd_67x45_8b_420-2"]["scores"]["vmaf"]["mean"].as_f64().unwrap();
    let b = recs["odd_67x45_8b_420-0"]["scores"]["vmaf"]["mean"].as_f64().unwrap();
    assert!(a > b, "{a} vs {b}");

    // Rerun: everything is recorded (errors too), nothing is redone.
    let before = std::fs::read(ws.path("results.jsonl")).unwrap();
    let out = ws.run(&["batch", "sub/manifest.csv", "--output", "results.jsonl"]);
    assert_eq!(out.status.code(), Some(exit::PAIRS_FAILED.into()), "{}", stderr(&out));
    assert!(stderr(&out).contains("0 to score, 23 already in"), "{}", stderr(&out));
    assert_eq!(std::fs::read(ws.path("results.jsonl")).unwrap(), before);

    // --retry-failed replaces the error records: fix one pair, and it is the only new ok.
    std::fs::copy(ws.path("odd_67x45_8b_420.dist.y4m"), ws.path("no-such-clip.y4m")).unwrap();
    let out = ws.run(&["batch", "sub/manifest.csv", "--output", "results.jsonl", "--retry-failed", "--quiet"]);
    assert_eq!(out.status.code(), Some(exit::PAIRS_FAILED.into()), "{}", stderr(&out));
    let recs = by_id(&ws.records("results.jsonl"));
    assert_eq!(recs.len(), 23);
    assert_eq!(recs["missing"]["status"], "ok");
    assert_eq!(numbers(&recs["missing"]), numbers(&recs["odd_67x45_8b_420-0"]));
    assert_eq!(recs.values().filter(|r| r["status"] == "error").count(), 2);
}

#[test]
fn an_all_good_batch_exits_zero() {
    let ws = Workspace::new();
    let rows = &good_rows()[..4];
    ws.write("m.csv", csv(rows));
    let out = ws.run(&["batch", "m.csv", "-o", "r.jsonl", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(ws.records("r.jsonl").len(), 4);
}

#[test]
fn json_lines_manifest_with_raw_yuv_model_lists_and_default_ids() {
    let ws = Workspace::new();
    // The 67x45 fixture as raw YUV: header and FRAME lines dropped.
    let fx = fixture_gen::fixtures().into_iter().find(|f| f.name == "odd_67x45_8b_420").unwrap();
    let frame = 67 * 45 + 2 * 34 * 23;
    let raw = |y4m: &[u8]| {
        let body = &y4m[y4m.iter().position(|&b| b == b'\n').unwrap() + 1..];
        body.chunks(6 + frame).flat_map(|c| c[6..].to_vec()).collect::<Vec<u8>>()
    };
    ws.write("r.yuv", raw(&fx.y4m_ref));
    ws.write("d.yuv", raw(&fx.y4m_dist));
    ws.write(
        "m.jsonl",
        concat!(
            r#"{"reference":"r.yuv","distorted":"d.yuv","width":67,"height":45,"pixel_format":"yuv420p","model":"vmaf_v0.6.1;vmaf_v0.6.1neg"}"#,
            "\n",
            r#"{"id":"y4m","reference":"odd_67x45_8b_420.ref.y4m","distorted":"odd_67x45_8b_420.dist.y4m","model":["vmaf_v0.6.1","vmaf_v0.6.1neg"]}"#,
            "\n",
            r#"{"id":"two","reference":"odd_67x45_8b_420.ref.y4m","distorted":"odd_67x45_8b_420.dist.y4m","frame_count":2,"skip_reference":1,"skip_distorted":1}"#,
            "\n",
        ),
    );
    let out = ws.run(&["batch", "m.jsonl", "-o", "r.jsonl", "--psnr", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let recs = ws.records("r.jsonl");
    let default_id = batch::manifest::default_id("r.yuv", "d.yuv");
    assert_eq!(recs[0]["id"], default_id.as_str());
    assert!(default_id.starts_with("d-"), "{default_id}");
    // Raw YUV and Y4M of the same frames score identically, NEG and PSNR included.
    assert_eq!(numbers(&recs[0]), numbers(&recs[1]));
    for key in ["vmaf", "vmaf_neg", "psnr_y", "psnr_cb", "psnr_cr"] {
        assert!(recs[1]["scores"][key]["mean"].is_number(), "no {key}: {}", recs[1]);
    }
    assert_eq!(recs[1]["models"], serde_json::json!(["vmaf_v0.6.1", "vmaf_v0.6.1neg"]));
    assert_eq!(recs[2]["frames"], 2);
    assert_eq!(recs[2]["models"], serde_json::json!(["vmaf_v0.6.1"]));
}

#[test]
fn manifest_errors_stop_before_any_pair() {
    let ws = Workspace::new();
    let mut rows = good_rows()[..3].to_vec();
    rows.push(rows[0].clone());
    ws.write("dup.csv", csv(&rows));
    let out = ws.run(&["batch", "dup.csv", "-o", "r.jsonl"]);
    assert_eq!(out.status.code(), Some(exit::MANIFEST.into()), "{}", stderr(&out));
    assert!(stderr(&out).contains("dup.csv:5: duplicate id \"odd_67x45_8b_420-0\" (first on line 2)"), "{}", stderr(&out));
    assert!(!ws.path("r.jsonl").exists(), "nothing is started");

    ws.write("typo.csv", "reference,distored\na.y4m,b.y4m\n");
    let out = ws.run(&["batch", "typo.csv", "-o", "r.jsonl"]);
    assert_eq!(out.status.code(), Some(exit::MANIFEST.into()));
    assert!(stderr(&out).contains("typo.csv:1: unknown column \"distored\""), "{}", stderr(&out));

    ws.write("model.csv", csv(&good_rows()[..1]));
    let out = ws.run(&["batch", "model.csv", "-o", "r.jsonl", "--model", "vmaf_v9"]);
    assert_eq!(out.status.code(), Some(20), "an unknown model is the registry's exit code: {}", stderr(&out));
    assert!(!ws.path("r.jsonl").exists());
}

// --- crash safety ---

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// A larger 8-bit 4:2:0 pair (so that a pair takes long enough to be killed in the middle).
fn synthetic_pair(w: usize, h: usize, frames: usize, seed: u64) -> (Vec<u8>, Vec<u8>) {
    let header = format!("YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C420jpeg\n");
    let (mut r, mut d) = (header.clone().into_bytes(), header.into_bytes());
    let mut rng = Lcg(seed);
    let chroma = w.div_ceil(2) * h.div_ceil(2) * 2;
    for t in 0..frames {
        r.extend_from_slice(b"FRAME\n");
        d.extend_from_slice(b"FRAME\n");
        for y in 0..h {
            for x in 0..w {
                let v = ((x * 3 + y * 2 + t * 4) % 200) as u64 + 20 + rng.next() % 16;
                r.push(v as u8);
                d.push((v + rng.next() % 24).min(255) as u8);
            }
        }
        r.extend(std::iter::repeat_n(128u8, chroma));
        d.extend(std::iter::repeat_n(129u8, chroma));
    }
    (r, d)
}

fn crash_workspace(pairs: usize) -> Workspace {
    let ws = Workspace::new();
    let mut text = "id,reference,distorted\n".to_owned();
    for k in 0..pairs {
        let (r, d) = synthetic_pair(192, 108, 12, 7 + k as u64 % 3);
        ws.write(&format!("big{k}.ref.y4m"), r);
        ws.write(&format!("big{k}.dist.y4m"), d);
        text += &format!("pair-{k},big{k}.ref.y4m,big{k}.dist.y4m\n");
    }
    ws.write("m.csv", text);
    ws
}

fn spawn_batch(ws: &Workspace, output: &str) -> Child {
    ws.command(&["batch", "m.csv", "-o", output, "--quiet", "--threads", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Checks a results file after a kill: whole valid lines (or one torn last
/// line), no id twice. Returns the number of whole records.
fn check_after_kill(path: &Path) -> usize {
    let text = std::fs::read(path).unwrap_or_default();
    let scan = batch::results::scan(path, &text).expect("only the last line may be bad");
    let ids: HashSet<&str> = scan.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), scan.records.len(), "an id was recorded twice");
    scan.records.len()
}

#[test]
fn sigkill_at_random_moments_then_resume_gives_each_pair_once_with_the_same_scores() {
    const PAIRS: usize = 20;
    let ws = crash_workspace(PAIRS);
    let start = Instant::now();
    let out = spawn_batch(&ws, "clean.jsonl").wait_with_output().unwrap();
    let clean_ms = start.elapsed().as_millis() as u64;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let clean = by_id(&ws.records("clean.jsonl"));
    assert_eq!(clean.len(), PAIRS);

    for seed in [1u64, 2, 3] {
        let output = format!("killed-{seed}.jsonl");
        let path = ws.path(&output);
        let mut rng = Lcg(seed.wrapping_mul(0x9e3779b97f4a7c15));
        let mut kills = 0;
        for attempt in 0.. {
            let before = check_after_kill(&path);
            let remaining = (PAIRS - before) as u64;
            // Kill points: first a random moment of start-up (before any record);
            // then a random moment (0 to 1.5 pairs' time) after the K-th new record,
            // K in 1..=3: inside a pair, or around a write. After 6 kills, or with one
            // pair left, it runs to the end.
            let pair_ms = clean_ms / PAIRS as u64 + 1;
            let plan = match attempt {
                _ if kills >= 6 || remaining <= 1 => None,
                0 => Some((rng.next() % (2 * pair_ms), 0)),
                _ => Some((
                    rng.next() % (3 * pair_ms / 2),
                    (before + 1 + (rng.next() % 3) as usize).min(PAIRS - 1),
                )),
            };
            let mut child = spawn_batch(&ws, &output);
            let start = Instant::now();
            let deadline = start + Duration::from_secs(120);
            let status = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break Some(status);
                }
                assert!(Instant::now() < deadline, "seed {seed}: the batch hangs");
                match plan {
                    Some((delay, 0)) if start.elapsed() >= Duration::from_millis(delay) => break None,
                    Some((delay, k)) if k > 0 && check_after_kill(&path) >= k => {
                        std::thread::sleep(Duration::from_millis(delay));
                        break None;
                    }
                    _ => std::thread::sleep(Duration::from_millis(1)),
                }
            };
            match status {
                Some(status) => {
                    let out = child.wait_with_output().unwrap();
                    assert!(status.success(), "seed {seed}: {}", stderr(&out));
                    if plan.is_none() {
                        break;
                    }
                }
                None => {
                    child.kill().unwrap(); // SIGKILL
                    child.wait().unwrap();
                    kills += 1;
                    let n = check_after_kill(&path);
                    eprintln!("seed {seed}: killed by plan {plan:?} with {n} records ({before} before)");
                }
            }
        }
        assert!(kills >= 3, "seed {seed}: only {kills} kills");
        let got = by_id(&ws.records(&output));
        assert_eq!(got.len(), PAIRS, "seed {seed}");
        for (id, record) in &got {
            assert_eq!(numbers(record), numbers(&clean[id]), "seed {seed}, pair {id}");
        }
    }
}

#[test]
fn a_torn_last_line_is_cut_off_and_its_pair_redone() {
    let ws = Workspace::new();
    ws.write("m.csv", csv(&good_rows()[..5]));
    let out = ws.run(&["batch", "m.csv", "-o", "r.jsonl", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let whole = std::fs::read_to_string(ws.path("r.jsonl")).unwrap();
    let lines: Vec<&str> = whole.lines().collect();
    // As if killed while writing the 4th record: 3 whole lines and half of the 4th.
    let torn = format!("{}\n{}\n{}\n{}", lines[0], lines[1], lines[2], &lines[3][..lines[3].len() / 2]);
    ws.write("r.jsonl", &torn);
    let out = ws.run(&["batch", "m.csv", "-o", "r.jsonl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("cut off a torn last line"), "{}", stderr(&out));
    let again = by_id(&ws.records("r.jsonl"));
    let first = by_id(&lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect::<Vec<_>>());
    assert_eq!(again.len(), 5);
    for (id, r) in &first {
        assert_eq!(numbers(r), numbers(&again[id]), "{id}");
    }
    // A bad line that is not the last is not guessed at.
    ws.write("r.jsonl", format!("{}\nnot json\n{}\n", lines[0], lines[1]));
    let out = ws.run(&["batch", "m.csv", "-o", "r.jsonl"]);
    assert_eq!(out.status.code(), Some(exit::RESULTS.into()), "{}", stderr(&out));
    assert!(stderr(&out).contains("r.jsonl:2: not a result record"), "{}", stderr(&out));
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_lock() {
    let ws = Workspace::new();
    ws.write("m.csv", csv(&good_rows()[..2]));
    // The test holds the lock, as a running batch would.
    let held = batch::lock::lock(&ws.path("r.jsonl")).unwrap();
    let out = ws.run(&["batch", "m.csv", "-o", "r.jsonl"]);
    assert_eq!(out.status.code(), Some(exit::LOCKED.into()), "{}", stderr(&out));
    assert!(stderr(&out).contains("is in use by another tinyvmaf-gpu process"), "{}", stderr(&out));
    drop(held);
    // A child another test thread is starting right now shares the lock's open file
    // until it execs (flock locks belong to the open file, which fork duplicates),
    // so under load the release can take a moment to be seen: retry briefly.
    let mut out = ws.run(&["batch", "m.csv", "-o", "r.jsonl", "--quiet"]);
    for _ in 0..20 {
        if out.status.code() != Some(exit::LOCKED.into()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        out = ws.run(&["batch", "m.csv", "-o", "r.jsonl", "--quiet"]);
    }
    assert!(out.status.success(), "{}", stderr(&out));

    // Two real batches on one output: the second is refused while the first runs.
    let big = crash_workspace(4);
    let mut first = spawn_batch(&big, "r.jsonl");
    // Once it has written a record it certainly holds the lock.
    let deadline = Instant::now() + Duration::from_secs(60);
    while check_after_kill(&big.path("r.jsonl")) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = big.run(&["batch", "m.csv", "-o", "r.jsonl"]);
    first.wait().unwrap();
    // Refused while the first ran; or, had the first already finished (its lock is
    // released as it exits, a moment before it can be reaped), it found every pair done.
    if second.status.code() != Some(exit::LOCKED.into()) {
        assert!(second.status.success() && stderr(&second).contains("0 to score, 4 already in"), "{}", stderr(&second));
    }
    assert_eq!(by_id(&big.records("r.jsonl")).len(), 4);
}

#[test]
fn ctrl_c_finishes_the_current_pair_and_leaves_a_valid_file() {
    let ws = crash_workspace(10);
    let child = spawn_batch(&ws, "r.jsonl");
    let deadline = Instant::now() + Duration::from_secs(60);
    while check_after_kill(&ws.path("r.jsonl")) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let n = check_after_kill(&ws.path("r.jsonl"));
    let whole = std::fs::read_to_string(ws.path("r.jsonl")).unwrap();
    assert!(whole.ends_with('\n'), "no torn line after Ctrl-C");
    if n < 10 {
        assert_eq!(out.status.code(), Some(exit::INTERRUPTED.into()), "{}", stderr(&out));
        assert!(stderr(&out).contains("run the same command again to resume"), "{}", stderr(&out));
    }
    let out = spawn_batch(&ws, "r.jsonl").wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(by_id(&ws.records("r.jsonl")).len(), 10);
}

// --- sharding and merge ---

#[test]
fn shards_partition_any_manifest_and_adding_pairs_moves_none() {
    let ids: Vec<String> = (0..1000).map(|k| format!("clip-{k}")).collect();
    for n in [1u64, 2, 3, 16] {
        let shards: Vec<Shard> = (0..n).map(|i| Shard { index: i, count: n }).collect();
        let mut seen = HashSet::new();
        for id in &ids {
            let owners: Vec<_> = shards.iter().filter(|s| s.contains(id)).collect();
            assert_eq!(owners.len(), 1, "{id} in {n} shards");
            seen.insert(id);
        }
        assert_eq!(seen.len(), ids.len());
        // No shard is starved (1000 ids over 16 shards: ~62 each).
        for s in &shards {
            assert!(ids.iter().filter(|id| s.contains(id)).count() as u64 >= 1000 / n / 2, "{s}");
        }
    }
    // Adding pairs to a manifest: every earlier pair keeps its shard.
    let before: Vec<u64> = ids.iter().map(|id| batch::shard::shard_of(id, 16)).collect();
    let more: Vec<String> = ids.iter().cloned().chain((0..500).map(|k| format!("new-{k}"))).collect();
    let after: Vec<u64> = more.iter().map(|id| batch::shard::shard_of(id, 16)).collect();
    assert_eq!(before[..], after[..1000]);
}

#[test]
fn shard_runs_cover_the_manifest_once_and_merge_finds_missing_and_duplicated_pairs() {
    let ws = Workspace::new();
    let rows = good_rows();
    ws.write("m.csv", csv(&rows));
    let mut files = Vec::new();
    let mut union = Vec::new();
    for i in 0..3 {
        let file = format!("results-{i}.jsonl");
        let out = ws.run(&["batch", "m.csv", "-o", &file, "--shard", &format!("{i}/3"), "--quiet"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let ids: Vec<String> = ws.records(&file).iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
        for id in &ids {
            assert!(Shard { index: i, count: 3 }.contains(id));
        }
        union.extend(ids);
        files.push(file);
    }
    let mut expected: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    union.sort();
    expected.sort();
    assert_eq!(union, expected, "the shards are disjoint and cover the manifest");

    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--manifest", "m.csv", "-o", "all.jsonl"]);
    let out = ws.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let merged = ws.records("all.jsonl");
    let order: Vec<&str> = merged.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(order, rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), "manifest order");

    // Lose one record and double another.
    let text = std::fs::read_to_string(ws.path(&files[0])).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let lost: Value = serde_json::from_str(lines.remove(0)).unwrap();
    ws.write(&files[0], lines.iter().map(|l| format!("{l}\n")).collect::<String>());
    let doubled_line = std::fs::read_to_string(ws.path(&files[1])).unwrap().lines().next().unwrap().to_owned();
    let doubled: Value = serde_json::from_str(&doubled_line).unwrap();
    let mut third = std::fs::read_to_string(ws.path(&files[2])).unwrap();
    third += &format!("{doubled_line}\n");
    ws.write(&files[2], third);
    let out = ws.run(&args);
    assert_eq!(out.status.code(), Some(exit::MERGE_INCOMPLETE.into()), "{}", stderr(&out));
    let err = stderr(&out);
    let (lost, doubled) = (lost["id"].as_str().unwrap(), doubled["id"].as_str().unwrap());
    assert!(err.contains("1 pairs of the manifest are in no file") && err.contains(lost), "{err}");
    assert!(err.contains("1 ids are recorded more than once") && err.contains(doubled), "{err}");
    assert!(err.contains(&format!("{}:1", files[1])), "{err}");
    // The same id twice in one file is a duplicate too.
    let out = ws.run(&["merge", &files[1], &files[1]]);
    assert_eq!(out.status.code(), Some(exit::MERGE_INCOMPLETE.into()), "{}", stderr(&out));
}

#[test]
fn a_bad_shard_is_a_usage_error() {
    let ws = Workspace::new();
    ws.write("m.csv", csv(&good_rows()[..1]));
    for bad in ["3/3", "1/0", "x"] {
        let out = ws.run(&["batch", "m.csv", "-o", "r.jsonl", "--shard", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(stderr(&out).contains("0 <= I < N"), "{}", stderr(&out));
    }
}

// --- score and batch agree; NEG against libvmaf ---

#[test]
fn score_and_batch_give_identical_numbers() {
    let ws = Workspace::new();
    let rows = vec![
        ("a".to_owned(), "c422_64x40_10b.ref.y4m".to_owned(), "c422_64x40_10b.dist.y4m".to_owned()),
        ("b".to_owned(), "c444_50x34_16b_stress.ref.y4m".to_owned(), "c444_50x34_16b_stress.dist.y4m".to_owned()),
    ];
    ws.write("m.csv", csv(&rows));
    let models = ["--model", "vmaf_v0.6.1", "--model", "vmaf_v0.6.1neg", "--psnr"];
    let mut args = vec!["batch", "m.csv", "-o", "r.jsonl", "--per-frame-dir", "logs", "--quiet"];
    args.extend(models);
    let out = ws.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let recs = by_id(&ws.records("r.jsonl"));
    for (id, r, d) in &rows {
        let json = format!("{id}.score.json");
        let mut args = vec!["score", "--quiet", "-r", r, "-d", d, "-o", &json];
        args.extend(models);
        let out = ws.run(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let log: Value = serde_json::from_str(&std::fs::read_to_string(ws.path(&json)).unwrap()).unwrap();
        let record = &recs[id];
        for name in ["vmaf", "vmaf_neg", "psnr_y", "psnr_cb", "psnr_cr"] {
            let pooled = &log["pooled_metrics"][name];
            let pct = &log["tinyvmaf"]["percentiles"][name];
            let ours = &record["scores"][name];
            for key in ["mean", "harmonic_mean", "min", "max"] {
                assert_eq!(ours[key], pooled[key], "{id} {name} {key}");
            }
            for key in ["p1", "p5", "p50"] {
                assert_eq!(ours[key], pct[key], "{id} {name} {key}");
            }
        }
        // And frame by frame.
        let batch_log: Value =
            serde_json::from_str(&std::fs::read_to_string(ws.path(&format!("logs/{id}.json"))).unwrap()).unwrap();
        assert_eq!(batch_log["frames"], log["frames"], "{id}");
        assert_eq!(batch_log["pooled_metrics"], log["pooled_metrics"], "{id}");
    }
}

#[test]
fn neg_through_batch_matches_libvmaf_on_oracle_pairs() {
    let Some((oracle, clips)) = common::oracle_clips() else {
        eprintln!("SKIPPED neg_through_batch_matches_libvmaf_on_oracle_pairs: no ../shared/oracle");
        return;
    };
    let names = ["cell_small_8b__blurnoise", "tsrc2_444_8b__x264", "tsrc2_422_10b__blurnoise"];
    let dir = tempfile::tempdir().unwrap();
    let mut text = "id,reference,distorted,model\n".to_owned();
    for name in names {
        let (r, d) = (clips.join(format!("{name}.ref.y4m")), clips.join(format!("{name}.dist.y4m")));
        text += &format!("{name},{},{},vmaf_v0.6.1neg;vmaf_v0.6.1\n", r.display(), d.display());
    }
    std::fs::write(dir.path().join("m.csv"), text).unwrap();
    let out = Command::new(BIN)
        .args(["batch", "m.csv", "-o", "r.jsonl", "--per-frame-dir", "logs", "--quiet"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let recs = by_id(&records(&dir.path().join("r.jsonl")));
    for name in names {
        let theirs = common::oracle_frames(&oracle, name);
        let log: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(format!("logs/{name}.json"))).unwrap())
                .unwrap();
        let ours = log["frames"].as_array().unwrap();
        assert_eq!(ours.len(), theirs.len(), "{name}");
        let mut worst: HashMap<&str, f64> = HashMap::new();
        for (a, b) in ours.iter().zip(&theirs) {
            for key in ["vmaf_neg", "vmaf"] {
                let d = (a["metrics"][key].as_f64().unwrap() - b[key].as_f64().unwrap()).abs();
                assert!(d <= 5e-5, "{name} frame {} {key}: {} vs {}", a["frameNum"], a["metrics"][key], b[key]);
                let w = worst.entry(key).or_default();
                *w = w.max(d);
            }
        }
        // The record's pooled mean is the mean of those frames.
        let mean = theirs.iter().map(|f| f["vmaf_neg"].as_f64().unwrap()).sum::<f64>() / theirs.len() as f64;
        let ours_mean = recs[name]["scores"]["vmaf_neg"]["mean"].as_f64().unwrap();
        assert!((ours_mean - mean).abs() <= 5e-5, "{name}: pooled vmaf_neg {ours_mean} vs libvmaf {mean}");
        eprintln!("{name}: max |ours - libvmaf| {worst:?}");
    }
}

/// `--retry-failed` with the results file given through a symlink rewrites the real
/// file and keeps the link (it used to rename the new file over the link, leaving the
/// real file stale).
#[test]
fn retry_failed_through_a_symlinked_results_file_keeps_the_link() {
    let ws = Workspace::new();
    let mut rows = good_rows();
    rows.truncate(2);
    rows.push(("missing".into(), "odd_67x45_8b_420.ref.y4m".into(), "later.y4m".into()));
    ws.write("manifest.csv", csv(&rows));
    ws.write("store/results.jsonl", "");
    std::os::unix::fs::symlink("store/results.jsonl", ws.path("results.jsonl")).unwrap();
    let out = ws.run(&["batch", "manifest.csv", "--output", "results.jsonl", "--quiet"]);
    assert_eq!(out.status.code(), Some(exit::PAIRS_FAILED.into()), "{}", stderr(&out));
    std::fs::copy(ws.path("odd_67x45_8b_420.dist.y4m"), ws.path("later.y4m")).unwrap();
    let out = ws.run(&["batch", "manifest.csv", "--output", "results.jsonl", "--retry-failed", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(ws.path("results.jsonl")).unwrap().file_type().is_symlink(), "the link was replaced");
    let recs = by_id(&ws.records("store/results.jsonl"));
    assert_eq!(recs.len(), 3);
    assert!(recs.values().all(|r| r["status"] == "ok"), "{recs:?}");
}

/// The lock is taken on the file a path resolves to: the same results file through a
/// symlink (or `./`) is refused while another process holds it (it used to let two
/// writers in).
#[test]
fn the_lock_holds_through_a_symlink_to_the_results_file() {
    let ws = Workspace::new();
    ws.write("m.csv", csv(&good_rows()[..2]));
    ws.write("real/r.jsonl", "");
    std::os::unix::fs::symlink("real/r.jsonl", ws.path("link.jsonl")).unwrap();
    let held = batch::lock::lock(&ws.path("real/r.jsonl")).unwrap();
    for spelling in ["link.jsonl", "./real/r.jsonl", "real/../real/r.jsonl"] {
        let out = ws.run(&["batch", "m.csv", "-o", spelling]);
        assert_eq!(out.status.code(), Some(exit::LOCKED.into()), "{spelling}: {}", stderr(&out));
    }
    drop(held);
    let out = ws.run(&["batch", "m.csv", "-o", "link.jsonl", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ws.records("real/r.jsonl").len(), 2);
}

/// Two ids never share a per-frame log (`a b` and `a_b-c8687a08aa5d6ed2` did, after
/// sanitising): every name distinct, a plain file name, and decodable ids kept readable.
#[test]
fn per_frame_log_names_are_one_per_id() {
    let long = "x".repeat(300);
    let long2 = format!("{}y", "x".repeat(299));
    let ids = [
        "a b", "a_b-c8687a08aa5d6ed2", "a%20b", "a_b", "clip.1", ".hidden", "%2Ehidden", "../up", "..%2Fup",
        "é", "%C3%A9", "", "%", "a/b", "a%2Fb", "tab\tx", "+", &long, &long2,
    ];
    let names: Vec<String> = ids.iter().map(|id| batch::per_frame_name(id)).collect();
    let distinct: std::collections::HashSet<&String> = names.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "{names:?}");
    for name in &names {
        assert!(!name.starts_with('.') && !name.contains('/') && name.len() <= 255, "{name}");
    }
    assert_eq!(batch::per_frame_name("clip001-crf28"), "clip001-crf28.json");
    assert_eq!(batch::per_frame_name("a b"), "a%20b.json");
}

/// A non-empty file that is not a results file (here the one-row manifest itself) is
/// refused as `--output`, not "repaired" by cutting its line off; a torn record
/// prefix is still cut.
#[test]
fn a_file_that_is_not_a_results_file_is_refused_not_truncated() {
    let ws = Workspace::new();
    let rows = &good_rows()[..1];
    let one_line = csv(rows).lines().nth(1).unwrap().to_string();
    ws.write("not-results.csv", &one_line);
    ws.write("m.csv", csv(rows));
    let out = ws.run(&["batch", "m.csv", "-o", "not-results.csv"]);
    assert_eq!(out.status.code(), Some(exit::RESULTS.into()), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a results file"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(ws.path("not-results.csv")).unwrap(), one_line, "the file was changed");
    // A torn record prefix (a kill mid-write) is still cut off and its pair redone.
    ws.write("torn.jsonl", "{\"id\":\"odd_67x4");
    let out = ws.run(&["batch", "m.csv", "-o", "torn.jsonl", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ws.records("torn.jsonl").len(), 1);
}

/// A FIFO (or device) in a manifest used to stall the batch in `open` with no writer
/// (and the first SIGTERM did nothing): refused as that pair's error record at once.
#[test]
fn a_fifo_in_a_manifest_is_an_error_record_not_a_stall() {
    let ws = Workspace::new();
    let fifo = ws.path("pipe.y4m");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let mut rows = good_rows();
    rows.truncate(1);
    rows.push(("fifo".into(), "odd_67x45_8b_420.ref.y4m".into(), "pipe.y4m".into()));
    rows.push(("device".into(), "/dev/zero".into(), "odd_67x45_8b_420.dist.y4m".into()));
    ws.write("m.csv", csv(&rows));
    let started = Instant::now();
    let out = ws.run(&["batch", "m.csv", "-o", "r.jsonl", "--quiet"]);
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    assert_eq!(out.status.code(), Some(exit::PAIRS_FAILED.into()), "{}", stderr(&out));
    let recs = by_id(&ws.records("r.jsonl"));
    assert_eq!(recs.len(), 3);
    for (id, what) in [("fifo", "a FIFO, not a regular file"), ("device", "a device, not a regular file")] {
        assert_eq!(recs[id]["exit_code"], 3, "{}", recs[id]);
        assert!(recs[id]["error"].as_str().unwrap().contains(what), "{}", recs[id]);
    }
}
