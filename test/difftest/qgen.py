#!/usr/bin/python3
"""Generator of random quantized (int8) models for the differential tests
(docs/difftest.md, "Quantized models").

    NODE_PATH=<dir with onnxruntime-node> /usr/bin/python3 qgen.py \\
        --seed S --count N --out DIR [--start K]

Writes DIR/q<S>_<i>/ with model.onnx, meta.json, in_<set>_0.bin and
ref_<set>_0.bin in run.py's format. Needs numpy, onnx and onnxruntime-node
(the oracle); no torch. Model i of seed S is the same on every run.

Families (meta.json "spec"; docs/difftest.md, "Quantized models"):
  qdq      QuantizeLinear/DequantizeLinear pairs around float layers, as
           quantization tools write them: Conv (1-D or 2-D, kernel 1-3,
           stride 1-2, dilation 1-2, pads, groups 1/2 or depthwise), with
           or without an int32 bias (scale s_x * s_w), ReLU or Clip(0, 6)
           before the QuantizeLinear, two parallel convolutions merged by a
           QDQ Add or Concat, MaxPool (inside a pair or on the integers),
           then Flatten and Gemm; activations uint8 or int8 (zero points
           anywhere in range), weights int8 per channel (opset 13) or per
           tensor, or uint8 per tensor with a zero point; opset 13 or 10.
  bnn      a QDQ first layer, binary layers between int8 tensors (Sign or
           Where binarizers of the dequantized tensor, +-1 Conv weights,
           a per-channel affine, ReLU), a QDQ Gemm head.
  qlinear  the operator format: QLinearConv chains, ConvInteger followed by
           Cast, Mul and QuantizeLinear, a QLinearMatMul or MatMulInteger
           head, in the type combinations onnxruntime's kernels take.
  dynamic  onnxruntime's dynamic quantization: DynamicQuantizeLinear,
           ConvInteger or MatMulInteger, Cast and the two scales (15%).
Every model's input is float; its output is a DequantizeLinear (float).

The reference is onnxruntime with graph optimizations off. qlinear models
run as they are. QDQ layers run through an integer twin (integer_twin): a
second graph of standard operators that computes docs/int8.md's
requantization exactly. The twin is checked against onnxruntime's own
integer kernels: with all optimizations its QDQ fusion runs the model as
QLinearConv/QGemm, and when it fused every layer the outputs must be equal
or the generator stops. Two input sets: random values, and values on exact
rounding ties of the input quantizer (k + 1/2 steps), some beyond its
range.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "models"))
from make_int8_models import run_ort  # noqa: E402

F32 = np.float32


def qrange(dtype):
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


class Graph:
    """A graph under construction: fresh names, initializers, nodes."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.nodes, self.inits, self.ops = [], [], []
        self.count = 0

    def name(self, stem):
        self.count += 1
        return "%s%s%d" % (self.prefix, stem, self.count)

    def const(self, stem, array):
        n = self.name(stem)
        self.inits.append(numpy_helper.from_array(np.asarray(array), n))
        return n

    def node(self, op, ins, stem=None, **attrs):
        out = self.name(stem or op.lower())
        self.nodes.append(helper.make_node(op, ins, [out], name=out, **attrs))
        self.ops.append(op)
        return out

    def quantize(self, x, scale, zp, dtype):
        return self.node("QuantizeLinear", [x, self.const("s", np.array(scale, F32)),
                                            self.const("z", np.array(zp, dtype))], "q")

    def dequantize(self, x, scale, zp, dtype):
        return self.node("DequantizeLinear", [x, self.const("s", np.array(scale, F32)),
                                              self.const("z", np.array(zp, dtype))], "dq")


class QTensor:
    """A quantized activation: its value in the model (name) and in the
    reference twin (twin), scale, zero point, dtype, shape, and a rough
    standard deviation of its real values (to choose the next scale so that
    outputs spread over the quantized range)."""

    def __init__(self, name, twin, scale, zp, dtype, shape, spread):
        self.name, self.twin = name, twin
        self.scale, self.zp, self.dtype = F32(scale), int(zp), np.dtype(dtype)
        self.shape, self.spread = list(shape), spread


class TooLarge(Exception):
    """An integer layer whose sums could reach 2^24 (the twin's float
    arithmetic would no longer be exact): the model is drawn again."""


