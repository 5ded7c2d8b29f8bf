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

namespace {
struct TargetEntry {
  TargetInfo info;
  std::unique_ptr<TargetKernels> (*create)(StringRef core);
};
} // namespace

static ArrayRef<TargetEntry> targetEntries() {
  static const TargetEntry entries[] = {
#define BNNC_TARGET(NAME, FACTORY, CORE, DESCRIPTION)                          \
  {{NAME, CORE, DESCRIPTION}, FACTORY},
#include "targets/Targets.def"
  };
  return entries;
}

ArrayRef<TargetInfo> targets() {
  static const SmallVector<TargetInfo> infos = llvm::to_vector(
      map_range(targetEntries(), [](const TargetEntry &e) { return e.info; }));
  return infos;
}

ArrayRef<StringRef> targetNames() {
  static const SmallVector<StringRef> names = llvm::to_vector(map_range(
      targetEntries(), [](const TargetEntry &e) { return e.info.name; }));
  return names;
}

std::string sanitizeIdentifier(StringRef name) {
  std::string id;
  for (char c : name) {
    bool keep = std::isalnum(static_cast<unsigned char>(c));
    if (keep || (!id.empty() && id.back() != '_'))
      id += keep ? c : '_';
  }
  while (!id.empty() && id.back() == '_')
    id.pop_back();
  if (id.empty())
    return "m";
  if (std::isdigit(static_cast<unsigned char>(id[0])))
    id = "m_" + id;
  return id;
}

