"""Serving input receivers and export outputs: how an Estimator's SavedModel is fed and what it answers.

    feature_spec = {"x": tg.FixedLenFeature([4], tg.float32)}
    receiver_fn = build_parsing_serving_input_receiver_fn(feature_spec)
    estimator.export_saved_model("/tmp/export", receiver_fn)
    garbage_collect_exports("/tmp/export", exports_to_keep=3)      # the guide leaves this to the user

Each export output maps to its SignatureDef as TensorFlow maps it: ClassificationOutput -> a classify
signature (input "inputs": serialized tf.Examples; outputs "classes" and/or "scores"), RegressionOutput ->
regress ("inputs" -> "outputs"), PredictOutput -> predict (the receiver tensors -> the named outputs).
"""
import collections
import logging
import os
import re
import shutil

import numpy as np

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import Tensor
from tagraph.engine.ops import array_ops
from tagraph.engine.ops import parsing_ops
from tagraph.serialization.saved_model import signature_constants, signature_def_utils

__all__ = ["ServingInputReceiver", "build_parsing_serving_input_receiver_fn", "build_raw_serving_input_receiver_fn",
           "ExportOutput", "ClassificationOutput", "RegressionOutput", "PredictOutput", "default_export_outputs",
           "build_all_signature_defs", "garbage_collect_exports", "SINGLE_FEATURE_DEFAULT_NAME",
           "SINGLE_RECEIVER_DEFAULT_NAME", "SINGLE_LABEL_DEFAULT_NAME"]

logger = logging.getLogger("tagraph.estimator")

SINGLE_FEATURE_DEFAULT_NAME = "feature"
SINGLE_RECEIVER_DEFAULT_NAME = "input"
SINGLE_LABEL_DEFAULT_NAME = "label"


class ServingInputReceiver(collections.namedtuple(
        "ServingInputReceiver", ["features", "receiver_tensors", "receiver_tensors_alternatives"])):
    """The features a model_fn gets at serving time, and the tensors a request feeds."""

    def __new__(cls, features, receiver_tensors, receiver_tensors_alternatives=None):
        if features is None:
            raise ValueError("features must be defined.")
        if not isinstance(features, dict):
            features = {SINGLE_FEATURE_DEFAULT_NAME: features}
        if receiver_tensors is None:
            raise ValueError("receiver_tensors must be defined.")
        if not isinstance(receiver_tensors, dict):
            receiver_tensors = {SINGLE_RECEIVER_DEFAULT_NAME: receiver_tensors}
        for name, t in list(features.items()) + list(receiver_tensors.items()):
            _check_tensor(name, t)
        if receiver_tensors_alternatives is not None:
            if not isinstance(receiver_tensors_alternatives, dict):
                raise ValueError("receiver_tensors_alternatives must be a dict: %r" % (receiver_tensors_alternatives,))
            alternatives = {}
            for alt_name, alt in receiver_tensors_alternatives.items():
                if not isinstance(alt, dict):
                    alt = {SINGLE_RECEIVER_DEFAULT_NAME: alt}
                for name, t in alt.items():
                    _check_tensor(name, t)
                alternatives[alt_name] = alt
            receiver_tensors_alternatives = alternatives
        return super().__new__(cls, features, receiver_tensors, receiver_tensors_alternatives)


def _check_tensor(name, t):
    if not isinstance(name, str):
        raise ValueError("feature and receiver keys must be strings, got %r" % (name,))
    if not isinstance(t, Tensor) and not getattr(type(t), "_tg_sparse_tensor", False):
        raise ValueError("%r must be a Tensor or SparseTensor, got %r" % (name, t))


def build_parsing_serving_input_receiver_fn(feature_spec, default_batch_size=None):
    """A receiver fn that takes serialized tf.Examples (key "examples") and parses them with feature_spec."""
    def serving_input_receiver_fn():
        serialized = array_ops.placeholder(dtypes.string, [default_batch_size], name="input_example_tensor")
        features = parsing_ops.parse_example(serialized, feature_spec)
        return ServingInputReceiver(features, {"examples": serialized})
    return serving_input_receiver_fn


