#!/usr/bin/env bash
# The Cortex-M55 Helium benchmark: exact QEMU instruction counts of the
# binary convolution, dense and packing kernels on Cortex-M4 (portable
# Cortex-M kernels) and Cortex-M55 (Helium kernels), on the same shapes and
# data. Writes bench/results/cortex-m55.md. Needs arm-none-eabi-gcc,
# qemu-system-arm and llvm-mca-19 (scripts/setup.sh), not a built bnnc.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
/usr/bin/python3 "$ROOT/bench/cortexm/helium_bench.py" "$@"
