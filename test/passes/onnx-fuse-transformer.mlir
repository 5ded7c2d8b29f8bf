// RUN: bnnc-opt %s --onnx-fuse-transformer --split-input-file | FileCheck %s

// The opset-13 export of nn.LayerNorm(4): one LayerNormalization with the
// default epsilon 1e-5 (not printed) and axis -1, gamma and beta of the
// trailing Mul and Add.
// CHECK-LABEL: func.func @layernorm
// CHECK: %[[Y:.*]] = onnx.LayerNormalization %arg0, %{{.*}}, %{{.*}} : (
// CHECK-NOT: onnx.ReduceMean
// CHECK-NOT: onnx.Sqrt
// CHECK: return %[[Y]]
func.func @layernorm(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %two = onnx.Constant dense<2.0> : tensor<f32>
  %eps = onnx.Constant dense<1.0e-5> : tensor<f32>
  %g = onnx.Constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %b = onnx.Constant dense<[0.5, 0.0, 0.0, -1.0]> : tensor<4xf32>
  %m = onnx.ReduceMean %x {axes = array<i64: -1>} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  %d = onnx.Sub %x, %m : (tensor<2x3x4xf32>, tensor<2x3x1xf32>) -> tensor<2x3x4xf32>
  %p = onnx.Pow %d, %two : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x3x4xf32>
  %v = onnx.ReduceMean %p {axes = array<i64: -1>} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  %ve = onnx.Add %v, %eps : (tensor<2x3x1xf32>, tensor<f32>) -> tensor<2x3x1xf32>
  %s = onnx.Sqrt %ve : tensor<2x3x1xf32> -> tensor<2x3x1xf32>
  %n = onnx.Div %d, %s : (tensor<2x3x4xf32>, tensor<2x3x1xf32>) -> tensor<2x3x4xf32>
  %ng = onnx.Mul %n, %g : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %y = onnx.Add %ng, %b : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// Without the affine part (elementwise_affine=False), x*x as the square and
// eps first in the Add: gamma becomes ones, beta is omitted.
// CHECK-LABEL: func.func @layernorm_plain
// CHECK: %[[ONE:.*]] = onnx.Constant dense<1.000000e+00> : tensor<4xf32>
// CHECK: %[[NONE:.*]] = onnx.NoValue
// CHECK: onnx.LayerNormalization %arg0, %[[ONE]], %[[NONE]] {epsilon = 1.000000e-03 : f32}
func.func @layernorm_plain(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %eps = onnx.Constant dense<1.0e-3> : tensor<1xf32>
  %m = onnx.ReduceMean %x {axes = array<i64: 1>} : (tensor<3x4xf32>) -> tensor<3x1xf32>
  %d = onnx.Sub %x, %m : (tensor<3x4xf32>, tensor<3x1xf32>) -> tensor<3x4xf32>
  %p = onnx.Mul %d, %d : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %v = onnx.ReduceMean %p {axes = array<i64: -1>} : (tensor<3x4xf32>) -> tensor<3x1xf32>
  %ve = onnx.Add %eps, %v : (tensor<1xf32>, tensor<3x1xf32>) -> tensor<3x1xf32>
  %s = onnx.Sqrt %ve : tensor<3x1xf32> -> tensor<3x1xf32>
  %n = onnx.Div %d, %s : (tensor<3x4xf32>, tensor<3x1xf32>) -> tensor<3x4xf32>
  return %n : tensor<3x4xf32>
}

// -----

// Not a LayerNorm: the mean is over axis 0, and the centred value has a
// third user. Both chains stay.
// CHECK-LABEL: func.func @not_layernorm
// CHECK-NOT: onnx.LayerNormalization
// CHECK-COUNT-2: onnx.Div
func.func @not_layernorm(%x: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) {
  %two = onnx.Constant dense<2.0> : tensor<f32>
  %eps = onnx.Constant dense<1.0e-5> : tensor<f32>
  %m = onnx.ReduceMean %x {axes = array<i64: 0>} : (tensor<3x4xf32>) -> tensor<1x4xf32>
  %d = onnx.Sub %x, %m : (tensor<3x4xf32>, tensor<1x4xf32>) -> tensor<3x4xf32>
  %p = onnx.Pow %d, %two : (tensor<3x4xf32>, tensor<f32>) -> tensor<3x4xf32>
  %v = onnx.ReduceMean %p {axes = array<i64: 0>} : (tensor<3x4xf32>) -> tensor<1x4xf32>
  %ve = onnx.Add %v, %eps : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %s = onnx.Sqrt %ve : tensor<1x4xf32> -> tensor<1x4xf32>
  %n = onnx.Div %d, %s : (tensor<3x4xf32>, tensor<1x4xf32>) -> tensor<3x4xf32>
  %m2 = onnx.ReduceMean %x {axes = array<i64: -1>} : (tensor<3x4xf32>) -> tensor<3x1xf32>
  %d2 = onnx.Sub %x, %m2 : (tensor<3x4xf32>, tensor<3x1xf32>) -> tensor<3x4xf32>
  %p2 = onnx.Pow %d2, %two : (tensor<3x4xf32>, tensor<f32>) -> tensor<3x4xf32>
  %v2 = onnx.ReduceMean %p2 {axes = array<i64: -1>} : (tensor<3x4xf32>) -> tensor<3x1xf32>
  %ve2 = onnx.Add %v2, %eps : (tensor<3x1xf32>, tensor<f32>) -> tensor<3x1xf32>
  %s2 = onnx.Sqrt %ve2 : tensor<3x1xf32> -> tensor<3x1xf32>
  %n2 = onnx.Div %d2, %s2 : (tensor<3x4xf32>, tensor<3x1xf32>) -> tensor<3x4xf32>
  return %n, %n2, %d2 : tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>
}

// -----

// PyTorch's exact GELU export: Div by sqrt 2, Erf, +1, * x, * 0.5.
// CHECK-LABEL: func.func @gelu_erf
// CHECK: %[[Y:.*]] = onnx.Gelu %arg0 : tensor<2x8xf32> -> tensor<2x8xf32>
// CHECK-NOT: onnx.Erf
// CHECK: return %[[Y]]
func.func @gelu_erf(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %sqrt2 = onnx.Constant dense<1.41421354> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %half = onnx.Constant dense<0.5> : tensor<f32>
  %a = onnx.Div %x, %sqrt2 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %e = onnx.Erf %a : tensor<2x8xf32> -> tensor<2x8xf32>
  %t = onnx.Add %e, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %m = onnx.Mul %x, %t : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = onnx.Mul %m, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// The tanh approximation as PyTorch 1.13 writes it at opset 13: x*x*x by
// two Muls, constants on the left, 0.5 applied last.
// CHECK-LABEL: func.func @gelu_tanh
// CHECK: %[[Y:.*]] = onnx.Gelu %arg0 {approximate = "tanh"}
// CHECK-NOT: onnx.Tanh
// CHECK: return %[[Y]]
func.func @gelu_tanh(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c1 = onnx.Constant dense<4.471500e-02> : tensor<f32>
  %c2 = onnx.Constant dense<0.797884583> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %half = onnx.Constant dense<0.5> : tensor<f32>
  %x2 = onnx.Mul %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %x3 = onnx.Mul %x, %x2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %cx3 = onnx.Mul %c1, %x3 : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %in = onnx.Add %x, %cx3 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %arg = onnx.Mul %c2, %in : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %th = onnx.Tanh %arg : tensor<4xf32> -> tensor<4xf32>
  %t = onnx.Add %one, %th : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %m = onnx.Mul %x, %t : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %y = onnx.Mul %half, %m : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Erf of x / 2 is not GELU; neither is a product missing the 0.5.
// CHECK-LABEL: func.func @not_gelu
// CHECK-NOT: onnx.Gelu
// CHECK-COUNT-2: onnx.Erf
func.func @not_gelu(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %two = onnx.Constant dense<2.0> : tensor<f32>
  %sqrt2 = onnx.Constant dense<1.41421354> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %half = onnx.Constant dense<0.5> : tensor<f32>
  %a = onnx.Div %x, %two : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e = onnx.Erf %a : tensor<4xf32> -> tensor<4xf32>
  %t = onnx.Add %e, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %m = onnx.Mul %x, %t : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %y = onnx.Mul %m, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %a2 = onnx.Div %x, %sqrt2 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e2 = onnx.Erf %a2 : tensor<4xf32> -> tensor<4xf32>
  %t2 = onnx.Add %e2, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %y2 = onnx.Mul %x, %t2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %y, %y2 : tensor<4xf32>, tensor<4xf32>
}
