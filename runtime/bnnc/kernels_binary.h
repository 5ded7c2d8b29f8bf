/*
 * bnnc/kernels_binary.h - portable C99 binary (xor-popcount) kernels of the
 * generic target, on 32-bit words (uint32_t).
 *
 * What is here is what the compiler uses, at run time or at compile time:
 *
 * - emitted by the generic target: the packers bnnc_pack_f32_nchw_to_nhwc32,
 *   bnnc_pack_threshold_f32_nchw_to_nhwc32 and bnnc_pack_layernorm_f32, the
 *   convolution bnnc_bconv2d32_float / bnnc_bconv2d32_bits (binary conv1d
 *   and dense layers are lowered to it with h = kh = 1, see passes/
 *   Binarize.cpp), and the pools bnnc_bmaxpool2d32 / bnnc_bminmaxpool2d32;
 * - called by passes at compile time: bnnc_pack_weights_oihw_f32_to_ohwi32
 *   (Bitpack) and bnnc_bthreshold_from_affine (FuseEpilogues);
 * - shared with kernels_neon.h, kernels_cortexm.h and kernels_attention.h:
 *   the popcount, the layout helpers (bnnc_bwords32, bnnc_bmask32,
 *   bnnc_bvalid_taps, bnnc_pack_f32_run32), the parameter structs and the
 *   epilogue helpers (bnnc_bfloat_apply, bnnc_bbit).
 *
 * Shapes and attributes come in a `const` parameter struct that generated code
 * defines as a static constant. All functions are static inline; nothing
 * allocates, nothing touches stdio. docs/binary-kernels.md is the long form of
 * this comment and says how the compiler calls each kernel.
 *
 * Conventions (design.md section 2, techniques.md sections 0 and 3):
 *
 * - Bit encoding. Value +1 <-> bit 0, value -1 <-> bit 1. The binarizer is
 *   b(v) = +1 if v >= 0 else -1, so bit = (v < 0): +0.0, -0.0 and NaN all
 *   give bit 0 (+1). ONNX Sign(0) = 0 is a float-path notion only.
 *
 * - Packing. Activations are channels-last: a tensor of logical shape
 *   (N, C, H, W) is stored as (N, H, W, words) with the channel axis packed,
 *   32 channels per word, bit j of word w = channel 32*w + j.
 *   A packed tensor may be split into G "pack groups" of Cg = C/G channels;
 *   each group is packed on its own, so a pixel holds G * ceil(Cg/32) words,
 *   channel c sits in word (c / Cg) * ceil(Cg/32) + (c % Cg) / 32 at bit
 *   (c % Cg) % 32. G = 1 is the plain layout; a grouped convolution consumes
 *   G = its group count, so every group starts on a word boundary and has
 *   its own tail. When Cg is a multiple of 32 both layouts are the same bits.
 *
 * - Tail bits (bits past a group's true channel count) are 0 in activations
 *   and weights alike. 0 XOR 0 = 0, so they never reach a popcount, and K
 *   below is always the true count.
 *
 * - Binary dot product of two +-1 vectors a, w of true length K:
 *     dot = sum_i a_i * w_i = K - 2 * popcount(a XOR w)
 *   because a_i * w_i = +1 where the bits agree and -1 where they differ.
 *
 * - Padding. ONNX pads a Conv input with 0, and a 0 tap contributes 0 to the
 *   sum, not +-1. Packed bits cannot hold a 0, so the convolution counts only
 *   the in-bounds taps: with T valid taps at an output position and Cg
 *   channels per group, K = T * Cg and dot = K - 2 * popcount over those
 *   taps. That is the exact ONNX value at every position, so epilogues need
 *   no per-border correction. pad_value = +1 / -1 instead pads with that
 *   value (a folded Pad(constant = +-1)); each padded tap then adds
 *   pad_value * (sum of the weights of that tap) = pad_value * (Cg - 2 *
 *   popcount(weight bits of the tap)).
 *
 * - Accumulators. |dot| <= K <= kh * kw * Cg, and popcounts are summed in
 *   int32_t, so every kernel is exact while K < 2^31. The threshold helper
 *   assumes |dot| <= BNNC_BDOT_MAX = 2^29, far above any real layer. No
 *   narrower accumulator is offered: in portable scalar C an int16 sum is
 *   not faster, and the width choice belongs to the SIMD targets.
 *
 * Not offered (removed as never emitted, issue 15): 64-bit words, int32
 * ("raw") outputs, channels-last float outputs, separate conv1d/dense entry
 * points and an unpack kernel.
 */
