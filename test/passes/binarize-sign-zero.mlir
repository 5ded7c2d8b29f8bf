// RUN: bnnc-opt %s --binarize --split-input-file --verify-diagnostics | FileCheck %s

// ONNX Sign(0) = 0 has no +-1 bit (docs/binarization.md, "Sign(0)"). A Sign
// of a graph input can see exact zeros: the layer stays real, with a warning.
// CHECK-LABEL: func.func @graph_input
// CHECK-NOT: bnn.pack
// CHECK: onnx.Conv
func.func @graph_input(%a: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %s = onnx.Sign %a : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %w = onnx.Constant dense<1.0> : tensor<2x2x3x3xf32>
  %none = onnx.NoValue
  // expected-warning @+1 {{unnamed node (Conv): input is Sign(a) and a can be exactly 0 (a graph input can hold 0), where ONNX gives 0 and a +-1 bit would give +1; the layer stays on the float path to keep ONNX semantics}}
  %y = onnx.Conv %s, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, none) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// BiFSMN's memory block: Pad(BN(x), 0) -> Sign -> depthwise Conv1d without
// pads. The BatchNorm's non-zero shift keeps real data away from 0; the
// padded zeros become the binary conv's own (exact) zero padding.
// CHECK-LABEL: func.func @pad_sign_depthwise
// CHECK: %[[BN:.*]] = onnx.BatchNormalization
// CHECK: %[[V:.*]] = bnn.reshape %[[BN]] : tensor<1x2x5xf32> -> tensor<1x2x1x5xf32>
// CHECK: %[[BITS:.*]] = bnn.pack %[[V]] {group = 2 : i64}
// CHECK: bnn.bconv2d %[[BITS]], {{.*}}dilations = array<i64: 1, 2>, group = 2 : i64, kernel = array<i64: 1, 3>, pads = array<i64: 0, 4, 0, 0>
// CHECK-NOT: onnx.Pad
// CHECK-NOT: onnx.Sign
func.func @pad_sign_depthwise(%x: tensor<1x2x5xf32>) -> tensor<1x2x5xf32> {
  %g = onnx.Constant dense<[1.0, -2.0]> : tensor<2xf32>
  %b = onnx.Constant dense<[0.5, 0.25]> : tensor<2xf32>
  %m = onnx.Constant dense<[0.0, 1.0]> : tensor<2xf32>
  %v = onnx.Constant dense<[1.0, 4.0]> : tensor<2xf32>
  %n = onnx.BatchNormalization %x, %g, %b, %m, %v : (tensor<1x2x5xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x5xf32>
  %pads = onnx.Constant dense<[0, 0, 4, 0, 0, 0]> : tensor<6xi64>
  %none = onnx.NoValue
  %p = onnx.Pad %n, %pads, %none : (tensor<1x2x5xf32>, tensor<6xi64>, none) -> tensor<1x2x9xf32>
  %s = onnx.Sign %p : tensor<1x2x9xf32> -> tensor<1x2x9xf32>
  %w = onnx.Constant dense<[[[1.0, -1.0, 1.0]], [[-1.0, -1.0, 1.0]]]> : tensor<2x1x3xf32>
  %y = onnx.Conv %s, %w, %none {group = 2 : i64, dilations = array<i64: 2>} : (tensor<1x2x9xf32>, tensor<2x1x3xf32>, none) -> tensor<1x2x5xf32>
  return %y : tensor<1x2x5xf32>
}

// -----

// Padding with a non-zero value is data, not padding: Sign sees 0.5 there,
// the BatchNorm's shift keeps the rest away from 0, and the Pad stays.
// CHECK-LABEL: func.func @pad_nonzero_value
// CHECK: onnx.Pad
// CHECK: bnn.bconv2d {{.*}}pads = array<i64: 0, 0, 0, 0>
func.func @pad_nonzero_value(%x: tensor<1x1x4xf32>) -> tensor<1x1x4xf32> {
  %g = onnx.Constant dense<[1.0]> : tensor<1xf32>
  %b = onnx.Constant dense<[0.5]> : tensor<1xf32>
  %m = onnx.Constant dense<[0.0]> : tensor<1xf32>
  %v = onnx.Constant dense<[1.0]> : tensor<1xf32>
  %n = onnx.BatchNormalization %x, %g, %b, %m, %v : (tensor<1x1x4xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x4xf32>
  %pads = onnx.Constant dense<[0, 0, 2, 0, 0, 0]> : tensor<6xi64>
  %value = onnx.Constant dense<0.5> : tensor<f32>
  %p = onnx.Pad %n, %pads, %value : (tensor<1x1x4xf32>, tensor<6xi64>, tensor<f32>) -> tensor<1x1x6xf32>
  %s = onnx.Sign %p : tensor<1x1x6xf32> -> tensor<1x1x6xf32>
  %w = onnx.Constant dense<[[[1.0, -1.0, 1.0]]]> : tensor<1x1x3xf32>
  %none = onnx.NoValue
  %y = onnx.Conv %s, %w, %none : (tensor<1x1x6xf32>, tensor<1x1x3xf32>, none) -> tensor<1x1x4xf32>
  return %y : tensor<1x1x4xf32>
}

// -----

// A ReLU's zeros are exact: Sign(Relu(.)) stays real.
// CHECK-LABEL: func.func @relu_zeros
// CHECK-NOT: bnn.pack
func.func @relu_zeros(%x: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %c = onnx.Constant dense<0.5> : tensor<f32>
  %a = onnx.Add %x, %c : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  %r = onnx.Relu %a : tensor<2x4xf32> -> tensor<2x4xf32>
  %s = onnx.Sign %r : tensor<2x4xf32> -> tensor<2x4xf32>
  %w = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, 1.0]]> : tensor<4x2xf32>
  // expected-warning @+1 {{input is Sign(a) and a can be exactly 0 (unnamed node (Relu) outputs exact zeros)}}
  %y = onnx.MatMul %s, %w : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// Two binary layers with an untrained BatchNorm between them (mean 0,
// beta 0): the first layer's dot product over K = 4 taps is 0 for some
// inputs, so Sign sees exact zeros and the second layer stays real. The
// first layer (whose input is shifted away from 0) is binary.
// CHECK-LABEL: func.func @even_dot_zero
// CHECK-COUNT-1: bnn.bconv2d
// CHECK: onnx.MatMul
func.func @even_dot_zero(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %c = onnx.Constant dense<0.5> : tensor<f32>
  %a = onnx.Add %x, %c : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %s = onnx.Sign %a : tensor<1x4xf32> -> tensor<1x4xf32>
  %w = onnx.Constant dense<[[1.0, -1.0, 1.0, 1.0], [1.0, 1.0, -1.0, 1.0], [-1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, -1.0]]> : tensor<4x4xf32>
  %h = onnx.MatMul %s, %w : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  %g = onnx.Constant dense<1.0> : tensor<4xf32>
  %z = onnx.Constant dense<0.0> : tensor<4xf32>
  %n = onnx.BatchNormalization %h, %g, %z, %z, %g : (tensor<1x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %s2 = onnx.Sign %n : tensor<1x4xf32> -> tensor<1x4xf32>
  %w2 = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, 1.0]]> : tensor<4x2xf32>
  // expected-warning @+1 {{input is Sign(a) and a can be exactly 0 (channel 0 is 0 where the dot product of unnamed node (bnn.bconv2d) equals 0)}}
  %y = onnx.MatMul %s2, %w2 : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// The same with K = 3 taps: a dot product of three +-1 products is odd,
// never 0, so both layers are binary.
// CHECK-LABEL: func.func @odd_dot_nonzero
// CHECK-COUNT-2: bnn.bconv2d
// CHECK-NOT: onnx.MatMul
func.func @odd_dot_nonzero(%x: tensor<1x3xf32>) -> tensor<1x2xf32> {
  %c = onnx.Constant dense<0.5> : tensor<f32>
  %a = onnx.Add %x, %c : (tensor<1x3xf32>, tensor<f32>) -> tensor<1x3xf32>
  %s = onnx.Sign %a : tensor<1x3xf32> -> tensor<1x3xf32>
  %w = onnx.Constant dense<[[1.0, -1.0, 1.0], [1.0, 1.0, -1.0], [-1.0, 1.0, 1.0]]> : tensor<3x3xf32>
  %h = onnx.MatMul %s, %w : (tensor<1x3xf32>, tensor<3x3xf32>) -> tensor<1x3xf32>
  %g = onnx.Constant dense<1.0> : tensor<3xf32>
  %z = onnx.Constant dense<0.0> : tensor<3xf32>
  %n = onnx.BatchNormalization %h, %g, %z, %z, %g : (tensor<1x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  %s2 = onnx.Sign %n : tensor<1x3xf32> -> tensor<1x3xf32>
  %w2 = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]> : tensor<3x2xf32>
  %y = onnx.MatMul %s2, %w2 : (tensor<1x3xf32>, tensor<3x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Where(a > 0, 1, -1) maps 0 to -1, not +1: the same rule applies.
// CHECK-LABEL: func.func @where_greater
// CHECK-NOT: bnn.pack
func.func @where_greater(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %zero = onnx.Constant dense<0.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %minus = onnx.Constant dense<-1.0> : tensor<f32>
  %gt = onnx.Greater %a, %zero : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xi1>
  %b = onnx.Where %gt, %one, %minus : (tensor<2x2xi1>, tensor<f32>, tensor<f32>) -> tensor<2x2xf32>
  %w = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0]]> : tensor<2x2xf32>
  // expected-warning @+1 {{input is Where(a > 0, 1, -1) and a can be exactly 0 (a graph input can hold 0), where ONNX gives -1}}
  %y = onnx.MatMul %b, %w : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// Where(a >= 0, 1, -1) is b(a) exactly, zeros included: binary.
// CHECK-LABEL: func.func @where_greater_equal
// CHECK: bnn.pack
// CHECK-NOT: onnx.MatMul
func.func @where_greater_equal(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %zero = onnx.Constant dense<0.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %minus = onnx.Constant dense<-1.0> : tensor<f32>
  %ge = onnx.GreaterOrEqual %a, %zero : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xi1>
  %b = onnx.Where %ge, %one, %minus : (tensor<2x2xi1>, tensor<f32>, tensor<f32>) -> tensor<2x2xf32>
  %w = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0]]> : tensor<2x2xf32>
  %y = onnx.MatMul %b, %w : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// c - dot with c = 2 on an unpadded K = 4 layer: 0 where the dot product is
// 2, which an even K reaches. The sign of the shift matters: with c - x the
// root is +c, not -c.
// CHECK-LABEL: func.func @constant_minus_dot
// CHECK-COUNT-1: bnn.bconv2d
// CHECK: onnx.MatMul
func.func @constant_minus_dot(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %c = onnx.Constant dense<0.5> : tensor<f32>
  %a = onnx.Add %x, %c : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %s = onnx.Sign %a : tensor<1x4xf32> -> tensor<1x4xf32>
  %w = onnx.Constant dense<[[1.0, -1.0, 1.0, 1.0], [1.0, 1.0, -1.0, 1.0], [-1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, -1.0]]> : tensor<4x4xf32>
  %h = onnx.MatMul %s, %w : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  %two = onnx.Constant dense<2.0> : tensor<f32>
  %d = onnx.Sub %two, %h : (tensor<f32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %s2 = onnx.Sign %d : tensor<1x4xf32> -> tensor<1x4xf32>
  %w2 = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, 1.0]]> : tensor<4x2xf32>
  // expected-warning @+1 {{input is Sign(a) and a can be exactly 0 (channel 0 is 0 where the dot product of unnamed node (bnn.bconv2d) equals 2)}}
  %y = onnx.MatMul %s2, %w2 : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// c - dot with c = 1.5: never 0 for an integer dot product.
// CHECK-LABEL: func.func @constant_minus_dot_off_lattice
// CHECK-COUNT-2: bnn.bconv2d
func.func @constant_minus_dot_off_lattice(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %c = onnx.Constant dense<0.5> : tensor<f32>
  %a = onnx.Add %x, %c : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %s = onnx.Sign %a : tensor<1x4xf32> -> tensor<1x4xf32>
  %w = onnx.Constant dense<[[1.0, -1.0, 1.0, 1.0], [1.0, 1.0, -1.0, 1.0], [-1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, -1.0]]> : tensor<4x4xf32>
  %h = onnx.MatMul %s, %w : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  %k = onnx.Constant dense<1.5> : tensor<f32>
  %d = onnx.Sub %k, %h : (tensor<f32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %s2 = onnx.Sign %d : tensor<1x4xf32> -> tensor<1x4xf32>
  %w2 = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, 1.0]]> : tensor<4x2xf32>
  %y = onnx.MatMul %s2, %w2 : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Two BatchNorm outputs over integer dot products cancel structurally
// (h = c s, m = -c s): Sign(h + m) can see exact zeros although each
// BatchNorm alone has a non-zero shift (difftest regression
// sign-add-bn-integer).
// CHECK-LABEL: func.func @add_of_lattices
// CHECK: onnx.MatMul %{{.*}}, %{{.*}} : (tensor<1x3xf32>, tensor<3x2xf32>)
func.func @add_of_lattices(%x: tensor<1x3xf32>) -> tensor<1x2xf32> {
  %c = onnx.Constant dense<0.5> : tensor<f32>
  %a = onnx.Add %x, %c : (tensor<1x3xf32>, tensor<f32>) -> tensor<1x3xf32>
  %s = onnx.Sign %a : tensor<1x3xf32> -> tensor<1x3xf32>
  %w = onnx.Constant dense<[[1.0, -1.0, 1.0], [1.0, 1.0, -1.0], [-1.0, 1.0, 1.0]]> : tensor<3x3xf32>
  %h = onnx.MatMul %s, %w : (tensor<1x3xf32>, tensor<3x3xf32>) -> tensor<1x3xf32>
  %w2 = onnx.Constant dense<[[-1.0, 1.0, 1.0], [1.0, -1.0, 1.0], [1.0, 1.0, -1.0]]> : tensor<3x3xf32>
  %m = onnx.MatMul %s, %w2 : (tensor<1x3xf32>, tensor<3x3xf32>) -> tensor<1x3xf32>
  %shift = onnx.Constant dense<0.25> : tensor<f32>
  %hs = onnx.Add %h, %shift : (tensor<1x3xf32>, tensor<f32>) -> tensor<1x3xf32>
  %ms = onnx.Sub %m, %shift : (tensor<1x3xf32>, tensor<f32>) -> tensor<1x3xf32>
  %sum = onnx.Add %hs, %ms : (tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<1x3xf32>
  %s2 = onnx.Sign %sum : tensor<1x3xf32> -> tensor<1x3xf32>
  %w3 = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]> : tensor<3x2xf32>
  // expected-warning @+1 {{input is Sign(a) and a can be exactly 0 (unnamed node (Add) adds two values on integer lattices, which can cancel)}}
  %y = onnx.MatMul %s2, %w3 : (tensor<1x3xf32>, tensor<3x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A straight-through residue a + (Sign(a) - a) is Sign(a) in the forward
// pass, for the exact-zero analysis too: the dot product of 4 +-1 products
// behind it is 0 for some inputs, so the next Sign stays real (difftest
// regression ste-input-integer-dot).
// CHECK-LABEL: func.func @ste_then_even_dot
// CHECK-COUNT-1: bnn.bconv2d
// CHECK: onnx.MatMul
func.func @ste_then_even_dot(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %c = onnx.Constant dense<0.5> : tensor<f32>
  %a = onnx.Add %x, %c : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %s = onnx.Sign %a : tensor<1x4xf32> -> tensor<1x4xf32>
  %d = onnx.Sub %s, %a : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %ste = onnx.Add %a, %d : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %w = onnx.Constant dense<[[1.0, -1.0, 1.0, 1.0], [1.0, 1.0, -1.0, 1.0], [-1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, -1.0]]> : tensor<4x4xf32>
  %h = onnx.MatMul %ste, %w : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  %s2 = onnx.Sign %h : tensor<1x4xf32> -> tensor<1x4xf32>
  %w2 = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, 1.0]]> : tensor<4x2xf32>
  // expected-warning @+1 {{input is Sign(a) and a can be exactly 0 (channel 0 is 0 where the dot product of unnamed node (bnn.bconv2d) equals 0)}}
  %y = onnx.MatMul %s2, %w2 : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Opset 11 spells a >= 0 as Not(Less(a, 0)): Where(Not(Less(a, 0)), 1, -1)
// is b(a) exactly, zeros included (difftest regression
// where-not-less-opset11).
// CHECK-LABEL: func.func @where_not_less
// CHECK: bnn.pack
// CHECK-NOT: onnx.MatMul
func.func @where_not_less(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %zero = onnx.Constant dense<0.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %minus = onnx.Constant dense<-1.0> : tensor<f32>
  %lt = onnx.Less %a, %zero : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xi1>
  %ge = onnx.Not %lt : tensor<2x2xi1> -> tensor<2x2xi1>
  %b = onnx.Where %ge, %one, %minus : (tensor<2x2xi1>, tensor<f32>, tensor<f32>) -> tensor<2x2xf32>
  %w = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0]]> : tensor<2x2xf32>
  %y = onnx.MatMul %b, %w : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// A layer that is not binary (weights not +-alpha) over discrete values
// (a Where between constants) sums values that cancel: the Sign after it
// can see exact zeros.
// CHECK-LABEL: func.func @discrete_sum
// CHECK-NOT: bnn.pack
func.func @discrete_sum(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %zero = onnx.Constant dense<0.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %two = onnx.Constant dense<2.0> : tensor<f32>
  %gt = onnx.Greater %x, %zero : (tensor<1x2xf32>, tensor<f32>) -> tensor<1x2xi1>
  %d = onnx.Where %gt, %one, %two : (tensor<1x2xi1>, tensor<f32>, tensor<f32>) -> tensor<1x2xf32>
  %w = onnx.Constant dense<[[2.0, 1.0], [-1.0, -0.5]]> : tensor<2x2xf32>
  %h = onnx.MatMul %d, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %s = onnx.Sign %h : tensor<1x2xf32> -> tensor<1x2xf32>
  %w2 = onnx.Constant dense<[[1.0, -1.0], [1.0, 1.0]]> : tensor<2x2xf32>
  // expected-warning @+1 {{input is Sign(a) and a can be exactly 0 (unnamed node (MatMul) sums discrete values, which can cancel)}}
  %y = onnx.MatMul %s, %w2 : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
