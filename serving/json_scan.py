"""Compiled scans of a REST body's bytes: TensorFlow Serving's JSON syntax check and an index of its values.

TensorFlow Serving parses request bodies with rapidjson (iterative parser, ``NaN`` / ``Inf`` /
``Infinity`` accepted, anything after the first value ignored) and reports a syntax error as
``JSON Parse error: <rapidjson's message> at offset: N``. :func:`validate` walks a body with that
parser's state machine and number rules, so it refuses what rapidjson refuses, at the same offset and
with the same message: a number too big for a double (``1e400``, a 400-digit integer), a lone
surrogate (``"\\ud800"``), a bad escape, a missing bracket. Strings must also be valid UTF-8 (Python
strings cannot hold anything else; rapidjson's own message for it is used).

The other scans assume a validated body and find where values start and end, so that a large body is
decoded piece by piece (see :mod:`tagraph.serving.json_body`) instead of as one tree of Python objects.
All of them are Numba functions compiled with ``nogil``: while one request's 50 MB body is scanned, the
event loop and the other requests keep running. They compile on first use (cached on disk).

    code, offset, flags, end = validate(np.frombuffer(body, np.uint8))
"""
import threading

import numba
import numpy as np

__all__ = ["validate", "skip_value", "array_elements", "object_members", "count_elements", "rewrite_specials",
           "compact", "has_bool_literal", "ERROR_MESSAGES", "HAS_SPECIALS", "HAS_TRAILING", "TOO_DEEP", "MAX_DEPTH", "warm_up"]

# rapidjson's ParseErrorCode values, and the messages GetParseError_En gives them.
OK, DOCUMENT_EMPTY, ROOT_NOT_SINGULAR, VALUE_INVALID, OBJECT_MISS_NAME, OBJECT_MISS_COLON, \
    OBJECT_MISS_COMMA_OR_CURLY, ARRAY_MISS_COMMA_OR_SQUARE, UNICODE_ESCAPE_INVALID_HEX, SURROGATE_INVALID, \
    ESCAPE_INVALID, MISS_QUOTATION_MARK, INVALID_ENCODING, NUMBER_TOO_BIG, NUMBER_MISS_FRACTION, \
    NUMBER_MISS_EXPONENT = range(16)
TOO_DEEP = 100            # ours: rapidjson has no depth limit, but nothing after it could use such a document
MAX_DEPTH = 512

ERROR_MESSAGES = {
    DOCUMENT_EMPTY: "The document is empty.",
    ROOT_NOT_SINGULAR: "The document root must not be followed by other values.",
    VALUE_INVALID: "Invalid value.",
    OBJECT_MISS_NAME: "Missing a name for object member.",
    OBJECT_MISS_COLON: "Missing a colon after a name of object member.",
    OBJECT_MISS_COMMA_OR_CURLY: "Missing a comma or '}' after an object member.",
    ARRAY_MISS_COMMA_OR_SQUARE: "Missing a comma or ']' after an array element.",
    UNICODE_ESCAPE_INVALID_HEX: "Incorrect hex digit after \\u escape in string.",
    SURROGATE_INVALID: "The surrogate pair in string is invalid.",
    ESCAPE_INVALID: "Invalid escape character in string.",
    MISS_QUOTATION_MARK: "Missing a closing quotation mark in string.",
    INVALID_ENCODING: "Invalid encoding in string.",
    NUMBER_TOO_BIG: "Number too big to be stored in double.",
    NUMBER_MISS_FRACTION: "Miss fraction part in number.",
    NUMBER_MISS_EXPONENT: "Miss exponent in number.",
    TOO_DEEP: "The document is nested more than %d levels deep." % MAX_DEPTH,
}

HAS_SPECIALS = 1          # NaN / Inf / Infinity somewhere: orjson refuses them, rapidjson (and so we) accept
HAS_TRAILING = 2          # something after the first value: rapidjson stops before it, orjson refuses it

# rapidjson's iterative parser: states, tokens and its prediction table G[state][token].
_FINISH, _ERROR, _START, _OBJ_INIT, _MEMBER_KEY, _MEMBER_VALUE, _OBJ_FINISH, _ARR_INIT, _ELEMENT, _ARR_FINISH, \
    _VALUE, _ELEMENT_DELIM, _MEMBER_DELIM, _KV_DELIM = range(14)
_LBRACKET, _RBRACKET, _LCURLY, _RCURLY, _COMMA, _COLON, _STRING, _FALSE, _TRUE, _NULL, _NUMBER = range(11)


