"""Checkpoints cross between tagraph and real TensorFlow: every dtype, sharded ones, the Saver's graph in a
``.meta``, and inspect_checkpoint's output. Runs only with TAGRAPH_TF_PYTHON (see conftest.py)."""
import json

import numpy as np

import tagraph.engine as tg
from tagraph.serialization import Saver, import_meta_graph, load_checkpoint
from tagraph.serialization.bundle import BundleWriter

# name -> numpy value; every dtype a checkpoint carries (bfloat16 as its raw bits, see below).
VALUES = {
    "f16": np.array([[-1.5, 0.25], [3.0, 65504.0]], np.float16),
    "f32": np.array([1.0, -2.5, np.inf], np.float32),
    "f64": np.array([np.pi, -0.0], np.float64),
    "i8": np.array([-128, 127], np.int8), "i16": np.array([-300], np.int16),
    "i32": np.arange(6, dtype=np.int32).reshape(2, 3), "i64": np.array([1 << 40, -(1 << 40)], np.int64),
    "u8": np.array([0, 255], np.uint8), "u16": np.array([65535], np.uint16), "u32": np.array([4000000000], np.uint32),
    "u64": np.array([1 << 63], np.uint64), "flag": np.array([True, False]),
    "c64": np.array([1 + 2j], np.complex64), "c128": np.array([[3 - 4j]], np.complex128),
    "scalar": np.array(2.5, np.float32), "empty": np.zeros((0, 3), np.float32),
    "nested/name": np.ones((2, 2, 2), np.float32),
    "words": np.array([b"alpha", b"", b"\x00\xff", "\u00fcnicode".encode()], dtype=object),
    "big": np.random.default_rng(0).standard_normal((300, 300)).astype(np.float32),
}
BF16_BITS = np.array([0x3F80, 0xC000, 0x7F80], np.uint16)     # 1.0, -2.0, inf

TF_DUMP = """
def dump(reader):
    out = {}
    dtypes = reader.get_variable_to_dtype_map()
    for name, shape in reader.get_variable_to_shape_map().items():
        value = reader.get_tensor(name)
        if dtypes[name] == tf.string:
            data = [bytes(x).hex() for x in np.asarray(value, dtype=object).reshape(-1)]
        else:
            arr = np.asarray(value)
            if dtypes[name] == tf.bfloat16:
                arr = arr.view(np.uint16)
            data = arr.astype(arr.dtype.newbyteorder("<")).tobytes().hex()
        out[name] = [dtypes[name].name, list(shape), data]
    return out
"""


def _ours(reader):
    out = {}
    dtypes = reader.get_variable_to_dtype_map()
    for name, shape in reader.get_variable_to_shape_map().items():
        value = reader.get_tensor(name)
        if dtypes[name] == tg.string:
            data = [bytes(x).hex() for x in value.reshape(-1)]
        else:
            data = value.astype(value.dtype.newbyteorder("<")).tobytes().hex()
        out[name] = [dtypes[name].name, list(shape), data]
    return out


def _save_all_dtypes(prefix):
    with tg.Graph().as_default():
        variables = [tg.Variable(v, name=n, dtype=tg.string if v.dtype == object else None) for n, v in VALUES.items()]
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            return Saver(variables).save(sess, prefix)


def test_tensorflow_reads_tagraphs_checkpoint_of_every_dtype(tmp_path, run_tf):
    prefix = _save_all_dtypes(str(tmp_path / "model.ckpt"))
    with BundleWriter(str(tmp_path / "bf16")) as w:
        w.add("bf", BF16_BITS, dtype="bfloat16")
    theirs = run_tf(TF_DUMP + """
out = dump(tf.train.load_checkpoint(sys.argv[1]))
out.update(dump(tf.train.load_checkpoint(sys.argv[2])))
print(json.dumps(out))
""", prefix, tmp_path / "bf16")
    ours = _ours(load_checkpoint(prefix))
    assert {k: v for k, v in theirs.items() if k != "bf"} == ours
    assert theirs["bf"] == ["bfloat16", [3], BF16_BITS.astype("<u2").tobytes().hex()]


def test_tensorflow_restores_through_tagraphs_meta_graph(tmp_path, run_tf):
    """TensorFlow's import_meta_graph + Saver.restore runs tagraph's save/restore subgraph."""
    with tg.Graph().as_default():
        v1 = tg.get_variable("v1", shape=[3], initializer=tg.zeros_initializer)
        v2 = tg.get_variable("v2", shape=[5], initializer=tg.zeros_initializer, use_resource=False)
        tg.Variable(VALUES["words"], name="words", dtype=tg.string)
        saver = Saver(max_to_keep=2)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            sess.run([v1.assign(v1 + 1).op, v2.assign(v2 - 1).op])
            prefix = saver.save(sess, str(tmp_path / "model"), global_step=7)
    theirs = run_tf("""
saver = tf.train.import_meta_graph(sys.argv[1] + ".meta")
with tf.Session() as s:
    saver.restore(s, sys.argv[1])
    v = {x.op.name: s.run(x) for x in tf.global_variables()}
    # and TensorFlow saves again with tagraph's graph
    again = saver.save(s, sys.argv[1] + "-tf")
print(json.dumps({"v1": v["v1"].tolist(), "v2": v["v2"].tolist(),
                  "words": [bytes(x).hex() for x in v["words"]], "again": again}))
""", prefix)
    assert theirs["v1"] == [1, 1, 1] and theirs["v2"] == [-1] * 5
    assert theirs["words"] == [bytes(x).hex() for x in VALUES["words"]]
    reader = load_checkpoint(theirs["again"])
    assert reader.get_tensor("v1").tolist() == [1, 1, 1]


