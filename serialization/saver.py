"""Saver: TensorFlow 1's ``tf.train.Saver``, adding TensorFlow's own save and restore ops to the graph.

    v1 = tg.get_variable("v1", shape=[3], initializer=tg.zeros_initializer)
    saver = Saver()                      # save/Const, save/SaveV2, save/RestoreV2, save/restore_all, ...
    with tg.Session() as sess:
        sess.run(tg.global_variables_initializer())
        path = saver.save(sess, "/tmp/model.ckpt", global_step=1000)   # "/tmp/model.ckpt-1000"
    with tg.Session() as sess:
        saver.restore(sess, path)        # no initializer needed

The subgraph has TensorFlow's node names, order, attributes and devices (``BulkSaverBuilder``), so a
graph or ``.meta`` written here is restored by TensorFlow with its own Saver, and TensorFlow's saver
graphs run here unchanged. A save writes, in this order, the data file, the ``.index``, the ``.meta``
and then the ``checkpoint`` state file, each atomically, so the state file never names a checkpoint
that is not complete on disk (TensorFlow writes the state file before the ``.meta``). ``save_path`` may
be a URL (``s3://bucket/run/model.ckpt``, ``gs://``, ...): the same order makes such a save crash-safe on an
object store, where nothing can be renamed atomically (see ``atomic_file``).
"""
import collections
import contextlib
import logging
import os
import time

import numpy as np

from tagraph.devices.spec import DeviceSpec
from tagraph.engine.framework import dtypes, errors, file_io
from tagraph.engine.framework.graph import GraphKeys, Tensor, get_default_graph
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.runtime.session import BaseSession
from tagraph.engine.variables import variables as _variables
from tagraph.engine.variables.partitioned_variables import PartitionedVariable
from tagraph.protos import attr_value_pb2, saver_pb2
from tagraph.serialization import checkpoint_state as checkpoint_management
from tagraph.serialization import io_kernels  # noqa: F401  (shape functions of the ops the saver builds)
from tagraph.serialization import meta_graph_io
from tagraph.serialization.atomic_file import write_atomic

logger = logging.getLogger("tagraph.saver")

__all__ = ["Saver", "BaseSaverBuilder", "BulkSaverBuilder", "SaveSpec", "SaveableObject",
           "ReferenceVariableSaveable", "ResourceVariableSaveable", "import_meta_graph", "export_meta_graph",
           "latest_checkpoint", "get_checkpoint_state", "update_checkpoint_state", "checkpoint_exists"]

latest_checkpoint = checkpoint_management.latest_checkpoint
get_checkpoint_state = checkpoint_management.get_checkpoint_state
update_checkpoint_state = checkpoint_management.update_checkpoint_state
checkpoint_exists = checkpoint_management.checkpoint_exists


class _InvalidCheckpointPathError(errors.NotFoundError, ValueError):
    """TensorFlow raises ValueError for a save_path that names no checkpoint; this is also a NotFoundError."""

    def __init__(self, node_def=None, op=None, message=None):
        errors.NotFoundError.__init__(self, node_def, op, message)


# --- building ops with TensorFlow's names --------------------------------------------------------------

@contextlib.contextmanager
def _control_deps(graph, ops):
    """``control_dependencies(ops)``, marking each op as TensorFlow 2 does (_has_manual_control_dependencies)."""
    ops = [o.op if isinstance(o, Tensor) else o for o in ops]
    for o in ops:
        o._set_attr("_has_manual_control_dependencies", attr_value_pb2.AttrValue(b=True))
    with graph.control_dependencies(ops):
        yield


def _const(graph, value, dtype, name):
    with graph.as_default():
        return constant(value, dtype=dtype, name=name)


def _op(graph, op_type, inputs, attrs=None, name=None):
    """Creates ``op_type`` through the engine's op builder, as TensorFlow's generated wrappers do: inside a
    name scope named after the op, so that Python values become Consts named after their argument
    (``save/SaveV2/tensor_names``) and the op takes the scope's name (``save/SaveV2``)."""
    with graph.as_default(), graph.name_scope(name or op_type) as scope:
        return graph.create_op(op_type, inputs, attrs or {}, name=scope)


def _identity(graph, x, name="Identity"):
    return graph.create_op("Identity", [x], {}, name=name).outputs[0]


def _with_dependencies(graph, dependencies, output_tensor):
    """control_flow_ops.with_dependencies: ``control_dependency``, an Identity colocated with the output."""
    with graph.name_scope("control_dependency") as scope:
        with graph.colocate_with(output_tensor.op):
            with _control_deps(graph, dependencies):
                return graph.create_op("Identity", [output_tensor], {}, name=scope).outputs[0]


def _group(graph, inputs, name):
    """control_flow_ops.group: one NoOp, through one NoOp per device when the inputs' devices differ."""
    inputs = [i.op if isinstance(i, Tensor) else i for i in inputs]
    with graph.name_scope(name) as scope:
        if not inputs:
            return graph.create_op("NoOp", [], {}, name=scope)
        by_device = collections.OrderedDict()
        for op in inputs:
            by_device.setdefault(op.device, []).append(op)
        if len(by_device) == 1:
            (dev, deps), = by_device.items()
            return _group_control_deps(graph, dev, deps, scope)
        deps = [_group_control_deps(graph, dev, by_device[dev]) for dev in sorted(by_device)]
        with _control_deps(graph, deps):
            return graph.create_op("NoOp", [], {}, name=scope)


