//===- bnnc.cpp - The bnnc compiler driver --------------------------------===//
//
//   bnnc model.onnx -o out/net.c      writes out/net.c and out/net.h
//
// import (ONNX -> onnx dialect) -> pipeline (-> planned bnn dialect) -> C.
// Every failure is one diagnostic line naming the file (and the ONNX node
// and op where there is one), exit status 1, and no output file written:
// outputs are kept in memory and committed together at the end
// (docs/reliability.md, "Output-writing protocol").
//
//===----------------------------------------------------------------------===//

#include "compiler/Calibration.h"
#include "compiler/Importer.h"
#include "compiler/Pipeline.h"
#include "compiler/Report.h"
#include "compiler/SupportedOps.h"
#include "dialects/onnx/OnnxDialect.h"
#include "targets/Targets.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <tuple>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace llvm;

namespace {

// --help shows these groups only; LLVM's and MLIR's own options (which the
// linked libraries register globally) stay behind --help-hidden.
cl::OptionCategory outputCategory("Output");
cl::OptionCategory targetCategory("Target and inputs");
cl::OptionCategory passCategory("Passes");
cl::OptionCategory limitCategory("Limits");
cl::OptionCategory diagnosticCategory("Diagnostics");

/// Error lines printed so far: a non-zero exit without one is a bug that
/// main() turns into an "internal error" line (never a silent failure).
int errorsPrinted = 0;

int fail(const Twine &message) {
  ++errorsPrinted;
  WithColor::error(errs(), "bnnc") << message << "\n";
  return 1;
}

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                               cl::cat(outputCategory));
cl::opt<std::string>
    outputFile("o",
               cl::desc("Output file: <dir>/<name>.c (the .h is written beside "
                        "it); '-' or absent prints MLIR stages to stdout"),
               cl::value_desc("file"), cl::cat(outputCategory));
/// "Code generation target (generic, aarch64, ...)", from Targets.def.
const std::string &targetHelp() {
  static const std::string text =
      "Code generation target (" + join(bnnc::targetNames(), ", ") + ")";
  return text;
}
cl::opt<std::string> targetName("target", cl::desc(targetHelp()),
                                cl::init("generic"), cl::cat(targetCategory));
cl::opt<std::string>
    modelName("name",
              cl::desc("Symbol prefix of the generated API (default: the "
                       "output file's stem)"),
              cl::cat(outputCategory));
enum class Stage { OnnxMlir, BnnMlir, C };
cl::opt<Stage> emitStage(
    "emit", cl::desc("Stage to stop at and print"), cl::init(Stage::C),
    cl::values(
        clEnumValN(Stage::OnnxMlir, "onnx-mlir", "the imported onnx dialect"),
        clEnumValN(Stage::BnnMlir, "bnn-mlir", "the planned bnn dialect"),
        clEnumValN(Stage::C, "c", "C source and header (default)")),
    cl::cat(outputCategory));
cl::opt<bool> printRuntimeDir(
    "print-runtime-dir",
    cl::desc("Print the include directory of the runtime headers that "
             "generated C needs, then exit"),
    cl::cat(diagnosticCategory));

cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Static shape of a graph input with symbolic dimensions, "
             "NAME=1x3x32x32; binds only the symbolic ones (repeatable)"),
    cl::value_desc("name=dims"), cl::cat(targetCategory));
cl::list<std::string> constInputs(
    "const-input",
    cl::desc("Compile a graph input as a constant with the value of an ONNX "
             "TensorProto file, NAME=tensor.pb (repeatable)"),
    cl::value_desc("name=file"), cl::cat(targetCategory));
cl::opt<bool> checkSupport(
    "check-support",
    cl::desc("Exit 0 if every node's operator, opset and element types are "
             "supported, 3 if not (listed on stderr), 1 if the model is "
             "invalid; writes nothing"),
    cl::cat(diagnosticCategory));
cl::opt<bool> noBinarize(
    "no-binarize",
    cl::desc("Keep binarized layers on the float path (for comparison)"),
    cl::cat(passCategory));
cl::opt<bool> assumeNonzeroInputs(
    "assume-nonzero-inputs",
    cl::desc("Binarize Sign layers of graph inputs as if the inputs never "
             "hold an exact 0 (ONNX Sign(0) = 0 has no +-1 bit; every layer "
             "that relies on this warns)"),
    cl::cat(passCategory));
cl::opt<bool> gammaMigration(
    "ln-gamma-migration",
    cl::desc("Move LayerNorm gamma/beta into the consuming linear layers "
             "(Outlier Suppression's Gamma Migration; docs/transformers.md)"),
    cl::cat(passCategory));
cl::opt<std::string> tokenPrune(
    "token-prune",
    cl::desc("Keep the CLS token and the top-k tokens by CLS attention after "
             "the given ViT blocks: BLOCK:KEEP[,BLOCK:KEEP...], KEEP a count "
             "or a ratio such as 0.5 (docs/transformers.md)"),
    cl::value_desc("block:keep,..."), cl::cat(passCategory));
cl::opt<bool> tokenPruneFuse(
    "token-prune-fuse",
    cl::desc("With --token-prune: fuse the pruned tokens into one package "
             "token (EViT)"),
    cl::cat(passCategory));
cl::opt<bool> noDeadTokenElim(
    "no-dead-token-elim",
    cl::desc("Compute every token even where the outputs read only some "
             "(e.g. a ViT head reading the CLS token): for comparison, the "
             "outputs are the same (docs/transformers.md)"),
    cl::cat(passCategory));
cl::opt<std::string> quantize(
    "quantize",
    cl::desc("Post-training quantization of the real-valued Conv/Gemm layers "
             "(binary layers stay binary): 'int8' for all of them, "
             "'int8:first,last' (or int8:first, int8:last) for the first "
             "and last only, as LCE deployments do; needs --calibration "
             "(docs/int8.md)"),
    cl::value_desc("int8[:first,last]"), cl::cat(passCategory));
cl::opt<std::string> calibrationFile(
    "calibration",
    cl::desc("Calibration samples for --quantize: an .npz (np.savez) with "
             "one array per graph input, N samples on axis 0, and optional "
             "'labels'; bnnc builds the float model for this machine ($CC, "
             "else cc) and runs it on them"),
    cl::value_desc("file.npz"), cl::cat(passCategory));
cl::opt<std::string> calibrationMethod(
    "calibration-method", cl::init("minmax"),
    cl::desc("How --quantize chooses each activation range: 'minmax' over "
             "the samples, 'percentile:P' (e.g. percentile:99.99) to clip "
             "outliers, or 'blockwise': per block (top-level module), the "
             "clipping that minimizes the block's output error"),
    cl::value_desc("method"), cl::cat(passCategory));
