/*
 * layers.c - one NEON kernel of bnnc's aarch64 runtime on one benchmark
 * shape, called a given number of times, for instruction counting under
 * qemu-aarch64 with the insncount plugin (bench/aarch64.sh).
 *
 *   layers <layer> <calls>
 *
 * Data and weights are fixed pseudo-random values prepared with the same
 * layout functions the compiler uses (bnnc/layouts.h), so running with 0
 * and with N calls differ by exactly N kernel calls.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bnnc/kernels_neon.h"
#include "bnnc/layouts.h"

static uint64_t state = 0x2545f4914f6cdd1dull;
static uint32_t next_u32(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return (uint32_t)(state >> 16);
}
static float next_float(void) {
  return (float)(next_u32() % 2001) / 1000.0f - 1.0f;
}

typedef struct {
  const char *name;
  int32_t c, m, hw, k, pad; /* square maps and kernels */
} shape;

static const shape shapes[] = {
    {"conv56", 64, 64, 56, 3, 1},    /* daBNN's / LCE's standard layer */
    {"conv14", 256, 256, 14, 3, 1},  /* a late ResNet stage */
    {"dense", 1024, 1024, 1, 1, 0},  /* binary dense 1024 -> 1024, batch 1 */
};

static bnnc_bconv2d_params bparams(const shape *s) {
  bnnc_bconv2d_params p;
  memset(&p, 0, sizeof p);
  p.n = 1;
  p.c = s->c;
  p.h = p.w = s->hw;
  p.m = s->m;
  p.kh = p.kw = s->k;
  p.oh = p.ow = s->hw + 2 * s->pad - s->k + 1;
  p.stride_h = p.stride_w = 1;
  p.pad_top = p.pad_left = s->pad;
  p.dilation_h = p.dilation_w = 1;
  p.group = 1;
  return p;
}

static void *fill_bits(size_t words, int32_t channels) {
  uint32_t *v = malloc(words * 4);
  const int32_t per = bnnc_bwords32(channels, 1);
  for (size_t i = 0; i < words; ++i)
    v[i] = next_u32() & bnnc_bmask32(channels, (int32_t)(i % (size_t)per));
  return v;
}

static float *fill_floats(size_t count) {
  float *v = malloc(count * sizeof *v);
  for (size_t i = 0; i < count; ++i)
    v[i] = next_float();
  return v;
}

