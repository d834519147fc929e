"""The loops of ``philox`` that call the C library's logf/sincosf, log/sincos, log1p and pow as TensorFlow's
kernels do, compiled by Numba (which binds the process's libm, the one TensorFlow calls), plus the scalar
Philox call the gamma sampler's rejection loop needs. ``philox`` imports this module on first use.
"""
import math

import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")

_TWO_PI = 2.0 * math.pi          # 2 * M_PI, a double: the angle is rounded to float after the product
_EPS32 = np.float32(1.0e-7)


@_jit
def box_muller_float(u, v):
    # BoxMullerFloat over uniforms u, v in [0, 1): logf, sqrtf and sincosf in float.
    n = u.size
    f0 = np.empty(n, np.float32)
    f1 = np.empty(n, np.float32)
    for i in range(n):
        a = u[i]
        if a < _EPS32:
            a = _EPS32
        angle = np.float32(_TWO_PI * np.float64(v[i]))
        r = np.float32(math.sqrt(np.float32(np.float32(-2.0) * np.float32(math.log(a)))))
        f0[i] = np.float32(math.sin(angle)) * r
        f1[i] = np.float32(math.cos(angle)) * r
    return f0, f1


@_jit
def box_muller_double(u, v):
    n = u.size
    d0 = np.empty(n, np.float64)
    d1 = np.empty(n, np.float64)
    for i in range(n):
        a = u[i]
        if a < 1.0e-7:
            a = 1.0e-7
        angle = _TWO_PI * v[i]
        r = math.sqrt(-2.0 * math.log(a))
        d0[i] = math.sin(angle) * r
        d1[i] = math.cos(angle) * r
    return d0, d1


@_jit
def fisher_yates(bits, size):
    perm = np.arange(size)
    for i in range(size - 1):
        j = i + np.int64(bits[i] % np.uint32(size - i))
        t = perm[i]
        perm[i] = perm[j]
        perm[j] = t
    return perm


@_jit
def _rounds(k0, k1, x0, x1, x2, x3):
    # The ten Philox4x32 rounds on a counter of four uint32 (held in uint64), as philox_random.h computes them.
    m = np.uint64(0xFFFFFFFF)
    for _ in range(10):
        p0 = x0 * np.uint64(0xD2511F53)
        p1 = x2 * np.uint64(0xCD9E8D57)
        x0, x1, x2, x3 = (p1 >> np.uint64(32)) ^ x1 ^ k0, p1 & m, (p0 >> np.uint64(32)) ^ x3 ^ k1, p0 & m
        k0 = (k0 + np.uint64(0x9E3779B9)) & m
        k1 = (k1 + np.uint64(0xBB67AE85)) & m
    return x0, x1, x2, x3


@_jit
def _philox_call(k0, k1, c):
    # One Philox4x32-10 call on the counter c (four uint32 held in uint64).
    return _rounds(k0, k1, c[0], c[1], c[2], c[3])


@_jit
def _next_call(k0, k1, c):
    x = _philox_call(k0, k1, c)
    m = np.uint64(0xFFFFFFFF)
    for i in range(4):  # SkipOne: the 128-bit counter plus one
        c[i] = (c[i] + np.uint64(1)) & m
        if c[i] != 0:
            break
    return x


@_jit
def _uniform_double(x0, x1):
    # Uint64ToDouble: 52 random mantissa bits under the exponent of 1, minus 1: exactly man * 2**-52.
    man = ((x0 & np.uint64(0xFFFFF)) << np.uint64(32)) | x1
    return np.float64(man) * 2.0 ** -52


