//===- Int8Layers.cpp - Real layers that post-training quantization reads -===//

#include "passes/Int8Layers.h"

#include "passes/PassUtils.h"

#include "dialects/bnn/BnnDialect.h"
#include "dialects/onnx/OnnxDialect.h"

#include "llvm/ADT/DenseMap.h"

using namespace mlir;

namespace bnnc {
namespace {

/// The elementwise add of a constant with one value per column that is
/// the only user of a MatMul's result (a Linear layer's bias).
bnn::ElementwiseOp biasAddOf(bnn::MatMulOp mm) {
  Value y = mm.getOutput();
  if (!y.hasOneUse())
    return {};
  auto add = dyn_cast<bnn::ElementwiseOp>(*y.getUsers().begin());
  if (!add || add.getKind() != bnn::ElementwiseKind::Add ||
      add.getInputs().size() != 2 || add.getOutput().getType() != y.getType())
    return {};
  Value other =
      add.getInputs()[0] == y ? add.getInputs()[1] : add.getInputs()[0];
  int64_t n = tensorType(y).getShape().back();
  auto shape = tensorType(other).getShape();
  if (!getConstantFloats(other) || shape.empty() || shape.back() != n ||
      tensorType(other).getNumElements() != n)
    return {};
  return add;
}

/// "" if bnn-quantize-int8 can rewrite the layer into the QDQ form that
/// bnn-fuse-qdq turns into qconv2d + requantize, else why not.
std::string whyNotQuantizable(Operation *op) {
  Value input, weight, bias;
  if (auto mm = dyn_cast<bnn::MatMulOp>(op)) {
    // Only MatMuls with constant weights are layers; attention's products
    // of two activations (q k^T, a v) are not quantized.
    if (mm.getTransB() || tensorType(mm.getB()).getRank() != 2)
      return "its weights are not a constant matrix";
    input = mm.getA(), weight = mm.getB();
  } else if (auto conv = dyn_cast<bnn::Conv2DOp>(op)) {
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
  return relu && relu.getKind() == bnn::ElementwiseKind::Relu ? relu : nullptr;
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
    if (auto mm = dyn_cast<bnn::MatMulOp>(op)) {
      // A product of two activations is not a layer: skip it silently.
      if (!getConstantFloats(mm.getB()) || getConstantFloats(mm.getA()))
        return;
    } else if (!isa<bnn::Conv2DOp, bnn::GemmOp>(op)) {
      return;
    }
    RealLayer layer;
    layer.op = op;
    layer.input = op->getOperand(0);
    layer.output = op->getResult(0);
    if (auto mm = dyn_cast<bnn::MatMulOp>(op))
      if (bnn::ElementwiseOp add = biasAddOf(mm)) {
        layer.biasAdd = add;
        layer.output = add.getOutput();
      }
    if (bnn::ElementwiseOp relu = onlyRelu(layer.output))
      layer.output = relu.getOutput();
    layer.whyNot = whyNotQuantizable(op);
    layer.inputTensor = tensorIndex(layer.input);
    layer.outputTensor = tensorIndex(layer.output);
    layers.push_back(layer);
  });
  return layers;
}

TensorDescriptions describeTensors(ArrayRef<RealLayer> layers,
                                   size_t tensorCount) {
  TensorDescriptions d;
  d.what.resize(tensorCount);
  for (const RealLayer &l : layers) {
    if (d.what[l.inputTensor].empty())
      d.what[l.inputTensor] = "the input of " + describeNode(l.op);
    if (d.what[l.outputTensor].empty())
      d.what[l.outputTensor] = "the output of " + describeNode(l.op);
    d.modules.push_back(moduleOf(l.op));
  }
  return d;
}

void exposeTensors(func::FuncOp f, ArrayRef<RealLayer> layers,
                   const TensorDescriptions &descriptions,
                   ArrayRef<Value> values) {
  if (values.empty())
    return;
  OpBuilder b(f.getContext());
  auto ret = cast<func::ReturnOp>(f.getBody().back().getTerminator());
  unsigned first = ret.getNumOperands();
  SmallVector<Value> results(ret.getOperands());
  results.append(values.begin(), values.end());
  b.setInsertionPoint(ret);
  b.create<func::ReturnOp>(ret.getLoc(), results);
  ret.erase();
  SmallVector<Attribute> layerRecords;
  for (auto [l, module] : llvm::zip(layers, descriptions.modules))
    layerRecords.push_back(b.getDictionaryAttr(
        {b.getNamedAttr("module", b.getStringAttr(module)),
         b.getNamedAttr("input", b.getI64IntegerAttr(l.inputTensor)),
         b.getNamedAttr("output", b.getI64IntegerAttr(l.outputTensor))}));
  SmallVector<Type> types(f.getFunctionType().getResults());
  SmallVector<Attribute> attrs;
  for (unsigned i = 0; i < first; ++i) {
    DictionaryAttr d = f.getResultAttrDict(i);
    attrs.push_back(d ? d : b.getDictionaryAttr({}));
  }
  for (unsigned k = 0; k < values.size(); ++k) {
    types.push_back(values[k].getType());
    attrs.push_back(b.getDictionaryAttr(
        {b.getNamedAttr(bnn::kOnnxNameAttr,
                        b.getStringAttr("bnnc_calibration_" + Twine(k))),
         b.getNamedAttr("bnn.calibrates",
                        b.getStringAttr(descriptions.what[k]))}));
  }
  f.setFunctionType(
      FunctionType::get(f.getContext(), f.getArgumentTypes(), types));
  f.setAllResultAttrs(attrs);
  f->setAttr("bnn.calibration_layers", b.getArrayAttr(layerRecords));
}

} // namespace bnnc
