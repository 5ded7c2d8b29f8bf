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
    // Bounded so that window extents and spans cannot overflow.
    if (g.kernel[i] > INT32_MAX || g.strides[i] > INT32_MAX ||
        g.dilations[i] > INT32_MAX) {
      os << "kernel, strides and dilations must be below 2^31";
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
      if (g.padsBegin[i] > INT32_MAX || g.padsEnd[i] > INT32_MAX) {
        os << "pads must be below 2^31";
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

Window2D asWindow2D(const WindowGeometry &g) {
  if (g.kernel.size() == 1)
    return Window2D{{1, g.kernel[0]},
                    {1, g.strides[0]},
                    {0, g.padsBegin[0], 0, g.padsEnd[0]},
                    {1, g.dilations[0]}};
  return Window2D{g.kernel,
                  g.strides,
                  {g.padsBegin[0], g.padsBegin[1], g.padsEnd[0], g.padsEnd[1]},
                  g.dilations};
}

SmallVector<int64_t> asNCHW(ArrayRef<int64_t> shape) {
  if (shape.size() != 3)
    return SmallVector<int64_t>(shape);
  return {shape[0], shape[1], 1, shape[2]};
}

std::optional<StridedView>
sliceView(ArrayRef<int64_t> in, ArrayRef<int64_t> starts, ArrayRef<int64_t> ends,
          ArrayRef<int64_t> axes, ArrayRef<int64_t> steps,
          SmallVectorImpl<int64_t> &outShape, std::string &error) {
  int64_t rank = in.size();
  StridedView view;
  SmallVector<int64_t> inStrides = rowMajorStrides(in);
  view.strides = inStrides;
  outShape.assign(in.begin(), in.end());
  if (starts.size() != ends.size() || starts.size() != axes.size() ||
      starts.size() != steps.size()) {
    error = "starts, ends, axes and steps must have the same length";
    return std::nullopt;
  }
  for (size_t k = 0; k < axes.size(); ++k) {
    int64_t axis = axes[k] < 0 ? axes[k] + rank : axes[k];
    if (axis < 0 || axis >= rank || steps[k] == 0) {
      error = "slice axis out of range or zero step";
      return std::nullopt;
    }
    int64_t dim = in[axis];
    if (dim == 0) { // nothing to take (and the clamps below need dim >= 1)
      outShape[axis] = 0;
      continue;
    }
    // A step longer than the dimension takes at most the start element;
    // clamping it to the dimension keeps the result and keeps step * stride
    // and the count arithmetic from overflowing (a fuzzer finding: a step of
    // 2^61 + 1).
    int64_t step = std::clamp<int64_t>(steps[k], -dim, dim);
    int64_t start = starts[k] < 0 ? starts[k] + dim : starts[k];
    int64_t end = ends[k] < 0 ? ends[k] + dim : ends[k];
    // ONNX clamps to [0, dim] for positive steps, [-1, dim - 1] for negative
    // ones (end = -1 then means "through index 0").
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(ends[k] < -dim ? -1 : end, -1, dim - 1);
    }
    int64_t count = step > 0 ? (end - start + step - 1) / step
                             : (start - end + (-step) - 1) / (-step);
    outShape[axis] = std::max<int64_t>(0, count);
    view.offset += start * inStrides[axis];
    view.strides[axis] = inStrides[axis] * step;
  }
  return view;
}

StridedView transposeView(ArrayRef<int64_t> in, ArrayRef<int64_t> perm) {
  SmallVector<int64_t> inStrides = rowMajorStrides(in);
  StridedView view;
  int64_t rank = in.size();
  for (int64_t d = 0; d < rank; ++d)
    view.strides.push_back(inStrides[perm.empty() ? rank - 1 - d : perm[d]]);
  return view;
}

} // namespace bnnc