def _prediction_table():
    g = np.full((14, 11), _ERROR, np.uint8)
    g[_START] = [_ARR_INIT, _ERROR, _OBJ_INIT, _ERROR, _ERROR, _ERROR] + [_VALUE] * 5
    g[_OBJ_INIT, _RCURLY] = _OBJ_FINISH
    g[_OBJ_INIT, _STRING] = _MEMBER_KEY
    g[_MEMBER_KEY, _COLON] = _KV_DELIM
    g[_MEMBER_VALUE, _RCURLY] = _OBJ_FINISH
    g[_MEMBER_VALUE, _COMMA] = _MEMBER_DELIM
    g[_ARR_INIT] = [_ARR_INIT, _ARR_FINISH, _OBJ_INIT, _ERROR, _ERROR, _ERROR] + [_ELEMENT] * 5
    g[_ELEMENT, _RBRACKET] = _ARR_FINISH
    g[_ELEMENT, _COMMA] = _ELEMENT_DELIM
    g[_ELEMENT_DELIM] = g[_ARR_INIT]
    g[_MEMBER_DELIM, _RCURLY] = _OBJ_FINISH
    g[_MEMBER_DELIM, _STRING] = _MEMBER_KEY
    g[_KV_DELIM] = [_ARR_INIT, _ERROR, _OBJ_INIT, _ERROR, _ERROR, _ERROR] + [_MEMBER_VALUE] * 5
    return g


def _token_table():
    t = np.full(256, _NUMBER, np.uint8)
    for ch, tok in (("[", _LBRACKET), ("]", _RBRACKET), ("{", _LCURLY), ("}", _RCURLY), (",", _COMMA),
                    (":", _COLON), ('"', _STRING), ("f", _FALSE), ("t", _TRUE), ("n", _NULL)):
        t[ord(ch)] = tok
    return t


def _escape_table():
    t = np.zeros(256, np.uint8)
    for ch in '"\\/bfnrt':
        t[ord(ch)] = 1
    return t


_G = _prediction_table()
_TOKENS = _token_table()
_ESCAPES = _escape_table()
# rapidjson's Pow10 table: the doubles the C++ literals 1e0 ... 1e308 compile to.
_POW10 = np.array([float("1e%d" % i) for i in range(309)])
_DBL_MAX = np.finfo(np.float64).max

_jit = numba.njit(cache=True, nogil=True)


@_jit
def _skip_ws(buf, pos, n):
    while pos < n:
        c = buf[pos]
        if c == 32 or c == 10 or c == 13 or c == 9:
            pos += 1
        else:
            break
    return pos


@_jit
def _peek(buf, pos, n):
    return buf[pos] if pos < n else 0


@_jit
def _hex4(buf, pos, n):
    """(code point, new position), or (-1, pos) on a bad digit."""
    cp = 0
    for _ in range(4):
        c = _peek(buf, pos, n)
        if 48 <= c <= 57:
            d = c - 48
        elif 65 <= c <= 70:
            d = c - 55
        elif 97 <= c <= 102:
            d = c - 87
        else:
            return -1, pos
        cp = cp * 16 + d
        pos += 1
    return cp, pos


@_jit
def _utf8_length(buf, pos, n):
    """Length of the well-formed UTF-8 sequence starting at ``pos`` (a byte >= 0x80), or 0."""
    c = buf[pos]
    if 0xC2 <= c <= 0xDF:
        need, lo, hi = 1, 0x80, 0xBF
    elif c == 0xE0:
        need, lo, hi = 2, 0xA0, 0xBF
    elif 0xE1 <= c <= 0xEC or c == 0xEE or c == 0xEF:
        need, lo, hi = 2, 0x80, 0xBF
    elif c == 0xED:
        need, lo, hi = 2, 0x80, 0x9F          # no UTF-16 surrogates
    elif c == 0xF0:
        need, lo, hi = 3, 0x90, 0xBF
    elif 0xF1 <= c <= 0xF3:
        need, lo, hi = 3, 0x80, 0xBF
    elif c == 0xF4:
        need, lo, hi = 3, 0x80, 0x8F
    else:
        return 0
    if pos + need >= n:
        return 0
    b = buf[pos + 1]
    if b < lo or b > hi:
        return 0
    for k in range(2, need + 1):
        b = buf[pos + k]
        if b < 0x80 or b > 0xBF:
            return 0
    return need + 1


