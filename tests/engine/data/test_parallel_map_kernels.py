"""map(num_parallel_calls=N): the map function runs on at most N worker threads at once, the elements come
in their input order (deterministic) or as they are ready (deterministic=False), a failing element gives
its error in its place and the rest follow, and nothing hangs (each read runs under a deadline). The
elements against TensorFlow's are the map_parallel* cases of test_dataset_ops."""
import threading
import time

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.data import parallel_map_kernels

DEADLINE_S = 20


class _Tracker:
    """A Python map function that records how many calls run at once; element 3 sleeps longest."""

    def __init__(self, fail_on=None):
        self.lock = threading.Lock()
        self.running = self.most = 0
        self.fail_on = fail_on

    def __call__(self, x):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.06 if int(x) == 3 else 0.01)
            if self.fail_on is not None and int(x) == self.fail_on:
                raise ValueError("element %d is bad" % int(x))
            return np.int64(x * 10)
        finally:
            with self.lock:
                self.running -= 1


def _read_all(dataset, limit=100):
    """Every step of reading ``dataset`` (values or error messages), under a deadline: a hang fails."""
    out, done = [], threading.Event()
    with tg.Graph().as_default():
        x = tg.data.make_one_shot_iterator(dataset()).get_next()
        sess = tg.Session()

        def read():
            for _ in range(limit):
                try:
                    out.append(int(sess.run(x)))
                except tg.errors.OutOfRangeError:
                    break
                except tg.errors.OpError as e:
                    out.append(e)
            done.set()
        t = threading.Thread(target=read, daemon=True)
        t.start()
        assert done.wait(DEADLINE_S), "reading the pipeline hung"
        sess.close()
    return out


def _mapped(tracker, n, workers, deterministic=None):
    return lambda: tg.data.Dataset.range(n).map(lambda v: tg.py_func(tracker, [v], tg.int64), num_parallel_calls=workers,
                                                deterministic=deterministic)


def test_calls_run_in_parallel_bounded_by_num_parallel_calls_and_keep_their_order():
    tracker = _Tracker()
    assert _read_all(_mapped(tracker, 12, 3)) == [10 * i for i in range(12)]
    assert tracker.most == 3


def test_autotune_uses_the_processes_inter_op_threads():
    tracker = _Tracker()
    got = _read_all(_mapped(tracker, 12, tg.data.AUTOTUNE))
    assert got == [10 * i for i in range(12)]
    assert 1 <= tracker.most <= parallel_map_kernels.parallelism(-1)


def test_nondeterministic_gives_what_is_ready_first():
    tracker = _Tracker()
    got = _read_all(_mapped(tracker, 8, 3, deterministic=False))
    assert sorted(got) == [10 * i for i in range(8)]
    assert got.index(30) > got.index(40)        # the slow element 3 is overtaken


def test_a_failing_call_gives_its_error_in_its_place_then_the_rest():
    got = _read_all(_mapped(_Tracker(fail_on=2), 6, 3))
    assert got[:2] == [0, 10] and got[3:] == [30, 40, 50]
    assert isinstance(got[2], tg.errors.InvalidArgumentError)
    message = got[2].message
    assert "element 2 is bad" in message and "ParallelMapDatasetV2" in message and "ParallelMapV2" in message


def test_closing_mid_stream_ends_the_workers():
    before = {t.ident for t in threading.enumerate()}
    with tg.Graph().as_default():
        it = tg.data.make_initializable_iterator(_mapped(_Tracker(), 100, 4)())
        x = it.get_next()
        with tg.Session() as sess:
            sess.run(it.initializer)
            assert sess.run(x) == 0
    time.sleep(0.1)
    assert not [t for t in threading.enumerate() if t.ident not in before and "parallel map" in t.name]


@pytest.mark.parametrize("bad", [0, -2])
def test_num_parallel_calls_must_be_positive_or_autotune(bad):
    got = _read_all(lambda: tg.data.Dataset.range(3).map(lambda v: v + 1, num_parallel_calls=bad))
    assert isinstance(got[0], tg.errors.InvalidArgumentError) and "num_parallel_calls" in got[0].message


def test_graph_carries_tensorflows_op_and_attrs():
    with tg.Graph().as_default() as g:
        tg.data.Dataset.range(3).map(lambda v: v + 1, num_parallel_calls=2, deterministic=False)
        op = next(o for o in g.get_operations() if o.type == "ParallelMapDatasetV2")
        assert op.get_attr("deterministic") in (b"false", "false")
        assert op.inputs[-1].op.name == "num_parallel_calls"
