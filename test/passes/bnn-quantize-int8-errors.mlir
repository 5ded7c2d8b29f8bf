// RUN: bnnc-opt %s --verify-diagnostics --bnn-quantize-int8="ranges=0:1"
// RUN: not bnnc-opt %s --bnn-quantize-int8="ranges=2:1,0:1" 2>&1 | FileCheck %s --check-prefix=ORDER
// RUN: not bnnc-opt %s --bnn-quantize-int8="ranges=0:1,0:1 layers=middle" 2>&1 | FileCheck %s --check-prefix=LAYERS

// One range for two measured tensors: an error, nothing rewritten.
// expected-error @+1 {{bnn-quantize-int8: 1 ranges for 2 measured tensors}}
func.func @count(%x: tensor<1x8xf32>) -> tensor<1x4xf32> {
  %w = bnn.constant dense<0.5> : tensor<4x8xf32>
  %g = bnn.gemm %x, %w {activation = #bnn.activation<none>, alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = true} : (tensor<1x8xf32>, tensor<4x8xf32>) -> tensor<1x4xf32>
  return %g : tensor<1x4xf32>
}

// ORDER: error: bnn-quantize-int8: ranges must be 'lo:hi,...' with lo <= hi, got '2:1,0:1'
// LAYERS: error: bnn-quantize-int8: layers must be all, or a list of first, last and layer indices, got 'middle'
