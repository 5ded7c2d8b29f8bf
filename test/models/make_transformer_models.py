#!/usr/bin/python3
"""Trains and exports the transformer end-to-end test models of bnnc.

Run with Debian's Python (it has torch, onnx and scikit-learn):
    /usr/bin/python3 make_transformer_models.py
Writes, per model, under transformers/<name>/:
    model.onnx
    test_data_set_0/input_0.pb, output_0.pb   (ONNX backend node test layout)
    test_data_set_0/labels.txt, argmax.txt    (one integer per line)
The generated files are committed, so the tests never need torch. Seeds are
fixed and training runs on one thread.

Models:
- vit_o17: a tiny pre-LN ViT on scikit-learn's 8x8 digits (2x2 patches ->
  16 tokens + CLS, dim 32, 4 heads, 2 blocks, exact (Erf) GELU), opset 17
  (LayerNormalization is one node).
- vit_o13: the same architecture with the tanh GELU, exported at opset 13,
  where PyTorch decomposes LayerNorm into ReduceMean/Sub/Pow/ReduceMean/Add/
  Sqrt/Div/Mul/Add and the tanh GELU into Pow/Mul/Add/Tanh/Mul.
- vit_dyn: vit_o17 exported with a symbolic batch axis ('batch').
- bibert: a post-LN BERT-style encoder (BiBERT): int64 token ids, token and
  position embeddings, binarized Q/K/V/output/FFN linears (sign(x) into
  alpha_o * sign(W) weights), Bi-Attention (P = [sign(Q) sign(K)^T > 0],
  C = P sign(V), no softmax), real LayerNorms, GELU, classifier.
"""
import os
import warnings

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn
from torch.nn import functional as F

# The activation binarizer (sign forward, clipped straight-through gradient)
# of the binarized CNN models.
from make_bnn_models import act_sign

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "transformers")
BATCH = 8


# ---------------------------------------------------------------------------
# ViT
# ---------------------------------------------------------------------------

class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.last_cls_attn = None

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads)
        qkv = qkv.permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn.softmax(dim=-1)
        self.last_attn = attn
        x = (attn @ v).transpose(1, 2).reshape(b, n, d)
        return self.proj(x)


class Block(nn.Module):
    def __init__(self, dim, heads, hidden, approximate):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU(approximate=approximate)
        self.fc2 = nn.Linear(hidden, dim)
        self.keep = None  # EViT pruning: number of patch tokens kept
        self.fuse = False

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        if self.keep is not None:
            x = evit_prune(x, self.attn.last_attn, self.keep, self.fuse)
        return x + self.fc2(self.act(self.fc1(self.norm2(x))))


def evit_prune(x, attn, k, fuse):
    """The reference of bnnc's token-prune: CLS plus the k patch tokens with
    the largest head-averaged CLS attention, in token order; with `fuse` the
    package token sum_j a_j x_j over the pruned ones appended."""
    score = attn[:, :, 0, 1:].mean(dim=1)                       # [B, N-1]
    idx = score.topk(k, dim=1).indices.sort(dim=1).values       # [B, k]
    patches = x[:, 1:]
    gather = idx.unsqueeze(-1).expand(-1, -1, x.shape[2])
    kept = torch.cat([x[:, :1], patches.gather(1, gather)], dim=1)
    if fuse:
        mask = torch.ones_like(score).scatter(1, idx, 0.0)
        package = ((score * mask).unsqueeze(-1) * patches).sum(1, keepdim=True)
        kept = torch.cat([kept, package], dim=1)
    return kept


# bnnc --token-prune specs with a PyTorch reference in vit_o17/<dir>/.
PRUNE_REFS = [("pruned_0-0.5", {0: 8}, False),
              ("pruned_0-6_1-3_fuse", {0: 6, 1: 3}, True)]


def pruned_outputs(vit, x, stages, fuse):
    for i, blk in enumerate(vit.blocks):
        blk.keep, blk.fuse = stages.get(i), fuse
    try:
        return evaluate(vit, x)
    finally:
        for blk in vit.blocks:
            blk.keep, blk.fuse = None, False


