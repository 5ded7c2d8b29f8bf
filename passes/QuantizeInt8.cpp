//===- QuantizeInt8.cpp - Post-training int8 quantization -----------------===//
//
// --quantize=int8 turns the real-valued Conv/Gemm layers of a float or
// binarized model into int8 layers, from ranges measured on calibration
// data (bnn-calibration-probe, compiler/Calibration.cpp). The pass writes
// the layer in the QDQ form a quantized ONNX export has,
//
//   xq = quantize(x, sx, zx)        xf = dequantize(xq, sx, zx)
//   wf = dequantize(wq, sw[c])      bf = dequantize(bq : i32, sx * sw[c])
//   y  = conv2d(xf, wf, bf) | gemm(xf, wf, bf)     [-> relu]
//   yq = quantize(y, sy, zy)        every user of y reads dequantize(yq)
//
// and leaves the integer rewrite to bnn-fuse-qdq, so a calibrated layer
// and an imported QDQ layer become the same qconv2d + requantize with the
// same exactness argument (docs/int8.md). A layer whose input is an
// earlier int8 layer's output, directly or through views and max pools,
// takes that output's parameters, so that bnn-fuse-qdq removes the
// dequantize/quantize between them (and pools the integers).
//
// Parameters:
//  - activations: int8, asymmetric, per tensor. The range is widened to
//    contain 0 (so that zero padding and ReLU's 0 are exact), then
//    scale = (hi - lo) / 255 and zero point = round(-128 - lo / scale):
//    lo maps to -128 and hi to 127.
//  - weights: int8, symmetric (zero point 0), per output channel,
//    scale = max |w| / 127 and q = round(w / scale) in [-127, 127] (no
//    -128: the product of two int8 values then fits a 15-bit magnitude,
//    which the DSP kernels rely on).
//  - bias: int32 on the accumulator's scale sx * sw[c], computed in
//    float32 as bnn-fuse-qdq checks it, rounded half to even, saturated.
//
//===----------------------------------------------------------------------===//

#include "passes/Int8Layers.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <limits>

namespace bnnc {
#define GEN_PASS_DEF_BNNQUANTIZEINT8
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

struct QuantParams {
  float scale = 1.0f;
  int64_t zeroPoint = 0;
};

/// int8 asymmetric parameters of the range [lo, hi] widened to contain 0.
QuantParams activationParams(float lo, float hi) {
  double l = std::min<double>(lo, 0.0), h = std::max<double>(hi, 0.0);
  QuantParams p;
  if (!(h - l > 0.0))
    return p; // an all-zero tensor: any scale is exact
  p.scale = static_cast<float>((h - l) / 255.0);
  double zp = std::nearbyint(-128.0 - l / static_cast<double>(p.scale));
  p.zeroPoint = static_cast<int64_t>(std::clamp(zp, -128.0, 127.0));
  return p;
}

/// round(v) half to even (the default floating-point rounding mode).
int64_t roundHalfEven(double v) {
  return static_cast<int64_t>(std::nearbyint(v));
}

struct Range {
  float lo = 0, hi = 0;
};

/// Parses "lo:hi,lo:hi,..." (each number as printed with %.9g, which
/// round-trips a float32 exactly).
FailureOr<SmallVector<Range>> parseRanges(StringRef text) {
  SmallVector<Range> ranges;
  if (text.empty())
    return ranges;
  SmallVector<StringRef> items;
  text.split(items, ',');
  for (StringRef item : items) {
    auto [lo, hi] = item.split(':');
    double l, h;
    if (lo.trim().getAsDouble(l) || hi.trim().getAsDouble(h) || !(l <= h))
      return failure();
    ranges.push_back({static_cast<float>(l), static_cast<float>(h)});
  }
  return ranges;
}

class Quantizer {
public:
  explicit Quantizer(MLIRContext *ctx) : b(ctx) {}

