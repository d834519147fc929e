"""Bytes into tensors and back, as TensorFlow 1's input code reads them (CPU only): DecodeCSV
(``tf.decode_csv``), DecodeRaw and DecodePaddedRaw (``tf.decode_raw``), DecodeCompressed, SerializeTensor and
ParseTensor, and the whole-file ReadFile and WriteFile.

    cols = tg.decode_csv(lines, record_defaults=[[0], [0.0], [""]])      # three tensors shaped like lines
    pixels = tg.decode_raw(image_bytes, tg.uint8)                         # one more dimension: the bytes
    tg.parse_tensor(tg.serialize_tensor(x), tg.float32)                   # x again

CSV fields follow TensorFlow's kernel exactly: a field may be quoted (``"a,b"``, with ``""`` for a quote)
when ``use_quote_delim``; newlines and carriage returns between fields are skipped; an empty field or one
equal to ``na_value`` takes its column's default, and fails as "required but missing" where the default is
empty; numbers are read with absl's grammar (surrounding whitespace allowed).
"""
import base64
import gzip
import os
import sys
import zlib

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes, errors, file_io
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import _graph_of, convert_to_tensor
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.framework.tensor_util import make_ndarray
from tagraph.engine.ops.op_util import gen, gen1, invalid
from tagraph.engine.ops.string_format_ops import parse_float, parse_int
from tagraph.protos import tensor_pb2

__all__ = ["decode_csv", "decode_raw", "decode_compressed", "serialize_tensor", "parse_tensor", "read_file",
           "write_file"]

not_differentiable("DecodeCSV", "DecodeRaw", "DecodePaddedRaw", "DecodeCompressed", "SerializeTensor", "ParseTensor",
                   "ReadFile", "WriteFile")


def _bytes_of(v):
    return v if isinstance(v, bytes) else str(v).encode("utf-8")


def _attr_text(v):
    return v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else v


# --- DecodeCSV ------------------------------------------------------------------------------------------

def _csv_fields(record, delim, quoting, select):
    """The fields of one record (bytes), TensorFlow's ExtractFields: ``select`` (sorted column numbers, or
    None for all) picks the columns kept; parsing stops after the last picked one."""
    fields, at, parsed, picked, n = [], 0, 0, 0, len(record)
    if not record:
        return fields
    while at < n:
        c = record[at]
        if c in b"\n\r":
            at += 1
            continue
        keep = select is None or select[picked] == parsed
        field = bytearray()
        if quoting and c == 34:        # '"'
            at += 1
            while at < n - 1 and (record[at] != 34 or record[at + 1] != delim):
                if record[at] != 34:
                    field.append(record[at])
                    at += 1
                else:
                    if record[at + 1] != 34:
                        raise invalid("Quote inside a string has to be escaped by another quote")
                    field.append(34)
                    at += 2
            if not (at < n and record[at] == 34 and (at == n - 1 or record[at + 1] == delim)):
                raise invalid("Quoted field has to end with quote followed by delim or end")
            at += 2
        else:
            while at < n and record[at] != delim:
                if (quoting and record[at] == 34) or record[at] in b"\n\r":
                    raise invalid("Unquoted fields cannot have quotes/CRLFs inside")
                field.append(record[at])
                at += 1
            at += 1
        parsed += 1
        if keep:
            fields.append(bytes(field))
            picked += 1
            if select is not None and picked == len(select):
                return fields
    if (select is None or (picked < len(select) and select[picked] == parsed)) and record[-1] == delim:
        fields.append(b"")
    return fields


