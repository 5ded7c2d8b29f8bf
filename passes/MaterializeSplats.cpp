//===- MaterializeSplats.cpp - Fill large uniform constants at run time ---===//
//
// A constant whose elements are all equal (ConstantOfShape, a zero
// initializer) is stored by MLIR as one value, but C has no initializer that
// repeats one: emitted as `static const` data it would be spelled out element
// by element, and a 147-byte ConstantOfShape([2^28]) model once became 1.7 GB
// of C. Above a size limit, such a constant becomes a one-element constant
// broadcast into the arena by a strided copy with all strides 0, a fill loop
// the memory planner places like any other tensor.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/Builders.h"

namespace bnnc {
#define GEN_PASS_DEF_BNNMATERIALIZESPLATS
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

struct BnnMaterializeSplatsPass final
    : bnnc::impl::BnnMaterializeSplatsBase<BnnMaterializeSplatsPass> {
  using BnnMaterializeSplatsBase::BnnMaterializeSplatsBase;

  void runOnOperation() override {
    SmallVector<bnn::ConstantOp> large;
    getOperation().walk([&](bnn::ConstantOp op) {
      auto value = dyn_cast<DenseElementsAttr>(op.getValue());
      if (value && value.isSplat() && value.getNumElements() > maxElements)
        large.push_back(op);
    });
    for (bnn::ConstantOp op : large)
      materialize(op);
  }

  static void materialize(bnn::ConstantOp op) {
    auto value = cast<DenseElementsAttr>(op.getValue());
    auto type = cast<RankedTensorType>(value.getType());
    auto oneType = RankedTensorType::get({1}, type.getElementType());
    OpBuilder builder(op);
    Value one = builder.create<bnn::ConstantOp>(
        op.getLoc(), oneType, value.resizeSplat(oneType));
    Value filled = builder.create<bnn::StridedCopyOp>(
        op.getLoc(), type, one, builder.getI64IntegerAttr(0),
        builder.getDenseI64ArrayAttr(SmallVector<int64_t>(type.getRank(), 0)));
    op.getOutput().replaceAllUsesWith(filled);
    op.erase();
  }
};

} // namespace
