//===- BnnDialect.cpp - bnn dialect registration and helpers --------------===//
//
// The op verifiers are in BnnVerifiers.cpp.
//

#include "dialects/bnn/BnnDialect.h"
#include "dialects/bnn/ElementwiseKinds.h"
#include "dialects/onnx/ShapeUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

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

ArrayRef<ElementwiseKindInfo> bnnc::bnn::elementwiseKinds() {
  static const ElementwiseKindInfo kinds[] = {
#define BNNC_ELEMENTWISE(ENUM, NAME, ARITY, RESULT, INTEGER_SAFE)              \
  {ElementwiseKind::ENUM, NAME, ARITY, ResultRule::RESULT, INTEGER_SAFE, ""},
#define BNNC_FLOAT_UNARY(ENUM, NAME, ONNX, OPSET, ALPHA, BETA, C_EXPR, FOLD)   \
  {ElementwiseKind::ENUM, NAME, 1, ResultRule::SameAsFirst, false, C_EXPR},
#include "dialects/ElementwiseKinds.def"
  };
  return kinds;
}

const ElementwiseKindInfo &bnnc::bnn::infoOf(ElementwiseKind kind) {
  return elementwiseKinds()[static_cast<size_t>(kind)];
}

std::optional<ElementwiseKind>
bnnc::bnn::symbolizeElementwiseKind(StringRef name) {
  for (const ElementwiseKindInfo &info : elementwiseKinds())
    if (info.name == name)
      return info.kind;
  return std::nullopt;
}

StringRef bnnc::bnn::stringifyElementwiseKind(ElementwiseKind kind) {
  return infoOf(kind).name;
}

/// The kind as a quoted string, "relu": the IR reads as it did when kinds
/// were string attributes.
void ElementwiseKindAttr::print(AsmPrinter &printer) const {
  printer << '"' << stringifyElementwiseKind(getValue()) << '"';
}

Attribute ElementwiseKindAttr::parse(AsmParser &parser, Type) {
  std::string name;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseString(&name))
    return {};
  std::optional<ElementwiseKind> kind = symbolizeElementwiseKind(name);
  if (!kind) {
    parser.emitError(loc, "unknown elementwise kind '") << name << "'";
    return {};
  }
  return ElementwiseKindAttr::get(parser.getContext(), *kind);
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

std::optional<int64_t> bnnc::bnn::arenaOffset(Value v) {
  auto result = dyn_cast<OpResult>(v);
  if (!result)
    return std::nullopt;
  Operation *op = result.getOwner();
  if (op->getNumResults() > 1) {
    auto all = op->getAttrOfType<DenseI64ArrayAttr>(kResultOffsetsAttr);
    if (!all || all.size() != static_cast<int64_t>(op->getNumResults()) ||
        all[result.getResultNumber()] < 0)
      return std::nullopt;
    return all[result.getResultNumber()];
  }
  if (auto offset = op->getAttrOfType<IntegerAttr>(kOffsetAttr))
    return offset.getInt();
  return std::nullopt;
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

#define GET_OP_CLASSES
#include "dialects/bnn/BnnOps.cpp.inc"

namespace {

/// The number of elements of a constant operand, or -1 when `v` is not a
/// constant of element type `f32` (float) or 8-bit integers (!float).
int64_t constantSize(Value v, bool isFloat) {
  DenseElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return -1;
  Type element = attr.getElementType();
  if (isFloat ? !element.isF32() : !element.isInteger(8))
    return -1;
  return attr.getNumElements();
}

} // namespace

std::optional<SmallVector<float>>
bnnc::bnn::requantizeMultipliers(RequantizeOp op) {
  DenseElementsAttr in, ws, out;
  if (!matchPattern(op.getInScale(), m_Constant(&in)) ||
      !matchPattern(op.getWScale(), m_Constant(&ws)) ||
      !matchPattern(op.getOutScale(), m_Constant(&out)) ||
      !in.getElementType().isF32() || !ws.getElementType().isF32() ||
      !out.getElementType().isF32())
    return std::nullopt;
  float inScale = *in.getValues<float>().begin();
  float outScale = *out.getValues<float>().begin();
  SmallVector<float> multipliers;
  for (float s : ws.getValues<float>()) {
    // volatile: each step rounds to float32 whatever the host's
    // FLT_EVAL_METHOD, exactly as the C kernel's float expression does.
    volatile float product = inScale * s;
    volatile float multiplier = product / outScale;
    float value = multiplier;
    if (!std::isfinite(value) || !(value > 0.0f))
      return std::nullopt;
    multipliers.push_back(value);
  }
  return multipliers;
}

RequantizeOp bnnc::bnn::fusableRequantize(QConv2DOp conv, int64_t maxPatch,
                                          int64_t maxDensePatch) {
  Value acc = conv.getOutput();
  if (!acc.hasOneUse())
    return nullptr;
  auto rq = dyn_cast<RequantizeOp>(*acc.getUsers().begin());
  auto x = cast<RankedTensorType>(conv.getInput().getType());
  auto w = cast<RankedTensorType>(conv.getWeight().getType());
  auto y = cast<RankedTensorType>(acc.getType());
  if (!rq || x.getRank() != 4 || w.getRank() != 4 || y.getRank() != 4)
    return nullptr;
  int64_t m = w.getDimSize(0),
          k = w.getDimSize(1) * w.getDimSize(2) * w.getDimSize(3);
  ArrayRef<int64_t> pads = conv.getPads();
  bool dense = y.getDimSize(2) == 1 && y.getDimSize(3) == 1 &&
               w.getDimSize(2) == x.getDimSize(2) &&
               w.getDimSize(3) == x.getDimSize(3) && pads[0] == 0 &&
               pads[1] == 0;
  auto oneOrPerChannel = [&](int64_t n) { return n == 1 || n == m; };
  if (k > (dense ? maxDensePatch : maxPatch) ||
      constantSize(conv.getWeight(), false) != m * k ||
      (conv.getWeightZeroPoint() &&
       !oneOrPerChannel(constantSize(conv.getWeightZeroPoint(), false))))
    return nullptr;
  auto multipliers = requantizeMultipliers(rq);
  if (!multipliers || !oneOrPerChannel(multipliers->size()))
    return nullptr;
  int64_t zps = rq.getZeroPoint() ? constantSize(rq.getZeroPoint(), false) : 1;
  bool perChannel = multipliers->size() > 1 || zps > 1;
  if (!oneOrPerChannel(zps) || (perChannel && rq.getAxis() != 1))
    return nullptr;
  return rq;
}
