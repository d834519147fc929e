"""Records what real TensorFlow computes for TensorFlow 1's regularized optimizers (Ftrl, Adadelta,
ProximalAdagrad, ProximalGradientDescent, AdagradDA): tests/engine/train/test_regularized_optimizers.py and
tests/engine/ops/test_regularized_training_ops.py replay it.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_optimizers.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

The cases are defined here, once, and the tests import this file to build the same graphs in tagraph: a
case's builder takes a TensorFlow-1 namespace (``tensorflow.compat.v1`` here, ``tagraph.engine`` in the
tests). Writes ``optimizers.npz``:

- ``opt:<case>:<dense|sparse>:<ref|resource>:step<k>:<var>`` and ``...:<var>/<slot>``: a matrix ``w`` and a
  vector ``b`` and every slot of each after each of STEPS ``minimize`` steps (with the global step), from the
  same initial values; the loss is ``sum(w * gw) + sum(b * gb)`` (dense gradients) or the same of
  ``gather``-ed rows (IndexedSlices with repeated rows); ``...:ops`` the update op types TensorFlow built and
  ``...:keys`` / ``...:slices`` its Saver's checkpoint keys and slice specs;
- ``kernel:<case>:<ref|resource>:<k>``: the variable and slots after one Apply* op (KERNELS);
- ``error:<case>``: the error class and message TensorFlow gives for each bad input (ERRORS);
- ``part:<case>:keys`` / ``:slices`` / ``:value:<key>/<slice>``: TensorFlow's checkpoint of partitioned
  variables trained by an optimizer (PARTITIONED): every key with its slice spec and value.

Run under TensorFlow 2.21 in graph mode; importing this file needs only numpy.
"""
import os
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 5


def _f32(shape, seed, low=-1.0, high=1.0):
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(np.float32)


# --- optimizers: STEPS minimize steps of a matrix and a vector ------------------------------------------------

W0, B0 = _f32([6, 3], 1), _f32([5], 2)
DENSE_GW = [_f32([6, 3], 10 + k) for k in range(STEPS)]
DENSE_GB = [_f32([5], 20 + k) for k in range(STEPS)]
W_ROWS = [np.array(r, np.int32) for r in ([1, 4, 1, 5], [0, 4, 2, 2], [3, 3, 3, 1], [5, 0, 1, 4], [4, 4, 0, 2])]
B_ROWS = [np.array(r, np.int32) for r in ([0, 3, 3], [1, 4, 2], [2, 2, 0], [4, 1, 4], [3, 0, 1])]
SPARSE_GW = [_f32([4, 3], 30 + k) for k in range(STEPS)]
SPARSE_GB = [_f32([3], 40 + k) for k in range(STEPS)]

# name -> (make(tf, global_step), slot names)
OPTIMIZERS = {
    "ftrl": (lambda tf, s: tf.train.FtrlOptimizer(0.3, l1_regularization_strength=0.2,
                                                  l2_regularization_strength=0.1), ["accum", "linear"]),
    "ftrl_power_names": (lambda tf, s: tf.train.FtrlOptimizer(0.2, learning_rate_power=-0.7,
                                                              initial_accumulator_value=0.5, accum_name="FtrlAcc",
                                                              linear_name="FtrlLin"), ["accum", "linear"]),
    "ftrl_shrinkage": (lambda tf, s: tf.train.FtrlOptimizer(0.3, l1_regularization_strength=0.05,
                                                            l2_regularization_strength=0.1,
                                                            l2_shrinkage_regularization_strength=0.2),
                       ["accum", "linear"]),
    "ftrl_shrinkage_power_beta": (lambda tf, s: tf.train.FtrlOptimizer(
        0.1, learning_rate_power=-0.6, l2_regularization_strength=0.01, l2_shrinkage_regularization_strength=0.1,
        beta=0.5), ["accum", "linear"]),
    "adadelta": (lambda tf, s: tf.train.AdadeltaOptimizer(1.0, rho=0.9, epsilon=1e-6), ["accum", "accum_update"]),
    "adadelta_defaults": (lambda tf, s: tf.train.AdadeltaOptimizer(), ["accum", "accum_update"]),
    "proximal_adagrad": (lambda tf, s: tf.train.ProximalAdagradOptimizer(
        0.3, initial_accumulator_value=0.2, l1_regularization_strength=0.05, l2_regularization_strength=0.1),
        ["accumulator"]),
    "proximal_adagrad_plain": (lambda tf, s: tf.train.ProximalAdagradOptimizer(0.3), ["accumulator"]),
    "proximal_gd": (lambda tf, s: tf.train.ProximalGradientDescentOptimizer(
        0.2, l1_regularization_strength=0.05, l2_regularization_strength=0.1), []),
    "proximal_gd_l2": (lambda tf, s: tf.train.ProximalGradientDescentOptimizer(0.2, l2_regularization_strength=0.1),
                       []),
    "adagrad_da": (lambda tf, s: tf.train.AdagradDAOptimizer(
        0.3, s, initial_gradient_squared_accumulator_value=0.2, l1_regularization_strength=0.05,
        l2_regularization_strength=0.1), ["gradient_accumulator", "gradient_squared_accumulator"]),
    "adagrad_da_plain": (lambda tf, s: tf.train.AdagradDAOptimizer(0.3, s),
                         ["gradient_accumulator", "gradient_squared_accumulator"]),
}


