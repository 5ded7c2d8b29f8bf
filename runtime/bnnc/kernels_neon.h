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
  const uint8_t *flip_bits; /* bits: bit j of byte b = flip of channel 8b+j */
  const float *scale, *bias, *slope; /* float: act(dot * scale + bias) */
  bnnc_bactivation activation;
  float clamp_lo, clamp_hi;
} bnnc_neon_bepilogue;

/* ---- Popcount steps: acc += popcount(x XOR w) ---------------------------- */

/* 8 pixels x 8 channels, one tap of wg words. acc[o] lane p = pixel p. */
static inline void bnnc_neon_block_tap_w1(const uint32_t *x,
                                          const uint32_t *w,
                                          uint16x8_t acc[8]) {
  /* 8 pixels x 1 word, contiguous (stride 1): x0 = pixels 0-3, x1 = 4-7. */
  const uint8x16_t x0 = vld1q_u8((const uint8_t *)x);
  const uint8x16_t x1 = vld1q_u8((const uint8_t *)(x + 4));
  const uint32x4x4_t wa = vld4q_dup_u32(w), wb = vld4q_dup_u32(w + 4);
  for (int o = 0; o < 8; ++o) {
    const uint8x16_t wo = vreinterpretq_u8_u32(o < 4 ? wa.val[o] : wb.val[o - 4]);
    const uint8x16_t c0 = vcntq_u8(veorq_u8(x0, wo));
    const uint8x16_t c1 = vcntq_u8(veorq_u8(x1, wo));
    acc[o] = vpadalq_u8(acc[o], vpaddq_u8(c0, c1));
  }
}

static inline void bnnc_neon_block_tap_w2(const uint32_t *x,
                                          const uint32_t *w,
                                          uint16x8_t acc[8]) {
  /* 8 pixels x 2 words: register j holds pixels 2j and 2j+1. */
  const uint8x16x4_t xs = vld1q_u8_x4((const uint8_t *)x);
  const uint64x2x4_t wa = vld4q_dup_u64((const uint64_t *)w);
  const uint64x2x4_t wb = vld4q_dup_u64((const uint64_t *)(w + 8));
  for (int o = 0; o < 8; ++o) {
    const uint8x16_t wo = vreinterpretq_u8_u64(o < 4 ? wa.val[o] : wb.val[o - 4]);
    const uint8x16_t c0 = vcntq_u8(veorq_u8(xs.val[0], wo));
    const uint8x16_t c1 = vcntq_u8(veorq_u8(xs.val[1], wo));
    const uint8x16_t c2 = vcntq_u8(veorq_u8(xs.val[2], wo));
    const uint8x16_t c3 = vcntq_u8(veorq_u8(xs.val[3], wo));
    acc[o] = vpadalq_u8(acc[o], vpaddq_u8(vpaddq_u8(c0, c1), vpaddq_u8(c2, c3)));
  }
}

/* Lanes of the 8 inputs summed so that lane 2i, 2i+1 hold input i's sum. */
static inline uint8x16_t bnnc_neon_tree8(uint8x16_t c0, uint8x16_t c1,
                                         uint8x16_t c2, uint8x16_t c3,
                                         uint8x16_t c4, uint8x16_t c5,
                                         uint8x16_t c6, uint8x16_t c7) {
  return vpaddq_u8(vpaddq_u8(vpaddq_u8(c0, c1), vpaddq_u8(c2, c3)),
                   vpaddq_u8(vpaddq_u8(c4, c5), vpaddq_u8(c6, c7)));
}

