"""The segment reductions (sorted and unsorted) and unsorted_segment_mean/sqrt_n against TensorFlow's
recorded values and errors, on the CPU and a simulated GPU, with numeric gradient checks."""
import numpy as np
import pytest

import tagraph.engine as tg
from gradient_checks import check_gradient
from tf_reference import check_case, check_error, family

CASES, ERRORS, DATA = family("segments")

MESSAGES = {"segment_float_ids": r"'Tindices' of float32 is not in the list of allowed values"}


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", CASES)
def test_matches_tensorflow(device, case, known):
    check_case(device, case, DATA, known)


@pytest.mark.parametrize("err", ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err, DATA, MESSAGES.get(err.name))


_R = np.random.default_rng(9)
_X = _R.permutation(12).reshape(6, 2) * 0.25 + 0.5      # distinct, nonzero: max/min and prod are smooth here


@pytest.mark.parametrize("build", [
    pytest.param(lambda x: tg.segment_sum(x, [0, 0, 1, 1, 1, 3]), id="segment_sum"),
    pytest.param(lambda x: tg.segment_mean(x, [0, 0, 1, 1, 1, 3]), id="segment_mean"),
    pytest.param(lambda x: tg.segment_max(x, [0, 0, 1, 1, 1, 3]), id="segment_max"),
    pytest.param(lambda x: tg.segment_min(x, [0, 2, 2, 2, 3, 3]), id="segment_min"),
    pytest.param(lambda x: tg.segment_prod(x, [0, 0, 1, 1, 1, 3]), id="segment_prod"),
    pytest.param(lambda x: tg.unsorted_segment_sum(x, [2, 0, -1, 2, 1, 0], 4), id="unsorted_segment_sum"),
    pytest.param(lambda x: tg.unsorted_segment_max(x, [2, 0, -1, 2, 1, 0], 4), id="unsorted_segment_max"),
    pytest.param(lambda x: tg.unsorted_segment_min(x, [2, 0, -1, 2, 1, 0], 3), id="unsorted_segment_min"),
    pytest.param(lambda x: tg.unsorted_segment_prod(x, [2, 0, -1, 2, 2, 0], 3), id="unsorted_segment_prod"),
])
def test_gradients_match_central_differences(device, build):
    check_gradient(device, build, [_X])


def test_long_segments_reduce_in_few_steps(device):
    # 1000 rows in one segment among short ones: the segmented scan's log2 steps must cover them all.
    ids = np.r_[np.zeros(1000, np.int32), [1, 1, 3]]
    shuffled = _R.permutation(ids.size)
    x = np.r_[np.linspace(0.999, 1.001, 1000), [2.0, -3.0, 5.0]]
    with tg.Graph().as_default(), tg.device(device):
        p = tg.placeholder(tg.float64, [None])
        outs = [tg.segment_prod(p, ids), tg.segment_max(p, ids), tg.unsorted_segment_min(p, ids[shuffled], 5)]
        with tg.Session() as sess:
            prod, top, low = sess.run(outs, {p: x})
    np.testing.assert_allclose(prod, [np.prod(x[:1000]), -6.0, 1.0, 5.0], rtol=1e-12)
    np.testing.assert_array_equal(top, [1.001, 2.0, 0.0, 5.0])
    big = np.finfo(np.float64).max
    want = [min(x[j] for j in range(x.size) if ids[shuffled][j] == k) if k in (0, 1, 3) else big for k in range(5)]
    np.testing.assert_array_equal(low, want)
