/*
 * bnnc/kernels_int8.h - portable C99 kernels of quantized (int8/uint8)
 * tensors: ONNX QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear,
 * ConvInteger/MatMulInteger (int32 accumulators) and the requantization of
 * QLinearConv/QLinearMatMul (docs/int8.md).
 *
 * Exactness. Rounding is half to even, computed from floorf and exact float
 * subtractions, so it does not depend on the floating-point rounding mode.
 * Every float step is one IEEE float32 operation written in the order of
 * the ONNX definition (requantization: in onnxruntime's order), so the
 * results are bit-exact wherever float expressions are evaluated in float32
 * (FLT_EVAL_METHOD 0: x86-64, aarch64, Cortex-M). The integer sums wrap
 * modulo 2^32 (two's complement int32, computed in uint32_t), so no input
 * value is undefined behaviour.
 */
#ifndef BNNC_KERNELS_INT8_H
#define BNNC_KERNELS_INT8_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "bnnc/kernels_binary.h" /* bnnc_bpack_params, bnnc_bwords32 */
#include "bnnc/kernels_data.h"   /* bnnc_wrap_i32 */
#include "bnnc/kernels_f32.h"    /* bnnc_pool2d_params */
#include "bnnc/runtime.h"

/* ---- Rounding and saturation ------------------------------------------- */

/* round(v), ties to even. v - floorf(v) is exact for |v| >= 0.5 (it is a
 * multiple of ulp(v) below 1); for v in (-0.5, 0) it may round up to 0.5,
 * and the tie rule then picks r + 1 = 0 because r = -1 is odd, which is the
 * right answer. Infinities and NaN pass through. */
static inline float bnnc_round_half_even_f32(float v) {
  float r = floorf(v);
  const float d = v - r;
  if (d > 0.5f || (d == 0.5f && floorf(r * 0.5f) * 2.0f != r))
    r += 1.0f;
  return r;
}

/* saturate(r + zp) to [lo, hi] for an integral (or infinite) float r; NaN
 * gives the zero point. |r| < 2^24 makes r + zp exact, larger |r| saturates
 * either way. */
static inline int32_t bnnc_saturate_q(float r, int32_t zp, int32_t lo,
                                      int32_t hi) {
  if (r != r)
    return zp;
  const float v = r + (float)zp;
  if (v <= (float)lo)
    return lo;
  if (v >= (float)hi)
    return hi;
  return (int32_t)v;
}

/* ---- Quantize, dequantize, requantize ---------------------------------- */

/* The tensor seen as [outer, channels, inner]; a parameter with step 1 has
 * one value per channel, with step 0 one value for the whole tensor. */
typedef struct {
  int32_t outer, channels, inner;
  int32_t scale_step, zp_step;
  int32_t relu; /* requantize: y = max(y, zp), a ReLU before quantization */
  int32_t round_away; /* quantize: ties away from zero (TFLite QUANTIZE) */
} bnnc_quant_params;

/* A quantization kernel NAME over the tensor [outer, channels, inner]:
 * y[i] = ONE(x[i] / s, z, LO, HI, p) with the channel's scale s and zero
 * point z (one float32 division; ONE rounds, adds z and saturates). Shared
 * by bnnc_quantize_f32_* and the targets' kernels of the same results. */
#define BNNC_DEFINE_QUANTIZE_LOOP(NAME, T, LO, HI, ONE)                        \
  static inline void NAME(const bnnc_quant_params *p, const float *x,          \
                          const float *scale, const T *zp, T *y) {             \
    size_t i = 0;                                                              \
    for (int32_t o = 0; o < p->outer; ++o)                                     \
      for (int32_t c = 0; c < p->channels; ++c) {                              \
        const float s = scale[c * p->scale_step];                              \
        const int32_t z = zp ? (int32_t)zp[c * p->zp_step] : 0;                \
        for (int32_t k = 0; k < p->inner; ++k, ++i)                            \
          y[i] = (T)ONE(x[i] / s, z, LO, HI, p);                               \
      }                                                                        \
  }

/* y = saturate(round(x / scale) + zp), ties to even (ONNX) or, with
 * round_away, away from zero (TFLite's QUANTIZE rounds with C's roundf,
 * which is exact in every rounding mode). */
