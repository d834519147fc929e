"""A tf.layers CNN's checkpoint moves between TensorFlow and tagraph both ways, in the same program:
``cnn`` of tests/data/layers/record_layers.py (conv2d, batch_normalization, max_pooling2d, dense, dropout)
built with ``tensorflow.compat.v1.layers`` on one side and ``tagraph.engine.layers`` on the other.

TensorFlow 2.16+ serves ``tf.compat.v1.layers`` from the tf-keras package (``make interop`` installs it).
"""
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.serialization import Saver

RECORD_FILE = pathlib.Path(__file__).resolve().parents[1] / "data" / "layers" / "record_layers.py"

TF_PRELUDE = """
import importlib.util, os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
try:
    import tf_keras  # noqa: F401
except ImportError:
    print(json.dumps({"skip": "tf.compat.v1.layers needs tf-keras in TensorFlow's Python "
                              "(pip install tf-keras==2.21.0)"}))
    sys.exit(0)
tf.disable_v2_behavior()
spec = importlib.util.spec_from_file_location("record_layers", sys.argv[1])
R = importlib.util.module_from_spec(spec)
spec.loader.exec_module(R)
x = tf.placeholder(tf.float32, R.CNN_INPUT, name="x")
labels = tf.placeholder(tf.int32, [None], name="labels")
training = tf.placeholder_with_default(False, [], name="training")
logits = R.cnn(tf, x, training)
loss, train_op = R.cnn_train_op(tf, logits, labels)
names = [[v.name, v.shape.as_list()] for v in tf.global_variables()]
"""


def _run(run_tf, script, *args):
    out = run_tf(TF_PRELUDE + script, RECORD_FILE, *args)
    if "skip" in out:
        pytest.skip(out["skip"])
    return out


def _record():
    import importlib.util
    spec = importlib.util.spec_from_file_location("record_layers", RECORD_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


R = _record()


def _cnn():
    x = tg.placeholder(tg.float32, R.CNN_INPUT, name="x")
    labels = tg.placeholder(tg.int32, [None], name="labels")
    training = tg.placeholder_with_default(False, [], name="training")
    logits = R.cnn(tg, x, training)
    loss, train_op = R.cnn_train_op(tg, logits, labels)
    return x, labels, training, logits, train_op


def test_tagraphs_tf_layers_checkpoint_restores_in_tensorflow(run_tf, tmp_path):
    with tg.Graph().as_default():
        x, labels, training, logits, train_op = _cnn()
        names = [[v.name, v.shape.as_list()] for v in tg.global_variables()]
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for step in range(3):
                xb, yb = R.cnn_train_batch(step)
                sess.run(train_op, {x: xb, labels: yb, training: True})
            path = Saver().save(sess, str(tmp_path / "model.ckpt"))
            want = sess.run(logits, {x: R.cnn_eval_input()})
    out = _run(run_tf, """
with tf.Session() as sess:
    tf.train.Saver().restore(sess, sys.argv[2])
    got = sess.run(logits, {x: R.cnn_eval_input()})
print(json.dumps({"names": names, "logits": got.tolist()}))
""", path)
    assert out["names"] == names
    np.testing.assert_allclose(np.array(out["logits"]), want, rtol=1e-4, atol=1e-5)


def test_tensorflows_tf_layers_checkpoint_restores_in_tagraph(run_tf, tmp_path):
    path = str(tmp_path / "tf_model.ckpt")
    out = _run(run_tf, """
tf.set_random_seed(3)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(4):
        xb, yb = R.cnn_train_batch(10 + step)
        sess.run(train_op, {x: xb, labels: yb, training: True})
    tf.train.Saver().save(sess, sys.argv[2], write_meta_graph=False)
    got = sess.run(logits, {x: R.cnn_eval_input()})
print(json.dumps({"names": names, "logits": got.tolist()}))
""", path)
    with tg.Graph().as_default():
        x, _, _, logits, _ = _cnn()
        assert [[v.name, v.shape.as_list()] for v in tg.global_variables()] == out["names"]
        with tg.Session() as sess:
            Saver().restore(sess, path)
            got = sess.run(logits, {x: R.cnn_eval_input()})
    np.testing.assert_allclose(got, np.array(out["logits"]), rtol=1e-4, atol=1e-5)
