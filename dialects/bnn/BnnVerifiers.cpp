//===- BnnVerifiers.cpp - Invariants of the bnn ops -----------------------===//
//
// One bnn op is one kernel of the emitted C: the emitters read shapes,
// axes and window attributes straight into loop bounds and kernel
// parameters, and divide by strides and group counts. Each verifier states
// what its kernel relies on, so that malformed IR is rejected here with a
// message instead of crashing a later pass or emitting C that reads out of
// bounds. The rules follow what onnx-lower-to-bnn, binarize,
// bnn-fuse-epilogues and bnn-bitpack build and what targets/ emit.
//
//===----------------------------------------------------------------------===//

#include "dialects/bnn/BnnDialect.h"
#include "dialects/bnn/ElementwiseKinds.h"
#include "dialects/onnx/ShapeUtils.h"

#include "mlir/IR/Matchers.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <climits>

using namespace mlir;
using namespace bnnc::bnn;
using bnnc::tensorType;

namespace {

/// "[a, b, ...]", for diagnostics.
std::string bracketed(ArrayRef<int64_t> values) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(values, os);
  os << "]";
  return s;
}

/// The emitted C bakes every shape into the kernel as a constant.
LogicalResult verifyStaticShapes(Operation *op) {
  auto check = [&](Type t) -> LogicalResult {
    auto tensor = dyn_cast<RankedTensorType>(t);
    if (tensor && !tensor.hasStaticShape())
      return op->emitOpError("needs static shapes, got ") << tensor;
    return success();
  };
  for (Type t : op->getOperandTypes())
    if (failed(check(t)))
      return failure();
  for (Type t : op->getResultTypes())
    if (failed(check(t)))
      return failure();
  return success();
}

/// An axis that the kernel uses directly as a dimension index.
LogicalResult verifyAxis(Operation *op, int64_t axis, int64_t rank) {
  if (axis < 0 || axis >= rank)
    return op->emitOpError("axis ")
           << axis << " is out of range [0, " << rank << ")";
  return success();
}

LogicalResult verifySameType(Operation *op, Value input, Value output) {
  if (input.getType() != output.getType())
    return op->emitOpError("result type ")
           << output.getType() << " must be the input type " << input.getType();
  return success();
}

/// The attributes of a 2-D sliding window: kernel [kh, kw], strides,
/// dilations and pads [top, left, bottom, right]. The C kernels hold them
/// in int32_t and divide by the strides.
struct Window {
  ArrayRef<int64_t> kernel, strides, pads, dilations;
};

bool allInRange(ArrayRef<int64_t> values, int64_t lo) {
  return llvm::all_of(values,
                      [&](int64_t v) { return v >= lo && v <= INT32_MAX; });
}

LogicalResult verifyWindowAttrs(Operation *op, const Window &w) {
  if (w.kernel.size() != 2 || w.strides.size() != 2 ||
      w.dilations.size() != 2 || w.pads.size() != 4)
    return op->emitOpError(
        "expects 2 kernel sizes, 2 strides, 2 dilations and 4 pads");
  if (!allInRange(w.kernel, 1))
    return op->emitOpError("kernel sizes must be in [1, 2^31), got ")
           << bracketed(w.kernel);
  if (!allInRange(w.strides, 1))
    return op->emitOpError("strides must be in [1, 2^31), got ")
           << bracketed(w.strides);
  if (!allInRange(w.dilations, 1))
    return op->emitOpError("dilations must be in [1, 2^31), got ")
           << bracketed(w.dilations);
  if (!allInRange(w.pads, 0))
    return op->emitOpError("pads must be in [0, 2^31), got ")
           << bracketed(w.pads);
  return success();
}

/// The output [OH, OW] of a window over the input [H, W], computed as the
/// lowering did (bnnc::resolveWindow): floor((in + pads - dilated kernel) /
/// stride) + 1, or for pooling with ceil_mode also the ceiling form. Call
/// after verifyWindowAttrs.
LogicalResult verifyWindowOutput(Operation *op, const Window &w,
                                 ArrayRef<int64_t> in, ArrayRef<int64_t> out,
                                 bool allowCeilMode) {
  std::string error;
  auto floorGeometry =
      bnnc::resolveWindow(in, w.kernel, w.strides, w.dilations, w.pads,
                          "NOTSET", /*ceilMode=*/false, error);
  if (!floorGeometry)
    return op->emitOpError(error);
  ArrayRef<int64_t> floorOut = floorGeometry->output;
  if (out == floorOut)
    return success();
  if (allowCeilMode) {
    auto ceilGeometry =
        bnnc::resolveWindow(in, w.kernel, w.strides, w.dilations, w.pads,
                            "NOTSET", /*ceilMode=*/true, error);
    if (ceilGeometry && out == ArrayRef<int64_t>(ceilGeometry->output))
      return success();
  }
  auto diag = op->emitOpError("output spatial size ")
              << bracketed(out) << " does not match the window: expected "
              << bracketed(floorOut);
  if (allowCeilMode)
    diag << " (or the ceil_mode size)";
  return diag;
}

/// Shape `in` with the dimensions in `axes` set to 1.
SmallVector<int64_t> keptShape(ArrayRef<int64_t> in, ArrayRef<int64_t> axes) {
  SmallVector<int64_t> shape(in);
  for (int64_t a : axes)
    shape[a] = 1;
  return shape;
}

/// An NCHW float tensor and the NCHW result of a pooling window over it.
LogicalResult verifyPool2D(Operation *op, Value input, Value output,
                           const Window &w) {
  if (failed(verifyStaticShapes(op)))
    return failure();
  auto x = tensorType(input), y = tensorType(output);
  if (x.getRank() != 4 || y.getRank() != 4 ||
      x.getShape().take_front(2) != y.getShape().take_front(2))
    return op->emitOpError("expects NCHW input and output with equal N and C");
  if (failed(verifyWindowAttrs(op, w)))
    return failure();
  return verifyWindowOutput(op, w, x.getShape().drop_front(2),
                            y.getShape().drop_front(2),
                            /*allowCeilMode=*/true);
}

/// Packed bits [N, H, W, words] of `channels` channels in `group` groups.
LogicalResult verifyPackedChannels(Operation *op, int64_t channels,
                                   int64_t group) {
  if (channels < 1 || group < 1 || channels % group != 0)
    return op->emitOpError("channels (")
           << channels << ") must be positive and divisible by group (" << group
           << ")";
  return success();
}

LogicalResult verifyPackedShape(Operation *op, StringRef what,
                                RankedTensorType t, int64_t channels,
                                int64_t group) {
  if (t.getRank() != 4 || t.getDimSize(3) != packedWords(channels, group))
    return op->emitOpError() << what << " must be packed bits [N, H, W, "
                             << packedWords(channels, group) << "], got " << t;
  return success();
}

/// [rows, 1, 1, words(bits)]: a bnn.pack of rows of `bits` values viewed
/// as [rows, bits, 1, 1] (the operands of the attention kernels).
LogicalResult verifyPackedRows(Operation *op, StringRef what,
                               RankedTensorType t, int64_t bits) {
  if (t.getRank() != 4 || t.getDimSize(1) != 1 || t.getDimSize(2) != 1 ||
      t.getDimSize(3) != packedWords(bits, 1))
    return op->emitOpError() << what << " must be packed rows [R, 1, 1, "
                             << packedWords(bits, 1) << "], got " << t;
  return success();
}

