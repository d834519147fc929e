"""tf.train.replica_device_setter and tf.train.ClusterSpec: the device function TensorFlow 1's
parameter-server programs build their model under, and the description of the cluster it reads.

Variables (the ops that hold state: VariableV2, VarHandleOp, mutable hash tables, ...) go to the ps job's
tasks in turn; every other op goes to the worker device; devices set inside (``with tf.device("/gpu:0")``)
are merged in, as TensorFlow merges them. tagraph runs in one process: the job and task names are recorded
on the ops as TensorFlow would record them, and the placer runs the ops on the local devices.

    cluster = tg.train.ClusterSpec({"ps": ["ps0:2222", "ps1:2222"], "worker": ["w0:2222"]})
    with tg.device(tg.train.replica_device_setter(cluster=cluster)):
        w = tg.get_variable("w", [3, 2])       # /job:ps/task:0
        b = tg.get_variable("b", [2])          # /job:ps/task:1
        y = tg.matmul(x, w) + b                # /job:worker
"""
import logging

from tagraph.devices.spec import DeviceSpec
from tagraph.protos import cluster_pb2

__all__ = ["ClusterSpec", "replica_device_setter", "STANDARD_PS_OPS"]

_log = logging.getLogger(__name__)

STANDARD_PS_OPS = ("Variable", "VariableV2", "AutoReloadVariable", "MutableHashTable", "MutableHashTableV2",
                   "MutableHashTableOfTensors", "MutableHashTableOfTensorsV2", "MutableDenseHashTable",
                   "MutableDenseHashTableV2", "VarHandleOp", "BoostedTreesEnsembleResourceHandleOp",
                   "BoostedTreesQuantileStreamResourceHandleOp", "ResourceConditionalAccumulator",
                   "DecisionTreeResource")


class ClusterSpec:
    """The jobs of a cluster and their tasks' network addresses: from a dict of job name -> list of addresses
    (or dict of task index -> address), a ClusterDef proto, or another ClusterSpec.

        spec = tg.train.ClusterSpec({"ps": ["ps0:2222"], "worker": {1: "w1:2222"}})
        spec.num_tasks("ps"), spec.task_address("worker", 1)       # 1, "w1:2222"
    """

    def __init__(self, cluster):
        if isinstance(cluster, dict):
            self._cluster_spec = {}
            for job_name, tasks in cluster.items():
                if isinstance(tasks, (list, tuple)):
                    job_tasks = dict(enumerate(tasks))
                elif isinstance(tasks, dict):
                    job_tasks = {int(i): task for i, task in tasks.items()}
                else:
                    raise TypeError("The tasks for job %r must be a list or a dictionary from integers to "
                                    "strings." % job_name)
                self._cluster_spec[job_name] = job_tasks
            self._make_cluster_def()
        elif isinstance(cluster, (cluster_pb2.ClusterDef, ClusterSpec)):
            self._cluster_def = cluster_pb2.ClusterDef()
            self._cluster_def.MergeFrom(cluster if isinstance(cluster, cluster_pb2.ClusterDef)
                                        else cluster.as_cluster_def())
            self._cluster_spec = {job.name: dict(job.tasks.items()) for job in self._cluster_def.job}
        else:
            raise TypeError("`cluster` must be a dictionary mapping one or more job names to lists of network "
                            "addresses, or a `ClusterDef` protocol buffer")

    def _make_cluster_def(self):
        self._cluster_def = cluster_pb2.ClusterDef()
        for job_name, tasks in sorted(self._cluster_spec.items()):
            if not isinstance(job_name, (str, bytes)):
                raise TypeError("Job name %r must be bytes or unicode" % job_name)
            job_def = self._cluster_def.job.add()
            job_def.name = job_name.decode() if isinstance(job_name, bytes) else job_name
            for i, address in sorted(tasks.items()):
                if not isinstance(address, (str, bytes)):
                    raise TypeError("Task address %r must be bytes or unicode" % address)
                job_def.tasks[i] = address.decode() if isinstance(address, bytes) else address

    def __bool__(self):
        return bool(self._cluster_spec)

    def __eq__(self, other):
        return self._cluster_spec == (other._cluster_spec if isinstance(other, ClusterSpec) else other)

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        d = self.as_dict()
        return "ClusterSpec({" + ", ".join(repr(k) + ": " + repr(d[k]) for k in sorted(d)) + "})"

    def as_dict(self):
        """job -> list of addresses (a dict of index -> address where the indices have gaps)."""
        out = {}
        for job in self.jobs:
            indices = self.task_indices(job)
            if not indices:
                out[job] = {}
            elif max(indices) + 1 == len(indices):
                out[job] = self.job_tasks(job)
            else:
                out[job] = {i: self.task_address(job, i) for i in indices}
        return out

    def as_cluster_def(self):
        return self._cluster_def

    @property
    def jobs(self):
        return list(self._cluster_spec.keys())

    def _job(self, job_name):
        try:
            return self._cluster_spec[job_name]
        except KeyError:
            raise ValueError("No such job in cluster: %r" % job_name) from None

    def num_tasks(self, job_name):
        return len(self._job(job_name))

    def task_indices(self, job_name):
        return sorted(self._job(job_name))

    def task_address(self, job_name, task_index):
        job = self._job(job_name)
        try:
            return job[task_index]
        except KeyError:
            raise ValueError("No task with index %r in job %r" % (task_index, job_name)) from None

    def job_tasks(self, job_name):
        """The job's addresses by task index, None where an index has none."""
        job = self._job(job_name)
        out = [None] * (max(job) + 1)
        for i, task in job.items():
            out[i] = task
        return out


