//===- BinaryKernelsTest.cpp - bnnc/kernels_binary.h vs naive +-1 math ----===//
//
// Every binary kernel is checked against a reference that works on unpacked
// +-1 integers straight from the ONNX operator definitions (zero padding
// contributes 0; MaxPool ignores padding). Integer results must be equal.
// Float epilogues are compared exactly too: the reference evaluates the same
// float operations on the same integer dot, and this file is compiled with
// -ffp-contract=off, so neither side may fuse the multiply-add into an FMA.
// The integer dot itself is read through the float epilogue with no scale
// and no bias, which is exact while |dot| < 2^24.
//
// Sweeps run over K and channel tails, kernel sizes, strides, dilations,
// groups (incl. depthwise), asymmetric padding, pad values and batch. Binary
// 1-D convolutions and dense layers are the 2-D convolution with h = kh = 1
// (how passes/Binarize.cpp lowers them) and are swept as such. All randomness
// comes from a fixed-seed splitmix64, so every run and every platform sees the
// same data.
//
//===----------------------------------------------------------------------===//

#include "bnnc/kernels_binary.h"

#include "TestRandom.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

using bnnc_test::Rng;
using Word = uint32_t;
constexpr int kBits = 32;

/// FNV-1a of a case name: a per-case seed that, unlike std::hash, is the
/// same with every standard library.
uint64_t seedOf(const std::string &name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : name)
    h = (h ^ ch) * 0x100000001b3ull;
  return h;
}

/// The binarizer b(v): -1 for v < 0, else +1 (so +-0 and NaN give +1).
int binarize(float v) { return v < 0.0f ? -1 : 1; }

/// The bits of a float: "bit-exact" float checks compare these, so that
/// -0.0 vs +0.0 would count as a difference.
uint32_t bitsOf(float v) {
  uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  return u;
}

std::vector<float> randomActivations(Rng &rng, size_t count) {
  std::vector<float> v(count);
  for (float &x : v)
    x = rng.activation();
  return v;
}

std::vector<int8_t> binarizeAll(const std::vector<float> &v) {
  std::vector<int8_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = static_cast<int8_t>(binarize(v[i]));
  return out;
}

/// A word pattern that no kernel writes by accident: outputs are pre-filled
/// with it to catch unwritten words and dirty tail bits.
constexpr Word kPoison = 0xa5a5a5a5u;

/// Channel `c` of one packed pixel of `channels` channels in `group` pack
/// groups, read by the documented layout rule (not by the kernels' code).
int packedValue(const Word *pixel, int c, int channels, int group) {
  const int cg = channels / group, wg = (cg + kBits - 1) / kBits;
  const int g = c / cg, cc = c % cg;
  return ((pixel[g * wg + cc / kBits] >> (cc % kBits)) & 1u) ? -1 : 1;
}

/// True if every tail bit of one packed pixel is 0.
bool tailsAreZero(const Word *pixel, int channels, int group) {
  const int cg = channels / group, wg = (cg + kBits - 1) / kBits;
  const int used = cg - (wg - 1) * kBits;
  if (used == kBits)
    return true;
  const Word tail = static_cast<Word>(~Word(0) << used);
  for (int g = 0; g < group; ++g)
    if (pixel[g * wg + wg - 1] & tail)
      return false;
  return true;
}

/// Packed channels-last (n, h, w, words) -> NCHW +-1 by the layout rule:
/// the reference unpack (the runtime has none; nothing emits one). Checks
/// on the way that every tail bit is 0.
std::vector<int8_t> unpackReference(const bnnc_bpack_params &p,
                                    const std::vector<Word> &packed) {
  const int words = bnnc_bwords32(p.c, p.group);
  const size_t plane = static_cast<size_t>(p.h) * p.w;
  EXPECT_EQ(packed.size(), static_cast<size_t>(p.n) * plane * words);
  std::vector<int8_t> out(static_cast<size_t>(p.n) * p.c * plane);
  for (size_t n = 0; n < static_cast<size_t>(p.n); ++n)
    for (size_t pix = 0; pix < plane; ++pix) {
      const Word *pixel = packed.data() + (n * plane + pix) * words;
      EXPECT_TRUE(tailsAreZero(pixel, p.c, p.group))
          << "dirty tail at n " << n << " pixel " << pix;
      for (int c = 0; c < p.c; ++c)
        out[(n * p.c + c) * plane + pix] =
            static_cast<int8_t>(packedValue(pixel, c, p.c, p.group));
    }
  return out;
}

//===----------------------------------------------------------------------===//
// Popcount and the dot identity
//===----------------------------------------------------------------------===//

int32_t naivePopcount(Word x) {
  int32_t n = 0;
  for (; x; x >>= 1)
    n += static_cast<int32_t>(x & 1u);
  return n;
}

TEST(BinaryPopcount, Word32) {
  std::vector<Word> values = {0, ~Word(0), Word(1) << 31, 0x55555555u,
                              0xaaaaaaaau};
  for (int i = 0; i < kBits; ++i) {
    values.push_back(Word(1) << i);
    values.push_back(~(Word(1) << i));
    values.push_back((Word(1) << i) - 1u);
  }
  Rng rng(kBits);
  for (int i = 0; i < 20000; ++i)
    values.push_back(static_cast<Word>(rng.next()));
  for (Word v : values) {
    ASSERT_EQ(bnnc_popcount32_swar(v), naivePopcount(v)) << "value " << v;
    ASSERT_EQ(bnnc_popcount32(v), naivePopcount(v)) << "value " << v;
#if defined(__GNUC__)
    ASSERT_EQ(bnnc_popcount32_swar(v), __builtin_popcount(v)) << "value " << v;
#endif
  }
}

// dot = K - 2 * popcount(a XOR w) for +-1 vectors packed with tail bits 0.
TEST(BinaryDotIdentity, Word32) {
  Rng rng(1000 + kBits);
  for (int k = 1; k <= 300; ++k) {
    const std::vector<float> a = randomActivations(rng, k),
                             w = randomActivations(rng, k);
    std::vector<Word> pa(bnnc_bwords32(k, 1)), pw(bnnc_bwords32(k, 1));
    bnnc_pack_f32_run32(k, a.data(), 1, nullptr, nullptr, pa.data());
    bnnc_pack_f32_run32(k, w.data(), 1, nullptr, nullptr, pw.data());
    int32_t expected = 0, ones = 0;
    for (int i = 0; i < k; ++i)
      expected += binarize(a[i]) * binarize(w[i]);
    for (size_t i = 0; i < pa.size(); ++i)
      ones += bnnc_popcount32(pa[i] ^ pw[i]);
    ASSERT_EQ(k - 2 * ones, expected) << "K = " << k;
  }
}

//===----------------------------------------------------------------------===//
// Layout helpers
//===----------------------------------------------------------------------===//