def optimizer_graph(tf, name, sparse, use_resource):
    """The variables {"w", "b"}, the optimizer, the feeds of one step and the training op."""
    make, _ = OPTIMIZERS[name]
    step = tf.train.get_or_create_global_step()
    w = tf.Variable(W0, name="w", use_resource=use_resource)
    b = tf.Variable(B0, name="b", use_resource=use_resource)
    gw = tf.placeholder(tf.float32, [None, 3] if sparse else [6, 3], name="gw")
    gb = tf.placeholder(tf.float32, [None] if sparse else [5], name="gb")
    feeds = {"gw": gw, "gb": gb}
    if sparse:
        feeds["iw"] = iw = tf.placeholder(tf.int32, [None], name="iw")
        feeds["ib"] = ib = tf.placeholder(tf.int32, [None], name="ib")
        loss = tf.reduce_sum(tf.gather(w, iw) * gw) + tf.reduce_sum(tf.gather(b, ib) * gb)
    else:
        loss = tf.reduce_sum(w * gw) + tf.reduce_sum(b * gb)
    opt = make(tf, step)
    train = opt.minimize(loss, global_step=step)
    return {"w": w, "b": b}, opt, feeds, train


def step_feed(feeds, sparse, k):
    """The values fed at step ``k`` (by placeholder)."""
    if sparse:
        return {feeds["gw"]: SPARSE_GW[k], feeds["gb"]: SPARSE_GB[k], feeds["iw"]: W_ROWS[k], feeds["ib"]: B_ROWS[k]}
    return {feeds["gw"]: DENSE_GW[k], feeds["gb"]: DENSE_GB[k]}


def update_op_types(graph):
    """The op types that update variables (Apply*, scatters, assigns of slots), sorted."""
    return sorted({op.type for op in graph.get_operations() if "Apply" in op.type or "Scatter" in op.type})


# --- kernels: one op on a variable and its slots -------------------------------------------------------------

_KV2, _KV1 = _f32([5, 2], 50), _f32([5], 51)
_KSLOTS2 = [np.abs(_f32([5, 2], 52 + k)) + 0.2 for k in range(2)]
_KSLOTS1 = [np.abs(_f32([5], 55 + k)) + 0.2 for k in range(2)]
_KG2, _KG1 = _f32([5, 2], 58), _f32([5], 59)
_KIDX = np.array([3, 0, 3, 4], np.int64)
_KIDX32 = np.array([1, 1, 4], np.int32)
_KSG2, _KSG1 = _f32([4, 2], 60), _f32([3], 61)
_S = np.float32


def _ftrl_args(v2, **over):
    a = dict(lr=_S(0.3), l1=_S(0.1), l2=_S(0.2), lr_power=_S(-0.5))
    if v2:
        a["l2_shrinkage"] = _S(0.25)
    a.update(over)
    return a


