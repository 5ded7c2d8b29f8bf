//===- Binarize.cpp - Rewrite binarized layers to binary kernels ----------===//
//
// sign(a) (*) W with W[o, ...] = alpha_o * s[o, ...], s in {-1, +1}, is
// alpha_o * dot(b(a), s): one xor-popcount kernel with alpha_o in its float
// epilogue (techniques.md section 2, design.md section 2).
//
//===----------------------------------------------------------------------===//

#include "dialects/onnx/ShapeUtils.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace bnnc {
#define GEN_PASS_DEF_BINARIZE
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

/// Per output channel o of weights laid out [O, rest...]: alpha_o if every
/// |w| of the channel equals alpha_o within `tolerance` (relative) and is
/// non-zero. XNOR-Net's alpha = mean|W| is that common magnitude.
std::optional<SmallVector<float>> channelMagnitudes(ArrayRef<float> w,
                                                    int64_t outChannels,
                                                    double tolerance) {
  int64_t per = w.size() / outChannels;
  SmallVector<float> alpha;
  for (int64_t o = 0; o < outChannels; ++o) {
    ArrayRef<float> channel = w.slice(o * per, per);
    double mean = 0;
    for (float v : channel)
      mean += std::fabs(v);
    mean /= per;
    if (mean == 0)
      return std::nullopt;
    for (float v : channel)
      if (std::fabs(std::fabs(v) - mean) > tolerance * mean)
        return std::nullopt;
    alpha.push_back(static_cast<float>(mean));
  }
  return alpha;
}

/// The signs of the weights as +-1.0f (b(w): a 0 would have failed above).
SmallVector<float> signsOf(ArrayRef<float> w) {
  SmallVector<float> s;
  for (float v : w)
    s.push_back(v < 0 ? -1.0f : 1.0f);
  return s;
}

class BinaryRewriter {
public:
  BinaryRewriter(PatternRewriter &rewriter, Location loc)
      : rewriter(rewriter), loc(loc) {}

  Value view(Value v, ArrayRef<int64_t> shape) {
    auto type = tensorType(v).clone(shape);
    return type == v.getType() ? v
                               : rewriter.create<bnn::ReshapeOp>(loc, type, v);
  }

  Value constant(ArrayRef<int64_t> shape, ArrayRef<float> values) {
    auto attr = makeF32Attr(rewriter.getContext(), shape, values);
    return rewriter.create<bnn::ConstantOp>(loc, attr.getType(), attr);
  }

  /// bnn.pack of a float NCHW tensor, `group` groups packed separately.
  Value pack(Value x, int64_t group) {
    auto t = tensorType(x);
    SmallVector<int64_t> shape = {t.getDimSize(0), t.getDimSize(2),
                                  t.getDimSize(3),
                                  bnn::packedWords(t.getDimSize(1), group)};
    auto type = RankedTensorType::get(shape, rewriter.getI32Type());
    return rewriter.create<bnn::PackOp>(loc, type, x, /*threshold=*/Value(),
                                        rewriter.getI64IntegerAttr(group));
  }

  /// The binary convolution with its float epilogue; `scale` holds alpha
  /// (omitted when all 1), `bias` may be null.
  Value bconv(Value bits, int64_t channels, ArrayRef<float> signs,
              ArrayRef<int64_t> weightShape, ArrayRef<float> scale,
              Value bias, ArrayRef<int64_t> outShape,
              ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
              ArrayRef<int64_t> dilations, int64_t group) {
    Value weight = constant(weightShape, signs);
    Value scaleValue;
    if (llvm::any_of(scale, [](float a) { return a != 1.0f; }))
      scaleValue = constant({(int64_t)scale.size()}, scale);
    auto type = RankedTensorType::get(outShape, rewriter.getF32Type());
    return rewriter.create<bnn::BConv2DOp>(
        loc, type, bits, weight, scaleValue, bias, /*threshold=*/Value(),
        /*flip=*/Value(), /*slope=*/Value(), rewriter.getI64IntegerAttr(channels),
        rewriter.getDenseI64ArrayAttr(weightShape.drop_front(2)),
        rewriter.getDenseI64ArrayAttr(strides),
        rewriter.getDenseI64ArrayAttr(pads),
        rewriter.getDenseI64ArrayAttr(dilations),
        rewriter.getI64IntegerAttr(group),
        bnn::ActivationAttr::get(rewriter.getContext(), bnn::Activation::none),
        rewriter.getI64IntegerAttr(1), FloatAttr(), FloatAttr());
  }

private:
  PatternRewriter &rewriter;
  Location loc;
};

