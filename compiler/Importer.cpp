//===- Importer.cpp - ONNX file -> onnx dialect ---------------------------===//
//
// The only translation unit that sees libonnx and protobuf. It is compiled
// with exceptions because onnx::checker and shape inference throw; every
// exception is caught here and turned into a diagnostic.
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer.h"
#include "compiler/SupportedOps.h"
#include "compiler/TfliteImporter.h"

#include "dialects/bnn/BnnDialect.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cctype>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

using namespace mlir;

namespace bnnc {
namespace {

/// Largest tensor the importer accepts, in bytes. Far beyond any target (the
/// driver limits the arena and the weights to 2 GiB by default), and small
/// enough that element counts, byte sizes and arena offsets computed from
/// imported shapes never overflow int64_t.
constexpr int64_t kMaxTensorBytes = int64_t(1) << 40;

/// Element count of `dims` if every dimension is non-negative and the
/// tensor has at most kMaxTensorBytes at `elementBytes` per element.
std::optional<int64_t> boundedElementCount(ArrayRef<int64_t> dims,
                                           int64_t elementBytes) {
  int64_t count = 1;
  bool empty = false;
  for (int64_t d : dims) {
    if (d < 0)
      return std::nullopt;
    empty |= d == 0;
    // Dimensions after a zero still have to be in range on their own.
    if (d > kMaxTensorBytes / elementBytes)
      return std::nullopt;
    if (!empty && count > kMaxTensorBytes / elementBytes / d)
      return std::nullopt;
    count = empty ? 0 : count * d;
  }
  return count;
}

std::string shapeString(ArrayRef<int64_t> dims) {
  std::string text;
  for (auto [i, d] : llvm::enumerate(dims))
    text += (i ? "x" : "") + std::to_string(d);
  return dims.empty() ? "scalar" : text;
}

/// libonnx's shape inference functions trust properties that neither
/// onnx::checker nor they themselves check. Three fuzzer findings
/// (test/fuzz/regressions/): Conv inference dereferences a null pointer when
/// X and W differ in rank; Gemm-6 inference reads a second dimension of a
/// 1-D B (another null dereference); Expand with a shape input of 2^32
/// elements builds a 2^32-dimensional shape (tens of GB). This registry
/// hands out copies of the affected schemas whose inference checks those
/// properties first and fails the way ONNX's own checks fail (an
/// InferenceError), so the node is reported instead of crashing or exhausting
/// the compiler.
class GuardedSchemaRegistry : public ::onnx::ISchemaRegistry {
public:
  /// More dimensions than any tensor bnnc handles (the C contract has 8).
  static constexpr int64_t kMaxRank = 64;

  const ::onnx::OpSchema *GetSchema(const std::string &key,
                                    const int maxInclusiveVersion,
                                    const std::string &domain) const override {
    const ::onnx::OpSchema *schema =
        ::onnx::OpSchemaRegistry::Schema(key, maxInclusiveVersion, domain);
    Guard guard = guardOf(key, domain);
    if (!schema || (!guard.equalRank && guard.shapeInputs.empty() &&
                    guard.matrixInputs.empty()))
      return schema;
    std::lock_guard<std::mutex> lock(mutex);
    std::unique_ptr<::onnx::OpSchema> &guarded = schemas[schema];
    if (!guarded) {
      guarded = std::make_unique<::onnx::OpSchema>(*schema);
      auto inner = schema->GetTypeAndShapeInferenceFunction();
      guarded->TypeAndShapeInferenceFunction(
          [inner, guard](::onnx::InferenceContext &ctx) {
            auto shapeOf = [&](size_t i) -> const ::onnx::TensorShapeProto * {
              const ::onnx::TypeProto *t =
                  i < ctx.getNumInputs() ? ctx.getInputType(i) : nullptr;
              return t && t->has_tensor_type() && t->tensor_type().has_shape()
                         ? &t->tensor_type().shape()
                         : nullptr;
            };
            if (guard.equalRank) {
              auto [a, b] = *guard.equalRank;
              const auto *sa = shapeOf(a), *sb = shapeOf(b);
              if (sa && sb && sa->dim_size() != sb->dim_size())
                throw ::onnx::InferenceError(::onnx::MakeString(
                    "[ShapeInferenceError] input ", a, " has rank ",
                    sa->dim_size(), " but input ", b, " has rank ",
                    sb->dim_size()));
            }
            for (size_t i : guard.matrixInputs) {
              const auto *shape = shapeOf(i);
              if (shape && shape->dim_size() != 2)
                throw ::onnx::InferenceError(::onnx::MakeString(
                    "[ShapeInferenceError] input ", i, " has rank ",
                    shape->dim_size(), " (must be 2)"));
            }
            for (size_t i : guard.shapeInputs) {
              const auto *shape = shapeOf(i);
              if (shape && shape->dim_size() == 1 &&
                  shape->dim(0).has_dim_value() &&
                  shape->dim(0).dim_value() > kMaxRank)
                throw ::onnx::InferenceError(::onnx::MakeString(
                    "[ShapeInferenceError] input ", i, " is a shape of ",
                    shape->dim(0).dim_value(), " dimensions (at most ",
                    kMaxRank, " are supported)"));
            }
            if (inner)
              inner(ctx);
          });
    }
    return guarded.get();
  }

private:
  struct Guard {
    /// Inputs that must have equal ranks.
    std::optional<std::pair<size_t, size_t>> equalRank;
    /// 1-D inputs whose length is the rank of the result.
    std::vector<size_t> shapeInputs;
    /// Inputs that must be matrices (Gemm's inference before opset 7 reads
    /// dimension 1 of a 1-D B: a null dereference in libonnx 1.12).
    std::vector<size_t> matrixInputs;
  };

  static Guard guardOf(const std::string &op, const std::string &domain) {
    Guard g;
    if (!domain.empty() && domain != "ai.onnx")
      return g;
    if (op == "Conv" || op == "ConvTranspose" || op == "ConvInteger")
      g.equalRank = {0, 1};
    else if (op == "QLinearConv")
      g.equalRank = {0, 3};
    else if (op == "Expand" || op == "Reshape" || op == "Unsqueeze")
      g.shapeInputs = {1};
    else if (op == "ConstantOfShape")
      g.shapeInputs = {0};
    else if (op == "Gemm")
      g.matrixInputs = {0, 1};
    return g;
  }

  mutable std::mutex mutex;
  mutable std::map<const ::onnx::OpSchema *, std::unique_ptr<::onnx::OpSchema>>
      schemas;
};

const GuardedSchemaRegistry &guardedSchemas() {
  static const GuardedSchemaRegistry registry;
  return registry;
}

/// "--flag=N" if the limit was given, else "the default limit of N<unit>
/// (--flag sets another)", for messages that end "more than <limit>".
std::string limitText(StringRef flag, int64_t limit, bool given,
                      StringRef unit = "") {
  if (given)
    return (flag + "=" + Twine(limit)).str();
  return ("the default limit of " + Twine(limit) + unit + " (" + flag +
          " sets another)")
      .str();
}

/// Counts the nodes of a serialized ModelProto (the main graph, every
/// subgraph, the training graphs and the function bodies) and follows the
/// nesting of subgraphs on the protobuf wire format, before anything is
/// parsed: protobuf allocates around a hundred bytes for each empty
/// two-byte NodeProto, so a count after parsing comes too late (a 100 MB
/// file of empty nodes ran out of memory at 5.5 GB). Only the fields that lead
/// to nodes are followed; everything else is skipped by its length.
/// Malformed input stops the scan and is left to protobuf to report.
class WireScanner {
public:
  enum class Result { Fine, TooManyNodes, TooDeep };

  WireScanner(int64_t maxNodes, int64_t maxDepth)
      : maxNodes(maxNodes), maxDepth(maxDepth) {}

  Result scan(StringRef bytes) {
    result = Result::Fine;
    (void)message(bytes, Kind::Model, /*depth=*/0, /*nesting=*/0);
    return result;
  }

private:
  enum class Kind {
    Model,
    TrainingInfo,
    Function,
    Graph,
    Node,
    Attribute,
    Other
  };
  /// Protobuf's default recursion limit: deeper input fails its parse.
  static constexpr int kMaxMessageNesting = 100;

  int64_t maxNodes, maxDepth, nodes = 0;
  Result result = Result::Fine;

  /// The message type of field `field` of a `parent` (onnx.proto), where
  /// it leads to nodes.
  static Kind child(Kind parent, uint64_t field) {
    switch (parent) {
    case Kind::Model: // graph = 7, training_info = 20, functions = 25
      return field == 7    ? Kind::Graph
             : field == 20 ? Kind::TrainingInfo
             : field == 25 ? Kind::Function
                           : Kind::Other;
    case Kind::TrainingInfo: // initialization = 1, algorithm = 2
      return field == 1 || field == 2 ? Kind::Graph : Kind::Other;
    case Kind::Function: // node = 7
      return field == 7 ? Kind::Node : Kind::Other;
    case Kind::Graph: // node = 1
      return field == 1 ? Kind::Node : Kind::Other;
    case Kind::Node: // attribute = 5
      return field == 5 ? Kind::Attribute : Kind::Other;
    case Kind::Attribute: // g = 6, graphs = 11
      return field == 6 || field == 11 ? Kind::Graph : Kind::Other;
    case Kind::Other:
      break;
    }
    return Kind::Other;
  }

  static bool varint(StringRef &in, uint64_t &value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in.empty())
        return false;
      auto byte = static_cast<uint8_t>(in.front());
      in = in.drop_front();
      value |= uint64_t(byte & 0x7f) << shift;
      if (!(byte & 0x80))
        return true;
    }
    return false;
  }

  /// False stops the scan: a limit was reached or the input is malformed.
  bool message(StringRef in, Kind kind, int64_t depth, int nesting) {
    if (kind == Kind::Graph && depth > maxDepth) {
      result = Result::TooDeep;
      return false;
    }
    if (nesting > kMaxMessageNesting)
      return false;
    int64_t groups = 0; // open unknown groups, whose contents are skipped
    while (!in.empty()) {
      uint64_t tag, value;
      if (!varint(in, tag))
        return false;
      switch (tag & 7) {
      case 0:
        if (!varint(in, value))
          return false;
        break;
      case 1:
      case 5: {
        size_t width = (tag & 7) == 1 ? 8 : 4;
        if (in.size() < width)
          return false;
        in = in.drop_front(width);
        break;
      }
      case 2: {
        if (!varint(in, value) || value > in.size())
          return false;
        StringRef payload = in.take_front(value);
        in = in.drop_front(value);
        Kind sub = groups ? Kind::Other : child(kind, tag >> 3);
        if (sub == Kind::Other)
          break;
        if (sub == Kind::Node && ++nodes > maxNodes) {
          result = Result::TooManyNodes;
          return false;
        }
        if (!message(payload, sub, kind == Kind::Attribute ? depth + 1 : depth,
                     nesting + 1))
          return false;
        break;
      }
      case 3:
        ++groups;
        break;
      case 4:
        if (groups == 0)
          return false;
        --groups;
        break;
      default:
        return false;
      }
    }
    return groups == 0;
  }
};

/// The static result shapes that ONNX 1.12's shape inference leaves open
/// (OnnxImporter::completeShapes).
class ShapeCompletion {
public:
  explicit ShapeCompletion(::onnx::ModelProto &model)
      : graph(model.mutable_graph()) {
    for (auto *list : {graph->mutable_input(), graph->mutable_value_info(),
                       graph->mutable_output()})
      for (auto &v : *list)
        types[v.name()] = v.mutable_type();
    for (const auto &init : graph->initializer())
      initializerDims[init.name()] =
          std::vector<int64_t>(init.dims().begin(), init.dims().end());
  }

