"""tf.Example parsing: TensorFlow's own parsing graph and outputs as the reference; fixed, variable-length
and sparse features, defaults, batches, SparseTensor fetch and feed, and each malformed input."""
import base64
import json
import pathlib

import numpy as np
import pytest
from google.protobuf import text_format

import tagraph.engine as tg
from tagraph.engine.ops.parsing_ops import SparseTensor
from tagraph.protos import example_pb2, graph_pb2

DATA = pathlib.Path(__file__).parent / "data"


def example(**features):
    ex = example_pb2.Example()
    for key, values in features.items():
        f = ex.features.feature[key]
        if values and isinstance(values[0], float):
            f.float_list.value.extend(values)
        elif values and isinstance(values[0], int):
            f.int64_list.value.extend(values)
        elif values:
            f.bytes_list.value.extend(v.encode() if isinstance(v, str) else v for v in values)
        else:
            f.float_list.SetInParent()      # present, with an empty list
    return ex.SerializeToString()


def parse(features, serialized, names=None):
    with tg.Graph().as_default():
        s = tg.placeholder(tg.string, [None] if isinstance(serialized, list) else [], name="s")
        out = tg.parse_example(s, features, example_names=names)
        with tg.Session() as sess:
            return sess.run(out, {s: serialized})


# --- TensorFlow's graph and outputs ----------------------------------------------------------------------

def decode(entry):
    if entry["dtype"] == "string":
        return np.array([base64.b64decode(v) for v in entry["value"]], dtype=object).reshape(entry["shape"])
    return np.array(entry["value"], dtype=entry["dtype"]).reshape(entry["shape"])


def test_tensorflows_parsing_graph_runs_and_matches_its_outputs():
    ref = json.loads((DATA / "parse_reference.json").read_text())
    graph_def = text_format.Parse((DATA / "parse_reference.pbtxt").read_text(), graph_pb2.GraphDef())
    types = {n.op for n in graph_def.node}
    assert {"ParseExampleV2", "ParseExample", "SparseReorder", "ConcatV2", "StridedSlice"} <= types
    names = sorted(ref["expected"])
    with tg.Graph().as_default() as g:
        tg.import_graph_def(graph_def, name="")
        with tg.Session() as sess:
            got = sess.run(names, {"serialized:0": [base64.b64decode(s) for s in ref["serialized"]]})
    assert g.get_operation_by_name("SparseMerge/SparseReorder").type == "SparseReorder"
    for name, value in zip(names, got):
        want = decode(ref["expected"][name])
        assert value.shape == want.shape, name
        if want.dtype == object:
            assert list(value.reshape(-1)) == list(want.reshape(-1)), name
        else:
            assert value.dtype == want.dtype, name
            np.testing.assert_array_equal(value, want, err_msg=name)


def test_tagraphs_parsing_graph_gives_tensorflows_outputs():
    ref = json.loads((DATA / "parse_reference.json").read_text())
    out = parse({"x": tg.FixedLenFeature([2], tg.float32),
                 "n": tg.FixedLenFeature([], tg.int64, default_value=42),
                 "s": tg.FixedLenFeature([1], tg.string, default_value=[b"none"]),
                 "tags": tg.VarLenFeature(tg.string),
                 "ids": tg.VarLenFeature(tg.int64),
                 "sp": tg.SparseFeature(index_key="ix", value_key="val", dtype=tg.float32, size=6),
                 "sp2": tg.SparseFeature(index_key=["r", "c"], value_key="rv", dtype=tg.float32, size=[3, 4])},
                [base64.b64decode(s) for s in ref["serialized"]])
    for key, fetch in ref["fetches"].items():
        if key.startswith("v1_"):
            continue
        if isinstance(fetch, dict):
            assert isinstance(out[key], tg.SparseTensorValue), key
            for part in ("indices", "values", "dense_shape"):
                want = decode(ref["expected"][fetch[part]])
                got = getattr(out[key], part)
                if want.dtype == object:
                    assert list(got) == list(want), (key, part)
                else:
                    np.testing.assert_array_equal(got, want, err_msg="%s.%s" % (key, part))
                    assert got.dtype == want.dtype, (key, part)
        else:
            want = decode(ref["expected"][fetch])
            if want.dtype == object:
                assert out[key].tolist() == want.tolist(), key
            else:
                np.testing.assert_array_equal(out[key], want, err_msg=key)


def test_sparse_merge_builds_tensorflows_ops():
    with tg.Graph().as_default() as g:
        s = tg.placeholder(tg.string, [None])
        out = tg.parse_example(s, {"sp": tg.SparseFeature("ix", "val", tg.float32, 10)})
        assert isinstance(out["sp"], SparseTensor) and set(out) == {"sp"}
        types = [op.type for op in g.get_operations() if op.name.startswith("SparseMerge/")]
    assert types.count("SparseReorder") == 1 and "ConcatV2" in types and "ExpandDims" in types
    with tg.Graph().as_default() as g:
        s = tg.placeholder(tg.string, [None])
        tg.parse_example(s, {"sp": tg.SparseFeature("ix", "val", tg.float32, 10, already_sorted=True)})
        assert "SparseReorder" not in {op.type for op in g.get_operations()}


