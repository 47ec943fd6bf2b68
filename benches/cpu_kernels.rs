//! Time per 1920x1080 frame of each CPU kernel at every vector level this CPU runs
//! (`cargo bench --profile bench-cpu --bench cpu_kernels`; see docs/PERFORMANCE.md).
//!
//! The frames are synthetic (a textured gradient and a blurred, noisier copy), made
//! here so the benchmark needs no clip; the kernels' work does not depend on content
//! except the VIF statistic's branches, which real-looking texture exercises.

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tinyvmaf_gpu::features::adm::cpu::{AdmConfig, AdmScratch, compute_adm_scales_with};
use tinyvmaf_gpu::features::motion::cpu::motion_sad_at;
use tinyvmaf_gpu::features::vif::cpu::{VifScratch, compute_vif_num_den_with, stats_rows_at, vif_trace};
use tinyvmaf_gpu::io::Plane;
use tinyvmaf_gpu::simd::Level;

const W: usize = 1920;
const H: usize = 1080;

/// A fixed-seed textured gradient (8-bit samples) and a distorted copy: a 3-tap
/// blur plus small noise, so VIF and ADM see real structure and real loss.
fn frames() -> (Plane, Plane) {
    let mut rng = common::Rng(0x9e37_79b9_7f4a_7c15);
    let mut noise = move || rng.next();
    let mut reference = Plane::new(W, H);
    for y in 0..H {
        for x in 0..W {
            let ramp = (x * 160 / W + y * 60 / H) as i64;
            let texture = ((x / 7 + y / 5) % 9) as i64 * 6;
            let v = ramp + texture + (noise() % 9) as i64;
            reference.data[y * W + x] = v.clamp(0, 255) as u16;
        }
    }
    let mut distorted = Plane::new(W, H);
    for y in 0..H {
        for x in 0..W {
            let at = |dx: isize| reference.data[y * W + (x as isize + dx).clamp(0, W as isize - 1) as usize] as i64;
            let v = (at(-1) + 2 * at(0) + at(1) + 2) / 4 + (noise() % 5) as i64 - 2;
            distorted.data[y * W + x] = v.clamp(0, 255) as u16;
        }
    }
    (reference, distorted)
}

fn kernels(c: &mut Criterion) {
    let (reference, distorted) = frames();
    // σ1², σ2², σ12 of scale 0, the VIF statistic's input.
    let trace = vif_trace(&reference, &distorted, 8, 100.0);
    let sigmas = &trace.scales[0].sigmas;
    let mut group = c.benchmark_group("1080p_frame");
    group.sample_size(20);
    for level in Level::available() {
        let isa = level.isa().expect("an available level has its instructions");
        let name = level.name();
        let mut vif = VifScratch::with_isa(isa);
        group.bench_function(BenchmarkId::new("vif", name), |b| {
            b.iter(|| compute_vif_num_den_with(black_box(&reference), black_box(&distorted), 8, 100.0, &mut vif))
        });
        group.bench_function(BenchmarkId::new("vif_stats_scale0", name), |b| {
            b.iter(|| stats_rows_at(isa, black_box(&sigmas[0]), &sigmas[1], &sigmas[2], W, 100.0))
        });
        let mut adm = AdmScratch::with_isa(isa);
        let cfg = AdmConfig::default();
        group.bench_function(BenchmarkId::new("adm", name), |b| {
            b.iter(|| compute_adm_scales_with(black_box(&reference), black_box(&distorted), 8, &cfg, &mut adm))
        });
        group.bench_function(BenchmarkId::new("motion_sad", name), |b| {
            b.iter(|| motion_sad_at(isa, black_box(&reference), black_box(&distorted), 8))
        });
    }
    group.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
