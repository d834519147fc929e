"""TensorFlow's own training graphs of partitioned variables run here: its meta graph (partitioned linear
model, GradientDescent on reference variables, Adagrad on resource variables) and checkpoint, with its
outputs and its losses over 5 steps (tests/data/serialization/record_partitioned.py recorded them)."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.serialization import Saver, import_meta_graph

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "serialization"
_spec = importlib.util.spec_from_file_location("record_partitioned", DATA / "record_partitioned.py")
rp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rp)
RECORD = json.loads((DATA / "partitioned" / "partitioned.json").read_text())


def run_tensorflows_model(model_dir, m):
    """Imports ``model.meta``, restores ``model``, returns (outputs, 5 losses, outputs after training)."""
    with tg.Graph().as_default():
        saver = import_meta_graph(str(model_dir / "model.meta"))
        assert sorted(v.op.name for v in tg.global_variables()) == m["variables"]
        with tg.Session() as sess:
            saver.restore(sess, str(model_dir / "model"))
            before = sess.run(m["out"], {m["x"]: rp.X})
            losses = [float(sess.run([m["loss"], m["train"]], {m["x"]: rp.X, m["y"]: rp.Y})[0])
                      for _ in range(rp.STEPS)]
            return before, losses, sess.run(m["out"], {m["x"]: rp.X})


@pytest.mark.parametrize("name", sorted(rp.MODELS))
def test_tensorflows_partitioned_training_graph_trains_as_in_tensorflow(name):
    m = RECORD["models"][name]
    before, losses, after = run_tensorflows_model(DATA / "partitioned" / name, m)
    np.testing.assert_allclose(before, m["before"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(losses, m["losses"], rtol=1e-4)
    np.testing.assert_allclose(after, m["after"], rtol=1e-4, atol=1e-6)


def test_the_imported_parts_keep_their_slices_and_save_as_tensorflow_did(tmp_path):
    m = RECORD["models"]["adagrad"]
    prefix = DATA / "partitioned" / "adagrad" / "model"
    with tg.Graph().as_default():
        saver = import_meta_graph(str(prefix) + ".meta")
        infos = {v.op.name: v._get_save_slice_info() for v in tg.global_variables()}
        assert (infos["linear/w/part_2/Adagrad"].full_name, infos["linear/w/part_2/Adagrad"].spec) == \
            ("linear/w/Adagrad", "6 4 4,2:0,4")
        with tg.Session() as sess:
            saver.restore(sess, str(prefix))
            again = saver.save(sess, str(tmp_path / "model"), write_meta_graph=False, write_state=False)
        assert sorted(m["variables"]) == sorted(infos)
    for suffix in (".index", ".data-00000-of-00001"):
        assert pathlib.Path(again + suffix).read_bytes() == pathlib.Path(str(prefix) + suffix).read_bytes()


def test_the_same_model_built_here_restores_tensorflows_checkpoint_and_trains_alike():
    m = RECORD["models"]["gd"]
    optimizer, learning_rate, use_resource = rp.MODELS["gd"]
    with tg.Graph().as_default():
        x, y, out, loss, train = rp.linear_model(tg, optimizer, learning_rate, use_resource)
        assert sorted(v.op.name for v in tg.global_variables()) == m["variables"]
        saver = Saver()
        with tg.Session() as sess:
            saver.restore(sess, str(DATA / "partitioned" / "gd" / "model"))
            np.testing.assert_allclose(sess.run(out, {x: rp.X}), m["before"], rtol=1e-5, atol=1e-6)
            losses = [float(sess.run([loss, train], {x: rp.X, y: rp.Y})[0]) for _ in range(rp.STEPS)]
            np.testing.assert_allclose(losses, m["losses"], rtol=1e-4)
