//! Integer ADM (adm2 and adm_scale0..3), bit-exact with libvmaf's
//! `integer_adm.c` scalar path. Default options: Watson CSF, 3H viewing
//! distance at 1080 lines, noise weight 1/32; [`AdmConfig`] carries the others
//! (`adm_csf_mode` 2's blended CSF, other viewing conditions, noise weight), which
//! only the CPU path computes.
//!
//! Steps per scale:
//! 1. `dwt_s0` / `dwt_s123` – db2 analysis, vertical then horizontal (scale 0 on
//!    pixels, i32 sums / i16 results; scales 1..3 on the previous approximation
//!    band, i64 sums / i32 results), once per image;
//! 2. `decouple` – split the distorted detail bands into restored `r` and additive
//!    impairment `a`;
//! 3. [`csf_den`] – cube-sum of the weighted reference bands: integer totals,
//!    turned into the denominator by [`adm_den_finish`];
//! 4. `csf` – contrast sensitivity weighting of `a` and its /30 filter;
//! 5. `cm_thr` + [`cm`] – contrast-masking threshold and the cube-sum of the masked
//!    restored bands: integer totals, turned into the numerator by
//!    [`adm_cm_finish`] (AIM: steps 4 and 5 again with `r` and `a` swapped);
//! 6. [`adm_scores`]: adm2 and the per-scale scores.
//!
//! The GPU (`shaders/adm_*.wgsl`, `crate::features::adm::gpu`) runs them as three
//! passes per scale, each with a CPU twin of the same name over its bindings (at the
//! end of this file): [`adm_dwt_s0`] / [`adm_dwt_s123`] (step 1, both images),
//! [`adm_decouple_csf`] (steps 2 and 4, for the DLM and AIM) and [`adm_rows`] (the
//! row sums of steps 3 and 5).
//!
//! Band buffers hold i32 at every scale; values that libvmaf keeps in int16 at
//! scale 0 are truncated with `as i16` at exactly the points libvmaf stores
//! them.

use crate::features::tables::*;
use super::params::AdmParams;
use crate::features::twin;
use crate::io::Plane;

/// The four sub-bands of one DWT level. `hvd[0]` = h (high-pass vertical,
/// low-pass horizontal), `hvd[1]` = v, `hvd[2]` = d.
#[derive(Clone, Default)]
pub struct Bands {
    pub w: usize,
    pub h: usize,
    pub a: Vec<i32>,
    pub hvd: [Vec<i32>; 3],
}

impl Bands {
    /// Set the geometry; contents are left as they are (the DWT overwrites
    /// every sample).
    fn reset(&mut self, w: usize, h: usize) {
        self.w = w;
        self.h = h;
        for v in std::iter::once(&mut self.a).chain(self.hvd.iter_mut()) {
            ensure_len(v, w * h);
        }
    }
}

/// Make `v` at least `n` long, without clearing and without shrinking. Every pass
/// writes exactly the region the next pass reads (indexing `i * w + j`, never by the
/// vector's length), so stale samples outside it are never observed; and as the
/// scales' sizes alternate within a frame, a buffer keeps its largest size instead
/// of being shrunk and zero-filled again on every frame.
fn ensure_len(v: &mut Vec<i32>, n: usize) {
    if v.len() < n {
        v.resize(n, 0);
    }
}

/// Scratch buffers for one ADM evaluation.
#[derive(Default)]
pub struct AdmScratch {
    /// The vector level its passes are compiled for (the process's, unless chosen).
    pub isa: crate::simd::Isa,
    ref_b: Bands,
    dis_b: Bands,
    /// decoupled restored / additive bands (h, v, d)
    r: [Vec<i32>; 3],
    a: [Vec<i32>; 3],
    /// CSF-weighted additive bands and their /30 filtered magnitude
    csf_a: [Vec<i32>; 3],
    csf_f: [Vec<i32>; 3],
    /// per-pixel masking threshold
    thr: Vec<i32>,
    /// the rows of the fused CSF and masking passes (the scoring path)
    ring: CsfRing,
    lo: Vec<i32>,
    hi: Vec<i32>,
    pad_lo: Vec<i32>,
    pad_hi: Vec<i32>,
    /// packed copies of non-tight input planes, approximation bands of the previous scale
    pack: [Vec<u16>; 2],
    prev: [Vec<i32>; 2],
}

impl AdmScratch {
    /// An empty scratch whose passes run at `isa`.
    pub fn with_isa(isa: crate::simd::Isa) -> Self {
        AdmScratch { isa, ..AdmScratch::default() }
    }

    /// The bytes its buffers hold on the heap now.
    pub fn heap_bytes(&self) -> u64 {
        use crate::features::vec_bytes;
        let bands = |b: &Bands| vec_bytes(&b.a) + b.hvd.iter().map(vec_bytes).sum::<u64>();
        let all = |vs: &[Vec<i32>]| vs.iter().map(vec_bytes).sum::<u64>();
        bands(&self.ref_b)
            + bands(&self.dis_b)
            + all(&self.r)
            + all(&self.a)
            + all(&self.csf_a)
            + all(&self.csf_f)
            + [&self.thr, &self.lo, &self.hi, &self.pad_lo, &self.pad_hi].into_iter().map(vec_bytes).sum::<u64>()
            + self.ring.heap_bytes()
            + self.pack.iter().map(vec_bytes).sum::<u64>()
            + all(&self.prev)
    }
}

/// The parts of libvmaf's ADM options the passes read, resolved once per option set:
/// the enhancement gain limit, the CSF factors of every scale (float, as
/// `adm_csf_mode` picks them for the viewing condition `adm_norm_view_dist` ×
/// `adm_ref_display_height`), the scale-0 integer factors and the noise weight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdmConfig {
    pub gain_limit: f64,
    /// `[scale][h, v, d]`.
    pub rf: [[f32; 3]; 4],
    /// Scale 0's u16 factors: `rf·2^21` (h, v) and `rf·2^23` (d), truncated; libvmaf's
    /// rounded constants for the default Watson model at 3 H on 1080 lines.
    pub s0: [i32; 3],
    pub noise_weight: f64,
}

impl Default for AdmConfig {
    fn default() -> Self {
        AdmConfig::with_gain(crate::features::FeatureOptions::default().adm_enhn_gain_limit)
    }
}

impl AdmConfig {
    /// The default options with enhancement gain limit `gain_limit`.
    pub fn with_gain(gain_limit: f64) -> AdmConfig {
        AdmConfig::new(&crate::features::FeatureOptions { adm_enhn_gain_limit: gain_limit, ..Default::default() })
            .expect("the default ADM options are valid")
    }

    /// The configuration of `o`'s ADM options, or why libvmaf refuses them.
    pub fn new(o: &crate::features::FeatureOptions) -> Result<AdmConfig, String> {
        let (nvd, rdh) = (o.adm_norm_view_dist, o.adm_ref_display_height);
        // libvmaf's 16-bit pipeline cannot take a lower angular frequency than 3 H on 1080 lines.
        if nvd * (rdh as f64) < ADM_NORM_VIEW_DIST * ADM_REF_DISPLAY_HEIGHT as f64 {
            return Err(format!(
                "adm_norm_view_dist × adm_ref_display_height = {} is under {} (libvmaf refuses it)",
                nvd * rdh as f64,
                ADM_NORM_VIEW_DIST * ADM_REF_DISPLAY_HEIGHT as f64
            ));
        }
        let watson_default =
            (nvd * rdh as f64 - ADM_NORM_VIEW_DIST * ADM_REF_DISPLAY_HEIGHT as f64).abs() < 1.0e-8;
        let rf: [[f32; 3]; 4] = match o.adm_csf_mode {
            0 => std::array::from_fn(|scale| {
                let f1 = 1.0f32 / adm_quant_step_at(scale, 1, nvd, rdh);
                let f2 = 1.0f32 / adm_quant_step_at(scale, 2, nvd, rdh);
                [f1, f1, f2]
            }),
            2 => {
                let Some((_, table)) = ADM_BLENDED_CSF.iter().find(|((h, d), _)| *h == rdh && *d == nvd) else {
                    return Err(format!(
                        "adm_csf_mode 2 has no CSF for adm_ref_display_height {rdh} at adm_norm_view_dist {nvd}"
                    ));
                };
                std::array::from_fn(|scale| [table[0][scale], table[0][scale], table[1][scale]])
            }
            mode => return Err(format!("adm_csf_mode {mode} is not implemented (0 and 2 are)")),
        };
        let s0 = if watson_default && o.adm_csf_mode == 0 {
            ADM_S0_RFACTOR
        } else {
            // C's double → uint16 conversion (through a wider integer, as x86 does).
            let q = |f: f32, bits: i32| (f as f64 * 2f64.powi(bits)) as i64 as u16 as i32;
            [q(rf[0][0], 21), q(rf[0][1], 21), q(rf[0][2], 23)]
        };
        Ok(AdmConfig { gain_limit: o.adm_enhn_gain_limit, rf, s0, noise_weight: o.adm_noise_weight })
    }

    /// Scale `scale`'s (1..3) Q32 factors, as libvmaf converts them.
    pub fn rf_q32(&self, scale: usize) -> [i64; 3] {
        self.rf[scale].map(|r| (r as f64 * 4294967296.0) as i64 as u32 as i64)
    }

    /// The integer factors `scale`'s CSF and masking passes multiply by.
    pub fn factors(&self, scale: usize) -> CsfFactors {
        CsfFactors { s0: self.s0, q32: self.rf_q32(scale) }
    }
}

/// The integer CSF factors (h, v, d) of one scale, as the passes take them (the GPU's
/// in its params): scale 0's `s0`, or scales 1..3's in Q32.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsfFactors {
    pub s0: [i32; 3],
    pub q32: [i64; 3],
}

/// Rectangle `[top, bottom) x [left, right)` inside a band.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Region {
    pub top: usize,
    pub bottom: usize,
    pub left: usize,
    pub right: usize,
}

/// Region for decouple and CSF: one extra sample of margin for the 3x3
/// masking filter (`trunc(0.1 n - 1.5)`, far side `n - start + 2`).
pub(crate) fn region_filter(w: usize, h: usize) -> Region {
    let start = |n: usize| (n as f64 * ADM_BORDER_FACTOR - 0.5 - 1.0) as i64;
    let (l, t) = (start(w), start(h));
    let r = (w as i64 - l + 2).min(w as i64);
    let b = (h as i64 - t + 2).min(h as i64);
    Region {
        top: t.max(0) as usize,
        bottom: b.max(0) as usize,
        left: l.max(0) as usize,
        right: r.max(0) as usize,
    }
}

