/*
 * bnnc/kernels_neon.h - ARMv8-A NEON kernels of the aarch64 target.
 *
 * The aarch64 target calls these for binary convolutions and dense layers,
 * activation packing, and real-valued convolutions and Gemm; every other op
 * uses the portable kernels (kernels_f32.h, kernels_binary.h), which the
 * compiler vectorizes on its own. docs/aarch64.md is the long form of this
 * comment: layouts, variant selection, instruction counts.
 *
 * Binary kernels. Same bit conventions as kernels_binary.h (+1 <-> 0, packed
 * channels-last 32-bit words, tail bits 0, zero padding = only valid taps
 * count). The inner step is EOR -> CNT -> pairwise adds (ADDP) -> UADALP:
 *
 * - CNT gives 8 popcounts per 64 bits in byte lanes. Up to three levels of
 *   ADDP fold byte lanes of several CNT results into one vector whose lanes
 *   are still bytes (at most 8 * 2^3 = 64 < 256 per lane, so no overflow),
 *   and one UADALP widens pairs of byte lanes into 16-bit accumulators.
 *   So every 128 bits cost EOR + CNT + one pairwise add: the 3 instructions
 *   per 128 binary MACs of the bound, plus loads.
 * - 16-bit accumulators hold K <= 65535 bits per output; the compiler uses
 *   these kernels only below that (else the portable kernel).
 * - A "block" computes 8 output pixels x 8 output channels. The ADDP tree
 *   is arranged so that accumulator o has one 16-bit lane per pixel.
 *   Pixels of a row whose whole kw window is inside the image run in blocks;
 *   the others (borders, strides the block cannot load) run one pixel x 8
 *   channels at a time with the tree arranged by channel.
 * - Weights come in the "o8" layout: per block of 8 output channels and
 *   per tap (kh, kw order), the tap's wg words split into segments of 4
 *   words, then one of 2 and one of 1 as wg requires; each segment holds
 *   the 8 channels' words side by side (8 x width words), so one LD1/LD4R
 *   loads them all. For wg = 1, 2 or 4k this is (ceil(m/8), kh, kw, units,
 *   8, min(wg, 4)). Channels past m are zero words; their results are
 *   discarded (float) or forced to bit 0 by a threshold of INT32_MIN (bits).
 * - Supported: group 1. 8x8 blocks need wg = 4k, or wg = 1, 2 with stride 1
 *   (they load 8 neighbouring pixels at once); other shapes run single
 *   pixels.
 */
#ifndef BNNC_KERNELS_NEON_H
#define BNNC_KERNELS_NEON_H

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#include "bnnc/kernels_binary.h"
#include "bnnc/kernels_f32.h"

/* Epilogue of the NEON binary convolution; every array has ceil(m/8)*8
 * entries, padded by the compiler (scale 1, bias 0, slope 0, threshold
 * INT32_MIN, flip 0). */
typedef struct {
  const int32_t *threshold; /* bits: bit = (dot < threshold[o]) XOR flip */
  /* bits: the same as popcount thresholds for the full window (K = kh kw c),
   * bnnc_layout_pop_thresholds; border pixels derive theirs from threshold */
  const uint16_t *pop_threshold;
  const uint8_t *flip_bits; /* bits: bit j of byte b = flip of channel 8b+j */
  const float *scale, *bias, *slope; /* float: act(dot * scale + bias) */
  bnnc_bactivation activation;
  float clamp_lo, clamp_hi;
} bnnc_neon_bepilogue;

/* ---- Popcount steps: acc += popcount(x XOR w) ---------------------------- */

/* Kernels are written with named vector variables and macro-unrolled steps
 * (no arrays of vectors, no loops over lanes) so that every accumulator
 * stays in a register at -O2 as well as at -O3, with GCC and clang. */
#if defined(__GNUC__) || defined(__clang__)
#define BNNC_NEON_INLINE static inline __attribute__((always_inline))
#else
#define BNNC_NEON_INLINE static inline
#endif

/* llvm-mca region markers around the hot loop bodies, for bench/aarch64.sh
 * only (it defines BNNC_NEON_MCA_MARKERS); empty otherwise. */
#ifdef BNNC_NEON_MCA_MARKERS
#define BNNC_NEON_MCA(text) __asm__ volatile("// LLVM-MCA-" text)
#else
#define BNNC_NEON_MCA(text) ((void)0)
#endif

/* F(0) ... F(7): the 8 output channels (or pixels) of a block. */
#define BNNC_NEON_EACH8(F) F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7)

/* Index of pixel (y, x) of image `image` in a stack of h x w images, in
 * size_t like every offset (see runtime.h). */
BNNC_NEON_INLINE size_t bnnc_neon_pixel(size_t image, int32_t h, int32_t w,
                                        int32_t y, int32_t x) {
  return (image * (size_t)h + (size_t)y) * (size_t)w + (size_t)x;
}

/* Lanes of the 8 inputs summed so that lane 2i, 2i+1 hold input i's sum. */
BNNC_NEON_INLINE uint8x16_t bnnc_neon_tree8(uint8x16_t c0, uint8x16_t c1,
                                         uint8x16_t c2, uint8x16_t c3,
                                         uint8x16_t c4, uint8x16_t c5,
                                         uint8x16_t c6, uint8x16_t c7) {
  return vpaddq_u8(vpaddq_u8(vpaddq_u8(c0, c1), vpaddq_u8(c2, c3)),
                   vpaddq_u8(vpaddq_u8(c4, c5), vpaddq_u8(c6, c7)));
}

/* acc (lane o = channel o) += popcount(one 4-word segment of a pixel at xp
 * XOR the 8 channels' segments at wp). */
#define BNNC_NEON_SEG8(acc, xp, wp)                                            \
  do {                                                                         \
    const uint8x16_t xq = vld1q_u8((const uint8_t *)(xp));                     \
    const uint8x16x4_t wa = vld1q_u8_x4((const uint8_t *)(wp));                \
    const uint8x16x4_t wb = vld1q_u8_x4((const uint8_t *)((wp) + 16));         \
    acc = vpadalq_u8(                                                          \
        acc, bnnc_neon_tree8(vcntq_u8(veorq_u8(xq, wa.val[0])),                \
                             vcntq_u8(veorq_u8(xq, wa.val[1])),                \
                             vcntq_u8(veorq_u8(xq, wa.val[2])),                \
                             vcntq_u8(veorq_u8(xq, wa.val[3])),                \
                             vcntq_u8(veorq_u8(xq, wb.val[0])),                \
                             vcntq_u8(veorq_u8(xq, wb.val[1])),                \
                             vcntq_u8(veorq_u8(xq, wb.val[2])),                \
                             vcntq_u8(veorq_u8(xq, wb.val[3]))));              \
  } while (0)

/* One pixel x 8 channels, one tap. acc lane o = channel o. The tap's words
 * are taken as 4-word segments, then a 2-word and a 1-word one as wg needs
 * (see the o8 layout). */