/// The float kernels fuse ReLU only (prelu and clamp are binary epilogues).
LogicalResult verifyFloatActivation(Operation *op, Activation a) {
  if (a != Activation::none && a != Activation::relu)
    return op->emitOpError("float kernels support activation none or relu");
  return success();
}

/// Elementwise operands whose element types the kind constrains: C
/// arithmetic on mixed operands would convert silently (pow alone takes an
/// exponent of another type, as ONNX's Pow does).
LogicalResult verifyElementwiseOperandTypes(ElementwiseOp op) {
  auto element = [&](unsigned i) {
    return tensorType(op.getInputs()[i]).getElementType();
  };
  ElementwiseKind kind = op.getKind();
  if (kind == ElementwiseKind::Where) {
    if (!element(0).isInteger(1))
      return op.emitOpError("'where' condition must be i1, got ") << element(0);
    if (element(1) != element(2))
      return op.emitOpError("'where' values must have one element type");
    return success();
  }
  if (op.getInputs().size() == 2 && kind != ElementwiseKind::Pow &&
      element(0) != element(1))
    return op.emitOpError("'") << stringifyElementwiseKind(kind)
                               << "' operands must have one element type, got "
                               << element(0) << " and " << element(1);
  return success();
}

/// The smallest and largest flat index `offset + sum_d i_d * strides[d]`
/// reads over the shape, or nullopt on int64 overflow.
std::optional<std::pair<int64_t, int64_t>>
stridedExtent(int64_t offset, ArrayRef<int64_t> shape,
              ArrayRef<int64_t> strides) {
  int64_t lo = offset, hi = offset;
  for (auto [dim, stride] : llvm::zip_equal(shape, strides)) {
    auto reach = llvm::checkedMul(dim - 1, stride);
    if (!reach)
      return std::nullopt;
    auto next = llvm::checkedAdd(*reach < 0 ? lo : hi, *reach);
    if (!next)
      return std::nullopt;
    (*reach < 0 ? lo : hi) = *next;
  }
  return std::make_pair(lo, hi);
}

} // namespace

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  // The emitter writes the elements out as C initializers.
  if (!isa<DenseElementsAttr>(getValue()))
    return emitOpError("value must be a dense elements attribute");
  return success();
}

LogicalResult ReshapeOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto in = tensorType(getInput()), out = tensorType(getOutput());
  if (in.getElementType() != out.getElementType() ||
      in.getNumElements() != out.getNumElements())
    return emitOpError("cannot view ") << in << " as " << out;
  return success();
}

//===----------------------------------------------------------------------===//
// Float kernels
//===----------------------------------------------------------------------===//

LogicalResult Conv2DOp::verify() {
  if (failed(verifyStaticShapes(*this)) ||
      failed(verifyFloatActivation(*this, getActivation())))
    return failure();
  auto x = tensorType(getInput()), w = tensorType(getWeight());
  auto y = tensorType(getOutput());
  if (x.getRank() != 4 || w.getRank() != 4 || y.getRank() != 4)
    return emitOpError("expects 4-D input, weight and output");
  int64_t kernel[] = {w.getDimSize(2), w.getDimSize(3)};
  Window window{kernel, getStrides(), getPads(), getDilations()};
  if (failed(verifyWindowAttrs(*this, window)))
    return failure();
  int64_t group = getGroup();
  // Divisions, not products: a hostile group must not overflow.
  if (group < 1 || x.getDimSize(1) % group != 0 ||
      x.getDimSize(1) / group != w.getDimSize(1) ||
      w.getDimSize(0) % group != 0 || y.getDimSize(1) != w.getDimSize(0))
    return emitOpError("channel counts do not match group ") << group;
  if (y.getDimSize(0) != x.getDimSize(0))
    return emitOpError("input and output batch sizes differ");
  if (getBias() &&
      tensorType(getBias()).getShape() != ArrayRef<int64_t>{w.getDimSize(0)})
    return emitOpError("bias must have one value per output channel");
  return verifyWindowOutput(*this, window, x.getShape().drop_front(2),
                            y.getShape().drop_front(2),
                            /*allowCeilMode=*/false);
}

LogicalResult GemmOp::verify() {
  if (failed(verifyStaticShapes(*this)) ||
      failed(verifyFloatActivation(*this, getActivation())))
    return failure();
  auto a = tensorType(getA()), b = tensorType(getB());
  auto y = tensorType(getOutput());
  if (a.getRank() != 2 || b.getRank() != 2 || y.getRank() != 2)
    return emitOpError("expects 2-D operands");
  int64_t m = a.getDimSize(getTransA() ? 1 : 0);
  int64_t k = a.getDimSize(getTransA() ? 0 : 1);
  int64_t kb = b.getDimSize(getTransB() ? 1 : 0);
  int64_t n = b.getDimSize(getTransB() ? 0 : 1);
  if (k != kb || y.getShape() != ArrayRef<int64_t>{m, n})
    return emitOpError("operand shapes do not form a ")
           << m << "x" << n << " product";
  if (getC()) {
    auto c = tensorType(getC());
    auto shape = bnnc::broadcastShapes(c.getShape(), {m, n});
    if (c.getRank() > 2 || !shape || ArrayRef<int64_t>(*shape) != y.getShape())
      return emitOpError("c does not broadcast to the result");
  }
  return success();
}

LogicalResult MatMulOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto a = tensorType(getA()), b = tensorType(getB());
  auto y = tensorType(getOutput());
  if (a.getRank() < 2 || b.getRank() < 2)
    return emitOpError("expects operands of rank >= 2");
  auto batch = bnnc::broadcastShapes(a.getShape().drop_back(2),
                                     b.getShape().drop_back(2));
  // b is [..., K, N], or [..., N, K] with trans_b.
  int64_t kb = b.getShape()[b.getRank() - (getTransB() ? 1 : 2)];
  int64_t n = b.getShape()[b.getRank() - (getTransB() ? 2 : 1)];
  if (!batch || a.getShape().back() != kb)
    return emitOpError("operands are not matmul-compatible");
  SmallVector<int64_t> expected(*batch);
  expected.push_back(a.getShape()[a.getRank() - 2]);
  expected.push_back(n);
  if (y.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result shape does not match the operands");
  return success();
}

LogicalResult ElementwiseOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  const ElementwiseKindInfo *kind = &infoOf(getKind());
  if (getInputs().size() != kind->arity)
    return emitOpError("'") << kind->name << "' takes " << kind->arity
                            << " operands, got " << getInputs().size();
  if (failed(verifyElementwiseOperandTypes(*this)))
    return failure();
  SmallVector<int64_t> shape;
  for (Value input : getInputs()) {
    auto broadcast = bnnc::broadcastShapes(shape, tensorType(input).getShape());
    if (!broadcast)
      return emitOpError("operands are not broadcast-compatible");
    shape = *broadcast;
  }
  auto result = tensorType(getOutput());
  if (result.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("result is not the broadcast of the operands");
  Type element = result.getElementType();
  switch (kind->result) {
  case ResultRule::SameAsFirst:
    if (element != tensorType(getInputs()[0]).getElementType())
      return emitOpError("result element type must be the first operand's");
    break;
  case ResultRule::SameAsSecond:
    if (element != tensorType(getInputs()[1]).getElementType())
      return emitOpError("result element type must be the second operand's");
    break;
  case ResultRule::Bool:
    if (!element.isInteger(1))
      return emitOpError("result element type must be i1");
    break;
  case ResultRule::Any:
    break;
  }
  return success();
}

