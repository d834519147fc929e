"""Tensor bundle V2 (checkpoints): TensorFlow's files, byte identity, round trips, corruption."""

import hashlib
import json
import os
import pickle
import shutil
import struct
from pathlib import Path

import google_crc32c
import numpy as np
import pytest

from tagraph.protos import tensor_bundle_pb2, types_pb2
from tagraph.engine.framework import errors
from tagraph.serialization.bundle import (
    BundleReader, BundleWriter, data_filename, merge_bundles, meta_filename, sharded_filename,
)
from tagraph.serialization.bundle_dtypes import HAVE_ML_DTYPES
from tagraph.engine.framework.errors import (
    DataLossError, FailedPreconditionError, InternalError, InvalidArgumentError, NotFoundError, UnimplementedError,
)
from tagraph.serialization.table import TableBuilder, encode_varint, mask_crc

DATA = Path(__file__).resolve().parents[1] / "data" / "tf"
EXPECTED = json.loads((DATA / "expected.json").read_text())
SEED = DATA / "seed_checkpoint" / "model.ckpt"
DTYPES_DIR = DATA / "dtypes_checkpoint"
DATA_SUFFIX = ".data-00000-of-00001"


def files_of(prefix):
    return [Path(str(prefix) + ".index"), Path(str(prefix) + DATA_SUFFIX)]


def copy_checkpoint(src_prefix, dst_dir):
    dst = Path(dst_dir) / Path(src_prefix).name
    for f in files_of(src_prefix):
        shutil.copyfile(f, Path(dst_dir) / f.name)
        os.chmod(Path(dst_dir) / f.name, 0o644)
    return dst


def assert_same(actual, expected):
    assert actual.shape == expected.shape
    assert actual.dtype == expected.dtype
    if expected.dtype == object:
        assert actual.tolist() == expected.tolist()
        assert all(type(x) is bytes for x in actual.reshape(-1))
    else:
        assert actual.tobytes() == expected.tobytes()


def expected_value(spec):
    dtype = spec["dtype"]
    if dtype == "string":
        return np.array([bytes.fromhex(h) for h in spec["value"]], dtype=object)
    if dtype == "complex64":
        return (np.array(spec["real"], np.float32) + 1j * np.array(spec["imag"], np.float32)).astype(np.complex64)
    return np.array(spec["value"], dtype=dtype).reshape(spec["shape"])


# -- TensorFlow's files --------------------------------------------------------------------------


def test_seed_checkpoint_values():
    reader = BundleReader(SEED)
    assert reader.keys() == ["v1", "v2"]
    for name, value in EXPECTED["seed_checkpoint"].items():
        assert_same(reader.read(name), np.array(value, np.float32))
        assert reader.dtype_and_shape(name) == (types_pb2.DT_FLOAT, (len(value),))


@pytest.mark.parametrize("step", [2, 3])
def test_dtypes_checkpoint_values(step):
    tensors = EXPECTED["dtypes_checkpoint"]["tensors"]
    with BundleReader(DTYPES_DIR / ("model-%d" % step)) as reader:
        assert sorted(reader.keys(), key=lambda k: k.encode()) == reader.keys()
        assert set(reader.keys()) == set(tensors)
        for name, spec in tensors.items():
            value = reader.read(name)
            if name == "global_step":
                assert_same(value, np.array(step, np.int64))
            elif "sha256_of_little_endian_bytes" in spec:
                assert value.dtype == np.float32 and list(value.shape) == spec["shape"]
                assert hashlib.sha256(value.astype("<f4").tobytes()).hexdigest() == spec["sha256_of_little_endian_bytes"]
                assert value.astype(np.float64).sum() == pytest.approx(spec["sum"], rel=1e-9)
            else:
                assert_same(value, expected_value(spec))
            if "shape" in spec:
                assert list(reader.dtype_and_shape(name)[1]) == spec["shape"]
        assert reader.get_variable_to_shape_map()["empty"] == [0, 3]
        assert reader.get_variable_to_dtype_map()["words"] == types_pb2.DT_STRING


# -- byte identity -------------------------------------------------------------------------------


