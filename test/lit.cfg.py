# lit configuration of the bnnc test suite.
import os

import lit.formats
from lit.llvm import llvm_config

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
llvm_config.add_tool_substitutions(["bnnc", "bnnc-opt", "bnnc-pb2raw"],
                                   tool_dirs)

# Compiling generated C: the contract is -std=c99 -Wall -Wextra -Werror with
# only the runtime include directory added.
cflags = "-std=c99 -O2 -Wall -Wextra -Werror -pedantic -I%s" % config.bnnc_runtime_dir
config.substitutions.append(("%cc", "%s %s" % (config.host_cc, cflags)))
config.substitutions.append(("%clang", "%s %s" % (config.host_clang, cflags)))
config.substitutions.append(("%models", os.path.join(config.test_source_root, "models")))
config.substitutions.append(("%harness", os.path.join(config.test_source_root, "e2e", "harness.c")))
config.substitutions.append(("%src_root", config.bnnc_src_root))
config.substitutions.append(("%bnnc_obj_root", config.bnnc_obj_root))
config.substitutions.append(("%onnx_testdata", "/usr/share/libonnx-testdata/data"))
