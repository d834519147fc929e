"""The ops TensorFlow's saver graphs use, as far as they need the engine: the shape functions of SaveV2,
RestoreV2, MergeV2Checkpoints, ShardedFilename and ShardedFilespec, and the bodies of their CPU kernels
(string tensors live on the host, as in TensorFlow).

The kernels are registered by ``io_ops`` when ``tagraph.serialization`` is imported, and call these bodies;
this module is imported by the modules that build or import graphs holding these ops (``saver``,
``meta_graph``), which registers the shape functions, and at the latest when a kernel first runs.

A non-empty ``shape_and_slices`` entry (``"10 3 0,4:0,3"``) saves the tensor as that slice of a larger one,
or restores only that slice, from a tensor saved whole or in slices (:mod:`bundle_slices`).

A value placed on a GPU reaches SaveV2 through the download step the session's plan inserts, because
SaveV2 has only a CPU kernel; RestoreV2's outputs are host arrays that the plan uploads where the
assigning op runs.

    prefix = tg.constant("/tmp/ckpt/model")
    save = tg.get_default_graph().create_op(
        "SaveV2", [prefix, ["w"], [""], [w.value()]], {}, name="save")
    (w_value,) = tg.get_default_graph().create_op(
        "RestoreV2", [prefix, ["w"], [""]], {"dtypes": [tg.float32]}, name="restore").outputs
"""
import numpy as np

from tagraph.engine.framework import dtypes, errors, file_io
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.op_builder import register_shape, not_differentiable
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.serialization import bundle, bundle_slices

__all__ = ["sharded_filename", "sharded_filespec", "save_v2", "restore_v2", "merge_v2_checkpoints",
           "sharded_filename_kernel", "sharded_filespec_kernel"]


def _scalar_shape(op):
    return [TensorShape([])]


def _check_rank(t, rank, what, op):
    if t.shape.rank is not None and t.shape.rank != rank:
        raise ValueError("%s of %s must be %s, got shape %s"
                         % (what, op.type, "a scalar" if rank == 0 else "rank %d" % rank, t.shape))


@register_shape("SaveV2")
def _save_v2_shape(op):
    _check_rank(op.inputs[0], 0, "prefix", op)
    n = len(op.inputs) - 3
    for i, what in ((1, "tensor_names"), (2, "shape_and_slices")):
        _check_rank(op.inputs[i], 1, what, op)
        d = op.inputs[i].shape.dims[0] if op.inputs[i].shape.rank == 1 else None
        if d is not None and d != n:
            raise ValueError("%s of SaveV2 has %d elements for %d tensors" % (what, d, n))
    return []


@register_shape("RestoreV2")
def _restore_v2_shape(op):
    _check_rank(op.inputs[0], 0, "prefix", op)
    _check_rank(op.inputs[1], 1, "tensor_names", op)
    _check_rank(op.inputs[2], 1, "shape_and_slices", op)
    # As in TensorFlow: a constant slice spec gives the slice's shape (and a bad one fails here, with the
    # kernel's error); a whole-tensor spec ("") is known only once the file is read.
    specs = constant_value(op.inputs[2])
    if specs is None:
        return [TensorShape(None)] * len(op.outputs)
    specs = [_to_str(s) for s in np.asarray(specs, dtype=object).reshape(-1)]
    if len(specs) != len(op.outputs):
        raise ValueError("The number of shape_and_slice doesn't match tensor outputs.")
    try:
        return [TensorShape(bundle_slices.parse_shape_and_slice(s)[2]) if s else TensorShape(None) for s in specs]
    except errors.InvalidArgumentError as e:
        raise ValueError(e.message) from None   # as TensorFlow reports a bad value while building


register_shape("MergeV2Checkpoints")(lambda op: [])
register_shape("ShardedFilename", "ShardedFilespec")(_scalar_shape)
not_differentiable("SaveV2", "RestoreV2", "MergeV2Checkpoints", "ShardedFilename", "ShardedFilespec")


# --- helpers ---------------------------------------------------------------------------------------

def _to_str(value):
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8", "surrogateescape")
    if isinstance(value, (str, np.str_)):
        return str(value)
    raise errors.InvalidArgumentError(None, None, "expected a string, got %r" % (value,))


def _scalar_string(x, what):
    arr = np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x
    if arr.ndim != 0:
        raise errors.InvalidArgumentError(
            None, None, "Input %s must be a scalar string, got shape %s" % (what, list(arr.shape)))
    return _to_str(arr.reshape(()).item() if isinstance(arr, np.ndarray) else arr)


def _string_vector(x, what):
    arr = np.asarray(x, dtype=object)
    if arr.ndim != 1:
        raise errors.InvalidArgumentError(
            None, None, "Input %s must be a 1-D string tensor, got shape %s" % (what, list(arr.shape)))
    return [_to_str(v) for v in arr]


def _scalar_int(x, what):
    arr = np.asarray(x)
    if arr.ndim != 0:
        raise errors.InvalidArgumentError(
            None, None, "Input %s must be a scalar, got shape %s" % (what, list(arr.shape)))
    return int(arr)


def _string_out(s):
    return np.array(s.encode("utf-8", "surrogateescape"), dtype=object)


# --- kernel bodies (registered by io_ops) -----------------------------------------------------------

