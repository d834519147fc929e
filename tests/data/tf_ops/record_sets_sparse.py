"""Records what real TensorFlow computes for tests/engine/ops/test_set_ops.py,
test_sparse_serialization_ops.py, test_sparse_extra_ops.py and test_sparse_count_ops.py: ``tf.sets`` (SetSize
and the Dense/Sparse set operations), serialized SparseTensors (SerializeSparse, SerializeManySparse,
DeserializeManySparse, their bytes), ``tf.sparse.eye``, ``from_dense``, ``to_indicator``, ``expand_dims``,
``reset_shape`` and ``bincount`` (Dense/SparseCountSparseOutput), and ``tf.sparse_matmul`` (SparseMatMul, with
its gradient).

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_sets_sparse.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

``sets_sparse.json`` maps each case's name to its outputs (``{"dtype", "shape", "values"}``, bytes as hex) or,
for a bad input, to ``{"error": class name, "message": first line of TensorFlow's message}``. A case's
``build`` takes a TensorFlow-1 namespace and returns the tensors to run (a SparseTensor as its three parts), so
the tests build the same graphs with ``tagraph.compat.v1``; importing this file needs only numpy.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
_A = [[1, 2, 3], [4, 5, 6]]
_B = [[3, 2, 2], [4, 7, 7]]
_SA = dict(indices=[[0, 0], [0, 1], [1, 0], [1, 2], [2, 1]], values=[5, 1, 9, 9, 3], dense_shape=[4, 3])
_SB = dict(indices=[[0, 0], [1, 1], [1, 2], [3, 0]], values=[1, 7, 9, 2], dense_shape=[4, 3])
_S3 = dict(indices=[[0, 0, 0], [0, 0, 2], [0, 1, 0], [1, 1, 1], [1, 1, 2]], values=[3, 1, 2, 8, 8],
           dense_shape=[2, 2, 3])
_BIN = [[10, 20, 30, 20], [11, 101, 11, 10001]]
_X = np.random.default_rng(11).uniform(-2, 2, size=[3, 4]).astype(np.float32)
_Y = np.random.default_rng(12).uniform(-2, 2, size=[4, 5]).astype(np.float32)
_X[0, 1] = _X[2, 2] = _Y[1, 0] = 0.0


def _sp(tf, parts, dtype=None):
    values = parts["values"] if dtype is None else tf.constant(parts["values"], dtype)
    return tf.SparseTensor(parts["indices"], values, parts["dense_shape"])


def _flat(outputs):
    flat = []
    for t in outputs:
        flat += [t.indices, t.values, t.dense_shape] if hasattr(t, "dense_shape") else [t]
    return flat


def _str(tf, rows):
    return tf.constant([[s.encode() for s in r] for r in rows])


CASES = {
    # tf.sets
    "intersection_dd": lambda tf: [tf.sets.intersection(tf.constant(_A, tf.int64), tf.constant(_B, tf.int64))],
    "union_dd_int32": lambda tf: [tf.sets.union(tf.constant(_A), tf.constant(_B))],
    "difference_dd": lambda tf: [tf.sets.difference(tf.constant(_A), tf.constant(_B))],
    "difference_dd_bminusa": lambda tf: [tf.sets.set_difference(tf.constant(_A), tf.constant(_B), aminusb=False)],
    "union_dd_strings": lambda tf: [tf.sets.union(_str(tf, [["b", "a", "b"], ["z", "", "y"]]),
                                                  _str(tf, [["c", "a", "a"], ["y", "x", "x"]]))],
    "intersection_ds": lambda tf: [tf.sets.intersection(tf.constant([[5, 1, 2], [9, 9, 4], [3, 0, 0], [1, 1, 1]]),
                                                        _sp(tf, _SB))],
    "difference_ds": lambda tf: [tf.sets.difference(tf.constant([[5, 1, 2], [9, 9, 4], [3, 0, 0], [1, 1, 1]]),
                                                    _sp(tf, _SB))],
    "union_ss": lambda tf: [tf.sets.union(_sp(tf, _SA), _sp(tf, _SB))],
    "difference_ss_bminusa": lambda tf: [tf.sets.difference(_sp(tf, _SA), _sp(tf, _SB), aminusb=False)],
    "intersection_ss_rank3": lambda tf: [tf.sets.intersection(
        _sp(tf, _S3, tf.int64), tf.SparseTensor([[0, 0, 1], [1, 1, 0]], tf.constant([1, 8], tf.int64), [2, 2, 3]))],
    "union_sd_swapped": lambda tf: [tf.sets.union(_sp(tf, _SB), tf.constant([[5, 1, 2], [9, 9, 4], [3, 0, 0],
                                                                              [1, 1, 1]]))],
    "size_sparse": lambda tf: [tf.sets.size(_sp(tf, _SA)), tf.sets.set_size(_sp(tf, _S3))],
    "size_dense_as_sparse": lambda tf: [tf.sets.size(tf.sparse.from_dense(tf.constant(_A)))],
    "size_strings": lambda tf: [tf.sets.size(tf.SparseTensor([[0, 0], [0, 1], [2, 0]], ["a", "a", "b"], [3, 2]))],
    "err_dd_rank": lambda tf: [tf.sets.union(tf.constant(_A), tf.constant([[[1]]]))],
    "err_dd_lead": lambda tf: [tf.sets.union(tf.constant(_A), tf.constant([[1], [2], [3]]))],
    "err_rank1": lambda tf: [tf.sets.union(tf.constant([1, 2]), tf.constant([1, 2]))],
    "err_size_order": lambda tf: [tf.sets.size(tf.SparseTensor([[1, 0], [0, 0]], [1, 2], [2, 2]))],
    "err_ss_shape": lambda tf: [tf.sets.union(_sp(tf, _SA), tf.SparseTensor([[0, 0]], [1], [3, 3]))],
    "err_float": lambda tf: [tf.sets.union(tf.constant([[1.0]]), tf.constant([[1.0]]))],
    "err_dtype_mismatch": lambda tf: [tf.sets.union(tf.constant([[1]]), tf.constant([[1]], tf.int64))],
    # serialized SparseTensors
    "serialize_sparse": lambda tf: [tf.serialize_sparse(_sp(tf, _SA))],
    "serialize_sparse_strings": lambda tf: [tf.io.serialize_sparse(tf.SparseTensor([[0, 1]], ["ab"], [2, 2]))],
    "serialize_sparse_float": lambda tf: [tf.serialize_sparse(tf.SparseTensor([[0, 1], [1, 0]], [1.5, -2.0],
                                                                              [2, 2]))],
    "serialize_many_sparse": lambda tf: [tf.serialize_many_sparse(_sp(tf, _S3, tf.int64))],
    "deserialize_many_sparse": lambda tf: [tf.deserialize_many_sparse(tf.serialize_many_sparse(_sp(tf, _SA)),
                                                                      tf.int32)],
    "deserialize_many_sparse_rank3": lambda tf: [tf.deserialize_many_sparse(
        tf.serialize_many_sparse(_sp(tf, _S3, tf.int64)), tf.int64, rank=3)],
    "err_deserialize_dtype": lambda tf: [tf.deserialize_many_sparse(tf.serialize_many_sparse(_sp(tf, _SA)),
                                                                    tf.float32)],
    "err_serialize_many_rank1": lambda tf: [tf.serialize_many_sparse(tf.SparseTensor([[0]], [1], [3]))],
    # tf.sparse extras
    "eye_square": lambda tf: [tf.sparse.eye(3)],
    "eye_wide_int": lambda tf: [tf.sparse.eye(2, 4, dtype=tf.int32)],
    "from_dense": lambda tf: [tf.sparse.from_dense(tf.constant([[0.0, 1.5], [0.0, 0.0], [-2.0, 0.0]]))],
    "from_dense_strings": lambda tf: [tf.sparse.from_dense(tf.constant([[b"", b"a"], [b"b", b""]]))],
    "to_indicator": lambda tf: [tf.sparse.to_indicator(_sp(tf, _SA, tf.int64), 10)],
    "to_indicator_v1_name": lambda tf: [tf.sparse_to_indicator(_sp(tf, _S3, tf.int64), 9)],
    "expand_dims_0": lambda tf: [tf.sparse.expand_dims(_sp(tf, _SA), 0)],
    "expand_dims_1": lambda tf: [tf.sparse.expand_dims(_sp(tf, _SA), 1)],
    "expand_dims_default": lambda tf: [tf.sparse.expand_dims(_sp(tf, _S3))],
    "expand_dims_neg": lambda tf: [tf.sparse.expand_dims(_sp(tf, _S3), -2)],
    "reset_shape_tight": lambda tf: [tf.sparse.reset_shape(_sp(tf, _SA))],
    "reset_shape_new": lambda tf: [tf.sparse_reset_shape(_sp(tf, _SA), [5, 7])],
    "err_reset_shape_small": lambda tf: [tf.sparse.reset_shape(_sp(tf, _SA), [3, 7])],
    "err_reset_shape_rank": lambda tf: [tf.sparse.reset_shape(_sp(tf, _SA), [5, 7, 1])],
    "sparse_matmul": lambda tf: [tf.sparse_matmul(_X, _Y, a_is_sparse=True)],
    "sparse_matmul_t": lambda tf: [tf.sparse_matmul(_Y, _X, transpose_a=True, transpose_b=True, b_is_sparse=True)],
    "sparse_matmul_grad": lambda tf: _matmul_grad(tf),
    "err_sparse_matmul_shape": lambda tf: [tf.sparse_matmul(_X, _X)],
    "bincount_1d": lambda tf: [tf.sparse.bincount(tf.constant([1, 3, 3, 0, 7], tf.int64))],
    "bincount_2d_axis0_int32": lambda tf: [tf.sparse.bincount(tf.constant([[1, 3], [3, 0]]), minlength=6)],
    "bincount_binary_rows": lambda tf: [tf.sparse.bincount(tf.constant(_BIN, tf.int64), axis=-1,
                                                           binary_output=True)],
    "bincount_weights_rows": lambda tf: [tf.sparse.bincount(tf.constant(_BIN, tf.int64), axis=-1,
                                                            weights=[[2, 0.25, 15, 0.5], [2, 17, 3, 0.9]])],
    "bincount_maxlength": lambda tf: [tf.sparse.bincount(tf.constant(_BIN, tf.int64), axis=-1, maxlength=25,
                                                         minlength=3)],
    "bincount_sparse_rows": lambda tf: [tf.sparse.bincount(_sp(tf, _SA), axis=-1)],
    "bincount_sparse_axis0": lambda tf: [tf.sparse.bincount(_sp(tf, _SA, tf.int64), minlength=2)],
    "bincount_sparse_weights": lambda tf: [tf.sparse.bincount(
        _sp(tf, _SA), axis=-1, weights=tf.SparseTensor(_SA["indices"], [0.5, 1.0, 2.0, 4.0, 8.0], [4, 3]))],
    "err_bincount_negative": lambda tf: [tf.sparse.bincount(tf.constant([1, -3]))],
    "err_bincount_axis": lambda tf: [tf.sparse.bincount(tf.constant([[1, 3]]), axis=1)],
    "err_bincount_binary_weights": lambda tf: [tf.sparse.bincount(tf.constant([1]), weights=[1.0],
                                                                  binary_output=True)],
    "sparse_bincount_op_rows": lambda tf: [_sparse_bincount_op(tf, _SA, 6, [])],
    "sparse_bincount_op_weights": lambda tf: [_sparse_bincount_op(tf, _SA, 10, [0.5, 1.0, 2.0, 4.0, 8.0])],
    "sparse_bincount_op_1d_binary": lambda tf: [_sparse_bincount_op(
        tf, dict(indices=[[0], [2], [5]], values=[3, 3, 1], dense_shape=[7]), 5, [], binary_output=True)],
    "err_sparse_bincount_op_negative": lambda tf: [_sparse_bincount_op(
        tf, dict(indices=[[0], [2]], values=[3, -1], dense_shape=[7]), 5, [])],
}


def _sparse_bincount_op(tf, parts, size, weights, binary_output=False):
    """SparseBincount, which no TensorFlow 1 function builds (tf.math.bincount of a SparseTensor is TensorFlow 2's):
    from tf.raw_ops in TensorFlow, from tagraph's op builder in the tests."""
    args = dict(indices=tf.constant(parts["indices"], tf.int64), values=tf.constant(parts["values"]),
                dense_shape=tf.constant(parts["dense_shape"], tf.int64), size=tf.constant(size),
                weights=tf.constant(weights, tf.float32))
    if tf.__name__.startswith("tensorflow"):
        return tf.raw_ops.SparseBincount(binary_output=binary_output, **args)
    import tagraph.engine as tg  # noqa: only the tests build it this way
    return tg.make_op("SparseBincount", [args[k] for k in ("indices", "values", "dense_shape", "size", "weights")],
                      {"binary_output": binary_output})

_NAMES = list(CASES)
SET_CASES = _NAMES[:_NAMES.index("serialize_sparse")]
SERIALIZATION_CASES = _NAMES[_NAMES.index("serialize_sparse"):_NAMES.index("eye_square")]
EXTRA_CASES = _NAMES[_NAMES.index("eye_square"):_NAMES.index("bincount_1d")]
BINCOUNT_CASES = _NAMES[_NAMES.index("bincount_1d"):]


def _matmul_grad(tf):
    x, y = tf.constant(_X), tf.constant(_Y)
    z = tf.sparse_matmul(x, y, a_is_sparse=True)
    zt = tf.sparse_matmul(y, x, transpose_a=True, transpose_b=True, b_is_sparse=True)
    w = tf.constant(np.arange(15, dtype=np.float32).reshape(3, 5) / 7.0)
    return tf.gradients(tf.reduce_sum(z * w), [x, y]) + tf.gradients(tf.reduce_sum(zt * tf.transpose(w)), [x, y])


def encode(value):
    a = np.asarray(value)
    if a.dtype == object or a.dtype.kind == "S":
        flat = [bytes(v).hex() for v in a.reshape(-1)]
        return {"dtype": "bytes", "shape": list(a.shape), "values": flat}
    return {"dtype": a.dtype.name, "shape": list(a.shape), "values": a.reshape(-1).tolist()}


def first_line(message):
    """TensorFlow's own message: after the ``Node: '...'`` line of a graph execution error, before the
    `` for '{{node ...`` of a shape function's."""
    lines = message.splitlines()
    for k, line in enumerate(lines[:-1]):
        if line.startswith("Node: "):
            return lines[k + 1]
    return lines[0].split(" for '{{node")[0] if lines else ""


def run_case(tf, build):
    """Builds and runs a case: its encoded outputs, or the error class and the first line of its message."""
    with tf.Graph().as_default():
        try:
            outputs = _flat(build(tf))
            with tf.Session() as sess:
                values = sess.run(outputs)
        except Exception as e:  # noqa: BLE001 - the error is the recorded result
            return {"error": type(e).__name__, "message": first_line(getattr(e, "message", None) or str(e))}
    return [encode(v) for v in values]


def check(tf, name, recorded):
    """Runs case ``name`` with ``tf`` (tagraph.compat.v1 in the tests) and asserts it gives TensorFlow's
    recorded outputs, or its error class with its message (the names before a frozenset, whose order is
    Python's hash order)."""
    got, want = run_case(tf, CASES[name]), recorded[name]
    if "error" in want:
        assert isinstance(got, dict), got
        assert got["error"] == want["error"], got
        assert want["message"].split("frozenset")[0] in got["message"], got
        return
    assert not isinstance(got, dict), got
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert (g["dtype"], g["shape"]) == (w["dtype"], w["shape"])
        if w["dtype"] in ("bytes", "bool") or w["dtype"].startswith(("int", "uint")):
            assert g["values"] == w["values"]
        else:
            np.testing.assert_allclose(g["values"], w["values"], rtol=1e-5, atol=1e-5)


def main():
    import tensorflow.compat.v1 as tf  # noqa: only the recording needs TensorFlow
    tf.disable_eager_execution()
    out = {name: run_case(tf, build) for name, build in CASES.items()}
    path = os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), "sets_sparse.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=0, sort_keys=True)
    print("wrote", path)


if __name__ == "__main__":
    main()
