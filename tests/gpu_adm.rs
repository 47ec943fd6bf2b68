//! ADM on the GPU against its CPU twin, bit for bit: whole frames (per-scale num/den
//! and the scores) on random, smooth, flat and extreme planes of odd and tiny sizes at
//! 8–16 bits with gain limits 100 and 1; every intermediate of every scale (pass-level
//! traces); the decouple pass alone on band values no image produces; the
//! [`AdmPlan`] interface with caller-owned buffers; and frames of oracle clips.
//! Without an adapter these tests print why and pass, unless TINYVMAF_REQUIRE_GPU=1.


use tinyvmaf_gpu::features::{self, adm as cpu};
use tinyvmaf_gpu::features::adm::gpu::{self as gpu_adm, AdmPlan, RESULT_WORDS};
use tinyvmaf_gpu::features::wide::ANGLE_BOUNDARY_CASES;
use tinyvmaf_gpu::features::oneshot::ScalePlan;
use tinyvmaf_gpu::gpu::{GpuContext, GpuError};
use tinyvmaf_gpu::io::{FrameSource, Plane, Y4mReader};

mod common;

use common::{Rng, shared_ctx as ctx};

#[derive(Clone, Copy, Debug)]
enum Fill {
    /// Independent uniform planes.
    Random,
    /// Uniform reference, distorted = reference + small noise.
    Near,
    /// Smooth gradients and ripples; distorted has more contrast (the enhancement-gain
    /// path: ref and dis bands nearly parallel, |t| > |o|) plus a little noise.
    Smooth,
    /// Two constant planes.
    Flat,
    /// 0 / max checkerboards, inverted between the planes.
    Extremes,
    /// Uniform over the whole u16 range whatever the bit depth: above 10 bits the
    /// readers pass such samples through and GPU and CPU must still agree; at 8 bits
    /// the GPU must refuse them (`common::refused_beyond_8_bit`).
    Beyond,
}

const FILLS: [Fill; 6] = [Fill::Random, Fill::Near, Fill::Smooth, Fill::Flat, Fill::Extremes, Fill::Beyond];

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
                    let a = rng.below(max + 1);
                    (a, (a as i64 + rng.below(9) as i64 - 4).clamp(0, max as i64) as u64)
                }
                Fill::Smooth => {
                    let (fx, fy) = (x as f64 / w.max(2) as f64, y as f64 / h.max(2) as f64);
                    let v = 0.5 + 0.3 * (fx * 7.0).sin() * (fy * 5.0).cos() + 0.15 * (fx - fy);
                    let dv = 0.5 + 1.3 * (v - 0.5);
                    let noise = (rng.below(5) as f64 - 2.0) / max as f64;
                    let q = |t: f64| (t.clamp(0.0, 1.0) * max as f64).round() as u64;
                    (q(v), q(dv + noise))
                }
                Fill::Flat => (max / 3, max * 2 / 3),
                Fill::Extremes => {
                    if (x + y) % 2 == 0 { (0, max) } else { (max, 0) }
                }
                Fill::Beyond => (rng.next() & 0xffff, rng.next() & 0xffff),
            };
            r.data[i] = a as u16;
            d.data[i] = b as u16;
        }
    }
    (r, d)
}

fn bits(nd: &[(f32, f32); 4]) -> [(u32, u32); 4] {
    nd.map(|(n, d)| (n.to_bits(), d.to_bits()))
}

/// One whole-frame comparison: per-scale (num, den) and the scores, as bits.
fn check_frame(ctx: &GpuContext, r: &Plane, d: &Plane, depth: u8, gain: f64, what: &str) {
    if common::refused_beyond_8_bit(&[r, d], depth, || gpu_adm::compute_adm_num_den(ctx, r, d, depth, gain)) {
        return;
    }
    let want = cpu::compute_adm_num_den(r, d, depth, gain, &mut Default::default());
    let got = gpu_adm::compute_adm_num_den(ctx, r, d, depth, gain).unwrap();
    assert_eq!(bits(&got), bits(&want), "(num, den) per scale, {what}: GPU {got:?} CPU {want:?}");
    // AIM's numerators, from the same frame's second CSF/CM round.
    let want = cpu::compute_adm_scales(r, d, depth, gain, &mut Default::default());
    let got = gpu_adm::compute_adm_scales(ctx, r, d, depth, gain).unwrap();
    assert_eq!(got.aim.map(f32::to_bits), want.aim.map(f32::to_bits), "AIM per scale, {what}: GPU {got:?} CPU {want:?}");
    assert_eq!(bits(&got.num_den), bits(&want.num_den), "{what}");
    let (adm2, scales) = features::compute_adm(r, d, depth, gain);
    let (g2, gs) = gpu_adm::compute_adm(ctx, r, d, depth, gain).unwrap();
    assert_eq!(g2.to_bits(), adm2.to_bits(), "adm2 {what}");
    assert_eq!(gs.map(f64::to_bits), scales.map(f64::to_bits), "scales {what}");
}

