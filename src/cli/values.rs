//! The command line's spellings of the library's choices. The library's enums stay
//! free of clap; each value here converts into the one it names.

/// One clap value enum per library enum, variant for variant, with `From`.
macro_rules! value_enum {
    ($(#[$meta:meta])* $name:ident => $lib:path { $($(#[$vmeta:meta])* $variant:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
        pub enum $name {
            $($(#[$vmeta])* $variant),*
        }

        impl From<$name> for $lib {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => <$lib>::$variant),*
                }
            }
        }
    };
}

value_enum! {
    /// `--gpu-api`.
    GpuApi => tinyvmaf_gpu::gpu::GpuApi { Vulkan, Metal, Dx12, Gl }
}

value_enum! {
    /// `--backend` of `score` and `batch`.
    BackendChoice => tinyvmaf_gpu::score::select::BackendChoice {
        /// A hardware GPU when there is one, else the CPU.
        Auto,
        /// A GPU, software adapters included; an error when there is none.
        Gpu,
        /// The CPU.
        Cpu,
    }
}

value_enum! {
    /// `--backend` of `models eval`: where model inference runs.
    ModelBackend => tinyvmaf_gpu::model::Backend {
        /// burn's ndarray backend.
        Cpu,
        /// burn's wgpu backend on the default adapter.
        Gpu,
    }
}

value_enum! {
    /// `--format`.
    Format => tinyvmaf_gpu::output::Format { Json, Xml, Csv, Sub, Text }
}

value_enum! {
    /// `--verifier`: which program judges the Sigstore bundle.
    VerifierKind => tinyvmaf_gpu::verify::VerifierKind {
        /// `cosign verify-blob`, on a private copy of the bytes.
        Cosign,
        /// `sigstore-verify`, in this process, on the bytes in memory.
        Builtin,
    }
}
