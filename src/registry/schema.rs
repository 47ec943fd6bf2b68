//! JSON Schema validation of registry and sidecar documents (Draft 2020-12).
//! Shared with `build.rs`. The schemas are compiled in, so no `$ref` is ever
//! fetched: the `jsonschema` crate is built without its network features.

use serde_json::Value;

/// The registry contract, as shipped in `model/tiny/registry.schema.json`.
pub const REGISTRY_SCHEMA: &str = include_str!("../../model/tiny/registry.schema.json");
/// The sidecar contract, as shipped in `model/tiny/sidecar.schema.json`.
pub const SIDECAR_SCHEMA: &str = include_str!("../../model/tiny/sidecar.schema.json");

/// One schema violation: where in the document, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON pointer of the offending value (`""` is the whole document).
    pub pointer: String,
    pub message: String,
}

impl std::fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.pointer.is_empty() { "/" } else { &self.pointer };
        write!(f, "{at}: {}", self.message)
    }
}

/// Validates `instance` against `schema_text`; an empty vector means valid.
pub fn violations(schema_text: &str, instance: &Value) -> Vec<SchemaViolation> {
    let schema: Value = match serde_json::from_str(schema_text) {
        Ok(schema) => schema,
        Err(e) => {
            return vec![SchemaViolation { pointer: String::new(), message: format!("schema is not JSON: {e}") }];
        }
    };
    let validator = match jsonschema::draft202012::options().build(&schema) {
        Ok(v) => v,
        Err(e) => {
            return vec![SchemaViolation { pointer: String::new(), message: format!("schema is invalid: {e}") }];
        }
    };
    validator
        .iter_errors(instance)
        .map(|e| SchemaViolation { pointer: e.instance_path().to_string(), message: e.to_string() })
        .collect()
}
