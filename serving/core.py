"""What both front ends (gRPC and REST) call: find the servable, run the request, count it.

``ServingCore`` ties the manager (which versions serve), the batcher (if ``--enable_batching``) and the
metrics together; the front ends only translate their wire formats to and from its numpy-level calls.

    core = ServingCore(manager, batcher=None, metrics=Metrics())
    version, key, outputs = core.predict(ModelRef("m"), "", {"x": x}, [], protocol="grpc")
"""
import asyncio
import contextlib
import logging
import time

from tagraph.protos import get_model_metadata_pb2, get_model_status_pb2, model_pb2
from tagraph.protos.type_urls import pack_any
from tagraph.serving import inference
from tagraph.serving.status import CODE_NAMES, OK, ServingError, as_serving_error, detached

__all__ = ["ModelRef", "ServingCore", "model_spec", "SIGNATURE_DEF_FIELD"]

logger = logging.getLogger("tagraph.serving")

SIGNATURE_DEF_FIELD = "signature_def"


class ModelRef:
    """A request's model: name, and optionally a version number or a version label (not both)."""

    __slots__ = ("name", "version", "label")

    def __init__(self, name, version=None, label=None):
        self.name = name
        self.version = version
        self.label = label

    @classmethod
    def from_spec(cls, spec):
        choice = spec.WhichOneof("version_choice")
        if choice == "version":
            return cls(spec.name, version=spec.version.value)
        if choice == "version_label":
            return cls(spec.name, label=spec.version_label)
        return cls(spec.name)


