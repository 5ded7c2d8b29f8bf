//===- BnnOps.td - The kernel-level bnn dialect -----------*- tablegen -*-===//
//
// One bnn op is one fused kernel of the emitted C. Ops work on ranked tensors
// (value semantics); `bnn-plan-memory` later assigns every intermediate a
// byte offset in the static arena (`bnn.offset`). Float kernels use NCHW and
// row-major layouts as in ONNX.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_BNN_OPS
#define BNNC_BNN_OPS

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Bnn_Dialect : Dialect {
  let name = "bnn";
  let cppNamespace = "::bnnc::bnn";
  let summary = "Kernel-level ops of binarized and real-valued networks";
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
}

class Bnn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Bnn_Dialect, mnemonic, traits>;

def Bnn_F32Tensor : RankedTensorOf<[F32]>;

// Op properties the passes and the report read (BnnDialect.h).
class Bnn_OpTrait<string name> : NativeOpTrait<name> {
  let cppNamespace = "::bnnc::bnn::OpTrait";
}
def Bnn_BinaryKernel : Bnn_OpTrait<"BinaryKernel">;
def Bnn_InPlaceElementwise : Bnn_OpTrait<"InPlaceElementwise">;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Bnn_Activation : I32EnumAttr<"Activation",
    "activation fused into a kernel's epilogue", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"relu", 1>,
      I32EnumAttrCase<"prelu", 2>,
      I32EnumAttrCase<"clamp", 3>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bnnc::bnn";
}
// The kind of bnn.elementwise: a C++ enum from dialects/ElementwiseKinds.def
// (the one table of kinds), printed as its quoted name, "relu".
def Bnn_ElementwiseKindAttr : AttrDef<Bnn_Dialect, "ElementwiseKind"> {
  let mnemonic = "elementwise_kind";
  let parameters = (ins "::bnnc::bnn::ElementwiseKind":$value);
  let hasCustomAssemblyFormat = 1;
  let returnType = "::bnnc::bnn::ElementwiseKind";
  let convertFromStorage = "$_self.getValue()";
  let constBuilderCall =
      "::bnnc::bnn::ElementwiseKindAttr::get($_builder.getContext(), $0)";
}

def Bnn_PadMode : I32EnumAttr<"PadMode", "how bnn.pad fills (ONNX Pad's mode)", [
      I32EnumAttrCase<"constant", 0>,
      I32EnumAttrCase<"reflect", 1>,
      I32EnumAttrCase<"edge", 2>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bnnc::bnn";
}
def Bnn_PadModeAttr : EnumAttr<Bnn_Dialect, Bnn_PadMode, "pad_mode"> {
  let assemblyFormat = "`<` $value `>`";
}

def Bnn_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "bnn.gelu's formula (ONNX Gelu's approximate)", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"tanh", 1>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bnnc::bnn";
}
def Bnn_GeluApproximationAttr
    : EnumAttr<Bnn_Dialect, Bnn_GeluApproximation, "gelu_approximation"> {
  let assemblyFormat = "`<` $value `>`";
}

// The kind of bnn.reduce and bnn.arg_reduce, printed as a bare keyword
// (`bnn.reduce sum %x`); runtime/bnnc/kernels_data.h has one kernel per kind
// and element type, bnnc_reduce_<kind>_<type>.
def Bnn_ReduceKind : I32EnumAttr<"ReduceKind", "what bnn.reduce computes", [
      I32EnumAttrCase<"sum", 0>,
      I32EnumAttrCase<"mean", 1>,
      I32EnumAttrCase<"max", 2>,
      I32EnumAttrCase<"min", 3>,
      I32EnumAttrCase<"prod", 4>,
      I32EnumAttrCase<"sum_square", 5>,
      I32EnumAttrCase<"l1", 6>,
      I32EnumAttrCase<"l2", 7>,
      I32EnumAttrCase<"log_sum", 8>,
      I32EnumAttrCase<"log_sum_exp", 9>
    ]> {
  let cppNamespace = "::bnnc::bnn";
}

def Bnn_ActivationAttr : EnumAttr<Bnn_Dialect, Bnn_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