  /// True if a shape was written.
  bool run() {
    bool changed = false;
    for (const auto &node : graph->node()) {
      if (node.output_size() != 1 || node.output(0).empty() ||
          staticShape(node.output(0)))
        continue;
      std::optional<std::vector<int64_t>> dims =
          node.op_type() == "OneHot"   ? oneHotShape(node)
          : node.op_type() == "Einsum" ? einsumShape(node)
                                       : std::nullopt;
      if (!dims)
        continue;
      setShape(node, *dims);
      changed = true;
    }
    return changed;
  }

private:
  std::optional<std::vector<int64_t>> staticShape(const std::string &name) {
    if (auto it = initializerDims.find(name); it != initializerDims.end())
      return it->second;
    auto it = types.find(name);
    if (it == types.end() || !it->second->tensor_type().has_shape())
      return std::nullopt;
    std::vector<int64_t> dims;
    for (const auto &d : it->second->tensor_type().shape().dim()) {
      if (!d.has_dim_value())
        return std::nullopt;
      dims.push_back(d.dim_value());
    }
    return dims;
  }

  /// The one value of a scalar integer or float tensor, truncated.
  static std::optional<int64_t> scalarOf(const ::onnx::TensorProto &init) {
    int64_t count = 1;
    for (int64_t d : init.dims())
      count *= d;
    if (count != 1)
      return std::nullopt;
    const std::string &raw = init.raw_data();
    switch (init.data_type()) {
    case ::onnx::TensorProto::INT64: {
      int64_t v;
      if (raw.size() == sizeof v)
        return std::memcpy(&v, raw.data(), sizeof v), v;
      return init.int64_data_size() ? std::optional(init.int64_data(0))
                                    : std::nullopt;
    }
    case ::onnx::TensorProto::INT32: {
      int32_t v;
      if (raw.size() == sizeof v)
        return std::memcpy(&v, raw.data(), sizeof v), int64_t(v);
      return init.int32_data_size()
                 ? std::optional<int64_t>(init.int32_data(0))
                 : std::nullopt;
    }
    case ::onnx::TensorProto::FLOAT: {
      float v;
      if (raw.size() == sizeof v)
        std::memcpy(&v, raw.data(), sizeof v);
      else if (init.float_data_size())
        v = init.float_data(0);
      else
        return std::nullopt;
      if (!(v >= 1.0f && v < 1e9f))
        return std::nullopt;
      return static_cast<int64_t>(v);
    }
    default:
      return std::nullopt;
    }
  }

  /// ... of an initializer or a Constant node's `value`/`value_int`.
  std::optional<int64_t> scalarInitializer(const std::string &name) {
    for (const auto &init : graph->initializer())
      if (init.name() == name)
        return scalarOf(init);
    for (const auto &node : graph->node()) {
      if (node.op_type() != "Constant" || node.output_size() != 1 ||
          node.output(0) != name || node.attribute_size() != 1)
        continue;
      const auto &a = node.attribute(0);
      if (a.name() == "value")
        return scalarOf(a.t());
      if (a.name() == "value_int")
        return a.i();
      return std::nullopt;
    }
    return std::nullopt;
  }

  /// Indices' shape with the depth inserted at `axis`.
  std::optional<std::vector<int64_t>>
  oneHotShape(const ::onnx::NodeProto &node) {
    if (node.input_size() != 3)
      return std::nullopt;
    auto indices = staticShape(node.input(0));
    auto depth = scalarInitializer(node.input(1));
    int64_t axis = -1;
    for (const auto &a : node.attribute())
      if (a.name() == "axis")
        axis = a.i();
    int64_t rank = indices ? static_cast<int64_t>(indices->size()) + 1 : 0;
    if (!indices || !depth || axis < -rank || axis >= rank)
      return std::nullopt;
    std::vector<int64_t> dims = *indices;
    dims.insert(dims.begin() + (axis < 0 ? axis + rank : axis), *depth);
    return dims;
  }

  /// The sizes of the output letters (explicit "->", or the letters that
  /// occur once, in order).
  std::optional<std::vector<int64_t>>
  einsumShape(const ::onnx::NodeProto &node) {
    std::string equation;
    for (const auto &a : node.attribute())
      if (a.name() == "equation")
        for (char c : a.s())
          if (c != ' ')
            equation.push_back(c);
    StringRef eq(equation);
    auto [lhs, rhs] = eq.split("->");
    SmallVector<StringRef> terms;
    lhs.split(terms, ',');
    if (terms.size() != static_cast<size_t>(node.input_size()))
      return std::nullopt;
    std::map<char, int64_t> sizes;
    std::map<char, int> counts;
    for (auto [term, input] : llvm::zip(terms, node.input())) {
      auto shape = staticShape(input);
      if (!shape || shape->size() != term.size())
        return std::nullopt;
      for (auto [i, c] : llvm::enumerate(term)) {
        if (!llvm::isAlpha(c))
          return std::nullopt;
        sizes[c] = (*shape)[i];
        ++counts[c];
      }
    }
    std::string out;
    if (eq.contains("->")) {
      out = rhs.str();
    } else {
      for (auto [c, n] : counts)
        if (n == 1)
          out.push_back(c);
    }
    if (!llvm::all_of(out, [&](char c) { return sizes.count(c) != 0; }))
      return std::nullopt;
    std::vector<int64_t> dims;
    for (char c : out)
      dims.push_back(sizes[c]);
    return dims;
  }

  void setShape(const ::onnx::NodeProto &node, ArrayRef<int64_t> dims) {
    ::onnx::TypeProto *type;
    if (auto it = types.find(node.output(0)); it != types.end()) {
      type = it->second;
    } else {
      auto *info = graph->add_value_info();
      info->set_name(node.output(0));
      type = info->mutable_type();
      types[node.output(0)] = type;
    }
    auto *tensor = type->mutable_tensor_type();
    if (!tensor->has_elem_type()) {
      // Einsum's result has its inputs' type, OneHot's its values' type.
      const std::string &from =
          node.op_type() == "OneHot" ? node.input(2) : node.input(0);
      if (auto it = types.find(from); it != types.end())
        tensor->set_elem_type(it->second->tensor_type().elem_type());
      for (const auto &init : graph->initializer())
        if (init.name() == from)
          tensor->set_elem_type(init.data_type());
    }
    auto *shape = tensor->mutable_shape();
    shape->clear_dim();
    for (int64_t d : dims)
      shape->add_dim()->set_dim_value(d);
  }

  ::onnx::GraphProto *graph;
  std::map<std::string, ::onnx::TypeProto *> types;
  std::map<std::string, std::vector<int64_t>> initializerDims;
};

class OnnxImporter {
public:
  /// Reads `path`, or `contents` if given (then `path` only names it in
  /// diagnostics).
  OnnxImporter(MLIRContext &ctx, StringRef path, const ImportOptions &options,
               std::optional<StringRef> contents = std::nullopt)
      : ctx(ctx), builder(&ctx), path(path), options(options),
        contents(contents), fileLoc(FileLineColLoc::get(&ctx, path, 0, 0)) {
    ctx.loadDialect<onnx::OnnxDialect, bnn::BnnDialect, func::FuncDialect>();
    // External data is resolved against the model's own directory (a model
    // in memory has none, so it cannot refer to any).
    if (!contents) {
      StringRef dir = llvm::sys::path::parent_path(path);
      SmallString<256> real;
      if (!llvm::sys::fs::real_path(dir.empty() ? "." : dir, real))
        modelDir = std::string(real);
    }
  }

  OwningOpRef<ModuleOp> run() {
    ::onnx::ModelProto model;
    if (failed(load(model)))
      return nullptr;
    return build(model.graph());
  }

  /// Parse, apply the options, check and shape-infer; then evaluate
  /// constant subgraphs until shape inference has static shapes to work with.
  LogicalResult load(::onnx::ModelProto &model) {
    if (failed(parse(model)) || failed(applyOptions(model)) ||
        failed(check(model)))
      return failure();
    if (!foldShapes)
      return success();
    // Folding is an aid to shape inference, never a reason to fail: a round
    // that does not work out is rolled back.
    ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });
    for (int round = 0; round < 16; ++round) {
      ::onnx::ModelProto before = model;
      bool changed = false;
      if (failed(foldConstantNodes(model, changed)) ||
          (changed && failed(inferShapes(model)))) {
        model = before;
        break;
      }
      // An If whose condition has become a constant is replaced by the
      // branch it takes (its own round, so a failure keeps the folds).
      if (hasConstantIf(model.graph())) {
        ::onnx::ModelProto beforeIf = model;
        if (failed(inlineConstantIfs(model)) || failed(inferShapes(model))) {
          model = beforeIf;
          break;
        }
        changed = true;
      }
      if (!changed)
        break;
    }
    return success();
  }

  /// Whether load() evaluates constant subgraphs (support checks only need
  /// the operator table).
  bool foldShapes = true;

  int64_t getOpset() const { return opset; }

private:
  MLIRContext &ctx;
  OpBuilder builder;
  std::string path;
  const ImportOptions &options;
  std::optional<StringRef> contents;
  Location fileLoc;
  /// Real path of the directory holding the model file ("" if none).
  std::string modelDir;
  /// Size of the model file; with its external data, at most maxModelBytes.
  int64_t modelFileBytes = 0;
  int64_t opset = 0;
  llvm::StringMap<Value> values;
  llvm::StringMap<const ::onnx::TypeProto *> valueTypes;

  InFlightDiagnostic error() { return emitError(fileLoc); }

  Location nodeLoc(StringRef name) {
    return NameLoc::get(StringAttr::get(&ctx, name), fileLoc);
  }

  std::string modelBytesLimit() const {
    return limitText("--max-model-bytes", options.maxModelBytes,
                     options.maxModelBytesGiven, " bytes");
  }

  /// Parses ONNX protobuf `bytes` after checking the node count and nesting
  /// on the wire format, before protobuf allocates.
  LogicalResult parseOnnx(StringRef bytes, ::onnx::ModelProto &model) {
    switch (
        WireScanner(options.maxNodes, options.maxSubgraphDepth).scan(bytes)) {
    case WireScanner::Result::TooManyNodes:
      return error() << "the model has more nodes (counting subgraphs and "
                        "functions) than "
                     << limitText("--max-nodes", options.maxNodes,
                                  options.maxNodesGiven);
    case WireScanner::Result::TooDeep:
      return error() << "the model nests subgraphs deeper than "
                     << limitText("--max-subgraph-depth",
                                  options.maxSubgraphDepth,
                                  options.maxSubgraphDepthGiven);
    case WireScanner::Result::Fine:
      break;
    }
    if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      return error() << "not a valid ONNX model (protobuf parse failed: "
                        "truncated or not an ONNX file)";
    return success();
  }

  LogicalResult parse(::onnx::ModelProto &model) {
    std::string file;
    if (!contents) {
      std::string why;
      if (!readRegularFile(path, options.maxModelBytes, modelBytesLimit(), file,
                           why))
        return error() << why;
    }
    StringRef bytes = contents ? *contents : StringRef(file);
    if (contents && static_cast<uint64_t>(bytes.size()) >
                        static_cast<uint64_t>(options.maxModelBytes))
      return error() << "file is " << bytes.size() << " bytes, more than "
                     << modelBytesLimit();
    modelFileBytes = static_cast<int64_t>(bytes.size());
    if (bytes.size() > static_cast<size_t>(INT32_MAX))
      return error() << "file is larger than 2 GiB, more than protobuf can "
                        "parse (store the weights as external data)";
    if (isTfliteModel(bytes)) {
      // A .tflite file becomes the equivalent ONNX model (docs/tflite.md).
      if (auto why = convertTfliteToOnnx(bytes, options.maxNodes, model))
        return error() << *why;
    } else if (failed(parseOnnx(bytes, model))) {
      return failure();
    }
    file.clear();
    file.shrink_to_fit();
    if (!model.has_graph() || model.ir_version() <= 0)
      return error() << "not an ONNX model (no graph or ir_version)";
    // One version per domain, as the ONNX checker requires ("" and
    // "ai.onnx" name the same domain).
    llvm::StringMap<int64_t> imported;
    for (const auto &import : model.opset_import()) {
      std::string domain = import.domain() == "ai.onnx" ? "" : import.domain();
      auto [it, added] = imported.try_emplace(domain, import.version());
      if (!added)
        return error() << "invalid ONNX model: opset_import names the domain '"
                       << (domain.empty() ? "ai.onnx" : domain)
                       << "' more than once (versions " << it->second << " and "
                       << import.version() << ")";
    }
    for (const auto &import : model.opset_import())
      if (import.domain().empty() || import.domain() == "ai.onnx")
        opset = import.version();
    // Below opset 7, nodes are accepted one by one where their definition
    // is still the opset-7 one (opSupported).
    if (opset < 1 || opset > kMaxOpset) {
      opsetUnsupported = true;
      return error() << "ONNX opset " << opset
                     << " is not supported (bnnc supports opsets " << kMinOpset
                     << " to " << kMaxOpset
                     << "; re-export with opset_version in that range)";
    }
    return success();
  }

