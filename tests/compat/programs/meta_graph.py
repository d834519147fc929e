# export_meta_graph and import_meta_graph, with collections and a Saver, into a fresh graph.
import os
import tempfile

import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

meta_path = os.path.join(tempfile.mkdtemp(), "model.meta")
with tf.Graph().as_default():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    w = tf.get_variable("w", [2, 2], initializer=tf.constant_initializer([[1.0, 2.0], [3.0, 4.0]]))
    y = tf.matmul(x, w, name="y")
    tf.add_to_collection("outputs", y)
    tf.add_to_collection("inputs", x)
    tf.train.Saver()
    meta = tf.train.export_meta_graph(filename=meta_path)
    exported_ops = sorted(n.name for n in meta.graph_def.node if not n.name.startswith("save"))

with tf.Graph().as_default() as g:
    saver = tf.train.import_meta_graph(meta_path, import_scope="imported")
    y2 = tf.get_collection("outputs")[0]
    x2 = tf.get_collection("inputs")[0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        value = sess.run(y2, {x2: np.array([[1.0, 1.0]], np.float32)})
    names = [y2.name, x2.name, [v.name for v in tf.global_variables()]]

graph_def = tf.GraphDef()
graph_def.ParseFromString(meta.graph_def.SerializeToString())
with tf.Graph().as_default():
    c = tf.constant([[2.0, 0.0]], name="c")
    y3, = tf.import_graph_def(graph_def, input_map={"x:0": c}, return_elements=["y:0"], name="g")
    with tf.Session() as sess:
        sess.run(tf.get_default_graph().get_operation_by_name("g/w/Assign"))
        imported_value = sess.run(y3)

results = {
    "exported_ops": exported_ops,
    "collections": sorted(meta.collection_def),
    "value": value,
    "names": names,
    "imported_value": imported_value,
    "meta_type": type(meta).__name__,
    "is_meta_graph_def": isinstance(meta, tf.MetaGraphDef),
}