def Bnn_ConstantOp : Bnn_Op<"constant", [ConstantLike, Pure,
    AllTypesMatch<["value", "output"]>]> {
  let summary = "A weight tensor, emitted as `static const` data";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Bnn_ReshapeOp : Bnn_Op<"reshape", [Pure]> {
  let summary = "A view: same bytes, new shape (no kernel is emitted)";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Float kernels
//===----------------------------------------------------------------------===//

def Bnn_Conv2DOp : Bnn_Op<"conv2d", [Pure]> {
  let summary = "Float 2-D convolution (NCHW, OIHW weights) with epilogue";
  let description = [{
    `y = act(conv(x, w) + bias)`; `pads` are [top, left, bottom, right] and
    padded taps contribute 0, as in ONNX.
    ```mlir
    %y = bnn.conv2d %x, %w, %b {strides = array<i64: 1, 1>,
           pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>,
           group = 1 : i64, activation = #bnn.activation<relu>}
         : (tensor<1x1x8x8xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>)
           -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins Bnn_F32Tensor:$input, Bnn_F32Tensor:$weight,
                   Optional<Bnn_F32Tensor>:$bias,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                   DenseI64ArrayAttr:$dilations, I64Attr:$group,
                   Bnn_ActivationAttr:$activation);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bnn_GemmOp : Bnn_Op<"gemm", [Pure]> {
  let summary = "Float GEMM: y = act(alpha * op(a) * op(b) + beta * c)";
  let description = [{
    `op(t)` transposes a 2-D operand when `trans_a` / `trans_b` is set; `c`
    is broadcast to the [M, N] result.
  }];
  let arguments = (ins Bnn_F32Tensor:$a, Bnn_F32Tensor:$b, Optional<Bnn_F32Tensor>:$c,
                   F32Attr:$alpha, F32Attr:$beta, BoolAttr:$trans_a,
                   BoolAttr:$trans_b, Bnn_ActivationAttr:$activation);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = [{
    $a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bnn_MatMulOp : Bnn_Op<"matmul", [Pure]> {
  let summary = "Float batched matmul [..., M, K] x [..., K, N], broadcast batch";
  let description = [{
    With `trans_b`, `b` holds [..., N, K] and the product is a b^T: the
    q k^T of attention reading k's rows, with no transposed copy
    (bnn-fold-matmul-transpose sets it).
  }];
  let arguments = (ins Bnn_F32Tensor:$a, Bnn_F32Tensor:$b, UnitAttr:$trans_b);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = [{
    $a `,` $b attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bnn_ElementwiseOp : Bnn_Op<"elementwise", [Pure, Bnn_InPlaceElementwise]> {
  let summary = "Elementwise function of 1-3 broadcast operands, any dtype";
  let description = [{
    `kind` names the function (dialects/ElementwiseKinds.def: "add",
    "relu", "where", "cast", ...); `alpha`/`beta` are its float parameters
    where it has any. Operands broadcast numpy-style to the result shape;
    the result element type follows from the kind (bool for comparisons,
    the target type for "cast").
    ```mlir
    %y = bnn.elementwise "add" %a, %b
           : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs,
                   Bnn_ElementwiseKindAttr:$kind,
                   OptionalAttr<F32Attr>:$alpha, OptionalAttr<F32Attr>:$beta);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $kind $inputs attr-dict `:` functional-type($inputs, results)
  }];
  let hasVerifier = 1;
}

def Bnn_StridedCopyOp : Bnn_Op<"strided_copy", [Pure]> {
  let summary = "y[i] = x[offset + sum_d i_d * strides[d]]: transpose, slice, broadcast";
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$offset,
                   DenseI64ArrayAttr:$strides);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Bnn_ConcatOp : Bnn_Op<"concat", [Pure]> {
  let summary = "Concatenation along `axis`";
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, results)";
  let hasVerifier = 1;
}

