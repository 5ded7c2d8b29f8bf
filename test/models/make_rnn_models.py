#!/usr/bin/python3
"""Builds the recurrent-layer test models (issue 16):

rnn_lstm, rnn_gru, rnn_rnn: one ONNX model per cell type (onnx.helper,
  opset 14) holding one node per attribute variant, all reading the same
  X [T=5, B=3, I=4]: forward, reverse and bidirectional; every activation
  ONNX lists, with activation_alpha/beta; clip; GRU linear_before_reset;
  LSTM peepholes and input_forget; layout 0 and 1; constant sequence_lens;
  initial_h/initial_c as graph inputs; every output Y, Y_h, Y_c. The
  reference is onnxruntime-node (test/difftest/ort; `npm install
  --ignore-scripts` there, or set ORT_NODE_MODULES to a node_modules
  directory holding onnxruntime-node). onnxruntime's CPU kernels refuse
  layout 1, so a layout-1 node is referenced by the same node at layout 0
  between Transposes (layout only permutes the axes).
kws_lstm, kws_gru: keyword-spotting nets exported by PyTorch: 40 x T
  filterbank features -> LSTM (hidden 48) or GRU (hidden 64) -> Linear
  -> 12 logits of the last step, with the recurrent state as inputs
  (h0, c0) and outputs (hn, cn) for streaming. T = 25 frames per call.
  test_data_set_0: the first 25 frames from a zero state; test_data_set_1:
  the next 25 frames with the state of the first call, and as reference
  PyTorch run on all 50 frames at once (the e2e tests feed the compiled
  model's own state of the first call back in). The weights are PyTorch's
  initialization (the tests compare numbers, not accuracy).

bad/lstm_runtime_lengths.onnx: sequence_lens a graph input (bnnc needs it
  constant); bad/gru_activation.onnx: an activation ONNX does not list
  (test/errors/recurrent.test).

Run with Debian's Python (it has torch, onnx and numpy):
    /usr/bin/python3 make_rnn_models.py
"""
import json
import os
import subprocess
import tempfile

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
OPSET = 14
T, B, I = 5, 3, 4
ORT_JS = r"""
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');
async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const session = await ort.InferenceSession.create(job.model, {
    graphOptimizationLevel: 'disabled', intraOpNumThreads: 1});
  const feeds = {};
  for (const [name, file, shape] of job.inputs) {
    const buf = fs.readFileSync(file);
    feeds[name] = new ort.Tensor('float32',
        Float32Array.from(new Float32Array(buf.buffer, buf.byteOffset,
                                           buf.length / 4)), shape);
  }
  const res = await session.run(feeds);
  session.outputNames.forEach((name, i) => {
    const d = res[name].data;
    fs.writeFileSync(job.prefix + i + '.bin',
                     Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  });
}
main().catch(e => { console.error(String(e)); process.exit(1); });
"""


def save(path, array, name):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def run_ort(model, feeds, shapes):
    """All outputs of `model` (an onnx.ModelProto) on `feeds`, by
    onnxruntime-node."""
    modules = os.environ.get("ORT_NODE_MODULES", os.path.join(
        SRC, "test", "difftest", "ort", "node_modules"))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.onnx")
        onnx.save(model, path)
        inputs = []
        for name, value in feeds.items():
            f = os.path.join(tmp, name + ".bin")
            value.astype(np.float32).tofile(f)
            inputs.append([name, f, list(value.shape)])
        job = os.path.join(tmp, "job.json")
        with open(job, "w") as f:
            json.dump({"model": path, "inputs": inputs,
                       "prefix": os.path.join(tmp, "out")}, f)
        js = os.path.join(tmp, "run.js")
        with open(js, "w") as f:
            f.write(ORT_JS)
        subprocess.run(["node", js, job], check=True,
                       env=dict(os.environ, NODE_PATH=modules))
        return [np.fromfile(os.path.join(tmp, "out%d.bin" % i), np.float32)
                .reshape(shapes[i]) for i in range(len(shapes))]


GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}