#ifndef BNNC_KERNELS_BINARY_H
#define BNNC_KERNELS_BINARY_H

#include <stddef.h>
#include <stdint.h>

#include "bnnc/kernels_f32.h" /* bnnc_row_moments_f32 */
#include "bnnc/runtime.h"

/* ---- Popcount ---------------------------------------------------------- */

/* SWAR popcount: sum adjacent bits into 2-bit fields, then 4-bit, then
 * bytes; the multiply adds all bytes into the top byte. Portable C99, no
 * table, no libcall (GCC's __builtin_popcount is a libgcc call on targets
 * without a popcount instruction, e.g. Cortex-M). */
static inline int32_t bnnc_popcount32_swar(uint32_t x) {
  x = x - ((x >> 1) & 0x55555555u);
  x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
  x = (x + (x >> 4)) & 0x0f0f0f0fu;
  return (int32_t)((uint32_t)(x * 0x01010101u) >> 24);
}

/* The builtin is used only where it is known to be an instruction (x86 with
 * -mpopcnt, AArch64 CNT); define BNNC_USE_BUILTIN_POPCOUNT to 0 or 1 to
 * override. */
#ifndef BNNC_USE_BUILTIN_POPCOUNT
#if defined(__GNUC__) && (defined(__POPCNT__) || defined(__aarch64__))
#define BNNC_USE_BUILTIN_POPCOUNT 1
#else
#define BNNC_USE_BUILTIN_POPCOUNT 0
#endif
#endif

#if BNNC_USE_BUILTIN_POPCOUNT
static inline int32_t bnnc_popcount32(uint32_t x) {
  return (int32_t)__builtin_popcountl((unsigned long)x);
}
#else
static inline int32_t bnnc_popcount32(uint32_t x) {
  return bnnc_popcount32_swar(x);
}
#endif

/* ---- Packed layout helpers --------------------------------------------- */

/* Words per pixel of `c` channels in `group` pack groups:
 * group * ceil((c / group) / 32). `c` must be a multiple of `group`. */
static inline int32_t bnnc_bwords32(int32_t c, int32_t group) {
  return group * ((c / group + 31) / 32);
}

/* Mask of the channel bits of word `word` of a group of `cg` channels: all
 * ones except in the last word, whose tail bits are 0. */
static inline uint32_t bnnc_bmask32(int32_t cg, int32_t word) {
  const int32_t left = cg - 32 * word;
  return left >= 32 ? ~(uint32_t)0 : (((uint32_t)1 << left) - 1u);
}

/* The kernel taps k in [*lo, *hi) of one axis whose input coordinate
 * out * stride - pad + k * dilation lies in [0, size). The coordinate grows
 * with k, so the in-bounds taps are one contiguous range (possibly empty). */
static inline void bnnc_bvalid_taps(int32_t out, int32_t stride, int32_t pad,
                                    int32_t dilation, int32_t kernel,
                                    int32_t size, int32_t *lo, int32_t *hi) {
  const int32_t start = out * stride - pad;
  int32_t first = start < 0 ? (-start + dilation - 1) / dilation : 0;
  int32_t last = start < size ? (size - start + dilation - 1) / dilation : 0;
  if (last > kernel)
    last = kernel;
  if (first > last)
    first = last;
  *lo = first;
  *hi = last;
}

/* ---- Parameters -------------------------------------------------------- */

/* A float NCHW tensor and its packed channels-last image: (n, h, w, words),
 * words = bnnc_bwords32(c, group). */
