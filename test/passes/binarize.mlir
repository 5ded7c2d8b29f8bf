// RUN: bnnc-opt %s --binarize=assume-nonzero-inputs=1 --split-input-file 2>/dev/null | FileCheck %s
// RUN: bnnc-opt %s --binarize="tolerance=0.5 assume-nonzero-inputs=1" --split-input-file 2>/dev/null | FileCheck %s --check-prefix=LOOSE

// Sign(a) into a padded 3x3 conv with per-channel +-alpha weights: pack the
// real input, one binary conv with alpha in the epilogue and the bias.
// CHECK-LABEL: func.func @xnor_conv
// CHECK-DAG: %[[W:.*]] = bnn.constant dense<{{.*}}> : tensor<2x2x3x3xf32>
// CHECK-DAG: %[[S:.*]] = bnn.constant dense<[5.000000e-01, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[BITS:.*]] = bnn.pack %arg0 {group = 1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x4x4x1xi32>
// CHECK: bnn.bconv2d %[[BITS]], %[[W]] scale %[[S]] bias %{{.*}} {{{.*}}channels = 2 : i64{{.*}}kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>
// CHECK-NOT: onnx.Conv
func.func @xnor_conv(%a: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %s = onnx.Sign %a : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %w = onnx.Constant dense<[[[[0.5, -0.5, 0.5], [0.5, 0.5, -0.5], [-0.5, 0.5, 0.5]], [[0.5, 0.5, 0.5], [-0.5, -0.5, 0.5], [0.5, 0.5, -0.5]]], [[[2.0, -2.0, 2.0], [2.0, 2.0, -2.0], [-2.0, 2.0, 2.0]], [[2.0, 2.0, 2.0], [-2.0, -2.0, 2.0], [2.0, 2.0, -2.0]]]]> : tensor<2x2x3x3xf32>
  %b = onnx.Constant dense<[0.25, -0.25]> : tensor<2xf32>
  %y = onnx.Conv %s, %w, %b {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// A Gemm on Flatten(Sign(a)) with +-1 weights, transB = 0: a 1x1 binary
// conv over the rows, weights transposed to [N, K], beta * C as the bias,
// no scale (all alpha are 1).
// CHECK-LABEL: func.func @binary_gemm
// CHECK-DAG: bnn.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}-1.000000e+00]], {{\[\[}}1.000000e+00]]], {{\[\[\[}}-1.000000e+00]], {{\[\[}}-1.000000e+00]], {{\[\[}}1.000000e+00]]]]> : tensor<2x3x1x1xf32>
// CHECK-DAG: %[[C:.*]] = bnn.constant dense<[2.000000e+00, 4.000000e+00]>
// CHECK-DAG: %[[V:.*]] = bnn.reshape %arg0 : tensor<2x1x3xf32> -> tensor<2x3x1x1xf32>
// CHECK: %[[BITS:.*]] = bnn.pack %[[V]] {group = 1 : i64} : (tensor<2x3x1x1xf32>) -> tensor<2x1x1x1xi32>
// CHECK: %[[Y:.*]] = bnn.bconv2d %[[BITS]], %{{.*}} bias %[[C]]
// CHECK: bnn.reshape %[[Y]] : tensor<2x2x1x1xf32> -> tensor<2x2xf32>
func.func @binary_gemm(%a: tensor<2x1x3xf32>) -> tensor<2x2xf32> {
  %s = onnx.Sign %a : tensor<2x1x3xf32> -> tensor<2x1x3xf32>
  %f = onnx.Flatten %s : tensor<2x1x3xf32> -> tensor<2x3xf32>
  %w = onnx.Constant dense<[[1.0, -1.0], [-1.0, -1.0], [1.0, 1.0]]> : tensor<3x2xf32>
  %c = onnx.Constant dense<[1.0, 2.0]> : tensor<2xf32>
  %y = onnx.Gemm %f, %w, %c {beta = 2.0 : f32} : (tensor<2x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// Negative cases: real input (no Sign), and weights whose magnitudes differ
// within a channel (not +-alpha) stay on the float path, unless the
// tolerance says they are equal.
// CHECK-LABEL: func.func @stays_real
// CHECK-NOT: bnn.bconv2d
// CHECK: onnx.MatMul
// CHECK: onnx.MatMul
// LOOSE-LABEL: func.func @stays_real
// LOOSE: onnx.MatMul %arg0
// LOOSE: bnn.bconv2d
func.func @stays_real(%a: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %w = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0]]> : tensor<2x2xf32>
  %y0 = onnx.MatMul %a, %w : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %s = onnx.Sign %a : tensor<2x2xf32> -> tensor<2x2xf32>
  %v = onnx.Constant dense<[[1.0, -1.0], [1.5, 1.0]]> : tensor<2x2xf32>
  %y1 = onnx.MatMul %s, %v : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y0, %y1 : tensor<2x2xf32>, tensor<2x2xf32>
}

// -----

// Where(a >= 0, 1, -1) is b(a) exactly; the straight-through residue
// (Sign(a) - a) + a is Sign(a) in the forward pass.
// CHECK-LABEL: func.func @other_binarizers
// CHECK-COUNT-2: bnn.pack
// CHECK-NOT: onnx.Where
// CHECK-NOT: onnx.MatMul
func.func @other_binarizers(%a: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %zero = onnx.Constant dense<0.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %minus = onnx.Constant dense<-1.0> : tensor<f32>
  %ge = onnx.GreaterOrEqual %a, %zero : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xi1>
  %b = onnx.Where %ge, %one, %minus : (tensor<2x2xi1>, tensor<f32>, tensor<f32>) -> tensor<2x2xf32>
  %w = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0]]> : tensor<2x2xf32>
  %y0 = onnx.MatMul %b, %w : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %s = onnx.Sign %a : tensor<2x2xf32> -> tensor<2x2xf32>
  %d = onnx.Sub %s, %a : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %ste = onnx.Add %a, %d : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %y1 = onnx.MatMul %ste, %w : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y0, %y1 : tensor<2x2xf32>, tensor<2x2xf32>
}