LogicalResult StridedCopyOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto in = tensorType(getInput()), out = tensorType(getOutput());
  if (getStrides().size() != static_cast<size_t>(out.getRank()))
    return emitOpError("needs one stride per result dimension");
  if (in.getElementType() != out.getElementType())
    return emitOpError("input and result element types must match");
  if (out.getNumElements() == 0)
    return success();
  // Strides may be 0 (broadcast) or negative (slices with negative steps);
  // every element read must lie inside the input.
  auto extent = stridedExtent(getOffset(), out.getShape(), getStrides());
  if (!extent || extent->first < 0 || extent->second >= in.getNumElements())
    return emitOpError("reads outside its input of ")
           << in.getNumElements() << " elements";
  return success();
}

LogicalResult ConcatOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto out = tensorType(getOutput());
  int64_t axis = getAxis();
  if (failed(verifyAxis(*this, axis, out.getRank())))
    return failure();
  // The lowering drops zero-sized inputs; with none left the result is
  // empty too.
  if (getInputs().empty()) {
    if (out.getNumElements() != 0)
      return emitOpError("without inputs the result must be empty");
    return success();
  }
  int64_t total = 0;
  for (Value v : getInputs()) {
    auto in = tensorType(v);
    if (in.getRank() != out.getRank() ||
        in.getElementType() != out.getElementType())
      return emitOpError("input ") << in << " does not match the result " << out
                                   << " in rank or element type";
    for (int64_t d = 0; d < out.getRank(); ++d)
      if (d != axis && in.getDimSize(d) != out.getDimSize(d))
        return emitOpError("input ") << in << " differs from the result " << out
                                     << " outside axis " << axis;
    total += in.getDimSize(axis);
  }
  if (total != out.getDimSize(axis))
    return emitOpError("inputs add up to ")
           << total << " along axis " << axis << ", the result has "
           << out.getDimSize(axis);
  return success();
}

LogicalResult PadOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto in = tensorType(getInput()), out = tensorType(getOutput());
  int64_t rank = in.getRank();
  ArrayRef<int64_t> pads = getPads();
  PadMode mode = getMode();
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return emitOpError("needs 2 * rank = ") << 2 * rank << " pads";
  if (!allInRange(pads, 0))
    return emitOpError("pads must be in [0, 2^31), got ") << bracketed(pads);
  if (out.getElementType() != in.getElementType())
    return emitOpError("input and result element types must match");
  SmallVector<int64_t> expected;
  for (int64_t d = 0; d < rank; ++d)
    expected.push_back(in.getDimSize(d) + pads[d] + pads[rank + d]);
  if (out.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result shape must be ") << bracketed(expected);
  if (Value c = getConstantValue()) {
    auto t = tensorType(c);
    if (t.getNumElements() != 1 || t.getElementType() != in.getElementType())
      return emitOpError("constant_value must be one element of the input's "
                         "element type");
  }
  // Edge and reflect padding read the input at mirrored or clamped
  // coordinates: reflect (no border repeat) needs pads < dim, edge dim > 0.
  if (mode == PadMode::constant || out.getNumElements() == 0)
    return success();
  for (int64_t d = 0; d < rank; ++d) {
    int64_t dim = in.getDimSize(d);
    if (pads[d] == 0 && pads[rank + d] == 0)
      continue;
    if (mode == PadMode::edge && dim == 0)
      return emitOpError("edge padding of dimension ")
             << d << " needs a non-empty dimension";
    if (mode == PadMode::reflect && (pads[d] >= dim || pads[rank + d] >= dim))
      return emitOpError("reflect pads of dimension ")
             << d << " must be smaller than its size " << dim;
  }
  return success();
}

LogicalResult GatherOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto data = tensorType(getData()), indices = tensorType(getIndices());
  auto out = tensorType(getOutput());
  int64_t axis = getAxis();
  if (failed(verifyAxis(*this, axis, data.getRank())))
    return failure();
  Type index = indices.getElementType();
  if (!index.isInteger(32) && !index.isInteger(64))
    return emitOpError("indices must be i32 or i64, got ") << index;
  if (out.getElementType() != data.getElementType())
    return emitOpError("result element type must be the data's");
  SmallVector<int64_t> expected(data.getShape().take_front(axis));
  llvm::append_range(expected, indices.getShape());
  llvm::append_range(expected, data.getShape().drop_front(axis + 1));
  if (out.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result shape must be ") << bracketed(expected);
  return success();
}

LogicalResult ReduceOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto in = tensorType(getInput()), out = tensorType(getOutput());
  ReduceKind kind = getKind();
  bool floatOnly = kind == ReduceKind::l2 || kind == ReduceKind::log_sum ||
                   kind == ReduceKind::log_sum_exp;
  if (floatOnly && !in.getElementType().isF32())
    return emitOpError("reduction ")
           << stringifyReduceKind(kind) << " needs a float32 input";
  ArrayRef<int64_t> axes = getAxes();
  for (auto [i, a] : llvm::enumerate(axes)) {
    if (failed(verifyAxis(*this, a, in.getRank())))
      return failure();
    if (i > 0 && a <= axes[i - 1])
      return emitOpError("axes must be strictly increasing");
  }
  if (out.getElementType() != in.getElementType())
    return emitOpError("input and result element types must match");
  // The kernel indexes the result with the input's rank (keepdims form).
  SmallVector<int64_t> expected = keptShape(in.getShape(), axes);
  if (out.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result shape must be ")
           << bracketed(expected) << " (the reduced axes kept as 1)";
  return success();
}

LogicalResult ArgReduceOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  if (getKind() != ReduceKind::max && getKind() != ReduceKind::min)
    return emitOpError("kind must be max or min, got '")
           << stringifyReduceKind(getKind()) << "'";
  auto in = tensorType(getInput()), out = tensorType(getOutput());
  if (failed(verifyAxis(*this, getAxis(), in.getRank())))
    return failure();
  if (!out.getElementType().isInteger(64))
    return emitOpError("result must hold i64 indices");
  SmallVector<int64_t> expected =
      keptShape(in.getShape(), {static_cast<int64_t>(getAxis())});
  if (out.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result shape must be ")
           << bracketed(expected) << " (the reduced axis kept as 1)";
  return success();
}

/// An op computing along one axis whose result has its input's type
/// (softmax, cumsum).
template <typename OpT> LogicalResult verifyAlongAxis(OpT op) {
  if (failed(verifyStaticShapes(op)) ||
      failed(verifyAxis(op, op.getAxis(), tensorType(op.getInput()).getRank())))
    return failure();
  return verifySameType(op, op.getInput(), op.getOutput());
}

LogicalResult SoftmaxOp::verify() { return verifyAlongAxis(*this); }

LogicalResult LayerNormOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto x = tensorType(getInput());
  int64_t axis = getAxis();
  if (failed(verifyAxis(*this, axis, x.getRank())) ||
      failed(verifySameType(*this, getInput(), getOutput())))
    return failure();
  // The lowering views scale and bias as one value per normalized element.
  int64_t normalized[] = {bnnc::shapeProduct(x.getShape().drop_front(axis))};
  if (tensorType(getScale()).getShape() != ArrayRef(normalized) ||
      (getBias() && tensorType(getBias()).getShape() != ArrayRef(normalized)))
    return emitOpError("scale and bias must be [")
           << normalized[0] << "]: one value per normalized element";
  return success();
}

