/*
 * bnnc/kernels_cortexm_f32.h - register-blocked float kernels of the
 * Cortex-M targets (convolution, depthwise convolution, dense).
 *
 * The FPU of Cortex-M4/M7/M33/M55 has 32 single-precision registers and a
 * multiply-accumulate (VMLA: multiply, round, add, round, i.e. the same bits
 * as a separate multiply and add). The portable loops pay address
 * arithmetic, a bounds test and a loop test around every multiply-add; the
 * kernels here keep a block of accumulators in FPU registers and load each
 * weight and input once per block:
 *
 * - bnnc_cm_conv2d_f32_o4: 4 output channels x 4 output pixels (16
 *   accumulators) per block, weights in the "o4" layout of bnnc/layouts.h
 *   (the 4 channels' weights of one tap side by side). Blocks run along a
 *   row over the pixels whose kernel window is horizontally inside the
 *   image (one VLDM loads the 4 inputs of a tap). The other pixels form
 *   regions of a common tap rectangle (the interior band, each border row
 *   and column alone, so on a 4x4 map with a padded 3x3 kernel: the 2x2
 *   interior, 4 edges of 2, 4 corners), taken in blocks of 4 pixels that
 *   load their inputs one by one, a remainder in blocks of 2 and 1. Rows of
 *   2 or 3 taps are unrolled. Any kernel size, stride, dilation, padding,
 *   group.
 * - bnnc_cm_dwconv2d_f32: one input channel per group; 8 output pixels of a
 *   row per block.
 * - bnnc_cm_dense_f32: y = act(a * B + bias) with B in the "n8" layout of
 *   bnnc/layouts.h, 8 output columns per block, k unrolled by 4.
 * - bnnc_cm_recurrent_f32: LSTM, GRU and RNN (kernels_f32.h's driver) with
 *   the gates' matrix-vector products 4 rows at a time.
 *
 * With GCC on a core with a single-precision FPU, groups of 4 (8) consecutive
 * floats are loaded by one VLDM (inline assembly into fixed registers
 * s16-s31); everywhere else (M0+ soft float, the host tests) by plain C.
 *
 * Every output is summed in exactly the generic kernels' order (input
 * channel, kernel row, kernel column over the in-bounds taps, starting from
 * +0.0f; bias added last), so the results are bit-identical to
 * bnnc_conv2d_f32 and bnnc_gemm_f32 (alpha = beta = 1) when neither side
 * contracts multiply-adds into fused ones (generated C is compiled -std=c99:
 * -ffp-contract=off). Stack: the accumulators only (no arrays).
 */
#ifndef BNNC_KERNELS_CORTEXM_F32_H
#define BNNC_KERNELS_CORTEXM_F32_H

#include <stddef.h>
#include <stdint.h>

#include "bnnc/kernels_binary.h" /* bnnc_bvalid_taps */
#include "bnnc/kernels_f32.h"
#include "bnnc/runtime.h"

#if defined(__GNUC__)
#define BNNC_CMF_INLINE static inline __attribute__((always_inline))
#else
#define BNNC_CMF_INLINE static inline
#endif

/* VLDM of 4 floats into s24-s27 (weights) or s28-s31 (inputs). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__ARM_ARCH_PROFILE) && \
    __ARM_ARCH_PROFILE == 'M' && defined(__ARM_FP) && (__ARM_FP & 4) &&      \
    !defined(BNNC_CM_NO_VLDM)
#define BNNC_CM_VLDM 1
typedef struct {
  float v[4];
} bnnc_cmf_quad;
typedef struct {
  float v[8];
} bnnc_cmf_octet;
#define BNNC_CMF_LOAD4_W(p, a, b, c, d)                                        \
  register float a __asm__("s24");                                            \
  register float b __asm__("s25");                                            \
  register float c __asm__("s26");                                            \
  register float d __asm__("s27");                                            \
  __asm__("vldmia %4, {s24-s27}"                                               \
          : "=t"(a), "=t"(b), "=t"(c), "=t"(d)                                 \
          : "r"(p), "m"(*(const bnnc_cmf_quad *)(p)))
#define BNNC_CMF_LOAD4_X(p, a, b, c, d)                                        \
  register float a __asm__("s28");                                            \
  register float b __asm__("s29");                                            \
  register float c __asm__("s30");                                            \
  register float d __asm__("s31");                                            \
  __asm__("vldmia %4, {s28-s31}"                                               \
          : "=t"(a), "=t"(b), "=t"(c), "=t"(d)                                 \
          : "r"(p), "m"(*(const bnnc_cmf_quad *)(p)))
#define BNNC_CMF_LOAD8_W(p, a, b, c, d, e, f, g, h)                            \
  register float a __asm__("s24");                                            \
  register float b __asm__("s25");                                            \
  register float c __asm__("s26");                                            \
  register float d __asm__("s27");                                            \
  register float e __asm__("s28");                                            \
  register float f __asm__("s29");                                            \
  register float g __asm__("s30");                                            \
  register float h __asm__("s31");                                            \
  __asm__("vldmia %8, {s24-s31}"                                               \
          : "=t"(a), "=t"(b), "=t"(c), "=t"(d), "=t"(e), "=t"(f), "=t"(g),     \
            "=t"(h)                                                            \
          : "r"(p), "m"(*(const bnnc_cmf_octet *)(p)))
/* The same loads with write-back: p advances past the loaded floats, so
 * an unrolled loop needs no pointer arithmetic of its own. Inputs of the
 * dense and recurrent loops go to s16-s19 (the weights' s24-s31 stay
 * free). */
#define BNNC_CMF_LOAD4_X_INC(p, a, b, c, d)                                    \
  register float a __asm__("s16");                                            \
  register float b __asm__("s17");                                            \
  register float c __asm__("s18");                                            \
  register float d __asm__("s19");                                            \
  __asm__("vldmia %4!, {s16-s19}"                                              \
          : "=t"(a), "=t"(b), "=t"(c), "=t"(d), "+r"(p)                        \
          : "m"(*(const bnnc_cmf_quad *)(p)))
#define BNNC_CMF_LOAD4_W_INC(p, a, b, c, d)                                    \
  register float a __asm__("s24");                                            \
  register float b __asm__("s25");                                            \
  register float c __asm__("s26");                                            \
  register float d __asm__("s27");                                            \
  __asm__("vldmia %4!, {s24-s27}"                                              \
          : "=t"(a), "=t"(b), "=t"(c), "=t"(d), "+r"(p)                        \
          : "m"(*(const bnnc_cmf_quad *)(p)))
