"""Lookup tables, TensorFlow's resource kind for vocabularies: the ops, their host kernels and shape
functions, and constructors named as TensorFlow's generated ``gen_lookup_ops`` wrappers (the classes users
build with are in :mod:`tagraph.engine.ops.lookup`, ``tg.lookup``).

- handle ops: ``HashTableV2`` (immutable once initialized), ``MutableHashTableV2`` (scalar values),
  ``MutableHashTableOfTensorsV2`` (vector values), ``MutableDenseHashTableV2`` (open addressing; its
  export shows its buckets, laid out as TensorFlow lays them);
- ``InitializeTableV2``, ``InitializeTableFromTextFileV2``, ``LookupTableImportV2``: fill a table;
- ``LookupTableFindV2``, ``LookupTableInsertV2``, ``LookupTableRemoveV2``, ``LookupTableSizeV2``,
  ``LookupTableExportV2``.

A table lives in the session's state, keyed by (container, name) as TensorFlow's resource manager keys
it: the name is the op's ``shared_name``, else its node name with ``use_node_name_sharing``, else one
private to the op. Two handle ops naming one table share it (and must agree on its dtypes). Every
kernel here runs on the host (tables hold strings), as TensorFlow registers them: the placer puts an op
that has no device on the CPU; one asked for a GPU needs soft placement.

    table = hash_table_v2(tg.string, tg.int64, shared_name="vocab")
    init = initialize_table_v2(table, ["a", "b"], tg.constant([0, 1], tg.int64))
    ids = lookup_table_find_v2(table, ["b", "z"], tg.constant(-1, tg.int64))     # [1, -1] once init ran
"""
import itertools
import os
import re

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.allocation_limits import max_allocation_bytes
from tagraph.engine.framework.graph import GraphKeys, get_default_graph
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops.control_flow_ops import group, no_op
from tagraph.engine.ops.lookup_tables import DenseTable, MutableTable, StaticTable
from tagraph.engine.ops.op_util import dbg, gen, gen1, invalid

__all__ = ["hash_table_v2", "mutable_hash_table_v2", "mutable_hash_table_of_tensors_v2",
           "mutable_dense_hash_table_v2", "initialize_table_v2", "initialize_table_from_text_file_v2",
           "lookup_table_find_v2", "lookup_table_insert_v2", "lookup_table_remove_v2", "lookup_table_size_v2",
           "lookup_table_export_v2", "lookup_table_import_v2", "tables_initializer", "initialize_all_tables",
           "TABLE_OPS"]

_HOST = host_kind().device_type
TABLE_OPS = ("HashTableV2", "MutableHashTableV2", "MutableHashTableOfTensorsV2", "MutableDenseHashTableV2")
_PRIVATE_IDS = itertools.count()


def _str(v):
    return v.decode("utf-8") if isinstance(v, bytes) else v


# --- handle ops -------------------------------------------------------------------------------------

def _table(ctx, make):
    """The table a handle op names, made by ``make(container, name)`` the first time (TensorFlow's
    LookupOrCreate), its dtypes checked against the op's as TensorFlow's LookupTableOp checks them."""
    state = ctx.session_state.op_state
    table = state.get(ctx.op)
    if table is not None:
        return table
    a = ctx.attrs
    container = _str(a.get("container", "")) or "localhost"
    name = _str(a.get("shared_name", ""))
    private = not name and not a.get("use_node_name_sharing", False)
    if not name:
        name = "_%d_%s" % (next(_PRIVATE_IDS), ctx.node_name) if private else ctx.node_name
    key = ("lookup_table", container, name)
    table = state.get(key)
    if table is None:
        table = state[key] = make(container, name)
    key_dtype, value_dtype = dtypes.as_dtype(a["key_dtype"]), dtypes.as_dtype(a["value_dtype"])
    if table.key_dtype != key_dtype or table.value_dtype != value_dtype:
        raise invalid("Conflicting key/value dtypes %s->%s with %s-%s for table %s", dtypes.type_string(key_dtype),
                      dtypes.type_string(value_dtype), dtypes.type_string(table.key_dtype), dtypes.type_string(table.value_dtype),
                      name)
    state[ctx.op] = table
    return table


