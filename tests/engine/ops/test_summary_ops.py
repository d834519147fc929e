"""The summary ops against TensorFlow's: serialized Summary bytes equal to those TensorFlow 2.21's kernels
produced for the same inputs (PNG images and WAV clips included), the same ops under the same names, and
TensorFlow's errors for bad input (tests/data/tf_ops/record_training.py records them)."""
import importlib.util
import io
import json
import pathlib
import zlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.engine.ops import summary_ops

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"
_spec = importlib.util.spec_from_file_location("tf_ops_record_training", DATA / "record_training.py")
RECORD = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(RECORD)
with np.load(DATA / "training.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files if k.startswith("summary")}
GRAPHS = json.loads((DATA / "training.json").read_text())
# TensorFlow's libpng deflates with the classic zlib; zlib-ng makes other (equally valid) bytes.
CLASSIC_ZLIB = "ng" not in zlib.ZLIB_RUNTIME_VERSION


def _build(name, cases=RECORD.SUMMARIES):
    build, inputs = cases[name]
    g = tg.Graph()
    with g.as_default():
        phs = [tg.placeholder(tg.as_dtype(np.asarray(a).dtype), np.shape(a)) for a in inputs]
        n0 = len(g.get_operations())
        out = build(tg, *phs)
    return g, out, [[op.name, op.type] for op in g.get_operations()[n0:]], dict(zip(phs, inputs))


def _run(name):
    g, out, _, feeds = _build(name)
    with tg.Session(graph=g) as sess:
        return sess.run(out, feeds)


@pytest.mark.parametrize("name", sorted(n for n in RECORD.SUMMARIES if not n.startswith("image")))
def test_bytes_equal_tensorflows(name):
    assert _run(name) == ARRAYS["summary:" + name].tobytes()


@pytest.mark.parametrize("name", sorted(n for n in RECORD.SUMMARIES if n.startswith("image")))
def test_images_equal_tensorflows(name):
    summary_pb2 = pytest.importorskip("tensorboard.compat.proto.summary_pb2")
    image_module = pytest.importorskip("PIL.Image")
    got, want = _run(name), ARRAYS["summary:" + name].tobytes()
    ours, theirs = summary_pb2.Summary.FromString(got), summary_pb2.Summary.FromString(want)
    assert [v.tag for v in ours.value] == [v.tag for v in theirs.value]
    for a, b in zip(ours.value, theirs.value):
        assert (a.image.height, a.image.width, a.image.colorspace) == (b.image.height, b.image.width,
                                                                        b.image.colorspace)
        decoded = [np.asarray(image_module.open(io.BytesIO(v.image.encoded_image_string))) for v in (a, b)]
        np.testing.assert_array_equal(*decoded)
    if CLASSIC_ZLIB:
        assert got == want


@pytest.mark.parametrize("name", sorted(RECORD.SUMMARIES))
def test_graph_equals_tensorflows(name):
    _, out, ops, _ = _build(name)
    assert ops == GRAPHS["summary:" + name]["ops"]
    assert out.name == GRAPHS["summary:" + name]["output"]


@pytest.mark.parametrize("name", sorted(RECORD.SUMMARY_ERRORS))
def test_errors_are_tensorflows(name):
    kind, message = (str(v) for v in ARRAYS["summary_error:" + name])
    g, out, _, feeds = _build(name, RECORD.SUMMARY_ERRORS)
    with tg.Session(graph=g) as sess:
        with pytest.raises(getattr(errors, kind)) as info:
            sess.run(out, feeds)
    assert info.value.message.startswith(message)


def test_scalar_of_a_non_scalar_fails_when_it_runs_as_in_tensorflow():
    # The graph builds (ScalarSummary's shape function does not look at its input); running it fails.
    with tg.Graph().as_default(), tg.Session() as sess:
        s = tg.summary.scalar("loss", tg.constant([1.0, 2.0]))
        assert s.shape == tg.TensorShape([])
        with pytest.raises(errors.InvalidArgumentError, match=r"\[\] != \[2\] \(tag 'loss'\)"):
            sess.run(s)


def test_merge_all_collects_and_refuses_duplicate_tags():
    with tg.Graph().as_default():
        assert tg.summary.merge_all() is None
        x = tg.placeholder(tg.float32, [])
        tg.summary.scalar("a", x)
        tg.summary.scalar("b", x * 2)
        tg.summary.image("img", tg.zeros([1, 2, 2, 1]))
        tg.summary.audio("snd", tg.zeros([1, 4]), 8000, collections=["other"])
        merged = tg.summary.merge_all()
        dup = tg.summary.merge([tg.summary.scalar("c", x, collections=[])] * 2)
        with tg.Session() as sess:
            tags = [t for t in (b"a", b"b", b"img/image", b"snd/audio") if t in sess.run(merged, {x: 1.0})]
            assert tags == [b"a", b"b", b"img/image"]
            with pytest.raises(errors.InvalidArgumentError, match="Duplicate tag c"):
                sess.run(dup, {x: 1.0})
        assert len(tg.get_collection("other")) == 1


def test_tensor_summary_takes_a_summary_metadata_message():
    summary_pb2 = pytest.importorskip("tensorboard.compat.proto.summary_pb2")
    metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="p"))
    with tg.Graph().as_default(), tg.Session() as sess:
        t = tg.summary.tensor_summary("t", tg.constant([1, 2]), summary_description="d", summary_metadata=metadata)
        value = summary_pb2.Summary.FromString(sess.run(t)).value[0]
    assert (value.tag, value.metadata.plugin_data.plugin_name, value.metadata.summary_description) == ("t", "p", "d")
    assert list(np.frombuffer(value.tensor.tensor_content, np.int32)) == [1, 2]
    with tg.Graph().as_default(), pytest.raises(TypeError, match="SummaryMetadata message"):
        tg.summary.tensor_summary("t", tg.constant(1), display_name="x", summary_metadata=b"")