cl::opt<std::string> weightsMode(
    "weights", cl::init("c"),
    cl::desc("Where large constants go: 'c' (in the .c file) or 'bin' (a "
             "<name>.weights.bin file beside it, defined by the .incbin "
             "assembly stub <name>_weights.S; docs/c-contract.md)"),
    cl::value_desc("c|bin"), cl::cat(outputCategory));
cl::opt<std::string> reportFile(
    "report", cl::ValueOptional,
    cl::desc("Per-layer report (kind, MACs, weight bytes, arena offsets) and "
             "totals: a table on stderr, JSON with --report=FILE.json, or "
             "a self-contained page with --report=FILE.html (written only "
             "if the compilation succeeds)"),
    cl::value_desc("file.json|file.html"), cl::cat(diagnosticCategory));
cl::opt<bool> listSupportedOps(
    "list-supported-ops",
    cl::desc("Print '<Op> <min opset> <max opset> <dtypes>' per supported "
             "operator, then exit"),
    cl::cat(diagnosticCategory));

/// A --max-* limit: a count or size with optional K, M, G suffixes, in the
/// limits category of --help.
struct LimitOption : cl::opt<std::string> {
  LimitOption(const char *name, const char *valueDesc, const char *desc)
      : cl::opt<std::string>(StringRef(name), cl::desc(desc),
                             cl::value_desc(valueDesc),
                             cl::cat(limitCategory)) {}
};

LimitOption
    maxArena("max-arena", "bytes",
             "Fail if the model needs a larger arena than BYTES (suffixes "
             "K, M, G: powers of 1024; default 2G-1)");
LimitOption
    maxFlash("max-flash", "bytes",
             "Fail if the generated C holds more than BYTES of constant data "
             "(weights and tables; suffixes K, M, G; default 2G-1)");
LimitOption
    maxModelBytes("max-model-bytes", "bytes",
                  "Refuse a model whose file and external data together exceed "
                  "BYTES, and a larger --const-input file, before reading them "
                  "(suffixes K, M, G; default 1G)");
LimitOption
    maxNodes("max-nodes", "n",
             "Refuse a model with more than N nodes, counting subgraphs and "
             "functions, before parsing it (suffixes K, M, G; default "
             "100000)");
LimitOption
    maxCBytes("max-c-bytes", "bytes",
              "Fail if the generated .c and .h together would exceed BYTES, "
              "before spelling out the constant that does not fit (suffixes "
              "K, M, G; default 1G)");
LimitOption maxSubgraphDepth(
    "max-subgraph-depth", "n",
    "Refuse a model whose subgraphs (If, Loop, Scan bodies) nest "
    "deeper than N, before parsing it (default 16)");

int anchor;

/// The largest object bnnc generates by default: no MCU has more memory,
/// and C compilers for 32-bit targets reject larger objects (PTRDIFF_MAX).
constexpr int64_t kDefaultMaxBytes = INT32_MAX;

/// BYTES with an optional K, M or G suffix (binary multiples).
bool parseBytes(StringRef text, int64_t &bytes) {
  int64_t scale = 1;
  if (text.consume_back("K") || text.consume_back("k"))
    scale = 1 << 10;
  else if (text.consume_back("M"))
    scale = 1 << 20;
  else if (text.consume_back("G"))
    scale = 1 << 30;
  int64_t n;
  if (text.getAsInteger(10, n) || n < 0 || n > INT64_MAX / scale)
    return false;
  bytes = n * scale;
  return true;
}

/// NAME=VALUE of a repeatable option; the name may itself contain '='
/// only if the value does not.
bool splitAssignment(StringRef text, std::string &name, std::string &value) {
  auto [n, v] = text.rsplit('=');
  if (n.empty() || v.empty() || !text.contains('='))
    return false;
  name = n.str();
  value = v.str();
  return true;
}

/// Fills ImportOptions from --input-shape and --const-input.
bool parseImportOptions(bnnc::ImportOptions &options) {
  for (const std::string &arg : inputShapes) {
    std::string name, dims;
    if (!splitAssignment(arg, name, dims)) {
      fail("--input-shape expects NAME=DIMS (e.g. image=1x3x32x32), got '" +
           arg + "'");
      return false;
    }
    SmallVector<StringRef> parts;
    StringRef(dims).split(parts, 'x');
    std::vector<int64_t> shape;
    for (StringRef p : parts) {
      int64_t d;
      if (p.getAsInteger(10, d) || d < 0) {
        fail("--input-shape: '" + dims + "' is not a list like 1x3x32x32");
        return false;
      }
      shape.push_back(d);
    }
    options.inputShapes[name] = shape;
  }
  for (const std::string &arg : constInputs) {
    std::string name, file;
    if (!splitAssignment(arg, name, file)) {
      fail("--const-input expects NAME=FILE.pb, got '" + arg + "'");
      return false;
    }
    options.constInputs[name] = file;
  }
  return true;
}

/// The runtime headers sit at <bin>/../runtime in the build tree and at
/// <prefix>/share/bnnc/runtime once installed.
std::string findRuntimeDir(const char *argv0) {
  std::string exe = sys::fs::getMainExecutable(argv0, &anchor);
  SmallString<256> binDir = sys::path::parent_path(exe);
  for (StringRef relative : {"../runtime", "../" BNNC_INSTALL_RUNTIME_DIR}) {
    SmallString<256> dir = binDir;
    sys::path::append(dir, relative);
    SmallString<256> header = dir;
    sys::path::append(header, "bnnc", "runtime.h");
    if (sys::fs::exists(header)) {
      SmallString<256> real;
      if (!sys::fs::real_path(dir, real))
        return std::string(real);
      return std::string(dir);
    }
  }
  return "";
}