def pick_act_type(rng):
    dt = np.dtype(np.uint8 if rng.random() < 0.5 else np.int8)
    lo, hi = qrange(dt)
    r = rng.random()
    if r < 0.4:
        zp = 0 if dt == np.int8 else 128
    elif r < 0.55:
        zp = lo
    else:
        zp = int(rng.integers(lo, hi + 1))
    return dt, zp


def conv_geometry(rng, c, length):
    k = int(rng.choice([1, 2, 3, 3]))
    stride = int(rng.choice([1, 1, 2]))
    dil = int(rng.choice([1, 1, 2]))
    eff = (k - 1) * dil + 1
    pad = int(rng.integers(0, eff)) if rng.random() < 0.7 else 0
    if length + 2 * pad < eff:
        pad = (eff - length + 1) // 2
    r = rng.random()
    if r < 0.15 and c > 1:
        group = c                      # depthwise
    elif r < 0.3 and c % 2 == 0:
        group = 2
    else:
        group = 1
    return {"k": k, "stride": stride, "dil": dil, "pad": pad, "group": group}


def conv_attrs(g, dims):
    """ONNX Conv attributes of a geometry drawn by conv_geometry."""
    return dict(kernel_shape=[g["k"]] * dims, strides=[g["stride"]] * dims,
                dilations=[g["dil"]] * dims, pads=[g["pad"]] * (2 * dims),
                group=g["group"])


def out_len(length, g):
    return (length + 2 * g["pad"] - ((g["k"] - 1) * g["dil"] + 1)) // g["stride"] + 1


class Weights:
    """Quantized weights (output channels on axis 0), their scale and zero
    point (per tensor: 0-D; per channel: 1-D), and the spread of their real
    values."""

    def __init__(self, rng, shape, per_channel, unsigned):
        if unsigned:
            self.zp = np.array(int(rng.integers(100, 156)), np.uint8)
            self.q = rng.integers(0, 256, size=shape).astype(np.uint8)
            self.scale = np.array(F32(rng.uniform(0.002, 0.02)), F32)
        else:
            self.q = rng.integers(-127, 128, size=shape).astype(np.int8)
            n = shape[0] if per_channel else None
            self.scale = np.asarray(rng.uniform(0.002, 0.02, size=n), F32)
            self.zp = np.zeros(n, np.int8) if per_channel else np.array(0, np.int8)
        self.centered = self.q.astype(np.int64) - self.zp.astype(np.int64).reshape(
            [-1] + [1] * (len(shape) - 1) if self.zp.ndim else [])
        self.spread = float(np.std(self.centered)) * float(np.mean(self.scale))

    def axis_attrs(self):
        return {"axis": 0} if self.scale.ndim else {}


def integer_twin(t, x, w, bias, layer, m, zp, dtype, activation=None):
    """The reference twin of an integer layer, in standard operators that
    onnxruntime runs one by one: x - x_zp as float (DequantizeLinear with
    scale 1, exact), the float Conv or Gemm with the integer weights w - w_zp
    and the int32 bias (exact: every partial sum stays below 2^24, checked),
    times the float32 multiplier m = (s_x * s_w) / s_y (one float32
    multiplication, as docs/int8.md defines the requantization), then
    QuantizeLinear with scale 1 (round half to even, + zp, saturate). An
    activation between the layer and its QuantizeLinear becomes a
    DequantizeLinear -> activation -> QuantizeLinear with the output's own
    parameters, which is exact (both steps are monotone)."""
    centered = w.centered
    bound = 255 * np.abs(centered).reshape(centered.shape[0], -1).sum(axis=1)
    if bias is not None:
        bound = bound + np.abs(bias.astype(np.int64))
    if bound.max() >= 2 ** 24:
        raise TooLarge()
    xf = t.node("DequantizeLinear", [x.twin, t.const("one", np.array(1, F32)),
                                     t.const("z", np.array(x.zp, x.dtype))], "dq")
    ins = [xf, t.const("w", centered.astype(F32))]
    if bias is not None:
        ins.append(t.const("b", bias.astype(F32)))
    if layer["op"] == "gemm":
        acc = t.node("Gemm", ins, "gemm", transB=1)
        mshape = [-1]
    else:
        dims = len(x.shape) - 2
        acc = t.node("Conv", ins, "conv", **conv_attrs(layer, dims))
        mshape = [-1] + [1] * dims
    v = t.node("Mul", [acc, t.const("m", np.asarray(m, F32).reshape(mshape)
                                    if np.ndim(m) else np.asarray(m, F32))])
    q = t.quantize(v, 1.0, zp, dtype)
    if activation is None:
        return q
    scale = activation[1]
    f = t.dequantize(q, scale, zp, dtype)
    return t.quantize(activation[0](t, f), scale, zp, dtype)


