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
  if (op.writesBits())
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

} // namespace

std::unique_ptr<TargetKernels> createCortexMKernels(StringRef core) {
  return std::make_unique<CortexMKernels>(core);
}

} // namespace bnnc
