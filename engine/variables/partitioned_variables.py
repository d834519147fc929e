"""Partitioned variables: one large variable kept as several parts along one axis, TensorFlow 1's way.

    w = tg.get_variable("w", [10, 3], partitioner=tg.fixed_size_partitioner(3))   # w/part_0 .. w/part_2
    y = tg.matmul(x, w)          # reads the parts and concatenates them ("w/ConcatPartitions/concat", "w")

A partitioner maps a variable's shape and dtype to the number of parts per dimension (more than one in at
most one dimension). ``get_variable`` (or a ``variable_scope(partitioner=...)``) then makes one variable
per part, named ``<name>/part_<i>``, the first parts one longer when the axis does not divide evenly, and
returns a :class:`PartitionedVariable` over them. Each part carries its :class:`SaveSliceInfo`: the full
name, full shape and its offset and shape in it, so that a Saver writes all parts as slices of one tensor
under the full name, and a checkpoint restores into any other partitioning of it, or none.
"""
import inspect
import math

import numpy as np

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape
from tagraph.engine.ops import joining_ops
from tagraph.engine.ops.array_ops import identity
from tagraph.engine.ops.slicing_ops import slice as _slice
from tagraph.protos import variable_pb2

__all__ = ["fixed_size_partitioner", "variable_axis_size_partitioner", "min_max_variable_partitioner",
           "PartitionedVariable", "SaveSliceInfo", "PartitionInfo"]


# --- partitioners --------------------------------------------------------------------------------------

def fixed_size_partitioner(num_shards, axis=0):
    """``num_shards`` parts along ``axis`` (fewer when the axis is shorter).

        tg.get_variable("w", [10, 3], partitioner=tg.fixed_size_partitioner(3))   # parts of 4, 3, 3 rows
    """
    def _partitioner(shape, **unused_args):
        partitions = [1] * len(shape)
        partitions[axis] = min(num_shards, shape.as_list()[axis])
        return partitions
    return _partitioner


def variable_axis_size_partitioner(max_shard_bytes, axis=0, bytes_per_string_element=16, max_shards=None):
    """As many parts along ``axis`` as keep each under ``max_shard_bytes`` (at least one slice of the axis
    per part), at most ``max_shards``.

        tg.variable_axis_size_partitioner((64 << 20) - 1)     # parts under protobuf's 64 MB limit
    """
    if max_shard_bytes < 1 or bytes_per_string_element < 1:
        raise ValueError("Both max_shard_bytes and bytes_per_string_element must be positive. Currently, "
                         "max_shard_bytes is %s andbytes_per_string_element is %s"
                         % (max_shard_bytes, bytes_per_string_element))
    if max_shards and max_shards < 1:
        raise ValueError("max_shards must be positive.")

    def _partitioner(shape, dtype):
        if not isinstance(shape, TensorShape):
            raise ValueError("shape is not a TensorShape: %s" % (shape,))
        if not shape.is_fully_defined():
            raise ValueError("shape is not fully defined: %s" % (shape,))
        element_size = _element_size(dtype, bytes_per_string_element)
        partitions = [1] * shape.rank
        bytes_per_slice = 1.0 * (shape.num_elements() / shape.as_list()[axis]) * element_size
        slices_per_shard = max(1, math.floor(max_shard_bytes / bytes_per_slice))
        axis_shards = int(math.ceil(1.0 * shape.as_list()[axis] / slices_per_shard))
        if max_shards:
            axis_shards = min(max_shards, axis_shards)
        partitions[axis] = axis_shards
        return partitions
    return _partitioner


def min_max_variable_partitioner(max_partitions=1, axis=0, min_slice_size=256 << 10, bytes_per_string_element=16):
    """Parts along ``axis`` of at least ``min_slice_size`` bytes each, at most ``max_partitions`` of them.

        tg.min_max_variable_partitioner(8)     # a [1024, 256] float32 variable: 4 parts of 256 KiB
    """
    def _partitioner(shape, dtype):
        if axis >= len(shape):
            raise ValueError("Cannot partition variable along axis %d when shape is only %s" % (axis, shape))
        total_size_bytes = shape.num_elements() * _element_size(dtype, bytes_per_string_element)
        partitions = total_size_bytes / min_slice_size
        partitions_list = [1] * len(shape)
        partitions_list[axis] = max(1, min(shape.as_list()[axis], max_partitions, int(math.ceil(partitions))))
        return partitions_list
    return _partitioner


