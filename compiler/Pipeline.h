//===- Pipeline.h - The bnnc pass pipeline and registration ---------------===//

#ifndef BNNC_COMPILER_PIPELINE_H
#define BNNC_COMPILER_PIPELINE_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

namespace bnnc {

/// Registers every dialect a bnnc module can contain.
void registerBnncDialects(mlir::DialectRegistry &registry);

/// Registers bnnc's passes and the upstream ones the pipeline uses, so that
/// bnnc-opt and --pass-pipeline strings can name them.
void registerAllBnncPasses();

struct PipelineOptions {
  /// Rewrite binarized layers to xor-popcount kernels (--no-binarize: keep
  /// the float path, for comparison).
  bool binarize = true;
  /// Let binarized layers treat graph inputs as never exactly 0
  /// (--assume-nonzero-inputs; each layer that relies on it warns).
  bool assumeNonzeroInputs = false;
  /// Run ln-gamma-migration (--ln-gamma-migration).
  bool gammaMigration = false;
  /// token-prune stages, "BLOCK:KEEP,..." (--token-prune); empty: none.
  std::string tokenPrune;
  /// Append EViT's package token (--token-prune-fuse).
  bool tokenPruneFuse = false;
  /// Run dead-token-elim (--no-dead-token-elim turns it off, for
  /// comparison: the outputs are the same either way).
  bool deadTokenElim = true;
  /// Post-training int8 quantization (--quantize=int8[:LAYERS]): the
  /// layers to quantize ("all", "first", "last", "first,last"; empty: no
  /// quantization) and one "lo:hi" range per measured tensor
  /// (bnn-quantize-int8's options).
  std::string quantizeLayers;
  std::string quantizeRanges;
  /// Make the tensors calibration measures graph outputs: as the float
  /// model computes them (bnn-calibration-probe), or with quantizeLayers
  /// as the quantized model does (bnn-quantize-int8's `expose`).
  bool calibrationProbe = false;
  /// The target is Cortex-M: int8 convolutions whose requantization the
  /// Cortex-M kernel writes itself get no int32 tensor in the arena
  /// (bnn-plan-memory fuse-cortex-m-requantize).
  bool fuseCortexMRequantize = false;
};

/// onnx dialect -> memory-planned bnn dialect, ready for a C emitter.
void buildOnnxToBnnPipeline(mlir::OpPassManager &pm,
                            const PipelineOptions &options = {});

} // namespace bnnc

#endif // BNNC_COMPILER_PIPELINE_H
