"""Records what real TensorFlow computes for the sparse ops feature columns are built on, for
tests/engine/ops/test_sparse_ops.py, test_sparse_cross_ops.py and test_bucketize_ops.py: SparseReshape,
SparseFillEmptyRows, SparseToDense, SparseSlice, sparse_retain and sparse_merge, safe_embedding_lookup_sparse,
Bucketize, SparseCross (strings and hashes), SparseCrossV2 and SparseCrossHashed.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/sparse_ops/record_sparse_ops.py

The cases are defined here, once, and the tests import this file to build the same graphs in tagraph
(tests/engine/ops/tf_reference.py's check_case and check_error replay them): a case's ``build`` takes a
TensorFlow-1 namespace (``tensorflow.compat.v1`` here, ``tagraph.engine`` in the tests) and one placeholder
per input, and returns a list of tensors (a SparseTensor's three parts). ``sparse_ops.npz`` holds the inputs,
outputs, static shapes, upstream gradients and gradients as tests/data/tf_ops/record.py writes them; string
outputs, which that format cannot hold, are in ``sparse_ops.json`` with the errors' texts. Written into
TAGRAPH_RECORD_DIR (default: beside this file); importing this file needs only numpy.
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


class Case:
    """``build(tf, *placeholders)`` on ``inputs``; the gradients of the inputs numbered in ``grad``."""

    def __init__(self, name, build, inputs, grad=(), host_only=False):
        self.name, self.build, self.inputs, self.grad = name, build, [np.asarray(a) for a in inputs], tuple(grad)
        self.init, self.host_only = False, host_only


class Err:
    """``build`` on ``inputs`` fails as TensorFlow's: while building with known shapes (``static``), else run."""

    def __init__(self, name, build, inputs, static=False, host_only=False):
        self.name, self.build, self.inputs, self.static = name, build, [np.asarray(a) for a in inputs], static
        self.init, self.host_only = False, host_only


def i64(v):
    return np.asarray(v, np.int64)


def f32(v):
    return np.asarray(v, np.float32)


def strings(v):
    return np.asarray([s.encode() for s in v], dtype="S")


def _sp(tf, i, v, s):
    return tf.SparseTensor(i, v, s)


def _parts(sp):
    return [sp.indices, sp.values, sp.dense_shape]


# --- what TensorFlow and tagraph call the ops ----------------------------------------------------------------

def bucketize(tf, x, boundaries):
    if hasattr(tf, "raw_ops"):
        return tf.raw_ops.Bucketize(input=x, boundaries=boundaries)
    from tagraph.engine.ops.bucketize_ops import bucketize as tagraphs
    return tagraphs(x, boundaries)


def sparse_cross(tf, inputs, separator=None):
    fn = tf.sparse.cross if hasattr(tf, "sparse") and hasattr(tf.sparse, "cross") else tf.sparse_cross
    return fn(inputs, separator=separator)


def sparse_cross_hashed(tf, inputs, num_buckets=0, hash_key=None):
    fn = tf.sparse.cross_hashed if hasattr(tf, "sparse") and hasattr(tf.sparse, "cross_hashed") else \
        tf.sparse_cross_hashed
    return fn(inputs, num_buckets=num_buckets, hash_key=hash_key)


def sparse_cross_hashed_v2(tf, sparse, dense, num_buckets, strong_hash, salt):
    """SparseCrossHashed (TensorFlow 2's op; no TensorFlow 1 function builds it)."""
    parts = ([s.indices for s in sparse], [s.values for s in sparse], [s.dense_shape for s in sparse], list(dense))
    if hasattr(tf, "raw_ops"):
        out = tf.raw_ops.SparseCrossHashed(indices=parts[0], values=parts[1], shapes=parts[2], dense_inputs=parts[3],
                                           num_buckets=num_buckets, strong_hash=strong_hash, salt=salt)
        return list(out)
    return list(tf.make_op("SparseCrossHashed", list(parts) + [tf.constant(num_buckets, tf.int64),
                                                              tf.constant(strong_hash), tf.constant(salt, tf.int64)]))


