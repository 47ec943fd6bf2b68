#!/usr/bin/env python3
"""Convert a libvmaf JSON SVM model (nu-SVR, RBF kernel) into a plain ONNX graph.

The math follows libvmaf's ``libvmaf/src/predict.c`` (vmaf_predict_score_at_index)
and libsvm's ``svm.cpp`` (Kernel::k_function for RBF, svm_predict_values for
NU_SVR), in this exact order:

    1. normalize   x_j' = slope[j+1] * x_j + intercept[j+1]      (linear_rescale)
    2. svm         s    = sum_i coef_i * exp(-gamma * ||x' - sv_i||^2) - rho
                   (libsvm sparse nodes: an index missing from an SV line is 0)
    3. denormalize y    = (s - intercept[0]) / slope[0]
   (1b. chroma correction, VMAF v1 only: where the normalized speed_chroma value,
        denormalized, is exactly 0.0 it is replaced by
        normalize(c - c * denormalize(normalized adm3)), c = chroma_correction_parameter)

The graph ends there. libvmaf's last two steps, the score transform (applied
when the model says "enabled": true or the caller asks for it) and the clip to
score_clip (unless the caller disables it), depend on the caller's flags and are
applied by the program in float64 from the sidecar's score_transform and
output_range, as predict.c applies them; the bootstrap statistics need the
score before both. There is no clipping of the features or of the normalized
features in predict.c.  The graph input ``features`` has the columns in the model file's
``feature_names`` order (see the sidecar's "features").

Usage:
    python3 model/tools/libvmaf_svm_to_onnx.py --model vmaf_v0.6.1 \
        --out model/tiny/vmaf_v0.6.1.onnx [--dtype float64|float32] [--json PATH]

Writes <out>.onnx, a sidecar <stem>.json and reference vectors
<stem>.reference.json, prints the measured max errors of BOTH the float64 and
the float32 graph against an independent float64 numpy evaluation, and exits
non-zero when the float64 graph is off by >= 5e-5 VMAF (or the float32 graph
by more than --f32-tol).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

PRODUCER_NAME = "tinyvmaf-gpu"
PRODUCER_VERSION = "libvmaf_svm_to_onnx/1"
OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17 (onnx 1.12)
PACKAGE = "ffmpeg-quality-metrics"
LICENSE = "BSD-2-Clause-Patent"
TOL_F64 = 5e-5
N_RANDOM = 10_000
N_REFERENCE = 128
SEED = 20240601

# Realistic ranges for the random test vectors, by short feature name.
RANGES = {
    "adm2": (0.3, 1.0),
    "adm3": (0.5, 1.0),
    "motion3": (0.0, 18.0),
    "cambi": (0.0, 5.0),
    "speed_chroma_uv": (0.0, 10.0),
    "vif_scale0": (0.0, 1.0),
    "vif_scale1": (0.0, 1.0),
    "vif_scale2": (0.0, 1.0),
    "vif_scale3": (0.0, 1.0),
    "motion2": (0.0, 40.0),
    "motion": (0.0, 40.0),
    "adm_scale0": (0.3, 1.0),
    "adm_scale1": (0.3, 1.0),
    "adm_scale2": (0.3, 1.0),
    "adm_scale3": (0.3, 1.0),
}
ALLOWED_FEATURE_OPTIONS = ("adm_enhn_gain_limit", "vif_enhn_gain_limit")


# ---------------------------------------------------------------------------
# model file parsing
# ---------------------------------------------------------------------------

def short_feature_name(libvmaf_name: str) -> str:
    name = libvmaf_name
    for prefix in ("VMAF_integer_feature_", "VMAF_feature_", "Cambi_feature_", "Speed_chroma_feature_", "integer_", "float_"):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    if name.endswith("_score"):
        name = name[: -len("_score")]
    if name not in RANGES:
        raise SystemExit(f"unsupported feature {libvmaf_name!r} (short name {name!r})")
    return name


def parse_libsvm(text: str, n_features: int) -> dict:
    """Parse libsvm's model text (svm_parse_model_from_buffer semantics)."""
    lines = text.split("\n")
    header = {}
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if line == "SV":
            break
        if not line:
            continue
        key, _, rest = line.partition(" ")
        header[key] = rest.strip()
    else:
        raise SystemExit("libsvm model: no 'SV' line")
    if header.get("svm_type") not in ("nu_svr", "epsilon_svr"):
        raise SystemExit(f"unsupported svm_type {header.get('svm_type')!r}")
    if header.get("kernel_type") != "rbf":
        raise SystemExit(f"unsupported kernel_type {header.get('kernel_type')!r}")
    gamma = float(header["gamma"])
    rho_vals = [float(v) for v in header["rho"].split()]
    if len(rho_vals) != 1:
        raise SystemExit("regression model must have exactly one rho")
    coefs, svs = [], []  # svs: list of sparse [(index, value), ...]
    for line in lines[i:]:
        toks = line.split()
        if not toks:
            continue
        coefs.append(float(toks[0]))
        nodes = []
        for tok in toks[1:]:
            idx_s, _, val_s = tok.partition(":")
            idx = int(idx_s)
            if not 1 <= idx <= n_features:
                raise SystemExit(f"SV index {idx} outside 1..{n_features}")
            if nodes and idx <= nodes[-1][0]:
                raise SystemExit("SV indices must be strictly increasing")
            nodes.append((idx, float(val_s)))
        svs.append(nodes)
    if "total_sv" in header and int(header["total_sv"]) != len(coefs):
        raise SystemExit(f"total_sv {header['total_sv']} != {len(coefs)} SV lines")
    dense = np.zeros((len(svs), n_features), dtype=np.float64)
    for r, nodes in enumerate(svs):
        for idx, val in nodes:
            dense[r, idx - 1] = val
    return {
        "svm_type": header["svm_type"],
        "gamma": gamma,
        "rho": rho_vals[0],
        "coef": np.array(coefs, dtype=np.float64),
        "sv_sparse": svs,
        "sv": dense,
    }


