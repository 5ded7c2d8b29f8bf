//===- bnnc.cpp - The bnnc compiler driver --------------------------------===//
//
//   bnnc model.onnx -o out/net.c      writes out/net.c and out/net.h
//
// import (ONNX -> onnx dialect) -> pipeline (-> planned bnn dialect) -> C.
// Every failure is one diagnostic line naming the file (and the ONNX node
// and op where there is one), exit status 1, and no output file written.
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer.h"
#include "compiler/Pipeline.h"
#include "compiler/Report.h"
#include "compiler/SupportedOps.h"
#include "dialects/onnx/OnnxDialect.h"
#include "targets/Targets.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

#include <tuple>

using namespace llvm;

namespace {

cl::OptionCategory bnncCategory("bnnc options");

/// Error lines printed so far: a non-zero exit without one is a bug that
/// main() turns into an "internal error" line (never a silent failure).
int errorsPrinted = 0;

int fail(const Twine &message) {
  ++errorsPrinted;
  WithColor::error(errs(), "bnnc") << message << "\n";
  return 1;
}

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                               cl::cat(bnncCategory));
cl::opt<std::string> outputFile(
    "o", cl::desc("Output file: <dir>/<name>.c (the .h is written beside "
                  "it); '-' or absent prints MLIR stages to stdout"),
    cl::value_desc("file"), cl::cat(bnncCategory));
cl::opt<std::string> targetName(
    "target",
    cl::desc("Code generation target (generic, aarch64, cortex-m0plus, "
             "cortex-m4, cortex-m7, cortex-m33, cortex-m55)"),
    cl::init("generic"), cl::cat(bnncCategory));
cl::opt<std::string> modelName(
    "name", cl::desc("Symbol prefix of the generated API (default: the "
                     "output file's stem)"),
    cl::cat(bnncCategory));
enum class Stage { OnnxMlir, BnnMlir, C };
cl::opt<Stage> emitStage(
    "emit", cl::desc("Stage to stop at and print"), cl::init(Stage::C),
    cl::values(clEnumValN(Stage::OnnxMlir, "onnx-mlir",
                          "the imported onnx dialect"),
               clEnumValN(Stage::BnnMlir, "bnn-mlir",
                          "the planned bnn dialect"),
               clEnumValN(Stage::C, "c", "C source and header (default)")),
    cl::cat(bnncCategory));
cl::opt<bool> printRuntimeDir(
    "print-runtime-dir",
    cl::desc("Print the include directory of the runtime headers that "
             "generated C needs, then exit"),
    cl::cat(bnncCategory));

cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Static shape of a graph input with symbolic dimensions, "
             "NAME=1x3x32x32 (repeatable)"),
    cl::value_desc("name=dims"), cl::cat(bnncCategory));
cl::list<std::string> constInputs(
    "const-input",
    cl::desc("Compile a graph input as a constant with the value of an ONNX "
             "TensorProto file, NAME=tensor.pb (repeatable)"),
    cl::value_desc("name=file"), cl::cat(bnncCategory));
cl::opt<bool> checkSupport(
    "check-support",
    cl::desc("Exit 0 if every node's operator, opset and element types are "
             "supported, 3 if not (listed on stderr), 1 if the model is "
             "invalid; writes nothing"),
    cl::cat(bnncCategory));
cl::opt<bool> noBinarize(
    "no-binarize",
    cl::desc("Keep binarized layers on the float path (for comparison)"),
    cl::cat(bnncCategory));
cl::opt<bool> assumeNonzeroInputs(
    "assume-nonzero-inputs",
    cl::desc("Binarize Sign layers of graph inputs as if the inputs never "
             "hold an exact 0 (ONNX Sign(0) = 0 has no +-1 bit; every layer "
             "that relies on this warns)"),
    cl::cat(bnncCategory));
cl::opt<bool> gammaMigration(
    "ln-gamma-migration",
    cl::desc("Move LayerNorm gamma/beta into the consuming linear layers "
             "(Outlier Suppression's Gamma Migration; docs/transformers.md)"),
    cl::cat(bnncCategory));
cl::opt<std::string> tokenPrune(
    "token-prune",
    cl::desc("Keep the CLS token and the top-k tokens by CLS attention after "
             "the given ViT blocks: BLOCK:KEEP[,BLOCK:KEEP...], KEEP a count "
             "or a ratio such as 0.5 (docs/transformers.md)"),
    cl::value_desc("block:keep,..."), cl::cat(bnncCategory));
