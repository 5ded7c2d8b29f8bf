// RUN: bnnc-opt %s --bnn-quantize-int8="ranges=-1:1,0:4,-2:2" | FileCheck %s
// RUN: bnnc-opt %s --bnn-quantize-int8="ranges=-1:1,0:4,-2:2" --bnn-fuse-qdq | FileCheck %s --check-prefix=FUSED
// RUN: bnnc-opt %s --bnn-quantize-int8="ranges=-1:1,0:4,-2:2 layers=1 expose=true" | FileCheck %s --check-prefix=EXPOSE

// A transformer's Linear layers: MatMul of [B, N, K] tokens by constant
// [K, N] weights, its bias add (and a ReLU), then a second Linear without
// bias. Each becomes the Gemm of the flattened rows (reshape -> gemm ->
// reshape), quantized like any Gemm; attention's product of two
// activations (%qk) is not a layer and is left alone.
// CHECK-LABEL: func.func @linears
// CHECK: %[[R:.*]] = bnn.reshape %arg0 : tensor<2x3x4xf32> -> tensor<6x4xf32>
// CHECK: %[[XQ:.*]] = bnn.quantize %[[R]]
// CHECK: %[[X:.*]] = bnn.dequantize %[[XQ]]
// CHECK: %[[G:.*]] = bnn.gemm %[[X]], {{.*}} : (tensor<6x4xf32>, tensor<4x5xf32>, tensor<5xf32>) -> tensor<6x5xf32>
// CHECK: %[[RELU:.*]] = bnn.elementwise "relu" %[[G]] : (tensor<6x5xf32>) -> tensor<6x5xf32>
// CHECK: bnn.quantize %[[RELU]]
// CHECK: bnn.reshape {{.*}} : tensor<6x5xf32> -> tensor<2x3x5xf32>
// CHECK: bnn.gemm {{.*}} : (tensor<6x5xf32>, tensor<5x4xf32>) -> tensor<6x4xf32>
// CHECK: bnn.matmul %{{.*}}, %{{.*}} {trans_b}
// CHECK-NOT: bnn.elementwise "add"

// FUSED-LABEL: func.func @linears
// FUSED-COUNT-2: bnn.qconv2d
// FUSED-NOT: bnn.gemm

// layers=1: only the second Linear; with expose, the three measured
// tensors as the quantized model computes them follow the graph output,
// the last one the second Linear's dequantized int8 result.
// EXPOSE-LABEL: func.func @linears
// EXPOSE-SAME: -> (tensor<2x3x3xf32>, tensor<2x3x4xf32> {bnn.calibrates = "the input of unnamed node (bnn.matmul)", onnx.name = "bnnc_calibration_0"}
// EXPOSE-SAME: bnn.calibration_layers = [{input = 0 : i64, module = "(unnamed)", output = 1 : i64}, {input = 1 : i64, module = "(unnamed)", output = 2 : i64}]
// EXPOSE-SAME: quantized = false, reason = "not selected (--quantize=int8:1)"
// EXPOSE: bnn.matmul %arg0
// EXPOSE: bnn.gemm
// EXPOSE: %[[D:.*]] = bnn.dequantize
// EXPOSE: %[[BACK:.*]] = bnn.reshape %[[D]] : tensor<6x4xf32> -> tensor<2x3x4xf32>
// EXPOSE: return %{{.*}}, %arg0, %{{.*}}, %[[BACK]]
func.func @linears(%x: tensor<2x3x4xf32>) -> tensor<2x3x3xf32> {
  %w1 = bnn.constant dense<0.25> : tensor<4x5xf32>
  %b1 = bnn.constant dense<[0.1, 0.2, 0.3, 0.4, 0.5]> : tensor<5xf32>
  %m1 = bnn.matmul %x, %w1 : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
  %a1 = bnn.elementwise "add" %m1, %b1 : (tensor<2x3x5xf32>, tensor<5xf32>) -> tensor<2x3x5xf32>
  %r1 = bnn.elementwise "relu" %a1 : (tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
  %w2 = bnn.constant dense<-0.5> : tensor<5x4xf32>
  %m2 = bnn.matmul %r1, %w2 : (tensor<2x3x5xf32>, tensor<5x4xf32>) -> tensor<2x3x4xf32>
  %qk = bnn.matmul %m2, %x {trans_b} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x3xf32>
  return %qk : tensor<2x3x3xf32>
}
