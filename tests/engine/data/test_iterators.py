"""Iterators as TensorFlow 1 has them (one-shot, initializable with placeholders, from_structure, feedable
string handles) against TensorFlow's recorded steps; TensorFlow's meta graph of a tf.data training program
imports and trains here with its losses; a TensorFlow 1 training program with tf.data runs unchanged."""
import json

import numpy as np
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.serialization import export_meta_graph, import_meta_graph
from dataset_reference import DATA, RECORD, assert_like_tensorflow, run_iterator_case


@pytest.mark.parametrize("name", list(RECORD.ITERATOR_CASES))
def test_iterator_gives_tensorflows_steps(name):
    assert_like_tensorflow(name, run_iterator_case(name))


def test_one_shot_iterator_graph_is_tensorflows():
    with tg.Graph().as_default() as g:
        ds = tg.data.Dataset.range(5).batch(2)
        it = tg.data.make_one_shot_iterator(ds)
        x = it.get_next()
        op = it._iterator_resource.op
        assert op.type == "OneShotIterator" and op.get_attr("output_types") == [tg.int64]
        assert [s.as_list() for s in op.get_attr("output_shapes")] == [[None]]
        factory = {f.signature.name: f for f in g.as_graph_def().library.function}[op.get_attr("dataset_factory").name]
        assert factory.signature.is_stateful and not factory.signature.input_arg
        assert [a.type for a in factory.signature.output_arg] == [tg.variant.as_datatype_enum]
        assert {n.op for n in factory.node_def} >= {"RangeDataset", "BatchDatasetV2"}
        assert x.op.type == "IteratorGetNext" and x.shape.as_list() == [None]
        assert it._iterator_resource in g.get_collection("iterators")
        assert "IteratorToStringHandle" in [o.type for o in g.get_operations()]
        with pytest.raises(ValueError, match="does not have an initializer"):
            it.initializer  # noqa: B018


def test_one_shot_iterator_cannot_capture_placeholders_or_variables():
    with tg.Graph().as_default():
        n = tg.placeholder(tg.int64, [], name="n")
        with pytest.raises(ValueError, match=r"Cannot capture a placeholder \(name:n, type:Placeholder\) by value"):
            tg.data.make_one_shot_iterator(tg.data.Dataset.range(n))
        v = tg.get_variable("v", [], tg.int64, initializer=tg.zeros_initializer())
        with pytest.raises(ValueError, match="Cannot capture a stateful node .* Use `make_initializable_iterator"):
            tg.data.make_one_shot_iterator(tg.data.Dataset.range(v.read_value() if hasattr(v, "read_value") else v))


def test_make_initializer_checks_the_structure():
    with tg.Graph().as_default():
        it = tg.data.Iterator.from_structure(tg.int64, tg.TensorShape([]))
        with pytest.raises(TypeError, match="Expected output types"):
            it.make_initializer(tg.data.Dataset.from_tensor_slices([1.0]))
        with pytest.raises(TypeError, match="Expected output shapes"):
            it.make_initializer(tg.data.Dataset.range(4).batch(2))


def test_make_iterator_kernel_checks_types_and_shapes_as_tensorflow():
    with tg.Graph().as_default() as g:
        ds = tg.data.Dataset.range(3)
        handle = g.create_op("IteratorV2", [], {"output_types": [tg.int32], "output_shapes": [tg.TensorShape([])],
                                                "shared_name": "", "container": ""}).outputs[0]
        init = g.create_op("MakeIterator", [ds._variant_tensor, handle], {})
        handle2 = g.create_op("IteratorV2", [], {"output_types": [tg.int64], "output_shapes": [tg.TensorShape([2])],
                                                 "shared_name": "", "container": ""}).outputs[0]
        init2 = g.create_op("MakeIterator", [ds._variant_tensor, handle2], {})
        with tg.Session() as sess:
            with pytest.raises(tg.errors.InvalidArgumentError,
                               match="Data type mismatch at component 0: expected int32 but got int64."):
                sess.run(init)
            with pytest.raises(tg.errors.InvalidArgumentError,
                               match=r"Incompatible shapes at component 0: expected \[2\] but got \[\]."):
                sess.run(init2)


def test_shared_name_shares_the_iterator_between_ops():
    with tg.Graph().as_default():
        ds = tg.data.Dataset.range(4)
        a = tg.data.make_initializable_iterator(ds, shared_name="shared")
        b = tg.data.Iterator.from_structure(ds.output_types, ds.output_shapes, shared_name="shared")
        xa, xb = a.get_next(), b.get_next()
        with tg.Session() as sess:
            sess.run(a.initializer)
            assert [sess.run(xa), sess.run(xb), sess.run(xa)] == [0, 1, 2]


