//===- fuzz_compile.cpp - libFuzzer target: ONNX file -> C ----------------===//
//
// Import, the whole pass pipeline (binarized, as the driver runs it by
// default) and C emission for the generic target, on arbitrary bytes.
// Meant for small models (run.sh caps inputs with -max_len).
//
// Built a second time as bnnc-fuzz-tflite with BNNC_FUZZ_FORCE_TFLITE: the
// input's bytes 4-7 are set to the TFLite identifier "TFL3", so every input
// goes through the flatbuffers verifier and the TFLite converter.
//
//===----------------------------------------------------------------------===//

#include "FuzzCommon.h"

#include "compiler/Importer.h"
#include "compiler/Pipeline.h"
#include "targets/Targets.h"

#include "mlir/Pass/PassManager.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bnnc::fuzz::FuzzContext fuzz;
#ifdef BNNC_FUZZ_FORCE_TFLITE
  std::string copy(reinterpret_cast<const char *>(data), size);
  if (copy.size() >= 8)
    copy.replace(4, 4, "TFL3");
  llvm::StringRef bytes(copy);
#else
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
#endif
  auto module = bnnc::importOnnxBuffer(fuzz.context, bytes, "fuzz.onnx");
  if (!module) {
    fuzz.expectError("import");
    return 0;
  }
  mlir::PassManager pm(&fuzz.context);
  bnnc::buildOnnxToBnnPipeline(pm);
  if (mlir::failed(pm.run(*module))) {
    fuzz.expectError("pipeline");
    return 0;
  }
  bnnc::EmitOptions options;
  options.name = "net";
  options.headerFile = "net.h";
  options.modelFile = "fuzz.onnx";
  std::string header, source;
  if (mlir::failed(bnnc::emitModelC(*module, options, header, source)))
    fuzz.expectError("C emission");
  return 0;
}
