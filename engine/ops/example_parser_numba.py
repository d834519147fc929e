"""The Numba functions behind ``example_parser_fast``: a reader of serialized ``tf.Example`` protos on the
protobuf wire format, over a batch of records read where they lie (record ``i`` is the ``lengths[i]``
bytes at address ``addrs[i]``, the characters of a ``bytes`` object the caller keeps alive). Imported on
first use (Numba takes a while to load). Positions in the results count from the start of their record.
The kernels release the GIL, so that parse calls in parallel map threads overlap.

The reader accepts only the layout that protobuf's serializers write for an Example (each field once,
one-byte tags, packed or unpacked repeated values) and reports anything else (an unknown or
repeated field, a key seen twice, a malformed or truncated message, a value of the wrong type or count)
as a nonzero status, for the caller to hand the batch to protobuf's own parser, which then gives the
exact result or error. So what it accepts, it reads as protobuf would; it never reads outside a record.

    Example   { 1: Features }              Features { 1: entry* }      entry { 1: key, 2: Feature }
    Feature   { 1: BytesList | 2: FloatList | 3: Int64List }
    FloatList { 1: packed fixed32 | fixed32* }   Int64List { 1: packed varints | varint* }
    BytesList { 1: bytes* }
"""
import numba
import numpy as np
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from tagraph.engine.framework.bytes_array_numba import u8_at

__all__ = ["BYTES", "FLOAT", "INT64", "SPARSE", "DENSE", "SEQUENCE", "scan", "copy_floats", "copy_int64s",
           "bytes_spans"]

BYTES, FLOAT, INT64 = 0, 1, 2           # Feature's oneof field numbers, less one
SPARSE, DENSE, SEQUENCE = 0, 1, 2       # what a key is parsed into: VarLen, FixedLen, FixedLenSequence


@intrinsic
def _copy_bytes(typingctx, dst, dst_at, src, src_at, n):
    """``dst[dst_at:dst_at + n] = src[src_at:src_at + n]`` for uint8 arrays as one memcpy (Numba copies a
    slice byte by byte); the caller has checked both ranges."""
    sig = types.void(dst, types.intp, src, types.intp, types.intp)

    def codegen(context, builder, signature, args):
        d = context.make_array(signature.args[0])(context, builder, args[0])
        s = context.make_array(signature.args[2])(context, builder, args[2])
        cgutils.raw_memcpy(builder, builder.gep(d.data, [args[1]]), builder.gep(s.data, [args[3]]), args[4], 1)
        return context.get_dummy_value()
    return sig, codegen


@numba.njit(cache=True, inline="always")
def _record(addrs, lengths, i):
    return numba.carray(u8_at(addrs[i]), lengths[i])


@numba.njit(cache=True)
def _length(buf, pos, end):
    """A varint length at ``pos`` that fits before ``end``: (length, position after it), position -1 if not."""
    value = np.uint64(0)
    shift = 0
    while pos < end and shift < 64:
        b = buf[pos]
        pos += 1
        value |= np.uint64(b & 0x7F) << np.uint64(shift)
        if b < 0x80:
            if value > np.uint64(end - pos):
                return 0, -1
            return np.int64(value), pos
        shift += 7
    return 0, -1


@numba.njit(cache=True)
def _varint(buf, pos, end):
    """A varint of at most 10 bytes at ``pos``, its bits beyond 64 dropped (as protobuf reads int64):
    (value, position after it), position -1 if it runs past ``end`` or over 10 bytes."""
    value = np.uint64(0)
    shift = 0
    while pos < end and shift < 70:
        b = buf[pos]
        pos += 1
        value |= np.uint64(b & 0x7F) << np.uint64(shift)
        if b < 0x80:
            return np.int64(value), pos
        shift += 7
    return 0, -1


