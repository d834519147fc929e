"""The LevelDB-style table behind checkpoint .index files: format, byte identity, corruption."""

import io
import struct
from pathlib import Path

import google_crc32c
import pytest

from tagraph.engine.framework.errors import DataLossError, InvalidArgumentError, NotFoundError
from tagraph.serialization.table import (
    FOOTER_SIZE, TABLE_MAGIC, Table, TableBuilder, build_table, encode_varint,
    find_short_successor, find_shortest_separator, mask_crc, read_table, snappy_decompress,
    unmask_crc,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "tf"
SEED_INDEX = DATA / "seed_checkpoint" / "model.ckpt.index"
DTYPES_INDEX = DATA / "dtypes_checkpoint" / "model-3.index"


# -- helpers that assemble raw tables without the builder's checks ---------------------------------


def raw_block(entries, restarts=None):
    """A block from (shared, non_shared_key_bytes, value) triples, restarts as given."""
    buf = bytearray()
    for shared, key_delta, value in entries:
        buf += encode_varint(shared) + encode_varint(len(key_delta)) + encode_varint(len(value))
        buf += key_delta + value
    restarts = [0] if restarts is None else restarts
    for r in restarts:
        buf += struct.pack("<I", r)
    buf += struct.pack("<I", len(restarts))
    return bytes(buf)


def trailer(contents, type_byte=0):
    crc = google_crc32c.value(contents + bytes([type_byte]))
    return bytes([type_byte]) + struct.pack("<I", mask_crc(crc))


def footer(meta_handle, index_handle):
    handles = b"".join(encode_varint(x) for x in (*meta_handle, *index_handle))
    return handles.ljust(40, b"\0") + struct.pack("<II", TABLE_MAGIC & 0xFFFFFFFF, TABLE_MAGIC >> 32)


def raw_table(data_blocks, index_keys, type_bytes=None, handles=None):
    """Data blocks (raw contents), an empty metaindex, an index keyed by index_keys, a footer.

    ``handles`` overrides the (offset, size) each index entry points at.
    """
    out = bytearray()
    written = []
    for i, contents in enumerate(data_blocks):
        t = 0 if type_bytes is None else type_bytes[i]
        written.append((len(out), len(contents)))
        out += contents + trailer(contents, t)
    handles = written if handles is None else handles
    meta = raw_block([])
    meta_handle = (len(out), len(meta))
    out += meta + trailer(meta)
    # a restart point at every index entry, as TensorFlow writes it
    index_entries = [(0, k, encode_varint(o) + encode_varint(s)) for k, (o, s) in zip(index_keys, handles)]
    offsets, pos = [], 0
    for _, k, v in index_entries:
        offsets.append(pos)
        pos += len(encode_varint(0) + encode_varint(len(k)) + encode_varint(len(v))) + len(k) + len(v)
    index = raw_block(index_entries, offsets or [0])
    index_handle = (len(out), len(index))
    out += index + trailer(index)
    return bytes(out + footer(meta_handle, index_handle))


def snappy_literal_compress(data):
    """A valid (uncompressing) snappy stream: literals of at most 60 bytes."""
    out = bytearray(encode_varint(len(data)))
    for i in range(0, len(data), 60):
        chunk = data[i:i + 60]
        out.append((len(chunk) - 1) << 2)
        out += chunk
    return bytes(out)


def sample_items(n=40):
    return [(b"key/%04d/%s" % (i, b"x" * (i % 7)), b"value-%d" % i * (1 + i % 3)) for i in range(n)]


# -- format ---------------------------------------------------------------------------------------


def test_masked_crc_round_trip_and_known_value():
    assert mask_crc(0) == 0xA282EAD8  # what TF stores for an empty tensor (see model-3.index)
    for crc in (0, 1, 0xFFFFFFFF, 0x12345678, google_crc32c.value(b"abc")):
        assert unmask_crc(mask_crc(crc)) == crc


def test_separators_match_leveldb():
    assert find_shortest_separator(b"abcd", b"abzz") == b"abd"
    assert find_shortest_separator(b"abc", b"abcd") == b"abc"  # prefix: unchanged
    assert find_shortest_separator(b"abc", b"abd") == b"abc"  # no room to increment
    assert find_shortest_separator(b"a\xff", b"b") == b"a\xff"
    assert find_short_successor(b"words") == b"x"
    assert find_short_successor(b"\xff\xffa") == b"\xff\xffb"
    assert find_short_successor(b"\xff\xff") == b"\xff\xff"


@pytest.mark.parametrize("path", [SEED_INDEX, DTYPES_INDEX], ids=["seed", "dtypes"])
def test_rebuilding_tensorflow_index_is_byte_identical(path):
    original = path.read_bytes()
    table = Table.from_bytes(original, str(path))
    assert table.keys()[0] == b""  # the bundle header sits under the empty key
    assert build_table(table.items()) == original


def test_fixture_index_layout():
    data = SEED_INDEX.read_bytes()
    assert data[-8:] == bytes.fromhex("57fb808b247547db")
    table = read_table(SEED_INDEX)
    assert table.keys() == [b"", b"v1", b"v2"]
    assert b"v1" in table and b"v3" not in table and len(table) == 3


def test_round_trip_many_blocks_and_restarts():
    items = sample_items(200)
    for block_size, interval in [(262144, 16), (128, 16), (64, 1), (1, 3)]:
        data = build_table(items, block_size=block_size, block_restart_interval=interval)
        table = Table.from_bytes(data)
        assert table.items() == items
        assert table.get(items[57][0]) == items[57][1]
        assert table.get(b"nope") is None


def test_restart_points_every_16_keys():
    data = build_table(sample_items(40))
    # one data block at offset 0; the metaindex block (first footer handle) follows its trailer
    meta_offset, shift, pos = 0, 0, len(data) - FOOTER_SIZE
    while True:
        meta_offset |= (data[pos] & 0x7F) << shift
        shift += 7
        pos += 1
        if data[pos - 1] < 0x80:
            break
    block = data[:meta_offset - 5]
    num_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    restarts = struct.unpack_from("<%dI" % num_restarts, block, len(block) - 4 - 4 * num_restarts)
    assert num_restarts == 3 and restarts[0] == 0
    for r in restarts:
        assert block[r] == 0  # a restart entry shares nothing with its predecessor


def test_overly_large_entry_gets_its_own_block():
    f = io.BytesIO()
    builder = TableBuilder(f, block_size=64)
    builder.add(b"a", b"1")
    builder.add(b"b", b"x" * 200)  # >= 2 * block_size: flushes the pending block first
    builder.add(b"c", b"3")
    builder.finish()
    table = Table.from_bytes(f.getvalue())
    assert table.items() == [(b"a", b"1"), (b"b", b"x" * 200), (b"c", b"3")]


def test_builder_refuses_unordered_keys():
    builder = TableBuilder(io.BytesIO())
    builder.add(b"b", b"")
    with pytest.raises(InvalidArgumentError):
        builder.add(b"a", b"")
    with pytest.raises(InvalidArgumentError):
        builder.add(b"b", b"")


def test_empty_table():
    assert Table.from_bytes(build_table([])).items() == []


# -- snappy ---------------------------------------------------------------------------------------


def test_snappy_decompress_vectors():
    # literal "abc", then copy-1 of length 9 at offset 3 (overlapping)
    assert snappy_decompress(b"\x0c\x08abc\x15\x03") == b"abcabcabcabc"
    # copy-2: literal "hello", copy length 5 offset 5
    assert snappy_decompress(b"\x0a\x10hello" + bytes([(4 << 2) | 2]) + b"\x05\x00") == b"hellohello"
    long_literal = bytes(range(256)) * 2
    stream = encode_varint(512) + bytes([61 << 2]) + struct.pack("<H", 511) + long_literal
    assert snappy_decompress(stream) == long_literal
    for bad in [b"", b"\x05\x08ab", b"\x04\x15\x03", b"\x0c\x08abc\x15\x09", b"\x02\x08abc",
                b"\xff\xff\xff\xff\xff\xff"]:
        with pytest.raises(ValueError):
            snappy_decompress(bad)


def test_snappy_compressed_blocks_are_read():
    entries = [(0, b"alpha", b"1"), (1, b"pple", b"22"), (0, b"beta", b"333")]
    block = raw_block(entries)
    compressed = snappy_literal_compress(block)
    table = Table.from_bytes(raw_table([compressed], [b"c"], type_bytes=[1]))
    assert table.items() == [(b"alpha", b"1"), (b"apple", b"22"), (b"beta", b"333")]


def test_unknown_compression_type_is_data_loss():
    block = raw_block([(0, b"a", b"1")])
    with pytest.raises(DataLossError, match="compression type 7"):
        Table.from_bytes(raw_table([block], [b"b"], type_bytes=[7]))


# -- inconsistencies under valid checksums ----------------------------------------------------------


@pytest.mark.parametrize("data_blocks, index_keys, message", [
    ([raw_block([(0, b"b", b""), (0, b"a", b"")], [0])], [b"c"], "out of order"),
    ([raw_block([(0, b"a", b""), (5, b"b", b"")], [0])], [b"c"], "shares"),
    ([raw_block([(0, b"a", b""), (1, b"b", b"")], [0, 3])], [b"c"], "restart point"),
    ([raw_block([(0, b"a", b"")], [1])], [b"c"], "restart point"),
    ([raw_block([(0, b"a", b"\x00" * 3)])[:-9] + struct.pack("<II", 0, 1)], [b"c"], "past the end"),
    ([raw_block([(0, b"a", b"")]) + b""], [b"0"], "beyond its index key"),
    ([raw_block([(0, b"a", b"")]), raw_block([(0, b"a", b"")])], [b"a", b"b"], "out of order across"),
    ([raw_block([(0, b"a", b"")]), raw_block([(0, b"a3", b"")])], [b"a5", b"b"], "below the previous"),
    ([raw_block([])], [b"a"], "empty"),
    ([struct.pack("<I", 1000)], [b"a"], "restart points"),
    ([b"\x01"], [b"a"], "too small"),
])
def test_structural_inconsistencies_are_data_loss(data_blocks, index_keys, message):
    with pytest.raises(DataLossError, match=message):
        Table.from_bytes(raw_table(data_blocks, index_keys), "crafted.index")


def test_overlapping_and_out_of_bounds_handles_are_data_loss():
    a = raw_block([(0, b"a", b"1")])
    b = raw_block([(0, b"b", b"2")])
    assert Table.from_bytes(raw_table([a, b], [b"a", b"b"])).items() == [(b"a", b"1"), (b"b", b"2")]
    with pytest.raises(DataLossError, match="past the end"):
        Table.from_bytes(raw_table([a], [b"b"], handles=[(10 ** 6, len(a))]))
    with pytest.raises(DataLossError, match="past the end"):
        Table.from_bytes(raw_table([a], [b"b"], handles=[(0, 2 ** 64 - 1)]))
    # block y (with its trailer) hides inside a value of block x: both check out, but they overlap
    y = raw_block([(0, b"b", b"2")])
    x = raw_block([(0, b"a", y + trailer(y))])
    with pytest.raises(DataLossError, match="overlap"):
        Table.from_bytes(raw_table([x], [b"a", b"b"], handles=[(0, len(x)), (4, len(y))]))


# -- corruption and truncation --------------------------------------------------------------------


def _check_every_flip(data, expected):
    for i in range(len(data)):
        corrupted = bytearray(data)
        corrupted[i] ^= 0xFF
        try:
            items = Table.from_bytes(bytes(corrupted), "t.index").items()
        except DataLossError as e:
            assert "t.index" in str(e)
            continue
        assert items == expected, "flip at byte %d changed the table silently" % i


def test_every_byte_flip_is_detected_or_harmless():
    items = sample_items(30)
    data = build_table(items, block_size=200)  # several data blocks
    _check_every_flip(data, items)
    seed = SEED_INDEX.read_bytes()
    _check_every_flip(seed, Table.from_bytes(seed).items())


def test_every_truncation_is_data_loss():
    data = build_table(sample_items(30), block_size=200)
    for n in range(len(data)):
        with pytest.raises(DataLossError):
            Table.from_bytes(data[:n], "t.index")
    # and trailing garbage makes the footer wrong
    with pytest.raises(DataLossError):
        Table.from_bytes(data + b"\0")


def test_missing_file_is_not_found(tmp_path):
    with pytest.raises(NotFoundError):
        Table.open(tmp_path / "missing.index")
