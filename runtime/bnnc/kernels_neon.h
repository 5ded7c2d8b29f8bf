/*
 * bnnc/kernels_neon.h - ARMv8-A NEON kernels of the aarch64 target.
 *
 * The aarch64 target calls these for binary convolutions and dense layers,
 * activation packing, and real-valued convolutions, Gemm and MatMul (issue
 * 17: register-blocked, fused multiply-add in the portable summation
 * order; see "Real-valued kernels" below); every other op
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
 *   Pixels of a row whose whole kw window is inside the image run in blocks
 *   (with 4k words per tap, 4-pixel blocks for the 4-7 left over); border
 *   pixels run in blocks over a zero-padded copy of their rows with a
 *   popcount correction (bnnc_neon_edge: 1-2 words per tap, stride 1, even
 *   c); the others (strides the block cannot load) run one pixel x 8
 *   channels at a time with the tree arranged by channel. The hottest
 *   loops (2-words-per-tap block rows, dense passes) are inline asm.
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
#include <string.h>

#include "bnnc/kernels_binary.h"
#include "bnnc/kernels_f32.h"
#include "bnnc/layouts.h"

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
  /* With 4k words per tap and dilation 1, a kernel row's valid taps are
   * cols * wg consecutive words of the input and cols * 8 * wg of the
   * weights: one loop of segments per row, two per iteration. */
  const int32_t row_words = wg % 4 == 0 && dstride == wg ? cols * wg : 0;
  for (int32_t ob = 0; ob < blocks; ++ob, wob += wblock_step) {
    uint16x8_t acc = vdupq_n_u16(0);
    const uint32_t *xt = xrow, *wt = wob;
    for (int32_t r = 0; r < rows; ++r, xt += xrow_step, wt += wrow_step) {
      const uint32_t *xk = xt, *wk = wt;
      if (row_words) {
        uint16x8_t acc2 = vdupq_n_u16(0);
        int32_t u = 0;
        for (; u + 8 <= row_words; u += 8) {
          BNNC_NEON_SEG8(acc, xk + u, wk + 8 * u);
          BNNC_NEON_SEG8(acc2, xk + u + 4, wk + 8 * u + 32);
        }
        if (u < row_words)
          BNNC_NEON_SEG8(acc, xk + u, wk + 8 * u);
        acc = vaddq_u16(acc, acc2);
      } else if (wg % 4 == 0) /* segments only: no per-tap case analysis */
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

/* The same tap in inline asm (GCC 12 spends 3 address additions and 3
 * compare-and-branches of loop control per 3 taps on the C version): the 8
 * pixels' words by one LD1 post-incremented by the tap stride (XK moves to
 * the next tap), the 8 channels' words by two LD4R post-incremented past
 * the tap (WK moves to the next tap: a kernel row's taps are consecutive in
 * the o8 layout). Channels are interleaved in pairs (temporaries v28-v31
 * and t0-t3) so that each one's EOR -> CNT -> ADDP -> UADALP chain
 * overlaps another's. */
#define BNNC_NEON_W2_PAIR(WO, WP, AO, AP)                                      \
  "eor v28.16b, v16.16b, " WO ".16b\n\t"                                       \
  "eor %[t0].16b, v16.16b, " WP ".16b\n\t"                                     \
  "eor v29.16b, v17.16b, " WO ".16b\n\t"                                       \
  "eor %[t1].16b, v17.16b, " WP ".16b\n\t"                                     \
  "eor v30.16b, v18.16b, " WO ".16b\n\t"                                       \
  "eor %[t2].16b, v18.16b, " WP ".16b\n\t"                                     \
  "eor v31.16b, v19.16b, " WO ".16b\n\t"                                       \
  "eor %[t3].16b, v19.16b, " WP ".16b\n\t"                                     \
  "cnt v28.16b, v28.16b\n\t"                                                   \
  "cnt %[t0].16b, %[t0].16b\n\t"                                               \
  "cnt v29.16b, v29.16b\n\t"                                                   \
  "cnt %[t1].16b, %[t1].16b\n\t"                                               \
  "cnt v30.16b, v30.16b\n\t"                                                   \
  "cnt %[t2].16b, %[t2].16b\n\t"                                               \
  "cnt v31.16b, v31.16b\n\t"                                                   \
  "cnt %[t3].16b, %[t3].16b\n\t"                                               \
  "addp v28.16b, v28.16b, v29.16b\n\t"                                         \
  "addp %[t0].16b, %[t0].16b, %[t1].16b\n\t"                                   \
  "addp v30.16b, v30.16b, v31.16b\n\t"                                         \
  "addp %[t2].16b, %[t2].16b, %[t3].16b\n\t"                                   \
  "addp v28.16b, v28.16b, v30.16b\n\t"                                         \
  "addp %[t0].16b, %[t0].16b, %[t2].16b\n\t"                                   \
  "uadalp " AO ".8h, v28.16b\n\t"                                              \
  "uadalp " AP ".8h, %[t0].16b\n\t"
#define BNNC_NEON_BLOCK_TAP_W2_ASM(xk, wk)                                     \
  do {                                                                         \
    uint8x16_t t0_, t1_, t2_, t3_;                                             \
    __asm__ volatile(                                                          \
        "ld1 {v16.16b-v19.16b}, [%[x]], %[xs]\n\t"                             \
        "ld4r {v20.2d-v23.2d}, [%[w]], #32\n\t"                                \
        "ld4r {v24.2d-v27.2d}, [%[w]], #32\n\t"                                \
        BNNC_NEON_W2_PAIR("v20", "v21", "%[a0]", "%[a1]")                      \
        BNNC_NEON_W2_PAIR("v22", "v23", "%[a2]", "%[a3]")                      \
        BNNC_NEON_W2_PAIR("v24", "v25", "%[a4]", "%[a5]")                      \
        BNNC_NEON_W2_PAIR("v26", "v27", "%[a6]", "%[a7]")                      \
        : [a0] "+w"(a0), [a1] "+w"(a1), [a2] "+w"(a2), [a3] "+w"(a3),          \
          [a4] "+w"(a4), [a5] "+w"(a5), [a6] "+w"(a6), [a7] "+w"(a7),          \
          [t0] "=&w"(t0_), [t1] "=&w"(t1_), [t2] "=&w"(t2_), [t3] "=&w"(t3_),  \
          [x] "+r"(xk), [w] "+r"(wk)                                           \
        : [xs] "r"(dstride_bytes)                                              \
        : "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24",       \
          "v25", "v26", "v27", "v28", "v29", "v30", "v31", "memory");          \
  } while (0)

/* The three taps of a 3-wide kernel row; after them XK moves on by
 * ROWADJ bytes (to the next row's first tap). */
#define BNNC_NEON_W2_ASM_TAP_TEXT                                              \
  "ld1 {v16.16b-v19.16b}, [%[x]], %[xs]\n\t"                                   \
  "ld4r {v20.2d-v23.2d}, [%[w]], #32\n\t"                                      \
  "ld4r {v24.2d-v27.2d}, [%[w]], #32\n\t"                                      \
  BNNC_NEON_W2_PAIR("v20", "v21", "%[a0]", "%[a1]")                            \
  BNNC_NEON_W2_PAIR("v22", "v23", "%[a2]", "%[a3]")                            \
  BNNC_NEON_W2_PAIR("v24", "v25", "%[a4]", "%[a5]")                            \
  BNNC_NEON_W2_PAIR("v26", "v27", "%[a6]", "%[a7]")

/* Every tap of rows ky0..ky1-1 by the asm tap (2 words per tap); 3-wide
 * rows as one asm loop over the rows (3 instructions of loop control per
 * row of 297). */
#define BNNC_NEON_BLOCK_TAPS_W2_ASM                                            \
  {                                                                            \
    const uint32_t *xk = xrow, *wk = wob;                                      \
    const int64_t dstride_bytes = (int64_t)dstride * 4;                        \
    if (kw == 3 && rows > 0) {                                                \
      const int64_t rowadj = ((int64_t)xrow_step - 3 * (int64_t)dstride) * 4;  \
      uint64_t r = (uint64_t)rows;                                             \
      uint8x16_t t0_, t1_, t2_, t3_;                                           \
      __asm__ volatile(                                                        \
          "1:\n\t"                                                             \
          "// LLVM-MCA-BEGIN BNNC_NEON_BLOCK_TAP_W2\n\t"                       \
          BNNC_NEON_W2_ASM_TAP_TEXT BNNC_NEON_W2_ASM_TAP_TEXT                  \
          BNNC_NEON_W2_ASM_TAP_TEXT                                            \
          "// LLVM-MCA-END BNNC_NEON_BLOCK_TAP_W2\n\t"                         \
          "add %[x], %[x], %[ra]\n\t"                                          \
          "subs %[r], %[r], #1\n\t"                                            \
          "b.ne 1b\n\t"                                                        \
          : [a0] "+w"(a0), [a1] "+w"(a1), [a2] "+w"(a2), [a3] "+w"(a3),        \
            [a4] "+w"(a4), [a5] "+w"(a5), [a6] "+w"(a6), [a7] "+w"(a7),        \
            [t0] "=&w"(t0_), [t1] "=&w"(t1_), [t2] "=&w"(t2_),                 \
            [t3] "=&w"(t3_), [x] "+r"(xk), [w] "+r"(wk), [r] "+r"(r)           \
          : [xs] "r"(dstride_bytes), [ra] "r"(rowadj)                          \
          : "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24",     \
            "v25", "v26", "v27", "v28", "v29", "v30", "v31", "cc", "memory");  \
    } else                                                                     \
      for (int32_t r = rows; r > 0; --r) {                                     \
        const uint32_t *xr = xk;                                               \
        for (int32_t kx = 0; kx < kw; ++kx)                                    \
          BNNC_NEON_BLOCK_TAP_W2_ASM(xr, wk);                                  \
        xk += xrow_step;                                                       \
      }                                                                        \
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

#define BNNC_NEON_INIT(o) uint16x8_t a##o = vdupq_laneq_u16(init, o);
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

/* Rows j = 0..7 of the 8x8 bytes at t (row j = channel block j's byte
 * for pixels 0..7) as columns: pixel p's 8 bytes to y + p * step. */
BNNC_NEON_INLINE void bnnc_neon_store_t8(const uint8_t *t, uint8_t *y,
                                         size_t step) {
  const uint8x8x2_t b01 = vtrn_u8(vld1_u8(t), vld1_u8(t + 8));
  const uint8x8x2_t b23 = vtrn_u8(vld1_u8(t + 16), vld1_u8(t + 24));
  const uint8x8x2_t b45 = vtrn_u8(vld1_u8(t + 32), vld1_u8(t + 40));
  const uint8x8x2_t b67 = vtrn_u8(vld1_u8(t + 48), vld1_u8(t + 56));
  /* h0: pixels 0 and 4 of blocks 0-3, h1: 2 and 6, h2: 1 and 5, h3: 3, 7. */
  const uint16x4x2_t h0 = vtrn_u16(vreinterpret_u16_u8(b01.val[0]),
                                   vreinterpret_u16_u8(b23.val[0]));
  const uint16x4x2_t h1 = vtrn_u16(vreinterpret_u16_u8(b01.val[1]),
                                   vreinterpret_u16_u8(b23.val[1]));
  const uint16x4x2_t h4 = vtrn_u16(vreinterpret_u16_u8(b45.val[0]),
                                   vreinterpret_u16_u8(b67.val[0]));
  const uint16x4x2_t h5 = vtrn_u16(vreinterpret_u16_u8(b45.val[1]),
                                   vreinterpret_u16_u8(b67.val[1]));
  const uint32x2x2_t p04 = vtrn_u32(vreinterpret_u32_u16(h0.val[0]),
                                    vreinterpret_u32_u16(h4.val[0]));
  const uint32x2x2_t p26 = vtrn_u32(vreinterpret_u32_u16(h0.val[1]),
                                    vreinterpret_u32_u16(h4.val[1]));
  const uint32x2x2_t p15 = vtrn_u32(vreinterpret_u32_u16(h1.val[0]),
                                    vreinterpret_u32_u16(h5.val[0]));
  const uint32x2x2_t p37 = vtrn_u32(vreinterpret_u32_u16(h1.val[1]),
                                    vreinterpret_u32_u16(h5.val[1]));
  vst1_u8(y, vreinterpret_u8_u32(p04.val[0]));
  vst1_u8(y + step, vreinterpret_u8_u32(p15.val[0]));
  vst1_u8(y + 2 * step, vreinterpret_u8_u32(p26.val[0]));
  vst1_u8(y + 3 * step, vreinterpret_u8_u32(p37.val[0]));
  vst1_u8(y + 4 * step, vreinterpret_u8_u32(p04.val[1]));
  vst1_u8(y + 5 * step, vreinterpret_u8_u32(p15.val[1]));
  vst1_u8(y + 6 * step, vreinterpret_u8_u32(p26.val[1]));
  vst1_u8(y + 7 * step, vreinterpret_u8_u32(p37.val[1]));
}

/* GCC's pre-register-allocation scheduler hoists all 32 EORs of a tap
 * ahead of the CNTs, runs out of the 32 vector registers and spills the
 * accumulators on every tap (~15% more instructions); the block is compiled
 * without it. */
/* An 8x8 block whose pixels include border ones (taps outside the map),
 * 1-2 words per tap, stride 1, even c: it reads a copy of its input rows
 * with zero words outside the map, so a lane's outside taps add
 * pop(w) per channel instead of nothing. After the taps each such lane
 * gets D/2 - sum of those pop(w), D = its outside taps x c bits (even):
 * then K_full - 2 acc = K_valid - 2 pop_valid, the valid dot product, and
 * the full window's thresholds and float epilogue apply unchanged. */
typedef struct {
  const uint32_t *x;        /* the block's rows, zero words outside the map */
  ptrdiff_t row_step;       /* words between them */
  const uint16_t *tap_pop;  /* (ceil(m/8), kh, kw, 8): pop(w) per channel */
  int32_t lanes;            /* pixels with outside taps */
  int32_t lane[8];          /* which */
  uint16_t half_d[8];       /* their D / 2 */
  int32_t first[9];         /* lane l's outside taps: tap[first[l]..first[l+1]) */
  int32_t tap[64];          /* (ky * kw + kx) * 8: offsets in a block's tap_pop */
} bnnc_neon_edge;

/* Channel lane o of corr (the correction of one pixel lane) added to that
 * pixel's lane of accumulator o (onehot: 1 in that lane, 0 elsewhere; one
 * MLA by element per channel). */
#define BNNC_NEON_EDGE_FIX(o) a##o = vmlaq_laneq_u16(a##o, onehot, corr, o);

#if defined(__GNUC__) && !defined(__clang__)
#define BNNC_NEON_BLOCK_ATTR __attribute__((optimize("no-schedule-insns")))
#else
#define BNNC_NEON_BLOCK_ATTR
#endif
/* The asm templates (one string literal each for C) are longer than the
 * 4095 characters C99 promises to support; GCC and clang take them. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"
/* `variant` (1, 2 or 4: 1, 2 or 4k words per tap) is a constant in each
 * caller below, so each variant is compiled on its own: no dispatch inside
 * the channel-block loop, and its own register allocation. */
BNNC_NEON_BLOCK_ATTR BNNC_NEON_INLINE void
bnnc_neon_bconv_block_impl(const bnnc_neon_bconv_ctx *c, int32_t n, int32_t oy,
                           int32_t ox0, int32_t ky0, int32_t ky1, int32_t nb,
                           const int32_t variant, const bnnc_neon_edge *edge) {
  const bnnc_bconv2d_params *p = c->p;
  const int32_t wg = c->wg, kw = p->kw, rows = ky1 - ky0, blocks = c->m8 / 8;
  const ptrdiff_t tap_words = (ptrdiff_t)8 * wg;
  const int32_t k = rows * kw * p->c;
  const int32_t iy = oy * p->stride_h - p->pad_top + ky0 * p->dilation_h;
  const ptrdiff_t pstride = (ptrdiff_t)p->stride_w * wg;
  const ptrdiff_t dstride = (ptrdiff_t)p->dilation_w * wg;
  const ptrdiff_t xrow_step =
      edge ? edge->row_step : (ptrdiff_t)p->dilation_h * p->w * wg;
  const ptrdiff_t wrow_step = (ptrdiff_t)kw * tap_words;
  const ptrdiff_t wblock_step = (ptrdiff_t)p->kh * wrow_step;
  const int32_t full_k = p->kh * kw * p->c;
  const uint8_t *flip_bits = c->e->flip_bits;
  /* The full window's table, else thresholds derived for K = k. */
  const uint16_t *const pop_table = k == full_k ? c->e->pop_threshold : NULL;
  const int32_t *const thresholds = c->e->threshold;
  const size_t step = (size_t)c->out_bytes;
  uint8_t *const ybits = c->y_bits;
  const int32_t m = p->m;
  const int top_bit = ybits != NULL && full_k < 32767;
  static const uint16_t lane_onehot[8][8] = {
      {1, 0, 0, 0, 0, 0, 0, 0}, {0, 1, 0, 0, 0, 0, 0, 0},
      {0, 0, 1, 0, 0, 0, 0, 0}, {0, 0, 0, 1, 0, 0, 0, 0},
      {0, 0, 0, 0, 1, 0, 0, 0}, {0, 0, 0, 0, 0, 1, 0, 0},
      {0, 0, 0, 0, 0, 0, 1, 0}, {0, 0, 0, 0, 0, 0, 0, 1}};
  /* nb blocks side by side (ox0, ox0 + 8, ...): one call per run of
   * blocks of a row, so that this setup runs once per run. */
  for (; nb > 0; --nb, ox0 += 8) {
    const int32_t ix = ox0 * p->stride_w - p->pad_left;
    const uint32_t *const xrow =
        edge ? edge->x
             : c->x + bnnc_neon_pixel((size_t)n, p->h, p->w, iy, ix) *
                          (size_t)wg;
    const uint32_t *wob = c->w8 + (ptrdiff_t)ky0 * wrow_step;
    uint8_t *yb =
        ybits ? ybits + bnnc_neon_pixel((size_t)n, p->oh, p->ow, oy, ox0) * step
              : NULL;
    /* Channel blocks in groups of 8: each block's 8 result bytes (one per
     * pixel) go to tbuf, then an 8x8 byte transpose writes each pixel's 8
     * consecutive output bytes (a partial group: byte by byte). Keeping the
     * stores out of the block loop also keeps its pointers in registers. */
    uint8_t tbuf[64];
    for (int32_t g = 0; g < blocks; g += 8) {
      const int32_t gn = blocks - g < 8 ? blocks - g : 8;
      for (int32_t j = 0; j < gn; ++j, wob += wblock_step) {
        const int32_t ob = g + j;
        /* Bits out with K < 32767: accumulator o starts at 32768 - t_o
         * (t_o = channel o's popcount threshold, at most K + 1: the same
         * bits), so its top bit ends up = (pop >= t_o); SRI then gathers the
         * 8 top bits without any compare. Else it starts at 0. */
        uint16x8_t init = vdupq_n_u16(0);
        if (top_bit)
          init = vsubq_u16(
              vdupq_n_u16(32768),
              vminq_u16(pop_table
                            ? vld1q_u16(pop_table + 8 * ob)
                            : bnnc_neon_pop_thresholds(thresholds + 8 * ob, k),
                        vdupq_n_u16((uint16_t)(k + 1))));
        BNNC_NEON_EACH8(BNNC_NEON_INIT)
        if (variant == 1)
          BNNC_NEON_BLOCK_TAPS(BNNC_NEON_BLOCK_TAP_W1)
        else if (variant == 2)
          BNNC_NEON_BLOCK_TAPS_W2_ASM
        else
          BNNC_NEON_BLOCK_TAPS(BNNC_NEON_BLOCK_TAP_W4)
        if (variant != 4 && edge)
          for (int32_t l = 0; l < edge->lanes; ++l) {
            const uint16_t *tp =
                edge->tap_pop + (size_t)ob * (size_t)(p->kh * kw) * 8;
            uint16x8_t pop = vdupq_n_u16(0);
            for (int32_t t = edge->first[l]; t < edge->first[l + 1]; ++t)
              pop = vaddq_u16(pop, vld1q_u16(tp + edge->tap[t]));
            const uint16x8_t corr =
                vsubq_u16(vdupq_n_u16(edge->half_d[l]), pop);
            const uint16x8_t onehot = vld1q_u16(lane_onehot[edge->lane[l]]);
            BNNC_NEON_EACH8(BNNC_NEON_EDGE_FIX)
          }
        if (top_bit) {
          /* Bits 15..8 of lane p = channels 7..0 of pixel p. */
          uint16x8_t r = vsriq_n_u16(a7, a6, 1);
          r = vsriq_n_u16(r, a5, 2);
          r = vsriq_n_u16(r, a4, 3);
          r = vsriq_n_u16(r, a3, 4);
          r = vsriq_n_u16(r, a2, 5);
          r = vsriq_n_u16(r, a1, 6);
          r = vsriq_n_u16(r, a0, 7);
          vst1_u8(tbuf + 8 * j,
                  veor_u8(vshrn_n_u16(r, 8), vdup_n_u8(flip_bits[ob])));
        } else if (ybits) {
          /* Bits 0..7 of lane p = pixel p's byte for channels 8ob..8ob+7;
           * the bits above 7 are dropped by XTN. */
          const uint16x8_t pt = bnnc_neon_thresholds(c->e, ob, k, full_k);
          uint16x8_t r = vcgeq_u16(a0, vdupq_laneq_u16(pt, 0));
          BNNC_NEON_BIT(1) BNNC_NEON_BIT(2) BNNC_NEON_BIT(3) BNNC_NEON_BIT(4)
          BNNC_NEON_BIT(5) BNNC_NEON_BIT(6) BNNC_NEON_BIT(7)
          vst1_u8(tbuf + 8 * j,
                  veor_u8(vmovn_u16(r), vdup_n_u8(flip_bits[ob])));
        } else {
          BNNC_NEON_EACH8(BNNC_NEON_FLOAT_ROW)
        }
      }
      if (ybits) {
        if (gn == 8)
          bnnc_neon_store_t8(tbuf, yb + g, step);
        else
          for (int32_t j = 0; j < gn; ++j)
            for (size_t q = 0; q < 8; ++q)
              yb[q * step + (size_t)(g + j)] = tbuf[8 * j + (int32_t)q];
      }
    }
  }
}

#pragma GCC diagnostic pop

BNNC_NEON_BLOCK_ATTR static void bnnc_neon_bconv_block_w1(
    const bnnc_neon_bconv_ctx *c, int32_t n, int32_t oy, int32_t ox0,
    int32_t ky0, int32_t ky1, int32_t nb, const bnnc_neon_edge *edge) {
  bnnc_neon_bconv_block_impl(c, n, oy, ox0, ky0, ky1, nb, 1, edge);
}
BNNC_NEON_BLOCK_ATTR static void bnnc_neon_bconv_block_w2(
    const bnnc_neon_bconv_ctx *c, int32_t n, int32_t oy, int32_t ox0,
    int32_t ky0, int32_t ky1, int32_t nb, const bnnc_neon_edge *edge) {
  bnnc_neon_bconv_block_impl(c, n, oy, ox0, ky0, ky1, nb, 2, edge);
}
BNNC_NEON_BLOCK_ATTR static void bnnc_neon_bconv_block_w4(
    const bnnc_neon_bconv_ctx *c, int32_t n, int32_t oy, int32_t ox0,
    int32_t ky0, int32_t ky1, int32_t nb, const bnnc_neon_edge *edge) {
  bnnc_neon_bconv_block_impl(c, n, oy, ox0, ky0, ky1, nb, 4, edge);
}
/* nb blocks of 8 pixels (ox0 + 8i .. ox0 + 8i + 7) of row oy x every
 * channel block; edge (nb = 1): see bnnc_neon_edge (NULL: every pixel's
 * window inside the map). */
static inline void bnnc_neon_bconv_block_edge(const bnnc_neon_bconv_ctx *c,
                                              int32_t n, int32_t oy, int32_t ox0,
                                              int32_t ky0, int32_t ky1, int32_t nb,
                                              const bnnc_neon_edge *edge) {
  if (c->wg == 1)
    bnnc_neon_bconv_block_w1(c, n, oy, ox0, ky0, ky1, nb, edge);
  else if (c->wg == 2)
    bnnc_neon_bconv_block_w2(c, n, oy, ox0, ky0, ky1, nb, edge);
  else
    bnnc_neon_bconv_block_w4(c, n, oy, ox0, ky0, ky1, nb, edge);
}
static inline void bnnc_neon_bconv_blocks(const bnnc_neon_bconv_ctx *c, int32_t n,
                                          int32_t oy, int32_t ox0, int32_t ky0,
                                          int32_t ky1, int32_t nb) {
  bnnc_neon_bconv_block_edge(c, n, oy, ox0, ky0, ky1, nb, NULL);
}
static inline void bnnc_neon_bconv_block(const bnnc_neon_bconv_ctx *c, int32_t n,
                                         int32_t oy, int32_t ox0, int32_t ky0,
                                         int32_t ky1) {
  bnnc_neon_bconv_block_edge(c, n, oy, ox0, ky0, ky1, 1, NULL);
}

/* Border 8x8 blocks: the popcounts of every tap's weights, and the block
 * at ox0 of row oy (rows ky0..ky1-1) with its input copied into buf
 * (zero words outside the map). */
#define BNNC_NEON_EDGE_MAX_TAPS 512  /* ceil(m/8) kh kw: 8 KB of tap_pop */
#define BNNC_NEON_EDGE_MAX_WORDS 1024 /* rows x (8 + kw - 1) x wg */
static inline void bnnc_neon_edge_tap_pops(const bnnc_neon_bconv_ctx *c,
                                           uint16_t *tap_pop) {
  static const uint32_t zeros[2] = {0, 0};
  const int32_t taps = c->m8 / 8 * c->p->kh * c->p->kw;
  for (int32_t t = 0; t < taps; ++t)
    vst1q_u16(tap_pop + (size_t)t * 8,
              bnnc_neon_pixel_tap(zeros, c->w8 + (ptrdiff_t)t * 8 * c->wg, c->wg,
                                  vdupq_n_u16(0)));
}
static inline void bnnc_neon_bconv_edge_block(const bnnc_neon_bconv_ctx *c,
                                              int32_t n, int32_t oy, int32_t ox0,
                                              int32_t ky0, int32_t ky1,
                                              int32_t lo, int32_t hi,
                                              const uint16_t *tap_pop,
                                              uint32_t *buf) {
  const bnnc_bconv2d_params *p = c->p;
  const int32_t wg = c->wg, rows = ky1 - ky0;
  const int32_t span = 8 + (p->kw - 1) * p->dilation_w;
  const int32_t ix0 = ox0 - p->pad_left;
  bnnc_neon_edge e;
  e.x = buf;
  e.row_step = (ptrdiff_t)span * wg;
  e.tap_pop = tap_pop;
  e.lanes = 0;
  e.first[0] = 0;
  for (int32_t q = 0; q < 8; ++q) {
    if (ox0 + q >= lo && ox0 + q < hi)
      continue;
    int32_t outside = 0, t = e.first[e.lanes];
    for (int32_t kx = 0; kx < p->kw; ++kx) {
      const int32_t ix = ix0 + q + kx * p->dilation_w;
      if (ix >= 0 && ix < p->w)
        continue;
      ++outside;
      for (int32_t ky = ky0; ky < ky1; ++ky) {
        if (t == 64) { /* too many outside taps: single pixels */
          for (int32_t x = ox0; x < ox0 + 8; ++x)
            bnnc_neon_bconv_pixel(c, n, oy, x, ky0, ky1);
          return;
        }
        e.tap[t++] = (ky * p->kw + kx) * 8;
      }
    }
    e.lane[e.lanes] = q;
    e.half_d[e.lanes] = (uint16_t)(rows * outside * p->c / 2);
    e.first[++e.lanes] = t;
  }
  for (int32_t r = 0; r < rows; ++r) {
    const int32_t iy = oy * p->stride_h - p->pad_top + (ky0 + r) * p->dilation_h;
    uint32_t *row = buf + (ptrdiff_t)r * e.row_step;
    const int32_t a = ix0 < 0 ? -ix0 : 0;
    const int32_t b = ix0 + span > p->w ? p->w - ix0 : span;
    memset(row, 0, (size_t)span * (size_t)wg * 4);
    if (b > a)
      memcpy(row + (ptrdiff_t)a * wg,
             c->x + bnnc_neon_pixel((size_t)n, p->h, p->w, iy, ix0 + a) * (size_t)wg,
             (size_t)(b - a) * (size_t)wg * 4);
  }
  bnnc_neon_bconv_block_edge(c, n, oy, ox0, ky0, ky1, 1, &e);
}

/* 4 pixels ox0..ox0+3 of row oy (full kw window) x 8 channels, wg = 4k
 * only: the rows too short for another 8-pixel block (14 = 8 + 4 + 2
 * borders). Accumulator qJ holds channels 2J (lanes 0-3, one per pixel)
 * and 2J+1 (lanes 4-7): per channel pair 8 EOR, 8 CNT, 7 ADDP, 1 UADALP,
 * the same 3 instructions per 128 bits as the 8x8 block. Byte lanes reach
 * at most 8 * 2^3 = 64 before the UADALP. */
#define BNNC_NEON_TREE4(o)                                                     \
  vpaddq_u8(vpaddq_u8(vcntq_u8(veorq_u8(p0, BNNC_NEON_WO(o))),                 \
                      vcntq_u8(veorq_u8(p1, BNNC_NEON_WO(o)))),                \
            vpaddq_u8(vcntq_u8(veorq_u8(p2, BNNC_NEON_WO(o))),                 \
                      vcntq_u8(veorq_u8(p3, BNNC_NEON_WO(o)))))
#define BNNC_NEON_WO(o) ((o) < 4 ? wa.val[(o) & 3] : wb.val[(o) & 3])
#define BNNC_NEON_Q4_STEP(j)                                                   \
  q##j = vpadalq_u8(q##j, vpaddq_u8(BNNC_NEON_TREE4(2 * (j)),                  \
                                    BNNC_NEON_TREE4(2 * (j) + 1)));
#define BNNC_NEON_BLOCK4_SEG(xt, wt)                                           \
  do {                                                                         \
    BNNC_NEON_MCA("BEGIN block4_segment");                                     \
    const uint8x16_t p0 = vld1q_u8((const uint8_t *)(xt));                     \
    const uint8x16_t p1 = vld1q_u8((const uint8_t *)((xt) + pstride));         \
    const uint8x16_t p2 = vld1q_u8((const uint8_t *)((xt) + 2 * pstride));     \
    const uint8x16_t p3 = vld1q_u8((const uint8_t *)((xt) + 3 * pstride));     \
    const uint8x16x4_t wa = vld1q_u8_x4((const uint8_t *)(wt));                \
    const uint8x16x4_t wb = vld1q_u8_x4((const uint8_t *)((wt) + 16));         \
    BNNC_NEON_Q4_STEP(0) BNNC_NEON_Q4_STEP(1)                                  \
    BNNC_NEON_Q4_STEP(2) BNNC_NEON_Q4_STEP(3)                                  \
    BNNC_NEON_MCA("END block4_segment");                                       \
  } while (0)
#define BNNC_NEON_BLOCK4_TAP(xt, wt)                                           \
  for (int32_t u = 0; u < wg; u += 4)                                          \
  BNNC_NEON_BLOCK4_SEG((xt) + u, (wt) + 8 * u)

/* Float epilogue of channels o0, o0 + 1 (lanes 0-3, 4-7 of pop) of 4
 * pixels, NCHW. */
BNNC_NEON_INLINE void bnnc_neon_float_pair4(const bnnc_neon_bconv_ctx *c,
                                            float *y, size_t plane, int32_t o0,
                                            int32_t k, uint16x8_t pop) {
  const bnnc_neon_bepilogue *e = c->e;
  float32x4_t v[2];
  bnnc_neon_float_out(e, pop, k, vdupq_n_f32(e->scale[o0]),
                      vdupq_n_f32(e->scale[o0 + 1]), vdupq_n_f32(e->bias[o0]),
                      vdupq_n_f32(e->bias[o0 + 1]), vdupq_n_f32(e->slope[o0]),
                      vdupq_n_f32(e->slope[o0 + 1]), v);
  if (o0 < c->p->m)
    vst1q_f32(y + (size_t)o0 * plane, v[0]);
  if (o0 + 1 < c->p->m)
    vst1q_f32(y + (size_t)(o0 + 1) * plane, v[1]);
}

/* Compiled with GCC's scheduler, unlike the 8x8 block: 16 vector
 * registers leave it room, and it interleaves the channel pairs' chains
 * (llvm-mca, Cortex-A53: 123 instead of 284 cycles per segment, for 2
 * more instructions per 107). */
static inline void bnnc_neon_bconv_block4(const bnnc_neon_bconv_ctx *c,
                                          int32_t n, int32_t oy, int32_t ox0,
                                          int32_t ky0, int32_t ky1) {
  const bnnc_bconv2d_params *p = c->p;
  const int32_t wg = c->wg, kw = p->kw, rows = ky1 - ky0, blocks = c->m8 / 8;
  const ptrdiff_t tap_words = (ptrdiff_t)8 * wg;
  const int32_t k = rows * kw * p->c, full_k = p->kh * kw * p->c;
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
  const uint8_t *flip_bits = c->e->flip_bits;
  const size_t step = (size_t)c->out_bytes;
  uint8_t *const ybits = c->y_bits;
  uint8_t *yb =
      ybits ? ybits + bnnc_neon_pixel((size_t)n, p->oh, p->ow, oy, ox0) * step
            : NULL;
  const size_t plane = (size_t)p->oh * (size_t)p->ow;
  float *const yf =
      c->y_float ? c->y_float + (size_t)n * (size_t)p->m * plane +
                       bnnc_neon_pixel(0, p->oh, p->ow, oy, ox0)
                 : NULL;
  /* Bit 2J of lanes 0-3 and bit 2J+1 of lanes 4-7. */
  static const uint16_t bit_table[4][8] = {{1, 1, 1, 1, 2, 2, 2, 2},
                                           {4, 4, 4, 4, 8, 8, 8, 8},
                                           {16, 16, 16, 16, 32, 32, 32, 32},
                                           {64, 64, 64, 64, 128, 128, 128, 128}};
  for (int32_t ob = 0; ob < blocks; ++ob, wob += wblock_step, ++yb) {
    uint16x8_t q0 = vdupq_n_u16(0), q1 = q0, q2 = q0, q3 = q0;
    {
      const uint32_t *xt = xrow, *wt = wob;
      for (int32_t r = rows; r > 0; --r, xt += xrow_step, wt += wrow_step) {
        const uint32_t *xk = xt, *wk = wt;
        for (int32_t kx = 0; kx < kw; ++kx, xk += dstride, wk += tap_words)
          BNNC_NEON_BLOCK4_TAP(xk, wk);
      }
    }
    if (ybits) {
      /* Thresholds of channels (2J x 4, 2J+1 x 4) by two levels of ZIP. */
      const uint16x8_t pt = bnnc_neon_thresholds(c->e, ob, k, full_k);
      const uint16x8_t z0 = vzip1q_u16(pt, pt), z1 = vzip2q_u16(pt, pt);
      uint16x8_t r = vandq_u16(vcgeq_u16(q0, vzip1q_u16(z0, z0)),
                               vld1q_u16(bit_table[0]));
      r = vorrq_u16(r, vandq_u16(vcgeq_u16(q1, vzip2q_u16(z0, z0)),
                                 vld1q_u16(bit_table[1])));
      r = vorrq_u16(r, vandq_u16(vcgeq_u16(q2, vzip1q_u16(z1, z1)),
                                 vld1q_u16(bit_table[2])));
      r = vorrq_u16(r, vandq_u16(vcgeq_u16(q3, vzip2q_u16(z1, z1)),
                                 vld1q_u16(bit_table[3])));
      /* Even channels' bits | odd channels' bits: pixel p in lane p. */
      const uint16x4_t px = vorr_u16(vget_low_u16(r), vget_high_u16(r));
      const uint8x8_t bytes = veor_u8(vreinterpret_u8_u16(px),
                                      vdup_n_u8(flip_bits[ob]));
      vst1_lane_u8(yb, bytes, 0);
      vst1_lane_u8(yb + step, bytes, 2);
      vst1_lane_u8(yb + 2 * step, bytes, 4);
      vst1_lane_u8(yb + 3 * step, bytes, 6);
    } else {
      bnnc_neon_float_pair4(c, yf, plane, 8 * ob, k, q0);
      bnnc_neon_float_pair4(c, yf, plane, 8 * ob + 2, k, q1);
      bnnc_neon_float_pair4(c, yf, plane, 8 * ob + 4, k, q2);
      bnnc_neon_float_pair4(c, yf, plane, 8 * ob + 6, k, q3);
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

/* Two channel blocks of the dense loop's iteration, interleaved (block A
 * in v16-v23, B in v24-v31, so that their EOR -> CNT -> ADDP -> UADALP
 * chains overlap on in-order cores): each block's 8 channels' 4-word
 * segments (two LD1 of 4 registers, post-incremented), EOR with the input
 * segment, CNT, the ADDP tree of bnnc_neon_tree8, UADALP into its
 * accumulator. */
#define BNNC_NEON_DENSE_ASM_PAIR(WA, WB, AA, AB)                               \
  "ld1 {v16.16b-v19.16b}, [" WA "], #64\n\t"                                   \
  "ld1 {v24.16b-v27.16b}, [" WB "], #64\n\t"                                   \
  "ld1 {v20.16b-v23.16b}, [" WA "], #64\n\t"                                   \
  "ld1 {v28.16b-v31.16b}, [" WB "], #64\n\t"                                   \
  "eor v16.16b, v16.16b, %[xq].16b\n\t"                                        \
  "eor v24.16b, v24.16b, %[xq].16b\n\t"                                        \
  "eor v17.16b, v17.16b, %[xq].16b\n\t"                                        \
  "eor v25.16b, v25.16b, %[xq].16b\n\t"                                        \
  "eor v18.16b, v18.16b, %[xq].16b\n\t"                                        \
  "eor v26.16b, v26.16b, %[xq].16b\n\t"                                        \
  "eor v19.16b, v19.16b, %[xq].16b\n\t"                                        \
  "eor v27.16b, v27.16b, %[xq].16b\n\t"                                        \
  "eor v20.16b, v20.16b, %[xq].16b\n\t"                                        \
  "eor v28.16b, v28.16b, %[xq].16b\n\t"                                        \
  "eor v21.16b, v21.16b, %[xq].16b\n\t"                                        \
  "eor v29.16b, v29.16b, %[xq].16b\n\t"                                        \
  "eor v22.16b, v22.16b, %[xq].16b\n\t"                                        \
  "eor v30.16b, v30.16b, %[xq].16b\n\t"                                        \
  "eor v23.16b, v23.16b, %[xq].16b\n\t"                                        \
  "eor v31.16b, v31.16b, %[xq].16b\n\t"                                        \
  "cnt v16.16b, v16.16b\n\t"                                                   \
  "cnt v24.16b, v24.16b\n\t"                                                   \
  "cnt v17.16b, v17.16b\n\t"                                                   \
  "cnt v25.16b, v25.16b\n\t"                                                   \
  "cnt v18.16b, v18.16b\n\t"                                                   \
  "cnt v26.16b, v26.16b\n\t"                                                   \
  "cnt v19.16b, v19.16b\n\t"                                                   \
  "cnt v27.16b, v27.16b\n\t"                                                   \
  "cnt v20.16b, v20.16b\n\t"                                                   \
  "cnt v28.16b, v28.16b\n\t"                                                   \
  "cnt v21.16b, v21.16b\n\t"                                                   \
  "cnt v29.16b, v29.16b\n\t"                                                   \
  "cnt v22.16b, v22.16b\n\t"                                                   \
  "cnt v30.16b, v30.16b\n\t"                                                   \
  "cnt v23.16b, v23.16b\n\t"                                                   \
  "cnt v31.16b, v31.16b\n\t"                                                   \
  "addp v16.16b, v16.16b, v17.16b\n\t"                                         \
  "addp v24.16b, v24.16b, v25.16b\n\t"                                         \
  "addp v18.16b, v18.16b, v19.16b\n\t"                                         \
  "addp v26.16b, v26.16b, v27.16b\n\t"                                         \
  "addp v20.16b, v20.16b, v21.16b\n\t"                                         \
  "addp v28.16b, v28.16b, v29.16b\n\t"                                         \
  "addp v22.16b, v22.16b, v23.16b\n\t"                                         \
  "addp v30.16b, v30.16b, v31.16b\n\t"                                         \
  "addp v16.16b, v16.16b, v18.16b\n\t"                                         \
  "addp v24.16b, v24.16b, v26.16b\n\t"                                         \
  "addp v20.16b, v20.16b, v22.16b\n\t"                                         \
  "addp v28.16b, v28.16b, v30.16b\n\t"                                         \
  "addp v16.16b, v16.16b, v20.16b\n\t"                                         \
  "addp v24.16b, v24.16b, v28.16b\n\t"                                         \
  "uadalp " AA ".8h, v16.16b\n\t"                                              \
  "uadalp " AB ".8h, v24.16b\n\t"

/* Dense layers (1x1 input and kernel: one pixel, one tap per image): 16
 * output channels per pass, 8 words per iteration into four accumulators
 * (the pixel's words are loaded once for both channel blocks), with none of
 * the tap and border bookkeeping of the pixel path. */
#pragma GCC diagnostic push /* the asm template, see above */
#pragma GCC diagnostic ignored "-Woverlength-strings"
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-schedule-insns"))) /* see bnnc_neon_bconv_block_impl */
#endif
static inline void bnnc_neon_bdense(const bnnc_neon_bconv_ctx *c, int32_t n) {
  const int32_t wg = c->wg, blocks = c->m8 / 8, full = wg / 8 * 8;
  const uint32_t *const x = c->x + (size_t)n * (size_t)wg;
  const ptrdiff_t wstep = (ptrdiff_t)8 * wg;
  int32_t ob = 0;
  if (c->y_bits) {
    /* Bits out: 32 channels per pass, one 4-word segment of the input
     * against 4 channel blocks per iteration (one input load per 4 blocks,
     * each block's weights read by two post-incremented LD1s), and the
     * 32 channels' bits out as one word. */
    static const uint16_t weights[8] = {1, 2, 4, 8, 16, 32, 64, 128};
    const uint16x8_t bit_weights = vld1q_u16(weights);
    const int32_t seg = wg / 4 * 4;
    uint8_t *const yb = c->y_bits + (size_t)n * (size_t)c->out_bytes;
    for (; ob + 4 <= blocks; ob += 4) {
      const uint32_t *w0 = c->w8 + ob * wstep, *w1 = w0 + wstep;
      const uint32_t *w2 = w1 + wstep, *w3 = w2 + wstep;
      uint16x8_t a0 = vdupq_n_u16(0), a1 = a0, a2 = a0, a3 = a0;
      if (seg > 0) {
        /* The loop in inline asm: compiled from C, GCC 12 copies each
         * weight pointer before its post-incremented loads and bumps it
         * separately (8 more instructions per 107). */
        const uint32_t *xp = x;
        uint8x16_t xq;
        uint64_t iters = (uint64_t)(seg / 4);
        __asm__ volatile(
            "1:\n\t"
            "// LLVM-MCA-BEGIN dense_32_channels\n\t"
            "ld1 {%[xq].16b}, [%[xp]], #16\n\t"
            BNNC_NEON_DENSE_ASM_PAIR("%[w0]", "%[w1]", "%[a0]", "%[a1]")
            BNNC_NEON_DENSE_ASM_PAIR("%[w2]", "%[w3]", "%[a2]", "%[a3]")
            "// LLVM-MCA-END dense_32_channels\n\t"
            "subs %[n], %[n], #1\n\t"
            "b.ne 1b\n\t"
            : [a0] "+w"(a0), [a1] "+w"(a1), [a2] "+w"(a2), [a3] "+w"(a3),
              [xq] "=&w"(xq), [xp] "+r"(xp), [w0] "+r"(w0),
              [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [n] "+r"(iters)
            :
            : "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24",
              "v25", "v26", "v27", "v28", "v29", "v30", "v31", "cc", "memory");
      }
      if (seg < wg) {
        a0 = bnnc_neon_pixel_tap(x + seg, w0, wg - seg, a0);
        a1 = bnnc_neon_pixel_tap(x + seg, w1, wg - seg, a1);
        a2 = bnnc_neon_pixel_tap(x + seg, w2, wg - seg, a2);
        a3 = bnnc_neon_pixel_tap(x + seg, w3, wg - seg, a3);
      }
      /* Channel masks weighted by bit, summed by ADDP: lane j = byte j. */
      const uint16x8x4_t pt = vld1q_u16_x4(c->e->pop_threshold + 8 * ob);
      const uint16x8_t b0 = vandq_u16(vcgeq_u16(a0, pt.val[0]), bit_weights);
      const uint16x8_t b1 = vandq_u16(vcgeq_u16(a1, pt.val[1]), bit_weights);
      const uint16x8_t b2 = vandq_u16(vcgeq_u16(a2, pt.val[2]), bit_weights);
      const uint16x8_t b3 = vandq_u16(vcgeq_u16(a3, pt.val[3]), bit_weights);
      const uint16x8_t s = vpaddq_u16(vpaddq_u16(b0, b1), vpaddq_u16(b2, b3));
      const uint8x8_t bytes = vmovn_u16(vpaddq_u16(s, s));
      uint32_t flip, word;
      memcpy(&flip, c->e->flip_bits + ob, 4);
      word = vget_lane_u32(vreinterpret_u32_u8(bytes), 0) ^ flip;
      memcpy(yb + ob, &word, 4);
    }
  }
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
#pragma GCC diagnostic pop

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
  /* Border pixels in 8x8 blocks (bnnc_neon_edge) where the block loads
   * 8 neighbouring pixels and D / 2 is whole. */
  uint16_t tap_pop[BNNC_NEON_EDGE_MAX_TAPS * 8];
  uint32_t edge_buf[BNNC_NEON_EDGE_MAX_WORDS];
  const int edges =
      c->wg <= 2 && p->stride_w == 1 && p->c % 2 == 0 && p->ow >= 8 &&
      p->kw <= 16 && c->m8 / 8 * p->kh * p->kw <= BNNC_NEON_EDGE_MAX_TAPS &&
      p->kh * (8 + (p->kw - 1) * p->dilation_w) * c->wg <= BNNC_NEON_EDGE_MAX_WORDS;
  if (edges)
    bnnc_neon_edge_tap_pops(c, tap_pop);
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
      if (c->wg % 4 == 0 && hi - lo >= 4) {
        /* 8-pixel blocks, then 4-pixel ones (a single pixel costs ~1.3x a
         * block's pixel with 4k words per tap: 3 left over overlap). */
        for (; ox < lo; ++ox)
          bnnc_neon_bconv_pixel(c, n, oy, ox, ky0, ky1);
        if (hi - ox >= 8) {
          const int32_t nb = (hi - ox) / 8;
          bnnc_neon_bconv_blocks(c, n, oy, ox, ky0, ky1, nb);
          ox += 8 * nb;
        }
        for (; ox + 4 <= hi; ox += 4)
          bnnc_neon_bconv_block4(c, n, oy, ox, ky0, ky1);
        if (hi - ox >= 3) {
          bnnc_neon_bconv_block4(c, n, oy, hi - 4, ky0, ky1);
          ox = hi;
        }
      } else if (edges) {
        /* Blocks over the whole row, border ones included; the last one
         * overlaps the previous when 3+ pixels are left. */
        while (ox + 8 <= p->ow)
          if (ox >= lo && ox + 8 <= hi) {
            const int32_t nb = (hi - ox) / 8; /* the interior run */
            bnnc_neon_bconv_blocks(c, n, oy, ox, ky0, ky1, nb);
            ox += 8 * nb;
          } else {
            bnnc_neon_bconv_edge_block(c, n, oy, ox, ky0, ky1, lo, hi, tap_pop,
                                       edge_buf);
            ox += 8;
          }
        if (p->ow - ox >= 3) {
          const int32_t last = p->ow - 8;
          if (last >= lo && last + 8 <= hi)
            bnnc_neon_bconv_block(c, n, oy, last, ky0, ky1);
          else
            bnnc_neon_bconv_edge_block(c, n, oy, last, ky0, ky1, lo, hi,
                                       tap_pop, edge_buf);
          ox = p->ow;
        }
      } else if (blocks && hi - lo >= 8) {
        for (; ox < lo; ++ox)
          bnnc_neon_bconv_pixel(c, n, oy, ox, ky0, ky1);
        if (hi - ox >= 8) {
          const int32_t nb = (hi - ox) / 8;
          bnnc_neon_bconv_blocks(c, n, oy, ox, ky0, ky1, nb);
          ox += 8 * nb;
        }
        /* Left-over pixels run as a block that overlaps the previous one
         * when recomputing pixels is cheaper than running them one by one:
         * a single pixel costs ~2.5x a block's pixel with 1-2 words per tap
         * (3+ left over: overlap). */
        if (ox < hi && hi - ox >= 3) {
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

/* ---- Real-valued kernels (issue 17) ----------------------------------------
 * Every float kernel below accumulates each output in the portable kernel's
 * order (input channel, kernel row, kernel column, skipping padded taps; k
 * ascending for GEMM), starting from 0 and adding the bias last, like
 * kernels_f32.h. The one difference is the fused multiply-add (FMLA): each
 * step rounds once instead of twice, so results are within the documented
 * tolerance of the generic target, not bit-identical (docs/aarch64.md). No
 * kernel allocates or keeps scratch beyond a few registers' worth of locals.
 *
 * Register blocking: an output tile is 16 accumulators (4 lanes each). Per
 * multiply step one operand is a vector along the output's contiguous axis
 * (pixels of a row, columns of a matrix row) and the other is broadcast from
 * a lane (FMLA by element), so one LD1 of each side feeds 16 FMLA: 18
 * instructions per 64 MACs in the inner loops. */

/* The 16 channels (or rows x vectors) of a tile. */
#define BNNC_NEON_EACH16(F)                                                    \
  F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11) F(12) F(13)   \
      F(14) F(15)

/* The first `cv` 4-float vectors at p (cv is a constant after inlining),
 * the others zero, with one LD1 (for streams whose address moves by a
 * register). */
BNNC_NEON_INLINE float32x4x4_t bnnc_neon_ld1x(const float *p, const int32_t cv) {
  float32x4x4_t v;
  if (cv == 4)
    return vld1q_f32_x4(p);
  v.val[3] = vdupq_n_f32(0.0f);
  if (cv == 3) {
    const float32x4x3_t t = vld1q_f32_x3(p);
    v.val[0] = t.val[0], v.val[1] = t.val[1], v.val[2] = t.val[2];
  } else if (cv == 2) {
    const float32x4x2_t t = vld1q_f32_x2(p);
    v.val[0] = t.val[0], v.val[1] = t.val[1], v.val[2] = v.val[3];
  } else {
    v.val[0] = vld1q_f32(p), v.val[1] = v.val[2] = v.val[3];
  }
  return v;
}

/* Vector v of 4 variables named P0..P3 (v a constant). */
#define BNNC_NEON_PICK(P, v)                                                   \
  ((v) == 0 ? P##0 : (v) == 1 ? P##1 : (v) == 2 ? P##2 : P##3)
/* w0..w3 = the first cv vectors at WT (the others repeat w0), as separate
 * variables: GCC 12 keeps a float32x4x4_t in 4 consecutive registers and
 * moves vectors in and out of it on every use. */
#define BNNC_NEON_LDQ(w, WT, cv)                                               \
  const float32x4_t w##0 = vld1q_f32(WT);                                      \
  const float32x4_t w##1 = (cv) > 1 ? vld1q_f32((WT) + 4) : w##0;              \
  const float32x4_t w##2 = (cv) > 2 ? vld1q_f32((WT) + 8) : w##0;              \
  const float32x4_t w##3 = (cv) > 3 ? vld1q_f32((WT) + 12) : w##0;

/* ---- GEMM: y = act(A B + bias) ---------------------------------------------
 * A (m x k) is read in place, row-major with any row stride. B (k x n) is
 * either row-major with any row stride, read in place (a run-time B:
 * MatMul, 1x1 convolutions; no packed copy, so no scratch), or in "n16"
 * panels that the compiler writes for a constant B (bnnc/layouts.h: per
 * 16 columns (k, 16), a last partial panel 4 * ceil(r / 4) wide, zero past
 * n): consecutive k of a panel are
 * adjacent, so the B stream is one LD1 x4 with post-increment per k and
 * no address arithmetic. A tile is `rows` (4, 2 or 1) rows x 16 (or 4) columns; per 4
 * values of k it loads 4 k of each A row (one LD1 per row), 4 B rows of 16
 * columns (one LD1 x4 each) and issues 16 FMLA by element per B row. The
 * last tile of a row overlaps the previous one when n is not a multiple of
 * 4 (the shared outputs are computed twice, identically). */
typedef struct {
  int32_t m, n, k;
  const float *a;
  ptrdiff_t lda;
  const float *b;
  ptrdiff_t ldb;
  int32_t b_panels;      /* B in "n16" panels (ldb: the last one's width) */
  const float *row_bias; /* [m] added to row i, or NULL */
  const float *col_bias; /* [n] added to column j, or NULL */
  int32_t relu;
  float *y;
  ptrdiff_t ldy;
} bnnc_neon_gemm_args;

/* x<r>: 4 values of k of A row r. */
#define BNNC_NEON_XA(r) ((r) == 0 ? x0 : (r) == 1 ? x1 : (r) == 2 ? x2 : x3)
/* B column j at k = 0, and the distance between its consecutive k: the row
 * stride, or in n16 panels 16 in full panels and the last panel's width
 * (ldb) in a partial one. */
BNNC_NEON_INLINE const float *bnnc_neon_gemm_col(const bnnc_neon_gemm_args *g,
                                                 ptrdiff_t j) {
  return g->b_panels ? g->b + j / 16 * 16 * (ptrdiff_t)g->k + j % 16 : g->b + j;
}
BNNC_NEON_INLINE ptrdiff_t bnnc_neon_gemm_kstep(const bnnc_neon_gemm_args *g,
                                                ptrdiff_t j) {
  return g->b_panels && j / 16 < g->n / 16 ? 16 : g->ldb;
}

/* s<r><v> += B row (vector v) * lane t of A row r. */
#define BNNC_NEON_GEMM_FMA(i)                                                  \
  if ((i) / 4 < rows && (i) % 4 < cv)                                          \
    s##i = vfmaq_laneq_f32(s##i, bv.val[(i) % 4], BNNC_NEON_XA((i) / 4), t);
#define BNNC_NEON_GEMM_STEP(T)                                                 \
  {                                                                            \
    enum { t = T };                                                            \
    const float32x4x4_t bv = bnnc_neon_ld1x(bp, cv);                           \
    bp += ldb;                                                                 \
    BNNC_NEON_EACH16(BNNC_NEON_GEMM_FMA)                                       \
  }
#define BNNC_NEON_ZERO_ACC(i) float32x4_t s##i = vdupq_n_f32(0.0f);
#define BNNC_NEON_GEMM_OUT(i)                                                  \
  if ((i) / 4 < rows && (i) % 4 < cv) {                                        \
    float32x4_t v = s##i;                                                      \
    if (g->row_bias)                                                           \
      v = vaddq_f32(v, vdupq_n_f32(g->row_bias[i0 + (i) / 4]));                \
    if (g->col_bias)                                                           \
      v = vaddq_f32(v, vld1q_f32(g->col_bias + j0 + 4 * ((i) % 4)));           \
    if (g->relu)                                                               \
      v = vmaxq_f32(v, vdupq_n_f32(0.0f));                                     \
    vst1q_f32(g->y + (i0 + (i) / 4) * g->ldy + j0 + 4 * ((i) % 4), v);         \
  }

/* The k loop of a 4-row x 16-column tile, 4 k per iteration, in inline
 * assembly for the reason of bnnc_neon_conv3x3_a16 (GCC 12 adds moves and
 * address arithmetic to the intrinsics): the accumulators live in v0..v15
 * (row r's vector v in v(4r+v)) and are stored to acc at the end. Per 4 k:
 * one LDR of 4 k per A row (post-increment), one LD1 x4 of 16 B columns per
 * k (post-increment by the row stride: 64 bytes for n16 panels), 64 FMLA
 * by element: 74 instructions per 256 MACs with the loop control. */
static inline void bnnc_neon_gemm_4x16(const float *a0, const float *a1,
                                       const float *a2, const float *a3,
                                       const float *b, ptrdiff_t ldb,
                                       int32_t steps, float *acc) {
  ldb *= (ptrdiff_t)sizeof(float); /* bytes */
  __asm__ volatile(
      "movi v0.16b, #0\n\tmovi v1.16b, #0\n\tmovi v2.16b, #0\n\t"
      "movi v3.16b, #0\n\tmovi v4.16b, #0\n\tmovi v5.16b, #0\n\t"
      "movi v6.16b, #0\n\tmovi v7.16b, #0\n\tmovi v8.16b, #0\n\t"
      "movi v9.16b, #0\n\tmovi v10.16b, #0\n\tmovi v11.16b, #0\n\t"
      "movi v12.16b, #0\n\tmovi v13.16b, #0\n\tmovi v14.16b, #0\n\t"
      "movi v15.16b, #0\n\t"
      "1:\n\t"
      "ldr q20, [%[a0]], #16\n\t"
      "ldr q21, [%[a1]], #16\n\t"
      "ldr q22, [%[a2]], #16\n\t"
      "ldr q23, [%[a3]], #16\n\t"
      "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[b]], %[ldb]\n\t"
      "fmla v0.4s, v16.4s, v20.s[0]\n\t"
      "fmla v1.4s, v17.4s, v20.s[0]\n\t"
      "fmla v2.4s, v18.4s, v20.s[0]\n\t"
      "fmla v3.4s, v19.4s, v20.s[0]\n\t"
      "fmla v4.4s, v16.4s, v21.s[0]\n\t"
      "fmla v5.4s, v17.4s, v21.s[0]\n\t"
      "fmla v6.4s, v18.4s, v21.s[0]\n\t"
      "fmla v7.4s, v19.4s, v21.s[0]\n\t"
      "fmla v8.4s, v16.4s, v22.s[0]\n\t"
      "fmla v9.4s, v17.4s, v22.s[0]\n\t"
      "fmla v10.4s, v18.4s, v22.s[0]\n\t"
      "fmla v11.4s, v19.4s, v22.s[0]\n\t"
      "fmla v12.4s, v16.4s, v23.s[0]\n\t"
      "fmla v13.4s, v17.4s, v23.s[0]\n\t"
      "fmla v14.4s, v18.4s, v23.s[0]\n\t"
      "fmla v15.4s, v19.4s, v23.s[0]\n\t"
      "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[b]], %[ldb]\n\t"
      "fmla v0.4s, v16.4s, v20.s[1]\n\t"
      "fmla v1.4s, v17.4s, v20.s[1]\n\t"
      "fmla v2.4s, v18.4s, v20.s[1]\n\t"
      "fmla v3.4s, v19.4s, v20.s[1]\n\t"
      "fmla v4.4s, v16.4s, v21.s[1]\n\t"
      "fmla v5.4s, v17.4s, v21.s[1]\n\t"
      "fmla v6.4s, v18.4s, v21.s[1]\n\t"
      "fmla v7.4s, v19.4s, v21.s[1]\n\t"
      "fmla v8.4s, v16.4s, v22.s[1]\n\t"
      "fmla v9.4s, v17.4s, v22.s[1]\n\t"
      "fmla v10.4s, v18.4s, v22.s[1]\n\t"
      "fmla v11.4s, v19.4s, v22.s[1]\n\t"
      "fmla v12.4s, v16.4s, v23.s[1]\n\t"
      "fmla v13.4s, v17.4s, v23.s[1]\n\t"
      "fmla v14.4s, v18.4s, v23.s[1]\n\t"
      "fmla v15.4s, v19.4s, v23.s[1]\n\t"
      "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[b]], %[ldb]\n\t"
      "fmla v0.4s, v16.4s, v20.s[2]\n\t"
      "fmla v1.4s, v17.4s, v20.s[2]\n\t"
      "fmla v2.4s, v18.4s, v20.s[2]\n\t"
      "fmla v3.4s, v19.4s, v20.s[2]\n\t"
      "fmla v4.4s, v16.4s, v21.s[2]\n\t"
      "fmla v5.4s, v17.4s, v21.s[2]\n\t"
      "fmla v6.4s, v18.4s, v21.s[2]\n\t"
      "fmla v7.4s, v19.4s, v21.s[2]\n\t"
      "fmla v8.4s, v16.4s, v22.s[2]\n\t"
      "fmla v9.4s, v17.4s, v22.s[2]\n\t"
      "fmla v10.4s, v18.4s, v22.s[2]\n\t"
      "fmla v11.4s, v19.4s, v22.s[2]\n\t"
      "fmla v12.4s, v16.4s, v23.s[2]\n\t"
      "fmla v13.4s, v17.4s, v23.s[2]\n\t"
      "fmla v14.4s, v18.4s, v23.s[2]\n\t"
      "fmla v15.4s, v19.4s, v23.s[2]\n\t"
      "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[b]], %[ldb]\n\t"
      "fmla v0.4s, v16.4s, v20.s[3]\n\t"
      "fmla v1.4s, v17.4s, v20.s[3]\n\t"
      "fmla v2.4s, v18.4s, v20.s[3]\n\t"
      "fmla v3.4s, v19.4s, v20.s[3]\n\t"
      "fmla v4.4s, v16.4s, v21.s[3]\n\t"
      "fmla v5.4s, v17.4s, v21.s[3]\n\t"
      "fmla v6.4s, v18.4s, v21.s[3]\n\t"
      "fmla v7.4s, v19.4s, v21.s[3]\n\t"
      "fmla v8.4s, v16.4s, v22.s[3]\n\t"
      "fmla v9.4s, v17.4s, v22.s[3]\n\t"
      "fmla v10.4s, v18.4s, v22.s[3]\n\t"
      "fmla v11.4s, v19.4s, v22.s[3]\n\t"
      "fmla v12.4s, v16.4s, v23.s[3]\n\t"
      "fmla v13.4s, v17.4s, v23.s[3]\n\t"
      "fmla v14.4s, v18.4s, v23.s[3]\n\t"
      "fmla v15.4s, v19.4s, v23.s[3]\n\t"
      "subs %w[n], %w[n], #1\n\t"
      "b.ne 1b\n\t"
      "st1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[acc]], #64\n\t"
      "st1 {v4.4s, v5.4s, v6.4s, v7.4s}, [%[acc]], #64\n\t"
      "st1 {v8.4s, v9.4s, v10.4s, v11.4s}, [%[acc]], #64\n\t"
      "st1 {v12.4s, v13.4s, v14.4s, v15.4s}, [%[acc]]\n\t"
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3),
        [b] "+r"(b), [n] "+r"(steps), [acc] "+r"(acc)
      : [ldb] "r"(ldb)
      : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10",
        "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20",
        "v21", "v22", "v23", "cc", "memory");
}

/* The same for a 1-row x 16-column tile (dense layers of batch 1), 8 k
 * per iteration: one LDP of 8 k of the A row, 8 LD1 x4 of B, 32 FMLA:
 * 43 instructions per 128 MACs. Accumulators v0..v3. */
static inline void bnnc_neon_gemm_1x16(const float *a0, const float *b,
                                       ptrdiff_t ldb, int32_t steps,
                                       float *acc) {
  ldb *= (ptrdiff_t)sizeof(float); /* bytes */
  __asm__ volatile(
      "movi v0.16b, #0\n\tmovi v1.16b, #0\n\tmovi v2.16b, #0\n\t"
      "movi v3.16b, #0\n\t"
      "1:\n\t"
      "ldp q20, q21, [%[a0]], #32\n\t"
      "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[b]], %[ldb]\n\t"
      "fmla v0.4s, v16.4s, v20.s[0]\n\t"
      "fmla v1.4s, v17.4s, v20.s[0]\n\t"
      "fmla v2.4s, v18.4s, v20.s[0]\n\t"
      "fmla v3.4s, v19.4s, v20.s[0]\n\t"
      "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[b]], %[ldb]\n\t"
      "fmla v0.4s, v16.4s, v20.s[1]\n\t"
      "fmla v1.4s, v17.4s, v20.s[1]\n\t"
      "fmla v2.4s, v18.4s, v20.s[1]\n\t"
      "fmla v3.4s, v19.4s, v20.s[1]\n\t"
      "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[b]], %[ldb]\n\t"
      "fmla v0.4s, v16.4s, v20.s[2]\n\t"
      "fmla v1.4s, v17.4s, v20.s[2]\n\t"
      "fmla v2.4s, v18.4s, v20.s[2]\n\t"
      "fmla v3.4s, v19.4s, v20.s[2]\n\t"
      "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[b]], %[ldb]\n\t"
      "fmla v0.4s, v16.4s, v20.s[3]\n\t"
      "fmla v1.4s, v17.4s, v20.s[3]\n\t"
      "fmla v2.4s, v18.4s, v20.s[3]\n\t"
      "fmla v3.4s, v19.4s, v20.s[3]\n\t"
      "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[b]], %[ldb]\n\t"
      "fmla v0.4s, v16.4s, v21.s[0]\n\t"
      "fmla v1.4s, v17.4s, v21.s[0]\n\t"
      "fmla v2.4s, v18.4s, v21.s[0]\n\t"
      "fmla v3.4s, v19.4s, v21.s[0]\n\t"
      "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[b]], %[ldb]\n\t"
      "fmla v0.4s, v16.4s, v21.s[1]\n\t"
      "fmla v1.4s, v17.4s, v21.s[1]\n\t"
      "fmla v2.4s, v18.4s, v21.s[1]\n\t"
      "fmla v3.4s, v19.4s, v21.s[1]\n\t"
      "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[b]], %[ldb]\n\t"
      "fmla v0.4s, v16.4s, v21.s[2]\n\t"
      "fmla v1.4s, v17.4s, v21.s[2]\n\t"
      "fmla v2.4s, v18.4s, v21.s[2]\n\t"
      "fmla v3.4s, v19.4s, v21.s[2]\n\t"
      "ld1 {v16.4s, v17.4s, v18.4s, v19.4s}, [%[b]], %[ldb]\n\t"
      "fmla v0.4s, v16.4s, v21.s[3]\n\t"
      "fmla v1.4s, v17.4s, v21.s[3]\n\t"
      "fmla v2.4s, v18.4s, v21.s[3]\n\t"
      "fmla v3.4s, v19.4s, v21.s[3]\n\t"
      "subs %w[n], %w[n], #1\n\t"
      "b.ne 1b\n\t"
      "st1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[acc]]\n\t"
      : [a0] "+r"(a0), [b] "+r"(b), [n] "+r"(steps)
      : [ldb] "r"(ldb), [acc] "r"(acc)
      : "v0", "v1", "v2", "v3", "v16", "v17", "v18", "v19", "v20", "v21",
        "cc", "memory");
}

/* Rows i0..i0+rows-1 x columns j0..j0+4cv-1; rows, cv and panels (B in
 * n16 panels: a constant row stride of 16) are constants. */
BNNC_NEON_INLINE void bnnc_neon_gemm_tile(const bnnc_neon_gemm_args *g,
                                          ptrdiff_t i0, ptrdiff_t j0,
                                          const int32_t rows, const int32_t cv,
                                          const int32_t panels) {
  /* Rows past `rows` alias row 0; their products are never issued. */
  const float *a0 = g->a + i0 * g->lda;
  const float *a1 = rows > 1 ? a0 + g->lda : a0;
  const float *a2 = rows > 2 ? a1 + g->lda : a0;
  const float *a3 = rows > 3 ? a2 + g->lda : a0;
  /* 16-column tiles of panels are in full panels: a constant stride. */
  const ptrdiff_t ldb = panels && cv == 4 ? 16 : bnnc_neon_gemm_kstep(g, j0);
  const float *bp = bnnc_neon_gemm_col(g, j0);
  BNNC_NEON_EACH16(BNNC_NEON_ZERO_ACC)
  float32x4_t x0, x1, x2, x3;
  const float *const a_end = a0 + (g->k & ~3);
  if (rows == 4 && cv == 4 && a0 != a_end) {
    float acc[64];
    bnnc_neon_gemm_4x16(a0, a1, a2, a3, bp, ldb, g->k / 4, acc);
#define BNNC_NEON_LOAD_S(i) s##i = vld1q_f32(acc + 4 * (i));
    BNNC_NEON_EACH16(BNNC_NEON_LOAD_S)
#undef BNNC_NEON_LOAD_S
    a0 = a_end, a1 += g->k & ~3, a2 += g->k & ~3, a3 += g->k & ~3;
    bp += (g->k & ~3) * ldb;
  } else if (rows == 1 && cv == 4 && g->k >= 8) {
    float acc[16];
    bnnc_neon_gemm_1x16(a0, bp, ldb, g->k / 8, acc);
    s0 = vld1q_f32(acc), s1 = vld1q_f32(acc + 4);
    s2 = vld1q_f32(acc + 8), s3 = vld1q_f32(acc + 12);
    a0 += g->k & ~7;
    bp += (g->k & ~7) * ldb;
  }
  for (; a0 != a_end; a0 += 4, a1 += 4, a2 += 4, a3 += 4) {
    x0 = vld1q_f32(a0);
    x1 = rows > 1 ? vld1q_f32(a1) : x0;
    x2 = rows > 2 ? vld1q_f32(a2) : x0;
    x3 = rows > 3 ? vld1q_f32(a3) : x0;
    BNNC_NEON_GEMM_STEP(0)
    BNNC_NEON_GEMM_STEP(1)
    BNNC_NEON_GEMM_STEP(2)
    BNNC_NEON_GEMM_STEP(3)
  }
  for (int32_t kk = 0; kk < (g->k & 3); ++kk) {
    x0 = vld1q_dup_f32(a0 + kk);
    x1 = rows > 1 ? vld1q_dup_f32(a1 + kk) : x0;
    x2 = rows > 2 ? vld1q_dup_f32(a2 + kk) : x0;
    x3 = rows > 3 ? vld1q_dup_f32(a3 + kk) : x0;
    BNNC_NEON_GEMM_STEP(0)
  }
  BNNC_NEON_EACH16(BNNC_NEON_GEMM_OUT)
}

/* One output (matrices less than 4 columns wide), in k order, fused like
 * the vector tiles. */
BNNC_NEON_INLINE void bnnc_neon_gemm_one(const bnnc_neon_gemm_args *g,
                                         ptrdiff_t i, ptrdiff_t j) {
  float acc = 0.0f;
  for (int32_t kk = 0; kk < g->k; ++kk)
    acc = fmaf(g->a[i * g->lda + kk],
               bnnc_neon_gemm_col(g, j)[kk * bnnc_neon_gemm_kstep(g, j)], acc);
  if (g->row_bias)
    acc += g->row_bias[i];
  if (g->col_bias)
    acc += g->col_bias[j];
  g->y[i * g->ldy + j] = bnnc_activate_f32(acc, g->relu);
}

/* Rows i0..i0+rows-1, every column. */
BNNC_NEON_INLINE void bnnc_neon_gemm_rows(const bnnc_neon_gemm_args *g,
                                          ptrdiff_t i0, const int32_t rows,
                                          const int32_t panels) {
  ptrdiff_t j = 0;
  for (; j + 16 <= g->n; j += 16)
    bnnc_neon_gemm_tile(g, i0, j, rows, 4, panels);
  for (; j + 4 <= g->n; j += 4)
    bnnc_neon_gemm_tile(g, i0, j, rows, 1, panels);
  /* A panel's last 4-column tile may not cross into the next panel. */
  if (j < g->n && g->n >= 4 && (!panels || (g->n - 4) / 16 == (g->n - 1) / 16))
    bnnc_neon_gemm_tile(g, i0, g->n - 4, rows, 1, panels);
  else
    for (; j < g->n; ++j)
      for (int32_t r = 0; r < rows; ++r)
        bnnc_neon_gemm_one(g, i0 + r, j);
}

BNNC_NEON_INLINE void bnnc_neon_gemm_run(const bnnc_neon_gemm_args *g,
                                         const int32_t panels) {
  ptrdiff_t i = 0;
  for (; i + 4 <= g->m; i += 4)
    bnnc_neon_gemm_rows(g, i, 4, panels);
  for (; i + 2 <= g->m; i += 2)
    bnnc_neon_gemm_rows(g, i, 2, panels);
  for (; i < g->m; ++i)
    bnnc_neon_gemm_rows(g, i, 1, panels);
}

static inline void bnnc_neon_gemm_f32(const bnnc_neon_gemm_args *g) {
  if (g->b_panels)
    bnnc_neon_gemm_run(g, 1);
  else
    bnnc_neon_gemm_run(g, 0);
}

/* ---- Wrappers of the GEMM: dense layers, 1x1 convolutions, MatMul ------- */

/* y = act(a (m x k) * B + bias) with B (k x n) in n16 panels (a constant
 * Gemm B, written by the compiler). bias is NULL or [n]. */
static inline void bnnc_neon_dense_f32(int32_t m, int32_t n, int32_t k,
                                       const float *a, const float *b,
                                       const float *bias, int32_t relu,
                                       float *y) {
  const int32_t last = n % 16 ? (n % 16 + 3) / 4 * 4 : 16; /* partial panel */
  const bnnc_neon_gemm_args g = {m, n, k, a, k, b, last, 1, NULL, bias, relu, y, n};
  bnnc_neon_gemm_f32(&g);
}

/* The same with B (k x n) row-major, read in place (a run-time B). */
static inline void bnnc_neon_gemm_rowmajor_f32(int32_t m, int32_t n, int32_t k,
                                               const float *a, const float *b,
                                               const float *bias, int32_t relu,
                                               float *y) {
  const bnnc_neon_gemm_args g = {m, n, k, a, k, b, n, 0, NULL, bias, relu, y, n};
  bnnc_neon_gemm_f32(&g);
}

/* 1x1 convolution, stride 1, no padding: per image and group the GEMM
 * y (mg x hw) = w (mg x cg, ONNX order) * x (cg x hw). */
static inline void bnnc_neon_conv1x1_f32(const bnnc_conv2d_params *p,
                                         const float *x, const float *w,
                                         const float *bias, float *y) {
  const int32_t cg = p->c / p->group, mg = p->m / p->group;
  const ptrdiff_t plane = (ptrdiff_t)p->h * p->w;
  for (int32_t n = 0; n < p->n; ++n)
    for (int32_t g = 0; g < p->group; ++g) {
      const bnnc_neon_gemm_args args = {
          mg,
          (int32_t)plane,
          cg,
          w + (ptrdiff_t)g * mg * cg,
          cg,
          x + ((ptrdiff_t)n * p->c + (ptrdiff_t)g * cg) * plane,
          plane,
          0,
          bias ? bias + (ptrdiff_t)g * mg : NULL,
          NULL,
          p->relu,
          y + ((ptrdiff_t)n * p->m + (ptrdiff_t)g * mg) * plane,
          plane};
      bnnc_neon_gemm_f32(&args);
    }
}

/* ---- Direct convolution ----------------------------------------------------
 * NCHW, weights in the "o16" panel layout (bnnc/layouts.h): per group,
 * blocks of 16 output channels, each (cg, kh, kw, width) with the block's
 * channels side by side per tap (width 16, a last partial block
 * 4 * ceil(r / 4); zero past the channels).
 *
 * - 4 pixels x 16 channels (16 accumulators, one per channel, 4 pixels in
 *   the lanes): pixels whose taps all lie inside the row, stride 1 (LD1 of
 *   4 neighbours) or 2 (LD2, even lanes). Per tap one LD1 of inputs, one
 *   LD1 x4 of the 16 weights, 16 FMLA by element; 3x3 kernels fully
 *   unrolled per input channel. The last tile of a row may overlap the
 *   previous one.
 * - 1 pixel x 16 channels (4 accumulators, channels in the lanes): the
 *   other pixels (row borders, other strides), over the valid taps; runs of
 *   4 neighbouring taps load 4 inputs at once and multiply them by lane
 *   (so a 1-channel 1x512 strided conv runs 16 FMLA per 5 loads).
 * Blocks of fewer channels issue 4 FMLA per 4 channels that exist. */

typedef struct {
  const bnnc_conv2d_params *p;
  const float *x;  /* image n, the group's first input channel */
  const float *w;  /* the block's panel: (cg, kh, kw, width) */
  float *y;        /* image n, the block's first output channel */
  int32_t width;   /* floats per tap in the panel */
  int32_t valid;   /* output channels of the block, 1..16 */
  int32_t cg;
  float bias[16];  /* the block's biases, zero past `valid` */
} bnnc_neon_conv_block;

/* a<c> += inputs (4 pixels) * weight of channel c. */
#define BNNC_NEON_PX4_FMA(c)                                                   \
  if ((c) < 4 * cv)                                                            \
    a##c = vfmaq_laneq_f32(a##c, xv, BNNC_NEON_PICK(wv, (c) / 4), (c) % 4);
#define BNNC_NEON_PX4_TAP(XS, WT)                                              \
  {                                                                            \
    const float32x4_t xv = s2 ? vld2q_f32(XS).val[0] : vld1q_f32(XS);          \
    BNNC_NEON_LDQ(wv, WT, cv)                                                  \
    BNNC_NEON_EACH16(BNNC_NEON_PX4_FMA)                                        \
  }
#define BNNC_NEON_ZERO_A(c) float32x4_t a##c = vdupq_n_f32(0.0f);
/* bias + relu + store of channel c's 4 pixels. fma(1, b, a) = a + b
 * exactly (one rounding), one instruction instead of DUP + FADD. */
#define BNNC_NEON_PX4_OUT(c)                                                   \
  if ((c) < 4 * cv && (c) < b->valid) {                                        \
    float32x4_t v = vfmaq_laneq_f32(a##c, ones, bias.val[(c) / 4], (c) % 4);   \
    if (p->relu)                                                               \
      v = vmaxq_f32(v, vdupq_n_f32(0.0f));                                     \
    vst1q_f32(yp + (c) * out_plane, v);                                        \
  }

/* 4 pixels x 16 channels over full 3x3 windows of every input channel, in
 * inline assembly: GCC 12 compiles the same intrinsics with ~10% more
 * instructions (it moves accumulators between registers on every tap and
 * does not pair all weight loads), and an asm statement cannot take 16
 * read-write vector operands, so the accumulators live in v0..v15 for the
 * whole channel loop and are stored to `acc` (channel c's 4 pixels at
 * acc + 4c) at the end. Per tap: LDUR of the 4 pixels' inputs, two LDP of
 * the 16 channels' weights (immediate offsets from the panel pointer), 16
 * FMLA by element: 19 instructions per 64 MACs, plus 6 per channel. Same
 * order of operations as the intrinsics it replaces. */
#define BNNC_NEON_A16_FMLA \
  "fmla v0.4s, v16.4s, v17.s[0]\n\t" \
  "fmla v1.4s, v16.4s, v17.s[1]\n\t" \
  "fmla v2.4s, v16.4s, v17.s[2]\n\t" \
  "fmla v3.4s, v16.4s, v17.s[3]\n\t" \
  "fmla v4.4s, v16.4s, v18.s[0]\n\t" \
  "fmla v5.4s, v16.4s, v18.s[1]\n\t" \
  "fmla v6.4s, v16.4s, v18.s[2]\n\t" \
  "fmla v7.4s, v16.4s, v18.s[3]\n\t" \
  "fmla v8.4s, v16.4s, v19.s[0]\n\t" \
  "fmla v9.4s, v16.4s, v19.s[1]\n\t" \
  "fmla v10.4s, v16.4s, v19.s[2]\n\t" \
  "fmla v11.4s, v16.4s, v19.s[3]\n\t" \
  "fmla v12.4s, v16.4s, v20.s[0]\n\t" \
  "fmla v13.4s, v16.4s, v20.s[1]\n\t" \
  "fmla v14.4s, v16.4s, v20.s[2]\n\t" \
  "fmla v15.4s, v16.4s, v20.s[3]\n\t" \

#define BNNC_NEON_A16_TAP(X, XOFF, WOFF)                                       \
  "ldur q16, [%[" X "], #" XOFF "]\n\t"                                        \
  "ldp q17, q18, [%[w], #" WOFF "]\n\t"                                        \
  "ldp q19, q20, [%[w], #" WOFF " + 32]\n\t" BNNC_NEON_A16_FMLA
/* The template (one string literal for C) is longer than the 4095
 * characters C99 promises to support; GCC and clang take it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"
static inline void bnnc_neon_conv3x3_a16(const float *x, const float *w,
                                         int32_t cg, ptrdiff_t row,
                                         ptrdiff_t plane, ptrdiff_t wstep,
                                         float *acc) {
  const float *x1, *x2;
  /* Byte strides, as the address arithmetic uses them. */
  row *= (ptrdiff_t)sizeof(float);
  plane *= (ptrdiff_t)sizeof(float);
  wstep *= (ptrdiff_t)sizeof(float);
  __asm__ volatile(
      "movi v0.16b, #0\n\tmovi v1.16b, #0\n\tmovi v2.16b, #0\n\t"
      "movi v3.16b, #0\n\tmovi v4.16b, #0\n\tmovi v5.16b, #0\n\t"
      "movi v6.16b, #0\n\tmovi v7.16b, #0\n\tmovi v8.16b, #0\n\t"
      "movi v9.16b, #0\n\tmovi v10.16b, #0\n\tmovi v11.16b, #0\n\t"
      "movi v12.16b, #0\n\tmovi v13.16b, #0\n\tmovi v14.16b, #0\n\t"
      "movi v15.16b, #0\n\t"
      "1:\n\t"
      "add %[x1], %[x0], %[row]\n\t"
      "add %[x2], %[x1], %[row]\n\t"
      BNNC_NEON_A16_TAP("x0", "0", "0") BNNC_NEON_A16_TAP("x0", "4", "64")
      BNNC_NEON_A16_TAP("x0", "8", "128") BNNC_NEON_A16_TAP("x1", "0", "192")
      BNNC_NEON_A16_TAP("x1", "4", "256") BNNC_NEON_A16_TAP("x1", "8", "320")
      BNNC_NEON_A16_TAP("x2", "0", "384") BNNC_NEON_A16_TAP("x2", "4", "448")
      BNNC_NEON_A16_TAP("x2", "8", "512")
      "add %[x0], %[x0], %[plane]\n\t"
      "add %[w], %[w], %[wstep]\n\t"
      "subs %w[n], %w[n], #1\n\t"
      "b.ne 1b\n\t"
      "st1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[acc]], #64\n\t"
      "st1 {v4.4s, v5.4s, v6.4s, v7.4s}, [%[acc]], #64\n\t"
      "st1 {v8.4s, v9.4s, v10.4s, v11.4s}, [%[acc]], #64\n\t"
      "st1 {v12.4s, v13.4s, v14.4s, v15.4s}, [%[acc]]\n\t"
      : [x0] "+r"(x), [w] "+r"(w), [n] "+r"(cg), [acc] "+r"(acc),
        [x1] "=&r"(x1), [x2] "=&r"(x2)
      : [row] "r"(row), [plane] "r"(plane), [wstep] "r"(wstep)
      : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10",
        "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20",
        "cc", "memory");
}
#pragma GCC diagnostic pop
#undef BNNC_NEON_A16_TAP
#undef BNNC_NEON_A16_FMLA

/* Pixels ox..ox+3 of row oy, kernel rows ky0..ky1-1 (the valid ones); all
 * columns' taps inside the row. cv (channel vectors), s2 (stride 2, else
 * 1) and full3 (a 3x3 window, all rows valid, dilation_w 1) are constants:
 * with the two loop nests in one function GCC's register allocator moves
 * the accumulators between registers on every tap. */
BNNC_NEON_INLINE void bnnc_neon_conv_px4(const bnnc_neon_conv_block *b,
                                         int32_t oy, int32_t ox, int32_t ky0,
                                         int32_t ky1, const int32_t cv,
                                         const int32_t s2, const int32_t full3) {
  const bnnc_conv2d_params *p = b->p;
  /* 16-channel blocks have 16-float panels: a constant W makes every tap's
   * weights an immediate offset from one pointer. */
  const ptrdiff_t in_plane = (ptrdiff_t)p->h * p->w, W = cv == 4 ? 16 : b->width;
  const ptrdiff_t kw = p->kw, dw = p->dilation_w;
  const ptrdiff_t row = (ptrdiff_t)p->dilation_h * p->w;
  const ptrdiff_t wstep = (ptrdiff_t)p->kh * kw * W;
  const float *xc = b->x +
                    (ptrdiff_t)(oy * p->stride_h - p->pad_top + ky0 * p->dilation_h) * p->w +
                    (ox * p->stride_w - p->pad_left);
  const float *wc = b->w + ky0 * kw * W;
  BNNC_NEON_EACH16(BNNC_NEON_ZERO_A)
  if (full3 && cv == 4 && !s2) {
    float acc[64];
    bnnc_neon_conv3x3_a16(xc, wc, b->cg, row, in_plane, wstep, acc);
#define BNNC_NEON_LOAD_A(c) a##c = vld1q_f32(acc + 4 * (c));
    BNNC_NEON_EACH16(BNNC_NEON_LOAD_A)
#undef BNNC_NEON_LOAD_A
  } else if (full3) {
    for (int32_t ci = 0; ci < b->cg; ++ci, xc += in_plane, wc += wstep) {
      BNNC_NEON_PX4_TAP(xc, wc)
      BNNC_NEON_PX4_TAP(xc + 1, wc + W)
      BNNC_NEON_PX4_TAP(xc + 2, wc + 2 * W)
      BNNC_NEON_PX4_TAP(xc + row, wc + 3 * W)
      BNNC_NEON_PX4_TAP(xc + row + 1, wc + 4 * W)
      BNNC_NEON_PX4_TAP(xc + row + 2, wc + 5 * W)
      BNNC_NEON_PX4_TAP(xc + 2 * row, wc + 6 * W)
      BNNC_NEON_PX4_TAP(xc + 2 * row + 1, wc + 7 * W)
      BNNC_NEON_PX4_TAP(xc + 2 * row + 2, wc + 8 * W)
    }
  } else {
    for (int32_t ci = 0; ci < b->cg; ++ci, xc += in_plane, wc += wstep) {
      const float *xr = xc, *wr = wc;
      for (int32_t ky = ky0; ky < ky1; ++ky, xr += row, wr += kw * W) {
        if (kw == 3) {
          BNNC_NEON_PX4_TAP(xr, wr)
          BNNC_NEON_PX4_TAP(xr + dw, wr + W)
          BNNC_NEON_PX4_TAP(xr + 2 * dw, wr + 2 * W)
        } else {
          const float *xs = xr, *wt = wr;
          for (ptrdiff_t kx = 0; kx < kw; ++kx, xs += dw, wt += W)
            BNNC_NEON_PX4_TAP(xs, wt)
        }
      }
    }
  }
  const ptrdiff_t out_plane = (ptrdiff_t)p->oh * p->ow;
  float *yp = b->y + (ptrdiff_t)oy * p->ow + ox;
  const float32x4_t ones = vdupq_n_f32(1.0f);
  const float32x4x4_t bias = vld1q_f32_x4(b->bias);
  BNNC_NEON_EACH16(BNNC_NEON_PX4_OUT)
}

/* c<j> (channels 4j..4j+3) += weights of tap T of a 4-tap run * input T. */
#define BNNC_NEON_PX1_RUN_TAP(T)                                               \
  {                                                                            \
    BNNC_NEON_LDQ(wv, wt + (T) * W, cv)                                        \
    c0 = vfmaq_laneq_f32(c0, wv0, xv, T);                                      \
    if (cv > 1)                                                                \
      c1 = vfmaq_laneq_f32(c1, wv1, xv, T);                                    \
    if (cv > 2)                                                                \
      c2 = vfmaq_laneq_f32(c2, wv2, xv, T);                                    \
    if (cv > 3)                                                                \
      c3 = vfmaq_laneq_f32(c3, wv3, xv, T);                                    \
  }

/* Pixel (oy, ox) x the block's channels, over its valid taps. */
BNNC_NEON_INLINE void bnnc_neon_conv_px1(const bnnc_neon_conv_block *b,
                                         int32_t oy, int32_t ox, int32_t ky0,
                                         int32_t ky1, const int32_t cv) {
  const bnnc_conv2d_params *p = b->p;
  const ptrdiff_t in_plane = (ptrdiff_t)p->h * p->w, W = cv == 4 ? 16 : b->width;
  const ptrdiff_t kw = p->kw, dw = p->dilation_w;
  const ptrdiff_t row = (ptrdiff_t)p->dilation_h * p->w;
  const ptrdiff_t wstep = (ptrdiff_t)p->kh * kw * W;
  int32_t kx0, kx1;
  bnnc_bvalid_taps(ox, p->stride_w, p->pad_left, p->dilation_w, p->kw, p->w,
                   &kx0, &kx1);
  const float *xc =
      b->x + (ptrdiff_t)(oy * p->stride_h - p->pad_top + ky0 * p->dilation_h) * p->w +
      ((ox * p->stride_w - p->pad_left) + kx0 * dw);
  const float *wc = b->w + (ky0 * kw + kx0) * W;
  float32x4_t c0 = vdupq_n_f32(0.0f), c1 = c0, c2 = c0, c3 = c0;
  if (kx1 - kx0 == 2 && dw == 1) {
    /* Two valid taps per kernel row (the border pixels of 3x3 windows):
     * both inputs in one 64-bit load, multiplied by lane. */
    for (int32_t ci = 0; ci < b->cg; ++ci, xc += in_plane, wc += wstep) {
      const float *xr = xc, *wr = wc;
      for (int32_t ky = ky0; ky < ky1; ++ky, xr += row, wr += kw * W) {
        const float32x2_t xv = vld1_f32(xr);
        BNNC_NEON_LDQ(wa, wr, cv)
        BNNC_NEON_LDQ(wb, wr + W, cv)
        c0 = vfmaq_lane_f32(vfmaq_lane_f32(c0, wa0, xv, 0), wb0, xv, 1);
        if (cv > 1)
          c1 = vfmaq_lane_f32(vfmaq_lane_f32(c1, wa1, xv, 0), wb1, xv, 1);
        if (cv > 2)
          c2 = vfmaq_lane_f32(vfmaq_lane_f32(c2, wa2, xv, 0), wb2, xv, 1);
        if (cv > 3)
          c3 = vfmaq_lane_f32(vfmaq_lane_f32(c3, wa3, xv, 0), wb3, xv, 1);
      }
    }
  } else
  for (int32_t ci = 0; ci < b->cg; ++ci, xc += in_plane, wc += wstep) {
    const float *xr = xc, *wr = wc;
    for (int32_t ky = ky0; ky < ky1; ++ky, xr += row, wr += kw * W) {
      const float *xs = xr, *wt = wr;
      int32_t kx = kx0;
      if (dw == 1)
        for (; kx + 4 <= kx1; kx += 4, xs += 4, wt += 4 * W) {
          const float32x4_t xv = vld1q_f32(xs);
          BNNC_NEON_PX1_RUN_TAP(0)
          BNNC_NEON_PX1_RUN_TAP(1)
          BNNC_NEON_PX1_RUN_TAP(2)
          BNNC_NEON_PX1_RUN_TAP(3)
        }
      for (; kx < kx1; ++kx, xs += dw, wt += W) {
        const float32x4_t xv = vld1q_dup_f32(xs);
        BNNC_NEON_PX1_RUN_TAP(0)
      }
    }
  }
  const float32x4x4_t bias = vld1q_f32_x4(b->bias);
  float v[16];
  vst1q_f32(v, vaddq_f32(c0, bias.val[0]));
  vst1q_f32(v + 4, vaddq_f32(c1, bias.val[1]));
  vst1q_f32(v + 8, vaddq_f32(c2, bias.val[2]));
  vst1q_f32(v + 12, vaddq_f32(c3, bias.val[3]));
  const ptrdiff_t out_plane = (ptrdiff_t)p->oh * p->ow;
  float *yp = b->y + (ptrdiff_t)oy * p->ow + ox;
  for (int32_t c = 0; c < b->valid; ++c)
    yp[c * out_plane] = bnnc_activate_f32(v[c], p->relu);
}

/* The columns [*lo, *hi) whose taps a 4-pixel tile of stride `stride` (1
 * or 2; else none) loads inside the row: for stride 2 the LD2 reads one
 * element past the last tap. */
static inline void bnnc_neon_inner_columns(const bnnc_conv2d_params *p,
                                           int32_t stride, int32_t *lo,
                                           int32_t *hi) {
  const int32_t span = (p->kw - 1) * p->dilation_w + 1 + (stride == 2);
  const int32_t last = p->w - span + p->pad_left; /* last window start */
  *lo = (p->pad_left + stride - 1) / stride;
  *hi = (stride == 1 || stride == 2) && last >= 0 ? last / stride + 1 : 0;
  if (*hi > p->ow)
    *hi = p->ow;
  if (*lo > *hi)
    *lo = *hi;
}

/* Every output pixel of one channel block; cv and s2 are constants. */
BNNC_NEON_INLINE void bnnc_neon_conv_block_run(const bnnc_neon_conv_block *b,
                                               const int32_t cv,
                                               const int32_t s2) {
  const bnnc_conv2d_params *p = b->p;
  int32_t lo, hi;
  bnnc_neon_inner_columns(p, p->stride_w, &lo, &hi);
  for (int32_t oy = 0; oy < p->oh; ++oy) {
    int32_t ky0, ky1, ox = 0;
    bnnc_bvalid_taps(oy, p->stride_h, p->pad_top, p->dilation_h, p->kh, p->h,
                     &ky0, &ky1);
    for (; ox < lo; ++ox)
      bnnc_neon_conv_px1(b, oy, ox, ky0, ky1, cv);
    if (hi - lo >= 4) {
      const int32_t full3 = p->kh == 3 && p->kw == 3 && ky1 - ky0 == 3 &&
                            p->dilation_w == 1;
      for (; ox < hi; ox += 4) {
        const int32_t at = ox + 4 <= hi ? ox : hi - 4; /* may overlap */
        if (full3)
          bnnc_neon_conv_px4(b, oy, at, ky0, ky1, cv, s2, 1);
        else
          bnnc_neon_conv_px4(b, oy, at, ky0, ky1, cv, s2, 0);
      }
      ox = hi;
    }
    for (; ox < p->ow; ++ox)
      bnnc_neon_conv_px1(b, oy, ox, ky0, ky1, cv);
  }
}

/* One function per (channel vectors, stride) variant, so that cv and s2
 * are constants in each. GCC's pre-register-allocation scheduler would
 * hoist the loads of later taps ahead of the FMLAs, run out of vector
 * registers and move accumulators around on every tap; the variants are
 * compiled without it, as bnnc_neon_bconv_block. */
#if defined(__GNUC__) && !defined(__clang__)
#define BNNC_NEON_NO_SCHED __attribute__((optimize("no-schedule-insns")))
#else
#define BNNC_NEON_NO_SCHED
#endif
#define BNNC_NEON_CONV_VARIANT(CV, S2)                                         \
  BNNC_NEON_NO_SCHED static void bnnc_neon_conv_block_##CV##_##S2(            \
      const bnnc_neon_conv_block *b) {                                         \
    bnnc_neon_conv_block_run(b, CV, S2);                                       \
  }
BNNC_NEON_CONV_VARIANT(4, 0) BNNC_NEON_CONV_VARIANT(4, 1)
BNNC_NEON_CONV_VARIANT(3, 0) BNNC_NEON_CONV_VARIANT(3, 1)
BNNC_NEON_CONV_VARIANT(2, 0) BNNC_NEON_CONV_VARIANT(2, 1)
BNNC_NEON_CONV_VARIANT(1, 0) BNNC_NEON_CONV_VARIANT(1, 1)
#undef BNNC_NEON_CONV_VARIANT

static inline void bnnc_neon_conv2d_f32(const bnnc_conv2d_params *p,
                                        const float *x, const float *wp,
                                        const float *bias, float *y) {
  const int32_t cg = p->c / p->group, mg = p->m / p->group;
  const int32_t blocks = (mg + 15) / 16;
  const ptrdiff_t in_plane = (ptrdiff_t)p->h * p->w;
  const ptrdiff_t out_plane = (ptrdiff_t)p->oh * p->ow;
  const ptrdiff_t taps = (ptrdiff_t)p->kh * p->kw;
  const ptrdiff_t group_floats = (ptrdiff_t)(mg + 3) / 4 * 4 * cg * taps;
  const int32_t s2 = p->stride_w == 2;
  bnnc_neon_conv_block b;
  b.p = p;
  b.cg = cg;
  for (int32_t n = 0; n < p->n; ++n)
    for (int32_t g = 0; g < p->group; ++g)
      for (int32_t k = 0; k < blocks; ++k) {
        const int32_t o0 = g * mg + k * 16;
        b.valid = mg - k * 16 < 16 ? mg - k * 16 : 16;
        b.width = bnnc_layout_o16_width(mg, k);
        b.x = x + ((ptrdiff_t)n * p->c + (ptrdiff_t)g * cg) * in_plane;
        b.w = wp + g * group_floats + (ptrdiff_t)k * 16 * cg * taps;
        b.y = y + ((ptrdiff_t)n * p->m + o0) * out_plane;
        for (int32_t j = 0; j < 16; ++j)
          b.bias[j] = bias && j < b.valid ? bias[o0 + j] : 0.0f;
        switch (((b.valid + 3) / 4) * 2 + s2) {
        case 8: bnnc_neon_conv_block_4_0(&b); break;
        case 9: bnnc_neon_conv_block_4_1(&b); break;
        case 6: bnnc_neon_conv_block_3_0(&b); break;
        case 7: bnnc_neon_conv_block_3_1(&b); break;
        case 4: bnnc_neon_conv_block_2_0(&b); break;
        case 5: bnnc_neon_conv_block_2_1(&b); break;
        case 3: bnnc_neon_conv_block_1_1(&b); break;
        default: bnnc_neon_conv_block_1_0(&b); break;
        }
      }
}

#undef BNNC_NEON_PX4_FMA
#undef BNNC_NEON_PX4_TAP
#undef BNNC_NEON_PX4_OUT
#undef BNNC_NEON_PX1_RUN_TAP

/* ---- Depthwise real convolution ------------------------------------------
 * group = c = m, weights as ONNX stores them (m, 1, kh, kw). Inside the
 * image (stride 1) 16 pixels per step, then 4: per tap one LD1 x4 (x1) of
 * inputs and 4 (1) FMLA by the tap's weight, in the generic order (kernel
 * row, then column). A full 3x3 window keeps the 9 weights in 3 registers
 * and multiplies by lane; other windows read each weight once per step.
 * The remaining pixels (borders, other strides) run one at a time, scalar
 * and fused like the vector steps. */

#define BNNC_NEON_DW_FMA(q, w)                                                 \
  if ((q) < pv)                                                                \
    a##q = vfmaq_n_f32(a##q, BNNC_NEON_PICK(xv, q), w);
#define BNNC_NEON_DW_FMA_LANE(q, wv, lane)                                     \
  if ((q) < pv)                                                                \
    a##q = vfmaq_laneq_f32(a##q, BNNC_NEON_PICK(xv, q), wv, lane);
#define BNNC_NEON_DW_TAP(XS, W)                                                \
  {                                                                            \
    BNNC_NEON_LDQ(xv, XS, pv)                                                  \
    BNNC_NEON_DW_FMA(0, W) BNNC_NEON_DW_FMA(1, W) BNNC_NEON_DW_FMA(2, W)       \
    BNNC_NEON_DW_FMA(3, W)                                                     \
  }
#define BNNC_NEON_DW_TAP_LANE(XS, WV, LANE)                                    \
  {                                                                            \
    BNNC_NEON_LDQ(xv, XS, pv)                                                  \
    BNNC_NEON_DW_FMA_LANE(0, WV, LANE) BNNC_NEON_DW_FMA_LANE(1, WV, LANE)      \
    BNNC_NEON_DW_FMA_LANE(2, WV, LANE) BNNC_NEON_DW_FMA_LANE(3, WV, LANE)      \
  }
#define BNNC_NEON_DW_OUT(q)                                                    \
  if ((q) < pv) {                                                              \
    float32x4_t v = vaddq_f32(a##q, vdupq_n_f32(bias));                        \
    if (relu)                                                                  \
      v = vmaxq_f32(v, vdupq_n_f32(0.0f));                                     \
    vst1q_f32(yr + 4 * (q), v);                                                \
  }

/* 4 pv pixels from xr (input row of kernel row ky0, first tap's column) of
 * one channel; w = the channel's weights from kernel row ky0; wv0..wv2 the
 * 9 weights of a full 3x3 window (used when full3). pv is a constant. */
BNNC_NEON_INLINE void bnnc_neon_dw_tile(const bnnc_conv2d_params *p,
                                        const float *xr, const float *w,
                                        int32_t rows, int32_t full3,
                                        float32x4_t wv0, float32x4_t wv1,
                                        float32x4_t wv2, float bias,
                                        float *yr, const int32_t pv) {
  const ptrdiff_t row = (ptrdiff_t)p->dilation_h * p->w, dw = p->dilation_w;
  const int32_t kw = p->kw, relu = p->relu;
  float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
  if (full3) {
    BNNC_NEON_DW_TAP_LANE(xr, wv0, 0)
    BNNC_NEON_DW_TAP_LANE(xr + 1, wv0, 1)
    BNNC_NEON_DW_TAP_LANE(xr + 2, wv0, 2)
    BNNC_NEON_DW_TAP_LANE(xr + row, wv0, 3)
    BNNC_NEON_DW_TAP_LANE(xr + row + 1, wv1, 0)
    BNNC_NEON_DW_TAP_LANE(xr + row + 2, wv1, 1)
    BNNC_NEON_DW_TAP_LANE(xr + 2 * row, wv1, 2)
    BNNC_NEON_DW_TAP_LANE(xr + 2 * row + 1, wv1, 3)
    BNNC_NEON_DW_TAP_LANE(xr + 2 * row + 2, wv2, 0)
  } else {
    for (int32_t ky = 0; ky < rows; ++ky, xr += row, w += kw) {
      if (kw == 5 && dw == 1) {
        BNNC_NEON_DW_TAP(xr, w[0])
        BNNC_NEON_DW_TAP(xr + 1, w[1])
        BNNC_NEON_DW_TAP(xr + 2, w[2])
        BNNC_NEON_DW_TAP(xr + 3, w[3])
        BNNC_NEON_DW_TAP(xr + 4, w[4])
      } else if (kw == 3) {
        BNNC_NEON_DW_TAP(xr, w[0])
        BNNC_NEON_DW_TAP(xr + dw, w[1])
        BNNC_NEON_DW_TAP(xr + 2 * dw, w[2])
      } else {
        for (int32_t kx = 0; kx < kw; ++kx)
          BNNC_NEON_DW_TAP(xr + kx * dw, w[kx])
      }
    }
  }
  BNNC_NEON_DW_OUT(0) BNNC_NEON_DW_OUT(1) BNNC_NEON_DW_OUT(2)
  BNNC_NEON_DW_OUT(3)
}

/* 8 pixels x `rows` (1..4) output rows of a 3x3 window, stride and
 * dilation 1, using window rows ky_lo..ky_hi-1 (the others are padding:
 * the top and bottom rows of a plane); x is the input at the first output
 * row's window row ky_lo, the first pixel's column. rows, ky_lo, ky_hi
 * and edge are constants. Each input vector is
 * loaded once and used by the up to 3 output rows whose windows contain
 * its row: 6 input rows x 3 columns x 2 loads for 72 FMLA by lane (288
 * MACs), against one load per FMLA for a single row. Every output still
 * sums its taps in window order (row by row, left to right). */
#define BNNC_NEON_DW4_W(t) ((t) < 4 ? wv0 : (t) < 8 ? wv1 : wv2)
/* The first product of an output is a multiply: fma(x, w, 0) = x * w
 * (up to the sign of a zero), and the accumulators need no zeroing. */
#define BNNC_NEON_DW4_ACC(R, i, kx)                                            \
  if ((R) < rows && (i) - (R) >= ky_lo && (i) - (R) < ky_hi) {                 \
    const float32x4_t wv = BNNC_NEON_DW4_W(((i) - (R)) * 3 + (kx));            \
    enum { lane = (((i) - (R)) * 3 + (kx)) & 3 };                              \
    if ((i) - (R) == ky_lo && (kx) == 0) {                                     \
      o##R##a = vmulq_laneq_f32(xa, wv, lane);                                 \
      o##R##b = vmulq_laneq_f32(xb, wv, lane);                                 \
    } else {                                                                   \
      o##R##a = vfmaq_laneq_f32(o##R##a, xa, wv, lane);                        \
      o##R##b = vfmaq_laneq_f32(o##R##b, xb, wv, lane);                        \
    }                                                                          \
  }
/* The inputs of tap column kx for the 8 pixels, x at the pixels' centre
 * column. edge 1 (the first 8 pixels of a row, left padding 1) and edge 2
 * (the last 8, right padding 1) build the vector that would reach into the
 * padding from an in-row load and zeros (EXT): padded taps then add
 * 0 * weight, which leaves the sum unchanged for finite weights. */
#define BNNC_NEON_DW4_TAP(i, kx)                                               \
  if ((i) >= ky_lo && (i) < rows - 1 + ky_hi) {                                \
    const float *xs = x + ((i) - ky_lo) * row;                                 \
    float32x4_t xa, xb;                                                        \
    if (edge == 1 && (kx) == 0) {                                              \
      const float32x4_t v0 = vld1q_f32(xs), v1 = vld1q_f32(xs + 4);            \
      xa = vextq_f32(vdupq_n_f32(0.0f), v0, 3);                                \
      xb = vextq_f32(v0, v1, 3);                                               \
    } else if (edge == 2 && (kx) == 2) {                                       \
      const float32x4_t v0 = vld1q_f32(xs), v1 = vld1q_f32(xs + 4);            \
      xa = vextq_f32(v0, v1, 1);                                               \
      xb = vextq_f32(v1, vdupq_n_f32(0.0f), 1);                                \
    } else {                                                                   \
      xa = vld1q_f32(xs + (kx) - 1);                                           \
      xb = vld1q_f32(xs + (kx) + 3);                                           \
    }                                                                          \
    BNNC_NEON_DW4_ACC(0, i, kx) BNNC_NEON_DW4_ACC(1, i, kx)                    \
    BNNC_NEON_DW4_ACC(2, i, kx) BNNC_NEON_DW4_ACC(3, i, kx)                    \
  }
#define BNNC_NEON_DW4_ROW(i)                                                   \
  BNNC_NEON_DW4_TAP(i, 0) BNNC_NEON_DW4_TAP(i, 1) BNNC_NEON_DW4_TAP(i, 2)
#define BNNC_NEON_DW4_OUT(R)                                                   \
  if ((R) < rows) {                                                            \
    float32x4_t va = vaddq_f32(o##R##a, vdupq_n_f32(bias));                    \
    float32x4_t vb = vaddq_f32(o##R##b, vdupq_n_f32(bias));                    \
    if (relu) {                                                                \
      va = vmaxq_f32(va, vdupq_n_f32(0.0f));                                   \
      vb = vmaxq_f32(vb, vdupq_n_f32(0.0f));                                   \
    }                                                                          \
    vst1q_f32(y + (R) * ow, va);                                               \
    vst1q_f32(y + (R) * ow + 4, vb);                                           \
  }
BNNC_NEON_INLINE void bnnc_neon_dw3x3_8x4(const float *x, ptrdiff_t row,
                                          float32x4_t wv0, float32x4_t wv1,
                                          float32x4_t wv2, float bias,
                                          int32_t relu, float *y, ptrdiff_t ow,
                                          const int32_t edge, const int32_t rows,
                                          const int32_t ky_lo,
                                          const int32_t ky_hi) {
  float32x4_t o0a = vdupq_n_f32(0.0f), o0b = o0a, o1a = o0a, o1b = o0a;
  float32x4_t o2a = o0a, o2b = o0a, o3a = o0a, o3b = o0a;
  BNNC_NEON_DW4_ROW(0) BNNC_NEON_DW4_ROW(1) BNNC_NEON_DW4_ROW(2)
  BNNC_NEON_DW4_ROW(3) BNNC_NEON_DW4_ROW(4) BNNC_NEON_DW4_ROW(5)
  BNNC_NEON_DW4_OUT(0) BNNC_NEON_DW4_OUT(1) BNNC_NEON_DW4_OUT(2)
  BNNC_NEON_DW4_OUT(3)
}
#undef BNNC_NEON_DW4_W
#undef BNNC_NEON_DW4_ACC
#undef BNNC_NEON_DW4_TAP
#undef BNNC_NEON_DW4_ROW
#undef BNNC_NEON_DW4_OUT

/* One output pixel of one channel over its valid taps, scalar and fused
 * like the vector steps (borders and strides the vector steps skip). */
BNNC_NEON_INLINE float bnnc_neon_dw_pixel(const bnnc_conv2d_params *p,
                                          const float *xp, const float *wc,
                                          int32_t oy, int32_t ox, int32_t ky0,
                                          int32_t ky1) {
  int32_t kx0, kx1;
  bnnc_bvalid_taps(ox, p->stride_w, p->pad_left, p->dilation_w, p->kw, p->w,
                   &kx0, &kx1);
  const ptrdiff_t row = (ptrdiff_t)p->dilation_h * p->w, dw = p->dilation_w;
  const float *xr = xp + (ptrdiff_t)(oy * p->stride_h - p->pad_top + ky0 * p->dilation_h) * p->w +
                    ((ox * p->stride_w - p->pad_left) + kx0 * dw);
  const float *wr = wc + ky0 * p->kw + kx0;
  float acc = 0.0f;
  for (int32_t ky = ky0; ky < ky1; ++ky, xr += row, wr += p->kw)
    for (int32_t kx = 0; kx < kx1 - kx0; ++kx)
      acc = fmaf(xr[kx * dw], wr[kx], acc);
  return acc;
}

/* Output rows oy..oy+rows-1 of one channel, whole rows, in 8-pixel steps
 * (3x3 window, stride and dilation 1, padding 1 on both sides, rows of at
 * least 9 pixels): edge steps at both ends, the last overlapping the
 * previous one. xr is the input row of the first output row's window row
 * ky_lo. rows, ky_lo and ky_hi are constants. */
BNNC_NEON_INLINE void bnnc_neon_dw3x3_span(const bnnc_conv2d_params *p,
                                           const float *xr, float32x4_t wv0,
                                           float32x4_t wv1, float32x4_t wv2,
                                           float b, float *yr,
                                           const int32_t rows,
                                           const int32_t ky_lo,
                                           const int32_t ky_hi) {
  const int32_t ow = p->ow;
  for (int32_t ox = 0; ox < ow; ox += 8) {
    const int32_t at = ox + 8 <= ow ? ox : ow - 8;
    if (at == 0)
      bnnc_neon_dw3x3_8x4(xr, p->w, wv0, wv1, wv2, b, p->relu, yr, ow, 1,
                          rows, ky_lo, ky_hi);
    else if (at == ow - 8)
      bnnc_neon_dw3x3_8x4(xr + at, p->w, wv0, wv1, wv2, b, p->relu, yr + at,
                          ow, 2, rows, ky_lo, ky_hi);
    else
      bnnc_neon_dw3x3_8x4(xr + at, p->w, wv0, wv1, wv2, b, p->relu, yr + at,
                          ow, 0, rows, ky_lo, ky_hi);
  }
}

/* A whole plane of a 3x3 depthwise conv with stride 1, dilation 1 and
 * padding 1 on every side ("same"), h >= 2 and w >= 9: the top row, groups
 * of 4 rows (then 2, then 1), the bottom row, all in 8-pixel steps. */
static inline void bnnc_neon_dw3x3_plane(const bnnc_conv2d_params *p,
                                         const float *xp, float32x4_t wv0,
                                         float32x4_t wv1, float32x4_t wv2,
                                         float b, float *yp) {
  const ptrdiff_t w = p->w, ow = p->ow;
  int32_t oy = 1;
  bnnc_neon_dw3x3_span(p, xp, wv0, wv1, wv2, b, yp, 1, 1, 3);
  for (; oy + 4 <= p->oh - 1; oy += 4)
    bnnc_neon_dw3x3_span(p, xp + (oy - 1) * w, wv0, wv1, wv2, b, yp + oy * ow,
                         4, 0, 3);
  for (; oy + 2 <= p->oh - 1; oy += 2)
    bnnc_neon_dw3x3_span(p, xp + (oy - 1) * w, wv0, wv1, wv2, b, yp + oy * ow,
                         2, 0, 3);
  for (; oy < p->oh - 1; ++oy)
    bnnc_neon_dw3x3_span(p, xp + (oy - 1) * w, wv0, wv1, wv2, b, yp + oy * ow,
                         1, 0, 3);
  bnnc_neon_dw3x3_span(p, xp + (oy - 1) * w, wv0, wv1, wv2, b, yp + oy * ow, 1,
                       0, 2);
}

/* Rows oy..oy+3 of one channel with full 3x3 windows (stride and dilation
 * 1): 8x4 steps on the columns [lo, hi), single pixels elsewhere. */
BNNC_NEON_INLINE void bnnc_neon_dw3x3_rows4(const bnnc_conv2d_params *p,
                                            const float *xp, const float *wc,
                                            float32x4_t wv0, float32x4_t wv1,
                                            float32x4_t wv2, float b,
                                            float *yp, int32_t oy, int32_t lo,
                                            int32_t hi) {
  const float *xr = xp + (ptrdiff_t)(oy - p->pad_top) * p->w;
  float *yr = yp + (ptrdiff_t)oy * p->ow;
  const int32_t ow = p->ow;
  for (int32_t ox = 0; ox < ow;) {
    if (ox >= lo && ox < hi && hi - lo >= 8) {
      const int32_t at = ox + 8 <= hi ? ox : hi - 8;
      /* x at the pixels' centre column: at - pad_left + 1 >= 1 */
      bnnc_neon_dw3x3_8x4(xr + (at - p->pad_left + 1), p->w, wv0, wv1, wv2, b,
                          p->relu, yr + at, ow, 0, 4, 0, 3);
      ox = at + 8;
      continue;
    }
    for (int32_t r = 0; r < 4; ++r)
      yr[(ptrdiff_t)r * ow + ox] = bnnc_activate_f32(
          bnnc_neon_dw_pixel(p, xp, wc, oy + r, ox, 0, 3) + b, p->relu);
    ++ox;
  }
}

static inline void bnnc_neon_dwconv2d_f32(const bnnc_conv2d_params *p,
                                          const float *x, const float *w,
                                          const float *bias, float *y) {
  const ptrdiff_t in_plane = (ptrdiff_t)p->h * p->w;
  const ptrdiff_t out_plane = (ptrdiff_t)p->oh * p->ow;
  const int32_t kh = p->kh, kw = p->kw, dh = p->dilation_h, dw = p->dilation_w;
  int32_t lo, hi;
  bnnc_neon_inner_columns(p, 1, &lo, &hi);
  if (p->stride_w != 1)
    lo = hi = 0;
  /* 3x3, stride 1, dilation 1, padding 1 on every side */
  const int32_t same3 = kh == 3 && kw == 3 && p->stride_h == 1 &&
                        p->stride_w == 1 && dh == 1 && dw == 1 &&
                        p->pad_top == 1 && p->pad_left == 1 && p->oh == p->h &&
                        p->ow == p->w && p->h >= 2 && p->w >= 9;
  for (int32_t plane = 0; plane < p->n * p->c; ++plane) {
    const int32_t ch = plane % p->c;
    const float *xp = x + plane * in_plane;
    const float *wc = w + (ptrdiff_t)ch * kh * kw;
    const float b = bias ? bias[ch] : 0.0f;
    float *yp = y + plane * out_plane;
    /* A 3x3 window's weights: 9 floats in 3 registers (lane 0 of the third;
     * LD1R keeps the load inside the channel's 9 weights). */
    const float32x4_t wv0 = vld1q_f32(wc), wv1 = vld1q_f32(wc + 4),
                      wv2 = vld1q_dup_f32(wc + 8);
    if (same3) {
      bnnc_neon_dw3x3_plane(p, xp, wv0, wv1, wv2, b, yp);
      continue;
    }
    /* Groups of 4 rows with full 3x3 windows (stride and dilation 1). */
    const int32_t rows4 = kh == 3 && kw == 3 && p->stride_h == 1 && dh == 1 &&
                          dw == 1 && p->stride_w == 1;
    for (int32_t oy = 0; oy < p->oh; ++oy) {
      int32_t ky0, ky1, ox = 0;
      bnnc_bvalid_taps(oy, p->stride_h, p->pad_top, dh, kh, p->h, &ky0, &ky1);
      if (rows4 && ky0 == 0 && oy + 3 - p->pad_top + 2 < p->h) {
        /* rows oy..oy+3 all have their 3 window rows inside the image */
        bnnc_neon_dw3x3_rows4(p, xp, wc, wv0, wv1, wv2, b, yp, oy, lo, hi);
        oy += 3;
        continue;
      }
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      const int32_t full3 = kh == 3 && kw == 3 && dw == 1 && ky1 - ky0 == 3;
      const float *xr = xp + (ptrdiff_t)(iy0 + ky0 * dh) * p->w;
      const float *wr = wc + ky0 * kw;
      float *yr = yp + (ptrdiff_t)oy * p->ow;
      while (ox < p->ow) {
        if (ox >= lo && ox + 16 <= hi) {
          bnnc_neon_dw_tile(p, xr + (ox - p->pad_left), wr, ky1 - ky0, full3,
                            wv0, wv1, wv2, b, yr + ox, 4);
          ox += 16;
          continue;
        }
        if (ox >= lo && hi - lo >= 4 && ox < hi) {
          /* 4 pixels; the last tile of the run overlaps the previous one. */
          const int32_t at = ox + 4 <= hi ? ox : hi - 4;
          bnnc_neon_dw_tile(p, xr + (at - p->pad_left), wr, ky1 - ky0, full3,
                            wv0, wv1, wv2, b, yr + at, 1);
          ox = at + 4;
          continue;
        }
        yr[ox] = bnnc_activate_f32(
            bnnc_neon_dw_pixel(p, xp, wc, oy, ox, ky0, ky1) + b, p->relu);
        ++ox;
      }
    }
  }
}

#undef BNNC_NEON_DW_FMA
#undef BNNC_NEON_DW_FMA_LANE
#undef BNNC_NEON_DW_TAP
#undef BNNC_NEON_DW_TAP_LANE
#undef BNNC_NEON_DW_OUT

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
