//! Tier 1 and 2 for VIF: the GPU (`gpu::vif`) against the CPU (`features::vif`), bit
//! for bit — whole frames on random, smooth, flat and extreme planes (fixed seeds; odd,
//! tiny and non-multiple-of-64 sizes; 8–16 bit; gain limits 100 and 1), every pass's
//! output where it can be read back, the soft-f64 statistic on chosen σ triplets, the
//! plan API as the frame engine uses it, and frames of two oracle clips.
//! Without an adapter these tests print why and pass, unless TINYVMAF_REQUIRE_GPU=1.


use tinyvmaf_gpu::features::tables::{VIF_EPS, VIF_SIGMA_NSQ, vif_log2_table};
use tinyvmaf_gpu::features::vif as cpu;
use tinyvmaf_gpu::features::vif::gpu::{self as gpu_vif, VifPlan};
use tinyvmaf_gpu::features::oneshot::ScalePlan;
use tinyvmaf_gpu::gpu::{GpuContext, GpuError};
use tinyvmaf_gpu::io::{FrameSource, Plane, Y4mReader};

mod common;

use common::{Rng, shared_ctx as ctx};

#[derive(Clone, Copy, Debug)]
enum Fill {
    /// Independent uniform planes over 0..=max.
    Random,
    /// A smooth random field, the distorted plane that plus noise (the log branch of
    /// the statistic, with gains near 1).
    Near,
    /// Uniform over the whole u16 range whatever the bit depth: above 10 bits the
    /// readers pass such samples through and GPU and CPU must still agree; at 8 bits
    /// the GPU must refuse them (`common::refused_beyond_8_bit`).
    Beyond,
    /// A horizontal gradient, distorted = reference scaled by 3/4 (gains < 1).
    Smooth,
    /// Both planes constant: 0.
    Zero,
    /// Both planes constant: max.
    Max,
    /// 0 / max checkerboard, inverted in the distorted plane.
    Checker,
}

fn planes(w: usize, h: usize, depth: u8, fill: Fill, seed: u64) -> (Plane, Plane) {
    let mut rng = Rng(seed);
    let max = (1u64 << depth) - 1;
    let mut r = Plane::new(w, h);
    let mut d = Plane::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let (a, b) = match fill {
                Fill::Random => (rng.below(max + 1), rng.below(max + 1)),
                Fill::Near => {
                    let base = ((x as f64 * 0.31).sin() * 0.4 + (y as f64 * 0.17).cos() * 0.3 + 0.5) * max as f64;
                    let a = (base as i64 + rng.below(max / 16 + 1) as i64).clamp(0, max as i64);
                    let b = (a + rng.below(max / 32 + 3) as i64 - (max / 64) as i64 - 1).clamp(0, max as i64);
                    (a as u64, b as u64)
                }
                Fill::Beyond => (rng.next() & 0xffff, rng.next() & 0xffff),
                Fill::Smooth => {
                    let a = (x * max as usize / w.max(1)) as u64;
                    (a, a * 3 / 4)
                }
                Fill::Zero => (0, 0),
                Fill::Max => (max, max),
                Fill::Checker => {
                    let a = if (x + y) % 2 == 0 { max } else { 0 };
                    (a, max - a)
                }
            };
            r.data[i] = a as u16;
            d.data[i] = b as u16;
        }
    }
    (r, d)
}

fn bits(v: [(f32, f32); 4]) -> [(u32, u32); 4] {
    v.map(|(n, d)| (n.to_bits(), d.to_bits()))
}

fn check_frame(ctx: &GpuContext, r: &Plane, d: &Plane, depth: u8, gain: f64, what: &str) {
    if common::refused_beyond_8_bit(&[r, d], depth, || gpu_vif::compute_vif_num_den(ctx, r, d, depth, gain)) {
        return;
    }
    let want = cpu::compute_vif_num_den(r, d, depth, gain);
    let got = gpu_vif::compute_vif_num_den(ctx, r, d, depth, gain).unwrap();
    assert_eq!(bits(got), bits(want), "{what}: GPU {got:?} vs CPU {want:?}");
}

