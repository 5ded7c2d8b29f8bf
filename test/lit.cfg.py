# lit configuration of the bnnc test suite.
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "bnnc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.bnnc_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "models",
                   "e2e/harness.c", "dialects/README", "expect_exit.py", "edit_raw.py"]

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [os.path.join(config.bnnc_obj_root, "bin"), config.llvm_tools_dir]
# `--param bnnc_target=aarch64` reruns a suite (e2e) for the aarch64 target:
# bnnc emits NEON C, %cc/%clang cross-compile it statically and %run executes
# the result under qemu-aarch64. Results go to their own exec root.
bnnc_target = lit_config.params.get("bnnc_target", "generic")
cross = {
    "generic": None,
    "aarch64": {
        "cc": "aarch64-linux-gnu-gcc -static",
        "clang": "%s --target=aarch64-linux-gnu -static" % config.host_clang,
        "run": "qemu-aarch64",
    },
    # The SDOT int8 kernels: the C requires the dot product extension, and
    # QEMU's "max" CPU has it.
    "aarch64-dotprod": {
        "cc": "aarch64-linux-gnu-gcc -march=armv8.2-a+dotprod -static",
        "clang": "%s --target=aarch64-linux-gnu -march=armv8.2-a+dotprod -static"
                 % config.host_clang,
        "run": "qemu-aarch64 -cpu max",
    },
}
if bnnc_target not in cross:
    lit_config.fatal("unknown bnnc_target '%s'" % bnnc_target)
config.available_features.add("target-" + bnnc_target)
if bnnc_target.startswith("aarch64"):
    config.available_features.add("target-aarch64-any")
if cross[bnnc_target]:
    config.test_exec_root = os.path.join(config.bnnc_obj_root,
                                         "test-" + bnnc_target)
    llvm_config.add_tool_substitutions(
        [ToolSubst("bnnc", extra_args=["--target=" + bnnc_target])], tool_dirs)
    llvm_config.add_tool_substitutions(["bnnc-opt", "bnnc-pb2raw", "bnnc-eval"],
                                       tool_dirs)
else:
    llvm_config.add_tool_substitutions(["bnnc", "bnnc-opt", "bnnc-pb2raw",
                                        "bnnc-eval"], tool_dirs)

# Compiling generated C: the contract is -std=c99 -Wall -Wextra -Werror with
# only the runtime include directory added.
cflags = "-std=c99 -O2 -Wall -Wextra -Werror -pedantic -I%s" % config.bnnc_runtime_dir
target_tools = cross[bnnc_target] or {
    "cc": config.host_cc, "clang": config.host_clang, "run": ""}
config.substitutions.append(("%cc", "%s %s" % (target_tools["cc"], cflags)))
config.substitutions.append(("%clang", "%s %s" % (target_tools["clang"], cflags)))
config.substitutions.append(("%run", target_tools["run"]))
# The bare host compilers, for tests that choose their own flags.
config.substitutions.append(("%host_cc", config.host_cc))
config.substitutions.append(("%host_clang", config.host_clang))
config.substitutions.append(("%bnnc_runtime", config.bnnc_runtime_dir))
config.substitutions.append(("%models", os.path.join(config.test_source_root, "models")))
config.substitutions.append(("%harness", os.path.join(config.test_source_root, "e2e", "harness.c")))
config.substitutions.append(("%src_root", config.bnnc_src_root))
config.substitutions.append(("%bnnc_obj_root", config.bnnc_obj_root))
config.substitutions.append(("%onnx_testdata", "/usr/share/libonnx-testdata/data"))