LogicalResult GeluOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  return success();
}

LogicalResult TopKOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto in = tensorType(getInput()), out = tensorType(getOutput());
  int64_t axis = getAxis();
  if (failed(verifyAxis(*this, axis, in.getRank())))
    return failure();
  Type expected =
      getValues() ? in.getElementType() : IntegerType::get(getContext(), 64);
  if (out.getElementType() != expected)
    return emitOpError("result element type must be ")
           << expected << (getValues() ? " (values)" : " (indices)");
  if (out.getRank() != in.getRank())
    return emitOpError("result rank must be the input's");
  for (int64_t d = 0; d < in.getRank(); ++d)
    if (d != axis && out.getDimSize(d) != in.getDimSize(d))
      return emitOpError("result differs from the input outside axis ") << axis;
  if (out.getDimSize(axis) > in.getDimSize(axis))
    return emitOpError("k = ")
           << out.getDimSize(axis) << " exceeds the axis size "
           << in.getDimSize(axis);
  return success();
}

LogicalResult CumSumOp::verify() { return verifyAlongAxis(*this); }

LogicalResult AvgPool2DOp::verify() {
  return verifyPool2D(*this, getInput(), getOutput(),
                      {getKernel(), getStrides(), getPads(), getDilations()});
}

LogicalResult MaxPool2DOp::verify() {
  if (tensorType(getInput()).getElementType() !=
      tensorType(getOutput()).getElementType())
    return emitOpError("input and result element types differ");
  return verifyPool2D(*this, getInput(), getOutput(),
                      {getKernel(), getStrides(), getPads(), getDilations()});
}

LogicalResult ChannelAffineOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto x = tensorType(getInput());
  if (x.getRank() < 2 || getOutput().getType() != x)
    return emitOpError("expects rank >= 2 and a result of the input type");
  int64_t channels[] = {x.getDimSize(1)};
  if (tensorType(getScale()).getShape() != ArrayRef(channels) ||
      tensorType(getShift()).getShape() != ArrayRef(channels))
    return emitOpError("scale and shift need one value per channel");
  return success();
}

//===----------------------------------------------------------------------===//
// Binary kernels
//===----------------------------------------------------------------------===//

LogicalResult PackOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto x = tensorType(getInput()), y = tensorType(getOutput());
  int64_t group = getGroup();
  if (x.getRank() != 4 || y.getRank() != 4 || group < 1 ||
      x.getDimSize(1) % group != 0)
    return emitOpError("expects NCHW input with channels divisible by group");
  SmallVector<int64_t> expected = {x.getDimSize(0), x.getDimSize(2),
                                   x.getDimSize(3),
                                   packedWords(x.getDimSize(1), group)};
  if (y.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result must be [N, H, W, words] = ")
           << bracketed(expected);
  if (getThreshold() && tensorType(getThreshold()).getShape() !=
                            ArrayRef<int64_t>{x.getDimSize(1)})
    return emitOpError("threshold needs one value per channel");
  return success();
}

/// Per-output-channel operands and the activation of a bconv2d epilogue.
static LogicalResult verifyEpilogue(BConv2DOp op) {
  auto y = tensorType(op.getOutput());
  int64_t m = op.getOutChannels();
  for (Value v : {op.getScale(), op.getBias(), op.getThreshold(), op.getFlip(),
                  op.getSlope()})
    if (v && tensorType(v).getShape() != ArrayRef<int64_t>{m})
      return op.emitOpError(
          "epilogue constants need one value per output channel");
  if (op.writesBits()) {
    if (!op.getThreshold() || op.getScale() || op.getBias() ||
        op.getActivation() != Activation::none)
      return op.emitOpError("a bits epilogue has thresholds and nothing else");
    if (op.getOutGroup() < 1 || m % op.getOutGroup() != 0)
      return op.emitOpError("out_group (")
             << op.getOutGroup() << ") must be positive and divide the " << m
             << " output channels";
    if (failed(verifyPackedShape(op, "bits result", y, m, op.getOutGroup())))
      return failure();
  } else {
    if (op.getThreshold() || op.getFlip())
      return op.emitOpError("thresholds need a packed i32 result");
    if (y.getRank() != 4 || y.getDimSize(1) != m)
      return op.emitOpError("float result must be NCHW with ")
             << m << " channels";
  }
  Type element = y.getElementType();
  bool quantized = element.isInteger(8);
  if (quantized != op.writesQuantized())
    return op.emitOpError("an int8/uint8 result needs qparams, and only it");
  if (quantized &&
      (op.getScale() || op.getBias() || op.getSlope() ||
       op.getActivation() != Activation::none ||
       tensorType(op.getQparams()).getShape() != ArrayRef<int64_t>{m, 5}))
    return op.emitOpError("an int8 epilogue is qparams [")
           << m << ", 5] (mul, add, shift, lo, hi) and nothing else";
  if ((op.getActivation() == Activation::prelu) !=
      static_cast<bool>(op.getSlope()))
    return op.emitOpError("a prelu epilogue needs a slope, and only it");
  if (op.getActivation() == Activation::clamp &&
      (!op.getClampLo() || !op.getClampHi()))
    return op.emitOpError("a clamp epilogue needs clamp_lo and clamp_hi");
  return success();
}

/// The weights: float +-1 OIHW [M, C/group, kh, kw] before bnn-bitpack,
/// packed OHWI words [M, kh, kw, words(C/group)] after.
static LogicalResult verifyBinaryWeights(BConv2DOp op) {
  auto w = tensorType(op.getWeight());
  if (w.getRank() != 4)
    return op.emitOpError("weights must be 4-D, got ") << w;
  int64_t group = op.getGroup(), cg = op.getChannels() / group;
  ArrayRef<int64_t> kernel = op.getKernel();
  SmallVector<int64_t> expected;
  if (w.getElementType().isF32())
    expected = {w.getDimSize(0), cg, kernel[0], kernel[1]};
  else if (w.getElementType().isInteger(32))
    expected = {w.getDimSize(0), kernel[0], kernel[1], packedWords(cg, 1)};
  else
    return op.emitOpError("weights must be f32 (+-1) or packed i32");
  if (w.getShape() != ArrayRef<int64_t>(expected))
    return op.emitOpError(w.getElementType().isF32()
                              ? "float weights must be OIHW "
                              : "packed weights must be OHWI words ")
           << bracketed(expected) << ", got " << w;
  if (w.getDimSize(0) % group != 0)
    return op.emitOpError("output channels (")
           << w.getDimSize(0) << ") must be divisible by group (" << group
           << ")";
  return success();
}

