/*
 * bnnc/kernels_cortexm_int8.h - the int8 convolution of the Cortex-M
 * targets (issue 18, docs/int8.md, docs/cortex-m.md): bnn.qconv2d
 * (ONNX ConvInteger/QLinearConv, QDQ Conv and Gemm as 1x1 convolutions,
 * grouped and depthwise convolutions), optionally with the fixed-point
 * requantization of the following bnn.requantize fused in.
 *
 * Bit-exact with bnnc_qconv2d_* (kernels_int8.h). The compiler stores the
 * weights minus their zero point as int16 in the "q4" layout (layouts.h).
 * Per pair of output positions, the kernel writes each position's patch as
 * int16 values x - x_zp (0 for padding), in [-255, 255], then multiplies
 * them with the weights: every product (|.| <= 255 * 255) is exact and the
 * sums wrap modulo 2^32, as the generic kernel's; sums modulo 2^32 do not
 * depend on the order of the terms, so the results are the same for every
 * input, zero point and bias. The requantization, fused or not, is
 * bnnc_cm_requantize: bnnc_requantize_fixed's result for every input, with
 * 32-bit operations in the common case.
 *
 *   With the DSP extension (__ARM_FEATURE_DSP: M4, M7, M33, M55; GCC): the
 *   dot products are inline assembly, SMLAD (two 16x16 products and a
 *   32-bit accumulation, modulo 2^32) on 2 output channels x 2 positions
 *   per block (4 accumulators, the 2 positions' patches interleaved so one
 *   LDM loads 2 pairs of both) and 4 channels x 1 position for a last odd
 *   position (a dense layer of batch 1); 16 patch values per loop iteration
 *   (8 when the padded patch length is not a multiple of 16).
 *   Without it (cortex-m0plus, hosts): the same blocks in C with 16-bit
 *   operands widened once and 32-bit products.
 *
 * Patches longer than bnnc_cm_qpatch_max (layouts.h) use the generic kernel
 * (the compiler decides).
 */
#ifndef BNNC_KERNELS_CORTEXM_INT8_H
#define BNNC_KERNELS_CORTEXM_INT8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bnnc/kernels_int8.h"
#include "bnnc/layouts.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__thumb2__) &&        \
    defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && !defined(BNNC_CM_NO_SMLAD)
#define BNNC_CM_SMLAD 1
#else
#define BNNC_CM_SMLAD 0
#endif

/* The requantization on the FPU (single precision: M4F, M7, M33, M55 with
 * an FPU; GCC inline assembly for VCVTR): bnnc_requantize_fixed's float32
 * operations themselves instead of their integer emulation (about 10
 * instructions per output instead of about 45). Without an FPU (M0+, M3,
 * soft-float builds) the integer code runs. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__thumb2__) &&        \
    defined(__ARM_FP) && (__ARM_FP & 4) && !defined(BNNC_CM_NO_FPU_REQUANTIZE)
#define BNNC_CM_FPU_REQUANTIZE 1
#else
#define BNNC_CM_FPU_REQUANTIZE 0
#endif

/* Small helpers of the per-output epilogue: inlined into their loops. */
#if defined(__GNUC__)
#define BNNC_CM_QINLINE static inline __attribute__((always_inline))
#else
#define BNNC_CM_QINLINE static inline
#endif

typedef struct {
  BNNC_CONV2D_GEOMETRY
  int32_t kp; /* bnnc_layout_q4_kp(cg * kh * kw) */
} bnnc_cm_qconv2d_params;

/* The output: int32 accumulators (mant == NULL), or the requantization of
 * bnnc_requantize_fixed_i32_* per output channel o (mant[o], exp[o], zp[o])
 * into int8 (lo = -128) or uint8 (lo = 0), with relu: y = max(y, zp).
 * scale[o] is the same multiplier as a float, mant[o] * 2^exp[o] (exact:
 * the compiler derives both from the float32 multiplier), which the FPU
 * requantization uses. */
typedef struct {
  const int32_t *mant, *exp, *zp;
  int32_t lo, hi, relu;
  const float *scale;
} bnnc_cm_qepilogue;

/* ---- Dot products -------------------------------------------------------- */

/* Without SMLAD: the int16 element i of a buffer of words (element 2j is
 * the low half of word j on little-endian cores; on big-endian ones both
 * the patches and the weights are read swapped the same way, which leaves
 * every sum of a pair's products unchanged). A halfword load. */
static inline int32_t bnnc_cm_h16(const uint32_t *p, size_t i) {
  int16_t h;
  memcpy(&h, (const unsigned char *)p + 2 * i, sizeof h);
  return h;
}

#if BNNC_CM_SMLAD
/* 4 pairs (8 patch values) of bnnc_cm_qdot_2x2: a0 = position 0's pair
 * j, a1 = position 1's, a2/a3 pair j + 1; w0/w1 channels 0/1. */
