"""SavedModelBuilder: the guide's example, layout, assets, atomic write, tags, strip_default_attrs, simple_save."""
import os

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework.op_builder import op_defs, register_op_def
from tagraph.protos import op_def_pb2, saved_model_pb2
from tagraph.serialization import saved_model
from tagraph.serialization.saved_model import builder as builder_mod
from tagraph.serialization.saved_model import loader, signature_def_utils, tag_constants


def _model(use_resource=True, asset_path=None):
    """x -> y = 0.5 * x + 2 with two variables; optionally an asset path in ASSET_FILEPATHS."""
    x = tg.placeholder(tg.float32, [None, 1], name="x")
    a = tg.get_variable("a", initializer=tg.constant(0.5), use_resource=use_resource)
    b = tg.get_variable("b", initializer=tg.constant(2.0), use_resource=use_resource)
    y = tg.add(a * x, b, name="y")
    if asset_path is not None:
        t = tg.constant(asset_path, name="vocab_filename")
        tg.add_to_collection(tg.GraphKeys.ASSET_FILEPATHS, t)
    return x, y


def _predict(export_dir, tags, x_value, key="serving_default"):
    with tg.Session(graph=tg.Graph()) as sess:
        mg = loader.load(sess, tags, export_dir)
        sig = mg.signature_def[key]
        return sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: x_value}), mg


def test_guide_builder_example(tmp_path):
    export_dir = str(tmp_path / "export")
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("a\nb\n")
    b = saved_model.builder.SavedModelBuilder(export_dir)
    with tg.Session(graph=tg.Graph()) as sess:
        x, y = _model(asset_path=str(vocab))
        sess.run(tg.global_variables_initializer())
        sigs = {"serving_default": signature_def_utils.predict_signature_def({"x": x}, {"y": y})}
        b.add_meta_graph_and_variables(sess, [tag_constants.TRAINING], signature_def_map=sigs,
                                       strip_default_attrs=True)
    with tg.Session(graph=tg.Graph()) as sess:
        x, y = _model()
        sigs = {"serving_default": signature_def_utils.predict_signature_def({"x": x}, {"y": y})}
        b.add_meta_graph([tag_constants.SERVING], signature_def_map=sigs, strip_default_attrs=True)
    os.makedirs(os.path.join(export_dir, "assets.extra"))
    (tmp_path / "export" / "assets.extra" / "notes.txt").write_text("left alone")
    assert not os.path.exists(os.path.join(export_dir, "saved_model.pb"))
    path = b.save()
    assert path == os.path.join(export_dir, "saved_model.pb")
    assert sorted(os.listdir(export_dir)) == ["assets", "assets.extra", "saved_model.pb", "variables"]
    assert sorted(os.listdir(os.path.join(export_dir, "variables"))) == [
        "variables.data-00000-of-00001", "variables.index"]
    assert os.listdir(os.path.join(export_dir, "assets")) == ["vocab.txt"]
    assert (tmp_path / "export" / "assets.extra" / "notes.txt").read_text() == "left alone"

    sm = saved_model_pb2.SavedModel.FromString(open(path, "rb").read())
    assert sm.saved_model_schema_version == 1
    assert [list(m.meta_info_def.tags) for m in sm.meta_graphs] == [["train"], ["serve"]]
    first = sm.meta_graphs[0]
    assert first.meta_info_def.stripped_default_attrs
    used = {n.op for n in first.graph_def.node}
    assert [o.name for o in first.meta_info_def.stripped_op_list.op] == sorted(used)
    assert first.saver_def.restore_op_name and first.saver_def.version == 2 and first.saver_def.sharded
    assert list(first.collection_def["saved_model_assets"].any_list.value[0].type_url.split("/"))[-1] == \
        "tensorflow.AssetFileDef"

    for tags in (["train"], ["serve"]):
        got, _ = _predict(export_dir, tags, [[1.0], [2.0]])
        np.testing.assert_allclose(got, [[2.5], [3.0]])


