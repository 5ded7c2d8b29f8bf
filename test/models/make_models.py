#!/usr/bin/python3
"""Builds the float end-to-end test models of bnnc and their reference data.

Run with Debian's Python (it has torch and onnx):  /usr/bin/python3 make_models.py
Writes, per model, <name>/model.onnx and <name>/test_data_set_0/{input,output}_N.pb
in the layout of the ONNX backend node tests. The generated files are committed,
so the tests never need torch. Seeds are fixed; re-running reproduces them
(up to PyTorch version differences).
"""
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


class SmallCnn(nn.Module):
    """Conv-BN-ReLU-MaxPool twice, then a classifier: the classic float CNN."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.conv3 = nn.Conv2d(16, 16, 3, groups=4, padding=(1, 2), dilation=(1, 2))
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = self.pool(torch.relu(self.bn2(self.conv2(x))))
        x = torch.relu(self.conv3(x))
        return self.fc(torch.flatten(x, 1))


class SmallMlp(nn.Module):
    """Batched MatMul+Add, Gemm, BatchNorm1d, Sign, broadcasting Mul; 2 outputs."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 32)
        self.fc2 = nn.Linear(96, 48)
        self.bn = nn.BatchNorm1d(48)
        self.fc3 = nn.Linear(48, 10)
        self.gain = nn.Parameter(torch.linspace(0.5, 1.5, 10))

    def forward(self, x):
        h = torch.relu(self.fc1(x))            # [N, 3, 32] via MatMul + Add
        h = h.reshape(h.shape[0], 96)          # Reshape
        h = torch.relu(self.bn(self.fc2(h)))   # Gemm + BatchNormalization
        logits = self.fc3(h) * self.gain       # Gemm + broadcast Mul
        return logits, torch.sign(logits)


class OpsMix(nn.Module):
    """Operators that the ONNX node tests do not cover with supported types:
    Cast, CumSum, LayerNormalization (opset 17, one output), TopK, Erf (GELU),
    HardSwish, Round, Where, Gather, Expand, Tile, Slice, Softmax, Split,
    Transpose and reductions, in one graph with several outputs."""

    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(8)
        self.fc = nn.Linear(8, 8)

    def forward(self, x, idx):
        h = self.norm(x)                                   # [2, 4, 8]
        h = nn.functional.gelu(self.fc(h))                  # Erf form
        h = nn.functional.hardswish(h) + torch.round(h * 4)
        c = torch.cumsum(h, dim=1)
        values, indices = torch.topk(c, 3, dim=-1)
        gathered = torch.index_select(h, 2, idx)            # Gather, int64 ids
        counts = (h > 0).to(torch.int32).sum(dim=-1)        # Cast + ReduceSum
        masked = torch.where(h > 0.1, h, torch.zeros_like(h))
        # Edge padding by hand (F.pad exports a pads subgraph that ONNX's
        # shape inference cannot evaluate).
        padded = torch.cat([masked[..., :1], masked, masked[..., -2:]], dim=-1)
        a, b = torch.split(padded, [5, 6], dim=-1)
        mixed = torch.softmax(a.permute(0, 2, 1), dim=1).mean(dim=2)
        tiled = b[:, :1, :2].repeat(1, 3, 2).expand(2, 3, 4)
        return values, indices, gathered, counts, mixed, tiled


class LayerNormSign(nn.Module):
    """BiBERT-style: sign(LayerNorm(x)) into a binary linear layer, with
    negative and zero gammas (the flip and constant-bit cases)."""

    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(40)
        self.weight = nn.Parameter(torch.randn(12, 40))

    def forward(self, x):
        return torch.sign(self.norm(x)) @ torch.sign(self.weight).t()


def train_briefly(model, x, classes, steps=30):
    """A few optimizer steps so BN statistics and weights are not at init."""
    torch.manual_seed(1)
    y = torch.randint(0, classes, (x.shape[0],))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        out = model(x)
        out = out[0] if isinstance(out, tuple) else out
        nn.functional.cross_entropy(out, y).backward()
        opt.step()
    model.eval()


