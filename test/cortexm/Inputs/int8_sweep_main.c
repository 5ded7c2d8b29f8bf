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
  long values = 0;
  const int edges = qsweep_requantize_edges(msg, sizeof msg, &values);
  printf("requantization edges (FPU %s): %ld values, %d failures%s%s\n",
         BNNC_CM_FPU_REQUANTIZE ? "on" : "off", values, edges,
         edges ? ", first: " : "", msg);
  long qvalues = 0;
  const int qedges = qsweep_quantize_edges(msg, sizeof msg, &qvalues);
  printf("quantize edges (FPU %s): %ld values, %d failures%s%s\n",
         BNNC_CM_FPU_REQUANTIZE ? "on" : "off", qvalues, qedges,
         qedges ? ", first: " : "", msg);
  return failures != 0 || edges != 0 || qedges != 0;
}
