#!/usr/bin/python3
"""Builds the int8 test models of docs/int8.md (issue 18) with onnx.helper
and their reference outputs from onnxruntime.

Run with Debian's Python (numpy, onnx) and onnxruntime-node from npm:
    (cd /tmp/ort && npm install --ignore-scripts onnxruntime-node)
    NODE_PATH=/tmp/ort/node_modules /usr/bin/python3 make_int8_models.py
Writes <name>/model.onnx and <name>/test_data_set_0/{input,output}_N.pb for

  qlinear_ops   The operator format at opset 13: QuantizeLinear (uint8
                per-tensor, int8 per-axis), QLinearConv (uint8 input, int8
                per-channel weights, int32 bias, pads; then grouped, strided
                and dilated), ConvInteger (uint8, zero points), QLinearMatMul
                (int8, batched), MatMulInteger (per-column b zero point) and
                DequantizeLinear (per-tensor and per-axis). Inputs include
                exact rounding ties (x / scale = k + 1/2) and values beyond
                the int8 range.

  qdq_cnn       A QDQ model exported by PyTorch (torch.onnx, opset 13) from
                manual fake quantization (torch.fake_quantize_per_tensor_affine
                on activations, ..._per_channel_affine on weights): int8
                Conv+ReLU x2 (padding, stride 2), then Linear; each bias
                becomes an int32 initializer with DequantizeLinear(scale =
                s_in * s_w), as quantization tools write it. Reference:
                onnxruntime with its graph optimizations (its QDQ fusion runs
                the layers as QLinearConv/QGemm), which bnnc must match bit
                for bit; the float32 graph (optimizations off) is reported.

For qlinear_ops, two oracles must agree before anything is written, bit for bit on every
integer output: onnxruntime (ort_reference.js, graph optimizations off, so
each node runs its own CPU kernel) and a numpy transcription of the
semantics bnnc implements (docs/int8.md): float32 x / scale rounded half to
even (np.rint) and saturated; int32 accumulation; requantization
float32(acc) * ((s_in * s_w) / s_out) in float32, rounded half to even.
The float outputs (DequantizeLinear) are compared exactly too. The
expected outputs written are onnxruntime's.
"""
import json
import os
import subprocess
import tempfile

