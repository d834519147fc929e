"""The REST front end: TensorFlow Serving's HTTP/JSON API, plus health and Prometheus metrics.

Routes (TensorFlow Serving's, matched case-insensitively as it does)::

    POST /v1/models/NAME[/versions/N | /labels/L]:predict | :classify | :regress
    GET  /v1/models/NAME[/versions/N | /labels/L]            model status
    GET  /v1/models/NAME[/versions/N | /labels/L]/metadata   signatures
    GET  /healthz       liveness: 200 while the process serves HTTP
    GET  /readyz        readiness: 200 once every model has a loaded, warmed-up version, else 503
    GET  <metrics path> Prometheus text (``--metrics_path`` or ``--monitoring_config_file``)

Errors are ``{"error": "..."}`` with TensorFlow Serving's HTTP status for the error code (400, 404, 429,
500, 503, 504, ...). :class:`RestApi` maps (method, path, body) to an answer and knows nothing of HTTP
connections (:mod:`tagraph.serving.rest_server` serves it): ``handle_async`` on the event loop, where a
small body is decoded in place and a large one (over ``json_body.SMALL_BODY``) in the decode pool, a
thread pool sized to the CPU's threads whose scans release the GIL, so a 50 MB body holds up no other
request; ``handle`` runs the same in the calling thread (for in-process use).
"""
import asyncio
import json
import re
import urllib.parse

from google.protobuf import json_format

from tagraph.protos import classification_pb2, get_model_metadata_pb2, regression_pb2
from tagraph.protos.type_urls import unpack_any
from tagraph.serving import json_body, json_codec
from tagraph.serving.core import SIGNATURE_DEF_FIELD, ModelRef
from tagraph.serving.inference import signature_key_of
from tagraph.serving.json_output import (classification_to_json, error_json, outputs_to_json, outputs_to_json_parts,
                                         regression_to_json)
from tagraph.serving.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from tagraph.serving.status import ServingError, as_serving_error, detached

__all__ = ["RestApi", "JSON_TYPE"]

# tensorflow_serving/model_servers/http_rest_api_util.cc
_PREDICTION_API = re.compile(
    r"(?i)/v1/models/([^/:]+)(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?:(classify|regress|predict)")
_MODEL_STATUS_API = re.compile(
    r"(?i)/v1/models(?:/([^/:]+))?(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?(?:/(metadata))?")

JSON_TYPE = "application/json"
_CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST, GET",
         "Access-Control-Allow-Headers": "Content-Type"}
_LARGE_OUTPUT = 1 << 16          # output values above which the response is written in the decode pool


