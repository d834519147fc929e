"""``tg.IndexedSlices``: a sparse set of rows of a larger tensor, TensorFlow's sparse gradient.

The gradient of ``tg.gather`` (and of an embedding lookup) with respect to its params is an
IndexedSlices: the rows of the upstream gradient (``values``), the rows of params they belong to
(``indices``, repeats allowed: they add up) and the shape of params (``dense_shape``). An optimizer
applies it to the rows named only, so that an embedding of a million rows updates only the rows a
batch touched.

    emb = tg.get_variable("emb", [1000000, 64])
    g, = tg.gradients(tg.reduce_sum(tg.gather(emb, ids)), [emb])     # IndexedSlices
    sess.run(g)                       # IndexedSlicesValue(values=..., indices=..., dense_shape=...)
    dense = tg.convert_to_tensor(g)   # UnsortedSegmentSum(values, indices, dense_shape[0])

Several gradients arriving at one tensor are summed as TensorFlow sums them
(``backprop_util.AggregateIndexedSlicesGradients``): all IndexedSlices are concatenated (values and
indices, int32 indices widened to int64 when the kinds are mixed), a mix with dense tensors becomes one
dense AddN.
"""
import collections
import logging

import numpy as np

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import Tensor, convert_to_tensor
from tagraph.engine.framework.op_builder import make_op
from tagraph.engine.framework.tensor_shape import TensorShape

__all__ = ["IndexedSlices", "IndexedSlicesValue", "convert_to_tensor_or_indexed_slices", "aggregate_gradients"]

_log = logging.getLogger(__name__)

# A dense tensor this large made from an IndexedSlices is worth a warning (TensorFlow's threshold).
_LARGE_SPARSE_NUM_ELEMENTS = 100000000

IndexedSlicesValue = collections.namedtuple("IndexedSlicesValue", ["values", "indices", "dense_shape"])
IndexedSlicesValue.__doc__ = "What a session returns for a fetched IndexedSlices: its three components as arrays."


class IndexedSlices:
    """Rows ``values[i]`` of a tensor of shape ``dense_shape`` at row ``indices[i]`` (rows repeated add).

        s = tg.IndexedSlices(values, indices, dense_shape=tg.constant([4, 3]))
        tg.convert_to_tensor(s)     # the dense [4, 3] tensor
    """

    # Lets the session fetch it as an IndexedSlicesValue without importing this module.
    _tg_indexed_slices = True

    def __init__(self, values, indices, dense_shape=None):
        self._values = values
        self._indices = indices
        self._dense_shape = dense_shape

    @property
    def values(self):
        """The rows: a Tensor of shape ``[N] + dense_shape[1:]``."""
        return self._values

    @property
    def indices(self):
        """The row of each of ``values``: a 1-D integer Tensor of length N."""
        return self._indices

    @property
    def dense_shape(self):
        """The shape of the dense tensor (a 1-D Tensor), or None."""
        return self._dense_shape

    @property
    def shape(self):
        """The dense tensor's static shape, as far as ``dense_shape`` is known while building."""
        if self._dense_shape is None:
            return TensorShape(None)
        value = constant_value(self._dense_shape)
        if value is not None:
            return TensorShape([int(d) for d in np.asarray(value).reshape(-1)])
        rank = self._dense_shape.shape.num_elements()
        values = self._values.shape
        known = TensorShape([None] + values.dims[1:]) if values.rank else TensorShape(None)
        return known if rank is None or known.rank == rank else TensorShape([None] * rank)

    def get_shape(self):
        return self.shape

    @property
    def name(self):
        return self._values.name

    @property
    def device(self):
        return self._values.device

    @property
    def op(self):
        """The op that makes ``values``."""
        return self._values.op

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def graph(self):
        return self._values.graph

    def consumers(self):
        return self._values.consumers()

    def __neg__(self):
        return IndexedSlices(make_op("Neg", [self._values]), self._indices, self._dense_shape)

    def __str__(self):
        return "IndexedSlices(indices=%s, values=%s%s)" % (
            self._indices, self._values, ", dense_shape=%s" % (self._dense_shape,) if self._dense_shape is not None
            else "")

    __repr__ = __str__

    def _as_graph_tensor(self, dtype=None):
        """The dense tensor (TensorFlow's conversion of an IndexedSlices: UnsortedSegmentSum)."""
        if dtype is not None and dtypes.as_dtype(dtype).base_dtype != self.dtype.base_dtype:
            raise ValueError("Incompatible tensor conversion requested to `dtype` %s for IndexedSlices (%s) with "
                             "dtype %s" % (dtypes.as_dtype(dtype).name, self, self.dtype.name))
        if self._dense_shape is None:
            raise ValueError("Tensor conversion requested for IndexedSlices for argument `value` without "
                             "dense_shape: %s" % (self,))
        shape = constant_value(self._dense_shape)
        if shape is not None and np.prod(np.asarray(shape), dtype=np.float64) >= _LARGE_SPARSE_NUM_ELEMENTS:
            _log.warning("Converting sparse IndexedSlices to a dense Tensor with %d elements. This may consume a "
                         "large amount of memory.", int(np.prod(np.asarray(shape), dtype=np.float64)))
        return dense_of(self)


