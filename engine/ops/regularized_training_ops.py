"""The regularized optimizers' update ops: Ftrl, FtrlV2, Adadelta, ProximalAdagrad, ProximalGradientDescent
and AdagradDA, as Apply* (reference variables), ResourceApply* (resource variables), SparseApply* and
ResourceSparseApply* (the rows of an IndexedSlices gradient).

Each kernel computes TensorFlow's formula (training_ops.cc) in the variable's dtype and order of operations:

    Ftrl             new_accum = accum + grad^2;  sigma = new_accum^-lr_power - accum^-lr_power  (sqrt at -0.5)
                     linear += grad - sigma / lr * var
                     var = |linear| > l1 ? (l1 * sign(linear) - linear) / (new_accum^-lr_power / lr + 2 * l2) : 0
                     accum = new_accum
                     (multiply_linear_by_lr: linear holds lr times as much, l1 and l2 are scaled by lr)
    FtrlV2           as Ftrl, with grad + 2 * l2_shrinkage * var in place of grad in ``linear``
    Adadelta         accum = accum * rho + grad^2 * (1 - rho)
                     update = sqrt(accum_update + epsilon) * rsqrt(accum + epsilon) * grad;  var -= update * lr
                     accum_update = accum_update * rho + update^2 * (1 - rho)
    ProximalGD       prox = var - grad * lr;  var = sign(prox) * max(|prox| - lr * l1, 0) / (1 + l2 * lr)
    ProximalAdagrad  accum += grad^2;  then ProximalGD with lr * rsqrt(accum) for lr
    AdagradDA        g_acc += grad;  gg_acc += grad^2  (T = global_step)
                     var = -lr * sign(g_acc) * max(|g_acc| - T * l1, 0) / (l2 * T * lr + sqrt(gg_acc))

The sparse kernels update the rows named (in place when nothing else holds the buffer; see
``state_ops.writable_value``), a row named twice twice, one after the other, as TensorFlow's loop does;
where TensorFlow's loop takes scalar steps for a variable of one column (FtrlCompute, the double-precision
proximal and AdagradDA steps), so do they. The kernels serve every device kind (the array namespace).
The dense ones check the scalars' values (``lr is not a positive scalar``) on the CPU only, as TensorFlow's
CPU and GPU kernels differ there; the sparse ones, CPU-only in TensorFlow, check them everywhere.

    ResourceApplyFtrl(var, accum, linear, grad, lr, l1, l2, lr_power)
    ResourceSparseApplyProximalAdagrad(var, accum, lr, l1, l2, grad, indices)
"""
import functools

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import errors
from tagraph.engine.framework.op_builder import get_op_def, not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape
from tagraph.engine.ops.state_ops import read_resource, writable_value
from tagraph.engine.ops.training_ops import _merge_shapes, _occurrence_rounds

__all__ = []


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _dbg(shape):
    return "[%s]" % ",".join(str(int(d)) for d in shape)


# --- the update rules: (var, slots) -> their new values, on whole arrays or on the rows named ---------------
# ``a`` holds the op's other inputs by name (``grad``, ``lr``, ...: 0-d arrays of the variable's dtype) and
# ``mode`` says whose order of operations to follow: "dense" (Apply*), "rows" (SparseApply* on rows of more
# than one element) or "flat" (SparseApply* on a variable of one column: TensorFlow's scalar loop).

def _pow(x, exponent):
    """x ** exponent rounded once (from double): TensorFlow's pow differs from numpy's float32 one by ulps that
    Ftrl's difference of two powers would magnify."""
    return (x.astype(np.float64) ** float(exponent)).astype(x.dtype)


