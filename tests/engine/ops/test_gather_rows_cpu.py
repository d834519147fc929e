"""Rows gathered on the CPU by the prefetching copy (engine/ops/gather_rows_cpu.py): the same bytes as
``np.take`` for every row width and alignment the copy tiles with words, for both index types, split over two
threads or not, and through the paths it leaves to ``np.take`` (small gathers among them)."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.devices import cpu_threads
from tagraph.engine.ops import gather_rows_cpu


@pytest.fixture(params=[(1, 0), (2, 0), (2, 1 << 40)], ids=["one-thread", "two-threads", "np-take"])
def threads(request, monkeypatch):
    n, min_bytes = request.param
    monkeypatch.setattr(cpu_threads, "settings", lambda: cpu_threads.ThreadSettings(n, n, n, True))
    monkeypatch.setattr(gather_rows_cpu, "MIN_PREFETCHED_BYTES", min_bytes)   # 0: every gather takes the copy
    return n


@pytest.mark.parametrize("dtype,row", [
    (np.float32, (64,)), (np.float32, ()), (np.float64, (3, 5)), (np.uint8, (3,)), (np.int16, (7,)),
    (np.complex64, (2,)), (np.bool_, (9,)), ("S5", (2,)), (np.float32, (300,)),   # 1200 bytes: np.take's path
])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_rows_equal_numpys_take(threads, dtype, row, index_dtype):
    rng = np.random.RandomState(0)
    table = rng.randint(0, 100, size=(5000,) + row).astype(dtype)
    rows = rng.randint(0, 5000, size=(300, 70)).astype(index_dtype)
    got = gather_rows_cpu.take_rows(table, rows)
    assert got.dtype == table.dtype and got.shape == rows.shape + row
    np.testing.assert_array_equal(got, np.take(table, rows, axis=0))


def test_rows_of_a_table_view_and_of_unaligned_memory(threads):
    rng = np.random.RandomState(1)
    wide = rng.randn(4000, 10).astype(np.float32)
    rows = rng.randint(0, 4000, 20000)
    strided = wide[:, ::2]                               # not contiguous: np.take's path
    np.testing.assert_array_equal(gather_rows_cpu.take_rows(strided, rows), strided[rows])
    raw = np.zeros(4000 * 8 + 1, np.uint8)[1:]           # contiguous at an odd address: byte words
    table = raw.view(np.uint8).reshape(4000, 8)
    table[:] = rng.randint(0, 255, table.shape)
    np.testing.assert_array_equal(gather_rows_cpu.take_rows(table, rows), table[rows])


def test_no_rows_and_empty_rows(threads):
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    assert gather_rows_cpu.take_rows(table, np.zeros((0,), np.int32)).shape == (0, 3)
    empty_rows = np.zeros((4, 0), np.float32)
    assert gather_rows_cpu.take_rows(empty_rows, np.array([3, 1], np.int64)).shape == (2, 0)


def test_gather_and_gather_nd_give_the_rows(threads):
    rng = np.random.RandomState(2)
    params = rng.randn(20000, 16).astype(np.float32)
    ids = rng.randint(0, 20000, 50000).astype(np.int32)
    with tg.Graph().as_default():
        p, i = tg.constant(params), tg.constant(ids)
        fetches = [tg.gather(p, i), tg.gather_nd(p, tg.reshape(i, [-1, 1]))]
        with tg.Session() as sess:
            for got in sess.run(fetches):
                np.testing.assert_array_equal(got, params[ids])
