#!/usr/bin/python3
"""Builds ops16, an end-to-end model of the issue-16 operators PyTorch
exports, with PyTorch's outputs as the reference.

Run with Debian's Python (it has torch and onnx):
    /usr/bin/python3 make_ops16_models.py
Writes ops16/model.onnx and ops16/test_data_set_0/{input,output}_N.pb in the
layout of make_models.py. Opset 14. The model computes, from float inputs
a [2,3,4], b [2,4,5], q [1,2,3,8], k [1,2,5,8] and int64 ids [2,3]:
    bmm      einsum "bij,bjk->bik"(a, b)                    Einsum
    scores   einsum "bhid,bhjd->bhij"(q, k)                  Einsum
    at       einsum "ij->ji"(a[0])                            Einsum
    picked   gather(a[0], 1, ids)   (ids in [0, 4))           GatherElements
    onehot   one_hot(ids, 4) as float                         OneHot
    upper    triu(a[0] + 1, diagonal=1), tril(..., -1)        Trilu
and lpnorm, LpNormalization (which PyTorch does not export: F.normalize
becomes ReduceL2 + Div) built with onnx.helper at opset 13 and checked
against torch.nn.functional.normalize with eps = 0 (x / ||x||_p):
    l2       LpNormalization p = 2, axis 1 of x [2,3,4]
    l1       LpNormalization p = 1, axis -1 of x
"""
import os

import onnx
import torch
from onnx import numpy_helper
from torch import nn
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


class Ops16(nn.Module):
    def forward(self, a, b, q, k, ids):
        bmm = torch.einsum("bij,bjk->bik", a, b)
        scores = torch.einsum("bhid,bhjd->bhij", q, k)
        at = torch.einsum("ij->ji", a[0])
        picked = torch.gather(a[0], 1, ids)
        onehot = F.one_hot(ids, 4).float()
        upper = torch.triu(a[0] + 1.0, diagonal=1) + torch.tril(a[1], -1)
        return bmm, scores, at, picked, onehot, upper


def save(path, tensor, name):
    proto = numpy_helper.from_array(tensor.detach().numpy(), name)
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())


def main():
    torch.manual_seed(0)
    inputs = (torch.randn(2, 3, 4), torch.randn(2, 4, 5),
              torch.randn(1, 2, 3, 8), torch.randn(1, 2, 5, 8),
              torch.tensor([[3, 0, 1], [2, 2, 0]]))
    names = ["a", "b", "q", "k", "ids"]
    outputs = ["bmm", "scores", "at", "picked", "onehot", "upper"]
    directory = os.path.join(HERE, "ops16")
    data = os.path.join(directory, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    path = os.path.join(directory, "model.onnx")
    model = Ops16().eval()
    torch.onnx.export(model, inputs, path, opset_version=14,
                      input_names=names, output_names=outputs)
    onnx.checker.check_model(onnx.load(path))
    with torch.no_grad():
        results = model(*inputs)
    for i, (n, t) in enumerate(zip(names, inputs)):
        save(os.path.join(data, "input_%d.pb" % i), t, n)
    for i, (n, t) in enumerate(zip(outputs, results)):
        save(os.path.join(data, "output_%d.pb" % i), t, n)
    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    print("wrote", path, ops)
    make_lpnorm()


def make_lpnorm():
    from onnx import TensorProto, helper
    directory = os.path.join(HERE, "lpnorm")
    data = os.path.join(directory, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    path = os.path.join(directory, "model.onnx")
    graph = helper.make_graph(
        [helper.make_node("LpNormalization", ["x"], ["l2"], axis=1, p=2),
         helper.make_node("LpNormalization", ["x"], ["l1"], axis=-1, p=1)],
        "lpnorm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
        [helper.make_tensor_value_info("l2", TensorProto.FLOAT, [2, 3, 4]),
         helper.make_tensor_value_info("l1", TensorProto.FLOAT, [2, 3, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, path)
    torch.manual_seed(1)
    x = torch.randn(2, 3, 4)
    save(os.path.join(data, "input_0.pb"), x, "x")
    save(os.path.join(data, "output_0.pb"), F.normalize(x, 2.0, 1, eps=0.0),
         "l2")
    save(os.path.join(data, "output_1.pb"), F.normalize(x, 1.0, -1, eps=0.0),
         "l1")
    print("wrote", path)


if __name__ == "__main__":
    main()
