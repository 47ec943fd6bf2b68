//! `score`: open both inputs, verify and load the models, extract features on all
//! cores with a progress bar, run the models, pool, write.

use std::io::IsTerminal;

use tinyvmaf_gpu::io::{Decoding, Input, InputError, InputSpec, RawFormat};
use tinyvmaf_gpu::output::{self, Format};
use tinyvmaf_gpu::report::{self, ReportOptions};
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
    let specs = [InputSpec { path: args.reference.clone(), raw: raw.clone() }, InputSpec { path: args.distorted.clone(), raw }];
    let (mut reference, mut distorted, notes) = open(&specs[0], &specs[1], &args.decoding.decoding())?;
    for note in &notes {
        eprintln!("note: {note}");
    }

    let resolved = backend::resolve(&args.backend, args.quiet)?;
    // Verified before any weight reaches a device; float64 graphs run on the CPU.
    let models = models::load_all(&args.models, &args.load, resolved.models)?;

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
        cambi: option_sets(&args.cambi, tinyvmaf_gpu::features::cambi::set_option)?,
        speed_chroma: option_sets(&args.speed_chroma, tinyvmaf_gpu::features::speed::set_option)?,
        motion: option_sets(&args.motion, tinyvmaf_gpu::features::motion::MotionOptions::set_option)?,
        adm: option_sets(&args.adm, tinyvmaf_gpu::features::FeatureOptions::set_adm_option)?,
        gpu: resolved.gpu,
        check_gpu: args.backend.check_gpu,
        ..ScoreOptions::default()
    };
    // Where the log goes, checked before scoring: a missing folder fails now, not
    // after the whole clip.
    let destination = args.output.as_deref().map(output::Destination::resolve).transpose()?;
    let report_destination = args.report.as_deref().map(output::Destination::resolve).transpose()?;
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| progress_bar(&reference, &distorted, &args, &specs));
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

    if let (Some(path), Some(destination)) = (&args.report, &report_destination) {
        // The page is made from the log as written, so it shows what a later
        // `report log.json` would.
        let name = args.output.clone().unwrap_or_else(|| args.distorted.clone());
        let source = report::parse(&name, &output::render(&log, Format::Json))?;
        destination.write(path, report::render(&[source], &ReportOptions::default()).as_bytes())?;
    }
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

/// Option sets as `NAME=VALUE:NAME=VALUE` (empty: the defaults), each set by `set`;
/// a bad one is a usage error (exit 2).
fn option_sets<T: Default>(specs: &[String], set: fn(&mut T, &str, &str) -> Result<(), String>) -> CliResult<Vec<T>> {
    let usage = |error: String| super::Failure { code: tinyvmaf_gpu::exit::USAGE, error: anyhow::anyhow!(error) };
    specs
        .iter()
        .map(|spec| {
            let mut options = T::default();
            for pair in spec.split(':').filter(|p| !p.is_empty()) {
                let (name, value) = pair.split_once('=').ok_or_else(|| usage(format!("{pair:?}: write NAME=VALUE")))?;
                set(&mut options, name, value).map_err(usage)?;
            }
            Ok(options)
        })
        .collect()
}

/// A bar with the frame count and an ETA when both inputs tell how many frames
/// they hold (a Y4M or raw file by its size, an encoded one by ffmpeg's description
/// of it), else a spinner counting frames.
fn progress_bar(reference: &Input, distorted: &Input, args: &ScoreArgs, specs: &[InputSpec; 2]) -> indicatif::ProgressBar {
    let decoding = args.decoding.decoding();
    let frames = |input: &Input, spec: &InputSpec| input.frames_hint().or_else(|| tinyvmaf_gpu::io::probe_frames(spec, &decoding));
    let total = match (frames(reference, &specs[0]), frames(distorted, &specs[1])) {
        (Some(r), Some(d)) => {
            let n = r.saturating_sub(args.skip_reference).min(d.saturating_sub(args.skip_distorted));
            Some(args.frame_count.map_or(n, |c| c.min(n)))
        }
        _ => None,
    };
    let (bar, template) = match total {
        Some(total) => (
            indicatif::ProgressBar::new(total),
            "{bar:30} {pos}/{len} frames  {per_sec}  ETA {eta}  elapsed {elapsed}",
        ),
        None => (indicatif::ProgressBar::new_spinner(), "{spinner} {pos} frames  {per_sec}  {elapsed}"),
    };
    bar.set_style(indicatif::ProgressStyle::with_template(template).expect("static template").progress_chars("=> "));
    bar
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
