/*
 * harness.c - runs a bnnc-generated model on raw input files and compares
 * its outputs with raw reference files.
 *
 *   cc -std=c99 -I<runtime> -I<dir of model.h> harness.c model.c \
 *      -DMODEL_HEADER='"model.h"' -DMODEL=model -DMODEL_MACRO=MODEL -o run -lm
 *   ./run [--tol T] in0.bin [in1.bin ...] -- ref0.bin [ref1.bin ...]
 *
 * Buffer sizes come from the model's descriptors, so one harness serves every
 * model. Float outputs pass when |y - ref| <= T * max(1, |ref|) elementwise
 * (default T = 1e-5), with NaN matching NaN; integer outputs must be equal.
 * Prints one line per output and PASS or FAIL; exit status 0 on PASS.
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
    fprintf(stderr, "harness: %s does not hold exactly %zu bytes\n", path,
            expected);
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

static int compare(int index, const bnnc_tensor_desc *d, const void *y,
                   const void *ref, double tol) {
  int is_float = d->dtype == BNNC_FLOAT32 || d->dtype == BNNC_FLOAT64;
  double max_abs = 0.0, max_scaled = 0.0;
  size_t bad = 0;
  for (size_t i = 0; i < d->count; ++i) {
    double a = element(d, y, i), b = element(d, ref, i);
    if (isnan(a) || isnan(b)) {
      bad += !(isnan(a) && isnan(b));
      continue;
    }
    double err = fabs(a - b);
    double scaled = err / (fabs(b) > 1.0 ? fabs(b) : 1.0);
    if (err > max_abs) max_abs = err;
    if (scaled > max_scaled) max_scaled = scaled;
    if (is_float ? (scaled > tol) : (a != b)) bad++;
  }
  printf("output %d '%s': %zu elements, max abs err %.3g, max scaled err "
         "%.3g, %zu mismatches\n",
         index, d->name, d->count, max_abs, max_scaled, bad);
  return bad == 0;
}

int main(int argc, char **argv) {
  double tol = 1e-5;
  int arg = 1;
  if (arg + 1 < argc && strcmp(argv[arg], "--tol") == 0) {
    tol = atof(argv[arg + 1]);
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
  int status = SYM(_run)(inputs, outputs);
  if (status != BNNC_OK) {
    printf("run returned %d\nFAIL\n", status);
    return 1;
  }
  int ok = 1;
  for (int i = 0; i < NUM_OUTPUTS; ++i)
    ok &= compare(i, &SYM(_outputs)[i], outputs[i], refs[i], tol);
  printf("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
