/*
 * bnnc/kernels_f32.h - portable C99 float32 kernels of the generic target.
 *
 * Each bnn float kernel op of the compiler is one function here. Shapes and
 * attributes come in a `const` parameter struct that the generated code
 * defines as a static constant, so an optimizing compiler sees every loop
 * bound. Layouts are ONNX's: NCHW activations, OIHW weights, row-major
 * matrices. All functions are static inline: unused ones cost nothing.
 */
#ifndef BNNC_KERNELS_F32_H
#define BNNC_KERNELS_F32_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "bnnc/kernels_data.h"
#include "bnnc/runtime.h"

/* Fused activation of a kernel epilogue. `v < 0` keeps NaN like ONNX Relu. */
static inline float bnnc_activate_f32(float v, int32_t relu) {
  return (relu && v < 0.0f) ? 0.0f : v;
}

/* Saturating float -> integer conversion, truncating toward zero, NaN -> 0,
 * defined for every value (the integer arithmetic helpers, bnnc_add_i32 and
 * the rest, are in kernels_data.h). The bounds are powers of two, exact in
 * float and double. */
#define BNNC_DEFINE_SATURATE(NAME, F, T, MIN, MAX, LO, HI)                     \
  static inline T NAME(F v) {                                                  \
    if (v != v)                                                                \
      return 0;                                                                \
    if (v <= (F)(LO))                                                          \
      return MIN;                                                              \
    if (v >= (F)(HI))                                                          \
      return MAX;                                                              \
    return (T)v;                                                               \
  }
/* The four integer types float and double values convert to. */
#define BNNC_DEFINE_SATURATES(S, F)                                            \
  BNNC_DEFINE_SATURATE(bnnc_##S##_to_i64, F, int64_t, INT64_MIN, INT64_MAX,    \
                       -9223372036854775808.0, 9223372036854775808.0)          \
  BNNC_DEFINE_SATURATE(bnnc_##S##_to_i32, F, int32_t, INT32_MIN, INT32_MAX,    \
                       -2147483648.0, 2147483648.0)                            \
  BNNC_DEFINE_SATURATE(bnnc_##S##_to_i8, F, int8_t, INT8_MIN, INT8_MAX,        \
                       -128.0, 128.0)                                          \
  BNNC_DEFINE_SATURATE(bnnc_##S##_to_u8, F, uint8_t, 0, UINT8_MAX, 0.0, 256.0)
BNNC_DEFINE_SATURATES(f32, float)
BNNC_DEFINE_SATURATES(f64, double)
#undef BNNC_DEFINE_SATURATES
#undef BNNC_DEFINE_SATURATE

/* ---- Convolution ------------------------------------------------------- */

typedef struct {
  BNNC_CONV2D_GEOMETRY
  int32_t relu; /* fused ReLU epilogue */
} bnnc_conv2d_params;

/* y = act(conv(x, w) + bias); padded taps contribute 0 (ONNX semantics). */
static inline void bnnc_conv2d_f32(const bnnc_conv2d_params *p, const float *x,
                                   const float *w, const float *bias,
                                   float *y) {
  /* Dimensions as size_t for the offsets (see runtime.h). */
  const size_t c = (size_t)p->c, m = (size_t)p->m;
  const size_t cg = c / (size_t)p->group, mg = m / (size_t)p->group;
  const size_t in_w = (size_t)p->w, in_plane = (size_t)p->h * in_w;
  const size_t out_w = (size_t)p->ow, out_plane = (size_t)p->oh * out_w;
  const size_t ksize = (size_t)p->kh * (size_t)p->kw;
  for (size_t n = 0; n < (size_t)p->n; ++n) {
    for (size_t o = 0; o < m; ++o) {
      const float *wo = w + o * cg * ksize;
      const float *xg = x + (n * c + o / mg * cg) * in_plane;
      float *yo = y + (n * m + o) * out_plane;
      for (int32_t oy = 0; oy < p->oh; ++oy) {
        for (int32_t ox = 0; ox < p->ow; ++ox) {
          float acc = 0.0f;
          for (size_t ci = 0; ci < cg; ++ci) {
            const float *xc = xg + ci * in_plane;
            const float *wc = wo + ci * ksize;
            for (int32_t ky = 0; ky < p->kh; ++ky) {
              const int32_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
              if (iy < 0 || iy >= p->h)
                continue;
              for (int32_t kx = 0; kx < p->kw; ++kx) {
                const int32_t ix =
                    ox * p->stride_w - p->pad_left + kx * p->dilation_w;
                if (ix < 0 || ix >= p->w)
                  continue;
                acc += xc[(size_t)iy * in_w + (size_t)ix] * wc[ky * p->kw + kx];
              }
            }
          }
          if (bias)
            acc += bias[o];
          yo[(size_t)oy * out_w + (size_t)ox] = bnnc_activate_f32(acc, p->relu);
        }
      }
    }
  }
}

/* ---- GEMM and MatMul --------------------------------------------------- */

typedef struct {
  int32_t m, n, k;
  int32_t trans_a, trans_b;
  float alpha, beta;
  int32_t c_row_stride, c_col_stride; /* C broadcast to [m, n]: 0 = repeated */
  int32_t relu;
} bnnc_gemm_params;

/* y = act(alpha * op(a) * op(b) + beta * c), c optional (NULL). */
static inline void bnnc_gemm_f32(const bnnc_gemm_params *p, const float *a,
                                 const float *b, const float *c, float *y) {
  const size_t m = (size_t)p->m, n = (size_t)p->n, k = (size_t)p->k;
  const size_t c_row = (size_t)p->c_row_stride, c_col = (size_t)p->c_col_stride;
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (size_t kk = 0; kk < k; ++kk) {
        const float av = p->trans_a ? a[kk * m + i] : a[i * k + kk];
        const float bv = p->trans_b ? b[j * k + kk] : b[kk * n + j];
        acc += av * bv;
      }
      float v = p->alpha * acc;
      if (c)
        v += p->beta * c[i * c_row + j * c_col];
      y[i * n + j] = bnnc_activate_f32(v, p->relu);
    }
  }
}

