/* Firmware of int8-kernels.test: the randomized sweep of the Cortex-M int8
 * convolution against the generic int8 kernels
 * (test/unit/cortexm_int8_sweep.h), bit for bit, on the core it is built
 * for. */
#include "cortexm_int8_sweep.h"

int main(void) {
  char msg[512];
  const int cases = 150;
  const int failures = qsweep_all(0x1e8c0de5ull, cases, msg, sizeof msg);
  printf("int8 sweep (SMLAD %s): %d cases, %d failures%s%s\n",
         BNNC_CM_SMLAD ? "on" : "off", QSWEEP_KINDS * cases, failures,
         failures ? ", first: " : "", msg);
  return failures != 0;
}
