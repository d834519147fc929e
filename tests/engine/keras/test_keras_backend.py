"""tg.keras.backend's functions against tf_keras's recorded values (tests/data/keras/record_keras.py's
BACKEND): their results, dtypes and static shapes; variables, set_value and function in Keras's session."""
import numpy as np
import pytest

import tagraph.engine as tg
from keras_reference import ARRAYS, META, RECORD, TOL

K = tg.keras.backend


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    yield
    K.clear_session()


@pytest.mark.parametrize("name, fn", [pytest.param(n, f, id=n) for n, f in RECORD.BACKEND])
def test_backend_function_matches_tensorflow(name, fn):
    meta = META["backend"][name]
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, RECORD.BACKEND_SHAPE, name="x")
        got = fn(K, tg, x)
        if "value" in meta:
            assert got == meta["value"] or (isinstance(got, tuple) and list(got) == meta["value"])
            return
        assert (got.dtype.name, got.shape.as_list()) == (meta["dtype"], meta["static_shape"])
        with tg.Session() as sess:
            value = sess.run(got, {x: ARRAYS["backend:x"]})
    np.testing.assert_allclose(value, ARRAYS["backend:" + name], **TOL)


def test_variables_set_value_and_function_in_kerass_session():
    meta = META["backend_session"]
    with tg.Graph().as_default():
        v = K.variable(np.arange(6).reshape(2, 3), name="v")
        w = K.variable([1.0, 2.0], dtype="float64")
        first = K.eval(v * 2)
        K.set_value(v, np.ones((2, 3)))
        x = K.placeholder(shape=(None, 3))
        step = K.function([x], [K.sum(x * v, axis=1), K.mean(x)], updates=[tg.assign_add(v, tg.ones_like(v))])
        outs = step([np.full((2, 3), 2.0)])
        assert [v.name, w.name, x.name] == meta["names"]
        assert [K.dtype(v), K.dtype(w)] == meta["dtypes"]
        assert [a.tolist() for a in K.batch_get_value([v, w])] == meta["batch"]
        with pytest.raises(ValueError, match="Expected 1 input values, got 2"):
            step([1, 2])
        K.get_session().close()
    np.testing.assert_allclose(first, ARRAYS["backend_session:first"])
    np.testing.assert_allclose(outs[0], ARRAYS["backend_session:step0"])
    np.testing.assert_allclose(outs[1], ARRAYS["backend_session:step1"])


def test_clear_session_replaces_the_default_graph():
    before = tg.get_default_graph()
    K.clear_session()
    assert tg.get_default_graph() is not before
    with tg.Graph().as_default():
        with pytest.raises(AssertionError):
            K.clear_session()
