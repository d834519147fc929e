"""loader.load on TensorFlow's SavedModels (both tag-sets, ParseExampleV2 signatures), and bad input."""
import logging
import os

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework.op_builder import op_defs
from tagraph.devices import kernel_registry
from tagraph.protos import saved_model_pb2
from tagraph.serialization import saved_model
from tagraph.serialization.saved_model import loader

TF_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "data", "tf")

HPT = os.path.join(TF_DATA, "half_plus_two")
SOFT = tg.ConfigProto(allow_soft_placement=True)


def _load_and_run(export_dir, tags, key, feed, config=None, **kwargs):
    with tg.Session(graph=tg.Graph(), config=config) as sess:
        mg = loader.load(sess, tags, export_dir, **kwargs)
        sig = mg.signature_def[key]
        names = sorted(sig.outputs)
        out = sess.run([sig.outputs[k].name for k in names], {sig.inputs[k].name: v for k, v in feed.items()})
        return dict(zip(names, out)), mg


@pytest.mark.parametrize("tags,config", [(["serve"], None), (["serve", "gpu"], SOFT), (("gpu", "serve"), SOFT),
                                         ("serve,gpu", SOFT), ({"serve"}, None)])
def test_half_plus_two_serving_default(expected, tags, config):
    e = expected["half_plus_two"]
    out, mg = _load_and_run(HPT, tags, "serving_default", {"x": e["x"]}, config)
    np.testing.assert_allclose(out["y"], e["y"])
    assert sorted(mg.meta_info_def.tags) == sorted(tags.split(",") if isinstance(tags, str) else tags)
    assert set(mg.signature_def) == {"serving_default", "classify_x_to_y", "classify_x2_to_y3",
                                     "regress_x_to_y", "regress_x_to_y2", "regress_x2_to_y3"}


@pytest.mark.parametrize("tags", [["serve"], ["serve", "gpu"]])
def test_half_plus_two_example_signatures(expected, tf_example, tags):
    e = expected["half_plus_two"]
    examples = [tf_example(x=row) for row in e["x"]]
    with saved_model.SignatureRunner(HPT, tags=tags, config=SOFT) as r:
        np.testing.assert_allclose(r.run({"inputs": examples}, "regress_x_to_y")["outputs"], e["y"])
        np.testing.assert_allclose(r.run({"inputs": examples}, "regress_x_to_y2")["outputs"], e["y2"])
        np.testing.assert_allclose(r.run({"inputs": examples}, "classify_x_to_y")["scores"], e["y"])
        x2 = e["y3_from_x2"]["x2"]
        np.testing.assert_allclose(r.run({"inputs": x2}, "regress_x2_to_y3")["outputs"], e["y3_from_x2"]["y3"])
        np.testing.assert_allclose(r.run({"inputs": x2}, "classify_x2_to_y3")["scores"], e["y3_from_x2"]["y3"])
        # x2 has a default in the parsing; x is required.
        both = [tf_example(x=[1.0], x2=[9.0]), tf_example(x=[2.0])]
        np.testing.assert_allclose(r.run({"inputs": both}, "regress_x_to_y")["outputs"], [[2.5], [3.0]])
        with pytest.raises(tg.errors.InvalidArgumentError, match="Feature: x .*required.*example index 1"):
            r.run({"inputs": [tf_example(x=[1.0]), tf_example(x2=[1.0])]}, "regress_x_to_y")


def test_half_plus_two_gpu_graph_on_simulated_gpu(expected, simulated_gpus, caplog):
    simulated_gpus(1)
    e = expected["half_plus_two"]
    with tg.Session(graph=tg.Graph(), config=SOFT) as sess:
        mg = loader.load(sess, ["serve", "gpu"], HPT)
        sig = mg.signature_def["serving_default"]
        y = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: e["x"]})
        np.testing.assert_allclose(y, e["y"])
        assert any("GPU" in d for d in sess.last_run_stats.devices)
        assert sess.last_run_stats.uploads >= 1


def test_gpu_graph_without_gpu_needs_soft_placement_or_cleared_devices(expected):
    with tg.Session(graph=tg.Graph()) as sess:
        with pytest.raises(tg.errors.InvalidArgumentError, match="GPU:0.*allow_soft_placement"):
            loader.load(sess, ["serve", "gpu"], HPT)
    e = expected["half_plus_two"]
    out, mg = _load_and_run(HPT, ["serve", "gpu"], "serving_default", {"x": e["x"]}, clear_devices=True)
    np.testing.assert_allclose(out["y"], e["y"])


