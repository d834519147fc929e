"""Groups of elementwise ops run as one step on the CPU, with the unfused ops' values bit for bit, and their
errors naming the unfused node."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tagraph.engine as tg
from tagraph.devices import cpu_elementwise
from tagraph.engine.runtime.elementwise_fusion import elementwise_groups
from tagraph.protos import config_pb2


@pytest.fixture(autouse=True)
def machine_for_every_group(monkeypatch):
    """The register machine runs every group here, small or large (by default it takes only those where
    it beats numpy's calls; that choice has a test of its own)."""
    monkeypatch.setattr(cpu_elementwise, "MIN_OPS", 1)
    monkeypatch.setattr(cpu_elementwise, "MAX_ELEMENTS", 1 << 30)


def unfused_session():
    config = tg.ConfigProto()
    config.graph_options.optimizer_options.opt_level = config_pb2.OptimizerOptions.L0
    return tg.Session(config=config)


def run_both(fetches, feeds):
    """(fused values, unfused values, fused steps of the fused run)."""
    with tg.Session() as sess:
        fused = sess.run(fetches, feeds)
        n_fused = sess.last_run_stats.fused
    with unfused_session() as sess:
        unfused = sess.run(fetches, feeds)
        assert sess.last_run_stats.fused == 0
    return fused, unfused, n_fused


def assert_same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    both_nan = np.isnan(a) & np.isnan(b)
    assert np.array_equal(np.where(both_nan, 0, a).view(np.uint8), np.where(both_nan, 0, b).view(np.uint8)), (a, b)


SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 6.0, 7.5, -7.5, np.inf, -np.inf, np.nan, 1e-30, -3e38, 3e38]

UNARY = [tg.negative, tg.abs, tg.square, tg.sqrt, tg.rsqrt, tg.reciprocal, tg.floor, tg.ceil,
         tg.sign, tg.nn.relu, tg.nn.relu6]
BINARY = [tg.add, tg.subtract, tg.multiply, tg.truediv, tg.maximum, tg.minimum, tg.squared_difference]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("unary", UNARY, ids=lambda f: f.__name__)
def test_every_unary_op_fused_gives_numpys_bits(dtype, unary):
    values = np.array(SPECIAL + list(np.random.RandomState(0).randn(50) * 10), dtype)
    with tg.Graph().as_default():
        x = tg.placeholder(dtype, [None])
        y = unary(x * dtype(1.25)) + dtype(0.5)
        fused, unfused, n = run_both(y, {x: values})
    assert n == 1
    assert_same_bits(fused, unfused)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("binary", BINARY, ids=lambda f: f.__name__)
def test_every_binary_op_fused_gives_numpys_bits(dtype, binary):
    a = np.array(SPECIAL, dtype)
    pairs = np.array(np.meshgrid(a, a)).reshape(2, -1)
    with tg.Graph().as_default():
        x = tg.placeholder(dtype, [None])
        z = tg.placeholder(dtype, [None])
        y = binary(tg.negative(x), tg.abs(z))     # members on both sides of the op
        fused, unfused, n = run_both(y, {x: -pairs[0], z: pairs[1]})
    assert n == 1
    assert_same_bits(fused, unfused)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(range(len(UNARY) + len(BINARY))), min_size=2, max_size=40),
       st.sampled_from([(5,), (3, 4), (1, 700), (2, 1, 3)]))
def test_random_chains_equal_the_unfused_ops(choices, shape):
    rng = np.random.RandomState(len(choices))
    values = (rng.randn(*shape) * 3).astype(np.float32)
    other = (rng.randn(shape[-1]) * 3).astype(np.float32)       # broadcast along the last axis
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None] * len(shape))
        w = tg.constant(other)
        y = x
        for c in choices:
            y = UNARY[c](y) if c < len(UNARY) else BINARY[c - len(UNARY)](y, w)
        fused, unfused, n = run_both(y, {x: values})
    assert n == 1
    assert_same_bits(fused, unfused)


