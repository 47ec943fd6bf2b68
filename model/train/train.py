#!/usr/bin/env python3
"""Train vmaf_tiny_v1: a tiny float32 MLP regressing libvmaf's vmaf_v0.6.1 from its six features.

Reads model/train/data/frames.csv (from make_corpus.py) and the cached,
teacher-labelled augmentation model/train/data/augmented.csv; needs neither
the videos nor the tinyvmaf-gpu binary.  Pure numpy training (Adam,
minibatches, fixed seeds, one BLAS thread), then:

  model/tiny/vmaf_tiny_v1.onnx           float32 graph, opset 17 / IR 8:
      features[batch,6] -> Sub(scaler_mean) -> Div(scaler_std)
        -> (MatMul fcK_weight -> Add fcK_bias -> Relu) x hidden layers
        -> MatMul -> Add -> Clip(score_min, score_max) -> score[batch,1]
  model/tiny/vmaf_tiny_v1.int8.onnx      onnxruntime quantize_dynamic (QInt8 weights, per-tensor)
  model/tiny/vmaf_tiny_v1.json           sidecar (model/tiny/sidecar.schema.json)
  model/tiny/vmaf_tiny_v1.reference.json reference inputs/outputs
  model/train/metrics.json               held-out accuracy

Usage:
  python model/train/train.py                      # train + export + evaluate
  python model/train/train.py --check              # retrain in a temp dir, compare bytes with the committed files
  python model/train/train.py --augment --bin /tmp/tvg/tinyvmaf-gpu   # (re)build augmented.csv
"""

from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(HERE, "data")
TINY = os.path.join(ROOT, "model", "tiny")
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "model", "tools"))
from libvmaf_svm_to_onnx import IR_VERSION, OPSET, PRODUCER_NAME, write_json  # noqa: E402

MODEL_ID = "vmaf_tiny_v1"
FEATURES = ["adm2", "motion2", "vif_scale0", "vif_scale1", "vif_scale2", "vif_scale3"]
SEED = 20261203
HIDDEN = (64, 64)
EPOCHS = 250
QAT_EPOCHS = 12
BATCH = 512
LR_MAX = 3e-3
LR_MIN = 1e-5
QAT_LR_MAX = 2e-6
QAT_LR_MIN = 1e-8
QAT_FLOAT_WEIGHT = 1.0  # QAT loss: QAT_FLOAT_WEIGHT * MSE(float latent weights, float activations)
QAT_INT8_WEIGHT = 0.6  #          + QAT_INT8_WEIGHT * MSE(grid weights, per-row uint8 activations)
QAT_EMA = 0.995  # per-step EMA of the latent weights; the EMA after the last QAT epoch is exported
ACT_SCALE_GRAD = False  # QAT: also back-propagate through each row's activation step (tried: it hurt)
FLOAT_CACHE = ""  # experiments only (see train_mlp); empty in the committed pipeline
W_QMAX = 64  # quantize_dynamic(reduce_range=True): int8 weights in [-64, 64], see QUANTIZE_CALL
N_AUG = 120_000
N_REFERENCE_TEST = 502
# reduce_range=True (7-bit weights): with full-range int8 weights onnxruntime's x86 AVX2 (non-VNNI) u8s8
# kernel saturates int16 pair sums (vpmaddubsw), so its outputs would depend on the CPU and differ from the
# exact DynamicQuantizeLinear/MatMulInteger semantics by up to ~1 VMAF.  With |q| <= 64, 2*255*64 < 32767.
QUANTIZE_CALL = ("onnxruntime.quantization.quantize_dynamic(fp32_path, int8_path, "
                 "weight_type=QuantType.QInt8, per_channel=False, reduce_range=True)")


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

def load_csv(path: str):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    x = np.array([[float(r[k]) for k in FEATURES] for r in rows], dtype=np.float64)
    y = np.array([float(r["vmaf"]) for r in rows], dtype=np.float64)
    return rows, x, y


def teacher_eval(binary: str, x: np.ndarray, chunk: int = 20000) -> np.ndarray:
    """Label feature rows with `tinyvmaf-gpu models eval vmaf_v0.6.1 --features rows.json`."""
    out = []
    with tempfile.TemporaryDirectory() as td:
        for s in range(0, len(x), chunk):
            p = os.path.join(td, "rows.json")
            with open(p, "w") as f:
                json.dump([[float(v) for v in r] for r in x[s:s + chunk]], f)
            res = subprocess.run([binary, "models", "eval", "vmaf_v0.6.1", "--features", p],
                                 check=True, capture_output=True, text=True).stdout
            out.extend(parse_eval(res))
    y = np.array(out, dtype=np.float64)
    if len(y) != len(x):
        raise RuntimeError(f"models eval returned {len(y)} scores for {len(x)} rows")
    return y