LogicalResult BConv2DOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  Window window{getKernel(), getStrides(), getPads(), getDilations()};
  if (failed(verifyWindowAttrs(*this, window)) ||
      failed(verifyPackedChannels(*this, getChannels(), getGroup())))
    return failure();
  auto x = tensorType(getInput());
  if (failed(verifyPackedShape(*this, "input", x, getChannels(), getGroup())) ||
      failed(verifyBinaryWeights(*this)) || failed(verifyEpilogue(*this)))
    return failure();
  int64_t padValue = this->padValue();
  if (padValue < -1 || padValue > 1)
    return emitOpError("pad_value must be 0 (zero padding), +1 or -1");
  // A float result is NCHW, a bits result [N, OH, OW, words].
  auto y = tensorType(getOutput());
  ArrayRef<int64_t> spatial =
      writesBits() ? y.getShape().slice(1, 2) : y.getShape().drop_front(2);
  if (y.getDimSize(0) != x.getDimSize(0))
    return emitOpError("input and output batch sizes differ");
  return verifyWindowOutput(*this, window, x.getShape().slice(1, 2), spatial,
                            /*allowCeilMode=*/false);
}

LogicalResult BMaxPool2DOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  Window window{getKernel(), getStrides(), getPads(), getDilations()};
  if (failed(verifyWindowAttrs(*this, window)) ||
      failed(verifyPackedChannels(*this, getChannels(), getGroup())))
    return failure();
  auto x = tensorType(getInput()), y = tensorType(getOutput());
  if (failed(verifyPackedShape(*this, "input", x, getChannels(), getGroup())) ||
      failed(verifyPackedShape(*this, "result", y, getChannels(), getGroup())))
    return failure();
  if (y.getDimSize(0) != x.getDimSize(0))
    return emitOpError("input and output batch sizes differ");
  // or_mask: one packed pixel, the channels that pool with OR (min).
  if (getOrMask() &&
      tensorType(getOrMask()).getShape() !=
          ArrayRef<int64_t>{packedWords(getChannels(), getGroup())})
    return emitOpError("or_mask must be one packed pixel of ")
           << packedWords(getChannels(), getGroup()) << " words";
  return verifyWindowOutput(*this, window, x.getShape().slice(1, 2),
                            y.getShape().slice(1, 2), /*allowCeilMode=*/true);
}

LogicalResult PackLayerNormOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto x = tensorType(getInput());
  if (x.getRank() < 1 || x.getShape().back() < 1)
    return emitOpError("input needs a non-empty last axis");
  int64_t d = x.getShape().back();
  if (tensorType(getThreshold()).getShape() != ArrayRef<int64_t>{d} ||
      tensorType(getFlip()).getShape() != ArrayRef<int64_t>{d})
    return emitOpError("threshold and flip need one value per element of "
                       "the last axis (")
           << d << ")";
  // The rows of the last axis, packed as bnn.pack packs [rows, D, 1, 1].
  int64_t rows = x.getNumElements() / d;
  SmallVector<int64_t> expected = {rows, 1, 1, packedWords(d, 1)};
  if (tensorType(getOutput()).getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result must be [rows, 1, 1, words] = ")
           << bracketed(expected);
  return success();
}

LogicalResult BinAttentionScoresOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  int64_t dim = getDim();
  if (dim < 1)
    return emitOpError("dim must be positive, got ") << dim;
  auto q = tensorType(getQueries()), k = tensorType(getKeys());
  auto p = tensorType(getOutput());
  if (failed(verifyPackedRows(*this, "queries", q, dim)) ||
      failed(verifyPackedRows(*this, "keys", k, dim)))
    return failure();
  // Queries [G * L, ...], keys [G * S, ...] -> scores [G, L, words(S)].
  if (p.getRank() != 3 || p.getDimSize(0) < 1)
    return emitOpError("result must be [G, L, words(S)] with G >= 1");
  int64_t groups = p.getDimSize(0);
  if (q.getDimSize(0) % groups != 0 ||
      q.getDimSize(0) / groups != p.getDimSize(1) ||
      k.getDimSize(0) % groups != 0 ||
      p.getDimSize(2) != packedWords(k.getDimSize(0) / groups, 1))
    return emitOpError("result must be [G, L, words(S)] for ")
           << q.getDimSize(0) << " query and " << k.getDimSize(0)
           << " key rows";
  return success();
}

LogicalResult BinAttentionContextOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  int64_t keys = getKeys();
  if (keys < 1)
    return emitOpError("keys must be positive, got ") << keys;
  auto p = tensorType(getScores()), v = tensorType(getValues());
  auto c = tensorType(getOutput());
  if (p.getRank() != 3 || p.getDimSize(2) != packedWords(keys, 1))
    return emitOpError("scores must be [G, L, ")
           << packedWords(keys, 1) << "], got " << p;
  if (failed(verifyPackedRows(*this, "values", v, keys)))
    return failure();
  // Scores [G, L, words(S)], values [G * D, ...] -> context [G, L, D].
  int64_t groups = p.getDimSize(0);
  if (groups < 1 || c.getRank() != 3 || c.getDimSize(0) != groups ||
      c.getDimSize(1) != p.getDimSize(1) || v.getDimSize(0) % groups != 0 ||
      v.getDimSize(0) / groups != c.getDimSize(2))
    return emitOpError("result must be [G, L, D] with values of G * D rows");
  return success();
}

//===----------------------------------------------------------------------===//
// RecurrentOp (issue 16)
//===----------------------------------------------------------------------===//

int64_t RecurrentOp::getGateCount() {
  StringRef cell = getCell();
  return cell == "lstm" ? 4 : cell == "gru" ? 3 : cell == "rnn" ? 1 : 0;
}

int64_t RecurrentOp::getActivationsPerDirection() {
  StringRef cell = getCell();
  return cell == "lstm" ? 3 : cell == "gru" ? 2 : cell == "rnn" ? 1 : 0;
}

/// The number of activation kinds the runtime knows (BNNC_RNN_ACT_*).
static constexpr int32_t kRecurrentActivationKinds = 11;

