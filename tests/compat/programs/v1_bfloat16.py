# bfloat16: casts, arithmetic and matmuls in bfloat16, variables saved and restored as bfloat16.
import os
import tempfile

import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

values = np.array([1.0, 1.00390625, 1.01171875, -3.14159, 0.1, 1e-3, 65504.0, 3.3895e38, np.inf, -0.0],
                  np.float32)
a = np.random.RandomState(2).randn(4, 6).astype(np.float32)
b = np.random.RandomState(3).randn(6, 3).astype(np.float32)
x = tf.placeholder(tf.float32, [None])
ma = tf.placeholder(tf.float32, [4, 6])
mb = tf.placeholder(tf.float32, [6, 3])
as_bf16 = tf.cast(x, tf.bfloat16)
back = tf.cast(as_bf16, tf.float32)
product = tf.matmul(tf.cast(ma, tf.bfloat16), tf.cast(mb, tf.bfloat16))
sums = tf.cast(ma, tf.bfloat16) * 3.0 - 1.5
w = tf.get_variable("w", initializer=tf.cast(tf.constant(a[:2, :3]), tf.bfloat16))
saver = tf.train.Saver()
path = os.path.join(tempfile.mkdtemp(), "bf16.ckpt")

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    feed = {x: values, ma: a, mb: b}
    bf, f32, prod, s = sess.run([as_bf16, back, product, sums], feed)
    saver.save(sess, path)
    sess.run(w.assign(tf.zeros_like(w)))
    saver.restore(sess, path)
    restored = sess.run(w)
reader = tf.train.load_checkpoint(path)
results = {
    "bits": bf.view(np.uint16),
    "dtype": [bf.dtype.name, as_bf16.dtype.name, product.dtype.name, w.dtype.base_dtype.name],
    "back": f32,
    "product_bits": prod.view(np.uint16),
    "sums_bits": s.view(np.uint16),
    "restored_bits": restored.view(np.uint16),
    "checkpoint_dtype": reader.get_variable_to_dtype_map()["w"].name,
    "checkpoint_bits": reader.get_tensor("w").view(np.uint16),
    "limits": [float(tf.bfloat16.max), float(tf.bfloat16.min), tf.bfloat16.is_floating, tf.bfloat16.size],
}
