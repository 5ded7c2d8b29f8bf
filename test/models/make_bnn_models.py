#!/usr/bin/python3
"""Trains and exports the binarized (BNN) end-to-end test models of bnnc.

Run with Debian's Python (it has torch, onnx and scikit-learn):
    /usr/bin/python3 make_bnn_models.py
Writes, per model, under bnn/<name>/:
    model.onnx
    binary_layers.json        one record per binary Conv/Gemm/MatMul node
    test_data_set_0/input_0.pb, output_0.pb   (ONNX backend node test layout)
    test_data_set_0/labels.txt, argmax.txt    (one integer per line)
The generated files are committed, so the tests never need torch. Seeds are
fixed and training runs on one thread; re-running reproduces the files (up to
PyTorch version differences).

Export conventions (bnnc's binarize pass recognizes exactly these):
- opset 13, TrainingMode.PRESERVE of an eval() model, constant folding on:
  BatchNormalization stays a node instead of being fused into the Conv.
- Static shapes, batch 8.
- Activation binarizer: a plain ONNX Sign on the activation (the STE is used
  in train mode only, so nothing of it reaches the graph).
- Binary weights come in four forms, all of them present across the models:
    "pm1"   a +-1 initializer,
    "sign"  Sign(initializer) computed in the graph,
    "fold"  alpha_o * sign(W) folded into the initializer (XNOR/Bi-Real),
    "mul"   a +-1 initializer, then Mul by a constant alpha of shape [1,M,1,1].
- First and last layers are real-valued.

The 8 test samples are held-out samples whose every computed Sign input is at
least MARGIN away from 0, so that float reassociation in a compiler cannot flip
a bit and the reference outputs are reproducible bit-exactly in the binary parts.
"""
import json
import os
import warnings

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "bnn")
BATCH = 8
MARGIN = 1e-3


# ---------------------------------------------------------------------------
# Binarizers
# ---------------------------------------------------------------------------

class _SignSte(torch.autograd.Function):
    """sign(x) forward, clipped identity (hardtanh) gradient backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sign(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x.abs() <= 1).to(grad.dtype)


# When not None, act_sign appends the inputs of every activation Sign here,
# in call (= ONNX node) order; used to measure the Sign margins.
_SIGN_RECORD = None


def act_sign(x, training):
    """Activation binarizer: STE in train mode, a plain Sign in eval mode."""
    if _SIGN_RECORD is not None:
        _SIGN_RECORD.append(x.detach().clone())
    if training:
        return _SignSte.apply(x)
    return torch.sign(x)


def weight_sign_ste(w):
    """sign(w) forward, identity gradient (BinaryConnect)."""
    return w + (torch.sign(w) - w).detach()


def pm1(w):
    """+-1 with 0 mapped to +1 (bnnc's binarizer convention C1)."""
    return torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w))


class BinaryWeight(nn.Module):
    """Mixin: a latent real weight `weight` [O, ...] and one export `form`.

    In train mode the effective weight is sign_ste(W) (times alpha_o for the
    "fold" and "mul" forms, alpha_o = mean |W_o|). freeze() computes the
    constants the eval graph uses.
    """

    FORMS = ("pm1", "sign", "fold", "mul")

    def init_form(self, form):
        assert form in self.FORMS, form
        self.form = form
        self.frozen = False

    def alpha(self):
        dims = tuple(range(1, self.weight.dim()))
        return self.weight.abs().mean(dim=dims, keepdim=True)

    @torch.no_grad()
    def freeze(self):
        w = self.weight
        # Sign(W) in the graph must never see an exact 0.
        w.copy_(torch.where(w == 0, torch.full_like(w, 1e-3), w))
        a = self.alpha()
        if self.form == "pm1" or self.form == "mul":
            self.register_buffer("w_export", pm1(w).contiguous())
        elif self.form == "fold":
            self.register_buffer("w_export", (a * pm1(w)).contiguous())
        if self.form == "mul":
            shape = [1, w.shape[0]] + [1] * (w.dim() - 2)
            self.register_buffer("alpha_export", a.reshape(shape).contiguous())
        self.frozen = True

    def effective_weight(self):
        """Returns (weight, post_multiplier or None)."""
        if self.training or not self.frozen:
            wb = weight_sign_ste(self.weight)
            if self.form == "fold":
                return self.alpha() * wb, None
            if self.form == "mul":
                a = self.alpha()
                return wb, a.reshape([1, a.shape[0]] + [1] * (a.dim() - 2))
            return wb, None
        if self.form == "sign":
            return torch.sign(self.weight), None
        if self.form == "mul":
            return self.w_export, self.alpha_export
        return self.w_export, None


