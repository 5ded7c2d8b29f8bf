// RUN: bnnc-opt %s --ln-gamma-migration --split-input-file --verify-diagnostics | FileCheck %s

// Pre-LN: the only user is a linear layer. gamma = [2, -1], beta = [1, 0.5]:
// W' = diag(gamma) W = [[2, 4], [-3, -4]], b' = b + beta W =
// [10 + 1 + 1.5, 20 + 2 + 2] = [12.5, 24]; the LayerNorm keeps unit scale
// and no bias.
// CHECK-LABEL: func.func @pre_ln
// CHECK-SAME: bnn.gamma_migration = [{form = "full-fold", max_abs_after = 1.000000e+00 : f64, max_abs_before = 3.000000e+00 : f64
// CHECK: %[[ONE:.*]] = onnx.Constant dense<1.000000e+00> : tensor<2xf32>
// CHECK: %[[NONE:.*]] = onnx.NoValue
// CHECK: %[[Y:.*]] = onnx.LayerNormalization %arg0, %[[ONE]], %[[NONE]]
// CHECK: %[[W:.*]] = onnx.Constant dense<{{\[}}[2.000000e+00, 4.000000e+00], [-3.000000e+00, -4.000000e+00]]>
// CHECK: %[[M:.*]] = onnx.MatMul %[[Y]], %[[W]]
// CHECK: %[[B:.*]] = onnx.Constant dense<[1.250000e+01, 2.400000e+01]>
// CHECK: onnx.Add %[[M]], %[[B]]
func.func @pre_ln(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %g = onnx.Constant dense<[2.0, -1.0]> : tensor<2xf32>
  %b = onnx.Constant dense<[1.0, 0.5]> : tensor<2xf32>
  %w = onnx.Constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %c = onnx.Constant dense<[10.0, 20.0]> : tensor<2xf32>
  %y = onnx.LayerNormalization %x, %g, %b : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %m = onnx.MatMul %y, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %z = onnx.Add %m, %c : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %z : tensor<3x2xf32>
}

// -----

// Post-LN: a linear user and a residual Add. The LayerNorm computes
// xhat + beta / gamma = xhat + [0.5, -0.5], W' = diag(gamma) W (the bias-free
// MatMul gets none), and the residual reads gamma * LN'.
// CHECK-LABEL: func.func @post_ln
// CHECK-SAME: form = "post-ln"
// CHECK: %[[SHIFT:.*]] = onnx.Constant dense<[5.000000e-01, -5.000000e-01]>
// CHECK: %[[Y:.*]] = onnx.LayerNormalization %arg0, %{{.*}}, %[[SHIFT]]
// CHECK: %[[W:.*]] = onnx.Constant dense<{{\[}}[2.000000e+00, 4.000000e+00], [-3.000000e+00, -4.000000e+00]]>
// CHECK: %[[M:.*]] = onnx.MatMul %[[Y]], %[[W]]
// CHECK-NOT: onnx.Add %[[M]]
// CHECK: %[[G:.*]] = onnx.Constant dense<[2.000000e+00, -1.000000e+00]>
// CHECK: %[[R:.*]] = onnx.Mul %[[Y]], %[[G]]
// CHECK: onnx.Add %[[R]], %[[M]]
func.func @post_ln(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %g = onnx.Constant dense<[2.0, -1.0]> : tensor<2xf32>
  %b = onnx.Constant dense<[1.0, 0.5]> : tensor<2xf32>
  %w = onnx.Constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %y = onnx.LayerNormalization %x, %g, %b : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %m = onnx.MatMul %y, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %z = onnx.Add %y, %m : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return %z : tensor<3x2xf32>
}

// -----

// Post-LN with gamma_1 = 0 (beta / gamma undefined): the beta-folded form.
// LN' = xhat, W' = [[2, 4], [0, 0]], a new bias beta W = [2.5, 4], and the
// residual reads gamma * LN' + beta.
// CHECK-LABEL: func.func @beta_folded
// CHECK-SAME: form = "beta-folded"
// CHECK: %[[NONE:.*]] = onnx.NoValue
// CHECK: %[[Y:.*]] = onnx.LayerNormalization %arg0, %{{.*}}, %[[NONE]]
// CHECK: %[[W:.*]] = onnx.Constant dense<{{\[}}[2.000000e+00, 4.000000e+00], [0.000000e+00, 0.000000e+00]]>
// CHECK: %[[M:.*]] = onnx.MatMul %[[Y]], %[[W]]
// CHECK: %[[BW:.*]] = onnx.Constant dense<[2.500000e+00, 4.000000e+00]>
// CHECK: %[[MB:.*]] = onnx.Add %[[M]], %[[BW]]
// CHECK: %[[G:.*]] = onnx.Constant dense<[2.000000e+00, 0.000000e+00]>
// CHECK: %[[R:.*]] = onnx.Mul %[[Y]], %[[G]]
// CHECK: %[[B:.*]] = onnx.Constant dense<[1.000000e+00, 5.000000e-01]>
// CHECK: %[[RB:.*]] = onnx.Add %[[R]], %[[B]]
// CHECK: onnx.Add %[[RB]], %[[MB]]
func.func @beta_folded(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %g = onnx.Constant dense<[2.0, 0.0]> : tensor<2xf32>
  %b = onnx.Constant dense<[1.0, 0.5]> : tensor<2xf32>
  %w = onnx.Constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %y = onnx.LayerNormalization %x, %g, %b : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %m = onnx.MatMul %y, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %z = onnx.Add %y, %m : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return %z : tensor<3x2xf32>
}

// -----

