//===- GammaMigration.cpp - Move LayerNorm's gamma into its consumers -----===//
//
// Outlier Suppression's Gamma Migration (techniques.md section 1): LayerNorm's
// per-channel gamma is the "outlier amplifier" of transformer activations.
// Moving it into the consumers leaves a LayerNorm output whose magnitude no
// longer depends on gamma, with the same network function:
//
//  - pre-LN (every user a linear layer): W' = diag(gamma) W, b' = b + W^T beta,
//    LN' = xhat (the full fold; exact for any gamma);
//  - post-LN (linear users and a residual Add): LN' = xhat + beta / gamma,
//    W' = diag(gamma) W, and the residual edge reads gamma * LN';
//  - the beta-folded variant of the post-LN form when some |gamma_i| is tiny
//    (< 1e-6 max|gamma|, where beta / gamma explodes): LN' = xhat,
//    W' = diag(gamma) W, b' = b + W^T beta, residual gamma * LN' + beta.
//
// A LayerNorm whose output is binarized (Sign) needs no migration: the
// binary path computes sign(gamma xhat + beta) as a per-channel threshold
// test (bnn.pack_layernorm, section 1.4), where |gamma| drops out.
//
//===----------------------------------------------------------------------===//

#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>

namespace bnnc {
#define GEN_PASS_DEF_LNGAMMAMIGRATION
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

bool isConstant(Value v) {
  return v.getDefiningOp() &&
         v.getDefiningOp()->hasTrait<OpTrait::ConstantLike>();
}

/// One consumer of the LayerNorm output: `edge` is the value it reads (the
/// output, or a reshape of it that keeps the channel axis last).
struct Use {
  enum Kind { MatMul, Gemm, Residual, Sign, Other } kind;
  Operation *op;
  Value edge;
  onnx::AddOp biasAdd;           // MatMul: the Add of a constant bias, if any
  SmallVector<Operation *> path; // the Reshapes from the LN output to edge
};

/// The values of a constant bias of `n` elements broadcast along the last
/// axis ([n], [1, n], ...), or nullopt.
std::optional<SmallVector<float>> lastAxisVector(Value v, int64_t n) {
  auto values = getConstantFloats(v);
  if (!values || static_cast<int64_t>(values->size()) != n)
    return std::nullopt;
  auto t = tensorType(v);
  if (t.getRank() < 1 || t.getShape().back() != n)
    return std::nullopt;
  return values;
}

void collectUses(Value edge, int64_t d, SmallVectorImpl<Use> &uses,
                 SmallVector<Operation *> path = {}) {
  for (OpOperand &operand : edge.getUses()) {
    Operation *user = operand.getOwner();
    unsigned index = operand.getOperandNumber();
    if (auto reshape = dyn_cast<onnx::ReshapeOp>(user)) {
      auto out = tensorType(reshape.getReshaped());
      if (index == 0 && out.getRank() >= 1 && out.getShape().back() == d) {
        SmallVector<Operation *> longer = path;
        longer.push_back(reshape);
        collectUses(reshape.getReshaped(), d, uses, longer);
        continue;
      }
    }
    Use u{Use::Other, user, edge, {}, path};
    if (auto mm = dyn_cast<onnx::MatMulOp>(user)) {
      auto b = tensorType(mm.getB());
      if (index == 0 && isConstant(mm.getB()) && b.getRank() == 2 &&
          b.getDimSize(0) == d) {
        u.kind = Use::MatMul;
        if (mm.getY().hasOneUse())
          if (auto add = dyn_cast<onnx::AddOp>(*mm.getY().getUsers().begin())) {
            Value other = add.getA() == mm.getY() ? add.getB() : add.getA();
            if (lastAxisVector(other, b.getDimSize(1)) &&
                add.getType() == mm.getType())
              u.biasAdd = add;
          }
      }
    } else if (auto gemm = dyn_cast<onnx::GemmOp>(user)) {
      if (index == 0 && gemm.getTransA() == 0 && isConstant(gemm.getB()) &&
          (isa<NoneType>(gemm.getC().getType()) || isConstant(gemm.getC())))
        u.kind = Use::Gemm;
    } else if (auto add = dyn_cast<onnx::AddOp>(user)) {
      Value other = index == 0 ? add.getB() : add.getA();
      if (!isConstant(other) && add.getType() == edge.getType())
        u.kind = Use::Residual;
    } else if (isa<onnx::SignOp>(user)) {
      u.kind = Use::Sign;
    }
    uses.push_back(u);
  }
}

/// Largest |y_i| a LayerNorm output gamma_i * xhat_i + beta_i can reach: a
/// normalized row of D values has |xhat_i| <= sqrt(D - 1), with equality when
/// one value stands out and the others are equal.
double maxAbsBound(ArrayRef<double> gamma, ArrayRef<double> beta) {
  double r = std::sqrt(static_cast<double>(gamma.size()) - 1.0), m = 0;
  for (size_t i = 0; i < gamma.size(); ++i)
    m = std::max(m, std::fabs(gamma[i]) * r + std::fabs(beta[i]));
  return m;
}

class Migrator {
public:
  Migrator(onnx::LayerNormalizationOp ln) : ln(ln), b(ln) {}

