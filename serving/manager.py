"""Which versions of which models are loaded, loading, serving and unloading: the server's core.

The manager polls each model's base path (see :mod:`tagraph.serving.versions`), applies its version
policy, and reconciles:

* an aspired version not yet loaded is loaded on a loader thread (and warmed up by the load function)
  before it serves; a failed load is logged and retried with exponential backoff, up to
  ``max_num_load_retries`` times; a version that finally failed is tried again if its files change;
* a version no longer aspired keeps serving until an aspired version of the same model is available
  (TensorFlow Serving's availability-preserving policy), then is unloaded: taken out of routing, its
  requests in flight finished, its session closed so its memory is freed.

Requests find servables through an immutable routing snapshot that is swapped whole on every change,
so a lookup takes no lock, and a version swap never leaves a window with nothing to serve.

    manager = ServableManager(load_fn)
    manager.configure([model_config])
    manager.initial_load()
    servable = manager.acquire("m", version=None, label=None)   # release() when done
"""
import concurrent.futures
import gc
import logging
import threading
import time

from tagraph.serving.status import ServingError, as_serving_error
from tagraph.serving.versions import VersionScanner, apply_policy, describe_policy

logger = logging.getLogger("tagraph.serving")

# ModelVersionStatus.State of get_model_status.proto.
START, LOADING, AVAILABLE, UNLOADING, END = 10, 20, 30, 40, 50
STATE_NAMES = {START: "START", LOADING: "LOADING", AVAILABLE: "AVAILABLE", UNLOADING: "UNLOADING", END: "END"}

_MAX_BACKOFF_SECONDS = 300.0


class VersionRecord:
    """One version of one model as the manager tracks it."""

    def __init__(self, model, version, path, listing):
        self.model = model
        self.version = version
        self.path = path
        self.listing = listing
        self.state = START
        self.error = None            # ServingError of the last failed load
        self.servable = None
        self.cancelled = False
        self.unloaded_cleanly = False

    @property
    def id_string(self):
        return "{name: %s version: %d}" % (self.model, self.version)


class ModelRecord:
    def __init__(self, config):
        self.config = config
        self.versions = {}           # version -> VersionRecord (latest record for that version)
        self.aspired = set()
        self.ready = {}
        self.removed = False
        self.polled = False

    @property
    def name(self):
        return self.config.name


class Route:
    """What requests to one model may use right now (an immutable snapshot)."""

    __slots__ = ("available", "latest", "labels", "loading")

    def __init__(self, available, labels, loading):
        self.available = available                     # version -> Servable
        self.latest = available[max(available)] if available else None
        self.labels = labels                           # label -> version
        self.loading = loading                         # a version is loading and none is available


