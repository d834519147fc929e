"""The training loop in a data-parallel job: ``BroadcastGlobalVariablesHook`` and a
``MonitoredTrainingSession`` in which only rank 0 writes checkpoints and summaries.

Horovod's pattern, which works with tagraph.estimator's MonitoredTrainingSession as it is:

    hooks = [hvd.BroadcastGlobalVariablesHook(0), StopAtStepHook(last_step=1000 // hvd.size())]
    ckpt = "/tmp/train" if hvd.rank() == 0 else None        # only rank 0 writes
    with MonitoredTrainingSession(checkpoint_dir=ckpt, hooks=hooks) as sess:
        while not sess.should_stop():
            sess.run(train_op)

Rank 0 restores the latest checkpoint (or initializes), and the hook sends its variables to the other
ranks once their sessions exist, so all start equal. :func:`MonitoredTrainingSession` here applies that
pattern itself: every rank passes the same arguments, and ranks other than 0 drop ``checkpoint_dir``,
``summary_dir`` and ``chief_only_hooks``.
"""
from tagraph.engine.framework.graph import get_default_graph
from tagraph.estimator import monitored_session
from tagraph.estimator.session_run_hook import SessionRunHook
from tagraph.distribute import basics
from tagraph.distribute.collectives import broadcast_global_variables

__all__ = ["BroadcastGlobalVariablesHook", "MonitoredTrainingSession"]


class BroadcastGlobalVariablesHook(SessionRunHook):
    """Sets every global variable to ``root_rank``'s value when the session is created (after initialization
    or a restore, and after a recovery), so that all processes start from the same point.

        hooks = [hvd.BroadcastGlobalVariablesHook(0)]
    """

    def __init__(self, root_rank, device=""):
        self.root_rank = root_rank
        self.device = device
        self.bcast_op = None

    def begin(self):
        graph = get_default_graph()
        if self.bcast_op is None or self.bcast_op.graph is not graph:
            if self.device:
                with graph.device(self.device):
                    self.bcast_op = broadcast_global_variables(self.root_rank)
            else:
                self.bcast_op = broadcast_global_variables(self.root_rank)

    def after_create_session(self, session, coord):  # noqa: ARG002 - TensorFlow's signature
        session.run(self.bcast_op)


def MonitoredTrainingSession(checkpoint_dir=None, hooks=None, chief_only_hooks=None, summary_dir=None,  # noqa: N802
                             **kwargs):
    """tagraph.estimator's MonitoredTrainingSession for a job: only rank 0 restores and writes checkpoints and
    summaries and runs ``chief_only_hooks``; a BroadcastGlobalVariablesHook(0) is added unless ``hooks``
    has one. Every rank calls it with the same arguments.

        with hvd.MonitoredTrainingSession(checkpoint_dir="/tmp/train", hooks=[StopAtStepHook(last_step=100)]) as s:
            while not s.should_stop():
                s.run(train_op)
    """
    hooks = list(hooks or [])
    if not any(isinstance(h, BroadcastGlobalVariablesHook) for h in hooks):
        hooks.insert(0, BroadcastGlobalVariablesHook(0))
    if basics.rank() != 0:
        checkpoint_dir = summary_dir = chief_only_hooks = None
    return monitored_session.MonitoredTrainingSession(checkpoint_dir=checkpoint_dir, hooks=hooks,
                                                      chief_only_hooks=chief_only_hooks, summary_dir=summary_dir,
                                                      **kwargs)
