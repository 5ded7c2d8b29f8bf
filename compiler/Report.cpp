//===- Report.cpp - Per-layer report of a compiled model ------------------===//

#include "compiler/Report.h"
#include "compiler/ReportData.h"

#include "dialects/bnn/BnnDialect.h"
#include "dialects/onnx/ShapeUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace llvm;
using namespace bnnc::report;

namespace bnnc {
namespace {

/// |dot| <= K, so K bounds the accumulator: 8 bits up to K = 127, 16 up to
/// 32767, else 32 (the SIMD targets use it; the generic kernels use int32).
int64_t accumulatorBits(bnn::BConv2DOp op) {
  int64_t k =
      op.getChannels() / op.getGroup() * op.getKernel()[0] * op.getKernel()[1];
  return k <= 127 ? 8 : (k <= 32767 ? 16 : 32);
}

std::string shapeText(Type type) {
  auto t = cast<RankedTensorType>(type);
  return join(map_range(t.getShape(),
                        [](int64_t d) { return std::to_string(d); }),
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
  // int8 layers (docs/int8.md): one 8-bit MAC per weight per output.
  if (auto c = dyn_cast<bnn::QConv2DOp>(op)) {
    auto w = shapeOf(c.getWeight());
    return shapeProduct(shapeOf(c.getOutput())) * w[1] * w[2] * w[3];
  }
  if (auto m = dyn_cast<bnn::QMatMulOp>(op))
    return shapeProduct(shapeOf(m.getOutput())) * shapeOf(m.getA()).back();
  // Bi-Attention: [G, L, S] +-1 dot products of length D, and [G, L, D]
  // sums over S keys.
  if (auto s = dyn_cast<bnn::BinAttentionScoresOp>(op)) {
    auto q = shapeOf(s.getQueries()), k = shapeOf(s.getKeys());
    return q[0] * k[0] / shapeOf(s.getOutput())[0] * s.getDim();
  }
  if (auto c = dyn_cast<bnn::BinAttentionContextOp>(op))
    return shapeProduct(shapeOf(c.getOutput())) * c.getKeys();
  // RNN, GRU, LSTM: per step, direction and batch element, the G*H gate
  // rows dot the input (I) and the hidden state (H). (Steps past a
  // sequence_lens value are skipped at run time; this counts all of them.)
  if (auto r = dyn_cast<bnn::RecurrentOp>(op)) {
    auto x = shapeOf(r.getInput()), w = shapeOf(r.getWeight());
    return x[0] * x[1] * w[0] * w[1] * (x[2] + w[1] / r.getGateCount());
  }
  // Transposed convolution: every input element meets every tap of its
  // group's M / group output channels.
  if (auto c = dyn_cast<bnn::ConvTransposeOp>(op)) {
    auto w = shapeOf(c.getWeight());
    return shapeProduct(shapeOf(c.getInput())) * shapeProduct(w.drop_front(1));
  }
  return 0;
}

/// A real matrix layer whose input is binarized (a float sign) is a layer
/// the binarize pass could not prove exact; the report says so.
bool hasBinarizedInput(Operation *op) {
  if (!isa<bnn::Conv2DOp, bnn::GemmOp, bnn::MatMulOp>(op))
    return false;
  auto e =
      bnn::viewSource(op->getOperand(0)).getDefiningOp<bnn::ElementwiseOp>();
  return e && (e.getKind() == bnn::ElementwiseKind::Sign ||
               e.getKind() == bnn::ElementwiseKind::Bipolar);
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
      if (!op->hasTrait<OpTrait::ConstantLike>() &&
          op->hasAttr(bnn::kOffsetAttr) && bytes > use.largestBytes) {
        use.largestBytes = bytes;
        use.largestValue = op;
      }
    });
  }
  return use;
}

