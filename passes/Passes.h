//===- Passes.h - bnnc passes ---------------------------------------------===//

#ifndef BNNC_PASSES_PASSES_H
#define BNNC_PASSES_PASSES_H

#include "dialects/bnn/BnnDialect.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace bnnc {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace bnnc

#endif // BNNC_PASSES_PASSES_H
