"""Records bfloat16 as TensorFlow computes and stores it, for tests/engine/test_bfloat16.py.

    PYTHONPATH= ~/.cache/tagraph-tf-venv/bin/python tests/data/bfloat16/record_bfloat16.py

Writes, beside this file (or into TAGRAPH_RECORD_DIR):
- ``bfloat16.npz``: casts to and from bfloat16 of awkward values (ties, subnormals, overflow, NaN, signed
  zero; from float32, float64, float16 and int32), elementwise arithmetic and matmuls in bfloat16, and the
  values the checkpoint and the SavedModel hold and compute; bfloat16 arrays are stored as their uint16 bits.
  Recorded with TensorFlow's default CPU kernels (oneDNN's: TF_ENABLE_ONEDNN_OPTS unset).
- ``model.ckpt.*``: a TensorFlow 1 checkpoint with bfloat16 variables (``w``, ``layer/b``) and a float32 one.
- ``float8.ckpt.*``: a checkpoint of two float8 tensors (``e4m3fn``, ``e5m2``: FLOAT8_VALUES cast).
- ``saved_model/``: a SavedModel whose ``serving_default`` signature takes bfloat16 ``x`` [?, 4] and gives
  ``y = x @ w + b`` in bfloat16 and ``y32``, y cast to float32.
Importing this file needs only numpy.
"""
import os
import shutil

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
_RNG = np.random.default_rng(16)

AWKWARD = np.array([1.0, 1.00390625, 1.01171875, 1.0039063, -3.14159265, 0.1, 1e-40, 9.2e-41, -1e-45, 3.3895e38,
                    3.3961e38, 3.4028e38, -3.4028e38, np.inf, -np.inf, np.nan, -0.0, 65504.0, 2.0 ** -133, 255.5,
                    -0.00999],
                   np.float32)
AWKWARD64 = np.array([1.0 + 2.0 ** -8 + 2.0 ** -40, 1.0 + 2.0 ** -8, 1.0 + 2.0 ** -8 - 2.0 ** -40, 1e300, -1e-300,
                      np.pi, 1.0 + 3 * 2.0 ** -9 + 2.0 ** -30], np.float64)
AWKWARD16 = np.array([1.0, 65504.0, 6e-08, -0.333, 1.001, np.inf], np.float16)
INTS = np.array([0, 1, 255, 257, 65535, -70001, 2 ** 24 + 1, -(2 ** 31)], np.int32)
A = _RNG.normal(size=(6, 5)).astype(np.float32)
B = _RNG.normal(size=(5, 3)).astype(np.float32)
LONG_A = _RNG.normal(size=(3, 200)).astype(np.float32)      # long dot products: the accumulation shows
LONG_B = _RNG.normal(size=(200, 4)).astype(np.float32)
W = _RNG.normal(size=(4, 3)).astype(np.float32)
BIAS = np.array([0.5, -1.25, 3.0], np.float32)
X = _RNG.normal(size=(2, 4)).astype(np.float32)
DENSE = np.array([[1.5, -2.0], [0.375, 100.0]], np.float32)
FLOAT8_VALUES = np.array([0.5, -1.75, 3.3, 448.0, 1e-3, 0.0, -0.0, 0.1, 57344.0, 240.0], np.float32)


def graph(tf):
    """The computations recorded, as ``{name: tensor}``, in the default graph."""
    bf = tf.bfloat16
    a, b = tf.cast(A, bf), tf.cast(B, bf)
    return {
        "cast_from_f32": tf.cast(tf.constant(AWKWARD), bf),
        "cast_from_f64": tf.cast(tf.constant(AWKWARD64), bf),
        "cast_from_f16": tf.cast(tf.constant(AWKWARD16), bf),
        "cast_from_i32": tf.cast(tf.constant(INTS), bf),
        "cast_to_f32": tf.cast(tf.cast(tf.constant(AWKWARD), bf), tf.float32),
        "cast_to_f64": tf.cast(tf.cast(tf.constant(AWKWARD), bf), tf.float64),
        "cast_to_f16": tf.cast(tf.cast(tf.constant(AWKWARD), bf), tf.float16),
        "cast_to_i32": tf.cast(tf.cast(tf.constant(A * 100.0), bf), tf.int32),
        "cast_to_bool": tf.cast(tf.cast(tf.constant(AWKWARD), bf), tf.bool),
        "add": a[:, :3] + b[:3, :3][:1],
        "mul": a * a,
        "sub": a - 0.1,
        "div": tf.divide(a, a[:1]),
        "matmul": tf.matmul(a, b),
        "matmul_transposed": tf.matmul(b, a, transpose_a=True, transpose_b=True),
        "matmul_long": tf.matmul(tf.cast(LONG_A, bf), tf.cast(LONG_B, bf)),
        "constant": tf.constant(DENSE, dtype=bf),
        "constant_scalar": tf.constant(0.3, dtype=bf),
        "constant_filled": tf.constant(1.7, dtype=bf, shape=[2, 3]),
        "cast_to_e4m3fn": tf.cast(tf.constant(FLOAT8_VALUES), tf.as_dtype("float8_e4m3fn")),
        "cast_to_e5m2": tf.cast(tf.constant(FLOAT8_VALUES), tf.as_dtype("float8_e5m2")),
        "cast_from_e4m3fn": tf.cast(tf.cast(tf.constant(FLOAT8_VALUES), tf.as_dtype("float8_e4m3fn")), tf.float32),
    }


