//===- DeadTokenElim.cpp - Compute only the token rows the outputs read ---===//
//
// A ViT whose head reads the CLS token alone (`Gather(x, 0, axis 1)`) still
// computes every token of its last block, although only the CLS row of the
// queries, the attention output, the MLP and the LayerNorms reaches the
// output; the keys and values need every token. This pass moves such row
// selections up the graph, towards the inputs, so that the ops in between
// run on the selected rows only.
//
// A row selection is a Gather with constant indices or a Slice with constant
// bounds along one axis. When every user of a value y = f(x...) selects rows
// of the same axis, and f computes each row of that axis from the same row
// of its operands (elementwise ops with broadcasting, LayerNorm and Softmax
// over other axes, MatMul/Gemm rows, Transpose, Reshapes that keep the
// leading axes, Gather and Concat along other axes), then
//   select_U(f(x...)) = f(select_U(x)...)
// where U is the union of the rows the users read. f is rebuilt on the
// selected rows of its operands (a new selection of an operand that other ops
// read in full stays there: the residual stream, the keys and values), and
// the users read the narrowed result. Each rebuilt op runs the same kernel on
// fewer rows, so every row it computes is bit-identical to before.
//
// Attention needs one more step: q, k and v are usually one projection
// `x W_qkv + b` reshaped to [B, N, 3, H, d], transposed and split by Gathers
// on the component axis. The keys and values read every row, so the
// projection's rows cannot be narrowed as a whole; instead the queries'
// columns of W and b are split off into their own projection, whose rows
// then narrow like any other MatMul (each output element is still the same
// dot product, over the same k in the same order).
//
//===----------------------------------------------------------------------===//

#include "dialects/bnn/BnnDialect.h"
#include "dialects/onnx/ShapeUtils.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

#include <numeric>

namespace bnnc {
#define GEN_PASS_DEF_DEADTOKENELIM
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

/// What a Gather or Slice user reads of a value: the rows `picked` (in the
/// user's order, possibly repeated) of `axis`; a Gather with a scalar index
/// also drops the axis.
struct Selection {
  int64_t axis;
  SmallVector<int64_t> picked;
  bool keepsAxis;
};

/// An axis in [-rank, rank) as a non-negative one.
int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

std::optional<Selection> gatherSelection(onnx::GatherOp g) {
  auto data = tensorType(g.getData());
  auto indices = tensorType(g.getIndices());
  auto values = getConstantInts(g.getIndices());
  if (!values || indices.getRank() > 1 || values->empty())
    return std::nullopt;
  Selection s;
  s.axis = normalizeAxis(g.getAxis(), data.getRank());
  if (s.axis < 0 || s.axis >= data.getRank())
    return std::nullopt;
  int64_t n = data.getDimSize(s.axis);
  for (int64_t i : *values) {
    int64_t row = i < 0 ? i + n : i;
    if (row < 0 || row >= n)
      return std::nullopt;
    s.picked.push_back(row);
  }
  s.keepsAxis = indices.getRank() == 1;
  return s;
}

/// A Slice with constant bounds and positive steps that cuts one axis.
std::optional<Selection> sliceSelection(onnx::SliceOp slice) {
  auto data = tensorType(slice.getData());
  int64_t rank = data.getRank();
  auto starts = getConstantInts(slice.getStarts());
  auto ends = getConstantInts(slice.getEnds());
  if (!starts || !ends || starts->size() != ends->size())
    return std::nullopt;
  SmallVector<int64_t> axes(starts->size()), steps(starts->size(), 1);
  std::iota(axes.begin(), axes.end(), 0);
  if (!isNoValue(slice.getAxes())) {
    auto a = getConstantInts(slice.getAxes());
    if (!a || a->size() != starts->size())
      return std::nullopt;
    axes = *a;
  }
  if (!isNoValue(slice.getSteps())) {
    auto s = getConstantInts(slice.getSteps());
    if (!s || s->size() != starts->size())
      return std::nullopt;
    steps = *s;
  }
  std::optional<Selection> result;
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t axis = normalizeAxis(axes[i], rank);
    if (axis < 0 || axis >= rank || steps[i] <= 0)
      return std::nullopt;
    int64_t n = data.getDimSize(axis);
    // ONNX clamps positive-step bounds to [0, n] after adding n to
    // negative ones.
    auto clamp = [n](int64_t v) {
      return std::clamp<int64_t>(v < 0 ? v + n : v, 0, n);
    };
    Selection s{axis, {}, true};
    for (int64_t r = clamp((*starts)[i]); r < clamp((*ends)[i]); r += steps[i])
      s.picked.push_back(r);
    if (static_cast<int64_t>(s.picked.size()) == n)
      continue; // this axis is not cut
    if (result || s.picked.empty())
      return std::nullopt; // several axes cut, or nothing left
    result = std::move(s);
  }
  return result;
}

