//! Tier 2: whole clips through the GPU engine (`score::extract` with a GPU) equal the
//! CPU path bit for bit, and so libvmaf's log; the engine with frames in flight; the
//! start-up self-test; and `--backend` / `--check-gpu` through the binary.

mod common;

use std::process::Command;
use std::sync::Arc;

use serde_json::Value;
use tinyvmaf_gpu::features::{self, FeatureOptions};
use tinyvmaf_gpu::features::engine::{FeatureEngine, IN_FLIGHT};
use tinyvmaf_gpu::gpu::{DeviceOptions, GpuContext};
use tinyvmaf_gpu::io::Plane;
use tinyvmaf_gpu::io::InputSpec;
use tinyvmaf_gpu::score::{self, FeatureTable, ScoreOptions};

const BIN: &str = env!("CARGO_BIN_EXE_tinyvmaf-gpu");

fn ctx(what: &str) -> Option<Arc<GpuContext>> {
    common::or_skip(what, GpuContext::new(&DeviceOptions::default())).map(Arc::new)
}

/// libvmaf's default feature set and the NEG model's (enhancement-gain limit 1).
fn both_sets() -> Vec<FeatureOptions> {
    vec![FeatureOptions::default(), FeatureOptions::egl(1.0)]
}

fn assert_same_table(gpu: &FeatureTable, cpu: &FeatureTable, what: &str) {
    assert_eq!(gpu.frame_numbers, cpu.frame_numbers, "{what}: frame numbers");
    assert_eq!(gpu.columns.len(), cpu.columns.len(), "{what}: columns");
    for ((gn, gv), (cn, cv)) in gpu.columns.iter().zip(&cpu.columns) {
        assert_eq!(gn, cn, "{what}: column order");
        for (i, (g, c)) in gv.iter().zip(cv).enumerate() {
            assert_eq!(g.to_bits(), c.to_bits(), "{what}: {gn} frame {i}: GPU {g:?} CPU {c:?}");
        }
    }
}

/// Every frame of every oracle pair (8 to 16 bit, 4:2:0/4:2:2/4:4:4, 96x64 to
/// 1920x1080), both feature sets: the GPU's columns are the CPU's, bit for bit, and
/// equal libvmaf's logged features.
#[test]
fn every_oracle_pair_on_the_gpu_equals_the_cpu_and_libvmaf() {
    let Some(ctx) = ctx("every_oracle_pair_on_the_gpu_equals_the_cpu_and_libvmaf") else { return };
    let Some((oracle, clips)) = common::oracle_clips() else { return };
    // Both ways the shaders compute 64-bit integers: native u64 where the adapter has
    // `SHADER_INT64`, and u32 pairs (every adapter's path) on the same adapter.
    let mut contexts = vec![Arc::clone(&ctx)];
    if ctx.shader_options().int64 {
        contexts.push(Arc::new(GpuContext::new(&DeviceOptions { int64_off: true, ..Default::default() }).unwrap()));
    }
    let sets = both_sets();
    let cpu_options = ScoreOptions { threads: 2, ..ScoreOptions::default() };
    let mut frames = 0;
    for name in common::oracle_pairs(&oracle) {
        let extract = |options: &ScoreOptions| {
            let open = |kind: &str| tinyvmaf_gpu::io::open(&InputSpec { path: clips.join(format!("{name}.{kind}.y4m")), raw: None }).unwrap();
            let (mut r, mut d) = (open("ref"), open("dist"));
            score::extract(&mut r, &mut d, &sets, options, &|_| {}).unwrap()
        };
        let cpu = extract(&cpu_options);
        let logged = common::oracle_frames(&oracle, &name);
        for gpu_ctx in &contexts {
            let started = std::time::Instant::now();
            let gpu = extract(&ScoreOptions { gpu: Some(Arc::clone(gpu_ctx)), ..cpu_options.clone() });
            let gpu_seconds = started.elapsed().as_secs_f64();
            let path = if gpu_ctx.shader_options().int64 { "int64" } else { "u32 pairs" };
            assert_same_table(&gpu, &cpu, &format!("{name} ({path})"));
            for (column, values) in &gpu.columns {
                let key = if column == "integer_motion" { "VMAF_integer_feature_motion_sad_score" } else { column };
                for (i, (v, m)) in values.iter().zip(&logged).enumerate() {
                    assert_eq!(Some(*v), m[key].as_f64(), "{name} ({path}): {column} frame {i} against libvmaf");
                }
            }
            frames += gpu.frame_numbers.len();
            eprintln!("{name:40} {:3} frames bit-identical on the GPU, {path} ({gpu_seconds:.2} s)", gpu.frame_numbers.len());
        }
    }
    eprintln!("{frames} frames on {:?}, {} way(s) of 64-bit arithmetic", ctx.adapter_summary().name, contexts.len());
}

