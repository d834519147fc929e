"""Variables that start from a checkpoint: ``tf.train.init_from_checkpoint``, and the checkpoint initializers
warm-starting builds on it.

    tf.train.init_from_checkpoint("/tmp/pretrained", {"encoder/": "model/encoder/"})
    sess.run(tf.global_variables_initializer())     # the encoder's variables now hold the checkpoint's values

Nothing is read when the call is made: each chosen variable's initializer becomes an assignment of a RestoreV2
of its tensor (or of its slice, for a partitioned variable's parts), placed on the CPU, as in TensorFlow. The
``assignment_map`` takes TensorFlow's forms: ``{"ckpt/var": "model/var"}`` or ``{"ckpt/var": variable}`` (a
list of a partitioned variable's parts too), and scopes, ``{"ckpt_scope/": "model_scope/"}`` (``"/"`` for
the root), matched against the variables ``get_variable`` made, with TensorFlow's errors.
"""
import collections.abc
import logging

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import get_default_graph
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.variables import variables as _variables
from tagraph.serialization import checkpoint_utils

__all__ = ["init_from_checkpoint", "restore_op", "set_checkpoint_initializer"]

logger = logging.getLogger("tagraph.serialization.checkpoint_initializers")


def restore_op(ckpt_file, tensor_name, slice_spec, dtype, name="checkpoint_initializer"):
    """A RestoreV2 of one tensor (or a slice of one) on the CPU: its output."""
    graph = get_default_graph()
    with graph.name_scope(name) as scope, graph.device("/device:CPU:0"):
        prefix = constant(ckpt_file, dtype=dtypes.string, name="prefix")
        names = constant([tensor_name], dtype=dtypes.string, name="tensor_names")
        slices = constant([slice_spec], dtype=dtypes.string, name="shape_and_slices")
        return graph.create_op("RestoreV2", [prefix, names, slices], {"dtypes": [dtype]}, name=scope[:-1]).outputs[0]


def set_checkpoint_initializer(variable, ckpt_file, tensor_name, slice_spec):
    """Makes ``variable``'s initializer restore ``tensor_name`` (``slice_spec`` of it) from the checkpoint."""
    restored = restore_op(ckpt_file, tensor_name, slice_spec, variable.dtype.base_dtype)
    restored.set_shape(variable.shape)
    variable._initializer_op = variable.assign(restored, read_value=False)
    variable._initial_value = restored


def _set_variable_or_list_initializer(variable_or_list, ckpt_file, tensor_name):
    if isinstance(variable_or_list, (list, tuple)):
        full_name = None
        for part in variable_or_list:
            info = part._get_save_slice_info()
            if full_name is None:
                full_name = info.full_name
            elif full_name != info.full_name:
                raise ValueError("Slices must all be from the same tensor: %s != %s" % (full_name, info.full_name))
            set_checkpoint_initializer(part, ckpt_file, tensor_name, info.spec)
    else:
        set_checkpoint_initializer(variable_or_list, ckpt_file, tensor_name, "")


def _is_variable(x):
    return isinstance(x, _variables.Variable)


def _partitioned_parts(name, store):
    """The parts ``name/part_0``, ``name/part_1``, ... of a partitioned variable, or None."""
    if name + "/part_0" not in store:
        return None
    parts, i = [], 0
    while name + "/part_%d" % i in store:
        parts.append(store[name + "/part_%d" % i])
        i += 1
    return parts


def init_from_checkpoint(ckpt_dir_or_file, assignment_map):
    """Replaces the initializers of the variables ``assignment_map`` names (checkpoint name or scope -> variable,
    variable name or scope) with restores from the checkpoint (a prefix, or a folder's latest)."""
    ckpt_file = checkpoint_utils._get_checkpoint_filename(ckpt_dir_or_file)
    reader = checkpoint_utils.load_checkpoint(ckpt_dir_or_file)
    variable_map = reader.get_variable_to_shape_map()
    if isinstance(assignment_map, collections.abc.Mapping):
        assignment_map = assignment_map.items()
    store = _variables.variable_store(get_default_graph())
    for tensor_name, current in sorted(assignment_map, key=lambda pair: pair[0]):
        if _is_variable(current) or (isinstance(current, list) and all(_is_variable(v) for v in current)):
            var = current
        else:
            var = store.get(current)
            if var is None:
                var = _partitioned_parts(current, store)
        if var is not None:
            if tensor_name not in variable_map:
                raise ValueError("Tensor %s is not found in %s checkpoint %s" % (tensor_name, ckpt_dir_or_file,
                                                                               variable_map))
            if _is_variable(var):
                if not var.shape.is_compatible_with(TensorShape(variable_map[tensor_name])):
                    raise ValueError("Shape of variable %s (%s) doesn't match with shape of tensor %s (%s) from "
                                     "checkpoint reader." % (var.name, var.shape, tensor_name,
                                                             variable_map[tensor_name]))
            _set_variable_or_list_initializer(var, ckpt_file, tensor_name)
            logger.debug("Initialize variable %s from checkpoint %s with %s", var, ckpt_dir_or_file, tensor_name)
            continue
        _init_scope_from_checkpoint(ckpt_file, ckpt_dir_or_file, tensor_name, current, store, variable_map)


def _init_scope_from_checkpoint(ckpt_file, ckpt_dir_or_file, tensor_scope, current_scope, store, variable_map):
    """A scope-to-scope entry: every variable under ``current_scope`` from the same name under ``tensor_scope``."""
    scopes = current_scope[:current_scope.rindex("/")] if "/" in current_scope else ""
    if not tensor_scope.endswith("/"):
        raise ValueError("Assignment map with scope only name {} should map to scope only {}. Should be 'scope/': "
                         "'other_scope/'.".format(scopes, tensor_scope))
    names = set()
    for var_name in store:
        if not scopes or var_name.startswith(scopes + "/"):
            if "/part_" in var_name:
                var_name = var_name[:var_name.index("/part_")]
            names.add(var_name)
    for var_name in sorted(names):
        full_tensor_name = var_name[len(scopes):]
        if current_scope != "/":
            full_tensor_name = full_tensor_name[1:]
        if tensor_scope != "/":
            full_tensor_name = tensor_scope + full_tensor_name
        if full_tensor_name.endswith("/"):
            full_tensor_name = full_tensor_name[:-1]
        if full_tensor_name not in variable_map:
            raise ValueError("Tensor %s (%s in %s) is not found in %s checkpoint" % (
                full_tensor_name, var_name[len(scopes) + 1:], tensor_scope, ckpt_dir_or_file))
        var = store.get(var_name)
        if var is None:
            var = _partitioned_parts(var_name, store)
        _set_variable_or_list_initializer(var, ckpt_file, full_tensor_name)
        logger.debug("Initialize variable %s from checkpoint %s with %s", var_name, ckpt_dir_or_file, full_tensor_name)