class RestApi:
    """Maps (method, path, body) to (HTTP status, content type, body); independent of the transport.

    ``run_pool``: where model runs and other blocking work go from the event loop (without batching);
    ``decode_pool``: where large bodies are decoded and large answers written."""

    def __init__(self, core, metrics_path=None, timeout_seconds=None, cors=False, run_pool=None, decode_pool=None):
        self._core = core
        self._metrics_path = metrics_path or None
        self._timeout = timeout_seconds
        self.cors = cors
        self._run_pool = run_pool
        self._decode_pool = decode_pool

    # --- in the calling thread ----------------------------------------------------------------------

    def handle(self, method, path, body):
        """(status, content type, body text), all in the calling thread."""
        try:
            kind, args = self._route(method, path)
            if kind == "predict":
                return self._predict(args, body)
            if kind in ("classify", "regress"):
                return self._classify_regress(args, kind, body)
            return self._simple(kind, args)
        except Exception as e:  # noqa: BLE001 - every failure is a JSON error
            err = as_serving_error(e)
            return err.http_status, JSON_TYPE, error_json(err.message)

    def _predict(self, ref, body):
        doc = json_codec.parse_json(body)
        signature_name = json_codec.signature_name_of(doc)
        holder = {}

        def decode(signature_defs):
            inputs, holder["format"] = _decode_inputs(signature_defs, signature_name, doc, body)
            return inputs
        _, _, outputs = self._core.predict(ref, signature_name, decode, [], "rest", self._timeout)
        return 200, JSON_TYPE, outputs_to_json(outputs, holder["format"])

    def _classify_regress(self, ref, api, body):
        doc = json_codec.parse_json(body)
        signature_name = json_codec.signature_name_of(doc)
        examples = json_codec.examples_from_json(doc, api)
        del doc
        if api == "classify":
            result = classification_pb2.ClassificationResult()
            self._core.classify(ref, signature_name, examples, result, "rest", self._timeout)
            return 200, JSON_TYPE, classification_to_json(result)
        result = regression_pb2.RegressionResult()
        self._core.regress(ref, signature_name, examples, result, "rest", self._timeout)
        return 200, JSON_TYPE, regression_to_json(result)

    # --- on the event loop --------------------------------------------------------------------------

    async def handle_async(self, method, path, request):
        """(status, content type, body, extra headers), on the event loop. ``request``: a list holding the
        body, taken out of it when decoded, so that nothing keeps the body while the model runs. The
        answer's body is text, bytes, or a list of byte chunks (a large answer)."""
        headers = _CORS if self.cors else {}
        failure = None
        try:
            kind, args = self._route(method, path)
            loop = asyncio.get_running_loop()
            if kind == "predict":
                return (*await self._predict_async(loop, args, request), headers)
            if kind in ("classify", "regress"):
                pool = self._decode_pool if len(request[0]) > json_body.SMALL_BODY else self._run_pool
                return (*await loop.run_in_executor(pool, self._classify_regress, args, kind, request.pop()),
                        headers)
            if kind in ("health", "ready", "options"):
                return (*self._simple(kind, args), headers)
            return (*await loop.run_in_executor(self._run_pool, self._simple, kind, args), headers)
        except Exception as e:  # noqa: BLE001 - every failure is a JSON error
            failure = detached(as_serving_error(e))
        return failure.http_status, JSON_TYPE, error_json(failure.message), headers

    async def _predict_async(self, loop, ref, request):
        body = request.pop()
        large = len(body) > json_body.SMALL_BODY
        if large:
            doc = await loop.run_in_executor(self._decode_pool, json_codec.parse_json, body)
        else:
            doc = json_codec.parse_json(body)
        signature_name = json_codec.signature_name_of(doc)
        pending = [doc, body]
        del doc, body                        # decode() takes them: the model runs without the request's text
        holder = {}

        async def decode(servable):
            doc, body = pending
            pending.clear()
            if large:
                inputs, holder["format"] = await loop.run_in_executor(
                    self._decode_pool, _decode_inputs, servable.signature_defs, signature_name, doc, body)
            else:
                inputs, holder["format"] = _decode_inputs(servable.signature_defs, signature_name, doc, body)
            return inputs
        _, _, outputs = await self._core.predict_async(ref, signature_name, decode, [], "rest", self._timeout,
                                                       executor=self._run_pool)
        pending.clear()
        if sum(getattr(a, "size", 0) for a in outputs.values()) > _LARGE_OUTPUT:
            return 200, JSON_TYPE, await loop.run_in_executor(self._decode_pool, _encode, outputs, holder["format"])
        return 200, JSON_TYPE, outputs_to_json(outputs, holder["format"])

    # --- routes -------------------------------------------------------------------------------------

    def _route(self, method, raw_path):
        """(kind, arguments) of a request; raises NOT_FOUND / INVALID_ARGUMENT as TensorFlow Serving does."""
        path = urllib.parse.urlsplit(raw_path).path
        if method == "OPTIONS":
            return "options", None
        if method == "GET":
            if path == "/healthz":
                return "health", None
            if path == "/readyz":
                return "ready", None
            if self._metrics_path and path == self._metrics_path:
                return "metrics", None
        if not path.lower().startswith("/v1/"):
            raise ServingError.not_found("Not found: %s %s" % (method, path))
        malformed = ServingError.invalid_argument("Malformed request: %s %s" % (method, path))
        if method not in ("GET", "POST"):
            raise malformed
        if method == "POST":
            m = _PREDICTION_API.fullmatch(path)
            if m is None:
                raise malformed
            return m.group(4).lower(), _model_ref(*m.group(1, 2, 3))
        m = _MODEL_STATUS_API.fullmatch(path)
        if m is None:
            raise malformed
        if not m.group(1):
            raise ServingError.invalid_argument("Missing model name in request.")
        return ("metadata" if m.group(4) else "status"), _model_ref(*m.group(1, 2, 3))

    def _simple(self, kind, ref):
        if kind == "health":
            return 200, JSON_TYPE, '{"status": "alive"}'
        if kind == "ready":
            ready, reason = self._core.manager.readiness()
            return (200 if ready else 503), JSON_TYPE, json.dumps(
                {"status": "ready" if ready else "not ready", "reason": reason})
        if kind == "options":
            if not self.cors:
                raise _MethodNotAllowed("OPTIONS")
            return 204, JSON_TYPE, b""
        if kind == "metrics":
            if self._core.metrics is None:
                raise ServingError.not_found("Metrics are not enabled")
            return 200, METRICS_CONTENT_TYPE, self._core.metrics.exposition()
        if kind == "metadata":
            return self._metadata(ref)
        return 200, JSON_TYPE, json_format.MessageToJson(self._core.model_status(ref), indent=2,
                                                         always_print_fields_with_no_presence=True)

    def _metadata(self, ref):
        response = self._core.metadata(ref, [SIGNATURE_DEF_FIELD], "rest")
        sig_map = get_model_metadata_pb2.SignatureDefMap()
        if not unpack_any(response.metadata[SIGNATURE_DEF_FIELD], sig_map):
            raise ServingError.internal("Failed to unpack 'Any' object to 'SignatureDefMap'.")
        opts = dict(indent=2, always_print_fields_with_no_presence=True, preserving_proto_field_name=True)
        # TensorFlow Serving prints the two parts separately and joins them (http_rest_api_util.cc).
        return 200, JSON_TYPE, '{\n"model_spec":%s,\n"metadata": {"signature_def": %s}\n}\n' % (
            json_format.MessageToJson(response.model_spec, **opts), json_format.MessageToJson(sig_map, **opts))


class _MethodNotAllowed(ServingError):
    def __init__(self, method):
        super().__init__(0, "Method %s is not allowed" % method)

    @property
    def http_status(self):
        return 405


def _decode_inputs(signature_defs, signature_name, doc, body):
    key = signature_key_of(signature_name)
    sig = signature_defs.get(key)
    if sig is None:
        raise ServingError.invalid_argument('Serving signature name: "%s" not found in signature def' % key)
    return json_codec.predict_inputs_from_json(doc, sig.inputs, signature_name, body_size=len(body),
                                               maybe_bool=json_codec.maybe_has_bools(body))


def _encode(outputs, fmt):
    return outputs_to_json_parts(outputs, fmt)


def _model_ref(name, version, label):
    name = urllib.parse.unquote(name)
    if version is not None and label is not None:
        raise ServingError.invalid_argument("Both model version (%s) and model version label (%s) cannot be supplied."
                                            % (version, label))
    if version is not None:
        try:
            version = int(version)
        except ValueError:
            raise ServingError.invalid_argument("Failed to convert version: %s to numeric." % version) from None
        if version > 2**63 - 1:
            raise ServingError.invalid_argument("Failed to convert version: %s to numeric." % version)
    return ModelRef(name, version=version, label=urllib.parse.unquote(label) if label is not None else None)
