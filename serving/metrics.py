"""Prometheus metrics of the model server, through the maintained ``prometheus-client``.

Turned on with ``--metrics_path=/monitoring/prometheus/metrics`` or, as in TensorFlow Serving, with
``--monitoring_config_file`` holding ``prometheus_config { enable: true path: "..." }``; served on the
REST port in the text exposition format (0.0.4). TensorFlow Serving's own metrics keep their names, so
its dashboards work unchanged:

* ``:tensorflow:serving:request_count{model_name, status}``, every request by status (TensorFlow
  Serving's counter has no ``_total`` suffix, which prometheus-client's Counter would add: a custom
  collector writes it, untyped);
* ``:tensorflow:serving:request_latency{model_name, API, entrypoint}``, a histogram in microseconds with
  its buckets (10 us x 1.8^k), for requests that succeeded;
* ``:tensorflow:serving:batching_session:queuing_latency{thread_pool_name}`` (microseconds), time a
  batched request waited for its batch to start.

tagraph's own, labelled per model, version and signature: ``tagraph_serving_requests_total`` (with API,
protocol and status code), ``tagraph_serving_request_latency_seconds``, ``tagraph_serving_in_flight_requests``
(by protocol), ``tagraph_serving_batch_queue_depth`` (requests waiting per model and signature),
``tagraph_serving_batch_size``, ``tagraph_serving_batch_padding_rows_total``, load attempts and latency,
each version's state and the servables alive.

    metrics = Metrics()
    metrics.request_started("grpc")
    metrics.request_finished("m", 2, "serving_default", "predict", "grpc", "OK", 0.0012)
    text = metrics.exposition(manager)
"""
import threading

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric

__all__ = ["Metrics", "CONTENT_TYPE", "LATENCY_BUCKETS"]

prometheus_client.disable_created_metrics()      # no *_created series (TensorFlow Serving has none)

LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                   5.0, 10.0, 30.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
LOAD_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
# TensorFlow Serving's request and runtime latency: Buckets::Exponential(10, 1.8, 33), in microseconds.
TF_LATENCY_BUCKETS_US = tuple(10 * 1.8 ** k for k in range(32)) + (float("inf"),)
# Its batching queue latency: Exponential(100, 1.2, 52).
TF_QUEUE_BUCKETS_US = tuple(100 * 1.2 ** k for k in range(51)) + (float("inf"),)

CONTENT_TYPE = prometheus_client.exposition.CONTENT_TYPE_PLAIN_0_0_4

_REQUEST_LABELS = ("model", "version", "signature", "api", "protocol")
# TensorFlow Serving's API label values: gRPC method names, or the REST verb.
_TF_API = {"grpc": {"predict": "Predict", "classify": "Classify", "regress": "Regress",
                    "multi_inference": "MultiInference", "metadata": "GetModelMetadata"}}
_TF_ENTRYPOINT = {"grpc": "GRPC", "rest": "REST"}


class _Collector:
    """What is computed when scraped: TensorFlow Serving's request count, in-flight requests, batch
    queues, version states, servables alive."""

    def __init__(self, metrics):
        self._metrics = metrics

    def collect(self):
        m = self._metrics
        with m.lock:
            counts = dict(m.tf_counts)
            in_flight = dict(m.in_flight)
        tf_count = Metric(":tensorflow:serving:request_count", "The total number of requests.", "unknown")
        for (model, status), n in sorted(counts.items()):
            tf_count.add_sample(":tensorflow:serving:request_count", {"model_name": model, "status": status}, n)
        yield tf_count
        gauge = GaugeMetricFamily("tagraph_serving_in_flight_requests", "Requests being answered, by protocol.",
                                  labels=["protocol"])
        for protocol in sorted(set(in_flight) | {"grpc", "rest"}):
            gauge.add_metric([protocol], in_flight.get(protocol, 0))
        yield gauge
        if m.batcher is not None:
            depth = GaugeMetricFamily("tagraph_serving_batch_queue_depth",
                                      "Requests waiting in the batching queues (in open and scheduled batches).",
                                      labels=["model", "signature"])
            for (model, signature), n in sorted(m.batcher.queue_depths().items()):
                depth.add_metric([model, signature], n)
            yield depth
        manager = m.manager
        if manager is not None:
            state = GaugeMetricFamily("tagraph_serving_model_version_state",
                                      "1 for the state each model version is in.",
                                      labels=["model", "version", "state"])
            for model, versions in sorted(manager.snapshot().items()):
                for version, name in sorted(versions.items()):
                    state.add_metric([model, str(version), name], 1)
            yield state
        if m.servables_alive is not None:
            yield GaugeMetricFamily("tagraph_serving_servables_alive",
                                    "Loaded sessions not yet freed (loaded or unloading).", value=m.servables_alive())