# name -> (op type, rank of the variable (1 or 2), slots, named scalar arguments, attrs). A sparse op gets
# the gradient rows and indices of its rank (repeated rows: TensorFlow updates them one after the other).
KERNELS = {
    "ftrl": ("ApplyFtrl", 2, 2, _ftrl_args(False), {}),
    "ftrl_power": ("ApplyFtrl", 2, 2, _ftrl_args(False, lr_power=_S(-0.3), l1=_S(0.0)), {}),
    "ftrl_multiply_linear_by_lr": ("ApplyFtrl", 2, 2, _ftrl_args(False),
                                   {"multiply_linear_by_lr": True}),
    "ftrl_multiply_power": ("ApplyFtrl", 1, 2, _ftrl_args(False, lr_power=_S(-0.7)),
                            {"multiply_linear_by_lr": True}),
    "ftrl_v2": ("ApplyFtrlV2", 2, 2, _ftrl_args(True), {}),
    "ftrl_v2_power": ("ApplyFtrlV2", 1, 2, _ftrl_args(True, lr_power=_S(-0.4)), {}),
    "ftrl_v2_multiply_linear_by_lr": ("ApplyFtrlV2", 2, 2, _ftrl_args(True),
                                      {"multiply_linear_by_lr": True}),
    "sparse_ftrl": ("SparseApplyFtrl", 2, 2, _ftrl_args(False), {}),
    "sparse_ftrl_flat": ("SparseApplyFtrl", 1, 2, _ftrl_args(False), {}),
    "sparse_ftrl_power": ("SparseApplyFtrl", 2, 2, _ftrl_args(False, lr_power=_S(-0.8)), {}),
    "sparse_ftrl_multiply": ("SparseApplyFtrl", 2, 2, _ftrl_args(False),
                             {"multiply_linear_by_lr": True}),
    "sparse_ftrl_flat_multiply_power": ("SparseApplyFtrl", 1, 2, _ftrl_args(False, lr_power=_S(-0.6)),
                                        {"multiply_linear_by_lr": True}),
    "sparse_ftrl_v2": ("SparseApplyFtrlV2", 2, 2, _ftrl_args(True), {}),
    "sparse_ftrl_v2_flat": ("SparseApplyFtrlV2", 1, 2, _ftrl_args(True), {}),
    "sparse_ftrl_v2_multiply": ("SparseApplyFtrlV2", 2, 2, _ftrl_args(True),
                                {"multiply_linear_by_lr": True}),
    "adadelta": ("ApplyAdadelta", 2, 2, dict(lr=_S(0.7), rho=_S(0.9), epsilon=_S(1e-3)), {}),
    "sparse_adadelta": ("SparseApplyAdadelta", 2, 2, dict(lr=_S(0.7), rho=_S(0.9), epsilon=_S(1e-3)), {}),
    "sparse_adadelta_flat": ("SparseApplyAdadelta", 1, 2, dict(lr=_S(0.7), rho=_S(0.8), epsilon=_S(1e-2)), {}),
    "proximal_adagrad": ("ApplyProximalAdagrad", 2, 1, dict(lr=_S(0.4), l1=_S(0.3), l2=_S(0.2)), {}),
    "proximal_adagrad_no_l1": ("ApplyProximalAdagrad", 1, 1, dict(lr=_S(0.4), l1=_S(0.0), l2=_S(0.2)), {}),
    "sparse_proximal_adagrad": ("SparseApplyProximalAdagrad", 2, 1, dict(lr=_S(0.4), l1=_S(0.3), l2=_S(0.2)), {}),
    "sparse_proximal_adagrad_flat": ("SparseApplyProximalAdagrad", 1, 1, dict(lr=_S(0.4), l1=_S(0.3), l2=_S(0.2)),
                                     {}),
    "sparse_proximal_adagrad_flat_no_l1": ("SparseApplyProximalAdagrad", 1, 1,
                                           dict(lr=_S(0.4), l1=_S(0.0), l2=_S(0.2)), {}),
    "proximal_gd": ("ApplyProximalGradientDescent", 2, 0, dict(alpha=_S(0.5), l1=_S(0.3), l2=_S(0.2)), {}),
    "proximal_gd_no_l1": ("ApplyProximalGradientDescent", 1, 0, dict(alpha=_S(0.5), l1=_S(0.0), l2=_S(0.2)), {}),
    "sparse_proximal_gd": ("SparseApplyProximalGradientDescent", 2, 0, dict(alpha=_S(0.5), l1=_S(0.3), l2=_S(0.2)),
                           {}),
    "sparse_proximal_gd_flat": ("SparseApplyProximalGradientDescent", 1, 0,
                                dict(alpha=_S(0.5), l1=_S(0.3), l2=_S(0.2)), {}),
    "adagrad_da": ("ApplyAdagradDA", 2, 2, dict(lr=_S(0.4), l1=_S(0.1), l2=_S(0.2), global_step=np.int64(3)), {}),
    "adagrad_da_no_l1": ("ApplyAdagradDA", 1, 2, dict(lr=_S(0.4), l1=_S(0.0), l2=_S(0.2), global_step=np.int64(7)),
                         {}),
    "sparse_adagrad_da": ("SparseApplyAdagradDA", 2, 2,
                          dict(lr=_S(0.4), l1=_S(0.1), l2=_S(0.2), global_step=np.int64(3)), {}),
    "sparse_adagrad_da_no_l1": ("SparseApplyAdagradDA", 2, 2,
                                dict(lr=_S(0.4), l1=_S(0.0), l2=_S(0.2), global_step=np.int64(2)), {}),
    "sparse_adagrad_da_flat": ("SparseApplyAdagradDA", 1, 2,
                               dict(lr=_S(0.4), l1=_S(0.1), l2=_S(0.2), global_step=np.int64(3)), {}),
    "sparse_adagrad_da_flat_no_l1": ("SparseApplyAdagradDA", 1, 2,
                                     dict(lr=_S(0.4), l1=_S(0.0), l2=_S(0.2), global_step=np.int64(5)), {}),
}
# The same in float64 (every op has float and double kernels): the case's name with "_f64" added.
F64 = ["ftrl_power", "ftrl_v2_power", "sparse_ftrl_v2", "sparse_ftrl_flat", "adadelta", "sparse_adadelta_flat",
       "proximal_adagrad", "sparse_proximal_adagrad_flat", "proximal_gd", "sparse_proximal_gd", "adagrad_da",
       "sparse_adagrad_da", "sparse_adagrad_da_flat"]
