"""tagraph.estimator: TensorFlow's Estimator over tagraph graphs, and TensorFlow 1's training loop
(MonitoredTrainingSession and its SessionRunHooks), which the Estimator runs.

    from tagraph.estimator import Estimator, EstimatorSpec, ModeKeys, RunConfig, export, inputs
    from tagraph.estimator import MonitoredTrainingSession, StopAtStepHook, train_and_evaluate
"""
from tagraph.estimator import export, inputs  # noqa: F401
from tagraph.estimator.basic_session_run_hooks import (CheckpointSaverHook, CheckpointSaverListener,  # noqa: F401
                                                       FeedFnHook, FinalOpsHook, GlobalStepWaiterHook,
                                                       LoggingTensorHook, NanLossDuringTrainingError, NanTensorHook,
                                                       ProfilerHook, SecondOrStepTimer, StepCounterHook,
                                                       StopAtStepHook, SummarySaverHook)
from tagraph.estimator.coordinator import Coordinator  # noqa: F401
from tagraph.estimator.estimator import Estimator  # noqa: F401
from tagraph.estimator.exporter import Exporter, FinalExporter, LatestExporter  # noqa: F401
from tagraph.estimator.model_fn import EstimatorSpec, ModeKeys  # noqa: F401
from tagraph.estimator.monitored_session import (ChiefSessionCreator, MonitoredSession,  # noqa: F401
                                                 MonitoredTrainingSession, Scaffold, SessionCreator,
                                                 SingularMonitoredSession, WorkerSessionCreator)
from tagraph.estimator.run_config import RunConfig  # noqa: F401
from tagraph.estimator.session_manager import SessionManager  # noqa: F401
from tagraph.estimator.session_run_hook import (SessionRunArgs, SessionRunContext, SessionRunHook,  # noqa: F401
                                                SessionRunValues)
from tagraph.estimator.training import EvalSpec, TrainSpec, train_and_evaluate  # noqa: F401
from tagraph.estimator.warm_starting import VocabInfo, WarmStartSettings, warm_start  # noqa: F401

__all__ = ["Estimator", "EstimatorSpec", "ModeKeys", "RunConfig", "CheckpointSaverListener",
           "NanLossDuringTrainingError", "export", "inputs",
           "SessionRunHook", "SessionRunArgs", "SessionRunContext", "SessionRunValues",
           "MonitoredSession", "SingularMonitoredSession", "MonitoredTrainingSession", "Scaffold", "SessionCreator",
           "ChiefSessionCreator", "WorkerSessionCreator", "SessionManager", "Coordinator",
           "SecondOrStepTimer", "LoggingTensorHook", "StopAtStepHook", "CheckpointSaverHook", "StepCounterHook",
           "NanTensorHook", "SummarySaverHook", "GlobalStepWaiterHook", "FinalOpsHook", "FeedFnHook",
           "ProfilerHook", "TrainSpec", "EvalSpec", "train_and_evaluate", "Exporter", "FinalExporter", "LatestExporter",
           "WarmStartSettings", "VocabInfo", "warm_start"]
