/*
 * cortexm_int8_sweep.h - randomized sweep of the Cortex-M int8
 * convolution (bnnc/kernels_cortexm_int8.h) against the generic kernels
 * (bnnc_qconv2d_* and bnnc_requantize_fixed_i32_* of kernels_int8.h), bit
 * for bit: int8/uint8 inputs and weights, zero points per tensor and per
 * channel (at the bounds too), pads, strides, dilations, groups,
 * depthwise, dense layers (a batch of 1x1 outputs), int32 biases near the
 * int32 limits (the sums wrap), extreme inputs (only -128/127 or 0/255),
 * and the fused requantization into int8/uint8 with and without ReLU.
 * C99; the bare-metal firmware test/cortexm/Inputs/int8_sweep_main.c runs
 * it under QEMU on Cortex-M4, -M7 (SMLAD assembly) and the soft-float M3
 * build of the cortex-m0plus flags (plain C) (test/cortexm/int8-kernels.test).
 * Static buffers, no heap.
 */
#ifndef BNNC_TEST_CORTEXM_INT8_SWEEP_H
#define BNNC_TEST_CORTEXM_INT8_SWEEP_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "bnnc/kernels_cortexm_int8.h"
#include "bnnc/layouts.h"

#define QSWEEP_BUF 8192

