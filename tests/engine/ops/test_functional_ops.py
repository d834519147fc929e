"""map_fn, scan, foldl and foldr against what TensorFlow 1 recorded (tests/data/tf_ops/record_tensor_array.py):
values and graphs, on the CPU and a simulated GPU."""
import numpy as np
import pytest

import tagraph.engine as tg
from test_tensor_array_ops import RECORD, check_case

FUNCTIONAL_CASES = [n for n in RECORD.CASES if n.startswith(("map_fn", "scan", "fold"))]


@pytest.mark.parametrize("name", FUNCTIONAL_CASES)
def test_matches_tensorflow(device, name):
    check_case(device, name)


def test_unknown_length_and_nested_results():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 2])
        doubled, summed = tg.map_fn(lambda r: (r * 2.0, tg.reduce_sum(r)), x, dtype=(tg.float32, tg.float32))
        total = tg.foldl(lambda a, r: a + r, x, initializer=tg.zeros([2]))
        running = tg.scan(lambda a, r: {"s": a["s"] + r}, x, initializer={"s": tg.zeros([2])})
        assert doubled.shape.as_list() == [None, 2]
        xv = np.arange(6, dtype=np.float32).reshape(3, 2)
        with tg.Session() as sess:
            d, s, t, r = sess.run([doubled, summed, total, running["s"]], {x: xv})
    np.testing.assert_allclose(d, xv * 2)
    np.testing.assert_allclose(s, xv.sum(1))
    np.testing.assert_allclose(t, xv.sum(0))
    np.testing.assert_allclose(r, np.cumsum(xv, 0))


def test_bad_arguments():
    with tg.Graph().as_default():
        with pytest.raises(TypeError, match="callable"):
            tg.map_fn(3, [1.0])
        with pytest.raises(ValueError, match="scalars"):
            tg.map_fn(lambda v: v, tg.constant(1.0))
