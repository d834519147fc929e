"""Warm-starting: initializing a new model's variables from another model's checkpoint, as TensorFlow's
``tf.estimator.WarmStartSettings``, ``tf.train.warm_start`` and ``tf.train.VocabInfo`` do.

    ws = WarmStartSettings("/tmp/old_model", vars_to_warm_start="dense.*",
                           var_name_to_prev_var_name={"dense/kernel": "old_dense/kernel"})
    est = Estimator(model_fn, model_dir="/tmp/new_model", warm_start_from=ws)

``warm_start`` changes the chosen variables' initializers (nothing is read until they run): each
restores its variable from the checkpoint (RestoreV2), or, for a variable with a VocabInfo, gathers the
rows (or columns) of the old vocabulary's words in the order of the new vocabulary, the new words and
out-of-vocabulary buckets taking the backup initializer's values (zeros by default).
"""
import collections
import logging
import os

import numpy as np

from tagraph.engine.framework.graph import GraphKeys, get_collection, get_default_graph
from tagraph.engine.ops.array_ops import reshape
from tagraph.engine.ops.indexing_ops import gather
from tagraph.engine.ops.joining_ops import concat
from tagraph.engine.ops.math_ops import where
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.variables.init_ops import zeros_initializer
from tagraph.engine.variables.variables import Variable
from tagraph.protos import trackable_object_graph_pb2
from tagraph.serialization import checkpoint_state, checkpoint_utils
from tagraph.serialization.checkpoint_initializers import init_from_checkpoint, restore_op
from tagraph.serialization.saver import op_list_to_dict

__all__ = ["VocabInfo", "WarmStartSettings", "warm_start"]

logger = logging.getLogger("tagraph.estimator.warm_starting")

_OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"


class VocabInfo(collections.namedtuple("VocabInfo", ["new_vocab", "new_vocab_size", "num_oov_buckets", "old_vocab",
                                                     "old_vocab_size", "backup_initializer", "axis"])):
    """How a variable's rows (``axis=0``) or columns (``axis=1``) follow a vocabulary file, one word a line:
    ``new_vocab`` (its first ``new_vocab_size`` words, then ``num_oov_buckets`` buckets) in the new model,
    ``old_vocab`` (its first ``old_vocab_size`` words, all if -1) in the checkpoint.

        VocabInfo(new_vocab="words_v2.txt", new_vocab_size=100, num_oov_buckets=1, old_vocab="words_v1.txt")
    """

    def __new__(cls, new_vocab, new_vocab_size, num_oov_buckets, old_vocab, old_vocab_size=-1, backup_initializer=None,
                axis=0):
        if axis != 0 and axis != 1:
            raise ValueError("The only supported values for the axis argument are 0 and 1.  Provided axis: {}"
                             .format(axis))
        return super().__new__(cls, new_vocab, new_vocab_size, num_oov_buckets, old_vocab, old_vocab_size,
                               backup_initializer, axis)


class WarmStartSettings(collections.namedtuple("WarmStartSettings", ["ckpt_to_initialize_from", "vars_to_warm_start",
                                                                     "var_name_to_vocab_info",
                                                                     "var_name_to_prev_var_name"])):
    """What an Estimator warm-starts from: a checkpoint (or a folder of them, or a SavedModel's
    ``variables/variables``), which variables (``vars_to_warm_start``: a regex over the trainable
    variables, a list of regexes over all global variables, or a list of Variables), their vocabularies
    and their names in the checkpoint where they differ.

        WarmStartSettings("/tmp/old_model", vars_to_warm_start=[".*embedding.*", "dense/.*"])
    """

    def __new__(cls, ckpt_to_initialize_from, vars_to_warm_start=".*", var_name_to_vocab_info=None,
                var_name_to_prev_var_name=None):
        if not ckpt_to_initialize_from:
            raise ValueError("`ckpt_to_initialize_from` MUST be set in WarmStartSettings")
        return super().__new__(cls, ckpt_to_initialize_from, vars_to_warm_start, var_name_to_vocab_info or {},
                               var_name_to_prev_var_name or {})


def _checkpoint_filename(ckpt_dir_or_file):
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = checkpoint_state.latest_checkpoint(path)
        if latest is None:
            raise ValueError("Couldn't find 'checkpoint' file or checkpoints in given directory %s" % path)
        return latest
    return path


