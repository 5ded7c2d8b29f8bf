//===- ReportData.h - What a report shows, for every format ---------------===//
//
// Private to compiler/Report.cpp and compiler/ReportHtml.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_COMPILER_REPORTDATA_H
#define BNNC_COMPILER_REPORTDATA_H

#include "compiler/Report.h"
#include "targets/Targets.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bnnc {
namespace report {

/// One kernel of the planned function, in program order (its step).
struct Layer {
  std::string op, nodes, inputShapes, outputShape, note;
  /// "binary" (a BinaryKernel op), "real" (float data) or "integer".
  std::string kind;
  /// Why the layer is binary or real, for matrix layers (else empty).
  std::string decision;
  /// The op's attributes (activation, kernel, ...), as "name=value" text.
  std::string details;
  llvm::SmallVector<std::string> nodeList;
  bool binary = false;
  /// The result takes no bytes: the kernel of its only user writes that
  /// user's result instead (bnn.fused_into_user).
  bool fused = false;
  int64_t macs = 0, weightBytes = 0, offset = -1, bytes = 0;
  int64_t accumulatorBits = 0; // binary layers: the narrowest safe width
  /// The step of the last kernel that reads the result (through views);
  /// the number of steps if the function returns it.
  int64_t liveUntil = 0;
  /// The steps of the kernels whose results this kernel reads.
  llvm::SmallVector<int64_t> producers;
  /// The constant arrays the emitter wrote for this kernel.
  llvm::SmallVector<EmittedArray, 2> arrays;
};

/// A recorded ln-gamma-migration decision (the function's
/// bnn.gamma_migration attribute).
struct Migration {
  std::string node, form, note;
  double maxAbsBefore = 0, maxAbsAfter = 0;
};

/// A post-training quantization decision (bnn-quantize-int8's
/// bnn.int8_ptq attribute): int8 with its parameters, or why not.
struct PtqLayer {
  std::string node, reason;
  bool quantized = false;
  double inputScale = 0, outputScale = 0, weightScaleMin = 0,
         weightScaleMax = 0, inputMin = 0, inputMax = 0, outputMin = 0,
         outputMax = 0;
  int64_t inputZeroPoint = 0, outputZeroPoint = 0;
};

/// Token pruning: where tokens are dropped, and each module's MACs.
struct PruneStage {
  int64_t block = 0, tokensBefore = 0, tokensAfter = 0;
  std::string node;
};
struct PruneMacs {
  std::string module;
  int64_t before = 0, after = 0;
};

/// Dead-token elimination: the selections moved up (what the outputs read)
/// and each module's MACs.
struct DeadTokenCut {
  std::string node;
  int64_t rows = 0, of = 0;
};
struct DeadTokens {
  llvm::SmallVector<DeadTokenCut> cuts;
  int64_t narrowedOps = 0, splitProjections = 0;
  llvm::SmallVector<PruneMacs> macs;
  int64_t before() const {
    int64_t n = 0;
    for (const PruneMacs &m : macs)
      n += m.before;
    return n;
  }
  int64_t after() const {
    int64_t n = 0;
    for (const PruneMacs &m : macs)
      n += m.after;
    return n;
  }
};

/// Everything a report shows, gathered once for every output format.
struct ReportData {
  std::vector<Layer> layers;
  /// Constant arrays no kernel reads (graph outputs copied from constants).
  llvm::SmallVector<EmittedArray> outputArrays;
  int64_t onnxFileBytes = 0, arena = 0, arenaBound = 0, weights = 0,
          outputConstantBytes = 0, macs = 0, binaryMacs = 0;
  std::string modelName, target;
  llvm::SmallVector<Migration> migrations;
  bool pruning = false;
  llvm::SmallVector<PruneStage> pruneStages;
  llvm::SmallVector<PruneMacs> pruneMacs;
  bool deadTokens = false;
  DeadTokens dte;
  llvm::SmallVector<PtqLayer> ptqLayers;
  /// The calibration-set comparison of --quantize=int8 (if it was made).
  const QuantizationCheck *ptqCheck = nullptr;

  double binaryShare() const { return macs ? 100.0 * binaryMacs / macs : 0.0; }
};

/// The self-contained HTML page (no network: inline CSS, SVG and script).
void writeHtml(const ReportData &r, llvm::raw_ostream &os);

} // namespace report
} // namespace bnnc

#endif // BNNC_COMPILER_REPORTDATA_H
