//===- BinaryKernelsTest.cpp - bnnc/kernels_binary.h vs naive +-1 math ----===//
//
// Every binary kernel is checked against a reference that works on unpacked
// +-1 integers straight from the ONNX operator definitions (zero padding
// contributes 0; MaxPool ignores padding). Integer results must be equal.
// Float epilogues are compared exactly too: the reference evaluates the same
// float operations on the same integer dot, and this file is compiled with
// -ffp-contract=off, so neither side may fuse the multiply-add into an FMA.
//
// Sweeps run over word widths (32, 64), K and channel tails, kernel sizes,
// strides, dilations, groups (incl. depthwise), asymmetric padding, pad
// values and batch. All randomness comes from a fixed-seed splitmix64, so
// every run and every platform sees the same data.
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

/// Word-width traits: the C kernels of one width behind one name, so the
/// test bodies are written once.
template <int Bits> struct Kernels;

#define BNNC_TEST_KERNELS(B)                                                   \
  template <> struct Kernels<B> {                                              \
    using Word = uint##B##_t;                                                  \
    static constexpr int bits = B;                                             \
    static constexpr auto popcount = &bnnc_popcount##B;                        \
    static constexpr auto popcountSwar = &bnnc_popcount##B##_swar;             \
    static constexpr auto words = &bnnc_bwords##B;                             \
    static constexpr auto mask = &bnnc_bmask##B;                               \
    static constexpr auto packRun = &bnnc_pack_f32_run##B;                     \
    static constexpr auto pack = &bnnc_pack_f32_nchw_to_nhwc##B;               \
    static constexpr auto packThreshold =                                      \
        &bnnc_pack_threshold_f32_nchw_to_nhwc##B;                              \
    static constexpr auto unpack = &bnnc_unpack_nhwc##B##_to_f32_nchw;         \
    static constexpr auto packWeights =                                        \
        &bnnc_pack_weights_oihw_f32_to_ohwi##B;                                \
    static constexpr auto conv2dRaw = &bnnc_bconv2d##B##_raw;                  \
    static constexpr auto conv2dFloat = &bnnc_bconv2d##B##_float;              \
    static constexpr auto conv2dBits = &bnnc_bconv2d##B##_bits;                \
    static constexpr auto conv1dRaw = &bnnc_bconv1d##B##_raw;                  \
    static constexpr auto conv1dFloat = &bnnc_bconv1d##B##_float;              \
    static constexpr auto conv1dBits = &bnnc_bconv1d##B##_bits;                \
    static constexpr auto denseRaw = &bnnc_bdense##B##_raw;                    \
    static constexpr auto denseFloat = &bnnc_bdense##B##_float;                \
    static constexpr auto denseBits = &bnnc_bdense##B##_bits;                  \
    static constexpr auto maxpool = &bnnc_bmaxpool2d##B;                       \
    static constexpr auto minmaxpool = &bnnc_bminmaxpool2d##B;                 \
  };
BNNC_TEST_KERNELS(32)
BNNC_TEST_KERNELS(64)
#undef BNNC_TEST_KERNELS

/// A word pattern that no kernel writes by accident: outputs are pre-filled
/// with it to catch unwritten words and dirty tail bits.
template <typename Word> Word poison() {
  return static_cast<Word>(0xa5a5a5a5a5a5a5a5ull);
}

/// Channel `c` of one packed pixel of `channels` channels in `group` pack
/// groups, read by the documented layout rule (not by the kernels' code).
template <int Bits>
int packedValue(const typename Kernels<Bits>::Word *pixel, int c, int channels,
                int group) {
  const int cg = channels / group, wg = (cg + Bits - 1) / Bits;
  const int g = c / cg, cc = c % cg;
  return ((pixel[g * wg + cc / Bits] >> (cc % Bits)) & 1u) ? -1 : 1;
}

/// True if every tail bit of one packed pixel is 0.
template <int Bits>
bool tailsAreZero(const typename Kernels<Bits>::Word *pixel, int channels,
                  int group) {
  using Word = typename Kernels<Bits>::Word;
  const int cg = channels / group, wg = (cg + Bits - 1) / Bits;
  const int used = cg - (wg - 1) * Bits;
  if (used == Bits)
    return true;
  const Word tail = static_cast<Word>(~Word(0) << used);
  for (int g = 0; g < group; ++g)
    if (pixel[g * wg + wg - 1] & tail)
      return false;
  return true;
}

//===----------------------------------------------------------------------===//
// Popcount and the dot identity
//===----------------------------------------------------------------------===//

template <typename Word> int32_t naivePopcount(Word x) {
  int32_t n = 0;
  for (; x; x >>= 1)
    n += static_cast<int32_t>(x & 1u);
  return n;
}

template <int Bits> void checkPopcount() {
  using K = Kernels<Bits>;
  using Word = typename K::Word;
  std::vector<Word> values = {0, static_cast<Word>(~Word(0)),
                              static_cast<Word>(Word(1) << (Bits - 1)),
                              static_cast<Word>(0x5555555555555555ull),
                              static_cast<Word>(0xaaaaaaaaaaaaaaaaull)};
  for (int i = 0; i < Bits; ++i) {
    values.push_back(static_cast<Word>(Word(1) << i));
    values.push_back(static_cast<Word>(~(Word(1) << i)));
    values.push_back(static_cast<Word>((Word(1) << i) - 1u));
  }
  Rng rng(Bits);
  for (int i = 0; i < 20000; ++i)
    values.push_back(static_cast<Word>(rng.next()));
  for (Word v : values) {
    ASSERT_EQ(K::popcountSwar(v), naivePopcount(v)) << "value " << v;
    ASSERT_EQ(K::popcount(v), naivePopcount(v)) << "value " << v;
#if defined(__GNUC__)
    ASSERT_EQ(K::popcountSwar(v), __builtin_popcountll(v)) << "value " << v;
#endif
  }
}

