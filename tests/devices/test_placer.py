"""The placer's rules: explicit devices, colocation groups, kernels per device, heuristics, device_count.

Runs on simulated GPUs (the ``simulated_gpus`` fixture); gpu_tests/ runs it again on real ones.
"""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.devices import kernel_registry
from tagraph.devices.placer import PlacementError, Placer

CPU = "/job:localhost/replica:0/task:0/device:CPU:0"
GPU0 = "/job:localhost/replica:0/task:0/device:GPU:0"
GPU1 = "/job:localhost/replica:0/task:0/device:GPU:1"


def placed(sess, *ops):
    """The device names ``sess`` gave to ``ops`` (ops or tensors)."""
    names = []
    for o in ops:
        o = getattr(o, "op", o) if isinstance(o, tg.Tensor) else o
        names.append(sess._placement[o].name)
    return names


def test_unplaced_ops_go_to_the_first_gpu_strings_to_the_cpu(simulated_gpus):
    simulated_gpus(2)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [3], name="x")
        y = tg.square(x) + 1.0
        s = tg.strings.join([tg.constant("a"), tg.constant("b")], name="join")
        with tg.Session() as sess:
            out = sess.run([y, s], {x: [1.0, 2.0, 3.0]})
            np.testing.assert_array_equal(out[0], [2.0, 5.0, 10.0])
            assert out[1] == b"ab"
            assert placed(sess, y, tg.get_default_graph().get_operation_by_name("Square")) == [GPU0, GPU0]
            assert placed(sess, s) == [CPU]


def test_without_a_gpu_everything_is_on_the_cpu(simulated_gpus):
    simulated_gpus(0)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2])
        y = x * 2.0
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run(y, {x: [1, 2]}), [2, 4])
            assert placed(sess, y) == [CPU]
            assert sess.last_run_stats.uploads == sess.last_run_stats.downloads == 0


def test_device_count_hides_gpus(simulated_gpus):
    simulated_gpus(2)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2])
        y = x * 2.0
        with tg.Session(config=tg.ConfigProto(device_count={"GPU": 0})) as sess:
            assert [d.name for d in sess.list_devices()] == [CPU]
            sess.run(y, {x: [1, 2]})
            assert placed(sess, y) == [CPU]
        with tg.Session(config=tg.ConfigProto(device_count={"GPU": 1})) as sess:
            assert [d.name for d in sess.list_devices()] == [CPU, GPU0]


@pytest.mark.parametrize("spec,expected", [
    ("/cpu:0", CPU), ("/device:CPU:0", CPU), ("/gpu:1", GPU1), ("/device:GPU:*", GPU0),
    ("/job:localhost/replica:0/task:0/device:GPU:1", GPU1), ("/job:localhost", GPU0), ("", GPU0),
])
def test_explicit_devices_are_honoured(simulated_gpus, spec, expected):
    simulated_gpus(2)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2])
        with tg.device(spec):
            y = tg.square(x, name="y")
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run(y, {x: [3, 4]}), [9, 16])
            assert placed(sess, y) == [expected]


def test_colocate_with_and_loc_class_attribute(simulated_gpus):
    simulated_gpus(2)
    with tg.Graph().as_default() as g:
        x = tg.placeholder(tg.float32, [2])
        with tg.device("/gpu:1"):
            a = tg.square(x, name="a")
        with tg.colocate_with(a.op):
            b = tg.identity(a, name="b")            # follows a, not the first GPU
        # As an imported GraphDef writes it: _class = ["loc:@a"] and no device.
        c = tg.negative(x, name="c") if hasattr(tg, "negative") else tg.square(x, name="c")
        from tagraph.engine.framework.attr_value import python_to_attr_value
        c.op._set_attr("_class", python_to_attr_value([b"loc:@a"], "list(string)"))
        with tg.Session() as sess:
            sess.run([b, c], {x: [1, 2]})
            assert placed(sess, a, b, c) == [GPU1, GPU1, GPU1]
            assert g.get_operation_by_name("b").get_attr("_class") == [b"loc:@a"]


