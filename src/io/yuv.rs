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
        if self.stream.done {
            return Ok(None);
        }
        self.stream.read_frame(true)
    }
}
