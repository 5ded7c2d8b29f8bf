/*
 * bnnc/kernels_helium.h - binary kernels of --target=cortex-m55 with the
 * M-profile Vector Extension (MVE, "Helium": eight 128-bit Q registers).
 *
 * The convolution is kernels_cortexm.h's (patch gathering, padded-tap
 * corrections, threshold and float epilogues) with the dot products and the
 * packing replaced:
 *
 * - Dot products: 128-bit VEOR of four patch words with four filter words,
 *   then the population count of the 16 bytes. MVE has no VCNT (nor VTBL),
 *   but it has byte gathers: VLDRB.U8 Qd, [Rtable, Qoffsets] loads
 *   table[offset] for each of the 16 byte lanes, so with offsets = x XOR w
 *   and the 256-byte popcount table below one instruction gives the 16 byte
 *   counts, and VADDVA.U8 adds them to a scalar accumulator. Four output
 *   channels share each loaded patch vector (register blocking), so one
 *   128-bit step of four dots is 1 + 4 x (VLDRW, VEOR, VLDRB gather, VADDVA)
 *   = 17 instructions for 512 binary MACs. A last partial vector (n not a
 *   multiple of 4 words) is loaded with a tail predicate (VCTP): its lanes
 *   past n load as zero, whose XOR counts nothing. Short dots (up to
 *   BNNC_MVE_HELD_VECTORS vectors) instead hold the whole patch in Q
 *   registers and walk the filters with one pointer.
 * - Padded-tap corrections and threshold words four channels per vector
 *   (halfword gathers from the tap table; VQSUB sign bits summed by
 *   VADDVA).
 * - The alternative without a table (BNNC_MVE_LUT_POPCOUNT=0, measured in
 *   docs/cortex-m.md): byte SWAR with lane shifts, v - ((v >> 1) & 0x55),
 *   (v & 0x33) + ((v >> 2) & 0x33), (v + (v >> 4)) & 0x0f, then VADDVA: 10
 *   vector instructions per 128 bits instead of 1, and three mask registers
 *   of the eight.
 * - Packing (NCHW float -> channels-last bits): four pixels (one VLDRW of a
 *   channel row) at a time. The sign test is kernels_cortexm.h's integer
 *   one, lane-wise by saturating subtracts (a float compare could flush
 *   denormals, the integer test does not), and VSLI shifts each channel's
 *   bit into the four output words; one scatter store writes them.
 *
 * Without MVE (__ARM_FEATURE_MVE undefined: other cores, the host) every
 * function here is the portable Cortex-M kernel, so the generated C builds
 * anywhere. Results are bit-identical to the generic kernels
 * (test/cortexm/helium-kernels.test runs the sweep under QEMU mps3-an547).
 */
#ifndef BNNC_KERNELS_HELIUM_H
#define BNNC_KERNELS_HELIUM_H

#include <stddef.h>
#include <stdint.h>

#include "bnnc/kernels_cortexm.h"

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>
#define BNNC_MVE 1
#else
#define BNNC_MVE 0
#endif

/* 1: popcount by a 256-byte table gather (the default); 0: byte SWAR. */
#ifndef BNNC_MVE_LUT_POPCOUNT
#define BNNC_MVE_LUT_POPCOUNT 1
#endif

#if BNNC_MVE

/* ---- Popcount of 16 bytes ---------------------------------------------- */

#if BNNC_MVE_LUT_POPCOUNT
/* bnnc_mve_pop8[b] = the number of set bits of the byte b. */
#define BNNC_MVE_POP2(k) (k), (k) + 1, (k) + 1, (k) + 2
#define BNNC_MVE_POP4(k)                                                       \
  BNNC_MVE_POP2(k), BNNC_MVE_POP2((k) + 1), BNNC_MVE_POP2((k) + 1),            \
      BNNC_MVE_POP2((k) + 2)
#define BNNC_MVE_POP6(k)                                                       \
  BNNC_MVE_POP4(k), BNNC_MVE_POP4((k) + 1), BNNC_MVE_POP4((k) + 1),            \
      BNNC_MVE_POP4((k) + 2)