BNNC_NEON_INLINE uint16x8_t bnnc_neon_pixel_tap(const uint32_t *x,
                                             const uint32_t *w, int32_t wg,
                                             uint16x8_t acc) {
  int32_t u = 0;
  if (wg >= 8) {
    /* Two segments per iteration into two accumulators: half the loop
     * overhead, and the two dependency chains overlap. */
    uint16x8_t acc2 = vdupq_n_u16(0);
    for (; u + 8 <= wg; u += 8) {
      BNNC_NEON_MCA("BEGIN pixel_8_words");
      BNNC_NEON_SEG8(acc, x + u, w + 8 * u);
      BNNC_NEON_SEG8(acc2, x + u + 4, w + 8 * u + 32);
      BNNC_NEON_MCA("END pixel_8_words");
    }
    acc = vaddq_u16(acc, acc2);
  }
  if (u + 4 <= wg) {
    BNNC_NEON_SEG8(acc, x + u, w + 8 * u);
    u += 4;
  }
  if (wg & 2) {
    /* The pixel's 2 words twice against channels (0,1), (2,3), ... */
    const uint8x16_t xd =
        vreinterpretq_u8_u64(vld1q_dup_u64((const uint64_t *)(x + u)));
    const uint8x16x4_t ws = vld1q_u8_x4((const uint8_t *)(w + 8 * u));
    const uint8x16_t c0 = vcntq_u8(veorq_u8(xd, ws.val[0]));
    const uint8x16_t c1 = vcntq_u8(veorq_u8(xd, ws.val[1]));
    const uint8x16_t c2 = vcntq_u8(veorq_u8(xd, ws.val[2]));
    const uint8x16_t c3 = vcntq_u8(veorq_u8(xd, ws.val[3]));
    acc = vpadalq_u8(acc, vpaddq_u8(vpaddq_u8(c0, c1), vpaddq_u8(c2, c3)));
    u += 2;
  }
  if (wg & 1) {
    /* The pixel's word four times against channels 0-3, then 4-7. */
    const uint8x16_t xd = vreinterpretq_u8_u32(vld1q_dup_u32(x + u));
    const uint8x16_t c0 =
        vcntq_u8(veorq_u8(xd, vld1q_u8((const uint8_t *)(w + 8 * u))));
    const uint8x16_t c1 =
        vcntq_u8(veorq_u8(xd, vld1q_u8((const uint8_t *)(w + 8 * u + 4))));
    acc = vpadalq_u8(acc, vpaddq_u8(c0, c1));
  }
  return acc;
}

/* ---- Epilogues ------------------------------------------------------------ */

/* Popcount thresholds of channels 8ob..8ob+7 for K valid bits:
 * dot = K - 2 pop < t  <=>  pop >= floor((K - t) / 2) + 1, saturated to
 * [0, 65535] (0: always 1; 65535 > K: never). */
BNNC_NEON_INLINE uint16x8_t bnnc_neon_pop_thresholds(const int32_t *t,
                                                  int32_t k) {
  const int32x4_t kv = vdupq_n_s32(k), one = vdupq_n_s32(1);
  const int32x4_t lo = vaddq_s32(vshrq_n_s32(vqsubq_s32(kv, vld1q_s32(t)), 1), one);
  const int32x4_t hi =
      vaddq_s32(vshrq_n_s32(vqsubq_s32(kv, vld1q_s32(t + 4)), 1), one);
  return vcombine_u16(vqmovun_s32(lo), vqmovun_s32(hi));
}

/* The popcount thresholds of channels 8ob..8ob+7 for K valid bits: the
 * compile-time table for the full window, else derived. */
BNNC_NEON_INLINE uint16x8_t bnnc_neon_thresholds(const bnnc_neon_bepilogue *e,
                                                 int32_t ob, int32_t k,
                                                 int32_t full_k) {
  return k == full_k ? vld1q_u16(e->pop_threshold + 8 * ob)
                     : bnnc_neon_pop_thresholds(e->threshold + 8 * ob, k);
}

/* Float epilogue of 8 values of one channel (or 8 channels of one pixel). */
BNNC_NEON_INLINE void bnnc_neon_float_out(const bnnc_neon_bepilogue *e,
                                       uint16x8_t pop, int32_t k,
                                       float32x4_t scale_lo, float32x4_t scale_hi,
                                       float32x4_t bias_lo, float32x4_t bias_hi,
                                       float32x4_t slope_lo, float32x4_t slope_hi,
                                       float32x4_t out[2]) {
  /* dot = K - 2 * pop, exact in int32 and in float (|dot| < 2^24). */
  const int32x4_t kv = vdupq_n_s32(k);
  const int32x4_t d_lo = vsubq_s32(
      kv, vreinterpretq_s32_u32(vshll_n_u16(vget_low_u16(pop), 1)));
  const int32x4_t d_hi = vsubq_s32(kv, vreinterpretq_s32_u32(vshll_high_n_u16(pop, 1)));
  /* Multiply, then add, as the portable epilogue does: results are equal
   * bit for bit (an FMA would round once instead of twice). */
  float32x4_t lo = vaddq_f32(vmulq_f32(vcvtq_f32_s32(d_lo), scale_lo), bias_lo);
  float32x4_t hi = vaddq_f32(vmulq_f32(vcvtq_f32_s32(d_hi), scale_hi), bias_hi);
  switch (e->activation) {
  case BNNC_BACT_RELU:
    lo = vmaxq_f32(lo, vdupq_n_f32(0.0f));
    hi = vmaxq_f32(hi, vdupq_n_f32(0.0f));
    break;
  case BNNC_BACT_PRELU:
    lo = vbslq_f32(vcltzq_f32(lo), vmulq_f32(lo, slope_lo), lo);
    hi = vbslq_f32(vcltzq_f32(hi), vmulq_f32(hi, slope_hi), hi);
    break;
  case BNNC_BACT_CLAMP:
    lo = vminq_f32(vmaxq_f32(lo, vdupq_n_f32(e->clamp_lo)), vdupq_n_f32(e->clamp_hi));
    hi = vminq_f32(vmaxq_f32(hi, vdupq_n_f32(e->clamp_lo)), vdupq_n_f32(e->clamp_hi));
    break;
  default:
    break;
  }
  out[0] = lo;
  out[1] = hi;
}

/* ---- The convolution -------------------------------------------------------
 * Output: bits (y_bits != NULL), packed (n, oh, ow, ceil(m/32)) words, or
 * float NCHW. */

typedef struct {
  const bnnc_bconv2d_params *p;
  const uint32_t *x;  /* packed input */
  const uint32_t *w8; /* o8 weights */
  const bnnc_neon_bepilogue *e;
  float *y_float;
  uint8_t *y_bits; /* as bytes: channel o of a pixel = byte o / 8, bit o % 8 */
  int32_t wg, m8, out_bytes; /* words per tap, ceil(m/8)*8, output pixel bytes */
} bnnc_neon_bconv_ctx;

