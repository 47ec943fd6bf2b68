//! Which vector instruction set the CPU kernels run, and the few vector operations
//! they share. Knows no feature: the kernels live beside their scalar twins
//! (`features/<name>/simd.rs`) and take an [`Isa`].
//!
//! The level is detected once per process (the best this CPU runs), or forced with
//! `TINYVMAF_SIMD=scalar|sse2|avx2|avx512` so every level can be run and tested on a
//! machine that has more. Every level gives the same numbers, bit for bit: the
//! kernels are integer code whose wrapping sums equal the scalar ones mod 2^32.
//!
//! No `unsafe` here: intrinsics are called through `pulp`'s tokens
//! ([`pulp::x86::V1`] for SSE2, [`pulp::x86::V3`] for AVX2, [`pulp::x86::V4`] for
//! AVX-512), which prove the CPU has them; AVX2 and AVX-512 code runs inside the
//! token's `vectorize`, so it is compiled for those instructions.

use std::sync::OnceLock;

/// The environment variable that forces a level.
pub const ENV: &str = "TINYVMAF_SIMD";

/// A named instruction-set level, as `TINYVMAF_SIMD` spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The reference code (`features/<name>/cpu.rs`), as the compiler builds it for
    /// the default target.
    Scalar,
    Sse2,
    Avx2,
    Avx512,
}

/// `TINYVMAF_SIMD` names a level that is unknown or that this CPU cannot run.
#[derive(Debug, thiserror::Error)]
pub enum SimdError {
    #[error("{ENV}={value:?} is not a level: use one of scalar, sse2, avx2, avx512")]
    Unknown { value: String },
    #[error("{ENV}={level}: this CPU does not support it (it runs: {available})")]
    Unsupported { level: &'static str, available: String },
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Scalar, Level::Sse2, Level::Avx2, Level::Avx512];

    pub fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Sse2 => "sse2",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.name().eq_ignore_ascii_case(text.trim()))
    }

    /// The kernels' handle for this level, if this CPU runs it.
    pub fn isa(self) -> Option<Isa> {
        match self {
            Level::Scalar => Some(Isa::Scalar),
            #[cfg(target_arch = "x86_64")]
            Level::Sse2 => pulp::x86::V1::try_new().map(Isa::Sse2),
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => pulp::x86::V3::try_new().map(Isa::Avx2),
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => pulp::x86::V4::try_new().map(Isa::Avx512),
            #[cfg(not(target_arch = "x86_64"))]
            _ => None,
        }
    }

    /// The levels this CPU runs, lowest first.
    pub fn available() -> Vec<Level> {
        Level::ALL.into_iter().filter(|l| l.isa().is_some()).collect()
    }

    /// The best level this CPU runs.
    pub fn best() -> Level {
        *Level::available().last().unwrap_or(&Level::Scalar)
    }

    /// The level `TINYVMAF_SIMD` asks for, else the best; an unknown or unsupported
    /// name is an error (the command line checks it before any work).
    pub fn from_env() -> Result<Level, SimdError> {
        match std::env::var(ENV) {
            Ok(v) if !v.trim().is_empty() => Level::from_name(&v),
            _ => Ok(Level::best()),
        }
    }

    /// `text` as a level this CPU runs.
    pub fn from_name(text: &str) -> Result<Level, SimdError> {
        let level = Level::parse(text).ok_or_else(|| SimdError::Unknown { value: text.to_owned() })?;
        if level.isa().is_none() {
            let available: Vec<&str> = Level::available().iter().map(|l| l.name()).collect();
            return Err(SimdError::Unsupported { level: level.name(), available: available.join(", ") });
        }
        Ok(level)
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The level of this process, decided once. A bad `TINYVMAF_SIMD` (which the command
/// line refuses before it gets here) falls back to the best level with a warning,
/// so a library caller is never stopped by it.
pub fn current() -> Isa {
    static CURRENT: OnceLock<Isa> = OnceLock::new();
    *CURRENT.get_or_init(|| {
        let level = Level::from_env().unwrap_or_else(|e| {
            eprintln!("warning: {e}; using {}", Level::best());
            Level::best()
        });
        level.isa().unwrap_or(Isa::Scalar)
    })
}

/// A level this CPU runs, with the token its vector code needs.
#[derive(Clone, Copy, Debug)]
pub enum Isa {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Sse2(pulp::x86::V1),
    #[cfg(target_arch = "x86_64")]
    Avx2(pulp::x86::V3),
    #[cfg(target_arch = "x86_64")]
    Avx512(pulp::x86::V4),
}

impl Isa {
    pub fn level(self) -> Level {
        match self {
            Isa::Scalar => Level::Scalar,
            #[cfg(target_arch = "x86_64")]
            Isa::Sse2(_) => Level::Sse2,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2(_) => Level::Avx2,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512(_) => Level::Avx512,
        }
    }
}

impl Default for Isa {
    /// This process's level ([`current`]).
    fn default() -> Self {
        current()
    }
}

/// Integers of magnitude up to 2^51 are exact in [`f64_to_i64_exact`].
pub const F64_EXACT_LIMIT: f64 = (1u64 << 51) as f64;

/// An integral f64 of magnitude ≤ [`F64_EXACT_LIMIT`] as i64, by bit operations only:
/// adding 2^52 + 2^51 puts the integer in the low mantissa bits, exactly. Rust's `as`
/// saturates and maps NaN to 0, which compiles to scalar code with checks; this
/// vectorises (callers truncate and bound the value first).
#[inline(always)]
pub fn f64_to_i64_exact(t: f64) -> i64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 2^52 + 2^51
    (t + MAGIC).to_bits() as i64 - MAGIC.to_bits() as i64
}

/// `x as f32` (rounded to nearest) by operations that vectorise at every level: AVX2
/// has no i64 → f32 or i64 → f64 conversion, and the compiler converts lane by lane.
/// Above 2^53 the bits under bit 11 are folded into bit 11 (round to odd), so the
/// exact conversion to f64 (at most 52 significant bits) followed by the rounding to
/// f32 rounds as the direct conversion does; f64 keeps 29 bits more than f32, so its
/// own step cannot round. The two 32-bit halves are converted through the mantissa
/// (2^52 + n is exact for n < 2^32).
#[inline(always)]
pub fn i64_to_f32_exact(x: i64) -> f32 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let a = x.unsigned_abs();
    let odd = (a & !0x7ff) | (((a & 0x7ff) != 0) as u64) << 11;
    let a = if a >= 1 << 53 { odd } else { a };
    let half = |n: u64| f64::from_bits(TWO_52.to_bits() | n) - TWO_52;
    let f = half(a >> 32) * 4_294_967_296.0 + half(a & 0xffff_ffff);
    (if x < 0 { -f } else { f }) as f32
}

