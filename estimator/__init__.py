"""tagraph.estimator: TensorFlow's Estimator over tagraph graphs.

    from tagraph.estimator import Estimator, EstimatorSpec, ModeKeys, RunConfig, export, inputs
"""
from tagraph.estimator import export, inputs  # noqa: F401
from tagraph.estimator.estimator import CheckpointSaverListener, Estimator, NanLossDuringTrainingError  # noqa: F401
from tagraph.estimator.model_fn import EstimatorSpec, ModeKeys  # noqa: F401
from tagraph.estimator.run_config import RunConfig  # noqa: F401

__all__ = ["Estimator", "EstimatorSpec", "ModeKeys", "RunConfig", "CheckpointSaverListener",
           "NanLossDuringTrainingError", "export", "inputs"]