const SIZES: &[(usize, usize)] = &[
    (1, 1),
    (2, 1),
    (1, 2),
    (3, 3),
    (7, 5),
    (16, 16),
    (33, 17),
    (64, 9),
    (65, 40),
    (97, 130),
];

#[test]
fn vif_matches_cpu_on_random_planes() {
    let Some(ctx) = ctx("vif_matches_cpu_on_random_planes") else { return };
    let start = std::time::Instant::now();
    let mut cases = 0;
    for (si, &(w, h)) in SIZES.iter().enumerate() {
        for depth in [8u8, 10, 12, 16] {
            for (fi, fill) in [Fill::Random, Fill::Near, Fill::Beyond].into_iter().enumerate() {
                let gain = [100.0, 1.0][(si + fi + depth as usize / 2) % 2];
                let seed = (si as u64) << 16 | u64::from(depth) << 8 | fi as u64;
                let (r, d) = planes(w, h, depth, fill, seed);
                check_frame(ctx, &r, &d, depth, gain, &format!("{w}x{h} {depth}-bit {fill:?} gain {gain}"));
                cases += 1;
            }
        }
    }
    eprintln!("{cases} VIF frames bit-identical in {:?} on {:?}", start.elapsed(), ctx.adapter_summary().name);
}

#[test]
fn vif_matches_cpu_on_smooth_flat_and_extreme_planes() {
    let Some(ctx) = ctx("vif_matches_cpu_on_smooth_flat_and_extreme_planes") else { return };
    for &(w, h) in &[(1, 1), (7, 5), (40, 33), (130, 20)] {
        for depth in [8u8, 10, 16] {
            for fill in [Fill::Smooth, Fill::Zero, Fill::Max, Fill::Checker] {
                for gain in [100.0, 1.0] {
                    let (r, d) = planes(w, h, depth, fill, 7);
                    check_frame(ctx, &r, &d, depth, gain, &format!("{w}x{h} {depth}-bit {fill:?} gain {gain}"));
                    // and the identical pair
                    check_frame(ctx, &r, &r, depth, gain, &format!("{w}x{h} {depth}-bit {fill:?} self"));
                }
            }
        }
    }
}

/// Gain limits other than libvmaf's two, down to degenerate ones, and planes of
/// different widths (the compared area is the smaller one) or too short (zeros).
#[test]
fn vif_odd_gain_limits_and_plane_shapes_match_cpu() {
    let Some(ctx) = ctx("vif_odd_gain_limits_and_plane_shapes_match_cpu") else { return };
    let (r, d) = planes(45, 37, 10, Fill::Near, 11);
    for gain in [3.7, 0.25, 0.0, -0.0, -2.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 1e-170, 1e300] {
        check_frame(ctx, &r, &d, 10, gain, &format!("gain {gain}"));
    }
    let (wide, _) = planes(50, 37, 10, Fill::Near, 12);
    check_frame(ctx, &wide, &d, 10, 100.0, "reference wider than distorted");
    check_frame(ctx, &r, &wide, 10, 100.0, "distorted wider than reference");
    let short = Plane { width: 45, height: 37, data: vec![3; 100] };
    check_frame(ctx, &short, &d, 10, 100.0, "short plane");
    check_frame(ctx, &Plane::new(0, 0), &d, 10, 100.0, "empty plane");
    // bit depths outside 8..=16 are clamped like on the CPU
    check_frame(ctx, &r, &d, 4, 100.0, "bit depth 4");
}

