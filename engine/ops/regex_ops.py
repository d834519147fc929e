"""Regular expressions over strings, with RE2's syntax and semantics as TensorFlow's kernels have them:
RegexFullMatch and StaticRegexFullMatch, RegexReplace and StaticRegexReplace (CPU only, as in TensorFlow).

    tg.strings.regex_replace(["a1b22"], r"(\\d+)", r"<\\1>")     # [b"a<1>b<22>"]
    tg.strings.regex_full_match(["abc", "ab1"], r"[a-z]+")      # [True, False]

The patterns are compiled by RE2 itself (Google's ``google-re2`` package, the ``strings`` extra:
``pip install tagraph[strings]``), in UTF-8 mode as TensorFlow's are, so a pattern RE2 rejects
(backreferences, lookarounds, possessive repeats, ...) fails with TensorFlow's InvalidArgumentError
``Invalid pattern: <pattern>, error: <RE2's reason>``. Replacement follows ``RE2::Replace`` and
``RE2::GlobalReplace`` byte for byte: ``\\0`` to ``\\9`` insert groups, ``\\\\`` a backslash; an empty match
right after the previous match is skipped one UTF-8 character on; a rewrite naming a group the pattern
lacks leaves the string as it is.
"""
import functools

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.ops.op_util import dbg, gen1, invalid

__all__ = ["regex_full_match", "regex_replace"]


def _re2():
    try:
        import re2
    except ImportError:
        raise ImportError("TensorFlow's regular expression ops need RE2: pip install tagraph[strings] (the "
                          "google-re2 package)") from None
    return re2


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern):
    """``pattern`` (bytes) compiled by RE2 in UTF-8 mode, or TensorFlow's InvalidArgumentError."""
    re2 = _re2()
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as e:
        reason = e.args[0] if e.args else ""
        reason = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise invalid("Invalid pattern: %s, error: %s", pattern.decode("utf-8", "replace"), reason) from None


def _scalar_bytes(x, what):
    if x.ndim != 0:
        raise invalid("%s must be scalar, but received %s", what, dbg(x.shape))
    v = x.reshape(-1)[0]
    return v if isinstance(v, bytes) else str(v).encode("utf-8")


# --- full match -----------------------------------------------------------------------------------------

def _full_match(x, pattern):
    regexp = compile_pattern(pattern)
    flat = x.reshape(-1)
    return np.fromiter((regexp.fullmatch(s) is not None for s in flat), bool, count=flat.size).reshape(x.shape)


register_shape("StaticRegexFullMatch")(common_shapes.unchanged)
register_shape("RegexFullMatch")(common_shapes.unchanged)


@register_kernel("StaticRegexFullMatch", "CPU")
def _static_regex_full_match(ctx, x):
    return _full_match(x, ctx.attrs["pattern"])


@register_kernel("RegexFullMatch", "CPU")
def _regex_full_match(ctx, x, pattern):
    return _full_match(x, _scalar_bytes(pattern, "Pattern"))


def regex_full_match(input, pattern, name=None):  # noqa: A002 - TensorFlow's argument name
    """Whether each string matches ``pattern`` (RE2 syntax) as a whole: StaticRegexFullMatch for a Python
    pattern, RegexFullMatch for a tensor.

        tg.strings.regex_full_match(["abc", "ab1"], r"[a-z]+")      # [True, False]
    """
    if isinstance(pattern, (str, bytes)):
        return gen1("StaticRegexFullMatch", [input], {"pattern": pattern}, name, "StaticRegexFullMatch")
    return gen1("RegexFullMatch", [input, pattern], None, name, "RegexFullMatch")


# --- replace --------------------------------------------------------------------------------------------

def _max_submatch(rewrite):
    """The highest group ``\\N`` in ``rewrite`` names (RE2::MaxSubmatch), -1 without any."""
    n, i = -1, 0
    while i < len(rewrite):
        if rewrite[i] == 0x5C:  # backslash
            i += 1
            if i < len(rewrite) and 0x30 <= rewrite[i] <= 0x39:
                n = max(n, rewrite[i] - 0x30)
        i += 1
    return n


def _rewrite(out, rewrite, text, m):
    """Appends ``rewrite`` with the groups of match ``m`` to ``out`` (RE2::Rewrite); False where the rewrite
    is malformed (what was appended before the bad escape stays, as in RE2)."""
    i, n = 0, len(rewrite)
    while i < n:
        c = rewrite[i]
        if c != 0x5C:
            j = rewrite.find(b"\\", i)
            j = n if j < 0 else j
            out += rewrite[i:j]
            i = j
            continue
        i += 1
        c = rewrite[i] if i < n else -1
        if 0x30 <= c <= 0x39:
            start, end = m.span(c - 0x30)
            if start >= 0:
                out += text[start:end]
        elif c == 0x5C:
            out += b"\\"
        else:
            return False
        i += 1
    return True


