/*
 * bnnc/kernels_neon_int8.h - ARMv8-A NEON kernels of integer (int8/uint8)
 * convolutions for the aarch64 targets (issue 18, docs/int8.md).
 *
 * bnnc_neon_qconv2d_{smlal,sdot} compute what bnnc_qconv2d_* (kernels_int8.h)
 * computes, bit for bit for every input: acc = bias + sum (x - x_zp) *
 * (w - w_zp) modulo 2^32, written as int32 NCHW. The weights are
 * compile-time constants written by the compiler in a packed layout with
 * per-channel sums; nothing of the portable kernel's interface changes.
 *
 * Arithmetic. With a = x - ox (ox = 128 for uint8 input, 0 for int8: a is
 * int8, x ^ 0x80 for uint8) and b = w - ow[o] (ow[o] a per-channel offset
 * the compiler picks so that b is int8), every term of the sum is
 *   (x - x_zp) (w - w_zp) = (a + e) (b + d[o]),  e = ox - x_zp,
 *                                                d[o] = ow[o] - w_zp[o],
 * so over the K = cg kh kw taps of a window (a padded tap has x = x_zp,
 * i.e. a = x_zp - ox, and contributes 0 to both sides):
 *   acc = sum a b + d[o] sum a + e bsum[o] + K e d[o] + bias[o]
 * where bsum[o] = sum b over the taps (compile time). sum a b is exact in
 * int32 lanes (|a b| <= 2^14, wrapping like the portable kernel beyond
 * 2^17 taps); the corrections are computed in uint32_t, modulo 2^32. The
 * compiler picks ow[o] = w_zp[o] whenever that makes b int8 (always for
 * int8 weights with zero point 0 and uint8 weights with zero point 128), so
 * d = 0 and sum a is not needed; otherwise the kernel sums a per pixel.
 *
 * Input. Each group's rows are repacked, as the output rows need them, into
 * a ring of kh-rows ((kh - 1) dilation_h + 1 rows) on the stack: row r holds
 * pixels (cols = (ow - 1) stride_w + (kw - 1) dilation_w + 1 of them,
 * starting at column -pad_left) of cpad = ceil(cg / 16) * 16 int8 values
 * a, channels last; padded pixels hold x_zp - ox, channels past cg hold 0
 * (their weights are 0). The compiler uses these kernels only when
 * rows * cols * cpad <= BNNC_NEON_Q8_SCRATCH (32 KB) and rows <=
 * BNNC_NEON_Q8_MAX_ROWS, and the portable kernel otherwise.
 *
 * SMLAL kernel (ARMv8.0). A tile is 4 output channels x 4 pixels (and
 * 4 x 1 for the last pixels of a row). Per 16 input channels of a tap:
 * SMULL multiplies the low 8 bytes of a pixel's a and a channel's b into
 * eight int16 lanes, SMLAL2 adds the products of the high 8 bytes, SADALP
 * adds the pairs of int16 lanes into four int32 lanes: 16 MACs in 3
 * instructions, ADDP reduces the lanes at the end. Two products in an int16
 * lane cannot overflow unless both are (-128) * (-128) = 2^14: the compiler
 * checks at compile time that no pair of bytes (i, i + 8) of a channel's 16
 * is b = -128 twice (and else picks another ow[o], or the portable kernel).
 * Weights "q4" layout: (group, ceil(mg / 4), kh, kw, cpad / 16, 4, 16).
 *
 * SDOT kernel (ARMv8.2-A dot product extension, __ARM_FEATURE_DOTPROD;
 * target aarch64-dotprod). A tile is 16 output channels x 4 pixels (and
 * 16 x 1). SDOT by lane adds to each of 4 channels (int32 lanes) the dot
 * product of its 4 bytes of b with 4 bytes of a pixel's a: per 16 input
 * channels of a tap, 4 lanes of the pixel's register x 4 registers of 4
 * channels. Weights "q16" layout: (group, ceil(mg / 16), kh, kw, cpad / 16,
 * 4 input quads, 4 channel quads, 4 channels, 4 bytes). The 4 x 4 results
 * of a channel quad are transposed (TRN1/TRN2) to pixel order.
 */
#ifndef BNNC_KERNELS_NEON_INT8_H
#define BNNC_KERNELS_NEON_INT8_H

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bnnc/kernels_int8.h"
#include "bnnc/layouts.h" /* BNNC_NEON_Q8_SCRATCH, the weight layouts */

typedef struct {
  BNNC_CONV2D_GEOMETRY
  int32_t cpad;     /* input channels per group rounded up to 16 */
  int32_t x_offset; /* ox: 128 for uint8 input (a = x ^ 0x80), else 0 */
} bnnc_neon_qconv2d_params;

/* Pixels per packed row and rows of the ring (the compiler checks the same
 * bounds, targets/aarch64/Aarch64Target.cpp). */
static inline int32_t bnnc_neon_q8_cols(const bnnc_neon_qconv2d_params *p) {
  return (p->ow - 1) * p->stride_w + (p->kw - 1) * p->dilation_w + 1;
}
static inline int32_t bnnc_neon_q8_rows(const bnnc_neon_qconv2d_params *p) {
  return (p->kh - 1) * p->dilation_h + 1;
}

/* One packed row (see above) of input row iy of the group whose first
 * channel plane is xg. */