KERNELS.update({n + "_f64": KERNELS[n] for n in F64})


def _dtype(name):
    return np.float64 if name.endswith("_f64") else np.float32


def kernel_values(name):
    """The initial values of KERNELS[name]'s variable and slots."""
    _, rank, nslots, _, _ = KERNELS[name]
    values = [_KV2 if rank == 2 else _KV1] + (_KSLOTS2 if rank == 2 else _KSLOTS1)[:nslots]
    return [v.astype(_dtype(name)) for v in values]


def kernel_inputs(name, tf, variables, use_resource, input_names):
    """(op type, inputs in the op's order, attrs) of KERNELS[name] on ``variables`` (var first); ``input_names``
    is the op's OpDef input names (``op_def.input_arg``)."""
    op, rank, nslots, scalars, attrs = KERNELS[name]
    sparse = op.startswith("Sparse")
    dtype = _dtype(name)
    named = {k: tf.constant(v if k == "global_step" else v.astype(dtype)) for k, v in scalars.items()}
    grad = (_KSG2 if rank == 2 else _KSG1) if sparse else (_KG2 if rank == 2 else _KG1)
    named["grad"] = named["delta"] = tf.constant(grad.astype(dtype))
    if sparse:
        named["indices"] = tf.constant(_KIDX if rank == 2 else _KIDX32)
    handles = [v.handle if use_resource else v._ref() for v in variables]
    return ("Resource" if use_resource else "") + op, handles + [named[n] for n in input_names[1 + nslots:]], attrs


# --- bad inputs: name -> (op type, var shape, slot shapes, {input: value}, attrs, use_resource) ------------------
# Scalars, gradients and indices are fed through placeholder_with_default(value, None): the kernel checks them.

