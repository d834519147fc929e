"""GraphDefs cross between tagraph and TensorFlow in both directions and compute the same values."""
import base64
import pathlib

import numpy as np

import tagraph.engine as tg


def _build():
    x = tg.placeholder(tg.float32, [None, 3], name="x")
    w = tg.constant(np.arange(6, dtype=np.float32).reshape(3, 2) / 7.0, name="w")
    h = tg.matmul(x, w) + tg.constant([0.5, -0.5])
    h = tg.maximum(h, 0.0) * 2.0 - tg.sqrt(tg.abs(h) + 1.0)
    y = tg.reduce_mean(tg.square(h), axis=1, name="y")
    tg.cast(tg.argmax(h, 1), tg.float32, name="cls")
    tg.identity(tg.reshape(tg.exp(-tg.abs(h)), [-1]) // 0.25, name="q")
    tg.reduce_sum(tg.stack([y, y * 2.0], axis=1), axis=0, name="packed")
    tg.floormod(tg.constant([-7, 7, 5], name="i"), 3, name="fm")
    tg.fill([2, 2], tg.reduce_max(y), name="f")
    return ["y:0", "cls:0", "q:0", "packed:0", "fm:0", "f:0"]


FEED = np.array([[1, 2, 3], [-4, 5, -6], [0.5, 0, 1]], np.float32)


def test_tensorflow_imports_and_runs_tagraph_graph(tmp_path, run_tf):
    with tg.Graph().as_default() as g:
        fetches = _build()
        (tmp_path / "g.pb").write_bytes(g.as_graph_def().SerializeToString())
        with tg.Session() as sess:
            ours = sess.run(fetches, {"x:0": FEED})
    np.save(tmp_path / "x.npy", FEED)
    theirs = run_tf("""
        gd = tf.GraphDef.FromString(open(sys.argv[1], "rb").read())
        tf.import_graph_def(gd, name="")
        with tf.Session() as s:
            out = s.run(json.loads(sys.argv[2]), {"x:0": np.load(sys.argv[3])})
        print(json.dumps([o.tolist() for o in out]))
    """, tmp_path / "g.pb", __import__("json").dumps(fetches), tmp_path / "x.npy")
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, np.array(b), rtol=1e-6)


def test_tagraph_imports_and_runs_tensorflow_graph(tmp_path, run_tf):
    np.save(tmp_path / "x.npy", FEED)
    theirs = run_tf("""
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        w = tf.constant(np.arange(6, dtype=np.float32).reshape(3, 2) / 7.0)
        h = tf.nn.relu(tf.matmul(x, w) + [0.5, -0.5])
        y = tf.reduce_mean(tf.square(h - 1.0), axis=1, name="y")
        z = tf.identity(tf.concat([h, tf.expand_dims(y, 1)], axis=1)[:, 1:], name="z")
        open(sys.argv[1], "wb").write(tf.get_default_graph().as_graph_def().SerializeToString())
        with tf.Session() as s:
            out = s.run(["y:0", "z:0"], {"x:0": np.load(sys.argv[2])})
        print(json.dumps([o.tolist() for o in out]))
    """, tmp_path / "tf.pb", tmp_path / "x.npy")
    from tagraph.protos import graph_pb2
    gd = graph_pb2.GraphDef.FromString((tmp_path / "tf.pb").read_bytes())
    with tg.Graph().as_default():
        tg.import_graph_def(gd, name="")
        with tg.Session() as sess:
            ours = sess.run(["y:0", "z:0"], {"x:0": FEED})
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, np.array(b), rtol=1e-6)


def test_extra_op_defs_are_tensorflows_own(run_tf):
    # op_defs_extra.pbtxt: the OpDefs tagraph ships beyond the fixture's list must be TensorFlow's exactly.
    from google.protobuf import text_format
    from tagraph.protos import op_def_pb2
    path = pathlib.Path(__file__).parents[1] / "data" / "tf" / "op_defs_extra.pbtxt"
    ours = text_format.Parse(path.read_text(), op_def_pb2.OpList())
    theirs = run_tf("""
        import base64
        from tensorflow.python.framework import op_def_registry
        out = {}
        for name in sys.argv[1:]:
            od = op_def_registry.get(name)
            out[name] = None if od is None else base64.b64encode(od.SerializeToString()).decode()
        print(json.dumps(out))
    """, *[o.name for o in ours.op])
    for od in ours.op:
        assert theirs[od.name] is not None, "%s is not registered in TensorFlow" % od.name
        assert op_def_pb2.OpDef.FromString(base64.b64decode(theirs[od.name])) == od, od.name
