//! A minimal, bounds-checked walk over an ONNX file's protobuf encoding that lists
//! what the graph would execute: every node's operator (including nodes inside
//! subgraphs), the model's local functions and any external-data references.
//!
//! `build.rs` uses it (through `#[path]`, so: `std` only) to refuse, before code
//! generation, any model that uses an operator outside [`ALLOWED_OPS`] or a custom
//! domain. It never trusts a length it reads: every field is checked against the
//! bytes that remain, nesting is capped and so is the number of entries it records,
//! so a hostile file yields an error, not a panic, a huge allocation or a hang.

use std::fmt;

/// Operators our models may use (default ONNX domain only). Everything here is pure
/// arithmetic on tensors: nothing reads files, the network or the clock, and nothing
/// branches into subgraphs.
pub const ALLOWED_OPS: &[&str] = &[
    "Abs", "Add", "Cast", "Clip", "Concat", "Constant", "DequantizeLinear", "Div", "DynamicQuantizeLinear",
    "Equal", "Exp", "Flatten", "Gather", "Gemm", "Identity", "MatMul", "MatMulInteger", "Max", "Min", "Mul", "Neg",
    "Pow", "ReduceMean",
    "ReduceSum", "Relu", "Reshape", "Sigmoid", "Slice", "Sqrt", "Squeeze", "Sub", "Tanh",
    "Transpose", "Unsqueeze", "Where",
];

const MAX_DEPTH: u32 = 16;

/// Most entries one scan records: nodes, opset imports, local functions and
/// external-data references together. Our models have a few dozen nodes. Without
/// a cap, a 2-byte empty node costs ~50 bytes of summary: a 64 MiB file (the size
/// limit) took ~1.6 GB.
pub const MAX_ENTRIES: usize = 1 << 16;

/// One node's operator identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpRef {
    /// Empty or `ai.onnx` for the default domain.
    pub domain: String,
    pub op_type: String,
}

/// What a scan found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OnnxSummary {
    pub ir_version: u64,
    /// `(domain, version)` pairs from `opset_import`.
    pub opsets: Vec<(String, u64)>,
    pub ops: Vec<OpRef>,
    /// Names of model-local functions (a way to smuggle custom ops).
    pub functions: Vec<String>,
    /// `location` values of tensors stored outside the file.
    pub external_data: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanError {
    Truncated { offset: usize },
    BadWireType { offset: usize, wire_type: u8 },
    TooDeep,
    NotUtf8 { offset: usize },
    TooManyEntries,
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanError::Truncated { offset } => write!(f, "ONNX protobuf truncated at byte {offset}"),
            ScanError::BadWireType { offset, wire_type } => {
                write!(f, "ONNX protobuf has invalid wire type {wire_type} at byte {offset}")
            }
            ScanError::TooDeep => write!(f, "ONNX graph nesting deeper than {MAX_DEPTH} levels"),
            ScanError::NotUtf8 { offset } => write!(f, "ONNX string at byte {offset} is not UTF-8"),
            ScanError::TooManyEntries => write!(
                f,
                "ONNX model has more than {MAX_ENTRIES} nodes, opset imports, functions and external-data references"
            ),
        }
    }
}

impl std::error::Error for ScanError {}

/// A violation of the operator policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyViolation {
    CustomDomain(OpRef),
    NotAllowed(OpRef),
    LocalFunction(String),
}

impl fmt::Display for PolicyViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyViolation::CustomDomain(op) => {
                write!(f, "operator {} uses custom domain {:?}", op.op_type, op.domain)
            }
            PolicyViolation::NotAllowed(op) => write!(f, "operator {} is not on the allowlist", op.op_type),
            PolicyViolation::LocalFunction(name) => {
                write!(f, "model-local function {name:?} is not allowed")
            }
        }
    }
}

