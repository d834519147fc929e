"""Meta graphs: export_meta_graph / import_meta_graph keep collections and the SaverDef; clear_devices,
import_scope, text format; TensorFlow's .meta files import and restore."""
import pathlib

import numpy as np

import tagraph.engine as tg
from tagraph.engine import GraphKeys
from tagraph.protos import meta_graph_pb2
from tagraph.serialization import Saver, export_meta_graph, import_meta_graph

TF_DATA = pathlib.Path(__file__).parent.parent / "data" / "tf"


def _model():
    with tg.device("/cpu:0"):
        w = tg.get_variable("layer/w", initializer=tg.constant([[1.0, 2.0], [3.0, 4.0]]))
    b = tg.get_variable("layer/b", [2], initializer=tg.zeros_initializer, use_resource=False)
    steps = tg.get_variable("global_step", [], dtype=tg.int64, initializer=tg.zeros_initializer, trainable=False)
    x = tg.placeholder(tg.float32, [None, 2], name="x")
    y = tg.add(tg.matmul(x, w), b, name="y")
    train_op = tg.group(w.assign_add(tg.ones([2, 2])), steps.assign_add(1), name="train")
    tg.add_to_collection(GraphKeys.TRAIN_OP, train_op)
    tg.add_to_collection("outputs", y)
    tg.add_to_collection("ints", 7)
    tg.add_to_collection("floats", 0.5)
    tg.add_to_collection("names", b"hello")
    return w, b, steps, x, y, train_op


def _names(items):
    return [i.name for i in items]


def test_round_trip_keeps_collections_and_saver(tmp_path):
    with tg.Graph().as_default():
        w, b, steps, x, y, train_op = _model()
        saver = Saver()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            sess.run(train_op)
            prefix = saver.save(sess, str(tmp_path / "model"), global_step=steps)
        before = {k: tg.get_collection(k) for k in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES)}
    assert prefix == str(tmp_path / "model-1")
    with tg.Graph().as_default() as g:
        restorer = import_meta_graph(prefix + ".meta")
        assert _names(tg.global_variables()) == _names(before[GraphKeys.GLOBAL_VARIABLES])
        assert _names(tg.trainable_variables()) == _names(before[GraphKeys.TRAINABLE_VARIABLES])
        assert "global_step:0" not in _names(tg.trainable_variables())
        assert _names(tg.get_collection(GraphKeys.TRAIN_OP)) == ["train"]
        assert _names(tg.get_collection("outputs")) == ["y:0"]
        assert tg.get_collection("ints") == [7] and tg.get_collection("floats") == [0.5]
        assert tg.get_collection("names") == [b"hello"]
        assert g.get_operation_by_name("layer/w").device == "/device:CPU:0"
        with tg.Session() as sess:
            restorer.restore(sess, prefix)          # restored, not initialized
            sess.run(tg.get_collection(GraphKeys.TRAIN_OP)[0])
            np.testing.assert_array_equal(sess.run("layer/w/Read/ReadVariableOp:0"), [[3, 4], [5, 6]])
            out = sess.run("y:0", {"x:0": [[1.0, 0.0]]})
            np.testing.assert_array_equal(out, [[3, 4]])
            assert sess.run(tg.global_variables()[2]) == 2
            # The imported graph extends and saves again, with a Saver over the same ops.
            assert restorer.save(sess, str(tmp_path / "again")) == str(tmp_path / "again")


def test_exported_nodes_carry_output_shapes_and_saver_def(tmp_path):
    with tg.Graph().as_default():
        _model()
        saver = Saver()
        mg = saver.export_meta_graph(str(tmp_path / "m.meta"))
        assert mg.saver_def == saver.as_saver_def()
        nodes = {n.name: n for n in mg.graph_def.node}
        assert [d.size for d in nodes["layer/w"].attr["_output_shapes"].list.shape[0].dim] == []
        assert [d.size for d in nodes["save/SaveV2/tensor_names"].attr["_output_shapes"].list.shape[0].dim] == [3]
        assert "_output_shapes" not in nodes["save/SaveV2"].attr       # no outputs, no shapes
        assert mg.meta_info_def.stripped_op_list.op[0].name == sorted(n.op for n in mg.graph_def.node)[0]
    on_disk = meta_graph_pb2.MetaGraphDef.FromString((tmp_path / "m.meta").read_bytes())
    assert on_disk == mg
    # Re-exporting an imported graph writes each node's shapes once.
    with tg.Graph().as_default():
        import_meta_graph(str(tmp_path / "m.meta"))
        again = export_meta_graph()
        assert len({n.name: n for n in again.graph_def.node}["layer/w"].attr["_output_shapes"].list.shape) == 1


