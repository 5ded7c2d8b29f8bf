/*
 * bench_main.c - the benchmark firmware of bench/cortex-m.sh: runs a
 * bnnc-generated model RUNS times on raw input files (read over
 * semihosting) and prints the stack the inference used.
 *
 *   bench.elf 0|1|stack in0.bin [in1.bin ...]
 *
 * The instruction count of one inference is the QEMU plugin's count of the
 * run with mode 1 minus that with mode 0 (everything else, start-up and file
 * reading, is identical; neither prints). Mode "stack" paints the free stack
 * just before one inference (test/cortexm/startup.c) and prints the
 * high-water mark after it minus the depth at the call: the inference's own
 * stack use.
 */
#include <stdio.h>
#include <stdlib.h>

#include MODEL_HEADER

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define SYM(suffix) CAT(MODEL, suffix)
#define NUM_INPUTS CAT(MODEL_MACRO, _NUM_INPUTS)
#define NUM_OUTPUTS CAT(MODEL_MACRO, _NUM_OUTPUTS)
#define ATLEAST1(n) ((n) > 0 ? (n) : 1)

extern void bnnc_stack_paint(void);
extern size_t bnnc_stack_high_water(void);
extern uint32_t __stack_top;

int main(int argc, char **argv) {
  const void *inputs[ATLEAST1(NUM_INPUTS)];
  void *outputs[ATLEAST1(NUM_OUTPUTS)];
  int stack, runs;
  if (argc != 2 + NUM_INPUTS) {
    fprintf(stderr, "usage: bench.elf 0|1|stack inputs...\n");
    return 2;
  }
  stack = argv[1][0] == 's';
  runs = stack ? 1 : atoi(argv[1]);
  for (int i = 0; i < NUM_INPUTS; ++i) {
    FILE *f = fopen(argv[2 + i], "rb");
    void *data = malloc(SYM(_inputs)[i].bytes + 1);
    if (!f || fread(data, 1, SYM(_inputs)[i].bytes, f) != SYM(_inputs)[i].bytes) {
      fprintf(stderr, "cannot read %s\n", argv[2 + i]);
      return 2;
    }
    fclose(f);
    inputs[i] = data;
  }
  for (int i = 0; i < NUM_OUTPUTS; ++i)
    outputs[i] = malloc(SYM(_outputs)[i].bytes + 1);
  {
    volatile uint32_t marker = 0;
    const size_t depth =
        (size_t)((const char *)&__stack_top - (const char *)&marker);
    if (stack)
      bnnc_stack_paint();
    for (int r = 0; r < runs; ++r)
      if (SYM(_run)(inputs, outputs) != BNNC_OK)
        return 1;
    if (stack)
      printf("stack: %lu\n", (unsigned long)(bnnc_stack_high_water() - depth));
  }
  return 0;
}
