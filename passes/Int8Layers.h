//===- Int8Layers.h - Real layers that post-training quantization reads ---===//
//
// bnn-calibration-probe and bnn-quantize-int8 must agree on which layers
// and which tensors they talk about: the probe makes every tensor it
// measures a graph output, the quantizer reads one range per such tensor
// in the same order. Both run on the same IR (the pipeline up to
// onnx-lower-to-bnn), so one deterministic walk gives both the same list.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_PASSES_INT8LAYERS_H
#define BNNC_PASSES_INT8LAYERS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace bnnc {

/// A real-valued bnn.conv2d, bnn.gemm, or bnn.matmul with constant 2-D
/// weights (a Linear layer of a transformer), in program order.
struct RealLayer {
  mlir::Operation *op = nullptr;
  /// A MatMul's bias: the elementwise add of a constant vector that is the
  /// MatMul's only user (null otherwise).
  mlir::Operation *biasAdd = nullptr;
  /// The float input the layer reads (a Gemm's A, possibly a view).
  mlir::Value input;
  /// The tensor the layer's int8 output quantizes: the layer's result, or
  /// the ReLU that is its only user.
  mlir::Value output;
  /// Why the layer cannot be quantized ("" if it can).
  std::string whyNot;
  /// Indices into the measured tensors (realLayerTensors) of input, output.
  unsigned inputTensor = 0, outputTensor = 0;
};

/// Every real conv/gemm of `f` in program order, with the tensors whose
/// ranges calibration measures (`tensors`: each distinct input and output
/// value once, in order of first appearance).
llvm::SmallVector<RealLayer>
collectRealLayers(mlir::func::FuncOp f,
                  llvm::SmallVectorImpl<mlir::Value> &tensors);

/// Appends `values` (one per measured tensor, in collectRealLayers' order)
/// to `f`'s results, named bnnc_calibration_<k>, each with `bnn.calibrates`
/// saying what it is; `f` gets the attribute `bnn.calibration_layers`:
/// per layer, its module (the ONNX node name's first component, e.g.
/// "blocks.0") and its input and output tensor indices. bnnc reads both
/// to calibrate (compiler/Calibration.cpp).
/// What exposeTensors says about each tensor and layer, taken before a
/// rewrite erases the layers' ops.
struct TensorDescriptions {
  llvm::SmallVector<std::string> what;    ///< per tensor
  llvm::SmallVector<std::string> modules; ///< per layer
};
TensorDescriptions describeTensors(llvm::ArrayRef<RealLayer> layers,
                                   size_t tensorCount);
void exposeTensors(mlir::func::FuncOp f, llvm::ArrayRef<RealLayer> layers,
                   const TensorDescriptions &descriptions,
                   llvm::ArrayRef<mlir::Value> values);

} // namespace bnnc

#endif // BNNC_PASSES_INT8LAYERS_H