def _is_variable(v):
    return isinstance(v, Variable)


def _infer_var_name(var_list):
    names = op_list_to_dict(var_list)
    if len(names) > 1:
        raise TypeError("`var` = %s passed as arg violates the constraints.  name_to_var_dict = %s"
                        % (var_list, names))
    return list(names.keys())[0]


def _get_grouped_variables(vars_to_warm_start):
    """``{variable name: [variable or its slices]}`` of the variables ``vars_to_warm_start`` picks."""
    if isinstance(vars_to_warm_start, str) or vars_to_warm_start is None:
        logger.info("Warm-starting variables only in TRAINABLE_VARIABLES.")
        list_of_vars = get_collection(GraphKeys.TRAINABLE_VARIABLES, scope=vars_to_warm_start)
    elif isinstance(vars_to_warm_start, list):
        if all(isinstance(v, str) for v in vars_to_warm_start):
            list_of_vars = []
            for v in vars_to_warm_start:
                list_of_vars += get_collection(GraphKeys.GLOBAL_VARIABLES, scope=v)
        elif all(_is_variable(v) for v in vars_to_warm_start):
            list_of_vars = vars_to_warm_start
        else:
            raise ValueError("If `vars_to_warm_start` is a list, it must be all `Variable` or all `str`.  Given "
                             "types are {}".format([type(v) for v in vars_to_warm_start]))
    else:
        raise ValueError("`vars_to_warm_start must be a `list` or `str`.  Given type is {}"
                         .format(type(vars_to_warm_start)))
    grouped = {}
    for v in list_of_vars:
        t = v if isinstance(v, list) else [v]
        grouped.setdefault(_infer_var_name(t), []).append(v)
    return grouped


def _object_checkpoint_renames(path, variable_names):
    """``{variable name: checkpoint key}`` when the checkpoint is object-based (TensorFlow 2's), else {}."""
    reader = checkpoint_utils.load_checkpoint(path)
    if not reader.has_tensor(_OBJECT_GRAPH_KEY):
        return {}
    graph = trackable_object_graph_pb2.TrackableObjectGraph.FromString(
        bytes(np.asarray(reader.get_tensor(_OBJECT_GRAPH_KEY)).reshape(()).item()))
    names_to_keys = {}
    for node in graph.nodes:
        for attribute in node.attributes:
            names_to_keys[attribute.full_name] = attribute.checkpoint_key
    missing = set(variable_names) - set(names_to_keys)
    if missing:
        raise ValueError("Attempting to warm-start from an object-based checkpoint, but found that the checkpoint "
                         "did not contain values for all variables. The following variables were missing: {}"
                         .format(missing))
    return {name: names_to_keys[name] for name in variable_names}


def _read_vocab(path, size):
    """The first ``size`` words of a vocabulary file (all of them if ``size`` is -1)."""
    with open(path, "rb") as f:
        words = f.read().decode("utf-8").split("\n")
    if words and words[-1] == "":
        words.pop()
    if size is not None and size >= 0:
        if size > len(words):
            raise ValueError("Vocabulary file %s has %d entries, fewer than the %d asked for"
                             % (path, len(words), size))
        words = words[:size]
    return words


def _vocab_remap(new_vocab, new_vocab_size, old_vocab, old_vocab_size):
    """For each of the first ``new_vocab_size`` new words, its index in the old vocabulary, or -1."""
    old_index = {}
    for i, w in enumerate(_read_vocab(old_vocab, old_vocab_size)):
        old_index.setdefault(w, i)
    new_words = _read_vocab(new_vocab, new_vocab_size)
    remap = [old_index.get(w, -1) for w in new_words]
    found = sum(1 for i in remap if i >= 0)
    logger.info("%d of %d new vocabulary entries (%s) found in the old vocabulary (%s)", found, len(remap),
                new_vocab, old_vocab)
    return np.asarray(remap, np.int64)