LogicalResult RecurrentOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  int64_t gates = getGateCount();
  if (gates == 0)
    return emitOpError("cell must be rnn, gru or lstm, got '")
           << getCell() << "'";
  auto x = tensorType(getInput()).getShape();
  auto w = tensorType(getWeight()).getShape();
  auto r = tensorType(getRecurrence()).getShape();
  if (x.size() != 3 || w.size() != 3 || r.size() != 3)
    return emitOpError("input, weight and recurrence must be 3-D");
  int64_t seq = x[0], batch = x[1], in = x[2], dirs = w[0];
  // The runtime's parameters are int32.
  for (int64_t d : {seq, batch, in, w[1]})
    if (d > INT32_MAX)
      return emitOpError("dimensions must be below 2^31");
  if (dirs != 1 && dirs != 2)
    return emitOpError("needs 1 or 2 directions, got ") << dirs;
  if (getReverse() && dirs != 1)
    return emitOpError("reverse applies to one direction only");
  if (w[1] % gates != 0 || w[1] == 0)
    return emitOpError("weight's second dimension must be a positive "
                       "multiple of ")
           << gates;
  int64_t hidden = w[1] / gates;
  auto expect = [&](Value v, ArrayRef<int64_t> shape,
                    StringRef name) -> LogicalResult {
    if (!v || tensorType(v).getShape() == shape)
      return success();
    return emitOpError() << name << " must have shape ["
                         << llvm::make_range(shape.begin(), shape.end()) << "]";
  };
  if (failed(expect(getWeight(), {dirs, gates * hidden, in}, "weight")) ||
      failed(expect(getRecurrence(), {dirs, gates * hidden, hidden},
                    "recurrence")) ||
      failed(expect(getBias(), {dirs, 2 * gates * hidden}, "bias")) ||
      failed(expect(getInitialH(), {dirs, batch, hidden}, "initial_h")) ||
      failed(expect(getInitialC(), {dirs, batch, hidden}, "initial_c")) ||
      failed(expect(getPeephole(), {dirs, 3 * hidden}, "peephole")) ||
      failed(expect(getSeqLens(), {batch}, "seq_lens")))
    return failure();
  if ((getInitialC() || getPeephole() || getInputForget()) && gates != 4)
    return emitOpError("initial_c, peephole and input_forget are LSTM's");
  if (getLinearBeforeReset() && gates != 3)
    return emitOpError("linear_before_reset is GRU's");
  // A constant seq_lens is checked here; the kernel clamps any value to
  // [0, T] as well, so no length can index outside the sequence.
  DenseIntElementsAttr lens;
  if (getSeqLens() && matchPattern(getSeqLens(), m_Constant(&lens)))
    for (const APInt &len : lens.getValues<APInt>())
      if (len.getSExtValue() < 0 || len.getSExtValue() > seq)
        return emitOpError("seq_lens must lie in [0, ") << seq << "]";
  size_t acts = static_cast<size_t>(dirs * getActivationsPerDirection());
  if (getActivations().size() != acts || getActivationAlpha().size() != acts ||
      getActivationBeta().size() != acts)
    return emitOpError("needs ") << acts << " activations, alphas and betas";
  for (int32_t a : getActivations())
    if (a < 0 || a >= kRecurrentActivationKinds)
      return emitOpError("unknown activation code ") << a;
  // Y [T, D, B, H], Y_h and Y_c [D, B, H], (G + 1) * H of scratch.
  std::optional<int64_t> state = llvm::checkedMul(dirs * batch, hidden);
  std::optional<int64_t> y = state ? llvm::checkedMul(seq, *state) : state;
  std::optional<int64_t> scratch = llvm::checkedMul(gates + 1, hidden);
  std::optional<int64_t> states =
      state ? llvm::checkedMul(int64_t(2), *state) : state;
  std::optional<int64_t> total =
      y && states && scratch ? llvm::checkedAdd(*y, *states) : std::nullopt;
  if (total)
    total = llvm::checkedAdd(*total, *scratch);
  if (!total)
    return emitOpError("result size overflows int64");
  auto out = tensorType(getOutput());
  if (out.getRank() != 1 || out.getDimSize(0) != *total)
    return emitOpError("result must be 1-D of ")
           << *total << " elements (Y, Y_h, Y_c and scratch)";
  return success();
}

//===----------------------------------------------------------------------===//
// Resampling, transposed convolution and indexing (issue 16)
//===----------------------------------------------------------------------===//

namespace {

/// The integer index types the indexing kernels read.
LogicalResult verifyIndexType(Operation *op, Value indices) {
  Type index = tensorType(indices).getElementType();
  if (!index.isInteger(32) && !index.isInteger(64))
    return op->emitOpError("indices must be i32 or i64, got ") << index;
  return success();
}

LogicalResult verifySameElementType(Operation *op, Value a, Value b) {
  if (tensorType(a).getElementType() != tensorType(b).getElementType())
    return op->emitOpError("result element type must be the data's");
  return success();
}

/// The runtime's kernels take at most this many dimensions.
constexpr int64_t kMaxKernelRank = 8;

} // namespace

LogicalResult ResizeOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto x = tensorType(getInput()), y = tensorType(getOutput());
  int64_t rank = x.getRank();
  if (y.getRank() != rank || rank < 1 || rank > kMaxKernelRank)
    return emitOpError("input and output must have the same rank in [1, ")
           << kMaxKernelRank << "]";
  ArrayRef<int64_t> taps = getTaps();
  if (static_cast<int64_t>(taps.size()) != rank)
    return emitOpError("needs one tap count per axis");
  int64_t entries = 0;
  for (int64_t d = 0; d < rank; ++d) {
    if (taps[d] < 1 || taps[d] > 4)
      return emitOpError("tap counts must be in [1, 4], got ") << taps[d];
    if (y.getDimSize(d) > 0 && x.getDimSize(d) < 1)
      return emitOpError("cannot resample an empty axis ") << d;
    entries += y.getDimSize(d) * taps[d];
  }
  ArrayRef<int32_t> indices = getIndices();
  if (static_cast<int64_t>(indices.size()) != entries ||
      static_cast<int64_t>(getWeights().size()) != entries)
    return emitOpError("tables must have ") << entries << " entries";
  int64_t at = 0;
  for (int64_t d = 0; d < rank; ++d)
    for (int64_t e = 0; e < y.getDimSize(d) * taps[d]; ++e, ++at)
      if (indices[at] < -1 || indices[at] >= x.getDimSize(d))
        return emitOpError("index ")
               << indices[at] << " of axis " << d << " is out of range";
  return success();
}

LogicalResult ConvTransposeOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto x = tensorType(getInput()), w = tensorType(getWeight());
  auto y = tensorType(getOutput());
  if (x.getRank() != 5 || w.getRank() != 5 || y.getRank() != 5)
    return emitOpError("expects 5-D input, weight and output");
  if (getStrides().size() != 3 || getPads().size() != 3 ||
      getDilations().size() != 3)
    return emitOpError("strides, pads and dilations need 3 values each");
  for (int64_t d = 0; d < 3; ++d)
    if (getStrides()[d] < 1 || getDilations()[d] < 1 ||
        getStrides()[d] > (int64_t(1) << 20) ||
        getDilations()[d] > (int64_t(1) << 20) ||
        std::abs(getPads()[d]) > (int64_t(1) << 20))
      return emitOpError("strides and dilations must be in [1, 2^20], pads "
                         "in [-2^20, 2^20]");
  int64_t group = getGroup();
  if (group < 1 || x.getDimSize(1) != w.getDimSize(0) ||
      x.getDimSize(1) % group != 0 ||
      y.getDimSize(1) != w.getDimSize(1) * group)
    return emitOpError("channel counts do not match group ") << group;
  if (y.getDimSize(0) != x.getDimSize(0))
    return emitOpError("input and output batch sizes differ");
  if (getBias() &&
      tensorType(getBias()).getShape() != ArrayRef<int64_t>{y.getDimSize(1)})
    return emitOpError("bias must have one value per output channel");
  // The kernel computes o + pad - k * dilation in int32.
  for (int64_t d = 0; d < 3; ++d)
    if (y.getDimSize(2 + d) + std::abs(getPads()[d]) +
            (w.getDimSize(2 + d) - 1) * getDilations()[d] >=
        (int64_t(1) << 30))
      return emitOpError("spatial extent too large for the kernel");
  return success();
}

LogicalResult GatherElementsOp::verify() {
  if (failed(verifyStaticShapes(*this)) ||
      failed(verifyIndexType(*this, getIndices())) ||
      failed(verifySameElementType(*this, getData(), getOutput())))
    return failure();
  auto data = tensorType(getData()), indices = tensorType(getIndices());
  if (failed(verifyAxis(*this, getAxis(), data.getRank())))
    return failure();
  if (indices.getRank() != data.getRank() ||
      tensorType(getOutput()).getShape() != indices.getShape())
    return emitOpError("indices must have the data's rank and the result's "
                       "shape");
  // The other coordinates are used as they are: they must fit the data.
  for (int64_t d = 0; d < data.getRank(); ++d)
    if (d != static_cast<int64_t>(getAxis()) &&
        indices.getDimSize(d) > data.getDimSize(d))
      return emitOpError("indices dimension ")
             << d << " exceeds the data's " << data.getDimSize(d);
  return success();
}

