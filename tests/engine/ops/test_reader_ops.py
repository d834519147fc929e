"""Readers (TFRecordReaderV2, TextLineReaderV2, WholeFileReaderV2, FixedLengthRecordReaderV2,
IdentityReaderV2 and the Reader*V2 ops) against what TensorFlow 2.21 gave for the same files
(tests/data/tf_ops/record_queues.py, queues.json): keys, values, counts, moving from file to file."""
import importlib.util
import json
import pathlib

import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.engine.framework import errors

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"
_SPEC = importlib.util.spec_from_file_location("tf_ops_record_queues", DATA / "record_queues.py")
RECORD = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(RECORD)
RECORDED = json.loads((DATA / "queues.json").read_text())


@pytest.mark.parametrize("name", ["tfrecord_reader", "text_line_reader", "fixed_and_whole_file_readers"])
def test_reader_matches_tensorflow(name, tmp_path):
    assert RECORD.replay(tf, name, str(tmp_path)) == RECORDED[name]


def test_missing_file_is_not_found(tmp_path):
    with tg.Graph().as_default():
        q = tg.FIFOQueue(2, [tg.string], shapes=[[]])
        key, _ = tg.TFRecordReader().read(q)
        with tg.Session() as sess:
            sess.run(q.enqueue(str(tmp_path / "missing.tfrecord")))
            with pytest.raises(errors.NotFoundError):
                sess.run(key)


def test_bad_reader_arguments(tmp_path):
    with tg.Graph().as_default():
        q = tg.FIFOQueue(2, [tg.string], shapes=[[]])
        key, _ = tg.FixedLengthRecordReader(0).read(q)
        keys, _ = tg.IdentityReader().read_up_to(q, 0)
        with tg.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError, match="record_bytes must be > 0"):
                sess.run(key)
            with pytest.raises(errors.InvalidArgumentError, match="num_records must be > 0"):
                sess.run(keys)
