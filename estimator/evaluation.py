"""One evaluation pass over a checkpoint, and its results in the eval folder's events, as TensorFlow's
Estimator evaluates (``tensorflow/python/training/evaluation.py`` and its ``_write_dict_to_summary``).

    values = evaluate_once(checkpoint_path, scaffold, eval_ops=update_op, final_ops=value_ops, hooks=hooks)
    write_dict_to_summary(os.path.join(model_dir, "eval"), values, values["global_step"])

The pass counts its runs in the local variable ``eval_step``; ``StopAfterNEvalsHook`` stops it after N.
"""
import logging
import math
import time

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import GraphKeys, control_dependencies, get_collection, name_scope
from tagraph.engine.ops.array_ops import identity
from tagraph.engine.variables.init_ops import zeros_initializer
from tagraph.engine.variables.variables import get_variable
from tagraph.estimator import summary_events
from tagraph.estimator.basic_session_run_hooks import FinalOpsHook
from tagraph.estimator.monitored_session import ChiefSessionCreator, MonitoredSession
from tagraph.estimator.session_run_hook import SessionRunArgs, SessionRunHook

__all__ = ["StopAfterNEvalsHook", "get_or_create_eval_step", "evaluate_once", "write_dict_to_summary",
           "write_checkpoint_path_to_summary"]

logger = logging.getLogger("tagraph.estimator.evaluation")


def get_or_create_eval_step():
    """The int64 local variable ``eval_step`` counting the runs of an evaluation (in EVAL_STEP)."""
    found = get_collection(GraphKeys.EVAL_STEP)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise ValueError("Multiple tensors added to tf.GraphKeys.EVAL_STEP")
    with name_scope(None):
        return get_variable(GraphKeys.EVAL_STEP, shape=[], dtype=dtypes.int64, initializer=zeros_initializer(),
                            trainable=False, collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.EVAL_STEP])


class StopAfterNEvalsHook(SessionRunHook):
    """Stops an evaluation after ``num_evals`` runs, logging ``Evaluation [n/N]`` (every tenth of N when N
    is 20 or more)."""

    def __init__(self, num_evals, log_progress=True):
        self._num_evals = num_evals
        self._evals_completed = None
        self._log_progress = log_progress
        self._log_frequency = 1 if (num_evals is None or num_evals < 20) else math.floor(num_evals / 10.0)

    def _set_evals_completed_tensor(self, updated_eval_step):
        self._evals_completed = updated_eval_step

    def before_run(self, run_context):
        return SessionRunArgs({"evals_completed": self._evals_completed})

    def after_run(self, run_context, run_values):
        evals_completed = int(run_values.results["evals_completed"])
        if self._log_progress:
            if self._num_evals is None:
                logger.info("Evaluation [%d]", evals_completed)
            elif evals_completed % self._log_frequency == 0 or self._num_evals == evals_completed:
                logger.info("Evaluation [%d/%d]", evals_completed, self._num_evals)
        if self._num_evals is not None and evals_completed >= self._num_evals:
            run_context.request_stop()


def evaluate_once(checkpoint_path, scaffold=None, eval_ops=None, feed_dict=None, final_ops=None,
                  final_ops_feed_dict=None, hooks=None, config=None):
    """Restores ``checkpoint_path``, runs ``eval_ops`` until a hook stops or the input ends, then returns
    the values of ``final_ops``."""
    eval_step = get_or_create_eval_step()
    hooks = list(hooks or [])
    if eval_ops is not None:
        with name_scope(None):
            update_eval_step = eval_step.assign_add(1, use_locking=True, read_value=False)
        if isinstance(eval_ops, dict):
            eval_ops["update_eval_step"] = update_eval_step
        elif isinstance(eval_ops, (tuple, list)):
            eval_ops = list(eval_ops) + [update_eval_step]
        else:
            eval_ops = [eval_ops, update_eval_step]
        update_ops = list(eval_ops.values()) if isinstance(eval_ops, dict) else eval_ops
        with control_dependencies(update_ops):
            eval_step_value = identity(eval_step.read_value())
        for h in hooks:
            if isinstance(h, StopAfterNEvalsHook):
                h._set_evals_completed_tensor(eval_step_value)
    logger.info("Starting evaluation at %s", time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()))
    start = time.time()
    session_creator = ChiefSessionCreator(scaffold=scaffold, checkpoint_filename_with_path=checkpoint_path,
                                          config=config)
    final_ops_hook = FinalOpsHook(final_ops, final_ops_feed_dict)
    hooks.append(final_ops_hook)
    with MonitoredSession(session_creator=session_creator, hooks=hooks) as session:
        if eval_ops is not None:
            while not session.should_stop():
                session.run(eval_ops, feed_dict)
    logger.info("Inference Time : %0.5fs", time.time() - start)
    logger.info("Finished evaluation at %s", time.strftime("%Y-%m-%d-%H:%M:%S", time.localtime()))
    return final_ops_hook.final_ops_values


def _dict_to_str(dictionary):
    return ", ".join("%s = %s" % (k, v) for k, v in sorted(dictionary.items()) if not isinstance(v, bytes))


def write_dict_to_summary(output_dir, dictionary, current_global_step):
    """Writes evaluation results (all but ``global_step``) as one Summary at ``current_global_step``."""
    logger.info("Saving dict for global step %d: %s", current_global_step, _dict_to_str(dictionary))
    pairs = [(k, v) for k, v in dictionary.items() if v is not None and k != GraphKeys.GLOBAL_STEP]
    data, skipped = summary_events.summary_of_values(pairs)
    for key in skipped:
        logger.warning("Skipping summary for %s, must be a float, np.float32, np.int64, np.int32 or int or "
                       "np.ndarray.", key)
    writer = summary_events.writer_for(output_dir)
    writer.add_summary(data, current_global_step)
    writer.flush()


def write_checkpoint_path_to_summary(output_dir, checkpoint_path, current_global_step):
    """Writes the evaluated checkpoint's path as the string tensor summary ``checkpoint_path``."""
    logger.info("Saving 'checkpoint_path' summary for global step %d: %s", current_global_step, checkpoint_path)
    writer = summary_events.writer_for(output_dir)
    writer.add_summary(summary_events.string_tensor("checkpoint_path", checkpoint_path), current_global_step)
    writer.flush()
