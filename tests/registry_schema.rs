//! The registry and sidecar schemas: every bad value is refused at the right JSON
//! pointer, both schema versions are accepted, version 2 is refused, and the
//! shipped registry validates.

use std::path::Path;

use serde_json::Value;
use tinyvmaf_gpu::registry::build_check::{self, BuildCheckError};
use tinyvmaf_gpu::registry::schema::{self, REGISTRY_SCHEMA, SIDECAR_SCHEMA};

fn cases(file: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/registry").join(file);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn assert_refused_at(schema_text: &str, file: &str, at_least: usize) {
    let cases = cases(file);
    assert!(cases.len() >= at_least, "{file}: only {} cases", cases.len());
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let pointer = case["pointer"].as_str().unwrap();
        let found = schema::violations(schema_text, &case["document"]);
        assert!(!found.is_empty(), "case {name:?} was accepted");
        assert!(
            found.iter().any(|v| v.pointer == pointer),
            "case {name:?}: expected an error at {pointer:?}, got {found:?}"
        );
    }
}

#[test]
fn every_invalid_registry_is_refused_at_its_pointer() {
    assert_refused_at(REGISTRY_SCHEMA, "invalid_cases.json", 20);
}

#[test]
fn every_invalid_sidecar_is_refused_at_its_pointer() {
    assert_refused_at(SIDECAR_SCHEMA, "invalid_sidecars.json", 3);
}

#[test]
fn both_schema_versions_are_accepted() {
    let valid = cases("valid_cases.json");
    let mut versions = Vec::new();
    for case in &valid {
        let doc = &case["document"];
        let found = schema::violations(REGISTRY_SCHEMA, doc);
        assert!(found.is_empty(), "valid document refused: {found:?}\n{doc}");
        let bytes = serde_json::to_vec(doc).unwrap();
        build_check::parse_registry(Path::new("valid.json"), &bytes).expect("parses");
        versions.push(doc["schema_version"].as_u64().unwrap());
    }
    assert!(versions.contains(&0) && versions.contains(&1), "versions covered: {versions:?}");
}

#[test]
fn version_two_is_refused_with_a_clear_message() {
    let doc = br#"{"schema_version": 2, "models": []}"#;
    let err = build_check::parse_registry(Path::new("future.json"), doc).unwrap_err();
    assert!(matches!(err, BuildCheckError::UnsupportedVersion { version: 2, .. }), "{err}");
    assert!(err.to_string().contains("schema_version 2 is not supported"), "{err}");
}

#[test]
fn a_version_past_u32_is_named_as_written() {
    // 2^32 once wrapped to "schema_version 0 is not supported".
    let doc = br#"{"schema_version": 4294967296, "models": []}"#;
    let err = build_check::parse_registry(Path::new("future.json"), doc).unwrap_err();
    assert!(err.to_string().contains("schema_version 4294967296 is not supported"), "{err}");
}

#[test]
fn the_shipped_registry_validates_with_its_files() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("model/tiny/registry.json");
    let (registry, models) = build_check::check_registry(&path).expect("shipped registry is valid");
    assert!(registry.models.iter().any(|m| m.id == "vmaf_v0.6.1"));
    assert!(registry.models.iter().any(|m| m.id == "smoke_v0" && m.smoke));
    assert_eq!(models.len(), registry.models.len());
}

#[test]
fn an_oversized_registry_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.json");
    std::fs::write(&path, vec![b' '; (build_check::MAX_REGISTRY_BYTES + 1) as usize]).unwrap();
    let err = build_check::check_registry(&path).unwrap_err();
    assert!(matches!(err, BuildCheckError::TooLarge { .. }), "{err}");
}
