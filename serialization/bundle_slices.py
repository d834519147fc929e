"""Tensor slices in checkpoints: how TensorFlow saves partitioned variables and restores parts of tensors.

A variable saved in parts is one ``.index`` entry under its full name (dtype, full shape and the list of
its slices as ``TensorSliceProto``s, no data) plus one ordinary entry per slice under a key that
``checkpoint::EncodeTensorNameSlice`` makes from the full name and the slice (OrderedCode: a leading 0,
the name, the rank, then each dimension's start and length). The ops name a slice with a
``shape_and_slice`` string, ``"10 3 0,4:0,3"``: the full shape, then ``start,length`` (or ``-`` for the
whole dimension) per dimension.

    full_shape, piece, piece_shape = parse_shape_and_slice("10 3 0,4:0,3")   # (10, 3), <0,4:0,3>, (4, 3)
    key = encode_tensor_name_slice(b"w", piece)                           # the part's key in the index

:func:`read_slice` is TensorFlow's ``BundleReader::GetSliceValue``: any slice of a tensor stored whole or
in parts, assembled from the stored parts that overlap it; the error classes and messages are
TensorFlow's.
"""
import re

import numpy as np

from tagraph.engine.framework.errors import DataLossError, InternalError, InvalidArgumentError
from tagraph.protos import tensor_bundle_pb2, tensor_slice_pb2
from tagraph.serialization import bundle_dtypes

__all__ = ["TensorSlice", "parse_shape_and_slice", "shape_debug_string", "encode_tensor_name_slice",
           "add_slice_entry", "slice_keys", "read_slice"]

FULL_EXTENT = -1   # TensorSlice::kFullExtent: the whole dimension
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
# strings::safe_strto64: optional spaces, a sign, digits, optional spaces.
_INT64_TEXT = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+[ \t\n\v\f\r]*\Z")


def _safe_strto64(text):
    if not _INT64_TEXT.match(text):
        return None
    value = int(text)
    return value if _INT64_MIN <= value <= _INT64_MAX else None


def shape_debug_string(shape):
    """TensorShape::DebugString: ``[10,3]``."""
    return "[%s]" % ",".join(str(int(d)) for d in shape)


