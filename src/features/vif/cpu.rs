//! Integer VIF at four scales, bit-exact with libvmaf's `integer_vif.c`
//! (scalar path).
//!
//! Per scale the work is split into passes that map onto compute-shader
//! dispatches, one output row per work item ("row tile"):
//!
//! 1. [`vif_filter`] – vertical Gaussian of x, y, x², y², xy ([`products_row`] into
//!    a ring, then [`filter_v_row`] per row; the shader forms the products itself),
//!    then the horizontal Gaussian of those five and σ1², σ2², σ12
//!    ([`filter_h_row`] + [`sigmas_row`]);
//! 2. [`vif_stats`] – per-pixel sigma/log statistics, summed per row ([`stats_row`];
//!    the shader does its f64 part in soft binary64, `features::softf64`) and over
//!    the rows ([`reduce_partials`]; the host turns the GPU's sums into num/den with
//!    [`vif_finish`]);
//! 3. [`vif_downsample`] – low-pass + 2:1 decimation to the next scale
//!    ([`downsample_image`]).
//!
//! The functions named after a pass take that shader's bindings, in order, as words
//! (`gpu::kernel::CpuTwin`), so a test can run any pass of the GPU chain on the CPU;
//! the CPU path itself streams rows through the same row functions with one scratch
//! (`compute_vif_num_den_with`).
//!
//! All filter arithmetic is 32-bit. Where libvmaf accumulates squares in 64
//! bits we split every 32-bit square into 16-bit halves and accumulate the
//! halves separately: with taps summing to 2^16, each half-sum is at most
//! 2^16 * (2^16 - 1) < 2^32, and `(H*2^16 + L + r) >> s == (H << (16-s)) +
//! ((L + r) >> s)` exactly for s <= 16. The result is what libvmaf keeps after
//! its `(uint32_t)` cast, i.e. the value modulo 2^32 – so the CPU code below is
//! already the 32-bit-only algorithm a WGSL shader runs. [`vif_trace`] records
//! every pass's output for the GPU's pass-level tests.

use crate::features::tables::{
    VIF_EPS, VIF_SIGMA_NSQ, VIF_TAPS_S0, VIF_TAPS_S1, VIF_TAPS_S2, VIF_TAPS_S3, log2_q11_split_u32,
    log2_q11_split_u64, reflect101, vif_log2_table,
};
use crate::features::twin;
use crate::io::Plane;
use crate::simd::{F64_EXACT_LIMIT, Isa, f64_to_i64_exact};
use super::params::VifParams;

/// Per-row (tile) partial sums of the VIF statistic.
///
/// Widths: `den_log` terms are < 2^15 and `num_log` terms < 2^17 per pixel,
/// `num_nonlog` terms < 2^31, all non-negative. The CPU keeps i64 here and in
/// [`reduce_partials`]; the GPU keeps each sum as a (lo, hi) u32 pair with carry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VifPartial {
    pub num_log: i64,
    pub den_log: i64,
    pub num_nonlog: i64,
    pub count: i64,
}

impl VifPartial {
    fn add(&mut self, o: &VifPartial) {
        self.num_log += o.num_log;
        self.den_log += o.den_log;
        self.num_nonlog += o.num_nonlog;
        self.count += o.count;
    }
}

/// Column block processed with register-resident accumulators.
const BLK: usize = 16;

/// `out[j] = Σ_k taps[k] · rows[k][j]` (u16 × u16 → u32, wrapping sums).
///
/// The taps are symmetric, so rows k and N-1-k are added first (17-bit sum)
/// and multiplied once. Products and sums wrap mod 2^32, which is a ring
/// homomorphism, so the result equals the unfolded sum mod 2^32 (and the
/// true sum always fits). Blocked so the accumulators stay in registers.
#[inline(always)]
fn conv_v_scalar<const N: usize>(rows: &[&[u16]; N], taps: &[u16; N], out: &mut [u32]) {
    let w = out.len();
    let h = N / 2;
    let mut j = 0;
    while j + BLK <= w {
        let mut acc = [0u32; BLK];
        for k in 0..h {
            let c = taps[k] as u32;
            let a: &[u16; BLK] = rows[k][j..j + BLK].try_into().unwrap();
            let b: &[u16; BLK] = rows[N - 1 - k][j..j + BLK].try_into().unwrap();
            for l in 0..BLK {
                acc[l] = acc[l].wrapping_add(c.wrapping_mul(a[l] as u32 + b[l] as u32));
            }
        }
        let c = taps[h] as u32;
        let m: &[u16; BLK] = rows[h][j..j + BLK].try_into().unwrap();
        for l in 0..BLK {
            acc[l] = acc[l].wrapping_add(c * m[l] as u32);
        }
        out[j..j + BLK].copy_from_slice(&acc);
        j += BLK;
    }
    for jj in j..w {
        let mut a = 0u32;
        for (r, &c) in rows.iter().zip(taps) {
            a = a.wrapping_add(c as u32 * r[jj] as u32);
        }
        out[jj] = a;
    }
}

/// `out[j] = Σ_k taps[k] · src[j + k]` on a padded row (u16 × u16 → u32),
/// with the same symmetric folding as [`conv_v_scalar`].
#[inline(always)]
fn conv_h_scalar<const N: usize>(src: &[u16], taps: &[u16; N], out: &mut [u32]) {
    let w = out.len();
    let h = N / 2;
    let mut j = 0;
    while j + BLK <= w {
        let mut acc = [0u32; BLK];
        for k in 0..h {
            let c = taps[k] as u32;
            let a: &[u16; BLK] = src[j + k..j + k + BLK].try_into().unwrap();
            let b: &[u16; BLK] = src[j + N - 1 - k..j + N - 1 - k + BLK].try_into().unwrap();
            for l in 0..BLK {
                acc[l] = acc[l].wrapping_add(c.wrapping_mul(a[l] as u32 + b[l] as u32));
            }
        }
        let c = taps[h] as u32;
        let m: &[u16; BLK] = src[j + h..j + h + BLK].try_into().unwrap();
        for l in 0..BLK {
            acc[l] = acc[l].wrapping_add(c * m[l] as u32);
        }
        out[j..j + BLK].copy_from_slice(&acc);
        j += BLK;
    }
    for jj in j..w {
        let mut a = 0u32;
        for (k, &c) in taps.iter().enumerate() {
            a = a.wrapping_add(c as u32 * src[jj + k] as u32);
        }
        out[jj] = a;
    }
}

/// [`conv_v_scalar`], with `simd.rs`'s vector twin doing all but the last partial
/// vector (the same numbers at every level).
fn conv_v<const N: usize>(isa: Isa, rows: &[&[u16]; N], taps: &[u16; N], out: &mut [u32]) {
    let done = super::simd::conv_v(isa, rows, taps, out);
    if done < out.len() {
        conv_v_scalar(&rows.map(|r| &r[done..]), taps, &mut out[done..]);
    }
}

