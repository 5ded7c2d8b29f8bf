//===- Importer.h - ONNX file -> onnx dialect -----------------------------===//

#ifndef BNNC_COMPILER_IMPORTER_H
#define BNNC_COMPILER_IMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace bnnc {

/// Lowest and highest default-domain opset bnnc accepts.
constexpr int64_t kMinOpset = 7;
constexpr int64_t kMaxOpset = 17;

/// Reads an ONNX model, checks it (onnx::checker), runs ONNX shape inference
/// and builds a module with one `func.func @main` of onnx dialect ops.
/// Initializers become onnx.Constant; every op is located at its ONNX node
/// name. On failure, errors are emitted through the context's diagnostic
/// engine (naming the file, node and op) and a null module is returned.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(mlir::MLIRContext &context,
                                                 llvm::StringRef path);

} // namespace bnnc

#endif // BNNC_COMPILER_IMPORTER_H
