//! Opening an input: a path (or `-` for standard input) and, for raw YUV, its
//! geometry, to a [`FrameSource`] with the name errors report it under. Raw is chosen
//! when geometry is given or the name ends in `.yuv`; a file that starts like an
//! encoded video (or any file, with [`Decoding::force_ffmpeg`]) is decoded by ffmpeg
//! into Y4M; everything else must be Y4M.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::ffmpeg::{self, Decode, FfmpegStream};
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
    #[error(
        "{path}: an encoded video needs ffmpeg to decode it, and {searched}: install ffmpeg \
         (e.g. `apt install ffmpeg`), or pass --ffmpeg PATH or set TINYVMAF_FFMPEG"
    )]
    FfmpegMissing { path: String, searched: String },
    #[error("{path}: cannot start {program}: {source}")]
    FfmpegSpawn { path: String, program: String, source: std::io::Error },
    #[error(
        "{path}: {width}x{height} {pix_fmt}, the reference is {ref_width}x{ref_height} {ref_pix_fmt} \
         (without --no-scale, an encoded distorted video is scaled to the reference)"
    )]
    NotScaled { path: String, width: usize, height: usize, pix_fmt: String, ref_width: usize, ref_height: usize, ref_pix_fmt: String },
}

/// How inputs that are not Y4M or raw YUV are decoded.
#[derive(Debug, Clone, Default)]
pub struct Decoding {
    /// `--ffmpeg PATH` (else `TINYVMAF_FFMPEG`, else `ffmpeg` on `PATH`).
    pub ffmpeg: Option<PathBuf>,
    /// `--decoder ffmpeg`: every file input goes through ffmpeg, Y4M included.
    pub force_ffmpeg: bool,
    /// `--no-scale`: an encoded distorted video of another size or format than the
    /// reference is refused instead of scaled.
    pub no_scale: bool,
}

/// A frame source and the name it is reported under.
pub struct Input {
    pub name: String,
    pub source: Box<dyn FrameSource + Send>,
    /// Whether a read has found the end (libvmaf names the input that ended first).
    ended: bool,
    /// How many frames a regular Y4M or raw file holds, from its size (for progress).
    frames_hint: Option<u64>,
}

impl Input {
    pub fn new(name: String, source: Box<dyn FrameSource + Send>) -> Input {
        Input { name, source, ended: false, frames_hint: None }
    }

    /// How many frames the input holds, when its size tells (a regular Y4M or raw
    /// file; not a pipe or an ffmpeg decode): for a progress bar, not a promise.
    pub fn frames_hint(&self) -> Option<u64> {
        self.frames_hint
    }

    /// Whether a read has found the end of the input.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// Frames per second (numerator, denominator), when the stream says.
    pub fn frame_rate(&self) -> Option<(u64, u64)> {
        self.source.frame_rate()
    }

    pub fn info(&self) -> &VideoInfo {
        self.source.info()
    }

    pub fn read_frame(&mut self) -> Result<Option<Frame>, InputError> {
        self.read_frame_reusing(None)
    }

    /// [`Input::read_frame`] into `spare`'s buffers where the source can.
    pub fn read_frame_reusing(&mut self, spare: Option<Frame>) -> Result<Option<Frame>, InputError> {
        let frame =
            self.source.next_frame_reusing(spare).map_err(|source| InputError::Read { path: self.name.clone(), source })?;
        self.ended |= frame.is_none();
        Ok(frame)
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
        self.next_frame_reusing(None)
    }

    fn next_frame_reusing(&mut self, spare: Option<Frame>) -> Result<Option<Frame>, IoError> {
        let frame = self.inner.next_frame_reusing(spare)?;
        if let Some(f) = frame.as_ref().filter(|_| !self.checked) {
            self.checked = true;
            if let Some(why) = super::yuv::implausible(f, &self.pix_fmt) {
                eprintln!("warning: {}: {why}", self.name);
            }
        }
        Ok(frame)
    }
}

/// Opens a Y4M or raw YUV input, or an encoded one through ffmpeg (found as
/// [`Decoding::default`] finds it). Raw is chosen when geometry is given or the
/// name ends in `.yuv`.
pub fn open(spec: &InputSpec) -> Result<Input, InputError> {
    open_with(spec, &Decoding::default(), &Decode::default()).map(|(input, _)| input)
}

/// Opens a reference and its distorted video. An encoded distorted video of another
/// size or pixel format than the reference is decoded again scaled (bicubic) and
/// converted to the reference's, unless `decoding.no_scale`. The notes for the log
/// and stderr say so, and say when the two frame rates differ (frames are still
/// paired by position, as libvmaf pairs them).
pub fn open_pair(
    reference_spec: &InputSpec,
    distorted_spec: &InputSpec,
    decoding: &Decoding,
) -> Result<(Input, Input, Vec<String>), InputError> {
    let (reference, distorted, scaled) = open_scaled(reference_spec, distorted_spec, decoding)?;
    let mut notes: Vec<String> = scaled.into_iter().collect();
    if let (Some((rn, rd)), Some((dn, dd))) = (reference.frame_rate(), distorted.frame_rate())
        && u128::from(rn) * u128::from(dd) != u128::from(dn) * u128::from(rd)
    {
        notes.push(format!(
            "{} is {rn}/{rd} frames per second and {} is {dn}/{dd}: frames are scored by position \
             (frame n against frame n), not by time",
            reference.name, distorted.name
        ));
    }
    Ok((reference, distorted, notes))
}