class TensorSlice:
    """A slice of a tensor: per dimension a start and a length, or the whole dimension (TensorSlice).

        TensorSlice.parse("0,4:-").slice_shape((10, 3))   # (4, 3)
    """

    def __init__(self, extents):
        self.starts = tuple(int(s) for s, _ in extents)
        self.lengths = tuple(int(n) for _, n in extents)

    @classmethod
    def full(cls, rank):
        return cls([(0, FULL_EXTENT)] * rank)

    @classmethod
    def parse(cls, text):
        """TensorSlice::Parse: ``start,length`` or ``-`` per dimension, joined by ``:``."""
        extents = []
        for item in (x for x in text.split(":") if x):
            if item == "-":
                extents.append((0, FULL_EXTENT))
                continue
            pair = [x for x in item.split(",") if x]
            numbers = [_safe_strto64(x) for x in pair]
            if len(pair) != 2 or None in numbers:
                raise InvalidArgumentError(
                    None, None, "Expected a pair of numbers or '-' but got '%s': string = %s" % (item, text))
            start, length = numbers
            if start < 0 or length <= 0:
                raise InvalidArgumentError(
                    None, None, "Expected non-negative start and positive length but got start = %d, length = "
                    "%d: string = %s" % (start, length, text))
            extents.append((start, length))
        return cls(extents)

    @classmethod
    def from_proto(cls, proto):
        """The slice a TensorSliceProto records (an extent without a length is the whole dimension)."""
        return cls([(e.start, e.length if e.HasField("length") else FULL_EXTENT) for e in proto.extent])

    def to_proto(self):
        """TensorSlice::AsProto: start and length only for the dimensions not taken whole."""
        proto = tensor_slice_pb2.TensorSliceProto()
        for d in range(self.rank):
            extent = proto.extent.add()
            if not self.is_full_at(d):
                extent.start = self.starts[d]
                extent.length = self.lengths[d]
        return proto

    @property
    def rank(self):
        return len(self.starts)

    def is_full_at(self, d):
        return self.lengths[d] == FULL_EXTENT and self.starts[d] == 0

    def is_full(self):
        return all(self.is_full_at(d) for d in range(self.rank))

    def bounds(self, full_shape):
        """``[(start, end)]`` per dimension, whole dimensions resolved against ``full_shape``."""
        return [(0, int(full_shape[d])) if self.is_full_at(d) else (self.starts[d], self.starts[d] + self.lengths[d])
                for d in range(self.rank)]

    def debug_string(self):
        """TensorSlice::DebugString: ``0,4:-``."""
        return ":".join("-" if self.is_full_at(d) else "%d,%d" % (self.starts[d], self.lengths[d])
                        for d in range(self.rank))

    def slice_shape(self, full_shape):
        """TensorSlice::SliceTensorShape: the shape of this slice of a ``full_shape`` tensor."""
        if len(full_shape) != self.rank:
            raise InternalError(None, None, "Mismatching ranks: shape = %s, slice = %s"
                                % (shape_debug_string(full_shape), self.debug_string()))
        shape = []
        for d, (start, end) in enumerate(self.bounds(full_shape)):
            if end > full_shape[d]:
                raise InternalError(None, None, "Extent in dimension %d out of bounds: shape = %s, slice = %s"
                                    % (d, shape_debug_string(full_shape), self.debug_string()))
            shape.append(end - start)
        return tuple(shape)

    def covers(self, full_shape):
        """IsFullSlice: the slice is the whole tensor, whether written ``-`` or ``0,n``."""
        if self.is_full():
            return True
        try:
            return self.slice_shape(full_shape) == tuple(full_shape)
        except InternalError:
            return False

    def intersect(self, other, full_shape):
        """``(start, end)`` per dimension of the overlap of two slices, or None when they do not overlap."""
        if self.rank != other.rank:
            return None
        out = []
        for (s0, e0), (s1, e1) in zip(self.bounds(full_shape), other.bounds(full_shape)):
            start, end = max(s0, s1), min(e0, e1)
            if end <= start:
                return None
            out.append((start, end))
        return out

    def __eq__(self, other):
        return isinstance(other, TensorSlice) and (self.starts, self.lengths) == (other.starts, other.lengths)

    def __hash__(self):
        return hash((self.starts, self.lengths))

    def __repr__(self):
        return "<TensorSlice %s>" % self.debug_string()


def parse_shape_and_slice(spec):
    """checkpoint::ParseShapeAndSlice: ``"10 3 0,4:0,3"`` -> (full shape, TensorSlice, the slice's shape)."""
    pieces = spec.split(" ")
    if len(pieces) < 2:
        raise InvalidArgumentError(None, None, "Need least two elements in shape_and_slice specification: %s" % spec)
    piece = TensorSlice.parse(pieces[-1])
    full_shape = []
    for text in pieces[:-1]:
        dim = _safe_strto64(text)
        if dim is None:
            raise InvalidArgumentError(None, None, "Non numerical dimension in shape_and_slice: %s" % spec)
        if dim < 0:  # TensorFlow's process aborts here (a CHECK in TensorShape::AddDim)
            raise InvalidArgumentError(None, None, "Negative dimension %d in shape_and_slice: %s" % (dim, spec))
        full_shape.append(dim)
    full_shape = tuple(full_shape)
    return full_shape, piece, piece.slice_shape(full_shape)


# --- keys ----------------------------------------------------------------------------------------------

def _num_increasing(value):
    """OrderedCode::WriteNumIncreasing: a length byte, then the big-endian bytes without leading zeros."""
    body = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return bytes([len(body)]) + body


def _string_increasing(data):
    """OrderedCode::WriteString: 0x00 -> 00 ff, 0xff -> ff 00, then the separator 00 01."""
    return _SPECIAL_BYTE.sub(lambda m: _ESCAPED[m.group()], data) + b"\x00\x01"


