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

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

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
        .Case(
            [&](onnx::GlobalMaxPoolOp c) {
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
        .Case([&](onnx::GatherOp c) { return lowerGather(c); })
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
        op, [](Type e) { return e.isF32(); },
        " (float kernels need float32)");
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
    Value result = elementwise(op.getLoc(), bnn::ElementwiseKind::IsInf,
                               op.getX(), op.getY().getType(),
                               flag(op.getDetectPositive()),
                               flag(op.getDetectNegative()));
    return replace(op, result);
  }

  /// Max/Min/Sum of n inputs: a chain of broadcasting binary ops in input
  /// order; Mean: their sum divided by n (as the ONNX reference computes).
  LogicalResult lowerVariadic(Operation *op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    bnn::ElementwiseKind kind = isa<onnx::MaxOp>(op)   ? bnn::ElementwiseKind::Max
                                : isa<onnx::MinOp>(op) ? bnn::ElementwiseKind::Min
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
      Value n = constant(
          loc, DenseElementsAttr::get(
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
    Value centered =
        elementwise(loc, bnn::ElementwiseKind::Sub, {op.getX(), channel(op.getInputMean())}, type);
    Value var =
        elementwise(loc, bnn::ElementwiseKind::Add, {channel(op.getInputVar()), eps}, cType);
    Value stddev = elementwise(loc, bnn::ElementwiseKind::Sqrt, {var}, cType);
    Value normalized = elementwise(loc, bnn::ElementwiseKind::Div, {centered, stddev}, type);
    Value scaled =
        elementwise(loc, bnn::ElementwiseKind::Mul, {normalized, channel(op.getScale())}, type);
    return replace(op,
                   elementwise(loc, bnn::ElementwiseKind::Add, {scaled, channel(op.getB())}, type));
  }

  template <typename PoolOp> LogicalResult lowerPool(PoolOp op, bool average) {
    if (failed(requireF32(op)))
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
    Value r = rewriter.create<bnn::ReduceOp>(
        loc, type.clone(kept), input, kind, rewriter.getDenseI64ArrayAttr(axes));
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
    rewriter.replaceOpWithNewOp<bnn::LayerNormOp>(
        op, type, op.getX(), *scale, bias, rewriter.getI64IntegerAttr(axis),
        op.getEpsilonAttr());
    return success();
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
    Value b = elementwise(op.getLoc(), bnn::ElementwiseKind::Bipolar, {op.getX()}, type);
    auto shape =
        broadcastShapes(type.getShape(), tensorType(op.getScale()).getShape());
    if (!shape || ArrayRef<int64_t>(*shape) != type.getShape())
      return fail(op, "scale must broadcast to the input");
    return replace(op,
                   elementwise(op.getLoc(), bnn::ElementwiseKind::Mul, {b, op.getScale()}, type));
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
    auto axis = checkedAxis(op, op.getAxis(), type.getRank());
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

  LogicalResult lowerGather(onnx::GatherOp op) {
    if (failed(requireSupportedTypes(op)))
      return failure();
    auto axis =
        checkedAxis(op, op.getAxis(), tensorType(op.getData()).getRank());
    if (failed(axis))
      return failure();
    rewriter.replaceOpWithNewOp<bnn::GatherOp>(
        op, op.getType(), op.getData(), op.getIndices(),
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
  LogicalResult lowerBlockRearrangement(Operation *op,
                                        ArrayRef<int64_t> split,
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
    Value offsets = elementwise(loc, bnn::ElementwiseKind::Mul, {steps, op.getDelta()}, type);
    return replace(op, elementwise(loc, bnn::ElementwiseKind::Add, {offsets, op.getStart()}, type));
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

  LogicalResult lowerRecurrent(Operation *op) {
    Location loc = op->getLoc();
    StringRef name = op->getName().stripDialect();
    int64_t gates = name == "LSTM" ? 4 : name == "GRU" ? 3 : 1;
    int64_t perDirection = name == "LSTM" ? 3 : name == "GRU" ? 2 : 1;
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
                          " does not match W (" + std::to_string(hidden) +
                          ")");
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

    // Activations, with ONNX's defaults, and their alpha/beta.
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
    SmallVector<int32_t> codes;
    SmallVector<float> alpha, beta;
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

    std::optional<FloatAttr> clip;
    if (auto c = op->getAttrOfType<FloatAttr>("clip")) {
      if (!(c.getValueAsDouble() >= 0.0))
        return fail(op, "clip must be non-negative");
      clip = c;
    }

    // Constant sequence lengths (all T: none).
    Value seqLens;
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
        seqLens = constant(loc, DenseElementsAttr::get(type, ArrayRef(l)));
      }
    }

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