def safe_lookup(tf, params, sp_ids, sp_weights=None, **kw):
    return tf.nn.safe_embedding_lookup_sparse(params, sp_ids, sp_weights, **kw)


# --- the cases -----------------------------------------------------------------------------------------------

_IDX = i64([[0, 1], [0, 3], [2, 0], [3, 2]])
_UNORDERED = i64([[2, 0], [0, 1], [3, 2], [0, 0]])
_VALS = f32([1.5, -2.0, 3.0, 0.5])
_SHAPE = i64([5, 4])

SPARSE = [
    Case("reshape_to_3d", lambda tf, i, v, s: _parts(tf.sparse_reshape(_sp(tf, i, v, s), [2, -1, 5])),
         [_IDX, _VALS, i64([4, 5])]),
    Case("reshape_to_1d", lambda tf, i, v, s: _parts(tf.sparse_reshape(_sp(tf, i, v, s), [-1])), [_IDX, _VALS, _SHAPE]),
    Case("reshape_same", lambda tf, i, v, s: _parts(tf.sparse_reshape(_sp(tf, i, v, s), [5, 4])),
         [_IDX, _VALS, _SHAPE]),
    Case("reshape_empty", lambda tf, i, v, s: _parts(tf.sparse_reshape(_sp(tf, i, v, s), [3, 0, 2])),
         [i64(np.zeros((0, 2))), f32([]), i64([6, 0])]),
    Case("fill_empty_rows_ordered", lambda tf, i, v, s: _fill(tf, i, v, s, -1.0), [_IDX, _VALS, _SHAPE],
         grad=(1,)),
    Case("fill_empty_rows_unordered", lambda tf, i, v, s: _fill(tf, i, v, s, 7.0), [_UNORDERED, _VALS, _SHAPE],
         grad=(1,)),
    Case("fill_empty_rows_full", lambda tf, i, v, s: _fill(tf, i, v, s, 0.0),
         [i64([[0, 0], [1, 1], [2, 0]]), f32([1, 2, 3]), i64([3, 2])], grad=(1,)),
    Case("fill_empty_rows_none", lambda tf, i, v, s: _fill(tf, i, v, s, 2.5), [i64(np.zeros((0, 2))), f32([]),
                                                                            i64([3, 4])]),
    Case("fill_empty_rows_int", lambda tf, i, v, s: _fill(tf, i, v, s, 9), [_UNORDERED, i64([4, 5, 6, 7]), _SHAPE]),
    Case("fill_empty_rows_default_grad", lambda tf, i, v, s, d: _fill(tf, i, v, s, d),
         [_IDX, _VALS, _SHAPE, f32(-1.0)], grad=(1, 3)),
    Case("fill_empty_rows_3d", lambda tf, i, v, s: _fill(tf, i, v, s, 1.0),
         [i64([[1, 0, 1], [1, 1, 0]]), f32([4, 5]), i64([3, 2, 2])], grad=(1,)),
    Case("to_dense", lambda tf, i, v, s: [tf.sparse_tensor_to_dense(_sp(tf, i, v, s), default_value=-1.0)],
         [_IDX, _VALS, _SHAPE], grad=(1,)),
    Case("to_dense_int", lambda tf, i, v, s: [tf.sparse_tensor_to_dense(_sp(tf, i, v, s))],
         [_IDX, i64([1, 2, 3, 4]), _SHAPE]),
    Case("sparse_to_dense_scalar", lambda tf, i, s: [tf.sparse_to_dense(i, s, 2.0, default_value=0.5)],
         [_IDX, _SHAPE]),
    Case("sparse_to_dense_1d", lambda tf, i, v: [tf.sparse_to_dense(i, [6], v)], [i64([0, 2, 5]), f32([1, 2, 3])]),
    Case("sparse_to_dense_unvalidated", lambda tf, i, v: [tf.sparse_to_dense(i, [3, 3], v, validate_indices=False)],
         [i64([[2, 1], [0, 0]]), f32([4, 5])]),
    Case("to_dense_default_grad", lambda tf, i, s, v, d: [tf.sparse_to_dense(i, s, v, default_value=d)],
         [_IDX, _SHAPE, _VALS, f32(0.25)], grad=(2, 3)),
    Case("slice", lambda tf, i, v, s: _parts(tf.sparse_slice(_sp(tf, i, v, s), [0, 1], [3, 3])),
         [_IDX, _VALS, _SHAPE], grad=(1,), host_only=True),
    Case("slice_past_the_end", lambda tf, i, v, s: _parts(tf.sparse_slice(_sp(tf, i, v, s), [2, 2], [9, 9])),
         [_IDX, _VALS, _SHAPE], grad=(1,), host_only=True),
    Case("retain", lambda tf, i, v, s, k: _parts(tf.sparse_retain(_sp(tf, i, v, s), k)),
         [_IDX, _VALS, _SHAPE, np.array([True, False, True, True])], grad=(1,)),
    Case("merge", lambda tf, i, v, s, w: _parts(tf.sparse_merge(_sp(tf, i, v, s), _sp(tf, i, w, s), 6)),
         [_UNORDERED, i64([3, 5, 0, 3]), _SHAPE, _VALS], host_only=True),
    Case("safe_lookup_mean", lambda tf, p, i, v, s: [safe_lookup(tf, p, _sp(tf, i, v, s))],
         [f32(np.arange(12).reshape(4, 3) / 4), _IDX, i64([1, -1, 3, 3]), _SHAPE], grad=(0,)),
    Case("safe_lookup_weighted", lambda tf, p, i, v, s, w: [safe_lookup(tf, p, _sp(tf, i, v, s), _sp(tf, i, w, s),
                                                                        combiner="sqrtn")],
         [f32(np.arange(12).reshape(4, 3) / 4), _IDX, i64([1, 2, 3, 0]), _SHAPE, f32([0.5, 2.0, -1.0, 1.0])],
         grad=(0,)),
    Case("safe_lookup_sum_default_id", lambda tf, p, i, v, s, w: [safe_lookup(
        tf, p, _sp(tf, i, v, s), _sp(tf, i, w, s), combiner="sum", default_id=2)],
         [f32(np.arange(12).reshape(4, 3) / 4), _IDX, i64([1, 2, 3, 0]), _SHAPE, f32([0.5, 2.0, -1.0, 1.0])],
         grad=(0,)),
    Case("safe_lookup_3d", lambda tf, p, i, v, s: [safe_lookup(tf, p, _sp(tf, i, v, s))],
         [f32(np.arange(8).reshape(4, 2) / 2), i64([[0, 0, 0], [0, 1, 1], [1, 1, 0], [1, 1, 1]]),
          i64([0, 3, 2, 1]), i64([2, 2, 2])], grad=(0,)),
]


