#!/usr/bin/env python3
"""int8 vs float32 on Cortex-M (issue 18, docs/int8.md): writes
bench/results/int8.md.

The QDQ CNN of test/models/qdq_cnn (PyTorch export: Conv+ReLU x2, Linear;
batch 64) compiled by bnnc as is (bnn-fuse-qdq: int8 kernels, integer-only
requantization) and its float twin (the same network with the dequantized
weights as float initializers and no Quantize/DequantizeLinear: what the
model costs without quantization), on Cortex-M4 (FPU, QEMU mps2-an386) and
on the cortex-m0plus target (no FPU: soft float, run on QEMU's Cortex-M3
board mps2-an385, as test/cortexm does). Instructions per inference are
exact QEMU TCG-plugin counts (bench_main.c: one inference minus none);
flash is text + rodata of the model object. The int8 kernels are the
portable generic ones on every target (no DSP int8 kernels yet); the float
twin uses the target's float kernels.
Benchmarks are measurements, not tests: nothing here asserts.

    /usr/bin/python3 bench/cortexm/int8_bench.py [--build build]
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run_bench import Bench, ROOT, sh  # noqa: E402

MODEL = os.path.join(ROOT, "test", "models", "qdq_cnn", "model.onnx")


def float_twin(path, out):
    """The QDQ model without quantization: DequantizeLinear of an
    initializer becomes that initializer's float value; a QuantizeLinear +
    DequantizeLinear pair on activations becomes a direct edge."""
    m = onnx.load(path)
    g = m.graph
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    producers = {o: n for n in g.node for o in n.output}
    rename, new_inits, kept = {}, [], []
    for n in g.node:
        if n.op_type == "DequantizeLinear" and n.input[0] in inits:
            q = inits[n.input[0]].astype(np.float64)
            s = inits[n.input[1]].astype(np.float32)
            z = inits[n.input[2]].astype(np.float64) if len(n.input) > 2 and n.input[2] else 0
            axis = next((a.i for a in n.attribute if a.name == "axis"), 1)
            shape = [1] * q.ndim
            if s.size > 1:
                shape[axis] = -1
            v = ((q - np.reshape(z, shape) if np.size(z) > 1 else q - z)
                 .astype(np.float32) * s.reshape(shape)).astype(np.float32)
            new_inits.append(numpy_helper.from_array(v, n.output[0]))
        elif n.op_type == "DequantizeLinear" and \
                producers.get(n.input[0]) is not None and \
                producers[n.input[0]].op_type == "QuantizeLinear":
            rename[n.output[0]] = producers[n.input[0]].input[0]
        elif n.op_type == "QuantizeLinear":
            continue
        else:
            kept.append(n)

    def resolve(name):
        while name in rename:
            name = rename[name]
        return name
    for n in kept:
        for i, name in enumerate(n.input):
            n.input[i] = resolve(name)
    # A graph output that was a DequantizeLinear keeps its name: the node
    # that now produces its value writes it under that name.
    for o in g.output:
        src = resolve(o.name)
        if src != o.name:
            for n in kept:
                for i, name in enumerate(n.output):
                    if name == src:
                        n.output[i] = o.name
                for i, name in enumerate(n.input):
                    if name == src:
                        n.input[i] = o.name
    del g.node[:]
    g.node.extend(kept)
    used = {i for n in kept for i in n.input}
    keep_inits = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(keep_inits + [t for t in new_inits if t.name in used])
    del g.value_info[:]
    onnx.checker.check_model(m)
    onnx.save(m, out)


def measure(b, name, onnx_path, target, cpu, inputs):
    d = os.path.join(b.work, name + "_" + cpu)
    os.makedirs(d, exist_ok=True)
    report = sh([b.bnnc, onnx_path, "--target=" + target, "--report", "-o",
                 os.path.join(d, "m.c")]).stderr
    elf = os.path.join(d, cpu + ".elf")
    b.build(cpu, elf, os.path.join(d, "m.c"), os.path.join(HERE, "bench_main.c"))
    n0 = b.insns(cpu, elf, ["0"] + inputs)
    n1 = b.insns(cpu, elf, ["1"] + inputs)
    size = sh(["arm-none-eabi-size", elf + ".model.o"]).stdout.split("\n")[1].split()
    macs = int(report.split("MACs: ")[1].split(",")[0])
    return {"insns": n1 - n0, "flash": int(size[0]), "bss": int(size[2]),
            "macs": macs}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "int8.md"))
    a = ap.parse_args()
    b = Bench(a.build, os.path.join(a.build, "bench", "int8"))
    twin = os.path.join(b.work, "qdq_cnn_float.onnx")
    float_twin(MODEL, twin)
    inputs = b.inputs(MODEL, None)
    rows = []
    for target, cpu, label in (("cortex-m4", "m4", "Cortex-M4 (FPU)"),
                               ("cortex-m0plus", "m3", "cortex-m0plus (soft float, on the M3 board)")):
        q = measure(b, "int8", MODEL, target, cpu, inputs)
        f = measure(b, "float", twin, target, cpu, inputs)
        rows.append((label, q, f))
        print(label, q, f, flush=True)
    out = ["# int8 vs float32 on Cortex-M", "",
           "Generated by `bench/cortexm/int8_bench.py` (issue 18, docs/int8.md). "
           "Model: test/models/qdq_cnn (PyTorch QDQ export: Conv 1->8 3x3 + "
           "ReLU, Conv 8->16 3x3 stride 2 + ReLU, Linear 256->10; batch 64, "
           "%s MACs) compiled as is (int8 kernels via bnn-fuse-qdq, "
           "integer-only requantization) and its float twin (dequantized "
           "weights, no Quantize/DequantizeLinear). Instructions are exact "
           "QEMU TCG-plugin counts of one inference; flash is text + rodata "
           "of the model object; RAM is the arena (.bss). The int8 kernels are "
           "the portable generic ones on every target (no DSP int8 kernels "
           "yet); the float twin uses each target's float kernels (Cortex-M4: "
           "kernels_cortexm_f32.h)."
           % "{:,}".format(rows[0][1]["macs"]), "",
           "| core | int8 instructions | float instructions | float / int8 | "
           "int8 instructions per MAC | int8 flash | float flash | int8 arena | float arena |",
           "|---|---|---|---|---|---|---|---|---|"]
    for label, q, f in rows:
        out.append("| %s | %s | %s | %.2fx | %.1f | %s | %s | %s | %s |" % (
            label, "{:,}".format(q["insns"]), "{:,}".format(f["insns"]),
            f["insns"] / q["insns"], q["insns"] / q["macs"],
            "{:,}".format(q["flash"]), "{:,}".format(f["flash"]),
            "{:,}".format(q["bss"]), "{:,}".format(f["bss"])))
    out += ["", "The int8 arena holds each layer's int32 accumulators before "
            "the separate requantization kernel (fusing the two is the next "
            "step for RAM, docs/int8.md)."]
    with open(a.out, "w") as fh:
        fh.write("\n".join(out) + "\n")
    print("wrote", a.out)


if __name__ == "__main__":
    main()
