//===- SupportedOps.cpp - The ONNX operators bnnc compiles ----------------===//

#include "compiler/SupportedOps.h"

#include "compiler/Importer.h"

#include "llvm/ADT/StringExtras.h"

using namespace llvm;

namespace bnnc {

/// The operators with their own lowering; the float unary ones come from
/// dialects/ElementwiseKinds.def.
static ArrayRef<SupportedOp> handListedOps() {
  constexpr int64_t lo = kMinOpset, hi = kMaxOpset;
  static const SupportedOp ops[] = {
      {"Abs", lo, hi, kNumeric},
      {"Add", lo, hi, kNumeric},
      {"And", lo, hi, kBool},
      {"ArgMax", lo, hi, kFloat | kInt64},
      {"ArgMin", lo, hi, kFloat | kInt64},
      {"AveragePool", lo, hi, kFloat},
      {"BatchNormalization", lo, hi, kFloat},
      {"Cast", lo, hi, kAllTypes},
      {"Clip", lo, hi, kNumeric},
      {"Concat", lo, hi, kAllTypes},
      {"Constant", lo, hi, kAllTypes},
      {"ConstantOfShape", 9, hi, kAllTypes},
      {"Conv", lo, hi, kFloat},
      {"CumSum", 11, hi, kFloat | kInt64 | kInt32},
      {"DepthToSpace", lo, hi, kAllTypes},
      {"Div", lo, hi, kNumeric},
      {"Dropout", lo, hi, kFloat | kBool},
      {"Equal", lo, hi, kAllTypes},
      {"Expand", 8, hi, kAllTypes},
      {"Flatten", lo, hi, kAllTypes},
      {"Gather", lo, hi, kAllTypes},
      {"Gemm", lo, hi, kFloat},
      {"GlobalAveragePool", lo, hi, kFloat},
      {"GlobalMaxPool", lo, hi, kFloat},
      {"Greater", lo, hi, kNumeric | kBool},
      {"GreaterOrEqual", 12, hi, kNumeric | kBool},
      {"Identity", lo, hi, kAllTypes},
      {"IsInf", 10, hi, kFloat | kBool},
      {"IsNaN", 9, hi, kFloat | kBool},
      {"LayerNormalization", 17, hi, kFloat},
      {"Less", lo, hi, kNumeric | kBool},
      {"LessOrEqual", 12, hi, kNumeric | kBool},
      {"LogSoftmax", lo, hi, kFloat},
      {"MatMul", lo, hi, kFloat},
      {"Max", lo, hi, kNumeric},
      {"MaxPool", lo, hi, kFloat | kInt8 | kUint8}, // int8/uint8: opset 12
      {"Mean", 8, hi, kFloat},
      {"Min", lo, hi, kNumeric},
      {"Mul", lo, hi, kNumeric},
      {"Neg", lo, hi, kFloat | kInt64 | kInt32 | kInt8},
      {"Not", lo, hi, kBool},
      {"Or", lo, hi, kBool},
      {"Pad", lo, hi, kNumeric},
      {"Pow", lo, hi, kFloat | kInt64 | kInt32},
      {"PRelu", lo, hi, kFloat},
      {"Range", 11, hi, kFloat | kInt64 | kInt32},
      {"ReduceL1", lo, hi, kNumeric},
      {"ReduceL2", lo, hi, kFloat},
      {"ReduceLogSum", lo, hi, kFloat},
      {"ReduceLogSumExp", lo, hi, kFloat},
      {"ReduceMax", lo, hi, kNumeric},
      {"ReduceMean", lo, hi, kNumeric},
      {"ReduceMin", lo, hi, kNumeric},
      {"ReduceProd", lo, hi, kNumeric},
      {"ReduceSum", lo, hi, kNumeric},
      {"ReduceSumSquare", lo, hi, kNumeric},
      {"Relu", lo, hi, kFloat | kInt64 | kInt32 | kInt8},
      {"Reshape", lo, hi, kAllTypes},
      {"Shape", lo, hi, kAllTypes},
      {"Sign", 9, hi, kNumeric},
      {"Slice", lo, hi, kAllTypes},
      {"Softmax", lo, hi, kFloat},
      {"SpaceToDepth", lo, hi, kAllTypes},
      {"Split", lo, hi, kAllTypes},
      {"Squeeze", lo, hi, kAllTypes},
      {"Sub", lo, hi, kNumeric},
      {"Sum", 8, hi, kFloat},
      {"Tile", lo, hi, kAllTypes},
      {"TopK", lo, hi, kFloat | kInt64},
      {"Transpose", lo, hi, kAllTypes},
      {"Unsqueeze", lo, hi, kAllTypes},
      {"Where", 9, hi, kAllTypes},
      {"Xor", lo, hi, kBool},
      // Issue 16: resampling, transposed convolution, normalizations and
      // indexing.
      {"ConvTranspose", lo, hi, kFloat},
      {"Einsum", 12, hi, kFloat},
      {"GatherElements", 11, hi, kAllTypes},
      {"GatherND", 11, hi, kAllTypes},
      {"InstanceNormalization", lo, hi, kFloat},
      {"LpNormalization", lo, hi, kFloat},
      {"OneHot", 9, hi, kNumeric},
      {"Resize", 10, hi, kFloat | kInt64},
      {"ScatterND", 11, hi, kAllTypes},
      {"Size", lo, hi, kAllTypes},
      {"Trilu", 14, hi, kAllTypes},
      {"Upsample", lo, 9, kFloat},
  };
  return ops;
}

/// Control flow (If) and recurrent layers (issue 16): their own block, so
/// that operator additions elsewhere in the table merge without conflicts.
static ArrayRef<SupportedOp> controlFlowAndRecurrentOps() {
  constexpr int64_t lo = kMinOpset, hi = kMaxOpset;
  static const SupportedOp ops[] = {
      // Constant condition: the branch taken is inlined; otherwise both
      // branches run and Where selects (Importer.cpp, importIf).
      {"If", lo, hi, kAllTypes},
      // float32, int32 sequence_lens (a compile-time constant); one bnn
      // recurrent kernel per node (LowerToBnn.cpp, lowerRecurrent).
      {"GRU", lo, hi, kFloat | kInt32},
      {"LSTM", lo, hi, kFloat | kInt32},
      {"RNN", lo, hi, kFloat | kInt32},
  };
  return ops;
}

/// Quantized tensors (issue 18, docs/int8.md): the QDQ pair and the
/// integer operators. Scales are float32; int32 is a bias or an
/// accumulator.
static ArrayRef<SupportedOp> quantizationOps() {
  constexpr int64_t hi = kMaxOpset;
  static const SupportedOp ops[] = {
      {"ConvInteger", 10, hi, kInt8 | kUint8 | kInt32},
      {"DequantizeLinear", 10, hi, kFloat | kInt8 | kUint8 | kInt32},
      {"DynamicQuantizeLinear", 11, hi, kFloat | kUint8},
      {"MatMulInteger", 10, hi, kInt8 | kUint8 | kInt32},
      {"QLinearConv", 10, hi, kFloat | kInt8 | kUint8 | kInt32},
      {"QLinearMatMul", 10, hi, kFloat | kInt8 | kUint8},
      {"QuantizeLinear", 10, hi, kFloat | kInt8 | kUint8},
  };
  return ops;
}

ArrayRef<SupportedOp> supportedOps() {
  static const SmallVector<SupportedOp> ops = [] {
    SmallVector<SupportedOp> all(handListedOps().begin(), handListedOps().end());
    all.append(controlFlowAndRecurrentOps().begin(),
               controlFlowAndRecurrentOps().end());
    all.append(quantizationOps().begin(), quantizationOps().end());
#define BNNC_FLOAT_UNARY(ENUM, NAME, ONNX, OPSET, ALPHA, BETA, C_EXPR, FOLD)   \
  all.push_back({#ONNX, std::max<int64_t>(OPSET, kMinOpset), kMaxOpset, kFloat});
#include "dialects/ElementwiseKinds.def"
    llvm::sort(all, [](const SupportedOp &a, const SupportedOp &b) {
      return a.name.compare_insensitive(b.name) < 0;
    });
    return all;
  }();
  return ops;
}

const SupportedOp *findSupportedOp(StringRef name, int64_t opset) {
  for (const SupportedOp &op : supportedOps())
    if (op.name == name && op.minOpset <= opset && opset <= op.maxOpset)
      return &op;
  return nullptr;
}

uint32_t dtypeBit(int32_t onnxDataType) {
  // Values of onnx::TensorProto::DataType.
  switch (onnxDataType) {
  case 1:
    return kFloat;
  case 2:
    return kUint8;
  case 3:
    return kInt8;
  case 6:
    return kInt32;
  case 7:
    return kInt64;
  case 9:
    return kBool;
  default:
    return 0;
  }
}

std::string dtypeNames(uint32_t mask) {
  static const std::pair<uint32_t, const char *> names[] = {
      {kFloat, "float"}, {kInt64, "int64"}, {kInt32, "int32"},
      {kInt8, "int8"},   {kUint8, "uint8"}, {kBool, "bool"}};
  SmallVector<StringRef> parts;
  for (auto [bit, name] : names)
    if (mask & bit)
      parts.push_back(name);
  return join(parts, ",");
}

void printSupportedOps(raw_ostream &os) {
  for (const SupportedOp &op : supportedOps())
    os << op.name << " " << op.minOpset << " " << op.maxOpset << " "
       << dtypeNames(op.dtypes) << "\n";
}

} // namespace bnnc
