//===- FuseEpilogues.cpp - Fuse activations into producing kernels --------===//

#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "mlir/IR/Matchers.h"

#include <climits>
#include <cmath>

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "bnnc/kernels_binary.h"
#include "bnnc/kernels_int8.h"

#include <array>
#include <optional>

namespace bnnc {
#define GEN_PASS_DEF_BNNFUSEEPILOGUES
#include "passes/Passes.h.inc"
} // namespace bnnc

using namespace mlir;
using namespace bnnc;

namespace {

/// relu(kernel(x)) -> kernel(x) with activation = relu, when the kernel's
/// result has no other user and no activation yet.
template <typename KernelOp>
struct FuseRelu final : OpRewritePattern<bnn::ElementwiseOp> {
  using OpRewritePattern<bnn::ElementwiseOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(bnn::ElementwiseOp relu,
                                PatternRewriter &rewriter) const override {
    if (relu.getKind() != bnn::ElementwiseKind::Relu)
      return rewriter.notifyMatchFailure(relu, "not a relu");
    auto kernel = relu.getInputs()[0].template getDefiningOp<KernelOp>();
    if (!kernel || !kernel->hasOneUse() ||
        kernel.getActivation() != bnn::Activation::none)
      return rewriter.notifyMatchFailure(relu, "no fusable producer");
    rewriter.modifyOpInPlace(kernel, [&] {
      kernel.setActivation(bnn::Activation::relu);
      kernel->setLoc(rewriter.getFusedLoc({kernel.getLoc(), relu.getLoc()}));
    });
    rewriter.replaceOp(relu, kernel.getOutput());
    return success();
  }
};

/// The binary convolution producing `v`, directly or through one view, when
/// `v` is its only use; per-channel epilogue math is the same on both sides
/// of the view (dense layers view [M, N, 1, 1] as [M, N]: channel axis 1).
bnn::BConv2DOp producingBConv(Value v) {
  Operation *def = v.getDefiningOp();
  if (def && bnn::isView(def) && def->hasOneUse())
    def = def->getOperand(0).getDefiningOp();
  auto conv = dyn_cast_or_null<bnn::BConv2DOp>(def);
  if (!conv || !conv->hasOneUse() || conv.writesBits() ||
      conv.writesQuantized() || conv.getActivation() != bnn::Activation::none)
    return {};
  return conv;
}

/// The bits epilogue of "dot * scale + bias, then sign" per channel, exact
/// for |dot| <= 2^29: the runtime's bnnc_bthreshold_from_affine, run at
/// compile time (its comment has the derivation).
std::pair<int32_t, uint8_t> thresholdOf(float scale, float bias) {
  int32_t threshold = 0;
  uint8_t flip = 0;
  bnnc_bthreshold_from_affine(scale, bias, &threshold, &flip);
  return {threshold, flip};
}

/// pack(bconv(...)) -> bconv with a bits epilogue: consecutive binary layers
/// pass packed bits, never floats. Views between keep the NCHW shape.
struct FusePackIntoBConv final : OpRewritePattern<bnn::PackOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bnn::PackOp pack,
                                PatternRewriter &rewriter) const override {
    Value v = bnn::viewSource(pack.getInput(), /*singleUse=*/true);
    auto conv = v.getDefiningOp<bnn::BConv2DOp>();
    if (!conv || !conv->hasOneUse() || conv.writesBits() ||
        pack.getThreshold() || conv.getActivation() != bnn::Activation::none ||
        v.getType() != pack.getInput().getType())
      return rewriter.notifyMatchFailure(pack, "no float binary conv producer");
    int64_t m = conv.getOutChannels();
    SmallVector<float> scale(m, 1.0f), bias(m, 0.0f);
    if (conv.getScale()) {
      auto s = getConstantFloats(conv.getScale());
      if (!s)
        return rewriter.notifyMatchFailure(pack, "scale is not constant");
      scale = *s;
    }
    if (conv.getBias()) {
      auto b = getConstantFloats(conv.getBias());
      if (!b)
        return rewriter.notifyMatchFailure(pack, "bias is not constant");
      bias = *b;
    }
    SmallVector<int32_t> thresholds;
    SmallVector<uint8_t> flips;
    for (int64_t o = 0; o < m; ++o) {
      auto [t, f] = thresholdOf(scale[o], bias[o]);
      thresholds.push_back(t);
      flips.push_back(f);
    }
    rewriter.setInsertionPoint(conv);
    auto tType = RankedTensorType::get({m}, rewriter.getI32Type());
    auto fType = RankedTensorType::get(
        {m}, IntegerType::get(getContext(), 8, IntegerType::Unsigned));
    Value threshold = rewriter.create<bnn::ConstantOp>(
        conv.getLoc(), tType,
        DenseElementsAttr::get(tType, ArrayRef<int32_t>(thresholds)));
    Value flip = rewriter.create<bnn::ConstantOp>(
        conv.getLoc(), fType,
        DenseElementsAttr::get(fType, ArrayRef<uint8_t>(flips)));
    auto bits = rewriter.create<bnn::BConv2DOp>(
        rewriter.getFusedLoc({conv.getLoc(), pack.getLoc()}),
        pack.getOutput().getType(), conv.getInput(), conv.getWeight(), Value(),
        Value(), threshold, flip, Value(), /*qparams=*/Value(),
        conv.getChannelsAttr(), conv.getKernelAttr(), conv.getStridesAttr(),
        conv.getPadsAttr(), conv.getDilationsAttr(), conv.getGroupAttr(),
        conv.getActivationAttr(), pack.getGroupAttr(), FloatAttr(), FloatAttr(),
        conv.getPadValueAttr());
    rewriter.replaceOp(pack, bits.getOutput());
    return success();
  }
};

