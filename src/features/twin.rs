//! The word views a CPU twin's binding-order entry point needs (`gpu::kernel::CpuTwin`:
//! every binding arrives as the u32 words the GPU buffer holds): the params struct,
//! packed samples (two u16 or four u8 to a word, as `unpack_u16` and `unpack_sample`
//! in shaders/common.wgsl read them), and i32 reinterpretations.

use crate::io::Plane;

/// The params struct at the start of a uniform binding's words.
pub fn params<P: bytemuck::Pod>(words: &[u32]) -> P {
    bytemuck::pod_read_unaligned(&bytemuck::cast_slice::<u32, u8>(words)[..size_of::<P>()])
}

/// The first `n` packed u16 samples.
pub fn samples(words: &[u32], n: usize) -> Vec<u16> {
    packed_samples(words, n, 1)
}

/// The first `n` samples packed 2^`lg` to a word (`gpu::buffers::Packing::log2`).
pub fn packed_samples(words: &[u32], n: usize, lg: u32) -> Vec<u16> {
    let bits = 32 >> lg;
    let per = 1 << lg;
    (0..n).map(|i| ((words[i / per] >> (bits * (i % per))) & ((1 << bits) - 1)) as u16).collect()
}

/// Writes `samples` packed two per word (a missing last odd sample leaves its half 0).
pub fn pack(samples: &[u16], words: &mut [u32]) {
    for (word, pair) in words.iter_mut().zip(samples.chunks(2)) {
        *word = u32::from(pair[0]) | pair.get(1).map_or(0, |&hi| u32::from(hi) << 16);
    }
}

/// A plane of `height` rows with row pitch `stride` samples, from words packed
/// 2^`lg` samples to a word.
pub fn plane(words: &[u32], stride: usize, height: usize, lg: u32) -> Plane {
    Plane { width: stride, height, data: packed_samples(words, stride * height, lg) }
}

pub fn as_i32(words: &[u32]) -> &[i32] {
    bytemuck::cast_slice(words)
}

pub fn as_i32_mut(words: &mut [u32]) -> &mut [i32] {
    bytemuck::cast_slice_mut(words)
}
