"""Summary ops: ScalarSummary, HistogramSummary, TensorSummaryV2 (text and tensors), ImageSummary,
AudioSummaryV2 and MergeSummary, each producing a serialized ``tensorflow.Summary`` protocol buffer, and the
``tf.summary`` constructors of TensorFlow 1 that build them (with the same node names and the SUMMARIES
collection). The writer of event files is ``tg.summary.FileWriter``.

    loss_summary = tg.summary.scalar("loss", loss)
    tg.summary.histogram("weights", w)
    tg.summary.image("inputs", images, max_outputs=4)
    merged = tg.summary.merge_all()

The bytes are TensorFlow's kernels' own, the PNG images and WAV clips inside included (the PNG encoder
below makes libpng's choices; with a zlib other than the classic one, such as zlib-ng, its bytes differ and
its pixels do not). The engine needs no TensorBoard, so the kernels write Summary's few fields with the
small wire encoder below; protobuf's wire format is deterministic for these messages (fields in number
order, proto3 defaults left out, repeated doubles packed), which is what makes the bytes equal TensorFlow's.
"""
import re
import struct
import zlib

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import GraphKeys, convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import make_op, not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.framework.tensor_util import make_tensor_proto
from tagraph.engine.ops.op_util import dbg, invalid
from tagraph.protos import tensor_pb2

__all__ = ["scalar", "histogram", "text", "tensor_summary", "image", "audio", "merge", "merge_all",
           "default_histogram_limits", "encode_png", "encode_wav"]

_SUMMARY_OPS = ("ScalarSummary", "HistogramSummary", "TensorSummaryV2", "ImageSummary", "AudioSummaryV2",
                "MergeSummary")
_TEXT_METADATA = b"\n\x06\n\x04text"   # SummaryMetadata{plugin_data{plugin_name: "text"}}
_INVALID_TAG_CHARACTERS = re.compile(r"[^-/\w\.]")


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
        single = " (tag '%s')" % _bytes(tags.reshape(-1)[0]).decode("utf-8", "replace") if tags.size == 1 else ""
        raise invalid("tags and values are not the same shape: %s != %s%s", dbg(tags.shape), dbg(values.shape),
                      single)
    out = b""
    for tag, v in zip(np.asarray(tags).reshape(-1), np.asarray(values).reshape(-1)):
        out += _value(_bytes(tag), _varint(2 << 3 | 5) + struct.pack("<f", np.float32(v)))
    return _string_scalar(out)


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
        # TensorFlow checks value by value: the first non-finite one decides the message.
        bad = values[~np.isfinite(values)][0]
        raise invalid("%s for: %s", "Nan in summary histogram" if np.isnan(bad) else "Infinity in Histogram",
                      _bytes(tag.item()).decode("utf-8", "replace"))
    return _string_scalar(_value(_bytes(tag.item()), _field(5, _histogram_proto(values))))


# --- TensorSummaryV2 ------------------------------------------------------------------------------------

@register_kernel("TensorSummaryV2", "CPU")
def _tensor_summary(ctx, tag, tensor, metadata):
    tensor = np.asarray(tensor)
    dtype = ctx.attrs["T"]
    if dtype == dtypes.string:
        proto = make_tensor_proto(tensor)
    else:
        # TensorFlow's kernel writes every numeric tensor as tensor_content, scalars too.
        proto = tensor_pb2.TensorProto(dtype=dtype.as_datatype_enum)
        proto.tensor_shape.SetInParent()
        for d in tensor.shape:
            proto.tensor_shape.dim.add(size=d)
        proto.tensor_content = np.ascontiguousarray(tensor, tensor.dtype.newbyteorder("<")).tobytes()
    body = _field(8, proto.SerializeToString()) + _field(9, _bytes(metadata.item()))
    return _string_scalar(_value(_bytes(tag.item()), body))


# --- ImageSummary: images as PNG, float images scaled into [0, 255] as TensorFlow's kernel does ------------

