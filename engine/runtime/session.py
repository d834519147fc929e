"""Session: prune the graph to what the fetches need, place it, compile a plan once, run it.

    with tg.Session() as sess:
        sess.run(tg.global_variables_initializer())
        print(sess.run(y, feed_dict={x: [[1.0, 2.0]]}))

A plan is compiled once per (fetches, feed keys) signature and reused (engine/runtime/compiler.py).
"""
import collections
import logging
import threading

from tagraph.devices.kind import registered_kinds
from tagraph.devices.placer import Placer, PlacementError
from tagraph.engine.framework import errors
from tagraph.engine.framework.graph import (Graph, Operation, Tensor, default_session_stack, get_default_graph,
                                            get_default_session)
from tagraph.engine.framework.indexed_slices import IndexedSlicesValue
from tagraph.engine.ops.parsing_ops import SparseTensorValue
from tagraph.engine.ops.queue_resources import run_deadline
from tagraph.engine.runtime.compiler import compile_plan
from tagraph.engine.runtime.plan import RunStats
from tagraph.engine.runtime.step_stats import StepStatsCollector, collecting

__all__ = ["Session", "InteractiveSession", "BaseSession", "SessionState", "RunStats", "get_default_session"]

logger = logging.getLogger("tagraph.session")


class SessionState:
    """What outlives a single run: variable values and per-op state (random generators, tables, compiled
    function bodies), and the session's placer, placement and config, which function bodies share."""

    def __init__(self, placer=None, placement=None, config=None):
        self.variables = {}      # variable key -> device array
        self.op_state = {}       # Operation -> anything its kernel keeps between runs (per op, not per
                                 # name: function bodies reuse node names)
        self.placer = placer
        self.placement = placement
        self.config = config

    def close(self):
        """Ends what the state's resources run in the background (input pipelines' threads): each value
        with a ``close_with_session`` method is closed."""
        for value in list(self.op_state.values()):
            close = getattr(value, "close_with_session", None)
            if close is not None:
                close()


class BaseSession:
    def __init__(self, target="", graph=None, config=None):
        if target:
            raise errors.UnimplementedError(None, None, "tagraph runs in process; target must be '' (got %r)"
                                            % target)
        self._graph = graph if graph is not None else get_default_graph()
        if not isinstance(self._graph, Graph):
            raise TypeError("graph must be a tg.Graph, got %r" % (self._graph,))
        self._config = config
        self._plans = {}
        self._closed = False
        self._lock = threading.RLock()
        self.last_run_stats = RunStats()
        self._placer = Placer(config)
        for kind in registered_kinds():
            kind.configure_threads(config)
        self._adapt_threads = tuple(k.adapt_threads for k in registered_kinds() if k.adapt_threads is not None)
        self._placement = {}    # op -> Device, fixed for the session's life once chosen
        self._state = SessionState(self._placer, self._placement, config)
        if self._placer.log_device_placement:
            # TensorFlow's DirectSession prints this when the session is made.
            logging.getLogger("tagraph.placement").info("%s", self._placer.device_mapping())

    graph = property(lambda self: self._graph)
    graph_def = property(lambda self: self._graph.as_graph_def())
    sess_str = property(lambda self: "")

    def list_devices(self):
        return list(self._placer.devices)

    # --- context management -------------------------------------------------------------------------

    def as_default(self):
        return _DefaultSessionContext(self)

    def __enter__(self):
        self._default_ctx = self.as_default()
        self._graph_ctx = self._graph.as_default()
        self._graph_ctx.__enter__()
        self._default_ctx.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb):
        self._default_ctx.__exit__(exc_type, exc, tb)
        self._graph_ctx.__exit__(exc_type, exc, tb)
        self.close()

    def close(self):
        """Releases the session's variables and every device's memory pool."""
        if self._closed:
            return
        self._closed = True
        self._state.close()
        self._state = SessionState()
        self._plans.clear()
        for dev in self._placer.devices:
            try:
                dev.backend.free_memory()
            except Exception:  # noqa: BLE001 - freeing memory must never raise from close()
                logger.debug("freeing memory of %s failed", dev.name, exc_info=True)

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass

    # --- running ------------------------------------------------------------------------------------

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Runs what ``fetches`` need and returns their values in the same structure.

        ``fetches``: a Tensor, Operation, name, SparseTensor (giving a SparseTensorValue), or nested
        lists/tuples/dicts/namedtuples of them.
        ``feed_dict``: tensors (or names) -> values replacing them for this run; a SparseTensor key takes a
        SparseTensorValue (or an ``(indices, values, dense_shape)`` triple).
        """
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        for adapt in self._adapt_threads:
            adapt()
        if feed_dict:
            key = (_structure_key(fetches), tuple(feed_dict))
        else:
            key = (_structure_key(fetches), ())
        if options is not None and options.trace_level and run_metadata is not None:
            return self._run_traced(key, fetches, feed_dict, run_metadata)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._compile(fetches, list(feed_dict) if feed_dict else [])
            self._plans[key] = plan
        if options is not None and getattr(options, "timeout_in_ms", 0) > 0:
            # Blocking kernels (queue waits) end at the deadline with DeadlineExceededError.
            with run_deadline(options.timeout_in_ms):
                return plan.run(feed_dict.values() if feed_dict else (), self._state)
        return plan.run(feed_dict.values() if feed_dict else (), self._state)

    def _run_traced(self, key, fetches, feed_dict, run_metadata):
        """A run with per-node timings into ``run_metadata.step_stats``, on a plan of its own whose kernels
        are wrapped in timers (so untraced runs pay nothing for tracing)."""
        key = key + ("traced",)
        traced = self._plans.get(key)
        if traced is None:
            collector = StepStatsCollector()
            with collecting(collector):
                plan = self._compile(fetches, list(feed_dict) if feed_dict else [])
            traced = self._plans[key] = (plan, collector)
        plan, collector = traced
        collector.reset()
        try:
            return plan.run(feed_dict.values() if feed_dict else (), self._state)
        finally:
            collector.fill(run_metadata.step_stats)

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function taking the values of ``feed_list`` positionally and returning ``fetches``' values."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        plan = self._compile(fetches, list(feed_list or []))
        state_ref = self

        def call(*feed_values, **kwargs):
            if len(feed_values) != plan.n_feed_args:
                raise TypeError("Callable takes %d feed values, got %d" % (plan.n_feed_args, len(feed_values)))
            return plan.run(feed_values, state_ref._state)
        return call

    def _compile(self, fetches, feed_keys):
        leaves = []
        rebuild = _flatten_fetches(fetches, leaves)
        with self._lock:
            try:
                return compile_plan(self, leaves, rebuild, feed_keys)
            except PlacementError as e:
                raise errors.InvalidArgumentError(None, e.op, e.message) from None


class Session(BaseSession):
    """A TensorFlow 1 session over a graph (the default graph unless given)."""


class InteractiveSession(BaseSession):
    """A session that makes itself the default on creation."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._default_ctx = self.as_default()
        self._default_ctx.__enter__()

    def close(self):
        if not self._closed and getattr(self, "_default_ctx", None) is not None:
            try:
                self._default_ctx.__exit__(None, None, None)
            except (IndexError, ValueError):
                pass
        super().close()