def both(b, t, x):
    """(graph, value) of the model and, when there is one, of the twin."""
    return [(b, x.name)] + ([(t, x.twin)] if t else [])


def multiplier(x_scale, w_scale, y_scale):
    return ((F32(x_scale) * np.asarray(w_scale, F32)).astype(F32) / F32(y_scale)).astype(F32)


def apply_activation(g, y, act, opset):
    if act == "relu":
        return g.node("Relu", [y])
    if act == "clip" and opset < 11:
        return g.node("Clip", [y], min=0.0, max=6.0)
    if act == "clip":
        return g.node("Clip", [y, g.const("lo", np.array(0, F32)),
                               g.const("hi", np.array(6, F32))])
    return y


def qdq_layer(b, t, rng, spec, x, layer, w, opset):
    """A QDQ Conv or Gemm: DequantizeLinear on the input, the weights and
    the int32 bias, the float layer, an optional ReLU or Clip(0, 6), and a
    QuantizeLinear."""
    cout = w.q.shape[0]
    xf = b.dequantize(x.name, x.scale, x.zp, x.dtype)
    wf = b.node("DequantizeLinear", [b.const("w", w.q), b.const("ws", w.scale),
                                     b.const("wz", w.zp)], "wdq", **w.axis_attrs())
    ins = [xf, wf]
    # Gemm's C is optional from opset 11 only.
    has_bias = rng.random() < 0.7 or (layer["op"] == "gemm" and opset < 11)
    bias = None
    if has_bias:
        bias = rng.integers(-2000, 2000, size=cout).astype(np.int32)
        bscale = (F32(x.scale) * w.scale).astype(F32)
        ins.append(b.node("DequantizeLinear",
                          [b.const("b", bias), b.const("bs", bscale),
                           b.const("bz", np.zeros(bscale.shape, np.int32))],
                          "bdq", **({"axis": 0} if bscale.ndim else {})))
    if layer["op"] == "gemm":
        y = b.node("Gemm", ins, "gemm", transB=1)
        shape = [x.shape[0], cout]
    else:
        dims = len(x.shape) - 2
        y = b.node("Conv", ins, "conv", **conv_attrs(layer, dims))
        shape = [x.shape[0], cout] + [out_len(l, layer) for l in x.shape[2:]]
    act = str(rng.choice(["none", "relu", "relu", "clip"]))
    y = apply_activation(b, y, act, opset)
    k = int(np.prod(w.q.shape[1:]))
    spread = x.spread * w.spread * np.sqrt(k)
    dt, zp = pick_act_type(rng)
    scale = next_scale(rng, spread)
    twin = integer_twin(t, x, w, bias, layer, multiplier(x.scale, w.scale, scale), zp, dt,
                        None if act == "none" else
                        (lambda g, f: apply_activation(g, f, act, 13), scale))
    spec["layers"].append(dict(layer, form="qdq", cout=cout, act=act, bias=has_bias,
                               per_channel=bool(w.scale.ndim), w_type=str(w.q.dtype),
                               y_type=str(dt), y_zp=zp))
    return QTensor(b.quantize(y, scale, zp, dt), twin, scale, zp, dt, shape, spread)


