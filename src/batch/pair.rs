//! [`prefetch`]: reads the first frames of an input ahead of time (on the batch
//! reader thread) so that the next pair's I/O and Y4M parsing overlap the current
//! pair's feature extraction.

use std::collections::VecDeque;

use crate::io::{Frame, FrameSource, Input, IoError, VideoInfo};

/// Reads up to `max_frames` frames (and at most about `max_bytes` of decoded
/// samples) of `input` now, and hands back an input that replays them before
/// reading on. A read error is kept and returned in its place in the stream, so
/// the caller sees exactly what it would have seen without the prefetch.
pub fn prefetch(input: Input, max_frames: u64, max_bytes: usize) -> Input {
    let Input { name, mut source, .. } = input;
    let info = *source.info();
    // Decoded samples are u16.
    let frame_bytes = (info.frame_bytes() / info.bytes_per_sample()).max(1) * 2;
    let mut head = VecDeque::new();
    let mut error = None;
    let mut ended = false;
    while (head.len() as u64) < max_frames && (head.len() + 1) * frame_bytes <= max_bytes.max(frame_bytes) {
        match source.next_frame() {
            Ok(Some(frame)) => head.push_back(frame),
            Ok(None) => {
                ended = true;
                break;
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    Input::new(name, Box::new(Prefetched { info, head, error, ended, rest: source }))
}

struct Prefetched {
    info: VideoInfo,
    head: VecDeque<Frame>,
    error: Option<IoError>,
    ended: bool,
    rest: Box<dyn FrameSource + Send>,
}

impl FrameSource for Prefetched {
    fn info(&self) -> &VideoInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, IoError> {
        self.next_frame_reusing(None)
    }

    fn next_frame_reusing(&mut self, spare: Option<Frame>) -> Result<Option<Frame>, IoError> {
        if let Some(frame) = self.head.pop_front() {
            return Ok(Some(frame));
        }
        if let Some(e) = self.error.take() {
            // Readers do not promise anything after an error; report the end afterwards.
            self.ended = true;
            return Err(e);
        }
        if self.ended {
            return Ok(None);
        }
        self.rest.next_frame_reusing(spare)
    }
}
