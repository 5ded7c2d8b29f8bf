//===- OnnxShapes.cpp - Shape functions of the onnx ops -------------------===//
//
// The `inferResultShape` methods of the ops whose result shape is not their
// first operand's (ResultShapeOpInterface, dialects/onnx/OnnxOps.td). They
// read only operand types and attributes and follow the ONNX operator
// definitions; nullopt means the types do not determine the shape.
//
//===----------------------------------------------------------------------===//

#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/ShapeUtils.h"

using namespace mlir;
using namespace llvm;

namespace bnnc::onnx {
namespace {

using Shape = std::optional<SmallVector<int64_t>>;

ArrayRef<int64_t> operandShape(Operation *op, unsigned i) {
  return cast<ShapedType>(op->getOperand(i).getType()).getShape();
}

/// `axis` in [-rank, rank) as a non-negative axis, or nullopt.
std::optional<int64_t> normalizedAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

/// Numpy broadcasting of the two operands.
Shape broadcastResult(Operation *op) {
  return broadcastShapes(operandShape(op, 0), operandShape(op, 1));
}

/// The reductions with an `axes` attribute: reduced axes become 1 (keepdims)
/// or disappear; no axes reduce every axis.
template <typename ReduceOp> Shape reducedShape(ReduceOp op) {
  ArrayRef<int64_t> in = operandShape(op, 0);
  int64_t rank = in.size();
  std::optional<ArrayRef<int64_t>> axes = op.getAxes();
  SmallVector<bool> reduced(rank, !axes || axes->empty());
  if (axes)
    for (int64_t a : *axes) {
      auto axis = normalizedAxis(a, rank);
      if (!axis)
        return std::nullopt;
      reduced[*axis] = true;
    }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (!reduced[d])
      shape.push_back(in[d]);
    else if (op.getKeepdims())
      shape.push_back(1);
  }
  return shape;
}

} // namespace

#define BNNC_BROADCAST_SHAPE(Op)                                               \
  Shape Op::inferResultShape() { return broadcastResult(*this); }
BNNC_BROADCAST_SHAPE(AddOp)
BNNC_BROADCAST_SHAPE(SubOp)
BNNC_BROADCAST_SHAPE(MulOp)
BNNC_BROADCAST_SHAPE(DivOp)
BNNC_BROADCAST_SHAPE(PowOp)
BNNC_BROADCAST_SHAPE(EqualOp)
BNNC_BROADCAST_SHAPE(GreaterOp)
BNNC_BROADCAST_SHAPE(GreaterOrEqualOp)
BNNC_BROADCAST_SHAPE(LessOp)
BNNC_BROADCAST_SHAPE(LessOrEqualOp)
BNNC_BROADCAST_SHAPE(AndOp)
BNNC_BROADCAST_SHAPE(OrOp)
BNNC_BROADCAST_SHAPE(XorOp)
BNNC_BROADCAST_SHAPE(PReluOp)
#undef BNNC_BROADCAST_SHAPE

#define BNNC_REDUCED_SHAPE(Op)                                                 \
  Shape Op::inferResultShape() { return reducedShape(*this); }
BNNC_REDUCED_SHAPE(ReduceMeanOp)
BNNC_REDUCED_SHAPE(ReduceMaxOp)
BNNC_REDUCED_SHAPE(ReduceMinOp)
BNNC_REDUCED_SHAPE(ReduceProdOp)
BNNC_REDUCED_SHAPE(ReduceSumSquareOp)
BNNC_REDUCED_SHAPE(ReduceL1Op)
BNNC_REDUCED_SHAPE(ReduceL2Op)
BNNC_REDUCED_SHAPE(ReduceLogSumOp)
BNNC_REDUCED_SHAPE(ReduceLogSumExpOp)
#undef BNNC_REDUCED_SHAPE

/// Batch dimensions broadcast; [.., m, k] x [.., k, n] -> [.., m, n]. (1-D
/// operands, which MatMul promotes and then drops, are not handled.)
Shape MatMulOp::inferResultShape() {
  ArrayRef<int64_t> a = operandShape(*this, 0), b = operandShape(*this, 1);
  if (a.size() < 2 || b.size() < 2)
    return std::nullopt;
  Shape batch = broadcastShapes(a.drop_back(2), b.drop_back(2));
  if (batch)
    batch->append({a[a.size() - 2], b.back()});
  return batch;
}

Shape GemmOp::inferResultShape() {
  ArrayRef<int64_t> a = operandShape(*this, 0), b = operandShape(*this, 1);
  if (a.size() != 2 || b.size() != 2)
    return std::nullopt;
  return SmallVector<int64_t>{getTransA() ? a[1] : a[0],
                              getTransB() ? b[0] : b[1]};
}

/// The default permutation reverses the dimensions.
Shape TransposeOp::inferResultShape() {
  ArrayRef<int64_t> in = operandShape(*this, 0);
  std::optional<ArrayRef<int64_t>> perm = getPerm();
  if (!perm)
    return SmallVector<int64_t>(in.rbegin(), in.rend());
  SmallVector<int64_t> shape;
  for (int64_t p : *perm) {
    if (p < 0 || p >= static_cast<int64_t>(in.size()))
      return std::nullopt;
    shape.push_back(in[p]);
  }
  return shape;
}

/// data[:axis] + indices + data[axis + 1:].
Shape GatherOp::inferResultShape() {
  ArrayRef<int64_t> data = operandShape(*this, 0);
  auto axis = normalizedAxis(getAxis(), data.size());
  if (!axis)
    return std::nullopt;
  SmallVector<int64_t> shape(data.take_front(*axis));
  append_range(shape, operandShape(*this, 1));
  append_range(shape, data.drop_front(*axis + 1));
  return shape;
}

/// The first input's shape with the inputs' sizes along `axis` summed.
Shape ConcatOp::inferResultShape() {
  SmallVector<int64_t> shape(operandShape(*this, 0));
  auto axis = normalizedAxis(getAxis(), shape.size());
  if (!axis)
    return std::nullopt;
  shape[*axis] = 0;
  for (Value v : getInputs())
    shape[*axis] += cast<ShapedType>(v.getType()).getDimSize(*axis);
  return shape;
}

} // namespace bnnc::onnx