#define BNNC_QUANTIZE_ONE(v, z, lo, hi, p)                                     \
  bnnc_saturate_q((p)->round_away ? roundf(v) : bnnc_round_half_even_f32(v),  \
                  (z), (lo), (hi))
BNNC_DEFINE_QUANTIZE_LOOP(bnnc_quantize_f32_i8, int8_t, -128, 127,
                          BNNC_QUANTIZE_ONE)
BNNC_DEFINE_QUANTIZE_LOOP(bnnc_quantize_f32_u8, uint8_t, 0, 255,
                          BNNC_QUANTIZE_ONE)
#undef BNNC_QUANTIZE_ONE

/* y = float(x - zp) * scale: the difference is exact in int64, its
 * conversion and the product round once each. */
#define BNNC_DEFINE_DEQUANTIZE(S, T)                                           \
  static inline void bnnc_dequantize_##S##_f32(const bnnc_quant_params *p,     \
                                               const T *x, const float *scale, \
                                               const T *zp, float *y) {        \
    size_t i = 0;                                                              \
    for (int32_t o = 0; o < p->outer; ++o)                                     \
      for (int32_t c = 0; c < p->channels; ++c) {                              \
        const float s = scale[c * p->scale_step];                              \
        const int64_t z = zp ? (int64_t)zp[c * p->zp_step] : 0;                \
        for (int32_t k = 0; k < p->inner; ++k, ++i)                            \
          y[i] = (float)((int64_t)x[i] - z) * s;                               \
      }                                                                        \
  }
BNNC_DEFINE_DEQUANTIZE(i8, int8_t)
BNNC_DEFINE_DEQUANTIZE(u8, uint8_t)
BNNC_DEFINE_DEQUANTIZE(i32, int32_t)
#undef BNNC_DEFINE_DEQUANTIZE

/* y = saturate(round_half_even(float(acc) * m) + zp) with the multiplier
 * m = (in_scale * w_scale[c]) / out_scale in float32: onnxruntime's
 * QLinearConv / QLinearMatMul requantization (scale_step is w_scale's).
 * With relu, max(y, zp): quantization is monotonic and maps 0 to zp, so
 * this is the quantization of ReLU's output. */
#define BNNC_DEFINE_REQUANTIZE(S, T, LO, HI)                                   \
  static inline void bnnc_requantize_i32_##S(                                  \
      const bnnc_quant_params *p, const int32_t *acc, const float *in_scale,   \
      const float *w_scale, const float *out_scale, const T *zp, T *y) {       \
    size_t i = 0;                                                              \
    for (int32_t o = 0; o < p->outer; ++o)                                     \
      for (int32_t c = 0; c < p->channels; ++c) {                              \
        const float m = (in_scale[0] * w_scale[c * p->scale_step]) /           \
                        out_scale[0];                                          \
        const int32_t z = zp ? (int32_t)zp[c * p->zp_step] : 0;                \
        for (int32_t k = 0; k < p->inner; ++k, ++i) {                          \
          const int32_t v = bnnc_saturate_q(                                   \
              bnnc_round_half_even_f32((float)acc[i] * m), z, LO, HI);         \
          y[i] = (T)(p->relu && v < z ? z : v);                                \
        }                                                                      \
      }                                                                        \
  }
BNNC_DEFINE_REQUANTIZE(i8, int8_t, -128, 127)
BNNC_DEFINE_REQUANTIZE(u8, uint8_t, 0, 255)
#undef BNNC_DEFINE_REQUANTIZE

/* ---- Fixed-point requantization ----------------------------------------
 *
 * The same result as bnnc_requantize_i32_* in integer arithmetic only, for
 * cores without an FPU, when the scales are compile-time constants. The
 * compiler splits each float32 multiplier m = mant * 2^exp (mant < 2^24, its
 * significand) and the kernel repeats the float steps exactly: float(acc)
 * rounds |acc| to 24 significant bits (ties to even), the product of two
 * 24-bit significands is exact in 48 bits and is rounded to 24 bits like a
 * float32 multiply, and the result is rounded half to even to an integer.
 * Subnormal and overflowing products need no care: a float32 below 2^-126
 * rounds to 0 and one above 2^127 saturates, as here. So the result equals
 * the float kernel's for every int32 accumulator (test/unit/Int8KernelsTest
 * checks it exhaustively over [-2^20, 2^20] and at random beyond). */