/// Region over which numerator and denominator are summed (`trunc(0.1 n - 0.5)`).
pub(crate) fn region_score(w: usize, h: usize) -> Region {
    let start = |n: usize| ((n as f64 * ADM_BORDER_FACTOR - 0.5) as i64).max(0);
    let (l, t) = (start(w), start(h));
    Region {
        top: t as usize,
        bottom: (h as i64 - t).max(t) as usize,
        left: l as usize,
        right: (w as i64 - l).max(l) as usize,
    }
}

/// `ceil(log2(n))` as libvmaf computes it (in double), as u32 (0 for n <= 1).
fn ceil_log2(n: f64) -> u32 {
    let v = n.log2().ceil();
    if v > 0.0 { v as u32 } else { 0 }
}

#[inline(always)]
fn half_round_u(s: u32) -> u64 {
    if s == 0 { 0 } else { 1u64 << (s - 1) }
}

/// The data-dependent shifts of the two sums of one `w x h` band (shared by the
/// CPU passes and `gpu::adm`'s params, so both use the same values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AdmShifts {
    /// `csf_den`, scales 1..3: `o²` is rounded by `den_sq` bits (adding
    /// `2^den_sq`), the cube by `den_cub = ceil(log2(cols))`.
    pub den_sq: u32,
    pub den_cub: u32,
    /// `csf_den`: each row sum is rounded by `den_row` bits (scale 0:
    /// `max(0, ceil(log2(area) − 20))`, scales 1..3: `ceil(log2(rows))`).
    pub den_row: u32,
    /// `cm`: the cube shift per band (h, v, d) and the row shift `ceil(log2 h)`.
    pub cm_cub: [u32; 3],
    pub cm_row: u32,
}

pub(crate) fn adm_shifts(w: usize, h: usize, scale: usize) -> AdmShifts {
    let reg = region_score(w, h);
    let rows = reg.bottom - reg.top;
    let cols = reg.right - reg.left;
    let (den_sq, den_cub, den_row) = if scale == 0 {
        let v = (((rows * cols) as f64).log2() - 20.0).ceil() as i32;
        (0, 0, v.max(0) as u32)
    } else {
        (ADM_S123_DEN_SQ_SHIFT[scale - 1], ceil_log2(cols as f64), ceil_log2(rows as f64))
    };
    let cm_cub = if scale == 0 {
        let lw = (w as f64).log2();
        let cub = |c: f64| {
            let v = (lw - c).ceil();
            if v > 0.0 { v as u32 } else { 0 }
        };
        [cub(4.0), cub(4.0), cub(3.0)]
    } else {
        [ceil_log2(w as f64); 3]
    };
    AdmShifts { den_sq, den_cub, den_row, cm_cub, cm_row: ceil_log2(h as f64) }
}

// ------------------------------------------------------------------ DWT ---

/// DWT source indices of output `i`: 2i-1 .. 2i+2 with ADM's mirror rule.
fn dwt_taps_index(i: usize, n: usize) -> [usize; 4] {
    let b = 2 * i as isize;
    [b - 1, b, b + 1, b + 2].map(|k| adm_dwt_mirror(k, n))
}

/// Pass 1a (vertical) at scale 0: lo/hi filter of four pixel rows.
/// lo is centred by `LO_SUM * 2^(s-1)`; `(Σ + 2^(s-1)) >> s`, stored as i16.
/// i32 sums (they wrap for 16-bit input exactly as libvmaf's do; the centred
/// result is in range, so wrapping arithmetic gives the exact value).
#[inline(always)]
fn adm_dwt_v_s0(
    src: &[u16],
    w: usize,
    rows: [usize; 4],
    bit_depth: u8,
    lo: &mut [i32],
    hi: &mut [i32],
) {
    let shift = if bit_depth <= 8 { 8 } else { bit_depth as u32 };
    let round = 1i32 << (shift - 1);
    let centre = ADM_DWT_LO_SUM.wrapping_mul(round);
    let r: [&[u16]; 4] = rows.map(|y| &src[y * w..y * w + w]);
    let (lo, hi) = (&mut lo[..w], &mut hi[..w]);
    for j in 0..w {
        let x = [
            r[0][j] as i32,
            r[1][j] as i32,
            r[2][j] as i32,
            r[3][j] as i32,
        ];
        let mut l = 0i32;
        let mut hh = 0i32;
        for k in 0..4 {
            l = l.wrapping_add(ADM_DWT_LO[k].wrapping_mul(x[k]));
            hh = hh.wrapping_add(ADM_DWT_HI[k].wrapping_mul(x[k]));
        }
        lo[j] = (l.wrapping_sub(centre).wrapping_add(round) >> shift) as i16 as i32;
        hi[j] = (hh.wrapping_add(round) >> shift) as i16 as i32;
    }
}

/// Pass 1a (vertical) at scales 1..3 on an i32 band, i64 sums.
#[inline(always)]
fn adm_dwt_v_s123(
    src: &[i32],
    w: usize,
    rows: [usize; 4],
    add: i64,
    shift: u32,
    lo: &mut [i32],
    hi: &mut [i32],
) {
    let r: [&[i32]; 4] = rows.map(|y| &src[y * w..y * w + w]);
    let (lo, hi) = (&mut lo[..w], &mut hi[..w]);
    for j in 0..w {
        let x = [
            r[0][j] as i64,
            r[1][j] as i64,
            r[2][j] as i64,
            r[3][j] as i64,
        ];
        let mut l = 0i64;
        let mut hh = 0i64;
        for k in 0..4 {
            l += ADM_DWT_LO[k] as i64 * x[k];
            hh += ADM_DWT_HI[k] as i64 * x[k];
        }
        lo[j] = ((l + add) >> shift) as i32;
        hi[j] = ((hh + add) >> shift) as i32;
    }
}

/// Split a row into its even and odd padded samples, so that output column j of the
/// horizontal pass reads `even[j], odd[j], even[j+1], odd[j+1]` (padded samples 2j-1 ..
/// 2j+2, with ADM's mirror rule: index -1 -> 1, w -> w-1, w+1 -> w-2). `pad` holds
/// `even` then `odd`, `w.div_ceil(2) + 1` each: contiguous reads for the vector loop
/// instead of strided ones.
#[inline(always)]
fn pad_dwt_row(row: &[i32], w: usize, pad: &mut Vec<i32>) {
    let n = w.div_ceil(2) + 1;
    ensure_len(pad, 2 * n);
    let (even, odd) = pad[..2 * n].split_at_mut(n);
    let at = |k: isize| row[adm_dwt_mirror(k, w)];
    // padded sample p is row[p - 1]: even[k] = row[2k - 1], odd[k] = row[2k]
    let pairs = w / 2;
    for (m, p) in row[..2 * pairs].chunks_exact(2).enumerate() {
        odd[m] = p[0];
        even[m + 1] = p[1];
    }
    even[0] = at(-1);
    for k in pairs..n {
        odd[k] = at(2 * k as isize);
    }
    for k in pairs + 1..n {
        even[k] = at(2 * k as isize - 1);
    }
}

/// The four taps' inputs of a split row ([`pad_dwt_row`]) as `ow`-long slices, so
/// the horizontal loop carries no bounds checks.
#[inline(always)]
fn dwt_tap_inputs(pad: &[i32], ow: usize) -> [&[i32]; 4] {
    let (even, odd) = pad[..2 * (ow + 1)].split_at(ow + 1);
    [&even[..ow], &odd[..ow], &even[1..], &odd[1..]]
}

/// Pass 1b (horizontal): lo/hi filters on the split lo and hi rows ([`pad_dwt_row`]),
/// writing one row of each band. `s16` selects scale-0 arithmetic (i32 sums, i16
/// results) versus scales 1..3 (i64 sums, i32 results).
#[inline(always)]
fn adm_dwt_h(
    pad_lo: &[i32],
    pad_hi: &[i32],
    ow: usize,
    y: usize,
    add: i64,
    shift: u32,
    s16: bool,
    out: &mut Bands,
) {
    let base = y * ow;
    let [bh, bv, bd] = &mut out.hvd;
    let ba = &mut out.a[base..base + ow];
    let bh = &mut bh[base..base + ow];
    let bv = &mut bv[base..base + ow];
    let bd = &mut bd[base..base + ow];
    let (l, hh) = (dwt_tap_inputs(pad_lo, ow), dwt_tap_inputs(pad_hi, ow));
    let bands = [ba, bv, bh, bd];
    if s16 {
        dwt_h_bands(l, hh, bands, |taps, s| {
            let mut acc = 0i32;
            for k in 0..4 {
                acc = acc.wrapping_add(taps[k].wrapping_mul(s[k]));
            }
            (acc.wrapping_add(add as i32) >> shift) as i16 as i32
        });
    } else {
        dwt_h_bands(l, hh, bands, |taps, s| {
            let mut acc = 0i64;
            for k in 0..4 {
                acc += taps[k] as i64 * s[k] as i64;
            }
            ((acc + add) >> shift) as i32
        });
    }
}

/// One row of each band (a, v from the lo row; h, d from the hi row) by the tap
/// filter `f`, one loop per arithmetic so each vectorises on its own.
#[inline(always)]
fn dwt_h_bands(l: [&[i32]; 4], hh: [&[i32]; 4], [ba, bv, bh, bd]: [&mut [i32]; 4], f: impl Fn(&[i32; 4], [i32; 4]) -> i32) {
    for j in 0..ba.len() {
        let (lj, hj) = (l.map(|v| v[j]), hh.map(|v| v[j]));
        ba[j] = f(&ADM_DWT_LO, lj);
        bv[j] = f(&ADM_DWT_HI, lj);
        bh[j] = f(&ADM_DWT_LO, hj);
        bd[j] = f(&ADM_DWT_HI, hj);
    }
}

/// Scale-0 DWT of a pixel plane into `out`.
#[inline(always)]
fn dwt_s0(
    src: &[u16],
    w: usize,
    h: usize,
    bit_depth: u8,
    out: &mut Bands,
    sc_lo: &mut Vec<i32>,
    sc_hi: &mut Vec<i32>,
    pl: &mut Vec<i32>,
    ph: &mut Vec<i32>,
) {
    let (ow, oh) = (w.div_ceil(2), h.div_ceil(2));
    out.reset(ow, oh);
    sc_lo.resize(w, 0);
    sc_hi.resize(w, 0);
    for y in 0..oh {
        adm_dwt_v_s0(src, w, dwt_taps_index(y, h), bit_depth, sc_lo, sc_hi);
        pad_dwt_row(sc_lo, w, pl);
        pad_dwt_row(sc_hi, w, ph);
        adm_dwt_h(pl, ph, ow, y, 32768, 16, true, out);
    }
}

