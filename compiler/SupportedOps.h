//===- SupportedOps.h - The ONNX operators bnnc compiles ------------------===//
//
// The declarative list of what bnnc accepts: operator, opset range and
// element types. The importer rejects anything outside it up front,
// `bnnc --check-support` reports against it, `bnnc --list-supported-ops`
// prints it, and the conformance suite selects its tests from it and
// generates docs/supported-ops.md.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_COMPILER_SUPPORTEDOPS_H
#define BNNC_COMPILER_SUPPORTEDOPS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

namespace bnnc {

/// Element types as bits of a mask, named as in ONNX.
enum DtypeMask : uint32_t {
  kFloat = 1u << 0,
  kInt64 = 1u << 1,
  kInt32 = 1u << 2,
  kInt8 = 1u << 3,
  kUint8 = 1u << 4,
  kBool = 1u << 5,
  kIntegers = kInt64 | kInt32 | kInt8 | kUint8,
  kNumeric = kFloat | kIntegers,
  kAllTypes = kNumeric | kBool,
};

struct SupportedOp {
  llvm::StringLiteral name;
  int64_t minOpset, maxOpset;
  uint32_t dtypes; // every tensor the node reads or writes
};

llvm::ArrayRef<SupportedOp> supportedOps();

/// The entry for an op of the default domain at `opset`, or null.
const SupportedOp *findSupportedOp(llvm::StringRef name, int64_t opset);

/// The mask bit of an ONNX TensorProto.DataType, or 0 if bnnc has none.
uint32_t dtypeBit(int32_t onnxDataType);

/// "float,int64,...": the names of the types in a mask.
std::string dtypeNames(uint32_t mask);

/// One line per op: "<Op> <min opset> <max opset> <dtype>,<dtype>...".
void printSupportedOps(llvm::raw_ostream &os);

} // namespace bnnc

#endif // BNNC_COMPILER_SUPPORTEDOPS_H
