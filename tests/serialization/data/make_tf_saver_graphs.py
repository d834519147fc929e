"""Regenerates tf_saver_graphs.json: the save/restore subgraphs TensorFlow's Saver builds, node by node.

    $TAGRAPH_TF_PYTHON make_tf_saver_graphs.py tf_saver_graphs.json
"""
import json, sys, os
os.environ["TF_CPP_MIN_LOG_LEVEL"]="3"
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
from google.protobuf import text_format

def dump(g, saver):
    out = []
    for op in g.get_operations():
        nd = op.node_def
        out.append({"name": nd.name, "op": nd.op, "input": list(nd.input), "device": nd.device,
                    "attr": sorted(k for k in nd.attr)})
    return {"nodes": out, "saver_def": text_format.MessageToString(saver.as_saver_def()) if saver else None}

res = {}
def case(name, fn):
    g = tf.Graph()
    with g.as_default():
        saver = fn()
    res[name] = dump(g, saver)

def guide():
    v1 = tf.get_variable("v1", shape=[3], initializer=tf.zeros_initializer)
    v2 = tf.get_variable("v2", shape=[5], initializer=tf.zeros_initializer)
    return tf.train.Saver()
case("guide_resource", guide)

def ref():
    v1 = tf.get_variable("v1", shape=[3], initializer=tf.zeros_initializer, use_resource=False)
    v2 = tf.get_variable("v2", shape=[5], initializer=tf.zeros_initializer, use_resource=False)
    return tf.train.Saver()
case("guide_ref", ref)

def dict_saver():
    v1 = tf.get_variable("v1", shape=[3], initializer=tf.zeros_initializer)
    v2 = tf.get_variable("v2", shape=[5], initializer=tf.zeros_initializer)
    return tf.train.Saver({"v2": v2})
case("dict_v2", dict_saver)

def two_savers():
    v1 = tf.get_variable("v1", shape=[3], initializer=tf.zeros_initializer)
    v2 = tf.get_variable("v2", shape=[5], initializer=tf.zeros_initializer)
    tf.train.Saver([v1, v2])
    return tf.train.Saver([v2], max_to_keep=2)
case("two_savers", two_savers)

def sharded():
    with tf.device("/cpu:0"):
        v1 = tf.get_variable("v1", shape=[3], initializer=tf.zeros_initializer)
    with tf.device("/cpu:1"):
        v2 = tf.get_variable("v2", shape=[5], initializer=tf.zeros_initializer)
    return tf.train.Saver(sharded=True)
case("sharded_two", sharded)

def sharded_one():
    v1 = tf.get_variable("v1", shape=[3], initializer=tf.zeros_initializer)
    v2 = tf.get_variable("v2", shape=[5], initializer=tf.zeros_initializer, use_resource=False)
    return tf.train.Saver(sharded=True, max_to_keep=3, keep_checkpoint_every_n_hours=2.5, filename="abc")
case("sharded_one_mixed", sharded_one)

def gpu_var():
    with tf.device("/gpu:0"):
        v1 = tf.get_variable("v1", shape=[3], initializer=tf.zeros_initializer)
    v2 = tf.get_variable("v2", shape=[5], initializer=tf.zeros_initializer)
    return tf.train.Saver()
case("gpu_var", gpu_var)

def reshape():
    v1 = tf.get_variable("v1", shape=[3], initializer=tf.zeros_initializer)
    v2 = tf.get_variable("v2", shape=[5], initializer=tf.zeros_initializer, use_resource=False)
    return tf.train.Saver(reshape=True, name="mysaver")
case("reshape_named", reshape)

json.dump(res, open(sys.argv[1], "w"), indent=1)
