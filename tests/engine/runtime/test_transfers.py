"""Host/device transfers as explicit, counted plan steps; variables on their device; memory freed on
close; BiasAdd + activation fused into one GPU step."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.devices import cuda_kernels

GPU0 = "/job:localhost/replica:0/task:0/device:GPU:0"


def counts(sess):
    return sess.last_run_stats.uploads, sess.last_run_stats.downloads


def step_names(sess):
    (plan,) = sess._plans.values()
    return [getattr(s[0], "__name__", "") for s in plan.steps]


def test_a_gpu_chain_fed_from_the_host_makes_one_upload_and_one_download(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [4], name="x")
        with tg.device("/gpu:0"):
            y = x
            for i in range(10):
                y = y * 1.5 if i % 2 else y + 0.5
        v = np.arange(4, dtype=np.float32)
        expected = v
        for i in range(10):
            expected = expected * 1.5 if i % 2 else expected + 0.5
        with tg.Session() as sess:
            for _ in range(2):       # the second run reuses the plan: same counts
                out = sess.run(y, {x: v})
                assert type(out) is np.ndarray and out.dtype == np.float32
                np.testing.assert_allclose(out, expected, rtol=1e-6)
                assert counts(sess) == (1, 1)
            names = step_names(sess)
            assert names.count("upload") == 1 and names.count("download") == 1
            assert names[0] == "upload" and names[-1] == "download"


def test_host_memory_arguments_stay_on_the_host(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 6], name="x")
        with tg.device("/gpu:0"):
            r = tg.reshape(x * 2.0, [-1, 2])
            s = tg.reduce_sum(r, axis=1)
            m = tg.reduce_mean(tg.reshape(s, tg.shape(s)), axis=0)
        with tg.Session() as sess:
            out = sess.run(m, {x: np.ones((2, 6), np.float32)})
            assert out == pytest.approx(4.0)
            assert counts(sess) == (1, 1)


def test_int32_shape_arithmetic_on_a_gpu_stays_in_host_memory(simulated_gpus):
    # As TensorFlow registers its int32 GPU kernels with HostMemory: computed shapes never cross.
    simulated_gpus(1)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 6], name="x")
        with tg.device("/gpu:0"):
            half = tg.size(x) // 2
            shape = tg.stack([half, tg.constant(2)], name="new_shape")
            y = tg.reshape(x * 2.0, shape)
        with tg.Session() as sess:
            out, n = sess.run([y, shape], {x: np.ones((2, 6), np.float32)})
            assert out.shape == (6, 2) and (out == 2.0).all()
            np.testing.assert_array_equal(n, [6, 2])
            assert sess._placement[shape.op].name == GPU0     # placed on the GPU, as TensorFlow logs it
            assert counts(sess) == (1, 1)                      # x up, y down; the shape never moves


def test_one_download_per_tensor_whatever_its_host_consumers(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [3], name="x")
        with tg.device("/gpu:0"):
            y = tg.square(x)
        with tg.device("/cpu:0"):
            a = y + 1.0
            b = y * 2.0
        with tg.Session() as sess:
            out = sess.run([a, b, y], {x: [1.0, 2.0, 3.0]})
            np.testing.assert_array_equal(out[0], [2, 5, 10])
            np.testing.assert_array_equal(out[1], [2, 8, 18])
            np.testing.assert_array_equal(out[2], [1, 4, 9])
            assert counts(sess) == (1, 1)


def test_cpu_only_graphs_have_no_transfers(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [3])
        with tg.device("/cpu:0"):
            y = tg.square(x) + 1.0
        with tg.Session() as sess:
            sess.run(y, {x: [1, 2, 3]})
            assert counts(sess) == (0, 0)
            assert "upload" not in step_names(sess) and "download" not in step_names(sess)


@pytest.mark.parametrize("use_resource", [True, False])
def test_variables_live_on_their_device_and_fetch_as_numpy(simulated_gpus, use_resource):
    simulated_gpus(1)
    with tg.Graph().as_default():
        with tg.device("/gpu:0"):
            v = tg.get_variable("v", initializer=tg.constant([1.0, 2.0, 3.0]), use_resource=use_resource)
        p = tg.placeholder(tg.float32, [3], name="p")
        assign = v.assign(p)
        with tg.Session() as sess:
            sess.run(v.initializer)
            assert counts(sess) == (0, 0)        # the initial value is made on the GPU
            (value,) = sess._state.variables.values()
            gpu = sess._placement[v.op].backend
            assert sess._placement[v.op].name == GPU0 and gpu.is_device_array(value)
            fetched = sess.run(v)
            assert type(fetched) is np.ndarray
            np.testing.assert_array_equal(fetched, [1, 2, 3])
            assert counts(sess) == (0, 1)
            fetched[0] = 100.0                      # a fetched value is the caller's own
            sess.run(assign, {p: [4.0, 5.0, 6.0]})
            assert counts(sess) == (1, 1)
            (value,) = sess._state.variables.values()
            assert gpu.is_device_array(value)
            np.testing.assert_array_equal(sess.run(v), [4, 5, 6])


def test_closing_a_session_frees_every_device_memory_pool(simulated_gpus, monkeypatch):
    simulated_gpus(2)
    with tg.Graph().as_default():
        with tg.device("/gpu:1"):
            v = tg.Variable([1.0, 2.0], name="v")
        sess = tg.Session()
        sess.run(v.initializer)
        freed = []
        for d in sess.list_devices():
            monkeypatch.setattr(d.backend, "free_memory", lambda name=d.name: freed.append(name))
        assert freed == []
        sess.close()
        assert sorted(freed) == sorted(d.name for d in sess.list_devices())
        assert sess._state.variables == {} and not sess._plans
        sess.close()                                 # once only
        assert len(freed) == len(sess.list_devices())
        with pytest.raises(RuntimeError, match="closed Session"):
            sess.run(v)
        with tg.Session() as sess2:
            for d in sess2.list_devices():
                monkeypatch.setattr(d.backend, "free_memory", lambda name=d.name: freed.append(name))
        assert len(freed) == 2 * len(sess.list_devices())


def test_a_missing_transfer_would_fail_loudly(simulated_gpus):
    # The GPU's arrays refuse implicit conversion, so the plan's explicit steps are all that moves data.
    simulated_gpus(1)
    with tg.Graph().as_default():
        with tg.device("/gpu:0"):
            v = tg.Variable([1.0, 2.0], name="v")
        with tg.Session() as sess:
            sess.run(v.initializer)
            (value,) = sess._state.variables.values()
            with pytest.raises(TypeError):
                np.asarray(value)
            np.testing.assert_array_equal(sess.run(v), [1.0, 2.0])


# --- fusion -------------------------------------------------------------------------------------------

ACTIVATIONS = {"Relu": "relu", "Relu6": "relu6", "Sigmoid": "sigmoid", "Tanh": "tanh"}


def _activation(name):
    return {"Relu": tg.nn.relu, "Relu6": tg.nn.relu6, "Sigmoid": tg.sigmoid, "Tanh": tg.tanh}[name]


def _bias_graph(device, act, dtype, data_format="NHWC", fetch_bias=False):
    rng = np.random.default_rng(7)
    xs = (rng.standard_normal((2, 3, 5)) * 4).astype(dtype)
    bs = rng.standard_normal(5).astype(dtype)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.as_dtype(dtype), [None, 3, 5], name="x")
        with tg.device(device):
            pre = tg.nn.bias_add(x * 1.0, tg.constant(bs), data_format=data_format, name="pre")
            y = _activation(act)(pre, name="act")
        fetches = [y, pre] if fetch_bias else y
        with tg.Session() as sess:
            out = sess.run(fetches, {x: xs})
            return out, sess.last_run_stats, step_names(sess)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
def test_bias_add_and_activation_fuse_into_one_gpu_step(simulated_gpus, monkeypatch, act, dtype):
    simulated_gpus(1)
    expected, cpu_stats, _ = _bias_graph("/cpu:0", act, dtype)
    assert cpu_stats.fused == (act != "Sigmoid")      # the CPU folds Relu, Relu6 and Tanh
    calls = []
    real = cuda_kernels.fused_bias_activation

    def spy(backend, x, bias, activation="none"):
        calls.append(activation)
        return real(backend, x, bias, activation)
    monkeypatch.setattr(cuda_kernels, "fused_bias_activation", spy)
    out, stats, names = _bias_graph("/gpu:0", act, dtype)
    assert stats.fused == 1 and calls == [ACTIVATIONS[act]]
    assert "fused_bias_%s" % ACTIVATIONS[act] in names
    assert out.dtype == dtype and type(out) is np.ndarray
    np.testing.assert_allclose(out, expected, rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-7)


def test_no_fusion_where_the_bias_add_output_is_needed(simulated_gpus):
    simulated_gpus(1)
    expected, _, _ = _bias_graph("/cpu:0", "Relu", np.float32, fetch_bias=True)
    out, stats, names = _bias_graph("/gpu:0", "Relu", np.float32, fetch_bias=True)
    assert stats.fused == 0 and not any(n.startswith("fused_bias") for n in names)
    for a, b in zip(out, expected):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_no_fusion_for_two_consumers_or_integers(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2, 3], name="x")
        i = tg.placeholder(tg.int32, [2, 3], name="i")
        with tg.device("/gpu:0"):
            pre = tg.nn.bias_add(x, tg.constant([1.0, -2.0, 3.0]))
            two = tg.nn.relu(pre) + tg.tanh(pre)                        # two consumers
            ints = tg.nn.relu(tg.nn.bias_add(i, tg.constant([1, -5, 2])))   # int32: no CUDA kernel
        with tg.device("/cpu:0"):
            on_cpu = tg.nn.relu(tg.nn.bias_add(x, tg.constant([1.0, -2.0, 3.0])))
        xs = np.array([[0.5, 1.0, -4.0], [-1.0, 2.0, 0.0]], np.float32)
        with tg.Session() as sess:
            out = sess.run([two, ints, on_cpu], {x: xs, i: [[1, 2, 3], [4, 5, 6]]})
            assert sess.last_run_stats.fused == 1 and "fused_bias_relu" in step_names(sess)   # on_cpu only
        ref = xs + [1.0, -2.0, 3.0]
        np.testing.assert_allclose(out[0], np.maximum(ref, 0) + np.tanh(ref), rtol=1e-6)
        np.testing.assert_array_equal(out[1], np.maximum(np.array([[1, 2, 3], [4, 5, 6]]) + [1, -5, 2], 0))
        np.testing.assert_allclose(out[2], np.maximum(ref, 0), rtol=1e-6)


def test_the_fused_step_refuses_what_bias_add_refuses(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, name="x")
        b = tg.placeholder(tg.float32, name="b")
        with tg.device("/gpu:0"):
            y = tg.nn.relu(tg.nn.bias_add(x * 1.0, b * 1.0), name="y")
        with tg.Session() as sess:
            for xs, bs, message in (([1.0, 2.0], [1.0, 1.0], "at least 2D"),
                                    ([[1.0, 2.0]], [[1.0, 1.0]], "Biases must be 1D"),
                                    ([[1.0, 2.0]], [1.0, 1.0, 1.0], "as many biases")):
                with pytest.raises(tg.errors.InvalidArgumentError, match=message):
                    sess.run(y, {x: xs, b: bs})
            np.testing.assert_array_equal(sess.run(y, {x: [[1.0, -2.0]], b: [0.5, 0.5]}), [[1.5, 0.0]])
            assert sess.last_run_stats.fused == 1


def test_a_training_graph_pinned_to_the_cpu_moves_nothing_when_a_gpu_exists(simulated_gpus):
    # The gradient tuples' identities sit with their inputs (TensorFlow's with_dependencies), so ops
    # placed by no one in the gradient graph do not pull values onto the GPU and back every step.
    simulated_gpus(1)
    with tg.Graph().as_default():
        with tg.device("/device:CPU:0"):
            x = tg.constant(np.ones((4, 3), np.float32))
            w = tg.get_variable("w", [3, 2])
            b = tg.get_variable("b", [2])
            loss = tg.reduce_sum(tg.nn.relu(tg.nn.bias_add(tg.matmul(x, w), b)) ** 2)
            train = tg.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            sess.run(train)
            assert (sess.last_run_stats.uploads, sess.last_run_stats.downloads) == (0, 0)
