"""tf.train.replica_device_setter and tf.train.ClusterSpec against TensorFlow 2.21's recorded graphs
(tests/data/tf_ops/record_tf1_misc.py builds the same model with tagraph's namespace): the device each op
gets, and a session running such a graph in one process."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tagraph.compat.v1 as tf
from tagraph.protos import cluster_pb2

HERE = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"
_spec = importlib.util.spec_from_file_location("record_tf1_misc", HERE / "record_tf1_misc.py")
R = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(R)
META = json.loads((HERE / "tf1_misc.json").read_text())


def _compared(name):
    # The ops whose device is the device function's answer. Left out, as tagraph's graph differs from
    # TensorFlow's there for reasons of its own: initializers and resource-variable reads and assigns, which
    # TensorFlow colocates with their variable (device ""), the gradient graph's internal ops, and the NoOps
    # TensorFlow's optimizer groups its updates with per device.
    return not (name.startswith("gradients/") or "/Initializer/" in name or name.startswith("v/")
                or name.endswith("ReadVariableOp") or name.startswith("GradientDescent/NoOp"))


@pytest.mark.parametrize("case", sorted(R.DEVICE_CASES))
def test_devices_match_tensorflow(case):
    tf.disable_resource_variables()            # as the recording: TensorFlow 1's variables
    with tf.Graph().as_default() as g:
        R.build_device_graph(tf, R.DEVICE_CASES[case])
        got = {op.name: (op.type, op.device) for op in g.get_operations()}
    want = {n: (t, d) for n, t, d in META["devices"][case] if _compared(n)}
    assert {"w", "b", "v", "c", "x", "MatMul", "add", "mul", "Sum", "mul_1", "GradientDescent"} <= set(want)
    assert {n: got.get(n) for n in want} == want


def test_no_ps_tasks_give_no_device_function():
    assert META["devices"]["none_without_ps"] and tf.train.replica_device_setter() is None
    assert META["devices"]["none_without_ps_job"]
    assert tf.train.replica_device_setter(cluster={"worker": ["w0:1"]}) is None


def test_session_runs_a_replicated_graph_on_the_local_devices():
    # Jobs other than localhost name no device of this process: soft placement runs their ops locally.
    with tf.Graph().as_default() as g:
        loss, step = R.build_device_graph(tf, {"ps_tasks": 2})
        x = g.get_tensor_by_name("x:0")
        feed = {x: np.ones((2, 3), np.float32)}
        with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as s:
            s.run(tf.global_variables_initializer())
            first, _ = s.run([loss, step], feed)
            after = s.run(loss, feed)
    # loss = c * sum((x w + b) v): 3 at w=0.25, b=0, v=1, c=1; one step of 0.1 gives w=0.05, b=-0.2,
    # v=0.85, c=0.7.
    np.testing.assert_allclose([first, after], [3.0, 0.7 * 4 * (3 * 0.05 - 0.2) * 0.85], rtol=1e-5)


def test_custom_strategy_and_merging_with_inner_devices():
    picks = []

    def strategy(op):
        picks.append(op.name)
        return 7
    with tf.Graph().as_default():
        with tf.device(tf.train.replica_device_setter(ps_tasks=3, ps_strategy=strategy,
                                                      worker_device="/job:worker/task:2")):
            v = tf.Variable(1.0, name="v")
            with tf.device("/job:other/task:5"):
                u = tf.Variable(1.0, name="u")        # another job: its task is kept
            y = v + u
    assert v.op.device == "/job:ps/task:7" and u.op.device == "/job:other/task:5"
    assert y.op.device == "/job:worker/task:2" and picks == ["v"]    # the strategy picks only for the ps job
    with pytest.raises(TypeError, match="ps_strategy must be callable"):
        tf.train.replica_device_setter(ps_tasks=1, ps_strategy=3)


def test_cluster_spec():
    spec = tf.train.ClusterSpec({"ps": ["ps0:2222", "ps1:2222"], "worker": {0: "w0:2222", 2: "w2:2222"}})
    assert spec.jobs == ["ps", "worker"] and bool(spec)
    assert spec.num_tasks("worker") == 2 and spec.task_indices("worker") == [0, 2]
    assert spec.job_tasks("worker") == ["w0:2222", None, "w2:2222"]
    assert spec.as_dict() == {"ps": ["ps0:2222", "ps1:2222"], "worker": {0: "w0:2222", 2: "w2:2222"}}
    cluster_def = spec.as_cluster_def()
    assert isinstance(cluster_def, cluster_pb2.ClusterDef) and [j.name for j in cluster_def.job] == ["ps", "worker"]
    assert tf.train.ClusterSpec(cluster_def) == spec and tf.train.ClusterSpec(spec) == spec
    assert repr(spec) == "ClusterSpec({'ps': ['ps0:2222', 'ps1:2222'], 'worker': {0: 'w0:2222', 2: 'w2:2222'}})"
    with pytest.raises(ValueError, match="No such job in cluster: 'chief'"):
        spec.num_tasks("chief")
    with pytest.raises(ValueError, match="No task with index 1 in job 'worker'"):
        spec.task_address("worker", 1)
    with pytest.raises(TypeError, match="must be a list or a dictionary"):
        tf.train.ClusterSpec({"ps": "ps0:2222"})
    with pytest.raises(TypeError, match="`cluster` must be a dictionary"):
        tf.train.ClusterSpec(["ps0:2222"])
    with tf.Graph().as_default():
        with tf.device(tf.train.replica_device_setter(cluster=spec)):
            a, b, c = (tf.Variable(1.0, name=n) for n in "abc")
        assert [t.op.device for t in (a, b, c)] == ["/job:ps/task:0", "/job:ps/task:1", "/job:ps/task:0"]
