#!/usr/bin/python3
"""Writes the calibration and test splits --quantize=int8 is checked on.

Run with Debian's Python (python3-sklearn, python3-torch, numpy):
    /usr/bin/python3 test/models/make_ptq_data.py
The outputs in test/models/ptq/ are committed; the tests need neither torch
nor scikit-learn.

- digits_{calib,test}.npz: examples/digits/digits.onnx (float CNN) on
  scikit-learn's 8x8 digits, the split train_digits.py trained it with
  (torch.manual_seed(0); torch.randperm: 1500 training, 297 held out).
  Calibration: the first 200 training images; test: the 297 held-out ones.
- xnor_{calib,test}.npz: test/models/bnn/xnor_cnn (XNOR-Net CNN) on the
  split make_bnn_models.py trained it with (RandomState(0) permutation,
  1400 training, 397 held out). Calibration: the first 200 training
  images; test: the 397 held-out ones.

- vit_{calib,test}.npz: test/models/transformers/vit_o17 (a ViT) on the
  split make_transformer_models.py trained it with (file order: 1437
  training, 360 held out). Calibration: the first 200 training images.

Images are [N, 1, 8, 8] float32 (pixels / 16, exact), rows of the models'
batch dimension; 'labels' are the digits. The calibration files are
written with np.savez (stored zip members), the test files with
np.savez_compressed (deflated), so both of bnnc's readers are exercised.
"""
import io
import os

import numpy as np
import torch
from sklearn.datasets import load_digits

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "ptq")


def main():
    os.makedirs(OUT, exist_ok=True)
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]  # [N,1,8,8]
    labels = digits.target.astype(np.int64)

    torch.manual_seed(0)
    perm = torch.randperm(len(images)).numpy()
    train, test = perm[:1500], perm[1500:]
    np.savez(os.path.join(OUT, "digits_calib.npz"),
             image=images[train[:200]], labels=labels[train[:200]])
    np.savez_compressed(os.path.join(OUT, "digits_test.npz"),
                        image=images[test], labels=labels[test])

    flat = (digits.data / 16.0).astype(np.float32)
    perm = np.random.RandomState(0).permutation(len(labels))
    x, y = flat[perm].reshape(-1, 1, 8, 8), labels[perm]
    np.savez(os.path.join(OUT, "xnor_calib.npz"), x=x[:200], labels=y[:200])
    np.savez_compressed(os.path.join(OUT, "xnor_test.npz"),
                        x=x[1400:], labels=y[1400:])
    # The ViT (test/models/transformers/vit_o17): make_transformer_models.py
    # trains on the first 1437 digits in file order and tests on the rest.
    x, y = images, labels
    np.savez(os.path.join(OUT, "vit_calib.npz"), image=x[:200], labels=y[:200])
    np.savez_compressed(os.path.join(OUT, "vit_test.npz"),
                        image=x[1437:], labels=y[1437:])
    for name in sorted(os.listdir(OUT)):
        print(name, os.path.getsize(os.path.join(OUT, name)))
    write_bad_files(images[train[:20]], labels[train[:20]])


def write_bad_files(x, y):
    """Calibration files bnnc must refuse with one error line
    (test/errors/ptq.test), in test/models/bad/ptq_*.npz."""
    bad = os.path.join(HERE, "bad")
    buffer = io.BytesIO()
    np.savez(buffer, image=x, labels=y)
    data = buffer.getvalue()
    files = {
        "ptq_not_zip.npz": b"this is not a zip archive\n" * 4,
        "ptq_truncated.npz": data[:len(data) // 2],
    }
    for name, content in files.items():
        with open(os.path.join(bad, name), "wb") as f:
            f.write(content)
    np.savez(os.path.join(bad, "ptq_fortran.npz"),
             image=np.asfortranarray(x[:, 0]).reshape(-1, 1, 8, 8, order="F"),
             labels=y)
    np.savez(os.path.join(bad, "ptq_big_endian.npz"),
             image=x.astype(">f4"), labels=y)
    np.savez(os.path.join(bad, "ptq_wrong_shape.npz"),
             image=x.reshape(-1, 64), labels=y)
    np.savez(os.path.join(bad, "ptq_two_arrays.npz"), a=x, b=x)
    nan = x.copy()
    nan[3, 0, 2, 2] = np.nan
    np.savez(os.path.join(bad, "ptq_nan.npz"), image=nan)
    np.savez(os.path.join(bad, "ptq_labels_count.npz"), image=x, labels=y[:5])
    np.savez(os.path.join(bad, "ptq_strings.npz"), image=np.array(["a", "b"]))


if __name__ == "__main__":
    main()
