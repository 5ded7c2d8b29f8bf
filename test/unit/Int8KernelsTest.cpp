//===- Int8KernelsTest.cpp - bnnc/kernels_int8.h vs exact references ------===//
//
// The quantized kernels against references written from the definitions
// (docs/int8.md): rounding half to even against the C library's nearbyint
// in the default rounding mode, the integer convolution and matmul against
// int64 sums, and the fixed-point requantization against the float32 one,
// exhaustively over accumulators in [-2^20, 2^20] and at random over the
// whole int32 range, for multipliers from 2^-140 to 2^8.
//
//===----------------------------------------------------------------------===//

extern "C" {
#include "bnnc/kernels_int8.h"

#include "cortexm_int8_sweep.h" // the Cortex-M int8 kernels (plain C here)
}

#include "TestRandom.h"

#include <gtest/gtest.h>

#include <cfenv>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

using bnnc_test::Rng;

namespace {

//===----------------------------------------------------------------------===//
// Rounding and quantization
//===----------------------------------------------------------------------===//

TEST(Int8Rounding, HalfToEvenMatchesNearbyint) {
  ASSERT_EQ(std::fegetround(), FE_TONEAREST);
  const float edges[] = {0.5f,
                         1.5f,
                         2.5f,
                         -0.5f,
                         -1.5f,
                         -2.5f,
                         0.49999997f,
                         -0.49999997f,
                         8388607.5f,
                         -8388607.5f,
                         8388608.0f,
                         1e30f,
                         -1e30f,
                         0.0f,
                         -0.0f,
                         1e-40f,
                         std::numeric_limits<float>::infinity(),
                         -std::numeric_limits<float>::infinity()};
  for (float v : edges)
    EXPECT_EQ(bnnc_round_half_even_f32(v), std::nearbyint(v)) << v;
  Rng rng(18);
  for (int i = 0; i < 1000000; ++i) {
    // Random bit patterns of finite floats, plus exact k + 1/2.
    uint32_t bits = static_cast<uint32_t>(rng.next());
    float v;
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v))
      continue;
    float tie = static_cast<float>(rng.range(-100000, 100000)) + 0.5f;
    EXPECT_EQ(bnnc_round_half_even_f32(v), std::nearbyint(v)) << v;
    EXPECT_EQ(bnnc_round_half_even_f32(tie), std::nearbyint(tie)) << tie;
  }
  EXPECT_TRUE(std::isnan(bnnc_round_half_even_f32(NAN)));
}

TEST(Int8Quantize, TiesSaturationAndNaN) {
  const float x[] = {2.5f, 3.5f, -2.5f, -3.5f, 1000.0f, -1000.0f, NAN, 0.0f};
  const float scale = 1.0f;
  const int8_t zp = 1;
  int8_t y[8];
  bnnc_quant_params p = {1, 1, 8, 0, 0, 0, 0};
  bnnc_quantize_f32_i8(&p, x, &scale, &zp, y);
  const int8_t expected[] = {3, 5, -1, -3, 127, -128, 1, 1};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(y[i], expected[i]) << i;
  uint8_t u[8];
  const uint8_t uzp = 128;
  bnnc_quantize_f32_u8(&p, x, &scale, &uzp, u);
  const uint8_t uexpected[] = {130, 132, 126, 124, 255, 0, 128, 128};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(u[i], uexpected[i]) << i;
}

TEST(Int8Quantize, PerAxis) {
  // [2, 3, 2] along axis 1: scales 1, 2, 4 and zero points 0, 1, -1.
  float x[12];
  for (int i = 0; i < 12; ++i)
    x[i] = static_cast<float>(i) * 3.0f;
  const float scale[] = {1.0f, 2.0f, 4.0f};
  const int8_t zp[] = {0, 1, -1};
  int8_t y[12];
  bnnc_quant_params p = {2, 3, 2, 1, 1, 0, 0};
  bnnc_quantize_f32_i8(&p, x, scale, zp, y);
  for (int i = 0; i < 12; ++i) {
    int c = (i / 2) % 3;
    float q = std::nearbyint(x[i] / scale[c]) + zp[c];
    EXPECT_EQ(y[i], static_cast<int8_t>(std::fmin(127.0f, q))) << i;
  }
}

