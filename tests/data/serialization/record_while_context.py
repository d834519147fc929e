"""Records, with real TensorFlow (tf.compat.v1, control flow v1), meta graphs holding while loops and what
TensorFlow computes through them after ``import_meta_graph``, for tests/serialization/test_while_context_import.py.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/serialization/record_while_context.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead of while_context/ beside this file)

For each model (a loop whose body reads a variable; the same with a cond in the body; a loop nested in a
loop; a dynamic_rnn LSTM) it writes ``<model>.meta``, the forward graph only (its ``while_context`` and
``cond_context`` collections as TensorFlow writes them), and in ``while_context.npz``, after importing that
meta graph into a fresh graph: the loss and ``tf.gradients(loss, [input] + variables)`` for the feed
(``<model>:feed``, ``<model>:loss``, ``<model>:grad<k>``), and the losses of 5 training steps of a new
GradientDescent and a new Adam optimizer minimizing the imported loss (``<model>:<optimizer>:losses``).
Variables start from constants, so both engines start from the same values. ``<model>:variables`` lists the
variables' names in the order of the gradients.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
_RNG = np.random.default_rng(19)
_W = _RNG.uniform(-1.0, 1.0, size=[3]).astype(np.float32)
_X = np.array([0.5, -1.5, 2.0], np.float32)
_SEQ = _RNG.uniform(-1.0, 1.0, size=[2, 4, 3]).astype(np.float32)   # batch 2, time 4, depth 3
_KERNEL = _RNG.uniform(-0.5, 0.5, size=[3 + 5, 4 * 5]).astype(np.float32)
_BIAS = _RNG.uniform(-0.1, 0.1, size=[4 * 5]).astype(np.float32)
_HEAD = _RNG.uniform(-0.5, 0.5, size=[5, 1]).astype(np.float32)


def _loop_var(tf):
    x = tf.placeholder(tf.float32, [3], name="x")
    w = tf.get_variable("w", initializer=tf.constant(_W))
    _, y = tf.while_loop(lambda i, a: i < 4, lambda i, a: (i + 1, tf.tanh(a * w + 0.1)), [tf.constant(0), x])
    return x, tf.reduce_sum(tf.square(y - 0.3), name="loss"), _X


def _loop_cond(tf):
    x = tf.placeholder(tf.float32, [3], name="x")
    w = tf.get_variable("w", initializer=tf.constant(_W))

    def body(i, a):
        return i + 1, tf.cond(tf.reduce_sum(a) > 0.0, lambda: tf.tanh(a * w), lambda: a + w * 0.5)
    _, y = tf.while_loop(lambda i, a: i < 5, body, [tf.constant(0), x])
    return x, tf.reduce_sum(tf.square(y - 0.3), name="loss"), _X


def _nested(tf):
    x = tf.placeholder(tf.float32, [3], name="x")
    w = tf.get_variable("w", initializer=tf.constant(_W))

    def body(i, a):
        _, b = tf.while_loop(lambda j, c: j < 2, lambda j, c: (j + 1, tf.tanh(c * w) + 0.1 * a), [0, a])
        return i + 1, b
    _, y = tf.while_loop(lambda i, a: i < 3, body, [tf.constant(0), x])
    return x, tf.reduce_sum(tf.square(y - 0.3), name="loss"), _X


def _lstm(tf):
    x = tf.placeholder(tf.float32, [2, 4, 3], name="x")
    cell = tf.nn.rnn_cell.LSTMCell(5, initializer=tf.constant_initializer(_KERNEL), name="lstm")
    out, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    # The kernel's initializer gives the kernel; the bias starts from constants too.
    head = tf.get_variable("head", initializer=tf.constant(_HEAD))
    pred = tf.matmul(out[:, -1, :], head)
    return x, tf.reduce_mean(tf.square(pred - 0.5), name="loss"), _SEQ


MODELS = {"loop_var": _loop_var, "loop_cond": _loop_cond, "nested": _nested, "lstm": _lstm}
OPTIMIZERS = {"gd": ("GradientDescentOptimizer", 0.1), "adam": ("AdamOptimizer", 0.05)}
STEPS = 5


def _export(tf, name, build, out_dir):
    with tf.Graph().as_default():
        x, loss, feed = build(tf)
        if name == "lstm":
            bias = [v for v in tf.global_variables() if "bias" in v.name][0]
            init_bias = tf.assign(bias, _BIAS)
            tf.add_to_collection("init_bias", init_bias)
        tf.add_to_collection("x", x)
        tf.add_to_collection("loss", loss)
        tf.train.export_meta_graph(filename=os.path.join(out_dir, name + ".meta"))
    return feed


def _imported(tf, path):
    tf.train.import_meta_graph(path)
    g = tf.get_default_graph()
    x, loss = g.get_collection("x")[0], g.get_collection("loss")[0]
    return x, loss, tf.trainable_variables()


def _init(tf, sess):
    sess.run(tf.global_variables_initializer())
    for op in tf.get_collection("init_bias"):
        sess.run(op)


def main():
    # tf.nn.rnn_cell lives in tf_keras since TensorFlow 2.16 (pip install tf-keras==2.21.0 into its Python).
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tensorflow as tf_mod
    tf = tf_mod.compat.v1
    tf.disable_v2_behavior()
    out_dir = os.environ.get("TAGRAPH_RECORD_DIR") or os.path.join(HERE, "while_context")
    os.makedirs(out_dir, exist_ok=True)
    rec = {}
    for name, build in MODELS.items():
        feed = _export(tf, name, build, out_dir)
        path = os.path.join(out_dir, name + ".meta")
        rec[name + ":feed"] = feed
        with tf.Graph().as_default():
            x, loss, variables = _imported(tf, path)
            grads = tf.gradients(loss, [x] + variables)
            with tf.Session() as sess:
                _init(tf, sess)
                values = sess.run([loss] + grads, {x: feed})
            rec[name + ":loss"] = np.asarray(values[0])
            for k, v in enumerate(values[1:]):
                rec["%s:grad%d" % (name, k)] = np.asarray(v)
            rec[name + ":variables"] = np.array(json.dumps([v.op.name for v in variables]))
        for opt_name, (cls, lr) in OPTIMIZERS.items():
            with tf.Graph().as_default():
                x, loss, _ = _imported(tf, path)
                train = getattr(tf.train, cls)(lr).minimize(loss)
                losses = []
                with tf.Session() as sess:
                    _init(tf, sess)
                    for _ in range(STEPS):
                        losses.append(sess.run([loss, train], {x: feed})[0])
                rec["%s:%s:losses" % (name, opt_name)] = np.asarray(losses, np.float32)
    np.savez(os.path.join(out_dir, "while_context.npz"), **rec)
    print("wrote", out_dir)


if __name__ == "__main__":
    main()
