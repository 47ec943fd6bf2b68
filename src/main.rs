//! The `tinyvmaf-gpu` command line. Library errors are typed; here they become
//! `anyhow` chains and documented exit codes (README.md, "Exit codes").

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
