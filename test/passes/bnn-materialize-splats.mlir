// RUN: bnnc-opt %s --bnn-materialize-splats=max-elements=8 --split-input-file | FileCheck %s
// RUN: bnnc-opt %s --bnn-materialize-splats --split-input-file | FileCheck %s --check-prefix=DEFAULT

// A splat over the limit becomes one element broadcast into the arena (all
// strides 0); every use reads the fill.
// CHECK-LABEL: func.func @large_splat
// CHECK: %[[ONE:.*]] = bnn.constant dense<1.500000e+00> : tensor<1xf32>
// CHECK: %[[FILL:.*]] = bnn.strided_copy %[[ONE]] {offset = 0 : i64, strides = array<i64: 0, 0>} : tensor<1xf32> -> tensor<4x4xf32>
// CHECK: bnn.elementwise "add" %arg0, %[[FILL]]
// CHECK: bnn.elementwise "mul" %{{.*}}, %[[FILL]]
// CHECK-NOT: tensor<4x4xf32> dense
// The default limit (65536 elements) keeps it static data.
// DEFAULT-LABEL: func.func @large_splat
// DEFAULT: bnn.constant dense<1.500000e+00> : tensor<4x4xf32>
// DEFAULT-NOT: bnn.strided_copy
func.func @large_splat(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %c = bnn.constant dense<1.5> : tensor<4x4xf32>
  %a = bnn.elementwise "add" %x, %c : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %m = bnn.elementwise "mul" %a, %c : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %m : tensor<4x4xf32>
}

// -----

// Small splats, and large constants that are not splats, stay static data;
// integer splats are filled like float ones.
// CHECK-LABEL: func.func @small_and_varied
// CHECK: bnn.constant dense<2.000000e+00> : tensor<8xf32>
// CHECK: bnn.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00, 9.000000e+00]> : tensor<9xf32>
// CHECK: %[[ONE:.*]] = bnn.constant dense<-7> : tensor<1xi64>
// CHECK: bnn.strided_copy %[[ONE]] {offset = 0 : i64, strides = array<i64: 0>} : tensor<1xi64> -> tensor<9xi64>
func.func @small_and_varied(%x: tensor<8xf32>, %y: tensor<9xf32>, %z: tensor<9xi64>) -> (tensor<8xf32>, tensor<9xf32>, tensor<9xi64>) {
  %s = bnn.constant dense<2.0> : tensor<8xf32>
  %v = bnn.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]> : tensor<9xf32>
  %i = bnn.constant dense<-7> : tensor<9xi64>
  %a = bnn.elementwise "add" %x, %s : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %b = bnn.elementwise "add" %y, %v : (tensor<9xf32>, tensor<9xf32>) -> tensor<9xf32>
  %c = bnn.elementwise "add" %z, %i : (tensor<9xi64>, tensor<9xi64>) -> tensor<9xi64>
  return %a, %b, %c : tensor<8xf32>, tensor<9xf32>, tensor<9xi64>
}

// -----

// A splat that is itself a graph output is filled into the caller's buffer.
// CHECK-LABEL: func.func @splat_output
// CHECK: %[[FILL:.*]] = bnn.strided_copy
// CHECK: return %[[FILL]]
func.func @splat_output() -> tensor<16xf32> {
  %c = bnn.constant dense<0.0> : tensor<16xf32>
  return %c : tensor<16xf32>
}
