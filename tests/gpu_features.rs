//! Tier 1 and 2: every GPU pass against its CPU twin, bit for bit. Tier 1 uses random
//! and extreme planes (fixed seeds; odd, tiny and non-multiple-of-64 sizes; 8–16 bit;
//! samples above the bit depth); tier 2 the raw motion of every frame of oracle clips.
//! Without an adapter these tests print why and pass, unless TINYVMAF_REQUIRE_GPU=1.


use tinyvmaf_gpu::features::{self, motion as cpu};
use tinyvmaf_gpu::gpu::{self, DeviceOptions, GpuContext};
use tinyvmaf_gpu::io::{Frame, FrameSource, Plane, Y4mReader};

mod common;

use common::{Rng, shared_ctx as ctx};

#[derive(Clone, Copy, Debug)]
enum Fill {
    /// Uniform over 0..=max.
    Random,
    /// Random, but `cur` is `prev` plus small noise (realistic motion).
    Near,
    /// 0 and max in a checkerboard, inverted between the two planes (largest SAD).
    Extremes,
    /// Uniform over the whole u16 range whatever the bit depth: above 10 bits the
    /// readers pass such samples through and GPU and CPU must still agree; at 8 bits
    /// the GPU must refuse them (`common::refused_beyond_8_bit`).
    Beyond,
}

fn planes(w: usize, h: usize, stride_extra: (usize, usize), depth: u8, fill: Fill, seed: u64) -> (Plane, Plane) {
    let mut rng = Rng(seed);
    let max = (1u32 << depth) - 1;
    let mut prev = Plane::new(w + stride_extra.0, h);
    let mut cur = Plane::new(w + stride_extra.1, h + 1);
    for v in prev.data.iter_mut() {
        *v = match fill {
            Fill::Beyond => rng.next() as u16,
            _ => (rng.next() % (u64::from(max) + 1)) as u16,
        };
    }
    for (i, v) in cur.data.iter_mut().enumerate() {
        let (x, y) = (i % (w + stride_extra.1), i / (w + stride_extra.1));
        let p = prev.data.get(y * prev.width + x).copied().unwrap_or(0);
        *v = match fill {
            Fill::Random => (rng.next() % (u64::from(max) + 1)) as u16,
            Fill::Near => (i64::from(p) + (rng.next() % 9) as i64 - 4).clamp(0, i64::from(max)) as u16,
            Fill::Extremes => {
                if (x + y) % 2 == 0 { max as u16 } else { 0 }
            }
            Fill::Beyond => rng.next() as u16,
        };
    }
    if let Fill::Extremes = fill {
        for (i, v) in prev.data.iter_mut().enumerate() {
            let (x, y) = (i % prev.width, i / prev.width);
            *v = if (x + y) % 2 == 0 { 0 } else { max as u16 };
        }
    }
    (prev, cur)
}

/// The CPU twins' per-pass outputs: blur_v (row-major), row sums, their u64 sum.
fn cpu_passes(prev: &Plane, cur: &Plane, depth: u8) -> (Vec<i32>, Vec<u32>, u64) {
    let (w, h) = cpu::motion_extent(prev, cur).unwrap();
    let mut blur = vec![0i32; w * h];
    let mut rows = Vec::with_capacity(h);
    let mut padded = Vec::new();
    for y in 0..h {
        let row = &mut blur[y * w..(y + 1) * w];
        cpu::blur_v_row(prev, cur, w, h, y, depth.clamp(8, 16), row);
        rows.push(cpu::blur_h_sad_row(w, row, &mut padded) as u32);
    }
    let sad = rows.iter().map(|&r| u64::from(r)).sum();
    (blur, rows, sad)
}

const SIZES: &[(usize, usize)] = &[
    (67, 45),
    (1, 1),
    (2, 1),
    (1, 2),
    (3, 3),
    (5, 2),
    (64, 5),
    (65, 4),
    (127, 3),
    (129, 6),
    (200, 17),
];