/// Every pass's output: the downsampled images, σ1²/σ2²/σ12 and the row partials of
/// each scale.
#[test]
fn vif_passes_match_cpu_twins() {
    let Some(ctx) = ctx("vif_passes_match_cpu_twins") else { return };
    for (w, h, depth, fill, gain) in [
        (33usize, 17usize, 10u8, Fill::Near, 100.0),
        (97, 130, 8, Fill::Near, 1.0),
        (65, 40, 16, Fill::Beyond, 100.0),
        (70, 66, 12, Fill::Random, 100.0),
        // Wider than one workgroup's row segment at every scale's input (the
        // downsample's tile spans 256 input columns), odd widths.
        (1201, 9, 8, Fill::Random, 100.0),
        (1031, 7, 10, Fill::Near, 1.0),
    ] {
        let (r, d) = planes(w, h, depth, fill, w as u64);
        let what = format!("{w}x{h} {depth}-bit {fill:?}");
        let want = cpu::vif_trace(&r, &d, depth, gain);
        let (got, num_den) = gpu_vif::vif_trace(ctx, &r, &d, depth, gain).unwrap();
        assert_eq!(got.len(), want.scales.len(), "{what}: scale count");
        for (s, (g, c)) in got.iter().zip(&want.scales).enumerate() {
            assert_eq!((g.width, g.height), (c.width, c.height), "{what} scale {s}");
            if s > 0 {
                assert_eq!(g.reference, c.reference, "{what} scale {s}: vif_downsample (reference)");
                assert_eq!(g.distorted, c.distorted, "{what} scale {s}: vif_downsample (distorted)");
            }
            for k in 0..3 {
                assert_eq!(g.sigmas[k], c.sigmas[k], "{what} scale {s}: vif_filter, output {k}");
            }
            let total = c.partials.iter().fold(cpu::VifPartial::default(), |t, p| cpu::VifPartial {
                num_log: t.num_log + p.num_log,
                den_log: t.den_log + p.den_log,
                num_nonlog: t.num_nonlog + p.num_nonlog,
                count: t.count + p.count,
            });
            assert_eq!(g.total, total, "{what} scale {s}: vif_stats");
        }
        assert_eq!(bits(num_den), bits(want.num_den), "{what}: result");
    }
}

/// The soft-f64 statistic on the GPU, on σ triplets chosen to hit its edges: gains at
/// and around the limit, σ2² − g·σ12 near 0 and near integers, extreme σ values.
#[test]
fn vif_stats_matches_cpu_on_chosen_sigmas() {
    let Some(ctx) = ctx("vif_stats_matches_cpu_on_chosen_sigmas") else { return };
    let (w, h) = (193usize, 64usize);
    let mut rng = Rng(99);
    let mut triplets = Vec::with_capacity(w * h);
    let mut gains = Vec::new();
    while triplets.len() < 3 * w * h {
        let s1 = match rng.below(6) {
            0 => VIF_SIGMA_NSQ,
            1 => i32::MAX - rng.below(3) as i32,
            2 => VIF_SIGMA_NSQ - 1 - rng.below(1000) as i32, // the non-log branch
            _ => (rng.next() as u32 >> rng.below(15)).min(i32::MAX as u32) as i32,
        };
        let s12 = match rng.below(6) {
            0 => 1 + rng.below(50) as i32,
            1 => i32::MAX,
            2 => s1.saturating_add(rng.below(3) as i32 - 1),
            3 => -(rng.below(1000) as i32),
            _ => (rng.next() as u32 >> (1 + rng.below(31))) as i32,
        };
        let g = f64::from(s12) / (f64::from(s1) + VIF_EPS);
        let t = g * f64::from(s12);
        let s2 = match rng.below(4) {
            0 if t > 0.0 && t < 2.0e9 => ((t as i64) + rng.below(4) as i64 - 1).clamp(0, i32::MAX as i64) as i32,
            1 => rng.below(3) as i32,
            _ => (rng.next() as u32 >> (1 + rng.below(31))) as i32,
        };
        if triplets.len() % 3000 == 0 && g > 0.0 {
            gains.push(g);
        }
        triplets.extend([s1, s2, s12]);
    }
    let mut limits = vec![100.0, 1.0, 3.7, f64::NAN, -1.0];
    limits.extend(gains.iter().take(3));
    for gain in limits {
        let got = gpu_vif::vif_stats_rows(ctx, w, h, &triplets, gain).unwrap();
        for y in 0..h {
            let row = &triplets[3 * w * y..3 * w * (y + 1)];
            let col = |k: usize| row.iter().skip(k).step_by(3).copied().collect::<Vec<i32>>();
            let want = cpu::stats_row(&col(0), &col(1), &col(2), gain, vif_log2_table());
            assert_eq!(got[y], want, "row {y}, gain limit {gain:e}");
        }
    }
}

