"""NcclAllReduce and all_sum/all_prod/all_min/all_max on simulated GPUs: every device gets the reduction of
every device's tensor; TensorFlow's checks and errors; the gradient of a sum across devices."""
import threading

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.engine.ops import nccl_ops

REDUCTIONS = {"sum": (nccl_ops.all_sum, np.add), "prod": (nccl_ops.all_prod, np.multiply),
              "min": (nccl_ops.all_min, np.minimum), "max": (nccl_ops.all_max, np.maximum)}


def _inputs(n, dtype, shape=(2, 3)):
    rng = np.random.RandomState(n)
    return [(rng.randn(*shape) * 4).astype(dtype) for _ in range(n)]


def _scaled(xs):
    out = []
    for i, x in enumerate(xs):
        with tg.device("/gpu:%d" % i):
            out.append(x * 1.0)
    return out


def _on_gpus(values):
    out = []
    for i, v in enumerate(values):
        with tg.device("/gpu:%d" % i):
            out.append(tg.identity(tg.constant(v)))
    return out


@pytest.mark.parametrize("reduction", sorted(REDUCTIONS))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.int64])
def test_all_reduce_gives_every_device_the_reduction(simulated_gpus, reduction, dtype):
    simulated_gpus(2)
    build, ufunc = REDUCTIONS[reduction]
    values = _inputs(2, dtype)
    g = tg.Graph()
    with g.as_default():
        results = build(_on_gpus(values))
        assert [r.device for r in results] == ["/device:GPU:0", "/device:GPU:1"]
        with tg.Session() as sess:
            got = sess.run(results)
            stats = sess.last_run_stats
    expected = ufunc(values[0], values[1])
    for r in got:
        assert r.dtype == dtype
        np.testing.assert_array_equal(r, expected)
    assert any("GPU:0" in d for d in stats.devices) and any("GPU:1" in d for d in stats.devices)


@pytest.mark.parametrize("n", [1, 3])
def test_all_sum_over_one_and_three_devices(simulated_gpus, n):
    simulated_gpus(n)
    values = _inputs(n, np.float32, (5,))
    g = tg.Graph()
    with g.as_default():
        results = nccl_ops.all_sum(_on_gpus(values))
        with tg.Session() as sess:
            for _ in range(2):       # a collective meets anew every step
                for r in sess.run(results):
                    np.testing.assert_allclose(r, np.sum(values, axis=0), rtol=1e-6)


def test_instances_carry_tensorflows_attributes(simulated_gpus):
    simulated_gpus(2)
    g = tg.Graph()
    with g.as_default():
        nccl_ops.all_max(_on_gpus(_inputs(2, np.float32)))
        nccl_ops.all_sum(_on_gpus(_inputs(2, np.float32)))
    ops = [op for op in g.get_operations() if op.type == "NcclAllReduce"]
    assert len(ops) == 4
    first, second = ops[:2], ops[2:]
    assert [op.get_attr("reduction") for op in ops] == [b"max", b"max", b"sum", b"sum"]
    assert {op.get_attr("num_devices") for op in ops} == {2}
    names = [op.get_attr("shared_name") for op in ops]
    assert names[0] == names[1] != names[2] == names[3]
    assert all(n.startswith(b"c") and n[1:].isdigit() for n in names)
    assert [op.device for op in first] == [op.device for op in second] == ["/device:GPU:0", "/device:GPU:1"]
    assert ops[0].node_def.op == "NcclAllReduce" and "T" in ops[0].node_def.attr


def test_fed_values_and_concurrent_runs(simulated_gpus):
    simulated_gpus(2)
    g = tg.Graph()
    with g.as_default():
        xs = []
        for i in range(2):
            with tg.device("/gpu:%d" % i):
                xs.append(tg.placeholder(tg.float32, [None]))
        results = nccl_ops.all_sum(_scaled(xs))
        sess = tg.Session()
        failures = []

        def work(k):
            try:
                for step in range(20):
                    a, b = np.full(3, k, np.float32), np.full(3, step, np.float32)
                    for r in sess.run(results, {xs[0]: a, xs[1]: b}):
                        np.testing.assert_array_equal(r, a + b)
            except Exception as e:  # noqa: BLE001 - reported below
                failures.append(e)
        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sess.close()
    assert not failures, failures


def test_gradient_of_a_sum_across_devices_is_the_sum_of_gradients(simulated_gpus):
    simulated_gpus(2)
    values = _inputs(2, np.float32)
    g = tg.Graph()
    with g.as_default():
        xs = _on_gpus(values)
        s0, s1 = nccl_ops.all_sum(xs)
        grads = []
        for i, (x, s, c) in enumerate(zip(xs, (s0, s1), (3.0, 5.0))):
            with tg.device("/gpu:%d" % i):
                y = tg.reduce_sum(s * c)
                grads.append(y)
        # Each gradient op on its forward op's device, where the backward collective wants it (as in TensorFlow).
        dx = tg.gradients(grads, xs, colocate_gradients_with_ops=True)
        assert len([op for op in g.get_operations() if op.type == "NcclAllReduce"]) == 4
        with tg.Session() as sess:
            got = sess.run(dx)
    for d in got:
        np.testing.assert_array_equal(d, np.full((2, 3), 8.0, np.float32))