def parse_eval(text: str) -> list[float]:
    text = text.strip()
    try:
        js = json.loads(text)
    except json.JSONDecodeError:
        return [float(line.split()[-1]) for line in text.splitlines() if line.strip()]
    if isinstance(js, dict):
        for k in ("scores", "score", "outputs", "vmaf"):
            if k in js:
                js = js[k]
                break
    return [float(v[0] if isinstance(v, list) else v) for v in js]


def make_augmented(binary: str, data: str = DATA) -> None:
    """Jitter / interpolate TRAIN rows only; label them with the teacher; cache in augmented.csv."""
    rows, x, _ = load_csv(os.path.join(data, "frames.csv"))
    train = np.array([r["split"] == "train" for r in rows])
    src = np.array([r["source"] for r in rows])
    xt, st = x[train], src[train]
    rng = np.random.default_rng(SEED + 1)
    sd = xt.std(axis=0)
    n4 = N_AUG // 4
    parts = []
    # 1. small gaussian jitter around train rows (per-feature, relative to the train spread)
    i = rng.integers(len(xt), size=n4)
    parts.append(xt[i] + rng.standard_normal((n4, 6)) * sd * rng.choice([0.01, 0.03, 0.1], size=(n4, 1)))
    # 2. interpolation between two train rows of the same source
    i = rng.integers(len(xt), size=n4)
    j = np.array([rng.choice(np.flatnonzero(st == st[k])) for k in i])
    lam = rng.uniform(size=(n4, 1))
    parts.append(lam * xt[i] + (1 - lam) * xt[j])
    # 3. interpolation between any two train rows
    i, j = rng.integers(len(xt), size=n4), rng.integers(len(xt), size=n4)
    lam = rng.uniform(size=(n4, 1))
    parts.append(lam * xt[i] + (1 - lam) * xt[j])
    # 4. a train row's five distortion features with motion2 redrawn (motion is a property of the source)
    i = rng.integers(len(xt), size=N_AUG - 3 * n4)
    a = xt[i].copy()
    a[:, 1] = np.where(rng.uniform(size=len(a)) < 0.2, 0.0, rng.uniform(0, 1, size=len(a)) ** 2 * 1.2 * xt[:, 1].max())
    a[:, [0, 2, 3, 4, 5]] += rng.standard_normal((len(a), 5)) * sd[[0, 2, 3, 4, 5]] * 0.02
    parts.append(a)
    xa = np.concatenate(parts)
    xa[:, 1] = np.maximum(xa[:, 1], 0.0)
    xa[:, [0, 2, 3, 4, 5]] = np.clip(xa[:, [0, 2, 3, 4, 5]], 0.0, None)
    xa = xa.astype(np.float32).astype(np.float64)  # float32-exact inputs
    t0 = time.time()
    ya = teacher_eval(binary, xa)
    print(f"labelled {len(xa)} augmented rows with the teacher in {time.time() - t0:.1f}s")
    with open(os.path.join(data, "augmented.csv"), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(FEATURES + ["vmaf"])
        for r, v in zip(xa.astype(np.float32), ya):
            # the inputs are float32 values: their shortest float32 string reads back to the same float32
            wr.writerow([str(e) for e in r] + [repr(float(v))])


# ---------------------------------------------------------------------------
# numpy MLP
# ---------------------------------------------------------------------------

def init_params(rng, sizes):
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        params.append(rng.standard_normal((a, b)) * np.sqrt(2.0 / a))
        params.append(np.zeros(b))
    return params


def weight_scale(w: np.ndarray) -> float:
    return float(np.float32(np.abs(w).max() / W_QMAX))


def quant_weight(w: np.ndarray, s: float | None = None) -> np.ndarray:
    """Per-tensor symmetric int8 as quantize_dynamic(reduce_range=True) does it: q in [-64, 64], scale
    max|w| / 64.  During QAT the scale s is frozen (see train_mlp)."""
    if s is None:
        s = weight_scale(w)
    return np.clip(np.rint(w / s), -W_QMAX, W_QMAX) * s


def quant_act(x: np.ndarray, want_grad: bool = False):
    """DynamicQuantizeLinear (uint8, range includes 0) per ROW, dequantized: the batch-of-1 int8 path.

    With want_grad also returns dq/dx's scale term: q = x + step(x) * u with u = (q - x) / step held
    constant, step = (max(0, max x) - min(0, min x)) / 255, so d q / d x = I + u (d step / d x)^T.
    """
    lo = np.minimum(x.min(axis=1, keepdims=True), 0.0)
    hi = np.maximum(x.max(axis=1, keepdims=True), 0.0)
    s = np.maximum((hi - lo) / 255.0, 1e-30)
    zp = np.clip(np.rint(-lo / s), 0, 255)
    q = (np.clip(np.rint(x / s) + zp, 0, 255) - zp) * s
    if not want_grad:
        return q
    u = (q - x) / s
    dstep = np.zeros_like(x)
    rows = np.arange(len(x))
    imax, imin = x.argmax(axis=1), x.argmin(axis=1)
    dstep[rows, imax] += (hi[:, 0] > 0) / 255.0
    dstep[rows, imin] -= (lo[:, 0] < 0) / 255.0
    return q, (u, dstep)


def forward(params, z, act_q=False):
    """Returns the inputs of every layer (after Relu / fake quantization), pre-activations, the output
    and (act_q only) the scale-gradient terms of every fake quantization."""
    ins, pre, qg = [], [], []
    h = z
    n = len(params) // 2
    for k in range(n):
        if act_q:
            a, g = quant_act(h, want_grad=True)
            qg.append(g)
        else:
            a = h
        ins.append(a)
        h = a @ params[2 * k] + params[2 * k + 1]
        pre.append(h)
        if k < n - 1:
            h = np.maximum(h, 0.0)
    if act_q:
        return ins, pre, h[:, 0], qg
    return ins, pre, h[:, 0]


def backward(params, ins, pre, g, qg=None):
    """g: dLoss/dout [batch]; straight-through rounding, plus (qg) the gradient through each row's step."""
    g = g[:, None]
    grads = [None] * len(params)
    for k in range(len(params) // 2 - 1, -1, -1):
        grads[2 * k] = ins[k].T @ g
        grads[2 * k + 1] = g.sum(axis=0)
        if k > 0:
            g = g @ params[2 * k].T
            if qg is not None and ACT_SCALE_GRAD:
                u, dstep = qg[k]
                g = g + np.sum(g * u, axis=1, keepdims=True) * dstep
            g = g * (pre[k - 1] > 0)
    return grads


def equalize(params, iters: int = 20):
    """Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization"): ReLU is positively
    homogeneous, so dividing hidden unit j's incoming weights and bias by s_j and multiplying its outgoing
    weights by s_j leaves the float function unchanged.  s_j = sqrt(r_in_j / r_out_j) balances the column /
    row ranges, so the per-tensor int8 grid fits every unit (here: 7-bit snap error 0.88 -> 0.18 VMAF)."""
    p = [a.copy() for a in params]
    for _ in range(iters):
        for k in range(len(p) // 2 - 1):
            r_in = np.abs(p[2 * k]).max(axis=0)
            r_out = np.abs(p[2 * k + 2]).max(axis=1)
            sc = np.sqrt(np.maximum(r_in, 1e-12) / np.maximum(r_out, 1e-12))
            p[2 * k] = p[2 * k] / sc
            p[2 * k + 1] = p[2 * k + 1] / sc
            p[2 * k + 2] = p[2 * k + 2] * sc[:, None]
    return p


def clipped_loss_grad(out, yb, lo, hi):
    live = (out > lo) & (out < hi)
    err = np.where(live, out, np.clip(out, lo, hi)) - yb
    return (2.0 / len(yb)) * err * live


def train_mlp(z, t, lo, hi, log=print):
    """z: standardized inputs, t: scaled targets; MSE of the clipped output (the graph clips to [lo, hi]).

    Phase 1 (EPOCHS): plain float training.  Phase 2 (QAT_EPOCHS): quantization-aware fine-tuning of latent
    float weights (each tensor's grid scale frozen, its max weight pinned, the latents clipped to the grid
    range): loss = QAT_FLOAT_WEIGHT * float loss of the latent weights + QAT_INT8_WEIGHT * loss of the int8
    simulation (weights rounded to quantize_dynamic's grid, straight-through; per-row uint8 activations).
    The exported float32 weights are a per-step EMA of the latents after the last (fixed) epoch: the fp32
    graph keeps (almost) the float accuracy, and quantize_dynamic rounds them to the trained grid.  No
    epoch is picked by any loss.
    """
    rng = np.random.default_rng(SEED)
    sizes = [z.shape[1], *HIDDEN, 1]
    params = init_params(rng, sizes)
    n = len(z)
    steps_per_epoch = (n + BATCH - 1) // BATCH
    t0 = time.time()
    for phase, epochs, lr_max, lr_min in (("float", EPOCHS, LR_MAX, LR_MIN), ("qat", QAT_EPOCHS, QAT_LR_MAX, QAT_LR_MIN)):
        if phase == "qat":
            if FLOAT_CACHE:  # experiments only: reuse one float phase for several QAT settings
                if os.path.exists(FLOAT_CACHE):
                    params = [a for a in np.load(FLOAT_CACHE).values()]
                    rng = np.random.default_rng(SEED + 3)
                else:
                    np.savez(FLOAT_CACHE, *params)
            if QAT_EPOCHS == 0:
                break
            params = equalize(params)
            rng = np.random.default_rng(SEED + 3)
            # Freeze each tensor's grid: its scale stays max|w|/64 of the equalized weights and the weight
            # that sets the max is pinned (never updated), so the exported max |q| is exactly 64 and
            # quantize_dynamic recomputes the same scale.  (With a moving max the whole grid rescales and
            # thousands of roundings flip at once: the loss jumped around even at LR 1e-6.)
            scales = [weight_scale(p) if i % 2 == 0 else None for i, p in enumerate(params)]
            pins = []
            for i, p in enumerate(params):
                msk = np.ones_like(p)
                if i % 2 == 0:
                    msk.flat[np.argmax(np.abs(p))] = 0.0
                pins.append(msk)
            ema = [p.copy() for p in params]
        elif FLOAT_CACHE and os.path.exists(FLOAT_CACHE):
            continue
        m = [np.zeros_like(p) for p in params]
        v = [np.zeros_like(p) for p in params]
        b1, b2, eps = 0.9, 0.999, 1e-8
        total = epochs * steps_per_epoch
        step = 0
        for ep in range(epochs):
            perm = rng.permutation(n)
            for s in range(0, n, BATCH):
                idx = perm[s:s + BATCH]
                xb, yb = z[idx], t[idx]
                if phase == "float":
                    ins, pre, out = forward(params, xb)
                    grads = backward(params, ins, pre, clipped_loss_grad(out, yb, lo, hi))
                else:
                    pq = [quant_weight(p, scales[i]) if i % 2 == 0 else p for i, p in enumerate(params)]
                    ins, pre, out = forward(params, xb)
                    grads = backward(params, ins, pre, QAT_FLOAT_WEIGHT * clipped_loss_grad(out, yb, lo, hi))
                    ins, pre, out, qg = forward(pq, xb, act_q=True)
                    g2 = backward(pq, ins, pre, QAT_INT8_WEIGHT * clipped_loss_grad(out, yb, lo, hi), qg)
                    grads = [(a + b) * pm for a, b, pm in zip(grads, g2, pins)]
                lr = lr_min + 0.5 * (lr_max - lr_min) * (1 + np.cos(np.pi * step / total))
                step += 1
                for i, (p, gr) in enumerate(zip(params, grads)):
                    m[i] = b1 * m[i] + (1 - b1) * gr
                    v[i] = b2 * v[i] + (1 - b2) * gr * gr
                    mh = m[i] / (1 - b1 ** step)
                    vh = v[i] / (1 - b2 ** step)
                    p -= lr * mh / (np.sqrt(vh) + eps)
                    if phase == "qat":
                        if i % 2 == 0:  # stay inside the frozen grid range (the pinned max sets the scale)
                            np.clip(p, -W_QMAX * scales[i], W_QMAX * scales[i], out=p)
                        ema[i] = QAT_EMA * ema[i] + (1 - QAT_EMA) * p
                        if i % 2 == 0:
                            ema[i] = np.where(pins[i] == 0, p, ema[i])  # pinned weights stay exact
            if (phase == "qat" and (ep % 4 == 0 or ep == epochs - 1)) or ep % 50 == 0 or ep == epochs - 1:
                # qat: float = EMA latents with float activations; int8-sim = their grid, per-row uint8 acts
                pf = ema if phase == "qat" else params
                pq = ([quant_weight(p, scales[i]) if i % 2 == 0 else p for i, p in enumerate(ema)]
                      if phase == "qat" else params)
                r32 = np.sqrt(np.mean((np.clip(forward(pf, z)[2], lo, hi) - t) ** 2))
                r8 = np.sqrt(np.mean((np.clip(forward(pq, z, act_q=True)[2], lo, hi) - t) ** 2))
                log(f"  {phase} epoch {ep:4d}  lr {lr:.2e}  train rmse(scaled) float {r32:.5f} "
                    f"int8-sim {r8:.5f}  [{time.time() - t0:.0f}s]")
    if QAT_EPOCHS == 0:  # diagnostics only: plain float weights, quantize_dynamic then rounds them
        return params
    out = [p.copy() for p in ema]  # the EMA latents after the last QAT epoch (fixed epochs, nothing selected)
    for i in range(0, len(out), 2):
        # keep every latent at least 0.01 grid steps away from a rounding tie, so quantize_dynamic's float32
        # rounding lands on the same grid value as the float64 training simulation (moves a weight by <= 0.01 step)
        q = np.rint(out[i] / scales[i])
        out[i] = (q + np.clip(out[i] / scales[i] - q, -0.49, 0.49)) * scales[i]
    for i in range(0, len(out), 2):
        assert weight_scale(out[i]) == scales[i], "the exported grid must give quantize_dynamic the same scale"
    return out


# ---------------------------------------------------------------------------
# ONNX
# ---------------------------------------------------------------------------

def build_onnx(mean, std, weights) -> onnx.ModelProto:
    inits = [numpy_helper.from_array(mean.astype(np.float32), "scaler_mean"),
             numpy_helper.from_array(std.astype(np.float32), "scaler_std")]
    nodes = [helper.make_node("Sub", ["features", "scaler_mean"], ["centered"], name="scaler_sub"),
             helper.make_node("Div", ["centered", "scaler_std"], ["scaled"], name="scaler_div")]
    cur = "scaled"
    L = len(weights) // 2
    for k in range(L):
        i = k + 1
        w, b = weights[2 * k], weights[2 * k + 1]
        inits.append(numpy_helper.from_array(w.astype(np.float32), f"fc{i}_weight"))
        inits.append(numpy_helper.from_array(b.astype(np.float32), f"fc{i}_bias"))
        nodes.append(helper.make_node("MatMul", [cur, f"fc{i}_weight"], [f"fc{i}_matmul"], name=f"fc{i}_matmul"))
        nodes.append(helper.make_node("Add", [f"fc{i}_matmul", f"fc{i}_bias"], [f"fc{i}"], name=f"fc{i}_add"))
        cur = f"fc{i}"
        if k < L - 1:
            nodes.append(helper.make_node("Relu", [cur], [f"relu{i}"], name=f"relu{i}"))
            cur = f"relu{i}"
    inits.append(numpy_helper.from_array(np.array(0.0, dtype=np.float32), "score_min"))
    inits.append(numpy_helper.from_array(np.array(100.0, dtype=np.float32), "score_max"))
    nodes.append(helper.make_node("Clip", [cur, "score_min", "score_max"], ["score"], name="clip"))
    graph = helper.make_graph(
        nodes, MODEL_ID,
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 6])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["batch", 1])],
        initializer=inits,
        doc_string="vmaf_tiny_v1: float32 MLP distilled from libvmaf vmaf_v0.6.1 "
                   "(features adm2, motion2, vif_scale0..3)",
    )
    model = helper.make_model(graph, producer_name=PRODUCER_NAME, producer_version="train/1",
                              opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
                              doc_string="Generated by model/train/train.py")
    onnx.checker.check_model(model, full_check=True)
    return model


