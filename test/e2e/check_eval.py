#!/usr/bin/python3
"""check_eval.py --bnnc-eval TOOL --work DIR [--target T] [--only ID ...]

Runs bnnc-eval on every e2e model whose test_data_set_0 records PyTorch's
predictions (a non-empty argmax.txt) and the true labels (labels.txt): the inputs
(input_<i>.pb, named after the graph inputs) and labels go into an .npz,
bnnc-eval compiles the model with the flags its e2e test uses, and its
top-1 accuracy must equal PyTorch's (the count of argmax == label), on the
compiled model and on its float path. Needs numpy and onnx.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_reports  # noqa: E402  (models and their bnnc flags)


def graph_inputs(onnx_path):
    model = onnx.load(onnx_path, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    return [i.name for i in model.graph.input if i.name not in inits]


def check(args, model_id, onnx_path):
    data = os.path.join(os.path.dirname(onnx_path), "test_data_set_0")
    labels = np.loadtxt(os.path.join(data, "labels.txt"), dtype=np.int64,
                        ndmin=1)
    pytorch = np.loadtxt(os.path.join(data, "argmax.txt"), dtype=np.int64,
                         ndmin=1)
    arrays = {"labels": labels}
    for i, name in enumerate(graph_inputs(onnx_path)):
        t = onnx.TensorProto()
        with open(os.path.join(data, "input_%d.pb" % i), "rb") as f:
            t.ParseFromString(f.read())
        arrays[name] = numpy_helper.to_array(t)
    npz = os.path.join(args.work, model_id.replace("/", "_") + ".npz")
    np.savez(npz, **arrays)
    flags = check_reports.EXTRA_ARGS.get(os.path.basename(model_id), [])
    r = subprocess.run([args.bnnc_eval, onnx_path, "--data", npz, "--json",
                        "--target", args.target] + flags,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if r.returncode:
        return False, "bnnc-eval failed: " + r.stderr.strip()
    result = json.loads(r.stdout)
    want = int((pytorch == labels).sum())
    n = len(labels)
    clean = result["clean"]
    ok = clean["compiled_correct"] == want and clean["float_correct"] == want
    return ok, "PyTorch %d/%d, compiled %d/%d, float path %d/%d, %d "\
        "disagree" % (want, n, clean["compiled_correct"], n,
                      clean["float_correct"], n, len(clean["disagreeing"]))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bnnc-eval", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--target", default="generic")
    p.add_argument("--only", action="append", default=[])
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    models = []
    for model_id, onnx_path, _, _ in check_reports.find_models():
        d = os.path.join(os.path.dirname(onnx_path), "test_data_set_0")
        argmax = os.path.join(d, "argmax.txt")
        # ln_gamma's argmax.txt is empty: a LayerNorm test model, not a
        # classifier with recorded predictions.
        if (os.path.exists(os.path.join(d, "labels.txt")) and
                os.path.exists(argmax) and os.path.getsize(argmax) and
                (not args.only or model_id in args.only)):
            models.append((model_id, onnx_path))
    passed = 0
    for model_id, onnx_path in models:
        ok, msg = check(args, model_id, onnx_path)
        passed += ok
        print("%s %s: %s" % ("ok  " if ok else "FAIL", model_id, msg))
        sys.stdout.flush()
    print("eval: %d of %d models reproduce PyTorch's accuracy" % (
        passed, len(models)))
    return 0 if passed == len(models) and models else 1


if __name__ == "__main__":
    sys.exit(main())