/// [`conv_h_scalar`], vectorised like [`conv_v`].
fn conv_h<const N: usize>(isa: Isa, src: &[u16], taps: &[u16; N], out: &mut [u32]) {
    let done = super::simd::conv_h(isa, src, taps, out);
    if done < out.len() {
        conv_h_scalar(&src[done..], taps, &mut out[done..]);
    }
}

/// Product planes of a row-ring: x², y², xy as u16 halves (hi, lo).
/// "Narrow" mode (8-bit input at scale 0) stores the whole product in `lo`
/// (it is < 2^16) and leaves `hi` unused.
const N_PROD: usize = 6; // xx_hi, xx_lo, yy_hi, yy_lo, xy_hi, xy_lo

/// Scratch buffers reused across rows and scales.
#[derive(Default)]
pub struct VifScratch {
    /// The vector level its filters run at (the process's, unless chosen).
    pub isa: Isa,
    /// ring of product rows: slot `r % taps` holds source row r
    ring: [Vec<u16>; N_PROD],
    /// vertical-pass u32 sums
    vacc: [Vec<u32>; 8],
    /// vertical results as padded u16 rows: mu1, mu2, xx_hi, xx_lo, yy_hi, yy_lo, xy_hi, xy_lo
    vrow: [Vec<u16>; 8],
    /// horizontal-pass u32 sums in the same order
    hacc: [Vec<u32>; 8],
    tmp_a: Vec<u32>,
    tmp_pad: Vec<u16>,
    /// σ1², σ2², σ12 of the current row
    sigma: [Vec<i32>; 3],
    /// per-row partials of the current scale
    parts: Vec<VifPartial>,
    /// current / next scale images (ref, dis, next ref, next dis)
    images: [Vec<u16>; 4],
}

impl VifScratch {
    /// An empty scratch whose filters run at `isa`.
    pub fn with_isa(isa: Isa) -> Self {
        VifScratch { isa, ..VifScratch::default() }
    }

    /// The bytes its buffers hold on the heap now.
    pub fn heap_bytes(&self) -> u64 {
        use crate::features::vec_bytes;
        let planes = |vs: &[Vec<u16>]| vs.iter().map(vec_bytes).sum::<u64>();
        let wide = |vs: &[Vec<u32>]| vs.iter().map(vec_bytes).sum::<u64>();
        planes(&self.ring)
            + wide(&self.vacc)
            + planes(&self.vrow)
            + wide(&self.hacc)
            + vec_bytes(&self.tmp_a)
            + vec_bytes(&self.tmp_pad)
            + self.sigma.iter().map(vec_bytes).sum::<u64>()
            + vec_bytes(&self.parts)
            + planes(&self.images)
    }
}

fn reset<T: Copy + Default>(v: &mut Vec<T>, n: usize) {
    v.clear();
    v.resize(n, T::default());
}

/// Make `v` exactly `n` long without clearing (callers overwrite every element).
fn ensure_len<T: Copy + Default>(v: &mut Vec<T>, n: usize) {
    if v.len() != n {
        v.resize(n, T::default());
    }
}

/// Shift parameters of one scale's vertical pass.
#[derive(Clone, Copy)]
struct VShifts {
    /// mu: `(acc + 2^(s-1)) >> s`
    mu: u32,
    /// squares: `(acc + 2^(s-1)) >> s`, s in 0..=16
    sq: u32,
}

fn vshifts(scale: usize, bit_depth: u8) -> VShifts {
    if scale == 0 {
        VShifts {
            mu: bit_depth as u32,
            sq: 2 * (bit_depth as u32).saturating_sub(8),
        }
    } else {
        VShifts { mu: 16, sq: 16 }
    }
}

#[inline(always)]
fn rnd(s: u32) -> u32 {
    if s == 0 { 0 } else { 1 << (s - 1) }
}

/// Combine split accumulators: `((hi * 2^16 + lo) + 2^(s-1)) >> s` mod 2^32.
#[inline(always)]
fn combine_split(hi: u32, lo: u32, s: u32) -> u32 {
    hi.wrapping_shl(16 - s)
        .wrapping_add(lo.wrapping_add(rnd(s)) >> s)
}

/// Pass 0 (products): x², y², x·y of one source row, split into 16-bit halves.
#[inline(always)]
fn products_row(xr: &[u16], yr: &[u16], narrow: bool, slot: usize, w: usize, sc: &mut VifScratch) {
    let [xxh, xxl, yyh, yyl, xyh, xyl] = &mut sc.ring;
    let base = slot * w;
    let (xxh, xxl) = (&mut xxh[base..base + w], &mut xxl[base..base + w]);
    let (yyh, yyl) = (&mut yyh[base..base + w], &mut yyl[base..base + w]);
    let (xyh, xyl) = (&mut xyh[base..base + w], &mut xyl[base..base + w]);
    let (xr, yr) = (&xr[..w], &yr[..w]);
    if narrow {
        // 8-bit samples: every product is below 2^16, so 16-bit multiplies are exact
        // (twice the lanes of 32-bit ones).
        for j in 0..w {
            let (a, b) = (xr[j], yr[j]);
            xxl[j] = a.wrapping_mul(a);
            yyl[j] = b.wrapping_mul(b);
            xyl[j] = a.wrapping_mul(b);
        }
    } else {
        for j in 0..w {
            let (a, b) = (xr[j] as u32, yr[j] as u32);
            let (p, q, r) = (a * a, b * b, a * b);
            xxh[j] = (p >> 16) as u16;
            xxl[j] = p as u16;
            yyh[j] = (q >> 16) as u16;
            yyl[j] = q as u16;
            xyh[j] = (r >> 16) as u16;
            xyl[j] = r as u16;
        }
    }
}

/// Fill `half` samples on each side of `v[half..half+w]` by reflect-101.
fn pad_reflect101<T: Copy>(v: &mut [T], half: usize, w: usize) {
    for f in 1..=half {
        v[half - f] = v[half + reflect101(-(f as isize), w)];
        v[half + w - 1 + f] = v[half + reflect101((w - 1 + f) as isize, w)];
    }
}

