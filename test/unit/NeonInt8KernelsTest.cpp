//===- NeonInt8KernelsTest.cpp - kernels_neon_int8.h ----------------------===//
//
// Runs on aarch64 only: cross-compiled twice by ctest, for ARMv8.0 (the
// SMLAL kernel) and for ARMv8.2-A with the dot product extension (the SMLAL
// and the SDOT kernel), and run under qemu-aarch64 (-cpu max for the
// second); tests unit-int8-kernels-aarch64 and
// unit-int8-kernels-aarch64-dotprod. Every case compares the NEON kernel's
// int32 output word for word with the portable bnnc_qconv2d_* that the
// generic target calls, on random shapes (pads, strides, dilations, groups,
// batches, channel counts that are not multiples of 16 or of the tile),
// random int8/uint8 inputs, weights and zero points, and the extreme values
// (every input and weight at a bound of its type, zero points at -128, 127,
// 0 and 255), with the weights packed by bnnc_layout_q8 as the compiler
// packs them.
//
//===----------------------------------------------------------------------===//

#include "bnnc/kernels_neon_int8.h"

#include "TestRandom.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

using bnnc_test::Rng;

enum class Kernel { Smlal, Sdot };

struct Case {
  bnnc_qconv2d_params p;
  bool xUnsigned, wUnsigned;
  std::vector<int32_t> x, w, xZp, wZp, bias;
  bool perChannelZp, hasBias;
  std::string describe() const {
    char text[256];
    std::snprintf(text, sizeof text,
                  "n%d c%d h%d w%d m%d k%dx%d out %dx%d s%d,%d p%d,%d d%d,%d "
                  "g%d x%s w%s",
                  p.n, p.c, p.h, p.w, p.m, p.kh, p.kw, p.oh, p.ow, p.stride_h,
                  p.stride_w, p.pad_top, p.pad_left, p.dilation_h, p.dilation_w,
                  p.group, xUnsigned ? "u8" : "i8", wUnsigned ? "u8" : "i8");
    return text;
  }
};

/// A value of the type: random, or (with `extreme`) a bound of the type.
int32_t valueOf(Rng &rng, bool isUnsigned, int extreme) {
  const int32_t lo = isUnsigned ? 0 : -128, hi = isUnsigned ? 255 : 127;
  if (extreme == 1)
    return lo;
  if (extreme == 2)
    return hi;
  if (extreme == 3)
    return rng.range(0, 1) ? lo : hi;
  return rng.range(lo, hi);
}

Case randomCase(Rng &rng, int extreme) {
  Case k{};
  bnnc_qconv2d_params &p = k.p;
  p.n = rng.range(1, 2);
  p.group = rng.range(0, 3) == 0 ? rng.range(2, 3) : 1;
  const int32_t cg = rng.range(0, 2) == 0 ? rng.range(1, 5) : rng.range(1, 40);
  const int32_t mg = rng.range(1, 37);
  p.c = cg * p.group;
  p.m = mg * p.group;
  p.kh = rng.range(1, 4);
  p.kw = rng.range(1, 4);
  p.dilation_h = rng.range(1, 2);
  p.dilation_w = rng.range(1, 2);
  p.stride_h = rng.range(1, 3);
  p.stride_w = rng.range(1, 3);
  p.pad_top = rng.range(0, 2);
  p.pad_left = rng.range(0, 2);
  const int32_t spanH = (p.kh - 1) * p.dilation_h + 1;
  const int32_t spanW = (p.kw - 1) * p.dilation_w + 1;
  p.h = rng.range(std::max(1, spanH - p.pad_top - 1), 13);
  p.w = rng.range(std::max(1, spanW - p.pad_left - 1), 13);
  const int32_t padBottom = rng.range(0, 2), padRight = rng.range(0, 2);
  p.oh = (p.h + p.pad_top + padBottom - spanH) / p.stride_h + 1;
  p.ow = (p.w + p.pad_left + padRight - spanW) / p.stride_w + 1;
  if (p.oh < 1 || p.ow < 1)
    return randomCase(rng, extreme);
  k.xUnsigned = rng.range(0, 1);
  k.wUnsigned = rng.range(0, 1);
  k.perChannelZp = rng.range(0, 1);
  k.hasBias = rng.range(0, 3) != 0;
  const size_t xs = (size_t)p.n * p.c * p.h * p.w;
  const size_t ws = (size_t)p.m * cg * p.kh * p.kw;
  for (size_t i = 0; i < xs; ++i)
    k.x.push_back(valueOf(rng, k.xUnsigned, extreme));
  for (size_t i = 0; i < ws; ++i)
    k.w.push_back(valueOf(rng, k.wUnsigned, extreme));
  // Zero points: random, or a bound of the type, or the extreme opposite
  // to the values (the largest |x - zp|).
  auto zp = [&](bool isUnsigned) {
    return valueOf(rng, isUnsigned, rng.range(0, 3) == 0 ? 3 : 0);
  };
  k.xZp.push_back(extreme == 1 ? (k.xUnsigned ? 255 : 127) : zp(k.xUnsigned));
  for (int32_t o = 0; o < (k.perChannelZp ? p.m : 1); ++o)
    k.wZp.push_back(extreme == 1 ? (k.wUnsigned ? 255 : 127) : zp(k.wUnsigned));
  for (int32_t o = 0; o < p.m; ++o)
    k.bias.push_back(static_cast<int32_t>(rng.next()));
  return k;
}

