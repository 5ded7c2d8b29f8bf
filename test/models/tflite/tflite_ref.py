"""A NumPy evaluator of TFLite models, the reference for bnnc's TFLite tests.

Written from the TFLite operator specifications and the Larq Compute Engine
operator definitions, independently of bnnc's converter: it reads the
.tflite bytes with a small hand-written flatbuffers table reader and runs
LCE's binary operators on bit-packed int32 words (xor-popcount, LCE's
conventions: bit 1 = -1, 32 channels per word, padding bits 0).

    outputs = run(open("model.tflite", "rb").read(), [x])

Float operators compute in float64 and return float32. Also returns the
smallest |value| that LceQuantize saw (`run(..., stats)`), so a generator
can reject inputs whose signs would be within rounding of 0.
"""
import numpy as np
from flatbuffers import encode
from flatbuffers import number_types as N
from flatbuffers.table import Table


# ---- flatbuffers table reading (slot s lives at vtable offset 4 + 2 s) -------
def _off(t, slot):
    return t.Offset(4 + 2 * slot)


def _scalar(t, slot, flags, default=0):
    o = _off(t, slot)
    return t.Get(flags, o + t.Pos) if o else default


def _table(t, slot):
    o = _off(t, slot)
    return Table(t.Bytes, t.Indirect(o + t.Pos)) if o else None


def _tables(t, slot):
    o = _off(t, slot)
    if not o:
        return []
    start = t.Vector(o)
    return [Table(t.Bytes, t.Indirect(start + 4 * i)) for i in range(t.VectorLen(o))]


def _ints(t, slot):
    o = _off(t, slot)
    return [int(v) for v in t.GetVectorAsNumpy(N.Int32Flags, o)] if o else []


def _bytes(t, slot):
    o = _off(t, slot)
    return bytes(t.GetVectorAsNumpy(N.Uint8Flags, o)) if o else b""


def _string(t, slot):
    o = _off(t, slot)
    return t.String(o + t.Pos).decode() if o else ""


_DTYPES = {0: np.float32, 2: np.int32, 3: np.uint8, 4: np.int64, 9: np.int8}


# ---- operator semantics ------------------------------------------------------
def _window(size, kernel, stride, dilation, same):
    eff = (kernel - 1) * dilation + 1
    if same:
        out = (size + stride - 1) // stride
        total = max((out - 1) * stride + eff - size, 0)
        return out, total // 2, total - total // 2
    return (size - eff) // stride + 1, 0, 0


def _act(x, act):
    if act == 1:
        return np.maximum(x, 0)
    if act == 2:
        return np.clip(x, -1, 1)
    if act == 3:
        return np.clip(x, 0, 6)
    if act == 4:
        return np.tanh(x)
    assert act == 0, "activation %d" % act
    return x


def _taps(x, kh, kw, sh, sw, dh, dw, same, fill):
    """Yields (ky, kx, patch, valid) over the filter taps of an NHWC map:
    patch [N, OH, OW, C] (padded with `fill`), valid [OH, OW] in-bounds."""
    n, h, w, c = x.shape
    oh, pt, pb = _window(h, kh, sh, dh, same)
    ow, pl, pr = _window(w, kw, sw, dw, same)
    xp = np.full((n, h + pt + pb, w + pl + pr, c), fill, x.dtype)
    xp[:, pt:pt + h, pl:pl + w] = x
    inside = np.zeros((h + pt + pb, w + pl + pr), bool)
    inside[pt:pt + h, pl:pl + w] = True
    for ky in range(kh):
        for kx in range(kw):
            ys = slice(ky * dh, ky * dh + (oh - 1) * sh + 1, sh)
            xs = slice(kx * dw, kx * dw + (ow - 1) * sw + 1, sw)
            yield ky, kx, xp[:, ys, xs], inside[ys, xs]


