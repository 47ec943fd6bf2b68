//! Picture buffers (`vmaf_picture_alloc` / `vmaf_picture_unref`) and reading a
//! picture into a frame.
//!
//! Every buffer handed out is remembered by the address its `VmafPicture.ref`
//! carries, so that a picture this library did not allocate, or one already
//! released, is refused with `-EINVAL` instead of being freed or read.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use tinyvmaf_gpu::io::{ChromaFormat, Frame, VideoInfo};

/// libvmaf's row alignment, in samples.
const ALIGN: usize = 32;

/// 32-byte aligned storage, as libvmaf aligns its buffers.
#[derive(Clone, Copy, bytemuck::Zeroable, bytemuck::Pod)]
#[repr(C, align(32))]
struct Block([u8; 32]);

/// One allocation: its planes' geometry and its bytes.
pub struct Buffer {
    blocks: Vec<Block>,
    pub pix_fmt: u32,
    pub bpc: u32,
    pub w: [u32; 3],
    pub h: [u32; 3],
    pub stride: [usize; 3],
    /// Byte offset of each plane in the buffer.
    pub offset: [usize; 3],
}

/// Live allocations by their key (the address given out as `ref`).
static LIVE: Mutex<Option<HashMap<usize, Box<Buffer>>>> = Mutex::new(None);

fn with_live<T>(f: impl FnOnce(&mut HashMap<usize, Box<Buffer>>) -> T) -> T {
    let mut guard = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
    f(guard.get_or_insert_with(HashMap::new))
}

/// libvmaf's pixel formats.
pub(crate) const YUV420P: u32 = 1;
pub(crate) const YUV422P: u32 = 2;
pub(crate) const YUV444P: u32 = 3;
pub(crate) const YUV400P: u32 = 4;

/// Allocates a zeroed picture of libvmaf's geometry (chroma sizes rounded down,
/// rows aligned to 32 samples). Returns the key and where its planes start.
pub fn alloc(pix_fmt: u32, bpc: u32, w: u32, h: u32) -> Result<(usize, [*mut u8; 3], Geometry), &'static str> {
    if !(YUV420P..=YUV400P).contains(&pix_fmt) {
        return Err("unknown pixel format");
    }
    if !(8..=16).contains(&bpc) {
        return Err("bits per component must be 8 to 16");
    }
    if w == 0 || h == 0 || w as usize > tinyvmaf_gpu::io::MAX_DIMENSION || h as usize > tinyvmaf_gpu::io::MAX_DIMENSION {
        return Err("width and height must be 1 to 16384");
    }
    let ss_hor = u32::from(pix_fmt != YUV444P);
    let ss_ver = u32::from(pix_fmt == YUV420P);
    let (cw, ch) = if pix_fmt == YUV400P { (0, 0) } else { (w >> ss_hor, h >> ss_ver) };
    let bytes = if bpc > 8 { 2 } else { 1 };
    let aligned = |n: u32| (n as usize).div_ceil(ALIGN) * ALIGN * bytes;
    let stride = [aligned(w), aligned(cw), aligned(cw)];
    let sizes = [stride[0] * h as usize, stride[1] * ch as usize, stride[2] * ch as usize];
    let offset = [0, sizes[0], sizes[0] + sizes[1]];
    let total = sizes.iter().sum::<usize>();
    let mut buffer = Box::new(Buffer {
        blocks: vec![Block([0; 32]); total.div_ceil(32)],
        pix_fmt,
        bpc,
        w: [w, cw, cw],
        h: [h, ch, ch],
        stride,
        offset,
    });
    let base = buffer.blocks.as_mut_ptr().cast::<u8>();
    let planes = std::array::from_fn(|p| if sizes[p] == 0 { std::ptr::null_mut() } else { base.wrapping_add(offset[p]) });
    let geometry = Geometry { w: buffer.w, h: buffer.h, stride: buffer.stride };
    let key = std::ptr::from_ref::<Buffer>(&buffer) as usize;
    with_live(|live| live.insert(key, buffer));
    Ok((key, planes, geometry))
}

/// The geometry a picture is given.
pub struct Geometry {
    pub w: [u32; 3],
    pub h: [u32; 3],
    pub stride: [usize; 3],
}

/// Releases an allocation; `false` if `key` is not a live one.
pub fn release(key: usize) -> bool {
    with_live(|live| live.remove(&key)).is_some()
}

/// The picture's samples as a frame; the picture stays allocated. Chroma planes of
/// odd sizes, which libvmaf rounds down, get their last column or row repeated to
/// this engine's rounded-up size.
pub fn frame(key: usize) -> Result<Frame, String> {
    with_live(|live| live.get(&key).map(|b| to_frame(b)))
        .ok_or_else(|| "a picture this library did not allocate, or one released already".to_owned())?
}

fn to_frame(buffer: &Buffer) -> Result<Frame, String> {
    let chroma = match buffer.pix_fmt {
        YUV420P => ChromaFormat::Yuv420,
        YUV422P => ChromaFormat::Yuv422,
        YUV444P => ChromaFormat::Yuv444,
        _ => return Err("pictures without chroma (YUV400P) are not supported".into()),
    };
    let depth = u8::try_from(buffer.bpc).ok().filter(|d| matches!(d, 8 | 10 | 12 | 16)).ok_or_else(|| format!("{}-bit pictures are not supported (8, 10, 12 or 16)", buffer.bpc))?;
    let info = VideoInfo::new(buffer.w[0] as usize, buffer.h[0] as usize, chroma, depth).map_err(|e| e.to_string())?;
    if buffer.w.iter().chain(&buffer.h).any(|&n| n == 0) {
        return Err(format!("a {}x{} picture has no chroma samples; 2x2 is the smallest", buffer.w[0], buffer.h[0]));
    }
    let mut frame = Frame::new(info);
    let bytes: &[u8] = bytemuck::cast_slice(&buffer.blocks);
    let wide = buffer.bpc > 8;
    for (p, plane) in frame.planes.iter_mut().enumerate() {
        let (have_w, have_h) = (buffer.w[p] as usize, buffer.h[p] as usize);
        let width = plane.width;
        for (y, out) in plane.data.chunks_exact_mut(width).enumerate() {
            let start = buffer.offset[p] + y.min(have_h - 1) * buffer.stride[p];
            // Samples are in the machine's byte order, as C wrote them.
            if wide {
                let row = &bytes[start..start + 2 * have_w];
                for (o, s) in out.iter_mut().zip(row.chunks_exact(2)) {
                    *o = u16::from_ne_bytes([s[0], s[1]]);
                }
                let max = info.max_sample();
                if let Some(v) = out.iter().find(|&&v| u32::from(v) > max) {
                    return Err(format!("plane {p} holds {v}, more than {}-bit samples can", buffer.bpc));
                }
            } else {
                for (o, s) in out.iter_mut().zip(&bytes[start..start + have_w]) {
                    *o = u16::from(*s);
                }
            }
            let last = out[have_w.min(width) - 1];
            out[have_w.min(width)..].fill(last);
        }
    }
    Ok(frame)
}
