// RUN: bnnc-opt %s --verify-diagnostics --bnn-quantize-int8="ranges=-1:3,0:2,0:2,-4:4" | FileCheck %s
// RUN: bnnc-opt %s --verify-diagnostics --bnn-quantize-int8="ranges=-1:3,0:2,0:2,-4:4" | FileCheck %s --check-prefix=CONST
// RUN: bnnc-opt %s --verify-diagnostics --bnn-quantize-int8="ranges=-1:3,0:2,0:2,-4:4" --bnn-fuse-qdq | FileCheck %s --check-prefix=FUSED
// RUN: bnnc-opt %s --verify-diagnostics --bnn-quantize-int8="ranges=-1:3,0:2,0:2,-4:4 layers=last" | FileCheck %s --check-prefix=LAST
// RUN: bnnc-opt %s --bnn-calibration-probe | FileCheck %s --check-prefix=PROBE

// A conv + ReLU feeding a Gemm (through a Flatten). Measured tensors, in
// order: the conv input [-1, 3], the ReLU output [0, 2], the Gemm's input
// (the Flatten of the ReLU output, the same values) [0, 2], the Gemm
// output [-4, 4].
//
// Input: scale (3 - -1) / 255 = 0.0156862754, zero point
// round(-128 - -1 / scale) = round(-64.25) = -64.
// Weights per output channel: max |w| / 127 (0.5 / 127 = 0.00393700786 and
// 2 / 127 = 0.0157480314), values round(w / scale): 0.5 -> 127, -0.25 ->
// -63.5 -> -64 (ties to even), 2 -> 127, 1 -> 63.5 -> 64.
// Bias on input scale x weight scale: 0.1 / (0.0156862754 * 0.00393700786)
// = 1619.4 -> 1619, -0.1 / (0.0156862754 * 0.0157480314) = -404.8 -> -405.
// The ReLU output [0, 2]: scale 2 / 255, zero point -128.
// CHECK-LABEL: func.func @conv_relu_gemm
// CHECK-SAME: bnn.int8_ptq = [{input_max = 3.000000e+00 : f32, input_min = -1.000000e+00 : f32, input_scale = 0.0156862754 : f32, input_zero_point = -64 : i64, node = "node 'conv' (bnn.conv2d)", output_max = 2.000000e+00 : f32, output_min = 0.000000e+00 : f32, output_scale = 0.00784313772 : f32, output_zero_point = -128 : i64, quantized = true, reason = ""
// CONST-LABEL: func.func @conv_relu_gemm
// CONST-DAG: bnn.constant dense<0.0156862754> : tensor<f32>
// CONST-DAG: bnn.constant dense<-64> : tensor<i8>
// CONST-DAG: bnn.constant dense<[{{\[\[}}[127, -64]]], {{\[\[}}[127, 64]]]]> : tensor<2x1x1x2xi8>
// CONST-DAG: bnn.constant dense<[0.00393700786, 0.0157480314]> : tensor<2xf32>
// CONST-DAG: bnn.constant dense<[1619, -405]> : tensor<2xi32>
// CONST-DAG: bnn.constant dense<0.00784313772> : tensor<f32>
// CONST-DAG: bnn.constant dense<-128> : tensor<i8>
// CHECK: %[[XQ:.*]] = bnn.quantize %arg0
// CHECK: %[[X:.*]] = bnn.dequantize %[[XQ]]
// CHECK: %[[Y:.*]] = bnn.conv2d %[[X]]
// CHECK: %[[R:.*]] = bnn.elementwise "relu" %[[Y]]
// CHECK: %[[RQ:.*]] = bnn.quantize %[[R]]
// CHECK: %[[RF:.*]] = bnn.dequantize %[[RQ]]
// CHECK: %[[V:.*]] = bnn.reshape %[[RF]]
// CHECK: bnn.quantize %[[V]]
// CHECK: bnn.gemm
// CHECK: bnn.quantize
// CHECK: %[[OUT:.*]] = bnn.dequantize
// CHECK: return %[[OUT]]

// bnn-fuse-qdq makes both layers integer: the dequantize/quantize pair
// between them (the same tensor, the same parameters) folds away.
// FUSED-LABEL: func.func @conv_relu_gemm
// FUSED: %[[XQ:.*]] = bnn.quantize %arg0
// FUSED: %[[A:.*]] = bnn.qconv2d %[[XQ]]
// FUSED: %[[Q:.*]] = bnn.requantize %[[A]], {{.*}} {axis = 1 : i64, relu}
// FUSED: bnn.reshape %[[Q]] : tensor<1x2x2x2xi8> -> tensor<1x8xi8>
// FUSED: bnn.qconv2d {{.*}} : (tensor<1x8x1x1xi8>, tensor<4x8x1x1xi8>
// FUSED: bnn.requantize
// FUSED: bnn.dequantize
// FUSED-NOT: bnn.conv2d
// FUSED-NOT: bnn.gemm

// layers=last: only the Gemm; the conv is recorded as not selected.
// LAST-LABEL: func.func @conv_relu_gemm
// LAST-SAME: node = "node 'conv' (bnn.conv2d)", quantized = false, reason = "not selected (--quantize=int8:last)"
// LAST-SAME: quantized = true
// LAST: bnn.conv2d %arg0

// The probe returns the four measured tensors after the graph output.
// PROBE-LABEL: func.func @conv_relu_gemm
// PROBE-SAME: -> (tensor<1x4xf32> {onnx.name = "y"},
// PROBE-SAME: tensor<1x1x2x2xf32> {bnn.calibrates = "the input of node 'conv' (bnn.conv2d)", onnx.name = "bnnc_calibration_0"},
// PROBE-SAME: tensor<1x2x2x2xf32> {bnn.calibrates = "the output of node 'conv' (bnn.conv2d)", onnx.name = "bnnc_calibration_1"},
// PROBE-SAME: tensor<1x8xf32> {bnn.calibrates = "the input of node 'fc' (bnn.gemm)", onnx.name = "bnnc_calibration_2"},
// PROBE-SAME: tensor<1x4xf32> {bnn.calibrates = "the output of node 'fc' (bnn.gemm)", onnx.name = "bnnc_calibration_3"})
// PROBE: %[[R:.*]] = bnn.elementwise "relu"
// PROBE: %[[V:.*]] = bnn.reshape %[[R]]
// PROBE: %[[G:.*]] = bnn.gemm
// PROBE: return %[[G]], %arg0, %[[R]], %[[V]], %[[G]]
func.func @conv_relu_gemm(%x: tensor<1x1x2x2xf32>) -> (tensor<1x4xf32> {onnx.name = "y"}) {
  %w = bnn.constant dense<[[[[0.5, -0.25]]], [[[2.0, 1.0]]]]> : tensor<2x1x1x2xf32>
  %b = bnn.constant dense<[0.1, -0.1]> : tensor<2xf32>
  %y = bnn.conv2d %x, %w, %b {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 1>, strides = array<i64: 1, 1>} : (tensor<1x1x2x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32> loc("conv")
  %r = bnn.elementwise "relu" %y : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %v = bnn.reshape %r : tensor<1x2x2x2xf32> -> tensor<1x8xf32>
  %wg = bnn.constant dense<0.5> : tensor<4x8xf32>
  %g = bnn.gemm %v, %wg {activation = #bnn.activation<none>, alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = true} : (tensor<1x8xf32>, tensor<4x8xf32>) -> tensor<1x4xf32> loc("fc")
  return %g : tensor<1x4xf32>
}