def _fill(tf, i, v, s, d):
    out, empty = tf.sparse_fill_empty_rows(_sp(tf, i, v, s), d)
    return _parts(out) + [empty]


SPARSE_ERRORS = [
    Err("reshape_two_unknown", lambda tf, i, v, s, n: _parts(tf.sparse_reshape(_sp(tf, i, v, s), n)),
        [_IDX, _VALS, _SHAPE, i64([-1, -1])]),
    Err("reshape_wrong_size", lambda tf, i, v, s, n: _parts(tf.sparse_reshape(_sp(tf, i, v, s), n)),
        [_IDX, _VALS, _SHAPE, i64([3, 3])]),
    Err("reshape_not_a_multiple", lambda tf, i, v, s, n: _parts(tf.sparse_reshape(_sp(tf, i, v, s), n)),
        [_IDX, _VALS, _SHAPE, i64([3, -1])]),
    Err("reshape_static_size", lambda tf, i, v, s: _parts(tf.sparse_reshape(_sp(tf, i, v, tf.constant(
        [5, 4], tf.int64)), [3, 3])), [_IDX, _VALS, _SHAPE], static=True),
    Err("fill_row_out_of_range", lambda tf, i, v, s: _fill(tf, i, v, s, 0.0), [_IDX, _VALS, i64([3, 4])]),
    Err("fill_zero_rows", lambda tf, i, v, s: _fill(tf, i, v, s, 0.0), [_IDX, _VALS, i64([0, 4])]),
    Err("to_dense_out_of_bounds", lambda tf, i, v, s: [tf.sparse_tensor_to_dense(_sp(tf, i, v, s))],
        [_IDX, _VALS, i64([3, 4])]),
    Err("to_dense_out_of_order", lambda tf, i, v, s: [tf.sparse_tensor_to_dense(_sp(tf, i, v, s))],
        [_UNORDERED, _VALS, _SHAPE]),
    Err("to_dense_repeated", lambda tf, i, v, s: [tf.sparse_tensor_to_dense(_sp(tf, i, v, s))],
        [i64([[0, 1], [0, 1]]), f32([1, 2]), _SHAPE]),
    Err("sparse_to_dense_unvalidated_out_of_bounds", lambda tf, i, v: [tf.sparse_to_dense(
        i, [3, 3], v, validate_indices=False)], [i64([[0, 0], [3, 1]]), f32([1, 2])]),
    Err("to_dense_values_count", lambda tf, i, v: [tf.sparse_to_dense(i, [5, 4], v)], [_IDX, f32([1, 2, 3])]),
    Err("slice_start_length", lambda tf, i, v, s: _parts(tf.sparse_slice(_sp(tf, i, v, s), [0], [2])),
        [_IDX, _VALS, _SHAPE], host_only=True),
]

