//! Opening an input: a path (or `-` for standard input) and, for raw YUV, its
//! geometry, to a [`FrameSource`] with the name errors report it under. Raw is chosen
//! when geometry is given or the name ends in `.yuv`; everything else must be Y4M.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use super::{Frame, FrameSource, InputSpec, IoError, VideoInfo, Y4mReader, YuvReader};

/// Why an input could not be opened or read; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: {source}")]
    Read { path: String, source: IoError },
    #[error("cannot open {path}: {source}")]
    Open { path: String, source: std::io::Error },
    #[error(
        "{path}: {size} bytes is not a whole number of {geometry} frames ({frame_bytes} bytes each): \
         wrong geometry or a truncated file? (a frame count reads only the first frames)"
    )]
    RawSize { path: String, size: u64, geometry: String, frame_bytes: u64 },
    #[error("{path}: raw YUV input needs a width, a height and a pixel format")]
    RawNeedsGeometry { path: String },
}

/// A frame source and the name it is reported under.
pub struct Input {
    pub name: String,
    pub source: Box<dyn FrameSource + Send>,
}

impl Input {
    pub fn info(&self) -> &VideoInfo {
        self.source.info()
    }

    pub fn read_frame(&mut self) -> Result<Option<Frame>, InputError> {
        self.source.next_frame().map_err(|source| InputError::Read { path: self.name.clone(), source })
    }
}

/// A raw reader whose first frame is checked for the signs of a wrong pixel format
/// ([`super::yuv::implausible`]); a warning on stderr names the file. Not an error:
/// the signs are statistical, and the user may know better.
struct FirstFrameChecked<R: Read> {
    inner: YuvReader<R>,
    name: String,
    pix_fmt: String,
    checked: bool,
}

impl<R: Read> FrameSource for FirstFrameChecked<R> {
    fn info(&self) -> &VideoInfo {
        self.inner.info()
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, IoError> {
        let frame = self.inner.next_frame()?;
        if let Some(f) = frame.as_ref().filter(|_| !self.checked) {
            self.checked = true;
            if let Some(why) = super::yuv::implausible(f, &self.pix_fmt) {
                eprintln!("warning: {}: {why}", self.name);
            }
        }
        Ok(frame)
    }
}

/// Opens a Y4M or raw YUV input. Raw is chosen when geometry is given or the name
/// ends in `.yuv`; everything else must be Y4M.
pub fn open(spec: &InputSpec) -> Result<Input, InputError> {
    let name = spec.path.display().to_string();
    // The size of a regular file (not of a pipe or device), for the raw-size check.
    let mut file_size = None;
    let reader: Box<dyn Read + Send> = if spec.path == Path::new("-") {
        Box::new(BufReader::with_capacity(1 << 20, std::io::stdin()))
    } else {
        let file = File::open(&spec.path).map_err(|source| InputError::Open { path: name.clone(), source })?;
        file_size = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
        Box::new(BufReader::with_capacity(1 << 20, file))
    };
    let wrap = |source| InputError::Read { path: name.clone(), source };
    let source: Box<dyn FrameSource + Send> = match &spec.raw {
        Some(raw) => {
            let reader = YuvReader::new(reader, raw.width, raw.height, &raw.pixel_format).map_err(wrap)?;
            let frame_bytes = reader.info().frame_bytes() as u64;
            if let Some(size) = file_size.filter(|s| raw.frame_count.is_none() && s % frame_bytes != 0) {
                let geometry = format!("{}x{} {}", raw.width, raw.height, raw.pixel_format);
                return Err(InputError::RawSize { path: name, size, geometry, frame_bytes });
            }
            Box::new(FirstFrameChecked { inner: reader, name: name.clone(), pix_fmt: raw.pixel_format.clone(), checked: false })
        }
        None if spec.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("yuv")) => {
            return Err(InputError::RawNeedsGeometry { path: name });
        }
        None => Box::new(Y4mReader::new(reader).map_err(wrap)?),
    };
    Ok(Input { name, source })
}

