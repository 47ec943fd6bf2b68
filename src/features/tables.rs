//! Constants shared by the integer features: filter taps, shifts, lookup
//! tables. Everything here mirrors a constant of libvmaf's integer C path.

use std::sync::OnceLock;

// ---------------------------------------------------------------- VIF -----

/// VIF Gaussian taps per scale, Q16 (each set sums to 65536).
pub const VIF_TAPS_S0: [u16; 17] = [
    489, 935, 1640, 2640, 3896, 5274, 6547, 7455, 7784, 7455, 6547, 5274, 3896, 2640, 1640, 935,
    489,
];
pub const VIF_TAPS_S1: [u16; 9] = [1244, 3663, 7925, 12590, 14692, 12590, 7925, 3663, 1244];
pub const VIF_TAPS_S2: [u16; 5] = [3571, 16004, 26386, 16004, 3571];
pub const VIF_TAPS_S3: [u16; 3] = [10904, 43728, 10904];

/// Taps for statistics at scale `s` and for the low-pass that produces scale `s`.
pub fn vif_taps(scale: usize) -> &'static [u16] {
    match scale {
        0 => &VIF_TAPS_S0,
        1 => &VIF_TAPS_S1,
        2 => &VIF_TAPS_S2,
        _ => &VIF_TAPS_S3,
    }
}

/// Noise variance sigma_n^2 = 2.0 in Q16.
pub const VIF_SIGMA_NSQ: i32 = 65536 << 1;
/// The epsilon added to sigma1^2 before dividing (libvmaf: `65536 * 1.0e-10`).
pub const VIF_EPS: f64 = 65536.0 * 1.0e-10;

/// log2 lookup: `T[i] = round(log2f(i) * 2048)` for i in 32767..=65535
/// (entries below 32767 are never read and stay 0).
pub fn vif_log2_table() -> &'static [u16; 65536] {
    static TABLE: OnceLock<Box<[u16; 65536]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = Box::new([0u16; 65536]);
        for (i, slot) in t.iter_mut().enumerate().skip(32767) {
            // single-precision log2, scaled in f32 (exact: power of two), rounded half away
            let v = (i as f32).log2() * 2048.0f32;
            *slot = (v as f64).round() as u16;
        }
        t
    })
}

/// Fixed-point log2 of a 32-bit value (Q11): the top 16 significant bits index
/// the table, the discarded bit count adds 2048 per bit. Requires `v >= 2^16`
/// to index the table's valid range (callers pass v >= 2^17).
#[inline(always)]
pub fn log2_q11_u32(table: &[u16; 65536], v: u32) -> i32 {
    let (index, k) = log2_q11_split_u32(v);
    table[index as usize] as i32 + 2048 * k
}

/// Same for 64-bit inputs (keep the top 16 significant bits).
#[inline(always)]
pub fn log2_q11_u64(table: &[u16; 65536], v: u64) -> i32 {
    let (index, k) = log2_q11_split_u64(v);
    table[index as usize] as i32 + 2048 * k
}

/// [`log2_q11_u32`] before its look-up: the table index (the top 16 significant
/// bits) and the shift `k`, so that the result is `table[index] + 2048·k`. Free of
/// memory access, so a loop of them vectorises; the look-ups follow in another loop.
#[inline(always)]
pub fn log2_q11_split_u32(v: u32) -> (u16, i32) {
    let k = (16 - v.leading_zeros() as i32).max(0);
    ((v >> k) as u16, k)
}

/// [`log2_q11_split_u32`] for [`log2_q11_u64`].
#[inline(always)]
pub fn log2_q11_split_u64(v: u64) -> (u16, i32) {
    let k = (48 - v.leading_zeros() as i32).max(0);
    ((v >> k) as u16, k)
}

// ---------------------------------------------------------------- ADM -----

/// Daubechies-2 analysis filters, Q15-ish integer taps.
pub const ADM_DWT_LO: [i32; 4] = [15826, 27411, 7345, -4240];
pub const ADM_DWT_HI: [i32; 4] = [-4240, -7345, 27411, -15826];
/// Sum of the low-pass taps; scale 0 subtracts `LO_SUM * 2^(s-1)` to centre the data.
pub const ADM_DWT_LO_SUM: i32 = 46342;

/// Scales 1..3: (vertical add, vertical shift, horizontal add, horizontal shift).
pub const ADM_S123_DWT_SHIFTS: [(i64, u32, i64, u32); 3] = [
    (0, 0, 16384, 15),
    (32768, 16, 32768, 16),
    (32768, 16, 16384, 15),
];

/// Reciprocal table: `D[32768 + i] = 2^30 / i`, `D[32768 - i] = -(2^30 / i)`, i = 1..=32768.
pub static ADM_DIV_LOOKUP: [i32; 65537] = build_div_lookup();

const fn build_div_lookup() -> [i32; 65537] {
    let mut t = [0i32; 65537];
    let mut i = 1;
    while i <= 32768 {
        let r = (1_073_741_824i64 / i as i64) as i32;
        t[32768 + i] = r;
        t[32768 - i] = -r;
        i += 1;
    }
    t
}

