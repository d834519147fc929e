"""Records what real TensorFlow 1 (graph mode) gives for tests/engine/ops/test_queue_ops.py,
test_reader_ops.py and tests/engine/train/test_queue_runner.py: queues (FIFO, padding, random shuffle),
their close semantics and messages, readers over files each case writes, and queue input pipelines
(string_input_producer, batch, shuffle_batch, Coordinator and start_queue_runners, MonitoredTrainingSession).

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_queues.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

``queues.json`` maps each case's name to what it returned. A case takes a TensorFlow-1 namespace and a
directory for its files, so the tests run the same cases with ``tagraph.compat.v1``; importing this file
needs only numpy. Results hold Python values only (lists, ints, floats, strings); keys of readers hold
file names without their directory; errors are ``[class name, message]`` with the queue's number
(``_3_fifo_queue``) written ``_N_``; shuffled results are sorted (the same multiset as TensorFlow's).
"""
import json
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT_MS = 20000


def _py(v):
    if isinstance(v, dict):
        return {k: _py(x) for k, x in sorted(v.items())}
    if isinstance(v, (list, tuple)):
        return [_py(x) for x in v]
    if isinstance(v, np.ndarray):
        return _py(v.tolist())
    if isinstance(v, (bytes, np.bytes_)):
        return os.path.basename(bytes(v).decode("utf-8"))
    if isinstance(v, np.generic):
        return v.item()
    return v


def _message(e):
    """TensorFlow's message without the traceback of the node that TensorFlow 2 puts before it."""
    lines = [ln for ln in str(getattr(e, "message", e)).split("\n")]
    lines = [ln for ln in lines if ln.strip() and not ln.startswith("\t [[") and not ln.startswith("\t[[")]
    msg = lines[-1].strip() if lines else ""
    return re.sub(r"'_\d+_", "'_N_", msg)


def _error(tf, run):
    try:
        run()
    except tf.errors.OpError as e:
        return [type(e).__name__, _message(e)]
    return None


def _options(tf):
    return tf.RunOptions(timeout_in_ms=TIMEOUT_MS)


# --- queues --------------------------------------------------------------------------------------------

def fifo_order(tf, tmp):
    q = tf.FIFOQueue(10, [tf.int32, tf.float32], shapes=[[], [2]])
    enq = q.enqueue_many([[1, 2, 3, 4, 5], [[i, -i] for i in range(5)]])
    one = q.dequeue()
    many = q.dequeue_many(2)
    with tf.Session() as s:
        s.run(enq)
        out = {"one": s.run(one), "size": s.run(q.size()), "many": s.run(many)}
        s.run(q.close())
        out["up_to"] = s.run(q.dequeue_up_to(5))
        out["closed"] = s.run(q.is_closed())
        out["static"] = [many[0].shape.as_list(), many[1].shape.as_list(), q.dequeue_up_to(3)[1].shape.as_list(),
                         one[1].shape.as_list()]
    return _py(out)


def padding(tf, tmp):
    q = tf.PaddingFIFOQueue(5, [tf.int32, tf.string], shapes=[[None], []])
    with tf.Session() as s:
        s.run(q.enqueue([[1, 2, 3], "a"]))
        s.run(q.enqueue([[4], "b"]))
        s.run(q.enqueue([[5, 6], "c"]))
        out = {"many": s.run(q.dequeue_many(2))}
        s.run(q.close())
        out["rest"] = s.run(q.dequeue_up_to(4))
        out["empty"] = _error(tf, lambda: s.run(q.dequeue_many(1)))
    return _py(out)


def named(tf, tmp):
    q = tf.FIFOQueue(5, [tf.int32, tf.float32], shapes=[[], []], names=["a", "b"])
    with tf.Session() as s:
        s.run(q.enqueue({"a": 1, "b": 2.5}))
        s.run(q.enqueue_many({"a": [3, 4], "b": [5.5, 6.5]}))
        return _py({"one": s.run(q.dequeue()), "many": s.run(q.dequeue_many(2)), "names": q.names})