std::string reservedPrefixReason(StringRef prefix) {
  if (prefix.empty() || prefix != sanitizeIdentifier(prefix))
    return "it is not a C identifier of letters, digits and single '_' "
           "that starts with a letter and does not end with '_'";
  if (prefix.equals_insensitive("bnnc") ||
      prefix.starts_with_insensitive("bnnc_"))
    return "bnnc's runtime owns the names bnnc_* and BNNC_* (its functions, "
           "types and include guards)";
  return "";
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

/// Internal file-scope names are "<prefix>__<stem>": the prefix has no
/// "__" (reservedPrefixReason) and stems are identifier fragments (no "__"
/// either), so they never equal the API names ("<prefix>_run"), the macros,
/// the run function's locals, nor a name of the C library or the ARM
/// intrinsic headers, none of which has a "__" after its first character.
std::string CEmitter::freshName(StringRef stem) {
  return uniqueName(prefix + "__" + identifierFragment(stem));
}

std::string CEmitter::currentNodeId() const {
  SmallVector<std::string> names =
      currentOp ? nodeNames(currentOp->getLoc()) : SmallVector<std::string>();
  return identifierFragment(names.empty() ? "node" : names.front());
}

/// Stands for the generation stamp until both files are complete.
static constexpr StringLiteral kGenerationPlaceholder = "@BNNC_GENERATION@";

/// sizeof of cType(t) on every target bnnc emits for.
static int64_t cTypeBytes(Type t) {
  if (t.isInteger(1))
    return 1;
  return (t.getIntOrFloatBitWidth() + 7) / 8;
}

/// C has no zero-size arrays (-pedantic): an empty constant is one unused
/// element, which no kernel reads (its tensor has no elements).
static int64_t arrayLength(int64_t elements) {
  return std::max<int64_t>(elements, 1);
}
/// Float32 constants up to this many elements stay float literals (biases,
/// scales and small tables remain readable); larger ones are bit patterns.
static constexpr int64_t kMaxFloatLiterals = 64;

static constexpr const char *emptyArrayFiller =
    "\n    0, /* placeholder: the tensor is empty */";

/// --weights=bin: the constant's bytes go to the weights file at a 16-byte
/// aligned offset; the C declares it and the assembly stub defines the
/// symbol over those bytes. MLIR stores dense elements in host order:
/// bnnc runs on little-endian hosts, and the generated C refuses a
/// big-endian target.
bool CEmitter::weightsToFile(int64_t elements) const {
  return !opts.weightsFile.empty() && elements > kMaxFloatLiterals;
}

void CEmitter::declareExternalConstant(StringRef name, StringRef comment,
                                       StringRef cTypeName, int64_t count,
                                       ArrayRef<char> bytes) {
  std::string &blob = emitted.weightsBlob;
  if (blob.empty())
    constantsOS << "#if defined(__BYTE_ORDER__) && "
                   "__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__\n#error \""
                << opts.weightsFile
                << " holds little-endian data\"\n#endif\n\n";
  blob.resize(alignTo(blob.size(), 16), '\0');
  size_t offset = blob.size();
  blob.append(bytes.begin(), bytes.end());
  constantsOS << "/* " << commentSafe(comment) << ": bytes " << offset
              << ".." << blob.size() << " of " << opts.weightsFile
              << " */\nextern const " << cTypeName << " " << name << "["
              << count << "];\n\n";
  raw_string_ostream stub(emitted.weightsStub);
  stub << "\t.globl " << name << "\n\t.type " << name << ", %object\n\t.balign 16\n"
       << name << ":\n\t.incbin \"" << opts.weightsFile << "\", " << offset
       << ", " << bytes.size() << "\n\t.size " << name << ", " << bytes.size()
       << "\n";
}

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
  recordArray(name, static_cast<int64_t>(cTypeBytes(element)) *
                        arrayLength(type.getNumElements()));
  if (weightsToFile(type.getNumElements()) && !attr.isSplat() &&
      !element.isInteger(1)) {
    declareExternalConstant(
        name,
        (names.empty() ? stem : join(names, ", ")) + ": " + shapeString(type),
        cType(element), type.getNumElements(), attr.getRawData());
    return name;
  }
  // Large float32 constants are spelled as their IEEE-754 bit patterns: 11
  // characters per 4 bytes instead of up to 15, faster to write and for C
  // compilers to read, and exact by construction. A union gives them their
  // float type without a pointer cast (C99 6.5.2.3); its first member is
  // the one initialized.
  bool asBits = element.isF32() && type.getNumElements() > kMaxFloatLiterals;
  int64_t length = arrayLength(type.getNumElements());
  constantsOS << "/* " << commentSafe(names.empty() ? stem : join(names, ", "))
              << ": " << shapeString(type)
              << (asBits ? ", as IEEE-754 bit patterns" : "") << " */\n";
  if (asBits)
    constantsOS << "static const union { uint32_t bits[" << length
                << "]; float values[" << length << "]; } " << name << " = {{";
  else
    constantsOS << "static const " << cType(element) << " " << name << "["
                << length << "] = {";
  if (type.getNumElements() == 0)
    constantsOS << emptyArrayFiller;
  // Every element takes at least two bytes ("0,"): refuse a constant that
  // cannot fit before spelling it out.
  uint64_t atLeast = 2 * static_cast<uint64_t>(type.getNumElements());
  std::string closing = asBits ? "\n}};\n\n" : "\n};\n\n";
  std::string expr = asBits ? name + ".values" : name;
  if (constantsText.size() + atLeast > opts.maxCBytes) {
    if (overBudget.empty())
      overBudget = (names.empty() ? stem : names.front()) + " (" +
                   std::to_string(type.getNumElements()) + " elements)";
    constantsOS << closing;
    return expr;
  }
  int64_t i = 0;
  auto separator = [&] { constantsOS << (i++ % 8 == 0 ? "\n    " : " "); };
  if (asBits) {
    // 8 words per line, no spaces: 2.9 bytes of C per weight byte.
    for (const APFloat &v : attr.getValues<APFloat>()) {
      constantsOS << (i++ % 8 == 0 ? "\n    " : "");
      constantsOS << format(
          "0x%08x,", static_cast<uint32_t>(v.bitcastToAPInt().getZExtValue()));
    }
  } else if (isa<FloatType>(element)) {
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
  constantsOS << closing;
  return expr;
}

template <typename T, typename Format>
static std::string defineArrayOf(CEmitter &e, raw_ostream &os, StringRef stem,
                                 StringRef comment, StringRef type,
                                 ArrayRef<T> values, Format format) {
  std::string name = e.freshName(stem);
  e.recordArray(name, static_cast<int64_t>(sizeof(T)) *
                          arrayLength(static_cast<int64_t>(values.size())));
  if (e.weightsToFile(static_cast<int64_t>(values.size()))) {
    e.declareExternalConstant(
        name, comment, type, static_cast<int64_t>(values.size()),
        ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                       values.size() * sizeof(T)));
    return name;
  }
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
  int64_t count = static_cast<int64_t>(values.size());
  if (count <= kMaxFloatLiterals || weightsToFile(count))
    return defineArrayOf(*this, constantsOS, stem, comment, "float", values,
                         [](float v) { return floatLiteral(v, false); });
  // Large float tables are bit patterns, as in defineConstant.
  std::string name = freshName(stem);
  recordArray(name, static_cast<int64_t>(sizeof(float)) * count);
  constantsOS << "/* " << commentSafe(comment)
              << ", as IEEE-754 bit patterns */\nstatic const union { "
                 "uint32_t bits["
              << count << "]; float values[" << count << "]; } " << name
              << " = {{";
  for (auto [i, v] : llvm::enumerate(values))
    constantsOS << (i % 8 == 0 ? "\n    " : "")
                << format("0x%08x,", llvm::bit_cast<uint32_t>(v));
  constantsOS << "\n}};\n\n";
  return name + ".values";
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

std::string CEmitter::defineArray(StringRef stem, StringRef comment,
                                  ArrayRef<int16_t> values) {
  return defineArrayOf(*this, constantsOS, stem, comment, "int16_t", values,
                       [](int16_t v) { return std::to_string(v); });
}

void CEmitter::recordArray(StringRef name, int64_t bytes) {
  EmittedArray array{name.str(), bytes};
  if (inKernel)
    emitted.kernelArrays[currentOp].push_back(std::move(array));
  else
    pendingArrays[definingConstant] = std::move(array);
}

int64_t EmissionRecord::kernelBytes(Operation *kernel) const {
  int64_t bytes = 0;
  auto it = kernelArrays.find(kernel);
  if (it != kernelArrays.end())
    for (const EmittedArray &a : it->second)
      bytes += a.bytes;
  return bytes;
}

int64_t EmissionRecord::totalBytes() const {
  int64_t bytes = 0;
  for (const auto &entry : kernelArrays)
    for (const EmittedArray &a : entry.second)
      bytes += a.bytes;
  for (const EmittedArray &a : outputArrays)
    bytes += a.bytes;
  return bytes;
}

std::string CEmitter::request(const std::string &expr) {
  if (bindings.contains(expr))
    kernelRequests.push_back(expr);
  return expr;
}

std::string CEmitter::input(Value v, StringRef role) {
  auto it = exprs.find(v);
  if (it != exprs.end())
    return request(it->second);
  std::string expr;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    unsigned i = arg.getArgNumber();
    expr = uniqueName("in_" + identifierFragment(inputNames[i]));
    std::string type =
        cType(cast<RankedTensorType>(v.getType()).getElementType());
    prologueOS << "  const " << type << " *const " << expr << " = (const "
               << type << " *)inputs[" << i << "];\n";
    bindings.insert(expr);
    bindingOrder.push_back(expr);
    request(expr);
  } else {
    definingConstant = v;
    expr = defineConstant(v.getDefiningOp(), role);
  }
  exprs[v] = expr;
  return expr;
}

