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
    if (tensors.empty())
      return;
    auto ret = cast<func::ReturnOp>(f.getBody().back().getTerminator());
    unsigned first = ret.getNumOperands();
    SmallVector<Value> results(ret.getOperands());
    results.append(tensors.begin(), tensors.end());
    OpBuilder b(ret);
    b.create<func::ReturnOp>(ret.getLoc(), results);
    ret.erase();
    SmallVector<Type> types(f.getFunctionType().getResults());
    SmallVector<Attribute> attrs;
    for (unsigned i = 0; i < first; ++i) {
      DictionaryAttr d = f.getResultAttrDict(i);
      attrs.push_back(d ? d : b.getDictionaryAttr({}));
    }
    // What each tensor is, for messages about it ("the output of node ...").
    SmallVector<std::string> what(tensors.size());
    for (const RealLayer &l : layers) {
      if (what[l.inputTensor].empty())
        what[l.inputTensor] = "the input of " + describeNode(l.op);
      if (what[l.outputTensor].empty())
        what[l.outputTensor] = "the output of " + describeNode(l.op);
    }
    for (unsigned k = 0; k < tensors.size(); ++k) {
      types.push_back(tensors[k].getType());
      attrs.push_back(b.getDictionaryAttr(
          {b.getNamedAttr(bnn::kOnnxNameAttr,
                          b.getStringAttr("bnnc_calibration_" + Twine(k))),
           b.getNamedAttr("bnn.calibrates", b.getStringAttr(what[k]))}));
    }
    f.setFunctionType(
        FunctionType::get(f.getContext(), f.getArgumentTypes(), types));
    f.setAllResultAttrs(attrs);
  }
};

} // namespace
