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
