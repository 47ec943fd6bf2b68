//! Command-line grammar (clap derive). Only parsing lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use tinyvmaf_gpu::verify;

use super::values::{BackendChoice, Format, GpuApi, ModelBackend as Backend, VerifierKind};

#[derive(Debug, Parser)]
#[command(name = "tinyvmaf-gpu", version, about = "libvmaf-exact VMAF on any GPU or the CPU")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, inspect, verify and run the registry's models.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// Validate registry documents.
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// Score a distorted clip against its reference with one or more models.
    #[command(after_help = "Example: tinyvmaf-gpu score -r ref.y4m -d dist.y4m -m vmaf_v0.6.1 -m vmaf_v0.6.1neg --psnr -o log.json\n\
                            Models: `tinyvmaf-gpu models list`. Exit codes: README.md, \"Exit codes\".")]
    Score(Box<ScoreArgs>),
    /// Score every pair of a manifest into a JSON Lines results file (resumable, shardable).
    Batch(BatchArgs),
    /// Join results files (e.g. one per shard), reporting missing and duplicated pairs.
    Merge(MergeArgs),
    /// One self-contained HTML page from score logs (ours or libvmaf's JSON) and batch
    /// results: charts per frame, pooled values, worst frames, rate–quality curves, BD-rate.
    #[command(after_help = "Example: tinyvmaf-gpu report log.json -o report.html\n\
                            tinyvmaf-gpu report results.jsonl --anchor x264 -o ladder.html")]
    Report(ReportArgs),
    /// List the GPU adapters (index, name, backend, type); exits 0 when there are none.
    Devices(DevicesArgs),
    /// Frames per second of the features on the GPU and the CPU, on synthetic in-memory clips.
    Bench(BenchArgs),
    /// libvmaf's `vmaf` command line and logs, unchanged (also when this binary is run under the name `vmaf`).
    #[command(disable_help_flag = true, after_help = "Example: tinyvmaf-gpu vmaf -r ref.y4m -d dist.y4m --json -o log.json\n\
                            The options are libvmaf's (`vmaf` with no arguments lists them).")]
    Vmaf(VmafArgs),
}

