// RUN: bnnc-opt %s --onnx-fold-batchnorm --onnx-constant-fold --split-input-file | FileCheck %s

// s = gamma / sqrt(var + eps) = [2, 0.5]; W' = W * s[o];
// B' = s * (B - mean) + beta = [2 * (1 - 1) + 0, 0.5 * (0 - 2) + 3] = [0, 2].
// CHECK-LABEL: func.func @conv
// CHECK-DAG: %[[W:.*]] = onnx.Constant dense<{{\[}}[{{\[}}[2.000000e+00]]], [{{\[}}[-5.000000e-01]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = onnx.Constant dense<[0.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[Y:.*]] = onnx.Conv %arg0, %[[W]], %[[B]]
// CHECK-NOT: onnx.BatchNormalization
// CHECK: return %[[Y]]
func.func @conv(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = onnx.Constant dense<[[[[1.0]]], [[[-1.0]]]]> : tensor<2x1x1x1xf32>
  %b = onnx.Constant dense<[1.0, 0.0]> : tensor<2xf32>
  %c = onnx.Conv %x, %w, %b {kernel_shape = array<i64: 1, 1>} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %gamma = onnx.Constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = onnx.Constant dense<[0.0, 3.0]> : tensor<2xf32>
  %mean = onnx.Constant dense<[1.0, 2.0]> : tensor<2xf32>
  %var = onnx.Constant dense<[1.0, 4.0]> : tensor<2xf32>
  %y = onnx.BatchNormalization %c, %gamma, %beta, %mean, %var {epsilon = 0.0 : f32} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// Gemm with transB = 1: row o of B scales by s[o]; C (scaled by beta = 2)
// folds into the new bias, s * 2 * C + (beta - s * mean) = [2, 3], and beta
// becomes 1 (the default, so it is not printed).
// CHECK-LABEL: func.func @gemm
// CHECK-DAG: %[[B:.*]] = onnx.Constant dense<{{\[}}[2.000000e+00, 4.000000e+00], [5.000000e-01, 5.000000e-01]]> : tensor<2x2xf32>
// CHECK-DAG: %[[C:.*]] = onnx.Constant dense<[2.000000e+00, 3.000000e+00]> : tensor<2xf32>
// CHECK: onnx.Gemm %arg0, %[[B]], %[[C]] {transB = 1 : i64}
// CHECK-NOT: onnx.BatchNormalization
func.func @gemm(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = onnx.Constant dense<[[1.0, 2.0], [1.0, 1.0]]> : tensor<2x2xf32>
  %c = onnx.Constant dense<[1.0, 1.0]> : tensor<2xf32>
  %g = onnx.Gemm %x, %w, %c {beta = 2.0 : f32, transB = 1 : i64} : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %gamma = onnx.Constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = onnx.Constant dense<[0.0, 3.0]> : tensor<2xf32>
  %mean = onnx.Constant dense<[1.0, 2.0]> : tensor<2xf32>
  %var = onnx.Constant dense<[1.0, 4.0]> : tensor<2xf32>
  %y = onnx.BatchNormalization %g, %gamma, %beta, %mean, %var {epsilon = 0.0 : f32} : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// The Conv result has a second user: folding would change it, so BN stays.
// CHECK-LABEL: func.func @shared_conv
// CHECK: onnx.BatchNormalization
func.func @shared_conv(%x: tensor<1x1x2x2xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) {
  %w = onnx.Constant dense<1.0> : tensor<1x1x1x1xf32>
  %n = onnx.NoValue
  %c = onnx.Conv %x, %w, %n {kernel_shape = array<i64: 1, 1>} : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>, none) -> tensor<1x1x2x2xf32>
  %p = onnx.Constant dense<1.0> : tensor<1xf32>
  %y = onnx.BatchNormalization %c, %p, %p, %p, %p : (tensor<1x1x2x2xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  return %c, %y : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>
}

// -----

// A Conv of Sign(x) (a binary layer kept real, or --no-binarize) sums
// exact integers, 0 included; a Sign after the BatchNorm must see those
// zeros (Sign(0) = 0), which s * (+-1) weights would round away. No fold.
// CHECK-LABEL: func.func @binarized_input
// CHECK: onnx.Conv
// CHECK: onnx.BatchNormalization
func.func @binarized_input(%x: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %s = onnx.Sign %x : tensor<1x2x2x2xf32> -> tensor<1x2x2x2xf32>
  %w = onnx.Constant dense<[[[[1.0]], [[-1.0]]]]> : tensor<1x2x1x1xf32>
  %none = onnx.NoValue
  %c = onnx.Conv %s, %w, %none : (tensor<1x2x2x2xf32>, tensor<1x2x1x1xf32>, none) -> tensor<1x1x2x2xf32>
  %gamma = onnx.Constant dense<[1.0]> : tensor<1xf32>
  %zero = onnx.Constant dense<[0.0]> : tensor<1xf32>
  %y = onnx.BatchNormalization %c, %gamma, %zero, %zero, %gamma : (tensor<1x1x2x2xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}
