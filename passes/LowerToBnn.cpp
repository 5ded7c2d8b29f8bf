//===- LowerToBnn.cpp - Lower onnx ops to bnn kernel ops ------------------===//
//
// The last graph-level step: every remaining onnx op becomes bnn kernel ops
// (or views). Each lowering is one function; a form without a kernel is
// reported against the ONNX node with the reason, never silently dropped.
// Attributes that ONNX moved to inputs over the opsets (axes, pads, split
// sizes, clip bounds) are accepted in both forms, but an input form must be
// a compile-time constant.
//
//===----------------------------------------------------------------------===//

#include "dialects/bnn/ElementwiseKinds.h"
#include "dialects/onnx/ShapeUtils.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"
#include "passes/ResizeTables.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <map>

namespace bnnc {
#define GEN_PASS_DEF_ONNXLOWERTOBNN
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

std::optional<double> constantScalar(Value v) {
  DenseElementsAttr attr;
  if (!v || isNoValue(v) || !matchPattern(v, m_Constant(&attr)) ||
      attr.getNumElements() != 1)
    return std::nullopt;
  if (isa<FloatType>(attr.getElementType()))
    return (*attr.getValues<APFloat>().begin()).convertToDouble();
  return static_cast<double>((*attr.getValues<APInt>().begin()).getSExtValue());
}

std::string typeString(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  return s;
}

/// Elementwise ONNX ops and the bnn.elementwise kind each becomes: the
/// float unary ones from the table, the others by hand.
const llvm::StringMap<bnn::ElementwiseKind> &elementwiseKindOf() {
  static const llvm::StringMap<bnn::ElementwiseKind> kinds = {
      {"onnx.Add", bnn::ElementwiseKind::Add},
      {"onnx.Sub", bnn::ElementwiseKind::Sub},
      {"onnx.Mul", bnn::ElementwiseKind::Mul},
      {"onnx.Div", bnn::ElementwiseKind::Div},
      {"onnx.Pow", bnn::ElementwiseKind::Pow},
      {"onnx.PRelu", bnn::ElementwiseKind::PRelu},
      {"onnx.Equal", bnn::ElementwiseKind::Equal},
      {"onnx.Greater", bnn::ElementwiseKind::Greater},
      {"onnx.GreaterOrEqual", bnn::ElementwiseKind::GreaterEqual},
      {"onnx.Less", bnn::ElementwiseKind::Less},
      {"onnx.LessOrEqual", bnn::ElementwiseKind::LessEqual},
      {"onnx.And", bnn::ElementwiseKind::And},
      {"onnx.Or", bnn::ElementwiseKind::Or},
      {"onnx.Xor", bnn::ElementwiseKind::Xor},
      {"onnx.IsNaN", bnn::ElementwiseKind::IsNaN},
      {"onnx.Where", bnn::ElementwiseKind::Where},
      {"onnx.Relu", bnn::ElementwiseKind::Relu},
      {"onnx.Sign", bnn::ElementwiseKind::Sign},
      {"onnx.Abs", bnn::ElementwiseKind::Abs},
      {"onnx.Neg", bnn::ElementwiseKind::Neg},
      {"onnx.Not", bnn::ElementwiseKind::Not},
      {"onnx.Cast", bnn::ElementwiseKind::Cast},
#define BNNC_FLOAT_UNARY(ENUM, NAME, ONNX, OPSET, ALPHA, BETA, C_EXPR, FOLD)   \
  {onnx::ONNX##Op::getOperationName(), bnn::ElementwiseKind::ENUM},
#include "dialects/ElementwiseKinds.def"
  };
  return kinds;
}

/// The alpha and beta of a float unary kind: the ONNX op's attributes the
/// table names (their defaults included, which the op does not store).
std::pair<FloatAttr, FloatAttr> unaryParameters(Operation *op) {
#define BNNC_FLOAT_UNARY(ENUM, NAME, ONNX, OPSET, ALPHA, BETA, C_EXPR, FOLD)   \
  if (auto o = dyn_cast<onnx::ONNX##Op>(op)) {                                 \
    (void)o;                                                                   \
    return {ALPHA, BETA};                                                      \
  }
#include "dialects/ElementwiseKinds.def"
  return {FloatAttr(), FloatAttr()};
}

/// The bnn.reduce kind of an ONNX reduction with an `axes` attribute.
bnn::ReduceKind reduceKindOf(Operation *op) {
  return StringSwitch<bnn::ReduceKind>(op->getName().stripDialect())
      .Case("ReduceMean", bnn::ReduceKind::mean)
      .Case("ReduceMax", bnn::ReduceKind::max)
      .Case("ReduceMin", bnn::ReduceKind::min)
      .Case("ReduceProd", bnn::ReduceKind::prod)
      .Case("ReduceSumSquare", bnn::ReduceKind::sum_square)
      .Case("ReduceL1", bnn::ReduceKind::l1)
      .Case("ReduceL2", bnn::ReduceKind::l2)
      .Case("ReduceLogSum", bnn::ReduceKind::log_sum)
      .Case("ReduceLogSumExp", bnn::ReduceKind::log_sum_exp);
}

class Lowering {
public:
  Lowering(MLIRContext *ctx, int64_t opset) : rewriter(ctx), opset(opset) {}

  LogicalResult lower(Operation *op) {
    rewriter.setInsertionPoint(op);
    auto kind = elementwiseKindOf().find(op->getName().getStringRef());
    if (kind != elementwiseKindOf().end())
      return lowerElementwise(op, kind->second);
    return TypeSwitch<Operation *, LogicalResult>(op)
        .Case([&](onnx::ConstantOp c) { return lowerConstant(c); })
        .Case([&](onnx::NoValueOp) { return success(); })
        .Case([&](onnx::IdentityOp c) { return replace(c, c.getInput()); })
        .Case([&](onnx::DropoutOp c) { return lowerDropout(c); })
        .Case<onnx::ReshapeOp, onnx::FlattenOp, onnx::SqueezeOp,
              onnx::UnsqueezeOp>([&](Operation *o) { return lowerView(o); })
        .Case<onnx::MaxOp, onnx::MinOp, onnx::MeanOp, onnx::SumOp>(
            [&](Operation *o) { return lowerVariadic(o); })
        .Case([&](onnx::ClipOp c) { return lowerClip(c); })
        .Case([&](onnx::IsInfOp c) { return lowerIsInf(c); })
        .Case([&](onnx::ConvOp c) { return lowerConv(c); })
        .Case([&](onnx::GemmOp c) { return lowerGemm(c); })
        .Case([&](onnx::MatMulOp c) { return lowerMatMul(c); })
        .Case([&](onnx::BatchNormalizationOp c) { return lowerBatchNorm(c); })
        .Case([&](onnx::MaxPoolOp c) { return lowerMaxPool(c); })
        .Case([&](onnx::AveragePoolOp c) { return lowerAveragePool(c); })
        .Case([&](onnx::GlobalAveragePoolOp c) {
          return lowerGlobalPool(c, bnn::ReduceKind::mean);
        })
        .Case([&](onnx::GlobalMaxPoolOp c) {
          return lowerGlobalPool(c, bnn::ReduceKind::max);
        })
        .Case([&](onnx::ReduceSumOp c) {
          return lowerReduce(c, bnn::ReduceKind::sum, c.getAxesT(),
                             c.getNoopWithEmptyAxes());
        })
        .Case<onnx::ReduceMeanOp, onnx::ReduceMaxOp, onnx::ReduceMinOp,
              onnx::ReduceProdOp, onnx::ReduceSumSquareOp, onnx::ReduceL1Op,
              onnx::ReduceL2Op, onnx::ReduceLogSumOp, onnx::ReduceLogSumExpOp>(
            [&](auto c) { return lowerReduce(c, reduceKindOf(c)); })
        .Case([&](onnx::ArgMaxOp c) {
          return lowerArgReduce(c, bnn::ReduceKind::max);
        })
        .Case([&](onnx::ArgMinOp c) {
          return lowerArgReduce(c, bnn::ReduceKind::min);
        })
        .Case([&](onnx::SoftmaxOp c) { return lowerSoftmax(c, false); })
        .Case([&](onnx::LogSoftmaxOp c) { return lowerSoftmax(c, true); })
        .Case([&](onnx::LayerNormalizationOp c) { return lowerLayerNorm(c); })
        .Case([&](onnx::GeluOp c) { return lowerGelu(c); })
        .Case([&](onnx::CumSumOp c) { return lowerCumSum(c); })
        .Case([&](onnx::TopKOp c) { return lowerTopK(c); })
        .Case([&](onnx::BipolarQuantOp c) { return lowerBipolarQuant(c); })
        .Case([&](onnx::ConcatOp c) { return lowerConcat(c); })
        .Case([&](onnx::GatherOp c) {
          return lowerGatherAlongAxis<bnn::GatherOp>(c);
        })
        .Case([&](onnx::TransposeOp c) { return lowerTranspose(c); })
        .Case([&](onnx::DepthToSpaceOp c) {
          int64_t b = c.getBlocksize();
          auto s = tensorType(c.getInput()).getShape();
          int64_t n = s[0], ch = s[1], h = s[2], w = s[3], cb = ch / (b * b);
          // DCR: [N, b, b, C/b², H, W]; CRD: [N, C/b², b, b, H, W]; both
          // transposed to [N, C/b², H, b, W, b].
          if (c.getMode() == "CRD")
            return lowerBlockRearrangement(c, {n, cb, b, b, h, w},
                                           {0, 1, 4, 2, 5, 3});
          return lowerBlockRearrangement(c, {n, b, b, cb, h, w},
                                         {0, 3, 4, 1, 5, 2});
        })
        .Case([&](onnx::SpaceToDepthOp c) {
          int64_t b = c.getBlocksize();
          auto s = tensorType(c.getInput()).getShape();
          // [N, C, H/b, b, W/b, b] to [N, b, b, C, H/b, W/b].
          return lowerBlockRearrangement(
              c, {s[0], s[1], s[2] / b, b, s[3] / b, b}, {0, 3, 5, 1, 2, 4});
        })
        .Case([&](onnx::SliceOp c) { return lowerSlice(c); })
        .Case([&](onnx::SplitOp c) { return lowerSplit(c); })
        .Case([&](onnx::ExpandOp c) { return lowerExpand(c); })
        .Case([&](onnx::TileOp c) { return lowerTile(c); })
        .Case([&](onnx::PadOp c) { return lowerPad(c); })
        .Case([&](onnx::RangeOp c) { return lowerRange(c); })
        .Case<onnx::LSTMOp, onnx::GRUOp, onnx::RNNOp>(
            [&](Operation *o) { return lowerRecurrent(o); })
        // Issue 16: resampling, transposed convolution, normalizations,
        // indexing.
        .Case([&](onnx::ResizeOp c) { return lowerResize(c); })
        .Case([&](onnx::UpsampleOp c) { return lowerUpsample(c); })
        .Case([&](onnx::ConvTransposeOp c) { return lowerConvTranspose(c); })
        .Case([&](onnx::InstanceNormalizationOp c) {
          return lowerInstanceNorm(c);
        })
        .Case([&](onnx::LpNormalizationOp c) { return lowerLpNorm(c); })
        .Case([&](onnx::GatherElementsOp c) {
          return lowerGatherAlongAxis<bnn::GatherElementsOp>(c);
        })
        .Case([&](onnx::GatherNDOp c) { return lowerGatherND(c); })
        .Case([&](onnx::ScatterNDOp c) { return lowerScatterND(c); })
        .Case([&](onnx::OneHotOp c) { return lowerOneHot(c); })
        .Case([&](onnx::TriluOp c) { return lowerTrilu(c); })
        .Case([&](onnx::EinsumOp c) { return lowerEinsum(c); })
        .Case([&](onnx::QuantizeLinearOp c) { return lowerQuantizeLinear(c); })
        .Case([&](onnx::DequantizeLinearOp c) {
          return lowerDequantizeLinear(c);
        })
        .Case([&](onnx::DynamicQuantizeLinearOp c) {
          return lowerDynamicQuantizeLinear(c);
        })
        .Case([&](onnx::ConvIntegerOp c) { return lowerConvInteger(c); })
        .Case([&](onnx::QLinearConvOp c) { return lowerQLinearConv(c); })
        .Case([&](onnx::MatMulIntegerOp c) { return lowerMatMulInteger(c); })
        .Case([&](onnx::QLinearMatMulOp c) { return lowerQLinearMatMul(c); })
        .Case([&](onnx::TfliteQuantizeOp c) { return lowerTfliteQuantize(c); })
        .Case([&](onnx::TfliteRequantizeOp c) {
          return lowerTfliteRequantize(c);
        })
        .Case([&](onnx::TfliteAddOp c) { return lowerTfliteAdd(c); })
        .Case([&](onnx::SizeOp o) {
          return fail(o, "input must have a static shape");
        })
        .Case<onnx::ShapeOp, onnx::ConstantOfShapeOp>([&](Operation *o) {
          return fail(o, "inputs must be compile-time constants");
        })
        .Default([&](Operation *o) {
          return fail(o, "has no lowering to a bnn kernel");
        });
  }

private:
  IRRewriter rewriter;
  int64_t opset;

  LogicalResult fail(Operation *op, const Twine &reason) {
    return op->emitError() << describeNode(op) << ": " << reason;
  }

  /// An ONNX axis in [-rank, rank) made non-negative. Attributes of
  /// unchecked files can hold anything (a fuzzer found an axis of -4.3e17
  /// indexing past a shape), so every axis-taking lowering goes through here.
  FailureOr<int64_t> checkedAxis(Operation *op, int64_t axis, int64_t rank) {
    if (axis < -rank || axis >= rank) {
      (void)fail(op, "axis " + std::to_string(axis) +
                         " is out of range for rank " + std::to_string(rank));
      return failure();
    }
    return axis < 0 ? axis + rank : axis;
  }

  LogicalResult replace(Operation *op, Value with) {
    rewriter.replaceOp(op, with);
    return success();
  }

  /// Fails, naming the element type and `why`, unless every tensor the op
  /// reads or writes has an element type `allowed` accepts.
  LogicalResult requireElementTypes(Operation *op,
                                    function_ref<bool(Type)> allowed,
                                    StringRef why) {
    SmallVector<Type> types(op->getOperandTypes());
    llvm::append_range(types, op->getResultTypes());
    for (Type t : types) {
      auto tensor = dyn_cast<RankedTensorType>(t);
      if (tensor && !allowed(tensor.getElementType()))
        return fail(op, "element type " + typeString(tensor.getElementType()) +
                            " is not supported" + why);
    }
    return success();
  }

  /// Float kernels exist for float32 tensors only.
  LogicalResult requireF32(Operation *op) {
    return requireElementTypes(
        op, [](Type e) { return e.isF32(); }, " (float kernels need float32)");
  }

  /// Element types the generated C handles: f32 and the integer/bool types.
  LogicalResult requireSupportedTypes(Operation *op) {
    return requireElementTypes(
        op, [](Type e) { return e.isF32() || isa<IntegerType>(e); }, "");
  }

  bnn::ActivationAttr noActivation() {
    return bnn::ActivationAttr::get(rewriter.getContext(),
                                    bnn::Activation::none);
  }

  Value constant(Location loc, DenseElementsAttr attr) {
    return rewriter.create<bnn::ConstantOp>(loc, attr.getType(), attr);
  }

  Value view(Location loc, Value v, ArrayRef<int64_t> shape) {
    auto type = tensorType(v).clone(shape);
    if (type == v.getType())
      return v;
    return rewriter.create<bnn::ReshapeOp>(loc, type, v);
  }

  Value elementwise(Location loc, bnn::ElementwiseKind kind, ValueRange inputs,
                    Type resultType, FloatAttr alpha = {},
                    FloatAttr beta = {}) {
    return rewriter.create<bnn::ElementwiseOp>(
        loc, resultType, inputs,
        bnn::ElementwiseKindAttr::get(rewriter.getContext(), kind), alpha,
        beta);
  }

  LogicalResult lowerConstant(onnx::ConstantOp op) {
    rewriter.replaceOpWithNewOp<bnn::ConstantOp>(op, op.getType(),
                                                 op.getValue());
    return success();
  }

  /// Inference Dropout is the identity; training mode (random masks) is not
  /// something a deployed model does.
  LogicalResult lowerDropout(onnx::DropoutOp op) {
    if (!isNoValue(op.getTrainingMode())) {
      auto training = constantScalar(op.getTrainingMode());
      if (!training || *training != 0.0)
        return fail(op, "training_mode must be a constant false");
    }
    return replace(op, op.getData());
  }

  LogicalResult lowerView(Operation *op) {
    rewriter.replaceOpWithNewOp<bnn::ReshapeOp>(op, op->getResult(0).getType(),
                                                op->getOperand(0));
    return success();
  }

  LogicalResult lowerElementwise(Operation *op, bnn::ElementwiseKind kind) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    if (kind == bnn::ElementwiseKind::Cast &&
        op->getOperand(0).getType() == op->getResult(0).getType())
      return replace(op, op->getOperand(0));
    auto [alpha, beta] = unaryParameters(op);
    Value result = elementwise(op->getLoc(), kind, op->getOperands(),
                               op->getResult(0).getType(), alpha, beta);
    return replace(op, result);
  }

  /// IsInf: "is_inf" with detect_positive and detect_negative as its alpha
  /// and beta (1 or 0).
  LogicalResult lowerIsInf(onnx::IsInfOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    auto flag = [&](int64_t detect) {
      return rewriter.getF32FloatAttr(detect != 0 ? 1.0f : 0.0f);
    };
    Value result =
        elementwise(op.getLoc(), bnn::ElementwiseKind::IsInf, op.getX(),
                    op.getY().getType(), flag(op.getDetectPositive()),
                    flag(op.getDetectNegative()));
    return replace(op, result);
  }

  /// Max/Min/Sum of n inputs: a chain of broadcasting binary ops in input
  /// order; Mean: their sum divided by n (as the ONNX reference computes).
  LogicalResult lowerVariadic(Operation *op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    bnn::ElementwiseKind kind = isa<onnx::MaxOp>(op) ? bnn::ElementwiseKind::Max
                                : isa<onnx::MinOp>(op)
                                    ? bnn::ElementwiseKind::Min
                                    : bnn::ElementwiseKind::Add;
    Location loc = op->getLoc();
    Value acc = op->getOperand(0);
    for (Value next : op->getOperands().drop_front()) {
      auto shape = *broadcastShapes(tensorType(acc).getShape(),
                                    tensorType(next).getShape());
      acc = elementwise(loc, kind, {acc, next}, tensorType(acc).clone(shape));
    }
    if (isa<onnx::MeanOp>(op) && op->getNumOperands() > 1) {
      auto type = tensorType(acc);
      if (!type.getElementType().isF32())
        return fail(op, "Mean needs float inputs, got " +
                            typeString(type.getElementType()));
      auto scalar = RankedTensorType::get({}, type.getElementType());
      Value n =
          constant(loc, DenseElementsAttr::get(
                            scalar, static_cast<float>(op->getNumOperands())));
      acc = elementwise(loc, bnn::ElementwiseKind::Div, {acc, n}, type);
    }
    return replace(op, acc);
  }

  /// Clip(x, lo, hi) = min(max(x, lo), hi); bounds come from inputs (opset
  /// 11+) or attributes (before).
  LogicalResult lowerClip(onnx::ClipOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    Location loc = op.getLoc();
    auto type = tensorType(op.getInput());
    auto bound = [&](Value operand, std::optional<APFloat> attr) -> Value {
      if (!isNoValue(operand))
        return operand;
      if (!attr)
        return Value();
      auto scalar = RankedTensorType::get({}, type.getElementType());
      return constant(loc, DenseElementsAttr::get(scalar, *attr));
    };
    Value x = op.getInput();
    if (Value lo = bound(op.getMinT(), op.getMin()))
      x = elementwise(loc, bnn::ElementwiseKind::Max, {x, lo}, type);
    if (Value hi = bound(op.getMaxT(), op.getMax()))
      x = elementwise(loc, bnn::ElementwiseKind::Min, {x, hi}, type);
    return replace(op, x);
  }

  /// Resolves an ONNX window over 1 or 2 spatial dims to 2-D attributes.
  std::optional<Window2D> window2D(Operation *op, ArrayRef<int64_t> inShape,
                                   ArrayRef<int64_t> kernel,
                                   std::optional<ArrayRef<int64_t>> strides,
                                   std::optional<ArrayRef<int64_t>> dilations,
                                   std::optional<ArrayRef<int64_t>> pads,
                                   StringRef autoPad, bool ceilMode) {
    int64_t spatial = inShape.size() - 2;
    if (spatial != 1 && spatial != 2) {
      (void)fail(op, "only 1-D and 2-D windows are supported, got " +
                         Twine(spatial) + " spatial dimensions");
      return std::nullopt;
    }
    std::string error;
    auto g = resolveWindow(inShape.drop_front(2), kernel, strides, dilations,
                           pads, autoPad, ceilMode, error);
    if (!g) {
      (void)fail(op, error);
      return std::nullopt;
    }
    return asWindow2D(*g);
  }

  LogicalResult lowerConv(onnx::ConvOp op) {
    if (failed(requireF32(op)))
      return failure();
    auto x = tensorType(op.getX()), w = tensorType(op.getW());
    auto g =
        window2D(op, x.getShape(), w.getShape().drop_front(2), op.getStrides(),
                 op.getDilations(), op.getPads(), op.getAutoPad(), false);
    if (!g)
      return failure();
    Location loc = op.getLoc();
    bool is1D = x.getRank() == 3;
    Value input = is1D ? view(loc, op.getX(), asNCHW(x.getShape())) : op.getX();
    Value weight =
        is1D ? view(loc, op.getW(), asNCHW(w.getShape())) : op.getW();
    auto resultShape = tensorType(op.getY()).getShape();
    Value bias = isNoValue(op.getB()) ? Value() : op.getB();
    Value y = rewriter.create<bnn::Conv2DOp>(
        loc,
        tensorType(op.getY()).clone(is1D ? asNCHW(resultShape) : resultShape),
        input, weight, bias, rewriter.getDenseI64ArrayAttr(g->strides),
        rewriter.getDenseI64ArrayAttr(g->pads),
        rewriter.getDenseI64ArrayAttr(g->dilations),
        rewriter.getI64IntegerAttr(op.getGroup()), noActivation());
    return replace(op, view(loc, y, resultShape));
  }

  LogicalResult lowerGemm(onnx::GemmOp op) {
    if (failed(requireF32(op)))
      return failure();
    Value c = isNoValue(op.getC()) ? Value() : op.getC();
    rewriter.replaceOpWithNewOp<bnn::GemmOp>(
        op, op.getType(), op.getA(), op.getB(), c, op.getAlphaAttr(),
        op.getBetaAttr(), rewriter.getBoolAttr(op.getTransA() != 0),
        rewriter.getBoolAttr(op.getTransB() != 0), noActivation());
    return success();
  }

  /// numpy.matmul promotes a 1-D A to [1, K] and a 1-D B to [K, 1] and drops
  /// the inserted dimension from the result; views express both.
  LogicalResult lowerMatMul(onnx::MatMulOp op) {
    if (failed(requireF32(op)))
      return failure();
    Location loc = op.getLoc();
    auto promote = [&](Value v, bool isLhs) -> Value {
      auto t = tensorType(v);
      if (t.getRank() != 1)
        return v;
      SmallVector<int64_t> shape = {1, t.getDimSize(0)};
      if (!isLhs)
        std::swap(shape[0], shape[1]);
      return view(loc, v, shape);
    };
    Value a = promote(op.getA(), true), b = promote(op.getB(), false);
    auto at = tensorType(a), bt = tensorType(b);
    SmallVector<int64_t> shape(*broadcastShapes(at.getShape().drop_back(2),
                                                bt.getShape().drop_back(2)));
    shape.push_back(at.getDimSize(at.getRank() - 2));
    shape.push_back(bt.getShape().back());
    Value result =
        rewriter.create<bnn::MatMulOp>(loc, op.getType().clone(shape), a, b);
    return replace(op, view(loc, result, op.getType().getShape()));
  }

  LogicalResult lowerBatchNorm(onnx::BatchNormalizationOp op) {
    if (failed(requireF32(op)))
      return failure();
    auto affine = getBatchNormAffine(op);
    if (!affine)
      return lowerBatchNormAtRunTime(op);
    int64_t channels = affine->scale.size();
    MLIRContext *ctx = rewriter.getContext();
    Value scale =
        constant(op.getLoc(), makeF32Attr(ctx, {channels}, affine->scale));
    Value shift =
        constant(op.getLoc(), makeF32Attr(ctx, {channels}, affine->shift));
    rewriter.replaceOpWithNewOp<bnn::ChannelAffineOp>(op, op.getType(),
                                                      op.getX(), scale, shift);
    return success();
  }

  /// Parameters known only at run time: the ONNX formula as elementwise
  /// kernels, y = (x - mean) / sqrt(var + eps) * scale + B, with the
  /// per-channel vectors viewed as [C, 1, ..., 1] to broadcast over NCHW.
  LogicalResult lowerBatchNormAtRunTime(onnx::BatchNormalizationOp op) {
    Location loc = op.getLoc();
    auto type = tensorType(op.getX());
    SmallVector<int64_t> channelShape(type.getRank() - 1, 1);
    channelShape[0] = type.getDimSize(1);
    auto channel = [&](Value v) { return view(loc, v, channelShape); };
    auto cType = type.clone(channelShape);
    auto epsType = RankedTensorType::get({}, type.getElementType());
    Value eps = constant(loc, DenseElementsAttr::get(epsType, op.getEpsilon()));
    Value centered = elementwise(loc, bnn::ElementwiseKind::Sub,
                                 {op.getX(), channel(op.getInputMean())}, type);
    Value var = elementwise(loc, bnn::ElementwiseKind::Add,
                            {channel(op.getInputVar()), eps}, cType);
    Value stddev = elementwise(loc, bnn::ElementwiseKind::Sqrt, {var}, cType);
    Value normalized =
        elementwise(loc, bnn::ElementwiseKind::Div, {centered, stddev}, type);
    Value scaled = elementwise(loc, bnn::ElementwiseKind::Mul,
                               {normalized, channel(op.getScale())}, type);
    return replace(op, elementwise(loc, bnn::ElementwiseKind::Add,
                                   {scaled, channel(op.getB())}, type));
  }

  /// MaxPool also takes int8 and uint8 tensors (opset 12): the max of
  /// integers is exact, and an empty window is the type's minimum, as
  /// bnnc_maxpool2d_i8/u8 compute it. AveragePool is float only.
  template <typename PoolOp> LogicalResult lowerPool(PoolOp op, bool average) {
    if (failed(average
                   ? requireF32(op)
                   : requireElementTypes(
                         op, [](Type e) { return e.isF32() || e.isInteger(8); },
                         " (MaxPool takes float32, int8 and uint8)")))
      return failure();
    auto x = tensorType(op.getX());
    auto g = window2D(op, x.getShape(), op.getKernelShape(), op.getStrides(),
                      op.getDilations(), op.getPads(), op.getAutoPad(),
                      op.getCeilMode() != 0);
    if (!g)
      return failure();
    Location loc = op.getLoc();
    bool is1D = x.getRank() == 3;
    auto resultShape = tensorType(op.getY()).getShape();
    Value input = is1D ? view(loc, op.getX(), asNCHW(x.getShape())) : op.getX();
    auto type =
        tensorType(op.getY()).clone(is1D ? asNCHW(resultShape) : resultShape);
    Value y;
    if (average) {
      auto avg = cast<onnx::AveragePoolOp>(op.getOperation());
      y = rewriter.create<bnn::AvgPool2DOp>(
          loc, type, input, rewriter.getDenseI64ArrayAttr(g->kernel),
          rewriter.getDenseI64ArrayAttr(g->strides),
          rewriter.getDenseI64ArrayAttr(g->pads),
          rewriter.getDenseI64ArrayAttr(g->dilations),
          rewriter.getBoolAttr(avg.getCountIncludePad() != 0));
    } else {
      y = rewriter.create<bnn::MaxPool2DOp>(
          loc, type, input, rewriter.getDenseI64ArrayAttr(g->kernel),
          rewriter.getDenseI64ArrayAttr(g->strides),
          rewriter.getDenseI64ArrayAttr(g->pads),
          rewriter.getDenseI64ArrayAttr(g->dilations));
    }
    return replace(op, view(loc, y, resultShape));
  }

  LogicalResult lowerMaxPool(onnx::MaxPoolOp op) {
    return lowerPool(op, false);
  }
  LogicalResult lowerAveragePool(onnx::AveragePoolOp op) {
    return lowerPool(op, true);
  }

  /// Reduction to the keepdims shape, then a view to the ONNX result shape.
  Value reduce(Location loc, Value input, bnn::ReduceKind kind,
               ArrayRef<int64_t> axes, Type resultType) {
    auto type = tensorType(input);
    SmallVector<int64_t> kept(type.getShape());
    for (int64_t a : axes)
      kept[a] = 1;
    Value r =
        rewriter.create<bnn::ReduceOp>(loc, type.clone(kept), input, kind,
                                       rewriter.getDenseI64ArrayAttr(axes));
    return view(loc, r, cast<RankedTensorType>(resultType).getShape());
  }

  LogicalResult lowerGlobalPool(Operation *op, bnn::ReduceKind kind) {
    if (failed(requireF32(op)))
      return failure();
    int64_t rank = tensorType(op->getOperand(0)).getRank();
    SmallVector<int64_t> axes;
    for (int64_t d = 2; d < rank; ++d)
      axes.push_back(d);
    return replace(op, reduce(op->getLoc(), op->getOperand(0), kind, axes,
                              op->getResult(0).getType()));
  }

  /// `axesInput` is ReduceSum's opset-13 axes input (null otherwise).
  template <typename ReduceOp>
  LogicalResult lowerReduce(ReduceOp op, bnn::ReduceKind kind,
                            Value axesInput = {},
                            bool noopWithEmptyAxes = false) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    int64_t rank = tensorType(op.getData()).getRank();
    SmallVector<int64_t> axes;
    if (auto attr = op.getAxes()) {
      axes.assign(attr->begin(), attr->end());
    } else if (axesInput && !isNoValue(axesInput)) {
      auto values = getConstantInts(axesInput);
      if (!values)
        return fail(op, "axes must be a compile-time constant");
      axes = *values;
    }
    if (axes.empty()) {
      if (noopWithEmptyAxes)
        return replace(op, op.getData());
      for (int64_t d = 0; d < rank; ++d)
        axes.push_back(d);
    }
    for (int64_t &a : axes) {
      auto checked = checkedAxis(op, a, rank);
      if (failed(checked))
        return failure();
      a = *checked;
    }
    llvm::sort(axes);
    axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
    return replace(op,
                   reduce(op.getLoc(), op.getData(), kind, axes, op.getType()));
  }