@pytest.mark.parametrize("use_resource", [True, False])
def test_a_variable_its_reads_and_assignments_stay_together(simulated_gpus, use_resource):
    simulated_gpus(2)
    with tg.Graph().as_default() as g:
        with tg.device("/gpu:1"):
            v = tg.get_variable("v", shape=[3], initializer=tg.ones_initializer, use_resource=use_resource)
        # Made outside the device scope: they join the variable through its reference/handle.
        inc = v.assign_add([1.0, 2.0, 3.0])
        read = v.read_value()
        init = tg.global_variables_initializer()
        with tg.Session() as sess:
            sess.run(init)
            np.testing.assert_array_equal(sess.run(inc), [2, 3, 4])
            np.testing.assert_array_equal(sess.run(read), [2, 3, 4])
            var_op = v.op
            assert placed(sess, var_op, inc, v.initializer) == [GPU1] * 3
            # The snapshot (v/read, ReadVariableOp) is colocated with the variable. A ref variable's
            # read_value() is a plain Identity reading the reference as a value: TensorFlow does not
            # colocate it, so it goes where unplaced ops go.
            snapshot = v.value()
            np.testing.assert_array_equal(sess.run(snapshot), [2, 3, 4])
            assert placed(sess, snapshot) == [GPU1]
            assert placed(sess, read) == [GPU1 if use_resource else GPU0]
            # the value lives in the session's state, on the variable's device
            values = list(sess._state.variables.values())
            backend = sess._placement[var_op].backend
            assert len(values) == 1 and backend.is_device_array(values[0])
            assert g.get_operation_by_name(var_op.name).device == "/device:GPU:1"


def _cpu_only(monkeypatch, op_type):
    """Makes ``op_type``'s generic kernel a CPU-only one for the test."""
    for table in (kernel_registry._KERNELS, kernel_registry._HOST_INPUTS, kernel_registry._HOST_OUTPUTS):
        monkeypatch.setitem(table, (op_type, "CPU"), table[(op_type, None)])
        monkeypatch.delitem(table, (op_type, None))


def test_reading_a_reference_as_a_value_does_not_move_the_variable(simulated_gpus, monkeypatch):
    # A consumer whose input is not declared Ref(T) reads the reference's value (TensorFlow's deref);
    # a CPU-only reader (SaveV2 of v:0 in TensorFlow's Saver) must not drag the variable to the CPU.
    simulated_gpus(1)
    _cpu_only(monkeypatch, "Sqrt")
    with tg.Graph().as_default() as g:
        with tg.device("/gpu:0"):
            v = tg.get_variable("v", shape=[2], initializer=tg.constant_initializer(4.0), use_resource=False)
        r = g.create_op("Sqrt", [v._ref()], {}, name="root").outputs[0]
        with tg.Session() as sess:
            sess.run(v.initializer)
            np.testing.assert_array_equal(sess.run(r), [2.0, 2.0])
            assert placed(sess, v.op, r) == [GPU0, CPU]
            assert sess.last_run_stats.downloads == 1


def test_ops_without_a_gpu_kernel_go_where_they_have_one(simulated_gpus, monkeypatch):
    simulated_gpus(1)
    _cpu_only(monkeypatch, "Sqrt")
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2])
        y = tg.sqrt(tg.square(x, name="sq"), name="root")
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run(y, {x: [3, 4]}), [3, 4])
            assert placed(sess, y.op.inputs[0], y) == [GPU0, CPU]
            assert (sess.last_run_stats.uploads, sess.last_run_stats.downloads) == (1, 1)


def test_generators_sit_with_their_consumers_and_metadata_ops_with_their_input(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 3])   # unknown shape: tg.shape makes a Shape op
        c = tg.constant(2.0, name="c")            # no device asked: TensorFlow's heuristic A applies
        with tg.device("/cpu:0"):
            y = tf_mul = x * c
            z = tg.identity(y, name="z")
        shp = tg.shape(z, name="shape")           # heuristic B: metadata op with its input
        with tg.Session() as sess:
            out = sess.run([tf_mul, shp], {x: np.ones((2, 3))})
            np.testing.assert_array_equal(out[1], [2, 3])
            assert placed(sess, c, y, shp) == [CPU, CPU, CPU]
            assert (sess.last_run_stats.uploads, sess.last_run_stats.downloads) == (0, 0)


def test_placement_holds_for_the_session(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default():
        v = tg.Variable([1.0, 2.0], name="v")
        with tg.Session() as sess:
            sess.run(v.initializer)
            first = dict(sess._placement)
            sess.run(v)
            sess.run(v.assign([3.0, 4.0]))
            for op, dev in first.items():
                assert sess._placement[op] is dev


def test_placer_directly(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default() as g:
        x = tg.placeholder(tg.float32, [2], name="x")
        with tg.device("/gpu:5"):
            y = tg.square(x, name="y")
    strict = Placer(tg.ConfigProto())
    with pytest.raises(PlacementError) as info:
        strict.place([y.op], {}, g)
    assert info.value.op is y.op
    soft = Placer(tg.ConfigProto(allow_soft_placement=True))
    placement = soft.place([y.op], {}, g)
    assert placement[y.op].name == GPU0     # TensorFlow keeps the device type when it can
    assert soft.place([y.op], placement, g) is placement
