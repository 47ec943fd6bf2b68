//! Reads the parts of an ONNX graph that `quant_mlp` lowers: nodes (operator,
//! inputs, outputs, integer attributes), initializers (name, type, shape, data)
//! and the graph's input and output names.
//!
//! Shared with `build.rs` through `#[path]` (std only), and as bounded as the
//! operator scan whose field iterator it uses: every length is checked against
//! the bytes that remain, a tensor's data must match its shape exactly, and the
//! number of nodes and initializers is capped, so a hostile file is an error.

use std::fmt;

use super::onnx_scan::{utf8, Fields, ScanError, Value};

/// Most nodes or initializers read from one graph (our MLPs have a few dozen).
pub const MAX_GRAPH_ITEMS: usize = 4096;
/// Most elements in one initializer (a layer of 4096x4096 weights).
pub const MAX_TENSOR_ELEMENTS: u64 = 1 << 24;

/// ONNX `TensorProto.DataType` values read here.
pub const FLOAT: i32 = 1;
pub const UINT8: i32 = 2;
pub const INT8: i32 = 3;
pub const INT32: i32 = 6;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub op_type: String,
    pub domain: String,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    /// Integer attributes (`Cast`'s `to`); others are kept by name only.
    pub int_attrs: Vec<(String, i64)>,
    pub other_attrs: Vec<String>,
}

/// An initializer's values, widened to a type that holds each ONNX type exactly.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorData {
    Float(Vec<f32>),
    /// INT8, UINT8 and INT32 tensors.
    Int(Vec<i32>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Initializer {
    pub name: String,
    pub data_type: i32,
    pub dims: Vec<u64>,
    pub data: TensorData,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub initializers: Vec<Initializer>,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum GraphError {
    Scan(ScanError),
    TooManyItems,
    NoGraph,
    /// An initializer whose data does not fit its declared type and shape.
    BadTensor { name: String, message: String },
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::Scan(e) => e.fmt(f),
            GraphError::TooManyItems => write!(f, "ONNX graph has more than {MAX_GRAPH_ITEMS} nodes or initializers"),
            GraphError::NoGraph => write!(f, "ONNX model has no graph"),
            GraphError::BadTensor { name, message } => write!(f, "ONNX initializer {name:?}: {message}"),
        }
    }
}

impl std::error::Error for GraphError {}

impl From<ScanError> for GraphError {
    fn from(e: ScanError) -> Self {
        GraphError::Scan(e)
    }
}

impl Graph {
    pub fn initializer(&self, name: &str) -> Option<&Initializer> {
        self.initializers.iter().find(|i| i.name == name)
    }

    /// The node that writes `value`, if any.
    pub fn producer(&self, value: &str) -> Option<(usize, &Node)> {
        self.nodes.iter().enumerate().find(|(_, n)| n.outputs.iter().any(|o| o == value))
    }
}

/// Reads the main graph of a serialized `ModelProto`.
pub fn read(bytes: &[u8]) -> Result<Graph, GraphError> {
    for field in Fields::new(bytes, 0) {
        let field = field?;
        if let (7, Value::Bytes(b, at)) = (field.number, field.value) {
            return read_graph(b, at);
        }
    }
    Err(GraphError::NoGraph)
}

fn read_graph(bytes: &[u8], base: usize) -> Result<Graph, GraphError> {
    let mut graph = Graph::default();
    for field in Fields::new(bytes, base) {
        let field = field?;
        if graph.nodes.len() + graph.initializers.len() >= MAX_GRAPH_ITEMS {
            return Err(GraphError::TooManyItems);
        }
        match (field.number, field.value) {
            (1, Value::Bytes(b, at)) => graph.nodes.push(read_node(b, at)?),
            (5, Value::Bytes(b, at)) => graph.initializers.push(read_tensor(b, at)?),
            // ValueInfoProto { name = 1 }.
            (11, Value::Bytes(b, at)) => graph.inputs.push(first_string(b, at)?),
            (12, Value::Bytes(b, at)) => graph.outputs.push(first_string(b, at)?),
            _ => {}
        }
    }
    Ok(graph)
}

fn first_string(bytes: &[u8], base: usize) -> Result<String, GraphError> {
    for field in Fields::new(bytes, base) {
        let field = field?;
        if let (1, Value::Bytes(b, at)) = (field.number, field.value) {
            return Ok(utf8(b, at)?);
        }
    }
    Ok(String::new())
}