def _f(*s):
    return np.ones(s, np.float32)


_SC = dict(lr=_S(0.1), l1=_S(0.1), l2=_S(0.1), lr_power=_S(-0.5), l2_shrinkage=_S(0.1), rho=_S(0.9),
           epsilon=_S(1e-6), alpha=_S(0.1), global_step=np.int64(1))


def _e(op, var, slots, resource=False, attrs=None, **over):
    values = dict(_SC, **over)
    return op, var, slots, values, attrs or {}, resource


ERRORS = {
    "ftrl_grad_shape": _e("ApplyFtrl", [4, 2], [[4, 2]] * 2, grad=_f(4, 3)),
    "ftrl_lr_not_scalar": _e("ApplyFtrl", [4, 2], [[4, 2]] * 2, grad=_f(4, 2), lr=_f(2)),
    "ftrl_l1_not_scalar": _e("ApplyFtrl", [4, 2], [[4, 2]] * 2, grad=_f(4, 2), l1=_f(2)),
    "ftrl_lr_power_not_scalar": _e("ApplyFtrl", [4, 2], [[4, 2]] * 2, grad=_f(4, 2), lr_power=_f(1)),
    "ftrl_linear_shape_static": _e("ApplyFtrl", [4, 2], [[4, 2], [4, 3]], grad=_f(4, 2)),
    "resource_ftrl_accum_shape_static": _e("ApplyFtrl", [4, 2], [[4, 3], [4, 2]], True, grad=_f(4, 2)),
    "ftrl_v2_shrinkage_not_scalar": _e("ApplyFtrlV2", [4, 2], [[4, 2]] * 2, True, grad=_f(4, 2),
                                       l2_shrinkage=_f(3)),
    "sparse_ftrl_out_of_range": _e("SparseApplyFtrl", [4, 2], [[4, 2]] * 2, grad=_f(2, 2), indices=np.int32([1, 4])),
    "resource_sparse_ftrl_negative_index": _e("SparseApplyFtrl", [4, 2], [[4, 2]] * 2, True, grad=_f(2, 2),
                                              indices=np.int64([-1, 0])),
    "sparse_ftrl_flat_out_of_range": _e("SparseApplyFtrl", [4], [[4]] * 2, grad=_f(2), indices=np.int32([0, 7])),
    "sparse_ftrl_lr_negative": _e("SparseApplyFtrl", [4, 2], [[4, 2]] * 2, grad=_f(2, 2), indices=np.int32([1, 2]),
                                  lr=_S(-0.1)),
    "sparse_ftrl_lr_zero": _e("SparseApplyFtrl", [4, 2], [[4, 2]] * 2, True, grad=_f(2, 2), indices=np.int32([1, 2]),
                              lr=_S(0.0)),
    "sparse_ftrl_l1_negative": _e("SparseApplyFtrl", [4, 2], [[4, 2]] * 2, grad=_f(2, 2), indices=np.int32([1, 2]),
                                  l1=_S(-1.0)),
    "sparse_ftrl_l2_negative": _e("SparseApplyFtrl", [4, 2], [[4, 2]] * 2, grad=_f(2, 2), indices=np.int32([1, 2]),
                                  l2=_S(-1.0)),
    "sparse_ftrl_lr_power_positive": _e("SparseApplyFtrl", [4, 2], [[4, 2]] * 2, grad=_f(2, 2),
                                        indices=np.int32([1, 2]), lr_power=_S(0.5)),
    "sparse_ftrl_v2_shrinkage_negative": _e("SparseApplyFtrlV2", [4, 2], [[4, 2]] * 2, grad=_f(2, 2),
                                            indices=np.int32([1, 2]), l2_shrinkage=_S(-0.5)),
    "sparse_ftrl_grad_rows": _e("SparseApplyFtrl", [4, 2], [[4, 2]] * 2, grad=_f(3, 2), indices=np.int32([1, 2])),
    "sparse_ftrl_grad_inner": _e("SparseApplyFtrl", [4, 2], [[4, 2]] * 2, grad=_f(2, 3), indices=np.int32([1, 2])),
    "sparse_ftrl_indices_2d": _e("SparseApplyFtrl", [4, 2], [[4, 2]] * 2, grad=_f(2, 2), indices=np.int32([[1, 2]])),
    "sparse_ftrl_scalar_var": _e("SparseApplyFtrl", [], [[]] * 2, grad=_f(2), indices=np.int32([1, 2])),
    "sparse_ftrl_empty_inner": _e("SparseApplyFtrl", [4, 0], [[4, 0]] * 2, grad=_f(2, 0), indices=np.int32([1, 2])),
    "adadelta_rho_not_scalar": _e("ApplyAdadelta", [4, 2], [[4, 2]] * 2, grad=_f(4, 2), rho=_f(2)),
    "resource_adadelta_grad_shape": _e("ApplyAdadelta", [4, 2], [[4, 2]] * 2, True, grad=_f(2, 4)),
    "sparse_adadelta_out_of_range": _e("SparseApplyAdadelta", [4, 2], [[4, 2]] * 2, grad=_f(2, 2),
                                       indices=np.int32([3, 4])),
    "resource_sparse_adadelta_negative_index": _e("SparseApplyAdadelta", [4, 2], [[4, 2]] * 2, True, grad=_f(2, 2),
                                                  indices=np.int64([0, -2])),
    "sparse_adadelta_epsilon_not_scalar": _e("SparseApplyAdadelta", [4, 2], [[4, 2]] * 2, grad=_f(2, 2),
                                             indices=np.int32([1, 2]), epsilon=_f(2)),
    "proximal_adagrad_lr_negative": _e("ApplyProximalAdagrad", [4, 2], [[4, 2]], grad=_f(4, 2), lr=_S(-0.5)),
    "resource_proximal_adagrad_l1_negative": _e("ApplyProximalAdagrad", [4, 2], [[4, 2]], True, grad=_f(4, 2),
                                                l1=_S(-0.5)),
    "proximal_adagrad_l2_not_scalar": _e("ApplyProximalAdagrad", [4, 2], [[4, 2]], grad=_f(4, 2), l2=_f(2)),
    "proximal_adagrad_grad_shape": _e("ApplyProximalAdagrad", [4, 2], [[4, 2]], grad=_f(4, 1)),
    "sparse_proximal_adagrad_out_of_range": _e("SparseApplyProximalAdagrad", [4, 2], [[4, 2]], grad=_f(2, 2),
                                               indices=np.int32([0, 9])),
    "resource_sparse_proximal_adagrad_lr_zero": _e("SparseApplyProximalAdagrad", [4, 2], [[4, 2]], True,
                                                   grad=_f(2, 2), indices=np.int32([0, 1]), lr=_S(0.0)),
    "sparse_proximal_adagrad_l2_negative": _e("SparseApplyProximalAdagrad", [4], [[4]], grad=_f(2),
                                              indices=np.int32([0, 1]), l2=_S(-0.1)),
    "proximal_gd_alpha_not_scalar": _e("ApplyProximalGradientDescent", [4, 2], [], delta=_f(4, 2), alpha=_f(1, 1)),
    "resource_proximal_gd_delta_shape": _e("ApplyProximalGradientDescent", [4, 2], [], True, delta=_f(2, 4)),
    "sparse_proximal_gd_out_of_range": _e("SparseApplyProximalGradientDescent", [4, 2], [], grad=_f(2, 2),
                                          indices=np.int32([4, 0])),
    "resource_sparse_proximal_gd_l1_not_scalar": _e("SparseApplyProximalGradientDescent", [4, 2], [], True,
                                                    grad=_f(2, 2), indices=np.int32([0, 1]), l1=_f(2)),
    "adagrad_da_global_step_not_scalar": _e("ApplyAdagradDA", [4, 2], [[4, 2]] * 2, grad=_f(4, 2),
                                            global_step=np.int64([1, 2])),
    "resource_adagrad_da_grad_shape": _e("ApplyAdagradDA", [4, 2], [[4, 2]] * 2, True, grad=_f(4, 3)),
    "sparse_adagrad_da_out_of_range": _e("SparseApplyAdagradDA", [4, 2], [[4, 2]] * 2, grad=_f(2, 2),
                                         indices=np.int64([2, 5])),
    "resource_sparse_adagrad_da_lr_not_scalar": _e("SparseApplyAdagradDA", [4, 2], [[4, 2]] * 2, True,
                                                   grad=_f(2, 2), indices=np.int32([0, 1]), lr=_f(2)),
}


