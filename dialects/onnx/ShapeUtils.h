//===- ShapeUtils.h - Shape arithmetic shared by dialects and passes ------===//
//
// Numpy broadcasting and the output geometry of ONNX sliding-window ops
// (Conv, MaxPool): one implementation, used by verifiers, folders, lowering
// and the emitters, so they can never disagree.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_DIALECTS_ONNX_SHAPEUTILS_H
#define BNNC_DIALECTS_ONNX_SHAPEUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include <optional>
#include <string>

namespace bnnc {

/// The ranked tensor type of a value (every tensor in bnnc's IR is ranked;
/// the verifiers check it) and its shape.
inline mlir::RankedTensorType tensorType(mlir::Value v) {
  return llvm::cast<mlir::RankedTensorType>(v.getType());
}
inline llvm::ArrayRef<int64_t> shapeOf(mlir::Value v) {
  return tensorType(v).getShape();
}

/// Number of elements of a static shape.
int64_t shapeProduct(llvm::ArrayRef<int64_t> shape);

/// Row-major element strides of a static shape.
llvm::SmallVector<int64_t> rowMajorStrides(llvm::ArrayRef<int64_t> shape);

/// Numpy/ONNX multidirectional broadcast of two shapes, or nullopt if they
/// are incompatible.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

/// Element strides for reading a tensor of shape `in` at the indices of the
/// broadcast shape `out` (rank(out) >= rank(in)): broadcast dimensions get
/// stride 0, missing leading dimensions too.
llvm::SmallVector<int64_t> broadcastStrides(llvm::ArrayRef<int64_t> in,
                                            llvm::ArrayRef<int64_t> out);

/// Calls fn(outIndex, aIndex, bIndex) for every element of `outShape`, with
/// the linear indices into two operands read through the given strides.
void forEachBroadcastIndex(
    llvm::ArrayRef<int64_t> outShape, llvm::ArrayRef<int64_t> aStrides,
    llvm::ArrayRef<int64_t> bStrides,
    llvm::function_ref<void(int64_t, int64_t, int64_t)> fn);

/// Resolved geometry of an ONNX sliding window over the spatial dimensions.
struct WindowGeometry {
  llvm::SmallVector<int64_t> kernel, strides, dilations;
  llvm::SmallVector<int64_t> padsBegin, padsEnd;
  llvm::SmallVector<int64_t> output;
};

/// Resolves ONNX window attributes (absent ones take the ONNX defaults) and
/// computes the output spatial shape. Returns nullopt and sets `error` for
/// inconsistent attributes or an empty output.
std::optional<WindowGeometry>
resolveWindow(llvm::ArrayRef<int64_t> inputSpatial,
              llvm::ArrayRef<int64_t> kernel,
              std::optional<llvm::ArrayRef<int64_t>> strides,
              std::optional<llvm::ArrayRef<int64_t>> dilations,
              std::optional<llvm::ArrayRef<int64_t>> pads,
              llvm::StringRef autoPad, bool ceilMode, std::string &error);

/// 1-D and 2-D windows run on the 2-D kernels: a window over 1 spatial
/// dimension has a height of 1. The 2-D attributes of a resolved geometry,
/// pads as [top, left, bottom, right].
struct Window2D {
  llvm::SmallVector<int64_t> kernel, strides, pads, dilations;
};
Window2D asWindow2D(const WindowGeometry &g);

/// [N, C, L] -> [N, C, 1, L]; 4-D shapes are returned unchanged.
llvm::SmallVector<int64_t> asNCHW(llvm::ArrayRef<int64_t> shape);

/// A strided view of a row-major tensor: element i of the view (a
/// multi-index over the view's shape) is input[offset + sum_d i_d*strides[d]].
struct StridedView {
  int64_t offset = 0;
  llvm::SmallVector<int64_t> strides;
};

/// The view ONNX Slice takes of a tensor of shape `in` (starts/ends clamped as
/// ONNX specifies; negative values count from the end), or nullopt with
/// `error` set. `outShape` receives the sliced shape.
std::optional<StridedView>
sliceView(llvm::ArrayRef<int64_t> in, llvm::ArrayRef<int64_t> starts,
          llvm::ArrayRef<int64_t> ends, llvm::ArrayRef<int64_t> axes,
          llvm::ArrayRef<int64_t> steps,
          llvm::SmallVectorImpl<int64_t> &outShape, std::string &error);

/// The view ONNX Transpose takes (`perm` empty: reverse the dimensions).
StridedView transposeView(llvm::ArrayRef<int64_t> in,
                          llvm::ArrayRef<int64_t> perm);

} // namespace bnnc

#endif // BNNC_DIALECTS_ONNX_SHAPEUTILS_H