#define BNNC_CM_QDOT_2X2_BODY                                                  \
  "ldmia %[x]!, {%[a0], %[a1], %[a2], %[a3]}\n\t"                              \
  "ldrd %[w0], %[w1], [%[w]], #16\n\t"                                        \
  "smlad %[s0], %[a0], %[w0], %[s0]\n\t"                                      \
  "smlad %[s1], %[a0], %[w1], %[s1]\n\t"                                      \
  "smlad %[s2], %[a1], %[w0], %[s2]\n\t"                                      \
  "smlad %[s3], %[a1], %[w1], %[s3]\n\t"                                      \
  "ldrd %[w0], %[w1], [%[w]], #16\n\t"                                        \
  "smlad %[s0], %[a2], %[w0], %[s0]\n\t"                                      \
  "smlad %[s1], %[a2], %[w1], %[s1]\n\t"                                      \
  "smlad %[s2], %[a3], %[w0], %[s2]\n\t"                                      \
  "smlad %[s3], %[a3], %[w1], %[s3]\n\t"                                      \
  "ldmia %[x]!, {%[a0], %[a1], %[a2], %[a3]}\n\t"                              \
  "ldrd %[w0], %[w1], [%[w]], #16\n\t"                                        \
  "smlad %[s0], %[a0], %[w0], %[s0]\n\t"                                      \
  "smlad %[s1], %[a0], %[w1], %[s1]\n\t"                                      \
  "smlad %[s2], %[a1], %[w0], %[s2]\n\t"                                      \
  "smlad %[s3], %[a1], %[w1], %[s3]\n\t"                                      \
  "ldrd %[w0], %[w1], [%[w]], #16\n\t"                                        \
  "smlad %[s0], %[a2], %[w0], %[s0]\n\t"                                      \
  "smlad %[s1], %[a2], %[w1], %[s1]\n\t"                                      \
  "smlad %[s2], %[a3], %[w0], %[s2]\n\t"                                      \
  "smlad %[s3], %[a3], %[w1], %[s3]\n\t"
#define BNNC_CM_QDOT_2X2_OPERANDS                                              \
  : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [x] "+r"(x),  \
    [w] "+r"(w), [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2),              \
    [a3] "=&r"(a3), [w0] "=&r"(w0), [w1] "=&r"(w1)                             \
  : [end] "r"(end)                                                             \
  : "cc", "memory"
#endif

/* acc[2i + c] += sum_k x_i[k] * w_c[k] for positions i = 0, 1 and channels
 * c = 0, 1: x holds the two patches interleaved by pairs (the word of pair
 * j of position i at x[2j + i]), w the q4 block's channels 0, 1 (or 2, 3:
 * w offset by 2 words), pair j at w[4j]. kp is a positive multiple of 8. */
static inline void bnnc_cm_qdot_2x2(const uint32_t *x, const uint32_t *w,
                                    int32_t kp, uint32_t *acc) {
#if BNNC_CM_SMLAD
  register uint32_t a0 __asm__("r8");
  register uint32_t a1 __asm__("r9");
  register uint32_t a2 __asm__("r10");
  register uint32_t a3 __asm__("r11");
  uint32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3], w0, w1;
  const uint32_t *const end = x + kp;
  /* 16 values per iteration when kp allows (24 + 22 instructions per 64
   * MACs), else 8 (24 per 32). */
  if ((kp & 15) == 0)
    __asm__ volatile("1:\n\t" BNNC_CM_QDOT_2X2_BODY BNNC_CM_QDOT_2X2_BODY
                     "cmp %[x], %[end]\n\t"
                     "bne 1b\n\t" BNNC_CM_QDOT_2X2_OPERANDS);
  else
    __asm__ volatile("1:\n\t" BNNC_CM_QDOT_2X2_BODY "cmp %[x], %[end]\n\t"
                     "bne 1b\n\t" BNNC_CM_QDOT_2X2_OPERANDS);
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
#else
  uint32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
  for (int32_t j = 0; j < kp / 2; ++j, x += 2, w += 4) {
    const int32_t x00 = bnnc_cm_h16(x, 0), x01 = bnnc_cm_h16(x, 1);
    const int32_t x10 = bnnc_cm_h16(x, 2), x11 = bnnc_cm_h16(x, 3);
    const int32_t w00 = bnnc_cm_h16(w, 0), w01 = bnnc_cm_h16(w, 1);
    const int32_t w10 = bnnc_cm_h16(w, 2), w11 = bnnc_cm_h16(w, 3);
    s0 += (uint32_t)(x00 * w00);
    s0 += (uint32_t)(x01 * w01);
    s1 += (uint32_t)(x00 * w10);
    s1 += (uint32_t)(x01 * w11);
    s2 += (uint32_t)(x10 * w00);
    s2 += (uint32_t)(x11 * w01);
    s3 += (uint32_t)(x10 * w10);
    s3 += (uint32_t)(x11 * w11);
  }
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
#endif
}

#if BNNC_CM_SMLAD
/* 4 pairs (8 patch values) of bnnc_cm_qdot_1x4: a0/a1 two pairs of the
 * patch, w0..w3 the 4 channels' words of one pair. */
#define BNNC_CM_QDOT_1X4_BODY                                                  \
  "ldrd %[a0], %[a1], [%[x]], #8\n\t"                                         \
  "ldmia %[w]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"                              \
  "smlad %[s0], %[a0], %[w0], %[s0]\n\t"                                      \
  "smlad %[s1], %[a0], %[w1], %[s1]\n\t"                                      \
  "smlad %[s2], %[a0], %[w2], %[s2]\n\t"                                      \
  "smlad %[s3], %[a0], %[w3], %[s3]\n\t"                                      \
  "ldmia %[w]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"                              \
  "smlad %[s0], %[a1], %[w0], %[s0]\n\t"                                      \
  "smlad %[s1], %[a1], %[w1], %[s1]\n\t"                                      \
  "smlad %[s2], %[a1], %[w2], %[s2]\n\t"                                      \
  "smlad %[s3], %[a1], %[w3], %[s3]\n\t"                                      \
  "ldrd %[a0], %[a1], [%[x]], #8\n\t"                                         \
  "ldmia %[w]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"                              \
  "smlad %[s0], %[a0], %[w0], %[s0]\n\t"                                      \
  "smlad %[s1], %[a0], %[w1], %[s1]\n\t"                                      \
  "smlad %[s2], %[a0], %[w2], %[s2]\n\t"                                      \
  "smlad %[s3], %[a0], %[w3], %[s3]\n\t"                                      \
  "ldmia %[w]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"                              \
  "smlad %[s0], %[a1], %[w0], %[s0]\n\t"                                      \
  "smlad %[s1], %[a1], %[w1], %[s1]\n\t"                                      \
  "smlad %[s2], %[a1], %[w2], %[s2]\n\t"                                      \
  "smlad %[s3], %[a1], %[w3], %[s3]\n\t"
