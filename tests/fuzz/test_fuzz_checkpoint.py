"""Checkpoint files: the ``.index`` table, the ``.data`` shards, and both together through BundleReader
and ``load_checkpoint``. Seeds are checkpoints real TensorFlow wrote (tests/data/tf) and one tagraph
wrote; a read that succeeds after a mutation must give the original values (every byte is checksummed)."""
import os
import pathlib
import shutil

import numpy as np
import pytest
from hypothesis import given, strategies as st

from tagraph.engine.framework import errors
from tagraph.protos import tensor_bundle_pb2
from tagraph.serialization import bundle, table
from tagraph.serialization.checkpoint_utils import load_checkpoint

from fuzz_harness import work_dir, check, fuzz_settings, mutate, mutations

TF_DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "tf"
_WORK = work_dir("tagraph-fuzz-ckpt-")


def _tagraph_seed():
    prefix = os.path.join(_WORK, "seed", "model.ckpt")
    with bundle.BundleWriter(prefix) as w:
        w.add("a", np.arange(6, dtype=np.float32).reshape(2, 3))
        w.add("b/strings", np.array([b"", b"x", b"\xff" * 40], dtype=object))
        w.add("c", np.int64(7))
        w.add("d", np.zeros((0, 3), np.float64))
    return prefix


def _seeds():
    out = []
    for prefix in (TF_DATA / "seed_checkpoint" / "model.ckpt", TF_DATA / "dtypes_checkpoint" / "model-3",
                   _tagraph_seed()):
        prefix = str(prefix)
        with bundle.BundleReader(prefix) as r:
            values = {k: r.read(k) for k in r.keys()}
        index = pathlib.Path(prefix + ".index").read_bytes()
        data = pathlib.Path(bundle.data_filename(prefix, 0, 1)).read_bytes()
        out.append((index, data, values))
    return out


SEEDS = _seeds()


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype == object:
        return all(x == y for x, y in zip(a.reshape(-1), b.reshape(-1)))
    return a.tobytes() == b.tobytes()


def _write(name, index, data, num_shards=1):
    prefix = os.path.join(_WORK, "case", name)
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    for f in os.listdir(os.path.dirname(prefix)):
        os.remove(os.path.join(os.path.dirname(prefix), f))
    with open(prefix + ".index", "wb") as f:
        f.write(index)
    if data is not None:
        with open(bundle.data_filename(prefix, 0, num_shards), "wb") as f:
            f.write(data)
    return prefix


def _read_all(prefix):
    with bundle.BundleReader(prefix) as r:
        return {k: r.read(k) for k in r.keys()}


def _read_all_through_load_checkpoint(prefix):
    reader = load_checkpoint(prefix)
    return {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()}


# --- the .index table alone --------------------------------------------------------------------------

@fuzz_settings(250)
@given(st.sampled_from(range(len(SEEDS))), mutations(st))
def test_index_table_mutated(seed, ops):
    seed = SEEDS[seed]
    data = mutate(seed[0], ops)
    out = check("checkpoint .index table", table.Table.from_bytes, data, input_size=len(data),
                allowed=(errors.DataLossError,))
    if isinstance(out, table.Table) and data == seed[0]:
        assert out.items() == table.Table.from_bytes(seed[0]).items()


@st.composite
def _tables(draw):
    keys = sorted(set(draw(st.lists(st.binary(max_size=12), max_size=40))))
    items = [(k, draw(st.binary(max_size=40))) for k in keys]
    return table.build_table(items, block_size=draw(st.sampled_from([16, 64, 4096])),
                             block_restart_interval=draw(st.integers(1, 16))), items


@fuzz_settings(150)
@given(_tables(), mutations(st, max_ops=2))
def test_generated_table_mutated(built, ops):
    raw, items = built
    assert table.Table.from_bytes(raw).items() == items      # what it wrote, it reads
    data = mutate(raw, ops)
    out = check("checkpoint .index table", table.Table.from_bytes, data, input_size=len(data),
                allowed=(errors.DataLossError,))
    if isinstance(out, table.Table):
        # Success on changed bytes is possible only where the change missed every checked byte (padding
        # of the footer, or bytes no handle points at); then the entries must be the ones written.
        assert out.items() == items