def export(model, name, example, input_names, output_names, opset=13,
           dynamic_axes=None):
    directory = os.path.join(HERE, name)
    data = os.path.join(directory, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    path = os.path.join(directory, "model.onnx")
    # PRESERVE (of eval mode) keeps BatchNormalization in the graph instead
    # of fusing it into the Conv, so bnnc's own BN folding is what gets tested.
    torch.onnx.export(model, example, path, opset_version=opset,
                      input_names=input_names, output_names=output_names,
                      training=torch.onnx.TrainingMode.PRESERVE,
                      dynamic_axes=dynamic_axes)
    onnx.checker.check_model(onnx.load(path))
    with torch.no_grad():
        inputs = example if isinstance(example, tuple) else (example,)
        outputs = model(*inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    for i, (n, t) in enumerate(zip(input_names, inputs)):
        save(os.path.join(data, "input_%d.pb" % i), t, n)
    for i, (n, t) in enumerate(zip(output_names, outputs)):
        save(os.path.join(data, "output_%d.pb" % i), t, n)
    print("wrote", path)


def save(path, tensor, name):
    array = tensor.detach().numpy()
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    proto = numpy_helper.from_array(array, name)
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())


def make_binary_shapes():
    """Binary layers in the shapes the kernels must get exactly right:
    grouped and depthwise convolutions, stride 2, dilation 2, asymmetric
    zero padding, channel counts that are not multiples of 32, a 1-D conv,
    and a 2-D conv feeding another one directly (packed bits between).
    Built with onnx.helper; the reference is computed with torch.nn.functional
    in float64 from the same +-1 arithmetic."""
    from onnx import TensorProto, helper
    import torch.nn.functional as F
    rng = np.random.default_rng(7)
    directory = os.path.join(HERE, "binary_shapes")
    data = os.path.join(directory, "test_data_set_0")
    os.makedirs(data, exist_ok=True)

    def pm1(shape, alpha=None):
        w = np.where(rng.standard_normal(shape) < 0, -1.0, 1.0)
        if alpha is not None:
            w = w * np.asarray(alpha).reshape(-1, *([1] * (len(shape) - 1)))
        return w.astype(np.float32)

    x = rng.standard_normal((3, 36, 9, 7)).astype(np.float32)
    w1 = pm1((36, 3, 3, 3), alpha=rng.uniform(0.5, 2.0, 36))   # 12 groups
    b1 = rng.uniform(-0.3, 0.3, 36).astype(np.float32) + 0.01
    w2 = pm1((40, 1, 3, 3))                                     # depthwise x
    w2 = np.concatenate([w2[:36]], 0)                           # 36 = group
    b2 = rng.uniform(0.05, 0.2, 36).astype(np.float32)
    w3 = pm1((5, 36 * 2, 1))                                    # 1-D conv
    xs = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))
    nodes = [
        helper.make_node("Sign", ["x"], ["s0"], name="sign0"),
        helper.make_node("Conv", ["s0", "w1", "b1"], ["c1"], name="grouped",
                         group=12, strides=[2, 1], dilations=[1, 2],
                         pads=[1, 0, 2, 1]),
        helper.make_node("Sign", ["c1"], ["s1"], name="sign1"),
        helper.make_node("Conv", ["s1", "w2", "b2"], ["c2"], name="depthwise",
                         group=36, pads=[1, 1, 1, 1]),
        helper.make_node("Sign", ["c2"], ["s2"], name="sign2"),
        helper.make_node("Reshape", ["s2", "shape1d"], ["r"], name="to1d"),
        helper.make_node("Conv", ["r", "w3"], ["y"], name="conv1d",
                         strides=[2], pads=[0, 1]),
    ]
    # Shapes: c1 and c2 [3, 36, 5, 4]; r [3, 72, 10]; y [3, 5, 6].
    c1 = F.conv2d(torch.sign(torch.tensor(x, dtype=torch.float64)),
                  torch.tensor(w1, dtype=torch.float64),
                  torch.tensor(b1, dtype=torch.float64), stride=(2, 1),
                  dilation=(1, 2), groups=12,
                  padding=0)
    # ONNX pads [top, left, bottom, right] = [1, 0, 2, 1]: pad explicitly.
    xp = F.pad(torch.sign(torch.tensor(x, dtype=torch.float64)), (0, 1, 1, 2))
    c1 = F.conv2d(xp, torch.tensor(w1, dtype=torch.float64),
                  torch.tensor(b1, dtype=torch.float64), stride=(2, 1),
                  dilation=(1, 2), groups=12)
    c2 = F.conv2d(torch.sign(c1), torch.tensor(w2, dtype=torch.float64),
                  torch.tensor(b2, dtype=torch.float64), padding=1, groups=36)
    n, c, h, w = c2.shape
    r = torch.sign(c2).reshape(n, c * 2, (h * w) // 2)
    y = F.conv1d(F.pad(r, (0, 1)), torch.tensor(w3, dtype=torch.float64),
                 stride=2)
    shape1d = np.array([n, c * 2, (h * w) // 2], np.int64)
    ys = helper.make_tensor_value_info("y", TensorProto.FLOAT, list(y.shape))
    inits = [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
             numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2"),
             numpy_helper.from_array(w3, "w3"),
             numpy_helper.from_array(shape1d, "shape1d")]
    graph = helper.make_graph(nodes, "binary_shapes", [xs], [ys], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(directory, "model.onnx"))
    save(os.path.join(data, "input_0.pb"), torch.tensor(x), "x")
    save(os.path.join(data, "output_0.pb"), y.float(), "y")
    print("wrote", directory)


def make_bipolar_quant():
    """A QONNX/Brevitas-style binarized net: BipolarQuant (domain
    qonnx.custom_op.general, y = (x >= 0 ? 1 : -1) * scale) on activations,
    +-1 conv and dense weights. Reference in float64 with torch."""
    from onnx import TensorProto, helper
    import torch.nn.functional as F
    rng = np.random.default_rng(11)
    directory = os.path.join(HERE, "bipolar_quant")
    data = os.path.join(directory, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    x = rng.standard_normal((2, 4, 5, 5)).astype(np.float32)
    w = np.where(rng.standard_normal((6, 4, 3, 3)) < 0, -1.0, 1.0).astype(np.float32)
    b = rng.uniform(-0.5, 0.5, 6).astype(np.float32) + 0.01
    wd = np.where(rng.standard_normal((150, 3)) < 0, -1.0, 1.0).astype(np.float32)

    def bipolar(t, scale):
        return torch.where(t >= 0, 1.0, -1.0).double() * scale

    t = torch.tensor(x, dtype=torch.float64)
    c = F.conv2d(bipolar(t, 1.0), torch.tensor(w, dtype=torch.float64),
                 torch.tensor(b, dtype=torch.float64), padding=1)
    y = bipolar(c, 0.5).reshape(2, 150) @ torch.tensor(wd, dtype=torch.float64)
    q = "qonnx.custom_op.general"
    nodes = [
        helper.make_node("BipolarQuant", ["x", "s1"], ["q1"], name="quant1", domain=q),
        helper.make_node("Conv", ["q1", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BipolarQuant", ["c", "s2"], ["q2"], name="quant2", domain=q),
        helper.make_node("Flatten", ["q2"], ["f"], name="flatten"),
        helper.make_node("MatMul", ["f", "wd"], ["y"], name="dense"),
    ]
    f32 = TensorProto.FLOAT
    graph = helper.make_graph(
        nodes, "bipolar_quant",
        [helper.make_tensor_value_info("x", f32, [2, 4, 5, 5])],
        [helper.make_tensor_value_info("y", f32, [2, 3])],
        [numpy_helper.from_array(np.array(1.0, np.float32), "s1"),
         numpy_helper.from_array(np.array(0.5, np.float32), "s2"),
         numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b"),
         numpy_helper.from_array(wd, "wd")],
        value_info=[helper.make_tensor_value_info("q1", f32, [2, 4, 5, 5]),
                    helper.make_tensor_value_info("q2", f32, [2, 6, 5, 5])])
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 13), helper.make_opsetid(q, 1)])
    onnx.save(model, os.path.join(directory, "model.onnx"))
    save(os.path.join(data, "input_0.pb"), torch.tensor(x), "x")
    save(os.path.join(data, "output_0.pb"), y.float(), "y")
    print("wrote", directory)


def make_binary_epilogues():
    """Binary convs whose PRelu and Clip fold into the kernel epilogue."""
    from onnx import TensorProto, helper
    import torch.nn.functional as F
    rng = np.random.default_rng(13)
    directory = os.path.join(HERE, "binary_epilogues")
    data = os.path.join(directory, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    x = rng.standard_normal((2, 5, 4, 4)).astype(np.float32)
    w = np.where(rng.standard_normal((3, 5, 3, 3)) < 0, -1.0, 1.0).astype(np.float32)
    slope = np.array([0.25, 0.5, 0.125], np.float32).reshape(3, 1, 1)
    t = torch.sign(torch.tensor(x, dtype=torch.float64))
    c = F.conv2d(t, torch.tensor(w, dtype=torch.float64), padding=1)
    p = torch.where(c < 0, c * torch.tensor(slope, dtype=torch.float64), c)
    q = torch.clamp(c, -4.0, 6.0)
    f32 = TensorProto.FLOAT
    nodes = [
        helper.make_node("Sign", ["x"], ["s"], name="sign"),
        helper.make_node("Conv", ["s", "w"], ["c0"], name="conv_prelu", pads=[1, 1, 1, 1]),
        helper.make_node("PRelu", ["c0", "slope"], ["p"], name="prelu"),
        helper.make_node("Conv", ["s", "w"], ["c1"], name="conv_clip", pads=[1, 1, 1, 1]),
        helper.make_node("Clip", ["c1", "lo", "hi"], ["q"], name="clip"),
    ]
    graph = helper.make_graph(
        nodes, "binary_epilogues",
        [helper.make_tensor_value_info("x", f32, [2, 5, 4, 4])],
        [helper.make_tensor_value_info("p", f32, [2, 3, 4, 4]),
         helper.make_tensor_value_info("q", f32, [2, 3, 4, 4])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(slope, "slope"),
         numpy_helper.from_array(np.array(-4.0, np.float32), "lo"),
         numpy_helper.from_array(np.array(6.0, np.float32), "hi")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(directory, "model.onnx"))
    save(os.path.join(data, "input_0.pb"), torch.tensor(x), "x")
    save(os.path.join(data, "output_0.pb"), p.float(), "p")
    save(os.path.join(data, "output_1.pb"), q.float(), "q")
    print("wrote", directory)


def make_bad_models():
    """Small invalid or unsupported models for the diagnostics tests."""
    from onnx import TensorProto, helper
    bad = os.path.join(HERE, "bad")
    os.makedirs(bad, exist_ok=True)

    def save_model(name, nodes, inputs, outputs, opsets=(("", 13),), inits=()):
        graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])
        onnx.save(model, os.path.join(bad, name + ".onnx"))

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    save_model("unsupported_op", [helper.make_node("Hardmax", ["x"], ["y"], name="hm0")],
               [x], [y])
    save_model("custom_domain",
               [helper.make_node("Frobnicate", ["x"], ["y"], name="frob0",
                                 domain="com.example")],
               [x], [y], opsets=(("", 13), ("com.example", 1)))
    xn = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])
    yn = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])
    save_model("dynamic_batch", [helper.make_node("Relu", ["x"], ["y"], name="relu0")],
               [xn], [yn])
    # One symbolic dimension among fixed ones: --input-shape may bind W only.
    xw = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 48, "W"])
    yw = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 48, "W"])
    save_model("symbolic_width", [helper.make_node("Relu", ["image"], ["y"], name="relu0")],
               [xw], [yw])
    # Conv with 3-D spatial input: valid ONNX, but bnnc has 1-D and 2-D only.
    x3 = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4, 4])
    y3 = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 2, 2, 2])
    w3 = numpy_helper.from_array(np.ones((3, 2, 3, 3, 3), np.float32), "w")
    save_model("conv3d", [helper.make_node("Conv", ["x", "w"], ["y"], name="conv3d0")],
               [x3], [y3], inits=[w3])
    # float64 at run time: bnnc's kernels are float32 and integer only.
    xd = helper.make_tensor_value_info("x", TensorProto.DOUBLE, [3])
    yd = helper.make_tensor_value_info("y", TensorProto.DOUBLE, [3])
    save_model("double_add", [helper.make_node("Add", ["x", "x"], ["y"], name="add0")],
               [xd], [yd])
    # Opset 18 changed operators bnnc models after opset 17 (Reduce* axes).
    save_model("opset18", [helper.make_node("Relu", ["x"], ["y"], name="relu0")],
               [x], [y], opsets=(("", 18),))
    # A node input that nothing produces (a missing initializer).
    save_model("missing_initializer",
               [helper.make_node("Add", ["x", "bias"], ["y"], name="add0")],
               [x], [y])
    # Two nodes feeding each other: not a DAG.
    save_model("cycle", [helper.make_node("Relu", ["t1"], ["t0"], name="a"),
                         helper.make_node("Relu", ["t0"], ["t1"], name="b"),
                         helper.make_node("Add", ["x", "t1"], ["y"], name="c")],
               [x], [y])
    # Sign into weights that are not +-alpha per channel: stays real, with a
    # warning and a note in --report.
    w = numpy_helper.from_array(np.array([[1.0, -1.0], [1.5, 1.0], [1, 1],
                                          [-1, 1]], np.float32), "w")
    y2 = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    save_model("sign_not_binary",
               [helper.make_node("Sign", ["x"], ["s"], name="sign0"),
                helper.make_node("MatMul", ["s", "w"], ["y"], name="dense0")],
               [x], [y2], inits=[w])
    make_malformed_models(bad)
    print("wrote", bad)