import numpy as np
import onnx
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13
F32 = np.float32
DTYPES = {np.dtype(np.float32): "float32", np.dtype(np.int8): "int8",
          np.dtype(np.uint8): "uint8", np.dtype(np.int32): "int32",
          np.dtype(np.int64): "int64"}


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def build(name, nodes, inputs, outputs, initializers):
    """inputs: [(name, array)]; outputs: [(name, numpy dtype, shape)]."""
    vi = lambda n, dt, shape: helper.make_tensor_value_info(
        n, onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype(dt)], list(shape))
    graph = helper.make_graph(
        nodes, name, [vi(n, a.dtype, a.shape) for n, a in inputs],
        [vi(n, dt, s) for n, dt, s in outputs], initializer=initializers)
    model = helper.make_model(graph, producer_name="make_int8_models.py",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 7
    onnx.checker.check_model(model, full_check=True)
    return model


def run_ort(model, inputs, optimize="disabled", ops=None):
    """The outputs of onnxruntime-node, in graph output order; `ops`, a
    list, receives the op types of the graph onnxruntime ran."""
    script = os.path.join(HERE, "ort_reference.js")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        onnx.save(model, path)
        job = {"model": path, "optimize": optimize, "inputs": [], "outputs": [],
               "optimized_model": os.path.join(tmp, "optimized.onnx")}
        for k, (n, a) in enumerate(inputs):
            f = os.path.join(tmp, "in%d.bin" % k)
            a.tofile(f)
            job["inputs"].append({"name": n, "dtype": DTYPES[a.dtype],
                                  "shape": list(a.shape), "file": f})
        outs = model.graph.output
        for k in range(len(outs)):
            job["outputs"].append(os.path.join(tmp, "out%d.bin" % k))
        with open(os.path.join(tmp, "job.json"), "w") as f:
            json.dump(job, f)
        subprocess.run(["node", script, os.path.join(tmp, "job.json")],
                       check=True)
        if ops is not None:
            ops.extend(n.op_type for n in
                       onnx.load(job["optimized_model"]).graph.node)
        results = []
        for k, o in enumerate(outs):
            dt = onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[o.type.tensor_type.elem_type]
            shape = [d.dim_value for d in o.type.tensor_type.shape.dim]
            results.append(np.fromfile(job["outputs"][k], dtype=dt)
                           .reshape(shape))
        return results


def save(name, model, inputs, outputs):
    d = os.path.join(HERE, name)
    data = os.path.join(d, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    onnx.save(model, os.path.join(d, "model.onnx"))
    for kind, tensors in (("input", inputs), ("output", outputs)):
        for k, (n, a) in enumerate(tensors):
            with open(os.path.join(data, "%s_%d.pb" % (kind, k)), "wb") as f:
                f.write(numpy_helper.from_array(a, n).SerializeToString())


# --- the semantics bnnc implements (docs/int8.md), in numpy ----------------

def bounds(dtype):
    info = np.iinfo(dtype)
    return info.min, info.max


def quantize(x, scale, zp, axis=1):
    """saturate(rint(x / scale) + zp), float32 division, ties to even."""
    shape = [1] * x.ndim
    if np.size(scale) > 1:
        shape[axis] = -1
    s = np.asarray(scale, F32).reshape(shape)
    z = np.asarray(zp).astype(np.int64).reshape(shape)
    q = np.rint((x.astype(F32) / s).astype(F32)).astype(np.float64) + z
    lo, hi = bounds(np.asarray(zp).dtype)
    return np.clip(q, lo, hi).astype(np.asarray(zp).dtype)


def dequantize(q, scale, zp, axis=1):
    shape = [1] * q.ndim
    if np.size(scale) > 1:
        shape[axis] = -1
    d = (q.astype(np.int64) - np.asarray(zp).astype(np.int64).reshape(shape))
    return (d.astype(F32) * np.asarray(scale, F32).reshape(shape)).astype(F32)


def requantize(acc, s_in, s_w, s_out, zp, axis):
    """float32(acc) * ((s_in * s_w) / s_out) in float32, ties to even."""
    shape = [1] * acc.ndim
    if np.size(s_w) > 1:
        shape[axis] = -1
    m = ((F32(s_in) * np.asarray(s_w, F32)).astype(F32) / F32(s_out)).astype(F32)
    v = (acc.astype(F32) * m.reshape(shape)).astype(F32)
    q = np.rint(v).astype(np.float64) + int(zp)
    lo, hi = bounds(np.asarray(zp).dtype)
    return np.clip(q, lo, hi).astype(np.asarray(zp).dtype)


def conv_int(x, xz, w, wz, bias=None, pads=(0, 0, 0, 0), strides=(1, 1),
             dilations=(1, 1), group=1):
    """int64 reference of ConvInteger: padding with the zero point."""
    x = x.astype(np.int64) - int(xz)
    wz = np.asarray(wz).astype(np.int64).reshape(-1, 1, 1, 1)
    w = w.astype(np.int64) - wz
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (x.shape[2] - (dilations[0] * (kh - 1) + 1)) // strides[0] + 1
    ow = (x.shape[3] - (dilations[1] * (kw - 1) + 1)) // strides[1] + 1
    y = np.zeros((n, m, oh, ow), np.int64)
    mg = m // group
    for o in range(m):
        g = o // mg
        for i in range(oh):
            for j in range(ow):
                patch = x[:, g * cg:(g + 1) * cg,
                          i * strides[0]:i * strides[0] + dilations[0] * (kh - 1) + 1:dilations[0],
                          j * strides[1]:j * strides[1] + dilations[1] * (kw - 1) + 1:dilations[1]]
                y[:, o, i, j] = (patch * w[o]).sum(axis=(1, 2, 3))
    if bias is not None:
        y += bias.astype(np.int64).reshape(1, -1, 1, 1)
    assert np.all(np.abs(y) < 2**31)
    return y.astype(np.int32)


def matmul_int(a, az, b, bz):
    a = a.astype(np.int64) - np.asarray(az).astype(np.int64).reshape(-1, 1)
    b = b.astype(np.int64) - np.asarray(bz).astype(np.int64).reshape(1, -1)
    return np.matmul(a, b).astype(np.int32)


# --- qlinear_ops ------------------------------------------------------------

def with_ties(rng, shape, scale, lo, hi):
    """Values k * scale / 2 (many exact ties of x / scale), some beyond the
    quantized range, and ordinary random ones."""
    halves = rng.integers(2 * lo, 2 * hi, size=shape).astype(F32) * F32(0.5)
    x = (halves * F32(scale)).astype(F32)
    noise = rng.uniform(lo, hi, size=shape).astype(F32) * F32(scale)
    pick = rng.random(shape) < 0.3
    return np.where(pick, noise, x).astype(F32)


def qlinear_ops():
    rng = np.random.default_rng(18)
    sx, zx = F32(0.05), np.uint8(120)
    x = with_ties(rng, (1, 3, 8, 8), sx, -140, 150)
    # int8 per-axis quantization of x (axis 1).
    sq = np.array([0.02, 0.05, 0.1], F32)
    zq = np.array([-5, 0, 7], np.int8)

    w1 = rng.integers(-127, 128, size=(8, 3, 3, 3)).astype(np.int8)
    sw1 = rng.uniform(0.002, 0.02, size=8).astype(F32)
    zw1 = np.zeros(8, np.int8)
    b1 = rng.integers(-3000, 3000, size=8).astype(np.int32)
    sy1, zy1 = F32(0.37), np.uint8(100)

    w2 = rng.integers(-127, 128, size=(8, 4, 3, 3)).astype(np.int8)
    sw2 = rng.uniform(0.002, 0.01, size=8).astype(F32)
    zw2 = np.zeros(8, np.int8)
    sy2, zy2 = F32(0.11), np.uint8(128)
    sd2 = np.array([0.5], F32)

    w3 = rng.integers(0, 256, size=(4, 3, 2, 2)).astype(np.uint8)
    zw3 = np.uint8(131)

    a = with_ties(rng, (2, 5, 16), F32(0.04), -130, 130)
    sa, za = F32(0.04), np.int8(-3)
    bm = rng.integers(-128, 128, size=(16, 6)).astype(np.int8)
    sb, zb = F32(0.013), np.int8(2)
    sym, zym = F32(0.21), np.int8(-7)
    b2 = rng.integers(-128, 128, size=(16, 4)).astype(np.int8)
    zb2 = rng.integers(-4, 5, size=4).astype(np.int8)

    inits = [const(n, v) for n, v in [
        ("sx", sx), ("zx", zx), ("sq", sq), ("zq", zq),
        ("w1", w1), ("sw1", sw1), ("zw1", zw1), ("b1", b1), ("sy1", sy1),
        ("zy1", zy1), ("w2", w2), ("sw2", sw2), ("zw2", zw2), ("sy2", sy2),
        ("zy2", zy2), ("w3", w3), ("zw3", zw3), ("sa", sa), ("za", za),
        ("bm", bm), ("sb", sb), ("zb", zb), ("sym", sym), ("zym", zym),
        ("b2", b2), ("zb2", zb2)]]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"]),
        helper.make_node("QuantizeLinear", ["x", "sq", "zq"], ["xq_axis"],
                         axis=1),
        helper.make_node("DequantizeLinear", ["xq_axis", "sq", "zq"],
                         ["xd_axis"], axis=1),
        helper.make_node("QLinearConv", ["xq", "sx", "zx", "w1", "sw1", "zw1",
                                         "sy1", "zy1", "b1"], ["y1"],
                         pads=[1, 1, 1, 1]),
        helper.make_node("QLinearConv", ["y1", "sy1", "zy1", "w2", "sw2",
                                         "zw2", "sy2", "zy2"], ["y2"],
                         group=2, strides=[2, 2], dilations=[2, 1],
                         pads=[2, 1, 1, 0]),
        helper.make_node("DequantizeLinear", ["y2", "sy2", "zy2"], ["y2f"]),
        helper.make_node("ConvInteger", ["xq", "w3", "zx", "zw3"], ["ci"],
                         strides=[2, 1]),
        helper.make_node("QuantizeLinear", ["a", "sa", "za"], ["aq"]),
        helper.make_node("QLinearMatMul", ["aq", "sa", "za", "bm", "sb", "zb",
                                           "sym", "zym"], ["ym"]),
        helper.make_node("MatMulInteger", ["aq", "b2", "za", "zb2"], ["mi"]),
    ]
    outputs = [("xq", np.uint8, (1, 3, 8, 8)), ("xq_axis", np.int8, (1, 3, 8, 8)),
               ("xd_axis", F32, (1, 3, 8, 8)), ("y1", np.uint8, (1, 8, 8, 8)),
               ("y2f", F32, (1, 8, 4, 4)), ("ci", np.int32, (1, 4, 4, 7)),
               ("ym", np.int8, (2, 5, 6)), ("mi", np.int32, (2, 5, 4))]
    inputs = [("x", x), ("a", a)]
    model = build("qlinear_ops", nodes, inputs, outputs, inits)

    # The numpy transcription of bnnc's semantics.
    xq = quantize(x, sx, zx)
    xq_axis = quantize(x, sq, zq, axis=1)
    y1 = requantize(conv_int(xq, zx, w1, zw1, b1, pads=(1, 1, 1, 1)),
                    sx, sw1, sy1, zy1, 1)
    y2 = requantize(conv_int(y1, zy1, w2, zw2, group=2, strides=(2, 2),
                             dilations=(2, 1), pads=(2, 1, 1, 0)),
                    sy1, sw2, sy2, zy2, 1)
    aq = quantize(a, sa, za)
    expected = [xq, xq_axis, dequantize(xq_axis, sq, zq, axis=1), y1,
                dequantize(y2, sy2, zy2),
                conv_int(xq, zx, w3, zw3, strides=(2, 1)),
                requantize(matmul_int(aq, za, bm, zb), sa, sb, sym, zym, 2),
                matmul_int(aq, za, b2, zb2)]
    got = run_ort(model, inputs)
    for (n, _, _), e, g in zip(outputs, expected, got):
        assert e.shape == g.shape and e.dtype == g.dtype, n
        if not np.array_equal(e, g):
            raise SystemExit("%s: onnxruntime and the numpy semantics differ "
                             "at %d of %d elements" % (n, np.sum(e != g), e.size))
    ties = np.sum(np.abs((x / sx).astype(F32) % 1 - 0.5) == 0)
    print("qlinear_ops: onnxruntime == numpy semantics on all %d outputs "
          "(%d exact ties in x / sx)" % (len(outputs), ties))
    save("qlinear_ops", model, inputs, [(n, g) for (n, _, _), g in
                                        zip(outputs, got)])


# --- qdq_cnn ----------------------------------------------------------------

BATCH = 64


def qdq_cnn():
    import torch
    import torch.nn.functional as F
    torch.manual_seed(18)
    conv1 = torch.nn.Conv2d(1, 8, 3, padding=1)
    conv2 = torch.nn.Conv2d(8, 16, 3, stride=2, padding=1)
    fc = torch.nn.Linear(16 * 4 * 4, 10)
    calib = torch.randn(16, 1, 8, 8)

    def act_scale(t, relu):
        """uint8 per-tensor parameters covering t: zp 0 after a ReLU (range
        [0, max]), else symmetric around zp 128."""
        if relu:
            return float(t.max()) / 255.0, 0
        return float(t.abs().max()) / 127.0, 128

    def weight_scales(w):
        return w.detach().reshape(w.shape[0], -1).abs().max(1).values / 127.0

    # Calibrate the activation scales on float activations.
    with torch.no_grad():
        a1 = F.relu(conv1(calib))
        a2 = F.relu(conv2(a1))
        a3 = fc(a2.flatten(1))
    params = {"x": act_scale(calib, False), "a1": act_scale(a1, True),
              "a2": act_scale(a2, True), "y": act_scale(a3, False)}
    sw = [weight_scales(m.weight) for m in (conv1, conv2, fc)]
    # Float32 scales: the exported graph holds them as float tensors.
    sw = [s.float() for s in sw]

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            # Submodules, so that the weights are initializers that the
            # fake quantization reads (QuantizeLinear in the graph).
            self.conv1, self.conv2, self.fc = conv1, conv2, fc

        def forward(self, x):
            def fq(t, name):
                s, z = params[name]
                return torch.fake_quantize_per_tensor_affine(t, s, z, 0, 255)

            def fw(m, k):
                return torch.fake_quantize_per_channel_affine(
                    m.weight, sw[k], torch.zeros(sw[k].shape[0], dtype=torch.int32),
                    0, -128, 127)
            x = fq(x, "x")
            x = fq(F.relu(F.conv2d(x, fw(conv1, 0), conv1.bias, padding=1)), "a1")
            x = fq(F.relu(F.conv2d(x, fw(conv2, 1), conv2.bias, stride=2,
                                   padding=1)), "a2")
            # Re-quantizing after the Flatten (same parameters) puts a
            # DequantizeLinear right before the Gemm, the form onnxruntime
            # fuses (QGemm).
            x = fq(x.flatten(1), "a2")
            return fq(F.linear(x, fw(fc, 2), fc.bias), "y")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.onnx")
        torch.onnx.export(Net(), torch.zeros(BATCH, 1, 8, 8), path, opset_version=13,
                          input_names=["x"], output_names=["logits"],
                          do_constant_folding=False)
        model = onnx.load(path)
    fold_constants(model)
    quantize_biases(model)
    onnx.checker.check_model(model, full_check=True)

    x = (torch.randn(BATCH, 1, 8, 8) * 1.2).numpy().astype(F32)
    inputs = [("x", x)]
    ops = []
    fused = run_ort(model, inputs, optimize="all", ops=ops)[0]
    print("qdq_cnn: onnxruntime ran %s" % " ".join(ops))
    floats = run_ort(model, inputs, optimize="disabled")[0]
    s_y = F32(params["y"][0])
    diff = np.rint((fused - floats) / s_y).astype(np.int64)
    print("qdq_cnn: %d of %d outputs of the float32 graph differ from the "
          "fused one (max %d LSB)" % (np.count_nonzero(diff), diff.size,
                                      np.abs(diff).max()))
    save("qdq_cnn", model, inputs, [("logits", fused)])


def fold_constants(model):
    """torch.onnx writes the scales and zero points as (double) Constants
    and Casts, which bnnc does not import (no float64): every Constant and
    Cast of a Constant becomes an initializer of the cast type."""
    g = model.graph
    values = {}
    kept = []
    for n in g.node:
        if n.op_type == "Constant":
            values[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
        elif n.op_type == "Cast" and n.input[0] in values:
            dt = onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[n.attribute[0].i]
            values[n.output[0]] = values[n.input[0]].astype(dt)
        else:
            kept.append(n)
    used = {i for n in kept for i in n.input}
    g.initializer.extend(numpy_helper.from_array(np.asarray(v), k)
                         for k, v in values.items() if k in used)
    del g.node[:]
    g.node.extend(kept)


def quantize_biases(model):
    """Each float bias B of a Conv/Gemm whose input and weights are
    DequantizeLinear outputs becomes int32 round(B / (s_in * s_w)) with a
    DequantizeLinear on the scale s_in * s_w (float32 product), the form
    onnxruntime's quantizer writes and bnn-fuse-qdq fuses."""
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    producers = {o: n for n in g.node for o in n.output}

    def constant(name):
        if name in inits:
            return numpy_helper.to_array(inits[name])
        n = producers.get(name)
        if n is not None and n.op_type == "Constant":
            return numpy_helper.to_array(n.attribute[0].t)
        raise KeyError(name)

    new_nodes = []
    for node in list(g.node):
        if node.op_type not in ("Conv", "Gemm") or len(node.input) < 3:
            continue
        dq_x, dq_w = producers[node.input[0]], producers[node.input[1]]
        while dq_x.op_type in ("Flatten", "Reshape"):
            dq_x = producers[dq_x.input[0]]
        assert dq_x.op_type == dq_w.op_type == "DequantizeLinear"
        s_in = constant(dq_x.input[1]).astype(F32)
        s_w = constant(dq_w.input[1]).astype(F32)
        scale = (s_in * s_w).astype(F32)
        bias = constant(node.input[2]).astype(F32)
        q = np.rint(bias / scale).astype(np.int32)
        name = node.input[2] + "_int32"
        g.initializer.extend([numpy_helper.from_array(q, name),
                              numpy_helper.from_array(scale, name + "_scale")])
        new_nodes.append(helper.make_node(
            "DequantizeLinear", [name, name + "_scale"], [name + "_dq"],
            axis=0, name=name + "_dq"))
        g.initializer.remove(inits[node.input[2]])
        node.input[2] = name + "_dq"
    g.node.extend(new_nodes)
    # Keep the graph topologically sorted: the new nodes read initializers
    # only, so they can go first.
    nodes = list(g.node)
    order = [n for n in nodes if n in new_nodes] + \
            [n for n in nodes if n not in new_nodes]
    del g.node[:]
    g.node.extend(order)


# --- qdq_bnn: int8 first and last layers around a binary layer --------------

def qdq_bnn():
    """A BNN whose first and last layers are QDQ int8 (issue 18, item 2):
    Conv 3->16 (int8, per-channel), the binarizer Where(x >= 0, 1, -1) of
    its dequantized output, a binary Conv 16->16 with weights +-0.25, then
    Flatten and a Linear 1024->10 (int8). bnnc packs the first layer's
    uint8 output straight into bits (q < zp) and runs no float layer. The
    binary layer's output is 0.25 * (an integer dot product), exact in
    float32 on both sides; onnxruntime fuses the first layer; the expected
    logits are the fused semantics of the last layer (numpy) applied to
    onnxruntime's input of it."""
    rng = np.random.default_rng(181)
    n = 4
    sx, zx = F32(0.03), np.uint8(128)
    w1 = rng.integers(-127, 128, size=(16, 3, 3, 3)).astype(np.int8)
    sw1 = rng.uniform(0.002, 0.01, size=16).astype(F32)
    b1 = rng.integers(-2000, 2000, size=16).astype(np.int32)
    s1, z1 = F32(0.05), np.uint8(120)
    w2 = np.where(rng.random((16, 16, 3, 3)) < 0.5, -0.25, 0.25).astype(F32)
    s2, z2 = F32(0.5), np.uint8(128)
    w3 = rng.integers(-127, 128, size=(10, 1024)).astype(np.int8)
    sw3 = rng.uniform(0.0005, 0.002, size=10).astype(F32)
    b3 = rng.integers(-3000, 3000, size=10).astype(np.int32)
    so, zo = F32(0.2), np.uint8(128)
    inits = [const(k, v) for k, v in [
        ("sx", sx), ("zx", zx), ("w1", w1), ("sw1", sw1), ("b1", b1),
        ("sb1", (sx * sw1).astype(F32)), ("s1", s1), ("z1", z1),
        ("zero", F32(0)), ("one", F32(1)), ("minus_one", F32(-1)),
        ("w2", w2), ("s2", s2), ("z2", z2), ("sw3", sw3),
        ("zw3", np.zeros(10, np.int8)),
        ("w3float", (w3.astype(F32) * sw3.reshape(-1, 1)).astype(F32)),
        ("b3", b3), ("sb3", (s2 * sw3).astype(F32)), ("so", so), ("zo", zo)]]
    mk = helper.make_node
    nodes = [
        mk("QuantizeLinear", ["x", "sx", "zx"], ["xq"]),
        mk("DequantizeLinear", ["xq", "sx", "zx"], ["xf"]),
        mk("DequantizeLinear", ["w1", "sw1"], ["w1f"], axis=0),
        mk("DequantizeLinear", ["b1", "sb1"], ["b1f"], axis=0),
        mk("Conv", ["xf", "w1f", "b1f"], ["y1"], pads=[1, 1, 1, 1], name="conv1"),
        mk("QuantizeLinear", ["y1", "s1", "z1"], ["y1q"]),
        mk("DequantizeLinear", ["y1q", "s1", "z1"], ["y1f"]),
        mk("GreaterOrEqual", ["y1f", "zero"], ["nonneg"]),
        mk("Where", ["nonneg", "one", "minus_one"], ["bits"]),
        mk("Conv", ["bits", "w2"], ["y2"], pads=[1, 1, 1, 1], name="bconv2"),
        mk("QuantizeLinear", ["y2", "s2", "z2"], ["y2q"]),
        mk("DequantizeLinear", ["y2q", "s2", "z2"], ["y2f"]),
        mk("Flatten", ["y2f"], ["flat"]),
        mk("QuantizeLinear", ["flat", "s2", "z2"], ["flatq"]),
        mk("DequantizeLinear", ["flatq", "s2", "z2"], ["flatf"]),
        # Weights as PyTorch exports them: QuantizeLinear of the float
        # weights (w3 * sw3, which quantize back to w3 exactly).
        mk("QuantizeLinear", ["w3float", "sw3", "zw3"], ["w3q"], axis=0),
        mk("DequantizeLinear", ["w3q", "sw3", "zw3"], ["w3f"], axis=0),
        mk("DequantizeLinear", ["b3", "sb3"], ["b3f"], axis=0),
        mk("Gemm", ["flatf", "w3f", "b3f"], ["y3"], transB=1, name="fc3"),
        mk("QuantizeLinear", ["y3", "so", "zo"], ["y3q"]),
        mk("DequantizeLinear", ["y3q", "so", "zo"], ["logits"]),
    ]
    x = (rng.standard_normal((n, 3, 8, 8)) * 1.5).astype(F32)
    inputs = [("x", x)]
    model = build("qdq_bnn", nodes, inputs, [("logits", F32, (n, 10))], inits)
    ops = []
    fused = run_ort(model, inputs, optimize="all", ops=ops)[0]
    # onnxruntime runs the Linear in float32 here (it fuses only the first
    # layer), so the reference of the last layer is the numpy
    # transcription of the fused semantics, fed with onnxruntime's uint8
    # input of that layer (y2q, exposed as a second output of a copy).
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    probe.graph.output.extend([helper.make_tensor_value_info(
        "y2q", onnx.TensorProto.UINT8, [n, 16, 8, 8])])
    y2q = run_ort(probe, inputs, optimize="disabled")[1]
    acc = matmul_int(y2q.reshape(n, -1), z2, w3.T, np.zeros(10, np.int8)) + b3
    expected = dequantize(requantize(acc, s2, sw3, so, zo, 1), so, zo)
    print("qdq_bnn: onnxruntime ran %s; its logits differ from the fused "
          "semantics at %d of %d" % (" ".join(ops),
                                     np.count_nonzero(fused != expected),
                                     fused.size))
    # Both oracles must agree (onnxruntime fuses the Linear into QGemm with
    # this model; the generator fails if that changes).
    assert np.array_equal(fused, expected)
    save("qdq_bnn", model, inputs, [("logits", expected)])


# --- the float32 graph vs the fused layer (docs/int8.md) -------------------

def float_graph_gap():
    """Measures, without writing anything, how often the float32 QDQ graph
    rounds differently from the fused integer layer: one QDQ Conv (uint8
    activations, 64 input channels, 3x3: K = 576), 256 random inputs.
    onnxruntime with optimizations must equal the numpy transcription of
    bnnc's semantics on every output; the float32 graph may not."""
    rng = np.random.default_rng(5)
    c, h, w, o, n = 64, 6, 6, 16, 256
    sx, zx, so, zo = F32(0.02), np.uint8(128), F32(0.37), np.uint8(130)
    wq = rng.integers(-127, 128, size=(o, c, 3, 3)).astype(np.int8)
    sw = rng.uniform(0.001, 0.01, size=o).astype(F32)
    bq = rng.integers(-5000, 5000, size=o).astype(np.int32)
    inits = [const(k, v) for k, v in [
        ("sx", sx), ("zx", zx), ("wq", wq), ("sw", sw), ("bq", bq),
        ("sb", (sx * sw).astype(F32)), ("so", so), ("zo", zo)]]
    nodes = [helper.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xf"]),
             helper.make_node("DequantizeLinear", ["wq", "sw"], ["wf"], axis=0),
             helper.make_node("DequantizeLinear", ["bq", "sb"], ["bf"], axis=0),
             helper.make_node("Conv", ["xf", "wf", "bf"], ["y"],
                              pads=[1, 1, 1, 1]),
             helper.make_node("QuantizeLinear", ["y", "so", "zo"], ["yq"])]
    xq = rng.integers(0, 256, size=(n, c, h, w)).astype(np.uint8)
    model = build("gap", nodes, [("xq", xq)], [("yq", np.uint8, (n, o, h, w))],
                  inits)
    fused = run_ort(model, [("xq", xq)], optimize="all")[0]
    floats = run_ort(model, [("xq", xq)], optimize="disabled")[0]
    acc = conv_int(xq, zx, wq, np.zeros(o, np.int8), bq, pads=(1, 1, 1, 1))
    assert np.array_equal(fused, requantize(acc, sx, sw, so, zo, 1))
    exact = acc.astype(np.float64) * (np.float64(sx) * sw.astype(np.float64)
                                      .reshape(1, -1, 1, 1)) / np.float64(so)
    gap = np.abs(exact - np.floor(exact) - 0.5)
    differ = fused != floats
    print("float_graph_gap: fused onnxruntime == bnnc semantics on %d "
          "outputs; the float32 graph differs at %d (by 1 step), whose exact "
          "value is at most %.2g from a rounding boundary (median over all "
          "outputs %.2g)" % (fused.size, np.count_nonzero(differ),
                             gap[differ].max() if differ.any() else 0,
                             np.median(gap)))


# --- forms bnnc rejects (test/errors/int8.test) ------------------------------

def bad_models():
    """Valid ONNX that bnnc rejects with an error naming the node: a
    per-channel input zero point of QLinearConv and a per-column output
    scale of QLinearMatMul (the kernels take one value)."""
    u8, f32 = np.uint8, F32
    conv = build("bad_qconv", [helper.make_node(
        "QLinearConv", ["x", "sx", "zx", "w", "sw", "zw", "sy", "zy"], ["y"],
        name="qconv0")], [("x", np.zeros((1, 2, 3, 3), u8))],
        [("y", u8, (1, 2, 3, 3))],
        [const("sx", np.array([0.5, 0.25], f32)), const("zx", np.array([1, 2], u8)),
         const("w", np.ones((2, 2, 1, 1), u8)), const("sw", f32(0.5)),
         const("zw", u8(0)), const("sy", f32(1.0)), const("zy", u8(0))])
    matmul = build("bad_qmatmul", [helper.make_node(
        "QLinearMatMul", ["a", "sa", "za", "b", "sb", "zb", "sy", "zy"], ["y"],
        name="qmm0")], [("a", np.zeros((2, 3), np.int8))],
        [("y", np.int8, (2, 4))],
        [const("sa", f32(0.5)), const("za", np.int8(0)),
         const("b", np.ones((3, 4), np.int8)), const("sb", f32(0.5)),
         const("zb", np.int8(0)), const("sy", np.full(4, 0.5, f32)),
         const("zy", np.zeros(4, np.int8))])
    d = os.path.join(HERE, "bad")
    onnx.save(conv, os.path.join(d, "qlinearconv_x_zero_point_axis.onnx"))
    onnx.save(matmul, os.path.join(d, "qlinearmatmul_y_scale_axis.onnx"))


if __name__ == "__main__":
    qlinear_ops()
    qdq_cnn()
    qdq_bnn()
    float_graph_gap()
    bad_models()
