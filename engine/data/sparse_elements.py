"""SparseTensor components of dataset elements, carried as TensorFlow carries them: each SparseTensor is one
``variant`` component holding its three tensors (``SerializeSparse(out_type=variant)``, a vector of 3),
rebuilt with ``DeserializeSparse`` where the element is used (a map function's argument, ``get_next``).

    feats = {"tags": tg.VarLenFeature(tg.string)}
    ds = tg.data.TFRecordDataset(files).map(lambda r: tg.parse_single_example(r, feats)).batch(4)
    tags = tg.data.make_one_shot_iterator(ds).get_next()["tags"]     # a SparseTensor [4, longest]

``batch`` stacks the serialized components into a ``[batch, 3]`` variant; ``DeserializeSparse`` of that is
one SparseTensor with the batch index in front and, in each other dimension, the largest of the elements'
dense shapes. ``from_tensor_slices`` of a SparseTensor slices its first dimension (``SerializeManySparse``), and
``unbatch`` maps each element's SparseTensor to the ``[N, 3]`` variant of its rows the same way before splitting
them: each row keeps the batch's dense shape past the first dimension. ``padded_batch`` refuses SparseTensors.
The ops also take and give ``string`` (TensorProtos), as TensorFlow's do.
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import get_default_graph
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.framework.string_tensor_content import proto_array, proto_bytes
from tagraph.engine.ops.parsing_ops import SparseTensor
from tagraph.engine.data.dataset_kernels import HOST, invalid, shape_string
from tagraph.engine.data.structure import SparseTensorSpec, flatten, is_sparse, pack_as
from tagraph.protos import tensor_pb2

__all__ = ["serialize_sparse", "serialize_many_sparse", "deserialize_sparse", "batched_to_component", "encode_element",
           "decode_element"]


def _sparse_inputs(sp):
    return [sp.indices, sp.values, sp.dense_shape]


def serialize_sparse(sp, out_type=dtypes.variant, name=None):
    """``sp`` as one ``[3]`` tensor of ``out_type`` (variant, or string TensorProtos)."""
    return get_default_graph().create_op("SerializeSparse", _sparse_inputs(sp), {
        "T": sp.values.dtype.base_dtype, "out_type": out_type}, name=name).outputs[0]


def serialize_many_sparse(sp, out_type=dtypes.variant, name=None):
    """Each slice ``sp[i]`` of the first dimension as a row of a ``[N, 3]`` tensor of ``out_type``."""
    return get_default_graph().create_op("SerializeManySparse", _sparse_inputs(sp), {
        "T": sp.values.dtype.base_dtype, "out_type": out_type}, name=name).outputs[0]


def deserialize_sparse(serialized, dtype, name=None):
    """The SparseTensor of a ``[..., 3]`` serialized tensor (one SparseTensor for all of them, the leading
    dimensions in front of its own)."""
    op = get_default_graph().create_op("DeserializeSparse", [serialized], {
        "dtype": dtypes.as_dtype(dtype), "Tserialized": serialized.dtype.base_dtype}, name=name)
    return SparseTensor(*op.outputs)


# --- structure conversions (TensorFlow's SparseTensorSpec._to_tensor_list and friends) ------------------

def batched_to_component(sp):
    """(the ``[N, 3]`` variant of ``sp``'s slices, the spec of one slice), for ``from_tensor_slices``."""
    shape = sp.get_shape()
    if shape.rank == 0:
        raise ValueError("Unbatching a tensor is only supported for rank >= 1")
    return serialize_many_sparse(sp), SparseTensorSpec(TensorShape(None) if shape.rank is None else shape[1:],
                                                       sp.values.dtype.base_dtype)


# --- shapes -----------------------------------------------------------------------------------------------

@register_shape("SerializeSparse")
def _serialize_shape(op):
    return [TensorShape([3])]


@register_shape("SerializeManySparse")
def _serialize_many_shape(op):
    return [TensorShape([None, 3])]


@register_shape("DeserializeSparse", "DeserializeManySparse")
def _deserialize_shape(op):
    # The rank is the serialized tensors' own (unknown here) plus their leading dimensions.
    return [TensorShape([None, None]), TensorShape([None]), TensorShape([None])]


not_differentiable("SerializeSparse", "SerializeManySparse", "DeserializeSparse", "DeserializeManySparse")


# --- kernels ----------------------------------------------------------------------------------------------

def _check_parts(indices, values, shape):
    if indices.ndim != 2:
        raise invalid("Input indices should be a matrix but received shape %s", shape_string(indices.shape))
    if values.ndim != 1:
        raise invalid("Input values should be a vector but received shape %s", shape_string(values.shape))
    if shape.ndim != 1:
        raise invalid("Input shape should be a vector but received shape %s", shape_string(shape.shape))
    if indices.shape[0] != values.shape[0] or indices.shape[1] != shape.shape[0]:
        raise invalid("Input indices %s, values %s and shape %s do not make a SparseTensor",
                      shape_string(indices.shape), shape_string(values.shape), shape_string(shape.shape))


def _encode(parts, out_type):
    """One serialized SparseTensor: a [3] variant of its arrays, or a [3] string of their TensorProtos."""
    out = np.empty(3, dtype=object)
    for k, p in enumerate(parts):
        out[k] = p if out_type == dtypes.variant else proto_bytes(p)
    return out


def _decode(row, dtype, position=0):
    parts = []
    for k, p in enumerate(row):
        if isinstance(p, bytes):
            proto = tensor_pb2.TensorProto()
            try:
                proto.ParseFromString(p)
            except Exception:  # noqa: BLE001 - protobuf's DecodeError and others
                raise invalid("Could not parse serialized sparse tensor component %d", k) from None
            p = proto_array(proto)
        if not isinstance(p, np.ndarray):
            raise invalid("DeserializeSparse: serialized_sparse holds %s, not a serialized SparseTensor",
                          type(p).__name__)
        parts.append(p)
    indices, values, shape = parts
    if indices.dtype != np.int64 or shape.dtype != np.int64:
        raise invalid("Expected serialized_sparse to hold int64 indices and shape")
    want = np.dtype(object) if dtype == dtypes.string else np.dtype(dtype.as_numpy_dtype)
    if values.dtype != want:
        raise invalid("Requested SparseTensor of type %s but SparseTensor[%d].values.dtype() == %s",
                      dtypes.type_string(dtype), position,
                      dtypes.type_string(dtypes.as_dtype(values.dtype if values.dtype != object else dtypes.string)))
    _check_parts(indices, values, shape)
    return indices, values, shape


def _serialize_kernel(ctx, indices, values, shape):
    indices, values, shape = np.asarray(indices), np.asarray(values), np.asarray(shape)
    _check_parts(indices, values, shape)
    return _encode([indices, values, shape], dtypes.as_dtype(ctx.attrs["out_type"]))


def _serialize_many_kernel(ctx, indices, values, shape):
    indices, values, shape = np.asarray(indices), np.asarray(values), np.asarray(shape)
    _check_parts(indices, values, shape)
    if shape.shape[0] < 2:
        raise invalid("Rank of input SparseTensor should be > 1, but saw rank: %d", shape.shape[0])
    out_type = dtypes.as_dtype(ctx.attrs["out_type"])
    n = int(shape[0])
    out = np.empty((n, 3), dtype=object)
    rows = indices[:, 0] if indices.size else np.zeros(0, np.int64)
    if rows.size and (rows.min() < 0 or rows.max() >= n):
        raise invalid("Sparse indices out of range of the first dimension %d", n)
    order = np.argsort(rows, kind="stable")
    for i in range(n):
        take = order[rows[order] == i]
        out[i] = _encode([np.ascontiguousarray(indices[take, 1:]), values[take], shape[1:].copy()], out_type)
    return out


def _deserialize_kernel(ctx, serialized):
    x = np.asarray(serialized)
    dtype = dtypes.as_dtype(ctx.attrs["dtype"])
    if x.ndim < 1 or x.shape[-1] != 3:
        raise invalid("Serialized sparse should have 3 as the last dimension %s", shape_string(x.shape))
    if x.ndim == 1:
        return _decode(x, dtype)
    lead = x.shape[:-1]
    rows = [_decode(r, dtype, k) for k, r in enumerate(x.reshape(-1, 3))]
    if not rows:
        return (np.zeros((0, len(lead)), np.int64), np.zeros(0, dtype=object if dtype == dtypes.string
                                                              else dtype.as_numpy_dtype),
                np.array(list(lead), dtype=np.int64))
    rank = rows[0][2].shape[0]
    for i, (_, _, s) in enumerate(rows):
        if s.shape[0] != rank:
            raise invalid("Inconsistent shape across SparseTensors: rank prior to SparseTensor[%d] was: %d but "
                          "rank of SparseTensor[%d] is: %d", i, rank, i, s.shape[0])
    positions = np.stack(np.unravel_index(np.arange(len(rows)), lead), axis=1)
    indices = np.concatenate([np.concatenate([np.broadcast_to(positions[i], (r[0].shape[0], len(lead))), r[0]],
                                             axis=1) for i, r in enumerate(rows)]).astype(np.int64)
    values = np.concatenate([r[1] for r in rows])
    shape = np.concatenate([np.array(lead, np.int64), np.max(np.stack([r[2] for r in rows]), axis=0)])
    return indices, values, shape


def _deserialize_many_kernel(ctx, serialized):
    x = np.asarray(serialized)
    if x.ndim != 2 or x.shape[1] != 3:
        raise invalid("Serialized sparse should be a matrix with 3 columns, got %s", shape_string(x.shape))
    if x.shape[0] == 0:
        raise invalid("Serialized sparse should have non-zero number of rows")
    return _deserialize_kernel(ctx, x)


register_kernel("SerializeSparse", HOST)(_serialize_kernel)
register_kernel("SerializeManySparse", HOST)(_serialize_many_kernel)
register_kernel("DeserializeSparse", HOST)(_deserialize_kernel)
register_kernel("DeserializeManySparse", HOST)(_deserialize_many_kernel)



def encode_element(flat):
    """An element's flat components as the dataset op's tensors: each SparseTensor serialized to a variant."""
    return [serialize_sparse(c) if is_sparse(c) else c for c in flat]


class _SpecSparseTensor(SparseTensor):
    """A deserialized SparseTensor whose static shape is its spec's (as TensorFlow's from_compatible_tensor_list
    gives it), where its dense_shape tensor alone would tell only the rank."""

    def get_shape(self):
        return self._static_shape.merge_with(SparseTensor.get_shape(self))

    def __repr__(self):
        return "SparseTensor" + repr(tuple(self))


def _deserialized(t, spec):
    sp = deserialize_sparse(t, spec.dtype)
    rank = spec.shape.rank
    if rank is not None:
        sp.indices.set_shape([None, rank])
        sp.dense_shape.set_shape([rank])
    out = _SpecSparseTensor(*sp)
    out._static_shape = spec.shape
    return out


def decode_element(spec, tensors):
    """The element of ``spec`` from the dataset op's tensors: each sparse component deserialized."""
    return pack_as(spec, [_deserialized(t, s) if isinstance(s, SparseTensorSpec) else t
                          for t, s in zip(tensors, flatten(spec))])