#define BNNC_CM_QDOT_1X4_OPERANDS                                              \
  : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [x] "+r"(x),  \
    [w] "+r"(w), [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2),              \
    [w3] "=&r"(w3), [a0] "=&r"(a0), [a1] "=&r"(a1)                             \
  : [end] "r"(end)                                                             \
  : "cc", "memory"
#endif

/* acc[c] += sum_k x[k] * w_c[k] for the 4 channels of a q4 block; x is one
 * patch, a word per pair. kp is a positive multiple of 8. */
static inline void bnnc_cm_qdot_1x4(const uint32_t *x, const uint32_t *w,
                                    int32_t kp, uint32_t *acc) {
#if BNNC_CM_SMLAD
  register uint32_t w0 __asm__("r8");
  register uint32_t w1 __asm__("r9");
  register uint32_t w2 __asm__("r10");
  register uint32_t w3 __asm__("r11");
  uint32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3], a0, a1;
  const uint32_t *const end = x + kp / 2;
  if ((kp & 15) == 0)
    __asm__ volatile("1:\n\t" BNNC_CM_QDOT_1X4_BODY BNNC_CM_QDOT_1X4_BODY
                     "cmp %[x], %[end]\n\t"
                     "bne 1b\n\t" BNNC_CM_QDOT_1X4_OPERANDS);
  else
    __asm__ volatile("1:\n\t" BNNC_CM_QDOT_1X4_BODY "cmp %[x], %[end]\n\t"
                     "bne 1b\n\t" BNNC_CM_QDOT_1X4_OPERANDS);
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
#else
  uint32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
  for (int32_t j = 0; j < kp / 2; ++j, ++x, w += 4) {
    const int32_t x0 = bnnc_cm_h16(x, 0), x1 = bnnc_cm_h16(x, 1);
    s0 += (uint32_t)(x0 * bnnc_cm_h16(w, 0));
    s0 += (uint32_t)(x1 * bnnc_cm_h16(w, 1));
    s1 += (uint32_t)(x0 * bnnc_cm_h16(w, 2));
    s1 += (uint32_t)(x1 * bnnc_cm_h16(w, 3));
    s2 += (uint32_t)(x0 * bnnc_cm_h16(w, 4));
    s2 += (uint32_t)(x1 * bnnc_cm_h16(w, 5));
    s3 += (uint32_t)(x0 * bnnc_cm_h16(w, 6));
    s3 += (uint32_t)(x1 * bnnc_cm_h16(w, 7));
  }
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
#endif
}

/* ---- Requantization ------------------------------------------------------ */

/* round_half_even(x / 2^t) of x < 2^32, t in [1, 31]. */
BNNC_CM_QINLINE uint32_t bnnc_cm_shift_half_even(uint32_t x, int32_t t) {
  const uint32_t q = x >> t, half = 1u << (t - 1), rem = x & ((half << 1) - 1);
  return q + (uint32_t)(rem > half || (rem == half && (q & 1u)));
}

/* bnnc_requantize_fixed (kernels_int8.h) with 32-bit operations for the
 * common case, the same result for every input: |acc| < 2^24 (float(acc)
 * exact) and a multiplier below 1 (exp < 0). The product P = |acc| * mant
 * < 2^48 comes from one 32 x 32 -> 64 multiply; its float32 rounding to 24
 * significant bits drops b = bitlength(P) - 24 <= 24 bits, which lie in
 * the low word, so v = round(P / 2^b) takes two 32-bit shifts; then
 * round(v / 2^t), t = -exp - b, as the reference: t <= 0 means v >= 2^23
 * (saturated either way), t >= 26 gives 0. Other inputs take the
 * reference. */
/* The same for x + 2^(t-1) < 2^32, without tests: adding 2^(t-1) - 1 and
 * the quotient's lowest bit carries into the quotient exactly when the
 * remainder is above one half, or one half and the quotient odd. */
BNNC_CM_QINLINE uint32_t bnnc_cm_shift_half_even_small(uint32_t x, int32_t t) {
  return (x + ((1u << (t - 1)) - 1u) + ((x >> t) & 1u)) >> t;
}

