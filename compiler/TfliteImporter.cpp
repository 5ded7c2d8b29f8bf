//===- TfliteImporter.cpp - .tflite flatbuffer -> ONNX model --------------===//
//
// A TFLite graph becomes an ONNX graph with the same semantics:
//
// - Layout. TFLite is NHWC with OHWI filters; ONNX convolutions are NCHW with
//   OIHW filters. Every 4-D activation that a convolution or pool produces
//   stays NCHW in the ONNX graph, with its TFLite (NHWC) shape known; a
//   Transpose is inserted only where an operator needs the other order
//   (flattening, reshapes, graph outputs). Graph inputs and outputs keep the
//   TFLite shapes, so the generated C reads and writes NHWC like the model.
// - LCE's bit-packed tensors (int32 words, 32 channels each, bit 1 = -1) are
//   the +-1 float tensors they encode. LceQuantize is Where(x < 0, -1, 1),
//   which is bnnc's binarizer b(x) exactly (LCE packs x < 0 as bit 1, like
//   bnnc), and the binarize pass turns the ONNX form back into packed
//   kernels (docs/binarization.md).
//
// Operators are described in docs/tflite.md.
//
//===----------------------------------------------------------------------===//

#include "compiler/TfliteImporter.h"

#include "tflite_subset_generated.h"

#include "flatbuffers/flexbuffers.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/raw_ostream.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>

using namespace llvm;
namespace tfl = bnnc::tflite;

namespace bnnc {

bool isTfliteModel(StringRef bytes) {
  return bytes.size() >= 8 && bytes.substr(4, 4) == "TFL3";
}

namespace {

/// TFLite builtin operator codes bnnc reads (BuiltinOperator in the format).
enum Builtin : int32_t {
  kAdd = 0,
  kAveragePool2D = 1,
  kConcatenation = 2,
  kConv2D = 3,
  kDepthwiseConv2D = 4,
  kDequantize = 6,
  kFullyConnected = 9,
  kLogistic = 14,
  kMaxPool2D = 17,
  kMul = 18,
  kRelu = 19,
  kReluN1To1 = 20,
  kRelu6 = 21,
  kReshape = 22,
  kSoftmax = 25,
  kTanh = 28,
  kCustom = 32,
  kPad = 34,
  kMean = 40,
  kSub = 41,
  kDiv = 42,
  kSqueeze = 43,
  kPadV2 = 60,
  kQuantize = 114,
  kHardSwish = 117,
};

/// BuiltinOperator names 0-161 (the format's enum), for messages.
constexpr const char *kBuiltinNames[] = {
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D",
    "DEPTH_TO_SPACE", "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR",
    "FULLY_CONNECTED", "HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D",
    "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC", "LSH_PROJECTION", "LSTM",
    "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1", "RELU6", "RESHAPE",
    "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH",
    "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL", "CUSTOM",
    "EMBEDDING_LOOKUP_SPARSE", "PAD", "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER",
    "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB",
    "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE",
    "BIDIRECTIONAL_SEQUENCE_RNN", "EXP", "TOPK_V2", "SPLIT", "LOG_SOFTMAX",
    "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU", "MAXIMUM",
    "ARG_MAX", "MINIMUM", "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL",
    "LESS_EQUAL", "SELECT", "SLICE", "SIN", "TRANSPOSE_CONV",
    "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG",
    "SUM", "SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT",
    "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT",
    "LOGICAL_AND", "LOGICAL_NOT", "UNPACK", "REDUCE_MIN", "FLOOR_DIV",
    "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL", "FLOOR_MOD", "RANGE",
    "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE",
    "MIRROR_PAD", "ABS", "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N",
    "GATHER_ND", "COS", "WHERE", "RANK", "ELU", "REVERSE_SEQUENCE",
    "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND", "HARD_SWISH", "IF",
    "WHILE", "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5", "SCATTER_ND",
    "SELECT_V2", "DENSIFY", "SEGMENT_SUM", "BATCH_MATMUL",
    "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE",
    "BROADCAST_TO", "RFFT2D", "CONV_3D", "IMAG", "REAL", "COMPLEX_ABS",
    "HASHTABLE", "HASHTABLE_FIND", "HASHTABLE_IMPORT", "HASHTABLE_SIZE",
    "REDUCE_ALL", "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE",
    "ASSIGN_VARIABLE", "BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL",
    "BUCKETIZE", "RANDOM_UNIFORM", "MULTINOMIAL", "GELU",
    "DYNAMIC_UPDATE_SLICE", "RELU_0_TO_1", "UNSORTED_SEGMENT_PROD",
    "UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_SUM", "ATAN2",
    "UNSORTED_SEGMENT_MIN", "SIGN", "BITCAST", "BITWISE_XOR", "RIGHT_SHIFT"};

std::string builtinName(int32_t code) {
  if (code >= 0 && code < static_cast<int32_t>(std::size(kBuiltinNames)))
    return kBuiltinNames[code];
  return "builtin operator " + std::to_string(code);
}

/// Largest dimension and element count accepted from a TFLite shape (the
/// ONNX importer applies its own, tighter size checks afterwards).
constexpr int64_t kMaxDim = int64_t(1) << 31;
constexpr int64_t kMaxElements = int64_t(1) << 40;

/// NHWC axis -> NCHW axis.
constexpr int64_t kNhwcToNchwAxis[4] = {0, 2, 3, 1};

/// A TFLite tensor as the ONNX graph holds it.
struct Val {
  std::string name;
  /// A 4-D tensor held in NCHW order (its TFLite shape is NHWC).
  bool nchw = false;
  /// LCE packed tensor: the +-1 values it encodes (channel count of the
  /// last TFLite axis); -1 for ordinary tensors.
  int64_t packedChannels = -1;
  /// For a packed tensor, the real tensor r whose b(r) = Where(r < 0, -1, 1)
  /// it holds, when known: a max pool then pools r and binarizes after,
  /// b(maxpool(r)) = maxpool(b(r)) as b is monotone, which is the order in
  /// which bnnc's binarize pass pools packed bits.
  std::string preSign;
  /// For the packed output of a binary convolution, its dot products and the
  /// per-channel threshold constant: preSign = dots - threshold. A max pool
  /// then pools the dot products, which commutes with subtracting a
  /// per-channel constant, so the binary layer, the pool and the threshold
  /// become bnnc's packed-bits pool.
  std::string dots, threshold;
};

/// A convolution window along one spatial axis, TFLite rules.
struct Axis {
  int64_t in, kernel, stride, dilation;
  int64_t padBegin = 0, padEnd = 0, out = 0;
};

/// SAME: out = ceil(in / stride), the total padding split with the extra
/// element at the end; VALID: no padding.
bool resolveAxis(Axis &a, bool same) {
  if (a.in < 1 || a.kernel < 1 || a.stride < 1 || a.dilation < 1)
    return false;
  int64_t effective = (a.kernel - 1) * a.dilation + 1;
  if (same) {
    a.out = (a.in + a.stride - 1) / a.stride;
    int64_t total =
        std::max<int64_t>((a.out - 1) * a.stride + effective - a.in, 0);
    a.padBegin = total / 2;
    a.padEnd = total - a.padBegin;
  } else {
    if (a.in < effective)
      return false;
    a.out = (a.in - effective) / a.stride + 1;
  }
  return true;
}

/// A TFLite Conv2D or DepthwiseConv2D in ONNX Conv terms.
struct ConvGeometry {
  bool depthwise;
  int8_t activation;
  int64_t kh, kw, outC, group, inPerGroup;
  Axis h, w;
};

/// The ONNX filter [O, I/group, kh, kw] of a TFLite filter: [O, kh, kw, I]
/// for Conv2D, [1, kh, kw, C * M] for DepthwiseConv2D.
template <typename T>
std::vector<T> tfliteFilterToOihw(ArrayRef<T> w, const ConvGeometry &g) {
  int64_t outC = g.outC, inG = g.inPerGroup, kh = g.kh, kw = g.kw;
  std::vector<T> oihw(outC * inG * kh * kw);
  for (int64_t o = 0; o < outC; ++o)
    for (int64_t i = 0; i < inG; ++i)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x)
          oihw[((o * inG + i) * kh + y) * kw + x] =
              g.depthwise ? w[(y * kw + x) * outC + o]
                          : w[((o * kh + y) * kw + x) * inG + i];
  return oihw;
}

class Converter {
public:
  Converter(const tfl::Model &model, int64_t maxNodes, ::onnx::ModelProto &out)
      : model(model), maxNodes(maxNodes), out(out), g(*out.mutable_graph()) {}

  std::optional<std::string> run();

private:
  const tfl::Model &model;
  int64_t maxNodes;
  ::onnx::ModelProto &out;
  ::onnx::GraphProto &g;
  const tfl::SubGraph *graph = nullptr;
  std::vector<std::optional<Val>> values;
  std::map<std::pair<std::string, bool>, std::string> layoutCopies;
  /// ONNX value names and node names are separate namespaces.
  StringSet<> usedNames, usedNodeNames;
  int64_t nodes = 0;
  /// The operator being converted, for messages and node names.
  int64_t opIndex = -1;
  std::string opType, opName;
  std::string failure;

  // ---- messages ---------------------------------------------------------
  bool fail(const Twine &why) {
    if (failure.empty())
      failure = (opIndex < 0 ? Twine("TFLite model: ") + why
                             : Twine("TFLite operator #") + Twine(opIndex) +
                                   " (" + opType + ", output '" + opName +
                                   "'): " + why)
                    .str();
    return false;
  }

  // ---- tensors ----------------------------------------------------------
  const tfl::Tensor *tensor(int32_t index) const {
    auto *tensors = graph->tensors();
    if (!tensors || index < 0 ||
        static_cast<uint32_t>(index) >= tensors->size())
      return nullptr;
    return tensors->Get(index);
  }

  SmallVector<int64_t> shapeOf(const tfl::Tensor &t) const {
    SmallVector<int64_t> dims;
    if (t.shape())
      for (int32_t d : *t.shape())
        dims.push_back(d);
    return dims;
  }

  static int64_t numElements(ArrayRef<int64_t> dims) {
    int64_t n = 1;
    for (int64_t d : dims)
      n *= d;
    return n;
  }

  /// The raw constant bytes of tensor `index`, or nullptr if it has none.
  const flatbuffers::Vector<uint8_t> *constantData(int32_t index) const {
    const tfl::Tensor *t = tensor(index);
    if (!t || t->buffer() == 0 || !model.buffers() ||
        t->buffer() >= model.buffers()->size())
      return nullptr;
    const tfl::Buffer *b = model.buffers()->Get(t->buffer());
    if (!b || !b->data() || b->data()->size() == 0)
      return nullptr;
    return b->data();
  }

  template <typename T>
  std::optional<std::vector<T>> constantAs(int32_t index, size_t count) const {
    auto *data = constantData(index);
    if (!data || data->size() != count * sizeof(T))
      return std::nullopt;
    std::vector<T> v(count);
    std::memcpy(v.data(), data->data(), count * sizeof(T));
    return v;
  }

  /// A FLOAT32 constant's values (little-endian, as the format stores them).
  std::optional<std::vector<float>> constFloats(int32_t index) {
    const tfl::Tensor *t = tensor(index);
    if (!t || t->type() != tfl::TensorType_FLOAT32)
      return std::nullopt;
    return constantAs<float>(index, numElements(shapeOf(*t)));
  }