  template <typename ArgOp>
  LogicalResult lowerArgReduce(ArgOp op, bnn::ReduceKind kind) {
    auto type = tensorType(op.getData());
    if (!type.getElementType().isF32())
      return fail(op, "only float32 input is supported");
    auto checkedAxisOr = checkedAxis(op, op.getAxis(), type.getRank());
    if (failed(checkedAxisOr))
      return failure();
    int64_t axis = *checkedAxisOr;
    SmallVector<int64_t> kept(type.getShape());
    kept[axis] = 1;
    Value r = rewriter.create<bnn::ArgReduceOp>(
        op.getLoc(), tensorType(op.getReduced()).clone(kept), op.getData(),
        kind, axis, op.getSelectLastIndex() != 0);
    return replace(
        op, view(op.getLoc(), r, tensorType(op.getReduced()).getShape()));
  }

  /// Before opset 13, Softmax coerces its input to 2-D at `axis` (default
  /// 1) and normalizes each row; since 13 it normalizes along `axis`
  /// (default -1) alone.
  template <typename SoftmaxOp>
  LogicalResult lowerSoftmax(SoftmaxOp op, bool log) {
    if (failed(requireF32(op)))
      return failure();
    auto type = tensorType(op.getInput());
    int64_t rank = type.getRank();
    Location loc = op.getLoc();
    if (opset >= 13) {
      auto checkedAxisOr = checkedAxis(op, op.getAxis().value_or(-1), rank);
      if (failed(checkedAxisOr))
        return failure();
      int64_t axis = *checkedAxisOr;
      rewriter.replaceOpWithNewOp<bnn::SoftmaxOp>(
          op, type, op.getInput(), rewriter.getI64IntegerAttr(axis),
          rewriter.getBoolAttr(log));
      return success();
    }
    auto checkedAxisOr = checkedAxis(op, op.getAxis().value_or(1), rank);
    if (failed(checkedAxisOr))
      return failure();
    int64_t axis = *checkedAxisOr;
    SmallVector<int64_t> rows = {
        shapeProduct(type.getShape().take_front(axis)),
        shapeProduct(type.getShape().drop_front(axis))};
    Value flat = view(loc, op.getInput(), rows);
    Value y = rewriter.create<bnn::SoftmaxOp>(loc, tensorType(flat), flat,
                                              rewriter.getI64IntegerAttr(1),
                                              rewriter.getBoolAttr(log));
    return replace(op, view(loc, y, type.getShape()));
  }

