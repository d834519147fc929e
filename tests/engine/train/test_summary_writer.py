"""tg.summary.FileWriter: event files the real TensorBoard reads (its EventAccumulator, tensorboard being in
the test extra), written by a thread that a slow disk does not hold a training step behind, and a full disk
that costs summaries (with TensorFlow's error) but no training step and no readable record."""
import errno
import io
import os
import re
import socket
import threading
import time

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.engine.train import summary as summary_module

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
event_file_loader = pytest.importorskip("tensorboard.backend.event_processing.event_file_loader")
event_pb2 = pytest.importorskip("tensorboard.compat.proto.event_pb2")
Image = pytest.importorskip("PIL.Image")

ALL = {"scalars": 0, "histograms": 0, "images": 0, "audio": 0, "tensors": 0}


def _accumulator(logdir):
    acc = event_accumulator.EventAccumulator(str(logdir), size_guidance=ALL)
    acc.Reload()
    return acc


def _events(path):
    return [event_pb2.Event.FromString(r) for r in event_file_loader.RawEventFileLoader(str(path)).Load()]


def _event_files(logdir):
    return sorted(p for p in logdir.iterdir() if p.name.startswith("events.out.tfevents."))


def _summary_program():
    x = tg.placeholder(tg.float32, [4], name="inputs")
    tg.summary.scalar("loss", tg.reduce_mean(x))
    tg.summary.histogram("x", x)
    tg.summary.image("img", tg.reshape(x, [1, 2, 2, 1]))
    tg.summary.audio("snd", tg.reshape(x, [1, 4]) / 10, 8000)
    tg.summary.text("note", tg.constant("hi"))
    return x, tg.summary.merge_all()


def test_tensorboard_reads_scalars_histograms_images_audio_text_graph_and_run_metadata(tmp_path):
    with tg.Graph().as_default() as g:
        x, merged = _summary_program()
        with tg.Session() as sess, tg.summary.FileWriter(str(tmp_path), graph=g) as writer:
            for step in range(5):
                writer.add_summary(sess.run(merged, {x: [step, 1.0, 2.0, 3.0]}), global_step=step)
            run_metadata = tg.RunMetadata()
            run_metadata.step_stats.dev_stats.add(device="/job:localhost/replica:0/task:0/device:CPU:0")
            writer.add_run_metadata(run_metadata, "step4", global_step=4)
    [path] = _event_files(tmp_path)
    assert re.fullmatch(r"events\.out\.tfevents\.\d{10}\.%s" % re.escape(socket.gethostname()), path.name)
    first = _events(path)[0]
    assert first.file_version == "brain.Event:2" and first.wall_time == int(path.name.split(".")[3])

    acc = _accumulator(tmp_path)
    tags = acc.Tags()
    assert (tags["scalars"], tags["histograms"], tags["images"], tags["audio"], tags["tensors"]) == (
        ["loss"], ["x"], ["img/image/0"], ["snd/audio/0"], ["note"])
    assert tags["graph"] and tags["run_metadata"] == ["step4"]
    assert [(e.step, e.value) for e in acc.Scalars("loss")] == [(s, (s + 6.0) / 4) for s in range(5)]
    h = acc.Histograms("x")[4].histogram_value
    assert (h.min, h.max, h.num, h.sum, h.sum_squares) == (1.0, 4.0, 4.0, 10.0, 30.0)
    image = acc.Images("img/image/0")[4]
    assert (image.step, image.width, image.height) == (4, 2, 2)
    # Scaled as TensorFlow scales a non-negative float image: by 255 / max, truncated.
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(image.encoded_image_string))),
                                  [[255, 63], [127, 191]])
    audio = acc.Audio("snd/audio/0")[2]
    assert (audio.sample_rate, audio.length_frames, audio.content_type) == (8000.0, 4, "audio/wav")
    assert acc.Tensors("note")[0].tensor_proto.string_val == [b"hi"]
    assert {n.name for n in acc.Graph().node} >= {"inputs", "x", "loss", "img", "snd", "Merge/MergeSummary"}
    assert "_output_shapes" in next(n for n in acc.Graph().node if n.name == "inputs").attr
    assert acc.RunMetadata("step4").step_stats.dev_stats[0].device.endswith("CPU:0")


def test_a_tags_metadata_is_written_with_its_first_value_only(tmp_path):
    with tg.Graph().as_default(), tg.Session() as sess, tg.summary.FileWriter(str(tmp_path)) as writer:
        note = tg.summary.text("note", tg.constant("hi"))
        for step in range(3):
            writer.add_summary(sess.run(note), step)
    values = [e.summary.value[0] for e in _events(_event_files(tmp_path)[0]) if e.HasField("summary")]
    assert [v.HasField("metadata") for v in values] == [True, False, False]
    assert values[0].metadata.plugin_data.plugin_name == "text"