_SPECIAL_BYTE = re.compile(b"[\x00\xff]")
_ESCAPED = {b"\x00": b"\x00\xff", b"\xff": b"\xff\x00"}


# OrderedCode's signed encoding: the header bits of each encoded length, and the length for a bit count.
_LENGTH_TO_HEADER_BITS = [(0, 0), (0x80, 0), (0xc0, 0), (0xe0, 0), (0xf0, 0), (0xf8, 0), (0xfc, 0), (0xfe, 0),
                          (0xff, 0), (0xff, 0x80), (0xff, 0xc0)]
_BITS_TO_LENGTH = [1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5,
                   5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 10]


def _signed_num_increasing(value):
    """OrderedCode::WriteSignedNumIncreasing: order-preserving, one byte for [-64, 64)."""
    x = ~value if value < 0 else value
    if x < 64:
        return bytes([(0x80 ^ value) & 0xff])
    length = _BITS_TO_LENGTH[x.bit_length()]
    buf = bytearray((value & 0xffffffffffffffffffff).to_bytes(10, "big"))   # sign-extended to 10 bytes
    begin = 10 - length
    buf[begin] ^= _LENGTH_TO_HEADER_BITS[length][0]
    buf[begin + 1] ^= _LENGTH_TO_HEADER_BITS[length][1]
    return bytes(buf[begin:])


def encode_tensor_name_slice(name, piece):
    """checkpoint::EncodeTensorNameSlice: the index key of slice ``piece`` of tensor ``name`` (bytes)."""
    out = [_num_increasing(0), _string_increasing(name), _num_increasing(piece.rank)]
    for start, length in zip(piece.starts, piece.lengths):
        out.append(_signed_num_increasing(start))
        out.append(_signed_num_increasing(length))
    return b"".join(out)


def slice_keys(entries):
    """The keys of the stored slices among ``{key: BundleEntryProto}``: the names CheckpointReader hides."""
    keys = set()
    for key, entry in entries.items():
        for proto in entry.slices:
            keys.add(encode_tensor_name_slice(key, TensorSlice.from_proto(proto)))
    return keys


# --- writing -----------------------------------------------------------------------------------------

def add_slice_entry(entries, key, full_shape, piece, datatype):
    """Records slice ``piece`` in the full tensor's entry of ``entries`` (dtype, shape, slices; no data, as
    BundleWriter::AddSlice leaves it); returns the key its data goes under."""
    slice_key = encode_tensor_name_slice(key, piece)
    if slice_key in entries:
        raise InvalidArgumentError(None, None, "Adding duplicate key: slice %s of %s"
                                   % (piece.debug_string(), key.decode("utf-8", "surrogateescape")))
    entry = entries.get(key)
    if entry is None:
        entry = tensor_bundle_pb2.BundleEntryProto(dtype=datatype)
        entry.shape.SetInParent()
        for d in full_shape:
            entry.shape.dim.add(size=d)
    elif not entry.slices:
        raise InvalidArgumentError(None, None, "Tensor %s was added whole; a slice of it cannot be added too"
                                   % key.decode("utf-8", "surrogateescape"))
    elif entry.dtype != datatype or tuple(d.size for d in entry.shape.dim) != tuple(full_shape):
        raise InvalidArgumentError(None, None, "Slices of %s disagree on dtype or full shape"
                                   % key.decode("utf-8", "surrogateescape"))
    entry.slices.add().CopyFrom(piece.to_proto())
    entries[key] = entry
    return slice_key


# --- reading -----------------------------------------------------------------------------------------

