/*
 * eval_driver.c - bnnc-eval's host program around one generated model.
 *
 *   cc -std=c99 -I<runtime> -I<dir> <dir>/m.c eval_driver.c \
 *      -DMODEL_HEADER='"m.h"' -DMODEL=m -o run -lm
 *
 *   run --describe
 *       one line per graph input and output:
 *       "input|output <index> <dtype> <rank> <dims...> <name>"
 *   run RUNS IN_0 .. IN_{n-1} -- OUT_0 .. OUT_{m-1}
 *       reads RUNS consecutive input buffers from each input file (raw,
 *       row-major, the model's element types), runs the model on each and
 *       appends its outputs to the output files; prints the number of runs
 *       done after each run (bnnc-eval's progress bar).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_HEADER

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define SYM(suffix) CAT(MODEL, suffix)
#define NUM_INPUTS (sizeof SYM(_inputs) / sizeof SYM(_inputs)[0])
#define NUM_OUTPUTS (sizeof SYM(_outputs) / sizeof SYM(_outputs)[0])

static void describe(const char *kind, const bnnc_tensor_desc *d, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (!d[i].bytes && !d[i].rank && !d[i].name[0])
      continue; /* the placeholder of a graph without inputs or outputs */
    printf("%s %zu %d %d", kind, i, (int)d[i].dtype, (int)d[i].rank);
    for (int r = 0; r < d[i].rank; ++r)
      printf(" %d", (int)d[i].shape[r]);
    printf(" %s\n", d[i].name);
  }
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--describe") == 0) {
    describe("input", SYM(_inputs), NUM_INPUTS);
    describe("output", SYM(_outputs), NUM_OUTPUTS);
    return 0;
  }
  size_t ni = NUM_INPUTS, no = NUM_OUTPUTS;
  if ((size_t)argc != 3 + ni + no || strcmp(argv[2 + ni], "--") != 0) {
    fprintf(stderr, "usage: %s RUNS INPUTS... -- OUTPUTS...\n", argv[0]);
    return 2;
  }
  long runs = strtol(argv[1], NULL, 10);
  FILE *in[NUM_INPUTS], *out[NUM_OUTPUTS];
  void *inBuf[NUM_INPUTS], *outBuf[NUM_OUTPUTS];
  for (size_t i = 0; i < ni; ++i) {
    in[i] = fopen(argv[2 + i], "rb");
    inBuf[i] = malloc(SYM(_inputs)[i].bytes + 1);
    if (!in[i] || !inBuf[i]) {
      fprintf(stderr, "cannot read %s\n", argv[2 + i]);
      return 2;
    }
  }
  for (size_t i = 0; i < no; ++i) {
    out[i] = fopen(argv[3 + ni + i], "wb");
    outBuf[i] = malloc(SYM(_outputs)[i].bytes + 1);
    if (!out[i] || !outBuf[i]) {
      fprintf(stderr, "cannot write %s\n", argv[3 + ni + i]);
      return 2;
    }
  }
  for (long r = 0; r < runs; ++r) {
    for (size_t i = 0; i < ni; ++i)
      if (SYM(_inputs)[i].bytes &&
          fread(inBuf[i], SYM(_inputs)[i].bytes, 1, in[i]) != 1) {
        fprintf(stderr, "%s: too short for %ld runs\n", argv[2 + i], runs);
        return 2;
      }
    int status = SYM(_run)((const void *const *)inBuf, outBuf);
    if (status != BNNC_OK) {
      fprintf(stderr, "run %ld: the model returned %d\n", r, status);
      return 1;
    }
    for (size_t i = 0; i < no; ++i)
      if (SYM(_outputs)[i].bytes &&
          fwrite(outBuf[i], SYM(_outputs)[i].bytes, 1, out[i]) != 1) {
        fprintf(stderr, "cannot write %s\n", argv[3 + ni + i]);
        return 2;
      }
    printf("%ld\n", r + 1);
    fflush(stdout);
  }
  for (size_t i = 0; i < no; ++i)
    if (fclose(out[i]) != 0)
      return 2;
  return 0;
}