typedef struct {
  int32_t m, k, n;
  int32_t trans_b; /* b holds [N, K] matrices: y = a b^T (bnn.matmul trans_b) */
  int32_t batch_rank;                          /* broadcast batch dims */
  int32_t batch_shape[BNNC_MAX_RANK];
  int32_t a_batch_strides[BNNC_MAX_RANK];      /* in matrices; 0 = broadcast */
  int32_t b_batch_strides[BNNC_MAX_RANK];
} bnnc_matmul_params;

/* y[b] = a[b] * b[b] (a[b] * b[b]^T with trans_b) for every batch index b
 * of the broadcast batch shape. */
static inline void bnnc_matmul_f32(const bnnc_matmul_params *p, const float *a,
                                   const float *b, float *y) {
  int32_t index[BNNC_MAX_RANK] = {0};
  size_t ia = 0, ib = 0, batches = 1;
  const size_t m = (size_t)p->m, k = (size_t)p->k, n = (size_t)p->n;
  const size_t a_size = m * k, b_size = k * n;
  for (int32_t d = 0; d < p->batch_rank; ++d)
    batches *= (size_t)p->batch_shape[d];
  for (size_t batch = 0; batch < batches; ++batch) {
    const float *am = a + ia * a_size, *bm = b + ib * b_size;
    float *ym = y + batch * m * n;
    /* B's element (kk, j) and the step to (kk + 1, j). */
    const size_t b_col = p->trans_b ? k : 1, b_row = p->trans_b ? 1 : n;
    for (size_t i = 0; i < m; ++i) {
      for (size_t j = 0; j < n; ++j) {
        float acc = 0.0f;
        for (size_t kk = 0; kk < k; ++kk)
          acc += am[i * k + kk] * bm[kk * b_row + j * b_col];
        ym[i * n + j] = acc;
      }
    }
    /* Odometer step over the batch index, moving both operand offsets. */
    for (int32_t d = p->batch_rank - 1; d >= 0; --d) {
      ia += (size_t)p->a_batch_strides[d];
      ib += (size_t)p->b_batch_strides[d];
      if (++index[d] < p->batch_shape[d])
        break;
      ia -= (size_t)p->a_batch_strides[d] * (size_t)p->batch_shape[d];
      ib -= (size_t)p->b_batch_strides[d] * (size_t)p->batch_shape[d];
      index[d] = 0;
    }
  }
}

/* ---- Normalization ---------------------------------------------------- */

/* y = x * scale[c] + shift[c] over an [n, c, inner] tensor. */
static inline void bnnc_channel_affine_f32(int32_t n, int32_t c, size_t inner,
                                           const float *x, const float *scale,
                                           const float *shift, float *y) {
  for (size_t i = 0; i < (size_t)n; ++i)
    for (size_t ch = 0; ch < (size_t)c; ++ch) {
      const size_t base = (i * (size_t)c + ch) * inner;
      for (size_t j = 0; j < inner; ++j)
        y[base + j] = x[base + j] * scale[ch] + shift[ch];
    }
}

/* ---- Pooling ----------------------------------------------------------- */

typedef struct {
  int32_t n, c, h, w;
  int32_t oh, ow, kh, kw;
  int32_t stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w;
} bnnc_pool2d_params;

/* Max over each window (a NaN tap makes it NaN, like PyTorch's max_pool2d
 * and numpy's max); taps in the padding are ignored. */