def qlinear_layer(b, t, rng, spec, x, layer, w):
    """QLinearConv / QLinearMatMul, or ConvInteger / MatMulInteger followed
    by Cast, Mul and QuantizeLinear (a float epilogue, exact ONNX
    semantics)."""
    cout = w.q.shape[0]
    k = int(np.prod(w.q.shape[1:]))
    spread = x.spread * w.spread * np.sqrt(k)
    dt, zp = pick_act_type(rng)
    integer = rng.random() < 0.35
    if not integer:
        # onnxruntime's QLinearConv and QLinearMatMul kernels write the
        # input's type.
        dt, zp = x.dtype, int(rng.integers(*qrange(x.dtype))) if rng.random() < 0.5 else x.zp
    scale = next_scale(rng, spread)
    gemm = layer["op"] == "gemm"
    dims = len(x.shape) - 2
    attrs = {} if gemm else conv_attrs(layer, dims)
    shape = [x.shape[0], cout] if gemm else \
        [x.shape[0], cout] + [out_len(l, layer) for l in x.shape[2:]]
    # MatMul takes w as [K, N]: a per-column scale.
    wq = w.q.T if gemm else w.q
    if integer:
        # onnxruntime's ConvInteger takes a per-tensor weight zero point
        # (per-channel int8 weights have zero points 0).
        wz = w.zp if gemm or not w.zp.ndim else np.array(0, w.zp.dtype)
        acc = b.node("MatMulInteger" if gemm else "ConvInteger",
                     [x.name, b.const("w", wq), b.const("xz", np.array(x.zp, x.dtype)),
                      b.const("wz", wz)], "matmulint" if gemm else "convint", **attrs)
        f = b.node("Cast", [acc], "cast", to=TensorProto.FLOAT)
        m = (F32(x.scale) * w.scale).astype(F32)
        mc = m.reshape([-1] + [1] * dims) if m.ndim and not gemm else m
        y = b.quantize(b.node("Mul", [f, b.const("m", mc)]), scale, zp, dt)
        spec["layers"].append(dict(layer, form="integer", cout=cout,
                                   per_channel=bool(w.scale.ndim), w_type=str(w.q.dtype),
                                   y_type=str(dt), y_zp=zp))
        return QTensor(y, None, scale, zp, dt, shape, spread)
    ins = [x.name, b.const("xs", np.array(x.scale, F32)), b.const("xz", np.array(x.zp, x.dtype)),
           b.const("w", wq), b.const("ws", w.scale), b.const("wz", w.zp),
           b.const("ys", np.array(scale, F32)), b.const("yz", np.array(zp, dt))]
    has_bias = not gemm and rng.random() < 0.7
    if has_bias:
        ins.append(b.const("b", rng.integers(-2000, 2000, size=cout).astype(np.int32)))
    y = b.node("QLinearMatMul" if gemm else "QLinearConv", ins,
               "qmatmul" if gemm else "qconv", **attrs)
    spec["layers"].append(dict(layer, form="qlinear", cout=cout, bias=has_bias,
                               per_channel=bool(w.scale.ndim), w_type=str(w.q.dtype),
                               y_type=str(dt), y_zp=zp))
    return QTensor(y, None, scale, zp, dt, shape, spread)


def next_scale(rng, spread):
    """An output scale that spreads values of this standard deviation over
    roughly +-40 steps, times a random factor (sometimes saturating)."""
    return F32(max(spread, 1e-6) / 40.0 * float(rng.choice([0.25, 0.5, 1, 1, 2, 4])))


