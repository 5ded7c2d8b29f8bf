//===- Targets.h - C emitters for bnn-dialect modules ---------------------===//

#ifndef BNNC_TARGETS_TARGETS_H
#define BNNC_TARGETS_TARGETS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
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

/// Emits `<name>.h` and `<name>.c` for a module whose function is fully
/// lowered to bnn ops and memory-planned. Diagnostics go through the context.
mlir::LogicalResult emitModelC(mlir::ModuleOp module, const EmitOptions &opts,
                               std::string &header, std::string &source);

/// Turns an arbitrary string into a C identifier ("my-net" -> "my_net").
std::string sanitizeIdentifier(llvm::StringRef name);

/// Why `prefix` cannot prefix the generated names (empty if it can): it must
/// not put them in the runtime's namespace (bnnc_*, BNNC_*) nor make them
/// reserved C identifiers, and it must leave "<prefix>__" to the generated
/// internal names.
std::string reservedPrefixReason(llvm::StringRef prefix);

} // namespace bnnc

#endif // BNNC_TARGETS_TARGETS_H
