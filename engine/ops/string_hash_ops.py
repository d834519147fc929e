"""Hashing strings into buckets, bit for bit as TensorFlow does: StringToHashBucketFast (farmhash's
Fingerprint64), StringToHashBucketStrong (SipHash-2-4 under a 128-bit key) and StringToHashBucket (the
legacy one: TensorFlow's own ``Hash64``). Each output is ``hash % num_buckets`` as an int64, the input's
shape. They run on the host (strings live there), as in TensorFlow.

    buckets = tg.string_to_hash_bucket_fast(["a", "b"], num_buckets=10)

Fingerprint64 comes from ``pyfarmhash`` and SipHash-2-4 from ``siphashc`` (both C, both maintained); for
large arrays Fingerprint64 runs in Numba over the strings in place (``fingerprint64_numba``), the same bits;
``Hash64`` is TensorFlow's MurmurHash64A variant (seed 0xDECAFCAFFE), which no maintained package offers
with that seed, so it is written out here (:func:`hash64`).
"""
import struct

import farmhash
import numpy as np
import siphashc

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import bytes_array, common_shapes
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.ops.op_util import gen1, invalid

__all__ = ["string_to_hash_bucket_fast", "string_to_hash_bucket_strong", "string_to_hash_bucket", "hash64",
           "fingerprint64", "fingerprint64_buckets"]

_HOST = host_kind().device_type
_MASK = (1 << 64) - 1
_M = 0xC6A4A7935BD1E995
_SEED = 0xDECAFCAFFE


def _bytes(s):
    return s if isinstance(s, bytes) else str(s).encode("utf-8")


def fingerprint64(s):
    """farmhash's Fingerprint64 of ``s`` (bytes or str), an unsigned 64-bit int."""
    return farmhash.fingerprint64(_bytes(s))


def hash64(data, seed=_SEED):
    """TensorFlow's ``Hash64`` (core/platform/hash.cc): MurmurHash64A with TensorFlow's default seed."""
    data = _bytes(data)
    n = len(data)
    h = (seed ^ (n * _M)) & _MASK
    end = n - n % 8
    for k in struct.unpack_from("<%dQ" % (end // 8), data):
        k = (k * _M) & _MASK
        k ^= k >> 47
        h ^= (k * _M) & _MASK
        h = (h * _M) & _MASK
    if n > end:
        # The tail's bytes, little-endian, as unsigned chars (TensorFlow's ByteAs64).
        h ^= int.from_bytes(data[end:], "little")
        h = (h * _M) & _MASK
    h ^= h >> 47
    h = (h * _M) & _MASK
    h ^= h >> 47
    return h


def _buckets(x, fn, num_buckets):
    flat = x.reshape(-1)
    out = np.fromiter((fn(_bytes(s)) % num_buckets for s in flat), np.int64, count=flat.size)
    return out.reshape(x.shape)


register_shape("StringToHashBucketFast", "StringToHashBucketStrong", "StringToHashBucket")(common_shapes.unchanged)


def fingerprint64_buckets(x, num_buckets):
    """``Fingerprint64(s) % num_buckets`` of each string of the object array ``x``, an int64 array: in Numba
    over the bytes objects in place where the array is large (see ``fingerprint64_numba``), else through
    pyfarmhash one string at a time."""
    lay = bytes_array.layout()
    if lay is None or x.size < bytes_array.MIN_SIZE:
        return _buckets(x, farmhash.fingerprint64, num_buckets)
    from tagraph.engine.ops import fingerprint64_numba  # Numba compiles (or loads its cache) on first use
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty(flat.size, np.int64)
    done = np.zeros(flat.size, bool)
    missed = fingerprint64_numba.fingerprint64_buckets(bytes_array.pointers(flat), np.uint64(id(bytes)), lay[0],
                                                       lay[1], lay[2], np.uint64(num_buckets), out, done)
    if missed:
        for i in np.flatnonzero(~done):
            out[i] = farmhash.fingerprint64(_bytes(flat[i])) % num_buckets
    return out.reshape(x.shape)


@register_kernel("StringToHashBucketFast", _HOST)
def _to_hash_bucket_fast(ctx, x):
    return fingerprint64_buckets(x, ctx.attrs["num_buckets"])


@register_kernel("StringToHashBucketStrong", _HOST)
def _to_hash_bucket_strong(ctx, x):
    key = list(ctx.attrs["key"])
    if len(key) != 2:
        raise invalid("Key must have 2 elements")
    # highwayhash's SipHash takes the key as two uint64 words; the attr holds them as int64s.
    packed = struct.pack("<QQ", key[0] & _MASK, key[1] & _MASK)
    return _buckets(x, lambda s: siphashc.siphash(packed, s), ctx.attrs["num_buckets"])


@register_kernel("StringToHashBucket", _HOST)
def _to_hash_bucket(ctx, x):
    return _buckets(x, hash64, ctx.attrs["num_buckets"])


not_differentiable("StringToHashBucketFast", "StringToHashBucketStrong", "StringToHashBucket")


def string_to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002 - TensorFlow's argument name
    """``Fingerprint64(s) % num_buckets`` of each string (StringToHashBucketFast).

        tg.string_to_hash_bucket_fast(["Hello", ""], 10)
    """
    return gen1("StringToHashBucketFast", [input], {"num_buckets": num_buckets}, name, "StringToHashBucketFast")


def string_to_hash_bucket_strong(input, num_buckets, key, name=None):  # noqa: A002
    """``SipHash-2-4(key, s) % num_buckets`` of each string, ``key`` two integers (StringToHashBucketStrong).

        tg.string_to_hash_bucket_strong(["Hello"], 10, key=[1, 2])
    """
    return gen1("StringToHashBucketStrong", [input], {"num_buckets": num_buckets, "key": list(key)}, name,
                "StringToHashBucketStrong")


def string_to_hash_bucket(string_tensor=None, num_buckets=None, name=None, input=None):  # noqa: A002
    """``Hash64(s) % num_buckets`` of each string: TensorFlow 1's legacy StringToHashBucket (``input`` is
    the deprecated name of ``string_tensor``)."""
    if string_tensor is None:
        string_tensor = input
    return gen1("StringToHashBucket", [string_tensor], {"num_buckets": num_buckets}, name, "StringToHashBucket")
