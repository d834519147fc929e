"""Records what real TensorFlow computes for tests/engine/train/test_schedules.py, test_moving_averages.py and
tests/engine/ops/test_summary_ops.py: learning-rate schedules over 100 global steps, exponential moving
averages over 100 updates, the serialized ``Summary`` bytes of the summary ops (scalar, histogram, text,
tensor, image, audio, merge) and the errors they raise on bad input.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_training.py

The cases are defined here, once, and the tests import this file to build the same graphs in tagraph: a
case's ``build`` takes a TensorFlow-1 namespace (``tensorflow.compat.v1`` here, ``tagraph.engine`` in the
tests). Writes ``training.npz`` (values, summary bytes) and ``training.json`` (the ops each schedule and
the moving average add, as ``[name, type]``); a failing summary case stores ``summary_error:<name>``, its
error class and message. Run under TensorFlow 2.21 in graph mode; importing this file
needs only numpy.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 100

# name -> build(tf, global_step): each schedule TensorFlow 1 has, with its options exercised.
SCHEDULES = {
    "exponential": lambda tf, s: tf.train.exponential_decay(0.1, s, 10, 0.96),
    "exponential_staircase": lambda tf, s: tf.train.exponential_decay(0.1, s, 7, 0.5, staircase=True),
    "piecewise_constant": lambda tf, s: tf.train.piecewise_constant(s, [10, 40, 70], [1.0, 0.5, 0.1, 0.01]),
    "piecewise_constant_int64": lambda tf, s: tf.train.piecewise_constant(s, [np.int64(25)], [0.3, 0.03]),
    "polynomial": lambda tf, s: tf.train.polynomial_decay(0.1, s, 60, 0.001),
    "polynomial_power_cycle": lambda tf, s: tf.train.polynomial_decay(0.1, s, 30, 0.001, power=2.0, cycle=True),
    "polynomial_power": lambda tf, s: tf.train.polynomial_decay(0.5, s, 40, 0.01, power=0.5),
    "cosine": lambda tf, s: tf.train.cosine_decay(0.1, s, 80),
    "cosine_alpha": lambda tf, s: tf.train.cosine_decay(0.2, s, 50, alpha=0.1),
    "inverse_time": lambda tf, s: tf.train.inverse_time_decay(0.1, s, 10, 0.5),
    "inverse_time_staircase": lambda tf, s: tf.train.inverse_time_decay(0.1, s, 10, 0.5, staircase=True),
    "natural_exp": lambda tf, s: tf.train.natural_exp_decay(0.1, s, 10, 0.5),
    "natural_exp_staircase": lambda tf, s: tf.train.natural_exp_decay(0.1, s, 10, 0.5, staircase=True,
                                                                       name="nat"),
    "exponential_f64": lambda tf, s: tf.train.exponential_decay(np.float64(0.1), s, 10, 0.9),
}

# Exponential moving averages: (decay, use num_updates=global_step). The variables follow a fixed walk.
EMAS = {"ema": (0.9, False), "ema_num_updates": (0.99, True)}
EMA_W = np.random.default_rng(7).normal(size=(STEPS, 2, 3)).astype(np.float32)
EMA_B = np.random.default_rng(8).normal(size=(STEPS,)).astype(np.float32)
W0, B0 = np.arange(6, dtype=np.float32).reshape(2, 3) / 10, np.float32(3.0)


def ema_graph(tf, decay, use_steps):
    """The variables (w under scope "layer"), the EMA, its update op, and per-step assign ops from feeds."""
    step = tf.train.get_or_create_global_step()
    w = tf.get_variable("w", initializer=W0)
    with tf.variable_scope("layer"):
        b = tf.get_variable("b", initializer=B0)
    w_new = tf.placeholder(tf.float32, [2, 3], name="w_new")
    b_new = tf.placeholder(tf.float32, [], name="b_new")
    set_vars = tf.group(w.assign(w_new), b.assign(b_new), tf.assign_add(step, 1))
    ema = tf.train.ExponentialMovingAverage(decay, num_updates=step if use_steps else None)
    update = ema.apply([w, b])
    return dict(step=step, w=w, b=b, w_new=w_new, b_new=b_new, set_vars=set_vars, ema=ema, update=update)


def _nonfinite(images):
    """``images`` with a NaN, an infinity and a negative infinity in a few pixels' channels."""
    flat = images.reshape(-1, images.shape[-1])
    flat[1, 0], flat[5, -1], flat[-1, 0] = np.nan, np.inf, -np.inf
    return images


