"""Records TensorFlow's tf.graph_util and tf.train.write_graph for tests/engine/framework/test_graph_util.py and
tests/serialization/test_graph_files.py: a small model's GraphDef and its frozen GraphDefs (reference and
resource variables; all variables, a whitelist, a blacklist), extract_sub_graph, remove_training_nodes,
must_run_on_cpu, and the files write_graph writes (text and binary).

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_graph_util.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

Everything lands in ``graph_util/``: ``<kind>.graph.pb`` (the model's GraphDef, deterministic bytes),
``<kind>.frozen.pb``, ``<kind>.frozen_whitelist.pb``, ``<kind>.frozen_blacklist.pb``, ``<kind>.sub.pb``
(extract_sub_graph to "hidden"), ``training.graph.pb``, ``training.removed.pb`` and
``training.removed_protected.pb`` (remove_training_nodes, without and with a protected node),
``write_graph.pbtxt`` / ``write_graph.pb`` (write_graph of the frozen reference model), and
``values.npz`` (the model's input, its output, and must_run_on_cpu of each node of the reference graph).
``model`` builds the model with a TensorFlow-1 namespace; importing this file needs only numpy.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
X = np.random.default_rng(11).normal(size=[4, 3]).astype(np.float32)


def model(tf, use_resource):
    """A dense layer, softmax: seeded initializers, so TensorFlow and tagraph start from the same values."""
    tf.set_random_seed(42)
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.variable_scope("dense", use_resource=use_resource):
        w = tf.get_variable("w", [3, 4])
        b = tf.get_variable("b", [4], initializer=tf.random_normal_initializer(stddev=0.1, seed=3))
        steps = tf.get_variable("steps", [], dtype=tf.int64, initializer=tf.zeros_initializer())
        table = tf.get_variable("table", [5, 2], initializer=tf.ones_initializer())
    hidden = tf.nn.relu(tf.matmul(x, w) + b, name="hidden")
    tf.identity(tf.nn.softmax(hidden), name="probs")
    tf.identity(steps, name="step_count")
    tf.identity(tf.gather(table, [1, 3]), name="rows")


def training_graph(tf):
    """CheckNumerics, Identity and StopGradient nodes for remove_training_nodes."""
    x = tf.placeholder(tf.float32, [2], name="x")
    c = tf.check_numerics(x, "bad value", name="check")
    with tf.control_dependencies([c]):
        y = tf.multiply(x, 2.0, name="y")
    i = tf.identity(y, name="ident")
    s = tf.stop_gradient(i + 1.0, name="stop")
    with tf.control_dependencies([i]):
        d = tf.identity(s, name="after")
    e = tf.identity(tf.identity(d, name="chain1"), name="chain2")
    tf.add(e, tf.identity(x, name="kept"), name="out")


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    out_dir = os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), "graph_util")
    os.makedirs(out_dir, exist_ok=True)

    def write(name, proto):
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(proto.SerializeToString(deterministic=True))

    values = {"x": X}
    for kind, use_resource in (("ref", False), ("resource", True)):
        with tf.Graph().as_default() as g:
            model(tf, use_resource)
            graph_def = g.as_graph_def()
            write(kind + ".graph.pb", graph_def)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                values[kind + ":probs"] = sess.run("probs:0", {"x:0": X})
                convert = tf.graph_util.convert_variables_to_constants
                frozen = convert(sess, graph_def, ["probs", "step_count", "rows"])
                write(kind + ".frozen.pb", frozen)
                write(kind + ".frozen_whitelist.pb", convert(sess, graph_def, ["probs"], ["dense/w"]))
                write(kind + ".frozen_blacklist.pb", convert(sess, graph_def, ["probs"], None, ["dense/w"]))
            write(kind + ".sub.pb", tf.graph_util.extract_sub_graph(graph_def, ["hidden"]))
            if kind == "ref":
                values["ref:must_run_on_cpu"] = np.array([
                    "%s %d %d" % (n.name, tf.graph_util.must_run_on_cpu(n), tf.graph_util.must_run_on_cpu(n, True))
                    for n in graph_def.node])
                tf.train.write_graph(frozen, out_dir, "write_graph.pbtxt")
                tf.io.write_graph(frozen, out_dir, "write_graph.pb", as_text=False)
    with tf.Graph().as_default() as g:
        training_graph(tf)
        write("training.graph.pb", g.as_graph_def())
        write("training.removed.pb", tf.graph_util.remove_training_nodes(g.as_graph_def()))
        write("training.removed_protected.pb", tf.graph_util.remove_training_nodes(g.as_graph_def(), ["ident"]))
    np.savez(os.path.join(out_dir, "values.npz"), **values)
    print("wrote", out_dir)


if __name__ == "__main__":
    main()
