//===- TokenPrune.cpp - Static top-k token pruning for ViTs ---------------===//
//
// EViT-style token pruning with a compile-time token count (techniques.md
// section 4.5): after the attention (and its residual Add) of block b, the
// CLS token and the k patch tokens with the largest head-averaged CLS
// attention are kept, in their original order; with `fuse`, the pruned
// tokens are summed, weighted by their CLS attention, into one package
// token appended last. Every op after the cut is re-typed for the smaller
// token count, so the MLP and all later blocks, the memory plan and the MAC
// count shrink.
//
// The inserted ops are ordinary onnx ops (Gather, ReduceMean, TopK, Cast,
// Concat, MatMul), which lower to existing kernels:
//   a    = ReduceMean_h(Gather(P, 0, axis 2))            [B, N]   CLS row
//   s    = Gather(a, [1 .. N-1], axis 1)                 [B, N-1] patches
//   idx  = TopK(s, k)                                    ties: lower index
//   idx  = Cast(TopK(-Cast(idx), k) ... )                ascending order
//   keep = Gather(x as [B*N, D], [b*N] ++ (b*N + 1 + idx))  [B, 1+k, D]
//   pkg  = s * x_patches - s_kept * x_kept              (fuse only)
//
//===----------------------------------------------------------------------===//

#include "dialects/bnn/BnnDialect.h"
#include "dialects/onnx/ShapeUtils.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>
#include <map>

namespace bnnc {
#define GEN_PASS_DEF_TOKENPRUNE
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

struct Stage {
  int64_t block;
  double keep; // a count (>= 1, integral) or a ratio in (0, 1)
  bool isRatio;
};

/// Parses "BLOCK:KEEP[,BLOCK:KEEP...]"; KEEP with a '.' is a ratio.
std::optional<SmallVector<Stage>> parseStages(StringRef spec,
                                              std::string &error) {
  SmallVector<Stage> stages;
  SmallVector<StringRef> items;
  spec.split(items, ',', -1, false);
  for (StringRef item : items) {
    auto [b, k] = item.trim().split(':');
    Stage s;
    if (b.getAsInteger(10, s.block) || s.block < 0 || k.empty()) {
      error = ("'" + item + "' is not BLOCK:KEEP").str();
      return std::nullopt;
    }
    s.isRatio = k.contains('.');
    if (k.getAsDouble(s.keep) || s.keep <= 0 || (s.isRatio && s.keep > 1.0) ||
        (!s.isRatio && s.keep != std::floor(s.keep))) {
      error = ("'" + item +
               "': KEEP must be a token count >= 1 or a ratio "
               "in (0, 1]")
                  .str();
      return std::nullopt;
    }
    if (!stages.empty() && s.block <= stages.back().block) {
      error = "blocks must be given in increasing order";
      return std::nullopt;
    }
    stages.push_back(s);
  }
  if (stages.empty()) {
    error = "no BLOCK:KEEP given";
    return std::nullopt;
  }
  return stages;
}

class Pruner {
public:
  Pruner(func::FuncOp f, bool fuse) : f(f), b(f.getContext()), fuse(fuse) {}