static inline void bnnc_neon_q8_pack_row(const bnnc_neon_qconv2d_params *p,
                                         const uint8_t *xg, int32_t iy,
                                         int32_t cols, int8_t fill,
                                         int8_t *dst) {
  const size_t cpad = (size_t)p->cpad, cg = (size_t)(p->c / p->group);
  const size_t plane = (size_t)p->h * (size_t)p->w;
  const uint8_t flip = (uint8_t)p->x_offset;
  int32_t j0 = p->pad_left < 0 ? 0 : p->pad_left;
  int32_t j1 = p->pad_left + p->w < cols ? p->pad_left + p->w : cols;
  const int inside = iy >= 0 && iy < p->h;
  if (!inside)
    j0 = j1 = 0;
  /* The padding pixel: x_zp - ox on the real channels, 0 past them. */
  memset(dst, fill, cg);
  memset(dst + cg, 0, cpad - cg);
  for (int32_t j = 1; j < cols; ++j)
    if (j < j0 || j >= j1)
      memcpy(dst + (size_t)j * cpad, dst, cpad);
  if (j0 >= j1)
    return;
  for (int32_t j = j0; j < j1; ++j)
    if (j != 0)
      memset(dst + (size_t)j * cpad + cg, 0, cpad - cg);
  /* Packed pixel j is input column j - pad_left (>= 0 from j0 on). */
  const uint8_t *src = xg + (size_t)iy * (size_t)p->w;
  const size_t pl = (size_t)p->pad_left;
  size_t c = 0;
  if (plane == 1 && j1 - j0 == 1) {
    /* A 1x1 image (a dense layer): the channels are contiguous. */
    const uint8x16_t mask = vdupq_n_u8(flip);
    int8_t *d = dst + (size_t)j0 * cpad;
    for (; c + 16 <= cg; c += 16)
      vst1q_s8(d + c, vreinterpretq_s8_u8(veorq_u8(vld1q_u8(src + c), mask)));
    for (; c < cg; ++c)
      d[c] = (int8_t)(src[c] ^ flip);
    return;
  }
  /* 8 channels x 8 pixels at a time: a byte transpose (TRN1/TRN2 at byte,
   * halfword and word level) of 8 rows of 8 bytes. */
  for (; c + 8 <= cg; c += 8) {
    int32_t j = j0;
    const uint8x16_t mask = vdupq_n_u8(flip);
    for (; j + 8 <= j1; j += 8) {
      uint8x8_t r[8];
      for (int k = 0; k < 8; ++k)
        r[k] = veor_u8(vld1_u8(src + (c + (size_t)k) * plane + (size_t)j - pl),
                       vget_low_u8(mask));
      uint8x8_t b0 = vtrn1_u8(r[0], r[1]), b1 = vtrn2_u8(r[0], r[1]);
      uint8x8_t b2 = vtrn1_u8(r[2], r[3]), b3 = vtrn2_u8(r[2], r[3]);
      uint8x8_t b4 = vtrn1_u8(r[4], r[5]), b5 = vtrn2_u8(r[4], r[5]);
      uint8x8_t b6 = vtrn1_u8(r[6], r[7]), b7 = vtrn2_u8(r[6], r[7]);
      uint16x4_t h0 = vtrn1_u16(vreinterpret_u16_u8(b0), vreinterpret_u16_u8(b2));
      uint16x4_t h2 = vtrn2_u16(vreinterpret_u16_u8(b0), vreinterpret_u16_u8(b2));
      uint16x4_t h1 = vtrn1_u16(vreinterpret_u16_u8(b1), vreinterpret_u16_u8(b3));
      uint16x4_t h3 = vtrn2_u16(vreinterpret_u16_u8(b1), vreinterpret_u16_u8(b3));
      uint16x4_t h4 = vtrn1_u16(vreinterpret_u16_u8(b4), vreinterpret_u16_u8(b6));
      uint16x4_t h6 = vtrn2_u16(vreinterpret_u16_u8(b4), vreinterpret_u16_u8(b6));
      uint16x4_t h5 = vtrn1_u16(vreinterpret_u16_u8(b5), vreinterpret_u16_u8(b7));
      uint16x4_t h7 = vtrn2_u16(vreinterpret_u16_u8(b5), vreinterpret_u16_u8(b7));
      uint32x2_t o[8];
      o[0] = vtrn1_u32(vreinterpret_u32_u16(h0), vreinterpret_u32_u16(h4));
      o[4] = vtrn2_u32(vreinterpret_u32_u16(h0), vreinterpret_u32_u16(h4));
      o[1] = vtrn1_u32(vreinterpret_u32_u16(h1), vreinterpret_u32_u16(h5));
      o[5] = vtrn2_u32(vreinterpret_u32_u16(h1), vreinterpret_u32_u16(h5));
      o[2] = vtrn1_u32(vreinterpret_u32_u16(h2), vreinterpret_u32_u16(h6));
      o[6] = vtrn2_u32(vreinterpret_u32_u16(h2), vreinterpret_u32_u16(h6));
      o[3] = vtrn1_u32(vreinterpret_u32_u16(h3), vreinterpret_u32_u16(h7));
      o[7] = vtrn2_u32(vreinterpret_u32_u16(h3), vreinterpret_u32_u16(h7));
      for (int k = 0; k < 8; ++k)
        vst1_u8((uint8_t *)dst + (size_t)(j + k) * cpad + c,
                vreinterpret_u8_u32(o[k]));
    }
    for (; j < j1; ++j)
      for (size_t k = 0; k < 8; ++k)
        dst[(size_t)j * cpad + c + k] =
            (int8_t)(src[(c + k) * plane + (size_t)j - pl] ^ flip);
  }
  for (; c < cg; ++c)
    for (int32_t j = j0; j < j1; ++j)
      dst[(size_t)j * cpad + c] =
          (int8_t)(src[c * plane + (size_t)j - pl] ^ flip);
}

