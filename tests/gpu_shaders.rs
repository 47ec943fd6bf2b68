//! Tier 0 (no GPU needed): every shader parses and validates with naga (the version
//! wgpu 30 compiles them with), with the 64-bit helpers on u32 pairs and native (a
//! device with `SHADER_INT64`), its bindings are the ones its bind-group layout
//! declares, and every `#[repr(C)]` struct shared with WGSL has naga's size and member
//! offsets.

use std::collections::BTreeSet;

use naga::valid::{Capabilities, ValidationFlags, Validator};
use tinyvmaf_gpu::features::prelude::{COMMON_WGSL, W64_NATIVE_WGSL, W64_PAIRS_WGSL};
use tinyvmaf_gpu::gpu::kernel::SharedStruct;
use tinyvmaf_gpu::gpu::{Binding, Pass, ShaderOptions, WORKGROUP_SIZE};
use tinyvmaf_gpu::{features, model};

/// Every pass: the features' and the model's.
fn passes() -> Vec<&'static Pass> {
    features::PASSES.iter().chain(&model::int8::gpu::PASSES).copied().collect()
}

/// Every params struct shared with WGSL.
fn shared_structs() -> Vec<SharedStruct> {
    [features::shared_structs(), model::int8::gpu::shared_structs()].concat()
}

mod common;

/// Both ways the 64-bit helpers compile: u32 pairs, native.
const OPTIONS: [ShaderOptions; 2] = [ShaderOptions { int64: false }, ShaderOptions { int64: true }];

fn parse(pass: &Pass) -> naga::Module {
    parse_with(pass, ShaderOptions::default())
}

fn parse_with(pass: &Pass, options: ShaderOptions) -> naga::Module {
    let source = pass.source(options);
    naga::front::wgsl::parse_str(&source)
        .unwrap_or_else(|e| panic!("shaders/{}.wgsl: {}", pass.name, e.emit_to_string(&source)))
}

#[test]
fn every_shader_file_is_a_pass_and_every_pass_a_file() {
    let dir = common::manifest_dir().join("shaders");
    let files: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".wgsl"))
        .collect();
    let mut expected: BTreeSet<String> = passes().iter().map(|p| format!("{}.wgsl", p.name)).collect();
    // The prelude's files: what every pass is compiled behind.
    expected.extend(["common.wgsl", "w64_pairs.wgsl", "w64_native.wgsl"].map(str::to_owned));
    assert_eq!(files, expected, "shaders/ and the pass tables disagree");
    for pass in passes() {
        let on_disk = std::fs::read_to_string(dir.join(format!("{}.wgsl", pass.name))).unwrap();
        assert_eq!(on_disk, pass.file, "{}: embedded text is stale", pass.name);
    }
    for (file, text) in [("common.wgsl", COMMON_WGSL), ("w64_pairs.wgsl", W64_PAIRS_WGSL), ("w64_native.wgsl", W64_NATIVE_WGSL)] {
        assert_eq!(std::fs::read_to_string(dir.join(file)).unwrap(), text, "{file}: embedded text is stale");
    }
}

#[test]
fn every_pass_parses_and_validates() {
    for (pass, options) in passes().into_iter().flat_map(|p| OPTIONS.map(|o| (p, o))) {
        let module = parse_with(pass, options);
        // The pairs validate without `SHADER_INT64`: any adapter runs them.
        let capabilities = if options.int64 { Capabilities::SHADER_INT64 } else { Capabilities::default() };
        Validator::new(ValidationFlags::all(), capabilities)
            .validate(&module)
            .unwrap_or_else(|e| panic!("shaders/{}.wgsl {options:?}: {}", pass.name, e.emit_to_string(&pass.source(options))));
        let [entry] = module.entry_points.as_slice() else {
            panic!("{}: expected exactly one entry point", pass.name)
        };
        assert_eq!(entry.name, "main", "{}", pass.name);
        assert_eq!(entry.stage, naga::ShaderStage::Compute, "{}", pass.name);
        assert_eq!(entry.workgroup_size, [WORKGROUP_SIZE, 1, 1], "{}", pass.name);
    }
}

#[test]
fn bindings_match_the_bind_group_layouts() {
    for pass in passes() {
        let module = parse(pass);
        let mut found: Vec<(u32, Binding)> = module
            .global_variables
            .iter()
            .filter_map(|(_, g)| {
                let rb = g.binding.as_ref()?;
                assert_eq!(rb.group, 0, "{}: only group 0 is used", pass.name);
                let kind = match g.space {
                    naga::AddressSpace::Uniform => Binding::Uniform,
                    naga::AddressSpace::Storage { access } if access.contains(naga::StorageAccess::STORE) => {
                        Binding::ReadWrite
                    }
                    naga::AddressSpace::Storage { .. } => Binding::Read,
                    other => panic!("{}: unexpected address space {other:?}", pass.name),
                };
                Some((rb.binding, kind))
            })
            .collect();
        found.sort_by_key(|(b, _)| *b);
        let expected: Vec<(u32, Binding)> =
            pass.bindings.iter().enumerate().map(|(i, &b)| (i as u32, b)).collect();
        assert_eq!(found, expected, "{}: WGSL bindings vs the Pass table", pass.name);
    }
}

#[test]
fn shared_structs_match_naga_layout() {
    let structs = shared_structs();
    assert!(!structs.is_empty());
    for s in &structs {
        assert!(!s.passes.is_empty());
        for &name in s.passes {
            let pass = passes().into_iter().find(|p| p.name == name).unwrap_or_else(|| panic!("no pass {name}"));
            let module = parse(pass);
            let (members, span) = module
                .types
                .iter()
                .find_map(|(_, t)| match (&t.name, &t.inner) {
                    (Some(n), naga::TypeInner::Struct { members, span }) if n == s.name => Some((members, *span)),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{name}.wgsl declares no struct {}", s.name));
            assert_eq!(span as usize, s.size, "{name}.wgsl {}: size", s.name);
            let wgsl: Vec<(&str, usize)> =
                members.iter().map(|m| (m.name.as_deref().unwrap_or("?"), m.offset as usize)).collect();
            assert_eq!(wgsl, s.members, "{name}.wgsl {}: member names and offsets", s.name);
        }
    }
}

#[test]
fn prelude_constants_come_from_the_tables() {
    let module = parse(passes()[0]);
    let taps = module
        .constants
        .iter()
        .find(|(_, c)| c.name.as_deref() == Some("MOTION_TAPS"))
        .map(|(_, c)| c.init)
        .expect("MOTION_TAPS in the prelude");
    let naga::Expression::Compose { components, .. } = &module.global_expressions[taps] else {
        panic!("MOTION_TAPS is not an array literal")
    };
    let values: Vec<i32> = components
        .iter()
        .map(|&h| match module.global_expressions[h] {
            naga::Expression::Literal(naga::Literal::I32(v)) => v,
            ref other => panic!("unexpected tap {other:?}"),
        })
        .collect();
    assert_eq!(values, tinyvmaf_gpu::features::tables::MOTION_TAPS);
}
