//! What the user typed (clap types in `args.rs`), kept apart from what runs it.

mod args;
mod backend;
mod batch;
mod bench;
mod devices;
mod models;
mod report;
mod runtime_dir;
mod score;
mod values;
mod vmaf;

use std::process::ExitCode;

use clap::Parser;
use tinyvmaf_gpu::exit;

use args::{Cli, Command};

/// An error with the exit code it should end the process with.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        let error: anyhow::Error = e.into();
        let code = if let Some(v) = error.downcast_ref::<tinyvmaf_gpu::verify::VerifyError>() {
            if matches!(v, tinyvmaf_gpu::verify::VerifyError::CosignMissing { .. }) {
                // The library cannot know our flags; name them here.
                let code = v.exit_code();
                let error = anyhow::anyhow!(
                    "{error:#}\nhint: pass --cosign PATH, set TINYVMAF_COSIGN, or use `--verifier builtin` (no cosign needed)"
                );
                return Failure { code, error };
            }
            v.exit_code()
        } else if let Some(s) = error.downcast_ref::<tinyvmaf_gpu::score::ScoreError>() {
            s.exit_code()
        } else if let Some(r) = error.downcast_ref::<tinyvmaf_gpu::report::ReportError>() {
            r.exit_code()
        } else if error.downcast_ref::<tinyvmaf_gpu::io::InputError>().is_some() {
            exit::INPUT
        } else if error.downcast_ref::<tinyvmaf_gpu::registry::BuildCheckError>().is_some() {
            exit::REGISTRY_INVALID
        } else if error.downcast_ref::<tinyvmaf_gpu::model::ModelError>().is_some() {
            exit::MODEL
        } else if error.downcast_ref::<tinyvmaf_gpu::gpu::GpuError>().is_some() {
            exit::GPU
        } else {
            exit::FAILURE
        };
        Failure { code, error }
    }
}

pub type CliResult<T = ()> = Result<T, Failure>;

pub fn main() -> ExitCode {
    runtime_dir::ensure();
    // A forced vector level the CPU lacks is refused before any work (the library
    // would fall back to the best level with a warning).
    if let Err(e) = tinyvmaf_gpu::simd::Level::from_env() {
        return finish(Err(Failure { code: exit::USAGE, error: e.into() }));
    }
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.first().is_some_and(|a| vmaf::invoked_as_vmaf(a)) {
        let program = argv[0].to_string_lossy().into_owned();
        return finish(vmaf_args(&argv[1..]).and_then(|args| vmaf::run(&program, &args)));
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Models(cmd) => models::run_models(cmd),
        Command::Registry(cmd) => models::run_registry(cmd),
        Command::Score(args) => score::run(*args),
        Command::Batch(args) => batch::run(args),
        Command::Merge(args) => batch::merge(args),
        Command::Report(args) => report::run(args),
        Command::Devices(args) => devices::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Vmaf(args) => vmaf::run("vmaf", &args.args),
    };
    finish(result)
}

/// libvmaf's arguments as text (its options and paths are C strings; a path that
/// is not UTF-8 is refused by name rather than mangled).
fn vmaf_args(args: &[std::ffi::OsString]) -> CliResult<Vec<String>> {
    args.iter()
        .map(|a| {
            a.to_str().map(str::to_owned).ok_or_else(|| Failure {
                code: exit::USAGE,
                error: anyhow::anyhow!("argument {a:?} is not valid UTF-8"),
            })
        })
        .collect()
}

fn finish(result: CliResult) -> ExitCode {
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        Err(failure) => {
            eprintln!("error: {}", message(&failure.error));
            ExitCode::from(failure.code)
        }
    }
}

/// The error and its causes, each cause once: library errors often show their
/// source in their own text already, and printing the chain again doubled it
/// ("No such file or directory (os error 2): No such file or directory (os error 2)").
fn message(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}
