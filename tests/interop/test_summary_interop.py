"""Event files between tagraph and TensorFlow: the same TensorFlow 1 summary program, run by TensorFlow and by
tagraph.compat.v1, writes event files that TensorFlow's own ``summary_iterator`` reads as the same events
(tags, steps, values; images' and clips' bytes included), and a file tagraph's writer cut back after a
full disk reads to its end without a DataLossError."""
import errno
import os
import re

import pytest

import tagraph.compat.v1 as tg_tf

# One program, run as it is in both: `tf` is TensorFlow's tf.compat.v1 there and tagraph.compat.v1 here.
PROGRAM = """
def write_events(tf, logdir):
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [4], name="inputs")
        tf.summary.scalar("loss", tf.reduce_mean(x))
        tf.summary.histogram("weights", x * 3.0)
        tf.summary.image("img", tf.reshape(x, [1, 2, 2, 1]), max_outputs=1)
        tf.summary.audio("snd", tf.reshape(x, [1, 4]) / 10.0, 8000)
        tf.summary.text("note", tf.constant("hello"))
        with tf.name_scope("eval"):
            tf.summary.scalar("acc", tf.reduce_max(x) / 10.0, family="metrics")
        merged = tf.summary.merge_all()
        writer = tf.summary.FileWriter(logdir, graph=g, filename_suffix=".run")
        with tf.Session() as sess:
            for step in range(4):
                writer.add_summary(sess.run(merged, {x: [step, 1.0, -2.0, 0.5 * step]}), step)
        writer.add_session_log(tf.summary.SessionLog(status=tf.summary.SessionLog.CHECKPOINT,
                                                     checkpoint_path="ckpt"), 4)
        writer.add_run_metadata(tf.RunMetadata(), "step3", 3)
        writer.close()
"""

# Run in TensorFlow: each event file of each directory as TensorFlow's summary_iterator reads it.
DESCRIBE = """
import glob, hashlib, os

def digest(b):
    return hashlib.sha256(b).hexdigest()

def value(v):
    kind = v.WhichOneof("value")
    if kind == "simple_value":
        return [v.tag, kind, v.simple_value]
    if kind == "histo":
        h = v.histo
        return [v.tag, kind, h.min, h.max, h.num, h.sum, h.sum_squares, list(h.bucket_limit), list(h.bucket)]
    if kind == "image":
        i = v.image
        return [v.tag, kind, i.height, i.width, i.colorspace, digest(i.encoded_image_string)]
    if kind == "audio":
        a = v.audio
        return [v.tag, kind, a.sample_rate, a.num_channels, a.length_frames, a.content_type,
                digest(a.encoded_audio_string)]
    return [v.tag, kind, v.metadata.plugin_data.plugin_name, [s.decode() for s in v.tensor.string_val]]

def event(e):
    what = e.WhichOneof("what")
    if what == "file_version":
        return [e.step, what, e.file_version]
    if what == "summary":
        return [e.step, what, [value(v) for v in e.summary.value]]
    if what == "graph_def":
        g = tf.GraphDef.FromString(e.graph_def)
        return [e.step, what, sorted([n.name, n.op] for n in g.node)]
    if what == "session_log":
        return [e.step, what, e.session_log.status, e.session_log.checkpoint_path]
    if what == "tagged_run_metadata":
        return [e.step, what, e.tagged_run_metadata.tag]
    return [e.step, what]

out = {}
for d in sys.argv[1:]:
    out[d] = {os.path.basename(p): [event(e) for e in tf.train.summary_iterator(p)]
              for p in sorted(glob.glob(os.path.join(d, "events.out.tfevents.*")))}
print(json.dumps(out))
"""


def _tagraph_writes(logdir):
    scope = {}
    exec(PROGRAM, scope)
    scope["write_events"](tg_tf, str(logdir))


def test_tensorflow_reads_tagraphs_event_file_as_its_own(run_tf, tmp_path):
    theirs, ours = tmp_path / "tensorflow", tmp_path / "tagraph"
    _tagraph_writes(ours)
    got = run_tf(PROGRAM + "\nwrite_events(tf, sys.argv[1])\n" + DESCRIBE, theirs, ours)
    [(their_name, their_events)] = got[str(theirs)].items()
    [(our_name, our_events)] = got[str(ours)].items()
    name = r"events\.out\.tfevents\.\d{10}\.[^/]+\.run"
    assert re.fullmatch(name, their_name) and re.fullmatch(name, our_name)
    assert their_name.split(".", 4)[4] == our_name.split(".", 4)[4]          # the host name
    # TensorFlow's writer adds a MetaGraphDef after the graph; tagraph's engine writes the GraphDef only.
    their_events = [e for e in their_events if e[1] != "meta_graph_def"]
    assert [e[:2] for e in our_events] == [e[:2] for e in their_events]
    assert our_events == their_events
    tags = [v[0] for e in our_events if e[1] == "summary" for v in e[2]]
    assert {"loss", "weights", "img/image", "snd/audio/0", "note", "metrics/eval/metrics/acc"} <= set(tags)


def test_tensorflow_reads_a_file_cut_back_after_a_full_disk_to_its_end(run_tf, tmp_path, monkeypatch):
    writer = tg_tf.summary.FileWriter(str(tmp_path), flush_secs=600)
    for step in range(3):
        writer.add_summary(tg_tf.summary.Summary(value=[tg_tf.summary.Summary.Value(tag="t", simple_value=step)]),
                           step)
    writer.flush()
    fd, real_write = writer._file._fd, os.write

    def full_disk(target, data):
        if target != fd:
            return real_write(target, data)
        if len(data) > 1:
            return real_write(target, bytes(data[:len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "write", full_disk)
    writer.add_summary(tg_tf.summary.Summary(value=[tg_tf.summary.Summary.Value(tag="t", simple_value=9)]), 9)
    with pytest.raises(tg_tf.errors.ResourceExhaustedError):
        writer.flush()
    monkeypatch.undo()
    got = run_tf(DESCRIBE, tmp_path)
    [events] = got[str(tmp_path)].values()
    assert [e[0] for e in events if e[1] == "summary"] == [0, 1, 2]
