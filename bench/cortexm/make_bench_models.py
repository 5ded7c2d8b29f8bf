#!/usr/bin/env python3
"""Writes the benchmark-only ONNX models of bench/cortex-m.sh (random
weights, fixed seed; instruction counts do not depend on accuracy):

  xnor_cnn16.onnx  the XNOR-Net-style digits CNN of issue 6: real 3x3 conv
                   1->32 @16x16, binary 3x3 convs 32->64 @16x16,
                   64->64 @8x8, 64->128 @4x4 (8.26M binary MACs), each
                   followed by BatchNorm (and 2x2 max pooling), binary dense
                   2048->10.
  bconv3x3.onnx    one binary layer: Sign -> 3x3 conv 64->64 @8x8, pad 1.
  dense.onnx       one binary layer: Sign -> Gemm 1024->256.
  bireal16.onnx    a Bi-Real-style CNN of issue 17 on 3x16x16 inputs: real
                   3x3 conv 3->32 + BatchNorm, two blocks x + BN(bconv3x3(
                   Sign(x))) at 32 channels @16x16, a downsampling block
                   (binary 3x3 stride-2 conv 32->64 + BN, shortcut 2x2
                   average pool + real 1x1 conv 32->64 + BN), one block at
                   64 channels @8x8, global average pool, real dense
                   64->10 (8.26M binary MACs, 353k real ones).

and a random raw float32 input file <model>.in0.bin
for each. Usage: make_bench_models.py OUTDIR (needs python3-onnx and
python3-numpy).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(6)


def pm1(*shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0).astype(np.float32)


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, stem):
        self.n += 1
        return "%s%d" % (stem, self.n)

    def const(self, array, stem="w"):
        name = self.name(stem)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, **attrs):
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def conv(self, x, weight):
        return self.op("Conv", [x, self.const(weight)], kernel_shape=[3, 3],
                       pads=[1, 1, 1, 1])

    def bn(self, x, c):
        return self.op("BatchNormalization", [
            x, self.const(rng.uniform(0.5, 1.5, c).astype(np.float32), "gamma"),
            self.const(rng.uniform(-1, 1, c).astype(np.float32), "beta"),
            self.const(rng.uniform(-2, 2, c).astype(np.float32), "mean"),
            self.const(rng.uniform(0.5, 2, c).astype(np.float32), "var")])

    def save(self, path, name, x_shape, y, y_shape):
        g = helper.make_graph(
            self.nodes, name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
            [helper.make_tensor_value_info(y, TensorProto.FLOAT, y_shape)],
            self.inits)
        model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
        onnx.checker.check_model(model)
        onnx.save(model, path + ".onnx")
        rng.standard_normal(x_shape).astype(np.float32).tofile(path + ".in0.bin")


def xnor_cnn16(out):
    g = Graph()
    h = g.op("Relu", [g.bn(g.conv("x", rng.standard_normal((32, 1, 3, 3)).astype(np.float32)), 32)])
    h = g.bn(g.conv(g.op("Sign", [h]), pm1(64, 32, 3, 3)), 64)
    h = g.op("MaxPool", [h], kernel_shape=[2, 2], strides=[2, 2])
    h = g.bn(g.conv(g.op("Sign", [h]), pm1(64, 64, 3, 3)), 64)
    h = g.op("MaxPool", [h], kernel_shape=[2, 2], strides=[2, 2])
    h = g.bn(g.conv(g.op("Sign", [h]), pm1(128, 64, 3, 3)), 128)
    h = g.op("Flatten", [g.op("Sign", [h])], axis=1)
    y = g.op("Gemm", [h, g.const(pm1(10, 2048)), g.const(np.zeros(10, np.float32), "b")],
             transB=1)
    g.save(os.path.join(out, "xnor_cnn16"), "xnor_cnn16", [1, 1, 16, 16], y, [1, 10])


def bireal16(out):
    g = Graph()

    def block(x, c_in, c_out, stride=1):
        w = pm1(c_out, c_in, 3, 3)
        y = g.bn(g.op("Conv", [g.op("Sign", [x]), g.const(w)], kernel_shape=[3, 3],
                      pads=[1, 1, 1, 1], strides=[stride, stride]), c_out)
        if stride != 1:
            x = g.op("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
            w1 = (rng.standard_normal((c_out, c_in, 1, 1)) / np.sqrt(c_in)).astype(np.float32)
            x = g.bn(g.op("Conv", [x, g.const(w1)], kernel_shape=[1, 1]), c_out)
        return g.op("Add", [y, x])

    h = g.bn(g.conv("x", (rng.standard_normal((32, 3, 3, 3)) / 3).astype(np.float32)), 32)
    h = block(block(h, 32, 32), 32, 32)
    h = block(h, 32, 64, stride=2)
    h = block(h, 64, 64)
    h = g.op("Flatten", [g.op("GlobalAveragePool", [h])], axis=1)
    y = g.op("Gemm", [h, g.const((rng.standard_normal((10, 64)) / 8).astype(np.float32)),
                      g.const(np.zeros(10, np.float32), "b")], transB=1)
    g.save(os.path.join(out, "bireal16"), "bireal16", [1, 3, 16, 16], y, [1, 10])


def bconv3x3(out):
    g = Graph()
    y = g.conv(g.op("Sign", ["x"]), pm1(64, 64, 3, 3))
    g.save(os.path.join(out, "bconv3x3"), "bconv3x3", [1, 64, 8, 8], y, [1, 64, 8, 8])


def dense(out):
    g = Graph()
    y = g.op("Gemm", [g.op("Sign", ["x"]), g.const(pm1(256, 1024))], transB=1)
    g.save(os.path.join(out, "dense"), "dense", [1, 1024], y, [1, 256])


if __name__ == "__main__":
    os.makedirs(sys.argv[1], exist_ok=True)
    for make in (xnor_cnn16, bconv3x3, dense, bireal16):
        make(sys.argv[1])
