"""Partitioned variables: the partitioners' choices, the parts' names and slices, as TensorFlow makes them
(tests/data/serialization/record_partitioned.py recorded them), the concatenated value, assignment and
gradients reaching every part."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.variables.partitioned_variables import PartitionInfo, SaveSliceInfo
from tagraph.serialization import export_meta_graph, import_meta_graph

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "serialization"
_spec = importlib.util.spec_from_file_location("record_partitioned", DATA / "record_partitioned.py")
rp = importlib.util.module_from_spec(_spec)   # the recorder's cases: the same variables, built with tagraph
_spec.loader.exec_module(rp)
RECORD = json.loads((DATA / "partitioned" / "partitioned.json").read_text())


@pytest.mark.parametrize("case", sorted(rp.PARTITIONERS))
def test_partitioners_choose_tensorflows_partitions_and_parts(case):
    shape, dtype, make = rp.PARTITIONERS[case]
    with tg.Graph().as_default():
        pv = tg.get_variable(case, shape, getattr(tg, dtype), partitioner=make(tg))
        assert isinstance(pv, tg.PartitionedVariable)
        assert pv._get_partitions() == RECORD["partitioners"][case]["partitions"]
        assert [[p.op.name, p._save_slice_info.spec] for p in pv] == RECORD["partitioners"][case]["parts"]
        assert pv.shape.as_list() == shape and pv.dtype == getattr(tg, dtype)
        assert [v.op.name for v in tg.global_variables()] == [p for p, _ in RECORD["partitioners"][case]["parts"]]


def test_parts_concatenate_into_the_full_value_under_its_name():
    with tg.Graph().as_default() as g:
        w = rp.sliced_variables(tg)["w"]
        assert len(w) == 3 and [p.shape.as_list() for p in w] == [[4, 3], [3, 3], [3, 3]]
        full = w.as_tensor()
        assert full.name == "w:0" and full.op.type == "Identity"
        assert full.op.inputs[0].op.name == "w/ConcatPartitions/concat" and full.shape.as_list() == [10, 3]
        x = tg.constant(np.ones((2, 10), np.float32))
        y = tg.matmul(x, w)                      # converts through as_tensor, as TensorFlow's conversion does
        with g.control_dependencies([tg.no_op()]):
            again = w.as_tensor()
        assert again.op.inputs[0].op.control_inputs == []
        with pytest.raises(ValueError, match="Incompatible type conversion requested to type 'float64'"):
            tg.convert_to_tensor(w, dtype=tg.float64)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            np.testing.assert_array_equal(sess.run(full), rp.VALUES["w"])
            np.testing.assert_array_equal(sess.run(y), np.ones((2, 10), np.float32) @ rp.VALUES["w"])
            np.testing.assert_array_equal(sess.run(list(w)[1]), rp.VALUES["w"][4:7])   # iterating gives the parts


def test_one_part_is_an_identity_named_as_the_variable():
    with tg.Graph().as_default():
        pv = tg.get_variable("one", [6], initializer=tg.ones_initializer(), partitioner=tg.fixed_size_partitioner(1))
        t = pv.as_tensor()
        assert t.name == "one:0" and t.op.inputs[0].op.name == "one/ReadVariableOp"


def test_variable_scope_partitioner_applies_to_its_variables_but_not_scalars():
    with tg.Graph().as_default():
        with tg.variable_scope("layer", partitioner=tg.fixed_size_partitioner(2)):
            w = tg.get_variable("w", [4, 3])
            s = tg.get_variable("s", [])
            with tg.variable_scope("inner"):
                u = tg.get_variable("u", [6], initializer=tg.zeros_initializer())
        assert isinstance(w, tg.PartitionedVariable) and w.name == "layer/w"
        assert isinstance(s, tg.Variable) and s.op.name == "layer/s"
        assert [p.op.name for p in u] == ["layer/inner/u/part_0", "layer/inner/u/part_1"]
        assert list(u)[0]._save_slice_info.full_name == "layer/inner/u"


def test_reuse_returns_the_same_partitioned_variable_and_checks_it():
    with tg.Graph().as_default():
        with tg.variable_scope("s", partitioner=tg.fixed_size_partitioner(2)):
            w = tg.get_variable("w", [4, 3])
        with tg.variable_scope("s", reuse=True):
            assert tg.get_variable("w") is w                      # no partitioner needed to reuse
            assert tg.get_variable("w", [4, 3], partitioner=tg.fixed_size_partitioner(2)) is w
            with pytest.raises(ValueError, match="specified partitions \\[3, 1\\] and found partitions \\[2, 1\\]"):
                tg.get_variable("w", [4, 3], partitioner=tg.fixed_size_partitioner(3))
            with pytest.raises(ValueError, match="Trying to reuse partitioned variable s/w, but specified shape"):
                tg.get_variable("w", [5, 3], partitioner=tg.fixed_size_partitioner(2))
            with pytest.raises(ValueError, match="PartitionedVariable s/v does not exist"):
                tg.get_variable("v", [4], partitioner=tg.fixed_size_partitioner(2))
        with tg.variable_scope("s", partitioner=tg.fixed_size_partitioner(2)):
            with pytest.raises(ValueError, match="Partitioned variable with name s/w already exists"):
                tg.get_variable("w", [4, 3])
        with tg.variable_scope("s", reuse=tg.AUTO_REUSE, partitioner=tg.fixed_size_partitioner(2)):
            assert tg.get_variable("w", [4, 3]) is w


def test_partitioned_and_whole_variables_of_one_name_conflict():
    with tg.Graph().as_default():
        tg.get_variable("a", [4])
        with pytest.raises(ValueError, match="unpartitioned version of the variable was found: a"):
            tg.get_variable("a", [4], partitioner=tg.fixed_size_partitioner(2))
        tg.get_variable("b", [4], partitioner=tg.fixed_size_partitioner(2))
        with pytest.raises(ValueError, match="partitioned version of the variable was found: b/part_0"):
            tg.get_variable("b", [4])


@pytest.mark.parametrize("partitioner,message", [
    (lambda shape, dtype: [2, 2], "Can only slice a variable along one dimension"),
    (lambda shape, dtype: [0, 1], "zero partitions"),
    (lambda shape, dtype: [2], "does not match the Variable's rank"),
    (lambda shape, dtype: 2, "must return a sequence"),
    ("not callable", "Partitioner must be callable"),
])
def test_bad_partitioner_results_are_refused(partitioner, message):
    with tg.Graph().as_default():
        with pytest.raises(ValueError, match=message):
            tg.get_variable("w", [4, 3], partitioner=partitioner)


def test_partitioner_arguments_and_shapes_are_checked():
    with pytest.raises(ValueError, match="must be positive"):
        tg.variable_axis_size_partitioner(0)
    with pytest.raises(ValueError, match="max_shards must be positive"):
        tg.variable_axis_size_partitioner(10, max_shards=-1)
    with pytest.raises(ValueError, match="not fully defined"):
        tg.variable_axis_size_partitioner(10)(tg.TensorShape([None, 3]), tg.float32)
    with pytest.raises(ValueError, match="Cannot partition variable along axis 2"):
        tg.min_max_variable_partitioner(2, axis=2)(tg.TensorShape([4, 3]), tg.float32)
    with tg.Graph().as_default():
        with pytest.raises(ValueError, match="must be fully defined"):
            tg.get_variable("w", [None, 3], partitioner=tg.fixed_size_partitioner(2))


def test_initializers_are_called_per_part_with_their_partition_info():
    seen = []

    def init(shape, dtype=None, partition_info=None):
        seen.append((list(shape), partition_info.full_shape, partition_info.var_offset,
                     partition_info.single_offset(shape), partition_info.single_slice_dim(shape)))
        return tg.fill(shape, float(partition_info.single_offset(shape)))

    with tg.Graph().as_default():
        w = tg.get_variable("w", [5, 2], initializer=init, partitioner=tg.fixed_size_partitioner(2))
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            np.testing.assert_array_equal(sess.run(w.as_tensor()), [[0, 0]] * 3 + [[3, 3]] * 2)
    assert seen == [([3, 2], [5, 2], [0, 0], 0, 0), ([2, 2], [5, 2], [3, 0], 3, 0)]
    with pytest.raises(ValueError, match="Expected 0 <= offset < shape"):
        PartitionInfo([5, 2], [5, 0])


def test_a_tensor_initializer_is_sliced_per_part():
    with tg.Graph().as_default() as g:
        value = tg.constant(rp.VALUES["n"])
        n = tg.get_variable("n", initializer=value, partitioner=tg.fixed_size_partitioner(3))
        assert n.dtype == tg.int32 and n.shape.as_list() == [7, 2]
        assert g.get_operation_by_name("n/part_0/PartitionedInitializer/Slice").type == "Slice"
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            np.testing.assert_array_equal(sess.run(n.as_tensor()), rp.VALUES["n"])


def test_assign_splits_the_value_over_the_parts():
    with tg.Graph().as_default():
        v = rp.sliced_variables(tg)["v"]
        new = np.arange(20, dtype=np.float64).reshape(4, 5)
        ops = v.assign(new)
        assert len(ops) == 2
        add = v.assign_add([np.ones((4, 3)), np.ones((4, 2))], read_value=False)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            sess.run(ops)
            sess.run(add)
            np.testing.assert_array_equal(sess.run(v.as_tensor()), new + 1)


@pytest.mark.parametrize("use_resource", [True, False])
def test_gradients_reach_every_part_and_training_updates_them(use_resource):
    xs = np.random.default_rng(0).uniform(-1, 1, (5, 10)).astype(np.float32)
    with tg.Graph().as_default():
        w = rp.sliced_variables(tg, use_resource=use_resource)["w"]
        x = tg.placeholder(tg.float32, [None, 10])
        loss = tg.reduce_sum(tg.matmul(x, w) ** 2) / 2
        grads = tg.gradients(loss, list(w))
        train = tg.train.GradientDescentOptimizer(0.01).minimize(loss)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            full_grad = xs.T @ (xs @ rp.VALUES["w"])
            got = sess.run(grads, {x: xs})
            np.testing.assert_allclose(np.concatenate(got), full_grad, rtol=1e-5)
            sess.run(train, {x: xs})
            np.testing.assert_allclose(sess.run(w.as_tensor()), rp.VALUES["w"] - 0.01 * full_grad, rtol=1e-5)


def test_slice_info_spec_and_its_proto():
    info = SaveSliceInfo("w", [10, 3], [4, 0], [3, 3])
    assert info.spec == "10 3 4,3:0,3"
    back = SaveSliceInfo.from_spec("4 3 5 0,4:1,1:3,2")
    assert (back.full_shape, back.var_offset, back.var_shape) == ([4, 3, 5], [0, 1, 3], [4, 1, 2])
    proto = SaveSliceInfo("outer/w", [10, 3], [4, 0], [3, 3]).to_proto(export_scope="outer")
    assert (proto.full_name, list(proto.var_offset)) == ("w", [4, 0])
    assert SaveSliceInfo(save_slice_info_def=proto, import_scope="imp").full_name == "imp/w"
    with pytest.raises(ValueError, match="is not 'full shape"):
        SaveSliceInfo.from_spec("10 3 0;4")


def test_meta_graph_keeps_the_parts_slices():
    with tg.Graph().as_default():
        rp.sliced_variables(tg)
        mg = export_meta_graph()
    with tg.Graph().as_default():
        import_meta_graph(mg)
        parts = {v.op.name: v for v in tg.global_variables()}
        info = parts["v/part_1"]._get_save_slice_info()
        assert (info.full_name, info.spec) == ("v", "4 5 0,4:3,2")
        assert parts["b"]._get_save_slice_info() is None
