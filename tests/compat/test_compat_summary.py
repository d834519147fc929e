"""``tf.summary`` through tagraph.compat.v1: TensorFlow 1's names, a summary program writing an event file,
and, without the tensorboard package, an ImportError that says what to install."""
import os
import subprocess
import sys

import pytest

import tagraph.compat.v1 as tf
from tagraph.compat.namespace import NotSupportedYetError, tf_names


def test_the_namespace_has_tensorflows_summary_names():
    assert set(tf.summary.__all__) <= tf_names("tf.summary")
    assert {"scalar", "histogram", "image", "audio", "text", "tensor_summary", "merge", "merge_all", "FileWriter",
            "FileWriterCache", "Summary", "Event", "SessionLog", "TaggedRunMetadata"} <= set(dir(tf.summary))
    with pytest.raises(NotSupportedYetError, match="tf.summary.all_v2_summary_ops"):
        tf.summary.all_v2_summary_ops  # noqa: B018


def test_a_tensorflow_1_summary_program_writes_what_tensorboard_reads(tmp_path):
    event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [], name="feed")
        tf.summary.scalar("x", x)
        merged = tf.summary.merge_all()
        with tf.Session() as sess:
            writer = tf.summary.FileWriter(str(tmp_path), sess.graph)
            for step in range(3):
                writer.add_summary(sess.run(merged, {x: step * 0.5}), step)
            writer.add_summary(tf.summary.Summary(value=[tf.summary.Summary.Value(tag="y", simple_value=7)]), 3)
            writer.close()
    acc = event_accumulator.EventAccumulator(str(tmp_path))
    acc.Reload()
    assert [(e.step, e.value) for e in acc.Scalars("x")] == [(0, 0.0), (1, 0.5), (2, 1.0)]
    assert [(e.step, e.value) for e in acc.Scalars("y")] == [(3, 7.0)]


def test_without_tensorboard_its_names_say_what_to_install():
    script = """
import sys
sys.modules["tensorboard"] = None              # as if it were not installed
import tagraph.compat.v1 as tf
with tf.Graph().as_default():
    tf.summary.scalar("loss", tf.constant(1.0))    # the ops need no TensorBoard
for name in ("Summary", "FileWriter"):
    try:
        getattr(tf.summary, name) if name == "Summary" else tf.summary.FileWriter("unused")
    except ImportError as e:
        print(name, e)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, CUDA_VISIBLE_DEVICES=""))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert [ln.split()[0] for ln in lines] == ["Summary", "FileWriter"]
    assert all("pip install 'tagraph[summary]'" in ln for ln in lines)