LogicalResult GatherNDOp::verify() {
  if (failed(verifyStaticShapes(*this)) ||
      failed(verifyIndexType(*this, getIndices())) ||
      failed(verifySameElementType(*this, getData(), getOutput())))
    return failure();
  auto data = tensorType(getData()).getShape();
  auto indices = tensorType(getIndices()).getShape();
  int64_t b = getBatchDims();
  if (indices.empty() || b < 0 || b >= static_cast<int64_t>(indices.size()) ||
      b >= static_cast<int64_t>(data.size()) ||
      data.take_front(b) != indices.take_front(b))
    return emitOpError("batch_dims ") << b << " does not fit the shapes";
  int64_t k = indices.back();
  if (k < 1 || b + k > static_cast<int64_t>(data.size()))
    return emitOpError("index tuples of ")
           << k << " do not fit data of rank " << data.size();
  SmallVector<int64_t> expected(indices.drop_back());
  llvm::append_range(expected, data.drop_front(b + k));
  if (tensorType(getOutput()).getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result shape must be ") << bracketed(expected);
  return success();
}

LogicalResult ScatterNDOp::verify() {
  if (failed(verifyStaticShapes(*this)) ||
      failed(verifyIndexType(*this, getIndices())) ||
      failed(verifySameType(*this, getData(), getOutput())) ||
      failed(verifySameElementType(*this, getUpdates(), getOutput())))
    return failure();
  if (!llvm::is_contained({"none", "add", "mul"}, getReduction()))
    return emitOpError("reduction must be none, add or mul");
  auto data = tensorType(getData()).getShape();
  auto indices = tensorType(getIndices()).getShape();
  if (indices.empty() || indices.back() < 1 ||
      indices.back() > static_cast<int64_t>(data.size()))
    return emitOpError("index tuples do not fit the data's rank");
  SmallVector<int64_t> expected(indices.drop_back());
  llvm::append_range(expected, data.drop_front(indices.back()));
  if (tensorType(getUpdates()).getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("updates shape must be ") << bracketed(expected);
  return success();
}

LogicalResult OneHotOp::verify() {
  if (failed(verifyStaticShapes(*this)) ||
      failed(verifySameElementType(*this, getValues(), getOutput())))
    return failure();
  auto indices = tensorType(getIndices());
  if (tensorType(getValues()).getNumElements() != 2)
    return emitOpError("values must hold [off, on]");
  int64_t axis = getAxis();
  if (failed(verifyAxis(*this, axis, indices.getRank() + 1)))
    return failure();
  SmallVector<int64_t> expected(indices.getShape());
  expected.insert(expected.begin() + axis, getDepth());
  if (tensorType(getOutput()).getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result shape must be ") << bracketed(expected);
  return success();
}

LogicalResult TriluOp::verify() {
  if (failed(verifyStaticShapes(*this)) ||
      failed(verifySameType(*this, getInput(), getOutput())))
    return failure();
  if (tensorType(getInput()).getRank() < 2)
    return emitOpError("needs a rank of at least 2");
  return success();
}

LogicalResult LpNormOp::verify() {
  if (failed(verifyStaticShapes(*this)) ||
      failed(verifySameType(*this, getInput(), getOutput())) ||
      failed(verifyAxis(*this, getAxis(), tensorType(getInput()).getRank())))
    return failure();
  if (getP() != 1 && getP() != 2)
    return emitOpError("p must be 1 or 2");
  return success();
}

//===----------------------------------------------------------------------===//
// Quantized tensors (issue 18)
//===----------------------------------------------------------------------===//

/// A scale or zero point of one value, or of one value per index of `axis`
/// of a tensor of `shape` (the kernels index it by that coordinate).
static LogicalResult verifyQuantParam(Operation *op, StringRef what, Value v,
                                      ArrayRef<int64_t> shape, int64_t axis) {
  if (!v)
    return success();
  int64_t count = tensorType(v).getNumElements();
  if (count == 1 || (axis >= 0 && axis < (int64_t)shape.size() &&
                     count == shape[axis] && tensorType(v).getRank() == 1))
    return success();
  return op->emitOpError() << what << " must hold one value or one per index "
                           << "of axis " << axis << " (" << count << " values)";
}

/// quantize / dequantize / requantize: same shape in and out, parameters
/// per tensor or per `axis`.
static LogicalResult
verifyAffine(Operation *op, Value input, Value output, int64_t axis,
             ArrayRef<std::pair<StringRef, Value>> params) {
  if (failed(verifyStaticShapes(op)))
    return failure();
  auto shape = tensorType(input).getShape();
  if (tensorType(output).getShape() != shape)
    return op->emitOpError("result shape must be the input shape ")
           << bracketed(shape);
  if (failed(verifyAxis(op, axis, std::max<int64_t>(shape.size(), 1))))
    return failure();
  for (auto [what, v] : params)
    if (failed(verifyQuantParam(op, what, v, shape, axis)))
      return failure();
  return success();
}

LogicalResult QuantizeOp::verify() {
  if (getZeroPoint() && tensorType(getZeroPoint()).getElementType() !=
                            tensorType(getOutput()).getElementType())
    return emitOpError("zero point and result element types differ");
  return verifyAffine(*this, getInput(), getOutput(), getAxis(),
                      {{"scale", getScale()}, {"zero point", getZeroPoint()}});
}

LogicalResult DequantizeOp::verify() {
  if (getZeroPoint() && tensorType(getZeroPoint()).getElementType() !=
                            tensorType(getInput()).getElementType())
    return emitOpError("zero point and input element types differ");
  return verifyAffine(*this, getInput(), getOutput(), getAxis(),
                      {{"scale", getScale()}, {"zero point", getZeroPoint()}});
}

LogicalResult DynamicQuantizeOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  if (tensorType(getOutput()).getShape() != tensorType(getInput()).getShape())
    return emitOpError("result shape must be the input shape");
  if (tensorType(getScale()).getNumElements() != 1 ||
      tensorType(getZeroPoint()).getNumElements() != 1)
    return emitOpError("scale and zero point must be scalars");
  return success();
}

LogicalResult RequantizeOp::verify() {
  for (Value s : {getInScale(), getOutScale()})
    if (tensorType(s).getNumElements() != 1)
      return emitOpError("input and output scales must be single values");
  return verifyAffine(
      *this, getInput(), getOutput(), getAxis(),
      {{"weight scale", getWScale()}, {"zero point", getZeroPoint()}});
}

LogicalResult RequantizeQ31Op::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto shape = tensorType(getInput()).getShape();
  if (tensorType(getOutput()).getShape() != shape)
    return emitOpError("result shape must be the input shape ")
           << bracketed(shape);
  // I64Attr getters return uint64_t; the attributes are signed.
  int64_t axis = static_cast<int64_t>(getAxis());
  int64_t zp = static_cast<int64_t>(getZeroPoint());
  int64_t min = static_cast<int64_t>(getMin());
  int64_t max = static_cast<int64_t>(getMax());
  if (failed(verifyAxis(*this, axis, std::max<int64_t>(shape.size(), 1))))
    return failure();
  ArrayRef<int32_t> multiplier = getMultiplier(), shift = getShift();
  int64_t channels = shape.empty() ? 1 : shape[axis];
  if (multiplier.size() != shift.size() ||
      (multiplier.size() != 1 && (int64_t)multiplier.size() != channels))
    return emitOpError("multiplier and shift must both hold one value or one "
                       "per index of axis ")
           << axis << " (" << channels << "), got " << multiplier.size()
           << " and " << shift.size();
  for (auto [m, s] : llvm::zip(multiplier, shift)) {
    if (m < 0)
      return emitOpError("multiplier ") << m << " is negative";
    if (s < -31 || s > 30)
      return emitOpError("shift ") << s << " is out of range [-31, 30]";
  }
  bool isUnsigned =
      tensorType(getOutput()).getElementType().isUnsignedInteger();
  int64_t lo = isUnsigned ? 0 : -128, hi = isUnsigned ? 255 : 127;
  if (zp < lo || zp > hi)
    return emitOpError("zero point ")
           << zp << " is out of the result type's range";
  if (min < lo || max > hi || min > max)
    return emitOpError("clamp range [")
           << min << ", " << max
           << "] is not a non-empty range of the result type";
  return success();
}

LogicalResult AddQ31Op::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  if (tensorType(getA()).getShape() != tensorType(getB()).getShape() ||
      tensorType(getOutput()).getShape() != tensorType(getA()).getShape())
    return emitOpError("operands and result must have the same shape");
  if (getInputZeroPoints().size() != 2 || getInputMultipliers().size() != 2 ||
      getInputShifts().size() != 2)
    return emitOpError("input_zero_points, input_multipliers and "
                       "input_shifts must hold two values (a, b)");
  for (int64_t zp : getInputZeroPoints())
    if (zp < -128 || zp > 127)
      return emitOpError("input zero point ") << zp << " is not an int8";
  SmallVector<std::pair<int64_t, int64_t>, 3> rescales = {
      {getInputMultipliers()[0], getInputShifts()[0]},
      {getInputMultipliers()[1], getInputShifts()[1]},
      {static_cast<int64_t>(getMultiplier()),
       static_cast<int64_t>(getShift())}};
  for (auto [m, s] : rescales) {
    if (m < 0 || m > INT32_MAX)
      return emitOpError("multiplier ") << m << " is not in [0, 2^31)";
    if (s < -31 || s > 0)
      return emitOpError("shift ") << s << " is out of range [-31, 0]";
  }
  int64_t zp = static_cast<int64_t>(getZeroPoint());
  int64_t min = static_cast<int64_t>(getMin());
  int64_t max = static_cast<int64_t>(getMax());
  if (zp < -128 || zp > 127)
    return emitOpError("zero point ") << zp << " is not an int8";
  if (min < -128 || max > 127 || min > max)
    return emitOpError("clamp range [")
           << min << ", " << max << "] is not a non-empty int8 range";
  return success();
}