/* The number of significant bits of x (0 for 0). */
static inline int32_t bnnc_bit_length_u64(uint64_t x) {
#if defined(__GNUC__) || defined(__clang__)
  /* 32-bit count-leading-zeros: one instruction on every ARM core with
   * CLZ, where a 64-bit one may be a library call. */
  const uint32_t hi = (uint32_t)(x >> 32), lo = (uint32_t)x;
  return hi ? 64 - __builtin_clz(hi) : (lo ? 32 - __builtin_clz(lo) : 0);
#else
  int32_t n = 0;
  while (x) {
    ++n;
    x >>= 1;
  }
  return n;
#endif
}

/* round(x / 2^s), ties to even, for s in [1, 63]. */
static inline uint64_t bnnc_shift_half_even_u64(uint64_t x, int32_t s) {
  const uint64_t q = x >> s, half = (uint64_t)1 << (s - 1);
  const uint64_t rem = x & ((half << 1) - 1);
  return q + (uint64_t)(rem > half || (rem == half && (q & 1u)));
}

/* x rounded to 24 significant bits (ties to even), as x' * 2^(*e - e0). */
static inline uint64_t bnnc_round_to_f32_u64(uint64_t x, int32_t *e) {
  const int32_t bits = bnnc_bit_length_u64(x);
  if (bits <= 24)
    return x;
  *e += bits - 24;
  return bnnc_shift_half_even_u64(x, bits - 24);
}

/* round_half_even(float(acc) * m) with m = mant * 2^exp, saturated to
 * [lo, hi] after adding zp; mant > 0. */
static inline int32_t bnnc_requantize_fixed(int32_t acc, int32_t mant,
                                            int32_t exp, int32_t zp,
                                            int32_t lo, int32_t hi) {
  const uint64_t a = acc < 0 ? (uint64_t)0 - (uint64_t)(int64_t)acc
                             : (uint64_t)acc;
  int32_t e = exp;
  /* float(acc): exact below 2^24, the common case. */
  const uint64_t f = a < ((uint64_t)1 << 24) ? a : bnnc_round_to_f32_u64(a, &e);
  const uint64_t v = bnnc_round_to_f32_u64(f * (uint64_t)mant, &e);
  /* |result| = round(v * 2^e); v < 2^25 (a rounding carry may reach 2^24). */
  int64_t r;
  if (v == 0)
    r = 0; /* 0 * m is 0 (huge multipliers included), not a saturation */
  else if (e >= 0)
    r = e > 30 ? (int64_t)1 << 40 : (int64_t)(v << e);
  else if (e < -26)
    r = 0; /* v * 2^e < 2^25 / 2^27 < 0.5 */
  else
    r = (int64_t)bnnc_shift_half_even_u64(v, -e);
  r = (acc < 0 ? -r : r) + zp;
  return r < lo ? lo : (r > hi ? hi : (int32_t)r);
}

/* bnnc_requantize_i32_* with per-channel (scale_step 1) or per-tensor
 * multipliers mant[c] * 2^exp[c] precomputed by the compiler. */
#define BNNC_DEFINE_REQUANTIZE_FIXED(S, T, LO, HI)                             \
  static inline void bnnc_requantize_fixed_i32_##S(                            \
      const bnnc_quant_params *p, const int32_t *acc, const int32_t *mant,     \
      const int32_t *exp, const T *zp, T *y) {                                 \
    size_t i = 0;                                                              \
    for (int32_t o = 0; o < p->outer; ++o)                                     \
      for (int32_t c = 0; c < p->channels; ++c) {                              \
        const int32_t mc = mant[c * p->scale_step];                            \
        const int32_t ec = exp[c * p->scale_step];                             \
        const int32_t z = zp ? (int32_t)zp[c * p->zp_step] : 0;                \
        for (int32_t k = 0; k < p->inner; ++k, ++i) {                          \
          const int32_t v = bnnc_requantize_fixed(acc[i], mc, ec, z, LO, HI);  \
          y[i] = (T)(p->relu && v < z ? z : v);                                \
        }                                                                      \
      }                                                                        \
  }
BNNC_DEFINE_REQUANTIZE_FIXED(i8, int8_t, -128, 127)
BNNC_DEFINE_REQUANTIZE_FIXED(u8, uint8_t, 0, 255)
#undef BNNC_DEFINE_REQUANTIZE_FIXED

