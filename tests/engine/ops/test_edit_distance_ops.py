"""tf.edit_distance (EditDistance) against TensorFlow 2.21's recorded values, shapes and messages
(tests/data/tf_ops/record_tf1_misc.py builds the same graphs with tagraph's namespace). The op has a host
kernel only and no gradient."""
import importlib.util
import json
import re
import pathlib

import numpy as np
import pytest

import tagraph.compat.v1 as tf
from tagraph.engine.framework import errors
from tagraph.engine.ops.edit_distance_ops import levenshtein

HERE = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"
_spec = importlib.util.spec_from_file_location("record_tf1_misc", HERE / "record_tf1_misc.py")
R = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(R)
META = json.loads((HERE / "tf1_misc.json").read_text())
with np.load(HERE / "tf1_misc.npz") as _f:
    DATA = {k: _f[k] for k in _f.files}


@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("name", sorted(R.EDIT_CASES))
def test_matches_tensorflow(name, normalize):
    key = "%s_%s" % (name, normalize)
    with tf.Graph().as_default():
        d = R.build_edit_distance(tf, R.EDIT_CASES[name], np.int32, normalize)
        assert d.op.name == "edit_distance" and d.dtype == tf.float32
        assert d.shape.as_list() == META["edit_shapes"][key]
        with tf.Session() as s:
            got = s.run(d)
    np.testing.assert_array_equal(got, DATA[key])


def test_strings_match_tensorflow():
    with tf.Graph().as_default():
        d = R.build_edit_distance(tf, R.EDIT_STRING_CASE, object, True)
        with tf.Session() as s:
            np.testing.assert_array_equal(s.run(d), DATA["edit_string"])


@pytest.mark.parametrize("name", sorted(R.EDIT_FED_VALUES))
def test_fed_inputs_taken_as_tensorflow_takes_them(name):
    with tf.Graph().as_default():
        d, feeds = R.build_edit_distance_fed(tf, R.EDIT_FED_VALUES[name])
        assert d.shape.rank is None
        with tf.Session() as s:
            np.testing.assert_array_equal(s.run(d, feeds), DATA[name])


@pytest.mark.parametrize("name", sorted(R.EDIT_ERRORS))
def test_bad_inputs_raise_tensorflows_errors(name):
    kind, message = META["edit_shapes"][name + "_fed"]
    with tf.Graph().as_default():
        d, feeds = R.build_edit_distance_fed(tf, R.EDIT_ERRORS[name])
        with tf.Session() as s:
            with pytest.raises(getattr(errors, kind)) as info:
                s.run(d, feeds)
    assert info.value.message.split("\n")[0] == message     # tagraph adds the node on a line of its own


def test_shape_function_rejects_different_ranks():
    kind, message = META["edit_shapes"]["edit_rank_mismatch"]
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=re.escape(message.split(" for '")[0])):
            R.build_edit_distance(tf, R.EDIT_ERRORS["edit_rank_mismatch"], np.int32, True)


def test_arguments_must_be_sparse_and_op_has_no_gradient():
    with tf.Graph().as_default():
        sp = tf.SparseTensor([[0, 0]], [1.0], [1, 1])
        with pytest.raises(TypeError, match="Hypothesis must be a SparseTensor."):
            tf.edit_distance(tf.constant([1.0]), sp)
        with pytest.raises(TypeError, match="Truth must be a SparseTensor."):
            tf.edit_distance(sp, tf.constant([1.0]))
        values = tf.constant([1.0])
        d = tf.edit_distance(tf.SparseTensor([[0, 0]], values, [1, 1]), sp)
        assert tf.gradients(d, values) == [None]


@pytest.mark.parametrize("a,b,expected", [("kitten", "sitting", 3), ("", "abc", 3), ("abc", "", 3),
                                          ("flaw", "lawn", 2), ("same", "same", 0)])
def test_levenshtein(a, b, expected):
    assert levenshtein(list(a), list(b)) == expected
