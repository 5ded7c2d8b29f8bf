//===- OnnxFolders.cpp - Constant folding of ONNX ops ---------------------===//
//
// Folders evaluate ops whose inputs are all constants (initializer-only and
// shape subgraphs such as Shape -> Gather -> Concat -> Reshape) and remove
// no-op reshapes. The `onnx-constant-fold` pass drives them. Arithmetic is
// done in double (floats) or int64 (integers; overflow wraps around in two's
// complement, as numpy's fixed-width integers do, instead of being undefined
// behaviour in the compiler) and rounded once to the result element type;
// data movement copies elements unchanged.
//
//===----------------------------------------------------------------------===//

#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/ShapeUtils.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace bnnc::onnx;

namespace {

/// Folding materializes every element (as double or int64); tensors larger
/// than this stay run-time computations instead of exhausting the
/// compiler's memory (a fuzzer finding: a 16M-element ConstantOfShape chain
/// took seconds and most of a GB to fold).
constexpr int64_t kMaxFoldElements = int64_t(1) << 20;

bool tooLargeToFold(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return !shaped || !shaped.hasStaticShape() ||
         shaped.getNumElements() > kMaxFoldElements;
}

/// A constant tensor unpacked to wide scalars, independent of its element
/// type, so that each folder is written once.
struct Scalars {
  bool isFloat = false;
  SmallVector<double> f;
  SmallVector<int64_t> i;
  size_t size() const { return isFloat ? f.size() : i.size(); }
};

std::optional<Scalars> unpack(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense || tooLargeToFold(dense.getType()))
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
    bool isUnsigned = intType.getWidth() == 1 || intType.isUnsigned();
    for (const APInt &v : dense.getValues<APInt>())
      s.i.push_back(isUnsigned ? v.getZExtValue() : v.getSExtValue());
    return s;
  }
  return std::nullopt;
}

/// A float converted to an integer type of `width` bits: truncated toward
/// zero and saturated at the type's bounds, NaN -> 0 (the generated C's
/// bnnc_f32_to_* helpers of runtime/bnnc/kernels_f32.h do the same).
int64_t saturate(double v, unsigned width, bool isUnsigned) {
  if (std::isnan(v))
    return 0;
  double lo = isUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
  double hi = std::ldexp(1.0, isUnsigned ? width : width - 1);
  if (v <= lo)
    return isUnsigned ? 0 : std::numeric_limits<int64_t>::min() >> (64 - width);
  if (v >= hi)
    return isUnsigned ? static_cast<int64_t>(width >= 64
                                                 ? ~uint64_t(0)
                                                 : (uint64_t(1) << width) - 1)
                      : std::numeric_limits<int64_t>::max() >> (64 - width);
  return static_cast<int64_t>(v);
}

/// Values in the domain of `type`: floats round from double, integers
/// truncate (as a C cast does), floats saturate into integers (`saturate`);
/// bool is "not zero".
Attribute pack(ShapedType type, const Scalars &s) {
  Type elementType = type.getElementType();
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    SmallVector<APFloat> values;
    for (size_t k = 0; k < s.size(); ++k) {
      APFloat value(s.isFloat ? s.f[k] : static_cast<double>(s.i[k]));
      bool lost;
      value.convert(floatType.getFloatSemantics(),
                    APFloat::rmNearestTiesToEven, &lost);
      values.push_back(value);
    }
    return DenseElementsAttr::get(type, values);
  }
  auto intType = dyn_cast<IntegerType>(elementType);
  if (!intType)
    return {};
  SmallVector<APInt> values;
  for (size_t k = 0; k < s.size(); ++k) {
    int64_t v;
    if (intType.getWidth() == 1)
      v = s.isFloat ? s.f[k] != 0.0 : s.i[k] != 0;
    else if (s.isFloat)
      v = saturate(s.f[k], std::min(intType.getWidth(), 64u),
                   intType.isUnsigned());
    else
      v = s.i[k];
    values.push_back(APInt(intType.getWidth(), v, /*isSigned=*/true));
  }
  return DenseElementsAttr::get(type, values);
}

ShapedType shapedType(Value v) { return cast<ShapedType>(v.getType()); }

