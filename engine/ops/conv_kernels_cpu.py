"""Conv2D and its two gradient ops on the CPU: im2col products taken a group of images at a time, with an
im2col and col2im compiled by Numba that read and write the unpadded NHWC tensor (no padded copies).

A convolution is ``cols @ w`` where ``cols`` is the [N * OH * OW, KH * KW * C] matrix of every output
position's window (rows: output positions; columns: taps, then channels; zeros where a tap reads padding);
its filter gradient is ``cols^T @ dy``; its input gradient is ``dy @ w^T`` added back by col2im where each
tap reads. The whole batch's ``cols`` is many times the input (25 times for a 5x5 filter) and far larger
than the caches, so it is built and multiplied for a few images at a time (about ``CHUNK_BYTES`` of
``cols``): the product then reads it from cache, where the whole matrix went out to memory and back, and
the group costs less than the product alone over the whole batch. The compiled loops run single-threaded
and release the GIL: the products around them use BLAS's threads, and Numba's own thread pool spinning
beside OpenBLAS's costs more than it brings.

With fewer than ``MIN_COMPILED_CHANNELS`` input channels (a network's first layer, on grey or RGB images) a
row of ``cols`` is a few short runs (5 values for a 5x5 filter on one channel), and building it row by row
costs several times the thin product (K = 25) that follows: numpy's strided copy of the padded input builds
the forward's ``cols`` faster than the compiled loop, and the filter gradient builds the whole batch's
matrix transposed, tap-major ([KH * KW * C, N * OH * OW]: for each tap, the input shifted under it, copied
in runs along the output's width) over the intra-op threads, for one product ``cols_t @ dy``.

    g = conv_ops.Geom(attrs, h, w, kh, kw)
    y = conv2d(x, w, g)                      # [N * OH * OW, CO]; x NHWC, float32 or float64
    dw = conv2d_filter_grad(x, dy2, g, w.shape)
    dx = conv2d_input_grad(dy2, w, g, n)     # NHWC
"""
import numba
import numpy as np

from tagraph.devices import host_threads

__all__ = ["CHUNK_BYTES", "MIN_COMPILED_CHANNELS", "conv2d", "conv2d_filter_grad", "conv2d_input_grad"]

CHUNK_BYTES = 4 << 20
MIN_COMPILED_CHANNELS = 4
_MIN_SHARD_VALUES = 1 << 18     # of the tap-major matrix: a smaller shard costs more to hand over than to fill


@numba.njit(cache=True, nogil=True)
def _im2col(x, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, cols):
    n, h, wd, c = x.shape
    for b in range(n):
        for p in range(oh):
            for q in range(ow):
                row = (b * oh + p) * ow + q
                for i in range(kh):
                    r = p * sh + i * dh - pt
                    for j in range(kw):
                        s = q * sw + j * dw - pl
                        col = (i * kw + j) * c
                        if 0 <= r < h and 0 <= s < wd:
                            for k in range(c):
                                cols[row, col + k] = x[b, r, s, k]
                        else:
                            for k in range(c):
                                cols[row, col + k] = 0


@numba.njit(cache=True, nogil=True)
def _col2im_add(cols, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, dx):
    n, h, wd, c = dx.shape
    for b in range(n):
        for p in range(oh):
            for q in range(ow):
                row = (b * oh + p) * ow + q
                for i in range(kh):
                    r = p * sh + i * dh - pt
                    if r < 0 or r >= h:
                        continue
                    for j in range(kw):
                        s = q * sw + j * dw - pl
                        if s < 0 or s >= wd:
                            continue
                        col = (i * kw + j) * c
                        for k in range(c):
                            dx[b, r, s, k] += cols[row, col + k]