def _ftrl(xp, a, var, accum, linear, mode):
    t = var.dtype.type
    grad, lr, l1, l2, lr_power = a["grad"], a["lr"], a["l1"], a["l2"], a["lr_power"]
    mult, shrinkage = a["multiply_linear_by_lr"], a.get("l2_shrinkage")
    half = float(lr_power) == -0.5
    if mode == "flat":
        return _ftrl_flat(xp, t, grad, lr, l1, l2, lr_power, mult, shrinkage, var, accum, linear)
    g = grad if shrinkage is None else grad + t(2) * shrinkage * var
    new_accum = accum + grad * grad
    power_new = xp.sqrt(new_accum) if half else _pow(new_accum, -lr_power)
    power_old = xp.sqrt(accum) if half else _pow(accum, -lr_power)
    if mult:
        linear = linear + (g * lr - (power_new - power_old) * var)
        l1_adj, y = l1 * lr, power_new + t(2) * l2 * lr
    else:
        linear = linear + (g - (power_new - power_old) / lr * var)
        l1_adj, y = l1, power_new / lr + t(2) * l2
    if mode == "dense":
        var = xp.where(xp.abs(linear) > l1_adj, (l1_adj * xp.sign(linear) - linear) / y, t(0))
    else:
        var = (xp.maximum(xp.minimum(linear, l1_adj), -l1_adj) - linear) / y
    return var, new_accum, linear


def _ftrl_flat(xp, t, grad, lr, l1, l2, lr_power, mult, shrinkage, var, accum, linear):
    g = grad if shrinkage is None else grad + t(2) * shrinkage * var
    new_accum = accum + grad * grad
    sigma = _pow(new_accum, -lr_power) - _pow(accum, -lr_power)
    if mult:
        linear = linear + g * lr - sigma * var
        l1_adj, two_l2 = l1 * lr, t(2) * l2 * lr
    else:
        linear = linear + g - sigma / lr * var
        l1_adj, two_l2 = l1, t(2) * l2
    quadratic = xp.sqrt(new_accum) if float(lr_power) == -0.5 else _pow(new_accum, -lr_power)
    quadratic = quadratic + two_l2 if mult else quadratic / lr + two_l2
    var = (xp.maximum(xp.minimum(linear, l1_adj), -l1_adj) - linear) / quadratic
    return var, new_accum, linear


def _adadelta(xp, a, var, accum, accum_update, mode):
    one = var.dtype.type(1)
    grad, lr, rho, epsilon = a["grad"], a["lr"], a["rho"], a["epsilon"]
    accum = accum * rho + grad * grad * (one - rho)
    update = xp.sqrt(accum_update + epsilon) * (one / xp.sqrt(accum + epsilon)) * grad
    var = var - update * lr
    accum_update = accum_update * rho + update * update * (one - rho)
    return var, accum, accum_update


def _proximal_step(xp, var, prox, rate, l1, l2, mode):
    """sign(prox) * max(|prox| - rate * l1, 0) / (1 + l2 * rate); the scalar loop divides in double."""
    t = var.dtype.type
    if mode == "flat":
        denom = 1.0 + (l2 * rate).astype(np.float64)
        num = xp.sign(prox) * xp.maximum(xp.abs(prox) - rate * l1, t(0)) if float(l1) > 0 else prox
        return (num.astype(np.float64) / denom).astype(var.dtype)
    if float(l1) > 0:
        return xp.sign(prox) * xp.maximum(xp.abs(prox) - rate * l1, t(0)) / (t(1) + l2 * rate)
    return prox / (t(1) + l2 * rate)


def _proximal_gradient_descent(xp, a, var, mode):
    lr = a["lr"]
    prox = var - lr * a["grad"] if mode == "flat" else var - a["grad"] * lr
    return (_proximal_step(xp, var, prox, lr, a["l1"], a["l2"], mode),)


def _proximal_adagrad(xp, a, var, accum, mode):
    grad, lr = a["grad"], a["lr"]
    accum = accum + grad * grad
    if mode == "flat":
        rate = lr / xp.sqrt(accum)
        prox = var - rate * grad
    else:
        rate = lr * (var.dtype.type(1) / xp.sqrt(accum))
        prox = var - grad * rate
    return _proximal_step(xp, var, prox, rate, a["l1"], a["l2"], mode), accum


