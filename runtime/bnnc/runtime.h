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
