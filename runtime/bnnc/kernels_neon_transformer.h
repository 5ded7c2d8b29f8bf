/*
 * bnnc/kernels_neon_transformer.h - ARMv8-A NEON kernels of the aarch64
 * target for the float ops of transformers: batched MatMul (A B and A B^T),
 * softmax over the last axis, LayerNorm and GELU (exact and tanh forms);
 * and, bit-identical to the generic target, the packing of [rows, C]
 * activations into bits for the binarized linear layers of a BiBERT-style
 * encoder, the contiguous runs of strided copies (head split and merge) and
 * float Sign.
 *
 * The float kernels are not bit-identical to the portable ones of kernels_f32.h:
 * sums run in 4 lanes (another order), products are fused (FMA), and exp
 * and erfc are the vector approximations below instead of libm's expf and
 * erff. docs/aarch64.md ("Transformer kernels") states each kernel's
 * tolerance; test/unit/NeonTransformerKernelsTest.cpp measures it.
 *
 * Every element goes through the same lane-wise function wherever it sits
 * in a row (tails of 1-3 elements are loaded into a vector, never computed
 * by a scalar twin), so results do not depend on an element's position,
 * only the order of the sums does. All kernels are deterministic.
 */
#ifndef BNNC_KERNELS_NEON_TRANSFORMER_H
#define BNNC_KERNELS_NEON_TRANSFORMER_H

#include <arm_neon.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "bnnc/kernels_f32.h"

/* ---- Partial vectors ---------------------------------------------------- */

/* The first `count` (0-4) floats at p in the low lanes, `fill` elsewhere:
 * the tail of a row, without reading past its end. */
static inline float32x4_t bnnc_neon_load_tail(const float *p, int32_t count,
                                              float fill) {
  float32x4_t v = vdupq_n_f32(fill);
  if (count > 0)
    v = vsetq_lane_f32(p[0], v, 0);
  if (count > 1)
    v = vsetq_lane_f32(p[1], v, 1);
  if (count > 2)
    v = vsetq_lane_f32(p[2], v, 2);
  if (count > 3)
    v = vsetq_lane_f32(p[3], v, 3);
  return v;
}

/* Stores the low `count` (0-4) lanes of v at p. */
static inline void bnnc_neon_store_tail(float *p, int32_t count,
                                        float32x4_t v) {
  if (count > 0)
    p[0] = vgetq_lane_f32(v, 0);
  if (count > 1)
    p[1] = vgetq_lane_f32(v, 1);
  if (count > 2)
    p[2] = vgetq_lane_f32(v, 2);
  if (count > 3)
    p[3] = vgetq_lane_f32(v, 3);
}

/* ---- exp ---------------------------------------------------------------- *
 *
 * e^x = 2^n e^r with n = round(x / ln 2) and r = x - n ln 2 in
 * [-ln2/2, ln2/2], ln 2 split in two floats (hi + lo, Cody-Waite) so that r
 * is accurate to an ulp. e^r is its Taylor polynomial of degree 7: the
 * truncation error is below |r|^8 / 8! < 5.2e-9 relative, under the float
 * rounding of the Horner steps. 2^n is applied as two exponent-field
 * scalings 2^(n/2) 2^(n - n/2), each a normal float for n in [-150, 128],
 * so results that overflow become +inf and results below FLT_MIN become
 * subnormal or 0 as the multiplication rounds them, like expf. x is first
 * clamped to [-110, 89] (e^x rounds to 0 below -103.98, overflows above
 * 88.73; n stays in [-159, 128], so both scalings stay normal floats); FMIN
 * and FMAX propagate NaN, which every later step keeps.
 * Measured (NeonTransformerKernelsTest, 400k points of [-87.3, 88.72]
 * against double exp): at most 0.93 ulp on normal results. */
/* e^x for x in [-170, 89] (n >= -245: both scalings stay normal) or NaN;
 * callers that know their argument's range skip the clamp. */
