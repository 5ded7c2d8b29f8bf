"""A MobileNetV2-class float model of about 10 MB of weights, for the
compile-scale benchmark (bench/compile-scale.sh). Inverted residual blocks
(1x1 expand, 3x3 depthwise, 1x1 project, BatchNorm, ReLU6, residual adds)
at MobileNetV2's widths x 0.75, 224x224 input, random weights (seeded).
Usage: make_mobilenet.py OUT.onnx"""
import sys

import torch
import torch.nn as nn

torch.manual_seed(0)


def conv_bn(cin, cout, k, stride, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
              nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU6())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.residual = stride == 1 and cin == cout
        self.body = nn.Sequential(conv_bn(cin, hidden, 1, 1),
                                  conv_bn(hidden, hidden, 3, stride, hidden),
                                  conv_bn(hidden, cout, 1, 1, act=False))

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


def mobilenet(width=0.75):
    c = lambda n: int(n * width)
    # (expand, channels, repeats, stride): MobileNetV2's table.
    table = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
             (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    layers, cin = [conv_bn(3, c(32), 3, 2)], c(32)
    for t, ch, n, s in table:
        for i in range(n):
            layers.append(InvertedResidual(cin, c(ch), s if i == 0 else 1, t))
            cin = c(ch)
    layers += [conv_bn(cin, 1280, 1, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
               nn.Linear(1280, 1000)]
    return nn.Sequential(*layers).eval()


if __name__ == "__main__":
    model = mobilenet()
    params = sum(p.numel() for p in model.parameters())
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), sys.argv[1],
                      opset_version=13, input_names=["image"],
                      output_names=["logits"])
    print("parameters: %d (%.1f MB float32)" % (params, params * 4 / 1e6))