template <typename T> std::vector<T> as(const std::vector<int32_t> &v) {
  return std::vector<T>(v.begin(), v.end());
}

/// The portable kernel's output.
std::vector<int32_t> reference(const Case &k) {
  const bnnc_qconv2d_params &p = k.p;
  std::vector<int32_t> y((size_t)p.n * p.m * p.oh * p.ow);
  bnnc_qconv2d_params q = p;
  q.w_zp_step = k.perChannelZp ? 1 : 0;
  const int32_t *bias = k.hasBias ? k.bias.data() : nullptr;
  if (k.xUnsigned && k.wUnsigned) {
    auto x = as<uint8_t>(k.x), xz = as<uint8_t>(k.xZp);
    auto w = as<uint8_t>(k.w), wz = as<uint8_t>(k.wZp);
    bnnc_qconv2d_u8_u8(&q, x.data(), w.data(), xz.data(), wz.data(), bias,
                       y.data());
  } else if (k.xUnsigned) {
    auto x = as<uint8_t>(k.x), xz = as<uint8_t>(k.xZp);
    auto w = as<int8_t>(k.w), wz = as<int8_t>(k.wZp);
    bnnc_qconv2d_u8_i8(&q, x.data(), w.data(), xz.data(), wz.data(), bias,
                       y.data());
  } else if (k.wUnsigned) {
    auto x = as<int8_t>(k.x), xz = as<int8_t>(k.xZp);
    auto w = as<uint8_t>(k.w), wz = as<uint8_t>(k.wZp);
    bnnc_qconv2d_i8_u8(&q, x.data(), w.data(), xz.data(), wz.data(), bias,
                       y.data());
  } else {
    auto x = as<int8_t>(k.x), xz = as<int8_t>(k.xZp);
    auto w = as<int8_t>(k.w), wz = as<int8_t>(k.wZp);
    bnnc_qconv2d_i8_i8(&q, x.data(), w.data(), xz.data(), wz.data(), bias,
                       y.data());
  }
  return y;
}