def qdq_merge(b, t, rng, spec, x, g, cout, opset, dims):
    """Two QDQ convolutions of x with the same geometry, merged by a QDQ
    Add (a residual) or a channel Concat: float between the dequantize and
    the quantize, as ONNX defines it (one float32 addition per element;
    Concat copies)."""
    branches = []
    for _ in range(2):
        w = Weights(rng, [cout, x.shape[1] // g["group"]] + [g["k"]] * dims,
                    rng.random() < 0.6 and opset >= 13, unsigned_weights(rng, True, x))
        branches.append(qdq_layer(b, t, rng, spec, x, dict(g, op="conv"), w, opset))
    add = rng.random() < 0.6
    dt, zp = pick_act_type(rng)
    spread = float(np.hypot(*[y.spread for y in branches])) if add else max(
        y.spread for y in branches)
    scale = next_scale(rng, spread) * F32(4 if add else 8)
    outs = []
    for g_, names in ((b, [y.name for y in branches]), (t, [y.twin for y in branches])):
        fs = [g_.dequantize(v, y.scale, y.zp, y.dtype) for v, y in zip(names, branches)]
        merged = g_.node("Add", fs) if add else g_.node("Concat", fs, "concat", axis=1)
        outs.append(g_.quantize(merged, scale, zp, dt))
    shape = list(branches[0].shape)
    if not add:
        shape[1] *= 2
    spec["layers"].append({"op": "add" if add else "concat", "form": "qdq"})
    return QTensor(outs[0], outs[1], scale, zp, dt, shape, spread)


def binary_block(b, t, rng, spec, x, g, cout, dims):
    """A binary layer between int8 layers, as a binarized export writes it:
    a binarizer of DequantizeLinear(q) (Sign: 0 where q equals the zero
    point, which ONNX's Sign keeps; Where(a < 0, -1, 1): +1 at 0;
    Where(a > 0, 1, -1): -1 at 0), a Conv with +-1 weights, a per-channel
    affine (a folded BatchNorm: Mul then Add), an optional ReLU, and a
    QuantizeLinear. The twin runs the same float operators (every sum of
    the Conv is a small integer, exact in float32)."""
    w = np.where(rng.random([cout, x.shape[1] // g["group"]] + [g["k"]] * dims) < 0.5,
                 -1, 1).astype(F32)
    cshape = [cout] + [1] * dims
    alpha = (rng.uniform(0.02, 0.2, size=cout) * np.where(rng.random(cout) < 0.15, -1, 1)
             ).astype(F32).reshape(cshape)
    k = int(np.prod(w.shape[1:]))
    beta = (rng.normal(0, 0.5, size=cout) * float(np.mean(np.abs(alpha))) * np.sqrt(k)
            ).astype(F32).reshape(cshape)
    relu = rng.random() < 0.4
    spread = float(np.mean(np.abs(alpha))) * np.sqrt(k)
    dt, zp = pick_act_type(rng)
    scale = next_scale(rng, spread)
    form = str(rng.choice(["sign", "where_ge", "where_ge", "where_gt"]))
    outs = []
    for g_, v in both(b, t, x):
        a = g_.dequantize(v, x.scale, x.zp, x.dtype)
        plus, minus = g_.const("plus", np.array(1, F32)), g_.const("minus", np.array(-1, F32))
        zero = g_.const("zero", np.array(0, F32))
        if form == "sign":
            sgn = g_.node("Sign", [a])
        elif form == "where_ge":  # +1 at 0, as the binary kernels
            sgn = g_.node("Where", [g_.node("Less", [a, zero]), minus, plus])
        else:  # -1 at 0
            sgn = g_.node("Where", [g_.node("Greater", [a, zero]), plus, minus])
        y = g_.node("Conv", [sgn, g_.const("wb", w)], "bconv", **conv_attrs(g, dims))
        y = g_.node("Add", [g_.node("Mul", [y, g_.const("alpha", alpha)]),
                            g_.const("beta", beta)])
        if relu:
            y = g_.node("Relu", [y])
        outs.append(g_.quantize(y, scale, zp, dt))
    shape = [x.shape[0], cout] + [out_len(l, g) for l in x.shape[2:]]
    spec["layers"].append(dict(g, op="binary_conv", form="qdq", binarizer=form,
                               cout=cout, relu=relu,
                               y_type=str(dt), y_zp=zp))
    return QTensor(outs[0], outs[1], scale, zp, dt, shape, spread)


def maxpool(b, t, rng, spec, x, qdq):
    dims = len(x.shape) - 2
    k = int(min(2, min(x.shape[2:])))
    if k < 2:
        return x
    shape = x.shape[:2] + [(l - k) // k + 1 for l in x.shape[2:]]
    attrs = dict(kernel_shape=[k] * dims, strides=[k] * dims)
    if qdq:
        # Float MaxPool between a pair (exact: quantization is monotone),
        # with the same or other output parameters.
        same = rng.random() < 0.7
        if same:
            scale, zp, dt = x.scale, x.zp, x.dtype
        else:
            dt, zp = pick_act_type(rng)
            scale = F32(x.scale * rng.choice([0.5, 2.0]))
        outs = [g.quantize(g.node("MaxPool", [g.dequantize(v, x.scale, x.zp, x.dtype)],
                                  "maxpool", **attrs), scale, zp, dt)
                for g, v in both(b, t, x)] + [None]
        spec["layers"].append({"op": "maxpool", "form": "qdq", "k": k,
                               "same_qparams": bool(same)})
        return QTensor(outs[0], outs[1], scale, zp, dt, shape, x.spread)
    outs = [g.node("MaxPool", [v], "maxpool", **attrs) for g, v in both(b, t, x)] + [None]
    spec["layers"].append({"op": "maxpool", "form": "int8", "k": k})
    return QTensor(outs[0], outs[1], x.scale, x.zp, x.dtype, shape, x.spread)


def unsigned_weights(rng, qdq, x):
    """uint8 weights in 20% of the layers; onnxruntime's operator-format
    kernels take them with uint8 inputs only."""
    return rng.random() < 0.2 and (qdq or x.dtype == np.uint8)


def dynamic_layer(g, rng, spec, x, shape, last):
    """onnxruntime's dynamic quantization (quantize_dynamic): the float
    input quantized at run time (DynamicQuantizeLinear: uint8, scale and
    zero point from the tensor's range), MatMulInteger or ConvInteger with
    int8 or uint8 weights, Cast, the two scales multiplied in either order
    ((acc * s_x) * s_w, or acc * (s_x * s_w) with the product computed at
    run time), an optional float bias and ReLU. Every step is ONNX's own
    operator: the model is its own reference."""
    q, xs, xz = [g.name(n) for n in ("dq_x", "dq_scale", "dq_zp")]
    g.nodes.append(helper.make_node("DynamicQuantizeLinear", [x], [q, xs, xz],
                                    name=q))
    g.ops.append("DynamicQuantizeLinear")
    conv = len(shape) > 2
    dims = len(shape) - 2
    if conv:
        gm = conv_geometry(rng, shape[1], min(shape[2:]))
        gm["group"] = 1
        if min(out_len(l, gm) for l in shape[2:]) < 1:
            gm.update(k=1, dil=1, pad=0)
        cout = int(rng.integers(1, 13))
        wshape = [cout, shape[1]] + [gm["k"]] * dims
    else:
        cout = int(rng.integers(2, 11)) if last else int(rng.integers(2, 33))
        wshape = [cout, shape[1]]
    w = Weights(rng, wshape, False, rng.random() < 0.3)
    if conv:
        acc = g.node("ConvInteger", [q, g.const("w", w.q), xz, g.const("wz", w.zp)],
                     "convint", **conv_attrs(gm, dims))
        out = [shape[0], cout] + [out_len(l, gm) for l in shape[2:]]
    else:
        acc = g.node("MatMulInteger", [q, g.const("w", w.q.T), xz, g.const("wz", w.zp)],
                     "matmulint")
        out = [shape[0], cout]
    f = g.node("Cast", [acc], "cast", to=TensorProto.FLOAT)
    ws = g.const("ws", np.asarray(w.scale, F32))
    order = str(rng.choice(["chain", "product"]))
    if order == "chain":
        y = g.node("Mul", [g.node("Mul", [f, xs]), ws])
    else:
        y = g.node("Mul", [f, g.node("Mul", [xs, ws])])
    bias = rng.random() < 0.6
    if bias:
        bshape = [cout] + [1] * dims
        y = g.node("Add", [y, g.const("b", rng.normal(0, 0.5, size=bshape).astype(F32))])
    relu = not last and rng.random() < 0.6
    if relu:
        y = g.node("Relu", [y])
    spec["layers"].append({"op": "conv" if conv else "gemm", "form": "dynamic",
                           "cout": cout, "w_type": str(w.q.dtype), "scales": order,
                           "bias": bias, "relu": relu})
    return y, out


def build_dynamic(seed, index, attempt):
    rng = np.random.default_rng([seed, index, attempt])
    batch = int(rng.integers(1, 5))
    conv = rng.random() < 0.4
    shape = ([batch, int(rng.integers(1, 5))] + [int(rng.integers(4, 10))] * 2
             if conv else [batch, int(rng.integers(4, 65))])
    spec = {"family": "dynamic", "seed": seed, "index": index, "attempt": attempt,
            "batch": batch, "opset": 13, "layers": []}
    g = Graph("")
    x, cur = "x", list(shape)
    n = int(rng.integers(1, 4))
    for i in range(n):
        if len(cur) > 2 and i == n - 1:
            x = g.node("Flatten", [x], "flatten", axis=1)
            cur = [cur[0], int(np.prod(cur[1:]))]
        x, cur = dynamic_layer(g, rng, spec, x, cur, i == n - 1)
    g.nodes[-1].output[0] = "logits"
    graph = helper.make_graph(
        g.nodes, "q%d_%d" % (seed, index),
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, cur)],
        initializer=g.inits)
    model = helper.make_model(graph, producer_name="qgen.py",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model, full_check=True)
    x0 = rng.normal(0, 1, size=shape).astype(F32)
    # Non-negative values (min(0, x) = 0: the zero point is 0), the first
    # row constant.
    x1 = np.abs(rng.normal(0, 2, size=shape)).astype(F32)
    x1[0] = F32(0.75)
    return model, None, spec, [("random", x0), ("nonnegative", x1)], cur, sorted(set(g.ops))


def build(seed, index, attempt):
    # The family does not depend on the attempt; dynamic quantization (15%)
    # has a draw of its own.
    if np.random.default_rng([seed, index, 7]).random() < 0.15:
        return build_dynamic(seed, index, attempt)
    r = np.random.default_rng([seed, index]).random()
    fam = "qdq" if r < 0.45 else "bnn" if r < 0.7 else "qlinear"
    rng = np.random.default_rng([seed, index, attempt])
    dims = 1 if rng.random() < 0.3 else 2
    batch = int(rng.integers(1, 5))
    c0 = int(rng.integers(1, 7))
    size = [int(rng.integers(5, 25))] if dims == 1 else [int(rng.integers(4, 11))] * 2
    opset = 13 if fam == "qlinear" or rng.random() < 0.75 else 10
    spec = {"family": fam, "seed": seed, "index": index, "attempt": attempt, "dims": dims,
            "batch": batch, "opset": opset, "layers": []}
    # The qdq family's reference twin (integer_twin); the operator format
    # is its own reference.
    b, t = Graph(""), Graph("ref_") if fam != "qlinear" else None
    in_dt, in_zp = pick_act_type(rng)
    in_scale = F32(rng.uniform(0.01, 0.1))
    spec["input"] = {"type": str(in_dt), "zp": in_zp, "scale": float(in_scale)}
    shape = [batch, c0] + size
    x = QTensor(b.quantize("x", in_scale, in_zp, in_dt),
                t.quantize("x", in_scale, in_zp, in_dt) if t else None, in_scale, in_zp, in_dt, shape, 1.0)
    qdq = fam != "qlinear"
    for _ in range(int(rng.integers(2 if fam == "bnn" else 1, 4))):
        cin = x.shape[1]
        g = conv_geometry(rng, cin, min(x.shape[2:]))
        if min(out_len(l, g) for l in x.shape[2:]) < 1:
            continue
        if g["group"] == cin and cin > 1:
            cout = cin * int(rng.integers(1, 3))
        elif g["group"] > 1:
            cout = g["group"] * int(rng.integers(1, 5))
        else:
            cout = int(rng.integers(1, 17))
        w = Weights(rng, [cout, cin // g["group"]] + [g["k"]] * dims,
                    rng.random() < 0.6 and opset >= 13, unsigned_weights(rng, qdq, x))
        layer = dict(g, op="conv")
        if fam == "bnn" and spec["layers"]:
            x = binary_block(b, t, rng, spec, x, g, cout, dims)
        elif qdq and rng.random() < 0.2:
            x = qdq_merge(b, t, rng, spec, x, g, cout, opset, dims)
        else:
            x = (qdq_layer(b, t, rng, spec, x, layer, w, opset) if qdq else
                 qlinear_layer(b, t, rng, spec, x, layer, w))
        if rng.random() < 0.25:
            # MaxPool takes int8/uint8 tensors from opset 12.
            x = maxpool(b, t, rng, spec, x, qdq and (opset < 12 or rng.random() < 0.5))
    classes = int(rng.integers(2, 11))
    k = int(np.prod(x.shape[1:]))
    flat = [g.node("Flatten", [v], "flatten", axis=1) for g, v in both(b, t, x)] + [None]
    x = QTensor(flat[0], flat[1], x.scale, x.zp, x.dtype, [x.shape[0], k], x.spread)
    # QLinearMatMul's b scale per column: per tensor here (onnxruntime's
    # kernel takes a scalar).
    w = Weights(rng, [classes, k], qdq and opset >= 13 and rng.random() < 0.5,
                unsigned_weights(rng, qdq, x))
    layer = {"op": "gemm"}
    x = (qdq_layer(b, t, rng, spec, x, layer, w, opset) if qdq else
         qlinear_layer(b, t, rng, spec, x, layer, w))
    for g, v in both(b, t, x):
        g.dequantize(v, x.scale, x.zp, x.dtype)
        g.nodes[-1].output[0] = "logits"
    models = []
    for g in (b, t) if qdq else (b,):
        graph = helper.make_graph(
            g.nodes, "q%d_%d" % (seed, index),
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch, classes])],
            initializer=g.inits)
        model = helper.make_model(graph, producer_name="qgen.py",
                                  opset_imports=[helper.make_opsetid("", opset if g is b else 13)])
        model.ir_version = 7
        onnx.checker.check_model(model, full_check=True)
        models.append(model)
    lo, hi = qrange(in_dt)
    inputs = [("random", (rng.normal(0, 1, size=shape) *
                          float(in_scale * rng.choice([10, 30, 60]))).astype(F32))]
    # Exact ties of the input quantizer, some beyond its range.
    halves = rng.integers(lo - in_zp - 10, hi - in_zp + 10, size=shape) + 0.5
    inputs.append(("ties", (halves.astype(F32) * in_scale).astype(F32)))
    return models[0], models[1] if qdq else None, spec, inputs, [batch, classes], \
        sorted(set(b.ops))