static uint64_t qsweep_state;
static uint32_t qsweep_next(void) {
  uint64_t z = (qsweep_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (uint32_t)((z ^ (z >> 31)) >> 32);
}
static int32_t qsweep_range(int32_t lo, int32_t hi) {
  return lo + (int32_t)(qsweep_next() % (uint32_t)(hi - lo + 1));
}

static uint8_t qsweep_x[QSWEEP_BUF], qsweep_w[QSWEEP_BUF];
static uint32_t qsweep_wl[QSWEEP_BUF];
static int32_t qsweep_wd[QSWEEP_BUF], qsweep_ref[QSWEEP_BUF],
    qsweep_got[QSWEEP_BUF];
static uint8_t qsweep_qref[QSWEEP_BUF], qsweep_qgot[QSWEEP_BUF];
static int32_t qsweep_bias[256], qsweep_mant[256], qsweep_exp[256],
    qsweep_zp32[256];
static float qsweep_scale[256];
static uint8_t qsweep_wzp[256], qsweep_yzp[256];

/* A random byte of an int8 (u = 0) or uint8 (u = 1) tensor; extreme:
 * only the type's bounds (-128/127, 0/255). */
static uint8_t qsweep_value(int extreme, int u) {
  if (extreme)
    return (qsweep_next() & 1) ? (u ? 0xff : 0x7f) : (u ? 0x00 : 0x80);
  return (uint8_t)qsweep_next();
}

/* The generic kernel by element types. */
static void qsweep_reference(int xs, int ws, const bnnc_qconv2d_params *p,
                             const uint8_t *xz, const uint8_t *wz) {
  if (!xs && !ws)
    bnnc_qconv2d_i8_i8(p, (const int8_t *)qsweep_x, (const int8_t *)qsweep_w,
                       (const int8_t *)xz, (const int8_t *)wz, qsweep_bias,
                       qsweep_ref);
  else if (!xs && ws)
    bnnc_qconv2d_i8_u8(p, (const int8_t *)qsweep_x, qsweep_w,
                       (const int8_t *)xz, wz, qsweep_bias, qsweep_ref);
  else if (xs && !ws)
    bnnc_qconv2d_u8_i8(p, qsweep_x, (const int8_t *)qsweep_w, xz,
                       (const int8_t *)wz, qsweep_bias, qsweep_ref);
  else
    bnnc_qconv2d_u8_u8(p, qsweep_x, qsweep_w, xz, wz, qsweep_bias,
                       qsweep_ref);
}

/* One random case; returns 0 when both outputs (int32 and requantized)
 * equal the generic kernels', else 1 and a message. kind 0: convolution,
 * 1: depthwise, 2: dense, 3: extreme values. */
static int qsweep_case(int kind, char *msg, size_t msg_size) {
  bnnc_qconv2d_params gp;
  bnnc_cm_qconv2d_params p;
  int32_t cg, mg, k;
  size_t xs_n, ws_n, ys_n;
  for (;;) {
    memset(&gp, 0, sizeof gp);
    gp.n = qsweep_range(1, kind == 2 ? 5 : 2);
    if (kind == 1) {
      gp.group = qsweep_range(1, 12);
      cg = 1;
      mg = qsweep_range(1, 2);
    } else {
      gp.group = kind == 2 ? 1 : qsweep_range(1, 3);
      cg = qsweep_range(1, kind == 2 ? 64 : 12);
      mg = qsweep_range(1, 11);
    }
    gp.c = cg * gp.group;
    gp.m = mg * gp.group;
    gp.h = qsweep_range(1, kind == 2 ? 4 : 10);
    gp.w = qsweep_range(1, kind == 2 ? 4 : 10);
    if (kind == 2) {
      gp.kh = gp.h;
      gp.kw = gp.w;
      gp.stride_h = gp.stride_w = gp.dilation_h = gp.dilation_w = 1;
    } else {
      gp.kh = qsweep_range(1, 4);
      gp.kw = qsweep_range(1, 4);
      gp.stride_h = qsweep_range(1, 3);
      gp.stride_w = qsweep_range(1, 3);
      gp.dilation_h = qsweep_range(1, 2);
      gp.dilation_w = qsweep_range(1, 2);
      gp.pad_top = qsweep_range(0, 2);
      gp.pad_left = qsweep_range(0, 2);
    }
    const int32_t pb = kind == 2 ? 0 : qsweep_range(0, 2);
    const int32_t pr = kind == 2 ? 0 : qsweep_range(0, 2);
    const int32_t eh = (gp.kh - 1) * gp.dilation_h + 1;
    const int32_t ew = (gp.kw - 1) * gp.dilation_w + 1;
    if (gp.h + gp.pad_top + pb < eh || gp.w + gp.pad_left + pr < ew)
      continue;
    gp.oh = (gp.h + gp.pad_top + pb - eh) / gp.stride_h + 1;
    gp.ow = (gp.w + gp.pad_left + pr - ew) / gp.stride_w + 1;
    k = cg * gp.kh * gp.kw;
    xs_n = (size_t)gp.n * (size_t)gp.c * (size_t)(gp.h * gp.w);
    ws_n = (size_t)gp.m * (size_t)k;
    ys_n = (size_t)gp.n * (size_t)gp.m * (size_t)(gp.oh * gp.ow);
    const int dense = gp.oh == 1 && gp.ow == 1 && gp.kh == gp.h &&
                      gp.kw == gp.w && gp.pad_top == 0 && gp.pad_left == 0;
    if (k <= bnnc_cm_qpatch_max(dense) && xs_n <= QSWEEP_BUF && ws_n <= QSWEEP_BUF &&
        ys_n <= QSWEEP_BUF && gp.m <= 256 &&
        bnnc_layout_q4_words(gp.m, k, gp.group) <= QSWEEP_BUF)
      break;
  }
  const int extreme = kind == 3;
  const int xu = (int)(qsweep_next() & 1), wu = (int)(qsweep_next() & 1);
  gp.w_zp_step = (int32_t)(qsweep_next() & 1);
  for (size_t i = 0; i < xs_n; ++i)
    qsweep_x[i] = qsweep_value(extreme, xu);
  for (size_t i = 0; i < ws_n; ++i)
    qsweep_w[i] = qsweep_value(extreme, wu);
  uint8_t xz = qsweep_value(extreme && (qsweep_next() & 1), xu);
  for (int32_t o = 0; o < gp.m; ++o)
    qsweep_wzp[o] = qsweep_value(extreme && (qsweep_next() & 1), wu);
  /* Biases: none, small, or near the int32 limits (the sums wrap). */
  const int bias_kind = (int)(qsweep_next() % 3);
  for (int32_t o = 0; o < gp.m; ++o)
    qsweep_bias[o] = bias_kind == 1 ? qsweep_range(-100000, 100000)
                                    : (int32_t)qsweep_next();
  const int32_t *bias = bias_kind ? qsweep_bias : NULL;
  if (!bias)
    memset(qsweep_bias, 0, sizeof qsweep_bias);
  const int have_xz = (int)(qsweep_next() % 4) != 0;
  const int have_wz = (int)(qsweep_next() % 4) != 0;

  qsweep_reference(xu, wu, &gp, have_xz ? &xz : NULL,
                   have_wz ? qsweep_wzp : NULL);

  /* The compiler's preparation: weights minus zero point, q4 layout. */
  for (int32_t o = 0; o < gp.m; ++o) {
    const uint8_t zb = have_wz ? qsweep_wzp[gp.w_zp_step ? o : 0] : 0;
    const int32_t z = wu ? (int32_t)zb : (int32_t)(int8_t)zb;
    for (int32_t t = 0; t < k; ++t) {
      const uint8_t b = qsweep_w[(size_t)o * (size_t)k + (size_t)t];
      qsweep_wd[(size_t)o * (size_t)k + (size_t)t] =
          (wu ? (int32_t)b : (int32_t)(int8_t)b) - z;
    }
  }
  bnnc_layout_q4(gp.m, k, gp.group, qsweep_wd, qsweep_wl);
  memcpy(&p, &gp, offsetof(bnnc_qconv2d_params, w_zp_step)); /* geometry */
  p.kp = bnnc_layout_q4_kp(k);

  /* int32 output. */
  bnnc_cm_qepilogue ep;
  memset(&ep, 0, sizeof ep);
  memset(qsweep_got, 0x5a, ys_n * sizeof(int32_t));
  if (xu)
    bnnc_cm_qconv2d_u8(&p, qsweep_x, have_xz ? &xz : NULL, qsweep_wl, bias,
                       &ep, qsweep_got);
  else
    bnnc_cm_qconv2d_i8(&p, (const int8_t *)qsweep_x,
                       have_xz ? (const int8_t *)&xz : NULL, qsweep_wl, bias,
                       &ep, qsweep_got);
  for (size_t i = 0; i < ys_n; ++i)
    if (qsweep_got[i] != qsweep_ref[i]) {
      snprintf(msg, msg_size,
               "kind %d int32 n%d c%d h%d w%d m%d k%dx%d s%d,%d d%d,%d "
               "p%d,%d g%d: [%u] %ld != %ld",
               kind, (int)gp.n, (int)gp.c, (int)gp.h, (int)gp.w, (int)gp.m,
               (int)gp.kh, (int)gp.kw, (int)gp.stride_h, (int)gp.stride_w,
               (int)gp.dilation_h, (int)gp.dilation_w, (int)gp.pad_top,
               (int)gp.pad_left, (int)gp.group, (unsigned)i,
               (long)qsweep_got[i], (long)qsweep_ref[i]);
      return 1;
    }

  /* Fused requantization against bnnc_requantize_fixed_i32_*. */
  const int yu = (int)(qsweep_next() & 1);
  bnnc_quant_params qp;
  qp.outer = gp.n;
  qp.channels = gp.m;
  qp.inner = gp.oh * gp.ow;
  qp.scale_step = 1;
  qp.zp_step = 1;
  qp.relu = (int32_t)(qsweep_next() & 1);
  for (int32_t o = 0; o < gp.m; ++o) {
    qsweep_mant[o] = qsweep_range(1 << 23, (1 << 24) - 1);
    qsweep_exp[o] = (qsweep_next() & 7) ? qsweep_range(-45, -20)
                                         : qsweep_range(-160, 4);
    /* The FPU requantization's multiplier (exact down to 2^-149; the
     * smaller ones round, and give 0 either way). */
    qsweep_scale[o] = ldexpf((float)qsweep_mant[o], qsweep_exp[o]);
    qsweep_yzp[o] = qsweep_value(extreme && (qsweep_next() & 1), yu);
    qsweep_zp32[o] = yu ? (int32_t)qsweep_yzp[o]
                        : (int32_t)(int8_t)qsweep_yzp[o];
  }
  ep.mant = qsweep_mant;
  ep.exp = qsweep_exp;
  ep.zp = qsweep_zp32;
  ep.lo = yu ? 0 : -128;
  ep.hi = yu ? 255 : 127;
  ep.relu = qp.relu;
  ep.scale = qsweep_scale;
  if (yu)
    bnnc_requantize_fixed_i32_u8(&qp, qsweep_ref, qsweep_mant, qsweep_exp,
                                 qsweep_yzp, qsweep_qref);
  else
    bnnc_requantize_fixed_i32_i8(&qp, qsweep_ref, qsweep_mant, qsweep_exp,
                                 (const int8_t *)qsweep_yzp,
                                 (int8_t *)qsweep_qref);
  /* The unfused Cortex-M requantization kernel. */
  memset(qsweep_qgot, 0x5a, ys_n);
  if (yu)
    bnnc_cm_requantize_fixed_i32_u8(&qp, qsweep_ref, qsweep_mant, qsweep_exp,
                                    qsweep_yzp, qsweep_qgot);
  else
    bnnc_cm_requantize_fixed_i32_i8(&qp, qsweep_ref, qsweep_mant, qsweep_exp,
                                    (const int8_t *)qsweep_yzp,
                                    (int8_t *)qsweep_qgot);
  if (memcmp(qsweep_qgot, qsweep_qref, ys_n) != 0) {
    snprintf(msg, msg_size, "kind %d: bnnc_cm_requantize_fixed_i32 differs",
             kind);
    return 1;
  }
  memset(qsweep_qgot, 0x5a, ys_n);
  if (xu)
    bnnc_cm_qconv2d_u8(&p, qsweep_x, have_xz ? &xz : NULL, qsweep_wl, bias,
                       &ep, qsweep_qgot);
  else
    bnnc_cm_qconv2d_i8(&p, (const int8_t *)qsweep_x,
                       have_xz ? (const int8_t *)&xz : NULL, qsweep_wl, bias,
                       &ep, qsweep_qgot);
  for (size_t i = 0; i < ys_n; ++i)
    if (qsweep_qgot[i] != qsweep_qref[i]) {
      snprintf(msg, msg_size, "kind %d requantized [%u] %u != %u", kind,
               (unsigned)i, (unsigned)qsweep_qgot[i],
               (unsigned)qsweep_qref[i]);
      return 1;
    }
  return 0;
}

#define QSWEEP_KINDS 4

/* `cases` cases of each kind; returns the number of failures (the first
 * one's message in msg). */
static int qsweep_all(uint64_t seed, int cases, char *msg, size_t msg_size) {
  int failures = 0;
  char one[256];
  qsweep_state = seed;
  msg[0] = 0;
  for (int i = 0; i < cases; ++i)
    for (int kind = 0; kind < QSWEEP_KINDS; ++kind)
      if (qsweep_case(kind, one, sizeof one) && failures++ == 0)
        snprintf(msg, msg_size, "%s", one);
  return failures;
}

/* The requantization alone (bnnc_cm_requantize_fixed_i32_*: the FPU path
 * on FPU cores, the integer one elsewhere) against
 * bnnc_requantize_fixed_i32_* on the values where roundings differ if
 * anything does: multipliers that are powers of two (every product of an
 * odd accumulator is then a tie at some exponent), significands at both
 * ends, the subnormal range and huge multipliers; accumulators around
 * 2^24 (where float(acc) starts rounding), the int32 limits, and
 * k * 2^j + 2^(j - 1) (ties of round(acc / 2^j)); every zero point and
 * ReLU. Returns the number of mismatching (multiplier, zero point) rows;
 * *cases counts the values compared. */
static int qsweep_requantize_edges(char *msg, size_t msg_size, long *cases) {
  static const int32_t mants[] = {1 << 23, (1 << 23) + 1, 3 << 22,
                                  (1 << 24) - 1, 5 << 21, 1, 0x7fffff};
  static const int32_t exps[] = {-149, -60, -40, -31, -30, -24, -23, -22,
                                 -16, -8,   -1,  0,   1,   7,   104};
  enum { N = 96 };
  static int32_t acc[N];
  static uint8_t ref[N], got[N];
  int n = 0, failures = 0;
  const int32_t fixed[] = {0, 1, -1, 2, -2, 3, -3, (1 << 24) - 1, 1 << 24,
                           (1 << 24) + 1, (1 << 24) + 3, INT32_MAX,
                           INT32_MIN, INT32_MIN + 1, 1 << 30};
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; ++i) {
    acc[n++] = fixed[i];
    acc[n++] = fixed[i] == INT32_MIN ? INT32_MAX : -fixed[i];
  }
  for (int j = 1; n + 2 <= N; j = j % 30 + 1) {
    const int32_t tie = (int32_t)(qsweep_next() % (1u << (30 - j))) << j |
                        (int32_t)1 << (j - 1);
    acc[n++] = tie;
    acc[n++] = -tie;
  }
  *cases = 0;
  bnnc_quant_params qp;
  memset(&qp, 0, sizeof qp);
  qp.outer = 1;
  qp.channels = 1;
  qp.inner = N;
  for (size_t a = 0; a < sizeof mants / sizeof mants[0]; ++a)
    for (size_t b = 0; b < sizeof exps / sizeof exps[0]; ++b)
      for (int z = 0; z < 4; ++z) {
        const int32_t mant = mants[a], exp = exps[b];
        const uint8_t zp = (uint8_t)(z == 0 ? 0 : z == 1 ? 255 : z == 2 ? 128 : 37);
        qp.relu = z & 1;
        for (int u = 0; u < 2; ++u) {
          if (u) {
            bnnc_requantize_fixed_i32_u8(&qp, acc, &mant, &exp, &zp, ref);
            bnnc_cm_requantize_fixed_i32_u8(&qp, acc, &mant, &exp, &zp, got);
          } else {
            bnnc_requantize_fixed_i32_i8(&qp, acc, &mant, &exp,
                                         (const int8_t *)&zp, (int8_t *)ref);
            bnnc_cm_requantize_fixed_i32_i8(&qp, acc, &mant, &exp,
                                            (const int8_t *)&zp,
                                            (int8_t *)got);
          }
          *cases += N;
          for (int i = 0; i < N; ++i)
            if (got[i] != ref[i]) {
              if (failures++ == 0)
                snprintf(msg, msg_size,
                         "requantize mant %ld exp %ld zp %u %s: acc %ld gives "
                         "%u, not %u",
                         (long)mant, (long)exp, (unsigned)zp, u ? "u8" : "i8",
                         (long)acc[i], (unsigned)got[i], (unsigned)ref[i]);
              break;
            }
        }
      }
  return failures;
}

