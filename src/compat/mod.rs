//! What libvmaf's users already write, understood as libvmaf understands it: the
//! model and feature option strings of its command line and of ffmpeg's libvmaf
//! filter ([`spec`]), its `vmaf` command line ([`cli`]), which columns its logs
//! hold in which order ([`log`]), and what this tool has of its models and
//! extractors ([`builtin`]).

pub mod builtin;
pub mod cli;
pub mod log;
pub mod spec;
