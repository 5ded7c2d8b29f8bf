//===- LowerToBnn.cpp - Lower onnx ops to bnn float kernel ops ------------===//
//
// The last graph-level step: every remaining onnx op becomes one bnn kernel
// op (or a view). Each lowering is one function; a form without a kernel is
// reported against the ONNX node with the reason, never silently dropped.
//
//===----------------------------------------------------------------------===//

#include "dialects/onnx/ShapeUtils.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/TypeSwitch.h"

namespace bnnc {
#define GEN_PASS_DEF_ONNXLOWERTOBNN
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

class Lowering {
public:
  explicit Lowering(MLIRContext *ctx) : rewriter(ctx) {}

  LogicalResult lower(Operation *op) {
    rewriter.setInsertionPoint(op);
    return TypeSwitch<Operation *, LogicalResult>(op)
        .Case([&](onnx::ConstantOp c) { return lowerConstant(c); })
        .Case([&](onnx::NoValueOp) { return success(); })
        .Case([&](onnx::IdentityOp c) { return replace(c, c.getInput()); })
        .Case<onnx::ReshapeOp, onnx::FlattenOp>(
            [&](Operation *o) { return lowerView(o); })
        .Case([&](onnx::AddOp c) { return lowerBinary(c, bnn::BinaryKind::add); })
        .Case([&](onnx::MulOp c) { return lowerBinary(c, bnn::BinaryKind::mul); })
        .Case([&](onnx::ReluOp c) { return lowerUnary(c, bnn::UnaryKind::relu); })
        .Case([&](onnx::SignOp c) { return lowerUnary(c, bnn::UnaryKind::sign); })
        .Case([&](onnx::ConvOp c) { return lowerConv(c); })
        .Case([&](onnx::GemmOp c) { return lowerGemm(c); })
        .Case([&](onnx::MatMulOp c) { return lowerMatMul(c); })
        .Case([&](onnx::BatchNormalizationOp c) { return lowerBatchNorm(c); })
        .Case([&](onnx::MaxPoolOp c) { return lowerMaxPool(c); })
        .Default([&](Operation *o) {
          return fail(o, "has no lowering to a bnn kernel");
        });
  }

private:
  IRRewriter rewriter;

  LogicalResult fail(Operation *op, const Twine &reason) {
    return op->emitError() << describeNode(op) << ": " << reason;
  }

  LogicalResult replace(Operation *op, Value with) {
    rewriter.replaceOp(op, with);
    return success();
  }

  /// Float kernels exist for float32 tensors only.
  LogicalResult requireF32(Operation *op) {
    SmallVector<Type> types(op->getOperandTypes());
    llvm::append_range(types, op->getResultTypes());
    for (Type t : types) {
      auto tensor = dyn_cast<RankedTensorType>(t);
      if (tensor && !tensor.getElementType().isF32())
        return fail(op, "element type " +
                            llvm::Twine(debugString(tensor.getElementType())) +
                            " is not supported (float kernels need float32)");
    }
    return success();
  }

  static std::string debugString(Type t) {
    std::string s;
    llvm::raw_string_ostream os(s);
    t.print(os);
    return s;
  }

  bnn::ActivationAttr noActivation() {
    return bnn::ActivationAttr::get(rewriter.getContext(),
                                    bnn::Activation::none);
  }

  Value constant(Location loc, DenseElementsAttr attr) {
    return rewriter.create<bnn::ConstantOp>(loc, attr.getType(), attr);
  }

  LogicalResult lowerConstant(onnx::ConstantOp op) {
    rewriter.replaceOpWithNewOp<bnn::ConstantOp>(op, op.getType(),
                                                 op.getValue());
    return success();
  }

  LogicalResult lowerView(Operation *op) {
    rewriter.replaceOpWithNewOp<bnn::ReshapeOp>(op, op->getResult(0).getType(),
                                                op->getOperand(0));
    return success();
  }

  LogicalResult lowerBinary(Operation *op, bnn::BinaryKind kind) {
    if (failed(requireF32(op)))
      return failure();
    rewriter.replaceOpWithNewOp<bnn::BinaryOp>(
        op, op->getResult(0).getType(), op->getOperand(0), op->getOperand(1),
        bnn::BinaryKindAttr::get(rewriter.getContext(), kind));
    return success();
  }

