/*
 * bnnc/kernels_data.h - typed kernels over every element type: reductions,
 * pad, gather and cumulative sums.
 *
 * One function per kernel and element type, named bnnc_<kernel>_<type>
 * with the type suffixes f32, i8, i16, i32, i64, u8, u16, u32 and u64 (an
 * ONNX bool is a uint8_t holding 0 or 1 and uses u8). Shapes come in a
 * `const` parameter struct that the generated code defines as a static
 * constant, so an optimizing compiler sees every bound. Integer arithmetic
 * wraps (two's complement, numpy's fixed-width semantics) through the
 * helpers below and never reaches undefined behaviour; every index a kernel
 * computes is inside its buffers for every input value (Gather checks its
 * run-time indices and reports BNNC_ERROR_INDEX instead of reading).
 * kernels_f32.h includes this header.
 */
#ifndef BNNC_KERNELS_DATA_H
#define BNNC_KERNELS_DATA_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bnnc/runtime.h"

/* ---- Integer arithmetic, defined for every value ------------------------ *
 *
 * The generated C calls these for int32 and int64 elementwise ops, sums and
 * casts, so that no input value reaches undefined behaviour (see
 * docs/reliability.md, "The generated C"); the compiler's constant folders
 * (dialects/onnx/OnnxFolders.cpp) compute the same results:
 * - Add, Sub, Mul, Neg, Abs, sums: two's-complement wrap-around (numpy's
 *   fixed-width integers), computed in unsigned arithmetic;
 * - Div truncates toward zero; x / 0 = 0; MIN / -1 = MIN (wraps);
 * - Pow by repeated squaring, wrapping; a negative exponent gives the exact
 *   power truncated toward zero (1 for base 1, +-1 for base -1, else 0);
 * The unsigned-to-signed step is written out so that it does not rely on
 * implementation-defined conversion; compilers reduce it to a move. `W` is
 * an unsigned type at least as wide as int, so that no operand is promoted
 * to a signed int that could overflow (uint16_t * uint16_t would be
 * computed in int otherwise). 8-bit elementwise arithmetic is done in int,
 * where it cannot overflow, and converts back modulo 2^8 (as gcc, clang and
 * armcc define it); the reductions use the 8- and 16-bit helpers. */
#define BNNC_DEFINE_INT_OPS(S, T, UT, W, MAX)                               \
  static inline T bnnc_wrap_##S(UT v) {                                        \
    return v <= (UT)MAX ? (T)v : (T)(-(T)(UT)(~v) - 1);                        \
  }                                                                            \
  static inline T bnnc_add_##S(T a, T b) {                                     \
    return bnnc_wrap_##S((UT)((W)(UT)a + (W)(UT)b));                                 \
  }                                                                            \
  static inline T bnnc_sub_##S(T a, T b) {                                     \
    return bnnc_wrap_##S((UT)((W)(UT)a - (W)(UT)b));                                 \
  }                                                                            \
  static inline T bnnc_mul_##S(T a, T b) {                                     \
    return bnnc_wrap_##S((UT)((W)(UT)a * (W)(UT)b));                                 \
  }                                                                            \
  static inline T bnnc_neg_##S(T a) {                                          \
    return bnnc_wrap_##S((UT)((W)0 - (W)(UT)a));                                 \
  }                                                                            \
  static inline T bnnc_abs_##S(T a) { return a < 0 ? bnnc_neg_##S(a) : a; }   \
  static inline T bnnc_div_##S(T a, T b) {                                     \
    return b == 0 ? (T)0 : b == -1 ? bnnc_neg_##S(a) : (T)(a / b);             \
  }                                                                            \
  static inline T bnnc_pow_##S(T a, T b) {                                     \
    T result = 1;                                                              \
    if (b < 0)                                                                 \
      return a == 1 ? (T)1 : a == -1 ? (T)((b & 1) ? -1 : 1) : (T)0;          \
    for (; b; b = (T)(b >> 1), a = bnnc_mul_##S(a, a))                         \
      if (b & 1)                                                               \
        result = bnnc_mul_##S(result, a);                                      \
    return result;                                                             \
  }