def bits(value):
    """bfloat16 and float8 arrays as their raw bits (uint16, uint8); other arrays as they are."""
    value = np.asarray(value)
    if value.dtype.name == "bfloat16":
        return value.view(np.uint16)
    return value.view(np.uint8) if value.dtype.name.startswith("float8") else value


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    out = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    arrays = {}
    # Grappler's constant folding would compute the matmuls of constants with the Eigen kernel, which rounds
    # bfloat16 sums toward zero; the kernels a model runs with (oneDNN's, TensorFlow's default on x86)
    # round to nearest even. Folding off, the recorded values are those kernels'.
    from tensorflow.core.protobuf import rewriter_config_pb2
    no_folding = tf.ConfigProto(graph_options=tf.GraphOptions(rewrite_options=rewriter_config_pb2.RewriterConfig(
        constant_folding=rewriter_config_pb2.RewriterConfig.OFF)))
    with tf.Graph().as_default():
        tensors = graph(tf)
        with tf.Session(config=no_folding) as sess:
            for name, value in sess.run(tensors).items():
                arrays[name] = bits(value)
                arrays["dtype:" + name] = np.array(np.asarray(value).dtype.name)
    with tf.Graph().as_default():
        w = tf.Variable(tf.cast(W, tf.bfloat16), name="w")
        with tf.variable_scope("layer"):
            b = tf.get_variable("b", initializer=tf.cast(BIAS, tf.bfloat16))
        scale = tf.Variable(np.float32(2.5), name="scale")
        x = tf.placeholder(tf.bfloat16, [None, 4], name="x")
        y = tf.add(tf.matmul(x, w), b, name="y")
        y32 = tf.cast(y, tf.float32, name="y32")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            tf.train.Saver().save(sess, os.path.join(out, "model.ckpt"), write_meta_graph=False,
                                  write_state=False)
            feed = {x: X.astype(tf.bfloat16.as_numpy_dtype)}
            arrays["model:w"], arrays["model:b"], arrays["model:scale"] = (bits(v) for v in sess.run([w, b, scale]))
            y_value, arrays["model:y32"] = sess.run([y, y32], feed)
            arrays["model:y"] = bits(y_value)
            export = os.path.join(out, "saved_model")
            shutil.rmtree(export, ignore_errors=True)
            builder = tf.saved_model.builder.SavedModelBuilder(export)
            signature = tf.saved_model.signature_def_utils.predict_signature_def({"x": x}, {"y": y, "y32": y32})
            builder.add_meta_graph_and_variables(sess, [tf.saved_model.tag_constants.SERVING],
                                                 signature_def_map={"serving_default": signature})
            builder.save()
    with tf.Graph().as_default():
        e4m3fn = tf.cast(tf.constant(FLOAT8_VALUES[:5]), tf.as_dtype("float8_e4m3fn"))
        e5m2 = tf.cast(tf.constant(FLOAT8_VALUES), tf.as_dtype("float8_e5m2"))
        save = tf.raw_ops.SaveV2(prefix=os.path.join(out, "float8.ckpt"), tensor_names=["e4m3fn", "e5m2"],
                                 shape_and_slices=["", ""], tensors=[e4m3fn, e5m2])
        with tf.Session() as sess:
            sess.run(save)
    np.savez(os.path.join(out, "bfloat16.npz"), **arrays)


if __name__ == "__main__":
    main()