def test_single_element_of_a_dataset():
    with tg.Graph().as_default():
        one = tg.data.experimental.get_single_element(tg.data.Dataset.from_tensors(({"a": 1}, 2.0)))
        none = tg.data.experimental.get_single_element(tg.data.Dataset.range(0))
        two = tg.data.experimental.get_single_element(tg.data.Dataset.range(2))
        with tg.Session() as sess:
            assert sess.run(one) == ({"a": 1}, 2.0)
            with pytest.raises(tg.errors.InvalidArgumentError, match="Dataset was empty."):
                sess.run(none)
            with pytest.raises(tg.errors.InvalidArgumentError, match="Dataset had more than one element."):
                sess.run(two)


def test_tensorflows_meta_graph_of_a_tf_data_program_trains_with_its_losses(monkeypatch):
    """TensorFlow wrote the graph: OneShotIterator -> _make_dataset (TensorSliceDataset -> FlatMapDataset whose
    function holds TFRecordDataset -> MapDataset(ParseExampleV2) -> BatchDatasetV2 -> RepeatDataset)."""
    expected = json.loads((DATA / "train.json").read_text())
    monkeypatch.chdir(DATA)                  # the graph names its input relative to the folder it was made in
    with tg.Graph().as_default() as g:
        import_meta_graph(str(DATA / "train_program.meta"))
        types = {n.op for f in g.as_graph_def().library.function for n in f.node_def}
        assert {"TFRecordDataset", "ParseExampleV2", "BatchDatasetV2", "RepeatDataset", "FlatMapDataset"} <= types
        with tg.Session() as sess:
            sess.run(expected["init"])
            losses = [float(sess.run([expected["loss"], expected["train"]])[0]) for _ in range(5)]
    np.testing.assert_allclose(losses, expected["losses"], rtol=2e-6)


def test_a_tf1_training_program_with_tf_data_runs_unchanged():
    with tg.Graph().as_default():
        got = RECORD.run_program(DATA / "train_program.py", "import tagraph.compat.v1 as tf")
    want = json.loads((DATA / "program.json").read_text())
    assert got["steps"] == want["steps"] == 6 and got["label_sums"] == want["label_sums"]
    np.testing.assert_allclose(got["losses"], want["losses"], rtol=1e-5)
    np.testing.assert_allclose(got["weights"], want["weights"], rtol=1e-5, atol=1e-6)


def test_compat_namespace_has_tf_data():
    assert tf.data.Dataset is tg.data.Dataset
    assert tf.data.experimental.AUTOTUNE == -1
    assert tf.data.make_one_shot_iterator is tg.data.make_one_shot_iterator


def test_tensorflow_2s_anonymous_iterator_and_seeded_shuffle_ops_run():
    """The ops TensorFlow 2's functions build for ``for x in dataset`` (AnonymousIteratorV3, MakeIterator,
    IteratorGetNext in one run) over a ShuffleDatasetV3 with a seed generator."""
    with tg.Graph().as_default() as g:
        ds = tg.data.Dataset.range(6)
        attrs = {"output_types": [tg.int64], "output_shapes": [tg.TensorShape([])]}
        gen = g.create_op("DummySeedGenerator", [], {}).outputs[0]
        shuffled = g.create_op("ShuffleDatasetV3", [ds._variant_tensor, tg.constant(6, tg.int64),
                                                    tg.constant(1, tg.int64), tg.constant(2, tg.int64), gen],
                               dict(attrs, reshuffle_each_iteration=True)).outputs[0]
        batched = g.create_op("BatchDatasetV2", [shuffled, tg.constant(6, tg.int64), tg.constant(True)],
                              {"output_types": [tg.int64], "output_shapes": [tg.TensorShape([6])]}).outputs[0]
        handle = g.create_op("AnonymousIteratorV3", [], {"output_types": [tg.int64],
                                                         "output_shapes": [tg.TensorShape([6])]}).outputs[0]
        make = g.create_op("MakeIterator", [batched, handle], {})
        with tg.control_dependencies([make]):
            x = g.create_op("IteratorGetNext", [handle], {"output_types": [tg.int64],
                                                          "output_shapes": [tg.TensorShape([6])]}).outputs[0]
        with tg.Session() as sess:
            first, second = sess.run(x), sess.run(x)
    assert sorted(first) == sorted(second) == list(range(6))
    assert first.tolist() == second.tolist()        # each run a fresh iterator over the same seeded dataset


def test_tagraphs_meta_graph_of_a_pipeline_imports_and_runs_in_tagraph(tmp_path):
    with tg.Graph().as_default():
        ds = tg.data.Dataset.from_tensor_slices({"a": [1, 2, 3], "b": ["x", "y", "z"]}).map(
            lambda d: (d["a"] * 10, d["b"])).filter(lambda a, b: a > 10).repeat(2)
        a, b = tg.data.make_one_shot_iterator(ds).get_next()
        tg.identity(a, name="a_out")
        export_meta_graph(str(tmp_path / "m.meta"))
    with tg.Graph().as_default():
        import_meta_graph(str(tmp_path / "m.meta"))
        with tg.Session() as sess:
            got = [int(sess.run("a_out:0")) for _ in range(4)]
            with pytest.raises(tg.errors.OutOfRangeError, match="End of sequence"):
                sess.run("a_out:0")
    assert got == [20, 30, 20, 30]