def test_writer_matches_tensorflow_seed_checkpoint_bytes(tmp_path):
    prefix = tmp_path / "model.ckpt"
    with BundleWriter(prefix) as writer:
        writer.add("v1", np.array([1, 1, 1], np.float32))
        writer.add("v2", np.array([-1] * 5, np.float32))
    for ours, theirs in zip(files_of(prefix), files_of(SEED)):
        assert ours.read_bytes() == theirs.read_bytes(), ours.name
    assert sorted(os.listdir(tmp_path)) == ["model.ckpt.data-00000-of-00001", "model.ckpt.index"]


@pytest.mark.parametrize("step", [2, 3])
def test_rewriting_dtypes_checkpoint_is_byte_identical(tmp_path, step):
    src = DTYPES_DIR / ("model-%d" % step)
    reader = BundleReader(src)
    prefix = tmp_path / src.name
    writer = BundleWriter(prefix)
    for name in reader.keys():  # TensorFlow's Saver added them in sorted order
        writer.add(name, reader.read(name))
    writer.finish()
    for ours, theirs in zip(files_of(prefix), files_of(src)):
        assert ours.read_bytes() == theirs.read_bytes(), ours.name


def test_data_is_written_in_add_order(tmp_path):
    prefix = tmp_path / "ckpt"
    with BundleWriter(prefix) as writer:
        writer.add("b", np.array([2], np.int32))
        writer.add("a", np.array([1], np.int32))
    assert Path(str(prefix) + DATA_SUFFIX).read_bytes() == struct.pack("<ii", 2, 1)
    reader = BundleReader(prefix)
    assert reader.keys() == ["a", "b"]
    assert reader.entry("b").offset == 0 and reader.entry("a").offset == 4


# -- round trips ---------------------------------------------------------------------------------

NUMERIC_DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
                  np.uint8, np.uint16, np.uint32, np.uint64, np.bool_, np.complex64, np.complex128]


def _sample(dtype, shape, rng):
    n = int(np.prod(shape))
    if dtype == np.bool_:
        return (rng.integers(0, 2, n) == 1).reshape(shape)
    if np.issubdtype(dtype, np.complexfloating):
        return (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype).reshape(shape)
    if np.issubdtype(dtype, np.floating):
        return rng.standard_normal(n).astype(dtype).reshape(shape)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True).reshape(shape)


def test_round_trip_every_dtype_scalars_and_empty(tmp_path):
    rng = np.random.default_rng(0)
    tensors = {}
    for dtype in NUMERIC_DTYPES:
        name = np.dtype(dtype).name
        for shape in [(), (0,), (2, 0, 3), (7,), (3, 4, 2)]:
            tensors["%s/%s" % (name, "x".join(map(str, shape)) or "scalar")] = _sample(dtype, shape, rng)
    tensors["special/nan_inf"] = np.array([np.nan, np.inf, -np.inf, -0.0], np.float32)
    tensors["layout/transposed"] = np.arange(12, dtype=np.float64).reshape(3, 4).T
    tensors["layout/strided"] = np.arange(20, dtype=np.int32)[::3]
    tensors["layout/big_endian"] = np.arange(5, dtype=">f4")
    prefix = tmp_path / "all"
    with BundleWriter(prefix) as writer:
        for name, value in tensors.items():
            writer.add(name, value)
    reader = BundleReader(prefix)
    assert reader.keys() == sorted(tensors, key=str.encode)
    for name, value in tensors.items():
        got = reader.read(name)
        expected = value.astype(value.dtype.newbyteorder("="), order="C")
        assert_same(got, expected)


def test_round_trip_strings(tmp_path):
    words = np.array([b"", b"\x00\xff\x80binary", "ünïcode ✓", b"x" * 300, "", "a"], dtype=object)
    tensors = {
        "words": words,
        "matrix": words.reshape(2, 3),
        "scalar": np.array(b"only", dtype=object),
        "empty_scalar": np.array("", dtype=object),
        "none": np.array([], dtype=object),
        "none2d": np.empty((0, 4), dtype=object),
        "fixed_bytes": np.array([b"ab", b"c"]),
        "unicode": np.array(["é", "z"]),
    }
    prefix = tmp_path / "strings"
    with BundleWriter(prefix) as writer:
        for name, value in tensors.items():
            writer.add(name, value)
    reader = BundleReader(prefix)
    for name, value in tensors.items():
        expected = np.array([x.encode() if isinstance(x, str) else bytes(x) for x in value.reshape(-1)] or [],
                            dtype=object).reshape(value.shape)
        assert_same(reader.read(name), expected)
        assert reader.dtype_and_shape(name) == (types_pb2.DT_STRING, value.shape)
    # TensorFlow's layout: varint lengths, masked crc32c of the uint32 lengths, then the bytes
    entry = reader.entry("scalar")
    blob = Path(str(prefix) + DATA_SUFFIX).read_bytes()[entry.offset:entry.offset + entry.size]
    length_crc = google_crc32c.value(struct.pack("<I", 4))
    assert blob == b"\x04" + struct.pack("<I", mask_crc(length_crc)) + b"only"


