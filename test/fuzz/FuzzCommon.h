//===- FuzzCommon.h - Shared set-up of the bnnc fuzz targets --------------===//
//
// Each input is one ONNX file. Properties checked besides "no crash, no
// sanitizer report, no leak, no hang":
//   - a failure always comes with at least one error diagnostic
//     (never a silent non-zero exit);
//   - no diagnostic is empty.
// A violated property aborts, which libFuzzer records as a crash.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_TEST_FUZZ_FUZZCOMMON_H
#define BNNC_TEST_FUZZ_FUZZCOMMON_H

#include "dialects/bnn/BnnDialect.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

namespace bnnc::fuzz {

/// A single-threaded context with bnnc's dialects whose diagnostics are
/// counted and checked instead of printed. The MLIRContext is shared by
/// consecutive inputs (creating one per input costs more than most inputs)
/// and replaced every kContextUses inputs, which bounds the memory of the
/// types and attributes it uniques.
class FuzzContext {
public:
  FuzzContext() : context(shared()) {
    handler.emplace(&context, [this](mlir::Diagnostic &diag) {
      if (diag.getSeverity() == mlir::DiagnosticSeverity::Error)
        ++errors;
      // Names from the file may hold any byte (the driver escapes control
      // characters, bnnc::printableText); the message itself must exist.
      if (diag.str().empty()) {
        llvm::errs() << "fuzz: empty diagnostic\n";
        std::abort();
      }
      return mlir::success();
    });
  }

  /// A failed stage must have said why.
  void expectError(const char *stage) const {
    if (errors == 0) {
      llvm::errs() << "fuzz: " << stage << " failed without an error\n";
      std::abort();
    }
  }

  mlir::MLIRContext &context;
  unsigned errors = 0;

private:
  static constexpr unsigned kContextUses = 2000;

  static mlir::MLIRContext &shared() {
    static std::unique_ptr<mlir::MLIRContext> context;
    static unsigned uses = 0;
    if (!context || ++uses % kContextUses == 0) {
      context.reset();
      context = std::make_unique<mlir::MLIRContext>(
          registry(), mlir::MLIRContext::Threading::DISABLED);
      context->loadAllAvailableDialects();
      context->printOpOnDiagnostic(false);
      context->printStackTraceOnDiagnostic(false);
    }
    return *context;
  }

  static mlir::DialectRegistry registry() {
    mlir::DialectRegistry r;
    r.insert<onnx::OnnxDialect, bnn::BnnDialect, mlir::func::FuncDialect>();
    return r;
  }
  std::optional<mlir::ScopedDiagnosticHandler> handler;
};

} // namespace bnnc::fuzz

#endif // BNNC_TEST_FUZZ_FUZZCOMMON_H