def _audio(batch, frames, channels=None):
    shape = (batch, frames) if channels is None else (batch, frames, channels)
    a = np.random.default_rng(batch * 100 + frames).uniform(-1.2, 1.2, size=shape).astype(np.float32)
    flat = a.reshape(-1)
    # Exact halves of a 16-bit step (round half away from zero), the clipping edges, NaN and infinities.
    special = np.array([0.5, -0.5, 1.5, -2.5, 32767.5, -32768.5, 65535.5, np.nan, np.inf, -np.inf]) / 32768
    flat[:len(special)] = special[:flat.size]
    return a


def _smooth_images():
    """Gradients and rings: rows that PNG's Sub, Up, Average and Paeth filters each suit somewhere."""
    y, x = np.mgrid[0:40, 0:56].astype(np.float32)
    rings = np.sin(np.hypot(y - 20, x - 28) / 3)
    return np.stack([np.stack([x / 55, y / 39, rings], -1), np.stack([rings, x * y / 2000, 1 - x / 55], -1)])


def image_summary_op(tf, tag, x, **attrs):
    """The raw ImageSummary op (its ``bad_color`` is not an argument of ``tf.summary.image``)."""
    tag = tf.constant(tag, name="tag")
    if hasattr(tf, "raw_ops"):
        if "bad_color" in attrs:
            attrs["bad_color"] = tf.make_tensor_proto(attrs["bad_color"])
        return tf.raw_ops.ImageSummary(tag=tag, tensor=x, name="ImageSummary", **attrs)
    return tf.make_op("ImageSummary", [tag, x], attrs, name="ImageSummary")


