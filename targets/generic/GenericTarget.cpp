//===- GenericTarget.cpp - Portable C99 kernels ---------------------------===//
//
// The generic target calls the kernels of runtime/bnnc/kernels_f32.h, one
// call per bnn op, with a static const parameter struct holding the shapes.
// It runs anywhere and is the reference the ARM targets are checked against.
//
//===----------------------------------------------------------------------===//

#include "targets/EmitterCore.h"

#include "dialects/bnn/BnnDialect.h"
#include "dialects/onnx/ShapeUtils.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace llvm;

namespace bnnc {
namespace {

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

/// Writes `static const <type> <name> = {.field = value, ...};`.
class ParamStruct {
public:
  ParamStruct(CEmitter &emitter, StringRef type)
      : emitter(emitter), type(type),
        name(emitter.freshName(emitter.currentNodeId() + "_params")) {}

  ParamStruct &field(StringRef key, int64_t value) {
    fields.push_back(("." + key + " = " + Twine(value)).str());
    return *this;
  }
  ParamStruct &floatField(StringRef key, float value) {
    fields.push_back(("." + key + " = " + CEmitter::floatLiteral(value, false))
                         .str());
    return *this;
  }
  ParamStruct &array(StringRef key, ArrayRef<int64_t> values) {
    fields.push_back(("." + key + " = {" +
                      join(map_range(values,
                                     [](int64_t v) { return std::to_string(v); }),
                           ", ") +
                      "}")
                         .str());
    return *this;
  }

  /// Emits the definition, fields packed into lines of at most 80 columns,
  /// and returns "&name" for the kernel call.
  std::string finish() {
    raw_ostream &os = emitter.globals();
    os << "static const " << type << " " << name << " = {";
    size_t column = 80;
    for (const std::string &f : fields) {
      if (column + f.size() + 2 > 78) {
        os << "\n   ";
        column = 3;
      }
      os << " " << f << ",";
      column += f.size() + 2;
    }
    os << "\n};\n\n";
    return "&" + name;
  }

private:
  CEmitter &emitter;
  std::string type, name;
  SmallVector<std::string> fields;
};

class GenericKernels final : public TargetKernels {
public:
  ArrayRef<StringRef> runtimeHeaders() const override {
    static const StringRef headers[] = {"bnnc/kernels_f32.h"};
    return headers;
  }

  LogicalResult emitKernel(Operation *op, CEmitter &e) override {
    return llvm::TypeSwitch<Operation *, LogicalResult>(op)
        .Case([&](bnn::Conv2DOp k) { return conv2d(k, e); })
        .Case([&](bnn::GemmOp k) { return gemm(k, e); })
        .Case([&](bnn::MatMulOp k) { return matmul(k, e); })
        .Case([&](bnn::BinaryOp k) { return binary(k, e); })
        .Case([&](bnn::UnaryOp k) { return unary(k, e); })
        .Case([&](bnn::MaxPool2DOp k) { return maxpool(k, e); })
        .Case([&](bnn::ChannelAffineOp k) { return channelAffine(k, e); })
        .Default([](Operation *o) {
          return o->emitError("the generic target has no kernel for ")
                 << o->getName();
        });
  }

private:
  static void call(CEmitter &e, StringRef fn, ArrayRef<std::string> args) {
    e.body() << "  " << fn << "(" << join(args, ", ") << ");\n";
  }

  static std::string optionalInput(CEmitter &e, Value v, StringRef role) {
    return v ? e.input(v, role) : "NULL";
  }

  LogicalResult conv2d(bnn::Conv2DOp op, CEmitter &e) {
    auto x = shapeOf(op.getInput()), w = shapeOf(op.getWeight());
    auto y = shapeOf(op.getOutput());
    ParamStruct p(e, "bnnc_conv2d_params");
    p.field("n", x[0]).field("c", x[1]).field("h", x[2]).field("w", x[3]);
    p.field("m", w[0]).field("kh", w[2]).field("kw", w[3]);
    p.field("oh", y[2]).field("ow", y[3]);
    p.field("stride_h", op.getStrides()[0]).field("stride_w", op.getStrides()[1]);
    p.field("pad_top", op.getPads()[0]).field("pad_left", op.getPads()[1]);
    p.field("dilation_h", op.getDilations()[0])
        .field("dilation_w", op.getDilations()[1]);
    p.field("group", static_cast<int64_t>(op.getGroup()));
    p.field("relu", int64_t(op.getActivation() == bnn::Activation::relu));
    call(e, "bnnc_conv2d_f32",
         {p.finish(), e.input(op.getInput()), e.input(op.getWeight(), "weight"),
          optionalInput(e, op.getBias(), "bias"), e.output(op.getOutput())});
    return success();
  }

