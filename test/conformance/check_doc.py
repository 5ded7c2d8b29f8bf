#!/usr/bin/env python3
"""check_doc.py GENERATED COMMITTED: fails (with a diff and the command that
regenerates it) when the committed docs/supported-ops.md differs from the one
the conformance suite just generated. Run by the ctest test
`supported-ops-doc`."""
import difflib
import sys

generated, committed = sys.argv[1], sys.argv[2]
try:
    with open(generated) as f:
        new = f.readlines()
except OSError as e:
    sys.exit("supported-ops-doc: the conformance suite wrote no %s (%s); "
             "run the ctest test `conformance` first" % (generated, e))
try:
    with open(committed) as f:
        old = f.readlines()
except OSError:
    old = []
if new == old:
    print("%s is up to date" % committed)
    sys.exit(0)
sys.stdout.writelines(difflib.unified_diff(old, new, committed, generated))
print("\nerror: %s is out of date with the conformance results.\n"
      "Regenerate it with:  scripts/update-supported-ops.sh\n"
      "(or: cp %s %s)" % (committed, generated, committed))
sys.exit(1)
