"""Estimator: train, evaluate, predict and export a model_fn, checkpointing in ``model_dir`` on its own.

    est = Estimator(model_fn, model_dir="/tmp/mlp", config=RunConfig(save_checkpoints_steps=100))
    est.train(numpy_input_fn({"x": x}, y, batch_size=32, num_epochs=None, shuffle=True), steps=500)
    print(est.evaluate(numpy_input_fn({"x": x}, y, shuffle=False)))  # {"accuracy": .., "loss": .., "global_step": 500}
    est.export_saved_model("/tmp/export", build_parsing_serving_input_receiver_fn(spec))

As TensorFlow's Estimator does, ``train`` runs a MonitoredTrainingSession with TensorFlow's hooks: it
stops at ``steps``/``max_steps`` (StopAtStepHook), fails on a NaN loss (NanTensorHook), logs the loss and
the global step every ``log_step_count_steps`` steps (LoggingTensorHook) with the steps per second
(StepCounterHook, also a ``global_step/sec`` summary), writes the summaries (a ``loss`` scalar among them)
every ``save_summary_steps`` steps into model_dir's events, and checkpoints (CheckpointSaverHook, with the
``saving_listeners``). ``evaluate`` writes its results into ``model_dir/eval`` (``eval_<name>``) events.
``hooks`` and the EstimatorSpec's ``training_hooks``, ``training_chief_hooks``, ``evaluation_hooks`` and
``prediction_hooks`` run alongside. See :mod:`tagraph.estimator.input_source` for what an input_fn returns.
"""
import inspect
import logging
import os
import shutil
import tempfile
import time

import numpy as np

import tagraph.engine as tg
from tagraph.engine.framework.graph import GraphKeys
from tagraph.engine.train import metrics
from tagraph.estimator import evaluation
from tagraph.estimator import export as _export
from tagraph.estimator import warm_starting
from tagraph.estimator.basic_session_run_hooks import (CheckpointSaverHook, CheckpointSaverListener,
                                                       LoggingTensorHook, NanLossDuringTrainingError, NanTensorHook,
                                                       StopAtStepHook)
from tagraph.estimator.input_source import InputHook, InputSource
from tagraph.estimator.model_fn import EstimatorSpec, ModeKeys
from tagraph.estimator.monitored_session import ChiefSessionCreator, MonitoredSession, MonitoredTrainingSession
from tagraph.estimator.run_config import RunConfig
from tagraph.estimator.session_run_hook import SessionRunHook
from tagraph.serialization.checkpoint_state import latest_checkpoint
from tagraph.serialization.checkpoint_utils import list_variables, load_checkpoint
from tagraph.serialization.saved_model import builder as _builder, device_export, tag_constants
from tagraph.serialization.saver import Saver

logger = logging.getLogger("tagraph.estimator")

__all__ = ["Estimator", "NanLossDuringTrainingError", "CheckpointSaverListener"]


def _check_hooks_type(hooks):
    hooks = list(hooks or [])
    for h in hooks:
        if not isinstance(h, SessionRunHook):
            raise TypeError("Hooks must be a SessionRunHook, given: {}".format(h))
    return hooks


def _check_listeners_type(saving_listeners):
    listeners = list(saving_listeners or [])
    for listener in listeners:
        if not isinstance(listener, CheckpointSaverListener):
            raise TypeError("saving_listeners must be a list of CheckpointSaverListener, given: {}".format(listener))
    return listeners


def _load_global_step_from_checkpoint_dir(checkpoint_dir):
    try:
        return int(load_checkpoint(latest_checkpoint(checkpoint_dir)).get_tensor(GraphKeys.GLOBAL_STEP))
    except Exception:  # noqa: BLE001 - as TensorFlow: no readable checkpoint is step 0
        return 0


def _warm_start_settings(warm_start_from):
    """WarmStartSettings from ``warm_start_from``: settings, or a path (a checkpoint, a folder of them, or a
    SavedModel, whose variables are then the checkpoint)."""
    if warm_start_from is None:
        return None
    if isinstance(warm_start_from, (str, bytes, os.PathLike)):
        path = os.fsdecode(warm_start_from)
        variables = os.path.join(path, "variables", "variables")
        if os.path.exists(variables + ".index"):
            logger.info("Warm-starting from a SavedModel")
            return warm_starting.WarmStartSettings(ckpt_to_initialize_from=variables)
        return warm_starting.WarmStartSettings(ckpt_to_initialize_from=path)
    if isinstance(warm_start_from, warm_starting.WarmStartSettings):
        return warm_start_from
    raise ValueError("warm_start_from must be a string or a WarmStartSettings, instead got {}"
                     .format(type(warm_start_from)))