/// Scale 1..3 DWT of the previous approximation band.
#[inline(always)]
fn dwt_s123(
    src: &[i32],
    w: usize,
    h: usize,
    scale: usize,
    out: &mut Bands,
    sc_lo: &mut Vec<i32>,
    sc_hi: &mut Vec<i32>,
    pl: &mut Vec<i32>,
    ph: &mut Vec<i32>,
) {
    let (ow, oh) = (w.div_ceil(2), h.div_ceil(2));
    out.reset(ow, oh);
    sc_lo.resize(w, 0);
    sc_hi.resize(w, 0);
    let (va, vs, ha, hs) = ADM_S123_DWT_SHIFTS[scale - 1];
    for y in 0..oh {
        adm_dwt_v_s123(src, w, dwt_taps_index(y, h), va, vs, sc_lo, sc_hi);
        pad_dwt_row(sc_lo, w, pl);
        pad_dwt_row(sc_hi, w, ph);
        adm_dwt_h(pl, ph, ow, y, ha, hs, false, out);
    }
}


// ------------------------------------------------------------- decouple ---

/// The 1° angle test of `decouple`, in float/double exactly like libvmaf:
/// `dp ≥ 0 && dp² ≥ cos²(1°)·(|o|²/4096)·(|t|²/4096)` with `dp = ot_dp/4096`, each
/// i64 converted to f32 first, the rest in double. `features::wide::adm_angle_flag` is
/// its integer-only twin (what the shader runs).
pub fn adm_angle_flag(ot_dp: i64, o_mag_sq: i64, t_mag_sq: i64) -> bool {
    let cos_sq = adm_cos_1deg_sq() as f64;
    let dp = (ot_dp as f32) as f64 / 4096.0;
    dp >= 0.0
        && dp * dp
            >= cos_sq * ((o_mag_sq as f32) as f64 / 4096.0) * ((t_mag_sq as f32) as f64 / 4096.0)
}

/// Pass 2: decouple. For each pixel of the filter region:
/// k = clamp(t / o, 0, 1) in Q15 via the reciprocal table, r = k·o, with
/// the enhancement-gain rule when the (h, v) angle between ref and dis is
/// under 1°, and a = t - r.
///
/// Rows whose values fit [`lanes_fit`] run [`decouple_pixel_lanes`] at AVX2 and
/// AVX-512 (the same numbers, in f64 vector code); the others, and every row at the
/// lower levels, run [`decouple_pixel`].
#[inline(always)]
fn decouple(
    isa: crate::simd::Isa,
    refb: &Bands,
    disb: &Bands,
    scale: usize,
    gain_limit: f64,
    r_out: &mut [Vec<i32>; 3],
    a_out: &mut [Vec<i32>; 3],
) {
    use crate::simd::Level;
    let (w, h) = (refb.w, refb.h);
    for v in r_out.iter_mut().chain(a_out.iter_mut()) {
        ensure_len(v, w * h);
    }
    let reg = region_filter(w, h);
    if reg.left >= reg.right {
        return;
    }
    // The lanes' bound on the gained value needs a gain limit that is not negative
    // (libvmaf allows 1..100; the library takes any).
    let lanes = matches!(isa.level(), Level::Avx2 | Level::Avx512) && gain_limit >= 0.0;
    let cos_sq = adm_cos_1deg_sq() as f64;
    let scale0 = scale == 0;
    for i in reg.top..reg.bottom {
        let rs = i * w + reg.left..i * w + reg.right;
        let o: [&[i32]; 3] = std::array::from_fn(|b| &refb.hvd[b][rs.clone()]);
        let t: [&[i32]; 3] = std::array::from_fn(|b| &disb.hvd[b][rs.clone()]);
        let [r0, r1, r2] = r_out;
        let [a0, a1, a2] = a_out;
        let r = [&mut r0[rs.clone()], &mut r1[rs.clone()], &mut r2[rs.clone()]];
        let a = [&mut a0[rs.clone()], &mut a1[rs.clone()], &mut a2[rs.clone()]];
        if lanes && lanes_fit(o, t, scale0) {
            // one loop per scale kind, so neither carries the other's selects
            if scale0 {
                decouple_row_lanes::<true>(o, t, r, a, gain_limit, cos_sq);
            } else {
                decouple_row_lanes::<false>(o, t, r, a, gain_limit, cos_sq);
            }
        } else {
            for j in 0..rs.len() {
                let (rv, av) = decouple_pixel([o[0][j], o[1][j], o[2][j]], [t[0][j], t[1][j], t[2][j]], scale, gain_limit);
                for b in 0..3 {
                    (r[b][j], a[b][j]) = (rv[b], av[b]);
                }
            }
        }
    }
}

/// [`decouple_pixel_lanes`] over one row (`o`, `t`, `r`, `a`: its bands, equally long).
#[inline(always)]
fn decouple_row_lanes<const S0: bool>(
    o: [&[i32]; 3],
    t: [&[i32]; 3],
    r: [&mut [i32]; 3],
    a: [&mut [i32]; 3],
    gain_limit: f64,
    cos_sq: f64,
) {
    let n = o[0].len();
    let [o0, o1, o2] = o.map(|v| &v[..n]);
    let [t0, t1, t2] = t.map(|v| &v[..n]);
    let [r0, r1, r2] = r;
    let [a0, a1, a2] = a;
    let (r0, r1, r2, a0, a1, a2) = (&mut r0[..n], &mut r1[..n], &mut r2[..n], &mut a0[..n], &mut a1[..n], &mut a2[..n]);
    for j in 0..n {
        let (rv, av) = decouple_pixel_lanes::<S0>([o0[j], o1[j], o2[j]], [t0[j], t1[j], t2[j]], gain_limit, cos_sq);
        (r0[j], r1[j], r2[j]) = (rv[0], rv[1], rv[2]);
        (a0[j], a1[j], a2[j]) = (av[0], av[1], av[2]);
    }
}

/// libvmaf's decouple of one pixel: reference detail values `o` (h, v, d) and
/// distorted `t`, to the restored `r` and additive `a` values.
#[inline(always)]
fn decouple_pixel(o: [i32; 3], t: [i32; 3], scale: usize, gain_limit: f64) -> ([i32; 3], [i32; 3]) {
    let (oh, ov, th, tv) = (o[0] as i64, o[1] as i64, t[0] as i64, t[1] as i64);
    let ot_dp = oh * th + ov * tv;
    let o_mag_sq = oh * oh + ov * ov;
    let t_mag_sq = th * th + tv * tv;
    let angle_flag = adm_angle_flag(ot_dp, o_mag_sq, t_mag_sq);
    let (mut r, mut a) = ([0; 3], [0; 3]);
    for b in 0..3 {
        let (ob, tb) = (o[b], t[b]);
        let k: i64 = if ob == 0 {
            32768
        } else if scale == 0 {
            (ADM_DIV_LOOKUP[(ob + 32768) as usize] as i64 * tb as i64 + 16384) >> 15
        } else {
            let abs_o = ob.unsigned_abs();
            let sign: i64 = if ob < 0 { -1 } else { 1 };
            let (msb, sh) = if abs_o < 32768 {
                (abs_o, 0u32)
            } else {
                let s = 17 - abs_o.leading_zeros();
                ((abs_o + (1 << (s - 1))) >> s, s)
            };
            let d = ADM_DIV_LOOKUP[(msb as usize + 32768).min(65536)] as i64;
            ((d * tb as i64) * sign + (1i64 << (14 + sh))) >> (15 + sh)
        };
        let k = k.clamp(0, 32768);
        let mut rst = if scale == 0 {
            (((k as i32) * ob + 16384) >> 15) as i16 as i32
        } else {
            ((k * ob as i64 + 16384) >> 15) as i32
        };
        // sign of the float product k/32768 * o/64 (k >= 0)
        if angle_flag && k > 0 && ob != 0 {
            let v = enhanced(rst, ob, tb, gain_limit);
            rst = if scale == 0 { v as i16 as i32 } else { v as i32 };
        }
        r[b] = rst;
        a[b] = if scale == 0 { tb.wrapping_sub(rst) as i16 as i32 } else { tb.wrapping_sub(rst) };
    }
    (r, a)
}

/// The enhancement-gain rule's restored value: `r·gain_limit`, limited by `t` on the
/// side of `o`'s sign (a NaN product gives `t`).
#[inline(always)]
fn enhanced(rst: i32, ob: i32, tb: i32, gain_limit: f64) -> f64 {
    let scaled = rst as f64 * gain_limit;
    let tbf = tb as f64;
    if ob > 0 {
        if scaled < tbf { scaled } else { tbf }
    } else if scaled > tbf {
        scaled
    } else {
        tbf
    }
}

/// Whether one row's values are in the range [`decouple_pixel_lanes`] is exact for:
/// at scale 0 every value an i16 (as libvmaf stores them there; the i16 reciprocal
/// is not shifted), at scales 1..3 any.
#[inline(always)]
fn lanes_fit(o: [&[i32]; 3], t: [&[i32]; 3], scale0: bool) -> bool {
    let in_i16 = |v: &[i32]| v.iter().fold(true, |ok, &x| ok & (x as i16 as i32 == x));
    !scale0 || o.iter().chain(&t).all(|v| in_i16(v))
}

/// `2^e` for an exponent in f64's normal range, built from its bits (vectorises,
/// unlike `powi`).
#[inline(always)]
fn pow2(e: i64) -> f64 {
    f64::from_bits(((1023 + e) as u64) << 52)
}

