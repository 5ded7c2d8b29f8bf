//===- GenericKernels.h - The portable C99 target, for targets to extend --===//
//
// GenericKernels turns every bnn kernel op into one call of a portable
// runtime kernel (runtime/bnnc/kernels_f32.h, kernels_binary.h) or a loop
// nest specialised to the shapes. The ARM targets derive from it, take over
// the ops they have faster kernels for, and leave the rest to it, so every
// target handles every op.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_TARGETS_GENERIC_GENERICKERNELS_H
#define BNNC_TARGETS_GENERIC_GENERICKERNELS_H

#include "targets/EmitterCore.h"

#include "dialects/bnn/BnnDialect.h"

#include "llvm/ADT/SmallVector.h"

#include <array>
#include <optional>

namespace bnnc {

/// Writes `static const <type> <name> = {.field = value, ...};` at file scope
/// of the generated source, named after the kernel being emitted.
class ParamStruct {
public:
  ParamStruct(CEmitter &emitter, llvm::StringRef type);

  ParamStruct &field(llvm::StringRef key, int64_t value);
  ParamStruct &floatField(llvm::StringRef key, float value);
  ParamStruct &raw(llvm::StringRef key, llvm::StringRef initializer);
  ParamStruct &array(llvm::StringRef key, llvm::ArrayRef<int64_t> values);
  /// The sliding-window fields of the runtime's 2-D params structs:
  /// stride_h/_w, pad_top/_left and dilation_h/_w.
  ParamStruct &window(llvm::ArrayRef<int64_t> strides,
                      llvm::ArrayRef<int64_t> pads,
                      llvm::ArrayRef<int64_t> dilations);

  /// Emits the definition, fields packed into lines of at most 80 columns,
  /// and returns "&name" for the kernel call.
  std::string finish();

private:
  CEmitter &emitter;
  std::string type, name;
  llvm::SmallVector<std::string> fields;
};

/// Writes `  fn(args...);` into the run function.
void emitKernelCall(CEmitter &e, llvm::StringRef fn,
                    llvm::ArrayRef<std::string> args);
/// The C expression of an optional operand, or "NULL".
std::string optionalInput(CEmitter &e, mlir::Value v, llvm::StringRef role);

/// The runtime's constant for a fused activation: BNNC_BACT_<NAME>, from
/// the enum's own spelling (never its numeric value).
std::string activationConstant(bnn::Activation activation);
/// The C element type of tensor value `v` ("float", "int64_t", ...).
std::string elementType(mlir::Value v);

/// A float literal of an optional float parameter, 0.0f when absent.
std::string floatOrZero(std::optional<llvm::APFloat> value);

/// [M, N, K] of a Gemm the SIMD dense kernels take: y = act(A * B + bias)
/// with A untransposed, alpha = 1 and C absent or a row vector of N with
/// beta = 1 (B may be transposed); nullopt otherwise.
std::optional<std::array<int64_t, 3>> denseLayerShape(bnn::GemmOp op);
/// `fn(m, n, k, a, weight, bias, relu, y)`: the call of a SIMD dense kernel
/// whose panel-layout weights are the array `weight`.
void emitDenseCall(CEmitter &e, bnn::GemmOp op, llvm::StringRef fn,
                   const std::array<int64_t, 3> &shape,
                   const std::string &weight);

/// The requantization multipliers (in_scale * w_scale[c]) / out_scale of
/// bnnc_requantize_fixed_i32_*, computed in float32 as the float kernel
/// computes them, split into significand and exponent (m = mant * 2^exp,
/// mant < 2^24); nullopt unless the scales are constants and every
/// multiplier is finite and positive.
std::optional<std::pair<llvm::SmallVector<int32_t>, llvm::SmallVector<int32_t>>>
fixedPointMultipliers(bnn::RequantizeOp op);

class GenericKernels : public TargetKernels {
public:
  llvm::ArrayRef<llvm::StringRef> runtimeHeaders() const override;
  mlir::LogicalResult emitKernel(mlir::Operation *op, CEmitter &e) override;

protected:
  // One hook per kernel op (KernelOps.def); a derived target overrides the
  // ones it accelerates.
#define BNNC_KERNEL_OP(OP, METHOD)                                             \
  virtual mlir::LogicalResult METHOD(bnn::OP op, CEmitter &e);
#include "targets/generic/KernelOps.def"

  /// The portable kernels' parameter structs and epilogues, shared with the
  /// targets whose kernels take the same descriptions. Each returns the C
  /// expression to pass ("&name").
  /// The name prefix of the fixed-point requantization kernel
  /// (bnnc_requantize_fixed_i32_ + i8|u8) that requantize() calls; a target
  /// may substitute its own kernel of the same interface and results.
  virtual llvm::StringRef fixedRequantizeKernel() const {
    return "bnnc_requantize_fixed_i32_";
  }
  /// The same for QuantizeLinear (bnnc_quantize_f32_ + i8|u8).
  virtual llvm::StringRef quantizeKernel() const {
    return "bnnc_quantize_f32_";
  }
  static std::string bconv2dParams(bnn::BConv2DOp op, CEmitter &e);
  static std::string bitsEpilogue(bnn::BConv2DOp op, CEmitter &e);
  static std::string floatEpilogue(bnn::BConv2DOp op, CEmitter &e);
  /// The int8 epilogue (bnnc_bq8_epilogue) of a bconv2d with qparams, and
  /// the kernels' y_signed argument ("1": int8, "0": uint8).
  static std::string int8Epilogue(bnn::BConv2DOp op, CEmitter &e);
  static std::string int8OutputSigned(bnn::BConv2DOp op);
  static std::string conv2dParams(bnn::Conv2DOp op, CEmitter &e);
  static std::string gemmParams(bnn::GemmOp op, CEmitter &e);
  /// The bnnc_matmul_params of a MatMul; empty (after an error) when the
  /// batch has more than 8 dimensions. With `batchAsRows`, a product whose
  /// b is one matrix for the whole batch is described as one matrix of
  /// batch * M rows.
  static std::string matmulParams(bnn::MatMulOp op, CEmitter &e,
                                  bool batchAsRows = false);
  static std::string packParams(bnn::PackOp op, CEmitter &e);
  static std::string recurrentParams(bnn::RecurrentOp op, CEmitter &e);
  /// `fn(params, x, w, r, bias, h0, c0, peephole, seq_lens, out)`: the call
  /// of a recurrent kernel with the portable kernel's arguments.
  static void emitRecurrentCall(bnn::RecurrentOp op, CEmitter &e,
                                llvm::StringRef fn);
};

} // namespace bnnc

#endif // BNNC_TARGETS_GENERIC_GENERICKERNELS_H