namespace {

/// "binary" for the binary kernels, "real" for those with float data (any
/// float operand or result), else "integer".
std::string kindOf(Operation &op) {
  if (op.hasTrait<bnn::OpTrait::BinaryKernel>())
    return "binary";
  auto isFloat = [](Type t) {
    auto tensor = dyn_cast<RankedTensorType>(t);
    return tensor && isa<FloatType>(tensor.getElementType());
  };
  return llvm::any_of(op.getOperandTypes(), isFloat) ||
                 llvm::any_of(op.getResultTypes(), isFloat)
             ? "real"
             : "integer";
}

/// The op's own attributes, "name=value" (large values shortened).
std::string detailsOf(Operation &op) {
  SmallVector<std::string> parts;
  for (NamedAttribute a : op.getAttrs()) {
    StringRef name = a.getName().strref();
    if (name.starts_with("bnn.") || name == "operandSegmentSizes" ||
        name == "value")
      continue;
    std::string text;
    raw_string_ostream os(text);
    a.getValue().print(os, /*elideType=*/true);
    // "#bnn.activation<relu>" -> "relu"; no activation is not shown.
    StringRef value(text);
    if (value.consume_front("#bnn.") && value.contains('<') &&
        value.ends_with(">"))
      text = value.drop_until([](char c) { return c == '<'; })
                 .drop_front()
                 .drop_back()
                 .str();
    if (text == "none")
      continue;
    if (text.size() > 48)
      text = text.substr(0, 45) + "...";
    parts.push_back((name + "=" + text).str());
  }
  return join(parts, " ");
}

Layer describeLayer(Operation &op, const ReportInputs &in) {
  Layer l;
  l.op = op.getName().stripDialect().str();
  l.nodeList = bnn::nodeNames(op.getLoc());
  l.nodes = join(l.nodeList, ", ");
  SmallVector<std::string> ins;
  for (Value v : op.getOperands())
    if (!v.getDefiningOp() ||
        !v.getDefiningOp()->hasTrait<OpTrait::ConstantLike>())
      ins.push_back(shapeText(v.getType()));
  if (in.emitted) {
    auto it = in.emitted->kernelArrays.find(&op);
    if (it != in.emitted->kernelArrays.end())
      l.arrays = it->second;
    l.weightBytes = in.emitted->kernelBytes(&op);
  }
  l.inputShapes = join(ins, ", ");
  l.outputShape = shapeText(op.getResult(0).getType());
  l.binary = op.hasTrait<bnn::OpTrait::BinaryKernel>();
  l.kind = kindOf(op);
  l.details = detailsOf(op);
  l.macs = macsOf(&op);
  if (hasBinarizedInput(&op))
    l.note = "binarized input kept real: weights not +-alpha per channel "
             "or no exact binary form";
  if (l.binary && l.macs)
    l.decision = "binarized: +-1 operands packed as bits, XNOR-popcount "
                 "dot products";
  else if (!l.note.empty())
    l.decision = "kept real: " + l.note;
  else if (isa<bnn::QConv2DOp, bnn::QMatMulOp>(op))
    l.decision = "int8: integer kernel with int32 accumulation "
                 "(docs/int8.md)";
  else if (isa<bnn::Conv2DOp, bnn::GemmOp, bnn::MatMulOp>(op))
    l.decision = in.binarize ? "kept real: its input is not binarized (no "
                               "Sign or bipolar quantizer feeds it)"
                             : "real: --no-binarize keeps every layer "
                               "real";
  if (auto conv = dyn_cast<bnn::BConv2DOp>(op))
    l.accumulatorBits = accumulatorBits(conv);
  l.fused = op.hasAttr(bnn::kFusedIntoUserAttr);
  l.bytes = l.fused ? 0 : bnn::tensorBytes(op.getResult(0).getType());
  if (auto off = op.getAttrOfType<IntegerAttr>(bnn::kOffsetAttr))
    l.offset = off.getInt();
  return l;
}

std::string textOf(DictionaryAttr d, StringRef key) {
  auto s = d.getAs<StringAttr>(key);
  return s ? s.str() : "";
}
double numberOf(DictionaryAttr d, StringRef key) {
  auto f = d.getAs<FloatAttr>(key);
  return f ? f.getValueAsDouble() : 0.0;
}
int64_t integerOf(DictionaryAttr d, StringRef key) {
  auto i = d.getAs<IntegerAttr>(key);
  return i ? i.getInt() : 0;
}

/// The dictionaries of an array attribute (empty if absent).
SmallVector<DictionaryAttr> dictionaries(DictionaryAttr d, StringRef key) {
  SmallVector<DictionaryAttr> list;
  if (auto a = d ? d.getAs<ArrayAttr>(key) : nullptr)
    for (Attribute e : a)
      list.push_back(cast<DictionaryAttr>(e));
  return list;
}

/// The decisions of the transformer passes, recorded on the function.
void collectPassRecords(func::FuncOp func, ReportData &r) {
  if (auto a = func->getAttrOfType<ArrayAttr>("bnn.gamma_migration"))
    for (Attribute e : a) {
      auto d = cast<DictionaryAttr>(e);
      r.migrations.push_back({textOf(d, "node"), textOf(d, "form"),
                              textOf(d, "note"), numberOf(d, "max_abs_before"),
                              numberOf(d, "max_abs_after")});
    }
  if (auto dte = func->getAttrOfType<DictionaryAttr>("bnn.dead_token_elim")) {
    r.deadTokens = true;
    r.dte = {};
    for (DictionaryAttr d : dictionaries(dte, "selections"))
      r.dte.cuts.push_back(
          {textOf(d, "node"), integerOf(d, "rows"), integerOf(d, "of")});
    r.dte.narrowedOps = integerOf(dte, "narrowed_ops");
    r.dte.splitProjections = integerOf(dte, "split_projections");
    for (DictionaryAttr d : dictionaries(dte, "macs"))
      r.dte.macs.push_back({textOf(d, "block"), integerOf(d, "macs_before"),
                            integerOf(d, "macs_after")});
  }
  if (auto a = func->getAttrOfType<ArrayAttr>("bnn.int8_ptq"))
    for (Attribute e : a) {
      auto d = cast<DictionaryAttr>(e);
      PtqLayer l;
      l.node = textOf(d, "node");
      l.reason = textOf(d, "reason");
      l.quantized = d.getAs<BoolAttr>("quantized").getValue();
      if (l.quantized) {
        l.inputScale = numberOf(d, "input_scale");
        l.outputScale = numberOf(d, "output_scale");
        l.weightScaleMin = numberOf(d, "weight_scale_min");
        l.weightScaleMax = numberOf(d, "weight_scale_max");
        l.inputMin = numberOf(d, "input_min");
        l.inputMax = numberOf(d, "input_max");
        l.outputMin = numberOf(d, "output_min");
        l.outputMax = numberOf(d, "output_max");
        l.inputZeroPoint = integerOf(d, "input_zero_point");
        l.outputZeroPoint = integerOf(d, "output_zero_point");
      }
      r.ptqLayers.push_back(l);
    }
  auto pruning = func->getAttrOfType<DictionaryAttr>("bnn.token_prune");
  if (!pruning)
    return;
  r.pruning = true;
  r.pruneStages.clear();
  r.pruneMacs.clear();
  for (DictionaryAttr d : dictionaries(pruning, "stages"))
    r.pruneStages.push_back({integerOf(d, "block"),
                             integerOf(d, "tokens_before"),
                             integerOf(d, "tokens_after"), textOf(d, "node")});
  for (DictionaryAttr d : dictionaries(pruning, "macs"))
    r.pruneMacs.push_back({textOf(d, "block"), integerOf(d, "macs_before"),
                           integerOf(d, "macs_after")});
}

ReportData collectReport(ModuleOp module, const ReportInputs &in) {
  ReportData r;
  r.onnxFileBytes = in.onnxFileBytes;
  r.modelName = in.modelName;
  r.target = in.target;
  r.ptqCheck = in.quantization;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (auto a = func->getAttrOfType<IntegerAttr>(bnn::kArenaSizeAttr))
      r.arena = a.getInt();
    if (auto a = func->getAttrOfType<IntegerAttr>(bnn::kArenaLowerBoundAttr))
      r.arenaBound = a.getInt();
    Block &body = func.getBody().front();
    // Kernels are numbered in program order (their steps); a result lives
    // until the last kernel that reads it, directly or through views.
    llvm::DenseMap<Value, int64_t> stepOf;
    SmallVector<Operation *> kernels;
    for (Operation &op : body.without_terminator()) {
      if (op.hasTrait<OpTrait::ConstantLike>() || bnn::isView(&op))
        continue;
      stepOf[op.getResult(0)] = static_cast<int64_t>(kernels.size());
      kernels.push_back(&op);
    }
    size_t first = r.layers.size();
    for (Operation *op : kernels) {
      Layer l = describeLayer(*op, in);
      l.liveUntil = stepOf.lookup(op->getResult(0));
      for (Value v : op->getOperands()) {
        auto it = stepOf.find(bnn::viewSource(v));
        if (it != stepOf.end() && !llvm::is_contained(l.producers, it->second))
          l.producers.push_back(it->second);
      }
      r.macs += l.macs;
      if (l.binary)
        r.binaryMacs += l.macs;
      r.layers.push_back(std::move(l));
    }
    auto extend = [&](Value v, int64_t step) {
      auto it = stepOf.find(bnn::viewSource(v));
      if (it != stepOf.end()) {
        Layer &l = r.layers[first + it->second];
        l.liveUntil = std::max(l.liveUntil, step);
      }
    };
    for (auto [step, op] : llvm::enumerate(kernels))
      for (Value v : op->getOperands())
        extend(v, static_cast<int64_t>(step));
    for (Value v : body.getTerminator()->getOperands())
      extend(v, static_cast<int64_t>(kernels.size()));
  }
  if (in.emitted) {
    r.outputArrays = in.emitted->outputArrays;
    r.weights = in.emitted->totalBytes();
    for (const EmittedArray &a : r.outputArrays)
      r.outputConstantBytes += a.bytes;
  }
  for (auto func : module.getOps<func::FuncOp>())
    collectPassRecords(func, r);
  return r;
}