  LogicalResult lowerUnary(Operation *op, bnn::UnaryKind kind) {
    if (failed(requireF32(op)))
      return failure();
    rewriter.replaceOpWithNewOp<bnn::UnaryOp>(
        op, op->getResult(0).getType(), op->getOperand(0),
        bnn::UnaryKindAttr::get(rewriter.getContext(), kind));
    return success();
  }

  LogicalResult lowerConv(onnx::ConvOp op) {
    if (failed(requireF32(op)))
      return failure();
    auto x = tensorType(op.getX()), w = tensorType(op.getW());
    if (x.getRank() != 4)
      return fail(op, "only 2-D convolution is supported, got " +
                          Twine(x.getRank() - 2) + " spatial dimensions");
    std::string error;
    auto g = resolveWindow(x.getShape().drop_front(2), w.getShape().drop_front(2),
                           op.getStrides(), op.getDilations(), op.getPads(),
                           op.getAutoPad(), /*ceilMode=*/false, error);
    if (!g)
      return fail(op, error);
    Value bias = isNoValue(op.getB()) ? Value() : op.getB();
    rewriter.replaceOpWithNewOp<bnn::Conv2DOp>(
        op, op.getType(), op.getX(), op.getW(), bias,
        rewriter.getDenseI64ArrayAttr(g->strides),
        rewriter.getDenseI64ArrayAttr({g->padsBegin[0], g->padsBegin[1],
                                       g->padsEnd[0], g->padsEnd[1]}),
        rewriter.getDenseI64ArrayAttr(g->dilations),
        rewriter.getI64IntegerAttr(op.getGroup()), noActivation());
    return success();
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
      return rewriter.create<bnn::ReshapeOp>(loc, t.clone(shape), v);
    };
    Value a = promote(op.getA(), true), b = promote(op.getB(), false);
    auto at = tensorType(a), bt = tensorType(b);
    SmallVector<int64_t> shape(*broadcastShapes(at.getShape().drop_back(2),
                                                bt.getShape().drop_back(2)));
    shape.push_back(at.getDimSize(at.getRank() - 2));
    shape.push_back(bt.getShape().back());
    Value result = rewriter.create<bnn::MatMulOp>(
        loc, op.getType().clone(shape), a, b);
    if (tensorType(result) != op.getType())
      result = rewriter.create<bnn::ReshapeOp>(loc, op.getType(), result);
    return replace(op, result);
  }

  LogicalResult lowerBatchNorm(onnx::BatchNormalizationOp op) {
    if (failed(requireF32(op)))
      return failure();
    auto affine = getBatchNormAffine(op);
    if (!affine)
      return fail(op, "scale, B, mean and var must be constants");
    int64_t channels = affine->scale.size();
    MLIRContext *ctx = rewriter.getContext();
    Value scale = constant(op.getLoc(), makeF32Attr(ctx, {channels}, affine->scale));
    Value shift = constant(op.getLoc(), makeF32Attr(ctx, {channels}, affine->shift));
    rewriter.replaceOpWithNewOp<bnn::ChannelAffineOp>(op, op.getType(),
                                                      op.getX(), scale, shift);
    return success();
  }

  LogicalResult lowerMaxPool(onnx::MaxPoolOp op) {
    if (failed(requireF32(op)))
      return failure();
    auto x = tensorType(op.getX());
    if (x.getRank() != 4)
      return fail(op, "only 2-D max pooling is supported, got " +
                          Twine(x.getRank() - 2) + " spatial dimensions");
    std::string error;
    auto g = resolveWindow(x.getShape().drop_front(2), op.getKernelShape(),
                           op.getStrides(), op.getDilations(), op.getPads(),
                           op.getAutoPad(), op.getCeilMode() != 0, error);
    if (!g)
      return fail(op, error);
    rewriter.replaceOpWithNewOp<bnn::MaxPool2DOp>(
        op, op.getType(), op.getX(), rewriter.getDenseI64ArrayAttr(g->kernel),
        rewriter.getDenseI64ArrayAttr(g->strides),
        rewriter.getDenseI64ArrayAttr({g->padsBegin[0], g->padsBegin[1],
                                       g->padsEnd[0], g->padsEnd[1]}),
        rewriter.getDenseI64ArrayAttr(g->dilations));
    return success();
  }
};

struct OnnxLowerToBnnPass final
    : bnnc::impl::OnnxLowerToBnnBase<OnnxLowerToBnnPass> {
  void runOnOperation() override {
    Lowering lowering(&getContext());
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
