"""Records what real TensorFlow computes for tests/engine/ops/test_array_extra_ops.py, test_space_to_batch_ops.py,
test_nn_extra_ops.py, test_pool3d_ops.py, test_check_ops.py and test_print_ops.py: Roll, SpaceToDepth/DepthToSpace,
SpaceToBatchND/BatchToSpaceND, UnravelIndex, searchsorted, Bitcast, EnsureShape, LinSpace, sequence_mask,
repeat, meshgrid, LRN, MaxPoolWithArgmax, MaxPool3D/AvgPool3D, dilated convolutions, swish, crelu, the moments
helpers, the assertions and tf.Print/tf.print: values, static shapes, gradients and errors into
``array_nn_extra.npz``, and into ``array_nn_extra.json`` the op types each API builds, the messages of the
assertions and what the print ops write.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_array_nn_extra.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

It runs in a process of its own, with TensorFlow 1's control flow (``disable_control_flow_v2``), as the
asserts' guards are TensorFlow 1's conds. The cases are record.py's ``Case``/``Err``; a case's ``build``
takes a TensorFlow-1 namespace (``tensorflow.compat.v1`` here, ``tagraph.compat.v1`` in the tests).
Importing this file needs only numpy.
"""
import importlib.util
import json
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_record():
    spec = importlib.util.spec_from_file_location("tf_ops_record", os.path.join(HERE, "record.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
Case, Err, rand, i32, i64 = RECORD.Case, RECORD.Err, RECORD.rand, RECORD.i32, RECORD.i64

_X4 = rand([2, 4, 6, 3], seed=1)


def raw(tf, op_type, **inputs):
    """``op_type`` built from its inputs by name: ``tf.raw_ops`` in TensorFlow, the op builder in tagraph
    (TensorFlow 2's ``tf.lin_space`` no longer builds the LinSpace op)."""
    if tf.__name__.startswith("tensorflow"):
        return getattr(tf.raw_ops, op_type)(**inputs)
    from tagraph.engine.framework.op_builder import get_op_def  # noqa: only the tagraph side needs it
    from tagraph.engine.ops.op_util import gen1
    op_def = get_op_def(op_type)
    attrs = {k: v for k, v in inputs.items() if k not in {a.name for a in op_def.input_arg}}
    return gen1(op_type, [inputs[a.name] for a in op_def.input_arg], attrs)


def _dep(check):
    """A build returning ``x`` run after the assertion ``check(tf, x)``."""
    def build(tf, x):
        with tf.control_dependencies([check(tf, x)]):
            return tf.identity(x)
    return build


ARRAY = [
    Case("sequence_mask", lambda tf, n: tf.sequence_mask(n, 5), [i32([1, 3, 0])]),
    Case("sequence_mask_no_maxlen", lambda tf, n: tf.sequence_mask(n), [i64([[2, 1], [3, 0]])]),
    Case("sequence_mask_float", lambda tf, n: tf.sequence_mask(n, 4, dtype=tf.float32), [i32([1, 4])]),
    Case("roll", lambda tf, x: tf.roll(x, [1, -2], [0, 1]), [rand([3, 4], seed=2)], grad=[0]),
    Case("roll_tensors", lambda tf, x, s, a: tf.roll(x, s, a), [rand([2, 3, 4], np.float64, seed=3), i32([2, 5]),
                                                              i32([2, -1])], grad=[0]),
    Case("roll_scalar", lambda tf, x: tf.roll(x, 7, 0), [rand([5], np.int32, seed=4, low=-9, high=9)]),
    Case("repeat_vector", lambda tf, x: tf.repeat(x, [2, 0, 1], axis=0), [rand([3, 2], seed=5)], grad=[0]),
    Case("repeat_scalar_axis1", lambda tf, x: tf.repeat(x, 2, axis=1), [rand([2, 3], seed=6)], grad=[0]),
    Case("repeat_flat", lambda tf, x: tf.repeat(x, 3), [rand([2, 2], seed=7)], grad=[0]),
    Case("repeat_vector_axis1", lambda tf, x: tf.repeat(x, [1, 3], axis=-1), [rand([3, 2], seed=8)], grad=[0]),
    Case("meshgrid_xy", lambda tf, a, b: tf.meshgrid(a, b), [rand([3], seed=9), rand([2], seed=10)], grad=[0, 1]),
    Case("meshgrid_ij", lambda tf, a, b, c: tf.meshgrid(a, b, c, indexing="ij"),
         [rand([2], seed=11), rand([3], seed=12), rand([2], seed=13)], grad=[0, 1, 2]),
    Case("linspace", lambda tf: tf.linspace(-1.0, 2.0, 7), []),
    Case("lin_space_f64", lambda tf, a, b: tf.lin_space(a, b, 5), [np.float64(0.5), np.float64(-3.25)]),
    Case("linspace_one", lambda tf: tf.linspace(3.0, 4.0, 1), []),
    Case("searchsorted_left", lambda tf, s, v: tf.searchsorted(s, v),
         [np.float32([[1, 2, 2, 5], [0, 3, 3, 3]]), np.float32([[2, 6, 0], [3, 1, 4]])]),
    Case("searchsorted_right_1d", lambda tf, s, v: tf.searchsorted(s, v, side="right", out_type=tf.int64),
         [i32([1, 2, 2, 5, 9]), i32([2, 9, 0, 5, 10])]),
    Case("searchsorted_3d", lambda tf, s, v: tf.searchsorted(s, v, side="right"),
         [np.sort(rand([2, 2, 5], seed=14), axis=-1), rand([2, 2, 3], seed=15)]),
    Case("unravel_index", lambda tf, i, d: tf.unravel_index(i, d), [i32([0, 5, 11, 7]), i32([3, 4])]),
    Case("unravel_index_scalar", lambda tf, i: tf.unravel_index(i, i64([2, 3, 4])), [i64(17)]),
    Case("space_to_depth", lambda tf, x: tf.space_to_depth(x, 2), [_X4], grad=[0]),
    Case("depth_to_space", lambda tf, x: tf.nn.depth_to_space(x, 2), [rand([2, 2, 3, 8], seed=16)], grad=[0]),
    Case("space_to_depth_nn", lambda tf, x: tf.nn.space_to_depth(x, 3), [rand([1, 3, 6, 2], np.float64, seed=17)],
         grad=[0]),
    Case("bitcast_f32_i32", lambda tf, x: tf.bitcast(x, tf.int32), [rand([2, 3], seed=18)]),
    Case("bitcast_to_bytes", lambda tf, x: tf.bitcast(x, tf.uint8), [i32([1, -2, 65536])]),
    Case("bitcast_from_bytes", lambda tf, x: tf.bitcast(x, tf.int32), [np.arange(8, dtype=np.uint8).reshape(2, 4)]),
    Case("ensure_shape", lambda tf, x: tf.ensure_shape(x, [None, 3]) * 2.0, [rand([2, 3], seed=19)], grad=[0]),
    Case("parallel_stack", lambda tf: tf.parallel_stack([tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])]), []),
    Case("is_non_decreasing", lambda tf, x: [tf.is_non_decreasing(x), tf.is_strictly_increasing(x)],
         [np.float32([1, 2, 2, 3])]),
    Case("is_increasing_short", lambda tf, x: [tf.is_non_decreasing(x), tf.is_strictly_increasing(x)],
         [np.float32([4])]),
]