#define BNNC_CMF_LOAD8_W_INC(p, a, b, c, d, e, f, g, h)                        \
  register float a __asm__("s24");                                            \
  register float b __asm__("s25");                                            \
  register float c __asm__("s26");                                            \
  register float d __asm__("s27");                                            \
  register float e __asm__("s28");                                            \
  register float f __asm__("s29");                                            \
  register float g __asm__("s30");                                            \
  register float h __asm__("s31");                                            \
  __asm__("vldmia %8!, {s24-s31}"                                              \
          : "=t"(a), "=t"(b), "=t"(c), "=t"(d), "=t"(e), "=t"(f), "=t"(g),     \
            "=t"(h), "+r"(p)                                                   \
          : "m"(*(const bnnc_cmf_octet *)(p)))
/* acc += a * b by VMLA: multiply, round, add, round (not fused), the bits
 * of the C expression, which GCC itself emits as VMUL + VADD under
 * -ffp-contract=off. */
#define BNNC_CMF_MLA(acc, a, b)                                                \
  __asm__("vmla.f32 %0, %1, %2" : "+t"(acc) : "t"(a), "t"(b))
#else
#define BNNC_CM_VLDM 0
#define BNNC_CMF_MLA(acc, a, b) ((acc) += (a) * (b))
#define BNNC_CMF_LOAD4_W(p, a, b, c, d)                                        \
  const float a = (p)[0], b = (p)[1], c = (p)[2], d = (p)[3]
#define BNNC_CMF_LOAD4_X BNNC_CMF_LOAD4_W
#define BNNC_CMF_LOAD8_W(p, a, b, c, d, e, f, g, h)                            \
  const float a = (p)[0], b = (p)[1], c = (p)[2], d = (p)[3], e = (p)[4],      \
              f = (p)[5], g = (p)[6], h = (p)[7]
#define BNNC_CMF_LOAD4_X_INC(p, a, b, c, d)                                    \
  BNNC_CMF_LOAD4_W(p, a, b, c, d);                                            \
  (p) += 4
#define BNNC_CMF_LOAD4_W_INC BNNC_CMF_LOAD4_X_INC
#define BNNC_CMF_LOAD8_W_INC(p, a, b, c, d, e, f, g, h)                        \
  BNNC_CMF_LOAD8_W(p, a, b, c, d, e, f, g, h);                                \
  (p) += 8
#endif

/* ---- Convolution: 4 output channels x 4 pixels ----------------------------- */

/* One tap of a block: weight wj of channel j times the inputs x0.. of the
 * block's 4, 2 or 1 pixels. */
