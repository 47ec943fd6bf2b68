//! The fixed-seed generator of the unit tests (SplitMix64; no dependency), with the
//! value shapes the property tests of `features::softf64` and `gpu::wide` draw.

pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A positive normal double with a random significand and an exponent in
    /// `lo..=hi` (unbiased).
    pub(crate) fn double(&mut self, lo: i32, hi: i32) -> f64 {
        let e = lo + self.below((hi - lo + 1) as u64) as i32;
        let m = self.next() & ((1u64 << 52) - 1);
        // Some significands with few bits set: exact results and ties.
        let m = match self.below(4) {
            0 => m & !((1u64 << self.below(52)) - 1),
            _ => m,
        };
        f64::from_bits(((e + 1023) as u64) << 52 | m)
    }
    /// An integer of `bits` significant bits.
    pub(crate) fn int_bits(&mut self, bits: u32) -> u64 {
        (1u64 << (bits - 1)) | (self.next() & ((1u64 << (bits - 1)) - 1))
    }
    /// An integer of `lo..=hi` significant bits.
    pub(crate) fn int_of(&mut self, lo: u32, hi: u32) -> u64 {
        let bits = lo + self.below(u64::from(hi - lo + 1)) as u32;
        self.int_bits(bits)
    }
    /// A value with a random number of significant bits (so that small, large and
    /// boundary magnitudes are all common), random sign.
    pub(crate) fn wide(&mut self) -> u64 {
        let bits = self.next() % 65;
        let v = if bits == 64 { self.next() } else { self.next() & ((1u64 << bits) - 1) };
        match self.next() % 8 {
            0 => v | (1u64 << 63),
            1 => u64::MAX - (v & 0xff),
            _ => v,
        }
    }
}
