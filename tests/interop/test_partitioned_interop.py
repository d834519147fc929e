"""Partitioned variables between tagraph and real TensorFlow: TensorFlow's recording made afresh matches the
stored one and its training graphs run here with its losses; TensorFlow restores tagraph's partitioned
checkpoints whole, or partitioned another way."""
import importlib.util
import json
import os
import pathlib
import subprocess

import numpy as np

import tagraph.engine as tg
from tagraph.serialization import Saver

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "serialization"
_spec = importlib.util.spec_from_file_location("record_partitioned", DATA / "record_partitioned.py")
rp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rp)
_tests = pathlib.Path(__file__).resolve().parents[1] / "serialization" / "test_partitioned_restore.py"
_spec = importlib.util.spec_from_file_location("partitioned_restore", _tests)
restore_tests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(restore_tests)


def test_a_fresh_recording_matches_and_its_training_graphs_run_here(tmp_path, run_tf):
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    subprocess.run([python, str(DATA / "record_partitioned.py")], check=True, capture_output=True, timeout=600,
                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="",
                            TAGRAPH_RECORD_DIR=str(tmp_path)))
    fresh, stored = tmp_path / "partitioned", DATA / "partitioned"
    assert json.loads((fresh / "partitioned.json").read_text()) == json.loads((stored / "partitioned.json").read_text())
    for name in ("sliced", "holes", "gd", "adagrad"):
        for suffix in (".index", ".data-00000-of-00001"):
            assert (fresh / name / ("model" + suffix)).read_bytes() == (stored / name / ("model" + suffix)).read_bytes()
    for name, m in json.loads((fresh / "partitioned.json").read_text())["models"].items():
        before, losses, after = restore_tests.run_tensorflows_model(fresh / name, m)
        np.testing.assert_allclose(before, m["before"], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(losses, m["losses"], rtol=1e-4)
        np.testing.assert_allclose(after, m["after"], rtol=1e-4, atol=1e-6)


def test_tensorflow_restores_tagraphs_partitioned_checkpoint_whole_and_repartitioned(tmp_path, run_tf):
    for use_resource in (True, False):
        with tg.Graph().as_default():
            rp.sliced_variables(tg, use_resource=use_resource)
            saver = Saver()
            with tg.Session() as sess:
                sess.run(tg.global_variables_initializer())
                path = saver.save(sess, str(tmp_path / ("model_%d" % use_resource)))
        out = run_tf("""
prefix = sys.argv[1]
results = {}
for label, make in (("whole", lambda: None), ("fixed_2", lambda: tf.fixed_size_partitioner(2)),
                    ("fixed_4", lambda: tf.fixed_size_partitioner(4)),
                    ("axis1_2", lambda: tf.fixed_size_partitioner(2, axis=1))):
    with tf.Graph().as_default():
        vs = {"w": tf.get_variable("w", [10, 3], tf.float32, partitioner=make()),
              "v": tf.get_variable("v", [4, 5], tf.float64, partitioner=make()),
              "n": tf.get_variable("n", [7, 2], tf.int32, partitioner=make()),
              "b": tf.get_variable("b", [3], tf.float32)}
        saver = tf.train.Saver()
        with tf.Session() as sess:
            saver.restore(sess, prefix)
            results[label] = {k: sess.run(tf.convert_to_tensor(v)).tolist() for k, v in vs.items()}
with tf.Graph().as_default():
    saver = tf.train.import_meta_graph(prefix + ".meta")
    infos = {v.op.name: v._save_slice_info.spec for v in tf.global_variables() if v._save_slice_info}
    with tf.Session() as sess:
        saver.restore(sess, prefix)
        results["imported"] = sess.run([v for v in tf.global_variables() if v.op.name == "w/part_1"][0]).tolist()
reader = tf.train.load_checkpoint(prefix)
print(json.dumps({"results": results, "infos": infos, "shapes": reader.get_variable_to_shape_map(),
                  "w": reader.get_tensor("w").tolist()}))
""", path)
        for label, values in out["results"].items():
            if label == "imported":
                np.testing.assert_array_equal(values, rp.VALUES["w"][4:7])
                continue
            for name, value in values.items():
                np.testing.assert_array_equal(np.asarray(value), rp.VALUES[name], err_msg="%s %s" % (label, name))
        assert out["infos"]["v/part_1"] == "4 5 0,4:3,2" and out["infos"]["w/part_2"] == "10 3 7,3:0,3"
        assert out["shapes"] == {"b": [3], "n": [7, 2], "v": [4, 5], "w": [10, 3]}
        np.testing.assert_array_equal(out["w"], rp.VALUES["w"])
