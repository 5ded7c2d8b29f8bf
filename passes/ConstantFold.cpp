//===- ConstantFold.cpp - Fold initializer-only subgraphs -----------------===//

#include "passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace bnnc {
#define GEN_PASS_DEF_ONNXCONSTANTFOLD
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;

namespace {

/// The work is in the ops' folders (dialects/onnx/OnnxFolders.cpp); the
/// greedy driver applies them to a fixpoint, deduplicates the resulting
/// constants and erases ops left without users.
struct OnnxConstantFoldPass final
    : bnnc::impl::OnnxConstantFoldBase<OnnxConstantFoldPass> {
  void runOnOperation() override {
    RewritePatternSet noPatterns(&getContext());
    GreedyRewriteConfig config;
    config.enableRegionSimplification = GreedySimplifyRegionLevel::Disabled;
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(noPatterns), config)))
      signalPassFailure();
  }
};

} // namespace
