#!/usr/bin/python3
"""Seeded generator of small binarized PyTorch models for bnnc's differential
tests (docs/difftest.md).

    /usr/bin/python3 gen.py --seed S --count N --out DIR [--start K]
                            [--family mlp,cnn,fsmn,bert] [--profile ci|full]
                            [--bert-pool mean|cls|mix]

Needs torch and onnx (Debian's /usr/bin/python3). Writes one directory per
model, DIR/s<S>_<i>/:

    model.onnx        exported with torch.onnx.export (opset 11, 13 or 17)
    meta.json         the model's spec (rebuilds it: regen.py), input/output
                      shapes, per input set and row the margin record
    in_<set>_0.bin    the input (raw little-endian float32, row-major)
    ref_<set>_0.bin   PyTorch's output for it (same format)

Two input sets: 0 = random normal inputs, 1 = the same inputs with zero
rows/regions/time steps/tokens, built to make exact zeros reach the
binarizers. During the PyTorch forward every binarizer input is recorded; per
batch row, meta.json says whether some binarizer input is exactly 0 ("zero"
rows: must match exactly, ONNX Sign(0) = 0) or within the margin of 0
("near" rows: 0 < |v| < MARGIN * max(1, max |v| over that binarizer input's
row); a compiler may legitimately flip such a bit, so they are counted, not
required to match).

Generation is deterministic for a given (seed, index) and PyTorch version.
A model's spec (meta.json "spec") rebuilds the same model (same weights),
which the minimizer uses.
"""
import argparse
import contextlib
import copy
import hashlib
import io
import json
import math
import os
import random
import sys
import warnings

import numpy as np
import onnx
import torch
from onnx import shape_inference
from torch import nn
from torch.nn import functional as F

# Near-threshold rule (margin_record): |v| <= max(NEAR_FACTOR * E, NEAR_FLOOR * max(1, |row|)).
NEAR_FACTOR = 16.0
NEAR_FLOOR = 1e-6
QONNX = "qonnx.custom_op.general"
UNTRAINED_PERCENT = 10  # share of "untrained" models (--untrained-percent)
BERT_POOL = "mean"  # the BERT family's readout (--bert-pool)
MAX_ONNX_BYTES = {"ci": 16 * 1024, "full": 48 * 1024}

STYLES = ["sign", "ste", "htanh", "where_ge", "where_lt", "where_gt", "bipolar"]
STYLE_WEIGHTS = [30, 14, 10, 14, 8, 8, 16]
WFORMS = ["pm1", "signw", "fold", "real"]
WFORM_WEIGHTS = [36, 26, 34, 4]

# ---------------------------------------------------------------------------
# Recording of binarizer inputs
# ---------------------------------------------------------------------------

_REC = None     # list of [batch, -1] tensors while recording
_BQ_SHAPES = None  # input shapes of the BipolarQuant calls, in call order
_BATCH = None   # batch size of the current forward


def _record(x):
    if _REC is not None:
        _REC.append(x.detach().reshape(_BATCH, -1).clone())


def forward_recording(model, x):
    """Runs the model on x; returns (output, [binarizer inputs as [B, -1]])."""
    global _REC, _BATCH
    _REC, _BATCH = [], x.shape[0]
    try:
        with torch.no_grad():
            y = model(x)
        return y, _REC
    finally:
        _REC, _BATCH = None, None


# ---------------------------------------------------------------------------
# Binarizers (activation): every export style
# ---------------------------------------------------------------------------

class _BipolarQuant(torch.autograd.Function):
    """QONNX BipolarQuant: scale * (x >= 0 ? 1 : -1); exported as the
    custom-domain node (its shapes are filled in after export)."""

    @staticmethod
    def forward(ctx, x, scale):
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x)) * scale

    @staticmethod
    def symbolic(g, x, scale):
        return g.op(QONNX + "::BipolarQuant", x, scale)


class Bin(nn.Module):
    """An activation binarizer of one export style, optionally with a
    per-channel RSign shift sign(x - b) (shift_shape)."""

    def __init__(self, style, shift_shape=None, scale=1.0):
        super().__init__()
        self.style = style
        self.shift = None
        if shift_shape is not None:
            self.shift = nn.Parameter(torch.zeros(shift_shape))
        if style == "bipolar":
            self.register_buffer("scale", torch.tensor(float(scale)))
        self.register_buffer("one", torch.tensor(1.0))
        self.register_buffer("mone", torch.tensor(-1.0))

    def forward(self, x):
        if self.shift is not None:
            x = x - self.shift
        _record(x)
        s = self.style
        if s == "sign":
            return torch.sign(x)
        if s == "ste":
            return x + (torch.sign(x) - x).detach()
        if s == "htanh":
            c = torch.clamp(x, -1.0, 1.0)
            return c + (torch.sign(x) - c).detach()
        if s == "where_ge":
            return torch.where(x >= 0, self.one, self.mone)
        if s == "where_lt":
            return torch.where(x < 0, self.mone, self.one)
        if s == "where_gt":
            return torch.where(x > 0, self.one, self.mone)
        if s == "bipolar":
            if _BQ_SHAPES is not None:
                _BQ_SHAPES.append(list(x.shape))
            return _BipolarQuant.apply(x, self.scale)
        raise ValueError(s)


# ---------------------------------------------------------------------------
# Binary-weight layers: every weight form
# ---------------------------------------------------------------------------

def _pm1(w):
    return torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w))


def _nonzero(w):
    return torch.where(w == 0, torch.full_like(w, 1e-3), w)


_EXACT = False  # set while building an "untrained" model


def _alpha(n, shape=None, scale=1.0):
    """Per-channel scales (times `scale`); powers of two in "untrained"
    models, so that sums of +-alpha terms stay exact and integer zeros stay
    exact zeros."""
    if _EXACT:
        a = 2.0 ** (torch.randint(-3, 2, (n,)).float() + round(math.log2(scale)))
    else:
        a = _short(torch.empty(n).uniform_(0.05, 1.5) * scale)
    return a if shape is None else a.reshape(shape)


def _short(a):
    """a rounded to 5 significant bits: sums of up to 2^19 terms +-a are
    exact in float32 in any order, so a dot product of 0 times alpha is an
    exact 0 in PyTorch as in a compiler that scales an integer dot product."""
    m, e = torch.frexp(a)
    return torch.ldexp(torch.round(m * 32) / 32, e)