/// Pass 1 (vertical): Gaussian down the columns around image row `row`.
/// Writes `sc.vrow` (reflect-101 padded by `taps.len()/2`): mu1, mu2 as u16
/// (`rnd(Σ c·x, s_mu)`), and the squares `rnd(Σ c·x², s_sq)` as u32 split
/// into (hi, lo) u16 halves for the horizontal pass.
#[inline(always)]
fn filter_v_row<const N: usize>(
    refi: &[u16],
    disi: &[u16],
    w: usize,
    h: usize,
    row: usize,
    taps: &[u16; N],
    sh: VShifts,
    narrow: bool,
    sc: &mut VifScratch,
) {
    let n = N;
    let half = n / 2;
    // source rows (reflect-101) and their ring slots
    let mut src_rows = [0usize; N];
    for k in 0..n {
        src_rows[k] = reflect101(row as isize + k as isize - half as isize, h);
    }
    let mut xrows: [&[u16]; N] = [&[]; N];
    let mut yrows: [&[u16]; N] = [&[]; N];
    for k in 0..n {
        let r = src_rows[k];
        xrows[k] = &refi[r * w..r * w + w];
        yrows[k] = &disi[r * w..r * w + w];
    }
    for v in sc.vacc.iter_mut() {
        ensure_len(v, w);
    }
    let isa = sc.isa;
    conv_v(isa, &xrows, taps, &mut sc.vacc[0]);
    conv_v(isa, &yrows, taps, &mut sc.vacc[1]);
    let planes: &[usize] = if narrow {
        &[1, 3, 5]
    } else {
        &[0, 1, 2, 3, 4, 5]
    };
    for &p in planes {
        let ring = &sc.ring[p];
        let mut prow: [&[u16]; N] = [&[]; N];
        for k in 0..n {
            let slot = src_rows[k] % n;
            prow[k] = &ring[slot * w..slot * w + w];
        }
        conv_v(isa, &prow, taps, &mut sc.vacc[2 + p]);
    }
    let padded = w + 2 * half;
    for v in sc.vrow.iter_mut() {
        ensure_len(v, padded);
    }
    let (rm, sm) = (rnd(sh.mu), sh.mu);
    for c in 0..2 {
        let (src, dst) = (&sc.vacc[c][..w], &mut sc.vrow[c][half..half + w]);
        for j in 0..w {
            dst[j] = (src[j].wrapping_add(rm) >> sm) as u16;
        }
    }
    for q in 0..3 {
        let (hi_i, lo_i) = (2 + 2 * q, 3 + 2 * q);
        let (head, tail) = sc.vrow.split_at_mut(lo_i);
        let (oh, ol) = (
            &mut head[hi_i][half..half + w],
            &mut tail[0][half..half + w],
        );
        let lo = &sc.vacc[lo_i][..w];
        if narrow {
            // the product sum is exact in u32 (libvmaf keeps it unshifted)
            for j in 0..w {
                let v = lo[j];
                oh[j] = (v >> 16) as u16;
                ol[j] = v as u16;
            }
        } else {
            let hi = &sc.vacc[hi_i][..w];
            for j in 0..w {
                let v = combine_split(hi[j], lo[j], sh.sq);
                oh[j] = (v >> 16) as u16;
                ol[j] = v as u16;
            }
        }
    }
    for v in sc.vrow.iter_mut() {
        pad_reflect101(v, half, w);
    }
}

/// Pass 2 (horizontal): Gaussian along the padded vertical rows into
/// `sc.hacc`: mu1, mu2 unshifted (u32), squares as (hi, lo) half sums that
/// [`sigmas_row`] combines to `(Σ c·v + 2^15) >> 16`.
#[inline(always)]
fn filter_h_row<const N: usize>(w: usize, taps: &[u16; N], sc: &mut VifScratch) {
    let isa = sc.isa;
    for (src, dst) in sc.vrow.iter().zip(sc.hacc.iter_mut()) {
        ensure_len(dst, w);
        conv_h(isa, src, taps, dst);
    }
}

/// `(a * b + 2^31) >> 32` – the Q32 product libvmaf uses for mu². The shader forms
/// it from `mul_u32_wide` (shaders/common.wgsl) with a carry-in of 2^31.
#[inline(always)]
fn mul_q32(a: u32, b: u32) -> u32 {
    ((a as u64 * b as u64 + (1u64 << 31)) >> 32) as u32
}

/// Pass 3a: per-pixel local variances and covariance (branch-free, vectorisable):
/// σ1² = xx − mu1², σ2² = max(yy − mu2², 0), σ12 = xy − mu1·mu2 (u32 wrap → i32).
#[inline(always)]
fn sigmas_row(w: usize, sc: &mut VifScratch) {
    let r = &sc.hacc;
    let (mu1, mu2) = (&r[0][..w], &r[1][..w]);
    let (xxh, xxl, yyh, yyl, xyh, xyl) = (
        &r[2][..w],
        &r[3][..w],
        &r[4][..w],
        &r[5][..w],
        &r[6][..w],
        &r[7][..w],
    );
    let [s1, s2, s12] = &mut sc.sigma;
    for v in [&mut *s1, &mut *s2, &mut *s12] {
        if v.len() != w {
            v.resize(w, 0);
        }
    }
    let (s1, s2, s12) = (&mut s1[..w], &mut s2[..w], &mut s12[..w]);
    for j in 0..w {
        let (m1, m2) = (mu1[j], mu2[j]);
        let xx = combine_split(xxh[j], xxl[j], 16);
        let yy = combine_split(yyh[j], yyl[j], 16);
        let xy = combine_split(xyh[j], xyl[j], 16);
        s1[j] = xx.wrapping_sub(mul_q32(m1, m1)) as i32;
        s2[j] = (yy.wrapping_sub(mul_q32(m2, m2)) as i32).max(0);
        s12[j] = xy.wrapping_sub(mul_q32(m1, m2)) as i32;
    }
}

/// The f64 part of the statistic for one pixel (libvmaf's double arithmetic, kept
/// verbatim): the gain `g`, `sv_sq = max(trunc(σ2² − g·σ12), 0)` with the unclamped
/// gain, then `trunc(g·g·σ1²)` with `g` clamped to `gain_limit`. The GPU computes it in
/// soft binary64 (`features::softf64::vif_gain_terms`, proven equal bit for bit).
#[inline(always)]
pub fn vif_gain_terms(sigma1_sq: i32, sigma2_sq: i32, sigma12: i32, gain_limit: f64) -> (i32, i64) {
    let mut g = sigma12 as f64 / (sigma1_sq as f64 + VIF_EPS);
    let sv_sq = ((sigma2_sq as f64 - g * sigma12 as f64) as i32).max(0);
    if g >= gain_limit {
        g = gain_limit;
    }
    (sv_sq, (g * g * sigma1_sq as f64) as i64)
}