TEST(BinaryPopcount, Word32) { checkPopcount<32>(); }
TEST(BinaryPopcount, Word64) { checkPopcount<64>(); }

// dot = K - 2 * popcount(a XOR w) for +-1 vectors packed with tail bits 0.
template <int Bits> void checkDotIdentity() {
  using K = Kernels<Bits>;
  using Word = typename K::Word;
  Rng rng(1000 + Bits);
  for (int k = 1; k <= 300; ++k) {
    const std::vector<float> a = randomActivations(rng, k),
                             w = randomActivations(rng, k);
    std::vector<Word> pa(K::words(k, 1)), pw(K::words(k, 1));
    K::packRun(k, a.data(), 1, nullptr, nullptr, pa.data());
    K::packRun(k, w.data(), 1, nullptr, nullptr, pw.data());
    int32_t expected = 0, ones = 0;
    for (int i = 0; i < k; ++i)
      expected += binarize(a[i]) * binarize(w[i]);
    for (size_t i = 0; i < pa.size(); ++i)
      ones += K::popcount(pa[i] ^ pw[i]);
    ASSERT_EQ(k - 2 * ones, expected) << "K = " << k;
  }
}

TEST(BinaryDotIdentity, Word32) { checkDotIdentity<32>(); }
TEST(BinaryDotIdentity, Word64) { checkDotIdentity<64>(); }

//===----------------------------------------------------------------------===//
// Layout helpers
//===----------------------------------------------------------------------===//

template <int Bits> void checkWordsAndMasks() {
  using K = Kernels<Bits>;
  using Word = typename K::Word;
  static_assert(K::bits == 8 * sizeof(Word), "word width");
  for (int cg = 1; cg <= 3 * Bits; ++cg) {
    const int wg = (cg + Bits - 1) / Bits;
    for (int group : {1, 2, 5})
      ASSERT_EQ(K::words(cg * group, group), group * wg);
    for (int word = 0; word < wg; ++word) {
      Word expected = 0;
      for (int j = 0; j < Bits && word * Bits + j < cg; ++j)
        expected |= Word(1) << j;
      ASSERT_EQ(K::mask(cg, word), expected) << "cg " << cg << " word " << word;
    }
  }
}

TEST(BinaryLayout, WordsAndMasks) {
  checkWordsAndMasks<32>();
  checkWordsAndMasks<64>();
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

template <int Bits> void checkPackRun() {
  using K = Kernels<Bits>;
  using Word = typename K::Word;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  // The binarizer's edges: +-0 and NaN give +1 (bit 0), -inf and the
  // smallest negative subnormal give -1.
  const std::vector<float> edges = {0.0f, -0.0f, nan,        -nan,
                                    inf,  -inf,  -0x1p-149f, 0x1p-149f};
  Rng rng(7 + Bits);
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
      const int words = K::words(count, 1);
      std::vector<Word> plain(words + 1, poison<Word>()),
          shifted(words + 1, poison<Word>());
      K::packRun(count, x.data(), stride, nullptr, nullptr, plain.data());
      K::packRun(count, x.data(), stride, threshold.data(), flip.data(),
                 shifted.data());
      for (int i = 0; i < count; ++i) {
        const float v = x[static_cast<size_t>(i) * stride];
        const int bit = (plain[i / Bits] >> (i % Bits)) & 1u;
        ASSERT_EQ(bit, std::signbit(v) && !std::isnan(v) && v != 0.0f ? 1 : 0)
            << "count " << count << " i " << i << " v " << v;
        const int shiftedBit = (shifted[i / Bits] >> (i % Bits)) & 1u;
        ASSERT_EQ(shiftedBit, (v < threshold[i] ? 1 : 0) ^ flip[i]);
      }
      for (int w = 0; w < words; ++w) {
        const int valid = std::min(Bits, count - w * Bits);
        const Word tail =
            valid == Bits ? Word(0) : static_cast<Word>(~Word(0) << valid);
        EXPECT_EQ(plain[w] & tail, Word(0)) << "dirty tail, count " << count;
        EXPECT_EQ(shifted[w] & tail, Word(0)) << "dirty tail, count " << count;
      }
      EXPECT_EQ(plain[words], poison<Word>()) << "wrote past the run";
    }
  }
}

TEST(BinaryPack, RunWord32) { checkPackRun<32>(); }
TEST(BinaryPack, RunWord64) { checkPackRun<64>(); }

template <int Bits>
void checkPackTensor(int n, int c, int h, int w, int group) {
  using K = Kernels<Bits>;
  using Word = typename K::Word;
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
  const int words = K::words(c, group);
  const size_t packedCount = static_cast<size_t>(n) * h * w * words;
  std::vector<Word> packed(packedCount, poison<Word>()),
      packedThreshold(packedCount, poison<Word>());
  K::pack(&p, x.data(), packed.data());
  K::packThreshold(&p, x.data(), threshold.data(), flip.data(),
                   packedThreshold.data());
  std::vector<float> unpacked(count, 0.5f);
  K::unpack(&p, packed.data(), unpacked.data());

  for (int in = 0; in < n; ++in)
    for (int y = 0; y < h; ++y)
      for (int xx = 0; xx < w; ++xx) {
        const size_t pixel = ((static_cast<size_t>(in) * h + y) * w + xx);
        const Word *plain = packed.data() + pixel * words;
        const Word *shifted = packedThreshold.data() + pixel * words;
        ASSERT_TRUE((tailsAreZero<Bits>(plain, c, group)));
        ASSERT_TRUE((tailsAreZero<Bits>(shifted, c, group)));
        for (int ch = 0; ch < c; ++ch) {
          const size_t at =
              ((static_cast<size_t>(in) * c + ch) * h + y) * w + xx;
          ASSERT_EQ((packedValue<Bits>(plain, ch, c, group)), binarize(x[at]));
          ASSERT_EQ(unpacked[at], static_cast<float>(binarize(x[at])));
          const int bit = (x[at] < threshold[ch] ? 1 : 0) ^ flip[ch];
          ASSERT_EQ((packedValue<Bits>(shifted, ch, c, group)), bit ? -1 : 1);
        }
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
    checkPackTensor<32>(t[0], t[1], t[2], t[3], t[4]);
    checkPackTensor<64>(t[0], t[1], t[2], t[3], t[4]);
  }
}

