//===- TfliteImporter.h - .tflite flatbuffer -> ONNX model ----------------===//
//
// bnnc reads TensorFlow Lite models (and Larq Compute Engine models, which
// are TFLite files with LCE custom operators) by converting them into an
// equivalent ONNX model, which then goes through the ONNX importer and the
// same passes, targets and C contract (docs/tflite.md).
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_COMPILER_TFLITEIMPORTER_H
#define BNNC_COMPILER_TFLITEIMPORTER_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace bnnc {

/// Whether `bytes` carries the TFLite file identifier "TFL3" (at offset 4,
/// after the root table offset).
bool isTfliteModel(llvm::StringRef bytes);

/// Converts the TFLite model in `bytes` into `model` (ONNX opset 14). The
/// buffer is checked with the flatbuffers verifier before anything is read.
/// At most `maxNodes` ONNX nodes are created. Returns the reason on failure,
/// naming the TFLite operator (index, type and output tensor).
std::optional<std::string> convertTfliteToOnnx(llvm::StringRef bytes,
                                               int64_t maxNodes,
                                               ::onnx::ModelProto &model);

} // namespace bnnc

#endif // BNNC_COMPILER_TFLITEIMPORTER_H
