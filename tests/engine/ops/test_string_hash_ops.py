"""StringToHashBucketFast, StringToHashBucketStrong and StringToHashBucket equal TensorFlow's buckets on
100,000 strings (ASCII, multi-byte UTF-8, random bytes, lengths 0 to ~1200 bytes), which the test regenerates
with numpy from the recorder's seed (tests/data/strings/record_strings.py -> hash_buckets.npz): bucket for
bucket, or models trained in TensorFlow would route tokens to other embedding rows. Both ways Fingerprint64
is computed (Numba over large arrays, pyfarmhash over small ones) are checked."""
import farmhash
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import bytes_array
from tagraph.engine.ops import string_hash_ops
from string_reference import DATA, RECORD

STRINGS = np.array(RECORD.hash_corpus(), dtype=object)
with np.load(DATA / "hash_buckets.npz") as _f:
    BUCKETS = {k: _f[k].astype(np.int64) for k in _f.files}


def test_the_corpus_is_the_recorded_one():
    assert len(STRINGS) == RECORD.HASH_COUNT == len(BUCKETS["fast_1000"])
    lengths = np.array([len(s) for s in STRINGS])
    assert lengths.min() == 0 and lengths.max() > 256
    assert any(not _utf8(s) for s in STRINGS) and any(_utf8(s) and max(s, default=0) >= 0x80 for s in STRINGS)


def _utf8(s):
    try:
        s.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(RECORD.HASH_BUCKETS))
def test_buckets_equal_tensorflows(device, name):
    kind, n, key = RECORD.HASH_BUCKETS[name]
    if kind == "legacy" and "GPU" in device:
        pytest.skip("the legacy hash is the same host kernel; once is enough (it is pure Python)")
    with tg.Graph().as_default(), tg.device(device):
        x = tg.placeholder(tg.string, [None])
        if kind == "fast":
            y = tg.strings.to_hash_bucket_fast(x, n)
        elif kind == "strong":
            y = tg.strings.to_hash_bucket_strong(x, n, key)
        else:
            y = tg.strings.to_hash_bucket(x, n)
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            got = sess.run(y, {x: STRINGS})
    assert got.dtype == np.int64
    mismatched = np.flatnonzero(got != BUCKETS[name])
    assert mismatched.size == 0, "%d of %d buckets differ, first at %s" % (mismatched.size, got.size, mismatched[:5])


@pytest.mark.skipif(bytes_array.layout() is None, reason="no in-place reading of bytes objects here")
def test_numba_and_pyfarmhash_agree_on_every_string():
    fast = string_hash_ops.fingerprint64_buckets(STRINGS, 2 ** 63 - 1)
    slow = np.array([farmhash.fingerprint64(s) % (2 ** 63 - 1) for s in STRINGS], np.int64)
    np.testing.assert_array_equal(fast, slow)
    small = STRINGS[:bytes_array.MIN_SIZE - 1]
    np.testing.assert_array_equal(string_hash_ops.fingerprint64_buckets(small, 1000), BUCKETS["fast_1000"][:small.size])


def test_elements_that_are_not_bytes_take_the_slow_path():
    mixed = STRINGS[:5000].copy()
    mixed[3] = "h\u00e9llo"
    mixed[4000] = np.bytes_(b"abc")
    got = string_hash_ops.fingerprint64_buckets(mixed, 1000)
    assert got[3] == farmhash.fingerprint64("h\u00e9llo".encode()) % 1000
    assert got[4000] == farmhash.fingerprint64(b"abc") % 1000
    np.testing.assert_array_equal(np.delete(got, [3, 4000]), np.delete(BUCKETS["fast_1000"][:5000], [3, 4000]))


def test_non_contiguous_and_shaped_inputs():
    block = STRINGS[:8000].reshape(40, 200)
    got = string_hash_ops.fingerprint64_buckets(block[:, ::2], 1000)
    np.testing.assert_array_equal(got, BUCKETS["fast_1000"][:8000].reshape(40, 200)[:, ::2])
