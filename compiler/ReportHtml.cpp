//===- ReportHtml.cpp - The report as one self-contained HTML page --------===//
//
// One file that opens offline: inline CSS and SVG, a few lines of inline
// script, and a Content-Security-Policy that forbids loading anything. Every
// number is also in a data attribute (data-total, data-macs, ...) whose
// value is exactly the JSON report's, so a test can compare the two.
//
//===----------------------------------------------------------------------===//

#include "compiler/ReportData.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"

#include <algorithm>
#include <map>

using namespace llvm;

namespace bnnc {
namespace report {
namespace {

/// Text and attribute values: &, <, >, " and ' as entities.
std::string esc(StringRef text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

/// 1234567 -> "1,234,567" (the data attributes hold the plain number).
std::string grouped(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string shorten(StringRef text, size_t most) {
  return text.size() <= most ? text.str()
                             : (text.take_front(most - 3) + "...").str();
}

/// A double as the shortest text that reads back exactly.
std::string exact(double v) {
  std::string s;
  raw_string_ostream(s) << format("%.17g", v);
  return s;
}

const char *kStyle = R"css(
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1a202c;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #e2e8f0}
table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #edf2f7;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.totals td{font-size:15px}.sub{color:#4a5568}
.legend span{display:inline-block;padding:1px 8px;margin-right:8px;border-radius:3px}
.binary{fill:#bee3f8;background:#bee3f8;stroke:#2b6cb0}.real{fill:#feebc8;background:#feebc8;stroke:#c05621}
.integer{fill:#c6f6d5;background:#c6f6d5;stroke:#2f855a}
svg text{font:12px system-ui,sans-serif;fill:#1a202c}svg .t{font-weight:600}
svg .edge{fill:none;stroke:#718096;stroke-width:1.2}
rect.k{stroke-width:1.2;rx:4}rect.sel,tr.sel td{outline:3px solid #d53f8c}
.bar{display:inline-block;height:12px;background:#4299e1;vertical-align:middle}
#errors{color:#c53030;white-space:pre-wrap}
)css";

/// Records every script error in the page (the browser test reads it).
const char *kErrorHook =
    "window.onerror=function(m,s,l,c){var e=document.getElementById('errors');"
    "if(e)e.textContent+='error: '+m+' (line '+l+')\\n';"
    "document.documentElement.setAttribute('data-errors','1');};\n";

/// Clicking a kernel selects it in the graph, the timeline and the tables.
const char *kSelectScript = R"js(
(function(){
  function select(step){
    document.querySelectorAll('.sel').forEach(function(e){e.classList.remove('sel');});
    document.querySelectorAll('[data-step="'+step+'"]').forEach(function(e){
      var t=e.tagName.toLowerCase();
      if(t==='rect'||t==='tr')e.classList.add('sel');
      else{var r=e.querySelector('rect');if(r)r.classList.add('sel');}
    });
  }
  document.querySelectorAll('[data-step]').forEach(function(e){
    e.addEventListener('click',function(){select(e.getAttribute('data-step'));});
  });
  var steps=document.querySelectorAll('#layers tr[data-step]').length;
  document.getElementById('status').textContent='rendered '+steps+' kernels';
  document.documentElement.setAttribute('data-rendered','1');
})();
)js";

void writeTotals(const ReportData &r, raw_ostream &os) {
  auto row = [&](StringRef label, StringRef key, int64_t v, StringRef unit,
                 StringRef note = "") {
    os << "<tr><td>" << label << "</td><td class=n data-total=\"" << key
       << "\" data-value=\"" << v << "\">" << grouped(v)
       << "</td><td class=sub>" << unit << " " << esc(note) << "</td></tr>\n";
  };
  os << "<h2>Totals</h2>\n<table class=totals>\n";
  row("Flash: constant data", "weight_bytes", r.weights, "bytes",
      "(the arrays of the generated C; per layer below)");
  if (r.outputConstantBytes)
    row("of which returned as outputs", "output_constant_bytes",
        r.outputConstantBytes, "bytes");
  row("ONNX file", "onnx_file_bytes", r.onnxFileBytes, "bytes");
  row("RAM: arena, planned", "arena_bytes", r.arena, "bytes");
  row("RAM: arena, lower bound", "arena_lower_bound_bytes", r.arenaBound,
      "bytes", "(the largest total of tensors live at once)");
  row("MACs", "macs", r.macs, "");
  row("Binary MACs", "binary_macs", r.binaryMacs, "");
  os << "<tr><td>Binary share of MACs</td><td class=n "
        "data-total=\"binary_mac_percent\" data-value=\""
     << exact(r.binaryShare()) << "\">" << format("%.1f", r.binaryShare())
     << "</td><td class=sub>%</td></tr>\n</table>\n";
}

/// One box per kernel, in program order, with an edge from each kernel
/// whose result it reads.
void writeGraph(const ReportData &r, raw_ostream &os) {
  const int left = 170, width = 560, height = 62, pitch = 86, top = 10;
  int64_t n = static_cast<int64_t>(r.layers.size());
  os << "<h2>Graph</h2>\n<p class=legend><span class=binary>binary</span>"
        "<span class=real>real (float)</span><span class=integer>integer"
        "</span> One box per kernel (several ONNX nodes when fused); click "
        "one to find it in the timeline and the tables.</p>\n";
  os << "<svg id=graph xmlns=\"http://www.w3.org/2000/svg\" width=\""
     << left + width + 20 << "\" height=\"" << top + n * pitch + 10
     << "\" role=\"img\" aria-label=\"kernel graph\">\n"
     << "<defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"8\" "
        "refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" "
        "orient=\"auto\"><path d=\"M0,0L8,4L0,8z\" "
        "fill=\"#718096\"/></marker></defs>\n";
  int lane = 0;
  for (auto [step, l] : llvm::enumerate(r.layers))
    for (int64_t p : l.producers) {
      int64_t c = static_cast<int64_t>(step);
      if (p + 1 == c) {
        os << "<path class=\"edge\" marker-end=\"url(#arrow)\" d=\"M"
           << left + width / 2 << "," << top + p * pitch + height << "V"
           << top + c * pitch << "\"/>\n";
        continue;
      }
      int x = left - 12 - 9 * (lane++ % 16);
      int64_t y0 = top + p * pitch + height / 2,
              y1 = top + c * pitch + height / 2;
      os << "<path class=\"edge\" marker-end=\"url(#arrow)\" d=\"M" << left
         << "," << y0 << "H" << x << "V" << y1 << "H" << left << "\"/>\n";
    }
  for (auto [step, l] : llvm::enumerate(r.layers)) {
    int64_t y = top + static_cast<int64_t>(step) * pitch;
    std::string fused =
        l.nodeList.size() > 1
            ? "fused " + std::to_string(l.nodeList.size()) +
                  " nodes: " + l.nodes
            : (l.nodes.empty() ? std::string("(no ONNX node name)") : l.nodes);
    os << "<g class=\"kernel\" data-step=\"" << step << "\"><title>"
       << esc(l.op + " [" + l.nodes + "]\n" + l.inputShapes + " -> " +
              l.outputShape + "\n" + l.details +
              (l.decision.empty() ? "" : "\n" + l.decision))
       << "</title>\n<rect class=\"k " << l.kind << "\" x=\"" << left
       << "\" y=\"" << y << "\" width=\"" << width << "\" height=\"" << height
       << "\"/>\n"
       << "<text class=\"t\" x=\"" << left + 8 << "\" y=\"" << y + 17 << "\">"
       << step << " · " << esc(l.op) << " · " << l.kind << "</text>\n"
       << "<text x=\"" << left + 8 << "\" y=\"" << y + 34 << "\">"
       << esc(shorten(fused, 84)) << "</text>\n"
       << "<text x=\"" << left + 8 << "\" y=\"" << y + 51 << "\">MACs "
       << grouped(l.macs) << " · weights " << grouped(l.weightBytes)
       << " B · out " << esc(shorten(l.outputShape, 40)) << "</text>\n</g>\n";
  }
  os << "</svg>\n";
}

/// The arena as bytes (up) x kernel steps (right): each arena tensor a
/// rectangle from the kernel that writes it to the last one that reads it.
void writeTimeline(const ReportData &r, raw_ostream &os) {
  const double plotW = 860, plotH = 320, x0 = 70, y0 = 20;
  int64_t steps = std::max<int64_t>(1, static_cast<int64_t>(r.layers.size()));
  int64_t arena = std::max<int64_t>(1, std::max(r.arena, r.arenaBound));
  double sx = plotW / steps, sy = plotH / arena;
  os << "<h2>Memory timeline</h2>\n<p class=sub>The arena (bytes, up) over "
        "the kernel steps (right): each tensor is a rectangle from the "
        "kernel that writes it to the last kernel that reads it, at its "
        "planned offset. Solid line: the planned arena ("
     << grouped(r.arena) << " B); dashed: the lower bound ("
     << grouped(r.arenaBound)
     << " B); grey steps: the bytes live at each step. Graph outputs are "
        "written into the caller's buffers, not the arena.</p>\n";
  os << "<svg id=timeline xmlns=\"http://www.w3.org/2000/svg\" width=\""
     << x0 + plotW + 20 << "\" height=\"" << y0 + plotH + 40
     << "\" role=\"img\" aria-label=\"arena timeline\">\n";
  auto yOf = [&](double bytes) { return y0 + plotH - bytes * sy; };
  // Bytes live per step: tensors at one offset at one step are one buffer
  // (an in-place chain), counted once.
  std::vector<int64_t> live(steps + 1, 0);
  for (int64_t s = 0; s <= steps; ++s) {
    std::map<int64_t, int64_t> atOffset;
    for (auto [step, l] : llvm::enumerate(r.layers))
      if (l.offset >= 0 && int64_t(step) <= s && s <= l.liveUntil)
        atOffset[l.offset] = std::max(atOffset[l.offset], l.bytes);
    for (auto &e : atOffset)
      live[s] += e.second;
  }
  os << "<polyline fill=\"none\" stroke=\"#a0aec0\" stroke-width=\"1\" "
        "points=\"";
  for (int64_t s = 0; s < steps; ++s)
    os << format("%.1f,%.1f %.1f,%.1f ", x0 + s * sx, yOf(live[s]),
                 x0 + (s + 1) * sx, yOf(live[s]));
  os << "\"/>\n";
  for (auto [step, l] : llvm::enumerate(r.layers)) {
    if (l.offset < 0)
      continue;
    int64_t end =
        std::min<int64_t>(std::max<int64_t>(l.liveUntil, step), steps - 1);
    double h = std::max(1.0, l.bytes * sy);
    os << "<rect class=\"" << l.kind << "\" data-step=\"" << step
       << "\" data-offset=\"" << l.offset << "\" data-bytes=\"" << l.bytes
       << "\" data-until=\"" << l.liveUntil << "\" stroke-width=\"0.6\" "
       << format("x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"",
                 x0 + step * sx, yOf(l.offset + l.bytes), (end - step + 1) * sx,
                 h)
       << "><title>" << esc(l.op + " [" + l.nodes + "] " + l.outputShape)
       << ": " << l.bytes << " bytes at offset " << l.offset << ", steps "
       << step << "-" << l.liveUntil << "</title></rect>\n";
  }
  os << format("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
               "stroke=\"#1a202c\" stroke-width=\"1.5\"/>\n",
               x0, x0 + plotW, yOf(r.arena), yOf(r.arena))
     << format("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
               "stroke=\"#d53f8c\" stroke-width=\"1.5\" stroke-dasharray=\"6 "
               "4\"/>\n",
               x0, x0 + plotW, yOf(r.arenaBound), yOf(r.arenaBound))
     << format("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
               "stroke=\"#4a5568\"/>\n",
               x0, x0 + plotW, y0 + plotH, y0 + plotH)
     << format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s B</text>\n",
               x0 - 4, yOf(r.arena) + 4, grouped(r.arena).c_str())
     << format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">0</text>\n",
               x0 - 4, y0 + plotH + 4)
     << format("<text x=\"%.1f\" y=\"%.1f\">step 0</text>\n", x0,
               y0 + plotH + 16)
     << format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">step "
               "%lld</text>\n",
               x0 + plotW, y0 + plotH + 16, (long long)(steps - 1))
     << "</svg>\n";
}

/// The constant bytes of each layer, as bars.
void writeFlash(const ReportData &r, raw_ostream &os) {
  int64_t largest = 1;
  for (const Layer &l : r.layers)
    largest = std::max(largest, l.weightBytes);
  os << "<h2>Flash by layer</h2>\n<p class=sub>The constant arrays the "
        "generated C defines for each kernel (weights, thresholds, tables), "
        "in bytes; kernel parameter structs and the input/output descriptors "
        "are not included.</p>\n<table id=flash><tr><th>step</th><th>kernel"
        "</th><th class=n>bytes</th><th></th><th>arrays</th></tr>\n";
  for (auto [step, l] : llvm::enumerate(r.layers)) {
    if (!l.weightBytes)
      continue;
    SmallVector<std::string> arrays;
    for (const EmittedArray &a : l.arrays)
      arrays.push_back(a.name + " (" + std::to_string(a.bytes) + ")");
    os << "<tr data-flash-step=\"" << step << "\" data-bytes=\""
       << l.weightBytes << "\"><td>" << step << "</td><td>" << esc(l.op)
       << " <span class=sub>" << esc(shorten(l.nodes, 60))
       << "</span></td><td class=n>" << grouped(l.weightBytes)
       << "</td><td><span class=bar style=\"width:"
       << format("%.1f", 240.0 * l.weightBytes / largest)
       << "px\"></span></td><td class=sub>"
       << esc(shorten(join(arrays, ", "), 120)) << "</td></tr>\n";
  }
  for (const EmittedArray &a : r.outputArrays)
    os << "<tr data-flash-output=\"" << esc(a.name) << "\" data-bytes=\""
       << a.bytes << "\"><td></td><td>returned as a graph output</td>"
       << "<td class=n>" << grouped(a.bytes) << "</td><td></td><td class=sub>"
       << esc(a.name) << "</td></tr>\n";
  os << "<tr><td></td><td><b>total</b></td><td class=n><b>"
     << grouped(r.weights) << "</b></td><td></td><td></td></tr>\n</table>\n";
}

/// dead-token-elim: what the outputs read, and the MACs it saved.
void writeDeadTokens(const DeadTokens &d, raw_ostream &os) {
  int64_t before = d.before(), after = d.after();
  os << "<h3>Dead-token elimination</h3>\n<p class=sub id=dte-saved "
        "data-before=\""
     << before << "\" data-after=\"" << after << "\">" << d.narrowedOps
     << " ops narrowed to the rows the outputs read, " << d.splitProjections
     << " fused projection" << (d.splitProjections == 1 ? "" : "s")
     << " split: " << grouped(before - after) << " MACs saved ("
     << format("%.1f", before ? 100.0 * after / before : 0.0)
     << "% of the MACs remain).</p>\n<table id=dte-selections><tr><th>node"
        "</th><th class=n>rows read</th><th class=n>of</th></tr>\n";
  for (const DeadTokenCut &c : d.cuts)
    os << "<tr><td>" << esc(c.node) << "</td><td class=n>" << c.rows
       << "</td><td class=n>" << c.of << "</td></tr>\n";
  os << "</table>\n<table id=dte-macs><tr><th>module</th><th class=n>MACs "
        "before</th><th class=n>MACs after</th></tr>\n";
  for (const PruneMacs &m : d.macs)
    os << "<tr data-dte-module=\"" << esc(m.module) << "\" data-before=\""
       << m.before << "\" data-after=\"" << m.after << "\"><td>"
       << esc(m.module) << "</td><td class=n>" << grouped(m.before)
       << "</td><td class=n>" << grouped(m.after) << "</td></tr>\n";
  os << "</table>\n";
}

void writeDecisions(const ReportData &r, raw_ostream &os) {
  os << "<h2>Pass decisions</h2>\n<table id=decisions><tr><th>step</th>"
        "<th>kernel</th><th>ONNX nodes</th><th>decision</th></tr>\n";
  for (auto [step, l] : llvm::enumerate(r.layers))
    if (!l.decision.empty())
      os << "<tr data-decision-step=\"" << step << "\"><td>" << step
         << "</td><td>" << esc(l.op) << "</td><td>" << esc(l.nodes)
         << "</td><td class=\"" << l.kind << "\">" << esc(l.decision)
         << "</td></tr>\n";
  os << "</table>\n";
  if (!r.migrations.empty()) {
    os << "<h3>LayerNorm gamma migration</h3>\n<p class=sub>max |LayerNorm "
          "output| over all inputs (max_i |gamma_i| sqrt(D-1) + |beta_i|), "
          "before and after.</p>\n<table id=gamma><tr><th>node</th><th>form"
          "</th><th class=n>before</th><th class=n>after</th><th>note</th>"
          "</tr>\n";
    for (const Migration &m : r.migrations)
      os << "<tr data-gamma-node=\"" << esc(m.node) << "\" data-before=\""
         << exact(m.maxAbsBefore) << "\" data-after=\"" << exact(m.maxAbsAfter)
         << "\"><td>" << esc(m.node) << "</td><td>" << esc(m.form)
         << "</td><td class=n>" << format("%.3f", m.maxAbsBefore)
         << "</td><td class=n>" << format("%.3f", m.maxAbsAfter) << "</td><td>"
         << esc(m.note) << "</td></tr>\n";
    os << "</table>\n";
  }
  if (!r.ptqLayers.empty()) {
    os << "<h3>int8 post-training quantization</h3>\n";
    if (const QuantizationCheck *c = r.ptqCheck) {
      os << "<p class=sub id=ptq-check data-samples=\"" << c->samples
         << "\" data-agreeing=\"" << c->agreeing << "\">Calibration set "
         << esc(c->calibrationFile) << " (" << esc(c->method)
         << "): " << c->samples << " samples, top-1 agreement with float "
         << c->agreeing << "/" << c->samples << ", max |int8 - float| "
         << format("%.4g", c->maxAbsDiff);
      if (c->hasLabels)
        os << format("; accuracy float %.1f%%, int8 %.1f%%",
                     100.0 * c->floatCorrect / c->samples,
                     100.0 * c->quantizedCorrect / c->samples);
      os << ".</p>\n";
    }
    os << "<table id=ptq><tr><th>node</th><th>choice</th><th>input range"
          "</th><th class=n>input scale / zp</th><th>output range</th><th "
          "class=n>output scale / zp</th><th class=n>weight scales</th></tr>"
          "\n";
    for (const PtqLayer &l : r.ptqLayers) {
      os << "<tr data-ptq-node=\"" << esc(l.node) << "\" data-int8=\""
         << (l.quantized ? "1" : "0") << "\"><td>" << esc(l.node) << "</td>";
      if (!l.quantized) {
        os << "<td colspan=6>float: " << esc(l.reason) << "</td></tr>\n";
        continue;
      }
      os << "<td>int8</td><td>"
         << format("[%.4g, %.4g]", l.inputMin, l.inputMax)
         << "</td><td class=n>"
         << format("%.4g / %lld", l.inputScale, (long long)l.inputZeroPoint)
         << "</td><td>" << format("[%.4g, %.4g]", l.outputMin, l.outputMax)
         << "</td><td class=n>"
         << format("%.4g / %lld", l.outputScale, (long long)l.outputZeroPoint)
         << "</td><td class=n>"
         << format("%.3g..%.3g", l.weightScaleMin, l.weightScaleMax)
         << "</td></tr>\n";
    }
    os << "</table>\n";
  }
  if (r.pruning) {
    os << "<h3>Token pruning</h3>\n<table id=prune-stages><tr><th>block</th>"
          "<th>after node</th><th class=n>tokens before</th><th class=n>"
          "tokens after</th></tr>\n";
    for (const PruneStage &s : r.pruneStages)
      os << "<tr><td>" << s.block << "</td><td>" << esc(s.node)
         << "</td><td class=n>" << s.tokensBefore << "</td><td class=n>"
         << s.tokensAfter << "</td></tr>\n";
    os << "</table>\n<table id=prune-macs><tr><th>module</th><th class=n>MACs "
          "before</th><th class=n>MACs after</th></tr>\n";
    for (const PruneMacs &m : r.pruneMacs)
      os << "<tr data-module=\"" << esc(m.module) << "\" data-before=\""
         << m.before << "\" data-after=\"" << m.after << "\"><td>"
         << esc(m.module) << "</td><td class=n>" << grouped(m.before)
         << "</td><td class=n>" << grouped(m.after) << "</td></tr>\n";
    os << "</table>\n";
  }
  if (r.deadTokens)
    writeDeadTokens(r.dte, os);
}

/// Every row of the JSON report, with its numbers as data attributes.
void writeLayers(const ReportData &r, raw_ostream &os) {
  os << "<h2>Kernels</h2>\n<table id=layers><tr><th>step</th><th>kernel</th>"
        "<th>kind</th><th class=n>MACs</th><th class=n>weight bytes</th>"
        "<th class=n>arena @</th><th class=n>output bytes</th><th>output</th>"
        "<th>ONNX nodes</th><th>attributes</th></tr>\n";
  for (auto [step, l] : llvm::enumerate(r.layers))
    os << "<tr data-step=\"" << step << "\" data-op=\"" << esc(l.op)
       << "\" data-kind=\"" << l.kind << "\" data-macs=\"" << l.macs
       << "\" data-weight-bytes=\"" << l.weightBytes
       << "\" data-arena-offset=\""
       << (l.offset < 0 ? std::string("null") : std::to_string(l.offset))
       << "\" data-output-bytes=\"" << l.bytes << "\"><td>" << step
       << "</td><td>" << esc(l.op) << "</td><td class=\"" << l.kind << "\">"
       << l.kind << "</td><td class=n>" << grouped(l.macs)
       << "</td><td class=n>" << grouped(l.weightBytes) << "</td><td class=n>"
       << (l.fused        ? std::string("fused")
           : l.offset < 0 ? std::string("output")
                          : grouped(l.offset))
       << "</td><td class=n>" << grouped(l.bytes) << "</td><td>"
       << esc(l.outputShape) << "</td><td>" << esc(l.nodes)
       << "</td><td class=sub>" << esc(l.details) << "</td></tr>\n";
  os << "</table>\n";
}

} // namespace

void writeHtml(const ReportData &r, raw_ostream &os) {
  os << "<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
        "'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
        "<title>bnnc report: "
     << esc(r.modelName) << "</title>\n<style>" << kStyle
     << "</style>\n<script>" << kErrorHook
     << "</script>\n</head>\n<body>\n<h1>bnnc report: " << esc(r.modelName)
     << "</h1>\n<p class=sub>target " << esc(r.target) << ", generated by bnnc "
     << BNNC_VERSION << "; " << r.layers.size()
     << " kernels. <span id=status>script did not run</span></p>\n"
     << "<div id=errors></div>\n";
  writeTotals(r, os);
  writeGraph(r, os);
  writeTimeline(r, os);
  writeFlash(r, os);
  writeDecisions(r, os);
  writeLayers(r, os);
  os << "<script>" << kSelectScript << "</script>\n</body>\n</html>\n";
}

} // namespace report
} // namespace bnnc