/// f(a, b) over broadcast operands; `isBool` ops produce 0/1.
template <typename FloatFn, typename IntFn>
Attribute foldBinary(Operation *op, Attribute lhs, Attribute rhs,
                     FloatFn floatFn, IntFn intFn) {
  auto a = unpack(lhs), b = unpack(rhs);
  if (!a || !b || tooLargeToFold(op->getResult(0).getType()))
    return {};
  ShapedType cType = shapedType(op->getResult(0));
  Scalars c;
  // Mixed-type Pow computes in double.
  c.isFloat = a->isFloat || b->isFloat;
  auto asDouble = [](const Scalars &s, int64_t k) {
    return s.isFloat ? s.f[k] : static_cast<double>(s.i[k]);
  };
  bnnc::forEachBroadcastIndex(
      cType.getShape(),
      bnnc::broadcastStrides(shapedType(op->getOperand(0)).getShape(),
                             cType.getShape()),
      bnnc::broadcastStrides(shapedType(op->getOperand(1)).getShape(),
                             cType.getShape()),
      [&](int64_t, int64_t ia, int64_t ib) {
        if (c.isFloat)
          c.f.push_back(floatFn(asDouble(*a, ia), asDouble(*b, ib)));
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
  return pack(shapedType(op->getResult(0)), *x);
}

template <typename FloatFn>
Attribute foldFloatUnary(Operation *op, Attribute operand, FloatFn fn) {
  auto x = unpack(operand);
  if (!x || !x->isFloat)
    return {};
  return foldUnary(op, operand, fn, [](int64_t v) { return v; });
}

/// Reshape-like ops keep the data; a constant input just gets the new type.
OpFoldResult foldReshapeLike(Operation *op, Attribute input) {
  auto resultType = shapedType(op->getResult(0));
  if (op->getOperand(0).getType() == resultType)
    return op->getOperand(0);
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(input))
    return dense.reshape(resultType);
  return {};
}

/// The elements of `input` read at `offset + sum_d i_d * strides[d]` for
/// every index i of `op`'s result: transposes, slices and broadcasts.
Attribute gatherStrided(Operation *op, Attribute input, int64_t offset,
                        ArrayRef<int64_t> strides) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(input);
  if (!dense || tooLargeToFold(dense.getType()) ||
      tooLargeToFold(op->getResult(0).getType()))
    return {};
  auto values = llvm::to_vector(dense.getValues<Attribute>());
  ShapedType type = shapedType(op->getResult(0));
  SmallVector<Attribute> out;
  SmallVector<int64_t> zero(strides.size(), 0);
  bnnc::forEachBroadcastIndex(type.getShape(), strides, zero,
                              [&](int64_t, int64_t i, int64_t) {
                                out.push_back(values[offset + i]);
                              });
  return DenseElementsAttr::get(type, out);
}

std::optional<SmallVector<int64_t>> intValues(Attribute attr) {
  auto s = unpack(attr);
  if (!s || s->isFloat)
    return std::nullopt;
  return s->i;
}

template <typename T> T signOf(T v) { return v > 0 ? 1 : (v < 0 ? -1 : 0); }

