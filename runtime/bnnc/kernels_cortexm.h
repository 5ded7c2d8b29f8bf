/*
 * bnnc/kernels_cortexm.h - binary kernels of the Cortex-M targets
 * (--target=cortex-m0plus, cortex-m4, cortex-m7, cortex-m33, cortex-m55).
 *
 * Cortex-M has no popcount instruction (GCC's __builtin_popcount is a libgcc
 * call there), so the xor-popcount dot product is built from plain 32-bit
 * logic (docs/cortex-m.md has the instruction counts):
 *
 * - Short dots (n <= BNNC_CM_SHORT_DOT_WORDS = 31 words, e.g. 3x3 kernels
 *   over 32 or 64 channels: 9 or 18 words): words d = x XOR w three at a
 *   time through one carry-save adder (CSA: 5 logic instructions turn three
 *   words into a "twos" and a "ones" word), then SWAR nibble counts of both,
 *   pop(ones) + 2 pop(twos) <= 12 per nibble, one nibble-to-byte step, and
 *   the byte counts summed in a register (a word adds at most 8 per byte, so
 *   31 words stay below 256); one USADA8 at the end. No carry-save state to
 *   reduce afterwards, so no fixed tail. Two output channels share each
 *   loaded patch word (register blocking). ~107 instructions per 9-word dot
 *   on M4 including the loop and per-pair overhead (Harley-Seal: 139 plus
 *   ~60 of call and loop overhead).
 * - Longer dots: Harley-Seal carry-save accumulation. The CSA tree holds
 *   the counts of one dot product in bit-sliced counters ones, twos, fours;
 *   only the eights word of each block of 8 input words needs a real
 *   popcount. That is about 7.5 instructions per 32 binary MACs in the
 *   block loop instead of ~12 for a popcount per word, and the counters
 *   need only 3 registers.
 * - The short dots' SWAR steps mask before they shift ((v & 0xaa..) >> 1):
 *   Thumb-2 immediates and the shifts fold into the add/subtract operands.
 *   With the DSP extension (__ARM_FEATURE_DSP: M4, M7, M33 with DSP, M55)
 *   four byte counts are summed by one USADA8 (ACLE __usada8), otherwise by
 *   a multiply or a 16-bit fold.
 * - Convolution: the input taps of one output position are gathered once
 *   into a contiguous patch (or used in place when they already are: dense
 *   layers, 1xK convolutions) and the patch is dotted with the output
 *   channels' contiguous OHWI filters, 32 channels (one output word) per
 *   call. Taps outside the image are zero words in the patch; x XOR w is
 *   then w there, so the popcount of those weight taps (a per-(channel, tap)
 *   table the compiler computes from the constant weights, or computed here
 *   when the table is NULL) is subtracted. The result is exactly the generic
 *   kernel's dot K_valid - 2 * popcount over the in-bounds taps, so every
 *   epilogue (bnnc_bbit, bnnc_bfloat_apply from kernels_binary.h) gives
 *   bit-identical results.
 * - Threshold epilogues build each output word in a register (one
 *   shift-and-OR per channel) and store it once; float epilogues are the
 *   generic ones.
 *
 * Everything is portable C99 (the ACLE intrinsic is used only where the
 * compiler says the DSP instructions exist), so the same file also compiles
 * and runs on the host, where the tests compare it with the generic kernels.
 * Header-only, no allocation, no stdio. Stack of the binary convolution:
 * the patch (BNNC_CM_PATCH_WORDS words, 1 KiB; larger patches use the
 * generic kernel, which the compiler selects at code generation time), the
 * padded-tap list (512 bytes) and the counts of one output word (32 int32,
 * 128 bytes).
 */
#ifndef BNNC_KERNELS_CORTEXM_H
#define BNNC_KERNELS_CORTEXM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bnnc/kernels_binary.h"
#include "bnnc/layouts.h" /* BNNC_CM_PATCH_WORDS */
#include "bnnc/runtime.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define BNNC_CM_HAVE_USADA8 1
#else
#define BNNC_CM_HAVE_USADA8 0
#endif

/* ---- Popcount pieces --------------------------------------------------- */

/* Per-byte bit counts of v (each byte 0..8): the first three SWAR steps. */
static inline uint32_t bnnc_cm_byte_counts(uint32_t v) {
  v = v - ((v >> 1) & 0x55555555u);
  v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
  return (v + (v >> 4)) & 0x0f0f0f0fu;
}

/* acc + the sum of the four bytes of b. Without USADA8 that sum itself must
 * stay below 256, which holds for every caller: at most 8 + 16 + 32 = 56 per
 * byte. */
static inline uint32_t bnnc_cm_add_bytes(uint32_t acc, uint32_t b) {
#if BNNC_CM_HAVE_USADA8
  return __usada8(b, 0u, acc);
#else
  return acc + ((b * 0x01010101u) >> 24);
#endif
}

