// RUN: bnnc-opt %s --bnn-fuse-epilogues --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @conv_relu
// CHECK: %[[C:.*]] = bnn.conv2d {{.*}}activation = #bnn.activation<relu>
// CHECK-NOT: bnn.elementwise
// CHECK: return %[[C]]
func.func @conv_relu(%x: tensor<1x1x3x3xf32>, %w: tensor<1x1x1x1xf32>) -> tensor<1x1x3x3xf32> {
  %c = bnn.conv2d %x, %w {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x3x3xf32>
  %r = bnn.elementwise "relu" %c : (tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32>
  return %r : tensor<1x1x3x3xf32>
}

// -----

// The pre-activation value is also returned: fusing would lose it.
// CHECK-LABEL: func.func @gemm_shared
// CHECK: bnn.gemm {{.*}}activation = #bnn.activation<none>
// CHECK: bnn.elementwise "relu"
func.func @gemm_shared(%a: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %g = bnn.gemm %a, %a {activation = #bnn.activation<none>, alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = false} : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %r = bnn.elementwise "relu" %g : (tensor<2x2xf32>) -> tensor<2x2xf32>
  return %g, %r : tensor<2x2xf32>, tensor<2x2xf32>
}

// -----

// Sign is no epilogue of the float kernels.
// CHECK-LABEL: func.func @gemm_sign
// CHECK: bnn.gemm {{.*}}activation = #bnn.activation<none>
// CHECK: bnn.elementwise "sign"
func.func @gemm_sign(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %g = bnn.gemm %a, %a {activation = #bnn.activation<none>, alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = false} : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %r = bnn.elementwise "sign" %g : (tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}
