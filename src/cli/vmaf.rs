//! `vmaf` mode: libvmaf's `vmaf` command line and logs on this engine. Run as
//! `tinyvmaf-gpu vmaf ARGS…`, or under the name `vmaf` (a link to the binary), it
//! reads libvmaf's options (`compat::cli`), scores with the same pipeline as
//! `score`, and writes libvmaf's log layout with libvmaf's keys in libvmaf's order
//! (`compat::log`, `output::libvmaf`), only when `-o` is given, XML by default.
//!
//! Differences that remain are refusals, never silent: models, features and
//! options this tool does not compute are named in an error before any frame is
//! read.

use std::io::IsTerminal;

use tinyvmaf_gpu::compat::cli::{self, Chroma, LogFormat, Parsed};
use tinyvmaf_gpu::compat::builtin;
use tinyvmaf_gpu::compat::log::Plan;
use tinyvmaf_gpu::compat::spec::{ModelSource, ModelSpec};
use tinyvmaf_gpu::io::{InputSpec, RawFormat};
use tinyvmaf_gpu::output::libvmaf::{self, LibvmafFormat};
use tinyvmaf_gpu::output::{self, RunContext};
use tinyvmaf_gpu::score::{self, ScoreOptions};
use tinyvmaf_gpu::exit;

use super::args::BackendArgs;
use super::values::BackendChoice;
use super::{backend, CliResult, Failure};

/// libvmaf's exit status for a command line it refuses.
const USAGE_EXIT: u8 = 1;

/// Whether this process was started under the name `vmaf`.
pub fn invoked_as_vmaf(argv0: &std::ffi::OsStr) -> bool {
    let name = std::path::Path::new(argv0).file_stem().and_then(|s| s.to_str());
    name == Some("vmaf")
}