impl OnnxSummary {
    /// Every way this model breaks the operator policy (empty: allowed).
    pub fn violations(&self) -> Vec<PolicyViolation> {
        let mut out = Vec::new();
        // Each offending operator once, in order of first use. A set, not
        // `out.contains` per node: that was quadratic (a 500 KB file of 65,000
        // distinct operators took minutes).
        let mut seen = std::collections::BTreeSet::new();
        for op in &self.ops {
            let custom_domain = !(op.domain.is_empty() || op.domain == "ai.onnx");
            if !custom_domain && ALLOWED_OPS.contains(&op.op_type.as_str()) {
                continue;
            }
            if !seen.insert((op.domain.as_str(), op.op_type.as_str())) {
                continue;
            }
            out.push(if custom_domain {
                PolicyViolation::CustomDomain(op.clone())
            } else {
                PolicyViolation::NotAllowed(op.clone())
            });
        }
        out.extend(self.functions.iter().cloned().map(PolicyViolation::LocalFunction));
        out
    }
}

/// Scans a serialized `ModelProto`.
pub fn scan(bytes: &[u8]) -> Result<OnnxSummary, ScanError> {
    let mut summary = OnnxSummary::default();
    for field in Fields::new(bytes, 0) {
        let field = field?;
        match (field.number, field.value) {
            (1, Value::Varint(v)) => summary.ir_version = v,
            (7, Value::Bytes(b, at)) => scan_graph(b, at, 1, &mut summary)?,
            (8, Value::Bytes(b, at)) => {
                check_room(&summary)?;
                summary.opsets.push(scan_opset(b, at)?);
            }
            (25, Value::Bytes(b, at)) => {
                check_room(&summary)?;
                let name = first_string(b, at, 1)?.unwrap_or_default();
                summary.functions.push(name);
            }
            _ => {}
        }
    }
    // Each location once, in order of first use. A set, not `Vec::contains` per
    // reference: that was quadratic (a 4 MB file of distinct locations took 40 s).
    let mut seen = std::collections::BTreeSet::new();
    summary.external_data.retain(|location| seen.insert(location.clone()));
    Ok(summary)
}

/// Refuses to record one more entry once the summary holds `MAX_ENTRIES`.
fn check_room(summary: &OnnxSummary) -> Result<(), ScanError> {
    let entries =
        summary.ops.len() + summary.opsets.len() + summary.functions.len() + summary.external_data.len();
    if entries >= MAX_ENTRIES {
        return Err(ScanError::TooManyEntries);
    }
    Ok(())
}

fn scan_opset(bytes: &[u8], base: usize) -> Result<(String, u64), ScanError> {
    let mut domain = String::new();
    let mut version = 0;
    for field in Fields::new(bytes, base) {
        let field = field?;
        match (field.number, field.value) {
            (1, Value::Bytes(b, at)) => domain = utf8(b, at)?,
            (2, Value::Varint(v)) => version = v,
            _ => {}
        }
    }
    Ok((domain, version))
}

fn scan_graph(bytes: &[u8], base: usize, depth: u32, out: &mut OnnxSummary) -> Result<(), ScanError> {
    if depth > MAX_DEPTH {
        return Err(ScanError::TooDeep);
    }
    for field in Fields::new(bytes, base) {
        let field = field?;
        match (field.number, field.value) {
            (1, Value::Bytes(b, at)) => scan_node(b, at, depth, out)?,
            // initializer and sparse_initializer (values are TensorProtos).
            (5, Value::Bytes(b, at)) => scan_tensor(b, at, out)?,
            _ => {}
        }
    }
    Ok(())
}

fn scan_node(bytes: &[u8], base: usize, depth: u32, out: &mut OnnxSummary) -> Result<(), ScanError> {
    let mut op = OpRef { domain: String::new(), op_type: String::new() };
    for field in Fields::new(bytes, base) {
        let field = field?;
        match (field.number, field.value) {
            (4, Value::Bytes(b, at)) => op.op_type = utf8(b, at)?,
            (7, Value::Bytes(b, at)) => op.domain = utf8(b, at)?,
            (5, Value::Bytes(b, at)) => scan_attribute(b, at, depth, out)?,
            _ => {}
        }
    }
    check_room(out)?;
    out.ops.push(op);
    Ok(())
}

