# The Keras functional API: Input, layers, Model(inputs, outputs), called again on a placeholder; merges.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(5)
a_data = rng.randn(4, 3).astype(np.float32)
b_data = rng.randn(4, 5).astype(np.float32)

a = tf.keras.Input(shape=(3,), name="a")
b = tf.keras.Input(shape=(5,))
ha = tf.keras.layers.Dense(4, kernel_initializer=tf.keras.initializers.glorot_uniform(seed=11), name="ha")(a)
hb = tf.keras.layers.Dense(4, activation="sigmoid",
                           kernel_initializer=tf.keras.initializers.glorot_uniform(seed=12))(b)
summed = tf.keras.layers.Add()([ha, hb])
product = tf.keras.layers.Multiply()([ha, hb])
joined = tf.keras.layers.Concatenate()([summed, product])
relu = tf.keras.layers.ReLU(max_value=1.0)(joined)
out = tf.keras.layers.Dense(2, kernel_initializer=tf.keras.initializers.glorot_uniform(seed=13))(relu)
model = tf.keras.Model(inputs=[a, b], outputs=out)

pa = tf.placeholder(tf.float32, [None, 3], name="pa")
pb = tf.placeholder(tf.float32, [None, 5], name="pb")
applied = model([pa, pb])
reshaped = tf.keras.layers.Reshape((2, 4))(joined)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    direct = sess.run(out, {a: a_data, b: b_data})
    again = sess.run(applied, {pa: a_data, pb: b_data})
    results = {
        "names": [t.name for t in (a, b, ha, hb, summed, product, joined, relu, out, applied, reshaped)],
        "model_name": model.name,
        "layers": [layer.name for layer in model.layers],
        "weights": [w.name for w in model.weights],
        "variables": [v.name for v in tf.global_variables()],
        "direct": direct,
        "again": again,
        "same": bool(np.allclose(direct, again)),
        "reshaped": sess.run(reshaped, {a: a_data, b: b_data}),
        "reshaped_shape": str(reshaped.shape),
        "layer_by_name": model.get_layer("ha").name,
    }