static inline void bnnc_maxpool2d_f32(const bnnc_pool2d_params *p,
                                      const float *x, float *y) {
  const size_t in_w = (size_t)p->w, in_plane = (size_t)p->h * in_w;
  const size_t out_w = (size_t)p->ow, out_plane = (size_t)p->oh * out_w;
  for (size_t plane = 0; plane < (size_t)p->n * (size_t)p->c; ++plane) {
    const float *xp = x + plane * in_plane;
    float *yp = y + plane * out_plane;
    for (int32_t oy = 0; oy < p->oh; ++oy)
      for (int32_t ox = 0; ox < p->ow; ++ox) {
        float best = -INFINITY;
        for (int32_t ky = 0; ky < p->kh; ++ky) {
          const int32_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
          if (iy < 0 || iy >= p->h)
            continue;
          for (int32_t kx = 0; kx < p->kw; ++kx) {
            const int32_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
            if (ix < 0 || ix >= p->w)
              continue;
            const float v = xp[(size_t)iy * in_w + (size_t)ix];
            if (v > best || v != v) /* NaN propagates, as in ReduceMax */
              best = v;
          }
        }
        yp[(size_t)oy * out_w + (size_t)ox] = best;
      }
  }
}

/* Average over each window. Taps in the padding count in the divisor only
 * with count_include_pad (ONNX); windows that ceil_mode extends past the
 * padded input never count those taps. */
typedef struct {
  bnnc_pool2d_params pool;
  int32_t pad_bottom, pad_right;
  int32_t count_include_pad;
} bnnc_avgpool2d_params;

static inline void bnnc_avgpool2d_f32(const bnnc_avgpool2d_params *ap,
                                      const float *x, float *y) {
  const bnnc_pool2d_params *p = &ap->pool;
  const int32_t padded_h = p->h + p->pad_top + ap->pad_bottom;
  const int32_t padded_w = p->w + p->pad_left + ap->pad_right;
  const size_t in_w = (size_t)p->w, in_plane = (size_t)p->h * in_w;
  const size_t out_w = (size_t)p->ow, out_plane = (size_t)p->oh * out_w;
  for (size_t plane = 0; plane < (size_t)p->n * (size_t)p->c; ++plane) {
    const float *xp = x + plane * in_plane;
    float *yp = y + plane * out_plane;
    for (int32_t oy = 0; oy < p->oh; ++oy)
      for (int32_t ox = 0; ox < p->ow; ++ox) {
        float sum = 0.0f;
        int32_t count = 0;
        for (int32_t ky = 0; ky < p->kh; ++ky) {
          const int32_t py = oy * p->stride_h + ky * p->dilation_h;
          const int32_t iy = py - p->pad_top;
          for (int32_t kx = 0; kx < p->kw; ++kx) {
            const int32_t px = ox * p->stride_w + kx * p->dilation_w;
            const int32_t ix = px - p->pad_left;
            if (iy >= 0 && iy < p->h && ix >= 0 && ix < p->w) {
              sum += xp[(size_t)iy * in_w + (size_t)ix];
              ++count;
            } else if (ap->count_include_pad && py < padded_h &&
                       px < padded_w) {
              ++count;
            }
          }
        }
        yp[(size_t)oy * out_w + (size_t)ox] = count ? sum / (float)count : 0.0f;
      }
  }
}

/* ---- Softmax, LayerNorm, arg-reductions --------------------------------- */

/* Softmax over the middle axis of an [outer, n, inner] tensor; with `log`,
 * log-softmax. The maximum is subtracted first for range safety. */
static inline void bnnc_softmax_f32(int32_t outer, int32_t n, int32_t inner,
                                    int32_t log_softmax, const float *x,
                                    float *y) {
  const size_t len = (size_t)n, stride = (size_t)inner;
  if (len == 0) /* an empty axis: no element to read or write */
    return;
  for (size_t o = 0; o < (size_t)outer; ++o)
    for (size_t i = 0; i < stride; ++i) {
      const size_t base = o * len * stride + i;
      float max = x[base];
      for (size_t k = 1; k < len; ++k)
        if (x[base + k * stride] > max)
          max = x[base + k * stride];
      float sum = 0.0f;
      for (size_t k = 0; k < len; ++k) {
        const float e = expf(x[base + k * stride] - max);
        if (!log_softmax)
          y[base + k * stride] = e;
        sum += e;
      }
      const float log_sum = logf(sum);
      for (size_t k = 0; k < len; ++k) {
        const size_t at = base + k * stride;
        y[at] = log_softmax ? x[at] - max - log_sum : y[at] / sum;
      }
    }
}

/* The mean and s = sqrt(biased variance + eps) of a row of n values, as
 * LayerNorm computes them. The binarized LayerNorm of kernels_binary.h uses
 * this same function, so both paths normalize with identical numbers. */
static inline void bnnc_row_moments_f32(const float *row, int32_t n,
                                        float epsilon, float *mean, float *s) {
  float m = 0.0f, var = 0.0f;
  for (int32_t k = 0; k < n; ++k)
    m += row[k];
  m /= (float)n;
  for (int32_t k = 0; k < n; ++k)
    var += (row[k] - m) * (row[k] - m);
  var /= (float)n;
  *mean = m;
  *s = sqrtf(var + epsilon);
}

/* Normalizes each of `outer` rows of n values: (x - mean) / sqrt(var + eps)
 * with the biased variance, then * scale[k] (+ bias[k], bias may be NULL). */