/// One line per diagnostic: "bnnc: error: <file>: node '<n>' (<Op>): <msg>".
mlir::LogicalResult printDiagnostic(mlir::Diagnostic &diag) {
  std::string file, node;
  diag.getLocation()->walk([&](mlir::Location loc) {
    if (auto fileLoc = dyn_cast<mlir::FileLineColLoc>(loc);
        fileLoc && file.empty())
      file = fileLoc.getFilename().str();
    if (auto nameLoc = dyn_cast<mlir::NameLoc>(loc); nameLoc && node.empty())
      node = nameLoc.getName().str();
    return mlir::WalkResult::advance();
  });
  // Names in a model file are arbitrary bytes; a diagnostic stays one line.
  std::string message = bnnc::printableText(diag.str());
  file = bnnc::printableText(file);
  node = bnnc::printableText(node);
  raw_ostream &os = errs();
  switch (diag.getSeverity()) {
  case mlir::DiagnosticSeverity::Error:
    ++errorsPrinted;
    WithColor::error(os, "bnnc");
    break;
  case mlir::DiagnosticSeverity::Warning:
    WithColor::warning(os, "bnnc");
    break;
  default:
    WithColor::note(os, "bnnc");
    break;
  }
  if (!file.empty())
    os << file << ": ";
  // Verifier messages read "'onnx.Conv' op <what>": shown as the importer's
  // "node 'n' (Conv): <what>".
  StringRef text = message;
  std::string opType;
  if (text.starts_with("'onnx.") && text.contains("' op ")) {
    auto [head, rest] = text.drop_front(6).split("' op ");
    opType = head.str();
    text = rest;
  }
  if (!node.empty() && !text.starts_with("node '"))
    os << "node '" << node << "'" << (opType.empty() ? "" : " (" + opType + ")")
       << ": ";
  else if (!opType.empty())
    os << opType << ": ";
  os << text << "\n";
  for (mlir::Diagnostic &note : diag.getNotes())
    (void)printDiagnostic(note);
  return mlir::success();
}

std::string errnoMessage() {
  return std::error_code(errno, std::generic_category()).message();
}

/// Writes all of `text` to `fd`; false with errno set on failure.
bool writeAll(int fd, StringRef text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = EIO;
      return false;
    }
    text = text.drop_front(static_cast<size_t>(n));
  }
  return true;
}

/// The absolute path with "." and ".." removed (lexically).
std::string normalizedPath(StringRef path) {
  SmallString<256> p(path);
  (void)sys::fs::make_absolute(p);
  sys::path::remove_dots(p, /*remove_dot_dot=*/true);
  return std::string(p);
}

/// Everything a run writes: kept in memory while compiling and committed
/// only once every output is complete, all of it or (as far as a file
/// system allows) none of it. The protocol is docs/reliability.md's
/// "Output-writing protocol":
///  - no output is ever an input (the model, --const-input files): compared
///    by normalized path and by device and inode, following symbolic links;
///  - each file goes to a new temporary in its destination directory
///    (random name, O_CREAT|O_EXCL|O_NOFOLLOW, mode 0666 minus the umask),
///    so a symbolic link planted at any name is never written through;
///  - the temporaries are renamed into place under an exclusive flock of
///    each destination directory (concurrent runs writing the same -o
///    commit one after the other), the .c last; rename() replaces a
///    symbolic link at the destination instead of following it;
///  - an existing character device or FIFO (/dev/null) is written in place
///    instead, before any rename;
///  - on any failure, temporaries and the directories created for the
///    outputs are removed.
class OutputSet {
public:
  void addFile(std::string path, std::string text) {
    files.push_back({std::move(path), std::move(text)});
  }
  void addStdout(std::string text) { stdoutText += text; }
  void addStderr(std::string text) { stderrText += text; }

  /// Fails if an output is also an input or given twice, or cannot be a
  /// file (a directory); called before compiling and again when committing.
  int check(ArrayRef<std::string> inputs) const {
    StringSet<> seen;
    for (const File &file : files) {
      std::string normal = normalizedPath(file.path);
      if (!seen.insert(normal).second)
        return fail("'" + file.path + "' is named as two outputs");
      struct stat out;
      bool exists = ::stat(file.path.c_str(), &out) == 0;
      for (const std::string &input : inputs) {
        struct stat in;
        if (normal == normalizedPath(input) ||
            (exists && ::stat(input.c_str(), &in) == 0 &&
             in.st_dev == out.st_dev && in.st_ino == out.st_ino))
          return fail("output '" + file.path + "' is the input '" + input +
                      "'; bnnc never overwrites its input");
      }
      if (exists && S_ISDIR(out.st_mode))
        return fail("cannot write '" + file.path + "': it is a directory");
    }
    return 0;
  }

  int commit(ArrayRef<std::string> inputs) {
    if (int status = check(inputs))
      return status;
    // Classify the destinations before anything is created.
    for (File &file : files) {
      struct stat st;
      if (::lstat(file.path.c_str(), &st) != 0) {
        if (errno != ENOENT)
          return fail("cannot write '" + file.path + "': " + errnoMessage());
        continue; // created by rename
      }
      if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
        file.inPlace = true;
        continue;
      }
      if (S_ISLNK(st.st_mode)) {
        struct stat target;
        if (::stat(file.path.c_str(), &target) != 0 || S_ISREG(target.st_mode))
          continue; // the link itself is replaced
        return fail("cannot write '" + file.path +
                    "': it is a symbolic link to something other than a "
                    "regular file (bnnc replaces symbolic links instead of "
                    "writing through them)");
      }
      if (!S_ISREG(st.st_mode))
        return fail("cannot write '" + file.path +
                    "': it is not a regular file, character device or FIFO");
    }
    int status = writeTemporaries();
    if (status == 0)
      status = publish();
    if (status != 0)
      cleanup();
    return status;
  }