/// Per-channel values of a constant that broadcasts only along axis 1 of a
/// rank-`rank` tensor with `channels` channels ([C], [1, C, 1, 1], ...).
std::optional<SmallVector<float>> perChannel(Value v, int64_t channels,
                                             int64_t rank) {
  auto values = getConstantFloats(v);
  auto type = cast<RankedTensorType>(v.getType());
  if (!values)
    return std::nullopt;
  if (values->size() == 1)
    return SmallVector<float>(channels, (*values)[0]);
  auto shape = type.getShape();
  // After right-alignment the channel axis (1) must be the only non-1 dim.
  for (auto [i, d] : llvm::enumerate(shape)) {
    int64_t aligned = rank - static_cast<int64_t>(shape.size()) + i;
    if (d != 1 && (aligned != 1 || d != channels))
      return std::nullopt;
  }
  if (static_cast<int64_t>(values->size()) != channels)
    return std::nullopt;
  return values;
}

/// Replaces `op` by the binary convolution with epilogue
/// dot * (s * scale) + (s * bias + t), seen through the view if any.
void foldAffine(PatternRewriter &rewriter, Operation *op, bnn::BConv2DOp conv,
                ArrayRef<float> s, ArrayRef<float> t) {
  int64_t m = s.size();
  SmallVector<float> scale(m, 1.0f), bias(m, 0.0f);
  if (auto old = getConstantFloats(conv.getScale()))
    scale = *old;
  if (auto old = getConstantFloats(conv.getBias()))
    bias = *old;
  for (int64_t o = 0; o < m; ++o) {
    scale[o] *= s[o];
    bias[o] = s[o] * bias[o] + t[o];
  }
  auto make = [&](ArrayRef<float> values) -> Value {
    auto attr = makeF32Attr(rewriter.getContext(), {m}, values);
    return rewriter.create<bnn::ConstantOp>(conv.getLoc(), attr.getType(),
                                            attr);
  };
  rewriter.setInsertionPoint(conv);
  Value newScale = make(scale), newBias = make(bias);
  rewriter.modifyOpInPlace(conv, [&] {
    conv.getScaleMutable().assign(newScale);
    conv.getBiasMutable().assign(newBias);
    conv->setLoc(rewriter.getFusedLoc({conv.getLoc(), op->getLoc()}));
  });
  rewriter.replaceOp(op, op->getOperand(0));
}

/// BatchNorm (channel_affine) after a binary convolution.
struct FuseAffineIntoBConv final : OpRewritePattern<bnn::ChannelAffineOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bnn::ChannelAffineOp op,
                                PatternRewriter &rewriter) const override {
    auto conv = producingBConv(op.getInput());
    auto s = getConstantFloats(op.getScale());
    auto t = getConstantFloats(op.getShift());
    if (!conv || !s || !t)
      return rewriter.notifyMatchFailure(op, "no binary conv producer");
    foldAffine(rewriter, op, conv, *s, *t);
    return success();
  }
};

/// A per-channel constant scale (XNOR-Net's alpha as a separate Mul) or
/// bias (Add) after a binary convolution.
struct FuseScaleIntoBConv final : OpRewritePattern<bnn::ElementwiseOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bnn::ElementwiseOp op,
                                PatternRewriter &rewriter) const override {
    bool isMul = op.getKind() == bnn::ElementwiseKind::Mul,
         isAdd = op.getKind() == bnn::ElementwiseKind::Add;
    if (!isMul && !isAdd)
      return rewriter.notifyMatchFailure(op, "not mul/add");
    auto outType = cast<RankedTensorType>(op.getOutput().getType());
    for (int k = 0; k < 2; ++k) {
      Value x = op.getInputs()[k], c = op.getInputs()[1 - k];
      auto conv = producingBConv(x);
      if (!conv || x.getType() != outType)
        continue;
      int64_t m =
          cast<RankedTensorType>(conv.getOutput().getType()).getDimSize(1);
      auto values = perChannel(c, m, outType.getRank());
      if (!values)
        continue;
      SmallVector<float> ones(m, 1.0f), zeros(m, 0.0f);
      // foldAffine replaces op by its operand 0; keep x there.
      if (k == 1) {
        rewriter.modifyOpInPlace(op, [&] { op->setOperands({x, c}); });
      }
      foldAffine(rewriter, op, conv, isMul ? ArrayRef<float>(*values) : ones,
                 isMul ? ArrayRef<float>(zeros) : ArrayRef<float>(*values));
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no per-channel constant");
  }
};