def conv2d(x, w, b, o):
    sw, sh, dw, dh = o["stride_w"], o["stride_h"], o["dil_w"], o["dil_h"]
    out_c, kh, kw, per_group = w.shape
    groups = x.shape[3] // per_group
    acc = 0.0
    for ky, kx, patch, _ in _taps(x.astype(np.float64), kh, kw, sh, sw, dh, dw,
                                  o["padding"] == 0, 0.0):
        p = patch.reshape(patch.shape[:3] + (groups, per_group))
        wt = w[:, ky, kx, :].astype(np.float64).reshape(groups, out_c // groups,
                                                        per_group)
        acc = acc + np.einsum("nhwgi,goi->nhwgo", p, wt).reshape(
            patch.shape[:3] + (out_c,))
    if b is not None:
        acc = acc + b
    return _act(acc, o["act"])


def depthwise(x, w, b, o):
    sw, sh, dw, dh = o["stride_w"], o["stride_h"], o["dil_w"], o["dil_h"]
    _, kh, kw, out_c = w.shape
    m = out_c // x.shape[3]
    acc = 0.0
    for ky, kx, patch, _ in _taps(x.astype(np.float64), kh, kw, sh, sw, dh, dw,
                                  o["padding"] == 0, 0.0):
        acc = acc + np.repeat(patch, m, axis=3) * w[0, ky, kx]
    if b is not None:
        acc = acc + b
    return _act(acc, o["act"])


def pool(x, o, is_max):
    kh, kw = o["filter_h"], o["filter_w"]
    best, total, count = None, 0.0, 0
    for _, _, patch, valid in _taps(x.astype(np.float64), kh, kw, o["stride_h"],
                                    o["stride_w"], 1, 1, o["padding"] == 0,
                                    -np.inf if is_max else 0.0):
        v = valid[None, :, :, None]
        if is_max:
            best = patch if best is None else np.maximum(best, patch)
        else:
            total = total + np.where(v, patch, 0.0)
            count = count + v
    return _act(best if is_max else total / count, o["act"])


# ---- TFLite int8 ----------------------------------------------------------------
# Written from TFLite's quantization specification: int8 activations
# q = round(r / scale) + zero_point per tensor, int8 weights per output
# channel with zero point 0, int32 biases on in_scale * w_scale. Integer
# layers accumulate exactly (Python/NumPy integers) and requantize with the
# fixed-point multiplier of the spec: M = in_scale * w_scale / out_scale in
# double, M = q * 2^(shift - 31) with q a Q31 integer, applied as a
# rounding doubling high multiply and a rounding right shift.
def round_away(v):
    """Round half away from zero (C's round), exact for float64 input."""
    v = np.asarray(v, np.float64)
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def quantize_multiplier(m):
    """(q, shift) with m = q * 2^(shift - 31), q in [2^30, 2^31)."""
    import math
    if m <= 0:
        return 0, 0
    sig, exp = math.frexp(m)           # m = sig * 2^exp, sig in [0.5, 1)
    q = int(math.floor(sig * 2.0 ** 31 + 0.5))  # exact in double
    if q == 2 ** 31:
        q //= 2
        exp += 1
    if exp < -31:
        return 0, 0
    if exp > 30:
        return 2 ** 31 - 1, 30
    return q, exp


