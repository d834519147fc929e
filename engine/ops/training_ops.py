"""The optimizers' update ops: Apply* on reference variables, ResourceApply* on resource variables.

Each kernel computes TensorFlow's update formula (training_ops.cc) in the variable's dtype, in the same
order of operations, so a model trained here follows TensorFlow's trajectory to float rounding:

    GradientDescent  var -= alpha * delta
    Momentum         accum = accum * momentum + grad
                     var -= lr * accum                 (use_nesterov: var -= grad * lr + accum * momentum * lr)
    Adam             alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
                     m += (grad - m) * (1 - beta1);  v += (grad^2 - v) * (1 - beta2)
                     var -= m * alpha / (sqrt(v) + epsilon)
                     (use_nesterov: var -= (grad * (1 - beta1) + beta1 * m) * alpha / (sqrt(v) + epsilon))
    Adagrad          accum += grad^2 (when update_slots);  var -= grad * lr * rsqrt(accum)
    RMSProp          ms += (grad^2 - ms) * (1 - rho);  mom = mom * momentum + grad * lr / sqrt(ms + epsilon)
                     var -= mom
    CenteredRMSProp  as RMSProp, with mg += (grad - mg) * (1 - rho) and sqrt(ms - mg^2 + epsilon)

Dense updates store new arrays rather than writing into the old ones, so a value read earlier in the same
run (a ReadVariableOp's output still waiting for a consumer) stays the value it was, as TensorFlow's
copy-on-write resource variables guarantee. The sparse updates (SparseApply*, ResourceSparseApply*: rows
of an IndexedSlices gradient) write the rows they name into the variable's buffer when nothing else
holds it, and into a copy otherwise, so a step touching 1,000 rows of a million costs 1,000 rows.
``use_locking`` is accepted and has nothing to do: a session runs one step's kernels one at a time.
"""
import os

import numpy as np

from tagraph.devices import cuda_kernels, host_threads
from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import errors
from tagraph.engine.framework.op_builder import register_shape, not_differentiable
from tagraph.engine.ops.state_ops import read_resource, writable_value


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _dbg(shape):
    return "[%s]" % ",".join(str(int(d)) for d in shape)


def _check_same(name_a, a, name_b, b):
    if tuple(a.shape) != tuple(b.shape):
        raise _invalid("%s and %s do not have the same shape%s %s" % (name_a, name_b, _dbg(a.shape), _dbg(b.shape)))


def _check_scalar(name, x):
    if x.ndim != 0 and x.size != 1:
        raise _invalid("%s is not a scalar: %s" % (name, _dbg(x.shape)))


# --- the update rules: new values from old ones, never writing into the old arrays --------------------

def _gradient_descent(xp, attrs, var, alpha, delta):
    return (var - alpha * delta,)


def _momentum(xp, attrs, var, accum, lr, grad, momentum):
    accum = accum * momentum + grad
    if attrs.get("use_nesterov", False):
        var = var - (grad * lr + accum * momentum * lr)
    else:
        var = var - accum * lr
    return var, accum


def _adam(xp, attrs, var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad):
    one = var.dtype.type(1)
    alpha = lr * xp.sqrt(one - beta2_power) / (one - beta1_power)
    m = m + (grad - m) * (one - beta1)
    v = v + (grad * grad - v) * (one - beta2)
    denom = xp.sqrt(v)
    denom += epsilon
    if attrs.get("use_nesterov", False):
        upd = (grad * (one - beta1) + beta1 * m) * alpha
    else:
        upd = m * alpha
    upd /= denom
    return var - upd, m, v


def _adagrad(xp, attrs, var, accum, lr, grad):
    if attrs.get("update_slots", True):
        accum = accum + grad * grad
    return var - grad * lr * (1 / xp.sqrt(accum)), accum