static inline void bnnc_layernorm_f32(int32_t outer, int32_t n,
                                      const float *x, const float *scale,
                                      const float *bias, float epsilon,
                                      float *y) {
  for (int32_t o = 0; o < outer; ++o) {
    const float *row = x + (size_t)o * (size_t)n;
    float *out = y + (size_t)o * (size_t)n;
    float mean, s;
    bnnc_row_moments_f32(row, n, epsilon, &mean, &s);
    const float inv = 1.0f / s;
    for (int32_t k = 0; k < n; ++k)
      out[k] = (row[k] - mean) * inv * scale[k] + (bias ? bias[k] : 0.0f);
  }
}

/* The order of ArgMax, ArgMin and TopK: IEEE order with every NaN above
 * +Inf (NaN is the largest value, as in numpy's sort and PyTorch's topk and
 * argmax), all NaNs equal to each other, -0.0 equal to 0.0. A total order,
 * so the index scans below are well defined for every input. */
static inline int bnnc_order_greater_f32(float a, float b) {
  if (a != a)
    return b == b; /* NaN > any number; NaN vs NaN: equal */
  return a > b;    /* false when b is NaN */
}

static inline int bnnc_order_equal_f32(float a, float b) {
  return a == b || (a != a && b != b);
}

/* Index of the max (or min) over the middle axis of [outer, n, inner] in
 * the order above (so ArgMax picks a NaN, ArgMin never does unless the whole
 * row is NaN); the first occurrence wins unless select_last. */
static inline void bnnc_argreduce_f32(int32_t outer, int32_t n, int32_t inner,
                                      int32_t find_min, int32_t select_last,
                                      const float *x, int64_t *y) {
  const size_t stride = (size_t)inner;
  for (size_t o = 0; o < (size_t)outer; ++o)
    for (size_t i = 0; i < stride; ++i) {
      const size_t base = o * (size_t)n * stride + i;
      int64_t index = 0;
      if (n <= 0) { /* an empty axis: no element to read */
        y[o * stride + i] = 0;
        continue;
      }
      float best = x[base];
      for (int32_t k = 1; k < n; ++k) {
        const float v = x[base + (size_t)k * stride];
        const int better = find_min ? bnnc_order_greater_f32(best, v)
                                    : bnnc_order_greater_f32(v, best);
        if (better || (select_last && bnnc_order_equal_f32(v, best))) {
          best = v;
          index = k;
        }
      }
      y[o * stride + i] = index;
    }
}

/* The k first elements along the middle axis of [outer, n, inner] in the
 * order "better value first, then lower index" (ONNX TopK, sorted), values
 * compared in the order above (largest: NaNs first; smallest: NaNs last).
 * The j-th pick is the best element that comes after the (j-1)-th in that
 * order, so no scratch memory is needed (O(n*k)). As the order is total and
 * k <= n, every pick exists; the guard only keeps a broken caller in bounds.
 * values or indices may be NULL. */
static inline int bnnc_topk_before(float va, int32_t ia, float vb, int32_t ib,
                                   int32_t largest) {
  if (!bnnc_order_equal_f32(va, vb))
    return largest ? bnnc_order_greater_f32(va, vb)
                   : bnnc_order_greater_f32(vb, va);
  return ia < ib;
}

static inline void bnnc_topk_f32(int32_t outer, int32_t n, int32_t inner,
                                 int32_t k, int32_t largest, const float *x,
                                 float *values, int64_t *indices) {
  const size_t stride = (size_t)inner;
  for (size_t o = 0; o < (size_t)outer; ++o)
    for (size_t i = 0; i < stride; ++i) {
      const size_t base = o * (size_t)n * stride + i;
      float prev_v = 0.0f;
      int32_t prev_i = -1;
      for (size_t j = 0; j < (size_t)k; ++j) {
        int32_t best = -1;
        for (int32_t m = 0; m < n; ++m) {
          const float v = x[base + (size_t)m * stride];
          if (prev_i >= 0 && !bnnc_topk_before(prev_v, prev_i, v, m, largest))
            continue;
          if (best < 0 ||
              bnnc_topk_before(v, m, x[base + (size_t)best * stride], best,
                               largest))
            best = m;
        }
        if (best < 0) /* unreachable for k <= n */
          best = prev_i < 0 ? 0 : prev_i;
        const size_t out = (o * (size_t)k + j) * stride + i;
        prev_i = best;
        prev_v = x[base + (size_t)best * stride];
        if (values)
          values[out] = prev_v;
        if (indices)
          indices[out] = best;
      }
    }
}

/* ---- GELU -------------------------------------------------------------- */

/* y = 0.5 x (1 + erf(x / sqrt(2))), or with tanh_approx the tanh form
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (PyTorch's
 * approximate='tanh'). One pass, n elements. */
static inline void bnnc_gelu_f32(size_t n, int32_t tanh_approx,
                                 const float *x, float *y) {
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (tanh_approx)
      y[i] = 0.5f * v *
             (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    else
      y[i] = 0.5f * v * (1.0f + erff(v * 0.7071067811865476f));
  }
}

