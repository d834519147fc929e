"""Binary kernels' scalar path (two host scalars take Python's operators on numpy scalars): the same values,
dtypes and wrap-around as the ufunc path, for every op that has one, on each dtype it takes."""
import itertools

import numpy as np
import pytest

import tagraph.engine.ops.comparison_ops  # noqa: F401 - registers the kernels
import tagraph.engine.ops.math_ops  # noqa: F401
from tagraph.devices.kernel_registry import get_kernel

VALUES = {
    np.bool_: [True, False],
    np.int32: [0, 1, -3, 2 ** 31 - 1, -2 ** 31],
    np.int64: [0, 7, -2 ** 63, 2 ** 63 - 1],
    np.float32: [0.0, -0.0, 1.5, -2.25, np.nan, np.inf, -np.inf, 3e38, 1e-45],
    np.float64: [1e308, np.nan, -2.5, 5e-324, 0.1],
}
ARITHMETIC = ["Add", "AddV2", "Sub", "Mul"]
LOGICAL = ["LogicalAnd", "LogicalOr"]
COMPARE = ["Less", "LessEqual", "Greater", "GreaterEqual"]


class _Ctx:
    xp = np
    attrs = {}


def _cases():
    for op in ARITHMETIC + COMPARE:
        for dtype in VALUES:
            if dtype is np.bool_ and (op in COMPARE or op == "Sub"):
                continue
            yield op, dtype
    for op in LOGICAL:
        yield op, np.bool_


@pytest.mark.parametrize("op,dtype", list(_cases()))
@pytest.mark.parametrize("form", ["arrays", "scalars"])
def test_scalar_path_matches_the_ufunc_path(op, dtype, form):
    kernel = get_kernel(op, "CPU")
    for a, b in itertools.product(VALUES[dtype], repeat=2):
        x, y = np.array(a, dtype), np.array(b, dtype)
        if form == "scalars":
            x, y = x[()], y[()]
        with np.errstate(all="ignore"):
            got = kernel(_Ctx, x, y)
            want = kernel(_Ctx, x.reshape(1), y.reshape(1))[0]     # a shape of one: the ufunc path
        assert got.shape == () and got.dtype == want.dtype, (op, a, b)
        np.testing.assert_array_equal(got, want, err_msg="%s(%r, %r)" % (op, a, b))
        assert np.signbit(got) == np.signbit(want) if got.dtype.kind == "f" else True


def test_mixed_dtypes_and_arrays_take_the_ufunc_path():
    kernel = get_kernel("AddV2", "CPU")
    got = kernel(_Ctx, np.array(2, np.int32), np.array([1, 2], np.int32))
    assert isinstance(got, np.ndarray) and got.tolist() == [3, 4]
    got = kernel(_Ctx, np.array(2.5, np.float32), np.array(1.0, np.float16))
    assert got.dtype == np.float32 and got == 3.5
