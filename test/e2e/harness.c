/*
 * harness.c - runs a bnnc-generated model on raw input files and compares
 * its outputs with raw reference files.
 *
 *   cc -std=c99 -I<runtime> -I<dir of model.h> harness.c model.c \
 *      -DMODEL_HEADER='"model.h"' -DMODEL=model -DMODEL_MACRO=MODEL -o run -lm
 *   ./run [--tol T | --rtol R --atol A] [--repeat N] in0.bin [in1.bin ...]
 *         -- ref0.bin ...
 *
 * Buffer sizes come from the model's descriptors, so one harness serves every
 * model. Float outputs pass elementwise when
 *   --tol T (default, T = 1e-5):  |y - ref| <= T * max(1, |ref|)
 *   --rtol R --atol A:            |y - ref| <= A + R * |ref|
 *                                 (an omitted one of the two is 0)
 * NaN matches NaN only and an infinity only the same infinity, in both modes.
 * Integer and bool outputs must be equal. --repeat N runs the model N times
 * (N >= 1) before comparing, for instruction counting (bench/).
 * Prints one line per output (plus the first mismatching element of an output
 * that fails) and PASS or FAIL; exit status 0 on PASS.
 *
 *   ./run --extreme N
 *
 * runs the model on N generated input patterns of extreme values instead
 * (pattern p < EXTREME_VALUES: each element from a rotating table of the
 * input's type, offset by p, with the inputs' rotations drifting against
 * each other so that every pair of table values meets; p in [16, 32):
 * every element the table's value p - 16; p in [32, 48): float inputs as
 * for p - 32, integer ones in {0, 1, 2} (valid ids, so that the ops after a
 * Gather run too); patterns repeat with period 48). Float tables hold
 * NaN, +-Inf, +-FLT_MAX, denormals, +-0, values beyond int32 and int64,
 * halves; integer ones the type's limits, -1, 0, 1, shift widths and large
 * ids. For each pattern it prints "extreme P: status S digest D", D a hash
 * of all output bytes with every float NaN made canonical, and exits 0: the
 * caller compares the lines of two builds (test/e2e/check_models.py).
 *
 * The same file runs bare metal on Cortex-M under QEMU (test/cortexm/), where
 * newlib's printf has no %zu: sizes are printed as unsigned long.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_HEADER

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define SYM(suffix) CAT(MODEL, suffix)
#define NUM_INPUTS CAT(MODEL_MACRO, _NUM_INPUTS)
#define NUM_OUTPUTS CAT(MODEL_MACRO, _NUM_OUTPUTS)
/* Arrays of at least one element, valid C even for a model without inputs. */
#define ATLEAST1(n) ((n) > 0 ? (n) : 1)

static void *read_file(const char *path, size_t expected) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "harness: cannot open %s\n", path);
    exit(2);
  }
  void *data = malloc(expected ? expected : 1);
  size_t got = fread(data, 1, expected, f);
  int extra = fgetc(f) != EOF;
  fclose(f);
  if (got != expected || extra) {
    fprintf(stderr, "harness: %s does not hold exactly %lu bytes\n", path,
            (unsigned long)expected);
    exit(2);
  }
  return data;
}

static double element(const bnnc_tensor_desc *d, const void *p, size_t i) {
  switch (d->dtype) {
  case BNNC_FLOAT32: return ((const float *)p)[i];
  case BNNC_FLOAT64: return ((const double *)p)[i];
  case BNNC_INT64: return (double)((const int64_t *)p)[i];
  case BNNC_INT32: return ((const int32_t *)p)[i];
  case BNNC_INT8: return ((const int8_t *)p)[i];
  default: return ((const uint8_t *)p)[i];
  }
}

/* Tolerance of float outputs: |y - ref| <= atol + rtol * |ref|, or with
 * `scaled`, |y - ref| <= rtol * max(1, |ref|) (the --tol rule). */
typedef struct {
  double rtol, atol;
  int scaled;
} tolerance;

static int float_ok(double a, double b, const tolerance *t) {
  if (isnan(a) || isnan(b))
    return isnan(a) && isnan(b);
  if (isinf(a) || isinf(b))
    return a == b;
  double err = fabs(a - b);
  if (t->scaled)
    return err <= t->rtol * (fabs(b) > 1.0 ? fabs(b) : 1.0);
  return err <= t->atol + t->rtol * fabs(b);
}

