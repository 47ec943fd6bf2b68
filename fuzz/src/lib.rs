//! tinyvmaf-gpu's parsers, compiled alone for fuzzing.
//!
//! The modules below are the main crate's own source files, included through
//! `#[path]` (as `build.rs` does for the registry check), so what is fuzzed is
//! exactly what ships, without building burn, wgpu or sigstore. Each file only
//! needs std and the small crates in Cargo.toml. The module tree mirrors the main
//! crate's (`crate::io`, `crate::registry::…`, `crate::batch::manifest`) because
//! the files refer to each other by those paths.
//!
//! [`harness`] holds what each fuzz target does with its input; the main crate's
//! `tests/fuzz_regressions.rs` includes the same file to replay the corpora.

#[path = "../../src/io/mod.rs"]
pub mod io;

// io's ffmpeg input starts its child through this module.
#[path = "../../src/process.rs"]
pub mod process;

// An inline module's `#[path]` names the folder its submodules are read from.
#[path = "../../src/registry"]
pub mod registry {
    pub mod build_check;
    pub mod onnx_graph;
    pub mod onnx_scan;
    pub mod pin;
    pub mod quant_mlp;
    pub mod schema;
    pub mod types;
}

#[path = "../../src/compat"]
pub mod compat {
    pub mod cli;
    pub mod spec;
}

#[path = "../../src/exit.rs"]
pub mod exit;

#[path = "../../src/batch"]
pub mod batch {
    pub mod manifest;
}

pub mod harness;
