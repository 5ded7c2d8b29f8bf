//===- Calibration.cpp - Running generated C on sample data ---------------===//

#include "compiler/Calibration.h"

#include "dialects/bnn/BnnDialect.h"
#include "targets/Targets.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace llvm;

namespace bnnc {
namespace {

/// bnnc-eval's host driver (tools/bnnc-eval/eval_driver.c), embedded at
/// build time so that both run generated C the same way.
const char kDriverSource[] =
#include "EvalDriverSource.inc"
    ;

Error error(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

mlir::func::FuncOp modelFunction(mlir::ModuleOp module) {
  mlir::func::FuncOp f;
  module.walk([&](mlir::func::FuncOp g) { f = g; });
  return f;
}

std::string nameOf(mlir::DictionaryAttr attrs, const Twine &fallback) {
  if (attrs)
    if (auto name = attrs.getAs<mlir::StringAttr>(bnn::kOnnxNameAttr))
      return name.str();
  return fallback.str();
}

/// Appends `v` as one element of type `t` (little-endian, as the host).
bool appendElement(std::string &out, mlir::Type t, double v) {
  auto put = [&](auto x) {
    char bytes[sizeof x];
    std::memcpy(bytes, &x, sizeof x);
    out.append(bytes, sizeof x);
  };
  if (t.isF32())
    put(static_cast<float>(v));
  else if (t.isF64())
    put(v);
  else if (t.isInteger(1))
    put(static_cast<uint8_t>(v != 0));
  else if (auto i = dyn_cast<mlir::IntegerType>(t)) {
    int64_t x = static_cast<int64_t>(v);
    switch (i.getWidth()) {
    case 8:
      i.isUnsigned() ? put(uint8_t(x)) : put(int8_t(x));
      break;
    case 16:
      i.isUnsigned() ? put(uint16_t(x)) : put(int16_t(x));
      break;
    case 32:
      i.isUnsigned() ? put(uint32_t(x)) : put(int32_t(x));
      break;
    case 64:
      i.isUnsigned() ? put(uint64_t(x)) : put(int64_t(x));
      break;
    default:
      return false;
    }
  } else
    return false;
  return true;
}

Error runProgram(StringRef program, ArrayRef<StringRef> args, StringRef logFile,
                 const Twine &what) {
  std::optional<StringRef> redirects[] = {StringRef(""), StringRef(logFile),
                                          StringRef(logFile)};
  std::string message;
  int status =
      sys::ExecuteAndWait(program, args, std::nullopt, redirects,
                          /*SecondsToWait=*/0, /*MemoryLimit=*/0, &message);
  if (status == 0)
    return Error::success();
  std::string log;
  if (auto buffer = MemoryBuffer::getFile(logFile))
    log = (*buffer)->getBuffer().take_front(2000).rtrim().str();
  return error(
      what + " failed (" +
      (message.empty() ? "exit status " + std::to_string(status) : message) +
      ")" + (log.empty() ? "" : ":\n" + log));
}

} // namespace

Expected<SampleSet> layOutSamples(mlir::ModuleOp module,
                                  const std::vector<NpyArray> &arrays,
                                  StringRef file) {
  mlir::func::FuncOp f = modelFunction(module);
  SampleSet set;
  std::vector<const NpyArray *> candidates;
  for (const NpyArray &a : arrays) {
    if (a.name == "labels") {
      set.labels.emplace();
      for (double v : a.values)
        set.labels->push_back(static_cast<int64_t>(v));
    } else {
      candidates.push_back(&a);
    }
  }
  unsigned numInputs = f.getNumArguments();
  std::vector<const NpyArray *> chosen(numInputs, nullptr);
  for (unsigned i = 0; i < numInputs; ++i) {
    std::string name = nameOf(f.getArgAttrDict(i), "input_" + Twine(i));
    for (const NpyArray *a : candidates)
      if (a->name == name)
        chosen[i] = a;
    if (!chosen[i] && numInputs == 1 && candidates.size() == 1)
      chosen[i] = candidates[0];
    if (!chosen[i])
      return error("'" + file + "' has no array for the graph input '" + name +
                   "' (name the array like the input)");
  }
  for (unsigned i = 0; i < numInputs; ++i) {
    auto type = cast<mlir::RankedTensorType>(f.getArgumentTypes()[i]);
    ArrayRef<int64_t> shape = type.getShape();
    const NpyArray &a = *chosen[i];
    ArrayRef<int64_t> dims = a.shape;
    int64_t perRun;
    if (dims.size() == shape.size() + 1 && dims.drop_front() == shape)
      perRun = 1;
    else if (!shape.empty() && dims.size() == shape.size() &&
             dims.drop_front() == shape.drop_front())
      perRun = shape[0];
    else {
      std::string want, got;
      raw_string_ostream w(want), g(got);
      interleave(shape, w, "x");
      interleave(dims, g, "x");
      return error("'" + file + "' array '" + a.name + "' is " + got +
                   "; the input '" +
                   nameOf(f.getArgAttrDict(i), "input_" + Twine(i)) + "' is " +
                   want + ", so the array must be N x " + want +
                   " (whole inputs) or N x its shape without the leading "
                   "batch dimension (rows)");
    }
    int64_t n = dims.empty() ? 0 : dims[0];
    if (i == 0) {
      set.samples = n, set.perRun = perRun;
    } else if (n != set.samples || perRun != set.perRun) {
      return error("'" + file +
                   "': the arrays of the graph inputs hold "
                   "different numbers of samples");
    }
  }
  if (set.samples <= 0)
    return error("'" + file + "' holds no samples");
  if (set.labels && static_cast<int64_t>(set.labels->size()) != set.samples)
    return error("'" + file + "': 'labels' has " + Twine(set.labels->size()) +
                 " entries for " + Twine(set.samples) + " samples");
  set.runs = (set.samples + set.perRun - 1) / set.perRun;
  for (unsigned i = 0; i < numInputs; ++i) {
    auto type = cast<mlir::RankedTensorType>(f.getArgumentTypes()[i]);
    const NpyArray &a = *chosen[i];
    size_t perSample = a.values.size() / static_cast<size_t>(set.samples);
    std::string bytes;
    for (int64_t s = 0; s < set.runs * set.perRun; ++s) {
      int64_t from = s < set.samples ? s : 0; // fill the last run
      for (size_t k = 0; k < perSample; ++k)
        if (!appendElement(bytes, type.getElementType(),
                           a.values[from * perSample + k]))
          return error("the graph input '" +
                       nameOf(f.getArgAttrDict(i), "input_" + Twine(i)) +
                       "' has an element type calibration does not feed");
    }
    set.inputs.push_back(std::move(bytes));
  }
  return set;
}

Expected<std::vector<std::string>> runOnHost(mlir::ModuleOp module,
                                             const SampleSet &samples,
                                             const HostRun &host) {
  EmitOptions options;
  options.name = "calibration_model";
  options.headerFile = "m.h";
  options.target = "generic";
  options.modelFile = "calibration";
  std::string header, source;
  if (mlir::failed(emitModelC(module, options, header, source)))
    return error("the C of the calibration model could not be generated");

  SmallString<128> dir;
  if (std::error_code ec = sys::fs::createUniqueDirectory("bnnc-calib", dir))
    return error("cannot create a temporary directory: " + ec.message());
  auto cleanup =
      make_scope_exit([&] { (void)sys::fs::remove_directories(dir); });
  auto path = [&](const Twine &name) {
    SmallString<128> p(dir);
    sys::path::append(p, name);
    return std::string(p);
  };
  auto write = [&](const std::string &file, StringRef text) -> Error {
    std::error_code ec;
    raw_fd_ostream os(file, ec);
    if (!ec) {
      os << text;
      os.close();
      ec = os.error();
    }
    return ec ? error("cannot write '" + file + "': " + ec.message())
              : Error::success();
  };
  if (Error e = write(path("m.h"), header))
    return std::move(e);
  if (Error e = write(path("m.c"), source))
    return std::move(e);
  if (Error e = write(path("driver.c"), kDriverSource))
    return std::move(e);

  std::string ccName = host.cc.empty() ? "cc" : host.cc;
  ErrorOr<std::string> cc = sys::findProgramByName(ccName);
  // findProgramByName returns a name with a slash as it is.
  if (cc && !sys::fs::can_execute(*cc))
    cc = std::make_error_code(std::errc::no_such_file_or_directory);
  if (!cc)
    return error("calibration builds the model for this machine, and the C "
                 "compiler '" +
                 ccName + "' was not found (set CC)");
  std::string runner = path("run");
  std::string include = "-I" + host.runtimeDir,
              includeDir = "-I" + dir.str().str();
  std::string m = path("m.c"), driver = path("driver.c");
  SmallVector<StringRef> ccArgs = {*cc,
                                   "-std=c99",
                                   "-O2",
                                   include,
                                   includeDir,
                                   "-DMODEL_HEADER=\"m.h\"",
                                   "-DMODEL=calibration_model",
                                   m,
                                   driver,
                                   "-o",
                                   runner,
                                   "-lm"};
  if (Error e = runProgram(*cc, ccArgs, path("cc.log"),
                           "building the calibration model with " + *cc))
    return std::move(e);

  mlir::func::FuncOp f = modelFunction(module);
  std::vector<std::string> inputFiles, outputFiles;
  for (size_t i = 0; i < samples.inputs.size(); ++i) {
    inputFiles.push_back(path("in" + Twine(i)));
    if (Error e = write(inputFiles.back(), samples.inputs[i]))
      return std::move(e);
  }
  for (unsigned o = 0; o < f.getNumResults(); ++o)
    outputFiles.push_back(path("out" + Twine(o)));
  std::string runs = std::to_string(samples.runs);
  SmallVector<StringRef> runArgs = {runner, runs};
  for (const std::string &in : inputFiles)
    runArgs.push_back(in);
  runArgs.push_back("--");
  for (const std::string &out : outputFiles)
    runArgs.push_back(out);
  if (Error e = runProgram(runner, runArgs, path("run.log"),
                           "running the calibration model"))
    return std::move(e);
  std::vector<std::string> outputs;
  for (const std::string &out : outputFiles) {
    auto buffer = MemoryBuffer::getFile(out, /*IsText=*/false,
                                        /*RequiresNullTerminator=*/false);
    if (!buffer)
      return error("the calibration run wrote no '" + out + "'");
    outputs.push_back((*buffer)->getBuffer().str());
  }
  return outputs;
}

Expected<TensorRange> rangeOf(StringRef values, RangeMethod method,
                              StringRef what) {
  size_t n = values.size() / sizeof(float);
  std::vector<float> v(n);
  if (n)
    std::memcpy(v.data(), values.data(), n * sizeof(float));
  if (llvm::any_of(v, [](float x) { return !std::isfinite(x); }))
    return error(what + " is not finite on the calibration data; it cannot "
                        "be quantized");
  if (v.empty())
    return TensorRange{};
  if (method.percentile >= 100.0) {
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return TensorRange{*lo, *hi};
  }
  // The value at a fraction q of the sorted values (nearest rank).
  auto at = [&](double q) {
    size_t k = static_cast<size_t>(std::llround(q * double(n - 1)));
    std::nth_element(v.begin(), v.begin() + k, v.end());
    return v[k];
  };
  float hi = at(method.percentile / 100.0);
  float lo = at(1.0 - method.percentile / 100.0);
  return TensorRange{lo, hi};
}

Expected<AccuracyChange> compareOutputs(mlir::ModuleOp module,
                                        const SampleSet &samples,
                                        StringRef floatOutput,
                                        StringRef quantizedOutput) {
  mlir::func::FuncOp f = modelFunction(module);
  auto type = cast<mlir::RankedTensorType>(f.getResultTypes()[0]);
  if (!type.getElementType().isF32())
    return error("the first graph output is not float32");
  size_t perRun = static_cast<size_t>(type.getNumElements());
  if (floatOutput.size() != quantizedOutput.size() ||
      floatOutput.size() != perRun * samples.runs * sizeof(float))
    return error("the float and int8 runs wrote outputs of different sizes");
  size_t perSample = perRun / static_cast<size_t>(samples.perRun);
  auto value = [&](StringRef out, size_t i) {
    float x;
    std::memcpy(&x, out.data() + i * sizeof(float), sizeof x);
    return x;
  };
  AccuracyChange change;
  change.samples = samples.samples;
  change.hasLabels = samples.labels.has_value();
  for (int64_t s = 0; s < samples.samples; ++s) {
    size_t first = static_cast<size_t>(s) * perSample;
    size_t bestF = 0, bestQ = 0;
    for (size_t k = 0; k < perSample; ++k) {
      float a = value(floatOutput, first + k),
            b = value(quantizedOutput, first + k);
      change.maxAbsDiff = std::max(change.maxAbsDiff, double(std::fabs(a - b)));
      if (a > value(floatOutput, first + bestF))
        bestF = k;
      if (b > value(quantizedOutput, first + bestQ))
        bestQ = k;
    }
    change.agreeing += bestF == bestQ;
    if (change.hasLabels) {
      change.floatCorrect += int64_t(bestF) == (*samples.labels)[s];
      change.quantizedCorrect += int64_t(bestQ) == (*samples.labels)[s];
    }
  }
  return change;
}

} // namespace bnnc