/* ---- Recurrent layers: ONNX RNN, GRU and LSTM (issue 16) --------------- *
 *
 * One call runs a whole sequence, every direction and batch element. The
 * activations the ONNX operators take by name, with their alpha and beta
 * (defaults filled in by the compiler): */
enum {
  BNNC_RNN_ACT_RELU = 0,
  BNNC_RNN_ACT_TANH = 1,
  BNNC_RNN_ACT_SIGMOID = 2,
  BNNC_RNN_ACT_AFFINE = 3,           /* alpha x + beta */
  BNNC_RNN_ACT_LEAKY_RELU = 4,       /* x < 0 ? alpha x : x */
  BNNC_RNN_ACT_THRESHOLDED_RELU = 5, /* x > alpha ? x : 0 */
  BNNC_RNN_ACT_SCALED_TANH = 6,      /* alpha tanh(beta x) */
  BNNC_RNN_ACT_HARD_SIGMOID = 7,     /* min(1, max(0, alpha x + beta)) */
  BNNC_RNN_ACT_ELU = 8,              /* x < 0 ? alpha (e^x - 1) : x */
  BNNC_RNN_ACT_SOFTSIGN = 9,         /* x / (1 + |x|) */
  BNNC_RNN_ACT_SOFTPLUS = 10         /* log(1 + e^x) */
};

/* At most 3 activations per direction (LSTM's f, g, h), 2 directions. */
#define BNNC_RNN_MAX_ACTIVATIONS 6

typedef struct {
  int32_t gates; /* 1 RNN, 3 GRU (z, r, h), 4 LSTM (i, o, f, c) */
  int32_t seq, batch, input, hidden, dirs;
  int32_t reverse;             /* one direction, run backwards */
  int32_t linear_before_reset; /* GRU */
  int32_t input_forget;        /* LSTM: f = 1 - i */
  int32_t has_clip;
  float clip;
  int32_t act[BNNC_RNN_MAX_ACTIVATIONS];
  float alpha[BNNC_RNN_MAX_ACTIVATIONS], beta[BNNC_RNN_MAX_ACTIVATIONS];
} bnnc_recurrent_params;

static inline float bnnc_rnn_activate_f32(int32_t kind, float alpha,
                                          float beta, float x) {
  switch (kind) {
  case BNNC_RNN_ACT_RELU:
    return x < 0.0f ? 0.0f : x;
  case BNNC_RNN_ACT_TANH:
    return tanhf(x);
  case BNNC_RNN_ACT_SIGMOID:
    return 1.0f / (1.0f + expf(-x));
  case BNNC_RNN_ACT_AFFINE:
    return alpha * x + beta;
  case BNNC_RNN_ACT_LEAKY_RELU:
    return x < 0.0f ? alpha * x : x;
  case BNNC_RNN_ACT_THRESHOLDED_RELU:
    return x > alpha ? x : 0.0f;
  case BNNC_RNN_ACT_SCALED_TANH:
    return alpha * tanhf(beta * x);
  case BNNC_RNN_ACT_HARD_SIGMOID: {
    const float v = alpha * x + beta;
    return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
  }
  case BNNC_RNN_ACT_ELU:
    return x < 0.0f ? alpha * (expf(x) - 1.0f) : x;
  case BNNC_RNN_ACT_SOFTSIGN:
    return x / (1.0f + fabsf(x));
  case BNNC_RNN_ACT_SOFTPLUS: /* log(1 + e^x) without overflowing e^x */
    return x > 0.0f ? x + log1pf(expf(-x)) : log1pf(expf(x));
  default:
    return x;
  }
}

/* The dot products of the gates: a[0..n) . b[0..n). */
typedef float (*bnnc_rnn_dot_fn)(const float *a, const float *b, size_t n);

static inline float bnnc_rnn_dot_f32(const float *a, const float *b,
                                     size_t n) {
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i)
    sum += a[i] * b[i];
  return sum;
}

/* The gates' matrix-vector products: for each of `rows` rows k of m
 * (row-major, n columns), with d = the row's dot product with v[0..n)
 * summed in index order from +0.0f and bk = bias ? bias[k] : 0.0f,
 *   BNNC_RNN_MV_SET: y[k] = d + bk
 *   BNNC_RNN_MV_ADD: y[k] = y[k] + (d + bk)
 *   BNNC_RNN_MV_ACC: y[k] = y[k] + d (bias unused).
 * The portable one calls `dot` per row; a target passes its own blocked
 * product (which ignores `dot`). */
enum { BNNC_RNN_MV_SET = 0, BNNC_RNN_MV_ADD = 1, BNNC_RNN_MV_ACC = 2 };
typedef void (*bnnc_rnn_matvec_fn)(bnnc_rnn_dot_fn dot, const float *v,
                                   const float *m, size_t n, size_t rows,
                                   const float *bias, int mode, float *y);

