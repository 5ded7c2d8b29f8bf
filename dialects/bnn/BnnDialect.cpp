//===- BnnDialect.cpp - bnn dialect registration and verifiers ------------===//

#include "dialects/bnn/BnnDialect.h"
#include "dialects/bnn/ElementwiseKinds.h"
#include "dialects/onnx/ShapeUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace bnnc::bnn;

#include "dialects/bnn/BnnDialect.cpp.inc"
#include "dialects/bnn/BnnEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/bnn/BnnAttrs.cpp.inc"

void BnnDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/bnn/BnnAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/bnn/BnnOps.cpp.inc"
      >();
}

Operation *BnnDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  if (auto elements = dyn_cast<ElementsAttr>(value))
    if (elements.getType() == type)
      return builder.create<ConstantOp>(loc, type, elements);
  return nullptr;
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

static RankedTensorType rankedType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

LogicalResult ReshapeOp::verify() {
  auto in = rankedType(getInput()), out = rankedType(getOutput());
  if (in.getElementType() != out.getElementType() ||
      in.getNumElements() != out.getNumElements())
    return emitOpError("cannot view ") << in << " as " << out;
  return success();
}

/// The float kernels fuse ReLU only (prelu and clamp are binary epilogues).
static LogicalResult verifyFloatActivation(Operation *op, Activation a) {
  if (a != Activation::none && a != Activation::relu)
    return op->emitOpError("float kernels support activation none or relu");
  return success();
}

LogicalResult GeluOp::verify() {
  if (getApproximate() != "none" && getApproximate() != "tanh")
    return emitOpError("approximate must be \"none\" or \"tanh\", got \"")
           << getApproximate() << "\"";
  return success();
}

LogicalResult Conv2DOp::verify() {
  if (failed(verifyFloatActivation(*this, getActivation())))
    return failure();
  auto x = rankedType(getInput()), w = rankedType(getWeight());
  auto y = rankedType(getOutput());
  if (x.getRank() != 4 || w.getRank() != 4 || y.getRank() != 4)
    return emitOpError("expects 4-D input, weight and output");
  if (getStrides().size() != 2 || getDilations().size() != 2 ||
      getPads().size() != 4)
    return emitOpError("expects 2 strides, 2 dilations and 4 pads");
  int64_t group = getGroup();
  if (group < 1 || x.getDimSize(1) != w.getDimSize(1) * group ||
      w.getDimSize(0) % group != 0 || y.getDimSize(1) != w.getDimSize(0))
    return emitOpError("channel counts do not match group ") << group;
  if (getBias() && rankedType(getBias()).getShape() !=
                       ArrayRef<int64_t>{w.getDimSize(0)})
    return emitOpError("bias must have one value per output channel");
  // Output extent = floor((in + pads - dilated kernel) / stride) + 1.
  for (int i = 0; i < 2; ++i) {
    int64_t extent = (w.getDimSize(2 + i) - 1) * getDilations()[i] + 1;
    int64_t span = x.getDimSize(2 + i) + getPads()[i] + getPads()[2 + i] -
                   extent;
    if (span < 0 || y.getDimSize(2 + i) != span / getStrides()[i] + 1)
      return emitOpError("output spatial size does not match the geometry");
  }
  return success();
}

LogicalResult GemmOp::verify() {
  if (failed(verifyFloatActivation(*this, getActivation())))
    return failure();
  auto a = rankedType(getA()), b = rankedType(getB());
  auto y = rankedType(getOutput());
  if (a.getRank() != 2 || b.getRank() != 2 || y.getRank() != 2)
    return emitOpError("expects 2-D operands");
  int64_t m = a.getDimSize(getTransA() ? 1 : 0);
  int64_t k = a.getDimSize(getTransA() ? 0 : 1);
  int64_t kb = b.getDimSize(getTransB() ? 1 : 0);
  int64_t n = b.getDimSize(getTransB() ? 0 : 1);
  if (k != kb || y.getShape() != ArrayRef<int64_t>{m, n})
    return emitOpError("operand shapes do not form a ") << m << "x" << n
                                                        << " product";
  if (getC()) {
    auto c = rankedType(getC());
    auto shape = bnnc::broadcastShapes(c.getShape(), {m, n});
    if (c.getRank() > 2 || !shape || ArrayRef<int64_t>(*shape) != y.getShape())
      return emitOpError("c does not broadcast to the result");
  }
  return success();
}

