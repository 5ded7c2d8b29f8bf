//===- FuseQdq.cpp - QDQ float layers to int8 kernels ---------------------===//
//
// The QDQ format of quantized ONNX wraps a float layer in quantize /
// dequantize pairs. After onnx-lower-to-bnn such a layer reads
//
//   xf = bnn.dequantize(xq, sx, zx)          activations, per tensor
//   wf = bnn.dequantize(wq, sw, zw)          constant weights, per tensor or
//                                            per output channel
//   bf = bnn.dequantize(bq : i32, sx*sw, 0)  optional constant bias
//   y  = bnn.conv2d(xf, wf, bf) | bnn.gemm(xf, wf, bf)
//   [y = relu(y)]
//   yq = bnn.quantize(y, so, zo)
//
// and becomes the integer layer onnxruntime's QDQ fusion makes of it,
//
//   acc = bnn.qconv2d(xq, wq, zx, zw, bq)     int32 accumulation
//   yq  = bnn.requantize(acc, sx, sw, so, zo) {relu}
//
// (a Gemm is a 1x1 convolution of [M, K, 1, 1]). The requantization is
// float32(acc) * ((sx * sw) / so) rounded half to even: bit-exact with
// onnxruntime's QLinearConv, not with the float32 graph, which rounds each
// product and partial sum (docs/int8.md, "Exactness"). A fused ReLU is
// max(yq, zo): quantization is monotonic and maps 0 to zo.
//
// Weights that are a bnn.quantize of a float constant (PyTorch fake-quant
// exports) are quantized here with the kernel's formula. A quantize of a
// dequantize with the same parameters (through views) is the identity and
// goes first, so that a re-quantized Flatten does not stop the fusion.
// A binarizer of a dequantized tensor (bnn.pack) packs the integers
// directly: bit = q < zp (mixed binary + int8 graphs). A layer whose
// bias is not an int32 tensor on the scale sx * sw stays float, with a
// remark naming the node.
//
//===----------------------------------------------------------------------===//

#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

namespace bnnc {
#define GEN_PASS_DEF_BNNFUSEQDQ
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

/// round(v) with ties to even, as bnnc_round_half_even_f32 computes it.
float roundHalfEven(float v) {
  float r = std::floor(v);
  float d = v - r;
  if (d > 0.5f || (d == 0.5f && std::floor(r * 0.5f) * 2.0f != r))
    r += 1.0f;
  return r;
}

/// Quantizes a float constant exactly as bnnc_quantize_f32_* does at run
/// time: float32 x / scale, ties to even (or away from zero with
/// round_away), + zp, saturated (NaN -> zp).
std::optional<SmallVector<int64_t>> foldQuantize(bnn::QuantizeOp q) {
  auto x = getConstantFloats(q.getInput());
  auto scale = getConstantFloats(q.getScale());
  std::optional<SmallVector<int64_t>> zp =
      q.getZeroPoint() ? getConstantIntsOfType(q.getZeroPoint())
                       : SmallVector<int64_t>{0};
  if (!x || !scale || !zp)
    return std::nullopt;
  auto shape = tensorType(q.getInput()).getShape();
  int64_t axis = q.getAxis();
  int64_t inner = 1;
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
  int64_t channels = shape.empty() ? 1 : shape[axis];
  auto type = cast<IntegerType>(tensorType(q.getOutput()).getElementType());
  int64_t lo = type.isUnsigned() ? 0 : -128, hi = type.isUnsigned() ? 255 : 127;
  SmallVector<int64_t> values;
  for (size_t i = 0; i < x->size(); ++i) {
    int64_t c = (int64_t(i) / inner) % channels;
    float s = (*scale)[scale->size() == 1 ? 0 : c];
    int64_t z = (*zp)[zp->size() == 1 ? 0 : c];
    float r =
        q.getRoundAway() ? std::round((*x)[i] / s) : roundHalfEven((*x)[i] / s);
    if (std::isnan(r)) {
      values.push_back(z);
      continue;
    }
    float v = r + float(z);
    values.push_back(v <= float(lo) ? lo : v >= float(hi) ? hi : int64_t(v));
  }
  return values;
}

/// A bnn.dequantize with constant scale and zero point.
struct Dequantized {
  mutable bnn::DequantizeOp op;
  SmallVector<float> scales;
  SmallVector<int64_t> zeroPoints; ///< {0} when absent
  Value quantized() const { return op.getInput(); }
};

std::optional<Dequantized> matchDequantize(Value v) {
  auto op = v.getDefiningOp<bnn::DequantizeOp>();
  if (!op)
    return std::nullopt;
  auto scales = getConstantFloats(op.getScale());
  std::optional<SmallVector<int64_t>> zps =
      op.getZeroPoint() ? getConstantIntsOfType(op.getZeroPoint())
                        : SmallVector<int64_t>{0};
  if (!scales || !zps)
    return std::nullopt;
  return Dequantized{op, *scales, *zps};
}

/// The integer values of quantized weights: a constant, or a bnn.quantize
/// of constants.
std::optional<SmallVector<int64_t>> weightValues(Value q) {
  if (auto values = getConstantIntsOfType(q))
    return values;
  if (auto quantize = q.getDefiningOp<bnn::QuantizeOp>())
    return foldQuantize(quantize);
  return std::nullopt;
}

/// Erases `op` if it has no users, and then every producer chain left
/// without users.
void eraseDeadChain(RewriterBase &rewriter, Operation *op) {
  SmallVector<Operation *> work = {op};
  while (!work.empty()) {
    Operation *o = work.pop_back_val();
    if (!o || !o->use_empty() || isa<func::FuncOp>(o))
      continue;
    SmallVector<Operation *> producers;
    for (Value v : o->getOperands())
      if (Operation *p = v.getDefiningOp())
        producers.push_back(p);
    rewriter.eraseOp(o);
    work.append(producers.begin(), producers.end());
  }
}

/// A float layer that a quantize reads, possibly through a ReLU.
struct Layer {
  Operation *op = nullptr;
  bnn::ElementwiseOp relu;
  bnn::QuantizeOp quantize;
};

class Fuser {
public:
  explicit Fuser(MLIRContext *ctx) : rewriter(ctx) {}

