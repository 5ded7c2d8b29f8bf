#!/usr/bin/env python3
"""replay.py BNNC WORKDIR [--flags=F] FILE...: runs `bnnc FILE -o
WORKDIR/out/net.c [F]` on each file (fuzzer findings, malformed models,
difftest regressions) and checks what every input, valid or not, must get:
exit status 0 or 1 (never a signal or another status; 3 with
--check-support, which writes nothing), stderr made only of `bnnc: ...`
lines, exactly one `bnnc: error:` line on failure (so never a silent
non-zero exit), and no output file after a failure. F is a space-separated
list of extra flags. Prints one line per file and a summary; exits 1 if any
file breaks a rule or none was given."""
import os
import shutil
import subprocess
import sys

bnnc, work, files = sys.argv[1], sys.argv[2], sys.argv[3:]
flags = []
if files and files[0].startswith("--flags="):
    flags = files.pop(0)[len("--flags="):].split()
allowed = (0, 1, 3) if "--check-support" in flags else (0, 1)
bad = 0
for f in files:
    out = os.path.join(work, "out")
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run([bnnc, f, "-o", os.path.join(out, "net.c")] + flags,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, errors="replace", timeout=120)
    lines = r.stderr.splitlines()
    errors = [l for l in lines if l.startswith("bnnc: error: ")]
    problem = None
    if r.returncode not in allowed:
        problem = "exit status %d" % r.returncode
    elif any(not l.startswith("bnnc: ") for l in lines):
        problem = "stderr has a line not from bnnc"
    elif r.returncode != 0 and len(errors) != 1:
        problem = "%d error lines" % len(errors)
    elif r.returncode != 0 and os.path.exists(out):
        problem = "output left behind"
    elif r.returncode == 0 and errors:
        problem = "errors but exit status 0"
    name = os.path.basename(f)
    if problem:
        bad += 1
        print("FAIL %s: %s\n%s" % (name, problem, r.stderr[-2000:]))
    else:
        print("ok   %s: %s" % (name, errors[0] if errors else "compiled"))
print("replay: %d of %d inputs handled cleanly" % (len(files) - bad, len(files)))
sys.exit(1 if bad or not files else 0)