static const uint8_t bnnc_mve_pop8[256] = {BNNC_MVE_POP6(0), BNNC_MVE_POP6(1),
                                           BNNC_MVE_POP6(1), BNNC_MVE_POP6(2)};
#undef BNNC_MVE_POP2
#undef BNNC_MVE_POP4
#undef BNNC_MVE_POP6

/* The set bits of each byte of d (0..8): one byte gather from the table. */
static inline uint8x16_t bnnc_mve_byte_counts(uint8x16_t d) {
  return vldrbq_gather_offset_u8(bnnc_mve_pop8, d);
}
#else
/* The set bits of each byte of d (0..8): byte SWAR in the lanes. */
static inline uint8x16_t bnnc_mve_byte_counts(uint8x16_t d) {
  const uint8x16_t m1 = vdupq_n_u8(0x55), m2 = vdupq_n_u8(0x33),
                   m4 = vdupq_n_u8(0x0f);
  d = vsubq_u8(d, vandq_u8(vshrq_n_u8(d, 1), m1));
  d = vaddq_u8(vandq_u8(d, m2), vandq_u8(vshrq_n_u8(d, 2), m2));
  return vandq_u8(vaddq_u8(d, vshrq_n_u8(d, 4)), m4);
}
#endif

/* acc + popcount(x XOR w) over the 128 bits of one vector each. */
static inline uint32_t bnnc_mve_add_xor_count(uint32_t acc, uint8x16_t x,
                                              uint32x4_t w) {
  return vaddvaq_u8(acc,
                    bnnc_mve_byte_counts(veorq_u8(x, vreinterpretq_u8_u32(w))));
}

/* ---- Dot products ------------------------------------------------------ */

/* ones[0..3] = popcount(x XOR w_j) for the four filters w_j = w + j * n
 * (n = 4 * vectors + left words each, left < 4; tail = vctp32q(left)):
 * each patch vector is loaded once for the four. */
static inline void bnnc_mve_xor_popcount4(const uint32_t *x, const uint32_t *w,
                                          int32_t n, int32_t vectors,
                                          int32_t left, mve_pred16_t tail,
                                          int32_t *ones) {
  const uint32_t *w0 = w, *w1 = w0 + n, *w2 = w1 + n, *w3 = w2 + n;
  uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (int32_t v = vectors; v > 0;
       --v, x += 4, w0 += 4, w1 += 4, w2 += 4, w3 += 4) {
    const uint8x16_t xv = vreinterpretq_u8_u32(vldrwq_u32(x));
    a0 = bnnc_mve_add_xor_count(a0, xv, vldrwq_u32(w0));
    a1 = bnnc_mve_add_xor_count(a1, xv, vldrwq_u32(w1));
    a2 = bnnc_mve_add_xor_count(a2, xv, vldrwq_u32(w2));
    a3 = bnnc_mve_add_xor_count(a3, xv, vldrwq_u32(w3));
  }
  if (left > 0) { /* lanes past the end load as zero on both sides */
    const uint8x16_t xv = vreinterpretq_u8_u32(vldrwq_z_u32(x, tail));
    a0 = bnnc_mve_add_xor_count(a0, xv, vldrwq_z_u32(w0, tail));
    a1 = bnnc_mve_add_xor_count(a1, xv, vldrwq_z_u32(w1, tail));
    a2 = bnnc_mve_add_xor_count(a2, xv, vldrwq_z_u32(w2, tail));
    a3 = bnnc_mve_add_xor_count(a3, xv, vldrwq_z_u32(w3, tail));
  }
  ones[0] = (int32_t)a0;
  ones[1] = (int32_t)a1;
  ones[2] = (int32_t)a2;
  ones[3] = (int32_t)a3;
}