  /// Rewrites the layer that `q` quantizes; a remark says why not when the
  /// layer looks quantized but cannot be fused exactly.
  void run(bnn::QuantizeOp q) {
    if (succeeded(foldRoundTrip(q)) || succeeded(poolIntegers(q)))
      return;
    // The fused layer requantizes with ties to even (onnxruntime's
    // semantics); a TFLite quantize (ties away from zero) stays as it is.
    if (q.getRoundAway())
      return;
    Layer layer{nullptr, {}, q};
    Value y = q.getInput();
    if (auto relu = y.getDefiningOp<bnn::ElementwiseOp>();
        relu && relu.getKind() == bnn::ElementwiseKind::Relu &&
        relu->hasOneUse()) {
      layer.relu = relu;
      y = relu.getInputs()[0];
    }
    Operation *def = y.getDefiningOp();
    if (!def || !y.hasOneUse() || !isa<bnn::Conv2DOp, bnn::GemmOp>(def))
      return;
    layer.op = def;
    std::string why = fuse(layer);
    if (!why.empty())
      def->emitRemark() << describeNode(def) << ": stays float32 between "
                        << "its QuantizeLinear/DequantizeLinear: " << why;
  }

private:
  IRRewriter rewriter;

  /// quantize(view(dequantize(q, s, z)), s, z) -> view(q): requantizing
  /// with the parameters it was dequantized with (PyTorch's fake quant
  /// after a Flatten) is the identity. k = q - z has |k| <= 255, and
  /// float32 k * s / s is within 255 * 2^-23 of k, so it rounds back to k.
  LogicalResult foldRoundTrip(bnn::QuantizeOp q) {
    Value v = q.getInput();
    while (auto view = v.getDefiningOp<bnn::ReshapeOp>())
      v = view.getInput();
    auto dq = matchDequantize(v);
    auto qs = getConstantFloats(q.getScale());
    std::optional<SmallVector<int64_t>> qz =
        q.getZeroPoint() ? getConstantIntsOfType(q.getZeroPoint())
                         : SmallVector<int64_t>{0};
    if (!dq || !qs || !qz || dq->scales.size() != 1 || *qs != dq->scales ||
        *qz != dq->zeroPoints ||
        tensorType(dq->quantized()).getElementType() !=
            tensorType(q.getOutput()).getElementType())
      return failure();
    rewriter.setInsertionPoint(q);
    Value same = reshape(q.getLoc(), dq->quantized(), shapeOf(q.getOutput()));
    Operation *input = q.getInput().getDefiningOp();
    rewriter.replaceOp(q, same);
    eraseIfDead(input);
    return success();
  }

