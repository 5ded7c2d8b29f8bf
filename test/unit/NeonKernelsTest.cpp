//===- NeonKernelsTest.cpp - bnnc/kernels_neon.h vs the portable kernels --===//
//
// Runs on aarch64 only (cross-compiled and run under qemu-aarch64 by ctest,
// test unit-kernels-aarch64). Every NEON kernel is compared with the
// portable kernel the generic target calls for the same op:
// - binary convolutions (bits and float epilogues, every activation): equal
//   bit for bit, over random geometries that reach every variant (1, 2, 4
//   and 8 words per tap; 8x8 and 4-pixel blocks, overlapping last blocks
//   and single pixels at borders, strides and dilations; channel counts that are not
//   multiples of 8 or 32). The float epilogue is unfused (multiply, then
//   add) on both sides; this file is built with -ffp-contract=off.
// - activation packing: equal bit for bit.
// - real convolution (direct, 1x1, depthwise), GEMM and MatMul: within
//   1e-5 x (products per output + 1) with inputs in [-1, 1]; the NEON
//   kernels keep the portable summation order but use fused multiply-adds.
// Weights are prepared with bnnc/layouts.h, the functions the compiler uses.
//
//===----------------------------------------------------------------------===//

#include "bnnc/kernels_neon.h"
#include "bnnc/layouts.h"

#include "TestRandom.h"

#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using bnnc_test::Rng;

/// Random packed words for `count` groups of `channels` bits, tails 0.
std::vector<uint32_t> randomBits(Rng &rng, size_t count, int32_t channels) {
  const int32_t words = bnnc_bwords32(channels, 1);
  std::vector<uint32_t> v(count * words);
  for (size_t i = 0; i < count; ++i)
    for (int32_t w = 0; w < words; ++w)
      v[i * words + w] =
          static_cast<uint32_t>(rng.next()) & bnnc_bmask32(channels, w);
  return v;
}

std::vector<uint32_t> toO8(const std::vector<uint32_t> &w, int32_t m,
                           int32_t taps, int32_t wg) {
  std::vector<uint32_t> out(bnnc_layout_o8_words(m, taps, wg));
  bnnc_layout_o8(m, taps, wg, w.data(), out.data());
  return out;
}

struct BConvCase {
  int32_t n, c, h, w, m, kh, kw, stride, dilation, pad;
  std::string name() const {
    return "n" + std::to_string(n) + "c" + std::to_string(c) + "_" +
           std::to_string(h) + "x" + std::to_string(w) + "_m" +
           std::to_string(m) + "_k" + std::to_string(kh) + "x" +
           std::to_string(kw) + "_s" + std::to_string(stride) + "_d" +
           std::to_string(dilation) + "_p" + std::to_string(pad);
  }
};

bnnc_bconv2d_params paramsOf(const BConvCase &t) {
  bnnc_bconv2d_params p{};
  p.n = t.n;
  p.c = t.c;
  p.h = t.h;
  p.w = t.w;
  p.m = t.m;
  p.kh = t.kh;
  p.kw = t.kw;
  p.oh = (t.h + 2 * t.pad - (t.kh - 1) * t.dilation - 1) / t.stride + 1;
  p.ow = (t.w + 2 * t.pad - (t.kw - 1) * t.dilation - 1) / t.stride + 1;
  p.stride_h = p.stride_w = t.stride;
  p.pad_top = p.pad_left = t.pad;
  p.dilation_h = p.dilation_w = t.dilation;
  p.group = 1;
  return p;
}