fn read_node(bytes: &[u8], base: usize) -> Result<Node, GraphError> {
    let mut node = Node {
        op_type: String::new(),
        domain: String::new(),
        inputs: Vec::new(),
        outputs: Vec::new(),
        int_attrs: Vec::new(),
        other_attrs: Vec::new(),
    };
    for field in Fields::new(bytes, base) {
        let field = field?;
        if node.inputs.len() + node.outputs.len() + node.int_attrs.len() + node.other_attrs.len() >= MAX_GRAPH_ITEMS {
            return Err(GraphError::TooManyItems);
        }
        match (field.number, field.value) {
            (1, Value::Bytes(b, at)) => node.inputs.push(utf8(b, at)?),
            (2, Value::Bytes(b, at)) => node.outputs.push(utf8(b, at)?),
            (4, Value::Bytes(b, at)) => node.op_type = utf8(b, at)?,
            (7, Value::Bytes(b, at)) => node.domain = utf8(b, at)?,
            (5, Value::Bytes(b, at)) => {
                // AttributeProto { name = 1, i = 3 }.
                let mut name = String::new();
                let mut int = None;
                for attr in Fields::new(b, at) {
                    let attr = attr?;
                    match (attr.number, attr.value) {
                        (1, Value::Bytes(s, sat)) => name = utf8(s, sat)?,
                        (3, Value::Varint(v)) => int = Some(v as i64),
                        _ => {}
                    }
                }
                match int {
                    Some(v) => node.int_attrs.push((name, v)),
                    None => node.other_attrs.push(name),
                }
            }
            _ => {}
        }
    }
    Ok(node)
}

