//===- Loops.h - C loop nests over strided tensor accesses ----------------===//
//
// Data movement and elementwise kernels of the generic target are emitted
// as plain nested C loops specialised to the shapes: every tensor access is
// `base[offset + sum_d i_d * stride_d]`. Dimensions that are contiguous for
// every access are merged first, so same-shape elementwise ops become one
// flat loop.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_TARGETS_GENERIC_LOOPS_H
#define BNNC_TARGETS_GENERIC_LOOPS_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace bnnc {

struct Access {
  int64_t offset = 0;
  llvm::SmallVector<int64_t> strides; // one per loop dimension
};

/// Writes loops over `shape` at `indent` spaces; `body` writes the innermost
/// statements given the C index expression of each access.
void emitLoopNest(llvm::raw_ostream &os, llvm::ArrayRef<int64_t> shape,
                  llvm::ArrayRef<Access> accesses,
                  llvm::function_ref<void(llvm::raw_ostream &,
                                          llvm::ArrayRef<std::string>,
                                          int indent)>
                      body,
                  int indent = 2);

/// The access of a row-major tensor of `shape` read at the same indices.
Access rowMajorAccess(llvm::ArrayRef<int64_t> shape);

} // namespace bnnc

#endif // BNNC_TARGETS_GENERIC_LOOPS_H
