//! Helpers shared by the integration tests.

#![allow(dead_code, reason = "each test binary uses its own part of these helpers")]

use std::path::{Path, PathBuf};

/// Whether GPU tests must run (CI sets `TINYVMAF_REQUIRE_GPU=1` with lavapipe installed).
pub fn gpu_required() -> bool {
    std::env::var("TINYVMAF_REQUIRE_GPU").is_ok_and(|v| v == "1")
}

/// Skips (returns `None` after printing why) when there is no GPU adapter, unless a
/// GPU is required, in which case the test fails.
pub fn or_skip<T, E: std::fmt::Display>(what: &str, result: Result<T, E>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) if !gpu_required() => {
            eprintln!("SKIPPED {what}: no GPU adapter ({e}); set TINYVMAF_REQUIRE_GPU=1 to make this a failure");
            None
        }
        Err(e) => panic!("{what}: TINYVMAF_REQUIRE_GPU=1 but no GPU adapter: {e}"),
    }
}

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/oracle` beside the project, when present.
pub fn oracle_dir() -> Option<PathBuf> {
    let dir = manifest_dir().join("../shared/oracle");
    dir.join("index.json").is_file().then_some(dir)
}

/// Decompressed oracle clips (unpacked once per target dir by the oracle's
/// `unpack.sh`), or `None` with a printed reason when `../shared/oracle` is absent.
pub fn oracle_clips() -> Option<(PathBuf, PathBuf)> {
    let Some(oracle) = oracle_dir() else {
        eprintln!("SKIPPED: ../shared/oracle is not beside the project");
        return None;
    };
    let dest = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oracle-clips");
    // Once per test binary: tests run on several threads, and two unpack.sh runs at
    // once race on the same `.part` files.
    static UNPACKED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let unpacked = *UNPACKED.get_or_init(|| {
        std::process::Command::new("bash")
            .arg(oracle.join("unpack.sh"))
            .arg(&dest)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run unpack.sh")
            .success()
    });
    assert!(unpacked, "unpack.sh failed");
    Some((oracle, dest))
}

/// The pair names listed in the oracle's index.json.
pub fn oracle_pairs(oracle: &Path) -> Vec<String> {
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(oracle.join("index.json")).unwrap()).unwrap();
    index.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect()
}

/// libvmaf's per-frame metrics from one of the oracle logs.
pub fn oracle_frames(oracle: &Path, name: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let path = oracle.join(format!("logs/{name}.libvmaf_c.json"));
    let log: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    log["frames"].as_array().unwrap().iter().map(|f| f["metrics"].as_object().unwrap().clone()).collect()
}

/// One GPU context for a whole test binary (tests run on several threads and share
/// it), or `None` after [`or_skip`]'s message when there is no adapter.
pub fn shared_ctx(what: &str) -> Option<&'static tinyvmaf_gpu::gpu::GpuContext> {
    use tinyvmaf_gpu::gpu::{DeviceOptions, GpuContext};
    static CTX: std::sync::OnceLock<Result<GpuContext, String>> = std::sync::OnceLock::new();
    let ctx = CTX.get_or_init(|| GpuContext::new(&DeviceOptions::default()).map_err(|e| e.to_string()));
    or_skip(what, ctx.as_ref())
}

/// Every way the shaders compute 64-bit integers on this machine's adapter: the
/// shared context (native u64 where the adapter has `SHADER_INT64`) and, when that one
/// is native, a second context on the same adapter computing them as u32 pairs (the
/// path of adapters without it). Empty after [`or_skip`]'s message without an adapter.
pub fn int64_paths(what: &str) -> Vec<&'static tinyvmaf_gpu::gpu::GpuContext> {
    use tinyvmaf_gpu::gpu::{DeviceOptions, GpuContext};
    static PAIRS: std::sync::OnceLock<Result<GpuContext, String>> = std::sync::OnceLock::new();
    let Some(ctx) = shared_ctx(what) else { return Vec::new() };
    if !ctx.shader_options().int64 {
        return vec![ctx];
    }
    let pairs = PAIRS.get_or_init(|| {
        GpuContext::new(&DeviceOptions { int64_off: true, ..Default::default() }).map_err(|e| e.to_string())
    });
    let pairs = pairs.as_ref().expect("a second context on the adapter of the first");
    assert!(!pairs.shader_options().int64);
    vec![ctx, pairs]
}

/// SplitMix64: a fixed-seed generator, no dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Whether an 8-bit pair holds a sample no 8-bit reader produces (above 255): the
/// GPU sends 8-bit planes one byte a sample and refuses such a pair (asserted here
/// on `gpu_result`) rather than compute on other numbers than the CPU sees.
pub fn refused_beyond_8_bit<T: std::fmt::Debug>(
    planes: &[&tinyvmaf_gpu::io::Plane],
    depth: u8,
    gpu_result: impl FnOnce() -> Result<T, tinyvmaf_gpu::gpu::GpuError>,
) -> bool {
    if depth > 8 || planes.iter().all(|p| p.data.iter().all(|&s| s <= 0xff)) {
        return false;
    }
    match gpu_result() {
        Err(e @ tinyvmaf_gpu::gpu::GpuError::Unsupported { .. }) => assert!(e.to_string().contains("above 255"), "{e}"),
        other => panic!("an 8-bit plane above 255 reached the GPU: {other:?}"),
    }
    true
}