@register_kernel("DecodeCSV", "CPU")
def _decode_csv(ctx, records, *defaults):
    attrs = ctx.attrs
    types = [dtypes.as_dtype(t) for t in attrs["OUT_TYPE"]]
    delim = _attr_text(attrs.get("field_delim", ","))
    select = [int(c) for c in attrs.get("select_cols", [])] or None
    if select is not None and len(select) != len(types):
        raise invalid("select_cols should match output size")
    if select is not None and any(a >= b for a, b in zip(select, select[1:])):
        raise invalid("select_cols should be strictly increasing indices")
    if select is not None and select[0] < 0:
        raise invalid("select_cols should be non-negative indices")
    if len(delim) != 1:
        raise invalid("field_delim should be only 1 char")
    delim = ord(delim)
    na_value = _bytes_of(attrs.get("na_value", b""))
    quoting = bool(attrs.get("use_quote_delim", True))
    for i, d in enumerate(defaults):
        if np.ndim(d) > 1:
            raise invalid("Each record default should be at most rank 1")
        if np.size(d) >= 2:
            raise invalid("There should only be 1 default per field but field %d has %d", i, np.size(d))
    flat = records.reshape(-1)
    outs = [np.empty(flat.shape, object if t == dtypes.string else t.as_numpy_dtype) for t in types]
    for i, record in enumerate(flat.tolist()):
        fields = _csv_fields(_bytes_of(record), delim, quoting, select)
        if len(fields) != len(types):
            raise invalid("Expect %d fields but have %d in record %d", len(types), len(fields), i)
        for f, (field, t) in enumerate(zip(fields, types)):
            if not field or field == na_value:
                if np.size(defaults[f]) != 1:
                    raise invalid("Field %d is required but missing in record %d!", f, i)
                outs[f][i] = np.asarray(defaults[f]).reshape(-1)[0]
                continue
            if t == dtypes.string:
                outs[f][i] = field
                continue
            np_type = np.dtype(t.as_numpy_dtype)
            value = parse_float(field, np_type) if np_type.kind == "f" else parse_int(field, np_type)
            if value is None:
                raise invalid("Field %d in record %d is not a valid %s: %s", f, i, dtypes.type_string(t),
                              field.decode("utf-8", "backslashreplace"))
            outs[f][i] = value
    return tuple(o.reshape(records.shape) for o in outs)


@register_shape("DecodeCSV")
def _decode_csv_shape(op):
    for d in op.inputs[1:]:
        if d.shape.rank is not None and d.shape.rank > 1:
            raise ValueError("Shape must be at most rank 1 but is rank %d for '{{node %s}}'" % (d.shape.rank, op.name))
    return [op.inputs[0].shape] * len(op.outputs)


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, name=None, na_value="",
               select_cols=None):
    """The columns of CSV ``records`` (a string tensor): one tensor per entry of ``record_defaults`` (each
    ``[]`` for a required column or ``[default]``; its dtype is the column's: int32, int64, float32, float64
    or string), shaped like ``records``.

        a, b = tg.decode_csv(["1,x", "2,"], record_defaults=[[0], ["none"]])   # [1, 2], [b"x", b"none"]
    """
    if select_cols is not None and any(select_cols[i] >= select_cols[i + 1] for i in range(len(select_cols) - 1)):
        raise ValueError("select_cols is not strictly increasing.")
    if select_cols is not None and select_cols[0] < 0:
        raise ValueError("select_cols contains negative values.")
    if select_cols is not None and len(select_cols) != len(record_defaults):
        raise ValueError("Length of select_cols and record_defaults do not match.")
    g = _graph_of([records] + list(record_defaults))
    with g.as_default(), g.name_scope(name or "DecodeCSV") as scope:
        records = convert_to_tensor(records, dtype=dtypes.string, name="records")
        defaults = [convert_to_tensor(d, name="record_defaults_%d" % i) for i, d in enumerate(record_defaults)]
        op = g.create_op("DecodeCSV", [records, defaults], {
            "OUT_TYPE": [d.dtype for d in defaults], "field_delim": field_delim, "use_quote_delim": bool(use_quote_delim),
            "na_value": na_value, "select_cols": list(select_cols or [])}, name=scope)
    return list(op.outputs)


# --- DecodeRaw, DecodePaddedRaw --------------------------------------------------------------------------

def _raw_values(blob, dtype, little_endian):
    """``blob`` (bytes, a multiple of the item size) as ``dtype`` values; TensorFlow reverses each number's
    bytes when the data's byte order is not the machine's (each half of a complex number on its own)."""
    arr = np.frombuffer(blob, np.uint8)
    size = dtype.itemsize // 2 if dtype.kind == "c" else dtype.itemsize
    if size > 1 and little_endian != (sys.byteorder == "little"):
        arr = arr.reshape(-1, size)[:, ::-1].reshape(-1)
    return np.ascontiguousarray(arr).view(dtype)


