#!/usr/bin/env bash
# Builds bnnc and runs every test (lit + FileCheck suites, end-to-end models),
# installing missing Debian packages first. Exits non-zero on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# A build directory configured here treats compiler warnings in bnnc's own
# sources as errors (docs/reliability.md), so a warning fails CI.
export BNNC_CMAKE_ARGS="${BNNC_CMAKE_ARGS:--DBNNC_WERROR=ON}"
source "$ROOT/scripts/setup.sh"

echo "==> running the tests"
cd "$BUILD"
ctest --output-on-failure
