"""Queues (FIFOQueueV2, PaddingFIFOQueueV2, RandomShuffleQueueV2 and the Queue*V2 ops) against what
TensorFlow 2.21 gave for the same cases (tests/data/tf_ops/record_queues.py, queues.json), and the
threading they need: a dequeue blocked in one thread's run, woken by another's enqueue, close or the
session's end."""
import importlib.util
import json
import pathlib
import threading
import time

import numpy as np
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.engine.framework import errors

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"


def _load_record():
    spec = importlib.util.spec_from_file_location("tf_ops_record_queues", DATA / "record_queues.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
RECORDED = json.loads((DATA / "queues.json").read_text())


def replay(name, tmp_path):
    return RECORD.replay(tf, name, str(tmp_path))


@pytest.mark.parametrize("name", ["fifo_order", "padding", "named", "shuffle_queue", "priority", "close_errors",
                                  "blocked_dequeue", "closed_while_waiting"])
def test_queue_matches_tensorflow(name, tmp_path):
    assert replay(name, tmp_path) == RECORDED[name]


def test_dequeue_waits_for_enqueue_from_another_thread():
    with tg.Graph().as_default():
        q = tg.FIFOQueue(1, [tg.int32], shapes=[[]])
        enq = q.enqueue(7)
        with tg.Session() as sess:
            t = threading.Thread(target=lambda: (time.sleep(0.2), sess.run(enq)))
            t.start()
            assert sess.run(q.dequeue(), options=tf.RunOptions(timeout_in_ms=20000)) == 7
            t.join()


def test_enqueue_waits_for_room_and_close_cancels_pending():
    with tg.Graph().as_default():
        q = tg.FIFOQueue(1, [tg.int32], shapes=[[]])
        enq = q.enqueue(1)
        seen = []
        with tg.Session() as sess:
            sess.run(enq)

            def blocked():
                try:
                    sess.run(enq)
                except errors.CancelledError as e:
                    seen.append(e.message)
            t = threading.Thread(target=blocked)
            t.start()
            time.sleep(0.2)
            assert t.is_alive()
            sess.run(q.close(cancel_pending_enqueues=True))
            t.join(10)
            assert len(seen) == 1 and seen[0].startswith("Enqueue operation was cancelled")
            assert sess.run(q.dequeue()) == 1


def test_closing_the_session_ends_a_waiting_dequeue():
    with tg.Graph().as_default():
        q = tg.FIFOQueue(1, [tg.int32], shapes=[[]])
        deq = q.dequeue()
        sess = tg.Session()
        seen = []

        def blocked():
            try:
                sess.run(deq)
            except errors.CancelledError as e:
                seen.append(type(e))
        t = threading.Thread(target=blocked)
        t.start()
        time.sleep(0.2)
        sess.close()
        t.join(10)
        assert not t.is_alive() and seen == [errors.CancelledError]


def test_shared_name_shares_one_queue():
    with tg.Graph().as_default():
        a = tg.FIFOQueue(3, [tg.int32], shapes=[[]], shared_name="shared")
        b = tg.FIFOQueue(3, [tg.int32], shapes=[[]], shared_name="shared")
        with tg.Session() as sess:
            sess.run(a.enqueue(5))
            assert sess.run(b.size()) == 1
            assert sess.run(b.dequeue()) == 5


def test_random_shuffle_queue_with_seed_repeats_its_order():
    def order():
        with tg.Graph().as_default():
            q = tg.RandomShuffleQueue(10, 0, [tg.int32], shapes=[[]], seed=4)
            with tg.Session() as sess:
                sess.run(q.enqueue_many([np.arange(10, dtype=np.int32)]))
                return sess.run(q.dequeue_many(10)).tolist()
    first = order()
    assert first == order() and sorted(first) == list(range(10)) and first != list(range(10))


def test_bad_arguments():
    with tg.Graph().as_default():
        q = tg.FIFOQueue(3, [tg.int32, tg.float32], shapes=[[], [2]], names=["a", "b"])
        with pytest.raises(ValueError, match="must enqueue a dictionary"):
            q.enqueue([1, [1.0, 2.0]])
        with pytest.raises(ValueError, match="do not match names"):
            q.enqueue({"a": 1, "c": [1.0, 2.0]})
        with pytest.raises(ValueError, match="fully defined"):
            tg.FIFOQueue(3, [tg.int32], shapes=[[None]])
        with pytest.raises(ValueError, match="capacity"):
            tg.train.shuffle_batch([tg.constant(1)], 2, capacity=5, min_after_dequeue=5)
        with pytest.raises(ValueError, match="same length"):
            tg.FIFOQueue(3, [tg.int32], shapes=[[], []])


def test_tf_queue_namespace():
    assert tf.queue.FIFOQueue is tg.FIFOQueue and tf.queue.RandomShuffleQueue is tg.RandomShuffleQueue
    assert tf.PaddingFIFOQueue is tg.PaddingFIFOQueue


def test_an_enqueued_feed_is_the_queues_own_copy():
    # The caller may change its array after the run: what was enqueued stays as it was fed.
    with tg.Graph().as_default():
        one, many = tg.placeholder(tg.float32, [3]), tg.placeholder(tg.float32, [2, 3])
        q = tg.FIFOQueue(5, [tg.float32], shapes=[[3]])
        enqueue, enqueue_many, dequeue = q.enqueue([one]), q.enqueue_many([many]), q.dequeue()
        with tg.Session() as sess:
            a, b = np.ones(3, np.float32), np.full((2, 3), 2.0, np.float32)
            sess.run(enqueue, {one: a})
            sess.run(enqueue_many, {many: b})
            a[:] = 9.0
            b[:] = 9.0
            got = [sess.run(dequeue).tolist() for _ in range(3)]
    assert got == [[1.0] * 3, [2.0] * 3, [2.0] * 3]


def test_an_enqueued_value_the_run_made_is_kept_without_a_copy(monkeypatch):
    from tagraph.engine.ops import queue_ops
    kept = []
    real = queue_ops._cast

    def spy(ctx, queue, values):
        out = real(ctx, queue, values)
        kept.append(all(mine is given for mine, given in zip(out, values)))
        return out

    monkeypatch.setattr(queue_ops, "_cast", spy)
    with tg.Graph().as_default():
        p = tg.placeholder(tg.float32, [3])
        q = tg.FIFOQueue(5, [tg.float32], shapes=[[3]])
        made, fed, reshaped = q.enqueue([p * 2.0]), q.enqueue([p]), q.enqueue([tg.reshape(p, [3])])
        with tg.Session() as sess:
            for op in (made, fed, reshaped):
                sess.run(op, {p: np.ones(3, np.float32)})
    assert kept == [True, False, False]
