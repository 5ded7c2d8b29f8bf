//===- Passes.td - bnnc passes -----------------------------*- tablegen -*-===//
//
// Every step of the bnnc pipeline, in pipeline order. Each runs alone in
// bnnc-opt and has a lit test in test/passes/<pass-name>.mlir.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_PASSES
#define BNNC_PASSES

include "mlir/Pass/PassBase.td"

def OnnxConstantFold : Pass<"onnx-constant-fold", "::mlir::func::FuncOp"> {
  let summary = "Evaluate initializer-only subgraphs at compile time";
  let description = [{
    Folds every onnx op whose inputs are all constants into one
    `onnx.Constant` (Add, Mul, Relu, Sign, Reshape, Flatten, Identity, ...),
    removes no-op reshapes and identities, and deletes constants that become
    unused. Float values are computed in double and rounded once.
  }];
  let dependentDialects = ["::bnnc::onnx::OnnxDialect"];
}

def OnnxFoldBatchNorm : Pass<"onnx-fold-batchnorm", "::mlir::func::FuncOp"> {
  let summary = "Fold inference BatchNormalization into a preceding Conv/Gemm";
  let description = [{
    `BN(conv(x, W) + B)` with s = gamma / sqrt(var + eps) becomes
    `conv(x, W * s[o]) + (B - mean) * s + beta`; the same per-output-column
    identity applies to Gemm. Only when the Conv/Gemm has constant weights
    and the BN input has no other user; otherwise the BN stays and becomes a
    per-channel affine kernel.
  }];
  let dependentDialects = ["::bnnc::onnx::OnnxDialect"];
}

def OnnxLowerToBnn : Pass<"onnx-lower-to-bnn", "::mlir::func::FuncOp"> {
  let summary = "Lower the remaining onnx ops to bnn float kernel ops";
  let description = [{
    Every onnx op becomes a bnn kernel op (or a view, for reshapes). An op
    without a lowering for its form is an error naming the ONNX node.
  }];
  let dependentDialects = ["::bnnc::bnn::BnnDialect"];
}

def BnnFuseEpilogues : Pass<"bnn-fuse-epilogues", "::mlir::func::FuncOp"> {
  let summary = "Fuse activations into the kernel that produces their input";
  let description = [{
    `bnn.elementwise "relu"` of a conv2d/gemm result that has no other user becomes
    the producer's `activation`, saving one pass over the tensor.
  }];
}

def BnnPlanMemory : Pass<"bnn-plan-memory", "::mlir::func::FuncOp"> {
  let summary = "Assign arena offsets from tensor liveness";
  let description = [{
    Every intermediate tensor (not a constant, graph input, graph output or
    view) gets a byte offset `bnn.offset` in one static arena. Intervals are
    [defining op, last use] in program order, views extend the lifetime of
    the tensor they alias; tensors are placed largest first at the lowest
    offset that overlaps no tensor live at the same time. The function gets
    `bnn.arena_size` and `bnn.arena_lower_bound` (the largest total of
    simultaneously live tensors).
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", "16",
           "byte alignment of every tensor in the arena">
  ];
}

#endif // BNNC_PASSES
