"""Estimator: train, evaluate, predict and export a model_fn, checkpointing in ``model_dir`` on its own.

    est = Estimator(model_fn, model_dir="/tmp/mlp", config=RunConfig(save_checkpoints_steps=100))
    est.train(numpy_input_fn({"x": x}, y, batch_size=32, num_epochs=None, shuffle=True), steps=500)
    print(est.evaluate(numpy_input_fn({"x": x}, y, shuffle=False)))
    est.export_saved_model("/tmp/export", build_parsing_serving_input_receiver_fn(spec))

Input functions return ``(features, labels)`` of numpy arrays (one batch, used each step) or a generator
of such batches; the Estimator feeds them through placeholders shaped like the first batch.
"""
import inspect
import logging
import os
import shutil
import tempfile
import time

import numpy as np

import tagraph.engine as tg
from tagraph.engine import dtypes
from tagraph.estimator import export as _export
from tagraph.estimator.model_fn import EstimatorSpec, ModeKeys
from tagraph.estimator.run_config import RunConfig

logger = logging.getLogger("tagraph.estimator")


class Estimator:
    def __init__(self, model_fn, model_dir=None, config=None, params=None, warm_start_from=None):
        if not callable(model_fn):
            raise ValueError("model_fn must be callable, got %r" % (model_fn,))
        self._model_fn = model_fn
        self._config = config or RunConfig()
        if model_dir is None:
            model_dir = self._config.model_dir or tempfile.mkdtemp(prefix="tagraph_estimator_")
            logger.warning("Using temporary folder as model directory: %s", model_dir)
        elif self._config.model_dir not in (None, model_dir):
            raise ValueError("model_dir are set both in constructor and RunConfig, but with different values: "
                             "%s vs %s" % (model_dir, self._config.model_dir))
        self._model_dir = os.fspath(model_dir)
        self._config = self._config.replace(model_dir=self._model_dir)
        self._params = dict(params or {})
        self._model_fn_args = set(inspect.signature(model_fn).parameters)
        for required in ("features",):
            if required not in self._model_fn_args:
                raise ValueError("model_fn (%s) must include features argument." % model_fn)

    model_dir = property(lambda self: self._model_dir)
    config = property(lambda self: self._config)
    params = property(lambda self: dict(self._params))
    model_fn = property(lambda self: self._model_fn)

    # --- helpers ---------------------------------------------------------------------------------------

    def latest_checkpoint(self):
        from tagraph.serialization import latest_checkpoint
        return latest_checkpoint(self._model_dir)

    def get_variable_names(self):
        from tagraph.serialization import list_variables
        return [name for name, _ in list_variables(self._require_checkpoint())]

    def get_variable_value(self, name):
        from tagraph.serialization import load_checkpoint
        return load_checkpoint(self._require_checkpoint()).get_tensor(name)

    def _require_checkpoint(self, checkpoint_path=None):
        path = checkpoint_path or self.latest_checkpoint()
        if not path:
            raise ValueError("Could not find trained model in model_dir: %s." % self._model_dir)
        return path

    def _call_model_fn(self, features, labels, mode):
        kwargs = {}
        if "labels" in self._model_fn_args:
            kwargs["labels"] = labels
        elif labels is not None and mode != ModeKeys.PREDICT:
            raise ValueError("model_fn does not take labels, but input_fn returns labels.")
        if "mode" in self._model_fn_args:
            kwargs["mode"] = mode
        if "params" in self._model_fn_args:
            kwargs["params"] = self._params
        if "config" in self._model_fn_args:
            kwargs["config"] = self._config
        spec = self._model_fn(features=features, **kwargs)
        if not isinstance(spec, EstimatorSpec):
            raise ValueError("model_fn should return an EstimatorSpec, got %r" % (spec,))
        return spec

    def _graph(self):
        g = tg.Graph()
        if self._config.tf_random_seed is not None:
            g.seed = self._config.tf_random_seed
        return g

    def _session(self, graph):
        return tg.Session(graph=graph, config=self._config.session_config)

    # --- train ------------------------------------------------------------------------------------------

    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Trains from the latest checkpoint in model_dir for ``steps`` more steps or up to ``max_steps``."""
        from tagraph.serialization import Saver
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        if steps is not None and steps <= 0:
            raise ValueError("Must specify steps > 0, given: %r" % (steps,))
        if max_steps is not None and max_steps <= 0:
            raise ValueError("Must specify max_steps > 0, given: %r" % (max_steps,))
        latest = self.latest_checkpoint()
        if max_steps is not None and latest:
            from tagraph.serialization import load_checkpoint
            reader = load_checkpoint(latest)
            if reader.has_tensor("global_step") and int(reader.get_tensor("global_step")) >= max_steps:
                logger.info("Skipping training since max_steps has already saved.")
                return self
        batches = _batches(input_fn, repeat_single=True)
        first = next(batches, None)
        if first is None:
            raise ValueError("input_fn produced no data")
        os.makedirs(self._model_dir, exist_ok=True)
        g = self._graph()
        with g.as_default():
            global_step = tg.train.get_or_create_global_step()
            feats, labels, feed_of = _placeholders(*first)
            spec = self._call_model_fn(feats, labels, ModeKeys.TRAIN)
            saver = Saver(max_to_keep=self._config.keep_checkpoint_max,
                          keep_checkpoint_every_n_hours=self._config.keep_checkpoint_every_n_hours,
                          sharded=False)
            init = tg.group(tg.global_variables_initializer(), tg.local_variables_initializer())
            local_init = tg.local_variables_initializer()
        prefix = os.path.join(self._model_dir, "model.ckpt")
        with self._session(g) as sess:
            if latest:
                logger.info("Restoring parameters from %s", latest)
                saver.restore(sess, latest)
                sess.run(local_init)
            else:
                sess.run(init)
            step = int(sess.run(global_step))
            stop_at = step + steps if steps is not None else max_steps
            logger.info("Saving checkpoints for %d into %s.", step, prefix)
            if not latest:
                saver.save(sess, prefix, global_step=step)
            last_save_time = time.time()
            last_saved_step = step
            last_log = (time.time(), step)
            batch = first
            fetches = [spec.train_op, spec.loss, global_step]
            while stop_at is None or step < stop_at:
                _, loss, step = sess.run(fetches, feed_of(*batch))
                step = int(step)
                if not np.isfinite(loss):
                    raise tg.errors.InvalidArgumentError(None, None, "Model diverged with loss = NaN.")
                every = self._config.log_step_count_steps
                if every and step % every == 0:
                    now = time.time()
                    rate = (step - last_log[1]) / max(now - last_log[0], 1e-9)
                    logger.info("loss = %g, step = %d (%.1f steps/sec)", loss, step, rate)
                    last_log = (now, step)
                if self._should_save(step, last_saved_step, last_save_time):
                    saver.save(sess, prefix, global_step=step)
                    last_saved_step, last_save_time = step, time.time()
                batch = next(batches, None)
                if batch is None:
                    break
            if step != last_saved_step:
                logger.info("Saving checkpoints for %d into %s.", step, prefix)
                saver.save(sess, prefix, global_step=step)
            logger.info("Loss for final step: %s.", loss if step else None)
        return self

    def _should_save(self, step, last_saved_step, last_save_time):
        c = self._config
        if c.save_checkpoints_steps:
            return step - last_saved_step >= c.save_checkpoints_steps
        if c.save_checkpoints_secs:
            return time.time() - last_save_time >= c.save_checkpoints_secs
        return False

    # --- evaluate ---------------------------------------------------------------------------------------

    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Runs ``eval_metric_ops`` over the input; returns them with ``loss`` and ``global_step``."""
        from tagraph.serialization import Saver
        path = self._require_checkpoint(checkpoint_path)
        batches = _batches(input_fn, repeat_single=False)
        first = next(batches, None)
        if first is None:
            raise ValueError("input_fn produced no data")
        g = self._graph()
        with g.as_default():
            global_step = tg.train.get_or_create_global_step()
            feats, labels, feed_of = _placeholders(*first)
            spec = self._call_model_fn(feats, labels, ModeKeys.EVAL)
            from tagraph.engine import metrics
            metric_ops = dict(spec.eval_metric_ops)
            if "loss" not in metric_ops:
                metric_ops["loss"] = metrics.mean(spec.loss, name="mean_loss")
            saver = Saver()
            local_init = tg.local_variables_initializer()
        with self._session(g) as sess:
            saver.restore(sess, path)
            sess.run(local_init)
            updates = [u for _, u in metric_ops.values()]
            batch, n = first, 0
            while batch is not None and (steps is None or n < steps):
                sess.run(updates, feed_of(*batch))
                n += 1
                batch = next(batches, None)
            results = sess.run({k: v for k, (v, _) in metric_ops.items()})
            results["global_step"] = int(sess.run(global_step))
        results = {k: (v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v) for k, v in results.items()}
        logger.info("Saving dict for global step %d: %s", results["global_step"],
                    ", ".join("%s = %s" % kv for kv in sorted(results.items())))
        return results

    # --- predict ----------------------------------------------------------------------------------------

    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """Yields one dict (or value) of predictions per example."""
        from tagraph.serialization import Saver
        path = self._require_checkpoint(checkpoint_path)
        batches = _batches(input_fn, repeat_single=False)
        first = next(batches, None)
        if first is None:
            return
        g = self._graph()
        with g.as_default():
            tg.train.get_or_create_global_step()
            feats, _, feed_of = _placeholders(first[0], None)
            spec = self._call_model_fn(feats, None, ModeKeys.PREDICT)
            predictions = spec.predictions
            if isinstance(predictions, dict) and predict_keys is not None:
                missing = set(predict_keys) - set(predictions)
                if missing:
                    raise ValueError("Expected to run at least one output from %s, provided %s."
                                     % (sorted(predictions), sorted(predict_keys)))
                predictions = {k: predictions[k] for k in predict_keys}
            saver = Saver()
            local_init = tg.local_variables_initializer()
        with self._session(g) as sess:
            saver.restore(sess, path)
            sess.run(local_init)
            batch = first
            while batch is not None:
                out = sess.run(predictions, feed_of(batch[0], None))
                if not yield_single_examples:
                    yield out
                elif isinstance(out, dict):
                    n = len(next(iter(out.values())))
                    for i in range(n):
                        yield {k: v[i] for k, v in out.items()}
                else:
                    yield from out
                batch = next(batches, None)

    # --- export -----------------------------------------------------------------------------------------

    def export_saved_model(self, export_dir_base, serving_input_receiver_fn, assets_extra=None, as_text=False,
                           checkpoint_path=None, experimental_mode=ModeKeys.PREDICT, strip_default_attrs=True):
        """Writes a SavedModel (tag ``serve``) under ``export_dir_base/<timestamp>``; returns its path (bytes)."""
        from tagraph.serialization import Saver
        from tagraph.serialization.saved_model import builder as _builder, tag_constants
        path = self._require_checkpoint(checkpoint_path)
        g = self._graph()
        with g.as_default():
            tg.train.get_or_create_global_step()
            receiver = serving_input_receiver_fn()
            if not isinstance(receiver, _export.ServingInputReceiver):
                raise ValueError("serving_input_receiver_fn must return a ServingInputReceiver, got %r" % (receiver,))
            spec = self._call_model_fn(receiver.features, None, experimental_mode)
            signatures = _export.build_all_signature_defs(receiver.receiver_tensors, spec.export_outputs)
            if not signatures:
                raise ValueError("No valid signatures to export")
            saver = Saver(sharded=False)
            local_init = tg.local_variables_initializer()
        os.makedirs(export_dir_base, exist_ok=True)
        timestamp = _unique_timestamp(export_dir_base)
        final = os.path.join(os.fspath(export_dir_base), str(timestamp))
        temp = os.path.join(os.fspath(export_dir_base), "temp-%d" % timestamp)
        try:
            with self._session(g) as sess:
                saver.restore(sess, path)
                b = _builder.SavedModelBuilder(temp)
                b.add_meta_graph_and_variables(sess, [tag_constants.SERVING], signature_def_map=signatures,
                                               assets_collection=g.get_collection(tg.GraphKeys.ASSET_FILEPATHS),
                                               main_op=local_init, strip_default_attrs=strip_default_attrs,
                                               saver=saver)
                b.save(as_text=as_text)
            for dest, source in (assets_extra or {}).items():
                target = os.path.join(temp, "assets.extra", dest)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copyfile(source, target)
            os.rename(temp, final)  # the export appears complete, or not at all
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        logger.info("SavedModel written to: %s", final)
        return final.encode()

    export_savedmodel = export_saved_model