/// [`open_pair`] without the frame-rate check.
fn open_scaled(
    reference_spec: &InputSpec,
    distorted_spec: &InputSpec,
    decoding: &Decoding,
) -> Result<(Input, Input, Option<String>), InputError> {
    let (reference, _) = open_with(reference_spec, decoding, &Decode::default())?;
    let (distorted, via_ffmpeg) = open_with(distorted_spec, decoding, &Decode::default())?;
    let (r, d) = (*reference.info(), *distorted.info());
    if !via_ffmpeg || (r.width, r.height, r.chroma, r.bit_depth) == (d.width, d.height, d.chroma, d.bit_depth) {
        return Ok((reference, distorted, None));
    }
    let (pix_fmt, ref_pix_fmt) = (ffmpeg::pix_fmt_name(&d), ffmpeg::pix_fmt_name(&r));
    if decoding.no_scale {
        return Err(InputError::NotScaled {
            path: distorted.name,
            width: d.width,
            height: d.height,
            pix_fmt,
            ref_width: r.width,
            ref_height: r.height,
            ref_pix_fmt,
        });
    }
    let note = format!(
        "{}: decoded {}x{} {pix_fmt}, scaled by ffmpeg (bicubic) to the reference's {}x{} {ref_pix_fmt}",
        distorted.name, d.width, d.height, r.width, r.height
    );
    // The first decode only told us its geometry: stop it, decode again converted.
    drop(distorted);
    let scaled = Decode { scale: Some((r.width, r.height)), pix_fmt: Some(ref_pix_fmt) };
    let (distorted, _) = open_with(distorted_spec, decoding, &scaled)?;
    Ok((reference, distorted, Some(note)))
}

/// Opens one input; also says whether ffmpeg decodes it.
pub fn open_with(spec: &InputSpec, decoding: &Decoding, decode: &Decode) -> Result<(Input, bool), InputError> {
    let name = spec.path.display().to_string();
    // The size of a regular file (not of a pipe or device), for the raw-size check.
    let mut file_size = None;
    let reader: Box<dyn Read + Send> = if spec.path == Path::new("-") {
        Box::new(BufReader::with_capacity(1 << 20, std::io::stdin()))
    } else {
        let file = File::open(&spec.path).map_err(|source| InputError::Open { path: name.clone(), source })?;
        file_size = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
        let mut buffered = BufReader::with_capacity(1 << 20, file);
        let raw_named = spec.raw.is_some() || spec.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("yuv"));
        if !raw_named {
            let head = buffered.fill_buf().map_err(|e| InputError::Read { path: name.clone(), source: e.into() })?;
            if decoding.force_ffmpeg || ffmpeg::looks_encoded(head) {
                drop(buffered);
                return Ok((decoded(spec, name, decoding, decode)?, true));
            }
        }
        Box::new(buffered)
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
    // A Y4M frame is `FRAME\n` and its samples; the header is shorter than one frame
    // in any real file, so the quotient counts the frames.
    let per_frame = source.info().frame_bytes() as u64 + if spec.raw.is_some() { 0 } else { 6 };
    let frames_hint = file_size.map(|size| size / per_frame);
    Ok((Input { frames_hint, ..Input::new(name, source) }, false))
}

/// About how many frames an input ffmpeg decodes holds, from `ffmpeg -i`'s
/// description (duration × frame rate): for a progress bar, not a promise. `None`
/// for standard input, when ffmpeg is missing or does not say.
pub fn probe_frames(spec: &InputSpec, decoding: &Decoding) -> Option<u64> {
    if spec.path == Path::new("-") {
        return None;
    }
    let program = crate::process::find_program("ffmpeg", decoding.ffmpeg.as_deref(), "TINYVMAF_FFMPEG").ok()?;
    ffmpeg::probe_frame_count(&program, &spec.path)
}

/// An input decoded by ffmpeg into a Y4M stream.
fn decoded(spec: &InputSpec, name: String, decoding: &Decoding, decode: &Decode) -> Result<Input, InputError> {
    let program = crate::process::find_program("ffmpeg", decoding.ffmpeg.as_deref(), "TINYVMAF_FFMPEG")
        .map_err(|searched| InputError::FfmpegMissing { path: name.clone(), searched })?;
    let stream = FfmpegStream::spawn(&program, &spec.path, decode).map_err(|source| InputError::FfmpegSpawn {
        path: name.clone(),
        program: program.display().to_string(),
        source,
    })?;
    let reader = Y4mReader::new(BufReader::with_capacity(1 << 20, stream))
        .map_err(|source| InputError::Read { path: name.clone(), source })?;
    Ok(Input::new(name, Box::new(reader)))
}

