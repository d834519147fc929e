"""Matrix products: MatMul and BatchMatMulV2 (leading dimensions broadcast), with Tensor's ``@``.

Each op's kernel, shape function, gradient and Python constructor live together; float16 and bfloat16
products accumulate in float32, as TensorFlow's do. The batched gradient sums over broadcast batch dimensions.

    y = tg.matmul(x, w, transpose_b=True)
    z = a @ b
"""
import builtins
import collections
import re

import numpy as np

from tagraph.devices import host_threads
from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes, dtypes
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import _graph_of, convert_to_tensor, get_default_graph, register_tensor_operators
from tagraph.engine.framework.op_builder import make_op, register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops import indexing_ops, joining_ops, math_ops
from tagraph.engine.ops.array_ops import broadcast_to, ones, rank, reshape, shape, size, transpose
from tagraph.engine.ops.comparison_ops import greater_equal
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.complex_ops import conj
from tagraph.engine.ops.op_util import dbg, f16_acc, invalid, is_tensor_like
from tagraph.engine.ops.reduction_ops import reduce_prod, reduce_sum
from tagraph.engine.ops.slicing_ops import strided_slice

__all__ = ["matmul", "einsum", "tensordot"]


# A batch of products each under this many multiply-adds goes to the intra-op threads a share of the batch
# each, every product single-threaded: BLAS threading one small product at a time spends more time starting
# and joining its threads than multiplying (64 products of 128x128x128: 1.8 ms sharded, 2.3-3.7 ms not).
_SMALL_PRODUCT = 1 << 22


def _batched(a, b, xp):
    """matmul of a batch (3-D operands of one batch size), sharded over the intra-op threads where it pays."""
    n = a.shape[0]
    if (xp is np and a.ndim == 3 and b.ndim == 3 and n == b.shape[0] and n >= 4 and a.dtype == b.dtype
            and a.dtype.kind == "f" and a.shape[1] * a.shape[2] * b.shape[2] <= _SMALL_PRODUCT
            and host_threads.blas_shardable()):
        out = np.empty((n, a.shape[1], b.shape[2]), a.dtype)
        host_threads.shards(lambda start, stop: np.matmul(a[start:stop], b[start:stop], out=out[start:stop]),
                            total=n, min_per_shard=2)
        return out
    return xp.matmul(a, b)


def _matmul_dtype(a, b, xp):
    acc = f16_acc(a)
    if acc is None:
        return _batched(a, b, xp) if a.ndim == 3 else xp.matmul(a, b)
    # Rounded to nearest even, as TensorFlow's default CPU kernels (oneDNN's) round a bfloat16 product;
    # its Eigen kernel (TF_ENABLE_ONEDNN_OPTS=0, and Grappler's constant folding) rounds toward zero.
    return xp.matmul(a.astype(acc), b.astype(acc)).astype(a.dtype)


@register_kernel("MatMul")
def _matmul(ctx, a, b):
    if a.ndim != 2:
        raise invalid("In[0] is not a matrix. Instead it has shape %s" % dbg(a.shape))
    if b.ndim != 2:
        raise invalid("In[1] is not a matrix. Instead it has shape %s" % dbg(b.shape))
    ta = a.T if ctx.attrs.get("transpose_a") else a
    tb = b.T if ctx.attrs.get("transpose_b") else b
    if ta.shape[1] != tb.shape[0]:
        raise invalid("Matrix size-incompatible: In[0]: %s, In[1]: %s" % (dbg(a.shape), dbg(b.shape)))
    return _matmul_dtype(ta, tb, ctx.xp)


@register_shape("MatMul")
def _matmul_shape(op):
    a, b = op.inputs[0].shape.with_rank(2), op.inputs[1].shape.with_rank(2)
    ta, tb = op.get_attr("transpose_a"), op.get_attr("transpose_b")
    m, ka = (a[1], a[0]) if ta else (a[0], a[1])
    kb, n = (b[1], b[0]) if tb else (b[0], b[1])
    if ka is not None and kb is not None and ka != kb:
        raise ValueError("Dimensions must be equal, but are %d and %d for MatMul with input shapes %s, %s"
                         % (ka, kb, a, b))
    return [TensorShape([m, n])]