/// Runs `f` compiled for `isa`'s instructions: scalar code inlined into `f` (mark
/// what it calls `#[inline(always)]`) is vectorised by the compiler for AVX2 or
/// AVX-512, as if the whole program were built for that CPU. The numbers cannot
/// change: the compiler keeps Rust's semantics (no contraction into FMA, saturating
/// float-to-int casts), it only picks wider instructions. Scalar and SSE2 run `f` as
/// built for the default target.
#[inline(always)]
pub fn vectorize<R>(isa: Isa, f: impl FnOnce() -> R) -> R {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2(v3) => v3.vectorize(f),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512(v4) => v4.vectorize(f),
        _ => f(),
    }
}

#[cfg(target_arch = "x86_64")]
pub use x86::Madd16;

/// Signed 16-bit multiply-add (`pmaddwd`) over symmetric sample pairs: the core of
/// every integer FIR filter here. A filter `Σ c_k·x_k` on u16 samples with u16 taps
/// is computed on `x_k ^ 0x8000 = x_k − 32768` (now i16) and taps ≤ 32767, two taps
/// per instruction; adding `32768·Σ c_k` back restores the sum mod 2^32.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64 as arch;
    use pulp::x86::{V1, V3, V4};

    /// One vector width's worth of the operations the filters need. Products come
    /// out as two i32 vectors (the "low" and "high" unpack halves); `store` puts
    /// them back in sample order.
    pub trait Madd16: Copy {
        type V: Copy;
        /// u16 samples per vector.
        const LANES: usize;
        fn zero(self) -> Self::V;
        /// The first `LANES` samples of `s`, each with its top bit flipped.
        fn load_flipped(self, s: &[u16]) -> Self::V;
        /// Every i32 lane holds the tap pair `(c0, c1)` (c0 in the low half).
        fn taps(self, c0: u16, c1: u16) -> Self::V;
        /// `acc += madd(interleave(a, b), taps)`: per sample `c0·a + c1·b`.
        fn madd_acc(self, acc: [Self::V; 2], a: Self::V, b: Self::V, taps: Self::V) -> [Self::V; 2];
        /// `out[..LANES] = acc + bias` (wrapping), in sample order.
        fn store(self, acc: [Self::V; 2], bias: u32, out: &mut [u32]);
    }

    fn array<const N: usize>(s: &[u16]) -> [u16; N] {
        s[..N].try_into().expect("length checked by the slice above")
    }

    impl Madd16 for V1 {
        type V = arch::__m128i;
        const LANES: usize = 8;
        #[inline(always)]
        fn zero(self) -> Self::V {
            self.sse2._mm_setzero_si128()
        }
        #[inline(always)]
        fn load_flipped(self, s: &[u16]) -> Self::V {
            let v: Self::V = bytemuck::cast(array::<8>(s));
            self.sse2._mm_xor_si128(v, self.sse2._mm_set1_epi16(i16::MIN))
        }
        #[inline(always)]
        fn taps(self, c0: u16, c1: u16) -> Self::V {
            self.sse2._mm_set1_epi32((c0 as u32 | (c1 as u32) << 16) as i32)
        }
        #[inline(always)]
        fn madd_acc(self, acc: [Self::V; 2], a: Self::V, b: Self::V, t: Self::V) -> [Self::V; 2] {
            let x = self.sse2;
            let lo = x._mm_madd_epi16(x._mm_unpacklo_epi16(a, b), t);
            let hi = x._mm_madd_epi16(x._mm_unpackhi_epi16(a, b), t);
            [x._mm_add_epi32(acc[0], lo), x._mm_add_epi32(acc[1], hi)]
        }
        #[inline(always)]
        fn store(self, acc: [Self::V; 2], bias: u32, out: &mut [u32]) {
            let x = self.sse2;
            let b = x._mm_set1_epi32(bias as i32);
            let lo: [u32; 4] = bytemuck::cast(x._mm_add_epi32(acc[0], b));
            let hi: [u32; 4] = bytemuck::cast(x._mm_add_epi32(acc[1], b));
            out[..4].copy_from_slice(&lo);
            out[4..8].copy_from_slice(&hi);
        }
    }

    impl Madd16 for V3 {
        type V = arch::__m256i;
        const LANES: usize = 16;
        #[inline(always)]
        fn zero(self) -> Self::V {
            self.avx._mm256_setzero_si256()
        }
        #[inline(always)]
        fn load_flipped(self, s: &[u16]) -> Self::V {
            let v: Self::V = bytemuck::cast(array::<16>(s));
            self.avx2._mm256_xor_si256(v, self.avx._mm256_set1_epi16(i16::MIN))
        }
        #[inline(always)]
        fn taps(self, c0: u16, c1: u16) -> Self::V {
            self.avx._mm256_set1_epi32((c0 as u32 | (c1 as u32) << 16) as i32)
        }
        #[inline(always)]
        fn madd_acc(self, acc: [Self::V; 2], a: Self::V, b: Self::V, t: Self::V) -> [Self::V; 2] {
            let x = self.avx2;
            let lo = x._mm256_madd_epi16(x._mm256_unpacklo_epi16(a, b), t);
            let hi = x._mm256_madd_epi16(x._mm256_unpackhi_epi16(a, b), t);
            [x._mm256_add_epi32(acc[0], lo), x._mm256_add_epi32(acc[1], hi)]
        }
        #[inline(always)]
        fn store(self, acc: [Self::V; 2], bias: u32, out: &mut [u32]) {
            // The unpacks work per 128-bit lane: `lo` holds samples 0-3 and 8-11,
            // `hi` 4-7 and 12-15.
            let x = self.avx2;
            let b = self.avx._mm256_set1_epi32(bias as i32);
            let (lo, hi) = (x._mm256_add_epi32(acc[0], b), x._mm256_add_epi32(acc[1], b));
            let first: [u32; 8] = bytemuck::cast(x._mm256_permute2x128_si256::<0x20>(lo, hi));
            let second: [u32; 8] = bytemuck::cast(x._mm256_permute2x128_si256::<0x31>(lo, hi));
            out[..8].copy_from_slice(&first);
            out[8..16].copy_from_slice(&second);
        }
    }

    impl Madd16 for V4 {
        type V = arch::__m512i;
        const LANES: usize = 32;
        #[inline(always)]
        fn zero(self) -> Self::V {
            self.avx512f._mm512_setzero_si512()
        }
        #[inline(always)]
        fn load_flipped(self, s: &[u16]) -> Self::V {
            let v: Self::V = bytemuck::cast(array::<32>(s));
            self.avx512f._mm512_xor_si512(v, self.avx512f._mm512_set1_epi16(i16::MIN))
        }
        #[inline(always)]
        fn taps(self, c0: u16, c1: u16) -> Self::V {
            self.avx512f._mm512_set1_epi32((c0 as u32 | (c1 as u32) << 16) as i32)
        }
        #[inline(always)]
        fn madd_acc(self, acc: [Self::V; 2], a: Self::V, b: Self::V, t: Self::V) -> [Self::V; 2] {
            let (bw, f) = (self.avx512bw, self.avx512f);
            let lo = bw._mm512_madd_epi16(bw._mm512_unpacklo_epi16(a, b), t);
            let hi = bw._mm512_madd_epi16(bw._mm512_unpackhi_epi16(a, b), t);
            [f._mm512_add_epi32(acc[0], lo), f._mm512_add_epi32(acc[1], hi)]
        }
        #[inline(always)]
        fn store(self, acc: [Self::V; 2], bias: u32, out: &mut [u32]) {
            // Per 128-bit lane q, `lo` holds samples 8q..8q+3 and `hi` 8q+4..8q+7:
            // interleave their lanes (as 64-bit index pairs) back into sample order.
            let f = self.avx512f;
            let b = f._mm512_set1_epi32(bias as i32);
            let (lo, hi) = (f._mm512_add_epi32(acc[0], b), f._mm512_add_epi32(acc[1], b));
            let first_idx = f._mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
            let second_idx = f._mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
            let first: [u32; 16] = bytemuck::cast(f._mm512_permutex2var_epi64(lo, first_idx, hi));
            let second: [u32; 16] = bytemuck::cast(f._mm512_permutex2var_epi64(lo, second_idx, hi));
            out[..16].copy_from_slice(&first);
            out[16..32].copy_from_slice(&second);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_conversion_equals_the_cast_up_to_its_limit() {
        let limit = F64_EXACT_LIMIT as i64;
        let mut rng = crate::test_rng::Rng(0x2545_f491_4f6c_dd1d);
        let mut values = vec![0, 1, -1, 2, -2, limit, -limit, limit - 1, 1 - limit, 1 << 31, -(1 << 31)];
        for _ in 0..10_000 {
            values.push((rng.next() as i64) % (limit + 1));
        }
        for v in values {
            assert_eq!(f64_to_i64_exact(v as f64), v, "{v}");
        }
        assert_eq!(f64_to_i64_exact(-0.0), 0);
    }

    #[test]
    fn exact_i64_to_f32_equals_the_cast() {
        let mut rng = crate::test_rng::Rng(0x9e37_79b9_7f4a_7c15);
        let mut values = vec![0, 1, -1, i64::MIN, i64::MAX, i64::MIN + 1, 1 << 53, (1 << 53) + 1, (1 << 53) - 1];
        for _ in 0..200_000 {
            let v = rng.next() as i64 >> rng.below(64);
            // ties and near-ties of f32 rounding: 24 significant bits, then a half
            let shift = rng.below(40) as u32;
            let tie = ((rng.next() >> 40) | 1 << 23) << shift;
            let near = (1i64 << shift.max(1) >> 1) as u64;
            for w in [v, (tie | near) as i64, (tie | near) as i64 + 1, (tie | near) as i64 - 1] {
                values.extend([w, w.wrapping_neg()]);
            }
        }
        for v in values {
            assert_eq!(i64_to_f32_exact(v).to_bits(), (v as f32).to_bits(), "{v}");
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for l in Level::ALL {
            assert_eq!(Level::parse(l.name()), Some(l));
            assert_eq!(Level::parse(&l.name().to_uppercase()), Some(l));
        }
        assert!(matches!(Level::from_name("avx3"), Err(SimdError::Unknown { .. })));
        assert!(Level::available().contains(&Level::Scalar));
        assert_eq!(Level::best().isa().map(Isa::level), Some(Level::best()));
    }

    #[test]
    fn a_level_the_cpu_lacks_is_refused_by_name() {
        for l in Level::ALL {
            match Level::from_name(l.name()) {
                Ok(got) => assert_eq!(got, l),
                Err(e) => {
                    assert!(l.isa().is_none());
                    assert!(e.to_string().contains("does not support"), "{e}");
                }
            }
        }
    }
}
