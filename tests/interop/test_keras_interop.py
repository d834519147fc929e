"""A tf.keras model's checkpoint moves between TensorFlow (tf_keras in graph mode) and tagraph both ways:
``keras_cnn`` of tests/data/keras/record_keras.py (Conv2D, BatchNormalization, MaxPooling2D, Flatten, Dense,
Dropout) built with ``tensorflow.compat.v1.keras`` on one side and ``tagraph.engine.keras`` on the other,
trained a few steps with the learning phase fed True, saved with a Saver, restored on the other side.
"""
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.serialization import Saver

RECORD_FILE = pathlib.Path(__file__).resolve().parents[1] / "data" / "keras" / "record_keras.py"

TF_PRELUDE = """
import importlib.util, os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
try:
    import tf_keras  # noqa: F401
except ImportError:
    print(json.dumps({"skip": "tf.keras in graph mode needs tf-keras in TensorFlow's Python "
                              "(pip install tf-keras==2.21.0)"}))
    sys.exit(0)
tf.disable_v2_behavior()
spec = importlib.util.spec_from_file_location("record_keras", sys.argv[1])
R = importlib.util.module_from_spec(spec)
spec.loader.exec_module(R)
model = R.keras_cnn(tf)
x, logits = model.inputs[0], model.outputs[0]
labels, train_op = R.keras_cnn_train_op(tf, model)
phase = tf.keras.backend.learning_phase()
names = [[v.name, v.shape.as_list()] for v in tf.global_variables()]
"""


def _record():
    import importlib.util
    spec = importlib.util.spec_from_file_location("record_keras", RECORD_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


R = _record()


def _run(run_tf, script, *args):
    out = run_tf(TF_PRELUDE + script, RECORD_FILE, *args)
    if "skip" in out:
        pytest.skip(out["skip"])
    return out


def _model():
    model = R.keras_cnn(tg)
    labels, train_op = R.keras_cnn_train_op(tg, model)
    return model.inputs[0], model.outputs[0], labels, train_op, tg.keras.backend.learning_phase()


def test_tagraphs_keras_checkpoint_restores_in_tensorflow(run_tf, tmp_path):
    eval_batch = R.keras_cnn_batch(99)[0]
    with tg.Graph().as_default():
        x, logits, labels, train_op, phase = _model()
        names = [[v.name, v.shape.as_list()] for v in tg.global_variables()]
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for step in range(3):
                xb, yb = R.keras_cnn_batch(step)
                sess.run(train_op, {x: xb, labels: yb, phase: True})
            path = Saver().save(sess, str(tmp_path / "keras.ckpt"))
            want = sess.run(logits, {x: eval_batch})
    np.save(tmp_path / "eval.npy", eval_batch)
    out = _run(run_tf, """
with tf.Session() as sess:
    tf.train.Saver().restore(sess, sys.argv[2])
    got = sess.run(logits, {x: np.load(sys.argv[3])})
print(json.dumps({"names": names, "logits": got.tolist()}))
""", path, tmp_path / "eval.npy")
    assert out["names"] == names
    np.testing.assert_allclose(np.array(out["logits"]), want, rtol=1e-4, atol=1e-5)


def test_tensorflows_keras_checkpoint_restores_in_tagraph(run_tf, tmp_path):
    path = str(tmp_path / "tf_keras.ckpt")
    eval_batch = R.keras_cnn_batch(98)[0]
    np.save(tmp_path / "eval.npy", eval_batch)
    out = _run(run_tf, """
tf.set_random_seed(3)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(4):
        xb, yb = R.keras_cnn_batch(10 + step)
        sess.run(train_op, {x: xb, labels: yb, phase: True})
    tf.train.Saver().save(sess, sys.argv[2], write_meta_graph=False)
    got = sess.run(logits, {x: np.load(sys.argv[3])})
print(json.dumps({"names": names, "logits": got.tolist()}))
""", path, tmp_path / "eval.npy")
    with tg.Graph().as_default():
        x, logits, _, _, _ = _model()
        assert [[v.name, v.shape.as_list()] for v in tg.global_variables()] == out["names"]
        with tg.Session() as sess:
            Saver().restore(sess, path)
            got = sess.run(logits, {x: eval_batch})
    np.testing.assert_allclose(got, np.array(out["logits"]), rtol=1e-4, atol=1e-5)
