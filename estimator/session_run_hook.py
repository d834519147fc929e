"""SessionRunHook and what a hook sees of each ``run``: TensorFlow 1's ``tf.train.SessionRunHook``,
``SessionRunArgs``, ``SessionRunContext`` and ``SessionRunValues``, with the same call order.

A MonitoredSession calls, for each of its hooks::

    begin()                                   # graph still open: a hook may add ops
    after_create_session(session, coord)      # graph finalized, session created (and restored)
    before_run(run_context) -> SessionRunArgs # each run: more fetches, feeds or options
    after_run(run_context, run_values)        # each run: the extra fetches' values
    end(session)                              # at the end, unless an error ended the loop

    class CountRuns(SessionRunHook):
        def begin(self):
            self.runs = 0
        def after_run(self, run_context, run_values):
            self.runs += 1
            if self.runs == 10:
                run_context.request_stop()
"""
import collections

__all__ = ["SessionRunHook", "SessionRunArgs", "SessionRunContext", "SessionRunValues"]


class SessionRunHook:
    """Extends ``MonitoredSession.run`` calls; subclass it and override the calls you need."""

    def begin(self):
        """Called once before the session is created; the graph can still be changed."""

    def after_create_session(self, session, coord):  # noqa: ARG002 - TensorFlow's signature
        """Called when the session is created (and after a recovery), before the first ``run``."""

    def before_run(self, run_context):  # noqa: ARG002
        """Called before each ``run``; may return a SessionRunArgs adding fetches, feeds and options."""
        return None

    def after_run(self, run_context, run_values):  # noqa: ARG002
        """Called after each successful ``run`` with the values of the fetches this hook asked for."""

    def end(self, session):  # noqa: ARG002
        """Called at the end of the session, unless it ends with an error other than OutOfRangeError."""


class SessionRunArgs(collections.namedtuple("SessionRunArgs", ["fetches", "feed_dict", "options"])):
    """What a hook adds to a ``run``: ``fetches`` (any structure ``Session.run`` takes), ``feed_dict``, and
    ``options`` (a RunOptions).

        return SessionRunArgs({"loss": loss}, feed_dict={keep_prob: 0.5})
    """

    def __new__(cls, fetches, feed_dict=None, options=None):
        return super().__new__(cls, fetches, feed_dict, options)


class SessionRunContext:
    """The run in progress: the caller's ``original_args``, the raw ``session``, and ``request_stop()``."""

    def __init__(self, original_args, session):
        self._original_args = original_args
        self._session = session
        self._stop_requested = False

    @property
    def original_args(self):
        """The caller's SessionRunArgs (fetches and feed_dict of the ``run`` call)."""
        return self._original_args

    @property
    def session(self):
        """The raw session: running it does not call the hooks again."""
        return self._session

    @property
    def stop_requested(self):
        return self._stop_requested

    def request_stop(self):
        """Makes ``should_stop()`` True after this run; the run itself is completed."""
        self._stop_requested = True


class SessionRunValues(collections.namedtuple("SessionRunValues", ["results", "options", "run_metadata"])):
    """What a hook gets after a run: ``results`` (its fetches' values, in the structure it asked for),
    the run's ``options`` and its ``run_metadata``."""