def _dtypes(ctx):
    return dtypes.as_dtype(ctx.attrs["key_dtype"]), dtypes.as_dtype(ctx.attrs["value_dtype"])


@register_kernel("HashTableV2", _HOST)
def _hash_table(ctx):
    return _table(ctx, lambda container, name: StaticTable(container, name, *_dtypes(ctx)))


@register_kernel("MutableHashTableV2", _HOST)
def _mutable_hash_table(ctx):
    return _table(ctx, lambda container, name: MutableTable(container, name, *_dtypes(ctx), ()))


@register_kernel("MutableHashTableOfTensorsV2", _HOST)
def _mutable_hash_table_of_tensors(ctx):
    shape = TensorShape(ctx.attrs["value_shape"])
    if shape.rank != 1 or not shape.is_fully_defined():
        raise invalid("Default value must be a vector, got shape %s",
                      "<unknown>" if shape.rank is None else dbg([-1 if d is None else d for d in shape.dims]))
    return _table(ctx, lambda container, name: MutableTable(container, name, *_dtypes(ctx), tuple(shape.dims)))


@register_kernel("MutableDenseHashTableV2", _HOST)
def _mutable_dense_hash_table(ctx, empty_key, deleted_key):
    a = ctx.attrs
    shape = TensorShape(a["value_shape"])
    if shape.rank is None or shape.rank > 1 or not shape.is_fully_defined():
        raise invalid("Empty value must be a scalar or a vector, got shape %s", shape)
    return _table(ctx, lambda container, name: DenseTable(
        container, name, *_dtypes(ctx), tuple(shape.dims), empty_key, deleted_key, a["initial_num_buckets"],
        a["max_load_factor"]))


def _handle_data(op):
    """(key shape, value shape, key dtype, value dtype) of the table a handle input comes from, where its
    op is one of the table ops of this graph (TensorFlow's handle shapes-and-types), else None."""
    src = op.inputs[0].op
    if src.type not in TABLE_OPS[1:]:
        return None    # HashTableV2's shape function leaves no handle data
    value = TensorShape(src.get_attr("value_shape")) if src.type != "MutableHashTableV2" else TensorShape([])
    key = src.inputs[0].shape if src.type == "MutableDenseHashTableV2" else TensorShape([])
    return key, value, src.get_attr("key_dtype"), src.get_attr("value_dtype")


def _check_handle_types(op, key_attr, value_attr):
    data = _handle_data(op)
    if data is None:
        return None
    for want, attr in ((data[2], key_attr), (data[3], value_attr)):
        got = op.get_attr(attr)
        if dtypes.as_dtype(want) != dtypes.as_dtype(got):
            raise ValueError("Trying to read value with wrong dtype. Expected %s got %s"
                             % (dtypes.type_string(dtypes.as_dtype(want)), dtypes.type_string(dtypes.as_dtype(got))))
    return data


def _scalar_handle(op):
    s = op.inputs[0].shape
    if s.rank not in (None, 0):
        raise ValueError("Shape must be rank 0 but is rank %d" % s.rank)


@register_shape(*TABLE_OPS)
def _table_shape(op):
    if op.type == "MutableDenseHashTableV2" and op.inputs[0].shape.rank not in (None, 0, 1):
        raise ValueError("Shape must be at most rank 1 but is rank %d" % op.inputs[0].shape.rank)
    return [TensorShape([])]


# --- find, insert, remove, size, export, import -------------------------------------------------------

def _signature(table, have, want_values=True, outputs=()):
    """TensorFlow's MatchSignature check of a lookup kernel's input types against the table's."""
    want = [table.key_dtype] + ([table.value_dtype] if want_values else [])
    if list(have) != want or list(outputs) not in ([], [table.value_dtype]):
        show = lambda ts: ", ".join(["resource"] + [dtypes.type_string(t) for t in ts])  # noqa: E731
        outs = ", ".join(dtypes.type_string(t) for t in outputs)
        want_outs = dtypes.type_string(table.value_dtype) if outputs else ""
        raise invalid("Signature mismatch, have: %s->%s expected: %s->%s", show(have), outs, show(want), want_outs)


