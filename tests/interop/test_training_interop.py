"""Training moves between TensorFlow and tagraph: same update rules, same slot names, same losses.

TensorFlow builds what tagraph's ``layers.dense`` builds (``variable_scope("dense")`` with ``kernel`` and
``bias``; TensorFlow 2.21's Keras 3 no longer ships ``tf.compat.v1.layers``), trains, writes a checkpoint
mid-training and records the losses that follow; tagraph restores it and must see the same losses.
"""
import numpy as np

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


CONV_CASES = [
    # (x shape, w shape, strides, padding, dilations)
    ((2, 7, 6, 3), (3, 3, 3, 4), 1, "SAME", 1),
    ((2, 7, 6, 3), (3, 2, 3, 4), 2, "SAME", 1),
    ((1, 8, 5, 2), (2, 3, 2, 3), [3, 2], "VALID", 1),
    ((1, 8, 8, 2), (3, 3, 2, 2), 1, "SAME", 2),
    ((1, 6, 7, 2), (4, 4, 2, 1), 3, "SAME", 1),
]
POOL_CASES = [((2, 7, 6, 3), 2, 2, "SAME"), ((2, 7, 6, 3), 3, 2, "VALID"), ((1, 5, 5, 1), [3, 2], [2, 1], "SAME")]


def test_conv_pool_and_batch_norm_match_tensorflow(run_tf, tmp_path):
    """Forward values and gradients of Conv2D, MaxPool, AvgPool and FusedBatchNormV3 against TensorFlow's,
    over SAME/VALID padding, strides and dilations (TensorFlow's exact padding rules)."""
    import json
    rng = np.random.RandomState(5)
    arrays = {}
    for i, (xs, ws, *_rest) in enumerate(CONV_CASES):
        arrays["cx%d" % i] = rng.randn(*xs).astype(np.float32)
        arrays["cw%d" % i] = rng.randn(*ws).astype(np.float32)
    for i, (xs, *_rest) in enumerate(POOL_CASES):
        arrays["px%d" % i] = rng.permutation(int(np.prod(xs))).reshape(xs).astype(np.float32) * 0.1
    arrays["bx"] = rng.randn(4, 3, 3, 5).astype(np.float32)
    arrays["bs"] = rng.rand(5).astype(np.float32) + 0.5
    arrays["bo"] = rng.randn(5).astype(np.float32)
    np.savez(tmp_path / "in.npz", **arrays)
    out = run_tf("""
a = dict(np.load(sys.argv[1] + "/in.npz"))
conv_cases, pool_cases = json.loads(sys.argv[2])
res = {}
with tf.Session() as s:
    for i, (xs, ws, st, pad, dil) in enumerate(conv_cases):
        x = tf.constant(a["cx%d" % i]); w = tf.constant(a["cw%d" % i])
        y = tf.nn.conv2d(x, w, strides=st, padding=pad, dilations=dil)
        gx, gw = tf.gradients(tf.reduce_sum(y * y), [x, w])
        res["conv%d" % i] = [v.tolist() for v in s.run([y, gx, gw])]
    for i, (xs, k, st, pad) in enumerate(pool_cases):
        x = tf.constant(a["px%d" % i])
        mp = tf.nn.max_pool(x, ksize=k, strides=st, padding=pad)
        ap = tf.nn.avg_pool(x, ksize=k, strides=st, padding=pad)
        g1, = tf.gradients(tf.reduce_sum(mp * mp), [x]); g2, = tf.gradients(tf.reduce_sum(ap * ap), [x])
        res["pool%d" % i] = [v.tolist() for v in s.run([mp, ap, g1, g2])]
    x, sc, of = tf.constant(a["bx"]), tf.constant(a["bs"]), tf.constant(a["bo"])
    y, m, v = tf.nn.fused_batch_norm(x, sc, of, is_training=True)
    gx, gs, go = tf.gradients(tf.reduce_sum(y * y * tf.range(5.0)), [x, sc, of])
    yi, _, _ = tf.nn.fused_batch_norm(x, sc, of, mean=m * 0.5, variance=v * 2.0, is_training=False)
    gxi, gsi, goi = tf.gradients(tf.reduce_sum(yi * yi), [x, sc, of])
    res["bn"] = [t.tolist() for t in s.run([y, m, v, gx, gs, go, yi, gxi, gsi, goi])]
print(json.dumps(res))
""", tmp_path, json.dumps([CONV_CASES, POOL_CASES]))
    from tagraph.engine.ops import batch_norm_ops
    with tg.Graph().as_default():
        fetch = {}
        for i, (xs, ws, st, pad, dil) in enumerate(CONV_CASES):
            x, w = tg.constant(arrays["cx%d" % i]), tg.constant(arrays["cw%d" % i])
            y = tg.nn.conv2d(x, w, strides=st, padding=pad, dilations=dil)
            fetch["conv%d" % i] = [y] + tg.gradients(tg.reduce_sum(y * y), [x, w])
        for i, (xs, k, st, pad) in enumerate(POOL_CASES):
            x = tg.constant(arrays["px%d" % i])
            mp = tg.nn.max_pool(x, ksize=k, strides=st, padding=pad)
            ap = tg.nn.avg_pool(x, ksize=k, strides=st, padding=pad)
            fetch["pool%d" % i] = [mp, ap] + tg.gradients(tg.reduce_sum(mp * mp), [x]) + \
                tg.gradients(tg.reduce_sum(ap * ap), [x])
        x, sc, of = tg.constant(arrays["bx"]), tg.constant(arrays["bs"]), tg.constant(arrays["bo"])
        y, m, v = batch_norm_ops.fused_batch_norm(x, sc, of, is_training=True)
        g = tg.gradients(tg.reduce_sum(y * y * tg.range(5.0)), [x, sc, of])
        yi, _, _ = batch_norm_ops.fused_batch_norm(x, sc, of, mean=m * 0.5, variance=v * 2.0, is_training=False)
        gi = tg.gradients(tg.reduce_sum(yi * yi), [x, sc, of])
        fetch["bn"] = [y, m, v] + g + [yi] + gi
        with tg.Session() as sess:
            got = sess.run(fetch)
    for key, values in out.items():
        for j, (want, have) in enumerate(zip(values, got[key])):
            np.testing.assert_allclose(have, np.array(want, np.float32), rtol=2e-4, atol=2e-4,
                                       err_msg="%s output %d" % (key, j))
