//! Lowers an int8 graph made by ONNX Runtime's dynamic quantization of one of our
//! MLPs into the tables the int8 runtime uses (`crate::model::int8`), or refuses it.
//!
//! burn-onnx cannot import `DynamicQuantizeLinear`/`MatMulInteger`, and burn's
//! wgpu backend has no i8, so `build.rs` runs this after the graph's sha256 check
//! and embeds the result: int8 weights packed four to a u32, each layer's weight
//! scale and zero point, biases, the input scaler and the output clip.
//!
//! The pattern, walked backwards from the graph output so every node is accounted
//! for (any node outside it is an error, never silently skipped):
//!
//! ```text
//! features → Sub(mean) → Div(std)
//!   → per layer: DynamicQuantizeLinear(x) → (xq, xs, xz)
//!                MatMulInteger(xq, Wq, xz, Wz) → Cast(float) → Mul(·, Mul(xs, Ws)) → Add(bias) [→ Relu]
//!   → Clip(min, max) → score
//! ```
//!
//! Shared with `build.rs` through `#[path]`: std only.

use std::fmt;
use std::fmt::Write as _;

use super::onnx_graph::{self, Graph, Node, TensorData};

/// One quantized `MatMul` + bias (+ ReLU).
#[derive(Debug, Clone, PartialEq)]
pub struct QuantLayer {
    /// Input and output widths: the weights are `[inputs, outputs]`, row-major.
    pub inputs: usize,
    pub outputs: usize,
    /// The int8 weights, four to a word: element `i` is byte `i % 4` (little-endian) of word `i / 4`.
    pub packed_weights: Vec<u32>,
    pub weight_scale: f32,
    pub weight_zero_point: i32,
    pub bias: Vec<f32>,
    pub relu: bool,
}

impl QuantLayer {
    /// Element `i` of the weights, sign-extended.
    pub fn weight(&self, i: usize) -> i32 {
        i32::from((self.packed_weights[i / 4] >> (8 * (i % 4))) as u8 as i8)
    }
}

/// An int8 MLP: input scaler, quantized layers, output clip.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantMlp {
    pub inputs: usize,
    /// `(x - mean) / std` per input feature; empty when the graph has no scaler.
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    pub layers: Vec<QuantLayer>,
    pub clip: Option<(f32, f32)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LowerError {
    Graph(onnx_graph::GraphError),
    /// The graph is not the pattern above; says where it differs.
    Unsupported(String),
}

impl fmt::Display for LowerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LowerError::Graph(e) => e.fmt(f),
            LowerError::Unsupported(m) => write!(f, "int8 graph is not a dynamically quantized MLP: {m}"),
        }
    }
}

impl std::error::Error for LowerError {}

fn unsupported(message: impl Into<String>) -> LowerError {
    LowerError::Unsupported(message.into())
}

/// Reads and lowers a serialized int8 `ModelProto`.
pub fn lower_bytes(bytes: &[u8]) -> Result<QuantMlp, LowerError> {
    lower(&onnx_graph::read(bytes).map_err(LowerError::Graph)?)
}

/// Walks `graph` backwards from its single output.
pub fn lower(graph: &Graph) -> Result<QuantMlp, LowerError> {
    let mut walk = Walk { graph, used: vec![false; graph.nodes.len()] };
    let [input] = graph.inputs.as_slice() else {
        return Err(unsupported(format!("expected one graph input, found {}", graph.inputs.len())));
    };
    // Graph inputs may list initializers too (older exporters); ours do not.
    let [output] = graph.outputs.as_slice() else {
        return Err(unsupported(format!("expected one graph output, found {}", graph.outputs.len())));
    };

    let mut value = output.clone();
    let mut clip = None;
    if let Some(node) = walk.take_if(&value, "Clip")? {
        let min = walk.scalar(node.inputs.get(1))?;
        let max = walk.scalar(node.inputs.get(2))?;
        clip = Some((min, max));
        value = node.inputs[0].clone();
    }

    let mut layers = Vec::new();
    let (mut mean, mut std) = (Vec::new(), Vec::new());
    loop {
        if &value == input {
            break;
        }
        if let Some(div) = walk.take_if(&value, "Div")? {
            std = walk.vector(div.inputs.get(1))?;
            let sub = walk.take(&div.inputs[0], "Sub")?;
            mean = walk.vector(sub.inputs.get(1))?;
            if &sub.inputs[0] != input {
                return Err(unsupported("the scaler must read the graph input"));
            }
            break;
        }
        let (layer, below) = walk.layer(&value)?;
        layers.push(layer);
        value = below;
    }
    layers.reverse();

    if let Some(i) = walk.used.iter().position(|u| !u) {
        let node = &graph.nodes[i];
        return Err(unsupported(format!("node {i} ({}) is outside the pattern", node.op_type)));
    }
    let Some(first) = layers.first() else { return Err(unsupported("no quantized layer")) };
    let inputs = first.inputs;
    if !mean.is_empty() && (mean.len() != inputs || std.len() != inputs) {
        return Err(unsupported(format!(
            "scaler has {} means and {} stds for {inputs} inputs",
            mean.len(),
            std.len()
        )));
    }
    for pair in layers.windows(2) {
        if pair[0].outputs != pair[1].inputs {
            return Err(unsupported(format!(
                "a layer of {} outputs feeds a layer of {} inputs",
                pair[0].outputs, pair[1].inputs
            )));
        }
    }
    Ok(QuantMlp { inputs, mean, std, layers, clip })
}