def _element_size(dtype, bytes_per_string_element):
    dtype = dtypes.as_dtype(dtype).base_dtype
    return bytes_per_string_element if dtype == dtypes.string else np.dtype(dtype.as_numpy_dtype).itemsize


# --- slices ----------------------------------------------------------------------------------------------

class SaveSliceInfo:
    """Where a part sits in its full variable: how a Saver writes it (``Variable.SaveSliceInfo``).

        SaveSliceInfo("w", [10, 3], [4, 0], [3, 3]).spec     # "10 3 4,3:0,3"
    """

    def __init__(self, full_name=None, full_shape=None, var_offset=None, var_shape=None, save_slice_info_def=None,
                 import_scope=None):
        if save_slice_info_def:
            self.full_name = (import_scope + "/" + save_slice_info_def.full_name if import_scope
                              else save_slice_info_def.full_name)
            self.full_shape = list(save_slice_info_def.full_shape)
            self.var_offset = list(save_slice_info_def.var_offset)
            self.var_shape = list(save_slice_info_def.var_shape)
        else:
            self.full_name = full_name
            self.full_shape = full_shape
            self.var_offset = var_offset
            self.var_shape = var_shape

    @property
    def spec(self):
        """The SaveV2/RestoreV2 ``shape_and_slices`` string: full shape, then ``offset,length`` per dimension."""
        return " ".join("%d" % d for d in self.full_shape) + " " + ":".join(
            "%d,%d" % (o, s) for o, s in zip(self.var_offset, self.var_shape))

    @classmethod
    def from_spec(cls, spec):
        """The SaveSliceInfo (without a name) a ``spec`` string describes."""
        if not spec:
            return cls()
        try:
            full_shape_str, slice_str = spec.rsplit(" ", 1)
            full_shape = [int(d) for d in full_shape_str.split()]
            pairs = [dim.split(",") for dim in slice_str.split(":")]
            var_offset, var_shape = [int(o) for o, _ in pairs], [int(s) for _, s in pairs]
        except ValueError as e:
            raise ValueError("Spec string %r is not 'full shape offset,length:...': %s" % (spec, e)) from None
        return cls(full_shape=full_shape, var_offset=var_offset, var_shape=var_shape)

    def to_proto(self, export_scope=None):
        """The SaveSliceInfoDef a VariableDef carries (None when outside ``export_scope``)."""
        if export_scope is not None and not self.full_name.startswith(export_scope):
            return None
        full_name = self.full_name
        if export_scope and full_name.startswith(export_scope + "/"):
            full_name = full_name[len(export_scope) + 1:]
        return variable_pb2.SaveSliceInfoDef(full_name=full_name, full_shape=self.full_shape,
                                             var_offset=self.var_offset, var_shape=self.var_shape)


class PartitionInfo:
    """What an initializer is told about the part it initializes: the full shape and the part's offset."""

    def __init__(self, full_shape, var_offset):
        if len(full_shape) != len(var_offset):
            raise ValueError("Expected equal length, but `var_offset` is of length %d while full_shape is of "
                             "length %d." % (len(var_offset), len(full_shape)))
        for offset, size in zip(var_offset, full_shape):
            if offset < 0 or offset >= size:
                raise ValueError("Expected 0 <= offset < shape but found offset=%s, shape=%s"
                                 % (var_offset, full_shape))
        self.full_shape = list(full_shape)
        self.var_offset = list(var_offset)

    def single_offset(self, shape):
        """The part's offset along the one axis it is sliced on."""
        dim = self.single_slice_dim(shape)
        return 0 if dim is None else self.var_offset[dim]

    def single_slice_dim(self, shape):
        """The axis the part is sliced on (None when it is the whole variable)."""
        if len(shape) != len(self.full_shape):
            raise ValueError("Expected equal length, but received shape=%s of length %d while self.full_shape=%s "
                             "is of length %d." % (shape, len(shape), self.full_shape, len(self.full_shape)))
        for offset, size, full in zip(self.var_offset, shape, self.full_shape):
            if offset + size > full:
                raise ValueError("With self.var_offset=%s, a partition of shape=%s would exceed self.full_shape=%s "
                                 "in dimension %d." % (self.var_offset, shape, self.full_shape, len(shape)))
        dims = [i for i, (s, f) in enumerate(zip(shape, self.full_shape)) if s != f]
        if len(dims) > 1:
            raise ValueError("Cannot use single_slice_dim() with shape=%s and self.full_shape=%s since slice dim "
                             "could be one of %s" % (shape, self.full_shape, dims))
        return dims[0] if dims else None