private:
  struct File {
    std::string path, text;
    bool inPlace = false;
    std::string temp; // while it exists
  };
  SmallVector<File> files;
  std::string stdoutText, stderrText;
  SmallVector<std::string> createdDirs;

  static std::string directoryOf(StringRef path) {
    StringRef dir = sys::path::parent_path(path);
    return dir.empty() ? std::string(".") : dir.str();
  }

  /// Creates the missing output directories (remembering them for cleanup)
  /// and writes every file that is renamed into place to its temporary.
  int writeTemporaries() {
    for (File &file : files) {
      if (file.inPlace)
        continue;
      std::string dir = directoryOf(file.path);
      SmallVector<std::string> missing;
      for (StringRef d = dir; !d.empty() && !sys::fs::exists(d);
           d = sys::path::parent_path(d))
        missing.push_back(d.str());
      for (const std::string &d : llvm::reverse(missing)) {
        if (std::error_code ec = sys::fs::create_directory(
                d, /*IgnoreExisting=*/true, sys::fs::perms::all_all))
          return fail("cannot create the output directory '" + d +
                      "': " + ec.message());
        createdDirs.push_back(d);
      }
      int fd = -1;
      for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
        SmallString<256> model(dir);
        sys::path::append(model, "." + sys::path::filename(file.path) +
                                     ".%%%%%%%%%%%%.tmp");
        SmallString<256> temp;
        sys::fs::createUniquePath(model, temp, /*MakeAbsolute=*/false);
        do
          fd = ::open(temp.c_str(),
                      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      0666);
        while (fd < 0 && errno == EINTR);
        if (fd >= 0)
          file.temp = std::string(temp);
        else if (errno != EEXIST)
          break;
      }
      if (fd < 0)
        return fail("cannot write '" + file.path + "': " + errnoMessage());
      if (int status = writeAndClose(fd, file))
        return status;
    }
    return 0;
  }

  /// Writes the file's text to `fd` and closes it: 0, or the failure
  /// (a close error counts: NFS reports a full disk there).
  int writeAndClose(int fd, const File &file) {
    bool written = writeAll(fd, file.text);
    int writeErrno = errno;
    if (::close(fd) != 0 && written) {
      written = false;
      writeErrno = errno;
    }
    if (written)
      return 0;
    errno = writeErrno;
    return fail("cannot write '" + file.path + "': " + errnoMessage());
  }

  /// Standard output and error, then devices written in place, then the
  /// renames under the directory locks, the .c last.
  int publish() {
    if (!stdoutText.empty()) {
      outs() << stdoutText;
      outs().flush();
      if (outs().has_error()) {
        std::error_code ec = outs().error();
        outs().clear_error();
        return fail("cannot write to standard output: " + ec.message());
      }
    }
    errs() << stderrText;
    for (File &file : files) {
      if (!file.inPlace)
        continue;
      int fd;
      do
        fd = ::open(file.path.c_str(),
                    O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
      while (fd < 0 && errno == EINTR);
      if (fd < 0)
        return fail("cannot write '" + file.path + "': " + errnoMessage());
      if (int status = writeAndClose(fd, file))
        return status;
    }
    // Lock each destination directory, in a fixed order.
    SmallVector<std::string> dirs;
    for (const File &file : files)
      if (!file.inPlace)
        dirs.push_back(normalizedPath(directoryOf(file.path)));
    llvm::sort(dirs);
    dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
    SmallVector<int> locks;
    auto unlock = llvm::make_scope_exit([&] {
      for (int fd : locks)
        ::close(fd); // releases the flock
    });
    for (const std::string &dir : dirs) {
      int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0)
        continue; // an unreadable directory: renames stay atomic one by one
      locks.push_back(fd);
      while (::flock(fd, LOCK_EX) != 0 && errno == EINTR)
        ;
    }
    // The .c last: whoever sees a new .c finds its .h already in place.
    // (Two passes rather than std::stable_partition, whose libstdc++ 12
    // implementation uses the deprecated std::get_temporary_buffer.)
    SmallVector<File *> order;
    for (bool cLast : {false, true})
      for (File &file : files)
        if (!file.inPlace && (sys::path::extension(file.path) == ".c") == cLast)
          order.push_back(&file);
    for (File *file : order) {
      if (::rename(file->temp.c_str(), file->path.c_str()) != 0)
        return fail("cannot write '" + file->path + "': " + errnoMessage());
      file->temp.clear();
    }
    createdDirs.clear();
    return 0;
  }

  void cleanup() {
    for (File &file : files)
      if (!file.temp.empty()) {
        ::unlink(file.temp.c_str());
        file.temp.clear();
      }
    for (const std::string &dir : llvm::reverse(createdDirs))
      ::rmdir(dir.c_str());
    createdDirs.clear();
  }
};

std::string printModuleText(mlir::ModuleOp module) {
  std::string text;
  raw_string_ostream os(text);
  module.print(os);
  os << "\n";
  return text;
}

/// The name of the pass that failed, for the internal-error line.
struct FailedPassRecorder final : mlir::PassInstrumentation {
  std::string *name;
  explicit FailedPassRecorder(std::string *name) : name(name) {}
  void runAfterPassFailed(mlir::Pass *pass, mlir::Operation *) override {
    *name = pass->getArgument().str();
  }
};
std::string failedPass;

int compile(int argc, char **argv);

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  int status = compile(argc, argv);
  // Every path to a non-zero exit must have said why. If one did not (a
  // pass that signalled failure without a diagnostic), say so here rather
  // than exit silently.
  if (status != 0 && errorsPrinted == 0)
    fail((inputFile.empty() ? std::string("bnnc") : inputFile.getValue()) +
         ": internal error: " +
         (failedPass.empty() ? std::string("compilation failed")
                             : "pass '" + failedPass + "' failed") +
         " without a diagnostic; please report this model");
  return status;
}

