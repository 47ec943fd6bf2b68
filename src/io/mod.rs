//! Video input: frame/plane types, a streaming Y4M reader and a raw-YUV reader.

use std::io::Read;
use std::path::PathBuf;

pub mod ffmpeg;
pub mod open;
pub mod regular;
pub mod synthetic;
pub mod y4m;
pub mod yuv;

pub use open::{Decoding, Input, InputError, open, open_pair, open_with, probe_frames};
pub use y4m::Y4mReader;
pub use yuv::YuvReader;

/// Largest accepted width or height (checked before anything is allocated).
pub const MAX_DIMENSION: usize = 16384;
/// Longest accepted header / FRAME line, in bytes.
pub const MAX_HEADER_LEN: usize = 4096;

/// One input: a path (`-` is standard input) and, for raw YUV, its geometry.
#[derive(Debug, Clone)]
pub struct InputSpec {
    pub path: PathBuf,
    pub raw: Option<RawFormat>,
}

/// Geometry of a raw YUV input, with an ffmpeg pixel-format name (`yuv420p10le`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFormat {
    pub width: usize,
    pub height: usize,
    pub pixel_format: String,
    /// The frame count the user gave (`--frame-count`). Without one, a raw file whose
    /// size is not a whole number of frames is refused before anything is read.
    pub frame_count: Option<u64>,
}

/// Chroma subsampling of a YUV stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChromaFormat {
    Yuv420,
    Yuv422,
    Yuv444,
}

impl ChromaFormat {
    /// (horizontal, vertical) subsampling shifts of the chroma planes.
    pub fn shifts(self) -> (u32, u32) {
        match self {
            ChromaFormat::Yuv420 => (1, 1),
            ChromaFormat::Yuv422 => (1, 0),
            ChromaFormat::Yuv444 => (0, 0),
        }
    }
}

/// Stream geometry and sample format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VideoInfo {
    pub width: usize,
    pub height: usize,
    pub chroma: ChromaFormat,
    /// 8, 10, 12 or 16.
    pub bit_depth: u8,
}

impl VideoInfo {
    /// Validated constructor: rejects zero / oversized geometry and unknown depths.
    pub fn new(
        width: usize,
        height: usize,
        chroma: ChromaFormat,
        bit_depth: u8,
    ) -> Result<Self, IoError> {
        if width == 0 || height == 0 {
            return Err(IoError::ZeroGeometry { width, height });
        }
        if width > MAX_DIMENSION || height > MAX_DIMENSION {
            return Err(IoError::GeometryTooLarge {
                width,
                height,
                max: MAX_DIMENSION,
            });
        }
        if !matches!(bit_depth, 8 | 10 | 12 | 16) {
            return Err(IoError::UnsupportedBitDepth(bit_depth));
        }
        Ok(VideoInfo {
            width,
            height,
            chroma,
            bit_depth,
        })
    }

    /// Width and height of plane `p` (0 = Y, 1 = Cb, 2 = Cr); chroma rounds up.
    pub fn plane_dims(&self, p: usize) -> (usize, usize) {
        if p == 0 {
            return (self.width, self.height);
        }
        let (sx, sy) = self.chroma.shifts();
        (
            (self.width + (1 << sx) - 1) >> sx,
            (self.height + (1 << sy) - 1) >> sy,
        )
    }

    /// Bytes per sample in the file (1 for 8-bit, 2 little-endian otherwise).
    pub fn bytes_per_sample(&self) -> usize {
        if self.bit_depth > 8 { 2 } else { 1 }
    }

    /// Bytes of one stored frame (all three planes).
    pub fn frame_bytes(&self) -> usize {
        (0..3)
            .map(|p| {
                let (w, h) = self.plane_dims(p);
                w * h
            })
            .sum::<usize>()
            * self.bytes_per_sample()
    }

    /// Largest legal sample value for the bit depth.
    pub fn max_sample(&self) -> u32 {
        (1u32 << self.bit_depth) - 1
    }
}

