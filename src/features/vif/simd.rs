//! VIF's Gaussian filters in vector code: the twins of `cpu.rs`'s `conv_v` and
//! `conv_h`, with the same wrapping u32 results.
//!
//! Each filter is `Σ_k c_k·x_k` over u16 samples with the scale's u16 taps. The taps
//! are symmetric, so samples k and N−1−k are interleaved and multiplied by `(c_k, c_k)`
//! in one `pmaddwd` (two taps per instruction); the centre tap is split into two
//! halves that each fit i16 (43728 = 21864 + 21864). `crate::simd` explains the
//! sign flip that makes u16 samples i16 and the bias that undoes it.
//!
//! Each function fills as many whole vectors as fit and returns how many outputs it
//! wrote; the caller finishes the rest (fewer than one vector) with the scalar code.

use crate::simd::Isa;

/// Outputs `out[j] = Σ_k taps[k]·rows[k][j]` written with vectors (a prefix of `out`).
pub(super) fn conv_v<const N: usize>(isa: Isa, rows: &[&[u16]; N], taps: &[u16; N], out: &mut [u32]) -> usize {
    dispatch(isa, taps, out, |k, j| &rows[k][j..])
}

/// Outputs `out[j] = Σ_k taps[k]·src[j + k]` written with vectors (a prefix of `out`).
pub(super) fn conv_h<const N: usize>(isa: Isa, src: &[u16], taps: &[u16; N], out: &mut [u32]) -> usize {
    dispatch(isa, taps, out, |k, j| &src[j + k..])
}