public:
  bool opsetUnsupported = false;

  /// Whether bnnc's table covers `opType` at the model's opset. Opsets
  /// below 7 qualify for operators whose schema there is the one in force
  /// at opset 7 (same since-version), since the semantics are identical.
  static bool opSupported(const std::string &opType, int64_t opset) {
    if (opset >= kMinOpset)
      return findSupportedOp(opType, opset) != nullptr;
    const auto *old =
        ::onnx::OpSchemaRegistry::Schema(opType, static_cast<int>(opset), "");
    const auto *ref = ::onnx::OpSchemaRegistry::Schema(
        opType, static_cast<int>(kMinOpset), "");
    return old && ref && old->since_version() == ref->since_version() &&
           findSupportedOp(opType, kMinOpset);
  }

private:
  /// --input-shape fixes symbolic dimensions; --const-input turns a graph
  /// input into an initializer. Types that depended on the old shapes are
  /// cleared so that shape inference recomputes them.
  LogicalResult applyOptions(::onnx::ModelProto &model) {
    auto *graph = model.mutable_graph();
    auto findInput = [&](const std::string &name) -> ::onnx::ValueInfoProto * {
      for (auto &input : *graph->mutable_input())
        if (input.name() == name)
          return &input;
      return nullptr;
    };
    for (const auto &[name, dims] : options.inputShapes) {
      auto *input = findInput(name);
      if (!input)
        return error() << "--input-shape: the model has no input '" << name
                       << "'";
      auto *shape =
          input->mutable_type()->mutable_tensor_type()->mutable_shape();
      if (shape->dim_size() != static_cast<int>(dims.size()))
        return error() << "--input-shape: input '" << name << "' has rank "
                       << shape->dim_size() << ", got " << dims.size()
                       << " dimensions";
      // Only symbolic dimensions are bound: a declared size is part of the
      // model, and replacing it would compile a different network.
      for (auto [i, d] : llvm::enumerate(dims)) {
        auto *dim = shape->mutable_dim(i);
        if (dim->has_dim_value() && dim->dim_value() != d)
          return error() << "--input-shape: input '" << name
                         << "' declares dimension " << i << " as "
                         << dim->dim_value() << ", got " << d
                         << " (only symbolic dimensions can be given)";
        dim->set_dim_value(d);
      }
    }
    for (const auto &[name, file] : options.constInputs) {
      if (!findInput(name))
        return error() << "--const-input: the model has no input '" << name
                       << "'";
      std::string bytes, why;
      if (!readRegularFile(file, options.maxModelBytes, modelBytesLimit(),
                           bytes, why))
        return error() << "--const-input: '" << file << "': " << why;
      ::onnx::TensorProto tensor;
      if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
          !tensor.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        return error() << "--const-input: cannot read a TensorProto from '"
                       << file << "'";
      tensor.set_name(name);
      *graph->add_initializer() = tensor;
    }
    return success();
  }

  /// Types that depended on replaced input shapes, and symbolic output
  /// dimensions that exporters often declare even for static inputs, are
  /// cleared (after the checker, which wants them present) so that shape
  /// inference derives them.
  void clearDerivedShapes(::onnx::ModelProto &model) {
    auto *graph = model.mutable_graph();
    if (!options.inputShapes.empty())
      graph->clear_value_info();
    // Exporters often declare symbolic output dimensions even where the
    // inputs are static; let shape inference derive them instead.
    auto isSymbolic = [](const ::onnx::ValueInfoProto &v) {
      const auto &type = v.type().tensor_type();
      return type.has_shape() &&
             llvm::any_of(type.shape().dim(),
                          [](const auto &d) { return !d.has_dim_value(); });
    };
    for (auto &output : *graph->mutable_output())
      if (!options.inputShapes.empty() || isSymbolic(output))
        output.mutable_type()->mutable_tensor_type()->clear_shape();
    for (auto &info : *graph->mutable_value_info())
      if (isSymbolic(info))
        info.mutable_type()->mutable_tensor_type()->clear_shape();
  }

  LogicalResult check(::onnx::ModelProto &model) {
    // Before onnx::checker and shape inference, which compute with these
    // numbers unchecked (element counts overflow, zero strides divide).
    if (failed(checkTensorSizes(model.graph())) ||
        failed(checkWindowAttributes(model.graph())))
      return failure();
    // External data becomes raw data before the checker, which would look
    // for the files relative to the working directory.
    int64_t externalBudget = options.maxModelBytes - modelFileBytes;
    if (failed(loadExternalData(*model.mutable_graph(), externalBudget)))
      return failure();
    for (auto &function : *model.mutable_functions())
      if (failed(loadExternalData(*function.mutable_node(), externalBudget)))
        return failure();
    try {
      ::onnx::checker::check_model(model);
    } catch (const std::exception &e) {
      return error() << "invalid ONNX model: " << firstLine(e.what());
    }
    return inferShapes(model);
  }

  /// Replaces the external data of every tensor in `graph` and its
  /// subgraphs (initializers, sparse initializers, tensor attributes) by raw
  /// data read from the file it names. The subgraph recursion is bounded by
  /// the nesting limit checked on the wire format.
  LogicalResult loadExternalData(::onnx::GraphProto &graph, int64_t &budget) {
    for (auto &t : *graph.mutable_initializer())
      if (failed(
              loadExternalTensor(t, "initializer '" + t.name() + "'", budget)))
        return failure();
    for (auto &sparse : *graph.mutable_sparse_initializer()) {
      std::string what = "sparse initializer '" + sparse.values().name() + "'";
      if (failed(loadExternalTensor(*sparse.mutable_values(), what, budget)) ||
          failed(loadExternalTensor(*sparse.mutable_indices(),
                                    what + " (indices)", budget)))
        return failure();
    }
    return loadExternalData(*graph.mutable_node(), budget);
  }

  LogicalResult
  loadExternalData(google::protobuf::RepeatedPtrField<::onnx::NodeProto> &nodes,
                   int64_t &budget) {
    for (auto [i, node] : llvm::enumerate(nodes)) {
      std::string name = node.name().empty()
                             ? node.op_type() + "_" + std::to_string(i)
                             : node.name();
      for (auto &a : *node.mutable_attribute()) {
        std::string what =
            describe(node, name) + ": attribute '" + a.name() + "'";
        if (a.has_t() &&
            failed(loadExternalTensor(*a.mutable_t(), what, budget)))
          return failure();
        for (auto &t : *a.mutable_tensors())
          if (failed(loadExternalTensor(t, what, budget)))
            return failure();
        if (a.has_g() && failed(loadExternalData(*a.mutable_g(), budget)))
          return failure();
        for (auto &g : *a.mutable_graphs())
          if (failed(loadExternalData(g, budget)))
            return failure();
      }
    }
    return success();
  }

  /// External data (ONNX's `location`, `offset`, `length` keys) is read
  /// only from regular files inside the model's directory. Every location
  /// that is not one (absolute, with a `..` component, a symbolic link that
  /// leads out, missing, not a regular file) gets the same message, which
  /// therefore tells nothing about files elsewhere. `budget` is what the
  /// byte limit still allows.
  LogicalResult loadExternalTensor(::onnx::TensorProto &t,
                                   const std::string &what, int64_t &budget) {
    if (t.data_location() != ::onnx::TensorProto::EXTERNAL)
      return success();
    std::string location, offsetText, lengthText;
    for (const auto &entry : t.external_data()) {
      if (entry.key() == "location")
        location = entry.value();
      else if (entry.key() == "offset")
        offsetText = entry.value();
      else if (entry.key() == "length")
        lengthText = entry.value();
    }
    auto refused = [&]() -> LogicalResult {
      return error() << what << ": external data location '" << location
                     << "' is not a readable regular file inside the model's "
                        "directory";
    };
    StringRef loc = location;
    if (loc.empty() || loc.contains('\0') ||
        llvm::sys::path::is_absolute(loc) || loc.starts_with("/") ||
        modelDir.empty())
      return refused();
    for (StringRef part : llvm::make_range(llvm::sys::path::begin(loc),
                                           llvm::sys::path::end(loc)))
      if (part == "..")
        return refused();
    SmallString<256> joined(modelDir), real;
    llvm::sys::path::append(joined, loc);
    if (llvm::sys::fs::real_path(joined, real) ||
        !StringRef(real).starts_with(modelDir + "/"))
      return refused();
    int fd =
        ::open(real.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
      return refused();
    auto closeFd = llvm::make_scope_exit([&] { ::close(fd); });
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
      return refused();

    int64_t size = st.st_size, offset = 0, length = -1;
    if (!offsetText.empty() &&
        (StringRef(offsetText).getAsInteger(10, offset) || offset < 0))
      return error() << what << ": external data offset '" << offsetText
                     << "' is not a byte count";
    if (!lengthText.empty() &&
        (StringRef(lengthText).getAsInteger(10, length) || length < 0))
      return error() << what << ": external data length '" << lengthText
                     << "' is not a byte count";
    if (offset > size || (length >= 0 && length > size - offset))
      return error() << what << ": external data at offset " << offset
                     << (length >= 0 ? " of length " + std::to_string(length)
                                     : std::string())
                     << " is beyond the end of '" << location << "' (" << size
                     << " bytes)";
    if (length < 0)
      length = size - offset;
    if (length > budget)
      return error() << what << ": external data of " << length
                     << " bytes goes beyond " << modelBytesLimit()
                     << " (counting the model file and all its external "
                        "data)";
    budget -= length;
    std::string raw(static_cast<size_t>(length), '\0');
    for (int64_t done = 0; done < length;) {
      ssize_t got = ::pread(fd, raw.data() + done,
                            static_cast<size_t>(length - done), offset + done);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        return error() << what << ": cannot read external data from '"
                       << location << "'";
      done += got;
    }
    t.clear_external_data();
    t.set_data_location(::onnx::TensorProto::DEFAULT);
    t.set_raw_data(std::move(raw));
    return success();
  }

  /// Initializer and Constant shapes: non-negative and at most
  /// kMaxTensorBytes.
  LogicalResult checkTensorSizes(const ::onnx::GraphProto &graph) {
    auto check = [&](const ::onnx::TensorProto &t,
                     const std::string &what) -> LogicalResult {
      SmallVector<int64_t> dims(t.dims().begin(), t.dims().end());
      for (int64_t d : dims)
        if (d < 0)
          return error() << what << " has a negative dimension " << d
                         << " (shape " << shapeString(dims) << ")";
      int64_t width = 1;
      switch (t.data_type()) {
      case ::onnx::TensorProto::DOUBLE:
      case ::onnx::TensorProto::INT64:
      case ::onnx::TensorProto::UINT64:
        width = 8;
        break;
      case ::onnx::TensorProto::FLOAT:
      case ::onnx::TensorProto::INT32:
      case ::onnx::TensorProto::UINT32:
        width = 4;
        break;
      default:
        break;
      }
      if (!boundedElementCount(dims, width))
        return error() << what << " of shape " << shapeString(dims)
                       << " is larger than 2^40 bytes; no bnnc target can "
                          "hold it";
      return success();
    };
    for (const auto &init : graph.initializer())
      if (failed(check(init, "initializer '" + init.name() + "'")))
        return failure();
    for (auto [i, node] : llvm::enumerate(graph.node()))
      for (const auto &a : node.attribute())
        if (a.has_t() &&
            failed(check(a.t(), describe(node, node.name().empty()
                                                   ? node.op_type() + "_" +
                                                         std::to_string(i)
                                                   : node.name()) +
                                    ": attribute '" + a.name() + "'")))
          return failure();
    return success();
  }

  /// Window attributes ONNX shape inference divides by or multiplies
  /// without checking (a zero stride is a division by zero inside libonnx):
  /// strides, dilations and kernel_shape must be in [1, 2^31), group >= 1,
  /// pads within (-2^31, 2^31). Reported with the node before inference.
  LogicalResult checkWindowAttributes(const ::onnx::GraphProto &graph) {
    for (auto [i, node] : llvm::enumerate(graph.node())) {
      std::string name = node.name().empty()
                             ? node.op_type() + "_" + std::to_string(i)
                             : node.name();
      for (const auto &a : node.attribute()) {
        StringRef attr = a.name();
        bool positive =
            attr == "strides" || attr == "dilations" || attr == "kernel_shape";
        if (a.type() == ::onnx::AttributeProto::INTS &&
            (positive || attr == "pads")) {
          for (int64_t v : a.ints())
            if (positive ? (v < 1 || v > INT32_MAX)
                         : (v <= INT32_MIN || v >= INT32_MAX))
              return emitError(nodeLoc(name))
                     << describe(node, name) << ": " << attr << " value " << v
                     << (positive ? " is out of range (must be in [1, 2^31))"
                                  : " is out of range (|pad| < 2^31)");
        }
        if (attr == "group" && a.type() == ::onnx::AttributeProto::INT &&
            (a.i() < 1 || a.i() > INT32_MAX))
          return emitError(nodeLoc(name))
                 << describe(node, name) << ": group " << a.i()
                 << " is out of range (must be in [1, 2^31))";
      }
    }
    return success();
  }

  LogicalResult inferShapes(::onnx::ModelProto &model) {
    clearDerivedShapes(model);
    try {
      // Strict: a node ONNX cannot infer (an axis out of range, ranks that
      // do not broadcast) is an error here, named by ONNX, instead of a
      // declared output type that later stages would have to distrust.
      // Element-type constraints are not checked (old exporters violate
      // some; bnnc's verifiers check the types it relies on).
      ::onnx::ShapeInferenceOptions options(/*check_type=*/false,
                                            /*strict_mode=*/1,
                                            /*data_prop=*/true);
      ::onnx::shape_inference::InferShapes(model, &guardedSchemas(), options);
      // ONNX 1.12 infers only the rank of an Einsum result and leaves
      // OneHot's depth dimension symbolic; bnnc's own rules give their
      // dimensions, and inference runs again for their users.
      for (int round = 0; round < 8 && completeShapes(model); ++round)
        ::onnx::shape_inference::InferShapes(model, &guardedSchemas(),
                                             options);
    } catch (const std::exception &e) {
      return error() << inferenceFailure(firstLine(e.what()));
    }
    return success();
  }

  /// Writes the static result shape of every Einsum whose inputs have
  /// static shapes and whose result does not, for equations of letters
  /// (the forms bnnc lowers), and of every OneHot with static indices and
  /// a constant depth; true if one was written. (ONNX 1.12 infers only an
  /// Einsum's rank and leaves OneHot's depth symbolic.)
  static bool completeShapes(::onnx::ModelProto &model) {
    return ShapeCompletion(model).run();
  }

  /// ONNX's "[ShapeInferenceError] Shape inference error(s): (op_type:Op,
  /// node name: n): [ShapeInferenceError] why (op_type:...)" as bnnc's
  /// "node 'n' (Op): why", the first failing node only; other texts as they
  /// are.
  static std::string inferenceFailure(StringRef text) {
    const StringRef opTag = "(op_type:", nameTag = ", node name: ";
    std::string plain = ("ONNX shape inference failed: " + text).str();
    size_t at = text.find(opTag);
    if (at == StringRef::npos)
      return plain;
    StringRef rest = text.drop_front(at + opTag.size());
    size_t close = rest.find("): ");
    if (close == StringRef::npos)
      return plain;
    StringRef head = rest.take_front(close), why = rest.drop_front(close + 3);
    why.consume_front("[ShapeInferenceError] ");
    size_t more = why.find((" " + opTag).str());
    why = why.take_front(more);
    auto [op, name] = head.split(nameTag);
    std::string node = name.empty()
                           ? "a " + op.str() + " node"
                           : "node '" + name.str() + "' (" + op.str() + ")";
    return node + ": ONNX shape inference failed: " + why.str() +
           (more != StringRef::npos ? " (and more nodes)" : "");
  }

  /// ONNX's messages span lines; diagnostics are one line each.
  static std::string firstLine(const char *text) {
    std::string line;
    for (const char *c = text; *c; ++c) {
      bool space = std::isspace(static_cast<unsigned char>(*c));
      if (space && (line.empty() || line.back() == ' '))
        continue;
      line += space ? ' ' : *c;
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    return line;
  }

  FailureOr<Type> elementType(int32_t dataType, StringRef what) {
    switch (dataType) {
    case ::onnx::TensorProto::FLOAT:
      return Type(builder.getF32Type());
    case ::onnx::TensorProto::DOUBLE:
      return Type(builder.getF64Type());
    case ::onnx::TensorProto::INT64:
      return Type(builder.getI64Type());
    case ::onnx::TensorProto::INT32:
      return Type(builder.getI32Type());
    case ::onnx::TensorProto::INT8:
      return Type(builder.getI8Type());
    case ::onnx::TensorProto::UINT8:
      return Type(builder.getIntegerType(8, /*isSigned=*/false));
    case ::onnx::TensorProto::BOOL:
      return Type(builder.getI1Type());
    default:
      return error() << what << " has ONNX element type "
                     << ::onnx::TensorProto::DataType_Name(
                            static_cast<::onnx::TensorProto::DataType>(
                                dataType))
                     << ", which bnnc does not handle";
    }
  }

  /// A static ranked tensor type from an ONNX value type.
  FailureOr<RankedTensorType> tensorType(const ::onnx::TypeProto &type,
                                         StringRef what) {
    if (!type.has_tensor_type() || !type.tensor_type().has_shape())
      return error() << what << " has no tensor type with a known rank";
    const auto &tensor = type.tensor_type();
    auto element = elementType(tensor.elem_type(), what);
    if (failed(element))
      return failure();
    SmallVector<int64_t> shape;
    for (const auto &dim : tensor.shape().dim()) {
      if (dim.has_dim_value() && dim.dim_value() < 0)
        return error() << what << " has a negative dimension "
                       << dim.dim_value();
      if (!dim.has_dim_value()) {
        auto diag = error() << what << " has a symbolic dimension";
        if (dim.has_dim_param())
          diag << " '" << dim.dim_param() << "'";
        return diag << "; bnnc needs static shapes (give them with "
                       "--input-shape NAME=1x3x32x32 or re-export the model "
                       "with fixed sizes)";
      }
      shape.push_back(dim.dim_value());
    }
    if (failed(checkSize(shape, *element, what)))
      return failure();
    return RankedTensorType::get(shape, *element);
  }

  /// Rejects shapes with negative dimensions and tensors beyond
  /// kMaxTensorBytes (whose sizes would overflow further down).
  LogicalResult checkSize(ArrayRef<int64_t> dims, Type element,
                          StringRef what) {
    for (int64_t d : dims)
      if (d < 0)
        return error() << what << " has a negative dimension " << d
                       << " (shape " << shapeString(dims) << ")";
    int64_t width = std::max(1u, element.getIntOrFloatBitWidth() / 8);
    if (!boundedElementCount(dims, width))
      return error() << what << " of shape " << shapeString(dims)
                     << " is larger than 2^40 bytes; no bnnc target can "
                        "hold it";
    return success();
  }

  FailureOr<DenseElementsAttr> tensorAttr(const ::onnx::TensorProto &t,
                                          StringRef what) {
    // loadExternalData has replaced every external reference it reached.
    if (t.data_location() == ::onnx::TensorProto::EXTERNAL)
      return error() << what
                     << " stores its data externally where bnnc "
                        "does not look for it";
    auto element = elementType(t.data_type(), what);
    if (failed(element))
      return failure();
    SmallVector<int64_t> shape(t.dims().begin(), t.dims().end());
    if (failed(checkSize(shape, *element, what)))
      return failure();
    auto type = RankedTensorType::get(shape, *element);
    int64_t count = type.getNumElements();
    if (t.has_raw_data()) {
      const std::string &raw = t.raw_data();
      int64_t width = std::max(1u, element->getIntOrFloatBitWidth() / 8);
      if (static_cast<int64_t>(raw.size()) != count * width)
        return error() << what << " has " << raw.size() << " bytes of data for "
                       << count << " elements";
      if (element->isInteger(1)) {
        SmallVector<bool> bits;
        for (char c : raw)
          bits.push_back(c != 0);
        return DenseElementsAttr::get(type, ArrayRef<bool>(bits));
      }
      // ONNX raw data is little-endian, as are all hosts bnnc runs on.
      return DenseElementsAttr::getFromRawBuffer(
          type, ArrayRef<char>(raw.data(), raw.size()));
    }
    auto sizeMismatch = [&](int64_t got) -> FailureOr<DenseElementsAttr> {
      return error() << what << " has " << got << " values for " << count
                     << " elements";
    };
    switch (t.data_type()) {
    case ::onnx::TensorProto::FLOAT: {
      if (t.float_data_size() != count)
        return sizeMismatch(t.float_data_size());
      SmallVector<float> v(t.float_data().begin(), t.float_data().end());
      return DenseElementsAttr::get(type, ArrayRef<float>(v));
    }
    case ::onnx::TensorProto::DOUBLE: {
      if (t.double_data_size() != count)
        return sizeMismatch(t.double_data_size());
      SmallVector<double> v(t.double_data().begin(), t.double_data().end());
      return DenseElementsAttr::get(type, ArrayRef<double>(v));
    }
    case ::onnx::TensorProto::INT64: {
      if (t.int64_data_size() != count)
        return sizeMismatch(t.int64_data_size());
      SmallVector<int64_t> v(t.int64_data().begin(), t.int64_data().end());
      return DenseElementsAttr::get(type, ArrayRef<int64_t>(v));
    }
    default: {
      // INT32, INT8, UINT8 and BOOL are all stored in int32_data.
      if (t.int32_data_size() != count)
        return sizeMismatch(t.int32_data_size());
      SmallVector<APInt> v;
      unsigned width = element->getIntOrFloatBitWidth();
      for (int32_t x : t.int32_data())
        v.push_back(
            APInt(width, x, /*isSigned=*/!element->isUnsignedInteger()));
      return DenseElementsAttr::get(type, v);
    }
    }
  }

  FailureOr<Attribute> convertAttribute(const ::onnx::AttributeProto &a,
                                        StringRef what) {
    switch (a.type()) {
    case ::onnx::AttributeProto::INT:
      return Attribute(builder.getI64IntegerAttr(a.i()));
    case ::onnx::AttributeProto::FLOAT:
      return Attribute(builder.getF32FloatAttr(a.f()));
    case ::onnx::AttributeProto::STRING:
      return Attribute(builder.getStringAttr(a.s()));
    case ::onnx::AttributeProto::INTS:
      return Attribute(builder.getDenseI64ArrayAttr(
          SmallVector<int64_t>(a.ints().begin(), a.ints().end())));
    case ::onnx::AttributeProto::FLOATS:
      return Attribute(builder.getDenseF32ArrayAttr(
          SmallVector<float>(a.floats().begin(), a.floats().end())));
    case ::onnx::AttributeProto::STRINGS: {
      SmallVector<Attribute> strings;
      for (const std::string &s : a.strings())
        strings.push_back(builder.getStringAttr(s));
      return Attribute(builder.getArrayAttr(strings));
    }
    case ::onnx::AttributeProto::TENSOR: {
      auto t = tensorAttr(a.t(), what);
      if (failed(t))
        return failure();
      return Attribute(*t);
    }
    default:
      return error() << what << ": attribute '" << a.name() << "' of type "
                     << ::onnx::AttributeProto::AttributeType_Name(a.type())
                     << " is not supported";
    }
  }

  /// ONNX Constant has six attribute forms; all become one dense `value`.
  FailureOr<DenseElementsAttr> constantNodeValue(const ::onnx::NodeProto &node,
                                                 StringRef what) {
    if (node.attribute_size() != 1)
      return error() << what << " must have exactly one value attribute";
    const auto &a = node.attribute(0);
    if (a.name() == "value")
      return tensorAttr(a.t(), what);
    if (a.name() == "value_float")
      return DenseElementsAttr::get(
          RankedTensorType::get({}, builder.getF32Type()), a.f());
    if (a.name() == "value_int")
      return DenseElementsAttr::get(
          RankedTensorType::get({}, builder.getI64Type()), a.i());
    if (a.name() == "value_floats") {
      SmallVector<float> v(a.floats().begin(), a.floats().end());
      return DenseElementsAttr::get(
          RankedTensorType::get({(int64_t)v.size()}, builder.getF32Type()),
          ArrayRef<float>(v));
    }
    if (a.name() == "value_ints") {
      SmallVector<int64_t> v(a.ints().begin(), a.ints().end());
      return DenseElementsAttr::get(
          RankedTensorType::get({(int64_t)v.size()}, builder.getI64Type()),
          ArrayRef<int64_t>(v));
    }
    return error() << what << ": constant attribute '" << a.name()
                   << "' is not supported";
  }

  std::string describe(const ::onnx::NodeProto &node, StringRef name) {
    return ("node '" + name + "' (" + node.op_type() + ")").str();
  }

public:
  /// QONNX's BipolarQuant (Brevitas binarized layers) is the one operator
  /// bnnc takes from outside the default domain.
  static bool isBipolarQuant(const ::onnx::NodeProto &node) {
    return node.op_type() == "BipolarQuant" &&
           (node.domain() == "qonnx.custom_op.general" ||
            node.domain() == "finn.custom_op.general");
  }

  /// bnnc's own domain for TFLite int8 semantics that ONNX operators do not
  /// have; the TFLite importer writes these nodes (docs/tflite.md).
  static bool isBnncTflite(const ::onnx::NodeProto &node) {
    return node.domain() == "bnnc.tflite" &&
           (node.op_type() == "TfliteQuantize" ||
            node.op_type() == "TfliteRequantize" ||
            node.op_type() == "TfliteAdd");
  }

private:
  LogicalResult importNode(const ::onnx::NodeProto &node, StringRef name) {
    std::string what = describe(node, name);
    Location loc = nodeLoc(name);
    if (isIf(node))
      return importIf(node, name);
    bool custom = isBipolarQuant(node) || isBnncTflite(node);
    bool defaultDomain =
        node.domain().empty() || node.domain() == "ai.onnx" || custom;
    std::string opName = "onnx." + node.op_type();
    if (!defaultDomain || (!custom && !opSupported(node.op_type(), opset)) ||
        !RegisteredOperationName::lookup(opName, &ctx).has_value())
      return error() << what << ": unsupported operator '"
                     << (defaultDomain ? "" : node.domain() + ".")
                     << node.op_type() << "' (opset " << opset
                     << "); see docs/supported-ops.md";

    if (node.op_type() == "Constant") {
      auto value = constantNodeValue(node, what);
      if (failed(value))
        return failure();
      auto op = builder.create<onnx::ConstantOp>(loc, value->getType(), *value);
      values[node.output(0)] = op.getOutput();
      return success();
    }

    OperationState state(loc, opName);
    SmallVector<std::string> inputs(node.input().begin(), node.input().end());
    for (const std::string &input : inputs) {
      if (input.empty()) {
        state.operands.push_back(noValue(loc));
        continue;
      }
      auto it = values.find(input);
      if (it == values.end())
        return error() << what << ": input '" << input
                       << "' is not produced by any node, graph input or "
                          "initializer";
      state.operands.push_back(it->second);
    }
    // Slice took starts/ends/axes as attributes before opset 10.
    bool sliceAttributes = node.op_type() == "Slice" && opset < 10;
    if (sliceAttributes)
      for (StringRef name : {"starts", "ends", "axes"})
        for (const auto &a : node.attribute())
          if (a.name() == name) {
            SmallVector<int64_t> v(a.ints().begin(), a.ints().end());
            auto type = RankedTensorType::get({(int64_t)v.size()},
                                              builder.getI64Type());
            auto attr = DenseElementsAttr::get(type, ArrayRef<int64_t>(v));
            state.operands.push_back(
                builder.create<onnx::ConstantOp>(loc, type, attr));
          }
    // Omitted trailing optional inputs become explicit `none` operands, so
    // operand positions always follow the newest schema the dialect models
    // (older opsets have fewer inputs, or attributes in their place).
    if (const auto *schema = ::onnx::OpSchemaRegistry::Schema(
            node.op_type(), static_cast<int>(kMaxOpset), "")) {
      const auto &formal = schema->inputs();
      bool variadic = !formal.empty() &&
                      formal.back().GetOption() ==
                          ::onnx::OpSchema::FormalParameterOption::Variadic;
      while (!variadic && state.operands.size() < formal.size())
        state.operands.push_back(noValue(loc));
    }
    int recurrentOutputs = recurrentOutputCount(node.op_type());
    if (recurrentOutputs) {
      auto types = recurrentTypes(node, state.operands, recurrentOutputs, what);
      if (failed(types))
        return failure();
      state.types.append(types->begin(), types->end());
    }
    for (const std::string &output : node.output()) {
      if (output.empty() || recurrentOutputs)
        continue;
      auto it = valueTypes.find(output);
      // ONNX cannot infer custom-domain ops; BipolarQuant is elementwise.
      if (it == valueTypes.end() && isBipolarQuant(node) &&
          !state.operands.empty()) {
        state.types.push_back(state.operands[0].getType());
        continue;
      }
      if (it == valueTypes.end())
        return error() << what << ": ONNX shape inference gave no type for "
                       << "output '" << output << "'";
      auto type = tensorType(*it->second, what + ": output '" + output + "'");
      if (failed(type))
        return failure();
      state.types.push_back(*type);
    }
    for (const auto &a : node.attribute()) {
      if (sliceAttributes)
        continue;
      auto attr = convertAttribute(a, what);
      if (failed(attr))
        return failure();
      state.addAttribute(a.name(), *attr);
    }
    Operation *op = builder.create(state);
    if (failed(verify(op)))
      return failure();
    unsigned next = 0;
    for (auto [i, output] : llvm::enumerate(node.output()))
      if (!output.empty())
        values[output] = op->getResult(recurrentOutputs ? i : next++);
    return success();
  }

  //===--------------------------------------------------------------===//
  // LSTM, GRU, RNN: every output is optional; the op always has all of
  // them, typed from the inputs (an omitted one has no inferred type).
  //===--------------------------------------------------------------===//

  static int recurrentOutputCount(StringRef opType) {
    return opType == "LSTM" ? 3 : opType == "GRU" || opType == "RNN" ? 2 : 0;
  }

  FailureOr<SmallVector<Type>> recurrentTypes(const ::onnx::NodeProto &node,
                                              ArrayRef<Value> operands,
                                              int count, StringRef what) {
    if (node.output_size() > count)
      return error() << what << ": has " << node.output_size()
                     << " outputs, the operator " << count;
    auto x = operands.size() > 1
                 ? dyn_cast<RankedTensorType>(operands[0].getType())
                 : nullptr;
    auto w = x ? dyn_cast<RankedTensorType>(operands[1].getType()) : nullptr;
    if (!x || !w || x.getRank() != 3 || w.getRank() != 3)
      return error() << what << ": X and W must be 3-D tensors";
    int64_t gates = node.op_type() == "LSTM" ? 4 : node.op_type() == "GRU" ? 3
                                                                           : 1;
    int64_t layout = 0;
    for (const auto &a : node.attribute())
      if (a.name() == "layout")
        layout = a.i();
    if (w.getDimSize(1) % gates != 0)
      return error() << what << ": W's second dimension " << w.getDimSize(1)
                     << " is not " << gates << " x hidden_size";
    int64_t dirs = w.getDimSize(0), hidden = w.getDimSize(1) / gates;
    int64_t seq = x.getDimSize(layout ? 1 : 0);
    int64_t batch = x.getDimSize(layout ? 0 : 1);
    Type f = x.getElementType();
    SmallVector<int64_t> y = layout ? SmallVector<int64_t>{batch, seq, dirs, hidden}
                                    : SmallVector<int64_t>{seq, dirs, batch, hidden};
    SmallVector<int64_t> state = layout ? SmallVector<int64_t>{batch, dirs, hidden}
                                        : SmallVector<int64_t>{dirs, batch, hidden};
    if (failed(checkSize(y, f, what)))
      return failure();
    SmallVector<Type> types = {RankedTensorType::get(y, f)};
    for (int i = 1; i < count; ++i)
      types.push_back(RankedTensorType::get(state, f));
    return types;
  }

  /// Imports the nodes of an If branch into the current block (they may
  /// read every value of the enclosing scopes) and returns its outputs.
  /// The branch's own names are visible only inside it.
  FailureOr<SmallVector<Value>> importBranch(const ::onnx::GraphProto &branch,
                                             StringRef ifName,
                                             StringRef which) {
    llvm::StringMap<Value> outerValues = values;
    llvm::StringMap<const ::onnx::TypeProto *> outerTypes = valueTypes;
    auto restore = llvm::make_scope_exit([&] {
      values = std::move(outerValues);
      valueTypes = std::move(outerTypes);
    });
    for (const auto &info : branch.value_info())
      valueTypes[info.name()] = &info.type();
    for (const auto &output : branch.output())
      valueTypes[output.name()] = &output.type();
    for (const auto &init : branch.initializer()) {
      auto value = tensorAttr(init, ("initializer '" + init.name() + "' of " +
                                     which + " of If '" + ifName + "'")
                                        .str());
      if (failed(value))
        return failure();
      values[init.name()] = builder.create<onnx::ConstantOp>(
          nodeLoc(init.name()), value->getType(), *value);
    }
    for (auto [i, inner] : llvm::enumerate(branch.node())) {
      std::string innerName =
          (ifName + "/" + which + "/" +
           (inner.name().empty() ? inner.op_type() + "_" + std::to_string(i)
                                 : inner.name()))
              .str();
      if (failed(importNode(inner, innerName)))
        return failure();
    }
    SmallVector<Value> results;
    for (const auto &output : branch.output()) {
      auto it = values.find(output.name());
      if (it == values.end())
        return error() << "node '" << ifName << "' (If): " << which
                       << " output '" << output.name()
                       << "' is not produced by any node";
      results.push_back(it->second);
    }
    return results;
  }

  /// An If whose condition is known only at run time: both branches run and
  /// Where selects each output, which needs both branches to give the same
  /// static type. (A constant condition never gets here: inlineConstantIfs
  /// has replaced the If by its branch.)
  LogicalResult importIf(const ::onnx::NodeProto &node, StringRef name) {
    std::string what = describe(node, name);
    Location loc = nodeLoc(name);
    if (!opSupported("If", opset))
      return error() << what << ": unsupported operator 'If' (opset " << opset
                     << "); see docs/supported-ops.md";
    const auto *thenBranch = branchOf(node, "then_branch");
    const auto *elseBranch = branchOf(node, "else_branch");
    if (node.input_size() != 1 || !thenBranch || !elseBranch)
      return error() << what
                     << ": needs one condition input and both branches";
    auto cond = values.find(node.input(0));
    if (cond == values.end())
      return error() << what << ": input '" << node.input(0)
                     << "' is not produced by any node, graph input or "
                        "initializer";
    Value condition = cond->second;
    auto condType = cast<RankedTensorType>(condition.getType());
    if (!condType.getElementType().isInteger(1) ||
        condType.getNumElements() != 1)
      return error() << what << ": the condition must hold one bool, got "
                     << condType;
    auto thenValues = importBranch(*thenBranch, name, "then_branch");
    if (failed(thenValues))
      return failure();
    auto elseValues = importBranch(*elseBranch, name, "else_branch");
    if (failed(elseValues))
      return failure();
    if (thenValues->size() != static_cast<size_t>(node.output_size()) ||
        elseValues->size() != thenValues->size())
      return error() << what << ": the branches have "
                     << thenValues->size() << " and " << elseValues->size()
                     << " outputs, the node " << node.output_size();
    for (auto [i, result] : llvm::enumerate(node.output())) {
      Value a = (*thenValues)[i], b = (*elseValues)[i];
      auto type = cast<RankedTensorType>(a.getType());
      if (a.getType() != b.getType())
        return error() << what << ": output " << i << " ('" << result
                       << "') is " << a.getType() << " in then_branch and "
                       << b.getType()
                       << " in else_branch; a condition known only at run "
                          "time needs both branches to give the same static "
                          "type (both run, Where selects)";
      if (result.empty())
        continue;
      // The condition as a scalar, which broadcasts to any result shape.
      Value c = condition;
      if (condType.getRank() != 0) {
        auto shapeType = RankedTensorType::get({0}, builder.getI64Type());
        Value shape = builder.create<onnx::ConstantOp>(
            loc, shapeType,
            DenseElementsAttr::get(shapeType, ArrayRef<int64_t>()));
        c = builder.create<onnx::ReshapeOp>(
            loc, RankedTensorType::get({}, condType.getElementType()), c,
            shape, builder.getI64IntegerAttr(0));
      }
      Value selected = builder.create<onnx::WhereOp>(loc, type, c, a, b);
      values[result] = selected;
    }
    return success();
  }

  Value noValue(Location loc) {
    return builder.create<onnx::NoValueOp>(loc, builder.getNoneType());
  }

  void collectValueTypes(const ::onnx::GraphProto &graph) {
    valueTypes.clear();
    for (const auto &input : graph.input())
      valueTypes[input.name()] = &input.type();
    for (const auto &info : graph.value_info())
      valueTypes[info.name()] = &info.type();
    for (const auto &output : graph.output())
      valueTypes[output.name()] = &output.type();
  }

  /// A TensorProto holding a folded constant (raw little-endian data).
  static bool toTensorProto(DenseElementsAttr attr, const std::string &name,
                            ::onnx::TensorProto &t) {
    Type e = attr.getElementType();
    int32_t dtype = e.isF32()                ? ::onnx::TensorProto::FLOAT
                    : e.isInteger(64)        ? ::onnx::TensorProto::INT64
                    : e.isInteger(32)        ? ::onnx::TensorProto::INT32
                    : e.isInteger(1)         ? ::onnx::TensorProto::BOOL
                    : e.isUnsignedInteger(8) ? ::onnx::TensorProto::UINT8
                    : e.isInteger(8)         ? ::onnx::TensorProto::INT8
                                             : 0;
    // Folding is an aid to shape inference: constants too large to copy
    // into a TensorProto cheaply stay nodes (the pass pipeline folds them).
    if (!dtype || attr.getNumElements() > (int64_t(1) << 16))
      return false;
    // Nor empty ones: ONNX 1.12's data propagation reads an empty
    // initializer as a rank-0 shape, and Concat's inference then fails
    // ("axis must be in [-rank, rank-1]"), which rolled back the whole
    // round (the LayerNormalization _expanded tests with axis = -rank:
    // Slice(Shape(X), 0, -rank) is empty). The node stays and is folded by
    // the import proper.
    if (attr.getNumElements() == 0)
      return false;
    t.set_name(name);
    t.set_data_type(dtype);
    for (int64_t d : attr.getType().getShape())
      t.add_dims(d);
    std::string raw;
    if (e.isInteger(1)) {
      for (bool b : attr.getValues<bool>())
        raw.push_back(b ? 1 : 0);
    } else if (attr.isSplat()) {
      ArrayRef<char> one = attr.getRawData();
      for (int64_t i = 0; i < attr.getNumElements(); ++i)
        raw.append(one.data(), one.size());
    } else {
      raw.assign(attr.getRawData().data(), attr.getRawData().size());
    }
    t.set_raw_data(raw);
    return true;
  }

  /// The static dimensions of a value's declared or inferred type, if all are
  /// known and in range (shapes out of range are reported when the graph is
  /// imported).
  std::optional<SmallVector<int64_t>> staticDims(const std::string &name) {
    auto it = valueTypes.find(name);
    if (it == valueTypes.end() || !it->second->tensor_type().has_shape())
      return std::nullopt;
    SmallVector<int64_t> dims;
    for (const auto &d : it->second->tensor_type().shape().dim()) {
      if (!d.has_dim_value())
        return std::nullopt;
      dims.push_back(d.dim_value());
    }
    if (!boundedElementCount(dims, 8))
      return std::nullopt;
    return dims;
  }

  /// The nodes whose outputs are constants: default-domain nodes of
  /// supported ops with constant inputs and static output types, and Shape
  /// of a statically shaped tensor (a constant whatever the tensor's values:
  /// this is what makes dynamic-batch exports fold).
  SmallVector<int> foldCandidates(const ::onnx::GraphProto &graph) {
    llvm::StringSet<> constant;
    for (const auto &init : graph.initializer())
      constant.insert(init.name());
    auto staticType = [&](const std::string &n) {
      auto it = valueTypes.find(n);
      if (n.empty() || it == valueTypes.end())
        return false;
      const auto &tt = it->second->tensor_type();
      return tt.has_shape() &&
             llvm::all_of(tt.shape().dim(),
                          [](const auto &d) { return d.has_dim_value(); });
    };
    SmallVector<int> candidates;
    for (auto [i, node] : llvm::enumerate(graph.node())) {
      bool defaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
      bool isShape = defaultDomain && node.op_type() == "Shape" &&
                     staticDims(node.input(0));
      bool inputsConstant =
          llvm::all_of(node.input(), [&](const std::string &n) {
            return n.empty() || constant.contains(n);
          });
      bool typed = llvm::all_of(node.output(), staticType);
      // If (and any node with a subgraph) reads values of the enclosing
      // scope; a constant If condition is handled by inlineConstantIfs.
      bool hasSubgraph = llvm::any_of(node.attribute(), [](const auto &a) {
        return a.has_g() || a.graphs_size() > 0;
      });
      if (hasSubgraph)
        continue;
      if (!isShape &&
          (!defaultDomain || !inputsConstant ||
           (node.op_type() != "Constant" && !typed) ||
           !opSupported(node.op_type(), opset)))
        continue;
      candidates.push_back(i);
      for (const std::string &n : node.output())
        constant.insert(n);
    }
    return candidates;
  }

  /// Imports the candidates into a scratch function returning their outputs
  /// (named in `names`) and folds it with bnnc's folders.
  FailureOr<func::FuncOp> foldInScratch(const ::onnx::GraphProto &graph,
                                        ArrayRef<int> candidates,
                                        ModuleOp scratch,
                                        SmallVector<std::string> &names) {
    values.clear();
    builder.setInsertionPointToEnd(scratch.getBody());
    auto func = builder.create<func::FuncOp>(fileLoc, "fold",
                                             builder.getFunctionType({}, {}));
    builder.setInsertionPointToEnd(func.addEntryBlock());
    for (const auto &init : graph.initializer()) {
      auto value = tensorAttr(init, "initializer '" + init.name() + "'");
      if (failed(value))
        return failure();
      values[init.name()] = builder.create<onnx::ConstantOp>(
          nodeLoc(init.name()), value->getType(), *value);
    }
    // Shape only reads its input's type: a zero tensor of that type stands
    // in for a run-time input.
    for (int i : candidates) {
      const auto &node = graph.node(i);
      if (node.op_type() != "Shape" || values.count(node.input(0)))
        continue;
      auto it = valueTypes.find(node.input(0));
      auto element =
          elementType(it->second->tensor_type().elem_type(), "Shape input");
      if (failed(element))
        return failure();
      auto type = RankedTensorType::get(*staticDims(node.input(0)), *element);
      values[node.input(0)] = builder.create<onnx::ConstantOp>(
          fileLoc, type,
          DenseElementsAttr::get(type, builder.getZeroAttr(*element)));
    }
    SmallVector<Value> results;
    for (int i : candidates) {
      const auto &node = graph.node(i);
      std::string name = node.name().empty()
                             ? node.op_type() + "_" + std::to_string(i)
                             : node.name();
      if (failed(importNode(node, name)))
        return failure();
      for (const std::string &n : node.output())
        if (!n.empty() && node.op_type() != "Constant") {
          names.push_back(n);
          results.push_back(values[n]);
        }
    }
    builder.create<func::ReturnOp>(fileLoc, results);
    // Folders may assume verified ops (a Transpose folder indexed with an
    // unchecked perm, a fuzzer finding); invalid nodes are reported by the
    // import proper, which verifies.
    for (Operation &op : func.getBody().front().without_terminator())
      if (failed(verify(&op)))
        return failure();
    RewritePatternSet noPatterns(&ctx);
    (void)applyPatternsAndFoldGreedily(func, std::move(noPatterns));
    return func;
  }

  /// Adds an initializer (and, before IR version 4, the graph input every
  /// initializer needs) holding a folded value.
  static void addFoldedInitializer(::onnx::ModelProto &model,
                                   const ::onnx::TensorProto &t) {
    ::onnx::GraphProto *graph = model.mutable_graph();
    *graph->add_initializer() = t;
    if (model.ir_version() >= 4)
      return;
    auto *input = graph->add_input();
    input->set_name(t.name());
    auto *tt = input->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(t.data_type());
    auto *shape = tt->mutable_shape();
    for (int64_t d : t.dims())
      shape->add_dim()->set_dim_value(d);
  }

  /// Shape subgraphs (Shape -> Gather -> Concat -> Reshape, ConstantOfShape
  /// chains, ...) compute constants that ONNX shape inference cannot always
  /// evaluate. Nodes whose inputs are all constants are imported on their
  /// own, folded with bnnc's folders, and replaced by initializers holding
  /// their values, so the next round of inference sees them.
  LogicalResult foldConstantNodes(::onnx::ModelProto &model, bool &changed) {
    ::onnx::GraphProto *graph = model.mutable_graph();
    collectValueTypes(*graph);
    SmallVector<int> candidates = foldCandidates(*graph);
    if (candidates.empty())
      return success();
    OwningOpRef<ModuleOp> scratch = ModuleOp::create(fileLoc);
    SmallVector<std::string> names;
    FailureOr<func::FuncOp> func =
        foldInScratch(*graph, candidates, *scratch, names);
    if (failed(func))
      return failure();

    // Outputs that folded become initializers; their nodes go away.
    auto ret = cast<func::ReturnOp>(func->getBody().front().getTerminator());
    llvm::StringSet<> folded;
    for (auto [name, v] : llvm::zip(names, ret.getOperands())) {
      auto c = v.getDefiningOp<onnx::ConstantOp>();
      auto attr = c ? dyn_cast<DenseElementsAttr>(c.getValue()) : nullptr;
      ::onnx::TensorProto t;
      if (attr && toTensorProto(attr, name, t)) {
        addFoldedInitializer(model, t);
        folded.insert(name);
      }
    }
    google::protobuf::RepeatedPtrField<::onnx::NodeProto> kept;
    for (const auto &node : graph->node()) {
      bool allFolded = node.op_type() != "Constant" && node.output_size() > 0 &&
                       llvm::all_of(node.output(), [&](const std::string &n) {
                         return n.empty() || folded.contains(n);
                       });
      if (!allFolded)
        *kept.Add() = node;
    }
    changed = kept.size() != graph->node_size();
    graph->mutable_node()->Swap(&kept);
    values.clear();
    return success();
  }

  //===--------------------------------------------------------------===//
  // If (ONNX control flow): a constant condition inlines the branch taken;
  // otherwise both branches are imported and their outputs selected with
  // Where (importIf).
  //===--------------------------------------------------------------===//

  static bool isIf(const ::onnx::NodeProto &node) {
    return node.op_type() == "If" &&
           (node.domain().empty() || node.domain() == "ai.onnx");
  }

  static const ::onnx::GraphProto *branchOf(const ::onnx::NodeProto &node,
                                            StringRef which) {
    for (const auto &a : node.attribute())
      if (a.name() == which && a.has_g())
        return &a.g();
    return nullptr;
  }

  /// The value of a one-element bool (or numeric) initializer, if `name`
  /// is one.
  static std::optional<bool> constantCondition(const ::onnx::GraphProto &graph,
                                               const std::string &name) {
    for (const auto &t : graph.initializer()) {
      if (t.name() != name)
        continue;
      int64_t count = 1;
      for (int64_t d : t.dims())
        count *= d;
      if (count != 1 || t.data_location() == ::onnx::TensorProto::EXTERNAL)
        return std::nullopt;
      if (t.has_raw_data())
        return llvm::any_of(t.raw_data(), [](char c) { return c != 0; });
      if (t.int32_data_size() == 1)
        return t.int32_data(0) != 0;
      if (t.int64_data_size() == 1)
        return t.int64_data(0) != 0;
      return std::nullopt;
    }
    return std::nullopt;
  }

  static bool hasConstantIf(const ::onnx::GraphProto &graph) {
    return llvm::any_of(graph.node(), [&](const ::onnx::NodeProto &node) {
      return isIf(node) && node.input_size() == 1 &&
             constantCondition(graph, node.input(0)) &&
             branchOf(node, "then_branch") && branchOf(node, "else_branch");
    });
  }

  /// Renames the values a branch defines that collide with names of the
  /// enclosing graph (ONNX allows a subgraph to shadow nothing, but names
  /// of sibling branches may repeat), in the branch and its subgraphs.
  static void renameInGraph(::onnx::GraphProto &g,
                            const llvm::StringMap<std::string> &renamed) {
    auto apply = [&](std::string *name) {
      if (auto it = renamed.find(*name); it != renamed.end())
        *name = it->second;
    };
    for (auto &node : *g.mutable_node()) {
      for (auto &n : *node.mutable_input())
        apply(&n);
      for (auto &n : *node.mutable_output())
        apply(&n);
      for (auto &a : *node.mutable_attribute()) {
        if (a.has_g())
          renameInGraph(*a.mutable_g(), renamed);
        for (auto &sub : *a.mutable_graphs())
          renameInGraph(sub, renamed);
      }
    }
    for (auto &v : *g.mutable_output())
      apply(v.mutable_name());
    for (auto &v : *g.mutable_value_info())
      apply(v.mutable_name());
    for (auto &t : *g.mutable_initializer())
      apply(t.mutable_name());
  }

  /// Replaces every top-level If whose condition is an initializer by the
  /// nodes of the branch it takes, followed by an Identity per output. The
  /// branch's initializers and value types move to the main graph.
  LogicalResult inlineConstantIfs(::onnx::ModelProto &model) {
    ::onnx::GraphProto *graph = model.mutable_graph();
    llvm::StringSet<> defined;
    auto define = [&](const std::string &n) {
      if (!n.empty())
        defined.insert(n);
    };
    for (const auto &v : graph->input())
      define(v.name());
    for (const auto &t : graph->initializer())
      define(t.name());
    for (const auto &node : graph->node())
      for (const auto &o : node.output())
        define(o);
    google::protobuf::RepeatedPtrField<::onnx::NodeProto> nodes;
    int64_t fresh = 0;
    for (const auto &node : graph->node()) {
      std::optional<bool> cond =
          isIf(node) && node.input_size() == 1
              ? constantCondition(*graph, node.input(0))
              : std::nullopt;
      const ::onnx::GraphProto *taken =
          cond ? branchOf(node, *cond ? "then_branch" : "else_branch")
               : nullptr;
      if (!taken || taken->output_size() != node.output_size()) {
        *nodes.Add() = node;
        continue;
      }
      ::onnx::GraphProto branch = *taken;
      llvm::StringMap<std::string> renamed;
      auto rename = [&](const std::string &n) {
        if (n.empty() || !defined.contains(n) || renamed.count(n))
          return;
        std::string name;
        do
          name = n + "__if" + std::to_string(fresh++);
        while (defined.contains(name));
        renamed[n] = name;
        defined.insert(name);
      };
      for (const auto &t : branch.initializer())
        rename(t.name());
      for (const auto &inner : branch.node())
        for (const auto &o : inner.output())
          rename(o);
      renameInGraph(branch, renamed);
      for (const auto &t : branch.initializer()) {
        define(t.name());
        addFoldedInitializer(model, t);
      }
      for (auto &inner : *branch.mutable_node()) {
        for (const auto &o : inner.output())
          define(o);
        if (!inner.name().empty())
          inner.set_name(node.name() + "/" + inner.name());
        *nodes.Add() = std::move(inner);
      }
      for (const auto &info : branch.value_info())
        *graph->add_value_info() = info;
      for (auto [out, result] : llvm::zip(branch.output(), node.output())) {
        if (result.empty())
          continue;
        auto *identity = nodes.Add();
        identity->set_op_type("Identity");
        identity->set_name(node.name() + "/" + result);
        identity->add_input(out.name());
        identity->add_output(result);
      }
    }
    graph->mutable_node()->Swap(&nodes);
    // The If's outputs get the branch's types from inference.
    for (auto &info : *graph->mutable_value_info())
      info.mutable_type()->mutable_tensor_type()->clear_shape();
    return success();
  }

  OwningOpRef<ModuleOp> build(const ::onnx::GraphProto &graph) {
    collectValueTypes(graph);

    OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
    llvm::StringSet<> initializerNames;
    for (const auto &init : graph.initializer())
      initializerNames.insert(init.name());

    // Graph inputs that are also initializers are weights (IR < 4 style).
    SmallVector<Type> argTypes;
    SmallVector<std::string> argNames;
    for (const auto &input : graph.input()) {
      if (initializerNames.contains(input.name()))
        continue;
      auto type =
          tensorType(input.type(), "graph input '" + input.name() + "'");
      if (failed(type))
        return nullptr;
      argTypes.push_back(*type);
      argNames.push_back(input.name());
    }
    SmallVector<Type> resultTypes;
    llvm::StringMap<std::string> producers;
    llvm::StringSet<> ifOutputs;
    for (auto [i, node] : llvm::enumerate(graph.node()))
      for (const std::string &o : node.output()) {
        producers[o] = describe(
            node, node.name().empty() ? node.op_type() + "_" + std::to_string(i)
                                      : node.name());
        if (isIf(node))
          ifOutputs.insert(o);
      }
    for (const auto &output : graph.output()) {
      // An If's output type is the one its branches compute (checked by
      // importIf); ONNX's merge of the two can be symbolic.
      if (ifOutputs.contains(output.name())) {
        resultTypes.push_back(Type());
        continue;
      }
      std::string what = "graph output '" + output.name() + "'";
      if (auto it = producers.find(output.name()); it != producers.end())
        what += " of " + it->second;
      auto type = tensorType(output.type(), what);
      if (failed(type))
        return nullptr;
      resultTypes.push_back(*type);
    }

    builder.setInsertionPointToEnd(module->getBody());
    SmallVector<Type> knownResultTypes;
    for (Type t : resultTypes)
      knownResultTypes.push_back(t ? t : builder.getNoneType());
    auto func = builder.create<func::FuncOp>(
        fileLoc, "main", builder.getFunctionType(argTypes, knownResultTypes));
    // Some semantics depend on the opset (Softmax's axis before/after 13).
    func->setAttr("onnx.opset", builder.getI64IntegerAttr(opset));
    Block *body = func.addEntryBlock();
    for (auto [i, name] : llvm::enumerate(argNames)) {
      func.setArgAttr(i, bnn::kOnnxNameAttr, builder.getStringAttr(name));
      values[name] = body->getArgument(i);
    }
    builder.setInsertionPointToEnd(body);

    for (const auto &init : graph.initializer()) {
      auto value = tensorAttr(init, "initializer '" + init.name() + "'");
      if (failed(value))
        return nullptr;
      values[init.name()] = builder.create<onnx::ConstantOp>(
          nodeLoc(init.name()), value->getType(), *value);
    }
    for (auto [i, node] : llvm::enumerate(graph.node())) {
      std::string name = node.name().empty()
                             ? node.op_type() + "_" + std::to_string(i)
                             : node.name();
      if (failed(importNode(node, name)))
        return nullptr;
    }
    SmallVector<Value> results;
    for (auto [i, output] : llvm::enumerate(graph.output())) {
      auto it = values.find(output.name());
      if (it == values.end()) {
        error() << "graph output '" << output.name()
                << "' is not produced by any node";
        return nullptr;
      }
      if (!resultTypes[i])
        resultTypes[i] = it->second.getType();
      if (it->second.getType() != resultTypes[i]) {
        error() << "graph output '" << output.name() << "' is declared as "
                << resultTypes[i] << " but computed as "
                << it->second.getType();
        return nullptr;
      }
      func.setResultAttr(i, bnn::kOnnxNameAttr,
                         builder.getStringAttr(output.name()));
      results.push_back(it->second);
    }
    builder.create<func::ReturnOp>(fileLoc, results);
    func.setType(builder.getFunctionType(argTypes, resultTypes));
    if (failed(verify(*module)))
      return nullptr;
    return module;
  }
};

} // namespace