  LogicalResult lowerLayerNorm(onnx::LayerNormalizationOp op) {
    if (failed(requireF32(op)))
      return failure();
    auto type = tensorType(op.getX());
    auto checkedAxisOr = checkedAxis(op, op.getAxis(), type.getRank());
    if (failed(checkedAxisOr))
      return failure();
    int64_t axis = *checkedAxisOr;
    int64_t normalized = shapeProduct(type.getShape().drop_front(axis));
    Location loc = op.getLoc();
    // Scale and bias may have leading 1s; they hold one value per
    // normalized element either way.
    auto flatParam = [&](Value v) -> FailureOr<Value> {
      if (tensorType(v).getNumElements() != normalized)
        return fail(op, "scale and bias must have one value per normalized "
                        "element (no broadcasting)");
      return view(loc, v, {normalized});
    };
    auto scale = flatParam(op.getScale());
    if (failed(scale))
      return failure();
    Value bias;
    if (!isNoValue(op.getB())) {
      auto b = flatParam(op.getB());
      if (failed(b))
        return failure();
      bias = *b;
    }
    SmallVector<Value> results = {rewriter.create<bnn::LayerNormOp>(
        loc, type, op.getX(), *scale, bias, rewriter.getI64IntegerAttr(axis),
        op.getEpsilonAttr())};
    if (!op.getStats().empty())
      llvm::append_range(results, layerNormStats(op, axis));
    rewriter.replaceOp(op, results);
    return success();
  }

  /// LayerNormalization's optional outputs, as the ONNX function defines
  /// them: Mean = mean(x) and InvStdDev = 1 / sqrt(mean((x - Mean)^2) +
  /// epsilon) over the normalized axes (kept as 1s).
  SmallVector<Value> layerNormStats(onnx::LayerNormalizationOp op,
                                    int64_t axis) {
    Location loc = op.getLoc();
    auto type = tensorType(op.getX());
    SmallVector<int64_t> axes, kept(type.getShape());
    for (int64_t a = axis; a < type.getRank(); ++a) {
      axes.push_back(a);
      kept[a] = 1;
    }
    auto statType = type.clone(kept);
    auto mean = [&](Value v) -> Value {
      return rewriter.create<bnn::ReduceOp>(
          loc, statType, v, bnn::ReduceKind::mean,
          rewriter.getDenseI64ArrayAttr(axes));
    };
    using K = bnn::ElementwiseKind;
    Value mu = mean(op.getX());
    Value d = elementwise(loc, K::Sub, {op.getX(), mu}, type);
    Value var = mean(elementwise(loc, K::Mul, {d, d}, type));
    Value eps = constant(loc, makeF32Attr(rewriter.getContext(), {},
                                          {op.getEpsilon().convertToFloat()}));
    Value root =
        elementwise(loc, K::Sqrt,
                    {elementwise(loc, K::Add, {var, eps}, statType)}, statType);
    Value inv = elementwise(loc, K::Reciprocal, {root}, statType);
    SmallVector<Value> stats = {mu, inv};
    stats.resize(op.getStats().size());
    for (auto [v, result] : llvm::zip(stats, op.getStats()))
      v = view(loc, v, tensorType(result).getShape());
    return stats;
  }

