# Seeded random ops and initializers: the graph seed with op seeds, and the same values on every run of a graph.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

tf.set_random_seed(1234)
uniform = tf.random_uniform([3, 4], seed=7)
uniform_int = tf.random_uniform([5], minval=-10, maxval=10, dtype=tf.int32, seed=8)
normal = tf.random_normal([2, 3], mean=1.0, stddev=2.0, seed=9)
truncated = tf.truncated_normal([4, 2], seed=10, dtype=tf.float64)
unseeded_op = tf.random_uniform([2])                       # op seed from the graph's counter
shuffled = tf.random_shuffle(tf.range(8), seed=11)
with tf.variable_scope("init"):
    glorot = tf.get_variable("glorot", [4, 3], initializer=tf.glorot_uniform_initializer(seed=1))
    glorot_normal = tf.get_variable("glorot_normal", [3, 5], initializer=tf.glorot_normal_initializer(seed=2))
    he = tf.get_variable("he", [6, 2], initializer=tf.variance_scaling_initializer(2.0, seed=3))
    trunc_init = tf.get_variable("trunc", [2, 2], initializer=tf.truncated_normal_initializer(stddev=0.1, seed=4))
    uni_init = tf.get_variable("uni", [3], initializer=tf.random_uniform_initializer(-1.0, 1.0, seed=5))
    norm_init = tf.get_variable("norm", [3], initializer=tf.random_normal_initializer(0.0, 0.5, seed=6))
    default = tf.get_variable("default", [2, 3])           # glorot uniform, seeded by the graph seed

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    first = sess.run([uniform, uniform_int, normal, truncated, unseeded_op, shuffled])
    second = sess.run([uniform, normal])
    results = {
        "uniform": first[0], "uniform_int": first[1], "normal": first[2], "truncated": first[3],
        "unseeded_op": first[4], "shuffled": first[5],
        "uniform_again": second[0], "normal_again": second[1],
        "variables": {v.op.name: sess.run(v) for v in tf.global_variables()},
    }
with tf.Session() as sess:                                 # a new session starts the sequences again
    results["uniform_new_session"] = sess.run(uniform)
