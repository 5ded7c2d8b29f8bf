#!/usr/bin/env bash
# Builds bnnc and runs every test (lit + FileCheck suites, end-to-end models),
# installing missing Debian packages first. Exits non-zero on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"

echo "==> running the tests"
cd "$BUILD"
ctest --output-on-failure