def _rmsprop(xp, attrs, var, ms, mom, lr, rho, momentum, epsilon, grad):
    one = var.dtype.type(1)
    ms = ms + (grad * grad - ms) * (one - rho)
    mom = mom * momentum + (grad * lr) / xp.sqrt(ms + epsilon)
    return var - mom, ms, mom


def _centered_rmsprop(xp, attrs, var, mg, ms, mom, lr, rho, momentum, epsilon, grad):
    one = var.dtype.type(1)
    ms = ms + (grad * grad - ms) * (one - rho)
    mg = mg + (grad - mg) * (one - rho)
    denom = (ms - mg * mg) + epsilon
    mom = mom * momentum + (grad * lr) / xp.sqrt(denom)
    return var - mom, mg, ms, mom


# Argument order of each op after (var, slots...): (kind, name) with kind "s" scalar, "g" gradient.
_OPS = {
    "GradientDescent": (_gradient_descent, 0, [("s", "alpha"), ("g", "delta")]),
    "Momentum": (_momentum, 1, [("s", "lr"), ("g", "grad"), ("s", "momentum")]),
    "Adam": (_adam, 2, [("s", "beta1_power"), ("s", "beta2_power"), ("s", "lr"), ("s", "beta1"), ("s", "beta2"),
                        ("s", "epsilon"), ("g", "grad")]),
    "Adagrad": (_adagrad, 1, [("s", "lr"), ("g", "grad")]),
    "RMSProp": (_rmsprop, 2, [("s", "lr"), ("s", "rho"), ("s", "momentum"), ("s", "epsilon"), ("g", "grad")]),
    "CenteredRMSProp": (_centered_rmsprop, 3, [("s", "lr"), ("s", "rho"), ("s", "momentum"), ("s", "epsilon"),
                                               ("g", "grad")]),
}
_SLOT_NAMES = {"GradientDescent": (), "Momentum": ("accum",), "Adam": ("m", "v"), "Adagrad": ("accum",),
               "RMSProp": ("ms", "mom"), "CenteredRMSProp": ("mg", "ms", "mom")}


def _fused(name):
    """A CPU kernel compiled with Numba for the hot rules (one pass over memory, no temporaries).

    Numba is imported on the first training step, not at import: it costs ~0.2 s and 60 MB that
    inference-only processes (a model server, the CLI) should not pay."""
    if not _NUMBA:
        _enable_numba()
    return _NUMBA.get(name)


def _run_rule(name, ctx, values, rest, fused):
    rule, nslots, args = _OPS[name]
    var = values[0]
    for slot_name, s in zip(_SLOT_NAMES[name], values[1:]):
        _check_same("var", var, slot_name, s)
    for (kind, arg_name), x in zip(args, rest):
        if kind == "s":
            _check_scalar(arg_name, x)
        else:
            _check_same("var", var, arg_name, x)
    if fused is not None:
        out = fused(name, ctx, values, rest)
        if out is not None:
            return out
    return rule(ctx.xp, ctx.attrs, *values, *rest)


def _cpu_fused(name, ctx, values, rest):
    """Runs the update as one Numba loop over host memory; None where that cannot be done."""
    fused = _fused(name)
    var = values[0]
    if fused is not None and var.dtype in (np.float32, np.float64) and var.flags.c_contiguous:
        return fused(ctx.attrs, values, rest)
    return None


def _resource_kernel(name, fused=None):
    nslots = _OPS[name][1]

    def kernel(ctx, *inputs):
        state = ctx.session_state
        handles = inputs[:1 + nslots]
        values = [read_resource(state, h) for h in handles]
        new = _run_rule(name, ctx, values, inputs[1 + nslots:], fused)
        for h, v in zip(handles, new):
            state.variables[h.key] = v
    kernel.__name__ = "resource_apply_" + name.lower()
    return kernel


