"""The LevelDB-style sorted string table behind TensorFlow's checkpoint ``.index`` files.

Byte for byte what ``tensorflow/core/lib/io/table_builder.cc`` writes (with the options
``tensor_bundle.cc`` sets: 256 KiB blocks, a restart point every 16 keys, a restart point at every
key of the index block, no compression):

* a file is a sequence of blocks, then a 48-byte footer;
* a block holds entries ``varint32 shared | varint32 non_shared | varint32 value_size |
  key[shared:] | value``, then ``uint32 restart_offsets[n] | uint32 n`` (little-endian); a
  restart entry stores its whole key (``shared == 0``);
* every block is followed by a 5-byte trailer: the compression type (0: none, 1: snappy) and the
  masked CRC32C of the block contents plus that type byte;
* the data blocks come first, then the (empty) metaindex block, then the index block, which maps a
  separator key (>= every key of a data block, < every key of the next) to that block's handle
  (``varint64 offset | varint64 size``);
* the footer holds the metaindex and index handles, zero-padded to 40 bytes, then the magic number
  ``0xdb4775248b80fb57`` as two little-endian 32-bit halves.

The reader reads the whole file (index files are small), checks every block's checksum, every
offset and length against the bytes actually present, and the key order, and raises
:class:`DataLossError` naming the file on any inconsistency; it never allocates more than the
file's own size implies. Snappy-compressed blocks (written by TensorFlow 1.1) are decoded too.

Example::

    >>> import io
    >>> f = io.BytesIO()
    >>> builder = TableBuilder(f)
    >>> builder.add(b"a", b"1"); builder.add(b"b", b"2"); _ = builder.finish()
    >>> Table.from_bytes(f.getvalue()).items()
    [(b'a', b'1'), (b'b', b'2')]
"""

import bisect
import os
import struct

import google_crc32c

from tagraph.engine.framework.errors import DataLossError, InvalidArgumentError, from_os_error
from tagraph.engine.framework.tfrecord import crc32c, mask_crc, unmask_crc  # noqa: F401  (TensorFlow's masked CRC)

__all__ = [
    "TableBuilder", "Table", "build_table", "read_table", "mask_crc", "unmask_crc", "crc32c",
    "encode_varint", "find_shortest_separator", "find_short_successor", "snappy_decompress",
    "TABLE_MAGIC", "FOOTER_SIZE", "BLOCK_TRAILER_SIZE", "DEFAULT_BLOCK_SIZE",
    "DEFAULT_BLOCK_RESTART_INTERVAL", "NO_COMPRESSION", "SNAPPY_COMPRESSION",
]

TABLE_MAGIC = 0xDB4775248B80FB57
BLOCK_TRAILER_SIZE = 5
MAX_ENCODED_BLOCK_HANDLE = 20  # two varint64s
FOOTER_SIZE = 2 * MAX_ENCODED_BLOCK_HANDLE + 8
DEFAULT_BLOCK_SIZE = 262144  # table_options.h
DEFAULT_BLOCK_RESTART_INTERVAL = 16
NO_COMPRESSION = 0
SNAPPY_COMPRESSION = 1

_U32 = struct.Struct("<I")


def encode_varint(value):
    """LevelDB/protobuf base-128 varint of a non-negative integer."""
    if value < 0:
        raise ValueError("varint of a negative number")
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def find_shortest_separator(start, limit):
    """A short key k with start <= k < limit (TensorFlow's table_builder.cc)."""
    min_length = min(len(start), len(limit))
    diff = 0
    while diff < min_length and start[diff] == limit[diff]:
        diff += 1
    if diff >= min_length:
        return start  # one is a prefix of the other: do not shorten
    diff_byte = start[diff]
    if diff_byte < 0xFF and diff_byte + 1 < limit[diff]:
        return start[:diff] + bytes([diff_byte + 1])
    return start


def find_short_successor(key):
    """A short key k >= key (TensorFlow's table_builder.cc)."""
    for i, byte in enumerate(key):
        if byte != 0xFF:
            return key[:i] + bytes([byte + 1])
    return key  # a run of 0xff: leave it alone


class _BlockBuilder:
    """block_builder.cc: prefix-compressed entries plus the restart array."""

    def __init__(self, restart_interval):
        if restart_interval < 1:
            raise ValueError("block_restart_interval must be >= 1")
        self._interval = restart_interval
        self.reset()

    def reset(self):
        self._buffer = bytearray()
        self._restarts = [0]
        self._counter = 0
        self._last_key = b""

    def empty(self):
        return not self._buffer

    def current_size_estimate(self):
        return len(self._buffer) + 4 * len(self._restarts) + 4

    def add(self, key, value):
        shared = 0
        if self._counter < self._interval:
            last = self._last_key
            limit = min(len(last), len(key))
            while shared < limit and last[shared] == key[shared]:
                shared += 1
        else:
            self._restarts.append(len(self._buffer))
            self._counter = 0
        buf = self._buffer
        buf += encode_varint(shared)
        buf += encode_varint(len(key) - shared)
        buf += encode_varint(len(value))
        buf += key[shared:]
        buf += value
        self._last_key = key
        self._counter += 1

    def finish(self):
        buf = self._buffer
        for restart in self._restarts:
            buf += _U32.pack(restart)
        buf += _U32.pack(len(self._restarts))
        return bytes(buf)