def build_raw_serving_input_receiver_fn(features, default_batch_size=None):
    """A receiver fn with one placeholder per feature, fed directly (no tf.Example parsing).

    ``features`` maps names to Tensors (a placeholder is made with the same dtype, shape and op name, as
    TensorFlow does) or to example numpy arrays (a batch: dtype and shape after the first dimension).

        receiver_fn = build_raw_serving_input_receiver_fn({"x": np.zeros([1, 4], np.float32)})
    """
    def serving_input_receiver_fn():
        receivers = {}
        for name, t in features.items():
            if isinstance(t, Tensor):
                dtype = t.dtype.base_dtype
                dims = t.shape.dims
                ph_name = t.op.name
            else:
                a = np.asarray(t)
                dtype = dtypes.string if a.dtype.kind in "USO" else dtypes.as_dtype(a.dtype)
                dims = list(a.shape)
                ph_name = re.sub(r"[^A-Za-z0-9_.\-/]", "_", str(name)).strip("/") or "input"
                if not (ph_name[0].isalnum() or ph_name[0] == "."):
                    ph_name = "input_" + ph_name
            shape = None if dims is None else ([default_batch_size] + list(dims[1:]) if dims else [])
            receivers[name] = array_ops.placeholder(dtype, shape, name=ph_name)
        return ServingInputReceiver(dict(receivers), receivers)
    return serving_input_receiver_fn


class ExportOutput:
    """Base of the three kinds of export output; each knows its SignatureDef."""

    def as_signature_def(self, receiver_tensors):
        raise NotImplementedError


def _single_string_input(receiver_tensors, what):
    if len(receiver_tensors) != 1:
        raise ValueError("%s input must be a single string Tensor; got %r" % (what, receiver_tensors))
    (t,) = receiver_tensors.values()
    if t.dtype.base_dtype != dtypes.string:
        raise ValueError("%s input must be a single string Tensor; got %r" % (what, receiver_tensors))
    return t


class ClassificationOutput(ExportOutput):
    """A classify head: float ``scores`` [batch, classes] and/or string ``classes`` [batch, classes]."""

    def __init__(self, scores=None, classes=None):
        if scores is None and classes is None:
            raise ValueError("At least one of scores and classes must be set.")
        if scores is not None and not (isinstance(scores, Tensor) and scores.dtype.is_floating):
            raise ValueError("Classification scores must be a float32 Tensor; got %r" % (scores,))
        if classes is not None and not (isinstance(classes, Tensor) and classes.dtype.base_dtype == dtypes.string):
            raise ValueError("Classification classes must be a string Tensor; got %r" % (classes,))
        self.scores, self.classes = scores, classes

    def as_signature_def(self, receiver_tensors):
        examples = _single_string_input(receiver_tensors, "Classification")
        return signature_def_utils.classification_signature_def(examples, self.classes, self.scores)


class RegressionOutput(ExportOutput):
    """A regress head: one float ``value`` per example."""

    def __init__(self, value):
        if not (isinstance(value, Tensor) and value.dtype.is_floating):
            raise ValueError("Regression output value must be a float32 Tensor; got %r" % (value,))
        self.value = value

    def as_signature_def(self, receiver_tensors):
        examples = _single_string_input(receiver_tensors, "Regression")
        return signature_def_utils.regression_signature_def(examples, self.value)


class PredictOutput(ExportOutput):
    """A predict head: a Tensor (key "output") or a dict of named Tensors."""

    def __init__(self, outputs):
        if isinstance(outputs, Tensor):
            outputs = {"output": outputs}
        if not isinstance(outputs, dict) or not outputs:
            raise ValueError("Prediction outputs must be a Tensor or a non-empty dict of Tensors; got %r" % (outputs,))
        for k, v in outputs.items():
            if not isinstance(k, str):
                raise ValueError("Prediction output key must be a string; got %r." % (k,))
            if not isinstance(v, Tensor):
                raise ValueError("Prediction output value must be a Tensor; got %r (key %r)." % (v, k))
        self.outputs = dict(outputs)

    def as_signature_def(self, receiver_tensors):
        return signature_def_utils.predict_signature_def(receiver_tensors, self.outputs)