/// PRelu with a per-channel constant slope, or a clamp (ONNX Clip lowers to
/// max(x, lo) then min(., hi) with scalar constants), after a binary
/// convolution becomes its epilogue activation.
struct FusePReluOrClampIntoBConv final : OpRewritePattern<bnn::ElementwiseOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bnn::ElementwiseOp op,
                                PatternRewriter &rewriter) const override {
    auto outType = cast<RankedTensorType>(op.getOutput().getType());
    if (op.getKind() == bnn::ElementwiseKind::PRelu) {
      auto conv = producingBConv(op.getInputs()[0]);
      if (!conv || op.getInputs()[0].getType() != outType)
        return rewriter.notifyMatchFailure(op, "no binary conv producer");
      auto slope = perChannel(op.getInputs()[1], conv.getOutChannels(),
                              outType.getRank());
      if (!slope)
        return rewriter.notifyMatchFailure(op, "slope is not per channel");
      auto attr = makeF32Attr(getContext(), {conv.getOutChannels()}, *slope);
      rewriter.setInsertionPoint(conv);
      Value s =
          rewriter.create<bnn::ConstantOp>(op.getLoc(), attr.getType(), attr);
      rewriter.modifyOpInPlace(conv, [&] {
        conv.getSlopeMutable().assign(s);
        conv.setActivation(bnn::Activation::prelu);
        conv->setLoc(rewriter.getFusedLoc({conv.getLoc(), op.getLoc()}));
      });
      rewriter.replaceOp(op, op.getInputs()[0]);
      return success();
    }
    // min(max(conv, lo), hi) with scalar bounds.
    if (op.getKind() != bnn::ElementwiseKind::Min)
      return rewriter.notifyMatchFailure(op, "not prelu or clamp");
    auto lower = op.getInputs()[0].getDefiningOp<bnn::ElementwiseOp>();
    auto hi = getConstantFloats(op.getInputs()[1]);
    if (!lower || lower.getKind() != bnn::ElementwiseKind::Max ||
        !lower->hasOneUse() || !hi || hi->size() != 1)
      return rewriter.notifyMatchFailure(op, "not a clamp");
    auto lo = getConstantFloats(lower.getInputs()[1]);
    auto conv = producingBConv(lower.getInputs()[0]);
    if (!conv || !lo || lo->size() != 1 ||
        lower.getInputs()[0].getType() != outType)
      return rewriter.notifyMatchFailure(op, "clamp without a binary conv");
    rewriter.modifyOpInPlace(conv, [&] {
      conv.setActivation(bnn::Activation::clamp);
      conv.setClampLoAttr(rewriter.getF32FloatAttr((*lo)[0]));
      conv.setClampHiAttr(rewriter.getF32FloatAttr((*hi)[0]));
      conv->setLoc(rewriter.getFusedLoc({conv.getLoc(), op.getLoc()}));
    });
    rewriter.replaceOp(op, lower.getInputs()[0]);
    rewriter.eraseOp(lower);
    return success();
  }
};

/// relu after a binary convolution (through a view for dense layers).
struct FuseReluIntoBConv final : OpRewritePattern<bnn::ElementwiseOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bnn::ElementwiseOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getKind() != bnn::ElementwiseKind::Relu)
      return rewriter.notifyMatchFailure(op, "not a relu");
    auto conv = producingBConv(op.getInputs()[0]);
    if (!conv)
      return rewriter.notifyMatchFailure(op, "no binary conv producer");
    rewriter.modifyOpInPlace(conv, [&] {
      conv.setActivation(bnn::Activation::relu);
      conv->setLoc(rewriter.getFusedLoc({conv.getLoc(), op.getLoc()}));
    });
    rewriter.replaceOp(op, op.getInputs()[0]);
    return success();
  }
};

/// pack(maxpool(x)) -> bmaxpool(pack(x)): b is monotone, so binarizing
/// the maximum equals the maximum (a bitwise AND) of the binarized values.
struct PackBeforeMaxPool final : OpRewritePattern<bnn::PackOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bnn::PackOp pack,
                                PatternRewriter &rewriter) const override {
    auto pool = pack.getInput().getDefiningOp<bnn::MaxPool2DOp>();
    if (!pool || !pool->hasOneUse() || pack.getThreshold())
      return rewriter.notifyMatchFailure(pack, "no single-use max pool");
    auto in = cast<RankedTensorType>(pool.getInput().getType());
    auto out = cast<RankedTensorType>(pack.getOutput().getType());
    int64_t group = pack.getGroup();
    auto bitsType = RankedTensorType::get(
        {in.getDimSize(0), in.getDimSize(2), in.getDimSize(3),
         bnn::packedWords(in.getDimSize(1), group)},
        rewriter.getI32Type());
    Value bits = rewriter.create<bnn::PackOp>(
        pack.getLoc(), bitsType, pool.getInput(), Value(), pack.getGroupAttr());
    rewriter.replaceOpWithNewOp<bnn::BMaxPool2DOp>(
        pack, out, bits, /*or_mask=*/Value(),
        rewriter.getI64IntegerAttr(in.getDimSize(1)), pack.getGroupAttr(),
        pool.getKernelAttr(), pool.getStridesAttr(), pool.getPadsAttr(),
        pool.getDilationsAttr());
    rewriter.eraseOp(pool);
    return success();
  }
};

