"""Predict, Classify, Regress and MultiInference on a loaded servable, with TensorFlow Serving's rules.

Shared by the gRPC and REST front ends: inputs are numpy arrays by alias, outputs come back the same
way, and every refusal is a :class:`ServingError` with TensorFlow Serving's code and message
(``predict_util.cc``, ``classifier.cc``, ``regressor.cc``, ``multi_inference.cc``). Model execution goes
through ``execute(servable, signature_key, inputs, output_keys)``: the servable itself, or the batcher.

    key, outputs = predict(servable, "", {"x": np.float32([[1, 1]])}, [], execute=run_directly)
"""
import numpy as np

from tagraph.serving.status import ServingError
from tagraph.serving.tensors import dtype_name, dtype_of

DEFAULT_SIGNATURE = "serving_default"
PREDICT_METHOD = "tensorflow/serving/predict"
CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"
CLASSIFY_INPUTS, CLASSIFY_CLASSES, CLASSIFY_SCORES = "inputs", "classes", "scores"
REGRESS_INPUTS, REGRESS_OUTPUTS = "inputs", "outputs"

_DT_STRING = 7
_DT_FLOAT = 1


def run_directly(servable, signature_key, inputs, output_keys):
    return servable.run(signature_key, inputs, output_keys)


class Options:
    """Server-wide switches that change request handling (TensorFlow Serving's flags of the same names)."""

    def __init__(self, enable_signature_method_name_check=False):
        self.enable_signature_method_name_check = enable_signature_method_name_check


DEFAULT_OPTIONS = Options()


def signature_key_of(name):
    return name or DEFAULT_SIGNATURE


def _join(keys):
    return ",".join(sorted(keys))


def _shape_str(shape):
    return "[%s]" % ",".join(str(d) for d in shape)


def check_input(signature_key, alias, spec, arr):
    """A request tensor must have the signature's dtype and fit its shape (INVALID_ARGUMENT naming it).

    ``spec``: (DataType enum, shape tuple with -1 for unknown dimensions, or None for unknown rank).
    """
    want, shape = spec
    got = dtype_of(arr).as_datatype_enum
    if got != want:
        raise ServingError.invalid_argument(
            "Expects input '%s' of signature '%s' to be %s but %s is provided"
            % (alias, signature_key, dtype_name(want), dtype_name(got)))
    if shape is not None:
        ashape = arr.shape
        if len(ashape) != len(shape) or any(d >= 0 and d != a for d, a in zip(shape, ashape)):
            raise ServingError.invalid_argument(
                "Input '%s' of signature '%s' has shape %s, which does not match the signature's shape %s"
                % (alias, signature_key, _shape_str(ashape), _shape_str(shape)))


def check_batch_sizes(signature_key, specs, inputs):
    """Inputs whose leading dimension is the batch (-1 in the signature) must agree on its size."""
    if len(inputs) < 2:
        return
    first = None
    for alias in sorted(inputs):
        shape = specs[alias][1]
        arr = inputs[alias]
        if not shape or shape[0] != -1 or arr.ndim == 0:
            continue
        if first is None:
            first = (alias, arr.shape[0])
        elif arr.shape[0] != first[1]:
            raise ServingError.invalid_argument(
                "Inputs of signature '%s' have different batch sizes (0th dimension): input '%s' has %d, "
                "input '%s' has %d" % (signature_key, first[0], first[1], alias, arr.shape[0]))


def predict_signature(servable, signature_name):
    key = signature_key_of(signature_name)
    sig = servable.signature_defs.get(key)
    if sig is None:
        raise ServingError.failed_precondition('Serving signature key "%s" not found.' % key)
    return key, sig


def predict(servable, signature_name, inputs, output_filter, execute=run_directly, options=DEFAULT_OPTIONS):
    """TensorFlow Serving's Predict on numpy ``inputs``; returns (signature key, {alias: array})."""
    key, output_keys = check_predict(servable, signature_name, inputs, output_filter, options)
    return key, execute(servable, key, inputs, output_keys)