typedef struct {
  int32_t n, c, h, w;
  int32_t group; /* pack groups; 1 = plain layout */
} bnnc_bpack_params;

/* Binary weights: ONNX OIHW (m, c/group, kh, kw), packed OHWI as
 * (m, kh, kw, ceil(cg / 32)): each (o, ky, kx) tap holds the cg input
 * channels of o's group in its own words, tail bits 0. */
typedef struct {
  int32_t m, cg, kh, kw;
} bnnc_bweights_params;

/* Binary 2-D convolution. Input packed (n, h, w, bnnc_bwords32(c, group)),
 * weights packed as bnnc_bweights_params with cg = c / group. A 1-D
 * convolution or a dense layer is this with h = kh = 1.
 *
 * pad_value: 0 is ONNX zero padding (only the in-bounds taps count); +1 or
 * -1 pads with that value. The compiler emits 0 today; +1 is LCE's
 * one-padding (pad_values = 1), which the TFLite/LCE importer (issue 20)
 * needs. Only this portable kernel honours it: kernels_neon.h and
 * kernels_cortexm.h assume 0. */
typedef struct {
  BNNC_CONV2D_GEOMETRY /* the input's logical NCHW shape */
  int32_t pad_value; /* 0: ONNX zero padding; +1 or -1: that value */
} bnnc_bconv2d_params;

/* Binary max pool on a packed (n, h, w, bnnc_bwords32(c, group)) tensor. */
typedef struct {
  int32_t n, c, h, w;
  int32_t group; /* pack groups of input and output */
  int32_t oh, ow, kh, kw;
  int32_t stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w;
} bnnc_bpool2d_params;

/* ---- Epilogues --------------------------------------------------------- */

typedef enum {
  BNNC_BACT_NONE = 0,
  BNNC_BACT_RELU = 1,  /* v < 0 ? 0 : v */
  BNNC_BACT_PRELU = 2, /* v < 0 ? v * slope[o] : v */
  BNNC_BACT_CLAMP = 3  /* min(max(v, clamp_lo), clamp_hi), ONNX Clip */
} bnnc_bactivation;

/* Float output: y = act((float)dot * scale[o] + bias[o]). scale and bias may
 * be NULL (1 and 0). This is where per-output-channel weight scales, a conv
 * bias and a following BatchNorm fold to. */
typedef struct {
  const float *scale;
  const float *bias;
  bnnc_bactivation activation;
  const float *slope; /* PReLU slopes, [m] */
  float clamp_lo, clamp_hi;
} bnnc_bfloat_epilogue;

static inline float bnnc_bfloat_apply(const bnnc_bfloat_epilogue *e, int32_t o,
                                      int32_t dot) {
  float v = (float)dot;
  if (e->scale)
    v = v * e->scale[o];
  if (e->bias)
    v = v + e->bias[o];
  switch (e->activation) {
  case BNNC_BACT_RELU:
    return v < 0.0f ? 0.0f : v;
  case BNNC_BACT_PRELU:
    return v < 0.0f ? v * e->slope[o] : v;
  case BNNC_BACT_CLAMP:
    v = v < e->clamp_lo ? e->clamp_lo : v;
    return v > e->clamp_hi ? e->clamp_hi : v;
  default:
    return v;
  }
}

/* Packed output: bit = (dot < threshold[o]) XOR flip[o] (flip may be NULL),
 * written channels-last in `out_group` pack groups (the group count of the
 * consuming binary layer; 1 = plain), tail bits 0. The threshold is on the
 * signed dot, not on the popcount, so it is the same at border positions
 * whose K is smaller: no per-border thresholds are needed. */
typedef struct {
  const int32_t *threshold;
  const uint8_t *flip;
  int32_t out_group;
} bnnc_bbits_epilogue;

static inline uint32_t bnnc_bbit(const bnnc_bbits_epilogue *e, int32_t o,
                                 int32_t dot) {
  const uint32_t below = dot < e->threshold[o] ? 1u : 0u;
  return e->flip ? below ^ (e->flip[o] & 1u) : below;
}

