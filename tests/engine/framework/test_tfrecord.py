"""TFRecord files against the ones TensorFlow writes (tests/data/tfrecord/record_tfrecord.py) and what its
reader says of damaged ones."""
import hashlib
import importlib.util
import json
import pathlib

import zlib

import pytest

from tagraph.engine.framework import errors
from tagraph.engine.framework.tfrecord import (TFRecordCompressionType, TFRecordOptions, TFRecordWriter, crc32c,
                                              encode_record, mask_crc, tf_record_iterator)

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tfrecord"
_spec = importlib.util.spec_from_file_location("record_tfrecord", DATA / "record_tfrecord.py")
recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorder)          # its records() and damages() need numpy only
RECORDED = json.loads((DATA / "tfrecord.json").read_text())
RECORDS = recorder.records()


def _write(path, options=None):
    with TFRecordWriter(path, options) as w:
        for r in RECORDS:
            w.write(r)
    return path.read_bytes()


def test_plain_file_is_tensorflows_byte_for_byte(tmp_path):
    assert hashlib.sha256(_write(tmp_path / "r")).hexdigest() == RECORDED["plain_sha256"]
    assert list(tf_record_iterator(tmp_path / "r")) == RECORDS


@pytest.mark.parametrize("kind, name", [("GZIP", "records.tfrecord.gz"), ("ZLIB", "records.tfrecord.zz"),
                                        (TFRecordCompressionType.GZIP, "records.tfrecord.gz")])
def test_compressed_files_are_tensorflows_byte_for_byte(tmp_path, kind, name):
    assert _write(tmp_path / "r", TFRecordOptions(kind)) == (DATA / name).read_bytes()
    assert list(tf_record_iterator(DATA / name, TFRecordOptions(kind))) == RECORDS
    assert list(tf_record_iterator(DATA / name, kind)) == RECORDS


@pytest.mark.parametrize("damage", sorted(RECORDED["damaged"]))
def test_damaged_files_read_as_tensorflow_reads_them(tmp_path, damage):
    plain = b"".join(map(encode_record, RECORDS))
    path = tmp_path / "damaged"
    path.write_bytes(recorder.damages(plain)[damage])
    want = RECORDED["damaged"][damage]
    got = []
    if want["error"] is None:
        got = [len(r) for r in tf_record_iterator(path)]
    else:
        with pytest.raises(getattr(errors, want["error"][0])) as info:
            for r in tf_record_iterator(path):
                got.append(len(r))
        assert info.value.message == want["error"][1]
    assert got == want["lengths"]


@pytest.mark.parametrize("damage", sorted(RECORDED["damaged_compressed"]))
def test_damaged_compressed_files_read_as_tensorflow_reads_them(tmp_path, damage):
    kind, blob = recorder.compressed_damages(b"".join(map(encode_record, RECORDS)))[damage]
    path = tmp_path / "damaged"
    path.write_bytes(blob)
    want = RECORDED["damaged_compressed"][damage]
    got = []
    if want["error"] is None:
        got = [len(r) for r in tf_record_iterator(path, kind)]
    else:
        with pytest.raises(getattr(errors, want["error"][0])) as info:
            for r in tf_record_iterator(path, kind):
                got.append(len(r))
        assert info.value.message == want["error"][1]
    assert got == want["lengths"]


@pytest.mark.parametrize("length", [2 ** 31, 2 ** 40, 2 ** 64 - 1])
@pytest.mark.parametrize("kind", ["", "GZIP"])
def test_a_forged_length_with_a_good_checksum_is_data_loss_without_allocating_it(tmp_path, length, kind):
    header = length.to_bytes(8, "little")
    blob = encode_record(b"x") + header + mask_crc(crc32c(header)).to_bytes(4, "little") + b"abc"
    if kind:
        z = zlib.compressobj(-1, zlib.DEFLATED, 31)
        blob = z.compress(blob) + z.flush()
    (tmp_path / "f").write_bytes(blob)
    got = []
    with pytest.raises(errors.DataLossError, match="truncated record at 17"):
        for r in tf_record_iterator(tmp_path / "f", kind):
            got.append(r)
    assert got == [b"x"]


def test_bad_inputs(tmp_path):
    with pytest.raises(errors.NotFoundError):
        list(tf_record_iterator(tmp_path / "missing"))
    (tmp_path / "notgzip").write_bytes(b"plain bytes, not a gzip stream")
    with pytest.raises(errors.DataLossError):
        list(tf_record_iterator(tmp_path / "notgzip", "GZIP"))
    with pytest.raises(ValueError, match="Unsupported compression type 'BZ2'"):
        TFRecordOptions("BZ2")
    w = TFRecordWriter(tmp_path / "w")
    w.close()
    with pytest.raises(errors.InvalidArgumentError, match="closed"):
        w.write(b"late")
    with pytest.raises(errors.NotFoundError):
        TFRecordWriter(tmp_path / "no" / "such" / "dir")


def test_compression_type_strings():
    assert TFRecordOptions.get_compression_type_string(None) == ""
    assert TFRecordOptions.get_compression_type_string("GZIP") == "GZIP"
    assert TFRecordOptions.get_compression_type_string(TFRecordOptions(TFRecordCompressionType.ZLIB)) == "ZLIB"
