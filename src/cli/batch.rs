//! `batch` and `merge`: what the user typed turned into a [`tinyvmaf_gpu::batch`]
//! run — models verified and loaded once per distinct list before any pair, the
//! results file locked and repaired, Ctrl-C / SIGTERM turned into a clean stop, a
//! progress display — and the documented exit codes (README.md).

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use tinyvmaf_gpu::exit;
use tinyvmaf_gpu::batch::{self, ModelSets, Observer, Outcome, PairSpec, ResultsError, ResultsFile};

use super::args::{BatchArgs, MergeArgs};
use super::{backend, models, CliResult, Failure};

fn results_failure(e: ResultsError) -> Failure {
    Failure { code: e.exit_code(), error: e.into() }
}

fn manifest_failure(e: batch::ManifestError) -> Failure {
    Failure { code: e.exit_code(), error: e.into() }
}

pub fn run(args: BatchArgs) -> CliResult {
    let manifest = batch::manifest::load(&args.manifest, &args.models).map_err(manifest_failure)?;
    let selected = batch::select(&manifest.pairs, args.shard);
    let resolved = backend::resolve(&args.backend, args.quiet)?;

    // Every model list is verified and loaded before the first pair: a typo in a
    // model id stops the batch here instead of failing every pair.
    let mut sets = ModelSets::new();
    for pair in &selected {
        if sets.contains_key(&pair.models) {
            continue;
        }
        let loaded = models::load_all(&pair.models, &args.load, resolved.models)
            .map_err(|f| Failure {
                code: f.code,
                error: f.error.context(format!("{}:{}: models of pair {:?}", manifest.path.display(), pair.line, pair.id)),
            })?;
        sets.insert(pair.models.clone(), loaded);
    }

    let (mut results, scan) = ResultsFile::open(&args.output).map_err(results_failure)?;
    if scan.torn_bytes > 0 && !args.quiet {
        eprintln!(
            "{}: cut off a torn last line ({} bytes) left by an interrupted run; its pair is scored again",
            args.output.display(),
            scan.torn_bytes
        );
    }
    let recorded: HashMap<&str, bool> = scan.records.iter().map(|r| (r.id.as_str(), r.ok)).collect();
    if args.retry_failed {
        let retry: HashSet<String> =
            selected.iter().filter(|p| recorded.get(p.id.as_str()) == Some(&false)).map(|p| p.id.clone()).collect();
        if !retry.is_empty() {
            results.remove(&scan.records, &retry).map_err(results_failure)?;
        }
    }
    let done = |p: &PairSpec| match recorded.get(p.id.as_str()) {
        Some(true) => true,
        Some(false) => !args.retry_failed,
        None => false,
    };
    let todo: Vec<PairSpec> = selected.iter().filter(|p| !done(p)).cloned().collect();
    let failed_before = selected.iter().filter(|p| done(p) && recorded.get(p.id.as_str()) == Some(&false)).count();
    let skipped = selected.len() - todo.len();

    let options = batch::RunOptions {
        threads: args.threads.unwrap_or(batch::RunOptions::default().threads),
        memory_limit: args.memory_limit.unwrap_or(batch::RunOptions::default().memory_limit),
        psnr: args.psnr,
        subsample: args.subsample,
        shortest: args.shortest,
        per_frame_dir: args.per_frame_dir.clone(),
        gpu: resolved.gpu.clone(),
        check_gpu: args.backend.check_gpu,
        ..batch::RunOptions::default()
    };
    let stop = stop_on_signal(args.quiet);
    let mut progress = Progress::new(todo.len(), args.quiet);
    if !args.quiet {
        let shard = args.shard.map(|s| format!(" (shard {s})")).unwrap_or_default();
        progress.say(&format!(
            "batch: {} pairs in {}{shard}: {} to score, {} already in {}",
            selected.len(),
            args.manifest.display(),
            todo.len(),
            skipped,
            args.output.display()
        ));
    }
    let summary = batch::run(&todo, &sets, &mut results, &options, &stop, &mut progress).map_err(results_failure)?;
    progress.finish();
    let failed = summary.failed + failed_before;
    if !args.quiet {
        eprintln!(
            "batch: {} scored, {} failed{}, {} skipped (already recorded); results in {}",
            summary.scored,
            summary.failed,
            if failed_before > 0 { format!(" (+{failed_before} failed earlier)") } else { String::new() },
            skipped,
            args.output.display()
        );
    }
    if summary.interrupted {
        let left = todo.len() - summary.scored - summary.failed;
        return Err(Failure {
            code: exit::INTERRUPTED,
            error: anyhow::anyhow!(
                "interrupted with {left} pairs left; {} holds every finished pair — run the same command again to resume",
                args.output.display()
            ),
        });
    }
    if failed > 0 {
        return Err(Failure {
            code: exit::PAIRS_FAILED,
            error: anyhow::anyhow!(
                "{failed} of {} pairs failed (their error records are in {}; --retry-failed scores them again)",
                selected.len(),
                args.output.display()
            ),
        });
    }
    Ok(())
}

