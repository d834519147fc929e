"""Exporters: what train_and_evaluate does with a checkpoint after evaluating it, as TensorFlow's
``tf.estimator.Exporter``, ``FinalExporter`` and ``LatestExporter``.

    eval_spec = EvalSpec(eval_input_fn, exporters=[LatestExporter("mlp", receiver_fn, exports_to_keep=3)])

Each exports into ``model_dir/export/<name>/<timestamp>`` with ``Estimator.export_saved_model``.
"""
import abc

from tagraph.estimator import export as _export

__all__ = ["Exporter", "FinalExporter", "LatestExporter"]


class Exporter(metaclass=abc.ABCMeta):
    """Exports a model after an evaluation: subclass it and define ``name`` and ``export``."""

    @property
    @abc.abstractmethod
    def name(self):
        """A name unique among an EvalSpec's exporters; the export folder is named after it."""

    @abc.abstractmethod
    def export(self, estimator, export_path, checkpoint_path, eval_result, is_the_final_export):
        """Exports ``checkpoint_path`` (evaluated as ``eval_result``) under ``export_path``; returns what it
        wrote (its path) or None."""


class _SavedModelExporter(Exporter):
    def __init__(self, name, serving_input_receiver_fn, assets_extra=None, as_text=False):
        self._name = name
        self._serving_input_receiver_fn = serving_input_receiver_fn
        self._assets_extra = assets_extra
        self._as_text = as_text

    @property
    def name(self):
        return self._name

    def export(self, estimator, export_path, checkpoint_path, eval_result, is_the_final_export):
        return estimator.export_saved_model(export_path, self._serving_input_receiver_fn,
                                            assets_extra=self._assets_extra, as_text=self._as_text,
                                            checkpoint_path=checkpoint_path)


class FinalExporter(Exporter):
    """Exports once, the checkpoint evaluated when training reached ``max_steps``.

        FinalExporter("mlp", build_parsing_serving_input_receiver_fn(feature_spec))
    """

    def __init__(self, name, serving_input_receiver_fn, assets_extra=None, as_text=False):
        self._saved_model_exporter = _SavedModelExporter(name, serving_input_receiver_fn, assets_extra, as_text)

    @property
    def name(self):
        return self._saved_model_exporter.name

    def export(self, estimator, export_path, checkpoint_path, eval_result, is_the_final_export):
        if not is_the_final_export:
            return None
        return self._saved_model_exporter.export(estimator, export_path, checkpoint_path, eval_result,
                                                 is_the_final_export)


class LatestExporter(Exporter):
    """Exports every evaluated checkpoint, keeping the newest ``exports_to_keep`` exports (None: all).

        LatestExporter("mlp", receiver_fn, exports_to_keep=3)
    """

    def __init__(self, name, serving_input_receiver_fn, assets_extra=None, as_text=False, exports_to_keep=5):
        self._saved_model_exporter = _SavedModelExporter(name, serving_input_receiver_fn, assets_extra, as_text)
        if exports_to_keep is not None and exports_to_keep <= 0:
            raise ValueError("`exports_to_keep`, if provided, must be a positive number. Got %s" % exports_to_keep)
        self._exports_to_keep = exports_to_keep

    @property
    def name(self):
        return self._saved_model_exporter.name

    def export(self, estimator, export_path, checkpoint_path, eval_result, is_the_final_export):
        result = self._saved_model_exporter.export(estimator, export_path, checkpoint_path, eval_result,
                                                   is_the_final_export)
        _export.garbage_collect_exports(export_path, self._exports_to_keep)
        return result
