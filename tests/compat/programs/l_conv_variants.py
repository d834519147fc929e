# tf.layers convolutions beyond conv2d: conv1d (causal, dilated), conv3d, conv2d_transpose, separable_conv1d/2d,
# channels_first, and their gradients.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(51)
seq = tf.constant(rng.randn(2, 9, 3).astype(np.float32))
img = tf.constant(rng.randn(2, 6, 6, 2).astype(np.float32))
vol = tf.constant(rng.randn(1, 4, 5, 5, 2).astype(np.float32))
init = tf.glorot_uniform_initializer(seed=8)

c1 = tf.layers.conv1d(seq, 4, 3, padding="causal", dilation_rate=2, kernel_initializer=init)
c1_valid = tf.layers.conv1d(seq, 2, 4, strides=2, kernel_initializer=init, name="c1_valid")
c3 = tf.layers.conv3d(vol, 3, [2, 3, 3], padding="same", kernel_initializer=init)
ct = tf.layers.conv2d_transpose(img, 3, 3, strides=2, padding="same", kernel_initializer=init)
ct_valid = tf.layers.conv2d_transpose(img, 2, [2, 3], strides=(1, 2), kernel_initializer=init, name="ct_valid")
sep2 = tf.layers.separable_conv2d(img, 4, 3, depth_multiplier=2, depthwise_initializer=init,
                                  pointwise_initializer=init, bias_initializer=tf.constant_initializer(0.1))
sep1 = tf.layers.separable_conv1d(seq, 5, 2, padding="same", depthwise_initializer=init, pointwise_initializer=init)
dilated = tf.layers.conv2d(img, 2, 3, dilation_rate=2, padding="same", kernel_initializer=init, name="dilated")
outputs = [c1, c1_valid, c3, ct, ct_valid, sep2, sep1, dilated]
loss = tf.add_n([tf.reduce_sum(tf.square(o)) for o in outputs])
grads = tf.gradients(loss, [img, seq])

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    values = sess.run(outputs)
    results = {
        "variables": [(v.name, str(v.shape)) for v in tf.global_variables()],
        "shapes": [str(o.shape) for o in outputs],
        "names": [o.name for o in outputs],
        "grads": sess.run(grads),
    }
    for name, value in zip(["c1", "c1_valid", "c3", "ct", "ct_valid", "sep2", "sep1", "dilated"], values):
        results[name] = value
