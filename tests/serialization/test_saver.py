"""Saver: TensorFlow's save/restore subgraph, its files byte for byte, retention, restore of TensorFlow's
checkpoints, sharding, corruption, and the ops (SaveV2, RestoreV2, MergeV2Checkpoints, ShardedFilename...)."""
import hashlib
import json
import os
import pathlib

import numpy as np
import pytest
from google.protobuf import text_format

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.protos import meta_graph_pb2, saver_pb2
from tagraph.serialization import (Saver, checkpoint_exists, get_checkpoint_state, import_meta_graph,
                                   latest_checkpoint, list_variables, load_checkpoint)
from tagraph.serialization import saver as saver_module

DATA = pathlib.Path(__file__).parent / "data"
TF_DATA = pathlib.Path(__file__).parent.parent / "data" / "tf"
SEED = TF_DATA / "seed_checkpoint"
DTYPES = TF_DATA / "dtypes_checkpoint"
EXPECTED = json.loads((TF_DATA / "expected.json").read_text())


def _guide_graph(use_resource=None):
    """The guide's example: v1 (zeros, +1) and v2 (zeros, -1)."""
    v1 = tg.get_variable("v1", shape=[3], initializer=tg.zeros_initializer, use_resource=use_resource)
    v2 = tg.get_variable("v2", shape=[5], initializer=tg.zeros_initializer, use_resource=use_resource)
    inc_v1 = v1.assign(v1 + 1)
    dec_v2 = v2.assign(v2 - 1)
    init_op = tg.global_variables_initializer()
    return v1, v2, inc_v1, dec_v2, init_op


def _save_guide(path, use_resource=None, **saver_kwargs):
    with tg.Graph().as_default():
        v1, v2, inc_v1, dec_v2, init_op = _guide_graph(use_resource)
        saver = Saver(**saver_kwargs)
        with tg.Session() as sess:
            sess.run(init_op)
            inc_v1.op.run()
            dec_v2.op.run()
            return saver.save(sess, str(path))


# --- the guide's examples ------------------------------------------------------------------------------

@pytest.mark.parametrize("use_resource", [True, False], ids=["resource", "reference"])
def test_guide_save_then_restore_in_fresh_graph_without_initializing(tmp_path, use_resource):
    prefix = _save_guide(tmp_path / "model.ckpt", use_resource)
    assert prefix == str(tmp_path / "model.ckpt")
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.ckpt.data-00000-of-00001", "model.ckpt.index",
                                            "model.ckpt.meta"]
    with tg.Graph().as_default():
        v1 = tg.get_variable("v1", shape=[3], use_resource=use_resource)
        v2 = tg.get_variable("v2", shape=[5], use_resource=use_resource)
        saver = Saver()
        with tg.Session() as sess:
            saver.restore(sess, prefix)      # no initializer run: restoring initializes
            np.testing.assert_array_equal(v1.eval(), [1, 1, 1])
            np.testing.assert_array_equal(v2.eval(), [-1, -1, -1, -1, -1])


def test_guide_restore_subset_with_dict(tmp_path):
    prefix = _save_guide(tmp_path / "model.ckpt")
    with tg.Graph().as_default():
        v1 = tg.get_variable("v1", [3], initializer=tg.zeros_initializer)
        v2 = tg.get_variable("v2", [5], initializer=tg.zeros_initializer)
        saver = Saver({"v2": v2})
        with tg.Session() as sess:
            v1.initializer.run()
            saver.restore(sess, prefix)
            np.testing.assert_array_equal(v1.eval(), [0, 0, 0])
            np.testing.assert_array_equal(v2.eval(), [-1] * 5)
            assert sess.run(tg.report_uninitialized_variables()).tolist() == []


def test_dict_maps_checkpoint_names_to_other_variables(tmp_path):
    with tg.Graph().as_default():
        tg.get_variable("weights", initializer=tg.constant([[1.0, 2.0], [3.0, 4.0]]))
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            prefix = Saver().save(sess, str(tmp_path / "m"))
    with tg.Graph().as_default():
        params = tg.get_variable("params", [2, 2], use_resource=False)
        saver = Saver({"weights": params})
        with tg.Session() as sess:
            saver.restore(sess, prefix)
            np.testing.assert_array_equal(params.eval(), [[1, 2], [3, 4]])
    assert list_variables(str(tmp_path)) == [("weights", [2, 2])]