def quantize(fp32_path: str, int8_path: str) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: PLC0415

    quantize_dynamic(fp32_path, int8_path, weight_type=QuantType.QInt8, per_channel=False, reduce_range=True)
    # re-serialize deterministically (fixed producer, no metadata that depends on the run)
    m = onnx.load(int8_path)
    onnx.checker.check_model(m, full_check=True)
    with open(int8_path, "wb") as f:
        f.write(m.SerializeToString(deterministic=True))


def session(path: str):
    import onnxruntime as ort  # noqa: PLC0415

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def run_batch(sess, x: np.ndarray) -> np.ndarray:
    return sess.run(["score"], {"features": x.astype(np.float32)})[0][:, 0].astype(np.float64)


def run_rows(sess, x: np.ndarray) -> np.ndarray:
    return np.array([run_batch(sess, x[i:i + 1])[0] for i in range(len(x))])


def stats(pred, y, sources=None):
    from scipy import stats as ss  # noqa: PLC0415

    e = pred - y
    d = {"rmse": float(np.sqrt(np.mean(e ** 2))), "max_abs_error": float(np.max(np.abs(e))),
         "mean_abs_error": float(np.mean(np.abs(e))), "bias": float(np.mean(e)),
         "plcc": float(ss.pearsonr(pred, y)[0]), "srcc": float(ss.spearmanr(pred, y)[0]),
         "n_frames": int(len(y))}
    if sources is not None:
        d["n_sources"] = int(len(set(sources)))
    return d


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def graph_summary(model: onnx.ModelProto):
    nodes = [{"op_type": n.op_type, "inputs": list(n.input), "outputs": list(n.output)} for n in model.graph.node]
    inits = [{"name": t.name, "dtype": onnx.helper.tensor_dtype_to_np_dtype(t.data_type).name,
              "shape": list(t.dims)} for t in model.graph.initializer]
    return nodes, inits


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def train_and_export(data: str, out_tiny: str, out_train: str, log=print) -> dict:
    rows, x, y = load_csv(os.path.join(data, "frames.csv"))
    split = np.array([r["split"] for r in rows])
    src = np.array([r["source"] for r in rows])
    tr, te = split == "train", split == "test"
    assert not set(src[tr]) & set(src[te]), "a source is in both splits"
    aug_path = os.path.join(data, "augmented.csv")
    if os.path.exists(aug_path):
        _, xa, ya = load_csv(aug_path)
        xa = xa.astype(np.float32).astype(np.float64)
    else:
        xa, ya = np.zeros((0, 6)), np.zeros(0)
    x32 = x.astype(np.float32).astype(np.float64)
    xfit = np.concatenate([x32[tr], xa])
    yfit = np.concatenate([y[tr], ya])
    mean = x32[tr].mean(axis=0).astype(np.float32)
    std = x32[tr].std(axis=0).astype(np.float32)
    y_mu, y_sd = 50.0, 32.0  # power of two: folding it into fc_last keeps the weights on the int8 grid
    z = (xfit - mean.astype(np.float64)) / std.astype(np.float64)
    t = (yfit - y_mu) / y_sd
    log(f"training {MODEL_ID}: {len(xfit)} rows ({int(tr.sum())} train frames + {len(xa)} augmented), "
        f"MLP 6-{'-'.join(map(str, HIDDEN))}-1, {EPOCHS} epochs, batch {BATCH}")
    t0 = time.time()
    params = train_mlp(z, t, (0.0 - y_mu) / y_sd, (100.0 - y_mu) / y_sd, log)
    train_s = time.time() - t0
    # fold the target scaling into the last layer
    params[-2] = params[-2] * y_sd
    params[-1] = params[-1] * y_sd + y_mu
    weights = [p.astype(np.float32) for p in params]

    model = build_onnx(mean, std, weights)
    os.makedirs(out_tiny, exist_ok=True)
    fp32_path = os.path.join(out_tiny, f"{MODEL_ID}.onnx")
    int8_path = os.path.join(out_tiny, f"{MODEL_ID}.int8.onnx")
    with open(fp32_path, "wb") as f:
        f.write(model.SerializeToString(deterministic=True))
    quantize(fp32_path, int8_path)
    s32, s8 = session(fp32_path), session(int8_path)

    # accuracy
    p32_te, p8_te = run_batch(s32, x32[te]), run_rows(s8, x32[te])
    p32_tr, p8_tr = run_batch(s32, x32[tr]), run_rows(s8, x32[tr])
    p8b_te = run_batch(s8, x32[te])
    # numpy float64 evaluation of the exported float32 weights (cross-check of the graph)
    zz = (x32[te] - mean.astype(np.float64)) / std.astype(np.float64)
    w64 = [w.astype(np.float64) for w in weights]
    np_ref = np.clip(forward(w64, zz)[2], 0, 100)
    w64q = [quant_weight(w) if i % 2 == 0 else w for i, w in enumerate(w64)]  # quantize_dynamic's weight grid
    np_int8 = np.clip(forward(w64q, zz, act_q=True)[2], 0, 100)
    m = {
        "id": MODEL_ID,
        "teacher": "libvmaf vmaf_v0.6.1 (tinyvmaf-gpu score, exact to 1e-11)",
        "architecture": f"6-{'-'.join(map(str, HIDDEN))}-1 ReLU MLP, scaler and Clip[0,100] inside the graph",
        "test": {"float32": stats(p32_te, y[te], src[te]), "int8_per_row": stats(p8_te, y[te], src[te]),
                 "int8_batch": stats(p8b_te, y[te], src[te]),
                 "int8_per_row_vs_float32": stats(p8_te, p32_te),
                 "sources": sorted(set(src[te]))},
        "train": {"float32": stats(p32_tr, y[tr], src[tr]), "int8_per_row": stats(p8_tr, y[tr], src[tr]),
                  "sources": sorted(set(src[tr]))},
        "augmented_rows": int(len(xa)),
        "max_abs_onnx_float32_vs_numpy_float64_test": float(np.max(np.abs(p32_te - np_ref))),
        "max_abs_onnx_int8_per_row_vs_numpy_int8_simulation_test": float(np.max(np.abs(p8_te - np_int8))),
        "file_bytes": {f"{MODEL_ID}.onnx": os.path.getsize(fp32_path),
                       f"{MODEL_ID}.int8.onnx": os.path.getsize(int8_path)},
        "sha256": {f"{MODEL_ID}.onnx": sha256(fp32_path), f"{MODEL_ID}.int8.onnx": sha256(int8_path)},
        "recipe": {"seed": SEED, "hidden": list(HIDDEN), "epochs": EPOCHS, "batch": BATCH, "optimizer": "Adam",
                   "lr": f"cosine {LR_MAX} -> {LR_MIN}", "loss": "MSE of the clipped output on (vmaf-50)/32",
                   "qat_epochs": QAT_EPOCHS, "qat_lr": f"cosine {QAT_LR_MAX} -> {QAT_LR_MIN}",
                   "qat_loss": (f"{QAT_FLOAT_WEIGHT} * MSE(latent float weights, float activations) + "
                                f"{QAT_INT8_WEIGHT} * MSE(grid weights STE, per-row uint8 activations)"),
                   "qat_export": f"EMA {QAT_EMA} of the latent weights after the last epoch",
                   "weight_grid": f"per-tensor symmetric, |q| <= {W_QMAX}", "training_seconds_one_core": round(train_s, 1),
                   "quantization": QUANTIZE_CALL},
    }

    # reference vectors: deterministic sample of held-out rows + edge cases
    rng = np.random.default_rng(SEED + 2)
    te_idx = np.flatnonzero(te)
    pick = np.sort(rng.choice(te_idx, size=min(N_REFERENCE_TEST, len(te_idx)), replace=False))
    edge = np.array([
        [0, 0, 0, 0, 0, 0], [1, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1], [1, 40, 1, 1, 1, 1], [1, 200, 1, 1, 1, 1],
        [0.3, 40, 0, 0, 0, 0], [0.5, 10, 0.1, 0.2, 0.3, 0.4], [0.95, 5, 0.6, 0.85, 0.9, 0.93],
        [1.2, 0, 1.2, 1.2, 1.2, 1.2], [3, 0, 3, 3, 3, 3], [0, 80, 0, 0, 0, 0]], dtype=np.float64)
    xr = np.concatenate([edge, x32[pick]]).astype(np.float32)
    ref = {
        "id": MODEL_ID,
        "features": FEATURES,
        "note": ("inputs are float32-exact; the first n_edge_cases rows are synthetic edge cases (teacher null), "
                 "the rest a deterministic sample of held-out test frames (teacher = vmaf from frames.csv). "
                 "onnx_float32: onnxruntime, fp32 graph, whole batch; onnx_int8_per_row: int8 graph, each row "
                 "alone (batch 1); onnx_int8_batch: int8 graph, all rows in one batch (DynamicQuantizeLinear "
                 "picks its scale from the whole batch, so it differs from per-row)"),
        "n_edge_cases": len(edge),
        "inputs": [[float(v) for v in r] for r in xr.astype(np.float64)],
        "onnx_float32": [float(v) for v in run_batch(s32, xr)],
        "onnx_int8_per_row": [float(v) for v in run_rows(s8, xr)],
        "onnx_int8_batch": [float(v) for v in run_batch(s8, xr)],
        "teacher": [None] * len(edge) + [float(v) for v in y[pick]],
    }
    write_json(os.path.join(out_tiny, f"{MODEL_ID}.reference.json"), ref, compact_lists=True)

    m32, m8 = onnx.load(fp32_path), onnx.load(int8_path)
    n8, i8 = graph_summary(m8)
    sidecar = {
        "id": MODEL_ID,
        "inputs": [{"name": "features", "shape": ["batch", 6], "dtype": "float32"}],
        "outputs": [{"name": "score", "shape": ["batch", 1], "dtype": "float32"}],
        "output_name": "score",
        "features": FEATURES,
        "libvmaf_features": [],
        "output_range": [0.0, 100.0],
        "score_transform": None,
        "feature_options": {},
        "provenance": {
            "generator": "model/train/train.py",
            "seed": SEED,
            "license": "BSD-2-Clause-Patent",
            "notes": (f"float32 MLP 6-{'-'.join(map(str, HIDDEN))}-1 distilled from libvmaf vmaf_v0.6.1 "
                      "(teacher-derived, hence the teacher's license) on model/train/data/frames.csv "
                      "(ffmpeg lavfi + scikit-image sample clips, split by source) plus teacher-labelled "
                      "jitter/interpolation of train rows; held-out test RMSE "
                      f"{m['test']['float32']['rmse']:.4f} VMAF. An int8 dynamic-quantized variant is "
                      f"{MODEL_ID}.int8.onnx (see int8)."),
            "onnx_sha256": sha256(fp32_path),
            "opset": OPSET,
            "ir_version": IR_VERSION,
            "op_types": sorted({n.op_type for n in m32.graph.node}),
            "int8": {
                "onnx": f"{MODEL_ID}.int8.onnx",
                "onnx_sha256": sha256(int8_path),
                "quantization": QUANTIZE_CALL,
                "op_types": sorted({n["op_type"] for n in n8}),
                "nodes": n8,
                "initializers": i8,
            },
        },
        "precision": {
            "dtype": "float32",
            "max_abs_error_vs_numpy_float64": m["max_abs_onnx_float32_vs_numpy_float64_test"],
            "n_vectors": int(te.sum()),
            "test_rmse_vs_teacher": m["test"]["float32"]["rmse"],
            "test_max_abs_error_vs_teacher": m["test"]["float32"]["max_abs_error"],
            "int8_per_row_test_rmse_vs_teacher": m["test"]["int8_per_row"]["rmse"],
            "int8_per_row_test_max_abs_error_vs_teacher": m["test"]["int8_per_row"]["max_abs_error"],
        },
    }
    write_json(os.path.join(out_tiny, f"{MODEL_ID}.json"), sidecar)
    os.makedirs(out_train, exist_ok=True)
    write_json(os.path.join(out_train, "metrics.json"), m)
    return m


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--augment", action="store_true", help="rebuild data/augmented.csv with the teacher binary")
    ap.add_argument("--bin", default="/tmp/tvg/tinyvmaf-gpu")
    ap.add_argument("--data", default=DATA, help="folder with frames.csv / augmented.csv")
    ap.add_argument("--out-tiny", default=TINY, help="where the ONNX, sidecar and reference files go")
    ap.add_argument("--out-train", default=HERE, help="where metrics.json goes")
    ap.add_argument("--check", action="store_true",
                    help="retrain into a temp dir and fail unless the ONNX bytes match the committed files")
    args = ap.parse_args()
    if args.augment:
        make_augmented(args.bin, args.data)
        return 0
    if args.check:
        with tempfile.TemporaryDirectory() as td:
            train_and_export(args.data, os.path.join(td, "tiny"), os.path.join(td, "train"))
            bad = 0
            for name in (f"{MODEL_ID}.onnx", f"{MODEL_ID}.int8.onnx"):
                a, b = sha256(os.path.join(td, "tiny", name)), sha256(os.path.join(TINY, name))
                print(f"{name}: retrained {a}, committed {b}: {'OK' if a == b else 'DIFFERENT'}")
                bad += a != b
            return 1 if bad else 0
    m = train_and_export(args.data, args.out_tiny, args.out_train)
    for k in ("float32", "int8_per_row", "int8_batch"):
        s = m["test"][k]
        print(f"test {k:13s} rmse {s['rmse']:.4f}  max|err| {s['max_abs_error']:.4f}  "
              f"plcc {s['plcc']:.6f}  srcc {s['srcc']:.6f}  n {s['n_frames']}")
    ok = (m["test"]["float32"]["rmse"] <= 0.10
          and m["test"]["int8_per_row"]["rmse"] <= m["test"]["float32"]["rmse"] + 0.05
          and m["test"]["int8_per_row"]["max_abs_error"] <= 1.0)
    print("accuracy bar:", "MET" if ok else "NOT MET")
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
