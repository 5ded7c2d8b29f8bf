//===- Bitpack.cpp - Pack binary weights at compile time ------------------===//

#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"

#include "bnnc/kernels_binary.h"

namespace bnnc {
#define GEN_PASS_DEF_BNNBITPACK
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

/// OIHW +-1 floats -> OHWI words with the runtime's own packing function
/// (bit j of word w = channel 32w + j of the tap's group, 1 for a negative
/// weight, tail bits 0), so that compile-time and run-time layouts agree by
/// construction.
SmallVector<int32_t> packWeights(ArrayRef<float> w, int64_t m, int64_t cg,
                                 int64_t kh, int64_t kw) {
  bnnc_bweights_params params{static_cast<int32_t>(m), static_cast<int32_t>(cg),
                              static_cast<int32_t>(kh),
                              static_cast<int32_t>(kw)};
  SmallVector<uint32_t> packed(m * kh * kw * bnn::packedWords(cg, 1));
  bnnc_pack_weights_oihw_f32_to_ohwi32(&params, w.data(), packed.data());
  return SmallVector<int32_t>(packed.begin(), packed.end());
}

struct BnnBitpackPass final : bnnc::impl::BnnBitpackBase<BnnBitpackPass> {
  void runOnOperation() override {
    getOperation().walk([&](bnn::BConv2DOp op) {
      auto weights = getConstantFloats(op.getWeight());
      if (!weights)
        return;
      auto type = cast<RankedTensorType>(op.getWeight().getType());
      int64_t m = type.getDimSize(0), cg = type.getDimSize(1);
      int64_t kh = type.getDimSize(2), kw = type.getDimSize(3);
      auto packedType = RankedTensorType::get(
          {m, kh, kw, bnn::packedWords(cg, 1)}, IntegerType::get(&getContext(), 32));
      auto attr = DenseElementsAttr::get(
          packedType, ArrayRef<int32_t>(packWeights(*weights, m, cg, kh, kw)));
      OpBuilder builder(op);
      Value packed = builder.create<bnn::ConstantOp>(op.getWeight().getLoc(),
                                                     packedType, attr);
      op.getWeightMutable().assign(packed);
    });
  }
};

} // namespace
