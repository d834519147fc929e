"""tg.summary.FileWriter with its logdir on an object store (a real S3-protocol server, moto's, on loopback): each
flush uploads the whole event file, whose records are the same as a local writer's."""
import pytest
from object_store_server import new_bucket, s3_server  # noqa: F401 - the fixture

import tagraph.engine as tg
from tagraph.engine.framework import file_io
from tagraph.engine.framework.tfrecord import tf_record_iterator

event_pb2 = pytest.importorskip("tensorboard.compat.proto.event_pb2")


def _events(path):
    return [event_pb2.Event.FromString(r) for r in tf_record_iterator(path)]


def test_event_file_on_s3_holds_what_each_flush_wrote(s3_server, tmp_path):  # noqa: F811
    logdir = new_bucket() + "/run/logs"
    with tg.Graph().as_default() as g:
        x = tg.placeholder(tg.float32, [], name="x")
        merged = tg.summary.scalar("loss", x)
        with tg.Session() as sess:
            writer = tg.summary.FileWriter(logdir, graph=g)
            [name] = file_io.listdir(logdir)
            path = logdir + "/" + name
            assert name.startswith("events.out.tfevents.")
            assert _events(path)[0].file_version == "brain.Event:2"    # on the store at once
            writer.add_summary(sess.run(merged, {x: 1.5}), global_step=1)
            writer.flush()
            assert [e.step for e in _events(path)][-1] == 1
            writer.add_summary(sess.run(merged, {x: 2.5}), global_step=2)
            writer.close()
    events = _events(path)
    assert events[0].file_version == "brain.Event:2" and events[1].graph_def
    assert [(e.step, e.summary.value[0].tag, e.summary.value[0].simple_value) for e in events if e.summary.value] \
        == [(1, "loss", 1.5), (2, "loss", 2.5)]