/* popcount(x XOR w) over n = 4 * vectors + left words. */
static inline int32_t bnnc_mve_xor_popcount(const uint32_t *x,
                                            const uint32_t *w, int32_t vectors,
                                            int32_t left, mve_pred16_t tail) {
  uint32_t acc = 0;
  for (int32_t v = vectors; v > 0; --v, x += 4, w += 4)
    acc = bnnc_mve_add_xor_count(acc, vreinterpretq_u8_u32(vldrwq_u32(x)),
                                 vldrwq_u32(w));
  if (left > 0)
    acc =
        bnnc_mve_add_xor_count(acc, vreinterpretq_u8_u32(vldrwq_z_u32(x, tail)),
                               vldrwq_z_u32(w, tail));
  return (int32_t)acc;
}

/* Longest dot product, in 4-word vectors, whose patch the short-dot kernel
 * below holds in Q registers: 3 vectors (12 words; a 3x3 kernel over 32
 * channels is 9). GCC 12 keeps 3 in registers but puts 4 on the stack, and
 * holding 5 makes the 18-word 3x3x64 dots 6% slower than streaming them
 * (bench/cortex-m55.sh). */
#ifndef BNNC_MVE_HELD_VECTORS
#define BNNC_MVE_HELD_VECTORS 3
#endif

/* ones[j] = popcount(x XOR w_j), w_j = w + j * n, j < count, for short
 * dots of `vectors` = ceil(n / 4) <= BNNC_MVE_HELD_VECTORS vectors (a
 * constant at each call, so the loops unroll and xv stays in registers):
 * the patch is loaded once (its last vector with the tail predicate), and
 * each filter is then one pass of VLDRW, VEOR, gather, VADDVA per vector
 * through a single pointer that walks the contiguous filters. */
static inline void bnnc_mve_xor_popcounts_held(const uint32_t *x,
                                               const uint32_t *w, int32_t n,
                                               int32_t count, int32_t *ones,
                                               const int32_t vectors) {
  const mve_pred16_t tail = vctp32q((uint32_t)(n - 4 * (vectors - 1)));
  uint8x16_t xv[BNNC_MVE_HELD_VECTORS];
  for (int32_t v = 0; v < vectors - 1; ++v)
    xv[v] = vreinterpretq_u8_u32(vldrwq_u32(x + 4 * v));
  xv[vectors - 1] =
      vreinterpretq_u8_u32(vldrwq_z_u32(x + 4 * (vectors - 1), tail));
  for (int32_t j = 0; j < count; ++j, w += n) {
    uint32_t acc = 0;
    for (int32_t v = 0; v < vectors - 1; ++v)
      acc = bnnc_mve_add_xor_count(acc, xv[v], vldrwq_u32(w + 4 * v));
    ones[j] = (int32_t)bnnc_mve_add_xor_count(
        acc, xv[vectors - 1], vldrwq_z_u32(w + 4 * (vectors - 1), tail));
  }
}

/* ones[j] = popcount(x XOR w_j), w_j = w + j * n, j < count, for dots
 * too long to hold: four filters at a time (each patch vector loaded once
 * for the four), then one at a time. Out of line: the four-filter loop
 * needs 11 of the core registers. */
BNNC_CM_OUT_OF_LINE void
bnnc_mve_xor_popcounts_streamed(const uint32_t *x, const uint32_t *w, int32_t n,
                                int32_t count, int32_t *ones) {
  const int32_t vectors = n / 4, left = n % 4;
  const mve_pred16_t tail = vctp32q((uint32_t)left);
  int32_t j = 0;
  for (; count - j >= 4; j += 4, w += 4 * n)
    bnnc_mve_xor_popcount4(x, w, n, vectors, left, tail, ones + j);
  for (; j < count; ++j, w += n)
    ones[j] = bnnc_mve_xor_popcount(x, w, vectors, left, tail);
}

/* ones[j] = popcount(x XOR w_j), w_j = w + j * n, j < count: short dots
 * with the patch held in registers, longer ones streamed. */
