"""The summaries and session logs the training loop writes itself (steps per second, evaluation results,
checkpoint paths), as serialized ``tensorflow.Summary`` messages, and where they go: one FileWriter per
folder, shared through ``tg.summary.FileWriterCache`` as TensorFlow's hooks share theirs.

tagraph's protos have no Summary message; the few fields written here are encoded directly, with the
summary ops' wire encoder. Protobuf's wire format is deterministic for them (fields in number order), so the
bytes are TensorFlow's.

    writer = writer_for(model_dir)
    writer.add_summary(scalars([("global_step/sec", 12.5)]), global_step=100)
"""
import struct

import numpy as np

import tagraph.engine as tg
from tagraph.engine.framework.tensor_util import make_tensor_proto
from tagraph.engine.ops.summary_ops import _field, _varint  # the summary ops' wire encoder

__all__ = ["writer_for", "scalars", "summary_of_values", "string_tensor", "session_log", "SESSION_LOG_START",
           "SESSION_LOG_CHECKPOINT"]

SESSION_LOG_START = 1
SESSION_LOG_CHECKPOINT = 3


def _value(tag, simple_value=None, node_name=None, tensor=None):
    # Summary.Value: tag = 1, simple_value = 2 (a oneof member: written even when 0), node_name = 7, tensor = 8.
    out = _field(1, tag.encode("utf-8"))
    if simple_value is not None:
        out += _varint(2 << 3 | 5) + struct.pack("<f", simple_value)
    if node_name is not None:
        out += _field(7, node_name.encode("utf-8"))
    if tensor is not None:
        out += _field(8, tensor.SerializeToString())
    return _field(1, out)


def scalars(pairs):
    """A serialized Summary of ``(tag, number)`` pairs as ``simple_value``s."""
    return b"".join(_value(tag, simple_value=float(v)) for tag, v in pairs)


def summary_of_values(tagged):
    """A serialized Summary of ``(tag, value)`` pairs, each written as TensorFlow's Estimator writes an
    evaluation result: numbers as ``simple_value``, arrays as tensors (``node_name`` = tag); returns
    (bytes, the tags of values it cannot write)."""
    out, skipped = [], []
    for tag, v in tagged:
        if isinstance(v, (float, int, np.floating, np.integer)) and not isinstance(v, (bool, np.bool_)):
            out.append(_value(tag, simple_value=float(v)))
        elif isinstance(v, np.ndarray):
            out.append(_value(tag, node_name=tag, tensor=make_tensor_proto(v)))
        else:
            skipped.append(tag)
    return b"".join(out), skipped


def string_tensor(tag, text):
    """A serialized Summary of one string tensor (how the Estimator records its checkpoint path)."""
    return _value(tag, tensor=make_tensor_proto(text, dtype=tg.string))


def writer_for(logdir):
    """The FileWriter shared by everything that writes summaries into ``logdir``."""
    return tg.summary.FileWriterCache.get(logdir)


def session_log(status, checkpoint_path=""):
    """A SessionLog message (START or CHECKPOINT) for ``FileWriter.add_session_log``."""
    return tg.summary.SessionLog(status=status, checkpoint_path=checkpoint_path)