@_jit
def gamma(alpha, samples_per_alpha, k0, k1, words):
    num_alphas = alpha.size
    out = np.empty(num_alphas * samples_per_alpha, np.float64)
    m = np.uint64(0xFFFFFFFF)
    norm = np.empty(2, np.float64)
    unif = np.empty(2, np.float64)
    c = np.empty(4, np.uint64)
    for output_idx in range(num_alphas * samples_per_alpha):
        alpha_idx = output_idx // samples_per_alpha
        sample_idx = output_idx % samples_per_alpha
        a = alpha[alpha_idx]
        # The generator skipped 256 calls per output: a 128-bit sum.
        skip = np.uint64(256) * np.uint64(output_idx)
        s = words[0] + (skip & m)
        c[0] = s & m
        s = words[1] + (skip >> np.uint64(32)) + (s >> np.uint64(32))
        c[1] = s & m
        s = words[2] + (s >> np.uint64(32))
        c[2] = s & m
        c[3] = (words[3] + (s >> np.uint64(32))) & m
        unif_left = 0
        if a == 1.0:
            x = _next_call(k0, k1, c)
            u = _uniform_double(x[2], x[3])      # the second of the pair is read first
            out[sample_idx * num_alphas + alpha_idx] = -math.log1p(-u)
            continue
        less = a < 1
        d = a + (2.0 / 3 if less else -1.0 / 3)
        cc = 1.0 / 3 / math.sqrt(d)
        norm_left = 0
        while True:
            if norm_left == 0:
                x = _next_call(k0, k1, c)
                u1 = _uniform_double(x[0], x[1])
                if u1 < 1.0e-7:
                    u1 = 1.0e-7
                v1 = _TWO_PI * _uniform_double(x[2], x[3])
                r = math.sqrt(-2.0 * math.log(u1))
                norm[0] = math.sin(v1) * r
                norm[1] = math.cos(v1) * r
                norm_left = 2
            norm_left -= 1
            xn = norm[norm_left]
            v = 1 + cc * xn
            if v <= 0:
                continue
            v = v * v * v
            if unif_left == 0:
                x = _next_call(k0, k1, c)
                unif[0] = _uniform_double(x[0], x[1])
                unif[1] = _uniform_double(x[2], x[3])
                unif_left = 2
            unif_left -= 1
            u = unif[unif_left]
            if (u < 1 - 0.0331 * (xn * xn) * (xn * xn)) or (math.log(u) < 0.5 * xn * xn + d * (1 - v + math.log(v))):
                res = d * v
                if less:
                    if unif_left == 0:
                        x = _next_call(k0, k1, c)
                        unif[0] = _uniform_double(x[0], x[1])
                        unif[1] = _uniform_double(x[2], x[3])
                        unif_left = 2
                    unif_left -= 1
                    res *= math.pow(unif[unif_left], 1 / a)
                out[sample_idx * num_alphas + alpha_idx] = res
                break
    return out


_BLOCK = 256    # counters run through the rounds together, so that the compiler vectorizes the rounds


@_jit
def _philox_block(offs, m, w0, w1, w2, w3, k0, k1, c0, c1, c2, c3):
    # Philox4x32-10 of the counters (w3 w2 w1 w0) + offs[j], j < m, into c0..c3[j] (the same numbers as
    # _philox_at), the ten rounds applied to the whole block at once.
    mask = np.uint64(0xFFFFFFFF)
    for j in range(m):
        off = offs[j]
        s = (off & mask) + w0
        c0[j] = s & mask
        s = (off >> np.uint64(32)) + w1 + (s >> np.uint64(32))
        c1[j] = s & mask
        s = w2 + (s >> np.uint64(32))
        c2[j] = s & mask
        c3[j] = (w3 + (s >> np.uint64(32))) & mask
    ka = k0
    kb = k1
    for _ in range(10):
        for j in range(m):
            p0 = c0[j] * np.uint64(0xD2511F53)
            p1 = c2[j] * np.uint64(0xCD9E8D57)
            n0 = (p1 >> np.uint64(32)) ^ c1[j] ^ ka
            n2 = (p0 >> np.uint64(32)) ^ c3[j] ^ kb
            c1[j] = p1 & mask
            c3[j] = p0 & mask
            c0[j] = n0
            c2[j] = n2
        ka = (ka + np.uint64(0x9E3779B9)) & mask
        kb = (kb + np.uint64(0xBB67AE85)) & mask


@_jit
def philox_blocks(offsets, w0, w1, w2, w3, k0, k1):
    # Philox4x32-10 of the 128-bit counters (w3 w2 w1 w0) + offsets[i] under the key (k1 k0): an (n, 4)
    # uint32 array, the same numbers as philox.philox_blocks' array expressions.
    n = offsets.size
    out = np.empty((n, 4), np.uint32)
    c0 = np.empty(_BLOCK, np.uint64)
    c1 = np.empty(_BLOCK, np.uint64)
    c2 = np.empty(_BLOCK, np.uint64)
    c3 = np.empty(_BLOCK, np.uint64)
    for g in range(0, n, _BLOCK):
        m = min(_BLOCK, n - g)
        _philox_block(offsets[g:g + m], m, w0, w1, w2, w3, k0, k1, c0, c1, c2, c3)
        for j in range(m):
            out[g + j, 0] = np.uint32(c0[j])
            out[g + j, 1] = np.uint32(c1[j])
            out[g + j, 2] = np.uint32(c2[j])
            out[g + j, 3] = np.uint32(c3[j])
    return out


