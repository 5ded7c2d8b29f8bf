#!/usr/bin/env bash
# Differential tests of bnnc on generated binarized models (docs/difftest.md).
#
#   test/difftest/run.sh N [SEED]   generate N models with gen.py (needs torch:
#                                   Debian's /usr/bin/python3) from SEED (default
#                                   1) and run them, then every regression model
#   test/difftest/run.sh --int8 N [SEED]
#                                   generate N quantized models with qgen.py
#                                   (numpy, onnx, and onnxruntime-node in
#                                   test/difftest/ort or on NODE_PATH) and
#                                   run them exactly (--tol 0), then the
#                                   committed int8 corpus
#   test/difftest/run.sh DIR...     run committed model directories or corpora
#                                   (e.g. test/difftest/corpus), then every
#                                   regression model
#
# Each model is compiled for generic, aarch64 and cortex-m4 and with
# --no-binarize, run (host, qemu-aarch64, qemu-system-arm) and compared with
# PyTorch (run.py). Environment: BNNC (compiler binary, default
# build/bin/bnnc), BNNC_DIFFTEST_WORK (work directory, default
# build/difftest), JOBS (default 2), PYTHON (runner's python3).
# Prints one line per failure, the counts and "N passed, M failed"; exits
# non-zero on any failure.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BNNC="${BNNC:-$ROOT/build/bin/bnnc}"
WORK="${BNNC_DIFFTEST_WORK:-$ROOT/build/difftest}"
PY="${PYTHON:-python3}"
[ $# -ge 1 ] || { sed -n '2,26p' "$0"; exit 2; }
if [ "$1" = --int8 ]; then
  N="${2:?run.sh --int8 N [SEED]}"
  SEED="${3:-1}"
  export NODE_PATH="${NODE_PATH:-$HERE/ort/node_modules}"
  exec "$PY" "$HERE/run.py" --bnnc "$BNNC" --work "$WORK/q$SEED" --jobs "${JOBS:-2}" \
    --int8 --tol 0 --gen "$N" --seed "$SEED" --json "$WORK/q$SEED.json" "$HERE/qcorpus"
fi
if [[ "$1" =~ ^[0-9]+$ ]]; then
  N="$1"
  SEED="${2:-1}"
  ORT=()
  # The second oracle, when onnxruntime-node is installed (docs/difftest.md).
  [ -d "$HERE/ort/node_modules/onnxruntime-node" ] && command -v node >/dev/null && ORT=(--ort)
  exec "$PY" "$HERE/run.py" --bnnc "$BNNC" --work "$WORK/s$SEED" --jobs "${JOBS:-2}" \
    --gen "$N" --seed "$SEED" --json "$WORK/s$SEED.json" "${ORT[@]}" "$HERE/regressions"
fi
exec "$PY" "$HERE/run.py" --bnnc "$BNNC" --work "$WORK/dirs" --jobs "${JOBS:-2}" \
  "$@" "$HERE/regressions"