/// Two's-complement wrapping int64 arithmetic (unsigned arithmetic is
/// modular in C++; the conversion back is modular since C++20 and in every
/// compiler bnnc supports).
int64_t wrap(uint64_t v) { return static_cast<int64_t>(v); }
int64_t wrapAdd(int64_t a, int64_t b) {
  return wrap(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t wrapSub(int64_t a, int64_t b) {
  return wrap(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t wrapMul(int64_t a, int64_t b) {
  return wrap(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
int64_t wrapNeg(int64_t v) { return wrapSub(0, v); }

/// Truncating division; x / 0 folds to 0 (never reached by valid shape
/// arithmetic) and INT64_MIN / -1 wraps.
int64_t wrapDiv(int64_t a, int64_t b) {
  if (b == 0)
    return 0;
  if (b == -1)
    return wrapNeg(a);
  return a / b;
}

/// a^b by repeated squaring, wrapping; a negative exponent gives the exact
/// power truncated toward zero (1 / a^|b|).
int64_t wrapPow(int64_t a, int64_t b) {
  if (b < 0)
    return a == 1 ? 1 : a == -1 ? (b % 2 ? -1 : 1) : 0;
  int64_t result = 1;
  for (; b; b >>= 1, a = wrapMul(a, a))
    if (b & 1)
      result = wrapMul(result, a);
  return result;
}

double roundHalfEven(double v) { return std::nearbyint(v); }

} // namespace

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }
OpFoldResult NoValueOp::fold(FoldAdaptor) { return UnitAttr::get(getContext()); }
OpFoldResult IdentityOp::fold(FoldAdaptor) { return getInput(); }
OpFoldResult DropoutOp::fold(FoldAdaptor) { return getData(); }

//===----------------------------------------------------------------------===//
// Binary elementwise
//===----------------------------------------------------------------------===//

#define BNNC_FOLD_BINARY(Op, floatExpr, intExpr)                               \
  OpFoldResult Op::fold(FoldAdaptor adaptor) {                                 \
    return foldBinary(                                                         \
        *this, adaptor.getA(), adaptor.getB(),                                 \
        [](double a, double b) -> double { return floatExpr; },                \
        [](int64_t a, int64_t b) -> int64_t { return intExpr; });              \
  }
BNNC_FOLD_BINARY(AddOp, a + b, wrapAdd(a, b))
BNNC_FOLD_BINARY(SubOp, a - b, wrapSub(a, b))
BNNC_FOLD_BINARY(MulOp, a * b, wrapMul(a, b))
// Integer division truncates toward zero, as C and the ONNX reference do
// for the non-negative shape values this is used for.
BNNC_FOLD_BINARY(DivOp, a / b, wrapDiv(a, b))
BNNC_FOLD_BINARY(PowOp, std::pow(a, b), wrapPow(a, b))
BNNC_FOLD_BINARY(PReluOp, a < 0 ? a * b : a, a < 0 ? wrapMul(a, b) : a)
BNNC_FOLD_BINARY(EqualOp, a == b, a == b)
BNNC_FOLD_BINARY(GreaterOp, a > b, a > b)
BNNC_FOLD_BINARY(GreaterOrEqualOp, a >= b, a >= b)
BNNC_FOLD_BINARY(LessOp, a < b, a < b)
BNNC_FOLD_BINARY(LessOrEqualOp, a <= b, a <= b)
BNNC_FOLD_BINARY(AndOp, a != 0 && b != 0, a != 0 && b != 0)
BNNC_FOLD_BINARY(OrOp, a != 0 || b != 0, a != 0 || b != 0)
BNNC_FOLD_BINARY(XorOp, (a != 0) != (b != 0), (a != 0) != (b != 0))
#undef BNNC_FOLD_BINARY

OpFoldResult WhereOp::fold(FoldAdaptor adaptor) {
  auto c = unpack(adaptor.getCondition());
  auto x = dyn_cast_or_null<DenseElementsAttr>(adaptor.getX());
  auto y = dyn_cast_or_null<DenseElementsAttr>(adaptor.getY());
  if (!c || !x || !y)
    return {};
  ShapedType type = shapedType(getOutput());
  auto xv = llvm::to_vector(x.getValues<Attribute>());
  auto yv = llvm::to_vector(y.getValues<Attribute>());
  auto xs = bnnc::broadcastStrides(x.getType().getShape(), type.getShape());
  auto ys = bnnc::broadcastStrides(y.getType().getShape(), type.getShape());
  auto cs = bnnc::broadcastStrides(shapedType(getCondition()).getShape(),
                                   type.getShape());
  SmallVector<int64_t> xi, yi;
  bnnc::forEachBroadcastIndex(type.getShape(), xs, ys,
                              [&](int64_t, int64_t a, int64_t b) {
                                xi.push_back(a);
                                yi.push_back(b);
                              });
  SmallVector<Attribute> out;
  int64_t k = 0;
  bnnc::forEachBroadcastIndex(type.getShape(), cs, cs,
                              [&](int64_t, int64_t ic, int64_t) {
                                out.push_back(c->i[ic] ? xv[xi[k]] : yv[yi[k]]);
                                ++k;
                              });
  return DenseElementsAttr::get(type, out);
}

//===----------------------------------------------------------------------===//
// Unary elementwise
//===----------------------------------------------------------------------===//

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

OpFoldResult AbsOp::fold(FoldAdaptor adaptor) {
  return foldUnary(
      *this, adaptor.getX(), [](double v) { return std::fabs(v); },
      [](int64_t v) { return v < 0 ? wrapNeg(v) : v; });
}

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  return foldUnary(
      *this, adaptor.getX(), [](double v) { return -v; },
      [](int64_t v) { return wrapNeg(v); });
}

OpFoldResult NotOp::fold(FoldAdaptor adaptor) {
  return foldUnary(
      *this, adaptor.getX(), [](double v) { return double(v == 0); },
      [](int64_t v) { return int64_t(v == 0); });
}

/// The float unary ops of dialects/ElementwiseKinds.def fold with the
/// table's FOLD expression of `v`, `alpha` and `beta`.
static double attrValue(FloatAttr attr) {
  return attr ? attr.getValueAsDouble() : 0.0;
}
#define BNNC_FLOAT_UNARY(ENUM, NAME, ONNX, OPSET, ALPHA, BETA, C_EXPR, FOLD)   \
  OpFoldResult ONNX##Op::fold(FoldAdaptor adaptor) {                           \
    ONNX##Op o = *this;                                                        \
    double alpha = attrValue(ALPHA), beta = attrValue(BETA);                   \
    (void)alpha, (void)beta;                                                   \
    return foldFloatUnary(o, adaptor.getX(),                                   \
                          [&](double v) -> double { return FOLD; });           \
  }
#include "dialects/ElementwiseKinds.def"

OpFoldResult IsNaNOp::fold(FoldAdaptor adaptor) {
  return foldFloatUnary(*this, adaptor.getX(),
                        [](double v) { return double(std::isnan(v)); });
}

OpFoldResult IsInfOp::fold(FoldAdaptor adaptor) {
  bool positive = getDetectPositive() != 0, negative = getDetectNegative() != 0;
  return foldFloatUnary(*this, adaptor.getX(), [&](double v) {
    return double(std::isinf(v) && (v > 0 ? positive : negative));
  });
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getOutput().getType())
    return getInput();
  auto x = unpack(adaptor.getInput());
  if (!x)
    return {};
  return pack(shapedType(getOutput()), *x);
}

//===----------------------------------------------------------------------===//
// Reshapes, data movement, shape computation
//===----------------------------------------------------------------------===//

OpFoldResult FlattenOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, adaptor.getInput());
}
OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, adaptor.getData());
}
OpFoldResult SqueezeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, adaptor.getData());
}
OpFoldResult UnsqueezeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, adaptor.getData());
}

