/*
 * hotloop.c - the xor-popcount inner loop of the Cortex-M binary kernels
 * (bnnc_cm_xor_popcount, an out-of-line function on GCC) called on one
 * dot product, so that bench/cortex-m.sh can count its instructions alone
 * (QEMU plugin with the function's address range) and feed its block loop
 * to llvm-mca.
 *
 *   hotloop.elf WORDS     one dot product over WORDS 32-bit words
 */
#include <stdlib.h>

#include "bnnc/kernels_cortexm.h"

#define MAX_WORDS 1024

int32_t bench_xor_popcount(const uint32_t *a, const uint32_t *b, int32_t n);

__attribute__((noinline)) int32_t
bench_xor_popcount(const uint32_t *a, const uint32_t *b, int32_t n) {
  return bnnc_cm_xor_popcount(a, b, n);
}

static uint32_t a[MAX_WORDS], b[MAX_WORDS];

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 0;
  uint32_t s = 12345u;
  volatile int32_t result;
  if (n < 0 || n > MAX_WORDS)
    return 2;
  for (int i = 0; i < MAX_WORDS; ++i) {
    s = s * 1664525u + 1013904223u;
    a[i] = s;
    s = s * 1664525u + 1013904223u;
    b[i] = s;
  }
  result = bench_xor_popcount(a, b, n);
  (void)result;
  return 0;
}
