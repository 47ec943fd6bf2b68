//! Build step: integrity first, code generation second.
//!
//! 1. `check_registry`: parse `model/tiny/registry.json`, validate it and every
//!    sidecar against their JSON Schemas, sha256 every pinned file, and refuse any
//!    operator outside the allowlist. Any failure stops the build here, naming the
//!    file, the expected and the actual digest.
//! 2. `stage_checked_bytes`: write the bytes that were just hashed into `$OUT_DIR`;
//!    code generation and `include_bytes!` read that copy, never the source path
//!    again, so what was checked is what is compiled in.
//! 3. `generate_models`: burn-onnx turns each graph into Rust (weights embedded).
//! 4. `write_index`: `models.rs` with a module per model and the table of their
//!    builders (for `crate::model`), and `embedded.rs` with the embedded ONNX bytes,
//!    pins and registry document (for `crate::registry::compiled`, the run-time
//!    re-check).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "src/registry/types.rs"]
mod types;
#[path = "src/registry/pin.rs"]
mod pin;
#[path = "src/registry/onnx_scan.rs"]
mod onnx_scan;
#[path = "src/registry/schema.rs"]
mod schema;
#[path = "src/registry/build_check.rs"]
#[expect(dead_code, reason = "the build script uses only the checks of the registry code it shares with the library")]
mod build_check;
#[path = "src/registry/onnx_graph.rs"]
mod onnx_graph;
#[path = "src/registry/quant_mlp.rs"]
#[expect(dead_code, reason = "the build script uses only the checks of the registry code it shares with the library")]
mod quant_mlp;

const REGISTRY: &str = "model/tiny/registry.json";

fn main() {
    for path in [
        REGISTRY,
        "model/tiny/registry.schema.json",
        "model/tiny/sidecar.schema.json",
        "src/registry/types.rs",
        "src/registry/pin.rs",
        "src/registry/onnx_scan.rs",
        "src/registry/schema.rs",
        "src/registry/build_check.rs",
        "src/registry/onnx_graph.rs",
        "src/registry/quant_mlp.rs",
    ] {
        println!("cargo:rerun-if-changed={path}");
    }

    let (_, models) = match build_check::check_registry(Path::new(REGISTRY)) {
        Ok(checked) => checked,
        Err(e) => {
            // A panic's message is what cargo shows; keep it the plain integrity error.
            eprintln!("error: model integrity check failed: {e}");
            panic!("model integrity check failed: {e}");
        }
    };
    for model in &models {
        for input in &model.inputs {
            println!("cargo:rerun-if-changed={}", input.display());
        }
    }

    let quantized = lower_int8_graphs(&models);
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let staged = stage_checked_bytes(&out_dir, &models);
    generate_models(&staged);
    write_index(&out_dir, &models, &staged, &quantized);
}

/// Step 2b: each quantized entry's int8 graph (already pinned) → `QuantMlp`; a graph
/// outside the supported pattern stops the build, naming the file.
fn lower_int8_graphs(models: &[build_check::CheckedModel]) -> Vec<Option<quant_mlp::QuantMlp>> {
    models
        .iter()
        .map(|m| {
            let bytes = m.int8_bytes.as_ref()?;
            let path = m.entry.int8_path().unwrap_or_default();
            match quant_mlp::lower_bytes(bytes) {
                Ok(tables) => Some(tables),
                Err(e) => {
                    eprintln!("error: model/tiny/{path}: {e}");
                    panic!("model/tiny/{path}: {e}");
                }
            }
        })
        .collect()
}

/// Writes each checked graph to `$OUT_DIR/onnx/<module>.onnx` (and its int8 graph
/// to `<module>.int8.onnx`, which only `include_bytes!` reads: burn does not import it).
fn stage_checked_bytes(out_dir: &Path, models: &[build_check::CheckedModel]) -> Vec<PathBuf> {
    let dir = out_dir.join("onnx");
    std::fs::create_dir_all(&dir).expect("create $OUT_DIR/onnx");
    models
        .iter()
        .map(|m| {
            let path = dir.join(format!("{}.onnx", m.entry.module_name()));
            std::fs::write(&path, &m.onnx_bytes).expect("write staged ONNX");
            if let Some(int8) = &m.int8_bytes {
                std::fs::write(int8_staged(&path), int8).expect("write staged int8 ONNX");
            }
            path
        })
        .collect()
}

fn int8_staged(staged: &Path) -> PathBuf {
    staged.with_extension("int8.onnx")
}

fn generate_models(staged: &[PathBuf]) {
    let mut generator = burn_import::onnx::ModelGen::new();
    // Entries that share a graph share its staged file: generate its module once.
    let mut seen = std::collections::BTreeSet::new();
    for path in staged.iter().filter(|p| seen.insert(p.as_path())) {
        generator.input(path.to_str().expect("OUT_DIR is UTF-8"));
    }
    generator
        .out_dir("model/")
        .load_strategy(burn_import::onnx::LoadStrategy::Embedded)
        .run_from_script();
}

