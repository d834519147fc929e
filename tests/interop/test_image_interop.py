"""tf.image between tagraph and TensorFlow: the reference values the ordinary suite replays
(tests/data/image/*.npz) are what TensorFlow computes now, and graphs of image ops built by either side run
in the other with the same values (the resize and colour ops bit for bit, PNG and JPEG bytes equal)."""
import json
import os
import pathlib
import subprocess

import numpy as np

import tagraph.engine as tg

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "image"


def test_the_stored_image_references_are_tensorflows(tmp_path, run_tf):
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    subprocess.run([python, str(DATA / "record_image.py")], check=True, capture_output=True, timeout=600,
                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="",
                            TAGRAPH_RECORD_DIR=str(tmp_path)))
    stored = sorted(p.name for p in DATA.glob("*.npz"))
    assert stored and stored == sorted(p.name for p in tmp_path.glob("*.npz"))
    for name in stored:
        old, new = np.load(DATA / name), np.load(tmp_path / name)
        assert sorted(old.files) == sorted(new.files), name
        for key in old.files:
            np.testing.assert_array_equal(old[key], new[key], err_msg="%s %s" % (name, key))


IMAGE = np.random.default_rng(0).uniform(0, 1, [2, 9, 7, 3]).astype(np.float32)
FETCHES = ["bilinear:0", "bicubic:0", "nearest:0", "area:0", "hsv:0", "hue:0", "png:0", "jpeg:0", "decoded:0"]


# One definition, run by both sides (``tf`` is tensorflow.compat.v1 there, tagraph.engine here).
_BUILD = """
def build(tf):
    x = tf.placeholder(tf.float32, [None, 9, 7, 3], name="x")
    tf.identity(tf.image.resize_bilinear(x, [13, 5], half_pixel_centers=True), name="bilinear")
    tf.identity(tf.image.resize_bicubic(x, [4, 11], align_corners=True), name="bicubic")
    tf.identity(tf.image.resize_nearest_neighbor(x, [6, 6]), name="nearest")
    tf.identity(tf.image.resize_area(x, [5, 3]), name="area")
    tf.identity(tf.image.rgb_to_hsv(x), name="hsv")
    tf.identity(tf.image.adjust_saturation(tf.image.adjust_hue(x, 0.3), 0.6), name="hue")
    pixels = tf.image.convert_image_dtype(x, tf.uint8, saturate=True)
    tf.identity(tf.image.encode_png(pixels), name="png")
    jpeg = tf.identity(tf.image.encode_jpeg(pixels[0], quality=90), name="jpeg")
    tf.identity(tf.image.decode_jpeg(jpeg), name="decoded")
"""


def _build(tf):
    namespace = {}
    exec(_BUILD, namespace)  # noqa: S102 - the one graph definition both sides build
    namespace["build"](tf)


def _compare(ours, theirs):
    for name, a, b in zip(FETCHES, ours, theirs):
        if isinstance(b, str):
            assert a == bytes.fromhex(b), name
        elif isinstance(b, list) and b and isinstance(b[0], str):
            assert [bytes(v) for v in a] == [bytes.fromhex(v) for v in b], name
        else:
            np.testing.assert_array_equal(np.asarray(a), np.array(b, dtype=np.asarray(a).dtype), err_msg=name)


_TF_RUN = """
with tf.Session() as s:
    out = s.run(json.loads(sys.argv[2]), {"x:0": np.load(sys.argv[3])})
def plain(v):
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, np.ndarray) and v.dtype == object:
        return [b.hex() for b in v.reshape(-1)]
    return v.tolist()
print(json.dumps([plain(o) for o in out]))
"""


def test_tensorflow_runs_tagraphs_image_graph(tmp_path, run_tf):
    with tg.Graph().as_default() as g:
        _build(tg)
        (tmp_path / "g.pb").write_bytes(g.as_graph_def().SerializeToString())
        with tg.Session() as sess:
            ours = sess.run(FETCHES, {"x:0": IMAGE})
    np.save(tmp_path / "x.npy", IMAGE)
    theirs = run_tf('tf.import_graph_def(tf.GraphDef.FromString(open(sys.argv[1], "rb").read()), name="")\n'
                    + _TF_RUN, tmp_path / "g.pb", json.dumps(FETCHES), tmp_path / "x.npy")
    _compare(ours, theirs)


def test_tagraph_runs_tensorflows_image_graph(tmp_path, run_tf):
    np.save(tmp_path / "x.npy", IMAGE)
    theirs = run_tf(_BUILD + 'build(tf)\nopen(sys.argv[1], "wb").write(tf.get_default_graph().as_graph_def()'
                    '.SerializeToString())\n' + _TF_RUN, tmp_path / "tf.pb", json.dumps(FETCHES), tmp_path / "x.npy")
    from tagraph.protos import graph_pb2
    with tg.Graph().as_default():
        tg.import_graph_def(graph_pb2.GraphDef.FromString((tmp_path / "tf.pb").read_bytes()), name="")
        with tg.Session() as sess:
            ours = sess.run(FETCHES, {"x:0": IMAGE})
    _compare(ours, theirs)
