"""Reference tests of the array ops against numpy, on the CPU and the simulated GPU.

Each op has one parametrized test: its cases run with placeholders whose shapes are known while
building (static shape = numpy's result shape) and with placeholders of unknown dimensions fed at run
time (static shape = the partial shape TensorFlow's shape function gives).
"""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework.op_builder import get_gradient_fn

CPU = "/device:CPU:0"
R = np.random.RandomState(0)


def arr(shape, dtype=np.float32):
    """A small array of ``dtype`` with distinct, recognizable values."""
    n = int(np.prod(shape))
    if np.dtype(dtype) == bool:
        return (np.arange(n) % 3 == 0).reshape(shape)
    if dtype is object:
        return np.array([b"s%d" % i for i in range(n)], dtype=object).reshape(shape)
    return (np.arange(n) + 1).astype(dtype).reshape(shape)


def run(device, build, inputs=(), known=True):
    """Builds ``build(*placeholders)`` under ``device`` and runs it with ``inputs`` fed."""
    with tg.Graph().as_default(), tg.device(device):
        # known: full static shapes; False: unknown dimensions; None: unknown rank.
        phs = [tg.placeholder(tg.as_dtype(a.dtype) if a.dtype != object else tg.string,
                              a.shape if known else ([None] * a.ndim if known is False else None))
               for a in inputs]
        out = build(*phs)
        with tg.Session() as sess:
            got = sess.run(out, dict(zip(phs, inputs)))
    return got, out


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def check(device, known, build, inputs, expect, unknown_static="same", known_static="same"):
    """Runs the op, compares values and dtypes with numpy's ``expect(*inputs)``, and asserts the static
    shape: numpy's result shape ("same") or the given partial shape (a list, None for unknown rank)."""
    if device != CPU and any(a.dtype == object for a in inputs):
        pytest.skip("string tensors have no GPU kernels (as in TensorFlow)")
    got, out = run(device, build, inputs, known)
    want = expect(*inputs)
    got_l, want_l, out_l = _as_list(got), _as_list(want), _as_list(out)
    assert len(got_l) == len(want_l) == len(out_l)
    static = known_static if known else unknown_static
    for i, (g, w, t) in enumerate(zip(got_l, want_l, out_l)):
        w = np.asarray(w)
        assert isinstance(g, (np.ndarray, np.generic)), type(g)  # scalars come back as numpy scalars, as in TF
        assert g.dtype == w.dtype, (i, g.dtype, w.dtype)
        assert g.shape == w.shape, (i, g.shape, w.shape)
        np.testing.assert_array_equal(g, w)
        s = static[i] if isinstance(static, tuple) else static
        if s == "same":
            s = list(w.shape)
        assert t.shape == tg.TensorShape(s), (i, t.shape, s)


def case(id, build, inputs, expect, unknown="same", known="same"):  # noqa: A002
    return pytest.param(build, inputs, expect, unknown, known, id=id)


ARGS = "build, inputs, expect, unknown, known_static"


@pytest.fixture(params=[True, False], ids=["static", "dynamic"])
def known(request):
    return request.param


# --- squeeze, expand_dims, reshape, transpose ---------------------------------------------------------

