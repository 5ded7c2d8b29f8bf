/*
 * binary_kernels.c - one binary layer of bench/cortex-m55.sh: the
 * convolution, dense layer or packing the generated C of --target=cortex-m55
 * calls (bnnc_mve_*, kernels_helium.h). Built for Cortex-M55 they are the
 * Helium kernels; built for Cortex-M4 (or for M55 without MVE) the same
 * calls are the portable Cortex-M kernels of kernels_cortexm.h, so the
 * shapes and data are identical on every core.
 *
 *   binary_kernels.elf SHAPE 0|1
 *
 * SHAPE indexes shapes[] below; the second argument is the number of calls.
 * The instructions of one call are the QEMU plugin's count of the run with
 * 1 minus that with 0 (data set-up is identical and nothing is printed).
 */
#include <stdlib.h>
#include <string.h>

#include "bnnc/kernels_helium.h"

typedef struct {
  int32_t pack; /* 1: float -> bits packing of c channels, h x w */
  int32_t c, h, w, m, k, pad;
} bench_shape;

static const bench_shape shapes[] = {
    {0, 32, 16, 16, 32, 3, 1},   /* 0: 3x3 32->32 @16x16, 9-word dots */
    {0, 64, 8, 8, 64, 3, 1},     /* 1: 3x3 64->64 @8x8, 18 words */
    {0, 128, 8, 8, 128, 3, 1},   /* 2: 3x3 128->128 @8x8, 36 words */
    {0, 256, 4, 4, 256, 3, 1},   /* 3: 3x3 256->256 @4x4, 72 words */
    {0, 1024, 1, 1, 256, 1, 0},  /* 4: dense 1024->256, 32 words */
    {0, 1024, 1, 1, 1024, 1, 0}, /* 5: dense 1024->1024 */
    {1, 64, 8, 8, 0, 0, 0},      /* 6: pack 64 channels @8x8 */
    {1, 32, 16, 16, 0, 0, 0},    /* 7: pack 32 channels @16x16 */
};

#define MAX_X 8192  /* words (or floats) of input */
#define MAX_W 32768 /* words of weights */
#define MAX_M 1024

static uint32_t x[MAX_X], w[MAX_W], y[MAX_X];
static float xf[MAX_X];
static int32_t threshold[MAX_M];
static int16_t tap_ones[MAX_M * 9];

int main(int argc, char **argv) {
  const int s = argc > 1 ? atoi(argv[1]) : 0;
  const int runs = argc > 2 ? atoi(argv[2]) : 0;
  const bench_shape *b;
  uint32_t r = 12345u;
  if (s < 0 || s >= (int)(sizeof shapes / sizeof shapes[0]))
    return 2;
  b = &shapes[s];
  for (int i = 0; i < MAX_W; ++i) {
    r = r * 1664525u + 1013904223u;
    w[i] = r;
    if (i < MAX_X) {
      x[i] = r ^ (r >> 13);
      xf[i] = (float)(int32_t)(r >> 8) - 8388608.0f;
    }
  }
  for (int i = 0; i < MAX_M; ++i)
    threshold[i] = (int32_t)(i % 7) - 3;
  if (b->pack) {
    const bnnc_bpack_params p = {1, b->c, b->h, b->w, 1};
    for (int i = 0; i < runs; ++i)
      bnnc_mve_pack_f32(&p, xf, y);
  } else {
    bnnc_bconv2d_params p;
    const bnnc_bbits_epilogue e = {threshold, NULL, 1};
    memset(&p, 0, sizeof p);
    p.n = 1, p.c = b->c, p.h = b->h, p.w = b->w, p.m = b->m;
    p.kh = p.kw = b->k;
    p.oh = b->h + 2 * b->pad - b->k + 1;
    p.ow = b->w + 2 * b->pad - b->k + 1;
    p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
    p.pad_top = p.pad_left = b->pad;
    p.group = 1;
    const int32_t wg = (b->c + 31) / 32;
    /* The popcount of each (channel, tap)'s weights, as the compiler
     * emits it for padded convolutions. */
    for (int i = 0; i < b->m * b->k * b->k; ++i)
      tap_ones[i] = (int16_t)bnnc_cm_popcount_words(w + i * wg, wg);
    for (int i = 0; i < runs; ++i)
      bnnc_mve_bconv2d_bits(&p, x, w, b->pad ? tap_ones : NULL, &e, y);
  }
  return 0;
}
