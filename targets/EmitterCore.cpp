//===- EmitterCore.cpp - What all C targets share -------------------------===//

#include "targets/EmitterCore.h"

#include "dialects/bnn/BnnDialect.h"
#include "dialects/onnx/ShapeUtils.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"

#include <cctype>
#include <limits>

using namespace mlir;
using namespace llvm;

namespace bnnc {

ArrayRef<StringRef> targetNames() {
  static const StringRef names[] = {"generic",   "aarch64",    "cortex-m0plus",
                                     "cortex-m4", "cortex-m7",  "cortex-m33",
                                     "cortex-m55"};
  return names;
}

std::string sanitizeIdentifier(StringRef name) {
  std::string id;
  for (char c : name)
    id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0])))
    id = "m_" + id;
  return id;
}

/// A readable identifier fragment: "/conv1/Conv" -> "conv1_Conv".
static std::string identifierFragment(StringRef name) {
  std::string id;
  for (char c : name) {
    bool keep = std::isalnum(static_cast<unsigned char>(c));
    if (keep)
      id += c;
    else if (!id.empty() && id.back() != '_')
      id += '_';
  }
  while (!id.empty() && id.back() == '_')
    id.pop_back();
  return id.empty() ? "node" : id;
}

std::string CEmitter::cType(Type t) {
  if (t.isF32())
    return "float";
  if (t.isF64())
    return "double";
  if (t.isInteger(1))
    return "uint8_t"; // ONNX bool: one byte, 0 or 1
  if (auto i = dyn_cast<IntegerType>(t))
    return (i.isUnsigned() ? "uint" : "int") + std::to_string(i.getWidth()) +
           "_t";
  return "";
}

static const char *onnxDtypeName(Type t) {
  if (t.isF32())
    return "BNNC_FLOAT32";
  if (t.isF64())
    return "BNNC_FLOAT64";
  if (t.isInteger(1))
    return "BNNC_BOOL";
  if (t.isInteger(64))
    return "BNNC_INT64";
  if (t.isInteger(32))
    return "BNNC_INT32";
  if (t.isUnsignedInteger(8))
    return "BNNC_UINT8";
  if (t.isInteger(8))
    return "BNNC_INT8";
  return nullptr;
}

static std::string shapeString(Type type, StringRef sep = "x") {
  auto t = cast<RankedTensorType>(type);
  if (t.getRank() == 0)
    return "scalar";
  return join(
      map_range(t.getShape(), [](int64_t d) { return std::to_string(d); }),
      sep);
}

using bnn::nodeNames;

/// Text from the model file (tensor, node and file names) inside a C
/// comment: printable ASCII, with control and non-ASCII bytes as \xNN, and
/// never a "*/" that would end the comment (a name could otherwise inject
/// code into the generated C) nor a nested "/*".
static std::string commentSafe(StringRef text) {
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f)
      out += "\\x" + llvm::utohexstr(u, /*LowerCase=*/true, /*Width=*/2);
    else if ((c == '/' && !out.empty() && out.back() == '*') ||
             (c == '*' && !out.empty() && out.back() == '/'))
      out += {' ', c}; // neither "*/" nor "/*" (-Wcomment)
    else
      out += c;
  }
  return out;
}

/// Text from the model file inside a C string literal: quotes, backslashes,
/// "??" (trigraphs) and non-printable bytes as octal escapes.
static std::string cStringContents(StringRef text) {
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\' || c == '?')
      out += {'\\', char('0' + (u >> 6)), char('0' + ((u >> 3) & 7)),
              char('0' + (u & 7))};
    else
      out += c;
  }
  return out;
}

/// The node names of an op for comments: "a, b", or "unnamed".
static std::string nodeNameText(Location loc) {
  SmallVector<std::string> names = nodeNames(loc);
  return commentSafe(names.empty() ? std::string("unnamed")
                                   : join(names, ", "));
}

std::string CEmitter::floatLiteral(double v, bool isDouble) {
  if (std::isnan(v))
    return "NAN";
  if (std::isinf(v))
    return v < 0 ? "-INFINITY" : "INFINITY";
  std::string s;
  raw_string_ostream(s) << format(isDouble ? "%.17g" : "%.9g", v);
  if (s.find_first_of(".e") == std::string::npos)
    s += ".0";
  return isDouble ? s : s + "f";
}

CEmitter::CEmitter(func::FuncOp func, const EmitOptions &opts,
                   TargetKernels &kernels)
    : func(func), opts(opts), kernels(kernels),
      prefix(sanitizeIdentifier(opts.name)) {}

