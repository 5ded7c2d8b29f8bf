//===- ShapeUtils.cpp - Shape arithmetic shared by dialects and passes ----===//

#include "dialects/onnx/ShapeUtils.h"

#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace bnnc {

int64_t shapeProduct(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

SmallVector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a,
                                                    ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align trailing dimensions; a missing leading dimension acts as 1.
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

SmallVector<int64_t> broadcastStrides(ArrayRef<int64_t> in,
                                      ArrayRef<int64_t> out) {
  SmallVector<int64_t> inStrides = rowMajorStrides(in);
  SmallVector<int64_t> strides(out.size(), 0);
  size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i)
    strides[lead + i] = in[i] == 1 ? 0 : inStrides[i];
  return strides;
}

void forEachBroadcastIndex(ArrayRef<int64_t> outShape,
                           ArrayRef<int64_t> aStrides,
                           ArrayRef<int64_t> bStrides,
                           function_ref<void(int64_t, int64_t, int64_t)> fn) {
  int64_t count = shapeProduct(outShape);
  SmallVector<int64_t> index(outShape.size(), 0);
  int64_t ia = 0, ib = 0;
  for (int64_t i = 0; i < count; ++i) {
    fn(i, ia, ib);
    // Odometer increment of the multi-index, updating both offsets.
    for (int d = static_cast<int>(outShape.size()) - 1; d >= 0; --d) {
      ++index[d];
      ia += aStrides[d];
      ib += bStrides[d];
      if (index[d] < outShape[d])
        break;
      ia -= aStrides[d] * outShape[d];
      ib -= bStrides[d] * outShape[d];
      index[d] = 0;
    }
  }
}

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

std::optional<WindowGeometry>
resolveWindow(ArrayRef<int64_t> inputSpatial, ArrayRef<int64_t> kernel,
              std::optional<ArrayRef<int64_t>> strides,
              std::optional<ArrayRef<int64_t>> dilations,
              std::optional<ArrayRef<int64_t>> pads, StringRef autoPad,
              bool ceilMode, std::string &error) {
  raw_string_ostream os(error);
  size_t n = inputSpatial.size();
  WindowGeometry g;
  g.kernel.assign(kernel.begin(), kernel.end());
  g.strides.assign(n, 1);
  g.dilations.assign(n, 1);
  g.padsBegin.assign(n, 0);
  g.padsEnd.assign(n, 0);
  if (kernel.size() != n) {
    os << "kernel has " << kernel.size() << " spatial dimensions, input has "
       << n;
    return std::nullopt;
  }
  if (strides) {
    if (strides->size() != n) {
      os << "strides must have " << n << " values, got " << strides->size();
      return std::nullopt;
    }
    g.strides.assign(strides->begin(), strides->end());
  }
  if (dilations) {
    if (dilations->size() != n) {
      os << "dilations must have " << n << " values, got "
         << dilations->size();
      return std::nullopt;
    }
    g.dilations.assign(dilations->begin(), dilations->end());
  }
  for (size_t i = 0; i < n; ++i) {
    if (g.kernel[i] < 1 || g.strides[i] < 1 || g.dilations[i] < 1) {
      os << "kernel, strides and dilations must be positive";
      return std::nullopt;
    }
  }
  bool explicitPads = autoPad == "NOTSET" || autoPad.empty();
  if (pads && explicitPads) {
    if (pads->size() != 2 * n) {
      os << "pads must have " << 2 * n << " values, got " << pads->size();
      return std::nullopt;
    }
    for (size_t i = 0; i < n; ++i) {
      g.padsBegin[i] = (*pads)[i];
      g.padsEnd[i] = (*pads)[i + n];
      if (g.padsBegin[i] < 0 || g.padsEnd[i] < 0) {
        os << "negative pads are not supported";
        return std::nullopt;
      }
    }
  }
  if (!explicitPads && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER") {
    os << "unknown auto_pad '" << autoPad << "'";
    return std::nullopt;
  }
  g.output.resize(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t extent = (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      // Output keeps ceil(in / stride); the total padding is split, the odd
      // element going to the end (UPPER) or the beginning (LOWER).
      g.output[i] = ceilDiv(inputSpatial[i], g.strides[i]);
      int64_t total = std::max<int64_t>(
          0, (g.output[i] - 1) * g.strides[i] + extent - inputSpatial[i]);
      int64_t small = total / 2, large = total - total / 2;
      g.padsBegin[i] = autoPad == "SAME_UPPER" ? small : large;
      g.padsEnd[i] = total - g.padsBegin[i];
      continue;
    }
    int64_t span = inputSpatial[i] + g.padsBegin[i] + g.padsEnd[i] - extent;
    if (span < 0) {
      os << "window of extent " << extent << " does not fit input dimension "
         << inputSpatial[i] << " with its padding";
      return std::nullopt;
    }
    g.output[i] = (ceilMode ? ceilDiv(span, g.strides[i]) : span / g.strides[i]) + 1;
    // With ceil_mode, a last window that would start in the end padding is
    // dropped (PyTorch and the ONNX reference agree on this).
    if (ceilMode && (g.output[i] - 1) * g.strides[i] >=
                        inputSpatial[i] + g.padsBegin[i])
      --g.output[i];
  }
  return g;
}

} // namespace bnnc