@register_kernel("BatchMatMulV2")
def _batch_matmul(ctx, x, y):
    xp = ctx.xp
    if x.ndim < 2:
        raise invalid("In[0] ndims must be >= 2: %d" % x.ndim)
    if y.ndim < 2:
        raise invalid("In[1] ndims must be >= 2: %d" % y.ndim)
    try:
        np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    except ValueError:
        raise invalid("In[0] and In[1] must have compatible batch dimensions: %s vs. %s"
                      % (dbg(x.shape), dbg(y.shape))) from None
    ax = xp.conj(xp.swapaxes(x, -1, -2)) if ctx.attrs.get("adj_x") else x
    ay = xp.conj(xp.swapaxes(y, -1, -2)) if ctx.attrs.get("adj_y") else y
    if ax.shape[-1] != ay.shape[-2]:
        raise invalid("Matrix size-incompatible: In[0]: %s, In[1]: %s" % (dbg(x.shape), dbg(y.shape)))
    return _matmul_dtype(ax, ay, xp)


@register_kernel("BatchMatMulV3")
def _batch_matmul_v3(ctx, x, y):
    # V2 with the operands' and the result's dtypes as attributes (Tout may widen int8 products).
    r = _batch_matmul(ctx, x, y)
    out = dtypes.as_dtype(ctx.attrs["Tout"]).as_numpy_dtype
    return r if r.dtype == out else r.astype(out)


@register_shape("BatchMatMulV2", "BatchMatMulV3")
def _batch_matmul_shape(op):
    a, b = op.inputs[0].shape, op.inputs[1].shape
    for i, s in enumerate((a, b)):
        if s.rank is not None and s.rank < 2:
            raise ValueError("In[%d] ndims must be >= 2: %d" % (i, s.rank))
    if a.rank is None or b.rank is None:
        return [unknown_shape()]
    ax, ay = op.get_attr("adj_x"), op.get_attr("adj_y")
    m, ka = (a[-1], a[-2]) if ax else (a[-2], a[-1])
    kb, n = (b[-1], b[-2]) if ay else (b[-2], b[-1])
    if ka is not None and kb is not None and ka != kb:
        raise ValueError("Dimensions must be equal, but are %d and %d for BatchMatMulV2 with input shapes "
                         "%s, %s" % (ka, kb, a, b))
    batch = common_shapes.broadcast_shapes(a[:-2], b[:-2])
    return [TensorShape(batch.dims + [m, n])]


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, name=None):
    """The matrix product ``a @ b``; inputs of rank > 2 (or unknown rank) use BatchMatMulV2, whose leading
    dimensions broadcast. ``a`` and ``b`` must have the same dtype (TypeError otherwise)."""
    if transpose_a and adjoint_a:
        raise ValueError("Only one of transpose_a and adjoint_a can be True.")
    if transpose_b and adjoint_b:
        raise ValueError("Only one of transpose_b and adjoint_b can be True.")
    tensors = [v for v in (a, b) if is_tensor_like(v)]
    g = _graph_of(tensors) if tensors else get_default_graph()
    with g.as_default(), g.name_scope(name or "MatMul") as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b", preferred_dtype=a.dtype.base_dtype)
        ra, rb = a.shape.rank, b.shape.rank
        if ra is None or rb is None or ra > 2 or rb > 2:
            # As TensorFlow's: BatchMatMulV2 has adjoints only, so a transposed operand is conjugated first
            # (conj of a real tensor is the tensor).
            if transpose_a:
                a, adjoint_a = conj(a), True
            if transpose_b:
                b, adjoint_b = conj(b), True
            return make_op("BatchMatMulV2", [a, b], {"adj_x": bool(adjoint_a), "adj_y": bool(adjoint_b)},
                           name=scope)
        # MatMul has transposes only: an adjoint operand is conjugated first.
        if adjoint_a:
            a, transpose_a = conj(a), True
        if adjoint_b:
            b, transpose_b = conj(b), True
        return make_op("MatMul", [a, b], {"transpose_a": bool(transpose_a), "transpose_b": bool(transpose_b)},
                       name=scope)


# --- gradients --------------------------------------------------------------------------------------

@register_gradient("MatMul")
def _matmul_grad(op, grad):
    # TensorFlow's: the conjugates of the inputs (themselves when real) in transposed products.
    a, b = conj(op.inputs[0]), conj(op.inputs[1])
    ta, tb = op.get_attr("transpose_a"), op.get_attr("transpose_b")

    def mm(x, y, tx=False, ty=False):
        return make_op("MatMul", [x, y], {"transpose_a": tx, "transpose_b": ty})
    if not ta and not tb:
        return [mm(grad, b, ty=True), mm(a, grad, tx=True)]
    if not ta and tb:
        return [mm(grad, b), mm(grad, a, tx=True)]
    if ta and not tb:
        return [mm(b, grad, ty=True), mm(a, grad)]
    return [mm(b, grad, True, True), mm(grad, a, True, True)]


