/* Firmware of f32-kernels.test: the randomized sweep of the Cortex-M float
 * kernels against the generic ones (test/unit/cortexm_f32_sweep.h), bit
 * for bit, on the core it is built for. */
#include "cortexm_f32_sweep.h"

int main(void) {
  char msg[512];
  const int cases = 300;
  const int failures = sweep_all(0x5eed5eedull, cases, msg, sizeof msg);
  printf("f32 sweep (VLDM/VMLA %s): %d cases, %d failures%s%s\n",
         BNNC_CM_VLDM ? "on" : "off", SWEEP_KINDS * cases, failures,
         failures ? ", first: " : "", msg);
  return failures != 0;
}