/// [`vif_gain_terms`] in the form a vector loop takes: the same `sv_sq` always, and
/// the same `g·g·σ1²` wherever the statistic reads it (`σ1² ≥ σn²` and `σ12 > 0`;
/// there `g = σ12/σ1² ≤ 2^31/2^17`, so `g·g·σ1² < 2^45`). Rust's saturating casts
/// compile to scalar code with NaN checks; here the truncated values are clamped in
/// f64 and converted by [`f64_to_i64_exact`]. `sv_sq` is clamped by max/min, not
/// `clamp`: a NaN gives 0 there, as the cast does; a NaN `g·g·σ1²` is never read.
#[inline(always)]
fn vif_gain_terms_lanes(sigma1_sq: i32, sigma2_sq: i32, sigma12: i32, gain_limit: f64) -> (i32, i64) {
    let g = sigma12 as f64 / (sigma1_sq as f64 + VIF_EPS);
    let sv = (sigma2_sq as f64 - g * sigma12 as f64).trunc().max(0.0).min(i32::MAX as f64);
    let g = if g >= gain_limit { gain_limit } else { g };
    let gg = (g * g * sigma1_sq as f64).trunc().clamp(-F64_EXACT_LIMIT, F64_EXACT_LIMIT);
    (f64_to_i64_exact(sv) as i32, f64_to_i64_exact(gg))
}

/// Pass 3b: per-pixel VIF statistic (log-domain information terms) of one row of
/// σ1², σ2², σ12, summed into one partial per row.
///
/// libvmaf branches per pixel: pixels with `σ1² ≥ σn²` add log terms (the numerator's
/// only when `σ12 > 0` and `σ2² > 0`), the others add `σ2²` and a count. Here every
/// pixel computes every term and masks select what it adds, so nothing mispredicts on
/// noisy content. In chunks, two loops each: the f64 gain terms, the log2 shifts and
/// table indices and the masked sums first (no memory access but the inputs, so the
/// compiler vectorises them), then the masked table look-ups. Integer sums, so the
/// order of additions changes nothing.
#[inline(always)]
pub fn stats_row(s1: &[i32], s2: &[i32], s12: &[i32], gain_limit: f64, table: &[u16; 65536]) -> VifPartial {
    stats_row_with::<false>(s1, s2, s12, gain_limit, table)
}

/// [`stats_row`] for the vector level `isa`: the gain terms as
/// [`vif_gain_terms_lanes`] where the level rounds f64 vectors in one instruction
/// (AVX2, AVX-512) and the gain limit is not negative; below AVX2 `trunc` is a library
/// call, and the casts are cheaper.
#[inline(always)]
fn stats_row_at(isa: Isa, s1: &[i32], s2: &[i32], s12: &[i32], gain_limit: f64, table: &[u16; 65536]) -> VifPartial {
    use crate::simd::Level;
    // The lanes' bound on g·g·σ1² needs the clamp to lower g, never to raise |g|: a
    // negative limit (libvmaf allows 1..100; the library takes any) keeps the casts.
    if matches!(isa.level(), Level::Avx2 | Level::Avx512) && gain_limit >= 0.0 {
        stats_row_with::<true>(s1, s2, s12, gain_limit, table)
    } else {
        stats_row_with::<false>(s1, s2, s12, gain_limit, table)
    }
}

#[inline(always)]
fn stats_row_with<const LANES: bool>(
    s1: &[i32],
    s2: &[i32],
    s12: &[i32],
    gain_limit: f64,
    table: &[u16; 65536],
) -> VifPartial {
    const CHUNK: usize = 64;
    let mut p = VifPartial::default();
    let w = s1.len().min(s2.len()).min(s12.len());
    // table indices of log2(σn² + σ1²), log2(numerator·…), log2(numerator), and masks
    let (mut den_i, mut tmp_i, mut num_i) = ([0u16; CHUNK], [0u16; CHUNK], [0u16; CHUNK]);
    let (mut den_m, mut num_m) = ([0u16; CHUNK], [0u16; CHUNK]);
    for start in (0..w).step_by(CHUNK) {
        let end = (start + CHUNK).min(w);
        let (s1, s2, s12) = (&s1[start..end], &s2[start..end], &s12[start..end]);
        let n = s1.len();
        // A chunk with no pixel above the noise floor (flat content) adds only σ2² and
        // its count: what the masks below would leave of it, without the gain terms
        // and logarithms.
        if s1.iter().fold(i32::MIN, |m, &v| m.max(v)) < VIF_SIGMA_NSQ {
            p.num_nonlog += s2.iter().map(|&v| v as i64).sum::<i64>();
            p.count += n as i64;
            continue;
        }
        // every slice exactly n long, so the loops carry no bounds checks
        let (den_i, tmp_i, num_i) = (&mut den_i[..n], &mut tmp_i[..n], &mut num_i[..n]);
        let (den_m, num_m) = (&mut den_m[..n], &mut num_m[..n]);
        let (mut den_k, mut num_k, mut nonlog, mut count) = (0i64, 0i64, 0i64, 0i64);
        for j in 0..n {
            let (sigma1_sq, sigma2_sq, sigma12) = (s1[j], s2[j], s12[j]);
            let (sv_sq, gg_sigma1) = if LANES {
                vif_gain_terms_lanes(sigma1_sq, sigma2_sq, sigma12, gain_limit)
            } else {
                vif_gain_terms(sigma1_sq, sigma2_sq, sigma12, gain_limit)
            };
            let numer1 = (sv_sq as u32).wrapping_add(VIF_SIGMA_NSQ as u32);
            let numer1_tmp = gg_sigma1.wrapping_add(numer1 as i64);
            // log2(1 + σ1²/σn²) = log2(σn² + σ1²) − 17, Q11
            let (di, dk) = log2_q11_split_u32(VIF_SIGMA_NSQ.wrapping_add(sigma1_sq) as u32);
            let (ti, tk) = log2_q11_split_u64(numer1_tmp as u64);
            let (ni, nk) = log2_q11_split_u64(numer1 as u64);
            let logged = sigma1_sq >= VIF_SIGMA_NSQ;
            let num = logged & (sigma12 > 0) & (sigma2_sq > 0);
            (den_i[j], tmp_i[j], num_i[j]) = (di, ti, ni);
            (den_m[j], num_m[j]) = (logged as u16 * 0xFFFF, num as u16 * 0xFFFF);
            den_k += if logged { 2048 * (dk - 17) as i64 } else { 0 };
            num_k += if num { 2048 * (tk - nk) as i64 } else { 0 };
            nonlog += if logged { 0 } else { sigma2_sq as i64 };
            count += !logged as i64;
        }
        let (den_t, num_t) = masked_log_sums(table, den_i, tmp_i, num_i, den_m, num_m);
        p.den_log += den_k + den_t;
        p.num_log += num_k + num_t;
        p.num_nonlog += nonlog;
        p.count += count;
    }
    p
}