json::Value orNull(int64_t v, bool present) {
  return present ? json::Value(v) : json::Value(nullptr);
}

json::Array arraysJson(ArrayRef<EmittedArray> arrays) {
  json::Array list;
  for (const EmittedArray &a : arrays)
    list.push_back(json::Object{{"name", a.name}, {"bytes", a.bytes}});
  return list;
}

void writeJson(const ReportData &r, raw_ostream &os) {
  json::Array rows;
  for (const Layer &l : r.layers)
    rows.push_back(json::Object{
        {"op", l.op},
        {"nodes", l.nodes},
        {"inputs", l.inputShapes},
        {"output", l.outputShape},
        {"binary", l.binary},
        {"macs", l.macs},
        {"weight_bytes", l.weightBytes},
        {"arena_offset", orNull(l.offset, l.offset >= 0)},
        {"fused_into_user", l.fused},
        {"output_bytes", l.bytes},
        {"note", l.note.empty() ? json::Value(nullptr) : json::Value(l.note)},
        {"accumulator_bits", orNull(l.accumulatorBits, l.accumulatorBits)},
        {"kind", l.kind},
        {"decision",
         l.decision.empty() ? json::Value(nullptr) : json::Value(l.decision)},
        {"attributes", l.details},
        {"live_until_step", l.liveUntil},
        {"inputs_from_steps", json::Array(l.producers)},
        {"constants", arraysJson(l.arrays)}});
  json::Object totals{{"weight_bytes", r.weights},
                      {"output_constant_bytes", r.outputConstantBytes},
                      {"onnx_file_bytes", r.onnxFileBytes},
                      {"arena_bytes", r.arena},
                      {"arena_lower_bound_bytes", r.arenaBound},
                      {"macs", r.macs},
                      {"binary_macs", r.binaryMacs},
                      {"binary_mac_percent", r.binaryShare()}};
  json::Object root{{"model", r.modelName},
                    {"target", r.target},
                    {"layers", std::move(rows)},
                    {"output_constants", arraysJson(r.outputArrays)},
                    {"totals", std::move(totals)}};
  if (!r.migrations.empty()) {
    json::Array entries;
    for (const Migration &m : r.migrations)
      entries.push_back(json::Object{{"node", m.node},
                                     {"form", m.form},
                                     {"max_abs_before", m.maxAbsBefore},
                                     {"max_abs_after", m.maxAbsAfter},
                                     {"note", m.note}});
    root["gamma_migration"] = std::move(entries);
  }
  if (!r.ptqLayers.empty()) {
    json::Array layers;
    for (const PtqLayer &l : r.ptqLayers) {
      json::Object o{{"node", l.node}, {"int8", l.quantized}};
      if (l.quantized) {
        o["input_range"] = json::Array{l.inputMin, l.inputMax};
        o["input_scale"] = l.inputScale;
        o["input_zero_point"] = l.inputZeroPoint;
        o["output_range"] = json::Array{l.outputMin, l.outputMax};
        o["output_scale"] = l.outputScale;
        o["output_zero_point"] = l.outputZeroPoint;
        o["weight_scale_min"] = l.weightScaleMin;
        o["weight_scale_max"] = l.weightScaleMax;
      } else {
        o["reason"] = l.reason;
      }
      layers.push_back(std::move(o));
    }
    json::Object ptq{{"layers", std::move(layers)}};
    if (const QuantizationCheck *c = r.ptqCheck) {
      json::Object check{{"calibration_file", c->calibrationFile},
                         {"method", c->method},
                         {"samples", c->samples},
                         {"top1_agreement", c->agreeing},
                         {"max_abs_diff", c->maxAbsDiff}};
      if (!c->blockChoices.empty())
        check["block_clipping"] = c->blockChoices;
      if (c->hasLabels) {
        check["float_correct"] = c->floatCorrect;
        check["int8_correct"] = c->quantizedCorrect;
      }
      ptq["calibration_check"] = std::move(check);
    }
    root["int8_ptq"] = std::move(ptq);
  }
  if (r.pruning) {
    json::Array stages, blocks;
    for (const PruneStage &s : r.pruneStages)
      stages.push_back(json::Object{{"block", s.block},
                                    {"after_node", s.node},
                                    {"tokens_before", s.tokensBefore},
                                    {"tokens_after", s.tokensAfter}});
    for (const PruneMacs &m : r.pruneMacs)
      blocks.push_back(json::Object{{"module", m.module},
                                    {"macs_before", m.before},
                                    {"macs_after", m.after}});
    root["token_prune"] = json::Object{{"stages", std::move(stages)},
                                       {"macs", std::move(blocks)}};
  }
  if (r.deadTokens) {
    json::Array cuts, blocks;
    for (const DeadTokenCut &c : r.dte.cuts)
      cuts.push_back(
          json::Object{{"node", c.node}, {"rows", c.rows}, {"of", c.of}});
    for (const PruneMacs &m : r.dte.macs)
      blocks.push_back(json::Object{{"module", m.module},
                                    {"macs_before", m.before},
                                    {"macs_after", m.after}});
    root["dead_token_elim"] =
        json::Object{{"selections", std::move(cuts)},
                     {"narrowed_ops", r.dte.narrowedOps},
                     {"split_projections", r.dte.splitProjections},
                     {"macs_before", r.dte.before()},
                     {"macs_after", r.dte.after()},
                     {"macs_saved", r.dte.before() - r.dte.after()},
                     {"macs", std::move(blocks)}};
  }
  os << formatv("{0:2}", json::Value(std::move(root))) << "\n";
}