/// pack(f(maxpool(y))) with f a per-channel affine map z = s_c * y + t_c
/// (BatchNorm after the pool, XNOR-Net's alpha Mul, per-channel Add/Sub, a
/// pack threshold), y from a float binary convolution
/// -> bminmaxpool(pack(f(y)), or_mask = {c : s_c < 0}). For s_c > 0, f is
/// increasing and commutes with max; for s_c < 0 it is decreasing and
/// turns the max into a min, which on bits is an OR instead of an AND; for
/// s_c = 0 every tap gives the same bit. Rounding is monotone too, so this
/// holds for the float f exactly. f then folds into the convolution's
/// epilogue (FuseAffineIntoBConv) and the pack into its threshold epilogue
/// (FusePackIntoBConv): packed bits between the binary layers, whatever
/// order the exporter put the pool and the BatchNorm in.
struct PackBeforeAffineMaxPool final : OpRewritePattern<bnn::PackOp> {
  using OpRewritePattern::OpRewritePattern;

  /// f = (s, t) composed from the pack upwards to the pool, and the ops it
  /// replaces.
  struct AffineChain {
    SmallVector<float> s, t;
    SmallVector<Operation *> ops;
    bnn::MaxPool2DOp pool;

    /// f(g(y)) for the next op g = (gs, gt) is (s * gs) y + (s * gt + t).
    void compose(ArrayRef<float> gs, ArrayRef<float> gt) {
      for (size_t i = 0; i < s.size(); ++i) {
        t[i] = s[i] * gt[i] + t[i];
        s[i] = s[i] * gs[i];
      }
    }
  };

  /// The operand of `def` that f continues through, after composing `def`'s
  /// per-channel affine map into `a`; null if `def` is no such map.
  static Value composeStep(Operation *def, RankedTensorType type,
                           AffineChain &a) {
    int64_t c = type.getDimSize(1);
    if (auto affine = dyn_cast<bnn::ChannelAffineOp>(def)) {
      auto gs = getConstantFloats(affine.getScale());
      auto gt = getConstantFloats(affine.getShift());
      if (!gs || !gt || static_cast<int64_t>(gs->size()) != c ||
          static_cast<int64_t>(gt->size()) != c ||
          affine.getInput().getType() != type)
        return Value();
      a.compose(*gs, *gt);
      return affine.getInput();
    }
    auto ew = dyn_cast<bnn::ElementwiseOp>(def);
    if (!ew || ew.getInputs().size() != 2)
      return Value();
    bnn::ElementwiseKind kind = ew.getKind();
    bool isMul = kind == bnn::ElementwiseKind::Mul,
         isAdd = kind == bnn::ElementwiseKind::Add,
         isSub = kind == bnn::ElementwiseKind::Sub;
    if (!isMul && !isAdd && !isSub)
      return Value();
    SmallVector<float> ones(c, 1.0f), zeros(c, 0.0f);
    for (int k = 0; k < (isSub ? 1 : 2); ++k) {
      Value x = ew.getInputs()[k];
      auto values = perChannel(ew.getInputs()[1 - k], c, type.getRank());
      if (!values || x.getType() != type)
        continue;
      if (isSub)
        for (float &value : *values)
          value = -value;
      a.compose(isMul ? ArrayRef<float>(*values) : ArrayRef<float>(ones),
                isMul ? ArrayRef<float>(zeros) : ArrayRef<float>(*values));
      return x;
    }
    return Value();
  }

  /// Walks single-use per-channel affine ops from the pack up to a max pool.
  static LogicalResult matchChain(bnn::PackOp pack, AffineChain &a,
                                  PatternRewriter &rewriter) {
    auto type = cast<RankedTensorType>(pack.getInput().getType());
    int64_t c = type.getDimSize(1);
    a.s.assign(c, 1.0f);
    a.t.assign(c, 0.0f);
    if (pack.getThreshold()) {
      auto thr = getConstantFloats(pack.getThreshold());
      if (!thr || static_cast<int64_t>(thr->size()) != c)
        return rewriter.notifyMatchFailure(pack, "threshold is not constant");
      for (int64_t i = 0; i < c; ++i)
        a.t[i] = -(*thr)[i]; // b(z - thr): the threshold is a shift
    }
    Value v = pack.getInput();
    while (true) {
      Operation *def = v.getDefiningOp();
      if (!def || !def->hasOneUse())
        return rewriter.notifyMatchFailure(pack, "no single-use affine chain");
      if ((a.pool = dyn_cast<bnn::MaxPool2DOp>(def)))
        return success();
      v = composeStep(def, type, a);
      if (!v)
        return rewriter.notifyMatchFailure(
            pack, "not a per-channel affine op by constants");
      a.ops.push_back(def);
    }
  }

  /// Channels whose map decreases (s_c < 0) pool by min: OR on bits.
  static Value orMaskOf(const AffineChain &a, int64_t group, Location loc,
                        PatternRewriter &rewriter) {
    int64_t c = a.s.size(), words = bnn::packedWords(c, group), cg = c / group,
            wg = words / group;
    SmallVector<int32_t> mask(words, 0);
    bool anyMin = false;
    for (int64_t i = 0; i < c; ++i)
      if (a.s[i] < 0.0f) {
        int64_t j = i % cg;
        mask[(i / cg) * wg + j / 32] |= static_cast<int32_t>(1u << (j % 32));
        anyMin = true;
      }
    if (!anyMin)
      return Value();
    auto maskType = RankedTensorType::get({words}, rewriter.getI32Type());
    return rewriter.create<bnn::ConstantOp>(
        loc, maskType,
        DenseElementsAttr::get(maskType, ArrayRef<int32_t>(mask)));
  }

