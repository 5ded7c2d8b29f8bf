//===- EmitterCore.h - What all C targets share ---------------------------===//
//
// The emitter core owns the generated files' structure (header, weights,
// descriptors, arena, the run function, copies into outputs). A target only
// turns each bnn kernel op into C statements, asking the core for the C
// expression of every operand and result.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_TARGETS_EMITTERCORE_H
#define BNNC_TARGETS_EMITTERCORE_H

#include "targets/Targets.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/raw_ostream.h"

namespace bnnc {

class CEmitter;

/// The per-target part of code generation.
class TargetKernels {
public:
  virtual ~TargetKernels() = default;
  /// Runtime headers the generated .c includes, e.g. "bnnc/kernels_f32.h".
  virtual llvm::ArrayRef<llvm::StringRef> runtimeHeaders() const = 0;
  /// Writes the statements of one kernel op; errors go to op->emitError.
  virtual mlir::LogicalResult emitKernel(mlir::Operation *op,
                                         CEmitter &emitter) = 0;
};

/// Kernel factories of targets/Targets.def; `core` is the entry's CORE.
std::unique_ptr<TargetKernels> createGenericKernels(llvm::StringRef core);
std::unique_ptr<TargetKernels> createAarch64Kernels(llvm::StringRef core);
/// The Cortex-M targets: one kernel set, whose C selects DSP or SWAR code
/// with the compiler's feature macros.
std::unique_ptr<TargetKernels> createCortexMKernels(llvm::StringRef core);

class CEmitter {
public:
  CEmitter(mlir::func::FuncOp func, const EmitOptions &opts,
           TargetKernels &kernels);

  mlir::LogicalResult run(std::string &header, std::string &source);
  /// The constant arrays written by run().
  const EmissionRecord &record() const { return emitted; }
  /// --weights=bin: whether a constant of this many elements goes to the
  /// weights file, and its extern declaration and stub entry there.
  bool weightsToFile(int64_t elements) const;
  void declareExternalConstant(llvm::StringRef name, llvm::StringRef comment,
                               llvm::StringRef cTypeName, int64_t count,
                               llvm::ArrayRef<char> bytes);

  /// C expression of an operand's data (a pointer to const). Constants are
  /// defined as static data at file scope on first use, named after their
  /// ONNX initializer, or else after the kernel and `role` ("weight").
  std::string input(mlir::Value v, llvm::StringRef role = "data");
  /// C expression of the buffer a kernel writes its result to.
  std::string output(mlir::Value v);
  /// Defines `static const <type> <model>__<stem>[]` at file scope with the
  /// given elements (a target's own layout of a constant, e.g. interleaved
  /// weights) under a comment saying what it holds; returns its name.
  std::string defineArray(llvm::StringRef stem, llvm::StringRef comment,
                          llvm::ArrayRef<int32_t> values);
  std::string defineArray(llvm::StringRef stem, llvm::StringRef comment,
                          llvm::ArrayRef<float> values);
  std::string defineArray(llvm::StringRef stem, llvm::StringRef comment,
                          llvm::ArrayRef<uint8_t> values);
  std::string defineArray(llvm::StringRef stem, llvm::StringRef comment,
                          llvm::ArrayRef<uint16_t> values);
  std::string defineArray(llvm::StringRef stem, llvm::StringRef comment,
                          llvm::ArrayRef<int16_t> values);
  /// Records a constant array of `bytes` bytes that the kernel being
  /// emitted defined (defineArray and constants do this themselves).
  void recordArray(llvm::StringRef name, int64_t bytes);
  /// A fresh file-scope name "<model>__<stem>".
  std::string freshName(llvm::StringRef stem);
  /// The ONNX node name of the kernel being emitted, as an identifier.
  std::string currentNodeId() const;
  /// Includes a runtime header beyond the target's runtimeHeaders(), for
  /// kernels only some models use (bnnc/kernels_int8.h), so that the C of
  /// other models stays the same. Included in first-request order.
  void requireRuntimeHeader(llvm::StringRef header);
  /// File-scope definitions (parameter structs) and function statements.
  llvm::raw_ostream &globals() { return globalsOS; }
  llvm::raw_ostream &body() { return bodyOS; }

  /// The C type of a tensor element ("float", "int64_t", ...).
  static std::string cType(mlir::Type elementType);
  /// A C literal that reads back as exactly the same float or double.
  static std::string floatLiteral(double value, bool isDouble);

private:
  mlir::LogicalResult emitBody();
  void emitHeader(llvm::raw_ostream &os);
  void emitSource(llvm::raw_ostream &os);
  void emitDescriptors(llvm::raw_ostream &os, llvm::StringRef which,
                       mlir::TypeRange types,
                       llvm::ArrayRef<std::string> names);
  std::string defineConstant(mlir::Operation *op, llvm::StringRef role);
  std::string uniqueName(llvm::StringRef stem);
  /// Notes that the kernel being emitted asked for `expr`; returns it.
  std::string request(const std::string &expr);
  std::string macroPrefix() const;
  void reserveGeneratedNames();
  void stampGeneration(std::string &header, std::string &source);

  mlir::func::FuncOp func;
  const EmitOptions &opts;
  TargetKernels &kernels;
  std::string prefix;
  llvm::SmallVector<std::string> inputNames, outputNames;
  llvm::DenseMap<mlir::Value, std::string> exprs;
  mlir::Operation *currentOp = nullptr;
  llvm::StringSet<> usedNames;
  /// The run function's pointers to graph inputs and outputs (in the order
  /// they are declared), those a statement reads, and those the current
  /// kernel asked for.
  llvm::StringSet<> bindings, usedBindings;
  llvm::SmallVector<std::string> bindingOrder, kernelRequests;
  int64_t arenaSize = 0, arenaLowerBound = 0;
  bool usesArena = false;
  llvm::SmallVector<std::string> extraHeaders;
  /// The constant arrays written, by kernel; constants defined outside a
  /// kernel's emission (through a view, or for an output copy) wait in
  /// `pendingArrays` for the first kernel that reads them.
  EmissionRecord emitted;
  llvm::DenseMap<mlir::Value, EmittedArray> pendingArrays;
  mlir::Value definingConstant;
  bool inKernel = false;
  /// The first constant that did not fit in opts.maxCBytes, if any.
  std::string overBudget;
  std::string constantsText, globalsText, bodyText, prologueText;
  llvm::raw_string_ostream constantsOS{constantsText}, globalsOS{globalsText},
      bodyOS{bodyText}, prologueOS{prologueText};
};

} // namespace bnnc

#endif // BNNC_TARGETS_EMITTERCORE_H