void checkBConv(const BConvCase &t, uint64_t seed) {
  SCOPED_TRACE(t.name());
  Rng rng(seed);
  const bnnc_bconv2d_params p = paramsOf(t);
  ASSERT_GT(p.oh, 0);
  ASSERT_GT(p.ow, 0);
  const int32_t wg = bnnc_bwords32(t.c, 1), m8 = (t.m + 7) / 8 * 8;
  const int32_t taps = t.kh * t.kw;
  const auto x = randomBits(rng, (size_t)t.n * t.h * t.w, t.c);
  const auto w = randomBits(rng, (size_t)t.m * taps, t.c);
  const auto w8 = toO8(w, t.m, taps, wg);
  const size_t pixels = (size_t)t.n * p.oh * p.ow;

  // Bits epilogue: thresholds around the dot range, random flips.
  std::vector<int32_t> threshold(m8, INT32_MIN);
  std::vector<uint8_t> flip(t.m), flipBits(m8 / 8, 0);
  const int32_t kmax = taps * t.c;
  for (int32_t o = 0; o < t.m; ++o) {
    const int32_t r = rng.range(0, 9);
    threshold[o] = r == 0 ? INT32_MIN : r == 1 ? INT32_MAX : rng.range(-kmax - 2, kmax + 2);
    flip[o] = static_cast<uint8_t>(rng.range(0, 1));
    flipBits[o / 8] |= static_cast<uint8_t>(flip[o] << (o % 8));
  }
  const int32_t outWords = bnnc_bwords32(t.m, 1);
  std::vector<uint32_t> ref(pixels * outWords, 0xdeadbeef), got(ref);
  const bnnc_bbits_epilogue be = {threshold.data(), flip.data(), 1};
  bnnc_bconv2d32_bits(&p, x.data(), w.data(), &be, ref.data());
  std::vector<uint16_t> popThreshold(m8);
  bnnc_layout_pop_thresholds(m8, taps * t.c, threshold.data(),
                             popThreshold.data());
  bnnc_neon_bepilogue ne{};
  ne.threshold = threshold.data();
  ne.pop_threshold = popThreshold.data();
  ne.flip_bits = flipBits.data();
  bnnc_neon_bconv2d_bits(&p, x.data(), w8.data(), &ne, got.data());
  ASSERT_EQ(ref, got) << "bits epilogue";

  // Float epilogue, every activation.
  std::vector<float> scale(m8, 1.0f), bias(m8, 0.0f), slope(m8, 0.0f);
  for (int32_t o = 0; o < t.m; ++o) {
    scale[o] = rng.uniform(-2.0f, 2.0f);
    bias[o] = rng.uniform(-5.0f, 5.0f);
    slope[o] = rng.uniform(-1.0f, 1.0f);
  }
  for (int act = BNNC_BACT_NONE; act <= BNNC_BACT_CLAMP; ++act) {
    SCOPED_TRACE("activation " + std::to_string(act));
    const auto a = static_cast<bnnc_bactivation>(act);
    const bnnc_bfloat_epilogue fe = {scale.data(), bias.data(), a,
                                     slope.data(), -3.0f, 4.0f};
    std::vector<float> fref(pixels * t.m, -99.0f), fgot(fref);
    bnnc_bconv2d32_float(&p, x.data(), w.data(), &fe, fref.data());
    bnnc_neon_bepilogue nf{};
    nf.scale = scale.data();
    nf.bias = bias.data();
    nf.slope = slope.data();
    nf.activation = a;
    nf.clamp_lo = -3.0f;
    nf.clamp_hi = 4.0f;
    bnnc_neon_bconv2d_float(&p, x.data(), w8.data(), &nf, fgot.data());
    for (size_t i = 0; i < fref.size(); ++i)
      ASSERT_EQ(fref[i], fgot[i]) << "float epilogue, element " << i;
  }
}

// 1, 2, 3, 4, 7 and 8 words per tap: every segment combination.
const int32_t kChannels[] = {1, 7, 32, 33, 50, 64, 72, 97, 128, 200, 256};

/// Every element of each vector, in order, uniform in [-1, 1].
void fillUniform(Rng &rng, std::initializer_list<std::vector<float> *> vectors) {
  for (std::vector<float> *v : vectors)
    for (float &x : *v)
      x = rng.uniform(-1.0f, 1.0f);
}

