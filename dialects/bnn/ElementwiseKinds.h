//===- ElementwiseKinds.h - The functions bnn.elementwise computes --------===//
//
// One table shared by the verifier (arity, result type rule), the lowering
// (ONNX op -> kind) and the C emitters (kind -> C expression).
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_DIALECTS_BNN_ELEMENTWISEKINDS_H
#define BNNC_DIALECTS_BNN_ELEMENTWISEKINDS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace bnnc::bnn {

enum class ResultRule {
  SameAsFirst,  // arithmetic: the first operand's element type
  SameAsSecond, // where(c, x, y): the type of x
  Bool,         // comparisons and logic
  Any,          // cast: the result type is the target type
};

struct ElementwiseKind {
  llvm::StringLiteral name;
  unsigned arity;
  ResultRule result;
};

/// Every kind, in a fixed order.
llvm::ArrayRef<ElementwiseKind> elementwiseKinds();

/// The kind called `name`, or null.
const ElementwiseKind *lookupElementwiseKind(llvm::StringRef name);

} // namespace bnnc::bnn

#endif // BNNC_DIALECTS_BNN_ELEMENTWISEKINDS_H
