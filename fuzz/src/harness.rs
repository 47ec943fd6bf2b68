//! What each fuzz target does with one input. Shared by the fuzz crate (whose
//! `crate::io`, `crate::registry` and `crate::batch` are the parser files included
//! through `#[path]`) and by the main crate's `tests/fuzz_regressions.rs` (where
//! they are aliases of `tinyvmaf_gpu::io` etc.), so the regression test replays
//! the corpora through the very same checks.
//!
//! Every function must return normally on any input: a parser error is a fine
//! answer, a panic (including a failed `assert!` below) is a bug. The asserts
//! state the invariants that keep a hostile file from costing unbounded time or
//! memory: geometry within the cap, at most one frame per input byte, and so on.

use std::path::Path;

use crate::batch::manifest::{self, ManifestFormat};
use crate::compat::cli::{self, Parsed};
use crate::compat::spec::{FeatureSpec, MAX_ENTRIES, MAX_SPEC_BYTES, ModelSpec};
use crate::io::{Frame, FrameSource, IoError, MAX_DIMENSION, VideoInfo, Y4mReader, YuvReader};
use crate::registry::{build_check, onnx_graph, onnx_scan, pin, quant_mlp};

/// `data` is a whole Y4M stream: parse the header, then read frames until the
/// end of the stream or the first error.
pub fn y4m(data: &[u8]) {
    let Ok(mut reader) = Y4mReader::new(data) else { return };
    let info = *reader.info();
    read_all(&mut reader, &info, data.len());
}

/// The pixel-format names the `yuv` target picks from with its selector byte.
pub const YUV_FORMATS: &[&str] = &[
    "yuv420p",
    "yuv422p",
    "yuv444p",
    "yuv420p10le",
    "yuv422p10le",
    "yuv444p10le",
    "yuv420p12le",
    "yuv422p12le",
    "yuv444p12le",
    "yuv420p16le",
    "yuv422p16le",
    "yuv444p16le",
];

/// One input of the `yuv` target, decoded from the fuzzer's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YuvInput<'a> {
    pub width: usize,
    pub height: usize,
    pub pixel_format: String,
    pub file: &'a [u8],
}

/// Splits the `yuv` target's bytes: width (u64 LE), height (u64 LE), a selector
/// byte (below `YUV_FORMATS.len()`: that name; otherwise a length byte and that
/// many bytes of name, lossily UTF-8), and the rest is the raw file. `None` when
/// the bytes are too short to hold the fixed part.
pub fn decode_yuv_input(data: &[u8]) -> Option<YuvInput<'_>> {
    let width = u64::from_le_bytes(data.get(0..8)?.try_into().ok()?);
    let height = u64::from_le_bytes(data.get(8..16)?.try_into().ok()?);
    let selector = *data.get(16)? as usize;
    let (pixel_format, file) = match YUV_FORMATS.get(selector) {
        Some(name) => (name.to_string(), &data[17..]),
        None => {
            let len = *data.get(17)? as usize;
            let name = data.get(18..18 + len)?;
            (String::from_utf8_lossy(name).into_owned(), &data[18 + len..])
        }
    };
    // Saturate rather than wrap, so a 32-bit host still sees a huge value as huge.
    let dim = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    Some(YuvInput { width: dim(width), height: dim(height), pixel_format, file })
}

/// Raw YUV: arbitrary geometry and pixel-format name over arbitrary file bytes.
pub fn yuv(data: &[u8]) {
    let Some(input) = decode_yuv_input(data) else { return };
    let Ok(mut reader) = YuvReader::new(input.file, input.width, input.height, &input.pixel_format) else {
        return;
    };
    let info = *reader.info();
    read_all(&mut reader, &info, input.file.len());
}

/// Reads every frame of `source`, checking each against the stream's geometry.
/// `input_len` bounds the frame count: every frame consumes at least one byte, so
/// more frames than bytes would mean a reader that loops without reading.
fn read_all(source: &mut dyn FrameSource, info: &VideoInfo, input_len: usize) {
    assert!(
        (1..=MAX_DIMENSION).contains(&info.width) && (1..=MAX_DIMENSION).contains(&info.height),
        "geometry {}x{} passed the reader's check",
        info.width,
        info.height
    );
    assert!(matches!(info.bit_depth, 8 | 10 | 12 | 16), "bit depth {}", info.bit_depth);
    let mut frames = 0usize;
    loop {
        match source.next_frame() {
            Ok(Some(frame)) => {
                check_frame(info, &frame);
                frames += 1;
                assert!(frames <= input_len, "{frames} frames from {input_len} bytes");
            }
            Ok(None) => break,
            Err(e) => {
                let _ = e.to_string();
                // Any error ends the stream: a caller that keeps asking must not loop.
                assert!(matches!(source.next_frame(), Ok(None)), "a stream goes on after {e:?}");
                break;
            }
        }
    }
}

fn check_frame(info: &VideoInfo, frame: &Frame) {
    assert_eq!(&frame.info, info);
    for (p, plane) in frame.planes.iter().enumerate() {
        let (w, h) = info.plane_dims(p);
        assert_eq!((plane.width, plane.height, plane.data.len()), (w, h, w * h), "plane {p}");
    }
}