# --- the partitioned variable -------------------------------------------------------------------------------

class PartitionedVariable:
    """The parts of a partitioned variable, in order of their offsets; used as a tensor, their concatenation.

        w = tg.get_variable("w", [10, 3], partitioner=tg.fixed_size_partitioner(3))
        [p.name for p in w]        # ['w/part_0:0', 'w/part_1:0', 'w/part_2:0']
        w.as_tensor()              # the [10, 3] value
    """

    def __init__(self, name, shape, dtype, variable_list, partitions):
        if not isinstance(variable_list, (list, tuple)):
            raise TypeError("variable_list is not a list or tuple: %s" % (variable_list,))
        if not isinstance(partitions, (list, tuple)):
            raise TypeError("partitions is not a list or tuple: %s" % (partitions,))
        if not all(p >= 1 for p in partitions):
            raise ValueError("partition values must be positive: %s" % (partitions,))
        if not variable_list:
            raise ValueError("variable_list may not be empty")
        for v in variable_list:
            if v._get_save_slice_info() is None:
                raise ValueError("All variables must have a save_slice_info available: %s"
                                 % [v.name for v in variable_list])
            if len(shape) != len(partitions):
                raise ValueError("len(shape) != len(partitions): %s vs. %s" % (shape, partitions))
            if v._get_save_slice_info().full_shape != list(shape):
                raise ValueError("All variables' full shapes must match shape: %s; but full shapes were: %s"
                                 % (shape, v._get_save_slice_info().full_shape))
        self._variable_list = sorted(variable_list, key=lambda v: v._get_save_slice_info().var_offset)
        self._name = name
        self._shape = as_shape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._partitions = list(partitions)

    def __iter__(self):
        return iter(self._variable_list)

    def __len__(self):
        axes = self._partition_axes()
        if len(axes) > 1:
            raise ValueError("Cannot get a length for %d > 1 partition axes" % len(axes))
        return len(self._variable_list)

    def _partition_axes(self):
        if all(p == 1 for p in self._partitions):
            return [0]
        return [i for i, p in enumerate(self._partitions) if p > 1]

    def _concat(self):
        g = self._variable_list[0].graph
        with g.as_default():
            if len(self._variable_list) == 1:
                # The part is read inside the Identity's scope ("w/ReadVariableOp"), as TensorFlow's op helper does.
                with g.name_scope(None), g.name_scope(self._name) as scope:
                    return g.create_op("Identity", [convert_to_tensor(self._variable_list[0])], {},
                                       name=scope).outputs[0]
            axes = self._partition_axes()
            if len(axes) > 1:
                raise NotImplementedError("Cannot concatenate along more than one dimension: %s.  Multi-axis "
                                          "partition concat is not supported" % str(axes))
            with g.name_scope(self._name + "/ConcatPartitions/"):
                concatenated = joining_ops.concat(self._variable_list, axes[0])
            with g.name_scope(None):
                return identity(concatenated, name=self._name)

    def as_tensor(self):
        """The parts' values concatenated into the full variable's value (free of enclosing control deps)."""
        with self._variable_list[0].graph.control_dependencies(None):
            return self._concat()

    def _as_graph_tensor(self, dtype=None):
        if dtype is not None and dtypes.as_dtype(dtype).base_dtype != self._dtype.base_dtype:
            raise ValueError("Incompatible type conversion requested to type '%s' for variable of type '%s'"
                             % (dtypes.as_dtype(dtype).name, self._dtype.name))
        return self.as_tensor()

    name = property(lambda self: self._name)
    dtype = property(lambda self: self._dtype)
    shape = property(lambda self: self._shape)
    graph = property(lambda self: self._variable_list[0].graph)

    def get_shape(self):
        return self._shape

    def _get_variable_list(self):
        return self._variable_list

    def _get_partitions(self):
        return self._partitions

    def _apply_assign_fn(self, assign_fn, value):
        axes = self._partition_axes()
        if len(axes) > 1:
            raise NotImplementedError("Cannot do assign action along more than one dimension: %s.  Multi-axis "
                                      "partition assign action is not supported " % str(axes))
        if isinstance(value, list):
            if len(value) != len(self._variable_list):
                raise ValueError("%d values for %d parts" % (len(value), len(self._variable_list)))
            values = value
        elif isinstance(value, PartitionedVariable):
            values = list(value)
        else:
            sizes = [v.shape[axes[0]] for v in self._variable_list]
            values = joining_ops.split(value, sizes, axis=axes[0])
        return [assign_fn(v, values[i]) for i, v in enumerate(self._variable_list)]

    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Assigns each part its piece of ``value`` (a tensor split along the partition axis, or a list)."""
        ops = self._apply_assign_fn(lambda v, x: v.assign(x, use_locking=use_locking, name=name,
                                                          read_value=read_value), value)
        return ops if read_value else [o.op if isinstance(o, Tensor) else o for o in ops]

    def assign_add(self, value, use_locking=False, name=None, read_value=True):
        ops = self._apply_assign_fn(lambda v, x: v.assign_add(x, use_locking=use_locking, name=name,
                                                              read_value=read_value), value)
        return ops if read_value else [o.op if isinstance(o, Tensor) else o for o in ops]

    def assign_sub(self, value, use_locking=False, name=None, read_value=True):
        ops = self._apply_assign_fn(lambda v, x: v.assign_sub(x, use_locking=use_locking, name=name,
                                                              read_value=read_value), value)
        return ops if read_value else [o.op if isinstance(o, Tensor) else o for o in ops]

    def __repr__(self):
        return "<tg.PartitionedVariable '%s' shape=%s dtype=%s parts=%d>" % (
            self._name, self._shape, self._dtype.name, len(self._variable_list))


# --- get_variable's partitioned path -------------------------------------------------------------------

def call_partitioner(partitioner, shape, dtype):
    """The partitioner's answer, checked: one entry per dimension, each at least 1, at most one above 1."""
    if not shape.is_fully_defined():
        raise ValueError("Shape of a new partitioned variable must be fully defined, but instead was %s." % (shape,))
    if shape.rank < 1:
        raise ValueError("A partitioned Variable must have rank at least 1, shape: %s" % shape)
    slicing = partitioner(shape=shape, dtype=dtype)
    if not isinstance(slicing, (list, tuple)):
        raise ValueError("Partitioner must return a sequence, but saw: %s" % (slicing,))
    if len(slicing) != shape.rank:
        raise ValueError("Partitioner returned a partition list that does not match the Variable's rank: %s vs. %s"
                         % (slicing, shape))
    if any(p < 1 for p in slicing):
        raise ValueError("Partitioner returned zero partitions for some axes: %s" % (slicing,))
    if sum(p > 1 for p in slicing) > 1:
        raise ValueError("Can only slice a variable along one dimension: shape: %s, partitioning: %s"
                         % (shape, slicing))
    return list(slicing)


