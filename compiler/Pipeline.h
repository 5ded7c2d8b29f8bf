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

/// onnx dialect -> memory-planned bnn dialect, ready for a C emitter.
void buildOnnxToBnnPipeline(mlir::OpPassManager &pm);

} // namespace bnnc

#endif // BNNC_COMPILER_PIPELINE_H