class BinaryConv2d(nn.Conv2d, BinaryWeight):
    def __init__(self, cin, cout, k, stride=1, padding=0, form="pm1"):
        super().__init__(cin, cout, k, stride=stride, padding=padding, bias=False)
        self.init_form(form)

    def forward(self, x):
        w, post = self.effective_weight()
        y = F.conv2d(x, w, None, self.stride, self.padding, self.dilation, self.groups)
        return y if post is None else y * post


class BinaryConv1d(nn.Conv1d, BinaryWeight):
    def __init__(self, cin, cout, k, padding=0, form="pm1"):
        super().__init__(cin, cout, k, padding=padding, bias=False)
        self.init_form(form)

    def forward(self, x):
        w, post = self.effective_weight()
        y = F.conv1d(x, w, None, self.stride, self.padding, self.dilation, self.groups)
        return y if post is None else y * post


class BinaryLinear(nn.Linear, BinaryWeight):
    """Binary dense layer with a bias (BNN style).

    form "sign": the latent weight is stored as [in, out] and applied with
    torch.matmul, so the graph is MatMul(x, Sign(W)) + Add(bias), with no
    Transpose between Sign and MatMul. Form "pm1": F.linear on a constant,
    which exports as Gemm(x, W^T, bias) with W^T a +-1 initializer.
    """

    def __init__(self, fin, fout, form="pm1"):
        super().__init__(fin, fout, bias=True)
        assert form in ("pm1", "sign")
        self.init_form(form)
        if form == "sign":
            # Latent weight stored transposed: [in, out].
            self.weight = nn.Parameter(self.weight.detach().t().contiguous())

    def forward(self, x):
        w, _ = self.effective_weight()
        if self.form == "sign":
            return torch.matmul(x, w) + self.bias
        return F.linear(x, w, self.bias)


def clip_latent_weights(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, BinaryWeight):
                m.weight.clamp_(-1, 1)


def freeze(model):
    for m in model.modules():
        if isinstance(m, BinaryWeight):
            m.freeze()
    model.eval()


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

class BinaryNetMlp(nn.Module):
    """BinaryNet MLP on 8x8 digits: real first/last, two binary dense layers."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 128)
        self.bn1 = nn.BatchNorm1d(128)
        self.fc2 = BinaryLinear(128, 128, form="sign")
        self.bn2 = nn.BatchNorm1d(128)
        self.fc3 = BinaryLinear(128, 64, form="pm1")
        self.bn3 = nn.BatchNorm1d(64)
        self.fc4 = nn.Linear(64, 10)

    def forward(self, x):
        h = act_sign(self.bn1(self.fc1(x)), self.training)
        h = act_sign(self.bn2(self.fc2(h)), self.training)
        h = self.bn3(self.fc3(h))
        return self.fc4(h)


class XnorCnn(nn.Module):
    """XNOR-Net style CNN: alpha as a separate Mul, then alpha folded."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = BinaryConv2d(16, 32, 3, padding=1, form="mul")
        self.bn2 = nn.BatchNorm2d(32)
        self.pool = nn.MaxPool2d(2)
        self.conv3 = BinaryConv2d(32, 32, 3, padding=1, form="fold")
        self.bn3 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x):
        h = act_sign(self.bn1(self.conv1(x)), self.training)
        h = act_sign(self.pool(self.bn2(self.conv2(h))), self.training)
        h = torch.relu(self.bn3(self.conv3(h)))
        return self.fc(torch.flatten(h, 1))


class RSign(nn.Module):
    """ReActNet RSign: sign(x - b_c); exported as Sub then Sign."""

    def __init__(self, c):
        super().__init__()
        self.b = nn.Parameter(torch.zeros(1, c, 1, 1))

    def forward(self, x):
        return act_sign(x - self.b, self.training)


