/*
 * cortexm_f32_sweep.h - randomized sweep of the Cortex-M float kernels
 * (bnnc/kernels_cortexm_f32.h: convolutions, dense, recurrent; and the
 * float -> bits packing of kernels_cortexm.h) against the generic ones,
 * bit for bit. C99 and C++ both: the host GoogleTest
 * (CortexMFloatKernelsTest.cpp) and the bare-metal firmware run under QEMU
 * on Cortex-M4, -M7 and the soft-float M3 (test/cortexm/f32-kernels.test,
 * Inputs/f32_sweep_main.c) run the same cases. Static buffers, no heap.
 */
#ifndef BNNC_TEST_CORTEXM_F32_SWEEP_H
#define BNNC_TEST_CORTEXM_F32_SWEEP_H

#include <stdio.h>
#include <string.h>

#include "bnnc/kernels_cortexm.h" /* bnnc_cm_pack_f32_nchw_to_nhwc */
#include "bnnc/kernels_cortexm_f32.h"
#include "bnnc/layouts.h"

#define SWEEP_BUF 16384

static uint64_t sweep_state;
static uint32_t sweep_next(void) {
  uint64_t z = (sweep_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (uint32_t)((z ^ (z >> 31)) >> 32);
}
static int32_t sweep_range(int32_t lo, int32_t hi) {
  return lo + (int32_t)(sweep_next() % (uint32_t)(hi - lo + 1));
}
static float sweep_float(void) {
  return (float)(int32_t)sweep_next() * 0x1p-31f;
}

static float sweep_x[SWEEP_BUF], sweep_w[SWEEP_BUF], sweep_wl[SWEEP_BUF],
    sweep_b[256], sweep_ref[SWEEP_BUF], sweep_got[SWEEP_BUF];

static void sweep_fill(float *v, size_t n) {
  for (size_t i = 0; i < n; ++i)
    v[i] = sweep_float();
}

/* One random convolution; kind 0 = general (o4 kernel), 1 = depthwise,
 * 2 = one input channel, long strided 1-D kernel. Returns 0 when the
 * kernel's output equals the generic one bit for bit, else 1 and a message.
 * Shapes that do not fit the buffers are redrawn. */
static int sweep_conv(int kind, char *msg, size_t msg_size) {
  bnnc_conv2d_params p;
  size_t xs, ws, ys;
  int32_t cg, mg, pb, pr;
  for (;;) {
    memset(&p, 0, sizeof p);
    p.n = sweep_range(1, 2);
    p.group = kind == 0 ? sweep_range(1, 3) : 1;
    cg = sweep_range(1, 9);
    mg = sweep_range(1, 11);
    p.kh = sweep_range(1, 5);
    p.kw = sweep_range(1, 5);
    p.h = sweep_range(1, 12);
    p.w = sweep_range(1, 12);
    p.stride_h = sweep_range(1, 3);
    p.stride_w = sweep_range(1, 3);
    p.dilation_h = sweep_range(1, 2);
    p.dilation_w = sweep_range(1, 2);
    if (kind == 1) { /* depthwise: one input channel per group */
      p.group = sweep_range(1, 12);
      cg = 1;
      mg = sweep_range(0, 1) ? 1 : sweep_range(2, 3);
      p.h = sweep_range(1, 20);
      p.w = sweep_range(1, 20);
    } else if (kind == 2) { /* an STFT-like 1 x K strided conv */
      cg = 1;
      p.h = 1;
      p.kh = 1;
      p.w = sweep_range(64, 900);
      p.kw = sweep_range(1, 80);
      p.stride_w = sweep_range(1, 40);
      p.dilation_h = p.dilation_w = 1;
    }
    p.c = cg * p.group;
    p.m = mg * p.group;
    p.pad_top = sweep_range(0, p.kh - 1);
    p.pad_left = sweep_range(0, p.kw - 1);
    pb = sweep_range(0, p.kh - 1);
    pr = sweep_range(0, p.kw - 1);
    {
      const int32_t sh = (p.kh - 1) * p.dilation_h + 1;
      const int32_t sw = (p.kw - 1) * p.dilation_w + 1;
      if (p.h + p.pad_top + pb < sh || p.w + p.pad_left + pr < sw)
        continue;
      p.oh = (p.h + p.pad_top + pb - sh) / p.stride_h + 1;
      p.ow = (p.w + p.pad_left + pr - sw) / p.stride_w + 1;
    }
    p.relu = sweep_range(0, 1);
    xs = (size_t)p.n * (size_t)p.c * (size_t)p.h * (size_t)p.w;
    ws = (size_t)p.m * (size_t)cg * (size_t)p.kh * (size_t)p.kw;
    ys = (size_t)p.n * (size_t)p.m * (size_t)p.oh * (size_t)p.ow;
    if (xs <= SWEEP_BUF && ys <= SWEEP_BUF && p.m <= 256 &&
        bnnc_layout_o4_floats(p.m, cg, p.kh * p.kw, p.group) <= SWEEP_BUF)
      break;
  }
  sweep_fill(sweep_x, xs);
  sweep_fill(sweep_w, ws);
  sweep_fill(sweep_b, (size_t)p.m);
  {
    const float *bias = sweep_range(0, 3) ? sweep_b : NULL;
    for (size_t i = 0; i < ys; ++i) {
      sweep_ref[i] = 1.0f;
      sweep_got[i] = -1.0f;
    }
    bnnc_conv2d_f32(&p, sweep_x, sweep_w, bias, sweep_ref);
    if (kind == 1 && mg > 1) {
      bnnc_cm_dwconv2d_f32(&p, sweep_x, sweep_w, bias, sweep_got);
    } else if (kind == 1) { /* one output channel per input channel */
      bnnc_layout_o4(p.m, 1, p.kh * p.kw, 1, sweep_w, sweep_wl);
      bnnc_cm_dwconv2d_f32_o4(&p, sweep_x, sweep_wl, bias, sweep_got);
    } else {
      bnnc_layout_o4(p.m, cg, p.kh * p.kw, p.group, sweep_w, sweep_wl);
      bnnc_cm_conv2d_f32_o4(&p, sweep_x, sweep_wl, bias, sweep_got);
    }
    if (memcmp(sweep_ref, sweep_got, ys * sizeof(float)) != 0) {
      snprintf(msg, msg_size,
               "conv kind %d: n=%d c=%d h=%d w=%d m=%d k=%dx%d stride=%d,%d "
               "pad=%d,%d dil=%d,%d group=%d out=%dx%d relu=%d bias=%d",
               kind, (int)p.n, (int)p.c, (int)p.h, (int)p.w, (int)p.m,
               (int)p.kh, (int)p.kw, (int)p.stride_h, (int)p.stride_w,
               (int)p.pad_top, (int)p.pad_left, (int)p.dilation_h,
               (int)p.dilation_w, (int)p.group, (int)p.oh, (int)p.ow,
               (int)p.relu, bias != NULL);
      return 1;
    }
  }
  return 0;
}

/* One random dense layer against bnnc_gemm_f32 (alpha = beta = 1, row
 * bias or none, B transposed or not). */
static int sweep_dense(char *msg, size_t msg_size) {
  bnnc_gemm_params g;
  const float *bias;
  size_t ys;
  memset(&g, 0, sizeof g);
  g.m = sweep_range(1, 5);
  g.n = sweep_range(1, 40);
  g.k = sweep_range(1, 120);
  g.trans_b = sweep_range(0, 1);
  g.alpha = 1.0f;
  g.beta = 1.0f;
  g.c_row_stride = 0;
  g.c_col_stride = 1;
  g.relu = sweep_range(0, 1);
  bias = sweep_range(0, 3) ? sweep_b : NULL;
  sweep_fill(sweep_x, (size_t)g.m * (size_t)g.k);
  sweep_fill(sweep_w, (size_t)g.n * (size_t)g.k);
  sweep_fill(sweep_b, (size_t)g.n);
  ys = (size_t)g.m * (size_t)g.n;
  for (size_t i = 0; i < ys; ++i) {
    sweep_ref[i] = 1.0f;
    sweep_got[i] = -1.0f;
  }
  bnnc_gemm_f32(&g, sweep_x, sweep_w, bias, sweep_ref);
  bnnc_layout_n8(g.n, g.k, g.trans_b, sweep_w, sweep_wl);
  bnnc_cm_dense_f32(g.m, g.n, g.k, sweep_x, sweep_wl, bias, g.relu,
                    sweep_got);
  if (memcmp(sweep_ref, sweep_got, ys * sizeof(float)) != 0) {
    snprintf(msg, msg_size, "dense: m=%d n=%d k=%d trans_b=%d relu=%d bias=%d",
             (int)g.m, (int)g.n, (int)g.k, (int)g.trans_b, (int)g.relu,
             bias != NULL);
    return 1;
  }
  return 0;
}

static float sweep_aux[1024], sweep_ref2[SWEEP_BUF];

/* a[0..n) and b[0..n) bit for bit, except that any two NaNs are equal:
 * unbounded gate activations (affine, relu) overflow to inf - inf within
 * a few steps, and C leaves the sign of the NaN that makes open (the
 * soft-float library returns the first operand's, and the compiler may
 * swap the operands of a commutative multiply). */
static int sweep_same(const float *a, const float *b, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (memcmp(&a[i], &b[i], sizeof(float)) != 0 &&
        !(a[i] != a[i] && b[i] != b[i]))
      return 0;
  return 1;
}

/* One random LSTM / GRU / RNN layer against bnnc_recurrent_f32: gate count,
 * direction(s), sizes (odd ones and those below one 4-row block
 * included), activations, clip, GRU's linear_before_reset, LSTM's coupled
 * input-forget gate, optional bias, h0, c0, peepholes and lengths. */
static int sweep_recurrent(char *msg, size_t msg_size) {
  static const int32_t acts[] = {BNNC_RNN_ACT_SIGMOID, BNNC_RNN_ACT_TANH,
                                 BNNC_RNN_ACT_RELU, BNNC_RNN_ACT_HARD_SIGMOID,
                                 BNNC_RNN_ACT_SOFTSIGN, BNNC_RNN_ACT_AFFINE};
  bnnc_recurrent_params p;
  int32_t lens[4];
  size_t G, H, I, D, B, T, outs, i;
  const float *bias, *h0, *c0, *peep;
  for (;;) {
    memset(&p, 0, sizeof p);
    p.gates = sweep_range(0, 2) == 0 ? 1 : sweep_range(0, 1) ? 3 : 4;
    p.seq = sweep_range(1, 5);
    p.batch = sweep_range(1, 3);
    p.input = sweep_range(1, 23);
    p.hidden = sweep_range(1, 21);
    p.dirs = sweep_range(1, 2);
    p.reverse = p.dirs == 1 ? sweep_range(0, 1) : 0;
    p.linear_before_reset = p.gates == 3 ? sweep_range(0, 1) : 0;
    p.input_forget = p.gates == 4 ? sweep_range(0, 3) == 0 : 0;
    p.has_clip = sweep_range(0, 2) == 0;
    p.clip = 0.25f + (float)sweep_range(0, 3) * 0.25f;
    for (i = 0; i < BNNC_RNN_MAX_ACTIVATIONS; ++i) {
      p.act[i] = acts[sweep_range(0, 5)];
      p.alpha[i] = 0.5f + sweep_float() * 0.25f;
      p.beta[i] = sweep_float() * 0.5f;
    }
    G = (size_t)p.gates, H = (size_t)p.hidden, I = (size_t)p.input;
    D = (size_t)p.dirs, B = (size_t)p.batch, T = (size_t)p.seq;
    outs = T * D * B * H + 2 * D * B * H + (G + 1) * H;
    if (T * B * I <= SWEEP_BUF && D * G * H * I <= SWEEP_BUF &&
        D * G * H * H <= SWEEP_BUF && outs <= SWEEP_BUF &&
        2 * D * G * H + 2 * D * B * H + 3 * D * H <= 1024)
      break;
  }
  sweep_fill(sweep_x, T * B * I);
  sweep_fill(sweep_w, D * G * H * I);
  sweep_fill(sweep_wl, D * G * H * H);
  sweep_fill(sweep_aux, 1024);
  bias = sweep_range(0, 3) ? sweep_aux : NULL;
  h0 = sweep_range(0, 1) ? sweep_aux + 2 * D * G * H : NULL;
  c0 = p.gates == 4 && sweep_range(0, 1) ? sweep_aux + 2 * D * G * H + D * B * H
                                         : NULL;
  peep = p.gates == 4 && sweep_range(0, 1)
             ? sweep_aux + 2 * D * G * H + 2 * D * B * H
             : NULL;
  for (i = 0; i < B; ++i)
    lens[i] = sweep_range(0, 3) ? (int32_t)T : sweep_range(-1, (int32_t)T + 1);
  for (i = 0; i < outs; ++i) {
    sweep_ref2[i] = 1.0f;
    sweep_got[i] = -1.0f;
  }
  {
    const int32_t *l = sweep_range(0, 1) ? lens : NULL;
    bnnc_recurrent_f32(&p, sweep_x, sweep_w, sweep_wl, bias, h0, c0, peep, l,
                       sweep_ref2);
    bnnc_cm_recurrent_f32(&p, sweep_x, sweep_w, sweep_wl, bias, h0, c0, peep,
                          l, sweep_got);
    /* The scratch tail is the kernels' own; compare Y, Y_h and Y_c. */
    outs -= (G + 1) * H;
    if (!sweep_same(sweep_ref2, sweep_got, outs)) {
      snprintf(msg, msg_size,
               "recurrent: gates=%d seq=%d batch=%d input=%d hidden=%d "
               "dirs=%d reverse=%d lbr=%d input_forget=%d clip=%d bias=%d "
               "h0=%d c0=%d peep=%d lens=%d",
               (int)p.gates, (int)p.seq, (int)p.batch, (int)p.input,
               (int)p.hidden, (int)p.dirs, (int)p.reverse,
               (int)p.linear_before_reset, (int)p.input_forget,
               (int)p.has_clip, bias != NULL, h0 != NULL, c0 != NULL,
               peep != NULL, l != NULL);
      return 1;
    }
  }
  return 0;
}

/* One random float -> packed bits layer (bnnc_cm_pack_f32_nchw_to_nhwc)
 * against bnnc_pack_f32_nchw_to_nhwc32: any bit pattern (NaNs of both
 * signs, infinities, subnormals, -0), channel counts around the 32-bit
 * words, pack groups. */
static int sweep_pack(char *msg, size_t msg_size) {
  static uint32_t ref[4096], got[4096];
  bnnc_bpack_params p;
  size_t xs, ws;
  p.n = sweep_range(1, 2);
  p.group = sweep_range(1, 3);
  p.c = p.group * sweep_range(1, 70);
  p.h = sweep_range(1, 6);
  p.w = sweep_range(1, 6);
  xs = (size_t)p.n * (size_t)p.c * (size_t)p.h * (size_t)p.w;
  ws = (size_t)p.n * (size_t)p.h * (size_t)p.w * (size_t)bnnc_bwords32(p.c, p.group);
  for (size_t i = 0; i < xs; ++i) {
    const uint32_t r = sweep_next();
    /* Half the values a random bit pattern, half near the special ones. */
    const uint32_t special[] = {0x00000000u, 0x80000000u, 0x7f800000u,
                                0xff800000u, 0x7fc00000u, 0xffc00000u,
                                0x00000001u, 0x80000001u, 0x7f7fffffu,
                                0xff7fffffu, 0x7f800001u, 0xff800001u};
    const uint32_t u = r & 1u ? sweep_next() : special[(r >> 1) % 12u];
    memcpy(&sweep_x[i], &u, sizeof u);
  }
  for (size_t i = 0; i < ws; ++i) {
    ref[i] = 0xa5a5a5a5u;
    got[i] = 0x5a5a5a5au;
  }
  bnnc_pack_f32_nchw_to_nhwc32(&p, sweep_x, ref);
  bnnc_cm_pack_f32_nchw_to_nhwc(&p, sweep_x, got);
  if (memcmp(ref, got, ws * sizeof(uint32_t)) != 0) {
    snprintf(msg, msg_size, "pack: n=%d c=%d h=%d w=%d group=%d", (int)p.n,
             (int)p.c, (int)p.h, (int)p.w, (int)p.group);
    return 1;
  }
  return 0;
}

/* The kinds of sweep_all: 3 convolutions, dense, recurrent, pack. */
#define SWEEP_KINDS 6

/* The whole sweep: `cases` of each kind; the number of failures (the first
 * one described in msg). */
static int sweep_all(uint64_t seed, int cases, char *msg, size_t msg_size) {
  int failures = 0;
  sweep_state = seed;
  msg[0] = '\0';
  for (int i = 0; i < cases; ++i)
    for (int kind = 0; kind < SWEEP_KINDS; ++kind) {
      char m[256];
      const int bad = kind < 3    ? sweep_conv(kind, m, sizeof m)
                      : kind == 3 ? sweep_dense(m, sizeof m)
                      : kind == 4 ? sweep_recurrent(m, sizeof m)
                                  : sweep_pack(m, sizeof m);
      if (bad && !failures++)
        snprintf(msg, msg_size, "%s", m);
    }
  return failures;
}

#endif /* BNNC_TEST_CORTEXM_F32_SWEEP_H */