  /// Rewrites the LayerNorm and its users; returns the report entry.
  DictionaryAttr run() {
    auto type = tensorType(ln.getX());
    int64_t rank = type.getRank();
    d = type.getShape().back();
    int64_t axis = static_cast<int64_t>(ln.getAxis());
    if (axis < 0)
      axis += rank;
    auto g = getConstantFloats(ln.getScale());
    std::optional<SmallVector<float>> bt;
    if (!isa<NoneType>(ln.getB().getType()))
      bt = getConstantFloats(ln.getB());
    if (axis != rank - 1 || !g || static_cast<int64_t>(g->size()) != d ||
        (!isa<NoneType>(ln.getB().getType()) &&
         (!bt || static_cast<int64_t>(bt->size()) != d)))
      return refuse("gamma and beta must be constants over the last axis");
    gamma.assign(g->begin(), g->end());
    beta.assign(d, 0.0);
    if (bt)
      beta.assign(bt->begin(), bt->end());
    before = maxAbsBound(gamma, beta);

    SmallVector<Use> uses;
    collectUses(ln.getY(), d, uses);
    bool residual = false;
    for (const Use &u : uses) {
      if (u.kind == Use::Other)
        return refuse(
            (Twine("user ") + describeNode(u.op) + " cannot absorb gamma")
                .str());
      residual |= u.kind == Use::Residual;
    }
    if (uses.empty())
      return refuse("no users");
    if (llvm::all_of(uses, [](const Use &u) { return u.kind == Use::Sign; }))
      return entry("binarized", before, before,
                   "binarized consumers: the threshold form "
                   "(bnn.pack_layernorm) drops |gamma|");
    // Each Sign user reads its own copy of the original LayerNorm, which the
    // binary path turns into a threshold test; the real users are migrated.
    int64_t signs = 0;
    for (const Use &u : uses)
      if (u.kind == Use::Sign) {
        ++signs;
        copyForSign(u);
      }
    llvm::erase_if(uses, [](const Use &u) { return u.kind == Use::Sign; });

    double maxGamma = 0;
    for (double v : gamma)
      maxGamma = std::max(maxGamma, std::fabs(v));
    bool tiny = llvm::any_of(
        gamma, [&](double v) { return std::fabs(v) <= 1e-6 * maxGamma; });
    StringRef form = !residual ? "full-fold" : tiny ? "beta-folded" : "post-ln";
    // Linear consumers absorb gamma (all forms) and beta (unless the LN
    // keeps beta / gamma).
    bool foldBeta = form != "post-ln";
    for (const Use &u : uses) {
      if (u.kind == Use::MatMul)
        migrateMatMul(u, foldBeta);
      else if (u.kind == Use::Gemm)
        migrateGemm(u, foldBeta);
      else
        migrateResidual(u, foldBeta);
    }
    // The LayerNorm becomes xhat, or xhat + beta / gamma.
    b.setInsertionPoint(ln);
    ln.getScaleMutable().assign(vector(SmallVector<double>(d, 1.0)));
    SmallVector<double> shift(d, 0.0);
    double after = std::sqrt(static_cast<double>(d) - 1.0);
    if (foldBeta) {
      ln.getBMutable().assign(
          b.create<onnx::NoValueOp>(ln.getLoc(), b.getNoneType()));
    } else {
      for (int64_t i = 0; i < d; ++i)
        shift[i] = beta[i] / gamma[i];
      ln.getBMutable().assign(vector(shift));
      after = maxAbsBound(SmallVector<double>(d, 1.0), shift);
    }
    return entry(form, before, after,
                 signs ? (Twine(signs) + " Sign user(s) read a copy in the "
                                         "threshold form")
                             .str()
                       : "");
  }

private:
  onnx::LayerNormalizationOp ln;
  OpBuilder b;
  int64_t d = 0;
  SmallVector<double> gamma, beta;
  double before = 0;