def _static_shape(t):
    s = t.shape
    return tuple(s.as_list()) if s.is_fully_defined() else None


@register_gradient("BatchMatMulV2", "BatchMatMulV3")
def _batch_matmul_v2_grad(op, grad):
    x, y = op.inputs
    adj_x, adj_y = op.get_attr("adj_x"), op.get_attr("adj_y")

    def bmm(p, q, ax, ay):
        return make_op("BatchMatMulV2", [p, q], {"adj_x": ax, "adj_y": ay}, name="MatMul")
    if not adj_x:
        gx = bmm(grad, y, False, True) if not adj_y else bmm(grad, y, False, False)
    else:
        gx = bmm(y, grad, False, True) if not adj_y else bmm(y, grad, True, True)
    if not adj_y:
        gy = bmm(x, grad, True, False) if not adj_x else bmm(x, grad, False, False)
    else:
        gy = bmm(grad, x, True, False) if not adj_x else bmm(grad, x, True, True)
    # Sum over broadcast batch dimensions.
    xs, ys = _static_shape(x), _static_shape(y)
    if xs is not None and ys is not None and xs[:-2] == ys[:-2]:
        return [gx, gy]
    sx, sy = shape(x), shape(y)
    rx, ry = make_op("BroadcastGradientArgs", [strided_slice(sx, [0], [-2]), strided_slice(sy, [0], [-2])])
    gx = reshape(reduce_sum(gx, rx), sx)
    gy = reshape(reduce_sum(gy, ry), sy)
    return [gx, gy]


register_tensor_operators(matmul=matmul)


# --- einsum --------------------------------------------------------------------------------------------

_ELLIPSIS = "..."


def _einsum_terms(equation, n_inputs, error):
    """``(input terms, output term)`` of an Einsum equation, each a list of labels and ``"..."``; ``error``
    is the exception class for a malformed one (ValueError while building, InvalidArgumentError in kernels)."""
    eq = equation.decode() if isinstance(equation, bytes) else equation
    if eq.count("->") != 1:
        raise error("Expecting exactly one '->' in einsum equation: %s" % eq)
    lhs, rhs = eq.split("->")
    parts = lhs.split(",")
    if len(parts) not in (1, 2):
        raise error("Expecting 1 or 2 input subscripts in equation '%s' but got: %d" % (eq, len(parts)))
    if len(parts) != n_inputs:
        raise error("Expecting %d inputs for equation '%s' but got: %d" % (len(parts), eq, n_inputs))
    terms = []
    for part in parts + [rhs]:
        term, rest = [], part
        while rest:
            if rest.startswith(_ELLIPSIS):
                if _ELLIPSIS in term:
                    raise error("Found more than one ellipsis in einsum subscript '%s' of equation: %s" % (part, eq))
                term.append(_ELLIPSIS)
                rest = rest[3:]
            elif rest[0].isalpha():
                term.append(rest[0])
                rest = rest[1:]
            else:
                raise error("Invalid character '%s' in einsum equation: %s" % (rest[0], eq))
        terms.append(term)
    labels = {t for term in terms[:-1] for t in term}
    for t in terms[-1]:
        if t not in labels and t != _ELLIPSIS:
            raise error("Output subscripts contain the label %s not present in the input subscripts." % t)
    return terms[:-1], terms[-1]


def _label_axes(term, rank):
    """(label, axis) of each named label of ``term`` for an input of ``rank``, and the ellipsis' axes."""
    named = len(term) - (_ELLIPSIS in term)
    n_batch = rank - named
    out, axis, batch = [], 0, range(0)
    for t in term:
        if t == _ELLIPSIS:
            batch = range(axis, axis + n_batch)
            axis += n_batch
        else:
            out.append((t, axis))
            axis += 1
    return out, batch


def _check_einsum_rank(i, term, rank, error, eq):
    named = len(term) - (_ELLIPSIS in term)
    if _ELLIPSIS in term and rank < named:
        raise error("Expected input %d to have rank at least %d but got: %d" % (i, named, rank) + eq)
    if _ELLIPSIS not in term and rank != named:
        raise error("Expected input %d to have rank %d but got: %d" % (i, named, rank) + eq)