@pytest.mark.parametrize(ARGS, [
    case("all-f32", lambda x: tg.squeeze(x), [arr([1, 3, 1, 2])], lambda a: np.squeeze(a), None),
    case("axis0-i32", lambda x: tg.squeeze(x, [0]), [arr([1, 3, 1], np.int32)], lambda a: np.squeeze(a, 0),
         [None, None]),
    case("scalar-axis-neg", lambda x: tg.squeeze(x, -1), [arr([2, 1], np.int64)], lambda a: a[:, 0], [None]),
    case("squeeze_dims-bool", lambda x: tg.squeeze(x, squeeze_dims=[2, 0]), [arr([1, 2, 1], bool)],
         lambda a: a.reshape(2), [None]),
    case("to-scalar-f64", lambda x: tg.squeeze(x), [arr([1, 1], np.float64)], lambda a: a.reshape(()), None),
    case("string", lambda x: tg.squeeze(x, [1]), [arr([2, 1], object)], lambda a: a[:, 0], [None]),
])
def test_squeeze(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("axis0-f32", lambda x: tg.expand_dims(x, 0), [arr([2, 3])], lambda a: a[None], [1, None, None]),
    case("axis-1-i32", lambda x: tg.expand_dims(x, -1), [arr([2, 3], np.int32)], lambda a: a[..., None],
         [None, None, 1]),
    case("middle-u8", lambda x: tg.expand_dims(x, axis=1), [arr([4], np.uint8)], lambda a: a[:, None], [None, 1]),
    case("scalar-bool", lambda x: tg.expand_dims(x, -1), [np.array(True)], lambda a: a.reshape(1), [1]),
    case("dim-int64-tensor", lambda x: tg.expand_dims(x, dim=tg.constant(-2, tg.int64)),
         [arr([2, 3], np.float64)], lambda a: a[:, None], [None, 1, None]),
])
def test_expand_dims(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("infer-f32", lambda x: tg.reshape(x, [-1, 3]), [arr([2, 3])], lambda a: a.reshape(-1, 3), [None, 3]),
    case("full-i64", lambda x: tg.reshape(x, [3, 2]), [arr([2, 3], np.int64)], lambda a: a.reshape(3, 2), [3, 2]),
    case("from-shape", lambda x: tg.reshape(x, tg.stack([tg.shape(x)[0], -1])), [arr([2, 3, 2], np.int32)],
         lambda a: a.reshape(2, 6), [None, None], [2, 6]),
])
def test_reshape(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("default-3d-f32", lambda x: tg.transpose(x), [arr([2, 3, 4])], lambda a: a.T, [None] * 3),
    case("perm-i32", lambda x: tg.transpose(x, [1, 0, 2]), [arr([2, 3, 4], np.int32)],
         lambda a: a.transpose(1, 0, 2), [None] * 3),
    case("perm-int64-bool", lambda x: tg.transpose(x, tg.constant([1, 0], tg.int64)), [arr([3, 2], bool)],
         lambda a: a.T, [None] * 2),
    case("fed-perm", lambda x, p: tg.transpose(x, p), [arr([2, 3, 1], np.float64), np.array([2, 0, 1], np.int32)],
         lambda a, p: a.transpose(2, 0, 1), [None] * 3, [None] * 3),
    case("1d-string", lambda x: tg.transpose(x), [arr([3], object)], lambda a: a, [None]),
])
def test_transpose(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


# --- concat, stack, unstack, split ----------------------------------------------------------------------

@pytest.mark.parametrize(ARGS, [
    case("axis0-f32", lambda x, y: tg.concat([x, y], 0), [arr([2, 3]), arr([1, 3]) * 10],
         lambda a, b: np.concatenate([a, b], 0), [None, None]),
    case("axis-1-i32-three", lambda x, y: tg.concat([x, y, x], -1), [arr([2, 1], np.int32), arr([2, 2], np.int32)],
         lambda a, b: np.concatenate([a, b, a], -1), [None, None]),
    case("int64-axis-u8", lambda x, y: tg.concat([x, y], tg.constant(1, tg.int64)),
         [arr([1, 2, 2], np.uint8), arr([1, 1, 2], np.uint8)], lambda a, b: np.concatenate([a, b], 1), [None] * 3),
    case("python-value", lambda x: tg.concat([x, [[7.0, 8.0]]], 0), [arr([1, 2])],
         lambda a: np.concatenate([a, [[7.0, 8.0]]], 0).astype(np.float32), [None, 2]),
    case("single", lambda x: tg.concat([x], 0), [arr([2], np.int64)], lambda a: a, [None]),
    case("string", lambda x, y: tg.concat([x, y], 0), [arr([2], object), arr([1], object)],
         lambda a, b: np.concatenate([a, b]), [None]),
])
def test_concat(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("axis0-f32", lambda x, y: tg.stack([x, y]), [arr([2, 3]), arr([2, 3]) + 1], lambda a, b: np.stack([a, b]),
         [2, None, None]),
    case("axis1-i32", lambda x, y: tg.stack([x, y, x], axis=1), [arr([2], np.int32), arr([2], np.int32)],
         lambda a, b: np.stack([a, b, a], 1), [None, 3]),
    case("axis-1-bool", lambda x: tg.stack([x, x], axis=-1), [arr([2, 2], bool)], lambda a: np.stack([a, a], -1),
         [None, None, 2]),
    case("mixed-python", lambda x: tg.stack([x, 5]), [np.array(3, np.int64)],
         lambda a: np.array([3, 5], np.int64), [2]),
    case("scalars-f64", lambda x, y: tg.stack([x, y]), [np.array(1.5), np.array(2.5)], lambda a, b: np.stack([a, b]),
         [2]),
])
def test_stack(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("axis0-f32", lambda x: tg.unstack(x, num=2), [arr([2, 3])], lambda a: list(a), [None]),
    case("axis1-i32", lambda x: tg.unstack(x, num=3, axis=1), [arr([2, 3], np.int32)], lambda a: list(a.T),
         [None]),
    case("axis-1-bool", lambda x: tg.unstack(x, num=2, axis=-1), [arr([2, 2, 2], bool)],
         lambda a: [a[..., 0], a[..., 1]], [None, None]),
    case("one-i64", lambda x: tg.unstack(x, num=1), [arr([1, 2], np.int64)], lambda a: [a[0]], [None]),
])
def test_unstack(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("num-axis1-f32", lambda x: tg.split(x, 3, axis=1), [arr([2, 6])], lambda a: np.split(a, 3, 1),
         [None, None]),
    case("num-axis0-i32", lambda x: tg.split(x, 2), [arr([4, 1], np.int32)], lambda a: np.split(a, 2), [None, None]),
    case("sizes-neg-one", lambda x: tg.split(x, [1, -1, 2], axis=0), [arr([6, 2], np.int64)],
         lambda a: [a[:1], a[1:4], a[4:]], ([1, None], [None, None], [2, None]), ([1, 2], [3, 2], [2, 2])),
    case("sizes-axis-1-bool", lambda x: tg.split(x, [2, 1], axis=-1), [arr([2, 3], bool)],
         lambda a: [a[:, :2], a[:, 2:]], ([None, 2], [None, 1])),
    case("sizes-tensor", lambda x: tg.split(x, tg.constant([1, 2], tg.int64), axis=0, num=2), [arr([3], np.float64)],
         lambda a: [a[:1], a[1:]], ([1], [2])),
])
def test_split(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


# --- range, tile, fill, zeros/ones_like, shapes -------------------------------------------------------

@pytest.mark.parametrize(ARGS, [
    case("limit-only", lambda n: tg.range(n), [np.array(5, np.int32)], lambda n: np.arange(5, dtype=np.int32),
         [None], [None]),
    case("start-limit-delta", lambda a, b: tg.range(a, b, 3), [np.array(2, np.int32), np.array(10, np.int32)],
         lambda a, b: np.arange(2, 10, 3, dtype=np.int32), [None], [None]),
    case("negative-delta-i64", lambda a: tg.range(10, a, -3), [np.array(2, np.int64)],
         lambda a: np.arange(10, 2, -3, dtype=np.int64), [None], [None]),
    case("float", lambda a: tg.range(0.5, a, 0.7), [np.array(3.0, np.float32)],
         lambda a: (np.arange(4).astype(np.float32) * np.float32(0.7) + np.float32(0.5)), [None], [None]),
    case("empty", lambda a: tg.range(a, 3), [np.array(3, np.int32)], lambda a: np.zeros(0, np.int32), [None], [None]),
    case("const", lambda: tg.range(1, 8, 2), [], lambda: np.arange(1, 8, 2, dtype=np.int32)),
    case("const-dtype-f64", lambda: tg.range(4, dtype=tg.float64), [], lambda: np.arange(4.0)),
])
def test_range(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


def test_range_dtype_inference():
    with tg.Graph().as_default():
        assert tg.range(5).dtype == tg.int32
        assert tg.range(0.0, 5).dtype == tg.float32
        assert tg.range(tg.constant(5, tg.int64)).dtype == tg.int64
        assert tg.range(tg.constant(1, tg.int64), tg.constant(2.0, tg.float64)).dtype == tg.float64
        assert tg.range(3, dtype=tg.float32).dtype == tg.float32
    with tg.Graph().as_default():
        r = tg.range(2, 7)
        assert r.op.type == "Range" and r.op.name == "range"
        assert [t.op.name for t in r.op.inputs] == ["range/start", "range/limit", "range/delta"]
        with pytest.raises(TypeError):
            tg.range(tg.constant(3, tg.int16))


@pytest.mark.parametrize(ARGS, [
    case("2d-f32", lambda x: tg.tile(x, [2, 3]), [arr([2, 2])], lambda a: np.tile(a, [2, 3]), [None, None]),
    case("zero-multiple-i32", lambda x: tg.tile(x, [1, 0]), [arr([2, 3], np.int32)], lambda a: np.tile(a, [1, 0]),
         [None, 0]),
    case("int64-multiples-bool", lambda x: tg.tile(x, tg.constant([3], tg.int64)), [arr([2], bool)],
         lambda a: np.tile(a, 3), [None]),
    case("fed-multiples", lambda x, m: tg.tile(x, m), [arr([1, 2], np.float64), np.array([2, 2], np.int32)],
         lambda a, m: np.tile(a, m), [None, None], [None, None]),
    case("string", lambda x: tg.tile(x, [2]), [arr([2], object)], lambda a: np.tile(a, 2), [None]),
])
def test_tile(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("const-dims", lambda v: tg.fill([2, 3], v), [np.array(1.5, np.float32)], lambda v: np.full((2, 3), v)),
    case("fed-dims-i64", lambda d, v: tg.fill(d, v), [np.array([2, 1], np.int32), np.array(7, np.int64)],
         lambda d, v: np.full(d, v), None, [None, None]),
    case("empty-bool", lambda v: tg.fill([0, 2], v), [np.array(True)], lambda v: np.full((0, 2), True)),
])
def test_fill(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("zeros-f32", lambda x: tg.zeros_like(x), [arr([2, 3])], lambda a: np.zeros_like(a), [None, None]),
    case("zeros-dtype", lambda x: tg.zeros_like(x, dtype=tg.int64), [arr([2, 3])],
         lambda a: np.zeros(a.shape, np.int64), [None, None]),
    case("ones-i32", lambda x: tg.ones_like(x), [arr([3], np.int32)], lambda a: np.ones_like(a), [None]),
    case("ones-bool", lambda x: tg.ones_like(x), [arr([2, 1], bool)], lambda a: np.ones_like(a), [None, None]),
    case("ones-dtype-f64", lambda x: tg.ones_like(x, tg.float64), [arr([2], np.int32)], lambda a: np.ones(2),
         [None]),
])
def test_zeros_ones_like(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("shape", lambda x: tg.shape(x), [arr([2, 3])], lambda a: np.array(a.shape, np.int32), [2]),
    case("shape-int64-string", lambda x: tg.shape(x, out_type=tg.int64), [arr([2, 1, 3], object)],
         lambda a: np.array(a.shape, np.int64), [3]),
    case("size", lambda x: tg.size(x), [arr([2, 3], np.int32)], lambda a: np.array(6, np.int32)),
    case("size-int64", lambda x: tg.size(x, out_type=tg.int64), [arr([4], bool)], lambda a: np.array(4, np.int64)),
    case("rank", lambda x: tg.rank(x), [arr([2, 3, 1], np.float64)], lambda a: np.array(3, np.int32)),
    case("shape_n", lambda x, y: tg.shape_n([x, y]), [arr([2, 3]), arr([4])],
         lambda a, b: [np.array([2, 3], np.int32), np.array([4], np.int32)], ([2], [1])),
    case("shape_n-int64", lambda x: tg.shape_n([x], out_type=tg.int64), [arr([1, 2], np.int32)],
         lambda a: np.array([1, 2], np.int64), [2]),
])
def test_shape_size_rank(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("row-f32", lambda x: tg.broadcast_to(x, [2, 3]), [arr([3])], lambda a: np.broadcast_to(a, (2, 3))),
    case("col-i32", lambda x: tg.broadcast_to(x, [2, 2, 3]), [arr([2, 1], np.int32)],
         lambda a: np.broadcast_to(a, (2, 2, 3))),
    case("fed-shape-bool", lambda x, s: tg.broadcast_to(x, s), [arr([1], bool), np.array([2, 2], np.int64)],
         lambda a, s: np.broadcast_to(a, s), None, [None, None]),
    case("same-f64", lambda x: tg.broadcast_to(x, [2]), [arr([2], np.float64)], lambda a: a),
])
def test_broadcast_to(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("i32", lambda a, b: tg.broadcast_dynamic_shape(a, b),
         [np.array([2, 1, 3], np.int32), np.array([4, 3], np.int32)],
         lambda a, b: np.array([2, 4, 3], np.int32), [None]),
    case("i64-ones", lambda a, b: tg.broadcast_dynamic_shape(a, b),
         [np.array([1], np.int64), np.array([5, 1], np.int64)],
         lambda a, b: np.array([5, 1], np.int64), [None]),
    case("empty", lambda a, b: tg.broadcast_dynamic_shape(a, b),
         [np.zeros(0, np.int32), np.array([2], np.int32)], lambda a, b: np.array([2], np.int32), [None]),
])
def test_broadcast_args(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


def test_broadcast_static_shape():
    assert tg.broadcast_static_shape([2, 1, 3], [4, 3]) == tg.TensorShape([2, 4, 3])
    assert tg.broadcast_static_shape([None, 1], [5]) == tg.TensorShape([None, 5])
    with pytest.raises(ValueError):
        tg.broadcast_static_shape([2], [3])


# --- reverse, slicing -------------------------------------------------------------------------------------

@pytest.mark.parametrize(ARGS, [
    case("axis0-f32", lambda x: tg.reverse(x, [0]), [arr([3, 2])], lambda a: a[::-1], [None, None]),
    case("axis-1-i32", lambda x: tg.reverse(x, [-1]), [arr([2, 3], np.int32)], lambda a: a[:, ::-1], [None, None]),
    case("both-int64-axis-bool", lambda x: tg.reverse(x, tg.constant([1, 0], tg.int64)), [arr([2, 2], bool)],
         lambda a: a[::-1, ::-1], [None, None]),
    case("none-u8", lambda x: tg.reverse(x, tg.constant([], tg.int32)), [arr([3], np.uint8)], lambda a: a, [None]),
    case("string", lambda x: tg.reverse(x, [0]), [arr([3], object)], lambda a: a[::-1], [None]),
])
def test_reverse(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("f32", lambda x: tg.slice(x, [1, 0], [2, -1]), [arr([4, 3])], lambda a: a[1:3, 0:], [2, None]),
    case("3d-i32", lambda x: tg.slice(x, [0, 1, 0], [1, 1, 2]), [arr([2, 3, 2], np.int32)],
         lambda a: a[0:1, 1:2, 0:2], [1, 1, 2]),
    case("int64-empty-bool", lambda x: tg.slice(x, tg.constant([2], tg.int64), tg.constant([0], tg.int64)),
         [arr([3], bool)], lambda a: a[2:2], [0]),
    case("fed-begin", lambda x, b: tg.slice(x, b, [1, 2]), [arr([3, 3], np.float64), np.array([1, 1], np.int32)],
         lambda a, b: a[1:2, 1:3], [1, 2], [1, 2]),
])
def test_slice(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


def _static_of_key(key, ndim):
    """The static shape TensorFlow gives ``x[key]`` for ``x`` of rank ``ndim`` with unknown dimensions."""
    key = key if isinstance(key, tuple) else (key,)
    real = sum(1 for k in key if k is not None and k is not Ellipsis)
    out = []
    for k in key:
        if k is None:
            out.append(1)
        elif k is Ellipsis:
            out.extend([None] * (ndim - real))
        elif isinstance(k, slice):
            out.append(None)
    if Ellipsis not in key:
        out.extend([None] * (ndim - real))
    return out


def getitem(id, key, shape=(4, 3, 2), dtype=np.float32):  # noqa: A002
    return case(id, lambda x: x[key], [arr(shape, dtype)], lambda a: a[key], _static_of_key(key, len(shape)))


@pytest.mark.parametrize(ARGS, [
    getitem("range", slice(1, 3)),
    getitem("reverse", slice(None, None, -1), dtype=np.int32),
    getitem("int-middle", (slice(None), 1), dtype=np.int64),
    getitem("ellipsis-last", (Ellipsis, 0), dtype=bool),
    getitem("newaxis", (tg.newaxis, slice(None), slice(1, None)), dtype=np.uint8),
    getitem("negative-int", -1, dtype=np.float64),
    getitem("steps", (slice(1, -1, 2), slice(None, None, -2))),
    getitem("newaxis-ellipsis", (None, Ellipsis, None), dtype=np.int32),
    getitem("neg-step-bounds", (slice(None), slice(-1, 0, -1))),
    getitem("past-end", slice(5, None)),
    getitem("empty", slice(3, 1)),
    getitem("scalar", (0, 1, 1), dtype=np.int32),
    getitem("ellipsis-middle", (1, Ellipsis, slice(None, 1))),
    getitem("big-negative-start", slice(-10, 2), shape=(3,)),
    getitem("string", (slice(None, None, -1), 0), shape=(3, 2), dtype=object),
    case("tensor-index", lambda x, i: x[i], [arr([4, 3]), np.array(2, np.int32)], lambda a, i: a[i], [None], [3]),
    case("tensor-bounds-int64", lambda x, i, j: x[i:j, 1], [arr([5, 2], np.int32), np.array(1, np.int64),
                                                             np.array(4, np.int64)],
         lambda a, i, j: a[1:4, 1], [None], [None]),
    case("strided_slice-masks", lambda x: tg.strided_slice(x, [1, 0], [0, 2], [1, 1], begin_mask=2, end_mask=1),
         [arr([3, 4])], lambda a: a[1:, :2], [None, None]),
    case("strided_slice-shrink", lambda x: tg.strided_slice(x, [0, -1], [1, 0], [1, 1], shrink_axis_mask=3),
         [arr([2, 3], np.int32)], lambda a: a[0, -1], []),
    case("strided_slice-default-strides", lambda x: tg.strided_slice(x, [1], [3]), [arr([4], np.float64)],
         lambda a: a[1:3], [None]),
])
def test_strided_slice(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


def test_getitem_builds_tensorflows_nodes():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [4, 3], name="x")
        y = x[1:, tg.newaxis, ..., ::-1]
        assert y.op.type == "StridedSlice" and y.op.name == "strided_slice"
        assert [t.op.name for t in y.op.inputs[1:]] == ["strided_slice/stack", "strided_slice/stack_1",
                                                        "strided_slice/stack_2"]
        assert [t.op.type for t in y.op.inputs[1:]] == ["Const"] * 3
        assert y.op.get_attr("begin_mask") == 0b1000 and y.op.get_attr("end_mask") == 0b1001
        assert y.op.get_attr("new_axis_mask") == 0b10 and y.op.get_attr("ellipsis_mask") == 0b100
        assert y.op.get_attr("shrink_axis_mask") == 0
        assert y.shape == tg.TensorShape([3, 1, 3])
        assert x[0].op.name == "strided_slice_1" and x[0].shape == tg.TensorShape([3])
        rows = list(x)
        assert len(rows) == 4 and rows[3].shape == tg.TensorShape([3])
        with pytest.raises(TypeError, match="only iterable"):
            iter(tg.placeholder(tg.float32, [None, 2]))
        i = tg.placeholder(tg.int32, [], name="i")
        z = x[i]
        assert z.op.inputs[1].op.type == "Pack" and z.op.inputs[2].op.inputs[0].op.type == "AddV2"
        assert z.op.name.startswith("strided_slice") and z.shape == tg.TensorShape([3])
        with pytest.raises(TypeError, match="Only integers, slices"):
            x[1.5]
        with pytest.raises(TypeError, match="Only integers, slices"):
            x[tg.constant([1, 2])]


def test_boolean_mask_indexing(device, known):
    x = arr([4, 3])
    m = np.array([True, False, True, True])
    check(device, known, lambda t, c: t[c], [x, m], lambda a, c: a[c], [None, None], [None, 3])
    m2 = arr([4, 3], bool)
    check(device, known, lambda t, c: tg.boolean_mask(t, c), [x, m2], lambda a, c: a[c], [None], [None])
    check(device, known, lambda t, c: tg.boolean_mask(t, c, axis=1), [x, m2[0]], lambda a, c: a[:, c],
          [None, None], [4, None])


# --- gather, one_hot, pad -----------------------------------------------------------------------------

@pytest.mark.parametrize(ARGS, [
    case("axis0-f32", lambda p, i: tg.gather(p, i), [arr([4, 3]), np.array([3, 0, 3], np.int32)],
         lambda p, i: p[i], [None, None]),
    case("axis1-i64-indices", lambda p, i: tg.gather(p, i, axis=1), [arr([2, 3], np.int32), np.array([2, 1], np.int64)],
         lambda p, i: p[:, i], [None, None]),
    case("axis-1-2d-indices", lambda p, i: tg.gather(p, i, axis=-1), [arr([2, 3], np.float64),
                                                                     np.array([[0, 2], [1, 1]], np.int32)],
         lambda p, i: np.take(p, i, axis=-1), [None, None, None]),
    case("scalar-index-bool", lambda p, i: tg.gather(p, i), [arr([3, 2], bool), np.array(1, np.int32)],
         lambda p, i: p[1], [None]),
    case("batch_dims", lambda p, i: tg.gather(p, i, axis=1, batch_dims=1),
         [arr([2, 3, 2], np.int32), np.array([[2, 0], [1, 1]], np.int32)],
         lambda p, i: np.stack([p[0][[2, 0]], p[1][[1, 1]]]), [None, None, None]),
    case("legacy-Gather", lambda p, i: tg.get_default_graph().create_op("Gather", [p, i]).outputs[0],
         [arr([3, 2], np.float32), np.array([[2], [0]], np.int32)], lambda p, i: p[i], [None, None, None]),
    case("string", lambda p, i: tg.gather(p, i), [arr([3], object), np.array([2, 2], np.int32)],
         lambda p, i: p[i], [None]),
])
def test_gather(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


def np_one_hot(ind, depth, on=1.0, off=0.0, axis=-1, dtype=np.float32):
    out = np.where(ind[..., None] == np.arange(depth), on, off).astype(dtype)
    return out if axis == -1 else np.moveaxis(out, -1, axis)


@pytest.mark.parametrize(ARGS, [
    case("default", lambda i: tg.one_hot(i, 3), [np.array([0, 2, -1, 1, 5], np.int32)],
         lambda i: np_one_hot(i, 3), [None, 3]),
    case("on-off-f32", lambda i: tg.one_hot(i, 4, on_value=5.0, off_value=-1.0), [np.array([[0, 3], [1, 7]], np.int64)],
         lambda i: np_one_hot(i, 4, 5.0, -1.0), [None, None, 4]),
    case("axis0-int32", lambda i: tg.one_hot(i, 3, axis=0, dtype=tg.int32), [np.array([2, 0], np.int32)],
         lambda i: np_one_hot(i, 3, 1, 0, 0, np.int32), [3, None]),
    case("axis1-u8-indices", lambda i: tg.one_hot(i, 2, axis=1, on_value=True, off_value=False),
         [np.array([[1, 0, 1]], np.uint8)], lambda i: np_one_hot(i, 2, True, False, 1, bool), [None, 2, None]),
    case("fed-depth-f64", lambda i, d: tg.one_hot(i, d, dtype=tg.float64),
         [np.array(1, np.int32), np.array(3, np.int32)],
         lambda i, d: np_one_hot(i, 3, dtype=np.float64), [None], [None]),
])
def test_one_hot(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("f32", lambda x: tg.pad(x, [[1, 1], [2, 0]]), [arr([2, 3])], lambda a: np.pad(a, [[1, 1], [2, 0]]),
         [None, None]),
    case("constant-i32", lambda x: tg.pad(x, [[0, 2]], constant_values=7), [arr([2], np.int32)],
         lambda a: np.pad(a, [[0, 2]], constant_values=7), [None]),
    case("int64-paddings-bool", lambda x: tg.pad(x, tg.constant([[1, 0], [0, 1]], tg.int64)), [arr([1, 2], bool)],
         lambda a: np.pad(a, [[1, 0], [0, 1]]), [None, None]),
    case("fed-paddings", lambda x, p: tg.pad(x, p, constant_values=-1.5), [arr([2], np.float64),
                                                                          np.array([[1, 2]], np.int32)],
         lambda a, p: np.pad(a, [[1, 2]], constant_values=-1.5), [None], [None]),
    case("partly-known", lambda x, k: tg.pad(x, [[1, 1], [k, 0]]), [arr([2, 3]), np.array(2, np.int32)],
         lambda a, k: np.pad(a, [[1, 1], [2, 0]]), [None, None], [4, None]),
    case("string", lambda x: tg.pad(x, [[1, 0]]), [arr([1], object)],
         lambda a: np.array([b"", b"s0"], dtype=object), [None]),
])
def test_pad(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


# --- where, invert_permutation, unique, cumsum, top_k ---------------------------------------------

@pytest.mark.parametrize(ARGS, [
    case("bool-2d", lambda c: tg.where(c), [arr([3, 2], bool)], lambda c: np.argwhere(c), [None, 2], [None, 2]),
    case("f32", lambda c: tg.where(c), [np.array([0.0, 1.5, 0.0, -2.0], np.float32)], lambda c: np.argwhere(c),
         [None, 1], [None, 1]),
])
def test_where(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("i32", lambda x: tg.invert_permutation(x), [np.array([2, 0, 1, 3], np.int32)],
         lambda x: np.argsort(x).astype(np.int32), [None]),
    case("i64", lambda x: tg.invert_permutation(x), [np.array([0], np.int64)], lambda x: x, [None]),
    case("empty", lambda x: tg.invert_permutation(x), [np.zeros(0, np.int32)], lambda x: x, [None]),
])
def test_invert_permutation(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("i32", lambda x: tg.unique(x), [np.array([1, 1, 2, 4, 4, 4, 7, 8, 8], np.int32)],
         lambda x: [np.array([1, 2, 4, 7, 8], np.int32), np.array([0, 0, 1, 2, 2, 2, 3, 4, 4], np.int32)],
         ([None], [None]), ([None], [9])),
    case("order-of-appearance-f64", lambda x: tg.unique(x, out_idx=tg.int64), [np.array([3.5, -1.0, 3.5, 0.0])],
         lambda x: [np.array([3.5, -1.0, 0.0]), np.array([0, 1, 0, 2], np.int64)], ([None], [None]), ([None], [4])),
    case("empty-i64", lambda x: tg.unique(x), [np.zeros(0, np.int64)],
         lambda x: [x, np.zeros(0, np.int32)], ([None], [None]), ([None], [0])),
    case("string", lambda x: tg.unique(x), [np.array([b"b", b"a", b"b"], dtype=object)],
         lambda x: [np.array([b"b", b"a"], dtype=object), np.array([0, 1, 0], np.int32)],
         ([None], [None]), ([None], [3])),
])
def test_unique(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


def np_cumsum(a, axis=0, exclusive=False, reverse=False):
    if reverse:
        a = np.flip(a, axis)
    out = np.cumsum(a, axis=axis, dtype=a.dtype)
    if exclusive:
        out = np.concatenate([np.zeros_like(np.take(out, [0], axis)), np.delete(out, -1, axis)], axis)
    return np.flip(out, axis) if reverse else out


@pytest.mark.parametrize(ARGS, [
    case("axis0-f32", lambda x: tg.cumsum(x), [arr([3, 2])], lambda a: np_cumsum(a), [None, None]),
    case("axis1-i32", lambda x: tg.cumsum(x, axis=1), [arr([2, 3], np.int32)], lambda a: np_cumsum(a, 1),
         [None, None]),
    case("exclusive-i64", lambda x: tg.cumsum(x, exclusive=True), [arr([4], np.int64)],
         lambda a: np_cumsum(a, exclusive=True), [None]),
    case("reverse-f64", lambda x: tg.cumsum(x, axis=-1, reverse=True), [arr([2, 3], np.float64)],
         lambda a: np_cumsum(a, 1, reverse=True), [None, None]),
    case("both-u8", lambda x: tg.cumsum(x, 0, exclusive=True, reverse=True), [arr([3], np.uint8)],
         lambda a: np_cumsum(a, 0, True, True), [None]),
])
def test_cumsum(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


@pytest.mark.parametrize(ARGS, [
    case("ties-f32", lambda x: list(tg.top_k(x, 3)), [np.array([1.0, 3.0, 3.0, -2.0, 3.0], np.float32)],
         lambda x: [np.array([3.0, 3.0, 3.0], np.float32), np.array([1, 2, 4], np.int32)], [3]),
    case("2d-i32", lambda x: list(tg.top_k(x, 2)), [np.array([[5, -1, 7], [0, 0, -3]], np.int32)],
         lambda x: [np.array([[7, 5], [0, 0]], np.int32), np.array([[2, 0], [0, 1]], np.int32)], [None, 2]),
    case("default-k-u8-int64", lambda x: list(tg.top_k(x, index_type=tg.int64)), [np.array([0, 255, 7], np.uint8)],
         lambda x: [np.array([255], np.uint8), np.array([1], np.int64)], [1]),
    case("k0-f64", lambda x: list(tg.top_k(x, 0)), [arr([2, 3], np.float64)],
         lambda x: [np.zeros((2, 0)), np.zeros((2, 0), np.int32)], [None, 0]),
    case("fed-k", lambda x, k: list(tg.top_k(x, k)), [np.array([2, 9, 4], np.int64), np.array(2, np.int32)],
         lambda x, k: [np.array([9, 4], np.int64), np.array([1, 2], np.int32)], [None], [None]),
])
def test_top_k(device, known, build, inputs, expect, unknown, known_static):
    check(device, known, build, inputs, expect, unknown, known_static)


# --- names, static values, gradients --------------------------------------------------------------

@pytest.mark.parametrize("build, op_name, const_names", [
    (lambda x: tg.squeeze(x), "Squeeze", []),
    (lambda x: tg.expand_dims(x, 0), "ExpandDims", ["ExpandDims/dim"]),
    (lambda x: tg.transpose(x), "transpose", ["transpose/perm"]),
    (lambda x: tg.concat([x, x], 1), "concat", ["concat/axis"]),
    (lambda x: tg.stack([x, x], axis=1), "stack", []),
    (lambda x: tg.unstack(x)[0], "unstack", []),
    (lambda x: tg.tile(x, [1, 2]), "Tile", ["Tile/multiples"]),
    (lambda x: tg.slice(x, [0, 0], [1, 1]), "Slice", ["Slice/begin", "Slice/size"]),
    (lambda x: tg.strided_slice(x, [0], [1], [1]), "StridedSlice",
     ["StridedSlice/begin", "StridedSlice/end", "StridedSlice/strides"]),
    (lambda x: tg.gather(x, [0]), "GatherV2", ["GatherV2/indices", "GatherV2/axis"]),
    (lambda x: tg.one_hot(tg.constant([1]), 2), "one_hot",
     ["Const", "one_hot/depth", "one_hot/on_value", "one_hot/off_value"]),
    (lambda x: tg.pad(x, [[1, 1], [0, 0]]), "Pad", ["Pad/paddings"]),
    (lambda x: tg.pad(x, [[1, 1], [0, 0]], constant_values=2.0), "PadV2", ["PadV2/paddings",
                                                                            "PadV2/constant_values"]),
    (lambda x: tg.shape_n([x])[0], "ShapeN", []),
    (lambda x: tg.broadcast_to(x, [3, 2, 2]), "BroadcastTo", ["BroadcastTo/shape"]),
    (lambda x: tg.reverse(x, [0]), "ReverseV2", ["ReverseV2/axis"]),
    (lambda x: tg.split(x, 2)[0], "split", ["split/split_dim"]),
    (lambda x: tg.split(x, [1, 1], axis=1)[1], "split", ["Const", "split/split_dim"]),
    (lambda x: tg.cumsum(x, 1), "Cumsum", ["Cumsum/axis"]),
    (lambda x: tg.top_k(x, 1)[0], "TopKV2", ["TopKV2/k"]),
    (lambda x: tg.unique(tg.reshape(x, [-1]))[0], "Unique", []),
    (lambda x: tg.invert_permutation([1, 0]), "InvertPermutation", ["InvertPermutation/x"]),
    (lambda x: tg.broadcast_dynamic_shape([1, 2], [2, 1]), "BroadcastArgs", ["BroadcastArgs/s0", "BroadcastArgs/s1"]),
    (lambda x: tg.fill([2], 1.0), "Fill", ["Fill/dims", "Fill/value"]),
    (lambda x: tg.reshape(x, [-1]), "Reshape", ["Reshape/shape"]),
])
def test_default_node_names(build, op_name, const_names):
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2, 2], name="x")
        y = build(x)
        assert y.op.name == op_name
        assert [t.op.name for t in y.op.inputs if t.op.type == "Const"] == const_names
        z = build(x)
        assert z.op.name == op_name + "_1"


