//===- Report.cpp - Per-layer report of a compiled model ------------------===//

#include "compiler/Report.h"

#include "dialects/bnn/BnnDialect.h"
#include "dialects/onnx/ShapeUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace llvm;

namespace bnnc {
namespace {

struct Layer {
  std::string op, nodes, inputShapes, outputShape, note;
  bool binary = false;
  int64_t macs = 0, weightBytes = 0, offset = -1, bytes = 0;
  int64_t accumulatorBits = 0; // binary layers: the narrowest safe width
};

/// |dot| <= K, so K bounds the accumulator: 8 bits up to K = 127, 16 up to
/// 32767, else 32 (the SIMD targets use it; the generic kernels use int32).
int64_t accumulatorBits(bnn::BConv2DOp op) {
  int64_t k = op.getChannels() / op.getGroup() * op.getKernel()[0] *
              op.getKernel()[1];
  return k <= 127 ? 8 : (k <= 32767 ? 16 : 32);
}

std::string shapeText(Type type) {
  auto t = cast<RankedTensorType>(type);
  return join(map_range(t.getShape(), [](int64_t d) { return std::to_string(d); }),
              "x") +
         "x" + [&] {
           std::string s;
           raw_string_ostream os(s);
           t.getElementType().print(os);
           return s;
         }();
}

/// Multiply-accumulates of the layers that have them (binary ones count
/// binary MACs: one per weight bit per output).
int64_t macsOf(Operation *op) {
  if (auto c = dyn_cast<bnn::Conv2DOp>(op)) {
    auto w = shapeOf(c.getWeight());
    return shapeProduct(shapeOf(c.getOutput())) * w[1] * w[2] * w[3];
  }
  if (auto c = dyn_cast<bnn::BConv2DOp>(op)) {
    // Outputs: N*M*OH*OW whether written as floats (NCHW) or bits.
    auto y = shapeOf(c.getOutput());
    int64_t outputs = c.writesBits() ? y[0] * y[1] * y[2] * c.getOutChannels()
                                     : shapeProduct(y);
    return outputs * c.getChannels() / c.getGroup() * c.getKernel()[0] *
           c.getKernel()[1];
  }
  if (auto g = dyn_cast<bnn::GemmOp>(op))
    return shapeProduct(shapeOf(g.getOutput())) *
           shapeOf(g.getA())[g.getTransA() ? 0 : 1];
  if (auto m = dyn_cast<bnn::MatMulOp>(op))
    return shapeProduct(shapeOf(m.getOutput())) * shapeOf(m.getA()).back();
  // Bi-Attention: [G, L, S] +-1 dot products of length D, and [G, L, D]
  // sums over S keys.
  if (auto s = dyn_cast<bnn::BinAttentionScoresOp>(op)) {
    auto q = shapeOf(s.getQueries()), k = shapeOf(s.getKeys());
    return q[0] * k[0] / shapeOf(s.getOutput())[0] * s.getDim();
  }
  if (auto c = dyn_cast<bnn::BinAttentionContextOp>(op))
    return shapeProduct(shapeOf(c.getOutput())) * c.getKeys();
  return 0;
}

/// A real matrix layer whose input is binarized (a float sign) is a layer
/// the binarize pass could not prove exact; the report says so.
bool hasBinarizedInput(Operation *op) {
  if (!isa<bnn::Conv2DOp, bnn::GemmOp, bnn::MatMulOp>(op))
    return false;
  auto e = bnn::viewSource(op->getOperand(0)).getDefiningOp<bnn::ElementwiseOp>();
  return e && (e.getKind() == "sign" || e.getKind() == "bipolar");
}


} // namespace

ResourceUse measureResources(ModuleOp module) {
  ResourceUse use;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (auto a = func->getAttrOfType<IntegerAttr>(bnn::kArenaSizeAttr))
      use.arenaBytes = std::max(use.arenaBytes, a.getInt());
    func.walk([&](Operation *op) {
      if (op->getNumResults() != 1 ||
          !isa<RankedTensorType>(op->getResult(0).getType()))
        return;
      int64_t bytes = bnn::tensorBytes(op->getResult(0).getType());
      if (op->hasTrait<OpTrait::ConstantLike>()) {
        if (!op->use_empty())
          use.constantBytes += bytes;
      } else if (op->hasAttr(bnn::kOffsetAttr) && bytes > use.largestBytes) {
        use.largestBytes = bytes;
        use.largestValue = op;
      }
    });
  }
  return use;
}

