"""reduce_logsumexp, reduce_std/variance, count_nonzero, cumprod, bincount (DenseBincount, Bincount),
confusion_matrix, zero_fraction, polyval and scalar_mul against TensorFlow 2.21's recorded values, static shapes,
gradients and errors, on the CPU and a simulated GPU, with numeric gradient checks and the op types each
TensorFlow 1 function writes."""
import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from gradient_checks import check_gradient
from math_extra_reference import (GRAPHS, RECORDER, check_case, check_error, core_op_types, params,
                                  tagraph_op_types)
from tagraph.engine.framework.indexed_slices import IndexedSlices
from tagraph.engine.ops import math_reduce_extra_ops as reduce_extra
from tagraph.engine.ops.op_util import gen1

_MESSAGES = {
    "bincount_maxlength_negative": r"size \(-1\) must be non-negative",
    "confusion_matrix_negative_labels": r"`labels` contains negative values",
    "confusion_matrix_negative_predictions": r"`predictions` contains negative values",
    "confusion_matrix_labels_out_of_bound": r"`labels` out of bound",
    "confusion_matrix_predictions_out_of_bound": r"`predictions` out of bound",
}


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", params(RECORDER.REDUCE))
def test_matches_tensorflow(device, case, known):
    check_case(device, case, known)


@pytest.mark.parametrize("err", params(RECORDER.REDUCE_ERRORS))
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err, _MESSAGES.get(err.name))


_R = np.random.default_rng(11)


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumprod_gradient_matches_central_differences(device, exclusive, reverse):
    check_gradient(device, lambda x: reduce_extra.cumprod(x, axis=1, exclusive=exclusive, reverse=reverse),
                   [_R.uniform(0.5, 2.0, size=(2, 4))])


@pytest.mark.parametrize("build", [
    pytest.param(lambda x: reduce_extra.reduce_logsumexp(x, axis=1), id="reduce_logsumexp"),
    pytest.param(lambda x: reduce_extra.reduce_std(x, axis=0), id="reduce_std"),
    pytest.param(lambda x: reduce_extra.reduce_variance(x), id="reduce_variance"),
    pytest.param(lambda x: reduce_extra.polyval([x[0, 0], np.float64(2.0), x[1, 1]], x), id="polyval"),
])
def test_composite_gradients_match_central_differences(device, build):
    x = _R.normal(size=(2, 3))
    with tg.Graph().as_default(), tg.device(device):
        p = tg.placeholder(tg.float64, x.shape)
        y = tg.reduce_sum(build(p) * 1.5)
        (g,) = tg.gradients(y, [p])
        with tg.Session() as sess:
            got = sess.run(g, {p: x})
            numeric = np.zeros_like(x)
            for j in range(x.size):
                plus, minus = x.copy(), x.copy()
                plus.flat[j] += 1e-6
                minus.flat[j] -= 1e-6
                numeric.flat[j] = (sess.run(y, {p: plus}) - sess.run(y, {p: minus})) / 2e-6
    np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-8)


def test_bincount_op_of_tensorflow_1_graphs(device):
    # The first bincount op: arr of any rank counted flat, int32 size, weights or none.
    with tg.Graph().as_default(), tg.device(device):
        arr = tg.placeholder(tg.int32, [2, 2])
        counts = gen1("Bincount", [arr, tg.constant(4), tg.constant([], tg.float32)])
        weighted = gen1("Bincount", [arr, tg.constant(3), tg.constant([[1.0, 2.0], [3.0, 4.0]], tg.float64)])
        assert counts.shape.as_list() == [4]
        with tg.Session() as sess:
            c, w = sess.run([counts, weighted], {arr: [[1, 3], [3, 5]]})
            with pytest.raises(tg.errors.InvalidArgumentError, match="Input arr must be non-negative!"):
                sess.run(counts, {arr: [[1, -3], [3, 5]]})
    np.testing.assert_array_equal(c, np.float32([0, 1, 0, 2]))
    np.testing.assert_array_equal(w, [0.0, 1.0, 0.0])


def test_dense_bincount_binary_output_and_rank(device):
    with tg.Graph().as_default(), tg.device(device):
        arr = tg.placeholder(tg.int64, [2, 3])
        out = gen1("DenseBincount", [arr, tg.constant(4, tg.int64), tg.constant([], tg.int32)],
                   {"binary_output": True})
        assert out.shape.as_list() == [2, 4]
        with tg.Session() as sess:
            got = sess.run(out, {arr: [[1, 1, 3], [0, 9, 0]]})
    np.testing.assert_array_equal(got, [[0, 1, 0, 1], [1, 0, 0, 0]])
    assert got.dtype == np.int32


def test_scalar_mul_keeps_indexed_slices_and_refuses_non_scalars():
    with tg.Graph().as_default():
        values = tg.constant([[1.0, 2.0], [3.0, 4.0]])
        slices = IndexedSlices(values, tg.constant([0, 3]), tg.constant([5, 2]))
        scaled = tfc.scalar_mul(3.0, slices)
        assert isinstance(scaled, IndexedSlices) and scaled.indices is slices.indices
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run(scaled.values), [[3.0, 6.0], [9.0, 12.0]])
        with pytest.raises(ValueError, match="must be a 0-D value"):
            tfc.scalar_mul([1.0, 2.0], values)


def test_bincount_refuses_weights_with_binary_output_and_other_axes():
    with tg.Graph().as_default():
        arr = tg.constant([[1, 2]])
        with pytest.raises(ValueError, match="mutually exclusive"):
            reduce_extra.bincount(arr, weights=tg.constant([[1.0, 1.0]]), binary_output=True)
        with pytest.raises(ValueError, match="axis=1"):
            reduce_extra.bincount(arr, axis=1)


@pytest.mark.parametrize("name", [n for n in sorted(RECORDER.GRAPH_BUILDS) if n in (
    "reduce_logsumexp", "reduce_logsumexp_keepdims", "reduce_logsumexp_all", "reduce_std", "reduce_variance",
    "count_nonzero", "count_nonzero_int32", "cumprod", "scalar_mul", "polyval", "bincount", "bincount_weights")])
def test_tensorflow_1_functions_build_tensorflows_graphs(name):
    assert tagraph_op_types(RECORDER.GRAPH_BUILDS[name]) == GRAPHS[name]


@pytest.mark.parametrize("name", ["confusion_matrix", "confusion_matrix_num_classes", "zero_fraction",
                                  "nn_zero_fraction"])
def test_guarded_functions_build_tensorflows_op_types(name):
    # TensorFlow guards each Assert with a cond of its own; the ops that compute are the same, in order.
    got = tagraph_op_types(RECORDER.GRAPH_BUILDS[name])
    assert core_op_types(got) == core_op_types(GRAPHS[name])
    assert got[-1] == GRAPHS[name][-1]


def test_names_in_the_tensorflow_1_namespaces():
    for name in ("reduce_logsumexp", "count_nonzero", "cumprod", "bincount", "confusion_matrix", "scalar_mul"):
        assert getattr(tfc, name) is getattr(tfc.math, name) is getattr(reduce_extra, name)
    for name in ("reduce_std", "reduce_variance", "polyval", "zero_fraction"):
        assert getattr(tfc.math, name) is getattr(reduce_extra, name)
    assert tfc.nn.zero_fraction is reduce_extra.zero_fraction
