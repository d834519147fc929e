"""TensorFlow 1's SessionRunHooks, with its names, arguments, log lines and timing rules.

    hooks = [StopAtStepHook(last_step=1000),
             LoggingTensorHook({"loss": loss, "step": global_step}, every_n_iter=100),
             NanTensorHook(loss),
             CheckpointSaverHook("/tmp/train", save_steps=100),
             SummarySaverHook(save_steps=10, output_dir="/tmp/train", summary_op=tg.summary.merge_all())]
    with MonitoredSession(hooks=hooks) as sess:
        while not sess.should_stop():
            sess.run(train_op)

Steps are global steps (the ``global_step`` variable, which must exist). A hook that asks for the global
step in a run reads it again with the raw session before deciding anything by it: whether a fetch in the
same run as the train op sees the step before or after the update is not fixed (in TensorFlow it varies
from run to run). The hooks of one run share that read (``_step_after_run``).
"""
import logging
import os
import time

import numpy as np
from google.protobuf import text_format

from tagraph.engine.framework import errors
from tagraph.engine.framework.graph import GraphKeys, get_default_graph
from tagraph.engine.train.training_util import get_global_step
from tagraph.estimator import summary_events
from tagraph.estimator.progress import Progress, bytes_under_prefix
from tagraph.estimator.session_run_hook import SessionRunArgs, SessionRunHook
from tagraph.engine.runtime.step_stats import Timeline
from tagraph.protos import config_pb2, saver_pb2
from tagraph.serialization import meta_graph_io
from tagraph.serialization.atomic_file import write_atomic
from tagraph.serialization.saver import Saver

__all__ = ["SecondOrStepTimer", "LoggingTensorHook", "StopAtStepHook", "CheckpointSaverListener",
           "CheckpointSaverHook", "StepCounterHook", "NanLossDuringTrainingError", "NanTensorHook",
           "SummarySaverHook", "GlobalStepWaiterHook", "FinalOpsHook", "FeedFnHook", "ProfilerHook"]

logger = logging.getLogger("tagraph.estimator.hooks")


class _HookTimer:
    """When a hook should act: ``should_trigger_for_step`` and ``update_last_triggered_step``."""

    def reset(self):
        pass

    def should_trigger_for_step(self, step):
        raise NotImplementedError

    def update_last_triggered_step(self, step):
        raise NotImplementedError

    def last_triggered_step(self):
        raise NotImplementedError


class SecondOrStepTimer(_HookTimer):
    """Triggers every ``every_secs`` seconds or every ``every_steps`` steps (give one), and at the first step.

        timer = SecondOrStepTimer(every_steps=100)
        if timer.should_trigger_for_step(step):
            elapsed_secs, elapsed_steps = timer.update_last_triggered_step(step)
    """

    def __init__(self, every_secs=None, every_steps=None):
        self.reset()
        self._every_secs = every_secs
        self._every_steps = every_steps
        if self._every_secs is None and self._every_steps is None:
            raise ValueError("Either every_secs or every_steps should be provided.")
        if self._every_secs is not None and self._every_steps is not None:
            raise ValueError("Can not provide both every_secs and every_steps.")

    def reset(self):
        self._last_triggered_step = None
        self._last_triggered_time = None

    def should_trigger_for_step(self, step):
        """True at the first step, and once ``every_steps`` steps or ``every_secs`` seconds have passed."""
        if self._last_triggered_step is None:
            return True
        if self._last_triggered_step == step:
            return False
        if self._every_secs is not None and time.time() >= self._last_triggered_time + self._every_secs:
            return True
        if self._every_steps is not None and step >= self._last_triggered_step + self._every_steps:
            return True
        return False

    def update_last_triggered_step(self, step):
        """Records a trigger at ``step``; returns (seconds, steps) since the last one, or (None, None)."""
        now = time.time()
        if self._last_triggered_time is None:
            elapsed_secs = elapsed_steps = None
        else:
            elapsed_secs = now - self._last_triggered_time
            elapsed_steps = step - self._last_triggered_step
        self._last_triggered_time = now
        self._last_triggered_step = step
        return elapsed_secs, elapsed_steps

    def last_triggered_step(self):
        return self._last_triggered_step


class NeverTriggerTimer(_HookTimer):
    def should_trigger_for_step(self, step):
        return False

    def update_last_triggered_step(self, step):
        return None, None

    def last_triggered_step(self):
        return None


