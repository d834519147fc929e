"""Placement seen through a Session: mixed graphs, the placement log, soft placement, strict errors, two GPUs."""
import logging

import numpy as np
import pytest

import tagraph.engine as tg

CPU = "/job:localhost/replica:0/task:0/device:CPU:0"
GPU0 = "/job:localhost/replica:0/task:0/device:GPU:0"
GPU1 = "/job:localhost/replica:0/task:0/device:GPU:1"


def device_of(sess, t):
    return sess._placement[t.op if isinstance(t, tg.Tensor) else t].name


def test_mixed_graph_strings_and_shapes_on_the_cpu_math_on_the_gpu(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        with tg.device("/gpu:0"):
            x = tg.placeholder(tg.float32, [None, 4], name="x")
            h = tg.matmul(x, tg.constant(np.eye(4, dtype=np.float32) * 2.0)) + 1.0
            n = tg.shape(h, name="n")                       # metadata: GPU op, output in host memory
            flat = tg.reshape(h, [-1], name="flat")         # shape argument stays on the host
            total = tg.reduce_sum(flat, 0, name="total")    # so does the axis
        prefix = tg.placeholder(tg.string, [], name="prefix")
        label = tg.strings.join([prefix, tg.constant("/part")], name="label")
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            out = sess.run({"n": n, "total": total, "label": label},
                           {x: np.ones((2, 4), np.float32), prefix: "ckpt"})
            assert out["label"] == b"ckpt/part"
            np.testing.assert_array_equal(out["n"], [2, 4])
            assert out["total"] == pytest.approx(24.0)
            assert all(isinstance(v, (np.ndarray, np.generic, bytes)) for v in out.values())
            assert device_of(sess, h) == device_of(sess, flat) == device_of(sess, total) == GPU0
            assert device_of(sess, label) == CPU
            # The feed goes up once; the sum comes down once; the shape never moves.
            stats = sess.last_run_stats
            assert (stats.uploads, stats.downloads) == (1, 1)


def test_log_device_placement_prints_each_node_as_tensorflow_does(simulated_gpus, caplog):
    simulated_gpus(1)
    with tg.Graph().as_default():
        a = tg.constant([1.0, 2.0], name="a")
        b = tg.constant([3.0, 4.0], name="b")
        c = tg.add(a, b, name="c") if hasattr(tg, "add") else a + b
        s = tg.strings.join([tg.constant("x", name="s0"), tg.constant("y", name="s1")], name="s")
        caplog.set_level(logging.INFO, logger="tagraph.placement")
        with tg.Session(config=tg.ConfigProto(log_device_placement=True)) as sess:
            sess.run([c, s])
            sess.run([c, s])          # placed once: logged once
        lines = [r.getMessage() for r in caplog.records if r.name == "tagraph.placement"]
        assert lines[0].startswith("Device mapping:\n%s -> device: 0" % GPU0)
        c_name, c_type = c.op.name, c.op.type
        assert sorted(lines[1:]) == sorted([
            "a: (Const): " + GPU0, "b: (Const): " + GPU0, "%s: (%s): %s" % (c_name, c_type, GPU0),
            "s0: (Const): " + CPU, "s1: (Const): " + CPU, "s: (StringJoin): " + CPU])


def test_no_log_without_the_option(simulated_gpus, caplog):
    simulated_gpus(1)
    caplog.set_level(logging.INFO, logger="tagraph.placement")
    with tg.Graph().as_default():
        c = tg.constant(1.0) * 2.0
        with tg.Session() as sess:
            sess.run(c)
    assert not [r for r in caplog.records if r.name == "tagraph.placement"]


def test_strict_placement_error_names_op_device_and_devices(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2], name="x")
        with tg.device("/device:GPU:3"):
            y = tg.square(x, name="y")
        z = x * 3.0
        with tg.Session() as sess:
            with pytest.raises(tg.errors.InvalidArgumentError) as info:
                sess.run(y, {x: [1, 2]})
            msg = str(info.value)
            assert "Cannot assign a device for operation y" in msg
            assert "'/device:GPU:3'" in msg
            assert CPU in msg and GPU0 in msg
            assert info.value.op is y.op
            # The failed placement left nothing behind: the rest of the graph still runs.
            assert y.op not in sess._placement
            np.testing.assert_array_equal(sess.run(z, {x: [1, 2]}), [3, 6])


def test_strict_error_for_a_string_op_on_a_gpu(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        with tg.device("/gpu:0"):
            s = tg.strings.join([tg.constant("a", name="p"), tg.constant("b", name="q")], name="joined")
        with tg.Session() as sess:
            with pytest.raises(tg.errors.InvalidArgumentError, match="no supported kernel for GPU") as info:
                sess.run(s)
            assert "'/device:GPU:0'" in str(info.value) and CPU in str(info.value)


def test_soft_placement_falls_back_to_the_cpu_and_logs_once_per_op(simulated_gpus, caplog):
    simulated_gpus(0)       # the serve,gpu graph on a laptop
    caplog.set_level(logging.WARNING, logger="tagraph.placement")
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2], name="x")
        with tg.device("/gpu:0"):
            y = tg.square(x, name="y")
            z = tg.sqrt(y, name="z")
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            np.testing.assert_array_equal(sess.run(z, {x: [3, 4]}), [3, 4])
            np.testing.assert_array_equal(sess.run(y, {x: [3, 4]}), [9, 16])
            np.testing.assert_array_equal(sess.run([y, z], {x: [1, 2]})[1], [1, 2])
            assert device_of(sess, y) == device_of(sess, z) == CPU
    warnings = [r.getMessage() for r in caplog.records if r.name == "tagraph.placement"]
    assert len(warnings) == 2
    assert any(w.startswith("Soft placement: y (Square) asked for /device:GPU:0") and CPU in w
               for w in warnings)
    assert any(w.startswith("Soft placement: z (Sqrt)") for w in warnings)