def _attr_types(ctx, *names):
    return [dtypes.as_dtype(ctx.attrs[n]) for n in names]


@register_kernel("LookupTableFindV2", _HOST)
def _find(ctx, table, keys, default_value):
    tin, tout = _attr_types(ctx, "Tin", "Tout")
    _signature(table, [tin, tout], outputs=[tout])
    return table.find(keys, default_value)


@register_kernel("LookupTableInsertV2", _HOST)
def _insert(ctx, table, keys, values):
    _signature(table, _attr_types(ctx, "Tin", "Tout"))
    table.insert(keys, values)


@register_kernel("LookupTableRemoveV2", _HOST)
def _remove(ctx, table, keys):
    _signature(table, _attr_types(ctx, "Tin"), want_values=False)
    table.remove(keys)


@register_kernel("LookupTableSizeV2", _HOST)
def _size(ctx, table):
    return np.int64(table.size())


@register_kernel("LookupTableExportV2", _HOST)
def _export(ctx, table):
    keys, values = table.export()
    want = _attr_types(ctx, "Tkeys", "Tvalues")
    if want != [table.key_dtype, table.value_dtype]:
        raise invalid("Table exports %s keys and %s values, not %s and %s", dtypes.type_string(table.key_dtype),
                      dtypes.type_string(table.value_dtype), dtypes.type_string(want[0]), dtypes.type_string(want[1]))
    return keys, values


@register_kernel("LookupTableImportV2", _HOST)
def _import(ctx, table, keys, values):
    _signature(table, _attr_types(ctx, "Tin", "Tout"))
    table.import_values(keys, values)


@register_kernel("InitializeTableV2", _HOST)
def _initialize_table(ctx, table, keys, values):
    _initializable(table)
    _signature(table, _attr_types(ctx, "Tkey", "Tval"))
    if keys.ndim != 1:
        raise invalid("Keys must be a vector, but received shape%s", dbg(keys.shape))
    if values.ndim != 1:
        raise invalid("Values must be a vector, but received shape%s", dbg(values.shape))
    if keys.size != values.size:
        raise invalid("Keys and values must have the same size %d vs %d", keys.size, values.size)
    table.initialize_from_tensors(keys, values)


def _initializable(table):
    if not getattr(table, "initializable", False):
        raise invalid("Table %s %s is not initializable", table.container, table.name)


@register_shape("LookupTableFindV2")
def _find_shape(op):
    _scalar_handle(op)
    data = _check_handle_types(op, "Tin", "Tout")
    keys = op.inputs[1].shape
    if data is None or data[0].rank is None or keys.rank is None:
        return [unknown_shape()]
    key_rank = data[0].rank
    if keys.rank < key_rank:
        raise ValueError("Expected keys to have suffix %s but saw shape: %s" % (data[0], keys))
    value = data[1]
    return [unknown_shape() if value.rank is None else TensorShape(list(keys.dims[:keys.rank - key_rank]) +
                                                                   list(value.dims))]


@register_shape("LookupTableExportV2")
def _export_shape(op):
    _scalar_handle(op)
    _check_handle_types(op, "Tkeys", "Tvalues")
    return [unknown_shape(), unknown_shape()]


@register_shape("LookupTableImportV2")
def _import_shape(op):
    _scalar_handle(op)
    _check_handle_types(op, "Tin", "Tout")
    return []


@register_shape("InitializeTableV2")
def _initialize_shape(op):
    _scalar_handle(op)
    keys, values = op.inputs[1].shape, op.inputs[2].shape
    if keys.rank not in (None, 1):
        raise ValueError("Shape must be rank 1 but is rank %d" % keys.rank)
    if not keys.is_compatible_with(values):
        if keys.rank is not None and values.rank is not None and keys.rank == values.rank:
            raise ValueError("Dimension 0 in both shapes must be equal, but are %d and %d. Shapes are %s and %s."
                             % (keys.dims[0], values.dims[0], _shape_text(keys), _shape_text(values)))
        raise ValueError("Shapes must be equal rank, but are %s and %s" % (keys.rank, values.rank))
    return []