  /// Rewrites `layer` to its QDQ form; returns the record for the report.
  DictionaryAttr quantize(const RealLayer &layer, Range in, Range out,
                          StringRef node) {
    QuantParams x = inputParams(layer.op->getOperand(0), in);
    QuantParams y = activationParams(out.lo, out.hi);
    Operation *op = layer.op;
    Location loc = op->getLoc();
    b.setInsertionPoint(op);
    Value xf = quantizeDequantize(loc, op->getOperand(0), x);
    op->setOperand(0, xf);

    Value weight = op->getOperand(1), bias;
    int64_t axis = 0;
    if (auto conv = dyn_cast<bnn::Conv2DOp>(op)) {
      bias = conv.getBias();
    } else {
      auto gemm = cast<bnn::GemmOp>(op);
      bias = gemm.getC();
      axis = gemm.getTransB() ? 0 : 1;
    }
    SmallVector<float> weightScales;
    op->setOperand(1, quantizedWeights(loc, weight, axis, weightScales));
    if (bias)
      op->setOperand(2, quantizedBias(loc, bias, x.scale, weightScales));

    Value output = layer.output;
    b.setInsertionPointAfterValue(output);
    Value q = quantizeOnly(loc, output, y);
    Value yf = dequantize(loc, q, y.scale, y.zeroPoint, /*axis=*/0);
    output.replaceAllUsesExcept(yf, q.getDefiningOp());
    quantizedOutputs[yf] = y;
    dequantized = yf;

    auto [wMin, wMax] =
        std::minmax_element(weightScales.begin(), weightScales.end());
    auto f32 = [&](StringRef name, float v) {
      return b.getNamedAttr(name, b.getF32FloatAttr(v));
    };
    auto i64 = [&](StringRef name, int64_t v) {
      return b.getNamedAttr(name, b.getI64IntegerAttr(v));
    };
    return record(
        node, "",
        {f32("input_scale", x.scale), i64("input_zero_point", x.zeroPoint),
         f32("output_scale", y.scale), i64("output_zero_point", y.zeroPoint),
         f32("weight_scale_min", *wMin), f32("weight_scale_max", *wMax),
         f32("input_min", in.lo), f32("input_max", in.hi),
         f32("output_min", out.lo), f32("output_max", out.hi)});
  }

  /// A MatMul of [..., M, K] activations by constant [K, N] weights (and
  /// its bias add, and ReLU) as the Gemm of the flattened rows,
  ///   reshape(act(gemm(reshape(a, [rows, K]), w, bias)), [..., M, N]),
  /// which the Gemm path quantizes; the returned layer is the Gemm.
  RealLayer matMulAsGemm(const RealLayer &layer, Value &replacement) {
    auto mm = cast<bnn::MatMulOp>(layer.op);
    Location loc = mm.getLoc();
    auto aShape = shapeOf(mm.getA());
    int64_t k = aShape.back(), n = shapeOf(mm.getB())[1];
    int64_t rows = tensorType(mm.getA()).getNumElements() / k;
    b.setInsertionPointAfterValue(layer.output);
    Value a = b.create<bnn::ReshapeOp>(
        loc, RankedTensorType::get({rows, k}, b.getF32Type()), mm.getA());
    Value bias;
    if (layer.biasAdd) {
      auto add = cast<bnn::ElementwiseOp>(layer.biasAdd);
      Value other = add.getInputs()[0] == mm.getOutput() ? add.getInputs()[1]
                                                         : add.getInputs()[0];
      bias = f32Constant(loc, {n}, *getConstantFloats(other));
    }
    auto rowsType = RankedTensorType::get({rows, n}, b.getF32Type());
    auto gemm = b.create<bnn::GemmOp>(
        loc, rowsType, a, mm.getB(), bias, b.getF32FloatAttr(1.0f),
        b.getF32FloatAttr(1.0f), b.getBoolAttr(false), b.getBoolAttr(false),
        bnn::ActivationAttr::get(b.getContext(), bnn::Activation::none));
    RealLayer result = layer;
    result.op = gemm;
    result.biasAdd = nullptr;
    result.input = a;
    result.output = gemm.getOutput();
    Operation *relu = layer.output.getDefiningOp();
    if (relu == layer.op || relu == layer.biasAdd)
      relu = nullptr;
    else
      result.output = b.create<bnn::ElementwiseOp>(relu->getLoc(), rowsType,
                                                   ValueRange{result.output},
                                                   relu->getAttrs())
                          .getOutput();
    Value back =
        b.create<bnn::ReshapeOp>(loc, layer.output.getType(), result.output);
    replacement = back;
    Value old = layer.output;
    old.replaceAllUsesWith(back);
    // The float chain (ReLU, bias add, MatMul) has no user left.
    for (Operation *op : {relu, layer.biasAdd, layer.op})
      if (op && op->use_empty())
        op->erase();
    return result;
  }

  DictionaryAttr record(StringRef node, StringRef whyNot,
                        ArrayRef<NamedAttribute> extra = {}) {
    SmallVector<NamedAttribute> attrs = {
        b.getNamedAttr("node", b.getStringAttr(node)),
        b.getNamedAttr("quantized", b.getBoolAttr(whyNot.empty())),
        b.getNamedAttr("reason", b.getStringAttr(whyNot))};
    attrs.append(extra.begin(), extra.end());
    return b.getDictionaryAttr(attrs);
  }

