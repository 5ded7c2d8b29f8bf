// RUN: bnnc-opt %s --token-prune="keep=0:2" --split-input-file --verify-diagnostics | FileCheck %s
// RUN: bnnc-opt %s --token-prune="keep=0:0.5 fuse=true" --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=FUSE

// One attention block over N = 5 tokens (CLS + 4), D = 4, one head, then an
// MLP on the tokens, a Reshape with the token count in its target, and the
// CLS readout. keep=0:2 keeps CLS + 2 tokens after the residual Add; ratio
// 0.5 keeps ceil(0.5 * 4) = 2 plus the package token.
// CHECK-LABEL: func.func @block
// MACs: 100 (scores) + 100 (P x) + 80 (MLP) = 280 before; the MLP runs on
// 3 tokens after: 48.
// CHECK-SAME: bnn.token_prune = {macs = [{block = "(unnamed)", macs_after = 248 : i64, macs_before = 280 : i64}]
// CHECK-SAME: stages = [{block = 0 : i64, node = "unnamed node (Add)", tokens_after = 3 : i64, tokens_before = 5 : i64}]
// CHECK: %[[P:.*]] = onnx.Softmax
// CHECK: %[[X:.*]] = onnx.Add %arg0, %{{.*}} : (tensor<1x5x4xf32>, tensor<1x5x4xf32>) -> tensor<1x5x4xf32>
// CHECK: %[[ROW:.*]] = onnx.Gather %[[P]], %{{.*}} {axis = 2 : i64} : (tensor<1x1x5x5xf32>, tensor<i64>) -> tensor<1x1x5xf32>
// CHECK: %[[CLS:.*]] = onnx.ReduceMean %[[ROW]] {axes = array<i64: 1>, keepdims = 0 : i64}
// CHECK: %[[S:.*]] = onnx.Gather %[[CLS]], %{{.*}} {axis = 1 : i64} : (tensor<1x5xf32>, tensor<4xi64>) -> tensor<1x4xf32>
// CHECK: onnx.TopK %[[S]], %{{.*}} : (tensor<1x4xf32>, tensor<1xi64>) -> (tensor<1x2xf32>, tensor<1x2xi64>)
// CHECK: onnx.TopK %{{.*}}, %{{.*}} {largest = 0 : i64}
// CHECK: %[[FLAT:.*]] = onnx.Reshape %[[X]], %{{.*}} -> tensor<5x4xf32>
// CHECK: %[[KEPT:.*]] = onnx.Gather %[[FLAT]], %{{.*}} : (tensor<5x4xf32>, tensor<1x3xi64>) -> tensor<1x3x4xf32>
// CHECK: onnx.MatMul %[[KEPT]], %{{.*}} : (tensor<1x3x4xf32>, tensor<4x4xf32>) -> tensor<1x3x4xf32>
// CHECK: %[[SHAPE:.*]] = onnx.Constant dense<[3, 4]> : tensor<2xi64>
// CHECK: onnx.Reshape %{{.*}}, %[[SHAPE]] : (tensor<1x3x4xf32>, tensor<2xi64>) -> tensor<3x4xf32>
// CHECK: onnx.Gather %{{.*}} : (tensor<1x3x4xf32>, tensor<i64>) -> tensor<1x4xf32>
// FUSE-LABEL: func.func @block
// FUSE-SAME: tokens_after = 4 : i64
// FUSE: onnx.Sub {{.*}} -> tensor<1x1x4xf32>
// FUSE: onnx.Concat {{.*}} {axis = 1 : i64} : (tensor<1x3x4xf32>, tensor<1x1x4xf32>) -> tensor<1x4x4xf32>
// FUSE: onnx.Reshape %{{.*}}, %{{.*}} : (tensor<1x4x4xf32>, tensor<2xi64>) -> tensor<4x4xf32>
func.func @block(%x: tensor<1x5x4xf32>) -> (tensor<1x4xf32>, tensor<5x4xf32>) {
  %s4 = onnx.Constant dense<[1, 1, 5, 5]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[1, 5, 5]> : tensor<3xi64>
  %s2 = onnx.Constant dense<[5, 4]> : tensor<2xi64>
  %w = onnx.Constant dense<0.5> : tensor<4x4xf32>
  %zero = onnx.Constant dense<0> : tensor<i64>
  %xt = onnx.Transpose %x {perm = array<i64: 0, 2, 1>} : tensor<1x5x4xf32> -> tensor<1x4x5xf32>
  %sc = onnx.MatMul %x, %xt : (tensor<1x5x4xf32>, tensor<1x4x5xf32>) -> tensor<1x5x5xf32>
  %sc4 = onnx.Reshape %sc, %s4 : (tensor<1x5x5xf32>, tensor<4xi64>) -> tensor<1x1x5x5xf32>
  %p = onnx.Softmax %sc4 {axis = -1 : i64} : tensor<1x1x5x5xf32> -> tensor<1x1x5x5xf32>
  %p3 = onnx.Reshape %p, %s3 : (tensor<1x1x5x5xf32>, tensor<3xi64>) -> tensor<1x5x5xf32>
  %a = onnx.MatMul %p3, %x : (tensor<1x5x5xf32>, tensor<1x5x4xf32>) -> tensor<1x5x4xf32>
  %y = onnx.Add %x, %a : (tensor<1x5x4xf32>, tensor<1x5x4xf32>) -> tensor<1x5x4xf32>
  %m = onnx.MatMul %y, %w : (tensor<1x5x4xf32>, tensor<4x4xf32>) -> tensor<1x5x4xf32>
  %r = onnx.Reshape %m, %s2 : (tensor<1x5x4xf32>, tensor<2xi64>) -> tensor<5x4xf32>
  %c = onnx.Gather %m, %zero {axis = 1 : i64} : (tensor<1x5x4xf32>, tensor<i64>) -> tensor<1x4xf32>
  return %c, %r : tensor<1x4xf32>, tensor<5x4xf32>
}

// -----

// An attention without a residual token Add after it cannot be pruned.
func.func @no_block(%x: tensor<1x5x5xf32>) -> tensor<1x1x5x5xf32> {
  %s4 = onnx.Constant dense<[1, 1, 5, 5]> : tensor<4xi64>
  %r = onnx.Reshape %x, %s4 : (tensor<1x5x5xf32>, tensor<4xi64>) -> tensor<1x1x5x5xf32>
  // expected-error @+1 {{token-prune: no residual Add of a [B, N, D] token tensor after this attention}}
  %p = onnx.Softmax %r {axis = -1 : i64} : tensor<1x1x5x5xf32> -> tensor<1x1x5x5xf32>
  return %p : tensor<1x1x5x5xf32>
}
