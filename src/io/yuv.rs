//! Raw planar YUV reader (ffmpeg pixel-format names).

use std::io::Read;

use super::{ChromaFormat, Frame, FrameSource, FrameStream, IoError, VideoInfo};

/// Parse an ffmpeg pixel format name such as `yuv420p10le`.
pub fn parse_pix_fmt(name: &str) -> Result<(ChromaFormat, u8), IoError> {
    let unknown = || IoError::UnknownPixelFormat(name.to_string());
    let rest = name.strip_prefix("yuv").ok_or_else(unknown)?;
    let (chroma, rest) = match rest.get(..3) {
        Some("420") => (ChromaFormat::Yuv420, &rest[3..]),
        Some("422") => (ChromaFormat::Yuv422, &rest[3..]),
        Some("444") => (ChromaFormat::Yuv444, &rest[3..]),
        _ => return Err(unknown()),
    };
    let depth = match rest {
        "p" => 8,
        "p10le" => 10,
        "p12le" => 12,
        "p16le" => 16,
        _ => return Err(unknown()),
    };
    Ok((chroma, depth))
}

/// Why the first frame of a raw file looks read with the wrong `--pixel-format`, if
/// it does. A raw file has no header, so a wrong format whose frame size happens to
/// divide the file's size reads without error and scores garbage; two signs give it
/// away in the luma samples:
/// - a 10- or 12-bit format over 8-bit data: byte pairs read as little-endian
///   samples land far above the depth's maximum;
/// - an 8-bit format over 10/12/16-bit little-endian data: every odd byte is a
///   sample's high byte, so the odd samples sit in 0..=15 while the even ones (low
///   bytes) spread over 0..=255.
///
/// The thresholds leave real content alone: 8-bit video has no column parity, and
/// genuine high-bit-depth samples never exceed their maximum.
pub fn implausible(frame: &Frame, pix_fmt: &str) -> Option<String> {
    let luma = &frame.planes[0].data;
    let n = luma.len().max(1);
    let depth = frame.info.bit_depth;
    if depth > 8 && depth < 16 {
        let max = frame.info.max_sample() as u16;
        let over = luma.iter().filter(|&&v| v > max).count();
        if over * 100 >= n {
            return Some(format!(
                "{}% of the first frame's luma samples exceed the {depth}-bit maximum {max}: \
                 is --pixel-format {pix_fmt} right? (8-bit data needs an 8-bit format such as yuv420p)",
                over * 100 / n
            ));
        }
    }
    if depth == 8 && luma.len() >= 64 {
        let (mut odd_low, mut even_high) = (0usize, 0usize);
        for pair in luma.chunks_exact(2) {
            odd_low += usize::from(pair[1] <= 15);
            even_high += usize::from(pair[0] > 15);
        }
        let pairs = luma.len() / 2;
        if odd_low * 100 >= pairs * 99 && even_high * 100 >= pairs * 25 {
            return Some(format!(
                "every other luma sample of the first frame is below 16 and the rest are not, the pattern of \
                 16-bit little-endian samples: is --pixel-format {pix_fmt} right? (10-bit data needs e.g. yuv420p10le)"
            ));
        }
    }
    None
}

/// Reads headerless planar YUV frames of a known geometry.
pub struct YuvReader<R: Read> {
    stream: FrameStream<R>,
}

impl<R: Read> YuvReader<R> {
    pub fn new(reader: R, width: usize, height: usize, pix_fmt: &str) -> Result<Self, IoError> {
        let (chroma, depth) = parse_pix_fmt(pix_fmt)?;
        let info = VideoInfo::new(width, height, chroma, depth)?;
        Ok(YuvReader { stream: FrameStream::new(reader, info) })
    }
}

impl<R: Read> FrameSource for YuvReader<R> {
    fn info(&self) -> &VideoInfo {
        &self.stream.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, IoError> {
        self.next_frame_reusing(None)
    }

    fn next_frame_reusing(&mut self, spare: Option<Frame>) -> Result<Option<Frame>, IoError> {
        if self.stream.done {
            return Ok(None);
        }
        self.stream.read_frame(true, spare)
    }
}
