//===- Binarizers.cpp - Binarizer recognition and exact-zero analysis -----===//
//
// The exact-zero analysis (docs/binarization.md, "Sign(0)"). ONNX Sign(0) = 0
// while a binary kernel reads +1 for it, so a Sign may only become a bit if
// its input is never exactly 0. The analysis walks up from the Sign input
// through per-channel affine steps, v = S_c * u + T_c, and decides at the
// base u:
//  - u is the output of a binary layer: u_c = alpha_c * d + bias_c with an
//    integer dot product d in [-K, K] (of K's parity without padding). v is 0
//    only if the root -(S_c bias_c + T_c) / (S_c alpha_c) is such an integer
//    (within float rounding), which is checked for every channel.
//  - u is real data: v can be 0 where T_c = 0 and u can be 0 (recursively:
//    graph inputs, ReLU and zero padding produce exact zeros). A non-zero
//    shift of real data (a BatchNorm, a bias, an RSign threshold) is only 0
//    where the data equals -T_c / S_c exactly, which is a threshold
//    coincidence, not a structural zero.
//
//===----------------------------------------------------------------------===//

#include "passes/Binarizers.h"

#include "dialects/bnn/BnnDialect.h"
#include "dialects/onnx/OnnxDialect.h"
#include "passes/PassUtils.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;

