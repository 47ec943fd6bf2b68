//! How much a run holds at once, decided by bytes rather than by a count of frames:
//! at 1920x1080 a frame pair and a worker's feature scratch are tens of megabytes, at
//! 16384x16384 they are gigabytes, so a fixed count that is cheap at one size
//! exhausts the machine at the other. [`plan_cpu`] and [`plan_gpu`] choose the most
//! workers and frame pairs (up to what the speed needs) whose estimated peak fits
//! `--memory-limit`, and refuse, naming both numbers, when even one of each does not.

use super::ScoreError;
use crate::features::scratch_bytes_bound;
use crate::io::VideoInfo;

/// The process itself, whatever the frame size: code, the models, burn's and the
/// GPU driver's allocations, thread stacks. Measured peak RSS of whole runs on 32x32
/// frames: 25–60 MB on the CPU path, about 150 MB with lavapipe.
pub const FIXED_BYTES: u64 = 256 << 20;

/// Used when the machine's memory cannot be read.
const FALLBACK_LIMIT: u64 = 8 << 30;

/// The default `--memory-limit`: three quarters of the memory this process may use
/// (the smaller of the machine's `MemTotal` and the cgroup's `memory.max`), so that a
/// run leaves room for the page cache and whatever else the machine runs.
pub fn default_limit() -> u64 {
    let total = meminfo_total().into_iter().chain(cgroup_max()).min();
    total.map_or(FALLBACK_LIMIT, |bytes| bytes / 4 * 3)
}

fn meminfo_total() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

fn cgroup_max() -> Option<u64> {
    // cgroup v2; "max" (no limit) does not parse and so is no bound.
    std::fs::read_to_string("/sys/fs/cgroup/memory.max").ok()?.trim().parse().ok()
}

/// What a run may hold: worker threads computing features, and frame pairs in flight
/// (the CPU path's batch, the GPU path's read-ahead queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub workers: usize,
    pub pairs: usize,
    /// The estimated peak, in bytes, of this plan.
    pub peak: u64,
}

/// The bytes of the frames one run holds, by kind.
#[derive(Debug, Clone, Copy)]
struct Costs {
    /// The two readers' byte buffers (one frame each, as stored in the file).
    readers: u64,
    /// One decoded frame pair (every sample held as u16).
    pair: u64,
    /// One luma plane (the GPU path keeps the luma of the frames in flight).
    luma: u64,
    /// One worker's feature scratch.
    scratch: u64,
}

impl Costs {
    fn of(info: &VideoInfo) -> Costs {
        let samples = (info.frame_bytes() / info.bytes_per_sample()) as u64;
        let luma = (info.width * info.height) as u64 * 2;
        Costs {
            readers: 2 * info.frame_bytes() as u64,
            pair: 2 * 2 * samples,
            luma,
            scratch: scratch_bytes_bound(info.width, info.height),
        }
    }
}

/// Refused: not even one frame pair and one worker fit `limit`.
fn too_big(info: &VideoInfo, needed: u64, limit: u64) -> ScoreError {
    ScoreError::MemoryLimit { width: info.width, height: info.height, needed, limit }
}

/// The CPU path: `threads` workers and up to `max(2 x threads, 4)` pairs in flight:
/// one computed by each worker, the rest queued by the reader thread (which holds one
/// more while it waits). The two previous references motion reads are held as whole
/// frames (one pair's worth), and each worker holds its scratch. Pairs are given up
/// first (down to one per worker), then workers.
pub fn plan_cpu(info: &VideoInfo, threads: usize, limit: u64) -> Result<Plan, ScoreError> {
    let c = Costs::of(info);
    let peak = |workers: usize, pairs: usize| {
        // `pairs` in flight, the one the reader holds while it waits, and the two
        // previous references.
        FIXED_BYTES + c.readers + (pairs as u64 + 2) * c.pair + workers as u64 * c.scratch
    };
    let threads = threads.max(1);
    let wanted = (2 * threads).max(4);
    for workers in (1..=threads).rev() {
        for pairs in (workers..=wanted).rev() {
            if peak(workers, pairs) <= limit {
                return Ok(Plan { workers, pairs, peak: peak(workers, pairs) });
            }
        }
    }
    Err(too_big(info, peak(1, 1), limit))
}