def _shape_text(s):
    return "[%s]" % ",".join("?" if d is None else str(d) for d in s.dims)


@register_shape("LookupTableRemoveV2")
def _remove_shape(op):
    _scalar_handle(op)
    if op.inputs[1].shape.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    return []


@register_shape("InitializeTableFromTextFileV2")
def _text_file_shape(op):
    _scalar_handle(op)
    if op.inputs[1].shape.rank not in (None, 0):
        raise ValueError("Shape must be rank 0 but is rank %d" % op.inputs[1].shape.rank)
    return []


register_shape("LookupTableInsertV2")(lambda op: (_scalar_handle(op), [])[1])
register_shape("LookupTableSizeV2")(lambda op: (_scalar_handle(op), [TensorShape([])])[1])

not_differentiable(*TABLE_OPS, "LookupTableFindV2", "LookupTableInsertV2", "LookupTableRemoveV2",
                   "LookupTableSizeV2", "LookupTableExportV2", "LookupTableImportV2", "InitializeTableV2",
                   "InitializeTableFromTextFileV2")


# --- InitializeTableFromTextFileV2 ------------------------------------------------------------------

_LINE_NUMBER, _WHOLE_LINE = -1, -2
# What one table entry read from a file costs in memory beyond its text (a bytes object, a dict slot, a
# value): a file whose entries would take more than the allocation limit is refused, not read.
_ENTRY_OVERHEAD = 160
_INT = re.compile(rb"[ \t\n\v\f\r]*(-?[0-9]+)[ \t\n\v\f\r]*")


@register_kernel("InitializeTableFromTextFileV2", _HOST)
def _initialize_from_text_file(ctx, table, filename):
    _initializable(table)
    a = ctx.attrs
    delimiter = a.get("delimiter", b"\t")
    delimiter = delimiter.encode() if isinstance(delimiter, str) else delimiter
    if len(delimiter) != 1:
        raise invalid("delimiter should be only 1 char")
    if filename.ndim != 0:
        raise invalid("filename should be a single string, but got %s", dbg(filename.shape))
    path = filename.reshape(-1)[0]
    path = path.decode("utf-8", "surrogateescape") if isinstance(path, bytes) else str(path)
    if not path:
        raise invalid("filename cannot be empty.")
    key_index, value_index = a["key_index"], a["value_index"]
    _check_text_file_dtypes(table, key_index, value_index)
    rows = _text_file_rows(path, a.get("vocab_size", -1), delimiter, table, key_index, value_index,
                           a.get("offset", 0))
    table.initialize_from_rows(rows, from_file=True)


def _check_text_file_dtypes(table, key_index, value_index):
    kd, vd = table.key_dtype, table.value_dtype
    if key_index == _LINE_NUMBER and kd != dtypes.int64:
        raise invalid("Key index for line number requires table key dtype of int64, got %s", dtypes.type_string(kd))
    if key_index == _WHOLE_LINE and not kd.is_integer and kd != dtypes.string:
        raise invalid("Key index for whole line requires string or integer table key, got %s", dtypes.type_string(kd))
    if value_index == _LINE_NUMBER and vd != dtypes.int64:
        raise invalid("Value index for line number requires table value dtype of int64, got %s",
                      dtypes.type_string(vd))
    if value_index == _WHOLE_LINE and not vd.is_integer and vd != dtypes.string:
        raise invalid("Value index for whole line requires table value dtype of integer or string, got %s",
                      dtypes.type_string(vd))


def _open(path):
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed by the generator that reads it
        if os.path.isdir(path):
            f.close()
            raise IsADirectoryError(21, "Is a directory")
        return f
    except OSError as e:
        cls = type(errors.from_os_error(e, path))
        raise cls(None, None, "%s; %s" % (path, e.strerror or e)) from None