def _group_control_deps(graph, dev, deps, name=None):
    with _control_deps(graph, deps):
        with graph.device(dev):
            return graph.create_op("NoOp", [], {}, name=name or "NoOp")


def _set_cpu0(device_string):
    return DeviceSpec.from_string(device_string or "").replace(device_type="CPU", device_index=0).to_string()


# --- saveable objects ----------------------------------------------------------------------------------

class SaveSpec:
    """One tensor to save: the tensor, its slice spec ("" for the whole tensor), its name in the checkpoint."""

    def __init__(self, tensor, slice_spec, name, dtype=None, device=None):
        self._tensor = tensor
        self.slice_spec = slice_spec
        self.name = name
        if callable(tensor):
            if dtype is None or device is None:
                raise AssertionError("When passing a callable `tensor` to a SaveSpec, an explicit dtype and "
                                     "device must be provided.")
            self.dtype = dtype
            self.device = device
        else:
            self.dtype = tensor.dtype
            self.device = device if device is not None else tensor.device

    @property
    def tensor(self):
        return self._tensor() if callable(self._tensor) else self._tensor


class SaveableObject:
    """Something saved as one or more tensors and restored by ``restore(tensors, shapes)``."""

    def __init__(self, op, specs, name):
        self.op = op
        self.specs = specs
        self.name = name

    @property
    def device(self):
        return self.specs[0].device

    def restore(self, restored_tensors, restored_shapes):
        raise ValueError("Calling an abstract method.")


class ReferenceVariableSaveable(SaveableObject):
    """A reference variable (VariableV2): saved from its reference (its snapshot when given the Variable, as a
    slice of a partitioned one is), restored with ``Assign``."""

    def __init__(self, var, slice_spec, name):
        if _is_variable(var):
            spec = SaveSpec(var.value(), slice_spec, name, dtype=var.dtype, device=var.device)
            var = var._ref()
        else:
            spec = SaveSpec(var, slice_spec, name, dtype=var.dtype)
        super().__init__(var, [spec], name)

    def restore(self, restored_tensors, restored_shapes):
        restored = restored_tensors[0]
        graph = self.op.graph
        if restored_shapes is not None:
            restored = _reshape(graph, restored, restored_shapes[0])
        validate = restored_shapes is None and self.op.shape.is_fully_defined()
        # Ops with a reference input sit with the variable (TensorFlow's op_def_library does this).
        with graph.colocate_with(self.op.op):
            return graph.create_op("Assign", [self.op, restored], {"validate_shape": validate}, name="Assign")


class ResourceVariableSaveable(SaveableObject):
    """A resource variable: saved from its read tensor, restored with ``AssignVariableOp`` on its device."""

    def __init__(self, var, slice_spec, name):
        self._var_device = var.device
        self._var_shape = var.shape
        if _is_variable(var):
            # Given the Variable (a slice of a partitioned one), the value is read when the save op is built.
            self.handle_op = var.handle
            tensor = _read_no_copy(var)
        else:
            self.handle_op = var.op.inputs[0]
            tensor = var
        super().__init__(var, [SaveSpec(tensor, slice_spec, name, dtype=var.dtype, device=var.device)], name)

    def restore(self, restored_tensors, restored_shapes):
        restored = restored_tensors[0]
        graph = self.handle_op.graph
        if restored_shapes is not None:
            restored = _reshape(graph, restored, restored_shapes[0])
        with graph.device(self._var_device):
            restored = _identity(graph, restored)
            if not self._var_shape.is_compatible_with(restored.shape):
                raise ValueError("Received incompatible tensor with shape %s when attempting to restore variable "
                                 "with shape %s and name %s." % (restored.shape, self._var_shape, self.name))
            return graph.create_op("AssignVariableOp", [self.handle_op, restored],
                                   {"dtype": restored.dtype.base_dtype}, name="AssignVariableOp")


def _read_no_copy(var):
    """TensorFlow's read of a resource variable given to a saveable as a Variable: ``Read/DisableCopyOnRead``,
    ``Read/ReadVariableOp`` and an Identity where the variable is, then an Identity on the CPU."""
    def read():
        graph = var.graph
        with graph.as_default(), graph.device(var.device):
            with graph.name_scope("Read"):
                graph.create_op("DisableCopyOnRead", [var.handle], {}, name="DisableCopyOnRead")
                value = graph.create_op("ReadVariableOp", [var.handle], {"dtype": var.dtype},
                                        name="ReadVariableOp").outputs[0]
            value = _identity(graph, value)
            with graph.device("/device:CPU:0"):
                return _identity(graph, value)
    return read


def _reshape(graph, tensor, shape):
    if isinstance(shape, Tensor):
        return _op(graph, "Reshape", [tensor, shape], name="Reshape").outputs[0]
    return _op(graph, "Reshape", [tensor, np.array(shape.as_list(), np.int32)], name="Reshape").outputs[0]


