//! Streaming YUV4MPEG2 reader, and [`y4m_bytes`], the bytes of a clip in the same
//! format (for benchmarks that time whole commands on files).

use std::io::{BufReader, Read};

use super::{ChromaFormat, Frame, FrameSource, FrameStream, IoError, MAX_DIMENSION, MAX_HEADER_LEN, VideoInfo};

/// Reads a Y4M stream frame by frame from any `Read`.
pub struct Y4mReader<R: Read> {
    stream: FrameStream<BufReader<R>>,
    /// The header's `F` tag (frames per second as numerator:denominator), when
    /// present and well formed.
    frame_rate: Option<(u64, u64)>,
}

/// Map a Y4M `C` tag to chroma format and bit depth.
fn parse_colorspace(tag: &str) -> Result<(ChromaFormat, u8), IoError> {
    let unsupported = || IoError::UnsupportedColorspace(tag.to_string());
    let (chroma, rest) = if let Some(r) = tag.strip_prefix("420") {
        (ChromaFormat::Yuv420, r)
    } else if let Some(r) = tag.strip_prefix("422") {
        (ChromaFormat::Yuv422, r)
    } else if let Some(r) = tag.strip_prefix("444") {
        (ChromaFormat::Yuv444, r)
    } else {
        return Err(unsupported());
    };
    let depth = match rest {
        "" => 8,
        "jpeg" | "paldv" | "mpeg2" if chroma == ChromaFormat::Yuv420 => 8,
        "p9" => 9,
        "p10" => 10,
        "p12" => 12,
        "p14" => 14,
        "p16" => 16,
        _ => return Err(unsupported()),
    };
    if !matches!(depth, 8 | 10 | 12 | 16) {
        return Err(unsupported());
    }
    Ok((chroma, depth))
}

/// A clip of `frames` as a Y4M stream (25 fps, progressive, square pixels): 8-bit
/// samples as bytes, wider ones as little-endian u16, what [`Y4mReader`] reads back.
pub fn y4m_bytes(info: &VideoInfo, frames: impl IntoIterator<Item = Frame>) -> Vec<u8> {
    let chroma = match info.chroma {
        ChromaFormat::Yuv420 => "420",
        ChromaFormat::Yuv422 => "422",
        ChromaFormat::Yuv444 => "444",
    };
    let depth = if info.bit_depth == 8 { String::new() } else { format!("p{}", info.bit_depth) };
    let mut out = format!("YUV4MPEG2 W{} H{} F25:1 Ip A1:1 C{chroma}{depth}\n", info.width, info.height).into_bytes();
    for frame in frames {
        out.extend_from_slice(b"FRAME\n");
        for plane in &frame.planes {
            if info.bit_depth == 8 {
                out.extend(plane.data.iter().map(|&s| s as u8));
            } else {
                out.extend(plane.data.iter().flat_map(|s| s.to_le_bytes()));
            }
        }
    }
    out
}

/// Read one '\n'-terminated line (without the '\n'), at most `MAX_HEADER_LEN`
/// bytes. Returns `Ok(None)` on EOF before any byte.
fn read_line<R: Read>(r: &mut BufReader<R>, out: &mut Vec<u8>) -> Result<Option<()>, IoError> {
    use std::io::BufRead;
    out.clear();
    loop {
        let avail = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if avail.is_empty() {
            return if out.is_empty() {
                Ok(None)
            } else {
                Ok(Some(()))
            };
        }
        let (take, found) = match avail.iter().position(|&b| b == b'\n') {
            Some(p) => (p, true),
            None => (avail.len(), false),
        };
        if out.len() + take > MAX_HEADER_LEN {
            return Err(IoError::HeaderTooLong {
                limit: MAX_HEADER_LEN,
            });
        }
        out.extend_from_slice(&avail[..take]);
        r.consume(take + found as usize);
        if found {
            return Ok(Some(()));
        }
    }
}

