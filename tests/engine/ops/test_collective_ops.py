"""The collective ops' graph side (TensorFlow's OpDefs, shape functions, constructors, gradient) and their
kernels in a job of one on each device kind. tests/distribute/ runs them across real MPI processes."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.engine.ops import collective_ops as co


@pytest.fixture
def job_of_one():
    pytest.importorskip("mpi4py", reason="mpi4py is not installed (pip install 'tagraph[mpi]')")
    import tagraph.distribute as hvd
    hvd.init()
    yield
    hvd.shutdown()


def test_shapes_follow_tensorflows_shape_functions():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 3])
        assert co.all_reduce_v2(x, 2, 1, 1).shape.as_list() == [None, 3]
        assert co.all_gather_v2(tg.placeholder(tg.float32, [4, 3]), 2, 1, 2).shape.as_list() == [None, 3]
        assert co.broadcast_send_v2(x, 2, 1, 3).shape.as_list() == [None, 3]
        assert co.broadcast_recv_v2([5, 2], tg.int64, 2, 1, 4).shape.as_list() == [5, 2]
        assert co.broadcast_recv_v2([], tg.float32, 2, 1, 5).shape.as_list() == []
        with pytest.raises(ValueError, match="at least rank 1"):
            co.all_gather_v2(tg.constant(1.0), 2, 1, 6)


def test_attributes_are_checked_against_tensorflows_opdefs():
    with tg.Graph().as_default():
        x = tg.constant([1.0])
        with pytest.raises(ValueError, match="merge_op must be one of Add, Min, Max, Mul"):
            co.all_reduce_v2(x, 2, 1, 1, merge_op="Sum")
        with pytest.raises(ValueError, match="final_op must be one of Id, Div"):
            co.all_reduce_v2(x, 2, 1, 1, final_op="Mean")
        with pytest.raises(TypeError, match="'T' of string is not in the list of allowed values"):
            co.all_reduce_v2(tg.constant(["a"]), 2, 1, 1)
        op = co.all_reduce_v2(x, 2, 1, 1, final_op="Div", timeout=2.5).op
        assert op.type == "CollectiveReduceV2" and op.get_attr("timeout_seconds") == 2.5
        assert op.get_attr("communication_hint") in (b"auto", "auto")


def test_the_gradient_of_a_sum_all_reduce_is_an_all_reduce_and_other_merges_have_none():
    with tg.Graph().as_default():
        x = tg.constant([1.0, 2.0])
        (g,) = tg.gradients(co.all_reduce_v2(x, 2, 1, 1, final_op="Div"), [x])
        assert g.op.type == "CollectiveReduceV2" and g.op.get_attr("final_op") in (b"Div", "Div")
        with pytest.raises(LookupError, match="No gradient defined .*CollectiveReduceV2.* merge_op Max"):
            tg.gradients(co.all_reduce_v2(x, 2, 1, 2, merge_op="Max"), [x])


def test_instance_keys_count_per_graph():
    with tg.Graph().as_default() as g1:
        assert [co.next_instance_key(g1) for _ in range(3)] == [1, 2, 3]
    with tg.Graph().as_default() as g2:
        assert co.next_instance_key(g2) == 1


def test_kernels_without_a_communicator_name_init():
    co.set_communicator(None)
    with tg.Graph().as_default():
        x = co.all_gather_v2(tg.constant([1.0, 2.0]), 1, 1, 1)
        with tg.Session() as sess, pytest.raises(errors.FailedPreconditionError, match=r"tagraph.distribute.init\(\)"):
            sess.run(x)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.int64])
def test_a_job_of_one_reduces_gathers_and_broadcasts_to_itself(device, job_of_one, dtype):
    x = (np.arange(-3, 3).reshape(2, 3) * 3).astype(dtype)
    with tg.Graph().as_default(), tg.device(device):
        t = tg.constant(x)
        fetches = [co.all_reduce_v2(t, 1, 1, 1), co.all_reduce_v2(t, 1, 1, 2, merge_op="Mul", final_op="Div"),
                   co.all_gather_v2(t, 1, 1, 3), co.broadcast_send_v2(t, 1, 1, 4)]
        with tg.Session() as sess:
            for got in sess.run(fetches):
                assert got.dtype == x.dtype
                np.testing.assert_array_equal(got, x)


def test_a_group_size_other_than_the_jobs_is_an_error(device, job_of_one):
    with tg.Graph().as_default(), tg.device(device):
        x = co.all_reduce_v2(tg.constant([1.0]), 4, 1, 1)
        with tg.Session() as sess, pytest.raises(errors.InvalidArgumentError,
                                                 match="group_size 4 does not match the 1 processes of the job"):
            sess.run(x)


def test_a_broadcast_with_no_sender_is_an_error(device, job_of_one):
    with tg.Graph().as_default(), tg.device(device):
        x = co.broadcast_recv_v2([2], tg.float32, 1, 1, 1)
        with tg.Session() as sess, pytest.raises(errors.InvalidArgumentError,
                                                 match="needs exactly one sending process, found 0"):
            sess.run(x)


def test_large_outputs_reuse_memory_only_once_nothing_holds_it(job_of_one):
    # Host buffers of 1 MiB and more are kept for the next run, but never while a result (or a view of
    # one) is alive.
    x = np.arange(1 << 19, dtype=np.float32)                     # 2 MiB
    with tg.Graph().as_default():
        p = tg.placeholder(tg.float32, [None])
        y = co.all_reduce_v2(p, 1, 1, 1)
        with tg.Session() as sess:
            first = sess.run(y, {p: x})
            view = sess.run(y, {p: x + 1})[10:]
            third = sess.run(y, {p: x + 2})
            assert not np.shares_memory(first, view) and not np.shares_memory(view, third)
            np.testing.assert_array_equal(first, x)
            np.testing.assert_array_equal(view, (x + 1)[10:])
            np.testing.assert_array_equal(third, x + 2)
            held = [first.__array_interface__["data"][0], third.__array_interface__["data"][0]]
            del first
            again = sess.run(y, {p: x + 3})
            assert again.__array_interface__["data"][0] in held     # a freed buffer is taken again
            np.testing.assert_array_equal(view, (x + 1)[10:])
            np.testing.assert_array_equal(third, x + 2)
