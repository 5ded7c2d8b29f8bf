// RUN: bnnc-opt %s --binarize --verify-diagnostics | FileCheck %s

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
// the binary kernel +1. The layer is binarized, with a warning.
// CHECK-LABEL: func.func @integer_valued
// CHECK: bnn.bconv2d
func.func @integer_valued(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %r = onnx.Round %a : tensor<2x2xf32> -> tensor<2x2xf32>
  %s = onnx.Sign %r : tensor<2x2xf32> -> tensor<2x2xf32>
  %w = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0]]> : tensor<2x2xf32>
  // expected-warning @+1 {{unnamed node (bnn.pack): the binarized value is integer-valued and can be exactly 0, where ONNX Sign gives 0 and the binary kernel +1}}
  %y = onnx.MatMul %s, %w : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
