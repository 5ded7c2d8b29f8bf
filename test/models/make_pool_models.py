#!/usr/bin/python3
"""Trains and exports xnor_pool_bn, the XNOR-Net whose blocks are exported in
the order conv -> Mul(alpha) -> MaxPool -> BatchNormalization -> Sign.

Run with Debian's Python (it has torch and onnx):
    /usr/bin/python3 make_pool_models.py
Writes bnn/xnor_pool_bn/ in the layout of make_bnn_models.py (model.onnx,
binary_layers.json, test_data_set_0/{input_0,output_0}.pb, labels.txt,
argmax.txt), with the same conventions (opset 13, TrainingMode.PRESERVE of an
eval() model, a plain Sign activation, real first and last layers, a test
batch of 8 held-out samples whose every Sign input is at least MARGIN away
from 0), except that the batch axis is symbolic ('batch'): the e2e test
compiles the model at batch 8 to compare with PyTorch and at batch 1 to
measure the arena (`--input-shape x=1x1x16x16`).

The data are synthetic 16x16 images (pattern_data: 10 classes of smooth
random patterns, randomly shifted and scaled, on noise), so the script needs
only torch and onnx. The model:
    conv1  real 3x3, 1 -> 16, BN, Sign                                16x16
    conv2  binary 3x3, 16 -> 64, Mul(alpha), MaxPool 2, BN, Sign        -> 8x8
    conv3  binary 3x3, 64 -> 32, Mul(alpha), MaxPool 3/2 pad 1, BN, Sign -> 4x4
    conv4  binary 3x3, 32 -> 32, Mul(alpha), MaxPool 2, BN            -> 2x2
    fc     real 128 -> 10
The binary convolutions' weights are +-1 initializers followed by a Mul with
XNOR-Net's alpha_o = mean |W_o| (shape [1, M, 1, 1]), so every block between
two binary layers is exported as Conv -> Mul -> MaxPool -> BatchNormalization
-> Sign. After training, a third of the channels of bn2 and bn3 get negative
gammas (gamma and beta negated, and the next convolution's weights of that
input channel negated, which leaves the function unchanged), and one channel
of bn2 and one of bn3 get gamma = 0 (a constant Sign of beta); betas that
put a channel's threshold within 5 * MARGIN of a value its Sign input takes
are moved by 5 * MARGIN (clear_thresholds).
"""
import os
import warnings

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

import make_bnn_models as bm
from make_bnn_models import BinaryConv2d, act_sign

NAME = "xnor_pool_bn"


class XnorPoolBn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = BinaryConv2d(16, 64, 3, padding=1, form="mul")
        self.pool2 = nn.MaxPool2d(2)
        self.bn2 = nn.BatchNorm2d(64)
        self.conv3 = BinaryConv2d(64, 32, 3, padding=1, form="mul")
        self.pool3 = nn.MaxPool2d(3, stride=2, padding=1)
        self.bn3 = nn.BatchNorm2d(32)
        self.conv4 = BinaryConv2d(32, 32, 3, padding=1, form="mul")
        self.pool4 = nn.MaxPool2d(2)
        self.bn4 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        h = act_sign(self.bn1(self.conv1(x)), self.training)
        h = act_sign(self.bn2(self.pool2(self.conv2(h))), self.training)
        h = act_sign(self.bn3(self.pool3(self.conv3(h))), self.training)
        h = self.bn4(self.pool4(self.conv4(h)))
        return self.fc(torch.flatten(h, 1))


