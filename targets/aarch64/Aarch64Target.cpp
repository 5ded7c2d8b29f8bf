//===- Aarch64Target.cpp - ARMv8-A NEON kernels ---------------------------===//
//
// The aarch64 target is the generic target with NEON kernels
// (runtime/bnnc/kernels_neon.h) for the ops that carry the compute: binary
// convolutions and dense layers, activation packing, real convolutions and
// Gemm, and integer (int8) convolutions (runtime/bnnc/kernels_neon_int8.h:
// SMLAL on ARMv8.0, SDOT for the aarch64-dotprod target, the same class with
// core "dotprod"). Each op takes the NEON kernel when its shape fits one of the
// kernel's variants and the portable kernel otherwise; the choice is made
// here, at compile time, and the variant named in a comment above the call.
// NEON kernels read their constants in their own layouts (docs/aarch64.md),
// which this file writes from the op's constant operands.
//
//===----------------------------------------------------------------------===//

#include "targets/generic/GenericKernels.h"
#include "targets/generic/Loops.h"

#include "dialects/onnx/ShapeUtils.h"

#include "bnnc/layouts.h"

#include "llvm/ADT/StringExtras.h"

#include <climits>

using namespace mlir;
using namespace llvm;

namespace bnnc {
namespace {

/// The elements of an operand defined by a constant, or nullopt. (A constant
/// behind a view is emitted when the view is, so a copy in another layout
/// would leave it unused.)
std::optional<DenseElementsAttr> constantOf(Value v) {
  if (!v)
    return std::nullopt;
  Operation *def = v.getDefiningOp();
  if (!def || !def->hasTrait<OpTrait::ConstantLike>())
    return std::nullopt;
  auto attr = dyn_cast_or_null<DenseElementsAttr>(def->getAttr("value"));
  if (!attr)
    return std::nullopt;
  return attr;
}

SmallVector<float> floatsOf(DenseElementsAttr attr) {
  SmallVector<float> values;
  for (const APFloat &v : attr.getValues<APFloat>())
    values.push_back(v.convertToFloat());
  return values;
}

SmallVector<int64_t> intsOf(DenseElementsAttr attr) {
  SmallVector<int64_t> values;
  for (const APInt &v : attr.getValues<APInt>())
    values.push_back(attr.getElementType().isUnsignedInteger()
                         ? static_cast<int64_t>(v.getZExtValue())
                         : v.getSExtValue());
  return values;
}

/// A per-output-channel float vector padded to `size` with `fill`, all
/// `fill` when the operand is absent; nullopt if it is not a constant.
std::optional<SmallVector<float>> paddedChannels(Value v, int64_t size,
                                                 float fill) {
  SmallVector<float> values;
  if (v) {
    auto attr = constantOf(v);
    if (!attr)
      return std::nullopt;
    values = floatsOf(*attr);
  }
  values.resize(size, fill);
  return values;
}

/// Which pixels of a row the NEON binary convolution runs in 8x8 blocks:
/// the columns whose kw window lies inside the image (as the kernel computes
/// them), when there are at least 8 and the block can load them.
std::string blockVariant(bnn::BConv2DOp op, int64_t wg) {
  int64_t w = shapeOf(op.getInput())[2];
  int64_t ow = shapeOf(op.getOutput())[op.writesBits() ? 2 : 3];
  int64_t kw = op.getKernel()[1], sw = op.getStrides()[1];
  int64_t pl = op.getPads()[1], dw = op.getDilations()[1];
  int64_t span = (kw - 1) * dw + 1;
  int64_t lo = (pl + sw - 1) / sw;
  int64_t hi = w - span + pl < 0 ? 0 : std::min(ow, (w - span + pl) / sw + 1);
  std::string text =
      "NEON binary conv, " + std::to_string(wg) + " word(s) per tap: ";
  if ((wg % 4 == 0 || (wg <= 2 && sw == 1)) && hi - lo >= 8)
    return text + "8x8 pixel-channel blocks on columns [" + std::to_string(lo) +
           ", " + std::to_string(hi) + "), single pixels elsewhere";
  return text + "single pixels x 8 channels";
}

class Aarch64Kernels final : public GenericKernels {
public:
  /// `dotprod`: the target has the ARMv8.2-A dot product extension
  /// (--target=aarch64-dotprod), so int8 convolutions use SDOT.
  explicit Aarch64Kernels(bool dotprod) : dotprod(dotprod) {}

