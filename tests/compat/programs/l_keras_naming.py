# How Keras layers and tf.layers name layers, variables and ops together in one graph: variable and name
# scopes, repeated names, calls in other scopes, and the per-graph count they share.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

x = tf.placeholder(tf.float32, [None, 3], name="x")
with tf.variable_scope("foo"):
    a = tf.keras.layers.Dense(2, kernel_initializer="ones")
    ya = a(x)
with tf.name_scope("bar"):
    yb = a(x)
    b = tf.keras.layers.Dense(2, name="my", kernel_initializer="ones")
    yc = b(x)
d = tf.keras.layers.Dense(2, name="my", kernel_initializer="ones")
yd = d(x)
e = tf.layers.Dense(2, kernel_initializer=tf.ones_initializer())
ye = e(x)
f = tf.keras.layers.Dense(2, kernel_initializer="ones")
yf = f(x)
g = tf.layers.dense(x, 2, kernel_initializer=tf.ones_initializer())
bn = tf.keras.layers.BatchNormalization()
yg = bn(tf.reshape(x, [-1, 1, 1, 3]), training=False)
inputs = tf.keras.Input(shape=(3,))
model = tf.keras.Model(inputs, tf.keras.layers.Dense(1, kernel_initializer="ones")(inputs))
ym = model(x)
ym_again = model(x)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    results = {
        "variables": [v.name for v in tf.global_variables()],
        "outputs": [t.name for t in (ya, yb, yc, yd, ye, yf, g, yg, ym, ym_again)],
        "layer_names": [layer.name for layer in (a, b, d, e, f, bn, model)],
        "input": inputs.name,
        "values": sess.run([ya, yd, ye, ym], {x: np.array([[1.0, 2.0, 3.0]], np.float32)}),
    }