static int compare(int index, const bnnc_tensor_desc *d, const void *y,
                   const void *ref, const tolerance *t) {
  int is_float = d->dtype == BNNC_FLOAT32 || d->dtype == BNNC_FLOAT64;
  double max_abs = 0.0, max_scaled = 0.0;
  size_t bad = 0, first_bad = 0;
  size_t size = d->count ? d->bytes / d->count : 0; /* bytes per element */
  for (size_t i = 0; i < d->count; ++i) {
    double a = element(d, y, i), b = element(d, ref, i);
    /* Integers compare bit-exactly (int64 does not fit in a double). */
    int ok = is_float ? float_ok(a, b, t)
                      : memcmp((const char *)y + i * size,
                               (const char *)ref + i * size, size) == 0;
    if (!ok && bad++ == 0)
      first_bad = i;
    if (isnan(a) || isnan(b) || isinf(a) || isinf(b))
      continue;
    double err = fabs(a - b);
    double scaled = err / (fabs(b) > 1.0 ? fabs(b) : 1.0);
    if (err > max_abs) max_abs = err;
    if (scaled > max_scaled) max_scaled = scaled;
  }
  printf("output %d '%s': %lu elements, max abs err %.3g, max scaled err "
         "%.3g, %lu mismatches\n",
         index, d->name, (unsigned long)d->count, max_abs, max_scaled,
         (unsigned long)bad);
  if (bad)
    printf("output %d '%s': first mismatch at element %lu: got %.9g, "
           "expected %.9g\n",
           index, d->name, (unsigned long)first_bad, element(d, y, first_bad),
           element(d, ref, first_bad));
  return bad == 0;
}

/* ---- --extreme ---------------------------------------------------------- */

#define EXTREME_VALUES 16
#define SMALL_IDS 16 /* tables hold 0, 1, 2 at SMALL_IDS and after */

static void extreme_fill(const bnnc_tensor_desc *d, void *p, int input,
                         int pattern) {
  static const float f32[EXTREME_VALUES + 3] = {
      NAN, INFINITY, -INFINITY, 3.40282347e38f, -3.40282347e38f,
      1e-40f /* denormal */, -1.4e-45f /* smallest denormal */, 0.0f, -0.0f,
      1.0f, -1.0f, 3e9f /* > INT32_MAX */, -1e19f /* < INT64_MIN */, 2.5f,
      -0.5f, 255.5f, 0.0f, 1.0f, 2.0f};
  static const int64_t i64[EXTREME_VALUES + 3] = {
      INT64_MIN, INT64_MAX, -1, 0, 1, INT32_MIN, INT32_MAX,
      (int64_t)1 << 40, -((int64_t)1 << 33) - 1, 1000000, -1000000, 63, 64,
      2, -2, 3, 0, 1, 2};
  static const int32_t i32[EXTREME_VALUES + 3] = {
      INT32_MIN, INT32_MAX, -1, 0, 1, INT32_MIN + 1, 65536, 46341,
      1000000, -1000000, 31, 32, 2, -2, 3, -3, 0, 1, 2};
  static const int8_t i8[EXTREME_VALUES + 3] = {
      -128, 127, -1, 0, 1, 7, 8, -127, 64, -64, 2, -2, 3, -3, 100, -100,
      0, 1, 2};
  static const uint8_t u8[EXTREME_VALUES + 3] = {
      0, 255, 1, 128, 127, 2, 7, 8, 16, 64, 200, 3, 100, 254, 9, 10, 0, 1, 2};
  for (size_t j = 0; j < d->count; ++j) {
    const int is_float = d->dtype == BNNC_FLOAT32 || d->dtype == BNNC_FLOAT64;
    size_t k;
    if (pattern >= 2 * EXTREME_VALUES && !is_float)
      k = SMALL_IDS + j % 3; /* 0, 1, 2 in every integer table below */
    else if (pattern >= EXTREME_VALUES && pattern < 2 * EXTREME_VALUES)
      k = (size_t)(pattern - EXTREME_VALUES);
    else /* input i drifts by i per block of EXTREME_VALUES elements */
      k = (j + (size_t)pattern + (j / EXTREME_VALUES) * (size_t)input) %
          EXTREME_VALUES;
    switch (d->dtype) {
    case BNNC_FLOAT32: ((float *)p)[j] = f32[k]; break;
    case BNNC_FLOAT64: ((double *)p)[j] = f32[k]; break;
    case BNNC_INT64: ((int64_t *)p)[j] = i64[k]; break;
    case BNNC_INT32: ((int32_t *)p)[j] = i32[k]; break;
    case BNNC_INT8: ((int8_t *)p)[j] = i8[k]; break;
    case BNNC_BOOL: ((uint8_t *)p)[j] = (uint8_t)(k & 1); break;
    default: ((uint8_t *)p)[j] = u8[k]; break;
    }
  }
}

