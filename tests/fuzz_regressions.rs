//! The fuzz targets' inputs, replayed in the normal test suite: every seed of
//! `fuzz/corpus/<target>/` and every input that once crashed a target
//! (`tests/data/fuzz/<target>/`), through the same checks the fuzzer runs
//! (`fuzz/src/harness.rs`, included below). A parser change that brings a crash
//! back fails here, without a nightly toolchain or cargo-fuzz.

use std::path::{Path, PathBuf};

// The harness names the parsers by their paths inside the crate (`crate::io`, …),
// as the fuzz crate, which compiles the parser files alone, lays them out.
mod io {
    pub use tinyvmaf_gpu::io::*;
}
mod registry {
    pub use tinyvmaf_gpu::registry::*;
}
mod batch {
    pub use tinyvmaf_gpu::batch::*;
}
mod compat {
    pub use tinyvmaf_gpu::compat::*;
}

#[path = "../fuzz/src/harness.rs"]
mod harness;

/// The files of `dir`, sorted by name; none when it does not exist.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

/// Runs `check` on every seed and every recorded crash of `target`; fails naming
/// each file it panicked on.
fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = files_in(&root.join("fuzz/corpus").join(target));
    assert!(!seeds.is_empty(), "no seed corpus for {target}");
    let crashes = files_in(&root.join("tests/data/fuzz").join(target));
    let mut panicked = Vec::new();
    for path in seeds.iter().chain(&crashes) {
        let bytes = std::fs::read(path).unwrap();
        if std::panic::catch_unwind(|| check(&bytes)).is_err() {
            panicked.push(path.clone());
        }
    }
    assert!(panicked.is_empty(), "{target}: the parser panicked on {panicked:?}");
}

#[test]
fn y4m_inputs_replay() {
    replay("y4m", harness::y4m);
}

#[test]
fn yuv_inputs_replay() {
    replay("yuv", harness::yuv);
}

#[test]
fn registry_inputs_replay() {
    replay("registry", harness::registry);
}

#[test]
fn onnx_scan_inputs_replay() {
    replay("onnx_scan", harness::onnx_scan);
}

#[test]
fn manifest_inputs_replay() {
    replay("manifest", harness::manifest);
}

#[test]
fn spec_inputs_replay() {
    replay("spec", harness::spec);
}

#[test]
fn vmaf_cli_inputs_replay() {
    replay("vmaf_cli", harness::vmaf_cli);
}

#[test]
fn yuv_input_layout() {
    // The `yuv` target's byte layout, which its seeds and README rely on.
    let mut bytes = [4u64.to_le_bytes(), 2u64.to_le_bytes()].concat();
    bytes.push(3); // yuv420p10le
    bytes.extend_from_slice(b"file");
    let input = harness::decode_yuv_input(&bytes).unwrap();
    assert_eq!((input.width, input.height, input.pixel_format.as_str(), input.file), (4, 2, "yuv420p10le", &b"file"[..]));
    // A selector past the list: a length byte, then the name itself.
    bytes.truncate(16);
    bytes.push(harness::YUV_FORMATS.len() as u8);
    bytes.extend_from_slice(b"\x03rgbfile");
    let input = harness::decode_yuv_input(&bytes).unwrap();
    assert_eq!((input.pixel_format.as_str(), input.file), ("rgb", &b"file"[..]));
    assert_eq!(harness::decode_yuv_input(&bytes[..16]), None);
    assert_eq!(harness::decode_yuv_input(&bytes[..19]), None, "name cut short");
}

// --- inputs found by reading the parsers while writing the targets ---
// Each costs time or memory in proportion to a file far larger than the fuzzer's
// 64 KiB inputs, so the test builds it here rather than keeping megabytes in
// tests/data/fuzz/.

use std::time::{Duration, Instant};

use tinyvmaf_gpu::registry::onnx_scan::{self, MAX_ENTRIES, PolicyViolation, ScanError};

