"""farmhash's Fingerprint64 (``farmhashna::Hash64``, what TensorFlow's StringToHashBucketFast hashes with) in
Numba, over the elements of an object array of ``bytes`` read in place (``engine.framework.bytes_array``): a
million strings hash in milliseconds, where one ``pyfarmhash`` call per string costs a Python call each.
Imported on first use by ``string_hash_ops``; the results equal ``farmhash.fingerprint64`` bit for bit.
"""
import numba
import numpy as np

from tagraph.engine.framework.bytes_array_numba import u8_at, word_at

__all__ = ["fingerprint64_at", "fingerprint64_buckets"]

_K0 = np.uint64(0xC3A5C85C97CB3127)
_K1 = np.uint64(0xB492B66FBE98F273)
_K2 = np.uint64(0x9AE16A3B2F90404F)
_U = np.uint64


@numba.njit(cache=True, inline="always")
def _fetch32(addr):
    p = u8_at(addr)
    return _U(p[0]) | (_U(p[1]) << _U(8)) | (_U(p[2]) << _U(16)) | (_U(p[3]) << _U(24))


@numba.njit(cache=True, inline="always")
def _rot(v, s):
    return (v >> _U(s)) | (v << _U(64 - s))


@numba.njit(cache=True, inline="always")
def _shift_mix(v):
    return v ^ (v >> _U(47))


@numba.njit(cache=True, inline="always")
def _len16(u, v, mul):
    a = (u ^ v) * mul
    a ^= a >> _U(47)
    b = (v ^ a) * mul
    b ^= b >> _U(47)
    return b * mul


@numba.njit(cache=True, inline="always")
def _weak32(s, a, b):
    w, x, y, z = word_at(s), word_at(s + 8), word_at(s + 16), word_at(s + 24)
    a += w
    b = _rot(b + a + z, 21)
    c = a
    a += x
    a += y
    b += _rot(a, 44)
    return a + z, b + c


@numba.njit(cache=True)
def fingerprint64_at(s, n):
    """Fingerprint64 of the ``n`` bytes at address ``s``."""
    ln = _U(n)
    if n <= 16:
        if n >= 8:
            mul = _K2 + ln * _U(2)
            a = word_at(s) + _K2
            b = word_at(s + n - 8)
            c = _rot(b, 37) * mul + a
            d = (_rot(a, 25) + b) * mul
            return _len16(c, d, mul)
        if n >= 4:
            mul = _K2 + ln * _U(2)
            a = _fetch32(s)
            return _len16(ln + (a << _U(3)), _fetch32(s + n - 4), mul)
        if n > 0:
            p = u8_at(s)
            y = _U(p[0]) + (_U(p[n >> 1]) << _U(8))
            z = ln + (_U(p[n - 1]) << _U(2))
            return _shift_mix((y * _K2) ^ (z * _K0)) * _K2
        return _K2
    if n <= 32:
        mul = _K2 + ln * _U(2)
        a = word_at(s) * _K1
        b = word_at(s + 8)
        c = word_at(s + n - 8) * mul
        d = word_at(s + n - 16) * _K2
        return _len16(_rot(a + b, 43) + _rot(c, 30) + d, a + _rot(b + _K2, 18) + c, mul)
    if n <= 64:
        mul = _K2 + ln * _U(2)
        a = word_at(s) * _K2
        b = word_at(s + 8)
        c = word_at(s + n - 8) * mul
        d = word_at(s + n - 16) * _K2
        y = _rot(a + b, 43) + _rot(c, 30) + d
        z = _len16(y, a + _rot(b + _K2, 18) + c, mul)
        e = word_at(s + 16) * mul
        f = word_at(s + 24)
        g = (y + word_at(s + n - 32)) * mul
        h = (z + word_at(s + n - 24)) * mul
        return _len16(_rot(e + f, 43) + _rot(g, 30) + h, e + _rot(f + a, 18) + g, mul)
    seed = _U(81)
    x = seed
    y = seed * _K1 + _U(113)
    z = _shift_mix(y * _K2 + _U(113)) * _K2
    v0, v1, w0, w1 = _U(0), _U(0), _U(0), _U(0)
    x = x * _K2 + word_at(s)
    end = s + ((n - 1) // 64) * 64
    last64 = s + n - 64
    while True:
        x = _rot(x + y + v0 + word_at(s + 8), 37) * _K1
        y = _rot(y + v1 + word_at(s + 48), 42) * _K1
        x ^= w1
        y += v0 + word_at(s + 40)
        z = _rot(z + w0, 33) * _K1
        v0, v1 = _weak32(s, v1 * _K1, x + w0)
        w0, w1 = _weak32(s + 32, z + w1, y + word_at(s + 16))
        x, z = z, x
        s += 64
        if s == end:
            break
    mul = _K1 + ((z & _U(0xFF)) << _U(1))
    s = last64
    w0 += _U((n - 1) & 63)
    v0 += w0
    w0 += v0
    x = _rot(x + y + v0 + word_at(s + 8), 37) * mul
    y = _rot(y + v1 + word_at(s + 48), 42) * mul
    x ^= w1 * _U(9)
    y += v0 * _U(9) + word_at(s + 40)
    z = _rot(z + w0, 33) * mul
    v0, v1 = _weak32(s, v1 * mul, x + w0)
    w0, w1 = _weak32(s + 32, z + w1, y + word_at(s + 16))
    x, z = z, x
    return _len16(_len16(v0, w0, mul) + _shift_mix(y) * _K0 + z, _len16(v1, w1, mul) + x, mul)


@numba.njit(cache=True)
def fingerprint64_buckets(ptrs, bytes_type, type_off, size_off, data_off, num_buckets, out, done):
    """``out[i] = Fingerprint64(element i) % num_buckets`` for every element that is a bytes object
    (``done[i]`` true); the others are left to the caller. Returns how many were not bytes."""
    missed = 0
    for i in range(ptrs.size):
        p = ptrs[i]
        if word_at(p + type_off) != bytes_type:
            missed += 1
            continue
        n = np.int64(word_at(p + size_off))
        out[i] = np.int64(fingerprint64_at(p + data_off, n) % num_buckets)
        done[i] = True
    return missed