/* ---- TFLite fixed-point requantization ---------------------------------
 *
 * TFLite's int8 kernels requantize an int32 accumulator with a multiplier
 * given as a Q31 fixed-point number q (in [2^30, 2^31), or 0) and a power
 * of two 2^shift, shift in [-31, 30], that the compiler derives from the
 * double-precision multiplier in_scale * w_scale / out_scale (frexp, then
 * q = round(significand * 2^31)). Per element:
 *
 *   v = acc * 2^max(shift, 0)                     (saturated to int32)
 *   v = round((v * q) / 2^31)      the doubling high product: a +-2^30
 *                                  nudge, then a division truncating toward
 *                                  zero, so ties go toward +infinity
 *   v = round(v / 2^max(-shift, 0))  rounding divide by a power of two,
 *                                  ties away from zero
 *   y = clamp(v + zero_point, lo, hi)             (the fused activation range)
 *
 * All steps are exact integer arithmetic on int64 intermediates. TFLite
 * leaves acc * 2^shift overflowing int32 undefined; it saturates here. */
typedef struct {
  int32_t outer, channels, inner;
  int32_t step; /* 1: multiplier and shift per channel, 0: one for all */
  int32_t zero_point, lo, hi;
} bnnc_requant_q31_params;

/* floor(x / 2^n) without a right shift of a negative number. */
static inline int64_t bnnc_floor_shift_i64(int64_t x, int32_t n) {
  return x >= 0 ? x >> n : ~(~x >> n);
}

/* The product (a * q) / 2^31 rounded to nearest: the high half of the
 * doubled 64-bit product with a +2^30 (or 1 - 2^30 below 0) nudge and a
 * division truncating toward zero, which sends ties toward +infinity.
 * q >= 0, so the result fits int32 and never saturates. */
static inline int32_t bnnc_q31_high_mul(int32_t a, int32_t q) {
  const int64_t ab = (int64_t)a * (int64_t)q;
  const int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : 1 - ((int64_t)1 << 30);
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* x / 2^n rounded to nearest, ties away from zero; n in [0, 31]. */
static inline int32_t bnnc_round_shift_away(int32_t x, int32_t n) {
  const int64_t q = bnnc_floor_shift_i64(x, n);
  const int64_t rem = (int64_t)x - q * ((int64_t)1 << n);
  const int64_t threshold = (((int64_t)1 << n) - 1) / 2 + (x < 0 ? 1 : 0);
  return (int32_t)(q + (rem > threshold ? 1 : 0));
}

/* acc * q * 2^(shift - 31), TFLite's rounding; shift in [-31, 30]. */
static inline int32_t bnnc_mul_q31(int32_t acc, int32_t q, int32_t shift) {
  int64_t v = (int64_t)acc * ((int64_t)1 << (shift > 0 ? shift : 0));
  v = v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : v);
  return bnnc_round_shift_away(bnnc_q31_high_mul((int32_t)v, q),
                               shift > 0 ? 0 : -shift);
}

#define BNNC_DEFINE_REQUANTIZE_Q31(S, T)                                       \
  static inline void bnnc_requantize_q31_i32_##S(                              \
      const bnnc_requant_q31_params *p, const int32_t *acc,                    \
      const int32_t *multiplier, const int32_t *shift, T *y) {                 \
    size_t i = 0;                                                              \
    for (int32_t o = 0; o < p->outer; ++o)                                     \
      for (int32_t c = 0; c < p->channels; ++c) {                              \
        const int32_t q = multiplier[c * p->step], s = shift[c * p->step];     \
        for (int32_t k = 0; k < p->inner; ++k, ++i) {                          \
          const int64_t v = (int64_t)bnnc_mul_q31(acc[i], q, s) +              \
                            (int64_t)p->zero_point;                            \
          y[i] = (T)(v < p->lo ? p->lo : (v > p->hi ? p->hi : v));             \
        }                                                                      \
      }                                                                        \
  }
BNNC_DEFINE_REQUANTIZE_Q31(i8, int8_t)
BNNC_DEFINE_REQUANTIZE_Q31(u8, uint8_t)
#undef BNNC_DEFINE_REQUANTIZE_Q31