/// The rows `user` reads of `v`, if it is a row selection of `v`.
std::optional<Selection> selectionOf(Operation *user, Value v) {
  if (auto g = dyn_cast<onnx::GatherOp>(user); g && g.getData() == v)
    return gatherSelection(g);
  if (auto s = dyn_cast<onnx::SliceOp>(user); s && s.getData() == v)
    return sliceSelection(s);
  return std::nullopt;
}

/// Ops whose every result element is a function of the elements at the same
/// (broadcast) index of their operands.
bool isElementwise(Operation *op) {
  if (op->hasTrait<OpTrait::SameOperandsAndResultType>() &&
      isa<onnx::OnnxDialect>(op->getDialect()) && op->getNumOperands() == 1)
    return true; // the unary ops (Relu, Erf, Tanh, ...)
  return isa<onnx::AddOp, onnx::SubOp, onnx::MulOp, onnx::DivOp, onnx::PowOp,
             onnx::PReluOp, onnx::EqualOp, onnx::GreaterOp,
             onnx::GreaterOrEqualOp, onnx::LessOp, onnx::LessOrEqualOp,
             onnx::AndOp, onnx::OrOp, onnx::XorOp, onnx::MaxOp, onnx::MinOp,
             onnx::MeanOp, onnx::SumOp, onnx::WhereOp, onnx::CastOp,
             onnx::ClipOp, onnx::DropoutOp, onnx::IdentityOp, onnx::GeluOp,
             onnx::IsNaNOp, onnx::IsInfOp>(op);
}

/// For each operand, the axis along which it must be narrowed for the
/// result's rows along `axis` (nullopt: the operand is read unchanged).
using OperandAxes = SmallVector<std::optional<int64_t>>;

/// The rows `rows` of an operand's axis `axis`.
struct OperandRows {
  int64_t axis;
  SmallVector<int64_t> rows;
};
using OperandPlan = SmallVector<std::optional<OperandRows>>;

class Narrower {
public:
  Narrower(func::FuncOp f, int64_t opset)
      : f(f), b(f.getContext()), opset(opset) {
    f.walk([&](Operation *op) {
      for (Value v : op->getOperands())
        if (selectionOf(op, v))
          originalSelections.insert(op);
    });
  }

  /// Narrows the producer of `y` to the rows its users select, if they all
  /// select along one axis and the producer allows it.
  bool narrow(Value y) {
    auto type = dyn_cast<RankedTensorType>(y.getType());
    Operation *producer = y.getDefiningOp();
    if (!type || !type.hasStaticShape() || !producer ||
        producer->getNumResults() != 1 || y.use_empty())
      return false;
    std::optional<int64_t> axis;
    SmallVector<int64_t> rows;
    for (Operation *user : y.getUsers()) {
      auto s = selectionOf(user, y);
      if (!s || (axis && *axis != s->axis))
        return false;
      axis = s->axis;
      rows.append(s->picked);
    }
    llvm::sort(rows);
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    if (static_cast<int64_t>(rows.size()) >= type.getDimSize(*axis))
      return false;
    // Splitting the selected component off a fused projection is a step
    // of its own: the next one narrows the new projection (whose users are
    // checked again then).
    if (auto g = dyn_cast<onnx::GatherOp>(producer))
      if (splitProjection(g))
        return true;
    auto plan = planFor(producer, *axis, rows);
    if (!plan)
      return false;
    Value narrowed = rebuild(producer, *axis, rows, *plan);
    for (Operation *user : llvm::make_early_inc_range(y.getUsers()))
      readNarrowed(user, y, narrowed, rows);
    forget(producer);
    producer->erase();
    ++narrowedOps;
    return true;
  }

