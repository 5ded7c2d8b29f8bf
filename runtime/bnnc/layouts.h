/*
 * bnnc/layouts.h - the weight layouts of the NEON kernels (kernels_neon.h)
 * and the size limits of the Cortex-M kernels (kernels_cortexm.h).
 *
 * Portable C (also valid C++): the compiler includes this file to write the
 * weights of the aarch64 target at compile time and to choose kernels, and
 * the unit tests and benchmarks use it to prepare weights the same way, so
 * each layout and limit is defined once, here.
 */
#ifndef BNNC_LAYOUTS_H
#define BNNC_LAYOUTS_H

#include <stddef.h>
#include <stdint.h>

/* Largest patch (kh * kw * words of one output position), in 32-bit words,
 * that the Cortex-M binary convolution gathers on the stack. 256 words =
 * 1 KiB covers a 3x3 convolution over 896 channels. The compiler uses the
 * generic kernel for larger ones. */
#define BNNC_CM_PATCH_WORDS 256

/* Number of 32-bit words of the o8 layout of m channels x taps x wg words. */
static inline size_t bnnc_layout_o8_words(int32_t m, int32_t taps,
                                          int32_t wg) {
  return (size_t)((m + 7) / 8 * 8) * (size_t)taps * (size_t)wg;
}

/* Packed OHWI binary weights (m, taps, wg words) -> "o8": per block of 8
 * output channels and per tap, the tap's words in segments of 4 words, then
 * one of 2 and one of 1 as wg requires; a segment of width s holds the 8
 * channels' s words side by side (channel j at 8 * start + j * s). One LD1 or
 * LD4R then loads a segment for all 8 channels. Channels past m are zero.
 * `out` has bnnc_layout_o8_words(m, taps, wg) words. */
static inline void bnnc_layout_o8(int32_t m, int32_t taps, int32_t wg,
                                  const uint32_t *ohwi, uint32_t *out) {
  const size_t ntaps = (size_t)taps, words = (size_t)wg, full = words / 4 * 4;
  size_t i;
  for (i = 0; i < bnnc_layout_o8_words(m, taps, wg); ++i)
    out[i] = 0;
  for (size_t o = 0; o < (size_t)m; ++o)
    for (size_t t = 0; t < ntaps; ++t)
      for (size_t k = 0; k < words; ++k) {
        const int two = (words & 2) && k >= full && k < full + 2;
        const size_t start = k < full ? k / 4 * 4 : two ? full : words - 1;
        const size_t width = k < full ? 4 : two ? 2 : 1;
        out[((o / 8) * ntaps + t) * 8 * words + 8 * start + (o % 8) * width +
            (k - start)] = ohwi[(o * ntaps + t) * words + k];
      }
}

/* Float OIHW conv weights (m, cg, kh*kw = taps) in `group` groups -> "o4":
 * (group, ceil(mg / 4), cg, taps, 4), 4 output channels of a group side by
 * side, zero past the group's channels. */
static inline size_t bnnc_layout_o4_floats(int32_t m, int32_t cg, int32_t taps,
                                           int32_t group) {
  return (size_t)group * (size_t)((m / group + 3) / 4) * 4 * (size_t)cg *
         (size_t)taps;
}

static inline void bnnc_layout_o4(int32_t m, int32_t cg, int32_t taps,
                                  int32_t group, const float *oihw,
                                  float *out) {
  const size_t mg = (size_t)(m / group), blocks = (mg + 3) / 4;
  const size_t ncg = (size_t)cg, ntaps = (size_t)taps;
  size_t i;
  for (i = 0; i < bnnc_layout_o4_floats(m, cg, taps, group); ++i)
    out[i] = 0.0f;
  for (size_t o = 0; o < (size_t)m; ++o) {
    const size_t g = o / mg, j = o % mg;
    for (size_t ci = 0; ci < ncg; ++ci)
      for (size_t t = 0; t < ntaps; ++t)
        out[(((g * blocks + j / 4) * ncg + ci) * ntaps + t) * 4 + j % 4] =
            oihw[(o * ncg + ci) * ntaps + t];
  }
}