@_jit
def _string(buf, pos, n):
    """rapidjson's ParseString from the opening quote at ``pos``: (code, error offset, position after)."""
    pos += 1
    while True:
        c = _peek(buf, pos, n)
        if c == 92:                                   # backslash
            escape_offset = pos
            pos += 1
            e = _peek(buf, pos, n)
            if _ESCAPES[e]:
                pos += 1
            elif e == 117:                            # \u
                cp, pos = _hex4(buf, pos + 1, n)
                if cp < 0:
                    return UNICODE_ESCAPE_INVALID_HEX, escape_offset, pos
                if 0xD800 <= cp <= 0xDFFF:
                    if cp > 0xDBFF:                   # a low surrogate alone
                        return SURROGATE_INVALID, escape_offset, pos
                    if _peek(buf, pos, n) != 92:
                        return SURROGATE_INVALID, escape_offset, pos
                    pos += 1
                    if _peek(buf, pos, n) != 117:
                        return SURROGATE_INVALID, escape_offset, pos
                    cp2, pos = _hex4(buf, pos + 1, n)
                    if cp2 < 0:
                        return UNICODE_ESCAPE_INVALID_HEX, escape_offset, pos
                    if cp2 < 0xDC00 or cp2 > 0xDFFF:
                        return SURROGATE_INVALID, escape_offset, pos
            else:
                return ESCAPE_INVALID, escape_offset, pos
        elif c == 34:
            return OK, 0, pos + 1
        elif c < 0x20:
            if c == 0:
                return MISS_QUOTATION_MARK, pos, pos
            return INVALID_ENCODING, pos, pos
        elif c < 0x80:
            pos += 1
        else:
            k = _utf8_length(buf, pos, n)
            if k == 0:
                return INVALID_ENCODING, pos, pos
            pos += k


@_jit
def _literal(buf, pos, n, word):
    """true / false / null: (code, error offset, position after)."""
    pos += 1
    for k in range(1, len(word)):
        if _peek(buf, pos, n) != word[k]:
            return VALUE_INVALID, pos, pos
        pos += 1
    return OK, 0, pos


