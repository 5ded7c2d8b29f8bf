#!/usr/bin/env python3
"""int8 vs float32 on Cortex-M (issue 18, docs/int8.md): writes
bench/results/int8.md.

The QDQ CNN of test/models/qdq_cnn (PyTorch export: Conv+ReLU x2, Linear;
batch 64) compiled by bnnc as is (bnn-fuse-qdq: int8 kernels; also qdq_bnn,
a BNN with int8 first and last layers) and its float twin (the same network with the dequantized
weights as float initializers and no Quantize/DequantizeLinear: what the
model costs without quantization), on Cortex-M4 (FPU, QEMU mps2-an386) and
on the cortex-m0plus target (no FPU: soft float, run on QEMU's Cortex-M3
board mps2-an385, as test/cortexm does). Instructions per inference are
exact QEMU TCG-plugin counts (bench_main.c: one inference minus none);
flash is text + rodata of the model object. The int8 models run bnnc's
Cortex-M int8 kernels (kernels_cortexm_int8.h: SMLAD and the FPU
requantization on M4, plain C with integer requantization on M0+), and
again with the portable kernels (`int8 generic`); the float twin uses the
target's float kernels.
Benchmarks are measurements, not tests: nothing here asserts.

    /usr/bin/python3 bench/cortexm/int8_bench.py [--build build]
"""
import argparse
import os
import re
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


def measure(b, name, onnx_path, target, cpu, inputs, profile=False):
    d = os.path.join(b.work, name + "_" + target + "_" + cpu)
    os.makedirs(d, exist_ok=True)
    report = sh([b.bnnc, onnx_path, "--target=" + target, "--report", "-o",
                 os.path.join(d, "m.c")]).stderr
    elf = os.path.join(d, cpu + ".elf")
    b.build(cpu, elf, os.path.join(d, "m.c"), os.path.join(HERE, "bench_main.c"))
    n0 = b.insns(cpu, elf, ["0"] + inputs)
    n1 = b.insns(cpu, elf, ["1"] + inputs)
    size = sh(["arm-none-eabi-size", elf + ".model.o"]).stdout.split("\n")[1].split()
    macs = int(report.split("MACs: ")[1].split(",")[0])
    row = {"insns": n1 - n0, "flash": int(size[0]), "bss": int(size[2]),
           "macs": macs}
    if profile:
        row["loops"] = smlad_loop_insns(b, cpu, elf, inputs)
    return row


def smlad_loop_insns(b, cpu, elf, inputs):
    """Instructions of one inference spent in the SMLAD loops (the ranges
    from each loop's first load to its backward branch, found in the
    disassembly), counted per address with qemu-insnprof."""
    plugin = os.path.join(b.work, "libinsnprof.so")
    if not os.path.exists(plugin):
        sh(["gcc", "-O2", "-shared", "-fPIC", os.path.join(
            "/work/shared/tools/qemu-insnprof", "insnprof.c"), "-o", plugin])
    dis = sh(["arm-none-eabi-objdump", "-d", elf]).stdout.splitlines()
    smlad, ranges = [], []
    for line in dis:
        m = re.match(r"\s*([0-9a-f]+):\s+(?:[0-9a-f]{4} ?){1,2}\s+(\S+)\s+([0-9a-f]*)", line)
        if not m:
            continue
        addr, op = int(m.group(1), 16), m.group(2)
        if op.startswith("smlad"):
            smlad.append(addr)
        elif op.startswith("bne") and m.group(3):
            target = int(m.group(3), 16)
            if target < addr and any(target <= x < addr for x in smlad):
                ranges.append((target, addr))
    # The innermost loops: those with no other such loop inside.
    ranges = [r for r in ranges if not any(
        o != r and r[0] <= o[0] and o[1] <= r[1] for o in ranges)]
    counts = {}
    for mode in ("0", "1"):
        out = os.path.join(b.work, "prof_%s.txt" % mode)
        b.qemu(cpu, elf, [mode] + inputs, plugin + ",out=" + out)
        total = 0
        for line in open(out):
            pc, n = line.split()
            pc = int(pc, 16)
            if any(lo <= pc <= hi for lo, hi in ranges):
                total += int(n)
        counts[mode] = total
    return counts["1"] - counts["0"]