def _load_and_remap_matrix(ckpt_file, old_tensor_name, old_shape, dtype, row_remap, col_remap, initializer):
    """The old matrix's rows and columns picked by the remaps (-1: not in the checkpoint), as TensorFlow's
    LoadAndRemapMatrix: the cells that are not loaded take ``initializer([n, 1])``'s values in row-major
    order."""
    old = restore_op(ckpt_file, old_tensor_name, "", dtype)
    old.set_shape(old_shape)
    loaded = gather(old, constant(np.maximum(row_remap, 0)), axis=0)
    loaded = gather(loaded, constant(np.maximum(col_remap, 0)), axis=1)
    present = np.outer(row_remap >= 0, col_remap >= 0)
    missing = int(present.size - present.sum())
    if not missing:
        return loaded
    # Each missing cell's index in the initializer's values, in row-major order.
    order = np.clip(np.cumsum(~present.ravel()) - 1, 0, None).reshape(present.shape)
    values = reshape(initializer([missing, 1], dtype=dtype), [-1])
    return where(constant(present), loaded, gather(values, constant(order)))


def _warm_start_var_with_vocab(var, current_vocab_path, current_vocab_size, prev_ckpt, prev_vocab_path,
                               previous_vocab_size=-1, current_oov_buckets=0, prev_tensor_name=None, initializer=None,
                               axis=0):
    """Initializes the matrix ``var`` from the checkpoint's, its rows (``axis=0``) or columns following the
    vocabulary; new words and the OOV buckets take ``initializer``'s values (zeros by default)."""
    if not (current_vocab_path and current_vocab_size and prev_ckpt and prev_vocab_path):
        raise ValueError("Invalid args: Must provide all of [current_vocab_path, current_vocab_size, prev_ckpt, "
                         "prev_vocab_path}.")
    if isinstance(var, list) and len(var) == 1:
        var = var[0]
    if not _is_variable(var) or var._get_save_slice_info():
        raise NotImplementedError("tagraph warm-starts a vocabulary-backed variable only when it is one variable, "
                                  "not partitioned (got %r)" % (var,))
    if not prev_tensor_name:
        prev_tensor_name = _infer_var_name([var])
    shape = var.shape.as_list()
    if len(shape) != 2:
        raise ValueError("Warm-starting with a vocabulary needs a matrix (TensorFlow's LoadAndRemapMatrix); %s has "
                         "shape %s" % (var.name, shape))
    ckpt_file = _checkpoint_filename(prev_ckpt)
    reader = checkpoint_utils.load_checkpoint(ckpt_file)
    if not reader.has_tensor(prev_tensor_name):
        raise ValueError("Tensor %s is not found in %s checkpoint %s"
                         % (prev_tensor_name, ckpt_file, reader.get_variable_to_shape_map()))
    old_shape = reader.get_variable_to_shape_map()[prev_tensor_name]
    remap = _vocab_remap(current_vocab_path, current_vocab_size, prev_vocab_path,
                         previous_vocab_size if axis == 0 else -1)
    if shape[axis] != current_vocab_size + current_oov_buckets:
        raise ValueError("Variable %s has %d entries along axis %d, but the new vocabulary has %d words and %d OOV "
                         "buckets" % (var.name, shape[axis], axis, current_vocab_size, current_oov_buckets))
    if len(old_shape) != 2 or old_shape[1 - axis] != shape[1 - axis]:
        raise ValueError("Shape of variable %s (%s) doesn't match with shape of tensor %s (%s) from checkpoint reader "
                         "outside the vocabulary axis %d." % (var.name, shape, prev_tensor_name, old_shape, axis))
    init = initializer if initializer is not None else zeros_initializer()
    dtype = var.dtype.base_dtype
    graph = get_default_graph()
    with graph.name_scope("warm_start_with_vocabulary"):
        if axis == 0:
            rows, cols = remap, np.arange(shape[1], dtype=np.int64)
        else:
            rows, cols = np.arange(shape[0], dtype=np.int64), remap
        value = _load_and_remap_matrix(ckpt_file, prev_tensor_name, old_shape, dtype, rows, cols, init)
        if current_oov_buckets and axis == 0:
            value = concat([value, init([current_oov_buckets, shape[1]], dtype=dtype)], 0)
        elif current_oov_buckets:
            value = concat([value, init([shape[0], current_oov_buckets], dtype=dtype)], 1)
    var._initializer_op = var.assign(value, read_value=False)
    var._initial_value = value