class BWeight(nn.Module):
    """A weight [O, ...] in one form: "pm1" (+-1 initializer), "signw"
    (Sign(latent) in the graph), "fold" (alpha_o * +-1 initializer), "real"
    (not binary: the layer must stay real, with a warning). alpha_mul adds a
    separate per-channel Mul after the layer (applied by the owner).
    transpose: the stored tensor is [in, out] (MatMul layouts)."""

    def __init__(self, shape, form, transpose=False, scale=1.0):
        super().__init__()
        self.form = form
        self.transpose = transpose
        w = _nonzero(torch.randn(shape))
        alpha = _alpha(shape[0], scale=scale)
        alpha = alpha.reshape([shape[0]] + [1] * (len(shape) - 1))
        if form == "pm1":
            t = _pm1(w)
        elif form == "signw":
            t = w
        elif form == "fold":
            t = alpha * _pm1(w)
        elif form == "real":
            t = w * 0.3
        else:
            raise ValueError(form)
        if transpose:
            t = t.t()
        if form == "signw":
            self.latent = nn.Parameter(t.contiguous())
        else:
            self.register_buffer("w", t.contiguous())

    def forward(self):
        if self.form == "signw":
            return torch.sign(self.latent)
        return self.w


class BLinear(nn.Module):
    """Binary dense layer. kind: "gemm" (F.linear -> Gemm transB=1),
    "matmul" (x @ W[in,out] (+ b) -> MatMul, Add), "addmm" (Gemm transB=0)."""

    def __init__(self, fin, fout, form, kind, bias, alpha_mul, scale=1.0):
        super().__init__()
        self.kind = kind
        self.weight = BWeight((fout, fin), form, transpose=kind != "gemm", scale=scale)
        self.bias = nn.Parameter(torch.randn(fout) * 0.5) if bias else None
        if kind == "addmm" and self.bias is None:
            self.bias = nn.Parameter(torch.zeros(fout))
        if alpha_mul:
            self.register_buffer("alpha", _alpha(fout, scale=scale))
        else:
            self.alpha = None

    def forward(self, x):
        w = self.weight()
        if self.kind == "gemm":
            y = F.linear(x, w, self.bias)
        elif self.kind == "matmul":
            y = torch.matmul(x, w)
            if self.bias is not None:
                y = y + self.bias
        else:
            y = torch.addmm(self.bias, x, w)
        if self.alpha is not None:
            y = y * self.alpha
        return y