BNNC_DEFINE_INT_OPS(i8, int8_t, uint8_t, uint32_t, INT8_MAX)
BNNC_DEFINE_INT_OPS(i16, int16_t, uint16_t, uint32_t, INT16_MAX)
BNNC_DEFINE_INT_OPS(i32, int32_t, uint32_t, uint32_t, INT32_MAX)
BNNC_DEFINE_INT_OPS(i64, int64_t, uint64_t, uint64_t, INT64_MAX)
#undef BNNC_DEFINE_INT_OPS

#define BNNC_DEFINE_UNSIGNED_OPS(S, T, W)                                      \
  static inline T bnnc_add_##S(T a, T b) { return (T)((W)a + (W)b); }          \
  static inline T bnnc_mul_##S(T a, T b) { return (T)((W)a * (W)b); }          \
  static inline T bnnc_abs_##S(T a) { return a; }
BNNC_DEFINE_UNSIGNED_OPS(u8, uint8_t, uint32_t)
BNNC_DEFINE_UNSIGNED_OPS(u16, uint16_t, uint32_t)
BNNC_DEFINE_UNSIGNED_OPS(u32, uint32_t, uint32_t)
BNNC_DEFINE_UNSIGNED_OPS(u64, uint64_t, uint64_t)
#undef BNNC_DEFINE_UNSIGNED_OPS

/* The float members of the same family, so that one macro covers every
 * element type. */
static inline float bnnc_add_f32(float a, float b) { return a + b; }
static inline float bnnc_mul_f32(float a, float b) { return a * b; }
static inline float bnnc_abs_f32(float a) { return fabsf(a); }

/* ---- Reductions --------------------------------------------------------- *
 *
 * The input is a row-major tensor of `rank` dimensions; `out_strides` gives
 * the result's stride along each of them, 0 along a reduced one (the
 * compiler merges adjacent dimensions of the same kind, so rank is small).
 * Every result element starts at the identity of its reduction and folds
 * its input elements in row-major input order (so float sums are exactly
 * the sums of the loop the compiler emitted before this kernel existed),
 * then is finished: mean divides by `count` (integers truncate toward zero,
 * as ONNX Runtime does; an empty mean stays 0), l2 takes the square root,
 * log_sum and log_sum_exp the logarithm. log_sum_exp is ONNX's function
 * definition, log(sum(exp(x))), without a max shift: exp overflows to inf
 * for x > 88.7, as in the ONNX reference implementation. */
typedef struct {
  int32_t rank;                       /* 1 .. BNNC_MAX_RANK */
  int32_t shape[BNNC_MAX_RANK];       /* input dimensions */
  int32_t out_strides[BNNC_MAX_RANK]; /* result strides; 0 = reduced */
  int32_t out_count;                  /* result elements */
  int32_t count;                      /* input elements per result element */
} bnnc_reduce_params;

/* Advances the multi-index of the row (all dimensions but the last) and the
 * result offset that goes with it; 0 once every row is done. */
static inline int bnnc_reduce_next_row(const bnnc_reduce_params *p,
                                       int32_t *index, size_t *out) {
  for (int32_t d = p->rank - 2; d >= 0; --d) {
    *out += (size_t)p->out_strides[d];
    if (++index[d] < p->shape[d])
      return 1;
    *out -= (size_t)p->out_strides[d] * (size_t)p->shape[d];
    index[d] = 0;
  }
  return 0;
}

/* One reduction kernel: `acc` and `v` are in scope in STEP, `acc` in
 * FINISH. */
