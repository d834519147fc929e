import numpy as np
import pytest

import tagraph.engine as tg


@pytest.mark.parametrize("use_resource", [True, False])
def test_guide_first_example(device, use_resource):
    with tg.Graph().as_default(), tg.device(device):
        v1 = tg.get_variable("v1", shape=[3], initializer=tg.zeros_initializer, use_resource=use_resource)
        v2 = tg.get_variable("v2", shape=[5], initializer=tg.zeros_initializer, use_resource=use_resource)
        inc_v1 = v1.assign(v1 + 1)
        dec_v2 = v2.assign(v2 - 1)
        init_op = tg.global_variables_initializer()
        with tg.Session() as sess:
            sess.run(init_op)
            inc_v1.op.run()
            dec_v2.op.run()
            np.testing.assert_array_equal(v1.eval(), [1, 1, 1])
            np.testing.assert_array_equal(v2.eval(), [-1] * 5)


@pytest.mark.parametrize("use_resource", [True, False])
def test_uninitialized_read_names_variable(use_resource):
    with tg.Graph().as_default():
        v = tg.get_variable("weights", shape=[2], use_resource=use_resource)
        with tg.Session() as sess:
            with pytest.raises(tg.errors.FailedPreconditionError, match="weights"):
                sess.run(v)
            assert list(sess.run(tg.report_uninitialized_variables())) == [b"weights"]
            sess.run(v.initializer)
            assert list(sess.run(tg.report_uninitialized_variables())) == []


def test_assign_add_sub_and_fetch_copies():
    with tg.Graph().as_default():
        v = tg.Variable([1.0, 2.0], name="v")
        add = v.assign_add([1.0, 1.0])
        sub = v.assign_sub([0.5, 0.5])
        with tg.Session() as sess:
            sess.run(v.initializer)
            a = sess.run(v)
            a[0] = 100.0  # mutating a fetched value must not touch the variable
            np.testing.assert_array_equal(sess.run(add), [2.0, 3.0])
            np.testing.assert_array_equal(sess.run(sub), [1.5, 2.5])


def test_assign_wrong_shape_is_invalid_argument():
    with tg.Graph().as_default():
        v = tg.Variable([1.0, 2.0], name="v")
        p = tg.placeholder(tg.float32)
        a = v.assign(p)
        with tg.Session() as sess:
            sess.run(v.initializer)
            with pytest.raises(tg.errors.InvalidArgumentError, match="shape"):
                sess.run(a, {p: [1.0, 2.0, 3.0]})


def test_variable_scope_reuse():
    with tg.Graph().as_default():
        with tg.variable_scope("layer"):
            w = tg.get_variable("w", [2], initializer=tg.ones_initializer)
        with tg.variable_scope("layer", reuse=True):
            w2 = tg.get_variable("w", [2])
        assert w is w2 and w.name == "layer/w:0"
        with pytest.raises(ValueError, match="already exists"):
            with tg.variable_scope("layer"):
                tg.get_variable("w", [2])
        with pytest.raises(ValueError, match="does not exist"):
            with tg.variable_scope("layer", reuse=True):
                tg.get_variable("nope", [2])
        assert [v.name for v in tg.trainable_variables()] == ["layer/w:0"]


@pytest.mark.parametrize("use_resource", [False, True])
def test_fetched_views_and_restored_values_do_not_alias_variables(use_resource):
    with tg.Graph().as_default():
        v = tg.Variable([[1.0, 2.0], [3.0, 4.0]], name="v", use_resource=use_resource)
        flat = tg.reshape(v, [-1])
        pieces = tg.split(v, [1, 1], 0) + tg.split(v, 2, 0) + tg.split(v, [1, 1], 1) + [tg.reduce_sum(v, [])]
        p = tg.placeholder(tg.float32, [2, 2])
        load = v.assign(p)
        flat_p = tg.placeholder(tg.float32, [4])
        load_reshaped = v.assign(tg.reshape(flat_p, [2, 2]))
        load_passed_on = v.assign(tg.identity_n([flat_p, p])[1])
        with tg.Session() as sess:
            sess.run(v.initializer)
            for a in [sess.run(flat)] + sess.run(pieces):
                a[...] = 100.0                # a view of the variable's storage would change it
            np.testing.assert_array_equal(sess.run(v), [[1.0, 2.0], [3.0, 4.0]])
            fed = np.array([[5.0, 6.0], [7.0, 8.0]], np.float32)
            sess.run(load, {p: fed})
            fed[0, 0] = -1.0                  # the caller's array must not be the variable's storage
            np.testing.assert_array_equal(sess.run(v), [[5.0, 6.0], [7.0, 8.0]])
            fed = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
            sess.run(load_reshaped, {flat_p: fed})
            fed[0] = -1.0                     # nor a view of it
            np.testing.assert_array_equal(sess.run(v), [[1.0, 2.0], [3.0, 4.0]])
            fed = np.array([[4.0, 3.0], [2.0, 1.0]], np.float32)
            sess.run(load_passed_on, {p: fed, flat_p: np.zeros(4, np.float32)})
            fed[0, 0] = -1.0                  # nor the array itself, handed on by IdentityN
            np.testing.assert_array_equal(sess.run(v), [[4.0, 3.0], [2.0, 1.0]])