def load_model(name: str, json_path: str | None) -> dict:
    if json_path is None:
        import ffmpeg_quality_metrics  # noqa: PLC0415

        pkg_dir = os.path.dirname(ffmpeg_quality_metrics.__file__)
        json_path = os.path.join(pkg_dir, "vmaf_models", name + ".json")
        source = {
            "package": PACKAGE,
            "package_version": importlib.metadata.version(PACKAGE),
            "path_in_package": "ffmpeg_quality_metrics/vmaf_models/" + name + ".json",
            "license_file_in_package": "ffmpeg_quality_metrics/vmaf_models/LICENSE",
        }
    else:
        # model/libvmaf/ holds libvmaf's own files, copied unchanged with their license;
        # its PROVENANCE.json names the repository, commit and path of each.
        source = {"package": None, "package_version": None}
        provenance = os.path.join(os.path.dirname(os.path.abspath(json_path)), "PROVENANCE.json")
        if os.path.exists(provenance):
            with open(provenance, encoding="utf-8") as f:
                prov = json.load(f)
            entry = prov["files"].get(os.path.basename(json_path))
            if entry is None:
                raise SystemExit(f"{provenance} does not list {os.path.basename(json_path)}")
            source.update({"repository": prov["repository"], "commit": prov["commit"],
                           "path_in_repository": entry["path"], "license_file": "model/libvmaf/LICENSE"})
    with open(json_path, "rb") as f:
        raw = f.read()
    doc = json.loads(raw)
    collection = None
    if "model_dict" not in doc and "0" in doc:
        # libvmaf's model collection (the bootstrap model): "0" is the main model,
        # "1".."N" the sub-models; all share everything but their SVMs.
        keys = sorted(doc, key=int)
        if keys != [str(i) for i in range(len(keys))] or len(keys) < 3:
            raise SystemExit("a model collection has keys \"0\", \"1\", ... (three or more)")
        collection = [doc[k]["model_dict"] for k in keys]
        for other in collection[1:]:
            for key in ("model_type", "norm_type", "feature_names", "slopes", "intercepts", "score_transform",
                        "score_clip", "feature_opts_dicts", "chroma_correction_parameter"):
                if other.get(key) != collection[0].get(key):
                    raise SystemExit(f"the models of the collection differ in {key}")
        md = collection[0]
    else:
        md = doc["model_dict"]
    # A bootstrap collection's models are plain nu-SVRs; predict.c scores each one so.
    if md.get("model_type") != ("BOOTSTRAP_LIBSVMNUSVR" if collection else "LIBSVMNUSVR"):
        raise SystemExit(f"unsupported model_type {md.get('model_type')!r}")
    if md.get("norm_type") != "linear_rescale":
        raise SystemExit(f"unsupported norm_type {md.get('norm_type')!r}")
    names = list(md["feature_names"])
    n = len(names)
    slopes = [float(v) for v in md["slopes"]]
    intercepts = [float(v) for v in md["intercepts"]]
    if len(slopes) != n + 1 or len(intercepts) != n + 1:
        raise SystemExit("slopes/intercepts must have len(feature_names)+1 entries")
    clip = md.get("score_clip")
    if clip is not None:
        clip = [float(clip[0]), float(clip[1])]
    opts = md.get("feature_opts_dicts") or [{} for _ in names]
    if len(opts) != n:
        raise SystemExit("feature_opts_dicts must have one dict per feature")
    # The two gain limits, flattened (the form older sidecars carry); every option,
    # per feature and as in the model file, goes to the sidecar's libvmaf_feature_options.
    feature_options: dict = {}
    for d in opts:
        for k, v in d.items():
            if k not in ALLOWED_FEATURE_OPTIONS:
                continue
            if k in feature_options and feature_options[k] != v:
                raise SystemExit(f"feature option {k!r} differs between features")
            feature_options[k] = v
    chroma = md.get("chroma_correction_parameter")
    if chroma is not None:
        short = [short_feature_name(x) for x in names]
        if "adm3" not in short or "speed_chroma_uv" not in short:
            raise SystemExit("chroma_correction_parameter needs the adm3 and speed_chroma_uv features")
        chroma = float(chroma)
    svm = parse_libsvm(md["model"], n)
    svms = [parse_libsvm(d["model"], n) for d in collection] if collection else [svm]
    source.update(
        {
            "file": os.path.basename(json_path),
            "sha256": hashlib.sha256(raw).hexdigest(),
            "license": LICENSE,
            "copyright": "Copyright (c) 2020 Netflix, Inc.",
        }
    )
    return {
        "name": name,
        "libvmaf_features": names,
        "features": [short_feature_name(x) for x in names],
        "slope0": slopes[0],
        "intercept0": intercepts[0],
        "slopes": np.array(slopes[1:], dtype=np.float64),
        "intercepts": np.array(intercepts[1:], dtype=np.float64),
        "score_clip": clip,
        "score_transform": md.get("score_transform"),
        "feature_options": feature_options,
        "libvmaf_feature_options": [dict(d) for d in opts],
        "chroma_correction": chroma,
        "svm": svm,
        "svms": svms,
        "collection": collection is not None,
        "source": source,
    }