class RPReLU(nn.Module):
    """ReActNet RPReLU: PReLU(x + b1) + b2, exported as Add, PRelu, Add."""

    def __init__(self, c):
        super().__init__()
        self.b1 = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.prelu = nn.PReLU(c, init=0.25)
        self.b2 = nn.Parameter(torch.zeros(1, c, 1, 1))

    def forward(self, x):
        return self.prelu(x + self.b1) + self.b2


class BiRealBlock(nn.Module):
    """A Bi-Real/ReActNet basic block and a stride-2 downsampling block."""

    def __init__(self):
        super().__init__()
        self.rsign1 = RSign(16)
        self.conv1 = BinaryConv2d(16, 16, 3, padding=1, form="fold")
        self.bn1 = nn.BatchNorm2d(16)
        self.rprelu1 = RPReLU(16)
        self.rsign2 = RSign(16)
        self.conv2 = BinaryConv2d(16, 32, 3, stride=2, padding=1, form="pm1")
        self.bn2 = nn.BatchNorm2d(32)
        # count_include_pad=False: otherwise torch 1.13 exports a no-op Pad.
        self.pool = nn.AvgPool2d(2, count_include_pad=False)
        self.short = nn.Conv2d(16, 32, 1, bias=False)
        self.bn_short = nn.BatchNorm2d(32)
        # bn2.bias and bn_short.bias get identical gradients (their outputs
        # are added); equal initial values would stay equal and the exporter
        # would deduplicate them into an Identity node.
        nn.init.uniform_(self.bn_short.bias, -0.1, 0.1)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        h = self.rprelu1(self.bn1(self.conv1(self.rsign1(x))) + x)
        main = self.bn2(self.conv2(self.rsign2(h)))
        short = self.bn_short(self.short(self.pool(h)))
        h = main + short
        return self.fc(torch.flatten(self.gap(h), 1))


class BiFsmnKws(nn.Module):
    """Keyword spotting, BiFSMN style: binary 1x1 projections around a real
    depthwise FSMN memory block with a residual."""

    def __init__(self):
        super().__init__()
        self.proj = BinaryConv1d(20, 32, 1, form="pm1")
        self.bn1 = nn.BatchNorm1d(32)
        self.memory = nn.Conv1d(32, 32, 5, padding=2, groups=32, bias=False)
        self.conv2 = BinaryConv1d(32, 32, 1, form="sign")
        self.bn2 = nn.BatchNorm1d(32)
        self.fc = nn.Linear(32, 4)

    def forward(self, x):
        h = self.bn1(self.proj(act_sign(x, self.training)))
        h = h + self.memory(h)
        h = torch.relu(self.bn2(self.conv2(act_sign(h, self.training))))
        return self.fc(h.mean(dim=2))


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

def digits_data():
    """scikit-learn's 8x8 digits (bundled, offline); pixels scaled to [0, 1]."""
    from sklearn.datasets import load_digits
    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    y = d.target.astype(np.int64)
    perm = np.random.RandomState(0).permutation(len(y))
    x, y = x[perm], y[perm]
    n_train = 1400
    return (torch.from_numpy(x[:n_train]), torch.from_numpy(y[:n_train]),
            torch.from_numpy(x[n_train:]), torch.from_numpy(y[n_train:]))


def blob_data():
    """10 classes of [16, 8, 8] maps: a class prototype (smooth random map)
    scaled by a random per-sample gain, plus Gaussian noise."""
    rs = np.random.RandomState(1)
    proto = rs.randn(10, 16, 4, 4).astype(np.float32)
    proto = np.repeat(np.repeat(proto, 2, axis=2), 2, axis=3)  # 8x8, blocky
    proto += 0.5 * rs.randn(10, 16, 8, 8).astype(np.float32)
    n = 2500
    y = rs.randint(0, 10, n)
    gain = rs.uniform(0.3, 0.8, (n, 1, 1, 1)).astype(np.float32)
    x = gain * proto[y] + rs.randn(n, 16, 8, 8).astype(np.float32)
    x, y = torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y.astype(np.int64))
    return x[:2000], y[:2000], x[2000:], y[2000:]