TEST(NeonBConv2d, GeometrySweep) {
  Rng rng(42);
  int cases = 0;
  for (int32_t c : kChannels)
    for (int i = 0; i < 12; ++i) {
      BConvCase t;
      t.n = rng.range(1, 2);
      t.c = c;
      t.kh = rng.range(1, 3) * 2 - 1; // 1, 3, 5
      t.kw = i % 4 == 0 ? 1 : t.kh;
      t.stride = i % 3 == 2 ? 2 : 1;
      t.dilation = i % 5 == 4 ? 2 : 1;
      t.pad = rng.range(0, t.kh / 2);
      t.h = rng.range(t.kh + 1, 14);
      t.w = rng.range(t.kw * 2, 30); // wide rows reach the 8-pixel blocks
      t.m = rng.range(1, 40);
      checkBConv(t, 1000 + cases++);
    }
}

TEST(NeonBConv2d, PaddingBeyondTheMap) {
  // A 1x1 map padded by a 1x1 kernel's conv (zero padding folded in from a
  // graph Pad, difftest regression aarch64-bconv-1x1-map-padded): the border
  // outputs are 0-tap dot products, not a dense layer. Also pads wider than
  // half the kernel on small maps.
  checkBConv({1, 64, 1, 1, 24, 1, 1, 1, 1, 1}, 11);
  checkBConv({2, 33, 1, 1, 9, 1, 1, 1, 1, 2}, 12);
  checkBConv({1, 128, 1, 1, 40, 1, 1, 2, 1, 1}, 13);
  checkBConv({1, 7, 2, 3, 5, 3, 3, 1, 1, 2}, 14);
  checkBConv({2, 64, 3, 4, 16, 3, 3, 1, 2, 3}, 15);
}

TEST(NeonBConv2d, BenchmarkShapesScaledDown) {
  // The benchmark layers' channel counts (64, 256, dense 1024) on small maps.
  checkBConv({1, 64, 9, 20, 64, 3, 3, 1, 1, 1}, 1);
  checkBConv({1, 256, 6, 12, 24, 3, 3, 1, 1, 1}, 2);
  checkBConv({3, 1024, 1, 1, 72, 1, 1, 1, 1, 0}, 3);
}

TEST(NeonBConv2d, FourPixelBlocksAndRowSegments) {
  // 4k words per tap (c = 97..128, 256): rows whose interior is 4-7 pixels
  // past the 8-pixel blocks run 4-pixel blocks (overlapping the previous
  // pixels when 3 are left); border pixels run a kernel row's taps as one
  // run of segments when dilation is 1. Random geometries around those
  // widths, every stride/dilation/padding mix, channel counts off 8.
  Rng rng(19);
  const int32_t channels[] = {97, 128, 256, 250};
  int cases = 0;
  for (int32_t c : channels)
    for (int i = 0; i < 10; ++i) {
      BConvCase t;
      t.n = rng.range(1, 2);
      t.c = c;
      t.kh = rng.range(1, 3) * 2 - 1; // 1, 3, 5
      t.kw = i % 5 == 0 ? 1 : t.kh;
      t.stride = i % 3 == 2 ? 2 : 1;
      t.dilation = i % 4 == 3 ? 2 : 1;
      t.pad = rng.range(0, t.kh / 2 + (i % 7 == 6));
      t.h = (t.kh - 1) * t.dilation + rng.range(1, 4);
      // Output rows of 4 to 20 pixels: every count of left-over pixels.
      t.w = t.stride * rng.range(4, 20) + (t.kw - 1) * t.dilation - 2 * t.pad;
      if (t.w < 1)
        t.w = 1;
      t.m = rng.range(1, 20);
      checkBConv(t, 5000 + cases++);
    }
  // The benchmark's 14x14 row: one 8-pixel block, one 4-pixel block, two
  // border pixels.
  checkBConv({1, 256, 5, 14, 16, 3, 3, 1, 1, 1}, 21);
  checkBConv({1, 128, 4, 7, 9, 3, 3, 1, 1, 1}, 22);
}