template <int Bits> void checkPackWeights(int m, int cg, int kh, int kw) {
  using K = Kernels<Bits>;
  using Word = typename K::Word;
  Rng rng(static_cast<uint64_t>(m * 7919 + cg * 131 + kh * 7 + kw));
  const std::vector<float> w =
      randomActivations(rng, static_cast<size_t>(m) * cg * kh * kw);
  const bnnc_bweights_params p = {m, cg, kh, kw};
  const int wg = K::words(cg, 1);
  std::vector<Word> packed(static_cast<size_t>(m) * kh * kw * wg + 1,
                           poison<Word>());
  K::packWeights(&p, w.data(), packed.data());
  for (int o = 0; o < m; ++o)
    for (int ky = 0; ky < kh; ++ky)
      for (int kx = 0; kx < kw; ++kx) {
        const Word *tap = packed.data() + ((o * kh + ky) * kw + kx) * wg;
        ASSERT_TRUE((tailsAreZero<Bits>(tap, cg, 1)));
        for (int c = 0; c < cg; ++c)
          ASSERT_EQ((packedValue<Bits>(tap, c, cg, 1)),
                    binarize(w[((o * cg + c) * kh + ky) * kw + kx]));
      }
  EXPECT_EQ(packed.back(), poison<Word>()) << "wrote past the weights";
}

TEST(BinaryPack, Weights) {
  const int cases[][4] = {{1, 1, 1, 1},  {3, 7, 3, 3},  {5, 32, 1, 1},
                          {2, 33, 3, 5}, {4, 65, 5, 3}, {2, 200, 1, 3}};
  for (const auto &t : cases) {
    SCOPED_TRACE(testing::Message() << "m " << t[0] << " cg " << t[1]
                                    << " kernel " << t[2] << "x" << t[3]);
    checkPackWeights<32>(t[0], t[1], t[2], t[3]);
    checkPackWeights<64>(t[0], t[1], t[2], t[3]);
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
  int bits;
  int n, c, h, w, m, kh, kw;
  int sh, sw, dh, dw, group;
  int pt, pl, pb, pr;
  int padValue;

  int oh() const { return (h + pt + pb - dh * (kh - 1) - 1) / sh + 1; }
  int ow() const { return (w + pl + pr - dw * (kw - 1) - 1) / sw + 1; }
  int cg() const { return c / group; }

  bnnc_bconv2d_params params(int channelsLast) const {
    return {n,  c,  h,  w,  m,  kh, kw,    oh(),     ow(),
            sh, sw, pt, pl, dh, dw, group, padValue, channelsLast};
  }

  std::string name() const {
    auto s = [](int v) {
      return v < 0 ? "m" + std::to_string(-v) : std::to_string(v);
    };
    return "n" + s(n) + "_c" + s(c) + "_" + s(h) + "x" + s(w) + "_m" + s(m) +
           "_k" + s(kh) + "x" + s(kw) + "_s" + s(sh) + "x" + s(sw) + "_d" +
           s(dh) + "x" + s(dw) + "_g" + s(group) + "_p" + s(pt) + s(pl) +
           s(pb) + s(pr) + "_pv" + s(padValue) + "_w" + s(bits);
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
        const int xv = inside
                           ? x[((n * t.c + g * cg + ci) * t.h + iy) * t.w + ix]
                           : t.padValue;
        sum += xv * w[((o * cg + ci) * t.kh + ky) * t.kw + kx];
      }
  return sum;
}

std::vector<int8_t> binarizeAll(const std::vector<float> &v) {
  std::vector<int8_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = static_cast<int8_t>(binarize(v[i]));
  return out;
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

template <int Bits> void checkConv(const ConvCase &t) {
  using K = Kernels<Bits>;
  using Word = typename K::Word;
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
                       K::words(t.c, t.group));
  K::pack(&xp, xf.data(), xb.data());
  const bnnc_bweights_params wp = {t.m, cg, t.kh, t.kw};
  std::vector<Word> wb(static_cast<size_t>(t.m) * t.kh * t.kw *
                       K::words(cg, 1));
  K::packWeights(&wp, wf.data(), wb.data());

  const size_t outCount = static_cast<size_t>(t.n) * t.m * oh * ow;
  std::vector<int32_t> expected(outCount); // NCHW
  for (int n = 0; n < t.n; ++n)
    for (int o = 0; o < t.m; ++o)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox)
          expected[((static_cast<size_t>(n) * t.m + o) * oh + oy) * ow + ox] =
              referenceConv(t, x, w, n, o, oy, ox);
  auto nhwcIndex = [&](size_t nchw) {
    const size_t ox = nchw % ow, oy = nchw / ow % oh, o = nchw / ow / oh % t.m,
                 n = nchw / ow / oh / t.m;
    return ((n * oh + oy) * ow + ox) * t.m + o;
  };

  // (a) raw int32, both output layouts.
  for (int channelsLast : {0, 1}) {
    const bnnc_bconv2d_params p = t.params(channelsLast);
    std::vector<int32_t> y(outCount, INT32_MIN);
    K::conv2dRaw(&p, xb.data(), wb.data(), y.data());
    for (size_t i = 0; i < outCount; ++i)
      ASSERT_EQ(y[channelsLast ? nhwcIndex(i) : i], expected[i])
          << "raw, channels_last " << channelsLast << ", output " << i;
  }

  // (b) float epilogues: every activation, plus NULL scale and bias.
  const int32_t maxK = t.kh * t.kw * cg;
  const EpilogueData d(rng, t.m, maxK);
  const bnnc_bconv2d_params p = t.params(0);
  std::vector<bnnc_bfloat_epilogue> floats = {
      {d.scale.data(), d.bias.data(), BNNC_BACT_NONE, nullptr, 0.0f, 0.0f},
      {d.scale.data(), d.bias.data(), BNNC_BACT_RELU, nullptr, 0.0f, 0.0f},
      {d.scale.data(), d.bias.data(), BNNC_BACT_PRELU, d.slope.data(), 0.0f,
       0.0f},
      {d.scale.data(), d.bias.data(), BNNC_BACT_CLAMP, nullptr, -3.0f, 2.5f},
      {nullptr, nullptr, BNNC_BACT_NONE, nullptr, 0.0f, 0.0f},
      {nullptr, d.bias.data(), BNNC_BACT_RELU, nullptr, 0.0f, 0.0f}};
  for (const bnnc_bfloat_epilogue &e : floats) {
    std::vector<float> y(outCount, std::nanf(""));
    K::conv2dFloat(&p, xb.data(), wb.data(), &e, y.data());
    for (size_t i = 0; i < outCount; ++i) {
      const int o = static_cast<int>(i / (oh * ow) % t.m);
      const float want = referenceEpilogue(expected[i], e, o);
      ASSERT_EQ(bitsOf(y[i]), bitsOf(want))
          << y[i] << " != " << want << ": float, activation " << e.activation
          << ", output " << i;
    }
  }

  // (c) packed threshold output, plain and in a grouped output layout.
  std::set<int> outGroups = {1, t.group};
  if (t.m % 3 == 0)
    outGroups.insert(3);
  for (int outGroup : outGroups) {
    for (bool withFlip : {true, false}) {
      const bnnc_bbits_epilogue e = {
          d.threshold.data(), withFlip ? d.flip.data() : nullptr, outGroup};
      const int words = K::words(t.m, outGroup);
      std::vector<Word> y(static_cast<size_t>(t.n) * oh * ow * words,
                          poison<Word>());
      K::conv2dBits(&p, xb.data(), wb.data(), &e, y.data());
      for (int n = 0; n < t.n; ++n)
        for (int oy = 0; oy < oh; ++oy)
          for (int ox = 0; ox < ow; ++ox) {
            const Word *pixel =
                y.data() +
                ((static_cast<size_t>(n) * oh + oy) * ow + ox) * words;
            ASSERT_TRUE((tailsAreZero<Bits>(pixel, t.m, outGroup)));
            for (int o = 0; o < t.m; ++o) {
              const int32_t dot =
                  expected[((static_cast<size_t>(n) * t.m + o) * oh + oy) * ow +
                           ox];
              const bool bit =
                  thresholdBit(dot, d.threshold[o], withFlip ? d.flip[o] : 0);
              ASSERT_EQ((packedValue<Bits>(pixel, o, t.m, outGroup)),
                        bit ? -1 : 1)
                  << "bits, out_group " << outGroup << ", n " << n << " o " << o
                  << " at " << oy << "," << ox;
            }
          }
    }
  }
}

