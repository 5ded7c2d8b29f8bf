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

// -----

// Binary conv epilogue: alpha as a separate Mul ([1, M, 1, 1]), then
// BatchNorm (s, t), then ReLU all fold: scale = s * alpha * 1,
// bias = s * (alpha * b) + t, activation relu.
// alpha = [2, 3], b = [1, 1], s = [0.5, 2], t = [1, -1]:
// scale = [1, 6], bias = [0.5 * 2 + 1, 2 * 3 - 1] = [2, 5].
// CHECK-LABEL: func.func @bconv_epilogue
// CHECK-DAG: %[[S:.*]] = bnn.constant dense<[1.000000e+00, 6.000000e+00]>
// CHECK-DAG: %[[B:.*]] = bnn.constant dense<[2.000000e+00, 5.000000e+00]>
// CHECK: %[[Y:.*]] = bnn.bconv2d %arg0, %{{.*}} scale %[[S]] bias %[[B]] {activation = #bnn.activation<relu>
// CHECK-NOT: bnn.elementwise
// CHECK-NOT: bnn.channel_affine
// CHECK: return %[[Y]]
func.func @bconv_epilogue(%bits: tensor<1x1x1x1xi32>) -> tensor<1x2x1x1xf32> {
  %w = bnn.constant dense<1.0> : tensor<2x3x1x1xf32>
  %b = bnn.constant dense<1.0> : tensor<2xf32>
  %c = bnn.bconv2d %bits, %w bias %b {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x1x1xi32>, tensor<2x3x1x1xf32>, tensor<2xf32>) -> tensor<1x2x1x1xf32>
  %alpha = bnn.constant dense<[[[[2.0]], [[3.0]]]]> : tensor<1x2x1x1xf32>
  %m = bnn.elementwise "mul" %c, %alpha : (tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x1x1xf32>
  %s = bnn.constant dense<[0.5, 2.0]> : tensor<2xf32>
  %t = bnn.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %a = bnn.channel_affine %m, %s, %t : (tensor<1x2x1x1xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x1x1xf32>
  %r = bnn.elementwise "relu" %a : (tensor<1x2x1x1xf32>) -> tensor<1x2x1x1xf32>
  return %r : tensor<1x2x1x1xf32>
}

// -----

// A binary layer feeding another through a max pool and a sign: the pack
// moves before the pool (b is monotone: pooling becomes an AND of bits) and
// then into the producer, whose epilogue becomes integer thresholds:
// dot * 0.5 + 1 < 0 <=> dot < -2; dot * -0.5 + 1 < 0 <=> !(dot < 3).
// CHECK-LABEL: func.func @bits_between_layers
// CHECK-DAG: %[[T:.*]] = bnn.constant dense<[-2, 3]> : tensor<2xi32>
// CHECK-DAG: %[[F:.*]] = bnn.constant dense<[0, 1]> : tensor<2xui8>
// CHECK: %[[B:.*]] = bnn.bconv2d %arg0, %{{.*}} threshold %[[T]] flip %[[F]] {{.*}} -> tensor<1x2x2x1xi32>
// CHECK: %[[P:.*]] = bnn.bmaxpool2d %[[B]] {channels = 2 : i64{{.*}}} : tensor<1x2x2x1xi32> -> tensor<1x1x1x1xi32>
// CHECK-NOT: bnn.pack
// CHECK-NOT: bnn.maxpool2d
// CHECK: return %[[P]]
func.func @bits_between_layers(%bits: tensor<1x2x2x1xi32>) -> tensor<1x1x1x1xi32> {
  %w = bnn.constant dense<1.0> : tensor<2x3x1x1xf32>
  %s = bnn.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %b = bnn.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = bnn.bconv2d %bits, %w scale %s bias %b {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x2x1xi32>, tensor<2x3x1x1xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %m = bnn.maxpool2d %c {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x2x2xf32> -> tensor<1x2x1x1xf32>
  %p = bnn.pack %m {group = 1 : i64} : (tensor<1x2x1x1xf32>) -> tensor<1x1x1x1xi32>
  return %p : tensor<1x1x1x1xi32>
}

// -----

// ReActNet's RSign b(x - t_c) becomes per-channel pack thresholds.
// CHECK-LABEL: func.func @rsign
// CHECK: %[[T:.*]] = bnn.constant dense<[5.000000e-01, -2.500000e-01]> : tensor<2xf32>
// CHECK: bnn.pack %arg0 threshold %[[T]]
// CHECK-NOT: bnn.elementwise
func.func @rsign(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x1xi32> {
  %t = bnn.constant dense<[[[0.5]], [[-0.25]]]> : tensor<2x1x1xf32>
  %d = bnn.elementwise "sub" %x, %t : (tensor<1x2x2x2xf32>, tensor<2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %p = bnn.pack %d {group = 1 : i64} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x1xi32>
  return %p : tensor<1x2x2x1xi32>
}

// -----

// PRelu with a per-channel slope and a Clip (max then min with scalar
// bounds) after binary layers become their epilogue activations.
// CHECK-LABEL: func.func @prelu_and_clamp
// CHECK: %[[S:.*]] = bnn.constant dense<[2.500000e-01, 5.000000e-01]> : tensor<2xf32>
// CHECK: bnn.bconv2d %arg0, %{{.*}} slope %[[S]] {activation = #bnn.activation<prelu>
// CHECK: bnn.bconv2d %arg0, %{{.*}} {activation = #bnn.activation<clamp>, {{.*}}clamp_hi = 6.000000e+00 : f32, clamp_lo = -1.000000e+00 : f32
// CHECK-NOT: bnn.elementwise
func.func @prelu_and_clamp(%bits: tensor<1x1x1x1xi32>) -> (tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>) {
  %w = bnn.constant dense<1.0> : tensor<2x3x1x1xf32>
  %c0 = bnn.bconv2d %bits, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x1x1xi32>, tensor<2x3x1x1xf32>) -> tensor<1x2x1x1xf32>
  %slope = bnn.constant dense<[[[0.25]], [[0.5]]]> : tensor<2x1x1xf32>
  %p = bnn.elementwise "prelu" %c0, %slope : (tensor<1x2x1x1xf32>, tensor<2x1x1xf32>) -> tensor<1x2x1x1xf32>
  %c1 = bnn.bconv2d %bits, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x1x1xi32>, tensor<2x3x1x1xf32>) -> tensor<1x2x1x1xf32>
  %lo = bnn.constant dense<-1.0> : tensor<f32>
  %hi = bnn.constant dense<6.0> : tensor<f32>
  %m = bnn.elementwise "max" %c1, %lo : (tensor<1x2x1x1xf32>, tensor<f32>) -> tensor<1x2x1x1xf32>
  %q = bnn.elementwise "min" %m, %hi : (tensor<1x2x1x1xf32>, tensor<f32>) -> tensor<1x2x1x1xf32>
  return %p, %q : tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>
}
