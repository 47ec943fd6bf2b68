//! libvmaf's `psnr_hvs` (from Daala's PSNR-HVS-M): per 8x8 block, every 7th pixel
//! in each direction, Daala's integer 8-point DCT of both pictures; coefficient
//! errors below a contrast-masking threshold are dropped, the rest weighted by a
//! contrast-sensitivity table and summed; per plane `-10·log10(mean / peak²)`,
//! and `psnr_hvs` from `0.8·Y + 0.1·(Cb + Cr)` of the planes' means.
//!
//! Exactness: the DCT is integer; the statistics are single precision in the
//! order libvmaf's C evaluates them (sums left to right, `f32` products, the
//! square root taken in `f64` and rounded back to `f32`). Depths above 12 bits are
//! not defined (libvmaf refuses them).

use crate::io::{Frame, Plane};

/// Luma contrast-sensitivity weights (the normalised inverse quantisation matrix
/// at the point of transparency). Written as `f64` and rounded to `f32` where used:
/// libvmaf's `float` tables are initialised from `double` literals, and rounding
/// decimal → double → float can differ from decimal → float.
const CSF_Y: [[f64; 8]; 8] = [
    [1.6193873005, 2.2901594831, 2.08509755623, 1.48366094411, 1.00227514334, 0.678296995242, 0.466224900598, 0.3265091542],
    [2.2901594831, 1.94321815382, 2.04793073064, 1.68731108984, 1.2305666963, 0.868920337363, 0.61280991668, 0.436405793551],
    [2.08509755623, 2.04793073064, 1.34329019223, 1.09205635862, 0.875748795257, 0.670882927016, 0.501731932449, 0.372504254596],
    [1.48366094411, 1.68731108984, 1.09205635862, 0.772819797575, 0.605636379554, 0.48309405692, 0.380429446972, 0.295774038565],
    [1.00227514334, 1.2305666963, 0.875748795257, 0.605636379554, 0.448996256676, 0.352889268808, 0.283006984131, 0.226951348204],
    [0.678296995242, 0.868920337363, 0.670882927016, 0.48309405692, 0.352889268808, 0.27032073436, 0.215017739696, 0.17408067321],
    [0.466224900598, 0.61280991668, 0.501731932449, 0.380429446972, 0.283006984131, 0.215017739696, 0.168869545842, 0.136153931001],
    [0.3265091542, 0.436405793551, 0.372504254596, 0.295774038565, 0.226951348204, 0.17408067321, 0.136153931001, 0.109083846276],
];

/// Cb weights (libvmaf uses its 4:2:0 tables for every chroma format).
const CSF_CB: [[f64; 8]; 8] = [
    [1.91113096927, 2.46074210438, 1.18284184739, 1.14982565193, 1.05017074788, 0.898018824055, 0.74725392039, 0.615105596242],
    [2.46074210438, 1.58529308355, 1.21363250036, 1.38190029285, 1.33100189972, 1.17428548929, 0.996404342439, 0.830890433625],
    [1.18284184739, 1.21363250036, 0.978712413627, 1.02624506078, 1.03145147362, 0.960060382087, 0.849823426169, 0.731221236837],
    [1.14982565193, 1.38190029285, 1.02624506078, 0.861317501629, 0.801821139099, 0.751437590932, 0.685398513368, 0.608694761374],
    [1.05017074788, 1.33100189972, 1.03145147362, 0.801821139099, 0.676555426187, 0.605503172737, 0.55002013668, 0.495804539034],
    [0.898018824055, 1.17428548929, 0.960060382087, 0.751437590932, 0.605503172737, 0.514674450957, 0.454353482512, 0.407050308965],
    [0.74725392039, 0.996404342439, 0.849823426169, 0.685398513368, 0.55002013668, 0.454353482512, 0.389234902883, 0.342353999733],
    [0.615105596242, 0.830890433625, 0.731221236837, 0.608694761374, 0.495804539034, 0.407050308965, 0.342353999733, 0.295530605237],
];

/// Cr weights.
const CSF_CR: [[f64; 8]; 8] = [
    [2.03871978502, 2.62502345193, 1.26180942886, 1.11019789803, 1.01397751469, 0.867069376285, 0.721500455585, 0.593906509971],
    [2.62502345193, 1.69112867013, 1.17180569821, 1.3342742857, 1.28513006198, 1.13381474809, 0.962064122248, 0.802254508198],
    [1.26180942886, 1.17180569821, 0.944981930573, 0.990876405848, 0.995903384143, 0.926972725286, 0.820534991409, 0.706020324706],
    [1.11019789803, 1.3342742857, 0.990876405848, 0.831632933426, 0.77418706195, 0.725539939514, 0.661776842059, 0.587716619023],
    [1.01397751469, 1.28513006198, 0.995903384143, 0.77418706195, 0.653238524286, 0.584635025748, 0.531064164893, 0.478717061273],
    [0.867069376285, 1.13381474809, 0.926972725286, 0.725539939514, 0.584635025748, 0.496936637883, 0.438694579826, 0.393021669543],
    [0.721500455585, 0.962064122248, 0.820534991409, 0.661776842059, 0.531064164893, 0.438694579826, 0.375820256136, 0.330555063063],
    [0.593906509971, 0.802254508198, 0.706020324706, 0.587716619023, 0.478717061273, 0.393021669543, 0.330555063063, 0.285345396658],
];

