//===- Report.h - Per-layer report of a compiled model --------------------===//

#ifndef BNNC_COMPILER_REPORT_H
#define BNNC_COMPILER_REPORT_H

#include "targets/Targets.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

namespace bnnc {

/// What a compiled (planned) module needs in RAM: the arena.
/// `largestValue`/`largestBytes`: the biggest tensor that lives in the arena
/// and the op that computes it (null if none). The constant data (flash) is
/// measured on the emitted C: EmissionRecord::totalBytes().
struct ResourceUse {
  int64_t arenaBytes = 0;
  mlir::Operation *largestValue = nullptr;
  int64_t largestBytes = 0;
};
ResourceUse measureResources(mlir::ModuleOp module);

/// Writes, for a planned bnn module, one row per kernel (op, ONNX nodes,
/// shapes, binary or real, MACs, the bytes of the constant arrays emitted
/// for it, arena offset and size) and the model totals (constant bytes
/// against the ONNX file, peak arena, the binary share of the MACs): as a
/// text table, as JSON, or as a self-contained HTML page.
/// The report's output formats.
enum class ReportFormat { Text, Json, Html };

/// The format a --report=FILE asks for: HTML for *.html / *.htm, else JSON.
ReportFormat reportFormatOf(llvm::StringRef file);

/// --quantize=int8's check on the calibration samples: the int8 model's
/// first output against the float model's (compiler/Calibration.h).
struct QuantizationCheck {
  std::string calibrationFile, method;
  /// --calibration-method=blockwise: each block's clipping ratio.
  std::string blockChoices;
  int64_t samples = 0, agreeing = 0;
  double maxAbsDiff = 0;
  bool hasLabels = false;
  int64_t floatCorrect = 0, quantizedCorrect = 0;
};

/// What the report is told besides the module.
struct ReportInputs {
  int64_t onnxFileBytes = 0;
  /// The constant arrays the C emitter wrote (emitModelC): every flash
  /// number of the report comes from here.
  const EmissionRecord *emitted = nullptr;
  /// Whether the binarize pass ran (false with --no-binarize).
  bool binarize = true;
  /// Set with --quantize=int8.
  const QuantizationCheck *quantization = nullptr;
  std::string modelName, target;
};

void writeReport(mlir::ModuleOp module, const ReportInputs &inputs,
                 llvm::raw_ostream &os, ReportFormat format);

} // namespace bnnc

#endif // BNNC_COMPILER_REPORT_H
