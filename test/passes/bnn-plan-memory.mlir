// RUN: bnnc-opt %s --bnn-plan-memory --split-input-file | FileCheck %s
// RUN: bnnc-opt %s --bnn-plan-memory=in-place=false --split-input-file | FileCheck %s --check-prefix=NOINPLACE
// RUN: bnnc-opt %s --bnn-plan-memory=fuse-cortex-m-requantize=true --split-input-file | FileCheck %s --check-prefix=CM
// RUN: not bnnc-opt %s --bnn-plan-memory=alignment=3 2>&1 | FileCheck %s --check-prefix=ALIGN
// ALIGN: alignment must be a power of two, got 3

// A chain of elementwise kernels runs in place: each result overwrites its
// operand, which dies there, so the whole chain is one 64-byte buffer (the
// lower bound). The output goes to the caller's buffer.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: bnn.arena_lower_bound = 64 : i64, bnn.arena_size = 64 : i64
// CHECK: bnn.elementwise "relu" %arg0 {bnn.offset = 0 : i64}
// CHECK: bnn.elementwise "sign" %{{.*}} {bnn.offset = 0 : i64}
// CHECK: bnn.elementwise "relu" %{{.*}} {bnn.offset = 0 : i64}
// CHECK: %[[OUT:.*]] = bnn.elementwise "sign" %{{.*}} : (tensor<16xf32>) -> tensor<16xf32>
// CHECK: return %[[OUT]]
// Without in-place, neighbours are live together, t0 and t2 are not, so t2
// reuses t0's bytes: two 64-byte tensors, again the lower bound.
// NOINPLACE-LABEL: func.func @chain
// NOINPLACE-SAME: bnn.arena_lower_bound = 128 : i64, bnn.arena_size = 128 : i64
// NOINPLACE: bnn.elementwise "relu" %arg0 {bnn.offset = 0 : i64}
// NOINPLACE: bnn.elementwise "sign" %{{.*}} {bnn.offset = 64 : i64}
// NOINPLACE: bnn.elementwise "relu" %{{.*}} {bnn.offset = 0 : i64}
func.func @chain(%x: tensor<16xf32>) -> tensor<16xf32> {
  %0 = bnn.elementwise "relu" %x : (tensor<16xf32>) -> tensor<16xf32>
  %1 = bnn.elementwise "sign" %0 : (tensor<16xf32>) -> tensor<16xf32>
  %2 = bnn.elementwise "relu" %1 : (tensor<16xf32>) -> tensor<16xf32>
  %3 = bnn.elementwise "sign" %2 : (tensor<16xf32>) -> tensor<16xf32>
  return %3 : tensor<16xf32>
}

// -----