def _adagrad_da(xp, a, var, g_acc, gg_acc, mode):
    t = var.dtype.type
    grad, lr, l1, l2, step = a["grad"], a["lr"], a["l1"], a["l2"], int(a["global_step"])
    if mode == "flat":
        return _adagrad_da_flat(xp, var, g_acc, gg_acc, grad, lr, l1, l2, step)
    g_acc = g_acc + grad
    gg_acc = gg_acc + grad * grad
    if mode == "dense":
        gs = t(np.float32(step))
        denom = l2 * (gs * lr) + xp.sqrt(gg_acc)
        if float(l1) > 0:
            var = lr * t(-1) * xp.sign(g_acc) * xp.maximum(xp.abs(g_acc) - gs * l1, t(0)) / denom
        else:
            var = lr * g_acc * t(-1) / denom
    else:
        gs = t(step)
        denom = l2 + xp.sqrt(gg_acc) / (gs * lr)
        if float(l1) > 0:
            var = t(-1) * xp.sign(g_acc) * xp.maximum(xp.abs(g_acc) / gs - l1, t(0)) / denom
        else:
            var = t(-1) * (g_acc / gs) / denom
    return var, g_acc, gg_acc


def _adagrad_da_flat(xp, var, g_acc, gg_acc, grad, lr, l1, l2, step):
    # TensorFlow's loop over one-column variables works in double, storing the accumulators in the dtype.
    f8 = np.float64
    lr, l1, l2 = float(lr), float(l1), float(l2)
    g = grad.astype(f8)
    g_acc = (g_acc.astype(f8) + g).astype(var.dtype)
    gg_acc = (gg_acc.astype(f8) + g * g).astype(var.dtype)
    ga, denom = g_acc.astype(f8), step * l2 * lr + xp.sqrt(gg_acc.astype(f8))
    if l1 > 0:
        var = xp.sign(-ga) * lr * xp.maximum(xp.abs(ga) - step * l1, 0.0) / denom
    else:
        var = (-ga * lr) / denom
    return var.astype(g_acc.dtype), g_acc, gg_acc


# --- the ops: name -> (rule, slot names in messages (dense, sparse)) ---------------------------------------------

_OPS = {
    "Ftrl": (_ftrl, ("accum", "linear"), ("accum", "linear")),
    "FtrlV2": (_ftrl, ("accum", "linear"), ("accum", "linear")),
    "Adadelta": (_adadelta, ("accum", "accum_update"), ("accum_grad", "accum_update")),
    "ProximalAdagrad": (_proximal_adagrad, ("accum",), ("accum",)),
    "ProximalGradientDescent": (_proximal_gradient_descent, (), ()),
    "AdagradDA": (_adagrad_da, ("accum", "accum"), ("accum", "accum")),
}

# What each kernel asks of its scalars beyond being scalars: (op, sparse) -> {input: "positive", ...}.
_VALUE_CHECKS = {
    ("ProximalAdagrad", False): {"lr": "positive", "l1": "non-negative", "l2": "non-negative"},
    ("ProximalAdagrad", True): {"lr": "positive", "l1": "non-negative", "l2": "non-negative"},
    ("Ftrl", True): {"lr": "positive", "l1": "non-negative", "l2": "non-negative", "lr_power": "non-positive"},
    ("FtrlV2", True): {"lr": "positive", "l1": "non-negative", "l2": "non-negative", "lr_power": "non-positive",
                       "l2_shrinkage": "non-negative"},
}
_LONG_NAMES = {"l1": "l1 regularization strength", "l2": "l2 regularization strength",
               "l2_shrinkage": "l2 shrinkage regularization strength"}


