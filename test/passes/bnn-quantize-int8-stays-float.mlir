// RUN: bnnc-opt %s --verify-diagnostics --bnn-quantize-int8="ranges=0:1,-1:1" | FileCheck %s

// A Gemm with alpha != 1 stays float, with a remark and a record; the
// ranges of its tensors are still read (two of them).
// CHECK-LABEL: func.func @alpha_gemm
// CHECK-SAME: bnn.int8_ptq = [{node = "unnamed node (bnn.gemm)", quantized = false, reason = "only Gemm with alpha = beta = 1 and no transA is quantized"}]
// CHECK-NOT: bnn.quantize
func.func @alpha_gemm(%x: tensor<1x8xf32>) -> tensor<1x4xf32> {
  %w = bnn.constant dense<0.5> : tensor<4x8xf32>
  // expected-remark @+1 {{unnamed node (bnn.gemm): stays float32: only Gemm with alpha = beta = 1 and no transA is quantized}}
  %g = bnn.gemm %x, %w {activation = #bnn.activation<none>, alpha = 2.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = true} : (tensor<1x8xf32>, tensor<4x8xf32>) -> tensor<1x4xf32>
  return %g : tensor<1x4xf32>
}