  struct Cut {
    std::string node;
    int64_t rows, of;
  };
  SmallVector<Cut> cuts;
  int64_t narrowedOps = 0, splitProjections = 0;

private:
  func::FuncOp f;
  OpBuilder b;
  int64_t opset;
  /// The selections of the imported graph, which the report names.
  llvm::SmallPtrSet<Operation *, 16> originalSelections;

  /// Called before erasing `op`: a new op may reuse its address.
  void forget(Operation *op) { originalSelections.erase(op); }

  Value ints(ArrayRef<int64_t> shape, ArrayRef<int64_t> values) {
    auto type = RankedTensorType::get(shape, b.getI64Type());
    return b.create<onnx::ConstantOp>(b.getUnknownLoc(), type,
                                      DenseElementsAttr::get(type, values));
  }

  /// Operands aligned to the result by numpy broadcasting: an operand is
  /// narrowed along the result's `axis` unless it broadcasts along it.
  static std::optional<OperandAxes> broadcastAxes(Operation *op, int64_t axis) {
    int64_t rank = tensorType(op->getResult(0)).getRank();
    OperandAxes axes;
    for (Value v : op->getOperands()) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      int64_t aligned = t ? axis - (rank - t.getRank()) : -1;
      if (!t || aligned < 0 || t.getDimSize(aligned) == 1)
        axes.push_back(std::nullopt);
      else
        axes.push_back(aligned);
    }
    return axes;
  }

  /// Which rows of which operands `op` reads to compute the rows `rows` of
  /// its result's `axis`, or nullopt if it reads others too.
  std::optional<OperandPlan> planFor(Operation *op, int64_t axis,
                                     ArrayRef<int64_t> rows) {
    if (auto r = dyn_cast<onnx::ReshapeOp>(op)) {
      auto in = reshapeRows(shapeOf(r.getData()), shapeOf(r.getReshaped()),
                            axis, rows);
      if (!in)
        return std::nullopt;
      return OperandPlan{std::move(*in), std::nullopt};
    }
    auto axes = ruleFor(op, axis);
    if (!axes)
      return std::nullopt;
    OperandPlan plan;
    for (std::optional<int64_t> a : *axes)
      plan.push_back(a ? std::optional<OperandRows>(
                             OperandRows{*a, SmallVector<int64_t>(rows)})
                       : std::nullopt);
    return plan;
  }

  /// The input rows a Reshape reads for the rows `rows` of its result's
  /// `axis` (row-major, so a row is a contiguous block of elements):
  /// - the axes up to `axis` unchanged: the same rows of the same axis;
  /// - the input merges the result's axes 0..axis into its axis 0 (a
  ///   [B*N, D] token matrix viewed as [B, N, D]): those rows of every
  ///   block of N;
  /// - the result merges the input's axes 0..k into its axis 0 ([B, N, D]
  ///   viewed as [B*N, D]) and `rows` are the same rows U of every block
  ///   of N = in[k]: U on axis k.
  static std::optional<OperandRows> reshapeRows(ArrayRef<int64_t> in,
                                                ArrayRef<int64_t> out,
                                                int64_t axis,
                                                ArrayRef<int64_t> rows) {
    int64_t inRank = static_cast<int64_t>(in.size());
    if (inRank > axis && in.take_front(axis + 1) == out.take_front(axis + 1))
      return OperandRows{axis, SmallVector<int64_t>(rows)};
    if (axis > 0 && in.drop_front() == out.drop_front(axis + 1) &&
        in[0] == shapeProduct(out.take_front(axis + 1))) {
      OperandRows r{0, {}};
      for (int64_t block = 0; block < shapeProduct(out.take_front(axis));
           ++block)
        for (int64_t row : rows)
          r.rows.push_back(block * out[axis] + row);
      return r;
    }
    if (axis != 0)
      return std::nullopt;
    for (int64_t k = 1; k < inRank; ++k) {
      if (shapeProduct(in.take_front(k + 1)) != out[0] ||
          in.drop_front(k + 1) != out.drop_front())
        continue;
      int64_t n = in[k];
      SmallVector<int64_t> within;
      for (int64_t row : rows)
        if (row < n)
          within.push_back(row);
      SmallVector<int64_t> expected;
      for (int64_t block = 0; block < out[0] / n; ++block)
        for (int64_t row : within)
          expected.push_back(block * n + row);
      if (expected != rows)
        return std::nullopt;
      return OperandRows{k, std::move(within)};
    }
    return std::nullopt;
  }

  /// How `op` is narrowed to rows of its result's `axis`, or nullopt if
  /// some result row depends on other rows of that axis.
  std::optional<OperandAxes> ruleFor(Operation *op, int64_t axis) {
    int64_t rank = tensorType(op->getResult(0)).getRank();
    if (isElementwise(op))
      return broadcastAxes(op, axis);
    // LayerNorm normalizes the axes from `axis` on; gamma and beta span
    // exactly those, so they broadcast along any earlier axis.
    if (auto ln = dyn_cast<onnx::LayerNormalizationOp>(op)) {
      if (axis >= normalizeAxis(ln.getAxis(), rank))
        return std::nullopt;
      return broadcastAxes(op, axis);
    }
    if (auto s = dyn_cast<onnx::SoftmaxOp>(op))
      return softmaxAxes(s.getAxis(), rank, axis);
    if (auto s = dyn_cast<onnx::LogSoftmaxOp>(op))
      return softmaxAxes(s.getAxis(), rank, axis);
    if (auto mm = dyn_cast<onnx::MatMulOp>(op))
      return matmulAxes(mm, axis);
    if (auto g = dyn_cast<onnx::GemmOp>(op))
      return gemmAxes(g, axis);
    if (auto t = dyn_cast<onnx::TransposeOp>(op)) {
      int64_t from = t.getPerm() ? (*t.getPerm())[axis] : rank - 1 - axis;
      return OperandAxes{from};
    }
    if (auto g = dyn_cast<onnx::GatherOp>(op))
      return gatherAxes(g, axis);
    if (auto c = dyn_cast<onnx::ConcatOp>(op)) {
      if (normalizeAxis(c.getAxis(), rank) == axis)
        return std::nullopt;
      return OperandAxes(op->getNumOperands(), axis);
    }
    return std::nullopt;
  }

  /// Softmax normalizes along `axis` (opset 13 on, default -1), or over the
  /// input coerced to 2-D at `axis` (before, default 1).
  std::optional<OperandAxes> softmaxAxes(std::optional<int64_t> attr,
                                         int64_t rank, int64_t axis) {
    int64_t at = normalizeAxis(attr.value_or(opset >= 13 ? -1 : 1), rank);
    bool rowwise = opset >= 13 ? axis != at : axis < at;
    if (!rowwise)
      return std::nullopt;
    return OperandAxes{axis};
  }

  /// Result rows are rows of A, columns are columns of B, batch axes
  /// broadcast.
  static std::optional<OperandAxes> matmulAxes(onnx::MatMulOp mm,
                                               int64_t axis) {
    int64_t rank = tensorType(mm.getY()).getRank();
    int64_t rankA = tensorType(mm.getA()).getRank();
    int64_t rankB = tensorType(mm.getB()).getRank();
    if (rankA < 2 || rankB < 2)
      return std::nullopt;
    if (axis == rank - 2)
      return OperandAxes{rankA - 2, std::nullopt};
    if (axis == rank - 1)
      return OperandAxes{std::nullopt, rankB - 1};
    return broadcastAxes(mm, axis);
  }

  static std::optional<OperandAxes> gemmAxes(onnx::GemmOp g, int64_t axis) {
    OperandAxes axes;
    if (axis == 0)
      axes = {g.getTransA() ? 1 : 0, std::nullopt};
    else
      axes = {std::nullopt, g.getTransB() ? 0 : 1};
    // C broadcasts to [M, N].
    auto c = dyn_cast<RankedTensorType>(g.getC().getType());
    int64_t aligned = c ? axis - (2 - c.getRank()) : -1;
    if (!c || aligned < 0 || c.getDimSize(aligned) == 1)
      axes.push_back(std::nullopt);
    else
      axes.push_back(aligned);
    return axes;
  }

  /// A Gather along another axis with constant indices: the result's axis
  /// is an axis of the data (not one of the indices' axes). Not one with a
  /// 1-D index list: the selection moved above it is itself such a Gather,
  /// and two of them on different axes would swap places forever. (Scalar
  /// indices, as q/k/v's component Gathers have, are fine: the selection
  /// moved above is 1-D, and stays there.)
  static std::optional<OperandAxes> gatherAxes(onnx::GatherOp g, int64_t axis) {
    int64_t indexRank = tensorType(g.getIndices()).getRank();
    if (!getConstantInts(g.getIndices()) || indexRank == 1)
      return std::nullopt;
    int64_t at = normalizeAxis(g.getAxis(), tensorType(g.getData()).getRank());
    if (axis < at)
      return OperandAxes{axis, std::nullopt};
    if (axis >= at + indexRank)
      return OperandAxes{axis - indexRank + 1, std::nullopt};
    return std::nullopt;
  }

  /// `op` rebuilt on the operand rows of `plan`; its result has
  /// `rows.size()` rows along `axis`.
  Value rebuild(Operation *op, int64_t axis, ArrayRef<int64_t> rows,
                const OperandPlan &plan) {
    b.setInsertionPoint(op);
    Location loc = op->getLoc();
    SmallVector<Value> operands;
    for (auto [v, r] : llvm::zip(op->getOperands(), plan)) {
      if (!r) {
        operands.push_back(v);
        continue;
      }
      int64_t count = static_cast<int64_t>(r->rows.size());
      SmallVector<int64_t> shape(shapeOf(v));
      shape[r->axis] = count;
      operands.push_back(b.createOrFold<onnx::GatherOp>(
          loc, tensorType(v).clone(shape), v, ints({count}, r->rows), r->axis));
    }
    SmallVector<int64_t> shape(shapeOf(op->getResult(0)));
    shape[axis] = static_cast<int64_t>(rows.size());
    if (isa<onnx::ReshapeOp>(op))
      operands[1] = ints({static_cast<int64_t>(shape.size())}, shape);
    Operation *narrowed = b.clone(*op);
    narrowed->setOperands(operands);
    narrowed->getResult(0).setType(tensorType(op->getResult(0)).clone(shape));
    return narrowed->getResult(0);
  }

  /// Makes `user`, a selection of `y`, read `narrowed` (the rows `rows` of
  /// y) instead; a selection of exactly those rows becomes `narrowed`.
  void readNarrowed(Operation *user, Value y, Value narrowed,
                    ArrayRef<int64_t> rows) {
    Selection s = *selectionOf(user, y);
    if (originalSelections.contains(user))
      cuts.push_back({describeNode(user), static_cast<int64_t>(s.picked.size()),
                      tensorType(y).getDimSize(s.axis)});
    SmallVector<int64_t> positions;
    for (int64_t r : s.picked)
      positions.push_back(llvm::lower_bound(rows, r) - rows.begin());
    bool identity =
        s.keepsAxis && positions.size() == rows.size() &&
        llvm::equal(positions,
                    llvm::seq<int64_t>(0, static_cast<int64_t>(rows.size())));
    Value replacement = narrowed;
    b.setInsertionPoint(user);
    auto resultType = tensorType(user->getResult(0));
    if (!s.keepsAxis && rows.size() == 1) {
      // One row, its axis dropped: a Reshape, which costs nothing (a view).
      replacement = b.create<onnx::ReshapeOp>(
          user->getLoc(), resultType, narrowed,
          ints({resultType.getRank()}, resultType.getShape()), 0);
    } else if (!identity) {
      SmallVector<int64_t> shape;
      if (s.keepsAxis)
        shape.push_back(static_cast<int64_t>(positions.size()));
      replacement = b.create<onnx::GatherOp>(
          user->getLoc(), resultType, narrowed, ints(shape, positions), s.axis);
    }
    user->getResult(0).replaceAllUsesWith(replacement);
    forget(user);
    user->erase();
  }

  /// The fused projection one component of which `g` selects:
  /// g = Gather(T, c, axis) with T = Transpose(Reshape(x W + b)), the
  /// Reshape splitting W's columns into [S, ...] components and the
  /// Transpose moving that axis to `axis`.
  struct FusedProjection {
    onnx::TransposeOp transpose;
    onnx::ReshapeOp reshape;
    Operation *bias; // the Add of b, or null
    onnx::MatMulOp matmul;
    SmallVector<float> weight, biasValues;
    int64_t k, columns, components, component;
  };

  std::optional<FusedProjection> matchProjection(onnx::GatherOp g) {
    FusedProjection p;
    auto c = getConstantInts(g.getIndices());
    p.transpose = g.getData().getDefiningOp<onnx::TransposeOp>();
    if (!c || tensorType(g.getIndices()).getRank() != 0 || !p.transpose ||
        !p.transpose.getPerm() || g.getData().hasOneUse())
      return std::nullopt;
    p.reshape = p.transpose.getData().getDefiningOp<onnx::ReshapeOp>();
    if (!p.reshape || !p.reshape->hasOneUse())
      return std::nullopt;
    // Every user of T picks one component.
    int64_t at = normalizeAxis(g.getAxis(), tensorType(g.getData()).getRank());
    for (Operation *user : p.transpose->getUsers()) {
      auto other = dyn_cast<onnx::GatherOp>(user);
      if (!other || other.getData() != p.transpose.getResult() ||
          normalizeAxis(other.getAxis(),
                        tensorType(other.getData()).getRank()) != at ||
          !getConstantInts(other.getIndices()) ||
          tensorType(other.getIndices()).getRank() != 0)
        return std::nullopt;
    }
    Value projected = p.reshape.getData();
    auto in = shapeOf(projected), out = shapeOf(p.reshape.getReshaped());
    int64_t split = (*p.transpose.getPerm())[at];
    int64_t last = static_cast<int64_t>(in.size()) - 1;
    // The Reshape keeps the leading axes and splits the last one, the
    // component axis first.
    if (split != last || out.size() < in.size() + 1 ||
        out.take_front(last) != in.take_front(last))
      return std::nullopt;
    p.components = out[split];
    p.columns = in[last];
    Operation *producer = projected.getDefiningOp();
    if (!producer || !producer->hasOneUse())
      return std::nullopt;
    Value product = projected;
    if (auto add = dyn_cast<onnx::AddOp>(producer)) {
      p.bias = add;
      bool biasFirst =
          static_cast<bool>(add.getB().getDefiningOp<onnx::MatMulOp>());
      Value bias = biasFirst ? add.getA() : add.getB();
      product = biasFirst ? add.getB() : add.getA();
      auto values = getConstantFloats(bias);
      if (!values || static_cast<int64_t>(values->size()) != p.columns ||
          tensorType(bias).getRank() != 1 || !product.hasOneUse())
        return std::nullopt;
      p.biasValues = *values;
    } else {
      p.bias = nullptr;
    }
    p.matmul = product.getDefiningOp<onnx::MatMulOp>();
    if (!p.matmul || tensorType(p.matmul.getB()).getRank() != 2)
      return std::nullopt;
    auto w = getConstantFloats(p.matmul.getB());
    if (!w)
      return std::nullopt;
    p.weight = *w;
    p.k = shapeOf(p.matmul.getB())[0];
    int64_t c0 = (*c)[0] < 0 ? (*c)[0] + p.components : (*c)[0];
    if (c0 < 0 || c0 >= p.components || p.columns % p.components != 0)
      return std::nullopt;
    p.component = c0;
    return p;
  }

  /// The columns [first, first + count) of a row-major [k, n] matrix.
  static SmallVector<float> columnsOf(ArrayRef<float> m, int64_t k, int64_t n,
                                      int64_t first, int64_t count, bool keep) {
    SmallVector<float> out;
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < n; ++j)
        if ((j >= first && j < first + count) == keep)
          out.push_back(m[i * n + j]);
    return out;
  }

  /// One projection x W_p + b_p: a MatMul, the bias Add if there is one,
  /// the Reshape and the Transpose, built like the fused ones with `cols`
  /// columns, `split` components (0: the component axis is dropped).
  Value buildProjection(FusedProjection &p, ArrayRef<float> w,
                        ArrayRef<float> bias, int64_t cols, int64_t split) {
    MLIRContext *ctx = f.getContext();
    Value x = p.matmul.getA();
    SmallVector<int64_t> shape(shapeOf(p.matmul.getY()));
    shape.back() = cols;
    b.setInsertionPoint(p.matmul);
    auto wConst = b.create<onnx::ConstantOp>(
        p.matmul.getB().getLoc(),
        RankedTensorType::get({p.k, cols}, b.getF32Type()),
        makeF32Attr(ctx, {p.k, cols}, w));
    Value y = b.create<onnx::MatMulOp>(
        p.matmul.getLoc(), tensorType(p.matmul.getY()).clone(shape), x, wConst);
    if (p.bias) {
      auto bConst = b.create<onnx::ConstantOp>(
          p.bias->getLoc(), RankedTensorType::get({cols}, b.getF32Type()),
          makeF32Attr(ctx, {cols}, bias));
      bool biasFirst = static_cast<bool>(
          p.bias->getOperand(1).getDefiningOp<onnx::MatMulOp>());
      Value lhs = biasFirst ? Value(bConst) : y,
            rhs = biasFirst ? y : Value(bConst);
      y = b.create<onnx::AddOp>(p.bias->getLoc(), tensorType(y), lhs, rhs);
    }
    // The Reshape target and the Transpose order without (split == 0) or
    // with a smaller component axis.
    int64_t at = static_cast<int64_t>(shape.size()) - 1;
    SmallVector<int64_t> target(shapeOf(p.reshape.getReshaped()));
    ArrayRef<int64_t> perm = *p.transpose.getPerm();
    SmallVector<int64_t> order;
    if (split == 0) {
      target.erase(target.begin() + at);
      for (int64_t q : perm)
        if (q != at)
          order.push_back(q > at ? q - 1 : q);
    } else {
      target[at] = split;
      order.assign(perm.begin(), perm.end());
    }
    Value r = b.create<onnx::ReshapeOp>(
        p.reshape.getLoc(), tensorType(y).clone(target), y,
        ints({static_cast<int64_t>(target.size())}, target), 0);
    SmallVector<int64_t> permuted;
    for (int64_t q : order)
      permuted.push_back(target[q]);
    return b.create<onnx::TransposeOp>(p.transpose.getLoc(),
                                       tensorType(r).clone(permuted), r,
                                       b.getDenseI64ArrayAttr(order));
  }

  /// Splits the component `g` selects off a fused projection (above): g
  /// is replaced by its own projection, the others keep the rest of the
  /// columns. Returns false if `g` is not such a selection.
  bool splitProjection(onnx::GatherOp g) {
    auto p = matchProjection(g);
    if (!p)
      return false;
    int64_t cols = p->columns / p->components;
    int64_t first = p->component * cols;
    auto bias = [&](bool keep) {
      SmallVector<float> v;
      if (p->bias)
        v = columnsOf(p->biasValues, 1, p->columns, first, cols, keep);
      return v;
    };
    Value own = buildProjection(
        *p, columnsOf(p->weight, p->k, p->columns, first, cols, true),
        bias(true), cols, 0);
    auto componentOf = [&](onnx::GatherOp other) {
      int64_t c = (*getConstantInts(other.getIndices()))[0];
      return c < 0 ? c + p->components : c;
    };
    // The other components (those that `g`'s component does not also
    // feed) read the projection of the remaining columns.
    Value rest;
    if (llvm::any_of(p->transpose->getUsers(), [&](Operation *user) {
          return componentOf(cast<onnx::GatherOp>(user)) != p->component;
        }))
      rest = buildProjection(
          *p, columnsOf(p->weight, p->k, p->columns, first, cols, false),
          bias(false), p->columns - cols, p->components - 1);
    for (Operation *user :
         llvm::make_early_inc_range(p->transpose->getUsers())) {
      auto other = cast<onnx::GatherOp>(user);
      int64_t c = componentOf(other);
      Value replacement = own;
      if (c != p->component) {
        b.setInsertionPoint(other);
        replacement = b.create<onnx::GatherOp>(
            other.getLoc(), other.getType(), rest,
            ints({}, {c > p->component ? c - 1 : c}), other.getAxis());
      }
      other.getResult().replaceAllUsesWith(replacement);
      forget(other);
      other.erase();
    }
    Operation *biasAdd = p->bias;
    p->transpose.erase();
    p->reshape.erase();
    if (biasAdd)
      biasAdd->erase();
    p->matmul.erase();
    ++splitProjections;
    return true;
  }
};