/* sum a over the window of the pixel whose tap (0, 0) is at `x` of row 0. */
static inline uint32_t bnnc_neon_q8_xsum(const int8_t *const *rows,
                                         int32_t kh, int32_t kw, size_t dx,
                                         size_t x, size_t chunks) {
  int32x4_t s = vdupq_n_s32(0);
  for (int32_t ky = 0; ky < kh; ++ky)
    for (int32_t kx = 0; kx < kw; ++kx) {
      const int8_t *r = rows[ky] + x + (size_t)kx * dx;
      for (size_t q = 0; q < chunks; ++q)
        s = vpadalq_s16(s, vpaddlq_s8(vld1q_s8(r + q * 16)));
    }
  return (uint32_t)vaddvq_s32(s);
}

/* y[o][j] = res[o * rs + j] + corr[o] + d[o] * xs[j] for the block's nch
 * channels and npx pixels (y: channel 0's first pixel, planes apart). */
static inline void bnnc_neon_q8_store(const int32_t *res, size_t rs,
                                      int32_t nch, int32_t npx,
                                      const uint32_t *corr, const int32_t *d,
                                      const uint32_t *xs, int32_t *y,
                                      size_t plane) {
  for (int32_t o = 0; o < nch; ++o) {
    uint32_t *yo = (uint32_t *)(y + (size_t)o * plane);
    if (npx == 4 && rs == 4) {
      uint32x4_t v = vaddq_u32(vld1q_u32((const uint32_t *)res + o * 4),
                               vdupq_n_u32(corr[o]));
      if (d)
        v = vmlaq_n_u32(v, vld1q_u32(xs), (uint32_t)d[o]);
      vst1q_u32(yo, v);
      continue;
    }
    for (int32_t j = 0; j < npx; ++j)
      yo[j] = (uint32_t)res[(size_t)o * rs + (size_t)j] + corr[o] +
              (d ? (uint32_t)d[o] * xs[j] : 0u);
  }
}

/* ---- SMLAL tiles: 4 channels x 4 (or 1) pixels ------------------------- */

/* The int16 pair step: acc += pairs of (a_lo b_lo + a_hi b_hi). */
#define BNNC_NEON_Q8_MAC(acc, xv, wv)                                          \
  acc = vpadalq_s16(acc, vmlal_high_s8(vmull_s8(vget_low_s8(xv),               \
                                                vget_low_s8(wv)),              \
                                       xv, wv))

/* An empty statement that "modifies" four accumulators: it keeps the
 * compiler from hoisting all 16 channel-pixel products of a step ahead of
 * their accumulations (which runs out of registers and spills): the next
 * channel's products read the pixels after it. */
#if defined(__GNUC__)
#define BNNC_NEON_Q8_ORDER(a, b, c, d)                                         \
  __asm__("" : "+w"(a), "+w"(b), "+w"(c), "+w"(d), "+w"(x0v), "+w"(x1v),     \
          "+w"(x2v), "+w"(x3v))
#else
#define BNNC_NEON_Q8_ORDER(a, b, c, d) ((void)0)
#endif

static inline void bnnc_neon_q8_smlal_tile4(const int8_t *const *rows,
                                            int32_t kh, int32_t kw, size_t dx,
                                            size_t sx, size_t x0,
                                            size_t chunks, const int8_t *w,
                                            int32_t *res) {
  int32x4_t a00 = vdupq_n_s32(0), a01 = a00, a02 = a00, a03 = a00;
  int32x4_t a10 = a00, a11 = a00, a12 = a00, a13 = a00;
  int32x4_t a20 = a00, a21 = a00, a22 = a00, a23 = a00;
  int32x4_t a30 = a00, a31 = a00, a32 = a00, a33 = a00;
  for (int32_t ky = 0; ky < kh; ++ky)
    for (int32_t kx = 0; kx < kw; ++kx) {
      const int8_t *r = rows[ky] + x0 + (size_t)kx * dx;
      for (size_t q = 0; q < chunks; ++q, r += 16, w += 64) {
        int8x16_t x0v = vld1q_s8(r), x1v = vld1q_s8(r + sx);
        int8x16_t x2v = vld1q_s8(r + 2 * sx), x3v = vld1q_s8(r + 3 * sx);
        int8x16_t wv = vld1q_s8(w);
        BNNC_NEON_Q8_MAC(a00, x0v, wv);
        BNNC_NEON_Q8_MAC(a01, x1v, wv);
        BNNC_NEON_Q8_MAC(a02, x2v, wv);
        BNNC_NEON_Q8_MAC(a03, x3v, wv);
        BNNC_NEON_Q8_ORDER(a00, a01, a02, a03);
        wv = vld1q_s8(w + 16);
        BNNC_NEON_Q8_MAC(a10, x0v, wv);
        BNNC_NEON_Q8_MAC(a11, x1v, wv);
        BNNC_NEON_Q8_MAC(a12, x2v, wv);
        BNNC_NEON_Q8_MAC(a13, x3v, wv);
        BNNC_NEON_Q8_ORDER(a10, a11, a12, a13);
        wv = vld1q_s8(w + 32);
        BNNC_NEON_Q8_MAC(a20, x0v, wv);
        BNNC_NEON_Q8_MAC(a21, x1v, wv);
        BNNC_NEON_Q8_MAC(a22, x2v, wv);
        BNNC_NEON_Q8_MAC(a23, x3v, wv);
        BNNC_NEON_Q8_ORDER(a20, a21, a22, a23);
        wv = vld1q_s8(w + 48);
        BNNC_NEON_Q8_MAC(a30, x0v, wv);
        BNNC_NEON_Q8_MAC(a31, x1v, wv);
        BNNC_NEON_Q8_MAC(a32, x2v, wv);
        BNNC_NEON_Q8_MAC(a33, x3v, wv);
        BNNC_NEON_Q8_ORDER(a30, a31, a32, a33);
      }
    }
  /* ADDP tree: lanes become the 4 pixels of each channel. */
  vst1q_s32(res, vpaddq_s32(vpaddq_s32(a00, a01), vpaddq_s32(a02, a03)));
  vst1q_s32(res + 4, vpaddq_s32(vpaddq_s32(a10, a11), vpaddq_s32(a12, a13)));
  vst1q_s32(res + 8, vpaddq_s32(vpaddq_s32(a20, a21), vpaddq_s32(a22, a23)));
  vst1q_s32(res + 12, vpaddq_s32(vpaddq_s32(a30, a31), vpaddq_s32(a32, a33)));
}