BNNC_CM_QINLINE int32_t bnnc_cm_requantize(int32_t acc, int32_t mant,
                                           int32_t exp, int32_t zp, int32_t lo,
                                           int32_t hi) {
  const uint32_t a = acc < 0 ? 0u - (uint32_t)acc : (uint32_t)acc;
  if (a >= (1u << 24) || exp >= 0)
    return bnnc_requantize_fixed(acc, mant, exp, zp, lo, hi);
  const uint64_t prod = (uint64_t)a * (uint32_t)mant;
  const uint32_t ph = (uint32_t)(prod >> 32), pl = (uint32_t)prod;
  uint32_t v, r;
  int32_t t = -exp;
  if (ph) {
    /* bitlength(P) = 32 + bitlength(ph) in [33, 48]: b in [9, 24]. */
    const int32_t b = bnnc_bit_length_u64(ph) + 8;
    /* round(P / 2^b) as in bnnc_cm_shift_half_even_small, on 64 bits: the
     * sum stays below 2^49 and the quotient below 2^25. */
    const uint64_t sum = prod + ((1u << (b - 1)) - 1u) + ((pl >> b) & 1u);
    v = (uint32_t)(sum >> 32) << (32 - b) | (uint32_t)sum >> b;
    t -= b;
  } else if (pl >= (1u << 24)) {
    const int32_t b = bnnc_bit_length_u64(pl) - 24; /* in [1, 8] */
    v = bnnc_cm_shift_half_even(pl, b);
    t -= b;
  } else {
    v = pl;
  }
  if (t <= 0)
    r = 1u << 30; /* v >= 2^23 shifted left: saturates */
  else if (t >= 26)
    r = 0; /* v < 2^25: below one half */
  else
    r = bnnc_cm_shift_half_even_small(v, t); /* v + 2^24 < 2^32 */
  const int32_t y = (acc < 0 ? -(int32_t)r : (int32_t)r) + zp;
  return y < lo ? lo : (y > hi ? hi : y);
}

#if BNNC_CM_FPU_REQUANTIZE
/* bnnc_requantize_fixed's result computed as its definition says:
 * round_half_even(float(acc) * scale), plus zp, clamped to [lo, hi].
 * VCVT.F32.S32 and VMUL.F32 round to nearest even, as the integer
 * emulation does, and VCVTR.S32.F32 rounds with the FPSCR mode, ties to
 * even: the Cortex-M reset default, which bnnc's float kernels assume too
 * (docs/int8.md). Out-of-range products (and infinities) saturate the
 * conversion, NaN (0 * infinity) converts to 0: both clamp as the
 * emulation's huge or zero results do. The clamp to +-1024 before adding
 * zp (|zp| <= 255) keeps the sum from overflowing. */
BNNC_CM_QINLINE int32_t bnnc_cm_round_clamp_f32(float v, int32_t z, int32_t lo,
                                                int32_t hi) {
  float rounded;
  int32_t r;
  __asm__("vcvtr.s32.f32 %0, %1" : "=t"(rounded) : "t"(v));
  memcpy(&r, &rounded, sizeof r);
  r = (r < -1024 ? -1024 : (r > 1024 ? 1024 : r)) + z;
  return r < lo ? lo : (r > hi ? hi : r);
}
BNNC_CM_QINLINE int32_t bnnc_cm_requantize_f32(int32_t acc, float scale,
                                               int32_t zp, int32_t lo,
                                               int32_t hi) {
  return bnnc_cm_round_clamp_f32((float)acc * scale, zp, lo, hi);
}
#endif

/* bnnc_requantize_fixed_i32_* (kernels_int8.h) with bnnc_cm_requantize:
 * the same interface and results. */
#define BNNC_DEFINE_CM_REQUANTIZE_FIXED(S, T, LO, HI)                          \
  static inline void bnnc_cm_requantize_fixed_i32_##S(                         \
      const bnnc_quant_params *p, const int32_t *acc, const int32_t *mant,     \
      const int32_t *exp, const T *zp, T *y) {                                 \
    size_t i = 0;                                                              \
    for (int32_t o = 0; o < p->outer; ++o)                                     \
      for (int32_t c = 0; c < p->channels; ++c) {                              \
        const int32_t mc = mant[c * p->scale_step];                            \
        const int32_t ec = exp[c * p->scale_step];                             \
        const int32_t z = zp ? (int32_t)zp[c * p->zp_step] : 0;                \
        const int32_t lo = p->relu ? z : LO;                                   \
        BNNC_CM_REQUANTIZE_CHANNEL(mc, ec);                                    \
        for (int32_t k = 0; k < p->inner; ++k, ++i)                            \
          y[i] = (T)BNNC_CM_REQUANTIZE_ONE(acc[i], mc, ec, z, lo, HI);         \
      }                                                                        \
  }
/* Per channel: the FPU path's float multiplier, mant * 2^exp (exact for
 * the compiler's multipliers, which are float32 values; the others are
 * below 2^-126 and give 0 either way). */
#if BNNC_CM_FPU_REQUANTIZE
#define BNNC_CM_REQUANTIZE_CHANNEL(mc, ec)                                     \
  const float sc_ = ldexpf((float)(mc), (ec))
#define BNNC_CM_REQUANTIZE_ONE(acc, mc, ec, z, lo, hi)                         \
  bnnc_cm_requantize_f32((acc), sc_, (z), (lo), (hi))
#else
#define BNNC_CM_REQUANTIZE_CHANNEL(mc, ec) (void)0
#define BNNC_CM_REQUANTIZE_ONE(acc, mc, ec, z, lo, hi)                         \
  bnnc_cm_requantize((acc), (mc), (ec), (z), (lo), (hi))
#endif
BNNC_DEFINE_CM_REQUANTIZE_FIXED(i8, int8_t, -128, 127)
BNNC_DEFINE_CM_REQUANTIZE_FIXED(u8, uint8_t, 0, 255)
#undef BNNC_DEFINE_CM_REQUANTIZE_FIXED
#undef BNNC_CM_REQUANTIZE_CHANNEL
#undef BNNC_CM_REQUANTIZE_ONE