struct Walk<'g> {
    graph: &'g Graph,
    used: Vec<bool>,
}

impl<'g> Walk<'g> {
    /// The node of type `op` producing `value` (marked used), or `None` for another producer.
    fn take_if(&mut self, value: &str, op: &str) -> Result<Option<&'g Node>, LowerError> {
        match self.graph.producer(value) {
            Some((i, node)) if node.op_type == op => {
                if !(node.domain.is_empty() || node.domain == "ai.onnx") {
                    return Err(unsupported(format!("{op} in domain {:?}", node.domain)));
                }
                if std::mem::replace(&mut self.used[i], true) {
                    return Err(unsupported(format!("node {i} ({op}) is reached twice")));
                }
                Ok(Some(node))
            }
            _ => Ok(None),
        }
    }

    fn take(&mut self, value: &str, op: &str) -> Result<&'g Node, LowerError> {
        self.take_if(value, op)?.ok_or_else(|| {
            let found = self.graph.producer(value).map_or("no node".to_owned(), |(_, n)| n.op_type.clone());
            unsupported(format!("expected {op} to produce {value:?}, found {found}"))
        })
    }

    fn floats(&self, name: Option<&String>) -> Result<&'g [f32], LowerError> {
        let name = name.ok_or_else(|| unsupported("missing operand"))?;
        match self.graph.initializer(name).map(|i| &i.data) {
            Some(TensorData::Float(v)) => Ok(v),
            _ => Err(unsupported(format!("{name:?} must be a float initializer"))),
        }
    }

    fn vector(&self, name: Option<&String>) -> Result<Vec<f32>, LowerError> {
        self.floats(name).map(<[f32]>::to_vec)
    }

    fn scalar(&self, name: Option<&String>) -> Result<f32, LowerError> {
        match self.floats(name)? {
            [v] => Ok(*v),
            other => Err(unsupported(format!("{:?} must hold one value, holds {}", name, other.len()))),
        }
    }

    fn int_scalar(&self, name: Option<&String>) -> Result<i32, LowerError> {
        let name = name.ok_or_else(|| unsupported("missing zero point"))?;
        match self.graph.initializer(name).map(|i| &i.data) {
            Some(TensorData::Int(v)) if v.len() == 1 => Ok(v[0]),
            _ => Err(unsupported(format!("{name:?} must be one integer (per-tensor quantization only)"))),
        }
    }

    /// One layer ending at `value`; returns it and the value it reads.
    fn layer(&mut self, value: &str) -> Result<(QuantLayer, String), LowerError> {
        let mut value = value.to_owned();
        let relu = match self.take_if(&value, "Relu")? {
            Some(node) => {
                value = node.inputs[0].clone();
                true
            }
            None => false,
        };
        let add = self.take(&value, "Add")?;
        let (product, bias) = self.split_initializer(add)?;
        let bias = self.vector(Some(&bias))?;

        let mul = self.take(&product, "Mul")?;
        let (cast, scales) = match (self.graph.producer(&mul.inputs[0]), mul.inputs.get(1)) {
            (Some((_, n)), Some(other)) if n.op_type == "Cast" => (mul.inputs[0].clone(), other.clone()),
            (_, Some(other)) => (other.clone(), mul.inputs[0].clone()),
            _ => return Err(unsupported("Mul needs two operands")),
        };
        let cast = self.take(&cast, "Cast")?;
        if !cast.int_attrs.iter().any(|(k, v)| k == "to" && *v == i64::from(onnx_graph::FLOAT)) {
            return Err(unsupported("the MatMulInteger result must be cast to float"));
        }
        let matmul = self.take(&cast.inputs[0], "MatMulInteger")?;
        let [xq, wq, xz, wz] = matmul.inputs.as_slice() else {
            return Err(unsupported("MatMulInteger needs both zero points"));
        };
        let weights = self
            .graph
            .initializer(wq)
            .filter(|w| w.data_type == onnx_graph::INT8 && w.dims.len() == 2)
            .ok_or_else(|| unsupported(format!("{wq:?} must be a 2-D int8 initializer")))?;
        let TensorData::Int(values) = &weights.data else { unreachable!("int8 data is read as Int") };
        let weight_zero_point = self.int_scalar(Some(wz))?;

        let scales_mul = self.take(&scales, "Mul")?;
        let dql = self.take(xq, "DynamicQuantizeLinear")?;
        let [_, xs, xz_out] = dql.outputs.as_slice() else {
            return Err(unsupported("DynamicQuantizeLinear must have three outputs"));
        };
        if xz_out != xz {
            return Err(unsupported("MatMulInteger must use its input's dynamic zero point"));
        }
        let weight_scale = match scales_mul.inputs.as_slice() {
            [a, b] if a == xs => self.scalar(Some(b))?,
            [a, b] if b == xs => self.scalar(Some(a))?,
            _ => return Err(unsupported("the output scale must be the input scale times the weight scale")),
        };

        let (inputs, outputs) = (weights.dims[0] as usize, weights.dims[1] as usize);
        if bias.len() != outputs {
            return Err(unsupported(format!("bias of {} for {outputs} outputs", bias.len())));
        }
        // The int8 runtime computes MatMulInteger's sums in f32, exact while every
        // partial sum is an integer below 2^24: |x - zx| ≤ 255 for uint8 inputs.
        let widest = values.iter().map(|&v| (i64::from(v) - i64::from(weight_zero_point)).unsigned_abs()).max();
        if (inputs as u64).saturating_mul(255).saturating_mul(widest.unwrap_or(0)) >= 1 << 24 {
            return Err(unsupported(format!(
                "{wq:?}: {inputs} inputs of up to 255 times weights of up to {} could exceed 2^24, \
                 beyond exact f32 accumulation",
                widest.unwrap_or(0)
            )));
        }
        let mut packed_weights = vec![0u32; values.len().div_ceil(4)];
        for (i, &v) in values.iter().enumerate() {
            packed_weights[i / 4] |= u32::from(v as i8 as u8) << (8 * (i % 4));
        }
        let layer = QuantLayer { inputs, outputs, packed_weights, weight_scale, weight_zero_point, bias, relu };
        Ok((layer, dql.inputs[0].clone()))
    }

    /// `(value, initializer)` of a binary node with one initializer operand.
    fn split_initializer(&self, node: &Node) -> Result<(String, String), LowerError> {
        match node.inputs.as_slice() {
            [a, b] if self.graph.initializer(b).is_some() => Ok((a.clone(), b.clone())),
            [a, b] if self.graph.initializer(a).is_some() => Ok((b.clone(), a.clone())),
            _ => Err(unsupported(format!("{} needs one initializer operand", node.op_type))),
        }
    }
}

