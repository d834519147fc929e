"""The REST front end: TensorFlow Serving's HTTP/JSON API, plus health and Prometheus metrics.

Routes (TensorFlow Serving's, matched case-insensitively as it does)::

    POST /v1/models/NAME[/versions/N | /labels/L]:predict | :classify | :regress
    GET  /v1/models/NAME[/versions/N | /labels/L]            model status
    GET  /v1/models/NAME[/versions/N | /labels/L]/metadata   signatures
    GET  /healthz       liveness: 200 while the process serves HTTP
    GET  /readyz        readiness: 200 once every model has a loaded, warmed-up version, else 503
    GET  <metrics path> Prometheus text (``--metrics_path`` or ``--monitoring_config_file``)

Errors are ``{"error": "..."}`` with TensorFlow Serving's HTTP status for the error code (400, 404, 429,
500, 503, 504, ...); a body over ``--max_request_size_bytes`` is refused with 413 before it is read.

The HTTP server is the standard library's ``http.server.ThreadingHTTPServer``: it is maintained with
Python itself, parses HTTP/1.1 (request line, headers, keep-alive) so nothing here parses HTTP by hand,
and runs each connection on its own thread, so model execution never blocks the accept loop. An
asyncio framework would add a dependency and an event loop only to hand the CPU-bound model runs back
to threads; the throughput-critical path is gRPC anyway.
"""
import http.server
import json
import logging
import re
import socket
import threading
import time
import urllib.parse

from google.protobuf import json_format

from tagraph.protos import classification_pb2, get_model_metadata_pb2, regression_pb2
from tagraph.protos.type_urls import unpack_any
from tagraph.serving import json_codec
from tagraph.serving.core import SIGNATURE_DEF_FIELD, ModelRef
from tagraph.serving.inference import signature_key_of
from tagraph.serving.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from tagraph.serving.servable import servables_alive
from tagraph.serving.status import ServingError, as_serving_error

logger = logging.getLogger("tagraph.serving")

# tensorflow_serving/model_servers/http_rest_api_util.cc
_PREDICTION_API = re.compile(
    r"(?i)/v1/models/([^/:]+)(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?:(classify|regress|predict)")
_MODEL_STATUS_API = re.compile(
    r"(?i)/v1/models(?:/([^/:]+))?(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?(?:/(metadata))?")

JSON_TYPE = "application/json"


