#!/usr/bin/env python3
"""Builds the TFLite test models (test/models/tflite_*/) and their references.

    /usr/bin/python3 test/models/tflite/make_tflite_models.py
    /usr/bin/python3 test/models/tflite/make_tflite_models.py --bad
        (the malformed models test/models/bad/tfl_*.tflite)

Each model directory gets model.tflite, input_0.bin (float32, NHWC as the
model declares it) and output_<i>.bin: the outputs of the independent NumPy
evaluator tflite_ref.py (float32, little-endian). Weights are random with
fixed seeds; inputs are redrawn until no LceQuantize input is within 1e-3
of 0, so that the reference's float64 layers and bnnc's float32 layers give
the same signs.

- tflite_cnn: float builtins (CONV_2D with RELU6 and stride 2,
  DEPTHWISE_CONV_2D with depth multiplier 2, ADD/SUB/MUL with broadcast
  constants, AVERAGE_POOL_2D SAME, MAX_POOL_2D VALID, PAD, PADV2,
  CONCATENATION, HARD_SWISH, LOGISTIC, TANH, RELU, MEAN, RESHAPE, SQUEEZE,
  FULLY_CONNECTED with RELU, SOFTMAX with beta 0.5).
- tflite_quicknet: a QuickNet-style BNN with LCE ops as the LCE converter
  emits them: a float stem conv, LceQuantize, LceBconv2d with one-padding
  (pad_values 1) and float output plus a real shortcut ADD, LceBconv2d with
  bit-packed output (output_threshold), LceBMaxPool2d, a VALID LceBconv2d,
  a zero-padded (SAME, pad_values 0) float-output LceBconv2d, LceDequantize,
  MEAN, FULLY_CONNECTED, SOFTMAX. A second output is the LceDequantize of a
  bit-packed layer: +-1 values that must match bit for bit.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tflite_ref  # noqa: E402
from tflite_writer import *  # noqa: E402,F401,F403

MODELS = os.path.dirname(HERE)


def rand(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def float_cnn():
    rng = np.random.default_rng(20)
    m = Model("bnnc float CNN test model")
    x = m.input([1, 12, 12, 3], "image")
    t = m.tensor
    c1 = t([1, 6, 6, 8], name="stem")
    m.op(CONV_2D, [x, m.const(rand(rng, 8, 3, 3, 3, scale=0.5)),
                   m.const(rand(rng, 8, scale=0.1))], [c1],
         conv2d_options(SAME, 2, 2, ACT_RELU6))
    d1 = t([1, 6, 6, 16], name="dw")
    m.op(DEPTHWISE_CONV_2D, [c1, m.const(rand(rng, 1, 3, 3, 16, scale=0.5)),
                             m.const(rand(rng, 16, scale=0.1))], [d1],
         depthwise_options(SAME, 1, 1, 2))
    a1 = t([1, 6, 6, 16], name="shift")
    m.op(ADD, [d1, m.const(rand(rng, 16, scale=0.2))], [a1],
         act_options("AddOptions", ACT_RELU))
    p1 = t([1, 6, 6, 16], name="avg")
    m.op(AVERAGE_POOL_2D, [a1], [p1], pool_options(SAME, 1, 1, 3, 3))
    hs = t([1, 6, 6, 16], name="hswish")
    m.op(HARD_SWISH, [p1], [hs])
    pd = t([1, 8, 8, 16], name="padded")
    m.op(PAD, [hs, m.const(np.array([[0, 0], [1, 1], [1, 1], [0, 0]], np.int32))],
         [pd])
    c2 = t([1, 8, 8, 8], name="pw")
    m.op(CONV_2D, [pd, m.const(rand(rng, 8, 1, 1, 16, scale=0.3)),
                   m.const(rand(rng, 8, scale=0.1))], [c2],
         conv2d_options(VALID, 1, 1))
    sg = t([1, 8, 8, 8], name="gate")
    m.op(LOGISTIC, [c2], [sg])
    mu = t([1, 8, 8, 8], name="gated")
    m.op(MUL, [c2, sg], [mu], act_options("MulOptions"))
    th = t([1, 8, 8, 8], name="tanh")
    m.op(TANH, [c2], [th])
    cat = t([1, 8, 8, 16], name="cat")
    m.op(CONCATENATION, [mu, th], [cat], concat_options(3))
    mp = t([1, 4, 4, 16], name="maxpool")
    m.op(MAX_POOL_2D, [cat], [mp], pool_options(VALID, 2, 2, 2, 2))
    p2 = t([1, 5, 5, 16], name="padv2")
    m.op(PADV2, [mp, m.const(np.array([[0, 0], [0, 1], [1, 0], [0, 0]], np.int32)),
                 m.const(np.array(-0.25, np.float32))], [p2])
    sb = t([1, 5, 5, 16], name="sub")
    m.op(SUB, [p2, m.const(rand(rng, 5, 16, scale=0.1))], [sb],
         act_options("SubOptions", ACT_RELU_N1_TO_1))
    mean = t([1, 1, 1, 16], name="mean")
    m.op(MEAN, [sb, m.const(np.array([1, 2], np.int32))], [mean],
         reducer_options(True))
    sq = t([1, 16], name="squeeze")
    m.op(SQUEEZE, [mean], [sq], squeeze_options([1, 2]))
    fc = t([1, 12], name="fc")
    m.op(FULLY_CONNECTED, [sq, m.const(rand(rng, 12, 16, scale=0.5)),
                           m.const(rand(rng, 12, scale=0.1))], [fc],
         fc_options(ACT_RELU))
    # A second head: the flattened feature map (NHWC order) through a dense
    # layer, after a RESHAPE.
    flat = t([1, 400], name="flat")
    m.op(RESHAPE, [sb, m.const(np.array([1, 400], np.int32))], [flat],
         reshape_options([1, 400]))
    fc2 = t([1, 10], name="fc2")
    m.op(FULLY_CONNECTED, [flat, m.const(rand(rng, 10, 400, scale=0.1)), -1],
         [fc2], fc_options())
    probs = t([1, 12], name="probs")
    m.op(SOFTMAX, [fc], [probs], softmax_options(0.5))
    m.output(probs)
    m.output(fc2)
    return m, rng


def quicknet():
    rng = np.random.default_rng(21)
    m = Model("bnnc QuickNet-style LCE test model")
    x = m.input([1, 8, 8, 3], "image")
    t = m.tensor

    def bconv_options(cin, padding, pad_values, stride=1, act=NONE):
        return {"channels_in": cin, "dilation_height_factor": 1,
                "dilation_width_factor": 1, "fused_activation_function": act,
                "pad_values": pad_values, "padding": padding,
                "stride_height": stride, "stride_width": stride}

    def signs(*shape):
        return np.where(rng.standard_normal(shape) < 0, -1.0, 1.0)

    stem = t([1, 8, 8, 32], name="stem")
    m.op(CONV_2D, [x, m.const(rand(rng, 32, 3, 3, 3, scale=0.5)),
                   m.const(rand(rng, 32, scale=0.1))], [stem],
         conv2d_options(SAME, 1, 1))
    q1 = t([1, 8, 8, 1], np.int32, name="q1")
    m.custom("LceQuantize", [stem], [q1])
    # One-padded binary conv with float output (multiplier, bias) and a real
    # shortcut, QuickNet's residual block.
    b1 = t([1, 8, 8, 32], name="b1")
    m.custom("LceBconv2d",
             [q1, m.const(pack_bits(signs(32, 3, 3, 32))),
              m.const(rand(rng, 32, scale=0.05) + 0.1),
              m.const(rand(rng, 32, scale=0.3)), -1], [b1],
             bconv_options(32, SAME, 1))
    r1 = t([1, 8, 8, 32], name="res1")
    m.op(ADD, [b1, stem], [r1], act_options("AddOptions"))
    q2 = t([1, 8, 8, 1], np.int32, name="q2")
    m.custom("LceQuantize", [r1], [q2])
    # Bit-packed output: a threshold per channel (popcount > t gives -1).
    b2 = t([1, 8, 8, 2], np.int32, name="b2")
    m.custom("LceBconv2d",
             [q2, m.const(pack_bits(signs(64, 3, 3, 32))), -1, -1,
              m.const(rng.integers(120, 170, 64).astype(np.int32))], [b2],
             bconv_options(32, SAME, 1))
    mp = t([1, 4, 4, 2], np.int32, name="bpool")
    m.custom("LceBMaxPool2d", [b2], [mp],
             {"padding": VALID, "stride_width": 2, "stride_height": 2,
              "filter_width": 2, "filter_height": 2})
    # VALID binary conv, packed output.
    b3 = t([1, 2, 2, 2], np.int32, name="b3")
    m.custom("LceBconv2d",
             [mp, m.const(pack_bits(signs(48, 3, 3, 64))), -1, -1,
              m.const(rng.integers(280, 300, 48).astype(np.int32))], [b3],
             bconv_options(64, VALID, 0))
    bits_out = t([1, 2, 2, 48], name="bits")
    m.custom("LceDequantize", [b3], [bits_out])
    # Zero-padded (SAME, pad_values 0) binary conv with float output.
    b4 = t([1, 4, 4, 16], name="b4")
    m.custom("LceBconv2d",
             [mp, m.const(pack_bits(signs(16, 3, 3, 64))),
              m.const(rand(rng, 16, scale=0.02) + 0.05),
              m.const(rand(rng, 16, scale=0.2)), -1], [b4],
             bconv_options(64, SAME, 0))
    mean = t([1, 16], name="pooled")
    m.op(MEAN, [b4, m.const(np.array([1, 2], np.int32))], [mean],
         reducer_options(False))
    fc = t([1, 10], name="logits")
    m.op(FULLY_CONNECTED, [mean, m.const(rand(rng, 10, 16, scale=0.3)),
                           m.const(rand(rng, 10, scale=0.1))], [fc],
         fc_options())
    probs = t([1, 10], name="probs")
    m.op(SOFTMAX, [fc], [probs], softmax_options(1.0))
    m.output(probs)
    m.output(bits_out)
    return m, rng


def int8_cnn():
    """An int8 CNN as TFLite's converter writes one (full-integer
    quantization): QUANTIZE, CONV_2D (RELU, stride 2, per-channel weights),
    DEPTHWISE_CONV_2D (depth multiplier 2, RELU6), a residual block (1x1
    CONV_2D, int8 ADD with RELU: TFLite's quantized addition), MAX_POOL_2D
    (SAME),
    AVERAGE_POOL_2D (SAME, edge windows of 1, 2 and 4 taps), RESHAPE,
    FULLY_CONNECTED (per-tensor weights), DEQUANTIZE. Scales are calibrated
    on the float twin of the model; the input scale is 1/64, so inputs
    (k + 0.5) / 64 are exact rounding ties of QUANTIZE."""
    rng = np.random.default_rng(23)
    w1, b1 = rand(rng, 8, 3, 3, 3, scale=0.4), rand(rng, 8, scale=0.2)
    w2, b2 = rand(rng, 1, 3, 3, 16, scale=0.4), rand(rng, 16, scale=0.2)
    w3, b3 = rand(rng, 10, 144, scale=0.15), rand(rng, 10, scale=0.2)
    w4, b4 = rand(rng, 16, 1, 1, 16, scale=0.3), rand(rng, 16, scale=0.2)
    shape = [1, 10, 10, 3]
    x = rng.standard_normal(shape).astype(np.float32)
    # Float twin (same weights), every layer an output, for calibration.
    f = Model()
    fx = f.input(shape, "image")
    f1, f2 = f.tensor([1, 5, 5, 8]), f.tensor([1, 5, 5, 16])
    f3, f4 = f.tensor([1, 3, 3, 16]), f.tensor([1, 3, 3, 16])
    f5, f6 = f.tensor([1, 144]), f.tensor([1, 10])
    f.op(CONV_2D, [fx, f.const(w1), f.const(b1)], [f1],
         conv2d_options(SAME, 2, 2, ACT_RELU))
    f.op(DEPTHWISE_CONV_2D, [f1, f.const(w2), f.const(b2)], [f2],
         depthwise_options(SAME, 1, 1, 2, ACT_RELU6))
    f7, f8 = f.tensor([1, 5, 5, 16]), f.tensor([1, 5, 5, 16])
    f.op(CONV_2D, [f2, f.const(w4), f.const(b4)], [f7],
         conv2d_options(SAME, 1, 1))
    f.op(ADD, [f2, f7], [f8], act_options("AddOptions", ACT_RELU))
    f.op(MAX_POOL_2D, [f8], [f3], pool_options(SAME, 2, 2, 2, 2))
    f.op(AVERAGE_POOL_2D, [f3], [f4], pool_options(SAME, 1, 1, 2, 2))
    f.op(RESHAPE, [f4, f.const(np.array([1, 144], np.int32))], [f5],
         reshape_options([1, 144]))
    f.op(FULLY_CONNECTED, [f5, f.const(w3), f.const(b3)], [f6], fc_options())
    for o in (f1, f2, f6, f7, f8):
        f.output(o)
    ranges = [(min(0.0, float(v.min())), max(0.0, float(v.max())))
              for v in tflite_ref.run(f.serialize(), [x])]

    def act_quant(lo, hi):
        scale = np.float32((hi - lo) / 255.0)
        return scale, int(np.clip(np.round(-128 - lo / scale), -128, 127))

    (s1, z1), (s2, z2), (s6, z6), (s7, z7), (s8, z8) = [
        act_quant(*r) for r in ranges]
    s0, z0 = np.float32(1 / 64), 0

    def per_channel(w, axis):
        red = tuple(a for a in range(w.ndim) if a != axis)
        scales = (np.abs(w).max(axis=red) / 127).astype(np.float32)
        shp = [1] * w.ndim
        shp[axis] = -1
        q = np.clip(np.round(w / scales.reshape(shp)), -127, 127)
        return q.astype(np.int8), scales

    m = Model("bnnc int8 CNN test model")
    image = m.input(shape, "image")
    t = m.tensor
    q0 = m.quantize(t(shape, np.int8, "image_int8"), s0, z0)
    m.op(QUANTIZE, [image], [q0])
    qw1, sw1 = per_channel(w1, 0)
    cw1 = m.quantize(m.const(qw1, "stem_filter"), sw1, [0] * 8, axis=0)
    cb1 = m.const(np.round(b1 / (np.float64(s0) * sw1)).astype(np.int32))
    c1 = m.quantize(t([1, 5, 5, 8], np.int8, "stem"), s1, z1)
    m.op(CONV_2D, [q0, cw1, cb1], [c1], conv2d_options(SAME, 2, 2, ACT_RELU))
    qw2, sw2 = per_channel(w2, 3)
    cw2 = m.quantize(m.const(qw2, "dw_filter"), sw2, [0] * 16, axis=3)
    cb2 = m.const(np.round(b2 / (np.float64(s1) * sw2)).astype(np.int32))
    c2 = m.quantize(t([1, 5, 5, 16], np.int8, "dw"), s2, z2)
    m.op(DEPTHWISE_CONV_2D, [c1, cw2, cb2], [c2],
         depthwise_options(SAME, 1, 1, 2, ACT_RELU6))
    # A residual block: 1x1 CONV_2D, then int8 ADD with RELU.
    qw4, sw4 = per_channel(w4, 0)
    cw4 = m.quantize(m.const(qw4, "proj_filter"), sw4, [0] * 16, axis=0)
    cb4 = m.const(np.round(b4 / (np.float64(s2) * sw4)).astype(np.int32))
    c7 = m.quantize(t([1, 5, 5, 16], np.int8, "proj"), s7, z7)
    m.op(CONV_2D, [c2, cw4, cb4], [c7], conv2d_options(SAME, 1, 1))
    c8 = m.quantize(t([1, 5, 5, 16], np.int8, "residual"), s8, z8)
    m.op(ADD, [c2, c7], [c8], act_options("AddOptions", ACT_RELU))
    c3 = m.quantize(t([1, 3, 3, 16], np.int8, "maxpool"), s8, z8)
    m.op(MAX_POOL_2D, [c8], [c3], pool_options(SAME, 2, 2, 2, 2))
    c4 = m.quantize(t([1, 3, 3, 16], np.int8, "avgpool"), s8, z8)
    m.op(AVERAGE_POOL_2D, [c3], [c4], pool_options(SAME, 1, 1, 2, 2))
    c5 = m.quantize(t([1, 144], np.int8, "flat"), s8, z8)
    m.op(RESHAPE, [c4, m.const(np.array([1, 144], np.int32))], [c5],
         reshape_options([1, 144]))
    sw3 = np.float32(np.abs(w3).max() / 127)
    cw3 = m.quantize(m.const(np.clip(np.round(w3 / sw3), -127, 127)
                             .astype(np.int8), "fc_weights"), sw3, 0)
    cb3 = m.const(np.round(b3 / (np.float64(s8) * sw3)).astype(np.int32))
    c6 = m.quantize(t([1, 10], np.int8, "fc"), s6, z6)
    m.op(FULLY_CONNECTED, [c5, cw3, cb3], [c6], fc_options())
    logits = t([1, 10], name="logits")
    m.op(DEQUANTIZE, [c6], [logits])
    features = t([1, 5, 5, 16], name="features")
    m.op(DEQUANTIZE, [c8], [features])
    pooled = t([1, 3, 3, 16], name="pooled")
    m.op(DEQUANTIZE, [c4], [pooled])
    m.output(logits)
    m.output(features)
    m.output(pooled)
    return m, rng


def write_int8(name, builder):
    """Writes an int8 model with an input that has exact QUANTIZE ties:
    every 5th value is moved to (k + 0.5) / 64."""
    m, rng = builder()
    data = m.serialize()
    shape = m.tensors[m.inputs[0]][0]
    x = (rng.standard_normal(shape) * 0.8).astype(np.float32)
    flat = x.reshape(-1)
    flat[::5] = (np.floor(flat[::5] * 64) + 0.5) / 64
    outputs = tflite_ref.run(data, [x])
    out = os.path.join(MODELS, name)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "model.tflite"), "wb") as f:
        f.write(data)
    x.tofile(os.path.join(out, "input_0.bin"))
    for i, y in enumerate(outputs):
        np.asarray(y, np.float32).tofile(os.path.join(out, "output_%d.bin" % i))
    print(name, len(data), "bytes;", [list(np.shape(y)) for y in outputs])


def write(name, builder):
    m, rng = builder()
    data = m.serialize()
    shape = m.tensors[m.inputs[0]][0]
    for _ in range(100):
        x = rng.standard_normal(shape).astype(np.float32)
        stats = {}
        outputs = tflite_ref.run(data, [x], stats)
        if stats.get("min_abs_quantized", np.inf) > 1e-3:
            break
    else:
        raise SystemExit("%s: no input keeps the binarized values away from 0"
                         % name)
    out = os.path.join(MODELS, name)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "model.tflite"), "wb") as f:
        f.write(data)
    x.tofile(os.path.join(out, "input_0.bin"))
    for i, y in enumerate(outputs):
        np.asarray(y, np.float32).tofile(os.path.join(out, "output_%d.bin" % i))
    print(name, len(data), "bytes;", [list(np.shape(y)) for y in outputs])




# ---- malformed models (test/models/bad/*.tflite, test/errors/tflite.test) ----
def tiny(**kw):
    """A one-conv float model, with one defect chosen by the keywords."""
    rng = np.random.default_rng(22)
    m = Model()
    x = m.input([1, 4, 4, 2], "x")
    w = m.const(kw.get("filter", rand(rng, 3, 3, 3, 2)), "w")
    y = m.tensor([1, 4, 4, 3], name="y")
    m.op(kw.get("code", CONV_2D), [x, w, kw.get("bias", -1)], [y],
         kw.get("options", conv2d_options(SAME, 1, 1)))
    m.output(y)
    return m


def tiny_int8(defect=None):
    """QUANTIZE -> int8 CONV_2D -> DEQUANTIZE, with one quantization defect."""
    rng = np.random.default_rng(24)
    m = Model()
    x = m.input([1, 4, 4, 2], "x")
    q = m.tensor([1, 4, 4, 2], np.int8, "q")
    if defect != "no_quant":
        m.quantize(q, 0.05, 0)
    m.op(QUANTIZE, [x], [q])
    w = m.const(rng.integers(-127, 128, (3, 3, 3, 2)).astype(np.int8), "w")
    scales, zps, axis = [0.01, 0.02, 0.03], [0, 0, 0], 0
    if defect == "quant_length":
        zps = [0, 0]
    if defect == "channel_axis":
        scales, zps, axis = [0.01, 0.02], [0, 0], 3
    m.quantize(w, scales, zps, axis)
    y = m.quantize(m.tensor([1, 4, 4, 3], np.int8, "y"),
                   {"zero_scale": 0.0, "negative_scale": -0.5}.get(defect, 0.1),
                   5)
    if defect == "int8_mul":
        m.op(MUL, [q, q], [m.quantize(m.tensor([1, 4, 4, 2], np.int8, "prod"),
                                      0.1, 0)], act_options("MulOptions"))
    if defect == "add_broadcast":
        row = m.quantize(m.tensor([1, 1, 1, 2], np.int8, "row"), 0.05, 0)
        m.op(QUANTIZE, [m.input([1, 1, 1, 2], "r")], [row])
        m.op(ADD, [q, row], [m.quantize(m.tensor([1, 4, 4, 2], np.int8, "sum"),
                                        0.1, 0)], act_options("AddOptions"))
    m.op(CONV_2D, [q, w, m.const(np.arange(3, dtype=np.int32))], [y],
         conv2d_options(SAME, 1, 1, ACT_RELU))
    out = m.tensor([1, 4, 4, 3], name="out")
    m.op(DEQUANTIZE, [y], [out])
    m.output(out)
    return m


def bad_models():
    out = os.path.join(MODELS, "bad")
    good = tiny().serialize()
    cases = {}
    # Bytes that fail the flatbuffers verifier.
    cases["tfl_truncated"] = good[:200]
    corrupt = bytearray(good)
    corrupt[0:4] = (len(good) + 1000).to_bytes(4, "little")
    cases["tfl_root_offset"] = bytes(corrupt)
    cases["tfl_header_only"] = b"\x08\x00\x00\x00TFL3"
    # Well-formed flatbuffers with a defect the converter names.
    m = tiny()
    m.ops[0] = (m.ops[0][0], [0, 1, 57], m.ops[0][2], m.ops[0][3], None)
    cases["tfl_tensor_index"] = m.serialize()
    m = tiny()
    m.buffers[1] = m.buffers[1][:-4]
    cases["tfl_buffer_size"] = m.serialize()
    cases["tfl_unsupported_op"] = tiny(code=GATHER, options=None).serialize()
    m = tiny()
    m.custom("Foo", [m.inputs[0]], [m.tensor([1, 4, 4, 2], name="foo")])
    cases["tfl_unknown_custom"] = m.serialize()
    m = tiny()
    m.tensors[0] = ([1, 4, 4, 2], INT8, 0, "x")
    cases["tfl_int8_input"] = m.serialize()
    for defect in ("no_quant", "quant_length", "zero_scale", "negative_scale",
                   "channel_axis", "int8_mul", "add_broadcast"):
        cases["tfl_int8_" + defect.replace("int8_", "")] = \
            tiny_int8(defect).serialize()
    cases["tfl_zero_stride"] = tiny(options=conv2d_options(SAME, 0, 1)).serialize()
    cases["tfl_filter_channels"] = tiny(filter=rand(np.random.default_rng(1), 3, 3, 3, 5)).serialize()
    # An input with no channels: 0 % I == 0, so the group count I / C is 0
    # (a fuzzer finding: a division by zero in the channel check).
    m = tiny()
    m.tensors[0] = ([1, 4, 4, 0],) + m.tensors[0][1:]
    cases["tfl_zero_channels"] = m.serialize()
    m = tiny_int8()
    m.tensors[0] = ([1, 4, 4, 0],) + m.tensors[0][1:]
    m.tensors[1] = ([1, 4, 4, 0],) + m.tensors[1][1:]
    cases["tfl_int8_zero_channels"] = m.serialize()
    m = Model()
    x = m.input([1, 4, 4, 32], "x")
    q = m.tensor([1, 4, 4, 1], np.int32, name="q")
    m.custom("LceQuantize", [x], [q])
    y = m.tensor([1, 4, 4, 8], name="y")
    m.custom("LceBconv2d", [q, m.const(pack_bits(np.ones((8, 3, 3, 32)))),
                            m.const(np.ones(8, np.float32)),
                            m.const(np.zeros(8, np.float32)), -1], [y],
             {"channels_in": 32, "dilation_height_factor": 1,
              "dilation_width_factor": 1, "fused_activation_function": 0,
              "pad_values": 2, "padding": SAME, "stride_height": 1,
              "stride_width": 1})
    m.output(y)
    cases["tfl_bconv_pad_values"] = m.serialize()
    # Options bytes that are no flexbuffer (offsets pointing outside).
    opcode, ins, outs, opts, _ = m.ops[1]
    m.ops[1] = (opcode, ins, outs, opts, bytes([0xff, 0x7f, 0x24, 0x01]))
    cases["tfl_bconv_bad_options"] = m.serialize()
    for name, data in cases.items():
        with open(os.path.join(out, name + ".tflite"), "wb") as f:
            f.write(data)
    # Schema version 2: patch the Model.version field of a good file.
    from flatbuffers import encode
    from flatbuffers import number_types as N
    from flatbuffers.table import Table
    raw = bytearray(good)
    root = Table(raw, encode.Get(N.UOffsetTFlags.packer_type, raw, 0))
    pos = root.Offset(4) + root.Pos
    raw[pos:pos + 4] = (2).to_bytes(4, "little")
    with open(os.path.join(out, "tfl_schema_version.tflite"), "wb") as f:
        f.write(bytes(raw))
    print("bad models:", sorted(cases) + ["tfl_schema_version"])


if __name__ == "__main__":
    if "--bad" in sys.argv:
        bad_models()
    else:
        write("tflite_cnn", float_cnn)
        write("tflite_quicknet", quicknet)
        write_int8("tflite_int8", int8_cnn)
