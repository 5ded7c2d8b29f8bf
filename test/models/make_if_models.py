#!/usr/bin/python3
"""Builds test/models/if_const and test/models/if_data: ONNX If exported by
PyTorch (torch.jit.script), checked against PyTorch.

Run with Debian's Python (it has torch and onnx):
    /usr/bin/python3 make_if_models.py
Writes <name>/model.onnx and <name>/test_data_set_<k>/{input_0,output_0}.pb
in the layout of the ONNX backend node tests (test/e2e/if.test and
test/cortexm/if.test run them), and three models built with onnx.helper:

if_sr/model.onnx: a Silero-VAD-style body wrapped in an If on an int64
  sample-rate input (Equal(sr, 16000)); if_sr/sr16000.pb holds 16000 for
  --const-input (test/import/if.test).
bad/if_shape_mismatch.onnx: a run-time condition whose branches give
  [2, 8] and [2, 4]: both cannot run and be selected, an error.
bad/if_nested_unsupported.onnx: a Hardmax inside an If inside an If; the
  errors name the innermost node (test/errors/if.test).

if_const: the branches depend only on the input's shape, which is symbolic
  in the model ('batch' x 'feat'); compiled with --input-shape x=2x16 the
  conditions become constants and bnnc inlines the branch taken. The taken
  branch holds a second If (on the batch size), folded in the next round.
  The branch not taken slices the input to 16 features, so it has another
  type: a run-time selection would be refused.
if_data: the condition is mean(x) >= 0, known only at run time; both
  branches give [2, 8] and the then branch holds a nested data-dependent If
  (max(x) > 2). Three input sets take each path: mean >= 0 with max <= 2,
  mean >= 0 with max > 2, and mean < 0.
"""
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13


