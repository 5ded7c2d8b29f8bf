//===- NeonTransformerKernelsTest.cpp - kernels_neon_transformer.h --------===//
//
// Runs on aarch64 only (cross-compiled and run under qemu-aarch64 by ctest,
// test unit-transformer-kernels-aarch64). The vector functions are measured
// against double-precision libm over dense sweeps, and every kernel against
// the portable kernel of kernels_f32.h that the generic target calls, on
// random shapes (lengths below 4, odd, and not multiples of 4 or 8;
// broadcast batches; A B and A B^T). The bounds asserted here are the ones
// docs/aarch64.md ("Transformer kernels") states; u = 2^-24 is the unit
// roundoff of float.
//
//===----------------------------------------------------------------------===//

#include "bnnc/kernels_binary.h"
#include "bnnc/kernels_neon_transformer.h"

#include "TestRandom.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

using bnnc_test::Rng;

constexpr double kU = 0x1p-24; // float unit roundoff

/// A measured error for the XML report (--gtest_output=xml), 3 digits.
std::string sci(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", v);
  return text;
}

float lane0(float32x4_t v) { return vgetq_lane_f32(v, 0); }

/// Applies a lane-wise vector function to one float (lane 0 of a splat).
template <typename F> float scalarOf(F f, float x) {
  return lane0(f(vdupq_n_f32(x)));
}

/// |got - want| in units of the float spacing at want (ulp of a normal).
double ulps(float got, double want) {
  int e;
  std::frexp(want, &e);
  const double ulp = std::ldexp(1.0, e - 24);
  return std::fabs(static_cast<double>(got) - want) / ulp;
}

// ---- Vector exp ----------------------------------------------------------

TEST(NeonExp, OneUlpOverTheNormalRange) {
  // Every result above FLT_MIN: x from ln(FLT_MIN) = -87.336 to the
  // overflow threshold ln(FLT_MAX) = 88.722, 400k points.
  double worst = 0;
  float at = 0;
  const int steps = 400000;
  for (int i = 0; i <= steps; ++i) {
    const float x = -87.3f + (88.72f + 87.3f) * static_cast<float>(i) / steps;
    const double e = ulps(scalarOf(bnnc_neon_exp_f32x4, x), std::exp(double(x)));
    if (e > worst) {
      worst = e;
      at = x;
    }
  }
  RecordProperty("max_ulp", sci(worst));
  EXPECT_LE(worst, 1.0) << "at x = " << at;
}

TEST(NeonExp, SpecialValues) {
  EXPECT_TRUE(std::isnan(scalarOf(bnnc_neon_exp_f32x4, NAN)));
  EXPECT_EQ(scalarOf(bnnc_neon_exp_f32x4, -INFINITY), 0.0f);
  EXPECT_EQ(scalarOf(bnnc_neon_exp_f32x4, -200.0f), 0.0f);
  EXPECT_EQ(scalarOf(bnnc_neon_exp_f32x4, -104.0f), 0.0f);
  EXPECT_GT(scalarOf(bnnc_neon_exp_f32x4, -103.0f), 0.0f);
  EXPECT_EQ(scalarOf(bnnc_neon_exp_f32x4, INFINITY), INFINITY);
  EXPECT_EQ(scalarOf(bnnc_neon_exp_f32x4, 88.8f), INFINITY);
  EXPECT_EQ(scalarOf(bnnc_neon_exp_f32x4, 0.0f), 1.0f);
  // Subnormal results: within 1% (they have few significant bits).
  const float sub = scalarOf(bnnc_neon_exp_f32x4, -95.0f);
  EXPECT_NEAR(sub, std::exp(-95.0), 0.01 * std::exp(-95.0));
}

// ---- erf, erfc, the GELU factors -----------------------------------------

TEST(NeonErf, AbsoluteErrorAgainstLibm) {
  // [-6, 6] every 1e-4 (erf is +-1 in float beyond 3.92).
  double worstF = 0, worstD = 0;
  for (int i = -60000; i <= 60000; ++i) {
    const float x = static_cast<float>(i) * 1e-4f;
    const float got = scalarOf(bnnc_neon_erf_f32x4, x);
    worstF = std::max(worstF, std::fabs(double(got) - double(erff(x))));
    worstD = std::max(worstD, std::fabs(double(got) - std::erf(double(x))));
  }
  RecordProperty("max_abs_vs_erff", sci(worstF));
  RecordProperty("max_abs_vs_erf", sci(worstD));
  EXPECT_LE(worstD, 3e-7);
  EXPECT_LE(worstF, 3e-7);
}

