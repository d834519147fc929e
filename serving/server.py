"""The model server: the manager, batcher, metrics and both front ends, started and stopped together.

    server = ModelServer(ServerOptions(port=8500, rest_api_port=8501, model_name="m",
                                       model_base_path="/models/m"))
    server.start()           # loads the models, then opens the ports
    server.wait()            # until stop() (SIGTERM / SIGINT in tagraph-model-server)

Start-up is TensorFlow Serving's: check every base path (one that does not exist, or that is a version
folder or a SavedModel itself, is an error saying what to pass instead), reserve the REST port and check
the gRPC one (a port in use is an error naming it and its API, before any model loads), load every
model's initial versions, then open the ports, so that the first request finds the models loaded. With
``open_ports_early`` the ports open before the load instead (liveness at once, ``/readyz`` turns true
when every model has a version). Then the server polls the file system for new and removed versions.
"""
import concurrent.futures
import errno
import logging
import os
import socket
import threading
import time

from tagraph.devices import cpu_threads
from tagraph.engine.framework import file_io
from tagraph.engine.framework.errors import OpError
from tagraph.serving import config as config_lib
from tagraph.serving import inference
from tagraph.serving.batching import Batcher
from tagraph.serving.core import ServingCore
from tagraph.serving import json_scan
from tagraph.serving.event_loop import ServingLoop
from tagraph.serving.grpc_servers import AsyncGrpcServer, ThreadedGrpcServer
from tagraph.serving.grpc_service import HealthState, add_services
from tagraph.serving.manager import ServableManager
from tagraph.serving.metrics import Metrics
from tagraph.serving.rest_api import RestApi
from tagraph.serving.rest_server import RestLimits, RestServer
from tagraph.serving.servable import load_servable, servables_alive
from tagraph.serving.versions import list_version_dirs
from tagraph.serving.status import ServingError
from tagraph.serving.warmup import run_warmup

__all__ = ["ModelServer", "ServerOptions"]

logger = logging.getLogger("tagraph.serving")


class ServerOptions:
    """The server's settings; the command line's flags of the same names (see ``main.py``)."""

    def __init__(self, **kwargs):
        self.host = "0.0.0.0"
        self.port = 8500
        self.grpc_socket_path = ""
        self.rest_api_host = None
        self.rest_api_port = 0
        self.rest_api_timeout_in_ms = 30000
        self.rest_api_enable_cors_support = False
        self.rest_api_num_threads = 0
        self.rest_api_max_connections = 10000
        self.rest_api_max_concurrent_requests = 1024
        self.rest_api_header_timeout_seconds = 10.0
        self.rest_api_idle_timeout_seconds = 60.0
        self.open_ports_early = False
        self.model_name = "default"
        self.model_base_path = ""
        self.model_config_file = ""
        self.model_config_file_poll_wait_seconds = 0.0
        self.allow_version_labels_for_unavailable_models = False
        self.file_system_poll_wait_seconds = 1.0
        self.saved_model_tags = ""
        self.tensorflow_intra_op_parallelism = 0
        self.tensorflow_inter_op_parallelism = 0
        self.enable_batching = False
        self.batching_parameters_file = ""
        self.max_num_load_retries = 5
        self.load_retry_interval_micros = 60 * 1000 * 1000
        self.num_load_threads = 2
        self.num_unload_threads = 1
        self.enable_model_warmup = True
        self.num_request_iterations_for_warmup = 1
        self.monitoring_config_file = ""
        self.metrics_path = ""
        self.grpc_max_threads = 64
        self.grpc_channel_arguments = ""
        self.max_request_size_bytes = 64 << 20
        self.enable_grpc_healthcheck_service = True
        self.enable_signature_method_name_check = False
        self.enable_serialization_as_tensor_content = False
        self.shutdown_grace_seconds = 10.0
        for k, v in kwargs.items():
            if not hasattr(self, k):
                raise TypeError("Unknown server option %r" % k)
            setattr(self, k, v)


