"""TensorFlow's random numbers, bit for bit: the Philox4x32-10 generator and the distributions its CPU kernels
draw from it (tensorflow/core/lib/random: philox_random.h, random_distributions.h, simple_philox.h).

    gen = PhiloxRandom(seed=87654321, seed2=1)    # GuardedPhiloxRandom::Init(seed, seed2)
    run = gen.reserve(6 * 256)                     # the copy one kernel run fills from; gen moves on
    uniform(run, 6, np.float32)                    # what RandomUniform([6]) gives in TensorFlow

A Philox call maps a 128-bit counter and a 64-bit key to four uint32; ``seed`` is the key and ``seed2`` the
counter's upper half. The fixed-count distributions give one group of outputs per call, group ``g`` from
counter + g (4 floats, or 2 doubles or int64s, per call); the truncated normal, which rejects, reads group
``g``'s candidates from counter + 256 g on, so the values do not depend on how work is split. The
Box-Muller transform calls the C library's logf/sincosf (log/sincos for doubles) as TensorFlow's kernels
do: a correctly rounded log differs from glibc's in the last bit for about 1 in 140 inputs, so those run
compiled by Numba, which binds the same libm functions.
"""
import math
import struct

import numpy as np

from tagraph.devices import host_threads

__all__ = ["PhiloxRandom", "SimplePhilox", "philox_blocks", "uniform", "uniform_int", "normal", "truncated_normal", "multinomial",
           "gamma", "shuffle_permutation", "RESERVED_SAMPLES_PER_OUTPUT"]

# Every PhiloxRandomOp run reserves 256 Philox calls per output (GuardedPhiloxRandom::ReserveRandomOutputs).
RESERVED_SAMPLES_PER_OUTPUT = 256

_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF
_M128 = (1 << 128) - 1
_MUL_A, _MUL_B = 0xD2511F53, 0xCD9E8D57
_KEY_A, _KEY_B = 0x9E3779B9, 0xBB67AE85


class PhiloxRandom:
    """TensorFlow's ``random::PhiloxRandom(seed, seed2)``: key = seed, counter = seed2 << 64.

        g = PhiloxRandom(1, 2); g.blocks(3)   # three calls' worth of uint32, shape (3, 4)
    """

    __slots__ = ("key", "counter")

    def __init__(self, seed=0, seed2=0, key=None, counter=None):
        self.key = (seed & _M64) if key is None else key
        self.counter = ((seed2 & _M64) << 64) if counter is None else counter & _M128

    def copy(self):
        return PhiloxRandom(key=self.key, counter=self.counter)

    def skip(self, count):
        """Moves past ``count`` calls (128-bit samples)."""
        self.counter = (self.counter + count) & _M128

    def reserve(self, samples):
        """GuardedPhiloxRandom::ReserveSamples128: a copy at the current counter; this one skips ``samples``."""
        local = self.copy()
        self.skip(samples)
        return local

    def blocks(self, n, first=0, stride=1):
        """The outputs of calls at counter + first + i * stride for i < n, as an (n, 4) uint32 array."""
        return philox_blocks(self.key, self.counter, first + stride * np.arange(n, dtype=np.uint64))


class SimplePhilox:
    """TensorFlow's ``random::SimplePhilox`` on a generator (the copy one kernel run reserved): 32-bit words
    in the order its SingleSampleAdapter hands them out (each Philox call's four, call after call), and the
    numbers TensorFlow's host kernels draw from them one at a time.

        bits = SimplePhilox(gen.reserve(100)); bits.rand_float(); bits.uniform(10)
    """

    _CALLS = 64                          # Philox calls computed at a time

    def __init__(self, gen):
        self._gen, self._calls, self._words, self._at = gen, 0, [], 0

    def rand32(self):
        if self._at == len(self._words):
            self._words = self._gen.blocks(self._CALLS, first=self._calls).reshape(-1).tolist()
            self._calls += self._CALLS
            self._at = 0
        self._at += 1
        return self._words[self._at - 1]

    def rand64(self):
        lo = self.rand32()
        return lo | self.rand32() << 32

    def rand_float(self):
        """Uint32ToFloat: 23 bits as a float32 mantissa, in [0, 1)."""
        return np.float32(struct.unpack("<f", struct.pack("<I", (127 << 23) | (self.rand32() & 0x7FFFFF)))[0]
                          - 1.0)

    def rand_double(self):
        """Uint64ToDouble: 20 bits of the first word and the second word as a mantissa, in [0, 1)."""
        x0 = self.rand32()
        bits = (1023 << 52) | ((x0 & 0xFFFFF) << 32) | self.rand32()
        return struct.unpack("<d", struct.pack("<Q", bits))[0] - 1.0

    def uniform(self, n):
        """Uniform(n): an integer below ``n`` from 32-bit words (ExactUniformInt)."""
        return _exact_uniform_int(n, 32, self.rand32)

    def uniform64(self, n):
        """Uniform64(n): an integer below ``n`` from 64-bit draws (ExactUniformInt)."""
        return _exact_uniform_int(n, 64, self.rand64)


