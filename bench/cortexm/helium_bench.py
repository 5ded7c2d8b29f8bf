#!/usr/bin/env python3
"""The Cortex-M55 Helium benchmark (bench/cortex-m55.sh): exact QEMU
instruction counts of one binary layer (bench/cortexm/binary_kernels.c) on
Cortex-M4 (the portable Cortex-M kernels of --target=cortex-m4) and on
Cortex-M55 (the Helium kernels of --target=cortex-m55, table and SWAR
popcounts, and the portable kernels built without MVE), plus llvm-mca's
Cortex-M55 cycle estimate of the four-filter dot loop of both popcounts;
with --build, also whole inferences of the binary e2e models
(--target=cortex-m4 on M4 vs --target=cortex-m55 on M55). Writes
bench/results/cortex-m55.md.

    helium_bench.py [--build BUILD] [--work DIR] [--out FILE]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TESTCM = os.path.join(ROOT, "test", "cortexm")

# (label, qemu cpu of qemu_run.py, compiler flags)
CONFIGS = [
    ("M4", "m4", ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard",
                  "-mfpu=fpv4-sp-d16"]),
    ("M55 no MVE", "m55", ["-mcpu=cortex-m55+nomve", "-mthumb",
                           "-mfloat-abi=hard"]),
    ("M55 Helium, SWAR popcount", "m55",
     ["-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=hard",
      "-DBNNC_MVE_LUT_POPCOUNT=0"]),
    ("M55 Helium, table popcount", "m55",
     ["-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=hard"]),
]

# binary_kernels.c's shapes[]: (label, binary MACs, or packed bits for the
# packing rows)
SHAPES = [
    ("3x3 conv 32->32 @16x16, pad 1 (9-word dots)", 32 * 9 * 32 * 16 * 16),
    ("3x3 conv 64->64 @8x8, pad 1 (18 words)", 64 * 9 * 64 * 8 * 8),
    ("3x3 conv 128->128 @8x8, pad 1 (36 words)", 128 * 9 * 128 * 8 * 8),
    ("3x3 conv 256->256 @4x4, pad 1 (72 words)", 256 * 9 * 256 * 4 * 4),
    ("dense 1024->256 (32 words)", 1024 * 256),
    ("dense 1024->1024 (32 words)", 1024 * 1024),
    ("pack 64 channels @8x8 (float -> bits)", 64 * 8 * 8),
    ("pack 32 channels @16x16 (float -> bits)", 32 * 16 * 16),
]


MODELS = os.path.join(ROOT, "test", "models")

# Binary e2e models for whole inferences: (label, onnx, bnnc flags, inputs
# or None for test_data_set_0's)
E2E = [
    ("binary_shapes", os.path.join(MODELS, "binary_shapes/model.onnx"),
     ["--assume-nonzero-inputs"], None),
    ("binarynet_mlp", os.path.join(MODELS, "bnn/binarynet_mlp/model.onnx"),
     [], None),
    ("xnor_cnn", os.path.join(MODELS, "bnn/xnor_cnn/model.onnx"), [], None),
    ("bireal_block", os.path.join(MODELS, "bnn/bireal_block/model.onnx"), [],
     None),
    ("bifsmn_kws", os.path.join(MODELS, "bnn/bifsmn_kws/model.onnx"),
     ["--assume-nonzero-inputs"], None),
]


def sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode:
        sys.exit("helium_bench.py: failed (%d): %s\n%s%s" %
                 (r.returncode, " ".join(cmd), r.stdout, r.stderr))
    return r


def build(work, tag, flags):
    elf = os.path.join(work, tag + ".elf")
    common = flags + ["-O2", "-ffunction-sections", "-fdata-sections"]
    main_o, start_o = elf + ".main.o", elf + ".startup.o"
    sh(["arm-none-eabi-gcc"] + common +
       ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic",
        "-I" + os.path.join(ROOT, "runtime"), "-c",
        os.path.join(HERE, "binary_kernels.c"), "-o", main_o])
    sh(["arm-none-eabi-gcc"] + common +
       ["-std=gnu99", "-c", os.path.join(TESTCM, "startup.c"), "-o", start_o])
    ld = "mps3-an547.ld" if "-mcpu=cortex-m4" not in flags else "mps2.ld"
    sh(["arm-none-eabi-gcc"] + common +
       ["--specs=rdimon.specs", "-nostartfiles", "-T",
        os.path.join(TESTCM, ld), "-Wl,--gc-sections", main_o, start_o,
        "-lm", "-o", elf])
    return elf


def insns(plugin, cpu, elf, args):
    r = sh([sys.executable, os.path.join(TESTCM, "qemu_run.py"), "--plugin",
            plugin, cpu, elf] + args)
    m = re.search(r"insns: (\d+)", r.stderr + r.stdout)
    if not m:
        sys.exit("helium_bench.py: no instruction count from " + elf)
    return int(m.group(1))


def dot_loop(elf):
    """The four-filter dot loop of bnnc_mve_xor_popcounts_streamed: the
    body of the function's first backward branch (a low-overhead loop's
    LE), without the branch."""
    dis = sh(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn",
              "-m", "armv8.1-m.main", elf]).stdout
    body = re.search(r"<bnnc_mve_xor_popcounts_streamed>:\n(.*?)\n\n", dis, re.S)
    if not body:
        return None
    lines = []
    for line in body.group(1).splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(.*)", line)
        if m:
            lines.append((int(m.group(1), 16), m.group(2).split("@")[0].strip()))
    for i, (addr, text) in enumerate(lines):
        b = re.match(r"(b\w*|le)(\.[nw])?\s+(lr, )?([0-9a-f]+) <", text)
        if b and int(b.group(4), 16) < addr:
            start = int(b.group(4), 16)
            return [t for a, t in lines[:i] if a >= start]
    return None


def mca(loop):
    src = "\n".join(loop) + "\n"
    with tempfile.NamedTemporaryFile("w", suffix=".s", delete=False) as f:
        f.write(".syntax unified\n.thumb\n" + src)
    r = subprocess.run(["llvm-mca-19", "-mtriple=thumbv8.1m.main-none-eabi",
                        "-mcpu=cortex-m55", "-iterations=100", f.name],
                       capture_output=True, text=True)
    os.unlink(f.name)
    m = re.search(r"Total Cycles:\s+(\d+)", r.stdout)
    return int(m.group(1)) / 100.0 if m else None


def model_rows(build, work, plugin):
    """Instructions of one inference of each E2E model, M4 and M55 C on
    their cores (bench_main.c: the run with one inference minus the run
    with none), and the model's binary MAC count from bnnc --report."""
    bnnc = os.path.join(build, "bin", "bnnc")
    env = dict(os.environ, BNNC=bnnc)
    rows = []
    for label, onnx, flags, inputs in E2E:
        d = os.path.join(work, "e2e_" + label)
        os.makedirs(d, exist_ok=True)
        if inputs is None:
            data = os.path.join(os.path.dirname(onnx), "test_data_set_0")
            inputs = []
            for f in sorted(os.listdir(data)):
                if f.startswith("input_"):
                    raw = os.path.join(d, f + ".bin")
                    sh([os.path.join(build, "bin", "bnnc-pb2raw"),
                        os.path.join(data, f), raw])
                    inputs.append(raw)
        row = {"label": label}
        for core, cpu in (("cortex-m4", "m4"), ("cortex-m55", "m55")):
            cdir = os.path.join(d, cpu)
            os.makedirs(cdir, exist_ok=True)
            report = sh([bnnc, onnx, "--target=" + core, "--report", "-o",
                         os.path.join(cdir, "m.c")] + flags).stderr
            m = re.search(r"MACs: (\d+), ([0-9.]+)% binary", report)
            row["macs"] = int(m.group(1))
            row["binary%"] = float(m.group(2))
            elf = os.path.join(cdir, "bench.elf")
            sh([sys.executable, os.path.join(TESTCM, "cm_build.py"), cpu, elf,
                os.path.join(cdir, "m.c"), "--main",
                os.path.join(HERE, "bench_main.c")], env=env)
            row[cpu] = (insns(plugin, cpu, elf, ["1"] + inputs) -
                        insns(plugin, cpu, elf, ["0"] + inputs))
        rows.append(row)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", help="a bnnc build tree: also time the "
                    "binary e2e models")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(),
                                                   "bnnc-helium-bench"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results",
                                                  "cortex-m55.md"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    plugin = os.path.join(a.work, "libinsncount.so")
    sh(["gcc", "-O2", "-shared", "-fPIC",
        os.path.join(ROOT, "bench", "qemu-insncount.c"), "-o", plugin])
    counts = {}
    elves = {}
    for label, cpu, flags in CONFIGS:
        elf = build(a.work, re.sub(r"\W+", "_", label), flags)
        elves[label] = elf
        for s in range(len(SHAPES)):
            n0 = insns(plugin, cpu, elf, [str(s), "0"])
            n1 = insns(plugin, cpu, elf, [str(s), "1"])
            counts[label, s] = n1 - n0
    out = []
    w = out.append
    w("# Cortex-M55 Helium benchmark")
    w("")
    w("Generated by `bench/cortex-m55.sh` (bench/cortexm/helium_bench.py); "
      "do not edit.")
    w("Instructions are exact QEMU 7.2 TCG-plugin counts of one call of the "
      "kernel the generated C calls (bench/cortexm/binary_kernels.c, "
      "arm-none-eabi-gcc 12 -O2): on Cortex-M4 (mps2-an386) the portable "
      "Cortex-M kernels of `--target=cortex-m4`; on Cortex-M55 (mps3-an547) "
      "the same kernels built without MVE (what `--target=cortex-m55` "
      "emitted before the Helium kernels) and the Helium kernels of "
      "`--target=cortex-m55` with either popcount. Instructions, not "
      "cycles. Convolutions have a threshold (packed bits) epilogue and the "
      "compiler's padded-tap table; binary MACs = out channels x in channels "
      "x kernel taps x output pixels (padded taps included).")
    w("")
    labels = [c[0] for c in CONFIGS]
    w("| layer | " + " | ".join(labels) + " | M4 / Helium |")
    w("|---|" + "---|" * (len(labels) + 1))
    best = labels[-1]
    for s, (name, macs) in enumerate(SHAPES):
        unit = "bits/insn" if name.startswith("pack") else "MACs/insn"
        cells = ["%s (%.2f %s)" % (format(counts[l, s], ","),
                                   macs / counts[l, s], unit) for l in labels]
        w("| %s | %s | **%.2fx** |" % (name, " | ".join(cells),
                                        counts["M4", s] / counts[best, s]))
    w("")
    w("llvm-mca-19 -mcpu=cortex-m55, cycles per iteration of the four-filter "
      "dot loop (512 binary MACs: one patch vector, four filters):")
    w("")
    w("| popcount | instructions | cycles (llvm-mca) | binary MACs/cycle |")
    w("|---|---|---|---|")
    for label in labels[2:]:
        loop = dot_loop(elves[label])
        cyc = mca(loop) if loop else None
        if loop and cyc:
            # + 1: the loop's LE, which llvm-mca is not given
            w("| %s | %d | %.1f | %.1f |" % (label.split(", ")[1],
                                              len(loop) + 1, cyc, 512 / cyc))
        else:
            w("| %s | (loop not found) | | |" % label.split(", ")[1])
    w("")
    if a.build:
        w("Whole inferences of the binary e2e models (bench/cortexm/"
          "bench_main.c: one inference minus none), `--target=cortex-m4` C on "
          "M4 and `--target=cortex-m55` C on M55; the real layers (first "
          "convolutions, float epilogues, pooling, softmax) are the same "
          "scalar/FPU code on both:")
        w("")
        w("| model | MACs (% binary) | M4 insns | M55 insns | M4 / M55 |")
        w("|---|---|---|---|---|")
        for r in model_rows(a.build, a.work, plugin):
            w("| %s | %s (%.1f%%) | %s | %s | **%.2fx** |" % (
                r["label"], format(r["macs"], ","), r["binary%"],
                format(r["m4"], ","), format(r["m55"], ","),
                r["m4"] / r["m55"]))
        w("")
    text = "\n".join(out) + "\n"
    with open(a.out, "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