  /// An INT32 or INT64 constant's values.
  std::optional<std::vector<int64_t>> constInts(int32_t index) {
    const tfl::Tensor *t = tensor(index);
    if (!t)
      return std::nullopt;
    size_t n = numElements(shapeOf(*t));
    if (t->type() == tfl::TensorType_INT64)
      return constantAs<int64_t>(index, n);
    if (t->type() != tfl::TensorType_INT32)
      return std::nullopt;
    auto v = constantAs<int32_t>(index, n);
    if (!v)
      return std::nullopt;
    return std::vector<int64_t>(v->begin(), v->end());
  }

  // ---- ONNX building ----------------------------------------------------
  static std::string unique(StringRef hint, StringSet<> &used) {
    std::string name = hint.str();
    for (int i = 1; !used.insert(name).second; ++i)
      name = hint.str() + "_" + std::to_string(i);
    return name;
  }
  std::string fresh(StringRef hint) { return unique(hint, usedNames); }

  ::onnx::NodeProto *node(StringRef opTypeName, ArrayRef<std::string> inputs,
                          StringRef output, StringRef suffix = "") {
    ++nodes;
    auto *n = g.add_node();
    n->set_op_type(opTypeName.str());
    n->set_name(unique(suffix.empty() ? opName : opName + "/" + suffix.str(),
                       usedNodeNames));
    if (opIndex >= 0)
      n->set_doc_string(
          ("TFLite operator #" + Twine(opIndex) + " " + opType).str());
    for (const std::string &i : inputs)
      n->add_input(i);
    n->add_output(output.str());
    return n;
  }

  static void intsAttr(::onnx::NodeProto *n, StringRef name,
                       ArrayRef<int64_t> v) {
    auto *a = n->add_attribute();
    a->set_name(name.str());
    a->set_type(::onnx::AttributeProto::INTS);
    for (int64_t x : v)
      a->add_ints(x);
  }
  static void intAttr(::onnx::NodeProto *n, StringRef name, int64_t v) {
    auto *a = n->add_attribute();
    a->set_name(name.str());
    a->set_type(::onnx::AttributeProto::INT);
    a->set_i(v);
  }

  std::string floatConstant(StringRef hint, ArrayRef<int64_t> dims,
                            ArrayRef<float> data) {
    std::string name = fresh(hint);
    auto *t = g.add_initializer();
    t->set_name(name);
    t->set_data_type(::onnx::TensorProto::FLOAT);
    for (int64_t d : dims)
      t->add_dims(d);
    t->set_raw_data(std::string(reinterpret_cast<const char *>(data.data()),
                                data.size() * sizeof(float)));
    return name;
  }

  std::string int64Constant(StringRef hint, ArrayRef<int64_t> dims,
                            ArrayRef<int64_t> data) {
    std::string name = fresh(hint);
    auto *t = g.add_initializer();
    t->set_name(name);
    t->set_data_type(::onnx::TensorProto::INT64);
    for (int64_t d : dims)
      t->add_dims(d);
    for (int64_t v : data)
      t->add_int64_data(v);
    return name;
  }

  std::string scalar(float v) {
    return floatConstant(opName + "/const", {}, ArrayRef<float>(v));
  }

  std::string output(StringRef suffix) { return fresh(opName + "/" + suffix.str()); }

  // ---- int8 ---------------------------------------------------------------
  /// Whether a node of bnnc's own ONNX domain (bnnc.tflite) was written.
  bool usesTfliteDomain = false;

  template <typename T>
  std::string rawConstant(StringRef hint, ::onnx::TensorProto::DataType type,
                          ArrayRef<int64_t> dims, ArrayRef<T> data) {
    std::string name = fresh(hint);
    auto *t = g.add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (int64_t d : dims)
      t->add_dims(d);
    t->set_raw_data(std::string(reinterpret_cast<const char *>(data.data()),
                                data.size() * sizeof(T)));
    return name;
  }
  std::string int8Constant(StringRef hint, ArrayRef<int64_t> dims,
                           ArrayRef<int8_t> data) {
    return rawConstant(hint, ::onnx::TensorProto::INT8, dims, data);
  }
  std::string int32Constant(StringRef hint, ArrayRef<int64_t> dims,
                            ArrayRef<int32_t> data) {
    return rawConstant(hint, ::onnx::TensorProto::INT32, dims, data);
  }

  /// Declares the type of `name` (ONNX cannot infer bnnc.tflite nodes).
  void declare(const std::string &name, ::onnx::TensorProto::DataType type,
               ArrayRef<int64_t> dims) {
    auto *vi = g.add_value_info();
    vi->set_name(name);
    auto *tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(type);
    auto *shape = tt->mutable_shape();
    for (int64_t d : dims)
      shape->add_dim()->set_dim_value(d);
  }

  /// A node of bnnc's domain bnnc.tflite with an int8 result of `dims`.
  ::onnx::NodeProto *tfliteNode(StringRef opTypeName,
                                ArrayRef<std::string> inputs, StringRef y,
                                ArrayRef<int64_t> dims, StringRef suffix = "") {
    auto *n = node(opTypeName, inputs, y, suffix);
    n->set_domain("bnnc.tflite");
    usesTfliteDomain = true;
    declare(y.str(), ::onnx::TensorProto::INT8, dims);
    return n;
  }

  /// The quantization of an int8 tensor: one scale and zero point, or one
  /// per index of `axis`.
  struct Quant {
    std::vector<float> scales;
    std::vector<int64_t> zeroPoints;
    int64_t axis = 0;
  };

  /// The checked quantization parameters of int8 tensor `index`.
  /// `channelAxis` is the axis along which per-channel parameters are
  /// accepted (weights), -1 for per-tensor only (activations).
  std::optional<Quant> quantOf(int32_t index, StringRef what,
                               int64_t channelAxis = -1) {
    const tfl::Tensor *t = tensor(index);
    if (!t) {
      fail(what + " is missing");
      return std::nullopt;
    }
    std::string name = what.str() + " '" + tensorName(index) + "'";
    if (t->type() != tfl::TensorType_INT8) {
      fail(name + " has type " + tfl::EnumNameTensorType(t->type()) +
           "; int8 is expected");
      return std::nullopt;
    }
    const tfl::QuantizationParameters *q = t->quantization();
    if (!q || !q->scale() || !q->zero_point() || q->scale()->size() == 0) {
      fail(name + " is int8 but has no quantization parameters (scale and "
                  "zero_point)");
      return std::nullopt;
    }
    if (q->scale()->size() != q->zero_point()->size()) {
      fail(name + " has " + Twine(q->scale()->size()) + " scales but " +
           Twine(q->zero_point()->size()) + " zero points");
      return std::nullopt;
    }
    Quant r;
    r.scales.assign(q->scale()->begin(), q->scale()->end());
    r.zeroPoints.assign(q->zero_point()->begin(), q->zero_point()->end());
    for (float scale : r.scales)
      if (!std::isfinite(scale) || !(scale > 0.0f)) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", scale);
        fail(name + " has scale " + text +
             "; scales must be positive and finite");
        return std::nullopt;
      }
    for (int64_t zp : r.zeroPoints)
      if (zp < -128 || zp > 127) {
        fail(name + " has zero point " + Twine(zp) +
             ", outside the int8 range");
        return std::nullopt;
      }
    if (r.scales.size() > 1) {
      auto shape = shapeOf(*t);
      int64_t axis = q->quantized_dimension();
      if (channelAxis < 0 || axis != channelAxis ||
          axis >= static_cast<int64_t>(shape.size()) ||
          shape[axis] != static_cast<int64_t>(r.scales.size())) {
        fail(name + " is quantized per channel (" + Twine(r.scales.size()) +
             " scales, quantized_dimension " + Twine(axis) + "); " +
             (channelAxis < 0
                  ? Twine("it must be quantized per tensor")
                  : "per-channel parameters must be one per index of axis " +
                        Twine(channelAxis)));
        return std::nullopt;
      }
      r.axis = axis;
    }
    return r;
  }

  /// The int8 activation range [lo, hi] of a fused activation on an output
  /// quantized with (scale, zp), as TFLite computes it: the bounds
  /// quantized with float32 division and rounding half away from zero.
  std::optional<std::pair<int64_t, int64_t>>
  activationRange(int8_t act, float scale, int64_t zp) {
    auto quantize = [&](float f) {
      float r = std::round(f / scale);
      return zp + static_cast<int64_t>(std::clamp(r, -1e9f, 1e9f));
    };
    int64_t lo = -128, hi = 127;
    switch (act) {
    case tfl::ActivationFunctionType_NONE:
      break;
    case tfl::ActivationFunctionType_RELU:
      lo = std::max(lo, quantize(0.0f));
      break;
    case tfl::ActivationFunctionType_RELU6:
      lo = std::max(lo, quantize(0.0f));
      hi = std::min(hi, quantize(6.0f));
      break;
    case tfl::ActivationFunctionType_RELU_N1_TO_1:
      lo = std::max(lo, quantize(-1.0f));
      hi = std::min(hi, quantize(1.0f));
      break;
    default:
      fail("fused activation " + Twine(int(act)) +
           " is not supported on int8 outputs (NONE, RELU, RELU6, "
           "RELU_N1_TO_1 are)");
      return std::nullopt;
    }
    if (lo > hi) {
      fail("the fused activation's range is empty on the output's scale");
      return std::nullopt;
    }
    return std::make_pair(lo, hi);
  }

  /// TFLite's int8 requantization of `acc` (int32, shape `dims`): per index
  /// c of `axis` the multiplier in_scale * w_scale[c] / out_scale in double
  /// precision as a Q31 number and a shift (docs/tflite.md), then the output
  /// zero point and the fused activation's clamp.
  std::optional<std::string> requantize(const std::string &acc,
                                        ArrayRef<int64_t> dims, float inScale,
                                        ArrayRef<float> wScales, float outScale,
                                        int64_t outZp, int64_t axis,
                                        int8_t act) {
    auto range = activationRange(act, outScale, outZp);
    if (!range)
      return std::nullopt;
    std::vector<int32_t> multipliers, shifts;
    for (float w : wScales) {
      double m = static_cast<double>(inScale) * static_cast<double>(w) /
                 static_cast<double>(outScale);
      auto [q, shift] = quantizeMultiplier(m);
      multipliers.push_back(q);
      shifts.push_back(shift);
    }
    int64_t n = multipliers.size();
    std::string y = output("requantize");
    auto *node = tfliteNode(
        "TfliteRequantize",
        {acc, int32Constant(opName + "/multiplier", {n}, multipliers),
         int32Constant(opName + "/shift", {n}, shifts),
         int8Constant(opName + "/y_zero_point", {},
                      ArrayRef<int8_t>(static_cast<int8_t>(outZp)))},
        y, dims, "requantize");
    intAttr(node, "axis", axis);
    intAttr(node, "min", range->first);
    intAttr(node, "max", range->second);
    return y;
  }