std::string CEmitter::macroPrefix() const { return StringRef(prefix).upper(); }

std::string CEmitter::uniqueName(StringRef stem) {
  std::string name = stem.str();
  for (int i = 1; usedNames.contains(name); ++i)
    name = (stem + "_" + Twine(i)).str();
  usedNames.insert(name);
  return name;
}

static bool isIdentifierChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

std::string CEmitter::freshName(StringRef stem) {
  return uniqueName((prefix + "_" + stem).str());
}

std::string CEmitter::currentNodeId() const {
  SmallVector<std::string> names =
      currentOp ? nodeNames(currentOp->getLoc()) : SmallVector<std::string>();
  return identifierFragment(names.empty() ? "node" : names.front());
}

/// C has no zero-size arrays (-pedantic): an empty constant is one unused
/// element, which no kernel reads (its tensor has no elements).
static int64_t arrayLength(int64_t elements) {
  return std::max<int64_t>(elements, 1);
}
static constexpr const char *emptyArrayFiller =
    "\n    0, /* placeholder: the tensor is empty */";

std::string CEmitter::defineConstant(Operation *op, StringRef role) {
  auto attr = cast<DenseElementsAttr>(op->getAttrOfType<ElementsAttr>("value"));
  auto type = cast<RankedTensorType>(attr.getType());
  Type element = type.getElementType();
  // Constants that passes created or moved have lost their initializer name;
  // they are named after the kernel that reads them.
  SmallVector<std::string> names = nodeNames(op->getLoc());
  std::string stem = names.empty() ? currentNodeId() + "_" + role.str()
                                   : identifierFragment(names.front());
  std::string name = freshName(stem);
  constantsOS << "/* " << commentSafe(names.empty() ? stem : join(names, ", "))
              << ": "
              << shapeString(type) << " */\nstatic const " << cType(element)
              << " " << name << "[" << arrayLength(type.getNumElements())
              << "] = {";
  if (type.getNumElements() == 0)
    constantsOS << emptyArrayFiller;
  int64_t i = 0;
  auto separator = [&] { constantsOS << (i++ % 8 == 0 ? "\n    " : " "); };
  if (isa<FloatType>(element)) {
    for (const APFloat &v : attr.getValues<APFloat>()) {
      separator();
      constantsOS << floatLiteral(v.convertToDouble(), element.isF64()) << ",";
    }
  } else {
    for (const APInt &v : attr.getValues<APInt>()) {
      separator();
      int64_t value = element.isInteger(1) || element.isUnsignedInteger()
                          ? static_cast<int64_t>(v.getZExtValue())
                          : v.getSExtValue();
      // The most negative value has no literal of its own in C.
      bool minimum = value == std::numeric_limits<int64_t>::min() ||
                     (element.isInteger(32) && value == INT32_MIN);
      if (element.isInteger(64))
        constantsOS << (minimum ? "INT64_MIN"
                                : "INT64_C(" + std::to_string(value) + ")");
      else if (minimum)
        constantsOS << "INT32_MIN";
      else
        constantsOS << value;
      constantsOS << ",";
    }
  }
  constantsOS << "\n};\n\n";
  return name;
}

template <typename T, typename Format>
static std::string defineArrayOf(CEmitter &e, raw_ostream &os, StringRef stem,
                                 StringRef comment, StringRef type,
                                 ArrayRef<T> values, Format format) {
  std::string name = e.freshName(stem);
  os << "/* " << commentSafe(comment) << " */\nstatic const " << type << " "
     << name << "[" << arrayLength(values.size()) << "] = {";
  if (values.empty())
    os << emptyArrayFiller;
  for (auto [i, v] : llvm::enumerate(values))
    os << (i % 8 == 0 ? "\n    " : " ") << format(v) << ",";
  os << "\n};\n\n";
  return name;
}

std::string CEmitter::defineArray(StringRef stem, StringRef comment,
                                  ArrayRef<int32_t> values) {
  return defineArrayOf(
      *this, constantsOS, stem, comment, "int32_t", values, [](int32_t v) {
        return v == INT32_MIN ? std::string("INT32_MIN") : std::to_string(v);
      });
}

std::string CEmitter::defineArray(StringRef stem, StringRef comment,
                                  ArrayRef<float> values) {
  return defineArrayOf(*this, constantsOS, stem, comment, "float", values,
                       [](float v) { return floatLiteral(v, false); });
}

std::string CEmitter::defineArray(StringRef stem, StringRef comment,
                                  ArrayRef<uint8_t> values) {
  return defineArrayOf(*this, constantsOS, stem, comment, "uint8_t", values,
                       [](uint8_t v) { return std::to_string(v); });
}

