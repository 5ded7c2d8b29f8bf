/*
 * f32_layers.c - one real-valued layer of bnnc's aarch64 runtime, or its
 * onnx2c-style naive C, called a given number of times, for instruction
 * counting under qemu-aarch64 with the insncount plugin (bench/aarch64.sh):
 *
 *   f32_layers <layer> {neon,naive} <calls>
 *
 * "neon" is the kernel the aarch64 target selects for the layer's shape
 * (targets/aarch64/Aarch64Target.cpp), with weights in the layout the
 * compiler writes (bnnc/layouts.h); "naive" is what onnx2c emits for the
 * layer: every dimension a compile-time constant, one bounds test per tap,
 * fused ReLU. Data are fixed pseudo-random values, so the count of one call
 * is the count with 1 call minus the count with 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bnnc/kernels_neon.h"
#include "bnnc/layouts.h"

/* onnx2c-style convolution: constants, bounds test per tap. */
#define NAIVE_CONV(NAME, C, H, W, M, KH, KW, OH, OW, SH, SW, PT, PL, G)        \
  static void NAME(const float *xf, const float *wf, const float *bf,         \
                   float *yf) {                                                \
    const float(*x)[H][W] = (const float(*)[H][W])xf;                          \
    const float(*w)[C / G][KH][KW] = (const float(*)[C / G][KH][KW])wf;        \
    float(*y)[OH][OW] = (float(*)[OH][OW])yf;                                  \
    for (int m = 0; m < M; ++m)                                                \
      for (int o0 = 0; o0 < OH; ++o0)                                          \
        for (int o1 = 0; o1 < OW; ++o1) {                                      \
          float acc = bf[m];                                                   \
          for (int c = 0; c < C / G; ++c)                                      \
            for (int k0 = 0; k0 < KH; ++k0)                                    \
              for (int k1 = 0; k1 < KW; ++k1) {                                \
                const int i0 = o0 * SH + k0 - PT, i1 = o1 * SW + k1 - PL;      \
                if (i0 < 0 || i0 >= H || i1 < 0 || i1 >= W)                    \
                  continue;                                                    \
                acc += x[m / (M / G) * (C / G) + c][i0][i1] * w[m][c][k0][k1]; \
              }                                                                \
          y[m][o0][o1] = acc > 0.0f ? acc : 0.0f;                              \
        }                                                                      \
  }

/* onnx2c-style Gemm / MatMul: y[M][N] = relu(a[M][K] * b[K][N] + bias). */
#define NAIVE_GEMM(NAME, M, N, K)                                              \
  static void NAME(const float *af, const float *bf, const float *bias,       \
                   float *yf) {                                                \
    const float(*a)[K] = (const float(*)[K])af;                                \
    const float(*b)[N] = (const float(*)[N])bf;                                \
    float(*y)[N] = (float(*)[N])yf;                                            \
    for (int i = 0; i < M; ++i)                                                \
      for (int j = 0; j < N; ++j) {                                            \
        float acc = bias[j];                                                   \
        for (int k = 0; k < K; ++k)                                            \
          acc += a[i][k] * b[k][j];                                            \
        y[i][j] = acc > 0.0f ? acc : 0.0f;                                     \
      }                                                                        \
  }

