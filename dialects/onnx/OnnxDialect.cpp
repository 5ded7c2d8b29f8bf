//===- OnnxDialect.cpp - ONNX dialect registration and verifiers ----------===//

#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/ShapeUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace bnnc::onnx;

/// The ranked tensor type of a value, or null: onnx ops may carry unranked
/// tensors until their verifiers have run.
static RankedTensorType rankedOrNull(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

#include "dialects/onnx/OnnxDialect.cpp.inc"
#include "dialects/onnx/OnnxInterfaces.cpp.inc"

void OnnxDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/onnx/OnnxOps.cpp.inc"
      >();
}

Operation *OnnxDialect::materializeConstant(OpBuilder &builder,
                                            Attribute value, Type type,
                                            Location loc) {
  if (isa<NoneType>(type))
    return builder.create<NoValueOp>(loc, type);
  if (auto elements = dyn_cast<ElementsAttr>(value))
    if (elements.getType() == type)
      return builder.create<ConstantOp>(loc, type, elements);
  return nullptr;
}

std::string bnnc::describeNode(Operation *op) {
  std::string name;
  Location loc = op->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    if (!fused.getLocations().empty())
      loc = fused.getLocations().front();
  if (auto nameLoc = dyn_cast<NameLoc>(loc))
    name = nameLoc.getName().str();
  StringRef opName = op->getName().getStringRef();
  // ONNX op types are shown without the dialect prefix: the user knows them
  // as "Conv", not "onnx.Conv".
  opName.consume_front("onnx.");
  if (name.empty())
    return ("unnamed node (" + opName + ")").str();
  return ("node '" + name + "' (" + opName + ")").str();
}

bool bnnc::isNoValue(Value v) { return isa<NoneType>(v.getType()); }

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  // The attribute is the whole value: its type is the result type.
  if (getValue().getType() != getType())
    return emitOpError("value type ")
           << getValue().getType() << " does not match result type "
           << getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

/// Result element type rules of the broadcasting binary ops: arithmetic
/// keeps A's type (Pow may take another exponent type), comparisons and
/// logic give bool.
static LogicalResult verifyBroadcastBinary(Operation *op, bool sameOperands,
                                           bool boolResult) {
  auto a = rankedOrNull(op->getOperand(0)), b = rankedOrNull(op->getOperand(1));
  auto c = rankedOrNull(op->getResult(0));
  if (sameOperands && a.getElementType() != b.getElementType())
    return op->emitOpError("operand element types must match, got ")
           << a.getElementType() << " and " << b.getElementType();
  Type expected = boolResult ? IntegerType::get(op->getContext(), 1)
                             : a.getElementType();
  if (c.getElementType() != expected)
    return op->emitOpError("result element type must be ") << expected;
  auto shape = bnnc::broadcastShapes(a.getShape(), b.getShape());
  if (!shape)
    return op->emitOpError("operand shapes ")
           << a << " and " << b << " are not broadcast-compatible";
  if (ArrayRef<int64_t>(*shape) != c.getShape())
    return op->emitOpError("result type ")
           << c << " is not the broadcast shape of the operands";
  return success();
}

#define BNNC_VERIFY_BINARY(Op, same, predicate)                                \
  LogicalResult Op::verify() {                                                 \
    return verifyBroadcastBinary(*this, same, predicate);                      \
  }
BNNC_VERIFY_BINARY(AddOp, true, false)
BNNC_VERIFY_BINARY(SubOp, true, false)
BNNC_VERIFY_BINARY(MulOp, true, false)
BNNC_VERIFY_BINARY(DivOp, true, false)
BNNC_VERIFY_BINARY(PowOp, false, false)
BNNC_VERIFY_BINARY(PReluOp, true, false)
BNNC_VERIFY_BINARY(EqualOp, true, true)
BNNC_VERIFY_BINARY(GreaterOp, true, true)
BNNC_VERIFY_BINARY(GreaterOrEqualOp, true, true)
BNNC_VERIFY_BINARY(LessOp, true, true)
BNNC_VERIFY_BINARY(LessOrEqualOp, true, true)
BNNC_VERIFY_BINARY(AndOp, true, true)
BNNC_VERIFY_BINARY(OrOp, true, true)
BNNC_VERIFY_BINARY(XorOp, true, true)
#undef BNNC_VERIFY_BINARY