TEST(BinaryLayout, WordsAndMasks) {
  for (int cg = 1; cg <= 3 * kBits; ++cg) {
    const int wg = (cg + kBits - 1) / kBits;
    for (int group : {1, 2, 5})
      ASSERT_EQ(bnnc_bwords32(cg * group, group), group * wg);
    for (int word = 0; word < wg; ++word) {
      Word expected = 0;
      for (int j = 0; j < kBits && word * kBits + j < cg; ++j)
        expected |= Word(1) << j;
      ASSERT_EQ(bnnc_bmask32(cg, word), expected)
          << "cg " << cg << " word " << word;
    }
  }
}

// The in-bounds taps of one axis, against a scan of every tap.
TEST(BinaryLayout, ValidTaps) {
  for (int size = 1; size <= 6; ++size)
    for (int kernel = 1; kernel <= 5; ++kernel)
      for (int stride = 1; stride <= 3; ++stride)
        for (int dilation = 1; dilation <= 3; ++dilation)
          for (int pad = 0; pad <= 4; ++pad)
            for (int out = 0; out < 8; ++out) {
              int lo, hi, count = 0, first = -1;
              bnnc_bvalid_taps(out, stride, pad, dilation, kernel, size, &lo,
                               &hi);
              for (int k = 0; k < kernel; ++k) {
                const int at = out * stride - pad + k * dilation;
                if (at >= 0 && at < size) {
                  first = first < 0 ? k : first;
                  ++count;
                }
              }
              ASSERT_EQ(hi - lo, count);
              if (count) {
                ASSERT_EQ(lo, first);
              }
            }
}

//===----------------------------------------------------------------------===//
// Packing
//===----------------------------------------------------------------------===//

TEST(BinaryPack, Run) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  // The binarizer's edges: +-0 and NaN give +1 (bit 0), -inf and the
  // smallest negative subnormal give -1.
  const std::vector<float> edges = {0.0f, -0.0f, nan,        -nan,
                                    inf,  -inf,  -0x1p-149f, 0x1p-149f};
  Rng rng(7 + kBits);
  for (int count : {0, 1, 7, 31, 32, 33, 63, 64, 65, 100, 129}) {
    for (int stride : {1, 3}) {
      std::vector<float> x(static_cast<size_t>(count) * stride + 1);
      for (size_t i = 0; i < x.size(); ++i)
        x[i] = i < edges.size() ? edges[i] : rng.activation();
      std::vector<float> threshold(count);
      std::vector<uint8_t> flip(count);
      for (int i = 0; i < count; ++i) {
        threshold[i] = rng.uniform(-1.0f, 1.0f);
        flip[i] = static_cast<uint8_t>(rng.range(0, 1));
      }
      const int words = bnnc_bwords32(count, 1);
      std::vector<Word> plain(words + 1, kPoison), shifted(words + 1, kPoison);
      bnnc_pack_f32_run32(count, x.data(), stride, nullptr, nullptr,
                          plain.data());
      bnnc_pack_f32_run32(count, x.data(), stride, threshold.data(),
                          flip.data(), shifted.data());
      for (int i = 0; i < count; ++i) {
        const float v = x[static_cast<size_t>(i) * stride];
        const int bit = (plain[i / kBits] >> (i % kBits)) & 1u;
        ASSERT_EQ(bit, std::signbit(v) && !std::isnan(v) && v != 0.0f ? 1 : 0)
            << "count " << count << " i " << i << " v " << v;
        const int shiftedBit = (shifted[i / kBits] >> (i % kBits)) & 1u;
        ASSERT_EQ(shiftedBit, (v < threshold[i] ? 1 : 0) ^ flip[i]);
      }
      for (int w = 0; w < words; ++w) {
        const int valid = std::min(kBits, count - w * kBits);
        const Word tail =
            valid == kBits ? Word(0) : static_cast<Word>(~Word(0) << valid);
        EXPECT_EQ(plain[w] & tail, Word(0)) << "dirty tail, count " << count;
        EXPECT_EQ(shifted[w] & tail, Word(0)) << "dirty tail, count " << count;
      }
      EXPECT_EQ(plain[words], kPoison) << "wrote past the run";
      EXPECT_EQ(shifted[words], kPoison) << "wrote past the run";
    }
  }
}

void checkPackTensor(int n, int c, int h, int w, int group) {
  Rng rng(static_cast<uint64_t>(n * 1000003 + c * 1009 + h * 31 + w + group));
  const size_t count = static_cast<size_t>(n) * c * h * w;
  const std::vector<float> x = randomActivations(rng, count);
  std::vector<float> threshold(c);
  std::vector<uint8_t> flip(c);
  for (int i = 0; i < c; ++i) {
    threshold[i] = rng.uniform(-1.0f, 1.0f);
    flip[i] = static_cast<uint8_t>(rng.range(0, 1));
  }
  const bnnc_bpack_params p = {n, c, h, w, group};
  const size_t packedCount =
      static_cast<size_t>(n) * h * w * bnnc_bwords32(c, group);
  // One spare word each, to catch a write past the end.
  std::vector<Word> packed(packedCount + 1, kPoison),
      packedThreshold(packedCount + 1, kPoison);
  bnnc_pack_f32_nchw_to_nhwc32(&p, x.data(), packed.data());
  bnnc_pack_threshold_f32_nchw_to_nhwc32(&p, x.data(), threshold.data(),
                                         flip.data(), packedThreshold.data());
  EXPECT_EQ(packed.back(), kPoison) << "wrote past the tensor";
  EXPECT_EQ(packedThreshold.back(), kPoison) << "wrote past the tensor";
  packed.pop_back();
  packedThreshold.pop_back();

  const std::vector<int8_t> plain = unpackReference(p, packed),
                            shifted = unpackReference(p, packedThreshold);
  const size_t plane = static_cast<size_t>(h) * w;
  for (size_t i = 0; i < count; ++i) {
    const int ch = static_cast<int>(i / plane % c);
    ASSERT_EQ(plain[i], binarize(x[i])) << "element " << i;
    const int bit = (x[i] < threshold[ch] ? 1 : 0) ^ flip[ch];
    ASSERT_EQ(shifted[i], bit ? -1 : 1) << "element " << i;
  }
}

TEST(BinaryPack, Tensor) {
  // (n, c, h, w, group): plain, channel tails, per-group layouts whose groups
  // are not word multiples, depthwise (group = c).
  const int cases[][5] = {
      {1, 1, 1, 1, 1},   {2, 7, 3, 4, 1},  {1, 32, 2, 2, 1}, {2, 33, 3, 2, 1},
      {1, 100, 2, 3, 1}, {2, 66, 2, 2, 2}, {1, 96, 2, 2, 3}, {2, 10, 3, 3, 10},
      {1, 130, 1, 2, 2}, {3, 64, 2, 2, 1}};
  for (const auto &t : cases) {
    SCOPED_TRACE(testing::Message()
                 << "n " << t[0] << " c " << t[1] << " h " << t[2] << " w "
                 << t[3] << " group " << t[4]);
    checkPackTensor(t[0], t[1], t[2], t[3], t[4]);
  }
}