TEST(NeonErfc, RelativeErrorOfTheTail) {
  // erfc(z) relative to itself for z in [0, 5] (erfc(5) = 1.5e-12).
  double worst = 0;
  for (int i = 0; i <= 50000; ++i) {
    const float z = static_cast<float>(i) * 1e-4f;
    const double want = std::erfc(double(z));
    const double got = scalarOf(bnnc_neon_erfc_nonneg_f32x4, z);
    worst = std::max(worst, std::fabs(got - want) / want);
  }
  RecordProperty("max_rel", sci(worst));
  EXPECT_LE(worst, 1.3e-6);
}

TEST(NeonGelu, ExactFormCdfRelativeError) {
  // Phi(x) relative to itself over [-9, 9], where Phi(-9) = 1e-19: the
  // negative tail is accurate relative to its size, not only absolutely.
  // The rounding of x / sqrt 2 to float (the portable kernel's too) is an
  // absolute error of about x^2 u in the exponent of the tail: most of
  // the error at large |x|.
  double worst = 0, worstCore = 0;
  for (int i = -90000; i <= 90000; ++i) {
    const float x = static_cast<float>(i) * 1e-4f;
    const double want = 0.5 * std::erfc(-double(x) / std::sqrt(2.0));
    const double rel =
        std::fabs(scalarOf(bnnc_neon_gelu_cdf_f32x4, x) - want) / want;
    worst = std::max(worst, rel);
    if (x >= -3.0f)
      worstCore = std::max(worstCore, rel);
  }
  RecordProperty("max_rel", sci(worst));
  RecordProperty("max_rel_x_ge_-3", sci(worstCore));
  EXPECT_LE(worstCore, 1.5e-6);
  EXPECT_LE(worst, 8e-6);
}

TEST(NeonGelu, TanhFormAgainstLibmTanh) {
  // x / (1 + e^(-2u)) against x 0.5 (1 + tanh(u)) in double, relative, and
  // against the portable kernel's float tanhf formula, absolute in units
  // of |x|, over [-12, 12]. -2u is computed in float with 3 roundings, an
  // absolute error of 6 |u| u in the exponent, hence a relative error of
  // up to (8 + 6 |u|) u on the negative side, where the factor is e^(2u).
  double worstRel = 0, worstTanhf = 0;
  for (int i = -120000; i <= 120000; ++i) {
    const float x = static_cast<float>(i) * 1e-4f;
    const double xd = x;
    const double u = 0.7978845608028654 * (xd + 0.044715 * xd * xd * xd);
    // 0.5 (1 + tanh(u)) = 1 / (1 + e^(-2u)) exactly; in double the left
    // side cancels to 0 for u < -19, the right side does not.
    const double want = xd / (1.0 + std::exp(-2.0 * u));
    const float got = scalarOf(bnnc_neon_gelu_tanh_x_cdf_f32x4, x);
    // Below 1e-30 both kernels flush toward 0 (e^(-2u) overflows, tanhf
    // rounds to -1): an absolute error under 1e-30.
    if (std::fabs(want) >= 1e-30)
      worstRel = std::max(worstRel, std::fabs(got - want) / std::fabs(want) /
                                        (8 + 6 * std::fabs(u)));
    float portable;
    bnnc_gelu_f32(1, 1, &x, &portable);
    if (x != 0)
      worstTanhf = std::max(worstTanhf,
                            std::fabs(double(got) - portable) / std::fabs(xd));
  }
  RecordProperty("max_rel_vs_tanh_over_8_plus_6u", sci(worstRel));
  RecordProperty("max_abs_over_x_vs_portable", sci(worstTanhf));
  EXPECT_LE(worstRel, kU);
  EXPECT_LE(worstTanhf, 4 * kU);
}

/// The GELU kernel against the portable one on random lengths (0-67, so
/// every tail), both forms: y = x Phi(x) with each side's Phi within about
/// 2u of the truth, so |difference| <= 4u |x|; plus special values.
TEST(NeonGelu, KernelMatchesPortable) {
  Rng rng(1701);
  for (int form = 0; form < 2; ++form)
    for (int trial = 0; trial < 200; ++trial) {
      const size_t n = static_cast<size_t>(rng.range(0, 67));
      std::vector<float> x(n), ref(n), got(n + 1, 12345.0f);
      for (float &v : x)
        v = rng.uniform(-8.0f, 8.0f);
      bnnc_gelu_f32(n, form, x.data(), ref.data());
      bnnc_neon_gelu_f32(n, form, x.data(), got.data());
      for (size_t i = 0; i < n; ++i)
        ASSERT_LE(std::fabs(double(got[i]) - ref[i]), 4 * kU * std::fabs(x[i]))
            << "form " << form << " n " << n << " i " << i << " x " << x[i];
      EXPECT_EQ(got[n], 12345.0f) << "wrote past the end";
    }
  const float special[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN,
                           -1e30f, 1e30f, -20.0f};
  for (int form = 0; form < 2; ++form) {
    float ref[8], got[8];
    bnnc_gelu_f32(8, form, special, ref);
    bnnc_neon_gelu_f32(8, form, special, got);
    for (int i = 0; i < 8; ++i) {
      if (got[i] == ref[i])
        continue; // also +-inf
      if (std::isnan(ref[i])) {
        EXPECT_TRUE(std::isnan(got[i])) << "form " << form << " x " << special[i];
        continue;
      }
      EXPECT_NEAR(got[i], ref[i], 4 * kU * std::fabs(ref[i]) + 1e-30)
          << "form " << form << " x " << special[i];
    }
  }
}

