"""TensorFlow 1's functions for serialized SparseTensors: ``serialize_sparse``, ``serialize_many_sparse`` and
``deserialize_many_sparse``, over the SerializeSparse, SerializeManySparse and DeserializeManySparse ops
(their kernels and shape functions are registered with the dataset elements that carry SparseTensors,
tagraph.engine.data.sparse_elements, and found by op type when a graph first has one). TensorFlow 1
serializes to ``string``: each SparseTensor is a ``[3]`` string of the TensorProtos of its indices, values
and dense shape, byte for byte TensorFlow's.

    sp = tg.SparseTensor([[0, 1], [2, 0]], [5, 7], [3, 2])
    rows = tg.serialize_many_sparse(sp)                  # [3, 3] strings: one serialized row each
    back = tg.deserialize_many_sparse(rows, tg.int32)    # sp again
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import convert_to_tensor
from tagraph.engine.ops.parsing_ops import SparseTensor, SparseTensorValue

__all__ = ["serialize_sparse", "serialize_many_sparse", "deserialize_many_sparse"]


def _sparse(sp):
    if isinstance(sp, SparseTensorValue):
        return SparseTensor.from_value(sp)
    if not getattr(type(sp), "_tg_sparse_tensor", False):
        raise TypeError("Input must be a SparseTensor.")
    return sp


def _serialize(op_type, sp, out_type, name):
    sp = _sparse(sp)
    op = sp.values.graph.create_op(op_type, [sp.indices, sp.values, sp.dense_shape], {
        "T": sp.values.dtype.base_dtype, "out_type": dtypes.as_dtype(out_type)}, name=name or op_type)
    return op.outputs[0]


def serialize_sparse(sp_input, name=None, out_type=dtypes.string):
    """``sp_input`` as a ``[3]`` tensor of ``out_type``: the serialized TensorProtos of its indices, values and
    dense shape (SerializeSparse)."""
    return _serialize("SerializeSparse", sp_input, out_type, name)


def serialize_many_sparse(sp_input, name=None, out_type=dtypes.string):
    """Each slice ``sp_input[i]`` of the first dimension serialized as a row of an ``[N, 3]`` tensor of
    ``out_type`` (SerializeManySparse); ``sp_input``'s rank must be > 1."""
    return _serialize("SerializeManySparse", sp_input, out_type, name)


def deserialize_many_sparse(serialized_sparse, dtype, rank=None, name=None):
    """The SparseTensor of the ``[N, 3]`` serialized rows (``serialize_many_sparse``'s): row ``i`` becomes the
    slice ``[i]``, the dense shape the largest of the rows' in each dimension (DeserializeManySparse).
    ``rank``, when given, is the result's rank (the rows' rank + 1)."""
    serialized_sparse = convert_to_tensor(serialized_sparse, name="serialized_sparse")
    op = serialized_sparse.graph.create_op("DeserializeManySparse", [serialized_sparse],
                                           {"dtype": dtypes.as_dtype(dtype)}, name=name or "DeserializeManySparse")
    indices, values, shape = op.outputs
    indices.set_shape([None, rank])
    shape.set_shape([rank])
    return SparseTensor(indices, values, shape)