fn buffer(ctx: &GpuContext, plane: &Plane) -> wgpu::Buffer {
    let (_, _, device, queue) = ctx.wgpu_parts();
    let mut data: Vec<u8> = plane.data.iter().flat_map(|v| v.to_le_bytes()).collect();
    data.resize(data.len().next_multiple_of(4).max(4), 0);
    let b = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("test input"),
        size: data.len() as u64,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    queue.write_buffer(&b, 0, &data);
    b
}

/// The frame engine's use: two plans of the same size bound to different inputs
/// (frames in flight), recorded into one encoder, read back after one submit; the
/// second for two gain limits at once (the default and the NEG set's).
#[test]
fn vif_plans_record_into_one_submission() {
    let Some(ctx) = ctx("vif_plans_record_into_one_submission") else { return };
    let (_, _, device, queue) = ctx.wgpu_parts();
    let (w, h) = (61usize, 35usize);
    let frames: Vec<(Plane, Plane)> = (0..2).map(|i| planes(w, h, 10, Fill::Near, 500 + i)).collect();
    let inputs: Vec<(wgpu::Buffer, wgpu::Buffer)> =
        frames.iter().map(|(r, d)| (buffer(ctx, r), buffer(ctx, d))).collect();
    let limits: [&[f64]; 2] = [&[100.0], &[1.0, 100.0]];
    let plans: Vec<VifPlan> =
        inputs.iter().zip(limits).map(|((r, d), l)| VifPlan::with_gains(ctx, w, h, 10, l, r, d).unwrap()).collect();
    let three = VifPlan::with_gains(ctx, w, h, 10, &[1.0, 2.0, 3.0], &inputs[0].0, &inputs[0].1);
    assert!(matches!(three, Err(GpuError::Unsupported { .. })), "{three:?}");
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
    let mut staging = Vec::new();
    for plan in &plans {
        plan.encode(ctx, &mut encoder).unwrap();
        let (result, words) = plan.result();
        let s = device.create_buffer(&wgpu::BufferDescriptor {
            label: None,
            size: (words * 4) as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        encoder.copy_buffer_to_buffer(result, 0, &s, 0, (words * 4) as u64);
        staging.push(s);
    }
    queue.submit([encoder.finish()]);
    for s in &staging {
        s.slice(..).map_async(wgpu::MapMode::Read, |r| r.unwrap());
    }
    device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
    for (((plan, s), (r, d)), l) in plans.iter().zip(&staging).zip(&frames).zip(limits) {
        let words: Vec<u32> =
            s.slice(..).get_mapped_range().unwrap().chunks_exact(4).map(|b| u32::from_le_bytes(b.try_into().unwrap())).collect();
        assert_eq!(words.len(), 32 * l.len());
        for (k, &gain) in l.iter().enumerate() {
            assert_eq!(bits(plan.decode_gain(&words, k)), bits(cpu::compute_vif_num_den(r, d, 10, gain)), "gain limit {gain}");
        }
        assert_eq!(bits(plan.decode(&words)), bits(cpu::compute_vif_num_den(r, d, 10, l[0])));
    }
}

#[test]
fn vif_beyond_device_limits_is_a_typed_error() {
    let Some(ctx) = ctx("vif_beyond_device_limits_is_a_typed_error") else { return };
    let small = buffer(ctx, &Plane::new(4, 4));
    let too_wide = VifPlan::new(ctx, 1 << 24, 1 << 12, 8, 100.0, &small, &small);
    assert!(matches!(too_wide, Err(GpuError::TooLarge { .. })), "{too_wide:?}");
    // inputs smaller than the plane: an error, not a silent read of zeros
    let short = VifPlan::new(ctx, 64, 64, 8, 100.0, &small, &small);
    assert!(matches!(short, Err(GpuError::Device { .. })), "{short:?}");
    // an empty frame: a plan with nothing to do, every scale (0, 0)
    let empty = VifPlan::new(ctx, 0, 5, 8, 100.0, &small, &small).unwrap();
    assert_eq!(bits(empty.decode(&[7; 32])), bits([(0.0, 0.0); 4]));
}

/// Tier 2: the first frames of an 8-bit and a 10-bit oracle clip, both gain limits.
#[test]
fn oracle_clip_vif_matches_cpu() {
    let Some(ctx) = ctx("oracle_clip_vif_matches_cpu") else { return };
    let Some((_, clips)) = common::oracle_clips() else { return };
    for name in ["testsrc2_576x324__x264_crf28", "smpte_576x324_10b__x264_crf28"] {
        let open = |kind: &str| {
            let file = std::fs::File::open(clips.join(format!("{name}.{kind}.y4m"))).unwrap();
            Y4mReader::new(file).unwrap()
        };
        let (mut r, mut d) = (open("ref"), open("dist"));
        let depth = r.info().bit_depth;
        for frame in 0..3 {
            let (Some(a), Some(b)) = (r.next_frame().unwrap(), d.next_frame().unwrap()) else { break };
            for gain in [100.0, 1.0] {
                check_frame(ctx, &a.planes[0], &b.planes[0], depth, gain, &format!("{name} frame {frame} gain {gain}"));
            }
        }
        eprintln!("{name}: 3 frames, GPU VIF bit-identical");
    }
}

/// The WGSL soft-f64 functions themselves (the section of `shaders/vif_stats.wgsl`
/// between its `64-bit words` and `the statistic` markers, compiled into a test-only
/// kernel) against their Rust twins in `features::softf64`, which the unit tests prove
/// equal to native f64. End-to-end VIF alone cannot see every slip: a rounding detail
/// rarely survives the truncations and the 16-bit log table.
#[test]
fn soft_f64_wgsl_matches_rust_twin() {
    use tinyvmaf_gpu::features::softf64::{self as sf, f64_bits};
    use tinyvmaf_gpu::features::wide;
    // Both ways the helpers the soft double calls compute (native u64, u32 pairs).
    for ctx in common::int64_paths("soft_f64_wgsl_matches_rust_twin") {
        let (_, _, device, queue) = ctx.wgpu_parts();
        let stats = tinyvmaf_gpu::features::vif::gpu::VIF_STATS.file;
        let begin = stats.find("// ---- 64-bit words").expect("start marker");
        let end = stats.find("// ---- the statistic ----").expect("end marker");
        let source = format!(
            "{}\n{}\n{}",
            tinyvmaf_gpu::features::prelude::wgsl_prelude(ctx.shader_options()),
            &stats[begin..end],
            r#"
@group(0) @binding(0) var<storage, read> ops_in: array<u32>;
@group(0) @binding(1) var<storage, read_write> ops_out: array<u32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= arrayLength(&ops_in) / 4u) {
        return;
    }
    let a = vec2<u32>(ops_in[4u * i], ops_in[4u * i + 1u]);
    let b = vec2<u32>(ops_in[4u * i + 2u], ops_in[4u * i + 3u]);
    var r = array<vec2<u32>, 8>(
        f64_add(a, b),
        f64_sub(a, b),
        f64_mul(a, b),
        f64_div(a, b),
        vec2<u32>(u32(f64_trunc_i32(a)), select(0u, 1u, f64_ge_pos(a, b))),
        f64_trunc_i64(a),
        f64_from_u32(a.x),
        w64_shr_jam(mul_u32_wide(a.x, b.y), b.x & 127u),
    );
    for (var k = 0u; k < 8u; k++) {
        ops_out[16u * i + 2u * k] = r[k].x;
        ops_out[16u * i + 2u * k + 1u] = r[k].y;
    }
}
"#
        );
        // Operands in the functions' domain (non-negative, see `features::softf64`): every
        // exponent, few-bit significands, integers around 2^53 and their products (ties),
        // close pairs (cancellation), VIF's own values, and the special values.
        let mut rng = Rng(2024);
        let mut pairs: Vec<(f64, f64)> = Vec::new();
        let specials = [0.0, 1.0, 2.0, 0.5, VIF_EPS, 131072.0, 2147483647.0, f64::MAX, f64::MIN_POSITIVE, 5e-324, f64::INFINITY];
        for &a in &specials {
            for &b in &specials {
                pairs.push((a, b));
            }
        }
        let int_bits = |rng: &mut Rng, bits: u64| (1u64 << (bits - 1)) | (rng.next() & ((1u64 << (bits - 1)) - 1));
        while pairs.len() < 1 << 18 {
            let pair = match rng.below(5) {
                0 => (f64::from_bits(rng.next() >> 1), f64::from_bits(rng.next() >> 1)),
                1 => {
                    let x = 1 + rng.below(40);
                    let y = (53 + rng.below(3)).saturating_sub(x).clamp(1, 53);
                    (int_bits(&mut rng, x) as f64, int_bits(&mut rng, y) as f64)
                }
                2 => {
                    let (x, y) = (50 + rng.below(5), 1 + rng.below(54));
                    (int_bits(&mut rng, x) as f64, int_bits(&mut rng, y) as f64)
                }
                3 => {
                    let a = f64::from_bits((rng.next() >> 2) | (1u64 << 61));
                    (a, a * (1.0 + (rng.below(2000) as f64 - 1000.0) * 2f64.powi(-50)))
                }
                _ => {
                    let s1 = f64::from(VIF_SIGMA_NSQ) + rng.below(1 << 31) as f64;
                    let s12 = (1 + rng.below(1 << 31)) as f64;
                    let g = s12 / (s1 + VIF_EPS);
                    match rng.below(3) {
                        0 => (s12, s1 + VIF_EPS),
                        1 => (g, s12),
                        _ => ((1 + rng.below(1 << 31)) as f64, g * s12),
                    }
                }
            };
            pairs.push(pair);
        }
        let input: Vec<u32> = pairs
            .iter()
            .flat_map(|&(a, b)| {
                let (a, b) = (f64_bits(a), f64_bits(b));
                [a[0], a[1], b[0], b[1]]
            })
            .collect();
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("softf64 test"),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("softf64 test"),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        });
        let in_buf = device.create_buffer(&wgpu::BufferDescriptor {
            label: None,
            size: (input.len() * 4) as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        queue.write_buffer(&in_buf, 0, &input.iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<u8>>());
        let out_bytes = (pairs.len() * 64) as u64;
        let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
        let out_buf = device.create_buffer(&wgpu::BufferDescriptor { label: None, size: out_bytes, usage, mapped_at_creation: false });
        let usage = wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST;
        let staging = device.create_buffer(&wgpu::BufferDescriptor { label: None, size: out_bytes, usage, mapped_at_creation: false });
        let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: in_buf.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: out_buf.as_entire_binding() },
            ],
        });
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: None, timestamp_writes: None });
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups((pairs.len() / 64) as u32, 1, 1);
        }
        encoder.copy_buffer_to_buffer(&out_buf, 0, &staging, 0, out_bytes);
        queue.submit([encoder.finish()]);
        staging.slice(..).map_async(wgpu::MapMode::Read, |r| r.unwrap());
        device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
        let out: Vec<u32> =
            staging.slice(..).get_mapped_range().unwrap().chunks_exact(4).map(|b| u32::from_le_bytes(b.try_into().unwrap())).collect();
        for (i, &(a, b)) in pairs.iter().enumerate() {
            let (wa, wb) = (f64_bits(a), f64_bits(b));
            let want = [
                sf::f64_add(wa, wb),
                sf::f64_sub(wa, wb),
                sf::f64_mul(wa, wb),
                sf::f64_div(wa, wb),
                [sf::f64_trunc_i32(wa) as u32, u32::from(sf::f64_ge_pos(wa, wb))],
                sf::f64_trunc_i64(wa),
                sf::f64_from_u32(wa[0]),
                sf::w64_shr_jam(wide::mul_u32_wide(wa[0], wb[1]), wb[0] & 127),
            ];
            let names = ["add", "sub", "mul", "div", "trunc_i32/ge", "trunc_i64", "from_u32", "mul_u32/shr_jam"];
            for (k, w) in want.iter().enumerate() {
                let got = [out[16 * i + 2 * k], out[16 * i + 2 * k + 1]];
                assert_eq!(got, *w, "{}({a:e} [{:#x}], {b:e} [{:#x}])", names[k], a.to_bits(), b.to_bits());
            }
        }
        eprintln!("{} operand pairs x 8 soft-f64 functions: WGSL == Rust twin", pairs.len());
    }
}