const SIZES: &[(usize, usize)] =
    &[(1, 1), (2, 1), (1, 3), (3, 3), (7, 5), (33, 17), (65, 40), (64, 9), (97, 130), (130, 33)];

#[test]
fn adm_frames_match_cpu() {
    let Some(ctx) = ctx("adm_frames_match_cpu") else { return };
    let start = std::time::Instant::now();
    let mut cases = 0;
    for (si, &(w, h)) in SIZES.iter().enumerate() {
        for (di, depth) in [8u8, 10, 12, 16].into_iter().enumerate() {
            for gain in [100.0, 1.0] {
                // every fill at every size, spread over depths and gains
                let fill = FILLS[(si + di * 2 + (gain == 1.0) as usize) % FILLS.len()];
                let seed = (si as u64) << 16 | u64::from(depth) << 8 | gain as u64;
                let (r, d) = planes(w, h, depth, fill, seed);
                check_frame(ctx, &r, &d, depth, gain, &format!("{w}x{h} {depth}-bit gain {gain} {fill:?}"));
                cases += 1;
            }
        }
    }
    // Every fill at one mid size, every depth, both gains.
    for fill in FILLS {
        for depth in [8u8, 10, 12, 16] {
            for gain in [100.0, 1.0] {
                let (r, d) = planes(71, 45, depth, fill, 99 + u64::from(depth));
                check_frame(ctx, &r, &d, depth, gain, &format!("71x45 {depth}-bit gain {gain} {fill:?}"));
                cases += 1;
            }
        }
    }
    eprintln!("{cases} ADM frames bit-identical in {:.1?} on {:?}", start.elapsed(), ctx.adapter_summary().name);
}

/// VMAF v1's ADM option sets (CSF mode 2, the four viewing conditions, noise weight
/// 0.02) and a far viewing condition of the default CSF mode: the GPU's (num, den)
/// and AIM per scale equal the CPU's, bit for bit, at every depth and fill.
#[test]
fn adm_option_sets_match_cpu() {
    let Some(ctx) = ctx("adm_option_sets_match_cpu") else { return };
    let v1 = features::FeatureOptions::vmaf_v1_adm();
    let mut sets = Vec::new();
    for (nvd, rdh) in [(3.0, 1080), (5.0, 1080), (1.5, 2160), (3.0, 2160)] {
        sets.push(features::FeatureOptions { adm_norm_view_dist: nvd, adm_ref_display_height: rdh, ..v1 });
    }
    sets.push(features::FeatureOptions { adm_norm_view_dist: 6.0, ..Default::default() });
    let mut cases = 0;
    for (k, set) in sets.iter().enumerate() {
        let cfg = cpu::AdmConfig::new(set).unwrap();
        for (fi, fill) in FILLS.into_iter().enumerate() {
            let depth = [8u8, 10, 12, 16][(k + fi) % 4];
            let (w, h) = SIZES[(k * 3 + fi) % SIZES.len()].max((33, 17));
            let (r, d) = planes(w, h, depth, fill, 7 + (k * 8 + fi) as u64);
            if common::refused_beyond_8_bit(&[&r, &d], depth, || gpu_adm::compute_adm_scales_with(ctx, &r, &d, depth, set)) {
                continue;
            }
            let want = cpu::compute_adm_scales_with(&r, &d, depth, &cfg, &mut Default::default());
            let got = gpu_adm::compute_adm_scales_with(ctx, &r, &d, depth, set).unwrap();
            let what = format!("{set:?} {w}x{h} {depth}-bit {fill:?}");
            assert_eq!(bits(&got.num_den), bits(&want.num_den), "(num, den), {what}");
            assert_eq!(got.aim.map(f32::to_bits), want.aim.map(f32::to_bits), "AIM, {what}");
            cases += 1;
        }
    }
    eprintln!("{cases} frames with other ADM options bit-identical on {:?}", ctx.adapter_summary().name);
}