def save_v2(ctx, prefix, tensor_names, shape_and_slices, *tensors):
    prefix = _scalar_string(prefix, "prefix")
    names = _string_vector(tensor_names, "tensor_names")
    specs = _string_vector(shape_and_slices, "shape_and_slices")
    if len(names) != len(tensors) or len(specs) != len(tensors):
        raise errors.InvalidArgumentError(
            None, None, "Got %d tensor names and %d shape_and_slices for %d tensors to save"
            % (len(names), len(specs), len(tensors)))
    wanted = ctx.attrs.get("dtypes") or []
    # The data file is streamed tensor by tensor, then renamed into place, then the index is written:
    # a reader sees the previous checkpoint at this prefix or the complete new one.
    with bundle.BundleWriter(prefix) as writer:
        for i, (name, value) in enumerate(zip(names, tensors)):
            dt = wanted[i].base_dtype if i < len(wanted) else None
            if not isinstance(value, np.ndarray):
                value = np.asarray(value, dtype=object if dt == dtypes.string else None)
            if dt is not None and dt != dtypes.string:
                expected = dt.as_numpy_dtype
                if expected is not None and value.dtype != np.dtype(expected):
                    raise errors.InvalidArgumentError(
                        None, None, "SaveV2: tensor %s holds %s values, but its dtype is %s"
                        % (name, value.dtype, dt.name))
            datatype = dt.as_datatype_enum if dt is not None else None
            if specs[i]:
                full_shape, piece, piece_shape = bundle_slices.parse_shape_and_slice(specs[i])
                if piece_shape != value.shape:
                    raise errors.InvalidArgumentError(
                        None, None, "Slice in shape_and_slice specification does not match the shape of the "
                        "tensor to  save: %s, tensor: %s" % (specs[i], bundle_slices.shape_debug_string(value.shape)))
                writer.add_slice(name, full_shape, piece, value, dtype=datatype)
            else:
                writer.add(name, value, dtype=datatype)


def restore_v2(ctx, prefix, tensor_names, shape_and_slices):
    prefix = _scalar_string(prefix, "prefix")
    names = _string_vector(tensor_names, "tensor_names")
    specs = _string_vector(shape_and_slices, "shape_and_slices")
    wanted = [d.base_dtype for d in ctx.attrs.get("dtypes") or []]
    if len(names) != len(specs) or len(names) != len(wanted):
        raise errors.InvalidArgumentError(
            None, None, "RestoreV2: got %d tensor names, %d shape_and_slices and %d dtypes"
            % (len(names), len(specs), len(wanted)))
    reader = _open_reader(prefix, names)
    try:
        # Every key and dtype is checked before any tensor is read, as TensorFlow's RestoreV2 does.
        for name, want in zip(names, wanted):
            datatype, _ = reader.dtype_and_shape(name)
            if datatype != want.as_datatype_enum:
                raise errors.InvalidArgumentError(
                    None, None, "tensor_name = %s; expected dtype %s does not equal original dtype %s"
                    % (name, _dtype_string(want.as_datatype_enum), _dtype_string(datatype)))
        if not any(specs):
            values = reader.read_many(names)
        else:
            values = [_restore_one(reader, name, spec) for name, spec in zip(names, specs)]
    finally:
        reader.close()
    # A kernel returns its only output itself, several as a tuple.
    return values[0] if len(values) == 1 else tuple(values)


def _restore_one(reader, name, spec):
    if not spec:
        return reader.read(name)
    _, stored_shape = reader.dtype_and_shape(name)
    full_shape, piece, _ = bundle_slices.parse_shape_and_slice(spec)
    if full_shape != stored_shape:
        raise errors.InvalidArgumentError(
            None, None, "tensor_name = %s; shape in shape_and_slice spec %s does not match the shape stored in "
            "checkpoint: %s" % (name, bundle_slices.shape_debug_string(full_shape),
                                bundle_slices.shape_debug_string(stored_shape)))
    return reader.read_slice(name, piece)


def _dtype_string(enum):
    # TensorFlow's DataTypeString: "float", "double", "int32", "string", ...
    try:
        name = dtypes.as_dtype(enum).name
    except TypeError:
        return "unknown dtype %d" % enum
    return {"float32": "float", "float64": "double", "float16": "half"}.get(name, name)


def _open_reader(prefix, names):
    if not file_io.exists(bundle.meta_filename(prefix)) and file_io.isfile(prefix):
        error = bundle.v1_fallback_error(prefix, names[0] if names else "")
        if error is not None:
            raise error
    return bundle.BundleReader(prefix)


def merge_v2_checkpoints(ctx, checkpoint_prefixes, destination_prefix):
    prefixes = [_to_str(p) for p in np.asarray(checkpoint_prefixes, dtype=object).reshape(-1)]
    dest = _scalar_string(destination_prefix, "destination_prefix")
    bundle.merge_bundles(prefixes, dest, delete_old_dirs=bool(ctx.attrs.get("delete_old_dirs", True)),
                         allow_missing_files=bool(ctx.attrs.get("allow_missing_files", False)))


def sharded_filename(basename, shard, num_shards):
    """``<basename>-<shard>-of-<num_shards>``, five digits each (TensorFlow's ShardedFilename)."""
    return "%s-%05d-of-%05d" % (basename, shard, num_shards)


def sharded_filespec(basename, num_shards):
    """``<basename>-?????-of-<num_shards>`` (TensorFlow's ShardedFilespec)."""
    return "%s-?????-of-%05d" % (basename, num_shards)


def sharded_filename_kernel(ctx, basename, shard, num_shards):
    return _string_out(sharded_filename(_scalar_string(basename, "basename"), _scalar_int(shard, "shard"),
                                        _scalar_int(num_shards, "num_shards")))


def sharded_filespec_kernel(ctx, basename, num_shards):
    return _string_out(sharded_filespec(_scalar_string(basename, "basename"),
                                        _scalar_int(num_shards, "num_shards")))
