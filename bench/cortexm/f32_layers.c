/*
 * f32_layers.c - one float layer on Cortex-M, for instruction counting
 * under QEMU (bench/cortexm/f32_layers.py, bench/cortex-m.sh --layers):
 *
 *   f32_layers.elf <layer> <impl> <calls>
 *
 * impl: "new" = the kernel CortexMTarget now selects
 * (bnnc/kernels_cortexm_f32.h), "old" = the previous Cortex-M path
 * (bnnc_cm_conv2d_f32, bnnc_gemm_f32), "naive" = onnx2c-style C: every
 * dimension a compile-time constant, one bounds test per tap. The count of
 * one call is the count with 1 call minus the count with 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bnnc/kernels_cortexm.h"
#include "bnnc/kernels_cortexm_f32.h"
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

typedef struct {
  const char *name;
  int32_t c, h, w, m, kh, kw, sh, sw, ph, pw, group;
  void (*naive)(const float *, const float *, const float *, float *);
} layer;

#define OUT(size, k, s, p) (((size) + 2 * (p) - (k)) / (s) + 1)
NAIVE_CONV(naive_conv3x3_16, 16, 16, 16, 16, 3, 3, 16, 16, 1, 1, 1, 1, 1)
NAIVE_CONV(naive_conv3x3_8, 8, 16, 16, 8, 3, 3, 16, 16, 1, 1, 1, 1, 1)
NAIVE_CONV(naive_conv3x3_32_s2, 32, 16, 16, 32, 3, 3, 8, 8, 2, 2, 1, 1, 1)
NAIVE_CONV(naive_conv1x1_32, 32, 16, 16, 32, 1, 1, 16, 16, 1, 1, 0, 0, 1)
NAIVE_CONV(naive_dw3x3_32, 32, 16, 16, 32, 3, 3, 16, 16, 1, 1, 1, 1, 32)
NAIVE_CONV(naive_dw5x5_32, 32, 16, 16, 32, 5, 5, 16, 16, 1, 1, 2, 2, 32)
NAIVE_CONV(naive_conv3x1_16, 16, 16, 16, 16, 3, 1, 16, 16, 1, 1, 1, 0, 1)
NAIVE_CONV(naive_conv1x3_16, 16, 16, 16, 16, 1, 3, 16, 16, 1, 1, 0, 1, 1)
NAIVE_CONV(naive_stft, 1, 1, 8000, 64, 1, 512, 1, 47, 1, 160, 0, 0, 1)

static const layer layers[] = {
    {"conv3x3 16->16 @16x16", 16, 16, 16, 16, 3, 3, 1, 1, 1, 1, 1, naive_conv3x3_16},
    {"conv3x3 8->8 @16x16", 8, 16, 16, 8, 3, 3, 1, 1, 1, 1, 1, naive_conv3x3_8},
    {"conv3x3 32->32 stride 2 @16x16", 32, 16, 16, 32, 3, 3, 2, 2, 1, 1, 1, naive_conv3x3_32_s2},
    {"conv1x1 32->32 @16x16", 32, 16, 16, 32, 1, 1, 1, 1, 0, 0, 1, naive_conv1x1_32},
    {"depthwise 3x3 32ch @16x16", 32, 16, 16, 32, 3, 3, 1, 1, 1, 1, 32, naive_dw3x3_32},
    {"depthwise 5x5 32ch @16x16", 32, 16, 16, 32, 5, 5, 1, 1, 2, 2, 32, naive_dw5x5_32},
    {"conv3x1 16->16 @16x16", 16, 16, 16, 16, 3, 1, 1, 1, 1, 0, 1, naive_conv3x1_16},
    {"conv1x3 16->16 @16x16", 16, 16, 16, 16, 1, 3, 1, 1, 0, 1, 1, naive_conv1x3_16},
    {"1ch 1x512 stride 160 (STFT), 64 out, 8000 samples", 1, 1, 8000, 64, 1, 512, 1, 160, 0, 0, 1, naive_stft},
};

static float next_float(void) {
  static uint32_t s = 0x12345678u;
  s = s * 1664525u + 1013904223u;
  return (float)(int32_t)(s >> 8) * 0x1p-23f;
}
static float *fill(size_t n) {
  float *v = malloc(n * sizeof(float) + 16);
  for (size_t i = 0; i < n; ++i)
    v[i] = next_float();
  return v;
}

/* onnx2c-style dense (Gemm transB = 1, batch 1). */
#define DN 256
#define DK 256
static void naive_dense(const float *a, const float *b, const float *bias,
                        float *y) {
  const float(*bm)[DK] = (const float(*)[DK])b;
  for (int j = 0; j < DN; ++j) {
    float acc = bias[j];
    for (int k = 0; k < DK; ++k)
      acc += a[k] * bm[j][k];
    y[j] = acc > 0.0f ? acc : 0.0f;
  }
}