namespace {

/// Moves every option outside bnnc's categories (LLVM's code generation
/// flags, MLIR's IR printing and timing) behind --help-hidden, where they
/// stay usable. (cl::HideUnrelatedOptions would make them ReallyHidden,
/// invisible even there.)
void hideForeignOptions() {
  const cl::OptionCategory *ours[] = {&outputCategory, &targetCategory,
                                      &passCategory, &limitCategory,
                                      &diagnosticCategory};
  for (auto &entry : cl::getRegisteredOptions()) {
    cl::Option *option = entry.second;
    bool mine = llvm::any_of(option->Categories, [&](cl::OptionCategory *c) {
      return is_contained(ours, c);
    });
    bool help = is_contained({"help", "help-list", "version"}, entry.first());
    if (!mine && !help && option->getOptionHiddenFlag() == cl::NotHidden)
      option->setHiddenFlag(cl::Hidden);
  }
}

void parseCommandLine(int argc, char **argv) {
  // Passes first: --mlir-print-ir-after=<pass> parses against the registry.
  bnnc::registerAllBnncPasses();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerAsmPrinterCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  cl::SetVersionPrinter([](raw_ostream &os) {
    os << "bnnc " << BNNC_VERSION << " (built with LLVM/MLIR "
       << LLVM_VERSION_STRING << ")\n"
       << "ONNX opsets " << bnnc::kMinOpset << " to " << bnnc::kMaxOpset
       << " (default domain)\ntargets:\n";
    size_t width = 0;
    for (const bnnc::TargetInfo &t : bnnc::targets())
      width = std::max(width, t.name.size());
    for (const bnnc::TargetInfo &t : bnnc::targets())
      os << "  " << left_justify(t.name, width) << " " << t.description << "\n";
  });
  hideForeignOptions();
  cl::ParseCommandLineOptions(
      argc, argv,
      "bnnc: compile an ONNX model of a binarized or real-valued network to "
      "standalone C\n\n  bnnc model.onnx -o out/net.c\n");
}

/// --print-runtime-dir and --list-supported-ops: an exit status, or nullopt
/// when neither was given.
std::optional<int> runInformationalMode(const char *argv0) {
  if (printRuntimeDir) {
    std::string dir = findRuntimeDir(argv0);
    if (dir.empty())
      return fail("runtime headers not found next to the bnnc executable");
    outs() << dir << "\n";
    return 0;
  }
  if (listSupportedOps) {
    bnnc::printSupportedOps(outs());
    return 0;
  }
  return std::nullopt;
}

/// The limits on what bnnc reads (--max-model-bytes, --max-nodes,
/// --max-subgraph-depth) into the import options.
bool parseReadLimits(bnnc::ImportOptions &importOptions) {
  for (auto [flag, option, limit, given] :
       {std::tuple<StringRef, cl::opt<std::string> *, int64_t *, bool *>{
            "--max-model-bytes", &maxModelBytes, &importOptions.maxModelBytes,
            &importOptions.maxModelBytesGiven},
        {"--max-nodes", &maxNodes, &importOptions.maxNodes,
         &importOptions.maxNodesGiven},
        {"--max-subgraph-depth", &maxSubgraphDepth,
         &importOptions.maxSubgraphDepth,
         &importOptions.maxSubgraphDepthGiven}}) {
    if (!option->getNumOccurrences())
      continue;
    if (!parseBytes(*option, *limit)) {
      fail(flag + "='" + *option + "' is not a count (e.g. 65536 or 64K)");
      return false;
    }
    *given = true;
  }
  return true;
}

int runCheckSupport(const bnnc::ImportOptions &importOptions) {
  switch (bnnc::checkOnnxSupport(inputFile, importOptions, errs())) {
  case bnnc::Support::Invalid:
    ++errorsPrinted; // the report's "bnnc: error:" line
    return 1;
  case bnnc::Support::Unsupported:
    fail(inputFile + ": not supported (the reasons are listed above)");
    return 3;
  case bnnc::Support::Supported:
    break;
  }
  return 0;
}

/// The limits on what bnnc generates.
struct GenerationLimits {
  int64_t arena = kDefaultMaxBytes, flash = kDefaultMaxBytes;
  int64_t cBytes = bnnc::EmitOptions::kDefaultMaxCBytes;
};

bool parseGenerationLimits(GenerationLimits &limits) {
  for (auto [flag, text, limit] :
       {std::tuple<StringRef, StringRef, int64_t *>{"--max-arena", maxArena,
                                                    &limits.arena},
        {"--max-flash", maxFlash, &limits.flash},
        {"--max-c-bytes", maxCBytes, &limits.cBytes}})
    if (!text.empty() && !parseBytes(text, *limit)) {
      fail(flag + "='" + text + "' is not a byte count (e.g. 65536 or 64K)");
      return false;
    }
  return true;
}

/// The target and the -o file the requested stage needs.
bool checkTargetAndOutput() {
  if (!is_contained(bnnc::targetNames(), targetName)) {
    fail("unknown target '" + targetName +
         "' (supported: " + join(bnnc::targetNames(), ", ") + ")");
    return false;
  }
  if (weightsMode != "c" && weightsMode != "bin") {
    fail("--weights must be 'c' or 'bin', got '" + weightsMode + "'");
    return false;
  }
  if (emitStage != Stage::C) {
    if (weightsMode == "bin")
      fail("--weights=bin applies to C output only");
    return weightsMode != "bin";
  }
  if (outputFile.empty() || outputFile == "-") {
    fail("C output needs -o <dir>/<name>.c");
    return false;
  }
  if (sys::path::extension(outputFile) != ".c") {
    fail("output file '" + outputFile + "' must end in .c");
    return false;
  }
  return true;
}

/// --name, or the output file's stem made an identifier; nullopt (after an
/// error line) when it cannot prefix the generated names.
std::optional<std::string> symbolPrefix() {
  std::string name = modelName.empty()
                         ? bnnc::sanitizeIdentifier(sys::path::stem(outputFile))
                         : modelName.getValue();
  if (name != bnnc::sanitizeIdentifier(name)) {
    fail("--name '" + name + "' is not a C identifier");
    return std::nullopt;
  }
  std::string reserved = bnnc::reservedPrefixReason(name);
  if (!reserved.empty()) {
    fail((modelName.empty()
              ? "the symbol prefix '" + name + "' (the output file's stem)"
              : "--name '" + name + "'") +
         " cannot be used: " + reserved + "; choose another with --name");
    return std::nullopt;
  }
  return name;
}

/// <dir>/<stem><suffix> beside the output .c file.
std::string siblingPath(StringRef suffix) {
  SmallString<256> path(outputFile.getValue());
  sys::path::replace_extension(path, "");
  path += suffix;
  return std::string(path);
}

/// --weights=bin's binary and assembly stub.
std::string weightsBinPath() { return siblingPath(".weights.bin"); }
std::string weightsStubPath() { return siblingPath("_weights.S"); }

std::string headerPath() {
  SmallString<256> hPath(outputFile.getValue());
  sys::path::replace_extension(hPath, ".h");
  return std::string(hPath);
}

bool writesToStdout() { return outputFile.empty() || outputFile == "-"; }

/// Every output is known before any work: none may be an input, or named
/// twice.
int checkPlannedOutputs(ArrayRef<std::string> inputs) {
  OutputSet planned;
  if (emitStage == Stage::C) {
    planned.addFile(headerPath(), "");
    planned.addFile(outputFile, "");
    if (weightsMode == "bin") {
      planned.addFile(weightsBinPath(), "");
      planned.addFile(weightsStubPath(), "");
    }
  } else if (!writesToStdout()) {
    planned.addFile(outputFile, "");
  }
  if (!reportFile.empty())
    planned.addFile(reportFile, "");
  return planned.check(inputs);
}

bnnc::PipelineOptions pipelineOptionsFromFlags() {
  bnnc::PipelineOptions pipelineOptions;
  pipelineOptions.binarize = !noBinarize;
  pipelineOptions.assumeNonzeroInputs = assumeNonzeroInputs;
  pipelineOptions.gammaMigration = gammaMigration;
  pipelineOptions.tokenPrune = tokenPrune;
  pipelineOptions.tokenPruneFuse = tokenPruneFuse;
  pipelineOptions.deadTokenElim = !noDeadTokenElim;
  return pipelineOptions;
}

/// The options of the pipeline whose result is emitted for --target: the
/// Cortex-M targets plan no int32 tensor for the convolutions whose
/// requantization their kernel writes itself. (Models run on the host,
/// for calibration, keep them: the portable kernels need them.)
bnnc::PipelineOptions emissionPipelineOptions() {
  bnnc::PipelineOptions options = pipelineOptionsFromFlags();
  options.fuseCortexMRequantize = StringRef(targetName).starts_with("cortex-m");
  return options;
}

mlir::LogicalResult runPipeline(mlir::MLIRContext &context,
                                mlir::ModuleOp module,
                                const bnnc::PipelineOptions &options) {
  mlir::PassManager pm(&context);
  if (mlir::failed(mlir::applyPassManagerCLOptions(pm)))
    return mlir::failure();
  pm.addInstrumentation(std::make_unique<FailedPassRecorder>(&failedPass));
  bnnc::buildOnnxToBnnPipeline(pm, options);
  return pm.run(module);
}

/// --quantize's layer selection ("all", "first", "last", "first,last"),
/// or "" after an error; --calibration-method's percentile (100: min/max).
struct QuantizeRequest {
  std::string layers;
  bnnc::RangeMethod method;
};

std::optional<QuantizeRequest> parseQuantizeFlags() {
  if (quantize.empty() && !calibrationFile.getNumOccurrences())
    return QuantizeRequest{};
  if (quantize.empty()) {
    fail("--calibration is only used with --quantize=int8");
    return std::nullopt;
  }
  StringRef value = quantize;
  QuantizeRequest request;
  request.layers = "all";
  if (!value.consume_front("int8") ||
      (!value.empty() && !value.consume_front(":"))) {
    fail("--quantize=" + quantize + ": expected int8 or int8:first,last");
    return std::nullopt;
  }
  if (!value.empty()) {
    SmallVector<StringRef> parts;
    value.split(parts, ',');
    for (StringRef part : parts)
      if (part != "first" && part != "last" && part != "all") {
        fail("--quantize=" + quantize + ": '" + part +
             "' is not a layer selection (first, last or all)");
        return std::nullopt;
      }
    request.layers = value.str();
    if (llvm::is_contained(parts, "all"))
      request.layers = "all";
  }
  if (calibrationFile.empty()) {
    fail("--quantize=" + quantize +
         " needs --calibration=FILE.npz: the activation ranges come from "
         "running the model on samples");
    return std::nullopt;
  }
  StringRef method = calibrationMethod;
  if (method == "blockwise") {
    request.method.blockwise = true;
  } else if (method.consume_front("percentile:")) {
    double p;
    if (method.getAsDouble(p) || !(p > 50.0 && p <= 100.0)) {
      fail("--calibration-method=" + calibrationMethod +
           ": the percentile must be a number in (50, 100]");
      return std::nullopt;
    }
    request.method.percentile = p;
  } else if (method != "minmax") {
    fail("--calibration-method=" + calibrationMethod +
         ": expected minmax or percentile:P");
    return std::nullopt;
  }
  return request;
}

/// The probed tensors of a module from bnn-calibration-probe (or
/// bnn-quantize-int8 with `expose`): the index of the first such output
/// and, per real layer, its module and tensor indices.
struct ProbedTensors {
  unsigned firstOutput = 0, count = 0;
  std::vector<std::string> what;
  struct Layer {
    std::string module;
    unsigned input = 0, output = 0;
  };
  std::vector<Layer> layers;
};

ProbedTensors probedTensors(mlir::ModuleOp module) {
  mlir::func::FuncOp f = *module.getOps<mlir::func::FuncOp>().begin();
  ProbedTensors p;
  p.firstOutput = f.getNumResults();
  for (unsigned i = 0; i < f.getNumResults(); ++i) {
    auto name = f.getResultAttrOfType<mlir::StringAttr>(i, "onnx.name");
    if (!name || !name.getValue().starts_with("bnnc_calibration_"))
      continue;
    p.firstOutput = std::min(p.firstOutput, i);
    auto what = f.getResultAttrOfType<mlir::StringAttr>(i, "bnn.calibrates");
    p.what.push_back(what ? what.str() : name.str());
  }
  p.count = p.what.size();
  if (auto layers = f->getAttrOfType<mlir::ArrayAttr>("bnn.calibration_layers"))
    for (mlir::Attribute a : layers) {
      auto d = cast<mlir::DictionaryAttr>(a);
      p.layers.push_back(
          {d.getAs<mlir::StringAttr>("module").str(),
           unsigned(d.getAs<mlir::IntegerAttr>("input").getInt()),
           unsigned(d.getAs<mlir::IntegerAttr>("output").getInt())});
    }
  return p;
}

/// Each probed tensor's range over the calibration runs.
std::optional<std::vector<bnnc::TensorRange>>
calibratedRanges(const ProbedTensors &probed, ArrayRef<std::string> outputs,
                 const bnnc::RangeMethod &method) {
  std::vector<bnnc::TensorRange> ranges;
  for (unsigned k = 0; k < probed.count; ++k) {
    auto range =
        bnnc::rangeOf(outputs[probed.firstOutput + k], method, probed.what[k]);
    if (!range) {
      fail(inputFile + ": --quantize: " + toString(range.takeError()));
      return std::nullopt;
    }
    ranges.push_back(*range);
  }
  return ranges;
}

/// "lo:hi,..." as bnn-quantize-int8 reads them, each range scaled by its
/// tensor's clipping ratio.
std::string rangesText(ArrayRef<bnnc::TensorRange> ranges,
                       ArrayRef<double> ratio) {
  std::string text;
  for (size_t k = 0; k < ranges.size(); ++k) {
    if (k)
      text += ",";
    float lo = static_cast<float>(ranges[k].lo * ratio[k]);
    float hi = static_cast<float>(ranges[k].hi * ratio[k]);
    text += formatv("{0:e9}:{1:e9}", lo, hi).str();
  }
  return text;
}

/// The mean squared difference of two float32 buffers of equal size.
double meanSquaredError(StringRef a, StringRef b) {
  size_t n = std::min(a.size(), b.size()) / sizeof(float);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    float x, y;
    std::memcpy(&x, a.data() + i * sizeof(float), sizeof x);
    std::memcpy(&y, b.data() + i * sizeof(float), sizeof y);
    sum += double(x - y) * double(x - y);
  }
  return n ? sum / double(n) : 0.0;
}