@_jit
def _number(buf, pos, n, pow10):
    """rapidjson's ParseNumber (default precision, NaN and Inf allowed): (code, error offset, position after,
    whether it was NaN / Inf). The double is computed as rapidjson computes it, to refuse what it refuses."""
    start = pos
    d = 0.0
    special = False
    minus = False
    if _peek(buf, pos, n) == 45:
        minus = True
        pos += 1
    i = np.uint64(0)
    i64 = np.uint64(0)
    use64 = False
    sig = 0
    c = _peek(buf, pos, n)
    if c == 48:
        pos += 1
    elif 49 <= c <= 57:
        i = np.uint64(c - 48)
        pos += 1
        limit, last = (np.uint64(214748364), 56) if minus else (np.uint64(429496729), 53)
        while True:
            c = _peek(buf, pos, n)
            if not (48 <= c <= 57):
                break
            if i >= limit and (i != limit or c > last):
                i64 = i
                use64 = True
                break
            i = i * np.uint64(10) + np.uint64(c - 48)
            pos += 1
            sig += 1
    elif c == 73 or c == 78:                          # I, N
        if c == 78:
            pos += 1
            if _peek(buf, pos, n) == 97:
                pos += 1
                if _peek(buf, pos, n) == 78:
                    pos += 1
                    special = True
        else:
            pos += 1
            if _peek(buf, pos, n) == 110:
                pos += 1
                if _peek(buf, pos, n) == 102:
                    pos += 1
                    special = True
                    if _peek(buf, pos, n) == 105:     # "Infinity" or nothing
                        for ch in (105, 110, 105, 116, 121):
                            if _peek(buf, pos, n) != ch:
                                return VALUE_INVALID, pos, pos, True
                            pos += 1
        if not special:
            return VALUE_INVALID, pos, pos, False
        return OK, 0, pos, True
    else:
        return VALUE_INVALID, pos, pos, False

    use_double = False
    if use64:
        limit64, last = (np.uint64(0x0CCCCCCCCCCCCCCC), 56) if minus else (np.uint64(0x1999999999999999), 53)
        while True:
            c = _peek(buf, pos, n)
            if not (48 <= c <= 57):
                break
            if i64 >= limit64 and (i64 != limit64 or c > last):
                d = float(i64)
                use_double = True
                break
            i64 = i64 * np.uint64(10) + np.uint64(c - 48)
            pos += 1
            sig += 1
    if use_double:
        while True:
            c = _peek(buf, pos, n)
            if not (48 <= c <= 57):
                break
            d = d * 10.0 + float(c - 48)
            pos += 1
    exp_frac = 0
    if _peek(buf, pos, n) == 46:                      # .
        pos += 1
        c = _peek(buf, pos, n)
        if not (48 <= c <= 57):
            return NUMBER_MISS_FRACTION, pos, pos, False
        if not use_double:
            if not use64:
                i64 = i
            while True:
                c = _peek(buf, pos, n)
                if not (48 <= c <= 57):
                    break
                if i64 > np.uint64(0x1FFFFFFFFFFFFF):
                    break
                i64 = i64 * np.uint64(10) + np.uint64(c - 48)
                pos += 1
                exp_frac -= 1
                if i64 != 0:
                    sig += 1
            d = float(i64)
            use_double = True
        while True:
            c = _peek(buf, pos, n)
            if not (48 <= c <= 57):
                break
            if sig < 17:
                d = d * 10.0 + float(c - 48)
                exp_frac -= 1
                if d > 0.0:
                    sig += 1
            pos += 1
    exp = 0
    c = _peek(buf, pos, n)
    if c == 101 or c == 69:                           # e, E
        pos += 1
        if not use_double:
            d = float(i64) if use64 else float(i)
            use_double = True
        exp_minus = False
        c = _peek(buf, pos, n)
        if c == 43:
            pos += 1
        elif c == 45:
            exp_minus = True
            pos += 1
        c = _peek(buf, pos, n)
        if not (48 <= c <= 57):
            return NUMBER_MISS_EXPONENT, pos, pos, False
        exp = c - 48
        pos += 1
        if exp_minus:
            max_exp = (exp_frac + 2147483639) // 10
            while True:
                c = _peek(buf, pos, n)
                if not (48 <= c <= 57):
                    break
                pos += 1
                if exp <= max_exp:
                    exp = exp * 10 + (c - 48)
            exp = -exp
        else:
            max_exp = 308 - exp_frac
            while True:
                c = _peek(buf, pos, n)
                if not (48 <= c <= 57):
                    break
                exp = exp * 10 + (c - 48)
                pos += 1
                if exp > max_exp:
                    return NUMBER_TOO_BIG, start, pos, False
    if use_double:
        p = exp + exp_frac
        if p < -308:
            d = d / pow10[308]
            p += 308
            d = 0.0 if p < -308 else d / pow10[-p]
        elif p >= 0:
            d = d * pow10[p]                          # p <= 308: a larger exponent was refused above
        else:
            d = d / pow10[-p]
        if d > _DBL_MAX:
            return NUMBER_TOO_BIG, start, pos, False
    return OK, 0, pos, False


@_jit
def _value(buf, pos, n, pow10):
    """A scalar value at ``pos``: (code, error offset, position after, NaN / Inf)."""
    c = buf[pos]
    if c == 34:
        code, off, pos = _string(buf, pos, n)
        return code, off, pos, False
    if c == 110:
        code, off, pos = _literal(buf, pos, n, (110, 117, 108, 108))
        return code, off, pos, False
    if c == 116:
        code, off, pos = _literal(buf, pos, n, (116, 114, 117, 101))
        return code, off, pos, False
    if c == 102:
        code, off, pos = _literal(buf, pos, n, (102, 97, 108, 115, 101))
        return code, off, pos, False
    return _number(buf, pos, n, pow10)


@_jit
def _error_of(state):
    """rapidjson's HandleError: the error a token cannot follow ``state`` with."""
    if state == _START:
        return DOCUMENT_EMPTY
    if state == _FINISH:
        return ROOT_NOT_SINGULAR
    if state == _OBJ_INIT or state == _MEMBER_DELIM:
        return OBJECT_MISS_NAME
    if state == _MEMBER_KEY:
        return OBJECT_MISS_COLON
    if state == _MEMBER_VALUE:
        return OBJECT_MISS_COMMA_OR_CURLY
    if state == _KV_DELIM or state == _ARR_INIT or state == _ELEMENT_DELIM:
        return VALUE_INVALID
    return ARRAY_MISS_COMMA_OR_SQUARE