def test_soft_placement_of_a_string_op_asked_onto_a_gpu(simulated_gpus, caplog):
    simulated_gpus(1)
    caplog.set_level(logging.WARNING, logger="tagraph.placement")
    with tg.Graph().as_default():
        with tg.device("/gpu:0"):
            s = tg.strings.join([tg.constant("a", name="p"), tg.constant("b", name="q")], name="joined")
            n = tg.constant(2.0, name="n") * 2.0
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            assert sess.run(s) == b"ab"
            assert sess.run(n) == 4.0
            assert device_of(sess, s) == CPU and device_of(sess, n) == GPU0
    warned = [r.getMessage() for r in caplog.records if r.name == "tagraph.placement"]
    assert sorted(w.split(" (")[0] for w in warned) == ["Soft placement: joined", "Soft placement: p",
                                                         "Soft placement: q"]


def test_colocation_conflict_is_an_error_unless_soft(simulated_gpus):
    simulated_gpus(2)
    for soft in (False, True):
        with tg.Graph().as_default():
            with tg.device("/gpu:0"):
                v = tg.Variable([1.0, 2.0], name="v")
            with tg.device("/gpu:1"):
                add = v.assign_add([1.0, 1.0], read_value=False)
            with tg.Session(config=tg.ConfigProto(allow_soft_placement=soft)) as sess:
                if not soft:
                    with pytest.raises(tg.errors.InvalidArgumentError, match="colocat"):
                        sess.run(add)
                    continue
                sess.run(v.initializer)
                sess.run(add)
                np.testing.assert_array_equal(sess.run(v), [2.0, 3.0])
                assert device_of(sess, add) == device_of(sess, v.op) == GPU0


def test_two_gpus_in_one_graph(simulated_gpus):
    simulated_gpus(2)
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((5, 4)).astype(np.float32)
    w1 = rng.standard_normal((4, 3)).astype(np.float32)
    xs = rng.standard_normal((2, 5)).astype(np.float32)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 5], name="x")
        with tg.device("/gpu:0"):
            v0 = tg.Variable(w0, name="w0")
            h = tg.tanh(tg.matmul(x, v0), name="h")
        with tg.device("/gpu:1"):
            v1 = tg.Variable(w1, name="w1")
            y = tg.matmul(h, v1, name="y")
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            out = sess.run(y, {x: xs})
            assert type(out) is np.ndarray
            np.testing.assert_allclose(out, np.tanh(xs @ w0) @ w1, rtol=1e-5, atol=1e-6)
            assert device_of(sess, h) == device_of(sess, v0.op) == GPU0
            assert device_of(sess, y) == device_of(sess, v1.op) == GPU1
            # x up to GPU:0; h down to the host and up to GPU:1; y down.
            stats = sess.last_run_stats
            assert (stats.uploads, stats.downloads) == (2, 2)
            assert set(stats.devices) == {GPU0, GPU1}
            # Each variable lives on its own device.
            for var, dev in ((v0, GPU0), (v1, GPU1)):
                handle_dev = sess._placement[var.op]
                assert handle_dev.name == dev
            assert len(sess._state.variables) == 2
            for value in sess._state.variables.values():
                assert any(d.backend.is_device_array(value) for d in sess.list_devices()
                           if d.device_type == "GPU")


def _half_plus_two_gpu_graph(tf_data):
    from tagraph.protos import saved_model_pb2
    saved = saved_model_pb2.SavedModel()
    saved.ParseFromString((tf_data / "half_plus_two" / "saved_model.pb").read_bytes())
    (meta,) = [m for m in saved.meta_graphs if sorted(m.meta_info_def.tags) == ["gpu", "serve"]]
    g = tg.Graph()
    with g.as_default():
        tg.import_graph_def(meta.graph_def, name="")
    return g


def _run_half_plus_two(g, config):
    with tg.Session(graph=g, config=config) as sess:
        sess.run(["a/Assign", "b/Assign", "c/Assign"])
        y, y2 = sess.run(["y:0", "y2:0"], {"x:0": np.array([[1.0], [2.0]], np.float32)})
        np.testing.assert_allclose(y, [[2.5], [3.0]])
        np.testing.assert_allclose(y2, [[3.5], [4.0]])
        return {op.name: d.name for op, d in sess._placement.items()}, sess.last_run_stats


def test_tensorflows_serve_gpu_graph_on_a_gpu_and_softly_on_the_cpu(simulated_gpus, tf_data, caplog):
    simulated_gpus(1)
    g = _half_plus_two_gpu_graph(tf_data)
    placement, stats = _run_half_plus_two(g, tg.ConfigProto())
    assert placement["a"] == placement["y"] == placement["Mul/ReadVariableOp"] == GPU0
    assert (stats.uploads, stats.downloads) == (1, 2)

    simulated_gpus(0)
    g = _half_plus_two_gpu_graph(tf_data)
    with pytest.raises(tg.errors.InvalidArgumentError, match="'/device:GPU:0'"):
        _run_half_plus_two(g, tg.ConfigProto())
    caplog.set_level(logging.WARNING, logger="tagraph.placement")
    placement, stats = _run_half_plus_two(g, tg.ConfigProto(allow_soft_placement=True))
    assert set(placement.values()) == {CPU}
    assert (stats.uploads, stats.downloads) == (0, 0)
    fallbacks = [r.getMessage() for r in caplog.records if r.name == "tagraph.placement"]
    assert any(m.startswith("Soft placement: y (AddV2) asked for /device:GPU:0") for m in fallbacks)
    assert len(fallbacks) == len(set(fallbacks))