struct DeadTokenElimPass final
    : bnnc::impl::DeadTokenElimBase<DeadTokenElimPass> {
  void runOnOperation() override {
    func::FuncOp f = getOperation();
    int64_t opset = 17;
    if (auto attr = f->getAttrOfType<IntegerAttr>("onnx.opset"))
      opset = attr.getInt();
    auto before = macsPerModule(f);
    Narrower narrower(f, opset);
    // Each step narrows one op and moves the selection to its operands
    // (towards the inputs: a step never creates a selection below the op
    // it narrows that could move again), or splits a fused projection;
    // repeat until no selection moves. Each step keeps the function's
    // meaning, so the cap, a guard against a cycle nobody foresaw, only
    // costs MACs; it warns.
    int64_t ops = 0;
    f.walk([&](Operation *) { ++ops; });
    int64_t steps = 0, maxSteps = 8 * ops + 64;
    for (bool progress = true; progress;) {
      if (++steps > maxSteps) {
        f.emitWarning() << "dead-token-elim: stopped after " << maxSteps
                        << " steps; the remaining selections stay where "
                           "they are";
        break;
      }
      progress = false;
      SmallVector<Value> selected;
      f.walk([&](Operation *op) {
        for (Value v : op->getOperands())
          if (selectionOf(op, v) && !llvm::is_contained(selected, v))
            selected.push_back(v);
      });
      for (Value v : selected)
        if (narrower.narrow(v)) {
          progress = true;
          break;
        }
    }
    if (!narrower.narrowedOps)
      return;
    // Index lists, shapes and the split weights left without a reader.
    f.walk([](onnx::ConstantOp c) {
      if (c->use_empty())
        c->erase();
    });
    Builder b(&getContext());
    SmallVector<Attribute> cuts;
    for (const auto &c : narrower.cuts)
      cuts.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("node", b.getStringAttr(c.node)),
           b.getNamedAttr("rows", b.getI64IntegerAttr(c.rows)),
           b.getNamedAttr("of", b.getI64IntegerAttr(c.of))}));
    f->setAttr(
        "bnn.dead_token_elim",
        b.getDictionaryAttr(
            {b.getNamedAttr("selections", b.getArrayAttr(cuts)),
             b.getNamedAttr("narrowed_ops",
                            b.getI64IntegerAttr(narrower.narrowedOps)),
             b.getNamedAttr("split_projections",
                            b.getI64IntegerAttr(narrower.splitProjections)),
             b.getNamedAttr("macs", macsRecord(b, before, macsPerModule(f)))}));
  }
};

} // namespace