/* Float OIHW conv weights -> "o16" (the NEON direct convolution,
 * bnnc_neon_conv2d_f32): per group, blocks of 16 output channels, the last
 * one 4 * ceil(r / 4) wide when r = mg mod 16 channels remain (the padding
 * of "o4"); each block (cg, taps, width), the block's channels side by side
 * per tap, zero past the group's channels. A group takes
 * 4 * ceil(mg / 4) * cg * taps floats. */
static inline int32_t bnnc_layout_o16_width(int32_t mg, int32_t block) {
  const int32_t rest = mg - 16 * block;
  return rest >= 16 ? 16 : (rest + 3) / 4 * 4;
}

static inline size_t bnnc_layout_o16_floats(int32_t m, int32_t cg, int32_t taps,
                                            int32_t group) {
  return (size_t)group * (size_t)((m / group + 3) / 4 * 4) * (size_t)cg *
         (size_t)taps;
}

static inline void bnnc_layout_o16(int32_t m, int32_t cg, int32_t taps,
                                   int32_t group, const float *oihw,
                                   float *out) {
  const size_t mg = (size_t)(m / group), ncg = (size_t)cg, ntaps = (size_t)taps;
  const size_t group_floats = (mg + 3) / 4 * 4 * ncg * ntaps;
  size_t i;
  for (i = 0; i < bnnc_layout_o16_floats(m, cg, taps, group); ++i)
    out[i] = 0.0f;
  for (size_t o = 0; o < (size_t)m; ++o) {
    const size_t g = o / mg, j = o % mg;
    const size_t width =
        (size_t)bnnc_layout_o16_width((int32_t)mg, (int32_t)(j / 16));
    float *block = out + g * group_floats + j / 16 * 16 * ncg * ntaps;
    for (size_t ci = 0; ci < ncg; ++ci)
      for (size_t t = 0; t < ntaps; ++t)
        block[(ci * ntaps + t) * width + j % 16] = oihw[(o * ncg + ci) * ntaps + t];
  }
}

/* Dense weights -> panels of `width` output columns: (ceil(n / width), k,
 * width), the panel's columns side by side per k, zero past n. `w` is
 * (n, k) when transposed (PyTorch Linear, Gemm transB = 1), else (k, n). */
static inline size_t bnnc_layout_panel_floats(int32_t width, int32_t n,
                                              int32_t k) {
  return (size_t)((n + width - 1) / width) * (size_t)width * (size_t)k;
}

static inline void bnnc_layout_panel(int32_t width, int32_t n, int32_t k,
                                     int32_t transposed, const float *w,
                                     float *out) {
  const size_t cols = (size_t)n, depth = (size_t)k, wd = (size_t)width;
  size_t i;
  for (i = 0; i < bnnc_layout_panel_floats(width, n, k); ++i)
    out[i] = 0.0f;
  for (size_t j = 0; j < cols; ++j)
    for (size_t kk = 0; kk < depth; ++kk)
      out[(j / wd * depth + kk) * wd + j % wd] =
          transposed ? w[j * depth + kk] : w[kk * cols + j];
}

/* "n4": 4-column panels (the NEON dense kernel, bnnc_neon_dense_f32). */
static inline size_t bnnc_layout_n4_floats(int32_t n, int32_t k) {
  return bnnc_layout_panel_floats(4, n, k);
}
static inline void bnnc_layout_n4(int32_t n, int32_t k, int32_t transposed,
                                  const float *w, float *out) {
  bnnc_layout_panel(4, n, k, transposed, w, out);
}

/* "n16" (the NEON GEMM, bnnc_neon_dense_f32): panels of 16 output columns,
 * (k, 16) each, the last panel only 4 * ceil(r / 4) columns wide when r =
 * n mod 16 columns remain (as much padding as the "n4" layout), zero past
 * n. `w` is (n, k) when transposed, else (k, n). */
