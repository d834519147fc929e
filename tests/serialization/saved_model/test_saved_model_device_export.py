"""Device-tagged export ({serve} on the CPU, {serve, gpu} on GPU:0, one variables/ and assets/) and load_best."""
import logging
import os

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.protos import saved_model_pb2
from tagraph.serialization import saved_model
from tagraph.serialization.saved_model import device_export, signature_def_utils

TF_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "data", "tf")
HPT = os.path.join(TF_DATA, "half_plus_two")


def _export(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("a\nb\n")
    export_dir = str(tmp_path / "export")
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 2], name="x")
        w = tg.get_variable("w", initializer=tg.constant([[1.0], [2.0]]))
        b = tg.get_variable("b", initializer=tg.constant([0.5]))
        y = tg.add(tg.matmul(x, w), b, name="y")
        path = tg.constant(str(vocab), name="vocab_filename")
        tg.add_to_collection(tg.GraphKeys.ASSET_FILEPATHS, path)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            device_export.export_for_devices(sess, export_dir, signature_def_map={
                "serving_default": signature_def_utils.predict_signature_def({"x": x}, {"y": y})})
    return export_dir


def _meta_graphs(export_dir):
    sm = saved_model_pb2.SavedModel.FromString(open(os.path.join(export_dir, "saved_model.pb"), "rb").read())
    return {tuple(sorted(m.meta_info_def.tags)): m for m in sm.meta_graphs}


def test_one_call_writes_cpu_and_gpu_meta_graphs(tmp_path):
    export_dir = _export(tmp_path)
    assert sorted(os.listdir(export_dir)) == ["assets", "saved_model.pb", "variables"]
    assert os.listdir(os.path.join(export_dir, "assets")) == ["vocab.txt"]
    assert sorted(os.listdir(os.path.join(export_dir, "variables"))) == [
        "variables.data-00000-of-00001", "variables.index"]
    mgs = _meta_graphs(export_dir)
    assert set(mgs) == {("serve",), ("gpu", "serve")}
    cpu, gpu = mgs[("serve",)], mgs[("gpu", "serve")]
    assert cpu.saver_def == gpu.saver_def
    assert cpu.signature_def == gpu.signature_def
    cpu_dev = {n.name: n.device for n in cpu.graph_def.node}
    gpu_dev = {n.name: n.device for n in gpu.graph_def.node}
    assert set(cpu_dev.values()) <= {"/device:CPU:0", ""}
    for name in ("y", "MatMul", "w", "b", "w/Assign", "w/Read/ReadVariableOp"):
        assert gpu_dev[name] == "/device:GPU:0", name   # as in TensorFlow's own half_plus_two serve,gpu
    for name in ("save/SaveV2", "save/RestoreV2", "save/Const", "vocab_filename"):
        assert gpu_dev[name] == "/device:CPU:0", name


def test_load_best_without_gpu_picks_serve(tmp_path, caplog):
    export_dir = _export(tmp_path)
    with caplog.at_level(logging.INFO, logger="tagraph.saved_model"):
        sess, mg, tags = device_export.load_best(None, export_dir)
    try:
        assert tags == ["serve"]
        assert "no GPU is present; loading {serve}" in caplog.text
        y = sess.run("y:0", {"x:0": [[1.0, 1.0]]})
        np.testing.assert_allclose(y, [[3.5]])
        assert all("CPU" in d for d in sess.last_run_stats.devices)
    finally:
        sess.close()


def test_load_best_with_simulated_gpu_picks_gpu_graph(tmp_path, simulated_gpus, caplog):
    export_dir = _export(tmp_path)
    simulated_gpus(1)
    with caplog.at_level(logging.INFO, logger="tagraph.saved_model"):
        sess, mg, tags = device_export.load_best(None, export_dir)
    try:
        assert tags == ["gpu", "serve"]
        assert "a GPU is present; loading {gpu, serve}" in caplog.text
        runner = saved_model.SignatureRunner.from_session(sess, mg)
        np.testing.assert_allclose(runner.run({"x": [[1.0, 1.0]]})["y"], [[3.5]])
        assert any("GPU" in d for d in sess.last_run_stats.devices)
    finally:
        sess.close()


def _only_gpu_tag_set(tf_model):
    d = tf_model("half_plus_two")
    pb = os.path.join(d, "saved_model.pb")
    sm = saved_model_pb2.SavedModel.FromString(open(pb, "rb").read())
    del sm.meta_graphs[0]
    assert list(sm.meta_graphs[0].meta_info_def.tags) == ["serve", "gpu"]
    open(pb, "wb").write(sm.SerializeToString())
    return d


def test_only_gpu_graph_without_gpu_soft_placement(tf_model, expected, caplog):
    d = _only_gpu_tag_set(tf_model)
    with caplog.at_level(logging.INFO):
        sess, mg, tags = device_export.load_best(None, d)
    try:
        assert tags == ["gpu", "serve"]
        assert "with soft placement onto the CPU" in caplog.text
        assert "Soft placement" in caplog.text                      # the placer logs each fallback
        e = expected["half_plus_two"]
        np.testing.assert_allclose(sess.run("y:0", {"x:0": e["x"]}), e["y"])
    finally:
        sess.close()


def test_only_gpu_graph_strict_session_clears_devices(tf_model, expected, caplog):
    d = _only_gpu_tag_set(tf_model)
    with tg.Session(graph=tg.Graph()) as sess:
        with caplog.at_level(logging.INFO, logger="tagraph.saved_model"):
            got = device_export.load_best(sess, d)
        assert got.session is sess and got.tags == ["gpu", "serve"]
        assert "devices cleared" in caplog.text
        e = expected["half_plus_two"]
        np.testing.assert_allclose(sess.run("y:0", {"x:0": e["x"]}), e["y"])


def test_tensorflows_gpu_graph_with_strict_session_on_simulated_gpu(expected, simulated_gpus):
    simulated_gpus(1)
    with tg.Session(graph=tg.Graph()) as sess:
        got = device_export.load_best(sess, HPT)
        assert got.tags == ["gpu", "serve"]
        e = expected["half_plus_two"]
        np.testing.assert_allclose(sess.run("y:0", {"x:0": e["x"]}), e["y"])


def test_no_serving_tag_set(tmp_path):
    export_dir = str(tmp_path / "train_only")
    with tg.Graph().as_default():
        tg.get_variable("v", initializer=tg.constant(1.0))
        tg.get_variable("u", initializer=tg.constant(1.0))
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            b = saved_model.builder.SavedModelBuilder(export_dir)
            b.add_meta_graph_and_variables(sess, ["train"])
            b.save()
    with pytest.raises(tg.errors.NotFoundError, match=r"neither tag-set \{serve\} nor \{gpu, serve\}.*\{train\}"):
        device_export.load_best(None, export_dir)


def test_choose_tags():
    c = device_export.choose_tags
    assert c([["serve"], ["serve", "gpu"]], {"CPU", "GPU"}) == (["gpu", "serve"], False)
    assert c([["serve"], ["serve", "gpu"]], {"CPU"}) == (["serve"], False)
    assert c([["serve", "gpu"]], {"CPU"}) == (["gpu", "serve"], True)
    assert c([["serve"]], {"CPU", "GPU"}) == (["serve"], False)
