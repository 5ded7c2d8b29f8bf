#!/usr/bin/python3
"""Builds the extreme-value regression models of docs/reliability.md ("The
generated C"): exact expected outputs for inputs that once reached undefined
behaviour or read outside a tensor in the generated C.

Run with Debian's Python (it has numpy and onnx):
    /usr/bin/python3 make_extreme_models.py
Writes <name>/model.onnx and <name>/test_data_set_0/{input,output}_N.pb for

  topk_nan      TopK (largest and smallest), ArgMax and ArgMin (first and
                last index) over rows holding NaN, +-Inf, +-FLT_MAX, +-0 and
                ties. bnnc's order: NaN is the largest value (numpy's sort,
                PyTorch's topk/argmax), all NaNs equal, ties by index.
  int_wrap_i32, int_wrap_i64
                Add, Sub, Mul, Div, Neg, Abs, Pow, ReduceSum and CumSum over
                the type's limits, -1, 0 and 1: two's-complement wrap-around
                (numpy's fixed-width semantics), x / 0 = 0, MIN / -1 = MIN,
                Pow by repeated squaring with wrap-around.
  cast_extreme  Cast of NaN, +-Inf, +-FLT_MAX, values beyond int32/int64,
                halves and denormals to int32, int64, int8, uint8 and bool:
                truncation toward zero saturating at the type's bounds,
                NaN -> 0 (bool: x != 0, so NaN -> true); Cast int64 -> int32
                wraps.
  float_tests   IsNaN, IsInf (the four detect_positive/detect_negative
                combinations), Xor of their results, Shrink with a negative
                lambd and bias and ThresholdedRelu with a negative alpha over
                NaN, +-Inf, +-FLT_MAX, +-0 and ordinary values (NaN fails
                every comparison: Shrink and ThresholdedRelu give 0).

The expected values are computed here from those definitions (numpy for the
wrap-around), not by running bnnc. test/e2e/extreme-values.test runs them.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 17
NAN, INF = float("nan"), float("inf")
FMAX = float(np.finfo(np.float32).max)


def save(name, nodes, inputs, outputs):
    """inputs/outputs: [(name, numpy array)]; writes the model and data."""
    d = os.path.join(HERE, name)
    data = os.path.join(d, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    vi = lambda n, a: helper.make_tensor_value_info(
        n, onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[a.dtype], list(a.shape))
    graph = helper.make_graph(nodes, name, [vi(n, a) for n, a in inputs],
                              [vi(n, a) for n, a in outputs])
    model = helper.make_model(graph, producer_name="make_extreme_models.py",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(d, "model.onnx"))
    for kind, tensors in (("input", inputs), ("output", outputs)):
        for k, (n, a) in enumerate(tensors):
            t = numpy_helper.from_array(a, n)
            with open(os.path.join(data, "%s_%d.pb" % (kind, k)), "wb") as f:
                f.write(t.SerializeToString())


# --- TopK / ArgMax / ArgMin with NaN ---------------------------------------


def order_key(v):
    """bnnc's order as a sort key: NaN above +Inf, -0 == 0."""
    return (1, 0.0) if np.isnan(v) else (0, float(v) + 0.0)


def topk(row, k, largest):
    idx = sorted(range(len(row)),
                 key=lambda i: (tuple(-c for c in order_key(row[i]))
                                if largest else order_key(row[i]), i))[:k]
    return [row[i] for i in idx], idx


def argbest(row, find_min, last):
    best = 0
    for i in range(1, len(row)):
        a, b = order_key(row[i]), order_key(row[best])
        if (a < b if find_min else a > b) or (last and a == b):
            best = i
    return best