/// A table as libvmaf's `float` array holds it.
fn as_f32(table: &[[f64; 8]; 8]) -> [[f32; 8]; 8] {
    table.map(|row| row.map(|v| v as f32))
}

/// The masking weights: each CSF weight times 0.3885746225901003, squared (in
/// `f64`, stored as `f32`).
fn masks(csf: &[[f32; 8]; 8]) -> [[f32; 8]; 8] {
    csf.map(|row| row.map(|c| ((f64::from(c) * 0.3885746225901003) * (f64::from(c) * 0.3885746225901003)) as f32))
}

/// Daala's rounding right shift: adds the sign bit before shifting, so negative
/// values round toward zero like positive ones.
fn unbiased_shift(a: i32, b: u32) -> i32 {
    (((a as u32) >> (32 - b)) as i32).wrapping_add(a) >> b
}

/// `(t * m + round) >> shift`, in C's 32-bit `int` arithmetic.
fn mul_shift(t: i32, m: i32, round: i32, shift: u32) -> i32 {
    t.wrapping_mul(m).wrapping_add(round) >> shift
}

/// Daala's 8-point integer forward DCT (lifting steps) of `x[0], x[s], …, x[7s]`.
fn fdct8(x: &[i32], stride: usize) -> [i32; 8] {
    let at = |k: usize| x[k * stride];
    let (mut t0, mut t4, mut t2, mut t6) = (at(0), at(1), at(2), at(3));
    let (mut t7, mut t3, mut t5, mut t1) = (at(4), at(5), at(6), at(7));
    // +1/-1 butterflies.
    t1 = t0 - t1;
    let t1h = unbiased_shift(t1, 1);
    t0 -= t1h;
    t4 += t5;
    let t4h = unbiased_shift(t4, 1);
    t5 -= t4h;
    t3 = t2 - t3;
    t2 -= unbiased_shift(t3, 1);
    t6 += t7;
    let t6h = unbiased_shift(t6, 1);
    t7 = t6h - t7;
    // The embedded 4-point type-II DCT.
    t0 += t6h;
    t6 = t0 - t6;
    t2 = t4h - t2;
    t4 = t2 - t4;
    // Its embedded 2-point type-II DCT.
    t0 -= mul_shift(t4, 13573, 16384, 15);
    t4 += mul_shift(t0, 11585, 8192, 14);
    t0 -= mul_shift(t4, 13573, 16384, 15);
    // Its embedded 2-point type-IV DST.
    t6 -= mul_shift(t2, 21895, 16384, 15);
    t2 += mul_shift(t6, 15137, 8192, 14);
    t6 -= mul_shift(t2, 21895, 16384, 15);
    // The embedded 4-point type-IV DST.
    t3 += mul_shift(t5, 19195, 16384, 15);
    t5 += mul_shift(t3, 11585, 8192, 14);
    t3 -= mul_shift(t5, 7489, 4096, 13);
    t7 = unbiased_shift(t5, 1) - t7;
    t5 -= t7;
    t3 = t1h - t3;
    t1 -= t3;
    t7 += mul_shift(t1, 3227, 16384, 15);
    t1 -= mul_shift(t7, 6393, 16384, 15);
    t7 += mul_shift(t1, 3227, 16384, 15);
    t5 += mul_shift(t3, 2485, 4096, 13);
    t3 -= mul_shift(t5, 18205, 16384, 15);
    t5 += mul_shift(t3, 2485, 4096, 13);
    [t0, t1, t2, t3, t4, t5, t6, t7]
}

/// The 8x8 DCT of a row-major block: columns first, then rows.
fn fdct8x8(block: &[i32; 64]) -> [i32; 64] {
    let mut columns = [0i32; 64];
    for i in 0..8 {
        columns[8 * i..8 * i + 8].copy_from_slice(&fdct8(&block[i..], 8));
    }
    let mut out = [0i32; 64];
    for i in 0..8 {
        out[8 * i..8 * i + 8].copy_from_slice(&fdct8(&columns[i..], 8));
    }
    out
}

/// Sub-block of coefficient position (i, j): the four 4x4 quadrants.
fn quadrant(i: usize, j: usize) -> usize {
    ((i & 4) >> 2) + ((j & 4) >> 1)
}