@numba.njit(cache=True)
def _utf8(buf, pos, end):
    """Whether ``buf[pos:end]`` is well-formed UTF-8 (no overlong forms, surrogates or code points past
    U+10FFFF), as protobuf checks a string field."""
    while pos < end:
        b = buf[pos]
        if b < 0x80:
            pos += 1
            continue
        if b < 0xC2 or b > 0xF4:
            return False
        n, lo, hi = 1, 0x80, 0xBF
        if b >= 0xF0:
            n = 3
            lo = 0x90 if b == 0xF0 else 0x80
            hi = 0x8F if b == 0xF4 else 0xBF
        elif b >= 0xE0:
            n = 2
            lo = 0xA0 if b == 0xE0 else 0x80
            hi = 0x9F if b == 0xED else 0xBF
        if end - pos <= n or buf[pos + 1] < lo or buf[pos + 1] > hi:
            return False
        for j in range(pos + 2, pos + n + 1):
            if buf[j] & 0xC0 != 0x80:
                return False
        pos += n + 1
    return True


@numba.njit(cache=True)
def _count(buf, pos, end, kind):
    """How many values the list message ``buf[pos:end]`` of ``kind`` holds; -1 where it is not plain."""
    n = 0
    while pos < end:
        tag = buf[pos]
        pos += 1
        if kind == FLOAT and tag == 0x0D:
            if end - pos < 4:
                return -1
            pos += 4
            n += 1
        elif kind == INT64 and tag == 0x08:
            _, pos = _varint(buf, pos, end)
            if pos < 0:
                return -1
            n += 1
        elif tag == 0x0A:
            ln, pos = _length(buf, pos, end)
            if pos < 0:
                return -1
            stop = pos + ln
            if kind == BYTES:
                n += 1
                pos = stop
            elif kind == FLOAT:
                if ln % 4:
                    return -1
                n += ln // 4
                pos = stop
            else:
                while pos < stop:
                    _, pos = _varint(buf, pos, stop)
                    if pos < 0:
                        return -1
                    n += 1
        else:
            return -1
    return n


@numba.njit(cache=True, nogil=True)
def scan(addrs, lengths, key_buf, key_offsets, kinds, modes, sizes, required, starts, ends, counts):
    """Checks every record and notes where each wanted key's list message lies: ``starts[k, i]``,
    ``ends[k, i]`` and its value count ``counts[k, i]`` (``starts`` -1 where record ``i`` has no value for
    key ``k``). A key wants ``kinds[k]``; its ``modes[k]`` DENSE needs ``sizes[k]`` values (or a default
    unless ``required[k]``), SEQUENCE a multiple of ``sizes[k]``. Returns 0, or 1 + the index of the first
    record to leave to protobuf's parser."""
    nkeys = kinds.size
    seen = np.zeros(nkeys, np.uint8)
    for i in range(addrs.size):
        seen[:] = 0
        starts[:, i] = -1
        counts[:, i] = 0
        buf = _record(addrs, lengths, i)
        pos = 0
        end = buf.size
        have_features = False
        while pos < end:
            if buf[pos] != 0x0A or have_features:
                return i + 1
            have_features = True
            ln, pos = _length(buf, pos + 1, end)
            if pos < 0:
                return i + 1
            features_end = pos + ln
            while pos < features_end:
                if buf[pos] != 0x0A:
                    return i + 1
                ln, pos = _length(buf, pos + 1, features_end)
                if pos < 0:
                    return i + 1
                entry_end = pos + ln
                key_start = key_end = value_start = value_end = -1
                while pos < entry_end:
                    tag = buf[pos]
                    ln, pos = _length(buf, pos + 1, entry_end)
                    if pos < 0:
                        return i + 1
                    if tag == 0x0A and key_start < 0:
                        key_start, key_end = pos, pos + ln
                    elif tag == 0x12 and value_start < 0:
                        value_start, value_end = pos, pos + ln
                    else:
                        return i + 1
                    pos += ln
                if key_start < 0:
                    key_start = key_end = entry_end
                if not _utf8(buf, key_start, key_end):      # protobuf refuses a key that is not UTF-8
                    return i + 1
                kind = -1
                list_start = list_end = 0
                if value_start >= 0:
                    p = value_start
                    while p < value_end:
                        tag = buf[p]
                        if kind >= 0 or tag < 0x0A or tag > 0x1A or (tag & 7) != 2:
                            return i + 1
                        kind = (tag >> 3) - 1
                        ln, p = _length(buf, p + 1, value_end)
                        if p < 0:
                            return i + 1
                        list_start, list_end = p, p + ln
                        p += ln
                n = 0
                if kind >= 0:
                    n = _count(buf, list_start, list_end, kind)
                    if n < 0:
                        return i + 1
                klen = key_end - key_start
                for k in range(nkeys):
                    ks = key_offsets[k]
                    if key_offsets[k + 1] - ks != klen:
                        continue
                    same = True
                    for j in range(klen):
                        if buf[key_start + j] != key_buf[ks + j]:
                            same = False
                            break
                    if not same:
                        continue
                    if seen[k]:
                        return i + 1
                    seen[k] = 1
                    if kind < 0:
                        continue
                    if kind != kinds[k]:
                        return i + 1
                    if modes[k] == DENSE and n != sizes[k]:
                        return i + 1
                    if modes[k] == SEQUENCE and n % sizes[k]:
                        return i + 1
                    starts[k, i] = list_start
                    ends[k, i] = list_end
                    counts[k, i] = n
        for k in range(nkeys):
            if required[k] and starts[k, i] < 0:
                return i + 1
    return 0