// ---- Softmax ---------------------------------------------------------------

/// Both kernels compute e_k / sum: e_k within 2 ulp (vector) and 1 ulp
/// (libm), sums of n terms within (n - 1) u each, the division or the
/// reciprocal-and-multiply within 2u: relative difference <= (8 + 2n) u.
TEST(NeonSoftmax, MatchesPortable) {
  Rng rng(1702);
  for (int trial = 0; trial < 300; ++trial) {
    const int32_t outer = rng.range(1, 5), n = rng.range(1, 40);
    const float spread = trial % 3 == 0 ? 60.0f : 8.0f;
    std::vector<float> x(size_t(outer) * n), ref(x.size()), got(x.size() + 1);
    for (float &v : x)
      v = rng.uniform(-spread, spread);
    got.back() = 12345.0f;
    bnnc_softmax_f32(outer, n, 1, 0, x.data(), ref.data());
    bnnc_neon_softmax_f32(outer, n, x.data(), got.data());
    const double tol = (8.0 + 2.0 * n) * kU;
    for (size_t i = 0; i < x.size(); ++i)
      ASSERT_LE(std::fabs(double(got[i]) - ref[i]), tol * ref[i] + 1e-37)
          << "outer " << outer << " n " << n << " i " << i;
    EXPECT_EQ(got.back(), 12345.0f) << "wrote past the end";
  }
}