def _registered_slices(name, entry, full_shape):
    """The stored slices of ``entry`` (one whole slice for a tensor stored whole), checked as
    TensorSliceSet::Register checks them: inside the tensor and not overlapping each other."""
    if not entry.slices:
        return [TensorSlice.full(len(full_shape))]
    stored = []
    for proto in entry.slices:
        piece = TensorSlice.from_proto(proto)
        for start, length in zip(piece.starts, piece.lengths):
            if (start != 0 or length != FULL_EXTENT) and (start < 0 or length <= 0):   # as BuildTensorSlice
                raise DataLossError(None, None, "Slice %s of tensor %s in the checkpoint's index has a negative start "
                                    "or a length that is not positive" % (piece.debug_string(), name))
        piece.slice_shape(full_shape)
        for other in stored:
            if piece.intersect(other, full_shape) is not None:
                raise InternalError(None, None, "Overlapping slices: existing slice = %s, new slice = %s"
                                    % (other.debug_string(), piece.debug_string()))
        stored.append(piece)
    return stored


def _local(bounds, base):
    """numpy index of ``bounds`` (absolute ``(start, end)`` per dimension) inside a block starting at ``base``."""
    return tuple(slice(s - b, e - b) for (s, e), b in zip(bounds, base))


def read_slice(key, entry, piece, lookup, read):
    """BundleReader::GetSliceValue: slice ``piece`` of tensor ``key`` (its index ``entry``), assembled from
    the stored slices that overlap it; ``lookup(key)`` gives a stored slice's entry, ``read(key)`` its value."""
    name = key.decode("utf-8", "surrogateescape")
    full_shape = tuple(d.size for d in entry.shape.dim)
    stored = _registered_slices(name, entry, full_shape)
    insufficient = InvalidArgumentError(
        None, None, "Does not have sufficient slices for partitioned tensor %s to restore in slice_spec: %s"
        % (name, piece.debug_string()))
    try:
        shape = piece.slice_shape(full_shape)
    except InternalError:
        raise insufficient from None
    overlaps = [(part, part.intersect(piece, full_shape)) for part in stored]
    overlaps = [(part, bounds) for part, bounds in overlaps if bounds is not None]
    if sum(_numel(bounds) for _, bounds in overlaps) != _numel([(0, d) for d in shape]):
        raise insufficient
    origin = [start for start, _ in piece.bounds(full_shape)]
    out = None
    for part, bounds in overlaps:
        if entry.slices:
            part_key = encode_tensor_name_slice(key, part)
            _check_stored_slice(name, lookup(part_key), part, entry, full_shape)
        else:
            part_key = key
        value = read(part_key)
        if part == piece or part.covers(full_shape) and piece.covers(full_shape):
            return value   # TensorFlow's common case: the stored tensor is the slice asked for
        if out is None:
            out = _allocate(shape, value.dtype, name)
        out[_local(bounds, origin)] = value[_local(bounds, [start for start, _ in part.bounds(full_shape)])]
    if out is None:   # an empty slice: nothing is stored for it, as nothing is asked
        out = _allocate(shape, bundle_dtypes.numpy_dtype(entry.dtype), name)
    return out


def _allocate(shape, dtype, name):
    # The shape comes from the index; the parts not yet read may not hold what it claims (they are checked
    # against the data file as they are read), so a claim no memory can hold is the file's fault.
    try:
        return np.empty(shape, dtype=dtype)
    except (MemoryError, ValueError) as e:
        raise DataLossError(None, None, "Tensor %s claims shape %s, which cannot be allocated (%s): corrupted "
                            "checkpoint?" % (name, shape_debug_string(shape), e)) from None


def _numel(bounds):
    n = 1
    for start, end in bounds:
        n *= end - start
    return n


def _check_stored_slice(name, stored_entry, part, full_entry, full_shape):
    """A stored slice's own entry must have the full tensor's dtype and the slice's shape."""
    shape = tuple(d.size for d in stored_entry.shape.dim)
    expected = part.slice_shape(full_shape)
    if stored_entry.dtype != full_entry.dtype or shape != expected:
        raise DataLossError(None, None, "Slice %s of tensor %s is stored with dtype %d and shape %s, but the tensor "
                            "has dtype %d and that slice shape %s" % (
                                part.debug_string(), name, stored_entry.dtype, shape_debug_string(shape),
                                full_entry.dtype, shape_debug_string(expected)))