  LogicalResult matchAndRewrite(bnn::PackOp pack,
                                PatternRewriter &rewriter) const override {
    AffineChain a;
    if (failed(matchChain(pack, a, rewriter)))
      return failure();
    bnn::MaxPool2DOp pool = a.pool;
    if (a.ops.empty() && !pack.getThreshold())
      return rewriter.notifyMatchFailure(pack,
                                         "no affine map (PackBeforeMaxPool)");
    // Only where f folds into a binary convolution's epilogue: elsewhere f
    // would run on the unpooled map.
    if (!producingBConv(pool.getInput()))
      return rewriter.notifyMatchFailure(pack, "no float binary conv producer");

    auto in = cast<RankedTensorType>(pool.getInput().getType());
    int64_t c = in.getDimSize(1);
    rewriter.setInsertionPoint(pack);
    auto f32 = [&](ArrayRef<float> values) -> Value {
      auto attr = makeF32Attr(getContext(), {c}, values);
      return rewriter.create<bnn::ConstantOp>(pool.getLoc(), attr.getType(),
                                              attr);
    };
    SmallVector<Location> locs;
    for (Operation *op : llvm::reverse(a.ops))
      locs.push_back(op->getLoc());
    Location loc = locs.empty() ? pack.getLoc() : rewriter.getFusedLoc(locs);
    Value affine = rewriter.create<bnn::ChannelAffineOp>(
        loc, in, pool.getInput(), f32(a.s), f32(a.t));
    auto bitsType = RankedTensorType::get(
        {in.getDimSize(0), in.getDimSize(2), in.getDimSize(3),
         bnn::packedWords(c, pack.getGroup())},
        rewriter.getI32Type());
    Value bits = rewriter.create<bnn::PackOp>(pack.getLoc(), bitsType, affine,
                                              Value(), pack.getGroupAttr());
    Value orMask = orMaskOf(a, pack.getGroup(), pool.getLoc(), rewriter);
    auto bpool = rewriter.create<bnn::BMaxPool2DOp>(
        pool.getLoc(), pack.getOutput().getType(), bits, orMask,
        rewriter.getI64IntegerAttr(c), pack.getGroupAttr(),
        pool.getKernelAttr(), pool.getStridesAttr(), pool.getPadsAttr(),
        pool.getDilationsAttr());
    rewriter.replaceOp(pack, bpool.getOutput());
    for (Operation *op : a.ops)
      rewriter.eraseOp(op);
    rewriter.eraseOp(pool);
    return success();
  }
};

/// pack(x - t) and pack(x + u) with per-channel constants (ReActNet RSign)
/// -> pack(x) with thresholds t_c = t or -u: x - t < 0 <=> x < t and
/// x + u < 0 <=> x < -u hold exactly in floating point.
struct FoldShiftIntoPack final : OpRewritePattern<bnn::PackOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bnn::PackOp pack,
                                PatternRewriter &rewriter) const override {
    auto shift = pack.getInput().getDefiningOp<bnn::ElementwiseOp>();
    if (!shift || pack.getThreshold() || !shift->hasOneUse() ||
        (shift.getKind() != bnn::ElementwiseKind::Sub &&
         shift.getKind() != bnn::ElementwiseKind::Add))
      return rewriter.notifyMatchFailure(pack, "no per-channel shift");
    auto type = cast<RankedTensorType>(pack.getInput().getType());
    int64_t c = type.getDimSize(1);
    bool isSub = shift.getKind() == bnn::ElementwiseKind::Sub;
    for (int k = 0; k < (isSub ? 1 : 2); ++k) {
      Value x = shift.getInputs()[k], t = shift.getInputs()[1 - k];
      auto values = perChannel(t, c, type.getRank());
      if (!values || x.getType() != type)
        continue;
      if (!isSub)
        for (float &v : *values)
          v = -v;
      auto attr = makeF32Attr(getContext(), {c}, *values);
      Value threshold = rewriter.create<bnn::ConstantOp>(shift.getLoc(),
                                                         attr.getType(), attr);
      rewriter.replaceOpWithNewOp<bnn::PackOp>(
          pack, pack.getOutput().getType(), x, threshold, pack.getGroupAttr());
      return success();
    }
    return rewriter.notifyMatchFailure(pack, "shift is not per channel");
  }
};

