"""One loaded version of one model: a SavedModel behind tagraph's SignatureRunner.

The server calls signatures only through ``tagraph.serialization.saved_model.signature_runner``; this
module adds what serving needs around it: choosing the tag-set (``serve,gpu`` where a GPU is present,
else ``serve``, unless ``--saved_model_tags`` says otherwise), counting requests in flight so that an
unload waits for them, and closing the session on unload so its memory is freed.

    servable = load_servable("m", 2, "/models/m/0002")
    with servable.in_use():
        outputs = servable.run("serving_default", {"x": x}, ("y",))
"""
import contextlib
import logging
import threading
import weakref

from tagraph.devices import registry
from tagraph.devices.kind import export_kinds, host_kind
from tagraph.engine.framework.config import ConfigProto
from tagraph.serialization.saved_model import loader
from tagraph.serialization.saved_model.signature_runner import SignatureRunner
from tagraph.serialization.saved_model.utils import get_tensor_from_tensor_info
from tagraph.serving.status import ServingError, as_serving_error

logger = logging.getLogger("tagraph.serving")

SERVE = "serve"

# Servables not yet garbage-collected: an unloaded version must leave this set (its memory freed).
_alive = weakref.WeakSet()
_alive_lock = threading.Lock()


def servables_alive():
    """How many servables (loaded or unloaded but not yet freed) exist in this process."""
    with _alive_lock:
        return len(_alive)


def _present_device_types():
    try:
        return {d.device_type for d in registry.list_devices()}
    except Exception:  # noqa: BLE001 - a broken device probe must not stop serving on the host
        logger.warning("Probing for devices failed; serving on the %s", host_kind().device_type, exc_info=True)
        return {host_kind().device_type}


def choose_tags(export_dir, requested_tags=None):
    """The tag-set to load: ``requested_tags`` if given, else a device kind's (``serve,gpu``) where such a
    device is present and the SavedModel has its graph, else ``serve``."""
    if requested_tags:
        return sorted(requested_tags), "requested by --saved_model_tags"
    try:
        tag_sets = [set(mg.meta_info_def.tags) for mg in loader.parse_saved_model(export_dir).meta_graphs]
    except Exception:  # noqa: BLE001 - the load itself reports the error properly
        return [SERVE], "default"
    present = _present_device_types()
    missing = []
    for kind in export_kinds():
        if kind.device_type not in present:
            continue
        tags = [SERVE] + [t for t in kind.export_tags if t != SERVE]
        if set(tags) in tag_sets:
            return tags, "a %s is present" % kind.device_type
        missing.append("a %s is present but the SavedModel has no '%s' graph"
                       % (kind.device_type, ",".join([SERVE] + list(kind.export_tags))))
    if missing:
        return [SERVE], missing[0]
    return [SERVE], "; ".join("no %s is present" % k.device_type for k in export_kinds()) or "default"


def _shape_tuple(info):
    if info.tensor_shape.unknown_rank:
        return None
    return tuple(d.size for d in info.tensor_shape.dim)


class Servable:
    """A loaded SavedModel version; thread-safe to run while ``in_use``."""

    def __init__(self, name, version, path, runner, tags):
        self.name = name
        self.version = version
        self.path = path
        self.tags = tags
        self._runner = runner
        self.meta_graph_def = runner.meta_graph_def
        self.signature_defs = dict(runner.meta_graph_def.signature_def)
        # Per signature and input: (DataType enum, shape tuple or None); checked on every request.
        self.input_specs = {key: {alias: (info.dtype, _shape_tuple(info)) for alias, info in sig.inputs.items()}
                            for key, sig in self.signature_defs.items()}
        self._callables = {}
        self._compile_lock = threading.Lock()
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._in_flight = 0
        self._closing = False
        with _alive_lock:
            _alive.add(self)

    def __repr__(self):
        return "Servable(%s, version %d)" % (self.name, self.version)

    @property
    def id_string(self):
        """TensorFlow Serving's ServableId debug string: ``{name: m version: 2}``."""
        return "{name: %s version: %d}" % (self.name, self.version)

    def acquire(self):
        """Counts one request in; False if the servable is being unloaded (look it up again)."""
        with self._lock:
            if self._closing:
                return False
            self._in_flight += 1
            return True

    def release(self):
        with self._lock:
            self._in_flight -= 1
            idle = self._closing and self._in_flight == 0
        if idle:
            self._idle.set()

    @contextlib.contextmanager
    def in_use(self):
        if not self.acquire():
            raise ServingError.unavailable("Servable %s is being unloaded" % self.id_string)
        try:
            yield self
        finally:
            self.release()

    def run(self, signature_key, inputs, output_keys):
        """Runs one signature: ``inputs`` name -> numpy array; returns ``output_keys`` -> numpy array.

        The server checks every request against the signature before it gets here (exact dtype,
        compatible shape: :func:`tagraph.serving.inference.check_input`), so a signature whose tensors
        are plain named tensors runs through a callable compiled once on the runner's session, without
        SignatureRunner.run's per-call conversions; anything else goes through SignatureRunner.run.
        """
        output_keys = tuple(output_keys)
        in_keys = tuple(sorted(inputs))
        cache_key = (signature_key, in_keys, output_keys)
        fn = self._callables.get(cache_key)
        try:
            if fn is None:
                fn = self._compile(cache_key)
            if fn is False:
                return self._runner.run(inputs, signature_key, list(output_keys))
            return dict(zip(output_keys, fn(*[inputs[k] for k in in_keys])))
        except Exception as e:  # noqa: BLE001 - every failure becomes a status for the client
            raise as_serving_error(e) from None

    def _compile(self, cache_key):
        signature_key, in_keys, out_keys = cache_key
        with self._compile_lock:
            fn = self._callables.get(cache_key)
            if fn is not None:
                return fn
            sig = self.signature_defs.get(signature_key)
            infos = [sig.inputs.get(k) for k in in_keys] + [sig.outputs.get(k) for k in out_keys] \
                if sig is not None else [None]
            if any(i is None or i.WhichOneof("encoding") != "name" for i in infos):
                fn = False           # sparse tensors, unknown names: SignatureRunner.run handles and reports
            else:
                session = self._runner.session
                graph = session.graph
                feeds = [get_tensor_from_tensor_info(sig.inputs[k], graph) for k in in_keys]
                fetches = [get_tensor_from_tensor_info(sig.outputs[k], graph) for k in out_keys]
                fn = session.make_callable(fetches, feeds)
            self._callables[cache_key] = fn
            return fn

    def close(self, wait_timeout=None):
        """Stops new requests, waits for those in flight, and closes the session (frees its memory)."""
        with self._lock:
            self._closing = True
            if self._in_flight == 0:
                self._idle.set()
        self._idle.wait(wait_timeout)
        self._callables.clear()
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.close()


def load_servable(name, version, path, saved_model_tags=None, session_config=None):
    """Loads version ``version`` of model ``name`` from ``path``; raises ServingError on failure."""
    tags, why = choose_tags(path, saved_model_tags)
    logger.info("Reading SavedModel from: %s", path)
    logger.info("Reading meta graph with tags { %s } (%s)", " ".join(tags), why)
    if session_config is None:
        # A 'serve,gpu' graph pins nodes to /device:GPU:0; an op without a GPU kernel falls back to the CPU.
        session_config = ConfigProto(allow_soft_placement=True)
    try:
        runner = SignatureRunner(path, tags=tags, config=session_config)
    except Exception as e:  # noqa: BLE001 - reported, retried by the manager
        raise as_serving_error(e) from None
    return Servable(name, version, path, runner, tags)
