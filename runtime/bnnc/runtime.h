/*
 * bnnc/runtime.h - types shared by all code that bnnc generates.
 *
 * Part of the bnnc static runtime: header-only, no allocation, no stdio.
 * Generated model headers include this file for the tensor descriptors and
 * status codes below.
 */
#ifndef BNNC_RUNTIME_H
#define BNNC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return values of <model>_run(). */
#define BNNC_OK 0
#define BNNC_ERROR_NULL_ARGUMENT 1
#define BNNC_ERROR_INDEX 2 /* a Gather index outside the tensor */

/* Element types, numbered as ONNX TensorProto.DataType. */
typedef enum {
  BNNC_FLOAT32 = 1,
  BNNC_UINT8 = 2,
  BNNC_INT8 = 3,
  BNNC_INT32 = 6,
  BNNC_INT64 = 7,
  BNNC_BOOL = 9,
  BNNC_FLOAT64 = 11
} bnnc_dtype;

#define BNNC_MAX_RANK 8

/* Sizes and offsets in the kernels. Shapes, kernel attributes and loop
 * counters are int32_t; every dimension, and every index along one, is in
 * [0, 2^31) (the compiler bounds tensors to fewer than 2^31 bytes, see
 * docs/reliability.md "Resource limits"). Element offsets into a buffer are
 * computed in size_t: a dimension or index is converted once with an
 * explicit (size_t) cast, usually into a size_t local, and the offset
 * arithmetic then stays unsigned. Coordinates that can be negative (a tap's
 * input row or column before its bounds test) stay int32_t and are cast
 * after the test. So the headers compile cleanly with -Wsign-conversion. */

/* The geometry fields every 2-D convolution's parameter struct starts
 * with (bnnc_conv2d_params, bnnc_bconv2d_params), so that the float and
 * binary kernels, and the compiler that fills them in, name each the same. */
#define BNNC_CONV2D_GEOMETRY                                                   \
  int32_t n, c, h, w;        /* input, NCHW */                                 \
  int32_t m, kh, kw;         /* output channels, kernel size */                \
  int32_t oh, ow;            /* output size */                                 \
  int32_t stride_h, stride_w;                                                  \
  int32_t pad_top, pad_left; /* bottom/right padding is implied by oh/ow */     \
  int32_t dilation_h, dilation_w;                                              \
  int32_t group;

/* One model input or output: a contiguous row-major buffer. */
typedef struct {
  const char *name;        /* ONNX graph input/output name */
  bnnc_dtype dtype;        /* element type */
  int32_t rank;            /* number of dimensions */
  int32_t shape[BNNC_MAX_RANK]; /* dimensions, outermost first */
  size_t count;            /* number of elements */
  size_t bytes;            /* buffer size in bytes */
} bnnc_tensor_desc;

/* Alignment of the arena; the generated header states the required value. */
#if defined(__GNUC__) || defined(__clang__)
#define BNNC_ALIGNED(n) __attribute__((aligned(n)))
#else
#define BNNC_ALIGNED(n)
#endif

#ifdef __cplusplus
}
#endif

#endif /* BNNC_RUNTIME_H */