def _text_file_rows(path, vocab_size, delimiter, table, key_index, value_index, offset):
    """(key, value) of each line of the file, as TensorFlow's TextFileLineIterator reads it (lines end at
    "\\n", one "\\r" before it dropped; an empty line is an error; ``vocab_size`` lines at most, and exactly
    that many when given). The file is opened before the first row is asked for, as TensorFlow opens it
    before initializing."""
    f = _open(path)
    budget = max_allocation_bytes()

    def rows():
        with f:
            used = position = line_no = 0
            split = max(key_index, value_index) >= 0
            want_columns = max(key_index, value_index) + 1
            while True:
                raw = f.readline(max(budget - used, 0) + 1)
                if len(raw) > budget - used:
                    raise errors.ResourceExhaustedError(
                        None, None, "Vocabulary file %s needs more than the %d bytes of memory tagraph may take "
                        "for one input (line %d); it was not read" % (path, budget, line_no))
                if not raw:
                    if vocab_size != -1 and line_no != vocab_size:
                        raise invalid("Invalid vocab_size in %s: expected %d but got %d", path, vocab_size,
                                      line_no)
                    return
                position += len(raw)
                used += len(raw) + _ENTRY_OVERHEAD
                if vocab_size != -1 and line_no >= vocab_size:
                    return
                line = raw[:-1] if raw.endswith(b"\n") else raw
                if line.endswith(b"\r"):
                    line = line[:-1]
                if not line:
                    raise invalid("Invalid content in %s: empty line found at position %d.", path, position)
                tokens = line.split(delimiter) if split else None
                if split and len(tokens) < want_columns:
                    raise invalid("Invalid number of columns in %s line %d (%s) : expected at least %d got %d",
                                  path, line_no, line.decode("utf-8", "replace"), want_columns, len(tokens))
                key = _field(line, tokens, key_index, table.key_dtype, line_no, offset)
                value = _field(line, tokens, value_index, table.value_dtype, line_no, offset)
                line_no += 1
                yield key, value
    return rows()


def _field(line, tokens, index, dtype, line_no, offset):
    """One key or value of a line, as TensorFlow's TextFileLineIterator::SetValue converts it."""
    if index == _LINE_NUMBER:
        return line_no + offset
    token = line if index == _WHOLE_LINE else tokens[index]
    if dtype == dtypes.string:
        return token
    show = token.decode("utf-8", "replace")
    if dtype in (dtypes.int32, dtypes.int64):
        m = _INT.fullmatch(token)
        bits = 32 if dtype == dtypes.int32 else 64
        value = int(m.group(1)) if m else None
        if value is None or not -(1 << (bits - 1)) <= value < (1 << (bits - 1)):
            raise invalid("Field %s in line %d is not a valid %s.", show, line_no, dtype.name)
        if bits == 32:
            # TensorFlow adds the offset to int32 fields only, in int64, then stores the low 32 bits.
            value = ((value + offset + (1 << 31)) % (1 << 32)) - (1 << 31)
        return value
    if dtype in (dtypes.float32, dtypes.float64):
        what = "float" if dtype == dtypes.float32 else "double"
        try:
            if b"_" in token:
                raise ValueError(token)
            value = float(token)
        except ValueError:
            raise invalid("Field %s in line %d is not a valid %s.", show, line_no, what) from None
        return float(np.float32(value)) if dtype == dtypes.float32 else value
    raise invalid("Data type %s not supported.", dtypes.type_string(dtype))


# --- constructors, as TensorFlow's generated wrappers --------------------------------------------------

def _table_attrs(key_dtype, value_dtype, container, shared_name, use_node_name_sharing, **more):
    attrs = {"key_dtype": key_dtype, "value_dtype": value_dtype, "container": container or "",
             "shared_name": shared_name or "", "use_node_name_sharing": bool(use_node_name_sharing)}
    attrs.update(more)
    return attrs


def _source(op_type, inputs, attrs, name):
    return gen1(op_type, inputs, attrs, name, op_type)


def hash_table_v2(key_dtype, value_dtype, container="", shared_name="", use_node_name_sharing=False, name=None):
    """A HashTableV2 handle: a table filled once by an initializer op, then read-only."""
    return _source("HashTableV2", [], _table_attrs(key_dtype, value_dtype, container, shared_name,
                                                   use_node_name_sharing), name)