  /// A positive finite multiplier m as q * 2^(shift - 31) with q a Q31
  /// number in [2^30, 2^31): m's significand in [0.5, 1) from frexp,
  /// times 2^31 rounded half away from zero; a significand that rounds up
  /// to 2^31 is halved with the exponent raised. Multipliers below 2^-32
  /// become 0 and those from 2^30 up saturate, as TFLite's converter does.
  static std::pair<int32_t, int32_t> quantizeMultiplier(double m) {
    if (!(m > 0.0))
      return {0, 0};
    int exponent = 0;
    double significand = std::frexp(m, &exponent);
    int64_t q = static_cast<int64_t>(std::round(significand * 2147483648.0));
    if (q == (int64_t(1) << 31)) {
      q /= 2;
      ++exponent;
    }
    if (exponent < -31)
      return {0, 0};
    if (exponent > 30)
      return {INT32_MAX, 30};
    return {static_cast<int32_t>(q), exponent};
  }

  bool isInt8(int32_t index) const {
    const tfl::Tensor *t = tensor(index);
    return t && t->type() == tfl::TensorType_INT8;
  }

  // ---- values -----------------------------------------------------------
  /// The ONNX value of TFLite tensor `index`, in NCHW order if `nchw` (4-D
  /// tensors only), else in TFLite's order. Constants become initializers.
  std::optional<std::string> input(int32_t index, bool nchw = false) {
    const tfl::Tensor *t = tensor(index);
    if (!t) {
      fail("input tensor index " + Twine(index) + " is out of range");
      return std::nullopt;
    }
    if (!values[index]) {
      auto data = constFloats(index);
      if (!data) {
        fail("input tensor '" + tensorName(index) +
             "' is neither computed before this operator nor a float32 "
             "constant");
        return std::nullopt;
      }
      values[index] =
          Val{floatConstant("t" + std::to_string(index), shapeOf(*t), *data)};
    }
    Val &v = *values[index];
    if (v.nchw == nchw)
      return v.name;
    if (shapeOf(*t).size() != 4) {
      fail("tensor '" + tensorName(index) + "' is not 4-D");
      return std::nullopt;
    }
    auto &copy = layoutCopies[{v.name, nchw}];
    if (copy.empty()) {
      copy = output(nchw ? "to_nchw" : "to_nhwc");
      intsAttr(node("Transpose", {v.name}, copy, nchw ? "to_nchw" : "to_nhwc"),
               "perm",
               nchw ? ArrayRef<int64_t>{0, 3, 1, 2}
                    : ArrayRef<int64_t>{0, 2, 3, 1});
    }
    return copy;
  }

  bool isNchw(int32_t index) const {
    return index >= 0 && static_cast<size_t>(index) < values.size() &&
           values[index] && values[index]->nchw;
  }

  std::string tensorName(int32_t index) const {
    const tfl::Tensor *t = tensor(index);
    return t && t->name() ? t->name()->str() : "t" + std::to_string(index);
  }

  void define(int32_t index, Val v) { values[index] = std::move(v); }

  // ---- operator helpers -------------------------------------------------
  int32_t in(const tfl::Operator &op, unsigned i) const {
    return op.inputs() && i < op.inputs()->size() ? op.inputs()->Get(i) : -1;
  }
  int32_t outIndex(const tfl::Operator &op) const {
    return op.outputs() && op.outputs()->size() > 0 ? op.outputs()->Get(0) : -1;
  }

  /// The fused activation, applied to `x`; the name of the result.
  std::optional<std::string> activation(std::string x, int8_t act) {
    switch (act) {
    case tfl::ActivationFunctionType_NONE:
      return x;
    case tfl::ActivationFunctionType_RELU: {
      std::string y = output("relu");
      node("Relu", {x}, y, "relu");
      return y;
    }
    case tfl::ActivationFunctionType_RELU6:
    case tfl::ActivationFunctionType_RELU_N1_TO_1: {
      bool six = act == tfl::ActivationFunctionType_RELU6;
      std::string y = output("clip");
      node("Clip", {x, scalar(six ? 0.0f : -1.0f), scalar(six ? 6.0f : 1.0f)},
           y, "clip");
      return y;
    }
    case tfl::ActivationFunctionType_TANH: {
      std::string y = output("tanh");
      node("Tanh", {x}, y, "tanh");
      return y;
    }
    default:
      fail("fused activation " + Twine(int(act)) +
           " is not supported (NONE, RELU, RELU6, RELU_N1_TO_1, TANH are)");
      return std::nullopt;
    }
  }

  /// b(x) = Where(x < 0, -1, 1): LCE's bit for x (x < 0 is bit 1 = -1; 0
  /// and NaN give +1), which bnnc's binarize pass packs exactly.
  std::string binarize(const std::string &x, StringRef suffix) {
    std::string less = output("negative");
    node("Less", {x, scalar(0.0f)}, less,
         suffix.empty() ? "negative" : (suffix + "/negative").str());
    std::string y = output("signs");
    node("Where", {less, scalar(-1.0f), scalar(1.0f)}, y, suffix);
    return y;
  }

  /// Checks that tensor `index` is a float32 tensor of rank `rank` (any rank
  /// if negative) and returns its shape.
  std::optional<SmallVector<int64_t>> floatShape(int32_t index, int rank,
                                                 StringRef what) {
    const tfl::Tensor *t = tensor(index);
    if (!t) {
      fail(what + " is missing");
      return std::nullopt;
    }
    if (t->type() != tfl::TensorType_FLOAT32 &&
        !(values[index] && values[index]->packedChannels >= 0)) {
      fail(what + " '" + tensorName(index) + "' has type " +
           tfl::EnumNameTensorType(t->type()) +
           (t->type() == tfl::TensorType_INT8
                ? "; int8 " + opType +
                      " is not supported (docs/tflite.md lists the int8 "
                      "operators)"
            : t->type() == tfl::TensorType_UINT8
                ? std::string("; uint8 (legacy quantized) TFLite models are "
                              "not supported, int8 ones are")
                : std::string("; float32 is supported")));
      return std::nullopt;
    }
    auto s = shapeOf(*t);
    if (rank >= 0 && static_cast<int>(s.size()) != rank) {
      fail(what + " '" + tensorName(index) + "' has rank " + Twine(s.size()) +
           ", expected " + Twine(rank));
      return std::nullopt;
    }
    return s;
  }

  // ---- operators --------------------------------------------------------
  bool convertConv(const tfl::Operator &op, bool depthwise);
  std::optional<ConvGeometry> convGeometry(const tfl::Operator &op,
                                           bool depthwise,
                                           ArrayRef<int64_t> xShape,
                                           ArrayRef<int64_t> wShape);
  void convAttributes(::onnx::NodeProto *n, const ConvGeometry &g);
  bool convertPool(const tfl::Operator &op, bool max);
  bool convertFullyConnected(const tfl::Operator &op);
  bool convertBinary(const tfl::Operator &op, StringRef onnxOp, int8_t act);
  bool convertMean(const tfl::Operator &op);
  bool convertReshape(const tfl::Operator &op);
  bool convertConcat(const tfl::Operator &op);
  bool convertPad(const tfl::Operator &op, bool v2);
  bool convertSoftmax(const tfl::Operator &op);
  bool convertUnary(const tfl::Operator &op, int32_t code);
  /// The LCE operator's flexbuffer options map, verified.
  std::optional<flexbuffers::Map> customOptions(const tfl::Operator &op);
  bool convertLceQuantize(const tfl::Operator &op);
  bool convertLceDequantize(const tfl::Operator &op);
  bool convertLceBMaxPool(const tfl::Operator &op);
  bool convertLceBconv(const tfl::Operator &op);
  bool convertOperator(const tfl::Operator &op);
  bool convertQuantize(const tfl::Operator &op);
  bool convertDequantize(const tfl::Operator &op);
  bool convertQuantizedConv(const tfl::Operator &op, bool depthwise);
  bool convertQuantizedPool(const tfl::Operator &op, bool max);
  bool convertQuantizedFullyConnected(const tfl::Operator &op);
  bool convertQuantizedAdd(const tfl::Operator &op);

  bool convertGraphInputs();
  bool convertGraphOutputs();
  bool checkTensors();
};

// ---- graph ----------------------------------------------------------------

bool Converter::checkTensors() {
  auto *tensors = graph->tensors();
  if (!tensors)
    return fail("the main subgraph has no tensors");
  size_t buffers = model.buffers() ? model.buffers()->size() : 0;
  for (auto [i, t] : llvm::enumerate(*tensors)) {
    if (!t)
      return fail("tensor " + Twine(i) + " is empty");
    if (t->sparsity())
      return fail("tensor '" + tensorName(i) + "' is sparse, which is not "
                                               "supported");
    if (t->buffer() >= buffers && t->buffer() != 0)
      return fail("tensor '" + tensorName(i) + "' names buffer " +
                  Twine(t->buffer()) + " of " + Twine(buffers));
    if (t->buffer() != 0 && t->buffer() < buffers) {
      const tfl::Buffer *b = model.buffers()->Get(t->buffer());
      if (b && b->offset() > 1)
        return fail("tensor '" + tensorName(i) +
                    "' keeps its data outside the flatbuffer (models over "
                    "2 GB), which is not supported");
    }
    int64_t n = 1;
    if (t->shape())
      for (int32_t d : *t->shape()) {
        if (d < 0 || d > kMaxDim)
          return fail("tensor '" + tensorName(i) + "' has dimension " +
                      Twine(d));
        n = d == 0 ? 0 : (n > kMaxElements / d ? kMaxElements + 1 : n * d);
      }
    if (n > kMaxElements)
      return fail("tensor '" + tensorName(i) + "' has more than 2^40 "
                                               "elements");
    // A constant's data must hold exactly its elements.
    if (auto *data = constantData(i)) {
      size_t width = 0;
      switch (t->type()) {
      case tfl::TensorType_FLOAT32:
      case tfl::TensorType_INT32:
        width = 4;
        break;
      case tfl::TensorType_INT64:
        width = 8;
        break;
      case tfl::TensorType_INT8:
      case tfl::TensorType_UINT8:
      case tfl::TensorType_BOOL:
        width = 1;
        break;
      case tfl::TensorType_INT16:
      case tfl::TensorType_FLOAT16:
        width = 2;
        break;
      default:
        break;
      }
      if (width && data->size() != static_cast<uint64_t>(n) * width)
        return fail("constant tensor '" + tensorName(i) + "' has " +
                    Twine(data->size()) + " bytes of data for " + Twine(n) +
                    " elements");
    }
  }
  return true;
}

bool Converter::convertGraphInputs() {
  if (!graph->inputs() || graph->inputs()->size() == 0)
    return fail("the main subgraph has no inputs");
  for (int32_t index : *graph->inputs()) {
    const tfl::Tensor *t = tensor(index);
    if (!t)
      return fail("graph input index " + Twine(index) + " is out of range");
    if (t->type() != tfl::TensorType_FLOAT32)
      return fail("graph input '" + tensorName(index) + "' has type " +
                  tfl::EnumNameTensorType(t->type()) +
                  "; bnnc reads float32 TFLite inputs");
    if (values[index])
      return fail("graph input '" + tensorName(index) + "' is listed twice");
    std::string name = fresh(t->name() && t->name()->size()
                                 ? t->name()->str()
                                 : "input_" + std::to_string(index));
    auto *vi = g.add_input();
    vi->set_name(name);
    auto *tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(::onnx::TensorProto::FLOAT);
    auto *shape = tt->mutable_shape();
    for (int64_t d : shapeOf(*t))
      shape->add_dim()->set_dim_value(d);
    values[index] = Val{name};
  }
  return true;
}

