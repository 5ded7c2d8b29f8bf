// RUN: bnnc-opt %s --bnn-bitpack | FileCheck %s

// OIHW +-1 floats -> OHWI i32 words, bit j = channel j, 1 for -1, tail 0.
// Filter 0, tap 0: channels (+1, -1, -1) -> 0b110 = 6; tap 1: (-1, +1, +1)
// -> 0b001 = 1. Filter 1: all +1 -> 0; then all -1 -> 0b111 = 7.
// CHECK-LABEL: func.func @pack_weights
// CHECK: %[[P:.*]] = bnn.constant dense<{{.*}}6], [1]]], {{.*}}0], [7]]]]> : tensor<2x1x2x1xi32>
// CHECK: bnn.bconv2d %arg0, %[[P]]
func.func @pack_weights(%bits: tensor<1x1x2x1xi32>) -> tensor<1x2x1x1xf32> {
  %w = bnn.constant dense<[[[[1.0, -1.0]], [[-1.0, 1.0]], [[-1.0, 1.0]]], [[[1.0, -1.0]], [[1.0, -1.0]], [[1.0, -1.0]]]]> : tensor<2x3x1x2xf32>
  %y = bnn.bconv2d %bits, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 1, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x2x1xi32>, tensor<2x3x1x2xf32>) -> tensor<1x2x1x1xf32>
  return %y : tensor<1x2x1x1xf32>
}