def mutable_hash_table_v2(key_dtype, value_dtype, container="", shared_name="", use_node_name_sharing=False,
                          name=None):
    """A MutableHashTableV2 handle: scalar values, insert and remove at any time."""
    return _source("MutableHashTableV2", [], _table_attrs(key_dtype, value_dtype, container, shared_name,
                                                          use_node_name_sharing), name)


def mutable_hash_table_of_tensors_v2(key_dtype, value_dtype, container="", shared_name="",
                                     use_node_name_sharing=False, value_shape=(), name=None):
    """A MutableHashTableOfTensorsV2 handle: each value a vector of ``value_shape``."""
    return _source("MutableHashTableOfTensorsV2", [], _table_attrs(
        key_dtype, value_dtype, container, shared_name, use_node_name_sharing, value_shape=value_shape), name)


def mutable_dense_hash_table_v2(empty_key, deleted_key, value_dtype, container="", shared_name="",
                                use_node_name_sharing=False, value_shape=(), initial_num_buckets=131072,
                                max_load_factor=0.8, name=None):
    """A MutableDenseHashTableV2 handle: open addressing over ``initial_num_buckets`` buckets (a power of
    two), ``empty_key`` and ``deleted_key`` marking free buckets."""
    attrs = {"value_dtype": value_dtype, "container": container or "", "shared_name": shared_name or "",
             "use_node_name_sharing": bool(use_node_name_sharing), "value_shape": value_shape,
             "initial_num_buckets": initial_num_buckets, "max_load_factor": max_load_factor}
    return gen1("MutableDenseHashTableV2", [empty_key, deleted_key], attrs, name, "MutableDenseHashTableV2")


def initialize_table_v2(table_handle, keys, values, name=None):
    """Fills a HashTableV2 from two vectors (InitializeTableV2)."""
    return gen("InitializeTableV2", [table_handle, keys, values], {}, name)


def initialize_table_from_text_file_v2(table_handle, filename, key_index, value_index, vocab_size=-1,
                                       delimiter="\t", offset=0, name=None):
    """Fills a HashTableV2 from a text file, one entry a line (InitializeTableFromTextFileV2): a key or
    value index of -2 takes the whole line, -1 the line number (plus ``offset``), n >= 0 the n-th field
    split at ``delimiter``."""
    attrs = {"key_index": key_index, "value_index": value_index, "vocab_size": vocab_size, "delimiter": delimiter,
             "offset": offset}
    return gen("InitializeTableFromTextFileV2", [table_handle, filename], attrs, name)


def lookup_table_find_v2(table_handle, keys, default_value, name=None):
    """The values of ``keys``, ``default_value`` for those missing (one value, or one per key)."""
    return gen1("LookupTableFindV2", [table_handle, keys, default_value], {}, name)


def lookup_table_insert_v2(table_handle, keys, values, name=None):
    return gen("LookupTableInsertV2", [table_handle, keys, values], {}, name)


def lookup_table_remove_v2(table_handle, keys, name=None):
    return gen("LookupTableRemoveV2", [table_handle, keys], {}, name)


def lookup_table_size_v2(table_handle, name=None):
    return gen1("LookupTableSizeV2", [table_handle], {}, name)


def lookup_table_export_v2(table_handle, Tkeys, Tvalues, name=None):  # noqa: N803 - TensorFlow's argument names
    """(keys, values) of every entry of the table, in no particular order."""
    return gen("LookupTableExportV2", [table_handle], {"Tkeys": Tkeys, "Tvalues": Tvalues}, name).outputs


def lookup_table_import_v2(table_handle, keys, values, name=None):
    """Replaces a mutable table's content; initializes a HashTableV2 (as InitializeTableV2)."""
    return gen("LookupTableImportV2", [table_handle, keys, values], {}, name)


def tables_initializer(name="init_all_tables"):
    """One op running every initializer of the ``TABLE_INITIALIZERS`` collection (a NoOp when empty).

        sess.run(tg.tables_initializer())
    """
    initializers = get_default_graph().get_collection(GraphKeys.TABLE_INITIALIZERS)
    if initializers:
        return group(*initializers, name=name)
    return no_op(name=name)


initialize_all_tables = tables_initializer