class Metrics:
    """The model server's metrics; thread-safe. ``manager``, ``batcher`` and ``servables_alive`` (a function)
    are read when scraped, once set."""

    def __init__(self):
        self.registry = CollectorRegistry(auto_describe=True)
        self.lock = threading.Lock()
        self.tf_counts = {}
        self.in_flight = {}
        self.manager = None
        self.batcher = None
        self.servables_alive = None
        r = self.registry
        self._requests = Counter("tagraph_serving_requests", "Requests answered, by model, version, signature, "
                                 "API, protocol and status code.", _REQUEST_LABELS + ("code",), registry=r)
        self._latency = Histogram("tagraph_serving_request_latency_seconds", "Request latency, from arrival to "
                                  "answer.", _REQUEST_LABELS, buckets=LATENCY_BUCKETS, registry=r)
        self._tf_latency = Histogram(":tensorflow:serving:request_latency", "Distribution of wall time (in "
                                     "microseconds) for Tensorflow Serving request.",
                                     ("model_name", "API", "entrypoint"), buckets=TF_LATENCY_BUCKETS_US, registry=r)
        self._tf_queue = Histogram(":tensorflow:serving:batching_session:queuing_latency", "Distribution of wall "
                                   "time spent (in microseconds) in queuing", ("thread_pool_name",),
                                   buckets=TF_QUEUE_BUCKETS_US, registry=r)
        self._loads = Counter("tagraph_serving_load_attempts", "Attempts to load a model version, by outcome.",
                              ("model", "version", "status"), registry=r)
        self._load_latency = Histogram("tagraph_serving_load_latency_seconds", "Time to load (and warm up) a "
                                       "model version.", ("model",), buckets=LOAD_BUCKETS, registry=r)
        self._batches = Histogram("tagraph_serving_batch_size", "Rows per merged batch (before padding).",
                                  ("model", "signature"), buckets=BATCH_BUCKETS, registry=r)
        self._padding = Counter("tagraph_serving_batch_padding_rows", "Rows added to reach an allowed batch size.",
                                ("model", "signature"), registry=r)
        r.register(_Collector(self))

    def request_started(self, protocol):
        with self.lock:
            self.in_flight[protocol] = self.in_flight.get(protocol, 0) + 1

    def request_finished(self, model, version, signature, api, protocol, code, seconds):
        labels = (model, "" if version is None else str(version), signature or "", api, protocol)
        self._requests.labels(*labels, code).inc()
        self._latency.labels(*labels).observe(seconds)
        if code == "OK":
            self._tf_latency.labels(model, _TF_API.get(protocol, {}).get(api, api),
                                    _TF_ENTRYPOINT.get(protocol, protocol.upper())).observe(seconds * 1e6)
        with self.lock:
            self.in_flight[protocol] = self.in_flight.get(protocol, 0) - 1
            key = (model, code)
            self.tf_counts[key] = self.tf_counts.get(key, 0) + 1

    def record_load(self, model, version, status, seconds):
        self._loads.labels(model, str(version), status).inc()
        self._load_latency.labels(model).observe(seconds)

    def record_batch(self, model, signature, size, padded_size, queued_seconds=()):
        self._batches.labels(model, signature).observe(size)
        if padded_size > size:
            self._padding.labels(model, signature).inc(padded_size - size)
        queue = self._tf_queue.labels("batch_threads")
        for s in queued_seconds:
            queue.observe(s * 1e6)

    def exposition(self):
        """The metrics as Prometheus text."""
        return prometheus_client.generate_latest(self.registry).decode("utf-8")