def _as_graph_element(obj):
    """A tensor (or op) of the default graph for ``obj``: itself, or looked up by name (``"loss"`` is
    ``"loss:0"``, refused when the op has more outputs)."""
    graph = get_default_graph()
    if not isinstance(obj, str):
        if getattr(obj, "graph", None) is not graph:
            raise ValueError("Passed %s should have graph attribute that is equal to current graph %s."
                             % (obj, graph))
        return obj
    if ":" in obj:
        return graph.as_graph_element(obj)
    element = graph.as_graph_element(obj + ":0")
    try:
        graph.as_graph_element(obj + ":1")
    except (KeyError, ValueError):
        pass
    else:
        raise ValueError("Name %s is ambiguous, as this `Operation` has multiple outputs (at least 2)." % obj)
    return element


def _global_step_read(hook_name):
    """The global step's value tensor in the default graph; RuntimeError naming the hook if there is none."""
    step = get_global_step()
    if step is None:
        raise RuntimeError("Global step should be created to use %s." % hook_name)
    return get_default_graph().as_graph_element(step)


def _step_after_run(run_context, step_tensor):
    """The global step after this run, read once with the raw session for all of the run's hooks."""
    reads = run_context.__dict__.setdefault("_steps_after_run", {})
    if step_tensor not in reads:
        reads[step_tensor] = run_context.session.run(step_tensor)
    return reads[step_tensor]


class LoggingTensorHook(SessionRunHook):
    """Logs tensors every ``every_n_iter`` runs or ``every_n_secs`` seconds (and/or ``at_end``), as
    ``"loss = 0.3, step = 10 (0.123 sec)"`` through logging (INFO).

        LoggingTensorHook({"loss": loss, "step": global_step}, every_n_iter=100)

    ``tensors`` is a dict of tag -> tensor (or name), or a list of tensors or names (tagged by their
    names); ``formatter`` (a function of the dict of values) replaces the default line.
    """

    def __init__(self, tensors, every_n_iter=None, every_n_secs=None, at_end=False, formatter=None):
        only_log_at_end = at_end and every_n_iter is None and every_n_secs is None
        if not only_log_at_end and (every_n_iter is None) == (every_n_secs is None):
            raise ValueError("either at_end and/or exactly one of every_n_iter and every_n_secs must be provided.")
        if every_n_iter is not None and every_n_iter <= 0:
            raise ValueError("invalid every_n_iter=%s." % every_n_iter)
        if not isinstance(tensors, dict):
            self._tag_order = tensors
            tensors = {item: item for item in tensors}
        else:
            self._tag_order = sorted(tensors.keys())
        self._tensors = tensors
        self._formatter = formatter
        self._timer = (NeverTriggerTimer() if only_log_at_end
                       else SecondOrStepTimer(every_secs=every_n_secs, every_steps=every_n_iter))
        self._log_at_end = at_end

    def begin(self):
        self._timer.reset()
        self._iter_count = 0
        self._current_tensors = {tag: _as_graph_element(t) for tag, t in self._tensors.items()}

    def before_run(self, run_context):
        self._should_trigger = self._timer.should_trigger_for_step(self._iter_count)
        return SessionRunArgs(self._current_tensors) if self._should_trigger else None

    def _log_tensors(self, tensor_values):
        original = np.get_printoptions()
        np.set_printoptions(suppress=True)
        try:
            elapsed_secs, _ = self._timer.update_last_triggered_step(self._iter_count)
            if self._formatter:
                logger.info(self._formatter(tensor_values))
            else:
                stats = ", ".join("%s = %s" % (tag, tensor_values[tag]) for tag in self._tag_order)
                if elapsed_secs is not None:
                    logger.info("%s (%.3f sec)", stats, elapsed_secs)
                else:
                    logger.info("%s", stats)
        finally:
            np.set_printoptions(**original)

    def after_run(self, run_context, run_values):
        if self._should_trigger:
            self._log_tensors(run_values.results)
        self._iter_count += 1

    def end(self, session):
        if self._log_at_end:
            self._log_tensors(session.run(self._current_tensors))


