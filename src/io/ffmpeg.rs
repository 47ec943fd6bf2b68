//! Encoded inputs (`.mp4`, `.mkv`, `.webm`, `.ivf`, …) decoded by ffmpeg into a
//! Y4M stream this crate's reader reads:
//! `ffmpeg -nostdin -v error -i file:PATH [-vf scale=W:H:flags=bicubic] [-pix_fmt F] -strict -1 -f yuv4mpegpipe -`.
//! The path goes through ffmpeg's `file:` protocol, so a name that starts with `-`
//! or looks like a URL (`concat:`, `http://`) is only ever a local file. ffmpeg's
//! stderr is kept for the error message; the child is killed when the input is
//! dropped (scoring stopped early).

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ChildStdout;
use std::time::{Duration, Instant};

use super::{ChromaFormat, VideoInfo};
use crate::process;

/// How an encoded input is decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decode {
    /// Scale to this size with ffmpeg's bicubic scaler (the reference's size).
    pub scale: Option<(usize, usize)>,
    /// Convert to this pixel format (ffmpeg's name, the reference's format).
    pub pix_fmt: Option<String>,
}

/// Whether `head` (a file's first bytes) starts like a container or elementary
/// stream ffmpeg reads: Matroska/WebM, MP4/MOV, IVF, AVI, FLV, Ogg, MPEG-TS, MPEG
/// program streams, H.264/HEVC Annex B.
pub fn looks_encoded(head: &[u8]) -> bool {
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    at(0, &[0x1A, 0x45, 0xDF, 0xA3])
        || at(4, b"ftyp")
        || at(0, b"DKIF")
        || (at(0, b"RIFF") && at(8, b"AVI "))
        || at(0, b"FLV")
        || at(0, b"OggS")
        || (at(0, &[0x47]) && head.len() > 188 && head[188] == 0x47)
        || at(0, &[0x00, 0x00, 0x01, 0xBA])
        || at(0, &[0x00, 0x00, 0x00, 0x01])
}

/// ffmpeg's name of a stream's pixel format (`yuv420p`, `yuv422p10le`, …).
pub fn pix_fmt_name(info: &VideoInfo) -> String {
    let chroma = match info.chroma {
        ChromaFormat::Yuv420 => "420",
        ChromaFormat::Yuv422 => "422",
        ChromaFormat::Yuv444 => "444",
    };
    if info.bit_depth == 8 { format!("yuv{chroma}p") } else { format!("yuv{chroma}p{}le", info.bit_depth) }
}

/// The argument list for one decode.
pub fn arguments(path: &Path, decode: &Decode) -> Vec<OsString> {
    let mut file = OsString::from("file:");
    file.push(path.as_os_str());
    let mut args: Vec<OsString> = ["-nostdin", "-v", "error", "-i"].map(OsString::from).to_vec();
    args.push(file);
    if let Some((w, h)) = decode.scale {
        args.extend(["-vf".into(), format!("scale={w}:{h}:flags=bicubic").into()]);
    }
    if let Some(f) = &decode.pix_fmt {
        args.extend(["-pix_fmt".into(), f.into()]);
    }
    // -strict -1: ffmpeg's Y4M muxer writes more than 8 bits only with it.
    args.extend(["-strict", "-1", "-f", "yuv4mpegpipe", "-"].map(OsString::from));
    args
}

/// ffmpeg's stdout; at its end, ffmpeg's exit status: a failed decode is a read
/// error carrying ffmpeg's own words, not a short clip.
pub struct FfmpegStream {
    stdout: ChildStdout,
    child: process::Child,
    program: PathBuf,
    finished: bool,
}

impl FfmpegStream {
    pub fn spawn(program: &Path, path: &Path, decode: &Decode) -> std::io::Result<FfmpegStream> {
        let args = arguments(path, decode);
        let refs: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
        let mut child = process::spawn(program, &refs, true)?;
        let stdout = child.take_stdout().expect("stdout was piped");
        Ok(FfmpegStream { stdout, child, program: program.to_path_buf(), finished: false })
    }
}

impl Read for FfmpegStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.stdout.read(buf)?;
        if n == 0 && !buf.is_empty() && !self.finished {
            self.finished = true;
            let status = self.child.wait()?;
            if !status.success() {
                let said = self.child.stderr(Instant::now() + Duration::from_secs(2));
                return Err(std::io::Error::other(format!(
                    "{} could not decode it ({}): {}",
                    self.program.display(),
                    process::describe(status),
                    if said.is_empty() { "no message" } else { &said }
                )));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_are_recognised_and_y4m_is_not() {
        assert!(looks_encoded(b"\x00\x00\x00\x20ftypisom"));
        assert!(looks_encoded(&[0x1A, 0x45, 0xDF, 0xA3, 1]));
        assert!(looks_encoded(b"DKIF\x00\x00"));
        assert!(looks_encoded(b"RIFF\x00\x00\x00\x00AVI LIST"));
        assert!(!looks_encoded(b"YUV4MPEG2 W2 H2"));
        assert!(!looks_encoded(b""));
        assert!(!looks_encoded(b"RIFF\x00\x00\x00\x00WAVE"));
    }

    #[test]
    fn the_path_is_a_file_never_an_option_or_a_url() {
        let args = arguments(Path::new("-i concat:a|b"), &Decode { scale: Some((96, 64)), pix_fmt: Some("yuv420p".into()) });
        let text: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(
            text,
            ["-nostdin", "-v", "error", "-i", "file:-i concat:a|b", "-vf", "scale=96:64:flags=bicubic", "-pix_fmt", "yuv420p",
                "-strict", "-1", "-f", "yuv4mpegpipe", "-"]
        );
    }
}