static inline size_t bnnc_layout_n16_floats(int32_t n, int32_t k) {
  return (size_t)((n + 3) / 4 * 4) * (size_t)k;
}
static inline void bnnc_layout_n16(int32_t n, int32_t k, int32_t transposed,
                                   const float *w, float *out) {
  const size_t cols = (size_t)n, depth = (size_t)k, full = cols / 16;
  const size_t last = (cols % 16 + 3) / 4 * 4; /* width of a partial panel */
  size_t i;
  for (i = 0; i < bnnc_layout_n16_floats(n, k); ++i)
    out[i] = 0.0f;
  for (size_t j = 0; j < cols; ++j) {
    const size_t width = j / 16 < full ? 16 : last;
    for (size_t kk = 0; kk < depth; ++kk)
      out[j / 16 * 16 * depth + kk * width + j % 16] =
          transposed ? w[j * depth + kk] : w[kk * cols + j];
  }
}

/* "n8": 8-column panels (the Cortex-M dense kernel, bnnc_cm_dense_f32). */
static inline size_t bnnc_layout_n8_floats(int32_t n, int32_t k) {
  return bnnc_layout_panel_floats(8, n, k);
}
static inline void bnnc_layout_n8(int32_t n, int32_t k, int32_t transposed,
                                  const float *w, float *out) {
  bnnc_layout_panel(8, n, k, transposed, w, out);
}

/* Popcount thresholds of the NEON bits epilogue for K valid bits: bit =
 * (K - 2 pop < t) <=> pop >= floor((K - t) / 2) + 1, saturated to [0, 65535]
 * (0: always 1; above K: never), for `count` thresholds t. */
static inline void bnnc_layout_pop_thresholds(int32_t count, int32_t k,
                                              const int32_t *t, uint16_t *out) {
  for (int32_t i = 0; i < count; ++i) {
    const int64_t d = (int64_t)k - (int64_t)t[i];
    /* floor division by 2 of a possibly negative value */
    const int64_t pt = (d >= 0 ? d / 2 : -((-d + 1) / 2)) + 1;
    out[i] = (uint16_t)(pt < 0 ? 0 : pt > 65535 ? 65535 : pt);
  }
}

/* Stack buffer of the Cortex-M int8 convolution (kernels_cortexm_int8.h),
 * in 32-bit words (4 KiB): the patches of two output positions, widened to
 * int16, and for convolutions the patch offsets. */
#define BNNC_CM_QBUF 1024

/* Largest patch (cg * kh * kw values of one output position) the Cortex-M
 * int8 convolution takes: BNNC_CM_QBUF for a dense layer (the window
 * covers the whole input: no offsets), half of it otherwise. The compiler
 * uses the generic kernel for larger ones. */
static inline int32_t bnnc_cm_qpatch_max(int dense) {
  return dense ? BNNC_CM_QBUF : BNNC_CM_QBUF / 2;
}

/* Patch length of the "q4" layout: K = cg * kh * kw rounded up to 8. */
static inline int32_t bnnc_layout_q4_kp(int32_t k) { return (k + 7) / 8 * 8; }

/* 32-bit words of the q4 layout of m output channels in `group` groups. */
static inline size_t bnnc_layout_q4_words(int32_t m, int32_t k,
                                          int32_t group) {
  return (size_t)group * (size_t)((m / group + 3) / 4) * 2 *
         (size_t)bnnc_layout_q4_kp(k);
}

/* int8 conv weights minus their zero point, (m, k = cg * kh * kw) as
 * int32 differences in [-255, 255] -> "q4": per group, blocks of 4 output
 * channels; a block is (kp / 2 pairs, 4 channels) 32-bit words, the word
 * of pair j (patch positions 2j, 2j + 1) and channel c holding the two
 * int16 weights, the even position's in the low half (what SMLAD
 * multiplies with a pair of the patch). Zero past k and past the group's
 * channels. */