/// [`decouple_pixel`] as straight-line f64 code that the compiler vectorises (no
/// table, no branch), for values within [`lanes_fit`] and a gain limit ≥ 0. Every
/// step is exact:
/// - the reference's shift of |o| to 15 significant bits (scales 1..3) is `s`
///   from the f64 exponent, the rounded value a floor after scaling by `2^-s`;
/// - the table's reciprocal `⌊2^30/m⌋` is the f64 quotient truncated: the quotient
///   is at least `1/m ≥ 2^-15` from the next integer, far above its rounding error;
/// - `k = (d·t·sign + 2^(14+s)) >> (15+s)`: at scale 0 directly (`|d·t| < 2^45`), at
///   scales 1..3 with `d = 2^15·dh + dl`, so that `dh·t` and `dl·t` stay below 2^47, and
///   `⌊(2^15·dh·t + x)/2^15⌋ = dh·t + ⌊x/2^15⌋`;
/// - the angle test's dot product and squared lengths are the reference's i64 sums
///   (wrapping where the reference's would overflow), rounded to f32 by
///   [`crate::simd::i64_to_f32_exact`];
/// - the gained value lies between 0 and `t` (the gain limit is not negative; a NaN
///   product selects `t`, as the reference's comparisons do), so truncating it and
///   converting with [`crate::simd::f64_to_i64_exact`] is the reference's cast.
#[inline(always)]
fn decouple_pixel_lanes<const S0: bool>(o: [i32; 3], t: [i32; 3], gain_limit: f64, cos_sq: f64) -> ([i32; 3], [i32; 3]) {
    use crate::simd::{f64_to_i64_exact, i64_to_f32_exact};
    const Q15: f64 = 1.0 / 32768.0;
    let (oh, ov, th, tv) = (o[0] as i64, o[1] as i64, t[0] as i64, t[1] as i64);
    let f = |v: i64| i64_to_f32_exact(v) as f64 / 4096.0;
    let dp = f((oh * th).wrapping_add(ov * tv));
    let o_mag = f((oh * oh).wrapping_add(ov * ov));
    let t_mag = f((th * th).wrapping_add(tv * tv));
    let angle = (dp >= 0.0) & (dp * dp >= cos_sq * o_mag * t_mag);
    let (mut r, mut a) = ([0; 3], [0; 3]);
    for b in 0..3 {
        let (ob, tb) = (o[b], t[b]);
        let abs_o = (ob as f64).abs();
        // floor(log2 |o|) - 14, for |o| ≥ 2^15 at scales 1..3
        let s = if S0 { 0 } else { ((abs_o.to_bits() >> 52) as i64 - 1023 - 14).max(0) };
        let round = if s > 0 { 0.5 } else { 0.0 };
        let m = (abs_o * pow2(-s) + round).floor().max(1.0);
        let d = (1_073_741_824.0 / m).trunc();
        let tt = if ob < 0 { -(tb as f64) } else { tb as f64 };
        let k = if S0 {
            // |d·t| < 2^45: exact as it is
            ((d * tt + 16384.0) * Q15).floor()
        } else {
            let dh = (d * Q15).floor();
            let dl = d - dh * 32768.0;
            let q = dh * tt + ((dl * tt + pow2(14 + s)) * Q15).floor();
            (q * pow2(-s)).floor()
        };
        let k = if ob == 0 { 32768.0 } else { k.clamp(0.0, 32768.0) };
        let rst = f64_to_i64_exact(((k * ob as f64 + 16384.0) * Q15).floor()) as i32;
        let rst = if S0 { rst as i16 as i32 } else { rst };
        let v = f64_to_i64_exact(enhanced(rst, ob, tb, gain_limit).trunc()) as i32;
        let rst = if angle & (k > 0.0) & (ob != 0) { v } else { rst };
        r[b] = rst;
        a[b] = if S0 { tb.wrapping_sub(rst) as i16 as i32 } else { tb.wrapping_sub(rst) };
    }
    (r, a)
}

/// Three detail bands (h, v, d), row-major.
pub type Hvd = [Vec<i32>; 3];

/// [`decouple`] of given detail bands (h, v, d) of a `w x h` band, for
/// pass-level tests with values no image produces: (r, a), each masked to the
/// filter region (see [`adm_trace_mask`]).
#[doc(hidden)]
pub fn adm_decouple_bands(
    o: &[Vec<i32>; 3],
    t: &[Vec<i32>; 3],
    w: usize,
    h: usize,
    scale: usize,
    gain_limit: f64,
) -> (Hvd, Hvd) {
    adm_decouple_bands_at(crate::simd::Isa::Scalar, o, t, w, h, scale, gain_limit)
}