  LogicalResult lowerGelu(onnx::GeluOp op) {
    if (failed(requireF32(op)))
      return failure();
    std::optional<bnn::GeluApproximation> approximate =
        bnn::symbolizeGeluApproximation(op.getApproximate());
    if (!approximate)
      return fail(op, "approximate '" + op.getApproximate() +
                          "' is not supported (none or tanh)");
    rewriter.replaceOpWithNewOp<bnn::GeluOp>(
        op, op.getType(), op.getX(),
        bnn::GeluApproximationAttr::get(rewriter.getContext(), *approximate));
    return success();
  }

  LogicalResult lowerCumSum(onnx::CumSumOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    auto axisValues = getConstantInts(op.getAxis());
    if (!axisValues || axisValues->size() != 1)
      return fail(op, "axis must be a compile-time constant");
    auto type = tensorType(op.getX());
    auto axis = checkedAxis(op, (*axisValues)[0], type.getRank());
    if (failed(axis))
      return failure();
    rewriter.replaceOpWithNewOp<bnn::CumSumOp>(
        op, type, op.getX(), rewriter.getI64IntegerAttr(*axis),
        rewriter.getBoolAttr(op.getExclusive() != 0),
        rewriter.getBoolAttr(op.getReverse() != 0));
    return success();
  }

  /// b(x) * scale, on the float path.
  LogicalResult lowerBipolarQuant(onnx::BipolarQuantOp op) {
    if (failed(requireF32(op)))
      return failure();
    auto type = tensorType(op.getX());
    Value b = elementwise(op.getLoc(), bnn::ElementwiseKind::Bipolar,
                          {op.getX()}, type);
    auto shape =
        broadcastShapes(type.getShape(), tensorType(op.getScale()).getShape());
    if (!shape || ArrayRef<int64_t>(*shape) != type.getShape())
      return fail(op, "scale must broadcast to the input");
    return replace(op, elementwise(op.getLoc(), bnn::ElementwiseKind::Mul,
                                   {b, op.getScale()}, type));
  }

  LogicalResult lowerTopK(onnx::TopKOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    auto type = tensorType(op.getX());
    if (!type.getElementType().isF32())
      return fail(op, "only float32 input is supported");
    auto checkedAxisOr = checkedAxis(op, op.getAxis(), type.getRank());
    if (failed(checkedAxisOr))
      return failure();
    int64_t axis = *checkedAxisOr;
    // The k of the result types is what shape inference derived from K.
    auto make = [&](Value result, bool values) -> Value {
      return rewriter.create<bnn::TopKOp>(
          op.getLoc(), result.getType(), op.getX(),
          rewriter.getI64IntegerAttr(axis),
          rewriter.getBoolAttr(op.getLargest() != 0),
          rewriter.getBoolAttr(values));
    };
    if (!isNoValue(op.getKInput()) && !getConstantInts(op.getKInput()))
      return fail(op, "K must be a compile-time constant");
    Value values = make(op.getValues(), true);
    Value indices = make(op.getIndices(), false);
    rewriter.replaceOp(op, {values, indices});
    return success();
  }

  LogicalResult lowerConcat(onnx::ConcatOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    auto type = tensorType(op.getConcatResult());
    auto axis = checkedAxis(op, static_cast<int64_t>(op.getAxis()), type.getRank());
    if (failed(axis))
      return failure();
    // Zero-sized inputs contribute nothing.
    SmallVector<Value> inputs;
    for (Value v : op.getInputs())
      if (tensorType(v).getNumElements() != 0)
        inputs.push_back(v);
    if (inputs.size() == 1 && tensorType(inputs[0]) == type)
      return replace(op, inputs[0]);
    rewriter.replaceOpWithNewOp<bnn::ConcatOp>(
        op, type, inputs, rewriter.getI64IntegerAttr(*axis));
    return success();
  }

  /// Gather and GatherElements: data, indices and the checked axis.
  template <typename BnnOp, typename OnnxOp>
  LogicalResult lowerGatherAlongAxis(OnnxOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    auto axis =
        checkedAxis(op, op.getAxis(), tensorType(op.getData()).getRank());
    if (failed(axis))
      return failure();
    rewriter.replaceOpWithNewOp<BnnOp>(op, op.getType(), op.getData(),
                                       op.getIndices(),
                                       rewriter.getI64IntegerAttr(*axis));
    return success();
  }

  Value stridedCopy(Location loc, Value input, const StridedView &v,
                    RankedTensorType type) {
    return rewriter.create<bnn::StridedCopyOp>(
        loc, type, input, rewriter.getI64IntegerAttr(v.offset),
        rewriter.getDenseI64ArrayAttr(v.strides));
  }

  LogicalResult lowerTranspose(onnx::TransposeOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    ArrayRef<int64_t> perm;
    if (auto p = op.getPerm())
      perm = *p;
    auto v = transposeView(tensorType(op.getData()).getShape(), perm);
    return replace(op, stridedCopy(op.getLoc(), op.getData(), v,
                                   tensorType(op.getTransposed())));
  }

