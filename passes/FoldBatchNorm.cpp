//===- FoldBatchNorm.cpp - Fold BatchNormalization into Conv/Gemm ---------===//
//
// Inference BN is y = s * (x - mean) + beta with s = gamma / sqrt(var + eps),
// an affine map per output channel o. When x = W * in + B comes from a
// real-valued Conv or Gemm, the map folds into its weights:
//   W'[o, ...] = s[o] * W[o, ...],   B'[o] = s[o] * (B[o] - mean[o]) + beta[o].
//
// Not when the layer reads discrete values (a kept-real binary layer, or
// --no-binarize): its sums are exact, 0 included, and BN keeps a 0
// a later Sign sees (Sign(0) = 0). Scaled weights s * (+-1) no longer sum to
// exactly 0 (docs/binarization.md, "Sign(0)").
//
//===----------------------------------------------------------------------===//

#include "passes/Binarizers.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace bnnc {
#define GEN_PASS_DEF_ONNXFOLDBATCHNORM
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

/// Folded weights are no ONNX initializer, so they get no node name; the C
/// emitter names them after the kernel that reads them.
Value makeConstant(PatternRewriter &rewriter, ArrayRef<int64_t> shape,
                   ArrayRef<float> values) {
  auto attr = makeF32Attr(rewriter.getContext(), shape, values);
  return rewriter.create<onnx::ConstantOp>(rewriter.getUnknownLoc(),
                                           attr.getType(), attr);
}

/// Folded bias: s * (B - mean) + beta = s * B + t, with B = 0 if absent.
SmallVector<float> foldBias(const ChannelAffine &bn,
                            std::optional<SmallVector<float>> bias) {
  SmallVector<float> folded(bn.scale.size());
  for (size_t o = 0; o < folded.size(); ++o)
    folded[o] = bn.scale[o] * (bias ? (*bias)[o] : 0.0f) + bn.shift[o];
  return folded;
}

/// BN(Conv(x, W, B)) -> Conv(x, W', B').
struct FoldIntoConv final : OpRewritePattern<onnx::BatchNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::BatchNormalizationOp bn,
                                PatternRewriter &rewriter) const override {
    auto conv = bn.getX().getDefiningOp<onnx::ConvOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "input is not a single-use Conv");
    if (isDiscreteValued(conv.getX()))
      return rewriter.notifyMatchFailure(bn, "exact integer sums stay exact");
    auto weights = getConstantFloats(conv.getW());
    std::optional<SmallVector<float>> bias;
    if (!isNoValue(conv.getB()) && !(bias = getConstantFloats(conv.getB())))
      return rewriter.notifyMatchFailure(bn, "Conv bias is not constant");
    auto affine = getBatchNormAffine(bn);
    if (!weights || !affine)
      return rewriter.notifyMatchFailure(bn, "non-constant weights or stats");

    auto wType = cast<RankedTensorType>(conv.getW().getType());
    int64_t perChannel = wType.getNumElements() / wType.getDimSize(0);
    for (size_t i = 0; i < weights->size(); ++i)
      (*weights)[i] *= affine->scale[i / perChannel];
    Location loc = conv.getLoc();
    Value w = makeConstant(rewriter, wType.getShape(), *weights);
    Value b = makeConstant(rewriter, {wType.getDimSize(0)},
                           foldBias(*affine, bias));
    auto folded = rewriter.create<onnx::ConvOp>(
        rewriter.getFusedLoc({loc, bn.getLoc()}), TypeRange{bn.getType()},
        ValueRange{conv.getX(), w, b}, conv->getAttrs());
    rewriter.replaceOp(bn, folded.getY());
    rewriter.eraseOp(conv);
    return success();
  }
};

/// BN(Gemm(a, B, C)) over the N axis -> Gemm(a, B', C') with beta = 1.
struct FoldIntoGemm final : OpRewritePattern<onnx::BatchNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::BatchNormalizationOp bn,
                                PatternRewriter &rewriter) const override {
    auto gemm = bn.getX().getDefiningOp<onnx::GemmOp>();
    if (gemm && isDiscreteValued(gemm.getA()))
      return rewriter.notifyMatchFailure(bn, "exact integer sums stay exact");
    if (!gemm || !gemm->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "input is not a single-use Gemm");
    auto weights = getConstantFloats(gemm.getB());
    auto affine = getBatchNormAffine(bn);
    if (!weights || !affine)
      return rewriter.notifyMatchFailure(bn, "non-constant weights or stats");
    auto bType = cast<RankedTensorType>(gemm.getB().getType());
    int64_t n = affine->scale.size();

    // C must be per-column (shape [], [1], [N] or [1, N]) to stay a bias.
    std::optional<SmallVector<float>> bias;
    if (!isNoValue(gemm.getC())) {
      auto cType = cast<RankedTensorType>(gemm.getC().getType());
      bias = getConstantFloats(gemm.getC());
      bool perColumn = cType.getRank() == 0 || cType.getShape().back() == n ||
                       cType.getShape().back() == 1;
      if (!bias || !perColumn || (cType.getRank() == 2 && cType.getDimSize(0) != 1))
        return rewriter.notifyMatchFailure(bn, "C is not a constant bias");
      float beta = gemm.getBeta().convertToFloat();
      SmallVector<float> expanded(n);
      for (int64_t o = 0; o < n; ++o)
        expanded[o] = beta * (*bias)[bias->size() == 1 ? 0 : o];
      bias = expanded;
    }
    // Output column o reads row o of B when transB, column o otherwise.
    bool transB = gemm.getTransB() != 0;
    for (int64_t i = 0; i < bType.getNumElements(); ++i) {
      int64_t o = transB ? i / bType.getDimSize(1) : i % bType.getDimSize(1);
      (*weights)[i] *= affine->scale[o];
    }
    Location loc = gemm.getLoc();
    Value b = makeConstant(rewriter, bType.getShape(), *weights);
    Value c = makeConstant(rewriter, {n}, foldBias(*affine, bias));
    auto folded = rewriter.create<onnx::GemmOp>(
        rewriter.getFusedLoc({loc, bn.getLoc()}), TypeRange{bn.getType()},
        ValueRange{gemm.getA(), b, c}, gemm->getAttrs());
    folded.setBeta(APFloat(1.0f));
    rewriter.replaceOp(bn, folded.getY());
    rewriter.eraseOp(gemm);
    return success();
  }
};

struct OnnxFoldBatchNormPass final
    : bnnc::impl::OnnxFoldBatchNormBase<OnnxFoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoConv, FoldIntoGemm>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