/* int8 / uint8 output, NCHW (a binary layer whose float output only feeds
 * a QuantizeLinear, e.g. the input of an int8 layer): per output channel o
 * five integers q = params + 5 * o, and
 *
 *   y = clamp(((dot * q[0] + q[1]) >> q[2]) - 2^(30 - q[2]), q[3], q[4])
 *
 * in 32-bit integers. The compiler (bnn-fuse-epilogues) derives them from
 * the float epilogue and the quantization they replace and checks, for
 * every dot in [-K, K], that y equals quantize(bnnc_bfloat_apply(dot)) as
 * bnnc_quantize_f32_* computes it, and that dot * q[0] + q[1] lies in
 * [0, 2^31): the shift is of a nonnegative int32, the sum never overflows,
 * and no float operation is left. */
typedef struct {
  const int32_t *params; /* [m][5]: mul, add, shift, lo, hi */
} bnnc_bq8_epilogue;

static inline int32_t bnnc_bq8_apply(const bnnc_bq8_epilogue *e, int32_t o,
                                     int32_t dot) {
  const int32_t *q = e->params + 5 * (size_t)o;
  const int32_t v = (int32_t)((uint32_t)(dot * q[0] + q[1]) >> q[2]) -
                    ((int32_t)1 << (30 - q[2]));
  return v < q[3] ? q[3] : (v > q[4] ? q[4] : v);
}

/* Bound on |dot| under which bnnc_bthreshold_from_affine is exact. */
#define BNNC_BDOT_MAX 536870912 /* 2^29 */

/* bit(dot) = 1 (value -1) iff dot * scale + bias < 0, in exact arithmetic.
 * A double is exact here: |dot| <= 2^29 times a 24-bit float mantissa fits in
 * 53 bits, and the rounded sum of that product and a float has the sign of
 * the exact sum (rounding to nearest never turns a nonzero value into 0 at
 * these exponents, nor changes a sign). */
static inline int bnnc_baffine_negative(int32_t dot, float scale, float bias) {
  return (double)dot * (double)scale + (double)bias < 0.0;
}

/* Folds "y = dot * scale + bias, then the sign binarizer" (a BatchNorm or any
 * per-channel affine followed by b(y)) into the bits epilogue
 * bit = (dot < threshold) XOR flip, exact for every |dot| <= BNNC_BDOT_MAX.
 * The compiler calls this at compile time with the float scale and bias it
 * would otherwise pass to the float epilogue. Derivation, x = -bias / scale:
 *   scale > 0: y < 0 <=> dot < x      <=> dot < ceil(x):  flip 0, t = ceil(x)
 *   scale < 0: y < 0 <=> dot > x      <=> !(dot < floor(x) + 1): flip 1
 *   scale = 0: y = bias, a constant bit: t = INT32_MAX (always 1) or INT32_MIN
 *              (always 0), flip 0.
 * Ties y = 0 give bit 0 (+1), as b(0) = +1. In both signed cases t is the
 * first dot at which (y < 0) XOR flip becomes false. It is found from the
 * estimate trunc(x) by stepping with the exact predicate, up or down, so the
 * result does not depend on how the division or the truncation rounded (in
 * practice at most one step up is taken). Scale and bias must be finite; a
 * NaN gives the constant bit 0, as NaN < 0 is false. */
static inline void bnnc_bthreshold_from_affine(float scale, float bias,
                                               int32_t *threshold,
                                               uint8_t *flip) {
  const int positive = scale > 0.0f;
  double x;
  int32_t t;
  if (scale != scale || bias != bias) {
    *threshold = INT32_MIN;
    *flip = 0;
    return;
  }
  if (scale == 0.0f) {
    *threshold = bias < 0.0f ? INT32_MAX : INT32_MIN;
    *flip = 0;
    return;
  }
  *flip = positive ? 0 : 1;
  x = -(double)bias / (double)scale;
  if (x > (double)BNNC_BDOT_MAX + 1.0) {
    *threshold = INT32_MAX; /* (dot < t) holds on the whole domain */
    return;
  }
  if (x < -(double)BNNC_BDOT_MAX - 1.0) {
    *threshold = INT32_MIN; /* (dot < t) never holds */
    return;
  }
  /* below(d) = (d < t) must equal bnnc_baffine_negative(d) XOR flip. */
  t = (int32_t)x;
  while (bnnc_baffine_negative(t, scale, bias) == positive)
    ++t;
  while (bnnc_baffine_negative(t - 1, scale, bias) != positive)
    --t;
  *threshold = t;
}