@pytest.mark.parametrize("use_resource", [True, False])
def test_simple_save_round_trip_both_variable_kinds(tmp_path, use_resource):
    export_dir = str(tmp_path / "simple")
    with tg.Graph().as_default(), tg.device("/device:CPU:0"):
        x, y = _model(use_resource)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            saved_model.simple_save(sess, export_dir, inputs={"x": x}, outputs={"y": y})
    sm = saved_model_pb2.SavedModel.FromString(open(os.path.join(export_dir, "saved_model.pb"), "rb").read())
    (mg,) = sm.meta_graphs
    assert list(mg.meta_info_def.tags) == ["serve"]
    assert mg.signature_def["serving_default"].method_name == "tensorflow/serving/predict"
    assert all(n.device == "" for n in mg.graph_def.node)        # simple_save clears devices
    kinds = {n.op for n in mg.graph_def.node} & {"VarHandleOp", "VariableV2"}
    assert kinds == ({"VarHandleOp"} if use_resource else {"VariableV2"})
    got, _ = _predict(export_dir, ["serve"], [[4.0]])
    np.testing.assert_allclose(got, [[4.0]])


def test_refuses_non_empty_directory_and_misordered_calls(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    with pytest.raises(AssertionError, match="already exists, and isn't empty"):
        saved_model.builder.SavedModelBuilder(str(tmp_path / "full"))
    b = saved_model.builder.SavedModelBuilder(str(tmp_path / "new" / "nested"))
    assert os.path.isdir(str(tmp_path / "new" / "nested"))
    with tg.Graph().as_default():
        _model()
        with pytest.raises(AssertionError, match="add_meta_graph_and_variables"):
            b.add_meta_graph(["serve"])
        with pytest.raises(AssertionError, match="no MetaGraphDef"):
            b.save()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            b.add_meta_graph_and_variables(sess, ["serve"])
            with pytest.raises(AssertionError, match="add_meta_graph\\(\\)"):
                b.add_meta_graph_and_variables(sess, ["train"])
            with pytest.raises(ValueError, match="tag-set \\{gpu, serve\\}.*already"):
                b.add_meta_graph(["serve", "gpu"])
                b.add_meta_graph(["gpu", "serve"])
            with pytest.raises(KeyError, match="reserved"):
                b.add_meta_graph(["x"], signature_def_map={"__saved_model_init_op":
                                                           signature_def_utils.build_signature_def()})


def test_signature_validation(tmp_path):
    from tagraph.protos import meta_graph_pb2
    b = saved_model.builder.SavedModelBuilder(str(tmp_path / "m"))
    with tg.Graph().as_default():
        x, y = _model()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            no_encoding = meta_graph_pb2.SignatureDef(method_name="m")
            no_encoding.inputs["x"].dtype = 1
            with pytest.raises(AssertionError, match="encoding"):
                b.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={"s": no_encoding})
            no_dtype = meta_graph_pb2.SignatureDef(method_name="m")
            no_dtype.inputs["x"].name = "x:0"
            with pytest.raises(AssertionError, match="dtype"):
                b.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={"s": no_dtype})
            missing = meta_graph_pb2.SignatureDef(method_name="m")
            missing.inputs["x"].name = "nope:0"
            missing.inputs["x"].dtype = 1
            with pytest.raises(ValueError, match="nope:0.*not in the graph"):
                b.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={"s": missing})
    assert not os.path.exists(str(tmp_path / "m" / "saved_model.pb"))


