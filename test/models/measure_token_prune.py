#!/usr/bin/python3
"""Accuracy/MAC trade-off of bnnc's --token-prune on the tiny digits ViT.

    /usr/bin/python3 test/models/measure_token_prune.py [build/bin/bnnc]

Compiles test/models/transformers/vit_dyn/model.onnx for the whole held-out
split of scikit-learn's digits (360 images: --input-shape image=360x1x8x8)
once per pruning setting, builds the generated C with the host compiler,
runs it and prints a Markdown table: top-1 accuracy of the generated C and
the MatMul/Gemm/Conv MACs per image from bnnc --report=FILE.json. No
fine-tuning after pruning (the model was trained without it). The table in
docs/transformers.md is this script's output.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.datasets import load_digits

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "transformers", "vit_dyn", "model.onnx")
SETTINGS = [
    ("(none)", []),
    ("0:0.75", ["--token-prune=0:0.75"]),
    ("0:0.5", ["--token-prune=0:0.5"]),
    ("0:0.5 fused", ["--token-prune=0:0.5", "--token-prune-fuse"]),
    ("0:0.25", ["--token-prune=0:0.25"]),
    ("0:0.25 fused", ["--token-prune=0:0.25", "--token-prune-fuse"]),
    ("0:0.75,1:0.5", ["--token-prune=0:0.75,1:0.5"]),
    ("0:2", ["--token-prune=0:2"]),
]
DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include "m.h"
int main(int argc, char **argv) {
  static float x[M_INPUT0_COUNT], y[M_OUTPUT0_COUNT];
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(x, sizeof(float), M_INPUT0_COUNT, f) != M_INPUT0_COUNT)
    return 2;
  fclose(f);
  const void *in[] = {x};
  void *out[] = {y};
  if (m_run(in, out) != 0)
    return 3;
  int classes = M_OUTPUT0_COUNT / atoi(argv[2]);
  for (int r = 0; r < atoi(argv[2]); ++r) {
    int best = 0;
    for (int c = 1; c < classes; ++c)
      if (y[r * classes + c] > y[r * classes + best])
        best = c;
    printf("%d\n", best);
  }
  return 0;
}
"""


def main():
    bnnc = sys.argv[1] if len(sys.argv) > 1 else "build/bin/bnnc"
    runtime = subprocess.check_output([bnnc, "--print-runtime-dir"],
                                      text=True).strip()
    d = load_digits()
    x = (d.data[1437:] / 16.0).astype(np.float32)
    y = d.target[1437:]
    n = len(y)
    print("| --token-prune | tokens per block (0, 1) | MACs / image | "
          "MACs vs. unpruned | test accuracy (%d images) |" % n)
    print("|---|---|---|---|---|")
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "x.bin")
        x.tofile(raw)
        with open(os.path.join(tmp, "driver.c"), "w") as f:
            f.write(DRIVER)
        for label, flags in SETTINGS:
            report = os.path.join(tmp, "r.json")
            subprocess.check_call(
                [bnnc, MODEL, "--input-shape", "image=%dx1x8x8" % n,
                 "-o", os.path.join(tmp, "m.c"), "--report=" + report] + flags)
            with open(report) as f:
                r = json.load(f)
            macs = r["totals"]["macs"] // n
            tokens = "17, 17"
            if "token_prune" in r:
                per = {s["block"]: s for s in r["token_prune"]["stages"]}
                t0 = per[0]["tokens_after"] if 0 in per else 17
                t1 = per[1]["tokens_after"] if 1 in per else t0
                tokens = "17 -> %d, %d" % (t0, t0) if 0 in per else "17, 17"
                if 1 in per:
                    tokens = "17 -> %d, %d -> %d" % (t0, t0, t1) \
                        if 0 in per else "17, 17 -> %d" % t1
            exe = os.path.join(tmp, "run")
            subprocess.check_call(
                ["cc", "-std=c99", "-O2", "-I" + runtime, "-I" + tmp,
                 os.path.join(tmp, "m.c"), os.path.join(tmp, "driver.c"),
                 "-o", exe, "-lm"])
            pred = np.array(subprocess.check_output([exe, raw, str(n)],
                                                    text=True).split(),
                            dtype=int)
            acc = (pred == y).mean()
            base = base or macs
            print("| %s | %s | %d | %.1f%% | %.1f%% |"
                  % (label, tokens, macs, 100.0 * macs / base, 100.0 * acc))


if __name__ == "__main__":
    main()