/* ---- Kernels ------------------------------------------------------------ */

/* Packs `count` floats x[0], x[stride], ... into ceil(count / 32) words, tail
 * bits 0. bit = (x < threshold) XOR flip per element; threshold NULL means 0
 * (the plain binarizer b), flip NULL means no flip. A per-channel threshold
 * folds a learned input shift (ReActNet RSign: b(x + theta) = b(x - (-theta))
 * exactly, since rounding keeps the sign of x + theta). */
static inline void bnnc_pack_f32_run32(int32_t count, const float *x,
                                       ptrdiff_t stride, const float *threshold,
                                       const uint8_t *flip, uint32_t *y) {
  for (int32_t w = 0; w * 32 < count; ++w) {
    const int32_t base = w * 32;
    const int32_t bits = count - base < 32 ? count - base : 32;
    uint32_t word = 0;
    for (int32_t j = 0; j < bits; ++j) {
      const int32_t i = base + j;
      const float t = threshold ? threshold[i] : 0.0f;
      uint32_t bit = x[(ptrdiff_t)i * stride] < t ? 1u : 0u;
      if (flip)
        bit ^= (uint32_t)(flip[i] & 1u);
      word |= bit << j;
    }
    y[w] = word;
  }
}

/* NCHW float -> packed channels-last; threshold/flip per channel [c]. */
static inline void bnnc_pack_threshold_f32_nchw_to_nhwc32(
    const bnnc_bpack_params *p, const float *x, const float *threshold,
    const uint8_t *flip, uint32_t *y) {
  const int32_t cg = p->c / p->group;
  const size_t channels = (size_t)p->c, group = (size_t)p->group;
  const size_t wg = (size_t)bnnc_bwords32(cg, 1);
  const size_t plane = (size_t)p->h * (size_t)p->w;
  for (size_t n = 0; n < (size_t)p->n; ++n)
    for (size_t pix = 0; pix < plane; ++pix)
      for (size_t g = 0; g < group; ++g) {
        const size_t c0 = g * (size_t)cg;
        bnnc_pack_f32_run32(cg, x + (n * channels + c0) * plane + pix,
                            (ptrdiff_t)plane, threshold ? threshold + c0 : NULL,
                            flip ? flip + c0 : NULL,
                            y + ((n * plane + pix) * group + g) * wg);
      }
}

static inline void bnnc_pack_f32_nchw_to_nhwc32(const bnnc_bpack_params *p,
                                                const float *x, uint32_t *y) {
  bnnc_pack_threshold_f32_nchw_to_nhwc32(p, x, NULL, NULL, y);
}

/* OIHW float weights -> packed OHWI (m, kh, kw, ceil(cg / 32)), by b(w).
 * The compiler packs constant weights with this at compile time. */
static inline void
bnnc_pack_weights_oihw_f32_to_ohwi32(const bnnc_bweights_params *p,
                                     const float *w, uint32_t *y) {
  const size_t wg = (size_t)bnnc_bwords32(p->cg, 1);
  const size_t cg = (size_t)p->cg, taps = (size_t)p->kh * (size_t)p->kw;
  for (size_t o = 0; o < (size_t)p->m; ++o)
    for (size_t tap = 0; tap < taps; ++tap)
      bnnc_pack_f32_run32(p->cg, w + o * cg * taps + tap, (ptrdiff_t)taps, NULL,
                          NULL, y + (o * taps + tap) * wg);
}