def variant(op, tag, rng, hidden=3, direction="forward", layout=0,
            state_inputs=False, with_bias=True, peephole=False,
            seq_lens=None, **attrs):
    """One recurrent node: (nodes for the model, nodes for the reference
    model, initializers, graph inputs {name: array}, outputs [(name,
    shape)])."""
    g, d = GATES[op], 2 if direction == "bidirectional" else 1
    f = lambda *s: (rng.standard_normal(s) * 0.5).astype(np.float32)
    inits = [numpy_helper.from_array(f(d, g * hidden, I), tag + "_W"),
             numpy_helper.from_array(f(d, g * hidden, hidden), tag + "_R")]
    ins = ["X" if layout == 0 else "X_bt", tag + "_W", tag + "_R"]
    if with_bias:
        inits.append(numpy_helper.from_array(f(d, 2 * g * hidden), tag + "_B"))
        ins.append(tag + "_B")
    else:
        ins.append("")
    if seq_lens is not None:
        inits.append(numpy_helper.from_array(np.array(seq_lens, np.int32),
                                             tag + "_lens"))
        ins.append(tag + "_lens")
    else:
        ins.append("")
    feeds = {}
    state = [B, d, hidden] if layout else [d, B, hidden]
    if state_inputs:
        feeds[tag + "_h0"] = f(*state)
        ins.append(tag + "_h0")
        if op == "LSTM":
            feeds[tag + "_c0"] = f(*state)
            ins.append(tag + "_c0")
    if peephole:
        if not (state_inputs and op == "LSTM"):
            ins += [""] * (7 - len(ins))
        inits.append(numpy_helper.from_array(f(d, 3 * hidden), tag + "_P"))
        ins.append(tag + "_P")
    while ins and ins[-1] == "":
        ins.pop()
    n_out = 3 if op == "LSTM" else 2
    outs = ["%s_%s" % (tag, o) for o in ["Y", "Y_h", "Y_c"][:n_out]]
    yshape = [B, T, d, hidden] if layout else [T, d, B, hidden]
    shapes = [yshape] + [state] * (n_out - 1)
    node = helper.make_node(op, ins, outs, name=tag, hidden_size=hidden,
                            direction=direction, layout=layout, **attrs)
    if layout == 0:
        ref_nodes = [node]
    else:
        # The same node at layout 0 between Transposes.
        ref_ins = ["X"] + ins[1:]
        ref_nodes = []
        for k in range(5, len(ins)):
            if ins[k] in feeds:
                ref_nodes.append(helper.make_node(
                    "Transpose", [ins[k]], [ins[k] + "_t"], perm=[1, 0, 2]))
                ref_ins[k] = ins[k] + "_t"
        tmp = [o + "_l0" for o in outs]
        ref_nodes.append(helper.make_node(op, ref_ins, tmp, name=tag,
                                          hidden_size=hidden,
                                          direction=direction, **attrs))
        ref_nodes.append(helper.make_node("Transpose", [tmp[0]], [outs[0]],
                                          perm=[2, 0, 1, 3]))
        for t, o in zip(tmp[1:], outs[1:]):
            ref_nodes.append(helper.make_node("Transpose", [t], [o],
                                              perm=[1, 0, 2]))
    return [node], ref_nodes, inits, feeds, list(zip(outs, shapes))