std::string CEmitter::output(Value v) {
  auto it = exprs.find(v);
  if (it != exprs.end())
    return request(it->second);
  assert(!v.getDefiningOp()->hasAttr(bnn::kFusedIntoUserAttr) &&
         "a fused result has no buffer to write");
  // emitBody checked that every written result has an offset.
  std::optional<int64_t> offset = bnn::arenaOffset(v);
  std::string type =
      cType(cast<RankedTensorType>(v.getType()).getElementType());
  std::string name = uniqueName("t" + std::to_string(exprs.size()));
  bodyOS << "  " << type << " *const " << name << " = (" << type
         << " *)(arena_bytes + " << offset.value_or(0) << ");\n";
  usesArena = true;
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
    bindings.insert(name);
    bindingOrder.push_back(name);
    exprs[v] = name;
  }

  for (Operation &op : block.without_terminator()) {
    if (op.hasTrait<OpTrait::ConstantLike>())
      continue;
    if (bnn::isView(&op)) {
      exprs[op.getResult(0)] = input(op.getOperand(0));
      continue;
    }
    // A result fused into its user (bnn.fused_into_user) has no bytes: its
    // kernel writes the user's result instead, and nothing reads it.
    // Every result the kernel writes needs its own bytes: a result without
    // an offset would silently share offset 0 with others.
    if (!op.hasAttr(bnn::kFusedIntoUserAttr))
      for (OpResult r : op.getResults())
        if (!exprs.count(r) && !bnn::arenaOffset(r))
          return op.emitError("result #")
                 << r.getResultNumber()
                 << " has no arena offset; run bnn-plan-memory";
    bodyOS << "\n  /* " << op.getName().stripDialect() << " ["
           << nodeNameText(op.getLoc()) << "]: ";
    bodyOS << join(map_range(op.getOperandTypes(),
                             [](Type t) { return shapeString(t); }),
                   ", ")
           << " -> " << shapeString(op.getResult(0).getType()) << " */\n";
    currentOp = &op;
    kernelRequests.clear();
    uint64_t before = bodyOS.tell();
    inKernel = true;
    // A constant defined when a view of it was met is this kernel's if this
    // is the first kernel to read it.
    for (Value operand : op.getOperands()) {
      auto it = pendingArrays.find(bnn::viewSource(operand));
      if (it != pendingArrays.end()) {
        emitted.kernelArrays[&op].push_back(std::move(it->second));
        pendingArrays.erase(it);
      }
    }
    LogicalResult emittedKernel = kernels.emitKernel(&op, *this);
    inKernel = false;
    if (failed(emittedKernel))
      return failure();
    // A kernel on an empty tensor emits no statement: the bindings it asked
    // for stay unused unless another kernel reads them.
    if (bodyOS.tell() != before)
      usedBindings.insert(kernelRequests.begin(), kernelRequests.end());
  }

  if (!copies.empty())
    bodyOS << "\n";
  for (auto [i, v] : copies) {
    std::string from = input(v);
    usedBindings.insert(from);
    bodyOS << "  memcpy(outputs[" << i << "], " << from << ", "
           << bnn::tensorBytes(v.getType()) << ");\n";
  }
  // Constants no kernel reads: graph outputs copied from constant data.
  for (auto &entry : pendingArrays)
    emitted.outputArrays.push_back(entry.second);
  llvm::sort(emitted.outputArrays,
             [](const EmittedArray &a, const EmittedArray &b) {
               return a.name < b.name;
             });
  pendingArrays.clear();
  return success();
}

