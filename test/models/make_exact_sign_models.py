#!/usr/bin/python3
"""Trains and exports the two model families of issue 13 (exact Sign(0)).

Run with Debian's Python (torch, onnx, scikit-learn):
    /usr/bin/python3 make_exact_sign_models.py
Writes, per model, under bnn/<name>/:
    model.onnx                 dynamic batch "N"
    test_data_set_0/input_0.pb, output_0.pb   the whole held-out split
    test_data_set_0/labels.txt, argmax.txt    (one integer per line)
    accuracy.txt               PyTorch's held-out accuracy and the smallest
                               |Sign input| over the split (see below)

- binarynet_bn1d: BinaryNet MLP exactly as the issue reports it: x[N, 64] ->
  three MatMul layers with +-1 weights (the first reads the real input; the
  second's weights are Sign(W) in the graph) -> BatchNormalization on a 2-D
  [N, 256] tensor -> Sign, then a real Gemm classifier. bnnc used to exit 1
  without a message on it.
- bifsmn_pad: BiFSMN-style keyword spotting whose memory blocks export as
  Pad(constant 0) -> Sign -> Conv(group = C, 1-D, dilation 1 or 2, pads 0),
  one causal (left pad) and one centred. ONNX Sign(0) = 0, so padded taps
  contribute 0; bnnc used to pack them as +1 and gave wrong logits silently.

Both are exported at opset 13 from eval() models with BatchNormalization
kept as nodes (TrainingMode.PRESERVE), like make_bnn_models.py. The test data
is the whole held-out split, so a test can compare accuracy as well as every
argmax. Sign inputs of computed values (not the padded zeros, which must be
exact) are recorded to report how close the split comes to a threshold.
"""
import os
import warnings

import numpy as np
import onnx
import torch
from torch import nn
from torch.nn import functional as F

import make_bnn_models as bnn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "bnn")

def padded_sign(x, training):
    """The binarizer of zero-padded values, not recorded: the padded zeros
    are exact by design, and the caller records the values before padding."""
    return bnn._SignSte.apply(x) if training else torch.sign(x)


class PmMatMul(bnn.BinaryWeight, nn.Module):
    """x @ W with W in {-1, +1} ([in, out]): "pm1" a constant, "sign" Sign(W)."""

    def __init__(self, fin, fout, form):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(fin, fout).uniform_(-1, 1))
        self.init_form(form)

    def forward(self, x):
        w, _ = self.effective_weight()
        return torch.matmul(x, w)


class BinaryDwConv1d(nn.Conv1d, bnn.BinaryWeight):
    """Depthwise binary 1-D conv without padding (the graph pads)."""

    def __init__(self, channels, k, dilation, form):
        super().__init__(channels, channels, k, dilation=dilation,
                         groups=channels, bias=False)
        self.init_form(form)

    def forward(self, x):
        w, post = self.effective_weight()
        y = F.conv1d(x, w, None, 1, 0, self.dilation, self.groups)
        return y if post is None else y * post


class BinaryNetBn1d(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = PmMatMul(64, 256, "pm1")
        self.bn1 = nn.BatchNorm1d(256)
        self.fc2 = PmMatMul(256, 256, "sign")
        self.bn2 = nn.BatchNorm1d(256)
        self.fc3 = PmMatMul(256, 256, "pm1")
        self.bn3 = nn.BatchNorm1d(256)
        self.out = nn.Linear(256, 10)

    def forward(self, x):
        h = bnn.act_sign(self.bn1(self.fc1(x)), self.training)
        h = bnn.act_sign(self.bn2(self.fc2(h)), self.training)
        h = bnn.act_sign(self.bn3(self.fc3(h)), self.training)
        return self.out(h)


class BiFsmnPad(nn.Module):
    # (left pad, right pad, dilation) per memory block: causal, then centred.
    BLOCKS = ((2, 0, 1), (2, 2, 2))

    def __init__(self):
        super().__init__()
        self.inp = nn.Conv1d(20, 32, 1)
        self.bn0 = nn.BatchNorm1d(32)
        self.mem = nn.ModuleList(
            BinaryDwConv1d(32, 3, d, "pm1" if i == 0 else "fold")
            for i, (_, _, d) in enumerate(self.BLOCKS))
        self.bnm = nn.ModuleList(nn.BatchNorm1d(32) for _ in self.BLOCKS)
        self.proj = bnn.BinaryConv1d(32, 32, 1, form="sign")
        self.bnp = nn.BatchNorm1d(32)
        self.fc = nn.Linear(32, 4)

    def forward(self, x):
        h = self.bn0(self.inp(x))
        for (left, right, _), mem, bn in zip(self.BLOCKS, self.mem, self.bnm):
            if bnn._SIGN_RECORD is not None:
                bnn._SIGN_RECORD.append(h.detach().clone())
            s = padded_sign(F.pad(h, (left, right)), self.training)
            h = h + bn(mem(s))
        h = self.bnp(self.proj(bnn.act_sign(h, self.training)))
        return self.fc(torch.relu(h).mean(dim=2))


def sign_margin(model, x):
    """Per row, the smallest |Sign input| of computed values."""
    recs = bnn.sign_inputs(model, x)
    return torch.stack([r.abs().reshape(r.shape[0], -1).min(dim=1).values
                        for r in recs]).min(dim=0).values


def export(model, name, example, xs, ys):
    directory = os.path.join(OUT, name)
    data = os.path.join(directory, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    path = os.path.join(directory, "model.onnx")
    model.eval()
    torch.onnx.export(model, example, path, opset_version=13,
                      input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "N"}, "logits": {0: "N"}},
                      training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
    with torch.no_grad():
        out = model(xs)
    bnn.save(os.path.join(data, "input_0.pb"), xs, "x")
    bnn.save(os.path.join(data, "output_0.pb"), out, "logits")
    with open(os.path.join(data, "labels.txt"), "w") as f:
        f.write("".join("%d\n" % v for v in ys.tolist()))
    with open(os.path.join(data, "argmax.txt"), "w") as f:
        f.write("".join("%d\n" % v for v in out.argmax(dim=1).tolist()))
    acc = (out.argmax(dim=1) == ys).float().mean().item()
    margin = sign_margin(model, xs)
    correct = int((out.argmax(dim=1) == ys).sum())
    with open(os.path.join(directory, "accuracy.txt"), "w") as f:
        f.write("pytorch held-out accuracy: %d of %d (%.4f)\n"
                % (correct, len(ys), acc))
        f.write("smallest |Sign input| over the split: %.3e\n"
                % margin.min().item())
        f.write("rows with a Sign input below 1e-4: %d\n"
                % int((margin < 1e-4).sum()))
    print("== %s: %d bytes, accuracy %d/%d, min margin %.2e"
          % (name, os.path.getsize(path), correct, len(ys), margin.min().item()))


def main():
    warnings.filterwarnings("ignore", message=".*constant folding be turned off.*")
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    xtr, ytr, xte, yte = bnn.digits_data()
    torch.manual_seed(0)
    mlp = BinaryNetBn1d()
    bnn.train(mlp, xtr, ytr, epochs=15)
    export(mlp, "binarynet_bn1d", xte[:1], xte, yte)

    xtr, ytr, xte, yte = bnn.kws_data()
    torch.manual_seed(0)
    kws = BiFsmnPad()
    bnn.train(kws, xtr, ytr, epochs=8)
    export(kws, "bifsmn_pad", xte[:1], xte, yte)


if __name__ == "__main__":
    main()