_RNG = np.random.default_rng(11)
# name -> (build(tf, *placeholders), inputs): each output is one serialized Summary.
SUMMARIES = {
    "scalar": (lambda tf, x: tf.summary.scalar("loss", x), [np.float32(1.375)]),
    "scalar_f64": (lambda tf, x: tf.summary.scalar("lr", x), [np.float64(0.1)]),
    "scalar_int": (lambda tf, x: tf.summary.scalar("count", x), [np.int64(-42)]),
    "scalar_in_scope": (lambda tf, x: _in_scope(tf, lambda: tf.summary.scalar("acc", x)), [np.float32(0.5)]),
    "histogram": (lambda tf, x: tf.summary.histogram("weights", x), [_RNG.normal(size=(50,)).astype(np.float32)]),
    "histogram_2d_f64": (lambda tf, x: tf.summary.histogram("acts", x),
                         [_RNG.normal(scale=1e3, size=(8, 16)).astype(np.float64)]),
    "histogram_ints": (lambda tf, x: tf.summary.histogram("ids", x), [np.array([0, 0, 3, -2, 7, 7, 7], np.int32)]),
    "histogram_tiny": (lambda tf, x: tf.summary.histogram("tiny", x),
                       [np.array([1e-14, -1e-13, 0.0, 2e19, 5e20], np.float64)]),
    "histogram_empty": (lambda tf, x: tf.summary.histogram("empty", x), [np.zeros([0], np.float32)]),
    "text": (lambda tf, x: tf.summary.text("note", x), [np.array(b"hello, world")]),
    "text_vector": (lambda tf, x: tf.summary.text("notes", x), [np.array([b"a", b"bc", b"\xc3\xa9"])]),
    "merge": (lambda tf, x, y: tf.summary.merge([tf.summary.scalar("a", x), tf.summary.histogram("h", y)]),
              [np.float32(2.0), np.array([1.0, 2.0, 2.5], np.float32)]),
    "scalar_family": (lambda tf, x: tf.summary.scalar("loss rate", x, family="train"), [np.float32(0.25)]),
    "tensor_summary": (lambda tf, x: tf.summary.tensor_summary("t", x, summary_description="desc", display_name="T"),
                       [np.arange(6, dtype=np.int32).reshape(2, 3)]),
    "tensor_summary_plain": (lambda tf, x: tf.summary.tensor_summary("plain", x), [np.float32(2.5)]),
    # Images: TensorFlow's PNG bytes come from libpng; tagraph's need only decode to the same pixels.
    "image_uint8": (lambda tf, x: tf.summary.image("digits", x),
                    [_RNG.integers(0, 256, size=(2, 5, 7, 3)).astype(np.uint8)]),
    "image_float_signed": (lambda tf, x: tf.summary.image("acts", x, max_outputs=2),
                           [_RNG.normal(size=(3, 6, 4, 1)).astype(np.float32)]),
    "image_float_rgba_nonfinite": (lambda tf, x: tf.summary.image("rgba", x, max_outputs=1),
                                   [_nonfinite(_RNG.uniform(0, 3, size=(2, 4, 5, 4)).astype(np.float32))]),
    "image_f64": (lambda tf, x: tf.summary.image("f64", x), [_RNG.uniform(0, 1e5, size=(1, 3, 3, 3))]),
    "image_f16": (lambda tf, x: tf.summary.image("f16", x),
                  [_RNG.normal(scale=4, size=(2, 4, 4, 3)).astype(np.float16)]),
    "image_tiny": (lambda tf, x: tf.summary.image("tiny", x), [np.full((1, 2, 2, 1), 1e-7, np.float32)]),
    "image_bad_color": (lambda tf, x: image_summary_op(tf, "painted", x, max_images=2,
                                                       bad_color=np.array([0, 255, 9], np.uint8)),
                        [_nonfinite(_RNG.normal(size=(2, 3, 4, 3)).astype(np.float32))]),
    "image_empty_batch": (lambda tf, x: tf.summary.image("none", x), [np.zeros((0, 2, 2, 3), np.float32)]),
    "image_noise_large": (lambda tf, x: tf.summary.image("noise", x),           # several IDAT chunks
                          [_RNG.integers(0, 256, size=(1, 96, 96, 3)).astype(np.uint8)]),
    "image_smooth": (lambda tf, x: tf.summary.image("smooth", x), [_smooth_images()]),
    "image_small_window": (lambda tf, x: tf.summary.image("small", x),     # 150 bytes to deflate
                           [_RNG.uniform(0, 2, size=(1, 6, 8, 3)).astype(np.float32)]),
    # Audio: 16-bit PCM WAV, rounding half away from zero, clipped; NaN and infinities included.
    "audio_mono": (lambda tf, x: tf.summary.audio("speech", x, 8000, max_outputs=2), [_audio(3, 40)]),
    "audio_stereo": (lambda tf, x: tf.summary.audio("music", x, 22050.5, max_outputs=1), [_audio(2, 30, 2)]),
    "audio_rate_tensor": (lambda tf, x, r: tf.summary.audio("rate", x, r), [_audio(1, 12), np.float32(2.5)]),
    "audio_no_frames": (lambda tf, x: tf.summary.audio("silence", x, 16000), [np.zeros((1, 0), np.float32)]),
}

# name -> (build(tf, *placeholders), inputs): summaries TensorFlow refuses when they run.
SUMMARY_ERRORS = {
    "scalar_of_vector": (lambda tf, x: tf.summary.scalar("loss", x), [np.zeros([2], np.float32)]),
    "histogram_nan": (lambda tf, x: tf.summary.histogram("h", x), [np.array([1.0, np.nan], np.float32)]),
    "histogram_inf": (lambda tf, x: tf.summary.histogram("h", x), [np.array([np.inf], np.float64)]),
    "image_rank": (lambda tf, x: tf.summary.image("img", x), [np.zeros([2, 3], np.float32)]),
    "image_depth": (lambda tf, x: tf.summary.image("img", x), [np.zeros([1, 2, 2, 2], np.uint8)]),
    "image_zero_size": (lambda tf, x: tf.summary.image("img", x), [np.zeros([1, 0, 3, 3], np.float32)]),
    "image_bad_color_short": (lambda tf, x: image_summary_op(tf, "img", x, bad_color=np.array([1, 2], np.uint8)),
                              [np.zeros([1, 2, 3, 3], np.float32)]),
    "audio_rank": (lambda tf, x: tf.summary.audio("snd", x, 8000), [np.zeros([2], np.float32)]),
    "audio_rate_zero": (lambda tf, x: tf.summary.audio("snd", x, 0.0), [np.zeros([2, 3], np.float32)]),
    "audio_rate_vector": (lambda tf, x, r: tf.summary.audio("snd", x, r),
                          [np.zeros([2, 3], np.float32), np.array([8000.0, 1.0], np.float32)]),
    "audio_rate_huge": (lambda tf, x: tf.summary.audio("snd", x, 5e9), [np.zeros([1, 3], np.float32)]),
    "audio_no_channels": (lambda tf, x: tf.summary.audio("snd", x, 8000), [np.zeros([2, 3, 0], np.float32)]),
}