  /// quantize(maxpool(dequantize(q, s, z)), s, z) -> maxpool(q) (also with
  /// views between the pool and the quantize) for a
  /// per-tensor s > 0: dequantization is then monotonic (a float32 multiply
  /// by a positive constant never reverses an order), so the max of the
  /// dequantized window is the dequantized max, which quantizes back to
  /// the integer (foldRoundTrip's argument). A window with no tap is -inf
  /// in float, which quantizes to the type's minimum: the integer kernel's
  /// empty max. The pooled tensor stays int8 instead of float.
  LogicalResult poolIntegers(bnn::QuantizeOp q) {
    // Views after the pool (a Flatten before a Gemm) move to the integers.
    Value v = q.getInput();
    while (auto view = v.getDefiningOp<bnn::ReshapeOp>()) {
      if (!view->hasOneUse())
        return failure();
      v = view.getInput();
    }
    auto pool = v.getDefiningOp<bnn::MaxPool2DOp>();
    if (!pool || !pool->hasOneUse())
      return failure();
    auto dq = matchDequantize(pool.getInput());
    auto qs = getConstantFloats(q.getScale());
    std::optional<SmallVector<int64_t>> qz =
        q.getZeroPoint() ? getConstantIntsOfType(q.getZeroPoint())
                         : SmallVector<int64_t>{0};
    if (!dq || !qs || !qz || dq->scales.size() != 1 ||
        !(dq->scales[0] > 0.0f) || !std::isfinite(dq->scales[0]) ||
        *qs != dq->scales || *qz != dq->zeroPoints ||
        tensorType(dq->quantized()).getElementType() !=
            tensorType(q.getOutput()).getElementType())
      return failure();
    rewriter.setInsertionPoint(q);
    Location loc = rewriter.getFusedLoc({pool.getLoc(), q.getLoc()});
    auto pooled = rewriter.create<bnn::MaxPool2DOp>(
        loc, tensorType(q.getOutput()).clone(shapeOf(pool.getOutput())),
        dq->quantized(), pool.getKernelAttr(), pool.getStridesAttr(),
        pool.getPadsAttr(), pool.getDilationsAttr());
    Operation *input = q.getInput().getDefiningOp();
    rewriter.replaceOp(q, reshape(loc, pooled, shapeOf(q.getOutput())));
    eraseIfDead(input);
    return success();
  }