/* 8 pixels, 128 bits of each (pixel p at x + p * pstride words). */
static inline void bnnc_neon_block_unit_w4(const uint32_t *x, ptrdiff_t pstride,
                                           const uint32_t *w,
                                           uint16x8_t acc[8]) {
  uint8x16_t xs[8];
  const uint8x16x4_t wa = vld1q_u8_x4((const uint8_t *)w);
  const uint8x16x4_t wb = vld1q_u8_x4((const uint8_t *)(w + 16));
  for (int p = 0; p < 8; ++p)
    xs[p] = vld1q_u8((const uint8_t *)(x + p * pstride));
  for (int o = 0; o < 8; ++o) {
    const uint8x16_t wo = o < 4 ? wa.val[o] : wb.val[o - 4];
    acc[o] = vpadalq_u8(
        acc[o],
        bnnc_neon_tree8(vcntq_u8(veorq_u8(xs[0], wo)), vcntq_u8(veorq_u8(xs[1], wo)),
                        vcntq_u8(veorq_u8(xs[2], wo)), vcntq_u8(veorq_u8(xs[3], wo)),
                        vcntq_u8(veorq_u8(xs[4], wo)), vcntq_u8(veorq_u8(xs[5], wo)),
                        vcntq_u8(veorq_u8(xs[6], wo)), vcntq_u8(veorq_u8(xs[7], wo))));
  }
}

/* One pixel x 8 channels, one tap. acc lane o = channel o. The tap's words
 * are taken as 4-word segments, then a 2-word and a 1-word one as wg needs
 * (see the o8 layout). */