static inline void bnnc_neon_bconv_pixel(const bnnc_neon_bconv_ctx *c, int32_t n,
                                         int32_t oy, int32_t ox, int32_t ky0,
                                         int32_t ky1) {
  /* Locals only inside the loops (see BNNC_NEON_BLOCK_TAPS). */
  const bnnc_bconv2d_params *p = c->p;
  const int32_t wg = c->wg, blocks = c->m8 / 8, m = p->m;
  const ptrdiff_t tap_words = (ptrdiff_t)8 * wg;
  int32_t kx0, kx1;
  bnnc_bvalid_taps(ox, p->stride_w, p->pad_left, p->dilation_w, p->kw, p->w,
                   &kx0, &kx1);
  const int32_t rows = ky1 - ky0, cols = kx1 - kx0;
  const int32_t k = rows * cols * p->c;
  const int32_t iy = oy * p->stride_h - p->pad_top + ky0 * p->dilation_h;
  const int32_t ix = ox * p->stride_w - p->pad_left + kx0 * p->dilation_w;
  const ptrdiff_t dstride = (ptrdiff_t)p->dilation_w * wg;
  const ptrdiff_t xrow_step = (ptrdiff_t)p->dilation_h * p->w * wg;
  const ptrdiff_t wrow_step = (ptrdiff_t)p->kw * tap_words;
  const ptrdiff_t wblock_step = (ptrdiff_t)p->kh * wrow_step;
  const uint32_t *const xrow =
      c->x + bnnc_neon_pixel((size_t)n, p->h, p->w, iy, ix) * (size_t)wg;
  const uint32_t *wob = c->w8 + (ptrdiff_t)ky0 * wrow_step + (ptrdiff_t)kx0 * tap_words;
  const size_t pos = bnnc_neon_pixel((size_t)n, p->oh, p->ow, oy, ox);
  const size_t plane = (size_t)p->oh * (size_t)p->ow;
  const bnnc_neon_bepilogue *e = c->e;
  uint8_t *const yb = c->y_bits ? c->y_bits + pos * (size_t)c->out_bytes : NULL;
  float *const yf =
      c->y_float ? c->y_float + (size_t)n * (size_t)m * plane +
                       bnnc_neon_pixel(0, p->oh, p->ow, oy, ox)
                 : NULL;
  static const uint16_t weights[8] = {1, 2, 4, 8, 16, 32, 64, 128};
  const uint16x8_t bit_weights = vld1q_u16(weights);
  for (int32_t ob = 0; ob < blocks; ++ob, wob += wblock_step) {
    uint16x8_t acc = vdupq_n_u16(0);
    const uint32_t *xt = xrow, *wt = wob;
    for (int32_t r = 0; r < rows; ++r, xt += xrow_step, wt += wrow_step) {
      const uint32_t *xk = xt, *wk = wt;
      if (wg % 4 == 0) /* segments only: no per-tap case analysis */
        for (int32_t kx = 0; kx < cols; ++kx, xk += dstride, wk += tap_words)
          for (int32_t u = 0; u < wg; u += 4)
            BNNC_NEON_SEG8(acc, xk + u, wk + 8 * u);
      else
        for (int32_t kx = 0; kx < cols; ++kx, xk += dstride, wk += tap_words)
          acc = bnnc_neon_pixel_tap(xk, wk, wg, acc);
    }
    if (yb) {
      const uint16x8_t pt = bnnc_neon_thresholds(e, ob, k, p->kh * p->kw * p->c);
      const uint16x8_t bits = vandq_u16(vcgeq_u16(acc, pt), bit_weights);
      yb[ob] = (uint8_t)(vaddvq_u16(bits) ^ e->flip_bits[ob]);
    } else {
      const int32_t o0 = 8 * ob;
      float32x4_t v[2];
      bnnc_neon_float_out(e, acc, k, vld1q_f32(e->scale + o0),
                          vld1q_f32(e->scale + o0 + 4), vld1q_f32(e->bias + o0),
                          vld1q_f32(e->bias + o0 + 4), vld1q_f32(e->slope + o0),
                          vld1q_f32(e->slope + o0 + 4), v);
      float vals[8];
      vst1q_f32(vals, v[0]);
      vst1q_f32(vals + 4, v[1]);
      for (int32_t j = 0; j < 8 && o0 + j < m; ++j)
        yf[(size_t)(o0 + j) * plane] = vals[j];
    }
  }
}

/* 8 pixels ox0..ox0+7 of row oy, all with the full kw window, times 8
 * channels: accumulator aJ holds channel J, one 16-bit lane per pixel. */

/* One tap, 1 word per pixel: 8 neighbouring pixels in 2 registers (4 each),
 * each channel's word replicated 4 times (LD4R). */
#define BNNC_NEON_BLOCK_TAP_W1(xt, wt)                                         \
  do {                                                                         \
    const uint8x16_t x0 = vld1q_u8((const uint8_t *)(xt));                     \
    const uint8x16_t x1 = vld1q_u8((const uint8_t *)((xt) + 4));               \
    const uint32x4x4_t wa = vld4q_dup_u32(wt), wb = vld4q_dup_u32((wt) + 4);   \
    BNNC_NEON_EACH8(BNNC_NEON_W1_STEP)                                         \
  } while (0)
#define BNNC_NEON_W1_STEP(o)                                                   \
  {                                                                            \
    const uint8x16_t wo =                                                      \
        vreinterpretq_u8_u32((o) < 4 ? wa.val[(o) & 3] : wb.val[(o) & 3]);     \
    a##o = vpadalq_u8(a##o, vpaddq_u8(vcntq_u8(veorq_u8(x0, wo)),              \
                                      vcntq_u8(veorq_u8(x1, wo))));            \
  }

/* One tap, 2 words per pixel: register j holds pixels 2j and 2j+1, each
 * channel's 2 words replicated twice (LD4R of 64-bit elements). */
#define BNNC_NEON_BLOCK_TAP_W2(xt, wt)                                         \
  do {                                                                         \
    const uint8x16x4_t xs = vld1q_u8_x4((const uint8_t *)(xt));                \
    const uint64x2x4_t wa = vld4q_dup_u64((const uint64_t *)(wt));             \
    const uint64x2x4_t wb = vld4q_dup_u64((const uint64_t *)((wt) + 8));       \
    BNNC_NEON_EACH8(BNNC_NEON_W2_STEP)                                         \
  } while (0)
#define BNNC_NEON_W2_STEP(o)                                                   \
  {                                                                            \
    const uint8x16_t wo =                                                      \
        vreinterpretq_u8_u64((o) < 4 ? wa.val[(o) & 3] : wb.val[(o) & 3]);     \
    a##o = vpadalq_u8(                                                         \
        a##o, vpaddq_u8(vpaddq_u8(vcntq_u8(veorq_u8(xs.val[0], wo)),           \
                                  vcntq_u8(veorq_u8(xs.val[1], wo))),          \
                        vpaddq_u8(vcntq_u8(veorq_u8(xs.val[2], wo)),           \
                                  vcntq_u8(veorq_u8(xs.val[3], wo)))));        \
  }

/* One 4-word segment of a tap: one register per pixel (pixel p at
 * xt + p * pstride), one per channel. */
#define BNNC_NEON_BLOCK_SEG_W4(xt, pstride, wt)                                \
  do {                                                                         \
    BNNC_NEON_MCA("BEGIN block_segment_w4");                                   \
    const uint8x16_t p0 = vld1q_u8((const uint8_t *)(xt));                     \
    const uint8x16_t p1 = vld1q_u8((const uint8_t *)((xt) + (pstride)));       \
    const uint8x16_t p2 = vld1q_u8((const uint8_t *)((xt) + 2 * (pstride)));   \
    const uint8x16_t p3 = vld1q_u8((const uint8_t *)((xt) + 3 * (pstride)));   \
    const uint8x16_t p4 = vld1q_u8((const uint8_t *)((xt) + 4 * (pstride)));   \
    const uint8x16_t p5 = vld1q_u8((const uint8_t *)((xt) + 5 * (pstride)));   \
    const uint8x16_t p6 = vld1q_u8((const uint8_t *)((xt) + 6 * (pstride)));   \
    const uint8x16_t p7 = vld1q_u8((const uint8_t *)((xt) + 7 * (pstride)));   \
    const uint8x16x4_t wa = vld1q_u8_x4((const uint8_t *)(wt));                \
    const uint8x16x4_t wb = vld1q_u8_x4((const uint8_t *)((wt) + 16));         \
    BNNC_NEON_EACH8(BNNC_NEON_W4_STEP)                                         \
    BNNC_NEON_MCA("END block_segment_w4");                                     \
  } while (0)
#define BNNC_NEON_W4_STEP(o)                                                   \
  {                                                                            \
    const uint8x16_t wo = (o) < 4 ? wa.val[(o) & 3] : wb.val[(o) & 3];         \
    a##o = vpadalq_u8(                                                         \
        a##o, bnnc_neon_tree8(vcntq_u8(veorq_u8(p0, wo)),                      \
                              vcntq_u8(veorq_u8(p1, wo)),                      \
                              vcntq_u8(veorq_u8(p2, wo)),                      \
                              vcntq_u8(veorq_u8(p3, wo)),                      \
                              vcntq_u8(veorq_u8(p4, wo)),                      \
                              vcntq_u8(veorq_u8(p5, wo)),                      \
                              vcntq_u8(veorq_u8(p6, wo)),                      \
                              vcntq_u8(veorq_u8(p7, wo))));                    \
  }

/* The taps of rows ky0..ky1-1, each by STEP(xt, wt); 3-wide rows unrolled
 * (constant offsets, no loop overhead per tap). Every value it reads is a
 * local: the byte stores of the bits epilogue may alias anything, so
 * fields read through pointers would be reloaded after each of them. */