/// One image plane; samples are stored as u16 whatever the bit depth
/// (values above the depth's maximum are passed through untouched).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plane {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u16>,
}

impl Plane {
    pub fn new(width: usize, height: usize) -> Self {
        Plane {
            width,
            height,
            data: vec![0; width * height],
        }
    }

    /// A plane of the first `width·height` of `samples` (no zero-fill first), in
    /// `buffer`'s memory (emptied first; it grows if it is too small).
    fn from_samples(width: usize, height: usize, mut buffer: Vec<u16>, samples: impl Iterator<Item = u16>) -> Self {
        let mut data = {
            buffer.clear();
            buffer.reserve(width * height);
            buffer
        };
        data.extend(samples.take(width * height));
        Plane { width, height, data }
    }

    /// Row `y` as a slice (panics if `y >= height`).
    #[inline]
    pub fn row(&self, y: usize) -> &[u16] {
        &self.data[y * self.width..(y + 1) * self.width]
    }
}

/// One decoded frame: Y, Cb, Cr.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub info: VideoInfo,
    pub planes: [Plane; 3],
}

impl Frame {
    /// A zero-filled frame with the given geometry.
    pub fn new(info: VideoInfo) -> Self {
        let mk = |p| {
            let (w, h) = info.plane_dims(p);
            Plane::new(w, h)
        };
        Frame {
            info,
            planes: [mk(0), mk(1), mk(2)],
        }
    }

    /// A frame decoded from one frame's packed file bytes (8-bit, or 16-bit
    /// little-endian). `bytes.len()` must equal `info.frame_bytes()`.
    ///
    /// Decoded into the buffers of `spare`, a frame that is no longer needed, where
    /// there is one: a long clip then decodes into the same memory over and over,
    /// instead of allocating (and page-faulting) fresh planes per frame.
    pub(crate) fn from_bytes_reusing(info: VideoInfo, bytes: &[u8], spare: Option<Frame>) -> Self {
        let size = info.bytes_per_sample();
        let mut off = 0;
        let mut buffers = spare.map(|f| f.planes.map(|p| p.data));
        let planes = [0, 1, 2].map(|p| {
            let (w, h) = info.plane_dims(p);
            let src = &bytes[off..off + size * w * h];
            off += src.len();
            let buffer = buffers.as_mut().map(|b| std::mem::take(&mut b[p])).unwrap_or_default();
            if size == 2 {
                Plane::from_samples(w, h, buffer, src.chunks_exact(2).map(|s| u16::from_le_bytes([s[0], s[1]])))
            } else {
                Plane::from_samples(w, h, buffer, src.iter().map(|&s| s as u16))
            }
        });
        Frame { info, planes }
    }
}

/// The state both readers share: the stream, its format, one frame's byte buffer
/// (reused between frames), the frame counter, and whether the stream has ended.
/// Readers differ only in what precedes each frame's payload (Y4M's `FRAME` line).
pub(crate) struct FrameStream<R> {
    pub(crate) inner: R,
    pub(crate) info: VideoInfo,
    buf: Vec<u8>,
    pub(crate) frame_index: u64,
    pub(crate) done: bool,
}

impl<R: Read> FrameStream<R> {
    pub(crate) fn new(inner: R, info: VideoInfo) -> Self {
        FrameStream { inner, info, buf: Vec::new(), frame_index: 0, done: false }
    }

