"""``tf.sparse``: the sparse tensor type and the sparse ops tagraph has.

Named one by one: ``tf.sparse.add``, ``concat``, ``reshape``, ... are sparse ops, not the dense ops of
the same name in ``tf``.

    sp = tf.sparse.placeholder(tf.float32)
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

SparseTensor = _tg.SparseTensor
placeholder = _tg.sparse_placeholder
reorder = _tg.sparse_reorder
reshape = _tg.sparse_reshape
retain = _tg.sparse_retain
fill_empty_rows = _tg.sparse_fill_empty_rows
to_dense = _tg.sparse_tensor_to_dense
slice = _tg.sparse_slice  # noqa: A001 - TensorFlow's name
merge = _tg.sparse_merge
cross = _tg.sparse_cross
cross_hashed = _tg.sparse_cross_hashed
add = _tg.sparse_add
concat = _tg.sparse_concat
split = _tg.sparse_split
transpose = _tg.sparse_transpose
mask = _tg.sparse_mask
matmul = sparse_dense_matmul = _tg.sparse_tensor_dense_matmul
reduce_sum = _tg.sparse_reduce_sum
reduce_sum_sparse = _tg.sparse_reduce_sum_sparse
reduce_max = _tg.sparse_reduce_max
reduce_max_sparse = _tg.sparse_reduce_max_sparse
softmax = _tg.sparse_softmax
maximum = _tg.sparse_maximum
minimum = _tg.sparse_minimum
eye = _tg.sparse_eye
from_dense = _tg.from_dense
to_indicator = _tg.sparse_to_indicator
expand_dims = _tg.sparse_expand_dims
reset_shape = _tg.sparse_reset_shape
bincount = _tg.sparse_bincount
segment_sum = _tg.sparse_segment_sum
segment_mean = _tg.sparse_segment_mean
segment_sqrt_n = _tg.sparse_segment_sqrt_n

_namespace.install(globals(), "tf.sparse")