/* The sum of the four bytes of b, any byte values (up to 4 * 255). Without
 * USADA8 the bytes are first folded into two 16-bit halves: the multiply of
 * bnnc_cm_add_bytes would wrap once the sum passes 255. */
static inline uint32_t bnnc_cm_sum_bytes(uint32_t b) {
#if BNNC_CM_HAVE_USADA8
  return __usada8(b, 0u, 0u);
#else
  b = (b & 0x00ff00ffu) + ((b >> 8) & 0x00ff00ffu);
  return (b + (b >> 16)) & 0xffffu;
#endif
}

static inline uint32_t bnnc_cm_popcount(uint32_t v) {
  return bnnc_cm_add_bytes(0u, bnnc_cm_byte_counts(v));
}

/* Carry-save adder: (h, l) = the two-bit sum a + b + c, bit by bit. */
#define BNNC_CM_CSA(h, l, a, b, c)                                             \
  do {                                                                         \
    const uint32_t bnnc_u_ = (a) ^ (b);                                        \
    const uint32_t bnnc_c_ = (c);                                              \
    (h) = ((a) & (b)) | (bnnc_u_ & bnnc_c_);                                   \
    (l) = bnnc_u_ ^ bnnc_c_;                                                   \
  } while (0)

/* Two consecutive words (4-byte aligned) as one value; the bits of the pair
 * are only XORed and split again, so the byte order does not matter. */