# --- features, defaults, batches -------------------------------------------------------------------------

def test_fixed_len_defaults():
    out = parse({"a": tg.FixedLenFeature([2, 2], tg.float32, default_value=[[-1.0, -2.0], [-3.0, -4.0]]),
                 "b": tg.FixedLenFeature([3], tg.int64, default_value=[1, 2, 3]),
                 "c": tg.FixedLenFeature([], tg.string, default_value="dflt")},
                [example(a=[1.0, 2.0, 3.0, 4.0]), example(b=[7, 8, 9], c=["x"])])
    np.testing.assert_array_equal(out["a"], np.float32([[[1, 2], [3, 4]], [[-1, -2], [-3, -4]]]))
    np.testing.assert_array_equal(out["b"], np.int64([[1, 2, 3], [7, 8, 9]]))
    assert out["c"].tolist() == [b"dflt", b"x"]
    with tg.Graph().as_default():
        # As in TensorFlow, a default is reshaped to the feature's shape: it must have as many values.
        with pytest.raises(ValueError, match="reshape"):
            tg.parse_example(tg.placeholder(tg.string, [None]),
                             {"a": tg.FixedLenFeature([2, 2], tg.float32, default_value=-1.0)})


def test_varlen_and_sparse_with_missing_and_empty_examples():
    out = parse({"v": tg.VarLenFeature(tg.float32), "sp": tg.SparseFeature("i", "w", tg.int64, 5)},
                [example(), example(v=[1.5], i=[4, 0], w=[40, 0]), example(v=[])])
    np.testing.assert_array_equal(out["v"].indices, [[1, 0]])
    np.testing.assert_array_equal(out["v"].dense_shape, [3, 1])
    np.testing.assert_array_equal(out["sp"].indices, [[1, 0], [1, 4]])      # reordered
    np.testing.assert_array_equal(out["sp"].values, [0, 40])
    np.testing.assert_array_equal(out["sp"].dense_shape, [3, 5])


def test_single_example_sparse_feature():
    with tg.Graph().as_default():
        s = tg.placeholder(tg.string, [])
        out = tg.parse_single_example(s, {"sp": tg.SparseFeature("i", "w", tg.float32, 4),
                                          "x": tg.FixedLenFeature([1], tg.int64, default_value=[0])})
        with tg.Session() as sess:
            got = sess.run(out, {s: example(i=[3, 1], w=[3.0, 1.0])})
    np.testing.assert_array_equal(got["sp"].indices, [[1], [3]])
    np.testing.assert_array_equal(got["sp"].values, [1.0, 3.0])
    np.testing.assert_array_equal(got["sp"].dense_shape, [4])
    np.testing.assert_array_equal(got["x"], [0])


def test_a_key_shared_by_varlen_and_sparse_feature():
    out = parse({"i": tg.VarLenFeature(tg.int64), "sp": tg.SparseFeature("i", "w", tg.float32, 9)},
                [example(i=[5], w=[0.5])])
    np.testing.assert_array_equal(out["i"].values, [5])
    np.testing.assert_array_equal(out["sp"].indices, [[0, 5]])


@pytest.mark.parametrize("features, match", [
    ({"i": tg.VarLenFeature(tg.float32), "sp": tg.SparseFeature("i", "w", tg.float32, 9)}, "Conflicting type"),
    ({"i": tg.FixedLenFeature([1], tg.int64), "sp": tg.SparseFeature("i", "w", tg.float32, 9)},
     "must not intersect"),
    ({"sp": tg.SparseFeature(["a", "b"], "w", tg.float32, 9)}, "one size per index key"),
    ({"sp": tg.SparseFeature("", "w", tg.float32, 9)}, "Missing index_key"),
    ({"sp": tg.SparseFeature("i", "w", tg.int32, 9)}, "not supported"),
])
def test_feature_spec_errors(features, match):
    with tg.Graph().as_default():
        with pytest.raises(ValueError, match=match):
            tg.parse_example(tg.placeholder(tg.string, [None]), features)


# --- malformed input -------------------------------------------------------------------------------------

SPEC = {"x": tg.FixedLenFeature([2], tg.float32), "v": tg.VarLenFeature(tg.int64),
        "sp": tg.SparseFeature("i", "w", tg.float32, 4)}
GOOD = example(x=[1.0, 2.0], v=[1], i=[0], w=[1.0])