# ---------------------------------------------------------------------------
# float64 references (written from predict.c / svm.cpp, not from the graph)
# ---------------------------------------------------------------------------

def chroma_correct_scalar(m: dict, node: list) -> None:
    """predict.c's post_process_feature_from_another(..., 0.0, "adm3", "speed_chroma")."""
    feats = m["features"]
    a, s = feats.index("adm3"), feats.index("speed_chroma_uv")
    slope, intercept = float(m["slopes"][s]), float(m["intercepts"][s])
    guiding = (node[a][1] - float(m["intercepts"][a])) / float(m["slopes"][a])
    guided = (node[s][1] - intercept) / slope
    if guided == 0.0:
        c = m["chroma_correction"]
        corrected = (-c * guiding) + c
        node[s] = (s + 1, slope * corrected + intercept)


def finish(m: dict, y: float, enable_transform: bool = False, disable_clip: bool = False) -> float:
    """predict.c's transform() and clip() after the graph, with the caller's flags."""
    t = m["score_transform"] or {}
    if t.get("enabled", False) or enable_transform:
        if any(k in t for k in ("p0", "p1", "p2")):
            out = 0.0
            if "p0" in t:
                out += float(t["p0"])
            if "p1" in t:
                out += float(t["p1"]) * y
            if "p2" in t:
                out += float(t["p2"]) * y * y
        else:
            out = y
        if "knots" in t:
            raise SystemExit("piecewise-linear knots are not supported by this reference")
        if str(t.get("out_lte_in", "false")).lower() == "true":
            out = y if out > y else out
        if str(t.get("out_gte_in", "false")).lower() == "true":
            out = y if out < y else out
        y = out
    if m["score_clip"] is not None and not disable_clip:
        lo, hi = m["score_clip"]
        y = lo if y < lo else y
        y = hi if y > hi else y
    return y


def reference_scalar(m: dict, x, svm: dict | None = None) -> float:
    """One vector, step by step as libvmaf + libsvm do it, in Python floats (IEEE double):
    the score before transform and clip (what the graph computes), of `svm` (default:
    the model's own; a collection's sub-models share everything else)."""
    svm = svm or m["svm"]
    # predict.c: node[i].index = i + 1; node[i].value = slope*x + intercept
    node = []
    for i, v in enumerate(x):
        node.append((i + 1, float(m["slopes"][i]) * float(v) + float(m["intercepts"][i])))
    if m["chroma_correction"] is not None:
        chroma_correct_scalar(m, node)
    total = 0.0
    for coef, sv in zip(svm["coef"].tolist(), svm["sv_sparse"]):
        # Kernel::k_function, RBF, sparse merge of the two node lists
        acc = 0.0
        a, b = 0, 0
        while a < len(node) and b < len(sv):
            if node[a][0] == sv[b][0]:
                d = node[a][1] - sv[b][1]
                acc += d * d
                a += 1
                b += 1
            elif node[a][0] > sv[b][0]:
                acc += sv[b][1] * sv[b][1]
                b += 1
            else:
                acc += node[a][1] * node[a][1]
                a += 1
        while a < len(node):
            acc += node[a][1] * node[a][1]
            a += 1
        while b < len(sv):
            acc += sv[b][1] * sv[b][1]
            b += 1
        total += coef * math.exp(-svm["gamma"] * acc)
    total -= svm["rho"]  # svm_predict_values
    return (total - m["intercept0"]) / m["slope0"]  # denormalize


