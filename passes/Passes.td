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

def OnnxFuseTransformer : Pass<"onnx-fuse-transformer", "::mlir::func::FuncOp"> {
  let summary = "Recognize decomposed LayerNorm and GELU chains as one op each";
  let description = [{
    `x - ReduceMean(x)`, squared (Pow 2 or x*x), ReduceMean, `+ eps`, Sqrt,
    Div, optionally `* gamma` and `+ beta` (per-channel constants), all
    over the last axis with no other users of the intermediates, becomes
    one `onnx.LayerNormalization` (the opset-13 export of nn.LayerNorm).
    `x * 0.5 * (1 + Erf(x / sqrt 2))` becomes `onnx.Gelu` and
    `0.5 * x * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))` becomes
    `onnx.Gelu {approximate = "tanh"}`, for any association of the
    products. Anything else is left alone.
  }];
  let dependentDialects = ["::bnnc::onnx::OnnxDialect"];
}

def LnGammaMigration : Pass<"ln-gamma-migration", "::mlir::func::FuncOp"> {
  let summary = "Move LayerNorm's gamma (and beta) into the consuming layers";
  let description = [{
    Outlier Suppression's Gamma Migration (techniques.md section 1), for each
    onnx.LayerNormalization over the last axis with constant gamma and beta:
    - every user a MatMul/Gemm with constant weights contracting over the
      channels (pre-LN): W' = diag(gamma) W, b' = b + beta W, and the
      LayerNorm becomes pure normalization (form "full-fold");
    - linear users plus a residual Add (post-LN): the LayerNorm computes
      xhat + beta / gamma, W' = diag(gamma) W, and the residual edge reads
      gamma * LN' ("post-ln");
    - as post-LN, but some |gamma_i| <= 1e-6 max|gamma| (beta / gamma would
      explode): W' = diag(gamma) W, b' = b + beta W, LN' = xhat, residual
      gamma * LN' + beta ("beta-folded");
    - only Sign users: nothing to do, the binary path's threshold form
      (bnn.pack_layernorm) drops |gamma| ("binarized");
    - any other user (or a mix of Sign and real users): refused with a
      remark naming the user.
    The users are also found through Reshapes that keep the channel axis
    last. Each decision, and the largest |output| the LayerNorm can produce
    before and after (gamma_i sqrt(D - 1) + |beta_i| over the channels: the
    bound is reached by a row with one outstanding value), is recorded in
    the function attribute `bnn.gamma_migration` for `bnnc --report`.
  }];
  let dependentDialects = ["::bnnc::onnx::OnnxDialect"];
}