class BinaryConv2d : public testing::TestWithParam<ConvCase> {};

TEST_P(BinaryConv2d, MatchesReference) {
  const ConvCase &t = GetParam();
  if (t.bits == 32)
    checkConv<32>(t);
  else
    checkConv<64>(t);
}

/// Every kernel size x stride x dilation x group kind x word width, twice,
/// each with a channel count, padding and batch drawn round-robin from lists
/// (list lengths are coprime-ish with the geometry count), so every list
/// value meets several geometries.
std::vector<ConvCase> geometrySweep() {
  const int channelsPerGroup[] = {1, 3, 16, 31, 32, 33, 64, 65, 100};
  const int depthwiseChannels[] = {1, 3, 8, 33, 70};
  const int outPerGroup[] = {1, 4, 9, 33};
  const int pads[][4] = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2},
                         {1, 0, 2, 1}, {0, 2, 1, 0}, {2, 1, 0, 2}};
  std::vector<ConvCase> cases;
  std::set<std::string> names;
  int i = 0;
  for (int round = 0; round < 2; ++round)
    for (int bits : {32, 64})
      for (int k : {1, 3, 5})
        for (int s : {1, 2})
          for (int dil : {1, 2})
            for (int groupKind : {1, 2, 0}) { // 0 = depthwise
              ConvCase t{};
              t.bits = bits;
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

/// Channel tails: K = 9 * C for C around the word sizes.
std::vector<ConvCase> channelSweep() {
  std::vector<ConvCase> cases;
  for (int bits : {32, 64})
    for (int c : {1, 7, 31, 32, 33, 63, 64, 65, 100, 130, 257}) {
      ConvCase t{};
      t.bits = bits;
      t.n = 2, t.c = c, t.h = 5, t.w = 4, t.m = c > 64 ? 5 : 35;
      t.kh = t.kw = 3;
      t.sh = t.sw = t.dh = t.dw = t.group = 1;
      t.pt = t.pl = t.pb = t.pr = 1;
      cases.push_back(t);
    }
  return cases;
}

/// Padding with a +-1 constant (a folded Pad) instead of ONNX zeros.
std::vector<ConvCase> padValueSweep() {
  std::vector<ConvCase> cases;
  for (int bits : {32, 64})
    for (int padValue : {1, -1})
      for (int group : {1, 2, 6}) {
        ConvCase t{};
        t.bits = bits;
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

std::string convName(const testing::TestParamInfo<ConvCase> &info) {
  return info.param.name();
}

INSTANTIATE_TEST_SUITE_P(Geometry, BinaryConv2d,
                         testing::ValuesIn(geometrySweep()), convName);
INSTANTIATE_TEST_SUITE_P(ChannelTails, BinaryConv2d,
                         testing::ValuesIn(channelSweep()), convName);
INSTANTIATE_TEST_SUITE_P(PadValue, BinaryConv2d,
                         testing::ValuesIn(padValueSweep()), convName);

// BatchNorm + sign fused into thresholds writes exactly the bits that the
// float epilogue followed by the binarizer and packing would. Dyadic
// scale/bias keep the float epilogue exact, so the two paths must agree on
// every bit, including exact ties (y = 0 -> +1) and scale <= 0.
template <int Bits> void checkFusedBatchNormSign() {
  using K = Kernels<Bits>;
  using Word = typename K::Word;
  ConvCase t{};
  t.bits = Bits;
  t.n = 2, t.c = 40, t.h = 6, t.w = 7, t.m = 70, t.kh = t.kw = 3;
  t.sh = t.sw = t.dh = t.dw = t.group = 1;
  t.pt = t.pl = t.pb = t.pr = 1;
  Rng rng(99);
  const std::vector<float> xf =
      randomActivations(rng, static_cast<size_t>(t.n) * t.c * t.h * t.w);
  const std::vector<float> wf =
      randomActivations(rng, static_cast<size_t>(t.m) * t.c * 9);
  const bnnc_bpack_params xp = {t.n, t.c, t.h, t.w, 1};
  std::vector<Word> xb(static_cast<size_t>(t.n) * t.h * t.w * K::words(t.c, 1));
  K::pack(&xp, xf.data(), xb.data());
  const bnnc_bweights_params wp = {t.m, t.c, 3, 3};
  std::vector<Word> wb(static_cast<size_t>(t.m) * 9 * K::words(t.c, 1));
  K::packWeights(&wp, wf.data(), wb.data());

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
  const bnnc_bconv2d_params p = t.params(0);
  const size_t outCount = static_cast<size_t>(t.n) * t.m * t.oh() * t.ow();
  std::vector<float> yFloat(outCount);
  const bnnc_bfloat_epilogue fe = {scale.data(), bias.data(), BNNC_BACT_NONE,
                                   nullptr,      0.0f,        0.0f};
  K::conv2dFloat(&p, xb.data(), wb.data(), &fe, yFloat.data());
  const bnnc_bpack_params yp = {t.n, t.m, t.oh(), t.ow(), 1};
  std::vector<Word> viaFloat(static_cast<size_t>(t.n) * t.oh() * t.ow() *
                             K::words(t.m, 1));
  K::pack(&yp, yFloat.data(), viaFloat.data());
  std::vector<Word> fused(viaFloat.size(), poison<Word>());
  const bnnc_bbits_epilogue be = {threshold.data(), flip.data(), 1};
  K::conv2dBits(&p, xb.data(), wb.data(), &be, fused.data());
  for (size_t i = 0; i < fused.size(); ++i)
    ASSERT_EQ(fused[i], viaFloat[i]) << "word " << i;
}

TEST(BinaryConv2dFused, BatchNormSignWord32) { checkFusedBatchNormSign<32>(); }
TEST(BinaryConv2dFused, BatchNormSignWord64) { checkFusedBatchNormSign<64>(); }

// Two binary layers back to back: the first writes packed bits in the
// second's grouped layout, the second reads them directly.
template <int Bits> void checkChainedLayers() {
  using K = Kernels<Bits>;
  using Word = typename K::Word;
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
  std::vector<Word> xb(n * h * w * K::words(c, 1));
  K::pack(&xp, xf.data(), xb.data());
  const bnnc_bweights_params wp1 = {m1, c, 3, 3}, wp2 = {m2, m1 / group2, 3, 3};
  std::vector<Word> w1(m1 * 9 * K::words(c, 1)),
      w2(m2 * 9 * K::words(m1 / group2, 1));
  K::packWeights(&wp1, w1f.data(), w1.data());
  K::packWeights(&wp2, w2f.data(), w2.data());

  // Layer 1 (3x3, pad 1) -> packed bits in 2 groups -> layer 2 (3x3, g 2).
  const bnnc_bconv2d_params p1 = {n, c, h, w, m1, 3, 3, h, w,
                                  1, 1, 1, 1, 1,  1, 1, 0, 0};
  const bnnc_bbits_epilogue e1 = {threshold.data(), flip.data(), group2};
  std::vector<Word> mid(n * h * w * K::words(m1, group2));
  K::conv2dBits(&p1, xb.data(), w1.data(), &e1, mid.data());
  const bnnc_bconv2d_params p2 = {n, m1, h, w, m2, 3, 3,      h - 2, w - 2,
                                  1, 1,  0, 0, 1,  1, group2, 0,     0};
  std::vector<int32_t> y((size_t)n * m2 * (h - 2) * (w - 2));
  K::conv2dRaw(&p2, mid.data(), w2.data(), y.data());

  // Reference: the same two layers on +-1 integers.
  ConvCase t1{Bits, n, c, h, w, m1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
  ConvCase t2{Bits, n, m1, h, w, m2, 3, 3, 1, 1, 1, 1, group2, 0, 0, 0, 0, 0};
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
  size_t i = 0;
  for (int in = 0; in < n; ++in)
    for (int o = 0; o < m2; ++o)
      for (int oy = 0; oy < h - 2; ++oy)
        for (int ox = 0; ox < w - 2; ++ox, ++i)
          ASSERT_EQ(y[i], referenceConv(t2, midRef, w2i, in, o, oy, ox))
              << "n " << in << " o " << o << " at " << oy << "," << ox;
}

TEST(BinaryConv2dChained, Word32) { checkChainedLayers<32>(); }
TEST(BinaryConv2dChained, Word64) { checkChainedLayers<64>(); }

//===----------------------------------------------------------------------===//
// Conv1d
//===----------------------------------------------------------------------===//

struct Conv1dCase {
  int bits, n, c, l, m, k, stride, padLeft, padRight, dilation, group;
  int padValue;
  int ol() const {
    return (l + padLeft + padRight - dilation * (k - 1) - 1) / stride + 1;
  }
  std::string name() const {
    return "n" + std::to_string(n) + "_c" + std::to_string(c) + "_l" +
           std::to_string(l) + "_m" + std::to_string(m) + "_k" +
           std::to_string(k) + "_s" + std::to_string(stride) + "_p" +
           std::to_string(padLeft) + std::to_string(padRight) + "_d" +
           std::to_string(dilation) + "_g" + std::to_string(group) + "_pv" +
           (padValue < 0 ? "m1" : std::to_string(padValue)) + "_w" +
           std::to_string(bits);
  }
};

template <int Bits> void checkConv1d(const Conv1dCase &t) {
  using K = Kernels<Bits>;
  using Word = typename K::Word;
  Rng rng(seedOf(t.name()));
  const int cg = t.c / t.group, ol = t.ol();
  ASSERT_GT(ol, 0);
  const std::vector<float> xf = randomActivations(rng, t.n * t.c * t.l);
  const std::vector<float> wf = randomActivations(rng, t.m * cg * t.k);
  const bnnc_bpack_params xp = {t.n, t.c, 1, t.l, t.group};
  std::vector<Word> xb(t.n * t.l * K::words(t.c, t.group));
  K::pack(&xp, xf.data(), xb.data());
  const bnnc_bweights_params wp = {t.m, cg, 1, t.k};
  std::vector<Word> wb(t.m * t.k * K::words(cg, 1));
  K::packWeights(&wp, wf.data(), wb.data());

  // The 2-D reference with h = kh = 1 is the 1-D definition.
  const ConvCase t2{Bits,    t.n, t.c,       1,        t.l,        t.m,
                    1,       t.k, 1,         t.stride, 1,          t.dilation,
                    t.group, 0,   t.padLeft, 0,        t.padRight, t.padValue};
  const std::vector<int8_t> x = binarizeAll(xf), w = binarizeAll(wf);
  Rng epi(5);
  const EpilogueData d(epi, t.m, t.k * cg);
  for (int channelsLast : {0, 1}) {
    const bnnc_bconv1d_params p = {
        t.n,      t.c,       t.l,        t.m,     t.k,        ol,
        t.stride, t.padLeft, t.dilation, t.group, t.padValue, channelsLast};
    std::vector<int32_t> raw(t.n * t.m * ol);
    std::vector<float> fl(raw.size());
    std::vector<Word> bits(t.n * ol * K::words(t.m, 1), poison<Word>());
    const bnnc_bfloat_epilogue fe = {
        d.scale.data(), d.bias.data(), BNNC_BACT_PRELU, d.slope.data(), 0, 0};
    const bnnc_bbits_epilogue be = {d.threshold.data(), d.flip.data(), 1};
    K::conv1dRaw(&p, xb.data(), wb.data(), raw.data());
    K::conv1dFloat(&p, xb.data(), wb.data(), &fe, fl.data());
    K::conv1dBits(&p, xb.data(), wb.data(), &be, bits.data());
    for (int n = 0; n < t.n; ++n)
      for (int o = 0; o < t.m; ++o)
        for (int ox = 0; ox < ol; ++ox) {
          const int32_t dot = referenceConv(t2, x, w, n, o, 0, ox);
          const size_t at =
              channelsLast ? (n * ol + ox) * t.m + o : (n * t.m + o) * ol + ox;
          ASSERT_EQ(raw[at], dot) << "n " << n << " o " << o << " x " << ox;
          ASSERT_EQ(bitsOf(fl[at]), bitsOf(referenceEpilogue(dot, fe, o)));
          const Word *pixel = bits.data() + (n * ol + ox) * K::words(t.m, 1);
          ASSERT_EQ((packedValue<Bits>(pixel, o, t.m, 1)),
                    thresholdBit(dot, d.threshold[o], d.flip[o]) ? -1 : 1);
        }
  }
}

class BinaryConv1d : public testing::TestWithParam<Conv1dCase> {};

TEST_P(BinaryConv1d, MatchesReference) {
  if (GetParam().bits == 32)
    checkConv1d<32>(GetParam());
  else
    checkConv1d<64>(GetParam());
}

std::vector<Conv1dCase> conv1dSweep() {
  std::vector<Conv1dCase> cases;
  // bits filled in below: {n, c, l, m, k, stride, padL, padR, dil, group, pv}
  const int shapes[][11] = {
      {1, 1, 9, 3, 1, 1, 0, 0, 1, 1, 0},
      {2, 40, 16, 8, 3, 1, 1, 1, 1, 1, 0},
      {2, 64, 15, 33, 5, 2, 2, 1, 1, 1, 0},
      {1, 65, 20, 4, 3, 1, 2, 2, 2, 1, 0},
      {3, 10, 12, 10, 5, 1, 2, 2, 1, 10, 0}, // depthwise, as in BiFSMN's DFSMN
      {2, 66, 11, 6, 3, 2, 0, 1, 2, 2, 0},
      {2, 33, 9, 5, 3, 1, 1, 0, 1, 1, 1},
      {2, 33, 9, 5, 5, 1, 2, 2, 1, 1, -1}};
  for (int bits : {32, 64})
    for (const auto &s : shapes)
      cases.push_back({bits, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7],
                       s[8], s[9], s[10]});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Shapes, BinaryConv1d, testing::ValuesIn(conv1dSweep()),
                         [](const testing::TestParamInfo<Conv1dCase> &info) {
                           return info.param.name();
                         });

//===----------------------------------------------------------------------===//
// Dense
//===----------------------------------------------------------------------===//

struct DenseCase {
  int bits, m, n, k, segments;
  std::string name() const {
    return "m" + std::to_string(m) + "_n" + std::to_string(n) + "_k" +
           std::to_string(k) + "_seg" + std::to_string(segments) + "_w" +
           std::to_string(bits);
  }
};

template <int Bits> void checkDense(const DenseCase &t) {
  using K = Kernels<Bits>;
  using Word = typename K::Word;
  Rng rng(seedOf(t.name()));
  const std::vector<float> af = randomActivations(rng, t.m * t.k);
  const std::vector<float> wf = randomActivations(rng, t.n * t.k);
  const int rowWords = K::words(t.k, t.segments);
  std::vector<Word> ab(t.m * rowWords), wb(t.n * rowWords);
  // A row of k values in `segments` segments is a 1 x segments image of
  // k / segments channels laid out (c, pixel) in NCHW: pack it that way.
  const int seg = t.k / t.segments;
  std::vector<float> at(af.size()), wt(wf.size());
  auto toChannelMajor = [&](const std::vector<float> &rows, int count,
                            std::vector<float> &out) {
    for (int r = 0; r < count; ++r)
      for (int s = 0; s < t.segments; ++s)
        for (int c = 0; c < seg; ++c)
          out[(r * seg + c) * t.segments + s] = rows[r * t.k + s * seg + c];
  };
  toChannelMajor(af, t.m, at);
  toChannelMajor(wf, t.n, wt);
  const bnnc_bpack_params ap = {t.m, seg, 1, t.segments, 1},
                          wp = {t.n, seg, 1, t.segments, 1};
  K::pack(&ap, at.data(), ab.data());
  K::pack(&wp, wt.data(), wb.data());

  std::vector<int32_t> expected(t.m * t.n);
  for (int i = 0; i < t.m; ++i)
    for (int j = 0; j < t.n; ++j) {
      int32_t sum = 0;
      for (int kk = 0; kk < t.k; ++kk)
        sum += binarize(af[i * t.k + kk]) * binarize(wf[j * t.k + kk]);
      expected[i * t.n + j] = sum;
    }

  const bnnc_bdense_params p = {t.m, t.n, t.k, t.segments};
  std::vector<int32_t> raw(t.m * t.n, INT32_MIN);
  K::denseRaw(&p, ab.data(), wb.data(), raw.data());
  ASSERT_EQ(raw, expected);

  const EpilogueData d(rng, t.n, t.k);
  const bnnc_bfloat_epilogue fe = {
      d.scale.data(), d.bias.data(), BNNC_BACT_CLAMP, nullptr, -1.5f, 4.0f};
  std::vector<float> fl(t.m * t.n);
  K::denseFloat(&p, ab.data(), wb.data(), &fe, fl.data());
  for (int i = 0; i < t.m * t.n; ++i)
    ASSERT_EQ(bitsOf(fl[i]),
              bitsOf(referenceEpilogue(expected[i], fe, i % t.n)))
        << "output " << i;

  for (int outGroup : {1, t.n % 5 == 0 ? 5 : 1}) {
    const bnnc_bbits_epilogue be = {d.threshold.data(), d.flip.data(),
                                    outGroup};
    const int words = K::words(t.n, outGroup);
    std::vector<Word> bits(t.m * words, poison<Word>());
    K::denseBits(&p, ab.data(), wb.data(), &be, bits.data());
    for (int i = 0; i < t.m; ++i) {
      ASSERT_TRUE((tailsAreZero<Bits>(&bits[i * words], t.n, outGroup)));
      for (int j = 0; j < t.n; ++j)
        ASSERT_EQ((packedValue<Bits>(&bits[i * words], j, t.n, outGroup)),
                  thresholdBit(expected[i * t.n + j], d.threshold[j], d.flip[j])
                      ? -1
                      : 1)
            << "row " << i << " col " << j << " out_group " << outGroup;
    }
  }
}

class BinaryDense : public testing::TestWithParam<DenseCase> {};

TEST_P(BinaryDense, MatchesReference) {
  if (GetParam().bits == 32)
    checkDense<32>(GetParam());
  else
    checkDense<64>(GetParam());
}

std::vector<DenseCase> denseSweep() {
  std::vector<DenseCase> cases;
  for (int bits : {32, 64})
    for (int k : {1, 7, 31, 32, 33, 63, 64, 65, 100, 511, 2048})
      for (int segments : {1, 3, 4, 16})
        if (k % segments == 0 && (segments == 1 || k / segments > 1))
          cases.push_back({bits, 3, k % 2 ? 37 : 10, k, segments});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(KSweep, BinaryDense, testing::ValuesIn(denseSweep()),
                         [](const testing::TestParamInfo<DenseCase> &info) {
                           return info.param.name();
                         });

// Flatten -> Gemm after a binary feature map: the packed (H, W, C) pixels are
// one dense row of k = C*H*W in H*W segments, and the ONNX Gemm weights
// [n][C*H*W] (flatten order c, h, w) are an OIHW tensor [n][C][H][W], which
// the weight packer turns into exactly that (h, w, c) segment order.
template <int Bits> void checkFlattenDense() {
  using K = Kernels<Bits>;
  using Word = typename K::Word;
  Rng rng(11);
  const int batch = 3, c = 37, h = 3, w = 4, n = 13, k = c * h * w;
  const std::vector<float> xf = randomActivations(rng, batch * k); // NCHW
  const std::vector<float> wf = randomActivations(rng, n * k);     // [n][k]
  const bnnc_bpack_params xp = {batch, c, h, w, 1};
  std::vector<Word> xb(batch * h * w * K::words(c, 1));
  K::pack(&xp, xf.data(), xb.data());
  const bnnc_bweights_params wp = {n, c, h, w};
  std::vector<Word> wb(n * h * w * K::words(c, 1));
  K::packWeights(&wp, wf.data(), wb.data());
  const bnnc_bdense_params p = {batch, n, k, h * w};
  std::vector<int32_t> y(batch * n);
  K::denseRaw(&p, xb.data(), wb.data(), y.data());
  for (int i = 0; i < batch; ++i)
    for (int j = 0; j < n; ++j) {
      int32_t sum = 0;
      for (int kk = 0; kk < k; ++kk) // ONNX Flatten order
        sum += binarize(xf[i * k + kk]) * binarize(wf[j * k + kk]);
      ASSERT_EQ(y[i * n + j], sum) << "row " << i << " col " << j;
    }
}

TEST(BinaryDenseFlatten, Word32) { checkFlattenDense<32>(); }
TEST(BinaryDenseFlatten, Word64) { checkFlattenDense<64>(); }

//===----------------------------------------------------------------------===//
// Max pool
//===----------------------------------------------------------------------===//

struct PoolCase {
  int bits, n, c, h, w, group, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  int oh() const { return (h + pt + pb - dh * (kh - 1) - 1) / sh + 1; }
  int ow() const { return (w + pl + pr - dw * (kw - 1) - 1) / sw + 1; }
  std::string name() const {
    auto s = [](int v) { return std::to_string(v); };
    return "n" + s(n) + "_c" + s(c) + "_" + s(h) + "x" + s(w) + "_g" +
           s(group) + "_k" + s(kh) + "x" + s(kw) + "_s" + s(sh) + "x" + s(sw) +
           "_d" + s(dh) + "x" + s(dw) + "_p" + s(pt) + s(pl) + s(pb) + s(pr) +
           "_w" + s(bits);
  }
};

/// bmaxpool2d, or with `mixed` bminmaxpool2d with a random or_mask: channels
/// whose mask bit is set pool with the minimum (an empty window is +inf
/// there, binarized to +1).
template <int Bits> void checkMaxPool(const PoolCase &t, bool mixed) {
  using K = Kernels<Bits>;
  using Word = typename K::Word;
  Rng rng(seedOf(t.name() + (mixed ? "_mixed" : "")));
  const int oh = t.oh(), ow = t.ow(), words = K::words(t.c, t.group);
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
      orMask[(c / cg) * wg + j / Bits] |= Word(1) << (j % Bits);
    }
  std::vector<float> xf(t.n * t.c * t.h * t.w);
  for (size_t i = 0; i < xf.size(); ++i) {
    const int c = static_cast<int>(i / (t.h * t.w)) % t.c;
    const float common = isMin[c] ? 1.0f : -1.0f;
    xf[i] = rng.range(0, 3) ? common : rng.activation();
  }
  const bnnc_bpack_params xp = {t.n, t.c, t.h, t.w, t.group};
  std::vector<Word> xb(t.n * t.h * t.w * words);
  K::pack(&xp, xf.data(), xb.data());
  const bnnc_bpool2d_params p = {t.n,  t.c,  t.h,  t.w,  t.group,
                                 oh,   ow,   t.kh, t.kw, t.sh,
                                 t.sw, t.pt, t.pl, t.dh, t.dw};
  std::vector<Word> y(t.n * oh * ow * words, poison<Word>());
  if (mixed)
    K::minmaxpool(&p, orMask.data(), xb.data(), y.data());
  else
    K::maxpool(&p, xb.data(), y.data());
  for (int n = 0; n < t.n; ++n)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        const Word *pixel = y.data() + ((n * oh + oy) * ow + ox) * words;
        ASSERT_TRUE((tailsAreZero<Bits>(pixel, t.c, t.group)));
        for (int c = 0; c < t.c; ++c) {
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
          ASSERT_EQ((packedValue<Bits>(pixel, c, t.c, t.group)), best)
              << "n " << n << " c " << c << " at " << oy << "," << ox
              << (isMin[c] ? " (min)" : " (max)");
        }
      }
}

class BinaryMaxPool : public testing::TestWithParam<PoolCase> {};

TEST_P(BinaryMaxPool, MatchesReference) {
  if (GetParam().bits == 32)
    checkMaxPool<32>(GetParam(), false);
  else
    checkMaxPool<64>(GetParam(), false);
}

TEST_P(BinaryMaxPool, MinMaxMatchesReference) {
  if (GetParam().bits == 32)
    checkMaxPool<32>(GetParam(), true);
  else
    checkMaxPool<64>(GetParam(), true);
}

std::vector<PoolCase> poolSweep() {
  std::vector<PoolCase> cases;
  // {n, c, h, w, group, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr}
  const int shapes[][15] = {
      {1, 1, 4, 4, 1, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0},
      {2, 31, 6, 5, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
      {2, 33, 7, 7, 1, 3, 3, 2, 2, 1, 1, 1, 0, 1, 2},
      {1, 64, 5, 6, 1, 2, 3, 1, 2, 2, 1, 0, 1, 1, 0},
      {2, 100, 6, 6, 2, 3, 2, 2, 1, 1, 2, 1, 1, 0, 1},
      {1, 70, 5, 5, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
      // Dilated windows that lie wholly in the padding at the border.
      {1, 40, 2, 2, 1, 2, 2, 1, 1, 3, 3, 1, 1, 1, 1}};
  for (int bits : {32, 64})
    for (const auto &s : shapes)
      cases.push_back({bits, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7],
                       s[8], s[9], s[10], s[11], s[12], s[13], s[14]});
  return cases;
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