class _DefaultSessionContext:
    def __init__(self, sess):
        self._sess = sess

    def __enter__(self):
        default_session_stack().append(self._sess)
        return self._sess

    def __exit__(self, *exc):
        default_session_stack().remove(self._sess)


# --- fetch structures ---------------------------------------------------------------------------------

def _structure_key(f):
    t = type(f)
    if t is Tensor or t is Operation or t is str:
        return f
    if t is list:
        return ("l",) + tuple(_structure_key(x) for x in f)
    if t is tuple:
        return ("t",) + tuple(_structure_key(x) for x in f)
    if isinstance(f, dict):
        return ("d", t) + tuple((k, _structure_key(v)) for k, v in f.items())
    if isinstance(f, tuple) and hasattr(f, "_fields"):
        return ("n", t) + tuple(_structure_key(x) for x in f)
    if hasattr(f, "_as_graph_element"):
        return f
    if getattr(t, "_tg_indexed_slices", False):
        return ("s",) + tuple(_structure_key(x) for x in _slices_parts(f))
    if f is None:
        raise TypeError("Fetch argument None has invalid type <class 'NoneType'>")
    return ("o", id(f))


def _slices_parts(f):
    return [f.values, f.indices] + ([f.dense_shape] if f.dense_shape is not None else [])


def _flatten_fetches(f, out):
    """Appends fetch leaves to ``out``; returns a function rebuilding the structure from values."""
    if getattr(type(f), "_tg_sparse_tensor", False):
        # A SparseTensor is fetched as its three components and comes back as a SparseTensorValue.
        builders = [_flatten_fetches(x, out) for x in f]
        return lambda vals: SparseTensorValue(*[b(vals) for b in builders])
    if getattr(type(f), "_tg_indexed_slices", False):
        # An IndexedSlices (a sparse gradient) comes back as an IndexedSlicesValue, as in TensorFlow.
        builders = [_flatten_fetches(x, out) for x in _slices_parts(f)]
        return lambda vals: IndexedSlicesValue(*[b(vals) for b in builders], *[None] * (3 - len(builders)))
    if isinstance(f, (list,)) or (type(f) is tuple):
        builders = [_flatten_fetches(x, out) for x in f]
        kind = type(f)
        return lambda vals: kind(b(vals) for b in builders)
    if isinstance(f, tuple) and hasattr(f, "_fields"):
        builders = [_flatten_fetches(x, out) for x in f]
        kind = type(f)
        return lambda vals: kind(*[b(vals) for b in builders])
    if isinstance(f, dict):
        items = [(k, _flatten_fetches(v, out)) for k, v in f.items()]
        kind = type(f)
        if kind is collections.defaultdict:
            factory = f.default_factory

            def build_dd(vals):
                d = collections.defaultdict(factory)
                d.update((k, b(vals)) for k, b in items)
                return d
            return build_dd
        return lambda vals: kind((k, b(vals)) for k, b in items)
    i = len(out)
    out.append(f)
    return lambda vals: vals[i]