class _FrozenStepGuard(SessionRunHook):
    """Ends ``train(steps=N)`` after N runs when the global step never moved (the train op does not increment
    it); TensorFlow would run forever."""

    def __init__(self, steps, global_step):
        self._steps, self._global_step = steps, global_step

    def after_create_session(self, session, coord):
        self._start = int(session.run(self._global_step))
        self._runs = 0

    def after_run(self, run_context, run_values):
        self._runs += 1
        if self._runs >= self._steps and int(run_context.session.run(self._global_step)) == self._start:
            logger.warning("It seems that global step (tg.train.get_global_step) has not been increased. Current "
                           "value (could be stable): %d vs previous value: %d. You could increase the global step "
                           "by passing tg.train.get_global_step() to Optimizer.apply_gradients or "
                           "Optimizer.minimize. Stopping after %d steps.", self._start, self._start, self._runs)
            run_context.request_stop()


class Estimator:
    """Trains, evaluates, predicts with and exports a ``model_fn(features, labels, mode, params, config)``.

        def model_fn(features, labels, mode, params):
            logits = tg.layers.dense(features["x"], 3)
            ...
            return EstimatorSpec(mode, predictions=..., loss=..., train_op=..., eval_metric_ops=...)

        est = Estimator(model_fn, model_dir="/tmp/m", params={"lr": 0.1})

    ``warm_start_from``: a checkpoint (or a folder, or a SavedModel) or a WarmStartSettings whose values
    initialize the variables of a model_dir with no checkpoint yet.
    """

    def __init__(self, model_fn, model_dir=None, config=None, params=None, warm_start_from=None):
        if not callable(model_fn):
            raise ValueError("model_fn must be callable, got %r" % (model_fn,))
        if config is not None and not isinstance(config, RunConfig):
            raise ValueError("config must be an instance of RunConfig, but provided %r." % (config,))
        self._model_fn = model_fn
        self._config = config or RunConfig()
        if model_dir is not None:
            model_dir = os.fspath(model_dir)
        if model_dir is None:
            model_dir = self._config.model_dir or tempfile.mkdtemp(prefix="tagraph_estimator_")
            if not self._config.model_dir:
                logger.warning("Using temporary folder as model directory: %s", model_dir)
        elif self._config.model_dir not in (None, model_dir):
            raise ValueError("model_dir are set both in constructor and RunConfig, but with different values "
                             "(%s vs %s)" % (model_dir, self._config.model_dir))
        self._model_dir = os.fspath(model_dir)
        self._config = self._config.replace(model_dir=self._model_dir)
        self._params = dict(params or {})
        self._model_fn_args = set(inspect.signature(model_fn).parameters)
        if "features" not in self._model_fn_args:
            raise ValueError("model_fn (%s) must include features argument." % model_fn)
        self._warm_start_settings = _warm_start_settings(warm_start_from)

    model_dir = property(lambda self: self._model_dir)
    config = property(lambda self: self._config)
    params = property(lambda self: dict(self._params))
    model_fn = property(lambda self: self._model_fn)

    def eval_dir(self, name=None):
        """Where ``evaluate(name=...)`` writes its events: ``model_dir/eval`` or ``model_dir/eval_<name>``."""
        return os.path.join(self._model_dir, "eval" if not name else "eval_" + name)

    # --- checkpoints in model_dir ---------------------------------------------------------------------

    def latest_checkpoint(self):
        """The prefix of the newest checkpoint in model_dir, or None."""
        return latest_checkpoint(self._model_dir)

    def get_variable_names(self):
        """The names of the variables in the latest checkpoint."""
        return [name for name, _ in list_variables(self._require_checkpoint())]

    def get_variable_value(self, name):
        """A variable's value (numpy) in the latest checkpoint."""
        return load_checkpoint(self._require_checkpoint()).get_tensor(name)

    def _require_checkpoint(self, checkpoint_path=None):
        path = checkpoint_path or self.latest_checkpoint()
        if not path:
            raise ValueError("Could not find trained model in model_dir: %s." % self._model_dir)
        return path

    # --- building -------------------------------------------------------------------------------------

    def _call_model_fn(self, features, labels, mode):
        kwargs = {}
        if "labels" in self._model_fn_args:
            kwargs["labels"] = labels
        elif labels is not None and mode != ModeKeys.PREDICT:
            raise ValueError("model_fn does not take labels, but input_fn returns labels.")
        if "mode" in self._model_fn_args:
            kwargs["mode"] = mode
        if "params" in self._model_fn_args:
            kwargs["params"] = dict(self._params)
        if "config" in self._model_fn_args:
            kwargs["config"] = self._config
        device_fn = self._config.device_fn
        if device_fn is not None:
            with tg.device(device_fn):
                spec = self._model_fn(features=features, **kwargs)
        else:
            spec = self._model_fn(features=features, **kwargs)
        if not isinstance(spec, EstimatorSpec):
            raise ValueError("model_fn should return an EstimatorSpec, got %r" % (spec,))
        if spec.mode != mode:
            raise ValueError("model_fn returned an EstimatorSpec for mode %r when called for %r"
                             % (spec.mode, mode))
        return spec

    def _call_input_fn(self, input_fn, mode):
        if not callable(input_fn):
            raise TypeError("input_fn must be callable, got %r" % (input_fn,))
        try:
            args = set(inspect.signature(input_fn).parameters)
        except (TypeError, ValueError):
            args = set()
        kwargs = {}
        if "params" in args:
            kwargs["params"] = dict(self._params)
        if "mode" in args:
            kwargs["mode"] = mode
        if "config" in args:
            kwargs["config"] = self._config
        return input_fn(**kwargs)

    def _session(self, graph):
        return tg.Session(graph=graph, config=self._config.session_config)

    def _graph(self):
        g = tg.Graph()
        if self._config.tf_random_seed is not None:
            g.seed = self._config.tf_random_seed
        return g

    def _inputs(self, input_fn, mode, graph):
        """(features, labels, the hook feeding them, the InputSource), built in ``graph``."""
        with graph.as_default():
            out = self._call_input_fn(input_fn, mode)
        source = InputSource(out, repeat_single=(mode == ModeKeys.TRAIN))
        with graph.as_default():
            feats, labels, feed_of = source.build(with_labels=(mode != ModeKeys.PREDICT))
        return feats, labels, InputHook(source, feed_of), source

    # --- train ----------------------------------------------------------------------------------------

    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Trains from the latest checkpoint in model_dir for ``steps`` more steps, or up to ``max_steps``.

        Without either, trains until the input is exhausted. Checkpoints every ``save_checkpoints_steps``
        steps or ``save_checkpoints_secs`` seconds (keeping ``keep_checkpoint_max``), when it starts and at
        the end; ``saving_listeners`` are called around each save. ``hooks`` (SessionRunHooks) run with
        the training session.
        """
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        if steps is not None and steps <= 0:
            raise ValueError("Must specify steps > 0, given: %r" % (steps,))
        if max_steps is not None and max_steps <= 0:
            raise ValueError("Must specify max_steps > 0, given: %r" % (max_steps,))
        if max_steps is not None and max_steps <= _load_global_step_from_checkpoint_dir(self._model_dir):
            logger.info("Skipping training since max_steps has already saved.")
            return self
        hooks = _check_hooks_type(hooks)
        if steps is not None or max_steps is not None:
            hooks.append(StopAtStepHook(steps, max_steps))
        saving_listeners = _check_listeners_type(saving_listeners)
        loss = self._train_model(input_fn, hooks, saving_listeners, steps, max_steps)
        logger.info("Loss for final step: %s.", loss)
        return self

    def _train_model(self, input_fn, hooks, saving_listeners, steps, max_steps):
        g = self._graph()
        with g.as_default():
            global_step = tg.train.get_or_create_global_step()
        feats, labels, input_hook, source = self._inputs(input_fn, ModeKeys.TRAIN, g)
        if source.endless and steps is None and max_steps is None:
            raise ValueError("input_fn gives the same batch at every step, so training would never end: "
                             "give steps or max_steps (or return a generator of batches)")
        with g.as_default():
            spec = self._call_model_fn(feats, labels, ModeKeys.TRAIN)
            worker_hooks = [_FrozenStepGuard(steps, global_step)] if steps is not None else []
            return self._train_with_estimator_spec(spec, worker_hooks, hooks, global_step, saving_listeners,
                                                   input_hook)

    def _train_with_estimator_spec(self, spec, worker_hooks, hooks, global_step, saving_listeners, input_hook):
        config = self._config
        if self._warm_start_settings and not self.latest_checkpoint():
            logger.info("Warm-starting with WarmStartSettings: %s", self._warm_start_settings)
            warm_starting.warm_start(*self._warm_start_settings)
        # The loss shows in TensorBoard under "loss" unless model_fn already wrote a summary of that name.
        if not any(x.op.name == "loss" for x in tg.get_collection(GraphKeys.SUMMARIES)):
            tg.summary.scalar("loss", spec.loss)
        tg.add_to_collection(GraphKeys.LOSSES, spec.loss)
        worker_hooks.extend(hooks)
        worker_hooks.append(NanTensorHook(spec.loss))
        if config.log_step_count_steps:
            worker_hooks.append(LoggingTensorHook({"loss": spec.loss, "step": global_step},
                                                  every_n_iter=config.log_step_count_steps))
        worker_hooks.extend(spec.training_hooks)
        # Last: the other hooks' before_run come first, as when TensorFlow's input ends inside the run.
        worker_hooks.append(input_hook)
        if not (spec.scaffold.saver or tg.get_collection(GraphKeys.SAVERS)):
            tg.add_to_collection(GraphKeys.SAVERS, Saver(
                sharded=True, max_to_keep=config.keep_checkpoint_max,
                keep_checkpoint_every_n_hours=config.keep_checkpoint_every_n_hours, defer_build=True,
                save_relative_paths=True))
        chief_hooks = []
        all_hooks = worker_hooks + list(spec.training_chief_hooks)
        saver_hooks = [h for h in all_hooks if isinstance(h, CheckpointSaverHook)]
        if config.save_checkpoints_secs or config.save_checkpoints_steps:
            if not saver_hooks:
                chief_hooks = [CheckpointSaverHook(self._model_dir, save_secs=config.save_checkpoints_secs,
                                                   save_steps=config.save_checkpoints_steps, scaffold=spec.scaffold,
                                                   save_graph_def=config.checkpoint_save_graph_def)]
                saver_hooks = [chief_hooks[0]]
        if saving_listeners:
            if not saver_hooks:
                raise ValueError("There should be a CheckpointSaverHook to use saving_listeners. Please set one of "
                                 "the RunConfig.save_checkpoints_steps or RunConfig.save_checkpoints_secs.")
            for listener in saving_listeners:
                if listener not in saver_hooks[0]._listeners:
                    saver_hooks[0]._listeners.append(listener)
        loss = None
        any_step_done = False
        with MonitoredTrainingSession(
                checkpoint_dir=self._model_dir, scaffold=spec.scaffold, hooks=worker_hooks,
                chief_only_hooks=tuple(chief_hooks) + tuple(spec.training_chief_hooks),
                save_checkpoint_secs=0,  # the CheckpointSaverHook above saves
                save_summaries_steps=config.save_summary_steps, config=config.session_config,
                max_wait_secs=config.session_creation_timeout_secs,
                log_step_count_steps=config.log_step_count_steps,
                save_graph_def=config.checkpoint_save_graph_def) as mon_sess:
            while not mon_sess.should_stop():
                _, loss = mon_sess.run([spec.train_op, spec.loss])
                any_step_done = True
        if not any_step_done:
            logger.warning("Training with estimator made no steps. Perhaps input is empty or misspecified.")
        return loss

    # --- evaluate -------------------------------------------------------------------------------------

    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Runs ``eval_metric_ops`` over the input (or ``steps`` batches) with the latest checkpoint.

        Returns a dict of each metric's value, ``loss`` (the mean of the loss over the batches) and
        ``global_step``, and writes them (and the checkpoint's path) into ``eval_dir(name)``'s events.
        """
        hooks = _check_hooks_type(hooks)
        if steps is not None:
            if steps <= 0:
                raise ValueError("Must specify steps > 0, given: %r" % (steps,))
            hooks.append(evaluation.StopAfterNEvalsHook(num_evals=steps))
        path = self._require_checkpoint(checkpoint_path)
        g = self._graph()
        with g.as_default():
            global_step = tg.train.get_or_create_global_step()
        feats, labels, input_hook, _ = self._inputs(input_fn, ModeKeys.EVAL, g)
        with g.as_default():
            spec = self._call_model_fn(feats, labels, ModeKeys.EVAL)
            metric_ops = dict(spec.eval_metric_ops)
            if "loss" in metric_ops:
                raise ValueError('Metric with name "loss" is not allowed, because Estimator already defines a '
                                 'default metric with the same name.')
            metric_ops["loss"] = metrics.mean(spec.loss, name="mean_loss")
            update_ops, eval_dict = [], {}
            for key, (value, update) in sorted(metric_ops.items()):
                eval_dict[key] = value
                update_ops.append(update)
            update_op = tg.group(*update_ops)
            if GraphKeys.GLOBAL_STEP in eval_dict:
                raise ValueError("Metric with name `global_step` is not allowed, because Estimator already defines "
                                 "a default metric with the same name.")
            eval_dict[GraphKeys.GLOBAL_STEP] = global_step
            all_hooks = hooks + list(spec.evaluation_hooks) + [input_hook]
            scaffold = spec.scaffold
            if scaffold.local_init_op is not None:
                # The metrics added local variables: the model's own local init op would leave them out.
                evaluation.get_or_create_eval_step()
                scaffold = type(scaffold)(local_init_op=tg.group(scaffold.local_init_op,
                                                                 type(scaffold).default_local_init_op()),
                                          copy_from_scaffold=scaffold)
            results = evaluation.evaluate_once(path, scaffold=scaffold, eval_ops=update_op, final_ops=eval_dict,
                                               hooks=all_hooks, config=self._config.session_config)
        if results is None:
            raise ValueError("input_fn produced no data to evaluate")
        results = {k: (v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v) for k, v in results.items()}
        results[GraphKeys.GLOBAL_STEP] = int(results[GraphKeys.GLOBAL_STEP])
        output_dir = self.eval_dir(name)
        evaluation.write_dict_to_summary(output_dir, results, results[GraphKeys.GLOBAL_STEP])
        evaluation.write_checkpoint_path_to_summary(output_dir, path, results[GraphKeys.GLOBAL_STEP])
        return results

    # --- predict --------------------------------------------------------------------------------------

    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """Yields the predictions for each example (a dict, or a value where predictions is one Tensor).

        ``predict_keys`` picks some of a dict's keys; ``yield_single_examples=False`` yields whole batches.
        """
        hooks = _check_hooks_type(hooks)
        path = self._require_checkpoint(checkpoint_path)
        g = self._graph()
        with g.as_default():
            tg.train.get_or_create_global_step()
        feats, _, input_hook, _ = self._inputs(input_fn, ModeKeys.PREDICT, g)
        with g.as_default():
            spec = self._call_model_fn(feats, None, ModeKeys.PREDICT)
            predictions = _extract_keys(spec.predictions, predict_keys)
            all_hooks = hooks + list(spec.prediction_hooks) + [input_hook]
            creator = ChiefSessionCreator(checkpoint_filename_with_path=path, scaffold=spec.scaffold,
                                          config=self._config.session_config)
            with MonitoredSession(session_creator=creator, hooks=all_hooks) as mon_sess:
                while not mon_sess.should_stop():
                    out = mon_sess.run(predictions)
                    if not yield_single_examples:
                        yield out
                    elif isinstance(out, dict):
                        for i in range(_batch_length(out)):
                            yield {k: v[i] for k, v in out.items()}
                    else:
                        if np.ndim(out) == 0:
                            raise ValueError("Prediction is a scalar: it has no batch dimension to yield examples "
                                             "of; use yield_single_examples=False")
                        yield from out

    # --- export ---------------------------------------------------------------------------------------

    def export_saved_model(self, export_dir_base, serving_input_receiver_fn, assets_extra=None, as_text=False,
                           checkpoint_path=None, experimental_mode=ModeKeys.PREDICT, strip_default_attrs=True,
                           export_gpu_meta_graph=False):
        """Writes a SavedModel of the latest checkpoint to ``export_dir_base/<timestamp>``; returns its path.

        The graph is built afresh from ``serving_input_receiver_fn()`` and ``model_fn`` in PREDICT mode; its
        signatures are the EstimatorSpec's ``export_outputs`` (one per key, ``serving_default`` among
        them), taking the receiver's tensors. The folder is written as ``temp-<timestamp>`` and renamed
        when complete. ``export_gpu_meta_graph=True`` writes the tag-sets ``{serve}`` (every node on the
        CPU) and ``{serve, gpu}`` (compute on GPU:0), sharing one variables checkpoint. Returns bytes, as
        TensorFlow does.

            path = est.export_saved_model("/tmp/export", build_parsing_serving_input_receiver_fn(spec))
        """
        if experimental_mode != ModeKeys.PREDICT:
            raise NotImplementedError("tagraph exports PREDICT-mode graphs only (experimental_mode=%r)"
                                      % (experimental_mode,))
        if not callable(serving_input_receiver_fn):
            raise ValueError("serving_input_receiver_fn must be defined.")
        path = self._require_checkpoint(checkpoint_path)
        export_dir_base = os.fspath(export_dir_base)
        if isinstance(export_dir_base, bytes):
            export_dir_base = export_dir_base.decode()
        g = self._graph()
        with g.as_default():
            tg.train.get_or_create_global_step()
            receiver = serving_input_receiver_fn()
            if not isinstance(receiver, _export.ServingInputReceiver):
                raise ValueError("serving_input_receiver_fn must return a ServingInputReceiver, got %r"
                                 % (receiver,))
            spec = self._call_model_fn(receiver.features, None, ModeKeys.PREDICT)
            signatures = _export.build_all_signature_defs(receiver.receiver_tensors, spec.export_outputs,
                                                          receiver.receiver_tensors_alternatives)
            if not signatures:
                raise ValueError("No valid signatures to export: every export output was excluded (see the "
                                 "warnings logged above)")
            saver = Saver(sharded=True)
            # TensorFlow's Scaffold.default_local_init_op: lookup tables (feature columns' vocabularies) too.
            main_op = tg.group(tg.local_variables_initializer(), tg.tables_initializer(), name="group_deps")
        os.makedirs(export_dir_base, exist_ok=True)
        timestamp = _unique_timestamp(export_dir_base)
        final = os.path.join(export_dir_base, str(timestamp))
        temp = os.path.join(export_dir_base, "temp-%d" % timestamp)
        assets = g.get_collection(tg.GraphKeys.ASSET_FILEPATHS)
        try:
            with self._session(g) as sess:
                saver.restore(sess, path)
                if export_gpu_meta_graph:
                    device_export.export_for_devices(sess, temp, signature_def_map=signatures,
                                                     assets_collection=assets, main_op=main_op,
                                                     strip_default_attrs=strip_default_attrs, saver=saver,
                                                     as_text=as_text)
                else:
                    b = _builder.SavedModelBuilder(temp)
                    b.add_meta_graph_and_variables(sess, [tag_constants.SERVING], signature_def_map=signatures,
                                                   assets_collection=assets, main_op=main_op,
                                                   strip_default_attrs=strip_default_attrs, saver=saver)
                    b.save(as_text=as_text)
            for dest, source in (assets_extra or {}).items():
                target = os.path.join(temp, "assets.extra", dest)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copyfile(source, target)
            os.rename(temp, final)  # the export appears complete, or not at all
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        logger.info("SavedModel written to: %s (signatures: %s)", final, ", ".join(sorted(signatures)))
        return final.encode()

    def export_savedmodel(self, export_dir_base, serving_input_receiver_fn, assets_extra=None, as_text=False,
                          checkpoint_path=None, strip_default_attrs=False):
        """TensorFlow 1's name for :meth:`export_saved_model` (default attributes kept unless asked)."""
        return self.export_saved_model(export_dir_base, serving_input_receiver_fn, assets_extra=assets_extra,
                                       as_text=as_text, checkpoint_path=checkpoint_path,
                                       strip_default_attrs=strip_default_attrs)



def _extract_keys(predictions, predict_keys):
    if predict_keys is None:
        return predictions
    if isinstance(predict_keys, str):
        predict_keys = [predict_keys]
    if not isinstance(predictions, dict):
        raise ValueError("predict_keys argument is not valid in case of non-dict predictions.")
    missing = [k for k in predict_keys if k not in predictions]
    if missing:
        raise ValueError("Expected to run at least one output from %s, provided %s."
                         % (sorted(predictions), list(predict_keys)))
    return {k: predictions[k] for k in predict_keys}


def _batch_length(out):
    sizes = {k: (np.shape(v)[0] if np.ndim(v) else None) for k, v in out.items()}
    if len(set(sizes.values())) != 1 or None in sizes.values():
        raise ValueError("Batch length of predictions should be same. %s has different batch length than others."
                         % sorted(sizes.items()))
    return next(iter(sizes.values()))


def _unique_timestamp(base):
    ts = int(time.time())
    while os.path.exists(os.path.join(base, str(ts))) or os.path.exists(os.path.join(base, "temp-%d" % ts)):
        ts += 1
    return ts


