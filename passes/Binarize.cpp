//===- Binarize.cpp - Rewrite binarized layers to binary kernels ----------===//
//
// sign(a) (*) W with W[o, ...] = alpha_o * s[o, ...], s in {-1, +1}, is
// alpha_o * dot(b(a), s): one xor-popcount kernel with alpha_o in its float
// epilogue (techniques.md section 2, design.md section 2).
//
//===----------------------------------------------------------------------===//

#include "dialects/onnx/ShapeUtils.h"
#include "passes/Binarizers.h"
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
              ArrayRef<int64_t> dilations, int64_t group,
              int64_t padValue = 0) {
    Value weight = constant(weightShape, signs);
    Value scaleValue;
    if (llvm::any_of(scale, [](float a) { return a != 1.0f; }))
      scaleValue = constant({(int64_t)scale.size()}, scale);
    auto type = RankedTensorType::get(outShape, rewriter.getF32Type());
    return rewriter.create<bnn::BConv2DOp>(
        loc, type, bits, weight, scaleValue, bias, /*threshold=*/Value(),
        /*flip=*/Value(), /*slope=*/Value(), /*qparams=*/Value(),
        rewriter.getI64IntegerAttr(channels),
        rewriter.getDenseI64ArrayAttr(weightShape.drop_front(2)),
        rewriter.getDenseI64ArrayAttr(strides),
        rewriter.getDenseI64ArrayAttr(pads),
        rewriter.getDenseI64ArrayAttr(dilations),
        rewriter.getI64IntegerAttr(group),
        bnn::ActivationAttr::get(rewriter.getContext(), bnn::Activation::none),
        rewriter.getI64IntegerAttr(1), FloatAttr(), FloatAttr(),
        // Zero padding is the default: no attribute, the IR unchanged.
        padValue ? rewriter.getI64IntegerAttr(padValue) : IntegerAttr());
  }

private:
  PatternRewriter &rewriter;
  Location loc;
};

/// Sign(a) of an integer-valued `a`: a can be exactly 0, where ONNX Sign
/// gives 0 but a binary kernel can only give +-1.
bool isTernarySign(Value x) {
  if (Operation *def = x.getDefiningOp();
      def && isa<onnx::FlattenOp, onnx::ReshapeOp>(def))
    x = def->getOperand(0);
  auto sign = x.getDefiningOp<onnx::SignOp>();
  return sign && isIntegerValued(sign.getX());
}

/// The input of a binary layer: it reads b(`real`) times `scale`, zero
/// padded by `padBegin`/`padEnd` (per spatial axis) when the graph pads the
/// binarized tensor (or, for Sign, its input) with zeros.
struct BinarizedInput {
  Value real;
  float scale = 1.0f;
  SmallVector<int64_t> padBegin, padEnd;
  /// The value of the padded taps: 0 (zero padding), or +1/-1 when the graph
  /// pads the +-1 tensor itself with that value (LCE's one-padding).
  int64_t padValue = 0;
  /// The graph input assumed never 0 (--assume-nonzero-inputs), if any.
  std::string assumedInput;
};