TEST(Int8Wrap, TwosComplement) {
  EXPECT_EQ(bnnc_wrap_i32(0u), 0);
  EXPECT_EQ(bnnc_wrap_i32(0x7fffffffu), INT32_MAX);
  EXPECT_EQ(bnnc_wrap_i32(0x80000000u), INT32_MIN);
  EXPECT_EQ(bnnc_wrap_i32(0xffffffffu), -1);
}

//===----------------------------------------------------------------------===//
// Fixed-point requantization == float32 requantization
//===----------------------------------------------------------------------===//

/// The significand and exponent of a positive float32, m = mant * 2^exp:
/// the split bnnc's emitter makes (targets/generic/Int8Kernels.cpp).
void splitMultiplier(float m, int32_t &mant, int32_t &exp) {
  uint32_t bits;
  std::memcpy(&bits, &m, sizeof bits);
  int32_t biased = static_cast<int32_t>((bits >> 23) & 0xff);
  int32_t fraction = static_cast<int32_t>(bits & 0x7fffff);
  mant = biased ? fraction | 0x800000 : fraction;
  exp = biased ? biased - 150 : -149;
}

int32_t floatRequantize(int32_t acc, float m, int32_t zp, int32_t lo,
                        int32_t hi) {
  return bnnc_saturate_q(bnnc_round_half_even_f32(static_cast<float>(acc) * m),
                         zp, lo, hi);
}

class FixedRequantize : public ::testing::TestWithParam<float> {};

TEST_P(FixedRequantize, EqualsFloatOnEveryAccumulator) {
  float m = GetParam();
  int32_t mant, exp;
  splitMultiplier(m, mant, exp);
  ASSERT_GT(mant, 0);
  int64_t mismatches = 0;
  auto check = [&](int32_t acc) {
    mismatches += bnnc_requantize_fixed(acc, mant, exp, 3, -128, 127) !=
                      floatRequantize(acc, m, 3, -128, 127) ||
                  bnnc_requantize_fixed(acc, mant, exp, 0, 0, 255) !=
                      floatRequantize(acc, m, 0, 0, 255);
  };
  for (int32_t acc = -(1 << 20); acc <= (1 << 20); ++acc)
    check(acc);
  Rng rng(static_cast<uint64_t>(mant) * 31 + static_cast<uint64_t>(exp + 200));
  for (int i = 0; i < 200000; ++i)
    check(static_cast<int32_t>(static_cast<uint32_t>(rng.next())));
  for (int32_t acc : {INT32_MIN, INT32_MIN + 1, INT32_MAX, (1 << 24) + 1,
                      -(1 << 24) - 1, (1 << 25) + 3})
    check(acc);
  EXPECT_EQ(mismatches, 0) << "multiplier " << m;
}

std::vector<float> multipliers() {
  std::vector<float> ms = {1.0f,    0.5f,  3.0f,    0.75f,      1e-3f,
                           2.5e-4f, 1e-9f, 1e-30f,  1e-42f,     0.999999f,
                           255.0f,  0.3f,  0.0625f, 1.0f / 3.0f};
  Rng rng(2026);
  for (int i = 0; i < 16; ++i)
    ms.push_back(rng.uniform(0.5f, 1.0f) * std::ldexp(1.0f, -rng.range(0, 24)));
  return ms;
}

INSTANTIATE_TEST_SUITE_P(Multipliers, FixedRequantize,
                         ::testing::ValuesIn(multipliers()));

//===----------------------------------------------------------------------===//
// Integer convolution and matmul
//===----------------------------------------------------------------------===//

struct ConvCase {
  int c, h, w, m, kh, kw, stride, pad, dilation, group;
  bool perChannelZp;
};

class QConv2D : public ::testing::TestWithParam<ConvCase> {};

