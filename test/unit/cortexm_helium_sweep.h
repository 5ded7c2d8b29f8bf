/*
 * cortexm_helium_sweep.h - randomized sweep of the Cortex-M55 Helium binary
 * kernels (bnnc/kernels_helium.h) against the generic ones
 * (kernels_binary.h), bit for bit: the dot products against a bit loop
 * (every length 0..44 words, 1..9 filters, unaligned vectors, counters at
 * their maximum), the convolution over random shapes (patch lengths 1..~40
 * words, odd channel counts, padding, strides, dilations, output groups,
 * both epilogues, with and without the tap popcount table; dense layers up
 * to 44 words), and the packing (odd pixel counts, pack groups, -0, NaN,
 * infinities and denormals). C99 and C++ both: the bare-metal firmware
 * under QEMU mps3-an547 (test/cortexm/helium-kernels.test) and, through the
 * portable fallbacks, the host. Static buffers, no heap.
 */
#ifndef BNNC_TEST_CORTEXM_HELIUM_SWEEP_H
#define BNNC_TEST_CORTEXM_HELIUM_SWEEP_H

#include <stdio.h>
#include <string.h>

#include "bnnc/kernels_helium.h"

#if BNNC_MVE
#define HSWEEP_POPCOUNTS bnnc_mve_xor_popcounts
#else
#define HSWEEP_POPCOUNTS bnnc_cm_xor_popcounts
#endif

#define HSWEEP_WORDS 8192