class ServingCore:
    """The request-level operations of the model server, shared by gRPC and REST."""

    def __init__(self, manager, batcher=None, metrics=None, options=inference.DEFAULT_OPTIONS,
                 reload_config=None):
        self.manager = manager
        self.batcher = batcher
        self.metrics = metrics
        self.options = options
        self._reload_config = reload_config

    # --- execution ---------------------------------------------------------------------------------

    def _executor(self, timeout):
        batcher = self.batcher
        if batcher is None:
            return inference.run_directly

        def execute(servable, key, inputs, output_keys):
            return batcher.run(servable, key, inputs, output_keys, timeout=timeout)
        return execute

    @contextlib.contextmanager
    def _request(self, api, protocol, ref):
        """Holds the servable ``ref`` names for the block (yields it and a record for the signature key);
        turns every failure into a ServingError; records the request's metrics."""
        started = time.perf_counter()
        record = {"version": None, "key": ""}
        code = OK
        failure = None
        metrics = self.metrics
        if metrics is not None:
            metrics.request_started(protocol)
        try:
            servable = self.manager.acquire(ref.name, ref.version, ref.label)
            record["version"] = servable.version
            try:
                yield servable, record
            finally:
                servable.release()
        except Exception as e:  # noqa: BLE001 - every failure is answered with a status
            failure = as_serving_error(e)
            code = failure.code
            if failure.code_name == "INTERNAL":
                logger.error("%s request to model %s failed", api, ref.name, exc_info=e)
            detached(failure)
        finally:
            if metrics is not None:
                metrics.request_finished(ref.name, record["version"], record["key"], api, protocol,
                                         CODE_NAMES.get(code, str(code)), time.perf_counter() - started)
        if failure is not None:
            try:
                raise failure
            finally:
                failure = None       # no cycle through this frame: the request's tensors are freed at once

    def _call(self, api, protocol, ref, fn):
        """Runs ``fn(servable)`` -> (signature key, result) on the servable ``ref`` names."""
        with self._request(api, protocol, ref) as (servable, record):
            record["key"], result = fn(servable)
            return servable.version, record["key"], result

    def predict(self, ref, signature_name, inputs, output_filter, protocol, timeout=None):
        """Returns (version, signature key, {alias: array}).

        ``inputs`` is {alias: array}, or a function of the servable's signature_defs giving it (the REST
        front end decodes JSON by the signature's dtypes, so it can only decode once it has the servable).
        """
        execute = self._executor(timeout)

        def run(servable):
            actual = inputs(servable.signature_defs) if callable(inputs) else inputs
            return inference.predict(servable, signature_name, actual, output_filter, execute=execute,
                                     options=self.options)
        return self._call("predict", protocol, ref, run)

    async def predict_async(self, ref, signature_name, inputs, output_filter, protocol, timeout=None, executor=None):
        """:meth:`predict` for a caller on an event loop (the REST server, the batching gRPC server): the
        request waits for its batch, or for its run in ``executor`` (a thread pool; None: the loop's
        default), without blocking the loop. ``inputs`` may also be a coroutine function of the servable."""
        with self._request("predict", protocol, ref) as (servable, record):
            if callable(inputs):
                inputs = await inputs(servable)
            key, output_keys = inference.check_predict(servable, signature_name, inputs, output_filter, self.options)
            record["key"] = key
            if self.batcher is not None:
                outputs = await self.batcher.run_async(servable, key, inputs, output_keys, timeout)
            else:
                outputs = await asyncio.get_running_loop().run_in_executor(executor, servable.run, key, inputs,
                                                                           output_keys)
            return servable.version, key, outputs

    def classify(self, ref, signature_name, examples, result, protocol, timeout=None):
        execute = self._executor(timeout)
        return self._call("classify", protocol, ref, lambda s: (inference.classify(
            s, signature_name, examples, result, execute=execute, options=self.options), result))

    def regress(self, ref, signature_name, examples, result, protocol, timeout=None):
        execute = self._executor(timeout)
        return self._call("regress", protocol, ref, lambda s: (inference.regress(
            s, signature_name, examples, result, execute=execute, options=self.options), result))

    def multi_inference(self, request, response, protocol, timeout=None):
        if not request.tasks:
            raise ServingError.invalid_argument("MultiInferenceRequest must contain at least one task")
        ref = ModelRef.from_spec(request.tasks[0].model_spec)
        execute = self._executor(timeout)

        def run(servable):
            examples = inference.input_to_serialized_examples(request.input)
            inference.multi_inference(servable, request.tasks, examples, response, servable.version,
                                      execute=execute, options=self.options)
            return "", response
        return self._call("multi_inference", protocol, ref, run)

    # --- model metadata and status -------------------------------------------------------------------

    def metadata(self, ref, metadata_fields, protocol):
        """GetModelMetadataResponse with the SignatureDefMap packed under ``signature_def``."""
        if not metadata_fields:
            raise ServingError.invalid_argument("GetModelMetadataRequest must specify at least one metadata_field")
        for field in metadata_fields:
            if field != SIGNATURE_DEF_FIELD:
                raise ServingError.invalid_argument("Metadata field %s is not supported" % field)

        def run(servable):
            response = get_model_metadata_pb2.GetModelMetadataResponse()
            response.model_spec.name = servable.name
            response.model_spec.version.value = servable.version
            sig_map = get_model_metadata_pb2.SignatureDefMap()
            for key, sig in servable.signature_defs.items():
                sig_map.signature_def[key].CopyFrom(sig)
            pack_any(sig_map, response.metadata[SIGNATURE_DEF_FIELD])
            return "", response
        return self._call("metadata", protocol, ref, run)[2]

    def model_status(self, ref):
        """GetModelStatusResponse: every version's state (newest first), or of the one asked for."""
        if not ref.name:
            raise ServingError.invalid_argument("Missing ModelSpec")
        version = ref.version
        if ref.label is not None:
            version = self.manager.resolve_label(ref.name, ref.label)
        response = get_model_status_pb2.GetModelStatusResponse()
        for v, state, error in self.manager.version_states(ref.name, version):
            entry = response.model_version_status.add(version=v, state=state)
            entry.status.SetInParent()       # TensorFlow Serving always writes it (error_code OK)
            if error is not None:
                entry.status.error_code = error.code
                entry.status.error_message = error.message
        return response

    def reload_config(self, config):
        """HandleReloadConfigRequest: serve exactly the models of a ModelServerConfig."""
        if self._reload_config is None:
            raise ServingError.unimplemented("Reloading the model config is not supported by this server")
        self._reload_config(config)


def model_spec(name, version, signature_key=None):
    spec = model_pb2.ModelSpec(name=name)
    if version is not None:
        spec.version.value = version
    if signature_key is not None:
        spec.signature_name = signature_key
    return spec
