/*
 * bnnc/kernels_attention.h - BiBERT's binarized attention (Bi-Attention) as
 * xor/and-popcount kernels (techniques.md sections 2.2 and 3.5).
 *
 * Per group g (batch x head), with L queries, S keys and head size D:
 *   scores   P[i][j] = [ sign(q_i) . sign(k_j) > 0 ]            (bool)
 *   context  C[i][e] = sum_j P[i][j] * sign(v_j)[e]            (integer)
 * which is the float computation
 *   P = (sign(Q) sign(K)^T / sqrt(D) > 0),  C = P sign(V)
 * exactly: the dot of two +-1 vectors of length D is D - 2 popcount(q XOR k),
 * so P[i][j] = 2 popcount(q XOR k) < D (strict: a dot of 0, frequent for
 * even D, gives 0 as BiBERT's 1[S > 0] does); and with the {0,1} row P_i
 * and V's column e as bits n (1 = -1),
 *   C[i][e] = popcount(P_i) - 2 popcount(P_i AND n_e).
 * C is an integer in [-S, S], stored as float for the float layers after it.
 *
 * Layouts (the bit encoding of kernels_binary.h: bit 1 = -1, tail bits 0):
 *   q, k   [G][L or S][words(D)]   rows of sign(Q), sign(K) packed along D
 *   v      [G][D][words(S)]        sign(V) transposed: feature e's column
 *                                   packed along the keys
 *   p      [G][L][words(S)]        score bits packed along the keys
 *   c      [G][L][D]               float
 * Tail bits of p are 0 (no key), so they never count; v's tail bits are 0 as
 * well and P's zeros mask them.
 */
#ifndef BNNC_KERNELS_ATTENTION_H
#define BNNC_KERNELS_ATTENTION_H

#include "bnnc/kernels_binary.h"

#define BNNC_WORDS32(n) (((n) + 31) / 32)

static inline void bnnc_battn_scores(int32_t groups, int32_t queries,
                                     int32_t keys, int32_t dim,
                                     const uint32_t *q, const uint32_t *k,
                                     uint32_t *p) {
  /* Sizes as size_t for the offsets (see runtime.h). */
  const size_t nq = (size_t)queries, nk = (size_t)keys;
  const size_t wd = (size_t)BNNC_WORDS32(dim), ws = (size_t)BNNC_WORDS32(keys);
  for (size_t g = 0; g < (size_t)groups; ++g) {
    const uint32_t *qg = q + g * nq * wd;
    const uint32_t *kg = k + g * nk * wd;
    uint32_t *pg = p + g * nq * ws;
    for (size_t i = 0; i < nq; ++i) {
      const uint32_t *qi = qg + i * wd;
      uint32_t *pi = pg + i * ws;
      for (size_t w = 0; w < ws; ++w)
        pi[w] = 0u;
      for (size_t j = 0; j < nk; ++j) {
        const uint32_t *kj = kg + j * wd;
        int32_t pc = 0;
        for (size_t w = 0; w < wd; ++w)
          pc += bnnc_popcount32(qi[w] ^ kj[w]);
        if (2 * pc < dim)
          pi[j / 32] |= 1u << (j % 32);
      }
    }
  }
}

static inline void bnnc_battn_context(int32_t groups, int32_t queries,
                                      int32_t keys, int32_t dim,
                                      const uint32_t *p, const uint32_t *v,
                                      float *c) {
  const size_t nq = (size_t)queries, nd = (size_t)dim;
  const size_t ws = (size_t)BNNC_WORDS32(keys);
  for (size_t g = 0; g < (size_t)groups; ++g) {
    const uint32_t *pg = p + g * nq * ws;
    const uint32_t *vg = v + g * nd * ws;
    float *cg = c + g * nq * nd;
    for (size_t i = 0; i < nq; ++i) {
      const uint32_t *pi = pg + i * ws;
      int32_t ones = 0;
      for (size_t w = 0; w < ws; ++w)
        ones += bnnc_popcount32(pi[w]);
      for (size_t e = 0; e < nd; ++e) {
        const uint32_t *ve = vg + e * ws;
        int32_t neg = 0;
        for (size_t w = 0; w < ws; ++w)
          neg += bnnc_popcount32(pi[w] & ve[w]);
        cg[i * nd + e] = (float)(ones - 2 * neg);
      }
    }
  }
}

#endif /* BNNC_KERNELS_ATTENTION_H */
