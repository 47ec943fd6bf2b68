//! Clips made in memory: for the GPU self-test and for benchmarks that must not count
//! file reading. Deterministic (a fixed linear congruential generator), with the
//! content the features react to: edges, texture, motion, noise, blur, quantisation
//! and a contrast-enhanced patch (the case the enhancement-gain limits clip).

use super::{Frame, FrameSource, IoError, Plane, VideoInfo};

/// Frame `t` of a reference and its distorted twin, all three planes.
pub fn synthetic_pair(info: VideoInfo, t: usize) -> (Frame, Frame) {
    let mut reference = Frame::new(info);
    let mut distorted = Frame::new(info);
    for p in 0..3 {
        let seed = 0x2545_f491u32 ^ (t as u32).wrapping_mul(0x9e37_79b9) ^ p as u32;
        let (r, d) = synthetic_planes(&reference.planes[p], info.bit_depth, t, seed);
        reference.planes[p] = r;
        distorted.planes[p] = d;
    }
    (reference, distorted)
}

fn synthetic_planes(shape: &Plane, bit_depth: u8, t: usize, seed: u32) -> (Plane, Plane) {
    let (w, h) = (shape.width, shape.height);
    let max = (1i32 << bit_depth) - 1;
    let mut seed = seed;
    let mut noise = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 24) as i32 - 128
    };
    let scale = 1i32 << (bit_depth - 8);
    let t = t as i32;
    let mut reference = vec![0u16; w * h];
    for y in 0..h {
        for x in 0..w {
            let (xs, ys) = (x as i32 + 3 * t, y as i32 + t);
            let stripes = if (xs / 7 + ys / 5) % 2 == 0 { 60 } else { 190 };
            let v = (stripes + (xs * 3 + ys * 2) % 40 + noise() / 8) * scale;
            reference[y * w + x] = v.clamp(0, max) as u16;
        }
    }
    let mut distorted = vec![0u16; w * h];
    let patch = (w / 5..w / 2, h / 6..h / 2);
    for y in 0..h {
        for x in 0..w {
            let at = |dx: isize| reference[y * w + (x as isize + dx).clamp(0, w as isize - 1) as usize] as i32;
            let blurred = (at(-1) + 2 * at(0) + at(1)) / 4;
            let q = 8 * scale;
            let mut v = blurred / q * q + noise() / 32 * scale;
            if patch.0.contains(&x) && patch.1.contains(&y) {
                v = 128 * scale + (v - 128 * scale) * 3 / 2;
            }
            distorted[y * w + x] = v.clamp(0, max) as u16;
        }
    }
    (Plane { width: w, height: h, data: reference }, Plane { width: w, height: h, data: distorted })
}

/// One side (reference or distorted) of a synthetic clip of `frames` frames that
/// cycles through `distinct` pre-made frames, so a long clip costs no generation time.
pub struct SyntheticSource {
    info: VideoInfo,
    cycle: Vec<Frame>,
    frames: u64,
    next: u64,
}

impl SyntheticSource {
    /// The reference and distorted sides of one clip.
    pub fn pair(info: VideoInfo, distinct: usize, frames: u64) -> (SyntheticSource, SyntheticSource) {
        let (refs, dists): (Vec<Frame>, Vec<Frame>) = (0..distinct.max(1)).map(|t| synthetic_pair(info, t)).unzip();
        let side = |cycle| SyntheticSource { info, cycle, frames, next: 0 };
        (side(refs), side(dists))
    }
}

impl FrameSource for SyntheticSource {
    fn info(&self) -> &VideoInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, IoError> {
        if self.next >= self.frames {
            return Ok(None);
        }
        let frame = self.cycle[(self.next % self.cycle.len() as u64) as usize].clone();
        self.next += 1;
        Ok(Some(frame))
    }
}