NAIVE_CONV(naive_conv56, 64, 56, 56, 64, 3, 3, 56, 56, 1, 1, 1, 1, 1)
NAIVE_CONV(naive_conv14, 256, 14, 14, 256, 3, 3, 14, 14, 1, 1, 1, 1, 1)
NAIVE_CONV(naive_conv3x3_16, 16, 16, 16, 16, 3, 3, 16, 16, 1, 1, 1, 1, 1)
NAIVE_CONV(naive_conv3x3_32_s2, 32, 16, 16, 32, 3, 3, 8, 8, 2, 2, 1, 1, 1)
NAIVE_CONV(naive_conv1x1_256, 256, 14, 14, 256, 1, 1, 14, 14, 1, 1, 0, 0, 1)
NAIVE_CONV(naive_conv1x1_32, 32, 16, 16, 32, 1, 1, 16, 16, 1, 1, 0, 0, 1)
NAIVE_CONV(naive_dw3x3_64, 64, 56, 56, 64, 3, 3, 56, 56, 1, 1, 1, 1, 64)
NAIVE_CONV(naive_dw3x3_32, 32, 16, 16, 32, 3, 3, 16, 16, 1, 1, 1, 1, 32)
NAIVE_CONV(naive_dw5x5_32, 32, 16, 16, 32, 5, 5, 16, 16, 1, 1, 2, 2, 32)
NAIVE_CONV(naive_conv3x1_16, 16, 16, 16, 16, 3, 1, 16, 16, 1, 1, 1, 0, 1)
NAIVE_CONV(naive_conv1x3_16, 16, 16, 16, 16, 1, 3, 16, 16, 1, 1, 0, 1, 1)
NAIVE_CONV(naive_stft, 1, 1, 8000, 64, 1, 512, 1, 47, 1, 160, 0, 0, 1)
NAIVE_GEMM(naive_gemm256, 256, 256, 256)
NAIVE_GEMM(naive_dense1024, 1, 1024, 1024)

typedef void (*naive_fn)(const float *, const float *, const float *, float *);

typedef struct {
  const char *name;
  int32_t c, h, w, m, kh, kw, sh, sw, ph, pw, group; /* conv; gemm: m n k */
  naive_fn naive;
  int gemm; /* 1: y (c x m) = a (c x h) * b (h x m) */
} layer;

#define OUT(size, k, s, p) (((size) + 2 * (p) - (k)) / (s) + 1)
static const layer layers[] = {
    {"conv56", 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, naive_conv56, 0},
    {"conv14", 256, 14, 14, 256, 3, 3, 1, 1, 1, 1, 1, naive_conv14, 0},
    {"conv3x3_16", 16, 16, 16, 16, 3, 3, 1, 1, 1, 1, 1, naive_conv3x3_16, 0},
    {"conv3x3_32_s2", 32, 16, 16, 32, 3, 3, 2, 2, 1, 1, 1, naive_conv3x3_32_s2, 0},
    {"conv1x1_256", 256, 14, 14, 256, 1, 1, 1, 1, 0, 0, 1, naive_conv1x1_256, 0},
    {"conv1x1_32", 32, 16, 16, 32, 1, 1, 1, 1, 0, 0, 1, naive_conv1x1_32, 0},
    {"dw3x3_64", 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 64, naive_dw3x3_64, 0},
    {"dw3x3_32", 32, 16, 16, 32, 3, 3, 1, 1, 1, 1, 32, naive_dw3x3_32, 0},
    {"dw5x5_32", 32, 16, 16, 32, 5, 5, 1, 1, 2, 2, 32, naive_dw5x5_32, 0},
    {"conv3x1_16", 16, 16, 16, 16, 3, 1, 1, 1, 1, 0, 1, naive_conv3x1_16, 0},
    {"conv1x3_16", 16, 16, 16, 16, 1, 3, 1, 1, 0, 1, 1, naive_conv1x3_16, 0},
    {"stft", 1, 1, 8000, 64, 1, 512, 1, 160, 0, 0, 1, naive_stft, 0},
    {"gemm256", 256, 256, 0, 256, 0, 0, 0, 0, 0, 0, 0, naive_gemm256, 1},
    {"dense1024", 1, 1024, 0, 1024, 0, 0, 0, 0, 0, 0, 0, naive_dense1024, 1},
};

static uint64_t state = 0x2545f4914f6cdd1dull;
static float next_float(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return (float)((uint32_t)(state >> 16) % 2001) / 1000.0f - 1.0f;
}
static float *fill(size_t n) {
  float *v = malloc(n * sizeof *v);
  for (size_t i = 0; i < n; ++i)
    v[i] = next_float();
  return v;
}