TEST(NeonSoftmax, MaskedAndNonFiniteRows) {
  // -inf entries (masked keys) give exact zeros; a NaN or +inf anywhere in
  // a row makes the whole row NaN, as in the portable kernel.
  const float rows[3][5] = {{1.0f, -INFINITY, 2.0f, -INFINITY, 0.5f},
                            {1.0f, 2.0f, NAN, 0.0f, 3.0f},
                            {1.0f, INFINITY, 0.0f, -1.0f, 2.0f}};
  float ref[15], got[15];
  bnnc_softmax_f32(3, 5, 1, 0, &rows[0][0], ref);
  bnnc_neon_softmax_f32(3, 5, &rows[0][0], got);
  for (int i = 0; i < 15; ++i) {
    if (std::isnan(ref[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << i;
      continue;
    }
    if (ref[i] == 0.0f) {
      EXPECT_EQ(got[i], 0.0f) << i;
    }
    EXPECT_NEAR(got[i], ref[i], 20 * kU * ref[i]) << i;
  }
}

// ---- LayerNorm -------------------------------------------------------------

/// Both normalize (x - mean) / s. The means differ by at most 2 n u max|x|
/// (two summation orders), the variances by a relative 2 (n + 2) u, so the
/// outputs differ by (2 n u max|x| / s + (n + 4) u |xhat|) |scale| + u |y|.
TEST(NeonLayerNorm, MatchesPortable) {
  Rng rng(1703);
  for (int trial = 0; trial < 300; ++trial) {
    const int32_t outer = rng.range(1, 4), n = rng.range(1, 70);
    const bool withBias = trial % 2 == 0;
    const float offset = trial % 5 == 0 ? 50.0f : 0.0f;
    std::vector<float> x(size_t(outer) * n), scale(n), bias(n);
    std::vector<float> ref(x.size()), got(x.size() + 1, 12345.0f);
    for (float &v : x)
      v = offset + rng.uniform(-3.0f, 3.0f);
    for (int32_t k = 0; k < n; ++k) {
      scale[k] = rng.uniform(-2.0f, 2.0f);
      bias[k] = rng.uniform(-1.0f, 1.0f);
    }
    const float *b = withBias ? bias.data() : nullptr;
    bnnc_layernorm_f32(outer, n, x.data(), scale.data(), b, 1e-5f, ref.data());
    bnnc_neon_layernorm_f32(outer, n, x.data(), scale.data(), b, 1e-5f,
                            got.data());
    for (int32_t o = 0; o < outer; ++o) {
      const float *row = x.data() + size_t(o) * n;
      float mean, s;
      bnnc_row_moments_f32(row, n, 1e-5f, &mean, &s);
      double maxAbs = 0;
      for (int32_t k = 0; k < n; ++k)
        maxAbs = std::max(maxAbs, std::fabs(double(row[k])));
      for (int32_t k = 0; k < n; ++k) {
        const size_t i = size_t(o) * n + k;
        const double xhat = (row[k] - mean) / double(s);
        const double tol =
            (2 * n * kU * maxAbs / s + (n + 4) * kU * std::fabs(xhat)) *
                std::fabs(scale[k]) +
            kU * std::fabs(ref[i]) + 1e-30;
        ASSERT_LE(std::fabs(double(got[i]) - ref[i]), tol)
            << "n " << n << " row " << o << " k " << k;
      }
    }
    EXPECT_EQ(got.back(), 12345.0f) << "wrote past the end";
  }
}

// ---- Batched MatMul --------------------------------------------------------

/// Two summation orders of k products differ by at most 2 k u sum|a b|.
void checkMatMul(const bnnc_matmul_params &p, Rng &rng) {
  size_t batches = 1, aCount = 1, bCount = 1;
  for (int32_t d = 0; d < p.batch_rank; ++d) {
    batches *= p.batch_shape[d];
    aCount *= p.a_batch_strides[d] ? p.batch_shape[d] : 1;
    bCount *= p.b_batch_strides[d] ? p.batch_shape[d] : 1;
  }
  const size_t m = p.m, k = p.k, n = p.n;
  std::vector<float> a(aCount * m * k), b(bCount * k * n);
  std::vector<float> ref(batches * m * n), got(ref.size() + 1, 12345.0f);
  for (float &v : a)
    v = rng.uniform(-1.0f, 1.0f);
  for (float &v : b)
    v = rng.uniform(-1.0f, 1.0f);
  bnnc_matmul_f32(&p, a.data(), b.data(), ref.data());
  bnnc_neon_matmul_f32(&p, a.data(), b.data(), got.data());
  // The bound needs sum |a b| per output: the same product with |a|, |b|.
  std::vector<float> absA(a.size()), absB(b.size()), absRef(ref.size());
  std::transform(a.begin(), a.end(), absA.begin(), [](float v) { return std::fabs(v); });
  std::transform(b.begin(), b.end(), absB.begin(), [](float v) { return std::fabs(v); });
  bnnc_matmul_f32(&p, absA.data(), absB.data(), absRef.data());
  for (size_t i = 0; i < ref.size(); ++i)
    ASSERT_LE(std::fabs(double(got[i]) - ref[i]), 2.0 * k * kU * absRef[i] * 1.01 + 1e-30)
        << "m " << m << " k " << k << " n " << n << " trans_b " << p.trans_b
        << " output " << i;
  EXPECT_EQ(got.back(), 12345.0f) << "wrote past the end";
}

TEST(NeonMatMul, RandomShapesBothLayouts) {
  Rng rng(1704);
  for (int trial = 0; trial < 400; ++trial) {
    bnnc_matmul_params p{};
    p.m = rng.range(1, 21);
    p.k = rng.range(1, 21);
    p.n = rng.range(1, 21);
    p.trans_b = trial % 2;
    p.batch_rank = rng.range(0, 2);
    int32_t aStride = 1, bStride = 1;
    for (int32_t d = p.batch_rank - 1; d >= 0; --d) {
      p.batch_shape[d] = rng.range(1, 3);
      // Either operand may broadcast a batch dimension (stride 0).
      const bool aBroadcast = rng.range(0, 3) == 0;
      const bool bBroadcast = !aBroadcast && rng.range(0, 3) == 0;
      p.a_batch_strides[d] = aBroadcast ? 0 : aStride;
      p.b_batch_strides[d] = bBroadcast ? 0 : bStride;
      aStride *= aBroadcast ? 1 : p.batch_shape[d];
      bStride *= bBroadcast ? 1 : p.batch_shape[d];
    }
    SCOPED_TRACE("trial " + std::to_string(trial));
    checkMatMul(p, rng);
  }
}

TEST(NeonMatMul, TransformerShapes) {
  // The tiny ViT's (batch 8 x 4 heads): q k^T (17x8 . 8x17), attn v
  // (17x17 . 17x8), and its MLP matmuls with the batch folded into rows.
  Rng rng(1705);
  struct Shape {
    int32_t m, k, n, batch, trans_b;
  } shapes[] = {{17, 8, 17, 32, 1}, {17, 17, 8, 32, 0}, {136, 32, 96, 1, 0},
                {136, 64, 32, 1, 0}, {136, 32, 64, 1, 0}, {64, 64, 64, 1, 1}};
  for (const Shape &s : shapes) {
    bnnc_matmul_params p{};
    p.m = s.m;
    p.k = s.k;
    p.n = s.n;
    p.trans_b = s.trans_b;
    p.batch_rank = 1;
    p.batch_shape[0] = s.batch;
    p.a_batch_strides[0] = p.b_batch_strides[0] = 1;
    checkMatMul(p, rng);
  }
}

// ---- Copies ------------------------------------------------------------------

TEST(NeonCopy, ContiguousAndStridedRuns) {
  Rng rng(1708);
  std::vector<float> x(400);
  for (float &v : x)
    v = rng.uniform(-1.0f, 1.0f);
  for (size_t n = 0; n <= 23; ++n)
    for (size_t stride = 1; stride <= 16; stride += 3) {
      std::vector<float> got(n + 1, 12345.0f);
      if (stride == 1)
        bnnc_neon_copy_f32(got.data(), x.data() + 1, n);
      else
        bnnc_neon_copy_strided_f32(got.data(), x.data() + 1, n, stride);
      for (size_t i = 0; i < n; ++i)
        ASSERT_EQ(got[i], x[1 + i * stride]) << "n " << n << " stride " << stride;
      EXPECT_EQ(got[n], 12345.0f) << "wrote past the end";
    }
}

// ---- Sign --------------------------------------------------------------------

/// Bit for bit the generic target's Sign expression, on random values with
/// +-0, +-inf and NaN mixed in, every length 0-40 (tails).
TEST(NeonSign, MatchesGenericExpression) {
  Rng rng(1707);
  for (size_t n = 0; n <= 40; ++n) {
    std::vector<float> x(n), got(n + 1, 12345.0f);
    for (float &v : x) {
      const int32_t r = rng.range(0, 9);
      v = r == 0 ? NAN : r == 1 ? INFINITY : r == 2 ? -INFINITY : rng.activation();
    }
    bnnc_neon_sign_f32(n, x.data(), got.data());
    for (size_t i = 0; i < n; ++i) {
      const float a0 = x[i];
      // The expression GenericTarget.cpp emits for "sign".
      const float want =
          a0 > 0.0f ? 1.0f : (a0 < 0.0f ? -1.0f : (a0 == 0.0f ? 0.0f : a0));
      uint32_t gotBits, wantBits;
      std::memcpy(&gotBits, &got[i], 4);
      std::memcpy(&wantBits, &want, 4);
      if (std::isnan(want))
        EXPECT_TRUE(std::isnan(got[i])) << "n " << n << " i " << i;
      else
        EXPECT_EQ(gotBits, wantBits) << "n " << n << " i " << i << " x " << a0;
    }
    EXPECT_EQ(got[n], 12345.0f) << "wrote past the end";
  }
}

// ---- Packing rows ----------------------------------------------------------

/// Bit for bit the portable packing (h = w = 1, group 1), with and without
/// thresholds; activations include +0.0, -0.0 and NaN.
TEST(NeonPackRows, MatchesPortable) {
  Rng rng(1706);
  for (int trial = 0; trial < 300; ++trial) {
    bnnc_bpack_params p{};
    p.n = rng.range(1, 9);
    p.c = rng.range(1, 100);
    p.h = p.w = 1;
    p.group = 1;
    const bool withThreshold = trial % 2 == 1;
    std::vector<float> x(size_t(p.n) * p.c), t(p.c);
    for (float &v : x)
      v = rng.range(0, 40) == 0 ? NAN : rng.activation();
    for (float &v : t)
      v = rng.uniform(-1.0f, 1.0f);
    const float *th = withThreshold ? t.data() : nullptr;
    const size_t words = size_t(bnnc_bwords32(p.c, 1));
    std::vector<uint32_t> ref(p.n * words), got(p.n * words + 1, 0xdeadbeefu);
    bnnc_pack_threshold_f32_nchw_to_nhwc32(&p, x.data(), th, nullptr, ref.data());
    bnnc_neon_pack_rows_f32(p.n, p.c, x.data(), th, got.data());
    for (size_t i = 0; i < ref.size(); ++i)
      ASSERT_EQ(got[i], ref[i]) << "n " << p.n << " c " << p.c << " word " << i;
    EXPECT_EQ(got.back(), 0xdeadbeefu) << "wrote past the end";
  }
}

} // namespace