def kws_data():
    """4 "keywords": each a class-specific pattern of a few bumps in
    (feature band, time), randomly shifted in time, on noise. [N, 20, 32]."""
    rs = np.random.RandomState(2)
    feats, steps = 20, 32
    f = np.arange(feats)[:, None]
    t = np.arange(steps)[None, :]
    templates = []
    for _ in range(4):
        tpl = np.zeros((feats, steps), np.float32)
        for _ in range(3):
            fc, tc = rs.uniform(2, feats - 2), rs.uniform(8, steps - 8)
            sf, st = rs.uniform(1.5, 3.0), rs.uniform(2.0, 4.0)
            sign = rs.choice([-1.0, 1.0])
            tpl += sign * np.exp(-((f - fc) ** 2) / (2 * sf ** 2) - ((t - tc) ** 2) / (2 * st ** 2))
        templates.append(tpl)
    templates = np.stack(templates)
    n = 2000
    y = rs.randint(0, 4, n)
    x = np.empty((n, feats, steps), np.float32)
    for i in range(n):
        shift = rs.randint(-4, 5)
        x[i] = 1.5 * np.roll(templates[y[i]], shift, axis=1) + rs.randn(feats, steps)
    x, y = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    return x[:1600], y[:1600], x[1600:], y[1600:]


# ---------------------------------------------------------------------------
# Training, test-batch selection, export
# ---------------------------------------------------------------------------

def train(model, x, y, epochs, lr=5e-3, batch=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * ((len(y) + batch - 1) // batch))
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(y), generator=g)
        for i in range(0, len(y), batch):
            idx = perm[i:i + batch]
            if len(idx) < 2:
                continue
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
            sched.step()
            clip_latent_weights(model)
    freeze(model)


def evaluate(model, x):
    with torch.no_grad():
        return model(x)


def sign_inputs(model, x):
    """Inputs of every activation Sign, in call order, for input x."""
    global _SIGN_RECORD
    _SIGN_RECORD = []
    try:
        with torch.no_grad():
            model(x)
        return _SIGN_RECORD
    finally:
        _SIGN_RECORD = None


def pick_test_batch(model, x, y, skip_first_sign=False):
    """Indices of BATCH held-out samples (in held-out order) whose computed
    Sign inputs all have |v| >= MARGIN. A Sign applied directly to the raw
    model input (skip_first_sign) involves no arithmetic and is exempt."""
    recs = sign_inputs(model, x)
    if skip_first_sign:
        recs = recs[1:]
    margin = torch.stack([r.abs().reshape(r.shape[0], -1).min(dim=1).values for r in recs]).min(dim=0).values
    ok = torch.nonzero(margin >= MARGIN).flatten()
    if len(ok) >= BATCH:
        return ok[:BATCH]
    print("  warning: only %d samples with margin >= %g" % (len(ok), MARGIN))
    return torch.argsort(margin, descending=True)[:BATCH].sort().values


def save(path, tensor, name):
    array = tensor.detach().numpy()
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    proto = numpy_helper.from_array(array, name)
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())


