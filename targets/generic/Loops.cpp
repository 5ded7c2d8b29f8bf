//===- Loops.cpp - C loop nests over strided tensor accesses --------------===//

#include "targets/generic/Loops.h"

#include "dialects/onnx/ShapeUtils.h"

using namespace llvm;

namespace bnnc {

Access rowMajorAccess(ArrayRef<int64_t> shape) {
  return Access{0, rowMajorStrides(shape)};
}

namespace {

/// Drops size-1 dimensions and merges d into d+1 where every access steps
/// through d exactly as if d and d+1 were one dimension.
void simplify(SmallVectorImpl<int64_t> &shape, SmallVectorImpl<Access> &acc) {
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    if (shape[d] != 1 || shape.size() == 1)
      continue;
    shape.erase(shape.begin() + d);
    for (Access &a : acc)
      a.strides.erase(a.strides.begin() + d);
  }
  for (int d = static_cast<int>(shape.size()) - 2; d >= 0; --d) {
    bool mergeable = llvm::all_of(acc, [&](const Access &a) {
      return a.strides[d] == a.strides[d + 1] * shape[d + 1];
    });
    if (!mergeable)
      continue;
    shape[d] *= shape[d + 1];
    shape.erase(shape.begin() + d + 1);
    for (Access &a : acc) {
      a.strides[d] = a.strides[d + 1];
      a.strides.erase(a.strides.begin() + d + 1);
    }
  }
}

std::string indexExpr(const Access &a) {
  std::string s;
  raw_string_ostream os(s);
  bool first = true;
  if (a.offset != 0) {
    os << a.offset;
    first = false;
  }
  for (auto [d, stride] : llvm::enumerate(a.strides)) {
    if (stride == 0)
      continue;
    if (!first)
      os << (stride < 0 ? " - " : " + ");
    else if (stride < 0)
      os << "-";
    first = false;
    os << "i" << d;
    if (std::abs(stride) != 1)
      os << " * " << std::abs(stride);
  }
  if (first)
    os << "0";
  return s;
}

} // namespace

void emitLoopNest(raw_ostream &os, ArrayRef<int64_t> shapeIn,
                  ArrayRef<Access> accessesIn,
                  function_ref<void(raw_ostream &, ArrayRef<std::string>, int)>
                      body,
                  int indent) {
  SmallVector<int64_t> shape(shapeIn);
  SmallVector<Access> accesses(accessesIn);
  if (shape.empty()) { // a scalar: one iteration, no loop
    shape.push_back(1);
    for (Access &a : accesses)
      a.strides.push_back(0);
  }
  if (shapeProduct(shape) == 0)
    return;
  simplify(shape, accesses);
  for (auto [d, extent] : llvm::enumerate(shape)) {
    os.indent(indent + 2 * d) << "for (ptrdiff_t i" << d << " = 0; i" << d
                              << " < " << extent << "; ++i" << d << ") {\n";
  }
  SmallVector<std::string> indices;
  for (const Access &a : accesses)
    indices.push_back(indexExpr(a));
  body(os, indices, indent + 2 * shape.size());
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d)
    os.indent(indent + 2 * d) << "}\n";
}

} // namespace bnnc