/* TFLite's int8 ADD: both inputs, minus their zero points, are shifted left
 * by 20 bits and rescaled to the common scale 2 * max(s_a, s_b) by their
 * own Q31 multipliers, summed, rescaled to the output scale, offset by the
 * output zero point and clamped to the activation range. |a - zp| <= 255,
 * so the shifted values (< 2^28) and their sum fit int32. */
typedef struct {
  int32_t n;
  int32_t a_zp, b_zp;
  int32_t a_mult, a_shift, b_mult, b_shift, mult, shift;
  int32_t zero_point, lo, hi;
} bnnc_add_q31_params;

static inline void bnnc_add_q31_i8(const bnnc_add_q31_params *p,
                                   const int8_t *a, const int8_t *b,
                                   int8_t *y) {
  for (int32_t i = 0; i < p->n; ++i) {
    const int32_t va = ((int32_t)a[i] - p->a_zp) * (1 << 20);
    const int32_t vb = ((int32_t)b[i] - p->b_zp) * (1 << 20);
    const int32_t sum = bnnc_mul_q31(va, p->a_mult, p->a_shift) +
                        bnnc_mul_q31(vb, p->b_mult, p->b_shift);
    const int64_t v =
        (int64_t)bnnc_mul_q31(sum, p->mult, p->shift) + (int64_t)p->zero_point;
    y[i] = (int8_t)(v < p->lo ? p->lo : (v > p->hi ? p->hi : v));
  }
}

/* ONNX DynamicQuantizeLinear: x_min = min(0, min x), x_max = max(0, max x),
 * scale = (x_max - x_min) / 255, zp = round(saturate(0 - x_min / scale)),
 * y = saturate(round(x / scale) + zp). NaN elements do not move the range;
 * an all-zero range (scale 0) gives zp 0 and y 0 instead of 0 / 0. */
static inline void bnnc_dynamic_quantize_f32(int32_t n, const float *x,
                                             uint8_t *y, float *y_scale,
                                             uint8_t *y_zp) {
  float lo = 0.0f, hi = 0.0f;
  for (int32_t i = 0; i < n; ++i) {
    if (x[i] < lo)
      lo = x[i];
    if (x[i] > hi)
      hi = x[i];
  }
  const float scale = (hi - lo) / 255.0f;
  int32_t zp = 0;
  if (scale != 0.0f) {
    float z = 0.0f - lo / scale;
    z = z < 0.0f ? 0.0f : (z > 255.0f ? 255.0f : z);
    zp = bnnc_saturate_q(bnnc_round_half_even_f32(z), 0, 0, 255);
  }
  *y_scale = scale;
  *y_zp = (uint8_t)zp;
  for (int32_t i = 0; i < n; ++i)
    y[i] = scale == 0.0f ? (uint8_t)0
                         : (uint8_t)bnnc_saturate_q(
                               bnnc_round_half_even_f32(x[i] / scale), zp, 0,
                               255);
}

/* ---- Integer convolution and matmul ------------------------------------ */

typedef struct {
  BNNC_CONV2D_GEOMETRY
  int32_t w_zp_step; /* 1: a weight zero point per output channel */
} bnnc_qconv2d_params;

/* The output positions o in [0, n_out) whose input position
 * o * stride - pad + tap lies in [0, n_in): [*lo, *hi) (empty: lo >= hi). */
static inline void bnnc_valid_range(int32_t n_in, int32_t n_out, int32_t stride,
                                    int32_t offset, int32_t *lo, int32_t *hi) {
  /* offset = tap - pad; need 0 <= o * stride + offset <= n_in - 1. */
  int32_t first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int32_t last = n_in - 1 - offset; /* o * stride <= last */
  *lo = first;
  *hi = last < 0 ? 0 : last / stride + 1;
  if (*hi > n_out)
    *hi = n_out;
}

/* acc = bias[m] + sum (x - x_zp) * (w - w_zp[m]) over the window; a padded
 * tap is x = x_zp and contributes 0. Each product has |.| <= 255 * 255, so
 * it is exact in int32; the sums wrap modulo 2^32 (they are kept in the
 * output viewed as uint32_t, which may alias int32_t).
 *
 * Weight-stationary loop order: for each output channel, input channel and
 * tap, the weight is one register and the loop runs over the output
 * positions whose input is inside the image, with no bounds test in the
 * inner loop. A layer whose window covers its whole input with one output
 * position (a dense layer as a 1x1 convolution) is a dot product instead. */