def test_image_max_outputs_must_be_positive():
    with tg.Graph().as_default(), pytest.raises(ValueError, match="max_images"):
        tg.summary.image("img", tg.zeros([1, 2, 2, 3]), max_outputs=0)


def test_image_too_large_for_a_summary():
    # A zero-stride view: the kernel sees the shape without 512 MiB behind it.
    huge = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), (1, 1 << 15, 1 << 14, 1), (0, 0, 0, 0))
    with tg.Graph().as_default(), tg.Session() as sess:
        x = tg.placeholder(tg.uint8, [1, None, None, 1])
        with pytest.raises(errors.InvalidArgumentError, match=r"Tensor too large for summary \[1,32768,16384,1\]"):
            sess.run(tg.summary.image("img", x), {x: huge})


def test_encoders_round_trip():
    wave = pytest.importorskip("wave")
    image_module = pytest.importorskip("PIL.Image")
    samples = np.linspace(-1, 1, 50, dtype=np.float32).reshape(25, 2)
    with wave.open(io.BytesIO(summary_ops.encode_wav(samples, 44100))) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (2, 2, 44100, 25)
        pcm = np.frombuffer(w.readframes(25), "<i2").reshape(25, 2)
    np.testing.assert_array_equal(pcm, np.clip(np.round(samples * 32768), -32768, 32767))
    pixels = np.random.default_rng(0).integers(0, 256, size=(7, 5, 4)).astype(np.uint8)
    np.testing.assert_array_equal(np.asarray(image_module.open(io.BytesIO(summary_ops.encode_png(pixels)))), pixels)


@pytest.mark.parametrize("name", ["histogram_2d_f64", "image_float_signed", "audio_stereo", "merge"])
def test_summaries_of_tensors_on_a_gpu_run_on_the_host(device, name):
    # Summary ops have host kernels only, as in TensorFlow: built under a GPU (in a session with soft
    # placement, as training sessions have), they run on the CPU, on values the GPU computed.
    build, inputs = RECORD.SUMMARIES[name]
    with tg.Graph().as_default(), tg.device(device):
        phs = [tg.placeholder(tg.as_dtype(np.asarray(a).dtype), np.shape(a)) for a in inputs]
        out = build(tg, *[tg.identity(p) for p in phs])
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            got = sess.run(out, dict(zip(phs, inputs)))
    assert got == ARRAYS["summary:" + name].tobytes() or not CLASSIC_ZLIB
