//===- Importer.h - ONNX file -> onnx dialect -----------------------------===//

#ifndef BNNC_COMPILER_IMPORTER_H
#define BNNC_COMPILER_IMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <string>
#include <vector>

namespace bnnc {

/// Lowest and highest default-domain opset bnnc accepts.
constexpr int64_t kMinOpset = 7;
constexpr int64_t kMaxOpset = 17;

/// Default limits on what bnnc reads, checked before the work they bound
/// (docs/reliability.md, "Resource limits"): the model file's size before it
/// is read, and the node count and subgraph nesting depth on the protobuf
/// wire format before it is parsed.
constexpr int64_t kDefaultMaxModelBytes = int64_t(1) << 30;
constexpr int64_t kDefaultMaxNodes = 100000;
constexpr int64_t kDefaultMaxSubgraphDepth = 16;

struct ImportOptions {
  /// Static shapes for graph inputs with symbolic dimensions
  /// (--input-shape NAME=1x3x32x32).
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Graph inputs bound to a compile-time value read from an ONNX
  /// TensorProto file (--const-input NAME=tensor.pb).
  std::map<std::string, std::string> constInputs;
  /// Largest model file, largest --const-input file and largest total of
  /// external data read (--max-model-bytes).
  int64_t maxModelBytes = kDefaultMaxModelBytes;
  /// Most nodes, counting every subgraph and function body (--max-nodes).
  int64_t maxNodes = kDefaultMaxNodes;
  /// Deepest nesting of subgraphs; the main graph is depth 0
  /// (--max-subgraph-depth).
  int64_t maxSubgraphDepth = kDefaultMaxSubgraphDepth;
  /// Whether each limit was given on the command line (for the messages).
  bool maxModelBytesGiven = false, maxNodesGiven = false,
       maxSubgraphDepthGiven = false;
};

/// Reads a whole regular file of at most `maxBytes` bytes into `contents`.
/// Directories, FIFOs, devices and sockets are refused before any read (a
/// FIFO is opened without blocking). On failure, `why` is the reason, to
/// follow "<path>: ". `limitText` describes the limit in the message.
bool readRegularFile(llvm::StringRef path, int64_t maxBytes,
                     llvm::StringRef limitText, std::string &contents,
                     std::string &why);

/// Reads an ONNX model, checks it (onnx::checker), runs ONNX shape inference
/// and builds a module with one `func.func @main` of onnx dialect ops.
/// Initializers become onnx.Constant; every op is located at its ONNX node
/// name. On failure, errors are emitted through the context's diagnostic
/// engine (naming the file, node and op) and a null module is returned.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxFile(mlir::MLIRContext &context, llvm::StringRef path,
               const ImportOptions &options = {});

/// importOnnxFile on a model already in memory (`name` stands for the file
/// in diagnostics); used by the fuzz targets.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxBuffer(mlir::MLIRContext &context, llvm::StringRef contents,
                 llvm::StringRef name, const ImportOptions &options = {});

/// `text` with control and non-ASCII bytes escaped as \xNN: names from a
/// model file are arbitrary bytes, and bnnc prints one line per error.
std::string printableText(llvm::StringRef text);

enum class Support { Supported, Unsupported, Invalid };

/// Checks every node of a model against bnnc's supported-ops table
/// (operator, opset, element types of everything it reads and writes),
/// writing one line per problem to `report`. Invalid: the model itself could
/// not be read, checked or shape-inferred (the reason is in `report`).
Support checkOnnxSupport(llvm::StringRef path, const ImportOptions &options,
                         llvm::raw_ostream &report);

} // namespace bnnc

#endif // BNNC_COMPILER_IMPORTER_H
