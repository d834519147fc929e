"""tg.layers convolutions (conv1d/2d/3d, conv2d_transpose, separable_conv1d/2d) against TensorFlow's recorded
values, variable names and gradients, on the CPU and a simulated GPU."""
import numpy as np
import pytest

import tagraph.engine as tg
from layers_reference import META, cases, check_error, errors, replay


@pytest.mark.parametrize("case", cases("conv", "separable"))
def test_matches_tensorflow(device, case):
    replay(case, device)


@pytest.mark.parametrize("name,shape,build", errors("conv"))
def test_bad_input_gets_tensorflows_error(name, shape, build):
    check_error(name, shape, build)


def test_an_image_of_unknown_rank_fails_when_run_with_a_clear_message(device):
    with tg.Graph().as_default(), tg.device(device):
        x = tg.placeholder(tg.float32)
        y = tg.nn.conv2d(x, tg.zeros([3, 3, 8, 2]), [1, 1, 1, 1], "SAME")
        with tg.Session() as sess, pytest.raises(tg.errors.InvalidArgumentError,
                                                 match=r"input must be 4-dimensional\[2, 8, 8\]"):
            sess.run(y, {x: np.zeros((2, 8, 8), np.float32)})


def test_tf_nn_conv2d_of_a_rank3_image_is_refused_while_building():
    cls_name, message = META["errors"]["nn_conv2d_rank3"]
    with tg.Graph().as_default():
        with pytest.raises(ValueError) as info:
            tg.nn.conv2d(tg.placeholder(tg.float32, [2, 8, 8]), tg.zeros([3, 3, 8, 2]), [1, 1, 1, 1], "SAME")
    assert type(info.value).__name__ == cls_name
    # TensorFlow's message names the node with its attributes; tagraph's names it with its inputs.
    head, tail = "Shape must be rank 4 but is rank 3 for '{{node Conv2D}} = Conv2D", "with input shapes: [2,8,8], [3,3,8,2]."
    assert message.startswith(head) and message.endswith(tail)
    assert head in str(info.value) and str(info.value).endswith(tail)


def test_channels_first_is_channels_last_transposed(device):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (2, 6, 5, 3)).astype(np.float32)
    with tg.Graph().as_default(), tg.device(device):
        last = tg.layers.Conv2D(4, 3, padding="same", strides=(2, 1), name="c")
        first = tg.layers.Conv2D(4, 3, padding="same", strides=(2, 1), data_format="channels_first", name="c",
                                 _reuse=True)
        y_last = last(tg.constant(x))
        y_first = first(tg.constant(x.transpose(0, 3, 1, 2)))
        assert y_first.shape.as_list() == [2, 4, 3, 5]
        t_last = tg.layers.conv2d_transpose(tg.constant(x), 2, 3, strides=2, padding="same", name="t")
        t_first = tg.layers.conv2d_transpose(tg.constant(x.transpose(0, 3, 1, 2)), 2, 3, strides=2, padding="same",
                                             data_format="channels_first", name="t", reuse=True)
        c1_last = tg.layers.conv1d(tg.constant(x[:, 0]), 2, 3, padding="causal", name="c1")
        c1_first = tg.layers.conv1d(tg.constant(x[:, 0].transpose(0, 2, 1)), 2, 3, padding="causal",
                                    data_format="channels_first", name="c1", reuse=True)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            a, b, c, d, e, f = sess.run([y_last, y_first, t_last, t_first, c1_last, c1_first])
    np.testing.assert_allclose(b.transpose(0, 2, 3, 1), a, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d.transpose(0, 2, 3, 1), c, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(f.transpose(0, 2, 1), e, rtol=1e-5, atol=1e-6)


def test_layer_objects_share_their_variables_and_name_like_tensorflow():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 8, 8, 3])
        layer = tg.layers.Conv2D(4, 3, kernel_regularizer=lambda w: tg.reduce_sum(w * w))
        assert layer.name == "conv2d_1"            # TensorFlow's first unnamed layer object
        with pytest.raises(ValueError, match="has not been used yet"):
            layer.scope_name  # noqa: B018
        a, b = layer(x), layer(x)
        assert layer.scope_name == "conv2d" and a.op.name == "conv2d/BiasAdd" and b.op.name == "conv2d/BiasAdd_1"
        assert [v.name for v in layer.trainable_variables] == ["conv2d/kernel:0", "conv2d/bias:0"]
        assert len(layer.losses) == 1
        assert tg.get_collection(tg.GraphKeys.REGULARIZATION_LOSSES) == layer.losses
        tg.layers.conv2d(x, 4, 3, name="shared")
        tg.layers.conv2d(x, 4, 3, name="shared", reuse=True)
        with pytest.raises(ValueError, match="already exists"):
            tg.layers.conv2d(x, 4, 3, name="shared")
        with tg.variable_scope("outer"):
            y = tg.layers.separable_conv2d(x, 2, 3)
        assert y.op.name == "outer/separable_conv2d/BiasAdd"
        names = [v.name for v in tg.global_variables()]
        assert names == ["conv2d/kernel:0", "conv2d/bias:0", "shared/kernel:0", "shared/bias:0",
                         "outer/separable_conv2d/depthwise_kernel:0", "outer/separable_conv2d/pointwise_kernel:0",
                         "outer/separable_conv2d/bias:0"]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="`strides > 1` not supported in conjunction with `dilation_rate > 1`"):
        tg.layers.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="The `kernel_size` argument must be a tuple of 2 integers"):
        tg.layers.Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="padding"):
        tg.layers.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="strictly positive"):
        tg.layers.Conv3D(0, 3)