LogicalResult MatMulOp::verify() {
  auto a = rankedType(getA()), b = rankedType(getB());
  auto y = rankedType(getOutput());
  if (a.getRank() < 2 || b.getRank() < 2)
    return emitOpError("expects operands of rank >= 2");
  auto batch = bnnc::broadcastShapes(a.getShape().drop_back(2),
                                     b.getShape().drop_back(2));
  if (!batch || a.getShape().back() != b.getShape()[b.getRank() - 2])
    return emitOpError("operands are not matmul-compatible");
  SmallVector<int64_t> expected(*batch);
  expected.push_back(a.getShape()[a.getRank() - 2]);
  expected.push_back(b.getShape().back());
  if (y.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result shape does not match the operands");
  return success();
}

ArrayRef<ElementwiseKind> bnnc::bnn::elementwiseKinds() {
  using R = ResultRule;
  static const ElementwiseKind kinds[] = {
      {"relu", 1, R::SameAsFirst},        {"sign", 1, R::SameAsFirst},
      {"abs", 1, R::SameAsFirst},         {"neg", 1, R::SameAsFirst},
      {"ceil", 1, R::SameAsFirst},        {"floor", 1, R::SameAsFirst},
      {"round", 1, R::SameAsFirst},       {"exp", 1, R::SameAsFirst},
      {"log", 1, R::SameAsFirst},         {"sqrt", 1, R::SameAsFirst},
      {"reciprocal", 1, R::SameAsFirst},  {"sigmoid", 1, R::SameAsFirst},
      {"tanh", 1, R::SameAsFirst},        {"erf", 1, R::SameAsFirst},
      {"softplus", 1, R::SameAsFirst},    {"hard_swish", 1, R::SameAsFirst},
      {"elu", 1, R::SameAsFirst},         {"leaky_relu", 1, R::SameAsFirst},
      {"selu", 1, R::SameAsFirst},        {"hard_sigmoid", 1, R::SameAsFirst},
      {"not", 1, R::Bool},                {"cast", 1, R::Any},
      {"bipolar", 1, R::SameAsFirst},
      {"add", 2, R::SameAsFirst},         {"sub", 2, R::SameAsFirst},
      {"mul", 2, R::SameAsFirst},         {"div", 2, R::SameAsFirst},
      {"pow", 2, R::SameAsFirst},         {"prelu", 2, R::SameAsFirst},
      {"max", 2, R::SameAsFirst},         {"min", 2, R::SameAsFirst},
      {"equal", 2, R::Bool},              {"greater", 2, R::Bool},
      {"greater_equal", 2, R::Bool},      {"less", 2, R::Bool},
      {"less_equal", 2, R::Bool},         {"and", 2, R::Bool},
      {"or", 2, R::Bool},                 {"where", 3, R::SameAsSecond},
  };
  return kinds;
}

const ElementwiseKind *bnnc::bnn::lookupElementwiseKind(StringRef name) {
  for (const ElementwiseKind &kind : elementwiseKinds())
    if (kind.name == name)
      return &kind;
  return nullptr;
}

LogicalResult ElementwiseOp::verify() {
  const ElementwiseKind *kind = lookupElementwiseKind(getKind());
  if (!kind)
    return emitOpError("unknown elementwise kind '") << getKind() << "'";
  if (getInputs().size() != kind->arity)
    return emitOpError("'") << getKind() << "' takes " << kind->arity
                            << " operands, got " << getInputs().size();
  SmallVector<int64_t> shape;
  for (Value input : getInputs()) {
    auto broadcast = bnnc::broadcastShapes(shape, rankedType(input).getShape());
    if (!broadcast)
      return emitOpError("operands are not broadcast-compatible");
    shape = *broadcast;
  }
  auto result = rankedType(getOutput());
  if (result.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("result is not the broadcast of the operands");
  Type element = result.getElementType();
  switch (kind->result) {
  case ResultRule::SameAsFirst:
    if (element != rankedType(getInputs()[0]).getElementType())
      return emitOpError("result element type must be the first operand's");
    break;
  case ResultRule::SameAsSecond:
    if (element != rankedType(getInputs()[1]).getElementType())
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
  if (getStrides().size() != static_cast<size_t>(rankedType(getOutput()).getRank()))
    return emitOpError("needs one stride per result dimension");
  if (rankedType(getInput()).getElementType() !=
      rankedType(getOutput()).getElementType())
    return emitOpError("input and result element types must match");
  return success();
}

LogicalResult MaxPool2DOp::verify() {
  auto x = rankedType(getInput()), y = rankedType(getOutput());
  if (x.getRank() != 4 || y.getRank() != 4 ||
      x.getShape().take_front(2) != y.getShape().take_front(2))
    return emitOpError("expects NCHW input and output with equal N and C");
  if (getKernel().size() != 2 || getStrides().size() != 2 ||
      getDilations().size() != 2 || getPads().size() != 4)
    return emitOpError("expects 2 kernel sizes, strides, dilations, 4 pads");
  return success();
}

LogicalResult ChannelAffineOp::verify() {
  auto x = rankedType(getInput());
  if (x.getRank() < 2 || getOutput().getType() != x)
    return emitOpError("expects rank >= 2 and a result of the input type");
  int64_t channels[] = {x.getDimSize(1)};
  if (rankedType(getScale()).getShape() != ArrayRef(channels) ||
      rankedType(getShift()).getShape() != ArrayRef(channels))
    return emitOpError("scale and shift need one value per channel");
  return success();
}

Value bnnc::bnn::viewSource(Value v, bool singleUse) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isView(def) || (singleUse && !def->hasOneUse()))
      break;
    v = def->getOperand(0);
  }
  return v;
}

