"""Summary ops: ScalarSummary, HistogramSummary, TensorSummaryV2 (text) and MergeSummary, each producing a
serialized ``tensorflow.Summary`` protocol buffer, byte for byte as TensorFlow's kernels do, and the
``tf.summary`` constructors of TensorFlow 1 that build them (with the same node names and the SUMMARIES
collection). The writer of event files is ``tg.summary.FileWriter``.

    loss_summary = tg.summary.scalar("loss", loss)
    tg.summary.histogram("weights", w)
    merged = tg.summary.merge_all()

tagraph's protos have no Summary message, so the kernels write its few fields with the small wire encoder
below; protobuf's wire format is deterministic for these messages (fields in number order, proto3 defaults
left out, repeated doubles packed), which is what makes the bytes equal TensorFlow's.
"""
import struct

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import GraphKeys, convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import make_op, not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.framework.tensor_util import make_tensor_proto
from tagraph.engine.ops.op_util import invalid

__all__ = ["scalar", "histogram", "text", "merge", "merge_all", "default_histogram_limits"]

_SUMMARY_OPS = ("ScalarSummary", "HistogramSummary", "TensorSummaryV2", "MergeSummary")
_TEXT_METADATA = b"\n\x06\n\x04text"   # SummaryMetadata{plugin_data{plugin_name: "text"}}


# --- the wire format of the few Summary fields the kernels write ------------------------------------

def _varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number, payload):
    """A length-delimited field (strings, bytes, sub-messages, packed repeated values)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _double(number, x):
    return b"" if x == 0.0 else _varint(number << 3 | 1) + struct.pack("<d", x)


def _read_varint(buf, i):
    shift = n = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def _fields(buf):
    """(field number, wire type, raw field bytes, payload of a length-delimited field) of a message."""
    i = 0
    while i < len(buf):
        start = i
        key, i = _read_varint(buf, i)
        wire = key & 7
        payload = None
        if wire == 0:
            _, i = _read_varint(buf, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            n, i = _read_varint(buf, i)
            payload = buf[i:i + n]
            i += n
        else:
            raise ValueError("unsupported wire type %d" % wire)
        if i > len(buf):
            raise ValueError("truncated message")
        yield key >> 3, wire, buf[start:i], payload


def _value(tag, body):
    """Summary{value{tag: tag, <body>}}: ``body`` holds the Value's fields after its tag, in number order."""
    return _field(1, _field(1, tag) + body)


def _string_scalar(b):
    return np.array(b, dtype=object)


# --- ScalarSummary ------------------------------------------------------------------------------------

@register_kernel("ScalarSummary", "CPU")
def _scalar_summary(ctx, tags, values):
    if tags.shape != values.shape:
        raise invalid("tags and values are not the same shape: %s != %s", _shape(tags), _shape(values))
    out = b""
    for tag, v in zip(np.asarray(tags).reshape(-1), np.asarray(values).reshape(-1)):
        out += _value(_bytes(tag), _varint(2 << 3 | 5) + struct.pack("<f", np.float32(v)))
    return _string_scalar(out)


def _shape(a):
    return "[%s]" % ",".join(str(d) for d in a.shape)


def _bytes(s):
    return s if isinstance(s, bytes) else str(s).encode()


# --- HistogramSummary: TensorFlow's histogram with its default bucket limits ----------------------------

def default_histogram_limits():
    """TensorFlow's default bucket limits: +-1e-12 growing by 1.1 up to 1e20, 0, and +-DBL_MAX at the ends."""
    pos = []
    v = 1.0e-12
    while v < 1.0e20:
        pos.append(v)
        v *= 1.1
    pos.append(np.finfo(np.float64).max)
    return np.array([-x for x in reversed(pos)] + [0.0] + pos, np.float64)


_LIMITS = default_histogram_limits()


def _histogram_proto(values):
    counts = np.zeros(len(_LIMITS), np.float64)
    if values.size:
        # upper_bound: the first limit greater than the value.
        idx = np.minimum(np.searchsorted(_LIMITS, values, side="right"), len(_LIMITS) - 1)
        np.add.at(counts, idx, 1.0)
        # TensorFlow adds the values one at a time; accumulate keeps that order of the sums.
        lo, hi, total = values.min(), values.max(), np.add.accumulate(values)[-1]
        squares = np.add.accumulate(values * values)[-1]
    else:
        lo, hi, total, squares = _LIMITS[-1], -_LIMITS[-1], 0.0, 0.0
    limits, buckets = [], []
    i = 0
    while i < len(counts):
        end, count = _LIMITS[i], counts[i]
        i += 1
        if count <= 0.0:
            # A run of empty buckets collapses into one, ending at the run's last limit.
            while i < len(counts) and counts[i] <= 0.0:
                end, count = _LIMITS[i], counts[i]
                i += 1
        limits.append(end)
        buckets.append(count)
    if not limits:
        limits, buckets = [_LIMITS[-1]], [0.0]
    return (_double(1, lo) + _double(2, hi) + _double(3, float(values.size)) + _double(4, total) +
            _double(5, squares) + _field(6, np.array(limits, "<f8").tobytes()) +
            _field(7, np.array(buckets, "<f8").tobytes()))