def export(model, name, example, labels):
    directory = os.path.join(OUT, name)
    data = os.path.join(directory, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    path = os.path.join(directory, "model.onnx")
    model.eval()
    torch.onnx.export(model, example, path, opset_version=13,
                      input_names=["x"], output_names=["logits"],
                      training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    out = evaluate(model, example)
    save(os.path.join(data, "input_0.pb"), example, "x")
    save(os.path.join(data, "output_0.pb"), out, "logits")
    with open(os.path.join(data, "labels.txt"), "w") as f:
        f.write("".join("%d\n" % v for v in labels.tolist()))
    with open(os.path.join(data, "argmax.txt"), "w") as f:
        f.write("".join("%d\n" % v for v in out.argmax(dim=1).tolist()))
    return m, out


def analyze(m, act_sign_inputs):
    """Finds the binary Conv/Gemm/MatMul nodes of an exported graph.

    A node is binary when its data input is produced by a Sign node on an
    activation and its weight is a +-1 initializer, Sign(initializer), or an
    initializer with |W| constant per output channel (alpha folded).
    act_sign_inputs: the PyTorch-recorded inputs of the activation Signs, in
    node order, to report each feeding Sign's margin on the test batch.
    """
    g = m.graph
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    act_signs = [n for n in g.node if n.op_type == "Sign" and n.input[0] not in inits]
    assert len(act_signs) == len(act_sign_inputs), (len(act_signs), len(act_sign_inputs))
    margins = {n.name: float(r.abs().min()) for n, r in zip(act_signs, act_sign_inputs)}
    layers = []
    for n in g.node:
        if n.op_type not in ("Conv", "Gemm", "MatMul"):
            continue
        src = producer.get(n.input[0])
        if src is None or src.op_type != "Sign" or src.input[0] in inits:
            continue
        wname = n.input[1]
        wprod = producer.get(wname)
        if wprod is not None and wprod.op_type == "Sign" and wprod.input[0] in inits:
            latent = inits[wprod.input[0]]
            assert np.all(latent != 0), "Sign(initializer) with an exact zero"
            w = np.sign(latent)
            form, weight_init, pm1_exact = "sign_initializer", wprod.input[0], True
        else:
            w = inits[wname]
            weight_init = wname
            pm1_exact = bool(np.all(np.abs(w) == 1))
            form = "pm1_initializer"
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        if n.op_type == "Conv":
            kind = "conv2d" if w.ndim == 4 else "conv1d"
            k = int(np.prod(w.shape[1:]))       # in_channels/groups x taps
            wo = w.reshape(w.shape[0], -1)      # [out, K]
        else:
            kind = "dense"
            trans_b = n.op_type == "Gemm" and attrs.get("transB", 0) == 1
            wo = w if trans_b else w.T          # [out, K]
            k = int(wo.shape[1])
        if not pm1_exact:
            a = np.abs(wo[:, :1])
            assert np.all(np.abs(wo) == a) and np.all(a > 0), n.name + ": not binary"
            form = "alpha_folded"
        alpha_mul = None
        for c in consumers.get(n.output[0], []):
            if c.op_type == "Mul":
                other = [i for i in c.input if i != n.output[0]]
                if other and other[0] in inits and inits[other[0]].ndim == w.ndim:
                    alpha_mul = c.name
                    form = "pm1_initializer+alpha_mul"
        layers.append({
            "node": n.name,
            "op_type": n.op_type,
            "kind": kind,
            "K": k,
            "out_channels": int(wo.shape[0]),
            "weights_pm1": pm1_exact,
            "weight_form": form,
            "weight_initializer": weight_init,
            "alpha_mul": alpha_mul,
            "sign_node": src.name,
            "sign_input_min_abs_on_test_batch": margins[src.name],
        })
    return layers


def run_onnx(m, x):
    """Evaluates the exported graph node by node with torch.nn.functional,
    independently of the nn.Module, to check that the ONNX graph itself
    reproduces the reference outputs (onnx 1.12 has no reference evaluator).
    Covers exactly the operators these models use."""
    env = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in m.graph.initializer}
    env[m.graph.input[0].name] = x
    for n in m.graph.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in n.attribute}
        i = [env[v] for v in n.input]
        op = n.op_type
        if op in ("Add", "Sub", "Mul"):
            y = {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul}[op](i[0], i[1])
        elif op == "Sign":
            y = torch.sign(i[0])
        elif op == "Relu":
            y = torch.relu(i[0])
        elif op == "PRelu":
            y = torch.where(i[0] >= 0, i[0], i[0] * i[1])
        elif op == "Conv":
            nd = i[1].dim() - 2
            pads = a.get("pads", [0] * 2 * nd)
            assert pads[:nd] == pads[nd:]
            conv = F.conv2d if nd == 2 else F.conv1d
            y = conv(i[0], i[1], i[2] if len(i) > 2 else None, a.get("strides", 1),
                     pads[:nd], a.get("dilations", 1), a.get("group", 1))
        elif op == "Gemm":
            b = i[1].t() if a.get("transB", 0) else i[1]
            y = i[0] @ b + (i[2] if len(i) > 2 else 0)
        elif op == "MatMul":
            y = i[0] @ i[1]
        elif op == "BatchNormalization":
            y = F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0, a["epsilon"])
        elif op in ("MaxPool", "AveragePool"):
            pads = a.get("pads", [0, 0, 0, 0])
            assert pads[:2] == pads[2:] and not a.get("ceil_mode", 0)
            assert op == "MaxPool" or not any(pads)
            pool = F.max_pool2d if op == "MaxPool" else F.avg_pool2d
            y = pool(i[0], a["kernel_shape"], a["strides"], pads[:2])
        elif op == "GlobalAveragePool":
            y = i[0].mean(dim=tuple(range(2, i[0].dim())), keepdim=True)
        elif op == "Flatten":
            y = torch.flatten(i[0], a.get("axis", 1))
        elif op == "ReduceMean":
            y = i[0].mean(dim=tuple(a["axes"]), keepdim=bool(a.get("keepdims", 1)))
        else:
            raise NotImplementedError(op)
        env[n.output[0]] = y
    return env[m.graph.output[0].name]