_X = f32([[-1.0, 0.0, 0.5], [1.0, 2.0, 7.5]])

BUCKETIZE = [
    Case("bucketize_float", lambda tf, x: [bucketize(tf, x, [0.0, 1.0, 2.0])], [_X]),
    Case("bucketize_double", lambda tf, x: [bucketize(tf, x, [0.1, 1.0 / 3.0, 2.0])],
         [np.array([0.1, 1.0 / 3.0, 0.3333333, 0.1000000015], np.float64)]),
    Case("bucketize_int32", lambda tf, x: [bucketize(tf, x, [-2.5, 0.0, 3.0])], [np.array([[-3, 0, 3, 4]], np.int32)]),
    Case("bucketize_int64", lambda tf, x: [bucketize(tf, x, [10.0, 20.0])], [i64([9, 10, 19, 20, 21])]),
    Case("bucketize_nan", lambda tf, x: [bucketize(tf, x, [0.0])], [f32([np.nan, -np.inf, np.inf, 0.0])]),
    Case("bucketize_one_boundary", lambda tf, x: [bucketize(tf, x, [1.0])], [f32(np.zeros((2, 0, 3)))]),
]

BUCKETIZE_ERRORS = [
    Err("bucketize_unsorted", lambda tf, x: [bucketize(tf, x, [1.0, 0.0])], [_X]),
]

_A_IDX, _A_SHAPE = i64([[0, 0], [0, 1], [2, 0], [3, 0], [3, 1]]), i64([4, 2])
_A = strings(["a", "b", "c", "d", "e"])
_B_IDX, _B_SHAPE = i64([[0, 0], [1, 0], [3, 0], [3, 1], [3, 2]]), i64([4, 3])
_B = i64([7, -3, 12, 0, 5])
_D = strings(["p", "q", "r", "s"]).reshape(4, 1)
_DI = i64([[1, 2], [3, 4], [5, 6], [7, 8]])


def _three(tf, ai, av, as_, bi, bv, bs, d):
    return [_sp(tf, ai, av, as_), _sp(tf, bi, bv, bs), d]


