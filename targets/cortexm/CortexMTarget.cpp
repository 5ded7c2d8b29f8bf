//===- CortexMTarget.cpp - Cortex-M microcontrollers ----------------------===//
//
// --target=cortex-m0plus|cortex-m4|cortex-m7|cortex-m33|cortex-m55. The
// generated C is the generic target's with the binary convolutions, dense
// layers and activation packing taken over by runtime/bnnc/kernels_cortexm.h
// (Harley-Seal popcount, USADA8 byte sums where the DSP extension exists,
// patch gathering, threshold words built in registers). On cortex-m55 the
// dot products and the packing are the Helium (MVE) ones of
// runtime/bnnc/kernels_helium.h; the other cores differ only in the
// compiler flags the C is built with (docs/cortex-m.md). Real
// convolutions, depthwise convolutions and dense Gemms take the
// register-blocked float kernels of runtime/bnnc/kernels_cortexm_f32.h
// (VMLA and VLDM on M4/M7/M33/M55, plain C with soft float on M0+), and so
// do the gates' products of LSTM, GRU and RNN; the other real ops are the
// generic single-precision loops.
//
//===----------------------------------------------------------------------===//

#include "targets/generic/GenericKernels.h"

#include "dialects/bnn/BnnDialect.h"
#include "dialects/onnx/ShapeUtils.h"

#include "mlir/IR/BuiltinAttributes.h"

#include "bnnc/layouts.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace llvm;

namespace bnnc {
namespace {

class CortexMKernels : public GenericKernels {
public:
  explicit CortexMKernels(StringRef core) : core(core) {}

  ArrayRef<StringRef> runtimeHeaders() const override {
    static const StringRef headers[] = {
        "bnnc/kernels_f32.h", "bnnc/kernels_binary.h", "bnnc/kernels_cortexm.h",
        "bnnc/kernels_cortexm_f32.h", "bnnc/kernels_helium.h"};
    // kernels_helium.h last, and only for the Helium core.
    return ArrayRef<StringRef>(headers).drop_back(helium() ? 0 : 1);
  }

protected:
  LogicalResult bconv2d(bnn::BConv2DOp op, CEmitter &e) override;
  LogicalResult pack(bnn::PackOp op, CEmitter &e) override;
  LogicalResult conv2d(bnn::Conv2DOp op, CEmitter &e) override;
  LogicalResult gemm(bnn::GemmOp op, CEmitter &e) override;
  LogicalResult qconv2d(bnn::QConv2DOp op, CEmitter &e) override;
  LogicalResult requantize(bnn::RequantizeOp op, CEmitter &e) override;
  /// The portable int8 convolution, for the layers this kernel does not
  /// take; an error for one whose int32 result was planned away
  /// (bnn.fused_into_user: bnn::fusableRequantize promised this kernel).
  LogicalResult genericQConv2d(bnn::QConv2DOp op, CEmitter &e) {
    if (op->hasAttr(bnn::kFusedIntoUserAttr))
      return op.emitError("internal error: a convolution planned as fused "
                          "into its requantization does not fit the "
                          "Cortex-M int8 kernel");
    return GenericKernels::qconv2d(op, e);
  }
  StringRef fixedRequantizeKernel() const override {
    return "bnnc_cm_requantize_fixed_i32_";
  }
  LogicalResult quantize(bnn::QuantizeOp op, CEmitter &e) override {
    // The generic emission with kernels_cortexm_int8.h's kernel (VDIV and
    // VCVTR on FPU cores, the generic kernel elsewhere; same results).
    e.requireRuntimeHeader("bnnc/kernels_int8.h");
    e.requireRuntimeHeader("bnnc/kernels_cortexm_int8.h");
    return GenericKernels::quantize(op, e);
  }
  StringRef quantizeKernel() const override { return "bnnc_cm_quantize_f32_"; }
  LogicalResult recurrent(bnn::RecurrentOp op, CEmitter &e) override {
    // The portable kernel's driver with the gate products 4 rows at a time
    // (VLDM/VMLA on FPU cores, plain C on M0+); bit-identical to it.
    emitRecurrentCall(op, e, "bnnc_cm_recurrent_f32");
    return success();
  }

private:
  /// The core of the --target (Targets.def). Apart from cortex-m55's
  /// Helium kernels the emitted C is the same for every core: it picks DSP
  /// or SWAR code from the compiler's feature macros (__ARM_FEATURE_DSP), so
  /// one file builds for any of them.
  StringRef core;

