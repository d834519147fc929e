"""Writes parse_reference.pbtxt and parse_reference.json with real TensorFlow (run once; the files are kept).

    /root/.cache/tagraph-tf-venv/bin/python tests/estimator/data/make_parse_reference.py

The graph parses a batch of tf.Examples with ParseExampleV2 (fixed-length features with and without
defaults, variable-length features, a SparseFeature with TensorFlow's SparseMerge ops) and with the
TensorFlow 1 ParseExample op; the JSON holds the serialized batch, the fetch names and TensorFlow's outputs.
"""
import base64
import json
import os

import numpy as np
import tensorflow.compat.v1 as tf
from tensorflow.python.ops import gen_parsing_ops

tf.disable_eager_execution()
HERE = os.path.dirname(os.path.abspath(__file__))


def example(**kw):
    ex = tf.train.Example()
    for k, v in kw.items():
        f = ex.features.feature[k]
        if isinstance(v[0], float):
            f.float_list.value.extend(v)
        elif isinstance(v[0], int):
            f.int64_list.value.extend(v)
        else:
            f.bytes_list.value.extend(v)
    return ex.SerializeToString()


BATCH = [
    example(x=[1.0, 2.0], n=[3], s=[b"a"], tags=[b"t1", b"t2"], ix=[4, 1], val=[0.5, 1.5], r=[0, 2], c=[1, 0],
            rv=[7.0, 8.0]),
    example(x=[3.0, 4.0], tags=[b"t3"], ids=[9, 8, 7]),
    example(x=[5.0, 6.0], n=[-1], ix=[2], val=[2.5], s=[b"zz"], r=[1], c=[3], rv=[9.0]),
]

g = tf.Graph()
with g.as_default():
    serialized = tf.placeholder(tf.string, [None], name="serialized")
    out = tf.io.parse_example(serialized, {
        "x": tf.io.FixedLenFeature([2], tf.float32),
        "n": tf.io.FixedLenFeature([], tf.int64, default_value=42),
        "s": tf.io.FixedLenFeature([1], tf.string, default_value=[b"none"]),
        "tags": tf.io.VarLenFeature(tf.string),
        "ids": tf.io.VarLenFeature(tf.int64),
        "sp": tf.io.SparseFeature(index_key="ix", value_key="val", dtype=tf.float32, size=6),
        "sp2": tf.io.SparseFeature(index_key=["r", "c"], value_key="rv", dtype=tf.float32, size=[3, 4]),
    })
    v1 = gen_parsing_ops.parse_example(serialized, names=[], sparse_keys=["tags"], dense_keys=["x", "n"],
                                       sparse_types=[tf.string],
                                       dense_defaults=[tf.constant([], tf.float32), tf.constant([7], tf.int64)],
                                       dense_shapes=[[2], [1]], name="ParseExampleV1")
    fetches = {}
    for k, t in out.items():
        if isinstance(t, tf.SparseTensor):
            fetches[k] = {"indices": t.indices.name, "values": t.values.name, "dense_shape": t.dense_shape.name}
        else:
            fetches[k] = t.name
    fetches["v1_tags"] = {"indices": v1.sparse_indices[0].name, "values": v1.sparse_values[0].name,
                          "dense_shape": v1.sparse_shapes[0].name}
    fetches["v1_x"] = v1.dense_values[0].name
    fetches["v1_n"] = v1.dense_values[1].name

    def flat(d):
        return [v for x in d.values() for v in (x.values() if isinstance(x, dict) else [x])]
    names = flat(fetches)
    with tf.Session() as sess:
        values = sess.run(names, {serialized: BATCH})
    expected = {}
    for n, v in zip(names, values):
        v = np.asarray(v)
        expected[n] = {"dtype": str(v.dtype) if v.dtype != object else "string", "shape": list(v.shape),
                       "value": [base64.b64encode(b).decode() for b in v.reshape(-1)] if v.dtype == object
                       else v.reshape(-1).tolist()}
with open(os.path.join(HERE, "parse_reference.pbtxt"), "w") as f:
    f.write(str(g.as_graph_def()))
with open(os.path.join(HERE, "parse_reference.json"), "w") as f:
    json.dump({"tensorflow": tf.__version__, "serialized": [base64.b64encode(b).decode() for b in BATCH],
               "fetches": fetches, "expected": expected}, f, indent=1, sort_keys=True)
print("wrote", len(expected), "expected outputs")