def test_a_squared_intermediate_frees_its_register_once():
    # Square reads its operand twice; freeing that register twice handed it to two live temporaries, and
    # this Gaussian window (the one tf.image.ssim builds) came out as one value everywhere.
    with tg.Graph().as_default():
        coords = tg.placeholder(tg.float32, [None])
        size, sigma = tg.placeholder(tg.float32, []), tg.placeholder(tg.float32, [])
        y = tg.square(coords - (size - 1.0) / 2.0) * (-0.5 / tg.square(sigma))
        fused, unfused, n = run_both(y, {coords: np.arange(11, dtype=np.float32), size: np.float32(11),
                                         sigma: np.float32(1.5)})
    assert n == 1
    assert_same_bits(fused, unfused)
    assert fused[0] != fused[5]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(range(len(UNARY))), st.sampled_from(range(len(UNARY))),
                          st.sampled_from(range(len(BINARY)))), min_size=1, max_size=8))
def test_random_trees_equal_the_unfused_ops(steps):
    # Two branches live at once, joined by a binary op, step after step: the register allocation of
    # temporaries that overlap, which a chain never exercises.
    values = (np.random.RandomState(len(steps)).randn(3, 5) * 3).astype(np.float32)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 5])
        y = x
        for left, right, join in steps:
            y = BINARY[join](UNARY[left](y), UNARY[right](tg.square(y)))
        fused, unfused, n = run_both(y, {x: values})
    assert n == 1
    assert_same_bits(fused, unfused)


def test_broadcasting_leaves_and_scalars():
    with tg.Graph().as_default():
        col = tg.placeholder(tg.float64, [None, 1])
        row = tg.placeholder(tg.float64, [1, None])
        y = tg.maximum(col * 2.0 - row, tg.constant(0.5, tg.float64)) / (row + 1.0)
        feeds = {col: np.arange(3.0).reshape(3, 1), row: np.arange(4.0).reshape(1, 4) - 1.5}
        fused, unfused, n = run_both(y, feeds)
    assert n == 1 and fused.shape == (3, 4)
    assert_same_bits(fused, unfused)


def test_long_chain_and_big_tensors_cross_blocks():
    values = np.random.RandomState(1).rand(3, 1000).astype(np.float32)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, None])
        y = x
        for i in range(500):
            y = y * 1.001 if i % 3 else tg.maximum(y - 0.01, -1.0)
        fused, unfused, n = run_both(y, {x: values})
    assert n == 1
    assert_same_bits(fused, unfused)


def test_fetched_and_fed_intermediates_and_control_edges_cut_groups():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None])
        a = x + 1.0
        b = a * 2.0
        c = b - 3.0
        d = tg.abs(c) + 4.0
        with tg.control_dependencies([d.op]):
            e = tg.identity(x)
        ops = tg.get_default_graph().get_operations()
        absolute = c.consumers()[0]
        with tg.Session() as sess:
            placement = dict.fromkeys(ops, sess.list_devices()[0])

            def groups(fetches, feeds=()):
                found = elementwise_groups(ops, placement, list(feeds), fetches)
                return {root.name: [m.name for m in ms] for root, ms in found.items()}
            # d has a control consumer (e): it stays a step of its own; a..abs(c) are one group.
            assert groups([d]) == {absolute.name: [a.op.name, b.op.name, c.op.name, absolute.name]}
            # b is fetched: it ends a group.
            assert groups([b, d]) == {b.op.name: [a.op.name, b.op.name], absolute.name: [c.op.name, absolute.name]}
            # b is fed: nothing upstream of it is needed, and it is a leaf of c's group.
            assert groups([d], [b]) == {absolute.name: [c.op.name, absolute.name],
                                        b.op.name: [a.op.name, b.op.name]}
            values = np.float32([1, -2, 3])
            got_b, got_d = sess.run([b, d], {x: values})
            np.testing.assert_array_equal(got_b, (values + 1) * 2)
            np.testing.assert_array_equal(got_d, np.abs((values + 1) * 2 - 3) + 4)
            # A fed intermediate: what is downstream of it runs from the fed value.
            np.testing.assert_array_equal(sess.run(d, {b: np.float32([10, 20, 30])}), np.float32([11, 21, 31]))
            assert sess.run(e, {x: values}).tolist() == values.tolist()