/// C99 compilers need not accept string literals over 4095 bytes
/// (-Woverlength-strings); longer tensor names are spelled as char arrays.
static constexpr size_t kMaxStringLiteral = 4095;

void CEmitter::emitDescriptors(raw_ostream &os, StringRef which,
                               TypeRange types, ArrayRef<std::string> names) {
  SmallVector<std::string> nameExprs;
  for (StringRef name : names) {
    if (name.size() <= kMaxStringLiteral) {
      nameExprs.push_back("\"" + cStringContents(name) + "\"");
      continue;
    }
    std::string array = freshName(which.str() + "_name");
    os << "/* a name of " << name.size()
       << " bytes, longer than C99's string literals */\nstatic const char "
       << array << "[" << name.size() + 1 << "] = {";
    // '\ooo' has the byte's value whether char is signed or not.
    for (auto [i, c] : llvm::enumerate(name)) {
      auto u = static_cast<unsigned char>(c);
      os << (i % 12 == 0 ? "\n    " : " ") << "'\\" << char('0' + (u >> 6))
         << char('0' + ((u >> 3) & 7)) << char('0' + (u & 7)) << "',";
    }
    os << " 0\n};\n";
    nameExprs.push_back(array);
  }
  os << "const bnnc_tensor_desc " << prefix << "_" << which << "["
     << std::max<size_t>(types.size(), 1) << "] = {\n";
  // C has neither empty arrays nor empty initializers (-pedantic).
  if (types.empty())
    os << "    {\"\", BNNC_FLOAT32, 0, {0}, 0, 0}, /* placeholder: the graph "
          "has no "
       << which << " */\n";
  for (auto [type, name] : llvm::zip(types, nameExprs)) {
    auto t = cast<RankedTensorType>(type);
    os << "    {" << name << ", " << onnxDtypeName(t.getElementType()) << ", "
       << t.getRank() << ", {" << (t.getRank() ? shapeString(t, ", ") : "0")
       << "}, " << t.getNumElements() << ", " << bnn::tensorBytes(t) << "},\n";
  }
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
     << "#define " << m << "_ARENA_ALIGN 16\n"
     << "/* Identifies this pair of files; the .c generated with this header "
        "checks it. */\n#define "
     << m << "_GENERATION " << kGenerationPlaceholder << "ULL\n\n";
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

void CEmitter::requireRuntimeHeader(StringRef header) {
  if (!llvm::is_contained(extraHeaders, header) &&
      !llvm::is_contained(kernels.runtimeHeaders(), header))
    extraHeaders.push_back(header.str());
}

void CEmitter::emitSource(raw_ostream &os) {
  std::string m = macroPrefix();
  FunctionType type = func.getFunctionType();
  os << "/*\n * Generated by bnnc " << BNNC_VERSION << " from "
     << commentSafe(opts.modelFile) << " (target: " << opts.target
     << "). Do not edit.\n * See " << opts.headerFile
     << " for the interface.\n */\n"
     << "#include \"" << opts.headerFile << "\"\n\n"
     << "/* The header must come from the same bnnc run as this file. */\n"
     << "#if !defined(" << m << "_GENERATION) || " << m
     << "_GENERATION != " << kGenerationPlaceholder << "ULL\n"
     << "#error \"" << cStringContents(opts.headerFile)
     << " was not generated together with this file: regenerate both\"\n"
     << "#endif\n\n#include <string.h>\n\n";
  for (StringRef header : kernels.runtimeHeaders())
    os << "#include \"" << header << "\"\n";
  for (const std::string &header : extraHeaders)
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
  if (usesArena)
    os << "  uint8_t *const arena_bytes = (uint8_t *)arena;\n";
  os << prologueText;
  // A binding no statement reads (a kernel on an empty tensor emits none)
  // is marked used, so the C stays -Wunused-variable clean.
  for (const std::string &name : bindingOrder)
    if (!usedBindings.contains(name))
      os << "  (void)" << name << ";\n";
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
  reserveGeneratedNames();

  if (failed(emitBody()))
    return failure();
  if (!overBudget.empty())
    return func.emitError("the generated C would exceed the limit of ")
           << opts.maxCBytes << " bytes (--max-c-bytes) at the constant "
           << overBudget;
  raw_string_ostream headerOS(header), sourceOS(source);
  emitHeader(headerOS);
  emitSource(sourceOS);
  stampGeneration(header, source);
  if (header.size() + source.size() > opts.maxCBytes)
    return func.emitError("the generated C would be ")
           << header.size() + source.size() << " bytes, more than the limit of "
           << opts.maxCBytes << " bytes (--max-c-bytes)";
  return success();
}

/// The names the generated code defines itself, so that no name from the
/// model (a local "in_<input>", a constant) can take one: the API, the
/// macros of the header and the run function's own locals.
void CEmitter::reserveGeneratedNames() {
  for (StringRef local : {"inputs", "outputs", "arena", "arena_bytes", "i"})
    usedNames.insert(local);
  for (StringRef api : {"run", "run_with_arena", "inputs", "outputs", "arena"})
    usedNames.insert(prefix + "_" + api.str());
  std::string m = macroPrefix();
  for (StringRef macro : {"H", "NUM_INPUTS", "NUM_OUTPUTS", "ARENA_SIZE",
                          "ARENA_ALIGN", "GENERATION"})
    usedNames.insert(m + "_" + macro.str());
  FunctionType type = func.getFunctionType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i)
    usedNames.insert(m + "_INPUT" + std::to_string(i) + "_COUNT");
  for (unsigned i = 0; i < type.getNumResults(); ++i)
    usedNames.insert(m + "_OUTPUT" + std::to_string(i) + "_COUNT");
}