    /// Reads and decodes one frame's payload. `None` when the stream ends cleanly
    /// before it (only where `clean_end_here`: raw YUV has no frame marker, so its
    /// end of stream is here); a partial frame is `TruncatedFrame`, naming the
    /// frame and the missing byte count. Any error ends the stream.
    pub(crate) fn read_frame(&mut self, clean_end_here: bool, spare: Option<Frame>) -> Result<Option<Frame>, IoError> {
        // Little-endian 16-bit samples are the file's bytes: they are read straight
        // into a spare frame's planes (which hold exactly this format), with no byte
        // buffer and no conversion pass. Without a spare, the byte buffer grows only
        // as data arrives, so a header announcing a huge frame over a short input
        // allocates nothing large.
        let info = self.info;
        let holds_this_format = |f: &Frame| {
            f.info == info
                && f.planes.iter().enumerate().all(|(p, plane)| {
                    let (w, h) = info.plane_dims(p);
                    plane.data.len() == w * h
                })
        };
        let spare = match spare {
            Some(frame) if info.bytes_per_sample() == 2 && cfg!(target_endian = "little") && holds_this_format(&frame) => {
                return self.read_into(frame, clean_end_here);
            }
            spare => spare,
        };
        let need = self.info.frame_bytes();
        self.buf.clear();
        // `take` bounds the read: a header announcing a huge frame over a short
        // input costs only the bytes that exist.
        let read = (&mut self.inner).take(need as u64).read_to_end(&mut self.buf);
        let got = self.buf.len();
        let result = match read {
            Err(e) => Err(IoError::Io(e)),
            Ok(_) if got == 0 && clean_end_here => Ok(None),
            Ok(_) if got < need => {
                Err(IoError::TruncatedFrame { frame: self.frame_index, missing: need - got, expected: need })
            }
            Ok(_) => {
                self.frame_index += 1;
                return Ok(Some(Frame::from_bytes_reusing(self.info, &self.buf, spare)));
            }
        };
        self.done = true;
        result
    }

    /// [`FrameStream::read_frame`] straight into `frame`'s planes (16-bit samples on
    /// a little-endian machine; `frame` of this stream's format).
    fn read_into(&mut self, mut frame: Frame, clean_end_here: bool) -> Result<Option<Frame>, IoError> {
        let need = self.info.frame_bytes();
        let mut got = 0;
        for plane in &mut frame.planes {
            let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut plane.data[..]);
            let n = read_full(&mut self.inner, bytes);
            got += *n.as_ref().unwrap_or(&0);
            match n {
                Err(e) => {
                    self.done = true;
                    return Err(IoError::Io(e));
                }
                Ok(n) if n < bytes.len() => break,
                Ok(_) => {}
            }
        }
        if got == need {
            self.frame_index += 1;
            return Ok(Some(frame));
        }
        self.done = true;
        if got == 0 && clean_end_here {
            return Ok(None);
        }
        Err(IoError::TruncatedFrame { frame: self.frame_index, missing: need - got, expected: need })
    }
}

/// Fills `buf` from `r` unless the input ends first; the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// A stream of frames. Implementations hold at most one frame's worth of
/// buffers, so memory does not grow with clip length.
pub trait FrameSource {
    fn info(&self) -> &VideoInfo;
    /// Frames per second as numerator and denominator, when the stream says.
    fn frame_rate(&self) -> Option<(u64, u64)> {
        None
    }
    /// The next frame, `Ok(None)` at a clean end of stream.
    fn next_frame(&mut self) -> Result<Option<Frame>, IoError>;
    /// [`FrameSource::next_frame`], decoding into `spare`'s buffers where the source
    /// can (a frame its caller is done with); others drop it.
    fn next_frame_reusing(&mut self, spare: Option<Frame>) -> Result<Option<Frame>, IoError> {
        drop(spare);
        self.next_frame()
    }
}