static inline void bnnc_layout_q4(int32_t m, int32_t k, int32_t group,
                                  const int32_t *w, uint32_t *out) {
  const size_t mg = (size_t)(m / group), blocks = (mg + 3) / 4;
  const size_t kp = (size_t)bnnc_layout_q4_kp(k), nk = (size_t)k;
  size_t i;
  for (i = 0; i < bnnc_layout_q4_words(m, k, group); ++i)
    out[i] = 0;
  for (size_t o = 0; o < (size_t)m; ++o) {
    const size_t g = o / mg, j = o % mg;
    uint32_t *block = out + (g * blocks + j / 4) * 2 * kp;
    for (size_t t = 0; t < nk; ++t)
      block[(t / 2) * 4 + j % 4] |= (uint32_t)(uint16_t)(int16_t)w[o * nk + t]
                                    << (16 * (t % 2));
  }
}

/* ---- Integer convolutions (kernels_neon_int8.h) ------------------------
 *
 * The NEON int8 convolution repacks input rows into a ring on the stack of
 * at most BNNC_NEON_Q8_SCRATCH bytes and BNNC_NEON_Q8_MAX_ROWS rows; the
 * compiler uses it only for layers whose ring fits
 * (bnnc_layout_q8_scratch). */
#define BNNC_NEON_Q8_SCRATCH 32768
#define BNNC_NEON_Q8_MAX_ROWS 16

/* Input channels of a group rounded up to 16 (one NEON register). */
static inline int32_t bnnc_layout_q8_cpad(int32_t cg) {
  return (cg + 15) / 16 * 16;
}

/* Bytes of the ring for rows of `cols` pixels (0 if it has too many rows). */
static inline size_t bnnc_layout_q8_scratch(int32_t cg, int32_t kh,
                                            int32_t dilation_h, int32_t ow,
                                            int32_t kw, int32_t stride_w,
                                            int32_t dilation_w) {
  const int32_t rows = (kh - 1) * dilation_h + 1;
  const int32_t cols = (ow - 1) * stride_w + (kw - 1) * dilation_w + 1;
  if (rows > BNNC_NEON_Q8_MAX_ROWS)
    return 0;
  return (size_t)rows * (size_t)cols * (size_t)bnnc_layout_q8_cpad(cg);
}

/* The depthwise kernel's int16 rows: the pixels 8-pixel steps read (LD2
 * reads 16 int16 at stride 2), rounded up to 8. */
static inline size_t bnnc_layout_q8_dw_cols(int32_t ow, int32_t kw,
                                            int32_t stride_w,
                                            int32_t dilation_w) {
  const size_t steps = (size_t)(ow + 7) / 8;
  const size_t cols = steps * 8 * (size_t)stride_w +
                      (size_t)(kw - 1) * (size_t)dilation_w + 16;
  return (cols + 7) / 8 * 8;
}

/* Bytes of the depthwise kernel's ring (0 if it has too many rows). */
static inline size_t bnnc_layout_q8_dw_scratch(int32_t kh, int32_t dilation_h,
                                               int32_t ow, int32_t kw,
                                               int32_t stride_w,
                                               int32_t dilation_w) {
  const int32_t rows = (kh - 1) * dilation_h + 1;
  if (rows > BNNC_NEON_Q8_MAX_ROWS)
    return 0;
  return (size_t)rows * 2 *
         bnnc_layout_q8_dw_cols(ow, kw, stride_w, dilation_w);
}

/* Bytes of the packed weights: per group ceil(mg / mr) blocks of
 * taps x cpad x mr bytes. */
static inline size_t bnnc_layout_q8_bytes(int32_t mr, int32_t m, int32_t cg,
                                          int32_t taps, int32_t group) {
  return (size_t)group * (size_t)((m / group + mr - 1) / mr) * (size_t)taps *
         (size_t)bnnc_layout_q8_cpad(cg) * (size_t)mr;
}

