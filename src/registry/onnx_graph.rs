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
        if let (7, Value::Bytes(b, at)) = {
            let f = field?;
            (f.number, f.value)
        } {
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
        if let (1, Value::Bytes(b, at)) = {
            let f = field?;
            (f.number, f.value)
        } {
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
