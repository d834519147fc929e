"""Writes the TensorFlow-made control-flow GraphDefs tests/engine/runtime/test_control_flow.py imports and runs.

    /root/.cache/tagraph-tf-venv/bin/python tests/data/control_flow/make_graphs.py

Control flow v1 (Switch, Merge, Enter, Exit, NextIteration, LoopCond), as TensorFlow 1 builds it: each
graph is written as a binary GraphDef (``<name>.pb``), and ``expected.json`` holds the values TensorFlow
computes for a few feeds, so the test needs no TensorFlow.
"""
import json
import os

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
tf.disable_control_flow_v2()

HERE = os.path.dirname(os.path.abspath(__file__))


def cond_graph():
    x = tf.placeholder(tf.float32, [3], name="x")
    p = tf.placeholder(tf.bool, [], name="p")
    q = tf.placeholder(tf.bool, [], name="q")
    c = tf.constant([1.0, 2.0, 3.0], name="c")
    y = tf.cond(p, lambda: x * 2.0 + c, lambda: x - 1.0, name="cond")
    # A nested cond, and a branch returning two values of different dtypes.
    z = tf.cond(p, lambda: tf.cond(q, lambda: y * 10.0, lambda: y + 100.0, name="inner"),
                lambda: tf.reduce_sum(x) + y, name="outer")
    a, b = tf.cond(q, lambda: (tf.constant(7, tf.int64), x[0]), lambda: (tf.constant(-7, tf.int64), x[1]),
                   name="pair")
    tf.identity(y, name="y")
    tf.identity(z, name="z")
    tf.identity(a, name="a")
    tf.identity(b, name="b")
    feeds = [{"x:0": [1.0, 2.0, 3.0], "p:0": pv, "q:0": qv} for pv in (True, False) for qv in (True, False)]
    return ["y:0", "z:0", "a:0", "b:0"], feeds


def while_graph():
    n = tf.placeholder(tf.int32, [], name="n")
    x = tf.placeholder(tf.float32, [2], name="x")
    w = tf.constant([0.5, 2.0], name="w")
    i0 = tf.constant(0)
    # Loop variables of two dtypes and shapes, and a loop-invariant (w) from outside.
    i, acc, s = tf.while_loop(lambda i, acc, s: i < n,
                              lambda i, acc, s: (i + 1, acc * w + 1.0, s + tf.cast(i, tf.float64)),
                              [i0, x, tf.constant(0.0, tf.float64)], name="loop")
    # A growing shape, with a shape invariant.
    v = tf.while_loop(lambda v: tf.size(v) < n, lambda v: tf.concat([v, v[-1:] + 1], 0),
                      [tf.constant([1])], shape_invariants=[tf.TensorShape([None])], name="grow")

    # Nested loops: sum over j < i of j, for i < n.
    def outer_body(k, total):
        inner = tf.while_loop(lambda j, t: j < k, lambda j, t: (j + 1, t + j), [0, 0], name="inner")
        return k + 1, total + inner[1]
    _, tri = tf.while_loop(lambda k, total: k < n, outer_body, [0, 0], name="outer")
    # maximum_iterations stops a loop whose condition never turns false.
    m = tf.while_loop(lambda m: m > -1.0, lambda m: m + 1.5, [tf.constant(0.0)], maximum_iterations=n,
                      name="capped")
    # A cond inside a loop body.
    _, parity = tf.while_loop(lambda k, e: k < n,
                              lambda k, e: (k + 1, tf.cond(tf.equal(k % 2, 0), lambda: e + 1, lambda: e - 1)),
                              [0, 0], name="withcond")
    for name, t in [("i", i), ("acc", acc), ("s", s), ("v", v), ("tri", tri), ("m", m), ("parity", parity)]:
        tf.identity(t, name=name)
    feeds = [{"n:0": nv, "x:0": [1.0, -1.0]} for nv in (0, 1, 4)]
    return ["i:0", "acc:0", "s:0", "v:0", "tri:0", "m:0", "parity:0"], feeds


def main():
    expected = {}
    for name, build in [("cond", cond_graph), ("while", while_graph)]:
        g = tf.Graph()
        with g.as_default():
            fetches, feeds = build()
        with open(os.path.join(HERE, name + ".pb"), "wb") as f:
            f.write(g.as_graph_def().SerializeToString())
        runs = []
        with tf.Session(graph=g) as sess:
            for feed in feeds:
                vals = sess.run(fetches, feed)
                runs.append({"feed": feed, "fetch": {k: np.asarray(v).tolist() for k, v in zip(fetches, vals)},
                             "dtype": {k: str(np.asarray(v).dtype) for k, v in zip(fetches, vals)}})
        expected[name] = runs
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