fn scan_attribute(bytes: &[u8], base: usize, depth: u32, out: &mut OnnxSummary) -> Result<(), ScanError> {
    for field in Fields::new(bytes, base) {
        let field = field?;
        match (field.number, field.value) {
            // g and graphs: subgraphs of If/Loop/Scan. Their nodes count too.
            (6 | 11, Value::Bytes(b, at)) => scan_graph(b, at, depth + 1, out)?,
            // t and tensors: constant tensors may point at external data.
            (5 | 10, Value::Bytes(b, at)) => scan_tensor(b, at, out)?,
            _ => {}
        }
    }
    Ok(())
}

fn scan_tensor(bytes: &[u8], base: usize, out: &mut OnnxSummary) -> Result<(), ScanError> {
    for field in Fields::new(bytes, base) {
        let field = field?;
        // external_data: StringStringEntryProto { key = 1, value = 2 }.
        if let (13, Value::Bytes(b, at)) = (field.number, field.value) {
            let mut key = String::new();
            let mut value = String::new();
            for kv in Fields::new(b, at) {
                let kv = kv?;
                match (kv.number, kv.value) {
                    (1, Value::Bytes(s, sat)) => key = utf8(s, sat)?,
                    (2, Value::Bytes(s, sat)) => value = utf8(s, sat)?,
                    _ => {}
                }
            }
            if key == "location" {
                // Every reference is recorded (and counted); `scan` drops repeats.
                check_room(out)?;
                out.external_data.push(value);
            }
        }
    }
    Ok(())
}

fn first_string(bytes: &[u8], base: usize, number: u64) -> Result<Option<String>, ScanError> {
    for field in Fields::new(bytes, base) {
        let field = field?;
        if let (n, Value::Bytes(b, at)) = (field.number, field.value)
            && n == number
        {
            return Ok(Some(utf8(b, at)?));
        }
    }
    Ok(None)
}

pub(crate) fn utf8(bytes: &[u8], at: usize) -> Result<String, ScanError> {
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| ScanError::NotUtf8 { offset: at })
}

pub(crate) enum Value<'a> {
    Varint(u64),
    /// Length-delimited payload and its absolute offset in the file.
    Bytes(&'a [u8], usize),
    Fixed,
}

pub(crate) struct Field<'a> {
    pub(crate) number: u64,
    pub(crate) value: Value<'a>,
}

/// Iterates the top-level fields of one protobuf message (also used by
/// `onnx_graph`, which reads the tensors this scan only walks past).
pub(crate) struct Fields<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: usize,
    failed: bool,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(bytes: &'a [u8], base: usize) -> Self {
        Fields { bytes, pos: 0, base, failed: false }
    }

    fn varint(&mut self) -> Result<u64, ScanError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self
                .bytes
                .get(self.pos)
                .ok_or(ScanError::Truncated { offset: self.base + self.pos })?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(ScanError::Truncated { offset: self.base + self.pos })
    }

    fn skip(&mut self, n: u64) -> Result<usize, ScanError> {
        let start = self.pos;
        let remaining = (self.bytes.len() - self.pos) as u64;
        if n > remaining {
            return Err(ScanError::Truncated { offset: self.base + self.bytes.len() });
        }
        self.pos += n as usize;
        Ok(start)
    }

    fn field(&mut self) -> Result<Field<'a>, ScanError> {
        let at = self.base + self.pos;
        let key = self.varint()?;
        let number = key >> 3;
        let value = match (key & 7) as u8 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.skip(8)?;
                Value::Fixed
            }
            2 => {
                let len = self.varint()?;
                let start = self.skip(len)?;
                Value::Bytes(&self.bytes[start..self.pos], self.base + start)
            }
            5 => {
                self.skip(4)?;
                Value::Fixed
            }
            wire_type => return Err(ScanError::BadWireType { offset: at, wire_type }),
        };
        Ok(Field { number, value })
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Field<'a>, ScanError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.bytes.len() {
            return None;
        }
        let field = self.field();
        self.failed = field.is_err();
        Some(field)
    }
}