#define BNNC_DEFINE_REDUCE(NAME, T, INIT, STEP, FINISH)                        \
  static inline void NAME(const bnnc_reduce_params *p, const T *x, T *y) {     \
    int32_t index[BNNC_MAX_RANK] = {0};                                        \
    const int32_t n = p->shape[p->rank - 1];                                   \
    const size_t step = (size_t)p->out_strides[p->rank - 1];                   \
    size_t out = 0;                                                            \
    int32_t empty = 0;                                                         \
    for (int32_t d = 0; d < p->rank; ++d)                                      \
      empty |= p->shape[d] == 0;                                               \
    for (int32_t i = 0; i < p->out_count; ++i)                                 \
      y[i] = (INIT);                                                           \
    if (!empty)                                                                \
      do {                                                                     \
        for (int32_t j = 0; j < n; ++j, ++x) {                                 \
          T *at = y + out + (size_t)j * step;                                  \
          const T acc = *at, v = *x;                                           \
          *at = (STEP);                                                        \
        }                                                                      \
      } while (bnnc_reduce_next_row(p, index, &out));                          \
    for (int32_t i = 0; i < p->out_count; ++i) {                               \
      const T acc = y[i];                                                      \
      y[i] = (FINISH);                                                         \
    }                                                                          \
  }

/* The reductions every numeric type has. A float NaN wins max and min
 * (numpy propagates it); integers have none. */