/// Numpy broadcast of all operand shapes, or an error naming the first
/// operand that does not fit.
static FailureOr<SmallVector<int64_t>> broadcastAll(Operation *op,
                                                    ValueRange operands) {
  if (operands.empty())
    return op->emitOpError("needs at least one input");
  SmallVector<int64_t> shape(rankedOrNull(operands[0]).getShape());
  for (auto [i, v] : llvm::enumerate(operands.drop_front())) {
    auto next = bnnc::broadcastShapes(shape, rankedOrNull(v).getShape());
    if (!next)
      return op->emitOpError("input ")
             << i + 1 << " of type " << v.getType()
             << " does not broadcast with the inputs before it";
    shape.assign(next->begin(), next->end());
  }
  return shape;
}

/// Variadic Max/Min: one element type, numpy broadcasting (a lowering that
/// trusted this without a verifier crashed on a fuzzed model).
static LogicalResult verifyVariadicBroadcast(Operation *op) {
  auto result = rankedOrNull(op->getResult(0));
  for (Value v : op->getOperands())
    if (rankedOrNull(v).getElementType() != result.getElementType())
      return op->emitOpError("input element type ")
             << rankedOrNull(v).getElementType()
             << " differs from the result's " << result.getElementType();
  auto shape = broadcastAll(op, op->getOperands());
  if (failed(shape))
    return failure();
  if (ArrayRef<int64_t>(*shape) != result.getShape())
    return op->emitOpError("result type ")
           << result << " is not the broadcast shape of the inputs";
  return success();
}

LogicalResult MaxOp::verify() { return verifyVariadicBroadcast(*this); }
LogicalResult MinOp::verify() { return verifyVariadicBroadcast(*this); }
LogicalResult MeanOp::verify() { return verifyVariadicBroadcast(*this); }
LogicalResult SumOp::verify() { return verifyVariadicBroadcast(*this); }

/// DepthToSpace and SpaceToDepth: NCHW, a block size that divides what it
/// must, the element type kept and the shape the block rearrangement gives.
static LogicalResult verifyBlockRearrangement(Operation *op, int64_t b,
                                              bool toSpace) {
  auto in = rankedOrNull(op->getOperand(0)), out = rankedOrNull(op->getResult(0));
  if (in.getRank() != 4)
    return op->emitOpError("input must be NCHW (rank 4), got rank ")
           << in.getRank();
  if (b < 1 || b > (int64_t(1) << 16))
    return op->emitOpError("blocksize must be in [1, 65536], got ") << b;
  if (in.getElementType() != out.getElementType())
    return op->emitOpError("result element type must be the input's");
  int64_t n = in.getDimSize(0), c = in.getDimSize(1), h = in.getDimSize(2),
          w = in.getDimSize(3);
  SmallVector<int64_t> expected;
  if (toSpace) {
    if (c % (b * b) != 0)
      return op->emitOpError("channels ")
             << c << " are not a multiple of blocksize^2 = " << b * b;
    expected = {n, c / (b * b), h * b, w * b};
  } else {
    if (h % b != 0 || w % b != 0)
      return op->emitOpError("height ")
             << h << " and width " << w << " must be multiples of blocksize "
             << b;
    expected = {n, c * b * b, h / b, w / b};
  }
  if (out.getShape() != ArrayRef<int64_t>(expected))
    return op->emitOpError("result type ") << out << " does not match the input";
  return success();
}