static inline void bnnc_neon_q8_smlal_tile1(const int8_t *const *rows,
                                            int32_t kh, int32_t kw, size_t dx,
                                            size_t x0, size_t chunks,
                                            const int8_t *w, int32_t *res) {
  int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
  for (int32_t ky = 0; ky < kh; ++ky)
    for (int32_t kx = 0; kx < kw; ++kx) {
      const int8_t *r = rows[ky] + x0 + (size_t)kx * dx;
      for (size_t q = 0; q < chunks; ++q, r += 16, w += 64) {
        const int8x16_t xv = vld1q_s8(r);
        const int8x16x4_t wq = vld1q_s8_x4(w);
        BNNC_NEON_Q8_MAC(a0, xv, wq.val[0]);
        BNNC_NEON_Q8_MAC(a1, xv, wq.val[1]);
        BNNC_NEON_Q8_MAC(a2, xv, wq.val[2]);
        BNNC_NEON_Q8_MAC(a3, xv, wq.val[3]);
      }
    }
  vst1q_s32(res, vpaddq_s32(vpaddq_s32(a0, a1), vpaddq_s32(a2, a3)));
}
#undef BNNC_NEON_Q8_MAC

/* ---- SDOT tiles: 16 channels x 4 (or 1) pixels -------------------------- */

#if defined(__ARM_FEATURE_DOTPROD)
/* 4 channel quads x one pixel, input quad L of the pixel's register. */
#define BNNC_NEON_Q8_DOT(a0, a1, a2, a3, xv, L)                                \
  do {                                                                         \
    const int8x16x4_t wq = vld1q_s8_x4(w + L * 64);                           \
    a0 = vdotq_laneq_s32(a0, wq.val[0], xv, L);                                \
    a1 = vdotq_laneq_s32(a1, wq.val[1], xv, L);                                \
    a2 = vdotq_laneq_s32(a2, wq.val[2], xv, L);                                \
    a3 = vdotq_laneq_s32(a3, wq.val[3], xv, L);                                \
  } while (0)

/* Channel quad lanes (c0..c3) of pixels 0..3 -> pixels of channels 0..3. */
#define BNNC_NEON_Q8_TRANSPOSE_STORE(res, p0, p1, p2, p3)                      \
  do {                                                                         \
    const int32x4_t t0 = vtrn1q_s32(p0, p1), t1 = vtrn2q_s32(p0, p1);          \
    const int32x4_t t2 = vtrn1q_s32(p2, p3), t3 = vtrn2q_s32(p2, p3);          \
    vst1q_s32(res, vreinterpretq_s32_s64(vtrn1q_s64(                           \
                       vreinterpretq_s64_s32(t0), vreinterpretq_s64_s32(t2)))); \
    vst1q_s32(res + 4, vreinterpretq_s32_s64(vtrn1q_s64(                       \
                           vreinterpretq_s64_s32(t1),                          \
                           vreinterpretq_s64_s32(t3))));                       \
    vst1q_s32(res + 8, vreinterpretq_s32_s64(vtrn2q_s64(                       \
                           vreinterpretq_s64_s32(t0),                          \
                           vreinterpretq_s64_s32(t2))));                       \
    vst1q_s32(res + 12, vreinterpretq_s32_s64(vtrn2q_s64(                      \
                            vreinterpretq_s64_s32(t1),                         \
                            vreinterpretq_s64_s32(t3))));                      \
  } while (0)

