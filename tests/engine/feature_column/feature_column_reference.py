"""The cases and values real TensorFlow recorded for the feature column tests
(tests/data/feature_column/record_feature_column.py), and the helpers that replay them in tagraph: the cases
are built with ``tagraph.engine`` as the TensorFlow-1 namespace, their variables get the seeded values
TensorFlow ran with."""
import importlib.util
import json
import pathlib

import numpy as np

import tagraph.engine as tg

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "feature_column"


def _load_record():
    spec = importlib.util.spec_from_file_location("feature_column_record", DATA / "record_feature_column.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
with np.load(DATA / "feature_column.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}
META = json.loads((DATA / "feature_column.json").read_text())
FC = tg.feature_column


def names(variables):
    """``[[name, shape]]`` of variables, as the recording lists them."""
    return [[v.name, v.shape.as_list()] for v in variables]


def run_with_recorded_values(case_name, out, feed=None):
    """Initialises the graph's variables and tables, loads the case's seeded values, runs ``out``."""
    with tg.Session() as sess:
        sess.run([tg.global_variables_initializer(), tg.tables_initializer()])
        values = RECORD.variable_values(case_name, names(tg.global_variables()))
        for v in tg.global_variables():
            v.load(values[v.name], sess)
        return sess.run(out, feed)


def check_error(name):
    """Builds ERRORS[name] (and runs it where TensorFlow failed running it); asserts TensorFlow's error."""
    cls, message = META["errors"][name]
    build, run = RECORD.ERRORS[name]
    message = message.replace("<data>", str(DATA))
    tg.disable_resource_variables()     # as the recording's disable_v2_behavior (conftest restores the default)
    try:
        with tg.Graph().as_default():
            out = build(tg, FC, RECORD.columns(tg), RECORD.features(tg))
            if run:
                with tg.Session() as sess:
                    sess.run(tg.global_variables_initializer())
                    sess.run(tg.tables_initializer())
                    sess.run(out)
    except Exception as e:  # noqa: BLE001 - compared with TensorFlow's below
        text = getattr(e, "message", None) or str(e)
        assert type(e).__name__ == cls, "%s: %s(%s); TensorFlow raised %s(%s)" % (name, type(e).__name__, text, cls,
                                                                                  message)
        return text, message
    raise AssertionError("%s: no error; TensorFlow raised %s(%s)" % (name, cls, message))