std::string CEmitter::defineArray(StringRef stem, StringRef comment,
                                  ArrayRef<uint16_t> values) {
  return defineArrayOf(*this, constantsOS, stem, comment, "uint16_t", values,
                       [](uint16_t v) { return std::to_string(v); });
}

std::string CEmitter::input(Value v, StringRef role) {
  auto it = exprs.find(v);
  if (it != exprs.end())
    return it->second;
  std::string expr;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    unsigned i = arg.getArgNumber();
    expr = uniqueName("in_" + identifierFragment(inputNames[i]));
    std::string type =
        cType(cast<RankedTensorType>(v.getType()).getElementType());
    prologueOS << "  const " << type << " *const " << expr << " = (const "
               << type << " *)inputs[" << i << "];\n";
  } else {
    expr = defineConstant(v.getDefiningOp(), role);
  }
  exprs[v] = expr;
  return expr;
}

std::string CEmitter::output(Value v) {
  auto it = exprs.find(v);
  if (it != exprs.end())
    return it->second;
  Operation *op = v.getDefiningOp();
  auto offset = op->getAttrOfType<IntegerAttr>(bnn::kOffsetAttr);
  std::string type =
      cType(cast<RankedTensorType>(v.getType()).getElementType());
  std::string name = uniqueName("t" + std::to_string(exprs.size()));
  bodyOS << "  " << type << " *const " << name << " = (" << type
         << " *)(arena_bytes + " << (offset ? offset.getInt() : 0) << ");\n";
  exprs[v] = name;
  return name;
}

LogicalResult CEmitter::emitBody() {
  Block &block = func.getBody().front();
  Operation *terminator = block.getTerminator();

  // A kernel whose result is a graph output writes into the caller's buffer;
  // every other output (an input, a constant, a view, a repeated value) is
  // copied at the end.
  SmallVector<std::pair<unsigned, Value>> copies;
  for (auto [i, v] : llvm::enumerate(terminator->getOperands())) {
    Operation *def = v.getDefiningOp();
    bool written = def && !bnn::isView(def) &&
                   !def->hasTrait<OpTrait::ConstantLike>() && !exprs.count(v);
    if (!written) {
      copies.push_back({static_cast<unsigned>(i), v});
      continue;
    }
    std::string type =
        cType(cast<RankedTensorType>(v.getType()).getElementType());
    std::string name = uniqueName("out_" + identifierFragment(outputNames[i]));
    prologueOS << "  " << type << " *const " << name << " = (" << type
               << " *)outputs[" << i << "];\n";
    exprs[v] = name;
  }

  for (Operation &op : block.without_terminator()) {
    if (op.hasTrait<OpTrait::ConstantLike>())
      continue;
    if (bnn::isView(&op)) {
      exprs[op.getResult(0)] = input(op.getOperand(0));
      continue;
    }
    if (op.getNumResults() == 1 && !exprs.count(op.getResult(0)) &&
        !op.hasAttr(bnn::kOffsetAttr))
      return op.emitError("result has no arena offset; run bnn-plan-memory");
    bodyOS << "\n  /* " << op.getName().stripDialect() << " ["
           << nodeNameText(op.getLoc()) << "]: ";
    bodyOS << join(map_range(op.getOperandTypes(),
                             [](Type t) { return shapeString(t); }),
                   ", ")
           << " -> " << shapeString(op.getResult(0).getType()) << " */\n";
    currentOp = &op;
    if (failed(kernels.emitKernel(&op, *this)))
      return failure();
  }

  if (!copies.empty())
    bodyOS << "\n";
  for (auto [i, v] : copies)
    bodyOS << "  memcpy(outputs[" << i << "], " << input(v) << ", "
           << bnn::tensorBytes(v.getType()) << ");\n";
  return success();
}

void CEmitter::emitDescriptors(raw_ostream &os, StringRef which,
                               TypeRange types, ArrayRef<std::string> names) {
  os << "const bnnc_tensor_desc " << prefix << "_" << which << "["
     << std::max<size_t>(types.size(), 1) << "] = {\n";
  for (auto [type, name] : llvm::zip(types, names)) {
    auto t = cast<RankedTensorType>(type);
    os << "    {\"" << cStringContents(name) << "\", "
       << onnxDtypeName(t.getElementType())
       << ", " << t.getRank() << ", {"
       << (t.getRank() ? shapeString(t, ", ") : "0") << "}, "
       << t.getNumElements() << ", " << bnn::tensorBytes(t) << "},\n";
  }
  // The one placeholder entry of an empty list (ISO C has no empty
  // initializer braces).
  if (types.empty())
    os << "    {0},\n";
  os << "};\n";
}