pub fn run(program: &str, args: &[String]) -> CliResult {
    let command = match cli::parse(program, args) {
        Ok(Parsed::Run(c)) => *c,
        Ok(Parsed::Version) => {
            eprintln!("{}", cli::LIBVMAF_VERSION);
            return Ok(());
        }
        Err(reason) => {
            eprint!("{reason}\n\n{}", cli::usage(program));
            return Err(Failure { code: USAGE_EXIT, error: anyhow::anyhow!("bad command line (see above)") });
        }
    };
    for w in &command.warnings {
        eprintln!("{w}");
    }
    let interactive = std::io::stderr().is_terminal();
    if interactive && !command.quiet {
        eprintln!("VMAF version {} (tinyvmaf-gpu {})", cli::LIBVMAF_VERSION, env!("CARGO_PKG_VERSION"));
    }
    let mut plan = Plan::default();
    // Everything this tool cannot do for the command line, named at once.
    let mut refused = Vec::new();
    for m in &command.models {
        if let Err(e) = builtin::model_options(m) {
            refused.push(e);
        }
    }
    let feature_extractors: Vec<_> = command.features.iter().filter_map(|f| builtin::extractor(f).map_err(|e| refused.push(e)).ok()).collect();
    if !refused.is_empty() {
        return Err(Failure { code: exit::USAGE, error: anyhow::anyhow!(refused.join("\nerror: ")) });
    }

    let raw = command.raw.map(|g| RawFormat {
        width: g.width as usize,
        height: g.height as usize,
        pixel_format: pixel_format(g.chroma, g.bitdepth),
        frame_count: None,
    });
    let open = |path: &str| tinyvmaf_gpu::io::open(&InputSpec { path: path.into(), raw: raw.clone() });
    let mut reference = open(&command.reference)?;
    let mut distorted = open(&command.distorted)?;

    // `--gpumask` with any bit set forbids GPU work; otherwise the backend is
    // chosen as `score --backend auto` chooses it.
    let choice = if command.gpumask.is_some_and(|m| m != 0) { BackendChoice::Cpu } else { BackendChoice::Auto };
    let resolved = backend::resolve(
        &BackendArgs { backend: choice, gpu_api: None, adapter: None, check_gpu: false },
        command.quiet || !interactive,
    )?;
    let mut models = Vec::new();
    for spec in &command.models {
        // Keeps each error's own exit code (a bad pin, a model that fails to load).
        let (model, inputs) = builtin::load_model(spec, resolved.models).map_err(|e| match e {
            builtin::LoadError::Verify(e) => Failure::from(e),
            builtin::LoadError::Model(e) => Failure::from(e),
            builtin::LoadError::Refused(why) => Failure { code: exit::USAGE, error: anyhow::anyhow!(why) },
        })?;
        plan.register_model(model.features(), &inputs);
        models.push(model);
    }
    for e in feature_extractors {
        plan.register(e);
    }
    let sets = plan.feature_sets(&score::feature_sets(&models)?);

    let options = plan.score_options(ScoreOptions {
        threads: if command.threads == 0 { ScoreOptions::default().threads } else { command.threads as usize },
        frame_count: (command.frame_count > 0).then_some(u64::from(command.frame_count)),
        skip_reference: command.skip_reference.into(),
        skip_distorted: command.skip_distorted.into(),
        subsample: u64::from(command.subsample.max(1)),
        // libvmaf scores the frames both inputs have.
        shortest: true,
        gpu: resolved.gpu.clone(),
        ..ScoreOptions::default()
    });
    let destination = command.output.as_deref().map(|p| output::Destination::resolve(p.as_ref())).transpose()?;
    let start = std::time::Instant::now();
    let (width, height) = (reference.info().width, reference.info().height);
    let table = score::extract(&mut reference, &mut distorted, &sets, &options, &|_| {})?;
    // libvmaf scores the frames both inputs have and names the one that ended.
    match (reference.ended(), distorted.ended()) {
        (true, false) => eprintln!("\n\"{}\" ended before \"{}\".", reference.name, distorted.name),
        (false, true) => eprintln!("\n\"{}\" ended before \"{}\".", distorted.name, reference.name),
        _ => {}
    }
    let scores = if command.no_prediction { Vec::new() } else { score::apply_models(&table, &models)? };
    let fps = table.frame_numbers.len() as f64 / start.elapsed().as_secs_f64().max(1e-9);
    // Each model's score under its `name=`, in the order given, then the further
    // columns of the bootstrap collections (their sub-models and statistics), as
    // libvmaf writes them.
    let (mut scores, further): (Vec<_>, Vec<_>) =
        scores.into_iter().partition(|(name, _)| command.models.iter().any(|spec| spec.name == *name));
    scores.extend(further);
    let context = RunContext { width, height, ..RunContext::default() };
    let log = plan.log(&table, &sets, command.threads > 0, scores, fps, context);

    if interactive && (!command.quiet || command.output.is_none()) {
        for spec in &command.models {
            if let Some(mean) = pooled_mean(&log, &spec.name) {
                eprintln!("{}: {mean:.6}", label(spec));
            }
        }
        for (spec, _) in command.models.iter().zip(&models).filter(|(_, m)| m.outputs() > 1) {
            let stat = |suffix: &str| pooled_mean(&log, &format!("{}{suffix}", spec.name)).unwrap_or(f64::NAN);
            eprintln!(
                "{}: {:.6}, ci.p95: [{:.6}, {:.6}], stddev: {:.6}",
                label(spec),
                stat("_bagging"),
                stat("_ci_p95_lo"),
                stat("_ci_p95_hi"),
                stat("_stddev")
            );
        }
    }
    if let (Some(path), Some(destination)) = (&command.output, destination) {
        let format = match command.format {
            LogFormat::Xml => LibvmafFormat::Xml,
            LogFormat::Json => LibvmafFormat::Json,
            LogFormat::Csv => LibvmafFormat::Csv,
            LogFormat::Sub => LibvmafFormat::Sub,
        };
        destination.write(path.as_ref(), libvmaf::render(&log, format).as_bytes())?;
    }
    Ok(())
}

/// The mean of a column of the log.
fn pooled_mean(log: &tinyvmaf_gpu::output::ScoreLog, name: &str) -> Option<f64> {
    log.column(name).and_then(|c: Vec<f64>| tinyvmaf_gpu::pooling::pool(&c)).map(|p| p.mean)
}

/// How libvmaf names a model on stderr: its version, or its path.
fn label(spec: &ModelSpec) -> &str {
    match &spec.source {
        ModelSource::Version(v) | ModelSource::Path(v) => v,
    }
}


/// The raw pixel format this tool's reader names libvmaf's `-p`/`-b` pair by.
fn pixel_format(chroma: Chroma, bitdepth: u32) -> String {
    let base = match chroma {
        Chroma::Yuv420 => "yuv420p",
        Chroma::Yuv422 => "yuv422p",
        Chroma::Yuv444 => "yuv444p",
    };
    if bitdepth == 8 { base.to_owned() } else { format!("{base}{bitdepth}le") }
}