/// The NEON kernel's output, weights packed as the compiler packs them;
/// false if bnnc_layout_q8 refuses the weights (the compiler then uses the
/// portable kernel).
bool neon(const Case &k, Kernel kernel, std::vector<int32_t> &y) {
  const bnnc_qconv2d_params &p = k.p;
  const int32_t cg = p.c / p.group, taps = p.kh * p.kw;
  const int32_t mr = kernel == Kernel::Smlal ? 4 : 16;
  std::vector<int8_t> packed(bnnc_layout_q8_bytes(mr, p.m, cg, taps, p.group));
  std::vector<int32_t> bsum(p.m), d(p.m), wZp(p.m);
  for (int32_t o = 0; o < p.m; ++o)
    wZp[o] = k.wZp[k.perChannelZp ? o : 0];
  if (!bnnc_layout_q8(mr, p.m, cg, taps, p.group, k.w.data(), wZp.data(),
                      k.wUnsigned ? 128 : 0, packed.data(), bsum.data(),
                      d.data()))
    return false;
  bool anyD = false;
  for (int32_t v : d)
    anyD |= v != 0;
  bnnc_neon_qconv2d_params q;
  static_assert(offsetof(bnnc_neon_qconv2d_params, cpad) ==
                    offsetof(bnnc_qconv2d_params, w_zp_step),
                "both structs start with BNNC_CONV2D_GEOMETRY");
  std::memcpy(&q, &p, offsetof(bnnc_qconv2d_params, w_zp_step));
  q.cpad = bnnc_layout_q8_cpad(cg);
  q.x_offset = k.xUnsigned ? 128 : 0;
  EXPECT_GT(bnnc_layout_q8_scratch(cg, p.kh, p.dilation_h, p.ow, p.kw,
                                   p.stride_w, p.dilation_w),
            0u);
  EXPECT_LE(bnnc_layout_q8_scratch(cg, p.kh, p.dilation_h, p.ow, p.kw,
                                   p.stride_w, p.dilation_w),
            (size_t)BNNC_NEON_Q8_SCRATCH);
  std::vector<uint8_t> x(k.x.size());
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<uint8_t>(k.x[i]);
  y.assign((size_t)p.n * p.m * p.oh * p.ow, 0x5a5a5a5a);
  const int32_t *bias = k.hasBias ? k.bias.data() : nullptr;
  if (kernel == Kernel::Smlal)
    bnnc_neon_qconv2d_smlal(&q, x.data(), packed.data(), bsum.data(),
                            anyD ? d.data() : nullptr, k.xZp[0], bias,
                            y.data());
#if defined(__ARM_FEATURE_DOTPROD)
  else
    bnnc_neon_qconv2d_sdot(&q, x.data(), packed.data(), bsum.data(),
                           anyD ? d.data() : nullptr, k.xZp[0], bias, y.data());
#endif
  return true;
}

/// The depthwise kernel's output (weights w - w_zp as the compiler writes
/// them).
std::vector<int32_t> neonDepthwise(const Case &k) {
  const bnnc_qconv2d_params &p = k.p;
  const size_t taps = (size_t)p.kh * p.kw;
  std::vector<int16_t> w(k.w.size());
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<int16_t>(k.w[i] - k.wZp[k.perChannelZp ? i / taps : 0]);
  bnnc_neon_qconv2d_params q;
  std::memcpy(&q, &p, offsetof(bnnc_qconv2d_params, w_zp_step));
  q.cpad = 0;
  q.x_offset = k.xUnsigned ? 128 : 0;
  EXPECT_GT(bnnc_layout_q8_dw_scratch(p.kh, p.dilation_h, p.ow, p.kw,
                                      p.stride_w, p.dilation_w),
            0u);
  EXPECT_LE(bnnc_layout_q8_dw_scratch(p.kh, p.dilation_h, p.ow, p.kw,
                                      p.stride_w, p.dilation_w),
            (size_t)BNNC_NEON_Q8_SCRATCH);
  std::vector<uint8_t> x(k.x.size());
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<uint8_t>(k.x[i]);
  std::vector<int32_t> y((size_t)p.n * p.m * p.oh * p.ow, 0x5a5a5a5a);
  bnnc_neon_qdwconv2d(&q, x.data(), w.data(), k.xZp[0],
                      k.hasBias ? k.bias.data() : nullptr, y.data());
  return y;
}

TEST(NeonQConv2d, DepthwiseEqualsPortable) {
  Rng rng(3);
  for (int i = 0; i < 300; ++i) {
    const int extreme = i % 8 == 0 ? 1 + (i / 8) % 3 : 0;
    Case k = randomCase(rng, extreme);
    // Regroup as depthwise: one input channel per group, a multiplier of
    // 1 to 3 output channels each (random weights for the new shape).
    bnnc_qconv2d_params &p = k.p;
    if (i % 2 == 0) {
      // The unrolled 3x3 rows (dilation 1 across, stride 1 or 2).
      p.kh = p.kw = 3;
      p.dilation_w = 1;
      p.stride_w = rng.range(1, 2);
      const int32_t spanH = 2 * p.dilation_h + 1;
      p.h = rng.range(std::max(1, spanH - p.pad_top), 13);
      p.w = rng.range(std::max(1, 3 - p.pad_left), 30);
      p.oh = (p.h + p.pad_top + rng.range(0, 2) - spanH) / p.stride_h + 1;
      p.ow = (p.w + p.pad_left + rng.range(0, 2) - 3) / p.stride_w + 1;
    }
    p.c = rng.range(1, 20);
    p.group = p.c;
    p.m = p.c * rng.range(1, 3);
    k.x.clear();
    k.w.clear();
    for (size_t j = 0; j < (size_t)p.n * p.c * p.h * p.w; ++j)
      k.x.push_back(valueOf(rng, k.xUnsigned, extreme));
    for (size_t j = 0; j < (size_t)p.m * p.kh * p.kw; ++j)
      k.w.push_back(valueOf(rng, k.wUnsigned, extreme));
    k.bias.resize(p.m);
    if (k.perChannelZp)
      k.wZp.resize(p.m, k.wZp[0]);
    ASSERT_EQ(reference(k), neonDepthwise(k))
        << "case " << i << ": " << k.describe();
  }
}