/// The GPU path: a reader thread queues up to `queue` decoded pairs ahead of the
/// engine; the engine's `in_flight` frames keep their luma planes (for a CPU redo if
/// the GPU fails); the reader holds one more pair while it waits to queue it and the
/// loop one it is handing to the engine. One CPU scratch is counted for `--check-gpu`
/// or the CPU taking over after a GPU failure. GPU buffers are device memory and not
/// counted (on a software adapter they are host memory: one frame's intermediates
/// per frame in flight).
pub fn plan_gpu(info: &VideoInfo, queue: usize, in_flight: usize, limit: u64) -> Result<Plan, ScoreError> {
    let c = Costs::of(info);
    let peak = |pairs: usize| {
        FIXED_BYTES + c.readers + (pairs as u64 + 2) * c.pair + in_flight as u64 * 2 * c.luma + c.luma + c.scratch
    };
    for pairs in (1..=queue.max(1)).rev() {
        if peak(pairs) <= limit {
            return Ok(Plan { workers: 1, pairs, peak: peak(pairs) });
        }
    }
    Err(too_big(info, peak(1), limit))
}

/// A byte count as people read it: "1.5 GiB", "640 MiB", "512 KiB", "100 B".
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// Parses a `--memory-limit` value: a whole number of bytes, or a number with a
/// binary unit `K`, `M`, `G`, `T` (optionally followed by `iB` or `B`; case ignored):
/// `16G`, `1.5GiB`, `512m`, `1073741824`. Zero, negatives and overflow are refused.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits_end = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits_end);
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("'{text}': unknown unit '{unit}' (use K, M, G or T, e.g. 16G)")),
    };
    let value: f64 = number.parse().map_err(|_| format!("'{text}' is not a size (e.g. 16G, 512M, or bytes)"))?;
    let bytes = value * (1u64 << shift) as f64;
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!("'{text}': the memory limit must be at least 1 byte and below 16 EiB"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::ChromaFormat;

    fn info(width: usize, height: usize) -> VideoInfo {
        VideoInfo::new(width, height, ChromaFormat::Yuv420, 8).expect("valid geometry")
    }

    #[test]
    fn full_hd_keeps_every_worker_and_pair_under_the_default() {
        let plan = plan_cpu(&info(1920, 1080), 16, 4 << 30).unwrap();
        assert_eq!((plan.workers, plan.pairs), (16, 32));
        assert!(plan.peak <= 4 << 30);
    }

    #[test]
    fn largest_frames_give_up_pairs_then_workers_then_refuse() {
        let big = info(16384, 16384);
        let two = plan_cpu(&big, 2, 64 << 30).unwrap();
        assert_eq!((two.workers, two.pairs), (2, 4));
        // 18 GiB: room for one worker and a few pairs, not for two workers.
        let tight = plan_cpu(&big, 2, 18 << 30).unwrap();
        assert_eq!(tight.workers, 1);
        assert!(tight.pairs >= 1 && tight.peak <= 18 << 30);
        match plan_cpu(&big, 2, 4 << 30) {
            Err(ScoreError::MemoryLimit { needed, limit, .. }) => {
                assert_eq!(limit, 4 << 30);
                assert!(needed > limit);
            }
            other => panic!("expected MemoryLimit, got {other:?}"),
        }
    }

    #[test]
    fn gpu_queue_shrinks_to_fit() {
        let big = info(8192, 8192);
        let roomy = plan_gpu(&big, 6, 3, 64 << 30).unwrap();
        assert_eq!(roomy.pairs, 6);
        let tight = plan_gpu(&big, 6, 3, 5 << 30).unwrap();
        assert!(tight.pairs < 6 && tight.peak <= 5 << 30);
        assert!(matches!(plan_gpu(&big, 6, 3, 1 << 30), Err(ScoreError::MemoryLimit { .. })));
    }

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_bytes("1073741824"), Ok(1 << 30));
        assert_eq!(parse_bytes("16G"), Ok(16 << 30));
        assert_eq!(parse_bytes("16GiB"), Ok(16 << 30));
        assert_eq!(parse_bytes("512m"), Ok(512 << 20));
        assert_eq!(parse_bytes("1.5G"), Ok(3 << 29));
        assert_eq!(parse_bytes("2tb"), Ok(2 << 40));
        for bad in ["", "0", "-1G", "G", "16X", "1e3", "nan", "99999999999T"] {
            assert!(parse_bytes(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn bytes_print_in_binary_units() {
        assert_eq!(human_bytes(100), "100 B");
        assert_eq!(human_bytes(3 << 29), "1.5 GiB");
        assert_eq!(human_bytes(640 << 20), "640.0 MiB");
    }

    #[test]
    fn default_limit_is_below_the_machine() {
        let limit = default_limit();
        if let Some(total) = meminfo_total() {
            assert!(limit < total && limit >= total / 2, "{limit} of {total}");
        }
    }
}