static inline void bnnc_rnn_matvec_dot_f32(bnnc_rnn_dot_fn dot,
                                           const float *v, const float *m,
                                           size_t n, size_t rows,
                                           const float *bias, int mode,
                                           float *y) {
  for (size_t k = 0; k < rows; ++k) {
    const float d = dot(v, m + k * n, n);
    if (mode == BNNC_RNN_MV_ACC)
      y[k] = y[k] + d;
    else if (mode == BNNC_RNN_MV_ADD)
      y[k] = y[k] + (d + (bias ? bias[k] : 0.0f));
    else
      y[k] = d + (bias ? bias[k] : 0.0f);
  }
}

/* NaN stays NaN, as in ONNX's clip of the gate inputs. */
static inline float bnnc_rnn_clip_f32(const bnnc_recurrent_params *p,
                                      float v) {
  if (!p->has_clip)
    return v;
  return v < -p->clip ? -p->clip : v > p->clip ? p->clip : v;
}

/* x [T, B, I], w [D, G*H, I], r [D, G*H, H]; optional (NULL = zeros):
 * bias [D, 2*G*H] (Wb then Rb), h0 and c0 [D, B, H], peep [D, 3*H]
 * (i, o, f), lens [B] (NULL = T; clamped to [0, T]). `out` holds Y
 * [T, D, B, H] (zero past each sequence's length), Y_h and Y_c [D, B, H]
 * (the state after each sequence's last step; the running state while the
 * kernel works) and (G + 1) * H floats of scratch. The equations are
 * ONNX's; the clip applies to every gate's input before its activation.
 * `matvec` computes the gates' matrix-vector products (with `dot`); a
 * target passes its own. */
static inline void bnnc_recurrent_mv_f32(
    const bnnc_recurrent_params *p, bnnc_rnn_matvec_fn matvec,
    bnnc_rnn_dot_fn dot, const float *x, const float *w, const float *r,
    const float *bias, const float *h0, const float *c0, const float *peep,
    const int32_t *lens, float *out) {
  const size_t T = (size_t)p->seq, B = (size_t)p->batch;
  const size_t I = (size_t)p->input, H = (size_t)p->hidden;
  const size_t D = (size_t)p->dirs, G = (size_t)p->gates;
  const size_t nact = G == 4 ? 3 : G == 3 ? 2 : 1;
  const size_t state = D * B * H;
  float *y = out;
  float *yh = out + T * state;
  float *yc = yh + state;
  float *gate = yc + state; /* [G * H] pre-activations */
  float *tmp = gate + G * H; /* [H] */
  for (size_t i = 0; i < T * state; ++i)
    y[i] = 0.0f;
  for (size_t i = 0; i < state; ++i) {
    yh[i] = h0 ? h0[i] : 0.0f;
    yc[i] = c0 ? c0[i] : 0.0f;
  }
  for (size_t d = 0; d < D; ++d) {
    const int back = D == 2 ? d == 1 : p->reverse != 0;
    const float *wd = w + d * G * H * I, *rd = r + d * G * H * H;
    const float *wb = bias ? bias + d * 2 * G * H : NULL;
    const float *rb = wb ? wb + G * H : NULL;
    const float *pd = peep ? peep + d * 3 * H : NULL;
    const int32_t *act = p->act + d * nact;
    const float *al = p->alpha + d * nact, *be = p->beta + d * nact;
    for (size_t b = 0; b < B; ++b) {
      size_t len = T;
      if (lens)
        len = lens[b] < 0 ? 0 : (size_t)lens[b] > T ? T : (size_t)lens[b];
      float *h = yh + (d * B + b) * H, *c = yc + (d * B + b) * H;
      for (size_t s = 0; s < len; ++s) {
        const size_t t = back ? len - 1 - s : s;
        const float *xt = x + (t * B + b) * I;
        /* GRU's h gate gets its recurrent term below. */
        const size_t recurrent = G == 3 ? 2 * H : G * H;
        matvec(dot, xt, wd, I, G * H, wb, BNNC_RNN_MV_SET, gate);
        matvec(dot, h, rd, H, recurrent, rb, BNNC_RNN_MV_ADD, gate);
        if (G == 1) {
          for (size_t j = 0; j < H; ++j)
            h[j] = bnnc_rnn_activate_f32(act[0], al[0], be[0],
                                         bnnc_rnn_clip_f32(p, gate[j]));
        } else if (G == 3) {
          float *z = gate, *rg = gate + H, *hg = gate + 2 * H;
          for (size_t j = 0; j < H; ++j)
            rg[j] = bnnc_rnn_activate_f32(act[0], al[0], be[0],
                                          bnnc_rnn_clip_f32(p, rg[j]));
          /* linear_before_reset: hg + rg * (Rh h + Rbh), with Rh h + Rbh
           * in tmp; else (hg + Rh (rg * h)) + Rbh, rg * h in tmp. */
          if (p->linear_before_reset) {
            matvec(dot, h, rd + 2 * H * H, H, H, rb ? rb + 2 * H : NULL,
                   BNNC_RNN_MV_SET, tmp);
          } else {
            for (size_t j = 0; j < H; ++j)
              tmp[j] = rg[j] * h[j];
            matvec(dot, tmp, rd + 2 * H * H, H, H, NULL, BNNC_RNN_MV_ACC, hg);
          }
          for (size_t j = 0; j < H; ++j) {
            const float rbh = rb ? rb[2 * H + j] : 0.0f;
            const float v = p->linear_before_reset ? hg[j] + rg[j] * tmp[j]
                                                   : hg[j] + rbh;
            hg[j] = bnnc_rnn_activate_f32(act[1], al[1], be[1],
                                          bnnc_rnn_clip_f32(p, v));
          }
          for (size_t j = 0; j < H; ++j) {
            const float zj = bnnc_rnn_activate_f32(
                act[0], al[0], be[0], bnnc_rnn_clip_f32(p, z[j]));
            h[j] = (1.0f - zj) * hg[j] + zj * h[j];
          }
        } else {
          const float *gi = gate, *go = gate + H, *gf = gate + 2 * H;
          const float *gc = gate + 3 * H;
          for (size_t j = 0; j < H; ++j) {
            const float prev = c[j];
            const float i = bnnc_rnn_activate_f32(
                act[0], al[0], be[0],
                bnnc_rnn_clip_f32(p, gi[j] + (pd ? pd[j] * prev : 0.0f)));
            const float f =
                p->input_forget
                    ? 1.0f - i
                    : bnnc_rnn_activate_f32(
                          act[0], al[0], be[0],
                          bnnc_rnn_clip_f32(
                              p, gf[j] + (pd ? pd[2 * H + j] * prev : 0.0f)));
            const float g = bnnc_rnn_activate_f32(act[1], al[1], be[1],
                                                  bnnc_rnn_clip_f32(p, gc[j]));
            const float cn = f * prev + i * g;
            const float o = bnnc_rnn_activate_f32(
                act[0], al[0], be[0],
                bnnc_rnn_clip_f32(p, go[j] + (pd ? pd[H + j] * cn : 0.0f)));
            c[j] = cn;
            h[j] = o * bnnc_rnn_activate_f32(act[2], al[2], be[2], cn);
          }
        }
        float *yt = y + ((t * D + d) * B + b) * H;
        for (size_t j = 0; j < H; ++j)
          yt[j] = h[j];
      }
    }
  }
}