bool Converter::convertGraphOutputs() {
  opIndex = -1;
  if (!graph->outputs() || graph->outputs()->size() == 0)
    return fail("the main subgraph has no outputs");
  for (int32_t index : *graph->outputs()) {
    const tfl::Tensor *t = tensor(index);
    if (!t || !values[index])
      return fail("graph output '" + tensorName(index) +
                  "' is not computed by any operator");
    if (t->type() != tfl::TensorType_FLOAT32 &&
        values[index]->packedChannels < 0)
      return fail("graph output '" + tensorName(index) + "' has type " +
                  tfl::EnumNameTensorType(t->type()) +
                  "; bnnc's TFLite outputs are float32 (end an int8 model "
                  "with DEQUANTIZE)");
    if (values[index]->packedChannels >= 0)
      return fail("graph output '" + tensorName(index) +
                  "' is bit-packed (LCE); bnnc's outputs are float32 (end the "
                  "model with LceDequantize)");
    opName = tensorName(index);
    opType = "output";
    auto name = input(index, /*nchw=*/false);
    if (!name)
      return false;
    std::string outName = fresh(t->name() && t->name()->size()
                                    ? t->name()->str()
                                    : "output_" + std::to_string(index));
    node("Identity", {*name}, outName, "output");
    auto *vi = g.add_output();
    vi->set_name(outName);
    auto *tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(::onnx::TensorProto::FLOAT);
    auto *shape = tt->mutable_shape();
    for (int64_t d : shapeOf(*t))
      shape->add_dim()->set_dim_value(d);
  }
  return true;
}

std::optional<std::string> Converter::run() {
  if (!model.subgraphs() || model.subgraphs()->size() == 0)
    return std::string("TFLite model: it has no subgraph");
  graph = model.subgraphs()->Get(0);
  if (!graph)
    return std::string("TFLite model: the main subgraph is empty");
  values.resize(graph->tensors() ? graph->tensors()->size() : 0);
  out.set_ir_version(8);
  out.set_producer_name("bnnc-tflite");
  auto *opset = out.add_opset_import();
  opset->set_domain("");
  opset->set_version(14);
  g.set_name(graph->name() && graph->name()->size() ? graph->name()->str()
                                                    : "tflite");
  if (!checkTensors() || !convertGraphInputs())
    return failure;
  if (graph->operators())
    for (auto [i, op] : llvm::enumerate(*graph->operators())) {
      opIndex = i;
      if (!op) {
        fail("the operator is empty");
        return failure;
      }
      if (!convertOperator(*op))
        return failure.empty() ? std::string("TFLite conversion failed")
                               : failure;
      if (nodes > maxNodes)
        return "TFLite model: converting it takes more than " +
               std::to_string(maxNodes) + " ONNX nodes (--max-nodes)";
    }
  if (!convertGraphOutputs())
    return failure;
  if (usesTfliteDomain) {
    auto *tflite = out.add_opset_import();
    tflite->set_domain("bnnc.tflite");
    tflite->set_version(1);
  }
  return std::nullopt;
}

// ---- operators ------------------------------------------------------------

bool Converter::convertOperator(const tfl::Operator &op) {
  auto *codes = model.operator_codes();
  if (!codes || op.opcode_index() >= codes->size() ||
      !codes->Get(op.opcode_index()))
    return fail("operator code index " + Twine(op.opcode_index()) +
                " is out of range");
  const tfl::OperatorCode *code = codes->Get(op.opcode_index());
  // Files before schema 3a only set the byte code; later ones set both.
  int32_t builtin = std::max<int32_t>(code->builtin_code(),
                                      code->deprecated_builtin_code());
  std::string custom = code->custom_code() ? code->custom_code()->str() : "";
  opType = builtin == kCustom ? custom : builtinName(builtin);
  int32_t o = outIndex(op);
  if (!tensor(o))
    return fail("the operator has no valid output tensor");
  if (op.outputs()->size() != 1)
    return fail("the operator has " + Twine(op.outputs()->size()) +
                " outputs; bnnc converts single-output operators");
  if (values[o])
    return fail("tensor '" + tensorName(o) + "' is written twice");
  opName = tensorName(o);
  if (op.inputs())
    for (int32_t i : *op.inputs())
      if (i >= 0 && !tensor(i))
        return fail("input tensor index " + Twine(i) + " is out of range");

  switch (builtin) {
  case kConv2D:
    return convertConv(op, /*depthwise=*/false);
  case kDepthwiseConv2D:
    return convertConv(op, /*depthwise=*/true);
  case kAveragePool2D:
    return convertPool(op, /*max=*/false);
  case kMaxPool2D:
    return convertPool(op, /*max=*/true);
  case kFullyConnected:
    return convertFullyConnected(op);
  case kAdd:
    if (isInt8(in(op, 0)) || isInt8(in(op, 1)))
      return convertQuantizedAdd(op);
    return convertBinary(op, "Add",
                         op.builtin_options_as_AddOptions()
                             ? op.builtin_options_as_AddOptions()
                                   ->fused_activation_function()
                             : 0);
  case kSub:
    return convertBinary(op, "Sub",
                         op.builtin_options_as_SubOptions()
                             ? op.builtin_options_as_SubOptions()
                                   ->fused_activation_function()
                             : 0);
  case kMul:
    return convertBinary(op, "Mul",
                         op.builtin_options_as_MulOptions()
                             ? op.builtin_options_as_MulOptions()
                                   ->fused_activation_function()
                             : 0);
  case kDiv:
    return convertBinary(op, "Div",
                         op.builtin_options_as_DivOptions()
                             ? op.builtin_options_as_DivOptions()
                                   ->fused_activation_function()
                             : 0);
  case kMean:
    return convertMean(op);
  case kReshape:
  case kSqueeze:
    return convertReshape(op);
  case kConcatenation:
    return convertConcat(op);
  case kPad:
    return convertPad(op, /*v2=*/false);
  case kPadV2:
    return convertPad(op, /*v2=*/true);
  case kSoftmax:
    return convertSoftmax(op);
  case kLogistic:
  case kRelu:
  case kRelu6:
  case kReluN1To1:
  case kTanh:
  case kHardSwish:
    return convertUnary(op, builtin);
  case kQuantize:
    return convertQuantize(op);
  case kDequantize:
    return convertDequantize(op);
  case kCustom:
    if (custom == "LceQuantize")
      return convertLceQuantize(op);
    if (custom == "LceDequantize")
      return convertLceDequantize(op);
    if (custom == "LceBMaxPool2d")
      return convertLceBMaxPool(op);
    if (custom == "LceBconv2d")
      return convertLceBconv(op);
    return fail("custom operator '" + custom +
                "' is not supported (LceQuantize, LceDequantize, "
                "LceBconv2d and LceBMaxPool2d are)");
  default:
    return fail("the operator is not supported (docs/tflite.md lists the "
                "supported ones)");
  }
}

bool Converter::convertConv(const tfl::Operator &op, bool depthwise) {
  if (isInt8(in(op, 0)))
    return convertQuantizedConv(op, depthwise);
  auto xShape = floatShape(in(op, 0), 4, "input");
  if (!xShape)
    return false;
  const tfl::Tensor *w = tensor(in(op, 1));
  if (!w)
    return fail("the filter is missing");
  auto wShape = shapeOf(*w);
  auto weights = constFloats(in(op, 1));
  if (wShape.size() != 4 || !weights)
    return fail("the filter '" + tensorName(in(op, 1)) +
                "' must be a 4-D float32 constant");
  auto g = convGeometry(op, depthwise, *xShape, wShape);
  if (!g)
    return false;
  std::vector<float> oihw = tfliteFilterToOihw<float>(*weights, *g);
  auto x = input(in(op, 0), /*nchw=*/true);
  if (!x)
    return false;
  std::vector<std::string> ins = {
      *x, floatConstant(opName + "/filter",
                        {g->outC, g->inPerGroup, g->kh, g->kw}, oihw)};
  if (in(op, 2) >= 0) {
    auto bias = constFloats(in(op, 2));
    if (!bias || bias->size() != static_cast<size_t>(g->outC))
      return fail("the bias must be a float32 constant of " + Twine(g->outC) +
                  " values");
    ins.push_back(floatConstant(opName + "/bias", {g->outC}, *bias));
  }
  std::string y = output("conv");
  convAttributes(node("Conv", ins, y), *g);
  auto r = activation(y, g->activation);
  if (!r)
    return false;
  define(outIndex(op), Val{*r, /*nchw=*/true});
  return true;
}

/// Reads the options of a Conv2D or DepthwiseConv2D and checks its filter
/// against the input's channels.
std::optional<ConvGeometry> Converter::convGeometry(const tfl::Operator &op,
                                                    bool depthwise,
                                                    ArrayRef<int64_t> xShape,
                                                    ArrayRef<int64_t> wShape) {
  ConvGeometry g;
  g.depthwise = depthwise;
  int8_t padding;
  int64_t sh, sw, dh, dw;
  if (depthwise) {
    auto *o = op.builtin_options_as_DepthwiseConv2DOptions();
    if (!o)
      return fail("DepthwiseConv2DOptions are missing"), std::nullopt;
    padding = o->padding(), g.activation = o->fused_activation_function();
    sh = o->stride_h(), sw = o->stride_w();
    dh = o->dilation_h_factor(), dw = o->dilation_w_factor();
  } else {
    auto *o = op.builtin_options_as_Conv2DOptions();
    if (!o)
      return fail("Conv2DOptions are missing"), std::nullopt;
    padding = o->padding(), g.activation = o->fused_activation_function();
    sh = o->stride_h(), sw = o->stride_w();
    dh = o->dilation_h_factor(), dw = o->dilation_w_factor();
  }
  int64_t c = xShape[3];
  g.kh = wShape[1], g.kw = wShape[2];
  if (c < 1)
    return fail("the input has no channels"), std::nullopt;
  if (depthwise) {
    // Filter [1, kh, kw, C * M]: output channel c * M + m reads channel c.
    if (wShape[0] != 1 || wShape[3] % c != 0)
      return fail("depthwise filter shape does not match " + Twine(c) +
                  " input channels"),
             std::nullopt;
    g.outC = wShape[3], g.group = c, g.inPerGroup = 1;
  } else {
    // Filter [O, kh, kw, I]; I < C is a grouped convolution.
    if (wShape[3] < 1 || c % wShape[3] != 0 || wShape[0] % (c / wShape[3]))
      return fail("filter input channels " + Twine(wShape[3]) +
                  " do not divide the " + Twine(c) + " input channels"),
             std::nullopt;
    g.outC = wShape[0], g.group = c / wShape[3], g.inPerGroup = wShape[3];
  }
  g.h = Axis{xShape[1], g.kh, sh, dh};
  g.w = Axis{xShape[2], g.kw, sw, dw};
  if (!resolveAxis(g.h, padding == tfl::Padding_SAME) ||
      !resolveAxis(g.w, padding == tfl::Padding_SAME))
    return fail("invalid window: strides and dilations must be positive "
                "and the filter must fit the input"),
           std::nullopt;
  return g;
}

void Converter::convAttributes(::onnx::NodeProto *n, const ConvGeometry &g) {
  intsAttr(n, "kernel_shape", {g.kh, g.kw});
  intsAttr(n, "strides", {g.h.stride, g.w.stride});
  intsAttr(n, "dilations", {g.h.dilation, g.w.dilation});
  intsAttr(n, "pads", {g.h.padBegin, g.w.padBegin, g.h.padEnd, g.w.padEnd});
  intAttr(n, "group", g.group);
}