def test_shape_functions_fold_known_values():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 3, 4])
        assert tg.shape(tg.zeros([2, 3])).op.type == "Const"
        assert tg.shape(x).op.type == "Shape"
        assert tg.reshape(x, [-1, 12]).shape == tg.TensorShape([None, 12])
        assert tg.reshape(x, tg.stack([tg.shape(x)[1], -1])).shape == tg.TensorShape([3, None])
        assert tg.reshape(tg.zeros([2, 6]), tg.stack([tg.shape(x)[1], -1])).shape == tg.TensorShape([3, 4])
        assert tg.reshape(x, tg.stack([-1, tg.shape(x)[2]])).shape == tg.TensorShape([None, 4])
        assert tg.fill(tg.shape(x)[1:], 0.0).shape == tg.TensorShape([3, 4])
        assert tg.zeros(tg.concat([tg.shape(x)[:1], [5]], 0)).shape == tg.TensorShape([None, 5])
        assert tg.tile(x, tg.gather(tg.constant([1, 2, 3, 4]), [0, 1, 2])).shape == tg.TensorShape([None, 6, 12])
        assert tg.one_hot([0, 1], tg.range(4)[-1]).shape == tg.TensorShape([2, 3])
        assert tg.rank(x).op.type == "Const" and tg.size(x).op.type == "Size"
        u = tg.placeholder(tg.float32)
        assert tg.transpose(u).shape.rank is None and tg.rank(u).op.type == "Rank"
        assert tg.transpose(tg.placeholder(tg.float32, [None, 2])).shape == tg.TensorShape([2, None])


