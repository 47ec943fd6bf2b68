//! What libvmaf's users already write, understood as libvmaf understands it: the
//! model and feature option strings of its command line and of ffmpeg's libvmaf
//! filter ([`spec`]), its `vmaf` command line ([`cli`]), and which columns its logs
//! hold in which order ([`log`]).

pub mod cli;
pub mod log;
pub mod spec;
