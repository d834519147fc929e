# TensorFlow's error classes, caught as a TensorFlow 1 program catches them.
import os
import tempfile

import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

caught = {}
x = tf.placeholder(tf.float32, [2], name="x")
v = tf.Variable([1.0, 2.0], name="v")
y = x + v
idx = tf.placeholder(tf.int32, [])
picked = tf.gather(tf.constant([1, 2, 3]), idx)

with tf.Session() as sess:
    try:
        sess.run(v)
    except tf.errors.FailedPreconditionError as e:
        caught["uninitialized"] = [type(e).__name__, e.error_code == tf.errors.FAILED_PRECONDITION]
    sess.run(v.initializer)
    try:
        sess.run(y)
    except tf.errors.InvalidArgumentError as e:
        caught["unfed"] = [type(e).__name__, isinstance(e, tf.errors.OpError), e.error_code]
    try:
        sess.run(picked, {idx: 7})
    except tf.errors.OpError as e:
        caught["out_of_bounds"] = [type(e).__name__, e.error_code]
    try:
        sess.run(y, {x: np.zeros([3], np.float32)})
    except ValueError:
        caught["bad_shape"] = ["ValueError"]
    try:
        tf.train.Saver().restore(sess, os.path.join(tempfile.mkdtemp(), "missing.ckpt"))
    except ValueError as e:
        caught["missing_checkpoint"] = ["ValueError"]
    try:
        tf.gfile.GFile(os.path.join(tempfile.mkdtemp(), "nope.txt")).read()
    except tf.errors.NotFoundError as e:
        caught["missing_file"] = [type(e).__name__, e.error_code]

results = {
    "caught": caught,
    "codes": [tf.errors.OK, tf.errors.CANCELLED, tf.errors.INVALID_ARGUMENT, tf.errors.NOT_FOUND,
              tf.errors.OUT_OF_RANGE, tf.errors.DATA_LOSS],
    "from_code": tf.errors.exception_type_from_error_code(5).__name__,
    "to_code": tf.errors.error_code_from_exception_type(tf.errors.OutOfRangeError),
}