  LogicalResult prune(onnx::SoftmaxOp softmax, const Stage &stage,
                      DictionaryAttr &record) {
    auto p = tensorType(softmax.getOutput());
    if (p.getRank() != 4 || p.getDimSize(2) != p.getDimSize(3))
      return softmax.emitError()
             << describeNode(softmax)
             << ": token-prune: attention probabilities must be [B, H, N, N]";
    int64_t batch = p.getDimSize(0), n = p.getDimSize(2);
    Operation *residual = findResidual(softmax, batch, n);
    if (!residual)
      return softmax.emitError()
             << describeNode(softmax)
             << ": token-prune: no residual Add of a [B, N, D] token tensor "
                "after this attention";
    Value x = residual->getResult(0);
    int64_t d = tensorType(x).getDimSize(2);
    int64_t k =
        stage.isRatio
            ? static_cast<int64_t>(std::ceil(stage.keep * (n - 1) - 1e-9))
            : static_cast<int64_t>(stage.keep);
    if (k < 1 || k > n - 1)
      return softmax.emitError()
             << describeNode(softmax) << ": token-prune: cannot keep " << k
             << " of the " << n - 1 << " patch tokens of block " << stage.block;
    Location loc = residual->getLoc();
    b.setInsertionPointAfter(residual);
    Geometry g{batch, p.getDimSize(1), n, d, k};
    Value score, idx = topPatchIndices(loc, softmax.getOutput(), g, score);
    // Row indices into x viewed as [B*N, D]: CLS, then 1 + idx.
    SmallVector<int64_t> base, baseCls;
    for (int64_t i = 0; i < batch; ++i) {
      base.push_back(i * n + 1);
      baseCls.push_back(i * n);
    }
    Type f32 = b.getF32Type(), i64 = b.getI64Type();
    Value rows = b.create<onnx::AddOp>(loc, ty({batch, k}, i64), idx,
                                       ints({batch, 1}, base));
    Value all = b.create<onnx::ConcatOp>(
        loc, ty({batch, k + 1}, i64),
        ValueRange{ints({batch, 1}, baseCls), rows}, 1);
    Value flat = b.create<onnx::ReshapeOp>(loc, ty({batch * n, d}, f32), x,
                                           ints({2}, {batch * n, d}), 0);
    Value kept =
        b.create<onnx::GatherOp>(loc, ty({batch, k + 1, d}, f32), flat, all, 0);
    int64_t tokens = k + 1;
    if (fuse) {
      kept = appendPackageToken(loc, g, x, flat, score, idx, rows, kept);
      tokens = k + 2;
    }
    // Later users read the pruned tokens.
    Operation *last = kept.getDefiningOp();
    x.replaceUsesWithIf(kept, [&](OpOperand &use) {
      return last->isBeforeInBlock(use.getOwner());
    });
    if (failed(retype(last, n, tokens)))
      return failure();
    record = DictionaryAttr::get(
        f.getContext(),
        {b.getNamedAttr("block", b.getI64IntegerAttr(stage.block)),
         b.getNamedAttr("node", b.getStringAttr(describeNode(residual))),
         b.getNamedAttr("tokens_before", b.getI64IntegerAttr(n)),
         b.getNamedAttr("tokens_after", b.getI64IntegerAttr(tokens))});
    return success();
  }

private:
  func::FuncOp f;
  OpBuilder b;
  bool fuse;

  /// Batch, heads, tokens (CLS first), model width and patch tokens kept.
  struct Geometry {
    int64_t batch, heads, n, d, k;
  };

  static RankedTensorType ty(ArrayRef<int64_t> shape, Type element) {
    return RankedTensorType::get(shape, element);
  }

  /// The patch indices 0..n-2 as an i64 list.
  static SmallVector<int64_t> patchIndices(int64_t n) {
    SmallVector<int64_t> patches;
    for (int64_t j = 1; j < n; ++j)
      patches.push_back(j);
    return patches;
  }

  /// The k patches with the most CLS attention, averaged over the heads
  /// ([B, N-1] into `score`), as patch indices in token order ([B, k]).
  Value topPatchIndices(Location loc, Value probabilities, const Geometry &g,
                        Value &score) {
    Type f32 = b.getF32Type(), i64 = b.getI64Type();
    int64_t batch = g.batch, n = g.n, k = g.k;
    Value row = b.create<onnx::GatherOp>(loc, ty({batch, g.heads, n}, f32),
                                         probabilities, ints({}, {0}), 2);
    Value cls = b.create<onnx::ReduceMeanOp>(loc, ty({batch, n}, f32), row,
                                             b.getDenseI64ArrayAttr({1}), 0);
    score = b.create<onnx::GatherOp>(loc, ty({batch, n - 1}, f32), cls,
                                     ints({n - 1}, patchIndices(n)), 1);
    // Top k (ties to the lower index), then back into token order.
    auto topk = b.create<onnx::TopKOp>(
        loc, TypeRange{ty({batch, k}, f32), ty({batch, k}, i64)}, score,
        ints({1}, {k}), -1, 1, 1, IntegerAttr());
    Value asFloat =
        b.create<onnx::CastOp>(loc, ty({batch, k}, f32), topk.getIndices(), 1);
    auto ascending = b.create<onnx::TopKOp>(
        loc, TypeRange{ty({batch, k}, f32), ty({batch, k}, i64)}, asFloat,
        ints({1}, {k}), -1, 0, 1, IntegerAttr());
    return b.create<onnx::CastOp>(loc, ty({batch, k}, i64),
                                  ascending.getValues(), 7);
  }

