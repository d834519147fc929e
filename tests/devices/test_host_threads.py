"""Work split over the intra-op threads (devices/host_threads.py): BLAS runs single-threaded inside the
shards and gets its own thread count back after them. OpenBLAS's count is one for the whole process, so a
count left at one would make every later product (a dense layer's MatMul) run on one CPU."""
import threading

import numpy as np
import pytest

from tagraph.devices import cpu_threads
from tagraph.devices import host_threads


@pytest.fixture
def setter(monkeypatch):
    found = cpu_threads.blas_thread_setter()
    if found is None:
        pytest.skip("this BLAS has no settable thread count")
    monkeypatch.setattr(cpu_threads, "settings", lambda: cpu_threads.ThreadSettings(2, 2, 2, True))
    before = found(3)
    yield found
    found(before)


def _count(setter):
    n = setter(1)
    setter(n)
    return n


def test_shards_run_blas_on_one_thread_and_give_its_count_back(setter):
    seen = []
    host_threads.shards(lambda start, stop: seen.append((start, stop, _count(setter))), total=4, min_per_shard=1)
    assert sorted(seen) == [(0, 2, 1), (2, 4, 1)]
    assert _count(setter) == 3


def test_a_failing_shard_still_gives_the_count_back(setter):
    def work(start, stop):
        raise ValueError("shard %d" % start)
    with pytest.raises(ValueError, match="shard"):
        host_threads.shards(work, total=4, min_per_shard=1)
    assert _count(setter) == 3


def test_overlapping_shards_calls_give_the_count_back_after_the_last(setter):
    first_inside, release = threading.Event(), threading.Event()
    counts = []

    def slow(start, stop):
        if start == 0:           # one pool thread held, the other free for the second call's shards
            first_inside.set()
            release.wait(10)

    outer = threading.Thread(target=host_threads.shards, args=(slow, 2, 1))
    outer.start()
    assert first_inside.wait(10)
    # A second kernel's shards start and end while the first's still run: BLAS stays on one thread.
    host_threads.shards(lambda start, stop: None, total=2, min_per_shard=1)
    counts.append(_count(setter))
    release.set()
    outer.join(10)
    counts.append(_count(setter))
    assert counts == [1, 3]


def test_products_in_shards_equal_one_product(setter):
    rng = np.random.RandomState(0)
    a, b = rng.randn(8, 40, 30).astype(np.float32), rng.randn(30, 20).astype(np.float32)
    out = np.empty((8, 40, 20), np.float32)
    host_threads.shards(lambda start, stop: np.matmul(a[start:stop], b, out=out[start:stop]), total=8, min_per_shard=1)
    np.testing.assert_array_equal(out, np.matmul(a, b))
