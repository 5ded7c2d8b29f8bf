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

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Bnn_Activation : I32EnumAttr<"Activation",
    "activation fused into a kernel's epilogue", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"relu", 1>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bnnc::bnn";
}
def Bnn_ActivationAttr : EnumAttr<Bnn_Dialect, Bnn_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

def Bnn_BinaryKind : I32EnumAttr<"BinaryKind",
    "elementwise binary operation", [
      I32EnumAttrCase<"add", 0>,
      I32EnumAttrCase<"mul", 1>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bnnc::bnn";
}
def Bnn_BinaryKindAttr : EnumAttr<Bnn_Dialect, Bnn_BinaryKind, "binary"> {
  let assemblyFormat = "`<` $value `>`";
}

def Bnn_UnaryKind : I32EnumAttr<"UnaryKind",
    "elementwise unary operation", [
      I32EnumAttrCase<"relu", 0>,
      I32EnumAttrCase<"sign", 1>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bnnc::bnn";
}
def Bnn_UnaryKindAttr : EnumAttr<Bnn_Dialect, Bnn_UnaryKind, "unary"> {
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
  let arguments = (ins Bnn_F32Tensor:$a, Bnn_F32Tensor:$b);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = [{
    $a `,` $b attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bnn_BinaryOp : Bnn_Op<"binary", [Pure]> {
  let summary = "Float elementwise binary op with numpy broadcasting";
  let arguments = (ins Bnn_F32Tensor:$lhs, Bnn_F32Tensor:$rhs,
                   Bnn_BinaryKindAttr:$kind);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = [{
    $kind $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bnn_UnaryOp : Bnn_Op<"unary", [Pure, SameOperandsAndResultType]> {
  let summary = "Float elementwise unary op";
  let arguments = (ins Bnn_F32Tensor:$input, Bnn_UnaryKindAttr:$kind);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = "$kind $input attr-dict `:` type($input)";
}

def Bnn_MaxPool2DOp : Bnn_Op<"maxpool2d", [Pure]> {
  let summary = "Float 2-D max pooling (NCHW); padded taps are ignored";
  let arguments = (ins Bnn_F32Tensor:$input, DenseI64ArrayAttr:$kernel,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                   DenseI64ArrayAttr:$dilations);
  let results = (outs Bnn_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Bnn_ChannelAffineOp : Bnn_Op<"channel_affine", [Pure]> {
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

#endif // BNNC_BNN_OPS
