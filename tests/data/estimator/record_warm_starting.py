"""Records what TensorFlow's ``tf.train.warm_start`` gives for tests/estimator/test_warm_starting.py.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/estimator/record_warm_starting.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead of beside this file)

Writes, into ``warm_start/``: a checkpoint of an "old" model TensorFlow trained (``old/model.ckpt-3``, with
its ``checkpoint`` file), its vocabularies (``old_words.txt``, ``old_classes.txt``) and the new model's
(``new_words.txt``, ``new_classes.txt``); and ``warm_starting.npz``: for each case, the values the new
model's variables take after ``warm_start`` and initialization (``<case>/<variable>``), or the error
class (``<case>:error``). The cases are defined here, once; importing this file needs only numpy.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FOLDER = "warm_start"

OLD_WORDS = ["the", "cat", "sat", "on", "mat", "hat"]
NEW_WORDS = ["mat", "dog", "the", "hat", "sat"]
OLD_CLASSES = ["neg", "neu", "pos"]
NEW_CLASSES = ["pos", "maybe", "neg"]


def build_new(tf):
    """The new model's variables: an embedding over NEW_WORDS and 2 OOV buckets, a dense kernel over
    NEW_CLASSES and 1 OOV bucket, a renamed variable, a non-trainable one and one the old model lacks."""
    with tf.variable_scope("model"):
        emb = tf.get_variable("embedding", [len(NEW_WORDS) + 2, 3], initializer=tf.constant_initializer(-1.0))
        kernel = tf.get_variable("dense/kernel", [3, len(NEW_CLASSES) + 1], initializer=tf.constant_initializer(-2.0))
        bias = tf.get_variable("dense/bias", [len(OLD_CLASSES)], initializer=tf.constant_initializer(-3.0))
        renamed = tf.get_variable("scale_v2", [2], initializer=tf.constant_initializer(-4.0))
        counts = tf.get_variable("counts", [2], initializer=tf.constant_initializer(-5.0), trainable=False)
        fresh = tf.get_variable("fresh", [2], initializer=tf.constant_initializer(-6.0))
    return [emb, kernel, bias, renamed, counts, fresh]


def counting_initializer(tf):
    """Values 100, 101, ... in the shape asked for (a tensor too): shows which value lands where."""
    def init(shape, dtype=None, partition_info=None):
        return tf.cast(tf.reshape(tf.range(tf.reduce_prod(shape)), shape), tf.float32) + 100.0
    return init


def cases(tf, folder):
    """name -> keyword arguments of warm_start (paths in ``folder``)."""
    ckpt = os.path.join(folder, "old", "model.ckpt-3")
    words = dict(new_vocab=os.path.join(folder, "new_words.txt"), old_vocab=os.path.join(folder, "old_words.txt"))
    classes = dict(new_vocab=os.path.join(folder, "new_classes.txt"), old_vocab=os.path.join(folder, "old_classes.txt"))
    renames = {"model/scale_v2": "model/scale"}
    return {
        "trainable_with_vocabularies_and_a_rename": dict(
            ckpt_to_initialize_from=ckpt, vars_to_warm_start="model/(?!fresh)", var_name_to_prev_var_name=renames,
            var_name_to_vocab_info={
            "model/embedding": tf.train.VocabInfo(new_vocab_size=len(NEW_WORDS), num_oov_buckets=2, **words),
            "model/dense/kernel": tf.train.VocabInfo(new_vocab_size=len(NEW_CLASSES), num_oov_buckets=1, axis=1,
                                                     **classes)}),
        "from_folder": dict(ckpt_to_initialize_from=os.path.join(folder, "old"), vars_to_warm_start="model/dense/b.*"),
        "regex_list_with_non_trainable": dict(ckpt_to_initialize_from=ckpt,
                                              vars_to_warm_start=["model/counts", "model/dense/bias"]),
        "variables_list": dict(ckpt_to_initialize_from=ckpt, vars_to_warm_start="VARIABLES[1]"),
        "vocab_rows": dict(ckpt_to_initialize_from=ckpt, vars_to_warm_start="model/emb.*", var_name_to_vocab_info={
            "model/embedding": tf.train.VocabInfo(new_vocab_size=len(NEW_WORDS), num_oov_buckets=2, **words)}),
        "vocab_rows_old_size_and_backup": dict(
            ckpt_to_initialize_from=ckpt, vars_to_warm_start=None, var_name_to_vocab_info={
                "model/embedding": tf.train.VocabInfo(new_vocab_size=4, num_oov_buckets=3, old_vocab_size=4,
                                                      backup_initializer=tf.ones_initializer(), **words)}),
        "vocab_columns_and_bias": dict(
            ckpt_to_initialize_from=ckpt, vars_to_warm_start="model/dense.*", var_name_to_vocab_info={
                "model/dense/kernel": tf.train.VocabInfo(new_vocab_size=len(NEW_CLASSES), num_oov_buckets=1, axis=1,
                                                         **classes)}),
        "vocab_counting_backup": dict(
            ckpt_to_initialize_from=ckpt, vars_to_warm_start=None, var_name_to_vocab_info={
                "model/embedding": tf.train.VocabInfo(new_vocab_size=len(NEW_WORDS), num_oov_buckets=2,
                                                      backup_initializer=counting_initializer(tf), **words),
                "model/dense/kernel": tf.train.VocabInfo(new_vocab_size=len(NEW_CLASSES), num_oov_buckets=1, axis=1,
                                                         backup_initializer=counting_initializer(tf), **classes)}),
        "error_unused_rename": dict(ckpt_to_initialize_from=ckpt, var_name_to_prev_var_name={"model/nope": "x"}),
        "error_unused_vocab": dict(ckpt_to_initialize_from=ckpt, vars_to_warm_start="model/dense.*",
                                   var_name_to_vocab_info={"model/embedding": tf.train.VocabInfo(
                                       new_vocab_size=len(NEW_WORDS), num_oov_buckets=2, **words)}),
        "error_missing_tensor": dict(ckpt_to_initialize_from=ckpt, vars_to_warm_start="model/fresh"),
        "error_shape": dict(ckpt_to_initialize_from=ckpt, vars_to_warm_start="model/scale_v2",
                            var_name_to_prev_var_name={"model/scale_v2": "model/dense/bias"}),
        "error_shape_without_vocab": dict(ckpt_to_initialize_from=ckpt, vars_to_warm_start="model/emb.*"),
        "error_bad_type": dict(ckpt_to_initialize_from=ckpt, vars_to_warm_start=3),
    }


def run_case(tf, folder, name):
    """{variable name: value} after warm_start and initialization, or {"error": class name}."""
    with tf.Graph().as_default():
        new_vars = build_new(tf)
        kwargs = dict(cases(tf, folder)[name])
        if kwargs.get("vars_to_warm_start") == "VARIABLES[1]":
            kwargs["vars_to_warm_start"] = [new_vars[2], new_vars[4]]
        try:
            tf.train.warm_start(**kwargs)
        except (ValueError, TypeError) as e:
            return {"error": type(e).__name__}
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return {v.op.name: sess.run(v) for v in new_vars}


def write_old(tf, folder):
    """The old model's checkpoint and every vocabulary file."""
    os.makedirs(os.path.join(folder, "old"), exist_ok=True)
    for name, words in (("old_words", OLD_WORDS), ("new_words", NEW_WORDS), ("old_classes", OLD_CLASSES),
                        ("new_classes", NEW_CLASSES)):
        with open(os.path.join(folder, name + ".txt"), "w") as f:
            f.write("\n".join(words) + "\n")
    rng = np.random.RandomState(1)
    with tf.Graph().as_default():
        with tf.variable_scope("model"):
            values = {"embedding": rng.rand(len(OLD_WORDS), 3), "dense/kernel": rng.rand(3, len(OLD_CLASSES)),
                      "dense/bias": rng.rand(len(OLD_CLASSES)), "scale": rng.rand(2), "counts": rng.rand(2)}
            for name, value in values.items():
                tf.get_variable(name, initializer=value.astype(np.float32), trainable=(name != "counts"))
        step = tf.train.get_or_create_global_step()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(tf.assign(step, 3))
            tf.train.Saver().save(sess, os.path.join(folder, "old", "model.ckpt"), global_step=3)
    # The checkpoint file names the checkpoint relative to its folder, so the folder can move.
    with open(os.path.join(folder, "old", "checkpoint"), "w") as f:
        f.write('model_checkpoint_path: "model.ckpt-3"\nall_model_checkpoint_paths: "model.ckpt-3"\n')


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    out_dir = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    folder = os.path.join(out_dir, FOLDER)
    write_old(tf, folder)
    out = {}
    for name in cases(tf, folder):
        for key, value in run_case(tf, folder, name).items():
            out["%s:%s" % (name, key) if key == "error" else "%s/%s" % (name, key)] = np.asarray(value)
    np.savez(os.path.join(out_dir, "warm_starting.npz"), **out)


if __name__ == "__main__":
    main()