bool readRegularFile(StringRef path, int64_t maxBytes, StringRef limitText,
                     std::string &contents, std::string &why) {
  auto sysError = [&](StringRef what) {
    why = (what + ": " +
           std::error_code(errno, std::generic_category()).message())
              .str();
    return false;
  };
  std::string name = path.str();
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  int fd;
  do
    fd = ::open(name.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return sysError("cannot open file");
  auto closeFd = llvm::make_scope_exit([&] { ::close(fd); });
  struct stat st;
  if (::fstat(fd, &st) != 0)
    return sysError("cannot read file");
  if (S_ISDIR(st.st_mode)) {
    why = "is a directory, not a file";
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    why = "is not a regular file (a FIFO, device or socket); bnnc reads "
          "regular files only";
    return false;
  }
  if (st.st_size > maxBytes) {
    why = ("file is " + Twine(static_cast<int64_t>(st.st_size)) +
           " bytes, more than " + limitText)
              .str();
    return false;
  }
  // A file that grows meanwhile is read up to its size at the fstat.
  contents.assign(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t got = ::read(fd, contents.data() + done, contents.size() - done);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return sysError("cannot read file");
    if (got == 0)
      break;
    done += static_cast<size_t>(got);
  }
  contents.resize(done);
  return true;
}

OwningOpRef<ModuleOp> importOnnxFile(MLIRContext &context, StringRef path,
                                     const ImportOptions &options) {
  return OnnxImporter(context, path, options).run();
}

std::string printableText(StringRef text) {
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      out += "\\x" + llvm::utohexstr(u, /*LowerCase=*/true, /*Width=*/2);
    else
      out += c;
  }
  return out;
}