  /// The dequantized output of the layer quantize() rewrote last.
  Value lastDequantized() const { return dequantized; }

private:
  OpBuilder b;
  Value dequantized;
  /// The dequantized outputs of the layers quantized so far.
  DenseMap<Value, QuantParams> quantizedOutputs;

  /// The parameters of a layer's input: those of an earlier int8 layer's
  /// output when the input is that output through views and max pools
  /// (which only select values), so that bnn-fuse-qdq keeps the chain in
  /// integers; else from the input's own calibrated range.
  QuantParams inputParams(Value x, Range range) {
    while (Operation *def = x.getDefiningOp()) {
      if (!isa<bnn::ReshapeOp, bnn::MaxPool2DOp>(def))
        break;
      x = def->getOperand(0);
    }
    auto it = quantizedOutputs.find(x);
    return it != quantizedOutputs.end() ? it->second
                                        : activationParams(range.lo, range.hi);
  }

  Value f32Constant(Location loc, ArrayRef<int64_t> shape,
                    ArrayRef<float> values) {
    auto attr = makeF32Attr(b.getContext(), shape, values);
    return b.create<bnn::ConstantOp>(loc, attr.getType(), attr);
  }

  Value intConstant(Location loc, unsigned width, ArrayRef<int64_t> shape,
                    ArrayRef<int64_t> values) {
    auto type = RankedTensorType::get(shape, b.getIntegerType(width));
    SmallVector<APInt> bits;
    for (int64_t v : values)
      bits.push_back(APInt(width, v, /*isSigned=*/true));
    return b.create<bnn::ConstantOp>(loc, type,
                                     DenseElementsAttr::get(type, bits));
  }

  Value quantizeOnly(Location loc, Value v, QuantParams p) {
    auto type = tensorType(v).clone(b.getIntegerType(8));
    return b.create<bnn::QuantizeOp>(
        loc, type, v, f32Constant(loc, {}, {p.scale}),
        intConstant(loc, 8, {}, {p.zeroPoint}), b.getI64IntegerAttr(0));
  }

  Value dequantize(Location loc, Value q, ArrayRef<float> scales,
                   std::optional<int64_t> zeroPoint, int64_t axis) {
    auto type = tensorType(q).clone(b.getF32Type());
    int64_t n = scales.size();
    Value scale = f32Constant(
        loc, n == 1 ? ArrayRef<int64_t>{} : ArrayRef<int64_t>{n}, scales);
    Value zp = zeroPoint ? intConstant(loc, 8, {}, {*zeroPoint}) : Value();
    return b.create<bnn::DequantizeOp>(loc, type, q, scale, zp,
                                       b.getI64IntegerAttr(axis));
  }

  Value quantizeDequantize(Location loc, Value v, QuantParams p) {
    Value q = quantizeOnly(loc, v, p);
    return dequantize(loc, q, p.scale, p.zeroPoint, /*axis=*/0);
  }

  /// int8 symmetric per output channel (`axis`); `scales` receives them.
  Value quantizedWeights(Location loc, Value w, int64_t axis,
                         SmallVectorImpl<float> &scales) {
    SmallVector<float> values = *getConstantFloats(w);
    auto shape = shapeOf(w);
    int64_t channels = shape[axis], inner = 1;
    for (size_t d = axis + 1; d < shape.size(); ++d)
      inner *= shape[d];
    auto channelOf = [&](size_t i) { return (int64_t(i) / inner) % channels; };
    SmallVector<float> maxAbs(channels, 0.0f);
    for (size_t i = 0; i < values.size(); ++i)
      maxAbs[channelOf(i)] =
          std::max(maxAbs[channelOf(i)], std::fabs(values[i]));
    for (float m : maxAbs)
      scales.push_back(m > 0.0f ? static_cast<float>(m / 127.0) : 1.0f);
    SmallVector<int64_t> q;
    for (size_t i = 0; i < values.size(); ++i)
      q.push_back(std::clamp<int64_t>(
          roundHalfEven(double(values[i]) / scales[channelOf(i)]), -127, 127));
    Value wq = intConstant(loc, 8, shape, q);
    return dequantize(loc, wq, scales, std::nullopt, axis);
  }