#define BNNC_DEFINE_REDUCTIONS(S, T, LOWEST, HIGHEST, IS_NAN, MEAN)            \
  BNNC_DEFINE_REDUCE(bnnc_reduce_sum_##S, T, (T)0, bnnc_add_##S(acc, v), acc)  \
  BNNC_DEFINE_REDUCE(bnnc_reduce_mean_##S, T, (T)0, bnnc_add_##S(acc, v),      \
                     MEAN)                                                     \
  BNNC_DEFINE_REDUCE(bnnc_reduce_max_##S, T, LOWEST,                           \
                     (IS_NAN(v) || v > acc) ? v : acc, acc)                    \
  BNNC_DEFINE_REDUCE(bnnc_reduce_min_##S, T, HIGHEST,                          \
                     (IS_NAN(v) || v < acc) ? v : acc, acc)                    \
  BNNC_DEFINE_REDUCE(bnnc_reduce_prod_##S, T, (T)1, bnnc_mul_##S(acc, v), acc) \
  BNNC_DEFINE_REDUCE(bnnc_reduce_sum_square_##S, T, (T)0,                      \
                     bnnc_add_##S(acc, bnnc_mul_##S(v, v)), acc)               \
  BNNC_DEFINE_REDUCE(bnnc_reduce_l1_##S, T, (T)0,                              \
                     bnnc_add_##S(acc, bnnc_abs_##S(v)), acc)

#define BNNC_NO_NAN(v) 0
#define BNNC_IS_NAN(v) ((v) != (v))
#define BNNC_FLOAT_MEAN (p->count ? acc / (float)p->count : acc / 0.0f)
#define BNNC_INT_MEAN(T) (p->count ? (T)(acc / (T)p->count) : acc)
BNNC_DEFINE_REDUCTIONS(f32, float, -INFINITY, INFINITY, BNNC_IS_NAN,
                       BNNC_FLOAT_MEAN)
BNNC_DEFINE_REDUCTIONS(i8, int8_t, INT8_MIN, INT8_MAX, BNNC_NO_NAN,
                       BNNC_INT_MEAN(int8_t))
BNNC_DEFINE_REDUCTIONS(i16, int16_t, INT16_MIN, INT16_MAX, BNNC_NO_NAN,
                       BNNC_INT_MEAN(int16_t))
BNNC_DEFINE_REDUCTIONS(i32, int32_t, INT32_MIN, INT32_MAX, BNNC_NO_NAN,
                       BNNC_INT_MEAN(int32_t))
BNNC_DEFINE_REDUCTIONS(i64, int64_t, INT64_MIN, INT64_MAX, BNNC_NO_NAN,
                       BNNC_INT_MEAN(int64_t))
BNNC_DEFINE_REDUCTIONS(u8, uint8_t, 0, UINT8_MAX, BNNC_NO_NAN,
                       BNNC_INT_MEAN(uint8_t))
BNNC_DEFINE_REDUCTIONS(u16, uint16_t, 0, UINT16_MAX, BNNC_NO_NAN,
                       BNNC_INT_MEAN(uint16_t))
BNNC_DEFINE_REDUCTIONS(u32, uint32_t, 0, UINT32_MAX, BNNC_NO_NAN,
                       BNNC_INT_MEAN(uint32_t))
BNNC_DEFINE_REDUCTIONS(u64, uint64_t, 0, UINT64_MAX, BNNC_NO_NAN,
                       BNNC_INT_MEAN(uint64_t))
#undef BNNC_INT_MEAN
#undef BNNC_FLOAT_MEAN

/* The float-only reductions. */
BNNC_DEFINE_REDUCE(bnnc_reduce_l2_f32, float, 0.0f, acc + v * v, sqrtf(acc))
BNNC_DEFINE_REDUCE(bnnc_reduce_log_sum_f32, float, 0.0f, acc + v, logf(acc))
BNNC_DEFINE_REDUCE(bnnc_reduce_log_sum_exp_f32, float, 0.0f, acc + expf(v),
                   logf(acc))

/* ---- Pad ---------------------------------------------------------------- *
 *
 * y has out_shape; the source coordinate of y's coordinate i along d is
 * s = i - pad_begin[d] (a negative pad crops), then
 * - constant: s outside [0, in) gives `value`;
 * - edge: s clamped to [0, in - 1];
 * - reflect: mirrored at the borders without repeating them (-s, or
 *   2 (in - 1) - s); the compiler checks pads < in, so one reflection
 *   lands inside. */
enum { BNNC_PAD_CONSTANT = 0, BNNC_PAD_EDGE = 1, BNNC_PAD_REFLECT = 2 };

typedef struct {
  int32_t rank; /* 1 .. BNNC_MAX_RANK */
  int32_t mode; /* BNNC_PAD_* */
  int32_t in_shape[BNNC_MAX_RANK];
  int32_t out_shape[BNNC_MAX_RANK];
  int32_t pad_begin[BNNC_MAX_RANK];
} bnnc_pad_params;

/* The source coordinate of `i` along a dimension of `n` elements, or -1
 * when it lies in the constant border. */
static inline int32_t bnnc_pad_source(int32_t mode, int32_t i, int32_t pad,
                                      int32_t n) {
  int32_t s = i - pad;
  if (s >= 0 && s < n)
    return s;
  if (mode == BNNC_PAD_EDGE)
    return s < 0 ? 0 : n - 1;
  if (mode == BNNC_PAD_REFLECT) {
    s = s < 0 ? -s : 2 * (n - 1) - s;
    return s >= 0 && s < n ? s : -1;
  }
  return -1;
}

/* Row by row: the offset of the source row is built from the outer
 * coordinates; a row whose outer coordinates fall in the border is all
 * `value`. */
#define BNNC_DEFINE_PAD(S, T)                                                  \
  static inline void bnnc_pad_##S(const bnnc_pad_params *p, const T *x,        \
                                  T value, T *y) {                             \
    int32_t index[BNNC_MAX_RANK] = {0};                                        \
    const int32_t last = p->rank - 1, n = p->in_shape[last];                   \
    const int32_t width = p->out_shape[last];                                  \
    for (int32_t d = 0; d < p->rank; ++d)                                      \
      if (p->out_shape[d] == 0)                                                \
        return;                                                                \
    for (;;) {                                                                 \
      size_t row = 0;                                                          \
      int inside = n > 0;                                                      \
      for (int32_t d = 0; d < last; ++d) {                                     \
        const int32_t s = bnnc_pad_source(p->mode, index[d], p->pad_begin[d],  \
                                          p->in_shape[d]);                     \
        inside &= s >= 0;                                                      \
        row = row * (size_t)p->in_shape[d] + (size_t)(s < 0 ? 0 : s);          \
      }                                                                        \
      const T *src = x + row * (size_t)n;                                      \
      for (int32_t i = 0; i < width; ++i) {                                    \
        const int32_t s =                                                      \
            inside ? bnnc_pad_source(p->mode, i, p->pad_begin[last], n) : -1;  \
        *y++ = s >= 0 ? src[s] : value;                                        \
      }                                                                        \
      int32_t d = last - 1;                                                    \
      for (; d >= 0; --d) {                                                    \
        if (++index[d] < p->out_shape[d])                                      \
          break;                                                               \
        index[d] = 0;                                                          \
      }                                                                        \
      if (d < 0)                                                               \
        return;                                                                \
    }                                                                          \
  }

/* ---- Gather ------------------------------------------------------------- *
 *
 * data viewed as [outer, n, inner], `count` indices: y[o, j, i] =
 * x[o, ids[j], i]; a negative id counts from the end. Every id is checked
 * on its own 64-bit value before anything is written (a narrower ptrdiff_t
 * could wrap 2^32 + 1 into range): one outside [-n, n) returns
 * BNNC_ERROR_INDEX. */
#define BNNC_DEFINE_GATHER(S, T, IS, I)                                        \
  static inline int bnnc_gather_##S##_##IS(int32_t outer, int32_t n,           \
                                           int32_t inner, int32_t count,       \
                                           const T *x, const I *ids, T *y) {   \
    for (int32_t j = 0; j < count; ++j)                                        \
      if ((int64_t)ids[j] < -(int64_t)n || (int64_t)ids[j] >= (int64_t)n)      \
        return BNNC_ERROR_INDEX;                                               \
    for (int32_t o = 0; o < outer; ++o)                                        \
      for (int32_t j = 0; j < count; ++j) {                                    \
        const int64_t id = (int64_t)ids[j] < 0 ? (int64_t)ids[j] + n           \
                                               : (int64_t)ids[j];              \
        const T *src = x + ((size_t)o * (size_t)n + (size_t)id) * (size_t)inner; \
        for (int32_t i = 0; i < inner; ++i)                                    \
          *y++ = src[i];                                                       \
      }                                                                        \
    return BNNC_OK;                                                            \
  }

/* ---- CumSum ------------------------------------------------------------- *
 *
 * Along the middle axis of [outer, n, inner], forwards or (`reverse`)
 * backwards; an `exclusive` sum stores the running sum before adding. */
#define BNNC_DEFINE_CUMSUM(S, T)                                               \
  static inline void bnnc_cumsum_##S(int32_t outer, int32_t n, int32_t inner,  \
                                     int32_t exclusive, int32_t reverse,       \
                                     const T *x, T *y) {                       \
    for (int32_t o = 0; o < outer; ++o)                                        \
      for (int32_t i = 0; i < inner; ++i) {                                    \
        T sum = 0;                                                             \
        for (int32_t j = 0; j < n; ++j) {                                      \
          const int32_t k = reverse ? n - 1 - j : j;                           \
          const size_t at =                                                    \
              ((size_t)o * (size_t)n + (size_t)k) * (size_t)inner + (size_t)i; \
          const T v = x[at];                                                   \
          if (exclusive)                                                       \
            y[at] = sum;                                                       \
          sum = bnnc_add_##S(sum, v);                                          \
          if (!exclusive)                                                      \
            y[at] = sum;                                                       \
        }                                                                      \
      }                                                                        \
  }

/* Pad, gather and cumsum for every type. */
#define BNNC_DEFINE_DATA_KERNELS(S, T)                                         \
  BNNC_DEFINE_PAD(S, T)                                                        \
  BNNC_DEFINE_GATHER(S, T, i32, int32_t)                                       \
  BNNC_DEFINE_GATHER(S, T, i64, int64_t)                                       \
  BNNC_DEFINE_CUMSUM(S, T)
BNNC_DEFINE_DATA_KERNELS(f32, float)
BNNC_DEFINE_DATA_KERNELS(i8, int8_t)
BNNC_DEFINE_DATA_KERNELS(i16, int16_t)
BNNC_DEFINE_DATA_KERNELS(i32, int32_t)
BNNC_DEFINE_DATA_KERNELS(i64, int64_t)
BNNC_DEFINE_DATA_KERNELS(u8, uint8_t)
BNNC_DEFINE_DATA_KERNELS(u16, uint16_t)
BNNC_DEFINE_DATA_KERNELS(u32, uint32_t)
BNNC_DEFINE_DATA_KERNELS(u64, uint64_t)

#endif /* BNNC_KERNELS_DATA_H */