class RestApi:
    """Maps (method, path, body) to (HTTP status, content type, body); independent of the transport."""

    def __init__(self, core, metrics_path=None, timeout_seconds=None, cors=False):
        self._core = core
        self._metrics_path = metrics_path or None
        self._timeout = timeout_seconds
        self.cors = cors

    def handle(self, method, path, body):
        try:
            return self._dispatch(method, path, body)
        except Exception as e:  # noqa: BLE001 - every failure is a JSON error
            err = as_serving_error(e)
            return err.http_status, JSON_TYPE, json_codec.error_json(err.message)

    def _dispatch(self, method, raw_path, body):
        path = urllib.parse.urlsplit(raw_path).path
        if method == "GET":
            if path == "/healthz":
                return 200, JSON_TYPE, '{"status": "alive"}'
            if path == "/readyz":
                ready, reason = self._core.manager.readiness()
                return (200 if ready else 503), JSON_TYPE, json.dumps(
                    {"status": "ready" if ready else "not ready", "reason": reason})
            if self._metrics_path and path == self._metrics_path:
                if self._core.metrics is None:
                    raise ServingError.not_found("Metrics are not enabled")
                return 200, METRICS_CONTENT_TYPE, self._core.metrics.exposition(self._core.manager,
                                                                                servables_alive())
        if not path.lower().startswith("/v1/"):
            raise ServingError.not_found("Not found: %s %s" % (method, path))
        malformed = ServingError.invalid_argument("Malformed request: %s %s" % (method, path))
        if method == "POST":
            m = _PREDICTION_API.fullmatch(path)
            if m is None:
                raise malformed
            ref = _model_ref(*m.group(1, 2, 3))
            api = m.group(4).lower()
            if api == "predict":
                return self._predict(ref, body)
            return self._classify_regress(ref, api, body)
        if method == "GET":
            m = _MODEL_STATUS_API.fullmatch(path)
            if m is None:
                raise malformed
            if not m.group(1):
                raise ServingError.invalid_argument("Missing model name in request.")
            ref = _model_ref(*m.group(1, 2, 3))
            if m.group(4):
                return self._metadata(ref)
            return 200, JSON_TYPE, json_format.MessageToJson(self._core.model_status(ref), indent=2,
                                                             always_print_fields_with_no_presence=True)
        raise malformed

    def _predict(self, ref, body):
        doc = json_codec.parse_json(body)
        signature_name = json_codec.signature_name_of(doc)
        holder = {}

        def decode(servable_signatures):
            key = signature_key_of(signature_name)
            sig = servable_signatures.get(key)
            if sig is None:
                raise ServingError.invalid_argument('Serving signature name: "%s" not found in signature def' % key)
            inputs, fmt = json_codec.predict_inputs_from_json(doc, sig.inputs, signature_name)
            holder["format"] = fmt
            return inputs
        version, key, outputs = self._core.predict(ref, signature_name, decode, [], "rest", self._timeout)
        return 200, JSON_TYPE, json_codec.outputs_to_json(outputs, holder["format"])

    def _classify_regress(self, ref, api, body):
        doc = json_codec.parse_json(body)
        signature_name = json_codec.signature_name_of(doc)
        examples = json_codec.examples_from_json(doc, api)
        if api == "classify":
            result = classification_pb2.ClassificationResult()
            self._core.classify(ref, signature_name, examples, result, "rest", self._timeout)
            return 200, JSON_TYPE, json_codec.classification_to_json(result)
        result = regression_pb2.RegressionResult()
        self._core.regress(ref, signature_name, examples, result, "rest", self._timeout)
        return 200, JSON_TYPE, json_codec.regression_to_json(result)

    def _metadata(self, ref):
        response = self._core.metadata(ref, [SIGNATURE_DEF_FIELD], "rest")
        sig_map = get_model_metadata_pb2.SignatureDefMap()
        if not unpack_any(response.metadata[SIGNATURE_DEF_FIELD], sig_map):
            raise ServingError.internal("Failed to unpack 'Any' object to 'SignatureDefMap'.")
        opts = dict(indent=2, always_print_fields_with_no_presence=True, preserving_proto_field_name=True)
        # TensorFlow Serving prints the two parts separately and joins them (http_rest_api_util.cc).
        return 200, JSON_TYPE, '{\n"model_spec":%s,\n"metadata": {"signature_def": %s}\n}\n' % (
            json_format.MessageToJson(response.model_spec, **opts), json_format.MessageToJson(sig_map, **opts))


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


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"      # keep-alive: clients reuse one connection
    disable_nagle_algorithm = True     # headers and body go out at once, no 40 ms delayed-ACK stalls
    timeout = 120                      # an idle keep-alive connection is closed after this long
    server_version = "tagraph-model-server"

    def log_message(self, fmt, *args):
        logger.debug("%s - %s", self.address_string(), fmt % args)

    def _send(self, status, content_type, body, extra_headers=()):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if self.server.api.cors:
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Methods", "POST, GET")
            self.send_header("Access-Control-Allow-Headers", "Content-Type")
        for k, v in extra_headers:
            self.send_header(k, v)
        if self.server.draining.is_set():
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _serve(self, method):
        self.server.begin_request()
        try:
            body = b""
            if method == "POST":
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    self.close_connection = True
                    return self._send(411, JSON_TYPE, json_codec.error_json(
                        "Chunked request bodies are not supported; send a Content-Length"))
                try:
                    length = int(self.headers.get("Content-Length", "0"))
                except ValueError:
                    self.close_connection = True
                    return self._send(400, JSON_TYPE, json_codec.error_json("Invalid Content-Length header"))
                if length < 0:
                    self.close_connection = True
                    return self._send(400, JSON_TYPE, json_codec.error_json("Invalid Content-Length header"))
                if length > self.server.max_body:
                    # Refused unread; the connection is closed because its unread body would follow.
                    self.close_connection = True
                    return self._send(413, JSON_TYPE, json_codec.error_json(
                        "Request body of %d bytes exceeds the limit of %d bytes (--max_request_size_bytes)"
                        % (length, self.server.max_body)))
                body = self.rfile.read(length)
            status, content_type, payload = self.server.api.handle(method, self.path, body)
            self._send(status, content_type, payload)
        finally:
            self.server.end_request()

    def do_GET(self):  # noqa: N802 - http.server's method names
        self._serve("GET")

    def do_POST(self):  # noqa: N802
        self._serve("POST")

    def do_OPTIONS(self):  # noqa: N802 - CORS preflight
        self._send(204 if self.server.api.cors else 405, JSON_TYPE, b"")

    def _not_allowed(self):
        self._send(405, JSON_TYPE, json_codec.error_json("Method %s is not allowed" % self.command))

    do_PUT = do_DELETE = do_PATCH = _not_allowed


class RestServer(http.server.ThreadingHTTPServer):
    """ThreadingHTTPServer that counts requests in flight, so that shutdown can let them finish."""

    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address, api, max_body):
        host = address[0]
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        self.api = api
        self.max_body = max_body
        self.draining = threading.Event()
        self._active = 0
        self._idle = threading.Condition()
        self._thread = None

    def begin_request(self):
        with self._idle:
            self._active += 1

    def end_request(self):
        with self._idle:
            self._active -= 1
            if self._active == 0:
                self._idle.notify_all()

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="tagraph-rest", daemon=True)
        self._thread.start()

    def stop(self, grace_seconds):
        """Stop accepting, then wait up to ``grace_seconds`` for requests in flight to finish."""
        self.draining.set()
        self.shutdown()
        deadline = time.monotonic() + grace_seconds
        with self._idle:
            self._idle.wait_for(lambda: self._active == 0, timeout=max(0.0, deadline - time.monotonic()))
        self.server_close()