/* bnnc_quantize_f32_* (kernels_int8.h), the same interface and results:
 * on the FPU, round_half_even(x / scale) is VDIV and VCVTR (ties to even
 * in the default rounding mode, as for the requantization), NaN converts
 * to 0 and gives the zero point, as the generic kernel's NaN does, and
 * infinities saturate. TFLite's ties-away rounding and cores without an
 * FPU take the generic kernel. */
#if BNNC_CM_FPU_REQUANTIZE
#define BNNC_CM_QUANTIZE_ONE(v, z, lo, hi, p) bnnc_cm_round_clamp_f32(v, z, lo, hi)
BNNC_DEFINE_QUANTIZE_LOOP(bnnc_cm_quantize_fpu_i8, int8_t, -128, 127,
                          BNNC_CM_QUANTIZE_ONE)
BNNC_DEFINE_QUANTIZE_LOOP(bnnc_cm_quantize_fpu_u8, uint8_t, 0, 255,
                          BNNC_CM_QUANTIZE_ONE)
#undef BNNC_CM_QUANTIZE_ONE
#define BNNC_DEFINE_CM_QUANTIZE(S, T)                                          \
  static inline void bnnc_cm_quantize_f32_##S(const bnnc_quant_params *p,      \
                                              const float *x,                  \
                                              const float *scale, const T *zp, \
                                              T *y) {                          \
    if (p->round_away)                                                         \
      bnnc_quantize_f32_##S(p, x, scale, zp, y);                               \
    else                                                                       \
      bnnc_cm_quantize_fpu_##S(p, x, scale, zp, y);                            \
  }
#else
#define BNNC_DEFINE_CM_QUANTIZE(S, T)                                          \
  static inline void bnnc_cm_quantize_f32_##S(const bnnc_quant_params *p,      \
                                              const float *x,                  \
                                              const float *scale, const T *zp, \
                                              T *y) {                          \
    bnnc_quantize_f32_##S(p, x, scale, zp, y);                                 \
  }
#endif
BNNC_DEFINE_CM_QUANTIZE(i8, int8_t)
BNNC_DEFINE_CM_QUANTIZE(u8, uint8_t)
#undef BNNC_DEFINE_CM_QUANTIZE

/* ---- Convolution --------------------------------------------------------- */

/* The word of two int16 patch values, a in the low half. */
BNNC_CM_QINLINE uint32_t bnnc_cm_pack16(int32_t a, int32_t b) {
  return (uint32_t)(uint16_t)a | (uint32_t)b << 16;
}

/* Largest kh * kw of the packed offset table (at most 256; tests set 0 to
 * run the unpacked path). */
#ifndef BNNC_CM_QPACK_TAPS
#define BNNC_CM_QPACK_TAPS 256
#endif

/* The patch offsets: off[k] = the offset of patch element k = (ci, ky, kx)
 * from the window's top-left input element, shifted left by 8 above the
 * tap index ky * kw + kx ("packed", returned 1) when kh * kw <=
 * BNNC_CM_QPACK_TAPS and every offset is below 2^23; else the plain
 * offsets (returned 0), and border windows test each tap in order. */
static inline int bnnc_cm_qpatch_offsets(const bnnc_cm_qconv2d_params *p,
                                         int32_t *off) {
  const int32_t cg = p->c / p->group, plane = p->h * p->w;
  const int32_t last = (cg - 1) * plane + (p->kh - 1) * p->dilation_h * p->w +
                       (p->kw - 1) * p->dilation_w;
  const int packed = p->kh * p->kw <= BNNC_CM_QPACK_TAPS && last < (1 << 23);
  for (int32_t ci = 0; ci < cg; ++ci)
    for (int32_t ky = 0; ky < p->kh; ++ky)
      for (int32_t kx = 0; kx < p->kw; ++kx) {
        const int32_t o =
            ci * plane + ky * p->dilation_h * p->w + kx * p->dilation_w;
        *off++ = packed ? o * 256 + ky * p->kw + kx : o;
      }
  return packed;
}

/* Whether the layer is dense: one output position whose window is the whole
 * input (the patch is the image, contiguous). Same test as bnnc_qconv2d. */
static inline int bnnc_cm_qdense(const bnnc_cm_qconv2d_params *p) {
  return p->oh == 1 && p->ow == 1 && p->kh == p->h && p->kw == p->w &&
         p->pad_top == 0 && p->pad_left == 0;
}

/* Whether the window of output position (oy, ox) lies inside the image. */
static inline int bnnc_cm_qinside(const bnnc_cm_qconv2d_params *p, int32_t oy,
                                  int32_t ox) {
  const int32_t iy = oy * p->stride_h - p->pad_top;
  const int32_t ix = ox * p->stride_w - p->pad_left;
  return iy >= 0 && ix >= 0 && iy + (p->kh - 1) * p->dilation_h < p->h &&
         ix + (p->kw - 1) * p->dilation_w < p->w;
}

/* The patch of output position (oy, ox) in the image's group xg (cg
 * channels), x - xz and 0 for padding and past cg * kh * kw, as kp / 2
 * words (pairs) at d[0], d[stride], d[2 * stride], ... off, packed: the
 * table of bnnc_cm_qpatch_offsets; off NULL for a dense layer (the patch
 * is the image). */