@register_kernel("Einsum")
def _einsum(ctx, *inputs):
    xp = ctx.xp
    equation = ctx.attrs["equation"]
    terms, out_term = _einsum_terms(equation, len(inputs), invalid)
    dims, batches = {}, []
    for i, (term, x) in enumerate(zip(terms, inputs)):
        _check_einsum_rank(i, term, x.ndim, invalid, "")
        axes, batch = _label_axes(term, x.ndim)
        batches.append(tuple(x.shape[a] for a in batch))
        for label, axis in axes:
            d = x.shape[axis]
            if dims.setdefault(label, d) != d:
                raise invalid("Expected dimension %d at axis %d of the input shaped %s but got dimension %d",
                              dims[label], axis, dbg(x.shape), d)
    try:
        batch = np.broadcast_shapes(*batches)
    except ValueError:
        raise invalid("In[0] and In[1] must have compatible batch dimensions: %s vs. %s",
                      dbg(inputs[0].shape), dbg(inputs[1].shape)) from None
    # numpy's and CuPy's einsum cannot write a label twice in the output (the gradient of a diagonal
    # does): contract to each output label once, then write the result along the diagonal.
    unique = list(dict.fromkeys(out_term))
    eq = "%s->%s" % (",".join("".join(t) for t in terms), "".join(unique))
    acc = f16_acc(inputs[0])
    args = [x.astype(acc) for x in inputs] if acc else inputs
    r = _einsum_as_matmul(xp, args, terms, out_term) if len(args) == 2 else None
    if r is None:
        r = xp.einsum(eq, *args)
    if acc:
        r = r.astype(inputs[0].dtype)
    if len(unique) == len(out_term):
        return xp.asarray(r)
    sizes = {label: dims[label] for label in unique if label != _ELLIPSIS}
    return _inflate(xp, r, unique, out_term, sizes, batch)


def _einsum_as_matmul(xp, args, terms, out_term):
    """A two-input contraction as TensorFlow computes it, one batched matrix product of the inputs
    transposed to (batch, free, contracted) and (batch, contracted, free) (BLAS, where ``einsum`` without
    a path loops); None for what it does not cover (an ellipsis, a label repeated within a term)."""
    (ta, tb), (a, b) = terms, args
    if _ELLIPSIS in ta or _ELLIPSIS in tb or _ELLIPSIS in out_term:
        return None
    if len(set(ta)) != len(ta) or len(set(tb)) != len(tb) or len(set(out_term)) != len(out_term):
        return None
    # Labels only one input has and the output lacks are summed out of that input first.
    ta2 = [label for label in ta if label in out_term or label in tb]
    tb2 = [label for label in tb if label in out_term or label in ta]
    if len(ta2) != len(ta):
        a = a.sum(axis=tuple(i for i, label in enumerate(ta) if label not in ta2))
    if len(tb2) != len(tb):
        b = b.sum(axis=tuple(i for i, label in enumerate(tb) if label not in tb2))
    size = dict(zip(ta2, a.shape))
    size.update(zip(tb2, b.shape))
    batch = [label for label in out_term if label in ta2 and label in tb2]
    left = [label for label in ta2 if label in out_term and label not in tb2]
    right = [label for label in tb2 if label in out_term and label not in ta2]
    contract = [label for label in ta2 if label not in out_term]

    def prod(labels):
        return int(np.prod([size[label] for label in labels], dtype=np.int64))

    def as_3d(x, t, inner, outer):
        # x as (batch, inner, outer); laid out (batch, outer, inner) when that is how it lies in memory, and
        # then handed over transposed: BLAS reads a transposed operand in place, where a copy costs a pass.
        for first, second, flip in ((inner, outer, False), (outer, inner, True)):
            perm = [t.index(label) for label in batch + first + second]
            if perm == sorted(perm):
                y = x.reshape(prod(batch), prod(first), prod(second))
                return y.swapaxes(1, 2) if flip else y
        return x.transpose([t.index(label) for label in batch + inner + outer]).reshape(
            prod(batch), prod(inner), prod(outer))
    r = _batched(as_3d(a, ta2, left, contract), as_3d(b, tb2, contract, right), xp).reshape(
        [size[label] for label in batch + left + right])
    order = batch + left + right
    return r.transpose([order.index(label) for label in out_term])


