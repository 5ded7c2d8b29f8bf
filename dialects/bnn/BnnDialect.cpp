//===- BnnDialect.cpp - bnn dialect registration and helpers --------------===//
//
// The op verifiers are in BnnVerifiers.cpp.
//

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