  ArrayRef<StringRef> runtimeHeaders() const override {
    static const StringRef headers[] = {
        "bnnc/kernels_f32.h", "bnnc/kernels_binary.h", "bnnc/kernels_neon.h",
        "bnnc/kernels_neon_transformer.h"};
    return headers;
  }

protected:
  LogicalResult bconv2d(bnn::BConv2DOp op, CEmitter &e) override;
  LogicalResult pack(bnn::PackOp op, CEmitter &e) override;
  LogicalResult conv2d(bnn::Conv2DOp op, CEmitter &e) override;
  LogicalResult gemm(bnn::GemmOp op, CEmitter &e) override;
  // Integer convolutions (bnnc/kernels_neon_int8.h).
  LogicalResult qconv2d(bnn::QConv2DOp op, CEmitter &e) override;
  // Transformer ops (bnnc/kernels_neon_transformer.h).
  LogicalResult matmul(bnn::MatMulOp op, CEmitter &e) override;
  LogicalResult softmax(bnn::SoftmaxOp op, CEmitter &e) override;
  LogicalResult layerNorm(bnn::LayerNormOp op, CEmitter &e) override;
  LogicalResult gelu(bnn::GeluOp op, CEmitter &e) override;
  LogicalResult stridedCopy(bnn::StridedCopyOp op, CEmitter &e) override;
  LogicalResult elementwise(bnn::ElementwiseOp op, CEmitter &e) override;
  LogicalResult recurrent(bnn::RecurrentOp op, CEmitter &e) override {
    // The portable kernel with NEON dot products.
    emitRecurrentCall(op, e, "bnnc_neon_recurrent_f32");
    return success();
  }

private:
  static void variantComment(CEmitter &e, StringRef text) {
    e.body() << "  /* " << text << " */\n";
  }

