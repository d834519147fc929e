"""Records what TensorFlow's ``tf.train.init_from_checkpoint`` gives for
tests/serialization/test_checkpoint_initializers.py.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/serialization/record_init_from_checkpoint.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead of beside this file)

Writes, into ``init_from_checkpoint/``: a checkpoint TensorFlow saved (``pretrained/model.ckpt-7`` and its
``checkpoint`` file, relative paths), and ``values.npz`` (``<case>/<variable name>``: the values a case's
variables hold after ``init_from_checkpoint`` and initialization) and ``errors.json`` (``case: [error class,
message]``, the folder written as ``<DIR>``). The cases are defined here, once, for both engines; importing
this file needs only numpy.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FOLDER = "init_from_checkpoint"


def write_pretrained(tf, folder):
    """The checkpoint the cases read: two scopes, a root variable and a variable in three parts."""
    with tf.Graph().as_default():
        rng = np.random.RandomState(3)
        with tf.variable_scope("encoder"):
            tf.get_variable("w", initializer=rng.randn(2, 3).astype(np.float32))
            tf.get_variable("b", initializer=rng.randn(3).astype(np.float32))
        with tf.variable_scope("decoder"):
            tf.get_variable("w", initializer=rng.randn(3, 2).astype(np.float32))
        tf.get_variable("top", initializer=rng.randn(2).astype(np.float32))
        emb = rng.randn(6, 2).astype(np.float32)

        def emb_rows(shape, dtype=None, partition_info=None):
            start = partition_info.var_offset[0] if partition_info is not None else 0
            return tf.constant(emb[start:start + shape[0]])
        tf.get_variable("emb", [6, 2], initializer=emb_rows, partitioner=tf.fixed_size_partitioner(3))
        saver = tf.train.Saver(save_relative_paths=True)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver.save(sess, os.path.join(folder, "pretrained", "model.ckpt"), global_step=7)


def _model(tf, partitioned_parts=2):
    """The new model's variables, by name: its initializers give -1, so a value not restored shows."""
    minus = tf.constant_initializer(-1.0)
    made = {}
    with tf.variable_scope("model"):
        with tf.variable_scope("encoder"):
            made["model/encoder/w"] = tf.get_variable("w", [2, 3], initializer=minus)
            made["model/encoder/b"] = tf.get_variable("b", [3], initializer=minus)
        made["model/head"] = tf.get_variable("head", [2], initializer=minus)
    made["w"] = tf.get_variable("w", [3, 2], initializer=minus)
    made["emb"] = tf.get_variable("emb", [6, 2], initializer=minus, partitioner=tf.fixed_size_partitioner(
        partitioned_parts))
    made["whole_emb"] = tf.get_variable("whole_emb", [6, 2], initializer=minus)
    return made


def cases(folder):
    """name -> (checkpoint path or folder, assignment map builder taking the made variables)."""
    ckpt = os.path.join(folder, "pretrained", "model.ckpt-7")
    return {
        "one_to_one_by_name": (ckpt, lambda v: {"encoder/w": "model/encoder/w"}),
        "by_variable": (ckpt, lambda v: {"encoder/b": v["model/encoder/b"], "top": v["model/head"]}),
        "scope_to_scope": (ckpt, lambda v: {"encoder/": "model/encoder/"}),
        "scope_to_root": (ckpt, lambda v: {"decoder/": "/"}),
        "from_folder": (os.path.join(folder, "pretrained"), lambda v: {"decoder/w": "w"}),
        "partitioned_by_name": (ckpt, lambda v: {"emb": "emb"}),
        "partitioned_by_parts": (ckpt, lambda v: {"emb": list(v["emb"])}),
        "sliced_tensor_into_whole": (ckpt, lambda v: {"emb": "whole_emb"}),
        "missing_tensor": (ckpt, lambda v: {"nope": "model/encoder/w"}),
        "shape_mismatch": (ckpt, lambda v: {"decoder/w": "model/encoder/w"}),
        "scope_without_slash": (ckpt, lambda v: {"encoder": "model/encoder/"}),
        "scope_tensor_missing": (ckpt, lambda v: {"decoder/": "model/encoder/"}),
    }


def run_case(tf, folder, name):
    """(values by variable name, or None; (error class name, message) or None) of one case."""
    path, mapping = cases(folder)[name]
    with tf.Graph().as_default():
        made = _model(tf)
        try:
            tf.train.init_from_checkpoint(path, mapping(made))
        except Exception as e:  # noqa: BLE001 - the class and message are what is recorded
            return None, (type(e).__name__, str(e).replace(folder, "<DIR>"))
        names = sorted(made)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            fetched = sess.run([made[n] if not isinstance(made[n], list) and not hasattr(made[n], "_get_variable_list")
                                else tf.concat(list(made[n]), 0) for n in names])
        return dict(zip(names, fetched)), None


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    out = os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), FOLDER)
    os.makedirs(out, exist_ok=True)
    write_pretrained(tf, out)
    values, errors = {}, {}
    for name in cases(out):
        got, error = run_case(tf, out, name)
        if error:
            errors[name] = list(error)
        else:
            for var, value in got.items():
                values["%s/%s" % (name, var)] = value
    np.savez(os.path.join(out, "values.npz"), **values)
    with open(os.path.join(out, "errors.json"), "w") as f:
        json.dump(errors, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
