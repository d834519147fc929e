"""Building and checking SignatureDefs, with TensorFlow's rules (``tf.saved_model.signature_def_utils``).

    sig = signature_def_utils.predict_signature_def(inputs={"x": x}, outputs={"y": y})
    assert signature_def_utils.is_valid_signature(sig)

A predict signature maps any named inputs to any named outputs. A classify signature takes one string
input (serialized ``tf.Example``s) under ``inputs`` and gives float ``scores`` and/or string ``classes``;
a regress signature takes the same input and gives float ``outputs``.
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import Tensor
from tagraph.engine.framework.tensor_util import make_tensor_proto
from tagraph.protos import meta_graph_pb2
from tagraph.serialization.saved_model import signature_constants as sc
from tagraph.serialization.saved_model import utils

__all__ = ["build_signature_def", "predict_signature_def", "classification_signature_def",
           "regression_signature_def", "supervised_train_signature_def", "supervised_eval_signature_def",
           "is_valid_signature"]

_DT_STRING = 7
_DT_FLOAT = 1


def _dtype_name(enum):
    try:
        return dtypes.as_dtype(enum).name
    except (TypeError, ValueError, KeyError):
        return str(enum)


def build_signature_def(inputs=None, outputs=None, method_name=None, defaults=None):
    """A SignatureDef from dicts of TensorInfo protos and a method name.

    ``defaults`` maps input names to default values (stored as TensorProtos, as TensorFlow 2 does).
    """
    sig = meta_graph_pb2.SignatureDef()
    for key, info in (inputs or {}).items():
        sig.inputs[key].CopyFrom(info)
    for key, info in (outputs or {}).items():
        sig.outputs[key].CopyFrom(info)
    if method_name is not None:
        sig.method_name = method_name
    if defaults is not None:
        for key, value in defaults.items():
            if key not in sig.inputs:
                raise ValueError("Default given for '%s', which is not an input of the signature (inputs: %s)"
                                 % (key, ", ".join(sorted(sig.inputs)) or "none"))
            proto = value if hasattr(value, "tensor_shape") else make_tensor_proto(value, sig.inputs[key].dtype)
            sig.defaults[key].CopyFrom(proto)
    return sig


def _is_tensor(t):
    return isinstance(t, Tensor)


def regression_signature_def(examples, predictions):
    """A regress SignatureDef: string ``examples`` -> float ``predictions``."""
    if examples is None:
        raise ValueError("Regression `examples` cannot be None.")
    if not _is_tensor(examples):
        raise ValueError("Expected regression `examples` to be of type Tensor. Found `examples` of type %s."
                         % type(examples).__name__)
    if predictions is None:
        raise ValueError("Regression `predictions` cannot be None.")
    input_info = utils.build_tensor_info(examples)
    if input_info.dtype != _DT_STRING:
        raise ValueError("Regression input tensors must be of type string. Found tensors with type %s."
                         % _dtype_name(input_info.dtype))
    output_info = utils.build_tensor_info(predictions)
    if output_info.dtype != _DT_FLOAT:
        raise ValueError("Regression output tensors must be of type float. Found tensors with type %s."
                         % _dtype_name(output_info.dtype))
    return build_signature_def({sc.REGRESS_INPUTS: input_info}, {sc.REGRESS_OUTPUTS: output_info},
                               sc.REGRESS_METHOD_NAME)


def classification_signature_def(examples, classes, scores):
    """A classify SignatureDef: string ``examples`` -> string ``classes`` and/or float ``scores``."""
    if examples is None:
        raise ValueError("Classification `examples` cannot be None.")
    if not _is_tensor(examples):
        raise ValueError("Expected classification `examples` to be of type Tensor. Found `examples` of type %s."
                         % type(examples).__name__)
    if classes is None and scores is None:
        raise ValueError("Classification `classes` and `scores` cannot both be None.")
    input_info = utils.build_tensor_info(examples)
    if input_info.dtype != _DT_STRING:
        raise ValueError("Classification input tensors must be of type string. Found tensors of type %s"
                         % _dtype_name(input_info.dtype))
    outputs = {}
    if classes is not None:
        info = utils.build_tensor_info(classes)
        if info.dtype != _DT_STRING:
            raise ValueError("Classification classes must be of type string Tensor. Found tensors of type %s."
                             % _dtype_name(info.dtype))
        outputs[sc.CLASSIFY_OUTPUT_CLASSES] = info
    if scores is not None:
        info = utils.build_tensor_info(scores)
        if info.dtype != _DT_FLOAT:
            raise ValueError("Classification scores must be a float Tensor. Found tensors of type %s."
                             % _dtype_name(info.dtype))
        outputs[sc.CLASSIFY_OUTPUT_SCORES] = info
    return build_signature_def({sc.CLASSIFY_INPUTS: input_info}, outputs, sc.CLASSIFY_METHOD_NAME)


def predict_signature_def(inputs, outputs):
    """A predict SignatureDef from dicts of named input and output tensors.

        sig = predict_signature_def({"x": x}, {"y": y})
    """
    if not inputs:
        raise ValueError("Prediction `inputs` cannot be None or empty.")
    if not outputs:
        raise ValueError("Prediction `outputs` cannot be None or empty.")
    return build_signature_def({k: utils.build_tensor_info(t) for k, t in inputs.items()},
                               {k: utils.build_tensor_info(t) for k, t in outputs.items()},
                               sc.PREDICT_METHOD_NAME)


def _supervised(method_name, inputs, loss, predictions, metrics):
    if inputs is None:
        raise ValueError("Supervised `inputs` cannot be None.")
    if not isinstance(inputs, dict):
        inputs = {"inputs": inputs}
    outputs = {}
    for prefix, group in (("loss", loss), ("predictions", predictions), ("metrics", metrics)):
        if group is None:
            continue
        if not isinstance(group, dict):
            group = {prefix: group}
        for k, t in group.items():
            outputs[k] = utils.build_tensor_info(t)
    return build_signature_def({k: utils.build_tensor_info(t) for k, t in inputs.items()}, outputs, method_name)


def supervised_train_signature_def(inputs, loss, predictions=None, metrics=None):
    return _supervised(sc.SUPERVISED_TRAIN_METHOD_NAME, inputs, loss, predictions, metrics)


def supervised_eval_signature_def(inputs, loss, predictions=None, metrics=None):
    return _supervised(sc.SUPERVISED_EVAL_METHOD_NAME, inputs, loss, predictions, metrics)


def is_valid_signature(signature_def):
    """Whether ``signature_def`` is a valid predict, classify or regress signature by TensorFlow's rules."""
    if signature_def is None:
        return False
    return (_is_valid_classification_signature(signature_def) or
            _is_valid_regression_signature(signature_def) or
            _is_valid_predict_signature(signature_def))


