"""ModeKeys and EstimatorSpec: what a model_fn returns for each mode.

    def model_fn(features, labels, mode, params):
        logits = tg.layers.dense(features["x"], 3)
        if mode == ModeKeys.PREDICT:
            return EstimatorSpec(mode, predictions={"classes": tg.argmax(logits, 1)})
        ...
"""
import collections

from tagraph.engine.framework.graph import Operation, Tensor
from tagraph.estimator import export as _export
from tagraph.estimator.monitored_session import Scaffold
from tagraph.estimator.session_run_hook import SessionRunHook

__all__ = ["ModeKeys", "EstimatorSpec"]


class ModeKeys:
    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"


_Spec = collections.namedtuple("EstimatorSpec", [
    "mode", "predictions", "loss", "train_op", "eval_metric_ops", "export_outputs", "training_chief_hooks",
    "training_hooks", "scaffold", "evaluation_hooks", "prediction_hooks"])


class EstimatorSpec(_Spec):
    """The ops and tensors a model_fn defines for ``mode``; validated as TensorFlow validates them.

    ``training_hooks`` run in every training session, ``training_chief_hooks`` in the chief's,
    ``evaluation_hooks`` and ``prediction_hooks`` in evaluate's and predict's; ``scaffold`` (a Scaffold,
    default an empty one) gives the session's init ops, saver and summaries.
    """

    def __new__(cls, mode, predictions=None, loss=None, train_op=None, eval_metric_ops=None,
                export_outputs=None, training_chief_hooks=None, training_hooks=None, scaffold=None,
                evaluation_hooks=None, prediction_hooks=None):
        if mode not in (ModeKeys.TRAIN, ModeKeys.EVAL, ModeKeys.PREDICT):
            raise ValueError("mode=%r is not one of ModeKeys.TRAIN, EVAL or PREDICT" % (mode,))
        if mode == ModeKeys.TRAIN and train_op is None:
            raise ValueError("Missing train_op.")
        if mode in (ModeKeys.TRAIN, ModeKeys.EVAL) and loss is None:
            raise ValueError("Missing loss.")
        if mode == ModeKeys.PREDICT and predictions is None:
            raise ValueError("Missing predictions.")
        if loss is not None:
            if not isinstance(loss, Tensor):
                raise TypeError("loss must be a Tensor, given: %r" % (loss,))
            if loss.shape.rank not in (None, 0) and loss.shape.num_elements() != 1:
                raise ValueError("Loss must be scalar, given: %r" % (loss,))
        if train_op is not None and not isinstance(train_op, (Operation, Tensor)):
            raise TypeError("train_op must be an Operation or Tensor, given: %r" % (train_op,))
        if predictions is not None:
            items = predictions.values() if isinstance(predictions, dict) else [predictions]
            for p in items:
                if not isinstance(p, Tensor):
                    raise TypeError("predictions must be a Tensor or dict of Tensors, given: %r" % (p,))
        if eval_metric_ops is not None and not isinstance(eval_metric_ops, dict):
            raise TypeError("eval_metric_ops must be a dict, given: %r" % (eval_metric_ops,))
        for k, v in (eval_metric_ops or {}).items():
            if not (isinstance(v, tuple) and len(v) == 2):
                raise TypeError("eval_metric_ops[%r] must be a (value, update_op) tuple, given: %r" % (k, v))
        scaffold = scaffold or Scaffold()
        if not isinstance(scaffold, Scaffold):
            raise TypeError("scaffold must be tf.train.Scaffold. Given: {}".format(scaffold))
        hooks = {}
        for field, given in (("training_chief_hooks", training_chief_hooks), ("training_hooks", training_hooks),
                             ("evaluation_hooks", evaluation_hooks), ("prediction_hooks", prediction_hooks)):
            hooks[field] = tuple(given or ())
            for hook in hooks[field]:
                if not isinstance(hook, SessionRunHook):
                    raise TypeError("All hooks must be SessionRunHook instances, given: {}".format(hook))
        if mode == ModeKeys.PREDICT:
            export_outputs = _export.default_export_outputs(export_outputs, predictions)
        if export_outputs is not None and mode != ModeKeys.PREDICT:
            export_outputs = _export.default_export_outputs(export_outputs, predictions)
        return super().__new__(cls, mode, predictions, loss, train_op, eval_metric_ops or {}, export_outputs,
                               hooks["training_chief_hooks"], hooks["training_hooks"], scaffold,
                               hooks["evaluation_hooks"], hooks["prediction_hooks"])