/// --calibration-method=blockwise: per block (the layers of one top-level
/// module, e.g. "blocks.0", in program order), the clipping ratio of its
/// activation ranges that minimizes the mean squared error of the block's
/// output (its last layer's output) against the float model, with the
/// blocks before it quantized as already chosen and the ones after it
/// float (APQ-ViT's block-wise reconstruction objective, searched over a
/// grid instead of optimized). Returns the ratio of each tensor, and the
/// choices for the report.
std::optional<std::vector<double>> searchBlockRatios(
    mlir::MLIRContext &context, mlir::ModuleOp module,
    const ProbedTensors &probed, ArrayRef<bnnc::TensorRange> ranges,
    ArrayRef<std::string> floatOutputs, const bnnc::SampleSet &samples,
    const bnnc::HostRun &host, std::string &choices) {
  std::vector<std::string> blocks;
  std::vector<unsigned> blockOfLayer;
  for (const ProbedTensors::Layer &l : probed.layers) {
    auto it = llvm::find(blocks, l.module);
    blockOfLayer.push_back(it - blocks.begin());
    if (it == blocks.end())
      blocks.push_back(l.module);
  }
  // A tensor belongs to the block of the layer that computes it, else to
  // the first layer that reads it.
  std::vector<int> blockOfTensor(probed.count, -1);
  for (size_t i = 0; i < probed.layers.size(); ++i)
    blockOfTensor[probed.layers[i].output] = blockOfLayer[i];
  for (size_t i = 0; i < probed.layers.size(); ++i)
    if (blockOfTensor[probed.layers[i].input] < 0)
      blockOfTensor[probed.layers[i].input] = blockOfLayer[i];
  std::vector<double> blockRatio(blocks.size(), 1.0);
  auto tensorRatios = [&] {
    std::vector<double> r(probed.count, 1.0);
    for (unsigned k = 0; k < probed.count; ++k)
      if (blockOfTensor[k] >= 0)
        r[k] = blockRatio[blockOfTensor[k]];
    return r;
  };
  const double grid[] = {1.0, 0.95, 0.9, 0.8, 0.7};
  for (unsigned b = 0; b < blocks.size(); ++b) {
    std::string selection;
    unsigned blockOutput = 0;
    for (size_t i = 0; i < probed.layers.size(); ++i)
      if (blockOfLayer[i] <= b) {
        selection += (selection.empty() ? "" : ",") + std::to_string(i);
        if (blockOfLayer[i] == b)
          blockOutput = probed.layers[i].output;
      }
    double bestError = std::numeric_limits<double>::infinity(), best = 1.0;
    for (double r : grid) {
      blockRatio[b] = r;
      mlir::OwningOpRef<mlir::ModuleOp> trial = module.clone();
      bnnc::PipelineOptions options = pipelineOptionsFromFlags();
      options.calibrationProbe = true;
      options.quantizeLayers = selection;
      options.quantizeRanges = rangesText(ranges, tensorRatios());
      if (mlir::failed(runPipeline(context, *trial, options)))
        return std::nullopt;
      auto outputs = bnnc::runOnHost(*trial, samples, host);
      if (!outputs) {
        fail(inputFile + ": --quantize: block-wise calibration: " +
             toString(outputs.takeError()));
        return std::nullopt;
      }
      unsigned at = probedTensors(*trial).firstOutput + blockOutput;
      double error = meanSquaredError(
          (*outputs)[at], floatOutputs[probed.firstOutput + blockOutput]);
      if (error < bestError)
        bestError = error, best = r;
    }
    blockRatio[b] = best;
    choices += formatv("{0}{1} x{2:f1} (output MSE {3:e2})",
                       choices.empty() ? "" : ", ", blocks[b], best, bestError)
                   .str();
  }
  return tensorRatios();
}