def _ref_kernel(name, fused=None):
    nslots = _OPS[name][1]

    def kernel(ctx, *inputs):
        refs = inputs[:1 + nslots]
        values = [r.read() for r in refs]
        new = _run_rule(name, ctx, values, inputs[1 + nslots:], fused)
        for r, v in zip(refs, new):
            r.state.variables[r.key] = v
        return refs[0]
    kernel.__name__ = "apply_" + name.lower()
    return kernel


# --- fused CPU kernels (Numba) -----------------------------------------------------------------------

_NUMBA = {}
_MIN_PER_SHARD = 1 << 20        # elements: below two of these one thread is as fast (measured on 2 cores)


def _numba_adam():
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a dependency
        return None

    # error_model="numpy" drops Python's zero-division check from the division; with it LLVM vectorizes the
    # loop (AVX, ~6x faster than the scalar loop it made before). No fastmath: the results stay
    # bit-identical to the numpy rule's.
    @numba.njit(cache=True, fastmath=False, nogil=True, error_model="numpy")
    def adam_step(var, m, v, g, out_var, out_m, out_v, alpha, b1c, b2c, beta1, eps, nesterov):
        for i in range(var.size):
            gi = g[i]
            mi = m[i] + (gi - m[i]) * b1c
            vi = v[i] + (gi * gi - v[i]) * b2c
            out_m[i] = mi
            out_v[i] = vi
            step = (gi * b1c + beta1 * mi) if nesterov else mi
            out_var[i] = var[i] - (step * alpha) / (np.sqrt(vi) + eps)

    def fused(attrs, values, rest):
        var, m, v = values
        beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad = rest
        t = var.dtype.type
        one = t(1)
        # Scalars in the variable's dtype, computed as TensorFlow computes them.
        alpha = t(t(lr) * np.sqrt(one - t(beta2_power)) / (one - t(beta1_power)))
        b1c, b2c = one - t(beta1), one - t(beta2)
        if m.dtype != var.dtype or v.dtype != var.dtype or grad.dtype != var.dtype or \
                not (m.flags.c_contiguous and v.flags.c_contiguous and grad.flags.c_contiguous):
            return None
        out_var, out_m, out_v = np.empty_like(var), np.empty_like(m), np.empty_like(v)
        flat = [a.reshape(-1) for a in (var, m, v, grad, out_var, out_m, out_v)]
        scalars = (alpha, b1c, b2c, t(beta1), t(epsilon), bool(attrs.get("use_nesterov", False)))
        # Memory-bound: a large variable's update is split over the intra-op threads (the loop drops the GIL).
        host_threads.shards(lambda start, stop: adam_step(*[a[start:stop] for a in flat], *scalars),
                            total=var.size, min_per_shard=_MIN_PER_SHARD)
        return out_var, out_m, out_v
    return fused


def _enable_numba():
    _NUMBA["enabled"] = True
    if os.environ.get("TAGRAPH_NO_NUMBA_TRAINING_OPS"):
        return
    f = _numba_adam()
    if f is not None:
        _NUMBA["Adam"] = f


# --- fused GPU kernels (Numba CUDA; the simulator on simulated GPUs) ------------------------------------
# One kernel per update: it reads the variable, its slots and the gradient once and writes their new
# values into fresh buffers (reads taken earlier in the step keep their values). Scalars stay on the
# device as 1-element arrays, so an update never waits for a device-to-host copy.

cuda = None   # numba.cuda (or its simulator), bound before a kernel is compiled; kernels reach it as a global

def _gpu_kernel(launcher, name, dtype_name, flag):
    key = (launcher.simulated, name, dtype_name, flag)
    k = _GPU_KERNELS.get(key)
    if k is None:
        global cuda
        cuda = launcher.cuda
        k = _GPU_KERNELS[key] = _make_gpu_kernel(name, getattr(np, dtype_name), flag)
    return k


_GPU_KERNELS = {}