void checkPackWeights(int m, int cg, int kh, int kw) {
  Rng rng(static_cast<uint64_t>(m * 7919 + cg * 131 + kh * 7 + kw));
  const std::vector<float> w =
      randomActivations(rng, static_cast<size_t>(m) * cg * kh * kw);
  const bnnc_bweights_params p = {m, cg, kh, kw};
  const int wg = bnnc_bwords32(cg, 1);
  std::vector<Word> packed(static_cast<size_t>(m) * kh * kw * wg + 1, kPoison);
  bnnc_pack_weights_oihw_f32_to_ohwi32(&p, w.data(), packed.data());
  for (int o = 0; o < m; ++o)
    for (int ky = 0; ky < kh; ++ky)
      for (int kx = 0; kx < kw; ++kx) {
        const Word *tap = packed.data() + ((o * kh + ky) * kw + kx) * wg;
        ASSERT_TRUE(tailsAreZero(tap, cg, 1));
        for (int c = 0; c < cg; ++c)
          ASSERT_EQ(packedValue(tap, c, cg, 1),
                    binarize(w[((o * cg + c) * kh + ky) * kw + kx]));
      }
  EXPECT_EQ(packed.back(), kPoison) << "wrote past the weights";
}

TEST(BinaryPack, Weights) {
  const int cases[][4] = {{1, 1, 1, 1},  {3, 7, 3, 3},  {5, 32, 1, 1},
                          {2, 33, 3, 5}, {4, 65, 5, 3}, {2, 200, 1, 3}};
  for (const auto &t : cases) {
    SCOPED_TRACE(testing::Message() << "m " << t[0] << " cg " << t[1]
                                    << " kernel " << t[2] << "x" << t[3]);
    checkPackWeights(t[0], t[1], t[2], t[3]);
  }
}

//===----------------------------------------------------------------------===//
// Threshold derivation (BatchNorm + sign -> integer threshold)
//===----------------------------------------------------------------------===//

bool thresholdBit(int32_t dot, int32_t threshold, uint8_t flip) {
  return (dot < threshold) != (flip != 0);
}

// Dyadic scale and bias make dot * scale + bias exact in int64, an oracle
// independent of the helper's double arithmetic; exact ties (y = 0) occur.
TEST(BinaryThreshold, ExactOnDyadicAffines) {
  Rng rng(42);
  for (int trial = 0; trial < 3000; ++trial) {
    const int64_t a = rng.range(-300, 300), b = rng.range(-40000, 40000);
    const float scale = std::ldexp(static_cast<float>(a), -6);
    const float bias = std::ldexp(static_cast<float>(b), -6);
    int32_t threshold;
    uint8_t flip;
    bnnc_bthreshold_from_affine(scale, bias, &threshold, &flip);
    for (int32_t dot = -1200; dot <= 1200; ++dot)
      ASSERT_EQ(thresholdBit(dot, threshold, flip), dot * a + b < 0)
          << "scale " << scale << " bias " << bias << " dot " << dot;
  }
}

// Full-mantissa floats: where -bias/scale is not representable, the
// estimate from the division must still land on the exact crossing.
TEST(BinaryThreshold, MatchesExactSignOnRandomFloats) {
  Rng rng(43);
  for (int trial = 0; trial < 3000; ++trial) {
    float scale = rng.uniform(0.001f, 4.0f) * (rng.range(0, 1) ? 1 : -1);
    const float bias = rng.uniform(-1500.0f, 1500.0f);
    int32_t threshold;
    uint8_t flip;
    bnnc_bthreshold_from_affine(scale, bias, &threshold, &flip);
    ASSERT_EQ(flip, scale < 0.0f ? 1 : 0);
    for (int32_t dot = -2048; dot <= 2048; ++dot) {
      // long double: another evaluation of the same exact sign.
      const long double y = static_cast<long double>(dot) * scale + bias;
      ASSERT_EQ(thresholdBit(dot, threshold, flip), y < 0)
          << "scale " << scale << " bias " << bias << " dot " << dot;
    }
  }
}

TEST(BinaryThreshold, ConstantAndSaturatedBits) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  struct Case {
    float scale, bias;
    bool bit; // the constant expected over the whole dot range
  } cases[] = {{0.0f, -1.0f, true},   {0.0f, 1.0f, false},
               {0.0f, 0.0f, false},   {-0.0f, -2.0f, true},
               {nan, -1.0f, false},   {1.0f, nan, false},
               {1e-6f, -1e9f, true},  {1e-6f, 1e9f, false},
               {-1e-6f, -1e9f, true}, {-1e-6f, 1e9f, false}};
  for (const Case &c : cases) {
    int32_t threshold;
    uint8_t flip;
    bnnc_bthreshold_from_affine(c.scale, c.bias, &threshold, &flip);
    for (int32_t dot : {-BNNC_BDOT_MAX, -100000, -1, 0, 1, 77, BNNC_BDOT_MAX})
      EXPECT_EQ(thresholdBit(dot, threshold, flip), c.bit)
          << "scale " << c.scale << " bias " << c.bias << " dot " << dot;
  }
}