def test_a_failing_member_is_named_as_unfused():
    with tg.Graph().as_default():
        a = tg.placeholder(tg.float32, [None], name="a")
        b = tg.placeholder(tg.float32, [None], name="b")
        y = tg.add(a * 2.0, b, name="the_sum") - 1.0
        with tg.Session() as sess:
            with pytest.raises(tg.errors.InvalidArgumentError,
                               match=r"Incompatible shapes: \[2\] vs. \[3\](.|\n)*\[\[node the_sum\]\]"):
                sess.run(y, {a: [1.0, 2.0], b: [1.0, 2.0, 3.0]})
            assert sess.run(y, {a: [1.0, 2.0], b: [1.0, 2.0]}).tolist() == [2.0, 5.0]


def test_integers_half_floats_and_transcendentals_are_not_fused():
    with tg.Graph().as_default():
        i = tg.placeholder(tg.int32, [None])
        h = tg.placeholder(tg.float16, [None])
        f = tg.placeholder(tg.float32, [None])
        fetches = [(i + 1) * 2, (h + 1) * 2, tg.tanh(f + 1) * 2]
        with tg.Session() as sess:
            got = sess.run(fetches, {i: [1, 2], h: [1, 2], f: [1, 2]})
            assert sess.last_run_stats.fused == 0
    assert got[0].tolist() == [4, 6] and got[1].dtype == np.float16
    np.testing.assert_array_equal(got[2], np.tanh(np.float32([2, 3])) * np.float32(2))


def test_more_array_leaves_than_the_machine_takes_split_the_group():
    n = cpu_elementwise.MAX_ARRAY_LEAVES + 3
    with tg.Graph().as_default():
        xs = [tg.placeholder(tg.float32, [None]) for _ in range(n)]
        y = xs[0]
        for x in xs[1:]:
            y = y + x
        feeds = {x: np.full(3, k, np.float32) for k, x in enumerate(xs)}
        fused, unfused, groups = run_both(y, feeds)
    assert groups == 2
    assert_same_bits(fused, unfused)


def test_program_on_its_own():
    program = cpu_elementwise.compile_program([("AddV2", ("leaf", 0), ("leaf", 1)), ("Relu6", ("node", 0)),
                                               ("Square", ("node", 1))], 2)
    got = cpu_elementwise.run_program(program, [np.float64([-3, 1, 2, 9]), np.float64(1.5)], np.float64)
    assert got.tolist() == [0.0, 6.25, 12.25, 36.0]
    with pytest.raises(ValueError):
        cpu_elementwise.run_program(program, [np.ones(3), np.ones(4)], np.float64)
    with pytest.raises(TypeError):
        cpu_elementwise.run_program(program, [np.ones(3), np.ones(3, np.float32)], np.float64)


def test_a_fed_constant_is_not_folded():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None])
        c = tg.constant(2.0)
        y = (x + c) * 3.0
        with tg.Session() as sess:
            assert sess.run(y, {x: [1.0]}).tolist() == [9.0]
            assert sess.last_run_stats.fused == 1
            assert sess.run(y, {x: [1.0], c: 5.0}).tolist() == [18.0]
            assert sess.run(c) == 2.0


def test_the_machine_takes_only_groups_where_it_pays(monkeypatch):
    monkeypatch.undo()
    calls = []
    real = cpu_elementwise.run_program
    monkeypatch.setattr(cpu_elementwise, "run_program", lambda *a: calls.append(a[1][0].size) or real(*a))
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None])
        short = tg.nn.relu(x * 2.0 + 1.0)
        long = x
        for _ in range(cpu_elementwise.MIN_OPS):
            long = long * 0.5 + 1.0
        with tg.Session() as sess:
            small, big = np.ones(4, np.float32), np.ones(cpu_elementwise.MAX_ELEMENTS + 1, np.float32)
            for fetch, value, machine in [(short, small, False), (long, small, True), (long, big, False)]:
                del calls[:]
                got = sess.run(fetch, {x: value})
                assert sess.last_run_stats.fused == (fetch is long)     # too short a group is not formed
                assert bool(calls) == machine
                with unfused_session() as plain:
                    assert_same_bits(got, plain.run(fetch, {x: value}))
