"""Reading checkpoints without a graph: ``load_checkpoint``, ``list_variables``, ``load_variable``, and waiting
for new ones (``checkpoints_iterator``, ``wait_for_new_checkpoint``: an evaluation job following a training one).

    reader = load_checkpoint("/tmp/train")           # a folder: its latest checkpoint; or a prefix
    reader.get_variable_to_shape_map()               # {"v1": [3], "v2": [5]}
    reader.get_tensor("v1")                          # array([1., 1., 1.], dtype=float32)
    list_variables("/tmp/train")                     # [("v1", [3]), ("v2", [5])]

Same names and behaviour as TensorFlow's ``tf.train.load_checkpoint`` and its CheckpointReader
(``py_checkpoint_reader.NewCheckpointReader``); dtypes are tagraph DTypes.
"""
import logging
import os
import time

from tagraph.engine.framework import dtypes, errors, file_io
from tagraph.serialization import bundle, bundle_dtypes, checkpoint_state

__all__ = ["CheckpointReader", "NewCheckpointReader", "load_checkpoint", "list_variables", "load_variable",
           "wait_for_new_checkpoint", "checkpoints_iterator"]

logger = logging.getLogger("tagraph.serialization.checkpoint_utils")


class _UnknownDType:
    """Stands for a DataType tagraph has no DType for; carries TensorFlow's name for it."""

    def __init__(self, enum):
        self.as_datatype_enum = enum
        self.name = bundle_dtypes.datatype_name(enum)[3:].lower() if bundle_dtypes.datatype_name(enum) \
            else "unknown_%d" % enum

    def __repr__(self):
        return "tg." + self.name


def _as_dtype(enum):
    try:
        return dtypes.as_dtype(enum)
    except TypeError:
        return _UnknownDType(enum)


class _EmptyReader:
    """What TensorFlow's reader finds in a V2 ``.index`` file given in place of its prefix: nothing."""

    def contains(self, name):
        return False

    def read(self, name):
        raise errors.NotFoundError(None, None, "Key %s not found in checkpoint" % name)

    def keys(self):
        return []

    def get_variable_to_shape_map(self):
        return {}

    def get_variable_to_dtype_map(self):
        return {}

    def close(self):
        pass


def _shape_debug_string(dims):
    return "[" + ",".join(str(d) for d in dims) + "]"


class CheckpointReader:
    """Reads the tensors of one checkpoint (tensor bundle V2) by name.

        reader = CheckpointReader("/tmp/model.ckpt")
        if reader.has_tensor("v1"):
            v1 = reader.get_tensor("v1")
    """

    def __init__(self, filepattern):
        filepattern = os.fspath(filepattern)
        if isinstance(filepattern, bytes):
            filepattern = filepattern.decode("utf-8", "surrogateescape")
        self._prefix = filepattern
        if not file_io.exists(bundle.meta_filename(filepattern)) and file_io.isfile(filepattern):
            # TensorFlow reads such a file as a V1 checkpoint: an error, or no tensors at all.
            error = bundle.v1_fallback_error(filepattern)
            if error is not None:
                raise error
            self._reader = _EmptyReader()
            return
        self._reader = bundle.BundleReader(filepattern)

    def has_tensor(self, tensor_str):
        return self._reader.contains(tensor_str)

    def get_tensor(self, tensor_str):
        """The value as a numpy array (an object array of bytes for strings); NotFoundError if absent."""
        try:
            return self._reader.read(tensor_str)
        finally:
            self._reader.close()  # data files are reopened on the next read: nothing stays open

    def get_variable_to_shape_map(self):
        """``{name: [dims]}`` for every tensor in the checkpoint."""
        return self._reader.get_variable_to_shape_map()

    def get_variable_to_dtype_map(self):
        """``{name: DType}`` for every tensor in the checkpoint."""
        return {k: _as_dtype(v) for k, v in self._reader.get_variable_to_dtype_map().items()}

    def debug_string(self):
        """``b"v1 (DT_FLOAT) [3]\\n..."``: one line per whole tensor, in key order (TensorFlow's format)."""
        lines = []
        for key in self._reader.keys():
            entry = self._reader.entry(key)
            if entry.slices:
                continue
            name = bundle_dtypes.datatype_name(entry.dtype) or "DT_INVALID"
            lines.append("%s (%s) %s\n" % (key, name, _shape_debug_string([d.size for d in entry.shape.dim])))
        return "".join(lines).encode("utf-8", "surrogateescape")

    def close(self):
        self._reader.close()


def NewCheckpointReader(filepattern):  # noqa: N802 - TensorFlow's name
    """A CheckpointReader for the checkpoint prefix ``filepattern``."""
    return CheckpointReader(filepattern)


def _get_checkpoint_filename(ckpt_dir_or_file):
    ckpt_dir_or_file = os.fspath(ckpt_dir_or_file)
    if file_io.isdir(ckpt_dir_or_file):
        return checkpoint_state.latest_checkpoint(ckpt_dir_or_file)
    return ckpt_dir_or_file


def load_checkpoint(ckpt_dir_or_file):
    """A CheckpointReader for a checkpoint prefix, or for the latest checkpoint of a folder."""
    filename = _get_checkpoint_filename(ckpt_dir_or_file)
    if filename is None:
        raise ValueError("Couldn't find 'checkpoint' file or checkpoints in given directory %s" % ckpt_dir_or_file)
    return NewCheckpointReader(filename)


def load_variable(ckpt_dir_or_file, name):
    """The value of tensor ``name`` in the checkpoint (a trailing ``:0`` is ignored)."""
    if name.endswith(":0"):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


def list_variables(ckpt_dir_or_file):
    """``[(name, shape), ...]`` of the checkpoint's tensors, sorted by name."""
    reader = load_checkpoint(ckpt_dir_or_file)
    variable_map = reader.get_variable_to_shape_map()
    return [(name, variable_map[name]) for name in sorted(variable_map)]


def wait_for_new_checkpoint(checkpoint_dir, last_checkpoint=None, seconds_to_sleep=1, timeout=None):
    """The folder's latest checkpoint once it is another than ``last_checkpoint``; None after ``timeout``
    seconds (None: wait for ever)."""
    logger.info("Waiting for new checkpoint at %s", checkpoint_dir)
    stop_time = time.time() + timeout if timeout is not None else None
    while True:
        path = checkpoint_state.latest_checkpoint(checkpoint_dir)
        if path is not None and path != last_checkpoint:
            logger.info("Found new checkpoint at %s", path)
            return path
        if stop_time is not None and time.time() + seconds_to_sleep > stop_time:
            return None
        time.sleep(seconds_to_sleep)


def checkpoints_iterator(checkpoint_dir, min_interval_secs=0, timeout=None, timeout_fn=None):
    """Yields each new checkpoint of the folder as it appears, at most one every ``min_interval_secs``; after
    ``timeout`` seconds without one it stops, unless ``timeout_fn()`` says more may come (returns False).

        for path in checkpoints_iterator("/tmp/train", timeout=600):
            evaluate(path)
    """
    path = None
    while True:
        new_path = wait_for_new_checkpoint(checkpoint_dir, path, timeout=timeout)
        if new_path:
            start = time.time()
            path = new_path
            yield path
            left = start + min_interval_secs - time.time()
            if left > 0:
                time.sleep(left)
        elif timeout_fn is None:
            logger.info("Timed-out waiting for a checkpoint (without timeout_fn).")
            return
        if timeout_fn is not None and timeout_fn():
            logger.info("Done. No new checkpoints will be generated.")
            return