def test_tagraph_reads_tensorflows_checkpoints_including_sharded(tmp_path, run_tf):
    theirs = run_tf(TF_DUMP + """
with tf.device("/cpu:0"):
    a = tf.get_variable("a", initializer=tf.constant([[1.0, 2.0]]))
    s = tf.Variable([b"x", b"\\xff"], name="s")
with tf.device("/cpu:1"):
    b = tf.get_variable("b", initializer=tf.constant([3, 4], dtype=tf.int64), use_resource=False)
    h = tf.Variable(tf.constant([0.5], dtype=tf.bfloat16), name="h")
    c = tf.Variable(np.array([1 + 1j], np.complex128), name="c")
saver = tf.train.Saver(sharded=True)
cfg = tf.ConfigProto(device_count={"CPU": 2})
with tf.Session(config=cfg) as sess:
    sess.run(tf.global_variables_initializer())
    prefix = saver.save(sess, sys.argv[1] + "/sharded", write_meta_graph=True)
print(json.dumps({"prefix": prefix, "values": dump(tf.train.load_checkpoint(prefix))}))
""", tmp_path)
    prefix = theirs["prefix"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("sharded.data")) == [
        "sharded.data-00000-of-00002", "sharded.data-00001-of-00002"]
    reader = load_checkpoint(prefix)
    ours = {}
    for name, (dtype, shape, data) in theirs["values"].items():
        value = reader.get_tensor(name)
        if dtype == "bfloat16":
            assert reader.get_variable_to_dtype_map()[name] == tg.bfloat16
            value = value.view(np.uint16) if value.dtype != np.uint16 else value
        ours[name] = [dtype, list(value.shape),
                      [bytes(x).hex() for x in value.reshape(-1)] if dtype == "string"
                      else value.astype(value.dtype.newbyteorder("<")).tobytes().hex()]
    assert ours == theirs["values"]
    # TensorFlow's sharded saver graph restores here too.
    with tg.Graph().as_default():
        saver = import_meta_graph(prefix + ".meta", clear_devices=True)
        assert saver.as_saver_def().sharded
        with tg.Session() as sess:
            saver.restore(sess, prefix)
            assert sess.run("a/Read/ReadVariableOp:0").tolist() == [[1, 2]]
            assert sess.run("b:0").tolist() == [3, 4]


def test_tensorflow_restores_tagraphs_sharded_checkpoint(tmp_path, run_tf, simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        with tg.device("/gpu:0"):
            tg.get_variable("a", initializer=tg.constant([1.0, 2.0]))
        tg.Variable([5, 6], dtype=tg.int64, name="b", use_resource=False)
        saver = Saver(sharded=True)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            prefix = saver.save(sess, str(tmp_path / "model"))
    theirs = run_tf("""
saver = tf.train.import_meta_graph(sys.argv[1] + ".meta", clear_devices=True)
with tf.Session() as s:
    saver.restore(s, sys.argv[1])
    print(json.dumps({x.op.name: s.run(x).tolist() for x in tf.global_variables()}))
""", prefix)
    assert theirs == {"a": [1.0, 2.0], "b": [5, 6]}


def test_inspect_checkpoint_prints_what_tensorflows_prints_for_tagraphs_files(tmp_path, run_tf, capsys):
    from tagraph.serialization import inspect_checkpoint
    prefix = _save_all_dtypes(str(tmp_path / "model.ckpt"))
    theirs = run_tf("""
import io, contextlib
from tensorflow.python.tools import inspect_checkpoint as ic
out = []
for tensor, all_tensors, names in (("", True, False), ("", False, False), ("words", False, False),
                                   ("", False, True)):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        ic.print_tensors_in_checkpoint_file(sys.argv[1], tensor, all_tensors, names)
    out.append(buf.getvalue())
print(json.dumps(out))
""", prefix)
    ours = []
    for tensor, all_tensors, names in (("", True, False), ("", False, False), ("words", False, False),
                                       ("", False, True)):
        inspect_checkpoint.print_tensors_in_checkpoint_file(prefix, tensor, all_tensors, names)
        ours.append(capsys.readouterr().out)
    assert ours == theirs
    assert json.dumps(ours)