/// [`adm_decouple_bands`] compiled for and run at `isa`.
#[doc(hidden)]
pub fn adm_decouple_bands_at(
    isa: crate::simd::Isa,
    o: &[Vec<i32>; 3],
    t: &[Vec<i32>; 3],
    w: usize,
    h: usize,
    scale: usize,
    gain_limit: f64,
) -> (Hvd, Hvd) {
    let bands = |hvd: &[Vec<i32>; 3]| Bands { w, h, a: Vec::new(), hvd: hvd.clone() };
    let (mut r, mut a) = (Default::default(), Default::default());
    crate::simd::vectorize(isa, #[inline(always)] || decouple(isa, &bands(o), &bands(t), scale, gain_limit, &mut r, &mut a));
    let mask = |v: [Vec<i32>; 3]| v.map(|p| adm_trace_mask(&p, w, h, false));
    (mask(r), mask(a))
}

// ------------------------------------------------------------------ CSF ---

/// Pass 3: CSF. `csf_a = a · rfactor` (scale 0: u16 factors, `(x + add) >> sh`
/// to i16; scales 1..3: Q32 factors, `rnd(·, 28)`), and the masking input
/// `csf_f = |csf_a| / 30` (scale 0: `(4369·|x| + 2048) >> 12`; scales 1..3:
/// `(143165577·|x| - 2^31) >> 32`).
#[inline(always)]
fn csf(
    a: &[Vec<i32>; 3],
    w: usize,
    h: usize,
    scale: usize,
    csf_a: &mut [Vec<i32>; 3],
    csf_f: &mut [Vec<i32>; 3],
    factors: CsfFactors,
) {
    let reg = region_filter(w, h);
    for b in 0..3 {
        ensure_len(&mut csf_a[b], w * h);
        ensure_len(&mut csf_f[b], w * h);
        for i in reg.top..reg.bottom {
            let rs = i * w + reg.left..i * w + reg.right;
            csf_row(&a[b][rs.clone()], scale, b, factors, &mut csf_a[b][rs.clone()], &mut csf_f[b][rs]);
        }
    }
}

/// [`csf`] of one row of band `b` (the filter region's columns).
#[inline(always)]
fn csf_row(src: &[i32], scale: usize, b: usize, factors: CsfFactors, da: &mut [i32], df: &mut [i32]) {
    if scale == 0 {
        let (f, add, sh) = (factors.s0[b], ADM_S0_CSF_ADD[b], ADM_S0_CSF_SHIFT[b]);
        for ((s, da), df) in src.iter().zip(da.iter_mut()).zip(df.iter_mut()) {
            let v = (f.wrapping_mul(*s).wrapping_add(add) >> sh) as i16 as i32;
            *da = v;
            *df = ((ADM_S0_ONE_BY_30 * v.abs() + 2048) >> 12) as i16 as i32;
        }
    } else {
        let rf32 = factors.q32[b];
        for ((s, da), df) in src.iter().zip(da.iter_mut()).zip(df.iter_mut()) {
            let v = ((rf32 * *s as i64 + (1 << 27)) >> 28) as i32;
            *da = v;
            *df = ((ADM_S123_ONE_BY_30 * v.unsigned_abs() as i64 + ADM_S123_FLT_ADD) >> 32) as i32;
        }
    }
}

/// Pass 4: denominator of one scale from the reference detail bands: the
/// integer totals (h, v, d) that [`adm_den_finish`] turns into `den_scale`.
/// Per band, Σ|o|³ over each row (u64, wrapping), each row rounded by
/// `den_row`, rows summed (u64, wrapping). Scales 1..3 round `o²` and the cube
/// on the way (see [`AdmShifts`]).
#[inline(always)]
fn csf_den(refb: &Bands, scale: usize) -> [u64; 3] {
    let (w, h) = (refb.w, refb.h);
    let reg = region_score(w, h);
    let sh = adm_shifts(w, h, scale);
    let add_row = half_round_u(sh.den_row);
    let mut acc = [0u64; 3];
    for (b, acc) in acc.iter_mut().enumerate() {
        for i in reg.top..reg.bottom {
            let row = &refb.hvd[b][i * w + reg.left..i * w + reg.right];
            let mut inner = 0u64;
            if scale == 0 {
                for &o in row {
                    let m = (o as i16).unsigned_abs() as u64;
                    inner = inner.wrapping_add(m * m * m);
                }
            } else {
                let add_sq = 1u64 << sh.den_sq; // libvmaf adds 2^s (not 2^(s-1)) here
                let add_cub = half_round_u(sh.den_cub);
                for &o in row {
                    let m = o.unsigned_abs() as u64;
                    let sq = (m * m).wrapping_add(add_sq) >> sh.den_sq;
                    inner = inner.wrapping_add((sq.wrapping_mul(m).wrapping_add(add_cub)) >> sh.den_cub);
                }
            }
            *acc = acc.wrapping_add(inner.wrapping_add(add_row) >> sh.den_row);
        }
    }
    acc
}

/// libvmaf's `den_scale` float from [`csf_den`]'s totals of a `w x h` band
/// (shared by the CPU and the GPU path, which reduces the same totals).
pub fn adm_den_finish(acc: [u64; 3], w: usize, h: usize, scale: usize) -> f32 {
    adm_den_finish_with(acc, w, h, scale, &AdmConfig::default())
}

/// [`adm_den_finish`] with the CSF factors and noise weight of `cfg`.
pub fn adm_den_finish_with(acc: [u64; 3], w: usize, h: usize, scale: usize, cfg: &AdmConfig) -> f32 {
    let reg = region_score(w, h);
    let area = (reg.bottom - reg.top) * (reg.right - reg.left);
    let rf = cfg.rf[scale];
    let sh = adm_shifts(w, h, scale);
    let div = if scale == 0 {
        2f64.powf((18 - sh.den_row as i32) as f64)
    } else {
        // unsigned exponent arithmetic, as in libvmaf
        let e = ADM_S123_DEN_CONVERT[scale - 1].wrapping_sub(sh.den_row).wrapping_sub(sh.den_cub);
        2f64.powf(e as f64)
    };
    let csf: [f64; 3] = std::array::from_fn(|b| (acc[b] as f64 / div) * (rf[b] as f64).powf(3.0));
    let add = ((area as f64 * cfg.noise_weight) as f32).powf(1.0f32 / 3.0);
    let d = csf.map(|c| (c as f32).powf(1.0f32 / 3.0) + add);
    d[0] + d[1] + d[2]
}

// ------------------------------------------------------------------- CM ---

/// Pass 5a: masking threshold over the score region:
/// `thr = Σ_bands (Σ_3x3 csf_f − csf_f[centre] + |csf_a[centre]|/15)`, with
/// neighbour rows/cols mirrored as -1 -> 1 and n -> n-1.
#[inline(always)]
fn cm_thr(
    csf_a: &[Vec<i32>; 3],
    csf_f: &[Vec<i32>; 3],
    w: usize,
    h: usize,
    scale: usize,
    thr: &mut Vec<i32>,
) {
    ensure_len(thr, w * h);
    let reg = region_score(w, h);
    if reg.left >= reg.right || reg.top >= reg.bottom {
        return;
    }
    let mut colsum = vec![0i32; w];
    for i in reg.top..reg.bottom {
        let rows = neighbour_rows(i, h);
        let f = std::array::from_fn(|b| rows.map(|r| &csf_f[b][r * w..][..w]));
        let a = std::array::from_fn(|b| &csf_a[b][i * w..][..w]);
        cm_thr_row(f, a, w, h, scale, &mut colsum, &mut thr[i * w..(i + 1) * w]);
    }
}

/// Rows `i − 1`, `i`, `i + 1` of an `h`-row band, mirrored at its edges.
#[inline(always)]
fn neighbour_rows(i: usize, h: usize) -> [usize; 3] {
    let up = if i == 0 { 1.min(h - 1) } else { i - 1 };
    let down = if i + 1 >= h { h - 1 } else { i + 1 };
    [up, i, down]
}

/// [`cm_thr`] of one row: `f[b]` the rows above, at and below it of band `b`'s
/// `csf_f`, `a[b]` its row of `csf_a`, all `w` wide; writes the score region's
/// columns of `out`. `colsum` is scratch of `w` samples.
#[inline(always)]
fn cm_thr_row(f: [[&[i32]; 3]; 3], a: [&[i32]; 3], w: usize, h: usize, scale: usize, colsum: &mut [i32], out: &mut [i32]) {
    // every slice exactly w long, so the loops below carry no bounds checks
    let (f, a) = (f.map(|rows| rows.map(|r| &r[..w])), a.map(|r| &r[..w]));
    let (colsum, out) = (&mut colsum[..w], &mut out[..w]);
    let reg = region_score(w, h);
    // The 3x3 sum is separable: column sums of the three rows first, then three of
    // those per pixel. All sums wrap mod 2^32, so the order does not change them.
    // Only the columns the score region reads: its own and one either side.
    let (cl, cr) = (reg.left.saturating_sub(1), (reg.right + 1).min(w));
    // Columns whose neighbours are j - 1 and j + 1 (no mirroring): a plain loop.
    let (inner_l, inner_r) = (reg.left.max(1), reg.right.min(w.saturating_sub(1)).max(reg.left.max(1)));
    out[reg.left..reg.right].fill(0);
    for b in 0..3 {
        let [r0, r1, r2] = f[b];
        let sums = colsum[cl..cr].iter_mut().zip(&r0[cl..cr]).zip(&r1[cl..cr]).zip(&r2[cl..cr]);
        for (((s, x), y), z) in sums {
            *s = x.wrapping_add(*y).wrapping_add(*z);
        }
        if scale == 0 {
            thr_add_band::<true>(colsum, r1, a[b], reg.left..reg.right, inner_l..inner_r, w, out);
        } else {
            thr_add_band::<false>(colsum, r1, a[b], reg.left..reg.right, inner_l..inner_r, w, out);
        }
    }
}

/// `|csf_a| / 15` of the threshold's centre (scale 0: `(2185·|x| + 2048) >> 12` to i16;
/// scales 1..3: Q32).
#[inline(always)]
fn thr_centre<const S0: bool>(x: i32) -> i32 {
    if S0 {
        ((ADM_S0_ONE_BY_15 * x.abs() + 2048) >> 12) as i16 as i32
    } else {
        ((ADM_S123_ONE_BY_15 * x.unsigned_abs() as i64 + ADM_S123_FLT_ADD) >> 32) as i32
    }
}

/// Adds one band's threshold terms to `out` over `cols`: the 3x3 sum of `csf_f` from
/// the column sums, less the centre `mid[j]`, plus [`thr_centre`] of `ca[j]`.
/// `inner` are the columns whose neighbours need no mirroring.
#[inline(always)]
fn thr_add_band<const S0: bool>(
    colsum: &[i32],
    mid: &[i32],
    ca: &[i32],
    cols: std::ops::Range<usize>,
    inner: std::ops::Range<usize>,
    w: usize,
    out: &mut [i32],
) {
    let left = |j: usize| if j == 0 { 1.min(w - 1) } else { j - 1 };
    let right = |j: usize| if j + 1 >= w { w - 1 } else { j + 1 };
    let at = |j: usize| {
        colsum[left(j)].wrapping_add(colsum[j]).wrapping_add(colsum[right(j)]).wrapping_sub(mid[j]).wrapping_add(thr_centre::<S0>(ca[j]))
    };
    for j in (cols.start..inner.start).chain(inner.end..cols.end) {
        out[j] = out[j].wrapping_add(at(j));
    }
    // the inner columns as slices of one length, so the loop vectorises
    let n = inner.len();
    if n == 0 {
        return;
    }
    let (l, c, r) = (&colsum[inner.start - 1..][..n], &colsum[inner.start..][..n], &colsum[inner.start + 1..][..n]);
    let (m, a, o) = (&mid[inner.clone()], &ca[inner.clone()], &mut out[inner]);
    for k in 0..n {
        let s = l[k].wrapping_add(c[k]).wrapping_add(r[k]).wrapping_sub(m[k]);
        o[k] = o[k].wrapping_add(s.wrapping_add(thr_centre::<S0>(a[k])));
    }
}

/// Pass 5b: contrast masking numerator of one scale: the integer totals
/// (h, v, d) that [`adm_cm_finish`] turns into `num_scale`.
///
/// Per pixel and band: x = r·rfactor, x = max(|x| − thr, 0), then
/// `rnd(rnd(x², s2)·x, s3)` summed per row (i64, wrapping), each row rounded by
/// `ceil(log2 h)`, rows summed (i64, wrapping).
#[inline(always)]
fn cm(r: &[Vec<i32>; 3], thr: &[i32], w: usize, h: usize, scale: usize, factors: CsfFactors) -> [i64; 3] {
    let (reg, sh) = (region_score(w, h), adm_shifts(w, h, scale));
    let mut acc = [0i64; 3];
    for i in reg.top..reg.bottom {
        let cols = i * w + reg.left..i * w + reg.right;
        let rows = std::array::from_fn(|b| &r[b][cols.clone()]);
        cm_row_add(&mut acc, rows, &thr[cols], sh, scale, factors);
    }
    acc
}

/// Adds [`cm`]'s rounded totals of one row (`r[b]` and `thr` over the score
/// region's columns) to `acc`; `sh` are the band's shifts (computed once per band).
#[inline(always)]
fn cm_row_add(acc: &mut [i64; 3], r: [&[i32]; 3], thr: &[i32], sh: AdmShifts, scale: usize, factors: CsfFactors) {
    let n = thr.len();
    let r = r.map(|r| &r[..n]);
    let add_inner = half_round_u(sh.cm_row) as i64;
    for (b, acc) in acc.iter_mut().enumerate() {
        let scub = sh.cm_cub[b];
        let add_cub = half_round_u(scub) as i64;
        let mut inner = 0i64;
        if scale == 0 {
            let (sub, sq) = (ADM_S0_CM_THR_SHIFT[b], ADM_S0_CM_SQ_SHIFT[b]);
            let add_sq = 1i64 << (sq - 1);
            let rf = factors.s0[b];
            for (&rv, &t) in r[b].iter().zip(thr) {
                let x = rv.wrapping_mul(rf);
                let x = x.wrapping_abs().wrapping_sub(t.wrapping_shl(sub)).max(0);
                let xsq = ((x as i64 * x as i64 + add_sq) >> sq) as i32;
                inner = inner.wrapping_add((xsq as i64 * x as i64 + add_cub) >> scub);
            }
        } else {
            let rf = factors.q32[b];
            for (&rv, &t) in r[b].iter().zip(thr) {
                let x = ((rv as i64 * rf + (1 << 27)) >> 28) as i32;
                let x = x.wrapping_abs().wrapping_sub(t).max(0);
                let xsq = ((x as i64 * x as i64 + (1 << 29)) >> 30) as i32;
                inner = inner.wrapping_add((xsq as i64 * x as i64 + add_cub) >> scub);
            }
        }
        *acc = acc.wrapping_add((inner + add_inner) >> sh.cm_row);
    }
}

/// Passes 3 and 5 fused row by row, for the scoring path: the CSF of `weighted`
/// (the additive bands for the DLM numerator, the restored ones for AIM) into a ring
/// of three rows, the threshold of one row from it, and [`cm`]'s totals of `masked`
/// against it. The same numbers as [`csf`], [`cm_thr`] and [`cm`] over whole bands
/// (which the traces and the shaders' twins use), without writing five band-sized
/// planes and reading them back twice per scale.
#[inline(always)]
fn csf_masking(
    weighted: &[Vec<i32>; 3],
    masked: &[Vec<i32>; 3],
    w: usize,
    h: usize,
    scale: usize,
    factors: CsfFactors,
    ring: &mut CsfRing,
) -> [i64; 3] {
    let (score, filter, sh) = (region_score(w, h), region_filter(w, h), adm_shifts(w, h, scale));
    let mut acc = [0i64; 3];
    if score.left >= score.right || score.top >= score.bottom {
        return acc;
    }
    ring.reset(w);
    for i in score.top..score.bottom {
        let rows = neighbour_rows(i, h);
        for &row in &rows {
            let slot = row % 3;
            if ring.row[slot] != Some(row) {
                for b in 0..3 {
                    let cols = filter.left..filter.right;
                    let src = &weighted[b][row * w..][cols.clone()];
                    let (da, df) = (&mut ring.a[slot][b][cols.clone()], &mut ring.f[slot][b][cols]);
                    csf_row(src, scale, b, factors, da, df);
                }
                ring.row[slot] = Some(row);
            }
        }
        let CsfRing { a, f, colsum, thr, .. } = ring;
        let fr = std::array::from_fn(|b| rows.map(|r| &f[r % 3][b][..]));
        let ar = std::array::from_fn(|b| &a[i % 3][b][..]);
        cm_thr_row(fr, ar, w, h, scale, colsum, thr);
        let cols = i * w + score.left..i * w + score.right;
        let mr = std::array::from_fn(|b| &masked[b][cols.clone()]);
        cm_row_add(&mut acc, mr, &thr[score.left..score.right], sh, scale, factors);
    }
    acc
}

/// [`csf_masking`]'s rows: `csf_a` and `csf_f` of three band rows (slot = row mod
/// 3, each `[band][column]`), which row each slot holds, a column-sum row and a
/// threshold row.
#[derive(Default)]
pub struct CsfRing {
    a: [[Vec<i32>; 3]; 3],
    f: [[Vec<i32>; 3]; 3],
    row: [Option<usize>; 3],
    colsum: Vec<i32>,
    thr: Vec<i32>,
}

impl CsfRing {
    /// Rows of `w` samples, none held.
    fn reset(&mut self, w: usize) {
        for v in self.a.iter_mut().chain(self.f.iter_mut()).flatten().chain([&mut self.colsum, &mut self.thr]) {
            ensure_len(v, w);
        }
        self.row = [None; 3];
    }

    fn heap_bytes(&self) -> u64 {
        use crate::features::vec_bytes;
        self.a.iter().chain(&self.f).flatten().chain([&self.colsum, &self.thr]).map(vec_bytes).sum()
    }
}

/// libvmaf's `num_scale` float from [`cm`]'s totals of a `w x h` band
/// (shared by the CPU and the GPU path).
pub fn adm_cm_finish(acc: [i64; 3], w: usize, h: usize, scale: usize) -> f32 {
    adm_cm_finish_weighted(acc, w, h, scale, ADM_NOISE_WEIGHT)
}

/// [`adm_cm_finish`] with the noise weight of `cfg`.
pub fn adm_cm_finish_with(acc: [i64; 3], w: usize, h: usize, scale: usize, cfg: &AdmConfig) -> f32 {
    adm_cm_finish_weighted(acc, w, h, scale, cfg.noise_weight)
}

/// libvmaf's `aim_num_scale` float from the AIM pass's totals: [`adm_cm_finish`]
/// without the noise floor (libvmaf measures AIM with `adm_noise_weight` 0).
pub fn adm_aim_finish(acc: [i64; 3], w: usize, h: usize, scale: usize) -> f32 {
    adm_cm_finish_weighted(acc, w, h, scale, 0.0)
}

fn adm_cm_finish_weighted(acc: [i64; 3], w: usize, h: usize, scale: usize, noise_weight: f64) -> f32 {
    let reg = region_score(w, h);
    let area = (reg.bottom - reg.top) * (reg.right - reg.left);
    let sh = adm_shifts(w, h, scale);
    let mut f = [0f32; 3];
    if scale == 0 {
        for b in 0..3 {
            let base: u32 = if b == 2 { 57 } else { 52 };
            let e = base.wrapping_sub(sh.cm_cub[b]).wrapping_sub(sh.cm_row);
            f[b] = (acc[b] as f64 / 2f64.powf(e as f64)) as f32;
        }
    } else {
        let e = ADM_S123_CM_FINAL[scale - 1].wrapping_sub(sh.cm_cub[0]).wrapping_sub(sh.cm_row);
        let final_shift = 2f64.powf(e as f64) as f32;
        for b in 0..3 {
            f[b] = acc[b] as f32 / final_shift;
        }
    }
    let add = ((area as f64 * noise_weight) as f32).powf(1.0f32 / 3.0);
    let n = f.map(|v| v.powf(1.0f32 / 3.0) + add);
    n[0] + n[1] + n[2]
}

// --------------------------------------------------------------- driver ---

/// Band size of each scale for a `w x h` input (each DWT halves, rounding up).
pub fn adm_band_sizes(w: usize, h: usize) -> [(usize, usize); 4] {
    let mut out = [(0, 0); 4];
    let (mut cw, mut ch) = (w, h);
    for s in &mut out {
        cw = cw.div_ceil(2);
        ch = ch.div_ceil(2);
        *s = (cw, ch);
    }
    out
}

/// Every intermediate of one scale, for pass-level tests of the GPU twin: the DWT
/// bands of both images (a, h, v, d), the planes of the later passes restricted to
/// the region each pass writes (zero elsewhere, see [`adm_trace_mask`]), and the
/// integer totals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdmTrace {
    pub w: usize,
    pub h: usize,
    pub ref_bands: [Vec<i32>; 4],
    pub dis_bands: [Vec<i32>; 4],
    /// The restored and additive bands (h, v, d), filter region.
    pub r: [Vec<i32>; 3],
    pub a: [Vec<i32>; 3],
    /// The CSF of the additive bands, filter region.
    pub csf_a: [Vec<i32>; 3],
    pub csf_f: [Vec<i32>; 3],
    /// The DLM's masking threshold, score region.
    pub thr: Vec<i32>,
    pub den_acc: [u64; 3],
    pub num_acc: [i64; 3],
}

