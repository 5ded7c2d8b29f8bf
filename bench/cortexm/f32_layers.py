#!/usr/bin/env python3
"""Float layer benchmark on Cortex-M4 (QEMU mps2-an386): exact instruction
counts of one call of the new register-blocked kernel, the previous Cortex-M
path and onnx2c-style naive C, per layer shape (bench/cortexm/f32_layers.c).

    f32_layers.py --build BUILD [--work DIR] [--cpu m4]

Prints a markdown table. Regenerates the "Float layers" table of
bench/results/cortex-m.md."""
import argparse, os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTCM = os.path.join(HERE, "..", "..", "test", "cortexm")
LAYERS = [  # (index or "dense", MACs)
    (0, 16 * 16 * 16 * 16 * 9), (1, 8 * 8 * 16 * 16 * 9), (2, 32 * 32 * 8 * 8 * 9),
    (3, 32 * 32 * 16 * 16), (4, 32 * 16 * 16 * 9), (5, 32 * 16 * 16 * 25),
    (6, 16 * 16 * 16 * 16 * 3), (7, 16 * 16 * 16 * 16 * 3), (8, 64 * 47 * 512),
    ("dense", 256 * 256)]


def sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode:
        sys.exit("failed: %s\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--work", default="/tmp/bnnc-f32-layers")
    ap.add_argument("--cpu", default="m4")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    env = dict(os.environ, BNNC=os.path.join(a.build, "bin", "bnnc"))
    plugin = os.path.join(a.work, "libinsncount.so")
    sh(["gcc", "-O2", "-shared", "-fPIC", os.path.join(HERE, "..", "qemu-insncount.c"), "-o", plugin])
    stub = os.path.join(TESTCM, "Inputs", "f32_sweep_stub.c")
    elf = os.path.join(a.work, a.cpu + ".elf")
    sh([sys.executable, os.path.join(TESTCM, "cm_build.py"), a.cpu, elf, stub, "--main",
        os.path.join(HERE, "f32_layers.c")], env=env)

    def count(args):
        r = sh([sys.executable, os.path.join(TESTCM, "qemu_run.py"), "--timeout", "1200",
                "--plugin", plugin, a.cpu, elf] + args)
        return int(re.search(r"insns: (\d+)", r.stderr + r.stdout).group(1))

    print("| layer | MACs | naive (onnx2c-style) | old bnnc | new bnnc | new MACs/insn | naive/new | old/new |")
    print("|---|---|---|---|---|---|---|---|")
    for idx, macs in LAYERS:
        name = "dense 256->256 (batch 1)" if idx == "dense" else None
        row = {}
        for impl in ("naive", "old", "new"):
            n0 = count([str(idx), impl, "0"])
            n1 = count([str(idx), impl, "1"])
            row[impl] = n1 - n0
            if name is None:
                out = sh([sys.executable, os.path.join(TESTCM, "qemu_run.py"), a.cpu, elf,
                          str(idx), impl, "1"]).stdout
                name = out.split(":")[0]
        print("| %s | %s | %s | %s | %s | %.2f | %.1fx | %.1fx |" % (
            name, format(macs, ","), format(row["naive"], ","), format(row["old"], ","),
            format(row["new"], ","), macs / row["new"], row["naive"] / row["new"],
            row["old"] / row["new"]), flush=True)


if __name__ == "__main__":
    main()