def finish(model, name, xs, ys, skip_first_sign=False):
    """Held-out accuracy, test batch, export, binary-layer record, report."""
    acc = (evaluate(model, xs).argmax(dim=1) == ys).float().mean().item()
    idx = pick_test_batch(model, xs, ys, skip_first_sign)
    example, labels = xs[idx].contiguous(), ys[idx]
    m, out = export(model, name, example, labels)
    layers = analyze(m, sign_inputs(model, example))
    with open(os.path.join(OUT, name, "binary_layers.json"), "w") as f:
        json.dump(layers, f, indent=2)
        f.write("\n")
    size = os.path.getsize(os.path.join(OUT, name, "model.onnx"))
    assert size < 200 * 1024, size
    with torch.no_grad():
        err = (run_onnx(m, example) - out).abs().max().item()
    assert err < 1e-4, (name, err)
    ops = [n.op_type for n in m.graph.node]
    assert "Identity" not in ops, "deduplicated initializers: " + name
    print("== %s  (%d bytes)" % (name, size))
    print("  input %s -> output %s" % (list(example.shape), list(out.shape)))
    print("  op types: %s" % sorted(set(ops)))
    print("  graph evaluated op by op vs PyTorch: max abs diff %.2e" % err)
    print("  nodes:    %s" % " ".join(ops))
    print("  held-out accuracy: %.3f (%d samples); test batch idx %s"
          % (acc, len(ys), idx.tolist()))
    print("  test labels %s argmax %s" % (labels.tolist(), out.argmax(dim=1).tolist()))
    for l in layers:
        print("  binary %-18s %-7s K=%-4d %-26s pm1=%s sign=%s margin=%.2e"
              % (l["node"], l["kind"], l["K"], l["weight_form"], l["weights_pm1"],
                 l["sign_node"], l["sign_input_min_abs_on_test_batch"]))


def main():
    # The models are exported in eval mode, so PRESERVE's constant-folding
    # caveat (parameters of training-mode models) does not apply.
    warnings.filterwarnings("ignore", message=".*constant folding be turned off.*")
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT, exist_ok=True)

    xtr, ytr, xte, yte = digits_data()

    torch.manual_seed(0)
    mlp = BinaryNetMlp()
    train(mlp, xtr, ytr, epochs=15)
    finish(mlp, "binarynet_mlp", xte, yte)

    torch.manual_seed(0)
    cnn = XnorCnn()
    train(cnn, xtr.reshape(-1, 1, 8, 8), ytr, epochs=8)
    finish(cnn, "xnor_cnn", xte.reshape(-1, 1, 8, 8), yte)

    xtr, ytr, xte, yte = blob_data()
    torch.manual_seed(0)
    bireal = BiRealBlock()
    train(bireal, xtr, ytr, epochs=6)
    finish(bireal, "bireal_block", xte, yte)

    xtr, ytr, xte, yte = kws_data()
    torch.manual_seed(0)
    kws = BiFsmnKws()
    train(kws, xtr, ytr, epochs=8)
    finish(kws, "bifsmn_kws", xte, yte, skip_first_sign=True)


if __name__ == "__main__":
    main()