// Gemm with transB (W is [out, in]): columns scale by gamma,
// C' = C + beta W^T = [1 + 2.5, 1 + 4, 1 + 0.5].
// CHECK-LABEL: func.func @gemm
// CHECK-SAME: form = "full-fold"
// CHECK: %[[W:.*]] = onnx.Constant dense<{{\[}}[2.000000e+00, -3.000000e+00], [4.000000e+00, -4.000000e+00], [0.000000e+00, -1.000000e+00]]>
// CHECK: %[[C:.*]] = onnx.Constant dense<[3.500000e+00, 5.000000e+00, 1.500000e+00]>
// CHECK: onnx.Gemm %{{.*}}, %[[W]], %[[C]] {transB = 1 : i64}
func.func @gemm(%x: tensor<4x2xf32>) -> tensor<4x3xf32> {
  %g = onnx.Constant dense<[2.0, -1.0]> : tensor<2xf32>
  %b = onnx.Constant dense<[1.0, 0.5]> : tensor<2xf32>
  %w = onnx.Constant dense<[[1.0, 3.0], [2.0, 4.0], [0.0, 1.0]]> : tensor<3x2xf32>
  %c = onnx.Constant dense<1.0> : tensor<3xf32>
  %y = onnx.LayerNormalization %x, %g, %b : (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %z = onnx.Gemm %y, %w, %c {transB = 1 : i64} : (tensor<4x2xf32>, tensor<3x2xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  return %z : tensor<4x3xf32>
}

// -----

// A user that cannot absorb gamma: refused, with a remark, nothing changes.
// CHECK-LABEL: func.func @refused
// CHECK-SAME: form = "refused"
// CHECK: onnx.LayerNormalization %arg0, %[[G:.*]], %[[B:.*]] :
// CHECK: onnx.MatMul
func.func @refused(%x: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %g = onnx.Constant dense<[2.0, -1.0]> : tensor<2xf32>
  %b = onnx.Constant dense<[1.0, 0.5]> : tensor<2xf32>
  %w = onnx.Constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  // expected-remark @+1 {{unnamed node (LayerNormalization): gamma not migrated: user unnamed node (Relu) cannot absorb gamma}}
  %y = onnx.LayerNormalization %x, %g, %b : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %m = onnx.MatMul %y, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %r = onnx.Relu %y : tensor<3x2xf32> -> tensor<3x2xf32>
  return %m, %r : tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

// A non-constant gamma: refused.
// CHECK-LABEL: func.func @dynamic_gamma
// CHECK-SAME: form = "refused"
func.func @dynamic_gamma(%x: tensor<3x2xf32>, %g: tensor<2xf32>) -> tensor<3x2xf32> {
  %none = onnx.NoValue
  %w = onnx.Constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  // expected-remark @+1 {{gamma not migrated: gamma and beta must be constants over the last axis}}
  %y = onnx.LayerNormalization %x, %g, %none : (tensor<3x2xf32>, tensor<2xf32>, none) -> tensor<3x2xf32>
  %m = onnx.MatMul %y, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %m : tensor<3x2xf32>
}

// -----

// Post-LN whose other user binarizes (BiBERT): the Sign reads a copy of the
// original LayerNorm (which the binary path turns into a threshold test,
// section 1.4), the residual gets the migrated form.
// CHECK-LABEL: func.func @binarized_and_residual
// CHECK-SAME: form = "post-ln"
// CHECK-SAME: note = "1 Sign user(s) read a copy in the threshold form"
// CHECK-DAG: %[[G:.*]] = onnx.Constant dense<[2.000000e+00, -1.000000e+00]>
// CHECK-DAG: %[[B:.*]] = onnx.Constant dense<[1.000000e+00, 5.000000e-01]>
// CHECK: %[[Y:.*]] = onnx.LayerNormalization %arg0
// CHECK: %[[ORIG:.*]] = onnx.LayerNormalization %arg0, %[[G]], %[[B]]
// CHECK: %[[V:.*]] = onnx.Reshape %[[ORIG]]
// CHECK: onnx.Sign %[[V]]
// CHECK: %[[G2:.*]] = onnx.Constant dense<[2.000000e+00, -1.000000e+00]>
// CHECK: onnx.Mul %[[Y]], %[[G2]]
func.func @binarized_and_residual(%x: tensor<3x2xf32>, %f: tensor<3x2xf32>) -> (tensor<1x3x2xf32>, tensor<3x2xf32>) {
  %g = onnx.Constant dense<[2.0, -1.0]> : tensor<2xf32>
  %b = onnx.Constant dense<[1.0, 0.5]> : tensor<2xf32>
  %shape = onnx.Constant dense<[1, 3, 2]> : tensor<3xi64>
  %y = onnx.LayerNormalization %x, %g, %b : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %v = onnx.Reshape %y, %shape : (tensor<3x2xf32>, tensor<3xi64>) -> tensor<1x3x2xf32>
  %s = onnx.Sign %v : tensor<1x3x2xf32> -> tensor<1x3x2xf32>
  %z = onnx.Add %y, %f : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return %s, %z : tensor<1x3x2xf32>, tensor<3x2xf32>
}

// -----

// Only Sign users: nothing to migrate, |gamma| drops out of the threshold.
// CHECK-LABEL: func.func @binarized
// CHECK-SAME: form = "binarized"
// CHECK: onnx.LayerNormalization %arg0, %{{.*}}, %{{.*}} :
func.func @binarized(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %g = onnx.Constant dense<[2.0, -1.0]> : tensor<2xf32>
  %b = onnx.Constant dense<[1.0, 0.5]> : tensor<2xf32>
  %y = onnx.LayerNormalization %x, %g, %b : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %s = onnx.Sign %y : tensor<3x2xf32> -> tensor<3x2xf32>
  return %s : tensor<3x2xf32>
}