@numba.njit(cache=True, nogil=True)
def _im2col_tap_major(x, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, cols_t):
    n, h, wd, c = x.shape
    flat = x.reshape(-1)
    for i in range(kh):
        for j in range(kw):
            off = j * dw - pl
            # The output columns q whose input column q * sw + off lies inside the image: [q0, q1).
            q0 = min(ow, max(0, (-off + sw - 1) // sw))
            q1 = max(q0, min(ow, (wd - 1 - off) // sw + 1)) if wd - 1 - off >= 0 else q0
            for k in range(c):
                dst = cols_t[(i * kw + j) * c + k]
                for b in range(n):
                    for p in range(oh):
                        base = (b * oh + p) * ow
                        r = p * sh + i * dh - pt
                        if r < 0 or r >= h:
                            dst[base:base + ow] = 0
                            continue
                        dst[base:base + q0] = 0
                        src = ((b * h + r) * wd + off) * c + k
                        step = sw * c
                        for q in range(q0, q1):
                            dst[base + q] = flat[src + q * step]
                        dst[base + q1:base + ow] = 0


def _tap_major(x, g):
    """The transposed ``cols`` of the whole batch, [KH * KW * C, N * OH * OW], built a run of images per
    intra-op thread; None where the input has ``MIN_COMPILED_CHANNELS`` channels or more."""
    n, c = x.shape[0], x.shape[3]
    if c >= MIN_COMPILED_CHANNELS:
        return None
    x = np.ascontiguousarray(x)
    rows = g.oh * g.ow
    cols_t = np.empty((g.kh * g.kw * c, n * rows), dtype=x.dtype)
    host_threads.shards(
        lambda b0, b1: _im2col_tap_major(x[b0:b1], *_geometry(g), cols_t[:, b0 * rows:b1 * rows]),
        total=n, min_per_shard=max(1, _MIN_SHARD_VALUES // max(rows * cols_t.shape[0], 1)))
    return cols_t


def _geometry(g):
    return g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow


def _group(g, n, k, dtype):
    """Images per group: as many as keep a group's [rows, k] matrix near ``CHUNK_BYTES``."""
    per_image = g.oh * g.ow * k * np.dtype(dtype).itemsize
    return max(1, min(n, CHUNK_BYTES // max(per_image, 1)))


def _window_groups(x, g):
    """(first image, end image, cols) for each group of images of NHWC ``x``; one buffer serves every
    group, so each ``cols`` is valid until the next is yielded."""
    n, c = x.shape[0], x.shape[3]
    k = g.kh * g.kw * c
    per = _group(g, n, k, x.dtype)
    rows = g.oh * g.ow
    buf = np.empty((per * rows, k), dtype=x.dtype)
    compiled = c >= MIN_COMPILED_CHANNELS
    if compiled:
        x = np.ascontiguousarray(x)
    else:
        xpad = np.pad(x, ((0, 0), (g.pt, g.pb), (g.pl, g.pr), (0, 0))) if (g.pt or g.pb or g.pl or g.pr) else x
        s0, s1, s2, s3 = xpad.strides
        strides = (s0, s1 * g.sh, s2 * g.sw, s1 * g.dh, s2 * g.dw, s3)
    for b0 in range(0, n, per):
        b1 = min(n, b0 + per)
        cols = buf[:(b1 - b0) * rows]
        if compiled:
            _im2col(x[b0:b1], *_geometry(g), cols)
        else:
            shape = (b1 - b0, g.oh, g.ow, g.kh, g.kw, c)
            np.copyto(cols.reshape(shape), np.lib.stride_tricks.as_strided(xpad[b0:b1], shape, strides))
        yield b0, b1, cols


def conv2d(x, w, g):
    """The [N * OH * OW, CO] result of convolving NHWC ``x`` with ``w`` ([KH, KW, C, CO])."""
    kh, kw, ci, co = w.shape
    w2 = w.reshape(kh * kw * ci, co)
    rows = g.oh * g.ow
    out = np.empty((x.shape[0] * rows, co), dtype=np.result_type(x.dtype, w.dtype))
    for b0, b1, cols in _window_groups(x, g):
        np.matmul(cols, w2, out=out[b0 * rows:b1 * rows])
    return out


def conv2d_filter_grad(x, dy2, g, filter_shape):
    """The filter gradient ([KH, KW, C, CO]) of a convolution of NHWC ``x`` whose [N * OH * OW, CO] output
    gradient is ``dy2``."""
    cols_t = _tap_major(x, g)
    if cols_t is not None:
        return np.matmul(cols_t, dy2).reshape(filter_shape)
    rows = g.oh * g.ow
    dw = None
    for b0, b1, cols in _window_groups(x, g):
        part = np.matmul(cols.T, dy2[b0 * rows:b1 * rows])
        dw = part if dw is None else np.add(dw, part, out=dw)
    if dw is None:                                       # an empty batch
        return np.zeros(filter_shape, dtype=np.result_type(x.dtype, dy2.dtype))
    return dw.reshape(filter_shape)


def conv2d_input_grad(dy2, w, g, n):
    """The NHWC input gradient of a convolution with ``w`` ([KH, KW, C, CO]) whose [N * OH * OW, CO] output
    gradient is ``dy2``."""
    kh, kw, ci, co = w.shape
    k = kh * kw * ci
    # A contiguous [CO, KH * KW * C] right operand: OpenBLAS multiplies by a transposed view of the filter
    # several times slower when CO (the inner dimension) is small.
    wt = np.ascontiguousarray(w.reshape(k, co).T)
    rows = g.oh * g.ow
    per = _group(g, n, k, dy2.dtype)
    buf = np.empty((per * rows, k), dtype=dy2.dtype)
    dx = np.zeros((n, g.in_h, g.in_w, ci), dtype=dy2.dtype)
    for b0 in range(0, n, per):
        b1 = min(n, b0 + per)
        cols = buf[:(b1 - b0) * rows]
        np.matmul(dy2[b0 * rows:b1 * rows], wt, out=cols)
        _col2im_add(cols, *_geometry(g), dx[b0:b1])
    return dx