/// --quantize=int8: runs the pipeline with the tensors to calibrate as
/// outputs, runs that model on the samples, quantizes with the measured
/// ranges, and checks the quantized model on the same samples
/// (docs/int8.md, "Post-training quantization").
mlir::LogicalResult runQuantizingPipeline(mlir::MLIRContext &context,
                                          mlir::ModuleOp module,
                                          const QuantizeRequest &request,
                                          const char *argv0,
                                          bnnc::QuantizationCheck &check) {
  auto arrays = bnnc::readNpz(calibrationFile);
  if (!arrays) {
    fail("--calibration: " + toString(arrays.takeError()));
    return mlir::failure();
  }
  bnnc::PipelineOptions options = pipelineOptionsFromFlags();
  mlir::OwningOpRef<mlir::ModuleOp> probe = module.clone();
  options.calibrationProbe = true;
  if (mlir::failed(runPipeline(context, *probe, options)))
    return mlir::failure();
  auto samples = bnnc::layOutSamples(*probe, *arrays, calibrationFile);
  if (!samples) {
    fail("--calibration: " + toString(samples.takeError()));
    return mlir::failure();
  }
  const char *cc = std::getenv("CC");
  bnnc::HostRun host{findRuntimeDir(argv0), cc ? cc : ""};
  auto floatOutputs = bnnc::runOnHost(*probe, *samples, host);
  if (!floatOutputs) {
    fail(inputFile + ": --quantize: " + toString(floatOutputs.takeError()));
    return mlir::failure();
  }
  ProbedTensors probed = probedTensors(*probe);
  std::optional<std::vector<bnnc::TensorRange>> ranges =
      calibratedRanges(probed, *floatOutputs, request.method);
  if (!ranges)
    return mlir::failure();
  std::vector<double> ratios(ranges->size(), 1.0);
  if (request.method.blockwise) {
    std::optional<std::vector<double>> searched =
        searchBlockRatios(context, module, probed, *ranges, *floatOutputs,
                          *samples, host, check.blockChoices);
    if (!searched)
      return mlir::failure();
    ratios = *searched;
  }
  options.calibrationProbe = false;
  options.quantizeLayers = request.layers;
  options.quantizeRanges = rangesText(*ranges, ratios);
  // The quantized model as the host runs it (the portable kernels), then
  // the same pipeline for --target.
  mlir::OwningOpRef<mlir::ModuleOp> checked = module.clone();
  if (mlir::failed(runPipeline(context, *checked, options)))
    return mlir::failure();
  options.fuseCortexMRequantize =
      emissionPipelineOptions().fuseCortexMRequantize;
  if (mlir::failed(runPipeline(context, module, options)))
    return mlir::failure();
  auto quantizedOutputs = bnnc::runOnHost(*checked, *samples, host);
  if (!quantizedOutputs) {
    fail(inputFile + ": --quantize: checking the int8 model: " +
         toString(quantizedOutputs.takeError()));
    return mlir::failure();
  }
  check.calibrationFile = sys::path::filename(calibrationFile).str();
  check.method = calibrationMethod;
  auto change = bnnc::compareOutputs(*checked, *samples, (*floatOutputs)[0],
                                     (*quantizedOutputs)[0]);
  if (!change) {
    // Nothing to compare on (a non-float first output): the model is
    // still quantized; the report says the check was not made.
    consumeError(change.takeError());
    return mlir::success();
  }
  check.samples = change->samples;
  check.agreeing = change->agreeing;
  check.maxAbsDiff = change->maxAbsDiff;
  check.hasLabels = change->hasLabels;
  check.floatCorrect = change->floatCorrect;
  check.quantizedCorrect = change->quantizedCorrect;
  return mlir::success();
}

