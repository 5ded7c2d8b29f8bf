#!/usr/bin/python3
"""Second oracle: checks the PyTorch reference outputs of difftest models
against onnxruntime (onnxruntime-node, docs/difftest.md).

    /usr/bin/python3 ort_check.py [--tol T] [--work DIR] MODELDIR_OR_CORPUS...

Needs the onnx Python package (to rewrite the QONNX BipolarQuant nodes,
which onnxruntime does not have, into the standard
Mul(Where(x >= 0, 1, -1), scale)) and node with onnxruntime-node installed
in test/difftest/ort (cd test/difftest/ort && npm install --ignore-scripts).
Every row that is not near-threshold must give PyTorch's argmax and logits
within the tolerance. Prints one line per disagreement and a summary; exit
status 1 if onnxruntime disagrees with a reference (or cannot run a model).
"""
import argparse
import json
import os
import subprocess
import sys

import onnx
from onnx import helper, TensorProto

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as runner  # noqa: E402

QONNX = "qonnx.custom_op.general"


def standard_copy(src, dst):
    """dst: src with every BipolarQuant replaced by standard operators."""
    m = onnx.load(src)
    opset = max([o.version for o in m.opset_import if o.domain in ("", "ai.onnx")] or [13])
    nodes = []
    consts = []
    changed = False
    for i, n in enumerate(m.graph.node):
        if n.domain != QONNX:
            nodes.append(n)
            continue
        changed = True
        x, s = n.input[0], n.input[1]
        p = "__bq%d_" % i
        consts += [helper.make_tensor(p + "zero", TensorProto.FLOAT, [], [0.0]),
                   helper.make_tensor(p + "one", TensorProto.FLOAT, [], [1.0]),
                   helper.make_tensor(p + "mone", TensorProto.FLOAT, [], [-1.0])]
        if opset >= 12:
            nodes.append(helper.make_node("GreaterOrEqual", [x, p + "zero"], [p + "ge"]))
        else:
            nodes.append(helper.make_node("Less", [x, p + "zero"], [p + "lt"]))
            nodes.append(helper.make_node("Not", [p + "lt"], [p + "ge"]))
        nodes.append(helper.make_node("Where", [p + "ge", p + "one", p + "mone"], [p + "pm"]))
        nodes.append(helper.make_node("Mul", [p + "pm", s], [n.output[0]]))
    if changed:
        del m.graph.node[:]
        m.graph.node.extend(nodes)
        m.graph.initializer.extend(consts)
        keep = [o for o in m.opset_import if o.domain != QONNX]
        del m.opset_import[:]
        m.opset_import.extend(keep)
    onnx.save(m, dst)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--work", default="/tmp/bnnc-difftest-ort")
    a = ap.parse_args()
    models = runner.find_models(a.paths)
    os.makedirs(a.work, exist_ok=True)
    jobs = []
    for m in models:
        w = os.path.join(a.work, m.id.replace("/", "_"))
        os.makedirs(w, exist_ok=True)
        onnx_path = os.path.join(w, "model.onnx")
        standard_copy(os.path.join(m.dir, "model.onnx"), onnx_path)
        inp = m.meta["inputs"][0]
        jobs.append({"model": onnx_path, "input": inp["name"], "shape": inp["shape"],
                     "runs": [[os.path.join(m.dir, "in_%d_0.bin" % s),
                               os.path.join(w, "ort_%d.bin" % s)] for s in range(m.sets)]})
    jf = os.path.join(a.work, "jobs.json")
    with open(jf, "w") as f:
        json.dump(jobs, f)
    r = subprocess.run(["node", os.path.join(HERE, "ort", "ort_run.js"), jf],
                       stdout=subprocess.PIPE, universal_newlines=True)
    status = {}
    for line in r.stdout.splitlines():
        w = line.split(" ", 1)
        if len(w) == 2:
            status[w[1].split(":")[0]] = line
    bad = 0
    checked = 0
    for m, job in zip(models, jobs):
        line = status.get(job["model"], "error: no result")
        if not line.startswith("ok"):
            print("FAIL %s onnxruntime: %s" % (m.id, line))
            bad += 1
            continue
        rows = job["shape"][0]
        fails = []
        for s, st in enumerate(m.meta["sets"]):
            y = runner.read_f32(job["runs"][s][1])
            res = runner.compare_rows(y, m.ref(s), rows, a.tol)
            for row in range(rows):
                if st["near"][row]:
                    continue
                checked += 1
                if res[row]:
                    fails.append("set %s row %d%s: %s" % (
                        st["name"], row, " (zero)" if st["zero"][row] else "", res[row]))
        if fails:
            bad += 1
            print("FAIL %s onnxruntime vs pytorch: %d rows, %s" % (m.id, len(fails), fails[0]))
    print("onnxruntime: %d models, %d rows checked, %d models disagree with the reference"
          % (len(models), checked, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