@register_kernel("HistogramSummary", "CPU")
def _histogram_summary(ctx, tag, values):
    if np.ndim(tag) != 0:
        raise invalid("tags must be scalar")
    values = np.asarray(values, np.float64).reshape(-1)
    if not np.isfinite(values).all():
        raise invalid("Nan in summary histogram for: %s", _bytes(tag.item()).decode("utf-8", "replace"))
    return _string_scalar(_value(_bytes(tag.item()), _field(5, _histogram_proto(values))))


# --- TensorSummaryV2 ------------------------------------------------------------------------------------

@register_kernel("TensorSummaryV2", "CPU")
def _tensor_summary(ctx, tag, tensor, metadata):
    proto = make_tensor_proto(np.asarray(tensor))
    body = _field(8, proto.SerializeToString()) + _field(9, _bytes(metadata.item()))
    return _string_scalar(_value(_bytes(tag.item()), body))


# --- MergeSummary ---------------------------------------------------------------------------------------

@register_kernel("MergeSummary", "CPU")
def _merge_summary(ctx, *inputs):
    out, seen = [], set()
    for summary in inputs:
        for s in np.asarray(summary).reshape(-1):
            s = _bytes(s)
            try:
                entries = list(_fields(s))
            except (ValueError, IndexError):
                raise invalid("Could not parse one of the summary inputs")
            for number, _, raw, payload in entries:
                if number != 1:
                    continue
                tag = next((p for n, _, _, p in _fields(payload) if n == 1), b"")
                if tag in seen:
                    raise invalid("Duplicate tag %s found in summary inputs ", tag.decode("utf-8", "replace"))
                seen.add(tag)
                out.append(raw)
    return _string_scalar(b"".join(out))


@register_shape(*_SUMMARY_OPS)
def _summary_shape(op):
    return [TensorShape([])]


not_differentiable(*_SUMMARY_OPS)


# --- tf.summary's constructors --------------------------------------------------------------------------

def _summary_scope(name, family, collections, build):
    # TensorFlow's summary_scope: the tag is the scope's full name (so summaries under a name_scope are
    # tagged "scope/name"), the op takes the scope's name, and it joins the SUMMARIES collection.
    g = get_default_graph()
    name = "".join(c if c.isalnum() or c in "._-/" else "_" for c in name)
    if family:
        name = family + "/" + name
    with g.name_scope(name) as scope:
        out = build(scope.rstrip("/"), scope)
    for key in ([GraphKeys.SUMMARIES] if collections is None else collections):
        g.add_to_collection(key, out)
    return out


def scalar(name, tensor, collections=None, family=None):
    """A ScalarSummary of a real scalar, tagged with the scope's full name.

        tg.summary.scalar("loss", loss)
    """
    return _summary_scope(name, family, collections, lambda tag, scope: make_op(
        "ScalarSummary", [convert_to_tensor(tag, name="tags"), tensor], name=scope))


def histogram(name, values, collections=None, family=None):
    """A HistogramSummary of ``values`` with TensorFlow's default buckets."""
    return _summary_scope(name, family, collections, lambda tag, scope: make_op(
        "HistogramSummary", [convert_to_tensor(tag, name="tag"), values], name=scope))


def text(name, tensor, collections=None):
    """A TensorSummaryV2 of a string tensor, marked for TensorBoard's text plugin."""
    tensor = convert_to_tensor(tensor)
    if tensor.dtype.base_dtype != dtypes.string:
        raise ValueError("Expected tensor %s to have dtype string, got %s" % (tensor.name, tensor.dtype))
    return _summary_scope(name, None, collections, lambda tag, scope: make_op(
        "TensorSummaryV2", [convert_to_tensor(tag, name="tag"), tensor,
                            convert_to_tensor(_TEXT_METADATA, name="serialized_summary_metadata")], name=scope))


def merge(inputs, collections=None, name=None):
    """One Summary holding the values of every summary in ``inputs`` (MergeSummary)."""
    g = get_default_graph()
    with g.name_scope(name or "Merge"):
        out = make_op("MergeSummary", [list(inputs)], name="MergeSummary")
    for key in collections or []:
        g.add_to_collection(key, out)
    return out


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """merge() of the summaries in collection ``key``, or None when there are none."""
    ops = get_default_graph().get_collection(key, scope)
    return merge(ops, name=name) if ops else None
