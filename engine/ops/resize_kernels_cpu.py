"""ResizeBilinear on the CPU: each output row made from its two input rows by a loop compiled with Numba,
the batch's rows shared out over the intra-op threads.

TensorFlow's kernel computes, per output pixel, ``top = tl + (tr - tl) * xl``, ``bottom = bl + (br - bl) *
xl`` and ``top + (bottom - top) * yl`` in float32. Here each input row a shard needs is interpolated across
once (``tl + (tr - tl) * xl`` for every output column: TensorFlow's top or bottom values for that row) into
one of two row buffers, which stay in the L1 cache and serve every output row sampling that input row (the
sample rows only move down the image), and each output row is then ``top + (bottom - top) * yl`` of two
buffers, written straight into the result: the same float32 operations, unfused, so TensorFlow's values bit
for bit. The result is fresh memory; the shards write (and so first touch) their own parts of it in parallel.

    ys = (y_low, y_high, y_lerp)            # per output row: its two input rows and the second one's weight
    xs = (x_low, x_high, x_lerp)            # per output column, likewise
    out = resize_bilinear(images, ys, xs)   # [batch, len(y_low), len(x_low), channels] float32
"""
import numba
import numpy as np

from tagraph.devices.host_threads import shards

__all__ = ["MIN_SHARD_VALUES", "resize_bilinear"]

# A gap of at most this many input rows between two rows needed is interpolated too, and dropped: the input
# is then read in one stream, which the hardware prefetcher follows, where a row, a gap, a row, ... leaves
# each row's first reads waiting on memory (a 2x downscale: half the rows read, in 1.4x the time; reading
# the gap without the arithmetic, its loads all at once, gains less than half of that back).
MAX_GAP_READ = 2
# ... for inputs from this size on (about a last-level cache): smaller ones mostly come from the caches, where
# the gap rows' arithmetic is time lost (a 10 MB batch at 2x down: 1.4x slower with them, 38 MB: 1.6x faster).
STREAM_BYTES = 16 << 20

# Output values per shard at least (about 0.15 ms of work): below this handing a shard to another thread
# costs more than it saves.
MIN_SHARD_VALUES = 1 << 18


@numba.njit(cache=True, nogil=True)
def _across(src, first, left, right, x_lerp, channels, line):
    """One input row (from flat index ``first`` of ``src``) interpolated to the output's columns; ``left`` and
    ``right`` are the sampled columns' offsets in the row. The offsets are unsigned: no wraparound test on
    each read, which costs a third of the time."""
    if channels == 3:       # unrolled, as TensorFlow's ResizeLine3Channels
        one, two = np.uint64(1), np.uint64(2)
        for x in range(left.shape[0]):
            lo, hi, xl, o = first + left[x], first + right[x], x_lerp[x], x * 3
            a0, a1, a2 = np.float32(src[lo]), np.float32(src[lo + one]), np.float32(src[lo + two])
            line[o] = a0 + (np.float32(src[hi]) - a0) * xl
            line[o + 1] = a1 + (np.float32(src[hi + one]) - a1) * xl
            line[o + 2] = a2 + (np.float32(src[hi + two]) - a2) * xl
    else:
        for x in range(left.shape[0]):
            lo, hi, xl, o = first + left[x], first + right[x], x_lerp[x], x * channels
            for c in range(channels):
                a = np.float32(src[lo + np.uint64(c)])
                line[o + c] = a + (np.float32(src[hi + np.uint64(c)]) - a) * xl


@numba.njit(cache=True, nogil=True)
def _read_gap(src, last, row, row_values, left, right, x_lerp, channels, scratch, max_gap):
    """Interpolates the input rows between row ``last`` (read before, or -1) and ``row`` into ``scratch`` where
    they are at most ``MAX_GAP_READ``; returns a value of them, for the caller to return and so keep."""
    kept = 0.0
    if last >= 0 and 1 < row - last <= max_gap + 1:
        for gap in range(last + 1, row):
            _across(src, np.uint64(gap * row_values), left, right, x_lerp, channels, scratch)
            kept += scratch[0]
    return kept


@numba.njit(cache=True, nogil=True)
def _resize_rows(src, h, row_values, y_low, y_high, y_lerp, left, right, x_lerp, channels, out, start, stop,
                 max_gap):
    """Output rows ``start:stop`` of the batch (``out`` flat, [batch * out_h, out_w * channels]); ``src`` is
    the flat input, ``row_values`` its values per input row. Returns what _read_gap returned (of no use)."""
    out_h, width = y_low.shape[0], out.shape[1]
    lines = np.empty((2, width), np.float32)
    held = np.full(2, -1, np.int64)                  # the input row (image * h + row) each buffer holds
    scratch = np.empty(width, np.float32)
    last, gaps = -1, 0.0
    for r in range(start, stop):
        image = r // out_h
        y = r - image * out_h
        upper, lower = image * h + y_low[y], image * h + y_high[y]
        if held[0] == upper:
            t = 0
        elif held[1] == upper:
            t = 1
        else:
            t = 1 if held[0] == lower else 0         # keep the buffer the lower row needs
            gaps += _read_gap(src, last, upper, row_values, left, right, x_lerp, channels, scratch, max_gap)
            last = upper
            _across(src, np.uint64(upper * row_values), left, right, x_lerp, channels, lines[t])
            held[t] = upper
        if held[t] == lower:
            b = t
        elif held[1 - t] == lower:
            b = 1 - t
        else:
            b = 1 - t
            gaps += _read_gap(src, last, lower, row_values, left, right, x_lerp, channels, scratch, max_gap)
            last = lower
            _across(src, np.uint64(lower * row_values), left, right, x_lerp, channels, lines[b])
            held[b] = lower
        top, bottom, yl, dst = lines[t], lines[b], y_lerp[y], out[r]
        for k in range(width):
            dst[k] = top[k] + (bottom[k] - top[k]) * yl
    return gaps


def resize_bilinear(images, ys, xs):
    """TensorFlow's ResizeBilinear of NHWC ``images`` (any int or float dtype numba handles: float32 values
    of them) at the sample tables ``ys`` and ``xs`` (lower index, upper index, float32 weight of the upper)."""
    y_low, y_high, y_lerp = (np.ascontiguousarray(t) for t in ys)
    x_low, x_high, x_lerp = xs
    batch, h, w, channels = images.shape
    left, right = (np.ascontiguousarray(x * channels, np.uint64) for x in (x_low, x_high))
    x_lerp = np.ascontiguousarray(x_lerp)
    out_h, out_w = y_low.shape[0], left.shape[0]
    out = np.empty((batch, out_h, out_w, channels), np.float32)
    src = np.ascontiguousarray(images, images.dtype.newbyteorder("=")).reshape(-1)    # Numba: native order
    flat = out.reshape(batch * out_h, out_w * channels)
    width = out_w * channels
    max_gap = MAX_GAP_READ if src.nbytes >= STREAM_BYTES else 0

    def work(start, stop):
        _resize_rows(src, h, w * channels, y_low, y_high, y_lerp, left, right, x_lerp, channels, flat, start, stop,
                     max_gap)

    shards(work, batch * out_h, max(1, MIN_SHARD_VALUES // width))
    return out