/// The first Ctrl-C (or SIGTERM, as Slurm and Kubernetes send) lets the current
/// pair finish and be recorded; a second one abandons it at once. Either way
/// the results file holds only whole records.
fn stop_on_signal(quiet: bool) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let count = AtomicUsize::new(0);
    let installed = ctrlc::set_handler(move || {
        if count.fetch_add(1, Ordering::SeqCst) == 0 {
            flag.store(true, Ordering::SeqCst);
            if !quiet {
                eprintln!("\nstopping after the current pair (interrupt again to abandon it now)");
            }
        } else {
            eprintln!("\nabandoned the current pair; the results file is valid — run the same command again to resume");
            std::process::exit(exit::INTERRUPTED.into());
        }
    });
    if let Err(e) = installed {
        eprintln!("warning: cannot handle Ctrl-C ({e}); an interrupted batch still resumes");
    }
    stop
}

/// Pairs done/total, frames/s, ETA and failures on a terminal; one line per pair
/// otherwise (batch logs on a cluster); nothing with `--quiet` but failures.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
    total: usize,
    done: usize,
    failed: usize,
    frames_before: u64,
    start: Instant,
}

impl Progress {
    fn new(total: usize, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{bar:30}] {pos}/{len} pairs  {msg}  elapsed {elapsed}  ETA {eta}",
                )
                .expect("static template")
                .progress_chars("=> "),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Progress { bar, quiet, total, done: 0, failed: 0, frames_before: 0, start: Instant::now() }
    }

    fn say(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn message(&self, frames: u64) -> String {
        let fps = frames as f64 / self.start.elapsed().as_secs_f64().max(1e-9);
        format!("{fps:.1} frames/s, {} failed", self.failed)
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Progress {
    fn pair_started(&mut self, _pair: &PairSpec) {}

    fn frames(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message(self.message(self.frames_before + done));
        }
    }

    fn pair_finished(&mut self, pair: &PairSpec, outcome: &Outcome) {
        self.done += 1;
        match outcome {
            Outcome::Scored { frames, seconds } => {
                self.frames_before += frames;
                if self.bar.is_none() && !self.quiet {
                    eprintln!("[{}/{}] {}: {frames} frames in {seconds:.2} s", self.done, self.total, pair.id);
                }
            }
            Outcome::Failed(e) => {
                self.failed += 1;
                self.say(&format!("[{}/{}] {}: FAILED ({}): {}", self.done, self.total, pair.id, e.exit_code, e.message));
            }
        }
        if let Some(bar) = &self.bar {
            bar.set_message(self.message(self.frames_before));
            bar.inc(1);
        }
    }
}

/// How many ids a message lists before "… and N more".
const LIST_LIMIT: usize = 20;

fn listed<T>(items: &[T], show: impl Fn(&T) -> String) -> String {
    let mut text: Vec<String> = items.iter().take(LIST_LIMIT).map(show).collect();
    if items.len() > LIST_LIMIT {
        text.push(format!("… and {} more", items.len() - LIST_LIMIT));
    }
    text.join("\n  ")
}

pub fn merge(args: MergeArgs) -> CliResult {
    let destination = args.output.as_deref().map(tinyvmaf_gpu::output::Destination::resolve).transpose()?;
    let manifest = args.manifest.as_deref().map(|m| batch::manifest::load(m, &[])).transpose().map_err(manifest_failure)?;
    let report =
        batch::merge::merge(&args.inputs, manifest.as_ref().map(|m| m.pairs.as_slice())).map_err(results_failure)?;
    let text: String = report.lines.iter().map(|l| format!("{l}\n")).collect();
    match (&args.output, &destination) {
        (Some(path), Some(destination)) => destination.write(path, text.as_bytes())?,
        _ => print!("{text}"),
    }
    for (file, bytes) in &report.torn {
        eprintln!("warning: {}: ignored a torn last line ({bytes} bytes; that run was killed mid-write)", file.display());
    }
    if !report.unknown.is_empty() {
        eprintln!("warning: {} ids are not in the manifest:\n  {}", report.unknown.len(), listed(&report.unknown, String::clone));
    }
    if !report.duplicates.is_empty() {
        eprintln!(
            "{} ids are recorded more than once:\n  {}",
            report.duplicates.len(),
            listed(&report.duplicates, |d| {
                let places: Vec<String> = d.places.iter().map(|p| format!("{}:{}", p.file.display(), p.line)).collect();
                format!("{} ({})", d.id, places.join(", "))
            })
        );
    }
    if !report.missing.is_empty() {
        eprintln!("{} pairs of the manifest are in no file:\n  {}", report.missing.len(), listed(&report.missing, String::clone));
    }
    let ok = report.lines.len() - report.failed.len();
    eprintln!(
        "merge: {} records from {} files ({ok} ok, {} failed); {} duplicated, {} missing",
        report.lines.len(),
        args.inputs.len(),
        report.failed.len(),
        report.duplicates.len(),
        report.missing.len()
    );
    if !report.complete() {
        return Err(Failure {
            code: exit::MERGE_INCOMPLETE,
            error: anyhow::anyhow!(
                "the results are incomplete: {} missing, {} duplicated",
                report.missing.len(),
                report.duplicates.len()
            ),
        });
    }
    if !report.failed.is_empty() {
        return Err(Failure {
            code: exit::PAIRS_FAILED,
            error: anyhow::anyhow!(
                "{} pairs have error records:\n  {}",
                report.failed.len(),
                listed(&report.failed, String::clone)
            ),
        });
    }
    Ok(())
}