TEST(NeonBConv2d, ChannelGroupsOfEightBlocks) {
  // 57+ output channels: the 8x8 blocks' bytes leave through the 8x8 byte
  // transpose per group of 8 channel blocks, a partial last group byte by
  // byte; 1, 2 and 4k words per tap (each block variant), paddings,
  // strides, dilations.
  Rng rng(8);
  int cases = 0;
  for (int32_t c : {20, 64, 128, 200})
    for (int32_t m : {64, 72, 100, 130}) {
      BConvCase t;
      t.n = 1;
      t.c = c;
      t.kh = t.kw = rng.range(0, 1) * 2 + 1; // 1, 3
      t.stride = rng.range(0, 3) == 0 ? 2 : 1;
      t.dilation = rng.range(0, 3) == 0 ? 2 : 1;
      t.pad = rng.range(0, t.kh / 2);
      t.h = (t.kh - 1) * t.dilation + rng.range(1, 3);
      t.w = rng.range(18, 34);
      t.m = m;
      checkBConv(t, 9000 + cases++);
    }
}

TEST(NeonBConv2d, BorderBlocks) {
  // 1-2 words per tap, stride 1, even c: border pixels run in 8x8 blocks
  // over a zero-padded copy of their rows, corrected by the weights'
  // popcounts of the outside taps (bnnc_neon_edge). Paddings up to wider
  // than half the kernel, dilations, rows of 8 to 30 pixels (one block
  // with both borders, overlapping last blocks), odd c (not eligible: the
  // pixel path) next to even c.
  Rng rng(1908);
  int cases = 0;
  for (int32_t c : {2, 16, 30, 33, 48, 64})
    for (int i = 0; i < 8; ++i) {
      BConvCase t;
      t.n = rng.range(1, 2);
      t.c = c;
      t.kh = t.kw = rng.range(1, 3) * 2 - 1; // 1, 3, 5
      t.stride = 1;
      t.dilation = i % 4 == 3 ? 2 : 1;
      t.pad = rng.range(0, t.kh / 2 + (i % 3 == 2));
      t.h = (t.kh - 1) * t.dilation + rng.range(1, 4);
      t.w = rng.range(8, 30) + (t.kw - 1) * t.dilation - 2 * t.pad;
      if (t.w < 1)
        t.w = 1;
      t.m = rng.range(1, 70);
      checkBConv(t, 11000 + cases++);
    }
  // A 7x7 kernel padded by 3 on an 8-wide map: 84 outside taps in one
  // block, more than bnnc_neon_edge lists (its pixels run one by one).
  checkBConv({1, 16, 9, 8, 20, 7, 7, 1, 1, 3}, 11999);
}

TEST(NeonBConv2d, DenseRandomShapes) {
  // Dense layers (1x1 map, 1x1 kernel): bits out in passes of 32 channels
  // (the inline-asm segment loop, then the 1-3 word tail of each channel
  // block) and the 16/8-channel passes after them; float out. Input
  // widths below one segment, odd tails, channel counts off 8 and 32.
  Rng rng(1919);
  const int32_t channels[] = {1, 31, 64, 100, 127, 128, 129, 300, 1024};
  int cases = 0;
  for (int32_t c : channels)
    for (int i = 0; i < 4; ++i)
      checkBConv({rng.range(1, 3), c, 1, 1, rng.range(1, 80), 1, 1, 1, 1, 0},
                 7000 + cases++);
}

TEST(NeonPack, MatchesPortable) {
  Rng rng(7);
  for (int32_t c : {1, 5, 32, 40, 64, 100})
    for (int32_t hw : {1, 3, 4, 17}) {
      const bnnc_bpack_params p = {2, c, hw, hw + 1, 1};
      const size_t count = (size_t)2 * c * hw * (hw + 1);
      std::vector<float> x(count), threshold(c);
      for (float &v : x) {
        const int r = rng.range(0, 15);
        v = r == 0 ? 0.0f : r == 1 ? -0.0f : rng.uniform(-2.0f, 2.0f);
      }
      for (float &v : threshold)
        v = rng.uniform(-0.5f, 0.5f);
      const size_t words = (size_t)2 * hw * (hw + 1) * bnnc_bwords32(c, 1);
      for (const float *t : {static_cast<const float *>(nullptr),
                             static_cast<const float *>(threshold.data())}) {
        std::vector<uint32_t> ref(words, 1), got(words, 2);
        bnnc_pack_threshold_f32_nchw_to_nhwc32(&p, x.data(), t, nullptr,
                                               ref.data());
        bnnc_neon_pack_f32(&p, x.data(), t, got.data());
        ASSERT_EQ(ref, got) << "c " << c << " hw " << hw;
      }
    }
}