/// The table half of [`stats_row_with`]: Σ den_m·table[den_i] and
/// Σ num_m·(table[tmp_i] − table[num_i]) (masks all ones or zero).
///
/// Not inlined, so it compiles at the baseline level wherever it is called: at
/// AVX2/AVX-512 the compiler vectorises these look-ups lane by lane (an extract and
/// an insert per sample), twice as slow as plain loads.
#[inline(never)]
fn masked_log_sums(
    table: &[u16; 65536],
    den_i: &[u16],
    tmp_i: &[u16],
    num_i: &[u16],
    den_m: &[u16],
    num_m: &[u16],
) -> (i64, i64) {
    let (mut den_t, mut num_t) = (0i64, 0i64);
    for ((((&d, &t), &n), &dm), &nm) in den_i.iter().zip(tmp_i).zip(num_i).zip(den_m).zip(num_m) {
        den_t += (table[d as usize] & dm) as i64;
        num_t += (table[t as usize] & nm) as i64 - (table[n as usize] & nm) as i64;
    }
    (den_t, num_t)
}

/// [`stats_row`] over every `w`-wide row of σ1², σ2², σ12 images, compiled for `isa`,
/// summed into one partial: the statistic alone, for its benchmark and level tests.
pub fn stats_rows_at(isa: Isa, s1: &[i32], s2: &[i32], s12: &[i32], w: usize, gain_limit: f64) -> VifPartial {
    if w == 0 {
        return VifPartial::default();
    }
    let table = vif_log2_table();
    crate::simd::vectorize(isa, #[inline(always)] || {
        let mut total = VifPartial::default();
        for ((a, b), c) in s1.chunks_exact(w).zip(s2.chunks_exact(w)).zip(s12.chunks_exact(w)) {
            total.add(&stats_row_at(isa, a, b, c, gain_limit, table));
        }
        total
    })
}

/// Pass 4: reduce the per-row partials to libvmaf's (num, den) floats.
pub fn reduce_partials(parts: &[VifPartial]) -> (f32, f32) {
    let mut t = VifPartial::default();
    for p in parts {
        t.add(p);
    }
    vif_finish(&t)
}

/// The last step of [`reduce_partials`]: (num, den) of a scale from its exact integer
/// totals (the GPU sums the partials itself and calls this on the host).
pub fn vif_finish(t: &VifPartial) -> (f32, f32) {
    let num =
        t.num_log as f64 / 2048.0 + (t.count as f64 - (t.num_nonlog as f64 / 16384.0) / 65025.0);
    let den = t.den_log as f64 / 2048.0 + t.count as f64;
    (num as f32, den as f32)
}

/// Pass 5: low-pass with the next scale's taps and keep even rows/columns.
/// Vertical `(Σ + 2^(s-1)) >> s` (s = bit depth when leaving scale 0, else
/// 16) stored as u16, horizontal `(Σ + 2^15) >> 16` as u16; all u32 sums.
fn downsample_image<const N: usize>(
    src: &[u16],
    w: usize,
    h: usize,
    taps: &[u16; N],
    shift_v: u32,
    out: &mut Vec<u16>,
    sc: &mut VifScratch,
) -> (usize, usize) {
    crate::simd::vectorize(sc.isa, #[inline(always)] || downsample_rows(src, w, h, taps, shift_v, out, sc))
}

#[inline(always)]
fn downsample_rows<const N: usize>(
    src: &[u16],
    w: usize,
    h: usize,
    taps: &[u16; N],
    shift_v: u32,
    out: &mut Vec<u16>,
    sc: &mut VifScratch,
) -> (usize, usize) {
    let (ow, oh) = (w / 2, h / 2);
    // Every output sample is written; the images of the scales alternate sizes, so
    // the buffer only grows (no zero-fill per frame).
    if out.len() < ow * oh {
        out.resize(ow * oh, 0);
    }
    let n = N;
    let half = n / 2;
    let padded = w + 2 * half;
    let rv = rnd(shift_v);
    for oy in 0..oh {
        let row = 2 * oy;
        let mut rows: [&[u16]; N] = [&[]; N];
        for k in 0..n {
            let r = reflect101(row as isize + k as isize - half as isize, h);
            rows[k] = &src[r * w..r * w + w];
        }
        ensure_len(&mut sc.tmp_a, w);
        conv_v(sc.isa, &rows, taps, &mut sc.tmp_a);
        ensure_len(&mut sc.tmp_pad, padded);
        for (d, &a) in sc.tmp_pad[half..half + w].iter_mut().zip(&sc.tmp_a) {
            *d = (a.wrapping_add(rv) >> shift_v) as u16;
        }
        pad_reflect101(&mut sc.tmp_pad, half, w);
        let o = &mut out[oy * ow..(oy + 1) * ow];
        if matches!(sc.isa, Isa::Scalar) {
            // only the samples kept
            for (ox, dst) in o.iter_mut().enumerate() {
                let s = &sc.tmp_pad[2 * ox..2 * ox + n];
                let mut acc = 0u32;
                for k in 0..n {
                    acc = acc.wrapping_add(taps[k] as u32 * s[k] as u32);
                }
                *dst = (acc.wrapping_add(1 << 15) >> 16) as u16;
            }
        } else {
            // Every sample with vectors, then the even ones: at twice the work still
            // several times faster than the kept samples alone in scalar code.
            let full = &mut sc.tmp_a[..w];
            conv_h(sc.isa, &sc.tmp_pad, taps, full);
            for (dst, &acc) in o.iter_mut().zip(full.iter().step_by(2)) {
                *dst = (acc.wrapping_add(1 << 15) >> 16) as u16;
            }
        }
    }
    (ow, oh)
}

/// The vertical pass of one scale, row by row: keeps the product rows the taps need
/// in the ring, runs [`filter_v_row`], then calls `f(row, sc)` with that row's
/// results in `sc.vrow`.
#[inline(always)]
fn vertical_rows<const N: usize>(
    refi: &[u16],
    disi: &[u16],
    w: usize,
    h: usize,
    taps: &[u16; N],
    sh: VShifts,
    narrow: bool,
    sc: &mut VifScratch,
    mut f: impl FnMut(usize, &mut VifScratch),
) {
    let half = N / 2;
    for v in sc.ring.iter_mut() {
        ensure_len(v, N * w);
    }
    let mut next_src = 0usize;
    for row in 0..h {
        // make sure product rows up to row + half are in the ring
        let need = (row + half).min(h - 1);
        while next_src <= need {
            products_row(&refi[next_src * w..], &disi[next_src * w..], narrow, next_src % N, w, sc);
            next_src += 1;
        }
        filter_v_row(refi, disi, w, h, row, taps, sh, narrow, sc);
        f(row, sc);
    }
}

/// num/den of one scale: products → vertical → horizontal → stats per row,
/// then the reduction.
fn vif_scale<const N: usize>(
    refi: &[u16],
    disi: &[u16],
    w: usize,
    h: usize,
    scale: usize,
    taps: &[u16; N],
    bit_depth: u8,
    gain_limit: f64,
    sc: &mut VifScratch,
    mut trace: Option<&mut VifTrace>,
) -> (f32, f32) {
    let sh = vshifts(scale, bit_depth);
    let narrow = scale == 0 && bit_depth <= 8;
    if let Some(t) = trace.as_deref_mut() {
        t.scales.push(VifScaleTrace {
            width: w,
            height: h,
            reference: refi[..w * h].to_vec(),
            distorted: disi[..w * h].to_vec(),
            ..Default::default()
        });
    }
    let mut parts = std::mem::take(&mut sc.parts);
    parts.clear();
    let table = vif_log2_table();
    // Everything per row is compiled for the scratch's vector level (the filters
    // dispatch on their own).
    crate::simd::vectorize(sc.isa, #[inline(always)] || {
        vertical_rows(refi, disi, w, h, taps, sh, narrow, sc, #[inline(always)] |_, sc| {
            filter_h_row(w, taps, sc);
            sigmas_row(w, sc);
            let [s1, s2, s12] = &sc.sigma;
            parts.push(stats_row_at(sc.isa, &s1[..w], &s2[..w], &s12[..w], gain_limit, table));
            if let Some(t) = trace.as_deref_mut().and_then(|t| t.scales.last_mut()) {
                for (all, row) in t.sigmas.iter_mut().zip(&sc.sigma) {
                    all.extend_from_slice(&row[..w]);
                }
            }
        })
    });
    if let Some(t) = trace.and_then(|t| t.scales.last_mut()) {
        t.partials = parts.clone();
    }
    let res = reduce_partials(&parts);
    sc.parts = parts;
    res
}