def test_other_fixtures(expected):
    e = expected["simple_save"]
    out, _ = _load_and_run(os.path.join(TF_DATA, "simple_save"), e["tags"], e["signature"], e["feed"])
    np.testing.assert_allclose(out["z"], e["fetch"]["z"])
    e = expected["x1_x2_to_y"]
    out, _ = _load_and_run(os.path.join(TF_DATA, "x1_x2_to_y"), ["serve"], "x1_x2_to_y",
                           {"x1": e["x1"], "x2": e["x2"]})
    np.testing.assert_allclose(out["y"], e["y"])
    e = expected["model_base"]
    for version, want in e["y"].items():
        out, _ = _load_and_run(os.path.join(TF_DATA, "model_base", "%04d" % int(version)), ["serve"],
                               "serving_default", {"x": e["x"]})
        np.testing.assert_allclose(list(out.values())[0], want)


def test_pbtxt_and_import_scope(tf_model, expected):
    from google.protobuf import text_format
    d = tf_model("half_plus_two")
    sm = saved_model_pb2.SavedModel.FromString(open(os.path.join(d, "saved_model.pb"), "rb").read())
    os.remove(os.path.join(d, "saved_model.pb"))
    with open(os.path.join(d, "saved_model.pbtxt"), "w") as f:
        f.write(text_format.MessageToString(sm))
    assert loader.contains_saved_model(d)
    e = expected["half_plus_two"]
    with tg.Session(graph=tg.Graph()) as sess:
        mg1 = loader.load(sess, ["serve"], d, import_scope="m1")
        mg2 = loader.load(sess, ["serve"], HPT, import_scope="m2")
        for scope, mg in (("m1", mg1), ("m2", mg2)):
            r = saved_model.SignatureRunner.from_session(sess, mg, import_scope=scope)
            np.testing.assert_allclose(r.run({"x": e["x"]})["y"], e["y"])
        assert sess.graph.get_operation_by_name("m2/y").type == "AddV2"


def test_contains_saved_model(tmp_path):
    import pathlib
    assert loader.contains_saved_model(HPT)
    assert loader.contains_saved_model(pathlib.Path(HPT))
    assert loader.maybe_saved_model_directory(os.fsencode(HPT))
    assert not loader.contains_saved_model(str(tmp_path))
    assert not loader.contains_saved_model(str(tmp_path / "missing"))


# --- bad input -------------------------------------------------------------------------------------------------

def _load(export_dir, tags=("serve",)):
    with tg.Session(graph=tg.Graph()) as sess:
        return loader.load(sess, list(tags), export_dir)