/// pack(dequantize(q, s, zp), threshold T) -> pack_quantized(q, threshold
/// t) for a constant per-tensor s > 0 and constant T: the thresholds on the
/// int8 scale. The dequantized value is float32(q - zp) * s, nondecreasing
/// in q, so the q with x < T_c are the q below some t_c; trying each of
/// the 256 values of q at compile time with the same float32 operations
/// finds t_c exactly (bit = q < t_c, t_c one past the type's maximum when
/// every q qualifies). bnn-fuse-qdq makes the threshold-free pack integer;
/// thresholds appear here (FoldShiftIntoPack).
struct ThresholdPackOnIntegers final : OpRewritePattern<bnn::PackOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bnn::PackOp pack,
                                PatternRewriter &rewriter) const override {
    auto dq = pack.getInput().getDefiningOp<bnn::DequantizeOp>();
    if (!pack.getThreshold() || !dq)
      return rewriter.notifyMatchFailure(pack, "no threshold on a dequantize");
    auto element =
        dyn_cast<IntegerType>(tensorType(dq.getInput()).getElementType());
    auto scale = getConstantFloats(dq.getScale());
    auto zps = dq.getZeroPoint() ? getConstantIntsOfType(dq.getZeroPoint())
                                 : SmallVector<int64_t>{0};
    auto thresholds = getConstantFloats(pack.getThreshold());
    if (!element || element.getWidth() != 8 || !scale || scale->size() != 1 ||
        !((*scale)[0] > 0.0f) || !std::isfinite((*scale)[0]) || !zps ||
        zps->size() != 1 || !thresholds)
      return rewriter.notifyMatchFailure(pack, "not a per-tensor int8 input");
    int64_t lo = element.isUnsigned() ? 0 : -128, hi = lo + 255;
    float s = (*scale)[0];
    int64_t zp = (*zps)[0];
    SmallVector<int32_t> integerThresholds;
    for (float t : *thresholds) {
      int64_t first = hi + 1; // the smallest q whose bit is 0
      for (int64_t q = lo; q <= hi; ++q) {
        bool bit = static_cast<float>(q - zp) * s < t;
        if (!bit && first > hi)
          first = q;
        else if (bit && first <= hi)
          return rewriter.notifyMatchFailure(pack, "not monotonic");
      }
      integerThresholds.push_back(static_cast<int32_t>(first));
    }
    auto tType = RankedTensorType::get({(int64_t)integerThresholds.size()},
                                       rewriter.getI32Type());
    Value threshold = rewriter.create<bnn::ConstantOp>(
        pack.getLoc(), tType,
        DenseElementsAttr::get(tType, ArrayRef<int32_t>(integerThresholds)));
    rewriter.replaceOpWithNewOp<bnn::PackQuantizedOp>(
        pack, pack.getType(), dq.getInput(), threshold,
        rewriter.getI64IntegerAttr(zp), pack.getGroupAttr());
    return success();
  }
};

/// pack(LayerNorm(x)) over the last axis -> pack_layernorm(x): the sign of
/// gamma_i * xhat_i + beta_i is (xhat_i < -beta_i / gamma_i) XOR (gamma_i < 0),
/// so neither the division by s nor |gamma| is needed (techniques.md 1.4).
struct FuseLayerNormIntoPack final : OpRewritePattern<bnn::PackOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bnn::PackOp pack,
                                PatternRewriter &rewriter) const override {
    Value v = bnn::viewSource(pack.getInput(), /*singleUse=*/true);
    auto ln = v.getDefiningOp<bnn::LayerNormOp>();
    auto in = cast<RankedTensorType>(pack.getInput().getType());
    if (!ln || !ln->hasOneUse() || pack.getThreshold() ||
        pack.getGroup() != 1 || in.getDimSize(2) != 1 || in.getDimSize(3) != 1)
      return rewriter.notifyMatchFailure(pack, "no LayerNorm producer");
    auto x = cast<RankedTensorType>(ln.getInput().getType());
    int64_t d = x.getShape().back();
    // The pack must see rows of the normalized axis: LN over the last axis
    // only, viewed as [rows, D, 1, 1].
    if (static_cast<int64_t>(ln.getAxis()) != x.getRank() - 1 ||
        in.getDimSize(1) != d)
      return rewriter.notifyMatchFailure(pack, "not rows of the LN axis");
    auto gamma = getConstantFloats(ln.getScale());
    SmallVector<float> beta(d, 0.0f);
    if (ln.getBias()) {
      auto b = getConstantFloats(ln.getBias());
      if (!b)
        return rewriter.notifyMatchFailure(pack, "bias is not constant");
      beta = *b;
    }
    if (!gamma)
      return rewriter.notifyMatchFailure(pack, "scale is not constant");
    SmallVector<float> threshold(d);
    SmallVector<uint8_t> flip(d);
    for (int64_t i = 0; i < d; ++i) {
      float g = (*gamma)[i], b = beta[i];
      if (g == 0.0f) {
        // Constant bit of beta: (x < +inf) is 1 (value -1), (x < -inf) is 0.
        threshold[i] = b < 0.0f ? INFINITY : -INFINITY;
        flip[i] = 0;
      } else {
        threshold[i] = -b / g;
        flip[i] = g < 0.0f;
      }
    }
    rewriter.setInsertionPoint(pack);
    auto tAttr = makeF32Attr(getContext(), {d}, threshold);
    auto fType = RankedTensorType::get(
        {d}, IntegerType::get(getContext(), 8, IntegerType::Unsigned));
    Value t =
        rewriter.create<bnn::ConstantOp>(ln.getLoc(), tAttr.getType(), tAttr);
    Value f = rewriter.create<bnn::ConstantOp>(
        ln.getLoc(), fType,
        DenseElementsAttr::get(fType, ArrayRef<uint8_t>(flip)));
    rewriter.replaceOpWithNewOp<bnn::PackLayerNormOp>(
        pack, pack.getOutput().getType(), ln.getInput(), t, f,
        ln.getEpsilonAttr());
    return success();
  }
};