/* The measured calls, out of line so that nothing is hoisted across them. */
__attribute__((noinline)) void bench_conv(const bnnc_conv2d_params *p,
                                          const float *x, const float *w,
                                          const float *b, float *y) {
  if (p->group == p->c && p->group == p->m)
    bnnc_neon_dwconv2d_f32(p, x, w, b, y);
  else if (p->kh == 1 && p->kw == 1 && p->stride_h == 1 && p->stride_w == 1 &&
           p->pad_top == 0 && p->pad_left == 0)
    bnnc_neon_conv1x1_f32(p, x, w, b, y);
  else
    bnnc_neon_conv2d_f32(p, x, w, b, y);
}
__attribute__((noinline)) void bench_gemm(int32_t m, int32_t n, int32_t k,
                                          const float *a, const float *b,
                                          const float *bias, float *y) {
  bnnc_neon_dense_f32(m, n, k, a, b, bias, 1, y);
}
__attribute__((noinline)) void bench_naive(naive_fn f, const float *x,
                                           const float *w, const float *b,
                                           float *y) {
  f(x, w, b, y);
}

int main(int argc, char **argv) {
  const layer *l = NULL;
  if (argc == 4)
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; ++i)
      if (strcmp(argv[1], layers[i].name) == 0)
        l = &layers[i];
  const int naive = argc == 4 && strcmp(argv[2], "naive") == 0;
  if (!l || (!naive && strcmp(argv[2], "neon") != 0)) {
    fprintf(stderr, "usage: f32_layers <layer> {neon,naive} <calls>\n");
    return 2;
  }
  const int calls = atoi(argv[3]);
  size_t nx, nw, ny, nb;
  bnnc_conv2d_params p;
  memset(&p, 0, sizeof p);
  if (l->gemm) {
    nx = (size_t)l->c * l->h, nw = (size_t)l->h * l->m, ny = (size_t)l->c * l->m;
    nb = (size_t)l->m;
  } else {
    p.n = 1, p.c = l->c, p.h = l->h, p.w = l->w, p.m = l->m;
    p.kh = l->kh, p.kw = l->kw;
    p.oh = OUT(l->h, l->kh, l->sh, l->ph), p.ow = OUT(l->w, l->kw, l->sw, l->pw);
    p.stride_h = l->sh, p.stride_w = l->sw, p.pad_top = l->ph;
    p.pad_left = l->pw, p.dilation_h = p.dilation_w = 1, p.group = l->group;
    p.relu = 1;
    nx = (size_t)p.c * p.h * p.w, ny = (size_t)p.m * p.oh * p.ow;
    nw = (size_t)p.m * (p.c / p.group) * p.kh * p.kw, nb = (size_t)p.m;
  }
  float *x = fill(nx), *w = fill(nw), *b = fill(nb);
  float *y = calloc(ny, sizeof *y);
  const float *wk = w;
  const int direct = !l->gemm && p.group != p.c &&
                     !(p.kh == 1 && p.kw == 1 && p.stride_w == 1 && p.pad_left == 0);
  if (!naive && l->gemm) { /* a constant B: the compiler's n16 panels */
    float *panel = malloc(bnnc_layout_n16_floats(l->m, l->h) * sizeof *panel);
    bnnc_layout_n16(l->m, l->h, 0, w, panel);
    wk = panel;
  }
  if (!naive && direct) { /* the compiler's o16 panels */
    const int32_t cg = p.c / p.group;
    float *panel = malloc(bnnc_layout_o16_floats(p.m, cg, p.kh * p.kw, p.group) *
                          sizeof *panel);
    bnnc_layout_o16(p.m, cg, p.kh * p.kw, p.group, w, panel);
    wk = panel;
  }
  for (int i = 0; i < calls; ++i) {
    if (naive)
      bench_naive(l->naive, x, w, b, y);
    else if (l->gemm)
      bench_gemm(l->c, l->m, l->h, x, wk, b, y);
    else
      bench_conv(&p, x, wk, b, y);
  }
  double check = 0.0;
  for (size_t i = 0; i < ny; ++i)
    check += y[i];
  printf("%s %s calls=%d check=%.3f\n", l->name, argv[2], calls, check);
  return 0;
}