/* FNV-1a over the output bytes, every float32 NaN hashed as 0x7fc00000. */
static uint64_t digest(uint64_t h, const bnnc_tensor_desc *d, const void *p) {
  const unsigned char *b = (const unsigned char *)p;
  static const float canonical_nan = NAN;
  for (size_t i = 0; i < d->bytes; ++i) {
    unsigned char c = b[i];
    if (d->dtype == BNNC_FLOAT32 && isnan(((const float *)p)[i / 4]))
      c = ((const unsigned char *)&canonical_nan)[i % 4];
    h = (h ^ c) * 1099511628211ull;
  }
  return h;
}

static int run_extreme(long patterns) {
  void *inputs[ATLEAST1(NUM_INPUTS)];
  void *outputs[ATLEAST1(NUM_OUTPUTS)];
  for (int i = 0; i < NUM_INPUTS; ++i)
    inputs[i] = malloc(SYM(_inputs)[i].bytes ? SYM(_inputs)[i].bytes : 1);
  for (int i = 0; i < NUM_OUTPUTS; ++i)
    outputs[i] = malloc(SYM(_outputs)[i].bytes ? SYM(_outputs)[i].bytes : 1);
  for (long p = 0; p < patterns; ++p) {
    for (int i = 0; i < NUM_INPUTS; ++i)
      extreme_fill(&SYM(_inputs)[i], inputs[i], i,
                   (int)(p % (3 * EXTREME_VALUES)));
    for (int i = 0; i < NUM_OUTPUTS; ++i)
      memset(outputs[i], 0xA5, SYM(_outputs)[i].bytes);
    int status = SYM(_run)((const void *const *)inputs, outputs);
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < NUM_OUTPUTS; ++i)
      h = digest(h, &SYM(_outputs)[i], outputs[i]);
    printf("extreme %ld: status %d digest %016llx\n", p, status,
           (unsigned long long)h);
  }
  for (int i = 0; i < NUM_INPUTS; ++i)
    free(inputs[i]);
  for (int i = 0; i < NUM_OUTPUTS; ++i)
    free(outputs[i]);
  return 0;
}

