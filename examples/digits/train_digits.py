#!/usr/bin/python3
"""Trains the bundled demo model: a small float CNN on scikit-learn's 8x8 digits.

Run with Debian's Python:  /usr/bin/python3 train_digits.py
Writes digits.onnx (input "image" [10, 1, 8, 8], output "logits" [10, 10]),
images.bin (10 held-out test images, float32, row-major) and labels.txt.
The outputs are committed; the demo needs neither torch nor scikit-learn.
"""
import os

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 10


class DigitsCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2))
        self.classifier = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def main():
    torch.manual_seed(0)
    digits = load_digits()
    x = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(digits.target)
    perm = torch.randperm(len(x))
    train, test = perm[:1500], perm[1500:]
    model = DigitsCnn()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(15):
        model.train()
        for i in range(0, len(train), 32):
            idx = train[i:i + 32]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(x[test]).argmax(1) == y[test]).float().mean().item()
    print("held-out accuracy: %.3f" % accuracy)

    sample = test[:BATCH]
    torch.onnx.export(model, x[sample], os.path.join(HERE, "digits.onnx"),
                      opset_version=13, input_names=["image"],
                      output_names=["logits"],
                      training=torch.onnx.TrainingMode.PRESERVE)
    x[sample].numpy().astype(np.float32).tofile(os.path.join(HERE, "images.bin"))
    with open(os.path.join(HERE, "labels.txt"), "w") as f:
        f.write(" ".join(str(int(v)) for v in y[sample]) + "\n")


if __name__ == "__main__":
    main()
