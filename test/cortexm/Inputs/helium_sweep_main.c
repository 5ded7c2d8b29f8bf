/* Firmware of helium-kernels.test: the randomized sweep of the Cortex-M55
 * Helium binary kernels against the generic ones
 * (test/unit/cortexm_helium_sweep.h), bit for bit. Built without MVE the
 * same calls are the portable Cortex-M kernels (kernels_cortexm.h). */
#include "cortexm_helium_sweep.h"

int main(void) {
  char msg[512];
  const int cases = 200;
  const int failures = hsweep_all(0x4e11u, cases, msg, sizeof msg);
  printf("helium sweep (%s): %d cases, %d failures%s%s\n",
         !BNNC_MVE               ? "MVE off, portable kernels"
         : BNNC_MVE_LUT_POPCOUNT ? "MVE on, table popcount"
                                 : "MVE on, SWAR popcount",
         3 * cases, failures, failures ? ", first: " : "", msg);
  return failures != 0;
}
