"""The string cases and values real TensorFlow recorded (tests/data/strings/record_strings.py), and the checks
that replay them in tagraph through ``tagraph.compat.v1`` (TensorFlow 1's names). The string families'
tests (test_string_ops.py, test_regex_ops.py, ...) each replay their own cases."""
import importlib.util
import pathlib
import re

import numpy as np
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.engine.framework import errors

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "strings"


def _load():
    spec = importlib.util.spec_from_file_location("strings_record", DATA / "record_strings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load()
with np.load(DATA / "strings.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}
SOFT = tg.ConfigProto(allow_soft_placement=True)
ERROR_CLASSES = {"InvalidArgumentError": errors.InvalidArgumentError, "OutOfRangeError": errors.OutOfRangeError,
                 "ValueError": ValueError, "TypeError": TypeError}

# Where tagraph's message is its own op builder's (an attribute value outside the OpDef's list).
OWN_MESSAGES = {"substr_unit": r"attr 'unit' of \"CHAR\" is not in the list of allowed values",
                "length_unit": r"attr 'unit' of \"CHAR\" is not in the list of allowed values",
                "unicode_decode_errors_policy": r"attr 'errors' of \"loud\" is not in the list of allowed values",
                "unicode_encode_encoding": r"attr 'output_encoding' of \"latin1\" is not in the list of allowed "
                                           r"values"}


def cases(*prefixes):
    """pytest params of the recorded cases whose names start with one of ``prefixes``."""
    return [pytest.param(c, id=c.name) for c in RECORD.CASES if c.name.startswith(prefixes)]


def error_cases(*prefixes):
    return [pytest.param(e, id=e.name) for e in RECORD.ERRORS if e.name.startswith(prefixes)]


def _equal(got, want, key):
    # A scalar string comes back as bytes, as from TensorFlow's session.
    got = np.asarray(got, dtype=object) if isinstance(got, bytes) else np.asarray(got)
    if want.dtype == object:
        assert got.dtype == object, (key, got.dtype)
        assert got.shape == want.shape, (key, got.shape, want.shape)
        assert [bytes(v) for v in got.reshape(-1)] == list(want.reshape(-1)), key
        return
    assert got.dtype == want.dtype, (key, got.dtype, want.dtype)
    np.testing.assert_array_equal(got, want, err_msg=key)


def _shape(text):
    if text == "?":
        return tg.TensorShape(None)
    return tg.TensorShape([None if d == "?" else int(d) for d in text.split(",")] if text else [])


def check_case(case, device):
    """Builds ``case`` in tagraph under ``device``, runs it and compares every value, static shape and (where
    the graphs are built alike) the op types with TensorFlow's."""
    with tg.Graph().as_default() as g, tg.device(device):
        flat = RECORD.flat_fetches(case.build(tf))
        with tg.Session(config=SOFT) as sess:
            values = sess.run(flat)
    for k, (f, v) in enumerate(zip(flat, values)):
        key = "%s:%d" % (case.name, k)
        _equal(v, RECORD.unpack(ARRAYS, key), key)
        want = str(ARRAYS[key + ":static"])
        if case.same_ops:
            assert RECORD.shape_string(f.shape) == want, (key, f.shape)
        else:
            # Built from other ops than TensorFlow's, the static shape may know less, never something else.
            assert f.shape.is_compatible_with(_shape(want)), (key, f.shape, want)
    if case.same_ops:
        assert sorted(op.type for op in g.get_operations()) == list(ARRAYS[case.name + ":ops"])


def check_error(err, device):
    """Builds and runs ``err`` in tagraph: TensorFlow's error class, with TensorFlow's message in it."""
    cls_name, tf_message = (str(v) for v in ARRAYS[err.name + ":error"])
    with pytest.raises(ERROR_CLASSES[cls_name]) as info:
        with tg.Graph().as_default(), tg.device(device):
            flat = RECORD.flat_fetches(err.build(tf))
            with tg.Session(config=SOFT) as sess:
                sess.run(flat)
    text = getattr(info.value, "message", None) or str(info.value)
    if err.name in OWN_MESSAGES:
        assert re.search(OWN_MESSAGES[err.name], text), (text, tf_message)
    else:
        assert tf_message in text, (text, tf_message)


__all__ = ["RECORD", "ARRAYS", "cases", "error_cases", "check_case", "check_error"]