class TinyViT(nn.Module):
    def __init__(self, approximate="none", dim=32, heads=4, depth=2,
                 hidden=64, patch=2, classes=10):
        super().__init__()
        self.patch = patch
        tokens = (8 // patch) ** 2
        self.embed = nn.Conv2d(1, dim, patch, stride=patch)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, tokens + 1, dim) * 0.02)
        self.blocks = nn.ModuleList(
            [Block(dim, heads, hidden, approximate) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1)
        x = x + self.pos
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x)[:, 0])


def digits_data():
    """scikit-learn's 8x8 digits (bundled, offline); pixels scaled to [0, 1].

    The first 1437 samples train, the last 360 test (in file order, unlike
    make_bnn_models.py's shuffled split)."""
    from sklearn.datasets import load_digits
    d = load_digits()
    x = torch.tensor(d.data, dtype=torch.float32).reshape(-1, 1, 8, 8) / 16.0
    y = torch.tensor(d.target, dtype=torch.int64)
    return x[:1437], y[:1437], x[1437:], y[1437:]


# ---------------------------------------------------------------------------
# BiBERT-style encoder
# ---------------------------------------------------------------------------

class BiLinear(nn.Module):
    """BiBERT QuantizeLinear with 1-bit weights and inputs:
    y = sign(x) @ (alpha_o * sign(W_o - mean W_o))^T + b, alpha_o = mean|W_o|.
    Applied to [rows, in] (2-D) inputs, so it exports as one Gemm."""

    def __init__(self, i, o):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(o, i) * (1.0 / i) ** 0.5)
        self.bias = nn.Parameter(torch.zeros(o))
        self.frozen = None

    def binary_weight(self):
        if self.frozen is not None and not self.training:
            # Exported as an alpha_o * (+-1) initializer (bnnc's "fold" form).
            return self.frozen
        w = self.weight
        alpha = w.abs().mean(dim=1, keepdim=True)
        centred = w - w.mean(dim=1, keepdim=True)
        if self.training:
            wb = centred + (torch.sign(centred) - centred).detach()
        else:
            wb = torch.sign(centred)
        return alpha * wb

    def forward(self, x):
        return F.linear(act_sign(x, self.training), self.binary_weight(),
                        self.bias)


class BiBertLayer(nn.Module):
    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.heads = heads
        self.q = BiLinear(dim, dim)
        self.k = BiLinear(dim, dim)
        self.v = BiLinear(dim, dim)
        self.o = BiLinear(dim, dim)
        self.ln1 = nn.LayerNorm(dim)
        self.fc1 = BiLinear(dim, hidden)
        self.fc2 = BiLinear(hidden, dim)
        self.ln2 = nn.LayerNorm(dim)

    def forward(self, x):
        b, n, d = x.shape
        h, dh = self.heads, d // self.heads
        flat = x.reshape(b * n, d)

        def split(t):
            return t.reshape(b, n, h, dh).transpose(1, 2)

        q, k, v = split(self.q(flat)), split(self.k(flat)), split(self.v(flat))
        sq, sk, sv = (act_sign(t, self.training) for t in (q, k, v))
        scores = sq @ sk.transpose(-2, -1) / dh ** 0.5
        if self.training:  # ZMeanBinary with a sigmoid-shaped surrogate
            hard = (scores > 0).to(scores.dtype)
            soft = torch.sigmoid(scores)
            probs = soft + (hard - soft).detach()
        else:
            probs = (scores > 0).to(scores.dtype)
        ctx = (probs @ sv).transpose(1, 2).reshape(b * n, d)
        x = self.ln1(flat + self.o(ctx))          # post-LN
        y = self.fc2(F.gelu(self.fc1(x)))
        return self.ln2(x + y).reshape(b, n, d)


