//===- Int8Kernels.cpp - Generic C of the quantized (int8) kernels --------===//
//
// The generic target's emitters of the issue 18 kernels: quantize,
// dequantize, dynamic_quantize, requantize, qconv2d and qmatmul, each one
// call of runtime/bnnc/kernels_int8.h, typed by the element types of the
// quantized operands (i8, u8, i32 suffixes). The header is included only by
// models that use one of these kernels. The SIMD targets inherit them.
//
//===----------------------------------------------------------------------===//

#include "targets/generic/GenericKernels.h"

#include "dialects/bnn/BnnDialect.h"
#include "dialects/onnx/ShapeUtils.h"

#include "mlir/IR/Matchers.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace llvm;

namespace bnnc {
namespace {

constexpr StringLiteral kInt8Header = "bnnc/kernels_int8.h";

/// The kernels' suffix of an element type: i8, u8, i32 or f32.
std::string suffixOf(Value v) {
  Type t = tensorType(v).getElementType();
  if (t.isF32())
    return "f32";
  return (t.isUnsignedInteger() ? "u" : "i") +
         std::to_string(t.getIntOrFloatBitWidth());
}

/// bnnc_quant_params of a tensor of `shape` seen as [outer, channels,
/// inner] around `axis`, with the steps of a scale and a zero point (one
/// value: step 0; one per channel: step 1).
std::string quantParams(CEmitter &e, ArrayRef<int64_t> shape, int64_t axis,
                        Value scale, Value zeroPoint, bool relu = false,
                        bool roundAway = false) {
  auto step = [](Value v) -> int64_t {
    return v && tensorType(v).getNumElements() > 1 ? 1 : 0;
  };
  int64_t outer = 1, channels = 1, inner = 1;
  // A per-tensor operation is one run over all elements.
  bool perAxis = step(scale) || step(zeroPoint);
  for (auto [d, size] : llvm::enumerate(shape)) {
    if (!perAxis || (int64_t)d > axis)
      inner *= size;
    else if ((int64_t)d < axis)
      outer *= size;
    else
      channels = size;
  }
  ParamStruct p(e, "bnnc_quant_params");
  p.field("outer", outer).field("channels", channels).field("inner", inner);
  p.field("scale_step", step(scale)).field("zp_step", step(zeroPoint));
  if (relu)
    p.field("relu", 1);
  if (roundAway)
    p.field("round_away", 1);
  return p.finish();
}

} // namespace

LogicalResult GenericKernels::quantize(bnn::QuantizeOp op, CEmitter &e) {
  e.requireRuntimeHeader(kInt8Header);
  emitKernelCall(e, quantizeKernel().str() + suffixOf(op.getOutput()),
                 {quantParams(e, shapeOf(op.getInput()), op.getAxis(),
                              op.getScale(), op.getZeroPoint(),
                              /*relu=*/false, op.getRoundAway()),
                  e.input(op.getInput()), e.input(op.getScale(), "scale"),
                  optionalInput(e, op.getZeroPoint(), "zero_point"),
                  e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::dequantize(bnn::DequantizeOp op, CEmitter &e) {
  e.requireRuntimeHeader(kInt8Header);
  emitKernelCall(e, "bnnc_dequantize_" + suffixOf(op.getInput()) + "_f32",
                 {quantParams(e, shapeOf(op.getInput()), op.getAxis(),
                              op.getScale(), op.getZeroPoint()),
                  e.input(op.getInput()), e.input(op.getScale(), "scale"),
                  optionalInput(e, op.getZeroPoint(), "zero_point"),
                  e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::dynamicQuantize(bnn::DynamicQuantizeOp op,
                                              CEmitter &e) {
  e.requireRuntimeHeader(kInt8Header);
  int64_t n = tensorType(op.getInput()).getNumElements();
  emitKernelCall(e, "bnnc_dynamic_quantize_f32",
                 {std::to_string(n), e.input(op.getInput()),
                  e.output(op.getOutput()), e.output(op.getScale()),
                  e.output(op.getZeroPoint())});
  return success();
}

std::optional<std::pair<SmallVector<int32_t>, SmallVector<int32_t>>>
fixedPointMultipliers(bnn::RequantizeOp op) {
  auto multipliers = bnn::requantizeMultipliers(op);
  if (!multipliers)
    return std::nullopt;
  SmallVector<int32_t> mants, exps;
  for (float mv : *multipliers) {
    uint32_t bits;
    std::memcpy(&bits, &mv, sizeof bits);
    int32_t biased = static_cast<int32_t>((bits >> 23) & 0xff);
    int32_t fraction = static_cast<int32_t>(bits & 0x7fffff);
    mants.push_back(biased ? fraction | 0x800000 : fraction);
    exps.push_back(biased ? biased - 150 : -149);
  }
  return std::make_pair(mants, exps);
}

/// Constant scales: the integer-only kernel with per-channel multipliers
/// and shifts computed here, bit-exact with the float32 kernel (kernels_int8.h
/// says why), so cores without an FPU need no soft-float. Run-time scales
/// (graph inputs) use the float32 kernel.
LogicalResult GenericKernels::requantize(bnn::RequantizeOp op, CEmitter &e) {
  e.requireRuntimeHeader(kInt8Header);
  if (auto fixed = fixedPointMultipliers(op)) {
    std::string mant = e.defineArray(
        "requant_mant", "requantization multipliers (float32 significands)",
        ArrayRef<int32_t>(fixed->first));
    std::string exp = e.defineArray("requant_exp",
                                    "requantization shifts (float32 exponents)",
                                    ArrayRef<int32_t>(fixed->second));
    emitKernelCall(
        e, fixedRequantizeKernel().str() + suffixOf(op.getOutput()),
        {quantParams(e, shapeOf(op.getInput()), op.getAxis(), op.getWScale(),
                     op.getZeroPoint(), op.getRelu()),
         e.input(op.getInput()), mant, exp,
         optionalInput(e, op.getZeroPoint(), "zero_point"),
         e.output(op.getOutput())});
    return success();
  }
  emitKernelCall(e, "bnnc_requantize_i32_" + suffixOf(op.getOutput()),
                 {quantParams(e, shapeOf(op.getInput()), op.getAxis(),
                              op.getWScale(), op.getZeroPoint(), op.getRelu()),
                  e.input(op.getInput()), e.input(op.getInScale(), "in_scale"),
                  e.input(op.getWScale(), "w_scale"),
                  e.input(op.getOutScale(), "out_scale"),
                  optionalInput(e, op.getZeroPoint(), "zero_point"),
                  e.output(op.getOutput())});
  return success();
}

/// TFLite's Q31 requantization: the multipliers and shifts are the op's
/// attributes, one value or one per index of `axis`.
LogicalResult GenericKernels::requantizeQ31(bnn::RequantizeQ31Op op,
                                            CEmitter &e) {
  e.requireRuntimeHeader(kInt8Header);
  auto shape = shapeOf(op.getInput());
  bool perAxis = op.getMultiplier().size() > 1;
  int64_t axis = static_cast<int64_t>(op.getAxis());
  int64_t outer = 1, channels = 1, inner = 1;
  for (auto [d, size] : llvm::enumerate(shape)) {
    if (!perAxis || (int64_t)d > axis)
      inner *= size;
    else if ((int64_t)d < axis)
      outer *= size;
    else
      channels = size;
  }
  std::string multiplier =
      e.defineArray("requant_q31_multiplier", "Q31 requantization multipliers",
                    op.getMultiplier());
  std::string shift =
      e.defineArray("requant_q31_shift",
                    "requantization shifts (powers of two)", op.getShift());
  ParamStruct p(e, "bnnc_requant_q31_params");
  p.field("outer", outer).field("channels", channels).field("inner", inner);
  p.field("step", perAxis ? 1 : 0);
  p.field("zero_point", static_cast<int64_t>(op.getZeroPoint()));
  p.field("lo", static_cast<int64_t>(op.getMin()))
      .field("hi", static_cast<int64_t>(op.getMax()));
  emitKernelCall(e, "bnnc_requantize_q31_i32_" + suffixOf(op.getOutput()),
                 {p.finish(), e.input(op.getInput()), multiplier, shift,
                  e.output(op.getOutput())});
  return success();
}

/// TFLite's int8 ADD: the rescaling parameters are the op's attributes.
LogicalResult GenericKernels::addQ31(bnn::AddQ31Op op, CEmitter &e) {
  e.requireRuntimeHeader(kInt8Header);
  ParamStruct p(e, "bnnc_add_q31_params");
  p.field("n", tensorType(op.getA()).getNumElements());
  p.field("a_zp", op.getInputZeroPoints()[0])
      .field("b_zp", op.getInputZeroPoints()[1]);
  p.field("a_mult", op.getInputMultipliers()[0])
      .field("a_shift", op.getInputShifts()[0]);
  p.field("b_mult", op.getInputMultipliers()[1])
      .field("b_shift", op.getInputShifts()[1]);
  p.field("mult", static_cast<int64_t>(op.getMultiplier()))
      .field("shift", static_cast<int64_t>(op.getShift()));
  p.field("zero_point", static_cast<int64_t>(op.getZeroPoint()));
  p.field("lo", static_cast<int64_t>(op.getMin()))
      .field("hi", static_cast<int64_t>(op.getMax()));
  emitKernelCall(e, "bnnc_add_q31_i8",
                 {p.finish(), e.input(op.getA()), e.input(op.getB()),
                  e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::qconv2d(bnn::QConv2DOp op, CEmitter &e) {
  e.requireRuntimeHeader(kInt8Header);
  auto x = shapeOf(op.getInput()), w = shapeOf(op.getWeight());
  auto y = shapeOf(op.getOutput());
  ParamStruct p(e, "bnnc_qconv2d_params");
  p.field("n", x[0]).field("c", x[1]).field("h", x[2]).field("w", x[3]);
  p.field("m", w[0]).field("kh", w[2]).field("kw", w[3]);
  p.field("oh", y[2]).field("ow", y[3]);
  p.window(op.getStrides(), op.getPads(), op.getDilations());
  p.field("group", static_cast<int64_t>(op.getGroup()));
  Value wZp = op.getWeightZeroPoint();
  p.field("w_zp_step", wZp && tensorType(wZp).getNumElements() > 1 ? 1 : 0);
  emitKernelCall(
      e,
      "bnnc_qconv2d_" + suffixOf(op.getInput()) + "_" +
          suffixOf(op.getWeight()),
      {p.finish(), e.input(op.getInput()), e.input(op.getWeight(), "weight"),
       optionalInput(e, op.getInputZeroPoint(), "x_zero_point"),
       optionalInput(e, wZp, "w_zero_point"),
       optionalInput(e, op.getBias(), "bias"), e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::qmatmul(bnn::QMatMulOp op, CEmitter &e) {
  e.requireRuntimeHeader(kInt8Header);
  auto a = shapeOf(op.getA()), b = shapeOf(op.getB());
  auto y = shapeOf(op.getOutput());
  ArrayRef<int64_t> batch = y.drop_back(2);
  ParamStruct p(e, "bnnc_qmatmul_params");
  p.field("m", a[a.size() - 2]).field("k", a.back()).field("n", b.back());
  p.field("batch_rank", static_cast<int64_t>(batch.size()));
  if (!batch.empty()) {
    // Batch strides count whole matrices; broadcast dimensions stride 0.
    p.array("batch_shape", batch);
    p.array("a_batch_strides", broadcastStrides(a.drop_back(2), batch));
    p.array("b_batch_strides", broadcastStrides(b.drop_back(2), batch));
  }
  auto step = [](Value v) -> int64_t {
    return v && tensorType(v).getNumElements() > 1 ? 1 : 0;
  };
  p.field("a_zp_step", step(op.getAZeroPoint()))
      .field("b_zp_step", step(op.getBZeroPoint()));
  emitKernelCall(
      e, "bnnc_qmatmul_" + suffixOf(op.getA()) + "_" + suffixOf(op.getB()),
      {p.finish(), e.input(op.getA()), e.input(op.getB(), "weight"),
       optionalInput(e, op.getAZeroPoint(), "a_zero_point"),
       optionalInput(e, op.getBZeroPoint(), "b_zero_point"),
       e.output(op.getOutput())});
  return success();
}

LogicalResult GenericKernels::packQuantized(bnn::PackQuantizedOp op,
                                            CEmitter &e) {
  e.requireRuntimeHeader(kInt8Header);
  auto x = shapeOf(op.getInput());
  ParamStruct p(e, "bnnc_bpack_params");
  p.field("n", x[0]).field("c", x[1]).field("h", x[2]).field("w", x[3]);
  p.field("group", op.getGroup());
  std::string params = p.finish();
  if (Value t = op.getThreshold()) {
    emitKernelCall(
        e, "bnnc_pack_" + suffixOf(op.getInput()) + "_threshold_nchw_to_nhwc32",
        {params, e.input(op.getInput()), e.input(t, "threshold"),
         "(uint32_t *)" + e.output(op.getOutput())});
    return success();
  }
  emitKernelCall(e, "bnnc_pack_" + suffixOf(op.getInput()) + "_nchw_to_nhwc32",
                 {params, e.input(op.getInput()),
                  // I64Attr getters return uint64_t: a negative zero
                  // point printed unsigned was a 20-digit constant.
                  std::to_string(static_cast<int64_t>(op.getZeroPoint())),
                  "(uint32_t *)" + e.output(op.getOutput())});
  return success();
}

} // namespace bnnc