  /// EViT's package token, sum_j a_j x_j over the pruned patches j (all
  /// patches' weighted sum minus the kept ones'), appended to `kept`.
  Value appendPackageToken(Location loc, const Geometry &g, Value x,
                           Value flat, Value score, Value idx, Value rows,
                           Value kept) {
    Type f32 = b.getF32Type(), i64 = b.getI64Type();
    int64_t batch = g.batch, n = g.n, d = g.d, k = g.k;
    Value patchRows = b.create<onnx::GatherOp>(
        loc, ty({batch, n - 1, d}, f32), x, ints({n - 1}, patchIndices(n)), 1);
    Value score3 =
        b.create<onnx::ReshapeOp>(loc, ty({batch, 1, n - 1}, f32), score,
                                  ints({3}, {batch, 1, n - 1}), 0);
    Value total = b.create<onnx::MatMulOp>(loc, ty({batch, 1, d}, f32), score3,
                                           patchRows);
    SmallVector<int64_t> scoreBase;
    for (int64_t i = 0; i < batch; ++i)
      scoreBase.push_back(i * (n - 1));
    Value scoreRows = b.create<onnx::AddOp>(loc, ty({batch, k}, i64), idx,
                                            ints({batch, 1}, scoreBase));
    Value scoreFlat =
        b.create<onnx::ReshapeOp>(loc, ty({batch * (n - 1)}, f32), score,
                                  ints({1}, {batch * (n - 1)}), 0);
    Value keptScore = b.create<onnx::GatherOp>(loc, ty({batch, k}, f32),
                                               scoreFlat, scoreRows, 0);
    Value keptScore3 = b.create<onnx::ReshapeOp>(
        loc, ty({batch, 1, k}, f32), keptScore, ints({3}, {batch, 1, k}), 0);
    Value keptRows =
        b.create<onnx::GatherOp>(loc, ty({batch, k, d}, f32), flat, rows, 0);
    Value keptSum = b.create<onnx::MatMulOp>(loc, ty({batch, 1, d}, f32),
                                             keptScore3, keptRows);
    Value package =
        b.create<onnx::SubOp>(loc, ty({batch, 1, d}, f32), total, keptSum);
    return b.create<onnx::ConcatOp>(loc, ty({batch, k + 2, d}, f32),
                                    ValueRange{kept, package}, 1);
  }

  Value ints(ArrayRef<int64_t> shape, ArrayRef<int64_t> values) {
    auto type = RankedTensorType::get(shape, b.getI64Type());
    auto attr = DenseElementsAttr::get(type, values);
    return b.create<onnx::ConstantOp>(b.getUnknownLoc(), type, attr);
  }

  /// The first Add after the attention whose operands are both [B, N, D]
  /// token tensors (x + attention output).
  Operation *findResidual(Operation *softmax, int64_t batch, int64_t n) {
    SmallVector<Operation *> work = {softmax};
    llvm::SmallPtrSet<Operation *, 32> seen;
    for (size_t i = 0; i < work.size() && i < 64; ++i)
      for (Operation *user : work[i]->getUsers()) {
        if (!seen.insert(user).second)
          continue;
        auto isTokens = [&](Value v) {
          auto t = dyn_cast<RankedTensorType>(v.getType());
          return t && t.getRank() == 3 && t.getDimSize(0) == batch &&
                 t.getDimSize(1) == n;
        };
        if (isa<onnx::AddOp>(user) && isTokens(user->getOperand(0)) &&
            isTokens(user->getOperand(1)) &&
            user->getOperand(0).getType() == user->getOperand(1).getType())
          return user;
        work.push_back(user);
      }
    return nullptr;
  }

