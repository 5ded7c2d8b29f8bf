//===- CortexMKernelsTest.cpp - bnnc/kernels_cortexm.h vs the generic ----===//
//
// The Cortex-M kernels must give exactly the generic kernels' results (the
// generic kernels are checked against naive +-1 math in
// BinaryKernelsTest.cpp). The Harley-Seal and short-dot popcounts are checked
// word count by word count against a bit loop (every block/half-block/pair/
// odd-word path; every 3-word-group tail, one and two filters at a time),
// the integer sign bit against v < 0 on the float edge cases, and the
// convolution over a sweep of channel tails, kernel sizes, strides,
// dilations, paddings, output groups, float and threshold epilogues, with
// and without the compile-time tap popcount table. Fixed-seed data.
//
//===----------------------------------------------------------------------===//

#include "bnnc/kernels_cortexm.h"

#include "cortexm_helium_sweep.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace {

uint64_t state = 0x1234567887654321ull;
uint32_t next32() {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return static_cast<uint32_t>((z ^ (z >> 31)) >> 16);
}

int naivePopcount(uint32_t v) {
  int n = 0;
  for (; v; v >>= 1)
    n += v & 1u;
  return n;
}

TEST(CortexMPopcount, SingleWordsMatchABitLoop) {
  const uint32_t special[] = {0u, 1u, 0x80000000u, 0xffffffffu, 0x55555555u,
                              0xaaaaaaaau, 0x0f0f0f0fu, 0x7fffffffu};
  for (uint32_t v : special)
    EXPECT_EQ(bnnc_cm_popcount(v), static_cast<uint32_t>(naivePopcount(v)));
  for (int i = 0; i < 10000; ++i) {
    uint32_t v = next32();
    ASSERT_EQ(bnnc_cm_popcount(v), static_cast<uint32_t>(naivePopcount(v)));
  }
}

TEST(CortexMPopcount, HarleySealOverEveryLength) {
  // Lengths 0..70 reach every path: 8-word blocks, the half block, pairs and
  // the odd word; all-ones words drive every counter to its maximum.
  for (int n = 0; n <= 70; ++n)
    for (int pattern = 0; pattern < 3; ++pattern) {
      std::vector<uint32_t> a(n), b(n);
      int expected = 0;
      for (int i = 0; i < n; ++i) {
        a[i] = pattern == 0 ? next32() : 0xffffffffu;
        b[i] = pattern == 2 ? 0u : next32();
        if (pattern == 1)
          b[i] = 0u;
        expected += naivePopcount(a[i] ^ b[i]);
      }
      ASSERT_EQ(bnnc_cm_xor_popcount(a.data(), b.data(), n), expected)
          << "n = " << n << ", pattern " << pattern;
      ASSERT_EQ(bnnc_cm_popcount_words(a.data(), n),
                bnnc_cm_xor_popcount(a.data(), std::vector<uint32_t>(n).data(),
                                     n));
    }
}

TEST(CortexMPopcount, ByteSumOfAnyBytes) {
  // Without USADA8 (the host) the byte sum must not wrap past 255.
  EXPECT_EQ(bnnc_cm_sum_bytes(0u), 0u);
  EXPECT_EQ(bnnc_cm_sum_bytes(0xffffffffu), 1020u);
  EXPECT_EQ(bnnc_cm_sum_bytes(0xf8f8f8f8u), 992u);
  for (int i = 0; i < 10000; ++i) {
    uint32_t v = next32();
    ASSERT_EQ(bnnc_cm_sum_bytes(v), (v & 0xffu) + ((v >> 8) & 0xffu) +
                                        ((v >> 16) & 0xffu) + (v >> 24));
  }
}

TEST(CortexMPopcount, ShortDotsOverEveryLength) {
  // Every short length 0..BNNC_CM_SHORT_DOT_WORDS (3-word groups plus a tail
  // of 0, 1 or 2 words), one and two filters at a time; all-ones x XOR w
  // drives every byte counter to its maximum (8 per word, 248 at 31 words).
  for (int n = 0; n <= BNNC_CM_SHORT_DOT_WORDS; ++n)
    for (int pattern = 0; pattern < 3; ++pattern) {
      std::vector<uint32_t> x(n), w(2 * n);
      int expected[2] = {0, 0};
      for (int i = 0; i < n; ++i)
        x[i] = pattern == 0 ? next32() : 0xffffffffu;
      for (int i = 0; i < 2 * n; ++i) {
        w[i] = pattern == 0 ? next32() : pattern == 1 ? 0u : next32() & 0xffu;
        expected[i / (n ? n : 1)] += naivePopcount(x[i % n] ^ w[i]);
      }
      ASSERT_EQ(bnnc_cm_xor_popcount_short(x.data(), w.data(), n), expected[0])
          << "n = " << n << ", pattern " << pattern;
      int32_t ones[2] = {-1, -1};
      bnnc_cm_xor_popcount_short2(x.data(), w.data(), n, n / 3, n % 3, ones);
      ASSERT_EQ(ones[0], expected[0]) << "n = " << n << ", pattern " << pattern;
      ASSERT_EQ(ones[1], expected[1]) << "n = " << n << ", pattern " << pattern;
    }
}