class TinyBiBert(nn.Module):
    def __init__(self, vocab=16, length=12, dim=32, heads=2, hidden=64,
                 depth=2, classes=4):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.randn(1, length, dim) * 0.1)
        self.ln = nn.LayerNorm(dim)
        self.layers = nn.ModuleList(
            [BiBertLayer(dim, heads, hidden) for _ in range(depth)])
        self.cls = nn.Linear(dim, classes)

    def freeze(self):
        for m in self.modules():
            if isinstance(m, BiLinear):
                m.frozen = m.binary_weight().detach()

    def forward(self, ids):
        x = self.ln(self.tok(ids) + self.pos)
        for layer in self.layers:
            x = layer(x)
        return self.cls(x.mean(dim=1))


def sequence_data(n, vocab=16, length=12, seed=0):
    """Synthetic task: ids in [0, vocab); the label is which of the tokens
    1..4 occurs most often (ties to the smaller token), a counting task
    that needs attention over the whole sequence."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, vocab, (n, length), generator=g)
    counts = torch.stack([(ids == t).sum(dim=1) for t in range(1, 5)], dim=1)
    return ids, counts.argmax(dim=1)


# ---------------------------------------------------------------------------
# LayerNorm gamma migration: exactness model (not trained)
# ---------------------------------------------------------------------------

class GammaNet(nn.Module):
    """Three LayerNorms, one per ln-gamma-migration form, with hostile gammas:
    ln1 pre-LN (its only user is a Linear: the full fold), ln2 post-LN (a
    Linear on its 2-D view, exported as Gemm, and the residual), ln3 post-LN
    with gamma_2 = 0 (the beta-folded variant). Every gamma has outlier
    channels x50 and negative entries."""

    def __init__(self, dim=16):
        super().__init__()
        self.ln1, self.ln2, self.ln3 = (nn.LayerNorm(dim) for _ in range(3))
        self.fc1, self.fc2, self.fc3 = (nn.Linear(dim, dim) for _ in range(3))
        g = torch.Generator().manual_seed(1)
        for ln in (self.ln1, self.ln2, self.ln3):
            gamma = torch.randn(dim, generator=g)
            gamma[3] *= 50.0
            gamma[7] = -50.0 * gamma[7].abs()
            ln.weight.data = gamma
            ln.bias.data = torch.randn(dim, generator=g)
        self.ln3.weight.data[2] = 0.0

    def forward(self, x):
        b, n, d = x.shape
        x = x + self.fc1(self.ln1(x))
        h = self.ln2(x)
        h = h + self.fc2(h.reshape(b * n, d)).reshape(b, n, d)
        z = self.ln3(h)
        return z + self.fc3(z)


# ---------------------------------------------------------------------------
# Training and export
# ---------------------------------------------------------------------------

def train(model, x, y, epochs, lr=3e-3, batch=64, seed=0):
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    model.eval()


def evaluate(model, x):
    model.eval()
    with torch.no_grad():
        return model(x)


def save(path, tensor, name):
    proto = numpy_helper.from_array(tensor.detach().numpy(), name)
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())


def export(model, name, example, labels, opset, input_name, dynamic=False,
           output_name="logits"):
    directory = os.path.join(OUT, name)
    data = os.path.join(directory, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    path = os.path.join(directory, "model.onnx")
    model.eval()
    axes = {input_name: {0: "batch"}, "logits": {0: "batch"}} if dynamic else None
    torch.onnx.export(model, example, path, opset_version=opset,
                      input_names=[input_name], output_names=[output_name],
                      dynamic_axes=axes, do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    out = evaluate(model, example)
    save(os.path.join(data, "input_0.pb"), example, input_name)
    save(os.path.join(data, "output_0.pb"), out, output_name)
    if labels is not None:
        with open(os.path.join(data, "labels.txt"), "w") as f:
            f.write("".join("%d\n" % v for v in labels.tolist()))
        with open(os.path.join(data, "argmax.txt"), "w") as f:
            f.write("".join("%d\n" % v for v in out.argmax(dim=1).tolist()))
    size = os.path.getsize(path)
    assert size < 200 * 1024, size
    ops = [n.op_type for n in m.graph.node]
    print("== %s (opset %d%s, %d bytes)" % (name, opset,
                                           ", dynamic batch" if dynamic else "",
                                           size))
    print("  op types: %s" % sorted(set(ops)))
    if labels is not None:
        print("  test labels %s argmax %s" % (labels.tolist(),
                                               out.argmax(dim=1).tolist()))
    return out


def pick_margin_batch(model, x, y):
    """BATCH held-out samples with a clear top-1 (top-2 logit gap >= 0.1) so
    that float reassociation in a compiler cannot flip the argmax."""
    logits = evaluate(model, x)
    top2 = logits.topk(2, dim=1).values
    ok = ((top2[:, 0] - top2[:, 1]) >= 0.1).nonzero().flatten()
    return ok[:BATCH]


def sign_margin(model, ids):
    """Smallest |input| of any activation Sign and |score| of any Bi-Attention
    score that is not an exact tie, over the test batch: a compiler that
    reassociates float sums stays bit-exact while these exceed its error."""
    margins = []

    def hook(t):
        a = t.detach().abs()
        a = a[a > 0]
        if a.numel():
            margins.append(a.min().item())

    global act_sign
    original = act_sign

    def recording(x, training):
        hook(x)
        return original(x, training)

    act_sign = recording
    try:
        evaluate(model, ids)
    finally:
        act_sign = original
    return min(margins)


def main():
    import sys
    only = set(sys.argv[1:])  # model names (vit, bibert); default: all
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT, exist_ok=True)

    xtr, ytr, xte, yte = digits_data()
    for name, approximate, opset, dynamic in [
            ("vit_o17", "none", 17, False), ("vit_o13", "tanh", 13, False)]:
        if only and "vit" not in only:
            continue
        torch.manual_seed(0)
        vit = TinyViT(approximate)
        train(vit, xtr, ytr, epochs=25)
        acc = (evaluate(vit, xte).argmax(1) == yte).float().mean().item()
        print("%s: test accuracy %.4f (%d samples)" % (name, acc, len(yte)))
        idx = pick_margin_batch(vit, xte, yte)
        export(vit, name, xte[idx], yte[idx], opset, "image")
        if name == "vit_o17":
            export(vit, "vit_dyn", xte[idx], yte[idx], opset, "image",
                   dynamic=True)
            for directory, stages, fuse in PRUNE_REFS:
                out = pruned_outputs(vit, xte[idx], stages, fuse)
                d = os.path.join(OUT, name, directory)
                os.makedirs(d, exist_ok=True)
                save(os.path.join(d, "output_0.pb"), out, "logits")
                with open(os.path.join(d, "argmax.txt"), "w") as f:
                    f.write("".join("%d\n" % v for v in out.argmax(1).tolist()))
                full = pruned_outputs(vit, xte, stages, fuse)
                print("  %s: test accuracy %.4f" % (
                    directory, (full.argmax(1) == yte).float().mean().item()))

    if not only or "gamma" in only:
        torch.manual_seed(0)
        net = GammaNet().eval()
        x = torch.randn(4, 6, 16) * 3.0 + torch.linspace(-2, 2, 16)
        out = export(net, "ln_gamma", x, None, 17, "x", output_name="y")
        print("  output range [%.2f, %.2f]" % (out.min(), out.max()))

    if only and "bibert" not in only:
        return
    ids, labels = sequence_data(3000)
    torch.manual_seed(0)
    bert = TinyBiBert()
    train(bert, ids[:2500], labels[:2500], epochs=30, lr=2e-3)
    bert.freeze()
    acc = (evaluate(bert, ids[2500:]).argmax(1) == labels[2500:]).float().mean()
    print("bibert: test accuracy %.4f (500 sequences)" % acc.item())
    idx = pick_margin_batch(bert, ids[2500:], labels[2500:]) + 2500
    example = ids[idx]
    print("  smallest nonzero |sign input| on the test batch: %.3e"
          % sign_margin(bert, example))
    export(bert, "bibert", example, labels[idx], 13, "ids")


if __name__ == "__main__":
    main()
