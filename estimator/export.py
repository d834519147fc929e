"""Serving input receivers and export outputs: how an Estimator's SavedModel is fed and what it answers.

    feature_spec = {"x": tg.FixedLenFeature([4], tg.float32)}
    receiver_fn = build_parsing_serving_input_receiver_fn(feature_spec)
    estimator.export_saved_model("/tmp/export", receiver_fn)
"""
import collections
import logging

import numpy as np

from tagraph.engine import dtypes
from tagraph.engine.graph import Tensor
from tagraph.engine.ops import array_ops

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
            if not isinstance(name, str):
                raise ValueError("feature and receiver keys must be strings, got %r" % (name,))
            if not isinstance(t, Tensor) and not hasattr(t, "values"):
                raise ValueError("%r must be a Tensor, got %r" % (name, t))
        return super().__new__(cls, features, receiver_tensors, receiver_tensors_alternatives)


def build_parsing_serving_input_receiver_fn(feature_spec, default_batch_size=None):
    """A receiver fn that takes serialized tf.Examples (key "examples") and parses them with feature_spec."""
    def serving_input_receiver_fn():
        from tagraph.engine.ops import parsing_ops
        serialized = array_ops.placeholder(dtypes.string, [default_batch_size], name="input_example_tensor")
        features = parsing_ops.parse_example(serialized, feature_spec)
        return ServingInputReceiver(features, {"examples": serialized})
    return serving_input_receiver_fn


def build_raw_serving_input_receiver_fn(features, default_batch_size=None):
    """A receiver fn with one placeholder per feature, shaped like the given tensors or arrays."""
    def serving_input_receiver_fn():
        receivers = {}
        for name, t in features.items():
            if isinstance(t, Tensor):
                dtype, shape = t.dtype.base_dtype, t.shape.dims
            else:
                a = np.asarray(t)
                dtype, shape = dtypes.as_dtype(a.dtype), list(a.shape)
            shape = [default_batch_size] + list(shape[1:]) if shape else None
            receivers[name] = array_ops.placeholder(dtype, shape, name=name)
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
    def __init__(self, scores=None, classes=None):
        if scores is None and classes is None:
            raise ValueError("At least one of scores and classes must be set.")
        if scores is not None and not (isinstance(scores, Tensor) and scores.dtype.is_floating):
            raise ValueError("Classification scores must be a float32 Tensor; got %r" % (scores,))
        if classes is not None and not (isinstance(classes, Tensor) and classes.dtype.base_dtype == dtypes.string):
            raise ValueError("Classification classes must be a string Tensor; got %r" % (classes,))
        self.scores, self.classes = scores, classes

    def as_signature_def(self, receiver_tensors):
        from tagraph.serialization.saved_model import signature_def_utils
        examples = _single_string_input(receiver_tensors, "Classification")
        return signature_def_utils.classification_signature_def(examples, self.classes, self.scores)


class RegressionOutput(ExportOutput):
    def __init__(self, value):
        if not (isinstance(value, Tensor) and value.dtype.is_floating):
            raise ValueError("Regression output value must be a float32 Tensor; got %r" % (value,))
        self.value = value

    def as_signature_def(self, receiver_tensors):
        from tagraph.serialization.saved_model import signature_def_utils
        examples = _single_string_input(receiver_tensors, "Regression")
        return signature_def_utils.regression_signature_def(examples, self.value)


class PredictOutput(ExportOutput):
    def __init__(self, outputs):
        if isinstance(outputs, Tensor):
            outputs = {"output": outputs}
        if not isinstance(outputs, dict) or not outputs:
            raise ValueError("Prediction outputs must be a Tensor or a non-empty dict of Tensors; got %r" % (outputs,))
        self.outputs = outputs

    def as_signature_def(self, receiver_tensors):
        from tagraph.serialization.saved_model import signature_def_utils
        return signature_def_utils.predict_signature_def(receiver_tensors, self.outputs)


def default_export_outputs(export_outputs, predictions):
    """TensorFlow's rule: none given means PredictOutput(predictions) as the default signature; one given is
    also the default; several must name the default."""
    from tagraph.serialization.saved_model import signature_constants
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


def build_all_signature_defs(receiver_tensors, export_outputs):
    """A SignatureDef per export output; outputs that cannot take these receivers are left out, logged."""
    from tagraph.serialization.saved_model import signature_def_utils
    out = {}
    for key, export_output in export_outputs.items():
        try:
            sig = export_output.as_signature_def(receiver_tensors)
        except ValueError as e:
            logger.warning("Export output %r is not exported: %s", key, e)
            continue
        if signature_def_utils.is_valid_signature(sig):
            out[key] = sig
        else:
            logger.warning("Export output %r gives an invalid signature; not exported.", key)
    return out
