//===- PassUtils.cpp - Helpers shared by bnnc passes ----------------------===//

#include "passes/PassUtils.h"
#include "dialects/bnn/BnnDialect.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;

namespace bnnc {

std::optional<SmallVector<float>> getConstantFloats(Value v) {
  DenseElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)) ||
      !attr.getElementType().isF32())
    return std::nullopt;
  auto values = attr.getValues<float>();
  return SmallVector<float>(values.begin(), values.end());
}

std::optional<SmallVector<int64_t>> getConstantInts(Value v) {
  DenseElementsAttr attr;
  if (!v || isNoValue(v) || !matchPattern(v, m_Constant(&attr)) ||
      !isa<IntegerType>(attr.getElementType()))
    return std::nullopt;
  SmallVector<int64_t> values;
  for (const APInt &x : attr.getValues<APInt>())
    values.push_back(x.getSExtValue());
  return values;
}

std::optional<SmallVector<int64_t>> getPadAmounts(onnx::PadOp pad) {
  if (auto attr = pad.getPads())
    return SmallVector<int64_t>(attr->begin(), attr->end());
  return getConstantInts(pad.getPadsT());
}

bool isSplatConstant(Value v, float value) {
  auto values = getConstantFloats(v);
  return values && !values->empty() &&
         llvm::all_of(*values, [&](float x) { return x == value; });
}

SmallVector<float> transposeMatrix(ArrayRef<float> w, int64_t k, int64_t n) {
  SmallVector<float> t(w.size());
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j)
      t[j * k + i] = w[i * n + j];
  return t;
}

DenseElementsAttr makeF32Attr(MLIRContext *ctx, ArrayRef<int64_t> shape,
                              ArrayRef<float> values) {
  auto type = RankedTensorType::get(shape, Float32Type::get(ctx));
  return DenseElementsAttr::get(type, values);
}

std::optional<ChannelAffine> getBatchNormAffine(onnx::BatchNormalizationOp bn) {
  auto gamma = getConstantFloats(bn.getScale());
  auto beta = getConstantFloats(bn.getB());
  auto mean = getConstantFloats(bn.getInputMean());
  auto var = getConstantFloats(bn.getInputVar());
  if (!gamma || !beta || !mean || !var)
    return std::nullopt;
  ChannelAffine affine;
  double eps = bn.getEpsilon().convertToFloat();
  for (size_t c = 0; c < gamma->size(); ++c) {
    double s = (*gamma)[c] / std::sqrt(double((*var)[c]) + eps);
    affine.scale.push_back(static_cast<float>(s));
    affine.shift.push_back(static_cast<float>((*beta)[c] - s * (*mean)[c]));
  }
  return affine;
}

std::optional<SmallVector<int64_t>> getConstantIntsOfType(Value v) {
  DenseElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  auto type = dyn_cast<IntegerType>(attr.getElementType());
  if (!type)
    return std::nullopt;
  SmallVector<int64_t> values;
  for (const APInt &x : attr.getValues<APInt>())
    values.push_back(type.isUnsigned() ? (int64_t)x.getZExtValue()
                                       : x.getSExtValue());
  return values;
}

std::string moduleOf(Operation *op) {
  auto names = bnn::nodeNames(op->getLoc());
  if (names.empty())
    return "(unnamed)";
  StringRef name = StringRef(names.front()).ltrim('/');
  auto [head, rest] = name.split('/');
  return rest.empty() ? "(top)" : head.str();
}

int64_t onnxMacsOf(Operation *op) {
  if (auto mm = dyn_cast<onnx::MatMulOp>(op)) {
    auto a = tensorType(mm.getA()).getShape();
    auto y = tensorType(mm.getY());
    if (a.empty())
      return 0;
    return y.getNumElements() * a.back();
  }
  if (auto gemm = dyn_cast<onnx::GemmOp>(op)) {
    auto a = tensorType(gemm.getA()).getShape();
    int64_t k = gemm.getTransA() ? a[0] : a[1];
    return tensorType(gemm.getY()).getNumElements() * k;
  }
  if (auto conv = dyn_cast<onnx::ConvOp>(op)) {
    auto w = tensorType(conv.getW()).getShape();
    int64_t perOutput = 1;
    for (int64_t d : w.drop_front(1))
      perOutput *= d;
    return tensorType(conv.getY()).getNumElements() * perOutput;
  }
  return 0;
}

std::map<std::string, int64_t> macsPerModule(func::FuncOp f) {
  std::map<std::string, int64_t> m;
  f.walk([&](Operation *op) {
    if (int64_t macs = onnxMacsOf(op))
      m[moduleOf(op)] += macs;
  });
  return m;
}

ArrayAttr macsRecord(Builder &b, const std::map<std::string, int64_t> &before,
                     const std::map<std::string, int64_t> &after) {
  SmallVector<Attribute> macs;
  for (auto &[module, m] : before) {
    auto it = after.find(module);
    macs.push_back(b.getDictionaryAttr(
        {b.getNamedAttr("block", b.getStringAttr(module)),
         b.getNamedAttr("macs_before", b.getI64IntegerAttr(m)),
         b.getNamedAttr(
             "macs_after",
             b.getI64IntegerAttr(it == after.end() ? 0 : it->second))}));
  }
  return b.getArrayAttr(macs);
}

} // namespace bnnc