int64_t bnnc::bnn::tensorBytes(Type type) {
  auto t = cast<RankedTensorType>(type);
  return t.getNumElements() *
         std::max<int64_t>(1, t.getElementType().getIntOrFloatBitWidth() / 8);
}

SmallVector<std::string> bnnc::bnn::nodeNames(Location loc) {
  SmallVector<std::string> names;
  loc->walk([&](Location l) {
    if (auto name = dyn_cast<NameLoc>(l))
      names.push_back(name.getName().str());
    return WalkResult::advance();
  });
  return names;
}

/// 32-bit words per packed pixel: each group's channels packed separately.
int64_t bnnc::bnn::packedWords(int64_t channels, int64_t group) {
  return group * ((channels / group + 31) / 32);
}

LogicalResult PackOp::verify() {
  auto x = rankedType(getInput()), y = rankedType(getOutput());
  int64_t group = getGroup();
  if (x.getRank() != 4 || y.getRank() != 4 || group < 1 ||
      x.getDimSize(1) % group != 0)
    return emitOpError("expects NCHW input with channels divisible by group");
  SmallVector<int64_t> expected = {x.getDimSize(0), x.getDimSize(2),
                                   x.getDimSize(3),
                                   packedWords(x.getDimSize(1), group)};
  if (y.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result must be [N, H, W, words] = [")
           << expected[0] << ", " << expected[1] << ", " << expected[2] << ", "
           << expected[3] << "]";
  return success();
}

LogicalResult BConv2DOp::verify() {
  auto y = rankedType(getOutput());
  if (y.getRank() != 4 || getKernel().size() != 2 || getStrides().size() != 2 ||
      getDilations().size() != 2 || getPads().size() != 4)
    return emitOpError("expects a 4-D output, 2 kernel sizes, strides, "
                       "dilations and 4 pads");
  int64_t m = getOutChannels();
  for (Value v : {getScale(), getBias(), getThreshold(), getFlip()})
    if (v && rankedType(v).getShape() != ArrayRef<int64_t>{m})
      return emitOpError("epilogue constants need one value per output channel");
  if (writesBits()) {
    if (!getThreshold() || getScale() || getBias() ||
        getActivation() != Activation::none)
      return emitOpError("a bits epilogue has thresholds and nothing else");
    if (y.getDimSize(3) != packedWords(m, getOutGroup()))
      return emitOpError("bits result must hold ")
             << packedWords(m, getOutGroup()) << " words per pixel";
  } else {
    if (getThreshold() || getFlip())
      return emitOpError("thresholds need a packed i32 result");
    if (y.getDimSize(1) != m)
      return emitOpError("float result must be NCHW with ") << m
                                                            << " channels";
  }
  if ((getActivation() == Activation::prelu) != static_cast<bool>(getSlope()))
    return emitOpError("a prelu epilogue needs a slope, and only it");
  if (getActivation() == Activation::clamp && (!getClampLo() || !getClampHi()))
    return emitOpError("a clamp epilogue needs clamp_lo and clamp_hi");
  auto w = rankedType(getWeight());
  if (w.getElementType().isF32()) {
    if (w.getRank() != 4 || w.getDimSize(1) * getGroup() != getChannels())
      return emitOpError("float weights must be OIHW [M, C/group, kh, kw]");
  } else if (!w.getElementType().isInteger(32) || w.getRank() != 4) {
    return emitOpError("packed weights must be i32 [M, kh, kw, words]");
  }
  return success();
}

#define GET_OP_CLASSES
#include "dialects/bnn/BnnOps.cpp.inc"