/// The first `w·h` samples of `plane` with everything outside the region a pass
/// writes set to 0: the filter region (decoupling, CSF) or, with `score`, the score
/// region (the masking threshold).
pub fn adm_trace_mask(plane: &[i32], w: usize, h: usize, score: bool) -> Vec<i32> {
    let reg = if score { region_score(w, h) } else { region_filter(w, h) };
    let mut out = vec![0; w * h];
    for i in reg.top..reg.bottom {
        for j in reg.left..reg.right {
            out[i * w + j] = plane[i * w + j];
        }
    }
    out
}

/// Per-scale (num, den) floats as libvmaf computes them.
pub fn compute_adm_num_den(
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limit: f64,
    sc: &mut AdmScratch,
) -> [(f32, f32); 4] {
    run_scales(ref_y, dist_y, bit_depth, &AdmConfig::with_gain(gain_limit), sc, None).num_den
}

/// Per scale: DLM's (num, den) and AIM's numerator, as libvmaf 3.x computes both on
/// every frame (`integer_adm2`, `integer_aim`, `integer_adm3`: [`adm_aim_scores`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AdmScales {
    pub num_den: [(f32, f32); 4],
    pub aim: [f32; 4],
}

/// [`compute_adm_num_den`] and AIM's numerators (what both backends hand on per frame).
pub fn compute_adm_scales(
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limit: f64,
    sc: &mut AdmScratch,
) -> AdmScales {
    run_scales(ref_y, dist_y, bit_depth, &AdmConfig::with_gain(gain_limit), sc, None)
}

/// [`compute_adm_scales`] with every ADM option of `cfg` (CSF, viewing condition,
/// noise weight).
pub fn compute_adm_scales_with(
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    cfg: &AdmConfig,
    sc: &mut AdmScratch,
) -> AdmScales {
    run_scales(ref_y, dist_y, bit_depth, cfg, sc, None)
}

/// [`compute_adm_num_den`] keeping every intermediate (one [`AdmTrace`] per scale;
/// empty for empty planes).
pub fn compute_adm_trace(ref_y: &Plane, dist_y: &Plane, bit_depth: u8, gain_limit: f64) -> Vec<AdmTrace> {
    let mut trace = Vec::new();
    run_scales(ref_y, dist_y, bit_depth, &AdmConfig::with_gain(gain_limit), &mut AdmScratch::default(), Some(&mut trace));
    trace
}

fn run_scales(
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    cfg: &AdmConfig,
    sc: &mut AdmScratch,
    mut trace: Option<&mut Vec<AdmTrace>>,
) -> AdmScales {
    let mut out = AdmScales::default();
    let bit_depth = bit_depth.clamp(8, 16);
    let (w, h) = (
        ref_y.width.min(dist_y.width),
        ref_y.height.min(dist_y.height),
    );
    if w == 0 || h == 0 {
        return out;
    }
    if ref_y.data.len() < ref_y.width * h || dist_y.data.len() < dist_y.width * h {
        return out;
    }
    let AdmScratch {
        isa,
        ref_b,
        dis_b,
        r,
        a,
        csf_a,
        csf_f,
        thr,
        ring,
        lo,
        hi,
        pad_lo,
        pad_hi,
        pack,
        prev,
    } = sc;
    let [pack_r, pack_d] = pack;
    let [prev_ref, prev_dis] = prev;
    let (mut cw, mut ch) = (w, h);
    for scale in 0..4 {
        // Each scale's passes are compiled for the scratch's vector level.
        crate::simd::vectorize(*isa, #[inline(always)] || {
            if scale == 0 {
                let rp = crate::features::vif::cpu::packed(ref_y, w, h, pack_r);
                dwt_s0(rp, cw, ch, bit_depth, ref_b, lo, hi, pad_lo, pad_hi);
                let dp = crate::features::vif::cpu::packed(dist_y, w, h, pack_d);
                dwt_s0(dp, cw, ch, bit_depth, dis_b, lo, hi, pad_lo, pad_hi);
            } else {
                dwt_s123(prev_ref, cw, ch, scale, ref_b, lo, hi, pad_lo, pad_hi);
                dwt_s123(prev_dis, cw, ch, scale, dis_b, lo, hi, pad_lo, pad_hi);
            }
            let (bw, bh) = (ref_b.w, ref_b.h);
            decouple(*isa, ref_b, dis_b, scale, cfg.gain_limit, r, a);
            let den_acc = csf_den(ref_b, scale);
            let factors = cfg.factors(scale);
            // The DLM numerator masks the restored bands by the CSF of the additive
            // ones; AIM (additive impairment measure) swaps the two roles (no noise floor).
            let (num_acc, aim_acc) = match trace.as_deref_mut() {
                None => (csf_masking(a, r, bw, bh, scale, factors, ring), csf_masking(r, a, bw, bh, scale, factors, ring)),
                Some(t) => {
                    // The traced path keeps every pass's whole bands.
                    csf(a, bw, bh, scale, csf_a, csf_f, factors);
                    cm_thr(csf_a, csf_f, bw, bh, scale, thr);
                    let num_acc = cm(r, thr, bw, bh, scale, factors);
                    let n = bw * bh;
                    let band = |b: &Bands| -> [Vec<i32>; 4] { [&b.a, &b.hvd[0], &b.hvd[1], &b.hvd[2]].map(|v| v[..n].to_vec()) };
                    let filt =
                        |v: &[Vec<i32>; 3]| -> [Vec<i32>; 3] { std::array::from_fn(|b| adm_trace_mask(&v[b], bw, bh, false)) };
                    t.push(AdmTrace {
                        w: bw,
                        h: bh,
                        ref_bands: band(ref_b),
                        dis_bands: band(dis_b),
                        r: filt(r),
                        a: filt(a),
                        csf_a: filt(csf_a),
                        csf_f: filt(csf_f),
                        thr: adm_trace_mask(thr, bw, bh, true),
                        den_acc,
                        num_acc,
                    });
                    // AIM reuses the DLM's CSF and threshold buffers, after the trace copied them.
                    csf(r, bw, bh, scale, csf_a, csf_f, factors);
                    cm_thr(csf_a, csf_f, bw, bh, scale, thr);
                    (num_acc, cm(a, thr, bw, bh, scale, factors))
                }
            };
            out.num_den[scale] =
                (adm_cm_finish_with(num_acc, bw, bh, scale, cfg), adm_den_finish_with(den_acc, bw, bh, scale, cfg));
            out.aim[scale] = adm_aim_finish(aim_acc, bw, bh, scale);
            std::mem::swap(prev_ref, &mut ref_b.a);
            std::mem::swap(prev_dis, &mut dis_b.a);
            cw = bw;
            ch = bh;
        });
    }
    out
}