BNNC_CM_OUT_OF_LINE void bnnc_mve_xor_popcounts(const uint32_t *x,
                                                const uint32_t *w, int32_t n,
                                                int32_t count, int32_t *ones) {
  switch ((n + 3) / 4) {
#if BNNC_MVE_HELD_VECTORS >= 1
  case 1:
    bnnc_mve_xor_popcounts_held(x, w, n, count, ones, 1);
    return;
#endif
#if BNNC_MVE_HELD_VECTORS >= 2
  case 2:
    bnnc_mve_xor_popcounts_held(x, w, n, count, ones, 2);
    return;
#endif
#if BNNC_MVE_HELD_VECTORS >= 3
  case 3:
    bnnc_mve_xor_popcounts_held(x, w, n, count, ones, 3);
    return;
#endif
#if BNNC_MVE_HELD_VECTORS >= 4
  case 4:
    bnnc_mve_xor_popcounts_held(x, w, n, count, ones, 4);
    return;
#endif
#if BNNC_MVE_HELD_VECTORS >= 5
  case 5:
    bnnc_mve_xor_popcounts_held(x, w, n, count, ones, 5);
    return;
#endif
  default:
    bnnc_mve_xor_popcounts_streamed(x, w, n, count, ones);
  }
}

/* ---- Padded taps and threshold words ----------------------------------- */

/* bnnc_cm_subtract_padded four channels at a time: with the compiler's tap
 * table, one halfword gather per padded tap loads the four channels'
 * entries (tap_ones[o * taps + tap]). Without the table the portable
 * per-channel count. */
static void bnnc_mve_subtract_padded(int32_t *ones, int32_t count,
                                     const int16_t *tap_ones, int32_t o0,
                                     int32_t taps, const uint16_t *padded,
                                     int32_t invalid, const uint32_t *wo,
                                     int32_t kwords, int32_t wg) {
  /* Halfword offsets of four consecutive channels' rows in the table. */
  const uint32x4_t rows = vmulq_n_u32(vidupq_n_u32(0u, 1), (uint32_t)taps);
  if (!tap_ones) {
    bnnc_cm_subtract_padded(ones, count, tap_ones, o0, taps, padded, invalid,
                            wo, kwords, wg);
    return;
  }
  for (int32_t j = 0; j < count; j += 4) {
    const mve_pred16_t lanes = vctp32q((uint32_t)(count - j));
    const int16_t *row = tap_ones + (size_t)(o0 + j) * (size_t)taps;
    int32x4_t sum = vdupq_n_s32(0);
    for (int32_t t = 0; t < invalid; ++t)
      sum = vaddq_s32(sum, vldrhq_gather_shifted_offset_z_s32(row + padded[t],
                                                              rows, lanes));
    vstrwq_p_s32(ones + j, vsubq_s32(vldrwq_z_s32(ones + j, lanes), sum),
                 lanes);
  }
}

/* (k_valid - 2 ones < threshold) as 0 or 1 in each of four lanes. The
 * sign of the saturating difference is exactly the comparison, and a
 * shift instead of a compare keeps predicates (which GCC 12 moves through
 * a core register each time) out of the loop. */
static inline uint32x4_t bnnc_mve_below(int32x4_t ones, int32x4_t threshold,
                                        int32_t k_valid) {
  const int32x4_t dot = vaddq_n_s32(vmulq_n_s32(ones, -2), k_valid);
  return vshrq_n_u32(vreinterpretq_u32_s32(vqsubq_s32(dot, threshold)), 31);
}

/* word + four bits, each lane's shifted to its position (distinct bits, so
 * the sum is their OR). */
static inline uint32_t bnnc_mve_add_bits(uint32_t word, uint32x4_t bits,
                                         uint32x4_t position) {
  return vaddvaq_u32(word, vshlq_u32(bits, vreinterpretq_s32_u32(position)));
}

/* bnnc_cm_threshold_word four channels at a time: the full vectors with
 * and without flips in separate loops, then a last partial vector
 * (predicated loads: its lanes past count load as 0 and are masked). */