@register_kernel("DecodeRaw", "CPU")
def _decode_raw(ctx, data):
    t = dtypes.as_dtype(ctx.attrs["out_type"])
    dtype = np.dtype(t.as_numpy_dtype)
    flat = [_bytes_of(v) for v in data.reshape(-1).tolist()]
    size = -1
    for i, s in enumerate(flat):
        if size == -1:
            size = len(s)
        elif len(s) != size:
            raise invalid("DecodeRaw requires input strings to all be the same size, but element %d has size %d != %d",
                          i, size, len(s))
    if size <= 0:
        return np.zeros(data.shape + (0,), dtype)
    if size % dtype.itemsize:
        raise invalid("Input to DecodeRaw has length %d that is not a multiple of %d, the size of %s", size,
                      dtype.itemsize, dtypes.type_string(t))
    little = bool(ctx.attrs.get("little_endian", True))
    return _raw_values(b"".join(flat), dtype, little).reshape(data.shape + (size // dtype.itemsize,))


@register_kernel("DecodePaddedRaw", "CPU", host_inputs=(1,))
def _decode_padded_raw(ctx, data, fixed_length):
    t = dtypes.as_dtype(ctx.attrs["out_type"])
    dtype = np.dtype(t.as_numpy_dtype)
    length = int(np.asarray(fixed_length))
    if length % dtype.itemsize:
        raise invalid("fixed_length (%d) must be a multiple of the size of out_type (%d)", length, dtype.itemsize)
    if length < 0:
        raise invalid("fixed_length (%d) must be non-negative", length)
    # Each element cut or zero-padded to the length first, then put in the machine's byte order.
    blob = b"".join(_bytes_of(v)[:length].ljust(length, b"\0") for v in data.reshape(-1).tolist())
    little = bool(ctx.attrs.get("little_endian", True))
    return _raw_values(blob, dtype, little).reshape(data.shape + (length // dtype.itemsize,))


def _raw_shape(op):
    s = op.inputs[0].shape
    return [TensorShape(s.dims + [None]) if s.rank is not None else unknown_shape()]


register_shape("DecodeRaw")(_raw_shape)


@register_shape("DecodePaddedRaw")
def _decode_padded_raw_shape(op):
    s = op.inputs[0].shape
    if s.rank is None:
        return [unknown_shape()]
    n = constant_value(op.inputs[1])
    size = np.dtype(dtypes.as_dtype(op.get_attr("out_type")).as_numpy_dtype).itemsize
    return [TensorShape(s.dims + [int(n) // size if n is not None else None])]


def decode_raw(input_bytes=None, out_type=None, little_endian=True, name=None, bytes=None,  # noqa: A002
               fixed_length=None):
    """Each string's bytes as ``out_type`` values, on one more (innermost) dimension (DecodeRaw); with
    ``fixed_length``, each string first cut or zero-padded to that many bytes (DecodePaddedRaw). ``bytes`` is
    TensorFlow 1's older name for ``input_bytes``.

        tg.decode_raw(tg.constant(b"\\x01\\x02"), tg.int16)     # [513]
    """
    if input_bytes is None:
        input_bytes = bytes
    if out_type is None:
        raise ValueError("decode_raw_v1() missing 1 positional argument: 'out_type'")
    attrs = {"out_type": dtypes.as_dtype(out_type), "little_endian": bool(little_endian)}
    if fixed_length is not None:
        return gen1("DecodePaddedRaw", [input_bytes, convert_to_tensor(fixed_length, dtype=dtypes.int32)], attrs,
                    name=name)
    return gen1("DecodeRaw", [input_bytes], attrs, name=name)


# --- DecodeCompressed -------------------------------------------------------------------------------------

@register_kernel("DecodeCompressed", "CPU")
def _decode_compressed(ctx, data):
    kind = _attr_text(ctx.attrs.get("compression_type", ""))
    if kind not in ("", "ZLIB", "GZIP"):
        raise invalid("Only ZLIB, GZIP or NONE are supported compressions")
    flat = data.reshape(-1)
    out = np.empty(flat.shape, object)
    for i, v in enumerate(flat.tolist()):
        b = _bytes_of(v)
        try:
            out[i] = b if not kind else (zlib.decompress(b) if kind == "ZLIB" else gzip.decompress(b))
        except (zlib.error, OSError, EOFError) as e:
            raise errors.DataLossError(None, None, "%s: %s" % (kind, e)) from None
    return out.reshape(data.shape)


register_shape("DecodeCompressed")(lambda op: [op.inputs[0].shape])


def decode_compressed(bytes, compression_type="", name=None):  # noqa: A002 - TensorFlow's argument name
    """Each string decompressed (``"ZLIB"`` or ``"GZIP"``; ``""`` leaves it as it is)."""
    return gen1("DecodeCompressed", [bytes], {"compression_type": compression_type}, name=name)


# --- SerializeTensor, ParseTensor -----------------------------------------------------------------------

@register_kernel("SerializeTensor", "CPU")
def _serialize_tensor(ctx, x):
    t = dtypes.as_dtype(ctx.attrs.get("T", x.dtype))
    proto = tensor_pb2.TensorProto(dtype=t.as_datatype_enum)
    proto.tensor_shape.SetInParent()
    for d in x.shape:
        proto.tensor_shape.dim.add(size=int(d))
    if t == dtypes.string:
        proto.string_val.extend(_bytes_of(v) for v in x.reshape(-1).tolist())
    elif x.size:
        # As TensorFlow's kernel: every other type as its raw little-endian bytes.
        proto.tensor_content = np.ascontiguousarray(x, x.dtype.newbyteorder("<")).tobytes()
    return np.array(proto.SerializeToString(), object)


register_shape("SerializeTensor")(lambda op: [TensorShape([])])


def serialize_tensor(tensor, name=None):
    """``tensor`` as one string: its TensorProto, serialized."""
    return gen1("SerializeTensor", [tensor], name=name)


@register_kernel("ParseTensor", "CPU")
def _parse_tensor(ctx, serialized):
    if serialized.ndim:
        raise invalid("Expected `serialized` to be a scalar, got shape: %s" % (list(serialized.shape),))
    want = dtypes.as_dtype(ctx.attrs["out_type"])
    blob = _bytes_of(serialized.reshape(-1)[0])
    proto = tensor_pb2.TensorProto()
    try:
        proto.ParseFromString(blob)
        value = make_ndarray(proto)
    except Exception:  # noqa: BLE001 - any malformed proto is TensorFlow's one error
        raise invalid("Could not parse `serialized` as TensorProto, base64: %s",
                      base64.b64encode(blob).decode("ascii")) from None
    got = dtypes.as_dtype(proto.dtype)
    if got != want:
        raise invalid("Type mismatch between parsed tensor (%s) and dtype (%s)", dtypes.type_string(got),
                      dtypes.type_string(want))
    return np.asarray(value)


register_shape("ParseTensor")(lambda op: [unknown_shape()])


def parse_tensor(serialized, out_type, name=None):
    """The tensor a SerializeTensor string holds; its dtype must be ``out_type``."""
    return gen1("ParseTensor", [serialized], {"out_type": dtypes.as_dtype(out_type)}, name=name)


# --- ReadFile, WriteFile -------------------------------------------------------------------------------

@register_kernel("ReadFile", "CPU")
def _read_file(ctx, filename):
    path = _attr_text(_bytes_of(np.asarray(filename).reshape(-1)[0]))
    return np.array(file_io.read_file(path), object)


register_shape("ReadFile")(lambda op: [TensorShape([])])


def read_file(filename, name=None):
    """The whole content of the file ``filename`` (any path or URL tagraph's file system reads)."""
    return gen1("ReadFile", [filename], name=name)


@register_kernel("WriteFile", "CPU")
def _write_file(ctx, filename, contents):
    path = _attr_text(_bytes_of(np.asarray(filename).reshape(-1)[0]))
    parent = os.path.dirname(path)
    if parent and not file_io.is_url(path):
        file_io.makedirs(parent)
    file_io.write_file(path, _bytes_of(np.asarray(contents).reshape(-1)[0]))


register_shape("WriteFile")(lambda op: [])


def write_file(filename, contents, name=None):
    """An op writing ``contents`` (a string scalar) to the file ``filename``, creating its folders."""
    return gen("WriteFile", [filename, contents], name=name)