def build_cell_model(name, variants, rng):
    nodes, ref_nodes, inits, feeds, outputs = [], [], [], {}, []
    x = (rng.standard_normal((T, B, I)) * 1.5).astype(np.float32)
    feeds["X"] = x
    need_bt = any(v.get("layout", 0) == 1 for _, v in variants)
    if need_bt:
        nodes.append(helper.make_node("Transpose", ["X"], ["X_bt"],
                                      perm=[1, 0, 2]))
    for (op, kw) in variants:
        n, rn, i, f, o = variant(op, rng=rng, **kw)
        nodes += n
        ref_nodes += rn
        inits += i
        feeds.update(f)
        outputs += o
    f32 = TensorProto.FLOAT
    ins = [helper.make_tensor_value_info(k, f32, list(v.shape))
           for k, v in feeds.items()]
    outs = [helper.make_tensor_value_info(k, f32, s) for k, s in outputs]

    def model(ns):
        g = helper.make_graph(ns, name, ins, outs, inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)])
        m.ir_version = 8
        onnx.checker.check_model(m, full_check=True)
        return m

    m, ref = model(nodes), model(ref_nodes)
    results = run_ort(ref, feeds, [s for _, s in outputs])
    out = os.path.join(HERE, name)
    os.makedirs(out, exist_ok=True)
    onnx.save(m, os.path.join(out, "model.onnx"))
    data = os.path.join(out, "test_data_set_0")
    for k, (n, v) in enumerate(feeds.items()):
        save(os.path.join(data, "input_%d.pb" % k), v, n)
    for k, ((n, _), v) in enumerate(zip(outputs, results)):
        save(os.path.join(data, "output_%d.pb" % k), v, n)
    print(name, len(variants), "nodes,", len(outputs), "outputs")


def cell_models():
    rng = np.random.default_rng(16)
    acts = lambda *a: {"activations": list(a)}
    build_cell_model("rnn_lstm", [
        ("LSTM", dict(tag="lstm_fwd")),
        ("LSTM", dict(tag="lstm_rev_peep_clip", direction="reverse",
                      state_inputs=True, peephole=True, clip=1.5)),
        ("LSTM", dict(tag="lstm_bi_acts", direction="bidirectional",
                      seq_lens=[5, 2, 4], with_bias=False, **acts(
                          "HardSigmoid", "Elu", "Softsign",
                          "ScaledTanh", "Softplus", "LeakyRelu"),
                      activation_alpha=[0.3, 0.8, 0.9, 0.05],
                      activation_beta=[0.45, 1.1])),
        ("LSTM", dict(tag="lstm_bt_forget", layout=1, state_inputs=True,
                      input_forget=1, seq_lens=[3, 5, 1], peephole=True)),
        ("LSTM", dict(tag="lstm_bi_bt", direction="bidirectional",
                      layout=1, hidden=4, state_inputs=True,
                      seq_lens=[2, 5, 3])),
    ], rng)
    build_cell_model("rnn_gru", [
        ("GRU", dict(tag="gru_fwd")),
        ("GRU", dict(tag="gru_lbr_bi", direction="bidirectional",
                     linear_before_reset=1, state_inputs=True, **acts(
                         "Sigmoid", "Affine", "HardSigmoid", "Tanh"),
                     activation_alpha=[0.7, 0.25],
                     activation_beta=[0.1, 0.4])),
        ("GRU", dict(tag="gru_rev_bt_clip", direction="reverse", layout=1,
                     seq_lens=[4, 1, 5], clip=0.8, state_inputs=True)),
        ("GRU", dict(tag="gru_acts", **acts("Sigmoid", "ThresholdedRelu"),
                     activation_alpha=[0.2], seq_lens=[5, 3, 2])),
    ], rng)
    build_cell_model("rnn_rnn", [
        ("RNN", dict(tag="rnn_fwd", hidden=5)),
        ("RNN", dict(tag="rnn_bi_relu", direction="bidirectional",
                     state_inputs=True, seq_lens=[1, 5, 3],
                     **acts("Relu", "Elu"), activation_alpha=[0.6])),
        ("RNN", dict(tag="rnn_rev_bt", direction="reverse", layout=1,
                     state_inputs=True, clip=1.0, with_bias=False,
                     **acts("Softsign"))),
        ("RNN", dict(tag="rnn_leaky", **acts("LeakyRelu"),
                     activation_alpha=[0.2])),
    ], rng)


# ---- PyTorch keyword-spotting models ------------------------------------

FEATS, CLASSES, CHUNK = 40, 12, 25


class KwsLstm(nn.Module):
    def __init__(self, hidden=48):
        super().__init__()
        self.rnn = nn.LSTM(FEATS, hidden)
        self.fc = nn.Linear(hidden, CLASSES)

    def forward(self, x, h0, c0):
        y, (hn, cn) = self.rnn(x, (h0, c0))
        return self.fc(y[-1]), hn, cn