/* QuantizeLinear (bnnc_cm_quantize_f32_*: VDIV and VCVTR on FPU cores)
 * against bnnc_quantize_f32_* on exact ties (k + 1/2) * scale, their
 * neighbours one ulp away, values beyond the type's range, infinities,
 * NaN, zeros of both signs, subnormals and random values, for several
 * scales (powers of two make every tie exact), both types, every zero
 * point kind and both rounding conventions. Returns the number of
 * mismatching rows; *cases counts the values compared. */
static int qsweep_quantize_edges(char *msg, size_t msg_size, long *cases) {
  enum { N = 160 };
  static float x[N];
  static uint8_t ref[N], got[N];
  static const float scales[] = {1.0f, 0.5f, 0.0078125f, 0.1f, 3.0f,
                                 1e-30f, 1e30f};
  int failures = 0;
  *cases = 0;
  for (size_t si = 0; si < sizeof scales / sizeof scales[0]; ++si) {
    const float s = scales[si];
    int n = 0;
    for (int k = -140; k <= 140 && n + 3 <= N - 16; k += 7) {
      const float tie = ((float)k + 0.5f) * s;
      x[n++] = tie;
      x[n++] = nextafterf(tie, INFINITY);
      x[n++] = nextafterf(tie, -INFINITY);
    }
    const float special[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN,
                             1e-45f, -1e-45f, 3e38f, -3e38f, 255.5f * s,
                             -128.5f * s, 127.5f * s};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; ++i)
      x[n++] = special[i];
    while (n < N)
      x[n++] = ((float)(int32_t)qsweep_next() / 2147483648.0f) * 300.0f * s;
    for (int z = 0; z < 3; ++z)
      for (int u = 0; u < 2; ++u)
        for (int away = 0; away < 2; ++away) {
          bnnc_quant_params qp;
          memset(&qp, 0, sizeof qp);
          qp.outer = 1;
          qp.channels = 1;
          qp.inner = N;
          qp.round_away = away;
          const uint8_t zp = (uint8_t)(z == 0 ? 0 : z == 1 ? 255 : 128);
          const uint8_t *zpp = z == 0 ? NULL : &zp;
          if (u) {
            bnnc_quantize_f32_u8(&qp, x, &s, zpp, ref);
            bnnc_cm_quantize_f32_u8(&qp, x, &s, zpp, got);
          } else {
            bnnc_quantize_f32_i8(&qp, x, &s, (const int8_t *)zpp, (int8_t *)ref);
            bnnc_cm_quantize_f32_i8(&qp, x, &s, (const int8_t *)zpp,
                                    (int8_t *)got);
          }
          *cases += N;
          for (int i = 0; i < N; ++i)
            if (got[i] != ref[i]) {
              if (failures++ == 0)
                snprintf(msg, msg_size,
                         "quantize scale %g zp %u %s%s: x %g gives %u, not %u",
                         (double)s, (unsigned)zp, u ? "u8" : "i8",
                         away ? " (ties away)" : "", (double)x[i],
                         (unsigned)got[i], (unsigned)ref[i]);
              break;
            }
        }
  }
  return failures;
}

#endif /* BNNC_TEST_CORTEXM_INT8_SWEEP_H */