/* Binarized LayerNorm (techniques.md section 1.4): for each of `rows` rows
 * of d values, b(gamma_i * (x_i - mean) / s + beta_i) with s = sqrt(var +
 * eps) equals ((x_i - mean) < t_i * s) XOR flip_i, t_i = -beta_i / gamma_i,
 * flip_i = gamma_i < 0 (gamma_i = 0: t_i = +-INFINITY gives the constant
 * bit of beta_i). No division and no normalized tensor; the mean and s come
 * from bnnc_row_moments_f32, as in bnnc_layernorm_f32. Rows are packed into
 * ceil(d / 32) words, tail bits 0. */
static inline void bnnc_pack_layernorm_f32(int32_t rows, int32_t d,
                                           const float *x, const float *t,
                                           const uint8_t *flip, float epsilon,
                                           uint32_t *y) {
  const int32_t words = (d + 31) / 32;
  for (int32_t r = 0; r < rows; ++r) {
    const float *row = x + (size_t)r * (size_t)d;
    float mean, s;
    bnnc_row_moments_f32(row, d, epsilon, &mean, &s);
    uint32_t *out = y + (size_t)r * (size_t)words;
    for (int32_t w = 0; w < words; ++w)
      out[w] = 0;
    for (int32_t i = 0; i < d; ++i) {
      const uint32_t bit =
          ((row[i] - mean) < t[i] * s ? 1u : 0u) ^ (uint32_t)(flip[i] & 1u);
      out[i / 32] |= bit << (i % 32);
    }
  }
}

/* Sum of the weights of the taps of filter `wo` outside [ky0,ky1) x
 * [kx0,kx1): per tap, cg - 2 * popcount(weight bits). */
static inline int32_t
bnnc_bconv2d32_padded_sum(const bnnc_bconv2d_params *p, const uint32_t *wo,
                          int32_t cg, int32_t ky0, int32_t ky1, int32_t kx0,
                          int32_t kx1) {
  const int32_t wg = bnnc_bwords32(cg, 1);
  int32_t sum = 0;
  for (int32_t ky = 0; ky < p->kh; ++ky)
    for (int32_t kx = 0; kx < p->kw; ++kx) {
      const uint32_t *wt =
          wo + ((size_t)ky * (size_t)p->kw + (size_t)kx) * (size_t)wg;
      int32_t ones = 0;
      if (ky >= ky0 && ky < ky1 && kx >= kx0 && kx < kx1)
        continue;
      for (int32_t i = 0; i < wg; ++i)
        ones += bnnc_popcount32(wt[i]);
      sum += cg - 2 * ones;
    }
  return sum;
}

/* The convolution. One output position's taps come from bnnc_bvalid_taps;
 * the dot over them is K - 2 * popcount with K = valid taps * cg, plus the
 * padded taps' weight sums when pad_value != 0. The public entry points
 * share this loop nest and differ in the store: exactly one of y_float (with
 * fe), y_bits (with be) and y_q (with qe; int8 when q_signed, else uint8)
 * is non-NULL. */