/// What --quantize measured on the calibration samples, for the report.
bnnc::QuantizationCheck quantization;

/// The report is an output like the others: written at the end, and only
/// if the compilation succeeds. Its flash numbers are those of `emitted`.
void addReport(mlir::ModuleOp module, const bnnc::EmissionRecord &emitted,
               OutputSet &outputs) {
  if (!reportFile.getNumOccurrences())
    return;
  bnnc::ReportInputs in;
  uint64_t onnxBytes = 0;
  (void)sys::fs::file_size(inputFile, onnxBytes);
  in.onnxFileBytes = static_cast<int64_t>(onnxBytes);
  in.emitted = &emitted;
  in.binarize = !noBinarize;
  in.quantization = quantization.samples ? &quantization : nullptr;
  in.modelName = inputFile;
  in.target = targetName;
  std::string text;
  raw_string_ostream os(text);
  bnnc::writeReport(module, in, os,
                    reportFile.empty() ? bnnc::ReportFormat::Text
                                       : bnnc::reportFormatOf(reportFile));
  os.flush();
  if (reportFile.empty())
    outputs.addStderr(std::move(text));
  else
    outputs.addFile(reportFile, std::move(text));
}

/// Fails (with a diagnostic) if `need` bytes exceed a --max-arena or
/// --max-flash limit.
bool checkLimit(StringRef flag, StringRef limitText, int64_t limit,
                int64_t need, StringRef what, const Twine &detail = "") {
  if (need <= limit)
    return true;
  bool given = !limitText.empty();
  fail(inputFile + ": the model needs " + what + " " + Twine(need) +
       " bytes, more than " +
       (given ? flag + "=" + Twine(limit)
              : Twine("the default limit of ") + Twine(limit) + " bytes (" +
                    flag + " sets another)") +
       detail);
  return false;
}

/// --max-arena, before any C is generated.
bool checkArenaLimit(mlir::ModuleOp module, const GenerationLimits &limits) {
  bnnc::ResourceUse use = bnnc::measureResources(module);
  std::string largest =
      use.largestValue
          ? "; largest tensor: " + bnnc::describeNode(use.largestValue) +
                " output of " + std::to_string(use.largestBytes) + " bytes"
          : "";
  return checkLimit("--max-arena", maxArena, limits.arena, use.arenaBytes,
                    "an arena of", largest);
}

/// Generates the C in memory; `emitted` receives its constant arrays.
bool generateC(mlir::ModuleOp module, StringRef name,
               const GenerationLimits &limits, std::string &header,
               std::string &source, bnnc::EmissionRecord &emitted) {
  bnnc::EmitOptions options;
  options.name = name.str();
  options.target = targetName;
  options.modelFile = sys::path::filename(inputFile).str();
  options.headerFile = sys::path::filename(headerPath()).str();
  options.maxCBytes = static_cast<uint64_t>(limits.cBytes);
  if (weightsMode == "bin")
    options.weightsFile = sys::path::filename(weightsBinPath()).str();
  return mlir::succeeded(
      bnnc::emitModelC(module, options, header, source, &emitted));
}

/// Emits the C and checks --max-flash against the constant data it holds.
bool emitC(mlir::ModuleOp module, StringRef name,
           const GenerationLimits &limits, OutputSet &outputs,
           bnnc::EmissionRecord &emitted) {
  std::string header, source;
  if (!generateC(module, name, limits, header, source, emitted) ||
      !checkLimit("--max-flash", maxFlash, limits.flash, emitted.totalBytes(),
                  "constant data of"))
    return false;
  if (weightsMode == "bin") {
    outputs.addFile(weightsBinPath(), std::move(emitted.weightsBlob));
    outputs.addFile(weightsStubPath(), std::move(emitted.weightsStub));
  }
  outputs.addFile(headerPath(), std::move(header));
  outputs.addFile(outputFile, std::move(source));
  return true;
}

int compile(int argc, char **argv) {
  parseCommandLine(argc, argv);
  if (std::optional<int> status = runInformationalMode(argv[0]))
    return *status;
  if (inputFile.empty())
    return fail("no input file (usage: bnnc model.onnx -o out/net.c)");
  bnnc::ImportOptions importOptions;
  if (!parseImportOptions(importOptions) || !parseReadLimits(importOptions))
    return 1;
  if (checkSupport)
    return runCheckSupport(importOptions);
  GenerationLimits limits;
  if (!checkTargetAndOutput() || !parseGenerationLimits(limits))
    return 1;
  std::optional<QuantizeRequest> quantizeRequest = parseQuantizeFlags();
  if (!quantizeRequest)
    return 1;
  std::optional<std::string> name = symbolPrefix();
  if (!name)
    return 1;
  SmallVector<std::string> inputs = {inputFile};
  for (const auto &entry : importOptions.constInputs)
    inputs.push_back(entry.second);
  if (!calibrationFile.empty())
    inputs.push_back(calibrationFile);
  if (int status = checkPlannedOutputs(inputs))
    return status;

  OutputSet outputs;
  auto addStage = [&](mlir::ModuleOp module) {
    if (writesToStdout())
      outputs.addStdout(printModuleText(module));
    else
      outputs.addFile(outputFile, printModuleText(module));
    return outputs.commit(inputs);
  };
  mlir::DialectRegistry registry;
  bnnc::registerBnncDialects(registry);
  mlir::MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  mlir::ScopedDiagnosticHandler handler(&context, printDiagnostic);

  mlir::OwningOpRef<mlir::ModuleOp> module =
      bnnc::importOnnxFile(context, inputFile, importOptions);
  if (!module)
    return 1;
  if (emitStage == Stage::OnnxMlir)
    return addStage(*module);
  if (!quantizeRequest->layers.empty()
          ? mlir::failed(runQuantizingPipeline(
                context, *module, *quantizeRequest, argv[0], quantization))
          : mlir::failed(
                runPipeline(context, *module, emissionPipelineOptions())))
    return 1;
  bnnc::EmissionRecord emitted;
  if (emitStage == Stage::BnnMlir) {
    // The report's flash numbers are those of the C this module gives.
    std::string header, source;
    if (reportFile.getNumOccurrences() &&
        !generateC(*module, *name, limits, header, source, emitted))
      return 1;
    addReport(*module, emitted, outputs);
    return addStage(*module);
  }
  if (!checkArenaLimit(*module, limits) ||
      !emitC(*module, *name, limits, outputs, emitted))
    return 1;
  addReport(*module, emitted, outputs);
  return outputs.commit(inputs);
}

} // namespace