def _make_gpu_kernel(name, t, flag):
    import math
    if name == "GradientDescent":
        @cuda.jit
        def k(n, var, alpha, delta, o_var):
            i = cuda.grid(1)
            while i < n:
                o_var[i] = var[i] - alpha[0] * delta[i]
                i += cuda.gridsize(1)
    elif name == "Momentum":
        @cuda.jit
        def k(n, var, accum, lr, momentum, grad, o_var, o_accum):
            i = cuda.grid(1)
            while i < n:
                a = accum[i] * momentum[0] + grad[i]
                if flag:
                    o_var[i] = var[i] - (grad[i] * lr[0] + a * momentum[0] * lr[0])
                else:
                    o_var[i] = var[i] - a * lr[0]
                o_accum[i] = a
                i += cuda.gridsize(1)
    elif name == "Adam":
        @cuda.jit
        def k(n, var, m, v, b1p, b2p, lr, b1, b2, eps, grad, o_var, o_m, o_v):
            one = t(1)
            alpha = t(lr[0] * t(math.sqrt(one - b2p[0])) / (one - b1p[0]))
            b1c = one - b1[0]
            b2c = one - b2[0]
            i = cuda.grid(1)
            while i < n:
                g = grad[i]
                mi = m[i] + (g - m[i]) * b1c
                vi = v[i] + (g * g - v[i]) * b2c
                if flag:
                    upd = ((g * b1c + b1[0] * mi) * alpha) / (t(math.sqrt(vi)) + eps[0])
                else:
                    upd = (mi * alpha) / (t(math.sqrt(vi)) + eps[0])
                o_var[i] = var[i] - upd
                o_m[i] = mi
                o_v[i] = vi
                i += cuda.gridsize(1)
    elif name == "Adagrad":
        @cuda.jit
        def k(n, var, accum, lr, grad, o_var, o_accum):
            i = cuda.grid(1)
            while i < n:
                g = grad[i]
                a = accum[i] + g * g if flag else accum[i]
                o_var[i] = var[i] - g * lr[0] * (t(1) / t(math.sqrt(a)))
                o_accum[i] = a
                i += cuda.gridsize(1)
    elif name == "RMSProp":
        @cuda.jit
        def k(n, var, ms, mom, lr, rho, momentum, eps, grad, o_var, o_ms, o_mom):
            i = cuda.grid(1)
            while i < n:
                g = grad[i]
                s = ms[i] + (g * g - ms[i]) * (t(1) - rho[0])
                mo = mom[i] * momentum[0] + (g * lr[0]) / t(math.sqrt(s + eps[0]))
                o_var[i] = var[i] - mo
                o_ms[i] = s
                o_mom[i] = mo
                i += cuda.gridsize(1)
    else:  # CenteredRMSProp
        @cuda.jit
        def k(n, var, mg, ms, mom, lr, rho, momentum, eps, grad, o_var, o_mg, o_ms, o_mom):
            i = cuda.grid(1)
            while i < n:
                g = grad[i]
                s = ms[i] + (g * g - ms[i]) * (t(1) - rho[0])
                a = mg[i] + (g - mg[i]) * (t(1) - rho[0])
                mo = mom[i] * momentum[0] + (g * lr[0]) / t(math.sqrt((s - a * a) + eps[0]))
                o_var[i] = var[i] - mo
                o_mg[i] = a
                o_ms[i] = s
                o_mom[i] = mo
                i += cuda.gridsize(1)
    return k


