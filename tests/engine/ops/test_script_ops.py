"""tf.py_func, tf.numpy_function and tf.py_function against what TensorFlow does in graph mode
(tests/data/tf_ops/record_script_ops.py): the arguments the function gets, outputs, ops and attributes, and the
errors with TensorFlow's classes and messages; tokens, the registry and GraphDef export."""
import importlib.util
import json
import pathlib
import re

import numpy as np
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.protos import graph_pb2

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"


def _load_record():
    spec = importlib.util.spec_from_file_location("tf_ops_record_script_ops", DATA / "record_script_ops.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
RECORDED = json.loads((DATA / "script_ops.json").read_text())


def _first(t):
    return t[0] if isinstance(t, list) else t


@pytest.mark.parametrize("name", sorted(RECORD.CASES))
def test_cases_run_as_in_tensorflow(name):
    want = RECORDED[name]
    del RECORD.SEEN[:]
    with tf.Graph().as_default():
        t = RECORD.CASES[name](tf)
        op = t if isinstance(t, tg.Operation) else _first(t).op
        with tf.Session() as sess:
            got = sess.run(t)
    assert op.type == want["op"] and sorted(op.node_def.attr) == want["attrs"] and len(op.inputs) == want["inputs"]
    assert re.fullmatch(r"pyfunc_\d+", op.get_attr("token").decode())
    if "fetched" in want:
        assert isinstance(t, tg.Operation) and got is None
        return
    outs = got if isinstance(t, list) else [got]
    assert [RECORD._output(v) for v in outs] == want["outputs"]
    assert [str(x.shape) for x in (t if isinstance(t, list) else [t])] == want["shapes"]
    if name == "arguments":
        assert RECORD.SEEN[0] == RECORDED["seen"]


@pytest.mark.parametrize("name", sorted(RECORD.ERRORS))
def test_errors_are_tensorflows(name):
    want = RECORDED[name]
    with tf.Graph().as_default():
        t = RECORD.ERRORS[name](tf)
        token = _first(t).op.get_attr("token").decode()
        with tf.Session() as sess:
            with pytest.raises(errors.OpError) as info:
                sess.run(t)
    assert type(info.value).__name__ == want["error"]
    assert RECORD.kernel_message(info.value.message, token) == want["message"]


def test_the_traceback_names_the_failing_function():
    with tf.Graph().as_default():
        t = tf.py_func(RECORD.raise_value_error, [1.0], tf.float32)
        with tf.Session() as sess, pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(t)
    assert 'in raise_value_error\n    raise ValueError("boom")' in info.value.message


def test_tokens_count_up_and_graphs_export_only_the_token():
    with tf.Graph().as_default() as g:
        a = tf.py_func(lambda: np.float32(1), [], tf.float32)
        b = tf.numpy_function(lambda: np.float32(2), [], tf.float32)
        na, nb = (int(x.op.get_attr("token").decode().split("_")[1]) for x in (a, b))
        assert nb == na + 1
        graph_def = g.as_graph_def()
    node = next(n for n in graph_def.node if n.name == a.op.name)
    assert node.attr["token"].s == a.op.get_attr("token") and not node.input
    # Imported in the same process, the token still finds the function; an unknown token fails as in
    # TensorFlow.
    with tf.Graph().as_default():
        tf.import_graph_def(graph_def, name="")
        with tf.Session() as sess:
            assert sess.run(a.name) == np.float32(1)
    graph_def.node[0].attr["token"].s = b"pyfunc_999999"
    with tf.Graph().as_default():
        tf.import_graph_def(graph_pb2.GraphDef.FromString(graph_def.SerializeToString()), name="")
        with tf.Session() as sess, pytest.raises(errors.InvalidArgumentError,
                                                 match="Could not find callback with key=pyfunc_999999"):
            sess.run(graph_def.node[0].name + ":0")


def test_the_graph_keeps_its_functions_alive():
    with tf.Graph().as_default() as g:
        t = tf.py_func(lambda x: x + 1, [np.int32(1)], tf.int32)
        import gc
        gc.collect()
        with tf.Session(graph=g) as sess:
            assert sess.run(t) == 2


def test_decorators_and_argument_checks():
    with tf.Graph().as_default():
        @tf.numpy_function(Tout=tf.int32)
        def plus_one(x):
            return x + 1

        @tf.py_function(Tout=tf.float32)
        def half(x):
            return x.numpy() / 2

        with tf.Session() as sess:
            assert sess.run(plus_one(np.int32(4))) == 5
            assert sess.run(half(np.float32(3))) == np.float32(1.5)
        with pytest.raises(TypeError, match="Missing required argument: 'Tout'"):
            tf.numpy_function(lambda x: x, [1])
        with pytest.raises(TypeError, match="Don't set the `inp` argument"):
            tf.py_function(inp=[1], Tout=tf.int32)
        with pytest.raises(TypeError, match="Missing argument `inp`"):
            tf.py_function(lambda x: x, Tout=tf.int32)
        with pytest.raises(ValueError, match="Expected func to be callable"):
            tf.py_func(3, [1], tf.int32)


def test_py_func_is_not_differentiable_and_its_outputs_have_unknown_shapes():
    with tf.Graph().as_default():
        x = tf.constant([1.0, 2.0])
        y = tf.py_func(lambda v: v * 2, [x], tf.float32)
        assert y.shape.rank is None
        assert tf.gradients(y, x) == [None]


def test_tensorflow_names():
    assert tf.py_func is tg.py_func and tf.numpy_function is tg.numpy_function and tf.py_function is tg.py_function
