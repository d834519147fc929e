"""Estimator: train, evaluate, predict and export a model_fn, checkpointing in ``model_dir`` on its own.

    est = Estimator(model_fn, model_dir="/tmp/mlp", config=RunConfig(save_checkpoints_steps=100))
    est.train(numpy_input_fn({"x": x}, y, batch_size=32, num_epochs=None, shuffle=True), steps=500)
    print(est.evaluate(numpy_input_fn({"x": x}, y, shuffle=False)))  # {"accuracy": .., "loss": .., "global_step": 500}
    est.export_saved_model("/tmp/export", build_parsing_serving_input_receiver_fn(spec))

An input_fn (called with whichever of ``params``, ``mode`` and ``config`` it declares) returns one of:

- ``(features, labels)`` of numpy arrays (``features`` an array or a dict of arrays; ``labels`` may be
  None), or ``features`` alone: one batch. Training uses it at every step; evaluate and predict use it once.
- a generator (or any iterator) of such batches, e.g. ``numpy_input_fn``'s: each step takes the next one,
  and the run ends when it is exhausted (or at ``steps``).
- ``(features, labels)`` of Tensors it built in the Estimator's graph (``tg.constant(x)``): every step
  runs them; evaluate and predict run one step unless given ``steps``.

numpy batches are fed through placeholders shaped like the first batch, with the batch dimension unknown.
"""
import inspect
import logging
import os
import re
import shutil
import tempfile
import time

import numpy as np

import tagraph.engine as tg
from tagraph.engine.framework import dtypes
from tagraph.engine.train import metrics
from tagraph.estimator import export as _export
from tagraph.estimator.model_fn import EstimatorSpec, ModeKeys
from tagraph.estimator.run_config import RunConfig
from tagraph.serialization.checkpoint_state import get_checkpoint_state, latest_checkpoint
from tagraph.serialization.checkpoint_utils import list_variables, load_checkpoint
from tagraph.serialization.saved_model import builder as _builder, device_export, tag_constants
from tagraph.serialization.saver import Saver

logger = logging.getLogger("tagraph.estimator")

__all__ = ["Estimator", "NanLossDuringTrainingError", "CheckpointSaverListener"]


class CheckpointSaverListener:
    """Called around the checkpoints ``Estimator.train`` saves (its ``saving_listeners``), as TensorFlow's.

        class Report(CheckpointSaverListener):
            def after_save(self, session, global_step_value):
                print("saved", global_step_value)
        est.train(input_fn, steps=100, saving_listeners=[Report()])
    """

    def begin(self):
        pass

    def before_save(self, session, global_step_value):
        pass

    def after_save(self, session, global_step_value):
        pass

    def end(self, session, global_step_value):
        pass


class NanLossDuringTrainingError(RuntimeError):
    """The loss became NaN (or infinite) during training; TensorFlow's error of the same name."""

    def __str__(self):
        return "NaN loss during training."