static uint64_t hsweep_state;
static uint32_t hsweep_next(void) {
  uint64_t z = (hsweep_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (uint32_t)((z ^ (z >> 31)) >> 32);
}
static int32_t hsweep_range(int32_t lo, int32_t hi) {
  return lo + (int32_t)(hsweep_next() % (uint32_t)(hi - lo + 1));
}

static uint32_t hsweep_x[HSWEEP_WORDS], hsweep_w[HSWEEP_WORDS],
    hsweep_ref[HSWEEP_WORDS], hsweep_got[HSWEEP_WORDS];
static float hsweep_f[HSWEEP_WORDS], hsweep_scale[256], hsweep_bias[256];
static int32_t hsweep_threshold[256];
static uint8_t hsweep_flip[256];
static int16_t hsweep_tap_ones[HSWEEP_WORDS];

static int32_t hsweep_bit_count(uint32_t v) {
  int32_t n = 0;
  for (; v; v >>= 1)
    n += (int32_t)(v & 1u);
  return n;
}

/* The dot products of every length 0..44 words with 1..9 filters, the
 * vectors at every word offset mod 4 (VLDRW needs only word alignment);
 * pattern 0 random, 1 all bits differing (every byte count 8), 2 none. */
static int hsweep_dots(char *msg, size_t msg_size) {
  int32_t ones[9];
  for (int32_t n = 0; n <= 44; ++n)
    for (int32_t count = 1; count <= 9; ++count)
      for (int32_t pattern = 0; pattern < 3; ++pattern) {
        const uint32_t *x = hsweep_x + (n + count) % 4;
        const uint32_t *w = hsweep_w + (n + pattern) % 4;
        for (int32_t i = 0; i < 4 + n; ++i)
          hsweep_x[i] = pattern == 0 ? hsweep_next() : 0xffffffffu;
        for (int32_t i = 0; i < 4 + n * count; ++i)
          hsweep_w[i] = pattern == 0   ? hsweep_next()
                        : pattern == 1 ? 0u
                                       : 0xffffffffu;
        for (int32_t j = 0; j < count; ++j)
          ones[j] = -1;
        HSWEEP_POPCOUNTS(x, w, n, count, ones);
        for (int32_t j = 0; j < count; ++j) {
          int32_t expected = 0;
          for (int32_t i = 0; i < n; ++i)
            expected += hsweep_bit_count(x[i] ^ w[j * n + i]);
          if (ones[j] != expected) {
            snprintf(msg, msg_size,
                     "dots: n=%d count=%d pattern=%d filter %d: %d vs %d",
                     (int)n, (int)count, (int)pattern, (int)j, (int)ones[j],
                     (int)expected);
            return 1;
          }
        }
      }
  return 0;
}

/* One random binary convolution (dense = a 1x1 kernel over a 1x1 image)
 * through both epilogues, with and without the tap table. Shapes that do
 * not fit the buffers or give no output are redrawn. */
static int hsweep_conv(int dense, char *msg, size_t msg_size) {
  bnnc_bconv2d_params p;
  int32_t wg, taps, out_group;
  size_t xs, ws, positions;
  for (;;) {
    memset(&p, 0, sizeof p);
    p.n = hsweep_range(1, 2);
    p.m = hsweep_range(1, 70);
    p.group = 1;
    p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
    if (dense) {
      p.c = hsweep_range(1, 44 * 32);
      p.h = p.w = p.kh = p.kw = 1;
    } else {
      p.kh = hsweep_range(1, 3);
      p.kw = hsweep_range(1, 3);
      /* patches of 1..~40 words */
      p.c = hsweep_range(1, 40 * 32 / (p.kh * p.kw));
      p.h = hsweep_range(1, 7);
      p.w = hsweep_range(1, 7);
      p.stride_h = hsweep_range(1, 3);
      p.stride_w = hsweep_range(1, 2);
      p.dilation_h = hsweep_range(1, 2);
      p.dilation_w = hsweep_range(1, 2);
      p.pad_top = hsweep_range(0, p.kh - 1);
      p.pad_left = hsweep_range(0, p.kw - 1);
    }
    p.oh =
        (p.h + 2 * p.pad_top - p.dilation_h * (p.kh - 1) - 1) / p.stride_h + 1;
    p.ow =
        (p.w + 2 * p.pad_left - p.dilation_w * (p.kw - 1) - 1) / p.stride_w + 1;
    wg = (p.c + 31) / 32;
    taps = p.kh * p.kw;
    xs = (size_t)p.n * (size_t)p.h * (size_t)p.w * (size_t)wg;
    ws = (size_t)p.m * (size_t)taps * (size_t)wg;
    positions = (size_t)p.n * (size_t)p.oh * (size_t)p.ow;
    if (p.oh >= 1 && p.ow >= 1 && xs <= HSWEEP_WORDS && ws <= HSWEEP_WORDS &&
        positions * (size_t)p.m <= HSWEEP_WORDS &&
        taps * wg <= BNNC_CM_PATCH_WORDS)
      break;
  }
  out_group = p.m % 2 == 0 && hsweep_range(0, 1) ? 2 : 1;
  for (size_t i = 0; i < xs; ++i)
    hsweep_x[i] = hsweep_next() & bnnc_bmask32(p.c, (int32_t)(i % (size_t)wg));
  for (size_t i = 0; i < ws; ++i)
    hsweep_w[i] = hsweep_next() & bnnc_bmask32(p.c, (int32_t)(i % (size_t)wg));
  for (size_t i = 0; i < (size_t)p.m * (size_t)taps; ++i)
    hsweep_tap_ones[i] =
        (int16_t)bnnc_cm_popcount_words(hsweep_w + i * (size_t)wg, wg);
  for (int32_t o = 0; o < p.m; ++o) {
    hsweep_scale[o] = (float)(hsweep_next() % 200) / 64.0f - 1.5f;
    hsweep_bias[o] = (float)(hsweep_next() % 200) / 16.0f - 6.0f;
    hsweep_threshold[o] = hsweep_range(-40, 40);
    hsweep_flip[o] = (uint8_t)(hsweep_next() & 1u);
  }
  {
    const bnnc_bfloat_epilogue fe = {hsweep_scale, hsweep_bias, BNNC_BACT_RELU,
                                     NULL,         0.0f,        0.0f};
    const int with_flip = hsweep_range(0, 1);
    const bnnc_bbits_epilogue be = {hsweep_threshold,
                                    with_flip ? hsweep_flip : NULL, out_group};
    const size_t fcount = positions * (size_t)p.m;
    const size_t bcount = positions * (size_t)bnnc_bwords32(p.m, out_group);
    for (int table = 0; table < 2; ++table) {
      const int16_t *tap_ones = table ? hsweep_tap_ones : NULL;
      float *ref_f = (float *)(void *)hsweep_ref;
      float *got_f = (float *)(void *)hsweep_got;
      memset(hsweep_ref, 0x11, fcount * sizeof(float));
      memset(hsweep_got, 0x22, fcount * sizeof(float));
      bnnc_bconv2d32_float(&p, hsweep_x, hsweep_w, &fe, ref_f);
      bnnc_mve_bconv2d_float(&p, hsweep_x, hsweep_w, tap_ones, &fe, got_f);
      if (memcmp(ref_f, got_f, fcount * sizeof(float)) == 0) {
        memset(hsweep_ref, 0x33, bcount * sizeof(uint32_t));
        memset(hsweep_got, 0x44, bcount * sizeof(uint32_t));
        bnnc_bconv2d32_bits(&p, hsweep_x, hsweep_w, &be, hsweep_ref);
        bnnc_mve_bconv2d_bits(&p, hsweep_x, hsweep_w, tap_ones, &be,
                              hsweep_got);
        if (memcmp(hsweep_ref, hsweep_got, bcount * sizeof(uint32_t)) == 0)
          continue;
      }
      snprintf(msg, msg_size,
               "%s: n=%d c=%d h=%d w=%d m=%d k=%dx%d stride=%d,%d pad=%d,%d "
               "dilation=%d,%d out_group=%d table=%d",
               dense ? "dense" : "conv", (int)p.n, (int)p.c, (int)p.h, (int)p.w,
               (int)p.m, (int)p.kh, (int)p.kw, (int)p.stride_h, (int)p.stride_w,
               (int)p.pad_top, (int)p.pad_left, (int)p.dilation_h,
               (int)p.dilation_w, (int)out_group, table);
      return 1;
    }
  }
  return 0;
}

/* A random float of the sign test's edge cases or a small value. */
static float hsweep_float(void) {
  static const uint32_t special[] = {
      0x00000000u, 0x80000000u, 0x00000001u, 0x80000001u, 0x7f800000u,
      0xff800000u, 0x7fc00000u, 0xffc00000u, 0x7f800001u, 0xff800001u,
      0x807fffffu, 0x3f800000u, 0xbf800000u};
  const uint32_t r = hsweep_next();
  uint32_t u = r % 4 == 0 ? special[(r >> 8) % 13u] : hsweep_next();
  float v;
  memcpy(&v, &u, sizeof v);
  return v;
}

/* One random packing: odd pixel counts (the predicated last 4 pixels),
 * channel tails, pack groups. */
static int hsweep_pack(char *msg, size_t msg_size) {
  bnnc_bpack_params p;
  size_t xs, ys;
  for (;;) {
    p.n = hsweep_range(1, 2);
    p.group = hsweep_range(1, 3);
    p.c = p.group * hsweep_range(1, 80);
    p.h = hsweep_range(1, 6);
    p.w = hsweep_range(1, 6);
    xs = (size_t)p.n * (size_t)p.c * (size_t)p.h * (size_t)p.w;
    ys = (size_t)p.n * (size_t)p.h * (size_t)p.w *
         (size_t)bnnc_bwords32(p.c, p.group);
    if (xs <= HSWEEP_WORDS && ys <= HSWEEP_WORDS)
      break;
  }
  for (size_t i = 0; i < xs; ++i)
    hsweep_f[i] = hsweep_float();
  memset(hsweep_ref, 0x55, ys * sizeof(uint32_t));
  memset(hsweep_got, 0x66, ys * sizeof(uint32_t));
  bnnc_pack_f32_nchw_to_nhwc32(&p, hsweep_f, hsweep_ref);
  bnnc_mve_pack_f32(&p, hsweep_f, hsweep_got);
  if (memcmp(hsweep_ref, hsweep_got, ys * sizeof(uint32_t)) == 0)
    return 0;
  snprintf(msg, msg_size, "pack: n=%d c=%d h=%d w=%d group=%d", (int)p.n,
           (int)p.c, (int)p.h, (int)p.w, (int)p.group);
  return 1;
}

/* The dot sweep once plus `cases` convolutions, dense layers and packings
 * each; returns the number of failures, the first one's message in msg. */
static int hsweep_all(uint64_t seed, int cases, char *msg, size_t msg_size) {
  char m[256];
  int failures = 0;
  hsweep_state = seed;
  msg[0] = '\0';
  if (hsweep_dots(m, sizeof m) && failures++ == 0)
    snprintf(msg, msg_size, "%s", m);
  for (int i = 0; i < cases; ++i) {
    if (hsweep_conv(0, m, sizeof m) && failures++ == 0)
      snprintf(msg, msg_size, "%s", m);
    if (hsweep_conv(1, m, sizeof m) && failures++ == 0)
      snprintf(msg, msg_size, "%s", m);
    if (hsweep_pack(m, sizeof m) && failures++ == 0)
      snprintf(msg, msg_size, "%s", m);
  }
  return failures;
}

#endif /* BNNC_TEST_CORTEXM_HELIUM_SWEEP_H */