static inline void bnnc_neon_q8_sdot_tile4(const int8_t *const *rows,
                                           int32_t kh, int32_t kw, size_t dx,
                                           size_t sx, size_t x0,
                                           size_t chunks, const int8_t *w,
                                           int32_t *res) {
  /* aQP: channel quad Q, pixel P. */
  int32x4_t a00 = vdupq_n_s32(0), a01 = a00, a02 = a00, a03 = a00;
  int32x4_t a10 = a00, a11 = a00, a12 = a00, a13 = a00;
  int32x4_t a20 = a00, a21 = a00, a22 = a00, a23 = a00;
  int32x4_t a30 = a00, a31 = a00, a32 = a00, a33 = a00;
  for (int32_t ky = 0; ky < kh; ++ky)
    for (int32_t kx = 0; kx < kw; ++kx) {
      const int8_t *r = rows[ky] + x0 + (size_t)kx * dx;
      for (size_t q = 0; q < chunks; ++q, r += 16, w += 256) {
        const int8x16_t x0v = vld1q_s8(r), x1v = vld1q_s8(r + sx);
        const int8x16_t x2v = vld1q_s8(r + 2 * sx), x3v = vld1q_s8(r + 3 * sx);
#define BNNC_NEON_Q8_QUAD(L)                                                   \
  do {                                                                         \
    const int8x16x4_t wq = vld1q_s8_x4(w + L * 64);                           \
    const int8x16_t w0 = wq.val[0], w1 = wq.val[1];                            \
    const int8x16_t w2 = wq.val[2], w3 = wq.val[3];                            \
    a00 = vdotq_laneq_s32(a00, w0, x0v, L);                                    \
    a01 = vdotq_laneq_s32(a01, w0, x1v, L);                                    \
    a02 = vdotq_laneq_s32(a02, w0, x2v, L);                                    \
    a03 = vdotq_laneq_s32(a03, w0, x3v, L);                                    \
    a10 = vdotq_laneq_s32(a10, w1, x0v, L);                                    \
    a11 = vdotq_laneq_s32(a11, w1, x1v, L);                                    \
    a12 = vdotq_laneq_s32(a12, w1, x2v, L);                                    \
    a13 = vdotq_laneq_s32(a13, w1, x3v, L);                                    \
    a20 = vdotq_laneq_s32(a20, w2, x0v, L);                                    \
    a21 = vdotq_laneq_s32(a21, w2, x1v, L);                                    \
    a22 = vdotq_laneq_s32(a22, w2, x2v, L);                                    \
    a23 = vdotq_laneq_s32(a23, w2, x3v, L);                                    \
    a30 = vdotq_laneq_s32(a30, w3, x0v, L);                                    \
    a31 = vdotq_laneq_s32(a31, w3, x1v, L);                                    \
    a32 = vdotq_laneq_s32(a32, w3, x2v, L);                                    \
    a33 = vdotq_laneq_s32(a33, w3, x3v, L);                                    \
  } while (0)
        BNNC_NEON_Q8_QUAD(0);
        BNNC_NEON_Q8_QUAD(1);
        BNNC_NEON_Q8_QUAD(2);
        BNNC_NEON_Q8_QUAD(3);
#undef BNNC_NEON_Q8_QUAD
      }
    }
  BNNC_NEON_Q8_TRANSPOSE_STORE(res, a00, a01, a02, a03);
  BNNC_NEON_Q8_TRANSPOSE_STORE(res + 16, a10, a11, a12, a13);
  BNNC_NEON_Q8_TRANSPOSE_STORE(res + 32, a20, a21, a22, a23);
  BNNC_NEON_Q8_TRANSPOSE_STORE(res + 48, a30, a31, a32, a33);
}

static inline void bnnc_neon_q8_sdot_tile1(const int8_t *const *rows,
                                           int32_t kh, int32_t kw, size_t dx,
                                           size_t x0, size_t chunks,
                                           const int8_t *w, int32_t *res) {
  int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
  for (int32_t ky = 0; ky < kh; ++ky)
    for (int32_t kx = 0; kx < kw; ++kx) {
      const int8_t *r = rows[ky] + x0 + (size_t)kx * dx;
      for (size_t q = 0; q < chunks; ++q, r += 16, w += 256) {
        const int8x16_t xv = vld1q_s8(r);
        BNNC_NEON_Q8_DOT(a0, a1, a2, a3, xv, 0);
        BNNC_NEON_Q8_DOT(a0, a1, a2, a3, xv, 1);
        BNNC_NEON_Q8_DOT(a0, a1, a2, a3, xv, 2);
        BNNC_NEON_Q8_DOT(a0, a1, a2, a3, xv, 3);
      }
    }
  vst1q_s32(res, a0);
  vst1q_s32(res + 4, a1);
  vst1q_s32(res + 8, a2);
  vst1q_s32(res + 12, a3);
}
#undef BNNC_NEON_Q8_DOT
#undef BNNC_NEON_Q8_TRANSPOSE_STORE
#endif /* __ARM_FEATURE_DOTPROD */

/* ---- The convolution ---------------------------------------------------- */

/* x: the input's bytes (int8 or uint8, params.x_offset says which); w: the
 * packed weights; bsum, d: per output channel (d NULL when all 0); xz: the
 * input zero point; bias may be NULL. MR is the tile's channels (4: SMLAL,
 * 16: SDOT). */