_VARIABLE_OPS = ("Variable", "VariableV2", "AutoReloadVariable", "VarHandleOp", "ReadVariableOp")


def _is_variable(x):
    return isinstance(x, _variables.Variable)


def _tensor_comes_from_variable(t):
    return isinstance(t, Tensor) and t.op.type in _VARIABLE_OPS


def _variable_tensor(var):
    """A Variable's saveable tensor: the read tensor of a resource variable, the reference of a VariableV2."""
    if var.is_resource():
        return var._snapshot
    return var._ref()


def op_list_to_dict(op_list):
    """``{checkpoint name: tensor or saveable}`` for a list of variables: names are variable op names."""
    if not isinstance(op_list, (list, tuple, set)):
        raise TypeError("Variables to save should be passed in a dict or a list: %s" % (op_list,))
    # Sorted by name, as TensorFlow does, so the graph built is the same whatever the list's order.
    op_list = sorted(op_list, key=lambda x: x.name)
    names_to_saveables = {}
    for var in op_list:
        if isinstance(var, SaveableObject):
            names_to_saveables[var.name] = var
            continue
        if isinstance(var, PartitionedVariable):
            if var.name in names_to_saveables:
                raise ValueError("At least two variables have the same name: %s" % var.name)
            names_to_saveables[var.name] = var
            continue
        if _is_variable(var) and var._get_save_slice_info():
            # A part of a partitioned variable: saved with its siblings under the full variable's name.
            name = var._get_save_slice_info().full_name
            if name in names_to_saveables:
                if not isinstance(names_to_saveables[name], list):
                    raise ValueError("Mixing slices and non-slices with the same name: %s" % name)
                names_to_saveables[name].append(var)
            else:
                names_to_saveables[name] = [var]
            continue
        if _is_variable(var):
            var = _variable_tensor(var)
        if not _tensor_comes_from_variable(var):
            raise TypeError("Variable to save is not a Variable: %s" % (var,))
        name = var.op.inputs[0].op.name if var.op.type == "ReadVariableOp" else var.op.name
        if name in names_to_saveables:
            raise ValueError("At least two variables have the same name: %s" % name)
        names_to_saveables[name] = var
    return names_to_saveables


def saveable_objects_for_op(op, name):
    if not isinstance(name, str):
        raise TypeError("names_to_saveables must be a dict mapping string names to trackable operations. "
                        "Name is not a string: %s" % (name,))
    if isinstance(op, SaveableObject):
        yield op
        return
    if isinstance(op, (list, tuple, PartitionedVariable)):
        yield from _slice_saveables(list(op), name)
        return
    if _is_variable(op):
        op = _variable_tensor(op)
    if not _tensor_comes_from_variable(op):
        raise TypeError("names_to_saveables must be a dict mapping string names to Tensors/Variables. "
                        "Not a variable: %s" % (op,))
    if op.op.type in ("Variable", "VariableV2", "AutoReloadVariable"):
        yield ReferenceVariableSaveable(op, "", name)
    elif op.op.type == "ReadVariableOp":
        yield ResourceVariableSaveable(op, "", name)
    else:
        raise TypeError("Can't save the handle %s itself; pass the variable or its read tensor" % op.name)


def _slice_saveables(variables, name):
    """One saveable per slice, each under the full name with its slice spec (``"10 3 0,4:0,3"``)."""
    slice_name = None
    for variable in variables:
        if isinstance(variable, SaveableObject):
            yield variable
            continue
        if not _is_variable(variable):
            raise ValueError("Slices must all be Variables: %s" % (variable,))
        info = variable._get_save_slice_info()
        if not info:
            raise ValueError("Slices must all be slices: %s" % (variable,))
        if slice_name is None:
            slice_name = info.full_name
        elif slice_name != info.full_name:
            raise ValueError("Slices must all be from the same tensor: %s != %s" % (slice_name, info.full_name))
        if variable.is_resource():
            yield ResourceVariableSaveable(variable, info.spec, name)
        else:
            yield ReferenceVariableSaveable(variable, info.spec, name)


def validate_and_slice_inputs(names_to_saveables):
    if not isinstance(names_to_saveables, dict):
        names_to_saveables = op_list_to_dict(names_to_saveables)
    saveables = []
    seen_ops = []
    for name, op in sorted(names_to_saveables.items(), key=lambda x: x[0]):
        for saveable in saveable_objects_for_op(op, name):
            if saveable.op is not None and any(saveable.op is s for s in seen_ops):
                raise ValueError("The same saveable will be restored with two names: %s" % saveable.name)
            saveables.append(saveable)
            seen_ops.append(saveable.op)
    return saveables


# --- builders --------------------------------------------------------------------------------------------