#define BNNC_NEON_BLOCK_TAPS(STEP)                                             \
  {                                                                            \
    const uint32_t *xt = xrow, *wt = wob;                                      \
    for (int32_t r = rows; r > 0; --r, xt += xrow_step, wt += wrow_step) {     \
      if (kw == 3) {                                                           \
        BNNC_NEON_MCA("BEGIN " #STEP);                                         \
        STEP(xt, wt);                                                          \
        STEP(xt + dstride, wt + tap_words);                                    \
        STEP(xt + 2 * dstride, wt + 2 * tap_words);                            \
        BNNC_NEON_MCA("END " #STEP);                                           \
      } else {                                                                 \
        const uint32_t *xk = xt, *wk = wt;                                     \
        for (int32_t kx = 0; kx < kw; ++kx, xk += dstride, wk += tap_words)    \
          STEP(xk, wk);                                                        \
      }                                                                        \
    }                                                                          \
  }

#define BNNC_NEON_BLOCK_TAP_W4(xt, wt)                                         \
  for (int32_t u = 0; u < wg; u += 4)                                          \
  BNNC_NEON_BLOCK_SEG_W4((xt) + u, pstride, (wt) + 8 * u)

#define BNNC_NEON_ZERO(o) uint16x8_t a##o = vdupq_n_u16(0);
/* Channel o's compare mask inserted at bit o (SLI keeps bits 0..o-1). */
#define BNNC_NEON_BIT(o)                                                       \
  r = vsliq_n_u16(r, vcgeq_u16(a##o, vdupq_laneq_u16(pt, o)), o);
#define BNNC_NEON_FLOAT_ROW(o)                                                 \
  if (8 * ob + (o) < m)                                                        \
    bnnc_neon_float_row(c, n, oy, ox0, 8 * ob + (o), k, a##o);

/* Float epilogue of one channel's 8 pixels: NCHW, contiguous. */
BNNC_NEON_INLINE void bnnc_neon_float_row(const bnnc_neon_bconv_ctx *c,
                                          int32_t n, int32_t oy, int32_t ox0,
                                          int32_t o, int32_t k, uint16x8_t pop) {
  const bnnc_bconv2d_params *p = c->p;
  const float32x4_t s = vdupq_n_f32(c->e->scale[o]);
  const float32x4_t b = vdupq_n_f32(c->e->bias[o]);
  const float32x4_t sl = vdupq_n_f32(c->e->slope[o]);
  float32x4_t v[2];
  bnnc_neon_float_out(c->e, pop, k, s, s, b, b, sl, sl, v);
  float *yo = c->y_float + bnnc_neon_pixel((size_t)n * (size_t)p->m + (size_t)o,
                                           p->oh, p->ow, oy, ox0);
  vst1q_f32(yo, v[0]);
  vst1q_f32(yo + 4, v[1]);
}

/* GCC's pre-register-allocation scheduler hoists all 32 EORs of a tap
 * ahead of the CNTs, runs out of the 32 vector registers and spills the
 * accumulators on every tap (~15% more instructions); the block is compiled
 * without it. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-schedule-insns")))
#endif
static inline void bnnc_neon_bconv_block(const bnnc_neon_bconv_ctx *c, int32_t n,
                                         int32_t oy, int32_t ox0, int32_t ky0,
                                         int32_t ky1) {
  const bnnc_bconv2d_params *p = c->p;
  const int32_t wg = c->wg, kw = p->kw, rows = ky1 - ky0, blocks = c->m8 / 8;
  const ptrdiff_t tap_words = (ptrdiff_t)8 * wg;
  const int32_t k = rows * kw * p->c;
  const int32_t ix = ox0 * p->stride_w - p->pad_left;
  const int32_t iy = oy * p->stride_h - p->pad_top + ky0 * p->dilation_h;
  const ptrdiff_t pstride = (ptrdiff_t)p->stride_w * wg;
  const ptrdiff_t dstride = (ptrdiff_t)p->dilation_w * wg;
  const ptrdiff_t xrow_step = (ptrdiff_t)p->dilation_h * p->w * wg;
  const ptrdiff_t wrow_step = (ptrdiff_t)kw * tap_words;
  const ptrdiff_t wblock_step = (ptrdiff_t)p->kh * wrow_step;
  const uint32_t *const xrow =
      c->x + bnnc_neon_pixel((size_t)n, p->h, p->w, iy, ix) * (size_t)wg;
  const uint32_t *wob = c->w8 + (ptrdiff_t)ky0 * wrow_step;
  const int32_t full_k = p->kh * kw * p->c;
  const uint8_t *flip_bits = c->e->flip_bits;
  const size_t step = (size_t)c->out_bytes;
  uint8_t *const ybits = c->y_bits;
  uint8_t *yb =
      ybits ? ybits + bnnc_neon_pixel((size_t)n, p->oh, p->ow, oy, ox0) * step
            : NULL;
  const int32_t m = p->m;
  for (int32_t ob = 0; ob < blocks; ++ob, wob += wblock_step, ++yb) {
    BNNC_NEON_EACH8(BNNC_NEON_ZERO)
    if (wg == 1)
      BNNC_NEON_BLOCK_TAPS(BNNC_NEON_BLOCK_TAP_W1)
    else if (wg == 2)
      BNNC_NEON_BLOCK_TAPS(BNNC_NEON_BLOCK_TAP_W2)
    else
      BNNC_NEON_BLOCK_TAPS(BNNC_NEON_BLOCK_TAP_W4)
    if (ybits) {
      /* Bits 0..7 of lane p = pixel p's byte for channels 8ob..8ob+7; the
       * bits above 7 are dropped by XTN. */
      const uint16x8_t pt = bnnc_neon_thresholds(c->e, ob, k, full_k);
      uint16x8_t r = vcgeq_u16(a0, vdupq_laneq_u16(pt, 0));
      BNNC_NEON_BIT(1) BNNC_NEON_BIT(2) BNNC_NEON_BIT(3) BNNC_NEON_BIT(4)
      BNNC_NEON_BIT(5) BNNC_NEON_BIT(6) BNNC_NEON_BIT(7)
      const uint8x8_t bytes = veor_u8(vmovn_u16(r), vdup_n_u8(flip_bits[ob]));
      vst1_lane_u8(yb, bytes, 0);
      vst1_lane_u8(yb + step, bytes, 1);
      vst1_lane_u8(yb + 2 * step, bytes, 2);
      vst1_lane_u8(yb + 3 * step, bytes, 3);
      vst1_lane_u8(yb + 4 * step, bytes, 4);
      vst1_lane_u8(yb + 5 * step, bytes, 5);
      vst1_lane_u8(yb + 6 * step, bytes, 6);
      vst1_lane_u8(yb + 7 * step, bytes, 7);
    } else {
      BNNC_NEON_EACH8(BNNC_NEON_FLOAT_ROW)
    }
  }
}

/* The epilogue of 8 channels (lane o = channel 8ob + o) of one dense row. */
BNNC_NEON_INLINE void bnnc_neon_dense_out(const bnnc_neon_bconv_ctx *c, int32_t n,
                                          int32_t ob, uint16x8_t acc) {
  static const uint16_t weights[8] = {1, 2, 4, 8, 16, 32, 64, 128};
  const bnnc_neon_bepilogue *e = c->e;
  const int32_t m = c->p->m, k = c->p->c, o0 = 8 * ob;
  if (c->y_bits) {
    const uint16x8_t pt = bnnc_neon_thresholds(e, ob, k, k);
    const uint16x8_t bits = vandq_u16(vcgeq_u16(acc, pt), vld1q_u16(weights));
    c->y_bits[(size_t)n * (size_t)c->out_bytes + (size_t)ob] =
        (uint8_t)(vaddvq_u16(bits) ^ e->flip_bits[ob]);
    return;
  }
  float *const yf = c->y_float + (size_t)n * (size_t)m;
  float32x4_t v[2];
  bnnc_neon_float_out(e, acc, k, vld1q_f32(e->scale + o0),
                      vld1q_f32(e->scale + o0 + 4), vld1q_f32(e->bias + o0),
                      vld1q_f32(e->bias + o0 + 4), vld1q_f32(e->slope + o0),
                      vld1q_f32(e->slope + o0 + 4), v);
  if (o0 + 8 <= m) {
    vst1q_f32(yf + o0, v[0]);
    vst1q_f32(yf + o0 + 4, v[1]);
  } else {
    float vals[8];
    vst1q_f32(vals, v[0]);
    vst1q_f32(vals + 4, v[1]);
    for (int32_t j = 0; o0 + j < m; ++j)
      yf[o0 + j] = vals[j];
  }
}

/* Dense layers (1x1 input and kernel: one pixel, one tap per image): 16
 * output channels per pass, 8 words per iteration into four accumulators
 * (the pixel's words are loaded once for both channel blocks), with none of
 * the tap and border bookkeeping of the pixel path. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-schedule-insns"))) /* see bnnc_neon_bconv_block */
#endif
static inline void bnnc_neon_bdense(const bnnc_neon_bconv_ctx *c, int32_t n) {
  const int32_t wg = c->wg, blocks = c->m8 / 8, full = wg / 8 * 8;
  const uint32_t *const x = c->x + (size_t)n * (size_t)wg;
  const ptrdiff_t wstep = (ptrdiff_t)8 * wg;
  int32_t ob = 0;
  for (; ob + 2 <= blocks; ob += 2) {
    const uint32_t *const w0 = c->w8 + ob * wstep, *const w1 = w0 + wstep;
    uint16x8_t a0 = vdupq_n_u16(0), a1 = a0, b0 = a0, b1 = a0;
    for (int32_t u = 0; u < full; u += 8) {
      BNNC_NEON_MCA("BEGIN dense_16_channels");
      BNNC_NEON_SEG8(a0, x + u, w0 + 8 * u);
      BNNC_NEON_SEG8(a1, x + u + 4, w0 + 8 * u + 32);
      BNNC_NEON_SEG8(b0, x + u, w1 + 8 * u);
      BNNC_NEON_SEG8(b1, x + u + 4, w1 + 8 * u + 32);
      BNNC_NEON_MCA("END dense_16_channels");
    }
    a0 = vaddq_u16(a0, a1);
    b0 = vaddq_u16(b0, b1);
    if (full < wg) {
      a0 = bnnc_neon_pixel_tap(x + full, w0 + 8 * full, wg - full, a0);
      b0 = bnnc_neon_pixel_tap(x + full, w1 + 8 * full, wg - full, b0);
    }
    bnnc_neon_dense_out(c, n, ob, a0);
    bnnc_neon_dense_out(c, n, ob + 1, b0);
  }
  if (ob < blocks)
    bnnc_neon_dense_out(
        c, n, ob, bnnc_neon_pixel_tap(x, c->w8 + ob * wstep, wg, vdupq_n_u16(0)));
}

static inline void bnnc_neon_bconv2d_impl(const bnnc_neon_bconv_ctx *c) {
  const bnnc_bconv2d_params *p = c->p;
  /* Output columns whose kw window lies inside the image: [lo, hi). */
  const int32_t span = (p->kw - 1) * p->dilation_w + 1;
  int32_t lo = (p->pad_left + p->stride_w - 1) / p->stride_w;
  int32_t hi = p->w - span + p->pad_left < 0
                   ? 0
                   : (p->w - span + p->pad_left) / p->stride_w + 1;
  /* The 1- and 2-word blocks load 8 neighbouring pixels at once. */
  const int blocks = c->wg % 4 == 0 || (c->wg <= 2 && p->stride_w == 1);
  if (hi > p->ow)
    hi = p->ow;
  if (lo > hi)
    lo = hi;
  /* A 1x1 map under a 1x1 kernel without padding is a dense layer; with
   * padding the border outputs are 0-tap dot products of the general path. */
  if (p->h == 1 && p->w == 1 && p->kh == 1 && p->kw == 1 && p->oh == 1 &&
      p->ow == 1 && p->pad_top == 0 && p->pad_left == 0) {
    for (int32_t n = 0; n < p->n; ++n) {
      if (c->y_bits)
        for (int32_t b = c->m8 / 8; b < c->out_bytes; ++b)
          c->y_bits[(size_t)n * (size_t)c->out_bytes + (size_t)b] = 0;
      bnnc_neon_bdense(c, n);
    }
    return;
  }
  for (int32_t n = 0; n < p->n; ++n)
    for (int32_t oy = 0; oy < p->oh; ++oy) {
      int32_t ky0, ky1, ox = 0;
      bnnc_bvalid_taps(oy, p->stride_h, p->pad_top, p->dilation_h, p->kh, p->h,
                       &ky0, &ky1);
      if (c->y_bits && c->out_bytes > c->m8 / 8)
        for (int32_t x = 0; x < p->ow; ++x) /* bytes past the last channel */
          for (int32_t b = c->m8 / 8; b < c->out_bytes; ++b)
            c->y_bits[bnnc_neon_pixel((size_t)n, p->oh, p->ow, oy, x) *
                          (size_t)c->out_bytes + (size_t)b] = 0;
      if (blocks && hi - lo >= 8) {
        for (; ox < lo; ++ox)
          bnnc_neon_bconv_pixel(c, n, oy, ox, ky0, ky1);
        for (; ox + 8 <= hi; ox += 8)
          bnnc_neon_bconv_block(c, n, oy, ox, ky0, ky1);
        /* Left-over pixels run as a block that overlaps the previous one
         * when recomputing pixels is cheaper than running them one by one:
         * a single pixel costs ~2.5x a block's pixel with 1-2 words per tap
         * (3+ left over: overlap), ~1.3x with 4k words (7 left over). */
        if (ox < hi && hi - ox >= (c->wg <= 2 ? 3 : 7)) {
          bnnc_neon_bconv_block(c, n, oy, hi - 8, ky0, ky1);
          ox = hi;
        }
      }
      for (; ox < p->ow; ++ox)
        bnnc_neon_bconv_pixel(c, n, oy, ox, ky0, ky1);
    }
}

/* Runs the convolution with exactly one of y_float, y_bits set. */
static inline void bnnc_neon_bconv2d_run(const bnnc_bconv2d_params *p,
                                         const uint32_t *x, const uint32_t *w8,
                                         const bnnc_neon_bepilogue *e,
                                         float *y_float, uint32_t *y_bits) {
  bnnc_neon_bconv_ctx c;
  c.p = p;
  c.x = x;
  c.w8 = w8;
  c.e = e;
  c.y_float = y_float;
  c.y_bits = (uint8_t *)y_bits;
  c.wg = bnnc_bwords32(p->c, 1);
  c.m8 = (p->m + 7) / 8 * 8;
  c.out_bytes = y_bits ? 4 * bnnc_bwords32(p->m, 1) : 0;
  bnnc_neon_bconv2d_impl(&c);
}

/* Packed output, out_group 1: (n, oh, ow, ceil(m / 32)) words. */
static inline void bnnc_neon_bconv2d_bits(const bnnc_bconv2d_params *p,
                                          const uint32_t *x, const uint32_t *w8,
                                          const bnnc_neon_bepilogue *e,
                                          uint32_t *y) {
  bnnc_neon_bconv2d_run(p, x, w8, e, NULL, y);
}

/* Float output, NCHW. */
static inline void bnnc_neon_bconv2d_float(const bnnc_bconv2d_params *p,
                                           const uint32_t *x, const uint32_t *w8,
                                           const bnnc_neon_bepilogue *e,
                                           float *y) {
  bnnc_neon_bconv2d_run(p, x, w8, e, y, NULL);
}

/* ---- Packing real activations ----------------------------------------------
 * NCHW float -> packed channels-last words, bit = (x < threshold[c]) (0 when
 * threshold is NULL), 4 pixels at a time: per channel one load, one compare,
 * one bit-select into the 4 pixels' words. group 1 (else the portable one). */
static inline void bnnc_neon_pack_f32(const bnnc_bpack_params *p, const float *x,
                                      const float *threshold, uint32_t *y) {
  const int32_t words = bnnc_bwords32(p->c, 1);
  const size_t nwords = (size_t)words, plane = (size_t)p->h * (size_t)p->w;
  for (int32_t n = 0; n < p->n; ++n) {
    const float *xn = x + (size_t)n * (size_t)p->c * plane;
    uint32_t *yn = y + (size_t)n * plane * nwords;
    const size_t full = plane / 4 * 4;
    for (size_t pix = 0; pix < full; pix += 4)
      for (int32_t wd = 0; wd < words; ++wd) {
        uint32x4_t acc = vdupq_n_u32(0);
        const int32_t c0 = 32 * wd;
        const int32_t bits = p->c - c0 < 32 ? p->c - c0 : 32;
        for (int32_t j = 0; j < bits; ++j) {
          const float32x4_t v = vld1q_f32(xn + (size_t)(c0 + j) * plane + pix);
          const float32x4_t t = vdupq_n_f32(threshold ? threshold[c0 + j] : 0.0f);
          acc = vbslq_u32(vcltq_f32(v, t), vorrq_u32(acc, vdupq_n_u32(1u << j)), acc);
        }
        vst1q_lane_u32(yn + pix * nwords + wd, acc, 0);
        vst1q_lane_u32(yn + (pix + 1) * nwords + wd, acc, 1);
        vst1q_lane_u32(yn + (pix + 2) * nwords + wd, acc, 2);
        vst1q_lane_u32(yn + (pix + 3) * nwords + wd, acc, 3);
      }
    for (size_t pix = full; pix < plane; ++pix)
      bnnc_pack_f32_run32(p->c, xn + pix, (ptrdiff_t)plane, threshold, NULL,
                          yn + pix * nwords);
  }
}

/* ---- Real-valued convolution ----------------------------------------------
 * NCHW, weights in the "o4" layout (bnnc/layouts.h): the 4 output channels
 * of a block side by side per (input channel, tap), so one LD1 gives the
 * multipliers of all four. Along a row, pixels whose whole window is inside
 * the image (stride 1) run 16 at a time (16 accumulators: 4 channels x 4
 * vectors; per tap one weight load, one LD1 x4 of inputs, 16 FMLA by lane),
 * then 4 at a time; the others (borders, strides > 1) run one pixel x 4
 * channels with FMLA by scalar over the valid taps. */

/* acc += x (4 pixels) * lane j of wv, for the 4 channels j. */
#define BNNC_NEON_FMA4(q, xv)                                                  \
  c0##q = vfmaq_laneq_f32(c0##q, xv, wv, 0);                                   \
  c1##q = vfmaq_laneq_f32(c1##q, xv, wv, 1);                                   \
  c2##q = vfmaq_laneq_f32(c2##q, xv, wv, 2);                                   \
  c3##q = vfmaq_laneq_f32(c3##q, xv, wv, 3);

/* The valid taps of one output position, input channel by channel, with
 * pointers stepped instead of recomputed: X0 is the input at the first
 * valid row's column of tap KX0 for channel 0. STEP sees xs (input) and wt
 * (the tap's 4 weights). */
#define BNNC_NEON_CONV_TAPS(X0, KX0, KX1, STEP)                                \
  {                                                                            \
    const float *xc = (X0) + (ptrdiff_t)(iy0 + r->ky0 * dh) * p->w;            \
    const float *wc = r->wb + ((ptrdiff_t)r->ky0 * kw + (KX0)) * 4;            \
    for (int32_t ci = 0; ci < r->cg;                                           \
         ++ci, xc += in_plane, wc += (ptrdiff_t)kh * kw * 4) {                 \
      const float *xr = xc, *wr = wc;                                          \
      for (int32_t ky = r->ky0; ky < r->ky1;                                   \
           ++ky, xr += (ptrdiff_t)dh * p->w, wr += (ptrdiff_t)kw * 4) {        \
        if ((KX1) - (KX0) == 3) { /* 3-wide rows unrolled */                   \
          {                                                                    \
            const float *xs = xr, *wt = wr;                                    \
            STEP                                                               \
          }                                                                    \
          {                                                                    \
            const float *xs = xr + dw, *wt = wr + 4;                           \
            STEP                                                               \
          }                                                                    \
          {                                                                    \
            const float *xs = xr + 2 * dw, *wt = wr + 8;                       \
            STEP                                                               \
          }                                                                    \
        } else {                                                               \
          const float *xs = xr, *wt = wr;                                      \
          for (int32_t kx = (KX0); kx < (KX1); ++kx, xs += dw, wt += 4) {      \
            STEP                                                               \
          }                                                                    \
        }                                                                      \
      }                                                                        \
    }                                                                          \
  }

typedef struct {
  const bnnc_conv2d_params *p;
  const float *xg;   /* the group's input channels of image n */
  const float *wb;   /* the block's o4 weights */
  float *yo[4];      /* the 4 channels' output rows (oy) */
  float bias[4];
  int32_t valid;     /* channels of the block that exist */
  int32_t cg, oy, ky0, ky1;
} bnnc_neon_conv_row;

/* Pixels ox..ox+15 (all taps horizontally inside the image, stride 1). */
BNNC_NEON_INLINE void bnnc_neon_conv_16(const bnnc_neon_conv_row *r, int32_t ox) {
  const bnnc_conv2d_params *p = r->p;
  const size_t in_plane = (size_t)p->h * (size_t)p->w;
  const int32_t kh = p->kh, kw = p->kw, dh = p->dilation_h, dw = p->dilation_w;
  float32x4_t c00 = vdupq_n_f32(r->bias[0]), c01 = c00, c02 = c00, c03 = c00;
  float32x4_t c10 = vdupq_n_f32(r->bias[1]), c11 = c10, c12 = c10, c13 = c10;
  float32x4_t c20 = vdupq_n_f32(r->bias[2]), c21 = c20, c22 = c20, c23 = c20;
  float32x4_t c30 = vdupq_n_f32(r->bias[3]), c31 = c30, c32 = c30, c33 = c30;
  const int32_t iy0 = r->oy * p->stride_h - p->pad_top;
  BNNC_NEON_CONV_TAPS(r->xg + (ox - p->pad_left), 0, kw, {
                        const float32x4_t wv = vld1q_f32(wt);
                        const float32x4x4_t xv = vld1q_f32_x4(xs);
                        BNNC_NEON_FMA4(0, xv.val[0])
                        BNNC_NEON_FMA4(1, xv.val[1])
                        BNNC_NEON_FMA4(2, xv.val[2])
                        BNNC_NEON_FMA4(3, xv.val[3])
                      })
  const float32x4_t zero = vdupq_n_f32(0.0f);
#define BNNC_NEON_STORE16(j)                                                   \
  if (j < r->valid) {                                                          \
    if (p->relu) {                                                             \
      c##j##0 = vmaxq_f32(c##j##0, zero);                                      \
      c##j##1 = vmaxq_f32(c##j##1, zero);                                      \
      c##j##2 = vmaxq_f32(c##j##2, zero);                                      \
      c##j##3 = vmaxq_f32(c##j##3, zero);                                      \
    }                                                                          \
    vst1q_f32(r->yo[j] + ox, c##j##0);                                         \
    vst1q_f32(r->yo[j] + ox + 4, c##j##1);                                     \
    vst1q_f32(r->yo[j] + ox + 8, c##j##2);                                     \
    vst1q_f32(r->yo[j] + ox + 12, c##j##3);                                    \
  }
  BNNC_NEON_STORE16(0) BNNC_NEON_STORE16(1) BNNC_NEON_STORE16(2)
  BNNC_NEON_STORE16(3)
#undef BNNC_NEON_STORE16
}

/* Pixels ox..ox+7 and ox..ox+3 (as above, 8 and 4 accumulators). */
BNNC_NEON_INLINE void bnnc_neon_conv_8(const bnnc_neon_conv_row *r, int32_t ox) {
  const bnnc_conv2d_params *p = r->p;
  const size_t in_plane = (size_t)p->h * (size_t)p->w;
  const int32_t kh = p->kh, kw = p->kw, dh = p->dilation_h, dw = p->dilation_w;
  float32x4_t c00 = vdupq_n_f32(r->bias[0]), c01 = c00;
  float32x4_t c10 = vdupq_n_f32(r->bias[1]), c11 = c10;
  float32x4_t c20 = vdupq_n_f32(r->bias[2]), c21 = c20;
  float32x4_t c30 = vdupq_n_f32(r->bias[3]), c31 = c30;
  const int32_t iy0 = r->oy * p->stride_h - p->pad_top;
  BNNC_NEON_CONV_TAPS(r->xg + (ox - p->pad_left), 0, kw, {
    const float32x4_t wv = vld1q_f32(wt);
    const float32x4x2_t xv = vld1q_f32_x2(xs);
    BNNC_NEON_FMA4(0, xv.val[0])
    BNNC_NEON_FMA4(1, xv.val[1])
  })
  const float32x4_t zero = vdupq_n_f32(0.0f);
#define BNNC_NEON_STORE8(j)                                                    \
  if (j < r->valid) {                                                          \
    vst1q_f32(r->yo[j] + ox, p->relu ? vmaxq_f32(c##j##0, zero) : c##j##0);    \
    vst1q_f32(r->yo[j] + ox + 4, p->relu ? vmaxq_f32(c##j##1, zero) : c##j##1);\
  }
  BNNC_NEON_STORE8(0) BNNC_NEON_STORE8(1) BNNC_NEON_STORE8(2)
  BNNC_NEON_STORE8(3)
#undef BNNC_NEON_STORE8
}

BNNC_NEON_INLINE void bnnc_neon_conv_4(const bnnc_neon_conv_row *r, int32_t ox) {
  const bnnc_conv2d_params *p = r->p;
  const size_t in_plane = (size_t)p->h * (size_t)p->w;
  const int32_t kh = p->kh, kw = p->kw, dh = p->dilation_h, dw = p->dilation_w;
  float32x4_t c00 = vdupq_n_f32(r->bias[0]), c10 = vdupq_n_f32(r->bias[1]);
  float32x4_t c20 = vdupq_n_f32(r->bias[2]), c30 = vdupq_n_f32(r->bias[3]);
  const int32_t iy0 = r->oy * p->stride_h - p->pad_top;
  BNNC_NEON_CONV_TAPS(r->xg + (ox - p->pad_left), 0, kw, {
    const float32x4_t wv = vld1q_f32(wt);
    BNNC_NEON_FMA4(0, vld1q_f32(xs))
  })
  const float32x4_t zero = vdupq_n_f32(0.0f);
#define BNNC_NEON_STORE4(j)                                                    \
  if (j < r->valid)                                                            \
    vst1q_f32(r->yo[j] + ox, p->relu ? vmaxq_f32(c##j##0, zero) : c##j##0);
  BNNC_NEON_STORE4(0) BNNC_NEON_STORE4(1) BNNC_NEON_STORE4(2)
  BNNC_NEON_STORE4(3)
#undef BNNC_NEON_STORE4
}

/* One pixel x 4 channels over its valid taps. */
BNNC_NEON_INLINE void bnnc_neon_conv_1(const bnnc_neon_conv_row *r, int32_t ox) {
  const bnnc_conv2d_params *p = r->p;
  const size_t in_plane = (size_t)p->h * (size_t)p->w;
  const int32_t kh = p->kh, kw = p->kw, dh = p->dilation_h, dw = p->dilation_w;
  int32_t kx0, kx1;
  bnnc_bvalid_taps(ox, p->stride_w, p->pad_left, p->dilation_w, p->kw, p->w,
                   &kx0, &kx1);
  const int32_t iy0 = r->oy * p->stride_h - p->pad_top;
  const int32_t ix0 = ox * p->stride_w - p->pad_left;
  float32x4_t acc = vld1q_f32(r->bias);
  BNNC_NEON_CONV_TAPS(r->xg + ix0 + kx0 * dw, kx0, kx1,
                      { acc = vfmaq_n_f32(acc, vld1q_f32(wt), *xs); })
  if (p->relu)
    acc = vmaxq_f32(acc, vdupq_n_f32(0.0f));
  float v[4];
  vst1q_f32(v, acc);
  for (int32_t j = 0; j < r->valid; ++j)
    r->yo[j][ox] = v[j];
}

static inline void bnnc_neon_conv2d_f32(const bnnc_conv2d_params *p, const float *x,
                                        const float *w4, const float *bias,
                                        float *y) {
  const int32_t cg = p->c / p->group, mg = p->m / p->group;
  const int32_t blocks = (mg + 3) / 4;
  const size_t in_plane = (size_t)p->h * (size_t)p->w;
  const size_t out_plane = (size_t)p->oh * (size_t)p->ow;
  const size_t wblock = (size_t)cg * (size_t)p->kh * (size_t)p->kw * 4;
  /* Columns whose window is inside the image horizontally: [lo, hi). */
  const int32_t span = (p->kw - 1) * p->dilation_w + 1;
  int32_t lo = p->pad_left, hi = p->w - span + p->pad_left + 1;
  if (p->stride_w != 1 || hi > p->ow)
    hi = p->stride_w != 1 ? 0 : p->ow;
  if (lo > hi)
    lo = hi;
  bnnc_neon_conv_row r;
  r.p = p;
  r.cg = cg;
  for (int32_t n = 0; n < p->n; ++n)
    for (int32_t g = 0; g < p->group; ++g)
      for (int32_t b = 0; b < blocks; ++b) {
        const int32_t o0 = g * mg + 4 * b;
        r.wb = w4 + ((size_t)g * (size_t)blocks + (size_t)b) * wblock;
        r.valid = mg - 4 * b < 4 ? mg - 4 * b : 4;
        r.xg = x + ((size_t)n * (size_t)p->c + (size_t)g * (size_t)cg) *
                       in_plane;
        for (int32_t j = 0; j < 4; ++j)
          r.bias[j] = bias && j < r.valid ? bias[o0 + j] : 0.0f;
        for (int32_t oy = 0; oy < p->oh; ++oy) {
          int32_t ox = 0;
          bnnc_bvalid_taps(oy, p->stride_h, p->pad_top, p->dilation_h, p->kh,
                           p->h, &r.ky0, &r.ky1);
          r.oy = oy;
          for (int32_t j = 0; j < 4; ++j) {
            const int32_t o = o0 + (j < r.valid ? j : 0);
            r.yo[j] = y + ((size_t)n * (size_t)p->m + (size_t)o) * out_plane +
                      (size_t)oy * (size_t)p->ow;
          }
          for (; ox < lo; ++ox)
            bnnc_neon_conv_1(&r, ox);
          for (; ox + 16 <= hi; ox += 16)
            bnnc_neon_conv_16(&r, ox);
          for (; ox + 8 <= hi; ox += 8)
            bnnc_neon_conv_8(&r, ox);
          for (; ox + 4 <= hi; ox += 4)
            bnnc_neon_conv_4(&r, ox);
          if (ox < hi && hi - lo >= 4) { /* overlaps the previous 4 */
            bnnc_neon_conv_4(&r, hi - 4);
            ox = hi;
          }
          for (; ox < p->ow; ++ox)
            bnnc_neon_conv_1(&r, ox);
        }
      }
}

#undef BNNC_NEON_FMA4

/* ---- Depthwise real convolution ------------------------------------------
 * group = c = m (one input channel per output channel), weights as ONNX
 * stores them (m, 1, kh, kw). Inside the image (stride 1) 8 pixels per step:
 * per tap two loads and two FMLA by the tap's weight; elsewhere one pixel
 * over its valid taps. */
static inline void bnnc_neon_dwconv2d_f32(const bnnc_conv2d_params *p,
                                          const float *x, const float *w,
                                          const float *bias, float *y) {
  const size_t in_plane = (size_t)p->h * (size_t)p->w;
  const size_t out_plane = (size_t)p->oh * (size_t)p->ow;
  const int32_t kh = p->kh, kw = p->kw, dh = p->dilation_h, dw = p->dilation_w;
  const int32_t span = (kw - 1) * dw + 1;
  int32_t lo = p->pad_left, hi = p->w - span + p->pad_left + 1;
  if (p->stride_w != 1 || hi > p->ow)
    hi = p->stride_w != 1 ? 0 : p->ow;
  if (lo > hi)
    lo = hi;
  for (int32_t plane = 0; plane < p->n * p->c; ++plane) {
    const int32_t ch = plane % p->c;
    const float *xp = x + (size_t)plane * in_plane;
    const float *wc = w + (size_t)ch * (size_t)kh * (size_t)kw;
    const float b = bias ? bias[ch] : 0.0f;
    float *yp = y + (size_t)plane * out_plane;
    for (int32_t oy = 0; oy < p->oh; ++oy) {
      int32_t ky0, ky1, kx0, kx1, ox = 0;
      bnnc_bvalid_taps(oy, p->stride_h, p->pad_top, dh, kh, p->h, &ky0, &ky1);
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      float *yr = yp + (size_t)oy * (size_t)p->ow;
      while (ox < p->ow) {
        if (ox >= lo && ox + 8 <= hi) {
          float32x4_t a0 = vdupq_n_f32(b), a1 = a0;
          for (int32_t ky = ky0; ky < ky1; ++ky) {
            const float *xs = xp + (size_t)(iy0 + ky * dh) * (size_t)p->w +
                              (ox - p->pad_left);
            const float *wt = wc + ky * kw;
            for (int32_t kx = 0; kx < kw; ++kx, xs += dw) {
              const float32x4x2_t v = vld1q_f32_x2(xs);
              a0 = vfmaq_n_f32(a0, v.val[0], wt[kx]);
              a1 = vfmaq_n_f32(a1, v.val[1], wt[kx]);
            }
          }
          if (p->relu) {
            a0 = vmaxq_f32(a0, vdupq_n_f32(0.0f));
            a1 = vmaxq_f32(a1, vdupq_n_f32(0.0f));
          }
          vst1q_f32(yr + ox, a0);
          vst1q_f32(yr + ox + 4, a1);
          ox += 8;
          continue;
        }
        bnnc_bvalid_taps(ox, p->stride_w, p->pad_left, dw, kw, p->w, &kx0, &kx1);
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        float acc = b;
        for (int32_t ky = ky0; ky < ky1; ++ky)
          for (int32_t kx = kx0; kx < kx1; ++kx)
            acc += xp[(size_t)(iy0 + ky * dh) * (size_t)p->w +
                      (size_t)(ix0 + kx * dw)] *
                   wc[ky * kw + kx];
        yr[ox] = bnnc_activate_f32(acc, p->relu);
        ++ox;
      }
    }
  }
}

/* ---- Real-valued dense ----------------------------------------------------
 * y = act(a (m x k) * W^T + bias) with W in the "n4" layout (ceil(n / 4), k,
 * 4): 4 output columns side by side per k, zero past n. Per 4 values of k
 * one LD1 of the a row, one LD1 x4 of W and 4 FMLA by lane for 4 columns;
 * 2 rows of a share the weight loads. bias is NULL or an [n] vector. */
static inline void bnnc_neon_dense_f32(int32_t m, int32_t n, int32_t k,
                                       const float *a, const float *w4,
                                       const float *bias, int32_t relu,
                                       float *y) {
  const int32_t blocks = (n + 3) / 4;
  for (int32_t i = 0; i < m; i += 2) {
    const int32_t rows = m - i < 2 ? m - i : 2;
    const float *a0 = a + (size_t)i * (size_t)k;
    const float *a1 = rows == 2 ? a0 + k : a0;
    for (int32_t b = 0; b < blocks; ++b) {
      const float *wb = w4 + (size_t)b * (size_t)k * 4;
      float32x4_t s0 = vdupq_n_f32(0.0f), s1 = vdupq_n_f32(0.0f);
      float32x4_t t0 = vdupq_n_f32(0.0f), t1 = vdupq_n_f32(0.0f);
      int32_t kk = 0;
      for (; kk + 4 <= k; kk += 4) {
        const float32x4x4_t wv = vld1q_f32_x4(wb + (size_t)kk * 4);
        const float32x4_t x0 = vld1q_f32(a0 + kk), x1 = vld1q_f32(a1 + kk);
        s0 = vfmaq_laneq_f32(s0, wv.val[0], x0, 0);
        t0 = vfmaq_laneq_f32(t0, wv.val[1], x0, 1);
        s0 = vfmaq_laneq_f32(s0, wv.val[2], x0, 2);
        t0 = vfmaq_laneq_f32(t0, wv.val[3], x0, 3);
        s1 = vfmaq_laneq_f32(s1, wv.val[0], x1, 0);
        t1 = vfmaq_laneq_f32(t1, wv.val[1], x1, 1);
        s1 = vfmaq_laneq_f32(s1, wv.val[2], x1, 2);
        t1 = vfmaq_laneq_f32(t1, wv.val[3], x1, 3);
      }
      for (; kk < k; ++kk) {
        const float32x4_t wv = vld1q_f32(wb + (size_t)kk * 4);
        s0 = vfmaq_n_f32(s0, wv, a0[kk]);
        s1 = vfmaq_n_f32(s1, wv, a1[kk]);
      }
      float r[2][4];
      vst1q_f32(r[0], vaddq_f32(s0, t0));
      vst1q_f32(r[1], vaddq_f32(s1, t1));
      for (int32_t row = 0; row < rows; ++row)
        for (int32_t j = 0; j < 4 && 4 * b + j < n; ++j) {
          const float v = r[row][j] + (bias ? bias[4 * b + j] : 0.0f);
          y[(size_t)(i + row) * (size_t)n + (size_t)(4 * b + j)] =
              bnnc_activate_f32(v, relu);
        }
    }
  }
}

/* ---- Recurrent layers (issue 16) ---------------------------------------- *
 * The portable recurrent kernel (kernels_f32.h) with NEON dot products:
 * two 4-lane fused multiply-add accumulators, then a scalar tail. */
static inline float bnnc_neon_rnn_dot_f32(const float *a, const float *b,
                                          size_t n) {
  float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = vdupq_n_f32(0.0f);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    acc0 = vfmaq_f32(acc0, vld1q_f32(a + i), vld1q_f32(b + i));
    acc1 = vfmaq_f32(acc1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
  }
  if (i + 4 <= n) {
    acc0 = vfmaq_f32(acc0, vld1q_f32(a + i), vld1q_f32(b + i));
    i += 4;
  }
  float sum = vaddvq_f32(vaddq_f32(acc0, acc1));
  for (; i < n; ++i)
    sum += a[i] * b[i];
  return sum;
}

static inline void bnnc_neon_recurrent_f32(const bnnc_recurrent_params *p,
                                           const float *x, const float *w,
                                           const float *r, const float *bias,
                                           const float *h0, const float *c0,
                                           const float *peep,
                                           const int32_t *lens, float *out) {
  bnnc_recurrent_dot_f32(p, bnnc_neon_rnn_dot_f32, x, w, r, bias, h0, c0,
                         peep, lens, out);
}

#endif /* BNNC_KERNELS_NEON_H */
