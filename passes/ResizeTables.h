//===- ResizeTables.h - Compile-time tap tables of Resize/Upsample --------===//
//
// ONNX Resize and Upsample are separable: each output coordinate of an axis
// reads a few input positions of that axis with fixed weights. The tables
// are computed here once, at compile time, for bnn.resize.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_PASSES_RESIZETABLES_H
#define BNNC_PASSES_RESIZETABLES_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace bnnc {

struct ResizeAxisSpec {
  int64_t inSize = 1, outSize = 1;
  /// The scale the coordinate transformation divides by: the `scales`
  /// value, or outSize / inSize when `sizes` is given.
  double scale = 1.0;
  llvm::StringRef mode = "nearest";          // nearest, linear, cubic
  llvm::StringRef coordinateMode = "half_pixel";
  /// round_prefer_floor, round_prefer_ceil, floor, ceil, or "simple" (the
  /// Upsample / Resize-10 rule: floor when enlarging, ceil when shrinking).
  llvm::StringRef nearestMode = "round_prefer_floor";
  double cubicCoeffA = -0.75;
  bool excludeOutside = false;
  /// tf_crop_and_resize's region of this axis, normalized.
  double roiStart = 0.0, roiEnd = 1.0;
};

struct ResizeAxisTable {
  int64_t taps = 1;
  /// outSize * taps entries; a first index of -1 marks extrapolation.
  llvm::SmallVector<int32_t> indices;
  llvm::SmallVector<float> weights;
};

/// The taps of one axis, or an error message naming the unsupported mode.
bool computeResizeAxis(const ResizeAxisSpec &spec, ResizeAxisTable &table,
                       std::string &error);

} // namespace bnnc

#endif // BNNC_PASSES_RESIZETABLES_H
