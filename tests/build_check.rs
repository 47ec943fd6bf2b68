//! The build's integrity step, run as a library function on temp copies of the
//! shipped model folder: a one-byte change names the file and both digests, and the
//! operator allowlist refuses custom domains, unknown operators, local functions and
//! unpinned external data.

use std::path::{Path, PathBuf};

use tinyvmaf_gpu::registry::build_check::{self, BuildCheckError};
use tinyvmaf_gpu::registry::onnx_scan::{self, PolicyViolation};
use tinyvmaf_gpu::registry::pin::{self, PinError};

fn copy_model_dir() -> (tempfile::TempDir, PathBuf) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("model/tiny");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    let registry = dir.path().join("registry.json");
    (dir, registry)
}

#[test]
fn a_one_byte_change_names_the_file_and_both_digests() {
    let (dir, registry) = copy_model_dir();
    let onnx = dir.path().join("vmaf_v0.6.1.onnx");
    let mut bytes = std::fs::read(&onnx).unwrap();
    let expected = pin::sha256_hex(&bytes);
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let actual = pin::sha256_hex(&bytes);
    std::fs::write(&onnx, &bytes).unwrap();

    let err = build_check::check_registry(&registry).unwrap_err();
    let BuildCheckError::Pin(PinError::Mismatch { path, expected: e, actual: a }) = &err else {
        panic!("expected a digest mismatch, got {err}");
    };
    assert_eq!(path, &onnx);
    assert_eq!((e.as_str(), a.as_str()), (expected.as_str(), actual.as_str()));
    let message = err.to_string();
    assert!(message.contains("vmaf_v0.6.1.onnx") && message.contains(&expected) && message.contains(&actual));
}

#[test]
fn the_untouched_copy_passes() {
    let (_dir, registry) = copy_model_dir();
    build_check::check_registry(&registry).expect("unchanged copy passes");
}

#[test]
fn a_missing_model_file_is_named() {
    let (dir, registry) = copy_model_dir();
    std::fs::remove_file(dir.path().join("smoke_v0.onnx")).unwrap();
    let err = build_check::check_registry(&registry).unwrap_err();
    assert!(err.to_string().contains("smoke_v0.onnx"), "{err}");
}

#[test]
fn a_path_escaping_the_folder_is_refused_even_without_the_schema() {
    let err = pin::resolve(Path::new("/models"), "../etc/passwd").unwrap_err();
    assert!(matches!(err, PinError::UnsafePath { .. }));
    assert!(pin::resolve(Path::new("/models"), "/etc/passwd").is_err());
    assert!(pin::resolve(Path::new("/models"), "a/./b.onnx").is_ok());
}

// --- a hand-written protobuf encoder, enough to build hostile graphs ---

fn varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn field(number: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    varint(number << 3 | 2, &mut out);
    varint(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

fn node(op: &str, domain: &str) -> Vec<u8> {
    let mut n = field(4, op.as_bytes());
    if !domain.is_empty() {
        n.extend(field(7, domain.as_bytes()));
    }
    n
}

fn model(graph: &[u8], extra: &[u8]) -> Vec<u8> {
    let mut m = Vec::new();
    varint(1 << 3, &mut m);
    varint(8, &mut m); // ir_version 8
    m.extend(field(7, graph));
    m.extend_from_slice(extra);
    m
}

#[test]
fn allowed_graph_has_no_violations() {
    let graph = [field(1, &node("Gemm", "")), field(1, &node("Relu", "ai.onnx"))].concat();
    let summary = onnx_scan::scan(&model(&graph, &[])).unwrap();
    assert_eq!(summary.ir_version, 8);
    assert_eq!(summary.ops.len(), 2);
    assert!(summary.violations().is_empty());
}

#[test]
fn custom_domain_is_refused() {
    let graph = field(1, &node("Exec", "com.evil"));
    let v = onnx_scan::scan(&model(&graph, &[])).unwrap().violations();
    assert!(matches!(&v[..], [PolicyViolation::CustomDomain(op)] if op.op_type == "Exec"), "{v:?}");
}

#[test]
fn unknown_default_domain_op_is_refused() {
    let graph = field(1, &node("Loop", ""));
    let v = onnx_scan::scan(&model(&graph, &[])).unwrap().violations();
    assert!(matches!(&v[..], [PolicyViolation::NotAllowed(op)] if op.op_type == "Loop"), "{v:?}");
}

#[test]
fn op_hidden_in_a_subgraph_attribute_is_found() {
    let inner = field(1, &node("Exec", "com.evil"));
    let attribute = field(6, &inner); // AttributeProto.g
    let mut outer = node("Identity", "");
    outer.extend(field(5, &attribute));
    let v = onnx_scan::scan(&model(&field(1, &outer), &[])).unwrap().violations();
    assert!(v.iter().any(|x| matches!(x, PolicyViolation::CustomDomain(op) if op.op_type == "Exec")), "{v:?}");
}

#[test]
fn local_functions_are_refused() {
    let function = field(1, b"sneaky");
    let v = onnx_scan::scan(&model(&field(1, &node("Relu", "")), &field(25, &function))).unwrap().violations();
    assert_eq!(v, vec![PolicyViolation::LocalFunction("sneaky".into())]);
}

#[test]
fn external_data_locations_are_listed() {
    let kv = [field(1, b"location"), field(2, b"weights.bin")].concat();
    let tensor = field(13, &kv);
    let graph = [field(1, &node("Relu", "")), field(5, &tensor)].concat();
    let summary = onnx_scan::scan(&model(&graph, &[])).unwrap();
    assert_eq!(summary.external_data, vec!["weights.bin".to_owned()]);
}

#[test]
fn truncated_and_garbage_inputs_are_errors_not_panics() {
    let good = model(&field(1, &node("Relu", "")), &[]);
    for cut in 0..good.len() {
        let _ = onnx_scan::scan(&good[..cut]);
    }
    assert!(onnx_scan::scan(&[0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
    assert!(onnx_scan::scan(&[0x0f]).is_err()); // wire type 7
}

#[test]
fn shipped_models_use_only_allowed_operators() {
    let (_dir, registry) = copy_model_dir();
    let (_, models) = build_check::check_registry(&registry).unwrap();
    for m in models {
        assert!(!m.summary.ops.is_empty(), "{} has no operators", m.entry.id);
        assert!(m.summary.violations().is_empty(), "{}: {:?}", m.entry.id, m.summary.violations());
    }
}
