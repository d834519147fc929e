"""prefetch_to_device and copy_to_device: the elements are the device's arrays when get_next gives them (made
by the pipeline's thread, so the step uploads nothing), with the values the host pipeline gives."""
import json

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.devices.placer import PlacementError
from tagraph.engine.data import iterator_ops
from tagraph.engine.data.device_copy import COPY_TO_DEVICE_ATTR
from tagraph.serialization import export_meta_graph, import_meta_graph

from dataset_reference import DATA

X = np.arange(24, dtype=np.float32).reshape(12, 2)


def _pipeline():
    return tg.data.Dataset.from_tensor_slices(X).map(lambda r: r * 2.0).batch(3)


def _iterator_resources(sess):
    found = {id(v): v for v in sess._state.op_state.values() if isinstance(v, iterator_ops.IteratorResource)}
    return list(found.values())


@pytest.mark.parametrize("apply", [lambda: tg.data.experimental.prefetch_to_device("/gpu:0", 2),
                                   lambda: tg.data.experimental.prefetch_to_device("/gpu:0"),
                                   lambda: tg.data.experimental.copy_to_device("/gpu:0")],
                         ids=["prefetch_to_device", "prefetch_to_device_autotune", "copy_to_device"])
def test_elements_are_device_arrays_with_the_host_pipelines_values(simulated_gpus, apply):
    simulated_gpus(1)
    with tg.Graph().as_default():
        x = tg.data.make_one_shot_iterator(_pipeline().apply(apply())).get_next()
        assert "GPU" in x.op.device.upper()
        with tg.device("/gpu:0"):
            y = x + 1.0
        with tg.Session() as sess:
            got = [sess.run(y) for _ in range(2)]
            assert sess.last_run_stats.uploads == 0       # the batch was on the GPU already
            resource, = _iterator_resources(sess)
            element = resource.get_next()                 # what the device's get_next kernel receives
            backend = sess._state.placer.devices[1].backend
            assert all(backend.is_device_array(c) for c in element)
            np.testing.assert_array_equal(backend.download(element[0]), X[6:9] * 2.0)
    np.testing.assert_array_equal(got[0], X[0:3] * 2.0 + 1.0)
    np.testing.assert_array_equal(got[1], X[3:6] * 2.0 + 1.0)


def test_a_host_pipeline_uploads_in_the_step(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        x = tg.data.make_one_shot_iterator(_pipeline()).get_next()
        with tg.device("/gpu:0"):
            y = x + 1.0
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run(y), X[0:3] * 2.0 + 1.0)
            assert sess.last_run_stats.uploads == 1
            resource, = _iterator_resources(sess)
            assert all(isinstance(c, np.ndarray) for c in resource.get_next())


def test_the_graph_is_tensorflows_prefetch_and_survives_export(simulated_gpus, tmp_path):
    simulated_gpus(1)
    with tg.Graph().as_default():
        ds = _pipeline().apply(tg.data.experimental.prefetch_to_device("/gpu:0", 2))
        assert ds._variant_tensor.op.type == "PrefetchDataset"
        assert ds._variant_tensor.op.get_attr(COPY_TO_DEVICE_ATTR) in (b"/gpu:0", "/gpu:0")
        x = tg.data.make_one_shot_iterator(ds).get_next()
        tg.add_to_collection("x", x)
        export_meta_graph(str(tmp_path / "m.meta"))
    with tg.Graph().as_default():
        import_meta_graph(str(tmp_path / "m.meta"))
        x = tg.get_collection("x")[0]
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run(x), X[0:3] * 2.0)
            resource, = _iterator_resources(sess)
            backend = sess._state.placer.devices[1].backend
            assert all(backend.is_device_array(c) for c in resource.get_next())


def test_without_a_gpu_soft_placement_reads_on_the_cpu_and_strict_placement_says_why(simulated_gpus):
    simulated_gpus(0)
    with tg.Graph().as_default():
        x = tg.data.make_one_shot_iterator(_pipeline().apply(
            tg.data.experimental.prefetch_to_device("/gpu:0", 1))).get_next()
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            np.testing.assert_array_equal(sess.run(x), X[0:3] * 2.0)
        with tg.Session() as sess:
            with pytest.raises(Exception, match="GPU") as e:
                sess.run(x)
            assert isinstance(e.value, (PlacementError, tg.errors.InvalidArgumentError))


def test_device_copies_must_come_last_and_hold_numbers():
    with tg.Graph().as_default():
        ds = _pipeline().apply(tg.data.experimental.prefetch_to_device("/gpu:0"))
        with pytest.raises(ValueError, match="last transformation"):
            ds.map(lambda x: x)
        words = tg.data.Dataset.from_tensor_slices(np.array([b"a", b"b"], dtype=object))
        with pytest.raises(TypeError, match="cannot live in a device's memory"):
            words.apply(tg.data.experimental.copy_to_device("/gpu:0"))
        with pytest.raises(ValueError):
            _pipeline().apply(tg.data.experimental.copy_to_device(""))


@pytest.mark.parametrize("graph,soft", [("cpu", False), ("gpu", True)])
def test_tensorflows_own_prefetch_to_device_graphs_run(simulated_gpus, graph, soft):
    # GeneratorDataset with RemoteCall functions over a WrapDatasetVariant, as TensorFlow 2.21 exports it; its
    # GPU graph runs on the host with soft placement (tagraph's dataset kernels are the host's).
    simulated_gpus(1)
    want = json.loads((DATA / "prefetch_to_device.json").read_text())["elements"]
    with tg.Graph().as_default():
        import_meta_graph(str(DATA / ("prefetch_to_device_%s.meta" % graph)))
        ops = {op.type for op in tg.get_default_graph().get_operations()}
        assert {"WrapDatasetVariant", "GeneratorDataset"} <= ops
        x = tg.get_collection("x")[0]
        got = []
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=soft)) as sess:
            for _ in range(len(want)):
                got.append(sess.run(x).tolist())
            with pytest.raises(tg.errors.OutOfRangeError):
                sess.run(x)
    assert got == want
