// RUN: bnnc-opt %s | bnnc-opt | FileCheck %s
// RUN: bnnc-opt %s --mlir-print-op-generic | bnnc-opt | FileCheck %s

// CHECK-LABEL: func.func @onnx_ops
// CHECK: onnx.Conv %arg0, %{{.*}}, %{{.*}} {pads = array<i64: 1, 1, 1, 1>}
// CHECK: onnx.MaxPool
// CHECK: onnx.Gemm
func.func @onnx_ops(%x: tensor<1x2x4x4xf32>) -> tensor<1x6xf32> {
  %w = onnx.Constant dense<0.5> : tensor<3x2x3x3xf32>
  %n = onnx.NoValue
  %c = onnx.Conv %x, %w, %n {group = 1 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, none) -> tensor<1x3x4x4xf32>
  %p = onnx.MaxPool %c {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x3x4x4xf32> -> tensor<1x3x2x2xf32>
  %f = onnx.Flatten %p : tensor<1x3x2x2xf32> -> tensor<1x12xf32>
  %b = onnx.Constant dense<1.0> : tensor<12x6xf32>
  %g = onnx.Gemm %f, %b, %n : (tensor<1x12xf32>, tensor<12x6xf32>, none) -> tensor<1x6xf32>
  return %g : tensor<1x6xf32>
}

// CHECK-LABEL: func.func @bnn_ops
// CHECK: bnn.conv2d %arg0, %{{.*}}, %{{.*}} {activation = #bnn.activation<relu>
// CHECK: bnn.channel_affine
// CHECK: bnn.maxpool2d
func.func @bnn_ops(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %w = bnn.constant dense<1.0> : tensor<2x1x3x3xf32>
  %b = bnn.constant dense<0.0> : tensor<2xf32>
  %c = bnn.conv2d %x, %w, %b {activation = #bnn.activation<relu>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %a = bnn.channel_affine %c, %b, %b : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %p = bnn.maxpool2d %a {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %p : tensor<1x2x2x2xf32>
}
