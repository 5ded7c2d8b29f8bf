#!/usr/bin/env bash
# The Cortex-M benchmark: instructions per inference on Cortex-M4 and -M7
# (QEMU), flash and RAM, binary vs --no-binarize, the hot loop's
# instructions and llvm-mca estimate. Writes bench/results/cortex-m.md.
# Needs a built bnnc (scripts/setup.sh) and /usr/bin/python3 with
# python3-onnx and python3-numpy (for the benchmark-only models).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
/usr/bin/python3 "$ROOT/bench/cortexm/run_bench.py" --build "$BUILD" "$@"