namespace bnnc {

std::optional<SmallVector<float>> channelMagnitudes(ArrayRef<float> w,
                                                    int64_t outChannels,
                                                    double tolerance) {
  if (outChannels <= 0 || w.empty() || w.size() % outChannels)
    return std::nullopt;
  int64_t per = w.size() / outChannels;
  SmallVector<float> alpha;
  for (int64_t o = 0; o < outChannels; ++o) {
    ArrayRef<float> channel = w.slice(o * per, per);
    double mean = 0;
    for (float v : channel)
      mean += std::fabs(v);
    mean /= per;
    if (mean == 0 || !std::isfinite(mean))
      return std::nullopt;
    for (float v : channel)
      if (std::fabs(std::fabs(v) - mean) > tolerance * mean)
        return std::nullopt;
    alpha.push_back(static_cast<float>(mean));
  }
  return alpha;
}


/// The straight-through estimator's residue (a - b) + b around a binarized
/// value a (`x + (sign(x) - x).detach()` in PyTorch) is a in the forward
/// pass. Returns a, or `x` if it is no such residue.
Value stripStraightThrough(Value x) {
  auto add = x.getDefiningOp<onnx::AddOp>();
  if (!add)
    return x;
  for (int k = 0; k < 2; ++k) {
    auto sub = add->getOperand(k).getDefiningOp<onnx::SubOp>();
    if (sub && sub.getB() == add->getOperand(1 - k) &&
        sub.getA().getType() == add.getType())
      return sub.getA();
  }
  return x;
}

std::optional<Binarizer> matchBinarizer(Value x) {
  if (!x)
    return std::nullopt;
  if (Value inner = stripStraightThrough(x); inner != x)
    return matchBinarizer(inner);
  if (auto sign = x.getDefiningOp<onnx::SignOp>())
    return Binarizer{sign.getX(), 1.0f, ZeroImage::Zero};
  if (auto quant = x.getDefiningOp<onnx::BipolarQuantOp>()) {
    auto s = getConstantFloats(quant.getScale());
    if (!s || s->size() != 1)
      return std::nullopt;
    return Binarizer{quant.getX(), (*s)[0], ZeroImage::Plus};
  }
  auto where = x.getDefiningOp<onnx::WhereOp>();
  if (!where)
    return std::nullopt;
  // The condition compares a with 0, possibly under a Not (opset-11
  // exports spell a >= 0 as Not(Less(a, 0))).
  Operation *cond = where.getCondition().getDefiningOp();
  bool negated = false;
  if (auto notOp = dyn_cast_or_null<onnx::NotOp>(cond)) {
    negated = true;
    cond = notOp.getX().getDefiningOp();
  }
  if (!cond || cond->getNumOperands() != 2 || !isSplatConstant(cond->getOperand(1), 0))
    return std::nullopt;
  if (!isa<onnx::GreaterOrEqualOp, onnx::GreaterOp, onnx::LessOp,
           onnx::LessOrEqualOp>(cond))
    return std::nullopt;
  bool trueIsPlus = isSplatConstant(where.getX(), 1) && isSplatConstant(where.getY(), -1);
  bool trueIsMinus = isSplatConstant(where.getX(), -1) && isSplatConstant(where.getY(), 1);
  if (!trueIsPlus && !trueIsMinus)
    return std::nullopt;
  // The Where's value for an a of sign `s` (-1, 0 or +1).
  auto valueAt = [&](int s) {
    bool holds = isa<onnx::GreaterOrEqualOp>(cond) ? s >= 0
                 : isa<onnx::GreaterOp>(cond)      ? s > 0
                 : isa<onnx::LessOp>(cond)         ? s < 0
                                                   : s <= 0;
    return (holds != negated) == trueIsPlus ? 1 : -1;
  };
  if (valueAt(1) != 1 || valueAt(-1) != -1)
    return std::nullopt;
  return Binarizer{cond->getOperand(0), 1.0f,
                   valueAt(0) == 1 ? ZeroImage::Plus : ZeroImage::Minus};
}

/// The spatial padding of a constant-mode Pad of a rank >= 3 tensor, added to
/// `begin`/`end`, and its value; nullopt if it pads other axes or is not
/// constant.
static std::optional<float> spatialPad(onnx::PadOp pad,
                                       SmallVectorImpl<int64_t> &begin,
                                       SmallVectorImpl<int64_t> &end) {
  if (pad.getMode() != "constant")
    return std::nullopt;
  int64_t rank = tensorType(pad.getData()).getRank();
  auto padAmounts = getPadAmounts(pad);
  if (!padAmounts)
    return std::nullopt;
  SmallVector<int64_t> pads = std::move(*padAmounts);
  float value = pad.getValue().convertToFloat();
  if (!isNoValue(pad.getConstantValue())) {
    auto v = getConstantFloats(pad.getConstantValue());
    if (!v || v->size() != 1)
      return std::nullopt;
    value = (*v)[0];
  }
  if (rank < 3 || static_cast<int64_t>(pads.size()) != 2 * rank)
    return std::nullopt;
  for (int64_t d = 0; d < rank; ++d)
    if (pads[d] < 0 || pads[rank + d] < 0 ||
        (d < 2 && (pads[d] != 0 || pads[rank + d] != 0)))
      return std::nullopt;
  if (begin.empty()) {
    begin.assign(rank - 2, 0);
    end.assign(rank - 2, 0);
  }
  if (static_cast<int64_t>(begin.size()) != rank - 2)
    return std::nullopt;
  for (int64_t d = 2; d < rank; ++d) {
    begin[d - 2] += pads[d];
    end[d - 2] += pads[rank + d];
  }
  return value;
}

Value peelZeroPad(Value x, SmallVectorImpl<int64_t> &begin,
                  SmallVectorImpl<int64_t> &end) {
  auto pad = x.getDefiningOp<onnx::PadOp>();
  if (!pad)
    return x;
  SmallVector<int64_t> b(begin.begin(), begin.end()), e(end.begin(), end.end());
  auto value = spatialPad(pad, b, e);
  if (!value || *value != 0.0f)
    return x;
  begin.assign(b.begin(), b.end());
  end.assign(e.begin(), e.end());
  return pad.getData();
}

Value peelSignPad(Value x, SmallVectorImpl<int64_t> &begin,
                  SmallVectorImpl<int64_t> &end, int64_t &padValue) {
  auto pad = x.getDefiningOp<onnx::PadOp>();
  if (!pad || !matchBinarizer(pad.getData()))
    return x;
  SmallVector<int64_t> b(begin.begin(), begin.end()), e(end.begin(), end.end());
  auto value = spatialPad(pad, b, e);
  if (!value || (*value != 1.0f && *value != -1.0f))
    return x;
  begin.assign(b.begin(), b.end());
  end.assign(e.begin(), e.end());
  padValue = static_cast<int64_t>(*value);
  return pad.getData();
}

/// Whether every element of `v` is provably an integer: Sign, Round, a Cast
/// from integers or bool, integral constants, and sums, products and data
/// movement of such values (BiBERT's attention scores and context vectors).
bool isIntegerValued(Value v, int depth) {
  if (depth > 24)
    return false;
  if (!isa<FloatType>(tensorType(v).getElementType()))
    return true;
  Operation *def = v.getDefiningOp();
  if (!def)
    return false;
  if (isa<onnx::SignOp, onnx::RoundOp, onnx::FloorOp, onnx::CeilOp,
          bnn::BinAttentionContextOp>(def))
    return true;
  if (auto cast = dyn_cast<onnx::CastOp>(def))
    return isIntegerValued(cast->getOperand(0), depth + 1);
  if (isa<onnx::ConstantOp>(def)) {
    auto values = getConstantFloats(v);
    return values && llvm::all_of(*values, [](float x) {
             return std::isfinite(x) && x == std::trunc(x);
           });
  }
  if (isa<onnx::MatMulOp, onnx::AddOp, onnx::SubOp, onnx::MulOp, onnx::NegOp,
          onnx::AbsOp, onnx::ConcatOp>(def))
    return llvm::all_of(def->getOperands(),
                        [&](Value o) { return isIntegerValued(o, depth + 1); });
  if (auto where = dyn_cast<onnx::WhereOp>(def))
    return isIntegerValued(where.getX(), depth + 1) &&
           isIntegerValued(where.getY(), depth + 1);
  if (isa<onnx::TransposeOp, onnx::ReshapeOp, onnx::FlattenOp, onnx::SqueezeOp,
          onnx::UnsqueezeOp, onnx::GatherOp, onnx::SliceOp, onnx::ExpandOp,
          onnx::IdentityOp, bnn::ReshapeOp>(def))
    return isIntegerValued(def->getOperand(0), depth + 1);
  return false;
}

bool isDiscreteValued(Value v) {
  if (Operation *def = v.getDefiningOp();
      def && isa<onnx::FlattenOp, onnx::ReshapeOp, onnx::PadOp, onnx::SliceOp,
                 onnx::TransposeOp, onnx::MaxPoolOp, onnx::IdentityOp>(def))
    return isDiscreteValued(def->getOperand(0));
  if (readsBinarizedValues(v) || isIntegerValued(v) || getConstantFloats(v))
    return true;
  // Zero padding as a Concat with constant blocks (torch.cat).
  if (auto concat = v.getDefiningOp<onnx::ConcatOp>())
    return llvm::all_of(concat.getInputs(),
                        [](Value x) { return isDiscreteValued(x); });
  // A Where between two constants takes at most their values.
  auto where = v.getDefiningOp<onnx::WhereOp>();
  return where && getConstantFloats(where.getX()) &&
         getConstantFloats(where.getY());
}

bool readsBinarizedValues(Value x) {
  SmallVector<int64_t> begin, end;
  if (Operation *def = x.getDefiningOp();
      def && isa<onnx::FlattenOp, onnx::ReshapeOp>(def))
    x = def->getOperand(0);
  return matchBinarizer(peelZeroPad(x, begin, end)).has_value();
}

namespace {

/// v = scale[c] * u + shift[c] along `axis` (vectors of size 1 broadcast;
/// axis -1 while both are scalars).
struct ChannelMap {
  int64_t axis = -1;
  SmallVector<double> scale{1.0}, shift{0.0};