TEST_P(QConv2D, MatchesInt64Reference) {
  const ConvCase k = GetParam();
  Rng rng(static_cast<uint64_t>(k.c * 1000 + k.m * 10 + k.group));
  const int cg = k.c / k.group, mg = k.m / k.group;
  const int oh = (k.h + 2 * k.pad - k.dilation * (k.kh - 1) - 1) / k.stride + 1;
  const int ow = (k.w + 2 * k.pad - k.dilation * (k.kw - 1) - 1) / k.stride + 1;
  std::vector<uint8_t> x(static_cast<size_t>(2 * k.c * k.h * k.w));
  std::vector<int8_t> w(static_cast<size_t>(k.m * cg * k.kh * k.kw));
  std::vector<int8_t> wzp(static_cast<size_t>(k.m));
  std::vector<int32_t> bias(static_cast<size_t>(k.m));
  for (auto &v : x)
    v = static_cast<uint8_t>(rng.range(0, 255));
  for (auto &v : w)
    v = static_cast<int8_t>(rng.range(-128, 127));
  for (auto &v : wzp)
    v = static_cast<int8_t>(rng.range(-128, 127));
  for (auto &v : bias)
    v = rng.range(-100000, 100000);
  const uint8_t xzp = static_cast<uint8_t>(rng.range(0, 255));
  bnnc_qconv2d_params p = {2,
                           k.c,
                           k.h,
                           k.w,
                           k.m,
                           k.kh,
                           k.kw,
                           oh,
                           ow,
                           k.stride,
                           k.stride,
                           k.pad,
                           k.pad,
                           k.dilation,
                           k.dilation,
                           k.group,
                           k.perChannelZp ? 1 : 0};
  std::vector<int32_t> y(static_cast<size_t>(2 * k.m * oh * ow));
  bnnc_qconv2d_u8_i8(&p, x.data(), w.data(), &xzp, wzp.data(), bias.data(),
                     y.data());
  size_t i = 0;
  for (int n = 0; n < 2; ++n)
    for (int o = 0; o < k.m; ++o)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox, ++i) {
          int64_t acc = bias[o];
          int64_t wz = k.perChannelZp ? wzp[o] : wzp[0];
          for (int ci = 0; ci < cg; ++ci)
            for (int ky = 0; ky < k.kh; ++ky)
              for (int kx = 0; kx < k.kw; ++kx) {
                int iy = oy * k.stride - k.pad + ky * k.dilation;
                int ix = ox * k.stride - k.pad + kx * k.dilation;
                if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w)
                  continue;
                int c = o / mg * cg + ci;
                int64_t xv = x[((n * k.c + c) * k.h + iy) * k.w + ix] - xzp;
                int64_t wv = w[((o * cg + ci) * k.kh + ky) * k.kw + kx] - wz;
                acc += xv * wv;
              }
          ASSERT_EQ(y[i], acc) << "n " << n << " o " << o;
        }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, QConv2D,
    ::testing::Values(ConvCase{3, 8, 8, 8, 3, 3, 1, 1, 1, 1, true},
                      ConvCase{8, 7, 5, 8, 3, 3, 2, 1, 1, 2, false},
                      ConvCase{4, 9, 9, 4, 3, 3, 1, 2, 2, 4, true},
                      ConvCase{32, 6, 6, 16, 1, 1, 1, 0, 1, 1, true},
                      // A dense layer as a 1x1 convolution (the dot-product
                      // path), and a narrow kernel with stride 3.
                      ConvCase{16, 4, 4, 10, 4, 4, 1, 0, 1, 1, true},
                      ConvCase{5, 10, 3, 6, 3, 2, 3, 1, 1, 1, false}));

TEST(QMatMul, BatchedWithRowAndColumnZeroPoints) {
  const int m = 5, k = 37, n = 6;
  Rng rng(7);
  std::vector<int8_t> a(static_cast<size_t>(3 * m * k)),
      b(static_cast<size_t>(k * n));
  std::vector<int8_t> azp(m), bzp(n);
  for (auto *v : {&a, &b, &azp, &bzp})
    for (auto &e : *v)
      e = static_cast<int8_t>(rng.range(-128, 127));
  bnnc_qmatmul_params p = {};
  p.m = m, p.k = k, p.n = n, p.batch_rank = 1;
  p.batch_shape[0] = 3, p.a_batch_strides[0] = 1, p.b_batch_strides[0] = 0;
  p.a_zp_step = 1, p.b_zp_step = 1;
  std::vector<int32_t> y(static_cast<size_t>(3 * m * n));
  bnnc_qmatmul_i8_i8(&p, a.data(), b.data(), azp.data(), bzp.data(), y.data());
  for (int bt = 0; bt < 3; ++bt)
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        int64_t acc = 0;
        for (int kk = 0; kk < k; ++kk)
          acc += int64_t(a[(bt * m + i) * k + kk] - azp[i]) *
                 (b[kk * n + j] - bzp[j]);
        EXPECT_EQ(y[(bt * m + i) * n + j], acc);
      }
}

