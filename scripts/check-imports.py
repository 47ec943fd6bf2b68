#!/usr/bin/env python3
"""Checks that the `use crate::…` / `use super::…` edges between src/ files form a
DAG (no import cycle), and that no module imports a module above it in the layout.

Usage: scripts/check-imports.py [--edges]   (exit 1 on a cycle or a layer violation)

A path is resolved to the file of the deepest module it names (`crate::features::
vif::gpu::VifPlan` → src/features/vif/gpu.rs; `crate::features::FeatureOptions` →
src/features/mod.rs). Test modules (`#[cfg(test)]` blocks) are skipped: they may
reach anywhere.
"""
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

# Lower layers first; a module may import its own layer or any layer below it.
LAYERS = [
    {"io", "exit", "test_rng", "process", "simd"},
    {"gpu", "registry"},
    {"features", "verify"},
    {"model"},
    {"pooling"},
    {"output"},
    {"score"},
    {"batch", "compat", "report"},
    {"cli", "main", "lib"},
]


def module_files():
    files = {}
    for root, _, names in os.walk(SRC):
        for n in names:
            if n.endswith(".rs"):
                path = os.path.relpath(os.path.join(root, n), SRC)
                parts = path[:-3].split(os.sep)
                if parts[-1] == "mod":
                    parts = parts[:-1]
                files[tuple(parts)] = path
    return files


def strip_tests(text):
    """Drops `#[cfg(test)] mod … { … }` blocks."""
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(pub\s+)?mod\s+\w+\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while depth and j < len(text):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)


def use_paths(text):
    """Every path of every `use` item, groups expanded."""
    text = re.sub(r"//[^\n]*", "", text)
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        yield from expand(m.group(1).strip())


def expand(tree):
    tree = tree.strip()
    brace = tree.find("{")
    if brace < 0:
        yield re.sub(r"\s+as\s+\w+$", "", tree)
        return
    prefix, inner = tree[:brace], tree[brace + 1 : tree.rfind("}")]
    depth, start = 0, 0
    for k, c in enumerate(inner + ","):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "," and depth == 0:
            item = inner[start:k].strip()
            start = k + 1
            if item:
                for sub in expand(item):
                    yield prefix + sub if sub != "self" else prefix.rstrip(":")


def resolve(module, path, files):
    segs = [s for s in path.split("::") if s]
    if not segs:
        return None
    if segs[0] == "crate":
        base, segs = [], segs[1:]
    elif segs[0] == "super":
        base = list(module)
        while segs and segs[0] == "super":
            base, segs = base[:-1], segs[1:]
    elif segs[0] == "self":
        base, segs = list(module), segs[1:]
    else:
        return None  # another crate
    best = tuple(base)
    cur = list(base)
    for s in segs:
        cur.append(s)
        if tuple(cur) in files:
            best = tuple(cur)
        else:
            break
    return best if best in files else None


def main():
    files = module_files()
    edges = {}
    for mod, path in files.items():
        with open(os.path.join(SRC, path), encoding="utf-8") as f:
            text = strip_tests(f.read())
        targets = set()
        for p in use_paths(text):
            t = resolve(mod, p, files)
            if t is not None and t != mod and t != mod[: len(t)]:
                targets.add(t)
        # A parent importing its own child (`pub use cpu::*` in mod.rs) is the
        # child's content, not a dependency between layers; keep it for cycles.
        edges[mod] = targets
    if "--edges" in sys.argv:
        for m in sorted(edges):
            for t in sorted(edges[m]):
                print(f"{files[m]} -> {files[t]}")
    failed = False
    # Cycles (Tarjan's strongly connected components).
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(comp)

    sys.setrecursionlimit(10000)
    for v in edges:
        if v not in index:
            strong(v)
    for comp in sccs:
        failed = True
        print("import cycle: " + " <-> ".join(sorted(files[m] for m in comp)))
    layer_of = {name: i for i, layer in enumerate(LAYERS) for name in layer}
    for m, targets in edges.items():
        top = m[0] if m else "lib"
        for t in targets:
            tl = layer_of.get(t[0] if t else "lib")
            ml = layer_of.get(top)
            if tl is not None and ml is not None and tl > ml:
                failed = True
                print(f"upward import: {files[m]} (layer {ml}) uses {files[t]} (layer {tl})")
    n = sum(len(t) for t in edges.values())
    print(f"{len(files)} files, {n} import edges: {'FAILED' if failed else 'a DAG, no upward import'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