cl::opt<bool> tokenPruneFuse(
    "token-prune-fuse",
    cl::desc("With --token-prune: fuse the pruned tokens into one package "
             "token (EViT)"),
    cl::cat(bnncCategory));
cl::opt<std::string> reportFile(
    "report", cl::ValueOptional,
    cl::desc("Per-layer report (kind, MACs, weight bytes, arena offsets) and "
             "totals: a table on stderr, or JSON with --report=FILE.json"),
    cl::value_desc("file.json"), cl::cat(bnncCategory));
cl::opt<bool> listSupportedOps(
    "list-supported-ops",
    cl::desc("Print '<Op> <min opset> <max opset> <dtypes>' per supported "
             "operator, then exit"),
    cl::cat(bnncCategory));

cl::opt<std::string> maxArena(
    "max-arena",
    cl::desc("Fail if the model needs a larger arena than BYTES (suffixes "
             "K, M, G: powers of 1024; default 2G-1)"),
    cl::value_desc("bytes"), cl::cat(bnncCategory));
cl::opt<std::string> maxFlash(
    "max-flash",
    cl::desc("Fail if the generated C holds more than BYTES of constant data "
             "(weights and tables; suffixes K, M, G; default 2G-1)"),
    cl::value_desc("bytes"), cl::cat(bnncCategory));

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
    if (auto fileLoc = dyn_cast<mlir::FileLineColLoc>(loc); fileLoc && file.empty())
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

/// Writes both files or neither: each goes to a temporary first and is only
/// renamed into place once both are complete.
int writeOutputs(StringRef cPath, StringRef hPath, StringRef source,
                 StringRef header) {
  SmallVector<std::pair<StringRef, StringRef>> files = {{hPath, header},
                                                        {cPath, source}};
  SmallVector<std::string> temps;
  auto cleanup = [&] {
    for (const std::string &t : temps)
      sys::fs::remove(t);
  };
  for (auto [path, text] : files) {
    std::string temp = (path + ".tmp").str();
    std::error_code ec;
    raw_fd_ostream os(temp, ec, sys::fs::OF_None);
    if (ec) {
      cleanup();
      return fail("cannot write '" + path + "': " + ec.message());
    }
    temps.push_back(temp);
    os << text;
    os.close();
    if (os.has_error()) {
      cleanup();
      return fail("cannot write '" + path + "': " + os.error().message());
    }
  }
  for (auto [i, file] : llvm::enumerate(files))
    if (std::error_code ec = sys::fs::rename(temps[i], file.first)) {
      cleanup();
      return fail("cannot write '" + file.first + "': " + ec.message());
    }
  return 0;
}