LogicalResult DepthToSpaceOp::verify() {
  if (getMode() != "DCR" && getMode() != "CRD")
    return emitOpError("mode must be DCR or CRD, got '") << getMode() << "'";
  return verifyBlockRearrangement(*this, getBlocksize(), /*toSpace=*/true);
}
LogicalResult SpaceToDepthOp::verify() {
  return verifyBlockRearrangement(*this, getBlocksize(), /*toSpace=*/false);
}

LogicalResult WhereOp::verify() {
  auto c = rankedOrNull(getCondition()), x = rankedOrNull(getX()),
       y = rankedOrNull(getY()), out = rankedOrNull(getOutput());
  if (!c.getElementType().isInteger(1))
    return emitOpError("condition must be bool, got ") << c.getElementType();
  if (x.getElementType() != out.getElementType() ||
      y.getElementType() != out.getElementType())
    return emitOpError("X, Y and the result must have one element type, got ")
           << x.getElementType() << ", " << y.getElementType() << " and "
           << out.getElementType();
  auto shape = broadcastAll(*this, getOperands());
  if (failed(shape))
    return failure();
  if (ArrayRef<int64_t>(*shape) != out.getShape())
    return emitOpError("result type ")
           << out << " is not the broadcast shape of the inputs";
  return success();
}

/// Unary elementwise ops keep the shape; Not works on bool.

/// IsNaN and IsInf: a float operand, a bool result of its shape.
static LogicalResult verifyFloatTest(Operation *op) {
  auto x = rankedOrNull(op->getOperand(0)), y = rankedOrNull(op->getResult(0));
  if (!isa<FloatType>(x.getElementType()))
    return op->emitOpError("operand must be float, got ") << x.getElementType();
  if (!y.getElementType().isInteger(1) || x.getShape() != y.getShape())
    return op->emitOpError("result must be the operand's shape in i1");
  return success();
}
LogicalResult IsNaNOp::verify() { return verifyFloatTest(*this); }
LogicalResult IsInfOp::verify() { return verifyFloatTest(*this); }

//===----------------------------------------------------------------------===//
// Conv, Gemm, MatMul, BatchNormalization
//===----------------------------------------------------------------------===//

