#!/usr/bin/env python3
"""make_npz.py OUT.npz NAME=RAW:SHAPE... [--labels TEXT]

Writes a bnnc-eval data file: one float32 array per NAME read from the raw
file RAW (as bnnc-pb2raw writes, or an example's images.bin) with the shape
SHAPE ("397x64"), and the integer labels of a whitespace-separated text
file as the array "labels".
"""
import sys

import numpy as np


def main(argv):
    out, arrays, labels = argv[0], {}, None
    rest = argv[1:]
    while rest:
        item = rest.pop(0)
        if item == "--labels":
            with open(rest.pop(0)) as f:
                labels = np.array([int(t) for t in f.read().split()],
                                  dtype=np.int64)
            continue
        name, _, spec = item.partition("=")
        raw, _, shape = spec.rpartition(":")
        dims = tuple(int(d) for d in shape.split("x"))
        arrays[name] = np.fromfile(raw, dtype=np.float32).reshape(dims)
    if labels is not None:
        arrays["labels"] = labels
    np.savez(out, **arrays)


if __name__ == "__main__":
    main(sys.argv[1:])