#define BNNC_DEFINE_NEON_QCONV2D(KIND, MR)                                     \
  static inline void bnnc_neon_qconv2d_##KIND(                                 \
      const bnnc_neon_qconv2d_params *p, const void *xv, const int8_t *w,      \
      const int32_t *bsum, const int32_t *d, int32_t xz, const int32_t *bias, \
      int32_t *y) {                                                            \
    int32x4_t scratch[BNNC_NEON_Q8_SCRATCH / 16];                              \
    const int8_t *rows[BNNC_NEON_Q8_MAX_ROWS];                                 \
    int32_t tags[BNNC_NEON_Q8_MAX_ROWS];                                       \
    int32_t res[(MR)*4];                                                       \
    uint32_t corr[MR], xs[4] = {0, 0, 0, 0};                                                  \
    const uint8_t *x = (const uint8_t *)xv;                                    \
    const int32_t nrows = bnnc_neon_q8_rows(p), cols = bnnc_neon_q8_cols(p);   \
    const size_t cpad = (size_t)p->cpad, chunks = cpad / 16;                   \
    const size_t cg = (size_t)(p->c / p->group);                               \
    const size_t mg = (size_t)(p->m / p->group);                               \
    const size_t taps = (size_t)p->kh * (size_t)p->kw;                         \
    const size_t plane = (size_t)p->h * (size_t)p->w;                          \
    const size_t oplane = (size_t)p->oh * (size_t)p->ow;                       \
    const size_t blocks = (mg + (MR)-1) / (MR);                                \
    const size_t wblock = taps * cpad * (MR);                                  \
    const size_t dx = (size_t)p->dilation_w * cpad;                            \
    const size_t sx = (size_t)p->stride_w * cpad;                              \
    const uint32_t e = (uint32_t)(p->x_offset - xz);                           \
    const uint32_t ke = (uint32_t)(cg * taps) * e;                             \
    const int8_t fill = (int8_t)(xz - p->x_offset);                            \
    for (size_t n = 0; n < (size_t)p->n; ++n)                                  \
      for (size_t g = 0; g < (size_t)p->group; ++g) {                          \
        const uint8_t *xg = x + (n * (size_t)p->c + g * cg) * plane;           \
        const int8_t *wg = w + g * blocks * wblock;                            \
        for (int32_t r = 0; r < nrows; ++r)                                    \
          tags[r] = INT32_MIN;                                                 \
        for (int32_t oy = 0; oy < p->oh; ++oy) {                               \
          for (int32_t ky = 0; ky < p->kh; ++ky) {                             \
            const int32_t at = oy * p->stride_h + ky * p->dilation_h;          \
            const int32_t slot = at % nrows;                                   \
            int8_t *row = (int8_t *)scratch + (size_t)slot * (size_t)cols * cpad; \
            if (tags[slot] != at) {                                            \
              bnnc_neon_q8_pack_row(p, xg, at - p->pad_top, cols, fill, row);  \
              tags[slot] = at;                                                 \
            }                                                                  \
            rows[ky] = row;                                                    \
          }                                                                    \
          for (size_t b = 0; b < blocks; ++b) {                                \
            const size_t o0 = g * mg + b * (MR);                               \
            const int32_t nch = (int32_t)(mg - b * (MR) < (MR) ? mg - b * (MR) \
                                                             : (MR));          \
            const int8_t *wb = wg + b * wblock;                                \
            const int32_t *db = d ? d + o0 : NULL;                             \
            for (int32_t o = 0; o < nch; ++o)                                  \
              corr[o] = (bias ? (uint32_t)bias[o0 + (size_t)o] : 0u) +         \
                        e * (uint32_t)bsum[o0 + (size_t)o] +                   \
                        (d ? ke * (uint32_t)d[o0 + (size_t)o] : 0u);           \
            int32_t *yb = y + (n * (size_t)p->m + o0) * oplane +               \
                          (size_t)oy * (size_t)p->ow;                          \
            int32_t ox = 0;                                                    \
            for (; ox + 4 <= p->ow; ox += 4) {                                 \
              const size_t at = (size_t)ox * sx;                               \
              bnnc_neon_q8_##KIND##_tile4(rows, p->kh, p->kw, dx, sx, at,      \
                                          chunks, wb, res);                    \
              if (d)                                                           \
                for (int32_t j = 0; j < 4; ++j)                                \
                  xs[j] = bnnc_neon_q8_xsum(rows, p->kh, p->kw, dx,            \
                                            at + (size_t)j * sx, chunks);      \
              bnnc_neon_q8_store(res, 4, nch, 4, corr, db, xs, yb + ox,         \
                                 oplane);                                      \
            }                                                                  \
            for (; ox < p->ow; ++ox) {                                         \
              const size_t at = (size_t)ox * sx;                               \
              bnnc_neon_q8_##KIND##_tile1(rows, p->kh, p->kw, dx, at, chunks,  \
                                          wb, res);                            \
              if (d)                                                           \
                xs[0] = bnnc_neon_q8_xsum(rows, p->kh, p->kw, dx, at, chunks); \
              bnnc_neon_q8_store(res, 1, nch, 1, corr, db, xs, yb + ox,         \
                                 oplane);                                      \
            }                                                                  \
          }                                                                    \
        }                                                                      \
      }                                                                        \
  }
BNNC_DEFINE_NEON_QCONV2D(smlal, 4)
#if defined(__ARM_FEATURE_DOTPROD)
BNNC_DEFINE_NEON_QCONV2D(sdot, 16)
#endif
#undef BNNC_DEFINE_NEON_QCONV2D

/* ---- Depthwise convolutions --------------------------------------------
 *
 * groups == c (one input channel per group, m / c output channels each):
 * NCHW as it is. Each input row a channel's outputs need is widened once to
 * int16 x - x_zp (exact: [-255, 255]) into a ring of rows with the padding
 * as zeros (x_zp - x_zp), so every output pixel reads kh x kw in-bounds
 * taps. 8 output pixels per step: per tap one LD1 (stride 1) or LD2 (stride
 * 2: the even lanes) of 8 int16 and SMLAL/SMLAL2 by the tap's weight
 * w - w_zp (int16, compile time) into two int32x4 accumulators: exact
 * products, sums modulo 2^32. Other strides read the taps one by one. The
 * compiler uses this kernel when the ring fits BNNC_NEON_Q8_SCRATCH
 * (bnnc_layout_q8_dw_scratch). */