CROSS = [
    Case("cross_hashed_strings", lambda tf, ai, av, as_, d: _parts(sparse_cross_hashed(
        tf, [_sp(tf, ai, av, as_), d], num_buckets=100)), [_A_IDX, _A, _A_SHAPE, _D], host_only=True),
    Case("cross_hashed_mixed", lambda tf, *a: _parts(sparse_cross_hashed(tf, _three(tf, *a), num_buckets=1000,
                                                                         hash_key=12345)),
         [_A_IDX, _A, _A_SHAPE, _B_IDX, _B, _B_SHAPE, _D], host_only=True),
    Case("cross_hashed_no_buckets", lambda tf, *a: _parts(sparse_cross_hashed(tf, _three(tf, *a))),
         [_A_IDX, _A, _A_SHAPE, _B_IDX, _B, _B_SHAPE, _DI], host_only=True),
    Case("cross_hashed_dense_only", lambda tf, d, e: _parts(sparse_cross_hashed(tf, [d, e], num_buckets=50)),
         [_D, _DI], host_only=True),
    Case("cross_hashed_unordered_rows", lambda tf, ai, av, as_, d: _parts(sparse_cross_hashed(
        tf, [_sp(tf, ai, av, as_), d], num_buckets=64)),
         [i64([[2, 0], [0, 0], [0, 1], [3, 0]]), i64([4, 5, 6, 7]), i64([4, 2]), _DI], host_only=True),
    Case("cross_hashed_v2", lambda tf, ai, av, as_, bi, bv, bs: sparse_cross_hashed_v2(
        tf, [_sp(tf, ai, av, as_), _sp(tf, bi, bv, bs)], [], 97, False, [3, 4]),
         [_A_IDX, _A, _A_SHAPE, _B_IDX, _B, _B_SHAPE], host_only=True),
    Case("cross_hashed_v2_strong", lambda tf, ai, av, as_, bi, bv, bs, d: sparse_cross_hashed_v2(
        tf, [_sp(tf, ai, av, as_), _sp(tf, bi, bv, bs)], [d], 0, True, [11, -2]),
         [_A_IDX, _A, _A_SHAPE, _B_IDX, _B, _B_SHAPE, _D], host_only=True),
    Case("cross_hashed_v2_dense_int", lambda tf, ai, av, as_, d: sparse_cross_hashed_v2(
        tf, [_sp(tf, ai, av, as_)], [d], 1000, False, [1, 2]), [_A_IDX, _A, _A_SHAPE, _DI], host_only=True),
]

# String crosses: their values are compared with the texts in sparse_ops.json.
STRING_CROSS = [
    Case("cross_strings", lambda tf, *a: _parts(sparse_cross(tf, _three(tf, *a))),
         [_A_IDX, _A, _A_SHAPE, _B_IDX, _B, _B_SHAPE, _D], host_only=True),
    Case("cross_separator", lambda tf, ai, av, as_, d: _parts(sparse_cross(tf, [_sp(tf, ai, av, as_), d],
                                                                          separator="|")),
         [_A_IDX, _A, _A_SHAPE, _DI], host_only=True),
]

CROSS_ERRORS = [
    Err("cross_batch_mismatch", lambda tf, ai, av, as_, d: _parts(sparse_cross_hashed(
        tf, [_sp(tf, ai, av, as_), d], num_buckets=5)), [_A_IDX, _A, _A_SHAPE, _D[:3]], host_only=True),
    Err("cross_shape_rank", lambda tf, ai, av, as_, d: _parts(sparse_cross_hashed(
        tf, [_sp(tf, ai, av, as_), d], num_buckets=5)), [_A_IDX, _A, i64([4, 2, 1]), _D], host_only=True),
    Err("cross_dense_rank", lambda tf, ai, av, as_, d: _parts(sparse_cross_hashed(
        tf, [_sp(tf, ai, av, as_), d], num_buckets=5)), [_A_IDX, _A, _A_SHAPE, _D.reshape(4)], host_only=True),
]