#define BNNC_DEFINE_CM_QPATCH(XS, XT)                                          \
  static inline void bnnc_cm_qpatch_##XS(                                      \
      const bnnc_cm_qconv2d_params *p, const XT *xg, int32_t xz, int32_t oy,  \
      int32_t ox, const int32_t *off, int packed, uint32_t *d,                 \
      size_t stride) {                                                         \
    const int32_t k = p->c / p->group * p->kh * p->kw;                         \
    const int32_t iy0 = oy * p->stride_h - p->pad_top;                         \
    const int32_t ix0 = ox * p->stride_w - p->pad_left;                        \
    uint32_t *const end = d + (size_t)(p->kp / 2) * stride;                    \
    int32_t j = 0;                                                             \
    if (!off) {                                                                \
      /* Dense: the patch is the image. */                                     \
      for (; j + 1 < k; j += 2, d += stride)                                   \
        *d = bnnc_cm_pack16((int32_t)xg[j] - xz, (int32_t)xg[j + 1] - xz);     \
      if (j < k) {                                                             \
        *d = bnnc_cm_pack16((int32_t)xg[j] - xz, 0);                           \
        d += stride;                                                           \
      }                                                                        \
    } else if (bnnc_cm_qinside(p, oy, ox)) {                                   \
      /* Inside the image: no test per tap. */                                 \
      const XT *b = xg + (size_t)iy0 * (size_t)p->w + (size_t)ix0;             \
      const int32_t sh = packed ? 8 : 0;                                       \
      for (; j + 1 < k; j += 2, d += stride)                                   \
        *d = bnnc_cm_pack16((int32_t)b[off[j] >> sh] - xz,                     \
                            (int32_t)b[off[j + 1] >> sh] - xz);                \
      if (j < k) {                                                             \
        *d = bnnc_cm_pack16((int32_t)b[off[j] >> sh] - xz, 0);                 \
        d += stride;                                                           \
      }                                                                        \
    } else if (packed) {                                                       \
      /* At the border: which taps are inside, then the table. */              \
      unsigned char in[256];                                                   \
      const ptrdiff_t base = (ptrdiff_t)iy0 * p->w + ix0;                      \
      for (int32_t ky = 0, t = 0; ky < p->kh; ++ky) {                          \
        const int32_t iy = iy0 + ky * p->dilation_h;                           \
        for (int32_t kx = 0; kx < p->kw; ++kx, ++t) {                          \
          const int32_t ix = ix0 + kx * p->dilation_w;                         \
          in[t] = iy >= 0 && iy < p->h && ix >= 0 && ix < p->w;                \
        }                                                                      \
      }                                                                        \
      for (; j < k; j += 2, d += stride) {                                     \
        const int32_t e0 = off[j];                                             \
        const int32_t v0 =                                                     \
            in[e0 & 255] ? (int32_t)xg[base + (e0 >> 8)] - xz : 0;             \
        int32_t v1 = 0;                                                        \
        if (j + 1 < k) {                                                       \
          const int32_t e1 = off[j + 1];                                       \
          v1 = in[e1 & 255] ? (int32_t)xg[base + (e1 >> 8)] - xz : 0;          \
        }                                                                      \
        *d = bnnc_cm_pack16(v0, v1);                                           \
      }                                                                        \
    } else {                                                                   \
      /* At the border, huge layers: every tap tested in order. */            \
      const int32_t cg = p->c / p->group;                                      \
      const size_t plane = (size_t)p->h * (size_t)p->w;                        \
      int32_t low = 0, half = 0;                                               \
      for (int32_t ci = 0; ci < cg; ++ci) {                                    \
        const XT *xc = xg + (size_t)ci * plane;                                \
        for (int32_t ky = 0; ky < p->kh; ++ky) {                               \
          const int32_t iy = iy0 + ky * p->dilation_h;                         \
          const int row = iy >= 0 && iy < p->h;                                \
          const XT *xr = xc + (size_t)(row ? iy : 0) * (size_t)p->w;           \
          for (int32_t kx = 0; kx < p->kw; ++kx) {                             \
            const int32_t ix = ix0 + kx * p->dilation_w;                       \
            const int32_t v =                                                  \
                row && ix >= 0 && ix < p->w ? (int32_t)xr[ix] - xz : 0;        \
            if (half) {                                                        \
              *d = bnnc_cm_pack16(low, v);                                     \
              d += stride;                                                     \
            }                                                                  \
            low = v;                                                           \
            half = !half;                                                      \
          }                                                                    \
        }                                                                      \
      }                                                                        \
      if (half) {                                                              \
        *d = bnnc_cm_pack16(low, 0);                                           \
        d += stride;                                                           \
      }                                                                        \
    }                                                                          \
    for (; d < end; d += stride)                                               \
      *d = 0;                                                                  \
  }
BNNC_DEFINE_CM_QPATCH(i8, int8_t)
BNNC_DEFINE_CM_QPATCH(u8, uint8_t)
#undef BNNC_DEFINE_CM_QPATCH

/* The patches of two output positions, interleaved word by word from d:
 * when both windows are inside the image one pass over the offset table
 * reads both, else bnnc_cm_qpatch_* for each. */
