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

/// About how many frames ffmpeg will decode from `path`: the container's duration
/// times the video stream's frame rate, as `ffmpeg -i` prints them. For a progress
/// bar only (never a frame count the scoring relies on); `None` when ffmpeg does not
/// say within two seconds.
pub fn probe_frame_count(program: &Path, path: &Path) -> Option<u64> {
    let mut file = OsString::from("file:");
    file.push(path);
    let args = [OsStr::new("-nostdin"), OsStr::new("-hide_banner"), OsStr::new("-i"), &file];
    let mut child = process::spawn(program, &args, false).ok()?;
    // Without an output ffmpeg prints the input's description and exits.
    let said = child.stderr(Instant::now() + Duration::from_secs(2));
    frames_from_description(&said)
}

/// `Duration: HH:MM:SS.ss` × the first video stream's `N fps`, rounded.
fn frames_from_description(text: &str) -> Option<u64> {
    let duration = regex::Regex::new(r"Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)").ok()?.captures(text)?;
    let seconds = duration[1].parse::<f64>().ok()? * 3600.0 + duration[2].parse::<f64>().ok()? * 60.0 + duration[3].parse::<f64>().ok()?;
    let fps = regex::Regex::new(r"Video: [^\n]*?(\d+(?:\.\d+)?) fps").ok()?.captures(text)?[1].parse::<f64>().ok()?;
    let frames = (seconds * fps).round();
    (frames.is_finite() && frames >= 1.0).then_some(frames as u64)
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
    fn frame_count_from_ffmpegs_description() {
        let said = "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:probe.mp4':\n  Duration: 00:00:00.50, start: 0.000000, bitrate: 95 kb/s\n  \
                    Stream #0:0[0x1](und): Video: h264 (High), yuv420p(progressive), 96x64 [SAR 1:1 DAR 3:2], 79 kb/s, 24 fps, 24 tbr, 12288 tbn (default)\n";
        assert_eq!(frames_from_description(said), Some(12));
        let long = "  Duration: 01:02:03.04, start: 0\n  Stream #0:0: Video: vp9, yuv420p, 1920x1080, 23.98 fps, 23.98 tbr\n";
        assert_eq!(frames_from_description(long), Some((3723.04f64 * 23.98).round() as u64));
        assert_eq!(frames_from_description("  Duration: N/A, bitrate: N/A\n  Stream #0:0: Video: png, 25 fps\n"), None);
        assert_eq!(frames_from_description("no description"), None);
    }

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