/// Both files carry a hash of their contents, which the .c checks against
/// the header's at compile time: a .h and a .c from different runs (an
/// interrupted or concurrent write, a copy of one file only) do not compile
/// together. Identical inputs give identical files, so the stamp keeps the
/// output deterministic.
void CEmitter::stampGeneration(std::string &header, std::string &source) {
  // FNV-1a, 64 bits: a fixed, portable hash, not a security measure.
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const std::string *text : {&header, &source})
    for (char c : *text)
      hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  std::string stamp = "0x" + llvm::utohexstr(hash, /*LowerCase=*/true, 16);
  for (std::string *text : {&header, &source})
    for (size_t at = text->find(kGenerationPlaceholder);
         at != std::string::npos; at = text->find(kGenerationPlaceholder, at))
      text->replace(at, kGenerationPlaceholder.size(), stamp);
}

/// Why the generated .c cannot `#include "<name>"` the header (empty if it
/// can): a quote, backslash or control byte has no spelling in an #include,
/// and a header named like a standard one the generated C includes would
/// replace it for builds with -I on the output directory.
static std::string headerNameProblem(StringRef name) {
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\' || u < 0x20 || u == 0x7f)
      return "an #include cannot spell its '\\x" +
             llvm::utohexstr(u, /*LowerCase=*/true, 2) + "' byte";
  }
  for (StringRef standard :
       {"string.h", "math.h", "stdint.h", "stddef.h", "stdio.h", "stdlib.h",
        "limits.h", "float.h", "arm_neon.h", "arm_acle.h", "arm_mve.h"})
    if (name.equals_insensitive(standard))
      return "it would hide the C library's <" + standard.str() +
             ">, which the generated code includes";
  return "";
}