#define BNNC_DEFINE_CM_QPATCH2(XS, XT)                                         \
  static inline void bnnc_cm_qpatch2_##XS(                                     \
      const bnnc_cm_qconv2d_params *p, const XT *xg0, int32_t oy0,             \
      int32_t ox0, const XT *xg1, int32_t oy1, int32_t ox1, int32_t xz,        \
      const int32_t *off, int packed, uint32_t *d) {                           \
    if (!off || !bnnc_cm_qinside(p, oy0, ox0) ||                               \
        !bnnc_cm_qinside(p, oy1, ox1)) {                                       \
      bnnc_cm_qpatch_##XS(p, xg0, xz, oy0, ox0, off, packed, d, 2);            \
      bnnc_cm_qpatch_##XS(p, xg1, xz, oy1, ox1, off, packed, d + 1, 2);        \
      return;                                                                  \
    }                                                                          \
    const int32_t k = p->c / p->group * p->kh * p->kw;                         \
    const int32_t sh = packed ? 8 : 0;                                         \
    const size_t in_w = (size_t)p->w;                                          \
    const XT *b0 = xg0 + (size_t)(oy0 * p->stride_h - p->pad_top) * in_w +    \
                   (size_t)(ox0 * p->stride_w - p->pad_left);                  \
    const XT *b1 = xg1 + (size_t)(oy1 * p->stride_h - p->pad_top) * in_w +    \
                   (size_t)(ox1 * p->stride_w - p->pad_left);                  \
    uint32_t *const end = d + p->kp;                                           \
    int32_t j = 0;                                                             \
    for (; j + 1 < k; j += 2, d += 2) {                                        \
      const int32_t e0 = off[j] >> sh, e1 = off[j + 1] >> sh;                  \
      d[0] = bnnc_cm_pack16((int32_t)b0[e0] - xz, (int32_t)b0[e1] - xz);       \
      d[1] = bnnc_cm_pack16((int32_t)b1[e0] - xz, (int32_t)b1[e1] - xz);       \
    }                                                                          \
    if (j < k) {                                                               \
      const int32_t e0 = off[j] >> sh;                                         \
      d[0] = bnnc_cm_pack16((int32_t)b0[e0] - xz, 0);                          \
      d[1] = bnnc_cm_pack16((int32_t)b1[e0] - xz, 0);                          \
      d += 2;                                                                  \
    }                                                                          \
    for (; d < end; d += 2)                                                    \
      d[0] = d[1] = 0;                                                         \
  }
BNNC_DEFINE_CM_QPATCH2(i8, int8_t)
BNNC_DEFINE_CM_QPATCH2(u8, uint8_t)
#undef BNNC_DEFINE_CM_QPATCH2

/* The patch of output position t (over n, oy, ox) of group g into d. */
#define BNNC_CM_QPATCH_AT(XS, t, d, stride)                                    \
  do {                                                                         \
    const size_t pt_ = (size_t)(t), n_ = pt_ / positions,                      \
                 r_ = pt_ % positions;                                         \
    bnnc_cm_qpatch_##XS(p, x + (n_ * (size_t)p->c + g * cg) * plane, xz,       \
                        (int32_t)(r_ / out_w), (int32_t)(r_ % out_w), off,     \
                        packed, (d), (stride));                                \
  } while (0)

/* Writes the outputs of channels oc .. oc + left - 1 of one position
 * (two = 0: element index i0, accumulators acc[j]) or of two (two = 1:
 * i0 and i1, acc[j + (j & 2)] and acc[j + (j & 2) + 2], the order of the
 * 2 x 2 blocks), channel j's at + j * positions. ReLU (y = max(y, zp)) is
 * the lower clamp bound zp instead of lo: zp lies in [lo, hi]. */
static inline void bnnc_cm_qstore_block(const bnnc_cm_qepilogue *ep, void *y,
                                        size_t i0, size_t i1, size_t positions,
                                        int32_t oc, size_t left,
                                        const uint32_t *acc, int two) {
  if (!ep->mant) {
    int32_t *const y0 = (int32_t *)y + i0, *const y1 = (int32_t *)y + i1;
    for (size_t j = 0; j < left; ++j) {
      const size_t a = two ? j + (j & 2) : j;
      y0[j * positions] = bnnc_wrap_i32(acc[a]);
      if (two)
        y1[j * positions] = bnnc_wrap_i32(acc[a + 2]);
    }
    return;
  }
  for (size_t j = 0; j < left; ++j) {
    const size_t a = two ? j + (j & 2) : j;
    const int32_t o = oc + (int32_t)j, z = ep->zp[o];
    const int32_t lo = ep->relu ? z : ep->lo, hi = ep->hi;
#if BNNC_CM_FPU_REQUANTIZE
    const float sc = ep->scale[o];
    const int32_t v0 = bnnc_cm_requantize_f32(bnnc_wrap_i32(acc[a]), sc, z, lo, hi);
    const int32_t v1 =
        two ? bnnc_cm_requantize_f32(bnnc_wrap_i32(acc[a + 2]), sc, z, lo, hi)
            : 0;
#else
    const int32_t mc = ep->mant[o], ec = ep->exp[o];
    const int32_t v0 = bnnc_cm_requantize(bnnc_wrap_i32(acc[a]), mc, ec, z, lo, hi);
    const int32_t v1 =
        two ? bnnc_cm_requantize(bnnc_wrap_i32(acc[a + 2]), mc, ec, z, lo, hi)
            : 0;
#endif
    if (ep->lo < 0) {
      ((int8_t *)y)[i0 + j * positions] = (int8_t)v0;
      if (two)
        ((int8_t *)y)[i1 + j * positions] = (int8_t)v1;
    } else {
      ((uint8_t *)y)[i0 + j * positions] = (uint8_t)v0;
      if (two)
        ((uint8_t *)y)[i1 + j * positions] = (uint8_t)v1;
    }
  }
}


