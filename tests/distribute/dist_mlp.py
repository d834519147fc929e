"""The MLP the data-parallel tests train: its data, its graph, and the single-process run they compare with.

Each of ``size`` processes trains on its contiguous shard of one fixed batch with a mean loss; averaged over
equal shards, their gradients are the whole batch's, so the job must take the steps one process takes on the
whole batch.
"""
import numpy as np

import tagraph.engine as tg

BATCH, FEATURES, HIDDEN, STEPS, LEARNING_RATE = 16, 5, 8, 12, 0.2


def data():
    rng = np.random.default_rng(2026)
    x = rng.normal(size=(BATCH, FEATURES)).astype(np.float32)
    y = (np.sin(x.sum(axis=1, keepdims=True)) + 0.1 * x[:, :1]).astype(np.float32)
    return x, y


def shard(a, rank, size):
    n = a.shape[0] // size
    return a[rank * n:(rank + 1) * n]


def build(init_seed=7):
    """Placeholders, the mean squared loss, and the variables of a 2-layer tanh MLP (initialized from
    ``init_seed``)."""
    x = tg.placeholder(tg.float32, [None, FEATURES], name="x")
    y = tg.placeholder(tg.float32, [None, 1], name="y")
    init = tg.random_normal_initializer(stddev=0.5, seed=init_seed)
    w1 = tg.get_variable("w1", [FEATURES, HIDDEN], initializer=init)
    b1 = tg.get_variable("b1", [HIDDEN], initializer=tg.zeros_initializer())
    w2 = tg.get_variable("w2", [HIDDEN, 1], initializer=init)
    b2 = tg.get_variable("b2", [1], initializer=tg.zeros_initializer())
    pred = tg.matmul(tg.tanh(tg.matmul(x, w1) + b1), w2) + b2
    loss = tg.reduce_mean(tg.square(pred - y))
    return x, y, loss, [w1, b1, w2, b2]


def train_whole_batch():
    """The weights one process reaches on the whole batch (no tagraph.distribute)."""
    xs, ys = data()
    with tg.Graph().as_default():
        x, y, loss, variables = build()
        step = tg.train.GradientDescentOptimizer(LEARNING_RATE).minimize(loss)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for _ in range(STEPS):
                sess.run(step, {x: xs, y: ys})
            return sess.run(variables)