/// Borrow a plane as a tightly packed `w x h` image, copying only when the
/// plane is wider than `w`.
pub(crate) fn packed<'a>(p: &'a Plane, w: usize, h: usize, buf: &'a mut Vec<u16>) -> &'a [u16] {
    if p.width == w {
        &p.data[..w * h]
    } else {
        buf.clear();
        for y in 0..h {
            buf.extend_from_slice(&p.data[y * p.width..y * p.width + w]);
        }
        &buf[..]
    }
}

/// Per-scale (num, den) as libvmaf reports them (`integer_vif_num_scaleN` /
/// `integer_vif_den_scaleN`). `sc` is reused between calls to avoid
/// reallocating (one scratch per worker thread).
pub fn compute_vif_num_den_with(
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limit: f64,
    sc: &mut VifScratch,
) -> [(f32, f32); 4] {
    compute_vif_passes(ref_y, dist_y, bit_depth, gain_limit, sc, None)
}

/// The intermediates of one scale (see [`vif_trace`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VifScaleTrace {
    pub width: usize,
    pub height: usize,
    /// This scale's input images, `width x height` row-major (scale 0: the planes).
    pub reference: Vec<u16>,
    pub distorted: Vec<u16>,
    /// `vif_sigmas`' output, σ1², σ2², σ12, each `width x height` row-major.
    pub sigmas: [Vec<i32>; 3],
    /// `vif_stats`' output, one per row.
    pub partials: Vec<VifPartial>,
}

/// Every pass's output of [`compute_vif_num_den`], per computed scale (scales whose
/// size reaches 0 are absent), for pass-level tests of another implementation (GPU).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VifTrace {
    pub scales: Vec<VifScaleTrace>,
    pub num_den: [(f32, f32); 4],
}

/// [`compute_vif_num_den`] recording its intermediates.
pub fn vif_trace(ref_y: &Plane, dist_y: &Plane, bit_depth: u8, gain_limit: f64) -> VifTrace {
    let mut trace = VifTrace::default();
    let mut sc = VifScratch::default();
    trace.num_den = compute_vif_passes(ref_y, dist_y, bit_depth, gain_limit, &mut sc, Some(&mut trace));
    trace
}

fn compute_vif_passes(
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limit: f64,
    sc: &mut VifScratch,
    mut trace: Option<&mut VifTrace>,
) -> [(f32, f32); 4] {
    let mut out = [(0.0f32, 0.0f32); 4];
    let bit_depth = bit_depth.clamp(8, 16);
    let (mut w, mut h) = (
        ref_y.width.min(dist_y.width),
        ref_y.height.min(dist_y.height),
    );
    if w == 0
        || h == 0
        || ref_y.data.len() < ref_y.width * h
        || dist_y.data.len() < dist_y.width * h
    {
        return out;
    }
    let mut imgs = std::mem::take(&mut sc.images);
    {
        let [cur_ref, cur_dis, next_ref, next_dis] = &mut imgs;
        let (r, d) = (packed(ref_y, w, h, cur_ref), packed(dist_y, w, h, cur_dis));
        out[0] = vif_scale(r, d, w, h, 0, &VIF_TAPS_S0, bit_depth, gain_limit, sc, trace.as_deref_mut());
        // scale 1 input is produced from the borrowed planes
        let (r, d) = (packed(ref_y, w, h, cur_ref), packed(dist_y, w, h, cur_dis));
        let shift_v = bit_depth as u32;
        downsample_image(r, w, h, &VIF_TAPS_S1, shift_v, next_ref, sc);
        let (nw, nh) = downsample_image(d, w, h, &VIF_TAPS_S1, shift_v, next_dis, sc);
        std::mem::swap(cur_ref, next_ref);
        std::mem::swap(cur_dis, next_dis);
        w = nw;
        h = nh;
        for scale in 1..4 {
            if w == 0 || h == 0 {
                break;
            }
            if scale > 1 {
                let (nw, nh) = if scale == 2 {
                    downsample_image(cur_ref, w, h, &VIF_TAPS_S2, 16, next_ref, sc);
                    downsample_image(cur_dis, w, h, &VIF_TAPS_S2, 16, next_dis, sc)
                } else {
                    downsample_image(cur_ref, w, h, &VIF_TAPS_S3, 16, next_ref, sc);
                    downsample_image(cur_dis, w, h, &VIF_TAPS_S3, 16, next_dis, sc)
                };
                std::mem::swap(cur_ref, next_ref);
                std::mem::swap(cur_dis, next_dis);
                w = nw;
                h = nh;
                if w == 0 || h == 0 {
                    break;
                }
            }
            let (r, d) = (&cur_ref[..], &cur_dis[..]);
            out[scale] = match scale {
                1 => vif_scale(r, d, w, h, 1, &VIF_TAPS_S1, bit_depth, gain_limit, sc, trace.as_deref_mut()),
                2 => vif_scale(r, d, w, h, 2, &VIF_TAPS_S2, bit_depth, gain_limit, sc, trace.as_deref_mut()),
                _ => vif_scale(r, d, w, h, 3, &VIF_TAPS_S3, bit_depth, gain_limit, sc, trace.as_deref_mut()),
            };
        }
    }
    sc.images = imgs;
    out
}

