"""tagraph.distribute in this process: before init, as a job of one (mpi4py's singleton MPI), the graph it
builds (TensorFlow's collective op types, tensor fusion), and a job whose rank dies of a timeout."""
import numpy as np
import pytest

import tagraph.distribute as hvd
import tagraph.engine as tg
from tagraph.distribute import fusion
from tagraph.engine.framework import errors
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.ops import collective_ops


def test_before_init_the_api_and_the_kernels_name_init():
    hvd.shutdown()
    with pytest.raises(ValueError, match=r"has not been initialized; call tagraph.distribute.init\(\)"):
        hvd.rank()
    with pytest.raises(ValueError, match="has not been initialized"):
        hvd.allreduce(tg.constant([1.0]))
    with tg.Graph().as_default():
        x = collective_ops.all_reduce_v2(tg.constant([1.0, 2.0]), 1, 1, 1)
        with tg.Session() as sess:
            with pytest.raises(errors.FailedPreconditionError, match=r"call tagraph.distribute.init\(\)"):
                sess.run(x)


def test_a_job_of_one(mpi):
    assert (mpi.rank(), mpi.size(), mpi.local_rank(), mpi.local_size(), mpi.cross_size()) == (0, 1, 0, 1, 1)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    with tg.Graph().as_default():
        t = tg.constant(x)
        fetches = [mpi.allreduce(t), mpi.allreduce(t, op=mpi.Max), mpi.allgather(t), mpi.broadcast(t, 0)]
        with tg.Session() as sess:
            for got in sess.run(fetches):
                np.testing.assert_array_equal(got, x)


def test_shutdown_leaves_the_kernels_without_a_communicator(mpi):
    with tg.Graph().as_default():
        x = mpi.allreduce(tg.constant([1.0]))
        mpi.shutdown()
        with tg.Session() as sess, pytest.raises(errors.FailedPreconditionError, match="init"):
            sess.run(x)


def test_the_graph_holds_tensorflows_collective_ops(mpi):
    with tg.Graph().as_default() as g:
        v = tg.get_variable("v", [3], initializer=tg.zeros_initializer())
        mpi.allreduce(v.value())
        mpi.allgather(v.value())
        mpi.broadcast_global_variables(0)
        ops = [op for op in g.get_operations() if op.type.startswith("Collective")]
    assert [op.type for op in ops] == ["CollectiveReduceV2", "CollectiveGatherV2", "CollectiveBcastSendV2"]
    reduce_op = ops[0]
    assert reduce_op.get_attr("merge_op") in (b"Add", "Add") and reduce_op.get_attr("final_op") in (b"Div", "Div")
    # Instance keys number the collectives in the order they were built: alike on every rank.
    assert [int(constant_value(op.inputs[3])) for op in ops] == [1, 2, 3]


def test_fusion_packs_small_tensors_of_one_dtype_up_to_the_threshold():
    with tg.Graph().as_default():
        ts = [tg.zeros([4]), tg.zeros([2], tg.float64), tg.zeros([4]), tg.zeros([10]), tg.zeros([3]),
              tg.placeholder(tg.float32, [None])]
        # float32 tensors of 16, 16, 40 and 12 bytes with a 32-byte threshold; the one of unknown size alone.
        assert fusion.fusion_buckets(ts, 32) == [[0, 2], [1], [3], [4], [5]]
        assert fusion.fusion_buckets(ts, 0) == [[i] for i in range(6)]
        assert fusion.fusion_buckets(ts, 64 << 20) == [[0, 2, 3, 4], [1], [5]]


def test_grouped_allreduce_builds_one_collective_per_buffer(mpi, monkeypatch):
    monkeypatch.setenv("HOROVOD_FUSION_THRESHOLD", "64")
    with tg.Graph().as_default() as g:
        values = [np.full([3], i, np.float32) for i in range(6)]       # 12 bytes each: 5 fill one buffer
        out = mpi.grouped_allreduce([tg.constant(v) for v in values])
        assert sum(op.type == "CollectiveReduceV2" for op in g.get_operations()) == 2
        with tg.Session() as sess:
            for got, want in zip(sess.run(out), values):
                np.testing.assert_array_equal(got, want)


def test_distributed_optimizer_leaves_a_job_of_one_alone(mpi):
    with tg.Graph().as_default() as g:
        w = tg.get_variable("w", [2], initializer=tg.ones_initializer())
        opt = mpi.DistributedOptimizer(tg.train.GradientDescentOptimizer(0.5))
        step = opt.minimize(tg.reduce_sum(tg.square(w)))
        assert not [op for op in g.get_operations() if op.type.startswith("Collective")]
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            sess.run(step)
            np.testing.assert_allclose(sess.run(w), [0.0, 0.0])
    assert opt.get_name() == "DistributedGradientDescentOptimizer"


def test_unsupported_choices_are_named(mpi):
    with pytest.raises(NotImplementedError, match="Adasum"):
        mpi.allreduce(tg.constant([1.0]), op=mpi.Adasum)
    with pytest.raises(ValueError, match="op parameter supersedes average"):
        mpi.allreduce(tg.constant([1.0]), average=True, op=mpi.Sum)
    with pytest.raises(NotImplementedError, match="backward_passes_per_step"):
        mpi.DistributedOptimizer(tg.train.GradientDescentOptimizer(0.1), backward_passes_per_step=2)
    with pytest.raises(ValueError, match="root_rank 3 is not a rank of this job of 1"):
        mpi.broadcast(tg.constant([1.0]), 3)


def test_a_timed_out_collective_ends_the_job_instead_of_hanging(mpi_job):
    # Rank 1 sleeps for 120 s: a job that ends within the 60 s given was aborted, not waited for. (MPICH's own
    # "MPI_Abort" line is not asserted: when the machine is busy, mpiexec may end the job before it is written.)
    job = mpi_job(2, "job_timeout.py", timeout=60)
    assert job.returncode != 0
    assert "DeadlineExceededError: Collective has timed out waiting for other workers (timeout_seconds=1)" \
        in job.stderr, job.stderr[-3000:]