/* The measured calls, out of line so that nothing is hoisted across them. */
__attribute__((noinline)) void bench_bconv(const bnnc_bconv2d_params *p,
                                           const uint32_t *x, const uint32_t *w8,
                                           const bnnc_neon_bepilogue *e,
                                           uint32_t *y) {
  bnnc_neon_bconv2d_bits(p, x, w8, e, y);
}
__attribute__((noinline)) void bench_pack(const bnnc_bpack_params *p,
                                          const float *x, uint32_t *y) {
  bnnc_neon_pack_f32(p, x, NULL, y);
}
__attribute__((noinline)) void bench_fconv(const bnnc_conv2d_params *p,
                                           const float *x, const float *w4,
                                           const float *bias, float *y) {
  bnnc_neon_conv2d_f32(p, x, w4, bias, y);
}
__attribute__((noinline)) void bench_fdense(int32_t n, int32_t k, const float *x,
                                            const float *w4, const float *bias,
                                            float *y) {
  bnnc_neon_dense_f32(1, n, k, x, w4, bias, 0, y);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: layers {b,f,p}{conv56,conv14,dense} calls\n");
    return 2;
  }
  const char kind = argv[1][0];
  const int calls = atoi(argv[2]);
  const shape *s = NULL;
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; ++i)
    if (strcmp(argv[1] + 1, shapes[i].name) == 0)
      s = &shapes[i];
  if (!s || (kind != 'b' && kind != 'f' && kind != 'p')) {
    fprintf(stderr, "layers: unknown layer %s\n", argv[1]);
    return 2;
  }
  const bnnc_bconv2d_params p = bparams(s);
  const int32_t taps = s->k * s->k, wg = bnnc_bwords32(s->c, 1);
  const size_t pixels = (size_t)p.h * p.w, out_pixels = (size_t)p.oh * p.ow;
  uint32_t check = 0;
  if (kind == 'b') {
    uint32_t *x = fill_bits(pixels * (size_t)wg, s->c);
    uint32_t *w = fill_bits((size_t)s->m * taps * wg, s->c);
    uint32_t *w8 = malloc(bnnc_layout_o8_words(s->m, taps, wg) * 4);
    bnnc_layout_o8(s->m, taps, wg, w, w8);
    int32_t *threshold = malloc((size_t)(s->m + 7) * sizeof *threshold);
    uint8_t *flip = calloc((size_t)(s->m + 7) / 8, 1);
    for (int32_t o = 0; o < s->m; ++o)
      threshold[o] = (int32_t)(next_u32() % 9) - 4;
    uint16_t *pop_threshold = malloc((size_t)(s->m + 7) * sizeof *pop_threshold);
    bnnc_layout_pop_thresholds(s->m, taps * s->c, threshold, pop_threshold);
    bnnc_neon_bepilogue e;
    memset(&e, 0, sizeof e);
    e.threshold = threshold;
    e.pop_threshold = pop_threshold;
    e.flip_bits = flip;
    const size_t out_words = out_pixels * (size_t)bnnc_bwords32(s->m, 1);
    uint32_t *y = calloc(out_words, 4);
    for (int i = 0; i < calls; ++i)
      bench_bconv(&p, x, w8, &e, y);
    for (size_t i = 0; i < out_words; ++i)
      check += y[i];
  } else if (kind == 'p') {
    const bnnc_bpack_params pp = {1, s->c, s->hw, s->hw, 1};
    float *x = fill_floats(pixels * (size_t)s->c);
    uint32_t *y = calloc(pixels * (size_t)wg, 4);
    for (int i = 0; i < calls; ++i)
      bench_pack(&pp, x, y);
    for (size_t i = 0; i < pixels * (size_t)wg; ++i)
      check += y[i];
  } else if (s->hw == 1) {
    float *x = fill_floats((size_t)s->c);
    float *w = fill_floats((size_t)s->m * s->c);
    float *w4 = malloc(bnnc_layout_n16_floats(s->m, s->c) * sizeof *w4);
    bnnc_layout_n16(s->m, s->c, 1, w, w4);
    float *y = calloc((size_t)s->m, sizeof *y);
    for (int i = 0; i < calls; ++i)
      bench_fdense(s->m, s->c, x, w4, NULL, y);
    for (int32_t i = 0; i < s->m; ++i)
      check += (uint32_t)(int32_t)y[i];
  } else {
    bnnc_conv2d_params fp;
    memset(&fp, 0, sizeof fp);
    fp.n = 1;
    fp.c = s->c;
    fp.h = fp.w = s->hw;
    fp.m = s->m;
    fp.kh = fp.kw = s->k;
    fp.oh = p.oh;
    fp.ow = p.ow;
    fp.stride_h = fp.stride_w = 1;
    fp.pad_top = fp.pad_left = s->pad;
    fp.dilation_h = fp.dilation_w = 1;
    fp.group = 1;
    float *x = fill_floats(pixels * (size_t)s->c);
    float *w = fill_floats((size_t)s->m * s->c * taps);
    float *w4 = malloc(bnnc_layout_o16_floats(s->m, s->c, taps, 1) * sizeof *w4);
    bnnc_layout_o16(s->m, s->c, taps, 1, w, w4);
    float *y = calloc(out_pixels * (size_t)s->m, sizeof *y);
    for (int i = 0; i < calls; ++i)
      bench_fconv(&fp, x, w4, NULL, y);
    for (size_t i = 0; i < out_pixels * (size_t)s->m; ++i)
      check += (uint32_t)(int32_t)(y[i] * 16.0f);
  }
  printf("%s calls=%d check=%08x\n", argv[1], calls, check);
  return 0;
}