def default_export_outputs(export_outputs, predictions):
    """TensorFlow's rule: none given means PredictOutput(predictions) as the default signature; one given is
    also the default; several must name the default."""
    default_key = signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY
    if not export_outputs:
        return {default_key: PredictOutput(predictions)}
    if not isinstance(export_outputs, dict):
        raise TypeError("export_outputs must be dict, given: %r" % (export_outputs,))
    for k, v in export_outputs.items():
        if not isinstance(v, ExportOutput):
            raise TypeError("Values in export_outputs must be ExportOutput objects. Given: %r" % (export_outputs,))
    if default_key not in export_outputs:
        if len(export_outputs) == 1:
            export_outputs = dict(export_outputs)
            export_outputs[default_key] = next(iter(export_outputs.values()))
        else:
            raise ValueError("Multiple export_outputs were provided, but none of them is specified as the "
                             "default. Do this by naming one of them with "
                             "signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY.")
    return export_outputs


def build_all_signature_defs(receiver_tensors, export_outputs, receiver_tensors_alternatives=None):
    """A SignatureDef per export output, keyed as TensorFlow keys them.

    Each output's key names its signature for ``receiver_tensors``; with ``receiver_tensors_alternatives``
    ({name: tensors}), each alternative adds ``"<name>:<output key>"`` signatures. Outputs that cannot take
    the receivers (a classify or regress head needs one string input) are left out, with a warning.
    """
    if not isinstance(receiver_tensors, dict):
        receiver_tensors = {SINGLE_RECEIVER_DEFAULT_NAME: receiver_tensors}
    if export_outputs is None or not isinstance(export_outputs, dict):
        raise ValueError("export_outputs must be a dict and not %s" % type(export_outputs))
    out, excluded = {}, {}

    def add(name, export_output, receivers):
        try:
            out[name] = export_output.as_signature_def(receivers)
        except ValueError as e:
            excluded[name] = str(e)

    for key, export_output in export_outputs.items():
        add("%s" % (key or "None"), export_output, receiver_tensors)
    for receiver_name, alt in (receiver_tensors_alternatives or {}).items():
        if not isinstance(alt, dict):
            alt = {SINGLE_RECEIVER_DEFAULT_NAME: alt}
        for key, export_output in export_outputs.items():
            add("%s:%s" % (receiver_name or "None", key or "None"), export_output, alt)
    for name, why in sorted(excluded.items()):
        logger.warning("Export includes no signature for %r: %s", name, why)
    valid = {}
    for name, sig in out.items():
        if signature_def_utils.is_valid_signature(sig):
            valid[name] = sig
        else:
            logger.warning("Export output %r gives an invalid signature; not exported.", name)
    return valid


def garbage_collect_exports(export_dir_base, exports_to_keep):
    """Deletes all but the newest ``exports_to_keep`` timestamped exports under ``export_dir_base``.

        est.export_saved_model(base, receiver_fn)
        export.garbage_collect_exports(base, exports_to_keep=5)     # -> the paths it deleted

    Only folders whose names are integers (the timestamps exports are written under) count; a
    ``temp-<timestamp>`` folder of an export still being written, and anything else, is left alone.
    Returns the deleted paths, oldest first.
    """
    if exports_to_keep is None:
        return []
    if int(exports_to_keep) < 0:
        raise ValueError("exports_to_keep must be >= 0, given: %r" % (exports_to_keep,))
    base = os.fspath(export_dir_base)
    if isinstance(base, bytes):
        base = base.decode()
    try:
        names = os.listdir(base)
    except FileNotFoundError:
        return []
    versions = sorted(int(n) for n in names if n.isdigit() and os.path.isdir(os.path.join(base, n)))
    doomed = versions[:max(len(versions) - int(exports_to_keep), 0)]
    deleted = []
    for v in doomed:
        path = os.path.join(base, str(v))
        try:
            shutil.rmtree(path)
            deleted.append(path)
        except OSError as e:  # as TensorFlow's exporters: a failed delete is logged, not raised
            logger.warning("Can not delete %s recursively: %s", path, e)
    return deleted