def error_graph(name, tf, input_names):
    """Builds ERRORS[name] (variables of ones, the other inputs fed with unknown shapes); the op to run."""
    op, var_shape, slot_shapes, values, attrs, use_resource = ERRORS[name]
    vs = [tf.Variable(np.ones(s, np.float32), use_resource=use_resource) for s in [var_shape] + slot_shapes]
    handles = [v.handle if use_resource else v._ref() for v in vs]
    rest = [tf.placeholder_with_default(np.asarray(values[n]), None) for n in input_names[len(vs):]]
    return tf.get_default_graph().create_op(("Resource" if use_resource else "") + op, handles + rest, attrs)


# --- partitioned variables: the slots' checkpoint keys and slices ---------------------------------------------

EMB0, P0 = _f32([7, 3], 70), _f32([5], 71)
PART_IDS = np.array([0, 6, 3, 3, 5], np.int32)
PART_C = _f32([5, 3], 72)
PART_D = _f32([5], 73)
PART_STEPS = 3

# name -> (make(tf, global_step), use_resource)
PARTITIONED = {
    "adagrad": (lambda tf, s: tf.train.AdagradOptimizer(0.5), True),
    "adagrad_ref": (lambda tf, s: tf.train.AdagradOptimizer(0.5), False),
    "adam": (lambda tf, s: tf.train.AdamOptimizer(0.1), True),
    "ftrl": (lambda tf, s: tf.train.FtrlOptimizer(0.3, l1_regularization_strength=0.01), False),
    "adadelta": (lambda tf, s: tf.train.AdadeltaOptimizer(1.0), True),
    "proximal_adagrad": (lambda tf, s: tf.train.ProximalAdagradOptimizer(0.2, l1_regularization_strength=0.01),
                         False),
    "adagrad_da": (lambda tf, s: tf.train.AdagradDAOptimizer(0.2, s, l2_regularization_strength=0.01), True),
}