@_jit
def _philox_at(off, w0, w1, w2, w3, k0, k1):
    # One Philox4x32-10 call at the 128-bit counter (w3 w2 w1 w0) + off.
    mask = np.uint64(0xFFFFFFFF)
    s = (off & mask) + w0
    c0 = s & mask
    s = (off >> np.uint64(32)) + w1 + (s >> np.uint64(32))
    c1 = s & mask
    s = w2 + (s >> np.uint64(32))
    c2 = s & mask
    c3 = (w3 + (s >> np.uint64(32))) & mask
    return _rounds(k0, k1, c0, c1, c2, c3)


@_jit
def _unit_float32(x):
    # Uint32ToFloat: 1.m (23 random mantissa bits) - 1, which is m * 2^-23 exactly.
    return np.float32(x & np.uint64(0x7FFFFF)) * np.float32(1.0 / 8388608.0)


@_jit
def uniform_float32(out, start, stop, w0, w1, w2, w3, k0, k1):
    # UniformDistribution<float> of calls start .. stop-1 into out[4 start : 4 stop], four floats per call.
    offs = np.empty(_BLOCK, np.uint64)
    c0 = np.empty(_BLOCK, np.uint64)
    c1 = np.empty(_BLOCK, np.uint64)
    c2 = np.empty(_BLOCK, np.uint64)
    c3 = np.empty(_BLOCK, np.uint64)
    for g in range(start, stop, _BLOCK):
        m = min(_BLOCK, stop - g)
        for j in range(m):
            offs[j] = np.uint64(g + j)
        _philox_block(offs, m, w0, w1, w2, w3, k0, k1, c0, c1, c2, c3)
        for j in range(m):
            o = 4 * (g + j)
            out[o] = _unit_float32(c0[j])
            out[o + 1] = _unit_float32(c1[j])
            out[o + 2] = _unit_float32(c2[j])
            out[o + 3] = _unit_float32(c3[j])


@_jit
def _box_muller_pair(x0, x1):
    # BoxMullerFloat of two uint32, as box_muller_float.
    a = _unit_float32(x0)
    if a < _EPS32:
        a = _EPS32
    angle = np.float32(_TWO_PI * np.float64(_unit_float32(x1)))
    r = np.float32(math.sqrt(np.float32(np.float32(-2.0) * np.float32(math.log(a)))))
    return np.float32(math.sin(angle)) * r, np.float32(math.cos(angle)) * r


@_jit
def truncated_normal_float32(out, start, stop, skip, w0, w1, w2, w3, k0, k1):
    # TruncatedNormalDistribution<float> of groups start .. stop-1 into out: group g reads calls g * skip,
    # g * skip + 1, ... and keeps the normals with |x| < 2, in order, until it has four. The first call of
    # each group is computed for a block of groups at once; the few groups that need more make them one by one.
    offs = np.empty(_BLOCK, np.uint64)
    b0 = np.empty(_BLOCK, np.uint64)
    b1 = np.empty(_BLOCK, np.uint64)
    b2 = np.empty(_BLOCK, np.uint64)
    b3 = np.empty(_BLOCK, np.uint64)
    cand = np.empty(4, np.float32)
    for first in range(start, stop, _BLOCK):
        m = min(_BLOCK, stop - first)
        for j in range(m):
            offs[j] = np.uint64(first + j) * np.uint64(skip)
        _philox_block(offs, m, w0, w1, w2, w3, k0, k1, b0, b1, b2, b3)
        for j in range(m):
            g = first + j
            got = 0
            call = offs[j]
            c0, c1, c2, c3 = b0[j], b1[j], b2[j], b3[j]
            while True:
                cand[0], cand[1] = _box_muller_pair(c0, c1)
                cand[2], cand[3] = _box_muller_pair(c2, c3)
                for i in range(4):
                    if got < 4 and abs(cand[i]) < np.float32(2.0):
                        out[4 * g + got] = cand[i]
                        got += 1
                if got == 4:
                    break
                call += np.uint64(1)
                c0, c1, c2, c3 = _philox_at(call, w0, w1, w2, w3, k0, k1)