/* y = qconv2d(x, w) (+ bias), int32 or requantized (ep). w: the q4 layout
 * of the weights minus their zero point; bias: int32 per output channel or
 * NULL. Output positions are taken in pairs across the batch (a dense
 * layer's batch rows pair up); a last odd one uses the 1 x 4 block.
 * Stack: BNNC_CM_QBUF words (4 KiB) for the two positions' patches and the
 * patch offsets. */
#define BNNC_DEFINE_CM_QCONV2D(XS, XT)                                         \
  static inline void bnnc_cm_qconv2d_##XS(                                     \
      const bnnc_cm_qconv2d_params *p, const XT *x, const XT *x_zp,           \
      const uint32_t *w, const int32_t *bias, const bnnc_cm_qepilogue *ep,     \
      void *y) {                                                               \
    uint32_t buf[BNNC_CM_QBUF];                                                \
    /* Dense: the patches use the whole buffer; otherwise the first half,   \
     * the offsets the second. */                                           \
    uint32_t *const pair = buf;                                                \
    int32_t *const off =                                                       \
        bnnc_cm_qdense(p) ? NULL : (int32_t *)(buf + BNNC_CM_QBUF / 2);        \
    const size_t kp = (size_t)p->kp, m = (size_t)p->m;                         \
    const size_t group = (size_t)p->group, cg = (size_t)p->c / group;         \
    const size_t mg = m / group, blocks = (mg + 3) / 4;                        \
    const size_t plane = (size_t)p->h * (size_t)p->w;                          \
    const size_t out_w = (size_t)p->ow;                                        \
    const size_t positions = (size_t)p->oh * out_w;                            \
    const size_t total = (size_t)p->n * positions;                             \
    const int32_t xz = x_zp ? (int32_t)x_zp[0] : 0;                            \
    const int packed = off ? bnnc_cm_qpatch_offsets(p, off) : 0;              \
    for (size_t g = 0; g < group; ++g) {                                       \
      const uint32_t *wg = w + g * blocks * 2 * kp;                            \
      size_t t = 0;                                                            \
      for (; t + 1 < total; t += 2) {                                          \
        /* The two patches interleaved by pairs of values. */                  \
        {                                                                      \
          const size_t n0 = t / positions, r0 = t % positions;                 \
          const size_t n1 = (t + 1) / positions, r1 = (t + 1) % positions;     \
          bnnc_cm_qpatch2_##XS(                                                \
              p, x + (n0 * (size_t)p->c + g * cg) * plane,                     \
              (int32_t)(r0 / out_w), (int32_t)(r0 % out_w),                    \
              x + (n1 * (size_t)p->c + g * cg) * plane,                        \
              (int32_t)(r1 / out_w), (int32_t)(r1 % out_w), xz, off, packed,   \
              pair);                                                           \
        }                                                                      \
        const size_t i0 = (t / positions * m + g * mg) * positions +           \
                          t % positions;                                       \
        const size_t i1 = ((t + 1) / positions * m + g * mg) * positions +     \
                          (t + 1) % positions;                                 \
        for (size_t b = 0; b < blocks; ++b) {                                  \
          const uint32_t *wb = wg + b * 2 * kp;                                \
          const size_t o = b * 4, left = mg - o < 4 ? mg - o : 4;              \
          /* acc[0..3]: position 0 channels 0, 1, position 1 channels 0, 1; \
           * acc[4..7] the same for channels 2, 3. */                          \
          uint32_t acc[8];                                                     \
          for (size_t j = 0; j < 4; ++j) {                                     \
            const uint32_t bj =                                                \
                bias && j < left ? (uint32_t)bias[g * mg + o + j] : 0u;        \
            acc[(j / 2) * 4 + j % 2] = bj;                                     \
            acc[(j / 2) * 4 + 2 + j % 2] = bj;                                 \
          }                                                                    \
          bnnc_cm_qdot_2x2(pair, wb, (int32_t)kp, acc);                        \
          if (left > 2)                                                        \
            bnnc_cm_qdot_2x2(pair, wb + 2, (int32_t)kp, acc + 4);              \
          bnnc_cm_qstore_block(ep, y, i0 + o * positions,                      \
                               i1 + o * positions, positions,                  \
                               (int32_t)(g * mg + o), left, acc, 1);           \
        }                                                                      \
      }                                                                        \
      if (t < total) {                                                         \
        BNNC_CM_QPATCH_AT(XS, t, pair, 1);                                     \
        const size_t i0 = (t / positions * m + g * mg) * positions +           \
                          t % positions;                                       \
        for (size_t b = 0; b < blocks; ++b) {                                  \
          const size_t o = b * 4, left = mg - o < 4 ? mg - o : 4;              \
          uint32_t acc[4];                                                     \
          for (size_t j = 0; j < 4; ++j)                                       \
            acc[j] = bias && j < left ? (uint32_t)bias[g * mg + o + j] : 0u;   \
          bnnc_cm_qdot_1x4(pair, wg + b * 2 * kp, (int32_t)kp, acc);           \
          bnnc_cm_qstore_block(ep, y, i0 + o * positions, 0, positions,        \
                               (int32_t)(g * mg + o), left, acc, 0);           \
        }                                                                      \
      }                                                                        \
    }                                                                          \
  }
BNNC_DEFINE_CM_QCONV2D(i8, int8_t)
BNNC_DEFINE_CM_QCONV2D(u8, uint8_t)
#undef BNNC_DEFINE_CM_QCONV2D
#undef BNNC_CM_QPATCH_AT

#endif /* BNNC_KERNELS_CORTEXM_INT8_H */