/// Every intermediate of every scale (bands, r, a, csf_a, csf_f, thr, totals).
#[test]
fn adm_pass_level_traces_match_cpu() {
    let Some(ctx) = ctx("adm_pass_level_traces_match_cpu") else { return };
    let cases = [
        (33, 17, 8u8, Fill::Random, 100.0),
        (97, 130, 10, Fill::Smooth, 100.0),
        (65, 40, 16, Fill::Beyond, 1.0),
        (7, 5, 12, Fill::Extremes, 100.0),
        (120, 66, 8, Fill::Near, 1.0),
    ];
    for (i, (w, h, depth, fill, gain)) in cases.into_iter().enumerate() {
        let (r, d) = planes(w, h, depth, fill, 1000 + i as u64);
        let want = cpu::compute_adm_trace(&r, &d, depth, gain);
        let got = gpu_adm::compute_adm_trace(ctx, &r, &d, depth, gain).unwrap();
        assert_eq!(got.len(), want.len());
        for (s, (g, c)) in got.iter().zip(&want).enumerate() {
            let what = format!("{w}x{h} {depth}-bit {fill:?} gain {gain}, scale {s} ({}x{})", c.w, c.h);
            assert_eq!((g.w, g.h), (c.w, c.h), "{what}");
            // in pass order, so the first difference names the pass
            for (band, (gp, cp)) in g.ref_bands.iter().zip(&c.ref_bands).enumerate() {
                assert!(gp == cp, "adm_dwt ref band {band}, {what}");
            }
            for (band, (gp, cp)) in g.dis_bands.iter().zip(&c.dis_bands).enumerate() {
                assert!(gp == cp, "adm_dwt dis band {band}, {what}");
            }
            assert!(g.r == c.r, "adm_decouple_csf r, {what}");
            assert!(g.a == c.a, "adm_decouple_csf a, {what}");
            assert_eq!(g.den_acc, c.den_acc, "adm_rows den totals, {what}");
            assert!(g.csf_a == c.csf_a, "adm_decouple_csf csf_a, {what}");
            assert!(g.csf_f == c.csf_f, "adm_decouple_csf csf_f, {what}");
            assert!(g.thr == c.thr, "adm_rows thr, {what}");
            assert_eq!(g.num_acc, c.num_acc, "adm_rows num totals, {what}");
        }
    }
}

