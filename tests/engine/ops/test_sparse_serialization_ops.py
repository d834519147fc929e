"""serialize_sparse, serialize_many_sparse and deserialize_many_sparse against real TensorFlow (recorded by
tests/data/tf_ops/record_sets_sparse.py): the serialized strings byte for byte, the SparseTensors read back,
and TensorFlow's errors."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"
_spec = importlib.util.spec_from_file_location("tf_ops_record_sets_sparse", DATA / "record_sets_sparse.py")
RECORD = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(RECORD)
RECORDED = json.loads((DATA / "sets_sparse.json").read_text())


@pytest.mark.parametrize("name", RECORD.SERIALIZATION_CASES)
def test_serialization_matches_tensorflow(name):
    RECORD.check(tf, name, RECORDED)


def _recorded_bytes(name):
    out = RECORDED[name][0]
    return np.array([bytes.fromhex(v) for v in out["values"]], dtype=object).reshape(out["shape"])


def test_reads_tensorflows_serialized_strings():
    # SerializeSparse of a string SparseTensor, as TensorFlow wrote it (strings in tensor_content).
    rows = _recorded_bytes("serialize_sparse_strings").reshape(1, 3)
    with tg.Graph().as_default(), tg.Session() as sess:
        value = sess.run(tf.deserialize_many_sparse(rows, tf.string))
    assert value.indices.tolist() == [[0, 0, 1]]
    assert value.values.tolist() == [b"ab"]
    assert value.dense_shape.tolist() == [1, 2, 2]


def test_many_rows_read_back_as_one_sparse_tensor():
    rows = _recorded_bytes("serialize_many_sparse")
    with tg.Graph().as_default(), tg.Session() as sess:
        sp = tf.deserialize_many_sparse(rows, tf.int64, rank=3)
        assert sp.indices.shape.as_list() == [None, 3] and sp.dense_shape.shape.as_list() == [3]
        value = sess.run(sp)
    want = RECORDED["deserialize_many_sparse_rank3"]
    assert value.indices.reshape(-1).tolist() == want[0]["values"]
    assert value.values.tolist() == want[1]["values"]


def test_variant_out_type_round_trips():
    with tg.Graph().as_default(), tg.Session() as sess:
        sp = tg.SparseTensor([[0, 1], [1, 0]], [1.5, 2.5], [2, 3])
        ser = tf.serialize_many_sparse(sp, out_type=tf.variant)
        assert ser.dtype == tg.variant
        value = sess.run(tf.deserialize_many_sparse(tf.serialize_many_sparse(sp), tf.float32))
    assert value.values.tolist() == [1.5, 2.5] and value.dense_shape.tolist() == [2, 3]


def test_ops_and_attrs_are_tensorflows():
    g = tg.Graph()
    with g.as_default():
        sp = tg.SparseTensor([[0, 1]], [1], [2, 2])
        a, b = tf.serialize_sparse(sp), tf.serialize_many_sparse(sp)
        c = tf.deserialize_many_sparse(b, tf.int32)
    assert (a.op.type, a.op.name, a.dtype) == ("SerializeSparse", "SerializeSparse", tg.string)
    assert (b.op.type, b.op.get_attr("out_type")) == ("SerializeManySparse", tg.string)
    assert c.values.op.type == "DeserializeManySparse" and c.values.op.get_attr("dtype") == tg.int32
    assert tf.io.serialize_sparse is tf.serialize_sparse
    assert tf.io.serialize_many_sparse is tf.serialize_many_sparse


def test_bad_inputs():
    with tg.Graph().as_default(), tg.Session() as sess:
        with pytest.raises(TypeError, match="SparseTensor"):
            tf.serialize_sparse(tg.constant([1]))
        garbage = tf.deserialize_many_sparse(tg.constant([[b"\xff\xff", b"", b""]]), tf.int32)
        with pytest.raises(tg.errors.InvalidArgumentError, match="Could not parse serialized sparse tensor"):
            sess.run(garbage.values)
        with pytest.raises(tg.errors.InvalidArgumentError, match="non-zero number of rows"):
            sess.run(tf.deserialize_many_sparse(tg.zeros([0, 3], tg.string), tf.int32).values)
