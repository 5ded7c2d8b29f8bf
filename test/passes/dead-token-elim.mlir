// RUN: bnnc-opt %s --dead-token-elim --split-input-file | FileCheck %s

// The last pre-LN block of a ViT (N = 5 tokens, D = 4, 2 heads of 2, MLP
// hidden 8, fused q/k/v projection) and a head that reads the CLS token.
// Only the CLS row of the queries, scores, attention output, projection,
// residuals, LayerNorm 2, MLP and final LayerNorm is computed; LayerNorm 1
// and the keys and values keep all 5 tokens.
// MACs before: qkv 5*4*12 = 240, scores 2*5*5*2 = 100, P v 100, proj 80,
// fc1 160, fc2 160: 840. After: q 1*4*4 = 16, k/v 5*4*8 = 160, scores 20,
// P v 20, proj 16, fc1 32, fc2 32: 296.
// CHECK-LABEL: func.func @vit_last_block
// CHECK-SAME: bnn.dead_token_elim = {macs = [{block = "(unnamed)", macs_after = 296 : i64, macs_before = 840 : i64}], narrowed_ops = 21 : i64
// CHECK-SAME: selections = [{node = "unnamed node (Gather)", of = 5 : i64, rows = 1 : i64}], split_projections = 1 : i64}
// LayerNorm 1 runs on every token, the q projection (4 columns) on the CLS
// row, the k/v projection (8 columns) on every token.
// CHECK: %[[LN1:.*]] = onnx.LayerNormalization %arg0, {{.*}} -> tensor<1x5x4xf32>
// CHECK: %[[Q0:.*]] = onnx.Gather %[[LN1]], %{{.*}} {axis = 1 : i64} : (tensor<1x5x4xf32>, tensor<1xi64>) -> tensor<1x1x4xf32>
// CHECK: onnx.MatMul %[[Q0]], %{{.*}} : (tensor<1x1x4xf32>, tensor<4x4xf32>) -> tensor<1x1x4xf32>
// CHECK: onnx.Reshape {{.*}} -> tensor<1x1x2x2xf32>
// CHECK: %[[Q:.*]] = onnx.Transpose {{.*}} -> tensor<1x2x1x2xf32>
// CHECK: onnx.MatMul %[[LN1]], %{{.*}} : (tensor<1x5x4xf32>, tensor<4x8xf32>) -> tensor<1x5x8xf32>
// CHECK: onnx.Reshape {{.*}} -> tensor<1x5x2x2x2xf32>
// The scores and probabilities of one query row against all 5 keys.
// CHECK: onnx.MatMul %[[Q]], {{.*}} : (tensor<1x2x1x2xf32>, tensor<1x2x2x5xf32>) -> tensor<1x2x1x5xf32>
// CHECK: onnx.Softmax {{.*}} : tensor<1x2x1x5xf32> -> tensor<1x2x1x5xf32>
// CHECK: onnx.MatMul {{.*}} : (tensor<1x2x1x5xf32>, tensor<1x2x5x2xf32>) -> tensor<1x2x1x2xf32>
// CHECK: onnx.MatMul {{.*}} : (tensor<1x1x4xf32>, tensor<4x4xf32>) -> tensor<1x1x4xf32>
// The residual stream is read whole by LayerNorm 1, its CLS row here.
// CHECK: %[[CLS:.*]] = onnx.Gather %arg0, %{{.*}} {axis = 1 : i64} : (tensor<1x5x4xf32>, tensor<1xi64>) -> tensor<1x1x4xf32>
// CHECK: %[[R1:.*]] = onnx.Add %[[CLS]], %{{.*}} : (tensor<1x1x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4xf32>
// CHECK: onnx.LayerNormalization %[[R1]], {{.*}} -> tensor<1x1x4xf32>
// CHECK: onnx.MatMul {{.*}} : (tensor<1x1x4xf32>, tensor<4x8xf32>) -> tensor<1x1x8xf32>
// CHECK: onnx.Gelu {{.*}} : tensor<1x1x8xf32> -> tensor<1x1x8xf32>
// CHECK: onnx.MatMul {{.*}} : (tensor<1x1x8xf32>, tensor<8x4xf32>) -> tensor<1x1x4xf32>
// CHECK: onnx.Add %[[R1]], {{.*}} -> tensor<1x1x4xf32>
// CHECK: %[[LN:.*]] = onnx.LayerNormalization {{.*}} -> tensor<1x1x4xf32>
// CHECK: %[[OUT:.*]] = onnx.Reshape %[[LN]], %{{.*}} : (tensor<1x1x4xf32>, tensor<2xi64>) -> tensor<1x4xf32>
// CHECK: return %[[OUT]]
func.func @vit_last_block(%x: tensor<1x5x4xf32>) -> tensor<1x4xf32> {
  %g = onnx.Constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %be = onnx.Constant dense<[0.5, 0.25, 0.0, -0.5]> : tensor<4xf32>
  %wqkv = onnx.Constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0],
                               [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5],
                               [-1.0, -2.0, -3.0, -4.0, -5.0, -6.0, -7.0, -8.0, -9.0, -10.0, -11.0, -12.0],
                               [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75]]> : tensor<4x12xf32>
  %bqkv = onnx.Constant dense<[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]> : tensor<12xf32>
  %s5 = onnx.Constant dense<[1, 5, 3, 2, 2]> : tensor<5xi64>
  %s3 = onnx.Constant dense<[1, 5, 4]> : tensor<3xi64>
  %i0 = onnx.Constant dense<0> : tensor<i64>
  %i1 = onnx.Constant dense<1> : tensor<i64>
  %i2 = onnx.Constant dense<2> : tensor<i64>
  %scale = onnx.Constant dense<0.7071> : tensor<f32>
  %wp = onnx.Constant dense<0.5> : tensor<4x4xf32>
  %bp = onnx.Constant dense<0.1> : tensor<4xf32>
  %w1 = onnx.Constant dense<0.25> : tensor<4x8xf32>
  %b1 = onnx.Constant dense<0.2> : tensor<8xf32>
  %w2 = onnx.Constant dense<-0.25> : tensor<8x4xf32>
  %b2 = onnx.Constant dense<0.3> : tensor<4xf32>
  %ln1 = onnx.LayerNormalization %x, %g, %be {axis = -1 : i64} : (tensor<1x5x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x5x4xf32>
  %qkv0 = onnx.MatMul %ln1, %wqkv : (tensor<1x5x4xf32>, tensor<4x12xf32>) -> tensor<1x5x12xf32>
  %qkv = onnx.Add %bqkv, %qkv0 : (tensor<12xf32>, tensor<1x5x12xf32>) -> tensor<1x5x12xf32>
  %r5 = onnx.Reshape %qkv, %s5 : (tensor<1x5x12xf32>, tensor<5xi64>) -> tensor<1x5x3x2x2xf32>
  %t = onnx.Transpose %r5 {perm = array<i64: 2, 0, 3, 1, 4>} : tensor<1x5x3x2x2xf32> -> tensor<3x1x2x5x2xf32>
  %q = onnx.Gather %t, %i0 {axis = 0 : i64} : (tensor<3x1x2x5x2xf32>, tensor<i64>) -> tensor<1x2x5x2xf32>
  %k = onnx.Gather %t, %i1 {axis = 0 : i64} : (tensor<3x1x2x5x2xf32>, tensor<i64>) -> tensor<1x2x5x2xf32>
  %v = onnx.Gather %t, %i2 {axis = 0 : i64} : (tensor<3x1x2x5x2xf32>, tensor<i64>) -> tensor<1x2x5x2xf32>
  %kt = onnx.Transpose %k {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x5x2xf32> -> tensor<1x2x2x5xf32>
  %sc = onnx.MatMul %q, %kt : (tensor<1x2x5x2xf32>, tensor<1x2x2x5xf32>) -> tensor<1x2x5x5xf32>
  %scs = onnx.Mul %sc, %scale : (tensor<1x2x5x5xf32>, tensor<f32>) -> tensor<1x2x5x5xf32>
  %p = onnx.Softmax %scs {axis = -1 : i64} : tensor<1x2x5x5xf32> -> tensor<1x2x5x5xf32>
  %pv = onnx.MatMul %p, %v : (tensor<1x2x5x5xf32>, tensor<1x2x5x2xf32>) -> tensor<1x2x5x2xf32>
  %pvt = onnx.Transpose %pv {perm = array<i64: 0, 2, 1, 3>} : tensor<1x2x5x2xf32> -> tensor<1x5x2x2xf32>
  %o = onnx.Reshape %pvt, %s3 : (tensor<1x5x2x2xf32>, tensor<3xi64>) -> tensor<1x5x4xf32>
  %pr0 = onnx.MatMul %o, %wp : (tensor<1x5x4xf32>, tensor<4x4xf32>) -> tensor<1x5x4xf32>
  %pr = onnx.Add %bp, %pr0 : (tensor<4xf32>, tensor<1x5x4xf32>) -> tensor<1x5x4xf32>
  %x1 = onnx.Add %x, %pr : (tensor<1x5x4xf32>, tensor<1x5x4xf32>) -> tensor<1x5x4xf32>
  %ln2 = onnx.LayerNormalization %x1, %g, %be {axis = -1 : i64} : (tensor<1x5x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x5x4xf32>
  %h0 = onnx.MatMul %ln2, %w1 : (tensor<1x5x4xf32>, tensor<4x8xf32>) -> tensor<1x5x8xf32>
  %h = onnx.Add %b1, %h0 : (tensor<8xf32>, tensor<1x5x8xf32>) -> tensor<1x5x8xf32>
  %a = onnx.Gelu %h : tensor<1x5x8xf32> -> tensor<1x5x8xf32>
  %m0 = onnx.MatMul %a, %w2 : (tensor<1x5x8xf32>, tensor<8x4xf32>) -> tensor<1x5x4xf32>
  %m = onnx.Add %b2, %m0 : (tensor<4xf32>, tensor<1x5x4xf32>) -> tensor<1x5x4xf32>
  %x2 = onnx.Add %x1, %m : (tensor<1x5x4xf32>, tensor<1x5x4xf32>) -> tensor<1x5x4xf32>
  %ln = onnx.LayerNormalization %x2, %g, %be {axis = -1 : i64} : (tensor<1x5x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x5x4xf32>
  %cls = onnx.Gather %ln, %i0 {axis = 1 : i64} : (tensor<1x5x4xf32>, tensor<i64>) -> tensor<1x4xf32>
  return %cls : tensor<1x4xf32>
}

// -----

// The split projection: q gets W's columns 0-3 and b's first 4 values; k
// and v keep the columns 4-11, their Gathers pick components 0 and 1 of the
// rest and read all 3 tokens.
// CHECK-LABEL: func.func @split_columns
// CHECK: %[[WQ:.*]] = onnx.Constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00]]> : tensor<2x4xf32>
// CHECK: %[[X:.*]] = onnx.Gather %arg0, %{{.*}} {axis = 1 : i64} : (tensor<1x3x2xf32>, tensor<1xi64>) -> tensor<1x1x2xf32>
// CHECK: %[[MQ:.*]] = onnx.MatMul %[[X]], %[[WQ]] : (tensor<1x1x2xf32>, tensor<2x4xf32>) -> tensor<1x1x4xf32>
// CHECK: %[[BQ:.*]] = onnx.Constant dense<[0.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<4xf32>
// CHECK: onnx.Add %[[MQ]], %[[BQ]]
// CHECK: %[[Q:.*]] = onnx.Transpose {{.*}} : tensor<1x1x1x4xf32> -> tensor<1x1x1x4xf32>
// CHECK: %[[WKV:.*]] = onnx.Constant dense<{{\[}}[5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00, 9.000000e+00, 1.000000e+01, 1.100000e+01, 1.200000e+01], [1.300000e+01, 1.400000e+01, 1.500000e+01, 1.600000e+01, 1.700000e+01, 1.800000e+01, 1.900000e+01, 2.000000e+01]]> : tensor<2x8xf32>
// CHECK: %[[MKV:.*]] = onnx.MatMul %arg0, %[[WKV]] : (tensor<1x3x2xf32>, tensor<2x8xf32>) -> tensor<1x3x8xf32>
// CHECK: %[[BKV:.*]] = onnx.Constant dense<[4.000000e+00, 5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00, 9.000000e+00, 1.000000e+01, 1.100000e+01]> : tensor<8xf32>
// CHECK: onnx.Add %[[MKV]], %[[BKV]]
// CHECK: %[[TKV:.*]] = onnx.Transpose {{.*}} : tensor<1x3x2x1x4xf32> -> tensor<2x1x1x3x4xf32>
// CHECK: %[[C0:.*]] = onnx.Constant dense<0> : tensor<i64>
// CHECK: onnx.Gather %[[TKV]], %[[C0]] : (tensor<2x1x1x3x4xf32>, tensor<i64>) -> tensor<1x1x3x4xf32>
// CHECK: %[[C1:.*]] = onnx.Constant dense<1> : tensor<i64>
// CHECK: onnx.Gather %[[TKV]], %[[C1]] : (tensor<2x1x1x3x4xf32>, tensor<i64>) -> tensor<1x1x3x4xf32>
// CHECK: return %[[Q]]
func.func @split_columns(%x: tensor<1x3x2xf32>) -> (tensor<1x1x1x4xf32>, tensor<1x1x3x4xf32>) {
  %w = onnx.Constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0],
                            [5.0, 6.0, 7.0, 8.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0]]> : tensor<2x12xf32>
  %b = onnx.Constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]> : tensor<12xf32>
  %s5 = onnx.Constant dense<[1, 3, 3, 1, 4]> : tensor<5xi64>
  %i0 = onnx.Constant dense<0> : tensor<i64>
  %i1 = onnx.Constant dense<1> : tensor<i64>
  %i2 = onnx.Constant dense<2> : tensor<i64>
  %last = onnx.Constant dense<[2]> : tensor<1xi64>
  %mm = onnx.MatMul %x, %w : (tensor<1x3x2xf32>, tensor<2x12xf32>) -> tensor<1x3x12xf32>
  %qkv = onnx.Add %mm, %b : (tensor<1x3x12xf32>, tensor<12xf32>) -> tensor<1x3x12xf32>
  %r5 = onnx.Reshape %qkv, %s5 : (tensor<1x3x12xf32>, tensor<5xi64>) -> tensor<1x3x3x1x4xf32>
  %t = onnx.Transpose %r5 {perm = array<i64: 2, 0, 3, 1, 4>} : tensor<1x3x3x1x4xf32> -> tensor<3x1x1x3x4xf32>
  %q = onnx.Gather %t, %i0 {axis = 0 : i64} : (tensor<3x1x1x3x4xf32>, tensor<i64>) -> tensor<1x1x3x4xf32>
  %k = onnx.Gather %t, %i1 {axis = 0 : i64} : (tensor<3x1x1x3x4xf32>, tensor<i64>) -> tensor<1x1x3x4xf32>
  %v = onnx.Gather %t, %i2 {axis = 0 : i64} : (tensor<3x1x1x3x4xf32>, tensor<i64>) -> tensor<1x1x3x4xf32>
  %kv = onnx.Add %k, %v : (tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x3x4xf32>
  %r = onnx.Gather %q, %last {axis = 2 : i64} : (tensor<1x1x3x4xf32>, tensor<1xi64>) -> tensor<1x1x1x4xf32>
  return %r, %kv : tensor<1x1x1x4xf32>, tensor<1x1x3x4xf32>
}

// -----

// A Slice of the first two rows moves above a LayerNorm and a MatMul; an
// unsorted, repeated selection reads the narrowed rows through a Gather.
// CHECK-LABEL: func.func @slice_rows
// CHECK: %[[X:.*]] = onnx.Gather %arg0, %{{.*}} {axis = 1 : i64} : (tensor<2x6x4xf32>, tensor<2xi64>) -> tensor<2x2x4xf32>
// CHECK: %[[LN:.*]] = onnx.LayerNormalization %[[X]], {{.*}} -> tensor<2x2x4xf32>
// CHECK: %[[M:.*]] = onnx.MatMul %[[LN]], {{.*}} -> tensor<2x2x3xf32>
// CHECK: %[[Y:.*]] = onnx.Relu %[[M]] : tensor<2x2x3xf32> -> tensor<2x2x3xf32>
// CHECK: %[[I:.*]] = onnx.Constant dense<[1, 0, 1]> : tensor<3xi64>
// CHECK: %[[P:.*]] = onnx.Gather %[[Y]], %[[I]] {axis = 1 : i64} : (tensor<2x2x3xf32>, tensor<3xi64>) -> tensor<2x3x3xf32>
// CHECK: return %[[Y]], %[[P]]
func.func @slice_rows(%x: tensor<2x6x4xf32>) -> (tensor<2x2x3xf32>, tensor<2x3x3xf32>) {
  %g = onnx.Constant dense<1.0> : tensor<4xf32>
  %w = onnx.Constant dense<0.5> : tensor<4x3xf32>
  %starts = onnx.Constant dense<[0]> : tensor<1xi64>
  %ends = onnx.Constant dense<[2]> : tensor<1xi64>
  %axes = onnx.Constant dense<[1]> : tensor<1xi64>
  %picks = onnx.Constant dense<[1, 0, 1]> : tensor<3xi64>
  %none = onnx.NoValue
  %ln = onnx.LayerNormalization %x, %g, %none {axis = -1 : i64} : (tensor<2x6x4xf32>, tensor<4xf32>, none) -> tensor<2x6x4xf32>
  %m = onnx.MatMul %ln, %w : (tensor<2x6x4xf32>, tensor<4x3xf32>) -> tensor<2x6x3xf32>
  %y = onnx.Relu %m : tensor<2x6x3xf32> -> tensor<2x6x3xf32>
  %s = onnx.Slice %y, %starts, %ends, %axes, %none : (tensor<2x6x3xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<2x2x3xf32>
  %p = onnx.Gather %y, %picks {axis = 1 : i64} : (tensor<2x6x3xf32>, tensor<3xi64>) -> tensor<2x3x3xf32>
  return %s, %p : tensor<2x2x3xf32>, tensor<2x3x3xf32>
}

// -----

// A BERT-style layer on the token matrix [B*N, D] (B = 2, N = 3) and a CLS
// readout of it viewed as [B, N, D]: the rows 0 and 3 of the matrix (the CLS
// row of each sequence), i.e. the CLS row of the input.
// CHECK-LABEL: func.func @flattened_tokens
// CHECK-SAME: macs_after = 32 : i64, macs_before = 96 : i64
// CHECK: %[[X:.*]] = onnx.Gather %arg0, %{{.*}} {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
// CHECK: %[[F:.*]] = onnx.Reshape %[[X]], %{{.*}} : (tensor<2x1x4xf32>, tensor<2xi64>) -> tensor<2x4xf32>
// CHECK: %[[LN:.*]] = onnx.LayerNormalization %[[F]], {{.*}} -> tensor<2x4xf32>
// CHECK: %[[G:.*]] = onnx.Gemm %[[LN]], {{.*}} -> tensor<2x4xf32>
// CHECK: %[[Y:.*]] = onnx.Add %[[F]], %[[G]] : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK: %[[Y3:.*]] = onnx.Reshape %[[Y]], %{{.*}} : (tensor<2x4xf32>, tensor<3xi64>) -> tensor<2x1x4xf32>
// CHECK: %[[OUT:.*]] = onnx.Reshape %[[Y3]], %{{.*}} : (tensor<2x1x4xf32>, tensor<2xi64>) -> tensor<2x4xf32>
// CHECK: return %[[OUT]]
func.func @flattened_tokens(%x: tensor<2x3x4xf32>) -> tensor<2x4xf32> {
  %g = onnx.Constant dense<1.0> : tensor<4xf32>
  %w = onnx.Constant dense<0.5> : tensor<4x4xf32>
  %none = onnx.NoValue
  %s2 = onnx.Constant dense<[6, 4]> : tensor<2xi64>
  %s3 = onnx.Constant dense<[2, 3, 4]> : tensor<3xi64>
  %i0 = onnx.Constant dense<0> : tensor<i64>
  %flat = onnx.Reshape %x, %s2 : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %ln = onnx.LayerNormalization %flat, %g, %none {axis = -1 : i64} : (tensor<6x4xf32>, tensor<4xf32>, none) -> tensor<6x4xf32>
  %lin = onnx.Gemm %ln, %w, %none : (tensor<6x4xf32>, tensor<4x4xf32>, none) -> tensor<6x4xf32>
  %y = onnx.Add %flat, %lin : (tensor<6x4xf32>, tensor<6x4xf32>) -> tensor<6x4xf32>
  %y3 = onnx.Reshape %y, %s3 : (tensor<6x4xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
  %cls = onnx.Gather %y3, %i0 {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<i64>) -> tensor<2x4xf32>
  return %cls : tensor<2x4xf32>
}

// -----

// Rows that are not the same in every block of a flattened [B*N, D] matrix
// are not rows of [B, N, D]: the first 2 of 6 rows stay a selection there.
// CHECK-LABEL: func.func @flattened_uneven
// CHECK: onnx.Reshape %arg0, %{{.*}} -> tensor<6x4xf32>
// CHECK: onnx.Relu %{{.*}} : tensor<2x4xf32> -> tensor<2x4xf32>
func.func @flattened_uneven(%x: tensor<2x3x4xf32>) -> tensor<2x4xf32> {
  %s2 = onnx.Constant dense<[6, 4]> : tensor<2xi64>
  %rows = onnx.Constant dense<[0, 1]> : tensor<2xi64>
  %flat = onnx.Reshape %x, %s2 : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %r = onnx.Relu %flat : tensor<6x4xf32> -> tensor<6x4xf32>
  %y = onnx.Gather %r, %rows {axis = 0 : i64} : (tensor<6x4xf32>, tensor<2xi64>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Nothing to do: BiBERT-style mean pooling reads every token.
// CHECK-LABEL: func.func @mean_pool
// CHECK-NOT: bnn.dead_token_elim
// CHECK: onnx.LayerNormalization %arg0, {{.*}} -> tensor<1x5x4xf32>
// CHECK: onnx.MatMul {{.*}} -> tensor<1x5x4xf32>
// CHECK: onnx.ReduceMean {{.*}} -> tensor<1x4xf32>
func.func @mean_pool(%x: tensor<1x5x4xf32>) -> tensor<1x4xf32> {
  %g = onnx.Constant dense<1.0> : tensor<4xf32>
  %w = onnx.Constant dense<0.5> : tensor<4x4xf32>
  %none = onnx.NoValue
  %ln = onnx.LayerNormalization %x, %g, %none {axis = -1 : i64} : (tensor<1x5x4xf32>, tensor<4xf32>, none) -> tensor<1x5x4xf32>
  %m = onnx.MatMul %ln, %w : (tensor<1x5x4xf32>, tensor<4x4xf32>) -> tensor<1x5x4xf32>
  %p = onnx.ReduceMean %m {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<1x5x4xf32>) -> tensor<1x4xf32>
  return %p : tensor<1x4xf32>
}

// -----

// Nothing to do: the value is also returned whole, a Softmax normalizes
// along the selected axis, and the selections take every row.
// CHECK-LABEL: func.func @all_rows_read
// CHECK-NOT: bnn.dead_token_elim
// CHECK: %[[M:.*]] = onnx.MatMul %arg0, {{.*}} -> tensor<1x5x4xf32>
// CHECK: onnx.Gather %[[M]], {{.*}} -> tensor<1x4xf32>
// CHECK: %[[S:.*]] = onnx.Softmax %arg0 {axis = 1 : i64} : tensor<1x5x4xf32> -> tensor<1x5x4xf32>
// CHECK: onnx.Gather %[[S]], {{.*}} -> tensor<1x4xf32>
// CHECK: %[[N:.*]] = onnx.Neg %arg0 : tensor<1x5x4xf32> -> tensor<1x5x4xf32>
// CHECK: onnx.Gather %[[N]], {{.*}} -> tensor<1x5x4xf32>
func.func @all_rows_read(%x: tensor<1x5x4xf32>) -> (tensor<1x5x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x5x4xf32>) {
  %w = onnx.Constant dense<0.5> : tensor<4x4xf32>
  %i0 = onnx.Constant dense<0> : tensor<i64>
  %perm = onnx.Constant dense<[4, 3, 2, 1, 0]> : tensor<5xi64>
  %m = onnx.MatMul %x, %w : (tensor<1x5x4xf32>, tensor<4x4xf32>) -> tensor<1x5x4xf32>
  %c = onnx.Gather %m, %i0 {axis = 1 : i64} : (tensor<1x5x4xf32>, tensor<i64>) -> tensor<1x4xf32>
  %s = onnx.Softmax %x {axis = 1 : i64} : tensor<1x5x4xf32> -> tensor<1x5x4xf32>
  %sc = onnx.Gather %s, %i0 {axis = 1 : i64} : (tensor<1x5x4xf32>, tensor<i64>) -> tensor<1x4xf32>
  %n = onnx.Neg %x : tensor<1x5x4xf32> -> tensor<1x5x4xf32>
  %r = onnx.Gather %n, %perm {axis = 1 : i64} : (tensor<1x5x4xf32>, tensor<5xi64>) -> tensor<1x5x4xf32>
  return %m, %c, %sc, %r : tensor<1x5x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x5x4xf32>
}

// -----

// More row-wise ops: Concat along another axis, a Gemm with transA and a
// per-row C, MatMul columns (a selection along B's last axis) and then its
// rows.
// CHECK-LABEL: func.func @more_rules
// CHECK-DAG: %[[A:.*]] = onnx.Gather %arg0, %{{.*}} {axis = 1 : i64} : (tensor<3x5xf32>, tensor<2xi64>) -> tensor<3x2xf32>
// CHECK-DAG: %[[C:.*]] = onnx.Gather %arg1, %{{.*}} : (tensor<5x4xf32>, tensor<2xi64>) -> tensor<2x4xf32>
// CHECK: %[[G:.*]] = onnx.Gemm %[[A]], %{{.*}}, %[[C]] {transA = 1 : i64} : (tensor<3x2xf32>, tensor<3x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK: %[[B:.*]] = onnx.Gather %arg2, %{{.*}} {axis = 1 : i64} : (tensor<4x6xf32>, tensor<1xi64>) -> tensor<4x1xf32>
// CHECK: onnx.MatMul %[[G]], %[[B]] : (tensor<2x4xf32>, tensor<4x1xf32>) -> tensor<2x1xf32>
// A selection does not move above another 1-D one (two such Gathers on
// different axes would swap places forever).
// CHECK: %[[X:.*]] = onnx.Gather %arg3, %{{.*}} {axis = 2 : i64} : (tensor<2x5x3xf32>, tensor<2xi64>) -> tensor<2x5x2xf32>
// CHECK: %[[Y:.*]] = onnx.Gather %[[X]], %{{.*}} {axis = 1 : i64} : (tensor<2x5x2xf32>, tensor<1xi64>) -> tensor<2x1x2xf32>
// CHECK: %[[Z:.*]] = onnx.Gather %arg4, %{{.*}} {axis = 1 : i64} : (tensor<2x5x1xf32>, tensor<1xi64>) -> tensor<2x1x1xf32>
// CHECK: onnx.Concat %[[Y]], %[[Z]] {axis = 2 : i64} : (tensor<2x1x2xf32>, tensor<2x1x1xf32>) -> tensor<2x1x3xf32>
func.func @more_rules(%a: tensor<3x5xf32>, %c: tensor<5x4xf32>, %b: tensor<4x6xf32>, %x: tensor<2x5x3xf32>, %z: tensor<2x5x1xf32>) -> (tensor<2x1xf32>, tensor<2x1x3xf32>) {
  %w = onnx.Constant dense<0.5> : tensor<3x4xf32>
  %rows = onnx.Constant dense<[1, 3]> : tensor<2xi64>
  %col = onnx.Constant dense<[5]> : tensor<1xi64>
  %cols = onnx.Constant dense<[0, 2]> : tensor<2xi64>
  %tok = onnx.Constant dense<[4]> : tensor<1xi64>
  %gemm = onnx.Gemm %a, %w, %c {transA = 1 : i64} : (tensor<3x5xf32>, tensor<3x4xf32>, tensor<5x4xf32>) -> tensor<5x4xf32>
  %mm = onnx.MatMul %gemm, %b : (tensor<5x4xf32>, tensor<4x6xf32>) -> tensor<5x6xf32>
  %mc = onnx.Gather %mm, %col {axis = 1 : i64} : (tensor<5x6xf32>, tensor<1xi64>) -> tensor<5x1xf32>
  %mr = onnx.Gather %mc, %rows {axis = 0 : i64} : (tensor<5x1xf32>, tensor<2xi64>) -> tensor<2x1xf32>
  %xs = onnx.Gather %x, %cols {axis = 2 : i64} : (tensor<2x5x3xf32>, tensor<2xi64>) -> tensor<2x5x2xf32>
  %cat = onnx.Concat %xs, %z {axis = 2 : i64} : (tensor<2x5x2xf32>, tensor<2x5x1xf32>) -> tensor<2x5x3xf32>
  %t = onnx.Gather %cat, %tok {axis = 1 : i64} : (tensor<2x5x3xf32>, tensor<1xi64>) -> tensor<2x1x3xf32>
  return %mr, %t : tensor<2x1xf32>, tensor<2x1x3xf32>
}

// -----

// Before opset 13, Softmax normalizes over all axes from `axis` (default
// 1): rows of an earlier axis narrow, rows of a later one do not.
// CHECK-LABEL: func.func @softmax_opset11
// CHECK: %[[X:.*]] = onnx.Gather %arg0, %{{.*}} : (tensor<3x5x4xf32>, tensor<1xi64>) -> tensor<1x5x4xf32>
// CHECK: onnx.Softmax %[[X]] : tensor<1x5x4xf32> -> tensor<1x5x4xf32>
// CHECK: %[[S:.*]] = onnx.Softmax %arg1 : tensor<3x5x4xf32> -> tensor<3x5x4xf32>
// CHECK: onnx.Gather %[[S]], %{{.*}} {axis = 2 : i64} : (tensor<3x5x4xf32>, tensor<1xi64>) -> tensor<3x5x1xf32>
func.func @softmax_opset11(%x: tensor<3x5x4xf32>, %y: tensor<3x5x4xf32>) -> (tensor<1x5x4xf32>, tensor<3x5x1xf32>) attributes {onnx.opset = 11 : i64} {
  %i = onnx.Constant dense<[2]> : tensor<1xi64>
  %s = onnx.Softmax %x : tensor<3x5x4xf32> -> tensor<3x5x4xf32>
  %r = onnx.Gather %s, %i {axis = 0 : i64} : (tensor<3x5x4xf32>, tensor<1xi64>) -> tensor<1x5x4xf32>
  %t = onnx.Softmax %y : tensor<3x5x4xf32> -> tensor<3x5x4xf32>
  %u = onnx.Gather %t, %i {axis = 2 : i64} : (tensor<3x5x4xf32>, tensor<1xi64>) -> tensor<3x5x1xf32>
  return %r, %u : tensor<1x5x4xf32>, tensor<3x5x1xf32>
}