/// Protobuf length-delimited field `number` holding `payload`.
fn proto_field(number: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for mut v in [number << 3 | 2, payload.len() as u64] {
        while v >= 0x80 {
            out.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    out.extend_from_slice(payload);
    out
}

/// A `ModelProto` whose graph is `graph`.
fn onnx_model(graph: &[u8]) -> Vec<u8> {
    proto_field(7, graph)
}

/// A graph initializer stored in the external file `location`.
fn external_initializer(location: &str) -> Vec<u8> {
    let entry = [proto_field(1, b"location"), proto_field(2, location.as_bytes())].concat();
    proto_field(5, &proto_field(13, &entry))
}

/// Generous: the fixed code takes well under a second, the quadratic one minutes.
const NOT_A_HANG: Duration = Duration::from_secs(20);

#[test]
fn onnx_scan_distinct_operators_are_reported_in_linear_time() {
    // 65,000 nodes with distinct operator names (a 500 KB file): the policy check
    // de-duplicated with `Vec::contains`, about 250 s.
    let graph: Vec<u8> =
        (0..65_000).flat_map(|i| proto_field(1, &proto_field(4, format!("{i:x}").as_bytes()))).collect();
    let start = Instant::now();
    let summary = onnx_scan::scan(&onnx_model(&graph)).unwrap();
    let violations = summary.violations();
    assert!(start.elapsed() < NOT_A_HANG, "took {:?}", start.elapsed());
    assert_eq!(violations.len(), 65_000);
    assert!(matches!(&violations[1], PolicyViolation::NotAllowed(op) if op.op_type == "1"), "{:?}", violations[1]);
}

#[test]
fn onnx_scan_distinct_external_locations_are_listed_in_linear_time() {
    // 60,000 distinct locations (1.2 MB): listing them used `Vec::contains`, and
    // 200,000 (4 MB) took 40 s.
    let graph: Vec<u8> = (0..60_000).flat_map(|i| external_initializer(&format!("{i:x}"))).collect();
    let start = Instant::now();
    let summary = onnx_scan::scan(&onnx_model(&graph)).unwrap();
    assert!(start.elapsed() < NOT_A_HANG, "took {:?}", start.elapsed());
    assert_eq!(summary.external_data.len(), 60_000);
    assert_eq!(summary.external_data[..2], ["0".to_owned(), "1".to_owned()]);
}

#[test]
fn onnx_scan_repeated_locations_are_listed_once_in_order() {
    let graph: Vec<u8> =
        ["b.bin", "a.bin", "b.bin", "a.bin", "c.bin"].into_iter().flat_map(external_initializer).collect();
    let summary = onnx_scan::scan(&onnx_model(&graph)).unwrap();
    assert_eq!(summary.external_data, ["b.bin", "a.bin", "c.bin"]);
}

#[test]
fn onnx_scan_refuses_more_entries_than_the_cap() {
    // Empty nodes are 2 bytes of file each, ~50 bytes of summary: the 64 MiB file
    // limit allowed ~1.6 GB. Exactly MAX_ENTRIES still passes.
    let empty_nodes = |n: usize| onnx_model(&[0x0a, 0x00].repeat(n));
    assert_eq!(onnx_scan::scan(&empty_nodes(MAX_ENTRIES)).unwrap().ops.len(), MAX_ENTRIES);
    assert_eq!(onnx_scan::scan(&empty_nodes(MAX_ENTRIES + 1)), Err(ScanError::TooManyEntries));
    // Opset imports (field 8) and references to one external file count too.
    assert_eq!(onnx_scan::scan(&[0x42, 0x00].repeat(MAX_ENTRIES + 1)), Err(ScanError::TooManyEntries));
    let same_file = external_initializer("w.bin").repeat(MAX_ENTRIES + 1);
    assert_eq!(onnx_scan::scan(&onnx_model(&same_file)), Err(ScanError::TooManyEntries));
    let message = ScanError::TooManyEntries.to_string();
    assert!(message.contains("more than 65536"), "{message}");
}