def test_text_format_and_debug_info(tmp_path):
    with tg.Graph().as_default():
        _model()
        saver = Saver()
        saver.export_meta_graph(str(tmp_path / "m.pbtxt"), as_text=True, save_debug_info=True)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            saver.save(sess, str(tmp_path / "ckpt"), save_debug_info=True)
    assert (tmp_path / "m.pbtxt").read_text().startswith("meta_info_def {")
    assert (tmp_path / "m.debug").exists() and (tmp_path / "ckpt.debug").exists()
    with tg.Graph().as_default():
        restorer = import_meta_graph(str(tmp_path / "m.pbtxt"))
        with tg.Session() as sess:
            restorer.restore(sess, str(tmp_path / "ckpt"))
            assert sess.run("layer/b:0").tolist() == [0, 0]


def test_clear_devices(tmp_path):
    with tg.Graph().as_default():
        _model()
        saver = Saver()
        cleared = export_meta_graph(str(tmp_path / "cleared.meta"), saver_def=saver.as_saver_def(),
                                    clear_devices=True)
        kept = saver.export_meta_graph(str(tmp_path / "kept.meta"))
    assert all(n.device == "" for n in cleared.graph_def.node)
    assert {n.name: n.device for n in kept.graph_def.node}["save/RestoreV2"] == "/device:CPU:0"
    with tg.Graph().as_default() as g:
        import_meta_graph(str(tmp_path / "kept.meta"), clear_devices=True)
        assert all(op.device == "" for op in g.get_operations())


def test_import_scope(tmp_path):
    with tg.Graph().as_default():
        w, b, steps, x, y, train_op = _model()
        saver = Saver()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            prefix = saver.save(sess, str(tmp_path / "model"))
    with tg.Graph().as_default():
        restorer = import_meta_graph(prefix + ".meta", import_scope="imported")
        assert restorer.as_saver_def().restore_op_name == "imported/save/restore_all"
        assert restorer.as_saver_def().filename_tensor_name == "imported/save/Const:0"
        assert _names(tg.global_variables()) == ["imported/layer/w:0", "imported/layer/b:0",
                                                 "imported/global_step:0"]
        assert _names(tg.get_collection(GraphKeys.TRAIN_OP)) == ["imported/train"]
        with tg.Session() as sess:
            restorer.restore(sess, prefix)
            out = sess.run("imported/y:0", {"imported/x:0": [[1.0, 1.0]]})
            np.testing.assert_array_equal(out, [[4, 6]])


def test_tensorflow_meta_graph_collections(tmp_path):
    with tg.Graph().as_default():
        saver = import_meta_graph(str(TF_DATA / "dtypes_checkpoint" / "model-3.meta"))
        assert saver.as_saver_def().max_to_keep == 2
        assert len(tg.global_variables()) == 15
        assert _names(tg.get_collection(GraphKeys.GLOBAL_STEP)) == ["global_step:0"]
        assert tg.get_collection(GraphKeys.GLOBAL_STEP)[0] is \
            {v.name: v for v in tg.global_variables()}["global_step:0"]
        assert "global_step:0" not in _names(tg.trainable_variables())
        with tg.Session() as sess:
            saver.restore(sess, str(TF_DATA / "dtypes_checkpoint" / "model-3"))
            assert sess.run("global_step/Read/ReadVariableOp:0") == 3
            # TensorFlow's own saver graph saves here too: the same bytes TensorFlow wrote.
            prefix = saver.save(sess, str(tmp_path / "model"), global_step=3, write_meta_graph=False)
    for suffix in (".index", ".data-00000-of-00001"):
        assert pathlib.Path(prefix + suffix).read_bytes() == \
            (TF_DATA / "dtypes_checkpoint" / ("model-3" + suffix)).read_bytes()


def test_import_without_saver_def_makes_a_default_saver(tmp_path):
    with tg.Graph().as_default():
        tg.get_variable("v", [2], initializer=tg.ones_initializer)
        export_meta_graph(str(tmp_path / "plain.meta"))
    with tg.Graph().as_default():
        saver = import_meta_graph(str(tmp_path / "plain.meta"))
        assert saver is not None and saver.as_saver_def().restore_op_name == "save/restore_all"
    with tg.Graph().as_default():
        tg.constant(1.0, name="c")
        export_meta_graph(str(tmp_path / "novars.meta"))
    with tg.Graph().as_default():
        assert import_meta_graph(str(tmp_path / "novars.meta")) is None