/// The binarized input of a layer reading `x`, also through a Flatten/Reshape
/// (b commutes with views: the layer then reads `real` viewed as its input
/// shape) and, with `allowPads`, through zero padding. Fails with `whyNot`
/// empty if `x` is no binarizer, or naming why a binarizer has no exact
/// binary form (docs/binarization.md, "Sign(0)").
std::optional<BinarizedInput> binarizedInput(Value x, bool allowPads,
                                             std::string &whyNot,
                                             const ZeroAssumptions &assume) {
  whyNot.clear();
  BinarizedInput in;
  if (Operation *def = x.getDefiningOp();
      def && isa<onnx::FlattenOp, onnx::ReshapeOp>(def)) {
    x = def->getOperand(0);
    // Pads behind a view would pad other axes than the layer's.
    allowPads = false;
  }
  // Zeros padded around +-1 values are padded taps: exact as conv padding.
  Value y = allowPads ? peelZeroPad(x, in.padBegin, in.padEnd) : x;
  // So are +-1 values padded around them, with the kernel's pad_value.
  if (allowPads && y == x)
    y = peelSignPad(x, in.padBegin, in.padEnd, in.padValue);
  auto binarizer = matchBinarizer(y);
  if (!binarizer)
    return std::nullopt;
  if (isTernarySign(y)) {
    whyNot = "input is Sign of an integer-valued tensor, which can be exactly "
             "0 (Sign(0) = 0, no +-1 bit)";
    return std::nullopt;
  }
  Value a = binarizer->input;
  // Sign(Pad(a, 0)) = Pad(Sign(a), 0): the same padded taps.
  if (allowPads && in.padValue == 0 && binarizer->atZero == ZeroImage::Zero)
    a = peelZeroPad(a, in.padBegin, in.padEnd);
  if (!tensorType(a).getElementType().isF32() ||
      tensorType(binarizer->input).getShape() != tensorType(y).getShape())
    return std::nullopt;
  if (binarizer->atZero != ZeroImage::Plus)
    if (auto why = exactZeroSource(a, assume, &in.assumedInput)) {
      whyNot = (binarizer->atZero == ZeroImage::Zero
                    ? "input is Sign(a) and a can be exactly 0 ("
                    : "input is Where(a > 0, 1, -1) and a can be exactly 0 (") +
               *why +
               "), where ONNX gives " +
               (binarizer->atZero == ZeroImage::Zero ? "0" : "-1") +
               " and a +-1 bit would give +1";
      return std::nullopt;
    }
  in.real = a;
  in.scale = binarizer->scale;
  return in;
}

/// A layer binarized on the user's word that its graph input is never 0.
void warnAssumption(Operation *op, const BinarizedInput &in) {
  if (!in.assumedInput.empty())
    op->emitWarning() << describeNode(op) << ": binarized assuming "
                      << in.assumedInput
                      << " is never exactly 0 (--assume-nonzero-inputs); "
                         "ONNX Sign(0) = 0 has no +-1 bit";
}

/// The straight-through estimator's residue (a - b) + b around a binarizer
/// a is a in the forward pass: replaced by a before anything is binarized,
/// so every later match (and the exact-zero analysis) sees the binarizer.
struct StripStraightThrough final : OpRewritePattern<onnx::AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::AddOp op,
                                PatternRewriter &rewriter) const override {
    Value a = stripStraightThrough(op.getResult());
    if (a == op.getResult() || !matchBinarizer(a))
      return rewriter.notifyMatchFailure(op, "not (a - b) + b");
    rewriter.replaceOp(op, a);
    return success();
  }
};

/// Conv(Sign(a), +-alpha W, B) in 1-D or 2-D -> bconv2d(pack(a)).
struct BinarizeConv final : OpRewritePattern<onnx::ConvOp> {
  BinarizeConv(MLIRContext *ctx, ZeroAssumptions assume)
      : OpRewritePattern(ctx), assume(assume) {}