static inline uint64_t bnnc_cm_load2(const uint32_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* popcount(a XOR b) over n words (Harley-Seal, blocks of 8 words). The
 * pointers advance so that every load has an immediate offset. Not inlined
 * into the convolution: on its own it gets all 13 registers, which the block
 * loop needs (measured: 3% fewer instructions per 3x3x64 dot than inlined). */
#if defined(__GNUC__)
#define BNNC_CM_OUT_OF_LINE static __attribute__((noinline, unused))
#else
#define BNNC_CM_OUT_OF_LINE static inline
#endif
BNNC_CM_OUT_OF_LINE int32_t bnnc_cm_xor_popcount(const uint32_t *a,
                                                 const uint32_t *b, int32_t n) {
  uint32_t ones = 0, twos = 0, fours = 0, eights, total = 0;
  uint32_t twos_a, twos_b, fours_a, fours_b;
  const uint32_t *const a_end = a + n;
  for (; a_end - a >= 8; a += 8, b += 8) {
    /* Word pairs as one 64-bit value: one LDRD per pair on ARMv7-M. */
    uint64_t d;
    d = bnnc_cm_load2(a) ^ bnnc_cm_load2(b);
    BNNC_CM_CSA(twos_a, ones, ones, (uint32_t)d, (uint32_t)(d >> 32));
    d = bnnc_cm_load2(a + 2) ^ bnnc_cm_load2(b + 2);
    BNNC_CM_CSA(twos_b, ones, ones, (uint32_t)d, (uint32_t)(d >> 32));
    BNNC_CM_CSA(fours_a, twos, twos, twos_a, twos_b);
    d = bnnc_cm_load2(a + 4) ^ bnnc_cm_load2(b + 4);
    BNNC_CM_CSA(twos_a, ones, ones, (uint32_t)d, (uint32_t)(d >> 32));
    d = bnnc_cm_load2(a + 6) ^ bnnc_cm_load2(b + 6);
    BNNC_CM_CSA(twos_b, ones, ones, (uint32_t)d, (uint32_t)(d >> 32));
    BNNC_CM_CSA(fours_b, twos, twos, twos_a, twos_b);
    BNNC_CM_CSA(eights, fours, fours, fours_a, fours_b);
    total = bnnc_cm_add_bytes(total, bnnc_cm_byte_counts(eights));
  }
  if (a_end - a >= 4) { /* a half block: its eights carry folds in directly */
    BNNC_CM_CSA(twos_a, ones, ones, a[0] ^ b[0], a[1] ^ b[1]);
    BNNC_CM_CSA(twos_b, ones, ones, a[2] ^ b[2], a[3] ^ b[3]);
    BNNC_CM_CSA(fours_a, twos, twos, twos_a, twos_b);
    eights = fours & fours_a;
    fours ^= fours_a;
    total = bnnc_cm_add_bytes(total, bnnc_cm_byte_counts(eights));
    a += 4;
    b += 4;
  }
  if (a_end - a >= 2) { /* a pair: into ones and twos, carry to fours */
    BNNC_CM_CSA(twos_a, ones, ones, a[0] ^ b[0], a[1] ^ b[1]);
    fours_a = twos & twos_a;
    twos ^= twos_a;
    eights = fours & fours_a;
    fours ^= fours_a;
    total = bnnc_cm_add_bytes(total, bnnc_cm_byte_counts(eights));
    a += 2;
    b += 2;
  }
  total <<= 3; /* the eights counted so far weigh 8 */
  {
    /* ones + 2 twos + 4 fours, per byte at most 8 + 16 + 32 = 56. */
    uint32_t bytes = bnnc_cm_byte_counts(ones) +
                     (bnnc_cm_byte_counts(twos) << 1) +
                     (bnnc_cm_byte_counts(fours) << 2);
    if (a != a_end) /* a last odd word: at most 8 more per byte */
      bytes += bnnc_cm_byte_counts(a[0] ^ b[0]);
    total = bnnc_cm_add_bytes(total, bytes);
  }
  return (int32_t)total;
}

/* popcount over n words. */
static inline int32_t bnnc_cm_popcount_words(const uint32_t *a, int32_t n) {
  uint32_t total = 0;
  for (int32_t i = 0; i < n; ++i)
    total = bnnc_cm_add_bytes(total, bnnc_cm_byte_counts(a[i]));
  return (int32_t)total;
}

/* ---- Short dot products ------------------------------------------------ */

/* Longest dot product, in words, that the convolution computes with the
 * short-dot kernels below instead of Harley-Seal: every word adds at most 8
 * to each byte of their byte counters, so 31 words keep each byte below 256
 * without a flush. Covers 3x3 kernels over up to 96 channels. */
#define BNNC_CM_SHORT_DOT_WORDS 31

/* BNNC_CM_OPAQUE(v) is v, but GCC may not look through it: an empty asm
 * statement. It keeps GCC from rewriting (v & 0xaa..) >> 1 into
 * (v >> 1) & 0x55.., which costs a separate shift on ARM (the immediate
 * AND has no shifted operand). Other compilers get v unchanged. */
#if defined(__GNUC__)
static inline uint32_t bnnc_cm_opaque(uint32_t v) {
  __asm__("" : "+r"(v));
  return v;
}
#define BNNC_CM_OPAQUE(v) bnnc_cm_opaque(v)
#else
#define BNNC_CM_OPAQUE(v) (v)
#endif

/* Per-nibble bit counts of v (each 4-bit field 0..4): the first two SWAR
 * steps. */
static inline uint32_t bnnc_cm_nibble_counts(uint32_t v) {
  /* (v >> 1) & 0x55.. written as (v & 0xaa..) >> 1: the mask is a Thumb-2
   * immediate and the shift folds into the subtract's operand (2
   * instructions instead of 3; likewise 3 instead of 4 below). */
  v = v - (BNNC_CM_OPAQUE(v & 0xaaaaaaaau) >> 1);
  return (v & 0x33333333u) + (BNNC_CM_OPAQUE(v & 0xccccccccu) >> 2);
}

/* Per-byte sums of the two nibbles of each byte of s (each nibble < 16). */
static inline uint32_t bnnc_cm_nibble_pairs(uint32_t s) {
  return (s & 0x0f0f0f0fu) + (BNNC_CM_OPAQUE(s & 0xf0f0f0f0u) >> 4);
}

/* Per-byte bit counts of three words together (each byte 0..24): a
 * carry-save adder turns them into a twos and a ones word, and
 * pop(d0) + pop(d1) + pop(d2) = pop(ones) + 2 pop(twos), per nibble at most
 * 4 + 2 * 4 = 12, so the two nibble counts are summed before the one
 * nibble-to-byte step. 19 instructions for 96 bits on ARMv7-M (the masks are
 * Thumb-2 immediates and the shifts fold into the operands). */
static inline uint32_t bnnc_cm_byte_counts3(uint32_t d0, uint32_t d1,
                                            uint32_t d2) {
  uint32_t twos, ones;
  BNNC_CM_CSA(twos, ones, d0, d1, d2);
  return bnnc_cm_nibble_pairs(bnnc_cm_nibble_counts(ones) +
                              (bnnc_cm_nibble_counts(twos) << 1));
}

/* Per-byte bit counts of the n < 3 words d[0..n) (each byte 0..16). */
static inline uint32_t bnnc_cm_byte_counts_tail(uint32_t d0, uint32_t d1,
                                                int32_t n) {
  uint32_t s = bnnc_cm_nibble_counts(d0);
  if (n == 0)
    return 0u;
  if (n == 2)
    s += bnnc_cm_nibble_counts(d1); /* at most 4 + 4 per nibble */
  return bnnc_cm_nibble_pairs(s);
}

/* popcount(x XOR w) over n <= BNNC_CM_SHORT_DOT_WORDS words: byte counts of
 * three words at a time summed into one word, one byte sum at the end. No
 * carry-save state to reduce afterwards, so unlike Harley-Seal no fixed tail
 * (a 9-word dot is 3 groups of ~22 instructions plus one USADA8). Inlined
 * into the convolution. */
static inline int32_t bnnc_cm_xor_popcount_short(const uint32_t *x,
                                                 const uint32_t *w,
                                                 int32_t n) {
  const uint32_t *const x_end = x + n;
  uint32_t bytes = 0;
  for (; x_end - x >= 3; x += 3, w += 3)
    bytes += bnnc_cm_byte_counts3(x[0] ^ w[0], x[1] ^ w[1], x[2] ^ w[2]);
  if (x != x_end)
    bytes += bnnc_cm_byte_counts_tail(
        x[0] ^ w[0], x_end - x == 2 ? x[1] ^ w[1] : 0u, (int32_t)(x_end - x));
  return (int32_t)bnnc_cm_sum_bytes(bytes);
}

/* The short dots of one patch x with the two filters w and w + n at once,
 * n = 3 * groups + left words (left < 3): each patch word is loaded once
 * for both (register blocking over output channels); the second filter is
 * addressed by a register offset from the first, and the group loop counts
 * down, so the loop keeps only two pointers and a counter. */
static inline void bnnc_cm_xor_popcount_short2(const uint32_t *x,
                                               const uint32_t *w, int32_t n,
                                               int32_t groups, int32_t left,
                                               int32_t *ones) {
  uint32_t bytes0 = 0, bytes1 = 0;
  for (; groups > 0; --groups, x += 3, w += 3) {
    const uint32_t x0 = x[0], x1 = x[1], x2 = x[2];
    bytes0 += bnnc_cm_byte_counts3(x0 ^ w[0], x1 ^ w[1], x2 ^ w[2]);
    bytes1 += bnnc_cm_byte_counts3(x0 ^ w[n], x1 ^ w[n + 1], x2 ^ w[n + 2]);
  }
  if (left) {
    const uint32_t x1 = left == 2 ? x[1] : 0u;
    bytes0 += bnnc_cm_byte_counts_tail(x[0] ^ w[0],
                                       left == 2 ? x1 ^ w[1] : 0u, left);
    bytes1 += bnnc_cm_byte_counts_tail(x[0] ^ w[n],
                                       left == 2 ? x1 ^ w[n + 1] : 0u, left);
  }
  ones[0] = (int32_t)bnnc_cm_sum_bytes(bytes0);
  ones[1] = (int32_t)bnnc_cm_sum_bytes(bytes1);
}

/* ones[j] = popcount(x XOR w_j) for the count filters w_j = w + j * n (n
 * words each): short dots two filters at a time, Harley-Seal for long
 * ones. Out of line, like bnnc_cm_xor_popcount: the loops get all
 * registers. */
BNNC_CM_OUT_OF_LINE void bnnc_cm_xor_popcounts(const uint32_t *x,
                                               const uint32_t *w, int32_t n,
                                               int32_t count, int32_t *ones) {
  int32_t j = 0;
  if (n > BNNC_CM_SHORT_DOT_WORDS) {
    for (; j < count; ++j, w += n)
      ones[j] = bnnc_cm_xor_popcount(x, w, n);
    return;
  }
  for (; count - j >= 2; j += 2, w += 2 * n)
    bnnc_cm_xor_popcount_short2(x, w, n, n / 3, n % 3, ones + j);
  if (j < count)
    ones[j] = bnnc_cm_xor_popcount_short(x, w, n);
}

/* ---- Convolution and dense --------------------------------------------- */

/* The popcount of filter o's words at the padded taps (their patch words are
 * zero, so x XOR w counted exactly these bits): from the compiler's table
 * tap_ones[o * taps + tap], or counted from the filter wo when it is NULL. */
static inline int32_t bnnc_cm_padded_ones(const int16_t *tap_ones, int32_t o,
                                          int32_t taps, const uint16_t *padded,
                                          int32_t invalid, const uint32_t *wo,
                                          int32_t wg) {
  int32_t ones = 0;
  for (int32_t t = 0; t < invalid; ++t)
    ones += tap_ones ? tap_ones[(size_t)o * (size_t)taps + padded[t]]
                     : bnnc_cm_popcount_words(wo + padded[t] * wg, wg);
  return ones;
}


/* One packed output word of a threshold epilogue: bit j = (dot_j <
 * threshold[j]) XOR flip[j] with dot_j = k_valid - 2 * ones[j], for count <=
 * 32 channels. Built from the last channel down so that each bit enters by
 * one shift-and-OR. */
static inline uint32_t bnnc_cm_threshold_word(const int32_t *ones,
                                              int32_t count, int32_t k_valid,
                                              const int32_t *threshold,
                                              const uint8_t *flip) {
  uint32_t word = 0;
  if (flip)
    for (int32_t j = count - 1; j >= 0; --j)
      word = (word << 1) | ((k_valid - 2 * ones[j] < threshold[j] ? 1u : 0u) ^
                            (flip[j] & 1u));
  else
    for (int32_t j = count - 1; j >= 0; --j)
      word = (word << 1) | (k_valid - 2 * ones[j] < threshold[j] ? 1u : 0u);
  return word;
}

/* The float epilogue of one output pixel's channels o0.. o0 + count - 1
 * (channel j's output at y[j * plane]), bit for bit bnnc_bfloat_apply: the
 * tests of scale, bias and activation are hoisted out of the channel loop
 * for the usual epilogues (scale and bias with no activation or ReLU). */
static inline void bnnc_cm_bfloat_chunk(const bnnc_bfloat_epilogue *e,
                                        int32_t o0, int32_t count,
                                        int32_t k_valid, const int32_t *ones,
                                        float *y, size_t plane) {
  if (e->scale && e->bias &&
      (e->activation == BNNC_BACT_NONE || e->activation == BNNC_BACT_RELU)) {
    const float *sc = e->scale + o0, *bi = e->bias + o0;
    if (e->activation == BNNC_BACT_RELU)
      for (int32_t j = 0; j < count; ++j, y += plane) {
        const float v = (float)(k_valid - 2 * ones[j]) * sc[j] + bi[j];
        *y = v < 0.0f ? 0.0f : v;
      }
    else
      for (int32_t j = 0; j < count; ++j, y += plane)
        *y = (float)(k_valid - 2 * ones[j]) * sc[j] + bi[j];
    return;
  }
  for (int32_t j = 0; j < count; ++j, y += plane)
    *y = bnnc_bfloat_apply(e, o0 + j, k_valid - 2 * ones[j]);
}

/* The int8 / uint8 epilogue of one output pixel's channels o0.. o0 +
 * count - 1 (bnnc_bq8_apply; channel j's output at y[j * plane]). */
static inline void bnnc_cm_bq8_chunk(const bnnc_bq8_epilogue *e, int32_t o0,
                                     int32_t count, int32_t k_valid,
                                     const int32_t *ones, void *y, int y_signed,
                                     size_t plane) {
  if (y_signed)
    for (int32_t j = 0; j < count; ++j)
      ((int8_t *)y)[(size_t)j * plane] =
          (int8_t)bnnc_bq8_apply(e, o0 + j, k_valid - 2 * ones[j]);
  else
    for (int32_t j = 0; j < count; ++j)
      ((uint8_t *)y)[(size_t)j * plane] =
          (uint8_t)bnnc_bq8_apply(e, o0 + j, k_valid - 2 * ones[j]);
}

/* ones[j] -= the padded taps' weight popcount of channel o0 + j, j <
 * count (wo: channel o0's filter, kwords words per filter). */
static inline void bnnc_cm_subtract_padded(int32_t *ones, int32_t count,
                                           const int16_t *tap_ones, int32_t o0,
                                           int32_t taps, const uint16_t *padded,
                                           int32_t invalid, const uint32_t *wo,
                                           int32_t kwords, int32_t wg) {
  for (int32_t j = 0; j < count; ++j)
    ones[j] -= bnnc_cm_padded_ones(tap_ones, o0 + j, taps, padded, invalid,
                                   wo + j * kwords, wg);
}

/* The per-core steps of the binary convolution below, for one output
 * position and one chunk of up to 32 output channels: the dot products
 * (ones[j] = popcount(x XOR (w + j * n)), j < count, as
 * bnnc_cm_xor_popcounts), the padded-tap corrections (as
 * bnnc_cm_subtract_padded) and the packed threshold word (as
 * bnnc_cm_threshold_word). Other cores' kernels (kernels_helium.h) pass
 * their own and reuse the patch gathering and the float epilogue. */
typedef struct {
  void (*popcounts)(const uint32_t *x, const uint32_t *w, int32_t n,
                    int32_t count, int32_t *ones);
  void (*subtract_padded)(int32_t *ones, int32_t count,
                          const int16_t *tap_ones, int32_t o0, int32_t taps,
                          const uint16_t *padded, int32_t invalid,
                          const uint32_t *wo, int32_t kwords, int32_t wg);
  uint32_t (*threshold_word)(const int32_t *ones, int32_t count,
                             int32_t k_valid, const int32_t *threshold,
                             const uint8_t *flip);
} bnnc_cm_bconv2d_ops;

/* The portable steps. */
static const bnnc_cm_bconv2d_ops bnnc_cm_portable_ops = {
    bnnc_cm_xor_popcounts, bnnc_cm_subtract_padded, bnnc_cm_threshold_word};

/* One binary convolution (group 1, ONNX zero padding or LCE's one-padding,
 * pad_value 1; dense layers are 1x1 convolutions over a 1x1 image) with the
 * parameters of the generic kernel.
 * tap_ones[o * kh * kw + tap] = popcount of filter o's words at that tap, or
 * NULL. Exactly one of (fe, y_float), (be, y_bits) and (qe, y_q: int8
 * when q_signed, else uint8) is used. ops is a constant at every call, so
 * GCC calls its functions directly. */
static inline void bnnc_cm_bconv2d_impl(const bnnc_bconv2d_params *p,
                                        const uint32_t *x, const uint32_t *w,
                                        const int16_t *tap_ones,
                                        const bnnc_bfloat_epilogue *fe,
                                        float *y_float,
                                        const bnnc_bbits_epilogue *be,
                                        uint32_t *y_bits,
                                        const bnnc_bq8_epilogue *qe, void *y_q,
                                        int q_signed,
                                        const bnnc_cm_bconv2d_ops *ops) {
  uint32_t patch[BNNC_CM_PATCH_WORDS];
  uint16_t padded[BNNC_CM_PATCH_WORDS]; /* tap indices outside the image */
  int32_t ones[32]; /* the counts of up to 32 output channels (1 word) */
  /* Offsets in size_t (see runtime.h), cast in place rather than through
   * size_t locals: this function and the packing below then compile to the
   * same Cortex-M code as with the former implicit conversions. */
  const size_t plane = (size_t)p->oh * (size_t)p->ow;
  const int32_t wg = (p->c + 31) / 32;
  const int32_t taps = p->kh * p->kw;
  const int32_t kwords = taps * wg;
  const int32_t out_group = be ? be->out_group : 1;
  const int32_t out_mg = p->m / out_group;
  const int32_t out_wg = (out_mg + 31) / 32;
  const size_t out_pixel = (size_t)out_group * (size_t)out_wg;
  /* The taps of an output position whose taps are all in bounds are one
   * contiguous run of the input when rows are contiguous or single. */
  const int contiguous =
      p->dilation_w == 1 &&
      (p->kh == 1 || (p->kw == p->w && p->dilation_h == 1));
  /* One-padding: the padded taps' zero words are +1 inputs (bit 0), so
   * popcount(x XOR w) over every tap is already the count of the +1-padded
   * input and K covers every tap; no padded-tap correction. */
  const int one_pad = p->pad_value == 1;
  for (int32_t n = 0; n < p->n; ++n) {
    const uint32_t *xn =
        x + (size_t)n * (size_t)p->h * (size_t)p->w * (size_t)wg;
    for (int32_t oy = 0; oy < p->oh; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      bnnc_bvalid_taps(oy, p->stride_h, p->pad_top, p->dilation_h, p->kh,
                       p->h, &ky0, &ky1);
      for (int32_t ox = 0; ox < p->ow; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        const size_t pos =
            ((size_t)n * (size_t)p->oh + (size_t)oy) * (size_t)p->ow +
            (size_t)ox;
        const uint32_t *xs;
        int32_t kx0, kx1, valid, k_valid, invalid = 0;
        bnnc_bvalid_taps(ox, p->stride_w, p->pad_left, p->dilation_w, p->kw,
                         p->w, &kx0, &kx1);
        valid = (ky1 - ky0) * (kx1 - kx0);
        k_valid = (one_pad ? taps : valid) * p->c;
        if (valid == taps && contiguous) {
          xs = xn + ((size_t)iy0 * (size_t)p->w + (size_t)ix0) * (size_t)wg;
        } else {
          for (int32_t ky = 0; ky < p->kh; ++ky) {
            const int32_t row = ky * p->kw;
            const int in_rows = ky >= ky0 && ky < ky1;
            const int32_t lo = in_rows ? kx0 : p->kw, hi = in_rows ? kx1 : 0;
            const uint32_t *xr; /* the input at tap (ky, lo) */
            /* Taps left and right of the image (the whole row above or
             * below it) are zero words and listed as padded. */
            for (int32_t kx = 0; kx < p->kw; ++kx)
              if (kx < lo || kx >= hi) {
                memset(patch + (row + kx) * wg, 0,
                       (size_t)wg * sizeof(uint32_t));
                padded[invalid++] = (uint16_t)(row + kx);
              }
            if (lo >= hi)
              continue;
            xr = xn + ((size_t)(iy0 + ky * p->dilation_h) * (size_t)p->w +
                       (size_t)(ix0 + lo * p->dilation_w)) *
                          (size_t)wg;
            if (p->dilation_w == 1) /* the row's in-bounds taps: one run */
              memcpy(patch + (row + lo) * wg, xr,
                     (size_t)((hi - lo) * wg) * sizeof(uint32_t));
            else
              for (int32_t kx = lo; kx < hi; ++kx)
                memcpy(patch + (row + kx) * wg,
                       xr + (size_t)((kx - lo) * p->dilation_w) * (size_t)wg,
                       (size_t)wg * sizeof(uint32_t));
          }
          xs = patch;
        }
        /* The output channels in chunks of one packed output word (at most
         * 32, never across an output group): the chunk's dots first, then
         * the padded-tap corrections, then the epilogue. */
        for (int32_t g = 0; g < out_group; ++g)
          for (int32_t base = 0; base < out_mg; base += 32) {
            const int32_t o0 = g * out_mg + base;
            const int32_t count = out_mg - base < 32 ? out_mg - base : 32;
            const uint32_t *wo = w + (size_t)o0 * (size_t)kwords;
            ops->popcounts(xs, wo, kwords, count, ones);
            if (invalid && !one_pad)
              ops->subtract_padded(ones, count, tap_ones, o0, taps, padded,
                                   invalid, wo, kwords, wg);
            if (y_bits) {
              y_bits[pos * out_pixel + (size_t)(g * out_wg + base / 32)] =
                  ops->threshold_word(ones, count, k_valid,
                                      be->threshold + o0,
                                      be->flip ? be->flip + o0 : NULL);
            } else {
              const size_t at =
                  ((size_t)n * (size_t)p->m + (size_t)o0) * plane +
                  (size_t)oy * (size_t)p->ow + (size_t)ox;
              if (y_q)
                bnnc_cm_bq8_chunk(qe, o0, count, k_valid, ones,
                                  q_signed ? (void *)((int8_t *)y_q + at)
                                           : (void *)((uint8_t *)y_q + at),
                                  q_signed, plane);
              else
                bnnc_cm_bfloat_chunk(fe, o0, count, k_valid, ones,
                                     y_float + at, plane);
            }
          }
      }
    }
  }
}

/* Float epilogue, NCHW output (as bnnc_bconv2d32_float). */
static inline void bnnc_cm_bconv2d_float(const bnnc_bconv2d_params *p,
                                         const uint32_t *x, const uint32_t *w,
                                         const int16_t *tap_ones,
                                         const bnnc_bfloat_epilogue *e,
                                         float *y) {
  bnnc_cm_bconv2d_impl(p, x, w, tap_ones, e, y, NULL, NULL, NULL, NULL, 0,
                       &bnnc_cm_portable_ops);
}

/* int8 (y_signed) or uint8 epilogue, NCHW output (as bnnc_bconv2d32_q8). */
static inline void bnnc_cm_bconv2d_q8(const bnnc_bconv2d_params *p,
                                      const uint32_t *x, const uint32_t *w,
                                      const int16_t *tap_ones,
                                      const bnnc_bq8_epilogue *e, int y_signed,
                                      void *y) {
  bnnc_cm_bconv2d_impl(p, x, w, tap_ones, NULL, NULL, NULL, NULL, e, y,
                       y_signed, &bnnc_cm_portable_ops);
}

/* Threshold epilogue, packed output (as bnnc_bconv2d32_bits). */
static inline void bnnc_cm_bconv2d_bits(const bnnc_bconv2d_params *p,
                                        const uint32_t *x, const uint32_t *w,
                                        const int16_t *tap_ones,
                                        const bnnc_bbits_epilogue *e,
                                        uint32_t *y) {
  bnnc_cm_bconv2d_impl(p, x, w, tap_ones, NULL, NULL, e, y, NULL, NULL, 0,
                       &bnnc_cm_portable_ops);
}

/* ---- Real convolution ---------------------------------------------------- */

/* bnnc_conv2d_f32 with the in-bounds tap range of each output row and column
 * computed once (bnnc_bvalid_taps) instead of a bounds test per tap and per
 * input channel. The products are summed in exactly the generic order (input
 * channel, kernel row, kernel column; padded taps skipped), so the results
 * are bit-identical under the same floating-point flags. */
static inline void bnnc_cm_conv2d_f32(const bnnc_conv2d_params *p,
                                      const float *x, const float *w,
                                      const float *bias, float *y) {
  const int32_t cg = p->c / p->group, mg = p->m / p->group;
  /* Sizes as size_t for the offsets (see runtime.h). The loop counters stay
   * int32_t: with size_t counters arm-none-eabi-gcc 12 spills in the channel
   * loop, ~20% more Cortex-M4 instructions (bench/cortex-m.sh, float 3x3
   * 64->64 layer). */
  const size_t c = (size_t)p->c, m = (size_t)p->m, ncg = (size_t)cg;
  const size_t in_w = (size_t)p->w, in_plane = (size_t)p->h * in_w;
  const size_t out_w = (size_t)p->ow, out_plane = (size_t)p->oh * out_w;
  const size_t kw = (size_t)p->kw, ksize = (size_t)p->kh * kw;
  const size_t dw = (size_t)p->dilation_w;
  for (int32_t n = 0; n < p->n; ++n)
    for (int32_t o = 0; o < p->m; ++o) {
      const float *wo = w + (size_t)o * ncg * ksize;
      const float *xg =
          x + ((size_t)n * c + (size_t)(o / mg) * ncg) * in_plane;
      float *yo = y + ((size_t)n * m + (size_t)o) * out_plane;
      for (int32_t oy = 0; oy < p->oh; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        int32_t ky0, ky1;
        bnnc_bvalid_taps(oy, p->stride_h, p->pad_top, p->dilation_h, p->kh,
                         p->h, &ky0, &ky1);
        for (int32_t ox = 0; ox < p->ow; ++ox) {
          const int32_t ix0 = ox * p->stride_w - p->pad_left;
          int32_t kx0, kx1;
          float acc = 0.0f;
          bnnc_bvalid_taps(ox, p->stride_w, p->pad_left, p->dilation_w,
                           p->kw, p->w, &kx0, &kx1);
          for (int32_t ci = 0; ci < cg; ++ci) {
            const float *xc = xg + (size_t)ci * in_plane;
            const float *wc = wo + (size_t)ci * ksize;
            for (int32_t ky = ky0; ky < ky1; ++ky) {
              const float *xr = xc + (size_t)(iy0 + ky * p->dilation_h) * in_w +
                                ix0 + kx0 * p->dilation_w;
              const float *wr = wc + (size_t)ky * kw + kx0;
              if (kx1 - kx0 == 3) { /* a whole 3-wide row, spelled out */
                acc += xr[0] * wr[0];
                acc += xr[dw] * wr[1];
                acc += xr[2 * dw] * wr[2];
              } else
                for (int32_t k = 0; k < kx1 - kx0; ++k)
                  acc += xr[(size_t)k * dw] * wr[k];
            }
          }
          if (bias)
            acc += bias[o];
          yo[(size_t)oy * out_w + (size_t)ox] = bnnc_activate_f32(acc, p->relu);
        }
      }
    }
}

/* ---- Packing real activations ------------------------------------------ */

/* b(v) as a bit without a float compare: v < 0 exactly when the sign bit is
 * set and the magnitude is neither zero (-0.0 gives +1, as v < 0 is false)
 * nor NaN, i.e. the bit pattern lies in (0x80000000, 0xff800000]. The same
 * bit as the generic (v < 0.0f), also on cores without an FPU. */
static inline uint32_t bnnc_cm_sign_bit(const float *v) {
  uint32_t u;
  memcpy(&u, v, sizeof u);
  return (uint32_t)(u - 0x80000001u) < 0x7f800000u ? 1u : 0u;
}

/* The packed word of `bits` (1..32) channels of one pixel, channel j at
 * xc + j * plane: bit j = b(channel j), tail bits 0. Channels go from the
 * last to the first, each shifting its bit in from the bottom. On Thumb-2
 * cores the bit costs 3 instructions: u + 0x7fffffff >= 0x7f800000 is the
 * complement of bnnc_cm_sign_bit, which CMP leaves in the carry flag and
 * ADC w, w, w shifts in (the word is complemented at the end). */
static inline uint32_t bnnc_cm_pack_word(const float *xc, size_t plane,
                                         int32_t bits) {
  const float *xp = xc + (size_t)(bits - 1) * plane;
  const uint32_t mask = bits == 32 ? 0xffffffffu : (1u << bits) - 1u;
  uint32_t w = 0;
  for (int32_t j = bits; j > 0; --j, xp -= plane) {
#if defined(__GNUC__) && defined(__thumb2__)
    uint32_t u;
    memcpy(&u, xp, sizeof u);
    __asm__("cmp %1, #0x7f800000\n\tadc %0, %0, %0"
            : "+r"(w)
            : "r"(u + 0x7fffffffu)
            : "cc");
#else
    w = (w << 1) | (bnnc_cm_sign_bit(xp) ^ 1u);
#endif
  }
  return ~w & mask;
}

/* NCHW float -> packed channels-last by b(x), as
 * bnnc_pack_f32_nchw_to_nhwc32 (pack groups included). */
static inline void bnnc_cm_pack_f32_nchw_to_nhwc(const bnnc_bpack_params *p,
                                                 const float *x,
                                                 uint32_t *y) {
  const int32_t cg = p->c / p->group;
  const int32_t wg = (cg + 31) / 32;
  const size_t plane = (size_t)p->h * (size_t)p->w;
  for (int32_t n = 0; n < p->n; ++n)
    for (size_t pix = 0; pix < plane; ++pix) {
      uint32_t *out =
          y + (((size_t)n * plane + pix) * (size_t)p->group) * (size_t)wg;
      for (int32_t g = 0; g < p->group; ++g) {
        const float *xc =
            x + ((size_t)n * (size_t)p->c + (size_t)g * (size_t)cg) * plane +
            pix;
        for (int32_t base = 0; base < cg; base += 32, xc += 32 * plane)
          *out++ = bnnc_cm_pack_word(xc, plane, cg - base < 32 ? cg - base : 32);
      }
    }
}

#endif /* BNNC_KERNELS_CORTEXM_H */
