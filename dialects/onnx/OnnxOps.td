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

// The shape function of an op: its result's static shape from its operands'
// current types alone. The importer takes shapes from ONNX's shape
// inference; passes that re-type a graph after import (onnx-token-prune
// shortens the token axis) recompute them with this. The default is the
// elementwise rule, the first operand's shape; ops with another rule
// declare `inferResultShape` (dialects/onnx/OnnxShapes.cpp).
def Onnx_ResultShapeOpInterface : OpInterface<"ResultShapeOpInterface"> {
  let cppNamespace = "::bnnc::onnx";
  let methods = [
    InterfaceMethod<
      "The shape of result 0, or nullopt if the operand types do not determine it.",
      "std::optional<::llvm::SmallVector<int64_t>>", "inferResultShape", (ins),
      /*methodBody=*/[{}], /*defaultImplementation=*/[{
        return ::llvm::SmallVector<int64_t>(
            ::llvm::cast<::mlir::ShapedType>($_op->getOperand(0).getType())
                .getShape());
      }]>
  ];
}
def Onnx_ElementwiseShape : DeclareOpInterfaceMethods<Onnx_ResultShapeOpInterface>;
def Onnx_OwnShapeFunction
    : DeclareOpInterfaceMethods<Onnx_ResultShapeOpInterface, ["inferResultShape"]>;

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

