//! tinyvmaf-gpu: libvmaf's integer features and models, computed with the same
//! numbers on any GPU (wgpu) or on the CPU, with models whose provenance can be
//! verified.
//!
//! Data flow: `io` (frames) → `features` (cpu | gpu) → `model` (burn-generated
//! code from the registry) → pooling → `output`. Beside it: `registry` (pins,
//! schemas) and `verify` (the gate every model passes before loading).

pub mod batch;
pub mod features;
pub mod gpu;
pub mod io;
pub mod model;
pub mod output;
pub mod pooling;
pub mod score;
pub mod registry;
pub mod verify;

#[cfg(test)]
mod test_rng;
