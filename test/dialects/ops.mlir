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

// Valid forms the verifiers must accept (test/dialects/invalid.mlir has the
// rules): ceil_mode pooling, reversed and broadcast strided copies, reflect
// padding, keepdims reductions, grouped packing, a bits epilogue feeding a
// binary max pool, and the attention kernels.
// CHECK-LABEL: func.func @bnn_float_kernels
// CHECK: bnn.avgpool2d
// CHECK: bnn.strided_copy
// CHECK: bnn.strided_copy
// CHECK: bnn.pad
// CHECK: bnn.concat
// CHECK: bnn.gather
// CHECK: bnn.reduce max
// CHECK: bnn.arg_reduce min
// CHECK: bnn.softmax
// CHECK: bnn.layernorm
// CHECK: bnn.gelu
// CHECK: bnn.topk
// CHECK: bnn.cumsum
// CHECK: bnn.elementwise "where"
// CHECK: bnn.elementwise "pow"
func.func @bnn_float_kernels(%x: tensor<1x2x5x5xf32>, %v: tensor<2x3xf32>, %i: tensor<4xi64>, %c: tensor<2x3xi1>, %e: tensor<2x3xi64>) -> (tensor<1x2x3x3xf32>, tensor<3xf32>, tensor<3x2xf32>, tensor<4x7xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<2x1xf32>, tensor<2x1xi64>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x2xi64>, tensor<2x3xi64>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %p = bnn.avgpool2d %x {count_include_pad = false, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x5x5xf32> -> tensor<1x2x3x3xf32>
  %r = bnn.strided_copy %v {offset = 5 : i64, strides = array<i64: -2>} : tensor<2x3xf32> -> tensor<3xf32>
  %t = bnn.strided_copy %v {offset = 0 : i64, strides = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  %q = bnn.pad %v {mode = #bnn.pad_mode<reflect>, pads = array<i64: 1, 2, 1, 2>, value = 0.0 : f64} : (tensor<2x3xf32>) -> tensor<4x7xf32>
  %k = bnn.concat %v, %v {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %g = bnn.gather %k, %i {axis = 0 : i64} : (tensor<4x3xf32>, tensor<4xi64>) -> tensor<4x3xf32>
  %m = bnn.reduce max %v {axes = array<i64: 1>} : tensor<2x3xf32> -> tensor<2x1xf32>
  %a = bnn.arg_reduce min %v {axis = 1 : i64, select_last_index = true} : tensor<2x3xf32> -> tensor<2x1xi64>
  %s = bnn.softmax %v {axis = 1 : i64, log = false} : tensor<2x3xf32> -> tensor<2x3xf32>
  %l = bnn.layernorm %v, %r {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %u = bnn.gelu %v {approximate = #bnn.gelu_approximation<tanh>} : tensor<2x3xf32>
  %o = bnn.topk %v {axis = 1 : i64, largest = true, values = false} : tensor<2x3xf32> -> tensor<2x2xi64>
  %z = bnn.cumsum %e {axis = 1 : i64, exclusive = true, reverse = false} : tensor<2x3xi64> -> tensor<2x3xi64>
  %w = bnn.elementwise "where" %c, %v, %s : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = bnn.elementwise "pow" %v, %e : (tensor<2x3xf32>, tensor<2x3xi64>) -> tensor<2x3xf32>
  return %p, %r, %t, %q, %k, %g, %m, %a, %s, %l, %u, %o, %z, %w, %y : tensor<1x2x3x3xf32>, tensor<3xf32>, tensor<3x2xf32>, tensor<4x7xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<2x1xf32>, tensor<2x1xi64>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x2xi64>, tensor<2x3xi64>, tensor<2x3xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @bnn_binary_kernels
// CHECK: bnn.pack
// CHECK: bnn.bconv2d
// CHECK: bnn.bmaxpool2d
// CHECK: bnn.bconv2d
// CHECK: bnn.pack_layernorm
// CHECK: bnn.bin_attention_scores
// CHECK: bnn.bin_attention_context
func.func @bnn_binary_kernels(%x: tensor<1x40x5x5xf32>, %t: tensor<40xf32>, %h: tensor<6x4xf32>, %f: tensor<4xui8>, %q: tensor<6x1x1x1xi32>, %v: tensor<8x1x1x1xi32>) -> (tensor<1x3x3x2xi32>, tensor<1x4x1x1xf32>, tensor<6x1x1x1xi32>, tensor<2x3x4xf32>) {
  %bits = bnn.pack %x threshold %t {group = 4 : i64} : (tensor<1x40x5x5xf32>, tensor<40xf32>) -> tensor<1x5x5x4xi32>
  %w = bnn.constant dense<1.0> : tensor<64x10x3x3xf32>
  %th = bnn.constant dense<0> : tensor<64xi32>
  %c = bnn.bconv2d %bits, %w threshold %th {activation = #bnn.activation<none>, channels = 40 : i64, dilations = array<i64: 1, 1>, group = 4 : i64, kernel = array<i64: 3, 3>, out_group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x5x5x4xi32>, tensor<64x10x3x3xf32>, tensor<64xi32>) -> tensor<1x5x5x2xi32>
  %m = bnn.bmaxpool2d %c {channels = 64 : i64, dilations = array<i64: 1, 1>, group = 2 : i64, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x5x5x2xi32> -> tensor<1x3x3x2xi32>
  %pw = bnn.constant dense<-1> : tensor<4x5x5x1xi32>
  %d = bnn.bconv2d %bits, %pw {activation = #bnn.activation<none>, channels = 40 : i64, dilations = array<i64: 1, 1>, group = 4 : i64, kernel = array<i64: 5, 5>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x5x5x4xi32>, tensor<4x5x5x1xi32>) -> tensor<1x4x1x1xf32>
  %t4 = bnn.constant dense<0.5> : tensor<4xf32>
  %l = bnn.pack_layernorm %h, %t4, %f {epsilon = 1.0e-05 : f32} : (tensor<6x4xf32>, tensor<4xf32>, tensor<4xui8>) -> tensor<6x1x1x1xi32>
  %s = bnn.bin_attention_scores %q, %q {dim = 4 : i64} : (tensor<6x1x1x1xi32>, tensor<6x1x1x1xi32>) -> tensor<2x3x1xi32>
  %a = bnn.bin_attention_context %s, %v {keys = 3 : i64} : (tensor<2x3x1xi32>, tensor<8x1x1x1xi32>) -> tensor<2x3x4xf32>
  return %m, %d, %l, %a : tensor<1x3x3x2xi32>, tensor<1x4x1x1xf32>, tensor<6x1x1x1xi32>, tensor<2x3x4xf32>
}

// CHECK-LABEL: func.func @bnn_int8_kernels
// CHECK: bnn.quantize
// CHECK: bnn.dequantize
// CHECK: bnn.dynamic_quantize
// CHECK: bnn.qconv2d %{{.*}}, %{{.*}} input_zero_point %{{.*}} weight_zero_point %{{.*}} bias %{{.*}} {
// CHECK: bnn.requantize {{.*}} {axis = 1 : i64, relu}
// CHECK: bnn.qmatmul %{{.*}}, %{{.*}} b_zero_point %{{.*}} :
func.func @bnn_int8_kernels(%x: tensor<1x2x3x3xf32>, %s: tensor<f32>, %zx: tensor<ui8>, %w: tensor<4x2x1x1xi8>, %sw: tensor<4xf32>, %zw: tensor<4xi8>, %b: tensor<4xi32>, %zy: tensor<i8>, %a: tensor<3x4xi8>, %m: tensor<4x2xi8>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xui8>, tensor<1x4x3x3xi8>, tensor<3x2xi32>) {
  %q = bnn.quantize %x, %s, %zx {axis = 0 : i64} : (tensor<1x2x3x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x3x3xui8>
  %d = bnn.dequantize %q, %s, %zx {axis = 0 : i64} : (tensor<1x2x3x3xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x3x3xf32>
  %dq, %ds, %dz = bnn.dynamic_quantize %x : (tensor<1x2x3x3xf32>) -> (tensor<1x2x3x3xui8>, tensor<f32>, tensor<ui8>)
  %acc = bnn.qconv2d %q, %w input_zero_point %zx weight_zero_point %zw bias %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x3x3xui8>, tensor<4x2x1x1xi8>, tensor<ui8>, tensor<4xi8>, tensor<4xi32>) -> tensor<1x4x3x3xi32>
  %y = bnn.requantize %acc, %s, %sw, %s, %zy {axis = 1 : i64, relu} : (tensor<1x4x3x3xi32>, tensor<f32>, tensor<4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x4x3x3xi8>
  %mm = bnn.qmatmul %a, %m b_zero_point %zy : (tensor<3x4xi8>, tensor<4x2xi8>, tensor<i8>) -> tensor<3x2xi32>
  return %d, %dq, %y, %mm : tensor<1x2x3x3xf32>, tensor<1x2x3x3xui8>, tensor<1x4x3x3xi8>, tensor<3x2xi32>
}

// TFLite int8: QUANTIZE rounding ties away from zero, the Q31 requantization
// (onnx-level forms of the bnnc.tflite domain and their bnn ops).
// CHECK-LABEL: func.func @tflite_int8
// CHECK: onnx.TfliteQuantize %arg0, %{{.*}}, %{{.*}} :
// CHECK: onnx.TfliteRequantize %arg1, %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, max = 127 : i64, min = -3 : i64}
// CHECK: bnn.quantize %arg0, %{{.*}}, %{{.*}} {axis = 0 : i64, round_away}
// CHECK: bnn.requantize_q31 %arg1 {axis = 1 : i64, max = 127 : i64, min = -3 : i64, multiplier = array<i32: 1518500250, 1073741824>, shift = array<i32: -7, 2>, zero_point = -3 : i64} : (tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi8>
func.func @tflite_int8(%x: tensor<1x2x4x4xf32>, %acc: tensor<1x2x4x4xi32>) -> (tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>) {
  %s = onnx.Constant dense<0.5> : tensor<f32>
  %z = onnx.Constant dense<-3> : tensor<i8>
  %m = onnx.Constant dense<[1518500250, 1073741824]> : tensor<2xi32>
  %sh = onnx.Constant dense<[-7, 2]> : tensor<2xi32>
  %q0 = onnx.TfliteQuantize %x, %s, %z : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xi8>
  %r0 = onnx.TfliteRequantize %acc, %m, %sh, %z {axis = 1 : i64, min = -3 : i64, max = 127 : i64} : (tensor<1x2x4x4xi32>, tensor<2xi32>, tensor<2xi32>, tensor<i8>) -> tensor<1x2x4x4xi8>
  %bs = bnn.constant dense<0.5> : tensor<f32>
  %bz = bnn.constant dense<-3> : tensor<i8>
  %q1 = bnn.quantize %x, %bs, %bz {axis = 0 : i64, round_away} : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xi8>
  %r1 = bnn.requantize_q31 %acc {axis = 1 : i64, multiplier = array<i32: 1518500250, 1073741824>, shift = array<i32: -7, 2>, zero_point = -3 : i64, min = -3 : i64, max = 127 : i64} : (tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi8>
  return %q0, %r0, %q1, %r1 : tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>
}

// TFLite's int8 ADD.
// CHECK-LABEL: func.func @tflite_add
// CHECK: onnx.TfliteAdd %arg0, %arg1 {
// CHECK: bnn.add_q31 %arg0, %arg1 {input_multipliers = array<i32: 1431655765, 1073741824>, input_shifts = array<i32: -1, 0>, input_zero_points = array<i64: -5, 7>, max = 127 : i64, min = 3 : i64, multiplier = 1288490141 : i64, shift = -19 : i64, zero_point = 3 : i64} : (tensor<1x4xi8>, tensor<1x4xi8>) -> tensor<1x4xi8>
func.func @tflite_add(%a: tensor<1x4xi8>, %b: tensor<1x4xi8>) -> (tensor<1x4xi8>, tensor<1x4xi8>) {
  %0 = onnx.TfliteAdd %a, %b {a_zero_point = -5 : i64, b_zero_point = 7 : i64, a_multiplier = 1431655765 : i64, a_shift = -1 : i64, b_multiplier = 1073741824 : i64, b_shift = 0 : i64, multiplier = 1288490141 : i64, shift = -19 : i64, zero_point = 3 : i64, min = 3 : i64, max = 127 : i64} : (tensor<1x4xi8>, tensor<1x4xi8>) -> tensor<1x4xi8>
  %1 = bnn.add_q31 %a, %b {input_zero_points = array<i64: -5, 7>, input_multipliers = array<i32: 1431655765, 1073741824>, input_shifts = array<i32: -1, 0>, multiplier = 1288490141 : i64, shift = -19 : i64, zero_point = 3 : i64, min = 3 : i64, max = 127 : i64} : (tensor<1x4xi8>, tensor<1x4xi8>) -> tensor<1x4xi8>
  return %0, %1 : tensor<1x4xi8>, tensor<1x4xi8>
}