def _scalar_error(name, op, sparse, qualifier, shape):
    label = "lr" if (name == "alpha" and sparse) else _LONG_NAMES.get(name, name)
    if name == "lr_power" and not sparse:
        return _invalid("lr_power is not a scalar%s" % _dbg(shape))
    if name == "lr" and sparse and op.startswith("Ftrl"):
        return _invalid("lr is not a positive scalar (or zero if multiply_linear_by_lr is set): %s" % _dbg(shape))
    return _invalid("%s is not a %sscalar: %s" % (label, qualifier + " " if qualifier else "", _dbg(shape)))


def _value_ok(x, qualifier, attrs):
    v = float(x)
    if qualifier == "positive":
        return v > 0 or (attrs.get("multiply_linear_by_lr", False) and v == 0)
    if qualifier == "non-negative":
        return v >= 0
    return v <= 0


@functools.lru_cache(maxsize=None)
def _input_names(op_type):
    return tuple(arg.name for arg in get_op_def(op_type).input_arg)


def _named_inputs(op, op_type, sparse, values, inputs, attrs, check_values):
    """The inputs after the variable and slots, by name, checked as TensorFlow's kernel checks them."""
    var = values[0]
    rule, dense_slots, sparse_slots = _OPS[op]
    for slot_name, s in zip(sparse_slots if sparse else dense_slots, values[1:]):
        if tuple(s.shape) != tuple(var.shape):
            raise _invalid("var and %s do not have the same shape%s %s" % (slot_name, _dbg(var.shape), _dbg(s.shape)))
    names = _input_names(op_type)[len(values):]
    a = dict(zip(names, inputs))
    checks = _VALUE_CHECKS.get((op, sparse), {}) if check_values else {}
    for name in names:
        x = a[name]
        if name in ("grad", "delta", "indices"):
            continue
        qualifier = _VALUE_CHECKS.get((op, sparse), {}).get(name)
        if x.ndim != 0 or (name in checks and not _value_ok(x, checks[name], attrs)):
            raise _scalar_error(name, op, sparse, qualifier, x.shape)
    grad = a.pop("delta", None)
    a.setdefault("grad", grad)
    a.setdefault("lr", a.get("alpha"))
    if not sparse and tuple(a["grad"].shape) != tuple(var.shape):
        raise _invalid("var and %s do not have the same shape%s %s" % ("delta" if grad is not None else "grad",
                                                                      _dbg(var.shape), _dbg(a["grad"].shape)))
    a["multiply_linear_by_lr"] = bool(attrs.get("multiply_linear_by_lr", False))
    return rule, a


def _dense_kernel(op, op_type, check_values):
    nslots = len(_OPS[op][1])
    resource = op_type.startswith("Resource")

    def kernel(ctx, *inputs):
        targets = inputs[:1 + nslots]
        values = [read_resource(ctx.session_state, h) for h in targets] if resource else [r.read() for r in targets]
        rule, a = _named_inputs(op, op_type, False, values, inputs[1 + nslots:], ctx.attrs, check_values)
        # New arrays, never written into the old: a read taken earlier in the run keeps its value.
        new = rule(ctx.xp, a, *values, "dense")
        for target, v in zip(targets, new):
            if resource:
                ctx.session_state.variables[target.key] = v
            else:
                target.state.variables[target.key] = v
        return None if resource else targets[0]
    kernel.__name__ = op_type
    return kernel


def _sparse_kernel(op, op_type):
    nslots = len(_OPS[op][1])
    resource = op_type.startswith("Resource")

    def kernel(ctx, *inputs):
        targets = inputs[:1 + nslots]
        if resource:
            state = ctx.session_state
            for h in targets:
                read_resource(state, h)     # FailedPreconditionError when uninitialized
            arrays = [writable_value(state.variables, h.key, ctx.xp) for h in targets]
        else:
            for r in targets:
                r.read()
            arrays = [writable_value(r.state.variables, r.key, ctx.xp) for r in targets]
        _run_sparse(op, op_type, ctx, arrays, inputs[1 + nslots:])
        return None if resource else targets[0]
    kernel.__name__ = op_type
    return kernel


