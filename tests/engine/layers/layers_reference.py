"""Replays tests/data/layers/record_layers.py's cases in tagraph and checks them against TensorFlow's values.

A case is built with ``tagraph.engine`` as the TensorFlow-1 namespace, its variables get the seeded values
TensorFlow ran with, and its output, static shape, variable names and shapes, gradients (input and trainable
variables), UPDATE_OPS and the variables after the updates ran must match the recording.
"""
import importlib.util
import json
import pathlib
import re

import numpy as np
import pytest

import tagraph.engine as tg

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "layers"


def _load_record():
    spec = importlib.util.spec_from_file_location("layers_record", DATA / "record_layers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
with np.load(DATA / "layers.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}
META = json.loads((DATA / "layers.json").read_text())


def cases(*prefixes):
    """The recorded cases whose names start with one of ``prefixes``, as pytest params."""
    return [pytest.param(c, id=c.name) for c in RECORD.CASES if c.name.startswith(prefixes)]


def errors(*prefixes):
    return [pytest.param(name, shape, build, id=name) for name, shape, build in RECORD.ERRORS
            if name.startswith(prefixes)]


def replay(case, device):
    """Runs ``case`` in tagraph on ``device`` and checks every recorded value."""
    meta = META["cases"][case.name]
    with tg.Graph().as_default(), tg.device(device):
        shape = case.shape if case.static_batch else (None,) + case.shape[1:]
        x = tg.placeholder(case.dtype, shape, name="x")
        t = tg.placeholder(tg.bool, [], name="training") if case.training_tensor else case.training
        y = case.build(tg, x, t)
        assert [[v.name, v.shape.as_list()] for v in tg.global_variables()] == meta["variables"]
        assert [v.name for v in tg.trainable_variables()] == meta["trainable"]
        assert y.shape.as_list() == meta["static_shape"]
        updates = tg.get_collection(tg.GraphKeys.UPDATE_OPS)
        assert [u.name for u in updates] == meta["update_ops"]
        trainable = tg.trainable_variables()
        up = RECORD.upstream(case.name, ARRAYS[case.name + ":out"].shape)
        grads = tg.gradients(y, [x] + trainable, grad_ys=tg.constant(up))
        targets = ["x"] + [v.name for v in trainable]
        assert [n for n, g in zip(targets, grads) if g is not None] == meta["grads"]
        feed = {x: ARRAYS[case.name + ":x"]}
        if case.training_tensor:
            feed[t] = RECORD.training_feed(case)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for v in tg.global_variables():
                v.load(ARRAYS["%s:init:%s" % (case.name, v.name)], sess)
            out = sess.run(y, feed)
            got = sess.run([g for g in grads if g is not None], feed)
            if updates:
                sess.run(updates, feed)
            after = {v.name: sess.run(v) for v in tg.global_variables()}
    tol = dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out, ARRAYS[case.name + ":out"], **tol)
    for name, value in zip(meta["grads"], got):
        np.testing.assert_allclose(value, ARRAYS["%s:grad:%s" % (case.name, name)], err_msg=name, **tol)
    if updates:
        for name, value in after.items():
            np.testing.assert_allclose(value, ARRAYS["%s:after:%s" % (case.name, name)], err_msg=name, **tol)
    return out


def _plain_shapes(message):
    # TensorFlow 1's shapes print their sizes as Dimension(n); tagraph's print n, as TensorFlow 2's do.
    return re.sub(r"Dimension\((\w+)\)", r"\1", message)


def check_error(name, shape, build):
    """The error ``build`` raises in tagraph is TensorFlow's class with TensorFlow's message."""
    cls_name, message = META["errors"][name]
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, shape)
        with pytest.raises(Exception) as info:
            build(tg, x)
    assert type(info.value).__name__ == cls_name
    assert str(info.value) == _plain_shapes(message)
