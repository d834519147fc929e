"""Records what real TensorFlow computes for tests/engine/ops/test_math_{unary,binary,reduce}_extra_ops.py: the
inverse trigonometric and hyperbolic functions, expm1, rint, erfc, lgamma, digamma, polygamma, softsign,
log_sigmoid, atan2, xlogy, xdivy, multiply_no_nan, reciprocal_no_nan, truncatediv/mod, reduce_logsumexp,
reduce_std/variance, count_nonzero, cumprod, bincount, confusion_matrix, zero_fraction, polyval and
scalar_mul: values (edge values included), gradients and errors into ``math_extra.npz``, and the op types each
TensorFlow 1 function writes into ``math_extra_graphs.json``.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_math_extra.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

The cases are record.py's ``Case``/``Err``; a case's ``build`` takes a TensorFlow-1 namespace
(``tensorflow.compat.v1`` here, ``tagraph.compat.v1`` in the tests). Importing this file needs only numpy.
"""
import importlib.util
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_record():
    spec = importlib.util.spec_from_file_location("tf_ops_record", os.path.join(HERE, "record.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
Case, Err, rand, i32, i64 = RECORD.Case, RECORD.Err, RECORD.rand, RECORD.i32, RECORD.i64
INF, NAN = np.inf, np.nan
FLOATS = (np.float32, np.float64)


def _f(name):
    """``tf.<name>`` or ``tf.math.<name>``: the TensorFlow 1 function of that name."""
    def build(tf, *xs):
        fn = getattr(tf, name, None) or getattr(tf.math, name)
        return fn(*xs)
    return build


# name -> (smooth values, taken for gradients; edge values: domain ends, poles, 0, inf, NaN)
UNARY_INPUTS = {
    "acos": ([-0.9, -0.3, 0.0, 0.4, 0.95], [-1.0, 1.0, 1.5, -2.0, INF, NAN]),
    "asin": ([-0.9, -0.3, 0.0, 0.4, 0.95], [-1.0, 1.0, 1.5, -2.0, INF, NAN]),
    "atan": ([-5.0, -0.3, 0.0, 0.4, 20.0], [-INF, INF, NAN, 1e30]),
    "sinh": ([-3.0, -0.3, 0.0, 0.4, 2.0], [-INF, INF, NAN, 1000.0]),
    "cosh": ([-3.0, -0.3, 0.0, 0.4, 2.0], [-INF, INF, NAN, -1000.0]),
    "tan": ([-1.2, -0.3, 0.0, 0.4, 1.3], [-INF, INF, NAN, 1e10]),
    "asinh": ([-3.0, -0.3, 0.0, 0.4, 20.0], [-INF, INF, NAN, 1e30]),
    "acosh": ([1.1, 1.5, 2.0, 7.0, 30.0], [1.0, 0.5, 0.0, -1.0, INF, NAN]),
    "atanh": ([-0.9, -0.3, 0.0, 0.4, 0.95], [-1.0, 1.0, 1.5, -2.0, NAN]),
    "expm1": ([-3.0, -1e-6, 0.0, 1e-7, 2.0], [-INF, INF, NAN, 1000.0, -1000.0]),
    "rint": ([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.7, -3.2], [-INF, INF, NAN, 1e20, -0.0]),
    "erfc": ([-2.0, -0.3, 0.0, 0.4, 3.0], [-INF, INF, NAN, 10.0, 30.0, -10.0]),
    "lgamma": ([-2.5, -0.5, 0.3, 1.5, 4.0, 12.5], [0.0, -1.0, -2.0, 1.0, 2.0, INF, -INF, NAN, 1e-30, 1e30]),
    "digamma": ([-2.5, -0.5, 0.3, 1.5, 4.0, 12.5], [0.0, -1.0, -2.0, 1.0, INF, -INF, NAN, 1e-10, 1e15]),
    "softsign": ([-3.0, -0.3, 0.0, 0.4, 20.0], [-INF, INF, NAN, 1e30]),
    "log_sigmoid": ([-30.0, -0.3, 0.0, 0.4, 20.0], [-INF, INF, NAN, -1000.0, 1000.0]),
}
_NO_GRADIENT = {"rint"}


def _unary_cases():
    cases = []
    for name, (smooth, edge) in UNARY_INPUTS.items():
        for dt in FLOATS:
            tag = "%s_%s" % (name, np.dtype(dt).name)
            grad = () if name in _NO_GRADIENT else (0,)
            cases.append(Case(tag, _f(name), [np.asarray(smooth, dt).reshape(-1)], grad=grad))
            cases.append(Case(tag + "_edge", _f(name), [np.asarray(edge, dt)]))
    return cases


def _wide(seed):
    """Points over [-50, 50], tiny to huge positive ones and tiny to large negative ones."""
    r = np.random.default_rng(seed)
    return np.concatenate([r.uniform(-50, 50, 200), 10 ** r.uniform(-8, 12, 60), -10 ** r.uniform(-8, 3, 40)])


UNARY = _unary_cases() + [Case("%s_wide_float64" % name, _f(name), [_wide(20 + k)])
                          for k, name in enumerate(("digamma", "lgamma", "erfc"))]
UNARY_NAMES = sorted(UNARY_INPUTS)


def _polygamma(tf, a, x):
    return tf.math.polygamma(a, x)


BINARY = []
for _dt in FLOATS:
    _n = np.dtype(_dt).name
    BINARY += [
        Case("atan2_" + _n, _f("atan2"), [rand((2, 3), _dt, seed=1), rand((3,), _dt, seed=2)], grad=(0, 1)),
        Case("atan2_edge_" + _n, _f("atan2"),
             [np.asarray([0.0, -0.0, 0.0, 1.0, -1.0, INF, -INF, NAN, 0.0], _dt),
              np.asarray([0.0, 0.0, -0.0, 0.0, 0.0, INF, 1.0, 1.0, NAN], _dt)]),
        Case("xlogy_" + _n, _f("xlogy"), [np.asarray([[0.0, 1.5, -2.0], [3.0, 0.0, 0.5]], _dt),
                                         rand((2, 1), _dt, seed=3, low=0.5, high=3.0)], grad=(0, 1)),
        Case("xlogy_edge_" + _n, _f("xlogy"), [np.asarray([0.0, 0.0, 0.0, 1.0, 2.0, 0.0, NAN, -1.0], _dt),
                                              np.asarray([0.0, NAN, -1.0, 0.0, INF, INF, 1.0, 0.0], _dt)]),
        Case("xdivy_" + _n, _f("xdivy"), [np.asarray([[0.0, 1.5, -2.0], [3.0, 0.0, 0.5]], _dt),
                                         rand((3,), _dt, seed=4, low=0.5, high=3.0)], grad=(0, 1)),
        Case("xdivy_edge_" + _n, _f("xdivy"), [np.asarray([0.0, 0.0, 0.0, 1.0, NAN, -1.0, INF], _dt),
                                              np.asarray([0.0, NAN, -1.0, 0.0, 0.0, -0.0, INF], _dt)]),
        Case("multiply_no_nan_" + _n, _f("multiply_no_nan"),
             [rand((2, 3), _dt, seed=5), np.asarray([0.0, 2.0, -1.5], _dt)], grad=(0, 1)),
        Case("multiply_no_nan_edge_" + _n, _f("multiply_no_nan"),
             [np.asarray([INF, NAN, 1.0, 2.0, -INF, 0.0], _dt), np.asarray([0.0, 0.0, NAN, INF, -0.0, INF], _dt)]),
        Case("reciprocal_no_nan_" + _n, _f("reciprocal_no_nan"), [np.asarray([0.0, 2.0, -0.5, INF, NAN], _dt)]),
        Case("truncatediv_" + _n, _f("truncatediv"),
             [np.asarray([7.5, -7.5, 7.5, -7.5, 1.0, -1.0, 0.0], _dt),
              np.asarray([2.0, 2.0, -2.0, -2.0, 0.0, 0.0, 0.0], _dt)]),
        Case("truncatemod_" + _n, _f("truncatemod"),
             [np.asarray([7.5, -7.5, 7.5, -7.5, 1.0, INF], _dt), np.asarray([2.0, 2.0, -2.0, -2.0, 0.0, 2.0], _dt)]),
        Case("polygamma_" + _n, _polygamma,
             [np.asarray([[0.0], [1.0], [2.0], [3.0], [1.5], [-1.0]], _dt),
              np.asarray([-2.5, -1.0, 0.0, 0.3, 1.0, 4.5, 30.0, INF, NAN], _dt)]),
        Case("polygamma_grad_" + _n, _polygamma, [np.asarray([1.0, 2.0, 0.0], _dt),
                                                  np.asarray([0.7, 2.5, 6.0], _dt)], grad=(1,)),
    ]
BINARY.append(Case("polygamma_wide_float64", _polygamma, [np.asarray([[1.0], [2.0], [4.0]]), _wide(30)]))
for _dt in (np.int32, np.int64, np.uint8):
    _n = np.dtype(_dt).name
    _x = np.asarray([7, 7, 0, 9, 200, 13], _dt) if _dt == np.uint8 else np.asarray([7, -7, 7, -7, 0, 9], _dt)
    _y = np.asarray([2, 3, 5, 4, 7, 13], _dt) if _dt == np.uint8 else np.asarray([2, 2, -2, -2, 5, 13], _dt)
    BINARY.append(Case("truncatediv_" + _n, _f("truncatediv"), [_x, _y]))
    if _dt != np.uint8:
        BINARY.append(Case("truncatemod_" + _n, _f("truncatemod"), [_x, _y]))

BINARY_ERRORS = [
    Err("truncatediv_int_by_zero", _f("truncatediv"), [i32([7, -7]), i32([2, 0])]),
    Err("truncatemod_int_by_zero", _f("truncatemod"), [i64([7, -7]), i64([0, 2])]),
    Err("multiply_no_nan_dtypes", _f("multiply_no_nan"), [np.float32([1.0]), np.float64([1.0])], static=True),
]


def _bincount_v2(tf):
    """TensorFlow 2's ``tf.math.bincount`` (with ``axis``), which tagraph's ``tf.math.bincount`` also is."""
    if tf.__name__.startswith("tensorflow"):
        import tensorflow  # noqa: only the recording needs TensorFlow
        return tensorflow.math.bincount
    return tf.math.bincount


def _lse(**kw):
    return lambda tf, x: tf.reduce_logsumexp(x, **kw)


REDUCE = []
_LSE_EDGE = np.asarray([[-INF, -INF, -INF], [INF, 1.0, 2.0], [1000.0, 1000.0, -1000.0], [NAN, 1.0, 0.0]])
for _dt in FLOATS:
    _n = np.dtype(_dt).name
    REDUCE += [
        Case("logsumexp_axis1_" + _n, _lse(axis=1), [rand((3, 4), _dt, seed=6)], grad=(0,)),
        Case("logsumexp_keepdims_" + _n, _lse(axis=0, keepdims=True), [rand((3, 4), _dt, seed=7)], grad=(0,)),
        Case("logsumexp_all_" + _n, _lse(), [rand((2, 3, 2), _dt, seed=8)], grad=(0,)),
        Case("logsumexp_edge_" + _n, _lse(axis=1), [_LSE_EDGE.astype(_dt)]),
        Case("reduce_std_" + _n, lambda tf, x: tf.math.reduce_std(x, axis=0), [rand((4, 3), _dt, seed=9)],
             grad=(0,)),
        Case("reduce_std_all_keep_" + _n, lambda tf, x: tf.math.reduce_std(x, keepdims=True),
             [rand((4, 3), _dt, seed=10)], grad=(0,)),
        Case("reduce_variance_" + _n, lambda tf, x: tf.math.reduce_variance(x, axis=[0, 2]),
             [rand((2, 3, 2), _dt, seed=11)], grad=(0,)),
        Case("count_nonzero_" + _n, lambda tf, x: tf.count_nonzero(x, axis=1),
             [np.asarray([[0.0, 1.0, NAN], [-0.0, 0.0, INF]], _dt)]),
        Case("cumprod_" + _n, lambda tf, x: tf.cumprod(x, axis=1), [rand((2, 4), _dt, seed=12)], grad=(0,)),
        Case("cumprod_exclusive_reverse_" + _n, lambda tf, x: tf.cumprod(x, axis=0, exclusive=True, reverse=True),
             [rand((3, 2), _dt, seed=13)], grad=(0,)),
        Case("cumprod_exclusive_" + _n, lambda tf, x: tf.math.cumprod(x, axis=-1, exclusive=True),
             [rand((2, 3), _dt, seed=14)], grad=(0,)),
        Case("zero_fraction_" + _n, lambda tf, x: tf.math.zero_fraction(x),
             [np.asarray([[0.0, 1.0, 0.0], [NAN, -0.0, 2.0]], _dt)]),
        Case("polyval_" + _n, lambda tf, x, _d=_dt: tf.math.polyval([_d(1.5), _d(-2.0), _d(0.5)], x),
             [rand((2, 3), _dt, seed=15)], grad=(0,)),
        Case("scalar_mul_" + _n, lambda tf, x: tf.scalar_mul(-2.5, x), [rand((2, 3), _dt, seed=16)], grad=(0,)),
    ]
REDUCE += [
    Case("count_nonzero_int32_all", lambda tf, x: tf.count_nonzero(x), [i32([[0, 3, -1], [0, 0, 7]])]),
    Case("count_nonzero_int64_keep", lambda tf, x: tf.count_nonzero(x, axis=0, keepdims=True, dtype=tf.int32),
         [i64([[0, 3, -1], [0, 0, 7]])]),
    Case("count_nonzero_bool", lambda tf, x: tf.count_nonzero(x, axis=1), [np.array([[True, False, True]])]),
    Case("cumprod_int32", lambda tf, x: tf.cumprod(x, axis=0, reverse=True), [i32([[1, 2], [3, -4], [5, 6]])]),
    Case("zero_fraction_int32", lambda tf, x: tf.nn.zero_fraction(x), [i32([0, 1, 0, 0, 5])]),
    Case("bincount", lambda tf, x: tf.bincount(x), [i32([1, 1, 3, 0, 7, 3, 3])]),
    Case("bincount_2d", lambda tf, x: tf.bincount(x), [i32([[1, 4], [4, 4]])]),
    Case("bincount_empty", lambda tf, x: tf.bincount(x), [np.zeros([0], np.int32)]),
    Case("bincount_min_max", lambda tf, x: tf.bincount(x, minlength=9, maxlength=5), [i32([1, 6, 3, 3, 4])]),
    Case("bincount_minlength", lambda tf, x: tf.math.bincount(x, minlength=6), [i32([1, 2])]),
    Case("bincount_weights_f32", lambda tf, x, w: tf.bincount(x, weights=w), [i32([2, 0, 2, 5]),
                                                                             np.float32([0.5, 1.0, 2.0, -3.0])]),
    Case("bincount_weights_f64", lambda tf, x, w: tf.bincount(x, weights=w, minlength=7),
         [i32([[2, 0], [2, 5]]), np.float64([[0.5, 1.0], [2.0, -3.0]])]),
    Case("bincount_dtype", lambda tf, x: tf.bincount(x, dtype=tf.float64), [i32([3, 3, 1])]),
    Case("bincount_int64", lambda tf, x: tf.math.bincount(x, minlength=2), [i64([4, 0, 4, 2])]),
    Case("bincount_weights_int64", lambda tf, x, w: tf.bincount(x, weights=w), [i64([1, 3, 1]), i64([5, -2, 7])]),
    Case("bincount_axis_last", lambda tf, x: _bincount_v2(tf)(x, axis=-1, minlength=3), [i32([[1, 1, 4], [0, 2, 2]])]),
    Case("confusion_matrix", lambda tf, a, b: tf.confusion_matrix(a, b), [i32([1, 2, 4, 2]), i32([2, 2, 4, 0])]),
    Case("confusion_matrix_n_weights", lambda tf, a, b, w: tf.math.confusion_matrix(a, b, num_classes=5, weights=w,
                                                                                       dtype=tf.float32),
         [i64([1, 2, 4, 2]), i64([2, 2, 4, 0]), np.float32([0.5, 1.0, 2.0, 3.0])]),
    Case("confusion_matrix_squeeze", lambda tf, a, b: tf.confusion_matrix(a, b, num_classes=3),
         [i32([[1], [2], [0]]), i32([2, 2, 0])]),
]


def _variance_of_ints(tf, x):
    return tf.math.reduce_variance(x)


REDUCE_ERRORS = [
    Err("bincount_negative", lambda tf, x: tf.bincount(x), [i32([1, -1, 2])]),
    Err("bincount_maxlength_negative", lambda tf, x: tf.bincount(x, maxlength=-1), [i32([1, 2])]),
    Err("bincount_weights_shape", lambda tf, x, w: tf.bincount(x, weights=w), [i32([1, 2, 3]), np.float32([1, 2])]),
    Err("confusion_matrix_negative_labels", lambda tf, a, b: tf.confusion_matrix(a, b), [i32([1, -2]), i32([0, 1])]),
    Err("confusion_matrix_negative_predictions", lambda tf, a, b: tf.confusion_matrix(a, b),
        [i32([1, 2]), i32([0, -1])]),
    Err("confusion_matrix_labels_out_of_bound", lambda tf, a, b: tf.confusion_matrix(a, b, num_classes=3),
        [i32([1, 3]), i32([0, 1])]),
    Err("confusion_matrix_predictions_out_of_bound", lambda tf, a, b: tf.confusion_matrix(a, b, num_classes=3),
        [i32([1, 2]), i32([0, 4])]),
    Err("reduce_variance_int", _variance_of_ints, [i32([1, 2])], static=True),
    Err("polyval_not_list", lambda tf, x: tf.math.polyval((1.0, 2.0), x), [np.float32([1.0])], static=True),
]


# The op types each TensorFlow 1 function writes, compared in the tests with the ones tagraph writes (both
# with version 1 control flow: Switch and Merge for conds).
def _graph_builds():
    return {
        "reduce_logsumexp": lambda tf, x, i: tf.reduce_logsumexp(x, axis=1),
        "reduce_logsumexp_keepdims": lambda tf, x, i: tf.reduce_logsumexp(x, axis=1, keepdims=True),
        "reduce_logsumexp_all": lambda tf, x, i: tf.reduce_logsumexp(x),
        "reduce_std": lambda tf, x, i: tf.math.reduce_std(x, axis=0),
        "reduce_variance": lambda tf, x, i: tf.math.reduce_variance(x),
        "count_nonzero": lambda tf, x, i: tf.count_nonzero(x, axis=1),
        "count_nonzero_int32": lambda tf, x, i: tf.count_nonzero(i, dtype=tf.int32),
        "cumprod": lambda tf, x, i: tf.cumprod(x, axis=1, exclusive=True),
        "log_sigmoid": lambda tf, x, i: tf.log_sigmoid(x),
        "softsign": lambda tf, x, i: tf.nn.softsign(x),
        "math_softsign": lambda tf, x, i: tf.math.softsign(x),
        "xlogy": lambda tf, x, i: tf.math.xlogy(x, x),
        "xdivy": lambda tf, x, i: tf.math.xdivy(x, x),
        "multiply_no_nan": lambda tf, x, i: tf.math.multiply_no_nan(x, x),
        "reciprocal_no_nan": lambda tf, x, i: tf.math.reciprocal_no_nan(x),
        "truncatediv": lambda tf, x, i: tf.truncatediv(i, i),
        "truncatemod": lambda tf, x, i: tf.truncatemod(i, i),
        "scalar_mul": lambda tf, x, i: tf.scalar_mul(2.0, x),
        "polyval": lambda tf, x, i: tf.math.polyval([1.0, 2.0, 3.0], x),
        "bincount": lambda tf, x, i: tf.bincount(i),
        "bincount_weights": lambda tf, x, i: tf.bincount(i, weights=tf.cast(i, tf.float32), minlength=3,
                                                         maxlength=10),
        "confusion_matrix": lambda tf, x, i: tf.confusion_matrix(i, i),
        "confusion_matrix_num_classes": lambda tf, x, i: tf.math.confusion_matrix(i, i, num_classes=4,
                                                                                  weights=tf.cast(i, tf.float32)),
        "zero_fraction": lambda tf, x, i: tf.math.zero_fraction(x),
        "nn_zero_fraction": lambda tf, x, i: tf.nn.zero_fraction(i),
        "atan2": lambda tf, x, i: tf.atan2(x, x),
        "rint": lambda tf, x, i: tf.rint(x),
        "lgamma": lambda tf, x, i: tf.lgamma(x),
        "digamma": lambda tf, x, i: tf.digamma(x),
        "erfc": lambda tf, x, i: tf.erfc(x),
        "acosh": lambda tf, x, i: tf.acosh(x),
        "expm1": lambda tf, x, i: tf.expm1(x),
    }


GRAPH_BUILDS = _graph_builds()


def op_types(tf, build):
    """(op type, name) of each op ``build`` adds to a graph of placeholders x (float32 [2, 3]) and i (int32 [5])."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [2, 3], name="x")
        i = tf.placeholder(tf.int32, [5], name="i")
        build(tf, x, i)
    return [[op.type, op.name] for op in g.get_operations() if op.name not in ("x", "i")]


def main(tf):
    RECORD.FAMILIES["math_extra"] = (UNARY + BINARY + REDUCE, BINARY_ERRORS + REDUCE_ERRORS)
    RECORD.record(tf, "math_extra")
    tf.disable_control_flow_v2()
    graphs = {name: op_types(tf, build) for name, build in GRAPH_BUILDS.items()}
    path = os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), "math_extra_graphs.json")
    with open(path, "w") as f:
        json.dump(graphs, f, indent=0, sort_keys=True)
    print("wrote %s (%d graphs)" % (path, len(graphs)))


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    main(tf)
