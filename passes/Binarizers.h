//===- Binarizers.h - Binarizer recognition and exact-zero analysis -------===//
//
// What the binarize pass asks of the graph before it replaces a float layer
// by a binary kernel:
//  - which ONNX forms are a binarizer b(a) (Sign, Where(a >= 0, 1, -1), ...);
//  - whether the weights are +-alpha per output channel;
//  - whether zero padding sits between the binarizer and the layer;
//  - whether the binarizer's input can be exactly 0, where ONNX Sign gives 0
//    and a +-1 bit cannot (docs/binarization.md, "Sign(0)").
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_PASSES_BINARIZERS_H
#define BNNC_PASSES_BINARIZERS_H

#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>

namespace bnnc {

/// Relative tolerance of "all |w| of an output channel are equal".
constexpr double kDefaultWeightTolerance = 1e-5;

/// Per output channel o of weights laid out [O, rest...]: alpha_o if every
/// |w| of the channel equals alpha_o within `tolerance` (relative) and is
/// non-zero. XNOR-Net's alpha = mean|W| is that common magnitude.
std::optional<llvm::SmallVector<float>>
channelMagnitudes(llvm::ArrayRef<float> w, int64_t outChannels,
                  double tolerance);

/// How a binarizer maps an exact 0.
enum class ZeroImage {
  Plus,  // b(0) = +1, exactly what the binary kernel does
  Minus, // -1 (Where(a > 0, 1, -1))
  Zero,  // 0 (ONNX Sign)
};

/// A recognized binarizer: its real input and scale.
struct Binarizer {
  mlir::Value input;  // a, of which the layer reads b(a)
  float scale = 1.0f; // BipolarQuant's scalar scale
  ZeroImage atZero = ZeroImage::Plus;
};

/// The binarized value a inside the straight-through estimator's forward
/// residue (a - b) + b, or `x` if it is no such residue (the caller checks
/// that a is a binarizer).
mlir::Value stripStraightThrough(mlir::Value x);

/// `x` as a binarizer of its input (also inside a straight-through residue): Sign(a); Where(a >= 0, 1, -1) and
/// Where(a < 0, -1, 1) (b(a) exactly); Where(a > 0, 1, -1); QONNX
/// BipolarQuant(a, s) with a scalar s.
std::optional<Binarizer> matchBinarizer(mlir::Value x);

/// If `x` is Pad(v) in constant mode with value 0 and non-negative pads on
/// the spatial axes (from axis 2) only: v, with the pads appended to `begin`
/// and `end` (one entry per spatial axis, added to what they hold).
mlir::Value peelZeroPad(mlir::Value x, llvm::SmallVectorImpl<int64_t> &begin,
                        llvm::SmallVectorImpl<int64_t> &end);

/// `x` without a constant Pad of +1 or -1 on the spatial axes of a binarizer
/// output (+-1 values padded with +-1: LCE's one-padding), adding its
/// padding to `begin`/`end` and setting `padValue`; `x` itself otherwise.
mlir::Value peelSignPad(mlir::Value x, llvm::SmallVectorImpl<int64_t> &begin,
                        llvm::SmallVectorImpl<int64_t> &end,
                        int64_t &padValue);

struct ZeroAssumptions {
  /// Weight tolerance with which upstream binary layers are recognized.
  double tolerance = kDefaultWeightTolerance;
  /// Graph inputs count as never exactly 0 (the user says so).
  bool nonzeroInputs = false;
};

/// Whether every element of `v` is provably an integer: Sign, Round, a Cast
/// from integers or bool, integral constants, and sums, products and data
/// movement of such values (BiBERT's attention scores and context vectors).
bool isIntegerValued(mlir::Value v, int depth = 0);

/// Whether a layer reading `x` reads a binarizer's +-s (or Sign's 0)
/// values, through a view or zero padding: its sums are exact.
bool readsBinarizedValues(mlir::Value x);

/// Whether `v` takes values from a small finite set (binarizer outputs,
/// integers, constants, a Where between constants, a Concat of such values),
/// through data movement: sums of such values cancel to exactly 0
/// structurally.
bool isDiscreteValued(mlir::Value v);

/// Why the real value `a` can hold an exact 0, or nullopt if it provably
/// cannot (docs/binarization.md lists the rules). With
/// `assume.nonzeroInputs`, a graph input the answer relies on is named in
/// `assumedInput` (for the warning).
std::optional<std::string> exactZeroSource(mlir::Value a,
                                           const ZeroAssumptions &assume,
                                           std::string *assumedInput = nullptr);

} // namespace bnnc

#endif // BNNC_PASSES_BINARIZERS_H