  int64_t channels() const {
    return std::max(scale.size(), shift.size());
  }
  double s(int64_t c) const { return scale[scale.size() == 1 ? 0 : c]; }
  double t(int64_t c) const { return shift[shift.size() == 1 ? 0 : c]; }
  bool isScalar() const { return scale.size() == 1 && shift.size() == 1; }
  bool isLinear() const {
    return llvm::all_of(shift, [](double t) { return t == 0; });
  }
};

/// A binary layer's output before its consumers: u_c = alpha_c * d + bias_c
/// with integer d in [-k, k]; d = k (mod 2) when `fixedParity`.
struct Lattice {
  int64_t axis;
  SmallVector<double> alpha, bias;
  int64_t k;
  bool fixedParity;
};

/// The values of a constant broadcast along one axis of a rank-`rank`
/// tensor: size 1 (a splat) or the extent of that axis; nullopt if the
/// constant varies along any other axis.
std::optional<std::pair<int64_t, SmallVector<double>>>
perChannelConstant(Value c, int64_t rank) {
  auto values = getConstantFloats(c);
  if (!values || values->empty())
    return std::nullopt;
  auto shape = tensorType(c).getShape();
  if (static_cast<int64_t>(shape.size()) > rank)
    return std::nullopt;
  SmallVector<double> v(values->begin(), values->end());
  if (llvm::all_of(v, [&](double x) { return x == v[0]; }))
    return std::make_pair(int64_t(-1), SmallVector<double>{v[0]});
  int64_t axis = -1;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (d == 1)
      continue;
    if (axis != -1)
      return std::nullopt;
    axis = rank - static_cast<int64_t>(shape.size()) + static_cast<int64_t>(i);
  }
  return std::make_pair(axis, v);
}

/// m := m composed with u = a[c] * u' + b[c] (inner step), along `axis`.
bool composeInner(ChannelMap &m, int64_t axis, ArrayRef<double> a,
                  ArrayRef<double> b) {
  int64_t n = std::max({int64_t(a.size()), int64_t(b.size()),
                        int64_t(m.scale.size()), int64_t(m.shift.size())});
  bool perChannel = n > 1;
  if (perChannel) {
    int64_t mine = m.isScalar() ? -1 : m.axis;
    int64_t theirs = (a.size() > 1 || b.size() > 1) ? axis : -1;
    if (mine != -1 && theirs != -1 && mine != theirs)
      return false;
    for (size_t size : {a.size(), b.size(), m.scale.size(), m.shift.size()})
      if (size != 1 && static_cast<int64_t>(size) != n)
        return false;
    m.axis = mine != -1 ? mine : theirs;
  }
  auto at = [](ArrayRef<double> v, int64_t c) {
    return v[v.size() == 1 ? 0 : c];
  };
  SmallVector<double> scale, shift;
  for (int64_t c = 0; c < n; ++c) {
    scale.push_back(m.s(c) * at(a, c));
    shift.push_back(m.s(c) * at(b, c) + m.t(c));
  }
  m.scale = std::move(scale);
  m.shift = std::move(shift);
  return true;
}

/// Whether a constant-mode Pad's value can be 0 (absent: 0).
bool padValueMayBeZero(onnx::PadOp pad) {
  if (isNoValue(pad.getConstantValue()))
    return pad.getValue().convertToFloat() == 0.0f;
  auto v = getConstantFloats(pad.getConstantValue());
  return !v || v->size() != 1 || (*v)[0] == 0.0f;
}

/// Whether a view from `from` to `to` keeps `axis` and everything before it
/// (so per-channel constants along `axis` keep their meaning).
bool keepsAxis(ArrayRef<int64_t> from, ArrayRef<int64_t> to, int64_t axis) {
  if (axis < 0 || axis >= static_cast<int64_t>(from.size()) ||
      axis >= static_cast<int64_t>(to.size()))
    return false;
  for (int64_t i = 0; i <= axis; ++i)
    if (from[i] != to[i])
      return false;
  return true;
}

class ZeroAnalysis {
public:
  ZeroAnalysis(const ZeroAssumptions &assume, std::string *assumedInput)
      : tolerance(assume.tolerance), nonzeroInputs(assume.nonzeroInputs),
        assumedInput(assumedInput) {}