def test_several_savers_over_overlapping_variables(tmp_path):
    with tg.Graph().as_default():
        v1, v2, inc_v1, dec_v2, init_op = _guide_graph()
        s_all = Saver()
        s_v2 = Saver([v2], max_to_keep=1)
        assert s_all.as_saver_def().restore_op_name == "save/restore_all"
        assert s_v2.as_saver_def().restore_op_name == "save_1/restore_all"
        assert s_v2.as_saver_def().filename_tensor_name == "save_1/Const:0"
        with tg.Session() as sess:
            sess.run(init_op)
            inc_v1.op.run()
            dec_v2.op.run()
            p_all = s_all.save(sess, str(tmp_path / "all"))
            p_v2 = s_v2.save(sess, str(tmp_path / "only_v2"), latest_filename="checkpoint_v2")
    assert list_variables(p_v2) == [("v2", [5])]
    assert list_variables(p_all) == [("v1", [3]), ("v2", [5])]
    assert latest_checkpoint(str(tmp_path)) == p_all
    assert latest_checkpoint(str(tmp_path), "checkpoint_v2") == p_v2


# --- TensorFlow's graph and files ------------------------------------------------------------------------

def _dump_graph(graph):
    out = []
    for op in graph.get_operations():
        nd = op.node_def
        out.append({"name": nd.name, "op": nd.op, "input": list(nd.input), "device": nd.device,
                    "attr": sorted(nd.attr)})
    return out


def _build_case(name):
    def var(n, shape, **kw):
        return tg.get_variable(n, shape=shape, initializer=tg.zeros_initializer, **kw)
    if name == "guide_resource":
        var("v1", [3]), var("v2", [5])
        return Saver()
    if name == "guide_ref":
        var("v1", [3], use_resource=False), var("v2", [5], use_resource=False)
        return Saver()
    if name == "dict_v2":
        var("v1", [3])
        return Saver({"v2": var("v2", [5])})
    if name == "two_savers":
        v1, v2 = var("v1", [3]), var("v2", [5])
        Saver([v1, v2])
        return Saver([v2], max_to_keep=2)
    if name == "sharded_two":
        with tg.device("/cpu:0"):
            var("v1", [3])
        with tg.device("/cpu:1"):
            var("v2", [5])
        return Saver(sharded=True)
    if name == "sharded_one_mixed":
        var("v1", [3]), var("v2", [5], use_resource=False)
        return Saver(sharded=True, max_to_keep=3, keep_checkpoint_every_n_hours=2.5, filename="abc")
    if name == "gpu_var":
        with tg.device("/gpu:0"):
            var("v1", [3])
        var("v2", [5])
        return Saver()
    if name == "reshape_named":
        var("v1", [3]), var("v2", [5], use_resource=False)
        return Saver(reshape=True, name="mysaver")
    raise KeyError(name)


TF_GRAPHS = json.loads((DATA / "tf_saver_graphs.json").read_text())


@pytest.mark.parametrize("case", sorted(TF_GRAPHS))
def test_saver_graph_is_tensorflows(case):
    """Node for node (names, order, ops, inputs, devices, attribute names) what TensorFlow 2.21 builds."""
    g = tg.Graph()
    with g.as_default():
        saver = _build_case(case)
    ref = TF_GRAPHS[case]
    expected_def = text_format.Parse(ref["saver_def"], saver_pb2.SaverDef())
    assert saver.as_saver_def() == expected_def
    ours = _dump_graph(g)
    theirs = ref["nodes"]
    assert [n["name"] for n in ours] == [n["name"] for n in theirs]
    scope = expected_def.restore_op_name.split("/")[0]
    ours_save = [n for n in ours if n["name"].startswith(("save", scope))]
    theirs_save = [n for n in theirs if n["name"].startswith(("save", scope))]
    assert ours_save == theirs_save


