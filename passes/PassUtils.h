//===- PassUtils.h - Helpers shared by bnnc passes ------------------------===//

#ifndef BNNC_PASSES_PASSUTILS_H
#define BNNC_PASSES_PASSUTILS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "dialects/onnx/ShapeUtils.h"

#include <map>
#include <optional>
#include <string>

namespace mlir {
namespace func {
class FuncOp;
} // namespace func
} // namespace mlir

namespace bnnc {

namespace onnx {
class BatchNormalizationOp;
class PadOp;
} // namespace onnx

/// The pads of an ONNX Pad: an attribute before opset 11, a constant input
/// since; nullopt if they are not constant.
std::optional<llvm::SmallVector<int64_t>> getPadAmounts(onnx::PadOp pad);

/// The values of a constant f32 tensor (onnx.Constant or bnn.constant), or
/// nullopt if `v` is not one.
std::optional<llvm::SmallVector<float>> getConstantFloats(mlir::Value v);

/// The values of a constant integer tensor, sign-extended, or nullopt if
/// `v` is not one (or is an absent optional operand).
std::optional<llvm::SmallVector<int64_t>> getConstantInts(mlir::Value v);

/// The values of an integer constant, extended as its type's signedness
/// says (getConstantInts sign-extends, which misreads uint8).
std::optional<llvm::SmallVector<int64_t>>
getConstantIntsOfType(mlir::Value v);

/// Whether `v` is a non-empty f32 constant whose elements all equal `value`.
bool isSplatConstant(mlir::Value v, float value);

/// W[K, N] row-major -> W^T[N, K].
llvm::SmallVector<float> transposeMatrix(llvm::ArrayRef<float> w, int64_t k,
                                         int64_t n);

/// A dense f32 attribute of the given shape.
mlir::DenseElementsAttr makeF32Attr(mlir::MLIRContext *ctx,
                                    llvm::ArrayRef<int64_t> shape,
                                    llvm::ArrayRef<float> values);

/// Per-channel scale and shift of an inference BatchNormalization,
/// y = scale[c] * x + shift[c] with scale = gamma / sqrt(var + eps) and
/// shift = beta - scale * mean (computed in double, rounded once), or
/// nullopt if its parameters are not constant.
struct ChannelAffine {
  llvm::SmallVector<float> scale, shift;
};
std::optional<ChannelAffine> getBatchNormAffine(onnx::BatchNormalizationOp bn);

/// The top-level module an op's ONNX node name starts with
/// ("/blocks.0/attn/MatMul" -> "blocks.0"): the unit the graph passes
/// (token-prune, dead-token-elim) report MACs per.
std::string moduleOf(mlir::Operation *op);

/// Multiply-accumulates of an onnx MatMul, Gemm or Conv; 0 for other ops.
int64_t onnxMacsOf(mlir::Operation *op);

/// The MACs of a function's onnx ops, per module (moduleOf).
std::map<std::string, int64_t> macsPerModule(mlir::func::FuncOp f);

/// MACs per module before and after a pass, as the array of
/// {block, macs_before, macs_after} dictionaries the report reads.
mlir::ArrayAttr macsRecord(mlir::Builder &b,
                           const std::map<std::string, int64_t> &before,
                           const std::map<std::string, int64_t> &after);

} // namespace bnnc

#endif // BNNC_PASSES_PASSUTILS_H