/// Everything that can go wrong while reading video.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a Y4M stream: {0}")]
    BadHeader(String),
    #[error("header line longer than {limit} bytes")]
    HeaderTooLong { limit: usize },
    #[error("Y4M header has no {0} (width W and height H are required)")]
    MissingGeometry(&'static str),
    #[error("invalid geometry {width}x{height}: width and height must be non-zero")]
    ZeroGeometry { width: usize, height: usize },
    #[error("geometry {width}x{height} exceeds the {max}x{max} limit")]
    GeometryTooLarge {
        width: usize,
        height: usize,
        max: usize,
    },
    #[error("unsupported colorspace '{0}'")]
    UnsupportedColorspace(String),
    #[error("unsupported bit depth {0} (8, 10, 12 or 16 expected)")]
    UnsupportedBitDepth(u8),
    #[error("unknown pixel format '{0}'")]
    UnknownPixelFormat(String),
    #[error("frame {frame}: expected a FRAME marker, found {found:?}")]
    BadFrameMarker { frame: u64, found: String },
    #[error("frame {frame} is truncated: {missing} of {expected} bytes missing")]
    TruncatedFrame {
        frame: u64,
        missing: usize,
        expected: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame's packed file bytes, every sample different: 8-bit, or 16-bit LE.
    fn bytes_of(info: &VideoInfo, seed: u32) -> Vec<u8> {
        let n = info.frame_bytes() / info.bytes_per_sample();
        let max = (1u32 << info.bit_depth) - 1;
        let sample = |i: usize| ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) >> 7) & max;
        if info.bytes_per_sample() == 2 {
            (0..n).flat_map(|i| (sample(i) as u16).to_le_bytes()).collect()
        } else {
            (0..n).map(|i| sample(i) as u8).collect()
        }
    }

    /// Frames read into spares (16-bit samples go straight into the planes) equal
    /// frames read fresh, up to a truncated last frame, which is an error naming the
    /// missing bytes whichever way it is read.
    #[test]
    fn frames_read_into_spares_equal_frames_read_fresh() {
        for (chroma, depth) in [(ChromaFormat::Yuv420, 10), (ChromaFormat::Yuv444, 16), (ChromaFormat::Yuv420, 8)] {
            let info = VideoInfo::new(21, 11, chroma, depth).expect("valid geometry");
            let frames: Vec<Vec<u8>> = (0..3).map(|k| bytes_of(&info, k)).collect();
            let mut stream = frames.concat();
            stream.truncate(stream.len() - 5);
            let read_all = |reuse: bool| {
                let mut s = FrameStream::new(std::io::Cursor::new(stream.clone()), info);
                let mut out: Vec<Result<Option<Frame>, String>> = Vec::new();
                let mut spare = None;
                for _ in 0..4 {
                    let got = s.read_frame(true, spare.take()).map_err(|e| e.to_string());
                    if reuse {
                        // hand the frame back as the next spare, keeping a copy
                        spare = got.as_ref().ok().and_then(|f| f.clone());
                    }
                    out.push(got);
                }
                out
            };
            let (fresh, reused) = (read_all(false), read_all(true));
            assert_eq!(fresh, reused, "{info:?}");
            assert_eq!(fresh[0], Ok(Some(Frame::from_bytes_reusing(info, &frames[0], None))));
            assert_eq!(fresh[1], Ok(Some(Frame::from_bytes_reusing(info, &frames[1], None))));
            let missing = format!("frame 2 is truncated: 5 of {} bytes missing", info.frame_bytes());
            assert_eq!(fresh[2], Err(missing), "{info:?}");
            assert_eq!(fresh[3], Ok(None));
        }
    }

    #[test]
    fn a_frame_decoded_into_a_spare_equals_one_decoded_fresh() {
        let info = |w, h, c, d| VideoInfo::new(w, h, c, d).expect("valid geometry");
        let formats = [
            info(33, 17, ChromaFormat::Yuv420, 8),
            info(33, 17, ChromaFormat::Yuv444, 10),
            info(8, 8, ChromaFormat::Yuv422, 8),
            info(64, 40, ChromaFormat::Yuv420, 16),
        ];
        for (k, format) in formats.iter().enumerate() {
            let bytes = bytes_of(format, k as u32);
            let fresh = Frame::from_bytes_reusing(*format, &bytes, None);
            // Spares of every format, larger and smaller, holding other samples.
            for (j, other) in formats.iter().enumerate() {
                let spare = Frame::from_bytes_reusing(*other, &bytes_of(other, 99 + j as u32), None);
                let reused = Frame::from_bytes_reusing(*format, &bytes, Some(spare));
                assert_eq!(reused, fresh, "{format:?} decoded into a spare of {other:?}");
            }
        }
    }
}
