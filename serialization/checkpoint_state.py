"""The ``checkpoint`` state file: a ``CheckpointState`` proto in text format.

Same functions, arguments and bytes as TensorFlow's ``tf.compat.v1.train`` checkpoint management
(``tensorflow/python/checkpoint/checkpoint_management.py``)::

    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> update_checkpoint_state(d, d + "/model.ckpt", save_relative_paths=True)
    >>> open(d + "/checkpoint").read()
    'model_checkpoint_path: "model.ckpt"\\nall_model_checkpoint_paths: "model.ckpt"\\n'
    >>> get_checkpoint_state(d).model_checkpoint_path == d + "/model.ckpt"
    True

The file is replaced atomically (temporary name, flush, fsync, rename; on an object store, one upload
written after the checkpoint's own files: see ``atomic_file``). Directories may be URLs (``s3://``, ``gs://``,
...; :mod:`tagraph.engine.framework.file_io`).
"""

import glob
import logging
import os
import re

from google.protobuf import text_format

from tagraph.protos.checkpoint_state_pb2 import CheckpointState
from tagraph.engine.framework import file_io
from tagraph.engine.framework.errors import NotFoundError, OpError
from tagraph.serialization.atomic_file import write_atomic

__all__ = [
    "CheckpointState", "generate_checkpoint_state_proto", "update_checkpoint_state",
    "update_checkpoint_state_internal", "get_checkpoint_state", "latest_checkpoint",
    "checkpoint_exists", "remove_checkpoint", "get_checkpoint_filename", "checkpoint_exists_internal",
    "meta_graph_filename", "get_checkpoint_mtimes",
]

_log = logging.getLogger(__name__)


def get_checkpoint_filename(save_dir, latest_filename=None):
    """``<save_dir>/<latest_filename or "checkpoint">``."""
    if latest_filename is None:
        latest_filename = "checkpoint"
    return os.path.join(os.fspath(save_dir), latest_filename)


def _relpath(path, start):
    # os.path.relpath refuses an empty start; TensorFlow's save_dir is "" for a bare file name.
    return os.path.relpath(path, start or os.curdir)


def generate_checkpoint_state_proto(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                                    all_model_checkpoint_timestamps=None, last_preserved_timestamp=None):
    """A ``CheckpointState``; paths made relative to ``save_dir`` when ``save_dir`` is relative.

    ``model_checkpoint_path`` is appended to ``all_model_checkpoint_paths`` when it is not already
    the last element. Raises ValueError if timestamps are given for a different number of paths.
    """
    save_dir = os.fspath(save_dir)
    model_checkpoint_path = os.fspath(model_checkpoint_path)
    paths = [os.fspath(p) for p in (all_model_checkpoint_paths or [])]
    if not paths or paths[-1] != model_checkpoint_path:
        _log.info("%s is not in all_model_checkpoint_paths. Manually adding it.", model_checkpoint_path)
        paths.append(model_checkpoint_path)
    if all_model_checkpoint_timestamps and len(all_model_checkpoint_timestamps) != len(paths):
        raise ValueError(
            "Checkpoint timestamps, if provided, must match checkpoint paths (got paths %s and "
            "timestamps %s)" % (paths, all_model_checkpoint_timestamps))
    if not os.path.isabs(save_dir):
        if not os.path.isabs(model_checkpoint_path):
            model_checkpoint_path = _relpath(model_checkpoint_path, save_dir)
        paths = [p if os.path.isabs(p) else _relpath(p, save_dir) for p in paths]
    return CheckpointState(
        model_checkpoint_path=model_checkpoint_path,
        all_model_checkpoint_paths=paths,
        all_model_checkpoint_timestamps=all_model_checkpoint_timestamps,
        last_preserved_timestamp=last_preserved_timestamp)


def update_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                            latest_filename=None, all_model_checkpoint_timestamps=None,
                            last_preserved_timestamp=None, save_relative_paths=False):
    """Atomically rewrites ``<save_dir>/checkpoint`` (or ``latest_filename``).

    With ``save_relative_paths``, absolute paths are written relative to ``save_dir`` (what
    ``Saver(save_relative_paths=True)`` does); relative paths given are written relative to a
    relative ``save_dir``. Raises RuntimeError if the checkpoint path is the state file itself.
    """
    save_dir = os.fspath(save_dir)
    model_checkpoint_path = os.fspath(model_checkpoint_path)
    paths = [os.fspath(p) for p in (all_model_checkpoint_paths or [])]
    coord_checkpoint_filename = get_checkpoint_filename(save_dir, latest_filename)
    if save_relative_paths:
        if os.path.isabs(model_checkpoint_path):
            model_checkpoint_path = _relpath(model_checkpoint_path, save_dir)
        paths = [_relpath(p, save_dir) if os.path.isabs(p) else p for p in paths]
    ckpt = generate_checkpoint_state_proto(
        save_dir, model_checkpoint_path, all_model_checkpoint_paths=paths,
        all_model_checkpoint_timestamps=all_model_checkpoint_timestamps,
        last_preserved_timestamp=last_preserved_timestamp)
    if coord_checkpoint_filename == ckpt.model_checkpoint_path:
        raise RuntimeError(
            "Save path '%s' conflicts with path used for checkpoint state.  Please use a different "
            "save path." % model_checkpoint_path)
    _atomic_write_string_to_file(coord_checkpoint_filename, text_format.MessageToString(ckpt))