void CEmitter::emitHeader(raw_ostream &os) {
  std::string m = macroPrefix();
  FunctionType type = func.getFunctionType();
  os << "/*\n * " << opts.headerFile << " - generated by bnnc " << BNNC_VERSION
     << " from " << commentSafe(opts.modelFile) << " (target: " << opts.target
     << "). Do not edit.\n *\n"
     << " * Run the model:\n"
     << " *   const void *inputs[" << m << "_NUM_INPUTS] = {...};\n"
     << " *   void *outputs[" << m << "_NUM_OUTPUTS] = {...};\n"
     << " *   int status = " << prefix
     << "_run(inputs, outputs);   (BNNC_OK = 0 on success)\n *\n"
     << " * Inputs and outputs are contiguous row-major buffers of the ONNX\n"
     << " * element type, in ONNX graph order (see " << prefix
     << "_inputs / _outputs).\n"
     << " * " << prefix << "_run() uses one static arena of " << m
     << "_ARENA_SIZE bytes, so calls\n"
     << " * must not overlap; " << prefix
     << "_run_with_arena() takes the caller's arena instead\n"
     << " * (" << m << "_ARENA_SIZE bytes, aligned to " << m
     << "_ARENA_ALIGN). Weights are static const.\n */\n";
  os << "#ifndef " << m << "_H\n#define " << m << "_H\n\n"
     << "#include \"bnnc/runtime.h\"\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  os << "#define " << m << "_NUM_INPUTS " << type.getNumInputs() << "\n"
     << "#define " << m << "_NUM_OUTPUTS " << type.getNumResults() << "\n"
     << "/* Scratch memory for intermediates; the planner's lower bound is "
     << arenaLowerBound << " bytes. */\n"
     << "#define " << m << "_ARENA_SIZE " << arenaSize << "\n"
     << "#define " << m << "_ARENA_ALIGN 16\n\n";
  auto describe = [&](StringRef kind, TypeRange types,
                      ArrayRef<std::string> names) {
    for (auto [i, t] : llvm::enumerate(types)) {
      auto tensor = cast<RankedTensorType>(t);
      os << "/* " << kind << " " << i << " \"" << commentSafe(names[i])
         << "\": " << cType(tensor.getElementType()) << " ["
         << shapeString(t, ", ") << "] */\n#define " << m << "_"
         << StringRef(kind).upper() << i << "_COUNT " << tensor.getNumElements()
         << "\n";
    }
  };
  describe("input", type.getInputs(), inputNames);
  describe("output", type.getResults(), outputNames);
  // Descriptor arrays have at least one entry: C has no empty arrays.
  os << "\nextern const bnnc_tensor_desc " << prefix << "_inputs["
     << std::max<size_t>(type.getNumInputs(), 1) << "];\n"
     << "extern const bnnc_tensor_desc " << prefix << "_outputs["
     << std::max<size_t>(type.getNumResults(), 1) << "];\n\n"
     << "int " << prefix
     << "_run(const void *const inputs[], void *const outputs[]);\n"
     << "int " << prefix
     << "_run_with_arena(const void *const inputs[], void *const outputs[],\n"
     << "    void *arena);\n\n"
     << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << m << "_H */\n";
}