/// The bytes as a registry and as a sidecar, through JSON Schema and serde; for a
/// registry that passes, the per-entry path helpers the build step uses next.
pub fn registry(data: &[u8]) {
    let path = Path::new("fuzz.json");
    match build_check::parse_registry(path, data) {
        Ok(registry) => {
            for entry in &registry.models {
                let _ = entry.module_name();
                // Resolving is pure path logic (no file is read): what a hostile
                // registry could use to point outside the model folder.
                for relative in [Some(entry.onnx.clone()), Some(entry.sidecar_path()), entry.int8_path()]
                    .into_iter()
                    .flatten()
                {
                    if let Ok(resolved) = pin::resolve(Path::new("/models"), &relative) {
                        assert!(resolved.starts_with("/models"), "{relative:?} resolved to {resolved:?}");
                    }
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    match build_check::parse_sidecar(path, data) {
        Ok(sidecar) => {
            let _ = serde_json::to_string(&sidecar);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// The bytes as an ONNX `ModelProto`: the operator scan, then the int8 graph
/// reader and lowering `build.rs` runs on quantized models.
pub fn onnx_scan(data: &[u8]) {
    match onnx_scan::scan(data) {
        Ok(summary) => {
            // Each entry takes at least two bytes of the file, and there is a cap.
            let found =
                summary.ops.len() + summary.opsets.len() + summary.functions.len() + summary.external_data.len();
            assert!(found <= data.len() && found <= onnx_scan::MAX_ENTRIES, "{found} entries from {} bytes", data.len());
            for violation in summary.violations() {
                let _ = violation.to_string();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    // The same bytes as an int8 graph for `build.rs`'s lowering: the reader's
    // tensors match their shapes and caps, and the lowering answers with tables
    // whose sizes agree, or an error.
    if let Ok(graph) = onnx_graph::read(data) {
        assert!(graph.nodes.len() + graph.initializers.len() <= onnx_graph::MAX_GRAPH_ITEMS);
        for init in &graph.initializers {
            let len = match &init.data {
                onnx_graph::TensorData::Float(v) => v.len(),
                onnx_graph::TensorData::Int(v) => v.len(),
            };
            assert_eq!(len as u64, init.dims.iter().product::<u64>(), "{}", init.name);
        }
    }
    match quant_mlp::lower_bytes(data) {
        Ok(mlp) => {
            for layer in &mlp.layers {
                assert_eq!(layer.packed_weights.len(), (layer.inputs * layer.outputs).div_ceil(4));
                assert_eq!(layer.bias.len(), layer.outputs);
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// The bytes (lossily UTF-8, as a file with a stray bad byte would not even be
/// read; this lets every input reach the parser) as a CSV manifest and as a JSON
/// Lines manifest. For each pair that resolves, its raw geometry goes where
/// `batch` sends it: a YUV reader's constructor.
pub fn manifest(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = ManifestFormat::detect(Path::new("manifest"), &text);
    for format in [ManifestFormat::Csv, ManifestFormat::JsonLines] {
        let pairs = match manifest::parse(&text, format, Path::new("/m"), &[]) {
            Ok(pairs) => pairs,
            Err(e) => {
                assert!(e.line >= 1, "row error on line 0: {e:?}");
                continue;
            }
        };
        assert!(pairs.len() <= text.len(), "{} pairs from {} bytes", pairs.len(), text.len());
        for pair in &pairs {
            assert!(!pair.models.is_empty() && !pair.id.trim().is_empty(), "{pair:?}");
            if let Some(raw) = &pair.reference_spec().raw {
                match YuvReader::new(std::io::empty(), raw.width, raw.height, &raw.pixel_format) {
                    Ok(mut reader) => assert!(matches!(reader.next_frame(), Ok(None))),
                    Err(IoError::Io(e)) => panic!("a constructor did I/O: {e}"),
                    Err(_) => {}
                }
            }
        }
    }
}

/// The bytes (lossily UTF-8) as a libvmaf `--model` string and as a `--feature`
/// string. What parses has at most [`MAX_ENTRIES`] options, came from at most
/// [`MAX_SPEC_BYTES`] bytes, and prints as a canonical string that parses back to
/// the same spec (so nothing the parser accepted was dropped or reinterpreted).
pub fn spec(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(model) = ModelSpec::parse(&text) {
        assert!(text.len() <= MAX_SPEC_BYTES && model.overrides.len() <= MAX_ENTRIES, "{model:?}");
        assert!(!model.name.is_empty(), "{model:?}");
        assert_eq!(ModelSpec::parse(&model.to_string()).as_ref(), Ok(&model), "{text:?}");
    }
    if let Ok(feature) = FeatureSpec::parse(&text) {
        assert!(text.len() <= MAX_SPEC_BYTES && feature.options.len() <= MAX_ENTRIES, "{feature:?}");
        assert!(!feature.name.is_empty(), "{feature:?}");
        assert_eq!(FeatureSpec::parse(&feature.to_string()).as_ref(), Ok(&feature), "{text:?}");
    }
}

/// `data` is a `vmaf` command line: its arguments separated by NUL bytes (lossily
/// UTF-8). What parses must hold what libvmaf's checks guarantee: both inputs
/// named, complete raw geometry when any of it is given, a model unless
/// `--no_prediction`, uniquely named models, the entry limits; getopt's warnings
/// are at most one per input byte.
pub fn vmaf_cli(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let args: Vec<String> = text.split('\0').map(str::to_owned).collect();
    let Ok(Parsed::Run(c)) = cli::parse("vmaf", &args) else { return };
    assert!(c.no_prediction || !c.models.is_empty(), "{c:?}");
    assert!(c.models.len() <= MAX_ENTRIES + 2 && c.features.len() <= MAX_ENTRIES + 6, "{c:?}");
    for (i, m) in c.models.iter().enumerate() {
        assert!(c.models[..i].iter().all(|o| o.name != m.name), "{c:?}");
    }
    if let Some(g) = c.raw {
        assert!(g.width > 0 && g.height > 0 && [8, 10, 12, 16].contains(&g.bitdepth), "{c:?}");
    }
    assert!(c.warnings.len() <= data.len(), "{c:?}");
}