  /// int32 on the scale x_scale * w_scale[c] (one value per channel).
  Value quantizedBias(Location loc, Value bias, float xScale,
                      ArrayRef<float> wScales) {
    SmallVector<float> values = *getConstantFloats(bias);
    int64_t n = wScales.size();
    SmallVector<float> scales;
    SmallVector<int64_t> q;
    for (int64_t c = 0; c < n; ++c) {
      float s = xScale * wScales[c];
      scales.push_back(s);
      double v = values[values.size() == 1 ? 0 : c];
      double r = s > 0.0f ? std::nearbyint(v / s) : 0.0;
      q.push_back(static_cast<int64_t>(
          std::clamp(r, double(std::numeric_limits<int32_t>::min()),
                     double(std::numeric_limits<int32_t>::max()))));
    }
    Value bq = intConstant(loc, 32, {n}, q);
    auto type = RankedTensorType::get({n}, b.getF32Type());
    return b.create<bnn::DequantizeOp>(
        loc, type, bq,
        f32Constant(loc, n == 1 ? ArrayRef<int64_t>{} : ArrayRef<int64_t>{n},
                    scales),
        Value(), b.getI64IntegerAttr(0));
  }
};

struct BnnQuantizeInt8Pass final
    : bnnc::impl::BnnQuantizeInt8Base<BnnQuantizeInt8Pass> {
  using BnnQuantizeInt8Base::BnnQuantizeInt8Base;

  void runOnOperation() override {
    func::FuncOp f = getOperation();
    FailureOr<SmallVector<Range>> parsed = parseRanges(ranges);
    if (failed(parsed)) {
      f.emitError() << "bnn-quantize-int8: ranges must be 'lo:hi,...' with "
                       "lo <= hi, got '"
                    << ranges << "'";
      return signalPassFailure();
    }
    SmallVector<Value> tensors;
    SmallVector<RealLayer> real = collectRealLayers(f, tensors);
    FailureOr<SmallVector<bool>> selection = selectLayers(layers, real.size());
    if (failed(selection)) {
      f.emitError() << "bnn-quantize-int8: layers must be all, or a list of "
                       "first, last and layer indices, got '"
                    << layers << "'";
      return signalPassFailure();
    }
    if (real.empty())
      return;
    if (parsed->size() != tensors.size()) {
      f.emitError() << "bnn-quantize-int8: " << parsed->size() << " ranges for "
                    << tensors.size() << " measured tensors";
      return signalPassFailure();
    }
    TensorDescriptions descriptions;
    if (expose)
      descriptions = describeTensors(real, tensors.size());
    Quantizer quantizer(&getContext());
    SmallVector<Attribute> records;
    // The value each measured tensor has now (a quantized layer's output
    // is its dequantized int8 result), for `expose`.
    SmallVector<Value> current(tensors);
    for (size_t i = 0; i < real.size(); ++i) {
      const RealLayer &layer = real[i];
      if (!(*selection)[i]) {
        records.push_back(
            quantizer.record(describeNode(layer.op),
                             "not selected (--quantize=int8:" + layers + ")"));
        continue;
      }
      if (!layer.whyNot.empty()) {
        layer.op->emitRemark()
            << describeNode(layer.op) << ": stays float32: " << layer.whyNot;
        records.push_back(
            quantizer.record(describeNode(layer.op), layer.whyNot));
        continue;
      }
      Range in = (*parsed)[layer.inputTensor];
      Range out = (*parsed)[layer.outputTensor];
      std::string node = describeNode(layer.op);
      Value replaced;
      RealLayer rewritten = isa<bnn::MatMulOp>(layer.op)
                                ? quantizer.matMulAsGemm(layer, replaced)
                                : layer;
      records.push_back(quantizer.quantize(rewritten, in, out, node));
      current[layer.outputTensor] =
          replaced ? replaced : quantizer.lastDequantized();
    }
    f->setAttr("bnn.int8_ptq", ArrayAttr::get(&getContext(), records));
    if (expose)
      exposeTensors(f, real, descriptions, current);
  }

  /// Which layers `spec` selects: "all", or a comma-separated list of
  /// "first", "last" and layer indices.
  static FailureOr<SmallVector<bool>> selectLayers(StringRef spec,
                                                   size_t count) {
    SmallVector<bool> selected(count, spec == "all");
    if (spec == "all")
      return selected;
    SmallVector<StringRef> items;
    spec.split(items, ',');
    for (StringRef item : items) {
      size_t index;
      if (item == "first")
        index = 0;
      else if (item == "last")
        index = count - 1;
      else if (item.getAsInteger(10, index))
        return failure();
      if (index < count)
        selected[index] = true;
    }
    return selected;
  }
};

} // namespace