impl<R: Read> Y4mReader<R> {
    /// Parse the stream header. Nothing frame-sized is allocated before the
    /// geometry has been validated.
    pub fn new(reader: R) -> Result<Self, IoError> {
        let mut inner = BufReader::with_capacity(1 << 16, reader);
        let mut line = Vec::new();
        if read_line(&mut inner, &mut line)?.is_none() {
            return Err(IoError::BadHeader("empty input".into()));
        }
        if !line.is_ascii() {
            return Err(IoError::BadHeader("header is not ASCII".into()));
        }
        let text = std::str::from_utf8(&line)
            .map_err(|_| IoError::BadHeader("header is not ASCII".into()))?;
        if text.ends_with('\r') {
            // Otherwise the last tag carries the CR and is misreported (e.g. an
            // "unsupported colorspace '420jpeg\r'").
            return Err(IoError::BadHeader(
                "the header line ends in CR (Windows line ending); Y4M lines end in LF alone".into(),
            ));
        }
        let mut tokens = text.split(' ').filter(|t| !t.is_empty());
        match tokens.next() {
            Some("YUV4MPEG2") => {}
            other => {
                let shown: String = other.unwrap_or("").chars().take(32).collect();
                return Err(IoError::BadHeader(format!(
                    "expected magic 'YUV4MPEG2', found {shown:?}"
                )));
            }
        }
        let (mut width, mut height) = (None, None);
        let mut colorspace = (ChromaFormat::Yuv420, 8u8);
        let mut frame_rate = None;
        for tok in tokens {
            let (key, val) = tok.split_at(1);
            match key {
                "W" | "H" => {
                    // Parse with an upper bound so absurd numbers never overflow.
                    let v: u64 = val
                        .parse()
                        .map_err(|_| IoError::BadHeader(format!("bad {key} value {val:?}")))?;
                    let v = v.min(u32::MAX as u64) as usize;
                    if key == "W" {
                        width = Some(v)
                    } else {
                        height = Some(v)
                    }
                }
                "C" => colorspace = parse_colorspace(val)?,
                // Only informative (frames are paired by position): a malformed
                // rate is ignored rather than refused.
                "F" => {
                    frame_rate = val
                        .split_once(':')
                        .and_then(|(n, d)| Some((n.parse::<u64>().ok()?, d.parse::<u64>().ok()?)))
                        .filter(|&(n, d)| n > 0 && d > 0);
                }
                // interlacing, aspect ratio, extensions: not needed
                "I" | "A" | "X" => {}
                _ => {} // unknown tags are ignored, as the spec allows
            }
        }
        let width = width.ok_or(IoError::MissingGeometry("width (W)"))?;
        let height = height.ok_or(IoError::MissingGeometry("height (H)"))?;
        if width > MAX_DIMENSION || height > MAX_DIMENSION {
            return Err(IoError::GeometryTooLarge {
                width,
                height,
                max: MAX_DIMENSION,
            });
        }
        let info = VideoInfo::new(width, height, colorspace.0, colorspace.1)?;
        Ok(Y4mReader { stream: FrameStream::new(inner, info), frame_rate })
    }
}

impl<R: Read> FrameSource for Y4mReader<R> {
    fn info(&self) -> &VideoInfo {
        &self.stream.info
    }

    fn frame_rate(&self) -> Option<(u64, u64)> {
        self.frame_rate
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, IoError> {
        self.next_frame_reusing(None)
    }

    fn next_frame_reusing(&mut self, spare: Option<Frame>) -> Result<Option<Frame>, IoError> {
        let stream = &mut self.stream;
        if stream.done {
            return Ok(None);
        }
        let mut line = Vec::new();
        if read_line(&mut stream.inner, &mut line).inspect_err(|_| stream.done = true)?.is_none() {
            stream.done = true;
            return Ok(None);
        }
        // "FRAME" optionally followed by space-separated parameters.
        if !(line.starts_with(b"FRAME") && (line.len() == 5 || line[5] == b' ')) {
            stream.done = true;
            let found: String = String::from_utf8_lossy(&line[..line.len().min(32)]).into();
            return Err(IoError::BadFrameMarker { frame: stream.frame_index, found });
        }
        // After a FRAME line, a missing payload is a truncation, not an end.
        stream.read_frame(false, spare)
    }
}
