//! Every GPU pass replaced by its CPU twin inside its real chain
//! (`gpu::oneshot::run_swapped`: the twin takes the pass's bindings, in order, as read
//! back from the GPU, and its outputs are written back before the chain goes on).
//! The chain's exact integer result must stay bit-identical, whichever pass runs on
//! the CPU; so a divergence between a shader and its twin is found pass by pass.

mod common;

use std::collections::BTreeSet;

use tinyvmaf_gpu::features::{self, adm, motion, vif};
use tinyvmaf_gpu::gpu::GpuContext;
use tinyvmaf_gpu::io::Plane;
use tinyvmaf_gpu::model::int8;

use common::Rng;

/// A smooth field with noise, and the distorted plane that plus more noise (the log
/// branch of VIF, ADM's decouple both ways), or (`random`) independent uniform planes.
fn planes(w: usize, h: usize, depth: u8, random: bool, seed: u64) -> (Plane, Plane) {
    let mut rng = Rng(seed);
    let max = (1u64 << depth) - 1;
    let (mut r, mut d) = (Plane::new(w, h), Plane::new(w, h));
    for y in 0..h {
        for x in 0..w {
            let (a, b) = if random {
                (rng.below(max + 1), rng.below(max + 1))
            } else {
                let base = ((x as f64 * 0.23).sin() * 0.35 + (y as f64 * 0.19).cos() * 0.3 + 0.5) * max as f64;
                let a = (base as i64 + rng.below(max / 12 + 1) as i64).clamp(0, max as i64);
                let b = (a + rng.below(max / 20 + 3) as i64 - (max / 40) as i64 - 1).clamp(0, max as i64);
                (a as u64, b as u64)
            };
            r.data[y * w + x] = a as u16;
            d.data[y * w + x] = b as u16;
        }
    }
    (r, d)
}

/// (width, height, bit depth, random fill, gain limit): 8-bit (VIF's narrow scale 0)
/// and wider depths, four VIF and ADM scales, gain limits that clamp and that do not.
const CASES: &[(usize, usize, u8, bool, f64)] =
    &[(67, 45, 8, false, 100.0), (40, 33, 10, true, 1.0), (53, 38, 16, false, 100.0), (36, 36, 12, false, 1.0)];

/// Runs the chain of `pass`'s feature on every case with `pass` on the CPU: at each of
/// its dispatches the twin's output must equal the pass's own on the same input, and
/// the chain's exact result must not change. Returns how many dispatches the twin
/// replaced.
fn swap_case(ctx: &GpuContext, pass: &str) -> usize {
    let mut replaced = 0;
    for (i, &(w, h, depth, random, gain)) in CASES.iter().enumerate() {
        let (r, d) = planes(w, h, depth, random, 17 + i as u64);
        let what = format!("{pass} on the CPU, {w}x{h} {depth}-bit, gain limit {gain}");
        let feature = pass.split('_').next().unwrap();
        let swapped = match feature {
            // The exact integer totals (before any float step) against the all-GPU run's,
            // which tests/gpu_vif.rs and tests/gpu_adm.rs hold to the CPU path's.
            "vif" => {
                // Two gain limits in one plan (the default and the NEG set's), so that
                // `vif_stats` runs its second-limit path too.
                let limits = [gain, 101.0 - gain];
                let run = |swap| vif::gpu::vif_result_words_by_twin(ctx, &r, &d, depth, &limits, swap).unwrap();
                let ((got, swapped), (all_gpu, _)) = (run(Some(pass)), run(None));
                assert_eq!(got, all_gpu, "{what}: result words");
                swapped
            }
            "adm" => {
                let run = |swap| adm::gpu::adm_result_words_by_twin(ctx, &r, &d, depth, gain, swap).unwrap();
                let ((got, swapped), (all_gpu, _)) = (run(Some(pass)), run(None));
                assert_eq!(got, all_gpu, "{what}: result words");
                swapped
            }
            "motion" => {
                let (got, swapped) = motion::gpu::motion_sad_by_twin(ctx, &r, &d, depth, pass).unwrap();
                assert_eq!(Some(got), motion::motion_sad(&r, &d, depth), "{what}");
                swapped
            }
            "dequant" => {
                let mut rng = Rng(i as u64);
                let count = w * h + i;
                let packed: Vec<u32> = (0..count.div_ceil(4)).map(|_| rng.next() as u32).collect();
                let (scale, zero_point) = (0.5f32.powi(i as i32 + 3), i as i32 * 7 - 9);
                let (got, swapped) = int8::gpu::dequant_weights_by_twin(ctx, &packed, count, scale, zero_point).unwrap();
                let want = int8::dequant_weights(&packed, count, scale, zero_point);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "{what}");
                swapped
            }
            other => panic!("no swap case for the {other} feature (pass {pass})"),
        };
        // (dispatch, binding, word) where the twin and the shader first disagreed
        assert_eq!(swapped.differences, [], "{what}: twin vs shader on the same input");
        replaced += swapped.replaced;
    }
    replaced
}

/// Every pass of every feature and model, each swapped in its own chain.
#[test]
fn every_pass_swapped_for_its_cpu_twin_keeps_the_chain_exact() {
    // Both ways the shaders compute 64-bit integers: native u64 and u32 pairs.
    for ctx in common::int64_paths("every_pass_swapped_for_its_cpu_twin_keeps_the_chain_exact") {
        let passes: Vec<_> = features::PASSES.iter().chain(&int8::gpu::PASSES).copied().collect();
        let names: BTreeSet<&str> = passes.iter().map(|p| p.name).collect();
        assert_eq!(names.len(), 10, "{names:?}");
        for pass in passes {
            let swapped = swap_case(ctx, pass.name);
            // Per-scale passes run once per scale (each case runs at least one).
            assert!(swapped >= CASES.len(), "{}: the twin replaced only {swapped} dispatches", pass.name);
            eprintln!("{}: {swapped} dispatches run by the CPU twin, results bit-identical", pass.name);
        }
    }
}
