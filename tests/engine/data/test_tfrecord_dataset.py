"""Datasets read from files (TFRecordDataset, TextLineDataset, FixedLengthRecordDataset) against TensorFlow's
recorded steps, plain and compressed, and bad input: truncated and corrupted TFRecord files (DataLossError
naming the file and the offset, then the next file), a missing file (NotFoundError on each request), bad
arguments."""
import logging

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.devices.kernel_registry import has_kernel
from tagraph.engine.framework.tfrecord import TFRecordOptions, TFRecordWriter
from dataset_reference import FILES, RECORD, assert_like_tensorflow, run_case

CASES = [name for name in RECORD.CASES if name.startswith(("tfrecord_", "text_", "fixed_"))]


@pytest.mark.parametrize("name", CASES)
def test_file_dataset_gives_tensorflows_steps(name):
    steps, _ = run_case(name)
    assert_like_tensorflow(name, steps)


def _read(dataset, steps=10):
    x = tg.data.make_one_shot_iterator(dataset).get_next()
    out = []
    with tg.Session() as sess:
        for _ in range(steps):
            try:
                out.append(sess.run(x))
            except tg.errors.OpError as e:
                out.append(e)
    return out


def test_damaged_files_name_the_file_and_the_offset_then_the_next_file_is_read():
    with tg.Graph().as_default():
        got = _read(tg.data.TFRecordDataset([str(FILES / "corrupted.tfrecord"), str(FILES / "truncated.tfrecord"),
                                             str(FILES / "c.tfrecord")]))
    assert got[:2] == [b"b-0", b"b-1"]
    assert isinstance(got[2], tg.errors.DataLossError)
    assert got[2].message.startswith("corrupted record at 50") and "corrupted.tfrecord" in got[2].message
    assert got[3:6] == [b"b-0", b"b-1", b"b-2"]
    assert isinstance(got[6], tg.errors.DataLossError)
    assert got[6].message.startswith("truncated record at 57") and "truncated.tfrecord" in got[6].message
    assert got[7:9] == [b"c-0", b"c-1"] and isinstance(got[9], tg.errors.OutOfRangeError)


def test_tagraphs_own_tfrecord_files_read_back(tmp_path):
    records = [b"", b"x" * 70000, bytes(range(256))]
    paths = []
    for kind in ("", "GZIP", "ZLIB"):
        paths.append(str(tmp_path / ("r" + kind)))
        with TFRecordWriter(paths[-1], TFRecordOptions(kind)) as w:
            for r in records:
                w.write(r)
    with tg.Graph().as_default():
        ds = tg.data.TFRecordDataset(paths[0]).concatenate(tg.data.TFRecordDataset(paths[1], "GZIP")).concatenate(
            tg.data.TFRecordDataset(tg.data.Dataset.from_tensor_slices([paths[2]]), compression_type="ZLIB"))
        got = _read(ds, 10)
    assert got[:9] == records * 3 and isinstance(got[9], tg.errors.OutOfRangeError)


def test_unknown_compression_reads_uncompressed_and_logs(caplog):
    with tg.Graph().as_default(), caplog.at_level(logging.ERROR, logger="tagraph.data"):
        got = _read(tg.data.TFRecordDataset(str(FILES / "c.tfrecord"), compression_type="BOGUS"), 3)
    assert got[:2] == [b"c-0", b"c-1"]
    assert "Unsupported compression_type:BOGUS. No compression will be used." in caplog.text


def test_a_directory_and_bad_arguments_are_errors():
    with tg.Graph().as_default():
        got = _read(tg.data.TFRecordDataset(str(FILES)), 1)
        assert isinstance(got[0], tg.errors.FailedPreconditionError) and "Is a directory" in got[0].message
        got = _read(tg.data.FixedLengthRecordDataset(str(FILES / "fixed.bin"), 0), 1)
        assert isinstance(got[0], tg.errors.InvalidArgumentError) and "record_bytes must be > 0" in got[0].message
    with tg.Graph().as_default(), pytest.raises(TypeError, match="must contain `tf.string` elements"):
        tg.data.TextLineDataset(tg.data.Dataset.range(3))
    with tg.Graph().as_default(), pytest.raises(ValueError, match="num_parallel_reads"):
        tg.data.TFRecordDataset(str(FILES / "c.tfrecord"), num_parallel_reads=0)


def test_text_lines_and_fixed_records_from_a_truncated_compressed_file(tmp_path):
    data = (FILES / "lines.txt.gz").read_bytes()
    (tmp_path / "cut.gz").write_bytes(data[:len(data) // 2])
    with tg.Graph().as_default():
        got = _read(tg.data.TextLineDataset(str(tmp_path / "cut.gz"), "GZIP"), 3)
    assert any(isinstance(g, tg.errors.DataLossError) and "cut.gz" in g.message for g in got)


def test_the_reader_kernels_come_with_the_serialization_layer():
    for op in ("TFRecordDataset", "TFRecordDatasetV2", "TextLineDataset", "FixedLengthRecordDataset",
               "FixedLengthRecordDatasetV2"):
        assert has_kernel(op, "CPU"), op


def test_parsed_examples_batch_as_tensorflow_parses_them():
    with tg.Graph().as_default():
        feats = {"x": tg.FixedLenFeature([3], tg.float32), "label": tg.FixedLenFeature([], tg.int64)}
        ds = tg.data.TFRecordDataset(str(FILES / "examples.tfrecord")).batch(4).map(
            lambda r: tg.parse_example(r, feats))
        got = _read(ds, 4)
    assert [g["label"].tolist() for g in got[:3]] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert got[0]["x"].shape == (4, 3) and got[0]["x"].dtype == np.float32