impl QuantMlp {
    /// A Rust expression that rebuilds `self` (floats by their bits, so exactly).
    pub fn to_rust_expr(&self, path: &str) -> String {
        fn floats(v: &[f32]) -> String {
            let items: Vec<String> = v.iter().map(|f| format!("f32::from_bits({:#010x})", f.to_bits())).collect();
            format!("vec![{}]", items.join(", "))
        }
        let mut s = format!("{path}::QuantMlp {{ inputs: {}, mean: {}, std: {}, layers: vec![", self.inputs, floats(&self.mean), floats(&self.std));
        for l in &self.layers {
            let words: Vec<String> = l.packed_weights.iter().map(|w| format!("{w:#010x}")).collect();
            write!(
                s,
                "{path}::QuantLayer {{ inputs: {}, outputs: {}, packed_weights: vec![{}], weight_scale: f32::from_bits({:#010x}), weight_zero_point: {}, bias: {}, relu: {} }}, ",
                l.inputs,
                l.outputs,
                words.join(", "),
                l.weight_scale.to_bits(),
                l.weight_zero_point,
                floats(&l.bias),
                l.relu
            )
            .unwrap();
        }
        let clip = match self.clip {
            Some((lo, hi)) => format!("Some((f32::from_bits({:#010x}), f32::from_bits({:#010x})))", lo.to_bits(), hi.to_bits()),
            None => "None".to_owned(),
        };
        write!(s, "], clip: {clip} }}").unwrap();
        s
    }
}