static inline int16x8_t bnnc_neon_q8_ld2_even(const int16_t *r) {
  return vld2q_s16(r).val[0];
}

/* One tap of 8 pixels: acc += x * w[lane]. */
#define BNNC_NEON_Q8_DW_TAP(LOAD, r, wv, L)                                    \
  do {                                                                         \
    const int16x8_t v_ = LOAD(r);                                              \
    lo = vmlal_laneq_s16(lo, vget_low_s16(v_), wv, L);                         \
    hi = vmlal_high_laneq_s16(hi, v_, wv, L);                                  \
  } while (0)

/* The 9 taps of a 3x3 window, unrolled (weights w07 lanes 0-7, w8). */
#define BNNC_NEON_Q8_DW3X3(LOAD)                                               \
  do {                                                                         \
    const int16_t *r0 = rows[0] + x0, *r1 = rows[1] + x0, *r2 = rows[2] + x0; \
    BNNC_NEON_Q8_DW_TAP(LOAD, r0, w07, 0);                                     \
    BNNC_NEON_Q8_DW_TAP(LOAD, r0 + dw, w07, 1);                                \
    BNNC_NEON_Q8_DW_TAP(LOAD, r0 + 2 * dw, w07, 2);                            \
    BNNC_NEON_Q8_DW_TAP(LOAD, r1, w07, 3);                                     \
    BNNC_NEON_Q8_DW_TAP(LOAD, r1 + dw, w07, 4);                                \
    BNNC_NEON_Q8_DW_TAP(LOAD, r1 + 2 * dw, w07, 5);                            \
    BNNC_NEON_Q8_DW_TAP(LOAD, r2, w07, 6);                                     \
    BNNC_NEON_Q8_DW_TAP(LOAD, r2 + dw, w07, 7);                                \
    BNNC_NEON_Q8_DW_TAP(LOAD, r2 + 2 * dw, w8, 0);                             \
  } while (0)

/* One output row of a 3x3 depthwise channel, stride STEP (1 or 2) and
 * dilation 1, from the three int16 rows: the taps are fixed offsets of
 * three pointers that advance 8 * STEP per step. */
#define BNNC_NEON_Q8_DW3X3_ROW(NAME, LOAD, STEP)                               \
  static inline void NAME(const int16_t *r0, const int16_t *r1,               \
                          const int16_t *r2, int16x8_t w07, int16x8_t w8,     \
                          int32_t b, int32_t ow, int32_t *yr) {                \
    int32_t ox = 0;                                                            \
    for (; ox < ow; ox += 8, r0 += 8 * STEP, r1 += 8 * STEP,                   \
                    r2 += 8 * STEP) {                                          \
      int32x4_t lo = vdupq_n_s32(b), hi = lo;                                  \
      BNNC_NEON_Q8_DW_TAP(LOAD, r0, w07, 0);                                   \
      BNNC_NEON_Q8_DW_TAP(LOAD, r0 + 1, w07, 1);                               \
      BNNC_NEON_Q8_DW_TAP(LOAD, r0 + 2, w07, 2);                               \
      BNNC_NEON_Q8_DW_TAP(LOAD, r1, w07, 3);                                   \
      BNNC_NEON_Q8_DW_TAP(LOAD, r1 + 1, w07, 4);                               \
      BNNC_NEON_Q8_DW_TAP(LOAD, r1 + 2, w07, 5);                               \
      BNNC_NEON_Q8_DW_TAP(LOAD, r2, w07, 6);                                   \
      BNNC_NEON_Q8_DW_TAP(LOAD, r2 + 1, w07, 7);                               \
      BNNC_NEON_Q8_DW_TAP(LOAD, r2 + 2, w8, 0);                                \
      if (ox + 8 <= ow) {                                                      \
        vst1q_s32(yr + ox, lo);                                                \
        vst1q_s32(yr + ox + 4, hi);                                            \
      } else {                                                                 \
        int32_t acc[8];                                                        \
        vst1q_s32(acc, lo);                                                    \
        vst1q_s32(acc + 4, hi);                                                \
        for (int32_t k = 0; ox + k < ow; ++k)                                  \
          yr[ox + k] = acc[k];                                                 \
      }                                                                        \
    }                                                                          \
  }
BNNC_NEON_Q8_DW3X3_ROW(bnnc_neon_q8_dw3x3_s1, vld1q_s16, 1)
BNNC_NEON_Q8_DW3X3_ROW(bnnc_neon_q8_dw3x3_s2, bnnc_neon_q8_ld2_even, 2)
#undef BNNC_NEON_Q8_DW3X3_ROW