LogicalResult emitModelC(ModuleOp module, const EmitOptions &opts,
                         std::string &header, std::string &source,
                         EmissionRecord *record) {
  auto funcs = module.getOps<func::FuncOp>();
  if (std::distance(funcs.begin(), funcs.end()) != 1)
    return module.emitError("expected exactly one function to emit");
  const TargetEntry *entry =
      llvm::find_if(targetEntries(), [&](const TargetEntry &e) {
        return e.info.name == opts.target;
      });
  if (entry == targetEntries().end())
    return module.emitError("unknown target '") << opts.target << "'";
  std::unique_ptr<TargetKernels> kernels = entry->create(entry->info.core);
  std::string why = reservedPrefixReason(opts.name);
  if (!why.empty())
    return module.emitError("the symbol prefix '")
           << opts.name << "' cannot be used: " << why
           << "; choose another with --name";
  why = headerNameProblem(opts.headerFile);
  if (!why.empty())
    return module.emitError("the header file name '")
           << opts.headerFile << "' cannot be used: " << why
           << "; choose another output file name";
  CEmitter emitter(*funcs.begin(), opts, *kernels);
  if (failed(emitter.run(header, source)))
    return failure();
  if (record) {
    *record = emitter.record();
    if (!opts.weightsFile.empty())
      record->weightsStub =
          "/* " + opts.name + "_weights.S - generated by bnnc from " +
          opts.modelFile + ": defines the large constants that " +
          opts.name + ".c declares over the bytes of " + opts.weightsFile +
          " (.incbin, docs/c-contract.md). Assemble it with the C compiler "
          "from the directory that holds " +
          opts.weightsFile + ", or pass -I<that directory>. */\n\t.section .rodata." +
          opts.name + "_weights,\"a\"\n" + record->weightsStub +
          "\t.section .note.GNU-stack,\"\",%progbits\n";
  }
  return success();
}

} // namespace bnnc