/* The recurrent kernel with the row-by-row products of `dot` (a SIMD
 * target passes its own dot product). */
static inline void bnnc_recurrent_dot_f32(
    const bnnc_recurrent_params *p, bnnc_rnn_dot_fn dot, const float *x,
    const float *w, const float *r, const float *bias, const float *h0,
    const float *c0, const float *peep, const int32_t *lens, float *out) {
  bnnc_recurrent_mv_f32(p, bnnc_rnn_matvec_dot_f32, dot, x, w, r, bias, h0,
                        c0, peep, lens, out);
}

/* ---- Resize (ONNX Resize and Upsample) --------------------------------- */

/* Separable resampling through tap tables computed by the compiler
 * (passes/ResizeTables.cpp). Axis d of the output has out_dims[d]
 * coordinates with taps[d] taps each; its tables start after those of the
 * axes before it in `idx` (input indices) and `w` (weights). y is the sum
 * over every combination of one tap per axis of the product of the weights
 * times x at the indices; a first index below 0 on any axis (outside the
 * crop of tf_crop_and_resize) gives extrapolation_value instead. Every
 * index is clamped into its axis, so no table value reads outside x. */
typedef struct {
  int32_t rank;
  int32_t in_dims[BNNC_MAX_RANK];
  int32_t out_dims[BNNC_MAX_RANK];
  int32_t taps[BNNC_MAX_RANK];
  float extrapolation_value;
} bnnc_resize_params;

static inline void bnnc_resize_f32(const bnnc_resize_params *p,
                                   const int32_t *idx, const float *w,
                                   const float *x, float *y) {
  size_t table[BNNC_MAX_RANK], in_stride[BNNC_MAX_RANK];
  size_t coord[BNNC_MAX_RANK], tap[BNNC_MAX_RANK];
  size_t total = 1, stride = 1, at = 0;
  const int32_t rank =
      p->rank < 1 ? 1 : p->rank > BNNC_MAX_RANK ? BNNC_MAX_RANK : p->rank;
  for (int32_t d = 0; d < rank; ++d) {
    table[d] = at;
    at += (size_t)p->out_dims[d] * (size_t)p->taps[d];
    total *= (size_t)p->out_dims[d];
    coord[d] = 0;
  }
  for (int32_t d = rank - 1; d >= 0; --d) {
    in_stride[d] = stride;
    stride *= (size_t)p->in_dims[d];
  }
  for (size_t o = 0; o < total; ++o) {
    int32_t outside = 0;
    for (int32_t d = 0; d < rank; ++d) {
      tap[d] = 0;
      if (idx[table[d] + coord[d] * (size_t)p->taps[d]] < 0)
        outside = 1;
    }
    if (outside) {
      y[o] = p->extrapolation_value;
    } else {
      float acc = 0.0f;
      for (;;) {
        float weight = 1.0f;
        size_t offset = 0;
        int32_t d;
        for (d = 0; d < rank; ++d) {
          const size_t e = table[d] + coord[d] * (size_t)p->taps[d] + tap[d];
          int32_t i = idx[e];
          i = i < 0 ? 0 : i >= p->in_dims[d] ? p->in_dims[d] - 1 : i;
          offset += (size_t)i * in_stride[d];
          weight *= w[e];
        }
        acc += weight * x[offset];
        for (d = rank - 1; d >= 0; --d) {
          if (++tap[d] < (size_t)p->taps[d])
            break;
          tap[d] = 0;
        }
        if (d < 0)
          break;
      }
      y[o] = acc;
    }
    for (int32_t d = rank - 1; d >= 0; --d) {
      if (++coord[d] < (size_t)p->out_dims[d])
        break;
      coord[d] = 0;
    }
  }
}

