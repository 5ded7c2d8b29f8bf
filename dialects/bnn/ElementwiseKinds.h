//===- ElementwiseKinds.h - The functions bnn.elementwise computes --------===//
//
// The ElementwiseKind enum and each kind's arity and result-type rule, from
// the one table dialects/ElementwiseKinds.def.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_DIALECTS_BNN_ELEMENTWISEKINDS_H
#define BNNC_DIALECTS_BNN_ELEMENTWISEKINDS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <optional>

namespace bnnc::bnn {

enum class ElementwiseKind {
#define BNNC_ELEMENTWISE(ENUM, NAME, ARITY, RESULT, INTEGER_SAFE) ENUM,
#include "dialects/ElementwiseKinds.def"
};

enum class ResultRule {
  SameAsFirst,  // arithmetic: the first operand's element type
  SameAsSecond, // where(c, x, y): the type of x
  Bool,         // comparisons and logic
  Any,          // cast: the result type is the target type
};

struct ElementwiseKindInfo {
  ElementwiseKind kind;
  llvm::StringLiteral name; // the IR spelling: "add", "hard_swish", ...
  unsigned arity;
  ResultRule result;
  bool integerSafe; // has a meaning on integer operands
  /// The C expression of a float unary kind ("" for the others).
  llvm::StringLiteral floatC;
};

/// Every kind, in the order of ElementwiseKinds.def.
llvm::ArrayRef<ElementwiseKindInfo> elementwiseKinds();
const ElementwiseKindInfo &infoOf(ElementwiseKind kind);

/// The kind spelled `name`, or nullopt.
std::optional<ElementwiseKind> symbolizeElementwiseKind(llvm::StringRef name);
llvm::StringRef stringifyElementwiseKind(ElementwiseKind kind);

} // namespace bnnc::bnn

#endif // BNNC_DIALECTS_BNN_ELEMENTWISEKINDS_H
