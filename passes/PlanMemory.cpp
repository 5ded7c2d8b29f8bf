//===- PlanMemory.cpp - Static arena planning from liveness ---------------===//
//
// Tensors live from their defining op to their last use (program order of
// the single-block function; views extend the tensor they alias, a use by
// the return extends to the end). Placement is greedy by size: largest
// first, each at the lowest aligned offset free of every tensor whose live
// interval overlaps. Intervals include both ends, so a kernel's output never
// shares bytes with its inputs.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"

namespace bnnc {
#define GEN_PASS_DEF_BNNPLANMEMORY
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

struct Buffer {
  Operation *op;
  int64_t size;
  int64_t begin, end; // live interval, inclusive op indices
  int64_t offset = -1;
};

int64_t alignTo(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

bool overlaps(const Buffer &a, const Buffer &b) {
  return a.begin <= b.end && b.begin <= a.end;
}

struct BnnPlanMemoryPass final
    : bnnc::impl::BnnPlanMemoryBase<BnnPlanMemoryPass> {
  using BnnPlanMemoryBase::BnnPlanMemoryBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (alignment < 1 || (alignment & (alignment - 1))) {
      func.emitError("alignment must be a power of two, got ")
          << static_cast<int64_t>(alignment);
      return signalPassFailure();
    }
    if (!func.getBody().hasOneBlock()) {
      func.emitError("expects a single-block function");
      return signalPassFailure();
    }
    SmallVector<Buffer> buffers = collectBuffers(func);
    int64_t arenaSize = place(buffers);
    for (Buffer &b : buffers)
      b.op->setAttr(bnn::kOffsetAttr,
                    IntegerAttr::get(IntegerType::get(&getContext(), 64),
                                     b.offset));
    Builder builder(&getContext());
    func->setAttr(bnn::kArenaSizeAttr, builder.getI64IntegerAttr(arenaSize));
    func->setAttr(bnn::kArenaLowerBoundAttr,
                  builder.getI64IntegerAttr(lowerBound(buffers)));
  }

  /// One buffer per kernel result that is neither a constant, a view, nor a
  /// graph output (kernels write outputs straight into the caller's buffer).
  SmallVector<Buffer> collectBuffers(func::FuncOp func) {
    Block &body = func.getBody().front();
    DenseMap<Operation *, int64_t> index;
    int64_t i = 0;
    for (Operation &op : body)
      index[&op] = i++;
    Operation *terminator = body.getTerminator();
    DenseSet<Value> returned(terminator->operand_begin(),
                             terminator->operand_end());

    SmallVector<Buffer> buffers;
    DenseMap<Value, size_t> bufferOf;
    for (Operation &op : body) {
      if (op.getNumResults() != 1 || bnn::isView(&op) ||
          op.hasTrait<OpTrait::ConstantLike>() || &op == terminator)
        continue;
      Value result = op.getResult(0);
      if (returned.contains(result))
        continue;
      bufferOf[result] = buffers.size();
      buffers.push_back({&op, alignTo(bnn::tensorBytes(result.getType()), alignment), index[&op],
                         index[&op]});
    }
    for (Operation &op : body)
      for (Value operand : op.getOperands()) {
        auto it = bufferOf.find(bnn::viewSource(operand));
        if (it != bufferOf.end())
          buffers[it->second].end =
              std::max(buffers[it->second].end, index[&op]);
      }
    return buffers;
  }

  int64_t place(SmallVector<Buffer> &buffers) {
    SmallVector<Buffer *> order;
    for (Buffer &b : buffers)
      order.push_back(&b);
    llvm::stable_sort(order, [](const Buffer *a, const Buffer *b) {
      return a->size > b->size;
    });
    int64_t arenaSize = 0;
    SmallVector<Buffer *> placed;
    for (Buffer *b : order) {
      SmallVector<Buffer *> conflicts;
      for (Buffer *p : placed)
        if (overlaps(*b, *p))
          conflicts.push_back(p);
      llvm::sort(conflicts, [](const Buffer *x, const Buffer *y) {
        return x->offset < y->offset;
      });
      // First gap between conflicting buffers that is large enough.
      int64_t offset = 0;
      for (Buffer *c : conflicts) {
        if (offset + b->size <= c->offset)
          break;
        offset = std::max(offset, c->offset + c->size);
      }
      b->offset = offset;
      arenaSize = std::max(arenaSize, offset + b->size);
      placed.push_back(b);
    }
    return arenaSize;
  }

  /// No placement can beat the largest total size live at one op.
  static int64_t lowerBound(ArrayRef<Buffer> buffers) {
    int64_t best = 0;
    for (const Buffer &at : buffers) {
      int64_t live = 0;
      for (const Buffer &b : buffers)
        if (b.begin <= at.begin && at.begin <= b.end)
          live += b.size;
      best = std::max(best, live);
    }
    return best;
  }
};

} // namespace