#define BNNC_DEFINE_QCONV2D(XS, XT, WS, WT)                                    \
  static inline void bnnc_qconv2d_##XS##_##WS(                                 \
      const bnnc_qconv2d_params *p, const XT *x, const WT *w, const XT *x_zp,  \
      const WT *w_zp, const int32_t *bias, int32_t *y) {                       \
    const size_t c = (size_t)p->c, m = (size_t)p->m;                           \
    const size_t cg = c / (size_t)p->group, mg = m / (size_t)p->group;         \
    const size_t in_w = (size_t)p->w, in_plane = (size_t)p->h * in_w;          \
    const size_t out_w = (size_t)p->ow, out_plane = (size_t)p->oh * out_w;     \
    const size_t ksize = (size_t)p->kh * (size_t)p->kw;                        \
    const int32_t xz = x_zp ? (int32_t)x_zp[0] : 0;                            \
    const int dense = p->oh == 1 && p->ow == 1 && p->kh == p->h &&             \
                      p->kw == p->w && p->pad_top == 0 && p->pad_left == 0;    \
    for (size_t n = 0; n < (size_t)p->n; ++n) {                                \
      for (size_t o = 0; o < m; ++o) {                                         \
        const WT *wo = w + o * cg * ksize;                                     \
        const XT *xg = x + (n * c + o / mg * cg) * in_plane;                   \
        const int32_t wz = w_zp ? (int32_t)w_zp[o * (size_t)p->w_zp_step] : 0; \
        uint32_t *yo = (uint32_t *)(y + (n * m + o) * out_plane);              \
        const uint32_t b = bias ? (uint32_t)bias[o] : 0u;                      \
        if (dense) {                                                           \
          uint32_t acc = b;                                                    \
          for (size_t k = 0; k < cg * ksize; ++k)                              \
            acc += (uint32_t)(((int32_t)xg[k] - xz) * ((int32_t)wo[k] - wz));  \
          yo[0] = acc;                                                         \
          continue;                                                            \
        }                                                                      \
        for (size_t i = 0; i < out_plane; ++i)                                 \
          yo[i] = b;                                                           \
        for (size_t ci = 0; ci < cg; ++ci) {                                   \
          const XT *xc = xg + ci * in_plane;                                   \
          const WT *wc = wo + ci * ksize;                                      \
          for (int32_t ky = 0; ky < p->kh; ++ky) {                             \
            int32_t oy0, oy1;                                                  \
            const int32_t dy = ky * p->dilation_h - p->pad_top;                \
            bnnc_valid_range(p->h, p->oh, p->stride_h, dy, &oy0, &oy1);        \
            for (int32_t kx = 0; kx < p->kw; ++kx) {                           \
              int32_t ox0, ox1;                                                \
              const int32_t dx = kx * p->dilation_w - p->pad_left;             \
              const int32_t wv = (int32_t)wc[ky * p->kw + kx] - wz;            \
              bnnc_valid_range(p->w, p->ow, p->stride_w, dx, &ox0, &ox1);      \
              for (int32_t oy = oy0; oy < oy1; ++oy) {                         \
                const XT *xr =                                                 \
                    xc + (size_t)(oy * p->stride_h + dy) * in_w;               \
                uint32_t *yr = yo + (size_t)oy * out_w;                        \
                for (int32_t ox = ox0; ox < ox1; ++ox)                         \
                  yr[ox] += (uint32_t)(                                        \
                      ((int32_t)xr[ox * p->stride_w + dx] - xz) * wv);         \
              }                                                                \
            }                                                                  \
          }                                                                    \
        }                                                                      \
      }                                                                        \
    }                                                                          \
  }
BNNC_DEFINE_QCONV2D(i8, int8_t, i8, int8_t)
BNNC_DEFINE_QCONV2D(i8, int8_t, u8, uint8_t)
BNNC_DEFINE_QCONV2D(u8, uint8_t, i8, int8_t)
BNNC_DEFINE_QCONV2D(u8, uint8_t, u8, uint8_t)
#undef BNNC_DEFINE_QCONV2D

