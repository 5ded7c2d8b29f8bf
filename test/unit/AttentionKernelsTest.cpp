//===- AttentionKernelsTest.cpp - bnnc/kernels_attention.h vs +-1 math ----===//
//
// BiBERT's Bi-Attention kernels against the float definition evaluated on
// unpacked integers: P = [sign(Q) sign(K)^T > 0], C = P sign(V). Results
// are integers and must be equal. Sweeps cover head sizes with and without
// word tails (odd ones too), key counts across word boundaries, and inputs
// built to tie (dot exactly 0, which must give P = 0), all from a
// fixed-seed splitmix64.
//
//===----------------------------------------------------------------------===//

#include "bnnc/kernels_binary.h"

#include "TestRandom.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

using bnnc_test::Rng;

int32_t words(int32_t n) { return (n + 31) / 32; }

/// Rows of +-1 values packed along the row (bit 1 = -1), tail bits 0.
std::vector<uint32_t> packRows(const std::vector<int> &m, int32_t rows,
                               int32_t cols) {
  std::vector<uint32_t> bits(static_cast<size_t>(rows) * words(cols), 0u);
  for (int32_t r = 0; r < rows; ++r)
    for (int32_t c = 0; c < cols; ++c)
      if (m[static_cast<size_t>(r) * cols + c] < 0)
        bits[static_cast<size_t>(r) * words(cols) + c / 32] |= 1u << (c % 32);
  return bits;
}

struct Case {
  int32_t groups, queries, keys, dim;
  bool ties; // K rows copied from Q with half the signs flipped: dot 0
};

void check(const Case &tc, uint64_t seed) {
  Rng rng(seed);
  const int32_t G = tc.groups, L = tc.queries, S = tc.keys, D = tc.dim;
  std::vector<int> q(static_cast<size_t>(G) * L * D),
      k(static_cast<size_t>(G) * S * D), v(static_cast<size_t>(G) * S * D);
  for (int &x : q)
    x = rng.pm1();
  for (int &x : v)
    x = rng.pm1();
  for (int32_t g = 0; g < G; ++g)
    for (int32_t j = 0; j < S; ++j)
      for (int32_t e = 0; e < D; ++e) {
        int &x = k[(static_cast<size_t>(g) * S + j) * D + e];
        // Tie rows: key j equals query j mod L with the first D/2 signs
        // flipped, so for even D their dot is exactly 0.
        if (tc.ties && j % 2 == 0)
          x = q[(static_cast<size_t>(g) * L + j % L) * D + e] *
              (e < D / 2 ? -1 : 1);
        else
          x = rng.pm1();
      }

  // Reference on integers.
  std::vector<int> pRef(static_cast<size_t>(G) * L * S);
  std::vector<float> cRef(static_cast<size_t>(G) * L * D);
  int zeros = 0;
  for (int32_t g = 0; g < G; ++g)
    for (int32_t i = 0; i < L; ++i) {
      for (int32_t j = 0; j < S; ++j) {
        int dot = 0;
        for (int32_t e = 0; e < D; ++e)
          dot += q[(static_cast<size_t>(g) * L + i) * D + e] *
                 k[(static_cast<size_t>(g) * S + j) * D + e];
        zeros += dot == 0;
        pRef[(static_cast<size_t>(g) * L + i) * S + j] = dot > 0;
      }
      for (int32_t e = 0; e < D; ++e) {
        int sum = 0;
        for (int32_t j = 0; j < S; ++j)
          sum += pRef[(static_cast<size_t>(g) * L + i) * S + j] *
                 v[(static_cast<size_t>(g) * S + j) * D + e];
        cRef[(static_cast<size_t>(g) * L + i) * D + e] =
            static_cast<float>(sum);
      }
    }
  if (tc.ties && D % 2 == 0) {
    EXPECT_GT(zeros, 0) << "the tie rows must produce dot products of 0";
  }

  // Kernels.
  std::vector<uint32_t> qb = packRows(q, G * L, D), kb = packRows(k, G * S, D);
  std::vector<int> vt(static_cast<size_t>(G) * D * S);
  for (int32_t g = 0; g < G; ++g)
    for (int32_t j = 0; j < S; ++j)
      for (int32_t e = 0; e < D; ++e)
        vt[(static_cast<size_t>(g) * D + e) * S + j] =
            v[(static_cast<size_t>(g) * S + j) * D + e];
  std::vector<uint32_t> vb = packRows(vt, G * D, S);
  // Poisoned outputs: every word and element must be written.
  std::vector<uint32_t> pb(static_cast<size_t>(G) * L * words(S), 0xdeadbeefu);
  std::vector<float> c(static_cast<size_t>(G) * L * D, -12345.0f);
  bnnc_battn_scores(G, L, S, D, qb.data(), kb.data(), pb.data());
  bnnc_battn_context(G, L, S, D, pb.data(), vb.data(), c.data());

  std::vector<int> pUnpacked(static_cast<size_t>(G) * L * S);
  for (int32_t r = 0; r < G * L; ++r) {
    for (int32_t j = 0; j < S; ++j)
      pUnpacked[static_cast<size_t>(r) * S + j] =
          (pb[static_cast<size_t>(r) * words(S) + j / 32] >> (j % 32)) & 1u;
    for (int32_t j = S; j < words(S) * 32; ++j)
      EXPECT_EQ(
          (pb[static_cast<size_t>(r) * words(S) + j / 32] >> (j % 32)) & 1u, 0u)
          << "tail bit " << j << " of score row " << r;
  }
  EXPECT_EQ(pUnpacked, pRef);
  EXPECT_EQ(c, cRef);
}

TEST(BiAttention, SweepShapes) {
  uint64_t seed = 1;
  for (int32_t dim : {1, 2, 7, 8, 31, 32, 33, 64, 65})
    for (int32_t keys : {1, 3, 31, 32, 33, 70})
      for (bool ties : {false, true})
        check({2, 5, keys, dim, ties}, seed++);
}

TEST(BiAttention, TiesGiveZero) {
  // D = 16, a key equal to the query with 8 signs flipped: dot 0 -> P = 0,
  // and the context counts only the other keys.
  check({1, 4, 8, 16, true}, 99);
  check({3, 12, 12, 64, true}, 100);
}

} // namespace