static inline float32x4_t bnnc_neon_exp_in_range_f32x4(float32x4_t x) {
  const float32x4_t t = vrndnq_f32(vmulq_n_f32(x, 1.44269504088896341f));
  const int32x4_t n = vcvtq_s32_f32(t);
  float32x4_t r = vfmsq_f32(x, t, vdupq_n_f32(0.693147182464599609375f));
  r = vfmsq_f32(r, t, vdupq_n_f32(-1.904654299957768e-09f));
  float32x4_t p = vdupq_n_f32(1.0f / 5040.0f);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 720.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 120.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 24.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 6.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(0.5f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
  const int32x4_t n1 = vshrq_n_s32(n, 1);
  const int32x4_t n2 = vsubq_s32(n, n1);
  const float32x4_t s1 = vreinterpretq_f32_s32(
      vshlq_n_s32(vaddq_s32(n1, vdupq_n_s32(127)), 23));
  const float32x4_t s2 = vreinterpretq_f32_s32(
      vshlq_n_s32(vaddq_s32(n2, vdupq_n_s32(127)), 23));
  return vmulq_f32(vmulq_f32(p, s1), s2);
}

static inline float32x4_t bnnc_neon_exp_f32x4(float32x4_t x) {
  return bnnc_neon_exp_in_range_f32x4(
      vminq_f32(vmaxq_f32(x, vdupq_n_f32(-110.0f)), vdupq_n_f32(89.0f)));
}

/* ---- erfc, erf ----------------------------------------------------------- *
 *
 * erfc(z) for z >= 0 as t exp(-z^2 + P(t)), t = 1 / (1 + z/2), with the
 * degree-9 P of the Chebyshev fit in Numerical Recipes (section 6.2,
 * "erfcc"): relative error below 1.2e-7 for every z >= 0 in exact
 * arithmetic. Its value is the *relative* accuracy of the small tail
 * erfc(z), which is what GELU needs on its negative side (0.5 x erfc(-x/sqrt2)
 * is tiny there and an absolute error would swamp it). z^2 is split into
 * its rounded value and the rounding error (FMA) so that the exponent stays
 * accurate for large z. Measured in float (NeonTransformerKernelsTest):
 * relative error at most 1.3e-6 on [0, 5]. */
static inline float32x4_t bnnc_neon_erfc_nonneg_f32x4(float32x4_t z) {
  /* erfc(z) rounds to 0 from z = 10.06 on; the clamp keeps z^2 finite
   * below (e^(-10.5^2) is 0 in float). */
  z = vminq_f32(z, vdupq_n_f32(10.5f));
  const float32x4_t t = vdivq_f32(vdupq_n_f32(1.0f),
                                  vfmaq_n_f32(vdupq_n_f32(1.0f), z, 0.5f));
  float32x4_t p = vdupq_n_f32(0.17087277f);
  p = vfmaq_f32(vdupq_n_f32(-0.82215223f), p, t);
  p = vfmaq_f32(vdupq_n_f32(1.48851587f), p, t);
  p = vfmaq_f32(vdupq_n_f32(-1.13520398f), p, t);
  p = vfmaq_f32(vdupq_n_f32(0.27886807f), p, t);
  p = vfmaq_f32(vdupq_n_f32(-0.18628806f), p, t);
  p = vfmaq_f32(vdupq_n_f32(0.09678418f), p, t);
  p = vfmaq_f32(vdupq_n_f32(0.37409196f), p, t);
  p = vfmaq_f32(vdupq_n_f32(1.00002368f), p, t);
  p = vfmaq_f32(vdupq_n_f32(-1.26551223f), p, t);
  /* z^2 = zz + lo exactly (FMA); e^(p - zz - lo) = e^(p - zz) (1 - lo) to
   * within lo^2 < 2^-48 zz^2: the rounding of z^2 does not reach the
   * exponent. */
  const float32x4_t zz = vmulq_f32(z, z);
  const float32x4_t lo = vfmaq_f32(vnegq_f32(zz), z, z);
  /* p - zz is in [-111.6, 0] (P(1) = 0, P(t) > -1.27, z <= 10.5). */
  const float32x4_t e = bnnc_neon_exp_in_range_f32x4(vsubq_f32(p, zz));
  return vmulq_f32(t, vfmsq_f32(e, e, lo));
}

/* erf(x) = sign(x) (1 - erfc(|x|)): absolute error at most 3e-7 (measured
 * against erff and double erf); not accurate relative to tiny |x|. */
static inline float32x4_t bnnc_neon_erf_f32x4(float32x4_t x) {
  const float32x4_t e =
      vsubq_f32(vdupq_n_f32(1.0f), bnnc_neon_erfc_nonneg_f32x4(vabsq_f32(x)));
  /* Copy x's sign bit onto 1 - erfc(|x|) >= 0. */
  const uint32x4_t sign = vdupq_n_u32(0x80000000u);
  return vbslq_f32(sign, x, e);
}

/* ---- GELU ----------------------------------------------------------------- */

/* Phi(x) = 0.5 (1 + erf(x / sqrt 2)), the normal CDF: 0.5 erfc(|x|/sqrt 2)
 * for x < 0 (relative accuracy in the tail), 1 - that for x >= 0. */
static inline float32x4_t bnnc_neon_gelu_cdf_f32x4(float32x4_t x) {
  const float32x4_t half_tail = vmulq_n_f32(
      bnnc_neon_erfc_nonneg_f32x4(vmulq_n_f32(vabsq_f32(x),
                                              0.7071067811865476f)),
      0.5f);
  return vbslq_f32(vcltzq_f32(x), half_tail,
                   vsubq_f32(vdupq_n_f32(1.0f), half_tail));
}

/* 0.5 (1 + tanh(u)) = 1 / (1 + e^(-2u)) with u = sqrt(2/pi) (x + 0.044715
 * x^3): the tanh form's factor as a logistic function, accurate relative to
 * its value on both sides (no 1 - 1 cancellation where tanh(u) -> -1). */
static inline float32x4_t bnnc_neon_gelu_tanh_x_cdf_f32x4(float32x4_t x) {
  const float32x4_t x2 = vmulq_f32(x, x);
  const float32x4_t inner = vfmaq_n_f32(vdupq_n_f32(1.0f), x2, 0.044715f);
  /* -2u = -2 sqrt(2/pi) x (1 + 0.044715 x^2) */
  const float32x4_t m2u = vmulq_f32(vmulq_n_f32(x, -1.5957691216057308f), inner);
  const float32x4_t e = bnnc_neon_exp_f32x4(m2u);
  return vdivq_f32(x, vaddq_f32(vdupq_n_f32(1.0f), e));
}

/* y = x Phi(x) (exact form) or x / (1 + e^(-2u)) (tanh form); n elements. */
static inline void bnnc_neon_gelu_f32(size_t n, int32_t tanh_approx,
                                      const float *x, float *y) {
  size_t i = 0;
  if (tanh_approx) {
    for (; i + 4 <= n; i += 4)
      vst1q_f32(y + i, bnnc_neon_gelu_tanh_x_cdf_f32x4(vld1q_f32(x + i)));
  } else {
    for (; i + 4 <= n; i += 4) {
      const float32x4_t v = vld1q_f32(x + i);
      vst1q_f32(y + i, vmulq_f32(v, bnnc_neon_gelu_cdf_f32x4(v)));
    }
  }
  if (i < n) {
    const int32_t rest = (int32_t)(n - i);
    const float32x4_t v = bnnc_neon_load_tail(x + i, rest, 0.0f);
    bnnc_neon_store_tail(y + i, rest,
                         tanh_approx ? bnnc_neon_gelu_tanh_x_cdf_f32x4(v)
                                     : vmulq_f32(v, bnnc_neon_gelu_cdf_f32x4(v)));
  }
}

/* ---- Softmax -------------------------------------------------------------- */

/* Softmax over each of `outer` contiguous rows of n values (the last axis;
 * other axes use the portable kernel): max, e^(x - max) with the vector
 * exp, then one multiplication by 1 / sum. NaN and +-inf give what the
 * portable kernel gives (NaN rows). */
static inline void bnnc_neon_softmax_f32(int32_t outer, int32_t n,
                                         const float *x, float *y) {
  const int32_t body = n & ~3, rest = n - body;
  for (int32_t o = 0; o < outer; ++o) {
    const float *xr = x + (size_t)o * (size_t)n;
    float *yr = y + (size_t)o * (size_t)n;
    float32x4_t vmax = bnnc_neon_load_tail(xr + body, rest, -INFINITY);
    for (int32_t k = 0; k < body; k += 4)
      vmax = vmaxq_f32(vmax, vld1q_f32(xr + k));
    const float32x4_t max = vdupq_n_f32(vmaxvq_f32(vmax));
    float32x4_t sum = vdupq_n_f32(0.0f);
    for (int32_t k = 0; k < body; k += 4) {
      const float32x4_t e = bnnc_neon_exp_f32x4(vsubq_f32(vld1q_f32(xr + k), max));
      vst1q_f32(yr + k, e);
      sum = vaddq_f32(sum, e);
    }
    if (rest) {
      /* Padding lanes hold -inf: e^(-inf - max) = 0 adds nothing. */
      const float32x4_t e = bnnc_neon_exp_f32x4(
          vsubq_f32(bnnc_neon_load_tail(xr + body, rest, -INFINITY), max));
      bnnc_neon_store_tail(yr + body, rest, e);
      sum = vaddq_f32(sum, e);
    }
    const float32x4_t inv = vdupq_n_f32(1.0f / vaddvq_f32(sum));
    for (int32_t k = 0; k < body; k += 4)
      vst1q_f32(yr + k, vmulq_f32(vld1q_f32(yr + k), inv));
    for (int32_t r = 0; r < rest; ++r)
      yr[body + r] *= vgetq_lane_f32(inv, 0);
  }
}

/* ---- LayerNorm ------------------------------------------------------------ */

/* (x - mean) / sqrt(var + eps) * scale[k] (+ bias[k]) over each of `outer`
 * rows of n values, as bnnc_layernorm_f32 with 4-lane sums. */
static inline void bnnc_neon_layernorm_f32(int32_t outer, int32_t n,
                                           const float *x, const float *scale,
                                           const float *bias, float epsilon,
                                           float *y) {
  const int32_t body = n & ~3, rest = n - body;
  for (int32_t o = 0; o < outer; ++o) {
    const float *xr = x + (size_t)o * (size_t)n;
    float *yr = y + (size_t)o * (size_t)n;
    float32x4_t acc = bnnc_neon_load_tail(xr + body, rest, 0.0f);
    for (int32_t k = 0; k < body; k += 4)
      acc = vaddq_f32(acc, vld1q_f32(xr + k));
    const float mean = vaddvq_f32(acc) / (float)n;
    const float32x4_t vmean = vdupq_n_f32(mean);
    /* Padding lanes hold the mean: they add (mean - mean)^2 = 0. */
    float32x4_t d = vsubq_f32(bnnc_neon_load_tail(xr + body, rest, mean), vmean);
    float32x4_t var = vmulq_f32(d, d);
    for (int32_t k = 0; k < body; k += 4) {
      d = vsubq_f32(vld1q_f32(xr + k), vmean);
      var = vfmaq_f32(var, d, d);
    }
    const float inv = 1.0f / sqrtf(vaddvq_f32(var) / (float)n + epsilon);
    for (int32_t k = 0; k < body; k += 4) {
      const float32x4_t norm = vmulq_n_f32(vsubq_f32(vld1q_f32(xr + k), vmean), inv);
      const float32x4_t bv = bias ? vld1q_f32(bias + k) : vdupq_n_f32(0.0f);
      vst1q_f32(yr + k, vfmaq_f32(bv, norm, vld1q_f32(scale + k)));
    }
    if (rest) {
      const float32x4_t norm = vmulq_n_f32(
          vsubq_f32(bnnc_neon_load_tail(xr + body, rest, 0.0f), vmean), inv);
      const float32x4_t bv = bias ? bnnc_neon_load_tail(bias + body, rest, 0.0f)
                                  : vdupq_n_f32(0.0f);
      const float32x4_t sv = bnnc_neon_load_tail(scale + body, rest, 0.0f);
      bnnc_neon_store_tail(yr + body, rest, vfmaq_f32(bv, norm, sv));
    }
  }
}

/* ---- Batched MatMul --------------------------------------------------------- *
 *
 * y[b] = a[b] op(b[b]) with bnnc_matmul_params' broadcast batch (the
 * portable kernel's odometer), op(B) = B ([K, N] rows) or, with trans_b,
 * B^T read from B's [N, K] rows: the q k^T of attention without a copy of
 * k^T. Both variants accumulate in float FMA lanes. */

/* One step of k for the 4 x 8 block of bnnc_neon_matmul_nn_f32: row kk + q
 * of b (two vectors) times lane q of each of the 4 a vectors. */
#define BNNC_NEON_NN_STEP(q)                                                   \
  do {                                                                         \
    const float32x4_t b0 = vld1q_f32(bj + (kk + (q)) * n);                     \
    const float32x4_t b1 = vld1q_f32(bj + (kk + (q)) * n + 4);                 \
    c00 = vfmaq_laneq_f32(c00, b0, a0, q);                                     \
    c01 = vfmaq_laneq_f32(c01, b1, a0, q);                                     \
    c10 = vfmaq_laneq_f32(c10, b0, a1, q);                                     \
    c11 = vfmaq_laneq_f32(c11, b1, a1, q);                                     \
    c20 = vfmaq_laneq_f32(c20, b0, a2, q);                                     \
    c21 = vfmaq_laneq_f32(c21, b1, a2, q);                                     \
    c30 = vfmaq_laneq_f32(c30, b0, a3, q);                                     \
    c31 = vfmaq_laneq_f32(c31, b1, a3, q);                                     \
  } while (0)

/* A 4 x 8 block of y = a b at rows ai (row stride k) and columns bj of b
 * (row stride n), written at yi (row stride n). Per 4 values of k: 4 loads
 * of a, 8 of b and 32 FMAs by lane. */
static inline void bnnc_neon_matmul_block4x8_f32(size_t k, size_t n,
                                                 const float *ai,
                                                 const float *bj, float *yi) {
  float32x4_t c00 = vdupq_n_f32(0.0f), c01 = c00, c10 = c00, c11 = c00;
  float32x4_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const size_t k4 = k & ~(size_t)3;
  for (size_t kk = 0; kk < k4; kk += 4) {
    const float32x4_t a0 = vld1q_f32(ai + kk), a1 = vld1q_f32(ai + k + kk);
    const float32x4_t a2 = vld1q_f32(ai + 2 * k + kk);
    const float32x4_t a3 = vld1q_f32(ai + 3 * k + kk);
    BNNC_NEON_NN_STEP(0);
    BNNC_NEON_NN_STEP(1);
    BNNC_NEON_NN_STEP(2);
    BNNC_NEON_NN_STEP(3);
  }
  /* The last k % 4 values (counted from 0, so the bound is plain to the
   * compiler's loop analysis). */
  for (size_t rest = 0; rest < (k & 3); ++rest) {
    const size_t kk = k4 + rest;
    const float32x4_t b0 = vld1q_f32(bj + kk * n);
    const float32x4_t b1 = vld1q_f32(bj + kk * n + 4);
    c00 = vfmaq_n_f32(c00, b0, ai[kk]);
    c01 = vfmaq_n_f32(c01, b1, ai[kk]);
    c10 = vfmaq_n_f32(c10, b0, ai[k + kk]);
    c11 = vfmaq_n_f32(c11, b1, ai[k + kk]);
    c20 = vfmaq_n_f32(c20, b0, ai[2 * k + kk]);
    c21 = vfmaq_n_f32(c21, b1, ai[2 * k + kk]);
    c30 = vfmaq_n_f32(c30, b0, ai[3 * k + kk]);
    c31 = vfmaq_n_f32(c31, b1, ai[3 * k + kk]);
  }
  vst1q_f32(yi, c00);
  vst1q_f32(yi + 4, c01);
  vst1q_f32(yi + n, c10);
  vst1q_f32(yi + n + 4, c11);
  vst1q_f32(yi + 2 * n, c20);
  vst1q_f32(yi + 2 * n + 4, c21);
  vst1q_f32(yi + 3 * n, c30);
  vst1q_f32(yi + 3 * n + 4, c31);
}

#undef BNNC_NEON_NN_STEP

/* Row i of y = a b, columns [j, j + cols) with cols <= 4. */
static inline void bnnc_neon_matmul_row4_f32(size_t k, size_t n,
                                             const float *ai, const float *bj,
                                             int32_t cols, float *yi) {
  float32x4_t c = vdupq_n_f32(0.0f);
  for (size_t kk = 0; kk < k; ++kk) {
    const float32x4_t bv = cols == 4
                               ? vld1q_f32(bj + kk * n)
                               : bnnc_neon_load_tail(bj + kk * n, cols, 0.0f);
    c = vfmaq_n_f32(c, bv, ai[kk]);
  }
  if (cols == 4)
    vst1q_f32(yi, c);
  else
    bnnc_neon_store_tail(yi, cols, c);
}

/* y[M, N] = a[M, K] b[K, N]: 4 x 8 blocks, then the columns past the last
 * multiple of 8 and the rows past the last multiple of 4 one row x 4
 * columns at a time. */
static inline void bnnc_neon_matmul_nn_f32(size_t m, size_t k, size_t n,
                                           const float *a, const float *b,
                                           float *y) {
  const size_t m4 = m & ~(size_t)3, n8 = n & ~(size_t)7;
  for (size_t i = 0; i < m4; i += 4)
    for (size_t j = 0; j < n8; j += 8)
      bnnc_neon_matmul_block4x8_f32(k, n, a + i * k, b + j, y + i * n + j);
  for (size_t i = 0; i < m; ++i)
    for (size_t j = i < m4 ? n8 : 0; j < n; j += 4)
      bnnc_neon_matmul_row4_f32(k, n, a + i * k, b + j,
                                n - j < 4 ? (int32_t)(n - j) : 4,
                                y + i * n + j);
}

/* The 4 dot products of row a (length k) with rows b0..b3, as one vector:
 * 4-lane FMAs along k, then a pairwise-add tree across the accumulators. */
static inline float32x4_t bnnc_neon_dot4_f32(size_t k, const float *a,
                                             const float *b0, const float *b1,
                                             const float *b2, const float *b3) {
  float32x4_t c0 = vdupq_n_f32(0.0f), c1 = c0, c2 = c0, c3 = c0;
  size_t kk = 0;
  for (; kk + 4 <= k; kk += 4) {
    const float32x4_t av = vld1q_f32(a + kk);
    c0 = vfmaq_f32(c0, av, vld1q_f32(b0 + kk));
    c1 = vfmaq_f32(c1, av, vld1q_f32(b1 + kk));
    c2 = vfmaq_f32(c2, av, vld1q_f32(b2 + kk));
    c3 = vfmaq_f32(c3, av, vld1q_f32(b3 + kk));
  }
  if (kk < k) {
    const int32_t rest = (int32_t)(k - kk);
    const float32x4_t av = bnnc_neon_load_tail(a + kk, rest, 0.0f);
    c0 = vfmaq_f32(c0, av, bnnc_neon_load_tail(b0 + kk, rest, 0.0f));
    c1 = vfmaq_f32(c1, av, bnnc_neon_load_tail(b1 + kk, rest, 0.0f));
    c2 = vfmaq_f32(c2, av, bnnc_neon_load_tail(b2 + kk, rest, 0.0f));
    c3 = vfmaq_f32(c3, av, bnnc_neon_load_tail(b3 + kk, rest, 0.0f));
  }
  return vpaddq_f32(vpaddq_f32(c0, c1), vpaddq_f32(c2, c3));
}

/* y[M, N] = a[M, K] b[N, K]^T: every output a dot product of two rows, 4
 * columns per step; the last 1-3 columns repeat the last row of b and keep
 * the lanes they need. */
static inline void bnnc_neon_matmul_nt_f32(size_t m, size_t k, size_t n,
                                           const float *a, const float *b,
                                           float *y) {
  for (size_t i = 0; i < m; ++i) {
    const float *ai = a + i * k;
    float *yi = y + i * n;
    for (size_t j = 0; j < n; j += 4) {
      const size_t cols = n - j < 4 ? n - j : 4;
      const float *b0 = b + j * k;
      const float *b1 = b + (j + (cols > 1 ? 1 : 0)) * k;
      const float *b2 = b + (j + (cols > 2 ? 2 : 0)) * k;
      const float *b3 = b + (j + (cols > 3 ? 3 : 0)) * k;
      const float32x4_t s = bnnc_neon_dot4_f32(k, ai, b0, b1, b2, b3);
      if (cols == 4)
        vst1q_f32(yi + j, s);
      else
        bnnc_neon_store_tail(yi + j, (int32_t)cols, s);
    }
  }
}

static inline void bnnc_neon_matmul_f32(const bnnc_matmul_params *p,
                                        const float *a, const float *b,
                                        float *y) {
  int32_t index[BNNC_MAX_RANK] = {0};
  size_t ia = 0, ib = 0, batches = 1;
  const size_t m = (size_t)p->m, k = (size_t)p->k, n = (size_t)p->n;
  const size_t a_size = m * k, b_size = k * n;
  for (int32_t d = 0; d < p->batch_rank; ++d)
    batches *= (size_t)p->batch_shape[d];
  for (size_t batch = 0; batch < batches; ++batch) {
    if (p->trans_b)
      bnnc_neon_matmul_nt_f32(m, k, n, a + ia * a_size, b + ib * b_size,
                              y + batch * m * n);
    else
      bnnc_neon_matmul_nn_f32(m, k, n, a + ia * a_size, b + ib * b_size,
                              y + batch * m * n);
    for (int32_t d = p->batch_rank - 1; d >= 0; --d) {
      ia += (size_t)p->a_batch_strides[d];
      ib += (size_t)p->b_batch_strides[d];
      if (++index[d] < p->batch_shape[d])
        break;
      ia -= (size_t)p->a_batch_strides[d] * (size_t)p->batch_shape[d];
      ib -= (size_t)p->b_batch_strides[d] * (size_t)p->batch_shape[d];
      index[d] = 0;
    }
  }
}

/* ---- Copies ---------------------------------------------------------------- */

/* y[0, n) = x[0, n), 4 floats per load and store: the contiguous runs of
 * a strided copy (attention's head split and merge), which the compiler
 * does not vectorize on its own since both sides live in the arena. */
static inline void bnnc_neon_copy_f32(float *y, const float *x, size_t n) {
  const size_t n4 = n & ~(size_t)3;
  for (size_t i = 0; i < n4; i += 4)
    vst1q_f32(y + i, vld1q_f32(x + i));
  /* The last n % 4, counted from 0: a bound gcc's loop analysis sees (a
   * loop continuing from n4 draws a false -Waggressive-loop-optimizations
   * once inlined with constant n). */
  for (size_t r = 0; r < (n & 3); ++r)
    y[n4 + r] = x[n4 + r];
}

/* y[0, n) = x[0], x[stride], x[2 stride], ...: the runs of a strided copy
 * whose output is contiguous but whose input steps (BiBERT's sign(V)^T),
 * 4 lane loads and one store per 4 floats. */
static inline void bnnc_neon_copy_strided_f32(float *y, const float *x,
                                              size_t n, size_t stride) {
  const size_t n4 = n & ~(size_t)3;
  for (size_t i = 0; i < n4; i += 4) {
    const float *xi = x + i * stride;
    float32x4_t v = vld1q_dup_f32(xi);
    v = vld1q_lane_f32(xi + stride, v, 1);
    v = vld1q_lane_f32(xi + 2 * stride, v, 2);
    v = vld1q_lane_f32(xi + 3 * stride, v, 3);
    vst1q_f32(y + i, v);
  }
  for (size_t r = 0; r < (n & 3); ++r)
    y[n4 + r] = x[(n4 + r) * stride];
}

/* ---- Sign ------------------------------------------------------------------- */

/* ONNX Sign of n floats, as the generic target's expression: 1 for x > 0,
 * -1 for x < 0, +0 for +-0, NaN stays NaN. Bit-identical. (BiBERT's float
 * layers that read Sign(C) or Sign(GELU(x)), which can be exactly 0.) */
static inline float32x4_t bnnc_neon_sign_f32x4(float32x4_t v) {
  const float32x4_t zeroed = vbslq_f32(vceqzq_f32(v), vdupq_n_f32(0.0f), v);
  const float32x4_t neg = vbslq_f32(vcltzq_f32(v), vdupq_n_f32(-1.0f), zeroed);
  return vbslq_f32(vcgtzq_f32(v), vdupq_n_f32(1.0f), neg);
}

static inline void bnnc_neon_sign_f32(size_t n, const float *x, float *y) {
  const size_t n4 = n & ~(size_t)3;
  for (size_t i = 0; i < n4; i += 4)
    vst1q_f32(y + i, bnnc_neon_sign_f32x4(vld1q_f32(x + i)));
  if (n4 < n) {
    const int32_t rest = (int32_t)(n - n4);
    bnnc_neon_store_tail(y + n4, rest,
                         bnnc_neon_sign_f32x4(bnnc_neon_load_tail(x + n4, rest, 0.0f)));
  }
}

/* ---- Packing rows -------------------------------------------------------- *
 *
 * The input of a binarized linear layer in a transformer is a [rows, C]
 * tensor (NCHW with h = w = 1): each row's C channels are contiguous, so a
 * word is 32 consecutive floats. Per 4 channels: one load, one compare
 * (all-ones lanes where x < threshold), one AND with the lanes' bit values
 * and one OR; the 4 lanes hold disjoint bits, so their sum (ADDV) is the
 * word. Bit-identical to bnnc_pack_f32_run32: bit = (x < threshold), NaN
 * and -0.0 give 0, tail bits 0. */
static inline void bnnc_neon_pack_rows_f32(int32_t rows, int32_t c,
                                           const float *x,
                                           const float *threshold,
                                           uint32_t *y) {
  const uint32_t lane_bits[4] = {1u, 2u, 4u, 8u};
  const uint32x4_t bit0 = vld1q_u32(lane_bits);
  const int32_t words = (c + 31) / 32, full = c & ~3;
  for (int32_t r = 0; r < rows; ++r) {
    const float *xr = x + (size_t)r * (size_t)c;
    uint32_t *yr = y + (size_t)r * (size_t)words;
    for (int32_t w = 0; w < words; ++w) {
      uint32x4_t acc = vdupq_n_u32(0);
      uint32x4_t bits = bit0; /* bit values of channels g .. g + 3 */
      const int32_t end = 32 * w + 32 < full ? 32 * w + 32 : full;
      int32_t g = 32 * w;
      for (; g < end; g += 4) {
        const float32x4_t t =
            threshold ? vld1q_f32(threshold + g) : vdupq_n_f32(0.0f);
        acc = vorrq_u32(acc, vandq_u32(vcltq_f32(vld1q_f32(xr + g), t), bits));
        bits = vshlq_n_u32(bits, 4);
      }
      if (g < c && g < 32 * w + 32) {
        /* The last c % 4 channels; padding lanes compare 0 < 0: bit 0. */
        const float32x4_t t = threshold
                                  ? bnnc_neon_load_tail(threshold + g, c - g, 0.0f)
                                  : vdupq_n_f32(0.0f);
        const float32x4_t v = bnnc_neon_load_tail(xr + g, c - g, 0.0f);
        acc = vorrq_u32(acc, vandq_u32(vcltq_f32(v, t), bits));
      }
      yr[w] = vaddvq_u32(acc);
    }
  }
}

#endif /* BNNC_KERNELS_NEON_TRANSFORMER_H */