//===----------------------------------------------------------------------===//
// Packing int8 = packing the dequantized floats
//===----------------------------------------------------------------------===//

TEST(PackQuantized, EqualsFloatPackOfDequantized) {
  Rng rng(99);
  for (int trial = 0; trial < 20; ++trial) {
    const int c = rng.range(1, 70), h = rng.range(1, 4), w = rng.range(1, 4);
    const int group = c % 2 == 0 && trial % 2 ? 2 : 1;
    bnnc_bpack_params p = {2, c, h, w, group};
    const size_t count = static_cast<size_t>(2 * c * h * w);
    std::vector<uint8_t> qu(count);
    std::vector<int8_t> qs(count);
    for (size_t i = 0; i < count; ++i) {
      qu[i] = static_cast<uint8_t>(rng.range(0, 255));
      qs[i] = static_cast<int8_t>(rng.range(-128, 127));
    }
    const int32_t zu = rng.range(0, 255), zs = rng.range(-128, 127);
    const float scale = rng.uniform(1e-6f, 2.0f);
    std::vector<float> fu(count), fs(count);
    for (size_t i = 0; i < count; ++i) {
      fu[i] = static_cast<float>(qu[i] - zu) * scale;
      fs[i] = static_cast<float>(qs[i] - zs) * scale;
    }
    const size_t words =
        static_cast<size_t>(2 * h * w * group * bnnc_bwords32(c / group, 1));
    std::vector<uint32_t> a(words), b(words);
    bnnc_pack_u8_nchw_to_nhwc32(&p, qu.data(), zu, a.data());
    bnnc_pack_f32_nchw_to_nhwc32(&p, fu.data(), b.data());
    EXPECT_EQ(a, b) << "uint8, trial " << trial;
    bnnc_pack_i8_nchw_to_nhwc32(&p, qs.data(), zs, a.data());
    bnnc_pack_f32_nchw_to_nhwc32(&p, fs.data(), b.data());
    EXPECT_EQ(a, b) << "int8, trial " << trial;
  }
}

// The integer pack thresholds of bnn-fuse-epilogues (ThresholdPackOnIntegers):
// t_c = the smallest q with !(float(q - zp) * s < T_c); packing q < t_c
// equals packing the dequantized tensor with the float thresholds T.
TEST(PackQuantized, IntegerThresholdsEqualFloatThresholds) {
  Rng rng(5);
  for (int trial = 0; trial < 40; ++trial) {
    const int c = rng.range(1, 70), h = rng.range(1, 3), w = rng.range(1, 3);
    bnnc_bpack_params p = {2, c, h, w, 1};
    const size_t count = static_cast<size_t>(2 * c * h * w);
    const int32_t zp = rng.range(-128, 127);
    const float scale = rng.uniform(1e-4f, 2.0f);
    std::vector<int8_t> q(count);
    std::vector<float> x(count), thresholds(c);
    std::vector<int32_t> integer(c);
    for (size_t i = 0; i < count; ++i) {
      q[i] = static_cast<int8_t>(rng.range(-128, 127));
      x[i] = static_cast<float>(q[i] - zp) * scale;
    }
    for (int ch = 0; ch < c; ++ch) {
      // Thresholds on and between dequantized values, and out of range.
      const int32_t k = rng.range(-300, 300);
      thresholds[ch] = trial % 3 == 0 ? static_cast<float>(k) * scale
                                      : rng.uniform(-300.0f, 300.0f) * scale;
      int32_t first = 128;
      for (int32_t v = 127; v >= -128; --v)
        if (!(static_cast<float>(v - zp) * scale < thresholds[ch]))
          first = v;
      integer[ch] = first;
    }
    const size_t words = static_cast<size_t>(2 * h * w * bnnc_bwords32(c, 1));
    std::vector<uint32_t> a(words), b(words);
    bnnc_pack_i8_threshold_nchw_to_nhwc32(&p, q.data(), integer.data(),
                                          a.data());
    bnnc_pack_threshold_f32_nchw_to_nhwc32(&p, x.data(), thresholds.data(),
                                           nullptr, b.data());
    EXPECT_EQ(a, b) << "trial " << trial;
  }
}

