"""Training moves between TensorFlow and tagraph: same update rules, same slot names, same losses.

TensorFlow builds what tagraph's ``layers.dense`` builds (``variable_scope("dense")`` with ``kernel`` and
``bias``; TensorFlow 2.21's Keras 3 no longer ships ``tf.compat.v1.layers``), trains, writes a checkpoint
mid-training and records the losses that follow; tagraph restores it and must see the same losses.
"""
import numpy as np
import pytest

import tagraph.engine as tg

TF_MODEL = """
def dense(x, units, name, activation=None, use_resource=True):
    with tf.variable_scope(name, use_resource=use_resource):
        k = tf.get_variable("kernel", [x.shape[-1], units], initializer=tf.glorot_uniform_initializer())
        b = tf.get_variable("bias", [units], initializer=tf.zeros_initializer())
        y = tf.nn.bias_add(tf.matmul(x, k), b)
        return activation(y) if activation else y

def data():
    rng = np.random.RandomState(0)
    X = rng.randn(64, 8).astype(np.float32)
    Y = ((X[:, 0] > 0).astype(np.int32) + (X[:, 1] > 0.5)).astype(np.int32)
    return X, Y
"""


def _data():
    rng = np.random.RandomState(0)
    X = rng.randn(64, 8).astype(np.float32)
    Y = ((X[:, 0] > 0).astype(np.int32) + (X[:, 1] > 0.5)).astype(np.int32)
    return X, Y


def _model(use_resource=True):
    x = tg.placeholder(tg.float32, [None, 8], name="x")
    y = tg.placeholder(tg.int32, [None], name="y")
    with tg.variable_scope("", use_resource=use_resource):
        h = tg.layers.dense(x, 16, activation=tg.nn.relu)
        logits = tg.layers.dense(h, 3)
    loss = tg.losses.sparse_softmax_cross_entropy(y, logits)
    return x, y, loss


def test_adam_checkpoint_written_mid_training_by_tensorflow_continues_identically(run_tf, tmp_path):
    out = run_tf(TF_MODEL + """
out_dir = sys.argv[1]
X, Y = data()
tf.set_random_seed(1)
x = tf.placeholder(tf.float32, [None, 8], name="x")
y = tf.placeholder(tf.int32, [None], name="y")
h = dense(x, 16, "dense", tf.nn.relu)
logits = dense(h, 3, "dense_1")
loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
step = tf.train.get_or_create_global_step()
train = tf.train.AdamOptimizer(0.01).minimize(loss, global_step=step)
saver = tf.train.Saver()
with tf.Session() as s:
    s.run(tf.global_variables_initializer())
    for i in range(7):
        s.run(train, {x: X, y: Y})
    path = saver.save(s, out_dir + "/model.ckpt", global_step=step)
    losses = []
    for i in range(12):
        losses.append(float(s.run(loss, {x: X, y: Y})))
        s.run(train, {x: X, y: Y})
    names = sorted(v.op.name for v in tf.global_variables())
print(json.dumps({"path": path, "losses": losses, "names": names}))
""", tmp_path)
    from tagraph.serialization import Saver
    X, Y = _data()
    with tg.Graph().as_default():
        x, y, loss = _model()
        step = tg.train.get_or_create_global_step()
        train = tg.train.AdamOptimizer(0.01).minimize(loss, global_step=step)
        assert sorted(v.op.name for v in tg.global_variables()) == out["names"]
        saver = Saver()
        with tg.Session() as sess:
            saver.restore(sess, out["path"])
            assert sess.run(step) == 7
            losses = []
            for _ in range(12):
                losses.append(float(sess.run(loss, {x: X, y: Y})))
                sess.run(train, {x: X, y: Y})
    assert losses[-1] < losses[0] - 1e-3   # training is under way, not stalled
    np.testing.assert_allclose(losses, out["losses"], rtol=1e-5)


