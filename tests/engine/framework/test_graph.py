import numpy as np
import pytest

import tagraph.engine as tg


def test_unique_names_and_scopes():
    with tg.Graph().as_default() as g:
        a = tg.constant(1.0, name="c")
        b = tg.constant(1.0, name="c")
        with tg.name_scope("outer"):
            d = tg.constant(1.0, name="c")
            with tg.name_scope("inner"):
                e = a + b
        with tg.name_scope("outer"):
            f = tg.constant(1.0, name="c")
        assert [a.name, b.name, d.name, e.name, f.name] == ["c:0", "c_1:0", "outer/c:0", "outer/inner/add:0",
                                                            "outer_1/c:0"]
        assert g.get_tensor_by_name("outer/c:0") is d
        assert g.get_operation_by_name("c_1") is b.op


def test_static_shapes_and_dtypes():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 3])
        w = tg.constant(np.ones((3, 4), np.float32))
        y = x @ w
        assert y.shape.as_list() == [None, 4] and y.dtype == tg.float32
        assert (x < 1.0).dtype == tg.bool
        assert tg.reduce_sum(y, axis=1).shape.as_list() == [None]
        with pytest.raises(ValueError, match="Dimensions must be equal"):
            tg.constant(np.ones((2, 5), np.float32)) @ w


def test_wrong_attribute_type_and_dtype_mismatch():
    with tg.Graph().as_default() as g:
        with pytest.raises(TypeError, match="transpose_a"):
            g.create_op("MatMul", [tg.constant([[1.0]]), tg.constant([[1.0]])], {"transpose_a": "yes"})
        with pytest.raises(TypeError):
            tg.constant([1.0]) + tg.constant([1])
        with pytest.raises(ValueError, match="no attribute"):
            g.create_op("Identity", [tg.constant(1.0)], {"bogus": 1})


def test_collections_and_control_dependencies():
    with tg.Graph().as_default() as g:
        a = tg.constant(1.0)
        with tg.control_dependencies([a]):
            b = tg.constant(2.0)
        assert b.op.control_inputs == [a.op]
        tg.add_to_collection("things", a)
        assert tg.get_collection("things") == [a]
        v = tg.Variable(1.0, name="v")
        assert g.get_collection(tg.GraphKeys.GLOBAL_VARIABLES) == [v]


def test_device_scopes_are_recorded_and_merged():
    with tg.Graph().as_default():
        with tg.device("/job:localhost/replica:0/task:0/device:GPU:0"):
            a = tg.constant(1.0)
            with tg.device("/cpu:1"):
                b = tg.constant(1.0)
            with tg.device("/device:GPU:*"):
                c = tg.constant(1.0)
            with tg.device(None):
                d = tg.constant(1.0)
        with tg.device(lambda op: "/cpu:0" if op.type == "Const" else None):
            e = tg.constant(1.0)
        assert a.device == "/job:localhost/replica:0/task:0/device:GPU:0"
        assert b.device == "/job:localhost/replica:0/task:0/device:CPU:1"
        assert c.device == "/job:localhost/replica:0/task:0/device:GPU:0"
        assert d.device == ""
        assert e.device == "/device:CPU:0"


def test_tensor_bool_is_refused():
    with tg.Graph().as_default():
        with pytest.raises(TypeError, match="bool"):
            bool(tg.constant(1.0))
