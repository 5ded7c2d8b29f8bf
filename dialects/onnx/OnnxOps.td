//===- OnnxOps.td - The import-level ONNX dialect ---------*- tablegen -*-===//
//
// One op per ONNX operator, on ranked tensors, with the ONNX attribute names
// and defaults. Optional ONNX inputs that a model leaves out are `none` values
// produced by `onnx.NoValue`, so operand positions match the ONNX schema.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_ONNX_OPS
#define BNNC_ONNX_OPS

include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Onnx_Dialect : Dialect {
  let name = "onnx";
  let cppNamespace = "::bnnc::onnx";
  let summary = "ONNX operators as imported from a model file";
  let description = [{
    The import level of bnnc. Each op mirrors one ONNX operator: the same
    operand order, attribute names and defaults. Locations are the ONNX node
    names, so every diagnostic points at the node of the user's model.
  }];
  let hasConstantMaterializer = 1;
}

class Onnx_Op<string mnemonic, list<Trait> traits = []>
    : Op<Onnx_Dialect, mnemonic, traits>;

def Onnx_TensorOrNone : AnyTypeOf<[AnyRankedTensor, NoneType]>;

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

def Onnx_ConstantOp : Onnx_Op<"Constant", [ConstantLike, Pure,
    AllTypesMatch<["value", "output"]>]> {
  let summary = "ONNX Constant, also used for graph initializers";
  let description = [{
    The importer normalizes every form of ONNX constant (`value`,
    `value_float(s)`, `value_int(s)`, initializers) to one dense `value`.
    ```mlir
    %w = onnx.Constant dense<1.0> : tensor<4xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Onnx_NoValueOp : Onnx_Op<"NoValue", [ConstantLike, Pure]> {
  let summary = "An omitted optional ONNX input";
  let results = (outs NoneType:$none);
  let assemblyFormat = "attr-dict";
  let hasFolder = 1;
}

def Onnx_IdentityOp : Onnx_Op<"Identity", [Pure]> {
  let summary = "ONNX Identity";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

// Numpy-style broadcasting binary ops.
class Onnx_BroadcastBinaryOp<string mnemonic>
    : Onnx_Op<mnemonic, [Pure]> {
  let arguments = (ins AnyRankedTensor:$A, AnyRankedTensor:$B);
  let results = (outs AnyRankedTensor:$C);
  let assemblyFormat = [{
    $A `,` $B attr-dict `:` `(` type($A) `,` type($B) `)` `->` type($C)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Onnx_AddOp : Onnx_BroadcastBinaryOp<"Add"> {
  let summary = "ONNX Add: C = A + B with broadcasting";
}
def Onnx_MulOp : Onnx_BroadcastBinaryOp<"Mul"> {
  let summary = "ONNX Mul: C = A * B with broadcasting";
}

class Onnx_UnaryOp<string mnemonic> : Onnx_Op<mnemonic, [Pure]> {
  let arguments = (ins AnyRankedTensor:$X);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = "$X attr-dict `:` type($X) `->` type($Y)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Onnx_ReluOp : Onnx_UnaryOp<"Relu"> {
  let summary = "ONNX Relu: Y = max(X, 0)";
}
def Onnx_SignOp : Onnx_UnaryOp<"Sign"> {
  let summary = "ONNX Sign: -1, 0 or +1 (Sign(0) = 0)";
}

//===----------------------------------------------------------------------===//
// Linear algebra and convolution
//===----------------------------------------------------------------------===//

def Onnx_ConvOp : Onnx_Op<"Conv", [Pure]> {
  let summary = "ONNX Conv (N-D cross-correlation, NCHW)";
  let arguments = (ins AnyRankedTensor:$X, AnyRankedTensor:$W,
                   Onnx_TensorOrNone:$B,
                   DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
                   OptionalAttr<DenseI64ArrayAttr>:$dilations,
                   DefaultValuedAttr<I64Attr, "1">:$group,
                   OptionalAttr<DenseI64ArrayAttr>:$kernel_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = [{
    $X `,` $W `,` $B attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Onnx_GemmOp : Onnx_Op<"Gemm", [Pure]> {
  let summary = "ONNX Gemm: Y = alpha * A' * B' + beta * C";
  let arguments = (ins AnyRankedTensor:$A, AnyRankedTensor:$B,
                   Onnx_TensorOrNone:$C,
                   DefaultValuedAttr<F32Attr, "1.0">:$alpha,
                   DefaultValuedAttr<F32Attr, "1.0">:$beta,
                   DefaultValuedAttr<I64Attr, "0">:$transA,
                   DefaultValuedAttr<I64Attr, "0">:$transB);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = [{
    $A `,` $B `,` $C attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Onnx_MatMulOp : Onnx_Op<"MatMul", [Pure]> {
  let summary = "ONNX MatMul with numpy semantics (batched, broadcast)";
  let arguments = (ins AnyRankedTensor:$A, AnyRankedTensor:$B);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = [{
    $A `,` $B attr-dict `:` `(` type($A) `,` type($B) `)` `->` type($Y)
  }];
  let hasVerifier = 1;
}

def Onnx_BatchNormalizationOp : Onnx_Op<"BatchNormalization", [Pure]> {
  let summary = "ONNX BatchNormalization (inference mode)";
  let arguments = (ins AnyRankedTensor:$X, AnyRankedTensor:$scale,
                   AnyRankedTensor:$B, AnyRankedTensor:$input_mean,
                   AnyRankedTensor:$input_var,
                   DefaultValuedAttr<F32Attr, "1e-05">:$epsilon,
                   DefaultValuedAttr<F32Attr, "0.9">:$momentum,
                   DefaultValuedAttr<I64Attr, "1">:$spatial,
                   DefaultValuedAttr<I64Attr, "0">:$training_mode);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = [{
    $X `,` $scale `,` $B `,` $input_mean `,` $input_var attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

def Onnx_MaxPoolOp : Onnx_Op<"MaxPool", [Pure]> {
  let summary = "ONNX MaxPool (the optional Indices output is not supported)";
  let arguments = (ins AnyRankedTensor:$X,
                   DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
                   DefaultValuedAttr<I64Attr, "0">:$ceil_mode,
                   OptionalAttr<DenseI64ArrayAttr>:$dilations,
                   DenseI64ArrayAttr:$kernel_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   DefaultValuedAttr<I64Attr, "0">:$storage_order,
                   OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = "$X attr-dict `:` type($X) `->` type($Y)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Shape
//===----------------------------------------------------------------------===//

def Onnx_FlattenOp : Onnx_Op<"Flatten", [Pure]> {
  let summary = "ONNX Flatten to 2-D at `axis`";
  let arguments = (ins AnyRankedTensor:$input,
                   DefaultValuedAttr<I64Attr, "1">:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Onnx_ReshapeOp : Onnx_Op<"Reshape", [Pure]> {
  let summary = "ONNX Reshape (shape as an input, opset 5 and later)";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$shape,
                   DefaultValuedAttr<I64Attr, "0">:$allowzero);
  let results = (outs AnyRankedTensor:$reshaped);
  let assemblyFormat = [{
    $data `,` $shape attr-dict `:` `(` type($data) `,` type($shape) `)` `->`
    type($reshaped)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

#endif // BNNC_ONNX_OPS