int main(int argc, char **argv) {
  tolerance tol = {1e-5, 0.0, 1};
  int arg = 1, relative = 0;
  const char *save = NULL, *argmax = NULL;
  long repeat = 1;
  if (argc == 3 && strcmp(argv[1], "--extreme") == 0)
    return run_extreme(strtol(argv[2], NULL, 10));
  while (arg + 1 < argc && strncmp(argv[arg], "--", 2) == 0 &&
         argv[arg][2] != '\0') {
    double value = atof(argv[arg + 1]);
    if (strcmp(argv[arg], "--save") == 0) {
      save = argv[arg + 1];
    } else if (strcmp(argv[arg], "--repeat") == 0) {
      repeat = strtol(argv[arg + 1], NULL, 10);
      if (repeat < 1) {
        fprintf(stderr, "harness: --repeat needs N >= 1\n");
        return 2;
      }
    } else if (strcmp(argv[arg], "--argmax") == 0) {
      argmax = argv[arg + 1];
    } else if (strcmp(argv[arg], "--tol") == 0) {
      tol.rtol = value;
      tol.scaled = 1;
    } else if (strcmp(argv[arg], "--rtol") == 0 ||
               strcmp(argv[arg], "--atol") == 0) {
      if (!relative) /* the first of --rtol/--atol drops the --tol default */
        tol.rtol = tol.atol = 0.0;
      relative = 1;
      tol.scaled = 0;
      *(argv[arg][2] == 'r' ? &tol.rtol : &tol.atol) = value;
    } else {
      fprintf(stderr, "harness: unknown option %s\n", argv[arg]);
      return 2;
    }
    arg += 2;
  }
  const void *inputs[ATLEAST1(NUM_INPUTS)];
  void *outputs[ATLEAST1(NUM_OUTPUTS)];
  const void *refs[ATLEAST1(NUM_OUTPUTS)];
  for (int i = 0; i < NUM_INPUTS; ++i, ++arg) {
    if (arg >= argc) {
      fprintf(stderr, "harness: expected %d input files\n", NUM_INPUTS);
      return 2;
    }
    inputs[i] = read_file(argv[arg], SYM(_inputs)[i].bytes);
  }
  if (arg >= argc || strcmp(argv[arg++], "--") != 0) {
    fprintf(stderr, "harness: expected -- after the input files\n");
    return 2;
  }
  for (int i = 0; i < NUM_OUTPUTS; ++i, ++arg) {
    if (arg >= argc) {
      fprintf(stderr, "harness: expected %d reference files\n",
              NUM_OUTPUTS);
      return 2;
    }
    refs[i] = read_file(argv[arg], SYM(_outputs)[i].bytes);
    outputs[i] = malloc(SYM(_outputs)[i].bytes ? SYM(_outputs)[i].bytes : 1);
    /* Poison the outputs so an unwritten element cannot pass by accident. */
    memset(outputs[i], 0xA5, SYM(_outputs)[i].bytes);
  }
  int status = BNNC_OK;
  for (long r = 0; r < repeat && status == BNNC_OK; ++r)
    status = SYM(_run)(inputs, outputs);
  if (status != BNNC_OK) {
    printf("run returned %d\nFAIL\n", status);
    return 1;
  }
  /* --save PREFIX writes output i to PREFIXi.bin (raw), e.g. to compare
   * two builds of one model bit for bit. */
  for (int i = 0; save && i < NUM_OUTPUTS; ++i) {
    char path[4096];
    snprintf(path, sizeof path, "%s%d.bin", save, i);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(outputs[i], 1, SYM(_outputs)[i].bytes, f) !=
                  SYM(_outputs)[i].bytes) {
      fprintf(stderr, "harness: cannot write %s\n", path);
      return 2;
    }
    fclose(f);
  }
  int ok = 1;
  /* --argmax FILE: the row-wise argmax of output 0 (a [rows, classes]
   * float tensor) must equal the integers in FILE, one per row. */
  if (argmax) {
    const bnnc_tensor_desc *d = &SYM(_outputs)[0];
    int rows = d->shape[0], classes = (int)(d->count / (size_t)rows), same = 0;
    FILE *f = fopen(argmax, "r");
    for (int r = 0; r < rows; ++r) {
      int expected = -1, best = 0;
      if (!f || fscanf(f, "%d", &expected) != 1) {
        fprintf(stderr, "harness: %s has fewer than %d labels\n", argmax, rows);
        return 2;
      }
      for (int c = 1; c < classes; ++c)
        if (element(d, outputs[0], (size_t)r * classes + c) >
            element(d, outputs[0], (size_t)r * classes + best))
          best = c;
      same += best == expected;
    }
    fclose(f);
    printf("argmax: %d of %d rows match\n", same, rows);
    ok &= same == rows;
  }
  for (int i = 0; i < NUM_OUTPUTS; ++i)
    ok &= compare(i, &SYM(_outputs)[i], outputs[i], refs[i], &tol);
  printf("%s\n", ok ? "PASS" : "FAIL");
  /* Freed so that LeakSanitizer runs (test/e2e/sanitize.test) are clean. */
  for (int i = 0; i < NUM_INPUTS; ++i)
    free((void *)inputs[i]);
  for (int i = 0; i < NUM_OUTPUTS; ++i) {
    free(outputs[i]);
    free((void *)refs[i]);
  }
  return ok ? 0 : 1;
}