def reference_numpy(m: dict, x: np.ndarray, svm: dict | None = None) -> np.ndarray:
    """Vectorised float64 version of reference_scalar (dense SVs, zeros where missing)."""
    svm = svm or m["svm"]
    xn = m["slopes"][None, :] * x.astype(np.float64) + m["intercepts"][None, :]
    if m["chroma_correction"] is not None:
        a, s = m["features"].index("adm3"), m["features"].index("speed_chroma_uv")
        guiding = (xn[:, a] - m["intercepts"][a]) / m["slopes"][a]
        guided = (xn[:, s] - m["intercepts"][s]) / m["slopes"][s]
        c = m["chroma_correction"]
        corrected = m["slopes"][s] * ((-c * guiding) + c) + m["intercepts"][s]
        xn[:, s] = np.where(guided == 0.0, corrected, xn[:, s])
    out = np.empty(x.shape[0], dtype=np.float64)
    for start in range(0, x.shape[0], 1024):
        blk = xn[start : start + 1024]
        d = blk[:, None, :] - svm["sv"][None, :, :]
        ssq = np.sum(d * d, axis=2)
        s = np.exp(-svm["gamma"] * ssq) @ svm["coef"] - svm["rho"]
        out[start : start + 1024] = (s - m["intercept0"]) / m["slope0"]
    return out


def raw_all(m: dict, x: np.ndarray) -> np.ndarray:
    """reference_numpy of every SVM: [N] for a model, [N, models] for a collection."""
    out = np.stack([reference_numpy(m, x, svm) for svm in m["svms"]], axis=1)
    return out if m["collection"] else out[:, 0]


def raw_all_scalar(m: dict, x):
    """reference_scalar of every SVM: a float for a model, a list for a collection."""
    out = [reference_scalar(m, x, svm) for svm in m["svms"]]
    return out if m["collection"] else out[0]


def bootstrap(m: dict, raw: list) -> list:
    """predict.c's vmaf_bootstrap_predict_score_at_index with no flags: the main
    model's score, each sub-model's, then bagging, stddev, ci_p95_lo, ci_p95_hi over
    the sub-models' scores before transform and clip."""
    scores = raw[1:]
    n = len(scores)
    total = 0.0
    for v in scores:
        total += v
    mean = total / n
    ssd = 0.0
    for v in scores:
        ssd += math.pow(v - mean, 2)
    stddev = math.sqrt(ssd / n)
    ordered = sorted(scores)

    def percentile(perc):
        p = perc * (n - 1) / 100.0
        lo, hi = math.floor(p), math.ceil(p)
        return ordered[lo] if lo == hi else ordered[lo] * (hi - p) + ordered[hi] * (p - lo)

    delta = 0.01
    slope = (finish(m, mean + delta) - finish(m, mean - delta)) / (2.0 * delta)
    return ([finish(m, v) for v in raw]
            + [finish(m, mean), stddev * slope, finish(m, percentile(2.5)), finish(m, percentile(97.5))])


# ---------------------------------------------------------------------------
# ONNX graph construction
# ---------------------------------------------------------------------------

class G:
    """Tiny deterministic graph builder (fixed, sequential node/tensor names)."""

    def __init__(self, np_dtype):
        self.np_dtype = np_dtype
        self.nodes, self.inits, self.n = [], [], 0

    def const(self, name, value, dtype=None):
        arr = np.asarray(value, dtype=dtype or self.np_dtype)
        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def op(self, op_type, inputs, **attrs):
        self.n += 1
        out = f"t{self.n:03d}_{op_type.lower()}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=f"n{self.n:03d}_{op_type}", **attrs))
        return out


def chroma_correction_nodes(g: G, m: dict, xn: str) -> str:
    """predict.c's chroma correction on the normalized features [N,F]: where the
    speed_chroma column, denormalized, equals 0.0, it becomes
    normalize(c - c * denormalize(adm3 column)). Same operations, same order."""
    nf = len(m["features"])
    a, s = m["features"].index("adm3"), m["features"].index("speed_chroma_uv")
    axis1 = g.const("axis_1", [1], np.int64)

    def column(t, k, tag):
        return g.op("Slice", [t, g.const(f"start_{tag}", [k], np.int64), g.const(f"end_{tag}", [k + 1], np.int64), axis1])

    denorm = g.op("Div", [g.op("Sub", [xn, g.const("intercepts_again", m["intercepts"])]), g.const("slopes_again", m["slopes"])])
    guiding = column(denorm, a, "guiding")
    guided = column(denorm, s, "guided")
    c = m["chroma_correction"]
    corrected = g.op("Add", [g.op("Mul", [guiding, g.const("minus_chroma_correction", -c)]), g.const("chroma_correction", c)])
    renorm = g.op("Add", [g.op("Mul", [corrected, g.const("speed_slope", m["slopes"][s])]), g.const("speed_intercept", m["intercepts"][s])])
    zero = g.op("Equal", [guided, g.const("zero", 0.0)])
    chosen = g.op("Where", [zero, renorm, column(xn, s, "speed")])
    parts = []
    if s > 0:
        parts.append(g.op("Slice", [xn, g.const("start_before", [0], np.int64), g.const("end_before", [s], np.int64), axis1]))
    parts.append(chosen)
    if s + 1 < nf:
        parts.append(g.op("Slice", [xn, g.const("start_after", [s + 1], np.int64), g.const("end_after", [nf], np.int64), axis1]))
    return g.op("Concat", parts, axis=1)


