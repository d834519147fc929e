# tf.keras.Sequential as a graph builder: built on a placeholder, trained with a tf.train optimizer.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(3)
data = rng.randn(16, 6).astype(np.float32)
target = (data[:, :2].sum(axis=1, keepdims=True) * 0.5).astype(np.float32)

x = tf.placeholder(tf.float32, [None, 6], name="x")
t = tf.placeholder(tf.float32, [None, 1], name="t")
model = tf.keras.Sequential([
    tf.keras.layers.Dense(8, activation="relu", kernel_initializer=tf.keras.initializers.glorot_uniform(seed=1)),
    tf.keras.layers.Dense(4, activation=tf.nn.tanh, kernel_initializer=tf.keras.initializers.he_normal(seed=2),
                          bias_initializer=tf.keras.initializers.Constant(0.1)),
    tf.keras.layers.Dense(1, kernel_initializer=tf.keras.initializers.RandomNormal(stddev=0.3, seed=3)),
])
y = model(x)
y_again = model(x)
loss = tf.reduce_mean(tf.square(y - t))
train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=model.trainable_weights)

shaped = tf.keras.Sequential([tf.keras.layers.Dense(3, input_shape=(6,), kernel_initializer="ones"),
                              tf.keras.layers.Activation("softmax")])
probs = shaped(x)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    before = sess.run(y, {x: data})
    losses = [sess.run([train_op, loss], {x: data, t: target})[1] for _ in range(10)]
    results = {
        "variables": [v.name for v in tf.global_variables()],
        "model_weights": [w.name for w in model.weights],
        "layer_names": [layer.name for layer in model.layers],
        "outputs": [y.name, y_again.name, probs.name],
        "inputs": [i.name for i in shaped.inputs],
        "shaped_outputs": [o.name for o in shaped.outputs],
        "before": before,
        "losses": np.array(losses),
        "after": sess.run(y_again, {x: data}),
        "probs": sess.run(probs, {x: data[:3]}),
        "shape": str(y.shape),
    }
