//! The memory budget (`score::budget`, `--memory-limit`): the per-worker scratch bound
//! it reserves really bounds the scratch, a run under a tight limit uses fewer
//! workers and gives the same numbers, and a limit one frame pair cannot fit is
//! refused before anything is scored.

use std::path::Path;
use std::process::Command;

use tinyvmaf_gpu::features::{self, FeatureOptions, FeatureScratch};
use tinyvmaf_gpu::io::synthetic::synthetic_pair;
use tinyvmaf_gpu::io::{ChromaFormat, VideoInfo};
use tinyvmaf_gpu::score::budget;

const BIN: &str = env!("CARGO_BIN_EXE_tinyvmaf-gpu");

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sample").join(name).display().to_string()
}

#[test]
fn scratch_bound_holds() {
    // Odd sizes (band sides that round), a 10-bit clip, the NEG feature set beside the
    // default one, and a size large enough for the bound to be judged as tight.
    let sets = [FeatureOptions::default(), FeatureOptions::egl(1.0)];
    for (w, h, depth) in [(67, 45, 8), (321, 183, 10), (1280, 720, 8)] {
        let info = VideoInfo::new(w, h, ChromaFormat::Yuv420, depth).unwrap();
        let mut scratch = FeatureScratch::default();
        let mut previous = None;
        for t in 0..2 {
            let (r, d) = synthetic_pair(info, t);
            features::frame_features(&r.planes[0], &d.planes[0], previous.as_ref(), depth, &sets, &mut scratch);
            previous = Some(r.planes[0].clone());
        }
        let (held, bound) = (scratch.heap_bytes(), features::scratch_bytes_bound(w, h));
        assert!(held <= bound, "{w}x{h}: scratch holds {held} bytes, over the bound {bound}");
        if w * h >= 1 << 20 {
            // A loose bound would make the budget refuse what fits.
            assert!(bound * 4 <= held * 5, "{w}x{h}: bound {bound} is over 1.25 x the {held} bytes held");
        }
    }
}

fn score(extra: &[&str]) -> std::process::Output {
    let (r, d) = (sample("cell_small.ref.y4m"), sample("cell_small.dist.y4m"));
    let mut args = vec!["score", "--quiet", "--backend", "cpu", "-r", &r, "-d", &d, "--format", "json", "-o", "-"];
    args.extend(extra);
    Command::new(BIN).args(&args).output().unwrap()
}

fn frame_scores(out: &std::process::Output) -> Vec<serde_json::Value> {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    log["frames"].as_array().unwrap().iter().map(|f| f["metrics"].clone()).collect()
}

/// The smallest limit the CPU path accepts for `info` at `threads`: one worker.
fn smallest_limit(info: &VideoInfo, threads: usize) -> u64 {
    let (mut lo, mut hi) = (1u64, 1u64 << 40);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if budget::plan_cpu(info, threads, mid).is_ok() { hi = mid } else { lo = mid + 1 }
    }
    lo
}

#[test]
fn tight_memory_limit_uses_one_worker_and_gives_the_same_scores() {
    let reader = tinyvmaf_gpu::io::open(&tinyvmaf_gpu::io::InputSpec {
        path: sample("cell_small.ref.y4m").into(),
        raw: None,
    })
    .unwrap();
    let info = *reader.info();
    let limit = smallest_limit(&info, 2);
    let plan = budget::plan_cpu(&info, 2, limit).unwrap();
    assert_eq!((plan.workers, plan.pairs), (1, 1));

    let roomy = score(&["--threads", "2"]);
    let tight = score(&["--threads", "2", "--memory-limit", &limit.to_string()]);
    let stderr = String::from_utf8_lossy(&tight.stderr);
    assert!(stderr.contains("room for 1 worker thread(s) of the 2 asked"), "{stderr}");
    assert_eq!(frame_scores(&tight), frame_scores(&roomy));
}

#[test]
fn memory_limit_one_frame_cannot_fit_is_refused_with_exit_5() {
    let out = score(&["--memory-limit", "64M"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("more than the memory limit of 64.0 MiB; raise --memory-limit"), "{stderr}");
    assert!(out.stdout.is_empty(), "something was written: {}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn memory_limit_that_is_not_a_size_is_a_usage_error() {
    for bad in ["banana", "0", "-5G", "12X"] {
        let out = score(&["--memory-limit", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
