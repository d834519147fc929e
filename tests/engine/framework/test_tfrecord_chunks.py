"""tf_record_iterator reads a chunk at a time (Numba splits it into records): records that cross chunk
boundaries, records bigger than a chunk, chunks of more records than one split takes, and damage anywhere
give what a plain record-by-record reader gives (its messages are TensorFlow's: test_tfrecord.py)."""
import struct
import zlib

import numpy as np
import pytest

from tagraph.engine.framework import errors, tfrecord
from tagraph.engine.framework.tfrecord import crc32c, encode_record, mask_crc, tf_record_iterator


def reference(blob):
    """Records and error of a plain file read record by record, as TensorFlow's reader does."""
    out, offset = [], 0
    while True:
        header = blob[offset:offset + 12]
        if len(header) < 12:
            return out, None
        length, length_crc = struct.unpack("<QI", header)
        if mask_crc(crc32c(header[:8])) != length_crc:
            return out, "corrupted record at %d%s" % (offset, " (Is this even a TFRecord file?)" if offset == 0 else "")
        if length > len(blob) - offset - 12 - 4:
            return out, "truncated record at %d' failed with Read less bytes than requested" % offset
        data = blob[offset + 12:offset + 12 + length]
        if mask_crc(crc32c(data)) != struct.unpack("<I", blob[offset + 12 + length:offset + 16 + length])[0]:
            return out, "corrupted record at %d" % (offset + 12)
        out.append(data)
        offset += 16 + length


def read(path, kind=""):
    got = []
    try:
        for r in tf_record_iterator(path, kind):
            got.append(r)
    except errors.DataLossError as e:
        return got, e.message
    return got, None


def records(seed, n, big=0):
    rng = np.random.RandomState(seed)
    out = [rng.bytes(int(k)) for k in rng.randint(0, 5000, n)]
    for i in range(big):
        out.insert(rng.randint(len(out) + 1), rng.bytes(int(rng.randint(1, 3) << 20) + 7))
    return out


@pytest.mark.parametrize("kind", ["", "GZIP", "ZLIB"])
def test_records_across_chunks_and_bigger_than_a_chunk(tmp_path, kind):
    want = records(0, 1500, big=2) + [b""] * 3000      # 3000 empty records: more than one split takes
    blob = b"".join(map(encode_record, want))
    if kind:
        z = zlib.compressobj(-1, zlib.DEFLATED, 31 if kind == "GZIP" else 15)
        blob = z.compress(blob) + z.flush()
    (tmp_path / "f").write_bytes(blob)
    assert read(tmp_path / "f", kind) == (want, None)


@pytest.mark.parametrize("seed", range(12))
def test_damage_anywhere_reads_as_record_by_record(tmp_path, seed):
    blob = bytearray(b"".join(map(encode_record, records(seed, 700, big=seed % 2))))
    rng = np.random.RandomState(seed)
    at = int(rng.randint(len(blob)))
    if seed % 3 == 0:
        del blob[at:]                       # cut short
    elif seed % 3 == 1:
        blob[at] ^= 1 << int(rng.randint(8))   # a flipped bit: a header's or a record's checksum fails
    else:
        blob[at:at] = b"\x00" * int(rng.randint(1, 20))
    (tmp_path / "f").write_bytes(bytes(blob))
    assert read(tmp_path / "f") == reference(bytes(blob))


def test_a_record_cut_at_every_place_of_its_header_and_footer(tmp_path):
    want = records(1, 3)
    blob = b"".join(map(encode_record, want))
    last = len(blob) - len(encode_record(want[-1]))
    for cut in list(range(last, last + 20)) + list(range(len(blob) - 5, len(blob) + 1)):
        (tmp_path / "f").write_bytes(blob[:cut])
        assert read(tmp_path / "f") == reference(blob[:cut]), cut


def test_small_chunks_give_the_same_records(tmp_path, monkeypatch):
    # Chunks smaller than the records: every record crosses a boundary.
    monkeypatch.setattr(tfrecord, "_CHUNK", 1000)
    monkeypatch.setattr(tfrecord, "_SPLIT", 3)
    want = records(2, 200)
    blob = b"".join(map(encode_record, want))
    (tmp_path / "f").write_bytes(blob)
    assert read(tmp_path / "f") == (want, None)
    (tmp_path / "g").write_bytes(blob[:-3])
    assert read(tmp_path / "g") == reference(blob[:-3])
