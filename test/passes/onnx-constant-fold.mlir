// RUN: bnnc-opt %s --onnx-constant-fold --split-input-file | FileCheck %s

// An initializer-only subgraph (Add, Mul with broadcasting, Relu, Sign,
// Reshape) folds to one constant; the runtime Add keeps it as an operand.
// CHECK-LABEL: func.func @initializer_subgraph
// CHECK-DAG: %[[C:.*]] = onnx.Constant dense<{{\[}}[2.000000e+00, 0.000000e+00], [1.000000e+00, 0.000000e+00]]> : tensor<2x2xf32>
// CHECK-NOT: onnx.Mul
// CHECK-NOT: onnx.Relu
// CHECK: %[[R:.*]] = onnx.Add %arg0, %[[C]]
// CHECK: return %[[R]]
func.func @initializer_subgraph(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %a = onnx.Constant dense<[[1.0, -2.0], [0.5, -1.0]]> : tensor<2x2xf32>
  %b = onnx.Constant dense<2.0> : tensor<f32>
  %m = onnx.Mul %a, %b : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xf32>
  %r = onnx.Relu %m : tensor<2x2xf32> -> tensor<2x2xf32>
  %s = onnx.Constant dense<[2, 2]> : tensor<2xi64>
  %v = onnx.Reshape %r, %s : (tensor<2x2xf32>, tensor<2xi64>) -> tensor<2x2xf32>
  %y = onnx.Add %x, %v : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// ONNX Sign keeps Sign(0) = 0; integer tensors fold exactly.
// CHECK-LABEL: func.func @sign_and_ints
// CHECK-DAG: onnx.Constant dense<[-1.000000e+00, 0.000000e+00, 1.000000e+00]> : tensor<3xf32>
// CHECK-DAG: onnx.Constant dense<[5, 7, 9]> : tensor<3xi64>
func.func @sign_and_ints() -> (tensor<3xf32>, tensor<3xi64>) {
  %a = onnx.Constant dense<[-3.0, 0.0, 0.25]> : tensor<3xf32>
  %s = onnx.Sign %a : tensor<3xf32> -> tensor<3xf32>
  %i = onnx.Constant dense<[1, 2, 3]> : tensor<3xi64>
  %j = onnx.Constant dense<[4, 5, 6]> : tensor<3xi64>
  %k = onnx.Add %i, %j : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  return %s, %k : tensor<3xf32>, tensor<3xi64>
}

// -----

// Identity and shape-preserving reshapes of runtime values disappear.
// CHECK-LABEL: func.func @noops
// CHECK-NOT: onnx.Identity
// CHECK-NOT: onnx.Flatten
// CHECK: return %arg0
func.func @noops(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %i = onnx.Identity %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %f = onnx.Flatten %i : tensor<2x3xf32> -> tensor<2x3xf32>
  return %f : tensor<2x3xf32>
}

// -----

// Negative axes (I64 attributes read as signed): Concat at -1, Gather at -1.
// CHECK-LABEL: func.func @negative_axes
// CHECK-DAG: onnx.Constant dense<{{\[}}[1, 2, 5], [3, 4, 6]]> : tensor<2x3xi64>
// CHECK-DAG: onnx.Constant dense<{{\[}}[2], [4]]> : tensor<2x1xi64>
func.func @negative_axes() -> (tensor<2x3xi64>, tensor<2x1xi64>) {
  %a = onnx.Constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %b = onnx.Constant dense<[[5], [6]]> : tensor<2x1xi64>
  %c = onnx.Concat %a, %b {axis = -1 : i64} : (tensor<2x2xi64>, tensor<2x1xi64>) -> tensor<2x3xi64>
  %i = onnx.Constant dense<[-1]> : tensor<1xi64>
  %g = onnx.Gather %a, %i {axis = -1 : i64} : (tensor<2x2xi64>, tensor<1xi64>) -> tensor<2x1xi64>
  return %c, %g : tensor<2x3xi64>, tensor<2x1xi64>
}