def test_bfloat16_and_explicit_dtypes(tmp_path):
    bits = np.array([0x3F80, 0xC000, 0x7F80], np.uint16)  # 1.0, -2.0, inf
    prefix = tmp_path / "bf16"
    with BundleWriter(prefix) as writer:
        writer.add("bf16", bits, dtype="bfloat16")
        writer.add("q", np.array([-3, 4], np.int8), dtype="DT_QINT8")
        with pytest.raises(InvalidArgumentError):
            writer.add("bad", np.array([1.0], np.float32), dtype="bfloat16")
        with pytest.raises(InvalidArgumentError):
            writer.add("bad2", bits, dtype="no_such_type")
    reader = BundleReader(prefix)
    assert reader.dtype_and_shape("bf16") == (types_pb2.DT_BFLOAT16, (3,))
    value = reader.read("bf16")
    if HAVE_ML_DTYPES:
        assert value.astype(np.float32).tolist() == [1.0, -2.0, np.inf]
    else:  # raw bits, documented
        assert_same(value, bits)
        assert (value.astype(np.uint32) << 16).view(np.float32).tolist() == [1.0, -2.0, np.inf]
    assert_same(reader.read("q"), np.array([-3, 4], np.int8))
    assert reader.dtype_and_shape("q")[0] == types_pb2.DT_QINT8


def test_two_shards_and_merge(tmp_path):
    temp_dir = tmp_path / "model.ckpt_temp"
    parts = [sharded_filename(temp_dir / "part", i, 2) for i in range(2)]
    values = {"a": np.arange(3, dtype=np.float32), "b": np.array([b"x"], dtype=object),
              "c": np.array(7, np.int64), "d": np.ones((2, 2), np.float64)}
    for part, names in zip(parts, [("a", "c"), ("b", "d")]):
        with BundleWriter(part) as writer:
            for name in names:
                writer.add(name, values[name])
    merged = tmp_path / "model.ckpt"
    merge_bundles(parts, merged)
    assert sorted(os.listdir(tmp_path)) == [
        "model.ckpt.data-00000-of-00002", "model.ckpt.data-00001-of-00002", "model.ckpt.index"]
    reader = BundleReader(merged)
    assert reader.num_shards == 2 and reader.keys() == ["a", "b", "c", "d"]
    assert [reader.entry(k).shard_id for k in "abcd"] == [0, 1, 0, 1]
    for name, value in values.items():
        assert_same(reader.read(name), value)


