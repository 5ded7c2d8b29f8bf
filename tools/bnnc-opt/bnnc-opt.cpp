//===- bnnc-opt.cpp - Run bnnc passes on MLIR files -----------------------===//
//
// The pass-level test driver: parses onnx/bnn dialect IR, runs any pass or
// pipeline and prints the result (used by the lit tests of every pass).
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  bnnc::registerAllBnncPasses();
  mlir::PassPipelineRegistration<>(
      "bnnc-pipeline", "The full bnnc pipeline from onnx to planned bnn ops",
      [](mlir::OpPassManager &pm) { bnnc::buildOnnxToBnnPipeline(pm); });
  mlir::DialectRegistry registry;
  bnnc::registerBnncDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "bnnc pass driver\n", registry));
}