/// The output size of a window, or <= 0 when the window does not fit.
int32_t outSize(int32_t in, int32_t k, int32_t stride, int32_t pad,
                int32_t dilation) {
  return (in + 2 * pad - (k - 1) * dilation - 1) / stride + 1;
}

/// Runs `neon` and the portable convolution on random data for geometry p
/// (weights given to `neon` in ONNX order; it lays them out itself) and
/// compares every output within 1e-5 x (products per output + 1): the NEON
/// kernels sum each output in the portable order (inputs, weights and bias
/// in [-1, 1]) but with fused multiply-adds, one rounding per product less.
template <typename Neon>
void expectConvMatches(Rng &rng, const bnnc_conv2d_params &p, bool withBias,
                       const std::string &name, Neon neon) {
  const int32_t cg = p.c / p.group, taps = p.kh * p.kw;
  std::vector<float> x((size_t)p.n * p.c * p.h * p.w),
      w((size_t)p.m * cg * taps), bias(p.m);
  fillUniform(rng, {&x, &w, &bias});
  const float *b = withBias ? bias.data() : nullptr;
  const size_t outs = (size_t)p.n * p.m * p.oh * p.ow;
  std::vector<float> ref(outs), got(outs, -99.0f);
  bnnc_conv2d_f32(&p, x.data(), w.data(), b, ref.data());
  neon(x.data(), w.data(), b, got.data());
  const float tolerance = 1e-5f * static_cast<float>(1 + cg * taps);
  for (size_t k = 0; k < outs; ++k)
    ASSERT_NEAR(ref[k], got[k], tolerance) << name << " element " << k;
}

std::string convName(const bnnc_conv2d_params &p) {
  return "n" + std::to_string(p.n) + " c" + std::to_string(p.c) + " m" +
         std::to_string(p.m) + " g" + std::to_string(p.group) + " " +
         std::to_string(p.h) + "x" + std::to_string(p.w) + " k" +
         std::to_string(p.kh) + "x" + std::to_string(p.kw) + " s" +
         std::to_string(p.stride_h) + "," + std::to_string(p.stride_w) +
         " d" + std::to_string(p.dilation_h) + "," +
         std::to_string(p.dilation_w) + " p" + std::to_string(p.pad_top) +
         "," + std::to_string(p.pad_left) + " relu" + std::to_string(p.relu);
}

/// The direct convolution on its o16 panels, as the compiler calls it.
void runDirectConv(Rng &rng, const bnnc_conv2d_params &p, bool withBias) {
  const int32_t cg = p.c / p.group, taps = p.kh * p.kw;
  expectConvMatches(rng, p, withBias, convName(p),
                    [&](const float *x, const float *w, const float *b,
                        float *y) {
                      std::vector<float> o16(
                          bnnc_layout_o16_floats(p.m, cg, taps, p.group));
                      bnnc_layout_o16(p.m, cg, taps, p.group, w, o16.data());
                      bnnc_neon_conv2d_f32(&p, x, o16.data(), b, y);
                    });
}

/// A random geometry: kernel kh x kw, strides, dilations and padding drawn
/// (padding up to the kernel size, beyond "same"), maps down to 1 pixel.
bool randomWindow(bnnc_conv2d_params &p, Rng &rng, int32_t maxHw) {
  p.stride_h = rng.range(1, 3);
  p.stride_w = rng.range(1, 3);
  p.dilation_h = rng.range(1, 2);
  p.dilation_w = rng.range(1, 2);
  p.pad_top = rng.range(0, p.kh);
  p.pad_left = rng.range(0, p.kw);
  p.h = rng.range(1, maxHw / 3);
  p.w = rng.range(1, maxHw);
  p.oh = outSize(p.h, p.kh, p.stride_h, p.pad_top, p.dilation_h);
  p.ow = outSize(p.w, p.kw, p.stride_w, p.pad_left, p.dilation_w);
  return p.oh > 0 && p.ow > 0;
}

