// RUN: bnnc-opt %s --bnn-fuse-epilogues --split-input-file | FileCheck %s

// A binary convolution whose float output only feeds a quantize writes the
// int8 tensor itself: per channel (mul, add, shift, lo, hi) with y =
// clamp(((dot * mul + add) >> shift) - 2^(30 - shift), lo, hi). Here K = 1
// (one input channel, 1x1), y = quantize(dot * 1.0, scale 1) = dot in
// {-1, 0, 1}: the largest shift with (|q| + 1) * 2^shift <= 2^30 is 29,
// mul = 2^29, and add must lie in [2^30, 2^30 + 2^29 - 1] (the middle is
// taken): lo = -1 and hi = 1 are the quantized values' range.
// CHECK-LABEL: func.func @identity
// CHECK: %[[P:.*]] = bnn.constant dense<{{\[\[}}536870912, 1342177279, 29, -1, 1]]> : tensor<1x5xi32>
// CHECK: bnn.bconv2d %arg0, %{{.*}} qparams %[[P]] {{.*}} -> tensor<1x1x2x2xi8>
// CHECK-NOT: bnn.quantize
func.func @identity(%x: tensor<1x2x2x1xi32>) -> tensor<1x1x2x2xi8> {
  %w = bnn.constant dense<1> : tensor<1x1x1x1xi32>
  %s = bnn.constant dense<1.0> : tensor<f32>
  %c = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 1 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x2x1xi32>, tensor<1x1x1x1xi32>) -> tensor<1x1x2x2xf32>
  %q = bnn.quantize %c, %s {axis = 1 : i64} : (tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xi8>
  return %q : tensor<1x1x2x2xi8>
}

// -----

// Scale, bias and ReLU per channel into uint8 with a zero point: ReLU's
// clamp at 0 is the lower bound lo = 128 (the zero point), and the
// negative scale's channel has a negative multiplier.
// CHECK-LABEL: func.func @affine_relu
// CHECK: %[[P:.*]] = bnn.constant dense<{{\[\[}}{{[0-9]+}}, {{[0-9]+}}, {{[0-9]+}}, 128, {{[0-9]+}}], [-{{[0-9]+}}, {{[0-9]+}}, {{[0-9]+}}, 128, {{[0-9]+}}]]> : tensor<2x5xi32>
// CHECK: bnn.bconv2d %arg0, %{{.*}} qparams %[[P]] {{.*}} -> tensor<1x2x3x3xui8>
// CHECK-NOT: bnn.quantize
func.func @affine_relu(%x: tensor<1x3x3x1xi32>) -> tensor<1x2x3x3xui8> {
  %w = bnn.constant dense<5> : tensor<2x3x3x1xi32>
  %sc = bnn.constant dense<[0.031, -0.047]> : tensor<2xf32>
  %b = bnn.constant dense<[0.11, 0.37]> : tensor<2xf32>
  %s = bnn.constant dense<0.02> : tensor<f32>
  %z = bnn.constant dense<128> : tensor<ui8>
  %c = bnn.bconv2d %x, %w scale %sc bias %b {activation = #bnn.activation<relu>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x3x3x1xi32>, tensor<2x3x3x1xi32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %q = bnn.quantize %c, %s, %z {axis = 1 : i64} : (tensor<1x2x3x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x3x3xui8>
  return %q : tensor<1x2x3x3xui8>
}

// -----

// Six input channels: every dot d is even, d = 2j in [-6, 6], and
// (d + 1) / 2 = j + 1/2 is an exact tie rounded to the even neighbour:
// down for even j, up for odd j, so j = -1, 0, 1, 2 give 0, 0, 2, 2 (plus
// the zero point) between the clamped ends. No floor(d * mul + add) has
// those steps, so the float epilogue and the quantize stay.
// CHECK-LABEL: func.func @ties
// CHECK: bnn.bconv2d {{.*}} -> tensor<1x1x2x2xf32>
// CHECK: bnn.quantize
func.func @ties(%x: tensor<1x2x2x1xi32>) -> tensor<1x1x2x2xui8> {
  %w = bnn.constant dense<1> : tensor<1x1x1x1xi32>
  %b = bnn.constant dense<1.0> : tensor<1xf32>
  %s = bnn.constant dense<2.0> : tensor<f32>
  %z = bnn.constant dense<128> : tensor<ui8>
  %c = bnn.bconv2d %x, %w bias %b {activation = #bnn.activation<none>, channels = 6 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x2x1xi32>, tensor<1x1x1x1xi32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  %q = bnn.quantize %c, %s, %z {axis = 1 : i64} : (tensor<1x1x2x2xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x1x2x2xui8>
  return %q : tensor<1x1x2x2xui8>
}

// -----

// The same tie-producing epilogue with one input channel and no padding:
// every window has K = 1 tap, dots are odd (+-1), (d + 1) / 2 is 0 or 1,
// no tie: fused.
// CHECK-LABEL: func.func @odd_dots
// CHECK: bnn.bconv2d {{.*}} qparams {{.*}} -> tensor<1x1x2x2xui8>
// CHECK-NOT: bnn.quantize
func.func @odd_dots(%x: tensor<1x2x2x1xi32>) -> tensor<1x1x2x2xui8> {
  %w = bnn.constant dense<1> : tensor<1x1x1x1xi32>
  %b = bnn.constant dense<1.0> : tensor<1xf32>
  %s = bnn.constant dense<2.0> : tensor<f32>
  %z = bnn.constant dense<128> : tensor<ui8>
  %c = bnn.bconv2d %x, %w bias %b {activation = #bnn.activation<none>, channels = 1 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x2x1xi32>, tensor<1x1x1x1xi32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  %q = bnn.quantize %c, %s, %z {axis = 1 : i64} : (tensor<1x1x2x2xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x1x2x2xui8>
  return %q : tensor<1x1x2x2xui8>
}