def shuffle_queue(tf, tmp):
    q = tf.RandomShuffleQueue(20, 5, [tf.int32], shapes=[[]], seed=3)
    with tf.Session() as s:
        s.run(q.enqueue_many([list(range(12))]))
        first = list(s.run(q.dequeue_many(7)))
        blocked = _error(tf, lambda: s.run(q.dequeue(), options=tf.RunOptions(timeout_in_ms=200)))
        s.run(q.close())
        rest = list(s.run(q.dequeue_up_to(10)))
        empty = _error(tf, lambda: s.run(q.dequeue()))
    return _py({"all": sorted(first + rest), "first_count": len(first), "blocked": blocked, "empty": empty})


def priority(tf, tmp):
    q = tf.PriorityQueue(10, [tf.string, tf.float32], shapes=[[], [2]])
    p = tf.placeholder(tf.int64)
    with tf.Session() as s:
        s.run(q.enqueue_many([tf.constant([5, 1, 3], tf.int64), ["e", "a", "c"], [[5., 5.], [1., 1.], [3., 3.]]]))
        s.run(q.enqueue([tf.constant(2, tf.int64), "b", [2., 2.]]))
        out = {"one": s.run(q.dequeue()), "many": s.run(q.dequeue_many(2)),
               "shapes": [t.as_list() for t in q.shapes], "dtypes": [t.name for t in q.dtypes]}
        out["bad_priority"] = _error(tf, lambda: s.run(q.enqueue([p, "x", [0., 0.]]), {p: [1, 2]}))
        s.run(q.close())
        # TensorFlow's PriorityQueue has no small batches: DequeueUpTo takes what is left, then fails.
        out["rest"] = _error(tf, lambda: s.run(q.dequeue_up_to(5)))
        out["empty"] = _error(tf, lambda: s.run(q.dequeue()))
    return _py(out)


def close_errors(tf, tmp):
    q = tf.FIFOQueue(3, [tf.float32], shapes=[[2]])
    p = tf.placeholder(tf.float32)
    u = tf.FIFOQueue(3, [tf.int32])
    with tf.Session() as s:
        out = {"shape": _error(tf, lambda: s.run(q.enqueue([p]), {p: [1., 2., 3.]}))}
        out["timeout"] = _error(tf, lambda: s.run(q.dequeue_many(2), options=tf.RunOptions(timeout_in_ms=200)))
        s.run(q.enqueue([[1., 2.]]))
        s.run(q.close())
        out["enqueue_closed"] = _error(tf, lambda: s.run(q.enqueue([[1., 2.]])))
        out["many_short"] = _error(tf, lambda: s.run(q.dequeue_many(2)))
        out["up_to"] = _py(s.run(q.dequeue_up_to(2)))
        out["up_to_empty"] = _error(tf, lambda: s.run(q.dequeue_up_to(2)))
        out["dequeue_empty"] = _error(tf, lambda: s.run(q.dequeue()))
        s.run(u.enqueue(1))
        out["unknown_shape_many"] = _error(tf, lambda: s.run(u.dequeue_many(1)))
        s.run(u.enqueue(2))
        out["full"] = _error(tf, lambda: s.run(u.enqueue(3), options=tf.RunOptions(timeout_in_ms=200)))
    try:
        q.enqueue([[1., 2., 3.]])
        out["static_shape"] = None
    except ValueError as e:
        out["static_shape"] = ["ValueError", str(e)]
    return out


def blocked_dequeue(tf, tmp):
    """A dequeue waiting in the main thread while another thread's runs enqueue, then close."""
    import threading
    q = tf.FIFOQueue(2, [tf.int32], shapes=[[]])
    x = tf.placeholder(tf.int32, [])
    enq, close = q.enqueue(x), q.close()
    with tf.Session() as s:
        def produce():
            for i in range(5):
                s.run(enq, {x: i})
            s.run(close)
        t = threading.Thread(target=produce)
        t.start()
        got = []
        try:
            while True:
                got.append(s.run(q.dequeue(), options=_options(tf)))
        except tf.errors.OutOfRangeError:
            pass
        t.join()
    return _py(got)