def partitioned_graph(tf, name):
    """``emb`` [7,3] in 3 parts (looked up: sparse gradients) and ``p`` [5] in 2 parts, trained by
    PARTITIONED[name]; the training op."""
    make, use_resource = PARTITIONED[name]
    step = tf.train.get_or_create_global_step()
    with tf.variable_scope("", use_resource=use_resource):
        emb = tf.get_variable("emb", EMB0.shape, initializer=EMB0, partitioner=tf.fixed_size_partitioner(3))
        p = tf.get_variable("p", P0.shape, initializer=P0, partitioner=tf.fixed_size_partitioner(2))
    loss = (tf.reduce_sum(tf.nn.embedding_lookup(emb, PART_IDS) * PART_C) +
            tf.reduce_sum(tf.convert_to_tensor(p) * PART_D))
    return make(tf, step).minimize(loss, global_step=step)


def saver_keys(tf, sess, graph):
    """The checkpoint keys and slice specs of the Saver made last (its ``save/SaveV2`` constants)."""
    names = sess.run(graph.get_tensor_by_name("save/SaveV2/tensor_names:0"))
    slices = sess.run(graph.get_tensor_by_name("save/SaveV2/shape_and_slices:0"))
    return [n.decode() for n in names], [s.decode() for s in slices]


# --- recording (TensorFlow) -----------------------------------------------------------------------------------

def error_message(e):
    """TensorFlow's message without its node details: a kernel's own text, or a shape function's first part."""
    msg = getattr(e, "message", None) or str(e)
    lines = [ln for ln in msg.split("\n") if ln.strip() and not ln.startswith("  ")]
    lines = [ln for ln in lines if not ln.strip().startswith("[[") and not ln.startswith("Graph execution error")
             and not ln.startswith("Detected at node")]
    line = lines[-1].strip() if lines else msg
    return line.split(" for '{{node")[0]