class Estimator:
    """Trains, evaluates, predicts with and exports a ``model_fn(features, labels, mode, params, config)``.

        def model_fn(features, labels, mode, params):
            logits = tg.layers.dense(features["x"], 3)
            ...
            return EstimatorSpec(mode, predictions=..., loss=..., train_op=..., eval_metric_ops=...)

        est = Estimator(model_fn, model_dir="/tmp/m", params={"lr": 0.1})
    """

    def __init__(self, model_fn, model_dir=None, config=None, params=None, warm_start_from=None):
        if not callable(model_fn):
            raise ValueError("model_fn must be callable, got %r" % (model_fn,))
        if warm_start_from is not None:
            raise NotImplementedError("tagraph's Estimator does not support warm_start_from; restore the "
                                      "variables in model_fn (or copy the checkpoint into model_dir) instead")
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

    model_dir = property(lambda self: self._model_dir)
    config = property(lambda self: self._config)
    params = property(lambda self: dict(self._params))
    model_fn = property(lambda self: self._model_fn)

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
        if spec.training_chief_hooks or spec.training_hooks or spec.evaluation_hooks or spec.prediction_hooks:
            raise NotImplementedError("tagraph's Estimator does not run SessionRunHooks (the EstimatorSpec has some)")
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

    def _graph(self):
        g = tg.Graph()
        if self._config.tf_random_seed is not None:
            g.seed = self._config.tf_random_seed
        return g

    def _session(self, graph):
        return tg.Session(graph=graph, config=self._config.session_config)

    def _inputs(self, input_fn, mode, graph):
        """(features, labels, feed function, batch iterator or None) for a mode, built in ``graph``."""
        with graph.as_default():
            out = self._call_input_fn(input_fn, mode)
        source = _InputSource(out, repeat_single=(mode == ModeKeys.TRAIN))
        with graph.as_default():
            feats, labels, feed_of = source.build(with_labels=(mode != ModeKeys.PREDICT))
        return feats, labels, feed_of, source

    # --- train ----------------------------------------------------------------------------------------

    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Trains from the latest checkpoint in model_dir for ``steps`` more steps, or up to ``max_steps``.

        Without either, trains until the input is exhausted. Checkpoints every ``save_checkpoints_steps``
        steps or ``save_checkpoints_secs`` seconds (keeping ``keep_checkpoint_max``), and at the end; logs
        the loss and steps per second every ``log_step_count_steps`` steps.
        """
        if hooks:
            raise NotImplementedError("tagraph's Estimator.train does not run SessionRunHooks")
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        if steps is not None and steps <= 0:
            raise ValueError("Must specify steps > 0, given: %r" % (steps,))
        if max_steps is not None and max_steps <= 0:
            raise ValueError("Must specify max_steps > 0, given: %r" % (max_steps,))
        latest = self.latest_checkpoint()
        if max_steps is not None and latest:
            step_now = _checkpoint_step(latest)
            if step_now is not None and step_now >= max_steps:
                logger.info("Skipping training since max_steps has already saved.")
                return self
        listeners = list(saving_listeners or [])
        os.makedirs(self._model_dir, exist_ok=True)
        g = self._graph()
        with g.as_default():
            global_step = tg.train.get_or_create_global_step()
        feats, labels, feed_of, source = self._inputs(input_fn, ModeKeys.TRAIN, g)
        if source.endless and steps is None and max_steps is None:
            raise ValueError("input_fn gives the same batch at every step, so training would never end: "
                             "give steps or max_steps (or return a generator of batches)")
        with g.as_default():
            spec = self._call_model_fn(feats, labels, ModeKeys.TRAIN)
            saver = Saver(sharded=True, max_to_keep=self._config.keep_checkpoint_max,
                          keep_checkpoint_every_n_hours=self._config.keep_checkpoint_every_n_hours,
                          save_relative_paths=True)
            init = tg.group(tg.global_variables_initializer(), tg.local_variables_initializer())
            local_init = tg.local_variables_initializer()
        prefix = os.path.join(self._model_dir, "model.ckpt")
        for listener in listeners:
            listener.begin()
        loss = None
        with self._session(g) as sess:
            if latest:
                logger.info("Restoring parameters from %s", latest)
                saver.restore(sess, latest)
                sess.run(local_init)
                state = get_checkpoint_state(self._model_dir)
                if state is not None:
                    # Checkpoints of earlier runs count towards keep_checkpoint_max, as in TensorFlow.
                    saver.recover_last_checkpoints(list(state.all_model_checkpoint_paths))
            else:
                sess.run(init)
            step = start_step = int(sess.run(global_step))
            stop_at = step + steps if steps is not None else max_steps
            last_saved_step = _checkpoint_step(latest) if latest else None

            def save(at_step):
                nonlocal last_saved_step, last_save_time
                for listener in listeners:
                    listener.before_save(sess, at_step)
                logger.info("Saving checkpoints for %d into %s.", at_step, prefix)
                saver.save(sess, prefix, global_step=at_step)
                last_saved_step, last_save_time = at_step, time.time()
                for listener in listeners:
                    listener.after_save(sess, at_step)

            last_save_time = time.time()
            if last_saved_step != step:
                save(step)
            every = self._config.log_step_count_steps
            last_log_time, last_log_step = time.time(), step
            fetches = [spec.train_op, spec.loss, global_step]
            iterations = 0
            stuck_warned = False
            while stop_at is None or step < stop_at:
                batch = source.next_feed(feed_of)
                if batch is _EXHAUSTED:
                    break
                _, loss, new_step = sess.run(fetches, batch)
                iterations += 1
                new_step = int(new_step)
                if not np.all(np.isfinite(loss)):
                    raise NanLossDuringTrainingError()
                if new_step == step and not stuck_warned:
                    logger.warning("It seems that global step (tg.train.get_global_step) has not been "
                                   "increased. Current value (could be stable): %d vs previous value: %d. You "
                                   "could increase the global step by passing tg.train.get_global_step() to "
                                   "Optimizer.apply_gradients or Optimizer.minimize.", new_step, step)
                    stuck_warned = True
                step = new_step
                if every and (iterations == 1 or step - last_log_step >= every):
                    now = time.time()
                    if iterations == 1:
                        logger.info("loss = %s, step = %d", _show(loss), step)
                    else:
                        rate = (step - last_log_step) / max(now - last_log_time, 1e-9)
                        logger.info("loss = %s, step = %d (%.3f sec)", _show(loss), step, now - last_log_time)
                        logger.info("global_step/sec: %g", rate)
                    last_log_time, last_log_step = now, step
                if self._should_save(step, last_saved_step, last_save_time):
                    save(step)
                if steps is not None and iterations >= steps and step == start_step:
                    break   # the global step never moves: stop after ``steps`` runs all the same
            if step != last_saved_step:
                save(step)
            for listener in listeners:
                listener.end(sess, step)
            logger.info("Loss for final step: %s.", _show(loss) if loss is not None else None)
        return self

    def _should_save(self, step, last_saved_step, last_save_time):
        c = self._config
        if c.save_checkpoints_steps:
            return last_saved_step is None or step - last_saved_step >= c.save_checkpoints_steps
        if c.save_checkpoints_secs:
            return time.time() - last_save_time >= c.save_checkpoints_secs
        return False

    # --- evaluate -------------------------------------------------------------------------------------

    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Runs ``eval_metric_ops`` over the input (or ``steps`` batches) with the latest checkpoint.

        Returns a dict of each metric's value, ``loss`` (the mean of the loss over the batches) and
        ``global_step``.
        """
        if hooks:
            raise NotImplementedError("tagraph's Estimator.evaluate does not run SessionRunHooks")
        if steps is not None and steps <= 0:
            raise ValueError("Must specify steps > 0, given: %r" % (steps,))
        path = self._require_checkpoint(checkpoint_path)
        g = self._graph()
        with g.as_default():
            global_step = tg.train.get_or_create_global_step()
        feats, labels, feed_of, source = self._inputs(input_fn, ModeKeys.EVAL, g)
        with g.as_default():
            spec = self._call_model_fn(feats, labels, ModeKeys.EVAL)
            metric_ops = dict(spec.eval_metric_ops)
            if "loss" in metric_ops:
                raise ValueError('Metric with name "loss" is not allowed, because Estimator already defines a '
                                 'default metric with the same name.')
            metric_ops["loss"] = metrics.mean(spec.loss, name="mean_loss")
            saver = Saver(sharded=True)
            local_init = tg.local_variables_initializer()
        logger.info("Starting evaluation")
        with self._session(g) as sess:
            saver.restore(sess, path)
            sess.run(local_init)
            updates = [u for _, u in metric_ops.values()]
            n = 0
            limit = steps if steps is not None else (1 if source.endless else None)
            while limit is None or n < limit:
                batch = source.next_feed(feed_of)
                if batch is _EXHAUSTED:
                    break
                sess.run(updates, batch)
                n += 1
            if n == 0:
                raise ValueError("input_fn produced no data to evaluate")
            results = sess.run({k: v for k, (v, _) in metric_ops.items()})
            results["global_step"] = int(sess.run(global_step))
        results = {k: (v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v) for k, v in results.items()}
        logger.info("Evaluation finished after %d steps. Saving dict for global step %d: %s", n,
                    results["global_step"], ", ".join("%s = %s" % kv for kv in sorted(results.items())))
        return results

    # --- predict --------------------------------------------------------------------------------------

    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """Yields the predictions for each example (a dict, or a value where predictions is one Tensor).

        ``predict_keys`` picks some of a dict's keys; ``yield_single_examples=False`` yields whole batches.
        """
        if hooks:
            raise NotImplementedError("tagraph's Estimator.predict does not run SessionRunHooks")
        path = self._require_checkpoint(checkpoint_path)
        g = self._graph()
        with g.as_default():
            tg.train.get_or_create_global_step()
        feats, _, feed_of, source = self._inputs(input_fn, ModeKeys.PREDICT, g)
        with g.as_default():
            spec = self._call_model_fn(feats, None, ModeKeys.PREDICT)
            predictions = spec.predictions
            if predict_keys is not None:
                if isinstance(predict_keys, str):
                    predict_keys = [predict_keys]
                if not isinstance(predictions, dict):
                    raise ValueError("predict_keys argument is not valid in case of non-dict predictions.")
                missing = [k for k in predict_keys if k not in predictions]
                if missing:
                    raise ValueError("Expected to run at least one output from %s, provided %s."
                                     % (sorted(predictions), list(predict_keys)))
                predictions = {k: predictions[k] for k in predict_keys}
            saver = Saver(sharded=True)
            local_init = tg.local_variables_initializer()
        with self._session(g) as sess:
            saver.restore(sess, path)
            sess.run(local_init)
            n = 0
            while not (source.endless and n >= 1):
                batch = source.next_feed(feed_of)
                if batch is _EXHAUSTED:
                    break
                n += 1
                out = sess.run(predictions, batch)
                if not yield_single_examples:
                    yield out
                elif isinstance(out, dict):
                    sizes = {k: (np.shape(v)[0] if np.ndim(v) else None) for k, v in out.items()}
                    if len(set(sizes.values())) != 1 or None in sizes.values():
                        raise ValueError("Batch length of predictions should be same. %s has different batch "
                                         "length than others." % sorted(sizes.items()))
                    for i in range(next(iter(sizes.values()))):
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
            main_op = tg.group(tg.local_variables_initializer(), name="group_deps")
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