def error_text(e):
    """What TensorFlow's error says was wrong, without the traceback and node lines TensorFlow 2 adds."""
    msg = getattr(e, "message", None) or str(e)
    lines = [ln for ln in msg.split("\n") if ln.strip() and not ln.startswith("  ")]
    lines = [ln for ln in lines if not ln.strip().startswith("[[") and not ln.startswith("Graph execution error")
             and not ln.startswith("Detected at node") and not ln.startswith("Node: ")]
    return lines[-1].strip() if lines else msg


def _in_scope(tf, fn):
    with tf.name_scope("eval"):
        return fn()


def _ops_since(graph, n0):
    return [[op.name, op.type] for op in graph.get_operations()[n0:]]


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    arrays, graphs = {}, {}
    for name, build in SCHEDULES.items():
        with tf.Graph().as_default() as g:
            step = tf.train.get_or_create_global_step()
            inc = tf.assign_add(step, 1)
            n0 = len(g.get_operations())
            lr = build(tf, step)
            graphs[name] = {"ops": _ops_since(g, n0), "output": lr.name}
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                vals = []
                for _ in range(STEPS):
                    vals.append(sess.run(lr))
                    sess.run(inc)
            arrays["schedule:" + name] = np.array(vals)
    for name, (decay, use_steps) in EMAS.items():
        with tf.Graph().as_default() as g:
            n0 = len(g.get_operations())
            m = ema_graph(tf, decay, use_steps)
            graphs[name] = {"ops": _ops_since(g, n0), "variables": [v.op.name for v in tf.global_variables()],
                            "restore": sorted(m["ema"].variables_to_restore())}
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                ws, bs = [], []
                for i in range(STEPS):
                    sess.run(m["set_vars"], {m["w_new"]: EMA_W[i], m["b_new"]: EMA_B[i]})
                    sess.run(m["update"])
                    ws.append(sess.run(m["ema"].average(m["w"])))
                    bs.append(sess.run(m["ema"].average(m["b"])))
            arrays["ema:%s:w" % name], arrays["ema:%s:b" % name] = np.array(ws), np.array(bs)
    for name, (build, inputs) in SUMMARIES.items():
        with tf.Graph().as_default() as g:
            phs = [tf.placeholder(tf.as_dtype(np.asarray(a).dtype), np.shape(a)) for a in inputs]
            n0 = len(g.get_operations())
            out = build(tf, *phs)
            graphs["summary:" + name] = {"ops": _ops_since(g, n0), "output": out.name}
            with tf.Session() as sess:
                arrays["summary:" + name] = np.frombuffer(sess.run(out, dict(zip(phs, inputs))), np.uint8)
    for name, (build, inputs) in SUMMARY_ERRORS.items():
        with tf.Graph().as_default():
            phs = [tf.placeholder(tf.as_dtype(np.asarray(a).dtype), np.shape(a)) for a in inputs]
            try:
                with tf.Session() as sess:
                    sess.run(build(tf, *phs), dict(zip(phs, inputs)))
            except Exception as e:  # noqa: BLE001 - any error TensorFlow raises is the record
                arrays["summary_error:" + name] = np.array([type(e).__name__, error_text(e)])
            else:
                raise AssertionError("TensorFlow accepted the bad summary case %s" % name)
    out_dir = os.environ.get("TAGRAPH_RECORD_DIR", HERE)      # make interop records afresh elsewhere
    np.savez_compressed(os.path.join(out_dir, "training.npz"), **arrays)
    with open(os.path.join(out_dir, "training.json"), "w") as f:
        json.dump(graphs, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