def _utf8_step(text, p):
    """How far RE2 skips past an empty match at ``p``: one whole UTF-8 character, else one byte."""
    b = text[p]
    if b < 0x80:
        return 1
    need = 2 if 0xC2 <= b <= 0xDF else 3 if 0xE0 <= b <= 0xEF else 4 if 0xF0 <= b <= 0xF4 else 0
    if need == 0 or p + need > len(text):
        return 1
    cont = text[p + 1:p + need]
    if any(not 0x80 <= t <= 0xBF for t in cont):
        return 1
    cp = (b & (0x7F >> need)) << (6 * (need - 1))
    for k, t in enumerate(cont):
        cp |= (t & 0x3F) << (6 * (need - 2 - k))
    # Overlong forms and values past U+10FFFF are errors to RE2's decoder (surrogates are not).
    if cp < (0x80, 0x800, 0x10000)[need - 2] or cp > 0x10FFFF:
        return 1
    return need


def replace_one(regexp, text, rewrite):
    """RE2::Replace: the first match of ``regexp`` in ``text`` replaced by ``rewrite``."""
    if _max_submatch(rewrite) > regexp.groups:
        return text
    m = regexp.search(text)
    if m is None:
        return text
    out = bytearray()
    if not _rewrite(out, rewrite, text, m):
        return text
    start, end = m.span()
    return text[:start] + bytes(out) + text[end:]


def replace_all(regexp, text, rewrite):
    """RE2::GlobalReplace: every non-overlapping match of ``regexp`` in ``text`` replaced by ``rewrite``."""
    if _max_submatch(rewrite) > regexp.groups:
        return text
    out = bytearray()
    p, ep, lastend, count = 0, len(text), -1, 0
    while p <= ep:
        m = regexp.search(text, p)
        if m is None:
            break
        start, end = m.span()
        if p < start:
            out += text[p:start]
        if start == lastend and start == end:
            step = _utf8_step(text, p) if p < ep else 1
            out += text[p:p + step]
            p += step
            continue
        _rewrite(out, rewrite, text, m)
        p = lastend = end
        count += 1
    if count == 0:
        return text
    if p < ep:
        out += text[p:]
    return bytes(out)


def _replace(x, pattern, rewrite, replace_global):
    regexp = compile_pattern(pattern)
    fn = replace_all if replace_global else replace_one
    flat = x.reshape(-1)
    out = np.empty(flat.size, dtype=object)
    for i, s in enumerate(flat):
        out[i] = fn(regexp, s if isinstance(s, bytes) else str(s).encode("utf-8"), rewrite)
    return out.reshape(x.shape)


register_shape("StaticRegexReplace")(common_shapes.unchanged)


def _regex_replace_shape(op):
    for t, what in ((op.inputs[1], "pattern"), (op.inputs[2], "rewrite")):
        if t.shape.rank not in (None, 0):
            raise ValueError("Shape must be rank 0 but is rank %d for '%s' (%s): the %s" % (
                t.shape.rank, op.name, op.type, what))
    return [op.inputs[0].shape]


register_shape("RegexReplace")(_regex_replace_shape)


@register_kernel("StaticRegexReplace", "CPU")
def _static_regex_replace(ctx, x):
    return _replace(x, ctx.attrs["pattern"], ctx.attrs["rewrite"], ctx.attrs.get("replace_global", True))


@register_kernel("RegexReplace", "CPU")
def _regex_replace(ctx, x, pattern, rewrite):
    p = _scalar_bytes(pattern, "Pattern")
    compile_pattern(p)
    return _replace(x, p, _scalar_bytes(rewrite, "Rewrite"), ctx.attrs.get("replace_global", True))


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):  # noqa: A002
    """Replaces the matches of ``pattern`` (RE2 syntax) in each string by ``rewrite``, in which ``\\1`` to
    ``\\9`` insert groups: StaticRegexReplace when both are Python strings, else RegexReplace.

        tg.strings.regex_replace(["a1b22"], r"(\\d+)", r"<\\1>")      # [b"a<1>b<22>"]
    """
    if isinstance(pattern, (str, bytes)) and isinstance(rewrite, (str, bytes)):
        return gen1("StaticRegexReplace", [input], {"pattern": pattern, "rewrite": rewrite,
                                                    "replace_global": replace_global}, name, "StaticRegexReplace")
    return gen1("RegexReplace", [input, pattern, rewrite], {"replace_global": replace_global}, name, "RegexReplace")


not_differentiable("StaticRegexFullMatch", "RegexFullMatch", "StaticRegexReplace", "RegexReplace")