class StopAtStepHook(SessionRunHook):
    """Requests a stop once the global step reaches ``last_step``, or ``num_steps`` past where it was when
    the session was created (give one).

        StopAtStepHook(last_step=1000)
    """

    def __init__(self, num_steps=None, last_step=None):
        if num_steps is None and last_step is None:
            raise ValueError("One of num_steps or last_step must be specified.")
        if num_steps is not None and last_step is not None:
            raise ValueError("Only one of num_steps or last_step can be specified.")
        self._num_steps = num_steps
        self._last_step = last_step

    @property
    def last_step(self):
        return self._last_step

    def begin(self):
        self._global_step_tensor = _global_step_read("StopAtStepHook")

    def after_create_session(self, session, coord):
        if self._last_step is None:
            self._last_step = int(session.run(self._global_step_tensor)) + self._num_steps

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step_tensor)

    def after_run(self, run_context, run_values):
        if run_values.results + 1 >= self._last_step:
            # The value fetched in the run may predate the update; decide on a fresh read.
            if _step_after_run(run_context, self._global_step_tensor) >= self._last_step:
                run_context.request_stop()


class CheckpointSaverListener:
    """Called around the checkpoints a CheckpointSaverHook saves (``Estimator.train``'s
    ``saving_listeners``). ``after_save`` returning True asks training to stop.

        class Report(CheckpointSaverListener):
            def after_save(self, session, global_step_value):
                print("saved", global_step_value)
    """

    def begin(self):
        pass

    def before_save(self, session, global_step_value):
        pass

    def after_save(self, session, global_step_value):
        pass

    def end(self, session, global_step_value):
        pass


def write_graph(graph_def, logdir, name, as_text=True):
    """Writes ``graph_def`` to ``logdir/name`` atomically (text format unless ``as_text`` is False)."""
    os.makedirs(logdir, exist_ok=True)
    path = os.path.join(logdir, name)
    write_atomic(path, text_format.MessageToString(graph_def) if as_text else graph_def.SerializeToString())
    return path


class CheckpointSaverHook(SessionRunHook):
    """Saves a checkpoint every ``save_secs`` seconds or ``save_steps`` steps (give one), once when the
    session is created and once at the end; writes ``graph.pbtxt`` and the graph and meta graph events,
    and a CHECKPOINT session log per save into the events of ``checkpoint_dir``.

        CheckpointSaverHook("/tmp/train", save_steps=100, listeners=[MyListener()])

    The saver is ``saver``, else the ``scaffold``'s, else the one in the SAVERS collection.
    """

    def __init__(self, checkpoint_dir, save_secs=None, save_steps=None, saver=None, checkpoint_basename="model.ckpt",
                 scaffold=None, listeners=None, save_graph_def=True):
        logger.info("Create CheckpointSaverHook.")
        if saver is not None and scaffold is not None:
            raise ValueError("You cannot provide both saver and scaffold.")
        self._saver = saver
        self._checkpoint_dir = os.fspath(checkpoint_dir)
        self._save_path = os.path.join(self._checkpoint_dir, checkpoint_basename)
        self._scaffold = scaffold
        self._timer = SecondOrStepTimer(every_secs=save_secs, every_steps=save_steps)
        self._listeners = list(listeners or [])
        self._save_graph_def = save_graph_def

    def begin(self):
        self._summary_writer = summary_events.writer_for(self._checkpoint_dir)
        self._global_step_tensor = _global_step_read("CheckpointSaverHook")
        for listener in self._listeners:
            listener.begin()

    def after_create_session(self, session, coord):
        global_step = int(session.run(self._global_step_tensor))
        graph = get_default_graph()
        if self._save_graph_def:
            # Written here, not in begin(): hooks may still add ops in begin; the graph is final now.
            write_graph(graph.as_graph_def(add_shapes=True), self._checkpoint_dir, "graph.pbtxt")
        saver = self._get_saver()
        self._summary_writer.add_graph(graph)
        self._summary_writer.add_meta_graph(meta_graph_io.create_meta_graph_def(
            graph, saver_def=saver.saver_def if saver else None))
        self._save(session, global_step)
        self._timer.update_last_triggered_step(global_step)

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step_tensor)

    def after_run(self, run_context, run_values):
        global_step = int(_step_after_run(run_context, self._global_step_tensor))
        if self._timer.should_trigger_for_step(global_step):
            self._timer.update_last_triggered_step(global_step)
            if self._save(run_context.session, global_step):
                run_context.request_stop()

    def end(self, session):
        last_step = int(session.run(self._global_step_tensor))
        if last_step != self._timer.last_triggered_step():
            self._save(session, last_step)
        for listener in self._listeners:
            listener.end(session, last_step)

    def _save(self, session, step):
        """Saves at ``step``; returns True if a listener asked to stop."""
        logger.info("Calling checkpoint listeners before saving checkpoint %d...", step)
        for listener in self._listeners:
            listener.before_save(session, step)
        logger.info("Saving checkpoints for %d into %s.", step, self._save_path)
        prefix = "%s-%d" % (self._save_path, step)
        with Progress("saving checkpoint %s" % prefix, lambda: bytes_under_prefix(prefix)):
            self._get_saver().save(session, self._save_path, global_step=step,
                                   write_meta_graph=self._save_graph_def)
        self._summary_writer.add_session_log(
            summary_events.session_log(summary_events.SESSION_LOG_CHECKPOINT, self._save_path), step)
        logger.info("Calling checkpoint listeners after saving checkpoint %d...", step)
        should_stop = False
        for listener in self._listeners:
            if listener.after_save(session, step):
                logger.info("A CheckpointSaverListener requested that training be stopped. listener: %s", listener)
                should_stop = True
        return should_stop

    def _get_saver(self):
        if self._saver is not None:
            return self._saver
        if self._scaffold is not None:
            return self._scaffold.saver
        savers = get_default_graph().get_collection(GraphKeys.SAVERS)
        if not savers:
            raise RuntimeError("No items in collection {}. Please add a saver to the collection or provide a "
                               "saver or scaffold.".format(GraphKeys.SAVERS))
        if len(savers) > 1:
            raise RuntimeError("More than one item in collection {}. Please indicate which one to use by "
                               "passing it to the constructor.".format(GraphKeys.SAVERS))
        self._saver = saver_from_collection_item(savers[0])
        return self._saver


