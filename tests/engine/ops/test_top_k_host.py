"""TopKV2's host kernel (engine/ops/top_k_host.py) against a stable sort of the order-reversing key, which is what
TensorFlow's ordering is (tests/engine/ops/test_sort_ops.py replays TensorFlow's own values): ties in index order,
-0.0 equal to 0.0, NaN last, on both of its paths (a small k's one-pass selection, a large k's radix sort) and
across rows spread over threads."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.ops import top_k_host


def _reference(x, k):
    key = ~x if x.dtype.kind in "iu" else -x
    return np.argsort(key, axis=-1, kind="stable")[..., :k]


def _values(dtype, shape, spread, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-spread, spread, size=shape).astype(dtype)
    if dtype == np.float32 and x.size > 5:
        x.flat[:5] = [np.nan, -0.0, 0.0, -np.inf, -np.nan]
    elif dtype == np.int32 and x.size > 2:
        x.flat[:2] = [np.iinfo(np.int32).min, np.iinfo(np.int32).max]
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.int32])
@pytest.mark.parametrize("shape", [(1000,), (7, 50), (3, 1), (0, 5), (4, 0), (2, 3, 40), (30000,), (64, 3000)])
@pytest.mark.parametrize("k", [0, 1, 3, 50, 700, 1500])
@pytest.mark.parametrize("spread", [4, 1000000])
def test_indices_are_a_stable_sorts(dtype, shape, k, spread):
    if shape[-1] < k:
        pytest.skip("k beyond the row")
    x = _values(dtype, shape, spread, seed=k + len(shape))
    np.testing.assert_array_equal(top_k_host.top_k_indices(x, k), _reference(x, k))


def test_other_dtypes_are_left_to_the_generic_kernel():
    assert top_k_host.top_k_indices(np.zeros(4, np.float64), 2) is None
    assert top_k_host.top_k_indices(np.zeros(4, np.int64), 2) is None


def test_sort_and_top_k_of_a_million_floats_in_a_session():
    x = _values(np.float32, (1000000,), 1000, seed=3)
    with tg.Graph().as_default():
        p = tg.placeholder(tg.float32, [None])
        top = tg.nn.top_k(p, k=100)
        ordered = tg.sort(p, direction="DESCENDING")
        with tg.Session() as sess:
            (values, indices), got = sess.run([top, ordered], {p: x})
    want = _reference(x, x.size)
    np.testing.assert_array_equal(indices, want[:100])
    np.testing.assert_array_equal(values, x[want[:100]])
    np.testing.assert_array_equal(got, x[want])