OPTIMIZERS = {
    "sgd": ("tf.train.GradientDescentOptimizer(0.1)", lambda: tg.train.GradientDescentOptimizer(0.1)),
    "momentum": ("tf.train.MomentumOptimizer(0.05, 0.9)", lambda: tg.train.MomentumOptimizer(0.05, 0.9)),
    "nesterov": ("tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True)",
                 lambda: tg.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True)),
    "adam": ("tf.train.AdamOptimizer(0.01)", lambda: tg.train.AdamOptimizer(0.01)),
    "adagrad": ("tf.train.AdagradOptimizer(0.2)", lambda: tg.train.AdagradOptimizer(0.2)),
    "rmsprop": ("tf.train.RMSPropOptimizer(0.01, momentum=0.5)", lambda: tg.train.RMSPropOptimizer(0.01, momentum=0.5)),
    "centered_rmsprop": ("tf.train.RMSPropOptimizer(0.01, centered=True)",
                         lambda: tg.train.RMSPropOptimizer(0.01, centered=True)),
}


def test_every_optimizer_follows_tensorflows_trajectory(run_tf, tmp_path):
    """Same initial weights, 15 steps of each optimizer on both variable kinds: same losses, same slots."""
    rng = np.random.RandomState(3)
    w0 = {"dense/kernel": rng.randn(8, 16).astype(np.float32) * 0.3, "dense/bias": np.zeros(16, np.float32),
          "dense_1/kernel": rng.randn(16, 3).astype(np.float32) * 0.3, "dense_1/bias": np.zeros(3, np.float32)}
    np.savez(tmp_path / "w0.npz", **{k.replace("/", "__"): v for k, v in w0.items()})
    script = TF_MODEL + """
w0 = {k.replace("__", "/"): v for k, v in np.load(sys.argv[1] + "/w0.npz").items()}
X, Y = data()
results = {}
for key, expr in json.loads(sys.argv[2]).items():
    for use_resource in (True, False):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, [None, 8]); y = tf.placeholder(tf.int32, [None])
            h = dense(x, 16, "dense", tf.nn.relu, use_resource)
            logits = dense(h, 3, "dense_1", None, use_resource)
            loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
            opt = eval(expr)
            train = opt.minimize(loss)
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                for v in tf.global_variables():
                    if v.op.name in w0:
                        v.load(w0[v.op.name], s)
                losses = []
                for i in range(15):
                    losses.append(float(s.run(loss, {x: X, y: Y})))
                    s.run(train, {x: X, y: Y})
                names = sorted(v.op.name for v in tf.global_variables())
                kernel = s.run(g.get_tensor_by_name("dense/kernel:0") if not use_resource else
                               tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)[0].value()).tolist()
        results["%s/%s" % (key, use_resource)] = {"losses": losses, "names": names, "kernel": kernel}
print(json.dumps(results))
"""
    import json
    out = run_tf(script, tmp_path, json.dumps({k: v[0] for k, v in OPTIMIZERS.items()}))
    X, Y = _data()
    for key, (_, make) in OPTIMIZERS.items():
        for use_resource in (True, False):
            with tg.Graph().as_default():
                x, y, loss = _model(use_resource)
                train = make().minimize(loss)
                with tg.Session() as sess:
                    sess.run(tg.global_variables_initializer())
                    for v in tg.global_variables():
                        if v.op.name in w0:
                            v.load(w0[v.op.name], sess)
                    losses = []
                    for _ in range(15):
                        losses.append(float(sess.run(loss, {x: X, y: Y})))
                        sess.run(train, {x: X, y: Y})
                    kernel = sess.run(tg.global_variables()[0])
                want = out["%s/%s" % (key, use_resource)]
                assert sorted(v.op.name for v in tg.global_variables()) == want["names"], key
                np.testing.assert_allclose(losses, want["losses"], rtol=1e-5, err_msg=key)
                np.testing.assert_allclose(kernel, want["kernel"], rtol=1e-4, atol=1e-6, err_msg=key)
