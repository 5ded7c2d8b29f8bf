//===- Int8Layers.cpp - Real layers that post-training quantization reads -===//

#include "passes/Int8Layers.h"

#include "passes/PassUtils.h"

#include "dialects/bnn/BnnDialect.h"

#include "llvm/ADT/DenseMap.h"

using namespace mlir;

namespace bnnc {
namespace {

/// "" if bnn-quantize-int8 can rewrite the layer into the QDQ form that
/// bnn-fuse-qdq turns into qconv2d + requantize, else why not.
std::string whyNotQuantizable(Operation *op) {
  Value input, weight, bias;
  if (auto conv = dyn_cast<bnn::Conv2DOp>(op)) {
    if (conv.getActivation() != bnn::Activation::none)
      return "it has a fused activation";
    input = conv.getInput(), weight = conv.getWeight(), bias = conv.getBias();
  } else {
    auto gemm = cast<bnn::GemmOp>(op);
    if (gemm.getActivation() != bnn::Activation::none || gemm.getTransA() ||
        !gemm.getAlpha().isExactlyValue(1.0) ||
        (gemm.getC() && !gemm.getBeta().isExactlyValue(1.0)))
      return "only Gemm with alpha = beta = 1 and no transA is quantized";
    input = gemm.getA(), weight = gemm.getB(), bias = gemm.getC();
    if (bias) {
      int64_t n = tensorType(gemm.getOutput()).getDimSize(1);
      int64_t count = tensorType(bias).getNumElements();
      auto shape = tensorType(bias).getShape();
      if (count != 1 && (count != n || shape.back() != n))
        return "its bias is not one value per output column";
    }
  }
  if (getConstantFloats(input))
    return "its input is a constant";
  if (!getConstantFloats(weight))
    return "its weights are not constant";
  if (bias && !getConstantFloats(bias))
    return "its bias is not constant";
  return "";
}

/// The ReLU that is the only user of `v`, if any.
bnn::ElementwiseOp onlyRelu(Value v) {
  if (!v.hasOneUse())
    return {};
  auto relu = dyn_cast<bnn::ElementwiseOp>(*v.getUsers().begin());
  return relu && relu.getKind() == bnn::ElementwiseKind::Relu ? relu
                                                              : nullptr;
}

} // namespace

SmallVector<RealLayer> collectRealLayers(func::FuncOp f,
                                         SmallVectorImpl<Value> &tensors) {
  SmallVector<RealLayer> layers;
  DenseMap<Value, unsigned> index;
  auto tensorIndex = [&](Value v) {
    auto [it, inserted] = index.try_emplace(v, tensors.size());
    if (inserted)
      tensors.push_back(v);
    return it->second;
  };
  f.walk([&](Operation *op) {
    if (!isa<bnn::Conv2DOp, bnn::GemmOp>(op))
      return;
    RealLayer layer;
    layer.op = op;
    layer.input = op->getOperand(0);
    layer.output = op->getResult(0);
    if (bnn::ElementwiseOp relu = onlyRelu(layer.output))
      layer.output = relu.getOutput();
    layer.whyNot = whyNotQuantizable(op);
    layer.inputTensor = tensorIndex(layer.input);
    layer.outputTensor = tensorIndex(layer.output);
    layers.push_back(layer);
  });
  return layers;
}

} // namespace bnnc
