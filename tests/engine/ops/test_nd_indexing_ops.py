"""GatherNd, ScatterNd and TensorScatterUpdate/Add/Sub against TensorFlow's recorded values and errors, on
the CPU and a simulated GPU, and their gradients against central differences."""
import numpy as np
import pytest

import tagraph.engine as tg
from gradient_checks import check_gradient
from tf_reference import check_case, check_error, family

CASES, ERRORS, DATA = family("nd_indexing")

# Where tagraph's message is its op builder's rather than TensorFlow's Python wrapper's.
MESSAGES = {"gather_nd_float_indices": r"attr 'Tindices' of float32 is not in the list of allowed values",
            "tensor_scatter_update_dtype": r"Input 'updates' of 'TensorScatterUpdate' Op has type int32 that does "
                                           r"not match .*float32"}


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", CASES)
def test_matches_tensorflow(device, case, known):
    check_case(device, case, DATA, known)


@pytest.mark.parametrize("err", ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err, DATA, MESSAGES.get(err.name))


_IDX = np.array([[1, 0], [0, 2], [1, 0]], np.int32)


@pytest.mark.parametrize("build, args", [
    pytest.param(lambda p: tg.gather_nd(p, _IDX), [np.arange(6.0).reshape(2, 3)], id="gather_nd"),
    pytest.param(lambda p: tg.gather_nd(p, [[1], [0], [1]]), [np.arange(6.0).reshape(2, 3)], id="gather_nd_rows"),
    pytest.param(lambda p: tg.gather_nd(p, [1, 2]), [np.arange(6.0).reshape(2, 3)], id="gather_nd_1d"),
    pytest.param(lambda u: tg.scatter_nd(_IDX, u, [2, 3]), [np.arange(3.0)], id="scatter_nd"),
    pytest.param(lambda t, u: tg.tensor_scatter_nd_update(t, [[1, 0], [0, 2]], u),
                 [np.arange(6.0).reshape(2, 3), np.array([5.0, 7.0])], id="tensor_scatter_update"),
    pytest.param(lambda t, u: tg.tensor_scatter_nd_add(t, _IDX, u), [np.arange(6.0).reshape(2, 3), np.arange(3.0)],
                 id="tensor_scatter_add"),
    pytest.param(lambda t, u: tg.tensor_scatter_nd_sub(t, [[1]], u), [np.arange(6.0).reshape(2, 3), np.ones([1, 3])],
                 id="tensor_scatter_sub"),
])
def test_gradients_match_central_differences(device, build, args):
    check_gradient(device, build, args)


def test_names_and_attrs_are_tensorflows():
    with tg.Graph().as_default():
        p = tg.placeholder(tg.float32, [2, 3])
        g = tg.gather_nd(p, [[0, 1]])
        s = tg.scatter_nd([[0]], [[1.0, 2.0, 3.0]], [2, 3], bad_indices_policy="IGNORE")
        u = tg.tensor_scatter_nd_update(p, [[0]], [[1.0, 2.0, 3.0]], name="upd")
        assert [g.op.name, g.op.inputs[1].op.name, s.op.name, u.op.name] == [
            "GatherNd", "GatherNd/indices", "ScatterNd", "upd"]
        assert s.op.get_attr("bad_indices_policy") in (b"IGNORE", "IGNORE")
        assert g.op.get_attr("Tindices") == tg.int32
