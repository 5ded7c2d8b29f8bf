#!/usr/bin/python3
"""Builds test/models/splat_fill: uniform constants too large to spell out
in C (issue 14), with onnxruntime's outputs as the reference.

    /usr/bin/python3 test/models/make_splat_model.py

ConstantOfShape([300, 300], 0.5) and ConstantOfShape([70000], -2) (int64)
are over the 65,536-element limit of bnn-materialize-splats, so the C fills
them at run time; ConstantOfShape([64], 3) stays static data. Outputs:
  colsum = ReduceSum(c0 + x, axis 0)       float [300]
  ids    = ReduceSum(c1)                    int64 [] (-140000)
  small  = x[:64] * c2                      float [64]
The reference outputs come from onnxruntime-node (test/difftest/ort),
an oracle bnnc did not write.
"""
import json
import os
import subprocess
import tempfile

import numpy as np
import onnx
from onnx import helper as h, numpy_helper as nh, TensorProto as T

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "splat_fill")
ORT = os.path.join(os.path.dirname(HERE), "difftest", "ort")


def const_of_shape(name, shape, value):
    return [h.make_node("Constant", [], [name + "_shape"], name=name + "_s",
                        value=nh.from_array(np.array(shape, np.int64))),
            h.make_node("ConstantOfShape", [name + "_shape"], [name],
                        name=name, value=nh.from_array(np.array([value])))]


def build():
    nodes = (const_of_shape("c0", [300, 300], np.float32(0.5)) +
             const_of_shape("c1", [70000], np.int64(-2)) +
             const_of_shape("c2", [64], np.float32(3.0)))
    nodes += [
        h.make_node("Add", ["c0", "x"], ["sum0"], name="add0"),
        h.make_node("ReduceSum", ["sum0", "axes0"], ["colsum"], keepdims=0,
                    name="colsum"),
        h.make_node("ReduceSum", ["c1"], ["ids"], keepdims=0, name="ids"),
        h.make_node("Slice", ["x", "starts", "ends"], ["x64"], name="slice"),
        h.make_node("Mul", ["x64", "c2"], ["small"], name="small"),
    ]
    inits = [nh.from_array(np.array([0], np.int64), "axes0"),
             nh.from_array(np.array([0], np.int64), "starts"),
             nh.from_array(np.array([64], np.int64), "ends")]
    graph = h.make_graph(
        nodes, "splat_fill", [h.make_tensor_value_info("x", T.FLOAT, [300])],
        [h.make_tensor_value_info("colsum", T.FLOAT, [300]),
         h.make_tensor_value_info("ids", T.INT64, []),
         h.make_tensor_value_info("small", T.FLOAT, [64])], inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)],
                         producer_name="make_splat_model.py")
    onnx.checker.check_model(model, full_check=True)
    return model


ORT_SCRIPT = r"""
const fs = require('fs');
const ort = require('onnxruntime-node');
(async () => {
  const s = await ort.InferenceSession.create(process.argv[2]);
  const buf = fs.readFileSync(process.argv[3]);
  const x = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const r = await s.run({x: new ort.Tensor('float32', Float32Array.from(x), [300])});
  const out = {};
  for (const k of s.outputNames) out[k] = Array.from(r[k].data, Number);
  console.log(JSON.stringify(out));
})();
"""


def main():
    model = build()
    os.makedirs(os.path.join(OUT, "test_data_set_0"), exist_ok=True)
    path = os.path.join(OUT, "model.onnx")
    onnx.save(model, path)
    x = np.random.default_rng(14).standard_normal(300).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        x.tofile(os.path.join(tmp, "x.bin"))
        script = os.path.join(ORT, "splat_ort.js")
        with open(script, "w") as f:
            f.write(ORT_SCRIPT)
        try:
            ref = json.loads(subprocess.check_output(
                ["node", script, path, os.path.join(tmp, "x.bin")], cwd=ORT))
        finally:
            os.remove(script)
    data = os.path.join(OUT, "test_data_set_0")
    onnx.save_tensor(nh.from_array(x, "x"), os.path.join(data, "input_0.pb"))
    outs = [np.array(ref["colsum"], np.float32),
            np.array(ref["ids"], np.int64).reshape(()),
            np.array(ref["small"], np.float32)]
    for i, (name, v) in enumerate(zip(["colsum", "ids", "small"], outs)):
        onnx.save_tensor(nh.from_array(v, name),
                         os.path.join(data, "output_%d.pb" % i))
    print("wrote", OUT, "ids =", int(outs[1]))


if __name__ == "__main__":
    main()