  LogicalResult gemm(bnn::GemmOp op, CEmitter &e) {
    auto y = shapeOf(op.getOutput());
    int64_t k = shapeOf(op.getA())[op.getTransA() ? 0 : 1];
    ParamStruct p(e, "bnnc_gemm_params");
    p.field("m", y[0]).field("n", y[1]).field("k", k);
    p.field("trans_a", int64_t(op.getTransA()))
        .field("trans_b", int64_t(op.getTransB()));
    p.floatField("alpha", op.getAlpha().convertToFloat())
        .floatField("beta", op.getBeta().convertToFloat());
    // C is read through strides of its broadcast to [M, N].
    SmallVector<int64_t> cStrides = {0, 0};
    if (op.getC())
      cStrides = broadcastStrides(shapeOf(op.getC()), y);
    p.field("c_row_stride", cStrides[0]).field("c_col_stride", cStrides[1]);
    p.field("relu", int64_t(op.getActivation() == bnn::Activation::relu));
    call(e, "bnnc_gemm_f32",
         {p.finish(), e.input(op.getA()), e.input(op.getB(), "weight"),
          optionalInput(e, op.getC(), "bias"), e.output(op.getOutput())});
    return success();
  }

  LogicalResult matmul(bnn::MatMulOp op, CEmitter &e) {
    auto a = shapeOf(op.getA()), b = shapeOf(op.getB());
    auto y = shapeOf(op.getOutput());
    ArrayRef<int64_t> batch = y.drop_back(2);
    if (batch.size() > 8)
      return op.emitError("more than 8 batch dimensions");
    ParamStruct p(e, "bnnc_matmul_params");
    p.field("m", a[a.size() - 2]).field("k", a.back()).field("n", b.back());
    p.field("batch_rank", static_cast<int64_t>(batch.size()));
    if (!batch.empty()) {
      // Batch strides count whole matrices; broadcast dimensions stride 0.
      p.array("batch_shape", batch);
      p.array("a_batch_strides", broadcastStrides(a.drop_back(2), batch));
      p.array("b_batch_strides", broadcastStrides(b.drop_back(2), batch));
    }
    call(e, "bnnc_matmul_f32",
         {p.finish(), e.input(op.getA()), e.input(op.getB(), "weight"),
          e.output(op.getOutput())});
    return success();
  }

  LogicalResult binary(bnn::BinaryOp op, CEmitter &e) {
    std::string fn = ("bnnc_" + bnn::stringifyBinaryKind(op.getKind())).str();
    auto y = shapeOf(op.getOutput());
    std::string a = e.input(op.getLhs()), b = e.input(op.getRhs());
    if (shapeOf(op.getLhs()) == y && shapeOf(op.getRhs()) == y) {
      call(e, fn + "_f32",
           {std::to_string(shapeProduct(y)), a, b, e.output(op.getOutput())});
      return success();
    }
    if (y.size() > 8)
      return op.emitError("broadcasting over more than 8 dimensions");
    ParamStruct p(e, "bnnc_broadcast_params");
    p.field("rank", static_cast<int64_t>(y.size()));
    p.array("shape", y);
    p.array("a_strides", broadcastStrides(shapeOf(op.getLhs()), y));
    p.array("b_strides", broadcastStrides(shapeOf(op.getRhs()), y));
    p.field("count", shapeProduct(y));
    call(e, fn + "_bcast_f32", {p.finish(), a, b, e.output(op.getOutput())});
    return success();
  }

  LogicalResult unary(bnn::UnaryOp op, CEmitter &e) {
    std::string fn =
        ("bnnc_" + bnn::stringifyUnaryKind(op.getKind()) + "_f32").str();
    call(e, fn,
         {std::to_string(shapeProduct(shapeOf(op.getInput()))),
          e.input(op.getInput()), e.output(op.getOutput())});
    return success();
  }

  LogicalResult maxpool(bnn::MaxPool2DOp op, CEmitter &e) {
    auto x = shapeOf(op.getInput()), y = shapeOf(op.getOutput());
    ParamStruct p(e, "bnnc_pool2d_params");
    p.field("n", x[0]).field("c", x[1]).field("h", x[2]).field("w", x[3]);
    p.field("oh", y[2]).field("ow", y[3]);
    p.field("kh", op.getKernel()[0]).field("kw", op.getKernel()[1]);
    p.field("stride_h", op.getStrides()[0]).field("stride_w", op.getStrides()[1]);
    p.field("pad_top", op.getPads()[0]).field("pad_left", op.getPads()[1]);
    p.field("dilation_h", op.getDilations()[0])
        .field("dilation_w", op.getDilations()[1]);
    call(e, "bnnc_maxpool2d_f32",
         {p.finish(), e.input(op.getInput()), e.output(op.getOutput())});
    return success();
  }

  LogicalResult channelAffine(bnn::ChannelAffineOp op, CEmitter &e) {
    auto x = shapeOf(op.getInput());
    call(e, "bnnc_channel_affine_f32",
         {std::to_string(x[0]), std::to_string(x[1]),
          std::to_string(shapeProduct(x.drop_front(2))), e.input(op.getInput()),
          e.input(op.getScale(), "scale"), e.input(op.getShift(), "shift"),
          e.output(op.getOutput())});
    return success();
  }
};

} // namespace

std::unique_ptr<TargetKernels> createGenericKernels() {
  return std::make_unique<GenericKernels>();
}

} // namespace bnnc