/// Scale-0 CSF integer factors for the default viewing model (h, v, d).
pub const ADM_S0_RFACTOR: [i32; 3] = [36453, 36453, 49417];
pub const ADM_S0_CSF_SHIFT: [u32; 3] = [15, 15, 17];
/// libvmaf's rounding constants for the scale-0 CSF (note 65535 for d, not 65536).
pub const ADM_S0_CSF_ADD: [i32; 3] = [16384, 16384, 65535];
/// 1/30 in Q17 (scale 0) and in Q32 (scales 1..3).
pub const ADM_S0_ONE_BY_30: i32 = 4369;
pub const ADM_S123_ONE_BY_30: i64 = 143_165_577;
/// 1/15 in the same formats (centre term of the masking threshold).
pub const ADM_S0_ONE_BY_15: i32 = 8738;
pub const ADM_S123_ONE_BY_15: i64 = 286_331_153;
/// libvmaf stores `1u << 31` into an `int32_t`, so the "rounding" add of the
/// scale 1..3 masking filters is actually -2^31.
pub const ADM_S123_FLT_ADD: i64 = -(1i64 << 31);

/// Scale-0 contrast masking (h, v, d): the threshold is compared as `thr << s`,
/// and `x²` is rounded by `s` bits.
pub const ADM_S0_CM_THR_SHIFT: [u32; 3] = [10, 10, 12];
pub const ADM_S0_CM_SQ_SHIFT: [u32; 3] = [29, 29, 30];
/// Scales 1..3 denominator: the rounding shift of `o²` (whose add is `2^s`, see
/// `features::adm::csf_den`) and the exponent of the final divisor.
pub const ADM_S123_DEN_SQ_SHIFT: [u32; 3] = [31, 30, 31];
pub const ADM_S123_DEN_CONVERT: [u32; 3] = [32, 27, 23];
/// Scales 1..3 numerator: exponent of the final divisor.
pub const ADM_S123_CM_FINAL: [u32; 3] = [45, 39, 36];

/// cos²(1°) as libvmaf stores it (float): the decouple pass's angle threshold.
pub fn adm_cos_1deg_sq() -> f32 {
    let c = (1.0f64 * std::f64::consts::PI / 180.0).cos();
    (c * c) as f32
}

/// Border factor for the evaluated region.
pub const ADM_BORDER_FACTOR: f64 = 0.1;
/// Noise weight of the denominator/numerator additive term (area / 32).
pub const ADM_NOISE_WEIGHT: f64 = 0.03125;
pub const ADM_NORM_VIEW_DIST: f64 = 3.0;
pub const ADM_REF_DISPLAY_HEIGHT: i32 = 1080;

/// Watson 1997 noise floor model, luma parameters.
pub const WATSON_A: f32 = 0.495;
pub const WATSON_K: f32 = 0.466;
pub const WATSON_F0: f32 = 0.401;
pub const WATSON_G: [f32; 4] = [1.501, 1.0, 0.534, 1.0];
pub const WATSON_BASIS_AMPLITUDE: [[f32; 4]; 4] = [
    [0.62171, 0.67234, 0.72709, 0.67234],
    [0.34537, 0.41317, 0.49428, 0.41317],
    [0.18004, 0.22727, 0.28688, 0.22727],
    [0.091401, 0.11792, 0.15214, 0.11792],
];

/// Watson quantisation step Q(lambda, theta), computed exactly as libvmaf does:
/// double intermediates except `k * temp * temp`, which is a float product.
pub fn adm_quant_step(lambda: usize, theta: usize) -> f32 {
    adm_quant_step_at(lambda, theta, ADM_NORM_VIEW_DIST, ADM_REF_DISPLAY_HEIGHT)
}

/// [`adm_quant_step`] for a viewing distance `nvd` (in display heights) on a
/// display of `rdh` lines (`adm_norm_view_dist`, `adm_ref_display_height`).
pub fn adm_quant_step_at(lambda: usize, theta: usize, nvd: f64, rdh: i32) -> f32 {
    let r = (nvd * rdh as f64 * std::f64::consts::PI / 180.0) as f32;
    // `black_box` keeps LLVM from rewriting pow(10, x) into exp10(x) (and
    // pow(2, x) into exp2(x)), which round differently from libm's pow.
    let two = std::hint::black_box(2.0f64);
    let ten = std::hint::black_box(10.0f64);
    let temp = (two.powf((lambda + 1) as f64) * WATSON_F0 as f64 * WATSON_G[theta] as f64
        / r as f64)
        .log10() as f32;
    (2.0 * WATSON_A as f64 * ten.powf((WATSON_K * temp * temp) as f64)
        / WATSON_BASIS_AMPLITUDE[lambda][theta] as f64) as f32
}