@pytest.mark.parametrize("bad, match", [
    (b"\xff\xff\xff garbage", r"Could not parse example input at index 1 \(name: second\)"),
    (GOOD[:-3], r"Could not parse example input at index 1 \(name: second\)"),
    (b"\x0a\x05\x0a\x03", r"Could not parse example input at index 1"),
    (example(v=[1]), r"Feature: x \(data type: float\) is required.*example index 1"),
    (example(x=[1, 2]), r"second, Feature: x, example index 1.*Data types don't match.*int64.*float"),
    (example(x=["a", "b"]), r"Feature: x, example index 1.*Data types don't match.*string.*float"),
    (example(x=[1.0]), r"Name: second, Key: x, Index: 1.*Values size: 1 but output shape: \[2\]"),
    (example(x=[1.0, 2.0, 3.0]), r"Key: x, Index: 1.*Values size: 3"),
    (example(x=[1.0, 2.0], v=[1.0]), r"Feature: v, example index 1.*Data types don't match.*float.*int64"),
    (example(x=[1.0, 2.0], i=[1.5], w=[1.0]), r"Feature: i, example index 1.*Data types don't match"),
    (example(x=[1.0, 2.0], i=[0, 1], w=[1.0]),
     r"SparseFeature: sp, example index 1.*Index feature i has 2 values but value feature w has 1"),
], ids=["garbage", "truncated", "bad-length-field", "missing-required", "int64-for-float", "bytes-for-float",
        "too-few-values", "too-many-values", "varlen-wrong-type", "sparse-index-wrong-type",
        "sparse-index-value-counts-differ"])
def test_malformed_input_names_feature_and_example(bad, match):
    with pytest.raises(tg.errors.InvalidArgumentError, match=match):
        parse(SPEC, [GOOD, bad, GOOD], names=["first", "second", "third"])


def test_malformed_single_example_and_unnamed_batch():
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"Name: <unknown>, Key: x, Index: 2"):
        parse(SPEC, [GOOD, GOOD, example(x=[1.0])])
    with pytest.raises(tg.errors.InvalidArgumentError, match="Could not parse example input at index 0"):
        parse({"x": tg.FixedLenFeature([2], tg.float32)}, b"\xff not a proto")


def test_sparse_reorder_mismatch_in_a_tensorflow_graph():
    # Without tagraph's note on the ParseExampleV2 op (a graph TensorFlow wrote), SparseReorder catches it.
    with tg.Graph().as_default():
        ind = tg.placeholder(tg.int64, [None, 2])
        val = tg.placeholder(tg.float32, [None])
        shape = tg.placeholder(tg.int64, [2])
        out = tg.sparse_reorder(SparseTensor(ind, val, shape))
        with tg.Session() as sess:
            with pytest.raises(tg.errors.InvalidArgumentError, match=r"indices \(2\) and values \(1\) do not match"):
                sess.run(out, {ind: [[0, 1], [0, 0]], val: [1.0], shape: [1, 2]})
            got = sess.run(out, {ind: [[1, 0], [0, 2], [0, 1]], val: [3.0, 2.0, 1.0], shape: [2, 3]})
    np.testing.assert_array_equal(got.indices, [[0, 1], [0, 2], [1, 0]])
    np.testing.assert_array_equal(got.values, [1.0, 2.0, 3.0])


# --- SparseTensor as a fetch and as a feed -----------------------------------------------------------------

def test_sparse_placeholder_feed_and_fetch():
    with tg.Graph().as_default():
        sp = tg.sparse_placeholder(tg.float32, shape=[None, 3], name="sp")
        assert sp.indices.op.name == "sp/indices" and sp.dense_shape.shape.as_list() == [2]
        doubled = sp.values * 2.0
        value = tg.SparseTensorValue(np.int64([[0, 1], [1, 2]]), np.float32([1.5, 2.5]), np.int64([2, 3]))
        with tg.Session() as sess:
            got, d = sess.run([sp, doubled], {sp: value})
            assert isinstance(got, tg.SparseTensorValue)
            np.testing.assert_array_equal(got.indices, value.indices)
            np.testing.assert_array_equal(d, [3.0, 5.0])
            # a plain (indices, values, dense_shape) triple feeds it too, beside a dense feed
            scale = tg.placeholder(tg.float32, [])
            np.testing.assert_array_equal(
                sess.run(sp.values * scale, {scale: 3.0, sp: ([[0, 0]], [1.0], [1, 3])}), [3.0])
            call = sess.make_callable([sp.dense_shape, doubled], [sp])
            shape, d2 = call(value)
            np.testing.assert_array_equal(shape, [2, 3])
            np.testing.assert_array_equal(d2, [3.0, 5.0])
            with pytest.raises(TypeError, match="SparseTensorValue"):
                sess.run(doubled, {sp: np.float32([1.0])})
            with pytest.raises(ValueError, match="Cannot feed value of shape"):
                sess.run(doubled, {sp: ([0, 1], [1.0], [1, 3])})        # indices must be [N, 2]


def test_fetch_structures_with_sparse_tensors():
    with tg.Graph().as_default():
        s = tg.placeholder(tg.string, [None])
        parsed = tg.parse_example(s, {"v": tg.VarLenFeature(tg.string)})
        with tg.Session() as sess:
            got = sess.run({"a": [parsed["v"]], "b": parsed["v"].values}, {s: [example(v=["p", "q"])]})
    assert isinstance(got["a"][0], tg.SparseTensorValue)
    assert got["a"][0].values.tolist() == [b"p", b"q"] == got["b"].tolist()