  std::optional<std::string> source(Value a, int depth = 0) {
    if (depth > kMaxDepth)
      return std::string("the graph above it is too deep to analyse");
    // Residual graphs reach a value along many paths: once per value keeps
    // the analysis linear in the graph.
    // (SSA values form a DAG: no placeholder is needed against cycles.)
    if (auto it = sources.find(a); it != sources.end())
      return it->second;
    std::optional<std::string> why = computeSource(a, depth);
    sources[a] = why;
    return why;
  }

private:
  static constexpr int kMaxDepth = 64;
  double tolerance;
  bool nonzeroInputs;
  std::string *assumedInput;
  DenseMap<Value, std::optional<std::string>> sources;
  DenseMap<Value, bool> lattices;

  std::optional<std::string> computeSource(Value a, int depth) {
    ChannelMap map;
    Value base = walkAffine(a, map);
    if (auto lattice = latticeOf(base, depth))
      return latticeZero(*lattice, map, base);
    // Real data: v_c = 0 needs T_c = 0 (a non-zero shift of real data is a
    // threshold coincidence) and u = 0, or S_c = 0 as well.
    bool zeroShift = false, constantZero = false;
    for (int64_t c = 0; c < map.channels(); ++c) {
      zeroShift |= map.t(c) == 0;
      constantZero |= map.t(c) == 0 && map.s(c) == 0;
    }
    if (constantZero)
      return "a channel scaled by 0 after " + describe(base);
    if (!zeroShift)
      return std::nullopt;
    return realZero(base, depth);
  }

