"""Writes tf_ref_variables/: a SavedModel with TensorFlow 1 reference variables, written by real TensorFlow.

Run with a Python that has TensorFlow (2.21 wrote the copy here):
    $TAGRAPH_TF_PYTHON tests/data/saved_model/make_tf_ref_variables.py tests/data/saved_model

It has VariableV2/Assign variables (TensorFlow 2 writes resource variables unless told otherwise), a
ParseExampleV2 regress signature, a predict signature, an asset and a main op that records the asset
path it is fed, strip_default_attrs=True. expected.json holds the values TensorFlow computed.
"""
import json
import os
import sys

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
out = os.path.abspath(sys.argv[1])
export_dir = os.path.join(out, "tf_ref_variables")
src = os.path.join(out, "vocab_source")
os.makedirs(src, exist_ok=True)
with open(os.path.join(src, "labels.txt"), "w") as f:
    f.write("low\nhigh\n")
examples = []
for x in (1.0, 2.0, -3.5):
    ex = tf.train.Example()
    ex.features.feature["x"].float_list.value.append(x)
    examples.append(ex.SerializeToString())
with tf.Graph().as_default():
    serialized = tf.placeholder(tf.string, [None], name="tf_example")
    feats = tf.parse_example(serialized, {"x": tf.FixedLenFeature([1], tf.float32)})
    x = tf.identity(feats["x"], name="x")
    a = tf.Variable(0.5, name="a", use_resource=False)
    b = tf.Variable([2.0, 1.0], name="b", use_resource=False)
    y = tf.add(a * x, b, name="y")
    score = tf.reduce_sum(y, axis=1, name="score")
    path = tf.constant(os.path.join(src, "labels.txt"), name="labels_filename")
    tf.add_to_collection(tf.GraphKeys.ASSET_FILEPATHS, path)
    seen = tf.Variable("", name="seen", trainable=False, collections=[tf.GraphKeys.LOCAL_VARIABLES],
                       use_resource=False)
    main_op = tf.group(seen.assign(path), name="main_op")
    sigs = {"serving_default": tf.saved_model.predict_signature_def({"x": x}, {"y": y}),
            "regress": tf.saved_model.regression_signature_def(serialized, score)}
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        builder = tf.saved_model.Builder(export_dir)
        builder.add_meta_graph_and_variables(s, ["serve"], signature_def_map=sigs,
                                             assets_collection=tf.get_collection(tf.GraphKeys.ASSET_FILEPATHS),
                                             main_op=main_op, strip_default_attrs=True)
        builder.save()
        xs = np.array([[1.0], [2.0], [-3.5]], np.float32)
        expected = {"x": xs.tolist(), "y": s.run(y, {x: xs}).tolist(),
                    "examples_hex": [e.hex() for e in examples],
                    "score": s.run(score, {serialized: examples}).tolist(),
                    "tensorflow_version": tf.__version__}
with open(os.path.join(out, "tf_ref_variables.expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
