//===- CortexMFloatKernelsTest.cpp - kernels_cortexm_f32.h vs the generic -===//
//
// The register-blocked Cortex-M float kernels (conv 4x4 blocks, depthwise,
// 1-channel long strided, dense) against bnnc_conv2d_f32 / bnnc_gemm_f32,
// bit for bit, over random shapes, strides, dilations, paddings, groups and
// odd channel counts (cortexm_f32_sweep.h; the same sweep runs on Cortex-M4,
// -M7 and soft-float -M3 under QEMU in test/cortexm/f32-kernels.test).
//
//===----------------------------------------------------------------------===//

#include "cortexm_f32_sweep.h"

#include <gtest/gtest.h>

namespace {

TEST(CortexMFloatKernels, RandomSweepIsBitIdentical) {
  char msg[512];
  int failures = sweep_all(0x5eed5eedull, 600, msg, sizeof msg);
  EXPECT_EQ(failures, 0) << msg;
}

} // namespace
