"""The TensorFlow 1 names of the array, nn and debugging families (tf.sequence_mask, tf.nn.lrn,
tf.debugging.assert_equal, tf.manip.roll, tf.print, ...) resolve in ``tagraph.compat.v1`` to the functions
that build TensorFlow's ops."""
import pytest

import tagraph.compat.v1 as tf
from tagraph.engine.ops import (array_extra_ops, check_ops, image_layout_ops, logging_ops, nn_extra_ops, pool3d_ops,
                                print_ops, space_to_batch_ops)

NAMES = {
    "sequence_mask": array_extra_ops.sequence_mask, "roll": array_extra_ops.roll, "repeat": array_extra_ops.repeat,
    "meshgrid": array_extra_ops.meshgrid, "linspace": array_extra_ops.linspace,
    "lin_space": array_extra_ops.linspace, "searchsorted": array_extra_ops.searchsorted,
    "unravel_index": array_extra_ops.unravel_index, "space_to_depth": array_extra_ops.space_to_depth,
    "depth_to_space": array_extra_ops.depth_to_space, "bitcast": array_extra_ops.bitcast,
    "ensure_shape": array_extra_ops.ensure_shape, "random_crop": image_layout_ops.random_crop,
    "parallel_stack": array_extra_ops.parallel_stack, "get_static_value": array_extra_ops.get_static_value,
    "space_to_batch_nd": space_to_batch_ops.space_to_batch_nd,
    "batch_to_space_nd": space_to_batch_ops.batch_to_space_nd,
    "space_to_batch": space_to_batch_ops.space_to_batch, "batch_to_space": space_to_batch_ops.batch_to_space,
    "manip.roll": array_extra_ops.roll, "manip.space_to_batch_nd": space_to_batch_ops.space_to_batch_nd,
    "manip.batch_to_space_nd": space_to_batch_ops.batch_to_space_nd,
    "nn.space_to_depth": array_extra_ops.space_to_depth, "nn.depth_to_space": array_extra_ops.depth_to_space,
    "nn.space_to_batch": space_to_batch_ops.space_to_batch,
    "nn.swish": nn_extra_ops.swish, "nn.silu": nn_extra_ops.swish, "nn.lrn": nn_extra_ops.lrn,
    "nn.local_response_normalization": nn_extra_ops.lrn, "nn.xw_plus_b": nn_extra_ops.xw_plus_b,
    "nn.relu_layer": nn_extra_ops.relu_layer, "nn.crelu": nn_extra_ops.crelu,
    "nn.weighted_moments": nn_extra_ops.weighted_moments, "nn.normalize_moments": nn_extra_ops.normalize_moments,
    "nn.sufficient_statistics": nn_extra_ops.sufficient_statistics,
    "nn.max_pool_with_argmax": nn_extra_ops.max_pool_with_argmax, "nn.convolution": nn_extra_ops.convolution,
    "nn.atrous_conv2d": nn_extra_ops.atrous_conv2d,
    "nn.max_pool3d": pool3d_ops.max_pool3d, "nn.avg_pool3d": pool3d_ops.avg_pool3d,
    "print": print_ops.print_v2, "Print": print_ops.Print,
    "debugging.check_numerics": logging_ops.check_numerics, "debugging.Assert": logging_ops.Assert,
    "verify_tensor_all_finite": check_ops.verify_tensor_all_finite,
    "debugging.assert_all_finite": check_ops.verify_tensor_all_finite,
    "is_non_decreasing": check_ops.is_non_decreasing, "debugging.is_strictly_increasing":
    check_ops.is_strictly_increasing, "is_numeric_tensor": check_ops.is_numeric_tensor,
}
ASSERTS = ["assert_equal", "assert_none_equal", "assert_less", "assert_less_equal", "assert_greater",
           "assert_greater_equal", "assert_positive", "assert_negative", "assert_non_negative", "assert_non_positive",
           "assert_near", "assert_rank", "assert_rank_at_least", "assert_rank_in", "assert_type", "assert_integer",
           "assert_scalar", "assert_same_float_dtype", "assert_proper_iterable"]


def _lookup(path):
    value = tf
    for part in path.split("."):
        value = getattr(value, part)
    return value


@pytest.mark.parametrize("path", sorted(NAMES))
def test_name_resolves_to_its_builder(path):
    assert _lookup(path) is NAMES[path]


@pytest.mark.parametrize("name", ASSERTS)
def test_asserts_are_at_the_top_and_in_debugging(name):
    assert getattr(tf, name) is getattr(check_ops, name)
    assert getattr(tf.debugging, name) is getattr(check_ops, name)


def test_a_debugging_name_tagraph_lacks_says_so():
    with pytest.raises(NotImplementedError, match="tf.debugging.assert_shapes"):
        tf.debugging.assert_shapes