def saver_from_collection_item(item):
    """A Saver from an item of the SAVERS collection: a Saver, or the serialized SaverDef that importing a
    meta graph puts there."""
    if isinstance(item, bytes):
        return Saver(saver_def=saver_pb2.SaverDef.FromString(item))
    return item


class StepCounterHook(SessionRunHook):
    """Logs ``global_step/sec: <rate>`` and writes it as a summary every ``every_n_steps`` steps (or
    ``every_n_secs`` seconds) into ``output_dir``'s events (or ``summary_writer``).

        StepCounterHook(every_n_steps=100, output_dir="/tmp/train")
    """

    def __init__(self, every_n_steps=100, every_n_secs=None, output_dir=None, summary_writer=None):
        if (every_n_steps is None) == (every_n_secs is None):
            raise ValueError("exactly one of every_n_steps and every_n_secs should be provided.")
        self._timer = SecondOrStepTimer(every_steps=every_n_steps, every_secs=every_n_secs)
        self._summary_writer = summary_writer
        self._output_dir = output_dir
        self._last_global_step = None
        self._warnings_left = 5

    def begin(self):
        if self._summary_writer is None and self._output_dir:
            self._summary_writer = summary_events.writer_for(self._output_dir)
        self._global_step_tensor = _global_step_read("StepCounterHook")
        self._summary_tag = get_global_step().op.name + "/sec"

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step_tensor)

    def _log_and_record(self, elapsed_steps, elapsed_time, global_step):
        steps_per_sec = elapsed_steps / elapsed_time
        if self._summary_writer is not None:
            self._summary_writer.add_summary(summary_events.scalars([(self._summary_tag, steps_per_sec)]),
                                             global_step)
        logger.info("%s: %g", self._summary_tag, steps_per_sec)

    def after_run(self, run_context, run_values):
        stale_global_step = run_values.results
        global_step = int(_step_after_run(run_context, self._global_step_tensor))
        if self._timer.should_trigger_for_step(global_step):
            elapsed_time, elapsed_steps = self._timer.update_last_triggered_step(global_step)
            if elapsed_time is not None:
                self._log_and_record(elapsed_steps, max(elapsed_time, 1e-9), global_step)
        if stale_global_step == self._last_global_step and self._warnings_left:
            self._warnings_left -= 1
            logger.warning("It seems that global step (tg.train.get_global_step) has not been increased. Current "
                           "value (could be stable): %s vs previous value: %s. You could increase the global step "
                           "by passing tg.train.get_global_step() to Optimizer.apply_gradients or "
                           "Optimizer.minimize.", stale_global_step, self._last_global_step)
        self._last_global_step = stale_global_step