int printModule(mlir::ModuleOp module) {
  std::string error;
  auto out = mlir::openOutputFile(
      outputFile.empty() ? std::string("-") : outputFile.getValue(), &error);
  if (!out)
    return fail(error);
  module.print(out->os());
  out->os() << "\n";
  out->keep();
  return 0;
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

int compile(int argc, char **argv) {
  // Passes first: --mlir-print-ir-after=<pass> parses against the registry.
  bnnc::registerAllBnncPasses();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerAsmPrinterCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  cl::SetVersionPrinter([](raw_ostream &os) {
    os << "bnnc " << BNNC_VERSION << " (built with LLVM/MLIR "
       << LLVM_VERSION_STRING << ")\n";
  });
  cl::ParseCommandLineOptions(
      argc, argv,
      "bnnc: compile an ONNX model of a binarized or real-valued network to "
      "standalone C\n\n  bnnc model.onnx -o out/net.c\n");

  if (printRuntimeDir) {
    std::string dir = findRuntimeDir(argv[0]);
    if (dir.empty())
      return fail("runtime headers not found next to the bnnc executable");
    outs() << dir << "\n";
    return 0;
  }
  if (listSupportedOps) {
    bnnc::printSupportedOps(outs());
    return 0;
  }
  if (inputFile.empty())
    return fail("no input file (usage: bnnc model.onnx -o out/net.c)");
  bnnc::ImportOptions importOptions;
  if (!parseImportOptions(importOptions))
    return 1;
  if (checkSupport) {
    switch (bnnc::checkOnnxSupport(inputFile, importOptions, errs())) {
    case bnnc::Support::Invalid:
      ++errorsPrinted; // the report's "bnnc: error:" line
      return 1;
    case bnnc::Support::Unsupported:
      fail(inputFile + ": not supported (the reasons are listed above)");
      return 3;
    case bnnc::Support::Supported:
      return 0;
    }
  }
  if (!is_contained(bnnc::targetNames(), targetName))
    return fail("unknown target '" + targetName + "' (supported: " +
                join(bnnc::targetNames(), ", ") + ")");
  if (emitStage == Stage::C) {
    if (outputFile.empty() || outputFile == "-")
      return fail("C output needs -o <dir>/<name>.c");
    if (sys::path::extension(outputFile) != ".c")
      return fail("output file '" + outputFile + "' must end in .c");
  }
  int64_t arenaLimit = kDefaultMaxBytes, flashLimit = kDefaultMaxBytes;
  for (auto [flag, text, limit] :
       {std::tuple<StringRef, StringRef, int64_t *>{"--max-arena", maxArena,
                                                    &arenaLimit},
        {"--max-flash", maxFlash, &flashLimit}})
    if (!text.empty() && !parseBytes(text, *limit))
      return fail(flag + "='" + text +
                  "' is not a byte count (e.g. 65536 or 64K)");
  std::string name = modelName.empty()
                         ? bnnc::sanitizeIdentifier(sys::path::stem(outputFile))
                         : modelName.getValue();
  if (name != bnnc::sanitizeIdentifier(name))
    return fail("--name '" + name + "' is not a C identifier");

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
    return printModule(*module);

  mlir::PassManager pm(&context);
  if (mlir::failed(mlir::applyPassManagerCLOptions(pm)))
    return 1;
  pm.addInstrumentation(std::make_unique<FailedPassRecorder>(&failedPass));
  bnnc::PipelineOptions pipelineOptions;
  pipelineOptions.binarize = !noBinarize;
  pipelineOptions.assumeNonzeroInputs = assumeNonzeroInputs;
  pipelineOptions.gammaMigration = gammaMigration;
  pipelineOptions.tokenPrune = tokenPrune;
  pipelineOptions.tokenPruneFuse = tokenPruneFuse;
  bnnc::buildOnnxToBnnPipeline(pm, pipelineOptions);
  if (mlir::failed(pm.run(*module)))
    return 1;
  if (reportFile.getNumOccurrences()) {
    uint64_t onnxBytes = 0;
    (void)sys::fs::file_size(inputFile, onnxBytes);
    if (reportFile.empty()) {
      bnnc::writeReport(*module, onnxBytes, errs(), /*json=*/false);
    } else {
      std::error_code ec;
      raw_fd_ostream os(reportFile, ec);
      if (ec)
        return fail("cannot write '" + reportFile + "': " + ec.message());
      bnnc::writeReport(*module, onnxBytes, os, /*json=*/true);
    }
  }
  if (emitStage == Stage::BnnMlir)
    return printModule(*module);

  // Resource limits, before any C is generated.
  bnnc::ResourceUse use = bnnc::measureResources(*module);
  for (auto [flag, limitText, limit, need, what] :
       {std::tuple<StringRef, StringRef, int64_t, int64_t, StringRef>{
            "--max-arena", maxArena, arenaLimit, use.arenaBytes,
            "an arena of"},
        {"--max-flash", maxFlash, flashLimit, use.constantBytes,
         "constant data of"}}) {
    bool given = !limitText.empty();
    if (need <= limit)
      continue;
    std::string message = (inputFile + ": the model needs " + what + " " +
                           Twine(need) + " bytes, more than " +
                           (given ? flag + "=" + Twine(limit)
                                  : Twine("the default limit of ") +
                                        Twine(limit) + " bytes (" + flag +
                                        " sets another)"))
                              .str();
    if (flag == "--max-arena" && use.largestValue)
      message += "; largest tensor: " + bnnc::describeNode(use.largestValue) +
                 " output of " + std::to_string(use.largestBytes) + " bytes";
    return fail(message);
  }

  bnnc::EmitOptions options;
  options.name = name;
  options.target = targetName;
  options.modelFile = sys::path::filename(inputFile).str();
  SmallString<256> hPath(outputFile.getValue());
  sys::path::replace_extension(hPath, ".h");
  options.headerFile = sys::path::filename(hPath).str();
  std::string header, source;
  if (mlir::failed(bnnc::emitModelC(*module, options, header, source)))
    return 1;

  if (std::error_code ec = sys::fs::create_directories(
          sys::path::parent_path(outputFile.getValue()).empty()
              ? "."
              : sys::path::parent_path(outputFile.getValue())))
    return fail("cannot create the output directory: " + ec.message());
  return writeOutputs(outputFile, hPath, source, header);
}

} // namespace