  Value constant(ArrayRef<int64_t> shape, ArrayRef<double> values) {
    SmallVector<float> f(values.begin(), values.end());
    auto attr = makeF32Attr(ln.getContext(), shape, f);
    return b.create<onnx::ConstantOp>(ln.getLoc(), attr.getType(), attr);
  }
  Value vector(ArrayRef<double> values) {
    return constant({static_cast<int64_t>(values.size())}, values);
  }

  DictionaryAttr entry(StringRef form, double maxBefore, double maxAfter,
                       StringRef note) {
    MLIRContext *ctx = ln.getContext();
    SmallVector<NamedAttribute> fields = {
        b.getNamedAttr("node", StringAttr::get(ctx, describeNode(ln))),
        b.getNamedAttr("form", StringAttr::get(ctx, form)),
        b.getNamedAttr("max_abs_before", b.getF64FloatAttr(maxBefore)),
        b.getNamedAttr("max_abs_after", b.getF64FloatAttr(maxAfter))};
    if (!note.empty())
      fields.push_back(b.getNamedAttr("note", StringAttr::get(ctx, note)));
    return DictionaryAttr::get(ctx, fields);
  }

  DictionaryAttr refuse(const std::string &reason) {
    ln.emitRemark() << describeNode(ln) << ": gamma not migrated: " << reason;
    return entry("refused", before, before, reason);
  }

  /// Points a Sign user at a clone of the unmigrated LayerNorm (and of the
  /// Reshapes between them).
  void copyForSign(const Use &u) {
    b.setInsertionPoint(u.op);
    Value v = b.clone(*ln)->getResult(0);
    for (Operation *reshape : u.path) {
      Operation *copy = b.clone(*reshape);
      copy->setOperand(0, v);
      v = copy->getResult(0);
    }
    u.op->setOperand(0, v);
  }

  /// W [D, N] -> diag(gamma) W; with `foldBeta`, bias += beta W.
  void migrateMatMul(const Use &u, bool foldBeta) {
    auto mm = cast<onnx::MatMulOp>(u.op);
    auto w = *getConstantFloats(mm.getB());
    int64_t n = tensorType(mm.getB()).getDimSize(1);
    SmallVector<double> scaled(d * n), shift(n, 0.0);
    for (int64_t i = 0; i < d; ++i)
      for (int64_t o = 0; o < n; ++o) {
        scaled[i * n + o] = static_cast<double>(w[i * n + o]) * gamma[i];
        shift[o] += beta[i] * w[i * n + o];
      }
    b.setInsertionPoint(mm);
    mm.getBMutable().assign(constant({d, n}, scaled));
    if (!foldBeta || llvm::all_of(beta, [](double v) { return v == 0; }))
      return;
    if (u.biasAdd) {
      onnx::AddOp add = u.biasAdd;
      unsigned k = add.getA() == mm.getY() ? 1 : 0;
      Value old = add->getOperand(k);
      auto bias = *getConstantFloats(old);
      for (int64_t o = 0; o < n; ++o)
        shift[o] += bias[o];
      b.setInsertionPoint(add);
      add->setOperand(k, constant(tensorType(old).getShape(), shift));
      return;
    }
    b.setInsertionPointAfter(mm);
    auto add = b.create<onnx::AddOp>(mm.getLoc(), mm.getType(), mm.getY(),
                                     vector(shift));
    mm.getY().replaceAllUsesExcept(add.getC(), add);
  }