def _exact_uniform_int(n, bits, draw):
    """ExactUniformInt: a power of two masks one draw; otherwise draws below ``2**bits mod n`` are rejected,
    so every result below ``n`` is equally likely. ``n`` 0 takes one draw and gives 0."""
    if n == 0:
        draw()
        return 0
    if n & (n - 1) == 0:
        return draw() & (n - 1)
    rem = ((1 << bits) - 1) % n + 1
    while True:
        r = draw()
        if r >= rem:
            return r % n


def philox_blocks(key, counter, offsets, xp=np):
    """Philox4x32-10 of the counters ``counter + offsets`` (128-bit sums) under the 64-bit ``key``."""
    offsets = xp.asarray(offsets, dtype=xp.uint64)
    if xp is np:
        # On the host, one compiled pass (the same numbers): the array expressions below make some 60
        # passes over memory per call.
        return _kernels().philox_blocks(np.ascontiguousarray(offsets).reshape(-1),
                                        *(np.uint64((counter >> (32 * i)) & _M32) for i in range(4)),
                                        np.uint64(key & _M32), np.uint64((key >> 32) & _M32)).reshape(
                                            offsets.shape + (4,))
    lo = offsets & xp.uint64(_M32)
    hi = offsets >> xp.uint64(32)
    words = [(counter >> (32 * i)) & _M32 for i in range(4)]
    s = lo + xp.uint64(words[0])
    c0 = s & xp.uint64(_M32)
    s = hi + xp.uint64(words[1]) + (s >> xp.uint64(32))
    c1 = s & xp.uint64(_M32)
    s = xp.uint64(words[2]) + (s >> xp.uint64(32))
    c2 = s & xp.uint64(_M32)
    c3 = (xp.uint64(words[3]) + (s >> xp.uint64(32))) & xp.uint64(_M32)
    k0, k1 = key & _M32, (key >> 32) & _M32
    mask = xp.uint64(_M32)
    for _ in range(10):
        p0 = c0 * xp.uint64(_MUL_A)
        p1 = c2 * xp.uint64(_MUL_B)
        c0, c1, c2, c3 = ((p1 >> xp.uint64(32)) ^ c1 ^ xp.uint64(k0), p1 & mask,
                          (p0 >> xp.uint64(32)) ^ c3 ^ xp.uint64(k1), p0 & mask)
        k0, k1 = (k0 + _KEY_A) & _M32, (k1 + _KEY_B) & _M32
    return xp.stack([c0, c1, c2, c3], axis=-1).astype(xp.uint32)


# --- bits to numbers (random_distributions_utils.h) -------------------------------------------------

def _bits_to_float32(x):
    return ((x & np.uint32(0x7FFFFF)) | np.uint32(127 << 23)).view(np.float32) - np.float32(1.0)


def _bits_to_float16(x):
    return ((x & np.uint32(0x3FF)) | np.uint32(15 << 10)).astype(np.uint16).view(np.float16) - np.float16(1.0)


def _bits_to_float64(x0, x1):
    man = ((x0.astype(np.uint64) & np.uint64(0xFFFFF)) << np.uint64(32)) | x1.astype(np.uint64)
    return (man | np.uint64(1023 << 52)).view(np.float64) - 1.0


def _group_size(dtype, per_call=4):
    return per_call // 2 if np.dtype(dtype).itemsize == 8 else per_call