#define BNNC_CMF_MAC4(j, wj)                                                   \
  BNNC_CMF_MLA(a##j##0, x0, wj);                                               \
  BNNC_CMF_MLA(a##j##1, x1, wj);                                               \
  BNNC_CMF_MLA(a##j##2, x2, wj);                                               \
  BNNC_CMF_MLA(a##j##3, x3, wj);
#define BNNC_CMF_MAC2(j, wj)                                                   \
  BNNC_CMF_MLA(a##j##0, x0, wj);                                               \
  BNNC_CMF_MLA(a##j##1, x1, wj);
#define BNNC_CMF_MAC1(j, wj) BNNC_CMF_MLA(a##j##0, x0, wj);
/* The inputs of a block's pixels at window offsets 0, g1, g2, g3. */
#define BNNC_CMF_GATHER4(xp)                                                   \
  const float x0 = (xp)[0], x1 = (xp)[g1], x2 = (xp)[g2], x3 = (xp)[g3]
#define BNNC_CMF_GATHER2(xp) const float x0 = (xp)[0], x1 = (xp)[g1]
#define BNNC_CMF_GATHER1(xp) const float x0 = (xp)[0]

/* The taps: 4 channels' weights times the pixels' inputs, consecutive
 * pixels by one VLDM (UNIT), any pixels by one load each (GATHER); the
 * channels share the input, or (DW, depthwise) channel j reads its own
 * plane at xp + off_j. */
#define BNNC_CMF_TAP_UNIT(xp, wp)                                              \
  do {                                                                         \
    BNNC_CMF_LOAD4_W(wp, w0, w1, w2, w3);                                      \
    BNNC_CMF_LOAD4_X(xp, x0, x1, x2, x3);                                      \
    BNNC_CMF_MAC4(0, w0) BNNC_CMF_MAC4(1, w1) BNNC_CMF_MAC4(2, w2)             \
        BNNC_CMF_MAC4(3, w3)                                                   \
  } while (0)
#define BNNC_CMF_TAP_GATHER_N(N, xp, wp)                                       \
  do {                                                                         \
    BNNC_CMF_LOAD4_W(wp, w0, w1, w2, w3);                                      \
    {                                                                          \
      BNNC_CMF_GATHER##N(xp);                                                  \
      BNNC_CMF_MAC##N(0, w0) BNNC_CMF_MAC##N(1, w1) BNNC_CMF_MAC##N(2, w2)     \
          BNNC_CMF_MAC##N(3, w3)                                               \
    }                                                                          \
  } while (0)
#define BNNC_CMF_TAP_GATHER4(xp, wp) BNNC_CMF_TAP_GATHER_N(4, xp, wp)
#define BNNC_CMF_TAP_GATHER2(xp, wp) BNNC_CMF_TAP_GATHER_N(2, xp, wp)
#define BNNC_CMF_TAP_GATHER1(xp, wp) BNNC_CMF_TAP_GATHER_N(1, xp, wp)
#define BNNC_CMF_DW_UNIT1(j, xp, off)                                          \
  {                                                                            \
    BNNC_CMF_LOAD4_X((xp) + (off), x0, x1, x2, x3);                            \
    BNNC_CMF_MAC4(j, w##j)                                                     \
  }
#define BNNC_CMF_TAP_DW_UNIT(xp, wp)                                           \
  do {                                                                         \
    BNNC_CMF_LOAD4_W(wp, w0, w1, w2, w3);                                      \
    BNNC_CMF_DW_UNIT1(0, xp, 0)                                                \
    BNNC_CMF_DW_UNIT1(1, xp, off1)                                             \
    BNNC_CMF_DW_UNIT1(2, xp, off2)                                             \
    BNNC_CMF_DW_UNIT1(3, xp, off3)                                             \
  } while (0)
#define BNNC_CMF_DW_GATHER_J(N, j, xp, off)                                    \
  {                                                                            \
    const float *xj = (xp) + (off);                                            \
    BNNC_CMF_GATHER##N(xj);                                                    \
    BNNC_CMF_MAC##N(j, w##j)                                                   \
  }
#define BNNC_CMF_TAP_DW_GATHER_N(N, xp, wp)                                    \
  do {                                                                         \
    BNNC_CMF_LOAD4_W(wp, w0, w1, w2, w3);                                      \
    BNNC_CMF_DW_GATHER_J(N, 0, xp, 0)                                          \
    BNNC_CMF_DW_GATHER_J(N, 1, xp, off1)                                       \
    BNNC_CMF_DW_GATHER_J(N, 2, xp, off2)                                       \
    BNNC_CMF_DW_GATHER_J(N, 3, xp, off3)                                       \
  } while (0)
#define BNNC_CMF_TAP_DW_GATHER4(xp, wp) BNNC_CMF_TAP_DW_GATHER_N(4, xp, wp)
#define BNNC_CMF_TAP_DW_GATHER2(xp, wp) BNNC_CMF_TAP_DW_GATHER_N(2, xp, wp)
#define BNNC_CMF_TAP_DW_GATHER1(xp, wp) BNNC_CMF_TAP_DW_GATHER_N(1, xp, wp)

#if defined(__GNUC__)
#define BNNC_CMF_OUT_OF_LINE static __attribute__((noinline, unused))
#else
#define BNNC_CMF_OUT_OF_LINE static inline
#endif

/* Where a block's results go: output channel j, pixel i at
 * y[j * out_plane + i * ys], count channels valid. */
typedef struct {
  const bnnc_conv2d_params *p;
  const float *xg;   /* the group's first input channel */
  const float *wb;   /* the block's o4 weights (cg, kh, kw, 4) */
  const float *bias; /* the block's first channel's bias, or NULL */
  float *y;          /* the block's first channel's output plane */
  size_t in_plane, out_plane;
  /* Depthwise blocks: channel j's input is at + off[j] (off[0] = 0, the
   * plane of channel j, or of the last valid channel past count); all 0
   * for ordinary convolutions, whose 4 channels share the input. */
  size_t off1, off2, off3;
  int32_t cg, count, depthwise;
} bnnc_cmf_conv_ctx;

BNNC_CMF_INLINE float bnnc_cmf_out(const bnnc_cmf_conv_ctx *c, int32_t j,
                                   float acc) {
  if (c->bias)
    acc += c->bias[j];
  return bnnc_activate_f32(acc, c->p->relu);
}

/* The pixels of a block (4, or 2 or 1 of them in the first entries):
 * pixel i's kernel window starts in[i] input elements after pixel 0's
 * (in[0] = 0), its output is element out[i] of the output plane. */
typedef struct {
  ptrdiff_t in[4];
  size_t out[4];
} bnnc_cmf_pixels;

/* 4 channels x 4 pixels whose in-bounds taps are the same rectangle
 * [ky0, ky1) x [kx0, kx1); pixel 0's window starts at input row iy, column
 * ix. Two out-of-line variants (the loops get all registers): consecutive
 * pixels (in[i] = i, one VLDM per tap for the 4 inputs) and any pixels
 * (4 loads per tap). */
#define BNNC_CMF_DEFINE_BLOCK(NAME, TAP, NPX)                                  \
  BNNC_CMF_OUT_OF_LINE void NAME(const bnnc_cmf_conv_ctx *c, int32_t iy,      \
                                 int32_t ix, int32_t ky0, int32_t ky1,         \
                                 int32_t kx0, int32_t kx1,                     \
                                 const bnnc_cmf_pixels *px) {                  \
    const bnnc_conv2d_params *p = c->p;                                        \
    const size_t in_w = (size_t)p->w, kw4 = (size_t)p->kw * 4;                 \
    const size_t taps4 = (size_t)p->kh * kw4, in_plane = c->in_plane;         \
    const size_t dh = (size_t)p->dilation_h * in_w;                            \
    const size_t dw = (size_t)p->dilation_w;                                   \
    float a00 = 0.0f, a01 = 0.0f, a02 = 0.0f, a03 = 0.0f;                      \
    float a10 = 0.0f, a11 = 0.0f, a12 = 0.0f, a13 = 0.0f;                      \
    float a20 = 0.0f, a21 = 0.0f, a22 = 0.0f, a23 = 0.0f;                      \
    float a30 = 0.0f, a31 = 0.0f, a32 = 0.0f, a33 = 0.0f;                      \
    (void)a01, (void)a02, (void)a03, (void)a11, (void)a12, (void)a13;          \
    (void)a21, (void)a22, (void)a23, (void)a31, (void)a32, (void)a33;          \
    const float *xc = c->xg + (size_t)(iy + ky0 * p->dilation_h) * in_w +     \
                      (size_t)(ix + kx0 * p->dilation_w);                      \
    const float *wc = c->wb + (size_t)ky0 * kw4 + (size_t)kx0 * 4;            \
    const int32_t rows = ky1 - ky0, cols = kx1 - kx0, cg = c->cg;             \
    const size_t off1 = c->off1, off2 = c->off2, off3 = c->off3;               \
    const ptrdiff_t g1 = NPX > 1 ? px->in[1] : 0;                              \
    const ptrdiff_t g2 = NPX > 2 ? px->in[2] : 0;                              \
    const ptrdiff_t g3 = NPX > 2 ? px->in[3] : 0;                              \
    (void)g1;                                                                  \
    (void)g2;                                                                  \
    (void)g3;                                                                  \
    (void)off1;                                                                \
    (void)off2;                                                                \
    (void)off3;                                                                \
    if (rows == 1 && cols == 1) { /* 1x1 kernels: one tap per channel */      \
      for (int32_t ci = 0; ci < cg; ++ci, xc += in_plane, wc += taps4)         \
        TAP(xc, wc);                                                           \
    } else if (cols == 3) { /* 3 taps a row, unrolled: no kx loop, and    \
                               constant load offsets when dw = 1 */            \
      for (int32_t ci = 0; ci < cg; ++ci, xc += in_plane, wc += taps4) {       \
        const float *xr = xc, *wr = wc;                                        \
        for (int32_t ky = 0; ky < rows; ++ky, xr += dh, wr += kw4) {           \
          TAP(xr, wr);                                                         \
          TAP(xr + dw, wr + 4);                                                \
          TAP(xr + 2 * dw, wr + 8);                                            \
        }                                                                      \
      }                                                                        \
    } else if (cols == 1) { /* 3x1, 5x1 ...: no kx loop */                   \
      for (int32_t ci = 0; ci < cg; ++ci, xc += in_plane, wc += taps4) {       \
        const float *xr = xc, *wr = wc;                                        \
        for (int32_t ky = 0; ky < rows; ++ky, xr += dh, wr += kw4)             \
          TAP(xr, wr);                                                         \
      }                                                                        \
    } else if (cols == 2) {                                                    \
      for (int32_t ci = 0; ci < cg; ++ci, xc += in_plane, wc += taps4) {       \
        const float *xr = xc, *wr = wc;                                        \
        for (int32_t ky = 0; ky < rows; ++ky, xr += dh, wr += kw4) {           \
          TAP(xr, wr);                                                         \
          TAP(xr + dw, wr + 4);                                                \
        }                                                                      \
      }                                                                        \
    } else {                                                                   \
      for (int32_t ci = 0; ci < cg; ++ci, xc += in_plane, wc += taps4) {       \
        const float *xr = xc, *wr = wc;                                        \
        for (int32_t ky = 0; ky < rows; ++ky, xr += dh, wr += kw4) {           \
          const float *xt = xr, *wt = wr;                                      \
          for (int32_t kx = 0; kx < cols; ++kx, xt += dw, wt += 4)             \
            TAP(xt, wt);                                                       \
        }                                                                      \
      }                                                                        \
    }                                                                          \
    {                                                                          \
      float *y = c->y;                                                         \
      const size_t op = c->out_plane;                                          \
      BNNC_CMF_STORE4(0, NPX) BNNC_CMF_STORE4(1, NPX)                          \
      BNNC_CMF_STORE4(2, NPX) BNNC_CMF_STORE4(3, NPX)                          \
    }                                                                          \
  }
#define BNNC_CMF_STORE4(j, NPX)                                                   \
  if (j < c->count) {                                                          \
    float *yj = y + (size_t)j * op;                                            \
    yj[px->out[0]] = bnnc_cmf_out(c, j, a##j##0);                              \
    if (NPX > 1)                                                               \
      yj[px->out[1]] = bnnc_cmf_out(c, j, a##j##1);                            \
    if (NPX > 2) {                                                             \
      yj[px->out[2]] = bnnc_cmf_out(c, j, a##j##2);                            \
      yj[px->out[3]] = bnnc_cmf_out(c, j, a##j##3);                            \
    }                                                                          \
  }
BNNC_CMF_DEFINE_BLOCK(bnnc_cmf_conv_block_unit, BNNC_CMF_TAP_UNIT, 4)
BNNC_CMF_DEFINE_BLOCK(bnnc_cmf_conv_block_gather, BNNC_CMF_TAP_GATHER4, 4)
BNNC_CMF_DEFINE_BLOCK(bnnc_cmf_conv_block_gather2, BNNC_CMF_TAP_GATHER2, 2)
BNNC_CMF_DEFINE_BLOCK(bnnc_cmf_conv_block_gather1, BNNC_CMF_TAP_GATHER1, 1)
BNNC_CMF_DEFINE_BLOCK(bnnc_cmf_dw_block_unit, BNNC_CMF_TAP_DW_UNIT, 4)
BNNC_CMF_DEFINE_BLOCK(bnnc_cmf_dw_block_gather, BNNC_CMF_TAP_DW_GATHER4, 4)
BNNC_CMF_DEFINE_BLOCK(bnnc_cmf_dw_block_gather2, BNNC_CMF_TAP_DW_GATHER2, 2)
BNNC_CMF_DEFINE_BLOCK(bnnc_cmf_dw_block_gather1, BNNC_CMF_TAP_DW_GATHER1, 1)
#undef BNNC_CMF_STORE4

/* 4 channels x 1 pixel at output (oy, ox), its own in-bounds taps. Out of
 * line: small images are mostly border pixels, and its loops then get all
 * registers. */
BNNC_CMF_OUT_OF_LINE void bnnc_cmf_conv_pixel(const bnnc_cmf_conv_ctx *c, int32_t oy,
                                       int32_t ox) {
  const bnnc_conv2d_params *p = c->p;
  const size_t in_w = (size_t)p->w, kw4 = (size_t)p->kw * 4;
  const size_t taps4 = (size_t)p->kh * kw4;
  const size_t dh = (size_t)p->dilation_h * in_w, dw = (size_t)p->dilation_w;
  int32_t ky0, ky1, kx0, kx1;
  float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
  bnnc_bvalid_taps(oy, p->stride_h, p->pad_top, p->dilation_h, p->kh, p->h,
                   &ky0, &ky1);
  bnnc_bvalid_taps(ox, p->stride_w, p->pad_left, p->dilation_w, p->kw, p->w,
                   &kx0, &kx1);
  if (ky1 > ky0 && kx1 > kx0) {
    const float *xc =
        c->xg +
        (size_t)(oy * p->stride_h - p->pad_top + ky0 * p->dilation_h) * in_w +
        (size_t)(ox * p->stride_w - p->pad_left + kx0 * p->dilation_w);
    const float *wc = c->wb + (size_t)ky0 * kw4 + (size_t)kx0 * 4;
    for (int32_t ci = 0; ci < c->cg; ++ci, xc += c->in_plane, wc += taps4) {
      const float *xr = xc, *wr = wc;
      for (int32_t ky = ky0; ky < ky1; ++ky, xr += dh, wr += kw4) {
        const float *xt = xr, *wt = wr;
        if (c->depthwise)
          for (int32_t kx = kx0; kx < kx1; ++kx, xt += dw, wt += 4) {
            const float xv0 = xt[0], xv1 = xt[c->off1], xv2 = xt[c->off2],
                        xv3 = xt[c->off3];
            BNNC_CMF_LOAD4_W(wt, w0, w1, w2, w3);
            BNNC_CMF_MLA(a0, xv0, w0);
            BNNC_CMF_MLA(a1, xv1, w1);
            BNNC_CMF_MLA(a2, xv2, w2);
            BNNC_CMF_MLA(a3, xv3, w3);
          }
        else
          for (int32_t kx = kx0; kx < kx1; ++kx, xt += dw, wt += 4) {
            const float xv = xt[0];
            BNNC_CMF_LOAD4_W(wt, w0, w1, w2, w3);
            BNNC_CMF_MLA(a0, xv, w0);
            BNNC_CMF_MLA(a1, xv, w1);
            BNNC_CMF_MLA(a2, xv, w2);
            BNNC_CMF_MLA(a3, xv, w3);
          }
      }
    }
  }
  {
    float *y = c->y + (size_t)oy * (size_t)p->ow + (size_t)ox;
    const size_t op = c->out_plane;
    y[0] = bnnc_cmf_out(c, 0, a0);
    if (c->count > 1)
      y[op] = bnnc_cmf_out(c, 1, a1);
    if (c->count > 2)
      y[2 * op] = bnnc_cmf_out(c, 2, a2);
    if (c->count > 3)
      y[3 * op] = bnnc_cmf_out(c, 3, a3);
  }
}

/* The output positions [lo, hi) along one axis whose kernel window lies
 * inside the input along it (all taps in bounds). */
static inline void bnnc_cmf_inside(int32_t out, int32_t stride, int32_t pad,
                                   int32_t dilation, int32_t kernel,
                                   int32_t size, int32_t *lo, int32_t *hi) {
  const int32_t span = (kernel - 1) * dilation + 1;
  const int32_t last = size - span + pad; /* the last window start + pad */
  *lo = (pad + stride - 1) / stride;
  *hi = last < 0 ? 0 : last / stride + 1;
  if (*hi > out)
    *hi = out;
  if (*lo > *hi)
    *lo = *hi;
}

/* The row blocks of output row oy over columns [lo, lo + 4 * q): ps is the
 * input step between the block's pixels. */
BNNC_CMF_INLINE void bnnc_cmf_conv_row(const bnnc_cmf_conv_ctx *c, int32_t oy,
                                       int32_t lo, int32_t blocks, size_t ps,
                                       int32_t depthwise) {
  const bnnc_conv2d_params *p = c->p;
  int32_t ky0, ky1;
  bnnc_bvalid_taps(oy, p->stride_h, p->pad_top, p->dilation_h, p->kh, p->h,
                   &ky0, &ky1);
  if (ky1 <= ky0) { /* no row in bounds: bias and activation only */
    for (int32_t ox = lo; ox < lo + 4 * blocks; ++ox)
      bnnc_cmf_conv_pixel(c, oy, ox);
    return;
  }
  for (int32_t b = 0; b < blocks; ++b) {
    const int32_t ox = lo + 4 * b;
    const size_t y0 = (size_t)oy * (size_t)p->ow + (size_t)ox;
    const bnnc_cmf_pixels px = {
        {0, (ptrdiff_t)ps, 2 * (ptrdiff_t)ps, 3 * (ptrdiff_t)ps},
        {y0, y0 + 1, y0 + 2, y0 + 3}};
    (depthwise
         ? (ps == 1 ? bnnc_cmf_dw_block_unit : bnnc_cmf_dw_block_gather)
         : (ps == 1 ? bnnc_cmf_conv_block_unit : bnnc_cmf_conv_block_gather))(
        c, oy * p->stride_h - p->pad_top, ox * p->stride_w - p->pad_left, ky0,
        ky1, 0, p->kw, &px);
  }
}

/* The pixels of output rows [r0, r1) x columns [c0, c1), all with the same
 * in-bounds taps (each border row or column alone, or the interior band),
 * in row-major groups of 4 pixels (a remainder in blocks of 2 and 1). */
BNNC_CMF_INLINE void bnnc_cmf_conv_region(const bnnc_cmf_conv_ctx *c,
                                          int32_t r0, int32_t r1, int32_t c0,
                                          int32_t c1, int32_t depthwise) {
  const bnnc_conv2d_params *p = c->p;
  const int32_t cols = c1 - c0, count = (r1 - r0) * cols;
  int32_t ky0, ky1, kx0, kx1;
  if (count <= 0)
    return;
  bnnc_bvalid_taps(r0, p->stride_h, p->pad_top, p->dilation_h, p->kh, p->h,
                   &ky0, &ky1);
  bnnc_bvalid_taps(c0, p->stride_w, p->pad_left, p->dilation_w, p->kw, p->w,
                   &kx0, &kx1);
  if (ky1 <= ky0 || kx1 <= kx0) { /* no tap in bounds: bias, activation */
    for (int32_t k = 0; k < count; ++k)
      bnnc_cmf_conv_pixel(c, r0 + k / cols, c0 + k % cols);
    return;
  }
  {
    const ptrdiff_t row_step = (ptrdiff_t)p->stride_h * p->w;
    const ptrdiff_t col_step = (ptrdiff_t)p->stride_w;
    int32_t oy = r0, ox = c0; /* the next pixel, row-major */
    for (int32_t at = 0; at < count;) {
      /* 4 pixels, or the 2 and 1 of a remainder of 3, 2 or 1. */
      const int32_t n = count - at >= 4 ? 4 : count - at >= 2 ? 2 : 1;
      const int32_t oy0 = oy, ox0 = ox;
      bnnc_cmf_pixels px; /* entries from n on unused */
      for (int32_t i = 0; i < n; ++i) {
        px.in[i] = (ptrdiff_t)(oy - oy0) * row_step +
                   (ptrdiff_t)(ox - ox0) * col_step;
        px.out[i] = (size_t)oy * (size_t)p->ow + (size_t)ox;
        if (++ox == c1) {
          ox = c0;
          ++oy;
        }
      }
      (depthwise ? (n == 4   ? bnnc_cmf_dw_block_gather
                       : n == 2 ? bnnc_cmf_dw_block_gather2
                                : bnnc_cmf_dw_block_gather1)
                    : (n == 4   ? bnnc_cmf_conv_block_gather
                       : n == 2 ? bnnc_cmf_conv_block_gather2
                                : bnnc_cmf_conv_block_gather1))(
          c, oy0 * p->stride_h - p->pad_top, ox0 * p->stride_w - p->pad_left,
          ky0, ky1, kx0, kx1, &px);
      at += n;
    }
  }
}

/* The regions along one axis of `out` positions: each position below lo
 * alone, [lo, hi) together, each position from hi on alone.
 * bnnc_cmf_classes counts them, bnnc_cmf_class gives region i as
 * [*a, *b). */
static inline int32_t bnnc_cmf_classes(int32_t out, int32_t lo, int32_t hi) {
  return lo + (hi > lo ? 1 : 0) + (out - hi);
}
static inline void bnnc_cmf_class(int32_t i, int32_t lo, int32_t hi,
                                  int32_t *a, int32_t *b) {
  if (i < lo) {
    *a = i;
    *b = i + 1;
  } else if (hi > lo && i == lo) {
    *a = lo;
    *b = hi;
  } else {
    *a = hi + (i - lo - (hi > lo ? 1 : 0));
    *b = *a + 1;
  }
}

/* Every output pixel of columns [0, xlo) and [xend, ow) (the row blocks
 * did [xlo, xend)), region by region; [ylo, yhi) and [xend, xhi) are the
 * interior bands of rows and columns, the other rows and columns are
 * regions of their own. */
BNNC_CMF_INLINE void bnnc_cmf_conv_rest(const bnnc_cmf_conv_ctx *c,
                                        int32_t ylo, int32_t yhi, int32_t xlo,
                                        int32_t xend, int32_t xhi,
                                        int32_t depthwise) {
  const bnnc_conv2d_params *p = c->p;
  for (int32_t cx = 0; cx < p->ow;) {
    int32_t c0, c1;
    if (cx < xlo) {
      c0 = cx;
      c1 = cx + 1;
    } else if (cx < xend) { /* the row blocks' columns */
      cx = xend;
      continue;
    } else if (cx < xhi) {
      c0 = cx;
      c1 = xhi;
    } else {
      c0 = cx;
      c1 = cx + 1;
    }
    for (int32_t ry = 0; ry < bnnc_cmf_classes(p->oh, ylo, yhi); ++ry) {
      int32_t r0, r1;
      bnnc_cmf_class(ry, ylo, yhi, &r0, &r1);
      bnnc_cmf_conv_region(c, r0, r1, c0, c1, depthwise);
    }
    cx = c1;
  }
}

/* The convolution driver of bnnc_cm_conv2d_f32_o4 and
 * bnnc_cm_dwconv2d_f32_o4. */
BNNC_CMF_INLINE void bnnc_cmf_conv_impl(const bnnc_conv2d_params *p,
                                      const float *x, const float *w,
                                      const float *bias, float *y,
                                      int32_t depthwise) {
  /* Depthwise: the c channels as one group of 4-channel blocks, each
   * channel on its own input plane. */
  const int32_t groups = depthwise ? 1 : p->group;
  const int32_t cg = depthwise ? 1 : p->c / p->group;
  const int32_t mg = depthwise ? p->m : p->m / p->group;
  const int32_t blocks = (mg + 3) / 4;
  const size_t in_plane = (size_t)p->h * (size_t)p->w;
  const size_t out_plane = (size_t)p->oh * (size_t)p->ow;
  const size_t wblock = (size_t)cg * (size_t)p->kh * (size_t)p->kw * 4;
  int32_t ylo, yhi, xlo, xhi;
  bnnc_cmf_inside(p->oh, p->stride_h, p->pad_top, p->dilation_h, p->kh, p->h,
                  &ylo, &yhi);
  bnnc_cmf_inside(p->ow, p->stride_w, p->pad_left, p->dilation_w, p->kw, p->w,
                  &xlo, &xhi);
  {
    const int32_t row_blocks = (xhi - xlo) / 4;
    const int32_t xend = xlo + 4 * row_blocks; /* row blocks cover [xlo, xend) */
    for (int32_t n = 0; n < p->n; ++n)
      for (int32_t g = 0; g < groups; ++g)
        for (int32_t ob = 0; ob < blocks; ++ob) {
          const int32_t o0 = g * mg + 4 * ob;
          bnnc_cmf_conv_ctx c;
          c.p = p;
          c.xg = x + ((size_t)n * (size_t)p->c +
                      (size_t)(depthwise ? o0 : g * cg)) *
                         in_plane;
          c.wb = w + ((size_t)g * (size_t)blocks + (size_t)ob) * wblock;
          c.bias = bias ? bias + o0 : NULL;
          c.y = y + ((size_t)n * (size_t)p->m + (size_t)o0) * out_plane;
          c.in_plane = in_plane;
          c.out_plane = out_plane;
          c.cg = cg;
          c.count = mg - 4 * ob < 4 ? mg - 4 * ob : 4;
          c.depthwise = depthwise;
          c.off1 = depthwise ? (size_t)(c.count > 1 ? 1 : 0) * in_plane : 0;
          c.off2 = depthwise ? (size_t)(c.count > 2 ? 2 : c.count - 1) * in_plane
                             : 0;
          c.off3 = depthwise ? (size_t)(c.count > 3 ? 3 : c.count - 1) * in_plane
                             : 0;
          /* Rows: blocks along the row where the window is horizontally
           * inside. */
          if (row_blocks > 0) {
            if (p->stride_w == 1)
              for (int32_t oy = 0; oy < p->oh; ++oy)
                bnnc_cmf_conv_row(&c, oy, xlo, row_blocks, 1, depthwise);
            else
              for (int32_t oy = 0; oy < p->oh; ++oy)
                bnnc_cmf_conv_row(&c, oy, xlo, row_blocks,
                                  (size_t)p->stride_w, depthwise);
          }
          /* The other columns, by regions of a common tap rectangle. */
          bnnc_cmf_conv_rest(&c, ylo, yhi, xlo, row_blocks > 0 ? xend : xlo,
                             xhi, depthwise);
        }
  }
}

/* y = act(conv(x, w) + bias) as bnnc_conv2d_f32 (bit-identical), w in the
 * o4 layout (bnnc_layout_o4). */
static inline void bnnc_cm_conv2d_f32_o4(const bnnc_conv2d_params *p,
                                         const float *x, const float *w,
                                         const float *bias, float *y) {
  bnnc_cmf_conv_impl(p, x, w, bias, y, 0);
}

/* Depthwise (group = c = m: one input and one output channel per group) as
 * bnnc_conv2d_f32 (bit-identical): 4 channels x 4 pixels per block, each
 * channel on its own plane; w in the o4 layout of a group-1 convolution
 * with one input channel, bnnc_layout_o4(m, 1, kh * kw, 1, ...). */
static inline void bnnc_cm_dwconv2d_f32_o4(const bnnc_conv2d_params *p,
                                           const float *x, const float *w,
                                           const float *bias, float *y) {
  bnnc_cmf_conv_impl(p, x, w, bias, y, 1);
}

/* ---- Depthwise convolution: 8 pixels of a row ---------------------------- */

#define BNNC_CMF_EACH8(F) F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7)

/* y = act(conv(x, w) + bias) as bnnc_conv2d_f32 (bit-identical) for one
 * input channel per group (cg = 1; mg output channels per group), w as
 * given (OIHW: m, 1, kh, kw). */
static inline void bnnc_cm_dwconv2d_f32(const bnnc_conv2d_params *p,
                                        const float *x, const float *w,
                                        const float *bias, float *y) {
  const int32_t mg = p->m / p->group;
  const size_t in_w = (size_t)p->w, in_plane = (size_t)p->h * in_w;
  const size_t ow = (size_t)p->ow, out_plane = (size_t)p->oh * ow;
  const size_t kw = (size_t)p->kw, taps = (size_t)p->kh * kw;
  const size_t dh = (size_t)p->dilation_h * in_w, dw = (size_t)p->dilation_w;
  const size_t sw = (size_t)p->stride_w;
  int32_t xlo, xhi;
  bnnc_cmf_inside(p->ow, p->stride_w, p->pad_left, p->dilation_w, p->kw, p->w,
                  &xlo, &xhi);
  for (int32_t n = 0; n < p->n; ++n)
    for (int32_t o = 0; o < p->m; ++o) {
      const float *xc =
          x + ((size_t)n * (size_t)p->c + (size_t)(o / mg)) * in_plane;
      const float *wo = w + (size_t)o * taps;
      float *yo = y + ((size_t)n * (size_t)p->m + (size_t)o) * out_plane;
      const float b = bias ? bias[o] : 0.0f;
      for (int32_t oy = 0; oy < p->oh; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        int32_t ky0, ky1;
        float *yr = yo + (size_t)oy * ow;
        int32_t ox = 0;
        bnnc_bvalid_taps(oy, p->stride_h, p->pad_top, p->dilation_h, p->kh,
                         p->h, &ky0, &ky1);
        for (; ox < p->ow; ++ox) {
          int32_t kx0, kx1;
          float acc = 0.0f;
          if (ox >= xlo && xhi - ox >= 8) { /* 8 pixels, all columns inside */
#define BNNC_CMF_ZERO(i) float s##i = 0.0f;
#define BNNC_CMF_DWMAC(i)                                                      \
  {                                                                            \
    const float xv##i = xt[(size_t)i * sw];                                    \
    BNNC_CMF_MLA(s##i, xv##i, wv);                                             \
  }
#define BNNC_CMF_DWOUT(i)                                                      \
  if (bias)                                                                    \
    s##i += b;                                                                 \
  yr[ox + i] = bnnc_activate_f32(s##i, p->relu);
            BNNC_CMF_EACH8(BNNC_CMF_ZERO)
            if (ky1 > ky0) {
              const float *xr = xc + (size_t)(iy0 + ky0 * p->dilation_h) * in_w +
                                (size_t)(ox * p->stride_w - p->pad_left);
              const float *wr = wo + (size_t)ky0 * kw;
              for (int32_t ky = ky0; ky < ky1; ++ky, xr += dh, wr += kw) {
                const float *xt = xr;
                for (size_t kx = 0; kx < kw; ++kx, xt += dw) {
                  const float wv = wr[kx];
                  BNNC_CMF_EACH8(BNNC_CMF_DWMAC)
                }
              }
            }
            BNNC_CMF_EACH8(BNNC_CMF_DWOUT)
#undef BNNC_CMF_ZERO
#undef BNNC_CMF_DWMAC
#undef BNNC_CMF_DWOUT
            ox += 7;
            continue;
          }
          bnnc_bvalid_taps(ox, p->stride_w, p->pad_left, p->dilation_w, p->kw,
                           p->w, &kx0, &kx1);
          for (int32_t ky = ky0; ky < ky1; ++ky) {
            const float *xr = xc + (size_t)(iy0 + ky * p->dilation_h) * in_w +
                              (size_t)(ox * p->stride_w - p->pad_left +
                                       kx0 * p->dilation_w);
            const float *wr = wo + (size_t)ky * kw + (size_t)kx0;
            for (int32_t k = 0; k < kx1 - kx0; ++k)
            {
              const float xv = xr[(size_t)k * dw], wv = wr[k];
              BNNC_CMF_MLA(acc, xv, wv);
            }
          }
          if (bias)
            acc += b;
          yr[ox] = bnnc_activate_f32(acc, p->relu);
        }
      }
    }
}

/* ---- Dense: 8 output columns ------------------------------------------------ */

/* The 8 multiply-adds of one input value av with the 8 weights at wt (one
 * k of an n8 block); wt advances by 8. */
#define BNNC_CMF_DENSE_STEP(av, wt)                                            \
  {                                                                            \
    BNNC_CMF_LOAD8_W_INC(wt, w0, w1, w2, w3, w4, w5, w6, w7);                 \
    BNNC_CMF_MLA(s0, av, w0);                                                  \
    BNNC_CMF_MLA(s1, av, w1);                                                  \
    BNNC_CMF_MLA(s2, av, w2);                                                  \
    BNNC_CMF_MLA(s3, av, w3);                                                  \
    BNNC_CMF_MLA(s4, av, w4);                                                  \
    BNNC_CMF_MLA(s5, av, w5);                                                  \
    BNNC_CMF_MLA(s6, av, w6);                                                  \
    BNNC_CMF_MLA(s7, av, w7);                                                  \
  }

/* y[m, n] = act(a[m, k] * B + bias[n]) as bnnc_gemm_f32 with alpha = 1 and
 * a row bias with beta = 1 (bit-identical), B in the n8 layout
 * (bnnc_layout_n8: (ceil(n / 8), k, 8)). The k loop is unrolled by 4: one
 * VLDM of 4 inputs, 4 VLDMs of 8 weights (both with write-back) and 32
 * VMLA, i.e. 39 instructions per 32 multiply-adds with the loop test. */
static inline void bnnc_cm_dense_f32(int32_t m, int32_t n, int32_t k,
                                     const float *a, const float *w8,
                                     const float *bias, int32_t relu,
                                     float *y) {
  const size_t nn = (size_t)n, kk = (size_t)k;
  for (int32_t jb = 0; jb < n; jb += 8) {
    const float *wb = w8 + (size_t)jb * kk;
    const int32_t count = n - jb < 8 ? n - jb : 8;
    for (int32_t i = 0; i < m; ++i) {
      const float *ai = a + (size_t)i * kk;
      const float *const a4 = ai + (kk & ~(size_t)3), *const aend = ai + kk;
      const float *wt = wb;
      float *yi = y + (size_t)i * nn + (size_t)jb;
#define BNNC_CMF_Z(j) float s##j = 0.0f;
      BNNC_CMF_EACH8(BNNC_CMF_Z)
#undef BNNC_CMF_Z
      while (ai < a4) {
        BNNC_CMF_LOAD4_X_INC(ai, x0, x1, x2, x3);
        BNNC_CMF_DENSE_STEP(x0, wt)
        BNNC_CMF_DENSE_STEP(x1, wt)
        BNNC_CMF_DENSE_STEP(x2, wt)
        BNNC_CMF_DENSE_STEP(x3, wt)
      }
      for (; ai < aend; ++ai) {
        const float av = *ai;
        BNNC_CMF_DENSE_STEP(av, wt)
      }
#define BNNC_CMF_DOUT(j)                                                       \
  if (j < count) {                                                             \
    float v = s##j;                                                            \
    if (bias)                                                                  \
      v += bias[jb + j];                                                       \
    yi[j] = bnnc_activate_f32(v, relu);                                        \
  }
      BNNC_CMF_EACH8(BNNC_CMF_DOUT)
#undef BNNC_CMF_DOUT
    }
  }
}

/* ---- Recurrent layers: the gates' matrix-vector products --------------- */

/* Row `row`'s 4 multiply-adds with the inputs x0..x3 (the weights at mp,
 * which advances by 4). */
#define BNNC_CMF_RNN_ROW(acc, mp)                                              \
  {                                                                            \
    BNNC_CMF_LOAD4_W_INC(mp, w0, w1, w2, w3);                                 \
    BNNC_CMF_MLA(acc, x0, w0);                                                 \
    BNNC_CMF_MLA(acc, x1, w1);                                                 \
    BNNC_CMF_MLA(acc, x2, w2);                                                 \
    BNNC_CMF_MLA(acc, x3, w3);                                                 \
  }

/* y[k] from the dot product d of row k, as bnnc_rnn_matvec_dot_f32. */
BNNC_CMF_INLINE void bnnc_cmf_rnn_out(float *y, size_t k, float d,
                                      const float *bias, int mode) {
  if (mode == BNNC_RNN_MV_ACC)
    y[k] = y[k] + d;
  else if (mode == BNNC_RNN_MV_ADD)
    y[k] = y[k] + (d + (bias ? bias[k] : 0.0f));
  else
    y[k] = d + (bias ? bias[k] : 0.0f);
}

/* bnnc_rnn_matvec_fn of the Cortex-M targets, bit-identical to the
 * portable one (each row summed in index order from +0.0f): 4 rows per
 * block over the weights as they are (row-major, so no repacked copy), one
 * VLDM of 4 inputs and 4 VLDMs of 4 weights with write-back and 16 VMLA
 * per 4 columns, i.e. 23 instructions per 16 multiply-adds with the loop
 * test. Remaining rows one at a time. */
static void bnnc_cm_rnn_matvec_f32(bnnc_rnn_dot_fn dot, const float *v,
                                   const float *m, size_t n, size_t rows,
                                   const float *bias, int mode, float *y) {
  const float *const vend = v + n, *const v4 = v + (n & ~(size_t)3);
  size_t k = 0;
  (void)dot;
  for (; k + 4 <= rows; k += 4) {
    const float *m0 = m + k * n, *m1 = m0 + n, *m2 = m1 + n, *m3 = m2 + n;
    const float *vp = v;
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    while (vp < v4) {
      BNNC_CMF_LOAD4_X_INC(vp, x0, x1, x2, x3);
      BNNC_CMF_RNN_ROW(a0, m0)
      BNNC_CMF_RNN_ROW(a1, m1)
      BNNC_CMF_RNN_ROW(a2, m2)
      BNNC_CMF_RNN_ROW(a3, m3)
    }
    for (; vp < vend; ++vp) {
      const float xv = *vp, b0 = *m0++, b1 = *m1++, b2 = *m2++, b3 = *m3++;
      BNNC_CMF_MLA(a0, xv, b0);
      BNNC_CMF_MLA(a1, xv, b1);
      BNNC_CMF_MLA(a2, xv, b2);
      BNNC_CMF_MLA(a3, xv, b3);
    }
    bnnc_cmf_rnn_out(y, k, a0, bias, mode);
    bnnc_cmf_rnn_out(y, k + 1, a1, bias, mode);
    bnnc_cmf_rnn_out(y, k + 2, a2, bias, mode);
    bnnc_cmf_rnn_out(y, k + 3, a3, bias, mode);
  }
  for (; k < rows; ++k) {
    const float *m0 = m + k * n, *vp = v;
    float a0 = 0.0f;
    while (vp < v4) {
      BNNC_CMF_LOAD4_X_INC(vp, x0, x1, x2, x3);
      BNNC_CMF_RNN_ROW(a0, m0)
    }
    for (; vp < vend; ++vp) {
      const float xv = *vp, b0 = *m0++;
      BNNC_CMF_MLA(a0, xv, b0);
    }
    bnnc_cmf_rnn_out(y, k, a0, bias, mode);
  }
}

/* The recurrent kernel (LSTM, GRU, RNN) of bnnc_recurrent_f32 with the
 * blocked products above; bit-identical to it. */
static inline void bnnc_cm_recurrent_f32(const bnnc_recurrent_params *p,
                                         const float *x, const float *w,
                                         const float *r, const float *bias,
                                         const float *h0, const float *c0,
                                         const float *peep,
                                         const int32_t *lens, float *out) {
  bnnc_recurrent_mv_f32(p, bnnc_cm_rnn_matvec_f32, bnnc_rnn_dot_f32, x, w, r,
                        bias, h0, c0, peep, lens, out);
}

#endif /* BNNC_KERNELS_CORTEXM_F32_H */
