#!/usr/bin/python3
"""Builds test/models/hostile_c/*.onnx: valid models whose names and
shapes once made bnnc exit 0 with C that did not compile under
-std=c99 -pedantic -Werror (issue 14). test/targets/c-namespace.test
compiles each for every target family and builds the C.

    /usr/bin/python3 test/models/make_hostile_c_models.py

  names.onnx       tensors named like the generated code's own identifiers
                   (run, inputs, outputs, arena, arena_bytes, i, t0, in_run,
                   NUM_INPUTS) and like C library and ARM intrinsic names
                   (int8_t, INT32_MIN, M_PI, vaddq_f32, __x)
  long_names.onnx  input, output, initializer and node names of 5000 bytes
                   (C99 string literals stop at 4095)
  no_input.onnx    no graph input: the output is computed from constants
  no_output.onnx   a graph input and no output
  zero_size.onnx   a zero-size initializer and a zero-size input and output
"""
import os

import numpy as np
import onnx
from onnx import helper as h, numpy_helper as nh, TensorProto as T

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile_c")


def save(name, nodes, inputs, outputs, inits=()):
    graph = h.make_graph(nodes, name, inputs, outputs, list(inits))
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)],
                         producer_name="make_hostile_c_models.py")
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(OUT, name + ".onnx"))


def vec(name, n=4, value=None):
    data = np.arange(n, dtype=np.float32) if value is None else \
        np.full(n, value, np.float32)
    return nh.from_array(data, name)


def info(name, shape=(4,), dtype=T.FLOAT):
    return h.make_tensor_value_info(name, dtype, list(shape))


def names():
    inputs = ["run", "inputs", "arena_bytes", "i"]
    consts = ["outputs", "arena", "run_with_arena", "NUM_INPUTS", "int8_t",
              "INT32_MIN", "vaddq_f32", "M_PI", "t0", "in_run", "__x", "a0"]
    outputs = ["NUM_OUTPUTS", "i0", "out_y", "ARENA_SIZE"]
    nodes, prev = [], inputs[0]
    for k, operand in enumerate(inputs[1:] + consts):
        result = "sum%d" % k
        nodes.append(h.make_node("Add", [prev, operand], [result],
                                 name="run_with_arena" if k == 0 else
                                 "node%d" % k))
        prev = result
    for k, out in enumerate(outputs):
        nodes.append(h.make_node("Mul", [prev, consts[k]], [out],
                                 name="arena_bytes" if k == 0 else "mul%d" % k))
    save("names", nodes, [info(n) for n in inputs], [info(n) for n in outputs],
         [vec(n) for n in consts])


def long_names():
    x, y, w, node = "x" * 5000, "y" * 4999 + '"', "w" * 5000 + "?", "n" * 5000
    save("long_names", [h.make_node("Add", [x, w], [y], name=node)],
         [info(x)], [info(y)], [vec(w)])


def no_input():
    save("no_input", [h.make_node("Add", ["a", "b"], ["y"], name="add"),
                      h.make_node("Identity", ["a"], ["z"], name="id")],
         [], [info("y"), info("z")], [vec("a"), vec("b", value=0.5)])


def no_output():
    save("no_output", [h.make_node("Relu", ["x"], ["r"], name="relu")],
         [info("x")], [])


def zero_size():
    empty = nh.from_array(np.zeros((0,), np.float32), "empty")
    save("zero_size",
         [h.make_node("Concat", ["x", "empty"], ["y"], axis=0, name="cat"),
          h.make_node("Relu", ["e"], ["f"], name="relu")],
         [info("x"), info("e", (0, 3))], [info("y"), info("f", (0, 3))],
         [empty])


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for make in (names, long_names, no_input, no_output, zero_size):
        make()
    print("wrote", OUT)
