//===- Report.h - Per-layer report of a compiled model --------------------===//

#ifndef BNNC_COMPILER_REPORT_H
#define BNNC_COMPILER_REPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

namespace bnnc {

/// Writes, for a planned bnn module, one row per kernel (op, ONNX nodes,
/// shapes, binary or real, MACs, weight bytes, arena offset and size) and
/// the model totals (weight bytes against the ONNX file, peak arena, the
/// binary share of the MACs): as a text table, or as JSON.
/// What a compiled (planned) module needs in memory: the arena, and the
/// constant data the generated C stores (weights, thresholds, tables; code
/// is not included). `largestValue`/`largestBytes`: the biggest tensor that
/// lives in the arena and the op that computes it (null if none).
struct ResourceUse {
  int64_t arenaBytes = 0;
  int64_t constantBytes = 0;
  mlir::Operation *largestValue = nullptr;
  int64_t largestBytes = 0;
};
ResourceUse measureResources(mlir::ModuleOp module);

void writeReport(mlir::ModuleOp module, int64_t onnxFileBytes,
                 llvm::raw_ostream &os, bool json);

} // namespace bnnc

#endif // BNNC_COMPILER_REPORT_H