def check_predict(servable, signature_name, inputs, output_filter, options=DEFAULT_OPTIONS):
    """Checks a Predict request against its signature; returns (signature key, output keys to run)."""
    key, sig = predict_signature(servable, signature_name)
    if options.enable_signature_method_name_check and \
            sig.method_name not in (PREDICT_METHOD, CLASSIFY_METHOD, REGRESS_METHOD):
        raise ServingError.internal(
            "Expected prediction signature method_name to be one of {%s, %s, %s}. Was: %s"
            % (PREDICT_METHOD, CLASSIFY_METHOD, REGRESS_METHOD, sig.method_name))
    sig_inputs = sig.inputs
    if len(inputs) > len(sig_inputs) or (len(inputs) < len(sig_inputs) and not sig.defaults):
        sent, wanted = set(inputs), set(sig_inputs)
        raise ServingError.invalid_argument(
            "input size does not match signature: %d!=%d len({%s}) != len({%s}). Sent extra: {%s}. "
            "Missing but required: {%s}." % (len(inputs), len(sig_inputs), _join(sent), _join(wanted),
                                             _join(sent - wanted), _join(wanted - sent)))
    for alias in inputs:
        if alias not in sig_inputs:
            raise ServingError.invalid_argument(
                "input tensor alias not found in signature: %s. Inputs expected to be in the set {%s}."
                % (alias, _join(sig_inputs)))
    output_keys = []
    for alias in output_filter:
        if alias not in sig.outputs:
            raise ServingError.invalid_argument(
                "output tensor alias not found in signature: %s Outputs expected to be in the set {%s}."
                % (alias, _join(sig.outputs)))
        if alias in output_keys:
            raise ServingError.invalid_argument("duplicate output tensor alias: %s" % alias)
        output_keys.append(alias)
    if not output_keys:
        output_keys = sorted(sig.outputs)
    # Checked where TensorFlow's Session::Run would refuse them: after the request's names are.
    specs = servable.input_specs[key]
    for alias, arr in inputs.items():
        check_input(key, alias, specs[alias], arr)
    check_batch_sizes(key, specs, inputs)
    return key, tuple(output_keys)


# --- tf.Example inputs (Classify, Regress, MultiInference) -----------------------------------------

def input_to_serialized_examples(input_proto):
    """``Input`` -> string vector of serialized Examples (a context is prepended, as TF Serving merges it)."""
    kind = input_proto.WhichOneof("kind")
    if kind == "example_list":
        serialized = [e.SerializeToString() for e in input_proto.example_list.examples]
    elif kind == "example_list_with_context":
        lst = input_proto.example_list_with_context
        context = lst.context.SerializeToString()
        # Concatenated protos merge: each example's features override the context's of the same name.
        serialized = [context + e.SerializeToString() for e in lst.examples]
    else:
        serialized = []
    if not serialized:
        raise ServingError.invalid_argument("Input is empty.")
    out = np.empty(len(serialized), dtype=object)
    out[:] = serialized
    return out


def _lookup_example_signature(servable, signature_name, kind):
    key = signature_key_of(signature_name)
    sig = servable.signature_defs.get(key)
    if sig is None:
        raise ServingError.invalid_argument("No signature was found with the name: %s" % key)
    return key, sig


def _classification_io(sig, options):
    if options.enable_signature_method_name_check and sig.method_name != CLASSIFY_METHOD:
        raise ServingError.invalid_argument("Expected classification signature method_name to be %s. Was: %s"
                                            % (CLASSIFY_METHOD, sig.method_name))
    if len(sig.inputs) != 1:
        raise ServingError.invalid_argument("Expected one input Tensor.")
    if len(sig.outputs) not in (1, 2):
        raise ServingError.invalid_argument("Expected one or two output Tensors, found %d" % len(sig.outputs))
    if CLASSIFY_INPUTS not in sig.inputs:
        raise ServingError.invalid_argument("No classification inputs found in SignatureDef: %s" % sig)
    outputs = [k for k in (CLASSIFY_CLASSES, CLASSIFY_SCORES) if k in sig.outputs]
    if not outputs:
        raise ServingError.invalid_argument(
            'Expected classification signature outputs to contain at least one of "%s" or "%s". '
            "Signature was: %s" % (CLASSIFY_CLASSES, CLASSIFY_SCORES, sig))
    return outputs


def _regression_io(sig, options):
    if options.enable_signature_method_name_check and sig.method_name != REGRESS_METHOD:
        raise ServingError.invalid_argument("Expected regression signature method_name to be %s. Was: %s"
                                            % (REGRESS_METHOD, sig.method_name))
    if len(sig.inputs) != 1:
        raise ServingError.invalid_argument("Expected one input Tensor.")
    if len(sig.outputs) != 1:
        raise ServingError.invalid_argument("Expected one output Tensor.")
    if REGRESS_INPUTS not in sig.inputs:
        raise ServingError.invalid_argument("No regression inputs found in SignatureDef: %s" % sig)
    if REGRESS_OUTPUTS not in sig.outputs:
        raise ServingError.invalid_argument("No regression outputs found in SignatureDef: %s" % sig)
    return [REGRESS_OUTPUTS]


def _run_examples(servable, key, sig, examples, output_keys, execute):
    check_input(key, CLASSIFY_INPUTS, servable.input_specs[key][CLASSIFY_INPUTS], examples)
    return execute(servable, key, {CLASSIFY_INPUTS: examples}, tuple(output_keys))


def _shape_debug(arr):
    return "[%s]" % ",".join(str(d) for d in arr.shape)