/// One block's global variance ratio statistics: means and variances in `f32`,
/// as libvmaf's C computes them. Returns the ratio of the quadrant variances to
/// the whole block's (the block variance itself when that is not positive).
fn variance_ratio(block: &[i32; 64]) -> f32 {
    let mut gmean = 0.0f32;
    let mut means = [0.0f32; 4];
    for i in 0..8 {
        for j in 0..8 {
            let v = block[i * 8 + j] as f32;
            gmean += v;
            means[quadrant(i, j)] += v;
        }
    }
    gmean /= 64.0;
    for m in &mut means {
        *m /= 16.0;
    }
    let mut gvar = 0.0f32;
    let mut vars = [0.0f32; 4];
    for i in 0..8 {
        for j in 0..8 {
            let v = block[i * 8 + j] as f32;
            let q = quadrant(i, j);
            gvar += (v - gmean) * (v - gmean);
            vars[q] += (v - means[q]) * (v - means[q]);
        }
    }
    gvar *= 1.0f32 / 63.0 * 64.0;
    for v in &mut vars {
        *v *= 1.0f32 / 15.0 * 16.0;
    }
    if gvar > 0.0 { (vars[0] + vars[1] + vars[2] + vars[3]) / gvar } else { gvar }
}

/// The masked, weighted mean squared DCT error of one plane, over the peak²
/// (libvmaf's `calc_psnrhvs` with its step of 7).
pub fn plane_score(reference: &Plane, distorted: &Plane, bit_depth: u8, csf: &[[f32; 8]; 8]) -> f64 {
    let mask = masks(csf);
    let (w, h) = (reference.width, reference.height);
    let mut total = 0.0f32;
    let mut count = 0i32;
    let block_of = |plane: &Plane, x: usize, y: usize| -> [i32; 64] {
        std::array::from_fn(|k| i32::from(plane.data[(y + k / 8) * plane.width + x + k % 8]))
    };
    // The spectral energy above DC, weighted by the masks.
    let energy = |dct: &[i32; 64]| -> f32 {
        let mut sum = 0.0f32;
        for i in 0..8 {
            for j in usize::from(i == 0)..8 {
                let c = dct[i * 8 + j];
                sum += c.wrapping_mul(c) as f32 * mask[i][j];
            }
        }
        sum
    };
    let mut y = 0;
    while y + 7 < h {
        let mut x = 0;
        while x + 7 < w {
            let (s, d) = (block_of(reference, x, y), block_of(distorted, x, y));
            let (s_ratio, d_ratio) = (variance_ratio(&s), variance_ratio(&d));
            let (s_dct, d_dct) = (fdct8x8(&s), fdct8x8(&d));
            let s_mask = (f64::from(energy(&s_dct) * s_ratio).sqrt() / 32.0) as f32;
            let d_mask = (f64::from(energy(&d_dct) * d_ratio).sqrt() / 32.0) as f32;
            let masking = s_mask.max(d_mask);
            for i in 0..8 {
                for j in 0..8 {
                    let mut err = (s_dct[i * 8 + j] - d_dct[i * 8 + j]).unsigned_abs() as f32;
                    if i != 0 || j != 0 {
                        let threshold = masking / mask[i][j];
                        err = if err < threshold { 0.0 } else { err - threshold };
                    }
                    total += (err * csf[i][j]) * (err * csf[i][j]);
                    count += 1;
                }
            }
            x += 7;
        }
        y += 7;
    }
    total /= count as f32;
    let peak = (1i32 << bit_depth) - 1;
    total /= (peak * peak) as f32;
    f64::from(total)
}

/// libvmaf's dB form of a PSNR-HVS mean error.
fn db(score: f64) -> f64 {
    10.0 * -score.log10()
}

/// `psnr_hvs_y`, `psnr_hvs_cb`, `psnr_hvs_cr`, `psnr_hvs` of a frame pair.
pub fn psnr_hvs(reference: &Frame, distorted: &Frame) -> [f64; 4] {
    let depth = reference.info.bit_depth;
    let tables = [as_f32(&CSF_Y), as_f32(&CSF_CB), as_f32(&CSF_CR)];
    let score: [f64; 3] = std::array::from_fn(|p| plane_score(&reference.planes[p], &distorted.planes[p], depth, &tables[p]));
    let combined = score[0] * 0.8 + 0.1 * (score[1] + score[2]);
    [db(score[0]), db(score[1]), db(score[2]), db(combined)]
}

/// Whether libvmaf defines PSNR-HVS for this depth (it refuses more than 12 bits).
pub fn supports(bit_depth: u8) -> bool {
    bit_depth <= 12
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dct_of_a_flat_block_is_its_dc_only() {
        let out = fdct8x8(&[100; 64]);
        assert!(out[0] > 0);
        assert!(out[1..].iter().all(|&c| c == 0), "{out:?}");
        assert_eq!(unbiased_shift(-3, 1), -1);
        assert_eq!(unbiased_shift(3, 1), 1);
    }

    #[test]
    fn identical_planes_have_no_error() {
        let mut rng = crate::test_rng::Rng(3);
        let mut plane = Plane::new(30, 22);
        for v in &mut plane.data {
            *v = (rng.next() % 256) as u16;
        }
        let csf = as_f32(&CSF_Y);
        assert_eq!(plane_score(&plane, &plane, 8, &csf), 0.0);
        let mut noisy = plane.clone();
        noisy.data[100] ^= 0x40;
        assert!(plane_score(&plane, &noisy, 8, &csf) > 0.0);
    }
}