OpFoldResult ShapeOp::fold(FoldAdaptor) {
  auto in = shapedType(getData());
  int64_t rank = in.getRank();
  int64_t start = getStart().value_or(0), end = getEnd().value_or(rank);
  // Negative bounds count from the back; both clamp to [0, rank].
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  SmallVector<int64_t> dims(in.getShape().begin() + start,
                            in.getShape().begin() + std::max(start, end));
  auto type = shapedType(getShape());
  if (type.getNumElements() != static_cast<int64_t>(dims.size()))
    return {};
  return DenseElementsAttr::get(type, ArrayRef<int64_t>(dims));
}

/// Size: the element count of a static shape.
OpFoldResult SizeOp::fold(FoldAdaptor) {
  auto in = shapedType(getData());
  auto type = shapedType(getSize());
  if (!in.hasStaticShape() || type.getNumElements() != 1 ||
      !type.getElementType().isInteger(64))
    return {};
  return DenseElementsAttr::get(type, in.getNumElements());
}

OpFoldResult ConstantOfShapeOp::fold(FoldAdaptor adaptor) {
  if (!adaptor.getInput())
    return {};
  auto type = shapedType(getOutput());
  if (auto value = getValue()) {
    auto dense = dyn_cast<DenseElementsAttr>(*value);
    if (!dense || dense.getNumElements() != 1)
      return {};
    return DenseElementsAttr::get(type, dense.getValues<Attribute>()[0]);
  }
  return DenseElementsAttr::get(type, Builder(getContext()).getZeroAttr(
                                          type.getElementType()));
}

