"""train_and_evaluate: training with an evaluation after each new checkpoint, as TensorFlow's
``tf.estimator.train_and_evaluate`` runs on one machine, with its TrainSpec and EvalSpec.

    train_spec = TrainSpec(train_input_fn, max_steps=1000)
    eval_spec = EvalSpec(eval_input_fn, steps=10, exporters=[LatestExporter("mlp", receiver_fn)],
                         throttle_secs=60)
    metrics, exports = train_and_evaluate(estimator, train_spec, eval_spec)

Training saves checkpoints as the RunConfig says; after each save (except the one when training starts)
the latest checkpoint is evaluated, unless one was evaluated less than ``throttle_secs`` seconds ago, and
the exporters export it. The last checkpoint is always evaluated. Returns the last evaluation's metrics and
the exporters' results. (``start_delay_secs`` concerns a separate evaluator process; here evaluation runs
in the training process, as TensorFlow runs it without a cluster.)
"""
import collections
import logging
import os

from tagraph.engine.framework.graph import GraphKeys
from tagraph.estimator.basic_session_run_hooks import CheckpointSaverListener, SecondOrStepTimer
from tagraph.estimator.estimator import Estimator
from tagraph.estimator.exporter import Exporter
from tagraph.estimator.session_run_hook import SessionRunHook

__all__ = ["TrainSpec", "EvalSpec", "train_and_evaluate"]

logger = logging.getLogger("tagraph.estimator.training")


def _validate_hooks(hooks):
    hooks = tuple(hooks or [])
    for hook in hooks:
        if not isinstance(hook, SessionRunHook):
            raise TypeError("All hooks must be SessionRunHook instances, given: {}".format(hook))
    return hooks


def _validate_saving_listeners(saving_listeners):
    saving_listeners = tuple(saving_listeners or [])
    for listener in saving_listeners:
        if not isinstance(listener, CheckpointSaverListener):
            raise TypeError("All saving_listeners must be `CheckpointSaverListener` instances, given: {}"
                            .format(listener))
    return saving_listeners


def _validate_exporters(exporters):
    if not exporters:
        return ()
    if isinstance(exporters, Exporter):
        exporters = [exporters]
    unique_names = []
    try:
        for exporter in exporters:
            if not isinstance(exporter, Exporter):
                raise TypeError
            if not exporter.name:
                full_list_of_names = [e.name for e in exporters]
                raise ValueError("An Exporter cannot have a name that is `None` or empty. All exporter names: {}"
                                 .format(full_list_of_names))
            if not isinstance(exporter.name, str):
                raise ValueError("An Exporter must have a string name. Given: {}".format(type(exporter.name)))
            if exporter.name in unique_names:
                full_list_of_names = [e.name for e in exporters]
                raise ValueError("`exporters` must have unique names. Such a name cannot be `None`. {} exporters "
                                 "have the same name ({})".format(full_list_of_names.count(exporter.name),
                                                                  exporter.name))
            unique_names.append(exporter.name)
    except TypeError:
        raise TypeError("`exporters` must be an Exporter, an iterable of Exporter, or `None`, found %s." % exporters)
    return tuple(exporters)


class TrainSpec(collections.namedtuple("TrainSpec", ["input_fn", "max_steps", "hooks", "saving_listeners"])):
    """How train_and_evaluate trains: ``input_fn``, ``max_steps`` (None: until the input ends), ``hooks``
    and ``saving_listeners``.

        TrainSpec(train_input_fn, max_steps=1000)
    """

    def __new__(cls, input_fn, max_steps=None, hooks=None, saving_listeners=None):
        if not callable(input_fn):
            raise TypeError("`input_fn` must be callable, given: {}".format(input_fn))
        if max_steps is not None and max_steps <= 0:
            raise ValueError("Must specify max_steps > 0, given: {}".format(max_steps))
        return super().__new__(cls, input_fn=input_fn, max_steps=max_steps, hooks=_validate_hooks(hooks),
                               saving_listeners=_validate_saving_listeners(saving_listeners))


class EvalSpec(collections.namedtuple("EvalSpec", ["input_fn", "steps", "name", "hooks", "exporters",
                                                   "start_delay_secs", "throttle_secs"])):
    """How train_and_evaluate evaluates: ``input_fn``, ``steps`` (100; None: until the input ends),
    ``name`` (the eval folder: ``eval_<name>``), ``hooks``, ``exporters`` run after each evaluation, and
    ``throttle_secs``, the least time between two evaluations.

        EvalSpec(eval_input_fn, steps=None, throttle_secs=0)
    """

    def __new__(cls, input_fn, steps=100, name=None, hooks=None, exporters=None, start_delay_secs=120,
                throttle_secs=600):
        if not callable(input_fn):
            raise TypeError("`input_fn` must be callable, given: {}".format(input_fn))
        if steps is not None and steps <= 0:
            raise ValueError("Must specify steps > 0, given: {}".format(steps))
        if name is not None and not isinstance(name, str):
            raise TypeError("`name` must be string, given: {}".format(name))
        if start_delay_secs < 0:
            raise ValueError("Must specify start_delay_secs >= 0, given: {}".format(start_delay_secs))
        if throttle_secs < 0:
            raise ValueError("Must specify throttle_secs >= 0, given: {}".format(throttle_secs))
        return super().__new__(cls, input_fn=input_fn, steps=steps, name=name, hooks=_validate_hooks(hooks),
                               exporters=_validate_exporters(exporters), start_delay_secs=start_delay_secs,
                               throttle_secs=throttle_secs)


_EVALUATED, _MISSING_CHECKPOINT, _NO_NEW_CHECKPOINT = "evaluated", "missing checkpoint", "no new checkpoint"