OwningOpRef<ModuleOp> importOnnxBuffer(MLIRContext &context, StringRef contents,
                                       StringRef name,
                                       const ImportOptions &options) {
  return OnnxImporter(context, name, options, contents).run();
}

/// The element type of every value the graph names.
static llvm::StringMap<int32_t> valueElementTypes(const ::onnx::GraphProto &graph) {
  llvm::StringMap<int32_t> dtypes;
  auto record = [&](const ::onnx::ValueInfoProto &v) {
    if (v.type().has_tensor_type())
      dtypes[v.name()] = v.type().tensor_type().elem_type();
  };
  for (const auto &v : graph.input())
    record(v);
  for (const auto &v : graph.output())
    record(v);
  for (const auto &v : graph.value_info())
    record(v);
  for (const auto &t : graph.initializer())
    dtypes[t.name()] = t.data_type();
  return dtypes;
}

/// Graph inputs and outputs must be tensors (no sequences or optionals),
/// and the compile refuses symbolic input dimensions that --input-shape
/// does not bind (the options are already applied to the model). Reports
/// each problem; true if there is none.
static bool checkGraphValues(const ::onnx::GraphProto &graph,
                             raw_ostream &report) {
  bool supported = true;
  for (const auto *values : {&graph.input(), &graph.output()})
    for (const auto &v : *values)
      if (!v.type().has_tensor_type()) {
        supported = false;
        report << "bnnc: unsupported: graph value '" << v.name()
               << "' is not a tensor\n";
      }
  llvm::StringSet<> initializerNames;
  for (const auto &t : graph.initializer())
    initializerNames.insert(t.name());
  for (const auto &v : graph.input()) {
    if (!v.type().has_tensor_type() || initializerNames.contains(v.name()))
      continue;
    for (auto [i, dim] : llvm::enumerate(v.type().tensor_type().shape().dim()))
      if (!dim.has_dim_value()) {
        supported = false;
        report << "bnnc: unsupported: graph input '" << printableText(v.name())
               << "' has a symbolic dimension " << i;
        if (dim.has_dim_param())
          report << " ('" << printableText(dim.dim_param()) << "')";
        report << "; bnnc needs static shapes (give them with --input-shape "
                  "NAME=1x3x32x32)\n";
      }
  }
  return supported;
}

