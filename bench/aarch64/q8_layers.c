/*
 * q8_layers.c - one int8 convolution of bnnc's aarch64 runtime on one
 * benchmark shape, called a given number of times, for instruction counting
 * under qemu-aarch64 with the insncount plugin (bench/aarch64-int8.sh).
 *
 *   q8_layers <layer> <kernel> <calls>
 *
 * kernel: smlal or sdot (kernels_neon_int8.h; sdot needs a build with
 * -march=armv8.2-a+dotprod) or portable (bnnc_qconv2d_u8_i8 of
 * kernels_int8.h, what the generic target calls). The layer is a QLinearConv
 * as PyTorch and onnxruntime quantize it: uint8 activations with a zero
 * point, int8 weights with zero point 0, an int32 bias. Weights are packed
 * with bnnc_layout_q8 as the compiler packs them, so runs with 0 and with N
 * calls differ by exactly N kernel calls. A depthwise layer runs
 * bnnc_neon_qdwconv2d for both smlal and sdot (the aarch64 targets' one
 * depthwise kernel).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bnnc/kernels_neon_int8.h"

static uint64_t state = 0x2545f4914f6cdd1dull;
static uint32_t next_u32(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return (uint32_t)(state >> 16);
}

typedef struct {
  const char *name;
  int32_t c, m, hw, k, pad, group;
} shape;

static const shape shapes[] = {
    {"conv56", 64, 64, 56, 3, 1, 1},
    {"conv14", 256, 256, 14, 3, 1, 1},
    {"conv1x1_256", 256, 256, 14, 1, 0, 1},
    {"dense1024", 1024, 1024, 1, 1, 0, 1},
    {"dw3x3_64", 64, 64, 56, 3, 1, 64},
};

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: q8_layers <layer> smlal|sdot|portable <calls>\n");
    return 2;
  }
  const shape *s = NULL;
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; ++i)
    if (strcmp(argv[1], shapes[i].name) == 0)
      s = &shapes[i];
  if (!s) {
    fprintf(stderr, "q8_layers: unknown layer %s\n", argv[1]);
    return 2;
  }
  const int calls = atoi(argv[3]);
  bnnc_qconv2d_params p;
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
  p.group = s->group;
  const int32_t cg = p.c / p.group, taps = p.kh * p.kw;
  const size_t xs = (size_t)p.c * p.h * p.w, ws = (size_t)p.m * cg * taps;
  const size_t ys = (size_t)p.m * p.oh * p.ow;
  uint8_t *x = malloc(xs);
  int8_t *w = malloc(ws);
  int32_t *wi = malloc(ws * sizeof(int32_t));
  int32_t *bias = malloc((size_t)p.m * sizeof(int32_t));
  int32_t *zp = calloc((size_t)p.m, sizeof(int32_t));
  int32_t *y = calloc(ys, sizeof(int32_t));
  for (size_t i = 0; i < xs; ++i)
    x[i] = (uint8_t)next_u32();
  for (size_t i = 0; i < ws; ++i)
    wi[i] = w[i] = (int8_t)(next_u32() % 255 - 127);
  for (int32_t o = 0; o < p.m; ++o)
    bias[o] = (int32_t)(next_u32() % 20001) - 10000;
  const uint8_t x_zp = 3;
  const int8_t w_zp = 0;

  const char *kernel = argv[2];
  const int depthwise = cg == 1 && p.group == p.c;
  const int32_t mr = strcmp(kernel, "sdot") == 0 ? 16 : 4;
  int16_t *w16 = malloc(ws * sizeof(int16_t)); /* depthwise: w - w_zp */
  for (size_t i = 0; i < ws; ++i)
    w16[i] = (int16_t)(wi[i] - w_zp);
  int8_t *packed = malloc(bnnc_layout_q8_bytes(mr, p.m, cg, taps, p.group));
  int32_t *bsum = malloc((size_t)p.m * sizeof(int32_t));
  int32_t *d = malloc((size_t)p.m * sizeof(int32_t));
  if (!bnnc_layout_q8(mr, p.m, cg, taps, p.group, wi, zp, 0, packed, bsum,
                      d)) {
    fprintf(stderr, "q8_layers: weights refused\n");
    return 1;
  }
  bnnc_neon_qconv2d_params q;
  memcpy(&q, &p, offsetof(bnnc_qconv2d_params, w_zp_step));
  q.cpad = bnnc_layout_q8_cpad(cg);
  q.x_offset = 128;
  for (int i = 0; i < calls; ++i) {
    if (strcmp(kernel, "portable") == 0)
      bnnc_qconv2d_u8_i8(&p, x, w, &x_zp, &w_zp, bias, y);
    else if (depthwise) /* the one depthwise kernel of both targets */
      bnnc_neon_qdwconv2d(&q, x, w16, x_zp, bias, y);
    else if (strcmp(kernel, "smlal") == 0)
      bnnc_neon_qconv2d_smlal(&q, x, packed, bsum, NULL, x_zp, bias, y);
#if defined(__ARM_FEATURE_DOTPROD)
    else if (strcmp(kernel, "sdot") == 0)
      bnnc_neon_qconv2d_sdot(&q, x, packed, bsum, NULL, x_zp, bias, y);
#endif
    else {
      fprintf(stderr, "q8_layers: no kernel %s in this build\n", kernel);
      return 2;
    }
  }
  uint32_t check = 0;
  for (size_t i = 0; i < ys; ++i)
    check = check * 31u + (uint32_t)y[i];
  printf("%s %s calls=%d check=%08x\n", argv[1], kernel, calls, check);
  free(x), free(w), free(wi), free(bias), free(zp), free(y), free(packed);
  free(bsum), free(d), free(w16);
  return 0;
}
