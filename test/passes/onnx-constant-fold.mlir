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

// -----

// Float-to-integer Cast folds truncate toward zero and saturate at the
// result type's bounds, NaN -> 0: what the generated C's bnnc_f32_to_*
// helpers compute at run time (runtime/bnnc/kernels_f32.h), so folded and
// run-time casts agree for every value, NaN, infinities and values beyond
// int64 included.
// CHECK-LABEL: func.func @cast_saturates
// CHECK-DAG: onnx.Constant dense<[0, 2147483647, -2147483648, 2147483647, -2147483648, -2, 2, 0]> : tensor<8xi32>
// CHECK-DAG: onnx.Constant dense<[0, 9223372036854775807, -9223372036854775808, 3000000000, -9223372036854775808, -2, 2, 0]> : tensor<8xi64>
// CHECK-DAG: onnx.Constant dense<[0, 127, -128, 127, -128, -2, 2, 0]> : tensor<8xi8>
// CHECK-DAG: onnx.Constant dense<[0, 255, 0, 255, 0, 0, 2, 0]> : tensor<8xui8>
// CHECK-NOT: onnx.Cast
func.func @cast_saturates() -> (tensor<8xi32>, tensor<8xi64>, tensor<8xi8>, tensor<8xui8>) {
  %x = onnx.Constant dense<[0x7FC00000, 0x7F800000, 0xFF800000, 3.0e9, -1.0e19, -2.5, 2.9, -0.0]> : tensor<8xf32>
  %a = onnx.Cast %x {to = 6 : i64} : tensor<8xf32> -> tensor<8xi32>
  %b = onnx.Cast %x {to = 7 : i64} : tensor<8xf32> -> tensor<8xi64>
  %c = onnx.Cast %x {to = 3 : i64} : tensor<8xf32> -> tensor<8xi8>
  %d = onnx.Cast %x {to = 2 : i64} : tensor<8xf32> -> tensor<8xui8>
  return %a, %b, %c, %d : tensor<8xi32>, tensor<8xi64>, tensor<8xi8>, tensor<8xui8>
}