def Bnn_PadOp : Bnn_Op<"pad", [Pure]> {
  let summary = "Padding: constant, reflect or edge";
  let description = [{
    The constant is `value`, or the one element of `constant_value` when
    that is given (a value known only at run time).
  }];
  let arguments = (ins AnyRankedTensor:$input,
                   Optional<AnyRankedTensor>:$constant_value,
                   DenseI64ArrayAttr:$pads, Bnn_PadModeAttr:$mode,
                   F64Attr:$value);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $input (`,` $constant_value^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bnn_GatherOp : Bnn_Op<"gather", [Pure]> {
  let summary = "Gather along `axis` with run-time indices";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                   I64Attr:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Bnn_ReduceOp : Bnn_Op<"reduce", [Pure]> {
  let summary = "Reduction (sum, mean, max, min, prod, sum_square, l1, l2, log_sum, log_sum_exp) over `axes`";
  let description = [{
    The result has the input's rank with the reduced axes of size 1 (the
    keepdims form; a bnn.reshape views it as a result without those axes).
    `axes` are strictly increasing. Every reduction starts from the identity
    of its kind and element type (0 for the sums and mean, 1 for prod, the
    type's lowest value for max, its highest for min; -inf and +inf for
    floats). l2, log_sum and log_sum_exp are float only.
  }];
  let arguments = (ins AnyRankedTensor:$input, Bnn_ReduceKind:$kind,
                   DenseI64ArrayAttr:$axes);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$kind $input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Bnn_ArgReduceOp : Bnn_Op<"arg_reduce", [Pure]> {
  let summary = "Index (int64) of the max or min along `axis`";
  let arguments = (ins Bnn_F32Tensor:$input, Bnn_ReduceKind:$kind, I64Attr:$axis,
                   BoolAttr:$select_last_index);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$kind $input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Bnn_SoftmaxOp : Bnn_Op<"softmax", [Pure]> {
  let summary = "Softmax (or log-softmax) along one axis";
  let arguments = (ins Bnn_F32Tensor:$input, I64Attr:$axis, BoolAttr:$log);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Bnn_LayerNormOp : Bnn_Op<"layernorm", [Pure]> {
  let summary = "Normalization over the axes from `axis` on, then scale and bias";
  let arguments = (ins Bnn_F32Tensor:$input, Bnn_F32Tensor:$scale,
                   Optional<Bnn_F32Tensor>:$bias, I64Attr:$axis,
                   F32Attr:$epsilon);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bnn_GeluOp : Bnn_Op<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "GELU, exact (Erf) or its tanh approximation";
  let description = [{
    `approximate = "none"`: y = 0.5 x (1 + erf(x / sqrt(2)));
    `"tanh"`: y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
  }];
  let arguments = (ins Bnn_F32Tensor:$input,
                   Bnn_GeluApproximationAttr:$approximate);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Bnn_TopKOp : Bnn_Op<"topk", [Pure]> {
  let summary = "The k largest (or smallest) values, or their int64 indices";
  let description = [{
    Sorted by value (ties: lower index first, as ONNX specifies). `values`
    selects which of the two ONNX outputs this op produces; a TopK whose
    both outputs are used becomes two ops.
  }];
  let arguments = (ins Bnn_F32Tensor:$input, I64Attr:$axis, BoolAttr:$largest,
                   BoolAttr:$values);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Bnn_CumSumOp : Bnn_Op<"cumsum", [Pure]> {
  let summary = "Cumulative sum along `axis`";
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis,
                   BoolAttr:$exclusive, BoolAttr:$reverse);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Bnn_AvgPool2DOp : Bnn_Op<"avgpool2d", [Pure]> {
  let summary = "Float 2-D average pooling (NCHW)";
  let arguments = (ins Bnn_F32Tensor:$input, DenseI64ArrayAttr:$kernel,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                   DenseI64ArrayAttr:$dilations, BoolAttr:$count_include_pad);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Bnn_MaxPool2DOp : Bnn_Op<"maxpool2d", [Pure]> {
  let summary = "2-D max pooling (NCHW); padded taps are ignored";
  let description = [{
    Float32, or int8/uint8 (bnn-fuse-qdq: a max pool between a dequantize
    and a quantize with the same parameters pools the integers). A window
    with no tap inside the input gives -inf, or the type's minimum.
  }];
  let arguments = (ins RankedTensorOf<[F32, I8, UI8]>:$input,
                   DenseI64ArrayAttr:$kernel,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                   DenseI64ArrayAttr:$dilations);
  let results = (outs RankedTensorOf<[F32, I8, UI8]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Bnn_ChannelAffineOp : Bnn_Op<"channel_affine", [Pure, Bnn_InPlaceElementwise]> {
  let summary = "Per-channel y = x * scale[c] + shift[c] (channel axis 1)";
  let description = [{
    What remains of a BatchNormalization that could not be folded into a
    preceding Conv or Gemm.
  }];
  let arguments = (ins Bnn_F32Tensor:$input, Bnn_F32Tensor:$scale, Bnn_F32Tensor:$shift);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $scale `,` $shift attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Binary kernels (runtime/bnnc/kernels_binary.h, docs/binary-kernels.md)
//===----------------------------------------------------------------------===//

def Bnn_PackOp : Bnn_Op<"pack", [Pure, Bnn_BinaryKernel]> {
  let summary = "Binarize a float NCHW tensor into packed channels-last bits";
  let description = [{
    bit = 1 (value -1) iff x < threshold[c] (0 without a threshold), so
    b(0) = +1 (ONNX Sign(0) = 0 differs there only). A per-channel threshold
    is ReActNet's RSign, b(x - t_c), folded: x - t_c < 0 <=> x < t_c
    exactly in floating point. The result is [N, H, W, words] of 32-bit words, each
    `group` of C/group channels packed on its own with zero tail bits.
  }];
  let arguments = (ins Bnn_F32Tensor:$input, Optional<Bnn_F32Tensor>:$threshold,
                   I64Attr:$group);
  let results = (outs RankedTensorOf<[I32]>:$output);
  let assemblyFormat = [{
    $input (`threshold` $threshold^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bnn_BConv2DOp : Bnn_Op<"bconv2d", [Pure, Bnn_BinaryKernel, AttrSizedOperandSegments]> {
  let summary = "Binary 2-D convolution (xor-popcount) with its epilogue";
  let description = [{
    dot = K_valid - 2 * popcount(x XOR w) over the in-bounds taps (ONNX zero
    padding: a padded tap contributes 0). Float epilogue (f32 NCHW result):
    y = act(dot * scale[o] + bias[o]) with act none, relu, prelu (`slope`
    per channel) or clamp (`clamp_lo`, `clamp_hi`). Bits epilogue (i32 result, packed
    channels-last [N, OH, OW, words] in `out_group` groups, for a binary
    consumer): bit = (dot < threshold[o]) XOR flip[o], which is
    b(dot * scale[o] + bias[o]) in exact arithmetic. `weight` is the float
    +-1 OIHW constant before `bnn-bitpack`, its packed OHWI i32 words after.
    Dense layers are 1x1 convolutions over H = W = 1.

    `pad_value` (absent: 0) +1 or -1 pads with that value instead (LCE's one-padding,
    pad_values = 1, is +1): every tap counts, K = kh * kw * C / group, and a
    padded tap contributes pad_value times the sum of its weights.

    int8 epilogue (i8/ui8 NCHW result, `qparams` [M, 5] i32, no other
    epilogue operand, activation none): per channel (mul, add, shift, lo,
    hi), y = clamp(((dot * mul + add) >> shift) - 2^(30 - shift), lo, hi),
    where dot * mul + add lies in [0, 2^31) for every |dot| <= K.
    bnn-fuse-epilogues derives it from a float epilogue followed by a
    QuantizeLinear and checks it equal to them on every dot in [-K, K].
  }];
  let arguments = (ins RankedTensorOf<[I32]>:$input, AnyRankedTensor:$weight,
                   Optional<Bnn_F32Tensor>:$scale,
                   Optional<Bnn_F32Tensor>:$bias,
                   Optional<RankedTensorOf<[I32]>>:$threshold,
                   Optional<RankedTensorOf<[UI8]>>:$flip,
                   Optional<Bnn_F32Tensor>:$slope,
                   Optional<RankedTensorOf<[I32]>>:$qparams, I64Attr:$channels,
                   DenseI64ArrayAttr:$kernel, DenseI64ArrayAttr:$strides,
                   DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$dilations,
                   I64Attr:$group, Bnn_ActivationAttr:$activation,
                   DefaultValuedAttr<I64Attr, "1">:$out_group,
                   OptionalAttr<F32Attr>:$clamp_lo,
                   OptionalAttr<F32Attr>:$clamp_hi,
                   OptionalAttr<I64Attr>:$pad_value);
  let results = (outs RankedTensorOf<[F32, I32, I8, UI8]>:$output);
  let assemblyFormat = [{
    $input `,` $weight (`scale` $scale^)? (`bias` $bias^)?
    (`threshold` $threshold^)? (`flip` $flip^)? (`slope` $slope^)?
    (`qparams` $qparams^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// True when the result is packed bits (threshold epilogue).
    bool writesBits() {
      return ::llvm::cast<::mlir::RankedTensorType>(getOutput().getType())
          .getElementType().isInteger(32);
    }
    /// True when the result is int8/uint8 (the int8 epilogue).
    bool writesQuantized() { return static_cast<bool>(getQparams()); }
    /// Output channels.
    int64_t getOutChannels() {
      return ::llvm::cast<::mlir::RankedTensorType>(getWeight().getType())
          .getDimSize(0);
    }
    /// The value of padded taps: 0 (zero padding, the attribute absent),
    /// +1 or -1.
    int64_t padValue() {
      return static_cast<int64_t>(getPadValue().value_or(0));
    }
  }];
}

def Bnn_BMaxPool2DOp : Bnn_Op<"bmaxpool2d", [Pure, Bnn_BinaryKernel]> {
  let summary = "Max pooling on packed bits: the AND of the window's words";
  let description = [{
    With +1 as bit 0 and -1 as bit 1, the maximum of +-1 values is -1 only
    if all are -1: a bitwise AND. Since b is monotone, b(maxpool(x)) =
    bmaxpool(b(x)), which lets a max pool between a binary layer and the
    next one run on bits. Taps in the padding are ignored.

    `or_mask` (one packed pixel, [words] i32, tail bits 0) selects channels
    that pool with the minimum instead: the OR of their bits. That is
    b(s_c * maxpool(y) + t_c) for s_c < 0, where the affine map turns the
    max into a min (bnn-fuse-epilogues). A window without a valid tap
    (dilation) gives bit 1 on AND channels and 0 on OR channels, the
    binarized -inf and +inf.
  }];
  let arguments = (ins RankedTensorOf<[I32]>:$input,
                   Optional<RankedTensorOf<[I32]>>:$or_mask, I64Attr:$channels,
                   I64Attr:$group, DenseI64ArrayAttr:$kernel,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                   DenseI64ArrayAttr:$dilations);
  let results = (outs RankedTensorOf<[I32]>:$output);
  let assemblyFormat = [{
    $input (`or_mask` $or_mask^)? attr-dict `:` type($input)
    (`,` type($or_mask)^)? `->` type($output)
  }];
  let hasVerifier = 1;
}

def Bnn_PackLayerNormOp : Bnn_Op<"pack_layernorm", [Pure, Bnn_BinaryKernel]> {
  let summary = "Binarize LayerNorm(x) over the last axis without computing it";
  let description = [{
    bit_i = ((x_i - mean) < t_i * s) XOR flip_i per row of D values, with
    s = sqrt(var + epsilon), t_i = -beta_i / gamma_i, flip_i = gamma_i < 0
    (techniques.md section 1.4): b(LayerNorm(x)) with no divide and no
    normalized tensor. The result is [rows, 1, 1, words], packed like
    bnn.pack of the rows viewed as [rows, D, 1, 1].
  }];
  let arguments = (ins Bnn_F32Tensor:$input, Bnn_F32Tensor:$threshold,
                   RankedTensorOf<[UI8]>:$flip, F32Attr:$epsilon);
  let results = (outs RankedTensorOf<[I32]>:$output);
  let assemblyFormat = [{
    $input `,` $threshold `,` $flip attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bnn_BinAttentionScoresOp : Bnn_Op<"bin_attention_scores", [Pure, Bnn_BinaryKernel]> {
  let summary = "BiBERT scores: P = [sign(Q) sign(K)^T > 0] as packed bits";
  let description = [{
    `queries` and `keys` are bnn.pack results of Q and K viewed as
    [G * L, D, 1, 1] and [G * S, D, 1, 1]: [G * L, 1, 1, words(D)] words.
    The result holds per group g and query i the bits of the S keys,
    [G, L, words(S)]: bit j = 2 popcount(q_i XOR k_j) < D, i.e. the +-1 dot
    product is > 0 (a dot of 0 gives 0, as 1[S > 0] does).
    (runtime/bnnc/kernels_attention.h, techniques.md 2.2.)
  }];
  let arguments = (ins RankedTensorOf<[I32]>:$queries,
                   RankedTensorOf<[I32]>:$keys, I64Attr:$dim);
  let results = (outs RankedTensorOf<[I32]>:$output);
  let assemblyFormat = [{
    $queries `,` $keys attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bnn_BinAttentionContextOp : Bnn_Op<"bin_attention_context", [Pure, Bnn_BinaryKernel]> {
  let summary = "BiBERT context: C = P sign(V) by and-popcount";
  let description = [{
    `scores` is a bin_attention_scores result [G, L, words(S)]; `values`
    holds sign(V) transposed, packed along the keys: the bnn.pack of V^T
    viewed as [G * D, S, 1, 1]. C[g, i, e] = popcount(P_i) -
    2 popcount(P_i AND v_e), the integer sum_j P_ij sign(V)_je, as float
    [G, L, D].
  }];
  let arguments = (ins RankedTensorOf<[I32]>:$scores,
                   RankedTensorOf<[I32]>:$values, I64Attr:$keys);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = [{
    $scores `,` $values attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Recurrent layers (issue 16)
//===----------------------------------------------------------------------===//

def Bnn_RecurrentOp : Bnn_Op<"recurrent", [Pure, AttrSizedOperandSegments]> {
  let summary = "ONNX RNN, GRU or LSTM over a whole sequence (one kernel)";
  let description = [{
    `input` [T, B, I], `weight` [D, G*H, I], `recurrence` [D, G*H, H] with
    G = 1 (rnn), 3 (gru: z, r, h) or 4 (lstm: i, o, f, c); optional `bias`
    [D, 2*G*H], `initial_h` and `initial_c` [D, B, H], `peephole` [D, 3*H]
    and `seq_lens` [B] (int32, each in [0, T]); an absent one counts as
    zeros (seq_lens: T). D = 2 is bidirectional; D = 1 runs backwards when
    `reverse`. `activations` holds G' codes per direction (rnn 1, gru 2,
    lstm 3; runtime/bnnc/kernels_f32.h, BNNC_RNN_ACT_*) with their alpha and
    beta. The result is one flat buffer: Y [T, D, B, H], then Y_h and Y_c
    [D, B, H], then (G + 1) * H floats of scratch; the lowering copies the
    ONNX outputs out of it.
  }];
  let arguments = (ins Bnn_F32Tensor:$input, Bnn_F32Tensor:$weight,
                   Bnn_F32Tensor:$recurrence, Optional<Bnn_F32Tensor>:$bias,
                   Optional<Bnn_F32Tensor>:$initial_h,
                   Optional<Bnn_F32Tensor>:$initial_c,
                   Optional<Bnn_F32Tensor>:$peephole,
                   Optional<RankedTensorOf<[I32]>>:$seq_lens,
                   StrAttr:$cell, BoolAttr:$reverse,
                   BoolAttr:$linear_before_reset, BoolAttr:$input_forget,
                   OptionalAttr<F32Attr>:$clip,
                   DenseI32ArrayAttr:$activations,
                   DenseF32ArrayAttr:$activation_alpha,
                   DenseF32ArrayAttr:$activation_beta);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = [{
    $cell $input `,` $weight `,` $recurrence
    (`bias` $bias^)? (`initial_h` $initial_h^)? (`initial_c` $initial_c^)?
    (`peephole` $peephole^)? (`seq_lens` $seq_lens^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Gates per step: 1 (rnn), 3 (gru), 4 (lstm); 0 for an unknown cell.
    int64_t getGateCount();
    /// Activations per direction: 1 (rnn), 2 (gru), 3 (lstm).
    int64_t getActivationsPerDirection();
  }];
}

//===----------------------------------------------------------------------===//
// Resampling, transposed convolution and indexing (issue 16)
//===----------------------------------------------------------------------===//

def Bnn_ResizeOp : Bnn_Op<"resize", [Pure]> {
  let summary = "Separable resampling through per-axis tap tables";
  let description = [{
    For every axis d, output coordinate o has `taps[d]` taps: input indices
    `indices[base_d + o * taps[d] + t]` and weights `weights[...]` at the
    same position (base_d: the tables of the axes before d, out_e * taps[e]
    each). y[o] = sum over every tap combination of the product of the
    weights times x at the indices. A first tap index of -1 marks a
    coordinate outside the crop (tf_crop_and_resize): the output is
    `extrapolation_value` then. Nearest, linear and cubic Resize and
    Upsample all become tables at compile time (runtime bnnc_resize_f32).
  }];
  let arguments = (ins Bnn_F32Tensor:$input, DenseI64ArrayAttr:$taps,
                   DenseI32ArrayAttr:$indices, DenseF32ArrayAttr:$weights,
                   F32Attr:$extrapolation_value);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Bnn_ConvTransposeOp : Bnn_Op<"conv_transpose", [Pure]> {
  let summary = "Float transposed 3-D convolution (NCDHW; 1-D and 2-D as views)";
  let description = [{
    y[n, m, o] = bias[m] + sum over the group's channels c and taps k of
    x[n, c, i] * w[c, m % (M / group), k] where o = i * stride - pad_begin +
    k * dilation, per spatial axis. The output size is the result type's
    (output_padding and output_shape are folded into it and into `pads`,
    the three leading pads).
  }];
  let arguments = (ins Bnn_F32Tensor:$input, Bnn_F32Tensor:$weight,
                   Optional<Bnn_F32Tensor>:$bias, DenseI64ArrayAttr:$strides,
                   DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$dilations,
                   I64Attr:$group);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bnn_GatherElementsOp : Bnn_Op<"gather_elements", [Pure]> {
  let summary = "ONNX GatherElements; indices checked at run time";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                   I64Attr:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Bnn_GatherNDOp : Bnn_Op<"gather_nd", [Pure]> {
  let summary = "ONNX GatherND; indices checked at run time";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                   I64Attr:$batch_dims);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Bnn_ScatterNDOp : Bnn_Op<"scatter_nd", [Pure]> {
  let summary = "ONNX ScatterND (reduction none, add or mul); indices checked";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                   AnyRankedTensor:$updates, StrAttr:$reduction);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Bnn_OneHotOp : Bnn_Op<"one_hot", [Pure]> {
  let summary = "ONNX OneHot with a constant depth inserted at `axis`";
  let description = [{
    `values` holds [off, on]; an index i (i + depth if negative) selects on
    at position i of the new axis; indices outside [-depth, depth) give an
    all-off row.
  }];
  let arguments = (ins AnyRankedTensor:$indices, AnyRankedTensor:$values,
                   I64Attr:$depth, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Bnn_TriluOp : Bnn_Op<"trilu", [Pure]> {
  let summary = "Keep the upper (j - i >= k) or lower (j - i <= k) triangle";
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$k, BoolAttr:$upper);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Bnn_LpNormOp : Bnn_Op<"lp_norm", [Pure]> {
  let summary = "x / ||x||_p along `axis` (p = 1 or 2)";
  let arguments = (ins Bnn_F32Tensor:$input, I64Attr:$axis, I64Attr:$p);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantized tensors (issue 18; runtime/bnnc/kernels_int8.h, docs/int8.md)
//
// Scales and zero points are tensors (graph inputs or constants): one value,
// or one per index of `axis`. Rounding is half to even and saturation is at
// the bounds of the quantized type, as ONNX QuantizeLinear defines them.
//===----------------------------------------------------------------------===//

def Bnn_QuantTensor : RankedTensorOf<[I8, UI8]>;
def Bnn_I32Tensor : RankedTensorOf<[I32]>;

def Bnn_QuantizeOp : Bnn_Op<"quantize", [Pure]> {
  let summary = "float32 -> int8/uint8: saturate(round_half_even(x / scale) + zp)";
  let description = [{
    `x / scale` is one float32 division; the quotient is rounded half to
    even, the zero point (0 when absent) added and the sum saturated to the
    result type's range. NaN quantizes to the zero point. With
    `round_away`, ties round away from zero instead (TFLite's QUANTIZE,
    C's `roundf`).
    ```mlir
    %q = bnn.quantize %x, %s, %zp {axis = 1 : i64}
         : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xi8>) -> tensor<1x3x4x4xi8>
    ```
  }];
  let arguments = (ins Bnn_F32Tensor:$input, Bnn_F32Tensor:$scale,
                   Optional<Bnn_QuantTensor>:$zero_point, I64Attr:$axis,
                   UnitAttr:$round_away);
  let results = (outs Bnn_QuantTensor:$output);
  // The ONNX form (ties to even) without naming round_away.
  let builders = [
    OpBuilder<(ins "::mlir::Type":$output, "::mlir::Value":$input,
                   "::mlir::Value":$scale, "::mlir::Value":$zero_point,
                   "::mlir::IntegerAttr":$axis), [{
      build($_builder, $_state, output, input, scale, zero_point, axis,
            ::mlir::UnitAttr());
    }]>];
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Bnn_DequantizeOp : Bnn_Op<"dequantize", [Pure]> {
  let summary = "int8/uint8/int32 -> float32: (x - zp) * scale";
  let description = [{
    `x - zp` is exact in int64, converted to float32 and multiplied by the
    scale in float32 (one rounding), as ONNX DequantizeLinear computes it.
  }];
  let arguments = (ins RankedTensorOf<[I8, UI8, I32]>:$input,
                   Bnn_F32Tensor:$scale,
                   Optional<RankedTensorOf<[I8, UI8, I32]>>:$zero_point,
                   I64Attr:$axis);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Bnn_DynamicQuantizeOp : Bnn_Op<"dynamic_quantize", [Pure]> {
  let summary = "ONNX DynamicQuantizeLinear: uint8 with a scale from the data's range";
  let description = [{
    scale = (max(0, max x) - min(0, min x)) / 255, zp = round_half_even(
    saturate(0 - min(0, min x) / scale)), y = quantize(x, scale, zp); all
    float32 steps in the order of the ONNX definition. An all-zero input
    (scale 0) gives scale 0, zp 0 and y 0.
  }];
  let arguments = (ins Bnn_F32Tensor:$input);
  let results = (outs RankedTensorOf<[UI8]>:$output, Bnn_F32Tensor:$scale,
                      RankedTensorOf<[UI8]>:$zero_point);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Bnn_QConv2DOp : Bnn_Op<"qconv2d", [Pure, AttrSizedOperandSegments]> {
  let summary = "Integer 2-D convolution with int32 accumulation";
  let description = [{
    `acc[n,m,y,x] = bias[m] + sum (x - x_zp) * (w - w_zp[m])` over the
    window (NCHW input, OIHW weights); padded taps contribute 0, i.e. the
    input is padded with its zero point as ONNX ConvInteger does. Absent
    zero points and bias are 0; `weight_zero_point` holds one value or one
    per output channel. The sum wraps modulo 2^32 (two's complement int32),
    so no input overflows.
  }];
  let arguments = (ins Bnn_QuantTensor:$input, Bnn_QuantTensor:$weight,
                   Optional<Bnn_QuantTensor>:$input_zero_point,
                   Optional<Bnn_QuantTensor>:$weight_zero_point,
                   Optional<Bnn_I32Tensor>:$bias,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                   DenseI64ArrayAttr:$dilations, I64Attr:$group);
  let results = (outs Bnn_I32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight
    (`input_zero_point` $input_zero_point^)?
    (`weight_zero_point` $weight_zero_point^)? (`bias` $bias^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bnn_QMatMulOp : Bnn_Op<"qmatmul", [Pure, AttrSizedOperandSegments]> {
  let summary = "Integer batched matmul with int32 accumulation";
  let description = [{
    `acc[..., i, j] = sum_k (a[..., i, k] - a_zp[i]) * (b[..., k, j] -
    b_zp[j])`, batch dimensions broadcast; a zero point holds one value or
    one per row of `a` / column of `b` (0 when absent). Wraps modulo 2^32.
  }];
  let arguments = (ins Bnn_QuantTensor:$a, Bnn_QuantTensor:$b,
                   Optional<Bnn_QuantTensor>:$a_zero_point,
                   Optional<Bnn_QuantTensor>:$b_zero_point);
  let results = (outs Bnn_I32Tensor:$output);
  let assemblyFormat = [{
    $a `,` $b (`a_zero_point` $a_zero_point^)? (`b_zero_point` $b_zero_point^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bnn_PackQuantizedOp : Bnn_Op<"pack_quantized", [Pure, Bnn_BinaryKernel]> {
  let summary = "Binarize an int8/uint8 NCHW tensor into packed channels-last bits";
  let description = [{
    bit = 1 (value -1) iff q < zero_point: the binarizer b((q - zp) * s) of
    the dequantized value for a positive scale s, read from the integers
    (bnn-fuse-qdq). With `threshold` (one int32 per channel), bit = 1 iff
    q < threshold[c]: a float pack threshold on the dequantized values,
    moved to the int8 scale (bnn-fuse-epilogues). The layout is bnn.pack's:
    [N, H, W, words], each of `group` groups of C/group channels packed on
    its own, tail bits 0.
  }];
  let arguments = (ins Bnn_QuantTensor:$input,
                   Optional<Bnn_I32Tensor>:$threshold, I64Attr:$zero_point,
                   I64Attr:$group);
  let results = (outs RankedTensorOf<[I32]>:$output);
  let assemblyFormat = [{
    $input (`threshold` $threshold^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bnn_RequantizeOp : Bnn_Op<"requantize", [Pure]> {
  let summary = "int32 accumulator -> int8/uint8 (QLinearConv/QLinearMatMul output)";
  let description = [{
    `y = saturate(round_half_even(float(acc) * m[c]) + y_zp)` with the
    multiplier `m[c] = (in_scale * w_scale[c]) / out_scale` in float32,
    `c` the index along `axis` (`w_scale` holds one value or one per
    index). Every step is a float32 operation in onnxruntime's order, so
    the result equals its QLinearConv and QLinearMatMul bit for bit. With
    `relu`, y = max(y, y_zp): a ReLU before the quantization (bnn-fuse-qdq).
  }];
  let arguments = (ins Bnn_I32Tensor:$input, Bnn_F32Tensor:$in_scale,
                   Bnn_F32Tensor:$w_scale, Bnn_F32Tensor:$out_scale,
                   Optional<Bnn_QuantTensor>:$zero_point, I64Attr:$axis,
                   UnitAttr:$relu);
  let results = (outs Bnn_QuantTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Bnn_RequantizeQ31Op : Bnn_Op<"requantize_q31", [Pure]> {
  let summary = "int32 accumulator -> int8/uint8 by a Q31 multiplier and a shift (TFLite)";
  let description = [{
    TFLite's integer requantization. For the index `c` along `axis`
    (`multiplier` and `shift` hold one value or one per index):
    `v = acc * 2^max(shift[c], 0)` saturated to int32, then the doubling
    high product `round(v * multiplier[c] / 2^31)` (ties toward +infinity,
    as its +-2^30 nudge and truncating division give), then the rounding
    division by `2^max(-shift[c], 0)` (ties away from zero), plus
    `zero_point`, clamped to `[min, max]` (the fused activation's range
    within the result type). `multiplier` is a Q31 number, so the real
    multiplier is `multiplier * 2^(shift - 31)`; the TFLite importer derives
    it from the scales in double precision (docs/tflite.md).
    ```mlir
    %y = bnn.requantize_q31 %acc {axis = 1 : i64,
           multiplier = array<i32: 1518500250, 1073741824>,
           shift = array<i32: -7, -8>, zero_point = -3 : i64,
           min = -3 : i64, max = 127 : i64}
         : (tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi8>
    ```
  }];
  let arguments = (ins Bnn_I32Tensor:$input, DenseI32ArrayAttr:$multiplier,
                   DenseI32ArrayAttr:$shift, I64Attr:$zero_point,
                   I64Attr:$min, I64Attr:$max, I64Attr:$axis);
  let results = (outs Bnn_QuantTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Bnn_AddQ31Op : Bnn_Op<"add_q31", [Pure]> {
  let summary = "int8 addition with TFLite's quantized ADD arithmetic";
  let description = [{
    Per element, for int8 `a` and `b` of the same shape:
    `va = (a - a_zero_point) * 2^20`, `vb` likewise, each rescaled by its
    Q31 multiplier and shift (`input_multipliers`, `input_shifts`: the
    doubling high product, then the rounding division, as in
    bnn.requantize_q31), summed in int32, rescaled by `multiplier` and
    `shift`, plus `zero_point`, clamped to `[min, max]`. The TFLite importer
    derives the multipliers from the scales as TFLite does: inputs
    `s / (2 max(s_a, s_b))`, output `2 max(s_a, s_b) / (2^20 s_y)`, all
    below 1 (shifts <= 0).
  }];
  let arguments = (ins RankedTensorOf<[I8]>:$a, RankedTensorOf<[I8]>:$b,
                   DenseI64ArrayAttr:$input_zero_points,
                   DenseI32ArrayAttr:$input_multipliers,
                   DenseI32ArrayAttr:$input_shifts, I64Attr:$multiplier,
                   I64Attr:$shift, I64Attr:$zero_point, I64Attr:$min,
                   I64Attr:$max);
  let results = (outs RankedTensorOf<[I8]>:$output);
  let assemblyFormat = "$a `,` $b attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // BNNC_BNN_OPS
