import collections

import numpy as np
import pytest

import tagraph.engine as tg


def test_fetch_structures_and_feeds_by_name():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 2], name="x")
        y = x * 2.0
        z = tg.reduce_sum(y, name="z")
        Pair = collections.namedtuple("Pair", "a b")
        with tg.Session() as sess:
            feed = {"x:0": [[1.0, 2.0]]}
            out = sess.run({"y": y, "nested": [z, (y,)], "pair": Pair(z, "z:0")}, feed)
            np.testing.assert_array_equal(out["y"], [[2.0, 4.0]])
            assert out["nested"][0] == 6.0 and isinstance(out["nested"][1], tuple)
            assert out["pair"].a == 6.0 and out["pair"].b == 6.0
            assert sess.run(z.op, feed) is None


def test_plan_is_compiled_once_per_signature():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2])
        y = x + 1.0
        with tg.Session() as sess:
            sess.run(y, {x: [1, 2]})
            sess.run(y, {x: [3, 4]})
            assert len(sess._plans) == 1
            sess.run([y], {x: [3, 4]})
            assert len(sess._plans) == 2


def test_only_needed_ops_run():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [], name="x")
        unused = tg.placeholder(tg.float32, [], name="unused") * 2.0
        y = x + 1.0
        with tg.Session() as sess:
            assert sess.run(y, {x: 1.0}) == 2.0  # 'unused' needs a feed but is not needed


def test_make_callable_and_eval():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None])
        y = tg.reduce_sum(x)
        with tg.Session() as sess:
            f = sess.make_callable(y, [x])
            assert f(np.ones(3, np.float32)) == 3.0
            assert y.eval({x: [1.0, 2.0]}) == 3.0


def test_feed_errors():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 2], name="x")
        i = tg.placeholder(tg.int32, [2], name="i")
        y = x + 1.0
        with tg.Session() as sess:
            with pytest.raises(ValueError, match=r"Cannot feed value of shape \(3,\) for Tensor 'x:0'"):
                sess.run(y, {x: [1.0, 2.0, 3.0]})
            with pytest.raises(TypeError, match="dtype"):
                sess.run(i + 1, {i: [1.5, 2.5]})
            with pytest.raises(TypeError, match="dtype"):
                sess.run(y, {x: [["a", "b"]]})
            with pytest.raises(tg.errors.InvalidArgumentError,
                               match="You must feed a value for placeholder tensor 'x' with dtype float"):
                sess.run(y)


def test_fetch_errors():
    g1, g2 = tg.Graph(), tg.Graph()
    with g1.as_default():
        a = tg.constant(1.0, name="a")
    with g2.as_default():
        b = tg.constant(2.0, name="b")
        with tg.Session() as sess:
            with pytest.raises(ValueError, match="not an element of this graph"):
                sess.run(a)
            with pytest.raises(KeyError, match="does not exist"):
                sess.run("nope:0")
            with pytest.raises(TypeError):
                sess.run(None)
            assert sess.run(b) == 2.0


def test_control_dependency_cycle_is_invalid_argument():
    with tg.Graph().as_default():
        a = tg.constant(1.0, name="a")
        b = tg.identity(a, name="b")
        a.op._add_control_input(b.op)
        with tg.Session() as sess:
            with pytest.raises(tg.errors.InvalidArgumentError, match="cycle"):
                sess.run(b)


def test_kernel_error_names_node():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, None])
        y = tg.placeholder(tg.float32, [None, None])
        z = tg.matmul(x, y, name="mm")
        with tg.Session() as sess:
            with pytest.raises(tg.errors.InvalidArgumentError, match=r"Matrix size-incompatible.*\n.*node mm"):
                sess.run(z, {x: np.ones((2, 3)), y: np.ones((2, 3))})


def test_closed_session_refuses():
    with tg.Graph().as_default():
        c = tg.constant(1.0)
        sess = tg.Session()
        sess.close()
        with pytest.raises(RuntimeError, match="closed"):
            sess.run(c)


def test_control_dependencies_order_assignments():
    with tg.Graph().as_default():
        v = tg.Variable(0.0, name="v")
        with tg.control_dependencies([v.assign(5.0)]):
            r = tg.identity(v.read_value())
        with tg.Session() as sess:
            sess.run(v.initializer)
            assert sess.run(r) == 5.0
