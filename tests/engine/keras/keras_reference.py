"""Replays tests/data/keras/record_keras.py's cases in tagraph and checks them against TensorFlow's values.

A case is built with ``tagraph.engine`` as the TensorFlow-1 namespace (``tg.keras``), its variables get the
seeded values TensorFlow ran with, and its output, static shape, output op, variable names and shapes,
gradients, ``updates``, ``losses`` and the variables after the updates ran must match the recording.
"""
import importlib.util
import json
import pathlib
import re

import numpy as np
import pytest

import tagraph.engine as tg

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "keras"


def _load_record():
    spec = importlib.util.spec_from_file_location("keras_record", DATA / "record_keras.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
with np.load(DATA / "keras.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}
META = json.loads((DATA / "keras.json").read_text())
TOL = dict(rtol=1e-4, atol=1e-5)


def cases(*prefixes):
    return [pytest.param(c, id=c.name) for c in RECORD.CASES if c.name.startswith(prefixes)]


def errors():
    return [pytest.param(name, shape, build, id=name) for name, shape, build in RECORD.ERRORS]


def replay(case, device):
    """Runs ``case`` in tagraph on ``device`` and checks every recorded value."""
    meta = META["cases"][case.name]
    with tg.Graph().as_default(), tg.device(device):
        x = tg.placeholder(case.dtype, case.shape if case.static_batch else (None,) + case.shape[1:], name="x")
        y, layer = case.build(tg, x)
        variables = [[v.name, v.shape.as_list()] for v in tg.global_variables()]
        assert variables == meta["variables"], variables
        trainable = tg.trainable_variables()
        assert [v.name for v in trainable] == meta["trainable"], trainable
        assert [w.name for w in layer.weights] == meta["weights"], layer.weights
        assert y.shape.as_list() == meta["static_shape"], y.shape
        assert y.op.name == meta["output_op"], (y.op.name, meta["output_op"])
        assert tg.get_collection(tg.GraphKeys.UPDATE_OPS) == []     # Keras keeps its updates to itself
        updates, losses = list(layer.updates), list(layer.losses)
        assert (len(updates), len(losses)) == (meta["updates"], meta["losses"]), (updates, losses)
        grads = tg.gradients(y, [x] + trainable, grad_ys=tg.constant(RECORD.upstream(case.name,
                                                                                     ARRAYS[case.name + ":out"].shape)))
        targets = ["x"] + [v.name for v in trainable]
        assert [n for n, g in zip(targets, grads) if g is not None] == meta["grads"]
        xv = ARRAYS[case.name + ":x"]
        feed = {x: xv}
        if case.phase is not None:
            feed[tg.keras.backend.learning_phase()] = case.phase
        for own_input in getattr(layer, "inputs", None) or ():
            feed[own_input] = xv
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for v in tg.global_variables():
                v.load(ARRAYS["%s:init:%s" % (case.name, v.name)], sess)
            out = sess.run(y, feed)
            got = sess.run([g for g in grads if g is not None], feed)
            loss_values = sess.run(losses, feed)
            if updates:
                sess.run(updates, feed)
            after = {v.name: sess.run(v) for v in tg.global_variables()}
    np.testing.assert_allclose(out, ARRAYS[case.name + ":out"], **TOL)
    for name, value in zip(meta["grads"], got):
        np.testing.assert_allclose(value, ARRAYS["%s:grad:%s" % (case.name, name)], err_msg=name, **TOL)
    for i, value in enumerate(loss_values):
        np.testing.assert_allclose(value, ARRAYS["%s:loss:%d" % (case.name, i)], err_msg="loss %d" % i, **TOL)
    if updates:
        for name, value in after.items():
            np.testing.assert_allclose(value, ARRAYS["%s:after:%s" % (case.name, name)], err_msg=name, **TOL)
    return out


def _plain_shapes(message):
    # TensorFlow 1's shapes print their sizes as Dimension(n); tagraph's print n, as TensorFlow 2's do.
    return re.sub(r"Dimension\((\w+)\)", r"\1", message)


def check_error(name, shape, build):
    """The error ``build`` raises in tagraph is TensorFlow's class; its message starts as TensorFlow's."""
    cls_name, message = META["errors"][name]
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, shape)
        with pytest.raises(Exception) as info:
            build(tg, x)
    assert type(info.value).__name__ == cls_name
    return str(info.value), _plain_shapes(message)