def dense_of(slices, name=None):
    """``slices`` as a dense Tensor, without the size warning (UnsortedSegmentSum of its rows)."""
    if not isinstance(slices, IndexedSlices):
        return slices
    if slices.dense_shape is None:
        raise ValueError("Tensor conversion requested for IndexedSlices without dense_shape: %s" % (slices,))
    g = slices.graph
    with g.as_default():
        rows = make_op("StridedSlice", [slices.dense_shape, [0], [1], [1]], {"shrink_axis_mask": 1})
        return make_op("UnsortedSegmentSum", [slices.values, slices.indices, rows], name=name)


def convert_to_tensor_or_indexed_slices(value, dtype=None, name=None):
    """``value`` as is when it is a Tensor or an IndexedSlices, else as a Tensor."""
    if isinstance(value, IndexedSlices):
        if dtype is not None and dtypes.as_dtype(dtype).base_dtype != value.dtype.base_dtype:
            raise ValueError("Tensor conversion requested dtype %s for IndexedSlices with dtype %s: %s"
                             % (dtypes.as_dtype(dtype).name, value.dtype.name, value))
        return value
    return convert_to_tensor(value, dtype=dtype, name=name)


def aggregate_gradients(grads, name="AddN"):
    """The sum of ``grads`` (Tensors and IndexedSlices), as TensorFlow's gradients sum them: AddN over
    dense ones (IndexedSlices among them made dense), a concatenated IndexedSlices when all are sparse."""
    grads = [g for g in grads if g is not None]
    if not grads:
        return None
    if len(grads) == 1:
        return grads[0]
    if len({g.dtype.base_dtype for g in grads}) > 1:
        raise TypeError("Gradients of %s have different dtypes: %s"
                        % (grads[0].name, ", ".join(g.dtype.name for g in grads)))
    if any(isinstance(g, Tensor) for g in grads):
        dense = [convert_to_tensor(g) for g in grads]
        return make_op("AddN", [dense], name=name)
    grads = [_flatten_nested(g) for g in grads]
    index_types = {g.indices.dtype.base_dtype for g in grads}
    if len(index_types) > 1:
        grads = [IndexedSlices(g.values, make_op("Cast", [g.indices], {"DstT": dtypes.int64}), g.dense_shape)
                 if g.indices.dtype.base_dtype == dtypes.int32 else g for g in grads]
    values = make_op("ConcatV2", [[g.values for g in grads], 0])
    indices = make_op("ConcatV2", [[g.indices for g in grads], 0])
    return IndexedSlices(values, indices, grads[0].dense_shape)


def _flatten_nested(g):
    # IndexedSlices whose values are IndexedSlices again: the inner rows re-indexed through the outer.
    if isinstance(g.values, IndexedSlices):
        inner = _flatten_nested(g.values)
        return IndexedSlices(inner.values, make_op("GatherV2", [g.indices, inner.indices, 0]), inner.dense_shape)
    return g
