//===- fuzz_import.cpp - libFuzzer target: the ONNX import path -----------===//
//
// protobuf parse -> onnx::checker -> ONNX shape inference -> constant
// subgraph folding -> onnx dialect -> MLIR verifier, on arbitrary bytes.
//
//===----------------------------------------------------------------------===//

#include "FuzzCommon.h"

#include "compiler/Importer.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bnnc::fuzz::FuzzContext fuzz;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  auto module = bnnc::importOnnxBuffer(fuzz.context, bytes, "fuzz.onnx");
  if (!module)
    fuzz.expectError("import");
  return 0;
}
