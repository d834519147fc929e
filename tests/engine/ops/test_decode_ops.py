"""DecodeCSV, DecodeRaw, DecodePaddedRaw, DecodeCompressed, SerializeTensor and ParseTensor against TensorFlow:
each case of tests/data/tf_ops/record_decode.py gives the values TensorFlow 2.21 gave (decode.json; the
serialized TensorProtos byte for byte), or fails with its error class and message. And ReadFile/WriteFile
round-trip a file."""
import json
import os
import sys

import numpy as np
import pytest

import tagraph.compat.v1 as tf

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "tf_ops")
sys.path.insert(0, DATA)
import record_decode as recorder  # noqa: E402

with open(os.path.join(DATA, "decode.json")) as _f:
    RECORDED = json.load(_f)


@pytest.mark.parametrize("case", sorted(recorder.cases()))
def test_decode_as_tensorflow(case):
    assert recorder.run_case(tf, case) == RECORDED[case]


def test_the_static_shapes():
    with tf.Graph().as_default():
        records = tf.placeholder(tf.string, [None, 3])
        a, b = tf.decode_csv(records, [[0], [""]])
        assert a.shape.as_list() == [None, 3] and a.dtype == tf.int32 and b.dtype == tf.string
        assert tf.decode_raw(records, tf.int16).shape.as_list() == [None, 3, None]
        assert tf.decode_raw(records, tf.int16, fixed_length=8).shape.as_list() == [None, 3, 4]
        assert tf.parse_tensor(tf.constant(b""), tf.float32).shape.rank is None


def test_build_time_refusals():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="select_cols is not strictly increasing"):
            tf.decode_csv(tf.constant(["1,2"]), [[0], [0]], select_cols=[1, 0])
        with pytest.raises(ValueError, match="Length of select_cols and record_defaults do not match"):
            tf.decode_csv(tf.constant(["1,2"]), [[0], [0]], select_cols=[1])
        with pytest.raises(ValueError, match="missing 1 positional argument: 'out_type'"):
            tf.decode_raw(tf.constant([b"ab"]))


def test_corrupt_compressed_data_is_data_loss():
    with tf.Graph().as_default():
        out = tf.io.decode_compressed(tf.constant([b"not zlib"]), "ZLIB")
        with tf.Session() as sess, pytest.raises(tf.errors.DataLossError):
            sess.run(out)


def test_write_then_read_a_file(tmp_path):
    path = str(tmp_path / "made" / "here.bin")
    with tf.Graph().as_default():
        write = tf.write_file(path, tf.constant(b"\x00bytes\xff"))
        read = tf.read_file(path)
        with tf.Session() as sess:
            sess.run(write)
            assert sess.run(read) == b"\x00bytes\xff"
            with pytest.raises(tf.errors.NotFoundError):
                sess.run(tf.read_file(str(tmp_path / "absent")))
    assert np.array_equal(np.fromfile(path, np.uint8)[1:6], np.frombuffer(b"bytes", np.uint8))