def classification_result(outputs, num_examples, result):
    """Fill a ClassificationResult from the ``classes`` / ``scores`` outputs (TF Serving's checks)."""
    classes = outputs.get(CLASSIFY_CLASSES)
    scores = outputs.get(CLASSIFY_SCORES)
    if classes is not None:
        if classes.ndim != 2:
            raise ServingError.invalid_argument(
                "Expected Tensor shape: [batch_size num_classes] but got %s" % _shape_debug(classes))
        if dtype_of(classes).as_datatype_enum != _DT_STRING:
            raise ServingError.invalid_argument("Expected classes Tensor of DT_STRING. Got: DT_%s"
                                                % dtype_of(classes).name.upper())
        if classes.shape[0] != num_examples:
            raise ServingError.invalid_argument("Expected classes output batch size of %d. Got: %d"
                                                % (num_examples, classes.shape[0]))
    if scores is not None:
        if scores.ndim != 2:
            raise ServingError.invalid_argument(
                "Expected Tensor shape: [batch_size num_classes] but got %s" % _shape_debug(scores))
        if scores.dtype != np.float32:
            raise ServingError.invalid_argument("Expected scores Tensor of DT_FLOAT. Got: DT_%s"
                                                % dtype_of(scores).name.upper())
        if scores.shape[0] != num_examples:
            raise ServingError.invalid_argument("Expected scores output batch size of %d. Got: %d"
                                                % (num_examples, scores.shape[0]))
    if classes is not None and scores is not None and classes.shape[1] != scores.shape[1]:
        raise ServingError.invalid_argument("Tensors class and score should match in dim_size(1). Got %d vs. %d"
                                            % (classes.shape[1], scores.shape[1]))
    num_classes = (classes if classes is not None else scores).shape[1]
    for i in range(num_examples):
        row = result.classifications.add()
        for c in range(num_classes):
            cl = row.classes.add()
            if classes is not None:
                label = classes[i, c]
                cl.label = label.decode("utf-8", "replace") if isinstance(label, bytes) else str(label)
            if scores is not None:
                cl.score = float(scores[i, c])
    return result


def regression_result(outputs, num_examples, result):
    """Fill a RegressionResult from the ``outputs`` output (TF Serving's checks)."""
    out = outputs[REGRESS_OUTPUTS]
    if not (out.ndim == 1 or (out.ndim == 2 and out.shape[1] == 1)):
        raise ServingError.invalid_argument(
            "Expected output Tensor shape to be either [batch_size] or [batch_size, 1] but got %s"
            % _shape_debug(out))
    if out.shape[0] != num_examples:
        raise ServingError.invalid_argument("Input batch size did not match output batch size: %d vs. %d"
                                            % (num_examples, out.shape[0]))
    if out.dtype != np.float32:
        raise ServingError.invalid_argument("Expected output Tensor of DT_FLOAT.  Got: DT_%s"
                                            % dtype_of(out).name.upper())
    for v in out.reshape(-1).tolist():
        result.regressions.add(value=v)
    return result


def classify(servable, signature_name, examples, result, execute=run_directly, options=DEFAULT_OPTIONS):
    """Classify serialized Examples into ``result`` (a ClassificationResult); returns the signature key."""
    key, sig = _lookup_example_signature(servable, signature_name, "classification")
    output_keys = _classification_io(sig, options)
    outputs = _run_examples(servable, key, sig, examples, output_keys, execute)
    classification_result(outputs, len(examples), result)
    return key


def regress(servable, signature_name, examples, result, execute=run_directly, options=DEFAULT_OPTIONS):
    """Regress serialized Examples into ``result`` (a RegressionResult); returns the signature key."""
    key, sig = _lookup_example_signature(servable, signature_name, "regression")
    output_keys = _regression_io(sig, options)
    outputs = _run_examples(servable, key, sig, examples, output_keys, execute)
    regression_result(outputs, len(examples), result)
    return key


def multi_inference(servable, tasks, examples, response, version, execute=run_directly, options=DEFAULT_OPTIONS):
    """MultiInference: several classify/regress signatures of one model on the same Examples."""
    model_name, seen = "", set()
    plan = []
    for task in tasks:
        if not task.model_spec.name:
            raise ServingError.invalid_argument("Found ModelSpec with an empty model name.")
        if not model_name:
            model_name = task.model_spec.name
        elif model_name != task.model_spec.name:
            raise ServingError.invalid_argument(
                "All ModelSpecs in a MultiInferenceRequest must access the same model name.")
        key = signature_key_of(task.model_spec.signature_name)
        if key in seen:
            raise ServingError.invalid_argument("Duplicate evaluation of signature: %s" % key)
        seen.add(key)
        sig = servable.signature_defs.get(key)
        if sig is None:
            raise ServingError.invalid_argument("Requested signature not found in model graph: %s" % key)
        if task.method_name == CLASSIFY_METHOD:
            plan.append((task, key, sig, _classification_io(sig, options)))
        elif task.method_name == REGRESS_METHOD:
            plan.append((task, key, sig, _regression_io(sig, options)))
        else:
            raise ServingError.unimplemented("Unsupported signature method_name: %s" % task.method_name)
    for task, key, sig, output_keys in plan:
        outputs = _run_examples(servable, key, sig, examples, output_keys, execute)
        res = response.results.add()
        if task.method_name == CLASSIFY_METHOD:
            classification_result(outputs, len(examples), res.classification_result)
        else:
            regression_result(outputs, len(examples), res.regression_result)
        res.model_spec.name = task.model_spec.name
        res.model_spec.signature_name = key
        res.model_spec.version.value = version
    return response