def split_hi_lo(v):
    """float64 -> (float32 hi, float32 lo) with hi + lo ~= v to ~48 bits."""
    v = np.asarray(v, dtype=np.float64)
    hi = v.astype(np.float32)
    lo = (v - hi.astype(np.float64)).astype(np.float32)
    return hi, lo


def build_graph(m: dict, dtype: str, name: str) -> onnx.ModelProto:
    svm = m["svm"]
    nf = len(m["features"])
    if dtype == "float64":
        g = G(np.float64)
        x = "features"
        xn = g.op("Add", [g.op("Mul", [x, g.const("slopes", m["slopes"])]), g.const("intercepts", m["intercepts"])])
        if m["chroma_correction"] is not None:
            xn = chroma_correction_nodes(g, m, xn)
        x3 = g.op("Unsqueeze", [xn, g.const("axes_1", [1], np.int64)])  # [N,1,F]
        ys = []
        for i, svm in enumerate(m["svms"]):
            # A collection's sub-models each get their own constants (suffix _i).
            tag = f"_{i}" if m["collection"] else ""
            d = g.op("Sub", [x3, g.const(f"support_vectors{tag}", svm["sv"])])  # [N,L,F]
            axes2 = g.const("axes_2", [2], np.int64) if i == 0 else "axes_2"
            ssq = g.op("ReduceSum", [g.op("Mul", [d, d]), axes2], keepdims=0)  # [N,L]
            k = g.op("Exp", [g.op("Mul", [ssq, g.const(f"neg_gamma{tag}", -svm["gamma"])])])
            s = g.op("MatMul", [k, g.const(f"sv_coef{tag}", svm["coef"].reshape(-1, 1))])  # [N,1]
            s = g.op("Sub", [s, g.const(f"rho{tag}", svm["rho"])])
            ys.append(g.op("Div", [g.op("Sub", [s, g.const(f"intercept0{tag}", m["intercept0"])]),
                                   g.const(f"slope0{tag}", m["slope0"])]))
        # A collection's scores side by side, [N, models], the main model first.
        y = g.op("Concat", ys, axis=1) if m["collection"] else ys[0]
        elem = TensorProto.DOUBLE
    else:
        # float32, structured for accuracy:
        #  * constants that are not exact in float32 are split into hi + lo parts;
        #  * squared distances as sum((x - sv)^2), never |x|^2 - 2x.sv + |sv|^2,
        #    with the differences taken in raw feature space (see below);
        #  * since nu-SVR coefficients sum to ~0, sum_i c_i k_i is evaluated as
        #    sum_i c_i (k_i - 1) + sum_i c_i (smaller partial sums in the MatMul);
        #    (a Taylor-polynomial expm1 was tried and gained nothing measurable: the
        #    float32 rounding of u_i itself dominates);
        #  * the constant part of the denormalisation is folded in float64.
        if m["chroma_correction"] is not None or m["collection"]:
            raise SystemExit("the float32 graph has no chroma correction or collection: build float64 only")
        g = G(np.float32)
        x = "features"
        # x'_j - sv_ij = slope_j * (x_j - X_ij) with X = the SVs mapped back to raw feature
        # space (in float64), so -gamma * ||x' - sv_i||^2 = sum_j W_j * (x_j - X_ij)^2 with
        # W_j = -gamma * slope_j^2: the difference is taken where it is exact (Sterbenz) or
        # nearly so, and no normalized value has to be rounded to float32.
        if np.any(m["slopes"] == 0.0):
            raise SystemExit("float32 graph needs non-zero feature slopes")
        raw_sv = (svm["sv"] - m["intercepts"][None, :]) / m["slopes"][None, :]
        xsv_hi, xsv_lo = split_hi_lo(raw_sv)
        w_hi, w_lo = split_hi_lo(-svm["gamma"] * m["slopes"] ** 2)
        x3 = g.op("Unsqueeze", [x, g.const("axes_1", [1], np.int64)])  # [N,1,F]
        e = g.op("Sub", [g.op("Sub", [x3, g.const("raw_support_vectors_hi", xsv_hi)]),
                         g.const("raw_support_vectors_lo", xsv_lo)])  # [N,L,F]
        e2 = g.op("Mul", [e, e])
        t = g.op("Add", [g.op("Mul", [e2, g.const("neg_gamma_slope2_hi", w_hi)]),
                         g.op("Mul", [e2, g.const("neg_gamma_slope2_lo", w_lo)])])
        u = g.op("ReduceSum", [t, g.const("axes_2", [2], np.int64)], keepdims=0)  # [N,L], = -gamma*||x'-sv||^2
        one = g.const("one", 1.0)
        km1 = g.op("Sub", [g.op("Exp", [u]), one])  # k_i - 1, [N,L]
        coef = svm["coef"]
        if not np.all(coef.astype(np.float32).astype(np.float64) == coef):
            c_hi, c_lo = split_hi_lo(coef)
            acc = g.op("Add", [g.op("MatMul", [km1, g.const("sv_coef_hi", c_hi.reshape(-1, 1))]),
                               g.op("MatMul", [km1, g.const("sv_coef_lo", c_lo.reshape(-1, 1))])])
        else:
            acc = g.op("MatMul", [km1, g.const("sv_coef", coef.astype(np.float32).reshape(-1, 1))])
        # y = (acc + sum(c) - rho - intercept0) / slope0 = acc * inv_slope0 + offset
        offset = (math.fsum(coef.tolist()) - svm["rho"] - m["intercept0"]) / m["slope0"]
        inv_hi, inv_lo = split_hi_lo(1.0 / m["slope0"])
        off_hi, off_lo = split_hi_lo(offset)
        scaled = g.op("Add", [g.op("Mul", [acc, g.const("inv_slope0_hi", inv_hi)]),
                              g.op("Mul", [acc, g.const("inv_slope0_lo", inv_lo)])])
        y = g.op("Add", [g.op("Add", [scaled, g.const("offset_lo", off_lo)]), g.const("offset_hi", off_hi)])
        elem = TensorProto.FLOAT
    # rename the last output to "score"
    g.nodes[-1].output[0] = "score"
    graph = helper.make_graph(
        g.nodes,
        f"{name}_{dtype}",
        [helper.make_tensor_value_info("features", elem, ["batch", nf])],
        [helper.make_tensor_value_info("score", elem, ["batch", len(m["svms"]) if m["collection"] else 1])],
        initializer=g.inits,
        doc_string=f"libvmaf {name} nu-SVR (RBF) as plain ONNX, {dtype}; score before transform and clip",
    )
    model = helper.make_model(
        graph,
        producer_name=PRODUCER_NAME,
        producer_version=PRODUCER_VERSION,
        opset_imports=[helper.make_opsetid("", OPSET)],
        ir_version=IR_VERSION,
        doc_string="Converted by model/tools/libvmaf_svm_to_onnx.py",
    )
    onnx.checker.check_model(model, full_check=True)
    return model