/// Whether `v` is a constant whose elements all equal `value`.
bool isSplat(Value v, float value) {
  auto values = getConstantFloats(v);
  return values && llvm::all_of(*values, [&](float x) { return x == value; });
}

/// `a` if `x` binarizes it: Sign(a); Where(a >= 0, 1, -1) and
/// Where(a < 0, -1, 1), which are b(a) exactly; Where(a > 0, 1, -1), which
/// differs from b only at a = 0 (like Sign); QONNX BipolarQuant(a, s) is
/// s * b(a), its scalar s going to `scale`.
Value binarizerInput(Value x, float *scale = nullptr) {
  if (scale)
    *scale = 1.0f;
  if (auto sign = x.getDefiningOp<onnx::SignOp>())
    return sign.getX();
  if (auto quant = x.getDefiningOp<onnx::BipolarQuantOp>()) {
    auto s = getConstantFloats(quant.getScale());
    if (!s || s->size() != 1 || !scale)
      return {};
    *scale = (*s)[0];
    return quant.getX();
  }
  auto where = x.getDefiningOp<onnx::WhereOp>();
  if (!where)
    return {};
  Operation *cond = where.getCondition().getDefiningOp();
  if (!cond || cond->getNumOperands() != 2 || !isSplat(cond->getOperand(1), 0))
    return {};
  bool positiveFirst = isa<onnx::GreaterOrEqualOp, onnx::GreaterOp>(cond);
  bool negativeFirst = isa<onnx::LessOp>(cond);
  if ((positiveFirst && isSplat(where.getX(), 1) && isSplat(where.getY(), -1)) ||
      (negativeFirst && isSplat(where.getX(), -1) && isSplat(where.getY(), 1)))
    return cond->getOperand(0);
  return {};
}

/// Whether every element of `v` is provably an integer: Sign, Round, a Cast
/// from integers or bool, integral constants, and sums, products and data
/// movement of such values (BiBERT's attention scores and context vectors).
bool isIntegerValued(Value v, int depth = 0) {
  if (depth > 24)
    return false;
  if (!isa<FloatType>(tensorType(v).getElementType()))
    return true;
  Operation *def = v.getDefiningOp();
  if (!def)
    return false;
  if (isa<onnx::SignOp, onnx::RoundOp, onnx::FloorOp, onnx::CeilOp,
          bnn::BinAttentionContextOp>(def))
    return true;
  if (auto cast = dyn_cast<onnx::CastOp>(def))
    return isIntegerValued(cast->getOperand(0), depth + 1);
  if (isa<onnx::ConstantOp>(def)) {
    auto values = getConstantFloats(v);
    return values && llvm::all_of(*values, [](float x) {
             return std::isfinite(x) && x == std::trunc(x);
           });
  }
  if (isa<onnx::MatMulOp, onnx::AddOp, onnx::SubOp, onnx::MulOp, onnx::NegOp,
          onnx::AbsOp, onnx::ConcatOp>(def))
    return llvm::all_of(def->getOperands(),
                        [&](Value o) { return isIntegerValued(o, depth + 1); });
  if (auto where = dyn_cast<onnx::WhereOp>(def))
    return isIntegerValued(where.getX(), depth + 1) &&
           isIntegerValued(where.getY(), depth + 1);
  if (isa<onnx::TransposeOp, onnx::ReshapeOp, onnx::FlattenOp, onnx::SqueezeOp,
          onnx::UnsqueezeOp, onnx::GatherOp, onnx::SliceOp, onnx::ExpandOp,
          onnx::IdentityOp, bnn::ReshapeOp>(def))
    return isIntegerValued(def->getOperand(0), depth + 1);
  return false;
}

/// Sign(a) of an integer-valued `a`: a can be exactly 0, where ONNX Sign
/// gives 0 but a binary kernel can only give +-1.
bool isTernarySign(Value x) {
  if (Operation *def = x.getDefiningOp();
      def && isa<onnx::FlattenOp, onnx::ReshapeOp>(def))
    x = def->getOperand(0);
  auto sign = x.getDefiningOp<onnx::SignOp>();
  return sign && isIntegerValued(sign.getX());
}