  /// The operands common to Conv and Gemm, checked; "" or why not.
  std::string fuse(Layer &layer) {
    Value x, w, bias;
    int64_t weightAxis = 0; ///< the output-channel axis of the weights
    if (auto conv = dyn_cast<bnn::Conv2DOp>(layer.op)) {
      if (conv.getActivation() != bnn::Activation::none)
        return "it has a fused activation";
      x = conv.getInput(), w = conv.getWeight(), bias = conv.getBias();
    } else {
      auto gemm = cast<bnn::GemmOp>(layer.op);
      if (gemm.getActivation() != bnn::Activation::none || gemm.getTransA() ||
          !gemm.getAlpha().isExactlyValue(1.0) ||
          (gemm.getC() && !gemm.getBeta().isExactlyValue(1.0)))
        return "only Gemm with alpha = beta = 1 and no transA is fused";
      x = gemm.getA(), w = gemm.getB(), bias = gemm.getC();
      weightAxis = gemm.getTransB() ? 0 : 1;
    }
    // A per-tensor dequantize commutes with a view (Flatten before Gemm).
    while (auto view = x.getDefiningOp<bnn::ReshapeOp>())
      x = view.getInput();
    auto xd = matchDequantize(x), wd = matchDequantize(w);
    if (!xd || !wd)
      return "its input and weights are not both dequantized with constant "
             "scales and zero points";
    if (xd->scales.size() != 1 || xd->zeroPoints.size() != 1)
      return "the input is quantized per axis";
    auto so = getConstantFloats(layer.quantize.getScale());
    if (!so || so->size() != 1 ||
        (layer.quantize.getZeroPoint() &&
         tensorType(layer.quantize.getZeroPoint()).getNumElements() != 1))
      return "the output is not quantized per tensor with constant "
             "parameters";
    if (!isa<IntegerType>(tensorType(xd->quantized()).getElementType()) ||
        !tensorType(xd->quantized()).getElementType().isInteger(8))
      return "the input is not int8 or uint8";
    auto weights = weightValues(wd->quantized());
    if (!weights || !tensorType(wd->quantized()).getElementType().isInteger(8))
      return "the weights are not constant int8 or uint8";
    int64_t channels = tensorType(w).getDimSize(weightAxis);
    if (wd->scales.size() != 1 && ((int64_t)wd->op.getAxis() != weightAxis ||
                                   (int64_t)wd->scales.size() != channels))
      return "the weights are not quantized per output channel";
    // The bias must already be on the accumulator's scale sx * sw[c]: an
    // int32 tensor dequantized with exactly those float32 scales.
    std::optional<SmallVector<int64_t>> biasValues;
    if (bias && !isSplatConstant(bias, 0.0f)) {
      auto bd = matchDequantize(bias);
      if (!bd || !tensorType(bd->quantized()).getElementType().isInteger(32) ||
          llvm::any_of(bd->zeroPoints, [](int64_t z) { return z != 0; }))
        return "the bias is not an int32 tensor dequantized with zero point 0";
      biasValues = getConstantIntsOfType(bd->quantized());
      if (!biasValues || (int64_t)biasValues->size() != channels)
        return "the bias is not a constant of one value per output channel";
      for (int64_t c = 0; c < channels; ++c) {
        float expected =
            xd->scales[0] * wd->scales[wd->scales.size() == 1 ? 0 : c];
        if (bd->scales[bd->scales.size() == 1 ? 0 : c] != expected)
          return "the bias scale is not input scale x weight scale";
      }
    }
    build(layer, *xd, *wd, *weights, weightAxis, biasValues);
    return "";
  }

  /// An integer constant of `type`'s element type and `shape`.
  Value intConstant(Location loc, Type element, ArrayRef<int64_t> shape,
                    ArrayRef<int64_t> values) {
    auto type = RankedTensorType::get(shape, element);
    unsigned width = element.getIntOrFloatBitWidth();
    SmallVector<APInt> bits;
    for (int64_t v : values)
      bits.push_back(APInt(width, v, /*isSigned=*/true));
    return rewriter.create<bnn::ConstantOp>(loc, type,
                                            DenseElementsAttr::get(type, bits));
  }

  Value reshape(Location loc, Value v, ArrayRef<int64_t> shape) {
    auto type = tensorType(v).clone(shape);
    return type == v.getType() ? v
                               : rewriter.create<bnn::ReshapeOp>(loc, type, v);
  }