def _run_sparse(op, op_type, ctx, arrays, inputs):
    var = arrays[0]
    rule, a = _named_inputs(op, op_type, True, arrays, inputs, ctx.attrs, True)
    grad, indices = a["grad"], a.pop("indices")
    if var.ndim < 1:
        raise _invalid("var must be at least 1 dimensional")
    if indices.ndim != 1:
        raise _invalid("indices must be one-dimensional")
    inner = 1
    for d in range(1, var.ndim):
        if grad.ndim <= d or var.shape[d] != grad.shape[d]:
            raise _invalid("var and grad must match in dimension %d" % d)
        inner *= int(grad.shape[d])
    if grad.ndim < 1 or grad.shape[0] != indices.shape[0]:
        raise _invalid("grad must be the same size as indices in the first dimension.")
    if inner == 0 and op != "Adadelta":
        raise _invalid("Inner dimension should be greater than zero.")
    rows = indices.astype(np.int64, copy=False)
    if rows.size:
        bad = (rows < 0) | (rows >= var.shape[0])
        if bool(bad.any()):
            pos = int(ctx.xp.argmax(bad))
            raise _invalid("Index %d at offset %d in indices is out of range" % (int(rows[pos]), pos))
    mode = "flat" if inner == 1 and op != "Adadelta" else "rows"
    rounds = _occurrence_rounds(ctx.xp, rows)
    for sel in [None] if rounds is None else rounds:
        r = rows if sel is None else rows[sel]
        a["grad"] = grad if sel is None else grad[sel]
        new = rule(ctx.xp, a, *[x[r] for x in arrays], mode)
        for x, v in zip(arrays, new):
            x[r] = v


# --- shapes: TensorFlow's shape functions (the slots merge with the variable, the scalars are rank 0) ---------

def _var_shape(t, resource):
    if not resource:
        return t.shape
    if t.op.type == "VarHandleOp":
        return as_shape(t.op.get_attr("shape"))
    return TensorShape(None)


def _shape_fn(op_name, sparse, resource):
    nslots = len(_OPS[op_name][1])

    def shape(op):
        s = _var_shape(op.inputs[0], resource)
        for t in op.inputs[1:1 + nslots]:
            s = _merge_shapes(s, _var_shape(t, resource))
        names = _input_names(op.type)
        by_name = dict(zip(names, op.inputs))
        grad = by_name.get("grad", by_name.get("delta"))
        if sparse:
            indices = by_name["indices"].shape
            if indices.rank is not None and indices.rank != 1:
                raise ValueError("Shape must be rank 1 but is rank %d" % indices.rank)
            g = grad.shape
            if g.rank is not None:
                if g.rank == 0:
                    raise ValueError("Shape must be at least rank 1 but is rank 0")
                n, m = (indices.dims[0] if indices.rank else None), g.dims[0]
                if n is not None and m is not None and n != m:
                    raise ValueError("Dimensions must be equal, but are %d and %d" % (n, m))
                s = _merge_shapes(s, TensorShape([None] + list(g.dims[1:])))
        else:
            s = _merge_shapes(s, grad.shape)
        for name in names[1 + nslots:]:
            rank = by_name[name].shape.rank
            if name not in ("grad", "delta", "indices") and rank is not None and rank != 0:
                raise ValueError("Shape must be rank 0 but is rank %d" % rank)
        return [] if resource else [s]
    return shape


for _op in _OPS:
    for _prefix, _sparse in (("Apply", False), ("ResourceApply", False), ("SparseApply", True),
                             ("ResourceSparseApply", True)):
        _type = _prefix + _op
        if _sparse:
            register_kernel(_type)(_sparse_kernel(_op, _type))
        else:
            # TensorFlow's CPU kernels check the scalars' values; its GPU kernels do not.
            register_kernel(_type)(_dense_kernel(_op, _type, check_values=False))
            register_kernel(_type, "CPU")(_dense_kernel(_op, _type, check_values=True))
        register_shape(_type)(_shape_fn(_op, _sparse, _prefix.startswith("Resource")))
        not_differentiable(_type)
