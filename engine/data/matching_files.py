"""``tf.io.matching_files``: the MatchingFiles op (file names matching glob patterns), which
``Dataset.list_files`` builds on.

    names = tg.data.matching_files.matching_files("/data/train-*.tfrecord")    # a sorted string vector

A pattern matches as TensorFlow's ``GetMatchingPaths``: ``*``, ``?`` and ``[...]`` within one path component;
the matches of all the patterns come sorted together, as TensorFlow's kernel sorts them. A pattern that matches nothing
gives no names (``list_files`` turns that into its InvalidArgumentError).
"""
import glob
import os

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape

__all__ = ["matching_files"]


def matching_files(pattern, name=None):
    """The file names matching ``pattern`` (a string or a vector of them), sorted."""
    pattern = convert_to_tensor(pattern, dtype=dtypes.string, name="file_pattern" if name is None else None)
    return get_default_graph().create_op("MatchingFiles", [pattern], {}, name=name or "MatchingFiles").outputs[0]


def _matches(pattern):
    pattern = pattern.decode("utf-8") if isinstance(pattern, bytes) else str(pattern)
    if not glob.has_magic(pattern):
        return [pattern] if os.path.exists(pattern) else []
    return sorted(glob.glob(pattern))


@register_kernel("MatchingFiles", host_kind().device_type)
def _matching_files_kernel(ctx, pattern):
    patterns = np.asarray(pattern, dtype=object).reshape(-1)
    names = sorted(n.encode("utf-8") for p in patterns for n in _matches(p))
    out = np.empty(len(names), dtype=object)
    out[:] = names
    return out


register_shape("MatchingFiles")(lambda op: [TensorShape([None])])
not_differentiable("MatchingFiles")
