# Variable scopes, sharing, initializers and collections.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()


def dense(x, units, name):
    with tf.variable_scope(name):
        w = tf.get_variable("weights", [x.get_shape().as_list()[1], units],
                            initializer=tf.constant_initializer(0.1))
        b = tf.get_variable("biases", [units], initializer=tf.zeros_initializer())
        return tf.nn.relu(tf.matmul(x, w) + b)


x = tf.placeholder(tf.float32, [None, 3], name="x")
with tf.variable_scope("model"):
    h = dense(x, 4, "layer1")
    out = dense(h, 2, "layer2")
with tf.variable_scope("model", reuse=True):
    shared = tf.get_variable("layer1/weights")
with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
    again = tf.get_variable("layer2/biases")
    fresh = tf.get_variable("extra", [2], initializer=tf.ones_initializer())

with tf.variable_scope("scoped", initializer=tf.constant_initializer(2.5)):
    scoped = tf.get_variable("v", [2, 2])
counter = tf.get_variable("counter", [], dtype=tf.int32, initializer=tf.zeros_initializer(), trainable=False)
tf.add_to_collection("my_things", shared)
tf.add_to_collection("my_things", counter)

with tf.name_scope("outer"):
    with tf.variable_scope("inner"):
        v_inner = tf.get_variable("v", [1], initializer=tf.constant_initializer(7.0))
        op_inner = tf.add(v_inner, 1.0, name="plus_one")

try:
    with tf.variable_scope("model"):
        tf.get_variable("layer1/weights", [3, 4])
    reuse_error = None
except ValueError as e:
    reuse_error = "ValueError"

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    out_value = sess.run(out, {x: np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], np.float32)})
    results = {
        "global": [v.name for v in tf.global_variables()],
        "trainable": [v.name for v in tf.trainable_variables()],
        "collection": [v.name for v in tf.get_collection("my_things")],
        "collection_scoped": [v.name for v in tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="model/layer1")],
        "shared_is_same": shared is tf.trainable_variables()[0],
        "again_name": again.name,
        "fresh": sess.run(fresh),
        "scoped": sess.run(scoped),
        "v_inner_name": v_inner.name,
        "op_inner_name": op_inner.op.name,
        "op_inner": sess.run(op_inner),
        "out": out_value,
        "reuse_error": reuse_error,
        "scope_name": tf.get_variable_scope().name,
    }
