// RUN: bnnc-opt %s --bnn-fuse-qdq --split-input-file --verify-diagnostics | FileCheck %s

// Conv between dequantized uint8 input / int8 per-channel weights / int32
// bias and a quantize: one qconv2d and one requantize; the float ops go.
// CHECK-LABEL: func.func @conv
// CHECK: %[[ACC:.*]] = bnn.qconv2d %arg0, %{{.*}} input_zero_point %{{.*}} weight_zero_point %{{.*}} bias %{{.*}} {{{.*}}pads = array<i64: 1, 1, 1, 1>{{.*}}} : {{.*}} -> tensor<1x2x4x4xi32>
// CHECK-NEXT: %[[Y:.*]] = bnn.requantize %[[ACC]], %{{.*}} {axis = 1 : i64} : {{.*}} -> tensor<1x2x4x4xui8>
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: bnn.conv2d
func.func @conv(%xq: tensor<1x3x4x4xui8>) -> tensor<1x2x4x4xui8> {
  %sx = bnn.constant dense<6.250000e-02> : tensor<f32>
  %zx = bnn.constant dense<120> : tensor<ui8>
  %wq = bnn.constant dense<3> : tensor<2x3x3x3xi8>
  %sw = bnn.constant dense<[5.000000e-01, 2.500000e-01]> : tensor<2xf32>
  %zw = bnn.constant dense<0> : tensor<2xi8>
  %bq = bnn.constant dense<[100, -7]> : tensor<2xi32>
  %sb = bnn.constant dense<[3.125000e-02, 1.562500e-02]> : tensor<2xf32>
  %so = bnn.constant dense<2.500000e-01> : tensor<f32>
  %zo = bnn.constant dense<128> : tensor<ui8>
  %x = bnn.dequantize %xq, %sx, %zx {axis = 0 : i64} : (tensor<1x3x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x3x4x4xf32>
  %w = bnn.dequantize %wq, %sw, %zw {axis = 0 : i64} : (tensor<2x3x3x3xi8>, tensor<2xf32>, tensor<2xi8>) -> tensor<2x3x3x3xf32>
  %b = bnn.dequantize %bq, %sb {axis = 0 : i64} : (tensor<2xi32>, tensor<2xf32>) -> tensor<2xf32>
  %y = bnn.conv2d %x, %w, %b {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x3x4x4xf32>, tensor<2x3x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %q = bnn.quantize %y, %so, %zo {axis = 0 : i64} : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xui8>
  return %q : tensor<1x2x4x4xui8>
}

// -----

// Gemm with transB (PyTorch Linear) and a ReLU before the quantize: a 1x1
// qconv2d on views, weights as constants [N, K, 1, 1] quantized here from
// the float constant (0.26 / 0.1 = 2.6 -> 3), relu on the requantize.
// CHECK-LABEL: func.func @gemm_relu
// CHECK-DAG: %[[W:.*]] = bnn.constant dense<3> : tensor<4x8x1x1xi8>
// CHECK-DAG: %[[X:.*]] = bnn.reshape %arg0 : tensor<2x8xi8> -> tensor<2x8x1x1xi8>
// CHECK: %[[ACC:.*]] = bnn.qconv2d %[[X]], %[[W]]
// CHECK: bnn.requantize %[[ACC]], {{.*}} {axis = 1 : i64, relu}
// CHECK: bnn.reshape {{.*}} -> tensor<2x4xi8>
// CHECK-NOT: bnn.gemm
func.func @gemm_relu(%xq: tensor<2x8xi8>) -> tensor<2x4xi8> {
  %sx = bnn.constant dense<5.000000e-02> : tensor<f32>
  %wf = bnn.constant dense<2.600000e-01> : tensor<4x8xf32>
  %sw = bnn.constant dense<1.000000e-01> : tensor<f32>
  %so = bnn.constant dense<2.500000e-01> : tensor<f32>
  %zo = bnn.constant dense<-3> : tensor<i8>
  %x = bnn.dequantize %xq, %sx {axis = 0 : i64} : (tensor<2x8xi8>, tensor<f32>) -> tensor<2x8xf32>
  %wq = bnn.quantize %wf, %sw {axis = 0 : i64} : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xi8>
  %w = bnn.dequantize %wq, %sw {axis = 0 : i64} : (tensor<4x8xi8>, tensor<f32>) -> tensor<4x8xf32>
  %y = bnn.gemm %x, %w {activation = #bnn.activation<none>, alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = true} : (tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<2x4xf32>
  %r = bnn.elementwise "relu" %y : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %q = bnn.quantize %r, %so, %zo {axis = 0 : i64} : (tensor<2x4xf32>, tensor<f32>, tensor<i8>) -> tensor<2x4xi8>
  return %q : tensor<2x4xi8>
}

// -----

// A float bias is not on the accumulator's scale: the layer stays float.
// CHECK-LABEL: func.func @do_not_fuse_float_bias
// CHECK: bnn.gemm
// CHECK: bnn.quantize
func.func @do_not_fuse_float_bias(%xq: tensor<2x8xi8>) -> tensor<2x4xi8> {
  %sx = bnn.constant dense<5.000000e-02> : tensor<f32>
  %wq = bnn.constant dense<3> : tensor<4x8xi8>
  %sw = bnn.constant dense<1.000000e-01> : tensor<f32>
  %b = bnn.constant dense<1.000000e-01> : tensor<4xf32>
  %so = bnn.constant dense<2.500000e-01> : tensor<f32>
  %x = bnn.dequantize %xq, %sx {axis = 0 : i64} : (tensor<2x8xi8>, tensor<f32>) -> tensor<2x8xf32>
  %w = bnn.dequantize %wq, %sw {axis = 0 : i64} : (tensor<4x8xi8>, tensor<f32>) -> tensor<4x8xf32>
  // expected-remark @+1 {{stays float32 between its QuantizeLinear/DequantizeLinear: the bias is not an int32 tensor dequantized with zero point 0}}
  %y = bnn.gemm %x, %w, %b {activation = #bnn.activation<none>, alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = true} : (tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %q = bnn.quantize %y, %so {axis = 0 : i64} : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xi8>
  return %q : tensor<2x4xi8>
}

// -----

// The float result is also returned: the layer must stay.
// CHECK-LABEL: func.func @do_not_fuse_shared
// CHECK: bnn.conv2d
func.func @do_not_fuse_shared(%xq: tensor<1x1x2x2xi8>) -> (tensor<1x1x2x2xi8>, tensor<1x1x2x2xf32>) {
  %s = bnn.constant dense<5.000000e-02> : tensor<f32>
  %wq = bnn.constant dense<3> : tensor<1x1x1x1xi8>
  %x = bnn.dequantize %xq, %s {axis = 0 : i64} : (tensor<1x1x2x2xi8>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %w = bnn.dequantize %wq, %s {axis = 0 : i64} : (tensor<1x1x1x1xi8>, tensor<f32>) -> tensor<1x1x1x1xf32>
  %y = bnn.conv2d %x, %w {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  %q = bnn.quantize %y, %s {axis = 0 : i64} : (tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xi8>
  return %q, %y : tensor<1x1x2x2xi8>, tensor<1x1x2x2xf32>
}

// -----

// quantize(view(dequantize(q))) with the same parameters is q viewed.
// CHECK-LABEL: func.func @round_trip
// CHECK-NEXT: %[[V:.*]] = bnn.reshape %arg0 : tensor<2x2x2xui8> -> tensor<2x4xui8>
// CHECK-NEXT: return %[[V]]
func.func @round_trip(%q: tensor<2x2x2xui8>) -> tensor<2x4xui8> {
  %s = bnn.constant dense<3.700000e-01> : tensor<f32>
  %z = bnn.constant dense<7> : tensor<ui8>
  %d = bnn.dequantize %q, %s, %z {axis = 0 : i64} : (tensor<2x2x2xui8>, tensor<f32>, tensor<ui8>) -> tensor<2x2x2xf32>
  %v = bnn.reshape %d : tensor<2x2x2xf32> -> tensor<2x4xf32>
  %r = bnn.quantize %v, %s, %z {axis = 0 : i64} : (tensor<2x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<2x4xui8>
  return %r : tensor<2x4xui8>
}

// -----

// A binarizer of a dequantized tensor packs the integers: bit = q < zp.
// CHECK-LABEL: func.func @pack_from_integers
// CHECK-NEXT: %[[B:.*]] = bnn.pack_quantized %arg0 {group = 1 : i64, zero_point = 120 : i64} : (tensor<1x40x2x2xui8>) -> tensor<1x2x2x2xi32>
// CHECK-NEXT: return %[[B]]
func.func @pack_from_integers(%q: tensor<1x40x2x2xui8>) -> tensor<1x2x2x2xi32> {
  %s = bnn.constant dense<5.000000e-02> : tensor<f32>
  %z = bnn.constant dense<120> : tensor<ui8>
  %d = bnn.dequantize %q, %s, %z {axis = 0 : i64} : (tensor<1x40x2x2xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x40x2x2xf32>
  %b = bnn.pack %d {group = 1 : i64} : (tensor<1x40x2x2xf32>) -> tensor<1x2x2x2xi32>
  return %b : tensor<1x2x2x2xi32>
}

// -----

// A negative scale flips the sign: the float pack stays.
// CHECK-LABEL: func.func @do_not_pack_negative_scale
// CHECK: bnn.pack %
func.func @do_not_pack_negative_scale(%q: tensor<1x8x1x1xi8>) -> tensor<1x1x1x1xi32> {
  %s = bnn.constant dense<-5.000000e-02> : tensor<f32>
  %d = bnn.dequantize %q, %s {axis = 0 : i64} : (tensor<1x8x1x1xi8>, tensor<f32>) -> tensor<1x8x1x1xf32>
  %b = bnn.pack %d {group = 1 : i64} : (tensor<1x8x1x1xf32>) -> tensor<1x1x1x1xi32>
  return %b : tensor<1x1x1x1xi32>
}

// -----

// A max pool between a dequantize and a quantize with the same parameters
// (positive scale) pools the integers; a Flatten after it moves to the
// integers too. With other output parameters the pool stays float.
// CHECK-LABEL: func.func @pool_integers
// CHECK: %[[P:.*]] = bnn.maxpool2d %arg0 {{.*}} : tensor<1x2x4x4xi8> -> tensor<1x2x2x2xi8>
// CHECK: %[[V:.*]] = bnn.reshape %[[P]] : tensor<1x2x2x2xi8> -> tensor<1x8xi8>
// CHECK: return %[[V]]
func.func @pool_integers(%xq: tensor<1x2x4x4xi8>) -> tensor<1x8xi8> {
  %s = bnn.constant dense<5.000000e-02> : tensor<f32>
  %z = bnn.constant dense<-3> : tensor<i8>
  %x = bnn.dequantize %xq, %s, %z {axis = 0 : i64} : (tensor<1x2x4x4xi8>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xf32>
  %p = bnn.maxpool2d %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  %v = bnn.reshape %p : tensor<1x2x2x2xf32> -> tensor<1x8xf32>
  %q = bnn.quantize %v, %s, %z {axis = 0 : i64} : (tensor<1x8xf32>, tensor<f32>, tensor<i8>) -> tensor<1x8xi8>
  return %q : tensor<1x8xi8>
}

// -----

// CHECK-LABEL: func.func @pool_other_scale
// CHECK: bnn.maxpool2d {{.*}} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
// CHECK: bnn.quantize
func.func @pool_other_scale(%xq: tensor<1x2x4x4xi8>) -> tensor<1x2x2x2xi8> {
  %s = bnn.constant dense<5.000000e-02> : tensor<f32>
  %s2 = bnn.constant dense<2.500000e-02> : tensor<f32>
  %z = bnn.constant dense<-3> : tensor<i8>
  %x = bnn.dequantize %xq, %s, %z {axis = 0 : i64} : (tensor<1x2x4x4xi8>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xf32>
  %p = bnn.maxpool2d %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  %q = bnn.quantize %p, %s2, %z {axis = 0 : i64} : (tensor<1x2x2x2xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x2x2xi8>
  return %q : tensor<1x2x2x2xi8>
}
