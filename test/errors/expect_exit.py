#!/usr/bin/env python3
"""expect_exit.py CODE CMD...: run CMD, pass its stdout/stderr through, and
exit 0 iff CMD exited with exactly CODE (lit's `not` only inverts)."""
import subprocess
import sys

code = int(sys.argv[1])
result = subprocess.run(sys.argv[2:])
if result.returncode != code:
    sys.stderr.write("expected exit status %d, got %d\n" % (code, result.returncode))
    sys.exit(1)