def _encode_handle(offset, size):
    return encode_varint(offset) + encode_varint(size)


class TableBuilder:
    """Writes a table to a binary file object, block by block (table_builder.cc).

    Keys are bytes and must be added in strictly increasing bytewise order. ``finish()`` writes
    the metaindex and index blocks and the footer and returns the table's size in bytes; the caller
    owns (and closes) the file.
    """

    def __init__(self, file, block_size=DEFAULT_BLOCK_SIZE,
                 block_restart_interval=DEFAULT_BLOCK_RESTART_INTERVAL):
        self._file = file
        self._block_size = int(block_size)
        self._restart_interval = int(block_restart_interval)
        self._offset = 0
        self._data_block = _BlockBuilder(self._restart_interval)
        self._index_block = _BlockBuilder(1)
        self._last_key = b""
        self._num_entries = 0
        self._closed = False
        self._pending_index_entry = False
        self._pending_handle = (0, 0)

    @property
    def num_entries(self):
        return self._num_entries

    @property
    def file_size(self):
        return self._offset

    def add(self, key, value):
        if self._closed:
            raise InvalidArgumentError(None, None, "TableBuilder.add() after finish()")
        key = bytes(key)
        value = bytes(value)
        if self._num_entries > 0:
            if key <= self._last_key:
                raise InvalidArgumentError(
                    None, None, "table keys must be added in strictly increasing order: %r after %r"
                    % (key, self._last_key))
            # An entry much larger than a block gets a block of its own.
            if len(key) + len(value) >= 2 * self._block_size:
                self._flush()
        if self._pending_index_entry:
            self._last_key = find_shortest_separator(self._last_key, key)
            self._index_block.add(self._last_key, _encode_handle(*self._pending_handle))
            self._pending_index_entry = False
        self._last_key = key
        self._num_entries += 1
        self._data_block.add(key, value)
        if self._data_block.current_size_estimate() >= self._block_size:
            self._flush()

    def _flush(self):
        if self._data_block.empty():
            return
        self._pending_handle = self._write_block(self._data_block)
        self._pending_index_entry = True
        flush = getattr(self._file, "flush", None)
        if flush is not None:
            flush()

    def _write_block(self, block):
        contents = block.finish()
        block.reset()
        handle = (self._offset, len(contents))
        type_byte = bytes([NO_COMPRESSION])
        crc = google_crc32c.extend(google_crc32c.value(contents), type_byte)
        self._file.write(contents)
        self._file.write(type_byte + _U32.pack(mask_crc(crc)))
        self._offset += len(contents) + BLOCK_TRAILER_SIZE
        return handle

    def finish(self):
        if self._closed:
            raise InvalidArgumentError(None, None, "TableBuilder.finish() called twice")
        self._flush()
        self._closed = True
        metaindex_handle = self._write_block(_BlockBuilder(self._restart_interval))
        if self._pending_index_entry:
            self._last_key = find_short_successor(self._last_key)
            self._index_block.add(self._last_key, _encode_handle(*self._pending_handle))
            self._pending_index_entry = False
        index_handle = self._write_block(self._index_block)
        footer = _encode_handle(*metaindex_handle) + _encode_handle(*index_handle)
        footer = footer.ljust(2 * MAX_ENCODED_BLOCK_HANDLE, b"\0")
        footer += _U32.pack(TABLE_MAGIC & 0xFFFFFFFF) + _U32.pack(TABLE_MAGIC >> 32)
        self._file.write(footer)
        self._offset += len(footer)
        return self._offset


def build_table(items, block_size=DEFAULT_BLOCK_SIZE,
                block_restart_interval=DEFAULT_BLOCK_RESTART_INTERVAL):
    """The bytes of a table holding ``items`` ((key, value) pairs in increasing key order)."""
    import io

    out = io.BytesIO()
    builder = TableBuilder(out, block_size, block_restart_interval)
    for key, value in items:
        builder.add(key, value)
    builder.finish()
    return out.getvalue()


# ------------------------------------------------------------------------------------------ reading


class _Corrupt(Exception):
    """Internal: a detail of a corruption; turned into a DataLossError naming the file."""