class BaseSaverBuilder:
    """Adds save and restore ops for a list of saveables; TensorFlow's class of the same name."""

    SaveSpec = SaveSpec
    SaveableObject = SaveableObject
    VariableSaveable = ReferenceVariableSaveable
    ResourceVariableSaveable = ResourceVariableSaveable

    def __init__(self, write_version=saver_pb2.SaverDef.V2):
        self._write_version = write_version

    def save_op(self, filename_tensor, saveables):
        names, tensors, slices = [], [], []
        for saveable in saveables:
            for spec in saveable.specs:
                names.append(spec.name)
                tensors.append(spec.tensor)
                slices.append(spec.slice_spec)
        if self._write_version != saver_pb2.SaverDef.V2:
            raise errors.UnimplementedError(None, None, "tagraph writes V2 checkpoints only (write_version=%r)"
                                            % self._write_version)
        graph = filename_tensor.graph
        return _op(graph, "SaveV2", [filename_tensor, np.array(names, dtype=object),
                                     np.array(slices, dtype=object), tensors], name="SaveV2")

    def bulk_restore(self, filename_tensor, saveables, preferred_shard, restore_sequentially):
        all_tensors = []
        for saveable in saveables:
            device = _set_cpu0(saveable.device) if saveable.device else None
            with filename_tensor.graph.device(device):
                all_tensors.extend(self.restore_op(filename_tensor, saveable, preferred_shard))
        return all_tensors

    def restore_op(self, filename_tensor, saveable, preferred_shard):
        return [self._restore_v2(filename_tensor, [spec.name], [spec.slice_spec], [spec.dtype])[0]
                for spec in saveable.specs]

    @staticmethod
    def _restore_v2(filename_tensor, names, slices, dtype_list):
        graph = filename_tensor.graph
        op = _op(graph, "RestoreV2", [filename_tensor, np.array(names, dtype=object),
                                      np.array(slices, dtype=object)],
                 {"dtypes": [dtypes.as_dtype(d).base_dtype for d in dtype_list]}, name="RestoreV2")
        return op.outputs

    def sharded_filename(self, filename_tensor, shard, num_shards):
        return _op(filename_tensor.graph, "ShardedFilename", [filename_tensor, np.int32(shard), num_shards],
                   name="ShardedFilename").outputs[0]

    def _AddSaveOps(self, filename_tensor, saveables):  # noqa: N802 - TensorFlow's method names
        save = self.save_op(filename_tensor, saveables)
        return _with_dependencies(filename_tensor.graph, [save], filename_tensor)

    def _AddShardedSaveOpsForV2(self, checkpoint_prefix, per_device):  # noqa: N802
        # Each shard is saved under "<prefix>_temp/part-<i>-of-<n>", then MergeV2Checkpoints renames the
        # data files to "<prefix>.data-<i>-of-<n>" and writes one merged "<prefix>.index".
        graph = checkpoint_prefix.graph
        with graph.device("CPU"):
            is_s3 = _op(graph, "StaticRegexFullMatch", [checkpoint_prefix], {"pattern": "^s3://.*"},
                        name="StaticRegexFullMatch").outputs[0]
            part = _const(graph, ".part", dtypes.string, "Const")
            temp = _const(graph, os.path.normpath("_temp/part"), dtypes.string, "Const")
            suffix = graph.create_op("Select", [is_s3, part, temp], {}, name="Select").outputs[0]
            tmp_checkpoint_prefix = graph.create_op("StringJoin", [[checkpoint_prefix, suffix]], {},
                                                    name="StringJoin").outputs[0]
        num_shards = len(per_device)
        sharded_saves = []
        sharded_prefixes = []
        num_shards_tensor = _const(graph, num_shards, dtypes.int32, "num_shards")
        last_device = None
        for shard, (device, saveables) in enumerate(per_device):
            last_device = device
            with graph.device(_set_cpu0(device)):
                sharded_filename = self.sharded_filename(tmp_checkpoint_prefix, shard, num_shards_tensor)
                sharded_prefixes.append(sharded_filename)
                sharded_saves.append(self._AddSaveOps(sharded_filename, saveables))
        with _control_deps(graph, [x.op for x in sharded_saves]):
            with graph.device(_set_cpu0(last_device)):
                with graph.name_scope("MergeV2Checkpoints") as scope:
                    prefixes = graph.create_op("Pack", [sharded_prefixes], {"axis": 0},
                                               name="checkpoint_prefixes").outputs[0]
                    # TensorFlow adds no control inputs to an op whose input was made under the same
                    # control_dependencies block; the Pack above carries them.
                    with graph.control_dependencies(None):
                        merge_step = graph.create_op("MergeV2Checkpoints", [prefixes, checkpoint_prefix],
                                                     {"delete_old_dirs": True}, name=scope)
                with _control_deps(graph, [merge_step]):
                    return _identity(graph, checkpoint_prefix)

    def _AddShardedSaveOps(self, filename_tensor, per_device):  # noqa: N802
        if self._write_version == saver_pb2.SaverDef.V2:
            return self._AddShardedSaveOpsForV2(filename_tensor, per_device)
        raise errors.UnimplementedError(None, None, "tagraph writes V2 checkpoints only")

    def _AddRestoreOps(self, filename_tensor, saveables, restore_sequentially, reshape,  # noqa: N802
                       preferred_shard=-1, name="restore_all"):
        graph = filename_tensor.graph
        all_tensors = self.bulk_restore(filename_tensor, saveables, preferred_shard, restore_sequentially)
        assign_ops = []
        idx = 0
        for saveable in saveables:
            shapes = None
            if reshape:
                shapes = []
                for spec in saveable.specs:
                    v = spec.tensor
                    shape = v.shape
                    if not shape.is_fully_defined():
                        shape = graph.create_op("Shape", [v], {"out_type": dtypes.int32}, name="Shape").outputs[0]
                    shapes.append(shape)
            saveable_tensors = all_tensors[idx:idx + len(saveable.specs)]
            idx += len(saveable.specs)
            assign_ops.append(saveable.restore(saveable_tensors, shapes))
        return _group(graph, assign_ops, name=name)

    def _AddShardedRestoreOps(self, filename_tensor, per_device, restore_sequentially, reshape):  # noqa: N802
        graph = filename_tensor.graph
        sharded_restores = []
        for shard, (device, saveables) in enumerate(per_device):
            with graph.device(device):
                sharded_restores.append(self._AddRestoreOps(filename_tensor, saveables, restore_sequentially,
                                                            reshape, preferred_shard=shard,
                                                            name="restore_shard"))
        return _group(graph, sharded_restores, name="restore_all")

    def _GroupByDevices(self, saveables):  # noqa: N802
        per_device = collections.defaultdict(list)
        for saveable in saveables:
            devices = {spec.device for spec in saveable.specs}
            if len(devices) != 1:
                raise ValueError("All tensors of a saveable object must be on the same device: %s" % saveable.name)
            per_device[devices.pop()].append(saveable)
        return sorted(per_device.items(), key=lambda t: t[0])

    def build(self, names_to_saveables, reshape=False, sharded=False, max_to_keep=5,
              keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False, filename="model"):
        return self._build_internal(names_to_saveables, reshape=reshape, sharded=sharded,
                                    max_to_keep=max_to_keep,
                                    keep_checkpoint_every_n_hours=keep_checkpoint_every_n_hours, name=name,
                                    restore_sequentially=restore_sequentially, filename=filename)

    def _build_internal(self, names_to_saveables, reshape=False, sharded=False, max_to_keep=5,
                        keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                        filename="model", build_save=True, build_restore=True):
        if not build_save or not build_restore:
            raise ValueError("save and restore operations need to be built together  when eager execution is "
                             "not enabled.")
        if not isinstance(names_to_saveables, dict):
            names_to_saveables = op_list_to_dict(names_to_saveables)
        saveables = validate_and_slice_inputs(names_to_saveables)
        if max_to_keep is None:
            max_to_keep = 0
        graph = _graph_of_saveables(saveables)
        with graph.as_default(), graph.name_scope(name or "save"):
            filename_tensor = _op(graph, "PlaceholderWithDefault", [filename or "model"],
                                  {"dtype": dtypes.string, "shape": []}, name="filename").outputs[0]
            # Keep the name "Const" for backwards compatibility (TensorFlow's comment, and its name).
            filename_tensor = graph.create_op("PlaceholderWithDefault", [filename_tensor],
                                              {"dtype": dtypes.string, "shape": []}, name="Const").outputs[0]
            if sharded:
                per_device = self._GroupByDevices(saveables)
                save_tensor = self._AddShardedSaveOps(filename_tensor, per_device)
                restore_op = self._AddShardedRestoreOps(filename_tensor, per_device, restore_sequentially, reshape)
            else:
                save_tensor = self._AddSaveOps(filename_tensor, saveables)
                restore_op = self._AddRestoreOps(filename_tensor, saveables, restore_sequentially, reshape)
        return saver_pb2.SaverDef(filename_tensor_name=filename_tensor.name, save_tensor_name=save_tensor.name,
                                  restore_op_name=restore_op.name, max_to_keep=max_to_keep, sharded=sharded,
                                  keep_checkpoint_every_n_hours=keep_checkpoint_every_n_hours,
                                  version=self._write_version)


