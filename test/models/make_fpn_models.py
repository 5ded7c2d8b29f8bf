#!/usr/bin/python3
"""Builds fpn_detector and fpn_detector_op9, the small FPN-style detectors of
issue 16, and their PyTorch reference data.

Run with Debian's Python (it has torch and onnx):
    /usr/bin/python3 make_fpn_models.py
Writes <name>/model.onnx and <name>/test_data_set_0/{input,output}_N.pb in
the layout of make_models.py. The model (input 1x3x32x32):
    stem   Conv 3x3, 3 -> 8, ReLU                                  32x32
    c2     Conv 3x3 stride 2, 8 -> 16, BatchNorm, ReLU             16x16
    c3     Conv 3x3 stride 2, 16 -> 32, ReLU                        8x8
    c4     Conv 3x3 stride 2, 32 -> 32, ReLU                        4x4
    top-down: p4 = lat4(c4); p3 = lat3(c3) + up2(p4);
              p2 = lat2(c2) + up2(p3) + bilinear(p4 to 16x16)
              (lat*: 1x1 Conv to 16 channels; up2: nearest x2)
    GroupNorm(4 groups) of p2, ReLU
    heads: heatmap = ConvTranspose 4x4 stride 2 pad 1, 16 -> 4     32x32
           boxes   = ConvTranspose 3x3 stride 2 pad 1 output_padding 1,
                     groups 2, dilation 1, 16 -> 6, from p3        16x16
fpn_detector is exported at opset 13: the upsamplings are Resize (nearest
with asymmetric/floor as PyTorch exports F.interpolate, and linear with
pytorch_half_pixel), GroupNorm is Reshape + InstanceNormalization + Reshape
+ Mul + Add (the opset <= 17 decomposition). fpn_detector_op9 is the same
network exported at opset 9, where the nearest upsamplings are Upsample
(scales an input) and the bilinear one is left out (opset 9 has no
half-pixel linear Upsample).
"""
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


class FpnDetector(nn.Module):
    def __init__(self, bilinear=True):
        super().__init__()
        self.bilinear = bilinear
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.c3 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.c4 = nn.Conv2d(32, 32, 3, stride=2, padding=1)
        self.lat2 = nn.Conv2d(16, 16, 1)
        self.lat3 = nn.Conv2d(32, 16, 1)
        self.lat4 = nn.Conv2d(32, 16, 1)
        self.norm = nn.GroupNorm(4, 16)
        self.heatmap = nn.ConvTranspose2d(16, 4, 4, stride=2, padding=1)
        self.boxes = nn.ConvTranspose2d(16, 6, 3, stride=2, padding=1,
                                        output_padding=1, groups=2)

    def forward(self, x):
        x = F.relu(self.stem(x))
        c2 = F.relu(self.bn2(self.c2(x)))
        c3 = F.relu(self.c3(c2))
        c4 = F.relu(self.c4(c3))
        p4 = self.lat4(c4)
        p3 = self.lat3(c3) + F.interpolate(p4, scale_factor=2.0,
                                           mode="nearest")
        p2 = self.lat2(c2) + F.interpolate(p3, scale_factor=2.0,
                                           mode="nearest")
        if self.bilinear:
            p2 = p2 + F.interpolate(p4, size=(16, 16), mode="bilinear",
                                    align_corners=False)
        p2 = F.relu(self.norm(p2))
        return self.heatmap(p2), self.boxes(p3)


def save(path, tensor, name):
    proto = numpy_helper.from_array(tensor.detach().numpy(), name)
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())


def export(model, name, opset):
    directory = os.path.join(HERE, name)
    data = os.path.join(directory, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    path = os.path.join(directory, "model.onnx")
    torch.manual_seed(7)
    x = torch.randn(1, 3, 32, 32)
    torch.onnx.export(model, (x,), path, opset_version=opset,
                      input_names=["image"],
                      output_names=["heatmap", "boxes"])
    onnx.checker.check_model(onnx.load(path))
    with torch.no_grad():
        outputs = model(x)
    save(os.path.join(data, "input_0.pb"), x, "image")
    for i, (n, t) in enumerate(zip(["heatmap", "boxes"], outputs)):
        save(os.path.join(data, "output_%d.pb" % i), t, n)
    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    print("wrote", path, ops)


def main():
    for name, opset, bilinear in [("fpn_detector", 13, True),
                                  ("fpn_detector_op9", 9, False)]:
        torch.manual_seed(0)
        model = FpnDetector(bilinear)
        with torch.no_grad():
            # Non-trivial normalization statistics and affine parameters.
            model.bn2.running_mean.uniform_(-0.2, 0.2)
            model.bn2.running_var.uniform_(0.5, 1.5)
            model.bn2.weight.uniform_(0.5, 1.5)
            model.norm.weight.uniform_(0.5, 1.5)
            model.norm.bias.uniform_(-0.3, 0.3)
        model.eval()
        export(model, name, opset)


if __name__ == "__main__":
    main()