def _get_varint(data, pos, limit, max_bytes, max_value):
    result = 0
    shift = 0
    for _ in range(max_bytes):
        if pos >= limit:
            raise _Corrupt("varint runs past the end of its block")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            if result > max_value:
                raise _Corrupt("varint out of range")
            return result, pos
        shift += 7
    raise _Corrupt("varint longer than %d bytes" % max_bytes)


def _varint32(data, pos, limit):
    return _get_varint(data, pos, limit, 5, 0xFFFFFFFF)


def _varint64(data, pos, limit):
    return _get_varint(data, pos, limit, 10, 0xFFFFFFFFFFFFFFFF)


def snappy_decompress(data):
    """Decodes a raw snappy block; raises ValueError on malformed input.

    Output grows as it is produced (the declared length is only checked, never pre-allocated),
    so memory stays bounded by what the input can expand to.
    """
    data = bytes(data)
    end = len(data)
    try:
        expected, pos = _varint32(data, 0, end)
    except _Corrupt as e:
        raise ValueError("snappy: bad length header (%s)" % e) from None
    out = bytearray()
    while pos < end:
        tag = data[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:
            length = tag >> 2
            if length >= 60:
                nbytes = length - 59
                if pos + nbytes > end:
                    raise ValueError("snappy: truncated literal length")
                length = int.from_bytes(data[pos:pos + nbytes], "little")
                pos += nbytes
            length += 1
            if pos + length > end:
                raise ValueError("snappy: literal runs past the input")
            if len(out) + length > expected:
                raise ValueError("snappy: output longer than declared")
            out += data[pos:pos + length]
            pos += length
            continue
        if kind == 1:
            if pos + 1 > end:
                raise ValueError("snappy: truncated copy")
            length = 4 + ((tag >> 2) & 7)
            offset = ((tag >> 5) << 8) | data[pos]
            pos += 1
        elif kind == 2:
            if pos + 2 > end:
                raise ValueError("snappy: truncated copy")
            length = (tag >> 2) + 1
            offset = int.from_bytes(data[pos:pos + 2], "little")
            pos += 2
        else:
            if pos + 4 > end:
                raise ValueError("snappy: truncated copy")
            length = (tag >> 2) + 1
            offset = int.from_bytes(data[pos:pos + 4], "little")
            pos += 4
        if offset == 0 or offset > len(out):
            raise ValueError("snappy: copy offset out of range")
        if len(out) + length > expected:
            raise ValueError("snappy: output longer than declared")
        start = len(out) - offset
        if offset >= length:
            out += out[start:start + length]
        else:  # overlapping copy repeats the last `offset` bytes
            pattern = bytes(out[start:])
            out += (pattern * (length // offset + 1))[:length]
    if len(out) != expected:
        raise ValueError("snappy: output shorter than declared")
    return bytes(out)


def _parse_block(contents):
    """The (key, value) entries of a block, with every length and restart point checked."""
    size = len(contents)
    if size < 4:
        raise _Corrupt("block of %d bytes is too small for its restart count" % size)
    num_restarts = _U32.unpack_from(contents, size - 4)[0]
    if num_restarts > (size - 4) // 4:
        raise _Corrupt("block claims %d restart points, more than its %d bytes hold" % (num_restarts, size))
    limit = size - 4 * (1 + num_restarts)
    restarts = [_U32.unpack_from(contents, limit + 4 * i)[0] for i in range(num_restarts)]
    entries = []
    starts = {}  # entry offset -> shared
    pos = 0
    key = b""
    while pos < limit:
        entry_start = pos
        shared, pos = _varint32(contents, pos, limit)
        non_shared, pos = _varint32(contents, pos, limit)
        value_len, pos = _varint32(contents, pos, limit)
        if shared > len(key):
            raise _Corrupt("entry shares %d bytes with a %d-byte previous key" % (shared, len(key)))
        if pos + non_shared + value_len > limit:
            raise _Corrupt("entry runs past the end of its block")
        new_key = key[:shared] + contents[pos:pos + non_shared]
        pos += non_shared
        value = contents[pos:pos + value_len]
        pos += value_len
        if entries and new_key <= key:
            raise _Corrupt("keys out of order within a block")
        key = new_key
        starts[entry_start] = shared
        entries.append((key, value))
    if entries:
        if not restarts or restarts[0] != 0:
            raise _Corrupt("first restart point is not at offset 0")
        previous = -1
        for restart in restarts:
            if restart <= previous or starts.get(restart) != 0:
                raise _Corrupt("restart point %d is not the start of a full key" % restart)
            previous = restart
    elif any(restart != 0 for restart in restarts):
        raise _Corrupt("empty block with restart points inside it")
    return entries


class Table:
    """An SSTable read fully into memory and checked; see the module docstring.

    ``Table.open(path)`` or ``Table.from_bytes(data, name)``; then ``items()`` (in key order),
    ``get(key)``, ``keys()``, ``len()``, ``key in table``.
    """

    def __init__(self, entries, name):
        self._entries = entries
        self._keys = [k for k, _ in entries]
        self.name = name

    @classmethod
    def open(cls, path):
        path = os.fspath(path)
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                data = f.read(size)
        except OSError as e:
            raise from_os_error(e, path) from None
        return cls.from_bytes(data, path)

    @classmethod
    def from_bytes(cls, data, name="<memory>"):
        data = bytes(data)
        try:
            entries = _read_entries(data)
        except _Corrupt as e:
            raise DataLossError(
                None, None, "Unable to read table %s: corrupted or truncated (%s)" % (name, e)) from None
        return cls(entries, name)

    def items(self):
        return list(self._entries)

    def keys(self):
        return list(self._keys)

    def get(self, key, default=None):
        key = bytes(key)
        i = bisect.bisect_left(self._keys, key)
        if i < len(self._keys) and self._keys[i] == key:
            return self._entries[i][1]
        return default

    def __contains__(self, key):
        return self.get(key) is not None

    def __len__(self):
        return len(self._entries)

    def __iter__(self):
        return iter(self._keys)


def _read_block(data, handle, content_end, what):
    offset, size = handle
    if offset + size + BLOCK_TRAILER_SIZE > content_end:
        raise _Corrupt("%s block [%d, %d) runs past the end of the table's blocks (%d)"
                       % (what, offset, offset + size + BLOCK_TRAILER_SIZE, content_end))
    contents = data[offset:offset + size]
    type_byte = data[offset + size]
    stored = _U32.unpack_from(data, offset + size + 1)[0]
    actual = google_crc32c.value(data[offset:offset + size + 1])
    if unmask_crc(stored) != actual:
        raise _Corrupt("%s block at offset %d: checksum mismatch (stored %08x, computed %08x)"
                       % (what, offset, unmask_crc(stored), actual))
    if type_byte == NO_COMPRESSION:
        return contents
    if type_byte == SNAPPY_COMPRESSION:
        try:
            return snappy_decompress(contents)
        except ValueError as e:
            raise _Corrupt("%s block at offset %d: %s" % (what, offset, e)) from None
    raise _Corrupt("%s block at offset %d: unknown compression type %d" % (what, offset, type_byte))


def _decode_handle(data, pos, limit):
    offset, pos = _varint64(data, pos, limit)
    size, pos = _varint64(data, pos, limit)
    return (offset, size), pos


def _read_entries(data):
    n = len(data)
    if n < FOOTER_SIZE:
        raise _Corrupt("file of %d bytes is shorter than the %d-byte footer" % (n, FOOTER_SIZE))
    footer = n - FOOTER_SIZE
    magic = _U32.unpack_from(data, n - 8)[0] | (_U32.unpack_from(data, n - 4)[0] << 32)
    if magic != TABLE_MAGIC:
        raise _Corrupt("not an sstable (bad magic number)")
    handle_end = n - 8
    metaindex_handle, pos = _decode_handle(data, footer, handle_end)
    index_handle, pos = _decode_handle(data, pos, handle_end)

    spans = [(metaindex_handle, "metaindex"), (index_handle, "index")]
    _parse_block(_read_block(data, metaindex_handle, footer, "metaindex"))  # contents unused
    index = _parse_block(_read_block(data, index_handle, footer, "index"))

    entries = []
    for i, (separator, handle_bytes) in enumerate(index):
        handle, used = _decode_handle(handle_bytes, 0, len(handle_bytes))
        if used != len(handle_bytes):
            raise _Corrupt("index entry %d has %d trailing bytes" % (i, len(handle_bytes) - used))
        spans.append((handle, "data"))
        block = _parse_block(_read_block(data, handle, footer, "data"))
        if not block:
            raise _Corrupt("data block %d is empty" % i)
        if entries and block[0][0] <= entries[-1][0]:
            raise _Corrupt("keys out of order across data blocks")
        if block[-1][0] > separator:
            raise _Corrupt("data block %d holds keys beyond its index key" % i)
        if entries and block[0][0] <= index[i - 1][0]:
            raise _Corrupt("data block %d holds keys below the previous index key" % i)
        entries.extend(block)

    # Blocks may not overlap one another (each span includes its trailer).
    ordered = sorted((h[0], h[0] + h[1] + BLOCK_TRAILER_SIZE, what) for h, what in spans)
    for (_, end, what), (start, _, what2) in zip(ordered, ordered[1:]):
        if start < end:
            raise _Corrupt("%s and %s blocks overlap" % (what, what2))
    return entries


def read_table(path):
    """``Table.open(path)``: the whole table, checked."""
    return Table.open(path)