def test_gradient_of_other_reductions_is_not_defined(simulated_gpus):
    simulated_gpus(2)
    g = tg.Graph()
    with g.as_default():
        xs = _on_gpus(_inputs(2, np.float32))
        with tg.device("/gpu:0"):
            with pytest.raises(LookupError, match='No gradient defined for NcclAllReduce except for reduction="sum"'):
                tg.gradients(tg.reduce_sum(nccl_ops.all_prod(xs)[0]), xs)


# --- errors --------------------------------------------------------------------------------------------

def test_no_tensors():
    with pytest.raises(ValueError, match="Must pass >0 tensors to all reduce operations"):
        nccl_ops.all_sum([])


def test_a_gradient_without_a_device(simulated_gpus):
    simulated_gpus(2)
    g = tg.Graph()
    with g.as_default():
        xs = _on_gpus(_inputs(2, np.float32))
        s0, _ = nccl_ops.all_sum(xs)
        with pytest.raises(ValueError, match="Device assignment for tensor=.* required for nccl collective ops"):
            tg.gradients(tg.reduce_sum(s0 * 2.0), xs)


def test_a_tensor_without_a_device():
    g = tg.Graph()
    with g.as_default():
        with pytest.raises(ValueError, match="Device assignment for tensor=.* required for nccl collective ops"):
            nccl_ops.all_sum([tg.constant([1.0])])


def test_static_shapes_must_agree(simulated_gpus):
    simulated_gpus(2)
    g = tg.Graph()
    with g.as_default():
        a, b = _on_gpus([np.ones(3, np.float32), np.ones(4, np.float32)])
        with pytest.raises(ValueError, match="tensors must have one shape"):
            nccl_ops.all_sum([a, b])


def test_run_time_shapes_must_agree(simulated_gpus):
    simulated_gpus(2)
    g = tg.Graph()
    with g.as_default():
        xs = []
        for i in range(2):
            with tg.device("/gpu:%d" % i):
                xs.append(tg.placeholder(tg.float32, [None]))
        results = nccl_ops.all_sum(_scaled(xs))
        with tg.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError, match="GPU:1 contributes a float32 tensor of shape \\[4\\] "
                               "but .*GPU:0 one of shape \\[3\\]"):
                sess.run(results, {xs[0]: np.ones(3), xs[1]: np.ones(4)})
            # The failed collective does not linger: the next step meets anew.
            np.testing.assert_array_equal(sess.run(results, {xs[0]: np.ones(3), xs[1]: np.ones(3)})[1], [2, 2, 2])


def test_the_cpu_has_no_kernel(simulated_gpus):
    simulated_gpus(2)
    g = tg.Graph()
    with g.as_default():
        with tg.device("/cpu:0"):
            x = tg.constant([1.0])
        results = nccl_ops.all_sum([x])
        with tg.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError, match="no supported kernel for CPU devices is available "
                               "for NcclAllReduce"):
                sess.run(results)


def test_a_device_that_does_not_exist(simulated_gpus):
    simulated_gpus(2)
    g = tg.Graph()
    with g.as_default():
        a = _on_gpus([np.ones(2, np.float32)])[0]
        with tg.device("/gpu:2"):
            b = tg.placeholder(tg.float32, [2])
        results = nccl_ops.all_sum([a, b])
        with tg.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError,
                               match="Could not satisfy explicit device specification '/device:GPU:2'"):
                sess.run(results, {b: np.ones(2)})


def test_two_instances_on_one_device(simulated_gpus):
    simulated_gpus(2)
    g = tg.Graph()
    with g.as_default():
        with tg.device("/gpu:0"):
            a, b = tg.constant([1.0]), tg.constant([2.0])
        results = nccl_ops.all_sum([a, b])
        with tg.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError, match="has two instances on .*GPU:0"):
                sess.run(results)


def test_a_step_that_runs_only_some_instances_is_reported_by_the_next(simulated_gpus):
    simulated_gpus(2)
    g = tg.Graph()
    with g.as_default():
        results = nccl_ops.all_sum(_on_gpus(_inputs(2, np.float32)))
        first = next(op for op in g.get_operations() if op.type == "NcclAllReduce")
        with tg.Session() as sess:
            sess.run(first.outputs[0])        # TensorFlow would wait for the other instance for ever
            with pytest.raises(errors.InternalError, match="the previous step ran only 1 of its 2 instances"):
                sess.run(first.outputs[0])
            sess.run(results)                # whole steps go on working
