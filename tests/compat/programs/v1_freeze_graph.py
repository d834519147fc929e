# Freezing: convert_variables_to_constants, write_graph, then import_graph_def with input_map/return_elements.
import os
import tempfile

import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

out_dir = tempfile.mkdtemp()
x = tf.placeholder(tf.float32, [None, 3], name="input")
w = tf.Variable([[1.0, -1.0], [0.5, 2.0], [0.0, 1.0]], name="w")
b = tf.Variable([0.1, -0.2], name="b")
hidden = tf.nn.relu(tf.matmul(x, w) + b, name="hidden")
output = tf.identity(tf.reduce_sum(hidden, 1) * 2.0, name="output")
data = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], np.float32)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    expected = sess.run(output, {x: data})
    frozen = tf.graph_util.convert_variables_to_constants(sess, sess.graph_def, ["output"])
path = tf.train.write_graph(frozen, out_dir, "frozen.pb", as_text=False)
text_path = tf.train.write_graph(frozen, out_dir, "frozen.pbtxt")

graph_def = tf.GraphDef()
with tf.gfile.GFile(path, "rb") as f:
    graph_def.ParseFromString(f.read())

with tf.Graph().as_default() as g:
    new_input = tf.placeholder(tf.float32, [None, 3], name="new_input")
    out, hid = tf.import_graph_def(graph_def, input_map={"input:0": new_input},
                                   return_elements=["output:0", "hidden"], name="frozen")
    with tf.Session(graph=g) as sess:
        imported = sess.run(out, {new_input: data})
    op_types = sorted(set(op.type for op in g.get_operations()))
    names = [op.name for op in g.get_operations() if op.name.startswith("frozen/")]

with tf.Graph().as_default() as g2:
    tf.import_graph_def(graph_def, name="")
    with tf.Session(graph=g2) as sess:
        direct = sess.run("output:0", {"input:0": data})

results = {
    "expected": expected,
    "imported": imported,
    "direct": direct,
    "frozen_ops": sorted(n.op for n in frozen.node),
    "frozen_nodes": sorted(n.name for n in frozen.node),
    "const_w": tf.make_ndarray([n for n in frozen.node if n.name == "w"][0].attr["value"].tensor),
    "return_elements": [out.name, out.op.type, hid.name, hid.type],
    "op_types": op_types,
    "imported_names": sorted(names),
    "files": sorted(os.listdir(out_dir)),
    "text_starts": open(text_path).read().split("\n")[0],
}