class NanLossDuringTrainingError(RuntimeError):
    """The loss became NaN during training (NanTensorHook); TensorFlow's error of the same name."""

    def __str__(self):
        return "NaN loss during training."


class NanTensorHook(SessionRunHook):
    """Raises NanLossDuringTrainingError when ``loss_tensor`` is NaN (or, with ``fail_on_nan_loss=False``,
    logs a warning and requests a stop).

        NanTensorHook(loss)
    """

    def __init__(self, loss_tensor, fail_on_nan_loss=True):
        self._loss_tensor = loss_tensor
        self._fail_on_nan_loss = fail_on_nan_loss

    def before_run(self, run_context):
        return SessionRunArgs(self._loss_tensor)

    def after_run(self, run_context, run_values):
        if np.any(np.isnan(run_values.results)):
            failure_message = "Model diverged with loss = NaN."
            if self._fail_on_nan_loss:
                logger.error(failure_message)
                raise NanLossDuringTrainingError
            logger.warning(failure_message)
            run_context.request_stop()


class SummarySaverHook(SessionRunHook):
    """Runs summary ops and writes their results every ``save_steps`` steps or ``save_secs`` seconds, and a
    START session log at the first run, into ``output_dir``'s events (or ``summary_writer``).

        SummarySaverHook(save_steps=100, output_dir="/tmp/train", summary_op=tg.summary.merge_all())

    Give exactly one of ``scaffold`` (its ``summary_op``) and ``summary_op`` (a tensor or list of them).
    """

    def __init__(self, save_steps=None, save_secs=None, output_dir=None, summary_writer=None, scaffold=None,
                 summary_op=None):
        if (scaffold is None and summary_op is None) or (scaffold is not None and summary_op is not None):
            raise ValueError("Exactly one of scaffold or summary_op must be provided.")
        self._summary_op = summary_op
        self._summary_writer = summary_writer
        self._output_dir = output_dir
        self._scaffold = scaffold
        self._timer = SecondOrStepTimer(every_secs=save_secs, every_steps=save_steps)

    def begin(self):
        if self._summary_writer is None and self._output_dir:
            self._summary_writer = summary_events.writer_for(self._output_dir)
        self._next_step = None
        self._global_step_tensor = _global_step_read("SummarySaverHook")

    def before_run(self, run_context):
        # _next_step is the step this run will reach: the summaries are asked for when that step is due.
        self._request_summary = self._next_step is None or self._timer.should_trigger_for_step(self._next_step)
        requests = {"global_step": self._global_step_tensor}
        if self._request_summary:
            summary_op = self._get_summary_op()
            if summary_op is not None:
                requests["summary"] = summary_op
        return SessionRunArgs(requests)

    def after_run(self, run_context, run_values):
        if not self._summary_writer:
            return
        global_step = int(_step_after_run(run_context, self._global_step_tensor))
        if self._next_step is None:
            self._summary_writer.add_session_log(summary_events.session_log(summary_events.SESSION_LOG_START),
                                                 global_step)
        if self._request_summary:
            self._timer.update_last_triggered_step(global_step)
            for summary in run_values.results.get("summary", ()):
                self._summary_writer.add_summary(summary, global_step)
        self._next_step = global_step + 1

    def end(self, session=None):
        if self._summary_writer:
            self._summary_writer.flush()

    def _get_summary_op(self):
        summary_op = self._summary_op if self._summary_op is not None else self._scaffold.summary_op
        if summary_op is None:
            return None
        return summary_op if isinstance(summary_op, list) else [summary_op]


class GlobalStepWaiterHook(SessionRunHook):
    """Holds the first run until the global step reaches ``wait_until_step`` (another worker trains it)."""

    def __init__(self, wait_until_step):
        self._wait_until_step = wait_until_step

    def begin(self):
        self._worker_is_started = False
        self._global_step_tensor = _global_step_read("_GlobalStepWaiterHook")

    def before_run(self, run_context):
        if self._worker_is_started:
            return None
        if self._wait_until_step <= 0:
            self._worker_is_started = True
            return None
        logger.info("Waiting for global step %d before starting training.", self._wait_until_step)
        last_logged_step = 0
        while True:
            current_step = _step_after_run(run_context, self._global_step_tensor)
            if current_step >= self._wait_until_step:
                self._worker_is_started = True
                return None
            if current_step - last_logged_step > 1000:
                logger.info("Waiting for global step %d before starting training. Current step is %d.",
                            self._wait_until_step, current_step)
                last_logged_step = current_step
            time.sleep(0.5)


