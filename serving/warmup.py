"""Model warmup: replay ``assets.extra/tf_serving_warmup_requests`` before a version serves.

The file is a TFRecord of ``PredictionLog`` records, as TensorFlow Serving reads it; both checksums of
each record are verified (a mismatch or a cut record fails the load with DATA_LOSS). Predict, Classify, Regress and MultiInference
logs are replayed ``num_request_iterations`` times each; any failure fails the load. At most 1000
records, TensorFlow Serving's limit.

    n = run_warmup(servable, num_request_iterations=1)     # records replayed
"""
import logging
import os

from tagraph.protos import classification_pb2, inference_pb2, predict_pb2, regression_pb2
from tagraph.engine.framework import file_io
from tagraph.engine.framework.errors import DataLossError
from tagraph.engine.framework.tfrecord import tf_record_iterator
from tagraph.serving import extra_protos, inference
from tagraph.serving.status import DATA_LOSS, ServingError
from tagraph.serving.tensors import proto_to_ndarray

logger = logging.getLogger("tagraph.serving")

WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
MAX_NUM_RECORDS = 1000


def _records(path):
    try:
        yield from tf_record_iterator(path)
    except DataLossError as e:
        raise ServingError(DATA_LOSS, "%s in %s" % (e.message, path)) from None


def _replay(servable, log, options):
    kind = log.WhichOneof("log_type")
    if kind == "predict_log":
        req = predict_pb2.PredictRequest.FromString(log.predict_log.request)
        inputs = {k: proto_to_ndarray(v, k) for k, v in req.inputs.items()}
        inference.predict(servable, req.model_spec.signature_name, inputs, list(req.output_filter),
                          options=options)
    elif kind == "classify_log":
        req = classification_pb2.ClassificationRequest.FromString(log.classify_log.request)
        inference.classify(servable, req.model_spec.signature_name,
                           inference.input_to_serialized_examples(req.input),
                           classification_pb2.ClassificationResult(), options=options)
    elif kind == "regress_log":
        req = regression_pb2.RegressionRequest.FromString(log.regress_log.request)
        inference.regress(servable, req.model_spec.signature_name,
                          inference.input_to_serialized_examples(req.input),
                          regression_pb2.RegressionResult(), options=options)
    elif kind == "multi_inference_log":
        req = inference_pb2.MultiInferenceRequest.FromString(log.multi_inference_log.request)
        inference.multi_inference(servable, req.tasks, inference.input_to_serialized_examples(req.input),
                                  inference_pb2.MultiInferenceResponse(), servable.version, options=options)
    else:
        raise ServingError.unimplemented("Unsupported log_type for warmup: %s" % kind)


def run_warmup(servable, num_request_iterations=1, options=inference.DEFAULT_OPTIONS):
    """Replays the servable's warmup requests, if it has any; returns how many records ran."""
    path = os.path.join(servable.path, WARMUP_FILE)
    if not file_io.isfile(path):
        logger.info("No warmup data file found at %s", path)
        return 0
    logger.info("Starting to read warmup data for model at %s (%d iteration(s) per record)", path,
                num_request_iterations)
    count = 0
    for data in _records(path):
        count += 1
        if count > MAX_NUM_RECORDS:
            raise ServingError.invalid_argument("Number of warmup records exceeds the maximum (%d) at %s"
                                                % (MAX_NUM_RECORDS, path))
        log = extra_protos.PredictionLog()
        try:
            log.ParseFromString(data)
        except Exception:  # noqa: BLE001 - protobuf's DecodeError differs between implementations
            raise ServingError.invalid_argument("Failed to parse warmup record %d from %s" % (count, path)) \
                from None
        for _ in range(max(1, num_request_iterations)):
            try:
                _replay(servable, log, options)
            except ServingError as e:
                raise ServingError(e.code, "Warmup request %d from %s failed: %s" % (count, path, e.message)) \
                    from None
    logger.info("Finished reading warmup data for model at %s. Number of warmup records read: %d.", path, count)
    return count