def make_malformed_models(bad):
    """Models that are broken (or absurd) on purpose, one defect each, for
    test/errors/malformed.test. They bypass onnx.checker: each must be
    rejected by bnnc with one line naming the node, op or tensor."""
    from onnx import TensorProto, helper
    f32 = TensorProto.FLOAT

    def vi(name, shape, dtype=f32):
        return helper.make_tensor_value_info(name, dtype, shape)

    def save(name, nodes, inputs, outputs, inits=(), opsets=(("", 13),),
             edit=None):
        graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])
        if edit:
            edit(model)
        onnx.save(model, os.path.join(bad, name + ".onnx"))

    def tensor(name, dtype, dims, raw=None, floats=None):
        # Built field by field: helper.make_tensor refuses inconsistent data.
        t = TensorProto(name=name, data_type=dtype, dims=dims)
        if raw is not None:
            t.raw_data = raw
        if floats is not None:
            t.float_data.extend(floats)
        return t

    x, y = vi("x", [1, 4]), vi("y", [1, 4])
    relu = helper.make_node("Relu", ["x"], ["y"], name="relu0")

    # Not a model at all: fixed pseudo-random bytes behind a PNG signature.
    rng = np.random.default_rng(8)
    with open(os.path.join(bad, "garbage.onnx"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + rng.integers(0, 256, 200, np.uint8).tobytes())

    # Dangling names: a graph output nothing produces.
    save("dangling_output", [relu], [x], [y, vi("z", [1, 4])])

    # Initializer data that does not match its shape (raw bytes, typed values).
    w = tensor("w", f32, [2, 3], raw=np.zeros(5, np.float32).tobytes())
    save("init_raw_size", [helper.make_node("MatMul", ["x2", "w"], ["y"], name="mm0")],
         [vi("x2", [1, 2])], [vi("y", [1, 3])], inits=[w])
    w = tensor("w", f32, [2, 3], floats=[1.0] * 7)
    save("init_value_count", [helper.make_node("MatMul", ["x2", "w"], ["y"], name="mm0")],
         [vi("x2", [1, 2])], [vi("y", [1, 3])], inits=[w])

    # Negative, zero and huge dimensions.
    w = tensor("w", f32, [-2, 3], raw=bytes(24))
    save("init_negative_dim", [helper.make_node("MatMul", ["x2", "w"], ["y"], name="mm0")],
         [vi("x2", [1, 2])], [vi("y", [1, 3])], inits=[w])
    save("input_negative_dim", [relu], [vi("x", [1, -4])], [vi("y", [1, -4])])
    save("input_zero_dim", [helper.make_node("Relu", ["x"], ["y"], name="relu0")],
         [vi("x", [0, 4])], [vi("y", [0, 4])])
    big = [1 << 31, 1 << 31, 1 << 31]
    save("input_huge_dims", [helper.make_node("Relu", ["x"], ["y"], name="relu0")],
         [vi("x", big)], [vi("y", big)])
    w = tensor("w", f32, [1 << 40, 1 << 40], raw=bytes(16))
    save("init_huge_dims", [helper.make_node("Add", ["x", "w"], ["y"], name="add0")],
         [x], [y], inits=[w])
    # Reshape to a shape whose element count overflows 64 bits.
    shape = numpy_helper.from_array(np.array([1 << 62, 1 << 62, 4], np.int64), "shape")
    save("reshape_overflow",
         [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape0")],
         [x], [vi("y", ["a", "b", "c"])], inits=[shape])
    # 2 GiB between two layers: no MCU has that arena (nor most hosts' data
    # segment); rejected with the arena size before any code is generated.
    two_gb = [1, 512, 1024, 1024]
    save("arena_2gb",
         [helper.make_node("Relu", ["x"], ["t"], name="relu0"),
          helper.make_node("Neg", ["t"], ["y"], name="neg0")],
         [vi("x", two_gb)], [vi("y", two_gb)])

    # Windows: negative pads, pads beyond the pooling window, zero strides
    # and dilations, groups that do not divide the channels.
    xc, wc = vi("x", [1, 4, 8, 8]), numpy_helper.from_array(np.ones((4, 4, 3, 3), np.float32), "w")
    yc = vi("y", ["n", "c", "h", "w"])  # symbolic: shape inference fills it
    def conv(name, w_init=wc, **attrs):
        save(name, [helper.make_node("Conv", ["x", "w"], ["y"], name="conv0", **attrs)],
             [xc], [yc], inits=[w_init])
    conv("conv_negative_pads", pads=[-1, -1, -1, -1])
    conv("conv_zero_strides", strides=[0, 0])
    conv("conv_zero_dilations", dilations=[0, 0])
    conv("conv_huge_dilations", dilations=[1 << 62, 1 << 62])
    conv("conv_bad_group", group=3,
         w_init=numpy_helper.from_array(np.ones((3, 1, 3, 3), np.float32), "w"))
    save("pool_pads_beyond_kernel",
         [helper.make_node("MaxPool", ["x"], ["y"], name="pool0", kernel_shape=[2, 2],
                           pads=[0, 0, 3, 3])],
         [xc], [yc])

    # Axis attributes outside [-rank, rank), one per axis-taking lowering.
    # The output shapes are symbolic so that the lowering (not only shape
    # inference) has to check the axis.
    def axis_model(name, op, axis, inputs=("x",), inits=(), **attrs):
        save(name, [helper.make_node(op, list(inputs), ["y"], name=op.lower() + "0",
                                     axis=axis, **attrs)],
             [x], [vi("y", ["d0", "d1"])], inits=list(inits))
    axis_model("argmax_axis_range", "ArgMax", 2)
    axis_model("softmax_axis_range", "Softmax", -3)
    axis_model("concat_axis_range", "Concat", 7, inputs=("x", "x"))
    axis_model("gather_axis_range", "Gather", 1 << 40, inputs=("x", "idx"),
               inits=[numpy_helper.from_array(np.array([0], np.int64), "idx")])

    # Element types that do not agree.
    i64 = numpy_helper.from_array(np.ones((1, 4), np.int64), "b")
    save("dtype_mismatch", [helper.make_node("Add", ["x", "b"], ["y"], name="add0")],
         [x], [y], inits=[i64])

    # A node in a domain the model does not import; an absurd opset.
    save("undeclared_domain",
         [helper.make_node("Relu", ["x"], ["y"], name="relu0", domain="com.acme")],
         [x], [y])
    save("opset_huge", [relu], [x], [y], opsets=(("", 1000000),))

    # Duplicate names: two producers of one tensor, two initializers and two
    # graph inputs of one name.
    save("duplicate_output",
         [helper.make_node("Relu", ["x"], ["t"], name="relu0"),
          helper.make_node("Neg", ["x"], ["t"], name="neg0"),
          helper.make_node("Abs", ["t"], ["y"], name="abs0")],
         [x], [y])
    one = numpy_helper.from_array(np.ones((1, 4), np.float32), "b")
    save("duplicate_initializer",
         [helper.make_node("Add", ["x", "b"], ["y"], name="add0")],
         [x], [y], inits=[one, one])
    save("duplicate_input", [relu], [x, vi("x", [1, 4])], [y])

    # Valid, but with names that would break out of C comments and string
    # literals (and a newline) if the generated C did not escape them.
    evil_in = 'x"*/ int evil; /*\\'
    evil_w = "w*/\n#error injected\n/*"
    save("hostile_names",
         [helper.make_node("Add", [evil_in, evil_w], ["y"], name="add*/0\n")],
         [vi(evil_in, [1, 4])], [y],
         inits=[numpy_helper.from_array(np.ones((1, 4), np.float32), evil_w)])

    # Weights in an external file that is not there.
    def external(model):
        t = model.graph.initializer[0]
        t.ClearField("raw_data")
        t.data_location = TensorProto.EXTERNAL
        entry = t.external_data.add()
        entry.key, entry.value = "location", "missing_weights.bin"
    save("external_data_missing",
         [helper.make_node("Add", ["x", "b"], ["y"], name="add0")],
         [x], [y], inits=[one], edit=external)

    # External data locations that leave the model's directory (absolute,
    # "..") get one message whether the target exists or not; one inside
    # it is read, within its offset and length.
    def external_at(location, offset=None, length=None):
        def edit(model):
            t = model.graph.initializer[0]
            t.ClearField("raw_data")
            t.data_location = TensorProto.EXTERNAL
            for key, value in (("location", location), ("offset", offset),
                               ("length", length)):
                if value is not None:
                    entry = t.external_data.add()
                    entry.key, entry.value = key, str(value)
        return edit
    add_b = [helper.make_node("Add", ["x", "b"], ["y"], name="add0")]
    save("external_data_absolute", add_b, [x], [y], inits=[one],
         edit=external_at("/etc/passwd"))
    save("external_data_absolute_missing", add_b, [x], [y], inits=[one],
         edit=external_at("/etc/bnnc-no-such-file"))
    save("external_data_parent", add_b, [x], [y], inits=[one],
         edit=external_at("../../../../../../../../etc/passwd"))
    # external_data_inside.bin: 8 bytes of padding, then b = [1, 2, 3, 4].
    values = np.array([[1, 2, 3, 4]], np.float32)
    with open(os.path.join(bad, "external_data_inside.bin"), "wb") as f:
        f.write(b"\xff" * 8 + values.tobytes())
    b = numpy_helper.from_array(values, "b")
    save("external_data_inside", add_b, [x], [y], inits=[b],
         edit=external_at("external_data_inside.bin", 8, 16))
    save("external_data_range", add_b, [x], [y], inits=[b],
         edit=external_at("external_data_inside.bin", 16, 16))

    # The default domain imported twice (ONNX allows one version per
    # domain), and a custom domain imported twice.
    save("opset_duplicate", [relu], [x], [y], opsets=(("", 13), ("", 11)))
    save("opset_duplicate_domain", [relu], [x], [y],
         opsets=(("", 13), ("com.example", 1), ("com.example", 2)))


def main():
    import sys
    if sys.argv[1:] == ["--bad"]:  # only the diagnostics models (no torch run)
        make_bad_models()
        return
    torch.manual_seed(0)
    cnn = SmallCnn()
    train_briefly(cnn, torch.randn(32, 1, 16, 16), 10)
    export(cnn, "cnn", torch.randn(4, 1, 16, 16), ["image"], ["logits"])

    torch.manual_seed(0)
    mlp = SmallMlp()
    train_briefly(mlp, torch.randn(32, 3, 20), 10)
    export(mlp, "mlp", torch.randn(4, 3, 20), ["features"], ["logits", "signs"])
    # The same model with a symbolic batch dimension, as PyTorch exports
    # dynamic batches: Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
    torch.manual_seed(5)
    export(mlp, "mlp_dynamic", torch.randn(4, 3, 20), ["features"],
           ["logits", "signs"],
           dynamic_axes={"features": {0: "batch"}, "logits": {0: "batch"},
                         "signs": {0: "batch"}})

    torch.manual_seed(0)
    ops = OpsMix().eval()
    with torch.no_grad():
        ops.norm.weight.uniform_(0.5, 1.5)
        ops.norm.bias.uniform_(-0.5, 0.5)
    export(ops, "ops", (torch.randn(2, 4, 8), torch.tensor([7, 0, 3, 3])),
           ["x", "idx"],
           ["values", "indices", "gathered", "counts", "mixed", "tiled"],
           opset=17)

    torch.manual_seed(3)
    ln = LayerNormSign().eval()
    with torch.no_grad():
        ln.norm.weight.uniform_(-1.5, 1.5)
        ln.norm.weight[5] = 0.0
        ln.norm.bias.uniform_(-0.5, 0.5)
    export(ln, "ln_sign", torch.randn(2, 6, 40), ["x"], ["y"], opset=17)

    make_binary_shapes()
    make_bipolar_quant()
    make_binary_epilogues()
    make_bad_models()


if __name__ == "__main__":
    main()
