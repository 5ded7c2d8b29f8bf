//===- BnnDialect.h - The kernel-level bnn dialect ------------------------===//

#ifndef BNNC_DIALECTS_BNN_BNNDIALECT_H
#define BNNC_DIALECTS_BNN_BNNDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace bnnc::bnn::OpTrait {
/// The kernel reads or writes bit-packed tensors: the report counts it as
/// binary work (ODS: Bnn_BinaryKernel).
template <typename ConcreteType>
class BinaryKernel
    : public mlir::OpTrait::TraitBase<ConcreteType, BinaryKernel> {};
/// The kernel reads each operand element once, at the index of the result
/// element it writes, so its result may overwrite an operand of the
/// result's type that dies there (ODS: Bnn_InPlaceElementwise).
template <typename ConcreteType>
class InPlaceElementwise
    : public mlir::OpTrait::TraitBase<ConcreteType, InPlaceElementwise> {};
} // namespace bnnc::bnn::OpTrait

#include "dialects/bnn/ElementwiseKinds.h"

#include "dialects/bnn/BnnDialect.h.inc"
#include "dialects/bnn/BnnEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/bnn/BnnAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/bnn/BnnOps.h.inc"

namespace bnnc::bnn {

/// Discardable attribute set by bnn-plan-memory: byte offset of an op's
/// result in the arena (of result 0 for an op with several results).
constexpr llvm::StringLiteral kOffsetAttr = "bnn.offset";
/// Discardable attribute set by bnn-plan-memory on an op with several
/// results (bnn.dynamic_quantize): each result's byte offset in the arena,
/// -1 for a result that has none (a graph output).
constexpr llvm::StringLiteral kResultOffsetsAttr = "bnn.result_offsets";
/// Function attributes set by bnn-plan-memory: planned arena size and the
/// lower bound (largest total of simultaneously live tensors), in bytes.
constexpr llvm::StringLiteral kArenaSizeAttr = "bnn.arena_size";
constexpr llvm::StringLiteral kArenaLowerBoundAttr = "bnn.arena_lower_bound";
/// Discardable attribute set by bnn-plan-memory (with
/// fuse-cortex-m-requantize) on a bnn.qconv2d whose int32 result takes no
/// arena bytes: the target writes the result of its requantization from the
/// convolution's own store (fusableRequantize), so the int32 tensor never
/// exists.
constexpr llvm::StringLiteral kFusedIntoUserAttr = "bnn.fused_into_user";
/// Argument/result attribute holding the ONNX graph input/output name.
constexpr llvm::StringLiteral kOnnxNameAttr = "onnx.name";

/// 32-bit words per pixel of a packed tensor with `channels` channels split
/// into `group` separately packed groups.
int64_t packedWords(int64_t channels, int64_t group);

/// The float32 multipliers (in_scale * w_scale[c]) / out_scale of a
/// requantization, computed as the C kernels compute them, one per w_scale
/// element; nullopt unless the three scales are f32 constants and every
/// multiplier is finite and positive.
std::optional<llvm::SmallVector<float>>
requantizeMultipliers(RequantizeOp op);

/// The bnn.requantize that a convolution kernel taking patches of at most
/// `maxPatch` values (`maxDensePatch` for a dense layer, whose window is
/// the whole input) can write from its own store, or null: the only user
/// of the convolution's int32 result; 4-D operands, constant weights and
/// weight zero points (one, or one per output channel); constant scales
/// whose multipliers (in_scale * w_scale[c]) / out_scale, in float32, are
/// finite and positive, per tensor or per output channel (axis 1); a
/// constant or absent zero point, likewise. bnn-plan-memory and the
/// Cortex-M emitter ask the same question here.
RequantizeOp fusableRequantize(QConv2DOp conv, int64_t maxPatch,
                               int64_t maxDensePatch);

/// True for ops that produce no kernel, only a new view of their operand.
inline bool isView(mlir::Operation *op) { return mlir::isa<ReshapeOp>(op); }

/// The value that owns the bytes of `v`: views are followed back to their
/// source. With `singleUse`, only through views that have no other user
/// (a rewrite may then replace the whole chain).
mlir::Value viewSource(mlir::Value v, bool singleUse = false);

/// Bytes of a ranked tensor (i1 takes a byte per element): what the arena
/// plan, the emitted C and the report all count.
int64_t tensorBytes(mlir::Type type);

/// The arena byte offset bnn-plan-memory gave `v` (kOffsetAttr, or its
/// entry of kResultOffsetsAttr), or nullopt if it gave none.
std::optional<int64_t> arenaOffset(mlir::Value v);

/// The ONNX node names a location carries (fused locations keep all).
llvm::SmallVector<std::string> nodeNames(mlir::Location loc);

} // namespace bnnc::bnn

#endif // BNNC_DIALECTS_BNN_BNNDIALECT_H