def Onnx_IdentityOp : Onnx_Op<"Identity", [Pure, Onnx_ElementwiseShape]> {
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
    : Onnx_Op<mnemonic, [Pure, Onnx_OwnShapeFunction]> {
  let arguments = (ins AnyRankedTensor:$A, AnyRankedTensor:$B);
  let results = (outs AnyRankedTensor:$C);
  let assemblyFormat = [{
    $A `,` $B attr-dict `:` `(` type($A) `,` type($B) `)` `->` type($C)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

// Arithmetic: C = f(A, B).
foreach op = ["Add", "Sub", "Mul", "Div", "Pow"] in
def Onnx_#op#Op : Onnx_BroadcastBinaryOp<op> {
  let summary = "ONNX " # op # " with numpy broadcasting";
}

// Comparisons and logic: boolean result.
foreach op = ["Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual",
              "And", "Or", "Xor"] in
def Onnx_#op#Op : Onnx_BroadcastBinaryOp<op> {
  let summary = "ONNX " # op # " with numpy broadcasting, bool result";
}

def Onnx_PReluOp : Onnx_BroadcastBinaryOp<"PRelu"> {
  let summary = "ONNX PRelu: the slope B broadcasts to X";
}

// Variadic Max/Min/Mean/Sum (at least one input), numpy broadcasting.
foreach op = ["Max", "Min", "Mean", "Sum"] in
def Onnx_#op#Op : Onnx_Op<op, [Pure]> {
  let summary = "ONNX " # op # " of any number of inputs";
  let arguments = (ins Variadic<AnyRankedTensor>:$data_0);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$data_0 attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Onnx_WhereOp : Onnx_Op<"Where", [Pure]> {
  let summary = "ONNX Where: condition ? X : Y with broadcasting";
  let arguments = (ins AnyRankedTensor:$condition, AnyRankedTensor:$X,
                   AnyRankedTensor:$Y);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

class Onnx_UnaryOp<string mnemonic>
    : Onnx_Op<mnemonic, [Pure, Onnx_ElementwiseShape, SameOperandsAndResultType]> {
  let summary = "ONNX " # mnemonic # " (elementwise)";
  let arguments = (ins AnyRankedTensor:$X);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = "$X attr-dict `:` type($X) `->` type($Y)";
  let hasFolder = 1;
}

foreach op = ["Relu", "Sign", "Abs", "Neg", "Ceil", "Floor", "Round", "Exp",
              "Log", "Sqrt", "Reciprocal", "Sigmoid", "Tanh", "Erf",
              "Softplus", "HardSwish", "Not", "Softsign", "Sin", "Cos", "Tan",
              "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh",
              "Atanh"] in
def Onnx_#op#Op : Onnx_UnaryOp<op>;

// Unary ops with float parameters.
class Onnx_ParamUnaryOp<string mnemonic, dag params>
    : Onnx_UnaryOp<mnemonic> {
  let arguments = !con((ins AnyRankedTensor:$X), params);
}
def Onnx_EluOp : Onnx_ParamUnaryOp<"Elu",
    (ins DefaultValuedAttr<F32Attr, "1.0">:$alpha)>;
def Onnx_LeakyReluOp : Onnx_ParamUnaryOp<"LeakyRelu",
    (ins DefaultValuedAttr<F32Attr, "0.01">:$alpha)>;
def Onnx_SeluOp : Onnx_ParamUnaryOp<"Selu",
    (ins DefaultValuedAttr<F32Attr, "1.67326319217681884765625">:$alpha,
         DefaultValuedAttr<F32Attr, "1.05070102214813232421875">:$gamma)>;
def Onnx_CeluOp : Onnx_ParamUnaryOp<"Celu",
    (ins DefaultValuedAttr<F32Attr, "1.0">:$alpha)>;
def Onnx_ThresholdedReluOp : Onnx_ParamUnaryOp<"ThresholdedRelu",
    (ins DefaultValuedAttr<F32Attr, "1.0">:$alpha)>;
def Onnx_ShrinkOp : Onnx_ParamUnaryOp<"Shrink",
    (ins DefaultValuedAttr<F32Attr, "0.0">:$bias,
         DefaultValuedAttr<F32Attr, "0.5">:$lambd)>;
def Onnx_HardSigmoidOp : Onnx_ParamUnaryOp<"HardSigmoid",
    (ins DefaultValuedAttr<F32Attr, "0.2">:$alpha,
         DefaultValuedAttr<F32Attr, "0.5">:$beta)>;

// Float -> bool tests.
def Onnx_IsNaNOp : Onnx_Op<"IsNaN", [Pure]> {
  let summary = "ONNX IsNaN (elementwise, bool result)";
  let arguments = (ins AnyRankedTensor:$X);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = "$X attr-dict `:` type($X) `->` type($Y)";
  let hasFolder = 1;
  let hasVerifier = 1;
}
def Onnx_IsInfOp : Onnx_Op<"IsInf", [Pure]> {
  let summary = "ONNX IsInf (elementwise, bool result)";
  let arguments = (ins AnyRankedTensor:$X,
                   DefaultValuedAttr<I64Attr, "1">:$detect_negative,
                   DefaultValuedAttr<I64Attr, "1">:$detect_positive);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = "$X attr-dict `:` type($X) `->` type($Y)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Onnx_BipolarQuantOp : Onnx_Op<"BipolarQuant", [Pure]> {
  let summary = "QONNX BipolarQuant (domain qonnx.custom_op.general)";
  let description = [{
    Y = (X >= 0 ? 1 : -1) * scale: Brevitas' bipolar binarizer, b(x) with
    b(0) = +1, times a scalar scale.
  }];
  let arguments = (ins AnyRankedTensor:$X, AnyRankedTensor:$scale);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

// bnnc's own domain "bnnc.tflite": TFLite int8 semantics that no ONNX
// operator has, written only by the TFLite importer (docs/tflite.md).

def Onnx_TfliteQuantizeOp : Onnx_Op<"TfliteQuantize", [Pure]> {
  let summary = "TFLite QUANTIZE (domain bnnc.tflite): ties away from zero";
  let description = [{
    y = saturate(round_half_away(x / y_scale) + y_zero_point): ONNX
    QuantizeLinear except for the rounding of ties (C's roundf).
  }];
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$y_scale,
                   AnyRankedTensor:$y_zero_point);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_TfliteRequantizeOp : Onnx_Op<"TfliteRequantize", [Pure]> {
  let summary = "TFLite's Q31 requantization of an int32 tensor (domain bnnc.tflite)";
  let description = [{
    bnn.requantize_q31 with the int32 constants `multiplier` and `shift`
    (one value or one per index of `axis`), the output zero point and the
    fused activation's clamp range [`min`, `max`].
  }];
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$multiplier,
                   AnyRankedTensor:$shift, AnyRankedTensor:$y_zero_point,
                   I64Attr:$axis, I64Attr:$min, I64Attr:$max);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_TfliteAddOp : Onnx_Op<"TfliteAdd", [Pure]> {
  let summary = "TFLite's int8 ADD (domain bnnc.tflite): bnn.add_q31";
  let arguments = (ins AnyRankedTensor:$a, AnyRankedTensor:$b,
                   I64Attr:$a_zero_point, I64Attr:$b_zero_point,
                   I64Attr:$a_multiplier, I64Attr:$a_shift,
                   I64Attr:$b_multiplier, I64Attr:$b_shift,
                   I64Attr:$multiplier, I64Attr:$shift, I64Attr:$zero_point,
                   I64Attr:$min, I64Attr:$max);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_CastOp : Onnx_Op<"Cast", [Pure, Onnx_ElementwiseShape]> {
  let summary = "ONNX Cast to the element type `to`";
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$to);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def Onnx_ClipOp : Onnx_Op<"Clip", [Pure, Onnx_ElementwiseShape]> {
  let summary = "ONNX Clip (bounds are attributes before opset 11, inputs since)";
  let arguments = (ins AnyRankedTensor:$input, Onnx_TensorOrNone:$min_t,
                   Onnx_TensorOrNone:$max_t, OptionalAttr<F32Attr>:$min,
                   OptionalAttr<F32Attr>:$max);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_DropoutOp : Onnx_Op<"Dropout", [Pure, Onnx_ElementwiseShape]> {
  let summary = "ONNX Dropout at inference: the identity (no mask output)";
  let arguments = (ins AnyRankedTensor:$data, Onnx_TensorOrNone:$ratio,
                   Onnx_TensorOrNone:$training_mode);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
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

def Onnx_GemmOp : Onnx_Op<"Gemm", [Pure, Onnx_OwnShapeFunction]> {
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

def Onnx_MatMulOp : Onnx_Op<"MatMul", [Pure, Onnx_OwnShapeFunction]> {
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

//===----------------------------------------------------------------------===//
// Normalization, softmax, reductions
//===----------------------------------------------------------------------===//

def Onnx_LayerNormalizationOp : Onnx_Op<"LayerNormalization", [Pure, Onnx_ElementwiseShape]> {
  let summary = "ONNX LayerNormalization (opset 17) over the axes from `axis`";
  let arguments = (ins AnyRankedTensor:$X, AnyRankedTensor:$Scale,
                   Onnx_TensorOrNone:$B,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<F32Attr, "1e-05">:$epsilon,
                   DefaultValuedAttr<I64Attr, "1">:$stash_type);
  // The optional Mean and InvStdDev outputs, when the node has them.
  let results = (outs AnyRankedTensor:$Y, Variadic<AnyRankedTensor>:$stats);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_GeluOp : Onnx_Op<"Gelu", [Pure, Onnx_ElementwiseShape]> {
  let summary = "ONNX Gelu (opset 20), as recognized by onnx-fuse-transformer";
  let description = [{
    Not imported (bnnc reads opsets up to 17); `onnx-fuse-transformer`
    creates it from the Erf form x * 0.5 * (1 + erf(x / sqrt(2)))
    (`approximate = "none"`) or the tanh form
    0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) (`"tanh"`) that
    exporters of earlier opsets write.
  }];
  let arguments = (ins AnyRankedTensor:$X,
                   DefaultValuedAttr<StrAttr, "\"none\"">:$approximate);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = "$X attr-dict `:` type($X) `->` type($Y)";
}

// Softmax semantics changed at opset 13: before, the input is coerced to 2-D
// at `axis` (default 1); since, the op works along the single `axis`
// (default -1). The importer records the opset in `onnx.opset`.
foreach op = ["Softmax", "LogSoftmax"] in
def Onnx_#op#Op : Onnx_Op<op, [Pure, Onnx_ElementwiseShape]> {
  let summary = "ONNX " # op;
  let arguments = (ins AnyRankedTensor:$input, OptionalAttr<I64Attr>:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

// Reductions. ReduceSum takes its axes as an optional input since opset 13;
// the others keep the attribute through opset 17 (bnnc's newest).
def Onnx_ReduceSumOp : Onnx_Op<"ReduceSum", [Pure]> {
  let summary = "ONNX ReduceSum";
  let arguments = (ins AnyRankedTensor:$data, Onnx_TensorOrNone:$axes_t,
                   OptionalAttr<DenseI64ArrayAttr>:$axes,
                   DefaultValuedAttr<I64Attr, "1">:$keepdims,
                   DefaultValuedAttr<I64Attr, "0">:$noop_with_empty_axes);
  let results = (outs AnyRankedTensor:$reduced);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

foreach op = ["ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
              "ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum",
              "ReduceLogSumExp"] in
def Onnx_#op#Op : Onnx_Op<op, [Pure, Onnx_OwnShapeFunction]> {
  let summary = "ONNX " # op;
  let arguments = (ins AnyRankedTensor:$data,
                   OptionalAttr<DenseI64ArrayAttr>:$axes,
                   DefaultValuedAttr<I64Attr, "1">:$keepdims);
  let results = (outs AnyRankedTensor:$reduced);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

foreach op = ["ArgMax", "ArgMin"] in
def Onnx_#op#Op : Onnx_Op<op, [Pure]> {
  let summary = "ONNX " # op # " (int64 indices)";
  let arguments = (ins AnyRankedTensor:$data,
                   DefaultValuedAttr<I64Attr, "0">:$axis,
                   DefaultValuedAttr<I64Attr, "1">:$keepdims,
                   DefaultValuedAttr<I64Attr, "0">:$select_last_index);
  let results = (outs AnyRankedTensor:$reduced);
  let assemblyFormat = "$data attr-dict `:` type($data) `->` type($reduced)";
}

def Onnx_TopKOp : Onnx_Op<"TopK", [Pure]> {
  let summary = "ONNX TopK (K an attribute before opset 10, an input since)";
  let arguments = (ins AnyRankedTensor:$X, Onnx_TensorOrNone:$k_input,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<I64Attr, "1">:$largest,
                   DefaultValuedAttr<I64Attr, "1">:$sorted,
                   OptionalAttr<I64Attr>:$k);
  let results = (outs AnyRankedTensor:$Values, AnyRankedTensor:$Indices);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_CumSumOp : Onnx_Op<"CumSum", [Pure]> {
  let summary = "ONNX CumSum along a constant axis";
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$axis,
                   DefaultValuedAttr<I64Attr, "0">:$exclusive,
                   DefaultValuedAttr<I64Attr, "0">:$reverse);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Pooling (more)
//===----------------------------------------------------------------------===//

def Onnx_AveragePoolOp : Onnx_Op<"AveragePool", [Pure]> {
  let summary = "ONNX AveragePool";
  let arguments = (ins AnyRankedTensor:$X,
                   DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
                   DefaultValuedAttr<I64Attr, "0">:$ceil_mode,
                   DefaultValuedAttr<I64Attr, "0">:$count_include_pad,
                   OptionalAttr<DenseI64ArrayAttr>:$dilations,
                   DenseI64ArrayAttr:$kernel_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = "$X attr-dict `:` type($X) `->` type($Y)";
}

foreach op = ["GlobalAveragePool", "GlobalMaxPool"] in
def Onnx_#op#Op : Onnx_Op<op, [Pure]> {
  let summary = "ONNX " # op # " over all spatial dimensions";
  let arguments = (ins AnyRankedTensor:$X);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = "$X attr-dict `:` type($X) `->` type($Y)";
}

//===----------------------------------------------------------------------===//
// Data movement and shape computation
//===----------------------------------------------------------------------===//

def Onnx_ConcatOp : Onnx_Op<"Concat", [Pure, Onnx_OwnShapeFunction]> {
  let summary = "ONNX Concat along `axis`";
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$concat_result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Onnx_GatherOp : Onnx_Op<"Gather", [Pure, Onnx_OwnShapeFunction]> {
  let summary = "ONNX Gather along `axis` (negative indices count from the end)";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                   DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Onnx_TransposeOp : Onnx_Op<"Transpose", [Pure, Onnx_OwnShapeFunction]> {
  let summary = "ONNX Transpose (default: reverse the dimensions)";
  let arguments = (ins AnyRankedTensor:$data,
                   OptionalAttr<DenseI64ArrayAttr>:$perm);
  let results = (outs AnyRankedTensor:$transposed);
  let assemblyFormat = "$data attr-dict `:` type($data) `->` type($transposed)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

// Squeeze/Unsqueeze: axes attribute before opset 13, optional input after.
foreach op = ["Squeeze", "Unsqueeze"] in
def Onnx_#op#Op : Onnx_Op<op, [Pure]> {
  let summary = "ONNX " # op # " (a view)";
  let arguments = (ins AnyRankedTensor:$data, Onnx_TensorOrNone:$axes_t,
                   OptionalAttr<DenseI64ArrayAttr>:$axes);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Onnx_SliceOp : Onnx_Op<"Slice", [Pure]> {
  let summary = "ONNX Slice (starts/ends/axes/steps are inputs since opset 10)";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$starts,
                   AnyRankedTensor:$ends, Onnx_TensorOrNone:$axes,
                   Onnx_TensorOrNone:$steps);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Onnx_SplitOp : Onnx_Op<"Split", [Pure]> {
  let summary = "ONNX Split (sizes as attribute before opset 13, input after)";
  let arguments = (ins AnyRankedTensor:$input, Onnx_TensorOrNone:$split_t,
                   DefaultValuedAttr<I64Attr, "0">:$axis,
                   OptionalAttr<DenseI64ArrayAttr>:$split,
                   OptionalAttr<I64Attr>:$num_outputs);
  let results = (outs Variadic<AnyRankedTensor>:$outputs);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_ExpandOp : Onnx_Op<"Expand", [Pure]> {
  let summary = "ONNX Expand (broadcast to a constant shape)";
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$shape);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Onnx_TileOp : Onnx_Op<"Tile", [Pure]> {
  let summary = "ONNX Tile with constant repeats";
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$repeats);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_PadOp : Onnx_Op<"Pad", [Pure]> {
  let summary = "ONNX Pad (constant/reflect/edge; pads are an input since opset 11)";
  let arguments = (ins AnyRankedTensor:$data, Onnx_TensorOrNone:$pads_t,
                   Onnx_TensorOrNone:$constant_value,
                   DefaultValuedStrAttr<StrAttr, "constant">:$mode,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   DefaultValuedAttr<F32Attr, "0.0">:$value);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_ShapeOp : Onnx_Op<"Shape", [Pure]> {
  let summary = "ONNX Shape: always a compile-time constant in bnnc";
  let arguments = (ins AnyRankedTensor:$data, OptionalAttr<I64Attr>:$start,
                   OptionalAttr<I64Attr>:$end);
  let results = (outs AnyRankedTensor:$shape);
  let assemblyFormat = "$data attr-dict `:` type($data) `->` type($shape)";
  let hasFolder = 1;
}

def Onnx_DepthToSpaceOp : Onnx_Op<"DepthToSpace", [Pure]> {
  let summary = "ONNX DepthToSpace (NCHW; DCR or CRD order)";
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$blocksize,
                   DefaultValuedStrAttr<StrAttr, "DCR">:$mode);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Onnx_SpaceToDepthOp : Onnx_Op<"SpaceToDepth", [Pure]> {
  let summary = "ONNX SpaceToDepth (NCHW)";
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$blocksize);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Onnx_ConstantOfShapeOp : Onnx_Op<"ConstantOfShape", [Pure]> {
  let summary = "ONNX ConstantOfShape (the shape must be a constant)";
  let arguments = (ins AnyRankedTensor:$input, OptionalAttr<ElementsAttr>:$value);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def Onnx_RangeOp : Onnx_Op<"Range", [Pure]> {
  let summary = "ONNX Range (inputs must be constants)";
  let arguments = (ins AnyRankedTensor:$start, AnyRankedTensor:$limit,
                   AnyRankedTensor:$delta);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Recurrent layers (issue 16). Every output is present in the IR (the
// importer types omitted ones from the inputs) and unused ones are dropped
// after lowering; omitted optional inputs are `none`.
//===----------------------------------------------------------------------===//

class Onnx_RecurrentOp<string name, dag extraInputs, dag extraAttrs,
                       dag outs>
    : Onnx_Op<name, [Pure]> {
  let summary = "ONNX " # name # " (opsets 7 and 14: `layout` since 14)";
  let arguments = !con(
      (ins AnyRankedTensor:$X, AnyRankedTensor:$W, AnyRankedTensor:$R,
           Onnx_TensorOrNone:$B, Onnx_TensorOrNone:$sequence_lens,
           Onnx_TensorOrNone:$initial_h),
      extraInputs,
      (ins OptionalAttr<DenseF32ArrayAttr>:$activation_alpha,
           OptionalAttr<DenseF32ArrayAttr>:$activation_beta,
           OptionalAttr<StrArrayAttr>:$activations,
           OptionalAttr<F32Attr>:$clip,
           DefaultValuedStrAttr<StrAttr, "forward">:$direction,
           OptionalAttr<I64Attr>:$hidden_size,
           DefaultValuedAttr<I64Attr, "0">:$layout),
      extraAttrs);
  let results = outs;
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_LSTMOp : Onnx_RecurrentOp<"LSTM",
    (ins Onnx_TensorOrNone:$initial_c, Onnx_TensorOrNone:$P),
    (ins DefaultValuedAttr<I64Attr, "0">:$input_forget),
    (outs AnyRankedTensor:$Y, AnyRankedTensor:$Y_h, AnyRankedTensor:$Y_c)>;
def Onnx_GRUOp : Onnx_RecurrentOp<"GRU", (ins),
    (ins DefaultValuedAttr<I64Attr, "0">:$linear_before_reset),
    (outs AnyRankedTensor:$Y, AnyRankedTensor:$Y_h)>;
def Onnx_RNNOp : Onnx_RecurrentOp<"RNN", (ins), (ins),
    (outs AnyRankedTensor:$Y, AnyRankedTensor:$Y_h)>;

//===----------------------------------------------------------------------===//
// Resampling, transposed convolution, normalizations, indexing (issue 16)
//===----------------------------------------------------------------------===//

def Onnx_ResizeOp : Onnx_Op<"Resize", [Pure]> {
  let summary = "ONNX Resize (opsets 10-13 forms; scales/sizes/roi constant)";
  let description = [{
    Operands follow the newest schema (X, roi, scales, sizes); at opset 10
    the node has (X, scales), so `roi` holds the scales there.
  }];
  let arguments = (ins AnyRankedTensor:$X, Onnx_TensorOrNone:$roi,
                   Onnx_TensorOrNone:$scales, Onnx_TensorOrNone:$sizes,
                   DefaultValuedStrAttr<StrAttr, "half_pixel">:$coordinate_transformation_mode,
                   DefaultValuedAttr<F32Attr, "-0.75">:$cubic_coeff_a,
                   DefaultValuedAttr<I64Attr, "0">:$exclude_outside,
                   DefaultValuedAttr<F32Attr, "0.0">:$extrapolation_value,
                   DefaultValuedStrAttr<StrAttr, "nearest">:$mode,
                   DefaultValuedStrAttr<StrAttr, "round_prefer_floor">:$nearest_mode);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_UpsampleOp : Onnx_Op<"Upsample", [Pure]> {
  let summary = "ONNX Upsample (scales an attribute at opset 7, an input at 9)";
  let arguments = (ins AnyRankedTensor:$X, Onnx_TensorOrNone:$scales_t,
                   DefaultValuedStrAttr<StrAttr, "nearest">:$mode,
                   OptionalAttr<DenseF32ArrayAttr>:$scales);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_ConvTransposeOp : Onnx_Op<"ConvTranspose", [Pure]> {
  let summary = "ONNX ConvTranspose (1-D to 3-D, NCHW)";
  let arguments = (ins AnyRankedTensor:$X, AnyRankedTensor:$W,
                   Onnx_TensorOrNone:$B,
                   DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
                   OptionalAttr<DenseI64ArrayAttr>:$dilations,
                   DefaultValuedAttr<I64Attr, "1">:$group,
                   OptionalAttr<DenseI64ArrayAttr>:$kernel_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$output_padding,
                   OptionalAttr<DenseI64ArrayAttr>:$output_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_InstanceNormalizationOp : Onnx_Op<"InstanceNormalization", [Pure]> {
  let summary = "ONNX InstanceNormalization (per sample and channel)";
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale,
                   AnyRankedTensor:$B,
                   DefaultValuedAttr<F32Attr, "1e-05">:$epsilon);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_LpNormalizationOp : Onnx_Op<"LpNormalization", [Pure]> {
  let summary = "ONNX LpNormalization (p = 1 or 2) along `axis`";
  let arguments = (ins AnyRankedTensor:$input,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<I64Attr, "2">:$p);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_GatherElementsOp : Onnx_Op<"GatherElements", [Pure]> {
  let summary = "ONNX GatherElements along `axis`";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                   DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_GatherNDOp : Onnx_Op<"GatherND", [Pure]> {
  let summary = "ONNX GatherND";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                   DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_ScatterNDOp : Onnx_Op<"ScatterND", [Pure]> {
  let summary = "ONNX ScatterND (reduction none, add or mul)";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                   AnyRankedTensor:$updates,
                   DefaultValuedStrAttr<StrAttr, "none">:$reduction);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_OneHotOp : Onnx_Op<"OneHot", [Pure]> {
  let summary = "ONNX OneHot (depth a compile-time constant)";
  let arguments = (ins AnyRankedTensor:$indices, AnyRankedTensor:$depth,
                   AnyRankedTensor:$values,
                   DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_TriluOp : Onnx_Op<"Trilu", [Pure]> {
  let summary = "ONNX Trilu (k a compile-time constant)";
  let arguments = (ins AnyRankedTensor:$input, Onnx_TensorOrNone:$k,
                   DefaultValuedAttr<I64Attr, "1">:$upper);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_SizeOp : Onnx_Op<"Size", [Pure]> {
  let summary = "ONNX Size: always a compile-time constant in bnnc";
  let arguments = (ins AnyRankedTensor:$data);
  let results = (outs AnyRankedTensor:$size);
  let assemblyFormat = "$data attr-dict `:` type($data) `->` type($size)";
  let hasFolder = 1;
}

def Onnx_EinsumOp : Onnx_Op<"Einsum", [Pure]> {
  let summary = "ONNX Einsum (matmul, batched matmul, transpose, reduction forms)";
  let arguments = (ins Variadic<AnyRankedTensor>:$Inputs, StrAttr:$equation);
  let results = (outs AnyRankedTensor:$Output);
  let assemblyFormat = "$Inputs attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Quantization (issue 18; docs/int8.md). Scales are float32, zero points
// and quantized tensors int8 or uint8 (int32 for a dequantized bias).
//===----------------------------------------------------------------------===//

// Opset 10 has no `axis` (per-tensor only); 13 adds per-axis scales. The
// `saturate` (19) and `block_size` (21) forms are newer than bnnc's opset.
class Onnx_QuantizeLinearBase<string mnemonic, string summaryText>
    : Onnx_Op<mnemonic, [Pure, Onnx_ElementwiseShape]> {
  let summary = summaryText;
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$scale,
                   Onnx_TensorOrNone:$zero_point,
                   DefaultValuedAttr<I64Attr, "1">:$axis);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}
def Onnx_QuantizeLinearOp : Onnx_QuantizeLinearBase<"QuantizeLinear",
    "ONNX QuantizeLinear: saturate(round_half_even(x / scale) + zero_point)">;
def Onnx_DequantizeLinearOp : Onnx_QuantizeLinearBase<"DequantizeLinear",
    "ONNX DequantizeLinear: (x - zero_point) * scale">;

def Onnx_DynamicQuantizeLinearOp : Onnx_Op<"DynamicQuantizeLinear", [Pure]> {
  let summary = "ONNX DynamicQuantizeLinear: uint8 with a run-time scale";
  let arguments = (ins AnyRankedTensor:$x);
  let results = (outs AnyRankedTensor:$y, AnyRankedTensor:$y_scale,
                      AnyRankedTensor:$y_zero_point);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_QLinearConvOp : Onnx_Op<"QLinearConv", [Pure]> {
  let summary = "ONNX QLinearConv: integer convolution, requantized output";
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$x_scale,
                   AnyRankedTensor:$x_zero_point, AnyRankedTensor:$w,
                   AnyRankedTensor:$w_scale, AnyRankedTensor:$w_zero_point,
                   AnyRankedTensor:$y_scale, AnyRankedTensor:$y_zero_point,
                   Onnx_TensorOrNone:$B,
                   DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
                   OptionalAttr<DenseI64ArrayAttr>:$dilations,
                   DefaultValuedAttr<I64Attr, "1">:$group,
                   OptionalAttr<DenseI64ArrayAttr>:$kernel_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_ConvIntegerOp : Onnx_Op<"ConvInteger", [Pure]> {
  let summary = "ONNX ConvInteger: int32 convolution of zero-point-shifted inputs";
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$w,
                   Onnx_TensorOrNone:$x_zero_point,
                   Onnx_TensorOrNone:$w_zero_point,
                   DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
                   OptionalAttr<DenseI64ArrayAttr>:$dilations,
                   DefaultValuedAttr<I64Attr, "1">:$group,
                   OptionalAttr<DenseI64ArrayAttr>:$kernel_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_QLinearMatMulOp : Onnx_Op<"QLinearMatMul", [Pure]> {
  let summary = "ONNX QLinearMatMul: integer matmul, requantized output";
  let arguments = (ins AnyRankedTensor:$a, AnyRankedTensor:$a_scale,
                   AnyRankedTensor:$a_zero_point, AnyRankedTensor:$b,
                   AnyRankedTensor:$b_scale, AnyRankedTensor:$b_zero_point,
                   AnyRankedTensor:$y_scale, AnyRankedTensor:$y_zero_point);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Onnx_MatMulIntegerOp : Onnx_Op<"MatMulInteger", [Pure]> {
  let summary = "ONNX MatMulInteger: int32 matmul of zero-point-shifted inputs";
  let arguments = (ins AnyRankedTensor:$A, AnyRankedTensor:$B,
                   Onnx_TensorOrNone:$a_zero_point,
                   Onnx_TensorOrNone:$b_zero_point);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

#endif // BNNC_ONNX_OPS
