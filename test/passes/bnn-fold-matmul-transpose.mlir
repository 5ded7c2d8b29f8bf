// RUN: bnnc-opt %s --bnn-fold-matmul-transpose --split-input-file | FileCheck %s

// Attention's q k^T: the copy exchanging k's last two dimensions goes away
// and the matmul reads k's rows.
// CHECK-LABEL: func.func @q_kt
// CHECK-NOT: bnn.strided_copy
// CHECK: %[[S:.*]] = bnn.matmul %arg0, %arg1 {trans_b} : (tensor<2x4x17x8xf32>, tensor<2x4x17x8xf32>) -> tensor<2x4x17x17xf32>
// CHECK: return %[[S]]
func.func @q_kt(%q: tensor<2x4x17x8xf32>, %k: tensor<2x4x17x8xf32>) -> tensor<2x4x17x17xf32> {
  %kt = bnn.strided_copy %k {offset = 0 : i64, strides = array<i64: 544, 136, 1, 8>} : tensor<2x4x17x8xf32> -> tensor<2x4x8x17xf32>
  %s = bnn.matmul %q, %kt : (tensor<2x4x17x8xf32>, tensor<2x4x8x17xf32>) -> tensor<2x4x17x17xf32>
  return %s : tensor<2x4x17x17xf32>
}

// -----

// The source is read as [..., N, K] through a view when its own shape
// differs; a dimension of size 1 may have any stride. A copy with another
// user stays for that user.
// CHECK-LABEL: func.func @viewed_source
// CHECK: %[[KT:.*]] = bnn.strided_copy %arg1
// CHECK: %[[V:.*]] = bnn.reshape %arg1 : tensor<1x24xf32> -> tensor<1x6x4xf32>
// CHECK: %[[S:.*]] = bnn.matmul %arg0, %[[V]] {trans_b} : (tensor<1x3x4xf32>, tensor<1x6x4xf32>) -> tensor<1x3x6xf32>
// CHECK: return %[[S]], %[[KT]]
func.func @viewed_source(%a: tensor<1x3x4xf32>, %k: tensor<1x24xf32>) -> (tensor<1x3x6xf32>, tensor<1x4x6xf32>) {
  %kt = bnn.strided_copy %k {offset = 0 : i64, strides = array<i64: 7, 1, 4>} : tensor<1x24xf32> -> tensor<1x4x6xf32>
  %s = bnn.matmul %a, %kt : (tensor<1x3x4xf32>, tensor<1x4x6xf32>) -> tensor<1x3x6xf32>
  return %s, %kt : tensor<1x3x6xf32>, tensor<1x4x6xf32>
}

// -----

// Copies that are not exactly that transpose stay: a permutation of the
// batch dimensions as well, a nonzero offset (a slice), and a plain
// row-major copy.
// CHECK-LABEL: func.func @not_a_transpose
// CHECK-COUNT-3: bnn.strided_copy
// CHECK-NOT: trans_b
func.func @not_a_transpose(%a: tensor<2x3x4xf32>, %k: tensor<2x6x4xf32>, %big: tensor<100xf32>, %b: tensor<2x4x6xf32>) -> (tensor<2x3x6xf32>, tensor<2x3x6xf32>, tensor<2x3x6xf32>) {
  %p = bnn.strided_copy %k {offset = 0 : i64, strides = array<i64: 4, 1, 8>} : tensor<2x6x4xf32> -> tensor<2x4x6xf32>
  %s = bnn.strided_copy %big {offset = 4 : i64, strides = array<i64: 24, 1, 4>} : tensor<100xf32> -> tensor<2x4x6xf32>
  %c = bnn.strided_copy %b {offset = 0 : i64, strides = array<i64: 24, 6, 1>} : tensor<2x4x6xf32> -> tensor<2x4x6xf32>
  %m1 = bnn.matmul %a, %p : (tensor<2x3x4xf32>, tensor<2x4x6xf32>) -> tensor<2x3x6xf32>
  %m2 = bnn.matmul %a, %s : (tensor<2x3x4xf32>, tensor<2x4x6xf32>) -> tensor<2x3x6xf32>
  %m3 = bnn.matmul %a, %c : (tensor<2x3x4xf32>, tensor<2x4x6xf32>) -> tensor<2x3x6xf32>
  return %m1, %m2, %m3 : tensor<2x3x6xf32>, tensor<2x3x6xf32>, tensor<2x3x6xf32>
}