def warm_start(ckpt_to_initialize_from, vars_to_warm_start=".*", var_name_to_vocab_info=None,
               var_name_to_prev_var_name=None):
    """Makes the chosen variables of the default graph initialize from ``ckpt_to_initialize_from``.

    ``vars_to_warm_start``: a regex over TRAINABLE_VARIABLES (``".*"``: all of them), a list of regexes over
    GLOBAL_VARIABLES, a list of Variables, or None (only the variables given a VocabInfo).
    ``var_name_to_vocab_info``: variable name -> VocabInfo. ``var_name_to_prev_var_name``: variable name ->
    its name in the checkpoint. A name in either dict that names no chosen variable is a ValueError.

        warm_start("/tmp/old_model", vars_to_warm_start=["dense/.*"])
    """
    logger.info("Warm-starting from: %s", ckpt_to_initialize_from)
    grouped = _get_grouped_variables(vars_to_warm_start)
    var_name_to_vocab_info = var_name_to_vocab_info or {}
    if not var_name_to_prev_var_name:
        var_name_to_prev_var_name = _object_checkpoint_renames(_checkpoint_filename(ckpt_to_initialize_from),
                                                               grouped.keys())
    warmstarted_count = 0
    prev_var_name_used = set()
    vocab_info_used = set()
    vocabless_vars = {}
    for var_name, variable in grouped.items():
        prev_var_name = var_name_to_prev_var_name.get(var_name)
        if prev_var_name:
            prev_var_name_used.add(var_name)
        vocab_info = var_name_to_vocab_info.get(var_name)
        if vocab_info:
            vocab_info_used.add(var_name)
            warmstarted_count += 1
            logger.debug("Warm-starting variable: %s; current_vocab: %s current_vocab_size: %s prev_vocab: %s "
                         "prev_vocab_size: %s current_oov: %s prev_tensor: %s initializer: %s", var_name,
                         vocab_info.new_vocab, vocab_info.new_vocab_size, vocab_info.old_vocab,
                         vocab_info.old_vocab_size if vocab_info.old_vocab_size > 0 else "All",
                         vocab_info.num_oov_buckets, prev_var_name or "Unchanged",
                         vocab_info.backup_initializer or "zero-initialized")
            _warm_start_var_with_vocab(variable, current_vocab_path=vocab_info.new_vocab,
                                       current_vocab_size=vocab_info.new_vocab_size,
                                       prev_ckpt=ckpt_to_initialize_from, prev_vocab_path=vocab_info.old_vocab,
                                       previous_vocab_size=vocab_info.old_vocab_size,
                                       current_oov_buckets=vocab_info.num_oov_buckets, prev_tensor_name=prev_var_name,
                                       initializer=vocab_info.backup_initializer, axis=vocab_info.axis)
        elif vars_to_warm_start:
            warmstarted_count += 1
            logger.debug("Warm-starting variable: %s; prev_var_name: %s", var_name, prev_var_name or "Unchanged")
            if len(variable) == 1:
                variable = variable[0]
            prev_tensor_name = prev_var_name or var_name
            if prev_tensor_name in vocabless_vars:
                # Two variables from one checkpoint tensor: initialize what we have so far, then go on.
                init_from_checkpoint(ckpt_to_initialize_from, vocabless_vars)
                vocabless_vars.clear()
            vocabless_vars[prev_tensor_name] = variable
    if vocabless_vars:
        init_from_checkpoint(ckpt_to_initialize_from, vocabless_vars)
    prev_var_name_not_used = set(var_name_to_prev_var_name.keys()) - prev_var_name_used
    vocab_info_not_used = set(var_name_to_vocab_info.keys()) - vocab_info_used
    logger.info("Warm-started %d variables.", warmstarted_count)
    if prev_var_name_not_used:
        raise ValueError("You provided the following variables in var_name_to_prev_var_name that were not used: {0}.  "
                         "Perhaps you misspelled them?  Here is the list of viable variable names: {1}"
                         .format(prev_var_name_not_used, grouped.keys()))
    if vocab_info_not_used:
        raise ValueError("You provided the following variables in var_name_to_vocab_info that were not used: {0}.  "
                         "Perhaps you misspelled them?  Here is the list of viable variable names: {1}"
                         .format(vocab_info_not_used, grouped.keys()))
