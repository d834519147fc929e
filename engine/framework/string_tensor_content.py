"""String TensorProtos packed as TensorFlow packs them (``Tensor::AsProtoTensorContent``, which
SerializeSparse uses): ``tensor_content`` holds every string's varint length, then all their bytes.

    proto_bytes(np.array([b"ab"], dtype=object))     # b'\\x08\\x07\\x12\\x04\\x12\\x02\\x08\\x01"\\x03\\x02ab'
"""
import numpy as np

from tagraph.engine.framework.tensor_util import make_ndarray, make_tensor_proto

__all__ = ["proto_bytes", "proto_array"]


def _varint(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def proto_bytes(arr):
    """The serialized TensorProto of ``arr``, strings in ``tensor_content`` as TensorFlow's."""
    if arr.dtype != object:
        return make_tensor_proto(arr).SerializeToString()
    proto = make_tensor_proto(np.full(arr.shape, b"", object))
    del proto.string_val[:]
    items = [bytes(v) for v in arr.reshape(-1)]
    proto.tensor_content = b"".join(_varint(len(v)) for v in items) + b"".join(items)
    return proto.SerializeToString()


def proto_array(proto):
    """The array of a TensorProto, string ``tensor_content`` included."""
    if proto.dtype != 7 or not proto.tensor_content:   # 7: DT_STRING
        return make_ndarray(proto)
    data, pos, lengths = proto.tensor_content, 0, []
    shape = [d.size for d in proto.tensor_shape.dim]
    for _ in range(int(np.prod(shape, dtype=np.int64))):
        n, shift = 0, 0
        while True:
            byte = data[pos]
            pos += 1
            n |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        lengths.append(n)
    out = np.empty(len(lengths), object)
    for k, n in enumerate(lengths):
        out[k] = bytes(data[pos:pos + n])
        pos += n
    return out.reshape(shape)