static inline uint16x8_t bnnc_neon_pixel_tap(const uint32_t *x,
                                             const uint32_t *w, int32_t wg,
                                             uint16x8_t acc) {
  int32_t u = 0;
  for (; u + 4 <= wg; u += 4) {
    const uint8x16_t xq = vld1q_u8((const uint8_t *)(x + u));
    const uint8x16x4_t wa = vld1q_u8_x4((const uint8_t *)(w + 8 * u));
    const uint8x16x4_t wb = vld1q_u8_x4((const uint8_t *)(w + 8 * u + 16));
    acc = vpadalq_u8(
        acc, bnnc_neon_tree8(
                 vcntq_u8(veorq_u8(xq, wa.val[0])), vcntq_u8(veorq_u8(xq, wa.val[1])),
                 vcntq_u8(veorq_u8(xq, wa.val[2])), vcntq_u8(veorq_u8(xq, wa.val[3])),
                 vcntq_u8(veorq_u8(xq, wb.val[0])), vcntq_u8(veorq_u8(xq, wb.val[1])),
                 vcntq_u8(veorq_u8(xq, wb.val[2])), vcntq_u8(veorq_u8(xq, wb.val[3]))));
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
static inline uint16x8_t bnnc_neon_pop_thresholds(const int32_t *t,
                                                  int32_t k) {
  const int32x4_t kv = vdupq_n_s32(k), one = vdupq_n_s32(1);
  const int32x4_t lo = vaddq_s32(vshrq_n_s32(vqsubq_s32(kv, vld1q_s32(t)), 1), one);
  const int32x4_t hi =
      vaddq_s32(vshrq_n_s32(vqsubq_s32(kv, vld1q_s32(t + 4)), 1), one);
  return vcombine_u16(vqmovun_s32(lo), vqmovun_s32(hi));
}

/* Float epilogue of 8 values of one channel (or 8 channels of one pixel). */
static inline void bnnc_neon_float_out(const bnnc_neon_bepilogue *e,
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
  const bnnc_bconv2d_params *p = c->p;
  const int32_t wg = c->wg;
  const size_t tap_words = (size_t)8 * wg;
  int32_t kx0, kx1;
  bnnc_bvalid_taps(ox, p->stride_w, p->pad_left, p->dilation_w, p->kw, p->w,
                   &kx0, &kx1);
  const int32_t k = (ky1 - ky0) * (kx1 - kx0) * p->c;
  const size_t pos = ((size_t)n * p->oh + oy) * p->ow + ox;
  for (int32_t ob = 0; ob < c->m8 / 8; ++ob) {
    uint16x8_t acc = vdupq_n_u16(0);
    for (int32_t ky = ky0; ky < ky1; ++ky) {
      const int32_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
      for (int32_t kx = kx0; kx < kx1; ++kx) {
        const int32_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
        const uint32_t *xt = c->x + (((size_t)n * p->h + iy) * p->w + ix) * wg;
        const uint32_t *wt =
            c->w8 + (((size_t)ob * p->kh + ky) * p->kw + kx) * tap_words;
        acc = bnnc_neon_pixel_tap(xt, wt, wg, acc);
      }
    }
    if (c->y_bits) {
      static const uint16_t weights[8] = {1, 2, 4, 8, 16, 32, 64, 128};
      const uint16x8_t pt = bnnc_neon_pop_thresholds(c->e->threshold + 8 * ob, k);
      const uint16x8_t bits = vandq_u16(vcgeq_u16(acc, pt), vld1q_u16(weights));
      c->y_bits[pos * (size_t)c->out_bytes + (size_t)ob] =
          (uint8_t)(vaddvq_u16(bits) ^ c->e->flip_bits[ob]);
    } else {
      const int32_t o0 = 8 * ob;
      float32x4_t v[2];
      bnnc_neon_float_out(c->e, acc, k, vld1q_f32(c->e->scale + o0),
                          vld1q_f32(c->e->scale + o0 + 4), vld1q_f32(c->e->bias + o0),
                          vld1q_f32(c->e->bias + o0 + 4), vld1q_f32(c->e->slope + o0),
                          vld1q_f32(c->e->slope + o0 + 4), v);
      float vals[8];
      vst1q_f32(vals, v[0]);
      vst1q_f32(vals + 4, v[1]);
      for (int32_t j = 0; j < 8 && o0 + j < p->m; ++j)
        c->y_float[(((size_t)n * p->m + o0 + j) * p->oh + oy) * p->ow + ox] =
            vals[j];
    }
  }
}

/* 8 pixels ox0..ox0+7 of row oy, all with the full kw window. */
static inline void bnnc_neon_bconv_block(const bnnc_neon_bconv_ctx *c, int32_t n,
                                         int32_t oy, int32_t ox0, int32_t ky0,
                                         int32_t ky1) {
  const bnnc_bconv2d_params *p = c->p;
  const int32_t wg = c->wg;
  const size_t tap_words = (size_t)8 * wg;
  const int32_t k = (ky1 - ky0) * p->kw * p->c;
  const ptrdiff_t pstride = (ptrdiff_t)p->stride_w * wg;
  const ptrdiff_t dstride = (ptrdiff_t)p->dilation_w * wg;
  const size_t pos = ((size_t)n * p->oh + oy) * p->ow + ox0;
  for (int32_t ob = 0; ob < c->m8 / 8; ++ob) {
    uint16x8_t acc[8];
    for (int o = 0; o < 8; ++o)
      acc[o] = vdupq_n_u16(0);
    for (int32_t ky = ky0; ky < ky1; ++ky) {
      const int32_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
      const int32_t ix = ox0 * p->stride_w - p->pad_left;
      const uint32_t *xt = c->x + (((size_t)n * p->h + iy) * p->w + ix) * wg;
      const uint32_t *wt = c->w8 + ((size_t)ob * p->kh + ky) * p->kw * tap_words;
      for (int32_t kx = 0; kx < p->kw; ++kx, xt += dstride, wt += tap_words) {
        if (wg == 1)
          bnnc_neon_block_tap_w1(xt, wt, acc);
        else if (wg == 2)
          bnnc_neon_block_tap_w2(xt, wt, acc);
        else
          for (int32_t u = 0; u < wg / 4; ++u)
            bnnc_neon_block_unit_w4(xt + 4 * u, pstride, wt + 32 * u, acc);
      }
    }
    if (c->y_bits) {
      /* Bit o of pixel p's byte: SLI inserts channel o's compare mask at
       * bit o and keeps bits 0..o-1; the bits above 7 are dropped by XTN. */
      const uint16x8_t pt = bnnc_neon_pop_thresholds(c->e->threshold + 8 * ob, k);
      uint16x8_t r = vcgeq_u16(acc[0], vdupq_laneq_u16(pt, 0));
      r = vsliq_n_u16(r, vcgeq_u16(acc[1], vdupq_laneq_u16(pt, 1)), 1);
      r = vsliq_n_u16(r, vcgeq_u16(acc[2], vdupq_laneq_u16(pt, 2)), 2);
      r = vsliq_n_u16(r, vcgeq_u16(acc[3], vdupq_laneq_u16(pt, 3)), 3);
      r = vsliq_n_u16(r, vcgeq_u16(acc[4], vdupq_laneq_u16(pt, 4)), 4);
      r = vsliq_n_u16(r, vcgeq_u16(acc[5], vdupq_laneq_u16(pt, 5)), 5);
      r = vsliq_n_u16(r, vcgeq_u16(acc[6], vdupq_laneq_u16(pt, 6)), 6);
      r = vsliq_n_u16(r, vcgeq_u16(acc[7], vdupq_laneq_u16(pt, 7)), 7);
      const uint8x8_t bytes = veor_u8(vmovn_u16(r), vdup_n_u8(c->e->flip_bits[ob]));
      uint8_t *yb = c->y_bits + pos * (size_t)c->out_bytes + (size_t)ob;
      const size_t step = (size_t)c->out_bytes;
      vst1_lane_u8(yb, bytes, 0);
      vst1_lane_u8(yb + step, bytes, 1);
      vst1_lane_u8(yb + 2 * step, bytes, 2);
      vst1_lane_u8(yb + 3 * step, bytes, 3);
      vst1_lane_u8(yb + 4 * step, bytes, 4);
      vst1_lane_u8(yb + 5 * step, bytes, 5);
      vst1_lane_u8(yb + 6 * step, bytes, 6);
      vst1_lane_u8(yb + 7 * step, bytes, 7);
    } else {
      for (int32_t j = 0; j < 8 && 8 * ob + j < p->m; ++j) {
        const int32_t o = 8 * ob + j;
        const float32x4_t s = vdupq_n_f32(c->e->scale[o]);
        const float32x4_t b = vdupq_n_f32(c->e->bias[o]);
        const float32x4_t sl = vdupq_n_f32(c->e->slope[o]);
        float32x4_t v[2];
        bnnc_neon_float_out(c->e, acc[j], k, s, s, b, b, sl, sl, v);
        float *yo = c->y_float + (((size_t)n * p->m + o) * p->oh + oy) * p->ow + ox0;
        vst1q_f32(yo, v[0]);
        vst1q_f32(yo + 4, v[1]);
      }
    }
  }
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
  for (int32_t n = 0; n < p->n; ++n)
    for (int32_t oy = 0; oy < p->oh; ++oy) {
      int32_t ky0, ky1, ox = 0;
      bnnc_bvalid_taps(oy, p->stride_h, p->pad_top, p->dilation_h, p->kh, p->h,
                       &ky0, &ky1);
      if (c->y_bits && c->out_bytes > c->m8 / 8)
        for (int32_t x = 0; x < p->ow; ++x) /* bytes past the last channel */
          for (int32_t b = c->m8 / 8; b < c->out_bytes; ++b)
            c->y_bits[(((size_t)n * p->oh + oy) * p->ow + x) * c->out_bytes + b] = 0;
      if (blocks && hi - lo >= 8) {
        for (; ox < lo; ++ox)
          bnnc_neon_bconv_pixel(c, n, oy, ox, ky0, ky1);
        for (; ox + 8 <= hi; ox += 8)
          bnnc_neon_bconv_block(c, n, oy, ox, ky0, ky1);
        /* The last block overlaps the previous one: recomputing a few
         * pixels costs less than running them one by one. */
        if (ox < hi) {
          bnnc_neon_bconv_block(c, n, oy, hi - 8, ky0, ky1);
          ox = hi;
        }
      }
      for (; ox < p->ow; ++ox)
        bnnc_neon_bconv_pixel(c, n, oy, ox, ky0, ky1);
    }
}

/* Packed output, out_group 1: (n, oh, ow, ceil(m / 32)) words. */
static inline void bnnc_neon_bconv2d_bits(const bnnc_bconv2d_params *p,
                                          const uint32_t *x, const uint32_t *w8,
                                          const bnnc_neon_bepilogue *e,
                                          uint32_t *y) {
  bnnc_neon_bconv_ctx c;
  c.p = p;
  c.x = x;
  c.w8 = w8;
  c.e = e;
  c.y_float = NULL;
  c.y_bits = (uint8_t *)y;
  c.wg = bnnc_bwords32(p->c, 1);
  c.m8 = (p->m + 7) / 8 * 8;
  c.out_bytes = 4 * bnnc_bwords32(p->m, 1);
  bnnc_neon_bconv2d_impl(&c);
}

/* Float output, NCHW. */
static inline void bnnc_neon_bconv2d_float(const bnnc_bconv2d_params *p,
                                           const uint32_t *x, const uint32_t *w8,
                                           const bnnc_neon_bepilogue *e,
                                           float *y) {
  bnnc_neon_bconv_ctx c;
  c.p = p;
  c.x = x;
  c.w8 = w8;
  c.e = e;
  c.y_float = y;
  c.y_bits = NULL;
  c.wg = bnnc_bwords32(p->c, 1);
  c.m8 = (p->m + 7) / 8 * 8;
  c.out_bytes = 0;
  bnnc_neon_bconv2d_impl(&c);
}

/* ---- Packing real activations ----------------------------------------------
 * NCHW float -> packed channels-last words, bit = (x < threshold[c]) (0 when
 * threshold is NULL), 4 pixels at a time: per channel one load, one compare,
 * one bit-select into the 4 pixels' words. group 1 (else the portable one). */
static inline void bnnc_neon_pack_f32(const bnnc_bpack_params *p, const float *x,
                                      const float *threshold, uint32_t *y) {
  const int32_t words = bnnc_bwords32(p->c, 1);
  const size_t plane = (size_t)p->h * p->w;
  for (int32_t n = 0; n < p->n; ++n) {
    const float *xn = x + (size_t)n * p->c * plane;
    uint32_t *yn = y + (size_t)n * plane * words;
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
        vst1q_lane_u32(yn + pix * words + wd, acc, 0);
        vst1q_lane_u32(yn + (pix + 1) * words + wd, acc, 1);
        vst1q_lane_u32(yn + (pix + 2) * words + wd, acc, 2);
        vst1q_lane_u32(yn + (pix + 3) * words + wd, acc, 3);
      }
    for (size_t pix = full; pix < plane; ++pix)
      bnnc_pack_f32_run32(p->c, xn + pix, (ptrdiff_t)plane, threshold, NULL,
                          yn + pix * words);
  }
}

/* ---- Real-valued convolution ----------------------------------------------
 * NCHW, weights in the "o4" layout (ceil(mg / 4) per group, cg, kh, kw, 4):
 * the 4 output channels of a block side by side, zero past the group's
 * channels. Rows are computed 16 pixels x 4 channels at a time with FMLA by
 * lane (one weight vector per tap, four input vectors reused by the four
 * channels); pixels whose window leaves the image, strides other than 1 and
 * row tails run a scalar loop over the valid taps. */
static inline void bnnc_neon_conv2d_f32(const bnnc_conv2d_params *p, const float *x,
                                        const float *w4, const float *bias,
                                        float *y) {
  const int32_t cg = p->c / p->group, mg = p->m / p->group;
  const int32_t blocks = (mg + 3) / 4;
  const size_t in_plane = (size_t)p->h * p->w, out_plane = (size_t)p->oh * p->ow;
  const size_t wblock = (size_t)cg * p->kh * p->kw * 4;
  const int32_t span = (p->kw - 1) * p->dilation_w + 1;
  int32_t lo = p->pad_left, hi = p->w - span + p->pad_left + 1;
  if (p->stride_w != 1) {
    lo = 0;
    hi = 0;
  }
  if (hi > p->ow)
    hi = p->ow;
  if (lo > hi)
    lo = hi;
  for (int32_t n = 0; n < p->n; ++n)
    for (int32_t g = 0; g < p->group; ++g)
      for (int32_t b = 0; b < blocks; ++b) {
        const float *wb = w4 + ((size_t)g * blocks + b) * wblock;
        const int32_t o0 = g * mg + 4 * b;
        const int32_t valid = mg - 4 * b < 4 ? mg - 4 * b : 4;
        const float *xg = x + ((size_t)n * p->c + (size_t)g * cg) * in_plane;
        for (int32_t oy = 0; oy < p->oh; ++oy) {
          int32_t ky0, ky1, ox = 0;
          bnnc_bvalid_taps(oy, p->stride_h, p->pad_top, p->dilation_h, p->kh,
                           p->h, &ky0, &ky1);
          const int32_t iy0 = oy * p->stride_h - p->pad_top;
          float *yo[4];
          for (int32_t j = 0; j < 4; ++j)
            yo[j] = y + ((size_t)n * p->m + o0 + (j < valid ? j : 0)) * out_plane +
                    (size_t)oy * p->ow;
          while (ox < p->ow) {
            if (ox >= lo && ox + 16 <= hi) {
              float32x4_t acc[4][4];
              for (int32_t j = 0; j < 4; ++j) {
                const float bj = bias && j < valid ? bias[o0 + j] : 0.0f;
                for (int32_t q = 0; q < 4; ++q)
                  acc[j][q] = vdupq_n_f32(bj);
              }
              for (int32_t ci = 0; ci < cg; ++ci)
                for (int32_t ky = ky0; ky < ky1; ++ky) {
                  const float *xr = xg + (size_t)ci * in_plane +
                                    (size_t)(iy0 + ky * p->dilation_h) * p->w +
                                    (ox - p->pad_left);
                  const float *wt = wb + (((size_t)ci * p->kh + ky) * p->kw) * 4;
                  for (int32_t kx = 0; kx < p->kw; ++kx) {
                    const float *xs = xr + kx * p->dilation_w;
                    const float32x4_t wv = vld1q_f32(wt + 4 * kx);
                    const float32x4x4_t xv = vld1q_f32_x4(xs);
                    for (int32_t q = 0; q < 4; ++q) {
                      acc[0][q] = vfmaq_laneq_f32(acc[0][q], xv.val[q], wv, 0);
                      acc[1][q] = vfmaq_laneq_f32(acc[1][q], xv.val[q], wv, 1);
                      acc[2][q] = vfmaq_laneq_f32(acc[2][q], xv.val[q], wv, 2);
                      acc[3][q] = vfmaq_laneq_f32(acc[3][q], xv.val[q], wv, 3);
                    }
                  }
                }
              for (int32_t j = 0; j < valid; ++j)
                for (int32_t q = 0; q < 4; ++q) {
                  float32x4_t v = acc[j][q];
                  if (p->relu)
                    v = vmaxq_f32(v, vdupq_n_f32(0.0f));
                  vst1q_f32(yo[j] + ox + 4 * q, v);
                }
              ox += 16;
              continue;
            }
            /* One pixel, scalar, valid taps only. */
            int32_t kx0, kx1;
            bnnc_bvalid_taps(ox, p->stride_w, p->pad_left, p->dilation_w, p->kw,
                             p->w, &kx0, &kx1);
            const int32_t ix0 = ox * p->stride_w - p->pad_left;
            for (int32_t j = 0; j < valid; ++j) {
              float acc = bias ? bias[o0 + j] : 0.0f;
              for (int32_t ci = 0; ci < cg; ++ci)
                for (int32_t ky = ky0; ky < ky1; ++ky)
                  for (int32_t kx = kx0; kx < kx1; ++kx)
                    acc += xg[(size_t)ci * in_plane +
                              (size_t)(iy0 + ky * p->dilation_h) * p->w + ix0 +
                              kx * p->dilation_w] *
                           wb[(((size_t)ci * p->kh + ky) * p->kw + kx) * 4 + j];
              yo[j][ox] = bnnc_activate_f32(acc, p->relu);
            }
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
    const float *a0 = a + (size_t)i * k;
    const float *a1 = rows == 2 ? a0 + k : a0;
    for (int32_t b = 0; b < blocks; ++b) {
      const float *wb = w4 + (size_t)b * k * 4;
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
          y[(size_t)(i + row) * n + 4 * b + j] = bnnc_activate_f32(v, relu);
        }
    }
  }
}

#endif /* BNNC_KERNELS_NEON_H */