def test_summary_messages_graph_defs_session_logs_and_events(tmp_path):
    writer = tg.summary.FileWriter(str(tmp_path), filename_suffix=".v1")
    value = tg.summary.Summary.Value(tag="acc", simple_value=0.75)
    writer.add_summary(tg.summary.Summary(value=[value]), global_step=np.int64(3))
    with tg.Graph().as_default() as g:
        tg.constant(1.0, name="c")
    writer.add_graph(None, graph_def=g.as_graph_def())
    writer.add_session_log(tg.summary.SessionLog(status=tg.summary.SessionLog.STOP), 9)
    writer.add_event(tg.summary.Event(step=11, wall_time=5.0, summary=tg.summary.Summary(value=[value])))
    writer.close()
    [path] = _event_files(tmp_path)
    assert path.name.endswith(".v1")
    events = _events(path)[1:]
    assert [(e.step, e.WhichOneof("what")) for e in events] == [(3, "summary"), (0, "graph_def"),
                                                               (9, "session_log"), (11, "summary")]
    assert events[0].summary.value[0].simple_value == 0.75 and events[3].wall_time == 5.0
    assert events[2].session_log.status == tg.summary.SessionLog.STOP


def test_bad_arguments_are_tensorflows_errors(tmp_path):
    writer = tg.summary.FileWriter(str(tmp_path))
    with tg.Graph().as_default() as g:
        with pytest.raises(ValueError, match="only graph, or graph_def"):
            writer.add_graph(g, graph_def=g.as_graph_def())
    with pytest.raises(TypeError, match="must be an instance of `Graph`"):
        writer.add_graph("graph")
    writer.add_run_metadata(tg.RunMetadata(), "t")
    with pytest.raises(ValueError, match="tag was already used"):
        writer.add_run_metadata(tg.RunMetadata(), "t")
    with pytest.raises(TypeError, match="run_metadata must be a RunMetadata"):
        writer.add_run_metadata(tg.ConfigProto(), "u")
    with pytest.raises(TypeError, match="meta_graph_def must be a MetaGraphDef"):
        writer.add_meta_graph(tg.RunMetadata())
    with pytest.raises(NotImplementedError, match="session"):
        tg.summary.FileWriter(str(tmp_path), session=object())
    writer.close()


def test_two_writers_in_one_second_write_two_files(tmp_path):
    writers = [tg.summary.FileWriter(str(tmp_path)) for _ in range(3)]
    for i, w in enumerate(writers):
        w.add_summary(tg.summary.Summary(value=[tg.summary.Summary.Value(tag="w%d" % i, simple_value=i)]), 1)
        w.close()
    assert len(_event_files(tmp_path)) == 3
    assert _accumulator(tmp_path).Tags()["scalars"] == ["w0", "w1", "w2"]


class _SlowDisk:
    """Makes the writer thread's flushes wait: for ``delay`` seconds, or until ``gate`` is set."""

    def __init__(self, monkeypatch, delay=None):
        self.gate, self.flushes = threading.Event(), 0
        real_flush = summary_module._EventsFile.flush
        slow = self

        def flush(events_file):
            if threading.current_thread().name == "tg.summary.FileWriter":
                slow.flushes += 1
                slow.gate.wait(delay)
            real_flush(events_file)
        monkeypatch.setattr(summary_module._EventsFile, "flush", flush)


def test_add_summary_does_not_wait_for_a_slow_disk(tmp_path, monkeypatch):
    _SlowDisk(monkeypatch, delay=0.5)
    writer = tg.summary.FileWriter(str(tmp_path), max_queue=20)
    start = time.perf_counter()
    for step in range(10):
        writer.add_summary(tg.summary.Summary(value=[tg.summary.Summary.Value(tag="t", simple_value=step)]), step)
    queued = time.perf_counter() - start
    writer.close()
    assert queued < 0.25, queued
    assert [e.step for e in _accumulator(tmp_path).Scalars("t")] == list(range(10))


