"""bfloat16 checkpoints and SavedModels read as bfloat16 values and compute as TensorFlow computes, float8
checkpoints read as float8; the bfloat16 and float8 checkpoints tagraph writes are TensorFlow's, byte for
byte. The files were written by TensorFlow 2.21 (tests/data/bfloat16/record_bfloat16.py);
tests/interop/test_bfloat16_interop.py hands files the other way."""
import importlib.util
import pathlib

import ml_dtypes
import numpy as np

import tagraph.engine as tg
from tagraph.serialization import Saver, load_checkpoint, saved_model

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "bfloat16"
_spec = importlib.util.spec_from_file_location("bfloat16_record", DATA / "record_bfloat16.py")
RECORD = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(RECORD)
with np.load(DATA / "bfloat16.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}
X = RECORD.X.astype(ml_dtypes.bfloat16)


def test_tensorflows_checkpoint_reads_as_bfloat16_values():
    reader = load_checkpoint(str(DATA / "model.ckpt"))
    assert reader.get_variable_to_dtype_map() == {"w": tg.bfloat16, "layer/b": tg.bfloat16, "scale": tg.float32}
    for name, key in (("w", "model:w"), ("layer/b", "model:b")):
        value = reader.get_tensor(name)
        assert value.dtype == ml_dtypes.bfloat16
        np.testing.assert_array_equal(value.view(np.uint16), ARRAYS[key])
    np.testing.assert_array_equal(reader.get_tensor("w").astype(np.float32),
                                  RECORD.W.astype(ml_dtypes.bfloat16).astype(np.float32))


def _model(tf):
    w = tf.Variable(tf.zeros([4, 3], tf.bfloat16), name="w")
    with tf.variable_scope("layer"):
        b = tf.get_variable("b", [3], tf.bfloat16, initializer=tf.zeros_initializer())
    scale = tf.Variable(0.0, name="scale")
    x = tf.placeholder(tf.bfloat16, [None, 4], name="x")
    y = tf.add(tf.matmul(x, w), b, name="y")
    return w, b, scale, x, y


def test_restored_bfloat16_variables_compute_tensorflows_bits():
    with tg.Graph().as_default():
        w, b, scale, x, y = _model(tg)
        with tg.Session() as sess:
            Saver().restore(sess, str(DATA / "model.ckpt"))
            got_w, got_scale, got_y = sess.run([w, scale, y], {x: X})
    assert got_w.dtype == ml_dtypes.bfloat16 and got_scale == ARRAYS["model:scale"]
    np.testing.assert_array_equal(got_y.view(np.uint16), ARRAYS["model:y"])


def test_tensorflows_saved_model_serves_bfloat16():
    with tg.Session(graph=tg.Graph()) as sess:
        mg = saved_model.loader.load(sess, ["serve"], str(DATA / "saved_model"))
        sig = mg.signature_def["serving_default"]
        assert sig.inputs["x"].dtype == tg.bfloat16.as_datatype_enum
        y, y32 = sess.run([sig.outputs["y"].name, sig.outputs["y32"].name], {sig.inputs["x"].name: X})
    assert y.dtype == ml_dtypes.bfloat16 and y32.dtype == np.float32
    np.testing.assert_array_equal(y.view(np.uint16), ARRAYS["model:y"])
    np.testing.assert_array_equal(y32, ARRAYS["model:y32"])


def test_tagraphs_bfloat16_checkpoint_is_tensorflows_byte_for_byte(tmp_path):
    with tg.Graph().as_default():
        w, b, scale, _, _ = _model(tg)
        with tg.Session() as sess:
            sess.run([w.assign(tg.cast(RECORD.W, tg.bfloat16)), b.assign(tg.cast(RECORD.BIAS, tg.bfloat16)),
                      scale.assign(2.5)])
            Saver().save(sess, str(tmp_path / "model.ckpt"), write_meta_graph=False, write_state=False)
    for suffix in (".data-00000-of-00001", ".index"):
        assert (tmp_path / ("model.ckpt" + suffix)).read_bytes() == (DATA / ("model.ckpt" + suffix)).read_bytes()
    reader = load_checkpoint(str(tmp_path / "model.ckpt"))
    np.testing.assert_array_equal(reader.get_tensor("w").view(np.uint16), ARRAYS["model:w"])


def test_tensorflows_float8_checkpoint_reads_as_float8_and_writes_back_byte_for_byte(tmp_path):
    reader = load_checkpoint(str(DATA / "float8.ckpt"))
    assert reader.get_variable_to_dtype_map() == {"e4m3fn": tg.as_dtype("float8_e4m3fn"),
                                                  "e5m2": tg.as_dtype("float8_e5m2")}
    e4m3fn, e5m2 = reader.get_tensor("e4m3fn"), reader.get_tensor("e5m2")
    assert e4m3fn.dtype == ml_dtypes.float8_e4m3fn and e5m2.dtype == ml_dtypes.float8_e5m2
    np.testing.assert_array_equal(e4m3fn.view(np.uint8), ARRAYS["cast_to_e4m3fn"][:5])
    np.testing.assert_array_equal(e5m2.view(np.uint8), ARRAYS["cast_to_e5m2"])
    with tg.Graph().as_default():
        save = tg.get_default_graph().create_op(
            "SaveV2", [tg.constant(str(tmp_path / "float8.ckpt")), tg.constant(["e4m3fn", "e5m2"]),
                       tg.constant(["", ""]), [tg.constant(e4m3fn), tg.constant(e5m2)]])
        with tg.Session() as sess:
            sess.run(save)
    for suffix in (".data-00000-of-00001", ".index"):
        assert (tmp_path / ("float8.ckpt" + suffix)).read_bytes() == (DATA / ("float8.ckpt" + suffix)).read_bytes()