/// The real input `a` of a binarizer feeding a binary layer, also through a
/// Flatten/Reshape (b commutes with views: the layer then reads `a` viewed
/// as its input shape); `scale` receives the binarizer's output scale.
Value signInput(Value x, float *scale = nullptr) {
  if (Operation *def = x.getDefiningOp();
      def && isa<onnx::FlattenOp, onnx::ReshapeOp>(def))
    x = def->getOperand(0);
  float unused;
  // A ternary Sign has no exact binary kernel: it stays on the float path.
  if (isTernarySign(x))
    return {};
  Value a = binarizerInput(x, scale ? scale : &unused);
  if (!a || !tensorType(a).getElementType().isF32() ||
      tensorType(a).getShape() != tensorType(x).getShape())
    return {};
  return a;
}

/// The straight-through estimator's residue (a - b) + b, with a binarized
/// value a (`x + (sign(x) - x).detach()` in PyTorch), is a in the forward
/// pass: strip it so the binarizer underneath is visible.
struct StripStraightThrough final : OpRewritePattern<onnx::AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::AddOp op,
                                PatternRewriter &rewriter) const override {
    for (int k = 0; k < 2; ++k) {
      auto sub = op->getOperand(k).getDefiningOp<onnx::SubOp>();
      if (sub && sub.getB() == op->getOperand(1 - k) &&
          sub.getA().getType() == op.getType() && binarizerInput(sub.getA())) {
        rewriter.replaceOp(op, sub.getA());
        return success();
      }
    }
    return rewriter.notifyMatchFailure(op, "not (a - b) + b");
  }
};

/// Conv(Sign(a), +-alpha W, B) in 1-D or 2-D -> bconv2d(pack(a)).
struct BinarizeConv final : OpRewritePattern<onnx::ConvOp> {
  BinarizeConv(MLIRContext *ctx, double tolerance)
      : OpRewritePattern(ctx), tolerance(tolerance) {}