# --- index and data together ---------------------------------------------------------------------------

@fuzz_settings(200)
@given(st.sampled_from(range(len(SEEDS))), st.booleans(), mutations(st))
def test_bundle_mutated(seed, in_index, ops):
    index, data, values = SEEDS[seed]
    if in_index:
        index = mutate(index, ops)
    else:
        data = mutate(data, ops)
    prefix = _write("m", index, data)
    out = check("checkpoint bundle (.index + .data)", _read_all, prefix, input_size=len(index) + len(data))
    if isinstance(out, dict):
        assert sorted(out) == sorted(values)
        for k in out:
            assert _same(out[k], values[k]), k


@fuzz_settings(60)
@given(st.sampled_from(range(len(SEEDS))), st.booleans(), mutations(st))
def test_load_checkpoint_mutated(seed, in_index, ops):
    index, data, values = SEEDS[seed]
    if in_index:
        index = mutate(index, ops)
    else:
        data = mutate(data, ops)
    prefix = _write("l", index, data)
    out = check("checkpoint bundle (.index + .data)", _read_all_through_load_checkpoint, prefix,
                input_size=len(index) + len(data))
    if isinstance(out, dict):
        for k in out:
            assert _same(out[k], values[k]), k


_HUGE = st.sampled_from([2**31, 2**32 + 1, 10**12, 2**62, 2**63 - 1, 2**64 - 1])


@st.composite
def _hostile_entries(draw):
    e = tensor_bundle_pb2.BundleEntryProto()
    e.dtype = draw(st.sampled_from([0, 1, 2, 3, 7, 9, 10, 14, 19, 20, 21, 24, 101, 300]))
    e.shard_id = draw(st.one_of(st.integers(-1, 2), _HUGE.map(lambda x: x % 2**31)))
    e.offset = draw(st.one_of(st.integers(0, 64), _HUGE.map(lambda x: x % 2**63)))
    e.size = draw(st.one_of(st.integers(0, 64), _HUGE.map(lambda x: x % 2**63)))
    e.crc32c = draw(st.integers(0, 2**32 - 1))
    if draw(st.booleans()):
        e.shape.unknown_rank = True
    for d in draw(st.lists(st.one_of(st.integers(-1, 5), _HUGE.map(lambda x: x % 2**63)),
                           max_size=draw(st.sampled_from([3, 3, 300])))):
        e.shape.dim.add(size=d)
    if draw(st.integers(0, 9)) == 0:
        s = e.slices.add()
        s.extent.add(start=0, length=1)
    return e


@st.composite
def _hostile_bundles(draw):
    header = tensor_bundle_pb2.BundleHeaderProto(
        num_shards=draw(st.sampled_from([0, 1, 1, 1, 2, 2**31 - 1])),
        endianness=draw(st.sampled_from([0, 0, 1, 2])))
    header.version.producer = draw(st.integers(-1, 2))
    header.version.min_consumer = draw(st.integers(0, 2))
    if draw(st.integers(0, 9)) == 0:
        header.version.bad_consumers.append(1)
    names = sorted(set(draw(st.lists(st.binary(min_size=1, max_size=6), min_size=1, max_size=4))))
    items = [(b"", header.SerializeToString() if draw(st.integers(0, 19)) else draw(st.binary(max_size=8)))]
    items += [(n, draw(_hostile_entries()).SerializeToString()) for n in names]
    return table.build_table(items), draw(st.binary(max_size=128)), header.num_shards


@fuzz_settings(150)
@given(_hostile_bundles())
def test_bundle_hostile_entries(built):
    index, data, num_shards = built
    prefix = _write("h", index, data, num_shards if 1 <= num_shards <= 2 else 1)
    check("checkpoint bundle (.index + .data)", _read_all, prefix, input_size=len(index) + len(data))


# --- regressions ------------------------------------------------------------------------------------------

def test_missing_data_file_is_not_found():
    index, _, _ = SEEDS[0]
    prefix = _write("nodata", index, None)
    with pytest.raises(errors.NotFoundError):
        _read_all(prefix)


def teardown_module(module):
    shutil.rmtree(_WORK, ignore_errors=True)