/// adm2 and adm_scale0..3 (`integer_adm2`, `integer_adm_scaleN`).
pub fn compute_adm(
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limit: f64,
) -> (f64, [f64; 4]) {
    compute_adm_with(
        ref_y,
        dist_y,
        bit_depth,
        gain_limit,
        &mut AdmScratch::default(),
    )
}

/// [`compute_adm`] with a reusable scratch (one per worker thread).
pub fn compute_adm_with(
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limit: f64,
    sc: &mut AdmScratch,
) -> (f64, [f64; 4]) {
    let nd = compute_adm_num_den(ref_y, dist_y, bit_depth, gain_limit, sc);
    adm_scores(&nd, ref_y.width, ref_y.height)
}

/// libvmaf's weight of DLM against AIM in adm3 (`adm_dlm_weight`'s default) and
/// adm3's floor (`adm_min_val`'s default).
pub const ADM3_DLM_WEIGHT: f64 = 0.5;
pub const ADM3_MIN_VAL: f64 = 0.0;

/// `integer_aim` and `integer_adm3` from a frame's per-scale results: AIM's summed
/// numerators over DLM's denominator (after the same near-zero limit as adm2), and
/// `max(adm2·w + (1 − aim)·(1 − w), min)`. Where the denominator is 0 (a flat
/// reference: adm2 is then 1) libvmaf leaves AIM unset and prints whatever the
/// previous value in memory was; this returns 0, no additive impairment.
pub fn adm_aim_scores(scales: &AdmScales, w: usize, h: usize) -> (f64, f64) {
    adm_aim_scores_with(scales, w, h, ADM3_DLM_WEIGHT, ADM3_MIN_VAL)
}

/// [`adm_aim_scores`] with adm3's DLM weight `dlm_weight` and floor `min_val`
/// (`adm_dlm_weight`, `adm_min_val`).
pub fn adm_aim_scores_with(scales: &AdmScales, w: usize, h: usize, dlm_weight: f64, min_val: f64) -> (f64, f64) {
    let (adm2, _) = adm_scores(&scales.num_den, w, h);
    let limit = 1e-10 * ((w * h) as i32 as f64) / (1920.0 * 1080.0);
    let den: f64 = scales.num_den.iter().map(|&(_, d)| d as f64).sum();
    let aim_num: f64 = scales.aim.iter().map(|&a| a as f64).sum();
    let den = if den < limit { 0.0 } else { den };
    let aim = if den == 0.0 { 0.0 } else { aim_num / den };
    let adm3 = (adm2 * dlm_weight + (1.0 - aim) * (1.0 - dlm_weight)).max(min_val);
    (aim, adm3)
}

/// adm2 and the four scale scores from the per-scale (num, den) of a `w x h`
/// reference plane (shared by the CPU and the GPU path).
pub fn adm_scores(nd: &[(f32, f32); 4], w: usize, h: usize) -> (f64, [f64; 4]) {
    let limit = 1e-10 * ((w * h) as i32 as f64) / (1920.0 * 1080.0);
    let mut num = 0f64;
    let mut den = 0f64;
    for &(n, d) in nd {
        num += n as f64;
        den += d as f64;
    }
    if num < limit {
        num = 0.0;
    }
    if den < limit {
        den = 0.0;
    }
    let adm2 = if den == 0.0 { 1.0 } else { num / den };
    (adm2, nd.map(|(n, d)| n as f64 / d as f64))
}

// ---- the passes over their shaders' bindings, in order (`gpu::kernel::CpuTwin`) ----
// Band buffers hold a, h, v, d planes of `width x height` back to back; r, a, csf_a
// and csf_f the h, v, d planes; each pass writes the region its shader writes.

/// Plane `b` (of `width x height` samples) of a band-layout buffer.
fn plane_of(words: &[u32], b: usize, n: usize) -> Vec<i32> {
    twin::as_i32(words)[b * n..(b + 1) * n].to_vec()
}

fn bands_of(words: &[u32], w: usize, h: usize) -> Bands {
    let n = w * h;
    Bands { w, h, a: plane_of(words, 0, n), hvd: [1, 2, 3].map(|b| plane_of(words, b, n)) }
}

fn hvd_of(words: &[u32], n: usize) -> Hvd {
    [0, 1, 2].map(|b| plane_of(words, b, n))
}

/// Writes `planes[b]` into plane `b` of `words` inside `reg` only.
fn put_region(words: &mut [u32], planes: &[Vec<i32>], w: usize, h: usize, reg: Region) {
    let out = twin::as_i32_mut(words);
    for (b, plane) in planes.iter().enumerate() {
        for i in reg.top..reg.bottom {
            let (from, to) = (i * w + reg.left, i * w + reg.right);
            out[b * w * h + from..b * w * h + to].copy_from_slice(&plane[from..to]);
        }
    }
}

/// Adds 64-bit totals into (lo, hi) word pairs from `at`, modulo 2^64 (the shaders'
/// two-atomic add).
fn add_totals(words: &mut [u32], at: usize, totals: [u64; 3]) {
    for (b, v) in totals.into_iter().enumerate() {
        let i = at + 2 * b;
        let sum = (u64::from(words[i]) | u64::from(words[i + 1]) << 32).wrapping_add(v);
        words[i..i + 2].copy_from_slice(&[sum as u32, (sum >> 32) as u32]);
    }
}

/// Scratch rows of the DWT, fresh for one twin call.
fn dwt_rows() -> [Vec<i32>; 4] {
    Default::default()
}

/// `shaders/adm_dwt_s0.wgsl`: params, ref_src, dis_src (pixel planes packed as
/// `src_packing` says, row pitch `src_stride`), ref_bands, dis_bands.
pub fn adm_dwt_s0(b: &mut [Vec<u32>]) {
    let [params, ref_src, dis_src, ref_bands, dis_bands] = b else { panic!("adm_dwt_s0 binds 5 buffers") };
    let p: AdmParams = twin::params(params);
    let (sw, sh, stride) = (p.src_width as usize, p.src_height as usize, p.src_stride as usize);
    for (src, bands) in [(&*ref_src, ref_bands), (&*dis_src, dis_bands)] {
        let all = twin::packed_samples(src, stride * sh, p.src_packing);
        let img: Vec<u16> = all.chunks(stride.max(1)).take(sh).flat_map(|row| row[..sw].iter().copied()).collect();
        let mut out = Bands::default();
        let [lo, hi, pl, ph] = &mut dwt_rows();
        // The vertical shift is 8 for 8-bit input, else the bit depth: as a depth it selects the same.
        dwt_s0(&img, sw, sh, p.dwt_v_shift as u8, &mut out, lo, hi, pl, ph);
        put_bands(bands, &out);
    }
}

/// `shaders/adm_dwt_s123.wgsl`: params, ref_src, dis_src (the previous scale's bands;
/// their a plane, row pitch `src_stride`), ref_bands, dis_bands.
pub fn adm_dwt_s123(b: &mut [Vec<u32>]) {
    let [params, ref_src, dis_src, ref_bands, dis_bands] = b else { panic!("adm_dwt_s123 binds 5 buffers") };
    let p: AdmParams = twin::params(params);
    let (sw, sh, stride) = (p.src_width as usize, p.src_height as usize, p.src_stride as usize);
    for (src, bands) in [(&*ref_src, ref_bands), (&*dis_src, dis_bands)] {
        let all = twin::as_i32(src);
        let a: Vec<i32> = (0..sh).flat_map(|y| all[y * stride..y * stride + sw].iter().copied()).collect();
        let mut out = Bands::default();
        let [lo, hi, pl, ph] = &mut dwt_rows();
        dwt_s123(&a, sw, sh, p.scale as usize, &mut out, lo, hi, pl, ph);
        put_bands(bands, &out);
    }
}

fn put_bands(words: &mut [u32], bands: &Bands) {
    let n = bands.w * bands.h;
    let out = twin::as_i32_mut(words);
    for (b, plane) in std::iter::once(&bands.a).chain(&bands.hvd).enumerate() {
        out[b * n..(b + 1) * n].copy_from_slice(&plane[..n]);
    }
}

/// The CSF factors a pass's params carry (scale 0's and scales 1..3's Q32).
fn params_factors(p: &AdmParams) -> CsfFactors {
    CsfFactors { s0: [p.s0_rf_h, p.s0_rf_v, p.s0_rf_d], q32: [p.rf_h, p.rf_v, p.rf_d].map(i64::from) }
}

/// `shaders/adm_decouple_csf.wgsl`: params, ref_bands, dis_bands, r_out, a_out, csf
/// (csf_a and csf_f of a, then of r; over the filter region).
pub fn adm_decouple_csf(b: &mut [Vec<u32>]) {
    let [params, ref_bands, dis_bands, r_out, a_out, csf_out] = b else { panic!("adm_decouple_csf binds 6 buffers") };
    let p: AdmParams = twin::params(params);
    let (w, h, scale) = (p.width as usize, p.height as usize, p.scale as usize);
    let (mut r, mut a) = (Hvd::default(), Hvd::default());
    let (refb, disb) = (bands_of(ref_bands, w, h), bands_of(dis_bands, w, h));
    decouple(crate::simd::Isa::Scalar, &refb, &disb, scale, f64::from(p.gain_limit), &mut r, &mut a);
    let filter = region_filter(w, h);
    put_region(r_out, &r, w, h, filter);
    put_region(a_out, &a, w, h, filter);
    for (k, masker) in [&a, &r].into_iter().enumerate() {
        let (mut ca, mut cf) = (Hvd::default(), Hvd::default());
        csf(masker, w, h, scale, &mut ca, &mut cf, params_factors(&p));
        put_region(&mut csf_out[6 * k * w * h..], &ca, w, h, filter);
        put_region(&mut csf_out[(6 * k + 3) * w * h..], &cf, w, h, filter);
    }
}

/// `shaders/adm_rows.wgsl`: params, ref_bands, r_in, a_in, csf (as
/// `adm_decouple_csf` wrote it), thr (the DLM's, over the score region), totals (adds
/// the three denominator totals at `result_offset`, the DLM's numerators after them,
/// AIM's at `aim_offset`).
pub fn adm_rows(b: &mut [Vec<u32>]) {
    let [params, ref_bands, r_in, a_in, csf_in, thr_out, totals] = b else { panic!("adm_rows binds 7 buffers") };
    let p: AdmParams = twin::params(params);
    let (w, h, scale) = (p.width as usize, p.height as usize, p.scale as usize);
    let n = w * h;
    let refb = bands_of(ref_bands, w, h);
    add_totals(totals, p.result_offset as usize, csf_den(&refb, scale));
    let masked = [(r_in, 0, p.result_offset as usize + 6), (a_in, 6, p.aim_offset as usize)];
    for (k, (masked, first, at)) in masked.into_iter().enumerate() {
        let mut t = Vec::new();
        let (ca, cf) = (hvd_of(&csf_in[first * n..], n), hvd_of(&csf_in[(first + 3) * n..], n));
        cm_thr(&ca, &cf, w, h, scale, &mut t);
        if k == 0 {
            put_region(thr_out, std::slice::from_ref(&t), w, h, region_score(w, h));
        }
        let num = cm(&hvd_of(masked, n), &t, w, h, scale, params_factors(&p));
        add_totals(totals, at, num.map(|v| v as u64));
    }
}

