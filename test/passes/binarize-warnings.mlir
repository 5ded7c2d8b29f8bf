// RUN: bnnc-opt %s --binarize=assume-nonzero-inputs=1 --verify-diagnostics | FileCheck %s

// A binarized input into weights that are not +-alpha per channel stays
// real, with a warning instead of a silent approximation.
// CHECK-LABEL: func.func @not_binary
// CHECK: onnx.MatMul
func.func @not_binary(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %s = onnx.Sign %a : tensor<2x2xf32> -> tensor<2x2xf32>
  %w = onnx.Constant dense<[[1.0, -1.0], [1.5, 1.0]]> : tensor<2x2xf32>
  // expected-warning @+1 {{unnamed node (MatMul): input is binarized but the layer stays on the float path}}
  %y = onnx.MatMul %s, %w : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// An integer-valued sign input can be exactly 0: ONNX Sign gives 0 there,
// and a +-1 bit has no 0. The layer stays on the float path (exact), with a
// warning.
// CHECK-LABEL: func.func @integer_valued
// CHECK-NOT: bnn.pack
// CHECK: onnx.MatMul
func.func @integer_valued(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %r = onnx.Round %a : tensor<2x2xf32> -> tensor<2x2xf32>
  %s = onnx.Sign %r : tensor<2x2xf32> -> tensor<2x2xf32>
  %w = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0]]> : tensor<2x2xf32>
  // expected-warning @+1 {{unnamed node (MatMul): input is Sign of an integer-valued tensor, which can be exactly 0 (Sign(0) = 0, no +-1 bit); the layer stays on the float path to keep ONNX semantics}}
  %y = onnx.MatMul %s, %w : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// BiBERT's context C = [S > 0] sign(V) is a count, integer through the
// Cast, MatMul and Transpose: Sign(C) into a binary-weight Gemm stays real.
// CHECK-LABEL: func.func @bi_attention_context
// CHECK-NOT: bnn.pack
// CHECK: onnx.Gemm
func.func @bi_attention_context(%s: tensor<4x4xf32>, %v: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %zero = onnx.Constant dense<0.0> : tensor<f32>
  %gt = onnx.Greater %s, %zero : (tensor<4x4xf32>, tensor<f32>) -> tensor<4x4xi1>
  %p = onnx.Cast %gt {to = 1 : i64} : tensor<4x4xi1> -> tensor<4x4xf32>
  %sv = onnx.Sign %v : tensor<4x2xf32> -> tensor<4x2xf32>
  %c = onnx.MatMul %p, %sv : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 1, 0>} : tensor<4x2xf32> -> tensor<2x4xf32>
  %shape = onnx.Constant dense<[4, 2]> : tensor<2xi64>
  %cr = onnx.Reshape %ct, %shape : (tensor<2x4xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  %sc = onnx.Sign %cr : tensor<4x2xf32> -> tensor<4x2xf32>
  %w = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0]]> : tensor<2x2xf32>
  %none = onnx.NoValue
  // expected-warning @+1 {{unnamed node (Gemm): input is Sign of an integer-valued tensor}}
  %y = onnx.Gemm %sc, %w, %none : (tensor<4x2xf32>, tensor<2x2xf32>, none) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
