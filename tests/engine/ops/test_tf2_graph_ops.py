"""Ops TensorFlow 2's graphs use beside the TF1 ones: ResourceGather (an embedding lookup on a resource
variable) and BatchMatMulV3 (BatchMatMulV2 with dtype attributes)."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework.op_builder import make_op


def test_resource_gather_takes_rows_of_the_variable(device):
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    with tg.Graph().as_default():
        with tg.device(device):
            v = tg.get_variable("emb", initializer=tg.constant(table), use_resource=True)
            rows = make_op("ResourceGather", [v.handle, tg.constant([[3, 0], [1, 1]])], {"dtype": tg.float32})
        with tg.Session() as sess:
            sess.run(v.initializer)
            np.testing.assert_array_equal(sess.run(rows), table[[[3, 0], [1, 1]]])


def test_resource_gather_refuses_an_index_out_of_range():
    with tg.Graph().as_default():
        v = tg.get_variable("emb", initializer=tg.zeros([4, 3]), use_resource=True)
        rows = make_op("ResourceGather", [v.handle, tg.constant([7])], {"dtype": tg.float32})
        with tg.Session() as sess:
            sess.run(v.initializer)
            with pytest.raises(tg.errors.InvalidArgumentError):
                sess.run(rows)


def test_batch_matmul_v3_is_v2_with_an_output_dtype(device):
    rng = np.random.RandomState(0)
    a, b = rng.randn(2, 3, 4).astype(np.float32), rng.randn(4, 5).astype(np.float32)
    with tg.Graph().as_default():
        with tg.device(device):
            y = make_op("BatchMatMulV3", [tg.constant(a), tg.constant(b)],
                        {"Tout": tg.float32, "adj_x": False, "adj_y": False})
        assert y.shape.as_list() == [2, 3, 5]
        with tg.Session() as sess:
            np.testing.assert_allclose(sess.run(y), a @ b, rtol=1e-5)


def test_batch_matmul_v3_gradient_against_central_differences(device):
    from gradient_checks import check_gradient
    rng = np.random.RandomState(1)
    check_gradient(device, lambda a, b: make_op("BatchMatMulV3", [a, b], {"Tout": tg.float64, "adj_y": True}),
                   [rng.randn(2, 3, 4), rng.randn(2, 5, 4)], rtol=1e-5)