def _is_valid_predict_signature(sig):
    return sig.method_name == sc.PREDICT_METHOD_NAME and bool(sig.inputs) and bool(sig.outputs)


def _is_valid_regression_signature(sig):
    if sig.method_name != sc.REGRESS_METHOD_NAME:
        return False
    if set(sig.inputs.keys()) != {sc.REGRESS_INPUTS}:
        return False
    if sig.inputs[sc.REGRESS_INPUTS].dtype != _DT_STRING:
        return False
    if set(sig.outputs.keys()) != {sc.REGRESS_OUTPUTS}:
        return False
    return sig.outputs[sc.REGRESS_OUTPUTS].dtype == _DT_FLOAT


def _is_valid_classification_signature(sig):
    if sig.method_name != sc.CLASSIFY_METHOD_NAME:
        return False
    if set(sig.inputs.keys()) != {sc.CLASSIFY_INPUTS}:
        return False
    if sig.inputs[sc.CLASSIFY_INPUTS].dtype != _DT_STRING:
        return False
    allowed = {sc.CLASSIFY_OUTPUT_CLASSES, sc.CLASSIFY_OUTPUT_SCORES}
    if not sig.outputs or set(sig.outputs.keys()) - allowed:
        return False
    if sc.CLASSIFY_OUTPUT_CLASSES in sig.outputs and sig.outputs[sc.CLASSIFY_OUTPUT_CLASSES].dtype != _DT_STRING:
        return False
    if sc.CLASSIFY_OUTPUT_SCORES in sig.outputs and sig.outputs[sc.CLASSIFY_OUTPUT_SCORES].dtype != _DT_FLOAT:
        return False
    return True