def test_missing_directory_and_missing_pb(tmp_path):
    with pytest.raises(tg.errors.NotFoundError, match="does not exist"):
        _load(str(tmp_path / "nope"))
    with pytest.raises(OSError):                   # as TensorFlow's loader raises IOError
        _load(str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(tg.errors.NotFoundError, match=r"SavedModel file does not exist at: .*empty.*"
                                                      r"\{saved_model.pbtxt\|saved_model.pb\}"):
        _load(str(tmp_path / "empty"))


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "bad_text"])
def test_corrupt_saved_model_pb(tf_model, damage):
    d = tf_model("half_plus_two")
    pb = os.path.join(d, "saved_model.pb")
    data = open(pb, "rb").read()
    if damage == "truncated":
        open(pb, "wb").write(data[:len(data) // 2])
    elif damage == "garbage":
        open(pb, "wb").write(b"\x00\xff" + os.urandom(64))
    elif damage == "empty":
        open(pb, "wb").write(b"")
    else:
        os.remove(pb)
        open(os.path.join(d, "saved_model.pbtxt"), "w").write("meta_graphs { this is not text format")
    with pytest.raises(tg.errors.DataLossError, match="saved_model.pb|truncated|corrupt|Cannot parse"):
        _load(d)


def test_missing_tag_set_lists_present_ones():
    with pytest.raises(tg.errors.NotFoundError, match=r"tags \{serve, tpu\} could not be found.*available tags: "
                                                      r"\{serve\}, \{gpu, serve\}"):
        _load(HPT, ["serve", "tpu"])
    with pytest.raises(RuntimeError):              # as TensorFlow's loader raises RuntimeError
        _load(HPT, ["train"])


def test_asset_path_escaping_export_dir_is_refused(tf_model, tmp_path):
    from tagraph.protos import meta_graph_pb2
    d = tf_model("half_plus_two")
    (tmp_path / "secret.txt").write_text("secret")
    pb = os.path.join(d, "saved_model.pb")
    sm = saved_model_pb2.SavedModel.FromString(open(pb, "rb").read())
    for bad in ("../../secret.txt", "/etc/passwd", "..", ""):
        for mg in sm.meta_graphs:
            packed = mg.collection_def["saved_model_assets"].any_list.value[0]
            a = meta_graph_pb2.AssetFileDef.FromString(packed.value)
            a.filename = bad
            packed.value = a.SerializeToString()
        open(pb, "wb").write(sm.SerializeToString())
        with tg.Session(graph=tg.Graph()) as sess:
            with pytest.raises(tg.errors.InvalidArgumentError, match="escapes the SavedModel's assets directory"):
                loader.load(sess, ["serve"], d)
            assert sess.graph.get_operations() == []          # refused before importing anything


def test_ops_without_kernels_are_all_named_before_anything_runs(tf_model):
    d = tf_model("half_plus_two")
    pb = os.path.join(d, "saved_model.pb")
    sm = saved_model_pb2.SavedModel.FromString(open(pb, "rb").read())
    no_kernel = sorted(n for n in op_defs() if not kernel_registry.device_types_with_kernel(n)
                       and n not in ("ParseExample", "ParseExampleV2"))[0]
    for mg in sm.meta_graphs:
        mg.graph_def.node.add(name="mystery1", op="FancyNewOp")
        mg.graph_def.node.add(name="mystery2", op="FancyNewOp")
        mg.graph_def.node.add(name="nokernel", op=no_kernel)
    open(pb, "wb").write(sm.SerializeToString())
    with tg.Session(graph=tg.Graph()) as sess:
        with pytest.raises(tg.errors.NotFoundError) as info:
            loader.load(sess, ["serve"], d)
        msg = str(info.value)
        assert "FancyNewOp (2 nodes: mystery1, mystery2)" in msg and "%s (1 node: nokernel)" % no_kernel in msg
        assert "Nothing was run" in msg
        assert sess.graph.get_operations() == []


def test_missing_variables_checkpoint(tf_model):
    d = tf_model("half_plus_two")
    os.remove(os.path.join(d, "variables", "variables.index"))
    with pytest.raises(tg.errors.NotFoundError, match="variables checkpoint is missing.*variables.index"):
        _load(d)


def test_missing_asset_file_is_logged(tf_model, caplog):
    d = tf_model("half_plus_two")
    os.remove(os.path.join(d, "assets", "vocab.txt"))
    with caplog.at_level(logging.WARNING, logger="tagraph.saved_model"):
        _load(d)
    assert "vocab.txt" in caplog.text and "missing" in caplog.text


def test_tensorflow_reference_variables_saved_model():
    # Written by TensorFlow 2.21 with VariableV2/Assign (tests/data/saved_model/make_tf_ref_variables.py).
    import json
    here = os.path.join(os.path.dirname(__file__), "..", "..", "data", "saved_model")
    export_dir = os.path.join(here, "tf_ref_variables")
    with open(os.path.join(here, "tf_ref_variables.expected.json")) as f:
        e = json.load(f)
    sm = saved_model_pb2.SavedModel.FromString(open(os.path.join(export_dir, "saved_model.pb"), "rb").read())
    ops = {n.op for n in sm.meta_graphs[0].graph_def.node}
    assert {"VariableV2", "Assign", "ParseExampleV2"} <= ops and "VarHandleOp" not in ops
    with saved_model.SignatureRunner(export_dir) as r:
        np.testing.assert_allclose(r.run({"x": e["x"]})["y"], e["y"])
        examples = [bytes.fromhex(h) for h in e["examples_hex"]]
        np.testing.assert_allclose(r.run({"inputs": examples}, "regress")["outputs"], e["score"])
        # The main op was fed the asset's path inside this export directory.
        assert r.session.run("seen:0") == os.fsencode(os.path.join(export_dir, "assets", "labels.txt"))


def test_saver_kwargs_restore_through_a_saver(expected):
    e = expected["half_plus_two"]
    with tg.Session(graph=tg.Graph()) as sess:
        loader.load(sess, ["serve"], HPT, import_scope="imp", restore_sequentially=True)
        np.testing.assert_allclose(sess.run("imp/y:0", {"imp/x:0": e["x"]}), e["y"])