def _gpu_fused(name, ctx, values, rest):
    """Runs the update as one Numba CUDA kernel; None where that cannot be done (then the xp rule runs)."""
    if os.environ.get("TAGRAPH_NO_FUSED_GPU_TRAINING_OPS"):
        return None
    var = values[0]
    if var.dtype not in (np.float32, np.float64) or not var.size:
        return None
    if any(x.dtype != var.dtype for x in list(values) + list(rest)):
        return None
    try:
        launcher = cuda_kernels._Launcher(ctx.device.backend)
    except Exception:  # noqa: BLE001 - no numba.cuda for this device: the array-namespace rule does it
        return None
    backend = ctx.device.backend
    flag = bool(ctx.attrs.get("use_nesterov", False)) if name in ("Momentum", "Adam") else \
        bool(ctx.attrs.get("update_slots", True)) if name == "Adagrad" else False
    with backend.device_context():
        flat = [launcher.buffer(x, "input").reshape(-1) for x in values]
        # Scalars as 1-element device arrays, gradient flat; order as the kernel takes them.
        others = [launcher.buffer(x, "input").reshape(-1) for x in rest]
        outs = [launcher.empty_like(b) for b in flat]
        n = flat[0].size
        kernel = _gpu_kernel(launcher, name, var.dtype.name, flag)
        threads = cuda_kernels._SIM_THREADS if launcher.simulated else cuda_kernels._REAL_THREADS
        if name == "Momentum":   # the op's order is (lr, grad, momentum); the kernel's (lr, momentum, grad)
            others = [others[0], others[2], others[1]]
        launcher.launch(kernel, launcher.blocks(n, threads), threads, n, *flat, *others, *outs)
        return tuple(launcher.result(o.reshape(v.shape)) for o, v in zip(outs, values))


for _name, (_rule, _nslots, _args) in _OPS.items():
    # The rule on any device kind's array namespace; one fused loop on the CPU, one CUDA kernel on a GPU.
    register_kernel("Apply" + _name)(_ref_kernel(_name))
    register_kernel("ResourceApply" + _name)(_resource_kernel(_name))
    for _device_type, _fused_step in (("CPU", _cpu_fused), ("GPU", _gpu_fused)):
        register_kernel("Apply" + _name, _device_type)(_ref_kernel(_name, _fused_step))
        register_kernel("ResourceApply" + _name, _device_type)(_resource_kernel(_name, _fused_step))
    register_shape("Apply" + _name)(lambda op: [op.inputs[0].shape])
    register_shape("ResourceApply" + _name)(lambda op: [])
    not_differentiable("Apply" + _name, "ResourceApply" + _name)


# --- sparse updates: SparseApply* on reference variables, ResourceSparseApply* on resource variables ----
# The rows ``indices`` of the variable and its slots are updated in place (in time proportional to the rows
# named, not to the variable; see state_ops.writable_value), each row by TensorFlow's formula:
#
#     Adagrad          accum += grad^2 (when update_slots);  var -= lr * grad * rsqrt(accum)
#     AdagradV2        accum += grad^2 (when update_slots);  var -= lr * grad / (sqrt(accum) + epsilon)
#     Momentum         accum = accum * momentum + grad;  var -= accum * lr
#                      (use_nesterov: var -= grad * lr + accum * momentum * lr)
#     RMSProp          ms = ms * rho + grad^2 * (1 - rho);  mom = mom * momentum + rsqrt(ms + epsilon) * lr * grad
#                      var -= mom
#     CenteredRMSProp  as RMSProp, with mg = mg * rho + grad * (1 - rho) and rsqrt(ms + epsilon - mg^2)
#
# A row named twice is updated twice, one after the other, as TensorFlow's kernels loop over indices.

def _sparse_adagrad(xp, attrs, rows, var, accum, lr, grad):
    a = accum[rows]
    if attrs.get("update_slots", True):
        a = a + grad * grad
        accum[rows] = a
    var[rows] = var[rows] - (lr * grad) * (1 / xp.sqrt(a))


def _sparse_adagrad_v2(xp, attrs, rows, var, accum, lr, epsilon, grad):
    a = accum[rows]
    if attrs.get("update_slots", True):
        a = a + grad * grad
        accum[rows] = a
    var[rows] = var[rows] - (lr * grad) / (xp.sqrt(a) + epsilon)


def _sparse_momentum(xp, attrs, rows, var, accum, lr, grad, momentum):
    a = accum[rows] * momentum + grad
    accum[rows] = a
    if attrs.get("use_nesterov", False):
        var[rows] = var[rows] - (grad * lr + a * momentum * lr)
    else:
        var[rows] = var[rows] - a * lr


