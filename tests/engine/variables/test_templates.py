"""tf.make_template against TensorFlow 2.21's recorded graphs (tests/data/tf_ops/record_tf1_misc.py builds the
same nested templates with tagraph's namespace): variable names and counts, each template's scope and
variables, the ops' names per call, the values the shared variables give, and the errors of a later call."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tagraph.compat.v1 as tf

HERE = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"
_spec = importlib.util.spec_from_file_location("record_tf1_misc", HERE / "record_tf1_misc.py")
R = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(R)
META = json.loads((HERE / "tf1_misc.json").read_text())
with np.load(HERE / "tf1_misc.npz") as _f:
    DATA = {k: _f[k] for k in _f.files}


@pytest.fixture(params=["ref", "resource"])
def variable_kind(request):
    if request.param == "ref":
        tf.disable_resource_variables()        # what the recording used: TensorFlow 1's variables
    return request.param


def test_nested_templates_match_tensorflow(variable_kind):
    with tf.Graph().as_default():
        x, fetches, templates, u = R.build_templates(tf)
        assert [v.name for v in tf.global_variables()] == META["template_globals"]
        assert [v.name for v in tf.trainable_variables()] == META["template_trainables"]
        assert {k: t.name for k, t in fetches.items()} == META["template_fetches"]
        assert u.name == META["template_u"]
        for key, t in templates.items():
            want = META["template_props"][key]
            assert (t.name, t.variable_scope.name) == (want["name"], want["scope"])
            assert [v.name for v in t.variables] == want["variables"]
            assert [v.name for v in t.trainable_variables] == want["trainable"]
            assert t.non_trainable_variables == []
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            for key, t in fetches.items():
                np.testing.assert_allclose(s.run(t, {x: DATA["template_x"]}), DATA["template_" + key],
                                           rtol=1e-6)


def test_shared_variables_take_updates_in_every_call():
    with tf.Graph().as_default():
        scale = tf.make_template("scale", lambda v: v * tf.get_variable("k", [], initializer=tf.ones_initializer()))
        a, b = scale(tf.constant(2.0)), scale(tf.constant(3.0))
        (k,) = scale.variables
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            s.run(k.assign(5.0))
            assert s.run([a, b]) == [10.0, 15.0]


def test_no_variables_before_the_first_call():
    with tf.Graph().as_default():
        t = tf.make_template("t", lambda v: v * tf.get_variable("k", []))
        assert t.variable_scope is None and t.variables == [] and t.trainable_variables == []
        with pytest.raises(ValueError, match="name cannot be None."):
            tf.make_template(None, lambda v: v)


def test_new_variable_on_a_later_call_raises_get_variables_error():
    kind, message = META["template_errors"]["new_variable"]
    with tf.Graph().as_default():
        with pytest.raises(ValueError) as info:
            R.template_new_variable_error(tf)
    first, _, trace = str(info.value).partition("\n\noriginally defined at:\n")
    # get_variable's message names the namespace it was called through (tg. where TensorFlow says tf.).
    assert (kind, first.replace("tg.", "tf.")) == ("ValueError", message)
    assert "make_template" in trace


def test_tf_variable_on_a_later_call_raises_tensorflows_error():
    kind, message = META["template_errors"]["tf_variable"]
    with tf.Graph().as_default():
        with pytest.raises(ValueError) as info:
            R.template_tf_variable_error(tf)
    first = str(info.value).split("\n\noriginally defined at:")[0]
    # The list's items are the variables' reprs: compare the text and the variable named.
    assert first.split(": [")[0] == message.split(": [")[0]
    assert "'plain_1/v:0'" in first and "'plain_1/v:0'" in message


def test_custom_getter_is_named_as_not_supported():
    with pytest.raises(NotImplementedError, match="custom_getter_"):
        tf.make_template("t", lambda v: v, custom_getter_=lambda getter, *a, **k: getter(*a, **k))
