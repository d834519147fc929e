"""Records what real TensorFlow writes and computes for partitioned variables, for
tests/engine/variables/test_partitioned_variables.py, tests/serialization/test_bundle_slices.py,
tests/serialization/test_partitioned_restore.py and tests/engine/ops/test_joining_ops.py.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/serialization/record_partitioned.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead: make interop records afresh and compares)

Writes, under ``partitioned/``:

* ``sliced/model.*``: a checkpoint TensorFlow's ``Saver()`` wrote for the variables of ``sliced_variables``
  (``w`` [10,3] in 3 parts along axis 0, ``v`` [4,5] float64 in 2 parts along axis 1, ``n`` [7,2] int32 in
  3 parts, ``b`` whole), each holding ``VALUES[name]``;
* ``gd/`` and ``adagrad/``: a small partitioned linear model (``linear_model``) trained with
  GradientDescent (reference variables) or Adagrad (resource variables): ``model.meta`` (its meta graph),
  ``model.index``/``.data`` (its variables before training);
* ``partitioned.json``: for each partitioner case the partitions TensorFlow chose and each part's name and
  slice spec; the saver's nodes (name, type) for ``sliced``; for each model its tensor names, outputs on
  ``X`` before and after 5 steps and the 5 losses; for each bad-input case TensorFlow's error class and
  message; ConcatOffset's outputs (or error) for each of ``CONCAT_OFFSETS`` (its ConcatV2 gradient uses it);
* ``holes/model.*``: parts 0 and 2 of ``w`` only, for the "not sufficient slices" error.

Importing this file needs only numpy; the tests build the same variables with ``tagraph.engine``.
"""
import json
import os
import shutil
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# name -> (shape, dtype name, partitioner(tf)); get_variable(name, shape, dtype, partitioner=...) in each.
PARTITIONERS = {
    "fixed_3": ([10, 3], "float32", lambda tf: tf.fixed_size_partitioner(3)),
    "fixed_4_axis1": ([2, 10], "float32", lambda tf: tf.fixed_size_partitioner(4, axis=1)),
    "fixed_more_than_dim": ([3, 4], "float32", lambda tf: tf.fixed_size_partitioner(5)),
    "fixed_1": ([6], "float32", lambda tf: tf.fixed_size_partitioner(1)),
    "fixed_rank3": ([5, 2, 3], "float64", lambda tf: tf.fixed_size_partitioner(2, axis=2)),
    "axis_size_40b": ([10, 3], "float32", lambda tf: tf.variable_axis_size_partitioner(40)),
    "axis_size_axis1_f64": ([5, 8], "float64", lambda tf: tf.variable_axis_size_partitioner(100, axis=1)),
    "axis_size_max_shards": ([10, 3], "float32", lambda tf: tf.variable_axis_size_partitioner(12, max_shards=4)),
    "axis_size_tiny": ([6, 4], "float32", lambda tf: tf.variable_axis_size_partitioner(1)),
    "axis_size_big": ([6, 4], "float32", lambda tf: tf.variable_axis_size_partitioner(1 << 20)),
    "axis_size_string": ([9, 2], "string",
                         lambda tf: tf.variable_axis_size_partitioner(70, bytes_per_string_element=10)),
    "min_max_64b": ([10, 3], "float32", lambda tf: tf.min_max_variable_partitioner(4, min_slice_size=64)),
    "min_max_axis1": ([2, 7], "int32", lambda tf: tf.min_max_variable_partitioner(3, axis=1, min_slice_size=16)),
    "min_max_default_size": ([1024, 256], "float32", lambda tf: tf.min_max_variable_partitioner(8)),
    "min_max_capped_by_dim": ([3, 100], "float32", lambda tf: tf.min_max_variable_partitioner(10, min_slice_size=4)),
    "min_max_one": ([10, 3], "float32", lambda tf: tf.min_max_variable_partitioner()),
}

VALUES = {
    "w": np.arange(30, dtype=np.float32).reshape(10, 3) * 0.5 - 3.0,
    "v": np.linspace(-1.0, 1.0, 20).reshape(4, 5),
    "n": np.arange(14, dtype=np.int32).reshape(7, 2) * 3 - 7,
    "b": np.array([0.25, -1.5, 4.0], np.float32),
}


