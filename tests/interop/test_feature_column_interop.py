"""Feature columns between tagraph and real TensorFlow: the recordings the ordinary suite replays
(tests/data/feature_column/ and tests/data/sparse_ops/) are what TensorFlow gives now, and a wide-and-deep model
over feature columns trained in tagraph restores in TensorFlow, by TensorFlow's variable names, to the same
predictions."""
import importlib.util
import json
import os
import pathlib
import subprocess

import numpy as np

import tagraph.engine as tg
from tagraph.serialization import Saver, load_checkpoint

TESTS = pathlib.Path(__file__).resolve().parents[1]
FC_DATA = TESTS / "data" / "feature_column"
SPARSE_DATA = TESTS / "data" / "sparse_ops"


def _record_module():
    spec = importlib.util.spec_from_file_location("feature_column_record", FC_DATA / "record_feature_column.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


R = _record_module()


def _rerecord(script, out_dir):
    subprocess.run([os.environ["TAGRAPH_TF_PYTHON"], str(script)], check=True, capture_output=True, timeout=600,
                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="", TF_USE_LEGACY_KERAS="1",
                            TAGRAPH_RECORD_DIR=str(out_dir)))


def _same_arrays(old_path, new_path):
    with np.load(old_path) as old, np.load(new_path) as new:
        assert sorted(old.files) == sorted(new.files)
        for key in old.files:
            np.testing.assert_array_equal(old[key], new[key], err_msg=key)


def test_the_recorded_feature_columns_are_what_tensorflow_gives(tmp_path, run_tf):
    _rerecord(FC_DATA / "record_feature_column.py", tmp_path)
    assert json.loads((tmp_path / "feature_column.json").read_text()) == \
        json.loads((FC_DATA / "feature_column.json").read_text())
    _same_arrays(FC_DATA / "feature_column.npz", tmp_path / "feature_column.npz")
    old, new = (load_checkpoint(str(d / "wide_deep" / "model.ckpt")) for d in (FC_DATA, tmp_path))
    shapes = old.get_variable_to_shape_map()
    assert shapes == new.get_variable_to_shape_map()
    for name in shapes:
        np.testing.assert_array_equal(old.get_tensor(name), new.get_tensor(name), err_msg=name)


def test_the_recorded_sparse_ops_are_what_tensorflow_gives(tmp_path, run_tf):
    _rerecord(SPARSE_DATA / "record_sparse_ops.py", tmp_path)
    assert json.loads((tmp_path / "sparse_ops.json").read_text()) == \
        json.loads((SPARSE_DATA / "sparse_ops.json").read_text())
    _same_arrays(SPARSE_DATA / "sparse_ops.npz", tmp_path / "sparse_ops.npz")


def test_tensorflow_restores_tagraphs_wide_and_deep_model_to_the_same_predictions(tmp_path, run_tf):
    with tg.Graph().as_default():
        tg.set_random_seed(3)
        ph, logits, loss, train, _, _ = R.wide_deep(tg)
        names = [[v.name, v.shape.as_list()] for v in tg.global_variables()]
        with tg.Session() as sess:
            sess.run([tg.global_variables_initializer(), tg.tables_initializer()])
            for step in range(3):
                sess.run(train, R.wd_feed(ph, step))
            path = Saver().save(sess, str(tmp_path / "model.ckpt"))
            want = sess.run(logits, R.wd_feed(ph, R.WD_EVAL_STEP))
    out = run_tf("""
import importlib.util, os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
tf.disable_v2_behavior()
spec = importlib.util.spec_from_file_location("record_feature_column", sys.argv[1])
R = importlib.util.module_from_spec(spec)
spec.loader.exec_module(R)
ph, logits, loss, train, _, _ = R.wide_deep(tf)
names = [[v.name, v.shape.as_list()] for v in tf.global_variables()]
with tf.Session() as sess:
    sess.run(tf.tables_initializer())
    tf.train.Saver().restore(sess, sys.argv[2])
    got = sess.run(logits, R.wd_feed(ph, R.WD_EVAL_STEP))
print(json.dumps({"names": names, "logits": got.tolist()}))
""", FC_DATA / "record_feature_column.py", path)
    assert out["names"] == names
    np.testing.assert_allclose(np.array(out["logits"]), want, rtol=1e-5, atol=1e-6)