static inline void bnnc_neon_qdwconv2d(const bnnc_neon_qconv2d_params *p,
                                       const void *xv, const int16_t *w,
                                       int32_t xz, const int32_t *bias,
                                       int32_t *y) {
  int16x8_t scratch[BNNC_NEON_Q8_SCRATCH / 16];
  const int16_t *rows[BNNC_NEON_Q8_MAX_ROWS];
  int32_t tags[BNNC_NEON_Q8_MAX_ROWS];
  const int32_t nrows = bnnc_neon_q8_rows(p);
  const size_t cols = bnnc_layout_q8_dw_cols(p->ow, p->kw, p->stride_w,
                                             p->dilation_w);
  const size_t plane = (size_t)p->h * (size_t)p->w;
  const size_t oplane = (size_t)p->oh * (size_t)p->ow;
  const size_t taps = (size_t)p->kh * (size_t)p->kw;
  const size_t mg = (size_t)(p->m / p->c), pl = (size_t)p->pad_left;
  const size_t sw = (size_t)p->stride_w, dw = (size_t)p->dilation_w;
  const int is_unsigned = p->x_offset != 0;
  const int k3x3 = p->kh == 3 && p->kw == 3;
  for (size_t n = 0; n < (size_t)p->n; ++n)
    for (size_t c = 0; c < (size_t)p->c; ++c) {
      const uint8_t *xc = (const uint8_t *)xv + (n * (size_t)p->c + c) * plane;
      for (int32_t r = 0; r < nrows; ++r)
        tags[r] = INT32_MIN;
      for (int32_t oy = 0; oy < p->oh; ++oy) {
        for (int32_t ky = 0; ky < p->kh; ++ky) {
          const int32_t at = oy * p->stride_h + ky * p->dilation_h;
          const int32_t slot = at % nrows;
          int16_t *row = (int16_t *)scratch + (size_t)slot * cols;
          if (tags[slot] != at) {
            const int32_t iy = at - p->pad_top;
            memset(row, 0, cols * sizeof(int16_t));
            if (iy >= 0 && iy < p->h && pl < cols) {
              const uint8_t *src = xc + (size_t)iy * (size_t)p->w;
              const size_t wn = (size_t)p->w < cols - pl ? (size_t)p->w
                                                         : cols - pl;
              size_t i = 0;
              if (is_unsigned) {
                const uint8x8_t z = vdup_n_u8((uint8_t)xz);
                for (; i + 8 <= wn; i += 8)
                  vst1q_s16(row + pl + i, vreinterpretq_s16_u16(
                                              vsubl_u8(vld1_u8(src + i), z)));
              } else {
                const int8x8_t z = vdup_n_s8((int8_t)xz);
                for (; i + 8 <= wn; i += 8)
                  vst1q_s16(row + pl + i,
                            vsubl_s8(vld1_s8((const int8_t *)src + i), z));
              }
              for (; i < wn; ++i)
                row[pl + i] = (int16_t)((is_unsigned ? (int32_t)src[i]
                                                     : (int32_t)(int8_t)src[i]) -
                                        xz);
            }
            tags[slot] = at;
          }
          rows[ky] = row;
        }
        for (size_t j = 0; j < mg; ++j) {
          const size_t o = c * mg + j;
          const int16_t *wo = w + o * taps;
          const int32_t b = bias ? bias[o] : 0;
          /* 3x3: the 9 weights in two registers, taps by lane. */
          const int16x8_t w07 = k3x3 ? vld1q_s16(wo) : vdupq_n_s16(0);
          const int16x8_t w8 = vdupq_n_s16(k3x3 ? wo[8] : 0);
          int32_t *yr = y + (n * (size_t)p->m + o) * oplane +
                        (size_t)oy * (size_t)p->ow;
          if (k3x3 && dw == 1 && sw <= 2) {
            if (sw == 1)
              bnnc_neon_q8_dw3x3_s1(rows[0], rows[1], rows[2], w07, w8, b,
                                    p->ow, yr);
            else
              bnnc_neon_q8_dw3x3_s2(rows[0], rows[1], rows[2], w07, w8, b,
                                    p->ow, yr);
            continue;
          }
          for (int32_t ox = 0; ox < p->ow; ox += 8) {
            int32x4_t lo = vdupq_n_s32(b), hi = lo;
            const size_t x0 = (size_t)ox * sw;
            if (k3x3 && sw == 1) {
              BNNC_NEON_Q8_DW3X3(vld1q_s16);
            } else if (k3x3 && sw == 2) {
              BNNC_NEON_Q8_DW3X3(bnnc_neon_q8_ld2_even);
            } else if (sw <= 2) {
              for (int32_t ky = 0; ky < p->kh; ++ky) {
                const int16_t *r = rows[ky] + x0;
                const int16_t *wk = wo + (size_t)ky * (size_t)p->kw;
                for (int32_t kx = 0; kx < p->kw; ++kx, r += dw) {
                  const int16x8_t xv8 =
                      sw == 1 ? vld1q_s16(r) : vld2q_s16(r).val[0];
                  lo = vmlal_n_s16(lo, vget_low_s16(xv8), wk[kx]);
                  hi = vmlal_high_n_s16(hi, xv8, wk[kx]);
                }
              }
            } else {
              int32_t acc[8];
              for (int k = 0; k < 8; ++k) {
                uint32_t sum = (uint32_t)b;
                for (int32_t ky = 0; ky < p->kh; ++ky)
                  for (int32_t kx = 0; kx < p->kw; ++kx)
                    sum += (uint32_t)((int32_t)rows[ky][x0 + (size_t)k * sw +
                                                         (size_t)kx * dw] *
                                      wo[(size_t)ky * (size_t)p->kw +
                                         (size_t)kx]);
                acc[k] = (int32_t)sum;
              }
              lo = vld1q_s32(acc);
              hi = vld1q_s32(acc + 4);
            }
            if (ox + 8 <= p->ow) {
              vst1q_s32(yr + ox, lo);
              vst1q_s32(yr + ox + 4, hi);
            } else {
              int32_t acc[8];
              vst1q_s32(acc, lo);
              vst1q_s32(acc + 4, hi);
              for (int32_t k = 0; ox + k < p->ow; ++k)
                yr[ox + k] = acc[k];
            }
          }
        }
      }
    }
}
#undef BNNC_NEON_Q8_DW3X3
#undef BNNC_NEON_Q8_DW_TAP

#endif /* BNNC_KERNELS_NEON_INT8_H */
