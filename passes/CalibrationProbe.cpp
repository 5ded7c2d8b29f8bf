//===- CalibrationProbe.cpp - Measured tensors as graph outputs -----------===//
//
// Post-training quantization needs the range of every tensor an int8 layer
// would quantize. bnnc has no interpreter: it measures them by compiling
// the model with those tensors as extra outputs and running the C on the
// calibration samples (compiler/Calibration.cpp). This pass adds the
// outputs; the rest of the pipeline treats them like any graph output.
//
//===----------------------------------------------------------------------===//

#include "passes/Int8Layers.h"
#include "passes/Passes.h"

namespace bnnc {
#define GEN_PASS_DEF_BNNCALIBRATIONPROBE
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

struct BnnCalibrationProbePass final
    : bnnc::impl::BnnCalibrationProbeBase<BnnCalibrationProbePass> {
  void runOnOperation() override {
    func::FuncOp f = getOperation();
    SmallVector<Value> tensors;
    SmallVector<RealLayer> layers = collectRealLayers(f, tensors);
    exposeTensors(f, layers, describeTensors(layers, tensors.size()), tensors);
  }
};

} // namespace