def closed_while_waiting(tf, tmp):
    """A dequeue_many waiting on a queue that another thread closes: what it lacked, and what is left."""
    import threading
    import time
    q = tf.FIFOQueue(5, [tf.int32], shapes=[[]])
    close = q.close()
    with tf.Session() as s:
        s.run(q.enqueue(7))
        t = threading.Thread(target=lambda: (time.sleep(0.5), s.run(close)))
        t.start()
        waited = _error(tf, lambda: s.run(q.dequeue_many(3), options=_options(tf)))
        t.join()
        return _py({"waited": waited, "left": s.run(q.dequeue_up_to(3))})


# --- readers -------------------------------------------------------------------------------------------

def _write_records(tf, tmp, n_files=2, per_file=5, compression=None):
    files = []
    for f in range(n_files):
        path = os.path.join(tmp, "data%d.tfrecord%s" % (f, ".gz" if compression else ""))
        opts = tf.python_io.TFRecordOptions(compression) if compression else None
        with tf.python_io.TFRecordWriter(path, opts) as w:
            for i in range(per_file):
                ex = tf.train.Example(features=tf.train.Features(feature={
                    "x": tf.train.Feature(int64_list=tf.train.Int64List(value=[f * 100 + i])),
                    "y": tf.train.Feature(float_list=tf.train.FloatList(value=[i * 0.5, -i * 1.0])),
                    "s": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"r" * (i + 1)]))}))
                w.write(ex.SerializeToString())
        files.append(path)
    return files


def _parse(tf, value):
    return tf.parse_single_example(value, {"x": tf.FixedLenFeature([], tf.int64),
                                           "y": tf.FixedLenFeature([2], tf.float32),
                                           "s": tf.FixedLenFeature([], tf.string)})


def _drain(tf, sess, fetch, limit=1000):
    out = []
    try:
        for _ in range(limit):
            out.append(sess.run(fetch, options=_options(tf)))
    except tf.errors.OutOfRangeError as e:
        return out, _message(e)
    return out, None


def _init(tf, sess):
    sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])


def tfrecord_reader(tf, tmp):
    files = _write_records(tf, tmp, compression="GZIP")
    q = tf.FIFOQueue(5, [tf.string], shapes=[[]])
    reader = tf.TFRecordReader(options=tf.python_io.TFRecordOptions("GZIP"))
    key, value = reader.read(q)
    keys, values = reader.read_up_to(q, 3)
    with tf.Session() as s:
        s.run(q.enqueue_many([files]))
        s.run(q.close())
        out = {"first": s.run([key, _parse(tf, value)["x"]])}
        out["up_to"] = [s.run([keys, values]) for _ in range(2)]
        out["count"] = s.run(reader.num_records_produced())
        out["units"] = s.run(reader.num_work_units_completed())
        out["rest"], out["end"] = _drain(tf, s, key)
        s.run(reader.reset())
        out["after_reset"] = s.run(reader.num_records_produced())
    out["up_to"] = [[k, [len(v) for v in vs]] for k, vs in out["up_to"]]
    return _py(out)


def text_line_reader(tf, tmp):
    paths = []
    for f, text in enumerate([b"head\nline 1\n\nline 3\r\nlast", b"head2\nonly\n"]):
        paths.append(os.path.join(tmp, "text%d.txt" % f))
        with open(paths[-1], "wb") as fh:
            fh.write(text)
    q = tf.FIFOQueue(5, [tf.string], shapes=[[]])
    key, value = tf.TextLineReader(skip_header_lines=1).read(q)
    with tf.Session() as s:
        s.run(q.enqueue_many([paths]))
        s.run(q.close())
        got, end = _drain(tf, s, [key, value])
    return _py({"records": got, "end": end})