static inline void bnnc_bconv2d32_impl(const bnnc_bconv2d_params *p,
                                       const uint32_t *x, const uint32_t *w,
                                       const bnnc_bfloat_epilogue *fe,
                                       float *y_float,
                                       const bnnc_bbits_epilogue *be,
                                       uint32_t *y_bits,
                                       const bnnc_bq8_epilogue *qe, void *y_q,
                                       int q_signed) {
  const int32_t cg = p->c / p->group, mg = p->m / p->group;
  const int32_t wg = bnnc_bwords32(cg, 1);
  /* Offsets in size_t (see runtime.h), cast in place: size_t locals hoisted
   * out of the loop nest cost stack (336 -> 480 bytes, x86-64). */
  const size_t in_pixel = (size_t)p->group * (size_t)wg;
  const size_t filter = (size_t)p->kh * (size_t)p->kw * (size_t)wg;
  const int32_t out_group = be ? be->out_group : 1;
  const int32_t out_mg = p->m / out_group;
  const int32_t out_wg = bnnc_bwords32(out_mg, 1);
  const size_t out_pixel = (size_t)out_group * (size_t)out_wg;
  for (int32_t n = 0; n < p->n; ++n) {
    const uint32_t *xn = x + (size_t)n * (size_t)p->h * (size_t)p->w * in_pixel;
    for (int32_t oy = 0; oy < p->oh; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      bnnc_bvalid_taps(oy, p->stride_h, p->pad_top, p->dilation_h, p->kh, p->h,
                       &ky0, &ky1);
      for (int32_t ox = 0; ox < p->ow; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        const size_t pos =
            ((size_t)n * (size_t)p->oh + (size_t)oy) * (size_t)p->ow +
            (size_t)ox;
        uint32_t *yb = y_bits ? y_bits + pos * out_pixel : NULL;
        int32_t kx0, kx1;
        bnnc_bvalid_taps(ox, p->stride_w, p->pad_left, p->dilation_w, p->kw,
                         p->w, &kx0, &kx1);
        if (yb)
          for (size_t i = 0; i < out_pixel; ++i)
            yb[i] = 0;
        for (int32_t o = 0; o < p->m; ++o) {
          const uint32_t *xg = xn + (size_t)(o / mg) * (size_t)wg;
          const uint32_t *wo = w + (size_t)o * filter;
          int32_t ones = 0, dot;
          for (int32_t ky = ky0; ky < ky1; ++ky) {
            const int32_t iy = iy0 + ky * p->dilation_h;
            for (int32_t kx = kx0; kx < kx1; ++kx) {
              const int32_t ix = ix0 + kx * p->dilation_w;
              const uint32_t *xt =
                  xg + ((size_t)iy * (size_t)p->w + (size_t)ix) * in_pixel;
              const uint32_t *wt =
                  wo + ((size_t)ky * (size_t)p->kw + (size_t)kx) * (size_t)wg;
              for (int32_t i = 0; i < wg; ++i)
                ones += bnnc_popcount32(xt[i] ^ wt[i]);
            }
          }
          dot = (ky1 - ky0) * (kx1 - kx0) * cg - 2 * ones;
          if (p->pad_value != 0)
            dot += p->pad_value *
                   bnnc_bconv2d32_padded_sum(p, wo, cg, ky0, ky1, kx0, kx1);
          if (yb) {
            const int32_t og = o / out_mg, oc = o % out_mg;
            yb[(size_t)og * (size_t)out_wg + (size_t)(oc / 32)] |=
                bnnc_bbit(be, o, dot) << (oc % 32);
          } else {
            const size_t at =
                (((size_t)n * (size_t)p->m + (size_t)o) * (size_t)p->oh +
                 (size_t)oy) *
                    (size_t)p->ow +
                (size_t)ox;
            if (y_q && q_signed)
              ((int8_t *)y_q)[at] = (int8_t)bnnc_bq8_apply(qe, o, dot);
            else if (y_q)
              ((uint8_t *)y_q)[at] = (uint8_t)bnnc_bq8_apply(qe, o, dot);
            else
              y_float[at] = bnnc_bfloat_apply(fe, o, dot);
          }
        }
      }
    }
  }
}

/* Float epilogue, NCHW output (n, m, oh, ow). */
static inline void bnnc_bconv2d32_float(const bnnc_bconv2d_params *p,
                                        const uint32_t *x, const uint32_t *w,
                                        const bnnc_bfloat_epilogue *e,
                                        float *y) {
  bnnc_bconv2d32_impl(p, x, w, e, y, NULL, NULL, NULL, NULL, 0);
}

/* Threshold epilogue: packed (n, oh, ow, bnnc_bwords32(m, e->out_group)). */
static inline void bnnc_bconv2d32_bits(const bnnc_bconv2d_params *p,
                                       const uint32_t *x, const uint32_t *w,
                                       const bnnc_bbits_epilogue *e,
                                       uint32_t *y) {
  bnnc_bconv2d32_impl(p, x, w, NULL, NULL, e, y, NULL, NULL, 0);
}