def test_assets_first_one_wins_and_feed_new_paths(tmp_path):
    src1 = tmp_path / "one"
    src2 = tmp_path / "two"
    src1.mkdir()
    src2.mkdir()
    (src1 / "vocab.txt").write_text("first")
    (src2 / "vocab.txt").write_text("second")
    (src1 / "other.txt").write_text("other")
    export_dir = str(tmp_path / "export")
    b = saved_model.builder.SavedModelBuilder(export_dir)
    with tg.Session(graph=tg.Graph()) as sess:
        x, y = _model(asset_path=str(src1 / "vocab.txt"))
        sess.run(tg.global_variables_initializer())
        # The main op reads the asset path it is fed; a variable records what it saw.
        path_t = tg.get_default_graph().get_tensor_by_name("vocab_filename:0")
        seen = tg.Variable(tg.constant(""), name="seen", trainable=False,
                           collections=[tg.GraphKeys.LOCAL_VARIABLES])
        main_op = tg.group(seen.assign(path_t), name="main_op")
        b.add_meta_graph_and_variables(sess, ["serve"], main_op=main_op)
    with tg.Session(graph=tg.Graph()) as sess:
        _model(asset_path=str(src2 / "vocab.txt"))
        other = tg.constant(str(src1 / "other.txt"), name="other_filename")
        b.add_meta_graph(["train"], assets_collection=tg.get_collection(tg.GraphKeys.ASSET_FILEPATHS) + [other])
    b.save()
    assets = tmp_path / "export" / "assets"
    assert sorted(os.listdir(assets)) == ["other.txt", "vocab.txt"]
    assert (assets / "vocab.txt").read_text() == "first"          # the guide: the first is kept

    with tg.Session(graph=tg.Graph()) as sess:
        loader.load(sess, ["serve"], export_dir)
        seen = sess.run("seen/Read/ReadVariableOp:0")
        assert seen == os.fsencode(os.path.join(export_dir, "assets", "vocab.txt"))
    feeds = loader.get_asset_tensors(export_dir, loader.SavedModelLoader(export_dir).get_meta_graph_def_from_tags(
        ["train"]))
    assert feeds == {"vocab_filename:0": os.fsencode(os.path.join(export_dir, "assets", "vocab.txt")),
                     "other_filename:0": os.fsencode(os.path.join(export_dir, "assets", "other.txt"))}


def test_two_assets_of_one_name_in_one_graph_get_unique_names(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "v.txt").write_text("1")
    (tmp_path / "b" / "v.txt").write_text("2")
    export_dir = str(tmp_path / "export")
    b = saved_model.builder.SavedModelBuilder(export_dir)
    with tg.Session(graph=tg.Graph()) as sess:
        _model()
        sess.run(tg.global_variables_initializer())
        t1 = tg.constant(str(tmp_path / "a" / "v.txt"), name="p1")
        t2 = tg.constant(str(tmp_path / "b" / "v.txt"), name="p2")
        b.add_meta_graph_and_variables(sess, ["serve"], assets_collection=[t1, t2])
    b.save()
    assert sorted(os.listdir(os.path.join(export_dir, "assets"))) == ["v.txt", "v.txt_1"]


def test_bad_asset_tensors(tmp_path):
    b = saved_model.builder.SavedModelBuilder(str(tmp_path / "m"))
    with tg.Session(graph=tg.Graph()) as sess:
        x, _ = _model()
        sess.run(tg.global_variables_initializer())
        with pytest.raises(TypeError, match="must be of type constant"):
            b.add_meta_graph_and_variables(sess, ["serve"], assets_collection=[tg.identity(tg.constant("p"))])
        with pytest.raises(tg.errors.NotFoundError, match="Cannot copy asset file"):
            b.add_meta_graph_and_variables(sess, ["serve"],
                                           assets_collection=[tg.constant(str(tmp_path / "missing.txt"))])


def test_text_format_and_no_variables(tmp_path):
    export_dir = str(tmp_path / "txt")
    with tg.Graph().as_default():
        x1 = tg.placeholder(tg.float32, [None, 1], name="x1")
        x2 = tg.placeholder(tg.float32, [None, 1], name="x2")
        y = tg.add(x1, x2, name="y")
        with tg.Session() as sess:
            b = saved_model.builder.SavedModelBuilder(export_dir)
            b.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={
                "x1_x2_to_y": signature_def_utils.predict_signature_def({"x1": x1, "x2": x2}, {"y": y})})
            assert b.save(as_text=True).endswith("saved_model.pbtxt")
    assert sorted(os.listdir(export_dir)) == ["saved_model.pbtxt", "variables"]
    assert loader.maybe_saved_model_directory(export_dir)
    out = saved_model.run_signature(export_dir, {"x1": [[1.0]], "x2": [[0.5]]}, "x1_x2_to_y")
    np.testing.assert_allclose(out["y"], [[1.5]])