def breakdown(b, name, onnx_path, target, cpu, inputs, top=8):
    """Instructions of one inference by function (the innermost inlined
    function of each address, from a -g build of the C that measure()
    wrote; qemu-insnprof, one inference minus none)."""
    d = os.path.join(b.work, name + "_" + target + "_" + cpu)
    elf = os.path.join(d, cpu + "_g.elf")
    sh([sys.executable, os.path.join(ROOT, "test", "cortexm", "cm_build.py"), cpu,
        elf, os.path.join(d, "m.c"), "--main", os.path.join(HERE, "bench_main.c"),
        "--", "-g"], env=b.env)
    plugin = os.path.join(b.work, "libinsnprof.so")
    if not os.path.exists(plugin):
        sh(["gcc", "-O2", "-shared", "-fPIC", os.path.join(
            "/work/shared/tools/qemu-insnprof", "insnprof.c"), "-o", plugin])
    counts = []
    for mode in ("0", "1"):
        out = os.path.join(d, "prof_%s.txt" % mode)
        b.qemu(cpu, elf, [mode] + inputs, plugin + ",out=" + out)
        counts.append({int(l.split()[0], 16): int(l.split()[1]) for l in open(out)})
    pcs = sorted(counts[1])
    names = sh(["arm-none-eabi-addr2line", "-f", "-e", elf] +
               ["%x" % pc for pc in pcs]).stdout.splitlines()[0::2]
    by = {}
    for pc, fn in zip(pcs, names):
        by[fn] = by.get(fn, 0) + counts[1][pc] - counts[0].get(pc, 0)
    total = sum(by.values())
    return total, sorted(by.items(), key=lambda kv: -kv[1])[:top]


def qlinear_conv(path, n, c, h, w, m, k, pad):
    """One QLinearConv (uint8 input and output, int8 weights with per-channel
    scales, int32 bias): bnn.qconv2d + bnn.requantize with constant
    multipliers. k = h = w and pad 0 is a dense layer."""
    from onnx import TensorProto, helper
    rng = np.random.default_rng(18)
    oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    inits = [
        numpy_helper.from_array(np.array(0.02, np.float32), "x_scale"),
        numpy_helper.from_array(np.array(128, np.uint8), "x_zp"),
        numpy_helper.from_array(rng.integers(-127, 128, (m, c, k, k)).astype(np.int8), "w"),
        numpy_helper.from_array(rng.uniform(0.002, 0.01, m).astype(np.float32), "w_scale"),
        numpy_helper.from_array(np.zeros(m, np.int8), "w_zp"),
        numpy_helper.from_array(np.array(0.25, np.float32), "y_scale"),
        numpy_helper.from_array(np.array(100, np.uint8), "y_zp"),
        numpy_helper.from_array(rng.integers(-2000, 2000, m).astype(np.int32), "bias"),
    ]
    node = helper.make_node(
        "QLinearConv", ["x", "x_scale", "x_zp", "w", "w_scale", "w_zp",
                        "y_scale", "y_zp", "bias"], ["y"],
        pads=[pad] * 4, kernel_shape=[k, k])
    g = helper.make_graph(
        [node], "layer",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [n, c, h, w])],
        [helper.make_tensor_value_info("y", TensorProto.UINT8, [n, m, oh, ow])],
        inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, path)
    raw = path + ".in.bin"
    rng.integers(0, 256, (n, c, h, w)).astype(np.uint8).tofile(raw)
    return [raw], n * m * oh * ow * c * k * k


LAYERS = [
    # label, n, c, h, w, m, k, pad
    ("conv 3x3, 32->32 channels, 16x16, pad 1", 1, 32, 16, 16, 32, 3, 1),
    ("dense 512->128 (batch 1)", 1, 512, 1, 1, 128, 1, 0),
    ("dense 256->64 (batch 8)", 8, 256, 1, 1, 64, 1, 0),
]


