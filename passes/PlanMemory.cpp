//===- PlanMemory.cpp - Static arena planning from liveness ---------------===//
//
// Tensors live from their defining op to their last use (program order of
// the single-block function; views extend the tensor they alias, a use by
// the return extends to the end). Intervals include both ends, so a kernel's
// output never shares bytes with its inputs, except in place: an elementwise
// kernel (bnn.elementwise, bnn.channel_affine) whose result has exactly the
// type of an operand that dies at this kernel writes over that operand. Its
// kernels compute element i from element i of each same-shaped operand, so
// reading before writing each element is all the C needs (docs/cortex-m.md,
// "Memory planner"). Such a chain of tensors is one buffer. The input of an
// int8 convolution followed by its requantization lives until the
// requantization, which a target may fuse into the convolution; for the
// Cortex-M targets (fuse-cortex-m-requantize), which always do when
// bnn::fusableRequantize allows, that convolution's int32 result takes no
// bytes at all.
//
// Placement (passes/ArenaPlan.cpp) tries several first-fit orders and keeps
// the smallest arena; the lower bound is the largest total of buffers live
// at one op.
//
//===----------------------------------------------------------------------===//

#include "passes/ArenaPlan.h"
#include "passes/Passes.h"

#include "bnnc/layouts.h" /* bnnc_cm_qpatch_max */

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"

