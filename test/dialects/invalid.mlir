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
