//===- Pipeline.cpp - The bnnc pass pipeline and registration -------------===//

#include "compiler/Pipeline.h"

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/Passes.h"

namespace bnnc {

void registerBnncDialects(mlir::DialectRegistry &registry) {
  registry
      .insert<onnx::OnnxDialect, bnn::BnnDialect, mlir::func::FuncDialect>();
}

void registerAllBnncPasses() {
  registerBnncPasses();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
}

void buildOnnxToBnnPipeline(mlir::OpPassManager &pm,
                            const PipelineOptions &options) {
  mlir::OpPassManager &func = pm.nest<mlir::func::FuncOp>();
  func.addPass(createOnnxConstantFold());
  func.addPass(createOnnxFuseTransformer());
  if (options.gammaMigration)
    func.addPass(createLnGammaMigration());
  if (!options.tokenPrune.empty())
    func.addPass(createTokenPrune(
        TokenPruneOptions{options.tokenPrune, options.tokenPruneFuse}));
  // After token-prune, which finds blocks by their [B, H, N, N] attention;
  // before binarize, so that the narrowed layers are the ones binarized.
  if (options.deadTokenElim)
    func.addPass(createDeadTokenElim());
  // Before BatchNorm folding, which would scale binary weights away from +-1.
  if (options.binarize)
    func.addPass(createBinarize(
        BinarizeOptions{/*tolerance=*/1e-5, options.assumeNonzeroInputs}));
  func.addPass(createOnnxFoldBatchNorm());
  // BN folding creates constants that may enable further folding.
  func.addPass(createOnnxConstantFold());
  func.addPass(createOnnxLowerToBnn());
  // Between lowering (real layers are bnn.conv2d / bnn.gemm) and
  // bnn-fuse-qdq, which turns the QDQ form the quantizer writes into int8
  // kernels exactly as it does for an imported QDQ model.
  if (!options.quantizeLayers.empty())
    func.addPass(createBnnQuantizeInt8(
        BnnQuantizeInt8Options{options.quantizeRanges, options.quantizeLayers,
                               options.calibrationProbe}));
  else if (options.calibrationProbe)
    func.addPass(createBnnCalibrationProbe());
  func.addPass(createBnnFuseQdq());
  func.addPass(createBnnFoldMatMulTranspose());
  func.addPass(createBnnFuseEpilogues());
  func.addPass(createBnnBitpack());
  func.addPass(mlir::createCSEPass());
  func.addPass(createBnnMaterializeSplats());
  BnnPlanMemoryOptions plan;
  plan.fuseCortexMRequantize = options.fuseCortexMRequantize;
  func.addPass(createBnnPlanMemory(plan));
}

} // namespace bnnc
