//! What libvmaf's users already write, understood as libvmaf understands it: the
//! model and feature option strings of its command line and of ffmpeg's libvmaf
//! filter ([`spec`]).

pub mod spec;