# Layers of onnxruntime's optimized graph that compute something else than
# the integer twin: float convolutions and products (QDQ pairs it did not
# fuse) and its com.microsoft integer Add/Concat (a fixed-point form of
# what ONNX defines in float).
NOT_TWIN = {"Conv", "FusedConv", "Gemm", "MatMul", "FusedGemm", "FusedMatMul",
            "QLinearAdd", "QLinearConcat"}


def write(seed, index, out):
    """Draws model `index` of `seed` (again, with the next attempt, when a
    layer is too large for the exact twin or onnxruntime has no kernel for
    a type combination) and writes its directory."""
    for attempt in range(20):
        try:
            model, twin, spec, inputs, oshape, ops = build(seed, index, attempt)
            sets, info = [], {}
            for s, (name, x) in enumerate(inputs):
                ref = run_ort(twin or model, [("x", x)], "disabled")[0]
                if twin is not None:
                    ran = []
                    opt = run_ort(model, [("x", x)], "all", ran)[0]
                    fused = not NOT_TWIN & set(ran)
                    rows = [r for r in range(oshape[0]) if not np.array_equal(opt[r], ref[r])]
                    if fused and rows:
                        raise SystemExit("qgen.py: q%d_%04d: onnxruntime's fused QDQ model "
                                         "and the integer twin disagree" % (seed, index))
                    info["ort_fused_all_layers"] = fused
                    info.setdefault("ort_float_rows_differing", []).append(len(rows))
                sets.append((name, x, ref))
            break
        except TooLarge:
            continue
        except Exception as e:  # onnxruntime without a kernel for the types
            if "CalledProcessError" not in type(e).__name__:
                raise
            continue
    else:
        raise SystemExit("qgen.py: no valid draw for q%d_%04d" % (seed, index))
    d = os.path.join(out, "q%d_%04d" % (seed, index))
    os.makedirs(d, exist_ok=True)
    onnx.save(model, os.path.join(d, "model.onnx"))
    meta_sets = []
    for s, (name, x, ref) in enumerate(sets):
        x.tofile(os.path.join(d, "in_%d_0.bin" % s))
        ref.astype(F32).tofile(os.path.join(d, "ref_%d_0.bin" % s))
        meta_sets.append({"name": name, "near": [0] * oshape[0], "zero": [0] * oshape[0]})
    meta = {"inputs": [{"name": "x", "shape": list(inputs[0][1].shape)}],
            "outputs": [{"name": "logits", "shape": oshape}], "sets": meta_sets,
            "ops": ops, "oracle": dict(info, reference="onnxruntime, optimizations off, on " +
                                       ("the integer twin" if twin is not None else "the model")),
            "spec": spec}
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, separators=(",", ":"))
    return d


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    for i in range(a.start, a.start + a.count):
        print(write(a.seed, i, a.out), flush=True)


if __name__ == "__main__":
    main()
