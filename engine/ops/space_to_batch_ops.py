"""SpaceToBatchND and BatchToSpaceND: blocks of the spatial dimensions moved into the batch and back, the
ops TensorFlow's dilated (atrous) convolutions are built from; and TensorFlow 1's ``space_to_batch`` and
``batch_to_space`` (one block size for two spatial dimensions), which build the same ND ops.

    y = tg.space_to_batch_nd(x, block_shape=[2, 2], paddings=[[0, 0], [0, 0]])   # [4b, h/2, w/2, c]
    x2 = tg.batch_to_space_nd(y, block_shape=[2, 2], crops=[[0, 0], [0, 0]])     # x again

Each op's kernel (a pad or crop, a reshape and a transpose, written once against ``ctx.xp``), shape
function and gradient (the other op) live together, with TensorFlow's messages.
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.op_builder import register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops.op_util import dbg, gen1, invalid

__all__ = ["space_to_batch_nd", "batch_to_space_nd", "space_to_batch", "batch_to_space"]


def _block_args(x, block_shape, pairs, what):
    """The block sizes and the [M, 2] pads or crops as ints, checked as TensorFlow's kernels check them."""
    block = np.asarray(block_shape)
    pairs = np.asarray(pairs)
    if block.ndim != 1:
        raise invalid("block_shape must be 1-D, not %s", dbg(block.shape))
    m = block.shape[0]
    if pairs.ndim != 2 or pairs.shape != (m, 2):
        raise invalid("%s should have shape [%d, 2] instead of %s", what, m, dbg(pairs.shape))
    if x.ndim < 1 + m:
        raise invalid("input rank should be >= %d instead of %d", 1 + m, x.ndim)
    block = [int(b) for b in block]
    pairs = [(int(a), int(b)) for a, b in pairs]
    if any(b < 1 for b in block):
        raise invalid("All values in block_shape must be positive, got value, %d at index %d.",
                      min(block), block.index(min(block)))
    if any(a < 0 or b < 0 for a, b in pairs):
        raise invalid("All values in %s must be non-negative", what)
    return block, pairs