void writeTextPtq(const ReportData &r, raw_ostream &os) {
  if (r.ptqLayers.empty())
    return;
  os << "int8 post-training quantization (--quantize=int8):\n";
  for (const PtqLayer &l : r.ptqLayers) {
    if (!l.quantized) {
      os << "  float  " << l.node << "  [" << l.reason << "]\n";
      continue;
    }
    os << format("  int8   %s\n         input [%.6g, %.6g] scale %.6g zp %lld; "
                 "output [%.6g, %.6g] scale %.6g zp %lld; weight scales "
                 "%.3g..%.3g\n",
                 l.node.c_str(), l.inputMin, l.inputMax, l.inputScale,
                 (long long)l.inputZeroPoint, l.outputMin, l.outputMax,
                 l.outputScale, (long long)l.outputZeroPoint, l.weightScaleMin,
                 l.weightScaleMax);
  }
  if (const QuantizationCheck *c = r.ptqCheck) {
    os << format("  calibration set %s (%s): %lld samples, top-1 agreement "
                 "with float %lld/%lld, max |int8 - float| of the first "
                 "output %.4g\n",
                 c->calibrationFile.c_str(), c->method.c_str(),
                 (long long)c->samples, (long long)c->agreeing,
                 (long long)c->samples, c->maxAbsDiff);
    if (!c->blockChoices.empty())
      os << "  block-wise clipping: " << c->blockChoices << "\n";
    if (c->hasLabels)
      os << format("  accuracy on it: float %lld/%lld (%.1f%%), int8 %lld/%lld "
                   "(%.1f%%)\n",
                   (long long)c->floatCorrect, (long long)c->samples,
                   100.0 * c->floatCorrect / c->samples,
                   (long long)c->quantizedCorrect, (long long)c->samples,
                   100.0 * c->quantizedCorrect / c->samples);
  }
}