def iter_slices(full_shape, num_slices, slice_dim):
    """``(offset, shape)`` of each part; the first ``full % num_slices`` parts are one longer."""
    excess = full_shape[slice_dim] % num_slices
    offset = [0] * len(full_shape)
    min_len = full_shape[slice_dim] // num_slices
    for i in range(num_slices):
        shape = list(full_shape)
        shape[slice_dim] = min_len + (i < excess)
        yield list(offset), shape
        offset[slice_dim] += shape[slice_dim]


def get_partitioned_variable(store, name, shape, dtype, initializer, partitioner, reuse, get_part):
    """TensorFlow's ``_VariableStore._get_partitioned_variable`` over ``store`` (``vars`` and
    ``partitioned_vars`` by full name): the existing PartitionedVariable when reusing, else new parts made by
    ``get_part(part_name, shape, dtype, initializer, partition_info)``. ``initializer`` is a value (sliced
    per part) or a callable (called per part, with the part's shape)."""
    from_value = isinstance(initializer, Tensor)
    if name in store.vars:
        raise ValueError("A partitioner was provided, but an unpartitioned version of the variable was found: %s.  "
                         "Perhaps a variable of the same name was already created without partitioning?" % name)
    shape = as_shape(shape)
    if from_value:
        shape = shape.merge_with(initializer.shape)
    partitions = None
    if not reuse or partitioner:
        partitions = call_partitioner(partitioner, shape, dtype)
    existing = store.partitioned_vars.get(name)
    if existing is not None:
        if reuse is False:
            raise ValueError("Partitioned variable with name %s already exists. Did you mean to set reuse=True or "
                             "reuse=tf.AUTO_REUSE in VarScope?" % name)
        if not shape.is_compatible_with(existing.get_shape()):
            raise ValueError("Trying to reuse partitioned variable %s, but specified shape %s and found shape %s."
                             % (name, shape, existing.get_shape()))
        if dtype.base_dtype != existing.dtype.base_dtype:
            raise ValueError("Trying to reuse partitioned variable %s, but specified dtype %s and found dtype %s."
                             % (name, dtype.name, existing.dtype.name))
        if partitions is not None and existing._get_partitions() != partitions:
            raise ValueError("Trying to reuse partitioned variable %s, but specified partitions %s and found "
                             "partitions %s." % (name, partitions, existing._get_partitions()))
        return existing
    if reuse is True:
        raise ValueError("PartitionedVariable %s does not exist, or was not created with tf.get_variable(). Did you "
                         "mean to set reuse=False or reuse=tf.AUTO_REUSE in VarScope?" % name)
    slice_dim, num_slices = next(((d, n) for d, n in enumerate(partitions) if n > 1), (0, 1))
    if "%s/part_0" % name in store.vars:
        if "%s/part_%d" % (name, num_slices - 1) not in store.vars:
            raise ValueError("Partitioner returned a different partitioning than what was already found.  Partitioner "
                             "returned %d shards, and shard %s/part_0 was found, but %s/part_%d was not."
                             % (num_slices, name, name, num_slices - 1))
        if "%s/part_%d" % (name, num_slices) in store.vars:
            raise ValueError("Partitioner returned a different partitioning than what was already found.  Partitioner "
                             "returned %d shards, and shard %s/part_0 was found, but so was the extra shard %s/part_%d."
                             % (num_slices, name, name, num_slices))
    graph = get_default_graph()
    parts = []
    for i, (var_offset, var_shape) in enumerate(iter_slices(shape.as_list(), num_slices, slice_dim)):
        info = PartitionInfo(full_shape=shape.as_list(), var_offset=var_offset)
        part_name = "%s/part_%d" % (name, i)
        with graph.name_scope(None), graph.name_scope(part_name + "/PartitionedInitializer"):
            # A value is sliced here, under the part's name; an initializer is called per part, with its shape.
            if callable(initializer) and not from_value:
                init, init_shape = initializer, var_shape
            else:
                value = initializer if from_value else convert_to_tensor(initializer, dtype=dtype)
                if from_value:
                    dtype = value.dtype.base_dtype
                init, init_shape = _slice(value, var_offset, var_shape), None
        part = get_part(part_name, init_shape, dtype, init, info)
        part._set_save_slice_info(SaveSliceInfo(name, shape.as_list(), var_offset, var_shape))
        parts.append(part)
    partitioned = PartitionedVariable(name=name, shape=shape, dtype=dtype, variable_list=parts,
                                      partitions=partitions)
    store.partitioned_vars[name] = partitioned
    return partitioned


def call_initializer(initializer, shape, dtype, partition_info):
    """``initializer(shape, dtype=...)``, also passing ``partition_info`` to initializers that take it."""
    try:
        takes_info = "partition_info" in inspect.signature(initializer).parameters
    except (TypeError, ValueError):
        takes_info = False
    if takes_info:
        return initializer(shape, dtype=dtype, partition_info=partition_info)
    return initializer(shape, dtype=dtype)
