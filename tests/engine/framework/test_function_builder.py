"""tg.function: a Python function traced into the graph's library and called through PartitionedCall."""
import numpy as np
import pytest

import tagraph.engine as tg


@tg.function
def _affine(x, w, b):
    return tg.matmul(x, w) + b


def test_a_function_call_gives_the_inline_values(device):
    x = np.float32([[1, 2], [3, 4]])
    w = np.float32([[0.5, -1], [2, 0.25]])
    with tg.Graph().as_default() as g:
        with tg.device(device):
            xs = tg.placeholder(tg.float32, [None, 2])
            y = _affine(xs, w, np.float32([1, -1]))
        with tg.Session() as sess:
            np.testing.assert_allclose(sess.run(y, {xs: x}), x @ w + [1, -1])
    (call,) = [op for op in g.get_operations() if op.type == "PartitionedCall"]
    assert call.get_attr("f").name.startswith("_affine_")
    assert [f.signature.name for f in g.as_graph_def().library.function] == [call.get_attr("f").name]


def test_structures_nested_calls_and_one_trace_per_dtypes():
    @tg.function
    def inner(x):
        return x * 2.0

    @tg.function
    def outer(x):
        return {"a": inner(x) + 1.0, "b": (x, inner(inner(x)))}["a"], inner(x) - x

    with tg.Graph().as_default() as g:
        a, b = outer(tg.constant([1.0, 2.0]))
        c, d = outer(tg.constant([3.0]))
        with tg.Session() as sess:
            got = sess.run([a, b, c, d])
    for v, want in zip(got, ([3, 5], [1, 2], [7], [3])):
        np.testing.assert_allclose(v, want)
    names = sorted(f.signature.name.rsplit("_", 1)[0] for f in g.as_graph_def().library.function)
    assert names == ["inner", "outer"]          # traced once per graph and dtypes, inner's body carried along


def test_a_body_with_a_stateful_op_is_called_through_stateful_partitioned_call():
    @tg.function
    def noisy(x):
        return x + tg.random_uniform(tg.shape(x), seed=3)

    with tg.Graph().as_default() as g:
        tg.set_random_seed(1)
        y = noisy(tg.zeros([4]))
        assert y.op.type == "StatefulPartitionedCall"
        with tg.Session() as sess:
            a, b = sess.run(y), sess.run(y)
    assert a.shape == (4,) and not np.array_equal(a, b) and (a >= 0).all() and (a < 1).all()


def test_a_graph_holding_calls_round_trips_through_its_graph_def():
    with tg.Graph().as_default() as g:
        x = tg.placeholder(tg.float32, [2], name="x")
        tg.identity(_affine(tg.reshape(x, [1, 2]), np.eye(2, dtype=np.float32), 1.0), name="y")
    with tg.Graph().as_default():
        tg.import_graph_def(g.as_graph_def(), name="")
        with tg.Session() as sess:
            np.testing.assert_allclose(sess.run("y:0", {"x:0": [1.0, 2.0]}), [[2.0, 3.0]])


def test_a_body_reaching_an_outer_tensor_is_refused():
    with tg.Graph().as_default():
        outside = tg.constant(1.0)

        @tg.function
        def leaky(x):
            return x + outside

        with pytest.raises((tg.errors.InvalidArgumentError, ValueError), match="graph"):
            leaky(tg.constant(2.0))


def test_an_input_signature_fixes_types_and_count():
    @tg.function(input_signature=[(tg.float32, [None])])
    def double(x):
        return x * 2

    with tg.Graph().as_default():
        y = double([1, 2])                     # converted to the signature's dtype
        with tg.Session() as sess:
            np.testing.assert_allclose(sess.run(y), [2.0, 4.0])
        with pytest.raises(TypeError, match="takes 1 arguments"):
            double(1.0, 2.0)
