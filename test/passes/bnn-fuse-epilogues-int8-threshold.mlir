// RUN: bnnc-opt %s --bnn-fuse-epilogues | FileCheck %s

// A per-channel shift before the sign of a dequantized int8 tensor (an
// RSign after an int8 layer): the pack threshold moves to the int8 scale.
// x = (q + 3) * 0.5, bit = x < T:
//   T = 0     -> q < -3;  T = 0.75 -> (q + 3) * 0.5 < 0.75 <=> q <= -2 -> q < -1;
//   T = -200  -> never (q < -128);  T = 1000 -> always (q < 128).
// CHECK-LABEL: func.func @rsign_int8
// CHECK: %[[T:.*]] = bnn.constant dense<[-3, -1, -128, 128]> : tensor<4xi32>
// CHECK: bnn.pack_quantized %arg0 threshold %[[T]] {group = 1 : i64, zero_point = -3 : i64} : (tensor<1x4x2x2xi8>, tensor<4xi32>) -> tensor<1x2x2x1xi32>
// CHECK-NOT: bnn.pack %
func.func @rsign_int8(%q: tensor<1x4x2x2xi8>) -> tensor<1x2x2x1xi32> {
  %s = bnn.constant dense<5.000000e-01> : tensor<f32>
  %z = bnn.constant dense<-3> : tensor<i8>
  %x = bnn.dequantize %q, %s, %z {axis = 0 : i64} : (tensor<1x4x2x2xi8>, tensor<f32>, tensor<i8>) -> tensor<1x4x2x2xf32>
  %t = bnn.constant dense<[[[[0.0]], [[0.75]], [[-200.0]], [[1000.0]]]]> : tensor<1x4x1x1xf32>
  %d = bnn.elementwise "sub" %x, %t : (tensor<1x4x2x2xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x2x2xf32>
  %p = bnn.pack %d {group = 1 : i64} : (tensor<1x4x2x2xf32>) -> tensor<1x2x2x1xi32>
  return %p : tensor<1x2x2x1xi32>
}

// uint8 with zero point 128 and a threshold between two dequantized values.
// CHECK-LABEL: func.func @rsign_uint8
// CHECK: bnn.constant dense<[128, 131]> : tensor<2xi32>
// CHECK: bnn.pack_quantized %arg0 threshold
func.func @rsign_uint8(%q: tensor<1x2x1x1xui8>) -> tensor<1x1x1x1xi32> {
  %s = bnn.constant dense<2.500000e-01> : tensor<f32>
  %z = bnn.constant dense<128> : tensor<ui8>
  %x = bnn.dequantize %q, %s, %z {axis = 0 : i64} : (tensor<1x2x1x1xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x1x1xf32>
  %t = bnn.constant dense<[[[[0.0]], [[0.6]]]]> : tensor<1x2x1x1xf32>
  %d = bnn.elementwise "sub" %x, %t : (tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x1x1xf32>
  %p = bnn.pack %d {group = 1 : i64} : (tensor<1x2x1x1xf32>) -> tensor<1x1x1x1xi32>
  return %p : tensor<1x1x1x1xi32>
}