def _show(loss):
    a = np.asarray(loss)
    return "%g" % a.item() if a.size == 1 else str(a)


def _checkpoint_step(path):
    """The global step stored in a checkpoint (or in its name), or None."""
    try:
        reader = load_checkpoint(path)
        if reader.has_tensor("global_step"):
            return int(reader.get_tensor("global_step"))
    except Exception:  # noqa: BLE001 - fall back to the name; a bad checkpoint fails later, on restore
        logger.debug("could not read global_step from %s", path, exc_info=True)
    m = re.search(r"-(\d+)$", path)
    return int(m.group(1)) if m else None


def _unique_timestamp(base):
    ts = int(time.time())
    while os.path.exists(os.path.join(base, str(ts))) or os.path.exists(os.path.join(base, "temp-%d" % ts)):
        ts += 1
    return ts


# --- input functions ----------------------------------------------------------------------------------

_EXHAUSTED = object()


def _is_tensor(x):
    return isinstance(x, tg.Tensor) or getattr(type(x), "_tg_sparse_tensor", False)


def _leaves(x):
    if isinstance(x, dict):
        return list(x.values())
    return [x]


def _split(batch):
    """(features, labels) of one batch: a 2-tuple is that; anything else is features alone."""
    if isinstance(batch, tuple) and len(batch) == 2 and not hasattr(batch, "_fields"):
        return batch
    return batch, None


