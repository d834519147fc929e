"""``tagraph-model-server``: TensorFlow Serving's ``tensorflow_model_server``, with its flags.

    tagraph-model-server --port=8500 --rest_api_port=8501 --model_name=m --model_base_path=/models/m
    tagraph-model-server --model_config_file=/etc/models.config --enable_batching \\
        --batching_parameters_file=/etc/batching.config --metrics_path=/monitoring/prometheus/metrics

Flags are written ``--flag=value`` (or ``--flag value``); a boolean flag alone means true. Beyond
TensorFlow Serving's flags: ``--host`` (bind address), ``--metrics_path`` (Prometheus metrics on the
REST port, the simple form of ``--monitoring_config_file``), ``--max_request_size_bytes`` (refuse larger
gRPC messages and HTTP bodies; 64 MiB), the REST server's limits (``--rest_api_max_connections``,
``--rest_api_max_concurrent_requests``, ``--rest_api_header_timeout_seconds``,
``--rest_api_idle_timeout_seconds``), ``--open_ports_early`` and ``--shutdown_grace_seconds``. As
TensorFlow Serving does, the server loads its models before it opens its ports. SIGTERM or SIGINT stops
accepting requests, lets those in flight finish, and exits.
"""
import argparse
import faulthandler
import logging
import signal
import sys
import threading

__all__ = ["main", "build_parser", "VERSION"]

VERSION = "tagraph-model-server 0.1.0 (TensorFlow Serving API compatible)"


def _bool(text):
    v = str(text).strip().lower()
    if v in ("1", "true", "t", "yes", "y"):
        return True
    if v in ("0", "false", "f", "no", "n"):
        return False
    raise argparse.ArgumentTypeError("expected true or false, got %r" % text)


def build_parser():
    p = argparse.ArgumentParser(prog="tagraph-model-server", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)

    def flag(name, type_, default, help_):
        if type_ is bool:
            p.add_argument("--" + name, type=_bool, nargs="?", const=True, default=default, help=help_)
        else:
            p.add_argument("--" + name, type=type_, default=default, help=help_)

    flag("port", int, 8500, "Port to listen on for the gRPC API")
    flag("grpc_socket_path", str, "", "If non-empty, also listen on this UNIX socket for the gRPC API")
    flag("host", str, "0.0.0.0", "Address to bind the gRPC and REST ports to (e.g. 127.0.0.1)")
    flag("rest_api_port", int, 0, "Port for the HTTP/REST API (0: no REST API)")
    flag("rest_api_num_threads", int, 0, "Threads running REST requests' models (0: 2 per CPU thread)")
    flag("rest_api_max_connections", int, 10000, "Open REST connections at most; one more is answered 503")
    flag("rest_api_max_concurrent_requests", int, 1024, "REST requests in flight at most; one more is answered 429")
    flag("rest_api_header_timeout_seconds", float, 10.0,
         "A REST request's line and headers must arrive within this long of its first byte (else 408)")
    flag("rest_api_idle_timeout_seconds", float, 60.0,
         "Close a keep-alive REST connection idle this long, or one whose body stops arriving this long")
    flag("open_ports_early", bool, False, "Open the gRPC and REST ports before the models have loaded (liveness "
         "and /readyz during a slow load); by default they open once the first load is done")
    flag("rest_api_timeout_in_ms", int, 30000, "Timeout for a REST request waiting on the batching queue")
    flag("rest_api_enable_cors_support", bool, False, "Answer REST requests with CORS headers")
    flag("enable_batching", bool, False, "Merge concurrent requests into batches")
    flag("batching_parameters_file", str, "", "BatchingParameters in text format (with --enable_batching)")
    flag("enable_per_model_batching_parameters", bool, False, "Accepted for compatibility (not supported)")
    flag("allow_version_labels_for_unavailable_models", bool, False,
         "Allow a version label to point at a version that is not (yet) available")
    flag("model_config_file", str, "", "ModelServerConfig in text format (several models, policies, labels)")
    flag("model_config_file_poll_wait_seconds", float, 0.0, "Re-read --model_config_file this often (0: never)")
    flag("model_name", str, "default", "Name of the model (with --model_base_path)")
    flag("model_base_path", str, "", "Directory of the model's numbered version directories")
    flag("num_load_threads", int, 2, "Threads loading model versions")
    flag("num_unload_threads", int, 1, "Threads unloading model versions")
    flag("max_num_load_retries", int, 5, "Retries of a failed load (with backoff) before giving up")
    flag("load_retry_interval_micros", int, 60 * 1000 * 1000, "First delay before retrying a failed load; "
         "each later retry waits twice as long")
    flag("file_system_poll_wait_seconds", float, 1.0,
         "Poll the model base paths for new or removed versions this often (<= 0: only at start-up)")
    flag("flush_filesystem_caches", bool, True, "Accepted for compatibility")
    flag("tensorflow_session_parallelism", int, 0, "Accepted for compatibility")
    flag("tensorflow_intra_op_parallelism", int, 0,
         "Threads one model run's kernels (BLAS) use (0: the usable CPUs shared out among the batch threads)")
    flag("tensorflow_inter_op_parallelism", int, 0, "Ops or pipeline elements worked on at once (0: the usable CPUs)")
    flag("saved_model_tags", str, "", "Comma-separated tags of the MetaGraphDef to load (default: 'serve', or "
         "'serve,gpu' where a GPU is present)")
    flag("grpc_channel_arguments", str, "", "Comma-separated key=value gRPC server arguments")
    flag("grpc_max_threads", int, 64, "Threads for gRPC calls other than Predict (and for Predict's model when batching is off)")
    flag("enable_model_warmup", bool, True, "Replay assets.extra/tf_serving_warmup_requests before serving")
    flag("num_request_iterations_for_warmup", int, 1, "Times each warmup request is replayed")
    flag("monitoring_config_file", str, "", "MonitoringConfig in text format (prometheus_config { enable, path })")
    flag("metrics_path", str, "", "Serve Prometheus metrics at this REST path (e.g. /monitoring/prometheus/metrics)")
    flag("max_request_size_bytes", int, 64 << 20, "Refuse gRPC messages and HTTP bodies larger than this")
    flag("enable_grpc_healthcheck_service", bool, True, "Serve grpc.health.v1.Health")
    flag("enable_signature_method_name_check", bool, False, "Check signatures' method names as TF 1 did")
    flag("enable_serialization_as_tensor_content", bool, False,
         "Write response tensors as tensor_content instead of typed value fields")
    flag("shutdown_grace_seconds", float, 10.0, "On SIGTERM, how long requests in flight may take to finish")
    flag("log_level", str, "INFO", "Logging level (DEBUG, INFO, WARNING, ERROR)")
    p.add_argument("--version", action="store_true", help="Print the version and exit")
    return p