TEST(CortexMPopcount, ChannelBatchesMatchHarleySeal) {
  // bnnc_cm_xor_popcounts: short lengths in pairs plus an odd last channel,
  // long ones (past BNNC_CM_SHORT_DOT_WORDS) by Harley-Seal.
  for (int n : {1, 2, 3, 9, 18, 25, BNNC_CM_SHORT_DOT_WORDS,
                BNNC_CM_SHORT_DOT_WORDS + 1, 36, 64})
    for (int count = 1; count <= 5; ++count) {
      std::vector<uint32_t> x(n), w(size_t(n) * count);
      for (auto &v : x)
        v = next32();
      for (auto &v : w)
        v = next32();
      std::vector<int32_t> ones(count, -1);
      bnnc_cm_xor_popcounts(x.data(), w.data(), n, count, ones.data());
      for (int j = 0; j < count; ++j)
        ASSERT_EQ(ones[j], bnnc_cm_xor_popcount(x.data(), w.data() + j * n, n))
            << "n = " << n << ", count " << count << ", channel " << j;
    }
}

TEST(CortexMPack, SignBitIsTheBinarizer) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float values[] = {0.0f,   -0.0f, 1.0f,  -1.0f, inf,  -inf,  nan,
                          -nan,   1e-45f, -1e-45f, 3.4e38f, -3.4e38f};
  for (float v : values)
    EXPECT_EQ(bnnc_cm_sign_bit(&v), v < 0.0f ? 1u : 0u) << v;
  for (int i = 0; i < 10000; ++i) {
    uint32_t u = next32() ^ (next32() << 16);
    float v;
    std::memcpy(&v, &u, sizeof v);
    ASSERT_EQ(bnnc_cm_sign_bit(&v), v < 0.0f ? 1u : 0u) << std::hex << u;
  }
}

TEST(CortexMPack, MatchesTheGenericPacking) {
  for (int c : {1, 31, 32, 33, 70})
    for (int group : {1, c % 2 == 0 ? 2 : 1}) {
      bnnc_bpack_params p = {2, c, 3, 4, group};
      std::vector<float> x(2 * c * 12);
      for (float &v : x)
        v = static_cast<float>(static_cast<int>(next32() % 9) - 4) * 0.5f;
      x[0] = -0.0f;
      size_t words = 2 * 12 * bnnc_bwords32(c, group);
      std::vector<uint32_t> ref(words, 0xa5a5a5a5u), got(words, 0x5a5a5a5au);
      bnnc_pack_f32_nchw_to_nhwc32(&p, x.data(), ref.data());
      bnnc_cm_pack_f32_nchw_to_nhwc(&p, x.data(), got.data());
      ASSERT_EQ(got, ref) << "c = " << c << ", group " << group;
    }
}

struct ConvCase {
  int n, c, h, w, m, kh, kw, stride, pad, dilation, outGroup;
};

