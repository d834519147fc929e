"""RunConfig: where and how often an Estimator checkpoints and logs, and how its sessions are set up."""

from tagraph.engine.framework.config import ConfigProto

__all__ = ["RunConfig"]

_FIELDS = ("model_dir", "tf_random_seed", "save_summary_steps", "save_checkpoints_steps", "save_checkpoints_secs",
           "session_config", "keep_checkpoint_max", "keep_checkpoint_every_n_hours", "log_step_count_steps",
           "device_fn", "checkpoint_save_graph_def", "session_creation_timeout_secs")


_USE_DEFAULT = object()


def _default_session_config():
    # TensorFlow's Estimator default: an op asked for a device it cannot run on falls back, logged.
    return ConfigProto(allow_soft_placement=True)


class RunConfig:
    """TensorFlow's RunConfig fields that matter on one machine.

        config = RunConfig(save_checkpoints_steps=100, keep_checkpoint_max=3, tf_random_seed=1)

    Without ``save_checkpoints_steps`` or ``save_checkpoints_secs`` an Estimator checkpoints every 600
    seconds (and always at the end of ``train``); both given as None, it does not checkpoint.
    ``save_summary_steps`` (100) is how often training writes its summaries (the loss among them) into
    model_dir; ``log_step_count_steps`` (100) how often it logs the loss and global steps per second (0 or
    None: never); ``checkpoint_save_graph_def`` whether checkpoints come with ``graph.pbtxt`` and
    ``.meta`` files. Where the model runs: by default on the first GPU when one is present (ops without a
    GPU kernel, such as tf.Example parsing, stay on the CPU), as in
    TensorFlow; ``session_config=tg.ConfigProto(device_count={"GPU": 0})`` keeps it on the CPU, and
    ``device_fn`` (an op -> device string function, or a device string) places the model_fn's ops.
    """

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps=100,
                 save_checkpoints_steps=_USE_DEFAULT, save_checkpoints_secs=_USE_DEFAULT, session_config=None,
                 keep_checkpoint_max=5,
                 keep_checkpoint_every_n_hours=10000, log_step_count_steps=100, device_fn=None,
                 checkpoint_save_graph_def=True, session_creation_timeout_secs=7200):
        if save_checkpoints_steps is _USE_DEFAULT and save_checkpoints_secs is _USE_DEFAULT:
            save_checkpoints_steps, save_checkpoints_secs = None, 600  # TensorFlow's default
        elif save_checkpoints_secs is _USE_DEFAULT:
            save_checkpoints_secs = None
        elif save_checkpoints_steps is _USE_DEFAULT:
            save_checkpoints_steps = None
        if save_checkpoints_steps is not None and save_checkpoints_secs is not None:
            raise ValueError("Can not provide both save_checkpoints_steps and save_checkpoints_secs.")
        for name, value in (("save_checkpoints_steps", save_checkpoints_steps),
                            ("save_checkpoints_secs", save_checkpoints_secs),
                            ("keep_checkpoint_max", keep_checkpoint_max),
                            ("log_step_count_steps", log_step_count_steps)):
            if value is not None and value < 0:
                raise ValueError("%s must be >= 0, given: %r" % (name, value))
        self.model_dir = model_dir
        self.tf_random_seed = tf_random_seed
        self.save_summary_steps = save_summary_steps
        self.save_checkpoints_steps = save_checkpoints_steps
        self.save_checkpoints_secs = save_checkpoints_secs
        self.session_config = session_config if session_config is not None else _default_session_config()
        self.keep_checkpoint_max = keep_checkpoint_max
        self.keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self.log_step_count_steps = log_step_count_steps
        self.device_fn = device_fn
        self.checkpoint_save_graph_def = checkpoint_save_graph_def
        self.session_creation_timeout_secs = session_creation_timeout_secs

    def replace(self, **kwargs):
        """A copy with some fields changed (TensorFlow's RunConfig.replace)."""
        unknown = sorted(set(kwargs) - set(_FIELDS))
        if unknown:
            raise ValueError("Replacing %s is not supported. Allowed properties are %s." % (unknown, list(_FIELDS)))
        new = RunConfig.__new__(RunConfig)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(kwargs)
        if new.save_checkpoints_steps is not None and new.save_checkpoints_secs is not None:
            if "save_checkpoints_steps" in kwargs and "save_checkpoints_secs" not in kwargs:
                new.save_checkpoints_secs = None
            elif "save_checkpoints_secs" in kwargs and "save_checkpoints_steps" not in kwargs:
                new.save_checkpoints_steps = None
            else:
                raise ValueError("Can not provide both save_checkpoints_steps and save_checkpoints_secs.")
        return new

    def __repr__(self):
        return "RunConfig(%s)" % ", ".join("%s=%r" % (k, getattr(self, k)) for k in _FIELDS
                                            if k != "session_config")