/// The decouple pass alone on band values no image produces: full-range i32 (scales
/// 1..3), full-range i16 (scale 0), and (h, v) vector pairs within a hair of 1° apart
/// (where the f32/f64 rounding of the angle test decides, including pairs where the
/// final 53-bit rounding decides), gain limits 100, 1 and 0.
#[test]
fn adm_decouple_matches_cpu_on_adversarial_bands() {
    let Some(ctx) = ctx("adm_decouple_matches_cpu_on_adversarial_bands") else { return };
    let (w, h) = (61, 37);
    let n = w * h;
    let mut rng = Rng(7);
    let mut flagged = 0usize;
    for round in 0..12 {
        let scale = round % 4;
        let mut o: [Vec<i32>; 3] = Default::default();
        let mut t: [Vec<i32>; 3] = Default::default();
        for _ in 0..n {
            let bits = if scale == 0 { 16 } else { 1 + rng.below(32) as u32 };
            // (not i32::MIN: o_h·t_h + o_v·t_v = 2^63 would overflow the CPU's i64 sum,
            // which panics in debug builds; libvmaf's C has undefined behaviour there)
            let wrap = |v: i64| -> i32 {
                if scale == 0 { v.clamp(-32768, 32767) as i32 } else { v.clamp(-(i32::MAX as i64), i32::MAX as i64) as i32 }
            };
            let mut val = || -> i64 {
                let v = rng.next() as i64 >> (64 - bits);
                if rng.below(16) == 0 { 0 } else { v }
            };
            let (oh, ov, od) = (val(), val(), val());
            let (th, tv, td) = if round % 3 == 0 {
                (val(), val(), val())
            } else {
                // t = s·R(θ)·o, θ within ±0.01° of 1°, s in [0.5, 3) of either sign
                let theta = (1.0 + (rng.below(2001) as f64 - 1000.0) * 1e-5).to_radians();
                let s = (0.5 + rng.below(2500) as f64 * 1e-3) * if rng.below(4) == 0 { -1.0 } else { 1.0 };
                let (c, sn) = (theta.cos(), theta.sin());
                let (x, y) = (oh as f64, ov as f64);
                ((s * (c * x - sn * y)).round() as i64, (s * (sn * x + c * y)).round() as i64, (s * od as f64) as i64)
            };
            for (band, v) in o.iter_mut().zip([oh, ov, od]) {
                band.push(wrap(v));
            }
            for (band, v) in t.iter_mut().zip([th, tv, td]) {
                band.push(wrap(v));
            }
        }
        if round == 11 {
            // Scale 3: the angle-test boundary cases (gpu::wide::ANGLE_BOUNDARY_CASES), in
            // every sample: as found, both vectors negated, and both rotated by 90°.
            for i in 0..n {
                let (oh, th, tv) = ANGLE_BOUNDARY_CASES[i % ANGLE_BOUNDARY_CASES.len()];
                let (oo, tt) = match (i / ANGLE_BOUNDARY_CASES.len()) % 3 {
                    0 => ((oh, 0), (th, tv)),
                    1 => ((-oh, 0), (-th, -tv)),
                    _ => ((0, oh), (-tv, th)),
                };
                (o[0][i], o[1][i], t[0][i], t[1][i]) = (oo.0, oo.1, tt.0, tt.1);
            }
        }
        let mut restored = Vec::new();
        for gain in [100.0, 1.0, 0.0] {
            let (wr, wa) = cpu::adm_decouple_bands(&o, &t, w, h, scale, gain);
            let (gr, ga) = gpu_adm::adm_decouple_bands(ctx, &o, &t, (w, h), scale, gain).unwrap();
            for b in 0..3 {
                if let Some(i) = (0..n).find(|&i| gr[b][i] != wr[b][i] || ga[b][i] != wa[b][i]) {
                    panic!(
                        "round {round} scale {scale} gain {gain} band {b} sample {i}: o ({}, {}, {}) t ({}, {}, {}): \
                         GPU r {} a {}, CPU r {} a {}",
                        o[0][i], o[1][i], o[2][i], t[0][i], t[1][i], t[2][i], gr[b][i], ga[b][i], wr[b][i], wa[b][i]
                    );
                }
            }
            restored.push(wr);
        }
        // samples where the gain limit mattered (so the angle test passed)
        flagged += (0..n).filter(|&i| (0..3).any(|b| restored[0][b][i] != restored[1][b][i])).count();
    }
    assert!(flagged > 1000, "the enhancement-gain path ran on only {flagged} samples");
}

/// The engine's interface: plans bound to caller-owned input buffers, recorded into
/// one encoder (two frames of one size "in flight"), results read back by the caller.
#[test]
fn adm_plan_records_into_the_callers_encoder() {
    let Some(ctx) = ctx("adm_plan_records_into_the_callers_encoder") else { return };
    let (_, _, device, queue) = ctx.wgpu_parts();
    let (w, h, depth) = (45, 29, 10);
    let upload = |p: &Plane| {
        let mut bytes: Vec<u8> = p.data.iter().flat_map(|v| v.to_le_bytes()).collect();
        bytes.resize(bytes.len().next_multiple_of(4), 0);
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("test.plane"),
            size: bytes.len() as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        queue.write_buffer(&buffer, 0, &bytes);
        buffer
    };
    let frames: Vec<(Plane, Plane)> = (0..2).map(|i| planes(w, h, depth, Fill::Smooth, 50 + i)).collect();
    let buffers: Vec<_> = frames.iter().map(|(r, d)| (upload(r), upload(d))).collect();
    let plans: Vec<AdmPlan> =
        buffers.iter().map(|(r, d)| AdmPlan::new(ctx, w, h, depth, &Default::default(), r, d).unwrap()).collect();
    let mut encoder = device.create_command_encoder(&Default::default());
    let mut staging = Vec::new();
    for plan in &plans {
        plan.encode(ctx, &mut encoder).unwrap();
        let (buffer, words) = plan.result();
        assert_eq!(words, RESULT_WORDS);
        let dst = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("test.readback"),
            size: (words * 4) as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        encoder.copy_buffer_to_buffer(buffer, 0, &dst, 0, (words * 4) as u64);
        staging.push(dst);
    }
    queue.submit([encoder.finish()]);
    for (i, ((plan, dst), (r, d))) in plans.iter().zip(&staging).zip(&frames).enumerate() {
        let slice = dst.slice(..);
        slice.map_async(wgpu::MapMode::Read, |r| r.unwrap());
        device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
        let words: Vec<u32> =
            slice.get_mapped_range().unwrap().chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect();
        let want = cpu::compute_adm_num_den(r, d, depth, 100.0, &mut Default::default());
        assert_eq!(bits(&plan.decode(&words)), bits(&want), "frame {i}");
    }
    // Encoding again re-clears the totals: the same frame twice gives the same words.
    let again = gpu_adm::compute_adm_num_den(ctx, &frames[0].0, &frames[0].1, depth, 100.0).unwrap();
    let twice = gpu_adm::compute_adm_num_den(ctx, &frames[0].0, &frames[0].1, depth, 100.0).unwrap();
    assert_eq!(bits(&again), bits(&twice));
}