_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.\-/]")


class _InputSource:
    """What an input_fn returned, as placeholders (or its own tensors) and a stream of feed dicts."""

    def __init__(self, out, repeat_single):
        self._first = None
        self._iter = None
        self.tensors = None
        if inspect.isgenerator(out) or (hasattr(out, "__next__") and not isinstance(out, (tuple, dict))):
            self._iter = iter(out)
            first = next(self._iter, None)
            if first is None:
                raise ValueError("input_fn produced no data")
            self._first = _split(first)
            self.endless = False
        else:
            features, labels = _split(out)
            if any(_is_tensor(t) for t in _leaves(features) + ([] if labels is None else _leaves(labels))):
                self.tensors = (features, labels)
            self._first = (features, labels)
            self.endless = True
        self._repeat = repeat_single
        self._pending = self._first

    def build(self, with_labels):
        features, labels = self._first
        if self.tensors is not None:
            return features, (labels if with_labels else None), (lambda f, l: None)
        return _placeholders(features, labels if with_labels else None)

    def next_feed(self, feed_of):
        """The next feed dict (None where the input is the graph's own tensors), or _EXHAUSTED."""
        if self._pending is not None:
            batch, self._pending = self._pending, None
        elif self._iter is not None:
            nxt = next(self._iter, None)
            if nxt is None:
                return _EXHAUSTED
            batch = _split(nxt)
        elif self.endless and self._repeat:
            batch = self._first
        else:
            return _EXHAUSTED
        return feed_of(*batch)


