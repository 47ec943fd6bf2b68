//! tinyvmaf-gpu: libvmaf's integer features and models, computed with the same
//! numbers on any GPU (wgpu) or on the CPU, with models whose provenance can be
//! verified.
//!
//! Data flow: `io` (frames) → `features` (cpu | gpu) → `model` (burn-generated
//! code from the registry) → `score` (one pair, end to end) → `pooling` → `output`;
//! `batch` runs `score` over a manifest. Beside it: `gpu` (wgpu, knowing no
//! feature), `registry` (pins, schemas, the compiled-in bytes) and `verify` (the gate
//! every model passes before loading). docs/ARCHITECTURE.md has the map.

#![forbid(unsafe_code)]

pub mod batch;
pub mod compat;
pub mod exit;
pub mod features;
pub mod gpu;
pub mod io;
pub mod model;
pub mod output;
pub mod pooling;
pub mod process;
pub mod score;
pub mod registry;
pub mod report;
pub mod simd;
pub mod verify;

#[cfg(test)]
mod test_rng;