def sliced_variables(tf, use_resource=True):
    """The variables of the ``sliced`` checkpoint: ``{name: Variable or PartitionedVariable}``."""
    def get(name, partitioner=None):
        value = VALUES[name]
        # A constant initializer takes the shape from the value, except when it is sliced into parts.
        return tf.get_variable(name, value.shape if partitioner else None, tf.as_dtype(value.dtype),
                               initializer=value, partitioner=partitioner, use_resource=use_resource)
    return {"w": get("w", tf.fixed_size_partitioner(3)), "v": get("v", tf.fixed_size_partitioner(2, axis=1)),
            "n": get("n", tf.fixed_size_partitioner(3)), "b": get("b")}


_RNG = np.random.default_rng(5)
X = _RNG.uniform(-1.0, 1.0, size=(8, 6)).astype(np.float32)
Y = _RNG.uniform(-1.0, 1.0, size=(8, 4)).astype(np.float32)
W0 = _RNG.uniform(-0.5, 0.5, size=(6, 4)).astype(np.float32)
B0 = np.array([0.1, -0.2, 0.3, 0.0], np.float32)
STEPS = 5
MODELS = {"gd": ("GradientDescentOptimizer", 0.1, False), "adagrad": ("AdagradOptimizer", 0.5, True)}


# ConcatOffset, which TensorFlow's ConcatV2 gradient (so its training graphs of partitioned variables) uses:
# name -> (concat_dim, shapes, dtype name).
CONCAT_OFFSETS = {
    "axis1": (1, [[2, 3, 5], [2, 4, 5], [2, 1, 5]], "int32"),
    "negative_axis_int64": (-1, [[3, 2], [3, 5]], "int64"),
    "axis0_rank3": (0, [[1, 2, 3], [5, 2, 3]], "int64"),
    "mismatch": (0, [[2, 3], [4, 2]], "int32"),
    "axis_out_of_range": (2, [[2, 3], [4, 3]], "int32"),
    "lengths_differ": (0, [[2, 3], [4, 3, 1]], "int32"),
}


def linear_model(tf, optimizer, learning_rate, use_resource):
    """x [None,6] -> x @ w + b, w [6,4] in 3 parts, b [4] in 2 parts; mean squared error to y; train op."""
    x = tf.placeholder(tf.float32, [None, 6], name="x")
    y = tf.placeholder(tf.float32, [None, 4], name="y")
    with tf.variable_scope("linear", partitioner=tf.fixed_size_partitioner(3), use_resource=use_resource):
        w = tf.get_variable("w", [6, 4], initializer=W0)
        b = tf.get_variable("b", [4], initializer=B0,
                            partitioner=tf.min_max_variable_partitioner(2, min_slice_size=8))
    out = tf.identity(tf.matmul(x, w) + b, name="out")
    loss = tf.reduce_mean(tf.square(out - y), name="loss")
    train = getattr(tf.train, optimizer)(learning_rate).minimize(loss, name="train")
    return x, y, out, loss, train


def _error(tf, fn):
    try:
        fn()
    except (tf.errors.OpError, ValueError) as e:
        lines = (e.message if isinstance(e, tf.errors.OpError) else str(e)).split("\n")
        at = [i for i, line in enumerate(lines) if line.startswith("Node: ")]   # a kernel's error, from a run
        message = lines[at[0] + 1] if at else lines[0].split(" for '{{node")[0]
        return [type(e).__name__, message]
    sys.exit("expected an error")