bool Converter::convertPool(const tfl::Operator &op, bool max) {
  if (isInt8(in(op, 0)))
    return convertQuantizedPool(op, max);
  auto xShape = floatShape(in(op, 0), 4, "input");
  if (!xShape)
    return false;
  auto *o = op.builtin_options_as_Pool2DOptions();
  if (!o)
    return fail("Pool2DOptions are missing");
  Axis ah{(*xShape)[1], o->filter_height(), o->stride_h(), 1},
      aw{(*xShape)[2], o->filter_width(), o->stride_w(), 1};
  if (!resolveAxis(ah, o->padding() == tfl::Padding_SAME) ||
      !resolveAxis(aw, o->padding() == tfl::Padding_SAME))
    return fail("invalid pooling window");
  auto x = input(in(op, 0), /*nchw=*/true);
  if (!x)
    return false;
  std::string y = output(max ? "maxpool" : "avgpool");
  auto *n = node(max ? "MaxPool" : "AveragePool", {*x}, y);
  intsAttr(n, "kernel_shape", {ah.kernel, aw.kernel});
  intsAttr(n, "strides", {ah.stride, aw.stride});
  intsAttr(n, "pads", {ah.padBegin, aw.padBegin, ah.padEnd, aw.padEnd});
  // TFLite averages over the taps inside the input only.
  if (!max)
    intAttr(n, "count_include_pad", 0);
  auto r = activation(y, o->fused_activation_function());
  if (!r)
    return false;
  define(outIndex(op), Val{*r, /*nchw=*/true});
  return true;
}

bool Converter::convertFullyConnected(const tfl::Operator &op) {
  if (isInt8(in(op, 0)))
    return convertQuantizedFullyConnected(op);
  auto xShape = floatShape(in(op, 0), -1, "input");
  if (!xShape)
    return false;
  auto *o = op.builtin_options_as_FullyConnectedOptions();
  int8_t act = o ? o->fused_activation_function() : 0;
  if (o && o->weights_format() != 0)
    return fail("shuffled weights formats are not supported");
  const tfl::Tensor *w = tensor(in(op, 1));
  auto weights = constFloats(in(op, 1));
  if (!w || shapeOf(*w).size() != 2 || !weights)
    return fail("the weights must be a 2-D float32 constant");
  int64_t n = shapeOf(*w)[0], k = shapeOf(*w)[1];
  int64_t total = numElements(*xShape);
  if (k == 0 || total % k != 0)
    return fail("the input's " + Twine(total) +
                " elements are no whole number of rows of " + Twine(k));
  // Rows are read in TFLite's (NHWC) element order.
  auto x = input(in(op, 0), /*nchw=*/false);
  if (!x)
    return false;
  std::string rows = output("rows");
  node("Reshape", {*x, int64Constant(opName + "/rows_shape", {2}, {-1, k})},
       rows, "rows");
  std::vector<std::string> ins = {
      rows, floatConstant(opName + "/weights", {n, k}, *weights)};
  if (in(op, 2) >= 0) {
    auto bias = constFloats(in(op, 2));
    if (!bias || bias->size() != static_cast<size_t>(n))
      return fail("the bias must be a float32 constant of " + Twine(n) +
                  " values");
    ins.push_back(floatConstant(opName + "/bias", {n}, *bias));
  }
  std::string y = output("gemm");
  intAttr(node("Gemm", ins, y), "transB", 1);
  auto r = activation(y, act);
  if (!r)
    return false;
  // keep_num_dims keeps the input's leading axes: the output tensor's shape.
  auto outShape = shapeOf(*tensor(outIndex(op)));
  if (outShape.size() != 2 || outShape[0] != total / k || outShape[1] != n) {
    if (numElements(outShape) != total / k * n)
      return fail("the output shape does not hold " + Twine(total / k) + "x" +
                  Twine(n) + " values");
    std::string shaped = output("shape");
    node("Reshape",
         {*r, int64Constant(opName + "/out_shape",
                            {static_cast<int64_t>(outShape.size())}, outShape)},
         shaped, "shape");
    r = shaped;
  }
  define(outIndex(op), Val{*r});
  return true;
}

bool Converter::convertBinary(const tfl::Operator &op, StringRef onnxOp,
                              int8_t act) {
  int32_t a = in(op, 0), b = in(op, 1);
  auto aShape = floatShape(a, -1, "first input");
  auto bShape = aShape ? floatShape(b, -1, "second input") : std::nullopt;
  if (!aShape || !bShape)
    return false;
  bool aConst = !values[a], bConst = !values[b];
  // NCHW when a computed 4-D operand is NCHW and the other one is 4-D or a
  // constant (whose NHWC broadcast shape is permuted below).
  bool nchw = (isNchw(a) && (bShape->size() == 4 || bConst)) ||
              (isNchw(b) && (aShape->size() == 4 || aConst));
  auto operand = [&](int32_t index,
                     ArrayRef<int64_t> shape) -> std::optional<std::string> {
    if (!nchw || values[index])
      return input(index, nchw);
    // A constant broadcast against an NCHW tensor: right-align its shape
    // to rank 4 (NumPy rules), then permute NHWC -> NCHW.
    auto data = constFloats(index);
    if (!data || shape.size() > 4) {
      fail("operand '" + tensorName(index) + "' cannot be broadcast");
      return std::nullopt;
    }
    SmallVector<int64_t, 4> s4(4 - shape.size(), 1);
    s4.append(shape.begin(), shape.end());
    std::vector<float> permuted(data->size());
    for (int64_t n = 0, i = 0; n < s4[0]; ++n)
      for (int64_t h = 0; h < s4[1]; ++h)
        for (int64_t w = 0; w < s4[2]; ++w)
          for (int64_t c = 0; c < s4[3]; ++c, ++i)
            permuted[((n * s4[3] + c) * s4[1] + h) * s4[2] + w] = (*data)[i];
    return floatConstant(opName + "/operand", {s4[0], s4[3], s4[1], s4[2]},
                         permuted);
  };
  auto x = operand(a, *aShape);
  auto y = x ? operand(b, *bShape) : std::nullopt;
  if (!x || !y)
    return false;
  std::string r = output(onnxOp.lower());
  node(onnxOp, {*x, *y}, r);
  auto z = activation(r, act);
  if (!z)
    return false;
  define(outIndex(op),
         Val{*z, nchw && shapeOf(*tensor(outIndex(op))).size() == 4});
  return true;
}

bool Converter::convertMean(const tfl::Operator &op) {
  auto xShape = floatShape(in(op, 0), -1, "input");
  if (!xShape)
    return false;
  auto axes = constInts(in(op, 1));
  if (!axes)
    return fail("the axes must be an int32 constant");
  int64_t rank = xShape->size();
  auto *o = op.builtin_options_as_ReducerOptions();
  bool keep = o && o->keep_dims();
  SmallVector<bool, 4> reduced(rank, false);
  for (int64_t axis : *axes) {
    if (axis < -rank || axis >= rank)
      return fail("axis " + Twine(axis) + " is out of range for rank " +
                  Twine(rank));
    reduced[axis < 0 ? axis + rank : axis] = true;
  }
  // An NCHW input keeps NCHW when the result stays 4-D, or when the kept
  // axes come out in TFLite's order (e.g. a global pool to [N, C]).
  bool nchw = isNchw(in(op, 0));
  if (nchw && !keep) {
    SmallVector<int64_t, 4> kept;
    // The TFLite axes of the NCHW tensor, in its order, that survive.
    for (int64_t tfliteAxis : {0, 3, 1, 2})
      if (!reduced[tfliteAxis])
        kept.push_back(tfliteAxis);
    nchw = llvm::is_sorted(kept);
  }
  auto x = input(in(op, 0), nchw);
  if (!x)
    return false;
  SmallVector<int64_t, 4> onnxAxes;
  for (int64_t d = 0; d < rank; ++d)
    if (reduced[d])
      onnxAxes.push_back(nchw ? kNhwcToNchwAxis[d] : d);
  llvm::sort(onnxAxes);
  std::string y = output("mean");
  auto *n = node("ReduceMean", {*x}, y);
  intsAttr(n, "axes", onnxAxes);
  intAttr(n, "keepdims", keep);
  define(outIndex(op), Val{y, nchw && keep && rank == 4});
  return true;
}

bool Converter::convertReshape(const tfl::Operator &op) {
  if (isInt8(in(op, 0))) {
    // An int8 reshape keeps the quantization (TFLite requires it).
    auto xq = quantOf(in(op, 0), "input");
    auto yq = xq ? quantOf(outIndex(op), "output") : std::nullopt;
    if (!xq || !yq)
      return false;
    if (xq->scales != yq->scales || xq->zeroPoints != yq->zeroPoints)
      return fail("the int8 input and output have different quantization "
                  "parameters");
    if (!values[in(op, 0)])
      return fail("the int8 input must be computed by an earlier operator");
  } else if (!floatShape(in(op, 0), -1, "input"))
    return false;
  // The output tensor's shape is the result (TFLite stores it resolved).
  auto outShape = shapeOf(*tensor(outIndex(op)));
  if (numElements(outShape) != numElements(shapeOf(*tensor(in(op, 0)))))
    return fail("the output shape does not hold the input's elements");
  auto x = input(in(op, 0), /*nchw=*/false);
  if (!x)
    return false;
  std::string y = output("reshape");
  node("Reshape",
       {*x, int64Constant(opName + "/shape",
                          {static_cast<int64_t>(outShape.size())}, outShape)},
       y);
  define(outIndex(op), Val{y});
  return true;
}

bool Converter::convertConcat(const tfl::Operator &op) {
  auto *o = op.builtin_options_as_ConcatenationOptions();
  if (!o || !op.inputs() || op.inputs()->size() == 0)
    return fail("ConcatenationOptions or inputs are missing");
  auto outShape = shapeOf(*tensor(outIndex(op)));
  int64_t rank = outShape.size(), axis = o->axis();
  if (axis < -rank || axis >= rank)
    return fail("axis " + Twine(axis) + " is out of range");
  if (axis < 0)
    axis += rank;
  bool nchw = rank == 4;
  for (int32_t i : *op.inputs()) {
    if (!floatShape(i, rank, "input"))
      return false;
    nchw = nchw && isNchw(i);
  }
  std::vector<std::string> ins;
  for (int32_t i : *op.inputs()) {
    auto x = input(i, nchw);
    if (!x)
      return false;
    ins.push_back(*x);
  }
  std::string y = output("concat");
  intAttr(node("Concat", ins, y), "axis", nchw ? kNhwcToNchwAxis[axis] : axis);
  auto r = activation(y, o->fused_activation_function());
  if (!r)
    return false;
  define(outIndex(op), Val{*r, nchw});
  return true;
}