#[cfg(test)]
mod config_tests {
    use super::*;
    use crate::features::FeatureOptions;

    #[test]
    fn default_config_is_the_watson_constants() {
        let cfg = AdmConfig::default();
        assert_eq!(cfg.s0, ADM_S0_RFACTOR);
        assert_eq!(cfg.rf, std::array::from_fn(adm_rfactor));
        assert_eq!(cfg.noise_weight, ADM_NOISE_WEIGHT);
        // Watson away from 3 H at 1080 lines converts its own factors (libvmaf's
        // constants are those conversions, rounded).
        let far = AdmConfig::new(&FeatureOptions { adm_norm_view_dist: 3.0, adm_ref_display_height: 1081, ..Default::default() }).unwrap();
        assert!(far.s0.iter().zip(ADM_S0_RFACTOR).all(|(a, b)| (a - b).abs() < 100), "{:?}", far.s0);
    }

    #[test]
    fn blended_csf_tables_and_refusals() {
        let v1 = FeatureOptions { adm_csf_mode: 2, ..Default::default() };
        let cfg = AdmConfig::new(&v1).unwrap();
        assert_eq!(cfg.rf[0], [0.01183, 0.01183, 0.004302]);
        assert_eq!(cfg.s0, [(0.01183f32 as f64 * 2097152.0) as i32, (0.01183f32 as f64 * 2097152.0) as i32, (0.004302f32 as f64 * 8388608.0) as i32]);
        // 1.5 H on 2160 lines has 3 H on 1080's pixels per degree and its table.
        let uhd = AdmConfig::new(&FeatureOptions { adm_norm_view_dist: 1.5, adm_ref_display_height: 2160, ..v1 }).unwrap();
        assert_eq!(uhd.rf, cfg.rf);
        // Under 3 H at 1080 lines (libvmaf: -EINVAL), a condition with no table, modes 1 and 3.
        for refused in [
            FeatureOptions { adm_norm_view_dist: 2.0, ..v1 },
            FeatureOptions { adm_norm_view_dist: 4.0, ..v1 },
            FeatureOptions { adm_csf_mode: 1, ..v1 },
            FeatureOptions { adm_csf_mode: 3, ..v1 },
        ] {
            assert!(AdmConfig::new(&refused).is_err(), "{refused:?}");
        }
    }

    #[test]
    fn keys_are_libvmafs() {
        let v1 = FeatureOptions { adm_norm_view_dist: 1.5, adm_ref_display_height: 2160, ..FeatureOptions::vmaf_v1_adm() };
        let key = crate::features::name::key("integer_adm3", v1.adm_key_options());
        assert_eq!(key, "integer_adm3_csf_2_dlmw_0.7_egl_1_min_0.5_nw_0.02_nvd_1.5_rdh_2160");
        let m = crate::features::motion::MotionOptions { max_val: 18.0, five_frame_window: true, moving_average: true, ..Default::default() };
        assert_eq!(m.key("integer_motion3"), "integer_motion3_mffw_mmxv_18_mma");
    }
}

#[cfg(test)]
mod decouple_tests {
    use super::*;
    use crate::simd::Level;
    use crate::test_rng::Rng;

    /// Bands of `n` samples for `scale`: values of random width (at scales 1..3 h and
    /// v up to 2^25, d up to 2^31, and with `wide` an eighth of the pixels up to the
    /// i32 limits in every band, where rows leave the lanes' range), a sixteenth zeros, and in some rounds distorted
    /// (h, v) pairs within ±0.01° of 1° from the reference's, where the angle test's
    /// roundings decide.
    fn bands(rng: &mut Rng, n: usize, scale: usize, near_angle: bool, wide: bool) -> ([Vec<i32>; 3], [Vec<i32>; 3]) {
        let (mut o, mut t): ([Vec<i32>; 3], [Vec<i32>; 3]) = Default::default();
        for _ in 0..n {
            // bit widths: h and v within the lanes' 2^25 unless `wide`, d up to 2^31
            let (top_hv, top_d) = match scale {
                0 => (16, 16),
                _ if wide && rng.below(8) == 0 => (33, 33),
                _ => (26, 32),
            };
            let mut val = |top: u64| -> i64 {
                let bits = 1 + rng.below(top) as u32;
                let v = rng.next() as i64 >> (64 - bits);
                if rng.below(16) == 0 { 0 } else { v }
            };
            let (oh, ov, od) = (val(top_hv), val(top_hv), val(top_d));
            let (th, tv, td) = if near_angle {
                let theta = (1.0 + (rng.below(2001) as f64 - 1000.0) * 1e-5).to_radians();
                let s = (0.5 + rng.below(2500) as f64 * 1e-3) * if rng.below(4) == 0 { -1.0 } else { 1.0 };
                let (c, sn) = (theta.cos(), theta.sin());
                let (x, y) = (oh as f64, ov as f64);
                ((s * (c * x - sn * y)).round() as i64, (s * (sn * x + c * y)).round() as i64, (s * od as f64) as i64)
            } else {
                (val(top_hv), val(top_hv), val(top_d))
            };
            let clamp = |v: i64| if scale == 0 { v.clamp(-32768, 32767) as i32 } else { v.clamp(-(i32::MAX as i64), i32::MAX as i64) as i32 };
            for (band, v) in o.iter_mut().zip([oh, ov, od]) {
                band.push(clamp(v));
            }
            for (band, v) in t.iter_mut().zip([th, tv, td]) {
                band.push(clamp(v));
            }
        }
        (o, t)
    }

    /// One pixel's three values as three one-sample rows.
    fn singles(v: &[i32; 3]) -> [&[i32]; 3] {
        std::array::from_fn(|b| std::slice::from_ref(&v[b]))
    }

    const GAINS: [f64; 7] = [100.0, 1.0, 0.0, 0.5, f64::INFINITY, -1.0, f64::NAN];

    #[test]
    fn the_lanes_pixel_equals_the_reference_within_its_range() {
        let mut rng = Rng(0x5eed_0ad0);
        let cos_sq = adm_cos_1deg_sq() as f64;
        let (mut checked, mut gained) = (0usize, 0usize);
        for round in 0..16 {
            let scale = round % 4;
            let (o, t) = bands(&mut rng, 4000, scale, round % 3 != 0, true);
            for i in 0..o[0].len() {
                let (op, tp) = ([o[0][i], o[1][i], o[2][i]], [t[0][i], t[1][i], t[2][i]]);
                if !lanes_fit(singles(&op), singles(&tp), scale == 0) {
                    continue;
                }
                for gain in GAINS.into_iter().filter(|g| *g >= 0.0) {
                    let want = decouple_pixel(op, tp, scale, gain);
                    let got = if scale == 0 {
                        decouple_pixel_lanes::<true>(op, tp, gain, cos_sq)
                    } else {
                        decouple_pixel_lanes::<false>(op, tp, gain, cos_sq)
                    };
                    assert_eq!(got, want, "scale {scale} gain {gain} o {op:?} t {tp:?}");
                    checked += 1;
                    gained += (want.0 != decouple_pixel(op, tp, scale, f64::INFINITY).0) as usize;
                }
            }
        }
        assert!(checked > 100_000, "only {checked} pixels in the lanes' range");
        assert!(gained > 1000, "the enhancement-gain rule decided only {gained} pixels");
    }

    #[test]
    fn decouple_at_every_level_equals_the_scalar_reference() {
        let mut rng = Rng(0xdec0_0b1e);
        // rounds 0, 2, 4, …: every row in the lanes' range; odd rounds: few rows are
        for round in 0..16 {
            let scale = round % 4;
            for (w, h) in [(61, 37), (7, 5), (1, 9), (130, 11)] {
                let (o, t) = bands(&mut rng, w * h, scale, round % 3 == 1, round % 2 == 1);
                for gain in GAINS {
                    let want = adm_decouple_bands(&o, &t, w, h, scale, gain);
                    for level in Level::available() {
                        let got = adm_decouple_bands_at(level.isa().unwrap(), &o, &t, w, h, scale, gain);
                        assert!(got == want, "{level} scale {scale} {w}x{h} gain {gain}");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod fused_tests {
    use super::*;
    use crate::features::FeatureOptions;
    use crate::simd::Level;
    use crate::test_rng::Rng;

    /// The scoring path's fused CSF and masking rows give the numbers of the traced
    /// path's whole-band passes: every size (down to 8x8, odd ones), bit depth, option
    /// set and vector level.
    #[test]
    fn fused_csf_and_masking_equal_the_whole_band_passes() {
        let mut rng = Rng(0xf05e_d0c5);
        let configs = [AdmConfig::default(), AdmConfig::with_gain(1.0), AdmConfig::new(&FeatureOptions::vmaf_v1_adm()).unwrap()];
        for (w, h) in [(8, 8), (9, 13), (37, 21), (64, 48), (161, 97)] {
            for depth in [8u8, 10] {
                let max = (1u64 << depth) - 1;
                let mut reference = Plane::new(w, h);
                let mut distorted = Plane::new(w, h);
                for y in 0..h {
                    for x in 0..w {
                        let v = ((x * 7 + y * 3) as u64 * max / (10 * (w + h) as u64) + rng.below(max / 8 + 1)).min(max);
                        reference.data[y * w + x] = v as u16;
                        distorted.data[y * w + x] = (v + rng.below(max / 16 + 1)).min(max) as u16;
                    }
                }
                for cfg in &configs {
                    for level in Level::available() {
                        let isa = level.isa().unwrap();
                        let fused = run_scales(&reference, &distorted, depth, cfg, &mut AdmScratch::with_isa(isa), None);
                        let mut trace = Vec::new();
                        let whole = run_scales(&reference, &distorted, depth, cfg, &mut AdmScratch::with_isa(isa), Some(&mut trace));
                        let bits = |s: &AdmScales| (s.num_den.map(|(n, d)| (n.to_bits(), d.to_bits())), s.aim.map(f32::to_bits));
                        assert_eq!(bits(&fused), bits(&whole), "{w}x{h} {depth}-bit {level} gain {}", cfg.gain_limit);
                    }
                }
            }
        }
    }
}