class BulkSaverBuilder(BaseSaverBuilder):
    """Restores every tensor with one RestoreV2 on the CPU (what ``Saver`` uses by default)."""

    def bulk_restore(self, filename_tensor, saveables, preferred_shard, restore_sequentially):
        specs = [spec for saveable in saveables for spec in saveable.specs]
        with filename_tensor.graph.device("cpu:0"):
            return self._restore_v2(filename_tensor, [s.name for s in specs], [s.slice_spec for s in specs],
                                    [s.dtype for s in specs])


def _graph_of_saveables(saveables):
    # The saveables' ops, not their specs' tensors: a spec may build its tensor when asked for it.
    for s in saveables:
        graph = getattr(s.op, "graph", None)
        if graph is not None:
            return graph
    return get_default_graph()


def _all_saveable_objects(graph=None, scope=None):
    graph = graph or get_default_graph()
    return graph.get_collection(GraphKeys.GLOBAL_VARIABLES, scope) + \
        graph.get_collection(GraphKeys.SAVEABLE_OBJECTS, scope)


def _prepend_name_scope(name, import_scope):
    if not import_scope:
        return name
    if name.startswith("^"):
        return "^%s/%s" % (import_scope, name[1:])
    if name.startswith("loc:@"):
        return "loc:@%s/%s" % (import_scope, name[5:])
    return "%s/%s" % (import_scope, name)


def _strip_name_scope(name, export_scope):
    if export_scope and name.startswith(export_scope + "/"):
        return name[len(export_scope) + 1:]
    return name