/// Two packs of the same tensor (binarize packs a binarized tensor once per
/// binary consumer) -> one. Then a tensor that feeds several binary layers
/// is a single-use chain for the fusions above (pool on bits, threshold
/// epilogues). Only packs are merged here: merging other identical ops
/// (two binary layers with one input and one filter) before their epilogues
/// are fused would leave one conv with two different epilogues to fuse.
struct MergeDuplicatePacks final : OpRewritePattern<bnn::PackOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bnn::PackOp pack,
                                PatternRewriter &rewriter) const override {
    for (Operation *user : pack.getInput().getUsers()) {
      auto other = dyn_cast<bnn::PackOp>(user);
      if (!other || other == pack || other->getBlock() != pack->getBlock() ||
          !other->isBeforeInBlock(pack) ||
          other->getOperands() != pack->getOperands() ||
          other->getAttrDictionary() != pack->getAttrDictionary() ||
          other.getOutput().getType() != pack.getOutput().getType())
        continue;
      rewriter.replaceOp(pack, other.getOutput());
      return success();
    }
    return rewriter.notifyMatchFailure(pack, "no earlier identical pack");
  }
};

/// The int8 epilogue (bnnc_bq8_apply: mul, add, shift, lo, hi) whose result
/// equals target[i] at dot = dots[i] for every i (the reachable dots, all
/// of them in [-k, k]), with dot * mul + add in [0, 2^31) for every dot in
/// [-k, k]; nullopt when none of the candidates fits. `slope` is the
/// real slope of the quantized value in the dot (epilogue scale over
/// quantization scale): the multiplier is mul / 2^shift rounded from it,
/// tried at the largest shifts the bounds allow and one or two units either
/// side; the addend then has to lie in the intersection of one interval per
/// dot, found exactly in 64-bit integers.
std::optional<std::array<int32_t, 5>>
int8EpilogueParams(ArrayRef<int64_t> dots, ArrayRef<int32_t> target, int64_t k,
                   double slope) {
  int64_t qmin = *llvm::min_element(target), qmax = *llvm::max_element(target);
  const int64_t limit = int64_t(1) << 31;
  if (!std::isfinite(slope) || k > (int64_t(1) << 20))
    return std::nullopt;
  int tried = 0;
  for (int shift = 30; shift >= 0 && tried < 3; --shift) {
    const int64_t unit = int64_t(1) << shift, offset = int64_t(1) << 30;
    const double ideal = std::ldexp(slope, shift);
    if (std::fabs(ideal) * static_cast<double>(k) > std::ldexp(1.0, 29) ||
        (std::max(std::abs(qmin), std::abs(qmax)) + 1) * unit > offset)
      continue;
    ++tried;
    const int64_t base = std::llround(ideal);
    for (int64_t delta : {0, 1, -1, 2, -2}) {
      const int64_t mul = qmin == qmax ? 0 : base + delta;
      if (std::abs(mul) * k > (int64_t(1) << 29))
        continue;
      // x = d * mul + add; floor(x / unit) - 2^(30 - shift) must be
      // target[d], or at most qmin / at least qmax where it is clamped.
      // x in [0, 2^31) at both ends of [-k, k], so everywhere between.
      int64_t addLo = std::max(k * mul, -k * mul),
              addHi = limit - 1 - std::max(k * mul, -k * mul);
      for (size_t i = 0; i < dots.size() && addLo <= addHi; ++i) {
        const int64_t t = target[i], dm = dots[i] * mul;
        const int64_t low = t * unit + offset, high = low + unit - 1;
        if (t > qmin || qmin == qmax)
          addLo = std::max(addLo, low - dm);
        if (t < qmax || qmin == qmax)
          addHi = std::min(addHi, high - dm);
      }
      if (addLo <= addHi)
        return std::array<int32_t, 5>{
            static_cast<int32_t>(mul),
            static_cast<int32_t>(addLo + (addHi - addLo) / 2),
            static_cast<int32_t>(shift), static_cast<int32_t>(qmin),
            static_cast<int32_t>(qmax)};
      if (qmin == qmax)
        break;
    }
  }
  return std::nullopt;
}

