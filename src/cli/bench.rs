//! `bench`: frames per second of feature extraction (VMAF v0.6.1's features, and with
//! `--neg` the NEG model's too) on the GPU and the CPU side by side, per frame size and
//! bit depth, on synthetic clips held in memory, so file reading and decoding are not
//! counted; `--write-clips` writes the same clips as Y4M files, for timing whole
//! commands. `scripts/bench-gpu.sh` runs both for the tables in docs/PERFORMANCE.md.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;
use tinyvmaf_gpu::features::FeatureOptions;
use tinyvmaf_gpu::features::engine::{FeatureEngine, PassClock};
use tinyvmaf_gpu::gpu::{DeviceFacts, DeviceOptions, GpuContext};
use tinyvmaf_gpu::io::synthetic::{SyntheticSource, synthetic_pair};
use tinyvmaf_gpu::io::{ChromaFormat, FrameSource, VideoInfo};
use tinyvmaf_gpu::io::Input;
use tinyvmaf_gpu::score::{self, ScoreOptions};

use super::CliResult;
use super::args::BenchArgs;

#[derive(Debug, Serialize)]
struct Row {
    width: usize,
    height: usize,
    bit_depth: u8,
    backend: &'static str,
    /// `vmaf` (libvmaf's default feature set) or `vmaf+neg` (and the NEG model's).
    sets: &'static str,
    adapter: Option<String>,
    /// GPU only: the adapter's API and driver, and what it offers.
    api: Option<String>,
    driver: Option<String>,
    device: Option<DeviceFacts>,
    frames: u64,
    seconds: f64,
    fps: f64,
    /// GPU only, with --passes: (pass group, milliseconds per frame).
    passes: Vec<(String, f64)>,
    /// GPU only, with --passes: (pass, milliseconds per frame over its dispatches),
    /// and the clock they were read from (`gpu timestamps`, else `wall`).
    pass_times: Vec<(String, f64)>,
    pass_clock: Option<&'static str>,
    /// GPU only: compute dispatches recorded per frame, and bytes uploaded per frame.
    dispatches_per_frame: Option<usize>,
    upload_bytes_per_frame: Option<u64>,
}

fn parse_size(s: &str) -> anyhow::Result<(usize, usize)> {
    let (w, h) = s.split_once('x').with_context(|| format!("--size {s:?}: expected WIDTHxHEIGHT"))?;
    Ok((w.parse().with_context(|| format!("--size {s:?}: width"))?, h.parse().with_context(|| format!("--size {s:?}: height"))?))
}

fn synthetic_input(info: VideoInfo, frames: u64, side: usize) -> Input {
    let (reference, distorted) = SyntheticSource::pair(info, 8, frames);
    let source: Box<dyn tinyvmaf_gpu::io::FrameSource + Send> =
        if side == 0 { Box::new(reference) } else { Box::new(distorted) };
    Input::new("synthetic".to_owned(), source)
}

/// Seconds to extract `frames` frames of `sets` (after a short warm-up run that builds
/// pipelines).
fn time_extract(info: VideoInfo, frames: u64, sets: &[FeatureOptions], options: &ScoreOptions) -> anyhow::Result<f64> {
    let run = |n: u64| -> anyhow::Result<f64> {
        let (mut r, mut d) = (synthetic_input(info, n, 0), synthetic_input(info, n, 1));
        let start = Instant::now();
        score::extract(&mut r, &mut d, sets, options, &|_| {})?;
        Ok(start.elapsed().as_secs_f64())
    };
    run(4)?;
    run(frames)
}

/// `--write-clips`: each size and bit depth's pair as two Y4M files in `dir`.
fn write_clips(args: &BenchArgs, dir: &std::path::Path) -> CliResult {
    for size in &args.sizes {
        let (width, height) = parse_size(size)?;
        for &bit_depth in &args.bit_depths {
            let info = VideoInfo::new(width, height, ChromaFormat::Yuv420, bit_depth)
                .with_context(|| format!("--size {size} --bit-depth {bit_depth}"))?;
            let (reference, distorted) = SyntheticSource::pair(info, 8, args.frames);
            for (side, mut source) in [("ref", reference), ("dist", distorted)] {
                let frames = std::iter::from_fn(|| source.next_frame().ok().flatten());
                let path = dir.join(format!("{width}x{height}_{bit_depth}bit.{side}.y4m"));
                let bytes = tinyvmaf_gpu::io::y4m::y4m_bytes(&info, frames);
                tinyvmaf_gpu::output::write_to(&path, &bytes)?;
                eprintln!("wrote {} ({} frames)", path.display(), args.frames);
            }
        }
    }
    Ok(())
}

