"""Optimizer slots of partitioned variables between tagraph and real TensorFlow: TensorFlow restores the
checkpoint tagraph writes mid-training (each part's slots saved as slices of the whole slot, ``emb/Adagrad``)
and its next step gives tagraph's values; the optimizers' reference values are TensorFlow's now."""
import importlib.util
import os
import pathlib
import subprocess

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.serialization import Saver

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "tf_ops"
_spec = importlib.util.spec_from_file_location("tf_ops_record_optimizers", DATA / "record_optimizers.py")
RECORD = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(RECORD)

_TF_SCRIPT = """
import importlib.util
spec = importlib.util.spec_from_file_location("record_optimizers", sys.argv[1])
record = importlib.util.module_from_spec(spec)
spec.loader.exec_module(record)
name, prefix = sys.argv[2], sys.argv[3]
with tf.Graph().as_default():
    train = record.partitioned_graph(tf, name)
    saver = tf.train.Saver()
    with tf.Session() as sess:
        saver.restore(sess, prefix)
        restored = {v.op.name: sess.run(v).tolist() for v in tf.global_variables()}
        sess.run(train)
        stepped = {v.op.name: sess.run(v).tolist() for v in tf.global_variables()}
print(json.dumps({"restored": restored, "stepped": stepped}))
"""


@pytest.mark.parametrize("name", sorted(RECORD.PARTITIONED))
def test_tensorflow_restores_tagraphs_partitioned_slots_and_trains_on(name, tmp_path, run_tf):
    with tg.Graph().as_default():
        train = RECORD.partitioned_graph(tg, name)
        saver = Saver()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for _ in range(RECORD.PART_STEPS):
                sess.run(train)
            prefix = saver.save(sess, str(tmp_path / "model"))
            saved = {v.op.name: sess.run(v) for v in tg.global_variables()}
            sess.run(train)
            stepped = {v.op.name: sess.run(v) for v in tg.global_variables()}
    out = run_tf(_TF_SCRIPT, DATA / "record_optimizers.py", name, prefix)
    assert sorted(out["restored"]) == sorted(saved)
    assert any(n.startswith("emb/part_1/") for n in saved)       # slots of the parts
    for var_name, value in saved.items():
        np.testing.assert_array_equal(np.asarray(out["restored"][var_name], value.dtype), value, err_msg=var_name)
        np.testing.assert_allclose(out["stepped"][var_name], stepped[var_name], rtol=1e-6, atol=1e-6,
                                   err_msg=var_name)


def test_a_fresh_recording_matches_the_stored_one(tmp_path, run_tf):
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    subprocess.run([python, str(DATA / "record_optimizers.py")], check=True, capture_output=True, timeout=600,
                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="",
                            TAGRAPH_RECORD_DIR=str(tmp_path)))
    old, new = np.load(DATA / "optimizers.npz"), np.load(tmp_path / "optimizers.npz")
    assert sorted(old.files) == sorted(new.files)
    for key in old.files:
        np.testing.assert_array_equal(old[key], new[key], err_msg=key)