class _EvalResult(collections.namedtuple("EvalResult", ["status", "metrics", "checkpoint_path"])):
    def __new__(cls, status, metrics=None, checkpoint_path=None):
        if status == _EVALUATED:
            if not metrics:
                raise ValueError("Internal error: `Estimator.evaluate` should never return empty metrics.")
            if not isinstance(metrics, dict):
                raise TypeError("`Estimator.evaluate` should return dict. Given {}.".format(type(metrics)))
            if GraphKeys.GLOBAL_STEP not in metrics:
                raise ValueError("Internal error: `Estimator.evaluate` result should have `global_step` in result. "
                                 "Given {}".format(metrics))
        return super().__new__(cls, status, metrics, checkpoint_path)


class _Evaluator:
    """Evaluates the latest checkpoint (once per checkpoint) and runs the exporters on it."""

    def __init__(self, estimator, eval_spec, max_training_steps):
        self._estimator = estimator
        self._eval_spec = eval_spec
        self._previous_ckpt_path = None
        self._max_training_steps = max_training_steps

    def evaluate_and_export(self):
        latest = self._estimator.latest_checkpoint()
        if not latest:
            logger.warning("Estimator is not trained yet. Will start an evaluation when a checkpoint is ready.")
            return _EvalResult(status=_MISSING_CHECKPOINT), []
        if latest == self._previous_ckpt_path:
            logger.warning("No new checkpoint ready for evaluation. Skip the current evaluation pass as evaluation "
                           "results are expected to be same for the same checkpoint.")
            return _EvalResult(status=_NO_NEW_CHECKPOINT), []
        metrics = self._estimator.evaluate(input_fn=self._eval_spec.input_fn, steps=self._eval_spec.steps,
                                           name=self._eval_spec.name, checkpoint_path=latest,
                                           hooks=self._eval_spec.hooks)
        result = _EvalResult(status=_EVALUATED, metrics=metrics, checkpoint_path=latest)
        is_the_final_export = (result.metrics[GraphKeys.GLOBAL_STEP] >= self._max_training_steps
                               if self._max_training_steps else False)
        export_dir_base = os.path.join(self._estimator.model_dir, "export")
        exports = [exporter.export(estimator=self._estimator, export_path=os.path.join(export_dir_base, exporter.name),
                                   checkpoint_path=latest, eval_result=result.metrics,
                                   is_the_final_export=is_the_final_export)
                   for exporter in self._eval_spec.exporters]
        self._previous_ckpt_path = latest
        return result, exports


class _NewCheckpointListenerForEvaluate(CheckpointSaverListener):
    """Evaluates after each checkpoint saved during training (throttled), and after the last one."""

    def __init__(self, evaluator, eval_throttle_secs):
        self._evaluator = evaluator
        self._eval_throttle_secs = eval_throttle_secs
        self.eval_result, self.export_results = None, None

    def begin(self):
        self._timer = SecondOrStepTimer(every_secs=self._eval_throttle_secs)
        self._is_first_run = True

    def after_save(self, session, global_step_value):
        if self._is_first_run:
            # The checkpoint saved as training starts: the model is as it was, nothing new to evaluate.
            self._is_first_run = False
            return
        if self._timer.should_trigger_for_step(global_step_value):
            self._evaluate(global_step_value)
        else:
            logger.info("Skip the current checkpoint eval due to throttle secs (%s secs).", self._eval_throttle_secs)

    def end(self, session, global_step_value):
        if global_step_value != self._timer.last_triggered_step():
            self._evaluate(global_step_value)

    def _evaluate(self, global_step_value):
        self._timer.update_last_triggered_step(global_step_value)
        self.eval_result, self.export_results = self._evaluator.evaluate_and_export()
        if self.eval_result.status != _EVALUATED:
            raise RuntimeError("There was no new checkpoint after the training. Eval status: {}"
                               .format(self.eval_result.status))


def train_and_evaluate(estimator, train_spec, eval_spec):
    """Trains ``estimator`` as ``train_spec`` says, evaluating (and exporting) after each new checkpoint as
    ``eval_spec`` says; returns (the last evaluation's metrics, the exporters' results from it).

        metrics, exports = train_and_evaluate(est, TrainSpec(train_fn, max_steps=1000), EvalSpec(eval_fn))
    """
    if not isinstance(estimator, Estimator):
        raise TypeError("`estimator` must have type `tf.estimator.Estimator`. Got: {}".format(type(estimator)))
    if not isinstance(train_spec, TrainSpec):
        raise TypeError("`train_spec` must have type `tf.estimator.TrainSpec`. Got: {}".format(type(train_spec)))
    if not isinstance(eval_spec, EvalSpec):
        raise TypeError("`eval_spec` must have type `tf.estimator.EvalSpec`. Got: {}".format(type(eval_spec)))
    config = estimator.config
    logger.info("Running training and evaluation locally (non-distributed).")
    logger.info("Start train and evaluate loop. The evaluate will happen after every checkpoint. Checkpoint frequency "
                "is determined based on RunConfig arguments: save_checkpoints_steps %s or save_checkpoints_secs %s.",
                config.save_checkpoints_steps, config.save_checkpoints_secs)
    evaluator = _Evaluator(estimator, eval_spec, train_spec.max_steps)
    listener_for_eval = _NewCheckpointListenerForEvaluate(evaluator, eval_spec.throttle_secs)
    estimator.train(input_fn=train_spec.input_fn, max_steps=train_spec.max_steps, hooks=list(train_spec.hooks),
                    saving_listeners=list(train_spec.saving_listeners) + [listener_for_eval])
    eval_result = listener_for_eval.eval_result or _EvalResult(status=_MISSING_CHECKPOINT)
    return eval_result.metrics, listener_for_eval.export_results