fn write_index(
    out_dir: &Path,
    models: &[build_check::CheckedModel],
    staged: &[PathBuf],
    quantized: &[Option<quant_mlp::QuantMlp>],
) {
    let mut src = String::from("// Generated by build.rs from model/tiny/registry.json. Do not edit.\n\n");
    let mut modules = std::collections::BTreeSet::new();
    for m in models.iter().filter(|m| modules.insert(m.entry.module_name())) {
        let module = m.entry.module_name();
        writeln!(
            src,
            "#[allow(clippy::all, clippy::allow_attributes_without_reason, unused, non_snake_case, reason = \"generated by burn-import\")]\npub mod {module} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/model/{module}.rs\"));\n}}\n"
        )
        .unwrap();
        // The generated forward keeps the graph's output rank; flatten it row by row (one
        // score per row, or a collection's `width` scores per row).
        let rank = m.sidecar.outputs.first().map_or(2, |o| o.shape.len());
        let width = m.sidecar.outputs.first().and_then(|o| o.shape.get(1)).and_then(|v| v.as_u64()).unwrap_or(1);
        let len = if width == 1 { "rows".to_owned() } else { format!("rows * {width}") };
        writeln!(
            src,
            "impl crate::model::backend::Regressor for {module}::Model {{\n    fn forward_scores(&self, features: burn::tensor::Tensor<2>) -> burn::tensor::Tensor<1> {{\n        let rows = features.dims()[0];\n        let out: burn::tensor::Tensor<{rank}> = self.forward(features);\n        out.reshape([{len}])\n    }}\n}}\n"
        )
        .unwrap();
    }
    for (m, tables) in models.iter().zip(quantized) {
        if let Some(tables) = tables {
            writeln!(
                src,
                "/// The lowered int8 graph of {id}.\nfn {module}_int8_tables() -> crate::registry::quant_mlp::QuantMlp {{\n    {expr}\n}}\n",
                id = m.entry.id,
                module = m.entry.module_name(),
                expr = tables.to_rust_expr("crate::registry::quant_mlp"),
            )
            .unwrap();
        }
    }
    // The bytes and pins go to the registry (`embedded.rs`), the builders to the model
    // (`models.rs`): verification needs the bytes, never the burn code.
    let mut index = String::from("// Generated by build.rs from model/tiny/registry.json. Do not edit.\n\n");
    writeln!(index, "pub static EMBEDDED: &[crate::registry::compiled::EmbeddedModel] = &[").unwrap();
    writeln!(src, "pub static BUILDERS: &[(&str, crate::model::backend::BuildFn)] = &[").unwrap();
    for ((m, path), tables) in models.iter().zip(staged).zip(quantized) {
        let module = m.entry.module_name();
        let sidecar_json = serde_json::to_string(&m.sidecar).expect("sidecar serializes");
        writeln!(
            index,
            "    crate::registry::compiled::EmbeddedModel {{ id: {id:?}, onnx: include_bytes!({path:?}), sha256: {sha:?}, sidecar_json: {sidecar_json:?} }},",
            id = m.entry.id,
            path = path.display().to_string(),
            sha = m.entry.sha256,
        )
        .unwrap();
        writeln!(
            src,
            "    ({id:?}, |device, _| Ok(Box::new({module}::Model::from_embedded(device)))),",
            id = m.entry.id,
        )
        .unwrap();
        // The int8 graph is a model of its own (`<id>_int8`, as `ModelEntry::int8_variant`
        // names it), run by the int8 runtime from the tables lowered above.
        if let (Some(_), Some(variant)) = (tables, m.entry.int8_variant()) {
            writeln!(
                index,
                "    crate::registry::compiled::EmbeddedModel {{ id: {id:?}, onnx: include_bytes!({path:?}), sha256: {sha:?}, sidecar_json: {sidecar_json:?} }},",
                id = variant.id,
                path = int8_staged(path).display().to_string(),
                sha = variant.sha256,
            )
            .unwrap();
            writeln!(
                src,
                "    ({id:?}, |device, backend| crate::model::backend::int8::Int8Regressor::build({module}_int8_tables(), device, backend)),",
                id = variant.id,
            )
            .unwrap();
        }
    }
    writeln!(src, "];").unwrap();
    writeln!(index, "];").unwrap();
    writeln!(
        index,
        "\n/// The registry document this binary was built from.\npub const REGISTRY_JSON: &str = include_str!({:?});",
        std::fs::canonicalize(REGISTRY).expect("registry path").display().to_string()
    )
    .unwrap();
    std::fs::write(out_dir.join("models.rs"), src).expect("write models.rs");
    std::fs::write(out_dir.join("embedded.rs"), index).expect("write embedded.rs");
}
