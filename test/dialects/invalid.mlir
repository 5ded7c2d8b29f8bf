// RUN: bnnc-opt %s -split-input-file -verify-diagnostics

func.func @conv_channels(%x: tensor<1x3x4x4xf32>, %w: tensor<2x2x3x3xf32>) -> tensor<1x2x2x2xf32> {
  %n = onnx.NoValue
  // expected-error @+1 {{'onnx.Conv' op channels do not match: X has 3, W expects 2 per group with group = 1}}
  %y = onnx.Conv %x, %w, %n : (tensor<1x3x4x4xf32>, tensor<2x2x3x3xf32>, none) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @conv_geometry(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x4x4xf32> {
  %n = onnx.NoValue
  // expected-error @+1 {{'onnx.Conv' op result type 'tensor<1x1x4x4xf32>' does not match the geometry}}
  %y = onnx.Conv %x, %w, %n : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>, none) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<2xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{are not broadcast-compatible}}
  %y = onnx.Add %a, %b : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @gemm_inner(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  %n = onnx.NoValue
  // expected-error @+1 {{inner dimensions differ: 3 vs 4}}
  %y = onnx.Gemm %a, %b, %n : (tensor<2x3xf32>, tensor<4x5xf32>, none) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

func.func @bn_training(%x: tensor<1x2xf32>, %p: tensor<2xf32>) -> tensor<1x2xf32> {
  // expected-error @+1 {{training_mode = 1 is not supported for inference}}
  %y = onnx.BatchNormalization %x, %p, %p, %p, %p {training_mode = 1 : i64} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

func.func @constant_type() -> tensor<3xf32> {
  // expected-error @+1 {{failed to verify that all of {value, output} have same type}}
  %c = "onnx.Constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<3xf32>
  return %c : tensor<3xf32>
}

// -----

func.func @bnn_reshape(%x: tensor<6xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'bnn.reshape' op cannot view 'tensor<6xf32>' as 'tensor<4xf32>'}}
  %y = bnn.reshape %x : tensor<6xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @bnn_affine(%x: tensor<1x3xf32>, %s: tensor<2xf32>) -> tensor<1x3xf32> {
  // expected-error @+1 {{scale and shift need one value per channel}}
  %y = bnn.channel_affine %x, %s, %s : (tensor<1x3xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}

// -----

func.func @transpose_short_perm(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'onnx.Transpose' op perm has 1 entries for an input of rank 2}}
  %y = onnx.Transpose %x {perm = array<i64: 0>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @transpose_repeated_axis(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'onnx.Transpose' op perm is not a permutation of [0, 2): entry 0}}
  %y = onnx.Transpose %x {perm = array<i64: 0, 0>} : tensor<2x3xf32> -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

func.func @transpose_result(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'onnx.Transpose' op result type 'tensor<2x3xf32>' is not the input 'tensor<2x3xf32>' permuted}}
  %y = onnx.Transpose %x : tensor<2x3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @concat_scalar(%x: tensor<f32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'onnx.Concat' op input 'tensor<f32>' does not match the result 'tensor<4x2xf32>' in rank or element type}}
  %y = onnx.Concat %x {axis = -2 : i64} : (tensor<f32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @concat_extent(%a: tensor<2x2xf32>, %b: tensor<1x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'onnx.Concat' op inputs add up to 3 along axis 0, the result has 4}}
  %y = onnx.Concat %a, %b {axis = 0 : i64} : (tensor<2x2xf32>, tensor<1x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// The bnn ops: one case per verifier rule (dialects/bnn/BnnVerifiers.cpp);
// test/dialects/ops.mlir has the valid forms.

func.func @bnn_conv2d_zero_strides(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'bnn.conv2d' op strides must be in [1, 2^31), got [0, 0]}}
  %y = bnn.conv2d %x, %w {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 0, 0>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @bnn_conv2d_zero_dilation(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'bnn.conv2d' op dilations must be in [1, 2^31), got [0, 1]}}
  %y = bnn.conv2d %x, %w {activation = #bnn.activation<none>, dilations = array<i64: 0, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @bnn_conv2d_negative_pad(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'bnn.conv2d' op pads must be in [0, 2^31), got [0, -1, 0, 0]}}
  %y = bnn.conv2d %x, %w {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, -1, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @bnn_conv2d_pad_count(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'bnn.conv2d' op expects 2 kernel sizes, 2 strides, 2 dilations and 4 pads}}
  %y = bnn.conv2d %x, %w {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @bnn_conv2d_empty_kernel(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x0x3xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'bnn.conv2d' op kernel sizes must be in [1, 2^31), got [0, 3]}}
  %y = bnn.conv2d %x, %w {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x0x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @bnn_conv2d_group_zero(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'bnn.conv2d' op channel counts do not match group 0}}
  %y = bnn.conv2d %x, %w {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 0 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @bnn_conv2d_group_channels(%x: tensor<1x4x4x4xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x3x2x2xf32> {
  // expected-error @+1 {{'bnn.conv2d' op channel counts do not match group 2}}
  %y = bnn.conv2d %x, %w {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x2x2xf32>
  return %y : tensor<1x3x2x2xf32>
}

// -----

func.func @bnn_conv2d_output_size(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32> {
  // expected-error @+1 {{'bnn.conv2d' op output spatial size [3, 3] does not match the window: expected [2, 2]}}
  %y = bnn.conv2d %x, %w {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}

// -----

func.func @bnn_conv2d_window_too_large(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x1x1xf32> {
  // expected-error @+1 {{'bnn.conv2d' op window of extent 5 does not fit input dimension 4 with its padding}}
  %y = bnn.conv2d %x, %w {activation = #bnn.activation<none>, dilations = array<i64: 2, 2>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x1x1xf32>
  return %y : tensor<1x1x1x1xf32>
}

// -----

func.func @bnn_conv2d_batch(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<2x1x2x2xf32> {
  // expected-error @+1 {{'bnn.conv2d' op input and output batch sizes differ}}
  %y = bnn.conv2d %x, %w {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<2x1x2x2xf32>
  return %y : tensor<2x1x2x2xf32>
}

// -----

func.func @bnn_conv2d_bias(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>, %b: tensor<2xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'bnn.conv2d' op bias must have one value per output channel}}
  %y = bnn.conv2d %x, %w, %b {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>, tensor<2xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @bnn_conv2d_activation(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'bnn.conv2d' op float kernels support activation none or relu}}
  %y = bnn.conv2d %x, %w {activation = #bnn.activation<prelu>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @bnn_conv2d_rank(%x: tensor<1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'bnn.conv2d' op expects 4-D input, weight and output}}
  %y = bnn.conv2d %x, %w {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @bnn_conv2d_dynamic(%x: tensor<?x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'bnn.conv2d' op needs static shapes, got 'tensor<?x1x4x4xf32>'}}
  %y = bnn.conv2d %x, %w {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<?x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @bnn_gemm_inner(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'bnn.gemm' op operand shapes do not form a 2x5 product}}
  %y = bnn.gemm %a, %b {activation = #bnn.activation<none>, alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = false} : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

func.func @bnn_gemm_result(%a: tensor<2x3xf32>, %b: tensor<5x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'bnn.gemm' op operand shapes do not form a 2x5 product}}
  %y = bnn.gemm %a, %b {activation = #bnn.activation<none>, alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = true} : (tensor<2x3xf32>, tensor<5x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @bnn_gemm_c(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>, %c: tensor<3xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'bnn.gemm' op c does not broadcast to the result}}
  %y = bnn.gemm %a, %b, %c {activation = #bnn.activation<none>, alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = false} : (tensor<2x3xf32>, tensor<3x5xf32>, tensor<3xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

func.func @bnn_gemm_rank(%a: tensor<2x3x1xf32>, %b: tensor<3x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'bnn.gemm' op expects 2-D operands}}
  %y = bnn.gemm %a, %b {activation = #bnn.activation<none>, alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = false} : (tensor<2x3x1xf32>, tensor<3x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

func.func @bnn_matmul_inner(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'bnn.matmul' op operands are not matmul-compatible}}
  %y = bnn.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

func.func @bnn_matmul_batch(%a: tensor<2x2x3xf32>, %b: tensor<3x3x5xf32>) -> tensor<3x2x5xf32> {
  // expected-error @+1 {{'bnn.matmul' op operands are not matmul-compatible}}
  %y = bnn.matmul %a, %b : (tensor<2x2x3xf32>, tensor<3x3x5xf32>) -> tensor<3x2x5xf32>
  return %y : tensor<3x2x5xf32>
}

// -----

func.func @bnn_matmul_result(%a: tensor<4x2x3xf32>, %b: tensor<3x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'bnn.matmul' op result shape does not match the operands}}
  %y = bnn.matmul %a, %b : (tensor<4x2x3xf32>, tensor<3x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

func.func @bnn_matmul_rank(%a: tensor<3xf32>, %b: tensor<3x5xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{'bnn.matmul' op expects operands of rank >= 2}}
  %y = bnn.matmul %a, %b : (tensor<3xf32>, tensor<3x5xf32>) -> tensor<5xf32>
  return %y : tensor<5xf32>
}

// -----

// With trans_b, b is [N, K]: a [K, N] b no longer fits.
func.func @bnn_matmul_trans_b(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'bnn.matmul' op operands are not matmul-compatible}}
  %y = bnn.matmul %a, %b {trans_b} : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

// The kind is an attribute of the table's kinds (dialects/ElementwiseKinds.def):
// an unknown one is a parse error.
func.func @bnn_elementwise_kind(%a0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{unknown elementwise kind 'frobnicate'}}
  %y = bnn.elementwise "frobnicate" %a0 : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @bnn_elementwise_arity(%a0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'bnn.elementwise' op 'add' takes 2 operands, got 1}}
  %y = bnn.elementwise "add" %a0 : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @bnn_elementwise_broadcast(%a0: tensor<2x3xf32>, %a1: tensor<2xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'bnn.elementwise' op operands are not broadcast-compatible}}
  %y = bnn.elementwise "add" %a0, %a1 : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @bnn_elementwise_result_shape(%a0: tensor<2x3xf32>, %a1: tensor<3xf32>) -> tensor<3x3xf32> {
  // expected-error @+1 {{'bnn.elementwise' op result is not the broadcast of the operands}}
  %y = bnn.elementwise "add" %a0, %a1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3x3xf32>
  return %y : tensor<3x3xf32>
}

// -----

func.func @bnn_elementwise_operand_types(%a0: tensor<2xf32>, %a1: tensor<2xi32>) -> tensor<2xf32> {
  // expected-error @+1 {{'bnn.elementwise' op 'add' operands must have one element type, got 'f32' and 'i32'}}
  %y = bnn.elementwise "add" %a0, %a1 : (tensor<2xf32>, tensor<2xi32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @bnn_elementwise_same_as_first(%a0: tensor<2xi32>, %a1: tensor<2xi32>) -> tensor<2xi64> {
  // expected-error @+1 {{'bnn.elementwise' op result element type must be the first operand's}}
  %y = bnn.elementwise "add" %a0, %a1 : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi64>
  return %y : tensor<2xi64>
}

// -----

func.func @bnn_elementwise_bool(%a0: tensor<2xf32>, %a1: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'bnn.elementwise' op result element type must be i1}}
  %y = bnn.elementwise "less" %a0, %a1 : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @bnn_elementwise_where_condition(%a0: tensor<2xf32>, %a1: tensor<2xf32>, %a2: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'bnn.elementwise' op 'where' condition must be i1, got 'f32'}}
  %y = bnn.elementwise "where" %a0, %a1, %a2 : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @bnn_elementwise_where_values(%a0: tensor<2xi1>, %a1: tensor<2xf32>, %a2: tensor<2xi32>) -> tensor<2xf32> {
  // expected-error @+1 {{'bnn.elementwise' op 'where' values must have one element type}}
  %y = bnn.elementwise "where" %a0, %a1, %a2 : (tensor<2xi1>, tensor<2xf32>, tensor<2xi32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @bnn_strided_copy_rank(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'bnn.strided_copy' op needs one stride per result dimension}}
  %y = bnn.strided_copy %x {offset = 0 : i64, strides = array<i64: 1>} : tensor<2x3xf32> -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

func.func @bnn_strided_copy_type(%x: tensor<2x3xf32>) -> tensor<3x2xi32> {
  // expected-error @+1 {{'bnn.strided_copy' op input and result element types must match}}
  %y = bnn.strided_copy %x {offset = 0 : i64, strides = array<i64: 1, 3>} : tensor<2x3xf32> -> tensor<3x2xi32>
  return %y : tensor<3x2xi32>
}

// -----

func.func @bnn_strided_copy_past_end(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'bnn.strided_copy' op reads outside its input of 6 elements}}
  %y = bnn.strided_copy %x {offset = 1 : i64, strides = array<i64: 1, 3>} : tensor<2x3xf32> -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

func.func @bnn_strided_copy_before_start(%x: tensor<6xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'bnn.strided_copy' op reads outside its input of 6 elements}}
  %y = bnn.strided_copy %x {offset = 1 : i64, strides = array<i64: -1>} : tensor<6xf32> -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

func.func @bnn_concat_axis(%a0: tensor<2x2xf32>, %a1: tensor<2x2xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'bnn.concat' op axis 2 is out of range [0, 2)}}
  %y = bnn.concat %a0, %a1 {axis = 2 : i64} : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @bnn_concat_negative_axis(%a0: tensor<2x2xf32>, %a1: tensor<2x2xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'bnn.concat' op axis -1 is out of range [0, 2)}}
  %y = bnn.concat %a0, %a1 {axis = -1 : i64} : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @bnn_concat_element_type(%a0: tensor<2x2xf32>, %a1: tensor<2x2xi32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'bnn.concat' op input 'tensor<2x2xi32>' does not match the result 'tensor<2x4xf32>' in rank or element type}}
  %y = bnn.concat %a0, %a1 {axis = 1 : i64} : (tensor<2x2xf32>, tensor<2x2xi32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @bnn_concat_other_dims(%a0: tensor<2x2xf32>, %a1: tensor<3x2xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'bnn.concat' op input 'tensor<3x2xf32>' differs from the result 'tensor<2x4xf32>' outside axis 1}}
  %y = bnn.concat %a0, %a1 {axis = 1 : i64} : (tensor<2x2xf32>, tensor<3x2xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @bnn_concat_extent(%a0: tensor<2x2xf32>, %a1: tensor<2x1xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'bnn.concat' op inputs add up to 3 along axis 1, the result has 4}}
  %y = bnn.concat %a0, %a1 {axis = 1 : i64} : (tensor<2x2xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @bnn_concat_no_inputs() -> tensor<2x4xf32> {
  // expected-error @+1 {{'bnn.concat' op without inputs the result must be empty}}
  %y = bnn.concat  {axis = 1 : i64} : () -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @bnn_pad_mode(%x: tensor<2x3xf32>) -> tensor<2x5xf32> {
  // An unknown mode does not parse (the mode is an enum attribute).
  // expected-error @+2 {{expected ::bnnc::bnn::PadMode to be one of: constant, reflect, edge}}
  // expected-error @+1 {{failed to parse Bnn_PadModeAttr parameter 'value'}}
  %y = bnn.pad %x {mode = #bnn.pad_mode<wrap>, pads = array<i64: 0, 1, 0, 1>, value = 0.0 : f64} : (tensor<2x3xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

func.func @bnn_pad_count(%x: tensor<2x3xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'bnn.pad' op needs 2 * rank = 4 pads}}
  %y = bnn.pad %x {mode = #bnn.pad_mode<constant>, pads = array<i64: 1, 1>, value = 0.0 : f64} : (tensor<2x3xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

func.func @bnn_pad_negative(%x: tensor<2x3xf32>) -> tensor<2x1xf32> {
  // expected-error @+1 {{'bnn.pad' op pads must be in [0, 2^31), got [0, -1, 0, -1]}}
  %y = bnn.pad %x {mode = #bnn.pad_mode<constant>, pads = array<i64: 0, -1, 0, -1>, value = 0.0 : f64} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return %y : tensor<2x1xf32>
}

// -----

func.func @bnn_pad_result(%x: tensor<2x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{'bnn.pad' op result shape must be [2, 5]}}
  %y = bnn.pad %x {mode = #bnn.pad_mode<constant>, pads = array<i64: 0, 1, 0, 1>, value = 0.0 : f64} : (tensor<2x3xf32>) -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}

// -----

func.func @bnn_pad_element_type(%x: tensor<2x3xf32>) -> tensor<2x5xi32> {
  // expected-error @+1 {{'bnn.pad' op input and result element types must match}}
  %y = bnn.pad %x {mode = #bnn.pad_mode<constant>, pads = array<i64: 0, 1, 0, 1>, value = 0.0 : f64} : (tensor<2x3xf32>) -> tensor<2x5xi32>
  return %y : tensor<2x5xi32>
}

// -----

func.func @bnn_pad_constant_value(%x: tensor<2x3xf32>, %v: tensor<2xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'bnn.pad' op constant_value must be one element of the input's element type}}
  %y = bnn.pad %x, %v {mode = #bnn.pad_mode<constant>, pads = array<i64: 0, 1, 0, 1>, value = 0.0 : f64} : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

func.func @bnn_pad_reflect(%x: tensor<2x3xf32>) -> tensor<2x9xf32> {
  // expected-error @+1 {{'bnn.pad' op reflect pads of dimension 1 must be smaller than its size 3}}
  %y = bnn.pad %x {mode = #bnn.pad_mode<reflect>, pads = array<i64: 0, 3, 0, 3>, value = 0.0 : f64} : (tensor<2x3xf32>) -> tensor<2x9xf32>
  return %y : tensor<2x9xf32>
}

// -----

func.func @bnn_pad_edge_empty(%x: tensor<2x0xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'bnn.pad' op edge padding of dimension 1 needs a non-empty dimension}}
  %y = bnn.pad %x {mode = #bnn.pad_mode<edge>, pads = array<i64: 0, 1, 0, 1>, value = 0.0 : f64} : (tensor<2x0xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

func.func @bnn_gather_axis(%d: tensor<4x3xf32>, %i: tensor<2xi64>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'bnn.gather' op axis 2 is out of range [0, 2)}}
  %y = bnn.gather %d, %i {axis = 2 : i64} : (tensor<4x3xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @bnn_gather_indices(%d: tensor<4x3xf32>, %i: tensor<2xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'bnn.gather' op indices must be i32 or i64, got 'f32'}}
  %y = bnn.gather %d, %i {axis = 0 : i64} : (tensor<4x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @bnn_gather_result_type(%d: tensor<4x3xf32>, %i: tensor<2xi64>) -> tensor<2x3xi64> {
  // expected-error @+1 {{'bnn.gather' op result element type must be the data's}}
  %y = bnn.gather %d, %i {axis = 0 : i64} : (tensor<4x3xf32>, tensor<2xi64>) -> tensor<2x3xi64>
  return %y : tensor<2x3xi64>
}

// -----

func.func @bnn_gather_result_shape(%d: tensor<4x3xf32>, %i: tensor<5x2xi64>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'bnn.gather' op result shape must be [5, 2, 3]}}
  %y = bnn.gather %d, %i {axis = 0 : i64} : (tensor<4x3xf32>, tensor<5x2xi64>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @bnn_reduce_kind(%x: tensor<2x3xi32>) -> tensor<2x1xi32> {
  // expected-error @+1 {{'bnn.reduce' op reduction l2 needs a float32 input}}
  %y = bnn.reduce l2 %x {axes = array<i64: 1>} : tensor<2x3xi32> -> tensor<2x1xi32>
  return %y : tensor<2x1xi32>
}

// -----

func.func @bnn_reduce_axis(%x: tensor<2x3xi32>) -> tensor<2x3xi32> {
  // expected-error @+1 {{'bnn.reduce' op axis 2 is out of range [0, 2)}}
  %y = bnn.reduce max %x {axes = array<i64: 2>} : tensor<2x3xi32> -> tensor<2x3xi32>
  return %y : tensor<2x3xi32>
}

// -----

func.func @bnn_reduce_axes_order(%x: tensor<2x3xi32>) -> tensor<1x1xi32> {
  // expected-error @+1 {{'bnn.reduce' op axes must be strictly increasing}}
  %y = bnn.reduce sum %x {axes = array<i64: 1, 0>} : tensor<2x3xi32> -> tensor<1x1xi32>
  return %y : tensor<1x1xi32>
}

// -----

func.func @bnn_reduce_element_type(%x: tensor<2x3xi32>) -> tensor<2x1xi64> {
  // expected-error @+1 {{'bnn.reduce' op input and result element types must match}}
  %y = bnn.reduce sum %x {axes = array<i64: 1>} : tensor<2x3xi32> -> tensor<2x1xi64>
  return %y : tensor<2x1xi64>
}

// -----

func.func @bnn_reduce_dropped_axes(%x: tensor<2x3xi32>) -> tensor<2xi32> {
  // expected-error @+1 {{'bnn.reduce' op result shape must be [2, 1] (the reduced axes kept as 1)}}
  %y = bnn.reduce min %x {axes = array<i64: 1>} : tensor<2x3xi32> -> tensor<2xi32>
  return %y : tensor<2xi32>
}

// -----

func.func @bnn_arg_reduce_kind(%x: tensor<2x3xf32>) -> tensor<2x1xi64> {
  // expected-error @+1 {{'bnn.arg_reduce' op kind must be max or min, got 'sum'}}
  %y = bnn.arg_reduce sum %x {axis = 1 : i64, select_last_index = false} : tensor<2x3xf32> -> tensor<2x1xi64>
  return %y : tensor<2x1xi64>
}

// -----

func.func @bnn_arg_reduce_axis(%x: tensor<2x3xf32>) -> tensor<2x3xi64> {
  // expected-error @+1 {{'bnn.arg_reduce' op axis 3 is out of range [0, 2)}}
  %y = bnn.arg_reduce max %x {axis = 3 : i64, select_last_index = false} : tensor<2x3xf32> -> tensor<2x3xi64>
  return %y : tensor<2x3xi64>
}

// -----

func.func @bnn_arg_reduce_result_type(%x: tensor<2x3xf32>) -> tensor<2x1xi32> {
  // expected-error @+1 {{'bnn.arg_reduce' op result must hold i64 indices}}
  %y = bnn.arg_reduce max %x {axis = 1 : i64, select_last_index = false} : tensor<2x3xf32> -> tensor<2x1xi32>
  return %y : tensor<2x1xi32>
}

// -----

func.func @bnn_arg_reduce_result_shape(%x: tensor<2x3xf32>) -> tensor<1x3xi64> {
  // expected-error @+1 {{'bnn.arg_reduce' op result shape must be [2, 1] (the reduced axis kept as 1)}}
  %y = bnn.arg_reduce min %x {axis = 1 : i64, select_last_index = false} : tensor<2x3xf32> -> tensor<1x3xi64>
  return %y : tensor<1x3xi64>
}

// -----

func.func @bnn_softmax_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'bnn.softmax' op axis 5 is out of range [0, 2)}}
  %y = bnn.softmax %x {axis = 5 : i64, log = false} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @bnn_softmax_negative_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'bnn.softmax' op axis -1 is out of range [0, 2)}}
  %y = bnn.softmax %x {axis = -1 : i64, log = false} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @bnn_softmax_result(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'bnn.softmax' op result type 'tensor<3x2xf32>' must be the input type 'tensor<2x3xf32>'}}
  %y = bnn.softmax %x {axis = 1 : i64, log = false} : tensor<2x3xf32> -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

func.func @bnn_layernorm_axis(%x: tensor<2x3xf32>, %s: tensor<3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'bnn.layernorm' op axis 2 is out of range [0, 2)}}
  %y = bnn.layernorm %x, %s {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @bnn_layernorm_scale(%x: tensor<2x3x4xf32>, %s: tensor<4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @+1 {{'bnn.layernorm' op scale and bias must be [12]: one value per normalized element}}
  %y = bnn.layernorm %x, %s {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

func.func @bnn_layernorm_bias(%x: tensor<2x3xf32>, %s: tensor<3xf32>, %b: tensor<2xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'bnn.layernorm' op scale and bias must be [3]: one value per normalized element}}
  %y = bnn.layernorm %x, %s, %b {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x3xf32>, tensor<3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @bnn_layernorm_result(%x: tensor<2x3xf32>, %s: tensor<3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'bnn.layernorm' op result type 'tensor<3x2xf32>' must be the input type 'tensor<2x3xf32>'}}
  %y = bnn.layernorm %x, %s {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

func.func @bnn_gelu_approximate(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{expected ::bnnc::bnn::GeluApproximation to be one of: none, tanh}}
  // expected-error @+1 {{failed to parse Bnn_GeluApproximationAttr parameter 'value'}}
  %y = bnn.gelu %x {approximate = #bnn.gelu_approximation<exact>} : tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @bnn_topk_axis(%x: tensor<2x5xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'bnn.topk' op axis 2 is out of range [0, 2)}}
  %y = bnn.topk %x {axis = 2 : i64, largest = true, values = true} : tensor<2x5xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @bnn_topk_values_type(%x: tensor<2x5xf32>) -> tensor<2x3xi64> {
  // expected-error @+1 {{'bnn.topk' op result element type must be 'f32' (values)}}
  %y = bnn.topk %x {axis = 1 : i64, largest = true, values = true} : tensor<2x5xf32> -> tensor<2x3xi64>
  return %y : tensor<2x3xi64>
}

// -----

func.func @bnn_topk_indices_type(%x: tensor<2x5xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'bnn.topk' op result element type must be 'i64' (indices)}}
  %y = bnn.topk %x {axis = 1 : i64, largest = true, values = false} : tensor<2x5xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @bnn_topk_rank(%x: tensor<2x5xf32>) -> tensor<6xf32> {
  // expected-error @+1 {{'bnn.topk' op result rank must be the input's}}
  %y = bnn.topk %x {axis = 1 : i64, largest = true, values = true} : tensor<2x5xf32> -> tensor<6xf32>
  return %y : tensor<6xf32>
}

// -----

func.func @bnn_topk_other_dims(%x: tensor<2x5xf32>) -> tensor<3x3xf32> {
  // expected-error @+1 {{'bnn.topk' op result differs from the input outside axis 1}}
  %y = bnn.topk %x {axis = 1 : i64, largest = true, values = true} : tensor<2x5xf32> -> tensor<3x3xf32>
  return %y : tensor<3x3xf32>
}

// -----

func.func @bnn_topk_k(%x: tensor<2x5xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{'bnn.topk' op k = 6 exceeds the axis size 5}}
  %y = bnn.topk %x {axis = 1 : i64, largest = true, values = true} : tensor<2x5xf32> -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}

// -----

func.func @bnn_cumsum_axis(%x: tensor<2x3xi64>) -> tensor<2x3xi64> {
  // expected-error @+1 {{'bnn.cumsum' op axis 2 is out of range [0, 2)}}
  %y = bnn.cumsum %x {axis = 2 : i64, exclusive = false, reverse = false} : tensor<2x3xi64> -> tensor<2x3xi64>
  return %y : tensor<2x3xi64>
}

// -----

func.func @bnn_cumsum_result(%x: tensor<2x3xi64>) -> tensor<2x3xi32> {
  // expected-error @+1 {{'bnn.cumsum' op result type 'tensor<2x3xi32>' must be the input type 'tensor<2x3xi64>'}}
  %y = bnn.cumsum %x {axis = 1 : i64, exclusive = false, reverse = false} : tensor<2x3xi64> -> tensor<2x3xi32>
  return %y : tensor<2x3xi32>
}

// -----

func.func @bnn_maxpool2d_zero_strides(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.maxpool2d' op strides must be in [1, 2^31), got [0, 0]}}
  %y = bnn.maxpool2d %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 0, 0>} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_maxpool2d_zero_kernel(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.maxpool2d' op kernel sizes must be in [1, 2^31), got [2, 0]}}
  %y = bnn.maxpool2d %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_maxpool2d_zero_dilation(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.maxpool2d' op dilations must be in [1, 2^31), got [1, 0]}}
  %y = bnn.maxpool2d %x {dilations = array<i64: 1, 0>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_maxpool2d_negative_pad(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.maxpool2d' op pads must be in [0, 2^31), got [0, 0, -1, 0]}}
  %y = bnn.maxpool2d %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, -1, 0>, strides = array<i64: 2, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_maxpool2d_attr_count(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.maxpool2d' op expects 2 kernel sizes, 2 strides, 2 dilations and 4 pads}}
  %y = bnn.maxpool2d %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_maxpool2d_channels(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x2x2xf32> {
  // expected-error @+1 {{'bnn.maxpool2d' op expects NCHW input and output with equal N and C}}
  %y = bnn.maxpool2d %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x4x4xf32> -> tensor<1x3x2x2xf32>
  return %y : tensor<1x3x2x2xf32>
}

// -----

func.func @bnn_maxpool2d_output_size(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x3x3xf32> {
  // expected-error @+1 {{'bnn.maxpool2d' op output spatial size [3, 3] does not match the window: expected [2, 2] (or the ceil_mode size)}}
  %y = bnn.maxpool2d %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

func.func @bnn_avgpool2d_zero_strides(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.avgpool2d' op strides must be in [1, 2^31), got [0, 2]}}
  %y = bnn.avgpool2d %x {count_include_pad = false, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 0, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_avgpool2d_output_size(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x4x4xf32> {
  // expected-error @+1 {{'bnn.avgpool2d' op output spatial size [4, 4] does not match the window: expected [2, 2] (or the ceil_mode size)}}
  %y = bnn.avgpool2d %x {count_include_pad = false, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x5x5xf32> -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

func.func @bnn_avgpool2d_rank(%x: tensor<2x4x4xf32>) -> tensor<2x2x2xf32> {
  // expected-error @+1 {{'bnn.avgpool2d' op expects NCHW input and output with equal N and C}}
  %y = bnn.avgpool2d %x {count_include_pad = false, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<2x4x4xf32> -> tensor<2x2x2xf32>
  return %y : tensor<2x2x2xf32>
}

// -----

func.func @bnn_channel_affine_rank(%x: tensor<3xf32>, %s: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'bnn.channel_affine' op expects rank >= 2 and a result of the input type}}
  %y = bnn.channel_affine %x, %s, %s : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

func.func @bnn_pack_group(%x: tensor<1x6x2x2xf32>) -> tensor<1x2x2x4xi32> {
  // expected-error @+1 {{'bnn.pack' op expects NCHW input with channels divisible by group}}
  %y = bnn.pack %x {group = 4 : i64} : (tensor<1x6x2x2xf32>) -> tensor<1x2x2x4xi32>
  return %y : tensor<1x2x2x4xi32>
}

// -----

func.func @bnn_pack_words(%x: tensor<1x40x2x2xf32>) -> tensor<1x2x2x1xi32> {
  // expected-error @+1 {{'bnn.pack' op result must be [N, H, W, words] = [1, 2, 2, 2]}}
  %y = bnn.pack %x {group = 1 : i64} : (tensor<1x40x2x2xf32>) -> tensor<1x2x2x1xi32>
  return %y : tensor<1x2x2x1xi32>
}

// -----

func.func @bnn_pack_group_words(%x: tensor<1x40x2x2xf32>) -> tensor<1x2x2x2xi32> {
  // expected-error @+1 {{'bnn.pack' op result must be [N, H, W, words] = [1, 2, 2, 4]}}
  %y = bnn.pack %x {group = 4 : i64} : (tensor<1x40x2x2xf32>) -> tensor<1x2x2x2xi32>
  return %y : tensor<1x2x2x2xi32>
}

// -----

func.func @bnn_pack_threshold(%x: tensor<1x4x2x2xf32>, %t: tensor<2xf32>) -> tensor<1x2x2x1xi32> {
  // expected-error @+1 {{'bnn.pack' op threshold needs one value per channel}}
  %y = bnn.pack %x threshold %t {group = 1 : i64} : (tensor<1x4x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x1xi32>
  return %y : tensor<1x2x2x1xi32>
}

// -----

func.func @bnn_bconv2d_zero_strides(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op strides must be in [1, 2^31), got [0, 0]}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 0, 0>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_bconv2d_zero_dilation(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op dilations must be in [1, 2^31), got [1, 0]}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 0>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_bconv2d_negative_pad(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op pads must be in [0, 2^31), got [-1, 0, 0, 0]}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: -1, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_bconv2d_zero_kernel(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op kernel sizes must be in [1, 2^31), got [0, 3]}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 0, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_bconv2d_group_zero(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op channels (3) must be positive and divisible by group (0)}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 0 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_bconv2d_group_channels(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op channels (3) must be positive and divisible by group (2)}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 2 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_bconv2d_input_words(%x: tensor<1x4x4x2xi32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op input must be packed bits [N, H, W, 1], got 'tensor<1x4x4x2xi32>'}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x2xi32>, tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_bconv2d_float_weights(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x2x2xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op float weights must be OIHW [2, 3, 3, 3], got 'tensor<2x3x2x2xf32>'}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_bconv2d_packed_weights(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x2xi32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op packed weights must be OHWI words [2, 3, 3, 1], got 'tensor<2x3x3x2xi32>'}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x2xi32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_bconv2d_weight_rank(%x: tensor<1x4x4x1xi32>, %w: tensor<f32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op weights must be 4-D, got 'tensor<f32>'}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<f32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_bconv2d_weight_type(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xi8>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op weights must be f32 (+-1) or packed i32}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xi8>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_bconv2d_out_channels_group(%x: tensor<1x4x4x2xi32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x3x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op output channels (3) must be divisible by group (2)}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 4 : i64, dilations = array<i64: 1, 1>, group = 2 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x2xi32>, tensor<3x2x3x3xf32>) -> tensor<1x3x2x2xf32>
  return %y : tensor<1x3x2x2xf32>
}

// -----

func.func @bnn_bconv2d_epilogue_length(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>, %scale: tensor<3xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op epilogue constants need one value per output channel}}
  %y = bnn.bconv2d %x, %w scale %scale {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>, tensor<3xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_bconv2d_bits_extras(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>, %scale: tensor<2xf32>, %threshold: tensor<2xi32>) -> tensor<1x2x2x1xi32> {
  // expected-error @+1 {{'bnn.bconv2d' op a bits epilogue has thresholds and nothing else}}
  %y = bnn.bconv2d %x, %w scale %scale threshold %threshold {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>, tensor<2xf32>, tensor<2xi32>) -> tensor<1x2x2x1xi32>
  return %y : tensor<1x2x2x1xi32>
}

// -----

func.func @bnn_bconv2d_bits_without_threshold(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x2x2x1xi32> {
  // expected-error @+1 {{'bnn.bconv2d' op a bits epilogue has thresholds and nothing else}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>) -> tensor<1x2x2x1xi32>
  return %y : tensor<1x2x2x1xi32>
}

// -----

func.func @bnn_bconv2d_out_group(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>, %threshold: tensor<2xi32>) -> tensor<1x2x2x1xi32> {
  // expected-error @+1 {{'bnn.bconv2d' op out_group (3) must be positive and divide the 2 output channels}}
  %y = bnn.bconv2d %x, %w threshold %threshold {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, out_group = 3 : i64} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>, tensor<2xi32>) -> tensor<1x2x2x1xi32>
  return %y : tensor<1x2x2x1xi32>
}

// -----

func.func @bnn_bconv2d_bits_words(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>, %threshold: tensor<2xi32>) -> tensor<1x2x2x2xi32> {
  // expected-error @+1 {{'bnn.bconv2d' op bits result must be packed bits [N, H, W, 1], got 'tensor<1x2x2x2xi32>'}}
  %y = bnn.bconv2d %x, %w threshold %threshold {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>, tensor<2xi32>) -> tensor<1x2x2x2xi32>
  return %y : tensor<1x2x2x2xi32>
}

// -----

func.func @bnn_bconv2d_threshold_float(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>, %threshold: tensor<2xi32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op thresholds need a packed i32 result}}
  %y = bnn.bconv2d %x, %w threshold %threshold {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>, tensor<2xi32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_bconv2d_float_channels(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x3x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op float result must be NCHW with 2 channels}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>) -> tensor<1x3x2x2xf32>
  return %y : tensor<1x3x2x2xf32>
}

// -----

func.func @bnn_bconv2d_prelu_slope(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op a prelu epilogue needs a slope, and only it}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<prelu>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_bconv2d_clamp_bounds(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op a clamp epilogue needs clamp_lo and clamp_hi}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<clamp>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, clamp_lo = 0.0 : f32} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @bnn_bconv2d_output_size(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x2x3x3xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op output spatial size [3, 3] does not match the window: expected [2, 2]}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

func.func @bnn_bconv2d_bits_output_size(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>, %threshold: tensor<2xi32>) -> tensor<1x3x3x1xi32> {
  // expected-error @+1 {{'bnn.bconv2d' op output spatial size [3, 3] does not match the window: expected [2, 2]}}
  %y = bnn.bconv2d %x, %w threshold %threshold {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>, tensor<2xi32>) -> tensor<1x3x3x1xi32>
  return %y : tensor<1x3x3x1xi32>
}

// -----

func.func @bnn_bconv2d_batch(%x: tensor<1x4x4x1xi32>, %w: tensor<2x3x3x3xf32>) -> tensor<2x2x2x2xf32> {
  // expected-error @+1 {{'bnn.bconv2d' op input and output batch sizes differ}}
  %y = bnn.bconv2d %x, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x1xi32>, tensor<2x3x3x3xf32>) -> tensor<2x2x2x2xf32>
  return %y : tensor<2x2x2x2xf32>
}

// -----

func.func @bnn_bmaxpool2d_zero_strides(%x: tensor<1x4x4x2xi32>) -> tensor<1x2x2x2xi32> {
  // expected-error @+1 {{'bnn.bmaxpool2d' op strides must be in [1, 2^31), got [0, 0]}}
  %y = bnn.bmaxpool2d %x {channels = 40 : i64, group = 1 : i64, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 0, 0>} : tensor<1x4x4x2xi32> -> tensor<1x2x2x2xi32>
  return %y : tensor<1x2x2x2xi32>
}

// -----

func.func @bnn_bmaxpool2d_group(%x: tensor<1x4x4x2xi32>) -> tensor<1x2x2x2xi32> {
  // expected-error @+1 {{'bnn.bmaxpool2d' op channels (40) must be positive and divisible by group (3)}}
  %y = bnn.bmaxpool2d %x {channels = 40 : i64, group = 3 : i64, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x2xi32> -> tensor<1x2x2x2xi32>
  return %y : tensor<1x2x2x2xi32>
}

// -----

func.func @bnn_bmaxpool2d_input_words(%x: tensor<1x4x4x1xi32>) -> tensor<1x2x2x2xi32> {
  // expected-error @+1 {{'bnn.bmaxpool2d' op input must be packed bits [N, H, W, 2], got 'tensor<1x4x4x1xi32>'}}
  %y = bnn.bmaxpool2d %x {channels = 40 : i64, group = 1 : i64, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x1xi32> -> tensor<1x2x2x2xi32>
  return %y : tensor<1x2x2x2xi32>
}

// -----

func.func @bnn_bmaxpool2d_result_words(%x: tensor<1x4x4x2xi32>) -> tensor<1x2x2x1xi32> {
  // expected-error @+1 {{'bnn.bmaxpool2d' op result must be packed bits [N, H, W, 2], got 'tensor<1x2x2x1xi32>'}}
  %y = bnn.bmaxpool2d %x {channels = 40 : i64, group = 1 : i64, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x2xi32> -> tensor<1x2x2x1xi32>
  return %y : tensor<1x2x2x1xi32>
}

// -----

func.func @bnn_bmaxpool2d_output_size(%x: tensor<1x4x4x2xi32>) -> tensor<1x1x1x2xi32> {
  // expected-error @+1 {{'bnn.bmaxpool2d' op output spatial size [1, 1] does not match the window: expected [2, 2] (or the ceil_mode size)}}
  %y = bnn.bmaxpool2d %x {channels = 40 : i64, group = 1 : i64, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x2xi32> -> tensor<1x1x1x2xi32>
  return %y : tensor<1x1x1x2xi32>
}

// -----

func.func @bnn_bmaxpool2d_or_mask_words(%x: tensor<1x4x4x2xi32>) -> tensor<1x2x2x2xi32> {
  %m = bnn.constant dense<1> : tensor<1xi32>
  // expected-error @+1 {{'bnn.bmaxpool2d' op or_mask must be one packed pixel of 2 words}}
  %y = bnn.bmaxpool2d %x or_mask %m {channels = 40 : i64, group = 1 : i64, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x2xi32>, tensor<1xi32> -> tensor<1x2x2x2xi32>
  return %y : tensor<1x2x2x2xi32>
}

// -----

func.func @bnn_bmaxpool2d_batch(%x: tensor<1x4x4x2xi32>) -> tensor<2x2x2x2xi32> {
  // expected-error @+1 {{'bnn.bmaxpool2d' op input and output batch sizes differ}}
  %y = bnn.bmaxpool2d %x {channels = 40 : i64, group = 1 : i64, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x4x2xi32> -> tensor<2x2x2x2xi32>
  return %y : tensor<2x2x2x2xi32>
}

// -----

func.func @bnn_pack_layernorm_threshold(%x: tensor<2x3x40xf32>, %t: tensor<3xf32>, %f: tensor<40xui8>) -> tensor<6x1x1x2xi32> {
  // expected-error @+1 {{'bnn.pack_layernorm' op threshold and flip need one value per element of the last axis (40)}}
  %y = bnn.pack_layernorm %x, %t, %f {epsilon = 1.0e-05 : f32} : (tensor<2x3x40xf32>, tensor<3xf32>, tensor<40xui8>) -> tensor<6x1x1x2xi32>
  return %y : tensor<6x1x1x2xi32>
}

// -----

func.func @bnn_pack_layernorm_result(%x: tensor<2x3x40xf32>, %t: tensor<40xf32>, %f: tensor<40xui8>) -> tensor<6x1x1x1xi32> {
  // expected-error @+1 {{'bnn.pack_layernorm' op result must be [rows, 1, 1, words] = [6, 1, 1, 2]}}
  %y = bnn.pack_layernorm %x, %t, %f {epsilon = 1.0e-05 : f32} : (tensor<2x3x40xf32>, tensor<40xf32>, tensor<40xui8>) -> tensor<6x1x1x1xi32>
  return %y : tensor<6x1x1x1xi32>
}

// -----

func.func @bnn_pack_layernorm_empty(%x: tensor<2x0xf32>, %t: tensor<0xf32>, %f: tensor<0xui8>) -> tensor<2x1x1x0xi32> {
  // expected-error @+1 {{'bnn.pack_layernorm' op input needs a non-empty last axis}}
  %y = bnn.pack_layernorm %x, %t, %f {epsilon = 1.0e-05 : f32} : (tensor<2x0xf32>, tensor<0xf32>, tensor<0xui8>) -> tensor<2x1x1x0xi32>
  return %y : tensor<2x1x1x0xi32>
}

// -----

func.func @bnn_bin_attention_scores_dim(%q: tensor<6x1x1x1xi32>, %k: tensor<6x1x1x1xi32>) -> tensor<2x3x1xi32> {
  // expected-error @+1 {{'bnn.bin_attention_scores' op dim must be positive, got 0}}
  %y = bnn.bin_attention_scores %q, %k {dim = 0 : i64} : (tensor<6x1x1x1xi32>, tensor<6x1x1x1xi32>) -> tensor<2x3x1xi32>
  return %y : tensor<2x3x1xi32>
}

// -----

func.func @bnn_bin_attention_scores_queries(%q: tensor<6x1x1x2xi32>, %k: tensor<6x1x1x1xi32>) -> tensor<2x3x1xi32> {
  // expected-error @+1 {{'bnn.bin_attention_scores' op queries must be packed rows [R, 1, 1, 1], got 'tensor<6x1x1x2xi32>'}}
  %y = bnn.bin_attention_scores %q, %k {dim = 4 : i64} : (tensor<6x1x1x2xi32>, tensor<6x1x1x1xi32>) -> tensor<2x3x1xi32>
  return %y : tensor<2x3x1xi32>
}

// -----

func.func @bnn_bin_attention_scores_keys(%q: tensor<6x1x1x1xi32>, %k: tensor<6x2x1x1xi32>) -> tensor<2x3x1xi32> {
  // expected-error @+1 {{'bnn.bin_attention_scores' op keys must be packed rows [R, 1, 1, 1], got 'tensor<6x2x1x1xi32>'}}
  %y = bnn.bin_attention_scores %q, %k {dim = 4 : i64} : (tensor<6x1x1x1xi32>, tensor<6x2x1x1xi32>) -> tensor<2x3x1xi32>
  return %y : tensor<2x3x1xi32>
}

// -----

func.func @bnn_bin_attention_scores_result(%q: tensor<6x1x1x1xi32>, %k: tensor<6x1x1x1xi32>) -> tensor<3x3x1xi32> {
  // expected-error @+1 {{'bnn.bin_attention_scores' op result must be [G, L, words(S)] for 6 query and 6 key rows}}
  %y = bnn.bin_attention_scores %q, %k {dim = 4 : i64} : (tensor<6x1x1x1xi32>, tensor<6x1x1x1xi32>) -> tensor<3x3x1xi32>
  return %y : tensor<3x3x1xi32>
}

// -----

func.func @bnn_bin_attention_context_keys(%p: tensor<2x3x1xi32>, %v: tensor<8x1x1x1xi32>) -> tensor<2x3x4xf32> {
  // expected-error @+1 {{'bnn.bin_attention_context' op keys must be positive, got 0}}
  %y = bnn.bin_attention_context %p, %v {keys = 0 : i64} : (tensor<2x3x1xi32>, tensor<8x1x1x1xi32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

func.func @bnn_bin_attention_context_scores(%p: tensor<2x3x2xi32>, %v: tensor<8x1x1x1xi32>) -> tensor<2x3x4xf32> {
  // expected-error @+1 {{'bnn.bin_attention_context' op scores must be [G, L, 1], got 'tensor<2x3x2xi32>'}}
  %y = bnn.bin_attention_context %p, %v {keys = 3 : i64} : (tensor<2x3x2xi32>, tensor<8x1x1x1xi32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

func.func @bnn_bin_attention_context_values(%p: tensor<2x3x1xi32>, %v: tensor<8x1x1x2xi32>) -> tensor<2x3x4xf32> {
  // expected-error @+1 {{'bnn.bin_attention_context' op values must be packed rows [R, 1, 1, 1], got 'tensor<8x1x1x2xi32>'}}
  %y = bnn.bin_attention_context %p, %v {keys = 3 : i64} : (tensor<2x3x1xi32>, tensor<8x1x1x2xi32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

func.func @bnn_bin_attention_context_result(%p: tensor<2x3x1xi32>, %v: tensor<8x1x1x1xi32>) -> tensor<2x3x5xf32> {
  // expected-error @+1 {{'bnn.bin_attention_context' op result must be [G, L, D] with values of G * D rows}}
  %y = bnn.bin_attention_context %p, %v {keys = 3 : i64} : (tensor<2x3x1xi32>, tensor<8x1x1x1xi32>) -> tensor<2x3x5xf32>
  return %y : tensor<2x3x5xf32>
}

// -----

func.func @bnn_constant_sparse() -> tensor<4xf32> {
  // expected-error @+1 {{'bnn.constant' op value must be a dense elements attribute}}
  %c = bnn.constant sparse<[[1]], [2.0]> : tensor<4xf32>
  return %c : tensor<4xf32>
}

// -----

func.func @bnn_reshape_dynamic(%x: tensor<?xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'bnn.reshape' op needs static shapes, got 'tensor<?xf32>'}}
  %y = bnn.reshape %x : tensor<?xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// bnn.recurrent (issue 16): every index the kernel computes follows from
// these shapes, so each rule is checked.
func.func @bnn_recurrent_cell(%x: tensor<2x1x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) -> tensor<24xf32> {
  // expected-error @+1 {{'bnn.recurrent' op cell must be rnn, gru or lstm, got 'lstmx'}}
  %y = bnn.recurrent "lstmx" %x, %w, %r {activation_alpha = array<f32: 0.0>, activation_beta = array<f32: 0.0>, activations = array<i32: 1>, input_forget = false, linear_before_reset = false, reverse = false} : (tensor<2x1x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> tensor<24xf32>
  return %y : tensor<24xf32>
}

// -----

func.func @bnn_recurrent_recurrence(%x: tensor<2x1x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x3xf32>) -> tensor<24xf32> {
  // expected-error @+1 {{'bnn.recurrent' op recurrence must have shape [1, 4, 4]}}
  %y = bnn.recurrent "rnn" %x, %w, %r {activation_alpha = array<f32: 0.0>, activation_beta = array<f32: 0.0>, activations = array<i32: 1>, input_forget = false, linear_before_reset = false, reverse = false} : (tensor<2x1x3xf32>, tensor<1x4x3xf32>, tensor<1x4x3xf32>) -> tensor<24xf32>
  return %y : tensor<24xf32>
}

// -----

func.func @bnn_recurrent_state(%x: tensor<2x1x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>, %h: tensor<1x2x4xf32>) -> tensor<24xf32> {
  // expected-error @+1 {{'bnn.recurrent' op initial_h must have shape [1, 1, 4]}}
  %y = bnn.recurrent "rnn" %x, %w, %r initial_h %h {activation_alpha = array<f32: 0.0>, activation_beta = array<f32: 0.0>, activations = array<i32: 1>, input_forget = false, linear_before_reset = false, reverse = false} : (tensor<2x1x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>, tensor<1x2x4xf32>) -> tensor<24xf32>
  return %y : tensor<24xf32>
}

// -----

func.func @bnn_recurrent_lengths(%x: tensor<2x1x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) -> tensor<24xf32> {
  %l = bnn.constant dense<3> : tensor<1xi32>
  // expected-error @+1 {{'bnn.recurrent' op seq_lens must lie in [0, 2]}}
  %y = bnn.recurrent "rnn" %x, %w, %r seq_lens %l {activation_alpha = array<f32: 0.0>, activation_beta = array<f32: 0.0>, activations = array<i32: 1>, input_forget = false, linear_before_reset = false, reverse = false} : (tensor<2x1x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>, tensor<1xi32>) -> tensor<24xf32>
  return %y : tensor<24xf32>
}

// -----

func.func @bnn_recurrent_activation(%x: tensor<2x1x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) -> tensor<24xf32> {
  // expected-error @+1 {{'bnn.recurrent' op unknown activation code 11}}
  %y = bnn.recurrent "rnn" %x, %w, %r {activation_alpha = array<f32: 0.0>, activation_beta = array<f32: 0.0>, activations = array<i32: 11>, input_forget = false, linear_before_reset = false, reverse = false} : (tensor<2x1x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> tensor<24xf32>
  return %y : tensor<24xf32>
}

// -----

func.func @bnn_recurrent_peephole(%x: tensor<2x1x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>, %p: tensor<1x12xf32>) -> tensor<24xf32> {
  // expected-error @+1 {{'bnn.recurrent' op initial_c, peephole and input_forget are LSTM's}}
  %y = bnn.recurrent "rnn" %x, %w, %r peephole %p {activation_alpha = array<f32: 0.0>, activation_beta = array<f32: 0.0>, activations = array<i32: 1>, input_forget = false, linear_before_reset = false, reverse = false} : (tensor<2x1x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>, tensor<1x12xf32>) -> tensor<24xf32>
  return %y : tensor<24xf32>
}

// -----

// Y (2*1*1*4) + Y_h + Y_c (4 each) + scratch (2 * 4) = 24 floats.
func.func @bnn_recurrent_result(%x: tensor<2x1x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) -> tensor<23xf32> {
  // expected-error @+1 {{'bnn.recurrent' op result must be 1-D of 24 elements (Y, Y_h, Y_c and scratch)}}
  %y = bnn.recurrent "rnn" %x, %w, %r {activation_alpha = array<f32: 0.0>, activation_beta = array<f32: 0.0>, activations = array<i32: 1>, input_forget = false, linear_before_reset = false, reverse = false} : (tensor<2x1x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> tensor<23xf32>
  return %y : tensor<23xf32>
}

// -----

func.func @bnn_recurrent_reverse(%x: tensor<2x1x3xf32>, %w: tensor<2x4x3xf32>, %r: tensor<2x4x4xf32>) -> tensor<40xf32> {
  // expected-error @+1 {{'bnn.recurrent' op reverse applies to one direction only}}
  %y = bnn.recurrent "rnn" %x, %w, %r {activation_alpha = array<f32: 0.0, 0.0>, activation_beta = array<f32: 0.0, 0.0>, activations = array<i32: 1, 1>, input_forget = false, linear_before_reset = false, reverse = true} : (tensor<2x1x3xf32>, tensor<2x4x3xf32>, tensor<2x4x4xf32>) -> tensor<40xf32>
  return %y : tensor<40xf32>
}

// -----

func.func @resize_index_range(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'bnn.resize' op index 2 of axis 0 is out of range}}
  %y = bnn.resize %x {extrapolation_value = 0.0 : f32, indices = array<i32: 0, 2>, taps = array<i64: 1>, weights = array<f32: 1.0, 1.0>} : tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @resize_table_size(%x: tensor<2xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'bnn.resize' op tables must have 8 entries}}
  %y = bnn.resize %x {extrapolation_value = 0.0 : f32, indices = array<i32: 0, 1, 0, 1>, taps = array<i64: 2>, weights = array<f32: 1.0, 0.0, 1.0, 0.0>} : tensor<2xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @resize_taps(%x: tensor<2xf32>) -> tensor<1xf32> {
  // expected-error @+1 {{'bnn.resize' op tap counts must be in [1, 4], got 5}}
  %y = bnn.resize %x {extrapolation_value = 0.0 : f32, indices = array<i32: 0, 0, 0, 0, 0>, taps = array<i64: 5>, weights = array<f32: 1.0, 0.0, 0.0, 0.0, 0.0>} : tensor<2xf32> -> tensor<1xf32>
  return %y : tensor<1xf32>
}

// -----

func.func @conv_transpose_channels(%x: tensor<1x2x1x3x3xf32>, %w: tensor<1x2x1x3x3xf32>) -> tensor<1x2x1x5x5xf32> {
  // expected-error @+1 {{'bnn.conv_transpose' op channel counts do not match group 1}}
  %y = bnn.conv_transpose %x, %w {dilations = array<i64: 1, 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0>, strides = array<i64: 1, 1, 1>} : (tensor<1x2x1x3x3xf32>, tensor<1x2x1x3x3xf32>) -> tensor<1x2x1x5x5xf32>
  return %y : tensor<1x2x1x5x5xf32>
}

// -----

func.func @conv_transpose_stride(%x: tensor<1x1x1x3x3xf32>, %w: tensor<1x2x1x3x3xf32>) -> tensor<1x2x1x5x5xf32> {
  // expected-error @+1 {{'bnn.conv_transpose' op strides and dilations must be in [1, 2^20]}}
  %y = bnn.conv_transpose %x, %w {dilations = array<i64: 1, 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0>, strides = array<i64: 1, 0, 1>} : (tensor<1x1x1x3x3xf32>, tensor<1x2x1x3x3xf32>) -> tensor<1x2x1x5x5xf32>
  return %y : tensor<1x2x1x5x5xf32>
}

// -----

func.func @gather_elements_dims(%x: tensor<2x2xf32>, %i: tensor<3x2xi64>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'bnn.gather_elements' op indices dimension 0 exceeds the data's 2}}
  %y = bnn.gather_elements %x, %i {axis = 1 : i64} : (tensor<2x2xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

func.func @gather_nd_tuple(%x: tensor<2x2xf32>, %i: tensor<1x3xi64>) -> tensor<1xf32> {
  // expected-error @+1 {{'bnn.gather_nd' op index tuples of 3 do not fit data of rank 2}}
  %y = bnn.gather_nd %x, %i {batch_dims = 0 : i64} : (tensor<2x2xf32>, tensor<1x3xi64>) -> tensor<1xf32>
  return %y : tensor<1xf32>
}

// -----

func.func @scatter_nd_updates(%x: tensor<4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'bnn.scatter_nd' op updates shape must be [2, 4]}}
  %y = bnn.scatter_nd %x, %i, %u {reduction = "none"} : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

func.func @one_hot_values(%i: tensor<3xi64>, %v: tensor<3xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'bnn.one_hot' op values must hold [off, on]}}
  %y = bnn.one_hot %i, %v {axis = 1 : i64, depth = 4 : i64} : (tensor<3xi64>, tensor<3xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

func.func @trilu_rank(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'bnn.trilu' op needs a rank of at least 2}}
  %y = bnn.trilu %x {k = 0 : i64, upper = true} : tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @lp_norm_p(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'bnn.lp_norm' op p must be 1 or 2}}
  %y = bnn.lp_norm %x {axis = 0 : i64, p = 3 : i64} : tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @quantize_scale_count(%x: tensor<2x3xf32>, %s: tensor<2xf32>) -> tensor<2x3xi8> {
  // expected-error @+1 {{'bnn.quantize' op scale must hold one value or one per index of axis 1 (2 values)}}
  %y = bnn.quantize %x, %s {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x3xi8>
  return %y : tensor<2x3xi8>
}

// -----

func.func @quantize_zero_point_type(%x: tensor<4xf32>, %s: tensor<f32>, %z: tensor<ui8>) -> tensor<4xi8> {
  // expected-error @+1 {{'bnn.quantize' op zero point and result element types differ}}
  %y = bnn.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4xf32>, tensor<f32>, tensor<ui8>) -> tensor<4xi8>
  return %y : tensor<4xi8>
}

// -----

func.func @qconv2d_weight_zero_point(%x: tensor<1x2x3x3xui8>, %w: tensor<4x2x1x1xi8>, %z: tensor<3xi8>) -> tensor<1x4x3x3xi32> {
  // expected-error @+1 {{'bnn.qconv2d' op weight zero point must hold 1 or 4 values, got 3}}
  %y = bnn.qconv2d %x, %w weight_zero_point %z {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x3x3xui8>, tensor<4x2x1x1xi8>, tensor<3xi8>) -> tensor<1x4x3x3xi32>
  return %y : tensor<1x4x3x3xi32>
}

// -----

func.func @qconv2d_zero_point_type(%x: tensor<1x2x3x3xui8>, %w: tensor<4x2x1x1xi8>, %z: tensor<i8>) -> tensor<1x4x3x3xi32> {
  // expected-error @+1 {{'bnn.qconv2d' op input zero point must have the element type 'ui8'}}
  %y = bnn.qconv2d %x, %w input_zero_point %z {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x3x3xui8>, tensor<4x2x1x1xi8>, tensor<i8>) -> tensor<1x4x3x3xi32>
  return %y : tensor<1x4x3x3xi32>
}

// -----

func.func @qmatmul_shapes(%a: tensor<2x3xi8>, %b: tensor<4x5xi8>) -> tensor<2x5xi32> {
  // expected-error @+1 {{'bnn.qmatmul' op operands are not matmul-compatible}}
  %y = bnn.qmatmul %a, %b : (tensor<2x3xi8>, tensor<4x5xi8>) -> tensor<2x5xi32>
  return %y : tensor<2x5xi32>
}

// -----

func.func @requantize_scales(%acc: tensor<1x2xi32>, %s: tensor<2xf32>) -> tensor<1x2xi8> {
  // expected-error @+1 {{'bnn.requantize' op input and output scales must be single values}}
  %y = bnn.requantize %acc, %s, %s, %s {axis = 1 : i64} : (tensor<1x2xi32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xi8>
  return %y : tensor<1x2xi8>
}

// -----

func.func @requantize_q31_counts(%acc: tensor<1x3x2xi32>) -> tensor<1x3x2xi8> {
  // expected-error @+1 {{'bnn.requantize_q31' op multiplier and shift must both hold one value or one per index of axis 1 (3), got 2 and 2}}
  %y = bnn.requantize_q31 %acc {axis = 1 : i64, multiplier = array<i32: 1073741824, 1073741824>, shift = array<i32: 0, 0>, zero_point = 0 : i64, min = -128 : i64, max = 127 : i64} : (tensor<1x3x2xi32>) -> tensor<1x3x2xi8>
  return %y : tensor<1x3x2xi8>
}

// -----

func.func @requantize_q31_shift(%acc: tensor<1x2xi32>) -> tensor<1x2xi8> {
  // expected-error @+1 {{'bnn.requantize_q31' op shift 31 is out of range [-31, 30]}}
  %y = bnn.requantize_q31 %acc {axis = 1 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: 31>, zero_point = 0 : i64, min = -128 : i64, max = 127 : i64} : (tensor<1x2xi32>) -> tensor<1x2xi8>
  return %y : tensor<1x2xi8>
}

// -----

func.func @requantize_q31_negative(%acc: tensor<1x2xi32>) -> tensor<1x2xi8> {
  // expected-error @+1 {{'bnn.requantize_q31' op multiplier -5 is negative}}
  %y = bnn.requantize_q31 %acc {axis = 1 : i64, multiplier = array<i32: -5>, shift = array<i32: 0>, zero_point = 0 : i64, min = -128 : i64, max = 127 : i64} : (tensor<1x2xi32>) -> tensor<1x2xi8>
  return %y : tensor<1x2xi8>
}

// -----

func.func @requantize_q31_range(%acc: tensor<1x2xi32>) -> tensor<1x2xui8> {
  // expected-error @+1 {{'bnn.requantize_q31' op clamp range [-1, 255] is not a non-empty range of the result type}}
  %y = bnn.requantize_q31 %acc {axis = 1 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: 0>, zero_point = 0 : i64, min = -1 : i64, max = 255 : i64} : (tensor<1x2xi32>) -> tensor<1x2xui8>
  return %y : tensor<1x2xui8>
}

// -----

func.func @requantize_q31_zero_point(%acc: tensor<1x2xi32>) -> tensor<1x2xi8> {
  // expected-error @+1 {{'bnn.requantize_q31' op zero point 128 is out of the result type's range}}
  %y = bnn.requantize_q31 %acc {axis = 1 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: 0>, zero_point = 128 : i64, min = -128 : i64, max = 127 : i64} : (tensor<1x2xi32>) -> tensor<1x2xi8>
  return %y : tensor<1x2xi8>
}

// -----

func.func @add_q31_shapes(%a: tensor<1x4xi8>, %b: tensor<1x2xi8>) -> tensor<1x4xi8> {
  // expected-error @+1 {{'bnn.add_q31' op operands and result must have the same shape}}
  %y = bnn.add_q31 %a, %b {input_zero_points = array<i64: 0, 0>, input_multipliers = array<i32: 1073741824, 1073741824>, input_shifts = array<i32: 0, 0>, multiplier = 1073741824 : i64, shift = -19 : i64, zero_point = 0 : i64, min = -128 : i64, max = 127 : i64} : (tensor<1x4xi8>, tensor<1x2xi8>) -> tensor<1x4xi8>
  return %y : tensor<1x4xi8>
}

// -----

func.func @add_q31_shift(%a: tensor<1x4xi8>) -> tensor<1x4xi8> {
  // expected-error @+1 {{'bnn.add_q31' op shift 1 is out of range [-31, 0]}}
  %y = bnn.add_q31 %a, %a {input_zero_points = array<i64: 0, 0>, input_multipliers = array<i32: 1073741824, 1073741824>, input_shifts = array<i32: 0, 0>, multiplier = 1073741824 : i64, shift = 1 : i64, zero_point = 0 : i64, min = -128 : i64, max = 127 : i64} : (tensor<1x4xi8>, tensor<1x4xi8>) -> tensor<1x4xi8>
  return %y : tensor<1x4xi8>
}