def _placeholders(features, labels):
    """Placeholders shaped like a batch (first dimension unknown), and a function making feed dicts."""
    def ph(value, name):
        if _is_tensor(value):
            raise ValueError("input_fn mixes Tensors and numpy values (%r); give one or the other" % (name,))
        a = np.asarray(value)
        if a.ndim == 0:
            raise ValueError("input_fn gave a scalar for %r: a batch needs a first (batch) dimension" % (name,))
        dt = dtypes.string if a.dtype.kind in "USO" else dtypes.as_dtype(a.dtype)
        base = _NAME_CHARS.sub("_", name).strip("/") or "input"
        if not base[0].isalnum() and base[0] != ".":
            base = "input_" + base
        return tg.placeholder(dt, [None] + list(a.shape[1:]), name=base)

    if isinstance(features, dict):
        if not features:
            raise ValueError("input_fn gave an empty features dict")
        f_ph = {k: ph(v, str(k)) for k, v in features.items()}
    else:
        f_ph = ph(features, "feature")
    if labels is None:
        l_ph = None
    elif isinstance(labels, dict):
        l_ph = {k: ph(v, str(k)) for k, v in labels.items()}
    else:
        l_ph = ph(labels, "label")

    def feed_of(f, lab):
        feed = {}
        if isinstance(f_ph, dict):
            if not isinstance(f, dict) or set(f) != set(f_ph):
                raise ValueError("A batch has features %s, the first had %s"
                                 % (sorted(f) if isinstance(f, dict) else type(f).__name__, sorted(f_ph)))
            for k, t in f_ph.items():
                feed[t] = f[k]
        else:
            feed[f_ph] = f
        if l_ph is not None:
            if lab is None:
                raise ValueError("A batch has no labels, the first had")
            if isinstance(l_ph, dict):
                for k, t in l_ph.items():
                    feed[t] = lab[k]
            else:
                feed[l_ph] = lab
        return feed
    return f_ph, l_ph, feed_of
