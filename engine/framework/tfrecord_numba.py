"""The Numba function behind ``tfrecord``'s reader: finds the records that lie whole in a buffer of a
TFRecord stream and checks their headers, so that Python touches each record once (to cut it out and
checksum its data with google_crc32c) instead of reading and checking it field by field. Imported on
first use (Numba takes a while to load)."""
import numba
import numpy as np

__all__ = ["split_records", "NEED_MORE", "BAD_HEADER"]

NEED_MORE, BAD_HEADER = 0, 1
_MASK_DELTA = np.uint64(0xA282EAD8)


def _crc32c_table():
    table = np.zeros(256, np.uint32)
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table[i] = c
    return table


_TABLE = _crc32c_table()


@numba.njit(cache=True, inline="always")
def _u32(buf, p):
    return (np.uint64(buf[p]) | (np.uint64(buf[p + 1]) << np.uint64(8)) | (np.uint64(buf[p + 2]) << np.uint64(16))
            | (np.uint64(buf[p + 3]) << np.uint64(24)))


@numba.njit(cache=True, nogil=True)
def split_records(buf, pos, starts, lengths, footers):
    """The records from ``buf[pos:]`` on that lie whole in ``buf``, at most ``starts.size``: their data at
    ``starts[j]``, ``lengths[j]`` bytes, and the masked CRC stored after it, ``footers[j]``. Returns
    (records found, position of the first one not taken, NEED_MORE or BAD_HEADER: why it stopped there)."""
    table = _TABLE
    end = buf.size
    n = 0
    while n < starts.size:
        if end - pos < 12:
            return n, pos, NEED_MORE
        # Numba widens uint32 arithmetic to 64 bits: keep the low 32 by hand.
        crc = np.uint64(0xFFFFFFFF)
        for j in range(8):
            crc = np.uint64(table[(crc ^ np.uint64(buf[pos + j])) & np.uint64(0xFF)]) ^ (crc >> np.uint64(8))
        crc ^= np.uint64(0xFFFFFFFF)
        masked = (((crc >> np.uint64(15)) | (crc << np.uint64(17))) + _MASK_DELTA) & np.uint64(0xFFFFFFFF)
        if masked != _u32(buf, pos + 8):
            return n, pos, BAD_HEADER
        length = _u32(buf, pos) | (_u32(buf, pos + 4) << np.uint64(32))
        room = end - pos - 16
        if room < 0 or length > np.uint64(room):
            return n, pos, NEED_MORE
        size = np.int64(length)
        starts[n] = pos + 12
        lengths[n] = size
        footers[n] = _u32(buf, pos + 12 + size)
        pos += 16 + size
        n += 1
    return n, pos, NEED_MORE