def TokenPrune : Pass<"token-prune", "::mlir::func::FuncOp"> {
  let summary = "Keep the CLS token and the top-k tokens after chosen ViT blocks";
  let description = [{
    EViT-style static token pruning (techniques.md section 4.5). Blocks are
    numbered by their attention Softmax over [B, H, N, N] in program order.
    For each `BLOCK:KEEP` of `keep` (KEEP a count, or a ratio r with a '.',
    k = ceil(r (N - 1))), right after that block's attention residual Add
    the token tensor [B, N, D] is replaced by the CLS token and the k patch
    tokens with the largest head-averaged CLS attention (TopK: ties to the
    lower index), in their original order; with `fuse`, one package token
    sum_j a_j x_j over the pruned tokens (EViT's unnormalized form) is
    appended. Every later op is re-typed for the smaller static token count
    (elementwise, MatMul, Gemm, Transpose, Gather, Reshape with its shape
    constant rewritten, ReduceMean, Concat, LayerNorm, Softmax, Gelu); an
    op that cannot be re-typed is an error naming it. The stages and the
    MatMul/Gemm/Conv MACs per top-level module before and after are
    recorded in the function attribute `bnn.token_prune` for the report.
  }];
  let options = [
    Option<"keep", "keep", "std::string", "\"\"",
           "BLOCK:KEEP[,BLOCK:KEEP...] (empty: nothing to do)">,
    Option<"fuse", "fuse", "bool", "false",
           "append a package token of the pruned tokens">
  ];
  let dependentDialects = ["::bnnc::onnx::OnnxDialect"];
}

def DeadTokenElim : Pass<"dead-token-elim", "::mlir::func::FuncOp"> {
  let summary = "Compute only the rows (tokens) that the outputs read";
  let description = [{
    Moves row selections (a Gather with constant indices, a Slice with
    constant bounds along one axis) up through the ops that compute each
    row of that axis from the same rows of their operands: elementwise ops
    with numpy broadcasting, LayerNormalization over later axes, Softmax
    along another axis, MatMul and Gemm rows (and columns), Transpose,
    Reshapes that keep the axes up to the selected one or view a [B*N, D]
    token matrix as [B, N, D] and back, Gather and Concat along other
    axes. When every user of a value selects rows of one axis,
    its producer is rebuilt on the union of those rows; an operand that
    other ops read in full is selected where it is read and stays whole.
    When a ViT's head reads only the CLS token, the last block's queries,
    attention output, MLP and LayerNorms run on that one row while its keys
    and values keep every token: a fused q/k/v projection
    (Transpose(Reshape(x W + b)) split by Gathers) first gives the selected
    component its own projection with W's and b's columns of that
    component. Every kept row is computed by the same kernel in the same
    order as before, so the outputs are bit-identical. Where all rows are
    read (BiBERT's mean pool) nothing changes. The selections moved and the
    MatMul/Gemm/Conv MACs per top-level module before and after are
    recorded in the function attribute `bnn.dead_token_elim` for the
    report.
  }];
  let dependentDialects = ["::bnnc::onnx::OnnxDialect"];
}

def Binarize : Pass<"binarize", "::mlir::func::FuncOp"> {
  let summary = "Recognize binarized layers and rewrite them to binary kernels";
  let description = [{
    A Conv (1-D or 2-D, any stride, dilation, group and zero padding), Gemm
    or 2-D MatMul whose input is `Sign(a)` and whose constant weights are
    +-alpha_o per output channel (+-1, or XNOR-Net's alpha = mean|W| folded
    in, equal magnitudes within `tolerance`) becomes
    `bnn.pack(a)` -> `bnn.bconv2d` with alpha_o, the Gemm alpha and the bias
    in the float epilogue. Padded taps contribute 0 (ONNX semantics), and so
    does zero padding in the graph (`Pad` before or after the `Sign`), which
    joins the convolution's padding. ONNX Sign(0) = 0 has no +-1 bit: a Sign
    whose input can be exactly 0 (docs/binarization.md, "Sign(0)") keeps its
    layer on the float path with a warning, unless `assume-nonzero-inputs`
    lets graph inputs count as never 0 (with a warning per layer that relies
    on it). Anything else stays on the float path.
  }];
  let options = [
    Option<"tolerance", "tolerance", "double", "1e-5",
           "relative tolerance for equal weight magnitudes per channel">,
    Option<"assumeNonzeroInputs", "assume-nonzero-inputs", "bool", "false",
           "treat graph inputs as never exactly 0 (warns per layer)">
  ];
  let dependentDialects = ["::bnnc::bnn::BnnDialect"];
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

def BnnCalibrationProbe : Pass<"bnn-calibration-probe", "::mlir::func::FuncOp"> {
  let summary = "Make the tensors post-training quantization measures graph outputs";
  let description = [{
    For `--quantize=int8 --calibration=FILE`: every input and output tensor
    of a real-valued bnn.conv2d / bnn.gemm (the output after the ReLU that
    is its only user) is appended to the function's results, each distinct
    tensor once in program order (passes/Int8Layers.h), named
    `bnnc_calibration_<k>` (and `bnn.calibrates`: "the input of node ..."
    for messages). bnnc runs the C of the probed module on the
    calibration samples and reads each tensor's range from those outputs;
    bnn-quantize-int8 receives the ranges in the same order.
  }];
}

def BnnQuantizeInt8 : Pass<"bnn-quantize-int8", "::mlir::func::FuncOp"> {
  let summary = "Post-training int8 quantization of real Conv/Gemm layers";
  let description = [{
    Rewrites each selected real-valued bnn.conv2d / bnn.gemm into the QDQ
    form that bnn-fuse-qdq turns into an int8 layer (qconv2d + requantize):
    the input and the (ReLU'd) output are quantized to int8 with an
    asymmetric per-tensor scale and zero point from their calibrated range
    [lo, hi] (extended to contain 0: scale = (hi - lo) / 255, zero point =
    round(-128 - lo / scale)), the weights symmetrically per output channel
    (scale = max |w| / 127, values in [-127, 127]) and the bias to int32 on
    the scale input scale x weight scale. `ranges` holds one `lo:hi` per
    tensor bnn-calibration-probe measures, in its order; `layers` selects
    `all` real layers, or a list of `first`, `last` and layer indices (in
    program order); with `expose`, the measured tensors as the quantized
    model computes them become results, as bnn-calibration-probe makes
    them (block-wise calibration compares them). A layer that cannot
    be quantized stays float with a remark naming it. Every decision is
    recorded in the function attribute `bnn.int8_ptq` for the report.
  }];
  let options = [
    Option<"ranges", "ranges", "std::string", "\"\"",
           "lo:hi per measured tensor, comma separated">,
    Option<"layers", "layers", "std::string", "\"all\"",
           "all, or a list of first, last and layer indices">,
    Option<"expose", "expose", "bool", "false",
           "append the measured tensors as the quantized model computes "
           "them to the results, as bnn-calibration-probe does">
  ];
}

def BnnFuseQdq : Pass<"bnn-fuse-qdq", "::mlir::func::FuncOp"> {
  let summary = "Rewrite QDQ-wrapped float Conv/Gemm layers to int8 kernels";
  let description = [{
    A bnn.conv2d or bnn.gemm whose input and constant weights are
    bnn.dequantize results, whose bias (if any) is an int32 constant on the
    scale input x weight, and whose only user is a bnn.quantize (possibly
    through a ReLU) becomes bnn.qconv2d (int32 accumulation) followed by
    bnn.requantize; a Gemm becomes a 1x1 convolution. The result equals
    onnxruntime's fused QDQ graph (QLinearConv) bit for bit; see
    docs/int8.md for how it relates to the float32 graph. Layers that match
    the shape but not the conditions stay float with a remark saying why.
    A bnn.pack of a dequantized tensor (per-tensor constant positive scale)
    becomes bnn.pack_quantized, which packs q < zero_point from the
    integers. Runs before bnn-fuse-epilogues.
  }];
}

def BnnFoldMatMulTranspose : Pass<"bnn-fold-matmul-transpose",
                                  "::mlir::func::FuncOp"> {
  let summary = "Read B^T of a bnn.matmul from B's rows instead of a copy";
  let description = [{
    A bnn.matmul whose B is a bnn.strided_copy that only exchanges the last
    two dimensions of its input (offset 0, the input's row-major strides
    with the last two swapped) reads that input instead, with `trans_b`:
    attention's q k^T becomes dot products of rows of q and k, and the copy
    of k^T disappears when nothing else reads it. Any other strided copy is
    left alone.
    ```mlir
    %kt = bnn.strided_copy %k {offset = 0 : i64, strides = array<i64: 136, 1, 8>}
        : tensor<4x17x8xf32> -> tensor<4x8x17xf32>
    %s = bnn.matmul %q, %kt : (tensor<4x17x8xf32>, tensor<4x8x17xf32>) -> tensor<4x17x17xf32>
    // becomes
    %s = bnn.matmul %q, %k {trans_b} : (tensor<4x17x8xf32>, tensor<4x17x8xf32>) -> tensor<4x17x17xf32>
    ```
  }];
}

def BnnFuseEpilogues : Pass<"bnn-fuse-epilogues", "::mlir::func::FuncOp"> {
  let summary = "Fuse activations, scales and BatchNorm into producing kernels";
  let description = [{
    `bnn.elementwise "relu"` of a conv2d/gemm/bconv2d result that has no
    other user becomes the producer's `activation`. After a bconv2d (also
    through a view), a per-channel constant `mul` and a `channel_affine`
    (BatchNorm) fold into its float epilogue:
    s * (dot * scale + bias) + t = dot * (s * scale) + (s * bias + t).
    A bconv2d whose float output only feeds a `bnn.quantize` gets the int8
    epilogue instead (`qparams`, an i8/ui8 result) when five integers per
    channel reproduce float epilogue + quantize on every reachable dot,
    checked here with the runtime's own float functions (docs/int8.md,
    "Binary layer -> int8").
  }];
}

def BnnBitpack : Pass<"bnn-bitpack", "::mlir::func::FuncOp"> {
  let summary = "Pack binary weights into 32-bit words at compile time";
  let description = [{
    The float +-1 OIHW weights of every bnn.bconv2d become i32 words in the
    kernel's OHWI layout: per output channel and tap, the C/group input
    channels of the group, bit j of word w = channel 32w + j, bit 1 for a
    negative weight, tail bits 0 (docs/binary-kernels.md).
  }];
}

def BnnMaterializeSplats : Pass<"bnn-materialize-splats",
                                "::mlir::func::FuncOp"> {
  let summary = "Fill large uniform constants at run time instead of "
                "spelling them out in C";
  let description = [{
    A bnn.constant whose elements all equal one value (a splat) and that has
    more than `max-elements` elements becomes a one-element constant
    broadcast by bnn.strided_copy (all strides 0): a fill loop into the
    arena. C cannot repeat an initializer, so the splat would otherwise be
    written out element by element (ConstantOfShape([2^28]) once made 1.7 GB
    of C). Smaller splats stay `static const` data: flash is cheaper than
    RAM on a microcontroller.
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", "65536",
           "Largest splat constant kept as static data">,
  ];
}

def BnnPlanMemory : Pass<"bnn-plan-memory", "::mlir::func::FuncOp"> {
  let summary = "Assign arena offsets from tensor liveness";
  let description = [{
    Every intermediate tensor (not a constant, graph input, graph output or
    view) gets a byte offset `bnn.offset` in one static arena. Intervals are
    [defining op, last use] in program order, views extend the lifetime of
    the tensor they alias. The input of an int8 convolution followed by
    its requantization lives until the requantization (a target may fuse
    the two). An elementwise kernel (bnn.elementwise,
    bnn.channel_affine) whose result has the type of an operand that dies
    there writes in place, over that operand. Buffers are placed first-fit
    in several orders (largest, earliest, longest-lived first; alternating
    ends for chains) and the smallest arena is kept. The function gets
    `bnn.arena_size` and `bnn.arena_lower_bound` (the largest total of
    simultaneously live buffers).
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", "16",
           "byte alignment of every tensor in the arena">,
    Option<"inPlace", "in-place", "bool", "true",
           "let elementwise kernels overwrite an operand that dies there">,
    Option<"fuseCortexMRequantize", "fuse-cortex-m-requantize", "bool",
           "false",
           "the target is Cortex-M, whose int8 convolution writes its "
           "requantization's output itself: the int32 result of such a "
           "convolution (bnn::fusableRequantize with the Cortex-M kernel's "
           "patch limits) gets no arena bytes and bnn.fused_into_user">
  ];
}

#endif // BNNC_PASSES