#[test]
fn motion_passes_match_cpu_twins() {
    let Some(ctx) = ctx("motion_passes_match_cpu_twins") else { return };
    let mut cases = 0;
    for (si, &(w, h)) in SIZES.iter().enumerate() {
        for depth in [8u8, 10, 12, 16] {
            for (fi, fill) in [Fill::Random, Fill::Near, Fill::Extremes, Fill::Beyond].into_iter().enumerate() {
                let strides = [(0, 0), (3, 0), (0, 1)][(si + fi) % 3];
                let seed = (si as u64) << 16 | u64::from(depth) << 8 | fi as u64;
                let (prev, cur) = planes(w, h, strides, depth, fill, seed);
                let what = format!("{w}x{h} {depth}-bit {fill:?} strides {strides:?}");
                let motion = || features::motion::gpu::motion_sad(ctx, &prev, &cur, depth);
                if common::refused_beyond_8_bit(&[&prev, &cur], depth, motion) {
                    continue;
                }
                let (blur, rows, sad) = cpu_passes(&prev, &cur, depth);
                let gpu_blur = features::motion::gpu::motion_blur_v(ctx, &prev, &cur, depth).unwrap();
                assert_eq!(gpu_blur, blur, "motion_blur_v, {what}");
                let gpu_rows = features::motion::gpu::motion_row_sads(ctx, &prev, &cur, depth).unwrap();
                assert_eq!(gpu_rows, rows, "motion_blur_h_sad, {what}");
                assert_eq!(features::motion::gpu::motion_sad(ctx, &prev, &cur, depth).unwrap(), sad, "u64 SAD, {what}");
                let want = features::compute_motion_sad(&prev, &cur, depth);
                let got = features::motion::gpu::compute_motion_sad(ctx, &prev, &cur, depth).unwrap();
                assert_eq!(got.to_bits(), want.to_bits(), "score {got} vs {want}, {what}");
                cases += 1;
            }
        }
    }
    eprintln!("{cases} motion cases bit-identical on {:?}", ctx.adapter_summary().name);
}

#[test]
fn motion_degenerate_planes_score_zero_like_the_cpu() {
    let Some(ctx) = ctx("motion_degenerate_planes_score_zero_like_the_cpu") else { return };
    let empty = Plane::new(0, 0);
    let one = Plane::new(4, 4);
    let short = Plane { width: 4, height: 4, data: vec![7; 5] };
    for (a, b) in [(&empty, &one), (&one, &empty), (&short, &one), (&one, &short)] {
        let want = features::compute_motion_sad(a, b, 8);
        assert_eq!(features::motion::gpu::compute_motion_sad(ctx, a, b, 8).unwrap().to_bits(), want.to_bits());
    }
}

/// Calls on several threads, some sharing a frame size (and so a plan), some not,
/// must not see each other's planes or parameters.
#[test]
fn motion_is_exact_under_concurrent_calls() {
    let Some(ctx) = ctx("motion_is_exact_under_concurrent_calls") else { return };
    std::thread::scope(|s| {
        for t in 0..4u64 {
            s.spawn(move || {
                for i in 0..12u64 {
                    let (w, h) = [(67, 45), (33, 9), (67, 45), (5, 70)][((t + i) % 4) as usize];
                    let depth = [8, 10, 12, 16][(i % 4) as usize];
                    let (prev, cur) = planes(w, h, (0, 0), depth, Fill::Random, t << 32 | i);
                    let want = features::compute_motion_sad(&prev, &cur, depth);
                    let got = features::motion::gpu::compute_motion_sad(ctx, &prev, &cur, depth).unwrap();
                    assert_eq!(got.to_bits(), want.to_bits(), "thread {t} call {i}: {w}x{h} {depth}-bit");
                }
            });
        }
    });
}