def _sparse_rmsprop(xp, attrs, rows, var, ms, mom, lr, rho, momentum, epsilon, grad):
    one = var.dtype.type(1)
    s = ms[rows] * rho + grad * grad * (one - rho)
    ms[rows] = s
    m = mom[rows] * momentum + (1 / xp.sqrt(s + epsilon)) * lr * grad
    mom[rows] = m
    var[rows] = var[rows] - m


def _sparse_centered_rmsprop(xp, attrs, rows, var, mg, ms, mom, lr, rho, momentum, epsilon, grad):
    one = var.dtype.type(1)
    s = ms[rows] * rho + grad * grad * (one - rho)
    ms[rows] = s
    a = mg[rows] * rho + grad * (one - rho)
    mg[rows] = a
    m = mom[rows] * momentum + (1 / xp.sqrt(s + epsilon - a * a)) * lr * grad
    mom[rows] = m
    var[rows] = var[rows] - m


# name -> (rule, slot names, the arguments after the slots: (kind, name) with kind "s" scalar, "g" gradient,
# "i" indices)
_SPARSE_OPS = {
    "Adagrad": (_sparse_adagrad, ("accum",), [("s", "lr"), ("g", "grad"), ("i", "indices")]),
    "AdagradV2": (_sparse_adagrad_v2, ("accum",), [("s", "lr"), ("s", "epsilon"), ("g", "grad"), ("i", "indices")]),
    "Momentum": (_sparse_momentum, ("accum",), [("s", "lr"), ("g", "grad"), ("i", "indices"), ("s", "momentum")]),
    "RMSProp": (_sparse_rmsprop, ("ms", "mom"), [("s", "lr"), ("s", "rho"), ("s", "momentum"), ("s", "epsilon"),
                                                 ("g", "grad"), ("i", "indices")]),
    "CenteredRMSProp": (_sparse_centered_rmsprop, ("mg", "ms", "mom"),
                        [("s", "lr"), ("s", "rho"), ("s", "momentum"), ("s", "epsilon"), ("g", "grad"),
                         ("i", "indices")]),
}


def _occurrence_rounds(xp, indices):
    """Positions of ``indices`` in rounds without a repeated row: round k holds each row's k-th occurrence,
    so applying the rounds in order updates a repeated row once per occurrence, in order. None when no
    row repeats (one round of everything)."""
    n = indices.shape[0]
    if n < 2:
        return None
    order = xp.argsort(indices, kind="stable")
    ranked = indices[order]
    starts = xp.concatenate([xp.ones(1, dtype=bool), ranked[1:] != ranked[:-1]])
    if bool(starts.all()):
        return None
    group_start = xp.nonzero(starts)[0][xp.cumsum(starts) - 1]
    rank = xp.empty(n, dtype=np.int64)
    rank[order] = xp.arange(n) - group_start
    return [xp.nonzero(rank == k)[0] for k in range(int(rank.max()) + 1)]