bool Converter::convertPad(const tfl::Operator &op, bool v2) {
  auto xShape = floatShape(in(op, 0), -1, "input");
  if (!xShape)
    return false;
  int64_t rank = xShape->size();
  auto pads = constInts(in(op, 1));
  if (!pads || static_cast<int64_t>(pads->size()) != 2 * rank)
    return fail("the paddings must be an int32 constant of shape [" +
                Twine(rank) + ", 2]");
  float value = 0.0f;
  if (v2 && in(op, 2) >= 0) {
    auto v = constFloats(in(op, 2));
    if (!v || v->size() != 1)
      return fail("the padding value must be a float32 scalar constant");
    value = (*v)[0];
  }
  bool nchw = isNchw(in(op, 0));
  SmallVector<int64_t, 8> onnxPads(2 * rank);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t to = nchw ? kNhwcToNchwAxis[d] : d;
    if ((*pads)[2 * d] < 0 || (*pads)[2 * d + 1] < 0)
      return fail("negative paddings are not supported");
    onnxPads[to] = (*pads)[2 * d];
    onnxPads[rank + to] = (*pads)[2 * d + 1];
  }
  auto x = input(in(op, 0), nchw);
  if (!x)
    return false;
  std::string y = output("pad");
  node("Pad", {*x, int64Constant(opName + "/pads", {2 * rank}, onnxPads),
               scalar(value)},
       y);
  define(outIndex(op), Val{y, nchw});
  return true;
}

bool Converter::convertSoftmax(const tfl::Operator &op) {
  auto xShape = floatShape(in(op, 0), -1, "input");
  if (!xShape)
    return false;
  auto *o = op.builtin_options_as_SoftmaxOptions();
  float beta = o ? o->beta() : 1.0f;
  bool nchw = isNchw(in(op, 0));
  auto x = input(in(op, 0), nchw);
  if (!x)
    return false;
  std::string logits = *x;
  // softmax(beta * x) over the last TFLite axis.
  if (beta != 1.0f) {
    logits = output("beta");
    node("Mul", {*x, scalar(beta)}, logits, "beta");
  }
  std::string y = output("softmax");
  intAttr(node("Softmax", {logits}, y), "axis", nchw ? 1 : -1);
  define(outIndex(op), Val{y, nchw});
  return true;
}

bool Converter::convertUnary(const tfl::Operator &op, int32_t code) {
  if (!floatShape(in(op, 0), -1, "input"))
    return false;
  bool nchw = isNchw(in(op, 0));
  auto x = input(in(op, 0), nchw);
  if (!x)
    return false;
  std::optional<std::string> y;
  switch (code) {
  case kRelu:
    y = activation(*x, tfl::ActivationFunctionType_RELU);
    break;
  case kRelu6:
    y = activation(*x, tfl::ActivationFunctionType_RELU6);
    break;
  case kReluN1To1:
    y = activation(*x, tfl::ActivationFunctionType_RELU_N1_TO_1);
    break;
  case kTanh:
    y = activation(*x, tfl::ActivationFunctionType_TANH);
    break;
  default: {
    StringRef onnxOp = code == kLogistic ? "Sigmoid" : "HardSwish";
    y = output(onnxOp.lower());
    node(onnxOp, {*x}, *y);
  }
  }
  if (!y)
    return false;
  define(outIndex(op), Val{*y, nchw});
  return true;
}

// ---- int8 -------------------------------------------------------------------
//
// TFLite's int8 operators (docs/tflite.md): activations are quantized per
// tensor, weights per tensor or per output channel with zero point 0, biases
// are int32 on the scale in_scale * w_scale. Convolutions accumulate in int32
// (ONNX ConvInteger/MatMulInteger with the input zero point, plus the bias)
// and requantize with TFLite's Q31 arithmetic (bnnc.tflite TfliteRequantize).

bool Converter::convertQuantize(const tfl::Operator &op) {
  int32_t xi = in(op, 0), yi = outIndex(op);
  const tfl::Tensor *xt = tensor(xi);
  if (!xt)
    return fail("the input is missing");
  if (xt->type() != tfl::TensorType_FLOAT32)
    return fail("input '" + tensorName(xi) + "' has type " +
                tfl::EnumNameTensorType(xt->type()) +
                "; QUANTIZE from float32 is supported (int8 to int8 "
                "requantization is not)");
  auto yq = quantOf(yi, "output");
  if (!yq)
    return false;
  if (shapeOf(*tensor(yi)) != shapeOf(*xt))
    return fail("the output shape differs from the input shape");
  bool nchw = isNchw(xi);
  auto x = input(xi, nchw);
  if (!x)
    return false;
  auto dims = shapeOf(*xt);
  if (nchw)
    dims = {dims[0], dims[3], dims[1], dims[2]};
  std::string y = output("quantize");
  tfliteNode("TfliteQuantize",
             {*x, floatConstant(opName + "/scale", {}, yq->scales),
              int8Constant(opName + "/zero_point", {},
                           ArrayRef<int8_t>(int8_t(yq->zeroPoints[0])))},
             y, dims);
  define(yi, Val{y, nchw});
  return true;
}

bool Converter::convertDequantize(const tfl::Operator &op) {
  int32_t xi = in(op, 0), yi = outIndex(op);
  if (!isInt8(xi))
    return fail(tensor(xi) ? "input '" + tensorName(xi) + "' has type " +
                                 tfl::EnumNameTensorType(tensor(xi)->type()) +
                                 "; DEQUANTIZE of int8 is supported"
                           : std::string("the input is missing"));
  if (tensor(yi)->type() != tfl::TensorType_FLOAT32)
    return fail("the output must be float32");
  auto xq = quantOf(xi, "input");
  if (!xq)
    return false;
  if (!values[xi])
    return fail("the int8 input must be computed by an earlier operator");
  // (q - zp) * scale: TFLite multiplies in double, but the product of a
  // float32 scale and an integer below 2^9 is exact in double, so its
  // rounding to float32 equals DequantizeLinear's one float32 multiply.
  bool nchw = isNchw(xi);
  auto x = input(xi, nchw);
  if (!x)
    return false;
  std::string y = output("dequantize");
  node("DequantizeLinear",
       {*x, floatConstant(opName + "/scale", {}, xq->scales),
        int8Constant(opName + "/zero_point", {},
                     ArrayRef<int8_t>(int8_t(xq->zeroPoints[0])))},
       y);
  define(yi, Val{y, nchw});
  return true;
}

bool Converter::convertQuantizedConv(const tfl::Operator &op, bool depthwise) {
  int32_t xi = in(op, 0), wi = in(op, 1), bi = in(op, 2), yi = outIndex(op);
  auto xShape = shapeOf(*tensor(xi));
  if (xShape.size() != 4)
    return fail("the input must be 4-D");
  if (!values[xi])
    return fail("the int8 input must be computed by an earlier operator");
  const tfl::Tensor *w = tensor(wi);
  if (!w)
    return fail("the filter is missing");
  auto wShape = shapeOf(*w);
  if (wShape.size() != 4 || w->type() != tfl::TensorType_INT8 ||
      !constantData(wi))
    return fail("the filter '" + tensorName(wi) +
                "' must be a 4-D int8 constant");
  auto weights = constantAs<int8_t>(wi, numElements(wShape));
  if (!weights)
    return fail("the filter's data does not hold its elements");
  auto xq = quantOf(xi, "input");
  auto yq = xq ? quantOf(yi, "output") : std::nullopt;
  auto wq = yq ? quantOf(wi, "filter", depthwise ? 3 : 0) : std::nullopt;
  if (!wq)
    return false;
  if (llvm::any_of(wq->zeroPoints, [](int64_t z) { return z != 0; }))
    return fail("the filter's zero points must be 0 (TFLite's int8 weights "
                "are symmetric)");
  auto g = convGeometry(op, depthwise, xShape, wShape);
  if (!g)
    return false;
  int64_t outC = g->outC;
  auto yShape = shapeOf(*tensor(yi));
  if (yShape != SmallVector<int64_t>{xShape[0], g->h.out, g->w.out, outC})
    return fail("the output shape does not match the convolution");
  std::vector<int8_t> oihw = tfliteFilterToOihw<int8_t>(*weights, *g);
  std::optional<std::vector<int32_t>> bias;
  if (bi >= 0) {
    const tfl::Tensor *b = tensor(bi);
    if (b->type() == tfl::TensorType_INT32)
      bias = constantAs<int32_t>(bi, outC);
    if (!bias || numElements(shapeOf(*b)) != outC)
      return fail("the bias must be an int32 constant of " + Twine(outC) +
                  " values");
  }
  auto x = input(xi, /*nchw=*/true);
  if (!x)
    return false;
  std::string acc = output("acc");
  auto *n = node("ConvInteger",
                 {*x,
                  int8Constant(opName + "/filter",
                               {outC, g->inPerGroup, g->kh, g->kw}, oihw),
                  int8Constant(opName + "/x_zero_point", {},
                               ArrayRef<int8_t>(int8_t(xq->zeroPoints[0])))},
                 acc);
  convAttributes(n, *g);
  if (bias) {
    std::string sum = output("bias");
    node("Add", {acc, int32Constant(opName + "/bias", {1, outC, 1, 1}, *bias)},
         sum, "bias");
    acc = sum;
  }
  // A per-tensor filter scale is one multiplier for every channel.
  auto y = requantize(acc, {xShape[0], outC, g->h.out, g->w.out}, xq->scales[0],
                      wq->scales, yq->scales[0], yq->zeroPoints[0], /*axis=*/1,
                      g->activation);
  if (!y)
    return false;
  define(yi, Val{*y, /*nchw=*/true});
  return true;
}

bool Converter::convertQuantizedFullyConnected(const tfl::Operator &op) {
  int32_t xi = in(op, 0), wi = in(op, 1), bi = in(op, 2), yi = outIndex(op);
  if (!values[xi])
    return fail("the int8 input must be computed by an earlier operator");
  auto *o = op.builtin_options_as_FullyConnectedOptions();
  int8_t act = o ? o->fused_activation_function() : 0;
  if (o && o->weights_format() != 0)
    return fail("shuffled weights formats are not supported");
  const tfl::Tensor *w = tensor(wi);
  if (!w || shapeOf(*w).size() != 2 || w->type() != tfl::TensorType_INT8 ||
      !constantData(wi))
    return fail("the weights must be a 2-D int8 constant");
  int64_t n = shapeOf(*w)[0], k = shapeOf(*w)[1];
  auto weights = constantAs<int8_t>(wi, n * k);
  if (!weights)
    return fail("the weights' data does not hold their elements");
  auto xq = quantOf(xi, "input");
  auto yq = xq ? quantOf(yi, "output") : std::nullopt;
  auto wq = yq ? quantOf(wi, "weights", 0) : std::nullopt;
  if (!wq)
    return false;
  if (llvm::any_of(wq->zeroPoints, [](int64_t z) { return z != 0; }))
    return fail("the weights' zero points must be 0 (TFLite's int8 weights "
                "are symmetric)");
  int64_t total = numElements(shapeOf(*tensor(xi)));
  if (k == 0 || total % k != 0)
    return fail("the input's " + Twine(total) +
                " elements are no whole number of rows of " + Twine(k));
  int64_t rows = total / k;
  std::optional<std::vector<int32_t>> bias;
  if (bi >= 0) {
    const tfl::Tensor *b = tensor(bi);
    if (b->type() == tfl::TensorType_INT32)
      bias = constantAs<int32_t>(bi, n);
    if (!bias || numElements(shapeOf(*b)) != n)
      return fail("the bias must be an int32 constant of " + Twine(n) +
                  " values");
  }
  auto outShape = shapeOf(*tensor(yi));
  if (numElements(outShape) != rows * n)
    return fail("the output shape does not hold " + Twine(rows) + "x" +
                Twine(n) + " values");
  // Rows in TFLite's (NHWC) element order, times W^T [k, n].
  auto x = input(xi, /*nchw=*/false);
  if (!x)
    return false;
  std::string flat = output("rows");
  node("Reshape", {*x, int64Constant(opName + "/rows_shape", {2}, {-1, k})},
       flat, "rows");
  std::vector<int8_t> wt(k * n);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < k; ++i)
      wt[i * n + r] = (*weights)[r * k + i];
  std::string acc = output("acc");
  node("MatMulInteger",
       {flat, int8Constant(opName + "/weights", {k, n}, wt),
        int8Constant(opName + "/x_zero_point", {},
                     ArrayRef<int8_t>(int8_t(xq->zeroPoints[0])))},
       acc);
  if (bias) {
    std::string sum = output("bias");
    node("Add", {acc, int32Constant(opName + "/bias", {n}, *bias)}, sum,
         "bias");
    acc = sum;
  }
  auto y = requantize(acc, {rows, n}, xq->scales[0], wq->scales, yq->scales[0],
                      yq->zeroPoints[0], /*axis=*/1, act);
  if (!y)
    return false;
  std::string result = *y;
  if (outShape.size() != 2 || outShape[0] != rows || outShape[1] != n) {
    result = output("shape");
    node("Reshape",
         {*y, int64Constant(opName + "/out_shape",
                            {static_cast<int64_t>(outShape.size())}, outShape)},
         result, "shape");
  }
  define(yi, Val{result});
  return true;
}

