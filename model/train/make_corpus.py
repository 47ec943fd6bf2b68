#!/usr/bin/env python3
"""Build the vmaf_tiny_v1 training corpus: clips -> distortions -> features + teacher.

Everything comes from package registries only: ffmpeg's lavfi generators (Debian's
ffmpeg) and the natural sample images shipped INSIDE the scikit-image wheel
(skimage.data.data_dir; nothing fetched through pooch).  No videos are downloaded.

    OPENBLAS_NUM_THREADS=1 /tmp/venv-train/bin/python model/train/make_corpus.py \
        --bin /tmp/tvg/tinyvmaf-gpu [--corpus /tmp/tiny-corpus]

Stages (each one skips outputs that already exist, so a rerun resumes):
  1. sources: ~32-frame 8-bit 4:2:0 Y4M reference clips (320x180 / 480x270)
  2. distortions: x264 / x265 CRFs, down-up scaling, gaussian blur, noise and
     time-varying mixes (segments concatenated), decoded back to Y4M at the
     reference size
  3. features: `tinyvmaf-gpu score --backend cpu --threads 1` per pair ->
     integer_adm2, integer_motion2, integer_vif_scale0..3 and vmaf (teacher,
     libvmaf vmaf_v0.6.1)
Writes model/train/data/frames.csv (floats with repr(), so they round-trip) and
model/train/data/corpus.json.  The train/test split is by SOURCE (seeded,
stratified by source kind): no source is in both.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import time

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
FEATURES = ["adm2", "motion2", "vif_scale0", "vif_scale1", "vif_scale2", "vif_scale3"]
METRIC_KEYS = ["integer_adm2", "integer_motion2", "integer_vif_scale0", "integer_vif_scale1",
               "integer_vif_scale2", "integer_vif_scale3"]
SEED = 20261203
N_FRAMES = 32
FPS = 25
TEST_FRACTION = 0.25

# ---------------------------------------------------------------------------
# sources
# ---------------------------------------------------------------------------

# lavfi sources: name -> (size, filtergraph).  Every generator with a random
# default gets an explicit seed so the clips are reproducible.
LAVFI = {
    "testsrc2_a": ("320x180", "testsrc2=size={s}:rate={r}"),
    "testsrc2_rot": ("480x270", "testsrc2=size={s}:rate={r},rotate=a=0.02*n:fillcolor=black"),
    "mandelbrot_zoom": ("320x180", "mandelbrot=size={s}:rate={r}:start_scale=3:end_scale=0.05:end_pts=40"),
    "mandelbrot_seahorse": ("480x270", "mandelbrot=size={s}:rate={r}:start_x=-0.743643887037151:"
                                        "start_y=0.131825904205330:start_scale=0.05:end_scale=0.0005:"
                                        "end_pts=30:outer=normalized_iteration_count"),
    "cellauto_110": ("320x180", "cellauto=size={s}:rate={r}:rule=110:random_fill_ratio=0.5:random_seed=11:scroll=1"),
    "cellauto_30": ("480x270", "cellauto=size={s}:rate={r}:rule=30:random_fill_ratio=0.3:random_seed=12:scroll=1"),
    "life_a": ("320x180", "life=size={s}:rate={r}:ratio=0.2:random_seed=13:mold=10:"
                          "life_color=#00ff80:death_color=#c83232:mold_color=#204060"),
    "life_b": ("480x270", "life=size={s}:rate={r}:ratio=0.5:random_seed=14:rule=S23/B36:"
                          "life_color=#ffffff:death_color=#000000,gblur=sigma=0.8"),
    "gradients_a": ("320x180", "gradients=size={s}:rate={r}:n=5:seed=15:speed=0.08"),
    "gradients_b": ("480x270", "gradients=size={s}:rate={r}:n=8:seed=16:speed=0.02,noise=alls=6:allf=t"),
    "smptehdbars_scroll": ("320x180", "smptehdbars=size={s}:rate={r},scroll=h=0.011:v=0.004"),
    "rgbtestsrc_scroll": ("320x180", "rgbtestsrc=size={s}:rate={r},scroll=h=-0.007,gblur=sigma=0.6"),
    "testsrc_zoom": ("320x180", "testsrc=size=640x360:rate={r},zoompan=z='1+0.015*on':d=1:s={s}:fps={r}"),
    "sierpinski_a": ("320x180", "sierpinski=size={s}:rate={r}:seed=17:jump=2:type=carpet"),
    "sierpinski_b": ("480x270", "sierpinski=size={s}:rate={r}:seed=18:jump=1:type=triangle"),
    "geq_waves": ("320x180", "nullsrc=size={s}:rate={r},geq=lum='128+60*sin(X/7+N/3)*cos(Y/9-N/5)+40*sin(hypot(X-160,Y-90)/4-N/2)':"
                             "cb='128+50*sin(X/30+N/10)':cr='128+50*cos(Y/20-N/8)'"),
}

# natural images shipped inside the scikit-image wheel: name -> (file, size,
# (zoom start, zoom end) as window width / max width, (path start, path end) in [0,1]^2)
NATURAL = {
    "astronaut": ("astronaut.png", "320x180", (0.9, 0.5), ((0.1, 0.2), (0.7, 0.5))),
    "coffee": ("coffee.png", "480x270", (0.6, 0.95), ((0.8, 0.3), (0.3, 0.6))),
    "chelsea": ("chelsea.png", "320x180", (0.95, 0.6), ((0.5, 0.1), (0.4, 0.8))),
    "camera": ("camera.png", "320x180", (0.7, 0.7), ((0.0, 0.5), (1.0, 0.4))),
    "coins": ("coins.png", "320x180", (0.5, 0.9), ((0.2, 0.2), (0.8, 0.8))),
    "hubble": ("hubble_deep_field.jpg", "480x270", (0.3, 0.6), ((0.2, 0.7), (0.6, 0.2))),
    "ihc": ("ihc.png", "320x180", (0.8, 0.4), ((0.6, 0.6), (0.3, 0.2))),
    "rocket": ("rocket.jpg", "320x180", (0.6, 0.6), ((0.5, 1.0), (0.5, 0.0))),
    "motorcycle": ("motorcycle_left.png", "480x270", (0.7, 0.5), ((0.0, 0.3), (0.9, 0.7))),
    "retina": ("retina.jpg", "320x180", (0.25, 0.7), ((0.5, 0.5), (0.4, 0.6))),
    "brick": ("brick.png", "320x180", (0.6, 0.6), ((0.0, 0.0), (1.0, 1.0))),
    "grass": ("grass.png", "320x180", (0.8, 0.5), ((0.3, 0.8), (0.7, 0.2))),
    "gravel": ("gravel.png", "480x270", (0.5, 0.8), ((0.9, 0.1), (0.1, 0.9))),
    "moon": ("moon.png", "320x180", (0.9, 0.6), ((0.4, 0.4), (0.6, 0.6))),
}


# every ffmpeg call is: ffmpeg -nostdin -hide_banner -loglevel error -y -threads 1 -filter_threads 1 ...
COMMANDS = {
    "common_prefix": "ffmpeg -nostdin -hide_banner -loglevel error -y -threads 1 -filter_threads 1",
    "lavfi_source": "-f lavfi -i '<graph>,format=yuv420p' -frames:v 32 -pix_fmt yuv420p -f yuv4mpegpipe SRC.y4m",
    "x264": "-i IN.y4m -c:v libx264 -preset medium -crf C -x264-params threads=1 OUT.mkv",
    "x265": "-i IN.y4m -c:v libx265 -preset medium -crf C -x265-params log-level=error:pools=1:frame-threads=1 OUT.mkv",
    "decode": "-i OUT.mkv -pix_fmt yuv420p -f yuv4mpegpipe OUT.y4m",
    "scale": "-i IN.y4m -vf scale=SW:SH:flags=F,scale=W:H:flags=F,format=yuv420p -pix_fmt yuv420p -f yuv4mpegpipe OUT.y4m",
    "blur": "-i IN.y4m -vf gblur=sigma=S,format=yuv420p -pix_fmt yuv420p -f yuv4mpegpipe OUT.y4m",
    "noise": "-i IN.y4m -vf noise=alls=N:allf=t,format=yuv420p -pix_fmt yuv420p -f yuv4mpegpipe OUT.y4m",
    "segments": "the reference frames are split into consecutive segments (make_distorted), each segment is "
                "distorted alone and the decoded segments are concatenated",
}


def y4m_header(w: int, h: int) -> bytes:
    return f"YUV4MPEG2 W{w} H{h} F{FPS}:1 Ip A1:1 C420jpeg XYSCSS=420JPEG\n".encode()


def read_y4m(path: str):
    with open(path, "rb") as f:
        data = f.read()
    nl = data.index(b"\n")
    header = data[:nl].decode()
    tok = {t[0]: t[1:] for t in header.split()[1:]}
    w, h = int(tok["W"]), int(tok["H"])
    fsize = w * h * 3 // 2
    frames, pos = [], nl + 1
    while pos < len(data):
        e = data.index(b"\n", pos)
        assert data[pos:pos + 5] == b"FRAME", path
        frames.append(data[e + 1:e + 1 + fsize])
        pos = e + 1 + fsize
    return w, h, frames


def write_y4m(path: str, w: int, h: int, frames) -> None:
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(y4m_header(w, h))
        for fr in frames:
            f.write(b"FRAME\n")
            f.write(fr)
    os.replace(tmp, path)


def rgb_to_yuv420(rgb: np.ndarray) -> bytes:
    """BT.601 limited range, 2x2 box chroma subsampling."""
    r, g, b = (rgb[..., i] for i in range(3))
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b)
    cb = 128 + (-37.797 * r - 74.203 * g + 112.0 * b)
    cr = 128 + (112.0 * r - 93.786 * g - 18.214 * b)

    def sub(c):
        return 0.25 * (c[0::2, 0::2] + c[1::2, 0::2] + c[0::2, 1::2] + c[1::2, 1::2])

    planes = [y, sub(cb), sub(cr)]
    return b"".join(np.clip(np.rint(p), 0, 255).astype(np.uint8).tobytes() for p in planes)


def make_natural(name: str, out: str) -> None:
    import skimage.io  # noqa: PLC0415
    from scipy import ndimage  # noqa: PLC0415
    from skimage import data as skdata  # noqa: PLC0415

    fname, size, (z0, z1), (p0, p1) = NATURAL[name]
    w, h = (int(v) for v in size.split("x"))
    img = skimage.io.imread(os.path.join(skdata.data_dir, fname))
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    img = img[..., :3].astype(np.float64) / 255.0
    ih, iw = img.shape[:2]
    maxw = min(iw, ih * w / h)  # largest 16:9 window inside the image
    frames = []
    for t in range(N_FRAMES):
        a = t / (N_FRAMES - 1)
        ww = maxw * (z0 + (z1 - z0) * a)
        wh = ww * h / w
        px = p0[0] + (p1[0] - p0[0]) * a
        py = p0[1] + (p1[1] - p0[1]) * a
        x0 = px * (iw - ww)
        y0 = py * (ih - wh)
        xs = x0 + (np.arange(w) + 0.5) * ww / w - 0.5
        ys = y0 + (np.arange(h) + 0.5) * wh / h - 0.5
        gy, gx = np.meshgrid(ys, xs, indexing="ij")
        rgb = np.stack([ndimage.map_coordinates(img[..., c], [gy, gx], order=3, mode="reflect")
                        for c in range(3)], axis=-1)
        frames.append(rgb_to_yuv420(np.clip(rgb, 0.0, 1.0)))
    write_y4m(out, w, h, frames)


def ffmpeg(args, log):
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-threads", "1",
           "-filter_threads", "1"] + args
    log.append(" ".join(cmd))
    subprocess.run(cmd, check=True)


def make_lavfi(name: str, out: str, log) -> None:
    size, graph = LAVFI[name]
    g = graph.format(s=size, r=FPS) + ",format=yuv420p"
    ffmpeg(["-f", "lavfi", "-i", g, "-frames:v", str(N_FRAMES), "-pix_fmt", "yuv420p",
            "-f", "yuv4mpegpipe", out + ".part"], log)
    os.replace(out + ".part", out)


# ---------------------------------------------------------------------------
# distortions: a distortion is a list of segments (fraction of the clip, chain);
# a chain is a list of steps applied in order.
# ---------------------------------------------------------------------------

def step_name(s) -> str:
    k = s[0]
    if k in ("x264", "x265"):
        return f"{k}crf{s[1]}"
    if k == "scale":
        return f"scale{s[1]}-{s[2]}{s[3]}"
    if k == "blur":
        return f"blur{s[1]}"
    if k == "noise":
        return f"noise{s[1]}"
    raise ValueError(s)


def dist_name(segments) -> str:
    if len(segments) == 1:
        return "+".join(step_name(s) for s in segments[0][1]) or "identity"
    return "segs[" + "|".join("+".join(step_name(s) for s in ch) for _, ch in segments) + "]"


def choose_distortions(rng: np.random.Generator):
    """11 distortions per source (plus identity), drawn from fixed pools."""
    x264 = [18, 22, 26, 30, 34, 38, 42, 46, 51]
    x265 = [20, 28, 36, 44, 51]
    scales = [(1, 2), (1, 3), (2, 3), (1, 4)]
    flags = ["bicubic", "bilinear"]
    blurs = [0.6, 1.0, 1.6, 2.5, 4.0]
    noises = [4, 8, 16, 32]
    out = [[(1.0, [])]]
    for c in sorted(rng.choice(x264, 4, replace=False).tolist()):
        out.append([(1.0, [("x264", c)])])
    for c in sorted(rng.choice(x265, 2, replace=False).tolist()):
        out.append([(1.0, [("x265", c)])])
    n, d = scales[rng.integers(len(scales))]
    out.append([(1.0, [("scale", n, d, flags[rng.integers(2)])])])
    out.append([(1.0, [("blur", float(rng.choice(blurs)))])])
    out.append([(1.0, [("noise", int(rng.choice(noises)))])])
    mixes = [
        lambda: [(1 / 3, [("x264", int(c))]) for c in rng.choice(x264, 3, replace=False)],
        lambda: [(1.0, [("blur", float(rng.choice(blurs[:3]))), ("x264", int(rng.choice(x264[2:])))])],
        lambda: [(1.0, [("scale", 1, 2, "bicubic"), ("x264", int(rng.choice(x264[1:7])))])],
        lambda: [(1.0, [("noise", int(rng.choice(noises[:3]))), ("x265", int(rng.choice(x265)))])],
        lambda: [(0.5, [("blur", float(b))]) for b in rng.choice(blurs, 2, replace=False)],
        lambda: [(0.25, [("x264", int(rng.choice(x264[:5])))]), (0.25, [("scale", 1, 3, "bilinear")]),
                 (0.25, [("blur", float(rng.choice(blurs)))]), (0.25, [("x265", int(rng.choice(x265[2:])))])],
    ]
    for i in sorted(rng.choice(len(mixes), 2, replace=False).tolist()):
        out.append(mixes[i]())
    return out


def apply_chain(src: str, dst: str, chain, w: int, h: int, tmpdir: str, log) -> None:
    cur = src
    for i, s in enumerate(chain):
        nxt = os.path.join(tmpdir, f"step{i}.y4m")
        k = s[0]
        if k in ("x264", "x265"):
            enc = os.path.join(tmpdir, f"step{i}.mkv")
            if k == "x264":
                codec = ["-c:v", "libx264", "-preset", "medium", "-crf", str(s[1]), "-x264-params", "threads=1"]
            else:
                codec = ["-c:v", "libx265", "-preset", "medium", "-crf", str(s[1]),
                         "-x265-params", "log-level=error:pools=1:frame-threads=1"]
            ffmpeg(["-i", cur] + codec + [enc], log)
            ffmpeg(["-i", enc, "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", nxt], log)
        else:
            if k == "scale":
                sw = max(2, int(round(w * s[1] / s[2] / 2)) * 2)
                sh = max(2, int(round(h * s[1] / s[2] / 2)) * 2)
                vf = f"scale={sw}:{sh}:flags={s[3]},scale={w}:{h}:flags={s[3]}"
            elif k == "blur":
                vf = f"gblur=sigma={s[1]}"
            elif k == "noise":
                vf = f"noise=alls={s[1]}:allf=t"
            ffmpeg(["-i", cur, "-vf", vf + ",format=yuv420p", "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", nxt], log)
        cur = nxt
    if cur == src:
        with open(src, "rb") as f, open(dst, "wb") as g:
            g.write(f.read())
    else:
        os.replace(cur, dst)


def make_distorted(ref: str, out: str, segments, log) -> None:
    w, h, frames = read_y4m(ref)
    tmpdir = out + ".tmp"
    os.makedirs(tmpdir, exist_ok=True)
    result, start = [], 0
    for j, (frac, chain) in enumerate(segments):
        n = len(frames) - start if j == len(segments) - 1 else int(round(frac * len(frames)))
        seg_ref = os.path.join(tmpdir, f"seg{j}_ref.y4m")
        seg_out = os.path.join(tmpdir, f"seg{j}_out.y4m")
        write_y4m(seg_ref, w, h, frames[start:start + n])
        apply_chain(seg_ref, seg_out, chain, w, h, tmpdir, log)
        w2, h2, got = read_y4m(seg_out)
        if (w2, h2, len(got)) != (w, h, n):
            raise RuntimeError(f"{out}: segment {j} decoded to {w2}x{h2}x{len(got)}, want {w}x{h}x{n}")
        result += got
        start += n
    write_y4m(out, w, h, result)
    for f in os.listdir(tmpdir):
        os.remove(os.path.join(tmpdir, f))
    os.rmdir(tmpdir)


# ---------------------------------------------------------------------------
# features + teacher
# ---------------------------------------------------------------------------

def score(binary: str, ref: str, dist: str, out_json: str) -> list[list[float]]:
    if not os.path.exists(out_json):
        subprocess.run([binary, "score", "-r", ref, "-d", dist, "--backend", "cpu", "--threads", "1",
                        "--quiet", "--output", out_json + ".part"], check=True)
        os.replace(out_json + ".part", out_json)
    with open(out_json) as f:
        js = json.load(f)
    rows = []
    for fr in js["frames"]:
        m = fr["metrics"]
        rows.append([float(m[k]) for k in METRIC_KEYS] + [float(m["vmaf"])])
    return rows


def split_sources(names_by_kind: dict[str, list[str]]) -> dict[str, str]:
    rng = np.random.default_rng(SEED)
    split = {}
    for kind in sorted(names_by_kind):
        names = sorted(names_by_kind[kind])
        perm = rng.permutation(len(names))
        n_test = int(round(TEST_FRACTION * len(names)))
        for i, p in enumerate(perm):
            split[names[p]] = "test" if i < n_test else "train"
    return split


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default="/tmp/tiny-corpus", help="where the Y4M clips go (not the repo)")
    ap.add_argument("--bin", default="/tmp/tvg/tinyvmaf-gpu", help="tinyvmaf-gpu binary (a stable copy)")
    ap.add_argument("--clips-only", action="store_true", help="stop after making the clips")
    ap.add_argument("--out", default=DATA)
    args = ap.parse_args()
    os.makedirs(args.corpus, exist_ok=True)
    log: list[str] = []
    t0 = time.time()

    sources = [(n, "lavfi") for n in sorted(LAVFI)] + [(n, "natural") for n in sorted(NATURAL)]
    split = split_sources({"lavfi": list(LAVFI), "natural": list(NATURAL)})
    plan = []
    for si, (name, kind) in enumerate(sources):
        ref = os.path.join(args.corpus, f"{name}.y4m")
        if not os.path.exists(ref):
            if kind == "lavfi":
                make_lavfi(name, ref, log)
            else:
                make_natural(name, ref)
        rng = np.random.default_rng([SEED, si])
        for segs in choose_distortions(rng):
            dname = dist_name(segs)
            dist = os.path.join(args.corpus, f"{name}__{dname}.y4m")
            if not os.path.exists(dist):
                if segs == [(1.0, [])]:
                    dist = ref
                else:
                    make_distorted(ref, dist, segs, log)
            plan.append((name, kind, dname, segs, ref, dist))
        print(f"[{time.time() - t0:7.1f}s] clips for {name} ({kind}, {split[name]})", flush=True)
    if args.clips_only:
        return 0

    version = subprocess.run([args.bin, "--version"], capture_output=True, text=True).stdout.strip()
    rows = []
    for i, (name, kind, dname, segs, ref, dist) in enumerate(plan):
        out_json = os.path.join(args.corpus, "scores", f"{name}__{dname}.json")
        os.makedirs(os.path.dirname(out_json), exist_ok=True)
        for fi, r in enumerate(score(args.bin, ref, dist, out_json)):
            rows.append([name, dname, fi] + r + [split[name]])
        if i % 10 == 0:
            print(f"[{time.time() - t0:7.1f}s] scored {i + 1}/{len(plan)} pairs, {len(rows)} frames", flush=True)

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "frames.csv"), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["source", "distortion", "frame"] + FEATURES + ["vmaf", "split"])
        for r in rows:
            wr.writerow(r[:3] + [repr(v) for v in r[3:10]] + [r[10]])
    ff = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.splitlines()[0]
    import scipy  # noqa: PLC0415
    import skimage  # noqa: PLC0415

    def sha(p):
        with open(p, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()

    vm = np.array([r[9] for r in rows])
    corpus = {
        "description": "vmaf_tiny_v1 training corpus; clips are regenerated by model/train/make_corpus.py, "
                       "only frames.csv is committed",
        "seed": SEED,
        "n_frames_per_source": N_FRAMES,
        "fps": FPS,
        "pixel_format": "yuv420p 8-bit Y4M",
        "tools": {
            "ffmpeg": ff,
            "tinyvmaf-gpu": version,
            "tinyvmaf-gpu_command": "score -r REF -d DIST --backend cpu --threads 1 --quiet --output OUT.json",
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-image": skimage.__version__,
        },
        "teacher": "vmaf (libvmaf vmaf_v0.6.1) as written by tinyvmaf-gpu score",
        "split": {"method": f"by source, stratified by kind, numpy default_rng({SEED}) permutation, "
                            f"{TEST_FRACTION:.0%} test", "test": sorted(k for k, v in split.items() if v == "test"),
                  "train": sorted(k for k, v in split.items() if v == "train")},
        "sources": [
            {"name": n, "kind": k, "split": split[n],
             **({"lavfi": LAVFI[n][1].format(s=LAVFI[n][0], r=FPS), "size": LAVFI[n][0]} if k == "lavfi" else
                {"skimage_file": NATURAL[n][0], "size": NATURAL[n][1], "zoom": NATURAL[n][2],
                 "path": NATURAL[n][3]}),
             "y4m_sha256": sha(os.path.join(args.corpus, f"{n}.y4m"))}
            for n, k in sources
        ],
        "distortions": [{"source": n, "distortion": d, "segments": [[fr, [list(s) for s in ch]] for fr, ch in sg]}
                        for n, _, d, sg, _, _ in plan],
        "n_frames": len(rows),
        "n_pairs": len(plan),
        "vmaf_histogram_bins_of_10": np.histogram(vm, bins=10, range=(0, 100))[0].tolist(),
        "ffmpeg_commands": COMMANDS,
    }
    with open(os.path.join(args.out, "corpus.json"), "w") as f:
        json.dump(corpus, f, indent=1)
        f.write("\n")
    print(f"wrote {len(rows)} frames from {len(plan)} pairs, {len(sources)} sources in {time.time() - t0:.0f}s")
    print("vmaf histogram (bins of 10):", corpus["vmaf_histogram_bins_of_10"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
