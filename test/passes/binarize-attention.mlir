// RUN: bnnc-opt %s --binarize=assume-nonzero-inputs=1 --split-input-file 2>/dev/null | FileCheck %s
// RUN: bnnc-opt %s --binarize --split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=STRICT

// Q, K and V are graph inputs here: without assume-nonzero-inputs they can be
// exactly 0 and the attention stays on the float path, with a warning.
// STRICT: warning: unnamed node (MatMul): Bi-Attention stays on the float path: Sign(Q) and its input can be exactly 0 (a graph input can hold 0)

// BiBERT's Bi-Attention over 2 heads, L = S = 3 tokens, D = 4:
// Cast(Greater(sign(Q) sign(K)^T / 2, 0)) sign(V) becomes the score and
// context kernels on packed sign bits; V is transposed and packed along the
// keys.
// CHECK-LABEL: func.func @bi_attention
// CHECK-DAG: %[[QB:.*]] = bnn.pack %{{.*}} : (tensor<6x4x1x1xf32>) -> tensor<6x1x1x1xi32>
// CHECK-DAG: %[[KB:.*]] = bnn.pack %{{.*}} : (tensor<6x4x1x1xf32>) -> tensor<6x1x1x1xi32>
// CHECK-DAG: %[[VT:.*]] = onnx.Transpose %arg2 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x3x4xf32> -> tensor<1x2x4x3xf32>
// CHECK-DAG: %[[VB:.*]] = bnn.pack %{{.*}} : (tensor<8x3x1x1xf32>) -> tensor<8x1x1x1xi32>
// CHECK: %[[P:.*]] = bnn.bin_attention_scores %[[QB]], %[[KB]] {dim = 4 : i64} : (tensor<6x1x1x1xi32>, tensor<6x1x1x1xi32>) -> tensor<2x3x1xi32>
// CHECK: %[[C:.*]] = bnn.bin_attention_context %[[P]], %[[VB]] {keys = 3 : i64} : (tensor<2x3x1xi32>, tensor<8x1x1x1xi32>) -> tensor<2x3x4xf32>
// CHECK: %[[Y:.*]] = bnn.reshape %[[C]] : tensor<2x3x4xf32> -> tensor<1x2x3x4xf32>
// CHECK-NOT: onnx.MatMul
// CHECK: return %[[Y]]
func.func @bi_attention(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x3x4xf32>, %v: tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32> {
  %sq = onnx.Sign %q : tensor<1x2x3x4xf32> -> tensor<1x2x3x4xf32>
  %sk = onnx.Sign %k : tensor<1x2x3x4xf32> -> tensor<1x2x3x4xf32>
  %sv = onnx.Sign %v : tensor<1x2x3x4xf32> -> tensor<1x2x3x4xf32>
  %skt = onnx.Transpose %sk {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x3x4xf32> -> tensor<1x2x4x3xf32>
  %s = onnx.MatMul %sq, %skt : (tensor<1x2x3x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3x3xf32>
  %two = onnx.Constant dense<2.0> : tensor<f32>
  %ss = onnx.Div %s, %two : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %zero = onnx.Constant dense<0.0> : tensor<f32>
  %gt = onnx.Greater %ss, %zero : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xi1>
  %p = onnx.Cast %gt {to = 1 : i64} : tensor<1x2x3x3xi1> -> tensor<1x2x3x3xf32>
  %c = onnx.MatMul %p, %sv : (tensor<1x2x3x3xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  return %c : tensor<1x2x3x4xf32>
}

// -----

// A negative scale flips the comparison: not Bi-Attention, stays float.
// CHECK-LABEL: func.func @negative_scale
// CHECK-NOT: bnn.bin_attention
// CHECK-COUNT-2: onnx.MatMul
func.func @negative_scale(%q: tensor<3x4xf32>, %k: tensor<3x4xf32>, %v: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %sq = onnx.Sign %q : tensor<3x4xf32> -> tensor<3x4xf32>
  %sk = onnx.Sign %k : tensor<3x4xf32> -> tensor<3x4xf32>
  %sv = onnx.Sign %v : tensor<3x4xf32> -> tensor<3x4xf32>
  %skt = onnx.Transpose %sk {perm = array<i64: 1, 0>} : tensor<3x4xf32> -> tensor<4x3xf32>
  %s = onnx.MatMul %sq, %skt : (tensor<3x4xf32>, tensor<4x3xf32>) -> tensor<3x3xf32>
  %m = onnx.Constant dense<-0.5> : tensor<f32>
  %ss = onnx.Mul %s, %m : (tensor<3x3xf32>, tensor<f32>) -> tensor<3x3xf32>
  %zero = onnx.Constant dense<0.0> : tensor<f32>
  %gt = onnx.Greater %ss, %zero : (tensor<3x3xf32>, tensor<f32>) -> tensor<3x3xi1>
  %p = onnx.Cast %gt {to = 1 : i64} : tensor<3x3xi1> -> tensor<3x3xf32>
  %c = onnx.MatMul %p, %sv : (tensor<3x3xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return %c : tensor<3x4xf32>
}
