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

// -----

// Integer folding wraps around in two's complement (numpy's int64
// semantics) instead of overflowing in the compiler (a fuzzer finding:
// UBSan reported a signed overflow folding Mul). 2^62 * 4 = 2^64 wraps to
// 0, INT64_MIN / -1 and -INT64_MIN wrap to INT64_MIN, 3^41 wraps.
// CHECK-LABEL: func.func @int_wraparound
// CHECK-DAG: onnx.Constant dense<[0, -9223372036854775807, -9223372036854775808]> : tensor<3xi64>
// CHECK-DAG: onnx.Constant dense<-9223372036854775808> : tensor<i64>
// CHECK-DAG: onnx.Constant dense<-9223372036854775808> : tensor<1xi64>
// CHECK-DAG: onnx.Constant dense<[-420491770248316829, 0, 1]> : tensor<3xi64>
// CHECK-NOT: onnx.Mul
// CHECK-NOT: onnx.Div
// CHECK-NOT: onnx.Neg
// CHECK-NOT: onnx.Pow
func.func @int_wraparound() -> (tensor<3xi64>, tensor<i64>, tensor<1xi64>, tensor<3xi64>) {
  %a = onnx.Constant dense<[4611686018427387904, 9223372036854775807, -9223372036854775808]> : tensor<3xi64>
  %b = onnx.Constant dense<[4, -1, 1]> : tensor<3xi64>
  %m = onnx.Mul %a, %b : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %min = onnx.Constant dense<-9223372036854775808> : tensor<i64>
  %m1 = onnx.Constant dense<-1> : tensor<i64>
  %d = onnx.Div %min, %m1 : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %minv = onnx.Constant dense<[-9223372036854775808]> : tensor<1xi64>
  %n = onnx.Neg %minv : tensor<1xi64> -> tensor<1xi64>
  %base = onnx.Constant dense<[3, 2, 1]> : tensor<3xi64>
  %exp = onnx.Constant dense<[41, -1, -5]> : tensor<3xi64>
  %p = onnx.Pow %base, %exp : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  return %m, %d, %n, %p : tensor<3xi64>, tensor<i64>, tensor<1xi64>, tensor<3xi64>
}