/// A deterministic frame: a gradient with texture and noise from `seed`.
fn plane(w: usize, h: usize, bit_depth: u8, seed: u32) -> Plane {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let max = (1u32 << bit_depth) - 1;
    let data = (0..w * h)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let (x, y) = ((i % w) as u32, (i / w) as u32);
            let base = (x * 7 + y * 3 + (x / 5 + y / 3) % 2 * 40) << (bit_depth - 8);
            ((base + (s & 0x1f)) % (max + 1)) as u16
        })
        .collect();
    Plane { width: w, height: h, data }
}

/// Fewer and more frames than there are slots, at sizes that are odd, smaller than a
/// workgroup, or make a scale vanish: each returned frame is the CPU's.
#[test]
fn engine_returns_every_frame_in_order_equal_to_the_cpu() {
    let Some(ctx) = ctx("engine_returns_every_frame_in_order_equal_to_the_cpu") else { return };
    let sets = both_sets();
    for (w, h, bit_depth) in [(96, 64, 8), (67, 45, 10), (33, 17, 12), (9, 7, 8), (130, 33, 16)] {
        for frames in [1, IN_FLIGHT, IN_FLIGHT + 2] {
            let clip: Vec<(Plane, Plane)> = (0..frames as u32)
                .map(|t| (plane(w, h, bit_depth, 2 * t), plane(w, h, bit_depth, 2 * t + 1)))
                .collect();
            let mut engine = FeatureEngine::new(&ctx, w, h, bit_depth, &sets).unwrap();
            let mut got = Vec::new();
            for (r, d) in &clip {
                got.extend(engine.push(r, d).unwrap());
            }
            got.extend(engine.finish().unwrap());
            assert_eq!(got.len(), frames, "{w}x{h}");
            let mut scratch = features::FeatureScratch::default();
            for (i, (g, (r, d))) in got.iter().zip(&clip).enumerate() {
                let prev = i.checked_sub(1).map(|p| &clip[p].0);
                let want = features::frame_features(r, d, prev, bit_depth, &sets, &mut scratch);
                assert_eq!(g, &want, "{w}x{h} {bit_depth}-bit, frame {i} of {frames}");
            }
        }
    }
}