static uint32_t bnnc_mve_threshold_word(const int32_t *ones, int32_t count,
                                        int32_t k_valid,
                                        const int32_t *threshold,
                                        const uint8_t *flip) {
  const uint32x4_t one = vdupq_n_u32(1u);
  uint32x4_t position = vidupq_n_u32(0u, 1);
  uint32_t word = 0;
  int32_t j = 0;
  if (flip)
    for (; count - j >= 4; j += 4, position = vaddq_n_u32(position, 4))
      word = bnnc_mve_add_bits(
          word,
          veorq_u32(bnnc_mve_below(vldrwq_s32(ones + j),
                                   vldrwq_s32(threshold + j), k_valid),
                    vandq_u32(vldrbq_u32(flip + j), one)),
          position);
  else
    for (; count - j >= 4; j += 4, position = vaddq_n_u32(position, 4))
      word =
          bnnc_mve_add_bits(word,
                            bnnc_mve_below(vldrwq_s32(ones + j),
                                           vldrwq_s32(threshold + j), k_valid),
                            position);
  if (j < count) {
    const mve_pred16_t lanes = vctp32q((uint32_t)(count - j));
    uint32x4_t bits =
        bnnc_mve_below(vldrwq_z_s32(ones + j, lanes),
                       vldrwq_z_s32(threshold + j, lanes), k_valid);
    if (flip)
      bits = veorq_u32(bits, vandq_u32(vldrbq_z_u32(flip + j, lanes), one));
    word = bnnc_mve_add_bits(word, vpselq_u32(bits, vdupq_n_u32(0u), lanes),
                             position);
  }
  return word;
}

/* The convolution's per-chunk steps (bnnc_cm_bconv2d_impl). */
static const bnnc_cm_bconv2d_ops bnnc_mve_ops = {
    bnnc_mve_xor_popcounts, bnnc_mve_subtract_padded, bnnc_mve_threshold_word};

/* ---- Packing real activations ------------------------------------------ */

/* b(v) = v < 0 of four floats (their bit patterns u) as 0 or 1 per lane:
 * bnnc_cm_sign_bit's test (u - 0x80000001) <= 0x7f7fffff, unsigned, by
 * saturating subtracts instead of a compare (no predicate to move through
 * a core register, GCC 12's cost for each one): s = the excess over the
 * bound, 0 exactly when v < 0, and 1 - s saturated is the bit. */
static inline uint32x4_t bnnc_mve_sign_bits(uint32x4_t u) {
  const uint32x4_t s = vqsubq_n_u32(vsubq_n_u32(u, 0x80000001u), 0x7f7fffffu);
  return vqsubq_u32(vdupq_n_u32(1u), s);
}

/* The packed words of four consecutive pixels for `bits` channels, the
 * first at xc (plane floats apart): from the last channel down,
 * (word << 1) | bit by one VSLI per channel. */
static inline uint32x4_t bnnc_mve_pack_words(const float *xc, int32_t plane,
                                             int32_t bits) {
  uint32x4_t word = vdupq_n_u32(0u);
  xc += (size_t)(bits - 1) * (size_t)plane;
  for (int32_t j = bits; j > 0; --j, xc -= plane)
    word = vsliq_n_u32(
        bnnc_mve_sign_bits(vldrwq_u32((const uint32_t *)(const void *)xc)),
        word, 1);
  return word;
}

/* As bnnc_mve_pack_words for the last 1..3 pixels of a plane (the lanes
 * of `lanes`); lanes past it load as 0, their words are not stored. */
static inline uint32x4_t bnnc_mve_pack_words_tail(const float *xc,
                                                  int32_t plane, int32_t bits,
                                                  mve_pred16_t lanes) {
  uint32x4_t word = vdupq_n_u32(0u);
  xc += (size_t)(bits - 1) * (size_t)plane;
  for (int32_t j = bits; j > 0; --j, xc -= plane)
    word = vsliq_n_u32(bnnc_mve_sign_bits(vldrwq_z_u32(
                           (const uint32_t *)(const void *)xc, lanes)),
                       word, 1);
  return word;
}

/* NCHW float -> packed channels-last by b(x), as
 * bnnc_pack_f32_nchw_to_nhwc32 (pack groups included): four pixels per
 * step (one VLDRW of a channel row each), their four output words stored
 * by one scatter store. */
