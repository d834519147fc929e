"""SavedModels on a real GPU: TensorFlow's {serve, gpu} graph, and tagraph's device-tagged export, via load_best.

Skipped (by this folder's conftest) where no CUDA GPU and CuPy are present.
"""
import json

import numpy as np

import tagraph.engine as tg
from tagraph.serialization.saved_model import device_export, signature_def_utils
from tagraph.serialization.saved_model.signature_runner import SignatureRunner


def test_tensorflow_gpu_graph_runs_on_the_gpu(real_gpus, tf_data):
    real_gpus(1)
    e = json.loads((tf_data / "expected.json").read_text())["half_plus_two"]
    sess, mg, tags = device_export.load_best(None, str(tf_data / "half_plus_two"))
    try:
        assert tags == ["gpu", "serve"]
        r = SignatureRunner.from_session(sess, mg)
        np.testing.assert_allclose(r.run({"x": e["x"]})["y"], e["y"])
        assert any("GPU" in d for d in sess.last_run_stats.devices)
    finally:
        sess.close()


def test_device_tagged_export_round_trip_on_the_gpu(real_gpus, tmp_path):
    real_gpus(1)
    export_dir = str(tmp_path / "m")
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 3], name="x")
        w = tg.get_variable("w", initializer=tg.constant(np.arange(6, dtype=np.float32).reshape(3, 2)))
        b = tg.get_variable("b", initializer=tg.constant([0.5, -0.5]))
        y = tg.add(tg.matmul(x, w), b, name="y")
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            device_export.export_for_devices(sess, export_dir, signature_def_map={
                "serving_default": signature_def_utils.predict_signature_def({"x": x}, {"y": y})})
    sess, mg, tags = device_export.load_best(None, export_dir)
    try:
        assert tags == ["gpu", "serve"]
        xv = np.ones((4, 3), np.float32)
        got = SignatureRunner.from_session(sess, mg).run({"x": xv})["y"]
        np.testing.assert_allclose(got, xv @ np.arange(6, dtype=np.float32).reshape(3, 2) + [0.5, -0.5])
        assert any("GPU" in d for d in sess.last_run_stats.devices)
    finally:
        sess.close()
