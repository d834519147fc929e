# simple_save, then loader.load in a fresh graph; and a SavedModelBuilder with a signature of its own.
import os
import tempfile

import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

base = tempfile.mkdtemp()
simple_dir = os.path.join(base, "simple", "1")
built_dir = os.path.join(base, "built", "1")

with tf.Graph().as_default(), tf.Session() as sess:
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    w = tf.get_variable("w", [2, 1], initializer=tf.constant_initializer([[0.5], [-1.5]]))
    b = tf.get_variable("b", [1], initializer=tf.constant_initializer(2.0))
    y = tf.add(tf.matmul(x, w), b, name="y")
    sess.run(tf.global_variables_initializer())
    tf.saved_model.simple_save(sess, simple_dir, inputs={"x": x}, outputs={"y": y})

    builder = tf.saved_model.builder.SavedModelBuilder(built_dir)
    signature = tf.saved_model.signature_def_utils.predict_signature_def(inputs={"in": x}, outputs={"out": y})
    builder.add_meta_graph_and_variables(
        sess, [tf.saved_model.tag_constants.SERVING],
        signature_def_map={tf.saved_model.signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY: signature})
    builder.save()

feed = np.array([[1.0, 2.0], [3.0, -1.0]], np.float32)
with tf.Session(graph=tf.Graph()) as sess:
    meta = tf.saved_model.loader.load(sess, [tf.saved_model.tag_constants.SERVING], simple_dir)
    sig = meta.signature_def[tf.saved_model.signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY]
    simple_out = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: feed})
    simple_sig = [sig.method_name, sorted(sig.inputs), sorted(sig.outputs), sig.inputs["x"].name,
                  sig.outputs["y"].name]
    variables = sorted(v.name for v in tf.global_variables())

with tf.Session(graph=tf.Graph()) as sess:
    meta = tf.saved_model.load(sess, ["serve"], built_dir)
    sig = meta.signature_def["serving_default"]
    x_t = tf.saved_model.utils.get_tensor_from_tensor_info(sig.inputs["in"], sess.graph)
    y_t = tf.saved_model.utils.get_tensor_from_tensor_info(sig.outputs["out"], sess.graph)
    built_out = sess.run(y_t, {x_t: feed})

results = {
    "simple_out": simple_out,
    "simple_sig": simple_sig,
    "variables": variables,
    "built_out": built_out,
    "built_tags": [list(m.meta_info_def.tags) for m in [meta]],
    "is_saved_model": [tf.saved_model.loader.maybe_saved_model_directory(simple_dir),
                       tf.saved_model.contains_saved_model(base)],
    "files": sorted(os.listdir(simple_dir)),
    "variables_files": sorted(os.listdir(os.path.join(simple_dir, "variables"))),
}
