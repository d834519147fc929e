"""tg.layers.batch_normalization against TensorFlow's recorded values: the fused (4-D) and moments (2-D, 3-D)
paths, ``training`` a bool or a tensor, the moving averages after UPDATE_OPS ran, on the CPU and a simulated
GPU."""
import numpy as np
import pytest

import tagraph.engine as tg
from layers_reference import cases, replay


@pytest.mark.parametrize("case", cases("bn"))
def test_matches_tensorflow(device, case):
    replay(case, device)


def test_a_training_step_with_update_ops_moves_the_averages():
    x = np.random.default_rng(2).normal(3.0, 2.0, (16, 4, 4, 2)).astype(np.float32)
    with tg.Graph().as_default():
        xt = tg.placeholder(tg.float32, [None, 4, 4, 2])
        training = tg.placeholder_with_default(False, [])
        layer = tg.layers.BatchNormalization(momentum=0.5)
        y = layer(xt, training=training)
        assert layer.updates == tg.get_collection(tg.GraphKeys.UPDATE_OPS) and len(layer.updates) == 2
        assert [v.name for v in layer.non_trainable_variables] == ["batch_normalization/moving_mean:0",
                                                                   "batch_normalization/moving_variance:0"]
        loss = tg.reduce_mean(tg.square(y))
        with tg.control_dependencies(tg.get_collection(tg.GraphKeys.UPDATE_OPS)):
            step = tg.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            sess.run(step, {xt: x, training: True})
            mean, var = sess.run([layer.moving_mean, layer.moving_variance])
            sess.run(step, {xt: x})                    # inference: the averages stay
            mean2, var2 = sess.run([layer.moving_mean, layer.moving_variance])
    n = x.size // 2
    np.testing.assert_allclose(mean, 0.5 * x.mean((0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(var, 0.5 + 0.5 * x.var((0, 1, 2)) * n / (n - 1), rtol=1e-5)
    np.testing.assert_allclose(mean2, mean)
    np.testing.assert_allclose(var2, var)


def test_bad_input_and_unsupported_options():
    with tg.Graph().as_default():
        with pytest.raises(ValueError, match="Input has undefined rank"):
            tg.layers.batch_normalization(tg.placeholder(tg.float32))
        with pytest.raises(ValueError, match=r"Invalid value for `axis` argument. Expected 0 <= axis < inputs.rank "
                                             r"\(with inputs.rank=2\). Received: axis=\[3\]"):
            tg.layers.batch_normalization(tg.zeros([2, 3]), axis=3)
        layer = tg.layers.BatchNormalization()
        layer(tg.zeros([2, 3]))
        with pytest.raises(ValueError, match=r"expected axis 1 of input shape to have value 3, but received input with shape \(2, 4\)"):
            layer(tg.zeros([2, 4]))
    with pytest.raises(NotImplementedError, match="renorm=True"):
        tg.layers.BatchNormalization(renorm=True)
