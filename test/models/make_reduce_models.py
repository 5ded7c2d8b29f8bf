#!/usr/bin/python3
"""Builds test/models/reduce_i32 and reduce_i64: every integer reduction
bnnc supports against numpy.

Run with Debian's Python (it has numpy and onnx):
    /usr/bin/python3 make_reduce_models.py
Writes reduce_i<bits>/model.onnx and .../test_data_set_0/{input,output}_N.pb
in the layout of the ONNX backend node tests (test/e2e/reduce-int.test and
test/cortexm/reduce-int.test run them). One model per integer type that
`bnnc --list-supported-ops` lists for the reductions (int32, int64) holds
ReduceMax, ReduceMin, ReduceSum and ReduceMean, each over several axes with
keepdims 0 and 1: 4 inputs and 24 outputs, few enough for the semihosting
command line of the Cortex-M runs.

The data is chosen to catch a wrong accumulator start: max runs over data
that is all negative (it must not return 0) and min over data that is all
positive (it must not return -1), both also over mixed data with the type's
limits; sum and mean run over values near +-max/24, so sums come close to
the type's bounds while no partial sum overflows (C's signed overflow is
undefined, and ONNX does not define a wrapped sum either).
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13
SHAPE = (2, 3, 4)
# (axes or None for all, keepdims); -1 tests a negative axis.
REDUCTIONS = [([1], 1), ([0, 2], 0), ([-1], 1), (None, 0)]
# (operator, input data): max over all-negative and min over all-positive
# data expose a wrong accumulator start in every group.
CASES = [("ReduceMax", "negative"), ("ReduceMax", "mixed"),
         ("ReduceMin", "positive"), ("ReduceMin", "mixed"),
         ("ReduceSum", "sum"), ("ReduceMean", "sum")]
DTYPES = {np.int32: TensorProto.INT32, np.int64: TensorProto.INT64}


def negative_data(dtype, rng):
    """Every element negative, down to the type's minimum: an accumulator
    for max that starts above the minimum (at 0) shows in every group."""
    info = np.iinfo(dtype)
    x = rng.integers(info.min, -1, SHAPE, dtype=dtype, endpoint=True)
    x[0, 0, 0], x[1, 2, 3], x[1, 0, 1] = info.min, -1, -2
    return x


def positive_data(dtype, rng):
    """Every element positive, up to the type's maximum: for min."""
    info = np.iinfo(dtype)
    x = rng.integers(1, info.max, SHAPE, dtype=dtype, endpoint=True)
    x[0, 0, 0], x[1, 2, 3], x[1, 0, 1] = info.max, 1, 2
    return x


def mixed_data(dtype, rng):
    """Both signs over the whole range, both limits, and small values."""
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, SHAPE, dtype=dtype, endpoint=True)
    x[0, 1, :] = rng.integers(-3, 3, SHAPE[2], dtype=dtype, endpoint=True)
    x[0, 2, 1], x[1, 1, 2] = info.min, info.max
    return x


def sum_data(dtype, rng):
    """Values near +-bound, bound = max / 24: no partial sum of the 24
    elements can overflow, while the sums come close to the limits."""
    bound = np.iinfo(dtype).max // SHAPE[0] // SHAPE[1] // SHAPE[2]
    x = rng.integers(-bound, bound, SHAPE, dtype=dtype, endpoint=True)
    x[0] = -bound + rng.integers(0, 5, SHAPE[1:], dtype=dtype)  # all negative
    x[1, :, :2] = bound - rng.integers(0, 5, (SHAPE[1], 2), dtype=dtype)
    x[1, 2, :] = rng.integers(-7, 7, SHAPE[2], dtype=dtype)  # mean truncates
    return x


DATA = {"negative": negative_data, "positive": positive_data,
        "mixed": mixed_data, "sum": sum_data}


def numpy_axes(axes):
    return None if axes is None else tuple(a % len(SHAPE) for a in axes)


def truncating_mean(x, axes, keepdims):
    """ONNX ReduceMean over integers as integer C computes it: the exact sum
    divided by the count, rounded toward zero (numpy's mean would go through
    float64 and lose int64 precision)."""
    total = np.sum(x, axis=axes, keepdims=keepdims, dtype=x.dtype)
    count = x.size // total.size
    return np.where(total >= 0, total // count, -((-total) // count)).astype(
        x.dtype)


def reference(kind, x, axes, keepdims):
    axes = numpy_axes(axes)
    keep = bool(keepdims)
    if kind == "ReduceMax":
        return np.max(x, axis=axes, keepdims=keep)
    if kind == "ReduceMin":
        return np.min(x, axis=axes, keepdims=keep)
    if kind == "ReduceSum":
        exact = np.sum(x.astype(object), axis=axes, keepdims=keep)
        result = np.sum(x, axis=axes, keepdims=keep, dtype=x.dtype)
        assert (np.asarray(exact, dtype=object) == result).all(), "overflow"
        return result
    return truncating_mean(x, axes, keep)


def reduce_node(kind, data, out, axes, keepdims, inits):
    """ReduceSum takes axes as an input since opset 13, the others as an
    attribute (until opset 18)."""
    attrs = {"keepdims": keepdims}
    inputs = [data]
    if kind == "ReduceSum":
        if axes is not None:
            name = out + "_axes"
            inits.append(numpy_helper.from_array(np.array(axes, np.int64), name))
            inputs.append(name)
    elif axes is not None:
        attrs["axes"] = axes
    return helper.make_node(kind, inputs, [out], name=out, **attrs)


def save(path, array, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def make_model(dtype, proto_type, rng):
    """reduce_i<bits>/: one input per data set, one output per case and
    reduction."""
    bits = np.iinfo(dtype).bits
    name = "reduce_i%d" % bits
    directory = os.path.join(HERE, name)
    data_dir = os.path.join(directory, "test_data_set_0")
    os.makedirs(data_dir, exist_ok=True)
    inputs = [helper.make_tensor_value_info(role, proto_type, SHAPE)
              for role in DATA]
    values = {role: make(dtype, rng) for role, make in DATA.items()}
    nodes, outputs, refs, inits = [], [], [], []
    for kind, role in CASES:
        for axes, keepdims in REDUCTIONS:
            tag = "all" if axes is None else "_".join(
                str(a).replace("-", "m") for a in axes)
            out = "%s_%s_%s_k%d" % (kind[6:].lower(), role, tag, keepdims)
            nodes.append(reduce_node(kind, role, out, axes, keepdims, inits))
            ref = reference(kind, values[role], axes, keepdims)
            outputs.append(
                helper.make_tensor_value_info(out, proto_type, ref.shape))
            refs.append((out, ref))
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=inits)
    model = helper.make_model(graph, producer_name="make_reduce_models.py",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(directory, "model.onnx"))
    for i, role in enumerate(DATA):
        save(os.path.join(data_dir, "input_%d.pb" % i), values[role], role)
    for i, (out, ref) in enumerate(refs):
        save(os.path.join(data_dir, "output_%d.pb" % i), ref, out)
    print("wrote %s: %d inputs, %d outputs" % (directory, len(inputs),
                                               len(refs)))


def main():
    rng = np.random.default_rng(13)
    for dtype, proto_type in DTYPES.items():
        make_model(dtype, proto_type, rng)


if __name__ == "__main__":
    main()