void writeReport(ModuleOp module, int64_t onnxFileBytes, raw_ostream &os,
                 bool json) {
  SmallVector<Layer> layers;
  int64_t arena = 0, arenaBound = 0, weights = 0, macs = 0, binaryMacs = 0;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (auto a = func->getAttrOfType<IntegerAttr>(bnn::kArenaSizeAttr))
      arena = a.getInt();
    if (auto a = func->getAttrOfType<IntegerAttr>(bnn::kArenaLowerBoundAttr))
      arenaBound = a.getInt();
    for (Operation &op : func.getBody().front().without_terminator()) {
      if (op.hasTrait<OpTrait::ConstantLike>() || bnn::isView(&op))
        continue;
      Layer l;
      l.op = op.getName().stripDialect().str();
      l.nodes = join(bnn::nodeNames(op.getLoc()), ", ");
      SmallVector<std::string> ins;
      for (Value v : op.getOperands()) {
        if (v.getDefiningOp() &&
            v.getDefiningOp()->hasTrait<OpTrait::ConstantLike>())
          l.weightBytes += bnn::tensorBytes(v.getType());
        else
          ins.push_back(shapeText(v.getType()));
      }
      l.inputShapes = join(ins, ", ");
      l.outputShape = shapeText(op.getResult(0).getType());
      l.binary = op.hasTrait<bnn::OpTrait::BinaryKernel>();
      l.macs = macsOf(&op);
      if (hasBinarizedInput(&op))
        l.note = "binarized input kept real: weights not +-alpha per channel "
                 "or no exact binary form";
      if (auto conv = dyn_cast<bnn::BConv2DOp>(op))
        l.accumulatorBits = accumulatorBits(conv);
      l.bytes = bnn::tensorBytes(op.getResult(0).getType());
      if (auto off = op.getAttrOfType<IntegerAttr>(bnn::kOffsetAttr))
        l.offset = off.getInt();
      weights += l.weightBytes;
      macs += l.macs;
      if (l.binary)
        binaryMacs += l.macs;
      layers.push_back(l);
    }
  }
  double binaryShare = macs ? 100.0 * binaryMacs / macs : 0.0;
  // Decisions of the transformer passes, recorded on the function.
  SmallVector<DictionaryAttr> migrations;
  for (auto func : module.getOps<func::FuncOp>())
    if (auto a = func->getAttrOfType<ArrayAttr>("bnn.gamma_migration"))
      for (Attribute e : a)
        migrations.push_back(cast<DictionaryAttr>(e));
  auto text = [](DictionaryAttr d, StringRef key) -> std::string {
    auto s = d.getAs<StringAttr>(key);
    return s ? s.str() : "";
  };
  auto number = [](DictionaryAttr d, StringRef key) {
    auto f = d.getAs<FloatAttr>(key);
    return f ? f.getValueAsDouble() : 0.0;
  };
  auto integer = [](DictionaryAttr d, StringRef key) -> int64_t {
    auto i = d.getAs<IntegerAttr>(key);
    return i ? i.getInt() : 0;
  };
  DictionaryAttr pruning;
  for (auto func : module.getOps<func::FuncOp>())
    if (auto a = func->getAttrOfType<DictionaryAttr>("bnn.token_prune"))
      pruning = a;
  auto pruneList = [&](StringRef key) {
    SmallVector<DictionaryAttr> list;
    if (pruning)
      if (auto a = pruning.getAs<ArrayAttr>(key))
        for (Attribute e : a)
          list.push_back(cast<DictionaryAttr>(e));
    return list;
  };
  if (json) {
    json::Array rows;
    for (const Layer &l : layers)
      rows.push_back(json::Object{
          {"op", l.op}, {"nodes", l.nodes}, {"inputs", l.inputShapes},
          {"output", l.outputShape}, {"binary", l.binary}, {"macs", l.macs},
          {"weight_bytes", l.weightBytes},
          {"arena_offset", l.offset < 0 ? json::Value(nullptr)
                                        : json::Value(l.offset)},
          {"output_bytes", l.bytes},
          {"note", l.note.empty() ? json::Value(nullptr) : json::Value(l.note)},
          {"accumulator_bits", l.accumulatorBits ? json::Value(l.accumulatorBits)
                                                 : json::Value(nullptr)}});
    json::Object totals{{"weight_bytes", weights},
                        {"onnx_file_bytes", onnxFileBytes},
                        {"arena_bytes", arena},
                        {"arena_lower_bound_bytes", arenaBound},
                        {"macs", macs},
                        {"binary_macs", binaryMacs},
                        {"binary_mac_percent", binaryShare}};
    json::Object root{{"layers", std::move(rows)},
                      {"totals", std::move(totals)}};
    if (!migrations.empty()) {
      json::Array entries;
      for (DictionaryAttr d : migrations)
        entries.push_back(
            json::Object{{"node", text(d, "node")},
                         {"form", text(d, "form")},
                         {"max_abs_before", number(d, "max_abs_before")},
                         {"max_abs_after", number(d, "max_abs_after")},
                         {"note", text(d, "note")}});
      root["gamma_migration"] = std::move(entries);
    }
    if (pruning) {
      json::Array stages, blocks;
      for (DictionaryAttr d : pruneList("stages"))
        stages.push_back(
            json::Object{{"block", integer(d, "block")},
                         {"after_node", text(d, "node")},
                         {"tokens_before", integer(d, "tokens_before")},
                         {"tokens_after", integer(d, "tokens_after")}});
      for (DictionaryAttr d : pruneList("macs"))
        blocks.push_back(
            json::Object{{"module", text(d, "block")},
                         {"macs_before", integer(d, "macs_before")},
                         {"macs_after", integer(d, "macs_after")}});
      root["token_prune"] = json::Object{{"stages", std::move(stages)},
                                         {"macs", std::move(blocks)}};
    }
    os << formatv("{0:2}", json::Value(std::move(root))) << "\n";
    return;
  }
  os << "kernel     kind           MACs  weights B    arena @  output"
        "                    ONNX nodes\n";
  for (const Layer &l : layers)
    os << format("%-10s %-6s %12lld %10lld %10s  %-24s %s\n", l.op.c_str(),
                 l.binary ? "binary" : "real", (long long)l.macs,
                 (long long)l.weightBytes,
                 l.offset < 0 ? "output" : std::to_string(l.offset).c_str(),
                 l.outputShape.c_str(),
                 (l.nodes + (l.note.empty() ? "" : "  [" + l.note + "]")).c_str());
  if (!migrations.empty()) {
    os << "ln-gamma-migration (max |LayerNorm output| over all inputs: "
          "max_i |gamma_i| sqrt(D-1) + |beta_i|):\n";
    for (DictionaryAttr d : migrations)
      os << format("  %-12s before %9.3f  after %9.3f  %s%s\n",
                   text(d, "form").c_str(), number(d, "max_abs_before"),
                   number(d, "max_abs_after"), text(d, "node").c_str(),
                   text(d, "note").empty()
                       ? ""
                       : ("  [" + text(d, "note") + "]").c_str());
  }
  if (pruning) {
    os << "token-prune:\n";
    for (DictionaryAttr d : pruneList("stages"))
      os << format("  block %lld: %lld -> %lld tokens after %s\n",
                   (long long)integer(d, "block"),
                   (long long)integer(d, "tokens_before"),
                   (long long)integer(d, "tokens_after"),
                   text(d, "node").c_str());
    int64_t totalBefore = 0, totalAfter = 0;
    os << "  module            MACs before   MACs after\n";
    for (DictionaryAttr d : pruneList("macs")) {
      totalBefore += integer(d, "macs_before");
      totalAfter += integer(d, "macs_after");
      os << format("  %-16s %12lld %12lld\n", text(d, "block").c_str(),
                   (long long)integer(d, "macs_before"),
                   (long long)integer(d, "macs_after"));
    }
    os << format("  %-16s %12lld %12lld (%.1f%%)\n", (const char *)"total",
                 (long long)totalBefore, (long long)totalAfter,
                 totalBefore ? 100.0 * totalAfter / totalBefore : 0.0);
  }
  os << format("weights: %lld bytes (ONNX file: %lld bytes, %.1fx smaller); "
               "arena: %lld bytes; MACs: %lld, %.1f%% binary\n",
               (long long)weights, (long long)onnxFileBytes,
               weights ? double(onnxFileBytes) / weights : 0.0,
               (long long)arena, (long long)macs, binaryShare);
  os << format("arena: %lld bytes planned, lower bound %lld bytes (the "
               "largest total of tensors live at once), %.3fx\n",
               (long long)arena, (long long)arenaBound,
               arenaBound ? double(arena) / arenaBound : 1.0);
}

} // namespace bnnc