/* The portable kernel: bnnc_recurrent_dot_f32 with bnnc_rnn_dot_f32. */
static inline void bnnc_recurrent_f32(const bnnc_recurrent_params *p,
                                      const float *x, const float *w,
                                      const float *r, const float *bias,
                                      const float *h0, const float *c0,
                                      const float *peep, const int32_t *lens,
                                      float *out) {
  bnnc_recurrent_dot_f32(p, bnnc_rnn_dot_f32, x, w, r, bias, h0, c0, peep,
                         lens, out);
}

/* ---- Transposed convolution (ONNX ConvTranspose) ----------------------- */

/* NCDHW; 1-D and 2-D are views with leading spatial sizes of 1. */
typedef struct {
  int32_t n, c, m, group;
  int32_t in[3], out[3], kernel[3];
  int32_t stride[3], pad[3], dilation[3];
} bnnc_conv_transpose_params;

/* The input index i along `axis` with o = i * stride - pad + k * dilation,
 * or -1 when tap k of output o meets no input there. */
static inline int32_t
bnnc_conv_transpose_source(const bnnc_conv_transpose_params *p, int axis,
                           int32_t o, int32_t k) {
  const int32_t t = o + p->pad[axis] - k * p->dilation[axis];
  if (t < 0 || t % p->stride[axis] != 0 || t / p->stride[axis] >= p->in[axis])
    return -1;
  return t / p->stride[axis];
}

/* y[n, m, o] = bias[m] + sum over the group's input channels c and kernel
 * taps k with o = i * stride - pad + k * dilation (per axis) of
 * x[n, c, i] * w[c, m % (M / group), k]: each output gathers the inputs
 * that reach it, so it is written once. */
static inline void bnnc_conv_transpose_f32(const bnnc_conv_transpose_params *p,
                                           const float *x, const float *w,
                                           const float *bias, float *y) {
  const size_t cg = (size_t)p->c / (size_t)p->group;
  const size_t mg = (size_t)p->m / (size_t)p->group;
  const size_t in_plane =
      (size_t)p->in[0] * (size_t)p->in[1] * (size_t)p->in[2];
  const size_t out_plane =
      (size_t)p->out[0] * (size_t)p->out[1] * (size_t)p->out[2];
  const size_t ksize =
      (size_t)p->kernel[0] * (size_t)p->kernel[1] * (size_t)p->kernel[2];
  for (size_t n = 0; n < (size_t)p->n; ++n)
    for (size_t m = 0; m < (size_t)p->m; ++m) {
      const size_t g = m / mg, mm = m % mg;
      float *ym = y + (n * (size_t)p->m + m) * out_plane;
      size_t at = 0;
      for (int32_t od = 0; od < p->out[0]; ++od)
        for (int32_t oh = 0; oh < p->out[1]; ++oh)
          for (int32_t ow = 0; ow < p->out[2]; ++ow, ++at) {
            float acc = bias ? bias[m] : 0.0f;
            for (size_t ci = 0; ci < cg; ++ci) {
              const size_t c = g * cg + ci;
              const float *xc = x + (n * (size_t)p->c + c) * in_plane;
              const float *wc = w + (c * mg + mm) * ksize;
              for (int32_t kd = 0; kd < p->kernel[0]; ++kd) {
                const int32_t id = bnnc_conv_transpose_source(p, 0, od, kd);
                if (id < 0)
                  continue;
                for (int32_t kh = 0; kh < p->kernel[1]; ++kh) {
                  const int32_t ih = bnnc_conv_transpose_source(p, 1, oh, kh);
                  if (ih < 0)
                    continue;
                  for (int32_t kw = 0; kw < p->kernel[2]; ++kw) {
                    const int32_t iw = bnnc_conv_transpose_source(p, 2, ow, kw);
                    if (iw < 0)
                      continue;
                    acc += xc[((size_t)id * (size_t)p->in[1] + (size_t)ih) *
                                  (size_t)p->in[2] +
                              (size_t)iw] *
                           wc[((size_t)kd * (size_t)p->kernel[1] +
                               (size_t)kh) *
                                  (size_t)p->kernel[2] +
                              (size_t)kw];
                  }
                }
              }
            }
            ym[at] = acc;
          }
    }
}

#endif /* BNNC_KERNELS_F32_H */
