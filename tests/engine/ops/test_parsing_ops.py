"""ParseExample / ParseExampleV2: dense with defaults, sparse, sequences, and errors naming feature and index."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.protos import example_pb2


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
    return ex.SerializeToString()


def run(features, serialized, example_names=None):
    with tg.Graph().as_default():
        s = tg.placeholder(tg.string, [None] if not isinstance(serialized, bytes) else [], name="s")
        out = tg.parse_example(s, features, example_names=example_names)
        with tg.Session() as sess:
            return sess.run(out, {s: serialized})


def test_dense_with_and_without_default():
    out = run({"x": tg.FixedLenFeature([1], tg.float32),
               "x2": tg.FixedLenFeature([1], tg.float32, default_value=[3.0]),
               "n": tg.FixedLenFeature([2], tg.int64, default_value=[7, 8]),
               "s": tg.FixedLenFeature([], tg.string, default_value="none")},
              [example(x=[1.0], n=[1, 2], s=["a"]), example(x=[2.0], x2=[5.0])])
    np.testing.assert_array_equal(out["x"], np.float32([[1], [2]]))
    np.testing.assert_array_equal(out["x2"], np.float32([[3], [5]]))
    np.testing.assert_array_equal(out["n"], np.int64([[1, 2], [7, 8]]))
    assert out["x"].dtype == np.float32 and out["n"].dtype == np.int64
    assert list(out["s"]) == [b"a", b"none"]


def test_sparse_varlen_feature():
    out = run({"tags": tg.VarLenFeature(tg.string), "ids": tg.VarLenFeature(tg.int64)},
              [example(tags=["a", "b"], ids=[5]), example(), example(tags=["c"], ids=[1, 2, 3])])
    tags, ids = out["tags"], out["ids"]
    np.testing.assert_array_equal(tags.indices, [[0, 0], [0, 1], [2, 0]])
    assert list(tags.values) == [b"a", b"b", b"c"]
    np.testing.assert_array_equal(tags.dense_shape, [3, 2])
    np.testing.assert_array_equal(ids.indices, [[0, 0], [2, 0], [2, 1], [2, 2]])
    np.testing.assert_array_equal(ids.values, [5, 1, 2, 3])
    np.testing.assert_array_equal(ids.dense_shape, [3, 3])


def test_sequence_feature_is_padded():
    out = run({"seq": tg.FixedLenSequenceFeature([2], tg.float32, allow_missing=True, default_value=-1.0)},
              [example(seq=[1.0, 2.0, 3.0, 4.0]), example(seq=[5.0, 6.0]), example()])
    np.testing.assert_array_equal(out["seq"], np.float32([[[1, 2], [3, 4]], [[5, 6], [-1, -1]],
                                                          [[-1, -1], [-1, -1]]]))


def test_single_example():
    with tg.Graph().as_default():
        s = tg.placeholder(tg.string, [], name="s")
        out = tg.parse_single_example(s, {"x": tg.FixedLenFeature([2], tg.float32),
                                          "v": tg.VarLenFeature(tg.int64)})
        assert out["x"].shape.as_list() == [2]
        with tg.Session() as sess:
            got = sess.run(out, {s: example(x=[1.0, 2.0], v=[4, 5])})
    np.testing.assert_array_equal(got["x"], [1, 2])
    np.testing.assert_array_equal(got["v"].indices, [[0], [1]])
    np.testing.assert_array_equal(got["v"].dense_shape, [2])


def test_graph_matches_tensorflow_layout():
    with tg.Graph().as_default() as g:
        s = tg.placeholder(tg.string, [None], name="tf_example")
        out = tg.parse_example(s, {"x": tg.FixedLenFeature([1], tg.float32),
                                   "x2": tg.FixedLenFeature([1], tg.float32, default_value=[3.0])})
        op = g.get_operation_by_name("ParseExample/ParseExampleV2")
        assert op.type == "ParseExampleV2"
        assert op.get_attr("num_sparse") == 0
        assert [d.name for d in op.get_attr("Tdense")] == ["float32", "float32"]
        assert out["x"].shape.as_list() == [None, 1]
        nd = op.node_def
        assert set(nd.attr) >= {"Tdense", "dense_shapes", "num_sparse", "sparse_types", "ragged_value_types",
                                "ragged_split_types"}


def test_missing_required_feature_names_feature_and_index():
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"Feature: x .*required.*example index 1"):
        run({"x": tg.FixedLenFeature([1], tg.float32)}, [example(x=[1.0]), example(y=[1.0])])


def test_wrong_type_names_feature_and_index():
    with pytest.raises(tg.errors.InvalidArgumentError,
                       match=r"Feature: x, example index 0.*Data types don't match.*int64.*float"):
        run({"x": tg.FixedLenFeature([1], tg.float32)}, [example(x=[1])])


def test_wrong_length_names_feature_and_index():
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"Key: x, Index: 2.*Values size: 2"):
        run({"x": tg.FixedLenFeature([1], tg.float32)},
            [example(x=[1.0]), example(x=[1.0]), example(x=[1.0, 2.0])])


def test_malformed_proto_names_index_and_example_name():
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"Could not parse example input at index 1 "
                                                             r"\(name: second\)"):
        run({"x": tg.FixedLenFeature([1], tg.float32)}, [example(x=[1.0]), b"\xff\xff\xff garbage"],
            example_names=["first", "second"])


def test_ragged_and_bad_dtypes_are_refused():
    with tg.Graph().as_default():
        s = tg.placeholder(tg.string, [None])
        with pytest.raises(ValueError, match="not supported"):
            tg.parse_example(s, {"x": tg.FixedLenFeature([1], tg.int32)})
        with pytest.raises(ValueError, match="Unsupported feature spec"):
            tg.parse_example(s, {"x": object()})


def test_ragged_keys_in_a_graph_give_unimplemented():
    with tg.Graph().as_default() as g:
        s = tg.placeholder(tg.string, [None])
        op = g.create_op("ParseExampleV2", [s, tg.constant([], tg.string), tg.constant([], tg.string),
                                            tg.constant([], tg.string), tg.constant(["r"], tg.string), []],
                         {"Tdense": [], "num_sparse": 0, "sparse_types": [], "ragged_value_types": [tg.float32],
                          "ragged_split_types": [tg.int64], "dense_shapes": []})
        with tg.Session() as sess:
            with pytest.raises(tg.errors.UnimplementedError, match="ragged.*r"):
                sess.run(op.outputs, {s: [example()]})


def test_parse_example_v1_kernel():
    # TensorFlow 1 graphs hold ParseExample, with keys as lists of scalar tensors.
    with tg.Graph().as_default() as g:
        s = tg.placeholder(tg.string, [None])
        op = g.create_op("ParseExample",
                         [s, tg.constant([], tg.string), [tg.constant("t")], [tg.constant("x")],
                          [tg.constant([0.5], tg.float32)]],
                         {"Nsparse": 1, "Ndense": 1, "sparse_types": [tg.string], "Tdense": [tg.float32],
                          "dense_shapes": [[1]]})
        with tg.Session() as sess:
            idx, vals, shape, dense = sess.run(op.outputs, {s: [example(t=["a"]), example(x=[2.0])]})
    np.testing.assert_array_equal(idx, [[0, 0]])
    assert list(vals) == [b"a"]
    np.testing.assert_array_equal(shape, [2, 1])
    np.testing.assert_array_equal(dense, np.float32([[0.5], [2.0]]))


def test_empty_batch():
    out = run({"x": tg.FixedLenFeature([1], tg.float32), "v": tg.VarLenFeature(tg.float32)}, [])
    assert out["x"].shape == (0, 1)
    assert out["v"].indices.shape == (0, 2)
    np.testing.assert_array_equal(out["v"].dense_shape, [0, 0])


def test_parsed_scalar_strings_are_bytes_as_tensorflow_returns_them():
    from tagraph.protos import example_pb2
    ex = example_pb2.Example()
    ex.features.feature["label"].bytes_list.value.append(b"cat")
    s = ex.SerializeToString()
    with tg.Graph().as_default():
        batch = tg.parse_example(tg.constant([s, b""]), {"label": tg.FixedLenFeature([], tg.string, default_value="dog")})
        one = tg.parse_single_example(tg.constant(s), {"label": tg.FixedLenFeature([], tg.string)})
        with tg.Session() as sess:
            got_batch, got_one = sess.run([batch["label"], one["label"]])
    assert got_batch.dtype == object and [type(v) for v in got_batch] == [bytes, bytes]
    assert list(got_batch) == [b"cat", b"dog"] and got_one == b"cat"