/// Tier 2: the raw motion of every frame of a few oracle clips (8, 10, 12, 16 bit).
#[test]
fn oracle_clip_motion_matches_cpu() {
    let Some(ctx) = ctx("oracle_clip_motion_matches_cpu") else { return };
    let Some((_, clips)) = common::oracle_clips() else { return };
    let names = [
        "testsrc2_576x324__x264_crf28",
        "smpte_576x324_10b__x264_crf28",
        "tsrc2_420_12b__x264",
        "mandel_420_16b__x264",
        "cell_small_8b__blurnoise",
    ];
    for name in names {
        let file = std::fs::File::open(clips.join(format!("{name}.ref.y4m"))).unwrap();
        let mut reader = Y4mReader::new(file).unwrap();
        let depth = reader.info().bit_depth;
        let mut prev: Option<Frame> = None;
        let mut frames = 0;
        while let Some(cur) = reader.next_frame().unwrap() {
            if let Some(p) = &prev {
                let (a, b) = (&p.planes[0], &cur.planes[0]);
                let want = features::compute_motion_sad(a, b, depth);
                let got = features::motion::gpu::compute_motion_sad(ctx, a, b, depth).unwrap();
                assert_eq!(got.to_bits(), want.to_bits(), "{name} frame {frames}: {got} vs {want}");
            }
            prev = Some(cur);
            frames += 1;
        }
        assert!(frames > 1, "{name}: {frames} frames");
        eprintln!("{name}: {frames} frames, GPU motion bit-identical");
    }
}

#[test]
fn adapter_choice_is_typed_and_never_panics() {
    let Some(ctx) = ctx("adapter_choice_is_typed_and_never_panics") else { return };
    let listed = gpu::list_adapters(&DeviceOptions::default());
    assert!(!listed.is_empty(), "a context opened, so list_adapters must see an adapter");
    assert!(listed.contains(ctx.adapter_summary()), "{:?} not in {listed:?}", ctx.adapter_summary());
    let beyond = DeviceOptions { adapter: Some(listed.len()), ..Default::default() };
    match GpuContext::new(&beyond) {
        Err(gpu::GpuError::AdapterIndex { index, count }) => assert_eq!((index, count), (listed.len(), listed.len())),
        other => panic!("expected AdapterIndex, got {other:?}"),
    }
    // Opening by index gives that adapter.
    let last = listed.len() - 1;
    let by_index = GpuContext::new(&DeviceOptions { adapter: Some(last), ..Default::default() }).unwrap();
    assert_eq!(by_index.adapter_summary(), &listed[last]);
    // An API this build or machine lacks is a typed error, not a panic.
    let missing = if cfg!(target_os = "macos") { gpu::GpuApi::Dx12 } else { gpu::GpuApi::Metal };
    let none = GpuContext::new(&DeviceOptions { api: Some(missing), adapter: None, ..Default::default() });
    assert!(matches!(none, Err(gpu::GpuError::NoAdapter { .. })), "{none:?}");
}

#[test]
fn devices_command_lists_adapters_and_exits_0_without_any() {
    let bin = env!("CARGO_BIN_EXE_tinyvmaf-gpu");
    let out = std::process::Command::new(bin).args(["devices", "--json"]).env("XDG_RUNTIME_DIR", "/tmp").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let adapters = doc["adapters"].as_array().unwrap();
    let simd = doc["cpu"]["simd"].as_str().unwrap();
    assert!(doc["cpu"]["simd_available"].as_array().unwrap().iter().any(|l| l == simd), "{doc}");
    if common::gpu_required() {
        assert!(!adapters.is_empty());
    }
    for (i, a) in adapters.iter().enumerate() {
        assert_eq!(a["index"], i);
        for key in ["name", "backend", "device_type"] {
            assert!(a[key].is_string(), "{key} in {a}");
        }
    }
    // No adapter for the chosen API: a clear line, exit 0.
    let missing = if cfg!(target_os = "macos") { "dx12" } else { "metal" };
    let out = std::process::Command::new(bin).args(["devices", "--gpu-api", missing]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().count() == 1 && stdout.starts_with("CPU: "), "only the CPU line: {out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no GPU adapter found"), "{out:?}");
}