def test_failed_export_leaves_no_saved_model(tmp_path, monkeypatch):
    export_dir = str(tmp_path / "m")
    b = saved_model.builder.SavedModelBuilder(export_dir)
    with tg.Session(graph=tg.Graph()) as sess:
        _model()
        sess.run(tg.global_variables_initializer())
        b.add_meta_graph_and_variables(sess, ["serve"])

    def boom(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(tg.errors.OpError):
        b.save()
    monkeypatch.undo()
    # Only the variables were written: the directory is not a SavedModel, and no temporary file is left.
    assert not loader.contains_saved_model(export_dir)
    assert sorted(os.listdir(export_dir)) == ["variables"]
    b.save()
    assert loader.contains_saved_model(export_dir)


# --- strip_default_attrs: the guide's OpDef-evolution story -------------------------------------------------

@pytest.fixture
def evolved_identity():
    """Registers a producer's Identity OpDef that gained an attribute with a default; restores it after."""
    original = op_def_pb2.OpDef()
    original.CopyFrom(op_defs()["Identity"])
    evolved = op_def_pb2.OpDef()
    evolved.CopyFrom(original)
    attr = evolved.attr.add(name="new_attr", type="int")
    attr.default_value.i = 0
    register_op_def(evolved)
    try:
        yield original
    finally:
        register_op_def(original)


def _export_with_evolved_op(export_dir, strip):
    with tg.Session(graph=tg.Graph()) as sess:
        x = tg.placeholder(tg.float32, [None], name="x")
        y = tg.identity(x * 2.0, name="y")
        assert y.op.get_attr("new_attr") == 0
        b = saved_model.builder.SavedModelBuilder(export_dir)
        b.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={
            "serving_default": signature_def_utils.predict_signature_def({"x": x}, {"y": y})},
            strip_default_attrs=strip)
        b.save()


def test_strip_default_attrs_lets_an_older_consumer_load(tmp_path, evolved_identity):
    stripped, kept = str(tmp_path / "stripped"), str(tmp_path / "kept")
    _export_with_evolved_op(stripped, True)
    _export_with_evolved_op(kept, False)
    sm = saved_model_pb2.SavedModel.FromString(open(os.path.join(kept, "saved_model.pb"), "rb").read())
    assert "new_attr" in next(n for n in sm.meta_graphs[0].graph_def.node if n.name == "y").attr
    sm = saved_model_pb2.SavedModel.FromString(open(os.path.join(stripped, "saved_model.pb"), "rb").read())
    assert "new_attr" not in next(n for n in sm.meta_graphs[0].graph_def.node if n.name == "y").attr
    assert sm.meta_graphs[0].meta_info_def.stripped_default_attrs

    register_op_def(evolved_identity)          # the consumer knows the older OpDef
    out = saved_model.run_signature(stripped, {"x": [1.0, 2.0]})
    np.testing.assert_allclose(out["y"], [2.0, 4.0])
    with pytest.raises(tg.errors.InvalidArgumentError, match="attr 'new_attr' not in Op<name=Identity>"):
        saved_model.run_signature(kept, {"x": [1.0]})


def test_loading_adds_stripped_defaults_back(tmp_path):
    export_dir = str(tmp_path / "m")
    with tg.Session(graph=tg.Graph()) as sess:
        x = tg.placeholder(tg.float32, [None, 2], name="x")
        y = tg.matmul(x, tg.constant([[1.0], [1.0]]), name="y")
        assert y.op.get_attr("transpose_a") is False
        b = saved_model.builder.SavedModelBuilder(export_dir)
        b.add_meta_graph_and_variables(sess, ["serve"], strip_default_attrs=True)
        b.save()
    sm = saved_model_pb2.SavedModel.FromString(open(os.path.join(export_dir, "saved_model.pb"), "rb").read())
    assert "transpose_a" not in next(n for n in sm.meta_graphs[0].graph_def.node if n.name == "y").attr
    with tg.Session(graph=tg.Graph()) as sess:
        loader.load(sess, ["serve"], export_dir)
        assert sess.graph.get_operation_by_name("y").get_attr("transpose_a") is False


def test_builder_module_names():
    assert builder_mod.Builder is builder_mod.SavedModelBuilder
