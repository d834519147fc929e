"""DistributedOptimizer in real `mpiexec` jobs: ranks that start from different weights take rank 0's,
train on their shards, and end with the same weights as each other and as one process on the whole batch;
in Horovod's MonitoredTrainingSession pattern only rank 0 writes checkpoints and summaries."""
import numpy as np
import pytest

import dist_mlp

N_VARIABLES = 4


@pytest.fixture(scope="module")
def whole_batch():
    return dist_mlp.train_whole_batch()


def _load(out, size):
    ranks = []
    for r in range(size):
        with np.load(out / ("rank%d.npz" % r)) as f:
            ranks.append(dict(f))
    return ranks


def _weights(rank, key):
    return [rank["%s_%d" % (key, i)] for i in range(N_VARIABLES)]


def _check_training(ranks, whole_batch):
    size = len(ranks)
    assert all(int(r["size"]) == size for r in ranks)
    # Different seeds per rank: the broadcast is what makes them equal.
    assert not np.array_equal(ranks[0]["initial_0"], ranks[1]["initial_0"])
    for r in ranks:
        for got, want in zip(_weights(r, "broadcast"), _weights(ranks[0], "initial")):
            np.testing.assert_array_equal(got, want)
    for r in ranks:
        for got, mine, want in zip(_weights(r, "trained"), _weights(ranks[0], "trained"), whole_batch):
            np.testing.assert_array_equal(got, mine)         # every rank took the same steps
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    moved = max(np.abs(a - b).max() for a, b in zip(_weights(ranks[0], "trained"), _weights(ranks[0], "initial")))
    assert moved > 1e-2


def test_two_ranks_train_as_one_process_on_the_whole_batch(mpi_job, tmp_path, whole_batch):
    job = mpi_job(2, "job_training.py", tmp_path, "--checkpoints")
    assert job.returncode == 0, job.stderr[-4000:]
    ranks = _load(tmp_path, 2)
    _check_training(ranks, whole_batch)

    # Horovod's pattern: checkpoint_dir only on rank 0; tagraph.distribute.MonitoredTrainingSession drops the
    # directory rank 1 was given.
    assert (tmp_path / "ckpt0" / "checkpoint").exists()
    assert any(p.name.startswith("events.out.tfevents") for p in (tmp_path / "ckpt0").iterdir())
    assert not (tmp_path / "ckpt1").exists()
    saved = _weights(ranks[0], "saved")
    for r in ranks:
        assert int(r["resumed_step"]) == 3                 # rank 1 got rank 0's restored global step too
        for got, want in zip(_weights(r, "resumed"), saved):
            np.testing.assert_array_equal(got, want)
        for got, want in zip(_weights(r, "resumed_trained"), _weights(ranks[0], "resumed_trained")):
            np.testing.assert_array_equal(got, want)


def test_four_ranks_on_two_cores(mpi_job, tmp_path, whole_batch):
    # Oversubscribed (MPICH's mpiexec needs no flag for it): 4 shards of 4 rows each.
    job = mpi_job(4, "job_training.py", tmp_path, timeout=120)
    assert job.returncode == 0, job.stderr[-4000:]
    _check_training(_load(tmp_path, 4), whole_batch)
