//===- ResampleIndexKernels.cpp - Generic C of resize, conv_transpose, ... ===//
//
// The generic target's emitters of the issue 16 kernels: bnn.resize and
// bnn.conv_transpose call runtime kernels (runtime/bnnc/kernels_f32.h);
// the indexing ops (gather_elements, gather_nd, scatter_nd, one_hot) and
// trilu and lp_norm are loops specialised to the shapes, typed by their
// element type. Run-time indices outside [-n, n) make the model return
// BNNC_ERROR_INDEX before anything is read at them, as bnn.gather does.
//
//===----------------------------------------------------------------------===//

#include "targets/generic/GenericKernels.h"

#include "dialects/bnn/BnnDialect.h"
#include "dialects/onnx/ShapeUtils.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace llvm;

namespace bnnc {
namespace {

/// Writes the statements that read index `expr` (of an integer tensor),
/// normalize a negative one by `size` and return BNNC_ERROR_INDEX outside
/// [0, size); the checked value is `name` (ptrdiff_t).
void emitCheckedIndex(raw_ostream &os, int indent, StringRef name,
                      StringRef expr, int64_t size) {
  os.indent(indent) << "int64_t " << name << "_raw = (int64_t)" << expr
                    << ";\n";
  os.indent(indent) << "if (" << name << "_raw < 0)\n";
  os.indent(indent + 2) << name << "_raw += " << size << ";\n";
  os.indent(indent) << "if (" << name << "_raw < 0 || " << name
                    << "_raw >= " << size << ")\n";
  os.indent(indent + 2) << "return BNNC_ERROR_INDEX;\n";
  os.indent(indent) << "const ptrdiff_t " << name << " = (ptrdiff_t)" << name
                    << "_raw;\n";
}

/// `acc OP= v` for scatter reductions, wrapping for int32 and int64.
std::string combine(StringRef reduction, Type element, StringRef acc,
                    StringRef v) {
  if (reduction == "none")
    return v.str();
  bool add = reduction == "add";
  if (element.isInteger(32) || element.isInteger(64)) {
    std::string fn = (add ? "bnnc_add_i" : "bnnc_mul_i") +
                     std::to_string(element.getIntOrFloatBitWidth());
    return fn + "(" + acc.str() + ", " + v.str() + ")";
  }
  return "(" + CEmitter::cType(element) + ")(" + acc.str() +
         (add ? " + " : " * ") + v.str() + ")";
}

} // namespace

LogicalResult GenericKernels::resize(bnn::ResizeOp op, CEmitter &e) {
  auto x = tensorType(op.getInput()).getShape();
  auto y = tensorType(op.getOutput()).getShape();
  if (shapeProduct(y) == 0)
    return success();
  ParamStruct p(e, "bnnc_resize_params");
  p.field("rank", static_cast<int64_t>(x.size()));
  p.array("in_dims", x).array("out_dims", y).array("taps", op.getTaps());
  p.floatField("extrapolation_value",
               op.getExtrapolationValue().convertToFloat());
  std::string params = p.finish();
  std::string idx = e.defineArray("resize_idx", "input index of each tap",
                                  op.getIndices());
  std::string w =
      e.defineArray("resize_w", "weight of each tap", op.getWeights());
  emitKernelCall(e, "bnnc_resize_f32",
                 {params, idx, w, e.input(op.getInput()),
                  e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::convTranspose(bnn::ConvTransposeOp op,
                                            CEmitter &e) {
  auto x = tensorType(op.getInput()).getShape();
  auto w = tensorType(op.getWeight()).getShape();
  auto y = tensorType(op.getOutput()).getShape();
  if (shapeProduct(y) == 0)
    return success();
  ParamStruct p(e, "bnnc_conv_transpose_params");
  p.field("n", x[0]).field("c", x[1]).field("m", y[1]);
  p.field("group", op.getGroup());
  p.array("in", x.drop_front(2)).array("out", y.drop_front(2));
  p.array("kernel", w.drop_front(2)).array("stride", op.getStrides());
  p.array("pad", op.getPads()).array("dilation", op.getDilations());
  std::string params = p.finish();
  emitKernelCall(e, "bnnc_conv_transpose_f32",
                 {params, e.input(op.getInput()),
                  e.input(op.getWeight(), "weight"),
                  optionalInput(e, op.getBias(), "bias"),
                  e.output(op.getOutput())});
  return success();
}

/// y[j] = x[j with its `axis` coordinate replaced by indices[j]].
LogicalResult GenericKernels::gatherElements(bnn::GatherElementsOp op,
                                             CEmitter &e) {
  auto data = tensorType(op.getData()).getShape();
  auto ind = tensorType(op.getIndices()).getShape();
  int64_t count = shapeProduct(ind), axis = op.getAxis();
  if (count == 0)
    return success();
  auto strides = rowMajorStrides(data);
  std::string x = e.input(op.getData()), idx = e.input(op.getIndices());
  std::string y = e.output(op.getOutput());
  raw_ostream &os = e.body();
  os << "  for (ptrdiff_t j = 0; j < " << count << "; ++j) {\n";
  emitCheckedIndex(os, 4, "k", idx + "[j]", data[axis]);
  os << "    ptrdiff_t rest = j, at = 0;\n";
  for (int64_t d = static_cast<int64_t>(ind.size()) - 1; d >= 0; --d) {
    std::string coord = d == axis ? "k" : "(rest % " + std::to_string(ind[d]) + ")";
    os << "    at += " << coord << " * " << strides[d] << ";\n";
    if (d > 0)
      os << "    rest /= " << ind[d] << ";\n";
  }
  os << "    " << y << "[j] = " << x << "[at];\n  }\n";
  return success();
}

/// Each index tuple (the last axis of indices) selects a slice of data
/// after the batch axes.
LogicalResult GenericKernels::gatherND(bnn::GatherNDOp op, CEmitter &e) {
  auto data = tensorType(op.getData()).getShape();
  auto ind = tensorType(op.getIndices()).getShape();
  int64_t b = op.getBatchDims(), k = ind.back();
  int64_t batches = shapeProduct(data.take_front(b));
  int64_t tuples = shapeProduct(ind.slice(b, ind.size() - b - 1));
  int64_t slice = shapeProduct(data.drop_front(b + k));
  int64_t batchStride = shapeProduct(data.drop_front(b));
  if (batches * tuples * slice == 0)
    return success();
  auto strides = rowMajorStrides(data);
  std::string x = e.input(op.getData()), idx = e.input(op.getIndices());
  std::string y = e.output(op.getOutput());
  raw_ostream &os = e.body();
  os << "  for (ptrdiff_t bt = 0; bt < " << batches << "; ++bt)\n"
     << "    for (ptrdiff_t t = 0; t < " << tuples << "; ++t) {\n"
     << "      const ptrdiff_t tuple = bt * " << tuples << " + t;\n"
     << "      ptrdiff_t at = bt * " << batchStride << ";\n";
  for (int64_t q = 0; q < k; ++q) {
    std::string name = "i" + std::to_string(q);
    emitCheckedIndex(os, 6, name,
                     idx + "[tuple * " + std::to_string(k) + " + " +
                         std::to_string(q) + "]",
                     data[b + q]);
    os << "      at += " << name << " * " << strides[b + q] << ";\n";
  }
  os << "      for (ptrdiff_t s = 0; s < " << slice << "; ++s)\n"
     << "        " << y << "[tuple * " << slice << " + s] = " << x
     << "[at + s];\n    }\n";
  return success();
}

/// y = data, then each index tuple's slice of y takes (or is combined
/// with) the matching slice of updates, in order.
LogicalResult GenericKernels::scatterND(bnn::ScatterNDOp op, CEmitter &e) {
  auto data = tensorType(op.getData()).getShape();
  auto ind = tensorType(op.getIndices()).getShape();
  int64_t k = ind.back();
  int64_t tuples = shapeProduct(ind.drop_back());
  int64_t slice = shapeProduct(data.drop_front(k));
  int64_t total = shapeProduct(data);
  if (total == 0)
    return success();
  auto strides = rowMajorStrides(data);
  std::string x = e.input(op.getData()), idx = e.input(op.getIndices());
  std::string u = e.input(op.getUpdates(), "updates");
  std::string y = e.output(op.getOutput());
  Type element = tensorType(op.getData()).getElementType();
  raw_ostream &os = e.body();
  os << "  for (ptrdiff_t i = 0; i < " << total << "; ++i)\n    " << y
     << "[i] = " << x << "[i];\n";
  if (tuples * slice == 0)
    return success();
  os << "  for (ptrdiff_t t = 0; t < " << tuples << "; ++t) {\n"
     << "    ptrdiff_t at = 0;\n";
  for (int64_t q = 0; q < k; ++q) {
    std::string name = "i" + std::to_string(q);
    emitCheckedIndex(os, 4, name,
                     idx + "[t * " + std::to_string(k) + " + " +
                         std::to_string(q) + "]",
                     data[q]);
    os << "    at += " << name << " * " << strides[q] << ";\n";
  }
  std::string target = y + "[at + s]";
  os << "    for (ptrdiff_t s = 0; s < " << slice << "; ++s)\n      "
     << target << " = "
     << combine(op.getReduction(), element, target,
                u + "[t * " + std::to_string(slice) + " + s]")
     << ";\n  }\n";
  return success();
}

/// The index (converted to int64 as ONNX specifies for non-integer ones)
/// selects `on` along the new axis; anything outside [-depth, depth)
/// leaves the row all `off`.
LogicalResult GenericKernels::oneHot(bnn::OneHotOp op, CEmitter &e) {
  auto ind = tensorType(op.getIndices());
  int64_t axis = op.getAxis(), depth = op.getDepth();
  int64_t outer = shapeProduct(ind.getShape().take_front(axis));
  int64_t inner = shapeProduct(ind.getShape().drop_front(axis));
  if (outer * inner == 0)
    return success();
  std::string idx = e.input(op.getIndices());
  std::string values = e.input(op.getValues(), "values");
  std::string y = e.output(op.getOutput());
  std::string read = idx + "[o * " + std::to_string(inner) + " + i]";
  Type element = ind.getElementType();
  if (element.isF32())
    read = "bnnc_f32_to_i64(" + read + ")";
  else
    read = "(int64_t)" + read;
  raw_ostream &os = e.body();
  os << "  for (ptrdiff_t o = 0; o < " << outer << "; ++o)\n"
     << "    for (ptrdiff_t i = 0; i < " << inner << "; ++i) {\n"
     << "      int64_t v = " << read << ";\n"
     << "      if (v < 0)\n        v += " << depth << ";\n"
     << "      for (ptrdiff_t j = 0; j < " << depth << "; ++j)\n"
     << "        " << y << "[(o * " << depth << " + j) * " << inner
     << " + i] = " << values << "[v == (int64_t)j ? 1 : 0];\n"
     << "    }\n";
  return success();
}

LogicalResult GenericKernels::trilu(bnn::TriluOp op, CEmitter &e) {
  auto shape = tensorType(op.getInput()).getShape();
  int64_t rows = shape[shape.size() - 2], cols = shape.back();
  int64_t batches = shapeProduct(shape.drop_back(2));
  if (batches * rows * cols == 0)
    return success();
  std::string x = e.input(op.getInput()), y = e.output(op.getOutput());
  // j - i is within +-2^40 (imported shapes are bounded), so comparing it
  // with any int64 k cannot overflow.
  std::string keep = op.getUpper() ? ">=" : "<=";
  int64_t k = static_cast<int64_t>(op.getK());
  std::string kText = k == INT64_MIN ? std::string("INT64_MIN")
                                     : "INT64_C(" + std::to_string(k) + ")";
  raw_ostream &os = e.body();
  os << "  for (ptrdiff_t b = 0; b < " << batches << "; ++b)\n"
     << "    for (ptrdiff_t i = 0; i < " << rows << "; ++i)\n"
     << "      for (ptrdiff_t j = 0; j < " << cols << "; ++j) {\n"
     << "        const ptrdiff_t at = (b * " << rows << " + i) * " << cols
     << " + j;\n"
     << "        " << y << "[at] = (int64_t)(j - i) " << keep << " "
     << kText << " ? " << x << "[at] : ("
     << elementType(op.getOutput()) << ")0;\n      }\n";
  return success();
}

/// y = x / ||x||_p along the axis (a zero norm gives NaN or inf, as the
/// ONNX reference's division does).
LogicalResult GenericKernels::lpNorm(bnn::LpNormOp op, CEmitter &e) {
  auto shape = tensorType(op.getInput()).getShape();
  int64_t axis = op.getAxis();
  int64_t outer = shapeProduct(shape.take_front(axis)), n = shape[axis];
  int64_t inner = shapeProduct(shape.drop_front(axis + 1));
  if (outer * n * inner == 0)
    return success();
  std::string x = e.input(op.getInput()), y = e.output(op.getOutput());
  bool l2 = op.getP() == 2;
  raw_ostream &os = e.body();
  os << "  for (ptrdiff_t o = 0; o < " << outer << "; ++o)\n"
     << "    for (ptrdiff_t i = 0; i < " << inner << "; ++i) {\n"
     << "      float norm = 0.0f;\n"
     << "      for (ptrdiff_t j = 0; j < " << n << "; ++j) {\n"
     << "        const float v = " << x << "[(o * " << n << " + j) * "
     << inner << " + i];\n"
     << "        norm += " << (l2 ? "v * v" : "fabsf(v)") << ";\n"
     << "      }\n";
  if (l2)
    os << "      norm = sqrtf(norm);\n";
  os << "      for (ptrdiff_t j = 0; j < " << n << "; ++j) {\n"
     << "        const ptrdiff_t at = (o * " << n << " + j) * " << inner
     << " + i;\n"
     << "        " << y << "[at] = " << x << "[at] / norm;\n"
     << "      }\n    }\n";
  return success();
}

} // namespace bnnc