// bnn-fuse-qdq's max-pool fold: pooling the integers equals quantize(
// maxpool(dequantize(q))) with the same parameters, for windows with and
// without padding, dilations, and windows entirely in the padding.
TEST(MaxPoolQ8, EqualsQuantizedFloatPool) {
  Rng rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    bnnc_pool2d_params p;
    p.n = rng.range(1, 2), p.c = rng.range(1, 3);
    p.h = rng.range(1, 7), p.w = rng.range(1, 7);
    p.kh = rng.range(1, 3), p.kw = rng.range(1, 3);
    p.stride_h = rng.range(1, 3), p.stride_w = rng.range(1, 3);
    p.dilation_h = rng.range(1, 2), p.dilation_w = rng.range(1, 2);
    // Pads up to the kernel extent: some windows see no input at all.
    p.pad_top = rng.range(0, p.kh * p.dilation_h);
    p.pad_left = rng.range(0, p.kw * p.dilation_w);
    p.oh =
        (p.h + 2 * p.pad_top - p.dilation_h * (p.kh - 1) - 1) / p.stride_h + 1;
    p.ow =
        (p.w + 2 * p.pad_left - p.dilation_w * (p.kw - 1) - 1) / p.stride_w + 1;
    if (p.oh < 1 || p.ow < 1)
      continue;
    const size_t in = static_cast<size_t>(p.n * p.c * p.h * p.w);
    const size_t out = static_cast<size_t>(p.n * p.c * p.oh * p.ow);
    const float scale = rng.uniform(1e-6f, 2.0f);
    const int8_t zs = static_cast<int8_t>(rng.range(-128, 127));
    const uint8_t zu = static_cast<uint8_t>(rng.range(0, 255));
    std::vector<int8_t> qs(in), ys(out), refs(out);
    std::vector<uint8_t> qu(in), yu(out), refu(out);
    std::vector<float> fs(in), fu(in), pooled(out);
    for (size_t i = 0; i < in; ++i) {
      qs[i] = static_cast<int8_t>(rng.range(-128, 127));
      qu[i] = static_cast<uint8_t>(rng.range(0, 255));
    }
    bnnc_quant_params qp = {1, 1, static_cast<int32_t>(in), 0, 0, 0};
    bnnc_quant_params op = {1, 1, static_cast<int32_t>(out), 0, 0, 0};
    bnnc_dequantize_i8_f32(&qp, qs.data(), &scale, &zs, fs.data());
    bnnc_maxpool2d_f32(&p, fs.data(), pooled.data());
    bnnc_quantize_f32_i8(&op, pooled.data(), &scale, &zs, refs.data());
    bnnc_maxpool2d_i8(&p, qs.data(), ys.data());
    EXPECT_EQ(ys, refs) << "int8, trial " << trial;
    bnnc_dequantize_u8_f32(&qp, qu.data(), &scale, &zu, fu.data());
    bnnc_maxpool2d_f32(&p, fu.data(), pooled.data());
    bnnc_quantize_f32_u8(&op, pooled.data(), &scale, &zu, refu.data());
    bnnc_maxpool2d_u8(&p, qu.data(), yu.data());
    EXPECT_EQ(yu, refu) << "uint8, trial " << trial;
  }
}

// The Cortex-M int8 convolution and requantization
// (bnnc/kernels_cortexm_int8.h) in their plain-C form (the host has no
// SMLAD) against the generic kernels, bit for bit: the randomized sweep
// that test/cortexm/int8-kernels.test runs under QEMU, more cases here.
TEST(CortexMInt8, SweepMatchesGenericKernels) {
  char msg[512];
  const int cases = 500;
  const int failures = qsweep_all(0x1e8c0de5ull, cases, msg, sizeof msg);
  EXPECT_EQ(failures, 0) << "of " << QSWEEP_KINDS * cases
                         << " cases; first: " << msg;
}