def _inflate(xp, r, unique, out_term, sizes, batch):
    """``r`` (one axis per label of ``unique``) written into zeros shaped by ``out_term``, where a label
    repeated in ``out_term`` indexes a diagonal."""
    axes, n = {}, 0       # label -> axes of r (the ellipsis may stand for several)
    for label in unique:
        k = len(batch) if label == _ELLIPSIS else 1
        axes[label] = list(range(n, n + k))
        n += k
    grids = []
    for a in range(n):
        grids.append(xp.arange(r.shape[a]).reshape([-1 if j == a else 1 for j in range(n)]))
    shape, index = [], []
    for label in out_term:
        shape.extend(batch if label == _ELLIPSIS else [sizes[label]])
        index.extend(grids[a] for a in axes[label])
    out = xp.zeros(shape, dtype=r.dtype)
    out[tuple(index)] = r
    return out


@register_shape("Einsum")
def _einsum_shape(op):
    equation = op.get_attr("equation")
    eq = equation.decode() if isinstance(equation, bytes) else equation
    terms, out_term = _einsum_terms(eq, len(op.inputs), ValueError)
    dims, batch = {}, TensorShape([])
    for i, (term, t) in enumerate(zip(terms, op.inputs)):
        s = t.shape
        if s.rank is None:
            if _ELLIPSIS in term:
                batch = None
            continue
        _check_einsum_rank(i, term, s.rank, ValueError, "\n\t for %dth input and equation: %s" % (i, eq))
        axes, b = _label_axes(term, s.rank)
        if batch is not None and _ELLIPSIS in term:
            batch = common_shapes.broadcast_shapes(batch, TensorShape([s[a] for a in b]))
        for label, axis in axes:
            d, prev = s[axis], dims.get(label)
            if d is not None and prev is not None and d != prev:
                raise ValueError("Dimensions must be equal, but are %d and %d" % (prev, d))
            dims[label] = prev if d is None else d
    if _ELLIPSIS in out_term and batch is None:
        return [unknown_shape()]
    out = []
    for label in out_term:
        out.extend(batch.dims if label == _ELLIPSIS else [dims.get(label)])
    return [TensorShape(out)]


def _einsum_op(inputs, equation):
    return make_op("Einsum", [list(inputs)], {"equation": equation}, name="Einsum")


def _resolve_equation(equation, n_inputs):
    """TensorFlow's checks of an einsum equation, with the implicit output (labels appearing once, in
    alphabetical order) made explicit; the ellipsis is ``0`` in the result."""
    eq = equation.replace(" ", "")
    if "..." in eq:
        if "0" in eq:
            raise ValueError('Invalid character "0" in equation: %s.' % equation)
        eq = eq.replace("...", "0")
    m = re.match(r"^([a-zA-Z0,]*)(->[a-zA-Z0]*)?$", eq)
    if not m:
        raise ValueError("Subscripts have incorrect format: {}".format(eq))
    in_labels = m.group(1).split(",")
    if len(in_labels) != n_inputs:
        raise ValueError('Got {} inputs for equation "{}", expecting {}'.format(n_inputs, equation, len(in_labels)))
    if m.group(2) is None:
        counts = collections.Counter(m.group(1))
        out = "".join(x for x in sorted(counts) if x != "," and counts[x] == 1)
    else:
        out = m.group(2)[2:]
    if len(set(out)) != len(out):
        raise ValueError("Output subscripts contain a label appearing more than once: {}".format(equation))
    for label in out:
        if label != "0" and label not in m.group(1):
            raise ValueError("Output subscripts contain the label {} not present in the input subscripts."
                             .format(label))
    return in_labels, out