# --- Saver -----------------------------------------------------------------------------------------------

class Saver:
    """Saves and restores variables; TensorFlow 1's ``tf.compat.v1.train.Saver``, same arguments.

        saver = Saver({"weights": params})          # checkpoint name -> variable
        saver.restore(sess, "/tmp/model.ckpt")      # restores "weights" into params
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False, saver_def=None,
                 builder=None, defer_build=False, allow_empty=False, write_version=saver_pb2.SaverDef.V2,
                 pad_step_number=False, save_relative_paths=False, filename=None):
        if defer_build and var_list:
            raise ValueError("If `var_list` is provided then build cannot be deferred. Either set "
                             "defer_build=False or var_list=None.")
        if write_version != saver_pb2.SaverDef.V2 and saver_def is None:
            raise errors.UnimplementedError(None, None, "tagraph writes V2 checkpoints only; "
                                            "write_version=%r is not supported" % (write_version,))
        self._var_list = var_list
        self._reshape = reshape
        self._sharded = sharded
        self._max_to_keep = max_to_keep
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._name = name
        self._restore_sequentially = restore_sequentially
        if saver_def is not None:
            if not isinstance(saver_def, saver_pb2.SaverDef):
                saver_def = _as_saver_def(saver_def)
            copy = saver_pb2.SaverDef()
            copy.CopyFrom(saver_def)
            saver_def = copy
        self.saver_def = saver_def
        self._builder = builder
        self._is_built = False
        self._allow_empty = allow_empty
        self._is_empty = None
        self._write_version = write_version
        self._pad_step_number = pad_step_number
        self._filename = filename
        self._last_checkpoints = []
        self._checkpoints_to_be_deleted = []
        self._graph = None
        if not defer_build:
            self.build()
        if self.saver_def:
            self._check_saver_def()
            self._write_version = self.saver_def.version
        self._save_relative_paths = save_relative_paths

    def build(self):
        self._build(self._filename, build_save=True, build_restore=True)

    def _build(self, checkpoint_path, build_save, build_restore):
        if self._is_built:
            return
        self._is_built = True
        if not self.saver_def:
            if self._builder is None:
                self._builder = BulkSaverBuilder(self._write_version)
            if self._var_list is None:
                self._var_list = _all_saveable_objects()
            if not self._var_list:
                if self._allow_empty:
                    self._is_empty = True
                    return
                raise ValueError("No variables to save")
            self._is_empty = False
            self.saver_def = self._builder._build_internal(
                self._var_list, reshape=self._reshape, sharded=self._sharded, max_to_keep=self._max_to_keep,
                keep_checkpoint_every_n_hours=self._keep_checkpoint_every_n_hours, name=self._name,
                restore_sequentially=self._restore_sequentially, filename=checkpoint_path,
                build_save=build_save, build_restore=build_restore)
        elif self.saver_def and self._name:
            # The name doubles as the import scope of a SaverDef read from a meta graph.
            self.saver_def.filename_tensor_name = _prepend_name_scope(self.saver_def.filename_tensor_name,
                                                                      self._name)
            self.saver_def.save_tensor_name = _prepend_name_scope(self.saver_def.save_tensor_name, self._name)
            self.saver_def.restore_op_name = _prepend_name_scope(self.saver_def.restore_op_name, self._name)
        self._check_saver_def()
        self._next_checkpoint_time = time.time() + self.saver_def.keep_checkpoint_every_n_hours * 3600

    def _check_saver_def(self):
        if not isinstance(self.saver_def, saver_pb2.SaverDef):
            raise ValueError("saver_def must be a saver_pb2.SaverDef: %s" % self.saver_def)
        if not self.saver_def.save_tensor_name:
            raise ValueError("saver_def must specify the save_tensor_name: %s" % str(self.saver_def))
        if not self.saver_def.restore_op_name:
            raise ValueError("saver_def must specify the restore_op_name: %s" % str(self.saver_def))

    # --- retention ---------------------------------------------------------------------------------------

    def _CheckpointFilename(self, p):  # noqa: N802
        name, _ = p
        return name

    def _RecordLastCheckpoint(self, latest_save_path):  # noqa: N802
        if not self.saver_def.max_to_keep:
            return
        for p in self._last_checkpoints[:]:
            if latest_save_path == self._CheckpointFilename(p):
                self._last_checkpoints.remove(p)
        self._last_checkpoints.append((latest_save_path, time.time()))
        if len(self._last_checkpoints) > self.saver_def.max_to_keep:
            self._checkpoints_to_be_deleted.append(self._last_checkpoints.pop(0))

    def _MaybeDeleteOldCheckpoints(self, meta_graph_suffix="meta"):  # noqa: N802
        if self._checkpoints_to_be_deleted:
            p = self._checkpoints_to_be_deleted.pop(0)
            # Kept instead when keep_checkpoint_every_n_hours have passed since the last one kept.
            should_keep = p[1] > self._next_checkpoint_time
            if should_keep:
                self._next_checkpoint_time += self.saver_def.keep_checkpoint_every_n_hours * 3600
                return
            try:
                checkpoint_management.remove_checkpoint(self._CheckpointFilename(p), self.saver_def.version,
                                                        meta_graph_suffix)
            except Exception as e:  # noqa: BLE001 - as TensorFlow: a failed delete does not fail the save
                logger.warning("Ignoring: %s", str(e))

    @property
    def last_checkpoints(self):
        """Checkpoint prefixes not yet deleted, oldest first."""
        return list(self._CheckpointFilename(p) for p in self._last_checkpoints)

    def set_last_checkpoints(self, last_checkpoints):
        """DEPRECATED: use set_last_checkpoints_with_time. These are never deleted (timestamp +inf)."""
        assert isinstance(last_checkpoints, list)
        self._last_checkpoints = [(s, np.inf) for s in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time):
        """Sets the list of (checkpoint prefix, timestamp) this saver manages."""
        assert isinstance(last_checkpoints_with_time, list)
        self._last_checkpoints = last_checkpoints_with_time

    def recover_last_checkpoints(self, checkpoint_paths):
        """After a restart: manage ``checkpoint_paths`` that still exist, timestamped by their mtime."""
        with_mtimes = []
        for path in checkpoint_paths:
            mtime = checkpoint_management.get_checkpoint_mtimes([path])
            if mtime:
                with_mtimes.append((path, mtime[0]))
        self.set_last_checkpoints_with_time(with_mtimes)

    # --- protos ------------------------------------------------------------------------------------------

    def as_saver_def(self):
        """The SaverDef: tensor and op names to run, max_to_keep, keep_checkpoint_every_n_hours, version."""
        return self.saver_def

    def to_proto(self, export_scope=None):
        """The SaverDef, names stripped of ``export_scope`` (None if they are not all inside it)."""
        if export_scope is None:
            return self.saver_def
        if not (self.saver_def.filename_tensor_name.startswith(export_scope)
                and self.saver_def.save_tensor_name.startswith(export_scope)
                and self.saver_def.restore_op_name.startswith(export_scope)):
            return None
        saver_def = saver_pb2.SaverDef()
        saver_def.CopyFrom(self.saver_def)
        saver_def.filename_tensor_name = _strip_name_scope(saver_def.filename_tensor_name, export_scope)
        saver_def.save_tensor_name = _strip_name_scope(saver_def.save_tensor_name, export_scope)
        saver_def.restore_op_name = _strip_name_scope(saver_def.restore_op_name, export_scope)
        return saver_def

    @staticmethod
    def from_proto(saver_def, import_scope=None):
        return Saver(saver_def=saver_def, name=import_scope)

    # --- save / restore ----------------------------------------------------------------------------------

    def save(self, sess, save_path, global_step=None, latest_filename=None, meta_graph_suffix="meta",
             write_meta_graph=True, write_state=True, strip_default_attrs=False, save_debug_info=False):
        """Saves the variables; returns the checkpoint prefix (``save_path-<global_step>``), or None if empty.

        Writes ``<prefix>.data-00000-of-00001`` and ``<prefix>.index``, then ``<prefix>.meta``, then the
        ``checkpoint`` state file, and deletes checkpoints past ``max_to_keep``.
        """
        if not self._is_built:
            raise RuntimeError("`build()` should be called before save if defer_build==True")
        if latest_filename is None:
            latest_filename = "checkpoint"
        if os.path.split(latest_filename)[0]:
            raise ValueError("'latest_filename' must not contain path components")
        save_path = _as_str(save_path)
        if global_step is not None:
            if not isinstance(global_step, (int, np.integer)) or isinstance(global_step, bool):
                global_step = int(np.asarray(sess.run(global_step)))
            checkpoint_file = "%s-%d" % (save_path, global_step)
            if self._pad_step_number:
                checkpoint_file = "%s-%s" % (save_path, "{:08d}".format(global_step))
        else:
            checkpoint_file = save_path
            if os.path.basename(save_path) == latest_filename and not self._sharded:
                raise ValueError("'latest_filename' collides with 'save_path': '%s' and '%s'"
                                 % (latest_filename, save_path))
        if not isinstance(sess, BaseSession):
            raise TypeError("'sess' must be a Session; %s" % (sess,))
        save_path_parent = os.path.dirname(save_path)
        model_checkpoint_path = None
        if not self._is_empty:
            try:
                model_checkpoint_path = sess.run(self.saver_def.save_tensor_name,
                                                 {self.saver_def.filename_tensor_name: checkpoint_file})
            except (errors.FailedPreconditionError, errors.NotFoundError) as exc:
                if not file_io.isdir(save_path_parent or "."):
                    raise ValueError("Parent directory of {} doesn't exist, can't save.".format(save_path)) from exc
                raise
            model_checkpoint_path = _as_str(model_checkpoint_path)
        # The meta graph before the state file: "checkpoint" names only checkpoints complete on disk.
        if write_meta_graph:
            meta_graph_filename = checkpoint_management.meta_graph_filename(checkpoint_file,
                                                                            meta_graph_suffix=meta_graph_suffix)
            with sess.graph.as_default():
                self._write_meta_graph(meta_graph_filename, sess.graph, strip_default_attrs, save_debug_info)
        if not self._is_empty and write_state:
            self._RecordLastCheckpoint(model_checkpoint_path)
            checkpoint_management.update_checkpoint_state_internal(
                save_dir=save_path_parent, model_checkpoint_path=model_checkpoint_path,
                all_model_checkpoint_paths=self.last_checkpoints, latest_filename=latest_filename,
                save_relative_paths=self._save_relative_paths)
            self._MaybeDeleteOldCheckpoints(meta_graph_suffix=meta_graph_suffix)
        return None if self._is_empty else model_checkpoint_path

    def _write_meta_graph(self, filename, graph, strip_default_attrs, save_debug_info):
        """The meta graph beside a checkpoint. A finalized graph (a MonitoredSession's, saving every N steps)
        gives the same bytes at every save while its collections keep their sizes, so they are kept and
        written again rather than rebuilt: building them costs more than writing the checkpoint's index."""
        key = None
        if graph.finalized and not save_debug_info:
            key = (id(graph), len(graph.get_operations()), bool(strip_default_attrs),
                   tuple((name, len(graph.get_collection(name))) for name in graph.get_all_collection_keys()))
        cached = getattr(self, "_meta_graph_cache", None)
        if key is not None and cached is not None and cached[0] == key:
            write_atomic(filename, cached[1])
            return
        mg = self.export_meta_graph(filename, strip_default_attrs=strip_default_attrs,
                                    save_debug_info=save_debug_info, allow_generator_datasets=True)
        if key is not None:
            self._meta_graph_cache = (key, mg.SerializeToString(deterministic=True))

    def export_meta_graph(self, filename=None, collection_list=None, as_text=False, export_scope=None,
                          clear_devices=False, clear_extraneous_savers=False, strip_default_attrs=False,
                          save_debug_info=False, **kwargs):
        """Writes the default graph's MetaGraphDef, with this saver's SaverDef, to ``filename``."""
        return meta_graph_io.export_meta_graph(
            filename=filename, saver_def=self.saver_def, collection_list=collection_list, as_text=as_text,
            graph=get_default_graph(), export_scope=export_scope, clear_devices=clear_devices,
            clear_extraneous_savers=clear_extraneous_savers, strip_default_attrs=strip_default_attrs,
            save_debug_info=save_debug_info, **kwargs)

    def restore(self, sess, save_path):
        """Restores the variables from the checkpoint ``save_path``; they need no initializer first."""
        if self._is_empty:
            return
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        checkpoint_prefix = _as_str(save_path)
        if not checkpoint_management.checkpoint_exists_internal(checkpoint_prefix):
            raise _InvalidCheckpointPathError(None, None, "The passed save_path is not a valid checkpoint: "
                                              + checkpoint_prefix)
        logger.info("Restoring parameters from %s", checkpoint_prefix)
        try:
            sess.run(self.saver_def.restore_op_name, {self.saver_def.filename_tensor_name: checkpoint_prefix})
        except errors.NotFoundError as err:
            raise _wrap_restore_error_with_msg(err, "a Variable name or other graph key that is missing") from None
        except errors.InvalidArgumentError as err:
            raise _wrap_restore_error_with_msg(err, "a mismatch between the current graph and the graph") \
                from None


def _wrap_restore_error_with_msg(err, extra_verbiage):
    msg = ("Restoring from checkpoint failed. This is most likely due to {} from the checkpoint. Please ensure "
           "that you have not altered the graph expected based on the checkpoint. Original error:\n\n{}"
           ).format(extra_verbiage, err.message)
    return err.__class__(err.node_def, err.op, msg)


def _as_str(value):
    if isinstance(value, np.ndarray):
        value = value.reshape(()).item() if value.size == 1 else value
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8", "surrogateescape")
    return os.fspath(value)


def _as_saver_def(value):
    sd = saver_pb2.SaverDef()
    sd.ParseFromString(value.SerializeToString())
    return sd


def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **saver_kwargs):
    """Imports a MetaGraphDef (or ``.meta`` file) into the default graph; returns a Saver built from its
    SaverDef, a new Saver when it has none but the graph has variables, else None."""
    mg = meta_graph_io.import_scoped_meta_graph(meta_graph_or_file, clear_devices=clear_devices,
                                                import_scope=import_scope)
    if mg.HasField("saver_def"):
        return Saver(saver_def=mg.saver_def, name=import_scope, **saver_kwargs)
    if _variables.global_variables():
        return Saver(**saver_kwargs)
    meta_graph_io.logger.info("Saver not created because there are no variables in the graph to restore")
    return None


def export_meta_graph(filename=None, meta_info_def=None, graph_def=None, saver_def=None, collection_list=None,
                      as_text=False, graph=None, export_scope=None, clear_devices=False,
                      clear_extraneous_savers=False, strip_default_attrs=False, save_debug_info=False, **kwargs):
    """Returns the MetaGraphDef of ``graph`` (the default graph), writing it to ``filename`` when given."""
    return meta_graph_io.export_meta_graph(
        filename=filename, meta_info_def=meta_info_def, graph_def=graph_def, saver_def=saver_def,
        collection_list=collection_list, as_text=as_text, graph=graph, export_scope=export_scope,
        clear_devices=clear_devices, clear_extraneous_savers=clear_extraneous_savers,
        strip_default_attrs=strip_default_attrs, save_debug_info=save_debug_info, **kwargs)