class BConv(nn.Module):
    """Binary 1-D or 2-D convolution (any stride, dilation, groups, padding
    inside the Conv), weight in one form, optional separate alpha Mul."""

    def __init__(self, dims, cin, cout, k, stride, dil, groups, pad, form,
                 alpha_mul, bias=False):
        super().__init__()
        self.dims = dims
        self.stride, self.dil, self.groups, self.pad = stride, dil, groups, pad
        self.weight = BWeight((cout, cin // groups) + (k,) * dims, form)
        self.bias = nn.Parameter(torch.randn(cout) * 0.5) if bias else None
        if alpha_mul:
            self.register_buffer("alpha", _alpha(cout, [1, cout] + [1] * dims))
        else:
            self.alpha = None

    def forward(self, x):
        conv = F.conv2d if self.dims == 2 else F.conv1d
        y = conv(x, self.weight(), self.bias, self.stride, self.pad, self.dil,
                 self.groups)
        if self.alpha is not None:
            y = y * self.alpha
        return y


def _bn(dims, c):
    return nn.BatchNorm2d(c) if dims == 2 else nn.BatchNorm1d(c)


def _pad_module(dims, pads, how, value=0.0):
    """Explicit constant padding: nn.ZeroPad2d / nn.ConstantPad{1,2}d
    ("module"), F.pad ("fpad"), or a Concat with constant tensors
    ("concat", how FSMN implementations often pad in time)."""
    if how == "module":
        if dims == 2:
            return (nn.ZeroPad2d(tuple(pads)) if value == 0
                    else nn.ConstantPad2d(tuple(pads), value))
        return nn.ConstantPad1d(tuple(pads), value)
    if how == "concat":
        return _CatPad(pads, value)
    return _FPad(pads, value)


class _FPad(nn.Module):
    def __init__(self, pads, value=0.0):
        super().__init__()
        self.pads = tuple(pads)
        self.value = value

    def forward(self, x):
        return F.pad(x, self.pads, value=self.value)


class _CatPad(nn.Module):
    """Padding as torch.cat with constant blocks (exported as Concat with
    constant initializers), last dimension first like F.pad."""

    def __init__(self, pads, value=0.0):
        super().__init__()
        self.pads = tuple(pads)
        self.value = value

    def forward(self, x):
        for d in range(len(self.pads) // 2):
            axis = x.dim() - 1 - d
            lo, hi = self.pads[2 * d], self.pads[2 * d + 1]
            parts = []
            for n in (lo, None, hi):
                if n is None:
                    parts.append(x)
                elif n:
                    shape = [int(v) for v in x.shape]
                    shape[axis] = n
                    parts.append(torch.full(shape, self.value))
            x = torch.cat(parts, dim=axis)
        return x


class RPReLU(nn.Module):
    """ReActNet RPReLU: PReLU(x - g) + z (Sub/Add, PRelu, Add)."""

    def __init__(self, shape, c):
        super().__init__()
        self.g = nn.Parameter(torch.randn(shape) * 0.2)
        self.prelu = nn.PReLU(c, init=0.25)
        self.z = nn.Parameter(torch.randn(shape) * 0.2)

    def forward(self, x):
        return self.prelu(x - self.g) + self.z


# ---------------------------------------------------------------------------
# Model families, built from a spec (a JSON-able dict)
# ---------------------------------------------------------------------------

def conv_out(n, k, s, d, p0, p1):
    return (n + p0 + p1 - d * (k - 1) - 1) // s + 1


class Block(nn.Module):
    """One binary block on a [B, C, *S] (or [B, F]) real tensor:
    [pre pad] -> binarizer (maybe RSign) -> [post pad] -> binary layer ->
    tail (op order) -> residual (none/add/concat/down)."""

    def __init__(self, dims, cin, spec):
        super().__init__()
        self.spec = spec
        self.dims = dims
        o = spec["order"]
        cout = spec["out"]
        shift = None
        if spec.get("rsign"):
            shift = [1, cin] + [1] * dims if dims else [cin]
        self.bin = Bin(spec["style"], shift, spec.get("bq_scale", 1.0))
        pv = spec.get("pad_value", 0.0)
        self.pre = (_pad_module(dims, spec["pads"], spec["pad_how"], pv)
                    if spec["pad"] == "pre" else None)
        self.post = (_pad_module(dims, spec["pads"], spec["pad_how"], pv)
                     if spec["pad"] == "post" else None)
        if dims == 0:
            self.layer = BLinear(cin, cout, spec["form"], spec["kind"], spec["bias"],
                                 spec["alpha_mul"])
        else:
            p = spec["k"] // 2 * spec["dil"] if spec["pad"] == "conv" else 0
            if spec["pad"] == "conv":
                p = spec["conv_pad"]
            self.layer = BConv(dims, cin, cout, spec["k"], spec["stride"], spec["dil"],
                               spec["groups"], p, spec["form"], spec["alpha_mul"],
                               spec["bias"])
        self.pool = None
        if o in ("pool_bn", "alpha_pool_bn"):
            pk, ps, pp = spec["pool"]
            self.pool = (nn.MaxPool2d if dims == 2 else nn.MaxPool1d)(pk, ps, pp)
        self.bn = None
        if o != "none":
            self.bn = _bn(dims, cout) if dims else nn.BatchNorm1d(cout)
        self.prelu = nn.PReLU(cout, init=0.25) if o == "bn_prelu" else None
        r = spec["res"]
        self.rprelu = None
        if r in ("add", "down") and spec.get("rprelu"):
            self.rprelu = RPReLU([1, cout] + [1] * dims if dims else [cout], cout)
        self.short = None
        if r == "down":
            self.short = nn.Sequential(
                (nn.AvgPool2d if dims == 2 else nn.AvgPool1d)(2, 2),
                (nn.Conv2d if dims == 2 else nn.Conv1d)(cin, cout, 1, bias=False),
                _bn(dims, cout))

    def forward(self, x, skip_bin=False):
        h = x
        if self.pre is not None:
            h = self.pre(h)
        if not skip_bin:
            h = self.bin(h)
        if self.post is not None:
            h = self.post(h)
        h = self.layer(h)
        o = self.spec["order"]
        if self.pool is not None:
            h = self.pool(h)
        if self.bn is not None:
            h = self.bn(h)
        if self.prelu is not None:
            h = self.prelu(h)
        if o == "bn_relu":
            h = torch.relu(h)
        r = self.spec["res"]
        if r == "add":
            h = h + x
        elif r == "down":
            h = h + self.short(x)
        elif r == "concat":
            h = torch.cat([h, x], dim=1)
        if self.rprelu is not None:
            h = self.rprelu(h)
        return h


class Net(nn.Module):
    """mlp / cnn (1-D, 2-D) families: real stem, binary blocks, real head."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        dims = spec["dims"]
        self.dims = dims
        shape = list(spec["input"])  # without batch
        st = spec["stem"]
        self.stem_bin = None
        if st["kind"] == "none":
            c = shape[0]
            self.stem = None
        elif dims == 0:
            c = st["out"]
            self.stem = nn.Linear(shape[0], c, bias=st["bias"])
        else:
            c = st["out"]
            conv = nn.Conv2d if dims == 2 else nn.Conv1d
            self.stem = conv(shape[0], c, st["k"], padding=st["k"] // 2, bias=st["bias"])
        self.stem_bn = _bn(dims, c) if st["kind"] in ("bn", "bn_relu") and dims else (
            nn.BatchNorm1d(c) if st["kind"] in ("bn", "bn_relu") else None)
        self.blocks = nn.ModuleList()
        for b in spec["blocks"]:
            self.blocks.append(Block(dims, c, b))
            c = b["out"] + (c if b["res"] == "concat" else 0)
        hd = spec["head"]
        self.head_bin = None
        flat = self._features(torch.zeros([2] + shape)).shape[1]
        if hd["kind"] == "bin_dense":
            self.head_bin = Block(0, flat, hd["block"])
            flat = hd["block"]["out"]
        self.fc = nn.Linear(flat, spec["classes"])

    def _features(self, x):
        """The input of the head (shape probe, eval mode, no RNG)."""
        was = self.training
        self.eval()
        try:
            with torch.no_grad():
                return self.body(x)
        finally:
            self.train(was)

    def forward(self, x):
        if self.head_bin is not None and self.spec["head"].get("sign_first"):
            # Sign -> Flatten -> binary dense (the Sign behind a Flatten).
            h = self.head_bin.bin(self.body(x, flatten=False))
            h = self.head_bin(torch.flatten(h, 1), skip_bin=True)
            return self.fc(h)
        h = self.body(x)
        if self.head_bin is not None:
            h = self.head_bin(h)
        return self.fc(h)

    def body(self, x, flatten=True):
        h = x
        if self.stem is not None:
            h = self.stem(h)
        if self.stem_bn is not None:
            h = self.stem_bn(h)
        if self.spec["stem"]["kind"] == "bn_relu":
            h = torch.relu(h)
        for b in self.blocks:
            h = b(h)
        hd = self.spec["head"]["kind"]
        if hd == "gap" and self.dims:
            h = h.mean(dim=tuple(range(2, 2 + self.dims)))
        elif self.dims and flatten:
            h = torch.flatten(h, 1)
        return h


class Seq(nn.Module):
    """Token MLP on [B, S, F]: binary layers as batched 3-D MatMuls
    Sign(a)[B, S, K] @ W[K, N] (+ bias), LayerNorm over the features before
    the binarizers (BiBERT's Sign(LayerNorm(x))), optional per-feature
    alpha Mul and residual Add, mean over S, real classifier."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        s, f = spec["input"]
        w = spec["width"]
        self.stem = nn.Linear(f, w)
        self.blocks = nn.ModuleList()
        for b in spec["blocks"]:
            mod = nn.Module()
            mod.ln = nn.LayerNorm(w) if b["ln"] else None
            mod.bin = Bin(b["style"], [w] if b.get("rsign") else None, b.get("bq_scale", 1.0))
            mod.lin = BLinear(w, w, b["form"], "matmul", b["bias"], b["alpha_mul"])
            self.blocks.append(mod)
        self.fc = nn.Linear(w, spec["classes"])

    def forward(self, x):
        h = self.stem(x)
        for b, sp in zip(self.blocks, self.spec["blocks"]):
            t = b.ln(h) if b.ln is not None else h
            t = b.lin(b.bin(t))
            h = h + t if sp["res"] else t
        return self.fc(h.mean(dim=1))


class Fsmn(nn.Module):
    """BiFSMN: [B, F, T]; input projection (binary on the raw input or real),
    memory blocks h + BN(dwconv(sign(pad(h)))) with the zero padding as an
    explicit Pad (or inside the Conv), binary 1x1 projections between them."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        f, t = spec["input"]
        c = spec["channels"]
        pj = spec["proj_in"]
        if pj["kind"] == "binary":
            self.proj = Block(1, f, pj["block"])
        else:
            self.proj = nn.Sequential(nn.Conv1d(f, c, 1), nn.BatchNorm1d(c))
        self.mem = nn.ModuleList()
        for m in spec["memory"]:
            mod = nn.Module()
            mod.pad = _pad_module(1, m["pads"], m["pad_how"]) if m["pad"] == "explicit" else None
            mod.bin = Bin(m["style"], None, m.get("bq_scale", 1.0))
            p = 0 if m["pad"] == "explicit" else m["conv_pad"]
            mod.conv = BConv(1, c, c, m["k"], 1, m["dil"], c, p, m["form"], m["alpha_mul"])
            mod.bn = nn.BatchNorm1d(c) if m["bn"] else None
            mod.between = Block(1, c, m["between"]) if m.get("between") else None
            self.mem.append(mod)
        self.fc = nn.Linear(c, spec["classes"])

    def forward(self, x):
        h = self.proj(x)
        for m in self.mem:
            s = h
            if m.pad is not None:
                s = m.pad(s)
            s = m.conv(m.bin(s))
            if m.bn is not None:
                s = m.bn(s)
            h = h + s
            if m.between is not None:
                h = m.between(h)
        return self.fc(h.mean(dim=2))


class BiLinear(nn.Module):
    """BiBERT-style quantized linear: binarizer(x) -> Gemm with alpha*(+-1)
    weights (+ bias); shared: the binarizer is applied by the caller."""

    def __init__(self, fin, fout, style, form, bq):
        super().__init__()
        self.bin = Bin(style, None, bq) if style else None
        # BiBERT's alpha = mean |W| of weights initialized with std 1/sqrt(in):
        # outputs of moderate size (a GELU of an output below about -5.4 is
        # exactly 0 in float32 but not in float64: a near-threshold row).
        # +-1 and Sign(W) weights get the same scale as a separate Mul.
        s = 1.0 / math.sqrt(fin)
        self.lin = BLinear(fin, fout, form, "gemm", True, form != "fold", scale=s)

    def forward(self, x):
        if self.bin is not None:
            x = self.bin(x)
        return self.lin(x)


class Bert(nn.Module):
    """BiBERT-style encoder layer on [B, N, D] float inputs: binarized Q/K/V,
    Bi-Attention P = [sign(Q) sign(K)^T (/ sqrt(dh)) > 0], C = P sign(V),
    binarized output projection, post-LN, optional binarized FFN, mean pool,
    real classifier."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        n, d = spec["input"]
        st, form, bq = spec["style"], spec["form"], spec.get("bq_scale", 1.0)
        self.ln0 = nn.LayerNorm(d) if spec["ln_in"] else None
        self.shared = Bin(st, None, bq) if spec["shared_bin"] else None
        lst = None if spec["shared_bin"] else st
        self.q = BiLinear(d, d, lst, form, bq)
        self.k = BiLinear(d, d, lst, form, bq)
        self.v = BiLinear(d, d, lst, form, bq)
        self.bq_ = Bin(spec["qk_style"], None, bq)
        self.bk_ = Bin(spec["qk_style"], None, bq)
        self.bv_ = Bin(spec["qk_style"], None, bq)
        self.o = BiLinear(d, d, st, form, bq)
        self.ln1 = nn.LayerNorm(d)
        self.ffn = None
        if spec["ffn"]:
            self.fc1 = BiLinear(d, spec["ffn"], st, form, bq)
            self.fc2 = BiLinear(spec["ffn"], d, st, form, bq)
            self.ln2 = nn.LayerNorm(d)
            self.ffn = True
        self.cls = nn.Linear(d, spec["classes"])

    def forward(self, x):
        b, n, d = x.shape
        h = self.spec["heads"]
        dh = d // h
        flat = x.reshape(b * n, d)
        if self.ln0 is not None:
            flat = self.ln0(flat)
        src = self.shared(flat) if self.shared is not None else flat

        def split(t):
            return t.reshape(b, n, h, dh).transpose(1, 2)

        q, k, v = split(self.q(src)), split(self.k(src)), split(self.v(src))
        sq, sk, sv = self.bq_(q), self.bk_(k), self.bv_(v)
        scores = sq @ sk.transpose(-2, -1)
        if self.spec["scale"]:
            scores = scores / math.sqrt(dh)
        probs = (scores > 0).to(scores.dtype)
        ctx = (probs @ sv).transpose(1, 2).reshape(b * n, d)
        y = self.ln1(flat + self.o(ctx))
        if self.ffn:
            y = self.ln2(y + self.fc2(F.gelu(self.fc1(y))))
        y = y.reshape(b, n, d)
        # The readout: the mean of all tokens, or the first (CLS) token, of
        # which bnnc's dead-token-elim computes the last layer alone.
        if self.spec.get("pool", "mean") == "cls":
            return self.cls(y[:, 0])
        return self.cls(y.mean(dim=1))


def build(spec):
    """The nn.Module of a spec, with its weights from spec["seed"]."""
    global _EXACT
    torch.manual_seed(spec["seed"])
    fam = spec["family"]
    _EXACT = spec["bn_mode"] == "untrained"
    try:
        if fam in ("mlp", "cnn"):
            m = Net(spec)
        elif fam == "fsmn":
            m = Fsmn(spec)
        elif fam == "bert":
            m = Bert(spec)
        elif fam == "seq":
            m = Seq(spec)
        else:
            raise ValueError(fam)
    finally:
        _EXACT = False
    calibrate(m, spec)
    return m.eval()


# ---------------------------------------------------------------------------
# Realistic parameters: BatchNorm statistics from a calibration batch
# ---------------------------------------------------------------------------

def calibrate(model, spec):
    """Random (not trained) but realistic parameters. "random": BatchNorm
    running statistics are measured on a calibration batch (so thresholds lie
    inside the data), then perturbed; gamma of both signs (rarely 0), random
    beta; PReLU slopes, RSign/RPReLU shifts and LayerNorm affine random.
    "untrained": PyTorch's defaults (mean 0, var 1, gamma 1, beta 0, shifts
    0): integer dot products then reach the binarizers as exact zeros."""
    g = torch.Generator().manual_seed(spec["seed"] + 1)
    if spec["bn_mode"] == "untrained":
        return
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.momentum = 1.0
    model.train()
    x = torch.randn([64] + list(spec["input"]), generator=g)
    with torch.no_grad():
        model(x)
    model.eval()
    with torch.no_grad():
        for m in bns:
            c = m.num_features
            std = m.running_var.sqrt()
            m.running_mean += torch.randn(c, generator=g) * 0.5 * std
            m.running_var *= torch.exp(torch.empty(c).uniform_(-0.7, 0.7, generator=g))
            m.running_var.clamp_(min=1e-3)
            gam = torch.empty(c).uniform_(0.3, 1.5, generator=g)
            neg = torch.rand(c, generator=g) < spec.get("neg_gamma", 0.2)
            gam = torch.where(neg, -gam, gam)
            zero = torch.rand(c, generator=g) < spec.get("zero_gamma", 0.0)
            gam = torch.where(zero, torch.zeros_like(gam), gam)
            m.weight.copy_(gam)
            m.bias.copy_(torch.randn(c, generator=g) * 0.3)
            m.momentum = 0.1
        for m in model.modules():
            if isinstance(m, nn.PReLU):
                m.weight.copy_(torch.empty(m.weight.shape).uniform_(-0.3, 0.6, generator=g))
            elif isinstance(m, Bin) and m.shift is not None:
                m.shift.copy_(torch.randn(m.shift.shape, generator=g) * 0.3)
            elif isinstance(m, RPReLU):
                m.g.copy_(torch.randn(m.g.shape, generator=g) * 0.2)
                m.z.copy_(torch.randn(m.z.shape, generator=g) * 0.2)
            elif isinstance(m, nn.LayerNorm):
                m.weight.copy_(torch.empty(m.weight.shape).uniform_(0.5, 1.5, generator=g)
                               * torch.where(torch.rand(m.weight.shape, generator=g) < 0.15,
                                             -1.0, 1.0))
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.2)


# ---------------------------------------------------------------------------
# Random specs
# ---------------------------------------------------------------------------

def pick(rng, items, weights=None):
    return rng.choices(items, weights)[0]


def rand_style(rng, spec):
    if spec.get("style_all"):
        return spec["style_all"]
    return pick(rng, STYLES, STYLE_WEIGHTS)


def rand_form(rng):
    return pick(rng, WFORMS, WFORM_WEIGHTS)


def bq_scale(rng, spec):
    if spec["bn_mode"] == "untrained":
        return pick(rng, [1.0, 0.5, 2.0, 0.25])
    m, e = math.frexp(rng.uniform(0.1, 3.0))
    return pick(rng, [1.0, 0.5, 2.0, math.ldexp(round(m * 32) / 32, e)])


def conv_block(rng, spec, dims, cin, size, last):
    """A random binary conv block for a [cin, *size] input, or None."""
    small = spec["profile"] == "ci"
    chans = [4, 8, 12, 16] if small else [4, 8, 16, 24, 32]
    if rng.random() < 0.15:  # channel counts that are not multiples of 4
        chans = [3, 5, 7, 13] if small else [3, 5, 7, 13, 33]
    if spec.get("wide"):  # after a wide stem: few output channels
        chans = [5, 8, 16]
    for _ in range(50):
        b = {"style": rand_style(rng, spec), "form": rand_form(rng)}
        b["rsign"] = rng.random() < 0.2
        b["alpha_mul"] = b["form"] != "real" and rng.random() < 0.25
        b["order"] = pick(rng, ["bn", "alpha_pool_bn", "pool_bn", "bn_prelu", "bn_relu", "none"],
                          [40, 12, 14, 18, 3, 4])
        if b["order"] == "alpha_pool_bn":
            b["alpha_mul"] = True
            if b["form"] == "real":
                b["form"] = "pm1"
        g = pick(rng, ["1", "2", "dw", "4"], [60, 12, 20, 8])
        k = pick(rng, [1, 2, 3, 5], [15, 8, 60, 17])
        stride = pick(rng, [1, 2], [75, 25])
        dil = pick(rng, [1, 2], [80, 20]) if k > 1 else 1
        if g == "dw":
            cout = cin
            groups = cin
        else:
            groups = int(g)
            cout = pick(rng, chans)
            if cin % groups or cout % groups:
                continue
        b.update(out=cout, k=k, stride=stride, dil=dil, groups=groups)
        b["bias"] = rng.random() < 0.15
        b["pad"] = pick(rng, ["conv", "pre", "post", "none"], [55, 15, 15, 15])
        b["pad_how"] = pick(rng, ["module", "fpad", "concat"], [40, 40, 20])
        # Padding with a constant other than 0: before the binarizer any
        # value, after it +-1 (a binary pad value).
        b["pad_value"] = 0.0
        if b["pad"] == "pre" and rng.random() < 0.15:
            b["pad_value"] = pick(rng, [1.0, -1.0, 0.5, -0.25])
        elif b["pad"] == "post" and rng.random() < 0.2:
            b["pad_value"] = pick(rng, [1.0, -1.0])
        half = (k - 1) * dil // 2
        if b["pad"] == "conv":
            b["conv_pad"] = pick(rng, [half, half, max(0, half - 1), half + 1]) if half else pick(rng, [0, 0, 1])
        if b["pad"] in ("pre", "post"):
            tot = (k - 1) * dil
            if tot == 0:
                tot = 1
            if rng.random() < 0.6:
                lo = tot // 2
                hi = tot - lo
            else:
                lo = rng.randint(0, tot)
                hi = tot - lo
            pads = []
            for _d in range(dims):
                pads += [lo, hi] if rng.random() < 0.8 else [hi, lo]
            b["pads"] = pads
        else:
            b["pads"] = []
        # shapes
        cur = list(size)
        if b["pad"] in ("pre", "post"):
            # F.pad order: last dim first
            for d in range(dims):
                p0, p1 = b["pads"][2 * d], b["pads"][2 * d + 1]
                cur[dims - 1 - d] += p0 + p1
        p = b.get("conv_pad", 0) if b["pad"] == "conv" else 0
        cur = [conv_out(n, k, stride, dil, p, p) for n in cur]
        if min(cur) < 1:
            continue
        if b["order"] in ("pool_bn", "alpha_pool_bn"):
            pool = pick(rng, [[2, 2, 0], [3, 2, 1], [2, 1, 0], [3, 1, 1]], [50, 20, 15, 15])
            nxt = [conv_out(n, pool[0], pool[1], 1, pool[2], pool[2]) for n in cur]
            if min(nxt) < 1 or min(cur) < pool[0]:
                continue
            b["pool"] = pool
            cur = nxt
        b["res"] = "none"
        r = pick(rng, ["none", "add", "concat", "down"], [55, 25, 10, 10])
        if r == "add" and cur == list(size) and cout == cin:
            b["res"] = "add"
        elif r == "concat" and cur == list(size) and cout + cin <= 40:
            b["res"] = "concat"
        elif r == "down" and all(n // 2 == m for n, m in zip(size, cur)):
            b["res"] = "down"
        b["rprelu"] = b["res"] in ("add", "down") and rng.random() < 0.5
        if b["style"] == "bipolar":
            b["bq_scale"] = bq_scale(rng, spec)
        cnext = cout + (cin if b["res"] == "concat" else 0)
        return b, cnext, cur
    return None


def dense_block(rng, spec, fin, width=None):
    b = {"style": rand_style(rng, spec), "form": rand_form(rng)}
    b["rsign"] = rng.random() < 0.2
    b["alpha_mul"] = b["form"] != "real" and rng.random() < 0.2
    b["order"] = pick(rng, ["bn", "bn_prelu", "bn_relu", "none"], [60, 22, 6, 12])
    b["kind"] = pick(rng, ["gemm", "matmul", "addmm"], [45, 35, 20])
    b["bias"] = rng.random() < 0.4
    b["out"] = width or pick(rng, [5, 8, 16] if spec.get("wide") else
                             [8, 16, 24, 32, 48, 64, 5, 13, 33])
    b["pad"], b["pads"], b["pad_how"] = "none", [], "module"
    r = pick(rng, ["none", "add", "concat"], [75, 15, 10])
    b["res"] = "none"
    if r == "add" and b["out"] == fin:
        b["res"] = "add"
    elif r == "concat" and b["out"] + fin <= 96:
        b["res"] = "concat"
    b["rprelu"] = b["res"] == "add" and rng.random() < 0.3
    if b["style"] == "bipolar":
        b["bq_scale"] = bq_scale(rng, spec)
    return b


def gen_spec(rng, seed, profile, families=None):
    fams = families or ["mlp", "cnn", "fsmn", "bert", "seq"]
    weights = {"mlp": 22, "cnn": 42, "fsmn": 14, "bert": 12, "seq": 10}
    fam = pick(rng, fams, [weights[f] for f in fams])
    spec = {"family": fam, "seed": seed, "profile": profile,
            "opset": pick(rng, [11, 13, 17]),
            "batch": pick(rng, [1, 8], [35, 65]),
            "bn_mode": pick(rng, ["random", "untrained"],
                            [100 - UNTRAINED_PERCENT, UNTRAINED_PERCENT]),
            "export": pick(rng, ["preserve", "eval"], [80, 20])}
    # Set 1, row 0 all zeros (always with batch 8; with batch 1 the single
    # row is all zeros or has a zero region).
    spec["zero_first"] = spec["batch"] > 1 or rng.random() < 0.4
    if spec["bn_mode"] == "untrained":
        # Exported BatchNorm folding would scale the +-1 weights by
        # 1/sqrt(1 + eps): sums of such terms are exact zeros only in some
        # summation orders. Keep the graph's arithmetic exact.
        spec["export"] = "preserve"
    spec["neg_gamma"] = pick(rng, [0.0, 0.2, 0.5], [30, 50, 20])
    spec["zero_gamma"] = pick(rng, [0.0, 0.05], [90, 10])
    if rng.random() < 0.5:
        spec["style_all"] = pick(rng, STYLES, STYLE_WEIGHTS)
    # A few wide models (full profile): binary dot products of 16 to 63
    # words (Cortex-M's Harley-Seal path, multi-word NEON loops).
    spec["wide"] = profile == "full" and rng.random() < 0.06
    small = profile == "ci"
    if fam == "mlp":
        spec["dims"] = 0
        fin = rng.randint(6, 40 if small else 64)
        spec["input"] = [fin]
        stem = pick(rng, ["bn", "plain", "bn_relu", "none"], [70, 15, 5, 10])
        if spec["wide"] and stem == "none":
            stem = "bn"
        width = pick(rng, [16, 24, 32, 48, 64] + ([] if small else [128, 256]))
        if spec.get("wide"):
            fin = min(fin, 8)
            spec["input"] = [fin]
            width = pick(rng, [512, 1024, 1500])
        spec["stem"] = {"kind": stem, "out": width, "bias": rng.random() < 0.6}
        c = fin if stem == "none" else width
        blocks = []
        for _ in range(rng.randint(1, 3)):
            b = dense_block(rng, spec, c, width if rng.random() < 0.5 and not spec["wide"]
                            else None)
            blocks.append(b)
            c = b["out"] + (c if b["res"] == "concat" else 0)
        spec["blocks"] = blocks
        spec["head"] = {"kind": "flat", "flat": c}
        spec["classes"] = rng.randint(2, 10)
    elif fam == "cnn":
        dims = pick(rng, [1, 2], [35, 65])
        spec["dims"] = dims
        cin = pick(rng, [1, 2, 3])
        if dims == 2:
            hw = [rng.randint(4, 10 if small else 12), rng.randint(4, 10 if small else 12)]
            if rng.random() < 0.6:
                hw[1] = hw[0]
        else:
            hw = [rng.randint(6, 24 if small else 32)]
        spec["input"] = [cin] + hw
        stem = pick(rng, ["bn", "plain", "bn_relu", "none"], [75, 10, 5, 10])
        if spec["wide"] and stem == "none":
            stem = "bn"
        c0 = pick(rng, [64, 96, 128] if spec["wide"] else [4, 8, 16])
        spec["stem"] = {"kind": stem, "out": c0, "k": pick(rng, [1, 3]),
                        "bias": rng.random() < 0.7}
        c = cin if stem == "none" else c0
        size = hw
        blocks = []
        for i in range(rng.randint(1, 3)):
            r = conv_block(rng, spec, dims, c, size, False)
            if r is None:
                break
            b, c, size = r
            blocks.append(b)
        if not blocks:
            return None
        spec["blocks"] = blocks
        flat = c * int(np.prod(size))
        hk = pick(rng, ["gap", "flatten", "bin_dense"], [45, 35, 20])
        if hk != "gap" and flat > 600:
            hk = "gap"
        spec["head"] = {"kind": hk, "flat": flat}
        if hk == "bin_dense":
            spec["head"]["sign_first"] = rng.random() < 0.4
            spec["head"]["block"] = dense_block(rng, spec, flat)
            if spec["head"]["sign_first"]:
                spec["head"]["block"]["rsign"] = False
            spec["head"]["block"]["res"] = "none"
            spec["head"]["block"]["rprelu"] = False
        spec["classes"] = rng.randint(2, 10)
    elif fam == "fsmn":
        f = rng.randint(4, 12 if small else 20)
        t = rng.randint(6, 20 if small else 32)
        c = pick(rng, [8, 16, 24, 32] if not small else [8, 12, 16])
        spec["input"] = [f, t]
        spec["channels"] = c
        if rng.random() < 0.6:
            b = {"style": rand_style(rng, spec), "form": rand_form(rng), "rsign": False,
                 "alpha_mul": False, "order": pick(rng, ["bn", "none"], [80, 20]),
                 "out": c, "k": 1, "stride": 1, "dil": 1, "groups": 1, "bias": rng.random() < 0.3,
                 "pad": "none", "pads": [], "pad_how": "module", "res": "none", "rprelu": False}
            if b["style"] == "bipolar":
                b["bq_scale"] = bq_scale(rng, spec)
            spec["proj_in"] = {"kind": "binary", "block": b}
        else:
            spec["proj_in"] = {"kind": "real"}
        mem = []
        for _ in range(rng.randint(1, 3)):
            k = pick(rng, [3, 5, 2, 4], [45, 30, 15, 10])
            dil = pick(rng, [1, 2])
            tot = (k - 1) * dil
            kind = pick(rng, ["causal", "centered", "random"], [35, 45, 20])
            lo = tot if kind == "causal" else (tot // 2 if kind == "centered" else rng.randint(0, tot))
            m = {"k": k, "dil": dil, "style": rand_style(rng, spec), "form": rand_form(rng),
                 "alpha_mul": rng.random() < 0.2,
                 "pad": pick(rng, ["explicit", "conv"], [80, 20]),
                 "pad_how": pick(rng, ["module", "fpad", "concat"], [40, 35, 25]),
                 "pads": [lo, tot - lo], "conv_pad": tot // 2,
                 "bn": rng.random() < 0.6}
            if m["form"] == "real":
                m["form"] = "pm1"
            if m["pad"] == "conv" and tot % 2:
                m["pad"] = "explicit"
            if m["style"] == "bipolar":
                m["bq_scale"] = bq_scale(rng, spec)
            if rng.random() < 0.5:
                bb = {"style": rand_style(rng, spec), "form": rand_form(rng),
                      "rsign": rng.random() < 0.2, "alpha_mul": rng.random() < 0.2,
                      "order": pick(rng, ["bn", "bn_prelu", "none"], [70, 20, 10]),
                      "out": c, "k": 1, "stride": 1, "dil": 1, "groups": 1,
                      "bias": rng.random() < 0.3, "pad": "none", "pads": [],
                      "pad_how": "module", "res": pick(rng, ["none", "add"]), "rprelu": False}
                if bb["style"] == "bipolar":
                    bb["bq_scale"] = bq_scale(rng, spec)
                m["between"] = bb
            mem.append(m)
        spec["memory"] = mem
        spec["classes"] = rng.randint(2, 8)
    elif fam == "seq":
        spec["input"] = [rng.randint(2, 8), rng.randint(4, 24)]
        spec["width"] = pick(rng, [8, 16, 24, 32] if small else [8, 16, 32, 48])
        blocks = []
        for _ in range(rng.randint(1, 3)):
            b = {"style": rand_style(rng, spec), "form": pick(rng, WFORMS[:3]),
                 "ln": rng.random() < 0.6, "bias": rng.random() < 0.5,
                 "alpha_mul": rng.random() < 0.3, "res": rng.random() < 0.4,
                 "rsign": rng.random() < 0.15}
            if b["style"] == "bipolar":
                b["bq_scale"] = bq_scale(rng, spec)
            blocks.append(b)
        spec["blocks"] = blocks
        spec["classes"] = rng.randint(2, 8)
    else:  # bert
        n = rng.randint(3, 8)
        heads = pick(rng, [1, 2])
        d = pick(rng, [8, 16] if small else [8, 16, 32])
        spec["input"] = [n, d]
        spec["heads"] = heads
        spec["style"] = pick(rng, STYLES, [60, 10, 6, 8, 4, 4, 8])
        spec["qk_style"] = pick(rng, ["sign", spec["style"]], [70, 30])
        spec["form"] = pick(rng, ["fold", "pm1", "signw"], [60, 20, 20])
        spec["ln_in"] = rng.random() < 0.6
        spec["shared_bin"] = rng.random() < 0.4
        spec["scale"] = rng.random() < 0.7
        spec["ffn"] = pick(rng, [0, 16, 32] if small else [0, 16, 32, 64], None)
        spec["classes"] = rng.randint(2, 6)
        if "bipolar" in (spec["style"], spec["qk_style"]):
            spec["bq_scale"] = bq_scale(rng, spec)
    return spec


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------

def make_inputs(spec, rng_np):
    """Set 0: random normal (times a random gain per row). Set 1: the same
    with zeros: row 0 all zero (spec "zero_first"), the other rows a zero region (2-D), zero time
    steps (1-D, FSMN), zero features (MLP) or zero tokens (BERT); one row in
    four is left as it was."""
    b = spec["batch"]
    shape = [b] + list(spec["input"])
    gain = rng_np.uniform(0.5, 2.0, size=[b] + [1] * len(spec["input"]))
    x0 = (rng_np.standard_normal(shape) * gain).astype(np.float32)
    x1 = x0.copy()
    for r in range(b):
        if r == 0 and spec.get("zero_first", b > 1):
            x1[r] = 0
            continue
        if b > 1 and r % 4 == 3:
            continue
        fam = spec["family"]
        if fam == "mlp":
            mask = rng_np.random(shape[1]) < 0.4
            x1[r, mask] = 0
        elif fam in ("bert", "seq"):
            n = shape[1]
            toks = rng_np.random(n) < 0.4
            toks[rng_np.integers(n)] = True
            x1[r, toks] = 0
        elif len(shape) == 3:  # [C, T]: zero time steps
            t = shape[2]
            a = rng_np.integers(0, t)
            e = rng_np.integers(a + 1, t + 1)
            x1[r, :, a:e] = 0
            if rng_np.random() < 0.3:
                x1[r, :, :] *= (rng_np.random(t) < 0.6)
        else:  # [C, H, W]: a zero rectangle (maybe everything)
            h, w = shape[2], shape[3]
            a = rng_np.integers(0, h)
            e = rng_np.integers(a + 1, h + 1)
            c = rng_np.integers(0, w)
            f = rng_np.integers(c + 1, w + 1)
            x1[r, :, a:e, c:f] = 0
    return [x0, x1]


def margin_record(recs32, recs64, batch):
    """Per row: (near, zero, smallest |v| / (NEAR_FACTOR * E) over nonzero v).

    recs32/recs64: the binarizer inputs of the float32 and the float64
    forward of the same model. E = max |v32 - v64| over one binarizer
    input's row: the rounding error float32 arithmetic actually made there.
    A value is near the threshold if 0 < |v32| <= NEAR_FACTOR * E (plus a
    floor of NEAR_FLOOR * max(1, max |v| of the row)), or if float32 and
    float64 disagree on its sign or on whether it is exactly 0. A row is
    "zero" if some binarizer input is exactly 0 in both."""
    near = [False] * batch
    zero = [False] * batch
    ratio = [float("inf")] * batch
    if len(recs32) != len(recs64):
        return [True] * batch, zero, [0.0] * batch
    for r32, r64 in zip(recs32, recs64):
        a32 = r32.double()
        err = (a32 - r64).abs().max(dim=1).values
        scale = torch.clamp(a32.abs().max(dim=1).values, min=1.0)
        for i in range(batch):
            v, w = a32[i], r64[i]
            z32, z64 = v == 0, w == 0
            if bool((z32 & z64).any()):
                zero[i] = True
            if bool((z32 != z64).any()) or bool(((v > 0) != (w > 0))[~z32 & ~z64].any()):
                near[i] = True
                ratio[i] = 0.0
                continue
            nz = v[~z32].abs()
            if nz.numel() == 0:
                continue
            m = max(NEAR_FACTOR * float(err[i]), NEAR_FLOOR * float(scale[i]))
            q = float(nz.min()) / m
            ratio[i] = min(ratio[i], q)
            if q <= 1.0:
                near[i] = True
    return near, zero, [round(q, 3) if q != float("inf") else None for q in ratio]


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------

def fix_custom_shapes(m, shapes):
    """Static shapes for the BipolarQuant outputs, which torch cannot infer:
    the shapes of their inputs, recorded in call (= node) order."""
    del m.graph.value_info[:]
    nodes = [n for n in m.graph.node if n.domain == QONNX]
    if len(nodes) != len(shapes):
        raise RuntimeError("%d BipolarQuant nodes, %d calls" % (len(nodes), len(shapes)))
    for n, shape in zip(nodes, shapes):
        vi = onnx.helper.make_tensor_value_info(n.output[0], onnx.TensorProto.FLOAT, shape)
        m.graph.value_info.append(vi)
    return shape_inference.infer_shapes(m, strict_mode=False)


def export(model, spec, x, path):
    uses_bq = any(isinstance(mm, Bin) and mm.style == "bipolar" for mm in model.modules())
    mode = (torch.onnx.TrainingMode.PRESERVE if spec["export"] == "preserve"
            else torch.onnx.TrainingMode.EVAL)
    kw = {}
    if uses_bq:
        kw["custom_opsets"] = {QONNX: 1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stderr(io.StringIO()):
            torch.onnx.export(model, x, path, opset_version=spec["opset"],
                              input_names=["x"], output_names=["logits"],
                              training=mode, do_constant_folding=True, **kw)
    m = onnx.load(path)
    global _BQ_SHAPES
    _BQ_SHAPES = []
    try:
        with torch.no_grad():
            out_shape = list(model(x).shape)
        shapes = _BQ_SHAPES
    finally:
        _BQ_SHAPES = None
    if uses_bq:
        for o in m.graph.output:
            o.type.tensor_type.ClearField("shape")
        m = fix_custom_shapes(m, shapes)
    # Static output shape (exporters leave symbolic dims after a computed Pad).
    o = m.graph.output[0]
    o.type.tensor_type.ClearField("shape")
    for d in out_shape:
        o.type.tensor_type.shape.dim.add().dim_value = d
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return m


def write_raw(path, a):
    np.ascontiguousarray(a, dtype="<f4").tofile(path)


def generate_one(spec, out_dir, rng_np):
    """Builds, exports and writes one model; returns meta or None if it is
    too big (the caller draws another spec)."""
    model = build(spec)
    model64 = copy.deepcopy(model).double()
    os.makedirs(out_dir, exist_ok=True)
    xs = make_inputs(spec, rng_np)
    path = os.path.join(out_dir, "model.onnx")
    export(model, spec, torch.from_numpy(xs[0]), path)
    size = os.path.getsize(path)
    if size > MAX_ONNX_BYTES[spec["profile"]] * (3 if spec.get("wide") else 1):
        return None
    m = onnx.load(path)
    ops = sorted({(n.domain + "::" if n.domain else "") + n.op_type for n in m.graph.node})
    sets = []
    for s, x in enumerate(xs):
        y, recs = forward_recording(model, torch.from_numpy(x))
        if not bool(torch.isfinite(y).all()):
            return None
        _, recs64 = forward_recording(model64, torch.from_numpy(x).double())
        near, zero, minrel = margin_record(recs, recs64, spec["batch"])
        write_raw(os.path.join(out_dir, "in_%d_0.bin" % s), x)
        write_raw(os.path.join(out_dir, "ref_%d_0.bin" % s), y.numpy())
        sets.append({"name": ["random", "zeros"][s], "near": [int(v) for v in near],
                     "zero": [int(v) for v in zero], "margin_ratio": minrel,
                     "binarizer_inputs": len(recs)})
    meta = {
        "spec": spec,
        "inputs": [{"name": "x", "shape": [spec["batch"]] + list(spec["input"])}],
        "outputs": [{"name": "logits", "shape": list(y.shape)}],
        "onnx_bytes": size, "ops": ops, "sets": sets,
        "near_rule": {"factor": NEAR_FACTOR, "floor": NEAR_FLOOR},
        "torch": torch.__version__,
    }
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump(meta, f, sort_keys=True, separators=(",", ":"))
        f.write("\n")
    return meta


def model_seed(seed, index, attempt):
    h = hashlib.sha256(("%d:%d:%d" % (seed, index, attempt)).encode()).digest()
    return int.from_bytes(h[:4], "little") & 0x7FFFFFFF


def generate(seed, index, out_dir, profile, families=None):
    for attempt in range(40):
        ms = model_seed(seed, index, attempt)
        rng = random.Random(ms)
        spec = gen_spec(rng, ms, profile, families)
        if spec is None:
            continue
        if spec["family"] == "bert" and BERT_POOL != "mean":
            # Its own random stream: the other draws, and so every model of
            # the default (mean) generation, stay as they were.
            pool_rng = random.Random("%d:pool" % ms)
            spec["pool"] = (BERT_POOL if BERT_POOL != "mix" else
                            pick(pool_rng, ["mean", "cls"]))
        try:
            meta = generate_one(spec, out_dir, np.random.default_rng(ms))
        except Exception as e:  # an exporter limitation: draw another spec
            print("  gen %s attempt %d: %s: %s" % (out_dir, attempt, type(e).__name__,
                                                   str(e).splitlines()[0][:200]),
                  file=sys.stderr)
            meta = None
        if meta is not None:
            return meta
    raise RuntimeError("no valid model for seed %d index %d" % (seed, index))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--profile", choices=["ci", "full"], default="full")
    ap.add_argument("--family", default=None,
                    help="comma-separated subset of mlp,cnn,fsmn,bert,seq")
    ap.add_argument("--untrained-percent", type=int, default=10,
                    help="share of models with PyTorch's default (untrained) BatchNorm "
                         "statistics, which make exact zeros (default 10)")
    ap.add_argument("--bert-pool", choices=["mean", "cls", "mix"],
                    default="mean",
                    help="the BERT family's readout: the mean of the tokens "
                         "(default), the first (CLS) token, or either")
    a = ap.parse_args()
    global UNTRAINED_PERCENT, BERT_POOL
    UNTRAINED_PERCENT = a.untrained_percent
    BERT_POOL = a.bert_pool
    torch.set_num_threads(1)
    fams = a.family.split(",") if a.family else None
    os.makedirs(a.out, exist_ok=True)
    for i in range(a.start, a.start + a.count):
        d = os.path.join(a.out, "s%d_%04d" % (a.seed, i))
        meta = generate(a.seed, i, d, a.profile, fams)
        sp = meta["spec"]
        print("%s %s opset %d batch %d %d bytes" % (os.path.basename(d), sp["family"],
              sp["opset"], sp["batch"], meta["onnx_bytes"]), flush=True)


if __name__ == "__main__":
    main()