  /// Gemm(y, B, C): the D axis of B (rows, or columns with transB) scales by
  /// gamma; with `foldBeta`, C' = beta_gemm * C + alpha * beta B, beta_gemm
  /// = 1.
  void migrateGemm(const Use &u, bool foldBeta) {
    auto gemm = cast<onnx::GemmOp>(u.op);
    auto w = *getConstantFloats(gemm.getB());
    auto wShape = tensorType(gemm.getB()).getShape();
    bool transB = gemm.getTransB() != 0;
    int64_t n = transB ? wShape[0] : wShape[1];
    SmallVector<double> scaled(w.size()), shift(n, 0.0);
    for (int64_t i = 0; i < d; ++i)
      for (int64_t o = 0; o < n; ++o) {
        int64_t at = transB ? o * d + i : i * n + o;
        scaled[at] = static_cast<double>(w[at]) * gamma[i];
        shift[o] += beta[i] * w[at];
      }
    b.setInsertionPoint(gemm);
    gemm.getBMutable().assign(constant(wShape, scaled));
    if (!foldBeta || llvm::all_of(beta, [](double v) { return v == 0; }))
      return;
    double alpha = gemm.getAlpha().convertToDouble();
    double betaGemm = gemm.getBeta().convertToDouble();
    auto outType = tensorType(gemm.getY());
    SmallVector<double> c(outType.getNumElements(), 0.0);
    SmallVector<int64_t> cShape = {n};
    if (!isa<NoneType>(gemm.getC().getType())) {
      auto old = *getConstantFloats(gemm.getC());
      auto oldShape = tensorType(gemm.getC()).getShape();
      // Keep C's shape when it is a row vector; broadcast it otherwise.
      if (static_cast<int64_t>(old.size()) == n && oldShape.back() == n) {
        cShape.assign(oldShape.begin(), oldShape.end());
        c.assign(old.size(), 0.0);
        for (int64_t o = 0; o < n; ++o)
          c[o] = betaGemm * old[o];
      } else {
        cShape.assign(outType.getShape().begin(), outType.getShape().end());
        int64_t m = outType.getDimSize(0);
        auto strides = SmallVector<int64_t>{
            oldShape.size() == 2 && oldShape[0] == m ? oldShape.back() : 0,
            oldShape.back() == n ? 1 : 0};
        for (int64_t r = 0; r < m; ++r)
          for (int64_t o = 0; o < n; ++o)
            c[r * n + o] = betaGemm * old[r * strides[0] + o * strides[1]];
      }
    } else {
      c.assign(n, 0.0);
    }
    int64_t rows = static_cast<int64_t>(c.size()) / n;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t o = 0; o < n; ++o)
        c[r * n + o] += alpha * shift[o];
    gemm.getCMutable().assign(constant(cShape, c));
    gemm.setBetaAttr(b.getF32FloatAttr(1.0f));
  }

  /// The residual edge reads gamma * y' (+ beta when the LN dropped it).
  void migrateResidual(const Use &u, bool foldBeta) {
    b.setInsertionPoint(u.op);
    Location loc = u.op->getLoc();
    Value v =
        b.create<onnx::MulOp>(loc, u.edge.getType(), u.edge, vector(gamma));
    if (foldBeta)
      v = b.create<onnx::AddOp>(loc, u.edge.getType(), v, vector(beta));
    for (OpOperand &operand : u.op->getOpOperands())
      if (operand.get() == u.edge)
        operand.set(v);
  }
};

struct LnGammaMigrationPass final
    : bnnc::impl::LnGammaMigrationBase<LnGammaMigrationPass> {
  void runOnOperation() override {
    SmallVector<onnx::LayerNormalizationOp> lns;
    getOperation().walk(
        [&](onnx::LayerNormalizationOp ln) { lns.push_back(ln); });
    SmallVector<Attribute> entries;
    for (auto ln : lns)
      entries.push_back(Migrator(ln).run());
    if (!entries.empty())
      getOperation()->setAttr("bnn.gamma_migration",
                              ArrayAttr::get(&getContext(), entries));
  }
};

} // namespace
