"""Records TensorFlow 1's cosine_decay_restarts, linear_cosine_decay and noisy_linear_cosine_decay over 100
global steps, and the ops each builds, for tests/engine/train/test_schedules_extra.py.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_schedules_extra.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead of beside this file)

Writes ``schedules_extra.npz`` (the learning rate at each step) and ``schedules_extra.json`` (the ops each
schedule added, name and type, and its output's name). Importing this file needs only numpy.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 100

# name -> (graph seed or None, the schedule as a function of (tf, global step))
SCHEDULES = {
    "restarts": (None, lambda tf, s: tf.train.cosine_decay_restarts(0.1, s, 10)),
    "restarts_mul": (None, lambda tf, s: tf.train.cosine_decay_restarts(0.2, s, 7, t_mul=1.5, m_mul=0.8, alpha=0.05)),
    "restarts_t_mul_1": (None, lambda tf, s: tf.train.cosine_decay_restarts(0.1, s, 12, t_mul=1.0, m_mul=0.5)),
    "linear_cosine": (None, lambda tf, s: tf.train.linear_cosine_decay(0.1, s, 60)),
    "linear_cosine_periods": (None, lambda tf, s: tf.train.linear_cosine_decay(0.3, s, 80, num_periods=2.0,
                                                                               alpha=0.1, beta=0.01)),
    "noisy_linear_cosine": (1, lambda tf, s: tf.train.noisy_linear_cosine_decay(0.1, s, 60)),
}


def run(tf, name):
    """(values over STEPS steps, [[op name, op type], ...] the schedule added, its output's name)."""
    seed, build = SCHEDULES[name]
    with tf.Graph().as_default() as g:
        if seed is not None:
            tf.set_random_seed(seed)
        step = tf.train.get_or_create_global_step()
        inc = tf.assign_add(step, 1)
        n0 = len(g.get_operations())
        lr = build(tf, step)
        ops = [[op.name, op.type] for op in g.get_operations()[n0:]]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = []
            for _ in range(STEPS):
                values.append(sess.run(lr))
                sess.run(inc)
    return np.array(values), ops, lr.name


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    out = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    arrays, graphs = {}, {}
    for name in SCHEDULES:
        arrays[name], ops, output = run(tf, name)
        graphs[name] = {"ops": ops, "output": output}
    np.savez(os.path.join(out, "schedules_extra.npz"), **arrays)
    with open(os.path.join(out, "schedules_extra.json"), "w") as f:
        json.dump(graphs, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