def test_guide_checkpoint_is_byte_identical_to_tensorflows(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _save_guide("model.ckpt") == "model.ckpt"     # as TensorFlow's guide ran it: a relative path
    for name in ("model.ckpt.index", "model.ckpt.data-00000-of-00001", "checkpoint"):
        assert (tmp_path / name).read_bytes() == (SEED / name).read_bytes(), name
    # An absolute path with save_relative_paths writes the same state file.
    other = tmp_path / "abs"
    _save_guide(other / "model.ckpt", save_relative_paths=True)
    assert (other / "checkpoint").read_bytes() == (SEED / "checkpoint").read_bytes()
    assert (other / "model.ckpt.index").read_bytes() == (SEED / "model.ckpt.index").read_bytes()


def _read_meta(path):
    mg = meta_graph_pb2.MetaGraphDef()
    mg.ParseFromString(pathlib.Path(path).read_bytes())
    return mg


def test_guide_meta_graph_matches_tensorflows(tmp_path):
    _save_guide(tmp_path / "model.ckpt")
    ours, theirs = _read_meta(tmp_path / "model.ckpt.meta"), _read_meta(SEED / "model.ckpt.meta")
    assert ours.saver_def == theirs.saver_def
    assert [(n.name, n.op, list(n.input), n.device) for n in ours.graph_def.node] == \
        [(n.name, n.op, list(n.input), n.device) for n in theirs.graph_def.node]
    assert ours.meta_info_def.stripped_op_list == theirs.meta_info_def.stripped_op_list
    assert ours.collection_def == theirs.collection_def
    # The saver's own nodes match attribute for attribute, _output_shapes included.
    theirs_by_name = {n.name: n for n in theirs.graph_def.node}
    for node in ours.graph_def.node:
        if node.name.startswith("save/") and node.name != "save/filename/input":  # scalar Const encoding aside
            assert node == theirs_by_name[node.name], node.name


def _check_dtypes_values(reader_or_values, global_step):
    tensors = EXPECTED["dtypes_checkpoint"]["tensors"]
    for name, spec in tensors.items():
        value = reader_or_values(name)
        if name == "global_step":
            assert value == global_step
            continue
        if spec["dtype"] == "string":
            assert [bytes(x) for x in value.reshape(-1)] == [bytes.fromhex(h) for h in spec["value"]]
            continue
        assert value.dtype == np.dtype(spec["dtype"]), name
        assert list(value.shape) == spec["shape"], name
        if "sha256_of_little_endian_bytes" in spec:
            assert hashlib.sha256(value.astype(value.dtype.newbyteorder("<")).tobytes()).hexdigest() == \
                spec["sha256_of_little_endian_bytes"]
        elif "real" in spec:
            np.testing.assert_array_equal(value.real, spec["real"])
            np.testing.assert_array_equal(value.imag, spec["imag"])
        else:
            np.testing.assert_array_equal(value, np.array(spec["value"], dtype=value.dtype).reshape(spec["shape"]))


@pytest.mark.parametrize("meta,prefix,step", [
    ("seed_checkpoint/model.ckpt.meta", "seed_checkpoint/model.ckpt", None),
    ("dtypes_checkpoint/model-2.meta", "dtypes_checkpoint/model-2", 2),
    ("dtypes_checkpoint/model-3.meta", "dtypes_checkpoint/model-3", 3),
])
def test_tensorflow_checkpoints_restore_through_their_meta_graph(meta, prefix, step):
    with tg.Graph().as_default():
        saver = import_meta_graph(str(TF_DATA / meta))
        assert saver.as_saver_def().restore_op_name == "save/restore_all"
        with tg.Session() as sess:
            saver.restore(sess, str(TF_DATA / prefix))
            values = {v.op.name: v for v in tg.global_variables()}
            got = dict(zip(values, sess.run(list(values.values()))))
    if step is None:
        assert got["v1"].tolist() == EXPECTED["seed_checkpoint"]["v1"]
        assert got["v2"].tolist() == EXPECTED["seed_checkpoint"]["v2"]
    else:
        _check_dtypes_values(got.__getitem__, step)
        reader = load_checkpoint(str(TF_DATA / prefix))
        _check_dtypes_values(reader.get_tensor, step)


def test_tensorflow_retention_left_model_2_and_3():
    assert latest_checkpoint(str(DTYPES)) == str(DTYPES / "model-3")
    state = get_checkpoint_state(str(DTYPES))
    assert [os.path.basename(p) for p in state.all_model_checkpoint_paths] == EXPECTED["dtypes_checkpoint"]["kept"]


def test_all_dtypes_round_trip_through_saver(tmp_path):
    """Every dtype TensorFlow's fixture holds, saved by tagraph, reads back equal (and as TF's bytes)."""
    reader = load_checkpoint(str(DTYPES / "model-3"))
    names = sorted(reader.get_variable_to_shape_map())
    with tg.Graph().as_default():
        variables = [tg.Variable(reader.get_tensor(n), name=n) for n in names]
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            prefix = Saver(variables).save(sess, str(tmp_path / "model"), global_step=3, write_meta_graph=False)
    assert prefix == str(tmp_path / "model-3")
    assert (tmp_path / "model-3.data-00000-of-00001").read_bytes() == \
        (DTYPES / "model-3.data-00000-of-00001").read_bytes()
    assert (tmp_path / "model-3.index").read_bytes() == (DTYPES / "model-3.index").read_bytes()
    ours = load_checkpoint(prefix)
    assert ours.get_variable_to_dtype_map() == reader.get_variable_to_dtype_map()
    _check_dtypes_values(ours.get_tensor, 3)


# --- retention ---------------------------------------------------------------------------------------------

def _counter_graph():
    step = tg.get_variable("step", [], dtype=tg.int64, initializer=tg.zeros_initializer)
    return step, step.assign_add(1)


def _files(d):
    return sorted(f for f in os.listdir(d))


def test_max_to_keep_deletes_index_data_and_meta(tmp_path):
    with tg.Graph().as_default():
        step, inc = _counter_graph()
        saver = Saver(max_to_keep=2)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for i in (1, 2, 3):
                sess.run(inc)
                assert saver.save(sess, str(tmp_path / "model"), global_step=i) == str(tmp_path / ("model-%d" % i))
            assert saver.last_checkpoints == [str(tmp_path / "model-2"), str(tmp_path / "model-3")]
    assert _files(tmp_path) == ["checkpoint"] + ["model-%d.%s" % (i, ext) for i in (2, 3)
                                                 for ext in ("data-00000-of-00001", "index", "meta")]
    state = get_checkpoint_state(str(tmp_path))
    assert list(state.all_model_checkpoint_paths) == saver.last_checkpoints
    assert not checkpoint_exists(str(tmp_path / "model-1"))
    assert load_checkpoint(str(tmp_path)).get_tensor("step") == 3


def test_max_to_keep_zero_or_none_keeps_every_file_and_only_the_last_in_state(tmp_path):
    for keep in (0, None):
        d = tmp_path / str(keep)
        with tg.Graph().as_default():
            step, inc = _counter_graph()
            saver = Saver(max_to_keep=keep)
            assert saver.as_saver_def().max_to_keep == 0
            with tg.Session() as sess:
                sess.run(tg.global_variables_initializer())
                for i in (1, 2, 3):
                    saver.save(sess, str(d / "model"), global_step=i)
        assert saver.last_checkpoints == []
        assert all(checkpoint_exists(str(d / ("model-%d" % i))) for i in (1, 2, 3))
        assert list(get_checkpoint_state(str(d)).all_model_checkpoint_paths) == [str(d / "model-3")]


def test_keep_checkpoint_every_n_hours_with_fake_clock(tmp_path, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(saver_module.time, "time", lambda: now[0])
    with tg.Graph().as_default():
        step, inc = _counter_graph()
        saver = Saver(max_to_keep=2, keep_checkpoint_every_n_hours=1.0)   # next keeper after t=4600
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for i, t in enumerate([1000, 2000, 3000, 5000, 6000, 7000, 8000], start=1):
                now[0] = float(t)
                saver.save(sess, str(tmp_path / "model"), global_step=i)
    # model-4 (t=5000) was past the first hour when it fell out of the last two: it is kept for good.
    assert [i for i in range(1, 8) if checkpoint_exists(str(tmp_path / ("model-%d" % i)))] == [4, 6, 7]
    assert not (tmp_path / "model-5.meta").exists() and (tmp_path / "model-4.meta").exists()
    assert saver.last_checkpoints == [str(tmp_path / "model-6"), str(tmp_path / "model-7")]


def test_set_and_recover_last_checkpoints(tmp_path):
    with tg.Graph().as_default():
        step, inc = _counter_graph()
        saver = Saver(max_to_keep=2)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            paths = [saver.save(sess, str(tmp_path / "model"), global_step=i) for i in (1, 2)]
        restarted = Saver(max_to_keep=2)
        restarted.recover_last_checkpoints(paths + [str(tmp_path / "model-99")])   # a missing one is skipped
        assert restarted.last_checkpoints == paths
        assert all(isinstance(t, float) for _, t in restarted._last_checkpoints)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            restarted.save(sess, str(tmp_path / "model"), global_step=3)
        assert not checkpoint_exists(paths[0])                    # recovered, so it is managed and deleted
        restarted.set_last_checkpoints_with_time([("a", 1.0), ("b", 2.0)])
        assert restarted.last_checkpoints == ["a", "b"]
        restarted.set_last_checkpoints(["c"])
        assert restarted._last_checkpoints == [("c", np.inf)]


def test_save_path_options(tmp_path):
    with tg.Graph().as_default():
        step, inc = _counter_graph()
        padded = Saver(pad_step_number=True)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            sess.run(inc)
            assert padded.save(sess, str(tmp_path / "p"), global_step=7) == str(tmp_path / "p-00000007")
            # global_step given as a variable, a tensor or a tensor name: its value is used
            assert padded.save(sess, str(tmp_path / "q"), global_step=step) == str(tmp_path / "q-00000001")
            assert padded.save(sess, str(tmp_path / "r"), global_step="step/Read/ReadVariableOp:0") == \
                str(tmp_path / "r-00000001")
            plain = Saver(save_relative_paths=True)
            plain.save(sess, str(tmp_path / "s"), write_meta_graph=False, latest_filename="rel")
            assert (tmp_path / "rel").read_text() == ('model_checkpoint_path: "s"\n'
                                                      'all_model_checkpoint_paths: "s"\n')
            assert not (tmp_path / "s.meta").exists()
            plain.save(sess, str(tmp_path / "t"), write_state=False, meta_graph_suffix="mg")
            assert (tmp_path / "t.mg").exists() and latest_checkpoint(str(tmp_path), "rel") == str(tmp_path / "s")
            with pytest.raises(ValueError, match="collides"):
                plain.save(sess, str(tmp_path / "checkpoint"))
            with pytest.raises(ValueError, match="path components"):
                plain.save(sess, str(tmp_path / "u"), latest_filename="a/b")
            with pytest.raises(TypeError, match="must be a Session"):
                plain.save(object(), str(tmp_path / "u"))
            # A parent folder that does not exist is made, as TensorFlow's SaveV2 makes it.
            assert plain.save(sess, str(tmp_path / "new" / "dir" / "m")) == str(tmp_path / "new" / "dir" / "m")


# --- restore errors ------------------------------------------------------------------------------------------

def test_restore_errors_are_tensorflows(tmp_path):
    prefix = _save_guide(tmp_path / "model.ckpt")
    with tg.Graph().as_default():
        v1 = tg.get_variable("v1", [3])
        v9 = tg.get_variable("v9", [3])
        with tg.Session() as sess:
            with pytest.raises(ValueError, match="Can't load save_path when it is None"):
                Saver([v1]).restore(sess, None)
            with pytest.raises(ValueError, match="not a valid checkpoint: .*nope") as info:
                Saver([v1]).restore(sess, str(tmp_path / "nope"))
            assert isinstance(info.value, errors.NotFoundError)
            with pytest.raises(errors.NotFoundError, match="(?s)Variable name or other graph key that is missing"
                                                           ".*Key v9 not found in checkpoint"):
                Saver([v9]).restore(sess, prefix)
    with tg.Graph().as_default():
        v1 = tg.get_variable("v1", [3], dtype=tg.float64)
        with tg.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError,
                               match="expected dtype double does not equal original dtype float"):
                Saver([v1]).restore(sess, prefix)


def test_corruption_through_the_saver_raises_data_loss_naming_file_and_tensor(tmp_path):
    prefix = _save_guide(tmp_path / "model.ckpt")
    data = tmp_path / "model.ckpt.data-00000-of-00001"
    raw = bytearray(data.read_bytes())
    raw[20] ^= 0x40                     # inside v2 (v1 is bytes 0..11)
    data.write_bytes(bytes(raw))
    with tg.Graph().as_default():
        _guide_graph()
        saver = Saver()
        with tg.Session() as sess:
            with pytest.raises(errors.DataLossError) as info:
                saver.restore(sess, prefix)
    assert "v2" in info.value.message and str(data) in info.value.message
    index = tmp_path / "model.ckpt.index"
    index.write_bytes(index.read_bytes()[:-5])
    with tg.Graph().as_default():
        _guide_graph()
        saver = Saver()
        with tg.Session() as sess:
            with pytest.raises(errors.DataLossError, match=str(index)):
                saver.restore(sess, prefix)


# --- Saver construction ------------------------------------------------------------------------------------

def test_saver_from_saver_def_reuses_the_graphs_ops(tmp_path):
    with tg.Graph().as_default() as g:
        v1, v2, inc_v1, dec_v2, init_op = _guide_graph()
        saver = Saver(max_to_keep=3)
        n = len(g.get_operations())
        again = Saver(saver_def=saver.as_saver_def())
        assert len(g.get_operations()) == n
        assert again.as_saver_def() == saver.to_proto()
        assert Saver.from_proto(saver.to_proto()).as_saver_def() == saver.as_saver_def()
        assert saver.to_proto(export_scope="save").filename_tensor_name == "Const:0"
        assert saver.to_proto(export_scope="other") is None
        with tg.Session() as sess:
            sess.run(init_op)
            inc_v1.op.run()
            prefix = again.save(sess, str(tmp_path / "m"))
        with tg.Session() as sess:
            saver.restore(sess, prefix)
            np.testing.assert_array_equal(v1.eval(), [1, 1, 1])
    with pytest.raises(ValueError, match="save_tensor_name"):
        Saver(saver_def=saver_pb2.SaverDef(restore_op_name="x"))


def test_empty_deferred_and_invalid_savers(tmp_path):
    with tg.Graph().as_default():
        with pytest.raises(ValueError, match="No variables to save"):
            Saver()
        empty = Saver(allow_empty=True)
        with tg.Session() as sess:
            assert empty.save(sess, str(tmp_path / "e")) is None
            assert empty.restore(sess, str(tmp_path / "e")) is None
        assert (tmp_path / "e.meta").exists() and not (tmp_path / "e.index").exists()
    with tg.Graph().as_default():
        v = tg.get_variable("v", [2])
        with pytest.raises(ValueError, match="cannot be deferred"):
            Saver([v], defer_build=True)
        deferred = Saver(defer_build=True)
        with tg.Session() as sess:
            sess.run(v.initializer)
            with pytest.raises(RuntimeError, match="build"):
                deferred.save(sess, str(tmp_path / "d"))
            deferred.build()
            assert deferred.save(sess, str(tmp_path / "d")) == str(tmp_path / "d")
        with pytest.raises(ValueError, match="two variables have the same name"):
            Saver([v, v])
        with pytest.raises(ValueError, match="restored with two names"):
            Saver({"a": v, "b": v})
        with pytest.raises(TypeError, match="not a Variable"):
            Saver([tg.constant(1.0)])
        with pytest.raises(errors.UnimplementedError):
            Saver(write_version=saver_pb2.SaverDef.V1)


def test_reshape_restores_into_a_new_shape(tmp_path):
    with tg.Graph().as_default():
        v = tg.Variable(np.arange(6, dtype=np.float32), name="v")
        with tg.Session() as sess:
            sess.run(v.initializer)
            prefix = Saver().save(sess, str(tmp_path / "m"))
    for use_resource in (True, False):
        with tg.Graph().as_default():
            v = tg.get_variable("v", [2, 3], use_resource=use_resource)
            with tg.Session() as sess:
                Saver(reshape=True).restore(sess, prefix)
                np.testing.assert_array_equal(v.eval(), [[0, 1, 2], [3, 4, 5]])


# --- sharded ---------------------------------------------------------------------------------------------

def test_sharded_save_and_restore_one_device(tmp_path):
    with tg.Graph().as_default():
        a = tg.get_variable("a", initializer=tg.constant([1.0, 2.0]))
        b = tg.Variable([[3, 4]], dtype=tg.int32, name="b", use_resource=False)
        saver = Saver(sharded=True, max_to_keep=1)
        assert saver.as_saver_def().sharded and saver.as_saver_def().save_tensor_name == "save/Identity:0"
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            saver.save(sess, str(tmp_path / "m"), global_step=1)
            prefix = saver.save(sess, str(tmp_path / "m"), global_step=2)
    assert prefix == str(tmp_path / "m-2")
    assert _files(tmp_path) == ["checkpoint", "m-2.data-00000-of-00001", "m-2.index", "m-2.meta"]
    with tg.Graph().as_default():
        a = tg.get_variable("a", [2])
        b = tg.get_variable("b", [1, 2], dtype=tg.int32, use_resource=False)
        with tg.Session() as sess:
            Saver(sharded=True).restore(sess, prefix)
            assert a.eval().tolist() == [1, 2] and b.eval().tolist() == [[3, 4]]
        with tg.Session() as sess:
            Saver().restore(sess, prefix)             # a sharded checkpoint reads like any other
            assert a.eval().tolist() == [1, 2]


def test_sharded_save_across_devices_writes_one_data_file_per_device(tmp_path, simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        with tg.device("/gpu:0"):
            a = tg.get_variable("a", initializer=tg.constant([1.0, 2.0]))
        b = tg.Variable(["x", "yz"], name="b")    # strings stay on the CPU
        saver = Saver(sharded=True)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            prefix = saver.save(sess, str(tmp_path / "m"))
    assert _files(tmp_path) == ["checkpoint", "m.data-00000-of-00002", "m.data-00001-of-00002", "m.index", "m.meta"]
    reader = load_checkpoint(prefix)
    assert reader.get_tensor("a").tolist() == [1, 2] and reader.get_tensor("b").tolist() == [b"x", b"yz"]
    with tg.Graph().as_default():
        with tg.device("/gpu:0"):
            a = tg.get_variable("a", [2])
        b = tg.get_variable("b", [2], dtype=tg.string)
        with tg.Session() as sess:
            Saver(sharded=True).restore(sess, prefix)
            assert a.eval().tolist() == [1, 2] and b.eval().tolist() == [b"x", b"yz"]


def test_gpu_variables_save_through_a_download_and_restore_through_an_upload(tmp_path, simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        with tg.device("/gpu:0"):
            v = tg.get_variable("v", initializer=tg.constant(np.arange(4, dtype=np.float32)))
        saver = Saver()
        with tg.Session() as sess:
            sess.run(v.initializer)
            prefix = saver.save(sess, str(tmp_path / "m"))
            assert sess.last_run_stats.downloads >= 1
            sess.run(v.assign(tg.zeros([4])))
            saver.restore(sess, prefix)
            assert sess.last_run_stats.uploads >= 1
            assert v.eval().tolist() == [0, 1, 2, 3]


# --- reading ---------------------------------------------------------------------------------------------

def test_load_checkpoint_reader_api(tmp_path):
    reader = load_checkpoint(str(SEED))                       # a folder: its latest checkpoint
    assert reader.has_tensor("v1") and not reader.has_tensor("v3")
    assert reader.get_variable_to_shape_map() == {"v1": [3], "v2": [5]}
    assert reader.get_variable_to_dtype_map() == {"v1": tg.float32, "v2": tg.float32}
    assert reader.get_tensor("v2").tolist() == [-1.0] * 5
    with pytest.raises(errors.NotFoundError, match="Key v3 not found in checkpoint"):
        reader.get_tensor("v3")
    assert list_variables(str(SEED / "model.ckpt")) == [("v1", [3]), ("v2", [5])]
    with pytest.raises(ValueError, match="Couldn't find 'checkpoint' file"):
        load_checkpoint(str(tmp_path))
    with pytest.raises(errors.NotFoundError, match="Failed to find any matching files"):
        load_checkpoint(str(tmp_path / "nothing"))


# --- the ops themselves -------------------------------------------------------------------------------------

def test_io_ops_kernels(tmp_path):
    g = tg.Graph()
    with g.as_default():
        base = tg.constant(str(tmp_path / "part"))
        fname = g.create_op("ShardedFilename", [base, tg.constant(1), tg.constant(3)], {}).outputs[0]
        spec = g.create_op("ShardedFilespec", [base, tg.constant(3)], {}).outputs[0]
        assert fname.shape.rank == 0
        names = tg.constant(["b", "a"])
        save = g.create_op("SaveV2", [fname, names, tg.constant(["", ""]),
                                      [tg.constant([1.5, 2.5]), tg.constant(["s"])]], {})
        restore = g.create_op("RestoreV2", [fname, tg.constant(["a", "b"]), tg.constant(["", ""])],
                              {"dtypes": [tg.string, tg.float32]})
        merge = g.create_op("MergeV2Checkpoints", [tg.stack([fname]), tg.constant(str(tmp_path / "merged"))], {})
        with tg.Session() as sess:
            assert sess.run(fname) == (str(tmp_path / "part") + "-00001-of-00003").encode()
            assert sess.run(spec) == (str(tmp_path / "part") + "-?????-of-00003").encode()
            sess.run(save)
            a, b = sess.run(restore.outputs)
            assert a.tolist() == [b"s"] and b.tolist() == [1.5, 2.5]
            sess.run(merge)
        assert list_variables(str(tmp_path / "merged")) == [("a", [1]), ("b", [2])]
        bad = g.create_op("SaveV2", [base, tg.constant(["x"]), tg.constant(["2 0,1"]), [tg.constant([1.0, 2.0])]], {})
        with tg.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError, match="does not match the shape of the tensor to  save"):
                sess.run(bad)
    assert not os.path.exists(str(tmp_path / "part") + ".index")


def test_large_restores_read_on_two_threads_and_still_catch_corruption(tmp_path):
    from tagraph.serialization.bundle import BundleReader, BundleWriter
    rng = np.random.default_rng(3)
    values = {"a": rng.random((1024, 1024), dtype=np.float32), "b": np.array([b"s", b"tt"], dtype=object),
              "c": rng.random((1024, 1024), dtype=np.float32), "d": rng.random((512, 1024))}
    prefix = str(tmp_path / "big")
    with BundleWriter(prefix) as w:
        for k, v in values.items():
            w.add(k, v)
    with BundleReader(prefix) as r:
        got = r.read_many(["d", "a", "b", "c"])
    for k, v in zip("dabc", got):
        assert v.dtype == values[k].dtype and np.array_equal(v, values[k])
    data = tmp_path / "big.data-00000-of-00001"
    with BundleReader(prefix) as r:
        offset = r.entry("c").offset
    raw = bytearray(data.read_bytes())
    raw[offset + 3 * (1 << 20) + 17] ^= 1            # inside "c", past its first chunks
    data.write_bytes(bytes(raw))
    with BundleReader(prefix) as r:
        with pytest.raises(errors.DataLossError, match="tensor c in .*big.data-00000-of-00001"):
            r.read_many(["a", "b", "c", "d"])
