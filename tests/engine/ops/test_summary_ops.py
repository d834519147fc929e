"""The summary ops against TensorFlow's: serialized Summary bytes equal to those TensorFlow 2.21's kernels
produced for the same inputs, the same ops under the same names (tests/data/tf_ops/record_training.py), and
FileWriter's event files read back by the real TensorBoard's EventAccumulator."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"
_spec = importlib.util.spec_from_file_location("tf_ops_record_training", DATA / "record_training.py")
RECORD = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(RECORD)
with np.load(DATA / "training.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files if k.startswith("summary:")}
GRAPHS = json.loads((DATA / "training.json").read_text())


def _build(name):
    build, inputs = RECORD.SUMMARIES[name]
    g = tg.Graph()
    with g.as_default():
        phs = [tg.placeholder(tg.as_dtype(np.asarray(a).dtype), np.shape(a)) for a in inputs]
        n0 = len(g.get_operations())
        out = build(tg, *phs)
    return g, out, [[op.name, op.type] for op in g.get_operations()[n0:]], dict(zip(phs, inputs))


@pytest.mark.parametrize("name", sorted(RECORD.SUMMARIES))
def test_bytes_equal_tensorflows(name):
    g, out, _, feeds = _build(name)
    with tg.Session(graph=g) as sess:
        got = sess.run(out, feeds)
    assert got == ARRAYS["summary:" + name].tobytes()


@pytest.mark.parametrize("name", sorted(RECORD.SUMMARIES))
def test_graph_equals_tensorflows(name):
    _, out, ops, _ = _build(name)
    assert ops == GRAPHS["summary:" + name]["ops"]
    assert out.name == GRAPHS["summary:" + name]["output"]


def test_merge_all_collects_and_refuses_duplicate_tags():
    with tg.Graph().as_default():
        assert tg.summary.merge_all() is None
        x = tg.placeholder(tg.float32, [])
        tg.summary.scalar("a", x)
        tg.summary.scalar("b", x * 2)
        merged = tg.summary.merge_all()
        dup = tg.summary.merge([tg.summary.scalar("c", x, collections=[])] * 2)
        with tg.Session() as sess:
            assert len(sess.run(merged, {x: 1.0})) == 20
            with pytest.raises(errors.InvalidArgumentError, match="Duplicate tag c"):
                sess.run(dup, {x: 1.0})


def test_histogram_refuses_nan():
    with tg.Graph().as_default(), tg.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match="Nan in summary histogram for: h"):
            sess.run(tg.summary.histogram("h", tg.constant([1.0, np.nan])))


def test_file_writer_events_read_by_tensorboard(tmp_path):
    event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    with tg.Graph().as_default() as g:
        x = tg.placeholder(tg.float32, [None])
        tg.summary.scalar("loss", tg.reduce_mean(x))
        tg.summary.histogram("x", x)
        tg.summary.text("note", tg.constant("hi"))
        merged = tg.summary.merge_all()
        with tg.Session() as sess, tg.summary.FileWriter(str(tmp_path), graph=g) as writer:
            for step in range(5):
                writer.add_summary(sess.run(merged, {x: [float(step), 1.0]}), global_step=step)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].name.startswith("events.out.tfevents.")
    acc = event_accumulator.EventAccumulator(str(tmp_path), size_guidance={"tensors": 0, "histograms": 0, "scalars": 0})
    acc.Reload()
    tags = acc.Tags()
    assert tags["scalars"] == ["loss"] and tags["histograms"] == ["x"] and "note" in tags["tensors"]
    assert tags["graph"]
    assert [(e.step, e.value) for e in acc.Scalars("loss")] == [(s, (s + 1.0) / 2) for s in range(5)]
    h = acc.Histograms("x")[4].histogram_value
    assert (h.min, h.max, h.num, h.sum) == (1.0, 4.0, 2.0, 5.0)
    assert acc.Tensors("note")[0].tensor_proto.string_val == [b"hi"]
    assert {n.name for n in acc.Graph().node} >= {"loss", "x", "Merge/MergeSummary"}