/// Checks one node against the operator table: operator and opset, its
/// outputs, training-mode Dropout, window rank and element types. Reports
/// each problem; true if there is none.
static bool checkNode(const ::onnx::NodeProto &node, size_t index,
                      int64_t opset, const ::onnx::GraphProto &graph,
                      const llvm::StringMap<int32_t> &dtypes,
                      raw_ostream &report, StringRef scope = "") {
  bool supported = true;
  std::string name = printableText(
      node.name().empty() ? node.op_type() + "_" + std::to_string(index)
                          : node.name());
  std::string opType = printableText(node.op_type());
  auto problem = [&]() -> raw_ostream & {
    supported = false;
    return report << "bnnc: unsupported: node '" << name << "' (" << opType
                  << ")" << scope << ": ";
  };
  bool defaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
  static const SupportedOp bipolarQuant = {"BipolarQuant", 1, kMaxOpset,
                                           kFloat};
  static const SupportedOp tflite = {"Tflite", 1, kMaxOpset,
                                     kFloat | kInt8 | kUint8 | kInt32};
  const SupportedOp *op =
      OnnxImporter::isBipolarQuant(node) ? &bipolarQuant
      : OnnxImporter::isBnncTflite(node) ? &tflite
      : defaultDomain && OnnxImporter::opSupported(node.op_type(), opset)
          ? findSupportedOp(node.op_type(), std::max(opset, kMinOpset))
          : nullptr;
  if (!op) {
    problem() << "operator not supported at opset " << opset << "\n";
    return false;
  }
  // Optional extra outputs (BN training statistics, MaxPool indices,
  // Dropout mask, LayerNorm mean/inv-std) have no kernel.
  int nonEmptyOutputs = llvm::count_if(
      node.output(), [](const std::string &o) { return !o.empty(); });
  bool multipleOutputs = node.op_type() == "Split" ||
                         node.op_type() == "TopK" || node.op_type() == "If" ||
                         node.op_type() == "LSTM" || node.op_type() == "GRU" ||
                         node.op_type() == "RNN" ||
                         node.op_type() == "DynamicQuantizeLinear";
  // LayerNormalization's Mean and InvStdDev are computed when they are a
  // prefix of the outputs (the dialect op lists the present ones in order).
  bool statsPrefix = node.op_type() == "LayerNormalization" &&
                     llvm::none_of(node.output(), [](const std::string &o) {
                       return o.empty();
                     });
  if (!multipleOutputs && !statsPrefix && nonEmptyOutputs > 1)
    problem() << "only the first output is supported, the node has "
              << nonEmptyOutputs << "\n";
  // Random training-mode Dropout has no deterministic inference form.
  if (node.op_type() == "Dropout" && node.input_size() > 2 &&
      !node.input(2).empty())
    problem() << "training_mode input is not supported\n";
  // Windows (Conv, pooling) are 1-D or 2-D.
  bool windowed = node.op_type() == "Conv" || node.op_type() == "MaxPool" ||
                  node.op_type() == "AveragePool" ||
                  node.op_type() == "QLinearConv" ||
                  node.op_type() == "ConvInteger";
  for (const auto *values : {&graph.input(), &graph.value_info()})
    for (const auto &v : *values)
      if (windowed && v.name() == node.input(0) &&
          v.type().tensor_type().shape().dim_size() > 4)
        problem() << "only 1-D and 2-D windows are supported\n";
  SmallVector<std::string> names(node.input().begin(), node.input().end());
  names.append(node.output().begin(), node.output().end());
  for (const std::string &value : names) {
    auto it = dtypes.find(value);
    if (value.empty() || it == dtypes.end())
      continue;
    if (!(dtypeBit(it->second) & op->dtypes))
      problem() << "element type "
                << ::onnx::TensorProto::DataType_Name(
                       static_cast<::onnx::TensorProto::DataType>(it->second))
                << " of '" << value
                << "' is not supported (supported: " << dtypeNames(op->dtypes)
                << ")\n";
  }
  return supported;
}