def pattern_data():
    """10 classes of [1, 16, 16] images: a class prototype (a 4x4 random map
    upsampled bilinearly), shifted by up to 2 pixels, scaled by a random
    gain, plus Gaussian noise. 2000 training and 500 held-out samples."""
    rs = np.random.RandomState(3)
    proto = torch.from_numpy(rs.randn(10, 1, 4, 4).astype(np.float32))
    proto = F.interpolate(proto, size=(20, 20), mode="bilinear",
                          align_corners=False).numpy()
    n = 2500
    y = rs.randint(0, 10, n)
    x = np.empty((n, 1, 16, 16), np.float32)
    for i in range(n):
        dy, dx = rs.randint(0, 5, 2)
        x[i] = proto[y[i], :, dy:dy + 16, dx:dx + 16]
    x *= rs.uniform(0.5, 1.0, (n, 1, 1, 1)).astype(np.float32)
    x += 0.8 * rs.randn(n, 1, 16, 16).astype(np.float32)
    x, y = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    return x[:2000], y[:2000], x[2000:], y[2000:]


@torch.no_grad()
def negate_channels(bn, next_conv, channels):
    """gamma, beta -> -gamma, -beta on `channels`: the BN output and hence
    its Sign change sign there; the next binary convolution's weights of
    those input channels are negated too, so the network is unchanged."""
    bn.weight[channels] = -bn.weight[channels]
    bn.bias[channels] = -bn.bias[channels]
    next_conv.weight[:, channels] = -next_conv.weight[:, channels]
    next_conv.w_export[:, channels] = -next_conv.w_export[:, channels]


@torch.no_grad()
def zero_gamma(bn, channel, beta):
    bn.weight[channel] = 0.0
    bn.bias[channel] = beta


@torch.no_grad()
def clear_thresholds(model, x):
    """The binary layers' Sign inputs take discrete values (alpha times an
    integer dot, through the pool and the BN); moves the beta of a channel
    that has one within 5 * MARGIN of 0 on x by 5 * MARGIN, so that test
    samples with every Sign input MARGIN away from 0 exist."""
    for _ in range(20):
        recs = bm.sign_inputs(model, x)
        moved = 0
        for bn, r in ((model.bn2, recs[1]), (model.bn3, recs[2])):
            near = r.abs().transpose(0, 1).reshape(r.shape[1], -1).min(dim=1).values
            for c in (near < 5 * bm.MARGIN).nonzero().flatten().tolist():
                bn.bias[c] += 5 * bm.MARGIN
                moved += 1
        if not moved:
            return
    raise AssertionError("thresholds not cleared")


def main():
    warnings.filterwarnings("ignore", message=".*constant folding be turned off.*")
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    xtr, ytr, xte, yte = pattern_data()

    torch.manual_seed(0)
    model = XnorPoolBn()
    bm.train(model, xtr, ytr, epochs=6)
    acc0 = (bm.evaluate(model, xte).argmax(dim=1) == yte).float().mean().item()
    ref = bm.evaluate(model, xte)
    negate_channels(model.bn2, model.conv3, list(range(0, 64, 3)))
    negate_channels(model.bn3, model.conv4, list(range(1, 32, 3)))
    err = (bm.evaluate(model, xte) - ref).abs().max().item()
    assert err < 1e-4, err  # negating gamma and the next weights is a no-op
    zero_gamma(model.bn2, 4, 0.25)
    zero_gamma(model.bn3, 9, -0.5)
    clear_thresholds(model, xte)
    for bn in (model.bn2, model.bn3):
        print("  %s: %d negative gammas, %d zero" % (
            "bn2" if bn is model.bn2 else "bn3",
            int((bn.weight < 0).sum()), int((bn.weight == 0).sum())))
    print("  held-out accuracy before the gamma edits %.3f" % acc0)

    # Export with a symbolic batch axis (bm.export's conventions otherwise).
    orig = torch.onnx.export

    def export_dynamic(*args, **kwargs):
        kwargs["dynamic_axes"] = {"x": {0: "batch"}, "logits": {0: "batch"}}
        return orig(*args, **kwargs)

    torch.onnx.export = export_dynamic
    try:
        bm.finish(model, NAME, xte, yte)
    finally:
        torch.onnx.export = orig


if __name__ == "__main__":
    main()
