// RUN: bnnc-opt %s --onnx-lower-to-bnn --split-input-file --verify-diagnostics | FileCheck %s

// Conv with SAME_UPPER padding: pads resolve to [top, left, bottom, right].
// CHECK-LABEL: func.func @conv_same_upper
// CHECK: bnn.conv2d %arg0, %{{.*}} {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>}
// CHECK-NOT: onnx.
func.func @conv_same_upper(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %w = onnx.Constant dense<1.0> : tensor<2x1x3x3xf32>
  %n = onnx.NoValue
  %y = onnx.Conv %x, %w, %n {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>, none) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// Gemm keeps its attributes; BatchNormalization becomes a per-channel affine
// kernel with scale = gamma / sqrt(var + eps), shift = beta - scale * mean.
// CHECK-LABEL: func.func @gemm_bn
// CHECK: %[[G:.*]] = bnn.gemm %arg0, %{{.*}} {activation = #bnn.activation<none>, alpha = 5.000000e-01 : f32, beta = 1.000000e+00 : f32, trans_a = true, trans_b = false}
// CHECK-DAG: %[[S:.*]] = bnn.constant dense<[2.000000e+00, 5.000000e-01]>
// CHECK-DAG: %[[T:.*]] = bnn.constant dense<[-2.000000e+00, 2.000000e+00]>
// CHECK: bnn.channel_affine %[[G]], %[[S]], %[[T]]
func.func @gemm_bn(%a: tensor<3x4xf32>, %b: tensor<3x2xf32>) -> tensor<4x2xf32> {
  %n = onnx.NoValue
  %g = onnx.Gemm %a, %b, %n {alpha = 0.5 : f32, transA = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xf32>, none) -> tensor<4x2xf32>
  %gamma = onnx.Constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = onnx.Constant dense<[0.0, 3.0]> : tensor<2xf32>
  %mean = onnx.Constant dense<[1.0, 2.0]> : tensor<2xf32>
  %var = onnx.Constant dense<[1.0, 4.0]> : tensor<2xf32>
  %y = onnx.BatchNormalization %g, %gamma, %beta, %mean, %var {epsilon = 0.0 : f32} : (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// numpy.matmul of a vector and a batched matrix: views promote and demote.
// CHECK-LABEL: func.func @matmul_vector
// CHECK: %[[A:.*]] = bnn.reshape %arg0 : tensor<3xf32> -> tensor<1x3xf32>
// CHECK: %[[M:.*]] = bnn.matmul %[[A]], %arg1 : (tensor<1x3xf32>, tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
// CHECK: bnn.reshape %[[M]] : tensor<2x1x4xf32> -> tensor<2x4xf32>
func.func @matmul_vector(%a: tensor<3xf32>, %b: tensor<2x3x4xf32>) -> tensor<2x4xf32> {
  %y = onnx.MatMul %a, %b : (tensor<3xf32>, tensor<2x3x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Elementwise ops, pooling with ceil_mode and reshapes.
// CHECK-LABEL: func.func @elementwise_pool
// CHECK: bnn.elementwise "add" %arg0, %arg1
// CHECK: bnn.elementwise "mul"
// CHECK: bnn.elementwise "relu"
// CHECK: bnn.elementwise "sign"
// CHECK: bnn.maxpool2d %{{.*}} {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x5x5xf32> -> tensor<1x2x3x3xf32>
// CHECK: bnn.reshape %{{.*}} : tensor<1x2x3x3xf32> -> tensor<1x18xf32>
func.func @elementwise_pool(%x: tensor<1x2x5x5xf32>, %b: tensor<2x1x1xf32>) -> tensor<1x18xf32> {
  %a = onnx.Add %x, %b : (tensor<1x2x5x5xf32>, tensor<2x1x1xf32>) -> tensor<1x2x5x5xf32>
  %m = onnx.Mul %a, %a : (tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %r = onnx.Relu %m : tensor<1x2x5x5xf32> -> tensor<1x2x5x5xf32>
  %s = onnx.Sign %r : tensor<1x2x5x5xf32> -> tensor<1x2x5x5xf32>
  %p = onnx.MaxPool %s {ceil_mode = 1 : i64, kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x2x5x5xf32> -> tensor<1x2x3x3xf32>
  %f = onnx.Flatten %p : tensor<1x2x3x3xf32> -> tensor<1x18xf32>
  return %f : tensor<1x18xf32>
}

// -----

// 1-D convolution runs on the 2-D kernel through views with a height of 1.
// CHECK-LABEL: func.func @conv1d
// CHECK: %[[X:.*]] = bnn.reshape %arg0 : tensor<1x1x8xf32> -> tensor<1x1x1x8xf32>
// CHECK: %[[Y:.*]] = bnn.conv2d %[[X]], %{{.*}} {{.*}}pads = array<i64: 0, 1, 0, 1>{{.*}} -> tensor<1x1x1x8xf32>
// CHECK: bnn.reshape %[[Y]] : tensor<1x1x1x8xf32> -> tensor<1x1x8xf32>
func.func @conv1d(%x: tensor<1x1x8xf32>) -> tensor<1x1x8xf32> {
  %w = onnx.Constant dense<1.0> : tensor<1x1x3xf32>
  %n = onnx.NoValue
  %y = onnx.Conv %x, %w, %n {pads = array<i64: 1, 1>} : (tensor<1x1x8xf32>, tensor<1x1x3xf32>, none) -> tensor<1x1x8xf32>
  return %y : tensor<1x1x8xf32>
}

// -----

func.func @double_mul(%x: tensor<3xf64>) -> tensor<3xf64> {
  // expected-error @+1 {{unnamed node (Mul): element type f64 is not supported}}
  %y = onnx.Mul %x, %x : (tensor<3xf64>, tensor<3xf64>) -> tensor<3xf64>
  return %y : tensor<3xf64>
}

// -----

// A Slice step longer than the dimension takes the start element only; the
// view's stride must not overflow (a fuzzer finding: a step of 2^61 + 1
// times the row stride 6). Axis 1 of 4x6 from index 1, step 2^61 + 1:
// offset 1, one column.
// CHECK-LABEL: func.func @slice_huge_step
// CHECK: bnn.strided_copy %arg0 {offset = 1 : i64, strides = array<i64: 6, 6>} : tensor<4x6xf32> -> tensor<4x1xf32>
func.func @slice_huge_step(%x: tensor<4x6xf32>) -> tensor<4x1xf32> {
  %starts = onnx.Constant dense<[1]> : tensor<1xi64>
  %ends = onnx.Constant dense<[6]> : tensor<1xi64>
  %axes = onnx.Constant dense<[1]> : tensor<1xi64>
  %steps = onnx.Constant dense<[2305843009213693953]> : tensor<1xi64>
  %y = onnx.Slice %x, %starts, %ends, %axes, %steps : (tensor<4x6xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4x1xf32>
  return %y : tensor<4x1xf32>
}

// -----

// Axes outside [-rank, rank) are errors naming the node, in every
// axis-taking lowering (a fuzzer finding in Reduce indexed past the shape).
func.func @gather_axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<1x3xf32> {
  %i = onnx.Constant dense<[0]> : tensor<1xi64>
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %y = onnx.Gather %x, %i {axis = 2 : i64} : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}

// -----

// Sum is a chain of broadcasting adds; Mean divides it by the input count.
// CHECK-LABEL: func.func @sum_mean
// CHECK: %[[S1:.*]] = bnn.elementwise "add" %arg0, %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: %[[S2:.*]] = bnn.elementwise "add" %[[S1]], %arg2 : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
// CHECK: %[[M1:.*]] = bnn.elementwise "add" %arg0, %arg1
// CHECK: %[[M2:.*]] = bnn.elementwise "add" %[[M1]], %arg2
// CHECK: %[[N:.*]] = bnn.constant dense<3.000000e+00> : tensor<f32>
// CHECK: bnn.elementwise "div" %[[M2]], %[[N]]
func.func @sum_mean(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x1xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %s = onnx.Sum %a, %b, %c : (tensor<2x3xf32>, tensor<3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  %m = onnx.Mean %a, %b, %c : (tensor<2x3xf32>, tensor<3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  return %s, %m : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// IsInf keeps detect_positive and detect_negative as alpha and beta; IsNaN
// and Xor map to their kinds.
// CHECK-LABEL: func.func @is_inf_nan_xor
// CHECK: bnn.elementwise "is_inf" %arg0 {alpha = 1.000000e+00 : f32, beta = 0.000000e+00 : f32} : (tensor<4xf32>) -> tensor<4xi1>
// CHECK: bnn.elementwise "is_nan" %arg0 : (tensor<4xf32>) -> tensor<4xi1>
// CHECK: bnn.elementwise "xor"
func.func @is_inf_nan_xor(%x: tensor<4xf32>) -> (tensor<4xi1>, tensor<4xi1>) {
  %i = onnx.IsInf %x {detect_negative = 0 : i64} : tensor<4xf32> -> tensor<4xi1>
  %n = onnx.IsNaN %x : tensor<4xf32> -> tensor<4xi1>
  %y = onnx.Xor %i, %n : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  return %i, %y : tensor<4xi1>, tensor<4xi1>
}

// -----

// DepthToSpace (CRD) and SpaceToDepth: a 6-D view, one strided copy, a view.
// CHECK-LABEL: func.func @depth_space
// CHECK: %[[V:.*]] = bnn.reshape %arg0 : tensor<1x8x2x3xf32> -> tensor<1x2x2x2x2x3xf32>
// CHECK: %[[T:.*]] = bnn.strided_copy %[[V]] {offset = 0 : i64, strides = array<i64: 48, 24, 3, 12, 1, 6>} : tensor<1x2x2x2x2x3xf32> -> tensor<1x2x2x2x3x2xf32>
// CHECK: bnn.reshape %[[T]] : tensor<1x2x2x2x3x2xf32> -> tensor<1x2x4x6xf32>
// CHECK: bnn.strided_copy %{{.*}} {offset = 0 : i64, strides = array<i64: 48, 6, 1, 24, 12, 2>} : tensor<1x2x2x2x3x2xf32> -> tensor<1x2x2x2x2x3xf32>
func.func @depth_space(%x: tensor<1x8x2x3xf32>, %y: tensor<1x2x4x6xf32>) -> (tensor<1x2x4x6xf32>, tensor<1x8x2x3xf32>) {
  %d = onnx.DepthToSpace %x {blocksize = 2 : i64, mode = "CRD"} : tensor<1x8x2x3xf32> -> tensor<1x2x4x6xf32>
  %s = onnx.SpaceToDepth %y {blocksize = 2 : i64} : tensor<1x2x4x6xf32> -> tensor<1x8x2x3xf32>
  return %d, %s : tensor<1x2x4x6xf32>, tensor<1x8x2x3xf32>
}

// -----

// LSTM (issue 16), layout 1 and bidirectional: X [B, T, I] and the initial
// states [B, D, H] are transposed to layout 0 for the one recurrent
// kernel; Y [B, T, D, H] and Y_h, Y_c [B, D, H] are strided copies out of
// its flat result (Y [T, D, B, H] = 3*2*2*4 = 48 floats, then Y_h and Y_c
// 16 each, then 5 * 4 of scratch: 100). Constant sequence lengths become an
// int32 constant; the default activations are (sigmoid, tanh, tanh) per
// direction.
// CHECK-LABEL: func @lstm_layout1
func.func @lstm_layout1(%x: tensor<2x3x5xf32>, %h: tensor<2x2x4xf32>, %c: tensor<2x2x4xf32>) -> (tensor<2x3x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>) {
  %w = onnx.Constant dense<0.5> : tensor<2x16x5xf32>
  %r = onnx.Constant dense<0.25> : tensor<2x16x4xf32>
  %lens = onnx.Constant dense<[3, 1]> : tensor<2xi32>
  %n = onnx.NoValue
  // CHECK-DAG: %[[X:.*]] = bnn.strided_copy %arg0 {offset = 0 : i64, strides = array<i64: 5, 15, 1>} : tensor<2x3x5xf32> -> tensor<3x2x5xf32>
  // CHECK-DAG: %[[H:.*]] = bnn.strided_copy %arg1 {offset = 0 : i64, strides = array<i64: 4, 8, 1>} : tensor<2x2x4xf32> -> tensor<2x2x4xf32>
  // CHECK-DAG: %[[L:.*]] = bnn.constant dense<[3, 1]> : tensor<2xi32>
  // CHECK: %[[K:.*]] = bnn.recurrent "lstm" %[[X]], %{{.*}}, %{{.*}} initial_h %[[H]] initial_c %{{.*}} seq_lens %[[L]] {activation_alpha = array<f32: 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00>, activation_beta = array<f32: 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00>, activations = array<i32: 2, 1, 1, 2, 1, 1>, input_forget = false, linear_before_reset = false, reverse = false}
  // CHECK-SAME: -> tensor<100xf32>
  // CHECK: bnn.strided_copy %[[K]] {offset = 0 : i64, strides = array<i64: 4, 16, 8, 1>} : tensor<100xf32> -> tensor<2x3x2x4xf32>
  // CHECK: bnn.strided_copy %[[K]] {offset = 48 : i64, strides = array<i64: 4, 8, 1>} : tensor<100xf32> -> tensor<2x2x4xf32>
  // CHECK: bnn.strided_copy %[[K]] {offset = 64 : i64, strides = array<i64: 4, 8, 1>} : tensor<100xf32> -> tensor<2x2x4xf32>
  %y, %yh, %yc = onnx.LSTM %x, %w, %r, %n, %lens, %h, %c, %n {direction = "bidirectional", hidden_size = 4 : i64, layout = 1 : i64} : (tensor<2x3x5xf32>, tensor<2x16x5xf32>, tensor<2x16x4xf32>, none, tensor<2xi32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>, none) -> (tensor<2x3x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>)
  return %y, %yh, %yc : tensor<2x3x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>
}

// -----

// GRU: activation_alpha/beta are consumed in order by the activations
// that take them (Affine: alpha and beta; Sigmoid: none); clip and
// linear_before_reset carry over; reverse is one direction run backwards.
// CHECK-LABEL: func @gru_attributes
func.func @gru_attributes(%x: tensor<4x1x2xf32>, %w: tensor<1x9x2xf32>, %r: tensor<1x9x3xf32>) -> tensor<1x1x3xf32> {
  %n = onnx.NoValue
  // CHECK: bnn.recurrent "gru" %arg0, %arg1, %arg2 {activation_alpha = array<f32: 0.000000e+00, 5.000000e-01>, activation_beta = array<f32: 0.000000e+00, 2.500000e-01>, activations = array<i32: 2, 3>, clip = 2.000000e+00 : f32, input_forget = false, linear_before_reset = true, reverse = true}
  %y, %yh = onnx.GRU %x, %w, %r, %n, %n, %n {activations = ["Sigmoid", "Affine"], activation_alpha = array<f32: 0.5>, activation_beta = array<f32: 0.25>, clip = 2.0 : f32, direction = "reverse", linear_before_reset = 1 : i64} : (tensor<4x1x2xf32>, tensor<1x9x2xf32>, tensor<1x9x3xf32>, none, none, none) -> (tensor<4x1x1x3xf32>, tensor<1x1x3xf32>)
  return %yh : tensor<1x1x3xf32>
}

// -----

func.func @rnn_runtime_lengths(%x: tensor<4x2x2xf32>, %w: tensor<1x3x2xf32>, %r: tensor<1x3x3xf32>, %lens: tensor<2xi32>) -> tensor<1x2x3xf32> {
  %n = onnx.NoValue
  // expected-error @+1 {{unnamed node (RNN): sequence_lens must be a compile-time constant}}
  %y, %yh = onnx.RNN %x, %w, %r, %n, %lens, %n : (tensor<4x2x2xf32>, tensor<1x3x2xf32>, tensor<1x3x3xf32>, none, tensor<2xi32>, none) -> (tensor<4x1x2x3xf32>, tensor<1x2x3xf32>)
  return %yh : tensor<1x2x3xf32>
}

// -----

func.func @rnn_unknown_activation(%x: tensor<4x2x2xf32>, %w: tensor<1x3x2xf32>, %r: tensor<1x3x3xf32>) -> tensor<1x2x3xf32> {
  %n = onnx.NoValue
  // expected-error @+1 {{unnamed node (RNN): activation 'Swish' is not supported}}
  %y, %yh = onnx.RNN %x, %w, %r, %n, %n, %n {activations = ["Swish"]} : (tensor<4x2x2xf32>, tensor<1x3x2xf32>, tensor<1x3x3xf32>, none, none, none) -> (tensor<4x1x2x3xf32>, tensor<1x2x3xf32>)
  return %yh : tensor<1x2x3xf32>
}

// -----

func.func @lstm_lengths_range(%x: tensor<4x2x2xf32>, %w: tensor<1x12x2xf32>, %r: tensor<1x12x3xf32>) -> tensor<1x2x3xf32> {
  %n = onnx.NoValue
  %lens = onnx.Constant dense<[4, 5]> : tensor<2xi32>
  // expected-error @+1 {{unnamed node (LSTM): sequence_lens value 5 is outside [0, 4]}}
  %y, %yh, %yc = onnx.LSTM %x, %w, %r, %n, %lens, %n, %n, %n : (tensor<4x2x2xf32>, tensor<1x12x2xf32>, tensor<1x12x3xf32>, none, tensor<2xi32>, none, none, none) -> (tensor<4x1x2x3xf32>, tensor<1x2x3xf32>, tensor<1x2x3xf32>)
  return %yh : tensor<1x2x3xf32>
}

// -----

// Resize by constant scales: one tap per axis for nearest (scale-1 axes and
// the 2x axis alike), input index floor-or-round of (x + 0.5) / 2 - 0.5.
// CHECK-LABEL: func.func @resize_nearest
// CHECK: bnn.resize %arg0 {extrapolation_value = 0.000000e+00 : f32, indices = array<i32: 0, 0, 0, 0, 0, 1, 1>, taps = array<i64: 1, 1, 1, 1>, weights = array<f32: 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00>}
func.func @resize_nearest(%x: tensor<1x1x1x2xf32>) -> tensor<1x1x1x4xf32> {
  %n = onnx.NoValue
  %s = onnx.Constant dense<[1.0, 1.0, 1.0, 2.0]> : tensor<4xf32>
  %y = onnx.Resize %x, %n, %s, %n {mode = "nearest"} : (tensor<1x1x1x2xf32>, none, tensor<4xf32>, none) -> tensor<1x1x1x4xf32>
  return %y : tensor<1x1x1x4xf32>
}

// -----

// Linear with align_corners, 2 -> 3: x_ori = 0, 0.5, 1 (an integer x_ori
// takes the tap left of it with weight 0, as the ONNX reference does); the
// identity axis collapses to one tap.
// CHECK-LABEL: func.func @resize_linear
// CHECK: bnn.resize %arg0 {extrapolation_value = 0.000000e+00 : f32, indices = array<i32: 0, 0, 0, 0, 1, 0, 1>, taps = array<i64: 1, 2>, weights = array<f32: 1.000000e+00, 0.000000e+00, 1.000000e+00, 5.000000e-01, 5.000000e-01, 0.000000e+00, 1.000000e+00>}
func.func @resize_linear(%x: tensor<1x2xf32>) -> tensor<1x3xf32> {
  %n = onnx.NoValue
  %s = onnx.Constant dense<[1, 3]> : tensor<2xi64>
  %y = onnx.Resize %x, %n, %n, %s {mode = "linear", coordinate_transformation_mode = "align_corners"} : (tensor<1x2xf32>, none, none, tensor<2xi64>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}

// -----

func.func @resize_runtime_scales(%x: tensor<1x2xf32>, %s: tensor<2xf32>) -> tensor<1x4xf32> {
  %n = onnx.NoValue
  // expected-error @+1 {{unnamed node (Resize): scales must be a compile-time constant}}
  %y = onnx.Resize %x, %n, %s, %n : (tensor<1x2xf32>, none, tensor<2xf32>, none) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// ConvTranspose 2-D: viewed as 3-D with a leading spatial 1; explicit pads
// keep their leading values.
// CHECK-LABEL: func.func @conv_transpose
// CHECK: bnn.conv_transpose %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1, 1>, group = 1 : i64, pads = array<i64: 0, 1, 2>, strides = array<i64: 1, 3, 2>} : (tensor<1x1x1x3x3xf32>, tensor<1x2x1x3x3xf32>) -> tensor<1x2x1x7x3xf32>
func.func @conv_transpose(%x: tensor<1x1x3x3xf32>, %w: tensor<1x2x3x3xf32>) -> tensor<1x2x7x3xf32> {
  %n = onnx.NoValue
  %y = onnx.ConvTranspose %x, %w, %n {pads = array<i64: 1, 2, 1, 2>, strides = array<i64: 3, 2>} : (tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>, none) -> tensor<1x2x7x3xf32>
  return %y : tensor<1x2x7x3xf32>
}

// -----

// InstanceNormalization: layernorm of the [N * C, H * W] rows, then the
// per-channel scale and bias.
// CHECK-LABEL: func.func @instance_norm
// CHECK: %[[R:.*]] = bnn.reshape %arg0 : tensor<2x3x4x5xf32> -> tensor<6x20xf32>
// CHECK: %[[L:.*]] = bnn.layernorm %[[R]], %{{.*}} {axis = 1 : i64, epsilon = 0.00999999977 : f32}
// CHECK: %[[B:.*]] = bnn.reshape %[[L]] : tensor<6x20xf32> -> tensor<2x3x4x5xf32>
// CHECK: bnn.channel_affine %[[B]], %arg1, %arg2
func.func @instance_norm(%x: tensor<2x3x4x5xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<2x3x4x5xf32> {
  %y = onnx.InstanceNormalization %x, %s, %b {epsilon = 0.01 : f32} : (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x5xf32>
  return %y : tensor<2x3x4x5xf32>
}

// -----

// Einsum "bhid,bhjd->bhij": B is transposed to [b*h, d, j], one batched
// matmul.
// CHECK-LABEL: func.func @einsum_attention
// CHECK: %[[A:.*]] = bnn.reshape %arg0 : tensor<2x3x4x8xf32> -> tensor<6x4x8xf32>
// CHECK: %[[T:.*]] = bnn.strided_copy %arg1 {{.*}} : tensor<2x3x5x8xf32> -> tensor<2x3x8x5xf32>
// CHECK: %[[B:.*]] = bnn.reshape %[[T]] : tensor<2x3x8x5xf32> -> tensor<6x8x5xf32>
// CHECK: %[[M:.*]] = bnn.matmul %[[A]], %[[B]] : (tensor<6x4x8xf32>, tensor<6x8x5xf32>) -> tensor<6x4x5xf32>
// CHECK: bnn.reshape %[[M]] : tensor<6x4x5xf32> -> tensor<2x3x4x5xf32>
func.func @einsum_attention(%q: tensor<2x3x4x8xf32>, %k: tensor<2x3x5x8xf32>) -> tensor<2x3x4x5xf32> {
  %y = onnx.Einsum %q, %k {equation = "bhid,bhjd->bhij"} : (tensor<2x3x4x8xf32>, tensor<2x3x5x8xf32>) -> tensor<2x3x4x5xf32>
  return %y : tensor<2x3x4x5xf32>
}

// -----

// Einsum "ij->ji" is one transpose.
// CHECK-LABEL: func.func @einsum_transpose
// CHECK: bnn.strided_copy %arg0 {offset = 0 : i64, strides = array<i64: 1, 3>} : tensor<2x3xf32> -> tensor<3x2xf32>
func.func @einsum_transpose(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %y = onnx.Einsum %x {equation = "ij->ji"} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

func.func @einsum_diagonal(%x: tensor<3x3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{unnamed node (Einsum): equation 'ii->i' is not supported: repeated label 'i' (a diagonal)}}
  %y = onnx.Einsum %x {equation = "ii->i"} : (tensor<3x3xf32>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

func.func @onehot_runtime_depth(%i: tensor<3xi64>, %d: tensor<i64>, %v: tensor<2xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{unnamed node (OneHot): depth must be a compile-time constant}}
  %y = onnx.OneHot %i, %d, %v : (tensor<3xi64>, tensor<i64>, tensor<2xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// LayerNormalization with its Mean and InvStdDev outputs: the normalized
// output stays one kernel; the statistics are reductions over the
// normalized axes.
// CHECK-LABEL: func.func @layernorm_stats
// CHECK: bnn.layernorm %arg0
// CHECK: %[[M:.*]] = bnn.reduce mean %arg0 {axes = array<i64: 1>} : tensor<3x4xf32> -> tensor<3x1xf32>
// CHECK: %[[D:.*]] = bnn.elementwise "sub" %arg0, %[[M]]
// CHECK: %[[S:.*]] = bnn.elementwise "mul" %[[D]], %[[D]]
// CHECK: %[[V:.*]] = bnn.reduce mean %[[S]]
// CHECK: %[[A:.*]] = bnn.elementwise "add" %[[V]]
// CHECK: %[[R:.*]] = bnn.elementwise "sqrt" %[[A]]
// CHECK: %[[I:.*]] = bnn.elementwise "reciprocal" %[[R]]
// CHECK: return %{{.*}}, %[[M]], %[[I]]
func.func @layernorm_stats(%x: tensor<3x4xf32>, %g: tensor<4xf32>) -> (tensor<3x4xf32>, tensor<3x1xf32>, tensor<3x1xf32>) {
  %n = onnx.NoValue
  %y:3 = onnx.LayerNormalization %x, %g, %n {axis = 1 : i64} : (tensor<3x4xf32>, tensor<4xf32>, none) -> (tensor<3x4xf32>, tensor<3x1xf32>, tensor<3x1xf32>)
  return %y#0, %y#1, %y#2 : tensor<3x4xf32>, tensor<3x1xf32>, tensor<3x1xf32>
}

// -----

// Upsample at opset 7 (scales an attribute): asymmetric coordinates, linear
// mode (x_ori = x / 2: 0, 0.5, 1, 1.5, the last clamped to the edge).
// CHECK-LABEL: func.func @upsample_attr
// CHECK: bnn.resize %arg0 {extrapolation_value = 0.000000e+00 : f32, indices = array<i32: 0, 0, 0, 0, 1, 0, 1, 1, 1>, taps = array<i64: 1, 2>, weights = array<f32: 1.000000e+00, 0.000000e+00, 1.000000e+00, 5.000000e-01, 5.000000e-01, 0.000000e+00, 1.000000e+00, 5.000000e-01, 5.000000e-01>}
func.func @upsample_attr(%x: tensor<1x2xf32>) -> tensor<1x4xf32> {
  %n = onnx.NoValue
  %y = onnx.Upsample %x, %n {mode = "linear", scales = array<f32: 1.0, 2.0>} : (tensor<1x2xf32>, none) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

func.func @upsample_bad_mode(%x: tensor<1x2xf32>) -> tensor<1x4xf32> {
  %n = onnx.NoValue
  // expected-error @+1 {{unnamed node (Upsample): mode 'cubic' is not supported (nearest or linear)}}
  %y = onnx.Upsample %x, %n {mode = "cubic", scales = array<f32: 1.0, 2.0>} : (tensor<1x2xf32>, none) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

func.func @resize_too_large(%x: tensor<1x2xf32>) -> tensor<1x20000000xf32> {
  %n = onnx.NoValue
  %s = onnx.Constant dense<[1, 20000000]> : tensor<2xi64>
  // expected-error @+1 {{unnamed node (Resize): the result is too large to resample (more than 4194304 output coordinates over all axes)}}
  %y = onnx.Resize %x, %n, %n, %s : (tensor<1x2xf32>, none, none, tensor<2xi64>) -> tensor<1x20000000xf32>
  return %y : tensor<1x20000000xf32>
}

// -----

// TFLite int8 (bnnc.tflite domain): QUANTIZE rounds ties away from zero,
// the requantization becomes bnn.requantize_q31 with constant attributes.
// CHECK-LABEL: func.func @tflite_int8
// CHECK: bnn.quantize %arg0, %{{.*}}, %{{.*}} {axis = 0 : i64, round_away}
// CHECK: bnn.requantize_q31 %arg1 {axis = 1 : i64, max = 100 : i64, min = -128 : i64, multiplier = array<i32: 1518500250, 1073741824>, shift = array<i32: -7, 2>, zero_point = -3 : i64}
func.func @tflite_int8(%x: tensor<1x2x4x4xf32>, %acc: tensor<1x2x4x4xi32>) -> (tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>) {
  %s = onnx.Constant dense<0.5> : tensor<f32>
  %z = onnx.Constant dense<-3> : tensor<i8>
  %m = onnx.Constant dense<[1518500250, 1073741824]> : tensor<2xi32>
  %sh = onnx.Constant dense<[-7, 2]> : tensor<2xi32>
  %q = onnx.TfliteQuantize %x, %s, %z : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xi8>
  %r = onnx.TfliteRequantize %acc, %m, %sh, %z {axis = 1 : i64, min = -128 : i64, max = 100 : i64} : (tensor<1x2x4x4xi32>, tensor<2xi32>, tensor<2xi32>, tensor<i8>) -> tensor<1x2x4x4xi8>
  return %q, %r : tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>
}

// -----

// A shift out of TFLite's range is refused by the op's verifier.
func.func @tflite_requantize_bad_shift(%acc: tensor<1x2xi32>) -> tensor<1x2xi8> {
  %m = onnx.Constant dense<1073741824> : tensor<1xi32>
  %sh = onnx.Constant dense<40> : tensor<1xi32>
  %z = onnx.Constant dense<0> : tensor<i8>
  // expected-error @+1 {{'bnn.requantize_q31' op shift 40 is out of range [-31, 30]}}
  %r = onnx.TfliteRequantize %acc, %m, %sh, %z {axis = 1 : i64, min = -128 : i64, max = 127 : i64} : (tensor<1x2xi32>, tensor<1xi32>, tensor<1xi32>, tensor<i8>) -> tensor<1x2xi8>
  return %r : tensor<1x2xi8>
}

// -----

// TFLite's int8 ADD becomes bnn.add_q31.
// CHECK-LABEL: func.func @tflite_add
// CHECK: bnn.add_q31 %arg0, %arg1 {input_multipliers = array<i32: 1431655765, 1073741824>, input_shifts = array<i32: -1, 0>, input_zero_points = array<i64: -5, 7>, max = 127 : i64, min = 3 : i64, multiplier = 1288490141 : i64, shift = -19 : i64, zero_point = 3 : i64}
func.func @tflite_add(%a: tensor<1x4xi8>, %b: tensor<1x4xi8>) -> tensor<1x4xi8> {
  %0 = onnx.TfliteAdd %a, %b {a_zero_point = -5 : i64, b_zero_point = 7 : i64, a_multiplier = 1431655765 : i64, a_shift = -1 : i64, b_multiplier = 1073741824 : i64, b_shift = 0 : i64, multiplier = 1288490141 : i64, shift = -19 : i64, zero_point = 3 : i64, min = 3 : i64, max = 127 : i64} : (tensor<1x4xi8>, tensor<1x4xi8>) -> tensor<1x4xi8>
  return %0 : tensor<1x4xi8>
}

// -----

// MaxPool on int8 and uint8 tensors (opset 12) is the integer pool, padding
// included (an all-padding window is the type's minimum); AveragePool stays
// float only.
// CHECK-LABEL: func.func @maxpool_int8
// CHECK: bnn.maxpool2d %arg0 {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x2x5x5xui8> -> tensor<1x2x3x3xui8>
// CHECK: bnn.maxpool2d %{{.*}} {{.*}}kernel = array<i64: 1, 2>{{.*}} : tensor<1x3x1x4xi8> -> tensor<1x3x1x3xi8>
func.func @maxpool_int8(%x: tensor<1x2x5x5xui8>, %z: tensor<1x3x4xi8>) -> (tensor<1x2x3x3xui8>, tensor<1x3x3xi8>) {
  %p = onnx.MaxPool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x2x5x5xui8> -> tensor<1x2x3x3xui8>
  %q = onnx.MaxPool %z {kernel_shape = array<i64: 2>} : tensor<1x3x4xi8> -> tensor<1x3x3xi8>
  return %p, %q : tensor<1x2x3x3xui8>, tensor<1x3x3xi8>
}

// -----

func.func @avgpool_int8(%x: tensor<1x2x4x4xui8>) -> tensor<1x2x2x2xui8> {
  // expected-error @+1 {{element type ui8 is not supported (float kernels need float32)}}
  %p = onnx.AveragePool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x2x4x4xui8> -> tensor<1x2x2x2xui8>
  return %p : tensor<1x2x2x2xui8>
}