def multiply_by_quantized_multiplier(acc, q, shift):
    """acc * q * 2^(shift - 31) with the spec's two roundings (int64)."""
    acc = np.asarray(acc, np.int64)
    left, right = max(shift, 0), max(-shift, 0)
    x = np.clip(acc * (1 << left), -2 ** 31, 2 ** 31 - 1)
    # Saturating rounding doubling high multiply: (x * q + nudge) / 2^31,
    # the division truncating toward zero.
    ab = x * np.int64(q)
    t = ab + np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    high = np.where(t >= 0, t // (1 << 31), -((-t) // (1 << 31)))
    # Rounding divide by 2^right, ties away from zero.
    mask = (1 << right) - 1
    rem = high & mask
    threshold = (mask >> 1) + (high < 0)
    return (high >> right) + (rem > threshold)


def quant_of(t):
    return t["scales"], t["zero_points"], t["axis"]


def activation_range(act, scale, zp):
    """TFLite's quantized activation bounds: the bounds quantized with a
    float32 division rounded half away from zero, within [-128, 127]."""
    def q(f):
        return zp + int(round_away(np.float32(f) / np.float32(scale)))
    lo, hi = -128, 127
    if act in (1, 3):
        lo = max(lo, q(0.0))
    if act == 3:
        hi = min(hi, q(6.0))
    if act == 2:
        lo, hi = max(lo, q(-1.0)), min(hi, q(1.0))
    assert act in (0, 1, 2, 3), "int8 activation %d" % act
    return lo, hi


def requantize(acc, x_t, w_t, y_t, act, channel_axis):
    """int32 accumulators [..., C] (channels last) -> int8."""
    (sx,), _, _ = quant_of(x_t)
    sw, _, _ = quant_of(w_t)
    (sy,), (zy,), _ = quant_of(y_t)
    out = np.empty(acc.shape, np.int64)
    channels = acc.shape[-1]
    for c in range(channels):
        s = sw[c] if len(sw) > 1 else sw[0]
        m = float(sx) * float(s) / float(sy)
        q, shift = quantize_multiplier(m)
        out[..., c] = multiply_by_quantized_multiplier(acc[..., c], q, shift)
    lo, hi = activation_range(act, sy, zy)
    return np.clip(out + zy, lo, hi).astype(np.int8)


def int8_conv(x, w, b, o, x_t, w_t, y_t, depthwise_conv):
    """sum (x - zp_x) * w (+ bias), exactly: float64 sums of integers below
    2^53 (padded taps contribute 0, as TFLite skips them)."""
    (_,), (zx,), _ = quant_of(x_t)
    xc = x.astype(np.int64) - zx
    oo = dict(o, act=0)
    f = depthwise if depthwise_conv else conv2d
    acc = f(xc.astype(np.float64), w.astype(np.float64),
            None if b is None else b.astype(np.float64), oo)
    acc = np.asarray(acc).astype(np.int64)
    return requantize(acc, x_t, w_t, y_t, o["act"], 3)


def int8_add(a, b, a_t, b_t, y_t, act):
    """TFLite's quantized ADD: inputs minus their zero points, shifted left
    by 20 bits, rescaled by s / (2 max(s_a, s_b)); their sum rescaled by
    2 max(s_a, s_b) / (2^20 s_y); all multipliers in Q31 form."""
    (sa,), (za,), _ = quant_of(a_t)
    (sb,), (zb,), _ = quant_of(b_t)
    (sy,), (zy,), _ = quant_of(y_t)
    twice_max = 2.0 * float(max(sa, sb))
    qa, sha = quantize_multiplier(float(sa) / twice_max)
    qb, shb = quantize_multiplier(float(sb) / twice_max)
    qy, shy = quantize_multiplier(twice_max / (2.0 ** 20 * float(sy)))
    va = (a.astype(np.int64) - za) * 2 ** 20
    vb = (b.astype(np.int64) - zb) * 2 ** 20
    total = (multiply_by_quantized_multiplier(va, qa, sha)
             + multiply_by_quantized_multiplier(vb, qb, shb))
    y = multiply_by_quantized_multiplier(total, qy, shy) + zy
    lo, hi = activation_range(act, sy, zy)
    return np.clip(y, lo, hi).astype(np.int8)


def int8_pool(x, o, is_max, y_t):
    """Max or average of the integers over the taps inside the input; the
    average divides with rounding half away from zero."""
    kh, kw = o["filter_h"], o["filter_w"]
    best, total, count = None, 0, 0
    for _, _, patch, valid in _taps(x.astype(np.int64), kh, kw, o["stride_h"],
                                    o["stride_w"], 1, 1, o["padding"] == 0,
                                    -10 ** 9 if is_max else 0):
        v = valid[None, :, :, None]
        if is_max:
            best = patch if best is None else np.maximum(best, patch)
        else:
            total = total + np.where(v, patch, 0)
            count = count + v.astype(np.int64)
    if is_max:
        y = best
    else:
        half = count // 2
        # C's truncating division of acc +- n/2 by n.
        num = np.where(total > 0, total + half, total - half)
        y = np.sign(num) * (np.abs(num) // count)
    (sy,), (zy,), _ = quant_of(y_t)
    lo, hi = activation_range(o["act"], sy, zy)
    return np.clip(y, lo, hi).astype(np.int8)


# ---- LCE on packed words -------------------------------------------------------
def _popcount(words):
    return np.unpackbits(np.ascontiguousarray(words).view(np.uint8)
                         .reshape(words.shape + (4,)), axis=-1).sum(-1)


def lce_pack(x):
    c = x.shape[-1]
    words = (c + 31) // 32
    bits = np.zeros(x.shape[:-1] + (words * 32,), np.uint64)
    bits[..., :c] = x < 0
    bits = bits.reshape(x.shape[:-1] + (words, 32))
    return (bits << np.arange(32, dtype=np.uint64)).sum(-1).astype(np.uint32)


def lce_unpack(words, channels):
    bits = (words[..., :, None] >> np.arange(32, dtype=np.uint32)) & 1
    bits = bits.reshape(words.shape[:-1] + (-1,))[..., :channels]
    return np.where(bits == 1, -1.0, 1.0).astype(np.float32)


def lce_bconv(x, w, mul, bias, thresholds, o, out_words):
    """LceBconv2d: accum = popcount(x XOR w) over the taps; a zero-padded tap
    (SAME, pad_values 0) adds channels_in / 2 (its +-1 contribution is 0),
    a one-padded tap reads input bits 0 (+1). Float output:
    act(K - 2 accum) * multiplier + bias; packed output: bit = accum > t."""
    out_c, kh, kw, wpg = w.shape
    groups = x.shape[3] // wpg
    cg = o["channels_in"] // groups
    one = o["pad_values"] == 1
    accum = 0.0
    for ky, kx, patch, valid in _taps(x, kh, kw, o["stride_height"],
                                      o["stride_width"],
                                      o["dilation_height_factor"],
                                      o["dilation_width_factor"],
                                      o["padding"] == 0, np.uint32(0)):
        p = patch.reshape(patch.shape[:3] + (groups, 1, wpg))
        wt = w[:, ky, kx, :].reshape(groups, out_c // groups, wpg)
        pop = _popcount(p ^ wt[None, None, None]).sum(-1).reshape(
            patch.shape[:3] + (out_c,)).astype(np.float64)
        if not one:
            pop = np.where(valid[None, :, :, None], pop, cg / 2.0)
        accum = accum + pop
    k = kh * kw * cg
    if thresholds is not None:
        bits = (accum > thresholds).astype(np.uint64)
        bits = np.concatenate([bits, np.zeros(bits.shape[:3] + (out_words * 32 - out_c,),
                                              np.uint64)], axis=3)
        bits = bits.reshape(bits.shape[:3] + (out_words, 32))
        return (bits << np.arange(32, dtype=np.uint64)).sum(-1).astype(np.uint32)
    dot = _act(k - 2 * accum, o["fused_activation_function"])
    return dot.astype(np.float32) * mul + bias


def lce_bmaxpool(x, o):
    best = None
    for _, _, patch, valid in _taps(x, o["filter_height"], o["filter_width"],
                                    o["stride_height"], o["stride_width"], 1, 1,
                                    o["padding"] == 0, np.uint32(0xFFFFFFFF)):
        best = patch if best is None else best & patch
    return best


# ---- the interpreter -----------------------------------------------------------
def run(data, inputs, stats=None, quantize_ties="away"):
    """quantize_ties: how QUANTIZE rounds exact ties, "away" from zero as
    TFLite's reference kernel does (the default), or to "even" as XNNPack's
    (LiteRT's CPU kernels) does; litert_check.py uses both."""
    model = Table(data, encode.Get(N.UOffsetTFlags.packer_type, data, 0))
    assert data[4:8] == b"TFL3"
    buffers = [_bytes(b, 0) for b in _tables(model, 4)]
    codes = [(max(_scalar(c, 3, N.Int32Flags), _scalar(c, 0, N.Int8Flags)),
              _string(c, 1)) for c in _tables(model, 1)]
    graph = _tables(model, 2)[0]
    tensors = []
    for t in _tables(graph, 0):
        q = _table(t, 4)
        scales, zps, axis = [], [], 0
        if q is not None:
            o = _off(q, 2)
            scales = [float(v) for v in q.GetVectorAsNumpy(N.Float32Flags, o)] if o else []
            o = _off(q, 3)
            zps = [int(v) for v in q.GetVectorAsNumpy(N.Int64Flags, o)] if o else []
            axis = _scalar(q, 6, N.Int32Flags)
        tensors.append({"shape": _ints(t, 0),
                        "dtype": _DTYPES[_scalar(t, 1, N.Int8Flags)],
                        "buffer": _scalar(t, 2, N.Uint32Flags),
                        "scales": [np.float32(v) for v in scales],
                        "zero_points": zps, "axis": axis})
    env = {}
    for i, t in enumerate(tensors):
        raw = buffers[t["buffer"]] if t["buffer"] else b""
        if raw:
            env[i] = np.frombuffer(raw, t["dtype"]).reshape(t["shape"])
    for i, x in zip(_ints(graph, 1), inputs):
        env[i] = np.asarray(x, np.float32).reshape(tensors[i]["shape"])
    lce_channels = {}
    if stats is not None:
        stats.setdefault("min_abs_quantized", np.inf)

    for op in _tables(graph, 3):
        code, custom = codes[_scalar(op, 0, N.Uint32Flags)]
        ins, (out,) = _ints(op, 1), _ints(op, 2)
        opt = _table(op, 4)
        arg = [env[i] if i >= 0 else None for i in ins]
        shape = tensors[out]["shape"]

        def b(slot, default=0):
            return _scalar(opt, slot, N.Int8Flags, default) if opt else default

        def i32(slot, default=0):
            return _scalar(opt, slot, N.Int32Flags, default) if opt else default

        int8 = bool(ins) and ins[0] >= 0 and tensors[ins[0]]["dtype"] == np.int8
        if code == 114:  # QUANTIZE float32 -> int8
            (s,), (z,), _ = quant_of(tensors[out])
            v = np.float32(arg[0]) / s  # one float32 division
            r = round_away(v) if quantize_ties == "away" else np.round(v.astype(np.float64))
            y = np.clip(r + z, -128, 127).astype(np.int8)
        elif code == 6:  # DEQUANTIZE int8 -> float32
            (s,), (z,), _ = quant_of(tensors[ins[0]])
            y = (np.float64(s) * (arg[0].astype(np.int64) - z)).astype(np.float32)
        elif int8 and code in (3, 4):
            dw = code == 4
            o = {"padding": b(0), "stride_w": i32(1), "stride_h": i32(2),
                 "act": b(4 if dw else 3),
                 "dil_w": i32(5 if dw else 4, 1), "dil_h": i32(6 if dw else 5, 1)}
            y = int8_conv(arg[0], arg[1], arg[2], o, tensors[ins[0]],
                          tensors[ins[1]], tensors[out], dw)
        elif int8 and code in (1, 17):
            o = {"padding": b(0), "stride_w": i32(1), "stride_h": i32(2),
                 "filter_w": i32(3), "filter_h": i32(4), "act": b(5)}
            y = int8_pool(arg[0], o, code == 17, tensors[out])
        elif int8 and code == 9:
            (_,), (zx,), _ = quant_of(tensors[ins[0]])
            w = arg[1].astype(np.int64)
            acc = (arg[0].astype(np.int64).reshape(-1, w.shape[1]) - zx) @ w.T
            if arg[2] is not None:
                acc = acc + arg[2].astype(np.int64)
            y = requantize(acc, tensors[ins[0]], tensors[ins[1]], tensors[out],
                           b(0), 1).reshape(shape)
        elif int8 and code == 0:  # ADD
            assert arg[0].shape == arg[1].shape
            y = int8_add(arg[0], arg[1], tensors[ins[0]], tensors[ins[1]],
                         tensors[out], b(0))
        elif int8 and code not in (22, 43):
            raise NotImplementedError("int8 operator %d" % code)
        elif code in (3, 4):  # CONV_2D, DEPTHWISE_CONV_2D
            dw = code == 4
            o = {"padding": b(0), "stride_w": i32(1), "stride_h": i32(2),
                 "act": b(4 if dw else 3),
                 "dil_w": i32(5 if dw else 4, 1), "dil_h": i32(6 if dw else 5, 1)}
            y = (depthwise if dw else conv2d)(arg[0], arg[1], arg[2], o)
        elif code in (1, 17):  # AVERAGE_POOL_2D, MAX_POOL_2D
            o = {"padding": b(0), "stride_w": i32(1), "stride_h": i32(2),
                 "filter_w": i32(3), "filter_h": i32(4), "act": b(5)}
            y = pool(arg[0], o, code == 17)
        elif code == 9:  # FULLY_CONNECTED
            w = arg[1].astype(np.float64)
            y = arg[0].astype(np.float64).reshape(-1, w.shape[1]) @ w.T
            if arg[2] is not None:
                y = y + arg[2]
            y = _act(y, b(0)).reshape(shape)
        elif code in (0, 41, 18, 42):  # ADD, SUB, MUL, DIV
            x0, x1 = arg[0].astype(np.float64), arg[1].astype(np.float64)
            y = {0: np.add, 41: np.subtract, 18: np.multiply,
                 42: np.divide}[code](x0, x1)
            y = _act(y, b(0))
        elif code == 40:  # MEAN
            axes = tuple(int(a) % arg[0].ndim for a in arg[1].reshape(-1))
            y = arg[0].astype(np.float64).mean(axis=axes, keepdims=bool(b(0)))
        elif code in (22, 43):  # RESHAPE, SQUEEZE
            y = arg[0].reshape(shape)
        elif code == 2:  # CONCATENATION
            y = _act(np.concatenate([a.astype(np.float64) for a in arg],
                                    axis=i32(0)), b(1))
        elif code in (34, 60):  # PAD, PADV2
            value = float(arg[2].reshape(-1)[0]) if code == 60 and len(arg) > 2 else 0.0
            y = np.pad(arg[0].astype(np.float64), arg[1].astype(np.int64),
                       constant_values=value)
        elif code == 25:  # SOFTMAX
            beta = _scalar(opt, 0, N.Float32Flags, 0.0) if opt else 1.0
            z = beta * arg[0].astype(np.float64)
            e = np.exp(z - z.max(axis=-1, keepdims=True))
            y = e / e.sum(axis=-1, keepdims=True)
        elif code == 14:
            y = 1.0 / (1.0 + np.exp(-arg[0].astype(np.float64)))
        elif code in (19, 20, 21, 28):
            y = _act(arg[0].astype(np.float64), {19: 1, 20: 2, 21: 3, 28: 4}[code])
        elif code == 117:  # HARD_SWISH
            x = arg[0].astype(np.float64)
            y = x * np.clip(x + 3, 0, 6) / 6
        elif code == 32 and custom == "LceQuantize":
            x = arg[0]
            if stats is not None:
                stats["min_abs_quantized"] = min(stats["min_abs_quantized"],
                                                 float(np.abs(x).min()))
            y = lce_pack(x)
            lce_channels[out] = x.shape[-1]
        elif code == 32 and custom == "LceDequantize":
            y = lce_unpack(arg[0], shape[-1])
        elif code == 32 and custom in ("LceBconv2d", "LceBMaxPool2d"):
            import flatbuffers.flexbuffers as flexbuffers
            o = flexbuffers.Loads(_bytes(op, 5))
            if custom == "LceBMaxPool2d":
                y = lce_bmaxpool(arg[0], o)
            else:
                bits_out = tensors[out]["dtype"] == np.int32
                y = lce_bconv(arg[0].view(np.uint32), arg[1].view(np.uint32),
                              arg[2], arg[3], arg[4] if bits_out else None, o,
                              shape[-1])
        else:
            raise NotImplementedError("operator %d %s" % (code, custom))
        if tensors[out]["dtype"] == np.int8:
            assert np.asarray(y).dtype == np.int8
            env[out] = np.asarray(y).reshape(shape)
        elif tensors[out]["dtype"] == np.int32:
            env[out] = np.asarray(y).astype(np.uint32).view(np.int32).reshape(shape)
        else:
            env[out] = np.asarray(y).astype(np.float32).reshape(shape)
    return [env[i] for i in _ints(graph, 2)]