def run_ort(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort  # noqa: PLC0415

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    out = sess.run(["score"], {"features": x})[0]
    return out if out.shape[1] > 1 else out[:, 0]


# ---------------------------------------------------------------------------
# test vectors
# ---------------------------------------------------------------------------

def edge_vectors(m: dict) -> np.ndarray:
    feats = m["features"]

    def vec(**kw):
        out = []
        for f in feats:
            if f in kw:
                out.append(kw[f])
            elif f.startswith("vif") and "vif" in kw:
                out.append(kw["vif"])
            else:
                out.append(0.0)
        return out

    rows = [
        vec(),  # all zeros
        vec(adm2=1.0, vif=1.0, motion2=0.0),  # pristine, static
        vec(adm2=1.0, vif=1.0, motion2=40.0),  # pristine, high motion
        vec(adm2=0.3, vif=0.0, motion2=40.0),  # worst of the range
        vec(adm2=0.3, vif=0.0, motion2=0.0),
        vec(adm2=1.0, vif=1.0, motion2=1.0),
        vec(adm2=0.9, vif_scale0=0.5, vif_scale1=0.7, vif_scale2=0.8, vif_scale3=0.85, motion2=5.0),
        vec(adm2=1.05, vif=1.02, motion2=10.0),  # slight enhancement (> 1)
        vec(adm2=0.97, vif_scale0=0.8, vif_scale1=0.9, vif_scale2=0.95, vif_scale3=0.97, motion2=100.0),  # outside range
    ]
    if m["chroma_correction"] is not None:
        rows += [
            vec(adm3=1.0, motion3=0.0),  # speed_chroma 0: corrected from adm3
            vec(cambi=2.0, speed_chroma_uv=0.0, adm3=0.8, motion3=5.0),
            vec(cambi=0.5, speed_chroma_uv=0.0, adm3=0.5, motion3=18.0),
            vec(cambi=1.0, speed_chroma_uv=3.0, adm3=0.9, motion3=3.0),  # no correction
        ]
    # a vector whose normalized value is exactly the first support vector (kernel == 1 there)
    sv0 = m["svm"]["sv"][0]
    rows.append(((sv0 - m["intercepts"]) / m["slopes"]).tolist())
    return np.array(rows, dtype=np.float64)


def random_vectors(m: dict, n: int, rng: np.random.Generator) -> np.ndarray:
    cols = [rng.uniform(*RANGES[f], size=n) for f in m["features"]]
    if m["chroma_correction"] is not None:
        # every eighth vector has speed_chroma exactly 0, where the correction applies
        cols[m["features"].index("speed_chroma_uv")][::8] = 0.0
    return np.stack(cols, axis=1)


# ---------------------------------------------------------------------------

def fmt(v: float) -> float:
    return float(v)


def write_json(path: str, obj, compact_lists: bool = False) -> None:
    """json.dumps writes floats with repr(): the shortest exact round-trip of the float64.

    With compact_lists, every top-level list value is written one element per line
    (a vector or a scalar), which keeps the reference files readable and diffable.
    """
    if not compact_lists:
        text = json.dumps(obj, indent=1, allow_nan=False)
    else:
        parts = []
        for k, v in obj.items():
            if isinstance(v, list) and v and isinstance(v[0], (list, float)):
                body = ",\n  ".join(json.dumps(e, allow_nan=False) for e in v)
                parts.append(f" {json.dumps(k)}: [\n  {body}\n ]")
            else:
                parts.append(f" {json.dumps(k)}: {json.dumps(v, allow_nan=False)}")
        text = "{\n" + ",\n".join(parts) + "\n}"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="model name, e.g. vmaf_v0.6.1")
    ap.add_argument("--out", required=True, help="output .onnx path")
    ap.add_argument("--json", default=None, help="model JSON (default: from the installed ffmpeg-quality-metrics)")
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--id", default=None,
                    help="registry id of the sidecar and reference files written beside --out "
                         "(default: the file name of --out); models that share a graph differ only in these")
    ap.add_argument("--f32-tol", type=float, default=2e-3, help="max allowed float32 graph error (VMAF)")
    args = ap.parse_args()
    if not args.out.endswith(".onnx"):
        raise SystemExit("--out must end with .onnx")

    m = load_model(args.model, args.json)
    # The float32 graph has no chroma correction: a model with one is float64 only.
    dtypes = ("float64",) if m["chroma_correction"] is not None or m["collection"] else ("float64", "float32")
    if args.dtype not in dtypes:
        raise SystemExit(f"{args.model} has no {args.dtype} graph")
    # The graph is named after its file: models that share one graph share its bytes.
    graph_name = os.path.basename(args.out[: -len(".onnx")])
    models = {dt: build_graph(m, dt, graph_name) for dt in dtypes}
    if "float32" not in models:
        models["float32"] = models["float64"]

    rng = np.random.default_rng(SEED)
    x = random_vectors(m, N_RANDOM, rng)
    ref = raw_all(m, x)
    x32 = x.astype(np.float32)
    ref32 = raw_all(m, x32.astype(np.float64))
    as32 = (lambda v: v.astype(np.float32)) if "float32" in dtypes else (lambda v: v.astype(np.float64))
    err = {
        "float64": float(np.max(np.abs(run_ort(models["float64"], x) - ref))),
        "float32": float(np.max(np.abs(run_ort(models["float32"], as32(x32)).astype(np.float64) - ref32))),
    }
    err_f32_e2e = float(np.max(np.abs(run_ort(models["float32"], as32(x32)).astype(np.float64) - ref)))
    quant = float(np.max(np.abs(ref32 - ref)))

    # reference vectors: edge cases first, then random; float32-exact so both graphs see the same input
    xr = np.concatenate([edge_vectors(m), random_vectors(m, N_REFERENCE, rng)])[:N_REFERENCE]
    xr = xr.astype(np.float32).astype(np.float64)
    ref_scalar = np.array([raw_all_scalar(m, row) for row in xr])
    ref_vec = raw_all(m, xr)
    scal_vs_vec = float(np.max(np.abs(ref_scalar - ref_vec)))
    out64 = run_ort(models["float64"], xr)
    out32 = run_ort(models["float32"], as32(xr)).astype(np.float64)
    err_ref64 = float(np.max(np.abs(out64 - ref_scalar)))
    err_ref32 = float(np.max(np.abs(out32 - ref_scalar)))

    print(f"model {m['name']}: {len(m['svm']['coef'])} SVs, gamma {m['svm']['gamma']!r}, rho {m['svm']['rho']!r}")
    print(f"features (model order): {m['features']}")
    print(f"scalar libsvm port vs vectorised numpy reference, {len(xr)} vectors: {scal_vs_vec:.3e}")
    print(f"max |onnx float64 - numpy float64| over {N_RANDOM} random vectors: {err['float64']:.3e}")
    print(f"max |onnx float32 - numpy float64| over {N_RANDOM} random vectors (same float32 inputs): {err['float32']:.3e}")
    print(f"  float32 incl. rounding the inputs to float32: {err_f32_e2e:.3e} (input rounding alone: {quant:.3e})")
    print(f"reference vectors ({len(xr)}): float64 {err_ref64:.3e}, float32 {err_ref32:.3e}")

    ok = err["float64"] < TOL_F64 and err_ref64 < TOL_F64 and scal_vs_vec < 1e-9
    ok = ok and err["float32"] < args.f32_tol and err_ref32 < args.f32_tol

    model = models[args.dtype]
    data = model.SerializeToString()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(data)
    model_id = args.id or os.path.basename(args.out[: -len(".onnx")])
    stem = os.path.join(os.path.dirname(args.out), model_id)
    op_types = sorted({n.op_type for n in model.graph.node})
    sidecar = {
        "id": model_id,
        "inputs": [{"name": "features", "shape": ["batch", len(m["features"])], "dtype": args.dtype}],
        "outputs": [{"name": "score", "shape": ["batch", len(m["svms"]) if m["collection"] else 1], "dtype": args.dtype}],
        "output_name": "score",
        "features": m["features"],
        "libvmaf_features": m["libvmaf_features"],
        "output_range": m["score_clip"] if m["score_clip"] is not None else [0.0, 100.0],
        "score_transform": m["score_transform"],
        "feature_options": m["feature_options"],
        "libvmaf_feature_options": m["libvmaf_feature_options"],
        "provenance": {
            **m["source"],
            "model": m["name"],
            "converter": "model/tools/libvmaf_svm_to_onnx.py",
            "onnx_sha256": hashlib.sha256(data).hexdigest(),
            "opset": OPSET,
            "ir_version": IR_VERSION,
            "op_types": op_types,
            "score_transform_applied": False,
            "score_transform_enabled_in_model": bool((m["score_transform"] or {}).get("enabled", False)),
            "chroma_correction_parameter": m["chroma_correction"],
            "graph": os.path.basename(args.out),
            "notes": ("predict.c order: normalize, [chroma correction], nu-SVR (RBF), denormalize in the graph; "
                      "transform (score_transform, when enabled) and clip (output_range) applied by the program"),
        },
        "precision": {
            "dtype": args.dtype,
            "max_abs_error_vmaf": err[args.dtype],
            "tolerance_vmaf": TOL_F64 if args.dtype == "float64" else args.f32_tol,
            "reference": "numpy float64 evaluation of predict.c/svm.cpp semantics",
            "n_random_vectors": N_RANDOM,
            "seed": SEED,
            "max_abs_error_vmaf_float64_graph": err["float64"],
            "max_abs_error_vmaf_float32_graph": err["float32"],
            "max_abs_error_vmaf_float32_graph_incl_input_rounding": err_f32_e2e,
        },
    }
    if m["collection"]:
        # libvmaf's bootstrap collection: output 0 is the main model, 1.. the sub-models
        # whose bagging mean, stddev and 95% interval the program computes.
        sidecar["collection"] = "bootstrap"
    write_json(stem + ".json", sidecar)
    reference = {
        "id": model_id,
        "model": m["name"],
        "features": m["features"],
        "note": ("inputs are float32-exact; raw_float64 is a step-by-step port of predict.c + libsvm "
                 "(sparse RBF, sequential sums) in IEEE double up to the denormalisation, reference_float64 the "
                 "same after libvmaf's default transform and clip; onnx_float64/onnx_float32 are onnxruntime "
                 "outputs of the float64/float32 graphs (before transform and clip); the first %d vectors are "
                 "edge cases" % len(edge_vectors(m))),
        "n_edge_cases": len(edge_vectors(m)),
        "inputs": [[fmt(v) for v in row] for row in xr],
        "raw_float64": np.asarray(ref_scalar, dtype=np.float64).tolist(),
        "reference_float64": ([[fmt(v) for v in bootstrap(m, list(row))] for row in ref_scalar] if m["collection"]
                              else [fmt(finish(m, v)) for v in ref_scalar]),
        "onnx_float64": np.asarray(out64, dtype=np.float64).tolist(),
        "onnx_float32": np.asarray(out32, dtype=np.float64).tolist(),
        "max_abs_error_onnx_float64": err_ref64,
        "max_abs_error_onnx_float32": err_ref32,
    }
    write_json(stem + ".reference.json", reference, compact_lists=True)
    print(f"wrote {args.out} (sha256 {hashlib.sha256(data).hexdigest()}), ops {op_types}")
    print(f"wrote {stem}.json and {stem}.reference.json")
    if not ok:
        print("FAILED: error above tolerance", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