FAMILIES = {"sparse": (SPARSE, SPARSE_ERRORS), "bucketize": (BUCKETIZE, BUCKETIZE_ERRORS),
            "cross": (CROSS + STRING_CROSS, CROSS_ERRORS)}


# --- recording (TensorFlow) --------------------------------------------------------------------------------------

def shape_string(s):
    """A static shape as TensorFlow and tagraph both can write it: ``2,?,3``, ``?`` for an unknown rank."""
    return "?" if s.rank is None else ",".join("?" if d is None else str(d) for d in s.as_list())


def rand(shape, dtype, seed):
    return np.random.default_rng(seed).uniform(-3.0, 3.0, size=shape).astype(dtype)


def dense(value):
    """A gradient's value as an array: an IndexedSlicesValue summed into its dense shape."""
    if hasattr(value, "indices") and hasattr(value, "dense_shape"):
        out = np.zeros(tuple(value.dense_shape), np.asarray(value.values).dtype)
        np.add.at(out, np.asarray(value.indices), np.asarray(value.values))
        return out
    return np.asarray(value)


def _error_message(e):
    msg = getattr(e, "message", None) or str(e)
    lines = [ln for ln in msg.split("\n") if ln.strip() and not ln.startswith(" ")]
    lines = [ln for ln in lines if not ln.strip().startswith("[[") and not ln.startswith(
        ("Graph execution error", "Detected at node", "Node: "))]
    return lines[0].strip() if lines else msg


def _record_family(tf, family, data, texts):
    cases, errs = FAMILIES[family]
    for c in cases:
        with tf.Graph().as_default():
            phs = [tf.placeholder(tf.as_dtype(a.dtype), a.shape) for a in c.inputs]
            outs = c.build(tf, *phs)
            feed = dict(zip(phs, c.inputs))
            with tf.Session() as sess:
                values = sess.run(outs, feed)
                ups = [(k, rand(np.shape(v), v.dtype, 1000 + k)) for k, v in enumerate(values)
                       if outs[k].dtype.is_floating]
                grads = []
                if c.grad:
                    loss = tf.add_n([tf.reduce_sum(outs[k] * up) for k, up in ups])
                    grads = sess.run(tf.gradients(loss, [phs[i] for i in c.grad]), feed)
        for i, a in enumerate(c.inputs):
            data["%s:in%d" % (c.name, i)] = a
        for k, v in enumerate(values):
            v = np.asarray(v)
            if v.dtype == object:
                texts["%s:out%d" % (c.name, k)] = [b.decode() for b in v.reshape(-1)]
                continue
            data["%s:out%d" % (c.name, k)] = v
            data["%s:shape%d" % (c.name, k)] = np.array(shape_string(outs[k].shape))
        for k, up in ups:
            data["%s:up%d" % (c.name, k)] = up
        for i, v in zip(c.grad, grads):
            data["%s:grad%d" % (c.name, i)] = dense(v)
    for e in errs:
        try:
            with tf.Graph().as_default():
                phs = [tf.placeholder(tf.as_dtype(a.dtype), a.shape if e.static else None) for a in e.inputs]
                out = e.build(tf, *phs)
                with tf.Session() as sess:
                    sess.run(out, dict(zip(phs, e.inputs)))
        except Exception as ex:  # noqa: BLE001 - the error is what is recorded
            data["%s:error" % e.name] = np.array([type(ex).__name__, _error_message(ex)])
        else:
            sys.exit("%s: TensorFlow raised no error" % e.name)
        for i, a in enumerate(e.inputs):
            data["%s:in%d" % (e.name, i)] = a


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    out_dir = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    data, texts = {}, {}
    for family in FAMILIES:
        _record_family(tf, family, data, texts)
    np.savez_compressed(os.path.join(out_dir, "sparse_ops.npz"), **data)
    with open(os.path.join(out_dir, "sparse_ops.json"), "w") as f:
        json.dump({"tensorflow": tf.__version__, "strings": texts}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