def _channel_arguments(text):
    out = []
    for item in filter(None, (s.strip() for s in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise config_lib.ConfigError("--grpc_channel_arguments entry %r is not key=value" % item)
        try:
            out.append((key.strip(), int(value)))
        except ValueError:
            out.append((key.strip(), value.strip()))
    return out


class ModelServer:
    """See the module docstring."""

    def __init__(self, options):
        self.options = options
        self.grpc_port = None
        self.rest_port = None
        self._stopped = threading.Event()
        self._stop_lock = threading.Lock()
        self._grpc = None
        self._rest = None
        self._config_poller = None
        self._config_text = None
        self._reload_lock = threading.Lock()

        o = options
        if o.model_config_file:
            self._config_text = config_lib.read_text(o.model_config_file, "model config file")
            server_config = config_lib.parse_model_server_config(self._config_text, o.model_config_file)
        else:
            if not o.model_base_path:
                raise config_lib.ConfigError("Both --model_base_path and --model_config_file are empty; give one")
            logger.info("Building single TensorFlow model file config: model_name: %s model_base_path: %s",
                        o.model_name, o.model_base_path)
            server_config = config_lib.single_model_config(o.model_name, o.model_base_path)
        try:
            self._models = config_lib.model_configs(server_config)
        except ServingError as e:
            raise config_lib.ConfigError(e.message) from None
        self._tags = [t.strip() for t in o.saved_model_tags.split(",") if t.strip()] or None
        self._channel_options = _channel_arguments(o.grpc_channel_arguments)
        metrics_path = o.metrics_path
        if o.monitoring_config_file:
            metrics_path = config_lib.read_monitoring_path(o.monitoring_config_file) or metrics_path
        self._metrics_path = metrics_path or None
        self.metrics = Metrics()
        self.batcher = None
        if o.enable_batching:
            batching = config_lib.read_batching_options(o.batching_parameters_file)
            logger.info("Batching enabled: %s", batching.describe())
            self.batcher = Batcher(batching, self.metrics)
        self.threads = _configure_threads(o, batching.num_batch_threads if o.enable_batching else 1)
        self._inference_options = inference.Options(o.enable_signature_method_name_check)
        self.manager = ServableManager(
            self._load, max_num_load_retries=o.max_num_load_retries,
            load_retry_interval_seconds=o.load_retry_interval_micros / 1e6, num_load_threads=o.num_load_threads,
            num_unload_threads=o.num_unload_threads,
            on_unload=self.batcher.drop if self.batcher is not None else None, metrics=self.metrics)
        self.core = ServingCore(self.manager, self.batcher, self.metrics, self._inference_options,
                                reload_config=self.reload_config)
        self.health = HealthState(self.manager)
        self.metrics.manager = self.manager
        self.metrics.batcher = self.batcher
        self.metrics.servables_alive = servables_alive
        self._loop = None
        self._pools = []

    # --- loading -----------------------------------------------------------------------------------

    def _load(self, name, version, path):
        servable = load_servable(name, version, path, self._tags)
        if self.options.enable_model_warmup:
            try:
                run_warmup(servable, self.options.num_request_iterations_for_warmup, self._inference_options)
            except BaseException:
                servable.close()
                raise
        return servable

    # --- life cycle --------------------------------------------------------------------------------

    def start(self, abort=None):
        """Check the base paths and ports, load the models (``abort``, an Event, cuts the wait short), open
        the ports (before the load with ``open_ports_early``), start polling."""
        o = self.options
        started = time.monotonic()
        for model in self._models:
            _check_base_path(model.name, model.base_path)
        self._loop = ServingLoop().start()
        if o.rest_api_port:
            self._bind_rest()
        _check_port_free(o.host, o.port, "gRPC", "--port")
        if o.open_ports_early:
            self._open_ports()
        self.manager.configure(self._without_labels(self._models))
        self.manager.initial_load(abort=abort)
        if abort is not None and abort.is_set():
            return self
        self._apply_labels(self._models)
        if not o.open_ports_early:
            self._open_ports()
        self.manager.start_polling(o.file_system_poll_wait_seconds)
        if o.model_config_file and o.model_config_file_poll_wait_seconds > 0:
            self._start_config_poller()
        # The REST body scans compile (or load from Numba's cache) now, not in the first large request.
        threading.Thread(target=_warm_up_json_scans, name="tagraph-json-warmup", daemon=True).start()
        ready, reason = self.manager.readiness()
        logger.info("Server %s in %.3f s: %s", "ready" if ready else "started (not ready)",
                    time.monotonic() - started, reason)
        return self

    def _open_ports(self):
        self._start_grpc()
        if self._rest is not None:
            self._rest.start()
            logger.info("Exporting HTTP/REST API at: %s:%d ...", self._rest_host, self.rest_port)
            if self._metrics_path:
                logger.info("Prometheus metrics at http://%s:%d%s", self._rest_host, self.rest_port,
                            self._metrics_path)

    def _pool(self, workers, name):
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix=name)
        self._pools.append(pool)
        return pool

    def _start_grpc(self):
        o = self.options
        options = [("grpc.max_receive_message_length", int(o.max_request_size_bytes)),
                   ("grpc.max_send_message_length", -1),
                   ("grpc.so_reuseport", 0)]      # never share a port with another process by accident
        options += self._channel_options
        executor = self._pool(o.grpc_max_threads, "tagraph-grpc")
        asynchronous = self.batcher is not None
        self._grpc = (AsyncGrpcServer if asynchronous else ThreadedGrpcServer)(options, executor, self._loop)
        address = "%s:%d" % (("[%s]" % o.host) if ":" in o.host else o.host, o.port)
        addresses = [address] + (["unix:%s" % o.grpc_socket_path] if o.grpc_socket_path else [])
        ports = self._grpc.start(lambda server: add_services(
            server, self.core, self.health if o.enable_grpc_healthcheck_service else None,
            tensor_content=o.enable_serialization_as_tensor_content, asynchronous=asynchronous), addresses)
        self.grpc_port = ports[0]
        logger.info("Running gRPC ModelServer at %s:%d ...", o.host, self.grpc_port)
        if o.grpc_socket_path:
            logger.info("Running gRPC ModelServer at UNIX socket %s ...", o.grpc_socket_path)

    def _bind_rest(self):
        o = self.options
        self._rest_host = o.rest_api_host or o.host
        timeout = o.rest_api_timeout_in_ms / 1000.0 if o.rest_api_timeout_in_ms > 0 else None
        threads = _cpu_threads()
        # Two per CPU thread: a model run waits on the BLAS library part of the time, not on the GIL; more
        # threads only fought over two cores in the serving benchmark (MLP, 16 clients: 4 threads gave
        # 1.03x gRPC's throughput, 8 gave 0.7x, 16 gave 0.63x).
        run_pool = self._pool(o.rest_api_num_threads or 2 * threads, "tagraph-rest")
        decode_pool = self._pool(threads, "tagraph-rest-decode")
        api = RestApi(self.core, self._metrics_path, timeout, o.rest_api_enable_cors_support, run_pool=run_pool,
                      decode_pool=decode_pool)
        limits = RestLimits(max_body=o.max_request_size_bytes, max_connections=o.rest_api_max_connections,
                            max_requests=o.rest_api_max_concurrent_requests,
                            header_timeout=o.rest_api_header_timeout_seconds,
                            idle_timeout=o.rest_api_idle_timeout_seconds)
        self._rest = RestServer(api, self._loop, limits)
        self.rest_port = self._rest.bind(self._rest_host, o.rest_api_port)
        _raise_file_limit(o.rest_api_max_connections)

    def wait(self, timeout=None):
        return self._stopped.wait(timeout)

    def stop(self, grace_seconds=None):
        """Stop serving: refuse new requests, let those in flight finish, unload every model."""
        with self._stop_lock:
            if self._stopped.is_set():
                return
            grace = self.options.shutdown_grace_seconds if grace_seconds is None else grace_seconds
            logger.info("Shutting down: letting requests in flight finish (up to %.3g s)", grace)
            self.health.shutting_down()
            if self._rest is not None:
                self._rest.stop(grace)
            if self._grpc is not None:
                self._grpc.stop(grace)
            if self.batcher is not None:
                self.batcher.stop()
            self.manager.stop()
            if self._loop is not None:
                self._loop.stop()
            for pool in self._pools:
                pool.shutdown(wait=False, cancel_futures=True)
            self._stopped.set()
            logger.info("Server stopped")

    # --- configuration reload ---------------------------------------------------------------------

    @staticmethod
    def _without_labels(models):
        out = []
        for m in models:
            copy = type(m)()
            copy.CopyFrom(m)
            copy.version_labels.clear()
            out.append(copy)
        return out

    def _apply_labels(self, models):
        for m in models:
            if m.version_labels:
                self.manager.check_labels(m.name, dict(m.version_labels),
                                          self.options.allow_version_labels_for_unavailable_models)
        self.manager.configure(models)

    def reload_config(self, server_config):
        """Serve exactly the models of ``server_config`` (HandleReloadConfigRequest, config file poll)."""
        models = config_lib.model_configs(server_config)
        with self._reload_lock:
            logger.info("Reloading model config: %s", ", ".join(m.name for m in models) or "no models")
            current = {m.name: m for m in self.manager_configs()}
            staged = []
            for m in models:
                # Keep the labels in force until the new ones are checked against loaded versions.
                copy = type(m)()
                copy.CopyFrom(m)
                copy.version_labels.clear()
                if m.name in current:
                    copy.version_labels.update(current[m.name].version_labels)
                staged.append(copy)
            self.manager.configure(staged)
            self.manager.scan_and_load({m.name for m in models}, timeout=600)
            self._apply_labels(models)
            self._models = models
            logger.info("Finished reloading model config")

    def manager_configs(self):
        return list(self._models)

    def _start_config_poller(self):
        interval = self.options.model_config_file_poll_wait_seconds
        path = self.options.model_config_file

        def loop():
            while not self._stopped.wait(interval):
                try:
                    text = config_lib.read_text(path, "model config file")
                    if text == self._config_text:
                        continue
                    self._config_text = text
                    self.reload_config(config_lib.parse_model_server_config(text, path))
                except (config_lib.ConfigError, ServingError) as e:
                    logger.error("Reloading model config file %s failed: %s", path,
                                 getattr(e, "message", None) or e)
                except Exception:  # noqa: BLE001 - the poller must survive
                    logger.exception("Reloading model config file %s failed", path)
        self._config_poller = threading.Thread(target=loop, name="tagraph-config-poller", daemon=True)
        self._config_poller.start()



def _warm_up_json_scans():
    started = time.monotonic()
    json_scan.warm_up()
    logger.info("REST body scans ready (%.2f s)", time.monotonic() - started)


def _check_base_path(name, base_path):
    """TensorFlow Serving's start-up check of a base path, with a hint where it is a model's own folder."""
    try:
        if not file_io.isdir(base_path):
            raise config_lib.ConfigError("Could not find base path %s for servable %s with error NOT_FOUND: %s not "
                                         "found" % (base_path, name, base_path))
        holds_model = any(file_io.isfile(os.path.join(base_path, f))
                          for f in ("saved_model.pb", "saved_model.pbtxt"))
    except OpError as e:   # an object store refusing the credentials, or unreachable
        raise config_lib.ConfigError("Could not read base path %s for servable %s: %s"
                                     % (base_path, name, e.message)) from None
    try:
        has_versions = bool(list_version_dirs(base_path))
    except (OSError, OpError):
        has_versions = False
    if holds_model and not has_versions:
        parent, leaf = os.path.split(base_path.rstrip(os.sep))
        if leaf.isdigit():
            hint = ("it is the folder of version %d: pass its parent as the base path (--model_base_path=%s)"
                    % (int(leaf), parent))
        else:
            hint = ("it holds a SavedModel itself: the base path holds numbered version folders, so move the "
                    "SavedModel into %s (any version number) and pass %s" % (os.path.join(base_path, "1"),
                                                                              base_path))
        raise config_lib.ConfigError("Unable to find a numerical version path for servable %s at: %s; %s"
                                     % (name, base_path, hint))


def _check_port_free(host, port, api, flag):
    """Fails early, before the models load, if ``port`` cannot be bound (the server binding it later)."""
    if not port:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            why = "address already in use" if e.errno == errno.EADDRINUSE else (e.strerror or str(e))
            raise OSError("Cannot open the %s API port %d on %s (%s): %s" % (api, port, host, flag, why)) from None


def _cpu_threads():
    """The CPUs this process may use (its affinity mask, cut to its cgroup quota)."""
    return cpu_threads.usable_cpus()


def _configure_threads(options, runners):
    """Sets the CPU's threads from the server's flags. By default each of the ``runners`` model runs that
    proceed at once (the batch threads) gets an equal share of the usable CPUs for BLAS: with 2 CPUs and 2
    batch threads each sgemm runs on one thread instead of 4 BLAS threads fighting over 2 CPUs (MLP, 16
    gRPC clients with batching: 254-277 req/s with BLAS's default threads, 943 with one)."""
    usable = cpu_threads.usable_cpus()
    intra = options.tensorflow_intra_op_parallelism or max(1, usable // max(1, runners))
    settings = cpu_threads.configure(intra, options.tensorflow_inter_op_parallelism, usable=usable)
    logger.info("CPU threads: %d per model run (BLAS), %d inter-op, %d usable CPUs",
                settings.intra_op, settings.inter_op, settings.usable)
    return settings


def _raise_file_limit(connections):
    """Lets the process hold ``connections`` sockets (soft file limit up to the hard one)."""
    try:
        import resource
    except ImportError:          # not on this platform
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = connections + 256
    if soft != resource.RLIM_INFINITY and soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        except (ValueError, OSError):
            logger.warning("Cannot raise the open file limit to %d; REST connections are limited to about %d",
                           want, soft)
