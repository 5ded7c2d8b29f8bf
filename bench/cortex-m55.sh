#!/usr/bin/env bash
# The Cortex-M55 Helium benchmark: exact QEMU instruction counts of the
# binary convolution, dense and packing kernels on Cortex-M4 (portable
# Cortex-M kernels) and Cortex-M55 (Helium kernels), on the same shapes and
# data, and whole inferences of the binary e2e models (M4 vs M55 C). Writes
# bench/results/cortex-m55.md. Needs a built bnnc (scripts/setup.sh),
# arm-none-eabi-gcc, qemu-system-arm and llvm-mca-19.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
/usr/bin/python3 "$ROOT/bench/cortexm/helium_bench.py" --build "$BUILD" "$@"
