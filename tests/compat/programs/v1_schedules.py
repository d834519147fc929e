# Learning-rate schedules driven by the global step, and ExponentialMovingAverage of trained variables.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

step = tf.train.get_or_create_global_step()
schedules = {
    "exponential": tf.train.exponential_decay(0.1, step, 5, 0.9),
    "staircase": tf.train.exponential_decay(0.1, step, 4, 0.5, staircase=True),
    "piecewise": tf.train.piecewise_constant(step, [3, 7], [1.0, 0.5, 0.1]),
    "polynomial": tf.train.polynomial_decay(0.1, step, 10, 0.01, power=2.0),
    "inverse_time": tf.train.inverse_time_decay(0.1, step, 2, 0.5),
    "natural_exp": tf.train.natural_exp_decay(0.1, step, 3, 0.2),
    "cosine": tf.train.cosine_decay(0.1, step, 12),
}
w = tf.Variable([1.0, 2.0], name="w")
b = tf.Variable(0.5, name="b")
loss = tf.reduce_sum(tf.square(w - 3.0)) + tf.square(b)
opt = tf.train.GradientDescentOptimizer(schedules["exponential"])
train = opt.minimize(loss, global_step=step)
ema = tf.train.ExponentialMovingAverage(0.8, num_updates=step)
with tf.control_dependencies([train]):
    train_and_average = ema.apply([w, b])

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    history = {k: [] for k in schedules}
    averages = []
    for _ in range(12):
        for k, v in sess.run(schedules).items():
            history[k].append(v)
        sess.run(train_and_average)
        averages.append(sess.run([ema.average(w), ema.average(b)]))
    results = {k: np.array(v) for k, v in history.items()}
    results.update({
        "averages": averages,
        "w": sess.run(w),
        "average_names": [ema.average_name(w), ema.average_name(b)],
        "variables_to_restore": sorted(ema.variables_to_restore().keys()),
        "moving_average_variables": [v.op.name for v in tf.moving_average_variables()],
        "step": sess.run(step),
    })