def test_transpose_unknown_rank(device):
    x = arr([2, 3, 4])
    with tg.Graph().as_default(), tg.device(device):
        p = tg.placeholder(tg.float32)
        y = tg.transpose(p)
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run(y, {p: x}), x.T)


GRAD_CASES = [
    ("Reshape", lambda x: tg.reshape(x, [3, 2]), [2, 3]),
    ("Squeeze", lambda x: tg.squeeze(x), [1, 3]),
    ("ExpandDims", lambda x: tg.expand_dims(x, 1), [2, 3]),
    ("Transpose", lambda x: tg.transpose(x, [2, 0, 1]), [2, 3, 4]),
    ("Pack", lambda x: tg.stack([x, 2 * x], axis=1), [2, 3]),
    ("ConcatV2", lambda x: tg.concat([x, x[:, :1]], -1), [2, 3]),
    ("Tile", lambda x: tg.tile(x, [2, 3]), [2, 2]),
    ("Slice", lambda x: tg.slice(x, [1, 0], [1, 2]), [3, 3]),
    ("Pad", lambda x: tg.pad(x, [[1, 0], [2, 1]]), [2, 2]),
    ("PadV2", lambda x: tg.pad(x, [[1, 0], [2, 1]], constant_values=tg.constant(0.0, tg.float64)), [2, 2]),
    ("ReverseV2", lambda x: tg.reverse(x, [1]), [2, 3]),
    ("Cumsum", lambda x: tg.cumsum(x, 1, exclusive=True), [2, 3]),
    ("Cumsum", lambda x: tg.cumsum(x, 0, reverse=True), [3, 2]),
    ("StridedSlice", lambda x: x[::-2, tg.newaxis, 1], [4, 3]),
    ("StridedSlice", lambda x: x[..., 1:], [2, 3]),
    ("StridedSlice", lambda x: x[-1], [2, 3]),
]


