# The TF1 optimizers trained a few steps on one problem each: their trajectories and slot variables.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(9)
xs = rng.randn(12, 3).astype(np.float32)
ys = (xs @ np.array([[1.5], [-2.0], [0.7]], np.float32) - 0.4).astype(np.float32)

optimizers = {
    "sgd": lambda: tf.train.GradientDescentOptimizer(0.1),
    "momentum": lambda: tf.train.MomentumOptimizer(0.05, 0.9),
    "nesterov": lambda: tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
    "adam": lambda: tf.train.AdamOptimizer(0.1),
    "adagrad": lambda: tf.train.AdagradOptimizer(0.3, initial_accumulator_value=0.2),
    "rmsprop": lambda: tf.train.RMSPropOptimizer(0.02, decay=0.9, momentum=0.5),
    "rmsprop_centered": lambda: tf.train.RMSPropOptimizer(0.02, centered=True),
    "adadelta": lambda: tf.train.AdadeltaOptimizer(1.0, rho=0.9),
    "ftrl": lambda: tf.train.FtrlOptimizer(0.3, l1_regularization_strength=0.01, l2_regularization_strength=0.1),
    "proximal_sgd": lambda: tf.train.ProximalGradientDescentOptimizer(0.1, l1_regularization_strength=0.01),
    "proximal_adagrad": lambda: tf.train.ProximalAdagradOptimizer(0.3, l2_regularization_strength=0.05),
}

results = {}
for name, make in sorted(optimizers.items()):
    with tf.Graph().as_default():
        x = tf.constant(xs)
        w = tf.get_variable("w", [3, 1], initializer=tf.constant_initializer(0.1))
        b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - ys))
        step = tf.train.get_or_create_global_step()
        opt = make()
        train = opt.minimize(loss, global_step=step)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            losses = [sess.run([train, loss])[1] for _ in range(8)]
            results[name] = {
                "losses": np.array(losses),
                "w": sess.run(w),
                "b": sess.run(b),
                "slots": sorted(opt.get_slot_names()),
                "variables": sorted(v.op.name for v in tf.global_variables()),
                "step": sess.run(step),
            }
