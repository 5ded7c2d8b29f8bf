#!/usr/bin/env python3
"""The Cortex-M benchmark (bench/cortex-m.sh): writes bench/results/cortex-m.md.

For every e2e model (and the benchmark models of make_bench_models.py), on
Cortex-M4 (QEMU mps2-an386) and Cortex-M7 (mps2-an500), binary path and
--no-binarize float path:
  - instructions per inference: the QEMU TCG plugin's whole-run count of
    bench_main.c with one inference minus that with none (deterministic);
  - flash: text + rodata of the model object (arm-none-eabi-size, Berkeley
    "text"), which holds the code, weights and parameter structs;
  - RAM: the arena (the model object's .bss) plus the inference's stack
    high-water mark (stack painting, test/cortexm/startup.c);
and for the xor-popcount hot loop: instructions per 32 binary MACs counted
under QEMU and the llvm-mca-19 -mcpu=cortex-m4 / cortex-m7 estimate.
Benchmarks are measurements, not tests: nothing here asserts.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TESTCM = os.path.join(ROOT, "test", "cortexm")
MODELS = os.path.join(ROOT, "test", "models")

# name, ONNX file, extra bnnc flags, input files (None: test_data_set_0)
E2E = [
    ("mlp", "mlp/model.onnx", [], None),
    ("cnn", "cnn/model.onnx", [], None),
    ("ops", "ops/model.onnx", [], None),
    ("mlp_dynamic", "mlp_dynamic/model.onnx", ["--input-shape", "features=4x3x20"], None),
    ("binary_shapes", "binary_shapes/model.onnx", ["--assume-nonzero-inputs"], None),
    ("binary_epilogues", "binary_epilogues/model.onnx", ["--assume-nonzero-inputs"], None),
    ("bipolar_quant", "bipolar_quant/model.onnx", [], None),
    ("ln_sign", "ln_sign/model.onnx", [], None),
    ("xnor_cnn", "bnn/xnor_cnn/model.onnx", [], None),
    ("binarynet_mlp", "bnn/binarynet_mlp/model.onnx", [], None),
    ("bireal_block", "bnn/bireal_block/model.onnx", [], None),
    ("bifsmn_kws", "bnn/bifsmn_kws/model.onnx", ["--assume-nonzero-inputs"], None),
    ("digits (demo)", os.path.join(ROOT, "examples/digits/digits.onnx"), [],
     [os.path.join(ROOT, "examples/digits/images.bin")]),
    ("bnn-digits (demo)", os.path.join(ROOT, "examples/bnn-digits/xnor_digits.onnx"), [],
     [os.path.join(ROOT, "examples/bnn-digits/images.bin")]),
]


BRANCH = r"(b(eq|ne|cs|cc|hs|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)?|cbn?z)(\.n|\.w)?\s"


def sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode:
        sys.exit("run_bench.py: failed (%d): %s\n%s%s" %
                 (r.returncode, " ".join(cmd), r.stdout, r.stderr))
    return r


class Bench:
    def __init__(self, build, work):
        self.bnnc = os.path.join(build, "bin", "bnnc")
        self.pb2raw = os.path.join(build, "bin", "bnnc-pb2raw")
        self.work = work
        self.env = dict(os.environ, BNNC=self.bnnc)
        os.makedirs(work, exist_ok=True)
        self.plugin = os.path.join(work, "libinsncount.so")
        sh(["gcc", "-O2", "-shared", "-fPIC", os.path.join(HERE, "..", "qemu-insncount.c"),
            "-o", self.plugin])

    def qemu(self, cpu, elf, args, plugin=None):
        cmd = [sys.executable, os.path.join(TESTCM, "qemu_run.py")]
        if plugin:
            cmd += ["--plugin", plugin]
        return sh(cmd + [cpu, elf] + args)

    def insns(self, cpu, elf, args, lo=None, hi=None):
        plugin = self.plugin
        if lo is not None:
            plugin += ",lo=%#x,hi=%#x" % (lo, hi)
        r = self.qemu(cpu, elf, args, plugin)
        m = re.search(r"insns: (\d+)", r.stderr + r.stdout)
        if not m:
            sys.exit("run_bench.py: no instruction count from " + elf)
        return int(m.group(1))

    def build(self, cpu, elf, model_c, main_c):
        sh([sys.executable, os.path.join(TESTCM, "cm_build.py"), cpu, elf, model_c,
            "--main", main_c], env=self.env)

    def model(self, name, onnx, flags, inputs, binary):
        tag = re.sub(r"\W+", "_", name) + ("_bin" if binary else "_flt")
        d = os.path.join(self.work, tag)
        os.makedirs(d, exist_ok=True)
        extra = [] if binary else ["--no-binarize"]
        report = sh([self.bnnc, onnx, "--target=cortex-m4", "--report", "-o",
                     os.path.join(d, "m.c")] + flags + extra).stderr
        macs = re.search(r"MACs: (\d+), ([0-9.]+)% binary", report)
        header = open(os.path.join(d, "m.h")).read()
        arena = int(re.search(r"_ARENA_SIZE (\d+)", header).group(1))
        bound = int(re.search(r"lower bound is (\d+) bytes", header).group(1))
        row = {"macs": int(macs.group(1)), "binary%": float(macs.group(2)),
               "arena": arena, "bound": bound}
        for cpu in ("m4", "m7"):
            elf = os.path.join(d, cpu + ".elf")
            self.build(cpu, elf, os.path.join(d, "m.c"),
                       os.path.join(HERE, "bench_main.c"))
            n0 = self.insns(cpu, elf, ["0"] + inputs)
            n1 = self.insns(cpu, elf, ["1"] + inputs)
            row[cpu] = n1 - n0
            if cpu == "m4":
                size = sh(["arm-none-eabi-size", elf + ".model.o"]).stdout.split("\n")[1].split()
                row["flash"] = int(size[0])
                row["bss"] = int(size[2])
                out = self.qemu(cpu, elf, ["stack"] + inputs).stdout
                row["stack"] = int(re.search(r"stack: (\d+)", out).group(1))
        return row

    def layers(self, name, onnx, flags, inputs):
        """Instructions of each layer of one M4 inference (binary path).

        The generated run function is a sequence of layers, each opened by a
        `/* op [nodes]: shapes */` comment. Variant L returns right before
        layer L + 1; its count minus variant L - 1's is layer L's exact
        count (earlier layers run the same instructions whatever follows).
        A kernel's address range would not split the layers that share one
        kernel function (xnor_cnn16's two binary convs both call
        bnnc_cm_bconv2d_bits)."""
        tag = re.sub(r"\W+", "_", name) + "_layers"
        d = os.path.join(self.work, tag)
        os.makedirs(d, exist_ok=True)
        sh([self.bnnc, onnx, "--target=cortex-m4", "-o", os.path.join(d, "m.c")] + flags)
        src = open(os.path.join(d, "m.c")).read()
        body = src.index("int m_run_with_arena(")
        starts = [mt.start() for mt in re.finditer(r"\n  /\* (\w+) \[", src)
                  if mt.start() > body]
        labels = [re.match(r"\n  /\* ([^*]*?):", src[i:]).group(1) for i in starts]
        end = src.index("\n  return BNNC_OK;", body)
        cuts = starts + [end]
        counts = []
        for k, cut in enumerate(cuts):
            vd = os.path.join(d, "v%d" % k)
            os.makedirs(vd, exist_ok=True)
            variant = os.path.join(vd, "m.c")
            with open(variant, "w") as f:
                f.write(src[:cut] + "\n  return BNNC_OK;" + src[cut:])
            shutil.copy(os.path.join(d, "m.h"), vd)
            elf = os.path.join(vd, "m4.elf")
            self.build("m4", elf, variant, os.path.join(HERE, "bench_main.c"))
            counts.append(self.insns("m4", elf, ["1"] + inputs) -
                          self.insns("m4", elf, ["0"] + inputs))
        kernels = [re.search(r"\b(bnnc_\w+)\(", src[a:b]) for a, b in zip(cuts, cuts[1:])]
        return [(lab, counts[k + 1] - counts[k],
                 kern.group(1) if kern else "inline loop")
                for k, (lab, kern) in enumerate(zip(labels, kernels))], counts[-1]

    def inputs(self, onnx, given):
        if given:
            return given
        data = os.path.join(os.path.dirname(onnx), "test_data_set_0")
        files = []
        for f in sorted(os.listdir(data)):
            if f.startswith("input_"):
                raw = os.path.join(self.work, os.path.basename(os.path.dirname(onnx)) + "_" + f + ".bin")
                sh([self.pb2raw, os.path.join(data, f), raw])
                files.append(raw)
        return files

    def hotloop(self):
        d = os.path.join(self.work, "hotloop")
        os.makedirs(d, exist_ok=True)
        runtime = sh([self.bnnc, "--print-runtime-dir"]).stdout.strip()
        res = {}
        for cpu, flags in (("m4", ["-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16"]),
                           ("m7", ["-mcpu=cortex-m7", "-mfpu=fpv5-d16"])):
            elf = os.path.join(d, cpu + ".elf")
            cc = ["arm-none-eabi-gcc", "-mthumb", "-mfloat-abi=hard", "-O2",
                  "-std=c99", "-Wall", "-Wextra", "-Werror", "-I" + runtime] + flags
            sh(cc + ["-c", os.path.join(HERE, "hotloop.c"), "-o", elf + ".main.o"])
            sh(cc + ["-std=gnu99", "-c", os.path.join(TESTCM, "startup.c"),
                     "-o", elf + ".startup.o"])
            sh(cc + ["--specs=rdimon.specs", "-nostartfiles", "-T",
                     os.path.join(TESTCM, "mps2.ld"), elf + ".main.o",
                     elf + ".startup.o", "-o", elf])
            nm = sh(["arm-none-eabi-nm", "-S", elf]).stdout
            # The kernel is out of line (noinline): count its own range.
            m = re.search(r"([0-9a-f]+) ([0-9a-f]+) [tT] bnnc_cm_xor_popcount\b", nm)
            lo = int(m.group(1), 16) & ~1
            hi = lo + int(m.group(2), 16)
            counts = {n: self.insns(cpu, elf, [str(n)], lo, hi)
                      for n in (0, 9, 18, 36, 512)}
            res[cpu] = counts
            # The 8-word block loop: the shortest loop (backward branch) whose
            # body holds the block's 8 XORs of loaded words and a byte sum.
            dis = sh(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn",
                      "--disassemble=bnnc_cm_xor_popcount", elf]).stdout
            insns = []
            for line in dis.splitlines():
                mm = re.match(r"\s+([0-9a-f]+):\s+(.*)$", line)
                if mm:
                    insns.append((int(mm.group(1), 16), mm.group(2).split(";")[0].split("@")[0].strip()))
            best = None
            for i, (addr, text) in enumerate(insns):
                b = re.match(BRANCH + r"+([0-9a-f]+)", text)
                if b and int(b.group(4), 16) < addr:
                    start = int(b.group(4), 16)
                    body = [t for a, t in insns if start <= a <= addr]
                    eors = sum(1 for t in body if t.startswith("eor"))
                    sums = sum(1 for t in body if t.startswith(("usada8", "mul")))
                    if eors >= 20 and sums >= 1 and (best is None or len(body) < len(best)):
                        best = body
            res[cpu + "_loop"] = best
            asm = os.path.join(d, cpu + "_loop.s")
            with open(asm, "w") as f:
                f.write(".syntax unified\n.thumb\n")
                for t in best:  # branches dropped: llvm-mca models straight code
                    if not re.match(BRANCH, t):
                        t = re.sub(r"^(\w+)\.(w|n)\b", r"\1", t)  # LLVM picks encodings
                        f.write(re.sub(r"\s*<.*>", "", t) + "\n")
            mca = sh(["llvm-mca-19", "-mtriple=thumbv7em-none-eabi",
                      "-mcpu=cortex-" + cpu, "-iterations=100", asm]).stdout
            cycles = int(re.search(r"Total Cycles:\s+(\d+)", mca).group(1))
            res[cpu + "_mca"] = cycles / 100.0
        return res


def fmt(n):
    return "{:,}".format(n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "cortex-m.md"))
    a = ap.parse_args()
    work = os.path.join(a.build, "bench", "cortex-m")
    b = Bench(a.build, work)
    gen = os.path.join(work, "models")
    sh(["/usr/bin/python3", os.path.join(HERE, "make_bench_models.py"), gen])
    models = [(n, os.path.join(MODELS, f) if not os.path.isabs(f) else f, fl, ins)
              for n, f, fl, ins in E2E]
    # The layer benchmarks sign a graph input (standard-normal data, never
    # an exact 0): --assume-nonzero-inputs lets bnnc binarize that Sign
    # (ONNX Sign(0) = 0 has no +-1 bit). xnor_cnn16 signs Relu and BN
    # outputs, which can be exactly 0: those layers stay real, as ONNX
    # semantics demand (its binary share shows it).
    extra = [("xnor_cnn16 (issue 6 CNN)", "xnor_cnn16", []),
             ("layer: binary 3x3 conv 64->64 @8x8", "bconv3x3",
              ["--assume-nonzero-inputs"]),
             ("layer: binary dense 1024->256", "dense",
              ["--assume-nonzero-inputs"]),
             ("bireal16 (issue 17 Bi-Real CNN)", "bireal16", [])]
    models += [(n, os.path.join(gen, f + ".onnx"), fl,
                [os.path.join(gen, f + ".in0.bin")]) for n, f, fl in extra]
    rows = []
    for name, onnx, flags, given in models:
        inputs = b.inputs(onnx, given)
        r_bin = b.model(name, onnx, flags, inputs, True)
        r_flt = b.model(name, onnx, flags, inputs, False)
        rows.append((name, r_bin, r_flt))
        print("%-36s M4 %12s (float %12s)  M7 %12s" %
              (name, fmt(r_bin["m4"]), fmt(r_flt["m4"]), fmt(r_bin["m7"])),
              flush=True)
    # Per-layer instructions of the whole-model rows (M4, binary path).
    per_layer = []
    for name, onnx, flags, given in models:
        if "(issue" in name:
            per_layer.append((name,) + b.layers(name, onnx, flags, b.inputs(onnx, given)))
    hot = b.hotloop()

    out = []
    w = out.append
    w("# Cortex-M benchmark")
    w("")
    w("Generated by `bench/cortex-m.sh` (bench/cortexm/run_bench.py); do not edit.")
    w("Instructions are exact QEMU 7.2 TCG-plugin counts of one inference")
    w("(`--target=cortex-m4` C built with arm-none-eabi-gcc 12 -O2, run on")
    w("mps2-an386 = Cortex-M4 and mps2-an500 = Cortex-M7): instructions, not")
    w("cycles. Flash = text + rodata of the model object (code, weights,")
    w("parameters); RAM = arena (the model's only writable data) + the stack")
    w("high-water mark of one inference (stack painting). Binary = bnnc's default;")
    w("float = the same model with `--no-binarize`.")
    w("")
    w("| model | MACs (% binary) | M4 insns binary | M4 insns float | float/binary | M7 insns binary | M7 insns float | flash binary | flash float | RAM binary (arena+stack) | RAM float | arena / lower bound |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, rb, rf in rows:
        ratio = rf["m4"] / rb["m4"] if rb["m4"] else 0
        w("| %s | %s (%.1f%%) | %s | %s | %.1fx | %s | %s | %s | %s | %s (%s+%s) | %s (%s+%s) | %s / %s |" % (
            name, fmt(rb["macs"]), rb["binary%"], fmt(rb["m4"]), fmt(rf["m4"]), ratio,
            fmt(rb["m7"]), fmt(rf["m7"]), fmt(rb["flash"]), fmt(rf["flash"]),
            fmt(rb["arena"] + rb["stack"]), fmt(rb["arena"]), fmt(rb["stack"]),
            fmt(rf["arena"] + rf["stack"]), fmt(rf["arena"]), fmt(rf["stack"]),
            fmt(rb["arena"]), fmt(rb["bound"])))
    w("")
    w("## Per-layer targets (M4)")
    w("")
    for name, rb, rf in rows:
        if name.startswith("layer:") or name.startswith("xnor_cnn16"):
            what = ("whole layer incl. packing the float input"
                    if name.startswith("layer:") else
                    "whole model, real first conv and all")
            w("- %s: %s MACs in %s instructions = **%.2f MACs/instruction** "
              "(%s); float path %s instructions: **%.1fx** fewer." % (
                  name, fmt(rb["macs"]), fmt(rb["m4"]), rb["macs"] / rb["m4"],
                  what, fmt(rf["m4"]), rf["m4"] / rb["m4"]))
    w("")
    w("## Where the instructions go: per layer (M4, binary path)")
    w("")
    w("Exact counts of each layer of one inference: the model's C returns")
    w("right after layer L in variant L, and layer L's count is variant L's")
    w("minus variant L-1's (run_bench.py, `layers`).")
    for name, layers, total in per_layer:
        w("")
        w("%s: %s instructions per inference (the layers below, the run "
          "function's checks and the output copy)." % (name, fmt(total)))
        w("")
        w("| layer (op [ONNX nodes]) | kernel | M4 insns | share |")
        w("|---|---|---|---|")
        for lab, n, kern in layers:
            w("| %s | `%s` | %s | %.1f%% |" % (lab, kern, fmt(n), 100.0 * n / total))
    w("")
    w("## Hot loop: `bnnc_cm_xor_popcount` (Harley-Seal, 8-word blocks)")
    w("")
    w("Instructions of one dot product of n 32-bit words (QEMU count over the")
    w("function's address range: its prologue, final reduction and return")
    w("included, the caller's few instructions not):")
    w("")
    w("| core | n = 9 (3x3x32) | n = 18 (3x3x64) | n = 36 (3x3x128) | n = 512 | binary MACs/insn at n = 512 | llvm-mca cycles per 8-word block |")
    w("|---|---|---|---|---|---|---|")
    for cpu in ("m4", "m7"):
        c = hot[cpu]
        w("| Cortex-%s | %d (%.2f MACs/insn) | %d (%.2f) | %d (%.2f) | %d | %.2f | %.1f (%.2f MACs/cycle) |" % (
            cpu.upper(), c[9], 9 * 32 / c[9], c[18], 18 * 32 / c[18], c[36],
            36 * 32 / c[36], c[512], 512 * 32 / c[512], hot[cpu + "_mca"],
            256 / hot[cpu + "_mca"]))
    w("")
    w("The block loop on Cortex-M4 (%d instructions per 256 binary MACs):" %
      (len(hot["m4_loop"])))
    w("")
    w("```")
    for t in hot["m4_loop"]:
        w(t)
    w("```")
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        f.write("\n".join(out) + "\n")
    print("wrote", a.out)


if __name__ == "__main__":
    main()