// The requantization edges of the Cortex-M firmware test (powers-of-two
// multipliers, ties, 2^24, the int32 limits, subnormal and huge
// multipliers) on the host's integer path.
TEST(CortexMInt8, RequantizeEdgesMatchGenericKernels) {
  char msg[512] = "";
  long values = 0;
  EXPECT_EQ(qsweep_requantize_edges(msg, sizeof msg, &values), 0) << msg;
  EXPECT_GT(values, 80000);
}

// The QuantizeLinear edges of the same firmware test (ties, NaN,
// infinities, both rounding conventions) on the host's generic path.
TEST(CortexMInt8, QuantizeEdgesMatchGenericKernels) {
  char msg[512] = "";
  long values = 0;
  EXPECT_EQ(qsweep_quantize_edges(msg, sizeof msg, &values), 0) << msg;
  EXPECT_GT(values, 10000);
}

// bnnc_requantize_fixed equals the float32 formula it emulates
// (bnnc_requantize_i32_* with in_scale = mant * 2^exp, w_scale =
// out_scale = 1, so that m is the multiplier exactly) where a multiplier
// is huge and the accumulator 0: 0 * m = 0 gives the zero point (the
// fixed-point kernel saturated it before).
TEST(Int8Kernels, FixedRequantizeOfZeroIsTheZeroPoint) {
  const int32_t acc[] = {0, 1, -1};
  const int32_t mants[] = {8388608, 16777215};
  const int32_t exps[] = {31, 60, 104};
  for (int32_t mant : mants)
    for (int32_t exp : exps) {
      const float in = std::ldexp(static_cast<float>(mant), exp), one = 1.0f;
      const int8_t zp = 7;
      int8_t ref[3], got[3];
      bnnc_quant_params p{1, 1, 3, 0, 0, 0, 0};
      bnnc_requantize_i32_i8(&p, acc, &in, &one, &one, &zp, ref);
      bnnc_requantize_fixed_i32_i8(&p, acc, &mant, &exp, &zp, got);
      EXPECT_EQ(ref[0], 7);
      for (int i = 0; i < 3; ++i)
        EXPECT_EQ(got[i], ref[i])
            << "mant " << mant << " exp " << exp << " acc " << acc[i];
    }
}

// bnnc_cm_requantize (32-bit fast path) equals bnnc_requantize_fixed for
// every accumulator in [-2^24 - 64, 2^24 + 64] (float(acc) exact and the
// edge of the fast path) for multipliers with ties and extreme significands.
TEST(CortexMInt8, RequantizeEqualsFixedPoint) {
  const int32_t mants[] = {8388608, 16777215, 12582912, 8388609, 1, 4194304};
  const int32_t exps[] = {-24, -30, -33, -37, -20, -46};
  for (int i = 0; i < 6; ++i)
    for (int32_t acc = -(1 << 24) - 64; acc <= (1 << 24) + 64; acc += 3)
      ASSERT_EQ(bnnc_cm_requantize(acc, mants[i], exps[i], 3, -128, 127),
                bnnc_requantize_fixed(acc, mants[i], exps[i], 3, -128, 127))
          << "acc " << acc << " mant " << mants[i] << " exp " << exps[i];
}

} // namespace

// ---- TFLite: QUANTIZE ties away from zero, Q31 requantization ------------

TEST(TfliteInt8, QuantizeRoundsTiesAwayFromZero) {
  const float x[] = {2.5f, -2.5f, 0.5f, -0.5f, 1.4999999f, 3.5f, NAN, 1e9f};
  const float scale = 1.0f;
  const int8_t zp = -1;
  int8_t y[8];
  bnnc_quant_params p = {1, 1, 8, 0, 0, 0, 1};
  bnnc_quantize_f32_i8(&p, x, &scale, &zp, y);
  const int8_t expected[] = {2, -4, 0, -2, 0, 3, -1, 127};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(y[i], expected[i]) << i;
}

