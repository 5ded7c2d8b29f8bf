//===- FuseEpilogues.cpp - Fuse activations into producing kernels --------===//

#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace bnnc {
#define GEN_PASS_DEF_BNNFUSEEPILOGUES
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

/// relu(kernel(x)) -> kernel(x) with activation = relu, when the kernel's
/// result has no other user and no activation yet.
template <typename KernelOp>
struct FuseRelu final : OpRewritePattern<bnn::ElementwiseOp> {
  using OpRewritePattern<bnn::ElementwiseOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(bnn::ElementwiseOp relu,
                                PatternRewriter &rewriter) const override {
    if (relu.getKind() != "relu")
      return rewriter.notifyMatchFailure(relu, "not a relu");
    auto kernel = relu.getInputs()[0].template getDefiningOp<KernelOp>();
    if (!kernel || !kernel->hasOneUse() ||
        kernel.getActivation() != bnn::Activation::none)
      return rewriter.notifyMatchFailure(relu, "no fusable producer");
    rewriter.modifyOpInPlace(kernel, [&] {
      kernel.setActivation(bnn::Activation::relu);
      kernel->setLoc(rewriter.getFusedLoc({kernel.getLoc(), relu.getLoc()}));
    });
    rewriter.replaceOp(relu, kernel.getOutput());
    return success();
  }
};

struct BnnFuseEpiloguesPass final
    : bnnc::impl::BnnFuseEpiloguesBase<BnnFuseEpiloguesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseRelu<bnn::Conv2DOp>, FuseRelu<bnn::GemmOp>>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