  LogicalResult matchAndRewrite(onnx::ConvOp op,
                                PatternRewriter &rewriter) const override {
    std::string whyNot;
    auto in = binarizedInput(op.getX(), /*allowPads=*/true, whyNot, assume);
    auto weights = getConstantFloats(op.getW());
    auto wType = tensorType(op.getW());
    if (!in || !weights || !tensorType(op.getY()).getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not Sign(a) with constant weights");
    auto alpha =
        channelMagnitudes(*weights, wType.getDimSize(0), assume.tolerance);
    if (!alpha)
      return rewriter.notifyMatchFailure(op, "weights are not +-alpha_o");
    for (float &s : *alpha)
      s *= in->scale;
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
    // A kernel pads with one value: +-1 padding in the graph cannot join
    // the convolution's own zero padding.
    if (in->padValue != 0 &&
        (llvm::any_of(g->padsBegin, [](int64_t p) { return p != 0; }) ||
         llvm::any_of(g->padsEnd, [](int64_t p) { return p != 0; })))
      return rewriter.notifyMatchFailure(op, "mixes zero and +-1 padding");
    // Zero padding in the graph joins the convolution's own: both are taps
    // that contribute 0.
    for (size_t d = 0; d < in->padBegin.size(); ++d) {
      g->padsBegin[d] += in->padBegin[d];
      g->padsEnd[d] += in->padEnd[d];
    }
    // 1-D runs as 2-D with a height of 1.
    Window2D w2 = asWindow2D(*g);
    BinaryRewriter b(rewriter, op.getLoc());
    int64_t group = op.getGroup();
    // The layer's input shape without the padding that moved into it.
    SmallVector<int64_t> unpadded(x.getShape());
    for (size_t d = 0; d < in->padBegin.size(); ++d)
      unpadded[2 + d] -= in->padBegin[d] + in->padEnd[d];
    Value bits = b.pack(b.view(in->real, asNCHW(unpadded)), group);
    auto outShape = tensorType(op.getY()).getShape();
    Value y = b.bconv(bits, x.getDimSize(1), signsOf(*weights),
                      asNCHW(wType.getShape()), *alpha, bias, asNCHW(outShape),
                      w2.strides, w2.pads, w2.dilations, group, in->padValue);
    warnAssumption(op, *in);
    rewriter.replaceOp(op, b.view(y, outShape));
    return success();
  }

  ZeroAssumptions assume;
};

/// Sign(a)[M, K] x W -> a 1x1 binary convolution over M pixels:
/// y[m, n] = alpha * alpha_n * dot(b(a_m), s_n) + beta * C[n].
/// Every check comes before the first op is created: a pattern that fails
/// after changing the IR never converges (the greedy driver sees a change).
LogicalResult rewriteDense(PatternRewriter &rewriter, Operation *op,
                           const BinarizedInput &in, ArrayRef<float> wRowMajor,
                           int64_t n, int64_t k, float gemmAlpha,
                           std::optional<SmallVector<float>> biasValues,
                           double tolerance) {
  auto alpha = channelMagnitudes(wRowMajor, n, tolerance);
  if (!alpha)
    return rewriter.notifyMatchFailure(op, "weights are not +-alpha_n");
  warnAssumption(op, in);
  Value a = in.real;
  for (float &s : *alpha)
    s *= gemmAlpha;
  BinaryRewriter b(rewriter, op->getLoc());
  Value bias = biasValues ? b.constant({n}, *biasValues) : Value();
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

struct BinarizeGemm final : OpRewritePattern<onnx::GemmOp> {
  BinarizeGemm(MLIRContext *ctx, ZeroAssumptions assume)
      : OpRewritePattern(ctx), assume(assume) {}

  LogicalResult matchAndRewrite(onnx::GemmOp op,
                                PatternRewriter &rewriter) const override {
    std::string whyNot;
    auto in = binarizedInput(op.getA(), /*allowPads=*/false, whyNot, assume);
    auto weights = getConstantFloats(op.getB());
    if (!in || !weights || op.getTransA())
      return rewriter.notifyMatchFailure(op, "not Sign(a) x constant");
    auto bType = tensorType(op.getB());
    int64_t n = tensorType(op.getY()).getDimSize(1);
    int64_t k = tensorType(op.getA()).getDimSize(1);
    SmallVector<float> w = op.getTransB()
                               ? *weights
                               : transposeMatrix(*weights, bType.getDimSize(0),
                                                 bType.getDimSize(1));
    // The bias must be per output column to live in the epilogue.
    std::optional<SmallVector<float>> bias;
    if (!isNoValue(op.getC())) {
      auto c = getConstantFloats(op.getC());
      auto cType = tensorType(op.getC());
      if (!c || !(cType.getNumElements() == n || cType.getNumElements() == 1) ||
          (cType.getRank() == 2 && cType.getDimSize(0) != 1))
        return rewriter.notifyMatchFailure(op, "C is not a per-column bias");
      float beta = op.getBeta().convertToFloat();
      bias.emplace(n);
      for (int64_t j = 0; j < n; ++j)
        (*bias)[j] = beta * (*c)[c->size() == 1 ? 0 : j];
    }
    return rewriteDense(rewriter, op, *in, w, n, k,
                        op.getAlpha().convertToFloat() * in->scale, bias,
                        assume.tolerance);
  }

  ZeroAssumptions assume;
};

struct BinarizeMatMul final : OpRewritePattern<onnx::MatMulOp> {
  BinarizeMatMul(MLIRContext *ctx, ZeroAssumptions assume)
      : OpRewritePattern(ctx), assume(assume) {}

  LogicalResult matchAndRewrite(onnx::MatMulOp op,
                                PatternRewriter &rewriter) const override {
    std::string whyNot;
    auto in = binarizedInput(op.getA(), /*allowPads=*/false, whyNot, assume);
    auto weights = getConstantFloats(op.getB());
    auto bType = tensorType(op.getB());
    if (!in || !weights || tensorType(op.getA()).getRank() < 2 ||
        bType.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "not Sign(a)[..., M, K] x W[K, N]");
    int64_t k = bType.getDimSize(0), n = bType.getDimSize(1);
    return rewriteDense(rewriter, op, *in, transposeMatrix(*weights, k, n), n,
                        k, in->scale, std::nullopt, assume.tolerance);
  }

  ZeroAssumptions assume;
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
  BinarizeAttention(MLIRContext *ctx, ZeroAssumptions assume,
                    DenseSet<Operation *> *warned)
      : OpRewritePattern(ctx), assume(assume), warned(warned) {}
  ZeroAssumptions assume;
  /// Ops already warned about (a pattern may be tried more than once).
  DenseSet<Operation *> *warned;

  LogicalResult matchAndRewrite(onnx::MatMulOp op,
                                PatternRewriter &rewriter) const override {
    auto cast = op.getA().getDefiningOp<onnx::CastOp>();
    auto signV = op.getB().getDefiningOp<onnx::SignOp>();
    if (!cast || !signV ||
        !tensorType(cast.getOutput()).getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not Cast(...) x Sign(V)");
    auto greater = cast.getInput().getDefiningOp<onnx::GreaterOp>();
    if (!greater || !isSplatConstant(greater->getOperand(1), 0.0f))
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
    // Sign(0) = 0 has no bit: Q, K and V must be provably non-zero, like
    // every binarized Sign (docs/binarization.md, "Sign(0)").
    for (auto [name, x] : {std::pair<StringRef, Value>{"Q", q}, {"K", k},
                           {"V", v}}) {
      auto why = exactZeroSource(x, assume);
      if (!why)
        continue;
      if (warned->insert(op).second)
        op->emitWarning() << describeNode(op) << ": Bi-Attention stays on "
                          << "the float path: Sign(" << name
                          << ") and its input can be exactly 0 (" << *why
                          << "), where ONNX gives 0 and a +-1 bit would "
                             "give +1";
      return rewriter.notifyMatchFailure(op, "Q, K or V can be exactly 0");
    }
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
    ZeroAssumptions assume{tolerance, assumeNonzeroInputs};
    patterns.add<BinarizeConv, BinarizeGemm, BinarizeMatMul>(&getContext(),
                                                            assume);
    DenseSet<Operation *> warned;
    patterns.add<BinarizeAttention>(&getContext(), assume, &warned);
    RewritePatternSet strip(&getContext());
    strip.add<StripStraightThrough>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(strip))) ||
        failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns)))) {
      getOperation().emitError()
          << "binarize: the rewrites did not reach a fixed point (an internal "
             "error; compile with --no-binarize to keep every layer real)";
      return signalPassFailure();
    }
    // A binarized input into a layer that stays real is not approximated:
    // say so, since the user probably expected a binary kernel.
    getOperation().walk([&](Operation *op) {
      if (!isa<onnx::ConvOp, onnx::GemmOp, onnx::MatMulOp>(op))
        return;
      std::string whyNot;
      bool binarized = binarizedInput(op->getOperand(0),
                                      isa<onnx::ConvOp>(op), whyNot, assume)
                           .has_value();
      if (!whyNot.empty()) {
        op->emitWarning() << describeNode(op) << ": " << whyNot
                          << "; the layer stays on the float path to keep "
                             "ONNX semantics";
        return;
      }
      if (!binarized)
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