/// An optional zero point of one value or of `count` values, of the
/// element type of the tensor it shifts (the kernel reads it as that type).
static LogicalResult verifyZeroPointCount(Operation *op, StringRef what,
                                          Value zp, int64_t count,
                                          Value shifted) {
  if (!zp)
    return success();
  if (tensorType(zp).getElementType() != tensorType(shifted).getElementType())
    return op->emitOpError() << what << " must have the element type "
                             << tensorType(shifted).getElementType();
  int64_t n = tensorType(zp).getNumElements();
  if (n == 1 || (n == count && tensorType(zp).getRank() == 1))
    return success();
  return op->emitOpError() << what << " must hold 1 or " << count
                           << " values, got " << n;
}

LogicalResult QConv2DOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto x = tensorType(getInput()), w = tensorType(getWeight());
  auto y = tensorType(getOutput());
  if (x.getRank() != 4 || w.getRank() != 4 || y.getRank() != 4)
    return emitOpError("expects 4-D input, weight and output");
  int64_t kernel[] = {w.getDimSize(2), w.getDimSize(3)};
  Window window{kernel, getStrides(), getPads(), getDilations()};
  if (failed(verifyWindowAttrs(*this, window)))
    return failure();
  int64_t group = getGroup();
  if (group < 1 || x.getDimSize(1) % group != 0 ||
      x.getDimSize(1) / group != w.getDimSize(1) ||
      w.getDimSize(0) % group != 0 || y.getDimSize(1) != w.getDimSize(0))
    return emitOpError("channel counts do not match group ") << group;
  if (y.getDimSize(0) != x.getDimSize(0))
    return emitOpError("input and output batch sizes differ");
  if (failed(verifyZeroPointCount(*this, "input zero point",
                                  getInputZeroPoint(), 1, getInput())) ||
      failed(verifyZeroPointCount(*this, "weight zero point",
                                  getWeightZeroPoint(), w.getDimSize(0),
                                  getWeight())))
    return failure();
  if (getBias() &&
      tensorType(getBias()).getShape() != ArrayRef<int64_t>{w.getDimSize(0)})
    return emitOpError("bias must have one value per output channel");
  return verifyWindowOutput(*this, window, x.getShape().drop_front(2),
                            y.getShape().drop_front(2),
                            /*allowCeilMode=*/false);
}

LogicalResult QMatMulOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto a = tensorType(getA()), b = tensorType(getB());
  auto y = tensorType(getOutput());
  if (a.getRank() < 2 || b.getRank() < 2)
    return emitOpError("expects operands of rank >= 2");
  auto batch = bnnc::broadcastShapes(a.getShape().drop_back(2),
                                     b.getShape().drop_back(2));
  if (!batch || a.getShape().back() != b.getShape()[b.getRank() - 2])
    return emitOpError("operands are not matmul-compatible");
  if (batch->size() > 8)
    return emitOpError("more than 8 batch dimensions");
  SmallVector<int64_t> expected(*batch);
  expected.push_back(a.getShape()[a.getRank() - 2]);
  expected.push_back(b.getShape().back());
  if (y.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result shape does not match the operands");
  return failure(
      failed(verifyZeroPointCount(*this, "a zero point", getAZeroPoint(),
                                  a.getShape()[a.getRank() - 2], getA())) ||
      failed(verifyZeroPointCount(*this, "b zero point", getBZeroPoint(),
                                  b.getShape().back(), getB())));
}

LogicalResult PackQuantizedOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto x = tensorType(getInput()), y = tensorType(getOutput());
  int64_t group = getGroup();
  if (x.getRank() != 4 || y.getRank() != 4 || group < 1 ||
      x.getDimSize(1) % group != 0)
    return emitOpError("expects NCHW input with channels divisible by group");
  SmallVector<int64_t> expected = {x.getDimSize(0), x.getDimSize(2),
                                   x.getDimSize(3),
                                   packedWords(x.getDimSize(1), group)};
  if (y.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result must be [N, H, W, words] = ")
           << bracketed(expected);
  // The kernel compares with the zero point in the input's range.
  bool isUnsigned = x.getElementType().isUnsignedInteger();
  int64_t zp = getZeroPoint();
  if (zp < (isUnsigned ? 0 : -128) || zp > (isUnsigned ? 255 : 127))
    return emitOpError("zero point ") << zp << " is outside the input type";
  if (getThreshold() &&
      tensorType(getThreshold()).getNumElements() != x.getDimSize(1))
    return emitOpError("threshold must hold one value per channel");
  return success();
}