def einsum(equation, *inputs, **kwargs):
    """A tensor contraction by Einstein summation (``numpy.einsum``'s equations): ``einsum('ij,jk->ik', a,
    b)`` is ``a @ b``; ``...`` stands for broadcast batch dimensions; without ``->`` the output is the
    labels appearing once, in alphabetical order.

    One or two inputs make one Einsum op, as in TensorFlow. More are contracted pairwise from the left
    (TensorFlow picks the order with opt_einsum, which tagraph does not have): the same values, other
    intermediate ops.
    """
    name = kwargs.pop("name", None)
    kwargs.pop("optimize", None)
    if kwargs:
        raise TypeError("Invalid keyword arguments for einsum: %s. Valid arguments: name, optimize, greedy."
                        % ", ".join(kwargs))
    tensors = [v for v in inputs if is_tensor_like(v)]
    g = _graph_of(tensors) if tensors else get_default_graph()
    with g.as_default(), g.name_scope(name or "einsum"):
        in_labels, out = _resolve_equation(equation, len(inputs))
        ops = [(x, t) for x, t in zip(inputs, in_labels)]
        while True:
            if len(ops) <= 2:
                eq = "%s->%s" % (",".join(t for _, t in ops), out)
                return _einsum_op([x for x, _ in ops], eq.replace("0", "..."))
            (a, ta), (b, tb) = ops[:2]
            needed = set(out).union(*[t for _, t in ops[2:]])
            keep = "".join(x for x in dict.fromkeys(ta + tb) if x in needed)
            ops = [(_einsum_op([a, b], ("%s,%s->%s" % (ta, tb, keep)).replace("0", "...")), keep)] + ops[2:]


@register_gradient("Einsum")
def _einsum_grad(op, grad):
    # TensorFlow's (linalg_grad.py): the gradient of a contraction is the contraction of the output's
    # gradient with the other operand back to the input's labels; labels summed away are broadcast back;
    # complex operands are conjugated.
    equation = op.get_attr("equation")
    equation = equation.decode() if isinstance(equation, bytes) else equation
    input_subs, output_subs = equation.split("->")
    if len(op.inputs) == 1:
        input_shape = shape(op.inputs[0])
        reduced = set(input_subs).difference(set(output_subs + _ELLIPSIS))
        if not reduced:
            return [_einsum_op([grad], "%s->%s" % (output_subs, input_subs))]
        return [_einsum_grad_reduced(grad, output_subs, input_subs, input_shape, reduced)]
    x_subs, y_subs = input_subs.split(",")
    if _ELLIPSIS in output_subs:
        x_subs += "" if _ELLIPSIS in x_subs else _ELLIPSIS
        y_subs += "" if _ELLIPSIS in y_subs else _ELLIPSIS
    x, y = op.inputs
    if grad.dtype.is_complex:
        x, y = conj(x), conj(y)
    x_shape, y_shape = shape(x), shape(y)
    grad_x = _einsum_grad_wrt(grad, y, x_shape, x_subs, y_subs, output_subs)
    grad_y = _einsum_grad_wrt(grad, x, y_shape, y_subs, x_subs, output_subs)
    if _ELLIPSIS not in output_subs:
        return [grad_x, grad_y]
    bx_start, bx_end = _bcast_subshape(x_subs)
    by_start, by_end = _bcast_subshape(y_subs)
    xs, ys = x.shape, y.shape
    if xs.is_fully_defined() and ys.is_fully_defined() and \
            xs.as_list()[bx_start:bx_end] == ys.as_list()[by_start:by_end]:
        return [grad_x, grad_y]
    rx, ry = make_op("BroadcastGradientArgs", [x_shape[bx_start:bx_end], y_shape[by_start:by_end]])
    grad_x = reshape(reduce_sum(grad_x, bx_start + rx), x_shape)
    grad_y = reshape(reduce_sum(grad_y, by_start + ry), y_shape)
    return [grad_x, grad_y]


def _bcast_subshape(subscripts):
    """(start, end) of the axes the ellipsis stands for (end None: to the last axis; (0, 0): none)."""
    start = subscripts.find(_ELLIPSIS)
    if start == -1:
        return 0, 0
    remaining = len(subscripts) - (start + len(_ELLIPSIS))
    return start, (-remaining if remaining > 0 else None)


def _axis_of_label(subscripts, label):
    """The axis of ``label`` (negative when it follows the ellipsis), leftmost if repeated."""
    splits = subscripts.split(_ELLIPSIS)
    index = splits[0].find(label)
    if index != -1:
        return index
    return splits[1].find(label) - len(splits[1])