  /// Recomputes the result types of every op after `from` that reads a
  /// re-typed value; token count `n` became `tokens`.
  LogicalResult retype(Operation *from, int64_t n, int64_t tokens) {
    llvm::SmallPtrSet<Value, 32> changed;
    changed.insert(from->getResult(0));
    for (Operation *op = from->getNextNode(); op; op = op->getNextNode()) {
      if (llvm::none_of(op->getOperands(),
                        [&](Value v) { return changed.contains(v); }))
        continue;
      if (isa<func::ReturnOp>(op)) {
        auto type = f.getFunctionType();
        f.setType(FunctionType::get(f.getContext(), type.getInputs(),
                                    op->getOperandTypes()));
        continue;
      }
      auto shape = inferShape(op, n, tokens);
      if (!shape)
        return op->emitError() << describeNode(op)
                               << ": token-prune: cannot re-shape this op for "
                               << tokens << " tokens";
      auto result = op->getResult(0);
      auto type = tensorType(result).clone(*shape);
      if (type != result.getType()) {
        result.setType(type);
        changed.insert(result);
      }
    }
    return success();
  }

  /// The op's shape function (onnx::ResultShapeOpInterface); a Reshape's
  /// target is a constant that names the old token count, so it is
  /// rewritten for the new one instead.
  std::optional<SmallVector<int64_t>> inferShape(Operation *op, int64_t n,
                                                 int64_t tokens) {
    if (op->getNumResults() != 1)
      return std::nullopt;
    if (auto r = dyn_cast<onnx::ReshapeOp>(op))
      return reshapeTarget(r, n, tokens);
    if (auto shaped = dyn_cast<onnx::ResultShapeOpInterface>(op))
      return shaped.inferResultShape();
    return std::nullopt;
  }

  /// The old target with the token dimension n replaced by `tokens`: the
  /// new shape operand is written as a constant.
  std::optional<SmallVector<int64_t>> reshapeTarget(onnx::ReshapeOp r,
                                                    int64_t n, int64_t tokens) {
    auto in = tensorType(r.getData());
    SmallVector<int64_t> old(tensorType(r.getReshaped()).getShape());
    int64_t elements = in.getNumElements();
    SmallVector<int64_t> s;
    for (size_t i = 0; i < old.size(); ++i) {
      // Replace one dimension: old[i] == n (tokens) or n * B (flattened rows).
      SmallVector<int64_t> cand = old;
      if (old[i] == 0 || old[i] % n != 0)
        continue;
      cand[i] = old[i] / n * tokens;
      int64_t total = 1;
      for (int64_t v : cand)
        total *= v;
      if (total == elements) {
        s = cand;
        break;
      }
    }
    if (s.empty())
      return std::nullopt;
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(r);
    r.getShapeMutable().assign(ints({static_cast<int64_t>(s.size())}, s));
    return s;
  }
};

struct TokenPrunePass final : bnnc::impl::TokenPruneBase<TokenPrunePass> {
  using TokenPruneBase::TokenPruneBase;
  void runOnOperation() override {
    func::FuncOp f = getOperation();
    if (keep.empty())
      return;
    std::string error;
    auto stages = parseStages(keep, error);
    if (!stages) {
      f.emitError() << "--token-prune: " << error;
      return signalPassFailure();
    }
    SmallVector<onnx::SoftmaxOp> attention;
    f.walk([&](onnx::SoftmaxOp s) {
      auto t = tensorType(s.getOutput());
      if (t.getRank() == 4 && t.getDimSize(2) == t.getDimSize(3))
        attention.push_back(s);
    });
    auto before = macsPerModule(f);
    SmallVector<Attribute> records;
    Pruner pruner(f, fuse);
    for (const Stage &stage : *stages) {
      if (stage.block >= static_cast<int64_t>(attention.size())) {
        f.emitError() << "--token-prune: block " << stage.block
                      << " does not exist (the model has " << attention.size()
                      << " attention blocks)";
        return signalPassFailure();
      }
      DictionaryAttr record;
      if (failed(pruner.prune(attention[stage.block], stage, record)))
        return signalPassFailure();
      records.push_back(record);
    }
    auto after = macsPerModule(f);
    Builder b(&getContext());
    f->setAttr(
        "bnn.token_prune",
        b.getDictionaryAttr({b.getNamedAttr("stages", b.getArrayAttr(records)),
                             b.getNamedAttr("macs", macsRecord(b, before, after))}));
  }
};

} // namespace