@numba.njit(cache=True, nogil=True)
def copy_floats(addrs, lengths, starts, ends, dest, out):
    """The floats of each list message (bytes ``starts[i]:ends[i]`` of record ``i``, ``starts[i]`` >= 0) into
    ``out``'s bytes (a float32 array's, viewed as uint8) from float number ``dest[i]`` on."""
    for i in range(starts.size):
        pos = starts[i]
        if pos < 0:
            continue
        buf = _record(addrs, lengths, i)
        end = ends[i]
        d = dest[i] * 4
        while pos < end:
            tag = buf[pos]
            pos += 1
            if tag == 0x0D:
                ln = 4
            else:
                ln, pos = _length(buf, pos, end)
            _copy_bytes(out, d, buf, pos, ln)
            d += ln
            pos += ln


@numba.njit(cache=True, nogil=True)
def copy_int64s(addrs, lengths, starts, ends, dest, out):
    """The int64s of each list message (bytes ``starts[i]:ends[i]`` of record ``i``, ``starts[i]`` >= 0) into
    ``out`` from ``dest[i]`` on."""
    for i in range(starts.size):
        pos = starts[i]
        if pos < 0:
            continue
        buf = _record(addrs, lengths, i)
        end = ends[i]
        d = dest[i]
        while pos < end:
            tag = buf[pos]
            pos += 1
            if tag == 0x08:
                v, pos = _varint(buf, pos, end)
                out[d] = v
                d += 1
            else:
                ln, pos = _length(buf, pos, end)
                stop = pos + ln
                while pos < stop:
                    v, pos = _varint(buf, pos, stop)
                    out[d] = v
                    d += 1


@numba.njit(cache=True, nogil=True)
def bytes_spans(addrs, lengths, starts, ends, dest, spans):
    """``spans[j] = (start, end)`` in record ``i`` of each bytes value of its list message (bytes
    ``starts[i]:ends[i]``, ``starts[i]`` >= 0), from ``j = dest[i]`` on."""
    for i in range(starts.size):
        pos = starts[i]
        if pos < 0:
            continue
        buf = _record(addrs, lengths, i)
        end = ends[i]
        d = dest[i]
        while pos < end:
            ln, pos = _length(buf, pos + 1, end)
            spans[d, 0] = pos
            spans[d, 1] = pos + ln
            d += 1
            pos += ln
