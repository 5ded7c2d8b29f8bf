//===- OnnxFolders.cpp - Constant folding of ONNX ops ---------------------===//
//
// Folders evaluate ops whose inputs are all constants (initializer-only
// subgraphs) and remove no-op reshapes. The `onnx-constant-fold` pass drives
// them; values are computed in double (floats) or int64 (integers) and
// rounded once to the result element type.
//
//===----------------------------------------------------------------------===//

#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/ShapeUtils.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/APFloat.h"

using namespace mlir;
using namespace bnnc::onnx;

namespace {

/// A constant tensor unpacked to wide scalars, independent of its element
/// type, so that each folder is written once.
struct Scalars {
  bool isFloat = false;
  SmallVector<double> f;
  SmallVector<int64_t> i;
};

std::optional<Scalars> unpack(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  Scalars s;
  Type elementType = dense.getElementType();
  if (isa<FloatType>(elementType)) {
    s.isFloat = true;
    for (const APFloat &v : dense.getValues<APFloat>())
      s.f.push_back(v.convertToDouble());
    return s;
  }
  if (auto intType = dyn_cast<IntegerType>(elementType)) {
    bool isBool = intType.getWidth() == 1;
    for (const APInt &v : dense.getValues<APInt>())
      s.i.push_back(isBool ? v.getZExtValue() : v.getSExtValue());
    return s;
  }
  return std::nullopt;
}

Attribute pack(ShapedType type, const Scalars &s) {
  Type elementType = type.getElementType();
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    SmallVector<APFloat> values;
    for (double v : s.f) {
      APFloat value(v);
      bool lost;
      value.convert(floatType.getFloatSemantics(),
                    APFloat::rmNearestTiesToEven, &lost);
      values.push_back(value);
    }
    return DenseElementsAttr::get(type, values);
  }
  auto intType = cast<IntegerType>(elementType);
  SmallVector<APInt> values;
  for (int64_t v : s.i)
    values.push_back(APInt(intType.getWidth(), v, /*isSigned=*/true));
  return DenseElementsAttr::get(type, values);
}

template <typename FloatFn, typename IntFn>
Attribute foldBinary(Operation *op, ArrayRef<Attribute> operands,
                     FloatFn floatFn, IntFn intFn) {
  auto a = unpack(operands[0]), b = unpack(operands[1]);
  if (!a || !b)
    return {};
  auto aType = cast<ShapedType>(op->getOperand(0).getType());
  auto bType = cast<ShapedType>(op->getOperand(1).getType());
  auto cType = cast<ShapedType>(op->getResult(0).getType());
  Scalars c;
  c.isFloat = a->isFloat;
  bnnc::forEachBroadcastIndex(
      cType.getShape(), bnnc::broadcastStrides(aType.getShape(), cType.getShape()),
      bnnc::broadcastStrides(bType.getShape(), cType.getShape()),
      [&](int64_t, int64_t ia, int64_t ib) {
        if (c.isFloat)
          c.f.push_back(floatFn(a->f[ia], b->f[ib]));
        else
          c.i.push_back(intFn(a->i[ia], b->i[ib]));
      });
  return pack(cType, c);
}

template <typename FloatFn, typename IntFn>
Attribute foldUnary(Operation *op, Attribute operand, FloatFn floatFn,
                    IntFn intFn) {
  auto x = unpack(operand);
  if (!x)
    return {};
  for (double &v : x->f)
    v = floatFn(v);
  for (int64_t &v : x->i)
    v = intFn(v);
  return pack(cast<ShapedType>(op->getResult(0).getType()), *x);
}

/// Reshape-like ops keep the data; a constant input just gets the new type.
OpFoldResult foldReshapeLike(Operation *op, Attribute input) {
  auto resultType = cast<ShapedType>(op->getResult(0).getType());
  if (op->getOperand(0).getType() == resultType)
    return op->getOperand(0);
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(input))
    return dense.reshape(resultType);
  return {};
}

template <typename T> T signOf(T v) { return v > 0 ? 1 : (v < 0 ? -1 : 0); }

} // namespace

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult NoValueOp::fold(FoldAdaptor) { return UnitAttr::get(getContext()); }

OpFoldResult IdentityOp::fold(FoldAdaptor) { return getInput(); }

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      *this, adaptor.getOperands(), [](double a, double b) { return a + b; },
      [](int64_t a, int64_t b) { return a + b; });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      *this, adaptor.getOperands(), [](double a, double b) { return a * b; },
      [](int64_t a, int64_t b) { return a * b; });
}

OpFoldResult ReluOp::fold(FoldAdaptor adaptor) {
  // `v < 0 ? 0 : v` keeps NaN, as numpy.maximum(v, 0) does.
  return foldUnary(
      *this, adaptor.getX(), [](double v) { return v < 0 ? 0.0 : v; },
      [](int64_t v) { return v < 0 ? int64_t(0) : v; });
}

OpFoldResult SignOp::fold(FoldAdaptor adaptor) {
  return foldUnary(
      *this, adaptor.getX(),
      [](double v) { return std::isnan(v) ? v : signOf(v); },
      [](int64_t v) { return signOf(v); });
}

OpFoldResult FlattenOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, adaptor.getInput());
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, adaptor.getData());
}