typedef struct {
  int32_t m, k, n;
  int32_t batch_rank; /* broadcast batch dims */
  int32_t batch_shape[BNNC_MAX_RANK];
  int32_t a_batch_strides[BNNC_MAX_RANK]; /* in matrices; 0 = broadcast */
  int32_t b_batch_strides[BNNC_MAX_RANK];
  int32_t a_zp_step, b_zp_step; /* 1: per row of a / per column of b */
} bnnc_qmatmul_params;

/* acc[b] = (a[b] - a_zp) * (b[b] - b_zp) for every index b of the
 * broadcast batch shape; wraps modulo 2^32 like bnnc_qconv2d. */
#define BNNC_DEFINE_QMATMUL(AS, AT, BS, BT)                                    \
  static inline void bnnc_qmatmul_##AS##_##BS(                                 \
      const bnnc_qmatmul_params *p, const AT *a, const BT *b, const AT *a_zp,  \
      const BT *b_zp, int32_t *y) {                                            \
    int32_t index[BNNC_MAX_RANK] = {0};                                        \
    size_t ia = 0, ib = 0, batches = 1;                                        \
    const size_t m = (size_t)p->m, k = (size_t)p->k, n = (size_t)p->n;        \
    for (int32_t d = 0; d < p->batch_rank; ++d)                                \
      batches *= (size_t)p->batch_shape[d];                                    \
    for (size_t batch = 0; batch < batches; ++batch) {                         \
      const AT *am = a + ia * m * k;                                           \
      const BT *bm = b + ib * k * n;                                           \
      int32_t *ym = y + batch * m * n;                                         \
      for (size_t i = 0; i < m; ++i) {                                         \
        const int32_t az = a_zp ? (int32_t)a_zp[i * (size_t)p->a_zp_step] : 0; \
        for (size_t j = 0; j < n; ++j) {                                       \
          const int32_t bz =                                                   \
              b_zp ? (int32_t)b_zp[j * (size_t)p->b_zp_step] : 0;              \
          uint32_t acc = 0u;                                                   \
          for (size_t kk = 0; kk < k; ++kk)                                    \
            acc += (uint32_t)(((int32_t)am[i * k + kk] - az) *                 \
                              ((int32_t)bm[kk * n + j] - bz));                 \
          ym[i * n + j] = bnnc_wrap_i32(acc);                                  \
        }                                                                      \
      }                                                                        \
      /* Odometer step over the batch index, moving both offsets. */           \
      for (int32_t d = p->batch_rank - 1; d >= 0; --d) {                       \
        ia += (size_t)p->a_batch_strides[d];                                   \
        ib += (size_t)p->b_batch_strides[d];                                   \
        if (++index[d] < p->batch_shape[d])                                    \
          break;                                                               \
        ia -= (size_t)p->a_batch_strides[d] * (size_t)p->batch_shape[d];       \
        ib -= (size_t)p->b_batch_strides[d] * (size_t)p->batch_shape[d];       \
        index[d] = 0;                                                          \
      }                                                                        \
    }                                                                          \
  }
BNNC_DEFINE_QMATMUL(i8, int8_t, i8, int8_t)
BNNC_DEFINE_QMATMUL(i8, int8_t, u8, uint8_t)
BNNC_DEFINE_QMATMUL(u8, uint8_t, i8, int8_t)
BNNC_DEFINE_QMATMUL(u8, uint8_t, u8, uint8_t)
#undef BNNC_DEFINE_QMATMUL

/* ---- Packing binarized int8 ------------------------------------------- */

/* NCHW int8/uint8 -> packed channels-last bits (kernels_binary.h layout):
 * bit = 1 (value -1) iff q < zp, the binarizer b((q - zp) * s) of the
 * dequantized value for any positive scale s; or, with a threshold per
 * channel, iff q < t[c] (a float pack threshold on the dequantized values,
 * moved to the int8 scale). One loop serves both: t NULL compares with zp. */