class ServableManager:
    """Loads, serves and unloads model versions; see the module docstring."""

    def __init__(self, load_fn, max_num_load_retries=5, load_retry_interval_seconds=60.0, num_load_threads=2,
                 num_unload_threads=1, on_unload=None, metrics=None):
        self._load_fn = load_fn
        self._max_retries = max(0, int(max_num_load_retries))
        self._retry_interval = max(0.0, float(load_retry_interval_seconds))
        self._on_unload = on_unload
        self._metrics = metrics
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._models = {}
        self._routes = {}
        self._scanner = VersionScanner()
        self._scan_lock = threading.Lock()
        self._load_pool = concurrent.futures.ThreadPoolExecutor(max(1, num_load_threads), "tagraph-load")
        self._unload_pool = concurrent.futures.ThreadPoolExecutor(max(1, num_unload_threads), "tagraph-unload")
        self._stop = threading.Event()
        self._poller = None
        self._initial_done = False

    # --- configuration and polling ----------------------------------------------------------------

    def configure(self, model_configs):
        """Serve exactly ``model_configs`` (ModelConfig protos): add, update and remove models."""
        with self._lock:
            names = set()
            for config in model_configs:
                names.add(config.name)
                rec = self._models.get(config.name)
                if rec is None or rec.removed:
                    logger.info("Adding model: %s (base path %s, version policy: %s)", config.name,
                                config.base_path, describe_policy(config.model_version_policy))
                    new = ModelRecord(config)
                    if rec is not None:
                        new.versions = rec.versions
                    self._models[config.name] = new
                else:
                    if rec.config != config:
                        logger.info("Updating model: %s (base path %s, version policy: %s)", config.name,
                                    config.base_path, describe_policy(config.model_version_policy))
                    rec.config = config
            for name, rec in self._models.items():
                if name not in names and not rec.removed:
                    logger.info("Removing model: %s", name)
                    rec.removed = True
                    rec.aspired = set()
                    self._reconcile(rec)
            self._publish()

    def model_names(self):
        with self._lock:
            return sorted(n for n, r in self._models.items() if not r.removed)

    def poll_once(self):
        """Scan every model's base path and load / unload to match its version policy."""
        with self._lock:
            models = [r for r in self._models.values() if not r.removed]
        for rec in models:
            ready = self._scan(rec.config.base_path)
            with self._lock:
                if rec.removed or self._models.get(rec.name) is not rec:
                    continue
                if ready is None:
                    # Base path unreadable: keep serving what is loaded; with nothing loaded, requests are
                    # answered NOT_FOUND rather than "loading" (nothing is).
                    if not rec.polled:
                        rec.polled = True
                        self._publish()
                    continue
                aspired = apply_policy(rec.config.model_version_policy, ready.keys())
                if not ready and not rec.polled:
                    logger.warning("No versions of servable %s found under base path %s", rec.name,
                                   rec.config.base_path)
                if aspired != rec.aspired:
                    logger.info("Aspired versions of %s: %s", rec.name, sorted(aspired) or "none")
                rec.polled = True
                rec.ready = ready
                rec.aspired = aspired
                self._reconcile(rec)

    def initial_load(self, settle_seconds=0.05, abort=None):
        """First load: :meth:`scan_and_load` of every model; readiness can turn true after it.

        ``abort`` (a threading.Event) ends the wait early, e.g. on SIGTERM while a load is retried.
        """
        self.scan_and_load(None, settle_seconds, timeout=0)
        while not self.wait_until_settled(timeout=0.1):
            if abort is not None and abort.is_set():
                return
        with self._lock:
            self._initial_done = True
            self._changed.notify_all()

    def scan_and_load(self, names=None, settle_seconds=0.05, timeout=None):
        """Scan ``names`` (default all models) twice, ``settle_seconds`` apart, so that directories still
        being written wait; load what the policies ask for; wait until those loads end."""
        with self._lock:
            models = [r for r in self._models.values() if not r.removed and (names is None or r.name in names)]
        for rec in models:
            self._scan(rec.config.base_path)
        time.sleep(settle_seconds)
        self.poll_once()
        return self.wait_until_settled(names, timeout=timeout)

    def _scan(self, base_path):
        with self._scan_lock:
            return self._scanner.scan(base_path)

    def start_polling(self, interval_seconds):
        """Poll every ``interval_seconds`` on a background thread (not at all if it is <= 0)."""
        if interval_seconds <= 0:
            return

        def loop():
            while not self._stop.wait(interval_seconds):
                try:
                    self.poll_once()
                except Exception:  # noqa: BLE001 - the poller must survive any one bad scan
                    logger.exception("Polling for model versions failed")
        self._poller = threading.Thread(target=loop, name="tagraph-version-poller", daemon=True)
        self._poller.start()

    def wait_until_settled(self, names=None, timeout=None):
        """Wait until no aspired version of ``names`` (default all) is still starting or loading."""
        def settled():
            for rec in self._models.values():
                if rec.removed or (names is not None and rec.name not in names):
                    continue
                for v in rec.aspired:
                    vr = rec.versions.get(v)
                    if vr is None or vr.state in (START, LOADING):
                        return False
            return True
        with self._changed:
            return self._changed.wait_for(settled, timeout=timeout)

    def stop(self):
        """Stop polling and loading; unload every version (waiting for requests in flight)."""
        self._stop.set()
        with self._lock:
            for rec in self._models.values():
                rec.removed = True
                rec.aspired = set()
                for vr in rec.versions.values():
                    vr.cancelled = True
                self._reconcile(rec)
        self._load_pool.shutdown(wait=True, cancel_futures=True)
        self._unload_pool.shutdown(wait=True)

    # --- reconciling --------------------------------------------------------------------------------

    def _reconcile(self, rec):
        """Start loads of aspired versions and unloads of unaspired ones (call with the lock held)."""
        if not self._stop.is_set():
            for v in sorted(rec.aspired, reverse=True):
                vr = rec.versions.get(v)
                path, listing = rec.ready.get(v, (None, None))
                if vr is not None and vr.state != END:
                    continue
                if vr is not None and vr.error is not None and vr.listing == listing:
                    continue         # failed for good; try again only when its files change
                if vr is not None and vr.error is not None:
                    logger.info("Files of %s changed since its failed load; loading it again", vr.id_string)
                vr = VersionRecord(rec.name, v, path, listing)
                rec.versions[v] = vr
                self._load_pool.submit(self._load_guarded, rec, vr)
        any_aspired_available = any(rec.versions[v].state == AVAILABLE for v in rec.aspired if v in rec.versions)
        for v, vr in list(rec.versions.items()):
            if v in rec.aspired:
                continue
            if vr.state in (START, LOADING):
                vr.cancelled = True
            elif vr.state == AVAILABLE and (any_aspired_available or not rec.aspired):
                self._begin_unload(vr)
        self._changed.notify_all()

    def _load_guarded(self, rec, vr):
        try:
            self._load(rec, vr)
        except BaseException as e:  # noqa: BLE001 - a bug here must show, and must not wedge the version
            logger.exception("Loading %s stopped unexpectedly", vr.id_string)
            with self._lock:
                vr.error = as_serving_error(e)
                vr.state = END
                self._changed.notify_all()

    def _load(self, rec, vr):
        attempt = 0
        while True:
            with self._lock:
                if vr.cancelled or self._stop.is_set():
                    vr.state = END
                    logger.info("Load of %s cancelled: the version is no longer aspired", vr.id_string)
                    self._changed.notify_all()
                    return
                vr.state = LOADING
            logger.info("Loading servable version %s from %s%s", vr.id_string, vr.path,
                        " (retry %d of %d)" % (attempt, self._max_retries) if attempt else "")
            started = time.monotonic()
            try:
                servable = self._load_fn(rec.name, vr.version, vr.path)
            except Exception as e:  # noqa: BLE001 - a load failure is reported, never fatal
                err = as_serving_error(e)
                if self._metrics:
                    self._metrics.record_load(rec.name, vr.version, err.code_name, time.monotonic() - started)
                logger.error("Loading servable: %s failed: %s", vr.id_string, err.message)
                with self._lock:
                    vr.error = err
                    if attempt >= self._max_retries or self._stop.is_set():
                        vr.state = END
                        logger.error("Giving up loading %s after %d attempt(s); %s", vr.id_string, attempt + 1,
                                     "it is retried when its files change" if not self._stop.is_set()
                                     else "the server is stopping")
                        self._reconcile(rec)
                        self._publish()
                        return
                attempt += 1
                delay = min(self._retry_interval * (2 ** (attempt - 1)), max(self._retry_interval,
                                                                               _MAX_BACKOFF_SECONDS))
                logger.info("Retrying load of %s in %.3g s (retry %d of %d)", vr.id_string, delay, attempt,
                            self._max_retries)
                self._stop.wait(delay)       # woken early when the server stops; the loop then ends
                continue
            if self._metrics:
                self._metrics.record_load(rec.name, vr.version, "OK", time.monotonic() - started)
            with self._lock:
                vr.servable = servable
                vr.error = None
                if vr.cancelled or self._stop.is_set():
                    vr.state = AVAILABLE
                    self._begin_unload(vr)
                    self._changed.notify_all()
                    return
                vr.state = AVAILABLE
                logger.info("Successfully loaded servable version %s (%.3f s)", vr.id_string,
                            time.monotonic() - started)
                self._publish()
                self._reconcile(rec)
            return

    def _begin_unload(self, vr):
        vr.state = UNLOADING
        logger.info("Unloading servable version %s", vr.id_string)
        self._publish()
        self._unload_pool.submit(self._unload, vr)

    def _unload(self, vr):
        servable = vr.servable
        try:
            if servable is not None:
                servable.close()             # waits for the requests in flight (batched ones included)
                if self._on_unload is not None:
                    self._on_unload(servable)
        except Exception:  # noqa: BLE001 - an unload must always finish
            logger.exception("Closing %s failed", vr.id_string)
        with self._lock:
            vr.servable = None
            vr.state = END
            vr.unloaded_cleanly = True
            self._changed.notify_all()
        del servable
        gc.collect()
        logger.info("Done unloading servable version %s", vr.id_string)

    def _publish(self):
        """Swap in a new routing snapshot (call with the lock held)."""
        routes = {}
        for name, rec in self._models.items():
            if rec.removed:
                continue
            available = {v: vr.servable for v, vr in rec.versions.items()
                         if vr.state == AVAILABLE and vr.servable is not None}
            loading = not available and any(vr.state in (START, LOADING) for vr in rec.versions.values())
            labels = dict(rec.config.version_labels)
            routes[name] = Route(available, labels, loading or (not rec.polled))
        for name in sorted(set(routes) | set(self._routes)):
            old, new = self._routes.get(name), routes.get(name)
            before = sorted(old.available) if old is not None else []
            after = sorted(new.available) if new is not None else []
            if before != after:
                if after:
                    logger.info("Serving model %s: version %d by default; available versions: %s", name,
                                after[-1], ", ".join(map(str, after)))
                else:
                    logger.info("Model %s has no version available", name)
        self._routes = routes

    # --- requests ------------------------------------------------------------------------------------

    def acquire(self, name, version=None, label=None):
        """The servable a request asks for, counted in flight; call ``release()`` on it when done."""
        for _ in range(5):
            servable = self._find(name, version, label)
            if servable.acquire():
                return servable
        raise ServingError.unavailable("Servable %s is being unloaded; retry the request" % servable.id_string)

    def _find(self, name, version, label):
        if not name:
            raise ServingError.invalid_argument("ModelSpec has no name specified.")
        route = self._routes.get(name)
        if label is not None:
            if route is None or label not in route.labels:
                raise ServingError.invalid_argument("Unrecognized servable version label: %s" % label)
            version = route.labels[label]
        if version is None:
            if route is None or route.latest is None:
                if route is not None and route.loading:
                    raise ServingError.unavailable(
                        "Servable %s is loading: no version of it is available yet" % name)
                raise ServingError.not_found("Servable not found for request: Latest(%s)" % name)
            return route.latest
        servable = route.available.get(version) if route is not None else None
        if servable is None:
            raise ServingError.not_found("Servable not found for request: Specific(%s, %d)" % (name, version))
        return servable

    def resolve_label(self, name, label):
        route = self._routes.get(name)
        if route is None or label not in route.labels:
            raise ServingError.invalid_argument("Unrecognized servable version label: %s" % label)
        return route.labels[label]

    # --- status -------------------------------------------------------------------------------------

    def version_states(self, name, version=None):
        """[(version, state, ServingError or None)], newest first, as GetModelStatus reports them."""
        with self._lock:
            rec = self._models.get(name)
            states = [] if rec is None else [(v, vr.state, vr.error) for v, vr in rec.versions.items()]
        if version is not None:
            states = [s for s in states if s[0] == version]
            if not states:
                raise ServingError.not_found("Could not find version %d of model %s" % (version, name))
            return states
        if not states:
            raise ServingError.not_found("Could not find any versions of model %s" % name)
        return sorted(states, key=lambda s: -s[0])

    def available_versions(self, name):
        route = self._routes.get(name)
        return sorted(route.available) if route is not None else []

    def readiness(self):
        """(ready, reason): ready once the first load finished and every model has a version available."""
        with self._lock:
            if not self._initial_done:
                return False, "initial model load in progress"
            routes = self._routes
            missing = [n for n, r in self._models.items()
                       if not r.removed and (n not in routes or routes[n].latest is None)]
        if missing:
            return False, "no version available for model(s): %s" % ", ".join(sorted(missing))
        return True, "all models have a version available"

    def snapshot(self):
        """{model: {version: state name}} of every tracked version (for metrics and logs)."""
        with self._lock:
            return {n: {v: STATE_NAMES[vr.state] for v, vr in r.versions.items()}
                    for n, r in self._models.items() if not r.removed}

    def check_labels(self, name, labels, allow_unavailable=False):
        """TensorFlow Serving's label rule: a label may only point at an available version."""
        if allow_unavailable:
            return
        available = set(self.available_versions(name))
        for label, version in sorted(labels.items()):
            if version not in available:
                raise ServingError.failed_precondition(
                    "Request to assign label to version %d of model %s, which is not currently available for "
                    "inference" % (version, name))
