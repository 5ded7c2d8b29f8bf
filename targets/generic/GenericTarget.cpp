//===- GenericTarget.cpp - Portable C99 kernels ---------------------------===//
//
// The generic target calls the kernels of runtime/bnnc/kernels_f32.h, one
// call per bnn op, with a static const parameter struct holding the shapes.
// It runs anywhere and is the reference the ARM targets are checked against.
//
//===----------------------------------------------------------------------===//

#include "targets/generic/GenericKernels.h"

#include "dialects/bnn/BnnDialect.h"
#include "dialects/bnn/ElementwiseKinds.h"
#include "dialects/onnx/ShapeUtils.h"
#include "targets/generic/Loops.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace llvm;

namespace bnnc {
std::string elementType(Value v) {
  return CEmitter::cType(tensorType(v).getElementType());
}

namespace {

/// The type suffix of the runtime's typed kernels and helpers: f32, i8 ..
/// i64, u8 .. u64 (an ONNX bool is a uint8_t holding 0 or 1: u8).
std::string typeSuffix(Type type) {
  if (type.isF32())
    return "f32";
  auto integer = cast<IntegerType>(type);
  if (integer.getWidth() == 1)
    return "u8";
  return (integer.isUnsigned() ? "u" : "i") +
         std::to_string(integer.getWidth());
}

std::string typeSuffix(Value v) {
  return typeSuffix(tensorType(v).getElementType());
}

/// The runtime's parameter structs hold at most BNNC_MAX_RANK dimensions.
LogicalResult checkKernelRank(Operation *op, size_t rank) {
  constexpr size_t maxRank = 8; // BNNC_MAX_RANK, runtime/bnnc/runtime.h
  if (rank <= maxRank)
    return success();
  return op->emitError("needs ")
         << rank << " dimensions in its kernel, more than the runtime's "
         << maxRank;
}

/// The runtime's BNNC_PAD_* constant of `mode`.
std::string padModeConstant(bnn::PadMode mode) {
  return "BNNC_PAD_" + bnn::stringifyPadMode(mode).upper();
}

/// A C literal of `v` converted to int64 as the generated casts convert:
/// truncated, saturated, NaN -> 0 (a plain static_cast of NaN or of 2^63
/// would be undefined behaviour in the compiler).
std::string integerLiteral(double v) {
  if (std::isnan(v))
    return "0";
  if (v >= 0x1p63)
    return "INT64_MAX";
  if (v <= -0x1p63)
    return "INT64_MIN";
  return std::to_string(static_cast<int64_t>(v));
}

/// A float unary kind's C expression from ElementwiseKinds.def, with the
/// parameters' literals for {alpha} and {beta}.
std::string tableExpr(StringRef pattern, StringRef alpha, StringRef beta) {
  std::string expr;
  while (!pattern.empty()) {
    size_t at = pattern.find('{');
    expr += pattern.take_front(at).str();
    if (at == StringRef::npos)
      break;
    pattern = pattern.drop_front(at);
    StringRef value = pattern.consume_front("{alpha}")  ? alpha
                      : pattern.consume_front("{beta}") ? beta
                                                        : StringRef();
    if (value.empty()) { // not a placeholder: copy the brace
      expr += '{';
      pattern = pattern.drop_front();
    }
    expr += value.str();
  }
  return expr;
}

/// The C expression of an integer-safe kind on a0, a1, a2. int32 and int64
/// arithmetic goes through the wrapping helpers of kernels_f32.h (signed
/// overflow is undefined in C); 8-bit operands are promoted to int, where
/// the same expressions cannot overflow.
std::optional<std::string> handWrittenExpr(bnn::ElementwiseOp op) {
  using K = bnn::ElementwiseKind;
  Type in = tensorType(op.getInputs()[0]).getElementType();
  Type out = tensorType(op.getOutput()).getElementType();
  bool isFloat = in.isF32();
  std::string wide = in.isInteger(32) ? "i32" : in.isInteger(64) ? "i64" : "";
  auto helper = [&](StringRef fn, StringRef args) {
    return ("bnnc_" + fn + "_" + wide + "(" + args + ")").str();
  };
  // An operator, or the wrapping helper for int32/int64.
  auto arithmetic = [&](StringRef fn, StringRef op2) {
    return !wide.empty() ? helper(fn, "a0, a1") : ("a0 " + op2 + " a1").str();
  };
  switch (op.getKind()) {
  case K::Relu:
    return std::string("a0 < 0 ? 0 : a0");
  case K::Bipolar: // b(x): QONNX BipolarQuant before its scale
    return std::string(isFloat ? "a0 < 0.0f ? -1.0f : 1.0f"
                               : "a0 < 0 ? -1 : 1");
  case K::Sign:
    return isFloat ? std::string("a0 > 0.0f ? 1.0f : (a0 < 0.0f ? -1.0f : "
                                 "(a0 == 0.0f ? 0.0f : a0))")
                   : std::string("(a0 > 0) - (a0 < 0)");
  case K::Abs:
    return isFloat         ? std::string("fabsf(a0)")
           : !wide.empty() ? helper("abs", "a0")
                           : std::string("a0 < 0 ? -a0 : a0");
  case K::Neg:
    return !wide.empty() ? helper("neg", "a0") : std::string("-a0");
  case K::Not:
    return std::string("!a0");
  case K::Cast:
    if (out.isInteger(1))
      return std::string("a0 != 0");
    // float -> integer saturates, NaN -> 0 (C leaves out-of-range
    // conversions undefined); integer narrowing wraps.
    if (isFloat && isa<IntegerType>(out))
      return "bnnc_f32_to_" + typeSuffix(out) + "(a0)";
    return "(" + CEmitter::cType(out) + ")a0";
  case K::Add:
    return arithmetic("add", "+");
  case K::Sub:
    return arithmetic("sub", "-");
  case K::Mul:
    return arithmetic("mul", "*");
  // Integer division by zero is undefined in C: it yields 0; MIN / -1 wraps.
  case K::Div:
    return isFloat         ? std::string("a0 / a1")
           : !wide.empty() ? helper("div", "a0, a1")
                           : std::string("a1 == 0 ? 0 : a0 / a1");
  case K::Pow: {
    Type exponent = tensorType(op.getInputs()[1]).getElementType();
    if (isFloat)
      return std::string("powf(a0, (float)a1)");
    // An integer base: a float exponent computes in double and saturates
    // into the base's type; an integer one wraps (as the folder does).
    if (isa<FloatType>(exponent))
      return "bnnc_f64_to_" + typeSuffix(out) + "(pow((double)a0, (double)a1))";
    return std::string("bnnc_pow_i64((int64_t)a0, (int64_t)a1)");
  }
  case K::PRelu:
    return !wide.empty() ? "a0 < 0 ? " + helper("mul", "a0, a1") + " : a0"
                         : std::string("a0 < 0 ? a0 * a1 : a0");
  // max/min propagate NaN like numpy.maximum/minimum.
  case K::Max:
    return isFloat ? std::string("(a0 != a0 || a0 > a1) ? a0 : a1")
                   : std::string("a0 > a1 ? a0 : a1");
  case K::Min:
    return isFloat ? std::string("(a0 != a0 || a0 < a1) ? a0 : a1")
                   : std::string("a0 < a1 ? a0 : a1");
  case K::Equal:
    return std::string("a0 == a1");
  case K::Greater:
    return std::string("a0 > a1");
  case K::GreaterEqual:
    return std::string("a0 >= a1");
  case K::Less:
    return std::string("a0 < a1");
  case K::LessEqual:
    return std::string("a0 <= a1");
  case K::And:
    return std::string("a0 && a1");
  case K::Or:
    return std::string("a0 || a1");
  case K::Xor:
    return std::string("!a0 != !a1");
  case K::IsNaN:
    return isFloat ? std::optional<std::string>("isnan(a0) != 0")
                   : std::nullopt;
  case K::IsInf: { // alpha: detect_positive, beta: detect_negative
    if (!isFloat)
      return std::nullopt;
    bool positive = op.getAlpha() && !op.getAlpha()->isZero();
    bool negative = op.getBeta() && !op.getBeta()->isZero();
    return std::string(positive && negative ? "isinf(a0) != 0"
                       : positive           ? "a0 == INFINITY"
                       : negative           ? "a0 == -INFINITY"
                                            : "((void)a0, 0)");
  }
  case K::Where:
    return std::string("a0 ? a1 : a2");
  default:
    return std::nullopt;
  }
}

/// The C expression of `kind` applied to a0, a1, a2 (locals holding the
/// operand elements); the math follows the ONNX operator definitions.
std::optional<std::string> elementwiseExpr(bnn::ElementwiseOp op) {
  const bnn::ElementwiseKindInfo &info = bnn::infoOf(op.getKind());
  if (info.floatC.empty())
    return handWrittenExpr(op);
  if (!tensorType(op.getInputs()[0]).getElementType().isF32())
    return std::nullopt;
  auto literal = [](std::optional<APFloat> v) {
    return v ? CEmitter::floatLiteral(v->convertToDouble(), false)
             : std::string("0.0f");
  };
  return tableExpr(info.floatC, literal(op.getAlpha()), literal(op.getBeta()));
}

/// [outer, n, inner] around `axis`.
std::array<int64_t, 3> around(ArrayRef<int64_t> shape, int64_t axis) {
  return {shapeProduct(shape.take_front(axis)), shape[axis],
          shapeProduct(shape.drop_front(axis + 1))};
}

/// y[i] = x[view(i)]: one loop nest.
void copyLoop(CEmitter &e, StringRef y, StringRef x, ArrayRef<int64_t> shape,
              const Access &out, const Access &in) {
  emitLoopNest(e.body(), shape, {out, in},
               [&](raw_ostream &os, ArrayRef<std::string> idx, int indent) {
                 os.indent(indent) << y << "[" << idx[0] << "] = " << x << "["
                                   << idx[1] << "];\n";
               });
}

/// Designated initializer of a bnnc_pool2d_params.
std::string poolFields(ArrayRef<int64_t> x, ArrayRef<int64_t> y,
                       ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                       ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations) {
  std::string s;
  raw_string_ostream os(s);
  os << "{.n = " << x[0] << ", .c = " << x[1] << ", .h = " << x[2]
     << ", .w = " << x[3] << ", .oh = " << y[2] << ", .ow = " << y[3]
     << ", .kh = " << kernel[0] << ", .kw = " << kernel[1]
     << ", .stride_h = " << strides[0] << ", .stride_w = " << strides[1]
     << ", .pad_top = " << pads[0] << ", .pad_left = " << pads[1]
     << ", .dilation_h = " << dilations[0] << ", .dilation_w = " << dilations[1]
     << "}";
  return s;
}

} // namespace

std::string activationConstant(bnn::Activation activation) {
  return "BNNC_BACT_" + bnn::stringifyActivation(activation).upper();
}

std::string floatOrZero(std::optional<APFloat> value) {
  return CEmitter::floatLiteral(value ? value->convertToDouble() : 0.0, false);
}

void emitDenseCall(CEmitter &e, bnn::GemmOp op, StringRef fn,
                   const std::array<int64_t, 3> &shape,
                   const std::string &weight) {
  emitKernelCall(e, fn,
                 {std::to_string(shape[0]), std::to_string(shape[1]),
                  std::to_string(shape[2]), e.input(op.getA()), weight,
                  optionalInput(e, op.getC(), "bias"),
                  op.getActivation() == bnn::Activation::relu ? "1" : "0",
                  e.output(op.getOutput())});
}

std::optional<std::array<int64_t, 3>> denseLayerShape(bnn::GemmOp op) {
  auto y = shapeOf(op.getOutput());
  int64_t m = y[0], n = y[1], k = shapeOf(op.getA())[1];
  bool rowBias = !op.getC() || (op.getBeta().convertToDouble() == 1.0 &&
                                shapeProduct(shapeOf(op.getC())) == n &&
                                shapeOf(op.getC()).back() == n);
  if (op.getTransA() || op.getAlpha().convertToDouble() != 1.0 || !rowBias)
    return std::nullopt;
  return std::array<int64_t, 3>{m, n, k};
}

ParamStruct::ParamStruct(CEmitter &emitter, StringRef type)
    : emitter(emitter), type(type),
      name(emitter.freshName(emitter.currentNodeId() + "_params")) {}

ParamStruct &ParamStruct::field(StringRef key, int64_t value) {
  fields.push_back(("." + key + " = " + Twine(value)).str());
  return *this;
}

ParamStruct &ParamStruct::floatField(StringRef key, float value) {
  fields.push_back(
      ("." + key + " = " + CEmitter::floatLiteral(value, false)).str());
  return *this;
}

ParamStruct &ParamStruct::raw(StringRef key, StringRef initializer) {
  fields.push_back(("." + key + " = " + initializer).str());
  return *this;
}

ParamStruct &ParamStruct::window(ArrayRef<int64_t> strides,
                                 ArrayRef<int64_t> pads,
                                 ArrayRef<int64_t> dilations) {
  return field("stride_h", strides[0])
      .field("stride_w", strides[1])
      .field("pad_top", pads[0])
      .field("pad_left", pads[1])
      .field("dilation_h", dilations[0])
      .field("dilation_w", dilations[1]);
}

ParamStruct &ParamStruct::array(StringRef key, ArrayRef<int64_t> values) {
  fields.push_back(
      ("." + key + " = {" +
       join(map_range(values, [](int64_t v) { return std::to_string(v); }),
            ", ") +
       "}")
          .str());
  return *this;
}

std::string ParamStruct::finish() {
  raw_ostream &os = emitter.globals();
  os << "static const " << type << " " << name << " = {";
  size_t column = 80;
  for (const std::string &f : fields) {
    if (column + f.size() + 2 > 78) {
      os << "\n   ";
      column = 3;
    }
    os << " " << f << ",";
    column += f.size() + 2;
  }
  os << "\n};\n\n";
  return "&" + name;
}

void emitKernelCall(CEmitter &e, StringRef fn, ArrayRef<std::string> args) {
  e.body() << "  " << fn << "(" << join(args, ", ") << ");\n";
}

std::string optionalInput(CEmitter &e, Value v, StringRef role) {
  return v ? e.input(v, role) : "NULL";
}

ArrayRef<StringRef> GenericKernels::runtimeHeaders() const {
  static const StringRef headers[] = {"bnnc/kernels_f32.h",
                                      "bnnc/kernels_binary.h"};
  return headers;
}

LogicalResult GenericKernels::emitKernel(Operation *op, CEmitter &e) {
  llvm::TypeSwitch<Operation *, LogicalResult> dispatch(op);
#define BNNC_KERNEL_OP(OP, METHOD)                                             \
  dispatch.Case([&](bnn::OP k) { return METHOD(k, e); });
#include "targets/generic/KernelOps.def"
  return dispatch.Default([](Operation *o) {
    return o->emitError("the generic target has no kernel for ")
           << o->getName();
  });
}

std::string GenericKernels::conv2dParams(bnn::Conv2DOp op, CEmitter &e) {
  auto x = shapeOf(op.getInput()), w = shapeOf(op.getWeight());
  auto y = shapeOf(op.getOutput());
  ParamStruct p(e, "bnnc_conv2d_params");
  p.field("n", x[0]).field("c", x[1]).field("h", x[2]).field("w", x[3]);
  p.field("m", w[0]).field("kh", w[2]).field("kw", w[3]);
  p.field("oh", y[2]).field("ow", y[3]);
  p.window(op.getStrides(), op.getPads(), op.getDilations());
  p.field("group", static_cast<int64_t>(op.getGroup()));
  p.field("relu", int64_t(op.getActivation() == bnn::Activation::relu));
  return p.finish();
}

LogicalResult GenericKernels::conv2d(bnn::Conv2DOp op, CEmitter &e) {
  emitKernelCall(e, "bnnc_conv2d_f32",
                 {conv2dParams(op, e), e.input(op.getInput()),
                  e.input(op.getWeight(), "weight"),
                  optionalInput(e, op.getBias(), "bias"),
                  e.output(op.getOutput())});
  return success();
}

std::string GenericKernels::gemmParams(bnn::GemmOp op, CEmitter &e) {
  auto y = shapeOf(op.getOutput());
  int64_t k = shapeOf(op.getA())[op.getTransA() ? 0 : 1];
  ParamStruct p(e, "bnnc_gemm_params");
  p.field("m", y[0]).field("n", y[1]).field("k", k);
  p.field("trans_a", int64_t(op.getTransA()))
      .field("trans_b", int64_t(op.getTransB()));
  p.floatField("alpha", op.getAlpha().convertToFloat())
      .floatField("beta", op.getBeta().convertToFloat());
  // C is read through strides of its broadcast to [M, N].
  SmallVector<int64_t> cStrides = {0, 0};
  if (op.getC())
    cStrides = broadcastStrides(shapeOf(op.getC()), y);
  p.field("c_row_stride", cStrides[0]).field("c_col_stride", cStrides[1]);
  p.field("relu", int64_t(op.getActivation() == bnn::Activation::relu));
  return p.finish();
}

LogicalResult GenericKernels::gemm(bnn::GemmOp op, CEmitter &e) {
  emitKernelCall(
      e, "bnnc_gemm_f32",
      {gemmParams(op, e), e.input(op.getA()), e.input(op.getB(), "weight"),
       optionalInput(e, op.getC(), "bias"), e.output(op.getOutput())});
  return success();
}

std::string GenericKernels::matmulParams(bnn::MatMulOp op, CEmitter &e,
                                         bool batchAsRows) {
  auto a = shapeOf(op.getA()), b = shapeOf(op.getB());
  auto y = shapeOf(op.getOutput());
  ArrayRef<int64_t> batch = y.drop_back(2);
  if (batch.size() > 8) {
    op.emitError("more than 8 batch dimensions");
    return "";
  }
  int64_t m = a[a.size() - 2];
  // One matrix b for every batch index, and the a and y matrices one after
  // the other: the batch is m * batch rows of one product.
  if (batchAsRows && b.size() == 2 && a.drop_back(2) == batch) {
    m *= shapeProduct(batch);
    batch = {};
  }
  ParamStruct p(e, "bnnc_matmul_params");
  p.field("m", m).field("k", a.back()).field("n", y.back());
  if (op.getTransB())
    p.field("trans_b", 1); // b holds [..., N, K]: y = a b^T
  p.field("batch_rank", static_cast<int64_t>(batch.size()));
  if (!batch.empty()) {
    // Batch strides count whole matrices; broadcast dimensions stride 0.
    p.array("batch_shape", batch);
    p.array("a_batch_strides", broadcastStrides(a.drop_back(2), batch));
    p.array("b_batch_strides", broadcastStrides(b.drop_back(2), batch));
  }
  return p.finish();
}

LogicalResult GenericKernels::matmul(bnn::MatMulOp op, CEmitter &e) {
  std::string params = matmulParams(op, e);
  if (params.empty())
    return failure();
  emitKernelCall(e, "bnnc_matmul_f32",
                 {params, e.input(op.getA()), e.input(op.getB(), "weight"),
                  e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::elementwise(bnn::ElementwiseOp op, CEmitter &e) {
  auto expr = elementwiseExpr(op);
  if (!expr)
    return op.emitError("the generic target has no '")
           << bnn::stringifyElementwiseKind(op.getKind())
           << "' for element type "
           << tensorType(op.getInputs()[0]).getElementType();
  auto shape = tensorType(op.getOutput()).getShape();
  SmallVector<Access> accesses = {rowMajorAccess(shape)};
  SmallVector<std::string> operands;
  for (Value v : op.getInputs()) {
    accesses.push_back(
        Access{0, broadcastStrides(tensorType(v).getShape(), shape)});
    operands.push_back(e.input(v));
  }
  std::string y = e.output(op.getOutput());
  std::string outType = elementType(op.getOutput());
  emitLoopNest(e.body(), shape, accesses,
               [&](raw_ostream &os, ArrayRef<std::string> idx, int indent) {
                 for (auto [k, v] : llvm::enumerate(op.getInputs()))
                   os.indent(indent)
                       << "const " << elementType(v) << " a" << k << " = "
                       << operands[k] << "[" << idx[k + 1] << "];\n";
                 os.indent(indent) << y << "[" << idx[0] << "] = (" << outType
                                   << ")(" << *expr << ");\n";
               });
  return success();
}

LogicalResult GenericKernels::stridedCopy(bnn::StridedCopyOp op, CEmitter &e) {
  auto shape = tensorType(op.getOutput()).getShape();
  std::string x = e.input(op.getInput()), y = e.output(op.getOutput());
  copyLoop(e, y, x, shape, rowMajorAccess(shape),
           Access{static_cast<int64_t>(op.getOffset()),
                  SmallVector<int64_t>(op.getStrides())});
  return success();
}

/// Each input is copied into its slab of the output along `axis`.
LogicalResult GenericKernels::concat(bnn::ConcatOp op, CEmitter &e) {
  auto outShape = tensorType(op.getOutput()).getShape();
  auto outStrides = rowMajorStrides(outShape);
  int64_t axis = op.getAxis(), start = 0;
  std::string y = e.output(op.getOutput());
  for (Value v : op.getInputs()) {
    auto shape = tensorType(v).getShape();
    copyLoop(e, y, e.input(v), shape,
             Access{start * outStrides[axis], outStrides},
             rowMajorAccess(shape));
    start += shape[axis];
  }
  return success();
}

LogicalResult GenericKernels::pad(bnn::PadOp op, CEmitter &e) {
  auto in = tensorType(op.getInput()).getShape();
  auto out = tensorType(op.getOutput()).getShape();
  if (failed(checkKernelRank(op, in.size())))
    return failure();
  // A scalar pads as a one-element vector (its pads are empty).
  SmallVector<int64_t> inShape(in), outShape(out),
      begin(op.getPads().take_front(in.size()));
  if (in.empty()) {
    inShape = outShape = {1};
    begin = {0};
  }
  std::string value =
      op.getConstantValue()
          ? e.input(op.getConstantValue(), "pad_value") + "[0]"
      : tensorType(op.getOutput()).getElementType().isF32()
          ? CEmitter::floatLiteral(op.getValue().convertToDouble(), false)
          : "(" + elementType(op.getOutput()) + ")" +
                integerLiteral(op.getValue().convertToDouble());
  ParamStruct p(e, "bnnc_pad_params");
  p.field("rank", static_cast<int64_t>(inShape.size()))
      .raw("mode", padModeConstant(op.getMode()))
      .array("in_shape", inShape)
      .array("out_shape", outShape)
      .array("pad_begin", begin);
  emitKernelCall(
      e, "bnnc_pad_" + typeSuffix(op.getOutput()),
      {p.finish(), e.input(op.getInput()), value, e.output(op.getOutput())});
  return success();
}

/// Out-of-range indices make the model return BNNC_ERROR_INDEX instead of
/// reading outside the tensor (the kernel checks them all first).
LogicalResult GenericKernels::gather(bnn::GatherOp op, CEmitter &e) {
  auto [outer, n, inner] =
      around(tensorType(op.getData()).getShape(), op.getAxis());
  int64_t count = tensorType(op.getIndices()).getNumElements();
  std::string fn = "bnnc_gather_" + typeSuffix(op.getOutput()) + "_" +
                   typeSuffix(op.getIndices());
  // input() and output() may declare their buffers: call them first.
  std::string x = e.input(op.getData()), ids = e.input(op.getIndices());
  std::string y = e.output(op.getOutput());
  e.body() << "  if (" << fn << "(" << outer << ", " << n << ", " << inner
           << ", " << count << ", " << x << ", " << ids << ", " << y
           << ") != BNNC_OK)\n    return BNNC_ERROR_INDEX;\n";
  return success();
}

/// The reduction's input dimensions with the result's stride along each (0
/// where reduced). Unit dimensions are dropped and neighbours one loop can
/// walk are merged (both reduced, or both kept and contiguous in the
/// result), which keeps the walk in row-major input order.
static std::pair<SmallVector<int64_t>, SmallVector<int64_t>>
reductionView(ArrayRef<int64_t> in, ArrayRef<int64_t> axes) {
  SmallVector<int64_t> kept(in);
  for (int64_t a : axes)
    kept[a] = 1;
  SmallVector<int64_t> keptStrides = rowMajorStrides(kept);
  for (int64_t a : axes)
    keptStrides[a] = 0;
  SmallVector<int64_t> shape, strides;
  for (auto [dim, stride] : llvm::zip(in, keptStrides)) {
    if (dim == 1)
      continue;
    if (!shape.empty() && strides.back() == stride * dim) {
      shape.back() *= dim;
      strides.back() = stride;
      continue;
    }
    shape.push_back(dim);
    strides.push_back(stride);
  }
  if (shape.empty())
    return {{1}, {0}};
  return {shape, strides};
}

/// The runtime kernel bnnc_reduce_<kind>_<type> (kernels_data.h).
LogicalResult GenericKernels::reduce(bnn::ReduceOp op, CEmitter &e) {
  auto in = tensorType(op.getInput()).getShape();
  auto [shape, outStrides] = reductionView(in, op.getAxes());
  if (failed(checkKernelRank(op, shape.size())))
    return failure();
  int64_t outCount = tensorType(op.getOutput()).getNumElements();
  ParamStruct p(e, "bnnc_reduce_params");
  p.field("rank", static_cast<int64_t>(shape.size()))
      .array("shape", shape)
      .array("out_strides", outStrides)
      .field("out_count", outCount)
      .field("count", outCount ? shapeProduct(in) / outCount : 0);
  emitKernelCall(
      e,
      ("bnnc_reduce_" + bnn::stringifyReduceKind(op.getKind()) + "_" +
       typeSuffix(op.getOutput()))
          .str(),
      {p.finish(), e.input(op.getInput()), e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::argReduce(bnn::ArgReduceOp op, CEmitter &e) {
  auto [outer, n, inner] =
      around(tensorType(op.getInput()).getShape(), op.getAxis());
  emitKernelCall(e, "bnnc_argreduce_f32",
                 {std::to_string(outer), std::to_string(n),
                  std::to_string(inner),
                  op.getKind() == bnn::ReduceKind::min ? "1" : "0",
                  op.getSelectLastIndex() ? "1" : "0", e.input(op.getInput()),
                  e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::softmax(bnn::SoftmaxOp op, CEmitter &e) {
  auto [outer, n, inner] =
      around(tensorType(op.getInput()).getShape(), op.getAxis());
  emitKernelCall(e, "bnnc_softmax_f32",
                 {std::to_string(outer), std::to_string(n),
                  std::to_string(inner), op.getLog() ? "1" : "0",
                  e.input(op.getInput()), e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::layerNorm(bnn::LayerNormOp op, CEmitter &e) {
  auto shape = tensorType(op.getInput()).getShape();
  int64_t axis = op.getAxis();
  emitKernelCall(
      e, "bnnc_layernorm_f32",
      {std::to_string(shapeProduct(shape.take_front(axis))),
       std::to_string(shapeProduct(shape.drop_front(axis))),
       e.input(op.getInput()), e.input(op.getScale(), "scale"),
       optionalInput(e, op.getBias(), "bias"),
       CEmitter::floatLiteral(op.getEpsilon().convertToDouble(), false),
       e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::gelu(bnn::GeluOp op, CEmitter &e) {
  emitKernelCall(
      e, "bnnc_gelu_f32",
      {std::to_string(tensorType(op.getInput()).getNumElements()),
       op.getApproximate() == bnn::GeluApproximation::tanh ? "1" : "0",
       e.input(op.getInput()), e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::binAttentionScores(bnn::BinAttentionScoresOp op,
                                                 CEmitter &e) {
  auto p = tensorType(op.getOutput()).getShape();
  int64_t groups = p[0], queries = p[1];
  int64_t keys = tensorType(op.getKeys()).getDimSize(0) / groups;
  emitKernelCall(e, "bnnc_battn_scores",
                 {std::to_string(groups), std::to_string(queries),
                  std::to_string(keys), std::to_string(op.getDim()),
                  "(const uint32_t *)" + e.input(op.getQueries()),
                  "(const uint32_t *)" + e.input(op.getKeys()),
                  "(uint32_t *)" + e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::binAttentionContext(bnn::BinAttentionContextOp op,
                                                  CEmitter &e) {
  auto c = tensorType(op.getOutput()).getShape();
  emitKernelCall(e, "bnnc_battn_context",
                 {std::to_string(c[0]), std::to_string(c[1]),
                  std::to_string(op.getKeys()), std::to_string(c[2]),
                  "(const uint32_t *)" + e.input(op.getScores()),
                  "(const uint32_t *)" + e.input(op.getValues()),
                  e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::cumsum(bnn::CumSumOp op, CEmitter &e) {
  auto [outer, n, inner] =
      around(tensorType(op.getInput()).getShape(), op.getAxis());
  emitKernelCall(e, "bnnc_cumsum_" + typeSuffix(op.getOutput()),
                 {std::to_string(outer), std::to_string(n),
                  std::to_string(inner), op.getExclusive() ? "1" : "0",
                  op.getReverse() ? "1" : "0", e.input(op.getInput()),
                  e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::topk(bnn::TopKOp op, CEmitter &e) {
  auto [outer, n, inner] =
      around(tensorType(op.getInput()).getShape(), op.getAxis());
  int64_t k = tensorType(op.getOutput()).getDimSize(op.getAxis());
  std::string y = e.output(op.getOutput());
  emitKernelCall(e, "bnnc_topk_f32",
                 {std::to_string(outer), std::to_string(n),
                  std::to_string(inner), std::to_string(k),
                  op.getLargest() ? "1" : "0", e.input(op.getInput()),
                  op.getValues() ? y : "NULL", op.getValues() ? "NULL" : y});
  return success();
}

std::string GenericKernels::packParams(bnn::PackOp op, CEmitter &e) {
  auto x = shapeOf(op.getInput());
  ParamStruct p(e, "bnnc_bpack_params");
  p.field("n", x[0]).field("c", x[1]).field("h", x[2]).field("w", x[3]);
  p.field("group", op.getGroup());
  return p.finish();
}

LogicalResult GenericKernels::pack(bnn::PackOp op, CEmitter &e) {
  std::string params = packParams(op, e);
  std::string y = "(uint32_t *)" + e.output(op.getOutput());
  if (op.getThreshold())
    emitKernelCall(e, "bnnc_pack_threshold_f32_nchw_to_nhwc32",
                   {params, e.input(op.getInput()),
                    e.input(op.getThreshold(), "threshold"), "NULL", y});
  else
    emitKernelCall(e, "bnnc_pack_f32_nchw_to_nhwc32",
                   {params, e.input(op.getInput()), y});
  return success();
}

LogicalResult GenericKernels::packLayerNorm(bnn::PackLayerNormOp op,
                                            CEmitter &e) {
  auto x = shapeOf(op.getInput());
  int64_t d = x.back();
  emitKernelCall(
      e, "bnnc_pack_layernorm_f32",
      {std::to_string(shapeProduct(x) / d), std::to_string(d),
       e.input(op.getInput()), e.input(op.getThreshold(), "threshold"),
       e.input(op.getFlip(), "flip"),
       CEmitter::floatLiteral(op.getEpsilon().convertToDouble(), false),
       "(uint32_t *)" + e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::bmaxpool(bnn::BMaxPool2DOp op, CEmitter &e) {
  auto x = shapeOf(op.getInput()), y = shapeOf(op.getOutput());
  ParamStruct p(e, "bnnc_bpool2d_params");
  p.field("n", x[0])
      .field("c", op.getChannels())
      .field("h", x[1])
      .field("w", x[2])
      .field("group", op.getGroup());
  p.field("oh", y[1]).field("ow", y[2]);
  p.field("kh", op.getKernel()[0]).field("kw", op.getKernel()[1]);
  p.window(op.getStrides(), op.getPads(), op.getDilations());
  std::string params = p.finish();
  std::string in = "(const uint32_t *)" + e.input(op.getInput());
  std::string out = "(uint32_t *)" + e.output(op.getOutput());
  // Channels with a negative scale before the pool reduce with OR (min).
  if (op.getOrMask())
    emitKernelCall(e, "bnnc_bminmaxpool2d32",
                   {params,
                    "(const uint32_t *)" + e.input(op.getOrMask(), "or_mask"),
                    in, out});
  else
    emitKernelCall(e, "bnnc_bmaxpool2d32", {params, in, out});
  return success();
}

std::string GenericKernels::bconv2dParams(bnn::BConv2DOp op, CEmitter &e) {
  auto x = shapeOf(op.getInput()), y = shapeOf(op.getOutput());
  ParamStruct p(e, "bnnc_bconv2d_params");
  p.field("n", x[0])
      .field("c", op.getChannels())
      .field("h", x[1])
      .field("w", x[2]);
  // A float result is NCHW; a bits result is [N, OH, OW, words].
  int64_t oh = op.writesBits() ? y[1] : y[2],
          ow = op.writesBits() ? y[2] : y[3];
  p.field("m", op.getOutChannels())
      .field("kh", op.getKernel()[0])
      .field("kw", op.getKernel()[1]);
  p.field("oh", oh).field("ow", ow);
  p.window(op.getStrides(), op.getPads(), op.getDilations());
  // pad_value 0 is ONNX zero padding (only in-bounds taps count); +1 is
  // LCE's one-padding (every tap counts, padded ones as +1 inputs).
  p.field("group", op.getGroup()).field("pad_value", op.padValue());
  return p.finish();
}

/// bit = (dot < threshold[o]) XOR flip[o], packed for the next layer.
std::string GenericKernels::bitsEpilogue(bnn::BConv2DOp op, CEmitter &e) {
  std::string epilogue = e.freshName(e.currentNodeId() + "_bits");
  std::string threshold = e.input(op.getThreshold(), "threshold");
  std::string flip = op.getFlip() ? e.input(op.getFlip(), "flip") : "NULL";
  e.globals() << "static const bnnc_bbits_epilogue " << epilogue
              << " = {\n    .threshold = " << threshold << ", .flip = " << flip
              << ", .out_group = " << op.getOutGroup() << ",\n};\n\n";
  return "&" + epilogue;
}

/// y = act(dot * scale[o] + bias[o]).
std::string GenericKernels::floatEpilogue(bnn::BConv2DOp op, CEmitter &e) {
  std::string epilogue = e.freshName(e.currentNodeId() + "_epilogue");
  std::string scale = op.getScale() ? e.input(op.getScale(), "scale") : "NULL";
  std::string bias = op.getBias() ? e.input(op.getBias(), "bias") : "NULL";
  std::string slope = op.getSlope() ? e.input(op.getSlope(), "slope") : "NULL";
  e.globals() << "static const bnnc_bfloat_epilogue " << epilogue
              << " = {\n    .scale = " << scale << ", .bias = " << bias
              << ",\n    .activation = "
              << activationConstant(op.getActivation())
              << ", .slope = " << slope
              << ",\n    .clamp_lo = " << floatOrZero(op.getClampLo())
              << ", .clamp_hi = " << floatOrZero(op.getClampHi())
              << ",\n};\n\n";
  return "&" + epilogue;
}

std::string GenericKernels::int8Epilogue(bnn::BConv2DOp op, CEmitter &e) {
  ParamStruct q(e, "bnnc_bq8_epilogue");
  q.raw("params", e.input(op.getQparams(), "qparams"));
  return q.finish();
}

std::string GenericKernels::int8OutputSigned(bnn::BConv2DOp op) {
  return tensorType(op.getOutput()).getElementType().isUnsignedInteger() ? "0"
                                                                         : "1";
}

LogicalResult GenericKernels::bconv2d(bnn::BConv2DOp op, CEmitter &e) {
  auto w = cast<RankedTensorType>(op.getWeight().getType());
  if (!w.getElementType().isInteger(32))
    return op.emitError("binary weights are not packed; run bnn-bitpack");
  std::string params = bconv2dParams(op, e);
  std::string x = "(const uint32_t *)" + e.input(op.getInput());
  std::string weights =
      "(const uint32_t *)" + e.input(op.getWeight(), "weight");
  if (op.writesQuantized())
    emitKernelCall(e, "bnnc_bconv2d32_q8",
                   {params, x, weights, int8Epilogue(op, e),
                    int8OutputSigned(op), e.output(op.getOutput())});
  else if (op.writesBits())
    emitKernelCall(e, "bnnc_bconv2d32_bits",
                   {params, x, weights, bitsEpilogue(op, e),
                    "(uint32_t *)" + e.output(op.getOutput())});
  else
    emitKernelCall(
        e, "bnnc_bconv2d32_float",
        {params, x, weights, floatEpilogue(op, e), e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::avgpool(bnn::AvgPool2DOp op, CEmitter &e) {
  auto x = shapeOf(op.getInput()), y = shapeOf(op.getOutput());
  ParamStruct p(e, "bnnc_avgpool2d_params");
  p.raw("pool", poolFields(x, y, op.getKernel(), op.getStrides(), op.getPads(),
                           op.getDilations()));
  p.field("pad_bottom", op.getPads()[2]).field("pad_right", op.getPads()[3]);
  p.field("count_include_pad", int64_t(op.getCountIncludePad()));
  emitKernelCall(
      e, "bnnc_avgpool2d_f32",
      {p.finish(), e.input(op.getInput()), e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::maxpool(bnn::MaxPool2DOp op, CEmitter &e) {
  auto x = shapeOf(op.getInput()), y = shapeOf(op.getOutput());
  ParamStruct p(e, "bnnc_pool2d_params");
  p.field("n", x[0]).field("c", x[1]).field("h", x[2]).field("w", x[3]);
  p.field("oh", y[2]).field("ow", y[3]);
  p.field("kh", op.getKernel()[0]).field("kw", op.getKernel()[1]);
  p.window(op.getStrides(), op.getPads(), op.getDilations());
  // int8/uint8 pools (bnn-fuse-qdq) are kernels_int8.h's.
  Type element = tensorType(op.getInput()).getElementType();
  std::string suffix = "f32";
  if (element.isInteger(8)) {
    e.requireRuntimeHeader("bnnc/kernels_int8.h");
    suffix = element.isUnsignedInteger() ? "u8" : "i8";
  }
  emitKernelCall(
      e, "bnnc_maxpool2d_" + suffix,
      {p.finish(), e.input(op.getInput()), e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::channelAffine(bnn::ChannelAffineOp op,
                                            CEmitter &e) {
  auto x = shapeOf(op.getInput());
  emitKernelCall(e, "bnnc_channel_affine_f32",
                 {std::to_string(x[0]), std::to_string(x[1]),
                  std::to_string(shapeProduct(x.drop_front(2))),
                  e.input(op.getInput()), e.input(op.getScale(), "scale"),
                  e.input(op.getShift(), "shift"), e.output(op.getOutput())});
  return success();
}
std::unique_ptr<TargetKernels> createGenericKernels(StringRef /*core*/) {
  return std::make_unique<GenericKernels>();
}

//===----------------------------------------------------------------------===//
// Recurrent layers (issue 16)
//===----------------------------------------------------------------------===//

std::string GenericKernels::recurrentParams(bnn::RecurrentOp op, CEmitter &e) {
  auto x = shapeOf(op.getInput()), w = shapeOf(op.getWeight());
  int64_t gates = op.getGateCount();
  ParamStruct p(e, "bnnc_recurrent_params");
  p.field("gates", gates).field("seq", x[0]).field("batch", x[1]);
  p.field("input", x[2]).field("hidden", w[1] / gates).field("dirs", w[0]);
  p.field("reverse", op.getReverse());
  p.field("linear_before_reset", op.getLinearBeforeReset());
  p.field("input_forget", op.getInputForget());
  p.field("has_clip", op.getClip().has_value());
  p.floatField("clip", op.getClip() ? op.getClip()->convertToFloat() : 0.0f);
  SmallVector<int64_t> acts(op.getActivations().begin(),
                            op.getActivations().end());
  p.array("act", acts);
  auto floats = [](ArrayRef<float> values) {
    return "{" +
           join(map_range(
                    values,
                    [](float v) { return CEmitter::floatLiteral(v, false); }),
                ", ") +
           "}";
  };
  p.raw("alpha", floats(op.getActivationAlpha()));
  p.raw("beta", floats(op.getActivationBeta()));
  return p.finish();
}

LogicalResult GenericKernels::recurrent(bnn::RecurrentOp op, CEmitter &e) {
  emitRecurrentCall(op, e, "bnnc_recurrent_f32");
  return success();
}

void GenericKernels::emitRecurrentCall(bnn::RecurrentOp op, CEmitter &e,
                                       StringRef fn) {
  emitKernelCall(e, fn,
                 {recurrentParams(op, e), e.input(op.getInput()),
                  e.input(op.getWeight(), "weight"),
                  e.input(op.getRecurrence(), "recurrence"),
                  optionalInput(e, op.getBias(), "bias"),
                  optionalInput(e, op.getInitialH(), "initial_h"),
                  optionalInput(e, op.getInitialC(), "initial_c"),
                  optionalInput(e, op.getPeephole(), "peephole"),
                  optionalInput(e, op.getSeqLens(), "seq_lens"),
                  e.output(op.getOutput())});
}

} // namespace bnnc