// The direct convolution (o16 panels): every channel-block width (1..16
// output channels per block, groups of fewer than 16), 4-pixel tiles at
// strides 1 and 2 (overlapping last tiles), single pixels at borders and
// other strides, runs of 4 taps (long kernels), 2-tap border rows,
// dilations, padding beyond the window, 1-pixel maps, groups.
TEST(NeonConv2dF32, RandomGeometries) {
  Rng rng(11);
  int cases = 0;
  for (int i = 0; i < 160; ++i) {
    bnnc_conv2d_params p{};
    p.n = rng.range(1, 2);
    p.group = i % 5 == 4 ? rng.range(2, 3) : 1;
    p.c = p.group * rng.range(1, 9);
    p.m = p.group * rng.range(1, 37);
    p.kh = rng.range(1, 5);
    p.kw = i % 3 == 0 ? p.kh : rng.range(1, 9);
    if (!randomWindow(p, rng, 40))
      continue;
    p.relu = i % 2;
    runDirectConv(rng, p, i % 7 != 3);
    ++cases;
  }
  EXPECT_GT(cases, 120);
}

// The 3x3 shapes of ResNets and MobileNets, where the 16-channel tiles run
// their unrolled full-window body (and its border rows and columns).
TEST(NeonConv2dF32, ThreeByThree) {
  Rng rng(12);
  for (int32_t m : {16, 32, 20, 48})
    for (int32_t hw : {1, 4, 5, 14, 17})
      for (int32_t stride : {1, 2}) {
        bnnc_conv2d_params p{};
        p.n = 1;
        p.group = 1;
        p.c = m == 20 ? 3 : 17;
        p.m = m;
        p.h = p.w = hw;
        p.kh = p.kw = 3;
        p.stride_h = p.stride_w = stride;
        p.dilation_h = p.dilation_w = 1;
        p.pad_top = p.pad_left = 1;
        p.oh = p.ow = outSize(hw, 3, stride, 1, 1);
        p.relu = hw % 2;
        runDirectConv(rng, p, true);
      }
}

// A 1-channel long strided window (an STFT front end: 1 x 512, stride 160).
TEST(NeonConv2dF32, OneChannelLongStrided) {
  Rng rng(14);
  for (int32_t kw : {64, 67, 512}) {
    bnnc_conv2d_params p{};
    p.n = 1;
    p.group = 1;
    p.c = 1;
    p.m = 20;
    p.h = 1;
    p.w = 2000;
    p.kh = 1;
    p.kw = kw;
    p.stride_h = 1;
    p.stride_w = 160;
    p.dilation_h = p.dilation_w = 1;
    p.pad_left = kw == 67 ? 30 : 0;
    p.oh = 1;
    p.ow = outSize(p.w, kw, 160, p.pad_left, 1);
    runDirectConv(rng, p, true);
  }
}

// 1x1 convolutions as GEMMs (weights as they are x input planes): planes
// of 1..200 pixels (16-, 4-column tiles, the overlapping last tile, planes
// narrower than 4), 1..40 output channels (4-, 2- and 1-row tiles), groups.
TEST(NeonConv1x1F32, RandomShapes) {
  Rng rng(15);
  for (int i = 0; i < 60; ++i) {
    bnnc_conv2d_params p{};
    p.n = rng.range(1, 2);
    p.group = i % 4 == 3 ? 2 : 1;
    p.c = p.group * rng.range(1, 40);
    p.m = p.group * rng.range(1, 40);
    p.h = rng.range(1, 10);
    p.w = rng.range(1, 20);
    p.kh = p.kw = 1;
    p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
    p.oh = p.h;
    p.ow = p.w;
    p.relu = i % 2;
    expectConvMatches(rng, p, i % 5 != 2, convName(p),
                      [&](const float *x, const float *w, const float *b,
                          float *y) { bnnc_neon_conv1x1_f32(&p, x, w, b, y); });
  }
}

