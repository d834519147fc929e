# Batch normalisation at inference: moving statistics restored from a checkpoint drive the output; no updates.
import os
import tempfile

import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(12)
batch = rng.randn(4, 3, 3, 2).astype(np.float32)
workdir = tempfile.mkdtemp()

with tf.Graph().as_default():
    x = tf.placeholder(tf.float32, [None, 3, 3, 2])
    out = tf.layers.batch_normalization(x, training=True, momentum=0.5, name="bn")
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        step = tf.identity(out)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(4):
            sess.run(step, {x: batch * (i + 1)})
        trained_stats = sess.run(["bn/moving_mean:0", "bn/moving_variance:0"])
        path = tf.train.Saver().save(sess, os.path.join(workdir, "bn.ckpt"))

with tf.Graph().as_default():
    x = tf.placeholder(tf.float32, [None, 3, 3, 2])
    infer = tf.layers.batch_normalization(x, training=False, name="bn")
    flat = tf.layers.batch_normalization(tf.reshape(x, [-1, 18]), training=False, name="flat_bn",
                                         moving_mean_initializer=tf.constant_initializer(0.5),
                                         moving_variance_initializer=tf.constant_initializer(4.0),
                                         gamma_initializer=tf.constant_initializer(2.0), epsilon=0.01)
    saver = tf.train.Saver(var_list=tf.global_variables("bn"))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver.restore(sess, path)
        results = {
            "trained_stats": trained_stats,
            "restored": sess.run(["bn/moving_mean:0", "bn/moving_variance:0"]),
            "infer": sess.run(infer, {x: batch}),
            "flat": sess.run(flat, {x: batch}),
            "update_ops": [op.name for op in tf.get_collection(tf.GraphKeys.UPDATE_OPS)],
            "ops": sorted(set(op.type for op in tf.get_default_graph().get_operations() if "bn/" in op.name
                              and op.type.startswith("Fused"))),
        }