@_jit
def _validate(buf, g, tokens, pow10, max_depth):
    n = buf.shape[0]
    stack = np.empty(max_depth + 1, np.uint8)
    sp = 0
    flags = 0
    state = _START
    pos = _skip_ws(buf, 0, n)
    while pos < n and buf[pos] != 0:
        src = state
        dst = g[src, tokens[buf[pos]]]
        if dst == _ERROR:
            return _error_of(src), pos, flags, pos
        if dst == _OBJ_INIT or dst == _ARR_INIT:
            back = src
            if src == _ARR_INIT or src == _ELEMENT_DELIM:
                back = _ELEMENT
            elif src == _KV_DELIM:
                back = _MEMBER_VALUE
            if sp >= max_depth:
                return TOO_DEEP, pos, flags, pos
            stack[sp] = back
            sp += 1
            pos += 1
            state = dst
        elif dst == _MEMBER_KEY:
            code, off, pos = _string(buf, pos, n)
            if code != OK:
                return code, off, flags, pos
            state = dst
        elif dst == _KV_DELIM or dst == _MEMBER_DELIM or dst == _ELEMENT_DELIM:
            pos += 1
            state = dst
        elif dst == _OBJ_FINISH or dst == _ARR_FINISH:
            if dst == _OBJ_FINISH and src == _MEMBER_DELIM:
                return OBJECT_MISS_NAME, pos, flags, pos
            if dst == _ARR_FINISH and src == _ELEMENT_DELIM:
                return VALUE_INVALID, pos, flags, pos
            sp -= 1
            state = stack[sp]
            if state == _START:
                state = _FINISH
            pos += 1
        else:                                         # a scalar: element, member value or the whole document
            code, off, pos, special = _value(buf, pos, n, pow10)
            if code != OK:
                return code, off, flags, pos
            if special:
                flags |= HAS_SPECIALS
            state = _FINISH if dst == _VALUE else dst
        if state == _FINISH:
            break
        pos = _skip_ws(buf, pos, n)
    if state != _FINISH:
        return _error_of(state), pos, flags, pos
    if _skip_ws(buf, pos, n) < n:
        flags |= HAS_TRAILING
    return OK, 0, flags, pos


def validate(buf):
    """(code, error offset, flags, end of the first value) of a body (a uint8 array); code 0 is valid."""
    return _validate(buf, _G, _TOKENS, _POW10, MAX_DEPTH)


# --- scans of a validated body ------------------------------------------------------------------------

@_jit
def _skip_string(buf, pos, n):
    pos += 1
    while pos < n:
        c = buf[pos]
        if c == 92:
            pos += 2
        elif c == 34:
            return pos + 1
        else:
            pos += 1
    return pos


@_jit
def skip_value(buf, pos):
    """The position just after the value starting at ``pos`` (a validated body)."""
    n = buf.shape[0]
    depth = 0
    while pos < n:
        c = buf[pos]
        if c == 34:
            pos = _skip_string(buf, pos, n)
            if depth == 0:
                return pos
            continue
        if c == 91 or c == 123:
            depth += 1
        elif c == 93 or c == 125:
            depth -= 1
            if depth == 0:
                return pos + 1
            if depth < 0:                             # the scalar before it ended
                return pos
        elif depth == 0 and (c == 44 or c == 32 or c == 10 or c == 13 or c == 9 or c == 58):
            return pos
        pos += 1
    return pos


@_jit
def array_elements(buf, pos, starts, ends):
    """Spans of the next elements of an array. ``pos``: at its ``[`` or just after an element's end.
    Fills ``starts`` / ``ends`` up to their length; returns (count, position to continue from; -1 at the end)."""
    n = buf.shape[0]
    k = 0
    cap = starts.shape[0]
    while k < cap:
        pos = _skip_ws(buf, pos, n)
        if buf[pos] == 93:                            # ]
            return k, -1
        pos = _skip_ws(buf, pos + 1, n)               # past the [ or the comma
        if buf[pos] == 93:
            return k, -1
        starts[k] = pos
        pos = skip_value(buf, pos)
        ends[k] = pos
        k += 1
    return k, pos


@_jit
def count_elements(buf, pos):
    """How many elements the array at ``pos`` (its ``[``) has."""
    n = buf.shape[0]
    pos = _skip_ws(buf, pos + 1, n)
    if buf[pos] == 93:
        return 0
    count = 0
    while True:
        pos = skip_value(buf, pos)
        count += 1
        pos = _skip_ws(buf, pos, n)
        if buf[pos] == 93:
            return count
        pos = _skip_ws(buf, pos + 1, n)