/// TFLite's int8 ADD of two computed tensors of the same shape: each input
/// is shifted left by 20 bits and rescaled to twice the larger input scale,
/// the sum is rescaled to the output scale. The multipliers are TFLite's:
/// s_a / (2 max), s_b / (2 max), 2 max / (2^20 s_y), in double precision.
bool Converter::convertQuantizedAdd(const tfl::Operator &op) {
  int32_t ai = in(op, 0), bi = in(op, 1), yi = outIndex(op);
  auto aq = quantOf(ai, "first input");
  auto bq = aq ? quantOf(bi, "second input") : std::nullopt;
  auto yq = bq ? quantOf(yi, "output") : std::nullopt;
  if (!yq)
    return false;
  if (!values[ai] || !values[bi])
    return fail("int8 ADD needs two computed inputs (int8 constants are not "
                "supported)");
  auto shape = shapeOf(*tensor(ai));
  if (shape != shapeOf(*tensor(bi)) || shape != shapeOf(*tensor(yi)))
    return fail("int8 ADD with broadcasting is not supported (the inputs and "
                "the output must have the same shape)");
  auto *o = op.builtin_options_as_AddOptions();
  auto range = activationRange(o ? o->fused_activation_function() : 0,
                               yq->scales[0], yq->zeroPoints[0]);
  if (!range)
    return false;
  constexpr int kLeftShift = 20;
  // TFLite: 2 * max(float, float) is a float (exact), the ratios doubles.
  float sa = aq->scales[0], sb = bq->scales[0], sy = yq->scales[0];
  double twiceMax = 2.0 * static_cast<double>(std::max(sa, sb));
  auto [qa, shA] = quantizeMultiplier(static_cast<double>(sa) / twiceMax);
  auto [qb, shB] = quantizeMultiplier(static_cast<double>(sb) / twiceMax);
  auto [qy, shY] = quantizeMultiplier(
      twiceMax / (static_cast<double>(1 << kLeftShift) * sy));
  if (shY > 0)
    return fail("the output scale is below 2^-19 of the input scales, which "
                "TFLite's quantized ADD does not allow");
  // Both operands in the same layout.
  bool nchw = shape.size() == 4 && (isNchw(ai) || isNchw(bi));
  auto a = input(ai, nchw);
  auto b = a ? input(bi, nchw) : std::nullopt;
  if (!b)
    return false;
  SmallVector<int64_t> dims(shape);
  if (nchw)
    dims = {shape[0], shape[3], shape[1], shape[2]};
  std::string y = output("add");
  auto *n = tfliteNode("TfliteAdd", {*a, *b}, y, dims);
  intAttr(n, "a_zero_point", aq->zeroPoints[0]);
  intAttr(n, "b_zero_point", bq->zeroPoints[0]);
  intAttr(n, "a_multiplier", qa);
  intAttr(n, "a_shift", shA);
  intAttr(n, "b_multiplier", qb);
  intAttr(n, "b_shift", shB);
  intAttr(n, "multiplier", qy);
  intAttr(n, "shift", shY);
  intAttr(n, "zero_point", yq->zeroPoints[0]);
  intAttr(n, "min", range->first);
  intAttr(n, "max", range->second);
  define(yi, Val{y, nchw});
  return true;
}

/// int8 MAX_POOL_2D and AVERAGE_POOL_2D, whose input and output share their
/// quantization (TFLite requires it): the pool of the integers themselves.
/// They are exact as float32 (|q| <= 128), so the pool runs on them as
/// floats: a max is exact, and an average's float32 sum is exact and its
/// one division is within 2^-17 of the exact quotient, never across a
/// half-integer that it is not exactly on (quotients of integers by a count
/// n are at least 1/(2n) from one otherwise). The result is clamped to the
/// activation range and rounded half away from zero (TFLite's rounding
/// division) by a TfliteQuantize with scale 1.
bool Converter::convertQuantizedPool(const tfl::Operator &op, bool max) {
  int32_t xi = in(op, 0), yi = outIndex(op);
  auto xShape = shapeOf(*tensor(xi));
  if (xShape.size() != 4)
    return fail("the input must be 4-D");
  if (!values[xi])
    return fail("the int8 input must be computed by an earlier operator");
  auto xq = quantOf(xi, "input");
  auto yq = xq ? quantOf(yi, "output") : std::nullopt;
  if (!yq)
    return false;
  if (xq->scales != yq->scales || xq->zeroPoints != yq->zeroPoints)
    return fail("the int8 input and output have different quantization "
                "parameters (TFLite requires them equal)");
  auto *o = op.builtin_options_as_Pool2DOptions();
  if (!o)
    return fail("Pool2DOptions are missing");
  Axis ah{xShape[1], o->filter_height(), o->stride_h(), 1},
      aw{xShape[2], o->filter_width(), o->stride_w(), 1};
  if (!resolveAxis(ah, o->padding() == tfl::Padding_SAME) ||
      !resolveAxis(aw, o->padding() == tfl::Padding_SAME))
    return fail("invalid pooling window");
  if (!max && ah.kernel * aw.kernel >= (int64_t(1) << 16))
    return fail("int8 average pools of 2^16 taps or more are not supported");
  auto range = activationRange(o->fused_activation_function(), yq->scales[0],
                               yq->zeroPoints[0]);
  if (!range)
    return false;
  auto x = input(xi, /*nchw=*/true);
  if (!x)
    return false;
  std::string real = output("float");
  intAttr(node("Cast", {*x}, real, "float"), "to", ::onnx::TensorProto::FLOAT);
  std::string pooled = output(max ? "maxpool" : "avgpool");
  auto *n = node(max ? "MaxPool" : "AveragePool", {real}, pooled);
  intsAttr(n, "kernel_shape", {ah.kernel, aw.kernel});
  intsAttr(n, "strides", {ah.stride, aw.stride});
  intsAttr(n, "pads", {ah.padBegin, aw.padBegin, ah.padEnd, aw.padEnd});
  if (!max)
    intAttr(n, "count_include_pad", 0);
  if (range->first > -128 || range->second < 127) {
    std::string clipped = output("clip");
    node("Clip",
         {pooled, scalar(static_cast<float>(range->first)),
          scalar(static_cast<float>(range->second))},
         clipped, "clip");
    pooled = clipped;
  }
  std::string y = output("round");
  tfliteNode("TfliteQuantize",
             {pooled, scalar(1.0f),
              int8Constant(opName + "/zero_point", {}, ArrayRef<int8_t>(0))},
             y, {xShape[0], xShape[3], ah.out, aw.out}, "round");
  define(yi, Val{y, /*nchw=*/true});
  return true;
}

// ---- LCE --------------------------------------------------------------------

bool Converter::convertLceQuantize(const tfl::Operator &op) {
  auto xShape = floatShape(in(op, 0), -1, "input");
  if (!xShape || xShape->empty())
    return xShape ? fail("the input must have at least one axis") : false;
  const tfl::Tensor *outT = tensor(outIndex(op));
  int64_t channels = xShape->back();
  auto outShape = shapeOf(*outT);
  if (outT->type() != tfl::TensorType_INT32 ||
      outShape.size() != xShape->size() ||
      outShape.back() != (channels + 31) / 32)
    return fail("the output must be int32 words of 32 channels each");
  if (values[in(op, 0)] && values[in(op, 0)]->packedChannels >= 0)
    return fail("the input is already bit-packed");
  bool nchw = isNchw(in(op, 0));
  auto x = input(in(op, 0), nchw);
  if (!x)
    return false;
  // LCE packs x < 0 as bit 1 (-1), everything else (0 and NaN included) as
  // bit 0 (+1): b(x) = Where(x < 0, -1, 1), which bnnc packs exactly.
  define(outIndex(op), Val{binarize(*x, ""), nchw, channels, *x});
  return true;
}

bool Converter::convertLceDequantize(const tfl::Operator &op) {
  int32_t x = in(op, 0);
  if (x < 0 || !values[x] || values[x]->packedChannels < 0)
    return fail("the input must be a bit-packed tensor computed by an LCE "
                "operator");
  const tfl::Tensor *outT = tensor(outIndex(op));
  if (outT->type() != tfl::TensorType_FLOAT32)
    return fail(Twine("output type ") +
                tfl::EnumNameTensorType(outT->type()) +
                " is not supported (float32 is)");
  if (shapeOf(*outT).empty() ||
      shapeOf(*outT).back() != values[x]->packedChannels)
    return fail("the output's last axis does not hold the " +
                Twine(values[x]->packedChannels) + " packed channels");
  // The +-1 values are already the dequantized tensor.
  define(outIndex(op), Val{values[x]->name, values[x]->nchw});
  return true;
}

/// Reads an integer field of LCE's flexbuffer options.
static std::optional<int64_t> flexInt(const flexbuffers::Map &m,
                                      const char *key) {
  flexbuffers::Reference r = m[key];
  if (r.IsNull() || !r.IsNumeric())
    return std::nullopt;
  return r.AsInt64();
}

std::optional<flexbuffers::Map>
Converter::customOptions(const tfl::Operator &op) {
  if (!op.custom_options() || op.custom_options()->size() == 0) {
    fail("the custom options are missing");
    return std::nullopt;
  }
  // The flatbuffers verifier checked the byte vector, not the flexbuffer
  // inside: every offset in it is checked before a field is read.
  const uint8_t *data = op.custom_options()->data();
  size_t size = op.custom_options()->size();
  if (!flexbuffers::VerifyBuffer(data, size) ||
      !flexbuffers::GetRoot(data, size).IsMap()) {
    fail("the custom options are not a valid flexbuffer map");
    return std::nullopt;
  }
  return flexbuffers::GetRoot(data, size).AsMap();
}