#[test]
fn adm_unsupported_and_degenerate_inputs_are_typed() {
    let Some(ctx) = ctx("adm_unsupported_and_degenerate_inputs_are_typed") else { return };
    let (r, d) = planes(9, 9, 8, Fill::Random, 3);
    for gain in [2.5, -1.0, f64::NAN, f64::INFINITY, 3e9] {
        match gpu_adm::compute_adm_num_den(ctx, &r, &d, 8, gain) {
            Err(GpuError::Unsupported { .. }) => {}
            other => panic!("gain {gain}: expected Unsupported, got {other:?}"),
        }
    }
    // Empty, mismatched and short planes: zeros, as on the CPU.
    let empty = Plane::new(0, 0);
    let short = Plane { width: 9, height: 9, data: vec![7; 20] };
    let wide = Plane::new(12, 9);
    for (a, b) in [(&empty, &r), (&r, &empty), (&short, &r), (&r, &short), (&wide, &r), (&r, &wide)] {
        let want = cpu::compute_adm_num_den(a, b, 8, 100.0, &mut Default::default());
        let got = gpu_adm::compute_adm_num_den(ctx, a, b, 8, 100.0).unwrap();
        assert_eq!(bits(&got), bits(&want), "{}x{} vs {}x{}", a.width, a.height, b.width, b.height);
    }
    // A frame beyond the device's limits is refused before anything is allocated.
    let (_, _, device, _) = ctx.wgpu_parts();
    let dummy = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("test.dummy"),
        size: 4,
        usage: wgpu::BufferUsages::STORAGE,
        mapped_at_creation: false,
    });
    match AdmPlan::new(ctx, 1 << 20, 1 << 20, 8, &Default::default(), &dummy, &dummy) {
        Err(GpuError::TooLarge { .. }) => {}
        Err(other) => panic!("expected TooLarge, got {other:?}"),
        Ok(_) => panic!("expected TooLarge, got a plan"),
    }
    // ... and the context still works.
    check_frame(ctx, &r, &d, 8, 100.0, "after a refused plan");
}

/// Tier 2: the first frames of oracle clips (8, 10, 16 bit), against the CPU and
/// against libvmaf's log.
#[test]
fn oracle_clip_adm_matches_cpu_and_libvmaf() {
    let Some(ctx) = ctx("oracle_clip_adm_matches_cpu_and_libvmaf") else { return };
    let Some((oracle, clips)) = common::oracle_clips() else { return };
    for (name, frames) in
        [("testsrc2_576x324__x264_crf28", 3), ("smpte_576x324_10b__x264_crf28", 2), ("mandel_420_16b__x264", 2)]
    {
        let open = |kind: &str| {
            let file = std::fs::File::open(clips.join(format!("{name}.{kind}.y4m"))).unwrap();
            Y4mReader::new(file).unwrap()
        };
        let (mut rr, mut dr) = (open("ref"), open("dist"));
        let depth = rr.info().bit_depth;
        let log = common::oracle_frames(&oracle, name);
        for i in 0..frames {
            let (r, d) = (rr.next_frame().unwrap().unwrap(), dr.next_frame().unwrap().unwrap());
            let (ry, dy) = (&r.planes[0], &d.planes[0]);
            check_frame(ctx, ry, dy, depth, 100.0, &format!("{name} frame {i}"));
            let (adm2, scales) = gpu_adm::compute_adm(ctx, ry, dy, depth, 100.0).unwrap();
            let libvmaf = |key: &str| log[i][key].as_f64().unwrap();
            assert_eq!(adm2, libvmaf("integer_adm2"), "{name} frame {i} adm2 vs libvmaf");
            for (k, v) in scales.iter().enumerate() {
                assert_eq!(*v, libvmaf(&format!("integer_adm_scale{k}")), "{name} frame {i} scale {k} vs libvmaf");
            }
        }
        eprintln!("{name}: {frames} frames, GPU ADM bit-identical to the CPU and libvmaf");
    }
}
