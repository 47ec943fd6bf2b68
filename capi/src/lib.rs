//! libvmaf's C library (`libvmaf.so.3`) on tinyvmaf-gpu's engine.
//!
//! Programs written against libvmaf 3.x — ffmpeg's `libvmaf` filter and the tools
//! that drive it — load this library in libvmaf's place and score with the same
//! features, models and log writers as `tinyvmaf-gpu score` and `vmaf`, on the GPU
//! when one is chosen (see [`backend`]).
//!
//! - [`abi`]: libvmaf's types and functions, the only unsafe code of the project;
//! - [`context`]: a context's state, safe Rust on the library's public API;
//! - [`picture`]: picture buffers and reading them into frames;
//! - [`backend`]: where the process computes.

pub mod abi;
pub mod backend;
pub mod context;
pub mod picture;