static inline void bnnc_mve_pack_f32_nchw_to_nhwc(const bnnc_bpack_params *p,
                                                  const float *x, uint32_t *y) {
  const int32_t cg = p->c / p->group;
  const int32_t wg = (cg + 31) / 32;
  const int32_t plane = p->h * p->w;
  /* Word offsets of four consecutive pixels' words in y. */
  const uint32x4_t pixel_words =
      vmulq_n_u32(vidupq_n_u32(0u, 1), (uint32_t)(p->group * wg));
  for (int32_t n = 0; n < p->n; ++n)
    for (int32_t pix = 0; pix < plane; pix += 4) {
      uint32_t *out =
          y + (((size_t)n * (size_t)plane + (size_t)pix) * (size_t)p->group) *
                  (size_t)wg;
      for (int32_t g = 0; g < p->group; ++g) {
        const float *xg = x +
                          ((size_t)n * (size_t)p->c + (size_t)g * (size_t)cg) *
                              (size_t)plane +
                          (size_t)pix;
        for (int32_t base = 0; base < cg; base += 32, ++out) {
          const int32_t bits = cg - base < 32 ? cg - base : 32;
          const float *xc = xg + (size_t)base * (size_t)plane;
          if (plane - pix >= 4) {
            vstrwq_scatter_shifted_offset_u32(
                out, pixel_words, bnnc_mve_pack_words(xc, plane, bits));
          } else {
            const mve_pred16_t lanes = vctp32q((uint32_t)(plane - pix));
            vstrwq_scatter_shifted_offset_p_u32(
                out, pixel_words,
                bnnc_mve_pack_words_tail(xc, plane, bits, lanes), lanes);
          }
        }
      }
    }
}

#endif /* BNNC_MVE */

/* ---- The kernels the generated C calls --------------------------------- */

/* As bnnc_cm_bconv2d_float (float epilogue, NCHW output). */
static inline void bnnc_mve_bconv2d_float(const bnnc_bconv2d_params *p,
                                          const uint32_t *x, const uint32_t *w,
                                          const int16_t *tap_ones,
                                          const bnnc_bfloat_epilogue *e,
                                          float *y) {
#if BNNC_MVE
  bnnc_cm_bconv2d_impl(p, x, w, tap_ones, e, y, NULL, NULL, NULL, NULL, 0,
                       &bnnc_mve_ops);
#else
  bnnc_cm_bconv2d_float(p, x, w, tap_ones, e, y);
#endif
}

/* As bnnc_cm_bconv2d_bits (threshold epilogue, packed output). */
static inline void bnnc_mve_bconv2d_bits(const bnnc_bconv2d_params *p,
                                         const uint32_t *x, const uint32_t *w,
                                         const int16_t *tap_ones,
                                         const bnnc_bbits_epilogue *e,
                                         uint32_t *y) {
#if BNNC_MVE
  bnnc_cm_bconv2d_impl(p, x, w, tap_ones, NULL, NULL, e, y, NULL, NULL, 0,
                       &bnnc_mve_ops);
#else
  bnnc_cm_bconv2d_bits(p, x, w, tap_ones, e, y);
#endif
}

/* As bnnc_cm_bconv2d_q8 (int8 / uint8 epilogue, NCHW output). */
static inline void bnnc_mve_bconv2d_q8(const bnnc_bconv2d_params *p,
                                       const uint32_t *x, const uint32_t *w,
                                       const int16_t *tap_ones,
                                       const bnnc_bq8_epilogue *e, int y_signed,
                                       void *y) {
#if BNNC_MVE
  bnnc_cm_bconv2d_impl(p, x, w, tap_ones, NULL, NULL, NULL, NULL, e, y,
                       y_signed, &bnnc_mve_ops);
#else
  bnnc_cm_bconv2d_q8(p, x, w, tap_ones, e, y_signed, y);
#endif
}

/* As bnnc_cm_pack_f32_nchw_to_nhwc. */
static inline void bnnc_mve_pack_f32(const bnnc_bpack_params *p, const float *x,
                                     uint32_t *y) {
#if BNNC_MVE
  bnnc_mve_pack_f32_nchw_to_nhwc(p, x, y);
#else
  bnnc_cm_pack_f32_nchw_to_nhwc(p, x, y);
#endif
}

#endif /* BNNC_KERNELS_HELIUM_H */