_PNG_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}      # depth -> PNG colour type: grayscale (and alpha), RGB(A)


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_filtered_rows(rows, depth):
    """Each row with the PNG filter (None, Sub, Up, Average, Paeth) whose bytes, read as signed, sum smallest
    in magnitude (the first such): libpng's adaptive choice, which TensorFlow's encoder makes."""
    x = rows.astype(np.int16)
    left = np.zeros_like(x)
    left[:, depth:] = x[:, :-depth]
    up = np.zeros_like(x)
    up[1:] = x[:-1]
    up_left = np.zeros_like(x)
    up_left[:, depth:] = up[:, :-depth]
    p = left + up - up_left
    pa, pb, pc = np.abs(p - left), np.abs(p - up), np.abs(p - up_left)
    paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, up_left))
    candidates = np.stack([x, x - left, x - up, x - (left + up) // 2, x - paeth]) & 0xFF
    cost = np.minimum(candidates, 256 - candidates).sum(axis=2)
    choice = cost.argmin(axis=0)
    chosen = candidates[choice, np.arange(len(x))].astype(np.uint8)
    return np.concatenate([choice.astype(np.uint8)[:, None], chosen], axis=1)


def _png_zlib(data, level=6):
    """``data`` deflated as libpng does it for TensorFlow: ``level`` (6), memory level 9, Z_FILTERED, the window cut
    to fit a small image, and the header's window size then rewritten to the smallest that fits (libpng's
    optimize_cmf). With the classic zlib the bytes are TensorFlow's; any zlib gives the same pixels."""
    window_bits = 15
    if len(data) <= 16384:
        while len(data) + 262 <= 1 << (window_bits - 1):
            window_bits -= 1
    compressor = zlib.compressobj(level, zlib.DEFLATED, max(window_bits, 9), 9, zlib.Z_FILTERED)
    stream = bytearray(compressor.compress(data) + compressor.flush())
    if len(data) <= 16384 and stream[0] & 0x0F == 8 and stream[0] >> 4 <= 7:
        cinfo = stream[0] >> 4
        if len(data) <= 1 << (cinfo + 7):
            cinfo -= 1
            while cinfo > 0 and len(data) <= 1 << (cinfo + 7):
                cinfo -= 1
            stream[0] = cinfo << 4 | 8
            flags = stream[1] & 0xE0
            stream[1] = flags + 0x1F - ((stream[0] << 8) + flags) % 0x1F
    return bytes(stream)


def encode_png(image, compression=-1):
    """PNG bytes of an ``[height, width, depth]`` uint8 or uint16 image, depth 1 (grayscale), 2 (grayscale and
    alpha), 3 (RGB) or 4 (RGBA), as TensorFlow's libpng writes them (IDAT chunks of 8192 bytes);
    ``compression`` is zlib's level, -1 for libpng's default (6)."""
    h, w, depth = image.shape
    bits = 16 if image.dtype == np.uint16 else 8
    rows = (image.astype(">u2").view(np.uint8) if bits == 16 else image).reshape(h, w * depth * bits // 8)
    header = struct.pack(">IIBBBBB", w, h, bits, _PNG_COLOR_TYPES[depth], 0, 0, 0)
    data = _png_zlib(_png_filtered_rows(rows, depth * bits // 8).tobytes(), 6 if compression < 0 else compression)
    idat = b"".join(_png_chunk(b"IDAT", data[i:i + 8192]) for i in range(0, len(data), 8192))
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + idat + _png_chunk(b"IEND", b"")


def _to_uint8_image(values, bad_color):
    """A float image (``[pixels, depth]``) in uint8 as TensorFlow scales it: by 255/max when no value is
    negative, else by 127/max|value| around 128; pixels with a non-finite channel take ``bad_color``."""
    dtype = values.dtype.type
    finite = np.isfinite(values).all(axis=1)
    good = values[finite].astype(np.float32)
    lo = good.min() if good.size else np.float32(np.inf)
    hi = good.max() if good.size else np.float32(-np.inf)
    if lo < 0:
        max_val = max(abs(lo), abs(hi))
        scale, offset = (np.float32(0) if max_val < 1e-6 else np.float32(127) / max_val), np.float32(128)
    else:
        scale, offset = (np.float32(0) if hi < 1e-6 else np.float32(255) / hi), np.float32(0)
    with np.errstate(invalid="ignore", over="ignore"):
        # In the image's own type, as TensorFlow's Eigen expression computes it; a value in [0, 256) truncates.
        scaled = (values * dtype(scale) + dtype(offset)).astype(np.uint8)
    scaled[~finite] = bad_color
    return scaled


@register_kernel("ImageSummary", "CPU")
def _image_summary(ctx, tag, tensor):
    if np.ndim(tag) != 0:
        raise invalid("Tags must be a scalar")
    tensor = np.asarray(tensor)
    if tensor.ndim != 4 or tensor.shape[3] not in (1, 3, 4):
        raise invalid("Tensor must be 4-D with last dim 1, 3, or 4, not %s", dbg(tensor.shape))
    batch, h, w, depth = tensor.shape
    if max(batch, h, w) >= 1 << 31 or h * w >= 1 << 29:
        raise invalid("Tensor too large for summary %s", dbg(tensor.shape))
    if h * w == 0:
        raise invalid("input tensor must have non-zero dims. Found: [%s].", ", ".join(map(str, tensor.shape)))
    images = tensor.reshape(batch, h * w, depth)
    if tensor.dtype != np.uint8:
        bad_color = np.asarray(ctx.attrs["bad_color"], np.uint8).reshape(-1)
        if bad_color.size < depth:
            raise invalid("expected depth <= bad_color.size, got depth = %d, bad_color.size = %d", depth,
                          bad_color.size)
    max_images = ctx.attrs["max_images"]
    base = _bytes(tag.item())
    out = b""
    for i in range(min(max_images, batch)):
        # The tag depends on how many images were asked for, not on how many there are.
        name = base + (b"/image/%d" % i if max_images > 1 else b"/image")
        pixels = images[i] if tensor.dtype == np.uint8 else _to_uint8_image(images[i], bad_color[:depth])
        body = (_varint(1 << 3) + _varint(h) + _varint(2 << 3) + _varint(w) + _varint(3 << 3) + _varint(depth) +
                _field(4, encode_png(pixels.reshape(h, w, depth))))
        out += _value(name, _field(4, body))
    return _string_scalar(out)


# --- AudioSummaryV2: 16-bit PCM WAV, as TensorFlow's EncodeAudioAsS16LEWav writes it --------------------

_UINT32_MAX = (1 << 32) - 1


def encode_wav(samples, sample_rate):
    """WAV bytes of float ``samples`` (``[frames, channels]``, in [-1, 1]) as signed 16-bit PCM: each sample
    times 32768, rounded half away from zero, clipped (NaN becomes 0, as x86 converts it)."""
    frames, channels = samples.shape
    if not 0 < sample_rate <= _UINT32_MAX:
        raise invalid("sample_rate must be in (0, 2^32), got: %d", sample_rate)
    if not 0 < channels <= 0xFFFF:
        raise invalid("num_channels must be in (0, 2^16), got: %d", channels)
    data_size = frames * channels * 2
    if 44 + data_size > _UINT32_MAX:
        raise invalid("Provided channels and frames cannot be encoded as a WAV.")
    x = samples.astype(np.float32) * np.float32(32768)
    with np.errstate(invalid="ignore"):
        magnitude = np.floor(np.abs(x))
        rounded = np.copysign(magnitude + (np.abs(x) - magnitude >= 0.5), x)
        pcm = np.where(np.isnan(x), 0, np.clip(rounded, -32768, 32767)).astype("<i2")
    header = (b"RIFF" + struct.pack("<I", 36 + data_size) + b"WAVEfmt " +
              struct.pack("<IHHIIHH", 16, 1, channels, sample_rate, sample_rate * channels * 2, channels * 2, 16) +
              b"data" + struct.pack("<I", data_size))
    return header + pcm.tobytes()


@register_kernel("AudioSummaryV2", "CPU")
def _audio_summary(ctx, tag, tensor, sample_rate):
    if np.ndim(tag) != 0:
        raise invalid("Tag must be a scalar")
    tensor = np.asarray(tensor, np.float32)
    if tensor.ndim not in (2, 3):
        raise invalid("Tensor must be 3-D or 2-D, got: %s", dbg(tensor.shape))
    sample_rate = np.asarray(sample_rate, np.float32)
    if sample_rate.size != 1:
        raise invalid("sample_rate must be rank-0 or contain a single value")
    rate = np.float32(sample_rate.reshape(-1)[0])
    if not rate > 0:
        raise invalid("sample_rate must be > 0")
    batch, frames = tensor.shape[:2]
    channels = 1 if tensor.ndim == 2 else tensor.shape[2]
    clips = tensor.reshape(batch, frames, channels)
    # The WAV header holds the rate as a whole number: lrintf's rounding (half to even), at least 1.
    wav_rate = max(int(np.rint(rate)), 1)
    max_outputs = ctx.attrs["max_outputs"]
    base = _bytes(tag.item())
    out = b""
    for i in range(min(max_outputs, batch)):
        if tensor.size == 0 and frames > 0:
            raise invalid("audio is null")
        name = base + (b"/audio/%d" % i if max_outputs > 1 else b"/audio")
        body = (_varint(1 << 3 | 5) + struct.pack("<f", rate) + _varint(2 << 3) + _varint(channels) +
                (_varint(3 << 3) + _varint(frames) if frames else b"") + _field(4, encode_wav(clips[i], wav_rate)) +
                _field(5, b"audio/wav"))
        out += _value(name, _field(6, body))
    return _string_scalar(out)


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

def _clean_tag(name):
    # TensorFlow's clean_tag: characters a tag may not have become "_", leading slashes go.
    return None if name is None else _INVALID_TAG_CHARACTERS.sub("_", name).lstrip("/")


def _summary_scope(name, family, collections, build):
    # TensorFlow's summary_scope: the op takes the scope's name ("family/name" under a family) and its tag is
    # the scope's full name (so summaries under a name_scope are tagged "scope/name"), with the family once
    # more in front so TensorBoard shows it in the family's tab; the op joins the SUMMARIES collection.
    g = get_default_graph()
    name, family = _clean_tag(name), _clean_tag(family)
    with g.name_scope(name if family is None else "%s/%s" % (family, name)) as scope:
        tag = scope.rstrip("/") if family is None else "%s/%s" % (family, scope.rstrip("/"))
        out = build(tag, scope)
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
    """A TensorSummaryV2 of a string tensor, marked for TensorBoard's text plugin.

        tg.summary.text("config", tg.constant("lr=0.1, batch=32"))
    """
    tensor = convert_to_tensor(tensor)
    if tensor.dtype.base_dtype != dtypes.string:
        raise ValueError("Expected tensor %s to have dtype string, got %s" % (tensor.name, tensor.dtype))
    return tensor_summary(name, tensor, summary_metadata=_TEXT_METADATA, collections=collections)


def tensor_summary(name, tensor, summary_description=None, collections=None, summary_metadata=None, family=None,
                   display_name=None):
    """A TensorSummaryV2 of the whole ``tensor``, with its SummaryMetadata (a message or its bytes), whose
    ``summary_description`` and ``display_name`` these arguments set.

        tg.summary.tensor_summary("confusion", confusion_matrix, display_name="Confusion matrix")
    """
    if summary_metadata is None:
        # SummaryMetadata's display_name (field 2) and summary_description (3); proto3 leaves out empty ones.
        serialized = b"".join(_field(n, _bytes(v)) for n, v in ((2, display_name), (3, summary_description)) if v)
    elif isinstance(summary_metadata, bytes):
        if display_name is not None or summary_description is not None:
            raise TypeError("tensor_summary sets display_name and summary_description on a SummaryMetadata "
                            "message, not on serialized bytes")
        serialized = summary_metadata
    else:
        if summary_description is not None:
            summary_metadata.summary_description = summary_description
        if display_name is not None:
            summary_metadata.display_name = display_name
        serialized = summary_metadata.SerializeToString()
    return _summary_scope(name, family, collections, lambda tag, scope: make_op(
        "TensorSummaryV2", [convert_to_tensor(tag, name="tag"), tensor,
                            convert_to_tensor(serialized, name="serialized_summary_metadata")], name=scope))


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """An ImageSummary of up to ``max_outputs`` images of a ``[batch, height, width, channels]`` tensor
    (channels 1, 3 or 4; uint8 as is, float scaled into [0, 255]), tagged ``<name>/image/<i>``.

        tg.summary.image("inputs", tg.reshape(x, [-1, 28, 28, 1]), max_outputs=4)
    """
    return _summary_scope(name, family, collections, lambda tag, scope: make_op(
        "ImageSummary", [convert_to_tensor(tag, name="tag"), tensor], {"max_images": max_outputs}, name=scope))


def audio(name, tensor, sample_rate, max_outputs=3, collections=None, family=None):
    """An AudioSummaryV2 of up to ``max_outputs`` clips of a ``[batch, frames]`` or ``[batch, frames,
    channels]`` float tensor in [-1, 1], played at ``sample_rate`` Hz, tagged ``<name>/audio/<i>``.

        tg.summary.audio("speech", waveforms, 16000)
    """
    def build(tag, scope):
        rate = convert_to_tensor(sample_rate, dtype=dtypes.float32, name="sample_rate")
        return make_op("AudioSummaryV2", [convert_to_tensor(tag, name="tag"), tensor, rate],
                       {"max_outputs": max_outputs}, name=scope)
    return _summary_scope(name, family, collections, build)


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
