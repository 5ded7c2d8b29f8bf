//===- Bitpack.cpp - Pack binary weights at compile time ------------------===//

#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"

namespace bnnc {
#define GEN_PASS_DEF_BNNBITPACK
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

/// OIHW +-1 floats -> OHWI words: per (o, ky, kx), the cg channels of the
/// group in ceil(cg / 32) words, bit j of word w = channel 32w + j, 1 for a
/// negative weight (value -1), tail bits 0.
SmallVector<int32_t> packWeights(ArrayRef<float> w, int64_t m, int64_t cg,
                                 int64_t kh, int64_t kw) {
  int64_t words = (cg + 31) / 32, taps = kh * kw;
  SmallVector<int32_t> packed(m * taps * words, 0);
  for (int64_t o = 0; o < m; ++o)
    for (int64_t c = 0; c < cg; ++c)
      for (int64_t t = 0; t < taps; ++t)
        if (w[(o * cg + c) * taps + t] < 0) {
          uint32_t &word = reinterpret_cast<uint32_t &>(
              packed[(o * taps + t) * words + c / 32]);
          word |= 1u << (c % 32);
        }
  return packed;
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
          {m, kh, kw, (cg + 31) / 32}, IntegerType::get(&getContext(), 32));
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
