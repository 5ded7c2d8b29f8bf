/* Firmware of int8.test's post-training-quantization check: the model
 * compiled for the Cortex-M target (MODEL, from cm_build.py) and the same
 * model compiled for the generic target (gen.c, compiled into this file)
 * run on the input file argv[1] and on two derived inputs; their int8
 * kernels must give the same outputs bit for bit. One float input, one
 * float output. */
#include <stdio.h>
#include <string.h>

#include MODEL_HEADER
#include "gen.c"

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define SYM(suffix) CAT(MODEL, suffix)
#define IN_COUNT CAT(MODEL_MACRO, _INPUT0_COUNT)
#define OUT_COUNT CAT(MODEL_MACRO, _OUTPUT0_COUNT)

static float in[IN_COUNT], a[OUT_COUNT], b[OUT_COUNT];

int main(int argc, char **argv) {
  FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
  if (!f || fread(in, sizeof in, 1, f) != 1) {
    printf("cannot read the input\n");
    return 2;
  }
  fclose(f);
  int differ = 0;
  for (int pass = 0; pass < 3; ++pass) {
    if (pass)
      for (int i = 0; i < IN_COUNT; ++i)
        in[i] = in[i] * (pass == 1 ? 3.0f : -1.0f) + 0.1f * (float)(i % 7);
    const void *ins[1] = {in};
    void *oa[1] = {a}, *ob[1] = {b};
    if (SYM(_run)(ins, oa) != 0 || gen_run(ins, ob) != 0) {
      printf("run failed\n");
      return 2;
    }
    differ += memcmp(a, b, sizeof a) != 0;
  }
  printf("%d of 3 inputs differ\n", differ);
  return differ != 0;
}