class ConstIf(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(16, 8)
        self.b = nn.Linear(16, 8)
        self.c = nn.Linear(8, 8)

    def forward(self, x):
        if x.shape[1] == 16:
            y = torch.relu(self.a(x))
            if x.shape[0] == 2:
                y = self.c(y) * 0.5
            else:
                y = self.c(y).flip(0)
        else:
            y = torch.tanh(self.b(x[:, :16]))
        return y


class DataIf(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(16, 8)
        self.b = nn.Linear(16, 8)

    def forward(self, x):
        if x.mean() >= 0.0:
            y = torch.relu(self.a(x))
            if x.max() > 2.0:
                y = y * 3.0 - 1.0
        else:
            y = torch.sigmoid(self.b(x)) * 2.0
        return y


def save(path, array, name):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def export(name, module, example, inputs, dynamic):
    out = os.path.join(HERE, name)
    os.makedirs(out, exist_ok=True)
    scripted = torch.jit.script(module.eval())
    path = os.path.join(out, "model.onnx")
    torch.onnx.export(scripted, (example,), path, input_names=["x"],
                      output_names=["y"], opset_version=OPSET,
                      dynamic_axes={"x": {0: "batch", 1: "feat"}} if dynamic
                      else None)
    ops = [n.op_type for n in onnx.load(path).graph.node]
    assert "If" in ops, ops
    for k, x in enumerate(inputs):
        with torch.no_grad():
            y = module(x).numpy()
        d = os.path.join(out, "test_data_set_%d" % k)
        save(os.path.join(d, "input_0.pb"), x.numpy(), "x")
        save(os.path.join(d, "output_0.pb"), y, "y")


def main():
    torch.manual_seed(16)
    x = torch.randn(2, 16)
    export("if_const", ConstIf(), x, [x], True)
    pos = torch.rand(2, 16) * 1.5          # mean >= 0, max <= 2
    big = torch.rand(2, 16) * 1.5
    big[1, 3] = 2.5                        # mean >= 0, max > 2
    neg = -torch.rand(2, 16) - 0.1         # mean < 0
    assert pos.mean() >= 0 and pos.max() <= 2
    assert big.mean() >= 0 and big.max() > 2 and neg.mean() < 0
    export("if_data", DataIf(), pos, [pos, big, neg], False)
    helper_models()


def helper_model(name, nodes, inputs, outputs, inits=()):
    g = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def vi(name, dtype, dims):
    return helper.make_tensor_value_info(name, dtype, dims)


def branch(name, nodes, outputs):
    return helper.make_graph(nodes, name, [], outputs)


def helper_models():
    f = TensorProto.FLOAT
    # if_sr: If(sr == 16000) { Relu(x) * 2 } else { Sigmoid(x) }.
    then_g = branch("then", [
        helper.make_node("Relu", ["x"], ["r"], name="relu16k"),
        helper.make_node("Mul", ["r", "two"], ["t_out"], name="scale16k")],
        [vi("t_out", f, [1, 64])])
    else_g = branch("else", [
        helper.make_node("Sigmoid", ["x"], ["e_out"], name="sigmoid8k")],
        [vi("e_out", f, [1, 64])])
    m = helper_model("if_sr", [
        helper.make_node("Equal", ["sr", "rate16k"], ["is16k"], name="eq"),
        helper.make_node("If", ["is16k"], ["y"], name="sr_if",
                         then_branch=then_g, else_branch=else_g)],
        [vi("x", f, [1, 64]), vi("sr", TensorProto.INT64, [1])],
        [vi("y", f, [1, 64])],
        [numpy_helper.from_array(np.array([16000], np.int64), "rate16k"),
         numpy_helper.from_array(np.array(2.0, np.float32), "two")])
    os.makedirs(os.path.join(HERE, "if_sr"), exist_ok=True)
    onnx.save(m, os.path.join(HERE, "if_sr", "model.onnx"))
    save(os.path.join(HERE, "if_sr", "sr16000.pb"),
         np.array([16000], np.int64), "sr")

    # A run-time condition with branches of different shapes.
    then_g = branch("then", [
        helper.make_node("Relu", ["x"], ["t_out"], name="wide")],
        [vi("t_out", f, [2, 8])])
    else_g = branch("else", [
        helper.make_node("Slice", ["x", "s0", "s4", "ax1"], ["e_out"],
                         name="narrow")], [vi("e_out", f, [2, 4])])
    m = helper_model("if_shape_mismatch", [
        helper.make_node("ReduceMax", ["x"], ["m"], keepdims=0, name="mx"),
        helper.make_node("Greater", ["m", "zero"], ["c"], name="gt"),
        helper.make_node("If", ["c"], ["y"], name="shape_if",
                         then_branch=then_g, else_branch=else_g)],
        [vi("x", f, [2, 8])], [vi("y", f, [2, "w"])],
        [numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
         numpy_helper.from_array(np.array([0], np.int64), "s0"),
         numpy_helper.from_array(np.array([4], np.int64), "s4"),
         numpy_helper.from_array(np.array([1], np.int64), "ax1")])
    onnx.save(m, os.path.join(HERE, "bad", "if_shape_mismatch.onnx"))

    # Hardmax (unsupported) two Ifs deep.
    inner_then = branch("inner_then", [
        helper.make_node("Hardmax", ["x"], ["h"], name="hm_inner")],
        [vi("h", f, [2, 8])])
    inner_else = branch("inner_else", [
        helper.make_node("Relu", ["x"], ["r2"], name="relu_inner")],
        [vi("r2", f, [2, 8])])
    outer_then = branch("outer_then", [
        helper.make_node("If", ["c"], ["i_out"], name="inner_if",
                         then_branch=inner_then, else_branch=inner_else)],
        [vi("i_out", f, [2, 8])])
    outer_else = branch("outer_else", [
        helper.make_node("Neg", ["x"], ["n"], name="neg_outer")],
        [vi("n", f, [2, 8])])
    m = helper_model("if_nested_unsupported", [
        helper.make_node("ReduceMax", ["x"], ["m"], keepdims=0, name="mx"),
        helper.make_node("Greater", ["m", "zero"], ["c"], name="gt"),
        helper.make_node("If", ["c"], ["y"], name="outer_if",
                         then_branch=outer_then, else_branch=outer_else)],
        [vi("x", f, [2, 8])], [vi("y", f, [2, 8])],
        [numpy_helper.from_array(np.array(0.0, np.float32), "zero")])
    onnx.save(m, os.path.join(HERE, "bad", "if_nested_unsupported.onnx"))


if __name__ == "__main__":
    main()