LogicalResult ConvOp::verify() {
  auto x = rankedOrNull(getX()), w = rankedOrNull(getW()), y = rankedOrNull(getY());
  if (x.getRank() < 3 || w.getRank() != x.getRank())
    return emitOpError("expects X and W of equal rank >= 3, got ")
           << x << " and " << w;
  int64_t group = getGroup();
  // Each group sees C/group input channels and produces M/group outputs.
  if (group < 1 || x.getDimSize(1) != w.getDimSize(1) * group ||
      w.getDimSize(0) % group != 0)
    return emitOpError("channels do not match: X has ")
           << x.getDimSize(1) << ", W expects " << w.getDimSize(1)
           << " per group with group = " << group;
  if (!bnnc::isNoValue(getB())) {
    auto b = rankedOrNull(getB());
    if (b.getRank() != 1 || b.getDimSize(0) != w.getDimSize(0))
      return emitOpError("bias must have shape [") << w.getDimSize(0) << "]";
  }
  if (auto ks = getKernelShape())
    if (*ks != w.getShape().drop_front(2))
      return emitOpError("kernel_shape does not match W");
  std::string error;
  auto geometry = bnnc::resolveWindow(
      x.getShape().drop_front(2), w.getShape().drop_front(2), getStrides(),
      getDilations(), getPads(), getAutoPad(), /*ceilMode=*/false, error);
  if (!geometry)
    return emitOpError(error);
  SmallVector<int64_t> expected = {x.getDimSize(0), w.getDimSize(0)};
  expected.append(geometry->output);
  if (y.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result type ") << y << " does not match the geometry";
  return success();
}

LogicalResult GemmOp::verify() {
  auto a = rankedOrNull(getA()), b = rankedOrNull(getB()), y = rankedOrNull(getY());
  if (a.getRank() != 2 || b.getRank() != 2)
    return emitOpError("expects 2-D A and B");
  int64_t m = a.getDimSize(getTransA() ? 1 : 0);
  int64_t k = a.getDimSize(getTransA() ? 0 : 1);
  int64_t kb = b.getDimSize(getTransB() ? 1 : 0);
  int64_t n = b.getDimSize(getTransB() ? 0 : 1);
  if (k != kb)
    return emitOpError("inner dimensions differ: ") << k << " vs " << kb;
  if (y.getShape() != ArrayRef<int64_t>{m, n})
    return emitOpError("result must be ") << m << "x" << n;
  if (!bnnc::isNoValue(getC())) {
    // C is unidirectionally broadcast to [M, N].
    auto c = rankedOrNull(getC());
    auto shape = bnnc::broadcastShapes(c.getShape(), {m, n});
    if (c.getRank() > 2 || !shape || (*shape)[0] != m || (*shape)[1] != n)
      return emitOpError("C of type ") << c << " does not broadcast to "
                                       << m << "x" << n;
  }
  return success();
}

LogicalResult MatMulOp::verify() {
  auto a = rankedOrNull(getA()), b = rankedOrNull(getB()), y = rankedOrNull(getY());
  if (a.getRank() < 1 || b.getRank() < 1)
    return emitOpError("operands must have rank >= 1");
  // numpy.matmul: a 1-D A is a row vector, a 1-D B a column vector; the
  // inserted dimension is removed from the result again.
  SmallVector<int64_t> as(a.getShape()), bs(b.getShape());
  if (as.size() == 1)
    as.insert(as.begin(), 1);
  if (bs.size() == 1)
    bs.push_back(1);
  if (as.back() != bs[bs.size() - 2])
    return emitOpError("inner dimensions differ: ")
           << as.back() << " vs " << bs[bs.size() - 2];
  auto batch = bnnc::broadcastShapes(ArrayRef(as).drop_back(2),
                                     ArrayRef(bs).drop_back(2));
  if (!batch)
    return emitOpError("batch dimensions are not broadcast-compatible");
  SmallVector<int64_t> expected(*batch);
  if (a.getRank() > 1)
    expected.push_back(as[as.size() - 2]);
  if (b.getRank() > 1)
    expected.push_back(bs.back());
  if (y.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result type ") << y << " does not match operands";
  return success();
}

LogicalResult BatchNormalizationOp::verify() {
  auto x = rankedOrNull(getX());
  if (x.getRank() < 2)
    return emitOpError("expects X of rank >= 2");
  if (getTrainingMode() != 0)
    return emitOpError("training_mode = 1 is not supported for inference");
  int64_t c = x.getDimSize(1);
  for (Value v : {getScale(), getB(), getInputMean(), getInputVar()})
    if (rankedOrNull(v).getShape() != ArrayRef<int64_t>{c})
      return emitOpError("scale, B, mean and var must have shape [")
             << c << "]";
  if (getY().getType() != x)
    return emitOpError("result type must equal the type of X");
  return success();
}

//===----------------------------------------------------------------------===//
// MaxPool
//===----------------------------------------------------------------------===//

LogicalResult MaxPoolOp::verify() {
  auto x = rankedOrNull(getX()), y = rankedOrNull(getY());
  if (x.getRank() < 3)
    return emitOpError("expects X of rank >= 3");
  if (getStorageOrder() != 0)
    return emitOpError("storage_order = 1 is not supported");
  std::string error;
  auto geometry = bnnc::resolveWindow(
      x.getShape().drop_front(2), getKernelShape(), getStrides(),
      getDilations(), getPads(), getAutoPad(), getCeilMode() != 0, error);
  if (!geometry)
    return emitOpError(error);
  // A window entirely in the padding would have no element to take the
  // maximum of.
  for (auto [i, k] : llvm::enumerate(geometry->kernel)) {
    int64_t extent = (k - 1) * geometry->dilations[i] + 1;
    if (geometry->padsBegin[i] >= extent || geometry->padsEnd[i] >= extent)
      return emitOpError("pads must be smaller than the window extent ")
             << extent << " (a window entirely in padding has no maximum)";
  }
  SmallVector<int64_t> expected = {x.getDimSize(0), x.getDimSize(1)};
  expected.append(geometry->output);
  if (y.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result type ") << y << " does not match the geometry";
  return success();
}

//===----------------------------------------------------------------------===//
// Flatten, Reshape
//===----------------------------------------------------------------------===//

LogicalResult FlattenOp::verify() {
  auto x = rankedOrNull(getInput());
  int64_t rank = x.getRank(), axis = getAxis();
  if (axis < -rank || axis > rank)
    return emitOpError("axis ") << axis << " out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
  int64_t outer = bnnc::shapeProduct(x.getShape().take_front(axis));
  int64_t inner = bnnc::shapeProduct(x.getShape().drop_front(axis));
  if (rankedOrNull(getOutput()).getShape() != ArrayRef<int64_t>{outer, inner})
    return emitOpError("result must be ") << outer << "x" << inner;
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto shape = rankedOrNull(getShape());
  if (shape.getRank() != 1 || !shape.getElementType().isInteger(64))
    return emitOpError("shape must be a 1-D int64 tensor");
  auto in = rankedOrNull(getData()), out = rankedOrNull(getReshaped());
  if (in.getElementType() != out.getElementType() ||
      in.getNumElements() != out.getNumElements())
    return emitOpError("cannot reshape ") << in << " to " << out;
  return success();
}

//===----------------------------------------------------------------------===//
// Concat
//===----------------------------------------------------------------------===//

/// Inputs of the result's rank (at least 1) and element type, equal except
/// along `axis`, whose extents add up to the result's.
LogicalResult ConcatOp::verify() {
  auto out = rankedOrNull(getConcatResult());
  int64_t rank = out.getRank(), axis = getAxis();
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  if (rank == 0)
    return emitOpError("cannot concatenate scalars");
  if (axis < -rank || axis >= rank)
    return emitOpError("axis ") << axis << " out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
  int64_t extent = 0;
  for (Value v : getInputs()) {
    auto in = rankedOrNull(v);
    if (in.getRank() != rank || in.getElementType() != out.getElementType())
      return emitOpError("input ")
             << in << " does not match the result " << out
             << " in rank or element type";
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && in.getDimSize(d) != out.getDimSize(d))
        return emitOpError("input ")
               << in << " differs from the result " << out
               << " outside axis " << axis;
    extent += in.getDimSize(axis);
  }
  if (extent != out.getDimSize(axis))
    return emitOpError("inputs add up to ")
           << extent << " along axis " << axis << ", the result has "
           << out.getDimSize(axis);
  return success();
}

//===----------------------------------------------------------------------===//
// Transpose
//===----------------------------------------------------------------------===//

/// perm must be a permutation of [0, rank) (absent: the dimensions
/// reversed), and the result shape the input's permuted.
LogicalResult TransposeOp::verify() {
  auto in = rankedOrNull(getData()), out = rankedOrNull(getTransposed());
  int64_t rank = in.getRank();
  SmallVector<int64_t> perm;
  if (auto p = getPerm())
    perm.assign(p->begin(), p->end());
  else
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  if (static_cast<int64_t>(perm.size()) != rank)
    return emitOpError("perm has ")
           << perm.size() << " entries for an input of rank " << rank;
  SmallVector<bool> seen(rank, false);
  SmallVector<int64_t> shape;
  for (int64_t d : perm) {
    if (d < 0 || d >= rank || seen[d])
      return emitOpError("perm is not a permutation of [0, ")
             << rank << "): entry " << d;
    seen[d] = true;
    shape.push_back(in.getDimSize(d));
  }
  if (in.getElementType() != out.getElementType() ||
      out.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("result type ")
           << out << " is not the input " << in << " permuted";
  return success();
}

#define GET_OP_CLASSES
#include "dialects/onnx/OnnxOps.cpp.inc"