def update_checkpoint_state_internal(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                                     latest_filename=None, save_relative_paths=False,
                                     all_model_checkpoint_timestamps=None, last_preserved_timestamp=None):
    """TensorFlow's argument order for :func:`update_checkpoint_state`."""
    update_checkpoint_state(
        save_dir, model_checkpoint_path, all_model_checkpoint_paths, latest_filename,
        all_model_checkpoint_timestamps, last_preserved_timestamp, save_relative_paths)


def _atomic_write_string_to_file(filename, contents):
    write_atomic(filename, contents)


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The ``CheckpointState`` in ``checkpoint_dir``, or None if there is none or it is unreadable.

    Relative paths in the file are joined to ``checkpoint_dir``. Raises ValueError if the file
    parses but names no ``model_checkpoint_path`` (as TensorFlow does).
    """
    checkpoint_dir = os.fspath(checkpoint_dir)
    filename = get_checkpoint_filename(checkpoint_dir, latest_filename)
    if not file_io.isfile(filename):
        return None
    try:
        content = file_io.read_file(filename)
        ckpt = CheckpointState()
        text_format.Merge(content.decode("utf-8"), ckpt)
    except (OSError, OpError, UnicodeDecodeError, text_format.ParseError) as e:
        _log.warning("%s: %s", type(e).__name__, e)
        _log.warning("%s: Checkpoint ignored", filename)
        return None
    if not ckpt.model_checkpoint_path:
        raise ValueError("Invalid checkpoint state loaded from " + checkpoint_dir)
    if not os.path.isabs(ckpt.model_checkpoint_path):
        ckpt.model_checkpoint_path = os.path.join(checkpoint_dir, ckpt.model_checkpoint_path)
    for i, p in enumerate(ckpt.all_model_checkpoint_paths):
        if not os.path.isabs(p):
            ckpt.all_model_checkpoint_paths[i] = os.path.join(checkpoint_dir, p)
    return ckpt


def _matching_files(pattern):
    if file_io.exists(pattern):
        return [pattern]
    return file_io.glob(pattern)


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint named by the state file, if its files exist; else None.

    Like TensorFlow, a V2 checkpoint (``<prefix>.index``) is looked for first, then a V1 file at
    the prefix itself.
    """
    ckpt = get_checkpoint_state(checkpoint_dir, latest_filename)
    if ckpt and ckpt.model_checkpoint_path:
        prefix = ckpt.model_checkpoint_path
        if _matching_files(prefix + ".index") or _matching_files(prefix):
            return prefix
        _log.error("Couldn't match files for checkpoint %s", prefix)
    return None


def checkpoint_exists(checkpoint_prefix):
    """Whether a V2 (``<prefix>.index``) or V1 (``<prefix>``) checkpoint exists at the prefix."""
    checkpoint_prefix = os.fspath(checkpoint_prefix)
    return bool(_matching_files(checkpoint_prefix + ".index") or _matching_files(checkpoint_prefix))


def checkpoint_exists_internal(checkpoint_prefix):
    """TensorFlow's name for :func:`checkpoint_exists` (what ``Saver.restore`` checks)."""
    return checkpoint_exists(checkpoint_prefix)


def meta_graph_filename(checkpoint_filename, meta_graph_suffix="meta"):
    """``<prefix>.meta`` for a checkpoint prefix, a sharded suffix (``-00001-of-00002``) removed."""
    basename = re.sub(r"-[\d\?]+-of-\d+$", "", os.fspath(checkpoint_filename))
    return ".".join([basename, meta_graph_suffix])


def get_checkpoint_mtimes(checkpoint_prefixes):
    """Modification times (seconds) of the checkpoints that exist, V2 (``.index``) then V1 files."""
    mtimes = []

    def match_maybe_append(pathname):
        fnames = sorted(_matching_files(pathname))
        if fnames:
            try:
                mtimes.append(file_io.stat(fnames[0]).mtime_nsec / 1e9)
            except NotFoundError:  # deleted meanwhile by another process
                return False
            return True
        return False

    for prefix in checkpoint_prefixes:
        prefix = os.fspath(prefix)
        if match_maybe_append(prefix + ".index"):
            continue
        match_maybe_append(prefix)
    return mtimes


def remove_checkpoint(checkpoint_prefix, checkpoint_format_version=2, meta_graph_suffix="meta"):
    """Deletes a V2 checkpoint's files: ``.index`` first (so it stops existing at once), every
    ``.data-?????-of-?????``, then the ``.meta``. TensorFlow's argument order; a string in the
    second place is taken as ``meta_graph_suffix``.
    """
    if isinstance(checkpoint_format_version, str):
        checkpoint_format_version, meta_graph_suffix = 2, checkpoint_format_version
    checkpoint_prefix = os.fspath(checkpoint_prefix)
    escaped = glob.escape(checkpoint_prefix)
    if checkpoint_format_version == 2:
        targets = [checkpoint_prefix + ".index"] + file_io.glob(escaped + ".data-?????-of-?????")
    else:
        targets = [checkpoint_prefix]
    targets.append(meta_graph_filename(checkpoint_prefix, meta_graph_suffix))
    for path in targets:
        try:
            file_io.remove(path)
        except NotFoundError:
            pass