def test_max_queue_events_wait_then_add_waits_for_the_thread(tmp_path, monkeypatch):
    disk = _SlowDisk(monkeypatch)
    writer = tg.summary.FileWriter(str(tmp_path), max_queue=2)
    event = tg.summary.Summary(value=[tg.summary.Summary.Value(tag="t", simple_value=1.0)])
    writer.add_summary(event, 0)                # the thread takes it, then waits in its first flush
    deadline = time.time() + 5
    while not disk.flushes and time.time() < deadline:
        time.sleep(0.01)
    writer.add_summary(event, 1)
    writer.add_summary(event, 2)                # the queue is full now
    third = threading.Thread(target=writer.add_summary, args=(event, 3))
    third.start()
    third.join(0.3)
    assert third.is_alive()                     # TensorFlow's back-pressure: max_queue bounds memory
    disk.gate.set()
    third.join(5)
    assert not third.is_alive()
    writer.close()
    assert [e.step for e in _accumulator(tmp_path).Scalars("t")] == [0, 1, 2, 3]


def test_threads_may_share_a_writer(tmp_path):
    writer = tg.summary.FileWriter(str(tmp_path), max_queue=3)

    def add(tag):
        for step in range(50):
            writer.add_summary(tg.summary.Summary(value=[tg.summary.Summary.Value(tag=tag, simple_value=step)]),
                               step)
            if step % 10 == 0:
                writer.flush()
    threads = [threading.Thread(target=add, args=("t%d" % i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    acc = _accumulator(tmp_path)
    assert all([e.step for e in acc.Scalars("t%d" % i)] == list(range(50)) for i in range(4))


def test_events_reach_the_disk_every_flush_secs_and_on_flush(tmp_path):
    event = tg.summary.Summary(value=[tg.summary.Summary.Value(tag="t", simple_value=1.0)])
    lazy = tg.summary.FileWriter(str(tmp_path / "lazy"), flush_secs=600)
    lazy.add_summary(event, 0)                  # the first event is flushed at once, as TensorFlow's
    [path] = _event_files(tmp_path / "lazy")
    deadline = time.time() + 5
    while len(_events(path)) < 2 and time.time() < deadline:
        time.sleep(0.01)
    lazy.add_summary(event, 1)
    time.sleep(0.3)
    assert len(_events(path)) == 2
    lazy.flush()
    assert len(_events(path)) == 3
    lazy.close()

    eager = tg.summary.FileWriter(str(tmp_path / "eager"), flush_secs=0.1)
    for step in range(3):
        eager.add_summary(event, step)
    [path] = _event_files(tmp_path / "eager")
    deadline = time.time() + 5
    while len(_events(path)) < 4 and time.time() < deadline:
        time.sleep(0.02)
    assert len(_events(path)) == 4              # no flush() asked for
    eager.close()


def _full_disk(monkeypatch, writer):
    """From now on the event file's writes fail as on a full disk: half a write lands, then ENOSPC."""
    fd, real_write = writer._file._fd, os.write

    def write(target, data):
        if target != fd:
            return real_write(target, data)
        if len(data) > 1:
            return real_write(target, bytes(data[:len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "write", write)


def test_a_full_disk_costs_summaries_but_no_training_step_and_no_readable_record(tmp_path, monkeypatch):
    with tg.Graph().as_default():
        counter = tg.Variable(0, name="counter")
        step_op = tg.assign_add(counter, 1)
        loss = tg.summary.scalar("loss", tg.cast(counter, tg.float32))
        writer = tg.summary.FileWriter(str(tmp_path), flush_secs=600)
        failures = []
        with tg.Session() as sess, pytest.warns(UserWarning, match="closed FileWriter"):
            sess.run(tg.global_variables_initializer())
            for step in range(10):              # after the failure, add_summary warns that the writer closed
                step_value, summary = sess.run([step_op, loss])
                if step == 3:
                    writer.flush()
                    good_size = os.path.getsize(writer._path)
                    _full_disk(monkeypatch, writer)
                try:
                    writer.add_summary(summary, step_value)
                    if step == 5:
                        writer.flush()
                except errors.OpError as e:
                    failures.append((step, e))
            assert sess.run(counter) == 10      # every training step ran
    monkeypatch.undo()
    [(step, error)] = failures
    assert step == 5 and isinstance(error, errors.ResourceExhaustedError)
    assert "No space left on device" in error.message and writer._path in error.message
    # The failed write was cut back to the last whole record: steps 1-3 (flushed) are there, nothing torn.
    assert os.path.getsize(writer._path) == good_size
    assert [e.step for e in _accumulator(tmp_path).Scalars("loss")] == [1, 2, 3]
    # The writer closed itself; reopen() starts a new file, and the run goes on in it.
    with pytest.warns(UserWarning, match="closed FileWriter"):
        writer.add_summary(tg.summary.Summary(value=[tg.summary.Summary.Value(tag="loss", simple_value=0)]), 99)
    writer.reopen()
    writer.add_summary(tg.summary.Summary(value=[tg.summary.Summary.Value(tag="loss", simple_value=11)]), 11)
    writer.close()
    assert len(_event_files(tmp_path)) == 2
    assert [e.step for e in _accumulator(tmp_path).Scalars("loss")] == [1, 2, 3, 11]


def test_the_error_surfaces_on_close_too(tmp_path, monkeypatch):
    writer = tg.summary.FileWriter(str(tmp_path))
    _full_disk(monkeypatch, writer)
    writer.add_summary(tg.summary.Summary(value=[tg.summary.Summary.Value(tag="t", simple_value=1)]), 1)
    with pytest.raises(errors.ResourceExhaustedError, match="No space left on device"):
        writer.close()
    monkeypatch.undo()
    writer.close()                              # closed already: nothing to do
    assert [e.WhichOneof("what") for e in _events(_event_files(tmp_path)[0])] == ["file_version"]


def test_a_deleted_event_file_is_tensorflows_error(tmp_path):
    writer = tg.summary.FileWriter(str(tmp_path))
    os.remove(writer._path)
    writer.add_summary(tg.summary.Summary(value=[tg.summary.Summary.Value(tag="t", simple_value=1)]), 1)
    with pytest.raises(errors.UnknownError, match="has disappeared"):
        writer.flush()


def test_a_logdir_that_is_a_file_fails_at_construction(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(errors.FailedPreconditionError, match="file is not a directory"):
        tg.summary.FileWriter(str(tmp_path / "file"))
    with pytest.raises(errors.FailedPreconditionError, match="Not a directory"):
        tg.summary.FileWriter(str(tmp_path / "file" / "sub"))


def test_tensorboard_tolerates_a_truncated_last_record(tmp_path):
    # What a crash in the middle of a write leaves (tagraph's writer cuts its own failed writes back).
    with tg.summary.FileWriter(str(tmp_path)) as writer:
        for step in range(3):
            writer.add_summary(tg.summary.Summary(value=[tg.summary.Summary.Value(tag="t", simple_value=step)]),
                               step)
    [path] = _event_files(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:-7])
    assert [e.step for e in _accumulator(tmp_path).Scalars("t")] == [0, 1]


def test_file_writer_cache_shares_one_writer_per_directory(tmp_path):
    with tg.Graph().as_default():
        tg.constant(1.0, name="in_the_default_graph")
        a = tg.summary.FileWriterCache.get(str(tmp_path / "a"))
        assert tg.summary.FileWriterCache.get(str(tmp_path / "a")) is a
        b = tg.summary.FileWriterCache.get(str(tmp_path / "b"))
        assert b is not a and b.get_logdir() == str(tmp_path / "b")
        tg.summary.FileWriterCache.clear()
    assert a._closed and b._closed
    assert tg.summary.FileWriterCache._cache == {}
    nodes = {n.name for n in _accumulator(tmp_path / "a").Graph().node}
    assert "in_the_default_graph" in nodes


def test_without_tensorboard_the_error_says_what_to_install(tmp_path, monkeypatch):
    import sys
    for name in [m for m in sys.modules if m == "tensorboard" or m.startswith("tensorboard.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"pip install 'tagraph\[summary\]'"):
        tg.summary.FileWriter(str(tmp_path))
    assert not hasattr(tg.summary, "Summary")


def test_summary_iterator_gives_the_events_tensorboards_loader_reads(tmp_path):
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [])
        merged = tg.summary.merge([tg.summary.scalar("loss", x), tg.summary.histogram("h", x * tg.ones([4]))])
        writer = tg.summary.FileWriter(str(tmp_path))
        with tg.Session() as sess:
            for step in range(3):
                writer.add_summary(sess.run(merged, {x: step * 0.5}), step)
        writer.close()
    (path,) = [str(p) for p in tmp_path.iterdir()]
    ours = list(tg.summary.summary_iterator(path))
    theirs = list(event_file_loader.RawEventFileLoader(path).Load())   # TensorBoard's reader, unconverted
    assert [e.SerializeToString() for e in ours] == theirs
    assert ours[0].file_version == "brain.Event:2"
    assert [(e.step, v.tag, v.simple_value) for e in ours[1:] for v in e.summary.value if v.tag == "loss"] == \
        [(0, "loss", 0.0), (1, "loss", 0.5), (2, "loss", 1.0)]
    import tagraph.compat.v1 as tf
    assert tf.train.summary_iterator is tg.summary.summary_iterator
    assert tf.Event is event_pb2.Event and tf.Summary is tf.summary.Summary and tf.HistogramProto().num == 0
