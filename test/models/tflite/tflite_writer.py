"""Writes TFLite flatbuffers (schema version 3) for bnnc's tests.

Written for bnnc from the format's published field order (the same facts as
compiler/tflite/tflite_subset.fbs), with the raw python3-flatbuffers
Builder: no generated code. LCE custom operators carry flexbuffer options.

    m = Model()
    x = m.input([1, 8, 8, 3], "x")
    w = m.const(np.zeros((4, 3, 3, 3), np.float32), "w")
    y = m.tensor([1, 8, 8, 4], name="y")
    m.op(CONV_2D, [x, w, -1], [y], conv2d_options(SAME, 1, 1, RELU))
    m.output(y)
    open("model.tflite", "wb").write(m.serialize())
"""
import flatbuffers
import flatbuffers.flexbuffers as flexbuffers
import numpy as np

# BuiltinOperator codes.
ADD, AVERAGE_POOL_2D, CONCATENATION, CONV_2D, DEPTHWISE_CONV_2D = 0, 1, 2, 3, 4
DEQUANTIZE, FULLY_CONNECTED, LOGISTIC, MAX_POOL_2D, MUL = 6, 9, 14, 17, 18
RELU, RELU_N1_TO_1, RELU6, RESHAPE, SOFTMAX, TANH = 19, 20, 21, 22, 25, 28
CUSTOM, PAD, MEAN, SUB, DIV, SQUEEZE, PADV2 = 32, 34, 40, 41, 42, 43, 60
QUANTIZE, HARD_SWISH, GATHER = 114, 117, 36

# TensorType.
FLOAT32, INT32, UINT8, INT64, INT8 = 0, 2, 3, 4, 9
_TYPE_OF = {np.dtype(np.float32): FLOAT32, np.dtype(np.int32): INT32,
            np.dtype(np.int64): INT64, np.dtype(np.int8): INT8,
            np.dtype(np.uint8): UINT8}

# Padding and ActivationFunctionType.
SAME, VALID = 0, 1
NONE, ACT_RELU, ACT_RELU_N1_TO_1, ACT_RELU6, ACT_TANH = 0, 1, 2, 3, 4

# BuiltinOptions union member numbers.
_OPTIONS = {"Conv2DOptions": 1, "DepthwiseConv2DOptions": 2,
            "Pool2DOptions": 5, "FullyConnectedOptions": 8,
            "SoftmaxOptions": 9, "ConcatenationOptions": 10,
            "AddOptions": 11, "ReshapeOptions": 17, "MulOptions": 21,
            "PadOptions": 22, "ReducerOptions": 27, "SubOptions": 28,
            "DivOptions": 29, "SqueezeOptions": 30, "PadV2Options": 43,
            "HardSwishOptions": 91}


class Options:
    """A builtin options table: its union member and (slot, kind, value,
    default) fields, kind one of b (byte), i (int32), f (float32), ivec."""

    def __init__(self, table, fields=()):
        self.table, self.fields = table, list(fields)


def conv2d_options(padding, stride_w, stride_h, act=NONE, dil_w=1, dil_h=1):
    return Options("Conv2DOptions", [(0, "b", padding, 0), (1, "i", stride_w, 0),
                                     (2, "i", stride_h, 0), (3, "b", act, 0),
                                     (4, "i", dil_w, 1), (5, "i", dil_h, 1)])


def depthwise_options(padding, stride_w, stride_h, multiplier, act=NONE,
                      dil_w=1, dil_h=1):
    return Options("DepthwiseConv2DOptions",
                   [(0, "b", padding, 0), (1, "i", stride_w, 0),
                    (2, "i", stride_h, 0), (3, "i", multiplier, 0),
                    (4, "b", act, 0), (5, "i", dil_w, 1), (6, "i", dil_h, 1)])


def pool_options(padding, stride_w, stride_h, filter_w, filter_h, act=NONE):
    return Options("Pool2DOptions", [(0, "b", padding, 0), (1, "i", stride_w, 0),
                                     (2, "i", stride_h, 0), (3, "i", filter_w, 0),
                                     (4, "i", filter_h, 0), (5, "b", act, 0)])


def fc_options(act=NONE, keep_num_dims=False):
    return Options("FullyConnectedOptions",
                   [(0, "b", act, 0), (2, "b", int(keep_num_dims), 0)])


def act_options(table, act=NONE):
    return Options(table, [(0, "b", act, 0)])


def softmax_options(beta):
    return Options("SoftmaxOptions", [(0, "f", beta, 0.0)])


