"""String ops between tagraph and real TensorFlow: the stored references (tests/data/strings/*.npz) are what
TensorFlow computes now; a graph of string ops that tagraph builds runs in TensorFlow with the same results
(its ops and attributes are TensorFlow's), and TensorFlow's own graph runs in tagraph; and the table of
Unicode scripts is TensorFlow's ICU's.

TensorFlow runs in its own Python (TAGRAPH_TF_PYTHON); these tests skip without it.
"""
import hashlib
import inspect
import json
import os
import pathlib
import subprocess

import numpy as np

import tagraph.engine as tg
from tagraph.engine.ops import unicode_ops
from tagraph.protos import graph_pb2

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "strings"
WORDS = ["hello world", "h\u00e9llo, w\u00f6rld", "", "a1b22c333", "\u65e5\u672c\u8a9e \U0001f389", "  x  "]


def test_the_stored_string_references_are_tensorflows(tmp_path, run_tf):
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    subprocess.run([python, str(DATA / "record_strings.py")], check=True, capture_output=True, timeout=900,
                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="",
                            TAGRAPH_RECORD_DIR=str(tmp_path)))
    for name in ("strings.npz", "hash_buckets.npz"):
        old, new = np.load(DATA / name), np.load(tmp_path / name)
        assert sorted(old.files) == sorted(new.files), name
        for key in old.files:
            np.testing.assert_array_equal(old[key], new[key], err_msg="%s %s" % (name, key))


def _build(tf, x):
    """The same string graph in TensorFlow 1's API (TensorFlow's or tagraph.compat.v1)."""
    sp = tf.strings.split(x, sep=" ")
    return {
        "replaced": tf.strings.regex_replace(x, r"(\d+)", r"<\1>"),
        "matched": tf.strings.regex_full_match(x, r"[a-z ]*"),
        "upper": tf.strings.upper(x, encoding="utf-8"),
        "stripped": tf.strings.strip(x),
        "chars": tf.strings.length(x, unit="UTF8_CHAR"),
        "sub": tf.strings.substr(x, 0, 3, unit="UTF8_CHAR"),
        "joined": tf.reduce_join(x, 0, separator="|"),
        "pairs": tf.strings.join([x, tf.strings.as_string(tf.strings.length(x))], separator=":"),
        "buckets": tf.strings.to_hash_bucket_fast(x, 1 << 20),
        "strong": tf.strings.to_hash_bucket_strong(x, 1000, [3, 4]),
        "b64": tf.io.encode_base64(x),
        "utf16": tf.strings.unicode_transcode(x, "UTF-8", "UTF-16-BE"),
        "tokens": sp.values, "token_index": sp.indices,
        "format": tf.strings.format("{}", tf.strings.length(x)),
    }


def _decoded(values):
    out = {}
    for k, v in values.items():
        v = np.asarray(v)
        out[k] = [bytes(s).hex() for s in v.reshape(-1).tolist()] if v.dtype.kind in "OS" else v.tolist()
    return out


def test_tensorflow_runs_tagraphs_string_graph(tmp_path, run_tf):
    import tagraph.compat.v1 as tf
    with tg.Graph().as_default() as g:
        x = tg.placeholder(tg.string, [None], name="x")
        outs = _build(tf, x)
        for k, t in outs.items():
            tg.identity(t, name="out_" + k)
        with tg.Session() as sess:
            ours = _decoded(sess.run(outs, {x: WORDS}))
    path = tmp_path / "strings.pb"
    path.write_bytes(g.as_graph_def().SerializeToString())
    theirs = run_tf("""
        path, words, names = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
        gd = tf.GraphDef(); gd.ParseFromString(open(path, "rb").read())
        with tf.Graph().as_default() as g:
            tf.import_graph_def(gd, name="")
            with tf.Session() as s:
                vals = s.run({n: "out_%s:0" % n for n in names}, {"x:0": words})
        out = {}
        for k, v in vals.items():
            v = np.asarray(v)
            out[k] = [bytes(b).hex() for b in v.reshape(-1).tolist()] if v.dtype.kind in "OS" else v.tolist()
        print(json.dumps(out))
    """, str(path), json.dumps(WORDS), json.dumps(sorted(ours)))
    assert theirs == ours


def test_tagraph_runs_tensorflows_string_graph(tmp_path, run_tf):
    path = tmp_path / "tf_strings.pb"
    theirs = run_tf("""
        path, words = sys.argv[1], json.loads(sys.argv[2])
        exec(sys.argv[3])
        with tf.Graph().as_default() as g:
            x = tf.placeholder(tf.string, [None], name="x")
            outs = _build(tf, x)
            names = {k: tf.identity(t, name="out_" + k).name for k, t in outs.items()}
            with tf.Session() as s:
                vals = s.run(outs, {x: words})
        open(path, "wb").write(g.as_graph_def().SerializeToString())
        out = {}
        for k, v in vals.items():
            v = np.asarray(v)
            out[k] = [bytes(b).hex() for b in v.reshape(-1).tolist()] if v.dtype.kind in "OS" else v.tolist()
        print(json.dumps(out))
    """, str(path), json.dumps(WORDS), _source_of_build())
    gd = graph_pb2.GraphDef()
    gd.ParseFromString(path.read_bytes())
    with tg.Graph().as_default():
        tg.import_graph_def(gd, name="")
        with tg.Session() as sess:
            ours = _decoded(sess.run({k: "out_%s:0" % k for k in theirs}, {"x:0": WORDS}))
    assert ours == theirs


def _source_of_build():
    return inspect.getsource(_build)


def test_the_unicode_script_table_is_tensorflows(run_tf):
    theirs = run_tf("""
        import hashlib
        with tf.Session() as s:
            codes = s.run(tf.strings.unicode_script(tf.range(0x110000, dtype=tf.int32))).astype(np.int32)
        print(json.dumps(hashlib.sha256(codes.tobytes()).hexdigest()))
    """)
    starts, codes = unicode_ops._script_table()
    ours = np.repeat(codes, np.diff(np.append(starts, 0x110000))).astype(np.int32)
    assert hashlib.sha256(ours.tobytes()).hexdigest() == theirs