void CEmitter::emitSource(raw_ostream &os) {
  std::string m = macroPrefix();
  FunctionType type = func.getFunctionType();
  os << "/*\n * Generated by bnnc " << BNNC_VERSION << " from "
     << commentSafe(opts.modelFile) << " (target: " << opts.target
     << "). Do not edit.\n * See " << opts.headerFile
     << " for the interface.\n */\n"
     << "#include \"" << opts.headerFile << "\"\n\n#include <string.h>\n\n";
  for (StringRef header : kernels.runtimeHeaders())
    os << "#include \"" << header << "\"\n";
  os << "\n";
  emitDescriptors(os, "inputs", type.getInputs(), inputNames);
  emitDescriptors(os, "outputs", type.getResults(), outputNames);
  os << "\n" << constantsText << globalsText;
  os << "static uint8_t " << prefix << "_arena["
     << std::max<int64_t>(arenaSize, 1) << "] BNNC_ALIGNED(16);\n\n";
  os << "int " << prefix << "_run(const void *const inputs[], void *const "
     << "outputs[]) {\n  return " << prefix
     << "_run_with_arena(inputs, outputs, " << prefix << "_arena);\n}\n\n";
  os << "int " << prefix << "_run_with_arena(const void *const inputs[], "
     << "void *const outputs[],\n    void *arena) {\n"
     << "  if (!inputs || !outputs || !arena)\n"
     << "    return BNNC_ERROR_NULL_ARGUMENT;\n"
     << "  for (int i = 0; i < " << m << "_NUM_INPUTS; ++i)\n"
     << "    if (!inputs[i])\n      return BNNC_ERROR_NULL_ARGUMENT;\n"
     << "  for (int i = 0; i < " << m << "_NUM_OUTPUTS; ++i)\n"
     << "    if (!outputs[i])\n      return BNNC_ERROR_NULL_ARGUMENT;\n";
  if (bodyText.find("arena_bytes") != std::string::npos)
    os << "  uint8_t *const arena_bytes = (uint8_t *)arena;\n";
  os << prologueText;
  // A binding the body never reads (a kernel on an empty tensor emits no
  // code) is marked used, so the C stays -Wunused-variable clean.
  SmallVector<StringRef> lines;
  StringRef(prologueText).split(lines, '\n');
  for (StringRef line : lines) {
    size_t begin = line.find("*const ");
    size_t end = line.find(" = ");
    if (begin == StringRef::npos || end == StringRef::npos || end < begin)
      continue;
    StringRef name = line.slice(begin + 7, end);
    bool used = false;
    for (size_t at = bodyText.find(name.str()); at != std::string::npos && !used;
         at = bodyText.find(name.str(), at + 1)) {
      size_t after = at + name.size();
      used = (at == 0 || !isIdentifierChar(bodyText[at - 1])) &&
             (after >= bodyText.size() || !isIdentifierChar(bodyText[after]));
    }
    if (!used)
      os << "  (void)" << name << ";\n";
  }
  os << bodyText << "  return BNNC_OK;\n}\n";
}

LogicalResult CEmitter::run(std::string &header, std::string &source) {
  FunctionType type = func.getFunctionType();
  auto nameOf = [&](DictionaryAttr attrs, StringRef fallback) {
    auto name = attrs ? attrs.getAs<StringAttr>(bnn::kOnnxNameAttr) : nullptr;
    return name ? name.str() : fallback.str();
  };
  for (unsigned i = 0; i < type.getNumInputs(); ++i)
    inputNames.push_back(
        nameOf(func.getArgAttrDict(i), ("input_" + Twine(i)).str()));
  for (unsigned i = 0; i < type.getNumResults(); ++i)
    outputNames.push_back(
        nameOf(func.getResultAttrDict(i), ("output_" + Twine(i)).str()));
  for (Type t : llvm::concat<const Type>(type.getInputs(), type.getResults())) {
    auto tensor = dyn_cast<RankedTensorType>(t);
    if (!tensor || !tensor.hasStaticShape() ||
        !onnxDtypeName(tensor.getElementType()) || tensor.getRank() > 8)
      return func.emitError("graph input/output type ")
             << t << " is not supported (static shape, rank <= 8, "
             << "float/int/bool element type)";
  }
  auto size = func->getAttrOfType<IntegerAttr>(bnn::kArenaSizeAttr);
  auto bound = func->getAttrOfType<IntegerAttr>(bnn::kArenaLowerBoundAttr);
  if (!size || !bound)
    return func.emitError(
        "function is not memory-planned; run bnn-plan-memory");
  arenaSize = size.getInt();
  arenaLowerBound = bound.getInt();
  // Names the generated code defines itself.
  for (StringRef reserved : {"inputs", "outputs", "arena", "arena_bytes", "i"})
    usedNames.insert(reserved);

  if (failed(emitBody()))
    return failure();
  raw_string_ostream headerOS(header), sourceOS(source);
  emitHeader(headerOS);
  emitSource(sourceOS);
  return success();
}

LogicalResult emitModelC(ModuleOp module, const EmitOptions &opts,
                         std::string &header, std::string &source) {
  auto funcs = module.getOps<func::FuncOp>();
  if (std::distance(funcs.begin(), funcs.end()) != 1)
    return module.emitError("expected exactly one function to emit");
  std::unique_ptr<TargetKernels> kernels;
  if (opts.target == "generic")
    kernels = createGenericKernels();
  else if (opts.target == "aarch64")
    kernels = createAarch64Kernels();
  else if (StringRef(opts.target).starts_with("cortex-m"))
    kernels = createCortexMKernels();
  else
    return module.emitError("unknown target '") << opts.target << "'";
  CEmitter emitter(*funcs.begin(), opts, *kernels);
  return emitter.run(header, source);
}

} // namespace bnnc