#[derive(Debug, Args)]
pub struct VmafArgs {
    /// libvmaf's options, as its `vmaf` takes them (-r REF -d DIST [--json] [-o LOG] …).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Frame sizes, WIDTHxHEIGHT (repeat the option).
    #[arg(long = "size", value_name = "WxH", default_values = ["576x324", "1280x720", "1920x1080", "3840x2160"])]
    pub sizes: Vec<String>,
    /// Bit depths (repeat the option).
    #[arg(long = "bit-depth", value_name = "BITS", default_values_t = [8u8, 10])]
    pub bit_depths: Vec<u8>,
    /// Frames timed per measurement (after a 4-frame warm-up).
    #[arg(long, value_name = "N", default_value_t = 120)]
    pub frames: u64,
    /// Frames timed on the CPU (default: --frames).
    #[arg(long, value_name = "N")]
    pub cpu_frames: Option<u64>,
    /// Also time each pass group, then each pass (its dispatches summed), of one frame
    /// on the GPU, submitted alone.
    #[arg(long)]
    pub passes: bool,
    /// Only the GPU.
    #[arg(long, conflicts_with = "cpu_only")]
    pub gpu_only: bool,
    /// Only the CPU (no adapter needed).
    #[arg(long)]
    pub cpu_only: bool,
    /// Worker threads for the CPU features (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Only this graphics API (default: $WGPU_BACKEND, else all).
    #[arg(long, visible_alias = "gpu-backend", value_enum, value_name = "API")]
    pub gpu_api: Option<GpuApi>,
    /// Adapter index, as `tinyvmaf-gpu devices` lists them.
    #[arg(long, value_name = "N")]
    pub adapter: Option<usize>,
    /// One JSON object per measurement (JSON Lines).
    #[arg(long)]
    pub json: bool,
    /// Also measure VMAF+NEG (libvmaf's default feature set and the NEG model's,
    /// enhancement-gain limit 1), as `score -m vmaf_v0.6.1 -m vmaf_v0.6.1neg` computes.
    #[arg(long)]
    pub neg: bool,
    /// Write each size and bit depth's synthetic clip pair (--frames frames) into DIR
    /// as `WxH_Bbit.ref.y4m` and `WxH_Bbit.dist.y4m`, then stop: clips for timing whole
    /// commands (`scripts/bench-gpu.sh`).
    #[arg(long, value_name = "DIR")]
    pub write_clips: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct DevicesArgs {
    /// One JSON document on standard output.
    #[arg(long)]
    pub json: bool,
    /// Only this graphics API (default: $WGPU_BACKEND, else all).
    #[arg(long, visible_alias = "gpu-backend", value_enum, value_name = "API")]
    pub gpu_api: Option<GpuApi>,
}

/// Encoded inputs (`.mp4`, `.mkv`, `.webm`, `.ivf`, …), decoded by ffmpeg.
#[derive(Debug, Args)]
pub struct DecodingArgs {
    /// auto: ffmpeg decodes a file that starts like an encoded video (MP4, Matroska/WebM, IVF, AVI, TS, …); ffmpeg: every file input.
    #[arg(help_heading = "Input", long, value_enum, default_value_t = DecoderChoice::Auto)]
    pub decoder: DecoderChoice,
    /// The ffmpeg program (default: $TINYVMAF_FFMPEG, else `ffmpeg` on PATH).
    #[arg(help_heading = "Input", long, value_name = "PATH")]
    pub ffmpeg: Option<PathBuf>,
    /// Refuse an encoded distorted video of another size or pixel format than the reference instead of scaling it (bicubic) to the reference.
    #[arg(help_heading = "Input", long)]
    pub no_scale: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DecoderChoice {
    Auto,
    Ffmpeg,
}

impl DecodingArgs {
    pub fn decoding(&self) -> tinyvmaf_gpu::io::Decoding {
        tinyvmaf_gpu::io::Decoding {
            ffmpeg: self.ffmpeg.clone(),
            force_ffmpeg: self.decoder == DecoderChoice::Ffmpeg,
            no_scale: self.no_scale,
        }
    }
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Reference clip (Y4M, or raw YUV with --width/--height/--pixel-format); `-` reads standard input.
    #[arg(help_heading = "Input", short, long, value_name = "FILE")]
    pub reference: PathBuf,
    /// Distorted clip; `-` reads standard input (only one of the two may).
    #[arg(help_heading = "Input", short, long, value_name = "FILE")]
    pub distorted: PathBuf,
    /// Registry model id (`tinyvmaf-gpu models list`), or libvmaf's model string
    /// `version=ID[:name=NAME][:enable_transform][:disable_clip][:FEATURE.OPTION=VALUE…]`
    /// (e.g. `version=vmaf_v1.0.16_3d0h`, `version=vmaf_v0.6.1:name=vmaf_phone:enable_transform`);
    /// repeat for several models sharing one feature pass.
    #[arg(help_heading = "Models and metrics", short, long = "model", value_name = "ID", default_value = "vmaf_v0.6.1")]
    pub models: Vec<String>,
    /// Raw YUV width (both inputs).
    #[arg(help_heading = "Input", long, requires_all = ["height", "pixel_format"])]
    pub width: Option<usize>,
    /// Raw YUV height (both inputs).
    #[arg(help_heading = "Input", long, requires_all = ["width", "pixel_format"])]
    pub height: Option<usize>,
    /// Raw YUV pixel format, as ffmpeg names it (yuv420p, yuv422p10le, yuv444p12le, yuv420p16le, …).
    #[arg(help_heading = "Input", long, requires_all = ["width", "height"])]
    pub pixel_format: Option<String>,
    #[command(flatten)]
    pub decoding: DecodingArgs,
    /// Read at most N frame pairs after the skips (with --subsample, every N-th of
    /// those is written, as libvmaf's --frame_cnt and --subsample compose).
    #[arg(help_heading = "Frame selection", long, value_name = "N")]
    pub frame_count: Option<u64>,
    /// Skip the first N reference frames.
    #[arg(help_heading = "Frame selection", long, value_name = "N", default_value_t = 0)]
    pub skip_reference: u64,
    /// Skip the first N distorted frames.
    #[arg(help_heading = "Frame selection", long, value_name = "N", default_value_t = 0)]
    pub skip_distorted: u64,
    /// Write every N-th frame (N >= 1); features are still computed on every frame,
    /// so motion is between consecutive frames, as in libvmaf.
    #[arg(help_heading = "Frame selection", long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub subsample: u64,
    /// Score the frames both inputs have instead of failing when their lengths differ.
    #[arg(help_heading = "Frame selection", long)]
    pub shortest: bool,
    /// Also compute PSNR (Y, Cb, Cr).
    #[arg(help_heading = "Models and metrics", long)]
    pub psnr: bool,
    /// Also compute SSIM of the luma plane (libvmaf's `float_ssim`, its default options).
    #[arg(help_heading = "Models and metrics", long)]
    pub ssim: bool,
    /// Also compute MS-SSIM of the luma plane (libvmaf's `float_ms_ssim`; pictures of 176x176 and more).
    #[arg(help_heading = "Models and metrics", long)]
    pub ms_ssim: bool,
    /// Also compute PSNR-HVS (Y, Cb, Cr and combined; libvmaf's `psnr_hvs`, up to 12 bits).
    #[arg(help_heading = "Models and metrics", long)]
    pub psnr_hvs: bool,
    /// Also compute CIEDE2000 (libvmaf's `ciede`, column `ciede2000`).
    #[arg(help_heading = "Models and metrics", long)]
    pub ciede: bool,
    /// Also compute CAMBI, libvmaf's banding index of the distorted video (pictures
    /// of 216 pixels or more in one direction); `--cambi=NAME=VALUE:…` sets libvmaf's
    /// options (e.g. `cambi_high_res_speedup=1080:cambi_max_val=17`). Repeatable.
    #[arg(help_heading = "Models and metrics", long, value_name = "OPTIONS", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub cambi: Vec<String>,
    /// Also compute SpEED chroma (libvmaf's `speed_chroma`: U, V and UV);
    /// `--speed-chroma=NAME=VALUE:…` sets libvmaf's options (e.g.
    /// `speed_prescale=0.6:speed_prescale_method=bilinear`). Repeatable.
    #[arg(help_heading = "Models and metrics", long, value_name = "OPTIONS", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub speed_chroma: Vec<String>,
    /// Also compute libvmaf's ADM with these options (`--adm=NAME=VALUE:…`, e.g.
    /// VMAF v1's `adm_csf_mode=2:adm_dlm_weight=0.7:adm_enhn_gain_limit=1:adm_min_val=0.5:adm_noise_weight=0.02`,
    /// with `adm_norm_view_dist` and `adm_ref_display_height`); columns under libvmaf's
    /// option-suffixed keys. CPU only for now (`--backend gpu` computes on the CPU then). Repeatable.
    #[arg(help_heading = "Models and metrics", long, value_name = "OPTIONS", require_equals = true)]
    pub adm: Vec<String>,
    /// Also compute libvmaf's motion with these options (`--motion=NAME=VALUE:…`, e.g.
    /// `motion_max_val=18`, `motion_five_frame_window=true:motion_moving_average=true`);
    /// columns under libvmaf's option-suffixed keys. Repeatable.
    #[arg(help_heading = "Models and metrics", long, value_name = "OPTIONS", require_equals = true)]
    pub motion: Vec<String>,
    /// Worker threads for the CPU features (default: all cores).
    #[arg(help_heading = "Speed", long, value_name = "N")]
    pub threads: Option<usize>,
    /// Memory the frames and feature buffers may use (16G, 512M, bytes); fewer threads
    /// and frames in flight are used to stay under it, exit 5 if one frame pair cannot.
    /// Default: 3/4 of the machine's memory (or of the cgroup's limit).
    #[arg(help_heading = "Speed", long, value_name = "SIZE", value_parser = tinyvmaf_gpu::score::budget::parse_bytes)]
    pub memory_limit: Option<u64>,
    #[command(flatten, next_help_heading = "GPU")]
    pub backend: BackendArgs,
    /// Write the per-frame log here: a file is written whole, then renamed into place;
    /// `-` is standard output; a device, FIFO or symlink is written through.
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Format of the log. Default: from --output's extension (.xml, .csv, .sub, .txt; else
    /// libvmaf's JSON layout), and a text table on standard output without --output.
    #[arg(help_heading = "Output", long, value_enum)]
    pub format: Option<Format>,
    /// Also write an HTML report of the run (charts, pooled values, worst frames; see `report`).
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// No progress bar.
    #[arg(help_heading = "Output", short, long)]
    pub quiet: bool,
    #[command(flatten, next_help_heading = "Model verification")]
    pub load: ModelLoadArgs,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// One line per model: id, kind, quant mode, license, bundle present.
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        dir: ModelDirArg,
    },
    /// Every registry field and the sidecar of one model.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Check a model's Sigstore bundle against the embedded bytes (--all: every registry entry).
    Verify {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        /// Verify every registry entry and print a table; exits non-zero if any fails.
        #[arg(long)]
        all: bool,
        /// One JSON document on standard output.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        verify: VerifyArgs,
    },
    /// Score feature vectors (JSON array of rows in the model's feature order) with a model.
    Eval {
        id: String,
        /// JSON file: `[[adm2, vif_scale0, …], …]`; `-` reads standard input.
        #[arg(long)]
        features: PathBuf,
        #[arg(long, value_enum, default_value_t = Backend::Cpu)]
        backend: Backend,
        #[command(flatten)]
        load: ModelLoadArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Validate a registry document against the schema (default: the built-in registry's source).
    Check {
        path: Option<PathBuf>,
        /// Also check that every referenced file exists beside the registry and matches its pin.
        #[arg(long)]
        files: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct ModelDirArg {
    /// Folder holding model files and Sigstore bundles (default: $TINYVMAF_MODEL_DIR, else the source tree's model/tiny).
    #[arg(long, value_name = "DIR")]
    pub model_dir: Option<PathBuf>,
}

/// Where features and models run (`score`, `batch`).
#[derive(Debug, Args)]
pub struct BackendArgs {
    /// auto: a hardware GPU if there is one, else the CPU; gpu: any adapter, software ones included (error if none); cpu.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
    pub backend: BackendChoice,
    /// Only this graphics API (default: $WGPU_BACKEND, else all).
    #[arg(long, visible_alias = "gpu-backend", value_enum, value_name = "API")]
    pub gpu_api: Option<GpuApi>,
    /// Adapter index, as `tinyvmaf-gpu devices` lists them (default: the high-performance one).
    #[arg(long, value_name = "N")]
    pub adapter: Option<usize>,
    /// On the GPU, compute every frame on the CPU too and stop at the first difference (exit 32).
    #[arg(long)]
    pub check_gpu: bool,
}

/// How every command that loads a model verifies it first.
#[derive(Debug, Args)]
pub struct ModelLoadArgs {
    /// Verify each model's Sigstore bundle (with --verifier) before loading it.
    #[arg(long)]
    pub tiny_model_verify: bool,
    #[command(flatten)]
    pub verify: VerifyArgs,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub dir: ModelDirArg,
    /// Who checks the Sigstore bundle: `cosign` (external program) or `builtin` (in-process, no cosign needed).
    #[arg(long, value_enum, default_value_t = VerifierKind::Cosign)]
    pub verifier: VerifierKind,
    /// `trusted_root.json` of a private Sigstore deployment (builtin verifier; default: the embedded public-good root).
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
    /// cosign executable (default: $TINYVMAF_COSIGN, else `cosign` on PATH).
    #[arg(long, value_name = "PATH")]
    pub cosign: Option<PathBuf>,
    /// Accepted signer identity, a regular expression (anchored with ^…$ if it is not).
    #[arg(long, value_name = "REGEX", default_value = verify::DEFAULT_IDENTITY_REGEXP)]
    pub certificate_identity_regexp: String,
    /// Accepted signer identity, exactly (instead of --certificate-identity-regexp).
    #[arg(long, value_name = "IDENTITY", conflicts_with = "certificate_identity_regexp")]
    pub certificate_identity: Option<String>,
    /// Accepted OIDC issuer of the signing certificate.
    #[arg(long, value_name = "URL", default_value = verify::DEFAULT_OIDC_ISSUER)]
    pub certificate_oidc_issuer: String,
    /// Seconds cosign may run before it is killed (more than 0, at most a day).
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = cosign_timeout)]
    pub cosign_timeout: std::time::Duration,
}

impl VerifyArgs {
    pub fn options(&self) -> verify::VerifyOptions {
        let identity_regexp = match &self.certificate_identity {
            Some(exact) => verify::exact_identity_regexp(exact),
            None => self.certificate_identity_regexp.clone(),
        };
        verify::VerifyOptions {
            verifier: self.verifier.into(),
            cosign: verify::CosignOptions {
                cosign: self.cosign.clone(),
                model_dir: tinyvmaf_gpu::registry::model_dir(self.dir.model_dir.as_deref()),
                identity_regexp,
                oidc_issuer: self.certificate_oidc_issuer.clone(),
                timeout: self.cosign_timeout,
                temp_root: None,
            },
            trusted_root: self.trusted_root.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Manifest: CSV with a header row, or JSON Lines; columns reference, distorted, id, model,
    /// width, height, pixel_format, skip_reference, skip_distorted, frame_count (docs/CLUSTER.md).
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,
    /// Results file (JSON Lines, one record per pair), appended to; pairs already in it are skipped.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Model for rows without a `model` column; repeat for several (default vmaf_v0.6.1).
    #[arg(short, long = "model", value_name = "ID")]
    pub models: Vec<String>,
    /// Also compute PSNR (Y, Cb, Cr) for every pair.
    #[arg(long)]
    pub psnr: bool,
    /// Also write each pair's per-frame log (libvmaf's JSON layout) into DIR, as ID.json.
    #[arg(long, value_name = "DIR")]
    pub per_frame_dir: Option<PathBuf>,
    /// Score only shard I of N: the pairs whose id hashes to I (first 8 bytes of SHA-256, mod N).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<tinyvmaf_gpu::batch::Shard>,
    /// Score again the pairs that have an error record (it is replaced).
    #[arg(long)]
    pub retry_failed: bool,
    /// Write every N-th frame (N >= 1); features are still computed on every frame,
    /// so motion is between consecutive frames, as in libvmaf.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub subsample: u64,
    /// Score the frames both inputs have instead of failing when their lengths differ.
    #[arg(long)]
    pub shortest: bool,
    /// Worker threads for the CPU features (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Memory the frames and feature buffers may use (16G, 512M, bytes); fewer threads
    /// and frames in flight are used to stay under it, exit 5 if one frame pair cannot.
    /// Default: 3/4 of the machine's memory (or of the cgroup's limit).
    #[arg(long, value_name = "SIZE", value_parser = tinyvmaf_gpu::score::budget::parse_bytes)]
    pub memory_limit: Option<u64>,
    /// No progress display or per-pair lines (failures and the exit code remain).
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub backend: BackendArgs,
    #[command(flatten)]
    pub load: ModelLoadArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Score logs (JSON: ours or libvmaf's `--json`) and batch results files (JSON Lines).
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,
    /// The HTML file to write (`-` is standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// How many of the lowest-scoring frames to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub worst: usize,
    /// The group the other groups' BD-rates are measured against (default: the first group).
    #[arg(long, value_name = "GROUP")]
    pub anchor: Option<String>,
    /// Frames per second for timestamps where a log does not say (libvmaf's logs): 25, 30000/1001.
    #[arg(long, value_name = "RATE", value_parser = frame_rate)]
    pub frame_rate: Option<(u64, u64)>,
}

/// `--frame-rate`: `N` or `NUM/DEN`, both positive integers.
fn frame_rate(text: &str) -> Result<(u64, u64), String> {
    let (num, den) = text.split_once('/').unwrap_or((text, "1"));
    match (num.trim().parse::<u64>(), den.trim().parse::<u64>()) {
        (Ok(num), Ok(den)) if num > 0 && den > 0 => Ok((num, den)),
        _ => Err(format!("{text:?} is not a frame rate (N or NUM/DEN, positive integers)")),
    }
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Results files to join (e.g. results-*.jsonl).
    #[arg(value_name = "RESULTS", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Write the joined records here (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The batch's manifest: also report its pairs that no file records.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
}

/// `--cosign-timeout`: a positive, finite number of seconds up to a day. Refused at
/// parse time (exit 2) rather than turned into 0 s (NaN, negatives) or overflowing
/// `Duration`/`Instant` (inf, 1e19).
fn cosign_timeout(text: &str) -> Result<std::time::Duration, String> {
    const MAX_SECS: f64 = 86_400.0;
    match text.trim().parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= MAX_SECS => Ok(std::time::Duration::from_secs_f64(secs)),
        Ok(_) => Err(format!("{text:?} is not a number of seconds in (0, {MAX_SECS}]")),
        Err(e) => Err(format!("{text:?}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosign_timeout_refuses_what_would_panic_or_become_zero() {
        assert_eq!(cosign_timeout("2.5"), Ok(std::time::Duration::from_millis(2500)));
        assert_eq!(cosign_timeout("86400"), Ok(std::time::Duration::from_secs(86_400)));
        for bad in ["inf", "1e20", "1e19", "nan", "-1", "0", "86401", "soon", ""] {
            assert!(cosign_timeout(bad).is_err(), "{bad:?} accepted");
        }
        // The default parses, and equals the library's.
        assert_eq!(cosign_timeout("60"), Ok(verify::DEFAULT_TIMEOUT));
    }
}