def concat_options(axis, act=NONE):
    return Options("ConcatenationOptions", [(0, "i", axis, 0), (1, "b", act, 0)])


def reducer_options(keep_dims):
    return Options("ReducerOptions", [(0, "b", int(keep_dims), 0)])


def reshape_options(new_shape):
    return Options("ReshapeOptions", [(0, "ivec", list(new_shape), None)])


def squeeze_options(dims):
    return Options("SqueezeOptions", [(0, "ivec", list(dims), None)])


def pack_bits(signs):
    """LCE bit-packing of a +-1 (or real) array along its last axis: bit j of
    word w is channel 32 w + j, set where the value is < 0; tail bits 0."""
    signs = np.asarray(signs)
    c = signs.shape[-1]
    words = (c + 31) // 32
    bits = np.zeros(signs.shape[:-1] + (words * 32,), np.uint64)
    bits[..., :c] = signs < 0
    bits = bits.reshape(signs.shape[:-1] + (words, 32))
    packed = (bits << np.arange(32, dtype=np.uint64)).sum(-1)
    return packed.astype(np.uint32).view(np.int32)


class Model:
    def __init__(self, description="bnnc test model"):
        self.tensors = []  # (shape, type, buffer, name)
        # Tensor index -> (scales, zero points, quantized_dimension), written
        # as the tensor's QuantizationParameters (int8 tensors).
        self.quant = {}
        self.buffers = [b""]
        self.opcodes = []  # (builtin, custom)
        self.ops = []  # (opcode index, inputs, outputs, options, custom bytes)
        self.inputs, self.outputs = [], []
        self.description = description

    def tensor(self, shape, dtype=np.float32, name=None, data=None):
        buffer = 0
        if data is not None:
            self.buffers.append(np.ascontiguousarray(data, dtype).tobytes())
            buffer = len(self.buffers) - 1
        index = len(self.tensors)
        self.tensors.append((list(shape), _TYPE_OF[np.dtype(dtype)], buffer,
                             name or "t%d" % index))
        return index

    def quantize(self, index, scales, zero_points, axis=0):
        """Gives tensor `index` quantization parameters (lists; any lengths,
        so that malformed models can be written too)."""
        self.quant[index] = (list(np.atleast_1d(scales)),
                             list(np.atleast_1d(zero_points)), axis)
        return index

    def const(self, array, name=None):
        array = np.asarray(array)
        return self.tensor(array.shape, array.dtype, name, array)

    def input(self, shape, name):
        index = self.tensor(shape, np.float32, name)
        self.inputs.append(index)
        return index

    def output(self, index):
        self.outputs.append(index)

    def _opcode(self, builtin, custom=None):
        key = (builtin, custom)
        if key not in self.opcodes:
            self.opcodes.append(key)
        return self.opcodes.index(key)

    def op(self, builtin, inputs, outputs, options=None):
        self.ops.append((self._opcode(builtin), list(inputs), list(outputs),
                         options, None))

    def custom(self, name, inputs, outputs, options=None):
        data = flexbuffers.Dumps(options) if options is not None else None
        self.ops.append((self._opcode(CUSTOM, name), list(inputs),
                         list(outputs), None, data))

    # ---- serialization ----------------------------------------------------
    @staticmethod
    def _ints(b, values):
        b.StartVector(4, len(values), 4)
        for v in reversed(values):
            b.PrependInt32(v)
        return b.EndVector()

    @staticmethod
    def _offsets(b, offsets):
        b.StartVector(4, len(offsets), 4)
        for o in reversed(offsets):
            b.PrependUOffsetTRelative(o)
        return b.EndVector()

    @staticmethod
    def _quantization(b, scales, zero_points, axis):
        """QuantizationParameters: scale [float] (slot 2), zero_point [long]
        (slot 3), quantized_dimension int (slot 6)."""
        b.StartVector(4, len(scales), 4)
        for v in reversed(scales):
            b.PrependFloat32(float(v))
        scale_off = b.EndVector()
        b.StartVector(8, len(zero_points), 8)
        for v in reversed(zero_points):
            b.PrependInt64(int(v))
        zp_off = b.EndVector()
        b.StartObject(7)
        b.PrependUOffsetTRelativeSlot(2, scale_off, 0)
        b.PrependUOffsetTRelativeSlot(3, zp_off, 0)
        b.PrependInt32Slot(6, axis, 0)
        return b.EndObject()

    def _options(self, b, options):
        vectors = {slot: self._ints(b, value)
                   for slot, kind, value, _ in options.fields if kind == "ivec"}
        b.StartObject(max([f[0] for f in options.fields], default=-1) + 1)
        for slot, kind, value, default in options.fields:
            if kind == "b":
                b.PrependInt8Slot(slot, value, default)
            elif kind == "i":
                b.PrependInt32Slot(slot, value, default)
            elif kind == "f":
                b.PrependFloat32Slot(slot, value, default)
            else:
                b.PrependUOffsetTRelativeSlot(slot, vectors[slot], 0)
        return b.EndObject()

    def serialize(self):
        b = flatbuffers.Builder(1024)
        # Buffers.
        buffer_offsets = []
        for data in self.buffers:
            vec = b.CreateByteVector(data) if data else None
            b.StartObject(1)
            if vec is not None:
                b.PrependUOffsetTRelativeSlot(0, vec, 0)
            buffer_offsets.append(b.EndObject())
        # Tensors.
        tensor_offsets = []
        for index, (shape, ttype, buffer, name) in enumerate(self.tensors):
            name_off = b.CreateString(name)
            shape_off = self._ints(b, shape)
            quant_off = (self._quantization(b, *self.quant[index])
                         if index in self.quant else None)
            b.StartObject(8)
            b.PrependUOffsetTRelativeSlot(0, shape_off, 0)
            b.PrependInt8Slot(1, ttype, 0)
            b.PrependUint32Slot(2, buffer, 0)
            b.PrependUOffsetTRelativeSlot(3, name_off, 0)
            if quant_off is not None:
                b.PrependUOffsetTRelativeSlot(4, quant_off, 0)
            tensor_offsets.append(b.EndObject())
        # Operators.
        op_offsets = []
        for opcode, inputs, outputs, options, custom in self.ops:
            in_off, out_off = self._ints(b, inputs), self._ints(b, outputs)
            opt_off = self._options(b, options) if options else None
            custom_off = b.CreateByteVector(custom) if custom else None
            b.StartObject(7)
            b.PrependUint32Slot(0, opcode, 0)
            b.PrependUOffsetTRelativeSlot(1, in_off, 0)
            b.PrependUOffsetTRelativeSlot(2, out_off, 0)
            if options:
                b.PrependUint8Slot(3, _OPTIONS[options.table], 0)
                b.PrependUOffsetTRelativeSlot(4, opt_off, 0)
            if custom_off is not None:
                b.PrependUOffsetTRelativeSlot(5, custom_off, 0)
            op_offsets.append(b.EndObject())
        # Subgraph.
        tensors_vec = self._offsets(b, tensor_offsets)
        inputs_vec = self._ints(b, self.inputs)
        outputs_vec = self._ints(b, self.outputs)
        ops_vec = self._offsets(b, op_offsets)
        sg_name = b.CreateString("main")
        b.StartObject(5)
        b.PrependUOffsetTRelativeSlot(0, tensors_vec, 0)
        b.PrependUOffsetTRelativeSlot(1, inputs_vec, 0)
        b.PrependUOffsetTRelativeSlot(2, outputs_vec, 0)
        b.PrependUOffsetTRelativeSlot(3, ops_vec, 0)
        b.PrependUOffsetTRelativeSlot(4, sg_name, 0)
        subgraph = b.EndObject()
        # Operator codes: byte code below 127 in the deprecated field too,
        # as converters write it.
        code_offsets = []
        for builtin, custom in self.opcodes:
            custom_off = b.CreateString(custom) if custom else None
            b.StartObject(4)
            b.PrependInt8Slot(0, min(builtin, 127), 0)
            if custom_off is not None:
                b.PrependUOffsetTRelativeSlot(1, custom_off, 0)
            b.PrependInt32Slot(2, 1, 1)
            b.PrependInt32Slot(3, builtin, 0)
            code_offsets.append(b.EndObject())
        codes_vec = self._offsets(b, code_offsets)
        subgraphs_vec = self._offsets(b, [subgraph])
        desc = b.CreateString(self.description)
        buffers_vec = self._offsets(b, buffer_offsets)
        b.StartObject(5)
        b.PrependUint32Slot(0, 3, 0)
        b.PrependUOffsetTRelativeSlot(1, codes_vec, 0)
        b.PrependUOffsetTRelativeSlot(2, subgraphs_vec, 0)
        b.PrependUOffsetTRelativeSlot(3, desc, 0)
        b.PrependUOffsetTRelativeSlot(4, buffers_vec, 0)
        b.Finish(b.EndObject(), file_identifier=b"TFL3")
        return bytes(b.Output())