OpFoldResult RangeOp::fold(FoldAdaptor adaptor) {
  auto start = unpack(adaptor.getStart()), delta = unpack(adaptor.getDelta());
  if (!start || !delta || !adaptor.getLimit() ||
      tooLargeToFold(getOutput().getType()) || start->size() != 1 ||
      delta->size() != 1)
    return {};
  auto type = shapedType(getOutput());
  Scalars out;
  out.isFloat = start->isFloat;
  for (int64_t k = 0; k < type.getNumElements(); ++k) {
    if (out.isFloat)
      out.f.push_back(start->f[0] + k * delta->f[0]);
    else
      out.i.push_back(start->i[0] + k * delta->i[0]);
  }
  return pack(type, out);
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (tooLargeToFold(getConcatResult().getType()))
    return {};
  auto type = shapedType(getConcatResult());
  int64_t rank = type.getRank();
  // I64Attr getters return uint64_t: read the axis as signed first.
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < 0)
    axis += rank;
  // Each input contributes `outer` runs of (its axis extent x inner) values.
  int64_t outer = bnnc::shapeProduct(type.getShape().take_front(axis));
  SmallVector<SmallVector<Attribute>> inputs;
  SmallVector<int64_t> runs;
  for (auto [attr, value] : llvm::zip(adaptor.getInputs(), getInputs())) {
    auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
    if (!dense)
      return {};
    inputs.push_back(llvm::to_vector(dense.getValues<Attribute>()));
    runs.push_back(bnnc::shapeProduct(
        shapedType(value).getShape().drop_front(axis)));
  }
  SmallVector<Attribute> out;
  for (int64_t o = 0; o < outer; ++o)
    for (size_t k = 0; k < inputs.size(); ++k)
      out.append(inputs[k].begin() + o * runs[k],
                 inputs[k].begin() + (o + 1) * runs[k]);
  return DenseElementsAttr::get(type, out);
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  auto data = dyn_cast_or_null<DenseElementsAttr>(adaptor.getData());
  auto indices = intValues(adaptor.getIndices());
  if (!data || !indices)
    return {};
  auto dataShape = data.getType().getShape();
  int64_t rank = dataShape.size();
  // I64Attr getters return uint64_t: read the axis as signed first.
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < 0)
    axis += rank;
  int64_t outer = bnnc::shapeProduct(dataShape.take_front(axis));
  int64_t inner = bnnc::shapeProduct(dataShape.drop_front(axis + 1));
  int64_t extent = dataShape[axis];
  auto values = llvm::to_vector(data.getValues<Attribute>());
  SmallVector<Attribute> out;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t index : *indices) {
      if (index < -extent || index >= extent)
        return {};
      int64_t k = index < 0 ? index + extent : index;
      for (int64_t i = 0; i < inner; ++i)
        out.push_back(values[(o * extent + k) * inner + i]);
    }
  return DenseElementsAttr::get(shapedType(getOutput()), out);
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm;
  if (auto p = getPerm())
    perm = *p;
  bool identity = !perm.empty() &&
                  llvm::all_of(llvm::enumerate(perm), [](auto e) {
                    return static_cast<int64_t>(e.index()) == e.value();
                  });
  if (identity || shapedType(getData()).getRank() <= 1)
    return getData();
  auto view = bnnc::transposeView(shapedType(getData()).getShape(), perm);
  return gatherStrided(*this, adaptor.getData(), view.offset, view.strides);
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  auto type = shapedType(getOutput());
  if (getInput().getType() == type)
    return getInput();
  return gatherStrided(
      *this, adaptor.getInput(), 0,
      bnnc::broadcastStrides(shapedType(getInput()).getShape(),
                             type.getShape()));
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  auto starts = intValues(adaptor.getStarts());
  auto ends = intValues(adaptor.getEnds());
  if (!starts || !ends || !adaptor.getData())
    return {};
  SmallVector<int64_t> axes, steps(starts->size(), 1);
  for (size_t k = 0; k < starts->size(); ++k)
    axes.push_back(k);
  if (!isNoValue(getAxes())) {
    auto a = intValues(adaptor.getAxes());
    if (!a)
      return {};
    axes = *a;
  }
  if (!isNoValue(getSteps())) {
    auto s = intValues(adaptor.getSteps());
    if (!s)
      return {};
    steps = *s;
  }
  SmallVector<int64_t> shape;
  std::string error;
  auto view = bnnc::sliceView(shapedType(getData()).getShape(), *starts, *ends,
                              axes, steps, shape, error);
  if (!view || ArrayRef<int64_t>(shape) != shapedType(getOutput()).getShape())
    return {};
  return gatherStrided(*this, adaptor.getData(), view->offset, view->strides);
}
