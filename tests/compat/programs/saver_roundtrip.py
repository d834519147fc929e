# A Saver save/restore round trip, and the checkpoint functions of tf.train.
import os
import tempfile

import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

ckpt_dir = tempfile.mkdtemp()
prefix = os.path.join(ckpt_dir, "model.ckpt")

with tf.Graph().as_default():
    v1 = tf.get_variable("v1", shape=[3], initializer=tf.zeros_initializer())
    v2 = tf.get_variable("v2", shape=[2, 2], initializer=tf.constant_initializer([[1.0, 2.0], [3.0, 4.0]]))
    step = tf.train.get_or_create_global_step()
    inc_v1 = v1.assign(v1 + 1)
    dec_v2 = v2.assign(v2 - 1)
    inc_step = tf.assign_add(step, 1)
    saver = tf.train.Saver(max_to_keep=2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        paths = []
        for _ in range(3):
            sess.run([inc_v1, dec_v2, inc_step])
            paths.append(saver.save(sess, prefix, global_step=step))

latest = tf.train.latest_checkpoint(ckpt_dir)
state = tf.train.get_checkpoint_state(ckpt_dir)

with tf.Graph().as_default():
    v1 = tf.get_variable("v1", shape=[3])
    v2 = tf.get_variable("v2", shape=[2, 2], initializer=tf.constant_initializer(9.0))
    saver = tf.train.Saver({"v1": v1})
    with tf.Session() as sess:
        saver.restore(sess, latest)
        v2.initializer.run()
        restored_v1 = sess.run(v1)
        initialized_v2 = sess.run(v2)

with tf.Graph().as_default():
    saver = tf.train.import_meta_graph(latest + ".meta")
    with tf.Session() as sess:
        saver.restore(sess, latest)
        from_meta = sess.run("v2:0")

reader = tf.train.NewCheckpointReader(latest)
results = {
    "paths": [os.path.basename(p) for p in paths],
    "latest": os.path.basename(latest),
    "all_paths": [os.path.basename(p) for p in state.all_model_checkpoint_paths],
    "exists_latest": tf.train.checkpoint_exists(latest),
    "exists_first": tf.train.checkpoint_exists(paths[0]),
    "restored_v1": restored_v1,
    "initialized_v2": initialized_v2,
    "from_meta": from_meta,
    "list_variables": sorted([name, shape] for name, shape in tf.train.list_variables(ckpt_dir)),
    "load_variable": tf.train.load_variable(ckpt_dir, "v2"),
    "reader_shapes": sorted(reader.get_variable_to_shape_map().items()),
    "reader_step": reader.get_tensor("global_step"),
    "has_v1": reader.has_tensor("v1"),
    "files": sorted(os.listdir(ckpt_dir)),
}