def make_topk_nan():
    rows = [[1.0, NAN, 3.0, NAN, -1.0, INF],
            [NAN] * 6,
            [-INF, 0.0, -0.0, NAN, FMAX, 2.0],
            [5.0] * 6,
            [-FMAX, 1e-40, -1e-40, -INF, 0.0, -0.0],
            [2.0, 1.0, NAN, 0.5, 2.0, NAN]]
    x = np.array(rows, dtype=np.float32)
    nodes = [helper.make_node("Constant", [], ["k6"], value=numpy_helper.from_array(
                 np.array([6], np.int64))),
             helper.make_node("Constant", [], ["k3"], value=numpy_helper.from_array(
                 np.array([3], np.int64))),
             helper.make_node("TopK", ["x", "k6"], ["top_v", "top_i"], axis=1,
                              largest=1),
             helper.make_node("TopK", ["x", "k3"], ["low_v", "low_i"], axis=1,
                              largest=0)]
    outputs = []
    tv, ti, lv, li = [], [], [], []
    for r in x:
        v, i = topk(list(r), 6, True)
        tv.append(v)
        ti.append(i)
        v, i = topk(list(r), 3, False)
        lv.append(v)
        li.append(i)
    outputs += [("top_v", np.array(tv, np.float32)), ("top_i", np.array(ti, np.int64)),
                ("low_v", np.array(lv, np.float32)), ("low_i", np.array(li, np.int64))]
    for op, find_min in (("ArgMax", False), ("ArgMin", True)):
        for last in (0, 1):
            name = "%s_%s" % (op.lower(), "last" if last else "first")
            nodes.append(helper.make_node(op, ["x"], [name], axis=1, keepdims=0,
                                          select_last_index=last))
            outputs.append((name, np.array([argbest(list(r), find_min, last)
                                            for r in x], np.int64)))
    save("topk_nan", nodes, [("x", x)], outputs)


# --- integer wrap-around ----------------------------------------------------


def wrap_div(a, b, dtype):
    info = np.iinfo(dtype)
    out = []
    for p, q in zip(a.tolist(), b.tolist()):
        if q == 0:
            out.append(0)
        elif q == -1:
            out.append(info.min if p == info.min else -p)
        else:
            r = abs(p) // abs(q)
            out.append(r if (p < 0) == (q < 0) else -r)
    return np.array(out, dtype)


def wrap_pow(a, b, dtype):
    bits = np.iinfo(dtype).bits
    out = []
    for p, q in zip(a.tolist(), b.tolist()):
        if q < 0:
            r = 1 if p == 1 else (-1 if q % 2 else 1) if p == -1 else 0
        else:
            r = pow(p, q, 1 << bits)
        r &= (1 << bits) - 1
        out.append(r - (1 << bits) if r >> (bits - 1) else r)
    return np.array(out, dtype)


def make_int_wrap(dtype, name):
    info = np.iinfo(dtype)
    vals = [info.min, info.max, -1, 0, 1, 2, info.min + 1, info.max - 1, 3, -7]
    # Every pair of values, a against b.
    a = np.array([p for p in vals for _ in vals], dtype)
    b = np.array([q for _ in vals for q in vals], dtype)
    # Pow: every base with small and huge exponents.
    exps = [0, 1, 2, 3, 31, 62, 63, 64, -1, -2, info.max]
    pa = np.array([p for p in vals for _ in exps], dtype)
    pb = np.array([q for _ in vals for q in exps], dtype)
    with np.errstate(over="ignore"):
        outputs = [("add", a + b), ("sub", a - b), ("mul", a * b),
                   ("div", wrap_div(a, b, dtype)), ("neg", np.negative(a)),
                   ("abs", np.abs(a)), ("pow", wrap_pow(pa, pb, dtype)),
                   ("sum", np.sum(a.reshape(len(vals), len(vals)), axis=1,
                                  dtype=dtype)),
                   ("cumsum", np.cumsum(a, dtype=dtype))]
    nodes = [helper.make_node("Add", ["a", "b"], ["add"]),
             helper.make_node("Sub", ["a", "b"], ["sub"]),
             helper.make_node("Mul", ["a", "b"], ["mul"]),
             helper.make_node("Div", ["a", "b"], ["div"]),
             helper.make_node("Neg", ["a"], ["neg"]),
             helper.make_node("Abs", ["a"], ["abs"]),
             helper.make_node("Pow", ["pa", "pb"], ["pow"]),
             helper.make_node("Constant", [], ["shape"], value=numpy_helper.from_array(
                 np.array([len(vals), len(vals)], np.int64))),
             helper.make_node("Reshape", ["a", "shape"], ["a2"]),
             helper.make_node("Constant", [], ["axes"], value=numpy_helper.from_array(
                 np.array([1], np.int64))),
             helper.make_node("ReduceSum", ["a2", "axes"], ["sum"], keepdims=0),
             helper.make_node("Constant", [], ["axis"], value=numpy_helper.from_array(
                 np.array(0, np.int64))),
             helper.make_node("CumSum", ["a", "axis"], ["cumsum"])]
    save(name, nodes, [("a", a), ("b", b), ("pa", pa), ("pb", pb)], outputs)