// Depthwise: 16- and 4-pixel steps (full 3x3 windows by lane, 5x5 and other
// windows by scalar weight), overlapping last steps, single pixels at
// borders and strides > 1, dilations, 1-pixel maps.
TEST(NeonDepthwiseF32, RandomGeometries) {
  Rng rng(17);
  int cases = 0;
  for (int i = 0; i < 100; ++i) {
    bnnc_conv2d_params p{};
    p.n = rng.range(1, 2);
    p.c = p.m = p.group = rng.range(1, 6);
    p.kh = i % 4 == 0 ? 3 : rng.range(1, 5);
    p.kw = i % 4 == 0 ? 3 : i % 4 == 1 ? p.kh : rng.range(1, 5);
    if (!randomWindow(p, rng, 60))
      continue;
    if (i % 3 == 0) { // the common case: stride 1, no dilation, same padding
      p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
      p.pad_top = p.kh / 2;
      p.pad_left = p.kw / 2;
      p.oh = outSize(p.h, p.kh, 1, p.pad_top, 1);
      p.ow = outSize(p.w, p.kw, 1, p.pad_left, 1);
    }
    p.relu = i % 2;
    expectConvMatches(rng, p, i % 5 != 1, convName(p),
                      [&](const float *x, const float *w, const float *b,
                          float *y) { bnnc_neon_dwconv2d_f32(&p, x, w, b, y); });
    ++cases;
  }
  EXPECT_GT(cases, 80);
}

// "Same" 3x3 depthwise (stride 1, padding 1), the MobileNet case: whole
// planes in 8-pixel x 4-row steps with edge steps at both ends of a row,
// top and bottom rows, and 2- and 1-row groups for the remaining rows.
TEST(NeonDepthwiseF32, SameThreeByThree) {
  Rng rng(19);
  for (int32_t h : {1, 2, 3, 5, 6, 7, 9})
    for (int32_t w : {8, 9, 15, 16, 17, 56}) {
      bnnc_conv2d_params p{};
      p.n = 1;
      p.c = p.m = p.group = 3;
      p.h = p.oh = h;
      p.w = p.ow = w;
      p.kh = p.kw = 3;
      p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
      p.pad_top = p.pad_left = 1;
      p.relu = (h + w) % 2;
      expectConvMatches(rng, p, true, convName(p),
                        [&](const float *x, const float *wt, const float *b,
                            float *y) { bnnc_neon_dwconv2d_f32(&p, x, wt, b, y); });
    }
}

/// y = relu?(a * op(B) + bias) by the portable Gemm, B (n x k) transposed.
std::vector<float> portableGemm(int32_t m, int32_t n, int32_t k,
                                const std::vector<float> &a,
                                const std::vector<float> &bt,
                                const float *bias, int32_t relu) {
  const bnnc_gemm_params p = {m, n, k, 0, 1, 1.0f, 1.0f, 0, 1, relu};
  std::vector<float> y((size_t)m * n);
  bnnc_gemm_f32(&p, a.data(), bt.data(), bias, y.data());
  return y;
}