  LogicalResult matchAndRewrite(onnx::ConvOp op,
                                PatternRewriter &rewriter) const override {
    float inputScale;
    Value a = signInput(op.getX(), &inputScale);
    auto weights = getConstantFloats(op.getW());
    auto wType = tensorType(op.getW());
    if (!a || !weights || !tensorType(op.getY()).getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not Sign(a) with constant weights");
    auto alpha = channelMagnitudes(*weights, wType.getDimSize(0), tolerance);
    if (!alpha)
      return rewriter.notifyMatchFailure(op, "weights are not +-alpha_o");
    for (float &s : *alpha)
      s *= inputScale;
    Value bias;
    if (!isNoValue(op.getB())) {
      if (!getConstantFloats(op.getB()))
        return rewriter.notifyMatchFailure(op, "bias is not constant");
      bias = op.getB();
    }
    auto x = tensorType(op.getX());
    int64_t spatial = x.getRank() - 2;
    if (spatial != 1 && spatial != 2)
      return rewriter.notifyMatchFailure(op, "not a 1-D or 2-D convolution");
    std::string error;
    auto g = resolveWindow(x.getShape().drop_front(2),
                           wType.getShape().drop_front(2), op.getStrides(),
                           op.getDilations(), op.getPads(), op.getAutoPad(),
                           false, error);
    if (!g)
      return rewriter.notifyMatchFailure(op, error);
    // 1-D runs as 2-D with a height of 1.
    Window2D w2 = asWindow2D(*g);
    BinaryRewriter b(rewriter, op.getLoc());
    int64_t group = op.getGroup();
    Value bits = b.pack(b.view(a, asNCHW(x.getShape())), group);
    auto outShape = tensorType(op.getY()).getShape();
    Value y = b.bconv(bits, x.getDimSize(1), signsOf(*weights),
                      asNCHW(wType.getShape()), *alpha, bias, asNCHW(outShape),
                      w2.strides, w2.pads, w2.dilations, group);
    rewriter.replaceOp(op, b.view(y, outShape));
    return success();
  }

  double tolerance;
};

/// Sign(a)[M, K] x W -> a 1x1 binary convolution over M pixels:
/// y[m, n] = alpha * alpha_n * dot(b(a_m), s_n) + beta * C[n].
LogicalResult rewriteDense(PatternRewriter &rewriter, Operation *op, Value a,
                           ArrayRef<float> wRowMajor, int64_t n, int64_t k,
                           float gemmAlpha, Value bias, double tolerance) {
  auto alpha = channelMagnitudes(wRowMajor, n, tolerance);
  if (!alpha)
    return rewriter.notifyMatchFailure(op, "weights are not +-alpha_n");
  for (float &s : *alpha)
    s *= gemmAlpha;
  BinaryRewriter b(rewriter, op->getLoc());
  auto aType = tensorType(a);
  // A flattened NCHW map [M, C, H, W] (k = C*H*W) is read as it is: the
  // dense layer is an HxW convolution without padding whose OIHW weights
  // are the rows of W, in the same c*H*W + h*W + w order. Its input can then
  // be the packed bits of a preceding binary conv.
  if (aType.getRank() == 4 && aType.getNumElements() / aType.getDimSize(0) == k) {
    int64_t m = aType.getDimSize(0), c = aType.getDimSize(1);
    int64_t h = aType.getDimSize(2), w = aType.getDimSize(3);
    Value bits = b.pack(a, 1);
    Value y = b.bconv(bits, c, signsOf(wRowMajor), {n, c, h, w}, *alpha, bias,
                      {m, n, 1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1);
    rewriter.replaceOp(op, b.view(y, tensorType(op->getResult(0)).getShape()));
    return success();
  }
  int64_t m = aType.getNumElements() / k;
  Value bits = b.pack(b.view(a, {m, k, 1, 1}), 1);
  Value y = b.bconv(bits, k, signsOf(wRowMajor), {n, k, 1, 1}, *alpha, bias,
                    {m, n, 1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1);
  // Batched A ([..., M, K] x [K, N]) is one matrix of all its rows.
  rewriter.replaceOp(op, b.view(y, tensorType(op->getResult(0)).getShape()));
  return success();
}

/// W[K, N] row-major -> W^T[N, K].
SmallVector<float> transpose(ArrayRef<float> w, int64_t k, int64_t n) {
  SmallVector<float> t(w.size());
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j)
      t[j * k + i] = w[i * n + j];
  return t;
}

struct BinarizeGemm final : OpRewritePattern<onnx::GemmOp> {
  BinarizeGemm(MLIRContext *ctx, double tolerance)
      : OpRewritePattern(ctx), tolerance(tolerance) {}

  LogicalResult matchAndRewrite(onnx::GemmOp op,
                                PatternRewriter &rewriter) const override {
    float inputScale;
    Value a = signInput(op.getA(), &inputScale);
    auto weights = getConstantFloats(op.getB());
    if (!a || !weights || op.getTransA())
      return rewriter.notifyMatchFailure(op, "not Sign(a) x constant");
    auto bType = tensorType(op.getB());
    int64_t n = tensorType(op.getY()).getDimSize(1);
    int64_t k = tensorType(op.getA()).getDimSize(1);
    SmallVector<float> w = op.getTransB()
                               ? *weights
                               : transpose(*weights, bType.getDimSize(0),
                                           bType.getDimSize(1));
    // The bias must be per output column to live in the epilogue.
    Value bias;
    if (!isNoValue(op.getC())) {
      auto c = getConstantFloats(op.getC());
      auto cType = tensorType(op.getC());
      if (!c || !(cType.getNumElements() == n || cType.getNumElements() == 1) ||
          (cType.getRank() == 2 && cType.getDimSize(0) != 1))
        return rewriter.notifyMatchFailure(op, "C is not a per-column bias");
      float beta = op.getBeta().convertToFloat();
      SmallVector<float> values(n);
      for (int64_t j = 0; j < n; ++j)
        values[j] = beta * (*c)[c->size() == 1 ? 0 : j];
      BinaryRewriter b(rewriter, op.getLoc());
      bias = b.constant({n}, values);
    }
    return rewriteDense(rewriter, op, a, w, n, k,
                        op.getAlpha().convertToFloat() * inputScale, bias,
                        tolerance);
  }

  double tolerance;
};

struct BinarizeMatMul final : OpRewritePattern<onnx::MatMulOp> {
  BinarizeMatMul(MLIRContext *ctx, double tolerance)
      : OpRewritePattern(ctx), tolerance(tolerance) {}

  LogicalResult matchAndRewrite(onnx::MatMulOp op,
                                PatternRewriter &rewriter) const override {
    float inputScale;
    Value a = signInput(op.getA(), &inputScale);
    auto weights = getConstantFloats(op.getB());
    auto bType = tensorType(op.getB());
    if (!a || !weights || tensorType(op.getA()).getRank() < 2 ||
        bType.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "not Sign(a)[..., M, K] x W[K, N]");
    int64_t k = bType.getDimSize(0), n = bType.getDimSize(1);
    return rewriteDense(rewriter, op, a, transpose(*weights, k, n), n, k,
                        inputScale, Value(), tolerance);
  }

  double tolerance;
};

/// The permutation of a Transpose that swaps the last two dimensions only.
bool swapsLastTwo(onnx::TransposeOp t) {
  auto perm = t.getPerm();
  int64_t rank = tensorType(t.getData()).getRank();
  if (!perm || rank < 2)
    return false;
  for (int64_t i = 0; i < rank - 2; ++i)
    if ((*perm)[i] != i)
      return false;
  return (*perm)[rank - 2] == rank - 1 && (*perm)[rank - 1] == rank - 2;
}

/// x * c, x / c or c * x with a positive scalar constant c: returns x.
Value positiveScaleOf(Value v) {
  Operation *def = v.getDefiningOp();
  if (!def || !isa<onnx::MulOp, onnx::DivOp>(def))
    return v;
  auto positive = [](Value c) {
    auto values = getConstantFloats(c);
    return values && values->size() == 1 && (*values)[0] > 0.0f &&
           std::isfinite((*values)[0]);
  };
  if (positive(def->getOperand(1)))
    return def->getOperand(0);
  if (isa<onnx::MulOp>(def) && positive(def->getOperand(0)))
    return def->getOperand(1);
  return v;
}

/// BiBERT's Bi-Attention, C = Cast(Greater(sign(Q) sign(K)^T * c, 0)) sign(V)
/// with c > 0 (the 1/sqrt(d) scale does not change a sign), becomes the
/// xor-popcount scores kernel and the and-popcount context kernel. The
/// result is the same integers; only Q, K, V values of exactly 0 differ
/// (b(0) = +1, Sign(0) = 0), as for every float binarizer.
struct BinarizeAttention final : OpRewritePattern<onnx::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::MatMulOp op,
                                PatternRewriter &rewriter) const override {
    auto cast = op.getA().getDefiningOp<onnx::CastOp>();
    auto signV = op.getB().getDefiningOp<onnx::SignOp>();
    if (!cast || !signV ||
        !tensorType(cast.getOutput()).getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not Cast(...) x Sign(V)");
    auto greater = cast.getInput().getDefiningOp<onnx::GreaterOp>();
    if (!greater || !isSplat(greater->getOperand(1), 0.0f))
      return rewriter.notifyMatchFailure(op, "probabilities are not [S > 0]");
    auto scores =
        positiveScaleOf(greater->getOperand(0)).getDefiningOp<onnx::MatMulOp>();
    if (!scores)
      return rewriter.notifyMatchFailure(op, "no score MatMul");
    auto signQ = scores.getA().getDefiningOp<onnx::SignOp>();
    Value k;
    // sign(K)^T: Transpose(Sign(K)) or Sign(Transpose(K)).
    if (auto t = scores.getB().getDefiningOp<onnx::TransposeOp>()) {
      if (auto s = t.getData().getDefiningOp<onnx::SignOp>();
          s && swapsLastTwo(t))
        k = s.getX();
    } else if (auto s = scores.getB().getDefiningOp<onnx::SignOp>()) {
      if (auto t = s.getX().getDefiningOp<onnx::TransposeOp>();
          t && swapsLastTwo(t))
        k = t.getData();
    }
    if (!signQ || !k)
      return rewriter.notifyMatchFailure(op,
                                         "scores are not sign(Q) sign(K)^T");
    Value q = signQ.getX(), v = signV.getX();
    auto qt = tensorType(q), kt = tensorType(k), vt = tensorType(v);
    int64_t rank = qt.getRank();
    if (rank < 2 || kt.getRank() != rank || vt.getRank() != rank ||
        !qt.getElementType().isF32() || !kt.getElementType().isF32() ||
        !vt.getElementType().isF32() ||
        qt.getShape().drop_back(2) != kt.getShape().drop_back(2) ||
        kt.getShape() != vt.getShape() ||
        qt.getShape().back() != kt.getShape().back())
      return rewriter.notifyMatchFailure(op, "shapes need no broadcasting");
    int64_t groups = shapeProduct(qt.getShape().drop_back(2));
    int64_t l = qt.getDimSize(rank - 2), s = kt.getDimSize(rank - 2);
    int64_t d = qt.getShape().back();
    BinaryRewriter b(rewriter, op.getLoc());
    Value qBits = b.pack(b.view(q, {groups * l, d, 1, 1}), 1);
    Value kBits = b.pack(b.view(k, {groups * s, d, 1, 1}), 1);
    SmallVector<int64_t> perm, vtShape(vt.getShape());
    for (int64_t i = 0; i < rank; ++i)
      perm.push_back(i);
    std::swap(perm[rank - 2], perm[rank - 1]);
    std::swap(vtShape[rank - 2], vtShape[rank - 1]);
    Value vT = rewriter.create<onnx::TransposeOp>(
        op.getLoc(), vt.clone(vtShape), v, rewriter.getDenseI64ArrayAttr(perm));
    Value vBits = b.pack(b.view(vT, {groups * d, s, 1, 1}), 1);
    auto i32 = rewriter.getI32Type();
    Value p = rewriter.create<bnn::BinAttentionScoresOp>(
        op.getLoc(),
        RankedTensorType::get({groups, l, bnn::packedWords(s, 1)}, i32), qBits,
        kBits, rewriter.getI64IntegerAttr(d));
    Value c = rewriter.create<bnn::BinAttentionContextOp>(
        op.getLoc(),
        RankedTensorType::get({groups, l, d}, rewriter.getF32Type()), p, vBits,
        rewriter.getI64IntegerAttr(s));
    rewriter.replaceOp(op, b.view(c, tensorType(op.getY()).getShape()));
    return success();
  }
};

struct BinarizePass final : bnnc::impl::BinarizeBase<BinarizePass> {
  using BinarizeBase::BinarizeBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<BinarizeConv, BinarizeGemm, BinarizeMatMul>(&getContext(),
                                                            tolerance);
    patterns.add<StripStraightThrough, BinarizeAttention>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      return signalPassFailure();
    // A binarized input into a layer that stays real is not approximated:
    // say so, since the user probably expected a binary kernel.
    // b(0) = +1 but Sign(0) = 0: harmless for float activations, a real
    // deviation where the binarized value is integer-valued (rounded, cast
    // from integers) and can be exactly 0.
    getOperation().walk([](bnn::PackOp pack) {
      Operation *def = bnn::viewSource(pack.getInput()).getDefiningOp();
      if (def && isa<onnx::RoundOp, onnx::FloorOp, onnx::CeilOp, onnx::CastOp,
                     onnx::SignOp, onnx::BipolarQuantOp>(def))
        pack.emitWarning() << describeNode(pack)
                           << ": the binarized value is integer-valued and "
                              "can be exactly 0, where ONNX Sign gives 0 and "
                              "the binary kernel +1";
    });
    getOperation().walk([](Operation *op) {
      if (!isa<onnx::ConvOp, onnx::GemmOp, onnx::MatMulOp>(op))
        return;
      if (isTernarySign(op->getOperand(0))) {
        op->emitWarning() << describeNode(op)
                          << ": input is Sign of an integer-valued tensor, "
                             "which can be exactly 0 (Sign(0) = 0, no +-1 "
                             "bit); the layer stays on the float path to keep "
                             "ONNX semantics";
        return;
      }
      if (!signInput(op->getOperand(0)))
        return;
      op->emitWarning() << describeNode(op)
                        << ": input is binarized but the layer stays on the "
                           "float path (weights are not +-alpha per output "
                           "channel, or the bias or shape has no exact binary "
                           "form)";
    });
  }
};

} // namespace