/// [`compute_vif_num_den_with`] with a fresh scratch.
pub fn compute_vif_num_den(
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limit: f64,
) -> [(f32, f32); 4] {
    compute_vif_num_den_with(
        ref_y,
        dist_y,
        bit_depth,
        gain_limit,
        &mut VifScratch::default(),
    )
}

/// VIF scores with a reusable scratch.
pub fn compute_vif_with(
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limit: f64,
    sc: &mut VifScratch,
) -> [f64; 4] {
    vif_scores(&compute_vif_num_den_with(ref_y, dist_y, bit_depth, gain_limit, sc))
}

/// The four scale scores from the per-scale `(num, den)`: `(float)num / (float)den`
/// (shared by the CPU and GPU paths).
pub fn vif_scores(nd: &[(f32, f32); 4]) -> [f64; 4] {
    nd.map(|(n, d)| (n / d) as f64)
}

/// VIF scores for scales 0..3 (`integer_vif_scaleN`): `(float)num / (float)den`.
pub fn compute_vif(ref_y: &Plane, dist_y: &Plane, bit_depth: u8, gain_limit: f64) -> [f64; 4] {
    compute_vif_with(
        ref_y,
        dist_y,
        bit_depth,
        gain_limit,
        &mut VifScratch::default(),
    )
}

// ---- the passes over their shaders' bindings, in order (`gpu::kernel::CpuTwin`) ----

/// Runs `$body` with `$taps` bound to scale `$scale`'s taps (a const-generic array).
macro_rules! with_taps {
    ($scale:expr, $taps:ident => $body:expr) => {
        match $scale {
            0 => {
                let $taps = &VIF_TAPS_S0;
                $body
            }
            1 => {
                let $taps = &VIF_TAPS_S1;
                $body
            }
            2 => {
                let $taps = &VIF_TAPS_S2;
                $body
            }
            _ => {
                let $taps = &VIF_TAPS_S3;
                $body
            }
        }
    };
}

/// A scale's `width x height` image from packed words with row pitch `stride`.
fn image(words: &[u32], stride: usize, w: usize, h: usize, lg: u32) -> Vec<u16> {
    let all = twin::packed_samples(words, stride * h, lg);
    all.chunks(stride.max(1)).take(h).flat_map(|row| row[..w].iter().copied()).collect()
}

/// The (lo, hi) words of an i64 sum, as the shaders store them.
fn words_of(v: i64) -> [u32; 2] {
    [v as u32, (v as u64 >> 32) as u32]
}

/// One 8-word record (row partial or scale total).
fn put_partial(out: &mut [u32], p: &VifPartial) {
    for (k, v) in [p.num_log, p.den_log, p.num_nonlog, p.count].into_iter().enumerate() {
        out[2 * k..2 * k + 2].copy_from_slice(&words_of(v));
    }
}

fn get_partial(t: &[u32]) -> VifPartial {
    let v = |k: usize| (u64::from(t[2 * k]) | u64::from(t[2 * k + 1]) << 32) as i64;
    VifPartial { num_log: v(0), den_log: v(1), num_nonlog: v(2), count: v(3) }
}

/// `shaders/vif_filter.wgsl`: params, ref_img and dis_img (packed as `packing` says,
/// row pitch `stride`), sigma (σ1², σ2², σ12 per pixel): the vertical filter
/// ([`vif_filter_v`]) into what the shader keeps in workgroup memory, then the
/// horizontal one and the sigmas ([`vif_sigmas`]).
pub fn vif_filter(b: &mut [Vec<u32>]) {
    let [params, ref_img, dis_img, sigma] = b else { panic!("vif_filter binds 4 buffers") };
    let p: VifParams = twin::params(params);
    let n = (p.width * p.height) as usize;
    let (mut mu, mut sq) = (vec![0; n], vec![0; 3 * n]);
    vif_filter_v(&p, ref_img, dis_img, &mut mu, &mut sq);
    vif_sigmas(&p, &mu, &sq, sigma);
}

/// `vif_filter`'s vertical half: mu (mu1 | mu2 << 16 per pixel), sq (xx, yy, xy per
/// pixel) of the packed images.
fn vif_filter_v(p: &VifParams, ref_img: &[u32], dis_img: &[u32], mu: &mut [u32], sq: &mut [u32]) {
    let (w, h, stride) = (p.width as usize, p.height as usize, p.stride as usize);
    let (refi, disi) = (image(ref_img, stride, w, h, p.packing), image(dis_img, stride, w, h, p.packing));
    let sh = VShifts { mu: p.shift_mu, sq: p.shift_sq };
    let mut sc = VifScratch::default();
    with_taps!(p.scale, taps => {
        let half = taps.len() / 2;
        vertical_rows(&refi, &disi, w, h, taps, sh, p.narrow != 0, &mut sc, |y, sc| {
            let v = |k: usize| &sc.vrow[k][half..half + w];
            let (mu1, mu2) = (v(0), v(1));
            for x in 0..w {
                let o = y * w + x;
                mu[o] = u32::from(mu1[x]) | u32::from(mu2[x]) << 16;
                for q in 0..3 {
                    sq[3 * o + q] = u32::from(v(2 + 2 * q)[x]) << 16 | u32::from(v(3 + 2 * q)[x]);
                }
            }
        })
    });
}

/// `vif_filter`'s horizontal half: sigma (σ1², σ2², σ12 per pixel) from mu and sq
/// as [`vif_filter_v`] wrote them.
fn vif_sigmas(p: &VifParams, mu: &[u32], sq: &[u32], sigma: &mut [u32]) {
    let (w, h) = (p.width as usize, p.height as usize);
    let sigma = twin::as_i32_mut(sigma);
    let mut sc = VifScratch::default();
    with_taps!(p.scale, taps => {
        let half = taps.len() / 2;
        for v in sc.vrow.iter_mut() {
            reset(v, w + 2 * half);
        }
        for y in 0..h {
            for x in 0..w {
                let o = y * w + x;
                let words = [mu[o], mu[o], sq[3 * o], sq[3 * o], sq[3 * o + 1], sq[3 * o + 1], sq[3 * o + 2], sq[3 * o + 2]];
                for (k, (row, word)) in sc.vrow.iter_mut().zip(words).enumerate() {
                    // mu: low half mu1, high half mu2; sq: (hi, lo) halves in that order
                    let high = if k < 2 { k == 1 } else { k % 2 == 0 };
                    row[half + x] = if high { (word >> 16) as u16 } else { word as u16 };
                }
            }
            for v in sc.vrow.iter_mut() {
                pad_reflect101(v, half, w);
            }
            filter_h_row(w, taps, &mut sc);
            sigmas_row(w, &mut sc);
            for x in 0..w {
                for k in 0..3 {
                    sigma[3 * (y * w + x) + k] = sc.sigma[k][x];
                }
            }
        }
    });
}