namespace bnnc {
#define GEN_PASS_DEF_BNNPLANMEMORY
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

int64_t alignTo(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

/// The operands `op` may overwrite with its result: an in-place elementwise
/// kernel's operands of the result's type (so no broadcasting).
SmallVector<Value> inPlaceCandidates(Operation *op) {
  SmallVector<Value> candidates;
  if (!op->hasTrait<bnn::OpTrait::InPlaceElementwise>())
    return candidates;
  Type result = op->getResult(0).getType();
  for (Value v : op->getOperands())
    if (v.getType() == result)
      candidates.push_back(v);
  return candidates;
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
    std::vector<ArenaBuffer> buffers;
    SmallVector<SmallVector<OpResult, 1>> writers;
    collectBuffers(func, buffers, writers);
    int64_t arenaSize = planArena(buffers, alignment);
    setOffsets(buffers, writers);
    Builder builder(&getContext());
    func->setAttr(bnn::kArenaSizeAttr, builder.getI64IntegerAttr(arenaSize));
    func->setAttr(bnn::kArenaLowerBoundAttr,
                  builder.getI64IntegerAttr(arenaLowerBound(buffers)));
  }

  /// The index of the last op during which `op` may still read its
  /// operands: its own, or, for an int8 convolution whose only user is its
  /// requantization, the requantization's: a target may emit the pair as
  /// one kernel that writes the requantized output while it reads the
  /// input (the Cortex-M kernels do), so the two must not share bytes.
  static int64_t readUntil(Operation *op,
                           const DenseMap<Operation *, int64_t> &index) {
    if (auto conv = dyn_cast<bnn::QConv2DOp>(op))
      if (conv.getOutput().hasOneUse())
        if (auto rq = dyn_cast<bnn::RequantizeOp>(
                *conv.getOutput().getUsers().begin()))
          return index.lookup(rq);
    return index.lookup(op);
  }

  /// kOffsetAttr on a single-result op; kResultOffsetsAttr (and result 0's
  /// offset as kOffsetAttr) on an op with several results, whose results
  /// each have a buffer of their own.
  void setOffsets(ArrayRef<ArenaBuffer> buffers,
                  ArrayRef<SmallVector<OpResult, 1>> writers) {
    Builder builder(&getContext());
    DenseMap<Operation *, SmallVector<int64_t>> multi;
    for (auto [b, results] : llvm::zip(buffers, writers))
      for (OpResult r : results) {
        Operation *op = r.getOwner();
        if (op->getNumResults() == 1) {
          op->setAttr(bnn::kOffsetAttr, builder.getI64IntegerAttr(b.offset));
          continue;
        }
        auto &offsets = multi[op];
        offsets.resize(op->getNumResults(), -1);
        offsets[r.getResultNumber()] = b.offset;
      }
    for (auto &[op, offsets] : multi) {
      op->setAttr(bnn::kResultOffsetsAttr,
                  builder.getDenseI64ArrayAttr(offsets));
      if (offsets[0] >= 0)
        op->setAttr(bnn::kOffsetAttr, builder.getI64IntegerAttr(offsets[0]));
    }
  }

  /// One buffer per kernel result that is neither a constant, a view, nor a
  /// graph output (kernels write outputs straight into the caller's buffer),
  /// except that an in-place result joins its operand's buffer. `writers`
  /// holds the results that live in each buffer.
  void collectBuffers(func::FuncOp func, std::vector<ArenaBuffer> &buffers,
                      SmallVector<SmallVector<OpResult, 1>> &writers) {
    Block &body = func.getBody().front();
    DenseMap<Operation *, int64_t> index;
    int64_t i = 0;
    for (Operation &op : body)
      index[&op] = i++;
    Operation *terminator = body.getTerminator();
    DenseSet<Value> returned(terminator->operand_begin(),
                             terminator->operand_end());
    // The last op reading each tensor, directly or through views.
    DenseMap<Value, int64_t> lastUse;
    for (Operation &op : body)
      for (Value operand : op.getOperands()) {
        int64_t &last = lastUse[bnn::viewSource(operand)];
        last = std::max(last, readUntil(&op, index));
      }

    DenseMap<Value, size_t> bufferOf;
    for (Operation &op : body) {
      if (bnn::isView(&op) || op.hasTrait<OpTrait::ConstantLike>() ||
          &op == terminator)
        continue;
      // Several results (bnn.dynamic_quantize): a buffer each.
      if (op.getNumResults() > 1) {
        for (OpResult result : op.getResults())
          if (!returned.contains(result))
            addBuffer(result, index[&op], lastUse, buffers, writers, bufferOf);
        continue;
      }
      if (op.getNumResults() != 1)
        continue;
      OpResult result = op.getResult(0);
      if (returned.contains(result))
        continue;
      if (auto conv = dyn_cast<bnn::QConv2DOp>(&op);
          conv && fuseCortexMRequantize &&
          bnn::fusableRequantize(conv, bnnc_cm_qpatch_max(0),
                                 bnnc_cm_qpatch_max(1))) {
        op.setAttr(bnn::kFusedIntoUserAttr, UnitAttr::get(op.getContext()));
        continue;
      }
      int64_t at = index[&op];
      int64_t end = std::max(at, lastUse.lookup(result));
      std::optional<size_t> reuse;
      if (inPlace)
        for (Value operand : inPlaceCandidates(&op)) {
          Value source = bnn::viewSource(operand);
          auto it = bufferOf.find(source);
          if (it != bufferOf.end() && lastUse.lookup(source) == at &&
              !returned.contains(source)) {
            reuse = it->second;
            break;
          }
        }
      if (reuse) {
        buffers[*reuse].end = std::max(buffers[*reuse].end, end);
        writers[*reuse].push_back(result);
        bufferOf[result] = *reuse;
        continue;
      }
      addBuffer(result, at, lastUse, buffers, writers, bufferOf);
    }
  }

  /// A new buffer for `result`, written by the op at index `at`.
  void addBuffer(OpResult result, int64_t at,
                 const DenseMap<Value, int64_t> &lastUse,
                 std::vector<ArenaBuffer> &buffers,
                 SmallVector<SmallVector<OpResult, 1>> &writers,
                 DenseMap<Value, size_t> &bufferOf) {
    bufferOf[result] = buffers.size();
    ArenaBuffer b;
    b.size = alignTo(bnn::tensorBytes(result.getType()), alignment);
    b.begin = at;
    b.end = std::max(at, lastUse.lookup(result));
    buffers.push_back(b);
    writers.push_back({result});
  }
};

} // namespace