TEST(BinaryThreshold, HoldsAtTheDomainBound) {
  // Crossings right at +-BNNC_BDOT_MAX, where the double products are widest.
  for (float scale : {1.0f, -1.0f, 0.75f, -3.0f}) {
    for (int32_t at : {-BNNC_BDOT_MAX, BNNC_BDOT_MAX - 1}) {
      const float bias = -static_cast<float>(at) * scale;
      int32_t threshold;
      uint8_t flip;
      bnnc_bthreshold_from_affine(scale, bias, &threshold, &flip);
      for (int32_t d = -3; d <= 3; ++d) {
        const int64_t dot = static_cast<int64_t>(at) + d;
        if (dot < -BNNC_BDOT_MAX || dot > BNNC_BDOT_MAX)
          continue;
        const long double y = static_cast<long double>(dot) * scale + bias;
        EXPECT_EQ(thresholdBit(static_cast<int32_t>(dot), threshold, flip),
                  y < 0)
            << "scale " << scale << " dot " << dot;
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

struct ConvCase {
  int n, c, h, w, m, kh, kw;
  int sh, sw, dh, dw, group;
  int pt, pl, pb, pr;
  int padValue;

  int oh() const { return (h + pt + pb - dh * (kh - 1) - 1) / sh + 1; }
  int ow() const { return (w + pl + pr - dw * (kw - 1) - 1) / sw + 1; }
  int cg() const { return c / group; }

  bnnc_bconv2d_params params() const {
    return {n,  c,  h,  w,  m,  kh, kw,    oh(),    ow(),
            sh, sw, pt, pl, dh, dw, group, padValue};
  }

  std::string name() const {
    auto s = [](int v) {
      return v < 0 ? "m" + std::to_string(-v) : std::to_string(v);
    };
    return "n" + s(n) + "_c" + s(c) + "_" + s(h) + "x" + s(w) + "_m" + s(m) +
           "_k" + s(kh) + "x" + s(kw) + "_s" + s(sh) + "x" + s(sw) + "_d" +
           s(dh) + "x" + s(dw) + "_g" + s(group) + "_p" + s(pt) + s(pl) +
           s(pb) + s(pr) + "_pv" + s(padValue);
  }
};

/// The ONNX Conv sum on +-1 values; a padded tap is `padValue` (0 = ONNX).
int32_t referenceConv(const ConvCase &t, const std::vector<int8_t> &x,
                      const std::vector<int8_t> &w, int n, int o, int oy,
                      int ox) {
  const int cg = t.cg(), g = o / (t.m / t.group);
  int32_t sum = 0;
  for (int ci = 0; ci < cg; ++ci)
    for (int ky = 0; ky < t.kh; ++ky)
      for (int kx = 0; kx < t.kw; ++kx) {
        const int iy = oy * t.sh - t.pt + ky * t.dh;
        const int ix = ox * t.sw - t.pl + kx * t.dw;
        const bool inside = iy >= 0 && iy < t.h && ix >= 0 && ix < t.w;
        const int xv =
            inside ? x[((static_cast<size_t>(n) * t.c + g * cg + ci) * t.h +
                        iy) *
                           t.w +
                       ix]
                   : t.padValue;
        sum += xv * w[((static_cast<size_t>(o) * cg + ci) * t.kh + ky) * t.kw +
                      kx];
      }
  return sum;
}

/// The float epilogue, written out on its own: y = act(dot * scale + bias).
float referenceEpilogue(int32_t dot, const bnnc_bfloat_epilogue &e, int o) {
  float v = static_cast<float>(dot);
  if (e.scale)
    v = v * e.scale[o];
  if (e.bias)
    v = v + e.bias[o];
  switch (e.activation) {
  case BNNC_BACT_RELU:
    return std::max(v, 0.0f);
  case BNNC_BACT_PRELU:
    return v < 0.0f ? v * e.slope[o] : v;
  case BNNC_BACT_CLAMP:
    return std::min(std::max(v, e.clamp_lo), e.clamp_hi);
  default:
    return v;
  }
}

/// The integer dots of a convolution, NCHW, read through the float epilogue
/// with no scale, no bias and no activation: (float)dot is exact for
/// |dot| < 2^24, and every dot is bounded by kh * kw * cg.
std::vector<int32_t> convDots(const bnnc_bconv2d_params &p, const Word *x,
                              const Word *w) {
  const int64_t maxK = static_cast<int64_t>(p.kh) * p.kw * (p.c / p.group);
  EXPECT_LT(maxK, int64_t(1) << 24) << "dots would not be exact as floats";
  const bnnc_bfloat_epilogue identity = {nullptr, nullptr, BNNC_BACT_NONE,
                                         nullptr, 0.0f,    0.0f};
  std::vector<float> y(static_cast<size_t>(p.n) * p.m * p.oh * p.ow,
                       std::nanf(""));
  bnnc_bconv2d32_float(&p, x, w, &identity, y.data());
  std::vector<int32_t> dots(y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    EXPECT_EQ(y[i], std::trunc(y[i])) << "not an integer dot at " << i;
    EXPECT_LE(std::fabs(y[i]), static_cast<float>(maxK)) << "output " << i;
    dots[i] = static_cast<int32_t>(y[i]);
  }
  return dots;
}

/// Random per-channel epilogue data for `m` channels.
struct EpilogueData {
  std::vector<float> scale, bias, slope;
  std::vector<int32_t> threshold;
  std::vector<uint8_t> flip;

  EpilogueData(Rng &rng, int m, int32_t maxK) {
    for (int o = 0; o < m; ++o) {
      scale.push_back(rng.uniform(-2.0f, 2.0f));
      bias.push_back(rng.uniform(-5.0f, 5.0f));
      slope.push_back(rng.uniform(-0.5f, 0.5f));
      threshold.push_back(rng.range(-maxK - 1, maxK + 1));
      flip.push_back(static_cast<uint8_t>(rng.range(0, 1)));
    }
  }
};

void checkConv(const ConvCase &t) {
  Rng rng(seedOf(t.name()));
  const int oh = t.oh(), ow = t.ow(), cg = t.cg();
  ASSERT_GT(oh, 0);
  ASSERT_GT(ow, 0);

  // Float tensors in ONNX layouts, binarized by the pack kernels.
  const std::vector<float> xf =
      randomActivations(rng, static_cast<size_t>(t.n) * t.c * t.h * t.w);
  const std::vector<float> wf =
      randomActivations(rng, static_cast<size_t>(t.m) * cg * t.kh * t.kw);
  const std::vector<int8_t> x = binarizeAll(xf), w = binarizeAll(wf);

  const bnnc_bpack_params xp = {t.n, t.c, t.h, t.w, t.group};
  std::vector<Word> xb(static_cast<size_t>(t.n) * t.h * t.w *
                       bnnc_bwords32(t.c, t.group));
  bnnc_pack_f32_nchw_to_nhwc32(&xp, xf.data(), xb.data());
  const bnnc_bweights_params wp = {t.m, cg, t.kh, t.kw};
  std::vector<Word> wb(static_cast<size_t>(t.m) * t.kh * t.kw *
                       bnnc_bwords32(cg, 1));
  bnnc_pack_weights_oihw_f32_to_ohwi32(&wp, wf.data(), wb.data());

  const size_t outCount = static_cast<size_t>(t.n) * t.m * oh * ow;
  std::vector<int32_t> expected(outCount); // NCHW
  for (int n = 0; n < t.n; ++n)
    for (int o = 0; o < t.m; ++o)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox)
          expected[((static_cast<size_t>(n) * t.m + o) * oh + oy) * ow + ox] =
              referenceConv(t, x, w, n, o, oy, ox);

  // (a) the dots themselves.
  const bnnc_bconv2d_params p = t.params();
  const std::vector<int32_t> dots = convDots(p, xb.data(), wb.data());
  for (size_t i = 0; i < outCount; ++i)
    ASSERT_EQ(dots[i], expected[i]) << "dot, output " << i;

  // (b) float epilogues: every activation, plus NULL scale and bias.
  const int32_t maxK = t.kh * t.kw * cg;
  const EpilogueData d(rng, t.m, maxK);
  std::vector<bnnc_bfloat_epilogue> floats = {
      {d.scale.data(), d.bias.data(), BNNC_BACT_NONE, nullptr, 0.0f, 0.0f},
      {d.scale.data(), d.bias.data(), BNNC_BACT_RELU, nullptr, 0.0f, 0.0f},
      {d.scale.data(), d.bias.data(), BNNC_BACT_PRELU, d.slope.data(), 0.0f,
       0.0f},
      {d.scale.data(), d.bias.data(), BNNC_BACT_CLAMP, nullptr, -3.0f, 2.5f},
      {nullptr, d.bias.data(), BNNC_BACT_RELU, nullptr, 0.0f, 0.0f},
      {d.scale.data(), nullptr, BNNC_BACT_CLAMP, nullptr, -1.5f, 4.0f}};
  for (const bnnc_bfloat_epilogue &e : floats) {
    // One spare element, to catch a write past the end.
    std::vector<float> y(outCount + 1, std::nanf(""));
    bnnc_bconv2d32_float(&p, xb.data(), wb.data(), &e, y.data());
    for (size_t i = 0; i < outCount; ++i) {
      const int o = static_cast<int>(i / (oh * ow) % t.m);
      const float want = referenceEpilogue(expected[i], e, o);
      ASSERT_EQ(bitsOf(y[i]), bitsOf(want))
          << y[i] << " != " << want << ": float, activation " << e.activation
          << ", output " << i;
    }
    ASSERT_TRUE(std::isnan(y[outCount])) << "wrote past the output";
  }

  // (c) packed threshold output, plain and in grouped output layouts.
  std::set<int> outGroups = {1, t.group};
  for (int g : {3, 5})
    if (t.m % g == 0)
      outGroups.insert(g);
  for (int outGroup : outGroups) {
    for (bool withFlip : {true, false}) {
      const bnnc_bbits_epilogue e = {
          d.threshold.data(), withFlip ? d.flip.data() : nullptr, outGroup};
      const bnnc_bpack_params yp = {t.n, t.m, oh, ow, outGroup};
      const size_t words =
          static_cast<size_t>(t.n) * oh * ow * bnnc_bwords32(t.m, outGroup);
      std::vector<Word> y(words + 1, kPoison);
      bnnc_bconv2d32_bits(&p, xb.data(), wb.data(), &e, y.data());
      ASSERT_EQ(y.back(), kPoison) << "wrote past the output";
      y.pop_back();
      const std::vector<int8_t> values = unpackReference(yp, y);
      for (size_t i = 0; i < outCount; ++i) {
        const int o = static_cast<int>(i / (oh * ow) % t.m);
        const bool bit = thresholdBit(expected[i], d.threshold[o],
                                      withFlip ? d.flip[o] : 0);
        ASSERT_EQ(values[i], bit ? -1 : 1)
            << "bits, out_group " << outGroup << ", flip " << withFlip
            << ", output " << i;
      }
    }
  }
}

class BinaryConv2d : public testing::TestWithParam<ConvCase> {};

TEST_P(BinaryConv2d, MatchesReference) { checkConv(GetParam()); }

/// Every kernel size x stride x dilation x group kind, four times, each with
/// a channel count, padding and batch drawn round-robin from lists (list
/// lengths are coprime-ish with the geometry count), so every list value
/// meets several geometries.
std::vector<ConvCase> geometrySweep() {
  const int channelsPerGroup[] = {1, 3, 16, 31, 32, 33, 64, 65, 100};
  const int depthwiseChannels[] = {1, 3, 8, 33, 70};
  const int outPerGroup[] = {1, 4, 9, 33};
  const int pads[][4] = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2},
                         {1, 0, 2, 1}, {0, 2, 1, 0}, {2, 1, 0, 2}};
  std::vector<ConvCase> cases;
  std::set<std::string> names;
  int i = 0;
  for (int round = 0; round < 4; ++round)
    for (int k : {1, 3, 5})
      for (int s : {1, 2})
        for (int dil : {1, 2})
          for (int groupKind : {1, 2, 0}) { // 0 = depthwise
            ConvCase t{};
            t.n = 1 + i % 3;
            t.kh = k;
            t.kw = k == 1 ? 1 : (i % 2 ? k : 3);
            t.sh = s;
            t.sw = i % 4 == 1 ? 1 : s;
            t.dh = dil;
            t.dw = i % 5 == 2 ? 1 : dil;
            if (groupKind == 0) {
              t.c = depthwiseChannels[i % 5];
              t.group = t.c;
              t.m = t.c * (1 + i % 2); // channel multiplier 1 or 2
            } else {
              t.group = groupKind;
              t.c = channelsPerGroup[i % 9] * t.group;
              const int mg = outPerGroup[i % 4];
              t.m = mg * t.group;
            }
            const int *pad = pads[i % 6];
            t.pt = pad[0], t.pl = pad[1], t.pb = pad[2], t.pr = pad[3];
            t.h = 4 + (i * 5) % 6;
            t.w = 4 + (i * 3) % 7;
            // The window must fit once into the padded input.
            while (t.oh() < 1)
              ++t.h;
            while (t.ow() < 1)
              ++t.w;
            if (names.insert(t.name()).second)
              cases.push_back(t);
            ++i;
          }
  return cases;
}

/// Channel tails: K = 9 * C for C around the word boundaries.
std::vector<ConvCase> channelSweep() {
  std::vector<ConvCase> cases;
  for (int c : {1, 7, 31, 32, 33, 63, 64, 65, 95, 96, 97, 100, 130, 257}) {
    ConvCase t{};
    t.n = 2, t.c = c, t.h = 5, t.w = 4, t.m = c > 64 ? 5 : 35;
    t.kh = t.kw = 3;
    t.sh = t.sw = t.dh = t.dw = t.group = 1;
    t.pt = t.pl = t.pb = t.pr = 1;
    cases.push_back(t);
  }
  return cases;
}

/// Padding with a +-1 constant (a folded Pad, LCE's one-padding) instead of
/// ONNX zeros.
std::vector<ConvCase> padValueSweep() {
  std::vector<ConvCase> cases;
  for (int padValue : {1, -1})
    for (int group : {1, 2, 6}) {
      ConvCase t{};
      t.n = 2, t.c = 6 * (group == 6 ? 1 : 7), t.h = 6, t.w = 5;
      t.m = group * 3;
      t.kh = 3, t.kw = 5;
      t.sh = 1, t.sw = 2, t.dh = 2, t.dw = 1, t.group = group;
      t.pt = 2, t.pl = 1, t.pb = 0, t.pr = 2;
      t.padValue = padValue;
      cases.push_back(t);
    }
  return cases;
}

/// Binary 1-D convolutions: the 2-D kernel with h = kh = 1, as
/// passes/Binarize.cpp lowers them.
std::vector<ConvCase> conv1dSweep() {
  std::vector<ConvCase> cases;
  // {n, c, l, m, k, stride, padL, padR, dil, group, padValue}
  const int shapes[][11] = {
      {1, 1, 9, 3, 1, 1, 0, 0, 1, 1, 0},
      {2, 40, 16, 8, 3, 1, 1, 1, 1, 1, 0},
      {2, 64, 15, 33, 5, 2, 2, 1, 1, 1, 0},
      {1, 65, 20, 4, 3, 1, 2, 2, 2, 1, 0},
      {3, 10, 12, 10, 5, 1, 2, 2, 1, 10, 0}, // depthwise, as in BiFSMN's DFSMN
      {2, 66, 11, 6, 3, 2, 0, 1, 2, 2, 0},
      {2, 33, 9, 5, 3, 1, 1, 0, 1, 1, 1},
      {2, 33, 9, 5, 5, 1, 2, 2, 1, 1, -1}};
  for (const auto &s : shapes) {
    ConvCase t{};
    t.n = s[0], t.c = s[1], t.h = 1, t.w = s[2], t.m = s[3];
    t.kh = 1, t.kw = s[4];
    t.sh = 1, t.sw = s[5], t.pt = 0, t.pl = s[6], t.pb = 0, t.pr = s[7];
    t.dh = 1, t.dw = s[8], t.group = s[9], t.padValue = s[10];
    cases.push_back(t);
  }
  return cases;
}

/// Binary dense layers y[i][j] = dot(a row i, w row j) over K, as
/// passes/Binarize.cpp lowers them: a 1x1 convolution over m = rows pixels
/// (here the batch), and for a flattened feature map a convolution whose
/// kernel covers the whole map. With h = 1 that map is a row of `segments`
/// pixels of K / segments channels, each with its own tail.
std::vector<ConvCase> denseSweep() {
  std::vector<ConvCase> cases;
  for (int k : {1, 7, 31, 32, 33, 63, 64, 65, 100, 511, 2048})
    for (int segments : {1, 3, 4, 16})
      if (k % segments == 0 && (segments == 1 || k / segments > 1)) {
        ConvCase t{};
        t.n = 3, t.c = k / segments, t.h = 1, t.w = segments;
        t.m = k % 2 ? 37 : 10;
        t.kh = 1, t.kw = segments;
        t.sh = t.sw = t.dh = t.dw = t.group = 1;
        cases.push_back(t);
      }
  return cases;
}

std::string convName(const testing::TestParamInfo<ConvCase> &info) {
  return info.param.name();
}

INSTANTIATE_TEST_SUITE_P(Geometry, BinaryConv2d,
                         testing::ValuesIn(geometrySweep()), convName);
INSTANTIATE_TEST_SUITE_P(ChannelTails, BinaryConv2d,
                         testing::ValuesIn(channelSweep()), convName);
INSTANTIATE_TEST_SUITE_P(PadValue, BinaryConv2d,
                         testing::ValuesIn(padValueSweep()), convName);
INSTANTIATE_TEST_SUITE_P(Conv1d, BinaryConv2d,
                         testing::ValuesIn(conv1dSweep()), convName);
INSTANTIATE_TEST_SUITE_P(Dense, BinaryConv2d, testing::ValuesIn(denseSweep()),
                         convName);

// Flatten -> Gemm after a binary feature map (C, H, W): an HxW convolution
// without padding (passes/Binarize.cpp). The ONNX Gemm weights [n][C*H*W]
// (flatten order c, h, w) are an OIHW tensor [n][C][H][W], which the weight
// packer turns into the (h, w, c) order of the packed pixels. Checked
// against the dot in ONNX flatten order, independently of referenceConv.
TEST(BinaryDenseFlatten, MatchesFlattenOrderDot) {
  Rng rng(11);
  const int batch = 3, c = 37, h = 3, w = 4, n = 13, k = c * h * w;
  const std::vector<float> xf = randomActivations(rng, batch * k); // NCHW
  const std::vector<float> wf = randomActivations(rng, n * k);     // [n][k]
  const bnnc_bpack_params xp = {batch, c, h, w, 1};
  std::vector<Word> xb(batch * h * w * bnnc_bwords32(c, 1));
  bnnc_pack_f32_nchw_to_nhwc32(&xp, xf.data(), xb.data());
  const bnnc_bweights_params wp = {n, c, h, w};
  std::vector<Word> wb(n * h * w * bnnc_bwords32(c, 1));
  bnnc_pack_weights_oihw_f32_to_ohwi32(&wp, wf.data(), wb.data());
  const bnnc_bconv2d_params p = {batch, c, h, w, n, h, w, 1, 1,
                                 1,     1, 0, 0, 1, 1, 1, 0};
  const std::vector<int32_t> y = convDots(p, xb.data(), wb.data());
  for (int i = 0; i < batch; ++i)
    for (int j = 0; j < n; ++j) {
      int32_t sum = 0;
      for (int kk = 0; kk < k; ++kk) // ONNX Flatten order
        sum += binarize(xf[i * k + kk]) * binarize(wf[j * k + kk]);
      ASSERT_EQ(y[i * n + j], sum) << "row " << i << " col " << j;
    }
}

// BatchNorm + sign fused into thresholds writes exactly the bits that the
// float epilogue followed by the binarizer and packing would. Dyadic
// scale/bias keep the float epilogue exact, so the two paths must agree on
// every bit, including exact ties (y = 0 -> +1) and scale <= 0.
TEST(BinaryConv2dFused, BatchNormSign) {
  ConvCase t{};
  t.n = 2, t.c = 40, t.h = 6, t.w = 7, t.m = 70, t.kh = t.kw = 3;
  t.sh = t.sw = t.dh = t.dw = t.group = 1;
  t.pt = t.pl = t.pb = t.pr = 1;
  Rng rng(99);
  const std::vector<float> xf =
      randomActivations(rng, static_cast<size_t>(t.n) * t.c * t.h * t.w);
  const std::vector<float> wf =
      randomActivations(rng, static_cast<size_t>(t.m) * t.c * 9);
  const bnnc_bpack_params xp = {t.n, t.c, t.h, t.w, 1};
  std::vector<Word> xb(static_cast<size_t>(t.n) * t.h * t.w *
                       bnnc_bwords32(t.c, 1));
  bnnc_pack_f32_nchw_to_nhwc32(&xp, xf.data(), xb.data());
  const bnnc_bweights_params wp = {t.m, t.c, 3, 3};
  std::vector<Word> wb(static_cast<size_t>(t.m) * 9 * bnnc_bwords32(t.c, 1));
  bnnc_pack_weights_oihw_f32_to_ohwi32(&wp, wf.data(), wb.data());

  std::vector<float> scale(t.m), bias(t.m);
  std::vector<int32_t> threshold(t.m);
  std::vector<uint8_t> flip(t.m);
  for (int o = 0; o < t.m; ++o) {
    // Every 7th channel has scale 0 (a constant bit); ties are frequent
    // because bias is a multiple of scale's step.
    const int a = o % 7 == 0 ? 0 : rng.range(-16, 16);
    scale[o] = std::ldexp(static_cast<float>(a), -3);
    bias[o] = std::ldexp(static_cast<float>(rng.range(-400, 400)), -3);
    bnnc_bthreshold_from_affine(scale[o], bias[o], &threshold[o], &flip[o]);
  }
  const bnnc_bconv2d_params p = t.params();
  const size_t outCount = static_cast<size_t>(t.n) * t.m * t.oh() * t.ow();
  std::vector<float> yFloat(outCount);
  const bnnc_bfloat_epilogue fe = {scale.data(), bias.data(), BNNC_BACT_NONE,
                                   nullptr,      0.0f,        0.0f};
  bnnc_bconv2d32_float(&p, xb.data(), wb.data(), &fe, yFloat.data());
  const bnnc_bpack_params yp = {t.n, t.m, t.oh(), t.ow(), 1};
  std::vector<Word> viaFloat(static_cast<size_t>(t.n) * t.oh() * t.ow() *
                             bnnc_bwords32(t.m, 1));
  bnnc_pack_f32_nchw_to_nhwc32(&yp, yFloat.data(), viaFloat.data());
  std::vector<Word> fused(viaFloat.size(), kPoison);
  const bnnc_bbits_epilogue be = {threshold.data(), flip.data(), 1};
  bnnc_bconv2d32_bits(&p, xb.data(), wb.data(), &be, fused.data());
  for (size_t i = 0; i < fused.size(); ++i)
    ASSERT_EQ(fused[i], viaFloat[i]) << "word " << i;
}

// Two binary layers back to back: the first writes packed bits in the
// second's grouped layout, the second reads them directly.
TEST(BinaryConv2dChained, GroupedLayout) {
  Rng rng(7);
  const int n = 2, c = 20, h = 6, w = 6, m1 = 70, group2 = 2, m2 = 6;
  const std::vector<float> xf = randomActivations(rng, n * c * h * w);
  const std::vector<float> w1f = randomActivations(rng, m1 * c * 9);
  const std::vector<float> w2f = randomActivations(rng, m2 * (m1 / group2) * 9);
  std::vector<int32_t> threshold(m1);
  std::vector<uint8_t> flip(m1);
  for (int o = 0; o < m1; ++o) {
    threshold[o] = rng.range(-20, 20);
    flip[o] = static_cast<uint8_t>(rng.range(0, 1));
  }

  const bnnc_bpack_params xp = {n, c, h, w, 1};
  std::vector<Word> xb(n * h * w * bnnc_bwords32(c, 1));
  bnnc_pack_f32_nchw_to_nhwc32(&xp, xf.data(), xb.data());
  const bnnc_bweights_params wp1 = {m1, c, 3, 3}, wp2 = {m2, m1 / group2, 3, 3};
  std::vector<Word> w1(m1 * 9 * bnnc_bwords32(c, 1)),
      w2(m2 * 9 * bnnc_bwords32(m1 / group2, 1));
  bnnc_pack_weights_oihw_f32_to_ohwi32(&wp1, w1f.data(), w1.data());
  bnnc_pack_weights_oihw_f32_to_ohwi32(&wp2, w2f.data(), w2.data());

  // Layer 1 (3x3, pad 1) -> packed bits in 2 groups -> layer 2 (3x3, g 2).
  const ConvCase t1{n, c, h, w, m1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
  const ConvCase t2{n, m1, h, w, m2, 3, 3, 1, 1, 1, 1, group2, 0, 0, 0, 0, 0};
  const bnnc_bconv2d_params p1 = t1.params(), p2 = t2.params();
  const bnnc_bbits_epilogue e1 = {threshold.data(), flip.data(), group2};
  std::vector<Word> mid(n * h * w * bnnc_bwords32(m1, group2));
  bnnc_bconv2d32_bits(&p1, xb.data(), w1.data(), &e1, mid.data());
  const std::vector<int32_t> y = convDots(p2, mid.data(), w2.data());

  // Reference: the same two layers on +-1 integers.
  const std::vector<int8_t> x = binarizeAll(xf), w1i = binarizeAll(w1f),
                            w2i = binarizeAll(w2f);
  std::vector<int8_t> midRef(static_cast<size_t>(n) * m1 * h * w);
  for (int in = 0; in < n; ++in)
    for (int o = 0; o < m1; ++o)
      for (int oy = 0; oy < h; ++oy)
        for (int ox = 0; ox < w; ++ox)
          midRef[((in * m1 + o) * h + oy) * w + ox] =
              thresholdBit(referenceConv(t1, x, w1i, in, o, oy, ox),
                           threshold[o], flip[o])
                  ? -1
                  : 1;
  ASSERT_EQ(unpackReference({n, m1, h, w, group2}, mid), midRef);
  size_t i = 0;
  for (int in = 0; in < n; ++in)
    for (int o = 0; o < m2; ++o)
      for (int oy = 0; oy < h - 2; ++oy)
        for (int ox = 0; ox < w - 2; ++ox, ++i)
          ASSERT_EQ(y[i], referenceConv(t2, midRef, w2i, in, o, oy, ox))
              << "n " << in << " o " << o << " at " << oy << "," << ox;
}

//===----------------------------------------------------------------------===//
// Max pool
//===----------------------------------------------------------------------===//

struct PoolCase {
  int n, c, h, w, group, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  int oh() const { return (h + pt + pb - dh * (kh - 1) - 1) / sh + 1; }
  int ow() const { return (w + pl + pr - dw * (kw - 1) - 1) / sw + 1; }
  std::string name() const {
    auto s = [](int v) { return std::to_string(v); };
    return "n" + s(n) + "_c" + s(c) + "_" + s(h) + "x" + s(w) + "_g" +
           s(group) + "_k" + s(kh) + "x" + s(kw) + "_s" + s(sh) + "x" + s(sw) +
           "_d" + s(dh) + "x" + s(dw) + "_p" + s(pt) + s(pl) + s(pb) + s(pr);
  }
};

/// bmaxpool2d, or with `mixed` bminmaxpool2d with a random or_mask: channels
/// whose mask bit is set pool with the minimum (an empty window is +inf
/// there, binarized to +1).
void checkMaxPool(const PoolCase &t, bool mixed) {
  Rng rng(seedOf(t.name() + (mixed ? "_mixed" : "")));
  const int oh = t.oh(), ow = t.ow(), words = bnnc_bwords32(t.c, t.group);
  ASSERT_GT(oh, 0);
  ASSERT_GT(ow, 0);
  // Mostly -1 (max channels) or mostly +1 (min channels), so that windows
  // of one value (the non-trivial output) are common too.
  std::vector<bool> isMin(t.c, false);
  std::vector<Word> orMask(words, 0);
  const int cg = t.c / t.group, wg = words / t.group;
  for (int c = 0; c < t.c && mixed; ++c)
    if (rng.range(0, 1)) {
      isMin[c] = true;
      const int j = c % cg;
      orMask[(c / cg) * wg + j / kBits] |= Word(1) << (j % kBits);
    }
  std::vector<float> xf(t.n * t.c * t.h * t.w);
  for (size_t i = 0; i < xf.size(); ++i) {
    const int c = static_cast<int>(i / (t.h * t.w)) % t.c;
    const float common = isMin[c] ? 1.0f : -1.0f;
    xf[i] = rng.range(0, 3) ? common : rng.activation();
  }
  const bnnc_bpack_params xp = {t.n, t.c, t.h, t.w, t.group};
  std::vector<Word> xb(t.n * t.h * t.w * words);
  bnnc_pack_f32_nchw_to_nhwc32(&xp, xf.data(), xb.data());
  const bnnc_bpool2d_params p = {t.n,  t.c,  t.h,  t.w,  t.group,
                                 oh,   ow,   t.kh, t.kw, t.sh,
                                 t.sw, t.pt, t.pl, t.dh, t.dw};
  std::vector<Word> y(t.n * oh * ow * words + 1, kPoison);
  if (mixed)
    bnnc_bminmaxpool2d32(&p, orMask.data(), xb.data(), y.data());
  else
    bnnc_bmaxpool2d32(&p, xb.data(), y.data());
  ASSERT_EQ(y.back(), kPoison) << "wrote past the output";
  y.pop_back();
  const std::vector<int8_t> values =
      unpackReference({t.n, t.c, oh, ow, t.group}, y);
  for (int n = 0; n < t.n; ++n)
    for (int c = 0; c < t.c; ++c)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          // ONNX MaxPool on +-1 values (or its negation, the min), padding
          // ignored; an empty window is -inf (+inf for min), binarized.
          int best = isMin[c] ? 1 : -1;
          for (int ky = 0; ky < t.kh; ++ky)
            for (int kx = 0; kx < t.kw; ++kx) {
              const int iy = oy * t.sh - t.pt + ky * t.dh;
              const int ix = ox * t.sw - t.pl + kx * t.dw;
              if (iy >= 0 && iy < t.h && ix >= 0 && ix < t.w) {
                const int v =
                    binarize(xf[((n * t.c + c) * t.h + iy) * t.w + ix]);
                best = isMin[c] ? std::min(best, v) : std::max(best, v);
              }
            }
          ASSERT_EQ(values[((n * t.c + c) * oh + oy) * ow + ox], best)
              << "n " << n << " c " << c << " at " << oy << "," << ox
              << (isMin[c] ? " (min)" : " (max)");
        }
}

class BinaryMaxPool : public testing::TestWithParam<PoolCase> {};

TEST_P(BinaryMaxPool, MatchesReference) { checkMaxPool(GetParam(), false); }

TEST_P(BinaryMaxPool, MinMaxMatchesReference) {
  checkMaxPool(GetParam(), true);
}

std::vector<PoolCase> poolSweep() {
  // {n, c, h, w, group, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr}
  return {{1, 1, 4, 4, 1, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0},
          {2, 31, 6, 5, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
          {2, 33, 7, 7, 1, 3, 3, 2, 2, 1, 1, 1, 0, 1, 2},
          {1, 64, 5, 6, 1, 2, 3, 1, 2, 2, 1, 0, 1, 1, 0},
          {2, 100, 6, 6, 2, 3, 2, 2, 1, 1, 2, 1, 1, 0, 1},
          {1, 70, 5, 5, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
          {2, 130, 4, 5, 2, 2, 2, 2, 2, 1, 1, 0, 0, 1, 1},
          // Dilated windows that lie wholly in the padding at the border.
          {1, 40, 2, 2, 1, 2, 2, 1, 1, 3, 3, 1, 1, 1, 1}};
}

INSTANTIATE_TEST_SUITE_P(Shapes, BinaryMaxPool, testing::ValuesIn(poolSweep()),
                         [](const testing::TestParamInfo<PoolCase> &info) {
                           return info.param.name();
                         });

} // namespace

//===----------------------------------------------------------------------===//
// Binarized LayerNorm (bnnc_pack_layernorm_f32)
//===----------------------------------------------------------------------===//

namespace {

/// b(gamma_i * (x_i - mean) / s + beta_i) evaluated as the sign of
/// gamma_i * (x_i - mean) + beta_i * s in double (s > 0 does not change the
/// sign), with mean and s computed as the kernel does. Returns 1 for -1.
uint32_t referenceLayerNormBit(const std::vector<float> &row, int32_t i,
                               float gamma, float beta, float epsilon) {
  float mean, s;
  bnnc_row_moments_f32(row.data(), static_cast<int32_t>(row.size()), epsilon,
                       &mean, &s);
  const double y = static_cast<double>(gamma) * (row[i] - mean) +
                   static_cast<double>(beta) * s;
  return y < 0.0 ? 1u : 0u;
}

} // namespace

TEST(BinaryLayerNorm, MatchesSignOfNormalizedValue) {
  Rng rng(0x1a7e);
  for (int32_t d : {1, 7, 31, 32, 33, 64, 100}) {
    const int32_t rows = 3, words = (d + 31) / 32;
    std::vector<float> x(static_cast<size_t>(rows) * d), t(d);
    std::vector<uint8_t> flip(d);
    std::vector<float> gamma(d), beta(d);
    for (float &v : x)
      v = rng.uniform(-3.0f, 3.0f);
    for (int32_t i = 0; i < d; ++i) {
      // Both signs, and an exact zero (a constant bit) every 5th channel.
      gamma[i] = i % 5 == 4 ? 0.0f : rng.uniform(-2.0f, 2.0f);
      beta[i] = rng.uniform(-1.0f, 1.0f);
      if (gamma[i] == 0.0f) {
        t[i] = beta[i] < 0.0f ? INFINITY : -INFINITY;
        flip[i] = 0;
      } else {
        t[i] = -beta[i] / gamma[i];
        flip[i] = gamma[i] < 0.0f;
      }
    }
    std::vector<uint32_t> y(static_cast<size_t>(rows) * words, 0xffffffffu);
    bnnc_pack_layernorm_f32(rows, d, x.data(), t.data(), flip.data(), 1e-5f,
                            y.data());
    for (int32_t r = 0; r < rows; ++r) {
      std::vector<float> row(x.begin() + r * d, x.begin() + (r + 1) * d);
      for (int32_t i = 0; i < d; ++i) {
        const uint32_t bit = (y[r * words + i / 32] >> (i % 32)) & 1u;
        EXPECT_EQ(bit, referenceLayerNormBit(row, i, gamma[i], beta[i], 1e-5f))
            << "d=" << d << " row=" << r << " channel=" << i;
      }
      // Tail bits stay 0.
      for (int32_t i = d; i < words * 32; ++i)
        EXPECT_EQ((y[r * words + i / 32] >> (i % 32)) & 1u, 0u);
    }
  }
}