  /// DepthToSpace/SpaceToDepth: the input viewed as `split` (6-D), one
  /// strided copy transposing it by `perm`, viewed as the result.
  LogicalResult lowerBlockRearrangement(Operation *op, ArrayRef<int64_t> split,
                                        ArrayRef<int64_t> perm) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    Location loc = op->getLoc();
    Value x = view(loc, op->getOperand(0), split);
    SmallVector<int64_t> permuted;
    for (int64_t p : perm)
      permuted.push_back(split[p]);
    auto v = transposeView(split, perm);
    Value t = stridedCopy(loc, x, v, tensorType(x).clone(permuted));
    auto out = tensorType(op->getResult(0));
    return replace(op, view(loc, t, out.getShape()));
  }

  LogicalResult lowerSlice(onnx::SliceOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    auto starts = getConstantInts(op.getStarts());
    auto ends = getConstantInts(op.getEnds());
    if (!starts || !ends)
      return fail(op, "starts and ends must be compile-time constants");
    SmallVector<int64_t> axes, steps(starts->size(), 1);
    for (size_t k = 0; k < starts->size(); ++k)
      axes.push_back(k);
    if (!isNoValue(op.getAxes())) {
      auto a = getConstantInts(op.getAxes());
      if (!a)
        return fail(op, "axes must be a compile-time constant");
      axes = *a;
    }
    if (!isNoValue(op.getSteps())) {
      auto s = getConstantInts(op.getSteps());
      if (!s)
        return fail(op, "steps must be a compile-time constant");
      steps = *s;
    }
    SmallVector<int64_t> shape;
    std::string error;
    auto v = sliceView(tensorType(op.getData()).getShape(), *starts, *ends,
                       axes, steps, shape, error);
    if (!v)
      return fail(op, error);
    if (ArrayRef<int64_t>(shape) != tensorType(op.getOutput()).getShape())
      return fail(op, "computed slice shape does not match the inferred one");
    return replace(op, stridedCopy(op.getLoc(), op.getData(), *v,
                                   tensorType(op.getOutput())));
  }

  LogicalResult lowerSplit(onnx::SplitOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    auto type = tensorType(op.getInput());
    auto checkedAxisOr = checkedAxis(op, op.getAxis(), type.getRank());
    if (failed(checkedAxisOr))
      return failure();
    int64_t axis = *checkedAxisOr;
    auto strides = rowMajorStrides(type.getShape());
    SmallVector<Value> results;
    int64_t start = 0;
    // The inferred result types already hold each piece's extent.
    for (Value result : op.getOutputs()) {
      auto rt = tensorType(result);
      StridedView v{start * strides[axis], strides};
      results.push_back(stridedCopy(op.getLoc(), op.getInput(), v, rt));
      start += rt.getDimSize(axis);
    }
    rewriter.replaceOp(op, results);
    return success();
  }

  LogicalResult lowerExpand(onnx::ExpandOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    auto out = tensorType(op.getOutput());
    if (out == op.getInput().getType())
      return replace(op, op.getInput());
    StridedView v{0, broadcastStrides(tensorType(op.getInput()).getShape(),
                                      out.getShape())};
    return replace(op, stridedCopy(op.getLoc(), op.getInput(), v, out));
  }

  /// Tile(x, r) reads x[i_d mod dim_d]: as a broadcast of x to the
  /// interleaved shape [r_0, dim_0, r_1, dim_1, ...] (stride 0 on the
  /// repeat axes), viewed as the tiled shape.
  LogicalResult lowerTile(onnx::TileOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    auto repeats = getConstantInts(op.getRepeats());
    if (!repeats)
      return fail(op, "repeats must be a compile-time constant");
    auto in = tensorType(op.getInput());
    auto inStrides = rowMajorStrides(in.getShape());
    SmallVector<int64_t> shape, strides;
    for (int64_t d = 0; d < in.getRank(); ++d) {
      shape.append({(*repeats)[d], in.getDimSize(d)});
      strides.append({0, inStrides[d]});
    }
    Value y = stridedCopy(op.getLoc(), op.getInput(), StridedView{0, strides},
                          in.clone(shape));
    return replace(op,
                   view(op.getLoc(), y, tensorType(op.getOutput()).getShape()));
  }

  /// Range with run-time start/delta but a known length n (from shape
  /// inference): start + [0, 1, ..., n-1] * delta.
  LogicalResult lowerRange(onnx::RangeOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    auto type = tensorType(op.getOutput());
    Location loc = op.getLoc();
    Type element = type.getElementType();
    SmallVector<Attribute> iota;
    for (int64_t i = 0; i < type.getNumElements(); ++i)
      iota.push_back(isa<FloatType>(element)
                         ? Attribute(rewriter.getFloatAttr(element, i))
                         : Attribute(rewriter.getIntegerAttr(element, i)));
    Value steps = constant(loc, DenseElementsAttr::get(type, iota));
    Value offsets = elementwise(loc, bnn::ElementwiseKind::Mul,
                                {steps, op.getDelta()}, type);
    return replace(op, elementwise(loc, bnn::ElementwiseKind::Add,
                                   {offsets, op.getStart()}, type));
  }

  LogicalResult lowerPad(onnx::PadOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    auto padAmounts = getPadAmounts(op);
    if (!padAmounts)
      return fail(op, "pads must be a compile-time constant");
    SmallVector<int64_t> pads = std::move(*padAmounts);
    int64_t rank = tensorType(op.getData()).getRank();
    if (static_cast<int64_t>(pads.size()) != 2 * rank)
      return fail(op, "pads must have 2 * rank values");
    if (llvm::any_of(pads, [](int64_t p) { return p < 0; }))
      return fail(op, "negative pads are not supported");
    double value = op.getValue().convertToDouble();
    Value runtimeValue;
    if (!isNoValue(op.getConstantValue())) {
      if (auto v = constantScalar(op.getConstantValue()))
        value = *v;
      else
        runtimeValue = op.getConstantValue();
    }
    std::optional<bnn::PadMode> mode = bnn::symbolizePadMode(op.getMode());
    if (!mode)
      return fail(op, "pad mode '" + op.getMode() + "' is not supported");
    rewriter.replaceOpWithNewOp<bnn::PadOp>(
        op, op.getType(), op.getData(), runtimeValue,
        rewriter.getDenseI64ArrayAttr(pads),
        bnn::PadModeAttr::get(rewriter.getContext(), *mode),
        rewriter.getF64FloatAttr(value));
    return success();
  }

  //===--------------------------------------------------------------===//
  // LSTM, GRU, RNN (issue 16): one bnn.recurrent kernel over the whole
  // sequence; its flat result holds Y, Y_h and Y_c, copied out (and
  // transposed for layout 1) by strided copies.
  //===--------------------------------------------------------------===//

  /// ONNX's activation names, the runtime's codes (BNNC_RNN_ACT_*), which
  /// of alpha and beta each takes from activation_alpha/_beta (consumed in
  /// order by the activations that take them, as onnxruntime does) and
  /// their defaults (those of the ONNX operators of the same name).
  struct RecurrentActivation {
    StringRef name;
    int32_t code;
    bool takesAlpha, takesBeta;
    float alpha, beta;
  };

  static const RecurrentActivation *recurrentActivation(StringRef name) {
    static const RecurrentActivation table[] = {
        {"relu", 0, false, false, 0.0f, 0.0f},
        {"tanh", 1, false, false, 0.0f, 0.0f},
        {"sigmoid", 2, false, false, 0.0f, 0.0f},
        {"affine", 3, true, true, 1.0f, 0.0f},
        {"leakyrelu", 4, true, false, 0.01f, 0.0f},
        {"thresholdedrelu", 5, true, false, 1.0f, 0.0f},
        {"scaledtanh", 6, true, true, 1.0f, 1.0f},
        {"hardsigmoid", 7, true, true, 0.2f, 0.5f},
        {"elu", 8, true, false, 1.0f, 0.0f},
        {"softsign", 9, false, false, 0.0f, 0.0f},
        {"softplus", 10, false, false, 0.0f, 0.0f},
    };
    for (const auto &a : table)
      if (name.equals_insensitive(a.name))
        return &a;
    return nullptr;
  }

  /// Checks an optional operand's shape; false (after the error) if wrong.
  LogicalResult expectShape(Operation *op, Value v, ArrayRef<int64_t> shape,
                            StringRef name) {
    if (isNoValue(v))
      return success();
    auto type = tensorType(v);
    if (!type.getElementType().isF32() && name != "sequence_lens")
      return fail(op, name + " must be float32");
    if (type.getShape() == shape)
      return success();
    std::string want;
    llvm::raw_string_ostream os(want);
    os << "[";
    llvm::interleave(shape, os, ", ");
    os << "]";
    return fail(op, name + " has type " + typeString(type) +
                        ", expected shape " + os.str());
  }

  /// The activations (ONNX's defaults when absent) as runtime codes, with
  /// their alpha and beta.
  LogicalResult recurrentActivations(Operation *op, int64_t dirs,
                                     SmallVectorImpl<int32_t> &codes,
                                     SmallVectorImpl<float> &alpha,
                                     SmallVectorImpl<float> &beta) {
    StringRef name = op->getName().stripDialect();
    int64_t perDirection = name == "LSTM" ? 3 : name == "GRU" ? 2 : 1;
    SmallVector<StringRef> names;
    if (auto acts = op->getAttrOfType<ArrayAttr>("activations")) {
      for (Attribute a : acts)
        names.push_back(cast<StringAttr>(a).getValue());
    } else {
      for (int64_t d = 0; d < dirs; ++d) {
        if (name == "LSTM")
          names.append({"Sigmoid", "Tanh", "Tanh"});
        else if (name == "GRU")
          names.append({"Sigmoid", "Tanh"});
        else
          names.push_back("Tanh");
      }
    }
    if (static_cast<int64_t>(names.size()) != perDirection * dirs)
      return fail(op, "needs " + std::to_string(perDirection * dirs) +
                          " activations (" + std::to_string(perDirection) +
                          " per direction), got " +
                          std::to_string(names.size()));
    ArrayRef<float> alphas, betas;
    if (auto a = op->getAttrOfType<DenseF32ArrayAttr>("activation_alpha"))
      alphas = a.asArrayRef();
    if (auto a = op->getAttrOfType<DenseF32ArrayAttr>("activation_beta"))
      betas = a.asArrayRef();
    size_t nextAlpha = 0, nextBeta = 0;
    for (StringRef n : names) {
      const RecurrentActivation *a = recurrentActivation(n);
      if (!a)
        return fail(op, "activation '" + n.str() + "' is not supported");
      codes.push_back(a->code);
      alpha.push_back(a->takesAlpha && nextAlpha < alphas.size()
                          ? alphas[nextAlpha++]
                          : a->alpha);
      beta.push_back(a->takesBeta && nextBeta < betas.size() ? betas[nextBeta++]
                                                             : a->beta);
    }
    if (nextAlpha != alphas.size() || nextBeta != betas.size())
      return fail(op, "activation_alpha/activation_beta have more values than "
                      "the activations take");

    return success();
  }

  /// Constant sequence lengths as an int32 tensor; null when every length
  /// is T (the kernel's default).
  LogicalResult recurrentSeqLens(Operation *op, Value lens, int64_t seq,
                                 int64_t batch, Value &seqLens) {
    if (!isNoValue(lens)) {
      auto values = getConstantInts(lens);
      if (!values)
        return fail(op, "sequence_lens must be a compile-time constant");
      SmallVector<int32_t> l;
      for (int64_t v : *values) {
        if (v < 0 || v > seq)
          return fail(op, "sequence_lens value " + std::to_string(v) +
                              " is outside [0, " + std::to_string(seq) + "]");
        l.push_back(static_cast<int32_t>(v));
      }
      if (llvm::any_of(l, [&](int32_t v) { return v != seq; })) {
        auto type = RankedTensorType::get({batch}, rewriter.getI32Type());
        seqLens =
            constant(op->getLoc(), DenseElementsAttr::get(type, ArrayRef(l)));
      }
    }
    return success();
  }

  LogicalResult lowerRecurrent(Operation *op) {
    Location loc = op->getLoc();
    StringRef name = op->getName().stripDialect();
    int64_t gates = name == "LSTM" ? 4 : name == "GRU" ? 3 : 1;
    Value x = op->getOperand(0), w = op->getOperand(1), r = op->getOperand(2);
    Value b = op->getOperand(3), lens = op->getOperand(4);
    Value h0 = op->getOperand(5);
    Value c0 = name == "LSTM" ? op->getOperand(6) : Value();
    Value p = name == "LSTM" ? op->getOperand(7) : Value();
    auto intAttr = [&](StringRef attr, int64_t dflt) {
      auto a = op->getAttrOfType<IntegerAttr>(attr);
      return a ? a.getInt() : dflt;
    };
    int64_t layout = intAttr("layout", 0);
    if (layout != 0 && layout != 1)
      return fail(op, "layout must be 0 or 1, got " + std::to_string(layout));
    for (Value v : {x, w, r})
      if (!tensorType(v).getElementType().isF32())
        return fail(op, "X, W and R must be float32");
    auto xs = tensorType(x).getShape(), ws = tensorType(w).getShape();
    if (xs.size() != 3 || ws.size() != 3)
      return fail(op, "X and W must be 3-D");
    int64_t seq = xs[layout ? 1 : 0], batch = xs[layout ? 0 : 1];
    int64_t in = xs[2], dirs = ws[0];
    if (ws[1] % gates != 0 || ws[1] == 0)
      return fail(op, "W's second dimension must be a positive multiple of " +
                          std::to_string(gates));
    int64_t hidden = ws[1] / gates;
    if (auto hs = op->getAttrOfType<IntegerAttr>("hidden_size");
        hs && hs.getInt() != hidden)
      return fail(op, "hidden_size " + std::to_string(hs.getInt()) +
                          " does not match W (" + std::to_string(hidden) + ")");
    StringRef direction = "forward";
    if (auto d = op->getAttrOfType<StringAttr>("direction"))
      direction = d.getValue();
    if (direction != "forward" && direction != "reverse" &&
        direction != "bidirectional")
      return fail(op, "direction '" + direction.str() +
                          "' is not forward, reverse or bidirectional");
    if (dirs != (direction == "bidirectional" ? 2 : 1))
      return fail(op, "W has " + std::to_string(dirs) +
                          " directions, direction is '" + direction.str() +
                          "'");
    SmallVector<int64_t> state =
        layout ? SmallVector<int64_t>{batch, dirs, hidden}
               : SmallVector<int64_t>{dirs, batch, hidden};
    if (failed(expectShape(op, w, {dirs, gates * hidden, in}, "W")) ||
        failed(expectShape(op, r, {dirs, gates * hidden, hidden}, "R")) ||
        failed(expectShape(op, b, {dirs, 2 * gates * hidden}, "B")) ||
        failed(expectShape(op, h0, state, "initial_h")) ||
        (c0 && failed(expectShape(op, c0, state, "initial_c"))) ||
        (p && failed(expectShape(op, p, {dirs, 3 * hidden}, "P"))) ||
        failed(expectShape(op, lens, {batch}, "sequence_lens")))
      return failure();

    SmallVector<int32_t> codes;
    SmallVector<float> alpha, beta;
    if (failed(recurrentActivations(op, dirs, codes, alpha, beta)))
      return failure();

    std::optional<FloatAttr> clip;
    if (auto c = op->getAttrOfType<FloatAttr>("clip")) {
      if (!(c.getValueAsDouble() >= 0.0))
        return fail(op, "clip must be non-negative");
      clip = c;
    }

    Value seqLens;
    if (failed(recurrentSeqLens(op, lens, seq, batch, seqLens)))
      return failure();

    // Layout 1 ([B, T, I], states [B, D, H]) is transposed to layout 0.
    auto toLayout0 = [&](Value v) -> Value {
      if (!v || isNoValue(v) || layout == 0)
        return v && !isNoValue(v) ? v : Value();
      auto shape = tensorType(v).getShape();
      SmallVector<int64_t> swapped = {shape[1], shape[0], shape[2]};
      return stridedCopy(loc, v, transposeView(shape, {1, 0, 2}),
                         tensorType(v).clone(swapped));
    };
    auto optional = [](Value v) { return v && !isNoValue(v) ? v : Value(); };
    int64_t stateSize = dirs * batch * hidden;
    int64_t total = seq * stateSize + 2 * stateSize + (gates + 1) * hidden;
    auto flatType = RankedTensorType::get({total}, rewriter.getF32Type());
    auto kernel = rewriter.create<bnn::RecurrentOp>(
        loc, flatType, toLayout0(x), w, r, optional(b), toLayout0(h0),
        c0 ? toLayout0(c0) : Value(), p ? optional(p) : Value(), seqLens,
        rewriter.getStringAttr(name.lower()),
        rewriter.getBoolAttr(direction == "reverse"),
        rewriter.getBoolAttr(intAttr("linear_before_reset", 0) != 0),
        rewriter.getBoolAttr(intAttr("input_forget", 0) != 0),
        clip ? *clip : FloatAttr(), rewriter.getDenseI32ArrayAttr(codes),
        rewriter.getDenseF32ArrayAttr(alpha),
        rewriter.getDenseF32ArrayAttr(beta));

    // Y [T, D, B, H] (layout 1: [B, T, D, H]); Y_h, Y_c [D, B, H] (layout
    // 1: [B, D, H]), after Y in the flat buffer.
    SmallVector<Value> results;
    int64_t bh = batch * hidden;
    SmallVector<int64_t> yStrides =
        layout ? SmallVector<int64_t>{hidden, stateSize, bh, 1}
               : SmallVector<int64_t>{stateSize, bh, hidden, 1};
    SmallVector<int64_t> stateStrides =
        layout ? SmallVector<int64_t>{hidden, bh, 1}
               : SmallVector<int64_t>{bh, hidden, 1};
    for (auto [i, result] : llvm::enumerate(op->getResults())) {
      StridedView v{i == 0 ? 0 : seq * stateSize + (int64_t(i) - 1) * stateSize,
                    i == 0 ? yStrides : stateStrides};
      results.push_back(stridedCopy(loc, kernel, v, tensorType(result)));
    }
    rewriter.replaceOp(op, results);
    return success();
  }

  //===--------------------------------------------------------------------===//
  // Resampling, transposed convolution, normalizations, indexing (issue 16)
  //===--------------------------------------------------------------------===//

  /// " (graph input 'NAME'; --const-input binds it)" when `v` is a graph
  /// input, so that the user (and the conformance runner) learns which
  /// input to bind.
  static std::string graphInputHint(Value v) {
    auto arg = dyn_cast_or_null<BlockArgument>(v);
    if (!arg)
      return "";
    auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    if (!func)
      return "";
    auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                  bnn::kOnnxNameAttr);
    if (!name)
      return "";
    return (" (graph input '" + name.getValue() + "'; --const-input binds it)")
        .str();
  }

  /// Float data in and out; index-like operands may be anything.
  LogicalResult requireF32Data(Operation *op, Value in, Value out) {
    if (!tensorType(in).getElementType().isF32() ||
        !tensorType(out).getElementType().isF32())
      return fail(op, "element type " +
                          typeString(tensorType(in).getElementType()) +
                          " is not supported (float kernels need float32)");
    return success();
  }

  /// Builds bnn.resize from per-axis specs (scale and sizes filled in).
  LogicalResult emitResize(Operation *op, Value x, Value y,
                           ArrayRef<ResizeAxisSpec> specs,
                           float extrapolation) {
    // The tables hold at most 4 taps per output coordinate of each axis;
    // bound them before building any (a hostile scale can ask for an axis
    // of 2^38 coordinates, which the arena limit would only reject later).
    constexpr int64_t kMaxTableEntries = int64_t(1) << 24;
    int64_t entries = 0;
    for (const ResizeAxisSpec &spec : specs)
      entries += 4 * spec.outSize;
    if (entries > kMaxTableEntries)
      return fail(op, "the result is too large to resample (more than " +
                          std::to_string(kMaxTableEntries / 4) +
                          " output coordinates over all axes)");
    SmallVector<int64_t> taps;
    SmallVector<int32_t> indices;
    SmallVector<float> weights;
    for (const ResizeAxisSpec &spec : specs) {
      ResizeAxisTable table;
      std::string error;
      if (!computeResizeAxis(spec, table, error))
        return fail(op, error);
      taps.push_back(table.taps);
      llvm::append_range(indices, table.indices);
      llvm::append_range(weights, table.weights);
    }
    rewriter.replaceOpWithNewOp<bnn::ResizeOp>(
        op, y.getType(), x, rewriter.getDenseI64ArrayAttr(taps),
        rewriter.getDenseI32ArrayAttr(indices),
        rewriter.getDenseF32ArrayAttr(weights),
        rewriter.getF32FloatAttr(extrapolation));
    return success();
  }

  /// Per-axis specs of a resize by constant `scales` or `sizes` (exactly one
  /// given), checked against the inferred result shape.
  FailureOr<SmallVector<ResizeAxisSpec>>
  resizeSpecs(Operation *op, Value x, Value y, Value scales, Value sizes,
              const ResizeAxisSpec &base) {
    auto in = tensorType(x).getShape(), out = tensorType(y).getShape();
    int64_t rank = in.size();
    std::optional<SmallVector<float>> scaleValues;
    std::optional<SmallVector<int64_t>> sizeValues;
    if (scales && !isNoValue(scales) && tensorType(scales).getNumElements()) {
      scaleValues = getConstantFloats(scales);
      if (!scaleValues)
        return fail(op, "scales must be a compile-time constant" +
                            graphInputHint(scales));
    }
    if (sizes && !isNoValue(sizes) && tensorType(sizes).getNumElements()) {
      sizeValues = getConstantInts(sizes);
      if (!sizeValues)
        return fail(op, "sizes must be a compile-time constant" +
                            graphInputHint(sizes));
    }
    if (!scaleValues == !sizeValues)
      return fail(op, "needs exactly one of scales and sizes");
    size_t count = scaleValues ? scaleValues->size() : sizeValues->size();
    if (static_cast<int64_t>(count) != rank)
      return fail(op, "scales or sizes must have one value per axis");
    SmallVector<ResizeAxisSpec> specs;
    for (int64_t d = 0; d < rank; ++d) {
      ResizeAxisSpec spec = base;
      spec.inSize = in[d];
      spec.outSize = out[d];
      if (sizeValues && (*sizeValues)[d] != out[d])
        return fail(op, "sizes disagree with the inferred result shape");
      if (in[d] < 1 && out[d] > 0)
        return fail(op, "cannot resize an empty axis");
      spec.scale = scaleValues ? static_cast<double>((*scaleValues)[d])
                   : in[d] > 0 ? static_cast<double>(out[d]) / in[d]
                               : 1.0;
      specs.push_back(spec);
    }
    return specs;
  }

  LogicalResult lowerResize(onnx::ResizeOp op) {
    if (failed(requireF32Data(op, op.getX(), op.getY())))
      return failure();
    ResizeAxisSpec base;
    base.mode = op.getMode();
    base.coordinateMode = op.getCoordinateTransformationMode();
    base.nearestMode = op.getNearestMode();
    base.cubicCoeffA = op.getCubicCoeffA().convertToDouble();
    base.excludeOutside = op.getExcludeOutside() != 0;
    Value roi = op.getRoi(), scales = op.getScales(), sizes = op.getSizes();
    if (opset < 11) {
      // Resize-10 is (X, scales), with Upsample's asymmetric coordinates
      // and nearest rule.
      scales = roi;
      roi = Value();
      base.coordinateMode = "asymmetric";
      base.nearestMode = "simple";
      if (base.mode == "cubic")
        return fail(op, "mode 'cubic' needs opset 11");
    }
    auto specs = resizeSpecs(op, op.getX(), op.getY(), scales, sizes, base);
    if (failed(specs))
      return failure();
    if (base.coordinateMode == "tf_crop_and_resize") {
      std::optional<SmallVector<float>> roiValues;
      if (roi && !isNoValue(roi))
        roiValues = getConstantFloats(roi);
      if (!roiValues)
        return fail(op, "roi must be a compile-time constant" +
                            graphInputHint(roi));
      if (roiValues->size() != 2 * specs->size())
        return fail(op, "roi must have 2 * rank values");
      for (size_t d = 0; d < specs->size(); ++d) {
        (*specs)[d].roiStart = (*roiValues)[d];
        (*specs)[d].roiEnd = (*roiValues)[d + specs->size()];
      }
    }
    return emitResize(op, op.getX(), op.getY(), *specs,
                      op.getExtrapolationValue().convertToFloat());
  }

  LogicalResult lowerUpsample(onnx::UpsampleOp op) {
    if (failed(requireF32Data(op, op.getX(), op.getY())))
      return failure();
    ResizeAxisSpec base;
    base.mode = op.getMode();
    if (base.mode != "nearest" && base.mode != "linear")
      return fail(op, "mode '" + op.getMode() +
                          "' is not supported (nearest or linear)");
    base.coordinateMode = "asymmetric";
    base.nearestMode = "simple";
    Value scales = op.getScalesT();
    if (auto attr = op.getScales()) {
      SmallVector<float> values(attr->begin(), attr->end());
      scales =
          constant(op.getLoc(),
                   makeF32Attr(rewriter.getContext(),
                               {static_cast<int64_t>(values.size())}, values));
    }
    auto specs = resizeSpecs(op, op.getX(), op.getY(), scales, Value(), base);
    if (failed(specs))
      return failure();
    return emitResize(op, op.getX(), op.getY(), *specs, 0.0f);
  }

  LogicalResult lowerConvTranspose(onnx::ConvTransposeOp op) {
    if (failed(requireF32(op)))
      return failure();
    auto x = tensorType(op.getX()), w = tensorType(op.getW());
    auto y = tensorType(op.getY());
    int64_t rank = x.getRank(), spatial = rank - 2;
    if (rank < 3 || rank > 5 || w.getRank() != rank || y.getRank() != rank)
      return fail(op, "needs 1-D to 3-D input and weight of the same rank");
    auto attrOr = [&](std::optional<ArrayRef<int64_t>> a, int64_t size,
                      int64_t fill) -> FailureOr<SmallVector<int64_t>> {
      if (!a)
        return SmallVector<int64_t>(size, fill);
      if (static_cast<int64_t>(a->size()) != size) {
        (void)fail(op, "an attribute has " + std::to_string(a->size()) +
                           " values, expected " + std::to_string(size));
        return failure();
      }
      return SmallVector<int64_t>(a->begin(), a->end());
    };
    auto strides = attrOr(op.getStrides(), spatial, 1);
    auto dilations = attrOr(op.getDilations(), spatial, 1);
    auto pads = attrOr(op.getPads(), 2 * spatial, 0);
    auto outputPadding = attrOr(op.getOutputPadding(), spatial, 0);
    if (failed(strides) || failed(dilations) || failed(pads) ||
        failed(outputPadding))
      return failure();
    if (auto k = op.getKernelShape())
      if (ArrayRef<int64_t>(*k) != w.getShape().drop_front(2))
        return fail(op, "kernel_shape disagrees with W");
    StringRef autoPad = op.getAutoPad();
    if (!llvm::is_contained({"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"},
                            autoPad))
      return fail(op, "auto_pad '" + autoPad + "' is not supported");
    bool fromTotal = op.getOutputShape().has_value() ||
                     autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
    SmallVector<int64_t> begin(3, 0), s3(3, 1), d3(3, 1);
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t in = x.getDimSize(2 + i), k = w.getDimSize(2 + i);
      int64_t s = (*strides)[i], d = (*dilations)[i];
      if (s < 1 || d < 1)
        return fail(op, "strides and dilations must be positive");
      int64_t at = 3 - spatial + i;
      s3[at] = s;
      d3[at] = d;
      if (fromTotal) {
        // The padding that makes the result the requested size (the ONNX
        // split: SAME_UPPER puts the odd one at the end), never negative: a
        // larger result than the natural one is extended at the end, as
        // onnxruntime does.
        int64_t total =
            std::max<int64_t>(0, s * (in - 1) + (*outputPadding)[i] +
                                     (k - 1) * d + 1 - y.getDimSize(2 + i));
        begin[at] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      } else if (autoPad == "NOTSET") {
        begin[at] = (*pads)[i];
      }
    }
    Location loc = op.getLoc();
    auto as5D = [&](Value v) {
      SmallVector<int64_t> shape(tensorType(v).getShape().take_front(2));
      shape.append(5 - rank, 1);
      llvm::append_range(shape, tensorType(v).getShape().drop_front(2));
      return view(loc, v, shape);
    };
    Value bias = isNoValue(op.getB()) ? Value() : op.getB();
    SmallVector<int64_t> yShape(y.getShape().take_front(2));
    yShape.append(5 - rank, 1);
    llvm::append_range(yShape, y.getShape().drop_front(2));
    Value result = rewriter.create<bnn::ConvTransposeOp>(
        loc, y.clone(yShape), as5D(op.getX()), as5D(op.getW()), bias,
        rewriter.getDenseI64ArrayAttr(s3), rewriter.getDenseI64ArrayAttr(begin),
        rewriter.getDenseI64ArrayAttr(d3),
        rewriter.getI64IntegerAttr(op.getGroup()));
    return replace(op, view(loc, result, y.getShape()));
  }

  /// InstanceNormalization: LayerNorm of each [N * C] row of the spatial
  /// elements (unit scale), then the per-channel scale and bias.
  LogicalResult lowerInstanceNorm(onnx::InstanceNormalizationOp op) {
    if (failed(requireF32(op)))
      return failure();
    auto type = tensorType(op.getInput());
    if (type.getRank() < 3)
      return fail(op, "needs an input of rank 3 or more");
    int64_t n = type.getDimSize(0), c = type.getDimSize(1);
    int64_t spatial = shapeProduct(type.getShape().drop_front(2));
    if (tensorType(op.getScale()).getNumElements() != c ||
        tensorType(op.getB()).getNumElements() != c)
      return fail(op, "scale and B must have one value per channel");
    Location loc = op.getLoc();
    Value rows = view(loc, op.getInput(), {n * c, spatial});
    SmallVector<float> ones(spatial, 1.0f);
    Value unit =
        constant(loc, makeF32Attr(rewriter.getContext(), {spatial}, ones));
    Value normalized = rewriter.create<bnn::LayerNormOp>(
        loc, tensorType(rows), rows, unit, Value(),
        rewriter.getI64IntegerAttr(1), op.getEpsilonAttr());
    Value back = view(loc, normalized, type.getShape());
    Value result = rewriter.create<bnn::ChannelAffineOp>(
        loc, type, back, view(loc, op.getScale(), {c}),
        view(loc, op.getB(), {c}));
    return replace(op, result);
  }

  LogicalResult lowerLpNorm(onnx::LpNormalizationOp op) {
    if (failed(requireF32(op)))
      return failure();
    auto type = tensorType(op.getInput());
    auto axis = checkedAxis(op, static_cast<int64_t>(op.getAxis()), type.getRank());
    if (failed(axis))
      return failure();
    if (op.getP() != 1 && op.getP() != 2)
      return fail(op, "p must be 1 or 2");
    rewriter.replaceOpWithNewOp<bnn::LpNormOp>(
        op, type, op.getInput(), rewriter.getI64IntegerAttr(*axis),
        rewriter.getI64IntegerAttr(op.getP()));
    return success();
  }

  LogicalResult lowerGatherND(onnx::GatherNDOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    rewriter.replaceOpWithNewOp<bnn::GatherNDOp>(
        op, op.getType(), op.getData(), op.getIndices(),
        rewriter.getI64IntegerAttr(op.getBatchDims()));
    return success();
  }

  LogicalResult lowerScatterND(onnx::ScatterNDOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    StringRef reduction = op.getReduction();
    if (!llvm::is_contained({"none", "add", "mul"}, reduction))
      return fail(op, "reduction '" + reduction +
                          "' is not supported (none, add or mul)");
    if (reduction != "none" &&
        tensorType(op.getData()).getElementType().isInteger(1))
      return fail(op, "reduction '" + reduction + "' needs numbers, not bool");
    rewriter.replaceOpWithNewOp<bnn::ScatterNDOp>(
        op, op.getType(), op.getData(), op.getIndices(), op.getUpdates(),
        rewriter.getStringAttr(reduction));
    return success();
  }

  LogicalResult lowerOneHot(onnx::OneHotOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    auto depth = constantScalar(op.getDepth());
    if (!depth)
      return fail(op, "depth must be a compile-time constant" +
                          graphInputHint(op.getDepth()));
    auto out = tensorType(op.getOutput());
    auto axis = checkedAxis(op, static_cast<int64_t>(op.getAxis()), out.getRank());
    if (failed(axis))
      return failure();
    // ONNX truncates a float depth.
    int64_t d = static_cast<int64_t>(*depth);
    if (d < 1 || out.getDimSize(*axis) != d)
      return fail(op, "depth " + std::to_string(d) +
                          " must be positive and match the result shape");
    rewriter.replaceOpWithNewOp<bnn::OneHotOp>(
        op, out, op.getIndices(), op.getValues(), rewriter.getI64IntegerAttr(d),
        rewriter.getI64IntegerAttr(*axis));
    return success();
  }

  LogicalResult lowerTrilu(onnx::TriluOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    int64_t k = 0;
    if (!isNoValue(op.getK())) {
      auto values = getConstantInts(op.getK());
      if (!values || values->size() != 1)
        return fail(op, "k must be a compile-time constant" +
                            graphInputHint(op.getK()));
      k = (*values)[0];
    }
    rewriter.replaceOpWithNewOp<bnn::TriluOp>(
        op, op.getType(), op.getInput(), rewriter.getI64IntegerAttr(k),
        rewriter.getBoolAttr(op.getUpper() != 0));
    return success();
  }

  /// `v` with its dimensions permuted (a strided copy unless the identity).
  Value permute(Location loc, Value v, ArrayRef<int64_t> perm) {
    if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
      return v;
    auto shape = tensorType(v).getShape();
    SmallVector<int64_t> permuted;
    for (int64_t p : perm)
      permuted.push_back(shape[p]);
    return stridedCopy(loc, v, transposeView(shape, perm),
                       tensorType(v).clone(permuted));
  }

  /// Sums `v` (labelled `term`) over the labels not in `keep`; returns the
  /// value and its remaining labels.
  std::pair<Value, std::string> sumOutLabels(Location loc, Value v,
                                             StringRef term,
                                             function_ref<bool(char)> keep) {
    SmallVector<int64_t> axes, kept(tensorType(v).getShape()), remaining;
    std::string labels;
    for (auto [i, c] : llvm::enumerate(term)) {
      if (keep(c)) {
        labels.push_back(c);
        remaining.push_back(kept[i]);
        continue;
      }
      axes.push_back(i);
      kept[i] = 1;
    }
    if (axes.empty())
      return {v, term.str()};
    Value r = rewriter.create<bnn::ReduceOp>(
        loc, tensorType(v).clone(kept), v, bnn::ReduceKind::sum,
        rewriter.getDenseI64ArrayAttr(axes));
    return {view(loc, r, remaining), labels};
  }

  /// Einsum of one or two operands without ellipses or repeated labels in
  /// a term: sums over labels only one operand has, then one batched
  /// matmul over the shared labels the output drops, then a transpose.
  LogicalResult lowerEinsum(onnx::EinsumOp op) {
    if (failed(requireF32(op)))
      return failure();
    std::string equation;
    for (char c : op.getEquation())
      if (c != ' ')
        equation.push_back(c);
    auto reject = [&](const Twine &why) {
      return fail(op, "equation '" + op.getEquation() +
                          "' is not supported: " + why);
    };
    StringRef eq(equation);
    auto [lhs, rhs] = eq.split("->");
    bool explicitOutput = eq.contains("->");
    SmallVector<StringRef> terms;
    lhs.split(terms, ',');
    if (terms.size() != op.getInputs().size() || terms.size() > 2)
      return reject("one or two operands, one term each");
    llvm::StringMap<int64_t> sizes;
    std::map<char, int> counts;
    for (auto [term, input] : llvm::zip(terms, op.getInputs())) {
      auto shape = tensorType(input).getShape();
      if (term.size() != shape.size())
        return reject("term '" + term + "' does not match the operand rank");
      for (auto [i, c] : llvm::enumerate(term)) {
        if (!llvm::isAlpha(c))
          return reject("only letters (no '...')");
        if (term.take_front(i).contains(c))
          return reject("repeated label '" + Twine(c) + "' (a diagonal)");
        auto [it, inserted] = sizes.try_emplace(StringRef(&c, 1), shape[i]);
        if (!inserted && it->second != shape[i])
          return reject("label '" + Twine(c) + "' has two sizes");
        ++counts[c];
      }
    }
    std::string out;
    if (explicitOutput) {
      out = rhs.str();
      for (auto [i, c] : llvm::enumerate(out))
        if (!counts.count(c) || StringRef(out).take_front(i).contains(c))
          return reject("output label '" + Twine(c) +
                        "' is repeated or in no operand");
    } else {
      for (auto [c, n] : counts)
        if (n == 1)
          out.push_back(c);
    }
    Location loc = op.getLoc();
    auto inOut = [&](char c) { return StringRef(out).contains(c); };
    auto resultShape = tensorType(op.getOutput()).getShape();
    if (terms.size() == 1) {
      auto [v, labels] = sumOutLabels(loc, op.getInputs()[0], terms[0], inOut);
      SmallVector<int64_t> perm;
      for (char c : out)
        perm.push_back(StringRef(labels).find(c));
      return replace(op, view(loc, permute(loc, v, perm), resultShape));
    }
    StringRef ta = terms[0], tb = terms[1];
    auto [a, la] = sumOutLabels(loc, op.getInputs()[0], ta, [&](char c) {
      return inOut(c) || tb.contains(c);
    });
    auto [b, lb] = sumOutLabels(loc, op.getInputs()[1], tb, [&](char c) {
      return inOut(c) || ta.contains(c);
    });
    std::string batch, free_a, free_b, contract;
    for (char c : out) {
      bool inA = StringRef(la).contains(c), inB = StringRef(lb).contains(c);
      (inA && inB ? batch : inA ? free_a : free_b).push_back(c);
    }
    for (char c : la)
      if (!inOut(c))
        contract.push_back(c);
    auto dims = [&](StringRef labels) {
      int64_t n = 1;
      for (char c : labels)
        n *= sizes[StringRef(&c, 1)];
      return n;
    };
    auto order = [&](StringRef labels, StringRef wanted) {
      SmallVector<int64_t> perm;
      for (char c : wanted)
        perm.push_back(labels.find(c));
      return perm;
    };
    int64_t nb = dims(batch), m = dims(free_a), n = dims(free_b),
            k = dims(contract);
    Value am = view(loc, permute(loc, a, order(la, batch + free_a + contract)),
                    {nb, m, k});
    Value bm = view(loc, permute(loc, b, order(lb, batch + contract + free_b)),
                    {nb, k, n});
    Value prod = rewriter.create<bnn::MatMulOp>(
        loc, tensorType(am).clone({nb, m, n}), am, bm);
    std::string produced = batch + free_a + free_b;
    SmallVector<int64_t> producedShape;
    for (char c : produced)
      producedShape.push_back(sizes[StringRef(&c, 1)]);
    Value r = view(loc, prod, producedShape);
    return replace(
        op, view(loc, permute(loc, r, order(produced, out)), resultShape));
  }
  //===--------------------------------------------------------------===//
  // Quantized tensors (issue 18, docs/int8.md). Scales and zero points may
  // be graph inputs; the kernels read them at run time.
  //===--------------------------------------------------------------===//

  static bool isQuantType(Type t) { return t.isInteger(8); }

  /// The element types QuantizeLinear and friends accept: float32 scales
  /// and data, int8/uint8 quantized data, int32 (dequantized bias).
  LogicalResult requireQuantTypes(Operation *op) {
    return requireElementTypes(
        op, [](Type e) { return e.isF32() || e.isInteger(8) || e.isInteger(32); },
        " (quantized tensors are int8 or uint8 with float32 scales)");
  }

  /// The axis of a per-axis scale, non-negative; a single-value scale
  /// makes it irrelevant (0).
  FailureOr<int64_t> quantAxis(Operation *op, Value scale, int64_t axis,
                               int64_t rank) {
    if (tensorType(scale).getNumElements() == 1)
      return 0;
    if (opset < 13)
      return fail(op, "a per-axis scale needs opset 13 (opset " +
                          Twine(opset) + " has per-tensor scales only)");
    return checkedAxis(op, axis, rank);
  }

  static Value optional(Value v) { return isNoValue(v) ? Value() : v; }

  LogicalResult lowerQuantizeLinear(onnx::QuantizeLinearOp op) {
    if (failed(requireQuantTypes(op)))
      return failure();
    if (!tensorType(op.getX()).getElementType().isF32())
      return fail(op, "quantizes float32 inputs only");
    auto axis = quantAxis(op, op.getScale(), op.getAxis(),
                          tensorType(op.getX()).getRank());
    if (failed(axis))
      return failure();
    rewriter.replaceOpWithNewOp<bnn::QuantizeOp>(
        op, op.getType(), op.getX(), op.getScale(), optional(op.getZeroPoint()),
        rewriter.getI64IntegerAttr(*axis),
        /*round_away=*/UnitAttr());
    return success();
  }

  /// TFLite's int8 ADD (bnnc.tflite domain): bnn.add_q31, whose verifier
  /// checks the parameters.
  LogicalResult lowerTfliteAdd(onnx::TfliteAddOp op) {
    auto i8 = [](Value v) {
      return tensorType(v).getElementType().isInteger(8);
    };
    if (!i8(op.getA()) || !i8(op.getB()) || !i8(op.getY()) ||
        tensorType(op.getA()).getElementType().isUnsignedInteger())
      return fail(op, "adds int8 tensors only");
    auto s64 = [](uint64_t v) { return static_cast<int64_t>(v); };
    auto s32 = [](uint64_t v) {
      return static_cast<int32_t>(static_cast<int64_t>(v));
    };
    for (uint64_t v : {op.getAMultiplier(), op.getBMultiplier(), op.getAShift(),
                       op.getBShift()})
      if (s64(v) < INT32_MIN || s64(v) > INT32_MAX)
        return fail(op, "multipliers and shifts must be int32 values");
    auto add = rewriter.create<bnn::AddQ31Op>(
        op.getLoc(), op.getType(), op.getA(), op.getB(),
        rewriter.getDenseI64ArrayAttr(
            {s64(op.getAZeroPoint()), s64(op.getBZeroPoint())}),
        rewriter.getDenseI32ArrayAttr(
            {s32(op.getAMultiplier()), s32(op.getBMultiplier())}),
        rewriter.getDenseI32ArrayAttr(
            {s32(op.getAShift()), s32(op.getBShift())}),
        rewriter.getI64IntegerAttr(s64(op.getMultiplier())),
        rewriter.getI64IntegerAttr(s64(op.getShift())),
        rewriter.getI64IntegerAttr(s64(op.getZeroPoint())),
        rewriter.getI64IntegerAttr(s64(op.getMin())),
        rewriter.getI64IntegerAttr(s64(op.getMax())));
    if (failed(mlir::verify(add))) {
      rewriter.eraseOp(add);
      return failure();
    }
    rewriter.replaceOp(op, add.getOutput());
    return success();
  }

  /// TFLite QUANTIZE (bnnc.tflite domain): per-tensor, ties away from zero.
  LogicalResult lowerTfliteQuantize(onnx::TfliteQuantizeOp op) {
    if (failed(requireQuantTypes(op)))
      return failure();
    if (!tensorType(op.getX()).getElementType().isF32() ||
        !isQuantType(tensorType(op.getY()).getElementType()))
      return fail(op, "quantizes float32 to int8 or uint8 only");
    if (tensorType(op.getYScale()).getNumElements() != 1 ||
        tensorType(op.getYZeroPoint()).getNumElements() != 1)
      return fail(op, "the scale and zero point must be single values");
    rewriter.replaceOpWithNewOp<bnn::QuantizeOp>(
        op, op.getType(), op.getX(), op.getYScale(), op.getYZeroPoint(),
        rewriter.getI64IntegerAttr(0), rewriter.getUnitAttr());
    return success();
  }

  /// TFLite's Q31 requantization (bnnc.tflite domain): constant
  /// multipliers, shifts and zero point become bnn.requantize_q31's
  /// attributes (its verifier checks their ranges).
  LogicalResult lowerTfliteRequantize(onnx::TfliteRequantizeOp op) {
    auto mult = getConstantInts(op.getMultiplier());
    auto shift = getConstantInts(op.getShift());
    auto zp = getConstantInts(op.getYZeroPoint());
    if (!tensorType(op.getX()).getElementType().isInteger(32) ||
        !isQuantType(tensorType(op.getY()).getElementType()))
      return fail(op, "requantizes int32 to int8 or uint8 only");
    if (!mult || !shift || !zp || zp->size() != 1)
      return fail(op, "multiplier, shift and zero point must be constants");
    auto axis =
        checkedAxis(op, op.getAxis(),
                    std::max<int64_t>(tensorType(op.getX()).getRank(), 1));
    if (failed(axis))
      return failure();
    auto narrow =
        [&](ArrayRef<int64_t> v) -> std::optional<SmallVector<int32_t>> {
      SmallVector<int32_t> out;
      for (int64_t x : v) {
        if (x < INT32_MIN || x > INT32_MAX)
          return std::nullopt;
        out.push_back(static_cast<int32_t>(x));
      }
      return out;
    };
    auto m32 = narrow(*mult), s32 = narrow(*shift);
    if (!m32 || !s32)
      return fail(op, "multiplier and shift must be int32 values");
    // getConstantInts sign-extends; a uint8 zero point is read unsigned.
    int64_t zeroPoint =
        tensorType(op.getY()).getElementType().isUnsignedInteger()
            ? ((*zp)[0] & 0xff)
            : (*zp)[0];
    auto q = rewriter.create<bnn::RequantizeQ31Op>(
        op.getLoc(), op.getType(), op.getX(),
        rewriter.getDenseI32ArrayAttr(*m32),
        rewriter.getDenseI32ArrayAttr(*s32),
        rewriter.getI64IntegerAttr(zeroPoint),
        rewriter.getI64IntegerAttr(static_cast<int64_t>(op.getMin())),
        rewriter.getI64IntegerAttr(static_cast<int64_t>(op.getMax())),
        rewriter.getI64IntegerAttr(*axis));
    if (failed(mlir::verify(q))) {
      rewriter.eraseOp(q);
      return failure();
    }
    rewriter.replaceOp(op, q.getOutput());
    return success();
  }

  LogicalResult lowerDequantizeLinear(onnx::DequantizeLinearOp op) {
    if (failed(requireQuantTypes(op)))
      return failure();
    auto axis = quantAxis(op, op.getScale(), op.getAxis(),
                          tensorType(op.getX()).getRank());
    if (failed(axis))
      return failure();
    rewriter.replaceOpWithNewOp<bnn::DequantizeOp>(
        op, op.getType(), op.getX(), op.getScale(),
        optional(op.getZeroPoint()), rewriter.getI64IntegerAttr(*axis));
    return success();
  }

  LogicalResult lowerDynamicQuantizeLinear(onnx::DynamicQuantizeLinearOp op) {
    if (failed(requireQuantTypes(op)))
      return failure();
    auto q = rewriter.create<bnn::DynamicQuantizeOp>(
        op.getLoc(), op.getResultTypes(), op.getX());
    rewriter.replaceOp(op, q.getResults());
    return success();
  }

  /// The int32 convolution of ConvInteger and QLinearConv, as NCHW (a 1-D
  /// convolution is viewed as 2-D like Conv); returns it in the shape of
  /// `result` with an int32 element type.
  FailureOr<Value> quantizedConv(Operation *op, Value x, Value w, Value xZp,
                                 Value wZp, Value bias, Value result,
                                 StringRef autoPad,
                                 std::optional<ArrayRef<int64_t>> strides,
                                 std::optional<ArrayRef<int64_t>> dilations,
                                 std::optional<ArrayRef<int64_t>> pads,
                                 int64_t group) {
    auto xt = tensorType(x), wt = tensorType(w);
    if (!isQuantType(xt.getElementType()) || !isQuantType(wt.getElementType()))
      return fail(op, "input and weight must be int8 or uint8");
    if (xZp && tensorType(xZp).getNumElements() != 1)
      return fail(op, "the input zero point must be a single value");
    auto g = window2D(op, xt.getShape(), wt.getShape().drop_front(2), strides,
                      dilations, pads, autoPad, false);
    if (!g)
      return failure();
    Location loc = op->getLoc();
    bool is1D = xt.getRank() == 3;
    auto resultShape = tensorType(result).getShape();
    Value input = is1D ? view(loc, x, asNCHW(xt.getShape())) : x;
    Value weight = is1D ? view(loc, w, asNCHW(wt.getShape())) : w;
    auto accType = RankedTensorType::get(is1D ? asNCHW(resultShape)
                                              : SmallVector<int64_t>(resultShape),
                                         rewriter.getI32Type());
    Value acc = rewriter.create<bnn::QConv2DOp>(
        loc, accType, input, weight, xZp, wZp, bias,
        rewriter.getDenseI64ArrayAttr(g->strides),
        rewriter.getDenseI64ArrayAttr(g->pads),
        rewriter.getDenseI64ArrayAttr(g->dilations),
        rewriter.getI64IntegerAttr(group));
    return view(loc, acc, resultShape);
  }

  LogicalResult lowerConvInteger(onnx::ConvIntegerOp op) {
    auto acc = quantizedConv(op, op.getX(), op.getW(),
                             optional(op.getXZeroPoint()),
                             optional(op.getWZeroPoint()), Value(), op.getY(),
                             op.getAutoPad(), op.getStrides(),
                             op.getDilations(), op.getPads(), op.getGroup());
    return failed(acc) ? failure() : replace(op, *acc);
  }

  /// y = requantize(acc) per output channel `axis` of `w_scale`.
  LogicalResult requantize(Operation *op, Value acc, Value inScale,
                           Value wScale, Value outScale, Value zp,
                           int64_t axis) {
    for (Value s : {inScale, outScale, zp})
      if (tensorType(s).getNumElements() != 1)
        return fail(op, "input and output scales and zero points must be "
                        "single values");
    if (!tensorType(inScale).getElementType().isF32() ||
        !tensorType(wScale).getElementType().isF32() ||
        !tensorType(outScale).getElementType().isF32())
      return fail(op, "scales must be float32");
    int64_t channels = tensorType(acc).getDimSize(axis);
    int64_t count = tensorType(wScale).getNumElements();
    if (count != 1 && count != channels)
      return fail(op, "the weight scale must hold 1 or " + Twine(channels) +
                          " values, got " + Twine(count));
    auto yType = cast<RankedTensorType>(op->getResult(0).getType());
    rewriter.replaceOpWithNewOp<bnn::RequantizeOp>(
        op, yType, acc, inScale, wScale, outScale, zp,
        rewriter.getI64IntegerAttr(axis), /*relu=*/UnitAttr());
    return success();
  }

  LogicalResult lowerQLinearConv(onnx::QLinearConvOp op) {
    if (failed(requireQuantTypes(op)))
      return failure();
    Value bias = optional(op.getB());
    if (bias && !tensorType(bias).getElementType().isInteger(32))
      return fail(op, "the bias must be int32");
    auto acc = quantizedConv(op, op.getX(), op.getW(), op.getXZeroPoint(),
                             op.getWZeroPoint(), bias, op.getY(),
                             op.getAutoPad(), op.getStrides(),
                             op.getDilations(), op.getPads(), op.getGroup());
    if (failed(acc))
      return failure();
    return requantize(op, *acc, op.getXScale(), op.getWScale(),
                      op.getYScale(), op.getYZeroPoint(), /*axis=*/1);
  }

  /// The int32 product of MatMulInteger and QLinearMatMul, with numpy's
  /// 1-D promotions as views (see lowerMatMul).
  FailureOr<Value> quantizedMatMul(Operation *op, Value a, Value b, Value aZp,
                                   Value bZp, Value result) {
    if (!isQuantType(tensorType(a).getElementType()) ||
        !isQuantType(tensorType(b).getElementType()))
      return fail(op, "both operands must be int8 or uint8");
    Location loc = op->getLoc();
    auto promote = [&](Value v, bool isLhs) -> Value {
      auto t = tensorType(v);
      if (t.getRank() != 1)
        return v;
      SmallVector<int64_t> shape = {1, t.getDimSize(0)};
      if (!isLhs)
        std::swap(shape[0], shape[1]);
      return view(loc, v, shape);
    };
    Value pa = promote(a, true), pb = promote(b, false);
    auto at = tensorType(pa), bt = tensorType(pb);
    auto batch = broadcastShapes(at.getShape().drop_back(2),
                                 bt.getShape().drop_back(2));
    if (!batch)
      return fail(op, "batch dimensions do not broadcast");
    SmallVector<int64_t> shape(*batch);
    shape.push_back(at.getDimSize(at.getRank() - 2));
    shape.push_back(bt.getShape().back());
    Value acc = rewriter.create<bnn::QMatMulOp>(
        loc, RankedTensorType::get(shape, rewriter.getI32Type()), pa, pb, aZp,
        bZp);
    return view(loc, acc, tensorType(result).getShape());
  }

  LogicalResult lowerMatMulInteger(onnx::MatMulIntegerOp op) {
    auto acc = quantizedMatMul(op, op.getA(), op.getB(),
                               optional(op.getAZeroPoint()),
                               optional(op.getBZeroPoint()), op.getY());
    return failed(acc) ? failure() : replace(op, *acc);
  }

  LogicalResult lowerQLinearMatMul(onnx::QLinearMatMulOp op) {
    if (failed(requireQuantTypes(op)))
      return failure();
    auto acc = quantizedMatMul(op, op.getA(), op.getB(), op.getAZeroPoint(),
                               op.getBZeroPoint(), op.getY());
    if (failed(acc))
      return failure();
    int64_t rank = tensorType(*acc).getRank();
    return requantize(op, *acc, op.getAScale(), op.getBScale(),
                      op.getYScale(), op.getYZeroPoint(),
                      std::max<int64_t>(rank - 1, 0));
  }
};

struct OnnxLowerToBnnPass final
    : bnnc::impl::OnnxLowerToBnnBase<OnnxLowerToBnnPass> {
  void runOnOperation() override {
    // Opset-dependent semantics (Softmax) read the model's opset; IR
    // written by hand defaults to the newest.
    int64_t opset = 17;
    if (auto attr = getOperation()->getAttrOfType<IntegerAttr>("onnx.opset"))
      opset = attr.getInt();
    Lowering lowering(&getContext(), opset);
    bool failed = false;
    getOperation().walk([&](Operation *op) {
      if (isa<onnx::OnnxDialect>(op->getDialect()) &&
          mlir::failed(lowering.lower(op)))
        failed = true;
    });
    if (failed)
      return signalPassFailure();
    // Shape operands of reshapes and omitted-input markers are now unused.
    IRRewriter rewriter(&getContext());
    (void)runRegionDCE(rewriter, getOperation()->getRegions());
  }
};

} // namespace