void writeTextPassRecords(const ReportData &r, raw_ostream &os) {
  writeTextPtq(r, os);
  if (!r.migrations.empty()) {
    os << "ln-gamma-migration (max |LayerNorm output| over all inputs: "
          "max_i |gamma_i| sqrt(D-1) + |beta_i|):\n";
    for (const Migration &m : r.migrations)
      os << format("  %-12s before %9.3f  after %9.3f  %s%s\n", m.form.c_str(),
                   m.maxAbsBefore, m.maxAbsAfter, m.node.c_str(),
                   m.note.empty() ? "" : ("  [" + m.note + "]").c_str());
  }
  if (r.deadTokens) {
    os << "dead-token-elim: " << r.dte.narrowedOps << " ops narrowed, "
       << r.dte.splitProjections << " fused projection"
       << (r.dte.splitProjections == 1 ? "" : "s") << " split\n";
    for (const DeadTokenCut &c : r.dte.cuts)
      os << format("  %s reads %lld of %lld rows\n", c.node.c_str(),
                   (long long)c.rows, (long long)c.of);
    os << "  module            MACs before   MACs after\n";
    for (const PruneMacs &m : r.dte.macs)
      os << format("  %-16s %12lld %12lld\n", m.module.c_str(),
                   (long long)m.before, (long long)m.after);
    int64_t before = r.dte.before(), after = r.dte.after();
    os << format("  %-16s %12lld %12lld (%.1f%%), %lld MACs saved\n",
                 (const char *)"total", (long long)before, (long long)after,
                 before ? 100.0 * after / before : 0.0,
                 (long long)(before - after));
  }
  if (!r.pruning)
    return;
  os << "token-prune:\n";
  for (const PruneStage &s : r.pruneStages)
    os << format("  block %lld: %lld -> %lld tokens after %s\n",
                 (long long)s.block, (long long)s.tokensBefore,
                 (long long)s.tokensAfter, s.node.c_str());
  int64_t totalBefore = 0, totalAfter = 0;
  os << "  module            MACs before   MACs after\n";
  for (const PruneMacs &m : r.pruneMacs) {
    totalBefore += m.before;
    totalAfter += m.after;
    os << format("  %-16s %12lld %12lld\n", m.module.c_str(),
                 (long long)m.before, (long long)m.after);
  }
  os << format("  %-16s %12lld %12lld (%.1f%%)\n", (const char *)"total",
               (long long)totalBefore, (long long)totalAfter,
               totalBefore ? 100.0 * totalAfter / totalBefore : 0.0);
}