class KwsGru(nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        self.rnn = nn.GRU(FEATS, hidden)
        self.fc = nn.Linear(hidden, CLASSES)

    def forward(self, x, h0):
        y, hn = self.rnn(x, h0)
        return self.fc(y[-1]), hn


def kws_model(name, make, hidden, lstm):
    torch.manual_seed(16)
    module = make(hidden).eval()
    # Smooth "filterbank" frames: a random walk, as log-mel features are.
    x = torch.cumsum(torch.randn(2 * CHUNK, 1, FEATS) * 0.3, 0)
    zero = torch.zeros(1, 1, hidden)
    states = (zero, zero) if lstm else (zero,)
    names_in = ["feats", "h0", "c0"] if lstm else ["feats", "h0"]
    names_out = ["logits", "hn", "cn"] if lstm else ["logits", "hn"]
    out = os.path.join(HERE, name)
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "model.onnx")
    torch.onnx.export(module, (x[:CHUNK],) + states, path, opset_version=OPSET,
                      input_names=names_in, output_names=names_out)
    ops = [n.op_type for n in onnx.load(path).graph.node]
    assert ("LSTM" if lstm else "GRU") in ops, ops
    with torch.no_grad():
        first = module(x[:CHUNK], *states)
        whole = module(x, *states)
        # Streaming in PyTorch agrees with the whole sequence.
        second = module(x[CHUNK:], *first[1:])
        for a, b in zip(second, whole):
            assert torch.allclose(a, b, atol=1e-5), (a - b).abs().max()
    for k, (inputs, outputs) in enumerate([
            ((x[:CHUNK],) + states, first),
            ((x[CHUNK:],) + tuple(first[1:]), whole)]):
        d = os.path.join(out, "test_data_set_%d" % k)
        for i, (n, v) in enumerate(zip(names_in, inputs)):
            save(os.path.join(d, "input_%d.pb" % i), v.numpy(), n)
        for i, (n, v) in enumerate(zip(names_out, outputs)):
            save(os.path.join(d, "output_%d.pb" % i), v.numpy(), n)
    print(name, ops)


def bad_models():
    f32 = TensorProto.FLOAT
    rng = np.random.default_rng(7)
    w = lambda *s: numpy_helper.from_array(
        rng.standard_normal(s).astype(np.float32), "")

    def save_bad(name, node, inputs, outputs, inits):
        g = helper.make_graph([node], name, inputs, outputs, inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)])
        m.ir_version = 8
        onnx.checker.check_model(m)
        onnx.save(m, os.path.join(HERE, "bad", name + ".onnx"))

    W, R = w(1, 12, 2), w(1, 12, 3)
    W.name, R.name = "W", "R"
    save_bad("lstm_runtime_lengths",
             helper.make_node("LSTM", ["X", "W", "R", "", "lens"],
                              ["", "Y_h"], name="lstm_lens", hidden_size=3),
             [helper.make_tensor_value_info("X", f32, [4, 2, 2]),
              helper.make_tensor_value_info("lens", TensorProto.INT32, [2])],
             [helper.make_tensor_value_info("Y_h", f32, [1, 2, 3])], [W, R])
    W, R = w(1, 9, 2), w(1, 9, 3)
    W.name, R.name = "W", "R"
    save_bad("gru_activation",
             helper.make_node("GRU", ["X", "W", "R"], ["", "Y_h"],
                              name="gru_swish", hidden_size=3,
                              activations=["Sigmoid", "Swish"]),
             [helper.make_tensor_value_info("X", f32, [4, 2, 2])],
             [helper.make_tensor_value_info("Y_h", f32, [1, 2, 3])], [W, R])


def main():
    bad_models()
    cell_models()
    kws_model("kws_lstm", KwsLstm, 48, True)
    kws_model("kws_gru", KwsGru, 64, False)


if __name__ == "__main__":
    main()