def _run_sparse(name, ctx, var, slots, rest):
    rule, slot_names, args = _SPARSE_OPS[name]
    for slot_name, s in zip(slot_names, slots):
        _check_same("var", var, slot_name, s)
    scalars, grad, indices = [], None, None
    for (kind, arg_name), x in zip(args, rest):
        if kind == "s":
            _check_scalar(arg_name, x)
            scalars.append(x.reshape(()) if x.ndim else x)
        elif kind == "g":
            grad = x
        else:
            indices = x
    if var.ndim < 1:
        raise _invalid("var must be at least 1 dimensional")
    if indices.ndim != 1:
        raise _invalid("indices must be one-dimensional")
    for d in range(1, var.ndim):
        if grad.ndim <= d or var.shape[d] != grad.shape[d]:
            raise _invalid("var and grad must match in dimension %d" % d)
    if grad.ndim < 1 or grad.shape[0] != indices.shape[0]:
        raise _invalid("grad must be the same size as indices in the first dimension.")
    rows = indices.astype(np.int64, copy=False)
    if rows.size:
        bad = (rows < 0) | (rows >= var.shape[0])
        if bool(bad.any()):
            pos = int(ctx.xp.argmax(bad))
            raise _invalid("Index %d at offset %d in indices is out of range" % (int(rows[pos]), pos))
    if grad.dtype != var.dtype:
        grad = grad.astype(var.dtype)
    rounds = _occurrence_rounds(ctx.xp, rows)
    # The scalars (lr, rho, ...) go before the gradient in every rule's signature, as in the ops'.
    order = [k for k, _ in args if k != "i"]
    for sel in [None] if rounds is None else rounds:
        g = grad if sel is None else grad[sel]
        r = rows if sel is None else rows[sel]
        it = iter(scalars)
        call = [next(it) if k == "s" else g for k in order]
        if name == "Momentum":          # the op's order is (lr, grad, momentum)
            call = [call[0], g, call[2]]
        rule(ctx.xp, ctx.attrs, r, var, *slots, *call)


def _resource_sparse_kernel(name):
    nslots = len(_SPARSE_OPS[name][1])

    def kernel(ctx, *inputs):
        state = ctx.session_state
        handles = inputs[:1 + nslots]
        for h in handles:
            read_resource(state, h)     # FailedPreconditionError when uninitialized
        arrays = [writable_value(state.variables, h.key, ctx.xp) for h in handles]
        _run_sparse(name, ctx, arrays[0], arrays[1:], inputs[1 + nslots:])
    kernel.__name__ = "resource_sparse_apply_" + name.lower()
    return kernel


def _ref_sparse_kernel(name):
    nslots = len(_SPARSE_OPS[name][1])

    def kernel(ctx, *inputs):
        refs = inputs[:1 + nslots]
        for r in refs:
            r.read()
        arrays = [writable_value(r.state.variables, r.key, ctx.xp) for r in refs]
        _run_sparse(name, ctx, arrays[0], arrays[1:], inputs[1 + nslots:])
        return refs[0]
    kernel.__name__ = "sparse_apply_" + name.lower()
    return kernel


def _sparse_shape(resource):
    def shape(op):
        nslots = len(_SPARSE_OPS[op.type[len("ResourceSparseApply" if resource else "SparseApply"):]][1])
        if resource:
            return []
        s = op.inputs[0].shape
        for t in op.inputs[1:1 + nslots]:
            s = _merge_shapes(s, t.shape)
        return [s]
    return shape


def _merge_shapes(a, b):
    # TensorFlow's shape inference message for a slot shaped unlike its variable.
    if a.rank is not None and b.rank is not None:
        if a.rank != b.rank:
            raise ValueError("Shapes must be equal rank, but are %d and %d" % (a.rank, b.rank))
        for n, (x, y) in enumerate(zip(a.dims, b.dims)):
            if x is not None and y is not None and x != y:
                raise ValueError("Dimension %d in both shapes must be equal, but are %d and %d. Shapes are %s and %s."
                                 % (n, x, y, _shape_text(a), _shape_text(b)))
    return a.merge_with(b)


def _shape_text(s):
    return "[%s]" % ",".join("?" if d is None else str(d) for d in s.dims)


for _name in _SPARSE_OPS:
    # Fancy indexing of the array namespace: the same kernel on every device kind.
    register_kernel("SparseApply" + _name)(_ref_sparse_kernel(_name))
    register_kernel("ResourceSparseApply" + _name)(_resource_sparse_kernel(_name))
    register_shape("SparseApply" + _name)(_sparse_shape(False))
    register_shape("ResourceSparseApply" + _name)(_sparse_shape(True))
    not_differentiable("SparseApply" + _name, "ResourceSparseApply" + _name)