def _unique_timestamp(base):
    ts = int(time.time())
    while os.path.exists(os.path.join(base, str(ts))) or os.path.exists(os.path.join(base, "temp-%d" % ts)):
        ts += 1
    return ts


def _batches(input_fn, repeat_single):
    """Normalizes an input_fn's result to an iterator of (features, labels) numpy batches."""
    out = input_fn() if callable(input_fn) else input_fn
    if isinstance(out, tuple) and len(out) == 2 and not inspect.isgenerator(out):
        def one():
            while True:
                yield out
                if not repeat_single:
                    return
        return one()
    if isinstance(out, (dict, np.ndarray)):
        return iter([(out, None)])
    return iter(out)


def _placeholders(features, labels):
    """Placeholders shaped like a batch (first dimension unknown), and a function making feed dicts."""
    def ph(value, name):
        a = np.asarray(value)
        dt = dtypes.string if a.dtype.kind in "USO" else dtypes.as_dtype(a.dtype)
        return tg.placeholder(dt, [None] + list(a.shape[1:]), name=name)

    if isinstance(features, dict):
        f_ph = {k: ph(v, k) for k, v in features.items()}
    else:
        f_ph = ph(features, "feature")
    if labels is None:
        l_ph = None
    elif isinstance(labels, dict):
        l_ph = {k: ph(v, k) for k, v in labels.items()}
    else:
        l_ph = ph(labels, "label")

    def feed_of(f, l):
        feed = {}
        if isinstance(f_ph, dict):
            if set(f) != set(f_ph):
                raise ValueError("A batch has features %s, the first had %s" % (sorted(f), sorted(f_ph)))
            feed.update({f_ph[k]: f[k] for k in f_ph})
        else:
            feed[f_ph] = f
        if l_ph is not None and l is not None:
            if isinstance(l_ph, dict):
                feed.update({l_ph[k]: l[k] for k in l_ph})
            else:
                feed[l_ph] = l
        return feed
    return f_ph, l_ph, feed_of