/* Integer weights w (m, cg, taps) with zero points w_zp (one per output
 * channel, already expanded) -> the packed int8 weights of the NEON int8
 * convolution (out, bnnc_layout_q8_bytes bytes), bsum[o] = sum of b and
 * d[o] = ow[o] - w_zp[o] per output channel, where b = w - ow[o] is the
 * packed value and ow[o] the channel's offset (kernels_neon_int8.h).
 *   mr = 4, the SMLAL kernel ("q4"): (group, ceil(mg / 4), taps,
 *     cpad / 16, 4 channels, 16 bytes). b must be int8 and no two bytes
 *     i, i + 8 of a channel's 16 may both be -128 (their int16 sum would
 *     overflow).
 *   mr = 16, the SDOT kernel ("q16"): (group, ceil(mg / 16), taps,
 *     cpad / 16, 4 input quads, 4 channel quads, 4 channels, 4 bytes); b must
 *     be int8.
 * The offset tried first is w_zp[o] (d = 0), then `w_offset` (0 for int8
 * weights, 128 for uint8), then the middle of the channel's range. Returns
 * 1, or 0 if a channel admits none of them (mr = 4 only; then the portable
 * kernel must be used). Channels and input channels past the tensor's are
 * zero. */
static inline int bnnc_layout_q8(int32_t mr, int32_t m, int32_t cg,
                                 int32_t taps, int32_t group, const int32_t *w,
                                 const int32_t *w_zp, int32_t w_offset,
                                 int8_t *out, int32_t *bsum, int32_t *d) {
  const size_t mg = (size_t)(m / group), ncg = (size_t)cg;
  const size_t ntaps = (size_t)taps;
  const size_t cpad = (size_t)bnnc_layout_q8_cpad(cg), chunks = cpad / 16;
  const size_t blocks = (mg + (size_t)mr - 1) / (size_t)mr;
  const size_t wblock = ntaps * cpad * (size_t)mr;
  size_t i;
  for (i = 0; i < bnnc_layout_q8_bytes(mr, m, cg, taps, group); ++i)
    out[i] = 0;
  for (size_t o = 0; o < (size_t)m; ++o) {
    const int32_t *wo = w + o * ncg * ntaps;
    int32_t lo = wo[0], hi = wo[0], candidates[3], chosen = 0, found = 0;
    for (i = 0; i < ncg * ntaps; ++i) {
      lo = wo[i] < lo ? wo[i] : lo;
      hi = wo[i] > hi ? wo[i] : hi;
    }
    candidates[0] = w_zp[o];
    candidates[1] = w_offset;
    candidates[2] = lo + (hi - lo + 1) / 2;
    for (int k = 0; k < 3 && !found; ++k) {
      const int32_t ow = candidates[k];
      int ok = lo - ow >= -128 && hi - ow <= 127;
      /* SMLAL: the pairs (i, i + 8) of each 16 input channels of a tap. */
      for (size_t t = 0; ok && mr == 4 && t < ntaps; ++t)
        for (size_t c = 0; ok && c + 8 < ncg; ++c)
          if (c % 16 < 8 && wo[c * ntaps + t] - ow == -128 &&
              wo[(c + 8) * ntaps + t] - ow == -128)
            ok = 0;
      if (ok) {
        chosen = ow;
        found = 1;
      }
    }
    if (!found)
      return 0;
    const size_t g = o / mg, j = o % mg;
    int8_t *block = out + (g * blocks + j / (size_t)mr) * wblock;
    const size_t lane = j % (size_t)mr;
    uint32_t sum = 0;
    for (size_t c = 0; c < ncg; ++c)
      for (size_t t = 0; t < ntaps; ++t) {
        const int32_t b = wo[c * ntaps + t] - chosen;
        const size_t q = c / 16, cc = c % 16;
        size_t at;
        if (mr == 4)
          at = ((t * chunks + q) * 4 + lane) * 16 + cc;
        else /* input quad cc / 4, channel quad lane / 4 */
          at = (((t * chunks + q) * 4 + cc / 4) * 4 + lane / 4) * 16 +
               lane % 4 * 4 + cc % 4;
        block[at] = (int8_t)b;
        sum += (uint32_t)b;
      }
    bsum[o] = (int32_t)sum;
    d[o] = chosen - w_zp[o];
  }
  return 1;
}

#endif /* BNNC_LAYOUTS_H */
