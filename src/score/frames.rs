//! Frame selection, one iterator for both backends: the skips, the frame count, the
//! subsample step and the end-of-input rules, applied in one place.

use super::{FrameTotal, ScoreError, ScoreOptions};
use crate::io::open::Input;
use std::sync::mpsc::Receiver;

use crate::io::{Frame, VideoInfo};

/// The smallest width and height scored: VIF's fourth scale is the frame halved three
/// times, and a side that reaches 0 there makes the score 0/0 (libvmaf crashes).
pub const MIN_SIDE: usize = 8;

pub(crate) fn check_same_format(reference: &VideoInfo, distorted: &VideoInfo) -> Result<(), ScoreError> {
    let mismatch = |what, r: String, d: String| Err(ScoreError::Mismatch { what, reference: r, distorted: d });
    if (reference.width, reference.height) != (distorted.width, distorted.height) {
        return mismatch(
            "geometry",
            format!("{}x{}", reference.width, reference.height),
            format!("{}x{}", distorted.width, distorted.height),
        );
    }
    if reference.width < MIN_SIDE || reference.height < MIN_SIDE {
        return Err(ScoreError::TooSmall { width: reference.width, height: reference.height, min: MIN_SIDE });
    }
    if reference.bit_depth != distorted.bit_depth {
        return mismatch("bit depth", reference.bit_depth.to_string(), distorted.bit_depth.to_string());
    }
    if reference.chroma != distorted.chroma {
        return mismatch("chroma format", format!("{:?}", reference.chroma), format!("{:?}", distorted.chroma));
    }
    Ok(())
}

fn skip(input: &mut Input, n: u64) -> Result<u64, ScoreError> {
    for i in 0..n {
        if input.read_frame()?.is_none() {
            return Ok(i);
        }
    }
    Ok(n)
}

/// How many more frames the longer input is read for the frame-count message: enough
/// to name the count of any clip that is a few frames off, bounded so that an endless
/// input (a generator on a pipe) cannot hang the error.
const COUNT_REST_LIMIT: u64 = 64;

/// The frames left in `input`, up to [`COUNT_REST_LIMIT`]: `(n, true)` when it ended.
fn count_rest(input: &mut Input) -> Result<(u64, bool), ScoreError> {
    for n in 0..COUNT_REST_LIMIT {
        if input.read_frame()?.is_none() {
            return Ok((n, true));
        }
    }
    Ok((COUNT_REST_LIMIT, false))
}

/// The frame pairs features are computed on, in order: skips, `--frame-count` (input
/// frames, as libvmaf's `--frame_cnt` counts them) and the end-of-input rules
/// applied. Both backends read through this one iterator. Every frame is handed out,
/// subsampled or not: motion is between consecutive frames, as in libvmaf, and
/// `--subsample` only selects the rows written ([`is_scored`]).
pub(crate) struct FramePairs<'a> {
    reference: &'a mut Input,
    distorted: &'a mut Input,
    frame_count: Option<u64>,
    shortest: bool,
    /// Frames handed out so far.
    index: u64,
    /// The end was found: no input is read again (which input ended first stays
    /// visible, for libvmaf's message).
    done: bool,
}

/// Whether frame `index` (counted after the skips) is a row of the log.
pub(crate) fn is_scored(index: u64, subsample: u64) -> bool {
    index.is_multiple_of(subsample.max(1))
}

impl<'a> FramePairs<'a> {
    /// Applies the skips of `options` to both inputs (reading and dropping frames),
    /// then iterates the rest.
    pub(crate) fn new(reference: &'a mut Input, distorted: &'a mut Input, options: &ScoreOptions) -> Result<Self, ScoreError> {
        skip(reference, options.skip_reference)?;
        skip(distorted, options.skip_distorted)?;
        Ok(FramePairs { reference, distorted, frame_count: options.frame_count, shortest: options.shortest, index: 0, done: false })
    }

    /// The next pair and its frame number, `None` at the end.
    /// Reads the pairs on a thread of `scope`, up to `queue` ahead of the receiver
    /// (plus the one it holds while it waits); an error is the last item. Dropping the
    /// receiver stops it after the pair it is reading.
    pub(crate) fn read_ahead<'scope>(
        mut self,
        scope: &'scope std::thread::Scope<'scope, '_>,
        queue: usize,
    ) -> Receiver<Result<(u64, Frame, Frame), ScoreError>>
    where
        'a: 'scope,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(queue);
        scope.spawn(move || {
            loop {
                match self.next() {
                    Ok(Some(pair)) => {
                        // A closed channel means the consumer stopped on an error.
                        if tx.send(Ok(pair)).is_err() {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        break;
                    }
                }
            }
        });
        rx
    }

    pub(crate) fn next(&mut self) -> Result<Option<(u64, Frame, Frame)>, ScoreError> {
        self.next_reusing([None, None])
    }

    /// [`FramePairs::next`], decoding into the buffers of frames the caller is done
    /// with (`spares`: for the reference and the distorted frame; any frame of the
    /// clip's format fits either).
    pub(crate) fn next_reusing(&mut self, spares: [Option<Frame>; 2]) -> Result<Option<(u64, Frame, Frame)>, ScoreError> {
        if self.done || self.frame_count.is_some_and(|n| self.index >= n) {
            return Ok(None);
        }
        let [spare_r, spare_d] = spares;
        let (r, d) = (self.reference.read_frame_reusing(spare_r)?, self.distorted.read_frame_reusing(spare_d)?);
        let (r, d) = match (r, d) {
            (Some(r), Some(d)) => (r, d),
            (None, None) => {
                self.done = true;
                return Ok(None);
            }
            _ if self.shortest => {
                self.done = true;
                return Ok(None);
            }
            // One input ended first: count what the other still holds, for the message.
            (r, _) => {
                let index = self.index;
                let (longer, shorter) = if r.is_some() {
                    (&mut *self.reference, FrameTotal::Exactly(index))
                } else {
                    (&mut *self.distorted, FrameTotal::Exactly(index))
                };
                let (rest, ended) = count_rest(longer)?;
                let longer = if ended { FrameTotal::Exactly(index + 1 + rest) } else { FrameTotal::MoreThan(index + rest) };
                let (reference, distorted) = if r.is_some() { (longer, shorter) } else { (shorter, longer) };
                return Err(ScoreError::FrameCount { reference, distorted });
            }
        };
        let index = self.index;
        self.index += 1;
        Ok(Some((index, r, d)))
    }
}

