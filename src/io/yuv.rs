//! Raw planar YUV reader (ffmpeg pixel-format names).

use std::io::Read;

use super::{read_payload, ChromaFormat, Frame, FrameSource, IoError, VideoInfo};

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
    inner: R,
    info: VideoInfo,
    buf: Vec<u8>,
    frame_index: u64,
    done: bool,
}

impl<R: Read> YuvReader<R> {
    pub fn new(reader: R, width: usize, height: usize, pix_fmt: &str) -> Result<Self, IoError> {
        let (chroma, depth) = parse_pix_fmt(pix_fmt)?;
        let info = VideoInfo::new(width, height, chroma, depth)?;
        Ok(YuvReader {
            inner: reader,
            info,
            buf: Vec::new(),
            frame_index: 0,
            done: false,
        })
    }

    /// Read the next frame's bytes; `Ok(false)` at a clean end of stream.
    fn read_frame_bytes(&mut self) -> Result<bool, IoError> {
        if self.done {
            return Ok(false);
        }
        if !read_payload(&mut self.inner, self.info.frame_bytes(), &mut self.buf, self.frame_index, true)
            .inspect_err(|_| self.done = true)?
        {
            self.done = true;
            return Ok(false);
        }
        self.frame_index += 1;
        Ok(true)
    }
}

impl<R: Read> FrameSource for YuvReader<R> {
    fn info(&self) -> &VideoInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, IoError> {
        if !self.read_frame_bytes()? {
            return Ok(None);
        }
        Ok(Some(Frame::from_bytes(self.info, &self.buf)))
    }
}