pub fn run(args: BenchArgs) -> CliResult {
    if let Some(dir) = &args.write_clips {
        return write_clips(&args, dir);
    }
    let gpu = if args.cpu_only {
        None
    } else {
        let ctx = GpuContext::new(&DeviceOptions { api: args.gpu_api.map(Into::into), adapter: args.adapter, ..Default::default() })?;
        Some(Arc::new(ctx))
    };
    let mut set_lists: Vec<(&'static str, Vec<FeatureOptions>)> = vec![("vmaf", vec![FeatureOptions::default()])];
    if args.neg {
        set_lists.push(("vmaf+neg", vec![FeatureOptions::default(), FeatureOptions::egl(1.0)]));
    }
    for size in &args.sizes {
        let (width, height) = parse_size(size)?;
        for &bit_depth in &args.bit_depths {
            let info = VideoInfo::new(width, height, ChromaFormat::Yuv420, bit_depth)
                .with_context(|| format!("--size {size} --bit-depth {bit_depth}"))?;
            let threads = args.threads.unwrap_or(ScoreOptions::default().threads);
            let cpu_options = ScoreOptions { threads, ..ScoreOptions::default() };
            for (sets_name, sets) in &set_lists {
                let row = |backend, frames: u64, seconds: f64| Row {
                    width,
                    height,
                    bit_depth,
                    backend,
                    sets: sets_name,
                    adapter: None,
                    api: None,
                    driver: None,
                    device: None,
                    frames,
                    seconds,
                    fps: frames as f64 / seconds,
                    passes: Vec::new(),
                    pass_times: Vec::new(),
                    pass_clock: None,
                    dispatches_per_frame: None,
                    upload_bytes_per_frame: None,
                };
                if let Some(ctx) = &gpu {
                    let options = ScoreOptions { gpu: Some(Arc::clone(ctx)), ..cpu_options.clone() };
                    let seconds = time_extract(info, args.frames, sets, &options)?;
                    let mut engine = FeatureEngine::new(ctx, width, height, bit_depth, sets)?;
                    let cost = engine.frame_cost();
                    let (passes, pass_times, pass_clock) = if args.passes {
                        let (r, d) = synthetic_pair(info, 0);
                        let ms = |times: Vec<(String, f64)>| times.into_iter().map(|(name, s)| (name, s * 1e3)).collect();
                        let (clock, pass_times) = engine.time_passes(&r.planes[0], &d.planes[0], 5)?;
                        let clock = match clock {
                            PassClock::Gpu => "gpu timestamps",
                            PassClock::Wall => "wall",
                        };
                        (ms(engine.time_groups(&r.planes[0], &d.planes[0], 9)?), ms(pass_times), Some(clock))
                    } else {
                        (Vec::new(), Vec::new(), None)
                    };
                    let adapter = ctx.adapter_summary();
                    print_row(
                        &Row {
                            adapter: Some(adapter.name.clone()),
                            api: Some(adapter.backend.clone()),
                            driver: Some(adapter.driver.clone()),
                            device: Some(ctx.facts()),
                            passes,
                            pass_times,
                            pass_clock,
                            dispatches_per_frame: Some(cost.dispatches),
                            upload_bytes_per_frame: Some(cost.upload_bytes),
                            ..row("gpu", args.frames, seconds)
                        },
                        args.json,
                    );
                }
                if !args.gpu_only {
                    let frames = args.cpu_frames.unwrap_or(args.frames);
                    let seconds = time_extract(info, frames, sets, &cpu_options)?;
                    print_row(&row("cpu", frames, seconds), args.json);
                }
            }
        }
    }
    Ok(())
}

/// One line per measurement as it finishes (JSON Lines with --json), so a long run
/// shows progress and a cut-off run keeps what it measured.
fn print_row(row: &Row, json: bool) {
    if json {
        println!("{}", serde_json::to_string(row).expect("a row serialises"));
        return;
    }
    let passes: Vec<String> = row.passes.iter().chain(&row.pass_times).map(|(n, ms)| format!("{n} {ms:.3} ms")).collect();
    println!(
        "{}x{} {:2}-bit {:3} {:8} {:8.1} fps ({} frames, {:.2} s){}{}{}",
        row.width,
        row.height,
        row.bit_depth,
        row.backend,
        row.sets,
        row.fps,
        row.frames,
        row.seconds,
        row.adapter.as_ref().map(|a| format!(" on {a}")).unwrap_or_default(),
        match (row.dispatches_per_frame, row.upload_bytes_per_frame) {
            (Some(d), Some(b)) => format!(", {d} dispatches and {b} bytes uploaded per frame"),
            _ => String::new(),
        },
        if passes.is_empty() { String::new() } else { format!("; {}", passes.join(", ")) }
    );
}