def _restore_v2(tf, prefix, name, spec_value, dtype, feed_spec):
    spec = tf.placeholder(tf.string, [1]) if feed_spec else [spec_value]
    out = tf.raw_ops.RestoreV2(prefix=prefix, tensor_names=[name], shape_and_slices=spec, dtypes=[dtype])
    with tf.Session() as sess:
        return sess.run(out, {spec: [spec_value]} if feed_spec else None)


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    tf.disable_control_flow_v2()
    out_dir = os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), "partitioned")
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    record = {"partitioners": {}, "models": {}, "errors": {}, "concat_offsets": {}}
    for name, (axis, shapes, dtype) in CONCAT_OFFSETS.items():
        with tf.Graph().as_default():
            phs = [tf.placeholder(getattr(tf, dtype), [None]) for _ in shapes]
            out = tf.raw_ops.ConcatOffset(concat_dim=tf.placeholder_with_default(axis, []), shape=phs)
            feed = {p: np.array(s, getattr(np, dtype)) for p, s in zip(phs, shapes)}
            try:
                with tf.Session() as sess:
                    record["concat_offsets"][name] = [o.tolist() for o in sess.run(out, feed)]
            except tf.errors.OpError:
                record["concat_offsets"][name] = _error(tf, lambda: tf.Session().run(out, feed))
    for name, (shape, dtype, make) in PARTITIONERS.items():
        with tf.Graph().as_default():
            pv = tf.get_variable(name, shape, getattr(tf, dtype), partitioner=make(tf))
            parts = list(pv) if hasattr(pv, "_get_partitions") else [pv]
            record["partitioners"][name] = {
                "partitions": list(pv._get_partitions()),
                "parts": [[p.op.name, p._save_slice_info.spec] for p in parts]}
    with tf.Graph().as_default() as g:
        sliced_variables(tf)
        n0 = len(g.get_operations())
        saver = tf.train.Saver()
        record["sliced_saver_nodes"] = [[op.name, op.type] for op in g.get_operations()[n0:]]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver.save(sess, os.path.join(out_dir, "sliced", "model"), write_meta_graph=False, write_state=False)
        parts = {v.op.name: v for v in tf.global_variables()}
        with tf.Session() as sess:   # a checkpoint lacking w/part_1, for the "insufficient slices" case
            sess.run(tf.global_variables_initializer())
            tf.train.Saver([parts["w/part_0"], parts["w/part_2"]]).save(
                sess, os.path.join(out_dir, "holes", "model"), write_meta_graph=False, write_state=False)
    for name, (optimizer, lr, use_resource) in MODELS.items():
        with tf.Graph().as_default():
            x, y, out, loss, train = linear_model(tf, optimizer, lr, use_resource)
            saver = tf.train.Saver()
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                prefix = os.path.join(out_dir, name, "model")
                saver.save(sess, prefix, write_state=False)
                before = sess.run(out, {x: X})
                losses = [float(sess.run([loss, train], {x: X, y: Y})[0]) for _ in range(STEPS)]
                after = sess.run(out, {x: X})
            record["models"][name] = {
                "x": x.name, "y": y.name, "out": out.name, "loss": loss.name, "train": train.name,
                "variables": sorted(v.op.name for v in tf.global_variables()),
                "before": before.tolist(), "after": after.tolist(), "losses": losses}
    sliced = os.path.join(out_dir, "sliced", "model")
    errors = record["errors"]
    with tf.Graph().as_default():
        errors["restore_out_of_bounds"] = _error(tf, lambda: _restore_v2(tf, sliced, "w", "10 3 0,20:0,3",
                                                                         tf.float32, True))
    with tf.Graph().as_default():
        errors["restore_out_of_bounds_const"] = _error(tf, lambda: _restore_v2(tf, sliced, "w", "10 3 0,20:0,3",
                                                                               tf.float32, False))
    for case, spec in (("restore_wrong_full_shape", "11 3 0,4:0,3"), ("restore_bad_syntax", "10 3 0,4:x"),
                       ("restore_negative_start", "10 3 -1,4:0,3"), ("restore_one_element", "0,4:0,3"),
                       ("restore_wrong_rank", "10 3 0,4")):
        with tf.Graph().as_default():
            errors[case] = _error(tf, lambda: _restore_v2(tf, sliced, "w", spec, tf.float32, True))
    with tf.Graph().as_default():
        errors["restore_missing_slices"] = _error(
            tf, lambda: _restore_v2(tf, os.path.join(out_dir, "holes", "model"), "w", "10 3 0,10:0,3", tf.float32,
                                    True))
    with tf.Graph().as_default():
        spec = tf.placeholder(tf.string, [1])
        # TensorFlow leaves its temporary data file behind when a SaveV2 fails: not in out_dir.
        save = tf.raw_ops.SaveV2(prefix=os.path.join(tempfile.mkdtemp(), "model"), tensor_names=["w"],
                                 shape_and_slices=spec, tensors=[tf.zeros([3, 3])])
        errors["save_slice_shape_mismatch"] = _error(tf, lambda: tf.Session().run(save, {spec: ["10 3 0,4:0,3"]}))
        errors["save_out_of_bounds"] = _error(tf, lambda: tf.Session().run(save, {spec: ["10 3 8,3:0,3"]}))
    with open(os.path.join(out_dir, "partitioned.json"), "w") as f:
        json.dump(record, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