@_jit
def object_members(buf, pos, spans):
    """Key and value spans of the object at ``pos`` (its ``{``) into ``spans`` (rows of key start, key end,
    value start, value end); returns how many members it has (only the first ``len(spans)`` are filled)."""
    n = buf.shape[0]
    k = 0
    pos = _skip_ws(buf, pos + 1, n)
    if buf[pos] == 125:
        return 0
    while True:
        key_end = _skip_string(buf, pos, n)
        value = _skip_ws(buf, _skip_ws(buf, key_end, n) + 1, n)
        value_end = skip_value(buf, value)
        if k < spans.shape[0]:
            spans[k, 0] = pos
            spans[k, 1] = key_end
            spans[k, 2] = value
            spans[k, 3] = value_end
        k += 1
        pos = _skip_ws(buf, value_end, n)
        if buf[pos] == 125:
            return k
        pos = _skip_ws(buf, pos + 1, n)


@_jit
def _rewrite_specials(buf, start, end, out):
    """Copies buf[start:end] into ``out``, writing rapidjson's NaN / Inf spellings as Python's json reads them
    (NaN, Infinity, -Infinity); returns the length written. ``out`` needs (end - start) * 3 bytes at most."""
    pos = start
    k = 0
    while pos < end:
        c = buf[pos]
        if c == 34:
            stop = _skip_string(buf, pos, end)
            for q in range(pos, stop):
                out[k] = buf[q]
                k += 1
            pos = stop
            continue
        if c == 45 and pos + 1 < end and (buf[pos + 1] == 78 or buf[pos + 1] == 73):
            if buf[pos + 1] == 78:                    # -NaN is NaN
                pos += 1
                continue
        if c == 73:                                   # Inf or Infinity
            for ch in (73, 110, 102, 105, 110, 105, 116, 121):
                out[k] = ch
                k += 1
            pos += 8 if pos + 3 < end and buf[pos + 3] == 105 else 3
            continue
        out[k] = c
        k += 1
        pos += 1
    return k


def rewrite_specials(buf, start, end):
    out = np.empty(3 * (end - start) + 8, np.uint8)
    return out[:_rewrite_specials(buf, start, end, out)].tobytes()


@_jit
def _compact(buf, start, end, out):
    """Copies the value buf[start:end] without the whitespace between tokens, up to len(out) bytes."""
    pos = start
    k = 0
    cap = out.shape[0]
    while pos < end and k < cap:
        c = buf[pos]
        if c == 34:
            stop = _skip_string(buf, pos, end)
            while pos < stop and k < cap:
                out[k] = buf[pos]
                k += 1
                pos += 1
            continue
        if not (c == 32 or c == 10 or c == 13 or c == 9):
            out[k] = c
            k += 1
        pos += 1
    return k


def compact(buf, start, end, limit):
    """The first ``limit`` bytes of a value as compact JSON text (for error messages)."""
    out = np.empty(limit, np.uint8)
    return out[:_compact(buf, start, end, out)].tobytes()


_compiled = threading.Event()
_compiling = threading.Lock()


def warm_up():
    """Compiles (or loads from Numba's cache) every scan, once; later calls return at once.

    Every entry point calls it first: Numba's compiler must not run for one scan in one thread while
    another thread loads the same scan from its cache (that crashed the interpreter), so all first
    compiles happen here, under one lock, and a request that comes early waits for them."""
    if _compiled.is_set():
        return
    with _compiling:
        if _compiled.is_set():
            return
        buf = np.frombuffer(b'{"a": [1, -2.5e3, NaN, "x\\u00e9"], "b": {"c": true}}', np.uint8)
        validate(buf)
        skip_value(buf, 0)
        count_elements(buf, 6)
        array_elements(buf, 6, np.empty(4, np.int64), np.empty(4, np.int64))
        object_members(buf, 0, np.empty((4, 4), np.int64))
        rewrite_specials(buf, 0, len(buf))
        compact(buf, 0, len(buf), 16)
        has_bool_literal(buf)
        _compiled.set()


@_jit
def has_bool_literal(buf):
    """Whether a validated body has a true or false outside its strings."""
    n = buf.shape[0]
    pos = 0
    while pos < n:
        c = buf[pos]
        if c == 34:
            pos = _skip_string(buf, pos, n)
            continue
        if c == 116 or c == 102:
            return True
        pos += 1
    return False