def _einsum_grad_reduced(output_grad, output_subs, input_subs, input_shape, reduced_label_set):
    """The gradient of a unary einsum ``input_subs->output_subs`` that sums the labels of
    ``reduced_label_set`` away."""
    reduced_subs = "".join(sorted(reduced_label_set))
    reduced_axes = [_axis_of_label(input_subs, s) for s in reduced_subs]
    reduced_dims = joining_ops.stack([input_shape[ax] for ax in reduced_axes])
    has_repeated = len(set(input_subs)) + len(set(output_subs)) < len(input_subs) + len(output_subs)
    without_reduced = "".join(s for s in input_subs if s not in reduced_label_set)
    if not has_repeated and without_reduced == output_subs:
        return broadcast_to(reshape(output_grad, _reduced_shape(input_shape, reduced_axes)), input_shape)
    grad_shape = joining_ops.concat([reduced_dims, shape(output_grad)], 0)
    ones_shape = joining_ops.concat([ones([len(reduced_label_set)], dtypes.int32), shape(output_grad)], 0)
    broadcast = broadcast_to(reshape(output_grad, ones_shape), grad_shape)
    return _einsum_op([broadcast], "%s->%s" % (reduced_subs + output_subs, input_subs))


def _reduced_shape(input_shape, axes):
    """``input_shape`` (an int32 vector) with the dimensions at ``axes`` (negative ones count from the end)
    set to 1, as TensorFlow's ``math_ops.reduced_shape``."""
    rank = size(input_shape)
    at = math_ops.floormod(math_ops.add(constant(np.array(axes, np.int32)), rank), rank)
    hit = math_ops.minimum(reduce_sum(indexing_ops.one_hot(at, rank, dtype=dtypes.int32), axis=0), 1)
    return math_ops.add(math_ops.multiply(input_shape, math_ops.subtract(1, hit)), hit)


def _einsum_grad_wrt(output_grad, other, input_shape, input_subs, other_subs, output_subs):
    """The gradient of a binary einsum with respect to the operand of ``input_subs``, before summing over
    broadcast batch dimensions."""
    reduced = set(input_subs).difference(set(output_subs + other_subs + "."))
    left_subs = "".join(s for s in input_subs if s not in reduced)
    grad_reduced = _einsum_op([output_grad, other], "%s,%s->%s" % (output_subs, other_subs, left_subs))
    if not reduced:
        return grad_reduced
    return _einsum_grad_reduced(grad_reduced, left_subs, input_subs, input_shape, reduced)


# --- tensordot ------------------------------------------------------------------------------------------
# Built as TensorFlow builds it (math_ops.tensordot): each operand transposed so that its contracted axes
# come last (first for b) and reshaped to a matrix, one MatMul, and a reshape to the free dimensions.

def _tensordot_reshape(a, axes, flipped=False):
    """(a as a matrix, its free dimensions as a list or int32 tensor, their static dims or None)."""
    if a.shape.is_fully_defined() and isinstance(axes, (list, tuple)):
        shape_a = a.shape.as_list()
        axes = [i if i >= 0 else i + len(shape_a) for i in axes]
        free = [i for i in builtins.range(len(shape_a)) if i not in axes]
        free_dims = [shape_a[i] for i in free]
        prod_free = int(np.prod([shape_a[i] for i in free]))
        prod_axes = int(np.prod([shape_a[i] for i in axes]))
        perm = list(axes) + free if flipped else free + list(axes)
        new_shape = [prod_axes, prod_free] if flipped else [prod_free, prod_axes]
        a_trans = transpose(a, perm) if perm != list(builtins.range(len(shape_a))) else a
        reshaped = reshape(a_trans, new_shape) if a_trans.shape.as_list() != new_shape else a_trans
        return reshaped, free_dims, free_dims
    if a.shape.rank is not None and isinstance(axes, (list, tuple)):
        shape_a = a.shape.as_list()
        axes = [i if i >= 0 else i + len(shape_a) for i in axes]
        free = [i for i in builtins.range(len(shape_a)) if i not in axes]
        free_dims_static = [shape_a[i] for i in free]
        axes = convert_to_tensor(axes, dtype=dtypes.int32, name="axes")
        free = convert_to_tensor(free, dtype=dtypes.int32, name="free")
        shape_a = shape(a)
    else:
        free_dims_static = None
        shape_a = shape(a)
        rank_a = rank(a)
        axes = convert_to_tensor(axes, dtype=dtypes.int32, name="axes")
        axes = math_ops.where(greater_equal(axes, 0), axes, math_ops.add(axes, rank_a))
        free, _ = indexing_ops.setdiff1d(math_ops.range(rank_a), axes)
    free_dims = indexing_ops.gather(shape_a, free)
    axes_dims = indexing_ops.gather(shape_a, axes)
    prod_free_dims = reduce_prod(free_dims)
    prod_axes_dims = reduce_prod(axes_dims)
    if flipped:
        perm = joining_ops.concat([axes, free], 0)
        new_shape = joining_ops.stack([prod_axes_dims, prod_free_dims])
    else:
        perm = joining_ops.concat([free, axes], 0)
        new_shape = joining_ops.stack([prod_free_dims, prod_axes_dims])
    return reshape(transpose(a, perm), new_shape), free_dims, free_dims_static