class _RoundRobinStrategy:
    """The ps task for each variable in turn."""

    def __init__(self, num_tasks):
        self._num_tasks = num_tasks
        self._next_task = 0

    def __call__(self, unused_op):
        task = self._next_task
        self._next_task = (self._next_task + 1) % self._num_tasks
        return task


class _ReplicaDeviceChooser:
    def __init__(self, ps_tasks, ps_device, worker_device, merge_devices, ps_ops, ps_strategy):
        self._ps_tasks = ps_tasks
        self._ps_device = ps_device
        self._worker_device = worker_device
        self._merge_devices = merge_devices
        self._ps_ops = ps_ops
        self._ps_strategy = ps_strategy

    def device_function(self, op):
        """The device for ``op``: a ps task for the ops that hold variables, else the worker device, each
        merged with the device ``op`` already has."""
        if not self._merge_devices and op.device:
            return op.device
        current = DeviceSpec.from_string(op.device or "")
        op_type = getattr(op, "type", None) or getattr(op, "op", "")
        if self._ps_tasks and self._ps_device and op_type in self._ps_ops:
            ps = DeviceSpec.from_string(self._ps_device)
            if ps.job and (not current.job or current.job == ps.job):
                ps = ps.replace(task=self._ps_strategy(op))
            return ps.make_merged_spec(current).to_string()
        worker = DeviceSpec.from_string(self._worker_device or "")
        return worker.make_merged_spec(current).to_string()


def replica_device_setter(ps_tasks=0, ps_device="/job:ps", worker_device="/job:worker", merge_devices=True,
                          cluster=None, ps_ops=None, ps_strategy=None):
    """A device function for ``tg.device``: variables on the ``ps_device`` job's tasks in turn (or as
    ``ps_strategy(op)`` picks), every other op on ``worker_device``. With a ``cluster`` (dict, ClusterSpec or
    ClusterDef) the ps job's size gives ``ps_tasks``; None where there is no ps task.

        with tg.device(tg.train.replica_device_setter(ps_tasks=2)):
            v1, v2 = tg.Variable(1.0), tg.Variable(2.0)     # /job:ps/task:0, /job:ps/task:1
    """
    if cluster is not None:
        cluster_spec = (cluster if isinstance(cluster, ClusterSpec) else ClusterSpec(cluster)).as_dict()
        ps_job_name = DeviceSpec.from_string(ps_device).job
        if ps_job_name not in cluster_spec or cluster_spec[ps_job_name] is None:
            return None
        ps_tasks = len(cluster_spec[ps_job_name])
    if ps_tasks == 0:
        return None
    if ps_ops is None:
        ps_ops = list(STANDARD_PS_OPS)
    if not merge_devices:
        _log.warning("DEPRECATION: It is recommended to set merge_devices=true in replica_device_setter")
    if ps_strategy is None:
        ps_strategy = _RoundRobinStrategy(ps_tasks)
    if not callable(ps_strategy):
        raise TypeError("ps_strategy must be callable")
    chooser = _ReplicaDeviceChooser(ps_tasks, ps_device, worker_device, merge_devices, ps_ops, ps_strategy)
    return chooser.device_function
