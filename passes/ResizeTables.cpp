//===- ResizeTables.cpp - Compile-time tap tables of Resize/Upsample ------===//
//
// The rules are those of the ONNX Resize specification and its reference
// implementation: a coordinate transformation maps output coordinate x to
// an input coordinate x_ori; the taps are the n input positions nearest to
// x_ori (ties to the lower one) among the input padded by ceil(n / 2) edge
// values, with ratio = x_ori - (the tap left of x_ori) in (0, 1]; the
// coefficients are the nearest, linear or cubic kernel at that ratio.
// Computed in double, rounded to float once per weight.
//
//===----------------------------------------------------------------------===//

#include "passes/ResizeTables.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cmath>

namespace bnnc {

namespace {

/// x_ori for output coordinate x, or nullopt outside the crop of
/// tf_crop_and_resize.
bool inputCoordinate(const ResizeAxisSpec &s, double x, double &xOri,
                     bool &outside, std::string &error) {
  double in = static_cast<double>(s.inSize);
  // The reference uses scale * in as the output length (not the rounded
  // size) in align_corners and tf_crop_and_resize.
  double outLength = s.scale * in;
  outside = false;
  llvm::StringRef m = s.coordinateMode;
  if (m == "half_pixel") {
    xOri = (x + 0.5) / s.scale - 0.5;
  } else if (m == "half_pixel_symmetric") {
    double adjustment = static_cast<double>(s.outSize) / outLength;
    double center = in / 2.0, offset = center * (1.0 - adjustment);
    xOri = offset + (x + 0.5) / s.scale - 0.5;
  } else if (m == "pytorch_half_pixel") {
    xOri = s.outSize > 1 ? (x + 0.5) / s.scale - 0.5 : -0.5;
  } else if (m == "align_corners") {
    xOri = outLength == 1.0 ? 0.0 : x * (in - 1.0) / (outLength - 1.0);
  } else if (m == "asymmetric") {
    xOri = x / s.scale;
  } else if (m == "tf_half_pixel_for_nn") {
    xOri = (x + 0.5) / s.scale;
  } else if (m == "tf_crop_and_resize") {
    double span = s.roiEnd - s.roiStart;
    xOri = outLength == 1.0 ? span * (in - 1.0) / 2.0
                            : x * span * (in - 1.0) / (outLength - 1.0);
    xOri += s.roiStart * (in - 1.0);
    outside = xOri < 0.0 || xOri > in - 1.0;
  } else {
    error = "coordinate_transformation_mode '" + m.str() +
            "' is not supported";
    return false;
  }
  if (!std::isfinite(xOri)) {
    error = "the coordinate transformation is not finite (a scale of 0?)";
    return false;
  }
  return true;
}

/// An axis whose every coordinate has exactly one non-zero weight (an
/// unscaled axis, or an integer ratio with linear or cubic taps) needs one
/// tap per coordinate: the same sum without the zero terms.
void collapseSingleTaps(ResizeAxisTable &table) {
  int64_t taps = table.taps;
  if (taps == 1)
    return;
  size_t coords = table.indices.size() / taps;
  llvm::SmallVector<int32_t> indices;
  llvm::SmallVector<float> weights;
  for (size_t o = 0; o < coords; ++o) {
    int64_t kept = -1;
    for (int64_t t = 0; t < taps; ++t) {
      if (table.weights[o * taps + t] == 0.0f)
        continue;
      if (kept >= 0 || table.indices[o * taps] < 0)
        return;
      kept = t;
    }
    if (kept < 0)
      return;
    indices.push_back(table.indices[o * taps + kept]);
    weights.push_back(table.weights[o * taps + kept]);
  }
  table.taps = 1;
  table.indices = std::move(indices);
  table.weights = std::move(weights);
}

} // namespace

bool computeResizeAxis(const ResizeAxisSpec &s, ResizeAxisTable &table,
                       std::string &error) {
  const bool nearest = s.mode == "nearest", linear = s.mode == "linear",
             cubic = s.mode == "cubic";
  if (!nearest && !linear && !cubic) {
    error = "mode '" + s.mode.str() + "' is not supported";
    return false;
  }
  if (nearest && !llvm::is_contained({"round_prefer_floor", "round_prefer_ceil",
                                      "floor", "ceil", "simple"},
                                     s.nearestMode)) {
    error = "nearest_mode '" + s.nearestMode.str() + "' is not supported";
    return false;
  }
  if (!(s.scale > 0.0) || !std::isfinite(s.scale)) {
    error = "scales must be positive and finite";
    return false;
  }
  const int64_t n = cubic ? 4 : 2;
  const int64_t pad = (n + 1) / 2;
  const int64_t in = s.inSize;
  table.taps = nearest ? 1 : n;
  table.indices.clear();
  table.weights.clear();
  for (int64_t o = 0; o < s.outSize; ++o) {
    double xOri;
    bool outside;
    if (!inputCoordinate(s, static_cast<double>(o), xOri, outside, error))
      return false;
    if (outside) {
      for (int64_t t = 0; t < table.taps; ++t) {
        table.indices.push_back(t == 0 ? -1 : 0);
        table.weights.push_back(0.0f);
      }
      continue;
    }
    // Keep x_ori within the padded input so that the window arithmetic
    // below stays in range; the reference's nearest-n selection clamps the
    // same way.
    xOri = std::clamp(xOri, -static_cast<double>(pad) - 1.0,
                      static_cast<double>(in + pad));
    // The tap left of x_ori (x_ori itself counts as right of it), and the
    // ratio in (0, 1].
    double left = std::ceil(xOri) - 1.0;
    double ratio = xOri - left;
    int64_t start = static_cast<int64_t>(left) - (n / 2 - 1);
    start = std::clamp<int64_t>(start, -pad, in + pad - n);
    double coeffs[4];
    if (nearest) {
      bool right;
      if (ratio == 1.0)
        right = true;
      else if (s.nearestMode == "round_prefer_floor")
        right = ratio > 0.5;
      else if (s.nearestMode == "round_prefer_ceil")
        right = ratio >= 0.5;
      else if (s.nearestMode == "floor")
        right = false;
      else if (s.nearestMode == "ceil")
        right = true;
      else // simple: floor when enlarging, ceil when shrinking
        right = s.scale < 1.0;
      coeffs[0] = right ? 0.0 : 1.0;
      coeffs[1] = right ? 1.0 : 0.0;
    } else if (linear) {
      coeffs[0] = 1.0 - ratio;
      coeffs[1] = ratio;
    } else {
      double a = s.cubicCoeffA, r = ratio, q = 1.0 - ratio;
      coeffs[0] = ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a;
      coeffs[1] = ((a + 2) * r - (a + 3)) * r * r + 1;
      coeffs[2] = ((a + 2) * q - (a + 3)) * q * q + 1;
      coeffs[3] = ((a * (q + 1) - 5 * a) * (q + 1) + 8 * a) * (q + 1) - 4 * a;
    }
    if (s.excludeOutside) {
      double sum = 0.0;
      for (int64_t t = 0; t < n; ++t) {
        int64_t idx = start + t;
        if (idx < 0 || idx >= in)
          coeffs[t] = 0.0;
        sum += coeffs[t];
      }
      if (sum != 0.0)
        for (int64_t t = 0; t < n; ++t)
          coeffs[t] /= sum;
    }
    auto clamped = [&](int64_t idx) {
      return static_cast<int32_t>(std::clamp<int64_t>(idx, 0, in - 1));
    };
    if (nearest) {
      int64_t t = coeffs[0] != 0.0 ? 0 : 1;
      table.indices.push_back(clamped(start + t));
      table.weights.push_back(1.0f);
      continue;
    }
    for (int64_t t = 0; t < n; ++t) {
      table.indices.push_back(clamped(start + t));
      table.weights.push_back(static_cast<float>(coeffs[t]));
    }
  }
  collapseSingleTaps(table);
  return true;
}

} // namespace bnnc