def fixed_and_whole_file_readers(tf, tmp):
    path = os.path.join(tmp, "fixed.bin")
    with open(path, "wb") as fh:
        fh.write(b"HDR" + bytes(range(20)) + b"FT")
    q = tf.FIFOQueue(5, [tf.string], shapes=[[]])
    key, value = tf.FixedLengthRecordReader(6, header_bytes=3, footer_bytes=2).read(q)
    q2 = tf.FIFOQueue(5, [tf.string], shapes=[[]])
    wkey, wvalue = tf.WholeFileReader().read(q2)
    q3 = tf.FIFOQueue(5, [tf.string], shapes=[[]])
    ikeys, ivalues = tf.IdentityReader().read_up_to(q3, 5)
    with tf.Session() as s:
        s.run([q.enqueue(path), q2.enqueue(path), q3.enqueue_many([["a", "b", "c"]])])
        s.run([q.close(), q2.close(), q3.close()])
        fixed, fixed_end = _drain(tf, s, [key, value])
        whole, _ = _drain(tf, s, [wkey, wvalue])
        ident = s.run([ikeys, ivalues])
    fixed = [[k, list(bytearray(v))] for k, v in fixed]
    whole = [[k, list(bytearray(v))] for k, v in whole]
    return _py({"fixed": fixed, "fixed_end": fixed_end, "whole": whole, "identity": ident})


# --- pipelines -----------------------------------------------------------------------------------------

def _run_pipeline(tf, fetch):
    with tf.Session() as s:
        _init(tf, s)
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(s, coord)
        got, end = _drain(tf, s, fetch)
        # Whether the last dequeue began before or after its queue closed is a race (it changes the message).
        end = end is not None
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=20)
        alive = sum(t.is_alive() for t in threads)
    return got, end, alive


def batch_pipeline(tf, tmp):
    files = _write_records(tf, tmp)
    queue = tf.train.string_input_producer(files, num_epochs=2, shuffle=False, capacity=4)
    key, value = tf.TFRecordReader().read(queue)
    feats = _parse(tf, value)
    batch = tf.train.batch([key, feats["x"], feats["y"], feats["s"]], batch_size=3, capacity=8,
                           allow_smaller_final_batch=True)
    static = [t.shape.as_list() for t in batch]
    summaries = sorted(op.name for op in tf.get_default_graph().get_operations() if op.type == "ScalarSummary")
    got, end, alive = _run_pipeline(tf, batch)
    return _py({"batches": got, "end": end, "alive": alive, "static": static, "summaries": summaries})


def batch_full_batches(tf, tmp):
    x = tf.train.limit_epochs(tf.constant([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]), num_epochs=1)
    batch = tf.train.batch([x], batch_size=2, enqueue_many=True)
    got, end, alive = _run_pipeline(tf, batch)
    return _py({"batches": got, "end": end, "alive": alive, "static": batch.shape.as_list()})


def shuffle_pipeline(tf, tmp):
    files = _write_records(tf, tmp, n_files=3, per_file=7)
    queue = tf.train.string_input_producer(files, num_epochs=2, shuffle=True, seed=5)
    _, value = tf.TFRecordReader().read(queue)
    feats = _parse(tf, value)
    batch = tf.train.shuffle_batch({"x": feats["x"], "y": feats["y"]}, batch_size=4, capacity=20,
                                   min_after_dequeue=6, num_threads=2, seed=9, allow_smaller_final_batch=True)
    summaries = sorted(op.name for op in tf.get_default_graph().get_operations() if op.type == "ScalarSummary")
    got, end, alive = _run_pipeline(tf, batch)
    xs = sorted(v for b in got for v in b["x"].tolist())
    return _py({"xs": xs, "sizes": sorted(len(b["x"]) for b in got), "end": end, "alive": alive,
                "summaries": summaries, "keys": sorted(batch)})


def slice_and_join(tf, tmp):
    images = tf.constant(np.arange(12, dtype=np.float32).reshape(6, 2))
    labels = tf.constant(np.arange(6, dtype=np.int64))
    image, label = tf.train.slice_input_producer([images, labels], num_epochs=1, shuffle=False)
    batch = tf.train.batch_join([[image, label], [image * 10, label + 100]], batch_size=4,
                                allow_smaller_final_batch=True)
    got, end, alive = _run_pipeline(tf, batch)
    # Both lists take from one producer, each element going to the one that asks first: which list gives an
    # element depends on the threads, what it is does not.
    rows = [(float(i[0]), int(lab)) for b in got for i, lab in zip(b[0], b[1])]
    return _py({"labels": sorted(lab % 100 for _, lab in rows), "end": end, "alive": alive,
                "consistent": all(img == (2 * lab if lab < 100 else 20 * (lab - 100)) for img, lab in rows)})