def uniform(gen, n, dtype):
    """UniformDistribution<float|half|double>: [0, 1) from 23, 10 or 52 random mantissa bits."""
    dtype = np.dtype(dtype)
    groups = -(-n // _group_size(dtype))
    if dtype == np.float32:
        return _in_shards(_kernels().uniform_float32, groups, *_counter_words(gen))[:n]
    b = gen.blocks(groups)
    if dtype == np.float64:
        out = _bits_to_float64(b[:, 0::2].reshape(-1), b[:, 1::2].reshape(-1))
    elif dtype == np.float16:
        out = _bits_to_float16(b.reshape(-1))
    else:
        raise TypeError("uniform: no TensorFlow distribution for %s" % dtype)
    return out[:n]


def uniform_int(gen, n, lo, hi, dtype):
    """UniformDistribution<int32|int64>(lo, hi): lo + bits % (hi - lo), with 32 or 64 bits per value."""
    dtype = np.dtype(dtype)
    groups = -(-n // _group_size(dtype))
    b = gen.blocks(groups)
    if dtype == np.int64:
        bits = (b[:, 0::2].astype(np.uint64) | (b[:, 1::2].astype(np.uint64) << np.uint64(32))).reshape(-1)
        span = np.uint64((hi - lo) & _M64)
        return ((bits % span) + np.uint64(lo & _M64)).view(np.int64)[:n]
    bits = b.reshape(-1)
    span = np.uint32((hi - lo) & _M32)
    return ((bits % span) + np.uint32(lo & _M32)).view(np.int32)[:n]


def normal(gen, n, dtype):
    """NormalDistribution<float|half|double>: Box-Muller over pairs of uint32 (quadruples for doubles)."""
    dtype = np.dtype(dtype)
    groups = -(-n // _group_size(dtype))
    b = gen.blocks(groups)
    if dtype == np.float64:
        out = np.stack(box_muller_double(b[:, 0], b[:, 1], b[:, 2], b[:, 3]), axis=-1).reshape(-1)
    else:
        out = np.stack(box_muller_float(b[:, 0::2].reshape(-1), b[:, 1::2].reshape(-1)),
                       axis=-1).reshape(-1)
        if dtype == np.float16:
            out = out.astype(np.float16)
        elif dtype != np.float32:
            raise TypeError("normal: no TensorFlow distribution for %s" % dtype)
    return out[:n]


def truncated_normal(gen, n, dtype):
    """TruncatedNormalDistribution: normals with |x| < 2, resampled in order; group g starts at call 256 g."""
    dtype = np.dtype(dtype)
    if dtype not in (np.float16, np.float32, np.float64):
        raise TypeError("truncated_normal: no TensorFlow distribution for %s" % dtype)
    size = _group_size(dtype)
    groups = -(-n // size)
    skip = size * RESERVED_SAMPLES_PER_OUTPUT // 4
    if dtype != np.float64:
        flat = _in_shards(_kernels().truncated_normal_float32, groups, skip, *_counter_words(gen))[:n]
        return flat.astype(np.float16) if dtype == np.float16 else flat
    out = np.empty((groups, size), np.float64 if dtype == np.float64 else np.float32)
    todo = np.arange(groups, dtype=np.uint64)
    calls = 2
    while todo.size:
        # Candidates of each pending group from its first `calls` Philox calls, in the order TF reads them.
        offsets = (todo * np.uint64(skip))[:, None] + np.arange(calls, dtype=np.uint64)[None, :]
        b = philox_blocks(gen.key, gen.counter, offsets.reshape(-1)).reshape(todo.size, calls * 4)
        if dtype == np.float64:
            d0, d1 = box_muller_double(b[:, 0::4].reshape(-1), b[:, 1::4].reshape(-1),
                                                  b[:, 2::4].reshape(-1), b[:, 3::4].reshape(-1))
        else:
            d0, d1 = box_muller_float(b[:, 0::2].reshape(-1), b[:, 1::2].reshape(-1))
        cand = np.stack([d0, d1], axis=-1).reshape(todo.size, -1)
        if dtype != np.float64:
            cand = cand.astype(np.float32)
        ok = np.abs(cand) < 2.0
        done = ok.sum(axis=1) >= size
        rows = np.nonzero(done)[0]
        if rows.size:
            picked = cand[rows][ok[rows]]
            counts = ok[rows].sum(axis=1)
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            idx = starts[:, None] + np.arange(size)[None, :]
            out[todo[rows].astype(np.int64)] = picked[idx]
        todo = todo[~done]
        calls *= 2
    flat = out.reshape(-1)[:n]
    return flat.astype(np.float16) if dtype == np.float16 else flat


def multinomial(gen, logits, num_samples, threads=1):
    """Multinomial's CPU kernel: per row, the unnormalized CDF of exp(logit - max) over the finite logits (in
    double), searched for a uniform double (two uint32) times its total. The kernel runs in shards of rows
    (Eigen's parallelFor over ``threads`` threads); a shard starting at row r reads its own stream from call
    r * (num_samples + 3) // 4 on, its rows one after the other, so the values depend on the shard size."""
    batch, classes = logits.shape
    draws = np.empty((batch, num_samples), np.float64)
    block = _parallel_for_block(batch, int(50 * (num_samples * math.log(classes) / math.log(2) + classes)),
                                threads)
    for start in range(0, batch, block):
        rows = min(block, batch - start)
        total = rows * num_samples * 2
        bits = gen.blocks(-(-total // 4), first=start * (num_samples + 3) // 4).reshape(-1)[:total]
        draws[start:start + rows] = _bits_to_float64(bits[0::2], bits[1::2]).reshape(rows, num_samples)
    finite = np.isfinite(logits)
    lowest = np.finfo(logits.dtype).min
    row_max = np.where(finite, logits, lowest).max(axis=1).astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        cdf = np.exp(logits.astype(np.float64) - row_max[:, None])
        cdf = np.cumsum(np.where(finite, cdf, 0.0), axis=1)
        out = np.empty((batch, num_samples), np.int64)
        for b in range(batch):
            out[b] = np.searchsorted(cdf[b], draws[b] * cdf[b, -1], side="right")
    return out


def _parallel_for_block(n, cost_per_unit, threads):
    """The rows per shard of TensorFlow's Shard -> Eigen ThreadPoolDevice::parallelFor (TensorCostModel):
    all of them when the work is too small to split (under about 110000 cycles) or there is one thread."""
    if n <= 1 or threads <= 1:
        return max(n, 1)
    cost = float(n) * cost_per_unit
    parallel = min(threads, max(1, int((cost - 100000.0) / 100000.0 + 0.9)))
    if parallel == 1:
        return n
    block_size_f = 40000.0 / cost_per_unit if cost_per_unit else float("inf")
    block_size = min(n, max(-(-n // (4 * threads)), int(min(block_size_f, 2**62))))
    max_block_size = min(n, 2 * block_size)
    block_count = -(-n // block_size)
    max_efficiency = block_count / (-(-block_count // threads) * threads)
    prev_block_count = block_count
    while max_efficiency < 1.0 and prev_block_count > 1:
        coarser_size = -(-n // (prev_block_count - 1))
        if coarser_size > max_block_size:
            break
        coarser_count = -(-n // coarser_size)
        prev_block_count = coarser_count
        coarser_efficiency = coarser_count / (-(-coarser_count // threads) * threads)
        if coarser_efficiency + 0.01 >= max_efficiency:
            block_size, block_count = coarser_size, coarser_count
            max_efficiency = max(max_efficiency, coarser_efficiency)
    return block_size


def shuffle_permutation(gen, size):
    """RandomShuffle's order of ``size`` rows: Fisher-Yates forward, swap(i, i + bits % (size - i))."""
    draws = -(-(size - 1) // 4)
    bits = gen.blocks(draws).reshape(-1)[:size - 1]
    return _kernels().fisher_yates(bits, size)


def gamma(gen, alpha, samples_per_alpha):
    """RandomGamma's CPU kernel (Marsaglia and Tsang, in double): output ``i`` (alpha ``i // samples_per_alpha``)
    starts at call 256 i, draws double normals and uniforms from it, and lands at ``[sample, alpha]``."""
    alpha = np.ascontiguousarray(alpha, dtype=np.float64).reshape(-1)
    words = np.array([(gen.counter >> (32 * i)) & _M32 for i in range(4)], np.uint64)
    return _kernels().gamma(alpha, samples_per_alpha, np.uint64(gen.key & _M32), np.uint64(gen.key >> 32), words)


# Below this many Philox calls per thread a distribution is filled by one: a shard's start costs more.
_SHARD_MIN_CALLS = 1 << 16


def _in_shards(fill, groups, *args):
    """``fill(out, start, stop, *args)`` of groups 0 .. groups-1 (four float32 each) into a new array, over the
    CPU's intra-op threads; each group's numbers depend only on its place, not on the split."""
    out = np.empty(groups * 4, np.float32)
    host_threads.shards(lambda start, stop: fill(out, start, stop, *args), groups, _SHARD_MIN_CALLS)
    return out


def _counter_words(gen):
    """(the counter's four 32-bit words, the key's two), as the compiled kernels take them."""
    return tuple(np.uint64((gen.counter >> (32 * i)) & _M32) for i in range(4)) + (
        np.uint64(gen.key & _M32), np.uint64((gen.key >> 32) & _M32))


def _kernels():
    from tagraph.engine.ops import philox_kernels   # Numba: loaded when a distribution first needs it
    return philox_kernels


def box_muller_float(x0, x1):
    """Two float32 normals per pair of uint32, TensorFlow's BoxMullerFloat."""
    return _kernels().box_muller_float(_bits_to_float32(x0), _bits_to_float32(x1))


def box_muller_double(x0, x1, x2, x3):
    """Two float64 normals per four uint32, TensorFlow's BoxMullerDouble."""
    return _kernels().box_muller_double(_bits_to_float64(x0, x1), _bits_to_float64(x2, x3))
