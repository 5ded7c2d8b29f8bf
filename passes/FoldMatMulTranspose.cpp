//===- FoldMatMulTranspose.cpp - Read B^T of a MatMul without a copy ------===//
//
// Attention's q k^T is exported as MatMul(q, Transpose(k, [..., -1, -2])),
// which lowers to a bnn.strided_copy writing k^T into the arena and a
// matmul reading it column by column. The copy is a full pass over k, and
// the matmul's inner loop then strides through memory. Both go away when the
// matmul reads k itself as the rows of B^T: every output is the dot product
// of two contiguous rows, on every target.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace bnnc {
#define GEN_PASS_DEF_BNNFOLDMATMULTRANSPOSE
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

/// The shape [..., N, K] of the tensor whose last two dimensions `copy`
/// exchanges, when the copy is exactly that transpose of its (contiguous)
/// input read as [..., N, K]: offset 0, and the row-major strides of
/// [..., N, K] with the last two exchanged. Dimensions of size 1 are never
/// stepped, so their strides do not matter.
std::optional<SmallVector<int64_t>> transposedSourceShape(
    bnn::StridedCopyOp copy) {
  auto in = cast<RankedTensorType>(copy.getInput().getType());
  auto out = cast<RankedTensorType>(copy.getOutput().getType());
  ArrayRef<int64_t> shape = out.getShape();
  int64_t rank = out.getRank();
  if (rank < 2 || copy.getOffset() != 0 ||
      in.getNumElements() != out.getNumElements())
    return std::nullopt;
  SmallVector<int64_t> source(shape);
  std::swap(source[rank - 2], source[rank - 1]);
  SmallVector<int64_t> expected(rank);
  int64_t stride = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    expected[d] = stride;
    stride *= source[d];
  }
  std::swap(expected[rank - 2], expected[rank - 1]);
  ArrayRef<int64_t> strides = copy.getStrides();
  for (int64_t d = 0; d < rank; ++d)
    if (shape[d] != 1 && strides[d] != expected[d])
      return std::nullopt;
  return source;
}

/// matmul(a, transpose_last_two(x)) -> matmul(a, x) {trans_b}, x viewed as
/// [..., N, K] if its shape differs.
void foldTransposedB(bnn::MatMulOp op, IRRewriter &rewriter) {
  auto copy = op.getB().getDefiningOp<bnn::StridedCopyOp>();
  if (op.getTransB() || !copy)
    return;
  auto source = transposedSourceShape(copy);
  if (!source)
    return;
  rewriter.setInsertionPoint(op);
  Value b = copy.getInput();
  auto bType = cast<RankedTensorType>(b.getType()).clone(*source);
  if (b.getType() != bType)
    b = rewriter.create<bnn::ReshapeOp>(copy.getLoc(), bType, b);
  auto folded = rewriter.create<bnn::MatMulOp>(op.getLoc(), op.getType(),
                                               op.getA(), b);
  folded.setTransB(true);
  rewriter.replaceOp(op, folded.getOutput());
  if (copy->use_empty())
    rewriter.eraseOp(copy);
}

struct BnnFoldMatMulTransposePass final
    : bnnc::impl::BnnFoldMatMulTransposeBase<BnnFoldMatMulTransposePass> {
  void runOnOperation() override {
    SmallVector<bnn::MatMulOp> matmuls;
    getOperation().walk([&](bnn::MatMulOp op) { matmuls.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (bnn::MatMulOp op : matmuls)
      foldTransposedB(op, rewriter);
  }
};

} // namespace