fn read_tensor(bytes: &[u8], base: usize) -> Result<Initializer, GraphError> {
    let mut name = String::new();
    let mut data_type = 0;
    let mut dims = Vec::new();
    let mut raw: Option<&[u8]> = None;
    let mut floats: Option<&[u8]> = None;
    let mut int32s: Vec<u64> = Vec::new();
    for field in Fields::new(bytes, base) {
        let field = field?;
        match (field.number, field.value) {
            (1, Value::Varint(v)) => push_bounded(&mut dims, v)?,
            (1, Value::Bytes(b, at)) => {
                for v in packed_varints(b, at)? {
                    push_bounded(&mut dims, v)?;
                }
            }
            (2, Value::Varint(v)) => data_type = v as i32,
            (4, Value::Bytes(b, _)) => floats = Some(b),
            (5, Value::Varint(v)) => push_bounded(&mut int32s, v)?,
            (5, Value::Bytes(b, at)) => {
                for v in packed_varints(b, at)? {
                    push_bounded(&mut int32s, v)?;
                }
            }
            (8, Value::Bytes(b, at)) => name = utf8(b, at)?,
            (9, Value::Bytes(b, _)) => raw = Some(b),
            _ => {}
        }
    }
    let bad = |message: String| GraphError::BadTensor { name: name.clone(), message };
    let count = dims.iter().try_fold(1u64, |n, &d| n.checked_mul(d).filter(|&n| n <= MAX_TENSOR_ELEMENTS));
    let count = count.ok_or_else(|| bad(format!("shape {dims:?} has more than {MAX_TENSOR_ELEMENTS} elements")))? as usize;
    let width = match data_type {
        FLOAT | INT32 => 4,
        INT8 | UINT8 => 1,
        other => return Err(bad(format!("data type {other} is not float, int8, uint8 or int32"))),
    };
    let data = if let Some(raw) = raw {
        if raw.len() != count * width {
            return Err(bad(format!("{} data bytes for {count} elements of {width} bytes", raw.len())));
        }
        match data_type {
            FLOAT => TensorData::Float(raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()),
            INT32 => TensorData::Int(raw.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()),
            INT8 => TensorData::Int(raw.iter().map(|&b| i32::from(b as i8)).collect()),
            _ => TensorData::Int(raw.iter().map(|&b| i32::from(b)).collect()),
        }
    } else if data_type == FLOAT {
        let floats = floats.unwrap_or_default();
        if floats.len() != count * 4 {
            return Err(bad(format!("{} float_data bytes for {count} elements", floats.len())));
        }
        TensorData::Float(floats.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    } else {
        // int32_data holds INT8, UINT8 and INT32 values, one varint each.
        if int32s.len() != count {
            return Err(bad(format!("{} int32_data values for {count} elements", int32s.len())));
        }
        TensorData::Int(int32s.iter().map(|&v| v as i32).collect())
    };
    Ok(Initializer { name, data_type, dims, data })
}

fn push_bounded(values: &mut Vec<u64>, v: u64) -> Result<(), GraphError> {
    if values.len() as u64 >= MAX_TENSOR_ELEMENTS {
        return Err(GraphError::TooManyItems);
    }
    values.push(v);
    Ok(())
}

/// The varints of a packed repeated field.
fn packed_varints(bytes: &[u8], base: usize) -> Result<Vec<u64>, GraphError> {
    let mut out = Vec::new();
    let mut value = 0u64;
    let mut shift = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if shift >= 64 {
            return Err(ScanError::Truncated { offset: base + i }.into());
        }
        value |= u64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            push_bounded(&mut out, value)?;
            value = 0;
            shift = 0;
        }
    }
    if shift != 0 {
        return Err(ScanError::Truncated { offset: base + bytes.len() }.into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    fn bytes_field(number: u64, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        varint(number << 3 | 2, &mut out);
        varint(payload.len() as u64, &mut out);
        out.extend_from_slice(payload);
        out
    }

    fn varint_field(number: u64, v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        varint(number << 3, &mut out);
        varint(v, &mut out);
        out
    }

    /// A model whose graph holds one initializer named "t".
    fn model_with_tensor(dims: &[u64], data_type: u64, data: &[u8]) -> Vec<u8> {
        let mut tensor = Vec::new();
        for &d in dims {
            tensor.extend(varint_field(1, d));
        }
        tensor.extend(varint_field(2, data_type));
        tensor.extend(bytes_field(8, b"t"));
        tensor.extend_from_slice(data);
        bytes_field(7, &bytes_field(5, &tensor))
    }

    fn bad_tensor(bytes: &[u8]) -> String {
        match read(bytes) {
            Err(GraphError::BadTensor { name, message }) => {
                assert_eq!(name, "t");
                message
            }
            other => panic!("expected BadTensor, got {other:?}"),
        }
    }

    #[test]
    fn reads_raw_and_int32_data() {
        let raw: Vec<u8> = [1.5f32, -2.0].iter().flat_map(|f| f.to_le_bytes()).collect();
        let graph = read(&model_with_tensor(&[2], FLOAT as u64, &bytes_field(9, &raw))).unwrap();
        assert_eq!(graph.initializers[0].data, TensorData::Float(vec![1.5, -2.0]));
        // int8 values in int32_data, negative ones as 64-bit two's complement varints.
        let mut packed = Vec::new();
        varint(5, &mut packed);
        varint(-3i64 as u64, &mut packed);
        let graph = read(&model_with_tensor(&[2], INT8 as u64, &bytes_field(5, &packed))).unwrap();
        assert_eq!(graph.initializers[0].data, TensorData::Int(vec![5, -3]));
        assert_eq!(graph.initializers[0].dims, vec![2]);
    }

    #[test]
    fn refuses_data_that_does_not_match_the_shape() {
        let m = bad_tensor(&model_with_tensor(&[3], FLOAT as u64, &bytes_field(9, &[0; 8])));
        assert!(m.contains("8 data bytes for 3 elements"), "{m}");
        let m = bad_tensor(&model_with_tensor(&[2, 2], INT8 as u64, &bytes_field(5, &[1, 2, 3])));
        assert!(m.contains("3 int32_data values for 4 elements"), "{m}");
        let m = bad_tensor(&model_with_tensor(&[4], FLOAT as u64, &[]));
        assert!(m.contains("0 float_data bytes for 4 elements"), "{m}");
    }

    #[test]
    fn refuses_other_types_and_huge_shapes_before_allocating() {
        let m = bad_tensor(&model_with_tensor(&[1], 11, &bytes_field(9, &[0; 8])));
        assert!(m.contains("data type 11"), "{m}");
        // 2^32 x 2^32 elements: refused from the shape alone (the product overflows the cap).
        let m = bad_tensor(&model_with_tensor(&[1 << 32, 1 << 32], FLOAT as u64, &[]));
        assert!(m.contains("more than"), "{m}");
    }

    #[test]
    fn refuses_a_model_without_a_graph_and_too_many_nodes() {
        assert_eq!(read(&varint_field(1, 8)), Err(GraphError::NoGraph));
        let node = bytes_field(1, &bytes_field(4, b"Relu"));
        let graph: Vec<u8> = std::iter::repeat_n(node, MAX_GRAPH_ITEMS + 1).flatten().collect();
        assert_eq!(read(&bytes_field(7, &graph)), Err(GraphError::TooManyItems));
        // A truncated length is the scanner's error, with its offset.
        assert!(matches!(read(&[0x3a, 0x05, 0x0a]), Err(GraphError::Scan(ScanError::Truncated { .. }))));
    }
}