/// CSF reciprocal factor 1/Q for (scale, orientation index 0=h,1=v,2=d).
pub fn adm_rfactor(scale: usize) -> [f32; 3] {
    let f1 = 1.0f32 / adm_quant_step(scale, 1);
    let f2 = 1.0f32 / adm_quant_step(scale, 2);
    [f1, f1, f2]
}

/// One viewing condition of [`ADM_BLENDED_CSF`]: `(rdh, nvd)` and its factors.
pub type BlendedCsf = ((i32, f64), [[f32; 4]; 2]);

/// libvmaf's Barten–Watson blended CSF (`adm_csf_mode` 2): fixed factors per
/// viewing condition `(rdh, nvd)`, `[h and v, d][scale]` (`barten_csf_tools.h`).
/// 2160 lines at 1.5 H has the pixels per degree of 1080 at 3 H and uses its table.
pub const ADM_BLENDED_CSF: [BlendedCsf; 9] = [
    ((1080, 3.0), [[0.01183, 0.025026, 0.04295, 0.058621], [0.004302, 0.011778, 0.023918, 0.035901]]),
    ((1080, 5.0), [[0.004212, 0.014809, 0.029642, 0.047464], [0.000984, 0.005852, 0.0146, 0.027574]]),
    ((2160, 1.5), [[0.01183, 0.025026, 0.04295, 0.058621], [0.004302, 0.011778, 0.023918, 0.035901]]),
    ((2160, 3.0), [[0.00226, 0.01183, 0.025026, 0.04295], [0.000479, 0.004302, 0.011778, 0.023918]]),
    ((2160, 5.0), [[0.000092, 0.004212, 0.014809, 0.029642], [0.000050, 0.000984, 0.005852, 0.0146]]),
    ((720, 3.0), [[0.018715, 0.035637, 0.052798, 0.061509], [0.007999, 0.018396, 0.031851, 0.037718]]),
    ((720, 5.0), [[0.010144, 0.022561, 0.040309, 0.05672], [0.003463, 0.010282, 0.021839, 0.034641]]),
    ((480, 3.0), [[0.027961, 0.045875, 0.060275, 0.056234], [0.013572, 0.026277, 0.036959, 0.034511]]),
    ((480, 5.0), [[0.016781, 0.032822, 0.05032, 0.061594], [0.00691, 0.016545, 0.029917, 0.037777]]),
];

// ------------------------------------------------------------- motion -----

/// Motion blur taps (the same 5-tap kernel as VIF scale 2).
pub const MOTION_TAPS: [i32; 5] = [3571, 16004, 26386, 16004, 3571];
pub const MOTION_MAX: f64 = 10000.0;

// ------------------------------------------------------------ helpers -----

/// Whole-sample reflection ("reflect-101"): -k -> k, n-1+k -> n-1-k.
/// Clamped into range for degenerate (tiny) sizes so it can never panic.
#[inline(always)]
pub fn reflect101(idx: isize, n: usize) -> usize {
    let n = n as isize;
    let mut i = idx;
    if i < 0 {
        i = -i;
    }
    if i >= n {
        i = 2 * n - 2 - i;
    }
    i.clamp(0, (n - 1).max(0)) as usize
}

/// ADM's DWT index rule: -1 -> 1, n + k -> n - 1 - k ("reflect-dup" at the far edge).
#[inline(always)]
pub fn adm_dwt_mirror(idx: isize, n: usize) -> usize {
    let n = n as isize;
    let mut i = idx;
    if i < 0 {
        i = -i;
    }
    if i >= n {
        i = 2 * n - 1 - i;
    }
    i.clamp(0, (n - 1).max(0)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vif_taps_are_symmetric_and_sum_to_q16() {
        for s in 0..4 {
            let t = vif_taps(s);
            assert_eq!(t.iter().map(|&c| c as u32).sum::<u32>(), 65536);
            assert!(
                t.iter().eq(t.iter().rev()),
                "folded convolution needs symmetric taps"
            );
        }
        assert_eq!(MOTION_TAPS.iter().sum::<i32>(), 65536);
    }

    #[test]
    fn log_table_and_div_table() {
        let t = vif_log2_table();
        assert_eq!(t[32768], 15 * 2048);
        assert_eq!(t[65535], 16 * 2048);
        assert_eq!(log2_q11_u32(t, 1 << 20), 20 * 2048);
        assert_eq!(log2_q11_u64(t, 1u64 << 40), 40 * 2048);
        assert_eq!(ADM_DIV_LOOKUP[32768 + 1], 1 << 30);
        assert_eq!(ADM_DIV_LOOKUP[32768 - 3], -(1 << 30) / 3);
        assert_eq!(ADM_DIV_LOOKUP[65536], 32768);
    }

    #[test]
    fn mirrors() {
        assert_eq!(reflect101(-2, 10), 2);
        assert_eq!(reflect101(11, 10), 7);
        assert_eq!(adm_dwt_mirror(-1, 10), 1);
        assert_eq!(adm_dwt_mirror(10, 10), 9);
        assert_eq!(adm_dwt_mirror(11, 10), 8);
        assert_eq!(reflect101(-5, 1), 0);
    }
}