_SERVER_OPTIONS = ("host", "port", "grpc_socket_path", "rest_api_port", "rest_api_timeout_in_ms",
                   "rest_api_enable_cors_support", "rest_api_num_threads", "rest_api_max_connections",
                   "rest_api_max_concurrent_requests", "rest_api_header_timeout_seconds",
                   "rest_api_idle_timeout_seconds", "open_ports_early", "model_name", "model_base_path", "model_config_file",
                   "model_config_file_poll_wait_seconds", "allow_version_labels_for_unavailable_models",
                   "file_system_poll_wait_seconds", "saved_model_tags", "enable_batching", "batching_parameters_file",
                   "max_num_load_retries", "load_retry_interval_micros", "num_load_threads", "num_unload_threads",
                   "enable_model_warmup", "num_request_iterations_for_warmup", "monitoring_config_file",
                   "metrics_path", "grpc_max_threads", "grpc_channel_arguments", "max_request_size_bytes",
                   "enable_grpc_healthcheck_service", "enable_signature_method_name_check",
                   "enable_serialization_as_tensor_content", "shutdown_grace_seconds",
                   "tensorflow_intra_op_parallelism", "tensorflow_inter_op_parallelism")


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.version:
        print(VERSION)
        return 0
    logging.basicConfig(level=getattr(logging, args.log_level.upper(), logging.INFO), stream=sys.stderr,
                        format="%(asctime)s.%(msecs)03d: %(levelname).1s %(name)s] %(message)s",
                        datefmt="%Y-%m-%d %H:%M:%S")
    log = logging.getLogger("tagraph.serving")
    for name in ("enable_per_model_batching_parameters", "tensorflow_session_parallelism"):
        if getattr(args, name):
            log.warning("--%s is accepted for compatibility with TensorFlow Serving and has no effect here", name)
    from tagraph.serving import config as config_lib, server as server_lib  # lazy: --help needs no grpc

    options = server_lib.ServerOptions(**{k: getattr(args, k) for k in _SERVER_OPTIONS})
    try:
        server = server_lib.ModelServer(options)
    except (config_lib.ConfigError, ValueError) as e:
        log.error("%s", e)
        return 1

    stop_event = threading.Event()

    def on_signal(signum, _frame):
        log.info("Received %s", signal.Signals(signum).name)
        stop_event.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    faulthandler.register(signal.SIGUSR1, all_threads=True)     # `kill -USR1` dumps every thread's stack
    try:
        try:
            server.start(abort=stop_event)
        except Exception as e:  # noqa: BLE001 - a port in use, a label pointing at no loaded version, ...
            log.error("Start-up failed: %s", getattr(e, "message", None) or e)
            server.stop(0)
            return 1
        while not stop_event.wait(3600):
            pass
        server.stop()
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        faulthandler.unregister(signal.SIGUSR1)

if __name__ == "__main__":
    sys.exit(main())