void writeText(const ReportData &r, raw_ostream &os) {
  os << "kernel     kind           MACs  weights B    arena @  output"
        "                    ONNX nodes\n";
  for (const Layer &l : r.layers)
    os << format(
        "%-10s %-6s %12lld %10lld %10s  %-24s %s\n", l.op.c_str(),
        l.binary ? "binary" : "real", (long long)l.macs,
        (long long)l.weightBytes,
        l.fused ? "fused"
                : (l.offset < 0 ? "output" : std::to_string(l.offset)).c_str(),
        l.outputShape.c_str(),
        (l.nodes + (l.note.empty() ? "" : "  [" + l.note + "]")).c_str());
  if (r.outputConstantBytes)
    os << format("constant data returned as graph outputs: %lld bytes\n",
                 (long long)r.outputConstantBytes);
  writeTextPassRecords(r, os);
  os << format("weights: %lld bytes (ONNX file: %lld bytes, %.1fx smaller); "
               "arena: %lld bytes; MACs: %lld, %.1f%% binary\n",
               (long long)r.weights, (long long)r.onnxFileBytes,
               r.weights ? double(r.onnxFileBytes) / r.weights : 0.0,
               (long long)r.arena, (long long)r.macs, r.binaryShare());
  os << format("arena: %lld bytes planned, lower bound %lld bytes (the "
               "largest total of tensors live at once), %.3fx\n",
               (long long)r.arena, (long long)r.arenaBound,
               r.arenaBound ? double(r.arena) / r.arenaBound : 1.0);
}

} // namespace

ReportFormat reportFormatOf(StringRef file) {
  StringRef ext = sys::path::extension(file);
  return ext.equals_insensitive(".html") || ext.equals_insensitive(".htm")
             ? ReportFormat::Html
             : ReportFormat::Json;
}

void writeReport(ModuleOp module, const ReportInputs &inputs, raw_ostream &os,
                 ReportFormat format) {
  ReportData r = collectReport(module, inputs);
  switch (format) {
  case ReportFormat::Json:
    return writeJson(r, os);
  case ReportFormat::Html:
    return writeHtml(r, os);
  case ReportFormat::Text:
    return writeText(r, os);
  }
}

} // namespace bnnc