# --- Cast of extreme floats ---------------------------------------------------


def saturate(v, dtype):
    info = np.iinfo(dtype)
    if np.isnan(v):
        return 0
    if v <= info.min:
        return info.min
    if v >= float(info.max) + 1:
        return info.max
    return int(v)  # truncation toward zero


def make_cast_extreme():
    vals = [NAN, INF, -INF, FMAX, -FMAX, 3e9, -3e9, 2147483520.0, -2147483648.0,
            9.2e18, -9.3e18, 1e19, 255.5, 256.0, -0.5, -1.5, 127.9, -128.9,
            2.5, -2.5, 1e-40, -0.0, 0.0, 1.0, -1.0, 300.0, -300.0]
    x = np.array(vals, np.float32)
    nodes, outputs = [], []
    for dtype, to in ((np.int32, TensorProto.INT32), (np.int64, TensorProto.INT64),
                      (np.int8, TensorProto.INT8), (np.uint8, TensorProto.UINT8)):
        name = "to_" + np.dtype(dtype).name
        nodes.append(helper.make_node("Cast", ["x"], [name], to=to))
        outputs.append((name, np.array([saturate(float(v), dtype) for v in x],
                                       dtype)))
    nodes.append(helper.make_node("Cast", ["x"], ["to_bool"], to=TensorProto.BOOL))
    outputs.append(("to_bool", np.array([v != 0 or np.isnan(v) for v in x],
                                        np.bool_)))
    # int64 -> int32 narrowing wraps modulo 2^32.
    big = np.array([2**31, -2**31 - 1, 2**32 + 5, -1, 2**63 - 1, -2**63],
                   np.int64)
    nodes.append(helper.make_node("Cast", ["big"], ["narrow"], to=TensorProto.INT32))
    outputs.append(("narrow", big.astype(np.int32)))
    save("cast_extreme", nodes, [("x", x), ("big", big)], outputs)


def make_float_tests():
    x = np.array([NAN, INF, -INF, FMAX, -FMAX, -0.0, 0.0, 0.25, -0.25, 0.5,
                  -0.5, 0.75, -0.75, 1.0, -2.0, -3.0, 1e-40],
                 dtype=np.float32)
    isinf = lambda pos, neg: (np.isposinf(x) & pos) | (np.isneginf(x) & neg)
    outputs = [("nan", np.isnan(x))]
    nodes = [helper.make_node("IsNaN", ["x"], ["nan"])]
    for pos in (1, 0):
        for neg in (1, 0):
            name = "inf_p%d_n%d" % (pos, neg)
            nodes.append(helper.make_node("IsInf", ["x"], [name],
                                          detect_positive=pos,
                                          detect_negative=neg))
            outputs.append((name, isinf(bool(pos), bool(neg))))
    nodes.append(helper.make_node("Xor", ["nan", "inf_p1_n0"], ["xor"]))
    outputs.append(("xor", np.isnan(x) ^ np.isposinf(x)))
    # Shrink: x < -lambd ? x + bias : (x > lambd ? x - bias : 0).
    lambd, bias = np.float32(-0.5), np.float32(-1.0)
    with np.errstate(invalid="ignore", over="ignore"):
        shrink = np.where(x < -lambd, x + bias,
                          np.where(x > lambd, x - bias, np.float32(0)))
    nodes.append(helper.make_node("Shrink", ["x"], ["shrink"],
                                  lambd=float(lambd), bias=float(bias)))
    outputs.append(("shrink", shrink.astype(np.float32)))
    alpha = np.float32(-2.0)
    nodes.append(helper.make_node("ThresholdedRelu", ["x"], ["trelu"],
                                  alpha=float(alpha)))
    outputs.append(("trelu", np.where(x > alpha, x, np.float32(0))
                    .astype(np.float32)))
    save("float_tests", nodes, [("x", x)], outputs)


if __name__ == "__main__":
    make_topk_nan()
    make_int_wrap(np.int32, "int_wrap_i32")
    make_int_wrap(np.int64, "int_wrap_i64")
    make_cast_extreme()
    make_float_tests()