  static std::string describe(Value v) {
    if (Operation *def = v.getDefiningOp())
      return describeNode(def);
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      auto func = dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp());
      if (func)
        if (auto name =
                func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                  bnn::kOnnxNameAttr))
          return "graph input '" + name.getValue().str() + "'";
    }
    return "a graph input";
  }

  /// Follows v = S * u + T up through constant affine steps and through
  /// steps that keep the set of values (max pooling, views). Returns u.
  Value walkAffine(Value v, ChannelMap &map) {
    while (Operation *def = v.getDefiningOp()) {
      int64_t rank = tensorType(v).getRank();
      Value next = affineStep(def, rank, map);
      if (!next)
        return v;
      v = next;
    }
    return v;
  }

  /// One step up from `def` (which computes the current u), or null.
  Value affineStep(Operation *def, int64_t rank, ChannelMap &map) {
    auto compose = [&](Value c, bool isScale, double sign, Value next) {
      auto k = perChannelConstant(c, rank);
      if (!k)
        return Value();
      SmallVector<double> a{sign}, b{0.0};
      if (isScale)
        a = k->second;
      else
        for (double &x : (b = k->second))
          x *= sign;
      if (isScale && sign < 0)
        for (double &x : a)
          x = -x;
      return composeInner(map, k->first, a, b) ? next : Value();
    };
    auto other = [&](Operation *op, int k) -> Value {
      return op->getOperand(1 - k);
    };
    if (isa<onnx::MulOp, onnx::AddOp, onnx::SubOp, onnx::DivOp>(def)) {
      for (int k = 0; k < 2; ++k) {
        Value c = def->getOperand(k);
        if (!getConstantFloats(c) ||
            tensorType(other(def, k)).getShape() != tensorType(def->getResult(0)).getShape())
          continue;
        Value x = other(def, k);
        if (isa<onnx::MulOp>(def))
          return compose(c, true, 1.0, x);
        if (isa<onnx::AddOp>(def))
          return compose(c, false, 1.0, x);
        if (isa<onnx::SubOp>(def)) {
          if (k == 1)
            return compose(c, false, -1.0, x);
          // c - x: first u = u' + c, then u' = -x.
          auto kc = perChannelConstant(c, rank);
          if (!kc || !composeInner(map, kc->first, {1.0}, kc->second) ||
              !composeInner(map, -1, {-1.0}, {0.0}))
            return Value();
          return x;
        }
        if (isa<onnx::DivOp>(def) && k == 1) {
          auto values = getConstantFloats(c);
          if (llvm::any_of(*values, [](float f) { return f == 0; }))
            return Value();
          auto kc = perChannelConstant(c, rank);
          if (!kc)
            return Value();
          for (double &x : kc->second)
            x = 1.0 / x;
          return composeInner(map, kc->first, kc->second, {0.0}) ? x : Value();
        }
      }
      return Value();
    }
    if (auto neg = dyn_cast<onnx::NegOp>(def))
      return composeInner(map, -1, {-1.0}, {0.0}) ? neg.getX() : Value();
    if (auto bn = dyn_cast<onnx::BatchNormalizationOp>(def)) {
      auto affine = getBatchNormAffine(bn);
      if (!affine || rank < 2)
        return Value();
      SmallVector<double> a(affine->scale.begin(), affine->scale.end());
      SmallVector<double> b(affine->shift.begin(), affine->shift.end());
      return composeInner(map, 1, a, b) ? bn.getX() : Value();
    }
    // Steps whose outputs are some of their inputs' values.
    if (isa<onnx::MaxPoolOp, onnx::GlobalMaxPoolOp, onnx::IdentityOp,
            onnx::DropoutOp>(def))
      return def->getOperand(0);
    if (isa<onnx::ReshapeOp, onnx::FlattenOp, onnx::SqueezeOp,
            onnx::UnsqueezeOp, bnn::ReshapeOp>(def)) {
      auto from = tensorType(def->getOperand(0)).getShape();
      auto to = tensorType(def->getResult(0)).getShape();
      if (!map.isScalar() && !keepsAxis(to, from, map.axis))
        return Value();
      return def->getOperand(0);
    }
    // Steps that are 0 exactly where their input is: only while v = S * u.
    if (map.isLinear() && isZeroPreserving(def))
      return def->getOperand(0);
    return Value();
  }

  /// f(x) = 0 <=> x = 0.
  static bool isZeroPreserving(Operation *def) {
    if (isa<onnx::TanhOp, onnx::ErfOp, onnx::AbsOp>(def))
      return true;
    if (auto leaky = dyn_cast<onnx::LeakyReluOp>(def))
      return leaky.getAlpha().convertToFloat() != 0;
    if (auto prelu = dyn_cast<onnx::PReluOp>(def)) {
      auto slope = getConstantFloats(prelu->getOperand(1));
      return slope && llvm::none_of(*slope, [](float s) { return s == 0; });
    }
    if (auto clip = dyn_cast<onnx::ClipOp>(def)) {
      auto bound = [](Value t, std::optional<APFloat> attr, double dflt) {
        if (attr)
          return attr->convertToDouble();
        if (isNoValue(t))
          return dflt;
        auto v = getConstantFloats(t);
        return v && v->size() == 1 ? double((*v)[0]) : std::nan("");
      };
      double lo = bound(clip.getMinT(), clip.getMin(), -INFINITY);
      double hi = bound(clip.getMaxT(), clip.getMax(), INFINITY);
      return lo < 0 && hi > 0;
    }
    return false;
  }

  /// The output of a binary layer, as an integer lattice per channel.
  std::optional<Lattice> latticeOf(Value u, int depth) {
    Operation *def = u.getDefiningOp();
    if (!def)
      return std::nullopt;
    if (auto conv = dyn_cast<bnn::BConv2DOp>(def))
      return latticeOfBConv(conv);
    if (auto conv = dyn_cast<onnx::ConvOp>(def))
      return latticeOfConv(conv, depth);
    if (auto gemm = dyn_cast<onnx::GemmOp>(def))
      return latticeOfGemm(gemm, depth);
    if (auto matmul = dyn_cast<onnx::MatMulOp>(def))
      return latticeOfMatMul(matmul, depth);
    return std::nullopt;
  }

  static std::optional<Lattice> latticeOfBConv(bnn::BConv2DOp conv) {
    if (conv.getThreshold() ||
        conv.getActivation() != bnn::Activation::none)
      return std::nullopt;
    Lattice l{1, {1.0}, {0.0}, 0, true};
    if (conv.getScale()) {
      auto s = getConstantFloats(conv.getScale());
      if (!s)
        return std::nullopt;
      l.alpha.assign(s->begin(), s->end());
    }
    if (conv.getBias()) {
      auto b = getConstantFloats(conv.getBias());
      if (!b)
        return std::nullopt;
      l.bias.assign(b->begin(), b->end());
    }
    auto kernel = conv.getKernel();
    l.k = conv.getChannels() / std::max<int64_t>(conv.getGroup(), 1) *
          kernel[0] * kernel[1];
    l.fixedParity =
        llvm::all_of(conv.getPads(), [](int64_t p) { return p == 0; });
    return l;
  }

  /// The input of a layer as a binarizer output (+-s, or 0 for Sign): the
  /// scale s, whether zero padding sits on the way, and whether an exact 0
  /// can reach the dot product (which breaks its parity).
  struct BinaryInput {
    float scale;
    bool padded, zeros;
  };
  std::optional<BinaryInput> binaryInput(Value x, int depth) {
    SmallVector<int64_t> begin, end;
    Value y = x;
    if (Operation *def = y.getDefiningOp();
        def && isa<onnx::FlattenOp, onnx::ReshapeOp>(def))
      y = def->getOperand(0);
    y = peelZeroPad(y, begin, end);
    auto b = matchBinarizer(y);
    if (!b)
      return std::nullopt;
    Value a = peelZeroPad(b->input, begin, end);
    bool zeros = b->atZero == ZeroImage::Zero && source(a, depth + 1);
    return BinaryInput{b->scale, !begin.empty(), zeros};
  }

  std::optional<Lattice> latticeOfConv(onnx::ConvOp conv, int depth) {
    auto in = binaryInput(conv.getX(), depth);
    auto w = getConstantFloats(conv.getW());
    if (!in || !w)
      return std::nullopt;
    auto wShape = tensorType(conv.getW()).getShape();
    auto alpha = channelMagnitudes(*w, wShape[0], tolerance);
    if (!alpha)
      return std::nullopt;
    Lattice l{1, {}, {0.0}, 1, false};
    for (float a : *alpha)
      l.alpha.push_back(double(a) * in->scale);
    if (!isNoValue(conv.getB())) {
      auto b = getConstantFloats(conv.getB());
      if (!b)
        return std::nullopt;
      l.bias.assign(b->begin(), b->end());
    }
    for (int64_t d : wShape.drop_front())
      l.k *= d;
    auto pads = conv.getPads();
    bool unpadded = (!pads || llvm::all_of(*pads, [](int64_t p) {
                      return p == 0;
                    })) && (conv.getAutoPad() == "NOTSET" ||
                            conv.getAutoPad() == "VALID");
    l.fixedParity = unpadded && !in->padded && !in->zeros;
    return l;
  }

  std::optional<Lattice> denseLattice(Value a, ArrayRef<float> wRowMajor,
                                      int64_t n, int64_t k, double scale,
                                      int64_t rank, int depth) {
    auto in = binaryInput(a, depth);
    if (!in)
      return std::nullopt;
    auto alpha = channelMagnitudes(wRowMajor, n, tolerance);
    if (!alpha)
      return std::nullopt;
    Lattice l{rank - 1, {}, {0.0}, k, !in->padded && !in->zeros};
    for (float x : *alpha)
      l.alpha.push_back(double(x) * in->scale * scale);
    return l;
  }

  std::optional<Lattice> latticeOfGemm(onnx::GemmOp gemm, int depth) {
    auto w = getConstantFloats(gemm.getB());
    auto bShape = tensorType(gemm.getB()).getShape();
    if (!w || gemm.getTransA() || bShape.size() != 2)
      return std::nullopt;
    int64_t k = bShape[gemm.getTransB() ? 1 : 0];
    int64_t n = bShape[gemm.getTransB() ? 0 : 1];
    SmallVector<float> rows = gemm.getTransB() ? *w : transposeMatrix(*w, k, n);
    auto l = denseLattice(gemm.getA(), rows, n, k,
                          gemm.getAlpha().convertToDouble(), 2, depth);
    if (!l || isNoValue(gemm.getC()))
      return l;
    auto c = getConstantFloats(gemm.getC());
    auto cShape = tensorType(gemm.getC()).getShape();
    if (!c || !(c->size() == 1 || (static_cast<int64_t>(c->size()) == n &&
                                   (cShape.size() < 2 || cShape[0] == 1))))
      return std::nullopt;
    double beta = gemm.getBeta().convertToDouble();
    l->bias.clear();
    for (float x : *c)
      l->bias.push_back(beta * x);
    return l;
  }

  std::optional<Lattice> latticeOfMatMul(onnx::MatMulOp matmul, int depth) {
    auto w = getConstantFloats(matmul.getB());
    auto bShape = tensorType(matmul.getB()).getShape();
    int64_t rank = tensorType(matmul.getY()).getRank();
    if (!w || bShape.size() != 2 || rank < 2)
      return std::nullopt;
    return denseLattice(matmul.getA(), transposeMatrix(*w, bShape[0], bShape[1]),
                        bShape[1], bShape[0], 1.0, rank, depth);
  }

  /// v_c = S_c (alpha_c d + bias_c) + T_c is 0 iff d = r_c = -(S_c bias_c +
  /// T_c) / (S_c alpha_c): possible iff r_c is within float rounding of an
  /// integer the dot product can take.
  std::optional<std::string> latticeZero(const Lattice &l, ChannelMap map,
                                         Value base) {
    int64_t n = std::max<int64_t>(l.alpha.size(), l.bias.size());
    if (!map.isScalar() && map.axis != l.axis)
      return "a per-channel step along another axis than the channels of " +
             describe(base);
    if (!map.isScalar() && map.channels() != n && n != 1)
      return "a per-channel step of another channel count than " +
             describe(base);
    n = std::max(n, map.channels());
    auto at = [](ArrayRef<double> v, int64_t c) {
      return v[v.size() == 1 ? 0 : c];
    };
    for (int64_t c = 0; c < n; ++c) {
      double scale = map.s(c) * at(l.alpha, c);
      double shift = map.s(c) * at(l.bias, c) + map.t(c);
      if (scale == 0) {
        if (shift == 0)
          return "channel " + std::to_string(c) + " of " + describe(base) +
                 " is scaled to a constant 0";
        continue;
      }
      double r = -shift / scale;
      if (!std::isfinite(r))
        return "channel " + std::to_string(c) + " of " + describe(base) +
               " has a non-finite scale or shift";
      double nearest = std::nearbyint(r);
      if (std::fabs(nearest) > double(l.k) ||
          std::fabs(r - nearest) > 1e-5 * std::max(1.0, std::fabs(r)))
        continue;
      if (l.fixedParity &&
          (static_cast<int64_t>(std::fabs(nearest)) % 2) != (l.k % 2))
        continue;
      return "channel " + std::to_string(c) + " is 0 where the dot product "
             "of " + describe(base) + " equals " +
             std::to_string(static_cast<int64_t>(nearest));
    }
    return std::nullopt;
  }

  /// Whether `v` is an affine image of integers: a binary layer's output,
  /// an integer-valued tensor, or sums of such values.
  bool latticeValued(Value v, int depth) {
    if (depth > kMaxDepth)
      return true;
    if (auto it = lattices.find(v); it != lattices.end())
      return it->second;
    bool lattice = computeLatticeValued(v, depth);
    lattices[v] = lattice;
    return lattice;
  }

  bool computeLatticeValued(Value v, int depth) {
    ChannelMap map;
    Value base = walkAffine(v, map);
    if (isIntegerValued(base) || latticeOf(base, depth + 1))
      return true;
    Operation *def = base.getDefiningOp();
    // A layer of any weights over discrete inputs takes finitely many
    // values too: its sums with other such values can cancel.
    if (def && isa<onnx::ConvOp, onnx::GemmOp, onnx::MatMulOp>(def) &&
        isDiscreteValued(def->getOperand(0)))
      return true;
    if (def && isa<onnx::AddOp, onnx::SubOp>(def))
      return latticeValued(def->getOperand(0), depth + 1) &&
             latticeValued(def->getOperand(1), depth + 1);
    if (auto concat = dyn_cast_or_null<onnx::ConcatOp>(def))
      return llvm::any_of(concat.getInputs(), [&](Value x) {
        return latticeValued(x, depth + 1);
      });
    return false;
  }

  /// A real layer of real data is 0 where its input window is 0, unless
  /// every output channel has a non-zero bias.
  std::optional<std::string> realLayerZero(Operation *layer, int depth) {
    auto nonZero = [](std::optional<SmallVector<float>> bias) {
      return bias && llvm::none_of(*bias, [](float x) { return x == 0; });
    };
    if (auto conv = dyn_cast<onnx::ConvOp>(layer))
      if (nonZero(getConstantFloats(conv.getB())))
        return std::nullopt;
    if (auto gemm = dyn_cast<onnx::GemmOp>(layer))
      if (gemm.getBeta().convertToFloat() != 0 &&
          nonZero(getConstantFloats(gemm.getC())))
        return std::nullopt;
    return source(layer->getOperand(0), depth + 1);
  }

  /// Whether real data `u` can be exactly 0. (Longer than 100 lines on
  /// purpose: one TypeSwitch case per op kind, the whole rule table of
  /// docs/binarization.md "Sign(0)" in one place.)
  std::optional<std::string> realZero(Value u, int depth) {
    Operation *def = u.getDefiningOp();
    if (!def && nonzeroInputs) {
      if (assumedInput && assumedInput->empty())
        *assumedInput = describe(u);
      return std::nullopt;
    }
    if (!def)
      return describe(u) + " can hold 0";
    if (auto values = getConstantFloats(u)) {
      if (llvm::any_of(*values, [](float x) { return x == 0; }))
        return "a constant with zeros";
      return std::nullopt;
    }
    if (isa<onnx::ConstantOp, bnn::ConstantOp>(def))
      return "a constant with zeros";
    auto any = [&](ValueRange values) -> std::optional<std::string> {
      for (Value v : values)
        if (auto why = source(v, depth + 1))
          return why;
      return std::nullopt;
    };
    auto all = [&](ValueRange values) -> std::optional<std::string> {
      std::optional<std::string> first;
      for (Value v : values) {
        auto why = source(v, depth + 1);
        if (!why)
          return std::nullopt;
        if (!first)
          first = why;
      }
      return first;
    };
    return TypeSwitch<Operation *, std::optional<std::string>>(def)
        .Case<onnx::ReluOp>([&](auto) {
          return describeNode(def) + " outputs exact zeros";
        })
        .Case<onnx::PadOp>([&](onnx::PadOp pad) -> std::optional<std::string> {
          if (pad.getMode() == "constant" && padValueMayBeZero(pad))
            return "the padding of " + describeNode(def);
          return source(pad.getData(), depth + 1);
        })
        .Case<onnx::ConcatOp>([&](auto c) { return any(c.getInputs()); })
        .Case<onnx::MulOp>([&](auto m) { return any(m->getOperands()); })
        .Case<onnx::AddOp, onnx::SubOp>(
            [&](Operation *o) -> std::optional<std::string> {
              // Two values on integer lattices (scaled dot products) cancel
              // structurally, e.g. h + m with h = c s and m = -c s.
              if (latticeValued(o->getOperand(0), depth) &&
                  latticeValued(o->getOperand(1), depth))
                return describeNode(o) + " adds two values on integer "
                                         "lattices, which can cancel";
              return all(o->getOperands());
            })
        .Case<onnx::MaxOp, onnx::MinOp>(
            [&](Operation *o) { return all(o->getOperands()); })
        .Case<onnx::WhereOp>([&](onnx::WhereOp w) {
          return any(ValueRange{w.getX(), w.getY()});
        })
        .Case<onnx::ConvOp, onnx::GemmOp, onnx::MatMulOp>(
            [&](Operation *o) -> std::optional<std::string> {
              // Sums of values from a finite set cancel structurally
              // (a layer that is not recognized as binary).
              if (isDiscreteValued(o->getOperand(0)))
                return describeNode(o) + " sums discrete values, which "
                                         "can cancel";
              return realLayerZero(o, depth);
            })
        .Case<onnx::SignOp>(
            [&](onnx::SignOp s) { return source(s.getX(), depth + 1); })
        .Case<onnx::AveragePoolOp, onnx::GlobalAveragePoolOp, onnx::TransposeOp,
              onnx::SliceOp, onnx::GatherOp, onnx::ExpandOp, onnx::TileOp,
              onnx::SplitOp, onnx::ReshapeOp, onnx::FlattenOp, onnx::SqueezeOp,
              onnx::UnsqueezeOp, bnn::ReshapeOp, onnx::TanhOp, onnx::ErfOp,
              onnx::AbsOp, onnx::NegOp, onnx::MaxPoolOp, onnx::GlobalMaxPoolOp,
              onnx::IdentityOp, onnx::DropoutOp>([&](Operation *o) {
          return source(o->getOperand(0), depth + 1);
        })
        .Case<onnx::LeakyReluOp, onnx::PReluOp, onnx::ClipOp>(
            [&](Operation *o) -> std::optional<std::string> {
              if (!isZeroPreserving(o))
                return describeNode(o) + " can output exact zeros";
              return source(o->getOperand(0), depth + 1);
            })
        .Case<onnx::BipolarQuantOp>([&](auto) { return std::nullopt; })
        .Case<onnx::LayerNormalizationOp>(
            [&](onnx::LayerNormalizationOp ln) -> std::optional<std::string> {
              // (x - mean) is 0 for any constant row: only a non-zero
              // beta_i keeps element i away from 0.
              auto beta = getConstantFloats(ln.getB());
              if (beta && llvm::none_of(*beta, [](float b) { return b == 0; }))
                return std::nullopt;
              return describeNode(ln) + " has a zero bias (a constant row "
                                        "normalizes to exact zeros)";
            })
        .Case<bnn::LayerNormOp>(
            [&](bnn::LayerNormOp ln) -> std::optional<std::string> {
              auto beta = ln.getBias() ? getConstantFloats(ln.getBias())
                                       : std::nullopt;
              if (beta && llvm::none_of(*beta, [](float b) { return b == 0; }))
                return std::nullopt;
              return describeNode(ln) + " has a zero bias (a constant row "
                                        "normalizes to exact zeros)";
            })
        .Default([&](Operation *o) -> std::optional<std::string> {
          return describeNode(o) + " is not known to avoid exact zeros";
        });
  }
};

} // namespace

std::optional<std::string> exactZeroSource(Value a,
                                           const ZeroAssumptions &assume,
                                           std::string *assumedInput) {
  return ZeroAnalysis(assume, assumedInput).source(a);
}

} // namespace bnnc
