#!/usr/bin/python3
"""Second oracle for the float TFLite test models: runs them with LiteRT.js
(Google's TFLite runtime compiled to WebAssembly, test/models/tflite/litert)
and compares its outputs with the committed references of tflite_ref.py.

    cd test/models/tflite/litert && npm install --ignore-scripts
    /usr/bin/python3 test/models/tflite/litert_check.py [--tol 1e-5]

Models with LCE custom operators cannot run in LiteRT and are skipped by
name (tflite_quicknet). Exit status 1 on any disagreement beyond
tol * max(1, |ref|) of a float model.

The int8 model (tflite_int8) is compared exactly: the script counts the
outputs on which LiteRT equals the committed reference (TFLite's reference
kernels: QUANTIZE rounds ties away from zero), and the outputs on which it
equals tflite_ref.py with QUANTIZE ties rounded to even, as XNNPack's
quantize does. An int8 model fails the check only if the second count is
not all of its outputs.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)
FLOAT_MODELS = ["tflite_cnn"]
INT8_MODELS = ["tflite_int8"]
SHAPES = {"tflite_cnn": [1, 12, 12, 3], "tflite_int8": [1, 10, 10, 3]}


def litert(name):
    d = os.path.join(MODELS, name)
    out = subprocess.run(
        ["node", os.path.join(HERE, "litert", "run.mjs"),
         os.path.join(d, "model.tflite"), os.path.join(d, "input_0.bin")]
        + [str(s) for s in SHAPES[name]],
        capture_output=True, text=True, check=True).stdout
    return [np.array(json.loads(line), np.float32)
            for line in out.splitlines() if line.startswith("[")]


def check_int8(name):
    sys.path.insert(0, HERE)
    import tflite_ref
    d = os.path.join(MODELS, name)
    data = open(os.path.join(d, "model.tflite"), "rb").read()
    x = np.fromfile(os.path.join(d, "input_0.bin"), np.float32)
    x = x.reshape(SHAPES[name])
    even = tflite_ref.run(data, [x], quantize_ties="even")
    bad = 0
    for i, g in enumerate(litert(name)):
        ref = np.fromfile(os.path.join(d, "output_%d.bin" % i), np.float32)
        e = np.asarray(even[i], np.float32).reshape(-1)
        same, same_even = int(np.sum(g == ref)), int(np.sum(g == e))
        bad += same_even != ref.size
        print("%s output %d: %d values; LiteRT = reference on %d (max diff "
              "%.3g), = reference with QUANTIZE ties to even on %d %s"
              % (name, i, ref.size, same, np.abs(g - ref).max(), same_even,
                 "ok" if same_even == ref.size else "MISMATCH"))
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tol", type=float, default=1e-5)
    args = ap.parse_args()
    bad = 0
    for name in FLOAT_MODELS:
        d = os.path.join(MODELS, name)
        out = subprocess.run(
            ["node", os.path.join(HERE, "litert", "run.mjs"),
             os.path.join(d, "model.tflite"), os.path.join(d, "input_0.bin")]
            + [str(s) for s in SHAPES[name]],
            capture_output=True, text=True, check=True).stdout
        got = [np.array(json.loads(line), np.float32)
               for line in out.splitlines() if line.startswith("[")]
        for i, g in enumerate(got):
            ref = np.fromfile(os.path.join(d, "output_%d.bin" % i), np.float32)
            err = np.abs(g - ref) / np.maximum(1.0, np.abs(ref))
            ok = g.shape == ref.shape and err.max() <= args.tol
            bad += not ok
            print("%s output %d: %d values, max scaled err %.3g %s"
                  % (name, i, ref.size, err.max(), "ok" if ok else "MISMATCH"))
    for name in INT8_MODELS:
        bad += check_int8(name)
    print("%d mismatching outputs" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