// The GEMM with B in n16 panels (a constant Gemm B) and read in place (a
// run-time B): 4-, 2- and 1-row tiles, 16- and 4-column tiles, last tiles
// that overlap or stay inside a panel, k with every remainder mod 8.
TEST(NeonGemmF32, RandomShapes) {
  Rng rng(13);
  for (int i = 0; i < 120; ++i) {
    const int32_t m = rng.range(1, 9), n = rng.range(1, 70),
                  k = i % 10 == 0 ? rng.range(100, 300) : rng.range(1, 40);
    std::vector<float> a((size_t)m * k), bt((size_t)n * k), bias(n);
    fillUniform(rng, {&a, &bt, &bias});
    std::vector<float> b((size_t)k * n); // row-major k x n
    for (int32_t j = 0; j < n; ++j)
      for (int32_t kk = 0; kk < k; ++kk)
        b[(size_t)kk * n + j] = bt[(size_t)j * k + kk];
    const float *bp = i % 3 == 1 ? nullptr : bias.data();
    const int32_t relu = i % 2;
    const std::vector<float> ref = portableGemm(m, n, k, a, bt, bp, relu);
    std::vector<float> panels(bnnc_layout_n16_floats(n, k));
    bnnc_layout_n16(n, k, 1, bt.data(), panels.data());
    std::vector<float> dense((size_t)m * n, -99.0f), rowMajor(dense);
    bnnc_neon_dense_f32(m, n, k, a.data(), panels.data(), bp, relu,
                        dense.data());
    bnnc_neon_gemm_rowmajor_f32(m, n, k, a.data(), b.data(), bp, relu,
                                rowMajor.data());
    const float tolerance = 1e-5f * static_cast<float>(1 + k);
    for (size_t j = 0; j < ref.size(); ++j) {
      ASSERT_NEAR(ref[j], dense[j], tolerance)
          << "panels m " << m << " n " << n << " k " << k << " at " << j;
      ASSERT_NEAR(ref[j], rowMajor[j], tolerance)
          << "row-major m " << m << " n " << n << " k " << k << " at " << j;
    }
  }
}

// The recurrent kernel with NEON dot products against the portable one:
// every cell, one and two directions, lengths that are not multiples of the
// vector width, sequence lengths, all activations. Only the order of the
// dot products' additions differs.
TEST(NeonRecurrentF32, MatchesPortable) {
  Rng rng(16);
  for (int32_t gates : {1, 3, 4})
    for (int32_t dirs : {1, 2})
      for (int32_t input : {1, 5, 13})
        for (int32_t hidden : {1, 4, 9}) {
          const int32_t seq = 4, batch = 2;
          const size_t g = (size_t)gates * hidden;
          std::vector<float> x((size_t)seq * batch * input),
              w(dirs * g * input), r(dirs * g * hidden), bias(dirs * 2 * g),
              h0((size_t)dirs * batch * hidden), c0(h0.size()),
              peep((size_t)dirs * 3 * hidden);
          for (auto *v : {&x, &w, &r, &bias, &h0, &c0, &peep})
            for (float &f : *v)
              f = rng.uniform(-1.0f, 1.0f);
          const int32_t lens[2] = {4, 2};
          bnnc_recurrent_params p = {};
          p.gates = gates;
          p.seq = seq;
          p.batch = batch;
          p.input = input;
          p.hidden = hidden;
          p.dirs = dirs;
          p.reverse = dirs == 1 && hidden == 4;
          p.linear_before_reset = gates == 3 && input == 5;
          p.has_clip = input == 13;
          p.clip = 0.7f;
          for (int i = 0; i < BNNC_RNN_MAX_ACTIVATIONS; ++i) {
            p.act[i] = (i + gates + hidden) % 11;
            p.alpha[i] = 0.3f;
            p.beta[i] = 0.6f;
          }
          const bool lstm = gates == 4;
          const size_t total = (size_t)seq * h0.size() + 2 * h0.size() +
                               (size_t)(gates + 1) * hidden;
          std::vector<float> ref(total), got(total, -99.0f);
          bnnc_recurrent_f32(&p, x.data(), w.data(), r.data(), bias.data(),
                             h0.data(), lstm ? c0.data() : nullptr,
                             lstm ? peep.data() : nullptr, lens, ref.data());
          bnnc_neon_recurrent_f32(&p, x.data(), w.data(), r.data(),
                                  bias.data(), h0.data(),
                                  lstm ? c0.data() : nullptr,
                                  lstm ? peep.data() : nullptr, lens,
                                  got.data());
          // Y, Y_h and Y_c (the scratch after them is not compared).
          const size_t outputs = (size_t)seq * h0.size() + 2 * h0.size();
          for (size_t i = 0; i < outputs; ++i)
            ASSERT_NEAR(ref[i], got[i], 1e-4f * (1.0f + std::fabs(ref[i])))
                << "gates " << gates << " dirs " << dirs << " input "
                << input << " hidden " << hidden << " at " << i;
        }
}

} // namespace
