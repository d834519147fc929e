"""Random numbers filled by several threads at once (engine/ops/philox.py over devices/host_threads) are the numbers of
one: each group of four comes from its own place in the Philox stream (tests/engine/ops/test_random_ops.py
compares small fills with TensorFlow's bit for bit)."""
import numpy as np

from tagraph.devices import cpu_threads
from tagraph.engine.ops import philox


def _big_and_pieces(monkeypatch, draw, skip_per_group, threads):
    monkeypatch.setattr(cpu_threads, "settings", lambda: cpu_threads.ThreadSettings(threads, threads, threads, True))
    n = 4 * (3 * philox._SHARD_MIN_CALLS + 5)
    big = draw(philox.PhiloxRandom(seed=87654321, seed2=9), n)
    groups = n // 4
    for g in (0, 1, groups // 3, groups // 2 + 1, groups - 1):
        gen = philox.PhiloxRandom(seed=87654321, seed2=9)
        gen.skip(g * skip_per_group)
        np.testing.assert_array_equal(big[4 * g:4 * g + 4], draw(gen, 4), err_msg="group %d" % g)
    return big


def test_uniform_floats_split_over_threads_are_the_stream_in_order(monkeypatch):
    a = _big_and_pieces(monkeypatch, lambda gen, n: philox.uniform(gen, n, np.float32), 1, threads=3)
    b = _big_and_pieces(monkeypatch, lambda gen, n: philox.uniform(gen, n, np.float32), 1, threads=1)
    np.testing.assert_array_equal(a, b)


def test_truncated_normals_split_over_threads_are_the_stream_in_order(monkeypatch):
    skip = philox.RESERVED_SAMPLES_PER_OUTPUT
    a = _big_and_pieces(monkeypatch, lambda gen, n: philox.truncated_normal(gen, n, np.float32), skip, threads=3)
    b = _big_and_pieces(monkeypatch, lambda gen, n: philox.truncated_normal(gen, n, np.float32), skip, threads=1)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a).max() < 2.0


def test_the_compiled_blocks_are_the_array_expressions():
    offsets = np.array([0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 63 + 5], np.uint64)
    counter = (0xFFFFFFFF << 96) | (0xFFFFFFFF << 64) | (0xFFFFFFFF << 32) | 0xFFFFFFF0

    class NotNumpy:   # the array-expression path, which the GPU takes with CuPy
        def __getattr__(self, name):
            return getattr(np, name)
    got = philox.philox_blocks(0x123456789ABCDEF0, counter, offsets)
    want = philox.philox_blocks(0x123456789ABCDEF0, counter, offsets, xp=NotNumpy())
    np.testing.assert_array_equal(got, want)