class FinalOpsHook(SessionRunHook):
    """Runs ``final_ops`` when the session ends; their values are in ``final_ops_values``.

        hook = FinalOpsHook({"accuracy": accuracy_value})
        ...
        hook.final_ops_values["accuracy"]
    """

    def __init__(self, final_ops, final_ops_feed_dict=None):
        self._final_ops = final_ops
        self._final_ops_feed_dict = final_ops_feed_dict
        self._final_ops_values = None

    @property
    def final_ops_values(self):
        return self._final_ops_values

    def end(self, session):
        if self._final_ops is not None:
            try:
                self._final_ops_values = session.run(self._final_ops, feed_dict=self._final_ops_feed_dict)
            except (errors.OutOfRangeError, StopIteration):
                logger.warning(
                    "An OutOfRangeError or StopIteration exception is raised by the code in FinalOpsHook. This "
                    "typically means the Ops running by the FinalOpsHook have a dependency back to some input "
                    "source, which should not happen. For example, for metrics in Estimator, all metrics "
                    "functions return two Ops: `value_op` and `update_op`. Estimator.evaluate calls the "
                    "`update_op` for each batch of the data in input source and, once it is exhausted, it calls "
                    "the `value_op` to get the metric values. The `value_op` here should have dependency back "
                    "to variables reading only, rather than reading another batch from input. Otherwise, the "
                    "`value_op`, executed by `FinalOpsHook`, triggers another data reading, which ends "
                    "OutOfRangeError/StopIteration. Please fix that.")
                raise


class FeedFnHook(SessionRunHook):
    """Feeds ``feed_fn()`` (a feed dict) to every run.

        FeedFnHook(lambda: {x: next(batches)})
    """

    def __init__(self, feed_fn):
        self.feed_fn = feed_fn

    def before_run(self, run_context):
        return SessionRunArgs(fetches=None, feed_dict=self.feed_fn())



class ProfilerHook(SessionRunHook):
    """Traces a step every ``save_steps`` steps (or ``save_secs`` seconds) and writes its timeline,
    ``<output_dir>/timeline-<step>.json`` in the Chrome trace format (open it in chrome://tracing or
    Perfetto), and the step's RunMetadata into ``output_dir``'s events, as TensorFlow's ProfilerHook does.

        ProfilerHook(save_steps=100, output_dir="/tmp/train")
    """

    def __init__(self, save_steps=None, save_secs=None, output_dir="", show_dataflow=True, show_memory=False):
        self._output_file = os.path.join(output_dir, "timeline-{}.json")
        self._output_dir = output_dir
        self._file_writer = None
        self._show_dataflow = show_dataflow
        self._show_memory = show_memory
        self._timer = SecondOrStepTimer(every_secs=save_secs, every_steps=save_steps)

    def begin(self):
        self._next_step = None
        self._global_step_tensor = _global_step_read("ProfilerHook")
        self._file_writer = summary_events.writer_for(self._output_dir)

    def before_run(self, run_context):
        self._request_summary = self._next_step is not None and self._timer.should_trigger_for_step(self._next_step)
        options = config_pb2.RunOptions(trace_level=config_pb2.RunOptions.FULL_TRACE) if self._request_summary \
            else None
        return SessionRunArgs({"global_step": self._global_step_tensor}, options=options)

    def after_run(self, run_context, run_values):
        stale_global_step = run_values.results["global_step"]
        if self._next_step is None:
            self._timer.update_last_triggered_step(stale_global_step)
        global_step = stale_global_step + 1
        if self._request_summary:
            global_step = int(_step_after_run(run_context, self._global_step_tensor))
            self._timer.update_last_triggered_step(global_step)
            self._save(global_step, run_values.run_metadata.step_stats)
            self._file_writer.add_run_metadata(run_values.run_metadata, "step_%d" % global_step)
        self._next_step = global_step + 1

    def _save(self, step, step_stats):
        logger.info("Saving timeline for %d into '%s'.", step, self._output_file.format(step))
        trace = Timeline(step_stats).generate_chrome_trace_format(self._show_dataflow, self._show_memory)
        write_atomic(self._output_file.format(step), trace.encode("utf-8"))