/// `shaders/vif_stats.wgsl`: params, sigma, log2_table (u16 pairs), result (each
/// row's sums added into the 8-word record at `scale + row_records · y`, modulo 2^64
/// per field as the shader's atomics add; with `gains` 2, the second gain limit's
/// into the record 32 words further).
pub fn vif_stats(b: &mut [Vec<u32>]) {
    let [params, sigma, log2_table, result] = b else { panic!("vif_stats binds 4 buffers") };
    let p: VifParams = twin::params(params);
    let (w, h) = (p.width as usize, p.height as usize);
    // The limits as the host gave them (`softf64::GainClamp` keeps their bits in
    // every mode).
    let limit = |lo: u32, hi: u32| f64::from_bits(u64::from(lo) | u64::from(hi) << 32);
    let limits = [limit(p.gain_lo, p.gain_hi), limit(p.gain2_lo, p.gain2_hi)];
    let table: Box<[u16; 65536]> = twin::samples(log2_table, 65536).into_boxed_slice().try_into().expect("65536 samples");
    let sigma = twin::as_i32(sigma);
    for y in 0..h {
        let row = &sigma[3 * w * y..3 * w * (y + 1)];
        let col = |k: usize| -> Vec<i32> { row.iter().skip(k).step_by(3).copied().collect() };
        for (k, &gain_limit) in limits.iter().enumerate().take(p.gains as usize) {
            let part = stats_row(&col(0), &col(1), &col(2), gain_limit, &table);
            let at = 8 * (p.scale + p.row_records * y as u32) as usize + 32 * k;
            let mut total = get_partial(&result[at..at + 8]);
            total.add(&part);
            put_partial(&mut result[at..at + 8], &total);
        }
    }
}

/// `shaders/vif_downsample.wgsl`: params (of the scale it leaves), ref_img and dis_img
/// (that scale's, row pitch `stride`), ref_out and dis_out (the next scale's, packed,
/// row pitch `out_stride`).
pub fn vif_downsample(b: &mut [Vec<u32>]) {
    let [params, ref_img, dis_img, ref_out, dis_out] = b else { panic!("vif_downsample binds 5 buffers") };
    let p: VifParams = twin::params(params);
    let (w, h, stride) = (p.width as usize, p.height as usize, p.stride as usize);
    let (ow, oh, out_stride) = (p.out_width as usize, p.out_height as usize, p.out_stride as usize);
    let mut sc = VifScratch::default();
    let mut out = Vec::new();
    for (src, dst) in [(&*ref_img, ref_out), (&*dis_img, dis_out)] {
        let img = image(src, stride, w, h, p.packing);
        with_taps!((p.scale + 1).min(3), taps => downsample_image(&img, w, h, taps, p.down_shift, &mut out, &mut sc));
        for (oy, row) in out.chunks(ow.max(1)).take(oh).enumerate() {
            let at = oy * out_stride / 2;
            twin::pack(row, &mut dst[at..at + ow.div_ceil(2)]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::Level;
    use crate::test_rng::Rng;

    /// The statistic at every level equals the per-pixel reference (libvmaf's
    /// branches, Rust's casts) on random σ values and on the edges: negative, zero
    /// and just-below-σn² σ1², σ12 of both signs up to i32's limits, zero σ2²; rows
    /// below σn² throughout and rows with one pixel at it.
    #[test]
    fn the_statistic_at_every_level_equals_the_branching_reference() {
        let mut rng = Rng(0x57a7);
        let edges = [
            i32::MIN,
            -65536,
            -1,
            0,
            1,
            VIF_SIGMA_NSQ - 1,
            VIF_SIGMA_NSQ,
            VIF_SIGMA_NSQ + 1,
            1 << 24,
            i32::MAX - 1,
            i32::MAX,
        ];
        let pick = |rng: &mut Rng| match rng.next() % 4 {
            0 => edges[(rng.next() % edges.len() as u64) as usize],
            1 => (rng.next() % (1 << 20)) as i32,
            2 => rng.next() as i32,
            _ => (rng.next() % (1 << 26)) as i32 - (1 << 20),
        };
        let table = vif_log2_table();
        for w in [1usize, 7, 63, 64, 65, 200] {
            let h = 9;
            let mut planes = [vec![0i32; w * h], vec![0i32; w * h], vec![0i32; w * h]];
            for plane in planes.iter_mut() {
                plane.iter_mut().for_each(|v| *v = pick(&mut rng));
            }
            // σ2² is clamped at 0 by the sigma pass, as libvmaf does.
            planes[1].iter_mut().for_each(|v| *v = (*v).max(0));
            // Flat rows (every σ1² below σn², the chunks' short cut), and rows where one
            // pixel alone reaches σn².
            for (y, row) in planes[0].chunks_mut(w).enumerate() {
                if y % 3 != 2 {
                    row.iter_mut().for_each(|v| *v = (*v).min(VIF_SIGMA_NSQ - 1));
                }
                if y % 3 == 1 {
                    row[(rng.next() % w as u64) as usize] = VIF_SIGMA_NSQ;
                }
            }
            let [s1, s2, s12] = &planes;
            for gain_limit in [1.0, 100.0, 0.0, -1.0, f64::NEG_INFINITY, f64::INFINITY, f64::NAN] {
                let mut want = VifPartial::default();
                for i in 0..w * h {
                    let (sigma1_sq, sigma2_sq, sigma12) = (s1[i], s2[i], s12[i]);
                    if sigma1_sq >= VIF_SIGMA_NSQ {
                        let (sv_sq, gg) = vif_gain_terms(sigma1_sq, sigma2_sq, sigma12, gain_limit);
                        let numer1 = (sv_sq as u32).wrapping_add(VIF_SIGMA_NSQ as u32);
                        let log2_32 = |v: u32| crate::features::tables::log2_q11_u32(table, v) as i64;
                        let log2_64 = |v: u64| crate::features::tables::log2_q11_u64(table, v) as i64;
                        want.den_log += log2_32(VIF_SIGMA_NSQ.wrapping_add(sigma1_sq) as u32) - 2048 * 17;
                        if sigma12 > 0 && sigma2_sq > 0 {
                            want.num_log +=
                                log2_64(gg.wrapping_add(numer1 as i64) as u64) - log2_64(numer1 as u64);
                        }
                    } else {
                        want.num_nonlog += sigma2_sq as i64;
                        want.count += 1;
                    }
                }
                for level in Level::available() {
                    let got = stats_rows_at(level.isa().unwrap(), s1, s2, s12, w, gain_limit);
                    assert_eq!(got, want, "{level} w={w} gain_limit={gain_limit}");
                }
            }
        }
    }
}
