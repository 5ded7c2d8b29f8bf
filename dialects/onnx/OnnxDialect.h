//===- OnnxDialect.h - The import-level ONNX dialect ----------------------===//

#ifndef BNNC_DIALECTS_ONNX_ONNXDIALECT_H
#define BNNC_DIALECTS_ONNX_ONNXDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/onnx/OnnxDialect.h.inc"
#include "dialects/onnx/OnnxInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/onnx/OnnxOps.h.inc"

namespace bnnc {

/// "node 'conv1' (Conv)": how diagnostics name the ONNX node an op came from.
std::string describeNode(mlir::Operation *op);

/// True if `v` is an omitted optional input (produced by onnx.NoValue).
bool isNoValue(mlir::Value v);

} // namespace bnnc

#endif // BNNC_DIALECTS_ONNX_ONNXDIALECT_H
