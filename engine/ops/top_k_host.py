"""TopKV2 on the host, compiled by Numba: the indices of the ``k`` largest entries of each row, equal values in
index order, exactly as a stable ascending sort of the order-reversing key ``-x`` (``~x`` for integers) gives
them, but without sorting the whole row:

- a small ``k`` keeps candidates in one pass over the row, cut back to the k best (the keys below the k-th,
  then the first of those equal to it) whenever their buffer fills, and sorts only the k left (stably);
- a large ``k`` (``tf.sort`` asks for all) sorts the row by a stable LSD radix sort of the keys as 32-bit
  unsigned integers, which order as the floats do once -0.0 is made 0.0 and every NaN the largest.

float32 and int32 (the common cases) go this way; other dtypes return None to the caller's generic path.
Rows of a batch are spread over the intra-op threads.

    idx = top_k_indices(np.float32([[1, 3, 3, 2]]), 2)   # [[1, 2]]
"""
import numba
import numpy as np

from tagraph.devices import host_threads

__all__ = ["top_k_indices"]

_jit = numba.njit(cache=True, nogil=True)

_SMALL_K = 16      # k * _SMALL_K < row length: select, then sort only the k picked


@_jit
def _float_keys(x, out):
    # Order-preserving uint32 of -x: -0.0 and 0.0 alike, every NaN last (where a stable sort puts them).
    bits = x.view(np.uint32)
    for i in range(x.size):
        v = x[i]
        if v != v:
            out[i] = np.uint32(0xFFFFFFFF)
            continue
        b = bits[i] ^ np.uint32(0x80000000)       # the bits of -x
        if v == 0:
            b = np.uint32(0)
        if b & np.uint32(0x80000000):
            out[i] = np.uint32(np.uint32(0xFFFFFFFF) - b)
        else:
            out[i] = np.uint32(b | np.uint32(0x80000000))


@_jit
def _int_keys(x, out):
    # Order-preserving uint32 of ~x (which reverses the order of int32 without overflow).
    for i in range(x.size):
        out[i] = np.uint32(np.int64(-1) - np.int64(x[i]) + np.int64(0x80000000))


@_jit
def _radix_argsort(keys):
    # Stable LSD radix sort, 8 bits a pass; a pass whose digit is the same everywhere is skipped.
    n = keys.size
    idx = np.arange(n)
    k = keys.copy()
    idx2 = np.empty(n, np.int64)
    k2 = np.empty(n, np.uint32)
    for shift in range(0, 32, 8):
        count = np.zeros(257, np.int64)
        for i in range(n):
            count[((k[i] >> shift) & 255) + 1] += 1
        if count.max() == n:
            continue
        for b in range(256):
            count[b + 1] += count[b]
        for i in range(n):
            d = (k[i] >> shift) & 255
            pos = count[d]
            count[d] = pos + 1
            k2[pos] = k[i]
            idx2[pos] = idx[i]
        k, k2 = k2, k
        idx, idx2 = idx2, idx
    return idx


@_jit
def _compact(bk, bi, m, k):
    # Keeps the k best of the m candidates (keys below the k-th, then the first of those equal to it), in
    # their order; returns (k, the k-th key).
    t = np.partition(bk[:m].copy(), k - 1)[k - 1]
    ties = k
    for j in range(m):
        if bk[j] < t:
            ties -= 1
    w = 0
    for j in range(m):
        if bk[j] < t or (bk[j] == t and ties > 0):
            if bk[j] == t:
                ties -= 1
            bk[w] = bk[j]
            bi[w] = bi[j]
            w += 1
    return w, t


@_jit
def _select(row, k):
    # The k smallest keys' indices, equal keys lowest index first, in key order, in one pass: candidates are
    # kept in index order and cut back to the k best whenever the buffer fills; once cut, only a key below
    # the k-th can enter (an equal one comes after k others at least as good).
    n = row.size
    cap = max(4 * k, 512)
    bk = np.empty(cap, np.uint32)
    bi = np.empty(cap, np.int64)
    m = 0
    t = np.uint32(0)
    bounded = False
    for i in range(n):
        v = row[i]
        if bounded and v >= t:
            continue
        if m == cap:
            m, t = _compact(bk, bi, m, k)
            bounded = True
            if v >= t:
                continue
        bk[m] = v
        bi[m] = i
        m += 1
    m, t = _compact(bk, bi, m, k)
    order = np.argsort(bk[:m], kind="mergesort")
    return bi[:m][order]


@_jit
def _rows_top_k(keys, k, out, start, stop):
    n = keys.shape[1]
    for r in range(start, stop):
        if k == 0:
            continue
        if k * _SMALL_K < n:
            out[r, :] = _select(keys[r], k)
        else:
            out[r, :] = _radix_argsort(keys[r])[:k]


@_jit
def _float_keys_of_rows(x, keys, start, stop):
    for r in range(start, stop):
        _float_keys(x[r], keys[r])


@_jit
def _int_keys_of_rows(x, keys, start, stop):
    for r in range(start, stop):
        _int_keys(x[r], keys[r])


def top_k_indices(x, k):
    """The int64 indices (shape ``x.shape[:-1] + (k,)``) of the ``k`` largest entries along the last axis of
    the host array ``x``, as TopKV2 orders them; None for a dtype other than float32 or int32."""
    if x.dtype not in (np.float32, np.int32) or x.shape[-1] >= 1 << 62:
        return None
    n = x.shape[-1]
    rows = np.ascontiguousarray(x.reshape(int(np.prod(x.shape[:-1], dtype=np.int64)), n))
    keys = np.empty(rows.shape, np.uint32)
    out = np.empty((rows.shape[0], k), np.int64)
    keys_of_rows = _float_keys_of_rows if x.dtype == np.float32 else _int_keys_of_rows

    def work(start, stop):
        keys_of_rows(rows, keys, start, stop)
        _rows_top_k(keys, k, out, start, stop)
    host_threads.shards(work, rows.shape[0], max(1, (1 << 15) // max(n, 1)))
    return out.reshape(x.shape[:-1] + (k,))
