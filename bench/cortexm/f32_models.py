#!/usr/bin/env python3
"""Whole-model instruction counts of bench/results/cortex-m-f32.md: one
inference on Cortex-M4 (QEMU mps2-an386), run_bench.py's method
(bench_main.c, count with one inference minus count with none), for the
models the float kernels of issue 17 and the recurrent kernel of issue 16
are measured on.

    f32_models.py --build BUILD [--work DIR]

Prints a markdown table (model, MACs, M4 instructions)."""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_bench  # noqa: E402

ROOT = run_bench.ROOT
MODELS = run_bench.MODELS


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--work", default="/tmp/bnnc-f32-models")
    a = ap.parse_args()
    b = run_bench.Bench(a.build, a.work)
    gen = os.path.join(a.work, "models")
    run_bench.sh(["/usr/bin/python3", os.path.join(HERE, "make_bench_models.py"), gen])
    digits = os.path.join(ROOT, "examples", "digits")
    cases = [  # name, ONNX, bnnc flags, inputs (None: test_data_set_0)
        ("digits (examples/digits, batch 10), float", os.path.join(digits, "digits.onnx"),
         ["--no-binarize"], [os.path.join(digits, "images.bin")]),
        ("cnn (test/models/cnn), float", os.path.join(MODELS, "cnn", "model.onnx"),
         ["--no-binarize"], None),
        ("kws_lstm (test/models/kws_lstm)", os.path.join(MODELS, "kws_lstm", "model.onnx"),
         [], None),
        ("kws_gru (test/models/kws_gru)", os.path.join(MODELS, "kws_gru", "model.onnx"),
         [], None),
        ("bireal16 (make_bench_models.py), binary", os.path.join(gen, "bireal16.onnx"),
         [], [os.path.join(gen, "bireal16.in0.bin")]),
        ("bireal16 (make_bench_models.py), float", os.path.join(gen, "bireal16.onnx"),
         ["--no-binarize"], [os.path.join(gen, "bireal16.in0.bin")]),
    ]
    print("| model | MACs | M4 instructions |")
    print("|---|---|---|")
    for i, (name, onnx, flags, given) in enumerate(cases):
        d = os.path.join(a.work, "m%d" % i)
        os.makedirs(d, exist_ok=True)
        model_c = os.path.join(d, "m.c")
        report = run_bench.sh([b.bnnc, onnx, "--target=cortex-m4", "--report", "-o",
                               model_c] + flags).stderr
        macs = int(re.search(r"MACs: (\d+)", report).group(1))
        inputs = b.inputs(onnx, given)
        elf = os.path.join(d, "m4.elf")
        b.build("m4", elf, model_c, os.path.join(HERE, "bench_main.c"))
        n = b.insns("m4", elf, ["1"] + inputs) - b.insns("m4", elf, ["0"] + inputs)
        print("| %s | %s | %s |" % (name, run_bench.fmt(macs), run_bench.fmt(n)), flush=True)


if __name__ == "__main__":
    main()