@register_kernel("SpaceToBatchND", host_inputs=(1, 2))
def _space_to_batch_nd(ctx, x, block_shape, paddings):
    xp = ctx.xp
    block, pads = _block_args(x, block_shape, paddings, "paddings")
    m = len(block)
    padded = [x.shape[1 + i] + a + b for i, (a, b) in enumerate(pads)]
    for i, (p, bs) in enumerate(zip(padded, block)):
        if p % bs:
            raise invalid("padded_shape[%d]=%d is not divisible by block_shape[%d]=%d", i, p, i, bs)
    x = xp.pad(x, [(0, 0)] + pads + [(0, 0)] * (x.ndim - 1 - m))
    batch, rest = x.shape[0], tuple(x.shape[1 + m:])
    split = [batch]
    for p, bs in zip(padded, block):
        split += [p // bs, bs]
    y = x.reshape(tuple(split) + rest)
    # [b, p1/b1, b1, ..., pM/bM, bM, rest] -> [b1, ..., bM, b, p1/b1, ..., pM/bM, rest]
    perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + \
        list(range(1 + 2 * m, 1 + 2 * m + len(rest)))
    y = y.transpose(perm)
    return xp.ascontiguousarray(y.reshape((batch * int(np.prod(block)),) + tuple(
        p // bs for p, bs in zip(padded, block)) + rest))


@register_kernel("BatchToSpaceND", host_inputs=(1, 2))
def _batch_to_space_nd(ctx, x, block_shape, crops):
    xp = ctx.xp
    block, crops = _block_args(x, block_shape, crops, "crops")
    m = len(block)
    prod = int(np.prod(block))
    if x.shape[0] % prod:
        raise invalid("Input batch dimension (%d) is not divisible by product of block sizes (%d)", x.shape[0], prod)
    batch, spatial, rest = x.shape[0] // prod, tuple(x.shape[1:1 + m]), tuple(x.shape[1 + m:])
    for i, ((a, b), s, bs) in enumerate(zip(crops, spatial, block)):
        if a + b > s * bs:
            raise invalid("Cropped size must be non-negative: start: %d end: %d uncropped_size: %d", a, b, s * bs)
    y = x.reshape(tuple(block) + (batch,) + spatial + rest)
    # [b1, ..., bM, b, s1, ..., sM, rest] -> [b, s1, b1, ..., sM, bM, rest]
    perm = [m]
    for i in range(m):
        perm += [m + 1 + i, i]
    perm += list(range(1 + 2 * m, 1 + 2 * m + len(rest)))
    y = y.transpose(perm).reshape((batch,) + tuple(s * bs for s, bs in zip(spatial, block)) + rest)
    index = (slice(None),) + tuple(slice(a, s * bs - b) for (a, b), s, bs in zip(crops, spatial, block))
    return xp.ascontiguousarray(y[index])


def _nd_shape(to_batch):
    def shape_fn(op):
        x = op.inputs[0].shape
        block, pairs = constant_value(op.inputs[1]), constant_value(op.inputs[2])
        bshape = op.inputs[1].shape
        if bshape.rank not in (None, 1):
            raise ValueError("Shape must be rank 1 but is rank %d" % bshape.rank)
        m = bshape.dims[0] if bshape.rank == 1 else None
        if m is not None and x.rank is not None and x.rank < 1 + m:
            raise ValueError("Shape must be at least rank %d but is rank %d" % (1 + m, x.rank))
        if x.rank is None:
            return [unknown_shape()]
        if block is None or pairs is None:
            if m is None:
                return [TensorShape([None] * x.rank)]
            return [TensorShape([None] * (1 + m) + x.dims[1 + m:])]
        block, pairs = [int(b) for b in np.reshape(block, [-1])], np.reshape(pairs, [-1, 2]).astype(int)
        m = len(block)
        if any(b < 1 for b in block):
            raise ValueError("block_shape must be positive")
        if (pairs < 0).any():
            raise ValueError("%s must be non-negative" % ("paddings" if to_batch else "crops"))
        dims = x.dims
        prod = int(np.prod(block))
        out = []
        if to_batch:
            out.append(None if dims[0] is None else dims[0] * prod)
            for i in range(m):
                d = dims[1 + i]
                if d is None:
                    out.append(None)
                    continue
                p = d + int(pairs[i, 0]) + int(pairs[i, 1])
                if p % block[i]:
                    raise ValueError("padded_shape[%d]=%d is not divisible by block_shape[%d]=%d"
                                     % (i, p, i, block[i]))
                out.append(p // block[i])
        else:
            if dims[0] is not None and dims[0] % prod:
                raise ValueError("batch is not divisible by product of block sizes (%d)" % prod)
            out.append(None if dims[0] is None else dims[0] // prod)
            for i in range(m):
                d = dims[1 + i]
                if d is None:
                    out.append(None)
                    continue
                c = d * block[i] - int(pairs[i, 0]) - int(pairs[i, 1])
                if c < 0:
                    raise ValueError("cropped_shape[%d]=%d must be non-negative" % (i, c))
                out.append(c)
        return [TensorShape(out + list(dims[1 + m:]))]
    return shape_fn


register_shape("SpaceToBatchND")(_nd_shape(True))
register_shape("BatchToSpaceND")(_nd_shape(False))


@register_gradient("SpaceToBatchND")
def _space_to_batch_nd_grad(op, grad):
    return [batch_to_space_nd(grad, op.inputs[1], op.inputs[2]), None, None]


@register_gradient("BatchToSpaceND")
def _batch_to_space_nd_grad(op, grad):
    return [space_to_batch_nd(grad, op.inputs[1], op.inputs[2]), None, None]


def space_to_batch_nd(input, block_shape, paddings, name=None):  # noqa: A002 - TensorFlow's argument name
    """``input`` [b, s1..sM, rest] padded, its spatial blocks moved into the batch (SpaceToBatchND)."""
    return gen1("SpaceToBatchND", [input, block_shape, paddings], name=name, default_name="SpaceToBatchND")


def batch_to_space_nd(input, block_shape, crops, name=None):  # noqa: A002
    """The inverse of :func:`space_to_batch_nd`, then cropped (BatchToSpaceND)."""
    return gen1("BatchToSpaceND", [input, block_shape, crops], name=name, default_name="BatchToSpaceND")


def _square_block(block_size, block_shape):
    if block_shape is None:
        if block_size is None:
            raise ValueError("Either `block_size` or `block_shape` must be given")
        return np.array([block_size, block_size], np.int64 if isinstance(block_size, np.int64) else np.int32)
    return block_shape


def space_to_batch(input, paddings, block_size=None, name=None, block_shape=None):  # noqa: A002
    """TensorFlow 1's ``space_to_batch``: SpaceToBatchND with ``block_size`` for both spatial dimensions."""
    return space_to_batch_nd(input, _square_block(block_size, block_shape), paddings, name=name)


def batch_to_space(input, crops, block_size, name=None, block_shape=None):  # noqa: A002
    """TensorFlow 1's ``batch_to_space``: BatchToSpaceND with ``block_size`` for both spatial dimensions."""
    return batch_to_space_nd(input, _square_block(block_size, block_shape), crops, name=name)
