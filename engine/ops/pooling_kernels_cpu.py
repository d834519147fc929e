"""MaxPool and MaxPoolGrad on the CPU, compiled with Numba: one pass over the input per window, reading the
unpadded NHWC tensor (windows are clipped to the image, so padding never wins), where numpy needs a padded
copy and several full-size passes per window tap.

MaxPoolGrad routes each window's gradient as TensorFlow's CPU kernel does
(``SpatialMaxPoolWithArgMaxHelper``): the window's first element in row-major order is taken, and a later
one replaces it only where it is strictly greater, so of equal maxima the first wins, and a NaN wins only
where it comes first. Overlapping windows add their gradients. MaxPool propagates NaN, as numpy's maximum.
Images are independent: a large batch is split by images over the intra-op threads.

    out = np.empty((n, g.oh, g.ow, c), x.dtype); max_pool(x, g, out)
    dx = max_pool_grad(x, dy, g)
"""
import numba
import numpy as np

from tagraph.devices import host_threads

__all__ = ["max_pool", "max_pool_grad"]

_MIN_SHARD_VALUES = 1 << 17      # of the input: a smaller shard costs more to hand over than to run

@numba.njit(cache=True, nogil=True)
def _max_pool(x, kh, kw, sh, sw, pt, pl, oh, ow, lowest, out):
    n, h, wd, c = x.shape
    for b in range(n):
        for p in range(oh):
            r0 = p * sh - pt
            r1 = min(r0 + kh, h)
            r0 = max(r0, 0)
            for q in range(ow):
                s0 = q * sw - pl
                s1 = min(s0 + kw, wd)
                s0 = max(s0, 0)
                if r0 >= r1 or s0 >= s1:
                    for k in range(c):
                        out[b, p, q, k] = lowest
                    continue
                for k in range(c):
                    out[b, p, q, k] = x[b, r0, s0, k]
                for r in range(r0, r1):
                    for s in range(s0, s1):
                        for k in range(c):
                            v = x[b, r, s, k]
                            # numpy's maximum: a NaN on either side wins.
                            if v > out[b, p, q, k] or v != v:
                                out[b, p, q, k] = v


@numba.njit(cache=True, nogil=True)
def _max_pool_grad(x, dy, kh, kw, sh, sw, pt, pl, oh, ow, dx):
    n, h, wd, c = x.shape
    best = np.empty(c, x.dtype)
    at_r = np.empty(c, np.int64)
    at_s = np.empty(c, np.int64)
    for b in range(n):
        for p in range(oh):
            r0 = p * sh - pt
            r1 = min(r0 + kh, h)
            r0 = max(r0, 0)
            for q in range(ow):
                s0 = q * sw - pl
                s1 = min(s0 + kw, wd)
                s0 = max(s0, 0)
                if r0 >= r1 or s0 >= s1:
                    continue
                for k in range(c):
                    best[k] = x[b, r0, s0, k]
                    at_r[k] = r0
                    at_s[k] = s0
                for r in range(r0, r1):
                    for s in range(s0, s1):
                        for k in range(c):
                            v = x[b, r, s, k]
                            if best[k] < v:
                                best[k] = v
                                at_r[k] = r
                                at_s[k] = s
                for k in range(c):
                    dx[b, at_r[k], at_s[k], k] += dy[b, p, q, k]


@numba.njit(cache=True, nogil=True)
def _max_pool_grad_tiled(x, dy, kh, kw, oh, ow, dx):
    # Windows that tile x exactly (a 2x2 pool with stride 2 on even sizes): each element of dx is written
    # once, its window's gradient or zero, so dx needs no zeroing pass and no scattered adds.
    n, h, wd, c = x.shape
    best = np.empty(c, x.dtype)
    at = np.empty(c, np.int64)
    for b in range(n):
        for p in range(oh):
            for q in range(ow):
                r0, s0 = p * kh, q * kw
                for k in range(c):
                    best[k] = x[b, r0, s0, k]
                    at[k] = 0
                tap = 0
                for r in range(r0, r0 + kh):
                    for s in range(s0, s0 + kw):
                        for k in range(c):
                            v = x[b, r, s, k]
                            if best[k] < v:
                                best[k] = v
                                at[k] = tap
                        tap += 1
                tap = 0
                for r in range(r0, r0 + kh):
                    for s in range(s0, s0 + kw):
                        for k in range(c):
                            dx[b, r, s, k] = dy[b, p, q, k] if at[k] == tap else 0
                        tap += 1


def _lowest(dtype):
    return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


def _by_images(work, x):
    """``work(first image, end image)`` over runs of images on the intra-op threads: images are
    independent, so each thread reads and writes its own."""
    per_image = max(1, x.size // max(x.shape[0], 1))
    host_threads.shards(work, total=x.shape[0], min_per_shard=max(1, _MIN_SHARD_VALUES // per_image))


def max_pool(x, g, out):
    """The maximum of each window of NHWC ``x`` that ``g`` (a ``conv_ops.Geom``) describes, into ``out``
    ([N, OH, OW, C])."""
    x = np.ascontiguousarray(x)
    lowest = x.dtype.type(_lowest(x.dtype))
    _by_images(lambda b0, b1: _max_pool(x[b0:b1], g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.oh, g.ow, lowest,
                                        out[b0:b1]), x)
    return out


def max_pool_grad(x, dy, g):
    """The gradient of MaxPool with respect to NHWC ``x``, given ``dy`` ([N, OH, OW, C]): each window's
    gradient goes to its first maximum."""
    x, dy = np.ascontiguousarray(x), np.ascontiguousarray(dy)
    if (g.kh, g.kw) == (g.sh, g.sw) and (g.oh * g.kh, g.ow * g.kw) == x.shape[1:3] and not (g.pt or g.pl):
        dx = np.empty(x.shape, dtype=dy.dtype)
        _by_images(lambda b0, b1: _max_pool_grad_tiled(x[b0:b1], dy[b0:b1], g.kh, g.kw, g.oh, g.ow, dx[b0:b1]),
                   x)
        return dx
    dx = np.zeros(x.shape, dtype=dy.dtype)
    _by_images(lambda b0, b1: _max_pool_grad(x[b0:b1], dy[b0:b1], g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.oh, g.ow,
                                             dx[b0:b1]), x)
    return dx