/* int8 (y_signed) or uint8 epilogue, NCHW output (bnnc_bq8_apply). */
static inline void bnnc_bconv2d32_q8(const bnnc_bconv2d_params *p,
                                     const uint32_t *x, const uint32_t *w,
                                     const bnnc_bq8_epilogue *e, int y_signed,
                                     void *y) {
  bnnc_bconv2d32_impl(p, x, w, NULL, NULL, NULL, NULL, e, y, y_signed);
}

/* Max pool. max over +-1 values is +1 iff some value is +1, else -1. With
 * +1 <-> 0 and -1 <-> 1 the output bit is 1 iff every input bit is 1: the
 * bitwise AND of the window's words (per channel, so per bit). Padded taps
 * are skipped, as ONNX MaxPool ignores them; tail bits stay 0 because 0 AND
 * anything is 0. A window with no valid tap (possible only with dilation)
 * is -inf in ONNX, whose binarization is -1: all channel bits 1, tails 0.
 *
 * bnnc_bminmaxpool2d32 takes the minimum instead on the channels whose bit
 * is set in or_mask (one packed pixel: p->group * bnnc_bwords32(c / group, 1)
 * words, tail bits 0): min over +-1 values is -1 iff some value is -1, the
 * bitwise OR, computed as NOT AND NOT: y = AND(x XOR m) XOR m. That is the
 * pooled sign of s_c * y + t_c for s_c < 0, where the affine map turns the
 * max into a min. An empty window gives the binarized +inf there, bit 0.
 * or_mask NULL is bnnc_bmaxpool2d32. */
static inline void bnnc_bminmaxpool2d32(const bnnc_bpool2d_params *p,
                                        const uint32_t *or_mask,
                                        const uint32_t *x, uint32_t *y) {
  const int32_t cg = p->c / p->group;
  const int32_t wg = bnnc_bwords32(cg, 1);
  const int32_t words = p->group * wg;
  const size_t in_h = (size_t)p->h, in_w = (size_t)p->w;
  const size_t oh = (size_t)p->oh, ow = (size_t)p->ow;
  const size_t pixel = (size_t)words;
  for (int32_t n = 0; n < p->n; ++n)
    for (int32_t oy = 0; oy < p->oh; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      bnnc_bvalid_taps(oy, p->stride_h, p->pad_top, p->dilation_h, p->kh, p->h,
                       &ky0, &ky1);
      for (int32_t ox = 0; ox < p->ow; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        uint32_t *yp =
            y + (((size_t)n * oh + (size_t)oy) * ow + (size_t)ox) * pixel;
        int32_t kx0, kx1;
        bnnc_bvalid_taps(ox, p->stride_w, p->pad_left, p->dilation_w, p->kw,
                         p->w, &kx0, &kx1);
        for (int32_t i = 0; i < words; ++i)
          yp[i] = bnnc_bmask32(cg, i % wg);
        for (int32_t ky = ky0; ky < ky1; ++ky)
          for (int32_t kx = kx0; kx < kx1; ++kx) {
            const int32_t iy = iy0 + ky * p->dilation_h;
            const int32_t ix = ix0 + kx * p->dilation_w;
            const uint32_t *xp =
                x + (((size_t)n * in_h + (size_t)iy) * in_w + (size_t)ix) *
                        pixel;
            if (or_mask)
              for (int32_t i = 0; i < words; ++i)
                yp[i] &= xp[i] ^ or_mask[i];
            else
              for (int32_t i = 0; i < words; ++i)
                yp[i] &= xp[i];
          }
        if (or_mask)
          for (int32_t i = 0; i < words; ++i)
            yp[i] ^= or_mask[i];
      }
    }
}

static inline void bnnc_bmaxpool2d32(const bnnc_bpool2d_params *p,
                                     const uint32_t *x, uint32_t *y) {
  bnnc_bminmaxpool2d32(p, (const uint32_t *)0, x, y);
}

/* Bi-Attention kernels (they use the popcount above). */
#include "bnnc/kernels_attention.h"

#endif /* BNNC_KERNELS_BINARY_H */
