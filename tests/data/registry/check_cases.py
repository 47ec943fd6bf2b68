#!/usr/bin/env python3
"""Check the registry/sidecar JSON Schemas against the case tables in this directory.

Every invalid case must fail, and every error the validator reports must sit at the
case's `pointer` (a JSON pointer to the instance location, "" for the root) -- i.e.
the document is valid except for that one bad value. Every valid case must pass.

Usage: python3 tests/data/registry/check_cases.py   (needs `pip install jsonschema`)
"""
import json
import pathlib
import sys

from jsonschema import Draft202012Validator

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
TINY = ROOT / "model" / "tiny"

VALID_SIDECARS = [
    {"name": "minimal sidecar", "document": {
        "id": "vmaf_tiny_v1",
        "inputs": [{"name": "features", "shape": ["N", 6], "dtype": "float32"}],
        "outputs": [{"name": "score", "shape": ["N", 1], "dtype": "float32"}],
        "features": ["adm2", "vif_scale0", "vif_scale1", "vif_scale2", "vif_scale3", "motion2"],
        "output_range": [0, 100]}},
    {"name": "full sidecar", "document": {
        "id": "vmaf_v0.6.1",
        "inputs": [{"name": "features", "shape": [1, 6], "dtype": "float64"}],
        "outputs": [{"name": "score", "shape": [1], "dtype": "float32"}],
        "features": ["adm2", "vif_scale0", "vif_scale1", "vif_scale2", "vif_scale3", "motion2"],
        "libvmaf_features": ["VMAF_integer_feature_adm2_score"],
        "output_range": [0.0, 100.0],
        "score_transform": None,
        "feature_options": {"vif_enhn_gain_limit": 1.0, "adm_enhn_gain_limit": 100.0},
        "provenance": {"trained_on": "x"},
        "precision": {"plcc": 0.99},
        "output_name": "score"}},
]


def pointer(path):
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def load(p):
    with open(p, encoding="utf-8") as f:
        return json.load(f)


def validator(schema_path):
    schema = load(schema_path)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", schema_path
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def run(label, v, invalid, valid):
    failures = 0
    for c in invalid:
        errs = list(v.iter_errors(c["document"]))
        got = sorted({pointer(e.absolute_path) for e in errs})
        ok = bool(errs) and got == [c["pointer"]]
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {label} invalid: {c['name']!r:50} want {c['pointer']!r:42} got {got}"
              + ("" if ok else "  " + "; ".join(e.message for e in errs)))
    for c in valid:
        errs = list(v.iter_errors(c["document"]))
        failures += bool(errs)
        print(f"{'FAIL' if errs else 'ok  '} {label} valid:   {c['name']!r}"
              + "".join(f"\n       {pointer(e.absolute_path)!r}: {e.message}" for e in errs))
    return failures


def main():
    reg = validator(TINY / "registry.schema.json")
    side = validator(TINY / "sidecar.schema.json")
    invalid = load(HERE / "invalid_cases.json")
    valid = load(HERE / "valid_cases.json")
    invalid_sc = load(HERE / "invalid_sidecars.json")
    failures = run("registry", reg, invalid, valid)
    failures += run("sidecar", side, invalid_sc, VALID_SIDECARS)
    registry_json = TINY / "registry.json"
    if registry_json.exists():
        failures += run("registry", reg, [], [{"name": str(registry_json.relative_to(ROOT)),
                                               "document": load(registry_json)}])
    total = len(invalid) + len(valid) + len(invalid_sc) + len(VALID_SIDECARS)
    print(f"{total - failures}/{total} cases passed"
          f" (registry: {len(invalid)} invalid, {len(valid)} valid;"
          f" sidecar: {len(invalid_sc)} invalid, {len(VALID_SIDECARS)} valid)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