  void build(Layer &layer, const Dequantized &xd, const Dequantized &wd,
             ArrayRef<int64_t> weights, int64_t weightAxis,
             const std::optional<SmallVector<int64_t>> &bias) {
    Operation *op = layer.op;
    Location loc =
        rewriter.getFusedLoc({op->getLoc(), layer.quantize.getLoc()});
    rewriter.setInsertionPoint(layer.quantize);
    Type wElement = tensorType(wd.quantized()).getElementType();
    Value xq = xd.quantized();
    SmallVector<int64_t> strides = {1, 1}, pads = {0, 0, 0, 0},
                         dilations = {1, 1};
    int64_t group = 1;
    Value weight;
    auto resultShape = tensorType(layer.quantize.getOutput()).getShape();
    SmallVector<int64_t> accShape(resultShape);
    if (auto conv = dyn_cast<bnn::Conv2DOp>(op)) {
      weight = intConstant(loc, wElement, shapeOf(conv.getWeight()), weights);
      xq = reshape(loc, xq, shapeOf(conv.getInput()));
      strides.assign(conv.getStrides().begin(), conv.getStrides().end());
      pads.assign(conv.getPads().begin(), conv.getPads().end());
      dilations.assign(conv.getDilations().begin(), conv.getDilations().end());
      group = conv.getGroup();
    } else {
      // Gemm [M, K] x W -> [M, N]: a 1x1 convolution of [M, K, 1, 1] with
      // weights [N, K, 1, 1] (W^T when W is [K, N]).
      auto wShape = shapeOf(wd.op.getOutput());
      int64_t n = wShape[weightAxis], k = wShape[1 - weightAxis];
      SmallVector<int64_t> nk(weights.begin(), weights.end());
      if (weightAxis == 1)
        for (int64_t i = 0; i < k; ++i)
          for (int64_t j = 0; j < n; ++j)
            nk[j * k + i] = weights[i * n + j];
      weight = intConstant(loc, wElement, {n, k, 1, 1}, nk);
      xq = reshape(loc, xq, {resultShape[0], k, 1, 1});
      accShape = {resultShape[0], n, 1, 1};
    }
    Value biasValue;
    if (bias)
      biasValue = intConstant(loc, rewriter.getI32Type(),
                              {(int64_t)bias->size()}, *bias);
    Value zw = wd.op.getZeroPoint();
    if (zw && !matchPattern(zw, m_Constant()))
      zw = Value();
    auto accType = RankedTensorType::get(accShape, rewriter.getI32Type());
    Value acc = rewriter.create<bnn::QConv2DOp>(
        loc, accType, xq, weight, xd.op.getZeroPoint(), zw, biasValue,
        rewriter.getDenseI64ArrayAttr(strides),
        rewriter.getDenseI64ArrayAttr(pads),
        rewriter.getDenseI64ArrayAttr(dilations),
        rewriter.getI64IntegerAttr(group));
    auto outType = tensorType(layer.quantize.getOutput()).clone(accShape);
    auto requant = rewriter.create<bnn::RequantizeOp>(
        loc, outType, acc, xd.op.getScale(), wd.op.getScale(),
        layer.quantize.getScale(), layer.quantize.getZeroPoint(),
        rewriter.getI64IntegerAttr(1),
        layer.relu ? rewriter.getUnitAttr() : UnitAttr());
    Value result = reshape(loc, requant, resultShape);
    Operation *relu = layer.relu;
    rewriter.replaceOp(layer.quantize, result);
    if (relu)
      rewriter.eraseOp(relu);
    eraseIfDead(op);
  }

  void eraseIfDead(Operation *op) { eraseDeadChain(rewriter, op); }
};

/// pack(dequantize(q, s, zp)) -> pack_quantized(q, zp) for a constant
/// per-tensor s > 0 and zp: b((q - zp) * s) is -1 exactly when q < zp (a
/// nonzero integer times a positive float32 cannot round to 0), so the
/// binary layer reads the int8 tensor and no float tensor is made.
void packFromIntegers(bnn::PackOp pack) {
  if (pack.getThreshold())
    return;
  auto dq = matchDequantize(pack.getInput());
  if (!dq || dq->scales.size() != 1 || dq->zeroPoints.size() != 1 ||
      !(dq->scales[0] > 0.0f) || !std::isfinite(dq->scales[0]) ||
      !tensorType(dq->quantized()).getElementType().isInteger(8))
    return;
  IRRewriter rewriter(pack.getContext());
  rewriter.setInsertionPoint(pack);
  Operation *input = pack.getInput().getDefiningOp();
  rewriter.replaceOpWithNewOp<bnn::PackQuantizedOp>(
      pack, pack.getType(), dq->quantized(), /*threshold=*/Value(),
      rewriter.getI64IntegerAttr(dq->zeroPoints[0]), pack.getGroupAttr());
  eraseDeadChain(rewriter, input);
}

struct BnnFuseQdqPass final : bnnc::impl::BnnFuseQdqBase<BnnFuseQdqPass> {
  void runOnOperation() override {
    SmallVector<bnn::QuantizeOp> quantizes;
    getOperation().walk([&](bnn::QuantizeOp q) { quantizes.push_back(q); });
    Fuser fuser(&getContext());
    for (bnn::QuantizeOp q : quantizes)
      fuser.run(q);
    SmallVector<bnn::PackOp> packs;
    getOperation().walk([&](bnn::PackOp p) { packs.push_back(p); });
    for (bnn::PackOp p : packs)
      packFromIntegers(p);
  }
};

} // namespace