/// Output size of one axis (ONNX Conv with symmetric padding `pad`).
int outSize(int size, int k, int stride, int pad, int dilation) {
  return (size + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
}

void checkConv(const ConvCase &t, int padValue = 0) {
  bnnc_bconv2d_params p;
  std::memset(&p, 0, sizeof p);
  p.pad_value = padValue;
  p.n = t.n, p.c = t.c, p.h = t.h, p.w = t.w, p.m = t.m, p.kh = t.kh,
  p.kw = t.kw;
  p.oh = outSize(t.h, t.kh, t.stride, t.pad, t.dilation);
  p.ow = outSize(t.w, t.kw, t.stride, t.pad, t.dilation);
  p.stride_h = p.stride_w = t.stride;
  p.pad_top = p.pad_left = t.pad;
  p.dilation_h = p.dilation_w = t.dilation;
  p.group = 1;
  const int wg = (t.c + 31) / 32, taps = t.kh * t.kw;
  auto randomBits = [&](size_t count) {
    std::vector<uint32_t> v(count);
    for (size_t i = 0; i < count; ++i) {
      uint32_t mask = bnnc_bmask32(t.c, static_cast<int32_t>(i % wg));
      v[i] = next32() & mask;
    }
    return v;
  };
  std::vector<uint32_t> x = randomBits(size_t(t.n) * t.h * t.w * wg);
  std::vector<uint32_t> w = randomBits(size_t(t.m) * taps * wg);
  std::vector<int16_t> tapOnes(size_t(t.m) * taps);
  for (size_t i = 0; i < tapOnes.size(); ++i)
    tapOnes[i] = static_cast<int16_t>(
        bnnc_cm_popcount_words(w.data() + i * wg, wg));
  std::vector<float> scale(t.m), bias(t.m);
  std::vector<int32_t> threshold(t.m);
  std::vector<uint8_t> flip(t.m);
  for (int o = 0; o < t.m; ++o) {
    scale[o] = static_cast<float>(next32() % 200) / 64.0f - 1.5f;
    bias[o] = static_cast<float>(next32() % 200) / 16.0f - 6.0f;
    threshold[o] = static_cast<int32_t>(next32() % 41) - 20;
    flip[o] = next32() & 1u;
  }
  bnnc_bfloat_epilogue fe = {scale.data(), bias.data(), BNNC_BACT_RELU,
                             nullptr, 0.0f, 0.0f};
  bnnc_bbits_epilogue be = {threshold.data(), flip.data(), t.outGroup};
  size_t positions = size_t(t.n) * p.oh * p.ow;
  for (const int16_t *table : {(const int16_t *)nullptr,
                               (const int16_t *)tapOnes.data()}) {
    // The epilogue's hoisted paths (scale and bias, none or ReLU) and the
    // general one (no scale, PReLU).
    for (int variant = 0; variant < 3; ++variant) {
      bnnc_bfloat_epilogue e = fe;
      if (variant == 1)
        e.activation = BNNC_BACT_NONE;
      if (variant == 2) {
        e.scale = nullptr;
        e.activation = BNNC_BACT_PRELU;
        e.slope = scale.data();
      }
      std::vector<float> refF(positions * t.m, 7.0f),
          gotF(positions * t.m, -7.0f);
      bnnc_bconv2d32_float(&p, x.data(), w.data(), &e, refF.data());
      bnnc_cm_bconv2d_float(&p, x.data(), w.data(), table, &e, gotF.data());
      for (size_t i = 0; i < refF.size(); ++i)
        ASSERT_EQ(std::memcmp(&refF[i], &gotF[i], sizeof(float)), 0)
            << "float output " << i << ", epilogue " << variant << ": "
            << gotF[i] << " vs " << refF[i];
    }
    size_t outWords = positions * bnnc_bwords32(t.m, t.outGroup);
    std::vector<uint32_t> refB(outWords, 0xa5a5a5a5u),
        gotB(outWords, 0x5a5a5a5au);
    bnnc_bconv2d32_bits(&p, x.data(), w.data(), &be, refB.data());
    bnnc_cm_bconv2d_bits(&p, x.data(), w.data(), table, &be, gotB.data());
    ASSERT_EQ(gotB, refB);
  }
}

TEST(CortexMConv, MatchesTheGenericKernel) {
  int cases = 0;
  for (int c : {1, 5, 32, 33, 64, 100, 257})
    for (int k : {1, 3, 5})
      for (int stride : {1, 2})
        for (int pad : {0, 1, 2})
          for (int dilation : {1, 2}) {
            if (pad >= k || (k == 1 && dilation == 2))
              continue;
            for (int m : {1, 7, 40}) {
              const int outGroup = m == 40 ? 2 : 1;
              ConvCase t = {c < 64 ? 2 : 1, c, 6, 5, m, k, k, stride,
                            pad, dilation, outGroup};
              if (outSize(t.h, k, stride, pad, dilation) < 1 ||
                  outSize(t.w, k, stride, pad, dilation) < 1)
                continue;
              SCOPED_TRACE(testing::Message()
                           << "c=" << c << " k=" << k << " stride=" << stride
                           << " pad=" << pad << " dilation=" << dilation
                           << " m=" << m);
              checkConv(t);
              ++cases;
            }
          }
  EXPECT_GT(cases, 300);
}

TEST(CortexMConv, OnePaddingMatchesTheGenericKernel) {
  // LCE's one-padding (pad_value 1): the padded taps are +1 inputs. The
  // generic kernel adds their weight sums; the Cortex-M one counts them in
  // the full-window popcount of its zero patch words.
  int cases = 0;
  for (int c : {1, 32, 33, 64, 100})
    for (int k : {3, 5})
      for (int stride : {1, 2})
        for (int pad : {1, 2})
          for (int dilation : {1, 2}) {
            if (pad >= k)
              continue;
            ConvCase t = {2, c, 6, 5, 40, k, k, stride, pad, dilation, 2};
            if (outSize(t.h, k, stride, pad, dilation) < 1 ||
                outSize(t.w, k, stride, pad, dilation) < 1)
              continue;
            SCOPED_TRACE(testing::Message()
                         << "one-padding c=" << c << " k=" << k
                         << " stride=" << stride << " pad=" << pad
                         << " dilation=" << dilation);
            checkConv(t, 1);
            ++cases;
          }
  EXPECT_GT(cases, 50);
}

TEST(CortexMConv, DenseAndOneByK) {
  // Dense layers are 1x1 convolutions over a 1x1 image (the contiguous path
  // without a patch copy); 1xK convolutions read their taps in place too.
  for (int c : {1, 31, 32, 256, 800})
    checkConv({3, c, 1, 1, 10, 1, 1, 1, 0, 1, 1});
  for (int c : {8, 64})
    checkConv({2, c, 1, 9, 12, 1, 3, 1, 1, 1, 1});
  // A kernel as wide as the image: rows contiguous.
  checkConv({2, 16, 4, 4, 5, 2, 4, 1, 0, 1, 1});
  // Several 32-channel output words per position, an odd channel count
  // (short dots in pairs plus one), 9- and 18-word 3x3 dots.
  for (int c : {32, 64})
    for (int m : {33, 70})
      checkConv({1, c, 5, 5, m, 3, 3, 1, 1, 1, 1});
}

TEST(CortexMConv, RealConvolutionIsBitIdentical) {
  // Same summation order as bnnc_conv2d_f32, so the same bits (this file is
  // built with -ffp-contract=off, as generated C is under -std=c99).
  int cases = 0;
  for (int c : {1, 3, 4})
    for (int k : {1, 3})
      for (int stride : {1, 2})
        for (int pad : {0, 1})
          for (int dilation : {1, 2})
            for (int group : {1, c == 4 ? 2 : 1}) {
              if (pad >= k)
                continue;
              bnnc_conv2d_params p;
              std::memset(&p, 0, sizeof p);
              p.n = 2, p.c = c, p.h = 7, p.w = 6, p.m = 4, p.kh = k, p.kw = k;
              p.oh = outSize(p.h, k, stride, pad, dilation);
              p.ow = outSize(p.w, k, stride, pad, dilation);
              p.stride_h = p.stride_w = stride;
              p.pad_top = p.pad_left = pad;
              p.dilation_h = p.dilation_w = dilation;
              p.group = group;
              p.relu = cases % 2;
              std::vector<float> x(size_t(p.n) * c * p.h * p.w),
                  w(size_t(p.m) * (c / group) * k * k), bias(p.m);
              for (float &v : x)
                v = static_cast<float>(static_cast<int32_t>(next32())) * 0x1p-31f;
              for (float &v : w)
                v = static_cast<float>(static_cast<int32_t>(next32())) * 0x1p-31f;
              for (float &v : bias)
                v = static_cast<float>(static_cast<int32_t>(next32())) * 0x1p-33f;
              size_t count = size_t(p.n) * p.m * p.oh * p.ow;
              std::vector<float> ref(count, 1.0f), got(count, -1.0f);
              bnnc_conv2d_f32(&p, x.data(), w.data(), bias.data(), ref.data());
              bnnc_cm_conv2d_f32(&p, x.data(), w.data(), bias.data(), got.data());
              ASSERT_EQ(std::memcmp(ref.data(), got.data(), count * sizeof(float)), 0)
                  << "c=" << c << " k=" << k << " stride=" << stride
                  << " pad=" << pad << " dilation=" << dilation
                  << " group=" << group;
              ++cases;
            }
  EXPECT_GT(cases, 40);
}

TEST(CortexMConv, HeliumSweepOnTheHost) {
  // cortexm_helium_sweep.h, which helium-kernels.test runs under QEMU on
  // Cortex-M55 (MVE) and M4/M3: without MVE its kernels are the portable
  // Cortex-M ones, here against the generic kernels once more.
  char msg[512];
  EXPECT_EQ(hsweep_all(0x4e11u, 100, msg, sizeof msg), 0) << msg;
}

} // namespace
