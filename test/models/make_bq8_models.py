#!/usr/bin/python3
"""Builds the test models of a binary layer feeding an int8 tensor
(issue 18 item 2, docs/int8.md "Binary layer -> int8"), with onnx.helper and
their reference outputs from onnxruntime.

    (cd /tmp/ort && npm install --ignore-scripts onnxruntime-node)
    NODE_PATH=/tmp/ort/node_modules /usr/bin/python3 make_bq8_models.py

Each model: x [2, 8, 6, 6] float -> the binarizer Where(x >= 0, 1, -1) ->
Conv 3x3 (pads 1, so border windows have fewer taps; weights +-1, 24 output
channels) -> Mul by a per-channel scale -> Add a per-channel bias
[-> Relu | Clip] -> QuantizeLinear -> DequantizeLinear (the output, float).
The convolution's sums are integers (every product is +-1), exact in
float32 in any order, so onnxruntime's Mul, Add and QuantizeLinear see the
same float32 values as bnnc's binary convolution with its float epilogue:
the references are exact, and bnnc must reproduce them bit for bit.

  bq8_uint8     uint8, per-tensor scale and zero point 128, scales of both
                signs (negative ones reverse the order of the outputs), Relu.
  bq8_int8      int8, per-channel scales (axis 1) and zero points, Clip.
  bq8_ties      uint8 with scale = bias = s / 2 (s the quantization scale):
                every dot (even: 8 input channels) d = 2j gives the exact
                tie j + 1/2, which rounds to the even neighbour, up for odd
                j and down for even j: no floor(d * mul + add) form has
                these steps, so bnnc keeps the float epilogue and the
                QuantizeLinear (the test checks both the outputs and that
                the fusion did not happen).

Inputs are random normal values, so some windows are all +1 or all -1 and
the dots reach +-K.
"""
import os
import sys

import numpy as np
from onnx import helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_int8_models import F32, build, const, run_ort, save  # noqa: E402

N, C, H, W, M = 2, 8, 6, 6, 24


def model(name, rng, scale, bias, qscale, qzp, act=None, clip=None):
    axis = 1
    nodes = [
        helper.make_node("GreaterOrEqual", ["x", "zero"], ["ge"]),
        helper.make_node("Where", ["ge", "one", "minus_one"], ["xb"]),
        helper.make_node("Conv", ["xb", "w"], ["c"], pads=[1, 1, 1, 1],
                         kernel_shape=[3, 3]),
        helper.make_node("Mul", ["c", "scale"], ["cs"]),
        helper.make_node("Add", ["cs", "bias"], ["cb"]),
    ]
    last = "cb"
    inits = [const("zero", np.array(0, F32)), const("one", np.array(1, F32)),
             const("minus_one", np.array(-1, F32)),
             const("w", rng.choice([-1.0, 1.0], (M, C, 3, 3)).astype(F32)),
             const("scale", scale.reshape(1, M, 1, 1).astype(F32)),
             const("bias", bias.reshape(1, M, 1, 1).astype(F32)),
             const("qs", qscale.astype(F32)), const("qz", qzp)]
    if act == "relu":
        nodes.append(helper.make_node("Relu", [last], ["a"]))
        last = "a"
    elif act == "clip":
        inits += [const("lo", np.array(clip[0], F32)),
                  const("hi", np.array(clip[1], F32))]
        nodes.append(helper.make_node("Clip", [last, "lo", "hi"], ["a"]))
        last = "a"
    nodes += [helper.make_node("QuantizeLinear", [last, "qs", "qz"], ["q"],
                               axis=axis),
              helper.make_node("DequantizeLinear", ["q", "qs", "qz"], ["y"],
                               axis=axis)]
    x = rng.standard_normal((N, C, H, W)).astype(F32)
    # All-positive and all-negative images: dots of +-K at inner windows.
    x[0, :, :3, :3] = np.abs(x[0, :, :3, :3]) + 0.1
    x[1, :, 3:, 3:] = -np.abs(x[1, :, 3:, 3:]) - 0.1
    m = build(name, nodes, [("x", x)], [("y", F32, (N, M, H, W))], inits)
    (y,) = run_ort(m, [("x", x)])
    save(name, m, [("x", x)], [("y", y)])
    print(name, "written;", len(np.unique(y)), "distinct output values")


def main():
    rng = np.random.default_rng(1808)
    k = 9 * C
    scale = rng.uniform(0.01, 0.05, M) * rng.choice([-1, 1], M)
    bias = rng.uniform(-0.5, 0.5, M)
    model("bq8_uint8", rng, scale, bias, np.array(0.02), np.array(128, np.uint8),
          act="relu")
    scale = rng.uniform(0.005, 0.03, M) * rng.choice([-1, 1], M)
    qscale = rng.uniform(0.01, 0.04, M)
    qzp = rng.integers(-20, 20, M).astype(np.int8)
    model("bq8_int8", rng, scale, rng.uniform(-1, 1, M), qscale, qzp,
          act="clip", clip=(-0.6, 0.9))
    # Ties: v = (dot + 1) * s/2, v / s = dot/2 + 1/2 exactly.
    qs = 0.0625
    model("bq8_ties", rng, np.full(M, qs / 2), np.full(M, qs / 2),
          np.array(qs), np.array(128, np.uint8))
    assert k == 72


if __name__ == "__main__":
    main()