void sweep(Kernel kernel, uint64_t seed, int cases) {
  Rng rng(seed);
  int refused = 0;
  for (int i = 0; i < cases; ++i) {
    // One case in 8 with every value at a bound of its type.
    const int extreme = i % 8 == 0 ? 1 + (i / 8) % 3 : 0;
    Case k = randomCase(rng, extreme);
    std::vector<int32_t> want = reference(k), got;
    if (!neon(k, kernel, got)) {
      ++refused;
      continue;
    }
    ASSERT_EQ(want, got) << "case " << i << ": " << k.describe();
  }
  // Random weights of 256 values rarely put -128 twice in a pair.
  EXPECT_LT(refused, cases / 10);
}

TEST(NeonQConv2d, SmlalEqualsPortable) { sweep(Kernel::Smlal, 1, 400); }

#if defined(__ARM_FEATURE_DOTPROD)
TEST(NeonQConv2d, SdotEqualsPortable) { sweep(Kernel::Sdot, 2, 400); }
#endif

// The largest products: x = -128 everywhere and b = -128 in every other
// byte of a pair (the most the SMLAL pairs admit), with 300 taps.
TEST(NeonQConv2d, LargestProducts) {
  for (Kernel kernel : {Kernel::Smlal, Kernel::Sdot}) {
#if !defined(__ARM_FEATURE_DOTPROD)
    if (kernel == Kernel::Sdot)
      continue;
#endif
    Case k{};
    k.p = bnnc_qconv2d_params{};
    bnnc_qconv2d_params &p = k.p;
    p.n = 1, p.c = 100, p.h = 5, p.w = 6, p.m = 5, p.kh = 3, p.kw = 3;
    p.oh = 5, p.ow = 6, p.stride_h = p.stride_w = 1, p.pad_top = 1;
    p.pad_left = 1, p.dilation_h = p.dilation_w = 1, p.group = 1;
    k.x.assign((size_t)p.c * p.h * p.w, -128);
    for (size_t i = 0; i < (size_t)p.m * p.c * 9; ++i)
      k.w.push_back((i / 9) % 16 < 8 ? -128 : 127);
    k.xZp = {127};
    k.wZp = {0};
    std::vector<int32_t> got;
    ASSERT_TRUE(neon(k, kernel, got));
    EXPECT_EQ(reference(k), got);
  }
}

// A channel whose weights span all 256 values with -128 twice in a pair has
// no offset the SMLAL kernel can use: bnnc_layout_q8 refuses it, so the
// compiler keeps the portable kernel; the SDOT layout takes it.
TEST(NeonQConv2d, SmlalRefusesOverflowingPairs) {
  std::vector<int32_t> w(32, 0), zp = {0}, bsum(1), d(1);
  w[0] = w[8] = -128;
  w[1] = 127;
  std::vector<int8_t> packed(bnnc_layout_q8_bytes(16, 1, 32, 1, 1));
  EXPECT_EQ(bnnc_layout_q8(4, 1, 32, 1, 1, w.data(), zp.data(), 0,
                           packed.data(), bsum.data(), d.data()),
            0);
  EXPECT_EQ(bnnc_layout_q8(16, 1, 32, 1, 1, w.data(), zp.data(), 0,
                           packed.data(), bsum.data(), d.data()),
            1);
  // Weights in [-128, 0]: the middle of their range, -64, makes b int8
  // with no -128 at all (d = -64: the kernel then sums x per pixel).
  w[1] = 0;
  EXPECT_EQ(bnnc_layout_q8(4, 1, 32, 1, 1, w.data(), zp.data(), 0,
                           packed.data(), bsum.data(), d.data()),
            1);
  EXPECT_EQ(d[0], -64);
}

} // namespace