@pytest.mark.parametrize("op_type, build, shape", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients_are_adjoints(device, op_type, build, shape):
    """For these linear ops the gradient is the adjoint: <f(x), dy> == <x, grad(dy)>."""
    x = R.standard_normal(shape)
    with tg.Graph().as_default(), tg.device(device):
        xt = tg.placeholder(tg.float64, shape)
        y = build(xt)
        # Find the op under test (builders may add a constant or scalar multiply first).
        op = y.op if y.op.type == op_type else next(o for o in tg.get_default_graph().get_operations()
                                                     if o.type == op_type)
        dy = tg.placeholder(tg.float64, op.outputs[0].shape)
        grads = get_gradient_fn(op_type)(op, dy)
        with tg.Session() as sess:
            fx = sess.run(op.outputs[0], {xt: x})
            dyv = R.standard_normal(fx.shape)
            pairs = [(t, g) for t, g in zip(op.inputs, grads) if g is not None]
            assert pairs and pairs[0][0] is op.inputs[0]
            values = sess.run([[t, g] for t, g in pairs], {xt: x, dy: dyv})
    for t, g in values:
        assert g.shape == t.shape
    # The op is linear in its differentiable inputs (the others get None).
    np.testing.assert_allclose(np.sum(fx * dyv), sum(np.sum(t * g) for t, g in values), rtol=1e-10)


def test_multi_output_gradients(device):
    x = R.standard_normal([2, 6])
    with tg.Graph().as_default(), tg.device(device):
        xt = tg.constant(x)
        parts = tg.split(xt, [2, 4], axis=1)
        g_split = get_gradient_fn("SplitV")(parts[0].op, tg.ones_like(parts[0]), None)
        eq = tg.split(xt, 3, axis=1)
        g_eq = get_gradient_fn("Split")(eq[0].op, None, tg.ones_like(eq[1]), None)
        rows = tg.unstack(xt)
        g_unstack = get_gradient_fn("Unpack")(rows[0].op, tg.ones_like(rows[0]), None)
        g_pack = get_gradient_fn("Pack")(tg.stack(rows).op, tg.ones([2, 6], tg.float64))
        with tg.Session() as sess:
            a, b, c, d = sess.run([g_split[0], g_eq[1], g_unstack[0], g_pack])
    np.testing.assert_array_equal(a, np.concatenate([np.ones([2, 2]), np.zeros([2, 4])], 1))
    np.testing.assert_array_equal(b, [[0, 0, 1, 1, 0, 0]] * 2)
    np.testing.assert_array_equal(c, [[1] * 6, [0] * 6])
    assert len(d) == 2 and all((v == 1).all() for v in d)


# --- bad inputs ---------------------------------------------------------------------------------------

def _i32(*v):
    return np.array(v, np.int32)


RUNTIME_ERRORS = [
    ("squeeze-not-1", lambda x: tg.squeeze(x, [1]), [arr([2, 3])],
     "Can not squeeze dim\\[1\\], expected a dimension of 1, got 3"),
    ("squeeze-range", lambda x: tg.squeeze(x, [2]), [arr([2, 1])], "Tried to squeeze dim index 2 for tensor with 2"),
    ("expand-range", lambda x, d: tg.expand_dims(x, d), [arr([2]), np.array(3, np.int32)],
     "Tried to expand dim index 3 for tensor with 1 dimensions"),
    ("transpose-size", lambda x, p: tg.transpose(x, p), [arr([2, 3]), _i32(0, 1, 2)],
     "transpose expects a vector of size 2. But input\\(1\\) is a vector of size 3"),
    ("transpose-perm", lambda x, p: tg.transpose(x, p), [arr([2, 3]), _i32(0, 0)], "1 is missing from \\{0,0\\}"),
    ("transpose-negative", lambda x, p: tg.transpose(x, p), [arr([2, 3]), _i32(-1, 0)],
     "-1 is out of range \\[0 .. 2\\)"),
    ("concat-dims", lambda x, y: tg.concat([x, y], 0), [arr([2, 3]), arr([1, 2])],
     "ConcatOp : Dimension 1 in both shapes must be equal: shape\\[0\\] = \\[2,3\\] vs. shape\\[1\\] = \\[1,2\\]"),
    ("concat-ranks", lambda x, y: tg.concat([x, y], 0), [arr([2, 3]), arr([2])],
     "Ranks of all input tensors should match"),
    ("concat-axis", lambda x, y, a: tg.concat([x, y], a), [arr([2]), arr([2]), np.array(1, np.int32)],
     "Expected concatenating dimensions in the range \\[-1, 1\\), but got 1"),
    ("stack-shapes", lambda x, y: tg.stack([x, y]), [arr([2]), arr([3])],
     "Shapes of all inputs must match: values\\[0\\].shape = \\[2\\] != values\\[1\\].shape = \\[3\\]"),
    ("unstack-num", lambda x: tg.unstack(x, num=3), [arr([2, 2])],
     "Input shape axis 0 must equal 3, got shape \\[2,2\\]"),
    ("range-sign", lambda a: tg.range(a, 1), [np.array(5, np.int32)], "Requires start <= limit when delta > 0: 5/1"),
    ("range-zero-delta", lambda d: tg.range(0, 4, d), [np.array(0, np.int32)], "Requires delta != 0: 0"),
    ("range-negative-delta", lambda a: tg.range(a, 4, -1), [np.array(0, np.int32)],
     "Requires start >= limit when delta < 0: 0/4"),
    ("tile-length", lambda x, m: tg.tile(x, m), [arr([2, 2]), _i32(2)],
     "Expected multiples argument to be a vector of length 2 but got length 1"),
    ("tile-negative", lambda x, m: tg.tile(x, m), [arr([2]), _i32(-1)], "Expected multiples\\[0\\] >= 0, but got -1"),
    ("strided-out-of-bounds", lambda x, i: x[i], [arr([3]), np.array(3, np.int32)],
     "slice index 3 of dimension 0 out of bounds"),
    ("strided-zero-stride", lambda x, s: x[::s], [arr([3]), np.array(0, np.int32)], "strides\\[0\\] must be non-zero"),
    ("strided-too-many", lambda x, i: x[i, 0], [arr([3]), np.array(0, np.int32)],
     "Index out of range using input dim 1; input has only 1 dims"),
    ("slice-begin", lambda x, b: tg.slice(x, b, [1]), [arr([3]), _i32(4)],
     "Expected begin\\[0\\] in \\[0, 3\\], but got 4"),
    ("slice-size", lambda x, s: tg.slice(x, [1], s), [arr([3]), _i32(3)],
     "Expected size\\[0\\] in \\[0, 2\\], but got 3"),
    ("slice-rank", lambda x, b: tg.slice(x, b, [1]), [arr([3, 2]), _i32(0)],
     "Expected begin and size arguments to be 1-D tensors of size 2"),
    ("gather-index", lambda p, i: tg.gather(p, i), [arr([3, 2]), _i32(0, 5)],
     "indices\\[1\\] = 5 is not in \\[0, 3\\)"),
    ("gather-2d-index", lambda p, i: tg.gather(p, i), [arr([3]), np.array([[0], [-1]], np.int32)],
     "indices\\[1,0\\] = -1 is not in \\[0, 3\\)"),
    ("gather-axis", lambda p, i, a: tg.gather(p, i, axis=a), [arr([3]), _i32(0), np.array(1, np.int32)],
     "Expected axis in the range \\[-1, 1\\), but got 1"),
    ("gather-batch", lambda p, i: tg.gather(p, i, axis=1, batch_dims=1), [arr([2, 3]), np.zeros([3, 1], np.int32)],
     "params.shape\\[0\\]: 2 should be equal to indices.shape\\[0\\]: 3"),
    ("one_hot-depth", lambda i, d: tg.one_hot(i, d), [_i32(0), np.array(-1, np.int32)],
     "depth must be non-negative, got: -1"),
    ("pad-rank", lambda x, p: tg.pad(x, p), [arr([2]), np.zeros([2, 2], np.int32)],
     "The first dimension of paddings must be the rank of inputs\\[2,2\\] \\[2\\]"),
    ("pad-negative", lambda x, p: tg.pad(x, p), [arr([2]), np.array([[0, -1]], np.int32)],
     "Paddings must be non-negative: 0 -1"),
    ("broadcast_to", lambda x, s: tg.broadcast_to(x, s), [arr([3]), _i32(2, 2)],
     "Incompatible shapes: \\[3\\] vs. \\[2,2\\]"),
    ("broadcast_to-rank", lambda x, s: tg.broadcast_to(x, s), [arr([1, 3]), _i32(3)],
     "Rank of input \\(2\\) must be no greater than rank of output shape \\(1\\)"),
    ("broadcast_args", lambda a, b: tg.broadcast_dynamic_shape(a, b), [_i32(2, 3), _i32(4)],
     "Incompatible shapes: \\[2,3\\] vs. \\[4\\]"),
    ("reverse-axis", lambda x, a: tg.reverse(x, a), [arr([2]), _i32(1)],
     "'axis'\\[0\\] = 1 is out of valid range \\[0, 0"),
    ("reverse-twice", lambda x, a: tg.reverse(x, a), [arr([2, 2]), _i32(0, -2)], "axis 0 specified more than once"),
    ("split-even", lambda x, a: tg.split(x, 2, axis=a), [arr([3]), np.array(0, np.int32)],
     "Number of ways to split should evenly divide the split dimension, but got split_dim 0 \\(size = 3\\) and "
     "num_split 2"),
    ("split-axis", lambda x, a: tg.split(x, 1, axis=a), [arr([3]), np.array(1, np.int32)],
     "-input rank\\(-1\\) <= split_dim < input rank \\(1\\), but got 1"),
    ("splitv-sizes", lambda x, s: tg.split(x, s, num=2), [arr([3]), _i32(1, 1)], "Determined shape must either match"),
    ("splitv-two-neg", lambda x, s: tg.split(x, s, num=2), [arr([3]), _i32(-1, -1)], "There can only be one -1"),
    ("invert-perm", lambda x: tg.invert_permutation(x), [_i32(0, 0)], "0 is duplicated in the input"),
    ("invert-range", lambda x: tg.invert_permutation(x), [_i32(0, 2)], "2 is not between 0 and 2"),
    ("unique-rank", lambda x: tg.unique(x)[0], [arr([2, 2])], "unique expects a 1D vector"),
    ("cumsum-axis", lambda x, a: tg.cumsum(x, a), [arr([2]), np.array(1, np.int32)],
     "ScanOp: Expected scan axis in the range \\[-1, 1\\), but got 1"),
    ("top_k-k", lambda x, k: tg.top_k(x, k)[0], [arr([2]), np.array(3, np.int32)],
     "input must have at least k columns. Had 2, needed 3"),
    ("top_k-negative", lambda x, k: tg.top_k(x, k)[0], [arr([2]), np.array(-1, np.int32)], "Need k >= 0, got -1"),
    ("fill-negative", lambda d: tg.fill(d, 1.0), [_i32(-1)], "Fill dimensions must be >= 0"),
]


@pytest.mark.parametrize("build, inputs, message", [pytest.param(*c[1:], id=c[0]) for c in RUNTIME_ERRORS])
def test_bad_inputs_at_run_time(device, build, inputs, message):
    with pytest.raises(tg.errors.InvalidArgumentError, match=message):
        run(device, build, inputs, known=None)


STATIC_ERRORS = [
    ("squeeze", lambda: tg.squeeze(tg.zeros([2, 3]),
         [0]), "Can not squeeze dim\\[0\\], expected a dimension of 1, got 2"),
    ("squeeze-range", lambda: tg.squeeze(tg.zeros([1]), [1]), "squeeze_dims\\[0\\] not in \\[-1,1\\)"),
    ("squeeze-both", lambda: tg.squeeze(tg.zeros([1]), [0], squeeze_dims=[0]), "Cannot specify both"),
    ("expand", lambda: tg.expand_dims(tg.zeros([2]), 2), "dim 2 not in the interval \\[-2, 1\\]"),
    ("expand-no-axis", lambda: tg.expand_dims(tg.zeros([2])), "Must specify an axis"),
    ("transpose", lambda: tg.transpose(tg.zeros([2, 3]), [0, 2]), "perm dim 2 is out of range of input rank 2"),
    ("concat", lambda: tg.concat([tg.zeros([2, 3]), tg.zeros([2, 2])], 0), "Dimension 1 in both shapes must be equal"),
    ("concat-rank", lambda: tg.concat([tg.zeros([2, 3]), tg.zeros([2])], 0), "Shape must be rank"),
    ("concat-axis", lambda: tg.concat([tg.zeros([2]), tg.zeros([2])], 1), "range \\[-1, 1\\), but got 1"),
    ("stack", lambda: tg.stack([tg.zeros([2]), tg.zeros([3])]), "Shapes of all inputs must match"),
    ("stack-axis", lambda: tg.stack([tg.zeros([2])], axis=2), "axis = 2 not in \\[-2, 2\\)"),
    ("unstack-axis", lambda: tg.unstack(tg.zeros([2]), axis=1), "axis = 1 not in \\[-1, 1\\)"),
    ("unstack-num", lambda: tg.unstack(tg.placeholder(tg.float32, [None])), "Cannot infer num"),
    ("range", lambda: tg.range(5, 1), "Requires start <= limit when delta > 0: 5/1"),
    ("tile", lambda: tg.tile(tg.zeros([2, 2]), [2]), "Shape must be rank 2 but is rank 1"),
    ("slice", lambda: tg.slice(tg.zeros([3]), [2], [2]), "Expected size\\[0\\] in \\[0, 1\\], but got 2"),
    ("strided", lambda: tg.zeros([3])[3], "slice index 3 of dimension 0 out of bounds"),
    ("strided-ellipses", lambda: tg.zeros([3, 3])[..., ...], "Multiple ellipses"),
    ("strided-too-many", lambda: tg.zeros([3])[0, 0], "Index out of range using input dim 1"),
    ("gather-axis", lambda: tg.gather(tg.zeros([3]), [0], axis=1), "must be at least rank 2"),
    ("gather-scalar", lambda: tg.gather(tg.zeros([]), [0]), "at least rank 1"),
    ("one_hot-axis", lambda: tg.one_hot([0], 2, axis=2), "Expected axis to be -1 or between \\[0, 2\\)"),
    ("one_hot-dtype", lambda: tg.one_hot([0], 2, on_value=1.0, dtype=tg.float64), "does not match dtype parameter"),
    ("one_hot-on-off", lambda: tg.one_hot([0], 2, on_value=1.0, off_value=0), "does not match dtype"),
    ("pad-rank", lambda: tg.pad(tg.zeros([2]), [[1, 1], [1, 1]]), "Shape must be rank 2 but is rank 1"),
    ("pad-negative", lambda: tg.pad(tg.zeros([2]), [[1, -1]]), "Paddings must be non-negative"),
    ("pad-mode", lambda: tg.pad(tg.zeros([2]), [[1, 1]], "WRAP"), "Unknown padding mode: WRAP"),
    ("broadcast_to", lambda: tg.broadcast_to(tg.zeros([3]), [2, 2]), "Dimensions must be equal"),
    ("reverse", lambda: tg.reverse(tg.zeros([2]), [1]), "'axis'\\[0\\] = 1 is out of valid range"),
    ("split", lambda: tg.split(tg.zeros([3]), 2), "Number of ways to split should evenly divide"),
    ("splitv", lambda: tg.split(tg.zeros([3]), [1, 1]), "can't split axis of size 3 into pieces of size \\[1,1\\]"),
    ("split-rank0", lambda: tg.split(tg.zeros([3]), tg.constant(3)), "Rank-0 tensors are not supported"),
    ("unique", lambda: tg.unique(tg.zeros([2, 2])), "Shape must be rank 1 but is rank 2"),
    ("cumsum", lambda: tg.cumsum(tg.zeros([2]), 1), "Expected scan axis in the range \\[-1, 1\\)"),
    ("top_k", lambda: tg.top_k(tg.zeros([2]), 3), "input must have last dimension >= k = 3 but is 2"),
    ("reshape", lambda: tg.reshape(tg.zeros([2, 3]), [4]), "Cannot reshape a tensor with 6 elements to shape \\[4\\]"),
    ("fill", lambda: tg.fill([-1], 1.0), "Fill dimensions must be >= 0"),
]


@pytest.mark.parametrize("build, message", [pytest.param(*c[1:], id=c[0]) for c in STATIC_ERRORS])
def test_bad_inputs_while_building(build, message):
    with tg.Graph().as_default():
        with pytest.raises((ValueError, TypeError), match=message):
            build()


def test_fetched_slices_do_not_alias_constants():
    with tg.Graph().as_default():
        c = tg.constant([[1, 2], [3, 4]])
        parts = [c[0], tg.squeeze(c[:1]), tg.transpose(c), tg.unstack(c)[1], tg.broadcast_to(c[0], [2, 2])]
        with tg.Session() as sess:
            for v in sess.run(parts):
                v[...] = 0
            np.testing.assert_array_equal(sess.run(c), [[1, 2], [3, 4]])
