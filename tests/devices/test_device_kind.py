"""A device kind is one module: this test declares a throwaway kind here, with no other file changed,
and runs graphs placed on it through the whole engine (placer, plan compiler, transfers, runners)."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.devices import registry
from tagraph.devices.kind import DeviceKind, register_device_kind, unregister_device_kind
from tagraph.devices.simulated_gpu import SimulatedDeviceArray, SimulatedGPUBackend


class ToyBackend(SimulatedGPUBackend):
    """The toy kind's devices hold their arrays as the simulated GPU does: device arrays that numpy refuses
    to convert implicitly, so a transfer the plan forgot fails here."""

    def __init__(self, index):
        super().__init__(index)
        self.name = "TOY:%d" % index


def _toy_kernel(ctx, x, y):
    # A kernel of this kind only: it must see device arrays, never host ones.
    assert type(x) is SimulatedDeviceArray and type(y) is SimulatedDeviceArray
    return x * y + 1000


@pytest.fixture
def toy_kind():
    kind = register_device_kind(DeviceKind(
        device_type="TOY", host_memory=False, priority=300, discover=lambda: [ToyBackend(0)],
        describe=lambda b: "device: %d, name: toy" % b.index, export_tags=("toy",)))
    registry._reset_for_tests(probe_real_gpus=False)
    yield kind
    unregister_device_kind("TOY")
    registry._reset_for_tests()


def _placed(sess, *tensors):
    return [sess._placement[t.op].name for t in tensors]


def test_a_graph_placed_on_the_new_kind_runs_there_with_explicit_transfers(toy_kind):
    names = [d.name for d in registry.list_devices()]
    assert "/job:localhost/replica:0/task:0/device:TOY:0" in names
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 3], name="x")
        with tg.device("/device:TOY:0"):
            y = tg.nn.relu(tg.matmul(x, tg.constant(np.eye(3, dtype=np.float32) * 2)) - 1.0)
            s = tg.reduce_sum(y, axis=1)
        with tg.Session() as sess:
            v = np.array([[1, 2, 3], [0, -1, 4]], np.float32)
            got = sess.run(s, {x: v})
            np.testing.assert_allclose(got, np.maximum(v * 2 - 1, 0).sum(axis=1))
            assert type(got) is np.ndarray
            assert set(_placed(sess, y, s)) == {"/job:localhost/replica:0/task:0/device:TOY:0"}
            stats = sess.last_run_stats
            assert (stats.uploads, stats.downloads) == (1, 1)


def test_ops_with_no_device_prefer_the_kind_of_highest_priority(toy_kind):
    with tg.Graph().as_default():
        a = tg.constant([1.0, 2.0])
        b = a * 3.0
        with tg.Session() as sess:
            np.testing.assert_allclose(sess.run(b), [3.0, 6.0])
            assert _placed(sess, b) == ["/job:localhost/replica:0/task:0/device:TOY:0"]


def test_a_kernel_registered_for_the_kind_replaces_the_generic_one(toy_kind, monkeypatch):
    from tagraph.devices import kernel_registry
    for table, value in ((kernel_registry._KERNELS, _toy_kernel), (kernel_registry._HOST_INPUTS, frozenset()),
                         (kernel_registry._HOST_OUTPUTS, frozenset())):
        monkeypatch.setitem(table, ("Mul", "TOY"), value)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2])
        with tg.device("/device:TOY:0"):
            y = x * x
        with tg.Session() as sess:
            np.testing.assert_allclose(sess.run(y, {x: [1.0, 3.0]}), [1001.0, 1009.0])


def test_strings_stay_in_host_memory_off_the_host_kind(toy_kind):
    with tg.Graph().as_default():
        with tg.device("/device:TOY:0"):
            s = tg.identity(tg.constant(["a", "b"]))
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            assert list(sess.run(s)) == [b"a", b"b"]
            assert _placed(sess, s) == ["/job:localhost/replica:0/task:0/device:CPU:0"]


def test_a_savedmodel_gets_the_kinds_metagraph_and_loads_it_where_such_a_device_is(toy_kind, tmp_path):
    from tagraph.serialization.saved_model import device_export, loader
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 2], name="x")
        w = tg.get_variable("w", initializer=tg.constant([[1.0], [2.0]]))
        y = tg.identity(tg.matmul(x, w), name="y")
        with tg.Session() as sess:
            sess.run(w.initializer)
            device_export.export_for_devices(sess, str(tmp_path / "m"))
    tag_sets = sorted(sorted(t) for t in loader.SavedModelLoader(str(tmp_path / "m")).tag_sets())
    assert tag_sets == [["gpu", "serve"], ["serve"], ["serve", "toy"]]
    best = device_export.load_best(None, str(tmp_path / "m"))
    try:
        assert sorted(best.tags) == ["serve", "toy"]
        devices = {nd.name: nd.device for nd in best.meta_graph_def.graph_def.node}
        assert devices["MatMul"] == "/device:TOY:0"
        np.testing.assert_allclose(best.session.run("y:0", {"x:0": [[1.0, 1.0]]}), [[3.0]])
    finally:
        best.session.close()