def test_merge_errors_and_missing_files(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    for p in (one, two):
        with BundleWriter(p) as writer:
            writer.add("same", np.zeros(1, np.float32))
    with pytest.raises(InvalidArgumentError, match="Duplicate tensor"):
        merge_bundles([one, two], tmp_path / "merged")
    with pytest.raises(InvalidArgumentError, match="did not exist"):
        merge_bundles([tmp_path / "nothing"], tmp_path / "merged")
    merge_bundles([tmp_path / "nothing", one], tmp_path / "merged", allow_missing_files=True)
    assert_same(BundleReader(tmp_path / "merged").read("same"), np.zeros(1, np.float32))
    assert not os.path.exists(meta_filename(one))


def test_writer_with_shard_id_is_readable_alone(tmp_path):
    prefix = tmp_path / "sharded"
    with BundleWriter(prefix, shard_id=1, num_shards=2) as writer:
        writer.add("w", np.arange(4, dtype=np.int16))
    assert os.path.exists(data_filename(prefix, 1, 2))
    assert_same(BundleReader(prefix).read("w"), np.arange(4, dtype=np.int16))
    with pytest.raises(InvalidArgumentError):
        BundleWriter(prefix, shard_id=2, num_shards=2)


# -- writer discipline ---------------------------------------------------------------------------


def test_writer_is_atomic_and_cleans_up(tmp_path):
    prefix = tmp_path / "ckpt"
    writer = BundleWriter(prefix)
    writer.add("v", np.zeros(1000, np.float32))
    names = os.listdir(tmp_path)
    assert len(names) == 1 and ".tempstate" in names[0]  # nothing under a final name yet
    writer.finish()
    assert sorted(os.listdir(tmp_path)) == ["ckpt.data-00000-of-00001", "ckpt.index"]
    with pytest.raises(FailedPreconditionError):
        writer.add("w", np.zeros(1))
    with pytest.raises(FailedPreconditionError):
        writer.finish()

    other = tmp_path / "aborted"
    with pytest.raises(RuntimeError):
        with BundleWriter(other) as w:
            w.add("v", np.zeros(3))
            raise RuntimeError("boom")
    assert sorted(os.listdir(tmp_path)) == ["ckpt.data-00000-of-00001", "ckpt.index"]


def test_writer_refuses_bad_input(tmp_path):
    with BundleWriter(tmp_path / "ckpt") as writer:
        writer.add("v", np.zeros(1))
        with pytest.raises(InvalidArgumentError, match="duplicate"):
            writer.add("v", np.zeros(1))
        with pytest.raises(InvalidArgumentError):
            writer.add("", np.zeros(1))
        with pytest.raises(InvalidArgumentError):
            writer.add("dates", np.array(["2020-01-01"], dtype="datetime64[D]"))
        with pytest.raises(InvalidArgumentError):
            writer.add("mixed", np.array([b"a", 3], dtype=object))
    # the failed string tensor poisoned nothing already written; the good tensor is intact
    assert BundleReader(tmp_path / "ckpt").keys() == ["v"]


def test_writer_failure_midway_leaves_no_files(tmp_path):
    writer = BundleWriter(tmp_path / "ckpt")
    writer.add("ok", np.zeros(2))

    writer._out.close()  # simulate an I/O failure on the next write
    with pytest.raises(Exception):
        writer.add("next", np.zeros(2))
    with pytest.raises(FailedPreconditionError):
        writer.finish()
    assert os.listdir(tmp_path) == []


# -- reader errors -------------------------------------------------------------------------------


def test_missing_checkpoint_and_keys(tmp_path):
    with pytest.raises(NotFoundError, match="Failed to find any matching files for .*nope"):
        BundleReader(tmp_path / "nope")
    reader = BundleReader(SEED)
    with pytest.raises(NotFoundError, match="Key v3 not found"):
        reader.read("v3")
    assert reader.contains("v1") and not reader.contains("v3") and "v2" in reader
    ckpt = copy_checkpoint(SEED, tmp_path)
    os.remove(str(ckpt) + DATA_SUFFIX)
    with pytest.raises(NotFoundError, match="data-00000-of-00001"):
        BundleReader(ckpt).read("v1")


def _write_raw_bundle(prefix, entries, data, endianness=0, num_shards=1, version=(1, 0)):
    """An index with hand-made entries over hand-made data bytes (checksums as given)."""
    Path(str(prefix) + DATA_SUFFIX).write_bytes(data)
    header = tensor_bundle_pb2.BundleHeaderProto(num_shards=num_shards, endianness=endianness)
    header.version.producer, header.version.min_consumer = version
    with open(str(prefix) + ".index", "wb") as f:
        builder = TableBuilder(f)
        builder.add(b"", header.SerializeToString())
        for key in sorted(entries):
            builder.add(key.encode(), entries[key].SerializeToString())
        builder.finish()


def _entry(dtype, shape, offset, size, crc):
    entry = tensor_bundle_pb2.BundleEntryProto(dtype=dtype, offset=offset, size=size, crc32c=crc)
    entry.shape.SetInParent()
    for d in shape:
        entry.shape.dim.add(size=d)
    return entry


def test_oversized_entries_are_refused_before_allocation(tmp_path, monkeypatch):
    data = np.zeros(4, np.float32).tobytes()
    entries = {
        "huge": _entry(types_pb2.DT_FLOAT, [2 ** 40], 0, 2 ** 42, 0),
        "huge_strings": _entry(types_pb2.DT_STRING, [2 ** 40], 0, 16, 0),
        "huge_string_bytes": _entry(types_pb2.DT_STRING, [1], 0, 2 ** 50, 0),
        "size_mismatch": _entry(types_pb2.DT_FLOAT, [4], 0, 12, 0),
        "past_end": _entry(types_pb2.DT_FLOAT, [4], 8, 16, 0),
        "bad_shard": tensor_bundle_pb2.BundleEntryProto(dtype=types_pb2.DT_FLOAT, shard_id=3),
        "negative_offset": _entry(types_pb2.DT_FLOAT, [1], -4, 4, 0),
        "bad_dtype": _entry(99, [1], 0, 4, 0),
    }
    _write_raw_bundle(tmp_path / "ckpt", entries, data)
    original_empty, original_bytearray = np.empty, bytearray

    def guarded_empty(shape, *args, **kwargs):
        assert int(np.prod(shape)) < 2 ** 20, "allocated %r before checking the file" % (shape,)
        return original_empty(shape, *args, **kwargs)

    monkeypatch.setattr(np, "empty", guarded_empty)
    reader = BundleReader(tmp_path / "ckpt")
    for name in entries:
        with pytest.raises(DataLossError):
            reader.read(name)


def test_unsupported_and_invalid_shapes(tmp_path):
    entries = {
        "variant": _entry(types_pb2.DT_VARIANT, [1], 0, 0, 0),
        "sliced": _entry(types_pb2.DT_FLOAT, [2], 0, 8, 0),
    }
    entries["sliced"].slices.add()
    _write_raw_bundle(tmp_path / "ckpt", entries, b"\0" * 8)
    reader = BundleReader(tmp_path / "ckpt")
    with pytest.raises(UnimplementedError):
        reader.read("variant")
    with pytest.raises(InternalError, match="Mismatching ranks: shape = \\[2\\], slice = "):   # TensorFlow's
        reader.read("sliced")
    _write_raw_bundle(tmp_path / "neg", {"neg": _entry(types_pb2.DT_FLOAT, [-1], 0, 0, 0)}, b"")
    with pytest.raises(DataLossError, match="Invalid tensor shape"):
        BundleReader(tmp_path / "neg")
    _write_raw_bundle(tmp_path / "future", {}, b"", version=(5, 7))
    with pytest.raises(InvalidArgumentError, match="min consumer"):
        BundleReader(tmp_path / "future")


def test_big_endian_bundle(tmp_path):
    floats = np.array([1.5, -2.0, 3.25], ">f4")
    shorts = np.array([[1, -2], [300, 4]], ">i2")
    c = np.array([1 + 2j], ">c8")
    words = [b"ab", b"", b"xyz"]
    blob = bytearray()
    entries = {}
    for name, arr, dtype in [("f", floats, types_pb2.DT_FLOAT), ("s", shorts, types_pb2.DT_INT16),
                             ("c", c, types_pb2.DT_COMPLEX64)]:
        raw = arr.tobytes()
        entries[name] = _entry(dtype, arr.shape, len(blob), len(raw), mask_crc(google_crc32c.value(raw)))
        blob += raw
    crc = 0
    for w in words:
        crc = google_crc32c.extend(crc, struct.pack(">I", len(w)))
    length_checksum = struct.pack(">I", mask_crc(crc))
    crc = google_crc32c.extend(crc, length_checksum)
    crc = google_crc32c.extend(crc, b"".join(words))
    raw = b"".join(encode_varint(len(w)) for w in words) + length_checksum + b"".join(words)
    entries["w"] = _entry(types_pb2.DT_STRING, [3], len(blob), len(raw), mask_crc(crc))
    blob += raw
    _write_raw_bundle(tmp_path / "be", entries, bytes(blob), endianness=1)
    reader = BundleReader(tmp_path / "be")
    assert_same(reader.read("f"), floats.astype("=f4"))
    assert_same(reader.read("s"), shorts.astype("=i2"))
    assert_same(reader.read("c"), c.astype("=c8"))
    assert_same(reader.read("w"), np.array(words, dtype=object))


# -- corruption and truncation -------------------------------------------------------------------


def _small_checkpoint(tmp_path):
    prefix = tmp_path / "small"
    values = {
        "f": np.array([1.5, -2.0], np.float32),
        "i": np.array(7, np.int64),
        "b": np.array([True, False]),
        "h": np.array([[0.5]], np.float16),
        "e": np.zeros((0, 2), np.float32),
        "s": np.array([b"hi", b"", "ü".encode(), b"\x00" * 3], dtype=object),
        "se": np.array([], dtype=object),
        "long/name/with/slashes": np.arange(5, dtype=np.uint8),
    }
    with BundleWriter(prefix) as writer:
        for name, value in values.items():
            writer.add(name, value)
    return prefix, values


def _read_everything(prefix):
    with BundleReader(prefix) as reader:
        return {name: reader.read(name) for name in reader.keys()}


def _check_all_or_data_loss(prefix, originals, where):
    try:
        reader = BundleReader(prefix)
    except DataLossError:
        return True
    failed = False
    with reader:
        assert set(reader.keys()) <= set(originals), where
        for name in reader.keys():
            try:
                value = reader.read(name)
            except DataLossError as e:
                assert str(prefix) in str(e) or name in str(e), (where, str(e))
                failed = True
                continue
            assert_same(value, originals[name])
        if set(reader.keys()) != set(originals):
            failed = True
    return failed


def _flip_each_byte(path, positions, check):
    with open(path, "r+b") as f:
        for i in positions:
            f.seek(i)
            byte = f.read(1)[0]
            f.seek(i)
            f.write(bytes([byte ^ 0xFF]))
            f.flush()
            try:
                check(i)
            finally:
                f.seek(i)
                f.write(bytes([byte]))
                f.flush()


@pytest.mark.parametrize("which", ["small", "seed", "model-3"])
def test_every_byte_flip_raises_data_loss_or_reads_exactly(tmp_path, which):
    if which == "small":
        prefix, originals = _small_checkpoint(tmp_path)
    else:
        prefix = copy_checkpoint(SEED if which == "seed" else DTYPES_DIR / which, tmp_path)
        originals = _read_everything(prefix)
    index, data = files_of(prefix)
    silent = []

    def check(path):
        def run(i):
            if not _check_all_or_data_loss(prefix, originals, "%s byte %d" % (path.name, i)):
                silent.append((path, i))
        return run

    index_size = index.stat().st_size
    _flip_each_byte(index, range(index_size), check(index))
    size = data.stat().st_size
    if which == "model-3":  # the 256 KiB tensor: sample it; every byte of the rest
        positions = list(range(0, 262144, 4099)) + list(range(262144, size))
    else:
        positions = range(size)
    _flip_each_byte(data, positions, check(data))
    # Only the footer's zero padding (between the block handles and the magic) goes unnoticed,
    # and it changes nothing that is read.
    assert silent, "the footer padding should be the one place a flip is harmless"
    for path, i in silent:
        assert path == index and index_size - 48 < i < index_size - 8, (path, i)


@pytest.mark.parametrize("which", ["small", "seed"])
def test_every_truncation_raises_a_clear_error(tmp_path, which):
    if which == "small":
        prefix, originals = _small_checkpoint(tmp_path)
    else:
        prefix = copy_checkpoint(SEED, tmp_path)
        originals = _read_everything(prefix)
    for path in files_of(prefix):
        full = path.read_bytes()
        for n in range(len(full)):
            path.write_bytes(full[:n])
            with pytest.raises(DataLossError):
                _read_everything(prefix)
            assert _check_all_or_data_loss(prefix, originals, "truncated to %d" % n)
        path.write_bytes(full)
    assert _read_everything(prefix).keys() == originals.keys()


# -- errors --------------------------------------------------------------------------------------


def test_error_classes():
    names = ["CancelledError", "UnknownError", "InvalidArgumentError", "DeadlineExceededError",
             "NotFoundError", "AlreadyExistsError", "PermissionDeniedError", "ResourceExhaustedError",
             "FailedPreconditionError", "AbortedError", "OutOfRangeError", "UnimplementedError",
             "InternalError", "UnavailableError", "DataLossError", "UnauthenticatedError"]
    for code, name in enumerate(names, start=1):
        cls = getattr(errors, name)
        assert issubclass(cls, errors.OpError) and cls.__name__ == name
        err = cls(None, None, "what went wrong")
        assert err.error_code == code and err.message == "what went wrong" and str(err) == "what went wrong"
        assert cls("short form").message == "short form"
        assert errors.exception_type_from_error_code(code) is cls
        assert errors.error_code_from_exception_type(cls) == code
        again = pickle.loads(pickle.dumps(err))
        assert type(again) is cls and again.message == err.message
    generic = errors.OpError(None, None, "m", errors.DATA_LOSS)
    assert generic.error_code == 15