bool Converter::convertLceBMaxPool(const tfl::Operator &op) {
  int32_t xi = in(op, 0);
  if (xi < 0 || !values[xi] || values[xi]->packedChannels < 0)
    return fail("the input must be a bit-packed tensor");
  auto xShape = shapeOf(*tensor(xi));
  if (xShape.size() != 4)
    return fail("the input must be 4-D");
  auto options = customOptions(op);
  if (!options)
    return false;
  const flexbuffers::Map &m = *options;
  auto padding = flexInt(m, "padding"), sh = flexInt(m, "stride_height"),
       sw = flexInt(m, "stride_width"), fh = flexInt(m, "filter_height"),
       fw = flexInt(m, "filter_width");
  if (!padding || !sh || !sw || !fh || !fw)
    return fail("the options need padding, stride_height, stride_width, "
                "filter_height and filter_width");
  Axis ah{xShape[1], *fh, *sh, 1}, aw{xShape[2], *fw, *sw, 1};
  if (!resolveAxis(ah, *padding == tfl::Padding_SAME) ||
      !resolveAxis(aw, *padding == tfl::Padding_SAME))
    return fail("invalid pooling window");
  int64_t channels = values[xi]->packedChannels;
  auto x = input(xi, /*nchw=*/true);
  if (!x)
    return false;
  // The AND of the window's bits is the max of the +-1 values they encode,
  // and b(max r) = max b(r): pool the real tensor behind the bits when it is
  // known, then binarize. Padded taps are ignored, as ONNX MaxPool ignores
  // them. Otherwise the +-1 values are pooled (and binarized again, which
  // keeps them).
  const Val &in = *values[xi];
  bool fromDots = in.nchw && !in.dots.empty();
  const std::string &real = fromDots                              ? in.dots
                            : in.nchw && !in.preSign.empty() ? in.preSign
                                                             : *x;
  std::string pooled = output("pool");
  auto *n = node("MaxPool", {real}, pooled, "pool");
  intsAttr(n, "kernel_shape", {ah.kernel, aw.kernel});
  intsAttr(n, "strides", {ah.stride, aw.stride});
  intsAttr(n, "pads", {ah.padBegin, aw.padBegin, ah.padEnd, aw.padEnd});
  if (fromDots) {
    // max(d) - t = max(d - t): fl(d - t) is monotone in d.
    std::string centered = output("centered");
    node("Sub", {pooled, in.threshold}, centered, "threshold");
    pooled = centered;
  }
  define(outIndex(op),
         Val{binarize(pooled, ""), /*nchw=*/true, channels, pooled});
  return true;
}

bool Converter::convertLceBconv(const tfl::Operator &op) {
  int32_t xi = in(op, 0);
  if (xi < 0 || !values[xi] || values[xi]->packedChannels < 0)
    return fail("the input must be a bit-packed tensor (LceQuantize or a "
                "binary layer's packed output)");
  auto xShape = shapeOf(*tensor(xi));
  if (xShape.size() != 4)
    return fail("the input must be 4-D");
  auto options = customOptions(op);
  if (!options)
    return false;
  const flexbuffers::Map &m = *options;
  auto channelsIn = flexInt(m, "channels_in"), sh = flexInt(m, "stride_height"),
       sw = flexInt(m, "stride_width"), dh = flexInt(m, "dilation_height_factor"),
       dw = flexInt(m, "dilation_width_factor"), padding = flexInt(m, "padding"),
       padValues = flexInt(m, "pad_values"),
       act = flexInt(m, "fused_activation_function");
  if (!channelsIn || !sh || !sw || !dh || !dw || !padding || !padValues || !act)
    return fail("the options need channels_in, stride_height, stride_width, "
                "dilation_height_factor, dilation_width_factor, padding, "
                "pad_values and fused_activation_function");
  if (*padValues != 0 && *padValues != 1)
    return fail("pad_values is " + Twine(*padValues) + "; LCE defines 0 and 1");
  int64_t c = values[xi]->packedChannels;
  if (*channelsIn != c)
    return fail("channels_in is " + Twine(*channelsIn) + " but the input "
                "packs " + Twine(c) + " channels");
  if (c < 1)
    return fail("the input has no channels");
  // Filter: int32 words [O, kh, kw, words per group], bit 1 = -1.
  int32_t wi = in(op, 1);
  const tfl::Tensor *w = tensor(wi);
  if (!w || w->type() != tfl::TensorType_INT32 || shapeOf(*w).size() != 4)
    return fail("the filter must be a bit-packed int32 constant "
                "[out, kh, kw, words]");
  auto wShape = shapeOf(*w);
  auto words = constantAs<uint32_t>(wi, numElements(wShape));
  if (!words)
    return fail("the filter must be a constant");
  int64_t outC = wShape[0], kh = wShape[1], kw = wShape[2];
  int64_t packedIn = (c + 31) / 32, group = 1, cg = c;
  if (wShape[3] != packedIn) {
    // Grouped: each group's channels are whole words (LCE's rule).
    if (wShape[3] == 0 || packedIn % wShape[3] != 0)
      return fail("the filter's " + Twine(wShape[3]) +
                  " words per pixel do not divide the input's " +
                  Twine(packedIn));
    group = packedIn / wShape[3];
    cg = c / group;
    if (c % group != 0 || cg % 32 != 0 || outC % group != 0)
      return fail("grouped binary convolutions need 32-channel-aligned "
                  "groups");
  }
  int64_t wordsPerGroup = (cg + 31) / 32;
  std::vector<float> oihw(outC * cg * kh * kw);
  for (int64_t o = 0; o < outC; ++o)
    for (int64_t y = 0; y < kh; ++y)
      for (int64_t x = 0; x < kw; ++x)
        for (int64_t i = 0; i < cg; ++i) {
          uint32_t word = (*words)[((o * kh + y) * kw + x) * wordsPerGroup +
                                   i / 32];
          oihw[((o * cg + i) * kh + y) * kw + x] =
              (word >> (i % 32)) & 1u ? -1.0f : 1.0f;
        }
  Axis ah{xShape[1], kh, *sh, *dh}, aw{xShape[2], kw, *sw, *dw};
  bool same = *padding == tfl::Padding_SAME;
  if (!resolveAxis(ah, same) || !resolveAxis(aw, same))
    return fail("invalid window: strides and dilations must be positive and "
                "the filter must fit the input");
  bool padded = ah.padBegin || ah.padEnd || aw.padBegin || aw.padEnd;
  const tfl::Tensor *outT = tensor(outIndex(op));
  bool bitsOut = outT->type() == tfl::TensorType_INT32;
  if (!bitsOut && outT->type() != tfl::TensorType_FLOAT32)
    return fail(Twine("output type ") + tfl::EnumNameTensorType(outT->type()) +
                " is not supported (float32 and bit-packed int32 are)");
  // Zero padding adds channels_in / 2 to LCE's popcount per padded tap, a
  // padded tap contributing 0 only for an even channel count; LCE's
  // optimized kernels accept it only with float output and no activation.
  if (padded && *padValues == 0 && (cg % 2) != 0 &&
      (bitsOut || *act != tfl::ActivationFunctionType_NONE))
    return fail("zero padding (pad_values = 0) with an odd channel count is "
                "defined only for float output without activation");
  auto x = input(xi, /*nchw=*/true);
  if (!x)
    return false;
  std::string conv = output("bconv");
  std::string convIn = *x;
  SmallVector<int64_t, 4> convPads = {ah.padBegin, aw.padBegin, ah.padEnd,
                                      aw.padEnd};
  if (padded && *padValues == 1) {
    // One-padding: padded taps are +1 inputs, which the binarize pass turns
    // into the binary kernel's pad_value = +1.
    convIn = output("one_pad");
    node("Pad",
         {*x, int64Constant(opName + "/one_pads", {8},
                            {0, 0, ah.padBegin, aw.padBegin, 0, 0, ah.padEnd,
                             aw.padEnd}),
          scalar(1.0f)},
         convIn, "one_pad");
    convPads = {0, 0, 0, 0};
  }
  auto *n =
      node("Conv",
           {convIn, floatConstant(opName + "/filter", {outC, cg, kh, kw}, oihw)},
           conv);
  intsAttr(n, "kernel_shape", {kh, kw});
  intsAttr(n, "strides", {*sh, *sw});
  intsAttr(n, "dilations", {*dh, *dw});
  intsAttr(n, "pads", convPads);
  intAttr(n, "group", group);

  int64_t k = kh * kw * cg;
  if (bitsOut) {
    // LCE writes bit 1 (-1) where popcount(x XOR w) > threshold. With the
    // +-1 dot product d = K - 2 popcount this is d < K - 2 threshold: the
    // sign of d - (K - 2 t), thresholds clamped to [-K - 1, K + 1] so that
    // the float constant is exact (|d| <= K).
    auto thresholds = constInts(in(op, 4));
    if (in(op, 4) < 0 || !thresholds ||
        thresholds->size() != static_cast<size_t>(outC))
      return fail("bit-packed output needs an int32 constant output_threshold "
                  "of " + Twine(outC) + " values");
    if (shapeOf(*outT).size() != 4 || shapeOf(*outT)[3] != (outC + 31) / 32)
      return fail("the packed output shape does not match " + Twine(outC) +
                  " channels");
    std::vector<float> shift(outC);
    for (int64_t o = 0; o < outC; ++o)
      shift[o] = static_cast<float>(std::clamp<int64_t>(
          k - 2 * (*thresholds)[o], -k - 1, k + 1));
    std::string threshold =
        floatConstant(opName + "/threshold", {1, outC, 1, 1}, shift);
    std::string centered = output("centered");
    node("Sub", {conv, threshold}, centered, "threshold");
    define(outIndex(op), Val{binarize(centered, "signs"), /*nchw=*/true, outC,
                             centered, conv, threshold});
    return true;
  }
  // Float output: act(d) * multiplier + bias, the activation clamping the
  // integer dot product first (LCE's order).
  auto mul = constFloats(in(op, 2));
  auto bias = constFloats(in(op, 3));
  if (!mul || !bias || mul->size() != static_cast<size_t>(outC) ||
      bias->size() != static_cast<size_t>(outC))
    return fail("float output needs float32 constants "
                "post_activation_multiplier and post_activation_bias of " +
                Twine(outC) + " values");
  auto activated = activation(conv, static_cast<int8_t>(*act));
  if (!activated)
    return false;
  std::string scaled = output("multiplier");
  node("Mul",
       {*activated,
        floatConstant(opName + "/multiplier", {1, outC, 1, 1}, *mul)},
       scaled, "multiplier");
  std::string y = output("bias");
  node("Add", {scaled, floatConstant(opName + "/bias", {1, outC, 1, 1}, *bias)},
       y, "bias");
  define(outIndex(op), Val{y, /*nchw=*/true});
  return true;
}

} // namespace

std::optional<std::string> convertTfliteToOnnx(StringRef bytes,
                                               int64_t maxNodes,
                                               ::onnx::ModelProto &model) {
  if (!isTfliteModel(bytes))
    return std::string("not a TFLite file (no TFL3 identifier)");
  // Every offset, vector and string is checked before the first access.
  flatbuffers::Verifier verifier(
      reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(),
      /*max_depth=*/64, /*max_tables=*/10'000'000);
  if (!tfl::VerifyModelBuffer(verifier))
    return std::string("invalid TFLite file: the flatbuffer verifier rejects "
                       "it (truncated or corrupted)");
  const tfl::Model *root = tfl::GetModel(bytes.data());
  if (!root)
    return std::string("invalid TFLite file: no model table");
  if (root->version() != 3)
    return "TFLite schema version " + std::to_string(root->version()) +
           " is not supported (version 3 is)";
  return Converter(*root, maxNodes, model).run();
}

} // namespace bnnc