def fmt(v):
    return "{:,}".format(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "int8.md"))
    a = ap.parse_args()
    b = Bench(a.build, os.path.join(a.build, "bench", "int8"))
    out = ["# int8 on Cortex-M", "",
           "Generated by `bench/cortexm/int8_bench.py` (issue 18, docs/int8.md, "
           "docs/cortex-m.md). Instructions are exact QEMU TCG-plugin counts of "
           "one inference (bench_main.c: one inference minus none); flash is "
           "text + rodata of the model object; arena is its .bss. Cortex-M4 "
           "runs on QEMU mps2-an386; the cortex-m0plus target (no DSP, soft "
           "float) on QEMU's Cortex-M3 board (mps2-an385), as test/cortexm "
           "does. `cortex-m4` / `cortex-m0plus` are bnnc's Cortex-M int8 "
           "kernels (kernels_cortexm_int8.h: SMLAD on M4, plain C with 16-bit "
           "operands on M0+), `generic` the portable kernels_int8.h ones "
           "built for the same core.", ""]

    # Layers.
    out += ["## Layers (QLinearConv: qconv2d + fused requantization)", "",
            "MACs per instruction counts the layer's useful MACs over all "
            "of its instructions (patches, SMLAD loops, the exact "
            "requantization: VCVT/VMUL/VCVTR on the M4's FPU, integers on "
            "M0+; stores). The SMLAD-loop columns count only "
            "the instructions inside the inner loops (qemu-insnprof over "
            "their address ranges): the rest is the patch widening and the "
            "requantization.", "",
            "| layer | MACs | core | bnnc target | instructions | MACs / instruction | "
            "SMLAD-loop instructions | MACs / SMLAD-loop instruction | generic kernels | speed-up |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for label, n, c, h, w, m, k, pad in LAYERS:
        path = os.path.join(b.work, "layer_%d_%d_%d_%d.onnx" % (n, c, m, k))
        inputs, macs = qlinear_conv(path, n, c, h, w, m, k, pad)
        for target, cpu in (("cortex-m4", "m4"), ("cortex-m0plus", "m3")):
            q = measure(b, os.path.basename(path), path, target, cpu, inputs,
                        profile=(cpu == "m4"))
            gen = measure(b, os.path.basename(path), path, "generic", cpu, inputs)
            loops = q.get("loops")
            out.append("| %s | %s | %s | %s | %s | %.3f | %s | %s | %s | %.1fx |" % (
                label, fmt(macs), "Cortex-M4" if cpu == "m4" else "M3 board",
                target, fmt(q["insns"]), macs / q["insns"],
                fmt(loops) if loops else "-",
                "%.3f" % (macs / loops) if loops else "-",
                fmt(gen["insns"]), gen["insns"] / q["insns"]))
            print(out[-1], flush=True)

    # Models: int8 vs float twin.
    out += ["", "## Models: int8 vs float", "",
            "qdq_cnn: test/models/qdq_cnn (PyTorch QDQ export: Conv 1->8 3x3 + "
            "ReLU, Conv 8->16 3x3 stride 2 + ReLU, Linear 256->10; batch 64). "
            "qdq_bnn: test/models/qdq_bnn (QDQ Conv 3->16, binarizer, binary "
            "Conv, QDQ Linear 1024->10: a BNN with int8 first and last "
            "layers). Each compiled as is (int8 kernels via bnn-fuse-qdq; the "
            "requantization on the FPU on M4, in integers on M0+; qdq_bnn's "
            "binary layer writes the last layer's uint8 input with its integer "
            "epilogue) and as its float twin (the same "
            "network with the dequantized weights as float initializers and "
            "no Quantize/DequantizeLinear: the model with float first/last "
            "layers), each with the target's kernels; `int8 generic` is the "
            "int8 model with the portable kernels.", "",
            "| model | core | int8 instructions | int8 generic | float instructions | float / int8 | "
            "int8 instructions per MAC | int8 flash | float flash | int8 arena | float arena |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for model in ("qdq_cnn", "qdq_bnn"):
        path = os.path.join(ROOT, "test", "models", model, "model.onnx")
        twin = os.path.join(b.work, model + "_float.onnx")
        float_twin(path, twin)
        inputs = b.inputs(path, None)
        for target, cpu, label in (("cortex-m4", "m4", "Cortex-M4 (FPU)"),
                                   ("cortex-m0plus", "m3", "cortex-m0plus (soft float, M3 board)")):
            q = measure(b, model, path, target, cpu, inputs)
            g = measure(b, model, path, "generic", cpu, inputs)
            f = measure(b, model + "_float", twin, target, cpu, inputs)
            out.append("| %s | %s | %s | %s | %s | %.2fx | %.2f | %s | %s | %s | %s |" % (
                model, label, fmt(q["insns"]), fmt(g["insns"]), fmt(f["insns"]),
                f["insns"] / q["insns"], q["insns"] / q["macs"],
                fmt(q["flash"]), fmt(f["flash"]), fmt(q["bss"]), fmt(f["bss"])))
            print(out[-1], flush=True)
    # Where the instructions go (the C measured above, rebuilt with -g).
    out += ["", "## Where the instructions go", "",
            "Per function: the innermost inlined function of each address "
            "(qemu-insnprof on a -g build of the same C, one inference minus "
            "none).", ""]
    layer = os.path.join(b.work, "layer_1_32_32_3.onnx")
    bnn = os.path.join(ROOT, "test", "models", "qdq_bnn", "model.onnx")
    for label, name, target, cpu, inputs in (
            ("conv 3x3 32->32 16x16, cortex-m4 on M4", os.path.basename(layer),
             "cortex-m4", "m4", [layer + ".in.bin"]),
            ("qdq_bnn int8, cortex-m0plus on the M3 board", "qdq_bnn",
             "cortex-m0plus", "m3", b.inputs(bnn, None)),
            ("qdq_bnn float twin, cortex-m0plus on the M3 board",
             "qdq_bnn_float", "cortex-m0plus", "m3", b.inputs(bnn, None))):
        total, rows = breakdown(b, name, None, target, cpu, inputs)
        out += ["%s: %s instructions." % (label, fmt(total)), "",
                "| function | instructions | share |", "|---|---|---|"]
        out += ["| %s | %s | %.1f%% |" % (fn, fmt(n), 100.0 * n / total)
                for fn, n in rows]
        out.append("")
        print(label, total, rows, flush=True)
    out += ["A Cortex-M convolution whose requantization is fused has no "
            "int32 accumulator tensor in the arena (bnn-plan-memory "
            "fuse-cortex-m-requantize, docs/cortex-m.md): the int8 arena "
            "column holds the int8 tensors only."]
    with open(a.out, "w") as fh:
        fh.write("\n".join(out) + "\n")
    print("wrote", a.out)


if __name__ == "__main__":
    main()