/// quantize(bconv2d(x)) with a float epilogue -> bconv2d(x) with the int8
/// epilogue: the binary layer writes the int8 tensor itself, with no float
/// tensor and no float operation (an M0+ has no FPU). The quantized value
/// of each dot is the float epilogue's bnnc_bfloat_apply followed by
/// bnnc_quantize_f32_*'s steps, evaluated here with the runtime's own
/// functions on every dot the layer can produce (K = kh * kw * C / group
/// bounds |dot| with any padding; dot = K_valid - 2 * popcount has the
/// parity of K when every window has K_valid = K taps, when C / group is
/// even, or with +-1 padding, where every tap counts); the integer form
/// must reproduce all of them, or the layer keeps its float epilogue and
/// the quantize. Per-tensor scales, or per channel along axis 1.
struct QuantizeBConvOutput final : OpRewritePattern<bnn::QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bnn::QuantizeOp q,
                                PatternRewriter &rewriter) const override {
    auto conv = q.getInput().getDefiningOp<bnn::BConv2DOp>();
    if (!conv || !conv->hasOneUse() || conv.writesBits() ||
        conv.writesQuantized())
      return rewriter.notifyMatchFailure(q, "no float binary convolution");
    int64_t m = conv.getOutChannels();
    auto scales = getConstantFloats(q.getScale());
    auto zps = q.getZeroPoint() ? getConstantIntsOfType(q.getZeroPoint())
                                : SmallVector<int64_t>{0};
    auto perChannel = [&](size_t n) { return n == 1 || (int64_t)n == m; };
    if (!scales || !zps || !perChannel(scales->size()) ||
        !perChannel(zps->size()) ||
        ((scales->size() > 1 || zps->size() > 1) && q.getAxis() != 1))
      return rewriter.notifyMatchFailure(q, "not per tensor or per channel");
    auto optional = [&](Value v) {
      return v ? getConstantFloats(v) : std::optional<SmallVector<float>>{};
    };
    std::optional<SmallVector<float>> scale = optional(conv.getScale()),
                                      bias = optional(conv.getBias()),
                                      slope = optional(conv.getSlope());
    if ((conv.getScale() && !scale) || (conv.getBias() && !bias) ||
        (conv.getSlope() && !slope))
      return rewriter.notifyMatchFailure(q, "epilogue is not constant");
    bnnc_bfloat_epilogue fe{};
    fe.scale = scale ? scale->data() : nullptr;
    fe.bias = bias ? bias->data() : nullptr;
    fe.slope = slope ? slope->data() : nullptr;
    switch (conv.getActivation()) {
    case bnn::Activation::relu:
      fe.activation = BNNC_BACT_RELU;
      break;
    case bnn::Activation::prelu:
      fe.activation = BNNC_BACT_PRELU;
      break;
    case bnn::Activation::clamp:
      fe.activation = BNNC_BACT_CLAMP;
      fe.clamp_lo = conv.getClampLo()->convertToFloat();
      fe.clamp_hi = conv.getClampHi()->convertToFloat();
      break;
    default:
      fe.activation = BNNC_BACT_NONE;
    }
    bool isUnsigned =
        tensorType(q.getOutput()).getElementType().isUnsignedInteger();
    int32_t lo = isUnsigned ? 0 : -128, hi = isUnsigned ? 255 : 127;
    const int64_t k = conv.getKernel()[0] * conv.getKernel()[1] *
                      (conv.getChannels() / conv.getGroup());
    const bool zeroPads =
        llvm::all_of(conv.getPads(), [](int64_t p) { return p == 0; });
    const int64_t step = (conv.getChannels() / conv.getGroup()) % 2 == 0 ||
                                 conv.padValue() != 0 || zeroPads
                             ? 2
                             : 1;
    SmallVector<int64_t> dots;
    for (int64_t d = -k; d <= k; d += step)
      dots.push_back(d);
    SmallVector<int32_t> params, target(dots.size());
    for (int64_t o = 0; o < m; ++o) {
      const float s = (*scales)[scales->size() == 1 ? 0 : o];
      const int32_t zp = static_cast<int32_t>((*zps)[zps->size() == 1 ? 0 : o]);
      if (!(s > 0.0f) || !std::isfinite(s))
        return rewriter.notifyMatchFailure(q, "scale is not positive");
      for (auto [i, d] : llvm::enumerate(dots)) {
        // The float epilogue, then bnnc_quantize_f32_*'s steps.
        volatile float v = bnnc_bfloat_apply(&fe, static_cast<int32_t>(o),
                                             static_cast<int32_t>(d));
        volatile float t = v / s;
        float r = q.getRoundAway() ? std::round(static_cast<float>(t))
                                   : bnnc_round_half_even_f32(t);
        target[i] = bnnc_saturate_q(r, zp, lo, hi);
      }
      double epilogueScale = fe.scale ? fe.scale[o] : 1.0;
      auto found = int8EpilogueParams(dots, target, k, epilogueScale / s);
      if (!found)
        return rewriter.notifyMatchFailure(q, "no exact integer form");
      params.append(found->begin(), found->end());
    }
    auto pType = RankedTensorType::get({m, 5}, rewriter.getI32Type());
    rewriter.setInsertionPoint(conv);
    Value qparams = rewriter.create<bnn::ConstantOp>(
        conv.getLoc(), pType,
        DenseElementsAttr::get(pType, ArrayRef<int32_t>(params)));
    auto fused = rewriter.create<bnn::BConv2DOp>(
        rewriter.getFusedLoc({conv.getLoc(), q.getLoc()}), q.getType(),
        conv.getInput(), conv.getWeight(), Value(), Value(), Value(), Value(),
        Value(), qparams, conv.getChannelsAttr(), conv.getKernelAttr(),
        conv.getStridesAttr(), conv.getPadsAttr(), conv.getDilationsAttr(),
        conv.getGroupAttr(),
        bnn::ActivationAttr::get(getContext(), bnn::Activation::none),
        conv.getOutGroupAttr(), FloatAttr(), FloatAttr(),
        conv.getPadValueAttr());
    rewriter.replaceOp(q, fused.getOutput());
    rewriter.eraseOp(conv);
    return success();
  }
};

struct BnnFuseEpiloguesPass final
    : bnnc::impl::BnnFuseEpiloguesBase<BnnFuseEpiloguesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseRelu<bnn::Conv2DOp>, FuseRelu<bnn::GemmOp>,
                 FuseAffineIntoBConv, FuseScaleIntoBConv, FuseReluIntoBConv,
                 FusePackIntoBConv, PackBeforeMaxPool, PackBeforeAffineMaxPool,
                 MergeDuplicatePacks, FoldShiftIntoPack,
                 ThresholdPackOnIntegers, FuseLayerNormIntoPack,
                 FusePReluOrClampIntoBConv, QuantizeBConvOutput>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