SPACE_TO_BATCH = [
    Case("space_to_batch_nd", lambda tf, x: tf.space_to_batch_nd(x, [2, 3], [[1, 1], [0, 3]]), [_X4], grad=[0]),
    Case("space_to_batch_nd_1d", lambda tf, x: tf.manip.space_to_batch_nd(x, [2], [[1, 1]]),
         [rand([2, 4, 3], seed=20)], grad=[0]),
    Case("batch_to_space_nd", lambda tf, x: tf.batch_to_space_nd(x, [2, 2], [[0, 1], [1, 0]]),
         [rand([8, 2, 3, 2], seed=21)], grad=[0]),
    Case("space_to_batch_v1", lambda tf, x: tf.space_to_batch(x, [[0, 0], [1, 1]], 2), [_X4], grad=[0]),
    Case("batch_to_space_v1", lambda tf, x: tf.batch_to_space(x, [[0, 0], [0, 2]], 2), [rand([4, 2, 3, 1], seed=22)],
         grad=[0]),
    Case("space_to_batch_tensors", lambda tf, x, b, p: tf.space_to_batch_nd(x, b, p),
         [rand([1, 4, 4, 1], seed=23), i32([2, 2]), i32([[0, 0], [0, 0]])], grad=[0]),
]

NN = [
    Case("swish", lambda tf, x: tf.nn.swish(x), [rand([2, 5], seed=30)], grad=[0]),
    Case("lrn", lambda tf, x: tf.nn.lrn(x, 2, 1.0, 0.5, 0.75), [rand([2, 3, 2, 7], seed=31)], grad=[0]),
    Case("lrn_default", lambda tf, x: tf.nn.local_response_normalization(x), [rand([1, 2, 2, 12], seed=32)],
         grad=[0]),
    Case("xw_plus_b", lambda tf, x, w, b: tf.nn.xw_plus_b(x, w, b),
         [rand([2, 3], seed=33), rand([3, 4], seed=34), rand([4], seed=35)], grad=[0, 1, 2]),
    Case("relu_layer", lambda tf, x, w, b: tf.nn.relu_layer(x, w, b),
         [rand([2, 3], seed=36), rand([3, 4], seed=37), rand([4], seed=38)], grad=[0, 1, 2]),
    Case("crelu", lambda tf, x: tf.nn.crelu(x), [rand([2, 3], seed=39)], grad=[0]),
    Case("weighted_moments", lambda tf, x, w: list(tf.nn.weighted_moments(x, [0, 2], w)),
         [rand([3, 2, 4], seed=40), rand([3, 1, 4], seed=41, low=0.0, high=2.0)], grad=[0, 1]),
    Case("weighted_moments_keepdims", lambda tf, x, w: list(tf.nn.weighted_moments(x, [1], w, keep_dims=True)),
         [rand([3, 4], np.float64, seed=42), rand([3, 1], np.float64, seed=43, low=0.0, high=2.0)], grad=[0, 1]),
    Case("sufficient_statistics", lambda tf, x: list(tf.nn.sufficient_statistics(x, [0, 1])[:3]),
         [rand([3, 2, 4], seed=44)], grad=[0]),
    Case("sufficient_statistics_shift", lambda tf, x, s: list(tf.nn.sufficient_statistics(x, [1], s,
                                                                                          keep_dims=True)),
         [rand([3, 4], seed=45), rand([3, 1], seed=46)], grad=[0, 1]),
    Case("normalize_moments", lambda tf, c, m, v: list(tf.nn.normalize_moments(c, m, v, None)),
         [np.float32(4.0), rand([3], seed=47), rand([3], seed=48, low=5.0, high=9.0)], grad=[1, 2]),
    Case("normalize_moments_shift", lambda tf, c, m, v, s: list(tf.nn.normalize_moments(c, m, v, s)),
         [np.float32(3.0), rand([2], seed=49), rand([2], seed=50, low=5.0, high=9.0), rand([2], seed=51)],
         grad=[1, 2, 3]),
    Case("max_pool_with_argmax", lambda tf, x: list(tf.nn.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 2, 2, 1],
                                                                              "VALID")), [_X4], grad=[0]),
    Case("max_pool_with_argmax_same_batch", lambda tf, x: list(tf.nn.max_pool_with_argmax(
        x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME", include_batch_in_index=True)), [rand([2, 5, 5, 2], seed=52)],
        grad=[0]),
    # (TensorFlow's CPU has no MaxPoolGradWithArgmax kernel for int32 argmaxes: no gradient here.)
    Case("max_pool_with_argmax_int32", lambda tf, x: list(tf.nn.max_pool_with_argmax(
        x, [1, 2, 3, 1], [1, 1, 2, 1], "VALID", Targmax=tf.int32)), [rand([1, 4, 5, 3], seed=53)]),
    Case("atrous_conv2d_same", lambda tf, x, w: tf.nn.atrous_conv2d(x, w, 2, "SAME"),
         [rand([1, 5, 6, 2], seed=54), rand([3, 2, 2, 3], seed=55)], grad=[0, 1]),
    Case("convolution_dilated_valid", lambda tf, x, w: tf.nn.convolution(x, w, "VALID", dilation_rate=[2, 3]),
         [rand([2, 7, 8, 1], seed=56), rand([2, 2, 1, 2], seed=57)], grad=[0, 1]),
    Case("convolution_plain", lambda tf, x, w: tf.nn.convolution(x, w, "SAME"),
         [rand([1, 4, 4, 2], seed=58), rand([3, 3, 2, 2], seed=59)], grad=[0, 1]),
]

POOL3D = [
    Case("max_pool3d_valid", lambda tf, x: tf.nn.max_pool3d(x, 2, 2, "VALID"), [rand([2, 4, 5, 4, 3], seed=60)],
         grad=[0]),
    Case("max_pool3d_same", lambda tf, x: tf.nn.max_pool3d(x, [1, 3, 2, 3, 1], [1, 2, 1, 2, 1], "SAME"),
         [rand([1, 5, 3, 4, 2], seed=61)], grad=[0]),
    Case("avg_pool3d_valid", lambda tf, x: tf.nn.avg_pool3d(x, [1, 2, 3, 2, 1], [1, 1, 2, 2, 1], "VALID"),
         [rand([2, 3, 5, 4, 2], seed=62)], grad=[0]),
    Case("avg_pool3d_same", lambda tf, x: tf.nn.avg_pool3d(x, 3, 2, "SAME"), [rand([1, 5, 4, 5, 3], seed=63)],
         grad=[0]),
]

ERRORS = [
    Err("space_to_depth_not_divisible", lambda tf, x: tf.space_to_depth(x, 2), [np.zeros([1, 5, 4, 1], np.float32)]),
    Err("space_to_depth_not_divisible_static", lambda tf, x: tf.space_to_depth(x, 2),
        [np.zeros([1, 5, 4, 1], np.float32)], static=True),
    Err("depth_to_space_depth", lambda tf, x: tf.depth_to_space(x, 2), [np.zeros([1, 2, 2, 6], np.float32)]),
    Err("roll_mismatched", lambda tf, x, s, a: tf.roll(x, s, a), [np.zeros([3, 4], np.float32), i32([1, 2]),
                                                                  i32([0])]),
    Err("roll_mismatched_static", lambda tf, x, s, a: tf.roll(x, s, a),
        [np.zeros([3, 4], np.float32), i32([1, 2]), i32([0])], static=True),
    Err("roll_axis_out_of_range", lambda tf, x: tf.roll(x, 1, 2), [np.zeros([3, 4], np.float32)]),
    Err("ensure_shape_mismatch", lambda tf, x: tf.ensure_shape(x, [None, 3]), [np.zeros([2, 4], np.float32)]),
    Err("ensure_shape_mismatch_static", lambda tf, x: tf.ensure_shape(x, [None, 3]), [np.zeros([2, 4], np.float32)],
        static=True),
    Err("bitcast_last_dim_static", lambda tf, x: tf.bitcast(x, tf.int32), [np.zeros([2, 3], np.uint8)], static=True),
    Err("bitcast_scalar_static", lambda tf, x: tf.bitcast(x, tf.int64), [np.zeros([], np.int32)], static=True),
    Err("searchsorted_rank_mismatch", lambda tf, s, v: tf.searchsorted(s, v),
        [np.zeros([2, 5], np.float32), np.zeros([3, 2], np.float32)]),
    Err("unravel_index_out_of_bounds", lambda tf, i: tf.unravel_index(i, [2, 3]), [i32([1, 6])]),
    Err("lin_space_op_zero", lambda tf, n: raw(tf, "LinSpace", start=0.0, stop=1.0, num=n), [i32(0)]),
    Err("space_to_batch_not_divisible", lambda tf, x: tf.space_to_batch_nd(x, [2, 2], [[0, 1], [0, 0]]),
        [np.zeros([1, 4, 4, 1], np.float32)]),
    Err("batch_to_space_not_divisible", lambda tf, x: tf.batch_to_space_nd(x, [2, 2], [[0, 0], [0, 0]]),
        [np.zeros([3, 2, 2, 1], np.float32)]),
    Err("random_crop_too_big", lambda tf, x: tf.random_crop(x, [6, 3]), [np.zeros([4, 5], np.float32)]),
    Err("max_pool3d_rank", lambda tf, x: tf.nn.max_pool3d(x, 2, 2, "VALID"), [np.zeros([1, 4, 4, 1], np.float32)],
        static=True),
    Err("max_pool_with_argmax_int_ksize", lambda tf, x: tf.nn.max_pool_with_argmax(x, 2, 2, "VALID"),
        [np.zeros([1, 4, 4, 1], np.float32)], static=True),
    Err("check_numerics_nan", lambda tf, x: tf.debugging.check_numerics(x, "bad x"), [np.float32([1, np.nan])]),
    Err("verify_tensor_all_finite", lambda tf, x: tf.verify_tensor_all_finite(x, "x must be finite"),
        [np.float32([np.inf, 1])]),
    Err("assert_equal_run", _dep(lambda tf, x: tf.assert_equal(x, tf.ones_like(x))), [np.float32([1, 2, 1])]),
    Err("assert_equal_build", lambda tf, x: tf.assert_equal(tf.constant([1, 2]), tf.constant([1, 3]), message="m"),
        [np.float32(0)], static=True),
    Err("assert_none_equal_run", _dep(lambda tf, x: tf.assert_none_equal(x, 2)), [i32([1, 2, 3])]),
    Err("assert_less_run", _dep(lambda tf, x: tf.assert_less(x, 2.5, summarize=2)), [np.float64([1, 2, 3, 4])]),
    Err("assert_less_equal_run", _dep(lambda tf, x: tf.assert_less_equal(x, 0, message="small")), [i64([0, 1])]),
    Err("assert_less_run_f64", _dep(lambda tf, x: tf.assert_less(x, tf.constant(2.5, tf.float64), summarize=2)),
        [np.float64([1, 2, 3, 4])]),
    Err("assert_less_equal_run_i64", _dep(lambda tf, x: tf.assert_less_equal(x, tf.constant(0, tf.int64),
                                                                             message="small")), [i64([0, 1])]),
    Err("assert_greater_run", _dep(lambda tf, x: tf.assert_greater(x, 0.0)), [np.float32([[1, 0], [2, 3]])]),
    Err("assert_greater_equal_run", _dep(lambda tf, x: tf.assert_greater_equal(x, 1)), [i32([3, 0])]),
    Err("assert_positive_run", _dep(lambda tf, x: tf.assert_positive(x)), [np.float32([1, -1])]),
    Err("assert_negative_run", _dep(lambda tf, x: tf.assert_negative(x, message="neg")), [np.float32([-1, 1])]),
    Err("assert_non_negative_run", _dep(lambda tf, x: tf.assert_non_negative(x)), [i32([-1, 1])]),
    Err("assert_non_positive_run", _dep(lambda tf, x: tf.assert_non_positive(x)), [np.float32([2])]),
    Err("assert_near_run", _dep(lambda tf, x: tf.assert_near(x, tf.zeros_like(x), atol=0.5)), [np.float32([0.1, 1])]),
    Err("assert_rank_run", _dep(lambda tf, x: tf.assert_rank(x, 2)), [np.float32([1, 2])]),
    Err("assert_rank_static", lambda tf, x: tf.assert_rank(x, 2, message="want a matrix"), [np.float32([1, 2])],
        static=True),
    Err("assert_rank_at_least_run", _dep(lambda tf, x: tf.assert_rank_at_least(x, 2)), [np.float32([1, 2])]),
    Err("assert_rank_at_least_static", lambda tf, x: tf.assert_rank_at_least(x, 3), [np.float32([[1, 2]])],
        static=True),
    Err("assert_rank_in_run", _dep(lambda tf, x: tf.assert_rank_in(x, [0, 2])), [np.float32([1, 2])]),
    Err("assert_rank_in_static", lambda tf, x: tf.assert_rank_in(x, [0, 2]), [np.float32([1, 2])], static=True),
    Err("assert_type", lambda tf, x: tf.assert_type(x, tf.int32), [np.float32([1])], static=True),
    Err("assert_integer", lambda tf, x: tf.assert_integer(x), [np.float32([1])], static=True),
    Err("assert_scalar", lambda tf, x: tf.assert_scalar(x), [np.float32([1])], static=True),
    Err("assert_all_finite", lambda tf, x: tf.debugging.assert_all_finite(x, "finite please"),
        [np.float64([1, np.nan])]),
    Err("assert_same_float_dtype", lambda tf, x: tf.assert_same_float_dtype([x, tf.constant(1.0, tf.float64)]),
        [np.float32(1)], static=True),
    Err("assert_same_float_dtype_int", lambda tf, x: tf.assert_same_float_dtype([x]), [i32(1)], static=True),
]

FAMILY = "array_nn_extra"


# --- the op types each API builds ---------------------------------------------------------------------------

def _ph(tf, shape, dtype="float32", name="x"):
    return tf.placeholder(getattr(tf, dtype), shape, name=name)


OP_TYPES = {
    "sequence_mask": lambda tf: tf.sequence_mask(_ph(tf, [3], "int32")),
    "roll": lambda tf: tf.roll(_ph(tf, [3, 4]), 1, 0),
    "repeat": lambda tf: tf.repeat(_ph(tf, [3, 2]), [1, 2, 0], axis=0),
    "repeat_scalar": lambda tf: tf.repeat(_ph(tf, [3, 2]), 2, axis=1),
    "meshgrid": lambda tf: tf.meshgrid(_ph(tf, [2]), _ph(tf, [3], name="y")),
    "searchsorted": lambda tf: tf.searchsorted(_ph(tf, [2, 5]), _ph(tf, [2, 3], name="v")),
    "unravel_index": lambda tf: tf.unravel_index(_ph(tf, [2], "int32"), [2, 3]),
    "space_to_depth": lambda tf: tf.space_to_depth(_ph(tf, [1, 4, 4, 1]), 2),
    "depth_to_space": lambda tf: tf.depth_to_space(_ph(tf, [1, 2, 2, 4]), 2),
    "space_to_batch_nd": lambda tf: tf.space_to_batch_nd(_ph(tf, [1, 4, 4, 1]), [2, 2], [[0, 0], [0, 0]]),
    "batch_to_space_nd": lambda tf: tf.batch_to_space_nd(_ph(tf, [4, 2, 2, 1]), [2, 2], [[0, 0], [0, 0]]),
    "space_to_batch": lambda tf: tf.space_to_batch(_ph(tf, [1, 4, 4, 1]), [[0, 0], [0, 0]], 2),
    "batch_to_space": lambda tf: tf.batch_to_space(_ph(tf, [4, 2, 2, 1]), [[0, 0], [0, 0]], 2),
    "bitcast": lambda tf: tf.bitcast(_ph(tf, [3]), tf.int32),
    "ensure_shape": lambda tf: tf.ensure_shape(_ph(tf, None), [None, 3]),
    "random_crop": lambda tf: tf.random_crop(_ph(tf, [4, 5]), [2, 3], seed=3),
    "parallel_stack": lambda tf: tf.parallel_stack([_ph(tf, [2]), _ph(tf, [2], name="y")]),
    "lrn": lambda tf: tf.nn.lrn(_ph(tf, [1, 2, 2, 3])),
    "xw_plus_b": lambda tf: tf.nn.xw_plus_b(_ph(tf, [2, 3]), _ph(tf, [3, 4], name="w"), _ph(tf, [4], name="b")),
    "relu_layer": lambda tf: tf.nn.relu_layer(_ph(tf, [2, 3]), _ph(tf, [3, 4], name="w"), _ph(tf, [4], name="b")),
    "crelu": lambda tf: tf.nn.crelu(_ph(tf, [2, 3])),
    "sufficient_statistics": lambda tf: tf.nn.sufficient_statistics(_ph(tf, [2, 3]), [0]),
    "normalize_moments": lambda tf: tf.nn.normalize_moments(_ph(tf, []), _ph(tf, [3], name="m"),
                                                            _ph(tf, [3], name="v"), None),
    "max_pool_with_argmax": lambda tf: tf.nn.max_pool_with_argmax(_ph(tf, [1, 4, 4, 1]), [1, 2, 2, 1],
                                                                  [1, 2, 2, 1], "VALID"),
    "max_pool3d": lambda tf: tf.nn.max_pool3d(_ph(tf, [1, 4, 4, 4, 1]), 2, 2, "VALID"),
    "avg_pool3d": lambda tf: tf.nn.avg_pool3d(_ph(tf, [1, 4, 4, 4, 1]), 2, 2, "SAME"),
    "atrous_conv2d": lambda tf: tf.nn.atrous_conv2d(_ph(tf, [1, 5, 5, 1]), _ph(tf, [2, 2, 1, 1], name="w"), 2,
                                                    "SAME"),
    "print": lambda tf: tf.print("a", _ph(tf, [2])),
    "Print": lambda tf: tf.Print(_ph(tf, [2]), [_ph(tf, [2], name="y")], "m"),
    "check_numerics": lambda tf: tf.debugging.check_numerics(_ph(tf, [2]), "m"),
    "verify_tensor_all_finite": lambda tf: tf.verify_tensor_all_finite(_ph(tf, [2]), "m"),
    "assert_equal": lambda tf: tf.assert_equal(_ph(tf, [3]), _ph(tf, [3], name="y")),
    "assert_equal_int32": lambda tf: tf.assert_equal(_ph(tf, [3], "int32"), _ph(tf, [3], "int32", name="y")),
    "assert_less": lambda tf: tf.assert_less(_ph(tf, [3]), 1.0),
    "assert_positive": lambda tf: tf.assert_positive(_ph(tf, [3])),
    "assert_non_positive": lambda tf: tf.assert_non_positive(_ph(tf, [3])),
    "assert_near": lambda tf: tf.assert_near(_ph(tf, [3]), _ph(tf, [3], name="y")),
    "assert_rank": lambda tf: tf.assert_rank(_ph(tf, None), 2),
    "assert_rank_static": lambda tf: tf.assert_rank(_ph(tf, [2, 2]), 2),
    "assert_rank_at_least": lambda tf: tf.assert_rank_at_least(_ph(tf, None), 2),
    "assert_rank_in": lambda tf: tf.assert_rank_in(_ph(tf, None), [1, 2]),
    "assert_type": lambda tf: tf.assert_type(_ph(tf, [2]), tf.float32),
    "is_non_decreasing": lambda tf: tf.is_non_decreasing(_ph(tf, [3])),
}

# What tf.Print and tf.print write (stderr, or stdout), and the values the asserts print, run by run.
PRINTS = {
    "Print": lambda tf: tf.Print(tf.constant([1.5, 2.0, 3.0, 4.0]), [tf.constant([[1, 2], [3, 4]]),
                                                                  tf.constant("s"), tf.constant(0.1)],
                                 message="values: ", summarize=3),
    "Print_first_n": lambda tf: tf.Print(tf.constant(1), [tf.constant([7, 8])], message="n ", first_n=2),
    "Print_summarize_all": lambda tf: tf.Print(tf.constant(1.0), [tf.range(12)], summarize=-1),
    "print": lambda tf: tf.print("x =", tf.constant([[1.0, 2.5], [3.0, 4.0]]), 7, {"k": 1}),
    "print_stdout": lambda tf: tf.print(tf.constant("hello"), output_stream=sys.stdout),
    "print_sep_end": lambda tf: tf.print("a", tf.range(10), sep="|", end="!\n", summarize=2,
                                         output_stream=sys.stdout),
}
PRINT_RUNS = 3


def _captured(fd, run):
    """What ``run()`` writes to the file descriptor ``fd``."""
    sys.stdout.flush()
    sys.stderr.flush()
    with tempfile.TemporaryFile() as tmp:
        saved = os.dup(fd)
        os.dup2(tmp.fileno(), fd)
        try:
            run()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os.dup2(saved, fd)
            os.close(saved)
        tmp.seek(0)
        return tmp.read().decode("utf-8", "replace")


def main(tf):
    RECORD.FAMILIES[FAMILY] = (ARRAY + SPACE_TO_BATCH + NN + POOL3D, ERRORS)
    RECORD.record(tf, FAMILY)
    extra = {"op_types": {}, "prints": {}}
    for name, build in OP_TYPES.items():
        g = tf.Graph()
        with g.as_default():
            build(tf)
        extra["op_types"][name] = sorted({op.type for op in g.get_operations()})
    for name, build in PRINTS.items():
        g = tf.Graph()
        with g.as_default():
            op = build(tf)
            with tf.Session() as sess:
                def runs():
                    for _ in range(PRINT_RUNS):
                        sess.run(op)
                err_out = {}
                out = _captured(1, lambda: err_out.setdefault("err", _captured(2, runs)))
        extra["prints"][name] = {"stdout": out, "stderr": err_out["err"]}
    path = os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), FAMILY + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(extra, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote %s" % path)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    tf.disable_control_flow_v2()
    tf.get_logger().setLevel("ERROR")
    main(tf)
