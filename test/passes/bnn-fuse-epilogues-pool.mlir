// RUN: bnnc-opt %s --bnn-fuse-epilogues --split-input-file | FileCheck %s
// The printed or_mask form parses back (round trip):
// RUN: bnnc-opt %s --bnn-fuse-epilogues --split-input-file | bnnc-opt --split-input-file | FileCheck %s

// A per-channel affine map (BatchNorm) after the max pool that follows a
// binary layer: conv -> Mul(alpha) -> MaxPool -> BN -> Sign -> binary conv.
// s_c > 0 commutes with max, s_c < 0 turns it into min (OR on bits), s_c = 0
// is a constant: the pack moves before the pool, the affine map into the
// producer's epilogue, and the layers exchange packed bits.
// alpha = 0.5; s = [2, -2, 0, 1], t = [1, 1, -1, -0.25]:
//   ch 0: dot + 1 < 0       <=> dot < -1
//   ch 1: -dot + 1 < 0      <=> !(dot < 2)     (flip, OR-pooled)
//   ch 2: 0 * dot - 1 < 0   always             (constant bit 1)
//   ch 3: dot / 2 - 1/4 < 0 <=> dot < 1
// CHECK-LABEL: func.func @alpha_pool_bn_sign
// CHECK-DAG: %[[T:.*]] = bnn.constant dense<[-1, 2, 2147483647, 1]> : tensor<4xi32>
// CHECK-DAG: %[[F:.*]] = bnn.constant dense<[0, 1, 0, 0]> : tensor<4xui8>
// CHECK-DAG: %[[M:.*]] = bnn.constant dense<2> : tensor<1xi32>
// CHECK: %[[B:.*]] = bnn.bconv2d %arg0, %{{.*}} threshold %[[T]] flip %[[F]] {{.*}} -> tensor<1x2x2x1xi32>
// CHECK: %[[P:.*]] = bnn.bmaxpool2d %[[B]] or_mask %[[M]] {channels = 4 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x2x1xi32>, tensor<1xi32> -> tensor<1x1x1x1xi32>
// CHECK: %[[Y:.*]] = bnn.bconv2d %[[P]], %{{.*}} -> tensor<1x2x1x1xf32>
// CHECK-NOT: bnn.maxpool2d
// CHECK-NOT: bnn.channel_affine
// CHECK-NOT: bnn.pack
// CHECK-NOT: bnn.elementwise
// CHECK: return %[[Y]]
func.func @alpha_pool_bn_sign(%bits: tensor<1x2x2x1xi32>) -> tensor<1x2x1x1xf32> {
  %w = bnn.constant dense<1.0> : tensor<4x3x1x1xf32>
  %c = bnn.bconv2d %bits, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x2x1xi32>, tensor<4x3x1x1xf32>) -> tensor<1x4x2x2xf32>
  %alpha = bnn.constant dense<0.5> : tensor<1x4x1x1xf32>
  %a = bnn.elementwise "mul" %c, %alpha : (tensor<1x4x2x2xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x2x2xf32>
  %m = bnn.maxpool2d %a {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x4x2x2xf32> -> tensor<1x4x1x1xf32>
  %s = bnn.constant dense<[2.0, -2.0, 0.0, 1.0]> : tensor<4xf32>
  %t = bnn.constant dense<[1.0, 1.0, -1.0, -0.25]> : tensor<4xf32>
  %bn = bnn.channel_affine %m, %s, %t : (tensor<1x4x1x1xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x1x1xf32>
  %p = bnn.pack %bn {group = 1 : i64} : (tensor<1x4x1x1xf32>) -> tensor<1x1x1x1xi32>
  %w2 = bnn.constant dense<1.0> : tensor<2x4x1x1xf32>
  %y = bnn.bconv2d %p, %w2 {activation = #bnn.activation<none>, channels = 4 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x1x1xi32>, tensor<2x4x1x1xf32>) -> tensor<1x2x1x1xf32>
  return %y : tensor<1x2x1x1xf32>
}

// -----

// conv -> MaxPool (3x3, stride 2, padding 1: the padding stays the pool's)
// -> Mul by a per-channel constant -> BN -> pack in 2 groups of 2 channels.
// s = m * g = [1, -1, -1, 2] * [1, 1, 1, 0.5]: channels 1 and 2 are
// OR-pooled, bit 1 of group 0's word and bit 0 of group 1's: [2, 1].
// t = [0, 0, 0, 1]: thresholds dot < 0, !(dot < 1), !(dot < 1), dot < -1.
// CHECK-LABEL: func.func @pool_mul_bn_groups
// CHECK-DAG: %[[T:.*]] = bnn.constant dense<[0, 1, 1, -1]> : tensor<4xi32>
// CHECK-DAG: %[[F:.*]] = bnn.constant dense<[0, 1, 1, 0]> : tensor<4xui8>
// CHECK-DAG: %[[M:.*]] = bnn.constant dense<[2, 1]> : tensor<2xi32>
// CHECK: %[[B:.*]] = bnn.bconv2d %arg0, %{{.*}} threshold %[[T]] flip %[[F]] {{.*}}out_group = 2 : i64{{.*}} -> tensor<1x3x3x2xi32>
// CHECK: %[[P:.*]] = bnn.bmaxpool2d %[[B]] or_mask %[[M]] {channels = 4 : i64, dilations = array<i64: 1, 1>, group = 2 : i64, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x3x3x2xi32>, tensor<2xi32> -> tensor<1x2x2x2xi32>
// CHECK-NOT: bnn.maxpool2d
// CHECK-NOT: bnn.channel_affine
// CHECK-NOT: bnn.elementwise
// CHECK: return %[[P]]
func.func @pool_mul_bn_groups(%bits: tensor<1x3x3x1xi32>) -> tensor<1x2x2x2xi32> {
  %w = bnn.constant dense<1.0> : tensor<4x3x1x1xf32>
  %c = bnn.bconv2d %bits, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x3x1xi32>, tensor<4x3x1x1xf32>) -> tensor<1x4x3x3xf32>
  %m = bnn.maxpool2d %c {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x4x3x3xf32> -> tensor<1x4x2x2xf32>
  %k = bnn.constant dense<[[[1.0]], [[-1.0]], [[-1.0]], [[2.0]]]> : tensor<4x1x1xf32>
  %a = bnn.elementwise "mul" %k, %m : (tensor<4x1x1xf32>, tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  %s = bnn.constant dense<[1.0, 1.0, 1.0, 0.5]> : tensor<4xf32>
  %t = bnn.constant dense<[0.0, 0.0, 0.0, 1.0]> : tensor<4xf32>
  %bn = bnn.channel_affine %a, %s, %t : (tensor<1x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x2x2xf32>
  %p = bnn.pack %bn {group = 2 : i64} : (tensor<1x4x2x2xf32>) -> tensor<1x2x2x2xi32>
  return %p : tensor<1x2x2x2xi32>
}

// -----

// All scales positive: a plain AND pool (no or_mask).
// CHECK-LABEL: func.func @positive_scales
// CHECK: %[[B:.*]] = bnn.bconv2d {{.*}} threshold
// CHECK: bnn.bmaxpool2d %[[B]] {channels = 2 : i64
// CHECK-NOT: or_mask
// CHECK-NOT: bnn.maxpool2d
func.func @positive_scales(%bits: tensor<1x2x2x1xi32>) -> tensor<1x1x1x1xi32> {
  %w = bnn.constant dense<1.0> : tensor<2x3x1x1xf32>
  %c = bnn.bconv2d %bits, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x2x1xi32>, tensor<2x3x1x1xf32>) -> tensor<1x2x2x2xf32>
  %m = bnn.maxpool2d %c {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x2x2xf32> -> tensor<1x2x1x1xf32>
  %s = bnn.constant dense<[0.5, 3.0]> : tensor<2xf32>
  %t = bnn.constant dense<[0.25, -1.0]> : tensor<2xf32>
  %bn = bnn.channel_affine %m, %s, %t : (tensor<1x2x1x1xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x1x1xf32>
  %p = bnn.pack %bn {group = 1 : i64} : (tensor<1x2x1x1xf32>) -> tensor<1x1x1x1xi32>
  return %p : tensor<1x1x1x1xi32>
}

// -----

// Not a binary layer before the pool: the affine map would have to run on
// the unpooled float map, so nothing moves.
// CHECK-LABEL: func.func @real_conv_producer
// CHECK: bnn.conv2d
// CHECK: bnn.maxpool2d
// CHECK: bnn.channel_affine
// CHECK: bnn.pack
// CHECK-NOT: bnn.bmaxpool2d
func.func @real_conv_producer(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x1x1xi32> {
  %w = bnn.constant dense<1.0> : tensor<2x1x1x1xf32>
  %c = bnn.conv2d %x, %w {activation = #bnn.activation<none>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %m = bnn.maxpool2d %c {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x2x2xf32> -> tensor<1x2x1x1xf32>
  %s = bnn.constant dense<[0.5, -3.0]> : tensor<2xf32>
  %t = bnn.constant dense<[0.25, -1.0]> : tensor<2xf32>
  %bn = bnn.channel_affine %m, %s, %t : (tensor<1x2x1x1xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x1x1xf32>
  %p = bnn.pack %bn {group = 1 : i64} : (tensor<1x2x1x1xf32>) -> tensor<1x1x1x1xi32>
  return %p : tensor<1x1x1x1xi32>
}

// -----

// The pooled float map is also returned: it must stay.
// CHECK-LABEL: func.func @pool_has_other_use
// CHECK: bnn.maxpool2d
// CHECK: bnn.channel_affine
// CHECK: bnn.pack
// CHECK-NOT: bnn.bmaxpool2d
func.func @pool_has_other_use(%bits: tensor<1x2x2x1xi32>) -> (tensor<1x1x1x1xi32>, tensor<1x2x1x1xf32>) {
  %w = bnn.constant dense<1.0> : tensor<2x3x1x1xf32>
  %c = bnn.bconv2d %bits, %w {activation = #bnn.activation<none>, channels = 3 : i64, dilations = array<i64: 1, 1>, group = 1 : i64, kernel = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x2x1xi32>, tensor<2x3x1x1xf32>) -> tensor<1x2x2x2xf32>
  %m = bnn.maxpool2d %c {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x2x2xf32> -> tensor<1x2x1x1xf32>
  %s = bnn.constant dense<[0.5, -3.0]> : tensor<2xf32>
  %t = bnn.constant dense<[0.25, -1.0]> : tensor<2xf32>
  %bn = bnn.channel_affine %m, %s, %t : (tensor<1x2x1x1xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x1x1xf32>
  %p = bnn.pack %bn {group = 1 : i64} : (tensor<1x2x1x1xf32>) -> tensor<1x1x1x1xi32>
  return %p, %m : tensor<1x1x1x1xi32>, tensor<1x2x1x1xf32>
}