/// Whether `taps` can be folded into i16 tap pairs: every tap but the centre below
/// 2^15, the centre below 2^16 − 1 (it is split in two halves).
fn foldable<const N: usize>(taps: &[u16; N]) -> bool {
    N % 2 == 1
        && taps.iter().enumerate().all(|(k, &c)| if k == N / 2 { c <= 65534 } else { c <= 32767 })
        && (0..N / 2).all(|k| taps[k] == taps[N - 1 - k])
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn dispatch<'a, const N: usize>(
    isa: Isa,
    taps: &[u16; N],
    out: &mut [u32],
    src: impl Fn(usize, usize) -> &'a [u16],
) -> usize {
    if !foldable(taps) {
        return 0;
    }
    match isa {
        Isa::Scalar => 0,
        Isa::Sse2(v1) => fir(v1, taps, out, src),
        Isa::Avx2(v3) => v3.vectorize(
            #[inline(always)]
            || fir(v3, taps, out, src),
        ),
        Isa::Avx512(v4) => v4.vectorize(
            #[inline(always)]
            || fir(v4, taps, out, src),
        ),
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn dispatch<'a, const N: usize>(
    _isa: Isa,
    _taps: &[u16; N],
    _out: &mut [u32],
    _src: impl Fn(usize, usize) -> &'a [u16],
) -> usize {
    0
}

/// The filter over whole vectors: `src(k, j)` is tap k's samples from output j on.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn fir<'a, M: crate::simd::Madd16, const N: usize>(
    m: M,
    taps: &[u16; N],
    out: &mut [u32],
    src: impl Fn(usize, usize) -> &'a [u16],
) -> usize {
    let half = N / 2;
    let mut pairs = [m.zero(); N];
    for k in 0..half {
        pairs[k] = m.taps(taps[k], taps[k]);
    }
    let centre = taps[half];
    pairs[half] = m.taps(centre / 2, centre - centre / 2);
    // Each flipped sample is x − 32768, so the sum lacks 32768·Σc (mod 2^32).
    let bias = taps.iter().fold(0u32, |s, &c| s.wrapping_add(c as u32)).wrapping_mul(32768);
    let w = out.len();
    let mut j = 0;
    while j + M::LANES <= w {
        let mut acc = [m.zero(); 2];
        for k in 0..half {
            let a = m.load_flipped(src(k, j));
            let b = m.load_flipped(src(N - 1 - k, j));
            acc = m.madd_acc(acc, a, b, pairs[k]);
        }
        let c = m.load_flipped(src(half, j));
        acc = m.madd_acc(acc, c, c, pairs[half]);
        m.store(acc, bias, &mut out[j..]);
        j += M::LANES;
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::tables::{VIF_TAPS_S0, VIF_TAPS_S1, VIF_TAPS_S2, VIF_TAPS_S3};
    use crate::simd::Level;
    use crate::test_rng::Rng;

    fn scalar_v<const N: usize>(rows: &[&[u16]; N], taps: &[u16; N], j: usize) -> u32 {
        (0..N).fold(0u32, |a, k| a.wrapping_add(taps[k] as u32 * rows[k][j] as u32))
    }

    /// Sample patterns: random at a bit depth, all zero, all maximum, alternating.
    fn patterns(rng: &mut Rng, len: usize) -> Vec<Vec<u16>> {
        let mut out = Vec::new();
        for depth in [8u32, 10, 12, 16] {
            let max = ((1u32 << depth) - 1) as u16;
            out.push((0..len).map(|_| (rng.next() as u16) & max).collect());
            out.push(vec![max; len]);
            out.push((0..len).map(|i| if i % 2 == 0 { max } else { 0 }).collect());
        }
        out.push(vec![0; len]);
        out
    }

    fn check<const N: usize>(taps: &[u16; N], rng: &mut Rng) {
        assert!(foldable(taps));
        for level in Level::available() {
            let isa = level.isa().unwrap();
            for w in (1..=67).chain([128, 257]) {
                for data in patterns(rng, N * (w + N)) {
                    // Vertical: N rows of w samples.
                    let rows: [&[u16]; N] = std::array::from_fn(|k| &data[k * w..(k + 1) * w]);
                    let mut out = vec![0xdead_beefu32; w];
                    let done = conv_v(isa, &rows, taps, &mut out);
                    assert_eq!(done % 8, 0, "{level}: whole vectors only");
                    for j in 0..done {
                        assert_eq!(out[j], scalar_v(&rows, taps, j), "{level} conv_v N={N} w={w} j={j}");
                    }
                    assert!(out[done..].iter().all(|&v| v == 0xdead_beef), "{level}: wrote past its vectors");
                    // Horizontal: one padded row.
                    let row = &data[..w + N - 1];
                    let done = conv_h(isa, row, taps, &mut out);
                    for j in 0..done {
                        let want = (0..N).fold(0u32, |a, k| a.wrapping_add(taps[k] as u32 * row[j + k] as u32));
                        assert_eq!(out[j], want, "{level} conv_h N={N} w={w} j={j}");
                    }
                    if level != Level::Scalar && w >= 32 {
                        assert!(done >= w - 31, "{level}: only {done} of {w} vectorised");
                    }
                }
            }
        }
    }

    #[test]
    fn every_level_equals_the_scalar_filter_on_every_tap_set() {
        let mut rng = Rng(0x51d);
        check(&VIF_TAPS_S0, &mut rng);
        check(&VIF_TAPS_S1, &mut rng);
        check(&VIF_TAPS_S2, &mut rng);
        check(&VIF_TAPS_S3, &mut rng);
    }

    /// The whole VIF (four scales, every pass) at each level against the scalar level,
    /// on smooth and noisy planes of odd sizes and every bit depth.
    #[test]
    fn vif_at_every_level_equals_the_scalar_vif() {
        use crate::features::vif::cpu::{VifScratch, compute_vif_num_den_with};
        use crate::io::Plane;
        let mut rng = Rng(0x71f);
        for (w, h, depth) in [(67, 45, 8), (33, 17, 10), (130, 74, 12), (19, 23, 16), (96, 40, 8)] {
            let max = (1u32 << depth) - 1;
            let mut plane = |noise: u32| {
                let mut p = Plane::new(w, h);
                for (i, v) in p.data.iter_mut().enumerate() {
                    let smooth = ((i % w) * max as usize / w) as u32;
                    *v = (smooth + (rng.next() as u32) % (noise + 1)).min(max) as u16;
                }
                p
            };
            let (r, d) = (plane(max / 8), plane(max / 2));
            let mut scalar = VifScratch::with_isa(Isa::Scalar);
            let want = compute_vif_num_den_with(&r, &d, depth, 100.0, &mut scalar);
            for level in Level::available() {
                let mut sc = VifScratch::with_isa(level.isa().unwrap());
                let got = compute_vif_num_den_with(&r, &d, depth, 100.0, &mut sc);
                let bits = |v: [(f32, f32); 4]| v.map(|(n, d)| (n.to_bits(), d.to_bits()));
                assert_eq!(bits(got), bits(want), "{level} {w}x{h} {depth}-bit");
            }
        }
    }

    #[test]
    fn taps_that_do_not_fold_are_left_to_the_scalar_code() {
        let isa = Level::best().isa().unwrap();
        let rows: [&[u16]; 3] = [&[1; 64], &[2; 64], &[3; 64]];
        let mut out = vec![0u32; 64];
        assert_eq!(conv_v(isa, &rows, &[40000, 1, 40000], &mut out), 0);
        assert_eq!(conv_v(isa, &rows, &[1, 65535, 1], &mut out), 0);
        assert_eq!(conv_v(isa, &rows, &[1, 2, 3], &mut out), 0);
    }
}