# --- scatters: Scatter* on reference variables, ResourceScatter* on resource variables ----------------------

_SCATTER_NUMPY = {"update": None, "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
                  "min": np.minimum, "max": np.maximum}


@pytest.mark.parametrize("use_resource", [True, False])
@pytest.mark.parametrize("kind", sorted(_SCATTER_NUMPY))
def test_scatter_updates_the_rows_named(device, kind, use_resource):
    if device.endswith("GPU:0") and kind in ("mul", "div"):
        pytest.skip("Scatter%s runs on the CPU (CuPy has no multiply.at)" % kind.capitalize())
    start = np.arange(12, dtype=np.float32).reshape(4, 3) + 1
    idx = np.array([2, 0, 2], np.int32)
    upd = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], np.float32) * 0.5
    with tg.Graph().as_default() as g:
        with tg.device(device):
            v = tg.Variable(start, use_resource=use_resource)
            new = getattr(tg, "scatter_" + kind)(v, idx, upd)
        types = {op.type for op in g.get_operations()}
        assert ("ResourceScatter" if use_resource else "Scatter") + kind.capitalize() in types
        with tg.Session() as sess:
            sess.run(v.initializer)
            got = sess.run(new)
            again = sess.run(v)
    want = start.copy()
    if kind == "update":
        want[idx] = upd                     # the last of repeated rows wins
    else:
        _SCATTER_NUMPY[kind].at(want, idx, upd)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(again, want, rtol=1e-6)


def test_scatter_with_a_scalar_update_and_int64_indices():
    with tg.Graph().as_default():
        v = tg.Variable(np.zeros([3, 2], np.float32), use_resource=False)
        new = tg.scatter_add(v, np.array([1, 1], np.int64), 2.5)
        with tg.Session() as sess:
            sess.run(v.initializer)
            np.testing.assert_array_equal(sess.run(new), [[0, 0], [5, 5], [0, 0]])


@pytest.mark.parametrize("name", ["scatter_add_out_of_range", "scatter_update_negative", "scatter_add_shape"])
def test_scatter_bad_input_raises_tensorflows_error(name):
    from sparse_reference import check_error
    check_error(name)


def test_resource_scatter_refuses_an_index_out_of_range_and_an_uninitialized_variable():
    with tg.Graph().as_default():
        v = tg.Variable(np.zeros([3, 2], np.float32))
        new = tg.scatter_sub(v, tg.placeholder_with_default(np.array([5], np.int32), None), np.ones([1, 2], np.float32))
        with tg.Session() as sess:
            with pytest.raises(tg.errors.FailedPreconditionError):
                sess.run(new)
            sess.run(v.initializer)
            with pytest.raises(tg.errors.InvalidArgumentError, match=r"indices\[0\] = 5 is not in \[0, 3\)"):
                sess.run(new)
            np.testing.assert_array_equal(sess.run(v), 0.0)    # nothing was written


def test_variable_shape_and_the_resource_gather_shape():
    with tg.Graph().as_default():
        v = tg.Variable(np.zeros([5, 2, 3], np.float32))
        from tagraph.engine.ops.state_ops import variable_shape
        from tagraph.engine.framework.op_builder import make_op
        dynamic = make_op("VariableShape", [v.handle], {"out_type": tg.int64})
        assert dynamic.shape.as_list() == [3]
        assert variable_shape(v.handle).op.type == "Const"
        rows = tg.gather(v, [[1, 4]])
        assert rows.op.type == "ResourceGather" and rows.shape.as_list() == [1, 2, 2, 3]
        with tg.Session() as sess:
            sess.run(v.initializer)
            np.testing.assert_array_equal(sess.run(dynamic), [5, 2, 3])
            assert sess.run(dynamic).dtype == np.int64