int main(int argc, char **argv) {
  int calls;
  if (argc != 4)
    return 2;
  calls = atoi(argv[3]);
  if (strcmp(argv[1], "dense") == 0) {
    float *a = fill(DK), *b = fill((size_t)DN * DK), *bias = fill(DN);
    float *b8 = malloc(bnnc_layout_n8_floats(DN, DK) * sizeof(float));
    float *y = malloc(DN * sizeof(float));
    bnnc_gemm_params g;
    memset(&g, 0, sizeof g);
    g.m = 1, g.n = DN, g.k = DK, g.trans_b = 1, g.alpha = 1.0f, g.beta = 1.0f;
    g.c_col_stride = 1, g.relu = 1;
    bnnc_layout_n8(DN, DK, 1, b, b8);
    for (int i = 0; i < calls; ++i) {
      if (argv[2][0] == 'n' && argv[2][1] == 'e')
        bnnc_cm_dense_f32(1, DN, DK, a, b8, bias, 1, y);
      else if (argv[2][0] == 'o')
        bnnc_gemm_f32(&g, a, b, bias, y);
      else
        naive_dense(a, b, bias, y);
    }
    printf("%f\n", (double)y[3]);
    return 0;
  }
  {
    const int idx = atoi(argv[1]);
    const layer *l = &layers[idx];
    bnnc_conv2d_params p;
    float *x, *w, *wl, *bias, *y;
    memset(&p, 0, sizeof p);
    p.n = 1, p.c = l->c, p.h = l->h, p.w = l->w, p.m = l->m;
    p.kh = l->kh, p.kw = l->kw;
    p.oh = OUT(l->h, l->kh, l->sh, l->ph), p.ow = OUT(l->w, l->kw, l->sw, l->pw);
    p.stride_h = l->sh, p.stride_w = l->sw, p.pad_top = l->ph, p.pad_left = l->pw;
    p.dilation_h = p.dilation_w = 1, p.group = l->group, p.relu = 1;
    x = fill((size_t)p.c * (size_t)p.h * (size_t)p.w);
    w = fill((size_t)p.m * (size_t)(p.c / p.group) * (size_t)(p.kh * p.kw));
    bias = fill((size_t)p.m);
    y = malloc((size_t)p.m * (size_t)p.oh * (size_t)p.ow * sizeof(float));
    wl = malloc(bnnc_layout_o4_floats(p.m, p.c / p.group, p.kh * p.kw, p.group) *
                sizeof(float));
    if (p.group > 1 && p.c == p.group) /* depthwise: the o4 layout of 1 group */
      bnnc_layout_o4(p.m, 1, p.kh * p.kw, 1, w, wl);
    else
      bnnc_layout_o4(p.m, p.c / p.group, p.kh * p.kw, p.group, w, wl);
    for (int i = 0; i < calls; ++i) {
      if (argv[2][0] == 'n' && argv[2][1] == 'e') {
        if (p.group > 1 && p.c == p.group)
          bnnc_cm_dwconv2d_f32_o4(&p, x, wl, bias, y);
        else
          bnnc_cm_conv2d_f32_o4(&p, x, wl, bias, y);
      } else if (argv[2][0] == 'o') {
        bnnc_cm_conv2d_f32(&p, x, w, bias, y);
      } else {
        l->naive(x, w, bias, y);
      }
    }
    printf("%s: %f\n", l->name, (double)y[5]);
  }
  return 0;
}