def training_loop(tf, tmp):
    """A TF1 training loop on a shuffle_batch queue pipeline until the input ends."""
    files = _write_records(tf, tmp, n_files=2, per_file=10)
    queue = tf.train.string_input_producer(files, num_epochs=3, shuffle=False)
    _, value = tf.TFRecordReader().read(queue)
    feats = _parse(tf, value)
    x, y = tf.train.shuffle_batch([tf.cast(feats["x"], tf.float32), feats["y"]], batch_size=5, capacity=30,
                                  min_after_dequeue=10, seed=1)
    w = tf.Variable(tf.zeros([2]), name="w")
    loss = tf.reduce_mean(tf.square(tf.reduce_sum(y * w, axis=1) - x * 0.01))
    step = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss, global_step=step)
    with tf.Session() as s:
        _init(tf, s)
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess=s, coord=coord)
        steps = 0
        try:
            while not coord.should_stop():
                s.run(train, options=_options(tf))
                steps += 1
        except tf.errors.OutOfRangeError:
            pass
        finally:
            coord.request_stop()
        coord.join(threads, stop_grace_period_secs=20)
        return {"steps": steps, "global_step": int(s.run(step)), "alive": sum(t.is_alive() for t in threads)}


def monitored_session(tf, tmp):
    files = _write_records(tf, tmp)
    queue = tf.train.string_input_producer(files, num_epochs=2, shuffle=False)
    _, value = tf.TFRecordReader().read(queue)
    x = tf.train.batch([_parse(tf, value)["x"]], batch_size=2)
    step = tf.train.get_or_create_global_step()
    inc = tf.assign_add(step, 1)
    got = []
    with tf.train.MonitoredTrainingSession(checkpoint_dir=None, save_summaries_steps=None,
                                           save_summaries_secs=None, log_step_count_steps=None) as s:
        while not s.should_stop():
            got.append(s.run([x, inc])[0])
    return _py({"batches": got})


def pipeline_graph(tf, tmp):
    """The nodes (name, type) a queue pipeline builds."""
    queue = tf.train.string_input_producer(["a", "b"], num_epochs=2, shuffle=True, seed=1)
    key, value = tf.TFRecordReader().read(queue)
    tf.train.batch([key, value], batch_size=2)
    tf.train.shuffle_batch([key], batch_size=2, capacity=10, min_after_dequeue=2)
    q = tf.FIFOQueue(3, [tf.int32], shapes=[[]])
    q.enqueue(1)
    q.enqueue_many([[1, 2]])
    return sorted([op.name, op.type] for op in tf.get_default_graph().get_operations())


CASES = [fifo_order, padding, named, shuffle_queue, priority, close_errors, blocked_dequeue, closed_while_waiting,
         tfrecord_reader, text_line_reader, fixed_and_whole_file_readers, batch_pipeline, batch_full_batches,
         shuffle_pipeline, slice_and_join, training_loop, monitored_session, pipeline_graph]


def run_case(tf, case, tmp):
    """``case`` run in a graph of its own, with files under ``tmp``."""
    with tf.Graph().as_default():
        return case(tf, tmp)


def replay(tf, name, tmp, timeout=120):
    """The case ``name`` run with ``tf`` in a thread of its own, as JSON gives it back; an AssertionError
    when it has not ended after ``timeout`` seconds (a queue waiting forever)."""
    import threading
    case = {c.__name__: c for c in CASES}[name]
    result = {}

    def run():
        try:
            result["value"] = json.loads(json.dumps(run_case(tf, case, tmp)))
        except BaseException as e:  # noqa: BLE001 - raised again in the caller's thread
            result["error"] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "case %s did not end in %ds" % (name, timeout)
    if "error" in result:
        raise result["error"]
    return result["value"]


def main():
    import tempfile

    import tensorflow.compat.v1 as tf  # noqa: only the recording needs TensorFlow
    tf.disable_eager_execution()
    tf.disable_control_flow_v2()
    out = {}
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            out[case.__name__] = run_case(tf, case, tmp)
    target = os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), "queues.json")
    with open(target, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    print("wrote", target)


if __name__ == "__main__":
    sys.exit(main())
