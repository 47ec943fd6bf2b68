//! `score`: open both inputs, verify and load the models, extract features on all
//! cores with a progress bar, run the models, pool, write.

use std::io::IsTerminal;

use tinyvmaf_gpu::io::{Decoding, Input, InputError, InputSpec, RawFormat};
use tinyvmaf_gpu::output::{self, Format};
use tinyvmaf_gpu::score::{self, ScoreOptions};

use super::args::ScoreArgs;
use super::{backend, models, CliResult};

pub fn run(args: ScoreArgs) -> CliResult {
    if args.reference.as_os_str() == "-" && args.distorted.as_os_str() == "-" {
        // A bad command line (README: exit 2), like clap's own refusals.
        return Err(super::Failure {
            code: tinyvmaf_gpu::exit::USAGE,
            error: anyhow::anyhow!("only one of --reference and --distorted may be `-` (standard input)"),
        });
    }
    let raw = match (args.width, args.height, &args.pixel_format) {
        (Some(width), Some(height), Some(pixel_format)) => {
            Some(RawFormat { width, height, pixel_format: pixel_format.clone(), frame_count: args.frame_count })
        }
        _ => None,
    };
    let (mut reference, mut distorted, notes) = open(
        &InputSpec { path: args.reference.clone(), raw: raw.clone() },
        &InputSpec { path: args.distorted.clone(), raw },
        &args.decoding.decoding(),
    )?;
    for note in &notes {
        eprintln!("note: {note}");
    }

    let resolved = backend::resolve(&args.backend, args.quiet)?;
    // Verified before any weight reaches a device; float64 graphs run on the CPU.
    let models = args
        .models
        .iter()
        .map(|id| models::load(id, &args.load, resolved.models))
        .collect::<Result<Vec<_>, _>>()?;

    let options = ScoreOptions {
        threads: args.threads.unwrap_or(ScoreOptions::default().threads),
        memory_limit: args.memory_limit.unwrap_or(ScoreOptions::default().memory_limit),
        frame_count: args.frame_count,
        skip_reference: args.skip_reference,
        skip_distorted: args.skip_distorted,
        subsample: args.subsample,
        shortest: args.shortest,
        psnr: args.psnr,
        psnr_options: Default::default(),
        ssim: args.ssim.then(tinyvmaf_gpu::features::SsimOptions::default),
        ms_ssim: args.ms_ssim.then(tinyvmaf_gpu::features::SsimOptions::default),
        psnr_hvs: args.psnr_hvs,
        ciede: args.ciede,
        gpu: resolved.gpu,
        check_gpu: args.backend.check_gpu,
    };
    // Where the log goes, checked before scoring: a missing folder fails now, not
    // after the whole clip.
    let destination = args.output.as_deref().map(output::Destination::resolve).transpose()?;
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} frames  {per_sec}  {elapsed}")
                .expect("static template"),
        );
        bar
    });
    // The same per-pair pipeline as `batch` (src/batch/pair.rs).
    let log = score::score_inputs(&mut reference, &mut distorted, &models, &options, &|done| {
        if let Some(bar) = &bar {
            bar.set_position(done);
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let mut log = log?;
    log.context.notes.extend(notes);

    match (&args.output, &destination) {
        (Some(path), Some(destination)) => {
            let format = args.format.map_or_else(|| format_from_extension(path), Into::into);
            destination.write(path, output::render(&log, format).as_bytes())?;
            if !args.quiet {
                eprint!("{}", output::render(&log, Format::Text));
            }
        }
        _ => print!("{}", output::render(&log, args.format.map_or(Format::Text, Into::into))),
    }
    Ok(())
}

fn format_from_extension(path: &std::path::Path) -> Format {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("xml") => Format::Xml,
        Some("csv") => Format::Csv,
        Some("sub") => Format::Sub,
        Some("txt") => Format::Text,
        _ => Format::Json,
    }
}

/// Opens both inputs, naming the flags a raw file needs when it lacks them.
fn open(reference: &InputSpec, distorted: &InputSpec, decoding: &Decoding) -> anyhow::Result<(Input, Input, Vec<String>)> {
    use anyhow::Context;
    match tinyvmaf_gpu::io::open_pair(reference, distorted, decoding) {
        Err(e @ InputError::RawNeedsGeometry { .. }) => {
            Err(e).context("raw YUV input needs --width, --height and --pixel-format")
        }
        other => Ok(other?),
    }
}
