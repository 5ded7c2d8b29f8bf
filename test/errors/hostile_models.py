#!/usr/bin/env python3
"""hostile_models.py KIND N OUT: writes a large hostile ONNX model at test time
(too big to commit), encoding the protobuf wire format directly so that even
a 100 MB file takes well under a second and needs no onnx package.

  chain N OUT        a valid chain of N Relu nodes, x[1,4] -> y[1,4]
  empty N OUT        a graph of N empty NodeProtos (2 bytes each)
  nested N OUT       If nodes nested N deep (then_branch inside then_branch)
  wide N OUT         one If node whose then_branch holds N Relu nodes
  grouped N OUT      a valid 3-node chain whose graph starts with an unknown
                     group field (protobuf keeps it as an unknown field)
                     holding N empty node-like fields, which are not nodes
"""
import sys


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, payload):
    """A length-delimited field (wire type 2)."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def int_field(number, value):
    return varint(number << 3) + varint(value)


def string(number, text):
    return field(number, text.encode())


def value_info(name, dims):
    # ValueInfoProto{name=1, type=2}; TypeProto{tensor_type=1};
    # Tensor{elem_type=1, shape=2}; TensorShapeProto{dim=1}; Dimension{dim_value=1}
    shape = b"".join(field(1, int_field(1, d)) for d in dims)
    tensor = int_field(1, 1) + field(2, shape)
    return string(1, name) + field(2, field(1, tensor))


def node(op, inputs, outputs, name, attributes=b""):
    # NodeProto{input=1, output=2, name=3, op_type=4, attribute=5}
    return (b"".join(string(1, i) for i in inputs) +
            b"".join(string(2, o) for o in outputs) + string(3, name) +
            string(4, op) + attributes)


def graph_attribute(name, graph):
    # AttributeProto{name=1, g=6, type=20 (GRAPH = 5)}
    return field(5, string(1, name) + field(6, graph) + int_field(20, 5))


def graph(nodes, inputs, outputs, name="g"):
    # GraphProto{node=1, name=2, input=11, output=12}
    return (b"".join(field(1, n) for n in nodes) + string(2, name) +
            b"".join(field(11, i) for i in inputs) +
            b"".join(field(12, o) for o in outputs))


def model(graph_bytes):
    # ModelProto{ir_version=1, graph=7, opset_import=8 (version=2)}
    return int_field(1, 8) + field(7, graph_bytes) + field(8, int_field(2, 13))


def relu_chain(n):
    names = ["x"] + ["t%d" % i for i in range(n - 1)] + ["y"]
    return [node("Relu", [names[i]], [names[i + 1]], "r%d" % i) for i in range(n)]


def main():
    kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    x, y = value_info("x", [1, 4]), value_info("y", [1, 4])
    if kind == "chain":
        data = model(graph(relu_chain(n), [x], [y]))
    elif kind == "empty":
        data = model(field(1, b"") * n + string(2, "g"))
    elif kind == "nested":
        inner = graph([node("Relu", ["x"], ["y"], "r")], [], [y])
        for level in range(n):
            attributes = graph_attribute("then_branch", inner) + \
                graph_attribute("else_branch", graph([], [], [y]))
            inner = graph([node("If", ["c"], ["y"], "if%d" % level, attributes)],
                          [], [y])
        data = model(inner)
    elif kind == "wide":
        branch = graph(relu_chain(n), [], [y])
        attributes = graph_attribute("then_branch", branch) + \
            graph_attribute("else_branch", branch)
        data = model(graph([node("If", ["c"], ["y"], "if0", attributes)],
                           [value_info("c", [])], [y]))
    elif kind == "grouped":
        group = varint(99 << 3 | 3) + field(1, b"") * n + varint(99 << 3 | 4)
        data = model(group + graph(relu_chain(3), [x], [y]))
    else:
        sys.exit("unknown kind " + kind)
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