  bool dotprod;
  /// Whether the C already has the #error that asks for the dot product
  /// extension.
  bool dotprodGuard = false;
};

/// The runtime's layout functions (bnnc/layouts.h), on constant attributes.
SmallVector<int32_t> toO8(ArrayRef<int64_t> words, int64_t m, int64_t taps,
                          int64_t wg) {
  SmallVector<uint32_t> ohwi(words.begin(), words.end());
  SmallVector<uint32_t> o8(bnnc_layout_o8_words(m, taps, wg));
  bnnc_layout_o8(m, taps, wg, ohwi.data(), o8.data());
  return SmallVector<int32_t>(o8.begin(), o8.end());
}

LogicalResult Aarch64Kernels::bconv2d(bnn::BConv2DOp op, CEmitter &e) {
  auto weights = constantOf(op.getWeight());
  auto wshape = shapeOf(op.getWeight());
  int64_t m = op.getOutChannels(), c = op.getChannels();
  int64_t kh = op.getKernel()[0], kw = op.getKernel()[1];
  int64_t wg = bnn::packedWords(c, 1), m8 = (m + 7) / 8 * 8;
  // The NEON variants: group 1, 16-bit accumulators (K < 2^16), packed
  // output in one pack group, zero padding (one-padding is portable only).
  // The int8 epilogue (a binary layer feeding an int8 one) is portable only.
  bool fits = weights && wshape.size() == 4 && op.getGroup() == 1 &&
              !op.writesQuantized() && op.padValue() == 0 &&
              kh * kw * c < 65535 &&
              (!op.writesBits() || op.getOutGroup() == 1);
  std::optional<SmallVector<float>> scale, bias, slope;
  SmallVector<int32_t> threshold(m8, INT32_MIN);
  SmallVector<uint8_t> flipBits(m8 / 8, 0);
  if (fits && op.writesBits()) {
    auto t = constantOf(op.getThreshold());
    auto f = op.getFlip() ? constantOf(op.getFlip()) : std::nullopt;
    fits = t && (!op.getFlip() || f);
    if (fits) {
      for (auto [o, v] : llvm::enumerate(intsOf(*t)))
        threshold[o] = static_cast<int32_t>(v);
      if (f)
        for (auto [o, v] : llvm::enumerate(intsOf(*f)))
          flipBits[o / 8] |= static_cast<uint8_t>((v & 1) << (o % 8));
    }
  } else if (fits) {
    scale = paddedChannels(op.getScale(), m8, 1.0f);
    bias = paddedChannels(op.getBias(), m8, 0.0f);
    slope = paddedChannels(op.getSlope(), m8, 0.0f);
    fits = scale && bias && slope;
  }
  if (!fits)
    return GenericKernels::bconv2d(op, e);

  std::string node = e.currentNodeId();
  std::string params = bconv2dParams(op, e);
  std::string w8 =
      e.defineArray(node + "_weight_o8",
                    ("binary weights of " + node + ", NEON o8 layout (" +
                     Twine(m8 / 8) + ", " + Twine(kh) + ", " + Twine(kw) +
                     ", " + Twine(wg / std::min<int64_t>(wg, 4)) + ", 8, " +
                     Twine(std::min<int64_t>(wg, 4)) + ") words")
                        .str(),
                    toO8(intsOf(*weights), m, kh * kw, wg));
  std::string epilogue = e.freshName(node + "_neon_epilogue");
  raw_ostream &g = e.globals();
  if (op.writesBits()) {
    std::string t = e.defineArray(node + "_threshold8",
                                  "bit thresholds of " + node +
                                      ", padded to 8 channels with INT32_MIN",
                                  threshold);
    std::string f = e.defineArray(
        node + "_flip_bits", "flip bits of " + node + ", 8 per byte", flipBits);
    SmallVector<uint16_t> popThreshold(m8);
    bnnc_layout_pop_thresholds(m8, kh * kw * c, threshold.data(),
                               popThreshold.data());
    std::string pt =
        e.defineArray(node + "_pop_threshold",
                      ("popcount thresholds of " + node +
                       " for the full window (K = " + Twine(kh * kw * c) + ")")
                          .str(),
                      popThreshold);
    g << "static const bnnc_neon_bepilogue " << epilogue
      << " = {\n    .threshold = " << t << ", .pop_threshold = " << pt
      << ", .flip_bits = " << f << ",\n};\n\n";
  } else {
    std::string s =
        e.defineArray(node + "_scale8", "scales of " + node, *scale);
    std::string b = e.defineArray(node + "_bias8", "biases of " + node, *bias);
    std::string sl =
        e.defineArray(node + "_slope8", "PReLU slopes of " + node, *slope);
    g << "static const bnnc_neon_bepilogue " << epilogue
      << " = {\n    .scale = " << s << ", .bias = " << b << ", .slope = " << sl
      << ",\n    .activation = " << activationConstant(op.getActivation())
      << ", .clamp_lo = " << floatOrZero(op.getClampLo())
      << ", .clamp_hi = " << floatOrZero(op.getClampHi()) << ",\n};\n\n";
  }
  std::string x = "(const uint32_t *)" + e.input(op.getInput());
  std::string y = e.output(op.getOutput());
  variantComment(e, blockVariant(op, wg));
  if (op.writesBits())
    emitKernelCall(e, "bnnc_neon_bconv2d_bits",
                   {params, x, "(const uint32_t *)" + w8, "&" + epilogue,
                    "(uint32_t *)" + y});
  else
    emitKernelCall(e, "bnnc_neon_bconv2d_float",
                   {params, x, "(const uint32_t *)" + w8, "&" + epilogue, y});
  return success();
}

LogicalResult Aarch64Kernels::pack(bnn::PackOp op, CEmitter &e) {
  if (op.getGroup() != 1)
    return GenericKernels::pack(op, e);
  auto x = shapeOf(op.getInput()); // (n, c, h, w)
  if (x.size() == 4 && x[2] * x[3] == 1) {
    // Rows of contiguous channels: the input of a binarized linear layer.
    variantComment(e, "NEON pack of [rows, channels]: 4 channels per step");
    emitKernelCall(
        e, "bnnc_neon_pack_rows_f32",
        {std::to_string(x[0]), std::to_string(x[1]), e.input(op.getInput()),
         op.getThreshold() ? e.input(op.getThreshold(), "threshold") : "NULL",
         "(uint32_t *)" + e.output(op.getOutput())});
    return success();
  }
  std::string params = packParams(op, e);
  emitKernelCall(
      e, "bnnc_neon_pack_f32",
      {params, e.input(op.getInput()),
       op.getThreshold() ? e.input(op.getThreshold(), "threshold") : "NULL",
       "(uint32_t *)" + e.output(op.getOutput())});
  return success();
}

/// A 1x1 convolution that is a plain GEMM per image and group: stride 1,
/// no padding (the output has the input's size).
static bool isPointwise(bnn::Conv2DOp op) {
  auto w = shapeOf(op.getWeight()), x = shapeOf(op.getInput()),
       y = shapeOf(op.getOutput());
  return w[2] == 1 && w[3] == 1 && op.getStrides()[0] == 1 &&
         op.getStrides()[1] == 1 && x[2] == y[2] && x[3] == y[3] &&
         op.getPads()[0] == 0 && op.getPads()[1] == 0;
}

LogicalResult Aarch64Kernels::conv2d(bnn::Conv2DOp op, CEmitter &e) {
  auto w = shapeOf(op.getWeight()); // (m, cg, kh, kw)
  int64_t group = op.getGroup(), m = w[0], cg = w[1], taps = w[2] * w[3];
  if (cg == 1 && group == m) {
    // Depthwise: one channel per group, the weights as they are.
    std::string params = conv2dParams(op, e);
    std::string x = e.input(op.getInput());
    std::string y = e.output(op.getOutput());
    variantComment(e, "NEON depthwise conv: 16 and 4 pixels per step inside "
                      "the image, single pixels at its borders");
    emitKernelCall(e, "bnnc_neon_dwconv2d_f32",
                   {params, x, e.input(op.getWeight(), "weight"),
                    optionalInput(e, op.getBias(), "bias"), y});
    return success();
  }
  if (isPointwise(op)) {
    // A GEMM per image and group on the weights as they are (constant or
    // not): weights x input planes.
    std::string params = conv2dParams(op, e);
    std::string x = e.input(op.getInput());
    std::string y = e.output(op.getOutput());
    variantComment(e, "NEON 1x1 conv: GEMM of the weights and the input "
                      "planes, 4 channels x 16 pixels per tile");
    emitKernelCall(e, "bnnc_neon_conv1x1_f32",
                   {params, x, e.input(op.getWeight(), "weight"),
                    optionalInput(e, op.getBias(), "bias"), y});
    return success();
  }
  auto weights = constantOf(op.getWeight());
  if (!weights)
    return GenericKernels::conv2d(op, e);
  SmallVector<float> values = floatsOf(*weights);
  SmallVector<float> o16(bnnc_layout_o16_floats(m, cg, taps, group));
  bnnc_layout_o16(m, cg, taps, group, values.data(), o16.data());
  int64_t width = bnnc_layout_o16_width(static_cast<int32_t>(m / group), 0);
  std::string node = e.currentNodeId();
  std::string params = conv2dParams(op, e);
  std::string weight = e.defineArray(
      node + "_weight_o16",
      ("weights of " + node + ", NEON o16 layout (group, out/" + Twine(width) +
       ", in, kh, kw, " + Twine(width) + "; a partial last block 4k wide)")
          .str(),
      o16);
  std::string x = e.input(op.getInput());
  std::string y = e.output(op.getOutput());
  int64_t stride = op.getStrides()[1];
  variantComment(e,
                 "NEON conv: " + std::to_string(std::min<int64_t>(width, 16)) +
                     " channels x 4 pixels per tile inside the image" +
                     (stride == 1   ? ""
                      : stride == 2 ? " (LD2 of even columns)"
                                    : " (none at this stride)") +
                     ", single pixels elsewhere");
  emitKernelCall(
      e, "bnnc_neon_conv2d_f32",
      {params, x, weight, optionalInput(e, op.getBias(), "bias"), y});
  return success();
}

LogicalResult Aarch64Kernels::gemm(bnn::GemmOp op, CEmitter &e) {
  // The NEON GEMM: y = act(A * B + bias) with A untransposed, alpha = 1
  // and C absent or a [N] row vector (beta = 1). A constant B is written in
  // n16 panels; a run-time B is read in place when it is not transposed.
  auto b = constantOf(op.getB());
  auto dense = denseLayerShape(op);
  if (!dense || (!b && op.getTransB()))
    return GenericKernels::gemm(op, e);
  auto [m, n, k] = *dense;
  if (!b) {
    variantComment(e, "NEON GEMM, B read in place");
    emitDenseCall(e, op, "bnnc_neon_gemm_rowmajor_f32", *dense,
                  e.input(op.getB(), "weight"));
    return success();
  }
  SmallVector<float> values = floatsOf(*b);
  SmallVector<float> n16(bnnc_layout_n16_floats(n, k));
  bnnc_layout_n16(n, k, op.getTransB(), values.data(), n16.data());
  std::string node = e.currentNodeId();
  std::string weight = e.defineArray(
      node + "_weight_n16",
      "weights of " + node +
          ", NEON n16 layout (out/16, in, 16; a partial last panel 4k wide)",
      n16);
  variantComment(e, "NEON GEMM, B in n16 panels");
  emitDenseCall(e, op, "bnnc_neon_dense_f32", *dense, weight);
  return success();
}

/// The integer convolution: NEON SMLAL (ARMv8.0) or SDOT (aarch64-dotprod)
/// tiles on input rows repacked channels-last on the stack, with the
/// weights packed at compile time minus a per-channel offset, and the
/// offsets' corrections from per-channel sums (bnnc_layout_q8; exact for
/// every input, kernels_neon_int8.h says why). Depthwise convolutions have
/// their own kernel on int16 rows. Layers whose rows do not fit the
/// kernel's stack ring or whose weights are not constants use the portable
/// kernel.
LogicalResult Aarch64Kernels::qconv2d(bnn::QConv2DOp op, CEmitter &e) {
  auto weights = constantOf(op.getWeight());
  Value wZpValue = op.getWeightZeroPoint();
  auto wZp = wZpValue ? constantOf(wZpValue) : std::nullopt;
  auto x = shapeOf(op.getInput()), w = shapeOf(op.getWeight()),
       y = shapeOf(op.getOutput());
  if (!weights || (wZpValue && !wZp) || x.size() != 4 || w.size() != 4)
    return GenericKernels::qconv2d(op, e);
  int64_t group = op.getGroup(), m = w[0], cg = w[1], taps = w[2] * w[3];
  auto strides = op.getStrides(), dilations = op.getDilations();
  size_t scratch = bnnc_layout_q8_scratch(
      static_cast<int32_t>(cg), static_cast<int32_t>(w[2]),
      static_cast<int32_t>(dilations[0]), static_cast<int32_t>(y[3]),
      static_cast<int32_t>(w[3]), static_cast<int32_t>(strides[1]),
      static_cast<int32_t>(dilations[1]));
  bool xUnsigned =
      tensorType(op.getInput()).getElementType().isUnsignedInteger();
  SmallVector<int64_t> wValues = intsOf(*weights);
  SmallVector<int32_t> zp32(m, 0);
  if (wZp) {
    SmallVector<int64_t> zps = intsOf(*wZp);
    for (int64_t o = 0; o < m; ++o)
      zp32[o] = static_cast<int32_t>(zps.size() == 1 ? zps[0] : zps[o]);
  }
  // The input zero point: a literal when it is a constant.
  auto inputZeroPoint = [&]() -> std::string {
    Value xzp = op.getInputZeroPoint();
    if (!xzp)
      return "0";
    if (auto c = constantOf(xzp))
      return std::to_string(intsOf(*c)[0]);
    return "(int32_t)" + e.input(xzp, "x_zero_point") + "[0]";
  };
  auto paramsOf = [&](int64_t cpad) {
    ParamStruct p(e, "bnnc_neon_qconv2d_params");
    p.field("n", x[0]).field("c", x[1]).field("h", x[2]).field("w", x[3]);
    p.field("m", m).field("kh", w[2]).field("kw", w[3]);
    p.field("oh", y[2]).field("ow", y[3]);
    p.window(strides, op.getPads(), dilations);
    p.field("group", group);
    p.field("cpad", cpad).field("x_offset", xUnsigned ? 128 : 0);
    return p.finish();
  };

  if (cg == 1 && group == x[1]) {
    // Depthwise: int16 rows, 8 pixels per step, weights w - w_zp.
    size_t dwScratch = bnnc_layout_q8_dw_scratch(
        static_cast<int32_t>(w[2]), static_cast<int32_t>(dilations[0]),
        static_cast<int32_t>(y[3]), static_cast<int32_t>(w[3]),
        static_cast<int32_t>(strides[1]), static_cast<int32_t>(dilations[1]));
    if (dwScratch == 0 || dwScratch > BNNC_NEON_Q8_SCRATCH)
      return GenericKernels::qconv2d(op, e);
    SmallVector<int16_t> w16(wValues.size());
    for (auto [i, v] : llvm::enumerate(wValues))
      w16[i] = static_cast<int16_t>(v - zp32[i / taps]);
    e.requireRuntimeHeader("bnnc/kernels_int8.h");
    e.requireRuntimeHeader("bnnc/kernels_neon_int8.h");
    std::string node = e.currentNodeId();
    std::string weight = e.defineArray(node + "_weight_i16",
                                       "weights minus zero points of " + node +
                                           " (out, kh, kw), int16",
                                       ArrayRef<int16_t>(w16));
    std::string p = paramsOf(0);
    std::string xz = inputZeroPoint();
    std::string in = e.input(op.getInput());
    std::string bias = optionalInput(e, op.getBias(), "bias");
    std::string out = e.output(op.getOutput());
    int64_t stride = strides[1];
    variantComment(e, "NEON int8 depthwise conv (one input channel per group): "
                      "int16 rows, SMLAL by the "
                      "tap's weight, 8 pixels per step" +
                          std::string(stride == 1   ? ""
                                      : stride == 2 ? " (LD2 of even columns)"
                                                    : " (taps one by one at "
                                                      "this stride)"));
    emitKernelCall(e, "bnnc_neon_qdwconv2d", {p, in, weight, xz, bias, out});
    return success();
  }
  // Other grouped layers with fewer than 4 input channels per group would
  // pad each group to 16 channels.
  if ((group != 1 && cg < 4) || scratch == 0 || scratch > BNNC_NEON_Q8_SCRATCH)
    return GenericKernels::qconv2d(op, e);

  bool wUnsigned =
      tensorType(op.getWeight()).getElementType().isUnsignedInteger();
  SmallVector<int32_t> w32(wValues.begin(), wValues.end());
  int32_t mr = dotprod ? 16 : 4;
  SmallVector<int8_t> packed(bnnc_layout_q8_bytes(
      mr, static_cast<int32_t>(m), static_cast<int32_t>(cg),
      static_cast<int32_t>(taps), static_cast<int32_t>(group)));
  SmallVector<int32_t> bsum(m), d(m);
  if (!bnnc_layout_q8(mr, static_cast<int32_t>(m), static_cast<int32_t>(cg),
                      static_cast<int32_t>(taps), static_cast<int32_t>(group),
                      w32.data(), zp32.data(), wUnsigned ? 128 : 0,
                      packed.data(), bsum.data(), d.data())) {
    variantComment(e, "portable int8 conv: a weight channel has -128 in both "
                      "bytes of an SMLAL pair for every offset");
    return GenericKernels::qconv2d(op, e);
  }
  bool anyD = llvm::any_of(d, [](int32_t v) { return v != 0; });

  e.requireRuntimeHeader("bnnc/kernels_int8.h");
  e.requireRuntimeHeader("bnnc/kernels_neon_int8.h");
  if (dotprod && !dotprodGuard) {
    e.globals() << "#if !defined(__ARM_FEATURE_DOTPROD)\n"
                   "#error \"bnnc --target=aarch64-dotprod: compile with "
                   "-march=armv8.2-a+dotprod (or a -mcpu with the dot "
                   "product extension)\"\n"
                   "#endif\n\n";
    dotprodGuard = true;
  }
  std::string node = e.currentNodeId();
  int64_t cpad = bnnc_layout_q8_cpad(static_cast<int32_t>(cg));
  SmallVector<uint8_t> bytes(packed.size());
  for (auto [i, v] : llvm::enumerate(packed))
    bytes[i] = static_cast<uint8_t>(v);
  std::string layout =
      dotprod ? "q16 layout (group, out/16, kh, kw, " + std::to_string(cpad) +
                    "/16, 4 input quads, 4 channel quads, 4, 4)"
              : "q4 layout (group, out/4, kh, kw, " + std::to_string(cpad) +
                    "/16, 4, 16)";
  std::string weight = e.defineArray(
      node + "_weight_" + (dotprod ? "q16" : "q4"),
      "int8 weights of " + node + " minus per-channel offsets, NEON " + layout,
      ArrayRef<uint8_t>(bytes));
  std::string sums = e.defineArray(node + "_weight_sums",
                                   "sums of the packed weights of " + node +
                                       " per output channel",
                                   ArrayRef<int32_t>(bsum));
  std::string offsets = "NULL";
  if (anyD)
    offsets =
        e.defineArray(node + "_weight_offsets",
                      "per-channel weight offset minus zero point of " + node,
                      ArrayRef<int32_t>(d));

  std::string params = paramsOf(cpad);
  std::string xz = inputZeroPoint();
  std::string in = e.input(op.getInput());
  std::string bias = optionalInput(e, op.getBias(), "bias");
  std::string out = e.output(op.getOutput());
  variantComment(
      e, std::string(dotprod ? "NEON int8 conv (SDOT): 16 channels"
                             : "NEON int8 conv (SMLAL pairs): 4 channels") +
             " x 4 pixels per tile on input rows repacked channels-last (a " +
             std::to_string(scratch) + "-byte ring on the stack)" +
             (anyD ? ", input sums for the channel offsets" : ""));
  emitKernelCall(
      e, dotprod ? "bnnc_neon_qconv2d_sdot" : "bnnc_neon_qconv2d_smlal",
      {params, in, "(const int8_t *)" + weight, sums, offsets, xz, bias, out});
  return success();
}

LogicalResult Aarch64Kernels::matmul(bnn::MatMulOp op, CEmitter &e) {
  if (shapeOf(op.getOutput()).size() > 10)
    return GenericKernels::matmul(op, e); // which reports the error
  variantComment(e, op.getTransB()
                        ? "NEON matmul a b^T: dot products of rows, 4 "
                          "columns per step"
                        : "NEON matmul a b: 4x8 blocks, FMA by lane");
  emitKernelCall(e, "bnnc_neon_matmul_f32",
                 {matmulParams(op, e, /*batchAsRows=*/true), e.input(op.getA()),
                  e.input(op.getB(), "weight"), e.output(op.getOutput())});
  return success();
}

LogicalResult Aarch64Kernels::softmax(bnn::SoftmaxOp op, CEmitter &e) {
  auto shape = tensorType(op.getInput()).getShape();
  int64_t axis = op.getAxis();
  // The NEON kernel takes contiguous rows: softmax over the last axis.
  if (op.getLog() || axis != static_cast<int64_t>(shape.size()) - 1)
    return GenericKernels::softmax(op, e);
  emitKernelCall(e, "bnnc_neon_softmax_f32",
                 {std::to_string(shapeProduct(shape.drop_back())),
                  std::to_string(shape.back()), e.input(op.getInput()),
                  e.output(op.getOutput())});
  return success();
}

LogicalResult Aarch64Kernels::layerNorm(bnn::LayerNormOp op, CEmitter &e) {
  auto shape = tensorType(op.getInput()).getShape();
  int64_t axis = op.getAxis();
  emitKernelCall(
      e, "bnnc_neon_layernorm_f32",
      {std::to_string(shapeProduct(shape.take_front(axis))),
       std::to_string(shapeProduct(shape.drop_front(axis))),
       e.input(op.getInput()), e.input(op.getScale(), "scale"),
       optionalInput(e, op.getBias(), "bias"),
       CEmitter::floatLiteral(op.getEpsilon().convertToDouble(), false),
       e.output(op.getOutput())});
  return success();
}

LogicalResult Aarch64Kernels::gelu(bnn::GeluOp op, CEmitter &e) {
  emitKernelCall(
      e, "bnnc_neon_gelu_f32",
      {std::to_string(tensorType(op.getInput()).getNumElements()),
       op.getApproximate() == bnn::GeluApproximation::tanh ? "1" : "0",
       e.input(op.getInput()), e.output(op.getOutput())});
  return success();
}

LogicalResult Aarch64Kernels::stridedCopy(bnn::StridedCopyOp op, CEmitter &e) {
  auto shape = tensorType(op.getOutput()).getShape();
  ArrayRef<int64_t> strides = op.getStrides();
  // Float copies with runs of at least 4 along the innermost dimension
  // (contiguous in the output, stepping forward in the input): loops over
  // the other dimensions, a NEON copy of each run.
  if (!tensorType(op.getOutput()).getElementType().isF32() || shape.empty() ||
      strides.back() < 1 || shape.back() < 4)
    return GenericKernels::stridedCopy(op, e);
  Access out = rowMajorAccess(shape);
  Access in{static_cast<int64_t>(op.getOffset()),
            SmallVector<int64_t>(strides)};
  out.strides.pop_back();
  in.strides.pop_back();
  std::string x = e.input(op.getInput()), y = e.output(op.getOutput());
  std::string run = std::to_string(shape.back());
  bool contiguous = strides.back() == 1;
  std::string step = contiguous ? "" : ", " + std::to_string(strides.back());
  variantComment(
      e, "NEON copy of runs of " + run + " floats" +
             (contiguous ? ""
                         : ", input stride " + std::to_string(strides.back())));
  emitLoopNest(e.body(), shape.drop_back(), {out, in},
               [&](raw_ostream &os, ArrayRef<std::string> at, int indent) {
                 os.indent(indent)
                     << (contiguous ? "bnnc_neon_copy_f32("
                                    : "bnnc_neon_copy_strided_f32(")
                     << y << " + " << at[0] << ", " << x << " + " << at[1]
                     << ", " << run << step << ");\n";
               });
  return success();
}

LogicalResult Aarch64Kernels::elementwise(bnn::ElementwiseOp op, CEmitter &e) {
  // Float Sign (BiBERT's float layers that read Sign of a value that can be
  // exactly 0): NEON, bit-identical to the generic expression.
  if (op.getKind() == bnn::ElementwiseKind::Sign &&
      tensorType(op.getOutput()).getElementType().isF32() &&
      op.getInputs()[0].getType() == op.getOutput().getType()) {
    emitKernelCall(e, "bnnc_neon_sign_f32",
                   {std::to_string(tensorType(op.getOutput()).getNumElements()),
                    e.input(op.getInputs()[0]), e.output(op.getOutput())});
    return success();
  }
  return GenericKernels::elementwise(op, e);
}

} // namespace

std::unique_ptr<TargetKernels> createAarch64Kernels(StringRef core) {
  return std::make_unique<Aarch64Kernels>(core == "dotprod");
}

} // namespace bnnc