// acc * q * 2^(shift - 31) with TFLite's two roundings: the doubling high
// product rounds ties toward +infinity, the shift ties away from zero, so
// 5 * 2^-2 = 1.25 gives 2 (2.5 -> 3, 1.5 -> 2) and -1.25 gives -1.
TEST(TfliteInt8, Q31MultiplierCases) {
  const struct {
    int32_t acc, q, shift, expected;
  } cases[] = {
      {5, 1073741824, -1, 2},
      {-5, 1073741824, -1, -1},
      {3, 1073741824, -1, 1},
      {-3, 1073741824, -1, -1},
      {INT32_MAX, INT32_MAX, 0, 2147483646},
      {INT32_MIN, INT32_MAX, 0, -2147483647},
      {INT32_MIN, 1073741824, -31, -1},
      {100, 1518500250, -7, 1},
      {-100, 1518500250, -7, -1},
      {1000, 1073741824, 2, 2000},
      // acc * 2^shift saturates to INT32_MAX before the multiply.
      {1073741824, 1073741824, 2, 1073741824},
      {-1073741824, 1073741824, 2, -1073741824},
      {12345, 0, 0, 0},
  };
  for (const auto &c : cases)
    EXPECT_EQ(bnnc_mul_q31(c.acc, c.q, c.shift), c.expected)
        << c.acc << " " << c.q << " " << c.shift;
}

// Against the exact product (62 bits, exact in long double): the two
// roundings are never more than one step from it.
TEST(TfliteInt8, Q31WithinOneOfExact) {
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&]() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 32);
  };
  for (int i = 0; i < 200000; ++i) {
    int32_t acc = static_cast<int32_t>(next()) >> (next() % 24);
    int32_t q = static_cast<int32_t>((next() >> 2) | (1u << 30));
    int32_t shift = -static_cast<int32_t>(next() % 32);
    long double exact =
        std::ldexp(static_cast<long double>(acc) * q, shift - 31);
    long double got = bnnc_mul_q31(acc, q, shift);
    ASSERT_LE(std::fabs(got - exact), 1.0L) << acc << " " << q << " " << shift;
    ASSERT_LE(std::fabs(got - std::round(exact)), 1.0L);
  }
}

TEST(TfliteInt8, RequantizePerChannelClamp) {
  // [1, 2, 3] along axis 1: channel 0 multiplies by 0.5, channel 1 by 2;
  // zero point 10, clamp [5, 20] (a fused activation range).
  const int32_t acc[] = {4, -30, 50, 3, -3, 100};
  const int32_t q[] = {1073741824, 1073741824}, shift[] = {0, 2};
  bnnc_requant_q31_params p = {1, 2, 3, 1, 10, 5, 20};
  int8_t y[6];
  bnnc_requantize_q31_i32_i8(&p, acc, q, shift, y);
  const int8_t expected[] = {12, 5, 20, 16, 5, 20};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(y[i], expected[i]) << i;
}

// TFLite's quantized ADD. Scales 0.5 + 0.5 -> 1: the multipliers are
// exactly 1/2, 1/2 and 2^-20, and 1.5 + 2 = 3.5 rounds away from zero to 4.
// The second case (scales 0.02, 0.03 -> 0.05, zero points -5, 7 -> 3, RELU
// clamp [3, 127]) has the multipliers TFLite derives for those float32
// scales; the expected values come from test/models/tflite/tflite_ref.py.
TEST(TfliteInt8, QuantizedAdd) {
  const int8_t a[] = {3, -3, 127, -128, 10, 0, 50, -77};
  const int8_t b[] = {4, -4, 127, -128, -20, 1, 60, 33};
  int8_t y[8];
  bnnc_add_q31_params p = {8, 0,          0,   1073741824, 0,    1073741824,
                           0, 1073741824, -19, 0,          -128, 127};
  bnnc_add_q31_i8(&p, a, b, y);
  const int8_t expected[] = {4, -4, 127, -128, -5, 1, 55, -22};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(y[i], expected[i]) << i;
  bnnc_add_q31_params q = {8, -5,         7,   1431655765, -1, 1073741824,
                           0, 1288490141, -19, 3,          3,  127};
  bnnc_add_q31_i8(&q, a, b, y);
  const int8_t expected2[] = {4, 3, 127, 3, 3, 3, 57, 3};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(y[i], expected2[i]) << i;
}
