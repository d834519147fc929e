"""Batches of small products split over the intra-op threads, each product on single-threaded BLAS: the same
values as one numpy matmul of the whole batch."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.devices import cpu_threads, host_threads
from tagraph.engine.ops import matmul_ops


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shardable", [True, False])
def test_batched_products_equal_numpys(monkeypatch, dtype, shardable):
    if shardable and not host_threads.blas_shardable():
        pytest.skip("this BLAS has no per-thread thread count")
    monkeypatch.setattr(host_threads, "blas_shardable", lambda: shardable)
    rng = np.random.RandomState(0)
    a, b = rng.randn(12, 33, 17).astype(dtype), rng.randn(12, 17, 9).astype(dtype)
    with tg.Graph().as_default():
        x, y = tg.placeholder(tg.as_dtype(dtype)), tg.placeholder(tg.as_dtype(dtype))
        fetches = [tg.matmul(x, y), tg.einsum("bij,bjk->bik", x, y)]
        with tg.Session() as sess:
            for got in sess.run(fetches, {x: a, y: b}):
                np.testing.assert_array_equal(got, np.matmul(a, b))


def test_shards_run_blas_single_threaded():
    setter = cpu_threads.blas_thread_setter()
    if setter is None:
        pytest.skip("this BLAS has no per-thread thread count")
    seen = []

    def work(start, stop):
        previous = setter(1)          # returns the count before: 1, set by shards while it runs
        seen.append(previous)
        setter(previous)
    host_threads.shards(work, total=4, min_per_shard=1)
    if cpu_threads.settings().intra_op > 1:
        assert seen and set(seen) == {1}


def test_large_products_and_other_shapes_keep_one_matmul(monkeypatch):
    calls = []
    monkeypatch.setattr(host_threads, "shards", lambda *a, **k: calls.append(a))
    big = np.ones((4, 256, 256), np.float32)
    assert matmul_ops._batched(big, big, np).shape == (4, 256, 256) and not calls     # 16M multiply-adds each
    small = np.ones((3, 4, 4), np.float32)
    assert matmul_ops._batched(small, small, np).shape == (3, 4, 4) and not calls     # fewer than 4 products
