"""TensorFlow 1's RNN API between tagraph and real TensorFlow: the recorded RNN values, errors and training
graphs (tests/data/rnn/record_rnn.py) are what TensorFlow gives now, and an RNN model's checkpoint moves both
ways: trained by tagraph's ``tg.nn.dynamic_rnn`` / ``bidirectional_dynamic_rnn`` and restored by TensorFlow's same
model, and the reverse, with the same logits.

TensorFlow 2.16+ serves ``tf.compat.v1.nn.rnn_cell`` from the tf-keras package (``make interop`` installs it).
"""
import importlib.util
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.serialization import Saver

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "rnn"
RECORD_FILE = DATA / "record_rnn.py"

TF_PRELUDE = """
import importlib.util, os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
try:
    import tf_keras  # noqa: F401
except ImportError:
    print(json.dumps({"skip": "tf.compat.v1.nn.rnn_cell needs tf-keras in TensorFlow's Python "
                              "(pip install tf-keras==2.21.0)"}))
    sys.exit(0)
tf.disable_v2_behavior()
tf.disable_control_flow_v2()
spec = importlib.util.spec_from_file_location("record_rnn", sys.argv[1])
R = importlib.util.module_from_spec(spec)
spec.loader.exec_module(R)
m = R.model_graph(tf, R.MODELS[sys.argv[2]])
names = [[v.name, v.shape.as_list()] for v in tf.global_variables()]
xe, le, _ = R.model_eval_batch()
"""


def _record():
    spec = importlib.util.spec_from_file_location("record_rnn", RECORD_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


R = _record()


def _run(run_tf, script, *args):
    out = run_tf(TF_PRELUDE + script, RECORD_FILE, *args)
    if "skip" in out:
        pytest.skip(out["skip"])
    return out


def test_the_recorded_rnn_values_are_what_tensorflow_gives(tmp_path, run_tf):
    proc = subprocess.run([os.environ["TAGRAPH_TF_PYTHON"], str(RECORD_FILE)], capture_output=True, text=True,
                          timeout=600, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
                                                TAGRAPH_RECORD_DIR=str(tmp_path)))
    if proc.returncode and "tf_keras" in proc.stderr:
        pytest.skip("tf.compat.v1.nn.rnn_cell needs tf-keras in TensorFlow's Python (pip install tf-keras==2.21.0)")
    assert proc.returncode == 0, proc.stderr[-4000:]
    with np.load(DATA / "rnn.npz") as f:
        stored = {k: f[k] for k in f.files}
    with np.load(tmp_path / "rnn.npz") as f:
        fresh = {k: f[k] for k in f.files}
    assert sorted(fresh) == sorted(stored)
    for key, value in stored.items():
        assert fresh[key].dtype == value.dtype, key
        np.testing.assert_allclose(fresh[key], value, rtol=1e-6, atol=1e-7, err_msg=key)
    stored_meta = json.loads((DATA / "rnn.json").read_text())
    fresh_meta = json.loads((tmp_path / "rnn.json").read_text())
    assert fresh_meta == stored_meta
    for name, meta in stored_meta["models"].items():
        for suffix in (".index", ".data-00000-of-00001"):
            path = meta["checkpoint"] + suffix
            assert (tmp_path / path).read_bytes() == (DATA / path).read_bytes(), path


def _tagraph_model(name):
    m = R.model_graph(tg, R.MODELS[name])
    return m, [[v.name, v.shape.as_list()] for v in tg.global_variables()]


@pytest.mark.parametrize("name", ["lstm_classifier", "bidirectional_classifier"])
def test_tagraphs_rnn_checkpoint_restores_in_tensorflow(run_tf, tmp_path, name):
    with tg.Graph().as_default():
        tg.set_random_seed(1)
        m, names = _tagraph_model(name)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for step in range(3):
                xb, lb, yb = R.model_batch(10 + step)
                sess.run(m["train_op"], {m["x"]: xb, m["seq_len"]: lb, m["labels"]: yb})
            path = Saver().save(sess, str(tmp_path / "model.ckpt"))
            xe, le, _ = R.model_eval_batch()
            want = sess.run(m["logits"], {m["x"]: xe, m["seq_len"]: le})
    out = _run(run_tf, """
with tf.Session() as sess:
    tf.train.Saver().restore(sess, sys.argv[3])
    got = sess.run(m["logits"], {m["x"]: xe, m["seq_len"]: le})
print(json.dumps({"names": names, "logits": got.tolist()}))
""", name, path)
    assert out["names"] == names
    np.testing.assert_allclose(np.array(out["logits"]), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["gru_classifier", "bidirectional_classifier"])
def test_tensorflows_rnn_checkpoint_restores_in_tagraph(run_tf, tmp_path, name):
    path = str(tmp_path / "tf_model.ckpt")
    out = _run(run_tf, """
tf.set_random_seed(3)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(3):
        xb, lb, yb = R.model_batch(20 + step)
        sess.run(m["train_op"], {m["x"]: xb, m["seq_len"]: lb, m["labels"]: yb})
    tf.train.Saver().save(sess, sys.argv[3], write_meta_graph=False)
    got = sess.run(m["logits"], {m["x"]: xe, m["seq_len"]: le})
print(json.dumps({"names": names, "logits": got.tolist()}))
""", name, path)
    with tg.Graph().as_default():
        m, names = _tagraph_model(name)
        assert names == out["names"]
        with tg.Session() as sess:
            Saver().restore(sess, path)
            xe, le, _ = R.model_eval_batch()
            got = sess.run(m["logits"], {m["x"]: xe, m["seq_len"]: le})
    np.testing.assert_allclose(got, np.array(out["logits"]), rtol=1e-5, atol=1e-6)