#define BNNC_DEFINE_PACK_Q8(S, T)                                              \
  static inline void bnnc_pack_##S##_below_nchw_to_nhwc32(                     \
      const bnnc_bpack_params *p, const T *x, int32_t zp, const int32_t *t,    \
      uint32_t *y) {                                                           \
    const int32_t cg = p->c / p->group;                                        \
    const size_t channels = (size_t)p->c, group = (size_t)p->group;            \
    const size_t wg = (size_t)bnnc_bwords32(cg, 1);                            \
    const size_t plane = (size_t)p->h * (size_t)p->w;                          \
    for (size_t n = 0; n < (size_t)p->n; ++n)                                  \
      for (size_t pix = 0; pix < plane; ++pix)                                 \
        for (size_t g = 0; g < group; ++g) {                                   \
          const size_t c0 = g * (size_t)cg;                                    \
          const T *xc = x + (n * channels + c0) * plane + pix;                 \
          uint32_t *yw = y + ((n * plane + pix) * group + g) * wg;             \
          for (int32_t w = 0; w * 32 < cg; ++w) {                              \
            const int32_t bits = cg - w * 32 < 32 ? cg - w * 32 : 32;          \
            uint32_t word = 0;                                                 \
            for (int32_t j = 0; j < bits; ++j) {                               \
              const size_t c = (size_t)(w * 32 + j);                           \
              const int32_t below = t ? t[c0 + c] : zp;                        \
              word |= (uint32_t)((int32_t)xc[c * plane] < below) << j;         \
            }                                                                  \
            yw[w] = word;                                                      \
          }                                                                    \
        }                                                                      \
  }                                                                            \
  static inline void bnnc_pack_##S##_nchw_to_nhwc32(                           \
      const bnnc_bpack_params *p, const T *x, int32_t zp, uint32_t *y) {       \
    bnnc_pack_##S##_below_nchw_to_nhwc32(p, x, zp, NULL, y);                   \
  }                                                                            \
  static inline void bnnc_pack_##S##_threshold_nchw_to_nhwc32(                 \
      const bnnc_bpack_params *p, const T *x, const int32_t *t,                \
      uint32_t *y) {                                                           \
    bnnc_pack_##S##_below_nchw_to_nhwc32(p, x, 0, t, y);                       \
  }
BNNC_DEFINE_PACK_Q8(i8, int8_t)
BNNC_DEFINE_PACK_Q8(u8, uint8_t)
#undef BNNC_DEFINE_PACK_Q8

/* ---- Max pooling of integers ------------------------------------------ *
 * bnnc_pool2d_params as bnnc_maxpool2d_f32 reads them. For a positive scale
 * dequantization is monotonic and quantize(dequantize(q)) = q, so the max
 * of the integers is the quantized max of the dequantized values; a window
 * with no tap in the input gives the type's minimum (quantize(-inf)). */
#define BNNC_DEFINE_MAXPOOL_Q8(S, T, LO)                                      \
  static inline void bnnc_maxpool2d_##S(const bnnc_pool2d_params *p,          \
                                        const T *x, T *y) {                   \
    const size_t in_w = (size_t)p->w, in_plane = (size_t)p->h * in_w;         \
    const size_t out_w = (size_t)p->ow, out_plane = (size_t)p->oh * out_w;    \
    for (size_t plane = 0; plane < (size_t)p->n * (size_t)p->c; ++plane) {    \
      const T *xp = x + plane * in_plane;                                     \
      T *yp = y + plane * out_plane;                                          \
      for (int32_t oy = 0; oy < p->oh; ++oy)                                  \
        for (int32_t ox = 0; ox < p->ow; ++ox) {                              \
          T best = (T)(LO);                                                   \
          for (int32_t ky = 0; ky < p->kh; ++ky) {                            \
            const int32_t iy =                                                \
                oy * p->stride_h - p->pad_top + ky * p->dilation_h;           \
            if (iy < 0 || iy >= p->h)                                         \
              continue;                                                       \
            for (int32_t kx = 0; kx < p->kw; ++kx) {                          \
              const int32_t ix =                                              \
                  ox * p->stride_w - p->pad_left + kx * p->dilation_w;        \
              if (ix < 0 || ix >= p->w)                                       \
                continue;                                                     \
              const T v = xp[(size_t)iy * in_w + (size_t)ix];                 \
              if (v > best)                                                   \
                best = v;                                                     \
            }                                                                 \
          }                                                                   \
          yp[(size_t)oy * out_w + (size_t)ox] = best;                         \
        }                                                                     \
    }                                                                         \
  }
BNNC_DEFINE_MAXPOOL_Q8(i8, int8_t, -128)
BNNC_DEFINE_MAXPOOL_Q8(u8, uint8_t, 0)
#undef BNNC_DEFINE_MAXPOOL_Q8

#endif /* BNNC_KERNELS_INT8_H */