def _record_optimizers(tf, data):
    for name, (_, slots) in OPTIMIZERS.items():
        for sparse in (False, True):
            for use_resource in (False, True):
                case = "opt:%s:%s:%s" % (name, "sparse" if sparse else "dense", "resource" if use_resource else "ref")
                with tf.Graph().as_default() as g:
                    variables, opt, feeds, train = optimizer_graph(tf, name, sparse, use_resource)
                    saver = tf.train.Saver()
                    with tf.Session() as sess:
                        sess.run(tf.global_variables_initializer())
                        for k in range(STEPS):
                            sess.run(train, step_feed(feeds, sparse, k))
                            for vname, v in variables.items():
                                data["%s:step%d:%s" % (case, k, vname)] = sess.run(v)
                                for s in slots:
                                    data["%s:step%d:%s/%s" % (case, k, vname, s)] = sess.run(opt.get_slot(v, s))
                        keys, slices = saver_keys(tf, sess, g)
                    del saver
                    data[case + ":ops"] = np.array(update_op_types(g))
                    data[case + ":keys"], data[case + ":slices"] = np.array(keys), np.array(slices)


def _record_kernels(tf, data):
    from tensorflow.python.framework import op_def_registry  # noqa: only the recording needs TensorFlow
    for name, (op, _, _, _, _) in KERNELS.items():
        for use_resource in (False, True):
            with tf.Graph().as_default():
                vs = [tf.Variable(a, use_resource=use_resource) for a in kernel_values(name)]
                op_type = ("Resource" if use_resource else "") + op
                names = [a.name for a in op_def_registry.get(op_type).input_arg]
                op_type, inputs, attrs = kernel_inputs(name, tf, vs, use_resource, names)
                apply_op = getattr(tf.raw_ops, op_type)(**dict(zip(names, inputs)), **attrs)
                with tf.Session() as sess:
                    sess.run(tf.global_variables_initializer())
                    sess.run(apply_op)
                    for k, v in enumerate(sess.run(vs)):
                        data["kernel:%s:%s:%d" % (name, "resource" if use_resource else "ref", k)] = v


def _record_errors(tf, data):
    from tensorflow.python.framework import op_def_registry  # noqa: only the recording needs TensorFlow
    for name, (op, _, _, _, _, use_resource) in ERRORS.items():
        names = [a.name for a in op_def_registry.get(("Resource" if use_resource else "") + op).input_arg]
        try:
            with tf.Graph().as_default():
                out = error_graph(name, tf, names)
                with tf.Session() as sess:
                    sess.run(tf.global_variables_initializer())
                    sess.run(out)
        except Exception as ex:  # noqa: BLE001 - the error is what is recorded
            data["error:" + name] = np.array([type(ex).__name__, error_message(ex)])
        else:
            raise SystemExit("%s: TensorFlow raised no error" % name)


def _record_partitioned(tf, data):
    for name in PARTITIONED:
        with tf.Graph().as_default() as g:
            train = partitioned_graph(tf, name)
            saver = tf.train.Saver()
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                for _ in range(PART_STEPS):
                    sess.run(train)
                keys, slices = saver_keys(tf, sess, g)
                with tempfile.TemporaryDirectory() as tmp:
                    prefix = saver.save(sess, os.path.join(tmp, "model"), write_meta_graph=False, write_state=False)
                    reader = tf.train.load_checkpoint(prefix)
                    for key in sorted(set(keys)):
                        data["part:%s:value:%s" % (name, key)] = reader.get_tensor(key)
        data["part:%s:keys" % name], data["part:%s:slices" % name] = np.array(keys), np.array(slices)


def main():
    import tensorflow.compat.v1 as tf  # noqa: only the recording needs TensorFlow
    tf.disable_eager_execution()
    out_dir = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    data = {}
    _record_optimizers(tf, data)
    _record_kernels(tf, data)
    _record_errors(tf, data)
    _record_partitioned(tf, data)
    path = os.path.join(out_dir, "optimizers.npz")
    np.savez_compressed(path, **data)
    print("wrote %s (%d arrays)" % (path, len(data)))


if __name__ == "__main__":
    main()
