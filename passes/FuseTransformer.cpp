//===- FuseTransformer.cpp - Recognize decomposed transformer ops ---------===//
//
// Exporters of opsets before 17 (LayerNormalization) and 20 (Gelu) write
// these ops as chains of elementwise nodes. Recognizing each chain as one op
// gives one kernel instead of 9 (LayerNorm) or 5-8 (GELU) passes over the
// activations and arena buffers, and lets ln-gamma-migration and the
// binarize pass see the LayerNorm.
//
//===----------------------------------------------------------------------===//

#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"

#include <cmath>

namespace bnnc {
#define GEN_PASS_DEF_ONNXFUSETRANSFORMER
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

/// The value of a one-element float constant.
std::optional<double> scalarOf(Value v) {
  auto values = getConstantFloats(v);
  if (!values || values->size() != 1)
    return std::nullopt;
  return (*values)[0];
}

bool isScalar(Value v, double expected, double relTol = 1e-6) {
  auto s = scalarOf(v);
  return s && std::fabs(*s - expected) <= relTol * std::fabs(expected);
}

bool hasOneUse(Value v) { return v.hasOneUse(); }

/// The other operand of a binary op, given one of them.
Value otherOperand(Operation *op, Value one) {
  if (op->getOperand(0) == one)
    return op->getOperand(1);
  if (op->getOperand(1) == one)
    return op->getOperand(0);
  return {};
}

/// The single user of `v` if it is an op of type OpT.
template <typename OpT> OpT soleUser(Value v) {
  if (!v.hasOneUse())
    return {};
  return dyn_cast<OpT>(*v.getUsers().begin());
}

/// ReduceMean over exactly the last axis, keeping it.
bool isLastAxisMean(onnx::ReduceMeanOp op, int64_t rank) {
  auto axes = op.getAxes();
  if (!axes || axes->size() != 1 || op.getKeepdims() == 0)
    return false;
  int64_t a = (*axes)[0];
  return a == -1 || a == rank - 1;
}

/// x - mean(x), (.)^2, mean, + eps, sqrt, divide, [* gamma], [+ beta], with
/// the Div as the anchor.
struct LayerNormMatch {
  Value x, gamma, beta;
  double epsilon;
  Operation *root; // the last op of the chain
};

std::optional<LayerNormMatch> matchLayerNorm(onnx::DivOp div) {
  auto sub = div.getA().getDefiningOp<onnx::SubOp>();
  auto sqrt = div.getB().getDefiningOp<onnx::SqrtOp>();
  if (!sub || !sqrt || !hasOneUse(sqrt.getY()))
    return std::nullopt;
  Value x = sub.getA();
  auto type = cast<RankedTensorType>(x.getType());
  if (!type.getElementType().isF32() || type != div.getType())
    return std::nullopt;
  int64_t rank = type.getRank();
  auto mean = sub.getB().getDefiningOp<onnx::ReduceMeanOp>();
  if (!mean || mean.getData() != x || !isLastAxisMean(mean, rank) ||
      !hasOneUse(mean.getReduced()))
    return std::nullopt;
  Value centred = sub.getC();
  auto addEps = sqrt.getX().getDefiningOp<onnx::AddOp>();
  if (!addEps || !hasOneUse(addEps.getC()))
    return std::nullopt;
  onnx::ReduceMeanOp var;
  std::optional<double> eps;
  for (int k = 0; k < 2 && !var; ++k) {
    var = addEps->getOperand(k).getDefiningOp<onnx::ReduceMeanOp>();
    eps = scalarOf(addEps->getOperand(1 - k));
  }
  if (!var || !eps || *eps < 0 || !isLastAxisMean(var, rank) ||
      !hasOneUse(var.getReduced()))
    return std::nullopt;
  Operation *square = var.getData().getDefiningOp();
  if (!square || !hasOneUse(square->getResult(0)))
    return std::nullopt;
  bool isSquare =
      (isa<onnx::PowOp>(square) && square->getOperand(0) == centred &&
       isScalar(square->getOperand(1), 2.0, 0.0)) ||
      (isa<onnx::MulOp>(square) && square->getOperand(0) == centred &&
       square->getOperand(1) == centred);
  // The centred x feeds the square and the division, nothing else.
  if (!isSquare || llvm::any_of(centred.getUsers(), [&](Operation *u) {
        return u != square && u != div.getOperation();
      }))
    return std::nullopt;

  LayerNormMatch m{x, {}, {}, *eps, div};
  int64_t d = type.getShape().back();
  auto isChannelVector = [&](Value v) {
    auto values = getConstantFloats(v);
    auto t = dyn_cast<RankedTensorType>(v.getType());
    return values && t && static_cast<int64_t>(values->size()) == d &&
           t.getRank() >= 1 && t.getShape().back() == d;
  };
  if (auto mul = soleUser<onnx::MulOp>(m.root->getResult(0))) {
    Value g = otherOperand(mul, m.root->getResult(0));
    if (g && isChannelVector(g) && mul.getType() == type) {
      m.gamma = g;
      m.root = mul;
    }
  }
  if (auto add = soleUser<onnx::AddOp>(m.root->getResult(0))) {
    Value b = otherOperand(add, m.root->getResult(0));
    if (b && isChannelVector(b) && add.getType() == type) {
      m.beta = b;
      m.root = add;
    }
  }
  return m;
}

/// The factors of a product tree rooted at `root`: inner Muls with one use
/// are expanded, `stop` and everything else is a leaf.
void productFactors(Value v, Value stop, bool isRoot,
                    SmallVectorImpl<Value> &leaves,
                    SmallVectorImpl<Operation *> &inner) {
  auto mul = v.getDefiningOp<onnx::MulOp>();
  if (v != stop && mul && (isRoot || hasOneUse(v))) {
    inner.push_back(mul);
    productFactors(mul.getA(), stop, false, leaves, inner);
    productFactors(mul.getB(), stop, false, leaves, inner);
    return;
  }
  leaves.push_back(v);
}

/// x * c (Mul) or x / (1/c) (Div): returns x.
Value scaledBy(Value v, double c) {
  if (auto mul = v.getDefiningOp<onnx::MulOp>()) {
    if (isScalar(mul.getB(), c, 1e-5))
      return mul.getA();
    if (isScalar(mul.getA(), c, 1e-5))
      return mul.getB();
  }
  if (auto div = v.getDefiningOp<onnx::DivOp>())
    if (isScalar(div.getB(), 1.0 / c, 1e-5))
      return div.getA();
  return {};
}

/// x*x*x as Pow(x, 3) or two Muls: returns x.
Value cubeOf(Value v) {
  if (auto pow = v.getDefiningOp<onnx::PowOp>())
    return isScalar(pow.getB(), 3.0, 0.0) ? pow.getA() : Value();
  SmallVector<Value> leaves;
  SmallVector<Operation *> inner;
  productFactors(v, {}, true, leaves, inner);
  if (leaves.size() == 3 && leaves[0] == leaves[1] && leaves[1] == leaves[2])
    return leaves[0];
  return {};
}

struct GeluMatch {
  Value x;
  StringRef approximate;
  Operation *root;
};

/// The core (Erf or Tanh) with its argument checked, then 1 + core, then a
/// product of x, 0.5 and (1 + core) in any association.
std::optional<GeluMatch> matchGelu(Operation *core) {
  Value x;
  StringRef approximate;
  if (auto erf = dyn_cast<onnx::ErfOp>(core)) {
    x = scaledBy(erf.getX(), M_SQRT1_2);
    approximate = "none";
  } else if (auto tanh = dyn_cast<onnx::TanhOp>(core)) {
    approximate = "tanh";
    Value inner = scaledBy(tanh.getX(), std::sqrt(2.0 / M_PI));
    auto add = inner ? inner.getDefiningOp<onnx::AddOp>() : onnx::AddOp();
    if (add && hasOneUse(add.getC()))
      for (int k = 0; k < 2 && !x; ++k) {
        Value cubic = scaledBy(add->getOperand(1 - k), 0.044715);
        if (cubic && cubeOf(cubic) == add->getOperand(k))
          x = add->getOperand(k);
      }
  }
  if (!x || !core->getResult(0).hasOneUse())
    return std::nullopt;
  auto onePlus = soleUser<onnx::AddOp>(core->getResult(0));
  if (!onePlus ||
      !isScalar(otherOperand(onePlus, core->getResult(0)), 1.0, 0.0))
    return std::nullopt;
  Value t = onePlus.getC();
  Value cur = t;
  for (int step = 0; step < 2; ++step) {
    auto mul = soleUser<onnx::MulOp>(cur);
    if (!mul)
      return std::nullopt;
    SmallVector<Value> leaves;
    SmallVector<Operation *> inner;
    productFactors(mul.getC(), t, true, leaves, inner);
    if (leaves.size() == 3 && llvm::is_contained(leaves, t) &&
        llvm::is_contained(leaves, x) &&
        llvm::any_of(leaves, [](Value l) { return isScalar(l, 0.5, 0.0); }) &&
        mul.getType() == x.getType())
      return GeluMatch{x, approximate, mul};
    cur = mul.getC();
  }
  return std::nullopt;
}

struct OnnxFuseTransformerPass final
    : bnnc::impl::OnnxFuseTransformerBase<OnnxFuseTransformerPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<onnx::DivOp> divs;
    SmallVector<Operation *> cores;
    getOperation().walk([&](Operation *op) {
      if (auto div = dyn_cast<onnx::DivOp>(op))
        divs.push_back(div);
      else if (isa<onnx::ErfOp, onnx::TanhOp>(op))
        cores.push_back(op);
    });
    for (onnx::DivOp div : divs) {
      auto m = matchLayerNorm(div);
      if (!m)
        continue;
      rewriter.setInsertionPoint(m->root);
      Location loc = m->root->getLoc();
      auto type = cast<RankedTensorType>(m->x.getType());
      int64_t d = type.getShape().back();
      Value gamma = m->gamma;
      if (!gamma) {
        auto attr =
            makeF32Attr(&getContext(), {d}, SmallVector<float>(d, 1.0f));
        gamma = rewriter.create<onnx::ConstantOp>(loc, attr.getType(), attr);
      }
      Value beta = m->beta;
      if (!beta)
        beta = rewriter.create<onnx::NoValueOp>(loc, rewriter.getNoneType());
      auto ln = rewriter.create<onnx::LayerNormalizationOp>(
          loc, type, TypeRange(), m->x, gamma, beta, rewriter.getI64IntegerAttr(-1),
          rewriter.getF32FloatAttr(static_cast<float>(m->epsilon)),
          rewriter.getI64IntegerAttr(1));
      rewriter.replaceAllUsesWith(m->root->getResult(0), ln.getY());
    }
    for (Operation *core : cores) {
      auto m = matchGelu(core);
      if (!m)
        continue;
      rewriter.setInsertionPoint(m->root);
      auto gelu =
          rewriter.create<onnx::GeluOp>(m->root->getLoc(), m->x.getType(), m->x,
                                        rewriter.getStringAttr(m->approximate));
      rewriter.replaceAllUsesWith(m->root->getResult(0), gelu.getY());
    }
    // The matched chains are now unused.
    (void)runRegionDCE(rewriter, getOperation()->getRegions());
  }
};

} // namespace
