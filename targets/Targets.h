//===- Targets.h - C emitters for bnn-dialect modules ---------------------===//

#ifndef BNNC_TARGETS_TARGETS_H
#define BNNC_TARGETS_TARGETS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace bnnc {

struct EmitOptions {
  /// Symbol prefix of everything the model exports (`<name>_run`).
  std::string name;
  /// File name of the generated header, included by the generated source.
  std::string headerFile;
  /// One of targetNames().
  std::string target = "generic";
  /// Shown in the generated file headers.
  std::string modelFile;
  /// The most bytes of C (header and source together) to generate; larger
  /// output is refused before it is built (docs/reliability.md, limits).
  uint64_t maxCBytes = kDefaultMaxCBytes;
  static constexpr uint64_t kDefaultMaxCBytes = uint64_t(1) << 30;
  /// If set (--weights=bin), the file name of the binary that holds the
  /// large constants: the C declares them `extern` and an assembly stub
  /// defines them with `.incbin` (EmissionRecord::weightsBlob/Stub).
  std::string weightsFile;
};

/// A code generation target (targets/Targets.def).
struct TargetInfo {
  llvm::StringRef name;        ///< the --target value
  llvm::StringRef core;        ///< the core its kernels are chosen for
  llvm::StringRef description; ///< for --help
};

/// The targets bnnc can emit C for, in the order of Targets.def.
llvm::ArrayRef<TargetInfo> targets();
llvm::ArrayRef<llvm::StringRef> targetNames();

/// One constant array of the generated C: its name and its exact size in
/// bytes (elements times the C element type's size).
struct EmittedArray {
  std::string name;
  int64_t bytes = 0;
};

/// What the emitter wrote into the generated C's constant data, so that a
/// report can say what each kernel costs in flash from what was emitted,
/// not from an estimate. Each array is attributed to the kernel whose
/// emission defined it, or, for a constant that reaches its kernel through
/// a view, to the first kernel that reads the view. Arrays that no kernel
/// reads (a constant returned as a graph output) are listed apart.
/// Kernel parameter structs and the input/output descriptors are not
/// arrays of model data and are not listed (their size is the C ABI's).
struct EmissionRecord {
  llvm::DenseMap<mlir::Operation *, llvm::SmallVector<EmittedArray, 2>>
      kernelArrays;
  llvm::SmallVector<EmittedArray> outputArrays;

  /// With EmitOptions::weightsFile: the constants' bytes (little-endian,
  /// each at a 16-byte aligned offset) and the GNU assembler stub whose
  /// `.incbin` lines define one symbol per constant over them.
  std::string weightsBlob, weightsStub;

  int64_t kernelBytes(mlir::Operation *kernel) const;
  /// All the arrays' bytes: what the C holds as constant model data.
  int64_t totalBytes() const;
};

/// Emits `<name>.h` and `<name>.c` for a module whose function is fully
/// lowered to bnn ops and memory-planned. Diagnostics go through the context.
/// `record`, if given, receives the constant arrays written.
mlir::LogicalResult emitModelC(mlir::ModuleOp module, const EmitOptions &opts,
                               std::string &header, std::string &source,
                               EmissionRecord *record = nullptr);

/// Turns an arbitrary string into a C identifier ("my-net" -> "my_net").
std::string sanitizeIdentifier(llvm::StringRef name);

/// Why `prefix` cannot prefix the generated names (empty if it can): it must
/// not put them in the runtime's namespace (bnnc_*, BNNC_*) nor make them
/// reserved C identifiers, and it must leave "<prefix>__" to the generated
/// internal names.
std::string reservedPrefixReason(llvm::StringRef prefix);

} // namespace bnnc

#endif // BNNC_TARGETS_TARGETS_H