def _tensordot_axes(a, axes):
    """The contracted axes of a and of b."""
    a_shape = a.shape
    if isinstance(axes, (int, np.integer)):
        if axes < 0:
            raise ValueError(f"`axes` must be at least 0. Received: {axes}.")
        if a_shape.rank is not None:
            if axes > a_shape.rank:
                raise ValueError(f"`axes` must not be larger than the number of dimensions of tensor {a}.  "
                                 f"Received {axes}, vs tensor dimensions {a_shape.rank}.")
            return list(builtins.range(a_shape.rank - axes, a_shape.rank)), list(builtins.range(axes))
        r = rank(a)
        return (math_ops.range(math_ops.subtract(r, axes), r, dtype=dtypes.int32),
                math_ops.range(axes, dtype=dtypes.int32))
    if isinstance(axes, (list, tuple)):
        if len(axes) != 2:
            raise ValueError(f"`axes` must be an integer or have length 2. Received {axes}.")
        a_axes, b_axes = axes
        if isinstance(a_axes, (int, np.integer)) and isinstance(b_axes, (int, np.integer)):
            a_axes, b_axes = [a_axes], [b_axes]
        if len(a_axes) != len(b_axes):
            raise ValueError(f"Different number of contraction axes `a` and `b`, {len(a_axes)} != {len(b_axes)}.")
        return list(a_axes), list(b_axes)
    axes = convert_to_tensor(axes, name="axes", dtype=dtypes.int32)
    return axes[0], axes[1]


def tensordot(a, b, axes, name=None):
    """The sum of products of ``a`` and ``b`` over the given axes: ``axes=N`` contracts the last N axes of
    ``a`` with the first N of ``b``; ``axes=[[1, 2], [0, 1]]`` names them.

        tg.tensordot(x, w, 1)        # x @ w for matrices
    """
    tensors = [v for v in (a, b) if is_tensor_like(v)]
    g = _graph_of(tensors) if tensors else get_default_graph()
    with g.as_default(), g.name_scope(name or "Tensordot") as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b")
        a_axes, b_axes = _tensordot_axes(a, axes)
        a_reshape, a_free_dims, a_free_static = _tensordot_reshape(a, a_axes)
        b_reshape, b_free_dims, b_free_static = _tensordot_reshape(b, b_axes, True)
        ab_matmul = matmul(a_reshape, b_reshape)
        if isinstance(a_free_dims, list) and isinstance(b_free_dims, list):
            if ab_matmul.shape.is_fully_defined() and ab_matmul.shape.as_list() == a_free_dims + b_free_dims:
                return ab_matmul
            return reshape(ab_matmul, a_free_dims + b_free_dims, name=scope)
        a_free_dims = convert_to_tensor(a_free_dims, dtype=dtypes.int32)
        b_free_dims = convert_to_tensor(b_free_dims, dtype=dtypes.int32)
        product = reshape(ab_matmul, joining_ops.concat([a_free_dims, b_free_dims], 0), name=scope)
        if a_free_static is not None and b_free_static is not None:
            product.set_shape(a_free_static + b_free_static)
        elif not isinstance(axes, (int, np.integer, list, tuple)):
            product.set_shape(_tensordot_static_shape(a, b, axes))
        return product


def _tensordot_static_shape(a, b, axes):
    """The result's shape when the axes are a tensor whose value is known while building: TensorFlow's
    shape inference evaluates the small graph of axes arithmetic that tagraph does not fold."""
    value = constant_value(convert_to_tensor(axes))
    if value is None or not a.shape.is_fully_defined() or not b.shape.is_fully_defined():
        return unknown_shape()
    value = np.asarray(value).reshape(2, -1)
    free = []
    for t, ax in ((a, value[0]), (b, value[1])):
        dims = t.shape.as_list()
        contracted = {int(i) % len(dims) for i in ax} if dims else set()
        free.extend(d for i, d in enumerate(dims) if i not in contracted)
    return TensorShape(free)
