"""Prometheus metrics of the model server, in the text exposition format (version 0.0.4).

Turned on with ``--metrics_path=/monitoring/prometheus/metrics`` or, as in TensorFlow Serving, with
``--monitoring_config_file`` holding ``prometheus_config { enable: true path: "..." }``; served on the
REST port. Request counts and latency histograms are labelled by model, version, signature, API and
protocol; TensorFlow Serving's own ``:tensorflow:serving:request_count`` is exported too, so existing
dashboards keep working.

    registry = Metrics()
    registry.record_request("m", 2, "serving_default", "predict", "grpc", "OK", 0.0012)
    text = registry.exposition(manager)
"""
import bisect
import threading

LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                   5.0, 10.0, 30.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
LOAD_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names, values, extra=""):
    parts = ['%s="%s"' % (n, _escape(v)) for n, v in zip(names, values)]
    if extra:
        parts.append(extra)
    return "{%s}" % ",".join(parts) if parts else ""


def _fmt(v):
    if isinstance(v, int):
        return str(v)
    return repr(float(v)) if v == v else "NaN"


class _Histogram:
    __slots__ = ("buckets", "counts", "sum", "count")

    def __init__(self, buckets):
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.sum = 0.0
        self.count = 0

    def observe(self, value):
        i = bisect.bisect_left(self.buckets, value)
        if i < len(self.counts):
            self.counts[i] += 1
        self.sum += value
        self.count += 1

    def lines(self, name, label_names, label_values):
        out = []
        cumulative = 0
        for bound, c in zip(self.buckets, self.counts):
            cumulative += c
            out.append("%s_bucket%s %d" % (name, _labels(label_names, label_values, 'le="%s"' % _fmt(bound)),
                                           cumulative))
        out.append("%s_bucket%s %d" % (name, _labels(label_names, label_values, 'le="+Inf"'), self.count))
        out.append("%s_sum%s %s" % (name, _labels(label_names, label_values), _fmt(self.sum)))
        out.append("%s_count%s %d" % (name, _labels(label_names, label_values), self.count))
        return out


_REQUEST_LABELS = ("model", "version", "signature", "api", "protocol")


class Metrics:
    """Counters and histograms of requests, loads and batches; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._requests = {}          # (model, version, signature, api, protocol, code) -> count
        self._latency = {}           # (model, version, signature, api, protocol) -> _Histogram
        self._loads = {}             # (model, version, status) -> count
        self._load_latency = {}      # model -> _Histogram
        self._batches = {}           # (model, signature) -> _Histogram of batch sizes
        self._padding = {}           # (model, signature) -> padded rows

    def record_request(self, model, version, signature, api, protocol, code, seconds):
        key = (model, "" if version is None else str(version), signature or "", api, protocol)
        with self._lock:
            ckey = key + (code,)
            self._requests[ckey] = self._requests.get(ckey, 0) + 1
            h = self._latency.get(key)
            if h is None:
                h = self._latency[key] = _Histogram(LATENCY_BUCKETS)
            h.observe(seconds)

    def record_load(self, model, version, status, seconds):
        with self._lock:
            key = (model, str(version), status)
            self._loads[key] = self._loads.get(key, 0) + 1
            h = self._load_latency.get(model)
            if h is None:
                h = self._load_latency[model] = _Histogram(LOAD_BUCKETS)
            h.observe(seconds)

    def record_batch(self, model, signature, size, padded_size):
        with self._lock:
            key = (model, signature)
            h = self._batches.get(key)
            if h is None:
                h = self._batches[key] = _Histogram(BATCH_BUCKETS)
            h.observe(size)
            if padded_size > size:
                self._padding[key] = self._padding.get(key, 0) + padded_size - size

    def exposition(self, manager=None, servables_alive=None):
        """The metrics as Prometheus text."""
        with self._lock:
            requests = dict(self._requests)
            latency = {k: (list(h.counts), h.sum, h.count) for k, h in self._latency.items()}
            loads = dict(self._loads)
            load_latency = {k: (list(h.counts), h.sum, h.count) for k, h in self._load_latency.items()}
            batches = {k: (list(h.counts), h.sum, h.count) for k, h in self._batches.items()}
            padding = dict(self._padding)
        out = []

        def hist(name, buckets, data, label_names):
            for values in sorted(data):
                h = _Histogram(buckets)
                h.counts, h.sum, h.count = data[values]
                out.extend(h.lines(name, label_names, values if isinstance(values, tuple) else (values,)))

        out.append("# HELP tagraph_serving_requests_total Requests answered, by model, version, signature, API, "
                   "protocol and status code.")
        out.append("# TYPE tagraph_serving_requests_total counter")
        for key in sorted(requests):
            out.append("tagraph_serving_requests_total%s %d"
                       % (_labels(_REQUEST_LABELS + ("code",), key), requests[key]))
        out.append("# HELP tagraph_serving_request_latency_seconds Request latency, from arrival to answer.")
        out.append("# TYPE tagraph_serving_request_latency_seconds histogram")
        hist("tagraph_serving_request_latency_seconds", LATENCY_BUCKETS, latency, _REQUEST_LABELS)

        tf_counts = {}
        for (model, _v, _s, _a, _p, code), n in requests.items():
            tf_counts[(model, code)] = tf_counts.get((model, code), 0) + n
        out.append("# HELP :tensorflow:serving:request_count The total number of requests (TensorFlow Serving's "
                   "metric).")
        out.append("# TYPE :tensorflow:serving:request_count counter")
        for key in sorted(tf_counts):
            out.append(":tensorflow:serving:request_count%s %d" % (_labels(("model_name", "status"), key),
                                                                  tf_counts[key]))

        out.append("# HELP tagraph_serving_load_attempts_total Attempts to load a model version, by outcome.")
        out.append("# TYPE tagraph_serving_load_attempts_total counter")
        for key in sorted(loads):
            out.append("tagraph_serving_load_attempts_total%s %d"
                       % (_labels(("model", "version", "status"), key), loads[key]))
        out.append("# HELP tagraph_serving_load_latency_seconds Time to load (and warm up) a model version.")
        out.append("# TYPE tagraph_serving_load_latency_seconds histogram")
        hist("tagraph_serving_load_latency_seconds", LOAD_BUCKETS, load_latency, ("model",))

        out.append("# HELP tagraph_serving_batch_size Rows per merged batch (before padding).")
        out.append("# TYPE tagraph_serving_batch_size histogram")
        hist("tagraph_serving_batch_size", BATCH_BUCKETS, batches, ("model", "signature"))
        out.append("# HELP tagraph_serving_batch_padding_rows_total Rows added to reach an allowed batch size.")
        out.append("# TYPE tagraph_serving_batch_padding_rows_total counter")
        for key in sorted(padding):
            out.append("tagraph_serving_batch_padding_rows_total%s %d"
                       % (_labels(("model", "signature"), key), padding[key]))

        if manager is not None:
            out.append("# HELP tagraph_serving_model_version_state 1 for the state each model version is in.")
            out.append("# TYPE tagraph_serving_model_version_state gauge")
            for model, versions in sorted(manager.snapshot().items()):
                for version, state in sorted(versions.items()):
                    out.append("tagraph_serving_model_version_state%s 1"
                               % _labels(("model", "version", "state"), (model, version, state)))
        if servables_alive is not None:
            out.append("# HELP tagraph_serving_servables_alive Loaded sessions not yet freed (loaded or "
                       "unloading).")
            out.append("# TYPE tagraph_serving_servables_alive gauge")
            out.append("tagraph_serving_servables_alive %d" % servables_alive)
        return "\n".join(out) + "\n"