/// What a frame costs the GPU today, pass by pass (update when passes are fused):
/// VIF 4 scales × (filter, stats) + 3 downsamples = 11, the same for one or two gain
/// limits (`vif_stats` computes both); ADM 4
/// scales × (DWT, decouple_csf, rows) = 12, of which a second set (NEG) shares the
/// DWT: 8 more; motion 2 (blur, then blur and SAD). And
/// two luma planes: one byte a sample at 8 bits, two at 10 (an odd-sized plane's last
/// word padded). `bench --json` reports the same numbers.
#[test]
fn engine_and_bench_report_dispatches_and_upload_bytes_per_frame() {
    use tinyvmaf_gpu::features::engine::FrameCost;
    let Some(ctx) = ctx("engine_and_bench_report_dispatches_and_upload_bytes_per_frame") else { return };
    let plane_bytes = 96 * 64;
    let one = FeatureEngine::new(&ctx, 96, 64, 8, &[FeatureOptions::default()]).unwrap();
    assert_eq!(one.frame_cost(), FrameCost { dispatches: 11 + 12 + 2, upload_bytes: 2 * plane_bytes });
    let both = FeatureEngine::new(&ctx, 96, 64, 8, &both_sets()).unwrap();
    assert_eq!(both.frame_cost(), FrameCost { dispatches: 11 + 12 + 8 + 2, upload_bytes: 2 * plane_bytes });
    let ten = FeatureEngine::new(&ctx, 95, 63, 10, &[FeatureOptions::default()]).unwrap();
    assert_eq!(ten.frame_cost().upload_bytes, 2 * (95 * 63 * 2 + 2));
    let odd = FeatureEngine::new(&ctx, 95, 63, 8, &[FeatureOptions::default()]).unwrap();
    assert_eq!(odd.frame_cost().upload_bytes, 2 * (95 * 63 + 3));
    let out = Command::new(BIN)
        .args(["bench", "--size", "96x64", "--bit-depth", "8", "--frames", "2", "--gpu-only", "--json", "--passes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let row: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(row["dispatches_per_frame"], 25, "{row}");
    assert_eq!(row["upload_bytes_per_frame"], 2 * plane_bytes, "{row}");
    // --passes: every pass once, in run order, each with a positive time.
    let names: Vec<&str> = row["pass_times"].as_array().unwrap().iter().map(|p| p[0].as_str().unwrap()).collect();
    let mut want: Vec<&str> = ["vif_filter", "vif_stats", "vif_downsample"].to_vec();
    want.extend(["adm_dwt_s0", "adm_decouple_csf", "adm_rows", "adm_dwt_s123"]);
    want.extend(["motion_blur_v", "motion_blur_h_sad"]);
    assert_eq!(names, want, "{row}");
    assert!(row["pass_times"].as_array().unwrap().iter().all(|p| p[1].as_f64().unwrap() > 0.0), "{row}");
    // Read from the GPU's timestamps where the adapter has them (lavapipe does).
    let clock = if ctx.facts().timestamps { "gpu timestamps" } else { "wall" };
    assert_eq!(row["pass_clock"], clock, "{row}");
    // --neg: a second row per backend for VMAF+NEG, with the adapter's facts.
    let out = Command::new(BIN)
        .args(["bench", "--size", "96x64", "--bit-depth", "8", "--frames", "2", "--gpu-only", "--json", "--neg"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<Value> = out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect();
    let summary: Vec<(&str, u64)> = rows.iter().map(|r| (r["sets"].as_str().unwrap(), r["dispatches_per_frame"].as_u64().unwrap())).collect();
    assert_eq!(summary, [("vmaf", 25), ("vmaf+neg", 33)], "{rows:?}");
    let facts = &rows[0]["device"];
    assert_eq!(facts["int64_used"], ctx.shader_options().int64, "{facts}");
    assert!(facts["timestamps"].is_boolean() && facts["subgroups"].is_boolean(), "{facts}");
}

#[test]
fn engine_refuses_a_frame_of_another_size() {
    let Some(ctx) = ctx("engine_refuses_a_frame_of_another_size") else { return };
    let mut engine = FeatureEngine::new(&ctx, 32, 32, 8, &both_sets()).unwrap();
    let err = engine.push(&plane(32, 30, 8, 1), &plane(32, 30, 8, 2)).unwrap_err();
    assert!(err.to_string().contains("32x30"), "{err}");
}

#[test]
fn self_test_passes_on_this_adapter() {
    let Some(ctx) = ctx("self_test_passes_on_this_adapter") else { return };
    score::select::self_test(&ctx).unwrap();
}

fn sample(kind: &str) -> String {
    common::manifest_dir().join(format!("tests/data/sample/cell_small.{kind}.y4m")).display().to_string()
}

fn score_json(extra: &[&str]) -> (std::process::Output, Option<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("log.json");
    let output = Command::new(BIN)
        .args(["score", "--quiet", "-r", &sample("ref"), "-d", &sample("dist"), "-m", "vmaf_v0.6.1", "-m", "vmaf_v0.6.1neg"])
        .args(["--psnr", "-o"])
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    let log = std::fs::read_to_string(&out).ok().map(|s| serde_json::from_str(&s).unwrap());
    (output, log)
}

/// `score --backend gpu --check-gpu` writes the CPU run's frames exactly and names
/// the backend and adapter in the log.
#[test]
fn score_backend_gpu_equals_cpu_and_names_the_adapter() {
    let Some(ctx) = ctx("score_backend_gpu_equals_cpu_and_names_the_adapter") else { return };
    let (gpu_run, gpu_log) = score_json(&["--backend", "gpu", "--check-gpu"]);
    assert!(gpu_run.status.success(), "{}", String::from_utf8_lossy(&gpu_run.stderr));
    let (cpu_run, cpu_log) = score_json(&["--backend", "cpu"]);
    assert!(cpu_run.status.success(), "{}", String::from_utf8_lossy(&cpu_run.stderr));
    let (gpu_log, cpu_log) = (gpu_log.unwrap(), cpu_log.unwrap());
    assert_eq!(gpu_log["frames"], cpu_log["frames"]);
    assert_eq!(gpu_log["pooled_metrics"], cpu_log["pooled_metrics"]);
    let context = &gpu_log["tinyvmaf"]["context"];
    assert_eq!(context["backend"], "gpu");
    assert_eq!(context["adapter"].as_str(), Some(ctx.adapter_summary().name.as_str()));
    assert_eq!(cpu_log["tinyvmaf"]["context"]["backend"], "cpu");
}

/// `--backend gpu` without a usable adapter is an error (exit 31) naming the problem,
/// and writes no log.
#[test]
fn score_backend_gpu_without_that_adapter_exits_31() {
    let (run, log) = score_json(&["--backend", "gpu", "--adapter", "99"]);
    assert_eq!(run.status.code(), Some(31), "{}", String::from_utf8_lossy(&run.stderr));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("adapter") && stderr.contains("99") || stderr.contains("no GPU adapter"), "{stderr}");
    assert!(log.is_none(), "no log may be written");
}

/// `--backend auto` does not use a software adapter (it is slower than the CPU path);
/// on a machine whose only adapter is software it runs on the CPU.
#[test]
fn score_backend_auto_skips_software_adapters() {
    let Some(ctx) = ctx("score_backend_auto_skips_software_adapters") else { return };
    let (run, log) = score_json(&["--backend", "auto"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let want = if ctx.adapter_summary().device_type == "cpu" { "cpu" } else { "gpu" };
    assert_eq!(log.unwrap()["tinyvmaf"]["context"]["backend"], want);
}

/// Reads an input and destroys the GPU device when frame `at` is read, as a driver
/// reset would in the middle of a run.
struct LoseDeviceAt {
    inner: Box<dyn tinyvmaf_gpu::io::FrameSource + Send>,
    ctx: Arc<GpuContext>,
    at: u64,
    read: u64,
}

impl tinyvmaf_gpu::io::FrameSource for LoseDeviceAt {
    fn info(&self) -> &tinyvmaf_gpu::io::VideoInfo {
        self.inner.info()
    }
    fn next_frame(&mut self) -> Result<Option<tinyvmaf_gpu::io::Frame>, tinyvmaf_gpu::io::IoError> {
        if self.read == self.at {
            self.ctx.lose_device();
        }
        self.read += 1;
        self.inner.next_frame()
    }
}

/// A device lost mid-run: the run finishes on the CPU from the first unfinished frame,
/// with one note saying so, and every number equals an all-CPU run.
#[test]
fn a_lost_device_mid_run_continues_on_the_cpu_with_the_same_numbers() {
    let Some(ctx) = ctx("a_lost_device_mid_run_continues_on_the_cpu_with_the_same_numbers") else { return };
    let sets = both_sets();
    let open = |kind: &str| tinyvmaf_gpu::io::open(&InputSpec { path: sample(kind).into(), raw: None }).unwrap();
    let cpu = {
        let (mut r, mut d) = (open("ref"), open("dist"));
        score::extract(&mut r, &mut d, &sets, &ScoreOptions::default(), &|_| {}).unwrap()
    };
    let (mut r, mut d) = (open("ref"), open("dist"));
    let source = std::mem::replace(&mut r.source, Box::new(tinyvmaf_gpu::io::synthetic::SyntheticSource::pair(*d.info(), 1, 0).0));
    r.source = Box::new(LoseDeviceAt { inner: source, ctx: Arc::clone(&ctx), at: 5, read: 0 });
    let options = ScoreOptions { gpu: Some(Arc::clone(&ctx)), ..ScoreOptions::default() };
    let gpu = score::extract(&mut r, &mut d, &sets, &options, &|_| {}).unwrap();
    assert_eq!(gpu.notes.len(), 1, "{:?}", gpu.notes);
    assert!(gpu.notes[0].contains("failed at frame"), "{}", gpu.notes[0]);
    assert_same_table(&gpu, &cpu, "device lost at frame 5");
}

/// VMAF v1's ADM options (CSF mode 2, noise weight, dlm weight), motion's cap and its
/// five-frame window (the SAD against the frame two back) run on the GPU and give the
/// CPU's numbers, checked frame by frame (`check_gpu`) and column by column.
#[test]
fn vmaf_v1_options_on_the_gpu_equal_the_cpu() {
    use tinyvmaf_gpu::features::motion::MotionOptions;
    let Some(ctx) = ctx("vmaf_v1_options_on_the_gpu_equal_the_cpu") else { return };
    let Some((_, clips)) = common::oracle_clips() else { return };
    let name = "testsrc2_576x324__x264_crf28";
    let v1 = FeatureOptions::vmaf_v1_adm();
    let capped = MotionOptions { max_val: 18.0, ..MotionOptions::default() };
    let hfr = MotionOptions { five_frame_window: true, moving_average: true, ..capped };
    for (sets, motion) in [
        (vec![FeatureOptions::default(), v1], vec![capped]),
        (vec![FeatureOptions::default()], vec![capped, hfr]),
        (vec![FeatureOptions::default(), v1], vec![hfr]),
    ] {
        let cpu_options = ScoreOptions { threads: 2, motion, ..ScoreOptions::default() };
        let gpu_options = ScoreOptions { gpu: Some(Arc::clone(&ctx)), check_gpu: true, ..cpu_options.clone() };
        let extract = |options: &ScoreOptions| {
            let open = |kind: &str| tinyvmaf_gpu::io::open(&InputSpec { path: clips.join(format!("{name}.{kind}.y4m")), raw: None }).unwrap();
            let (mut r, mut d) = (open("ref"), open("dist"));
            score::extract(&mut r, &mut d, &sets, options, &|_| {}).unwrap()
        };
        let (gpu, cpu) = (extract(&gpu_options), extract(&cpu_options));
        assert_same_table(&gpu, &cpu, name);
        assert!(gpu.notes.is_empty(), "{:?}", gpu.notes);
    }
}