// No in-place where the operand is still needed or has another shape: %0 is
// read again by the last op (so "sign" gets its own buffer), the broadcast
// operand of "add" is smaller than the result, and a graph input is never
// written. "add" does overwrite the sign result it reads through a reshape
// (a view of the same bytes, in the same order).
// CHECK-LABEL: func.func @not_in_place
// CHECK-SAME: bnn.arena_lower_bound = 144 : i64, bnn.arena_size = 144 : i64
// CHECK: %[[A:.*]] = bnn.elementwise "relu" %arg0 {bnn.offset = 0 : i64}
// CHECK: bnn.elementwise "sign" %[[A]] {bnn.offset = 64 : i64}
// CHECK: %[[R:.*]] = bnn.elementwise "relu" %arg1 {bnn.offset = 128 : i64}
// CHECK: bnn.elementwise "add" %[[R]], %{{.*}} {bnn.offset = 64 : i64}
func.func @not_in_place(%x: tensor<16xf32>, %s: tensor<4xf32>) -> tensor<16xf32> {
  %0 = bnn.elementwise "relu" %x : (tensor<16xf32>) -> tensor<16xf32>
  %1 = bnn.elementwise "sign" %0 : (tensor<16xf32>) -> tensor<16xf32>
  %r = bnn.elementwise "relu" %s : (tensor<4xf32>) -> tensor<4xf32>
  %m = bnn.reshape %1 : tensor<16xf32> -> tensor<4x4xf32>
  %2 = bnn.elementwise "add" %r, %m : (tensor<4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %f = bnn.reshape %2 : tensor<4x4xf32> -> tensor<16xf32>
  %3 = bnn.elementwise "mul" %f, %0 : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  return %3 : tensor<16xf32>
}

// -----

// A view extends the life of the tensor it aliases: %0 is read through the
// reshape by the last op, so %1 cannot take its bytes. Sizes are rounded up
// to the 16-byte alignment (3 floats -> 16 bytes).
// CHECK-LABEL: func.func @view
// CHECK-SAME: bnn.arena_lower_bound = 32 : i64, bnn.arena_size = 32 : i64
// CHECK: bnn.elementwise "relu" %arg0 {bnn.offset = 0 : i64}
// CHECK: bnn.reshape
// CHECK-NOT: bnn.offset
// CHECK: bnn.elementwise "sign" %arg0 {bnn.offset = 16 : i64}
func.func @view(%x: tensor<3xf32>) -> tensor<1x3xf32> {
  %0 = bnn.elementwise "relu" %x : (tensor<3xf32>) -> tensor<3xf32>
  %v = bnn.reshape %0 : tensor<3xf32> -> tensor<1x3xf32>
  %1 = bnn.elementwise "sign" %x : (tensor<3xf32>) -> tensor<3xf32>
  %w = bnn.reshape %1 : tensor<3xf32> -> tensor<1x3xf32>
  %2 = bnn.elementwise "add" %v, %w : (tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<1x3xf32>
  return %2 : tensor<1x3xf32>
}

// -----

// Greedy by size: the large tensor is placed first at 0; the two small ones
// that are live with it go above it, side by side.
// CHECK-LABEL: func.func @diamond
// CHECK-SAME: bnn.arena_lower_bound = 96 : i64, bnn.arena_size = 96 : i64
// CHECK: bnn.elementwise "relu" %arg0 {bnn.offset = 64 : i64} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK: bnn.elementwise "sign" %arg0 {bnn.offset = 80 : i64} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK: bnn.elementwise "add" {{.*}} {bnn.offset = 0 : i64} : (tensor<4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
func.func @diamond(%x: tensor<4xf32>, %y: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %a = bnn.elementwise "relu" %x : (tensor<4xf32>) -> tensor<4xf32>
  %b = bnn.elementwise "sign" %x : (tensor<4xf32>) -> tensor<4xf32>
  %big = bnn.elementwise "add" %a, %y : (tensor<4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %c = bnn.elementwise "mul" %b, %big : (tensor<4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %c : tensor<4x4xf32>
}

// -----

// An int8 convolution followed by its requantization: the convolution's
// input (the quantized 64-byte %q) stays live until the requantization,
// which a target may fuse into the convolution (the Cortex-M kernels write
// the requantized output while they read the input), so the requantized
// output does not reuse %q's bytes although %q's last reader is the
// convolution: 384 bytes, not the 320 of %q and the output sharing bytes.
// CHECK-LABEL: func.func @fused_requantize
// CHECK-SAME: bnn.arena_lower_bound = 384 : i64, bnn.arena_size = 384 : i64
// CHECK: bnn.quantize {{.*}} {axis = 1 : i64, bnn.offset = 256 : i64}
// CHECK: bnn.qconv2d {{.*}}bnn.offset = 0 : i64
// CHECK: bnn.requantize {{.*}} {axis = 1 : i64, bnn.offset = 320 : i64}
// For the Cortex-M targets, whose kernel writes the requantized output
// itself (bnn::fusableRequantize: constant weights and scales, a patch of
// 4 values), the int32 accumulators take no bytes at all: the convolution
// is marked bnn.fused_into_user and has no offset; %q and the output, live
// together, are the 128-byte arena.
// CM-LABEL: func.func @fused_requantize
// CM-SAME: bnn.arena_lower_bound = 128 : i64, bnn.arena_size = 128 : i64
// CM: bnn.qconv2d
// CM-SAME: bnn.fused_into_user
// CM-NOT: bnn.offset
// CM-SAME: -> tensor<1x4x4x4xi32>
// CM: bnn.requantize {{.*}}bnn.offset
func.func @fused_requantize(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %s = bnn.constant dense<0.5> : tensor<f32>
  %w = bnn.constant dense<1> : tensor<4x4x1x1xi8>
  %ws = bnn.constant dense<0.25> : tensor<4xf32>
  %q = bnn.quantize %x, %s {axis = 1 : i64} : (tensor<1x4x4x4xf32>, tensor<f32>) -> tensor<1x4x4x4xi8>
  %acc = bnn.qconv2d %q, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xi8>, tensor<4x4x1x1xi8>) -> tensor<1x4x4x4xi32>
  %r = bnn.requantize %acc, %s, %ws, %s {axis = 1 : i64} : (tensor<1x4x4x4xi32>, tensor<f32>, tensor<4xf32>, tensor<f32>) -> tensor<1x4x4x4xi8>
  %y = bnn.dequantize %r, %s {axis = 1 : i64} : (tensor<1x4x4x4xi8>, tensor<f32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// An op with several results (bnn.dynamic_quantize: the uint8 tensor, its
// scale and its zero point) gets a buffer per result, listed in
// bnn.result_offsets (-1: a graph output), with result 0's also as
// bnn.offset. All three are live at the qmatmul that reads them (its int32
// result must not share their bytes), and the scale until the Mul after
// it: the cast after the qmatmul takes the bytes of the tensor and the zero
// point (offset 0), never the scale's (16). (The planner once skipped such
// ops; the emitter then put all three results and the qmatmul's at offset
// 0, silently: wrong outputs.)
// CHECK-LABEL: func.func @several_results
// CHECK-SAME: bnn.arena_lower_bound = 64 : i64, bnn.arena_size = 64 : i64
// CHECK: bnn.dynamic_quantize %arg0 {bnn.offset = 0 : i64, bnn.result_offsets = array<i64: 0, 16, 32>}
// CHECK: bnn.qmatmul {{.*}} {bnn.offset = 48 : i64}
// CHECK: bnn.elementwise "cast" {{.*}} {bnn.offset = 0 : i64}
// CHECK-LABEL: func.func @several_results_returned
// CHECK: bnn.dynamic_quantize %arg0 {bnn.offset = 0 : i64, bnn.result_offsets = array<i64: 0, -1, 16>}
func.func @several_results(%x: tensor<2x8xf32>, %w: tensor<8x2xi8>) -> tensor<2x2xf32> {
  %q, %s, %z = bnn.dynamic_quantize %x : (tensor<2x8xf32>) -> (tensor<2x8xui8>, tensor<f32>, tensor<ui8>)
  %acc = bnn.qmatmul %q, %w a_zero_point %z : (tensor<2x8xui8>, tensor<8x2xi8>, tensor<ui8>) -> tensor<2x2xi32>
  %f = bnn.elementwise "cast" %acc : (tensor<2x2xi32>) -> tensor<2x2xf32>
  %y = bnn.elementwise "mul" %f, %s : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
func.func @several_results_returned(%x: tensor<2x8xf32>, %w: tensor<8x2xi8>) -> (tensor<2x2xi32>, tensor<f32>) {
  %q, %s, %z = bnn.dynamic_quantize %x : (tensor<2x8xf32>) -> (tensor<2x8xui8>, tensor<f32>, tensor<ui8>)
  %acc = bnn.qmatmul %q, %w a_zero_point %z : (tensor<2x8xui8>, tensor<8x2xi8>, tensor<ui8>) -> tensor<2x2xi32>
  return %acc, %s : tensor<2x2xi32>, tensor<f32>
}
