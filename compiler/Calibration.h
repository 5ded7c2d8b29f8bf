//===- Calibration.h - Running generated C on sample data at compile time -===//
//
// Post-training quantization (--quantize=int8 --calibration=FILE.npz)
// needs the float model's tensor ranges on real data, and its report needs
// the accuracy change that quantization causes. bnnc has no interpreter;
// it compiles the C it generates for the host (the generic target, the
// host C compiler, bnnc-eval's driver) and runs it on the samples. The
// same code serves both: run the probed float module, read the ranges; run
// the quantized module, compare its outputs with the float ones.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_COMPILER_CALIBRATION_H
#define BNNC_COMPILER_CALIBRATION_H

#include "compiler/Npz.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace bnnc {

/// A data file's samples, laid out as the model's inputs for `runs` runs.
struct SampleSet {
  int64_t samples = 0;
  /// Samples per run: 1 when an array holds whole inputs ([N] + shape),
  /// the batch B when it holds rows of the leading dimension ([N] +
  /// shape[1:]); the last run is filled up with copies of sample 0.
  int64_t perRun = 1;
  int64_t runs = 0;
  /// One raw buffer per graph input: runs consecutive inputs.
  std::vector<std::string> inputs;
  /// The `labels` array, if the file has one (one class index per sample).
  std::optional<std::vector<int64_t>> labels;
};

/// Lays `arrays` out for the inputs of `module`'s function (matched by
/// ONNX name, or the only array for a one-input model; `labels` is not an
/// input). Errors name the file, the array and the input.
llvm::Expected<SampleSet> layOutSamples(mlir::ModuleOp module,
                                        const std::vector<NpyArray> &arrays,
                                        llvm::StringRef file);

/// How to build and run generated C on this machine.
struct HostRun {
  std::string runtimeDir; ///< bnnc's runtime headers (-I)
  std::string cc;         ///< the C compiler: $CC, else cc
};

/// Emits `module` (planned bnn) as generic C, builds it and runs it on
/// `samples`; returns one buffer per graph output, `samples.runs`
/// consecutive outputs each. Errors quote the compiler or the run.
llvm::Expected<std::vector<std::string>>
runOnHost(mlir::ModuleOp module, const SampleSet &samples, const HostRun &host);

/// How a calibrated range is chosen from a tensor's values.
struct RangeMethod {
  /// 100: min and max; below 100, the P-th and (100-P)-th percentiles of
  /// the values (outliers clipped).
  double percentile = 100.0;
  /// Search a clipping ratio per block (--calibration-method=blockwise).
  bool blockwise = false;
};

/// The range of one float32 tensor over all runs.
struct TensorRange {
  float lo = 0, hi = 0;
};
llvm::Expected<TensorRange> rangeOf(llvm::StringRef values, RangeMethod method,
                                    llvm::StringRef what);

/// How close a quantized model's first output stays to the float model's
/// on the calibration samples.
struct AccuracyChange {
  int64_t samples = 0;
  int64_t agreeing = 0; ///< same top-1 class as the float model
  double maxAbsDiff = 0;
  bool hasLabels = false;
  int64_t floatCorrect = 0, quantizedCorrect = 0;
};
llvm::Expected<AccuracyChange> compareOutputs(mlir::ModuleOp module,
                                              const SampleSet &samples,
                                              llvm::StringRef floatOutput,
                                              llvm::StringRef quantizedOutput);

} // namespace bnnc

#endif // BNNC_COMPILER_CALIBRATION_H