/// Checks every node of `graph` and, recursively, of the subgraphs of its
/// nodes (If branches, Loop and Scan bodies), so that the innermost
/// unsupported node is named. `outer` holds the element types of the
/// enclosing scopes; `scope` says where `graph` is (" in then_branch of
/// node 'if0'"). Nesting is bounded by --max-subgraph-depth (checked on
/// the wire format before parsing).
static bool checkGraphNodes(const ::onnx::GraphProto &graph, int64_t opset,
                            const llvm::StringMap<int32_t> &outer,
                            const std::string &scope, raw_ostream &report) {
  llvm::StringMap<int32_t> dtypes = outer;
  for (const auto &[name, type] : valueElementTypes(graph))
    dtypes[name] = type;
  bool supported = true;
  for (auto [i, node] : llvm::enumerate(graph.node())) {
    supported &= checkNode(node, i, opset, graph, dtypes, report, scope);
    std::string name = printableText(
        node.name().empty() ? node.op_type() + "_" + std::to_string(i)
                            : node.name());
    for (const auto &a : node.attribute()) {
      std::string inner = " in " + printableText(a.name()) + " of node '" +
                          name + "' (" + printableText(node.op_type()) + ")" +
                          scope;
      if (a.has_g())
        supported &= checkGraphNodes(a.g(), opset, dtypes, inner, report);
      for (const auto &g : a.graphs())
        supported &= checkGraphNodes(g, opset, dtypes, inner, report);
    }
  }
  return supported;
}

Support checkOnnxSupport(StringRef path, const ImportOptions &options,
                         raw_ostream &report) {
  MLIRContext context;
  std::string invalid;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    invalid = printableText(diag.str());
    return success();
  });
  OnnxImporter importer(context, path, options);
  importer.foldShapes = false;
  ::onnx::ModelProto model;
  if (failed(importer.load(model))) {
    report << (importer.opsetUnsupported ? "bnnc: unsupported: "
                                         : "bnnc: error: ")
           << printableText(path) << ": " << invalid << "\n";
    return importer.opsetUnsupported ? Support::Unsupported : Support::Invalid;
  }
  const auto &graph = model.graph();
  bool supported = checkGraphValues(graph, report);
  supported &= checkGraphNodes(graph, importer.getOpset(),
                               llvm::StringMap<int32_t>(), "", report);
  return supported ? Support::Supported : Support::Unsupported;
}

} // namespace bnnc
