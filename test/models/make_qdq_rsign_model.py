#!/usr/bin/python3
"""An int8 tensor into a binary layer through an RSign (ReActNet's
per-channel shift before the sign): QuantizeLinear -> DequantizeLinear ->
Sub(t[c]) -> Where(y >= 0, 1, -1) -> Conv with +-1 weights (pads 1).

bnnc moves the sign's threshold to the int8 scale (bnn-fuse-epilogues,
ThresholdPackOnIntegers): the binary layer packs q < t_q[c] from the
integers. The reference is a numpy transcription of the ONNX semantics
(float32 steps in ONNX's order); its outputs are integers, so the test is
exact. Thresholds sit on, between and beyond the dequantized values.

Run: /usr/bin/python3 test/models/make_qdq_rsign_model.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "qdq_rsign")


def main():
    rs = np.random.RandomState(18)
    x = rs.uniform(-1.2, 1.2, size=(2, 4, 5, 5)).astype(np.float32)
    scale, zp = np.float32(0.0625), np.int8(-3)
    # On a dequantized value (0.125 = (5 - -3) * ... no: (q + 3) * 0.0625),
    # between two, below and above every value.
    t = np.array([0.125, 0.1, -9.0, 9.0], np.float32).reshape(1, 4, 1, 1)
    w = np.where(rs.rand(3, 4, 3, 3) < 0.5, -1.0, 1.0).astype(np.float32)

    # numpy reference, ONNX semantics.
    q = np.clip(np.rint(x / scale) + zp, -128, 127).astype(np.int8)
    d = (q.astype(np.float32) - np.float32(zp)) * scale
    b = np.where(d - t >= 0, 1.0, -1.0).astype(np.float32)
    padded = np.pad(b, ((0, 0), (0, 0), (1, 1), (1, 1)))
    y = np.zeros((2, 3, 5, 5), np.float32)
    for i in range(5):
        for j in range(5):
            y[:, :, i, j] = np.einsum("nchw,ochw->no",
                                      padded[:, :, i:i + 3, j:j + 3], w)

    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["q"], name="quant"),
        helper.make_node("DequantizeLinear", ["q", "s", "zp"], ["d"], name="dequant"),
        helper.make_node("Sub", ["d", "t"], ["shifted"], name="rsign"),
        helper.make_node("GreaterOrEqual", ["shifted", "zero"], ["ge"], name="ge"),
        helper.make_node("Where", ["ge", "one", "minus_one"], ["b"], name="sign"),
        helper.make_node("Conv", ["b", "w"], ["y"], name="bconv", pads=[1, 1, 1, 1]),
    ]
    inits = [
        numpy_helper.from_array(np.array(scale, np.float32), "s"),
        numpy_helper.from_array(np.array(zp, np.int8), "zp"),
        numpy_helper.from_array(t, "t"),
        numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
        numpy_helper.from_array(np.array(1.0, np.float32), "one"),
        numpy_helper.from_array(np.array(-1.0, np.float32), "minus_one"),
        numpy_helper.from_array(w, "w"),
    ]
    graph = helper.make_graph(
        nodes, "qdq_rsign",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4, 5, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 5, 5])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    os.makedirs(os.path.join(OUT, "test_data_set_0"), exist_ok=True)
    onnx.save(model, os.path.join(OUT, "model.onnx"))
    for name, array in (("input_0", x), ("output_0", y)):
        with open(os.path.join(OUT, "test_data_set_0", name + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(array).SerializeToString())
    # How many values sit exactly on a threshold (q - zp) * s == t.
    print("values on a threshold:", int(np.sum(d == t)))


if __name__ == "__main__":
    main()