  /// Whether the core has MVE (Helium): the binary kernels are then
  /// kernels_helium.h's (which fall back to the portable Cortex-M ones when
  /// the C is built without MVE).
  bool helium() const { return core == "cortex-m55"; }

  /// The requantizations that a qconv2d emitted above wrote already
  /// (bnnc_cm_qconv2d_* with its epilogue): they emit no statement.
  llvm::SmallPtrSet<Operation *, 8> fusedRequantizations;
};

/// Words of one output position's patch, or nullopt when the Cortex-M
/// kernel does not cover the op (grouped convolutions, ±1 padding).
std::optional<int64_t> patchWords(bnn::BConv2DOp op) {
  if (op.getGroup() != 1)
    return std::nullopt;
  int64_t words = bnn::packedWords(op.getChannels(), 1);
  return op.getKernel()[0] * op.getKernel()[1] * words;
}

/// popcount of each (output channel, tap)'s packed weight words, or "" when
/// the weights are not a constant of the expected layout.
std::string tapOnesTable(bnn::BConv2DOp op, CEmitter &e) {
  Operation *def = op.getWeight().getDefiningOp();
  auto attr = def ? def->getAttrOfType<DenseElementsAttr>("value") : nullptr;
  if (!attr || !attr.getElementType().isInteger(32))
    return "";
  int64_t m = op.getOutChannels(),
          taps = op.getKernel()[0] * op.getKernel()[1],
          words = bnn::packedWords(op.getChannels(), 1);
  if (attr.getNumElements() != m * taps * words || op.getChannels() > 32767)
    return "";
  SmallVector<int16_t> ones(m * taps, 0);
  int64_t i = 0;
  for (const APInt &v : attr.getValues<APInt>())
    ones[i++ / words] += static_cast<int16_t>(v.popcount());
  std::string name = e.defineArray(
      e.currentNodeId() + "_tap_ones",
      "popcount of each (output channel, kernel tap)'s weight words", ones);
  return name;
}

LogicalResult CortexMKernels::bconv2d(bnn::BConv2DOp op, CEmitter &e) {
  auto w = cast<RankedTensorType>(op.getWeight().getType());
  std::optional<int64_t> words = patchWords(op);
  // Zero padding and one-padding (pad_value 1, LCE's SAME padding: the
  // kernel's zero patch words are +1 inputs); -1 padding runs in the
  // portable kernel.
  if (!w.getElementType().isInteger(32) || !words ||
      *words > BNNC_CM_PATCH_WORDS ||
      (op.padValue() != 0 && op.padValue() != 1))
    return GenericKernels::bconv2d(op, e);
  std::string params = bconv2dParams(op, e);
  std::string x = "(const uint32_t *)" + e.input(op.getInput());
  std::string weights =
      "(const uint32_t *)" + e.input(op.getWeight(), "weight");
  // Dense layers and convolutions without padding never read the table.
  std::string table = "NULL";
  if (op.padValue() == 0 &&
      llvm::any_of(op.getPads(), [](int64_t p) { return p != 0; })) {
    table = tapOnesTable(op, e);
    if (table.empty())
      table = "NULL";
  }
  if (op.writesQuantized())
    emitKernelCall(e, helium() ? "bnnc_mve_bconv2d_q8" : "bnnc_cm_bconv2d_q8",
                   {params, x, weights, table, int8Epilogue(op, e),
                    int8OutputSigned(op), e.output(op.getOutput())});
  else if (op.writesBits())
    emitKernelCall(e,
                   helium() ? "bnnc_mve_bconv2d_bits" : "bnnc_cm_bconv2d_bits",
                   {params, x, weights, table, bitsEpilogue(op, e),
                    "(uint32_t *)" + e.output(op.getOutput())});
  else
    emitKernelCall(
        e, helium() ? "bnnc_mve_bconv2d_float" : "bnnc_cm_bconv2d_float",
        {params, x, weights, table, floatEpilogue(op, e),
         e.output(op.getOutput())});
  return success();
}

LogicalResult CortexMKernels::pack(bnn::PackOp op, CEmitter &e) {
  if (op.getThreshold())
    return GenericKernels::pack(op, e);
  emitKernelCall(
      e, helium() ? "bnnc_mve_pack_f32" : "bnnc_cm_pack_f32_nchw_to_nhwc",
      {packParams(op, e), e.input(op.getInput()),
       "(uint32_t *)" + e.output(op.getOutput())});
  return success();
}

/// The float elements of a constant operand, or nullopt.
std::optional<SmallVector<float>> constantFloats(Value v) {
  Operation *def = v ? v.getDefiningOp() : nullptr;
  if (!def || !def->hasTrait<OpTrait::ConstantLike>())
    return std::nullopt;
  auto attr = dyn_cast_or_null<DenseElementsAttr>(def->getAttr("value"));
  if (!attr || !attr.getElementType().isF32())
    return std::nullopt;
  SmallVector<float> values;
  for (const APFloat &f : attr.getValues<APFloat>())
    values.push_back(f.convertToFloat());
  return values;
}

LogicalResult CortexMKernels::conv2d(bnn::Conv2DOp op, CEmitter &e) {
  auto w = shapeOf(op.getWeight()); // (m, cg, kh, kw)
  int64_t group = op.getGroup();
  std::string x = e.input(op.getInput());
  std::string bias = optionalInput(e, op.getBias(), "bias");
  std::string y = e.output(op.getOutput());
  std::optional<SmallVector<float>> values = constantFloats(op.getWeight());
  bool haveWeights =
      w.size() == 4 && values &&
      static_cast<int64_t>(values->size()) == w[0] * w[1] * w[2] * w[3];
  if (haveWeights && w[1] == 1 && group > 1 && w[0] == group) {
    // Depthwise, one output channel per group: 4 channels x 4 pixels per
    // block, weights in the o4 layout of a 1-input-channel convolution.
    int32_t m = static_cast<int32_t>(w[0]),
            taps = static_cast<int32_t>(w[2] * w[3]);
    SmallVector<float> o4(bnnc_layout_o4_floats(m, 1, taps, 1));
    bnnc_layout_o4(m, 1, taps, 1, values->data(), o4.data());
    std::string node = e.currentNodeId();
    std::string params = conv2dParams(op, e);
    std::string weight = e.defineArray(
        node + "_weight_dw4",
        "weights of " + node + ", depthwise o4 layout (out/4, kh, kw, 4)", o4);
    e.body() << "  /* Cortex-M depthwise conv: 4 channels x 4 pixels per "
                "block */\n";
    emitKernelCall(e, "bnnc_cm_dwconv2d_f32_o4", {params, x, weight, bias, y});
    return success();
  }
  if (w.size() == 4 && w[1] == 1 && group > 1) {
    // Depthwise with a channel multiplier: weights as they are.
    e.body() << "  /* Cortex-M depthwise conv: 8 pixels of a row per block */\n";
    emitKernelCall(e, "bnnc_cm_dwconv2d_f32",
                   {conv2dParams(op, e), x, e.input(op.getWeight(), "weight"),
                    bias, y});
    return success();
  }
  if (!haveWeights) {
    emitKernelCall(e, "bnnc_cm_conv2d_f32",
                   {conv2dParams(op, e), x, e.input(op.getWeight(), "weight"),
                    bias, y});
    return success();
  }
  int32_t m = static_cast<int32_t>(w[0]), cg = static_cast<int32_t>(w[1]),
          taps = static_cast<int32_t>(w[2] * w[3]),
          g = static_cast<int32_t>(group);
  SmallVector<float> o4(bnnc_layout_o4_floats(m, cg, taps, g));
  bnnc_layout_o4(m, cg, taps, g, values->data(), o4.data());
  std::string node = e.currentNodeId();
  std::string params = conv2dParams(op, e);
  std::string weight = e.defineArray(
      node + "_weight_o4",
      "weights of " + node + ", o4 layout (group, out/4, in, kh, kw, 4)", o4);
  e.body() << "  /* Cortex-M conv: 4 channels x 4 pixels per block */\n";
  emitKernelCall(e, "bnnc_cm_conv2d_f32_o4", {params, x, weight, bias, y});
  return success();
}

LogicalResult CortexMKernels::gemm(bnn::GemmOp op, CEmitter &e) {
  // The dense kernel: y = act(A * B + bias), A untransposed, B a constant,
  // alpha = 1, C absent or a row vector of N with beta = 1.
  std::optional<SmallVector<float>> b = constantFloats(op.getB());
  auto dense = denseLayerShape(op);
  if (!b || !dense || static_cast<int64_t>(b->size()) != (*dense)[1] * (*dense)[2])
    return GenericKernels::gemm(op, e);
  auto [m, n, k] = *dense;
  SmallVector<float> n8(bnnc_layout_n8_floats(static_cast<int32_t>(n),
                                              static_cast<int32_t>(k)));
  bnnc_layout_n8(static_cast<int32_t>(n), static_cast<int32_t>(k),
                 op.getTransB(), b->data(), n8.data());
  std::string node = e.currentNodeId();
  std::string weight =
      e.defineArray(node + "_weight_n8",
                    "weights of " + node + ", n8 layout (out/8, in, 8)", n8);
  emitDenseCall(e, op, "bnnc_cm_dense_f32", *dense, weight);
  return success();
}

/// The integer elements of a constant int8/uint8 operand (zero-extended
/// for unsigned types), or nullopt.
std::optional<SmallVector<int32_t>> constantQuantized(Value v) {
  Operation *def = v ? v.getDefiningOp() : nullptr;
  if (!def || !def->hasTrait<OpTrait::ConstantLike>())
    return std::nullopt;
  auto attr = dyn_cast_or_null<DenseElementsAttr>(def->getAttr("value"));
  if (!attr || !attr.getElementType().isInteger(8))
    return std::nullopt;
  bool isUnsigned = attr.getElementType().isUnsignedInteger();
  SmallVector<int32_t> values;
  for (const APInt &a : attr.getValues<APInt>())
    values.push_back(
        static_cast<int32_t>(isUnsigned ? a.getZExtValue() : a.getSExtValue()));
  return values;
}

/// The bnn.requantize the convolution writes directly
/// (bnn::fusableRequantize with this kernel's patch limits). bnn-plan-memory
/// keeps the convolution's input live until the requantization, so the
/// fused kernel never writes over what it still reads; with
/// fuse-cortex-m-requantize it planned no int32 tensor at all
/// (bnn.fused_into_user).
bnn::RequantizeOp fusableRequantize(bnn::QConv2DOp op) {
  return bnn::fusableRequantize(op, bnnc_cm_qpatch_max(0),
                                bnnc_cm_qpatch_max(1));
}

/// int8 convolutions with constant weights (and weight zero points) and
/// patches of at most bnnc_cm_qpatch_max values: bnnc_cm_qconv2d_* with the
/// weights minus their zero point in the q4 layout (int16 pairs, 4 output
/// channels side by side), and the following requantization fused in when
/// fusableRequantize allows. Anything else is the generic kernel.
LogicalResult CortexMKernels::qconv2d(bnn::QConv2DOp op, CEmitter &e) {
  auto x = shapeOf(op.getInput()), w = shapeOf(op.getWeight());
  auto y = shapeOf(op.getOutput());
  std::optional<SmallVector<int32_t>> weights =
      constantQuantized(op.getWeight());
  std::optional<SmallVector<int32_t>> wZp;
  if (op.getWeightZeroPoint())
    wZp = constantQuantized(op.getWeightZeroPoint());
  if (x.size() != 4 || w.size() != 4 || !weights ||
      (op.getWeightZeroPoint() && !wZp))
    return genericQConv2d(op, e);
  int64_t m = w[0], k = w[1] * w[2] * w[3];
  int64_t group = static_cast<int64_t>(op.getGroup());
  auto pads = op.getPads();
  bool dense = y[2] == 1 && y[3] == 1 && w[2] == x[2] && w[3] == x[3] &&
               pads[0] == 0 && pads[1] == 0;
  if (k > bnnc_cm_qpatch_max(dense) ||
      static_cast<int64_t>(weights->size()) != m * k ||
      (wZp && wZp->size() != 1 && static_cast<int64_t>(wZp->size()) != m))
    return genericQConv2d(op, e);

  // Weights minus their zero point, in [-255, 255], laid out as q4.
  SmallVector<int32_t> diff(m * k);
  for (int64_t o = 0; o < m; ++o) {
    int32_t z = wZp ? (*wZp)[wZp->size() == 1 ? 0 : o] : 0;
    for (int64_t t = 0; t < k; ++t)
      diff[o * k + t] = (*weights)[o * k + t] - z;
  }
  int32_t m32 = static_cast<int32_t>(m), k32 = static_cast<int32_t>(k),
          g32 = static_cast<int32_t>(group);
  SmallVector<uint32_t> q4(bnnc_layout_q4_words(m32, k32, g32));
  bnnc_layout_q4(m32, k32, g32, diff.data(), q4.data());
  SmallVector<int32_t> words(q4.begin(), q4.end());

  e.requireRuntimeHeader("bnnc/kernels_int8.h");
  e.requireRuntimeHeader("bnnc/kernels_cortexm_int8.h");
  std::string node = e.currentNodeId();
  ParamStruct p(e, "bnnc_cm_qconv2d_params");
  p.field("n", x[0]).field("c", x[1]).field("h", x[2]).field("w", x[3]);
  p.field("m", m).field("kh", w[2]).field("kw", w[3]);
  p.field("oh", y[2]).field("ow", y[3]);
  p.window(op.getStrides(), op.getPads(), op.getDilations());
  p.field("group", group);
  p.field("kp", bnnc_layout_q4_kp(k32));
  std::string params = p.finish();
  std::string weight = e.defineArray(
      node + "_weight_q4",
      "weights of " + node +
          " minus their zero point, q4 layout: per group and block of 4 "
          "output channels, (k/2, 4) words of two int16",
      ArrayRef<int32_t>(words));

  std::string epilogue, out;
  if (bnn::RequantizeOp rq = fusableRequantize(op)) {
    auto fixed = *fixedPointMultipliers(rq);
    SmallVector<float> multipliers = *bnn::requantizeMultipliers(rq);
    SmallVector<int32_t> mant(m), exp(m), zp(m, 0);
    SmallVector<float> scale(m);
    std::optional<SmallVector<int32_t>> zpValues;
    if (rq.getZeroPoint())
      zpValues = constantQuantized(rq.getZeroPoint());
    for (int64_t o = 0; o < m; ++o) {
      size_t i = fixed.first.size() == 1 ? 0 : o;
      mant[o] = fixed.first[i];
      exp[o] = fixed.second[i];
      scale[o] = multipliers[i];
      if (zpValues)
        zp[o] = (*zpValues)[zpValues->size() == 1 ? 0 : o];
    }
    bool isUnsigned =
        tensorType(rq.getOutput()).getElementType().isUnsignedInteger();
    ParamStruct ep(e, "bnnc_cm_qepilogue");
    ep.raw("mant", e.defineArray(node + "_requant_mant",
                                 "requantization multipliers (float32 "
                                 "significands) per output channel",
                                 ArrayRef<int32_t>(mant)));
    ep.raw("exp", e.defineArray(node + "_requant_exp",
                                "requantization shifts (float32 exponents) "
                                "per output channel",
                                ArrayRef<int32_t>(exp)));
    ep.raw("zp", e.defineArray(node + "_requant_zp",
                               "output zero point per output channel",
                               ArrayRef<int32_t>(zp)));
    ep.field("lo", isUnsigned ? 0 : -128).field("hi", isUnsigned ? 255 : 127);
    ep.field("relu", rq.getRelu() ? 1 : 0);
    ep.raw("scale", e.defineArray(node + "_requant_scale",
                                  "the same multipliers as float32, for "
                                  "the FPU requantization",
                                  ArrayRef<float>(scale)));
    epilogue = ep.finish();
    out = e.output(rq.getOutput());
    fusedRequantizations.insert(rq);
    e.body() << "  /* Cortex-M int8 conv (2 channels x 2 positions per "
                "block), requantization fused */\n";
  } else {
    ParamStruct ep(e, "bnnc_cm_qepilogue");
    ep.field("lo", 0);
    epilogue = ep.finish();
    out = e.output(op.getOutput());
    e.body() << "  /* Cortex-M int8 conv (2 channels x 2 positions per "
                "block) */\n";
  }
  std::string xs =
      tensorType(op.getInput()).getElementType().isUnsignedInteger() ? "u8"
                                                                     : "i8";
  emitKernelCall(e, "bnnc_cm_qconv2d_" + xs,
                 {params, e.input(op.getInput()),
                  optionalInput(e, op.getInputZeroPoint(), "x_zero_point"),
                  "(const uint32_t *)" + weight,
                  optionalInput(e, op.getBias(), "bias"), epilogue, out});
  return success();
}

LogicalResult CortexMKernels::requantize(bnn::RequantizeOp op, CEmitter &e) {
  if (!fusedRequantizations.contains(op)) {
    // The generic emission with kernels_cortexm_int8.h's requantization
    // (32-bit fast path, same results).
    e.requireRuntimeHeader("bnnc/kernels_int8.h");
    e.requireRuntimeHeader("bnnc/kernels_cortexm_int8.h");
    return GenericKernels::requantize(op, e);
  }
  e.body() << "  /* written by the convolution above */\n";
  return success();
}

} // namespace

std::unique_ptr<TargetKernels> createCortexMKernels(StringRef core) {
  return std::make_unique<CortexMKernels>(core);
}

} // namespace bnnc
