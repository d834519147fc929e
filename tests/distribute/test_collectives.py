"""allreduce, allgather and broadcast in a real `mpiexec -n 2` job, on the CPU (MPI) and on a simulated GPU
(through host memory and MPI): the collective ops against TensorFlow's recorded results
(tests/data/distribute/record_collectives.py), Horovod's API against numpy on every rank's inputs, and
their errors on every rank at once."""
import json
import pathlib
import re

import numpy as np
import pytest

from collective_inputs import inputs

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "distribute"
SIZE = 2
with np.load(DATA / "collectives.npz") as _f:
    TF_RESULTS = dict(_f)       # recorded by tests/data/distribute/record_collectives.py with TensorFlow
DEVICES = ["CPU", "GPU"]


@pytest.fixture(scope="module")
def results(mpi_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("collectives")
    job = mpi_job(SIZE, "job_collectives.py", out)
    assert job.returncode == 0, job.stderr[-4000:]
    ranks = []
    for r in range(SIZE):
        with np.load(out / ("rank%d.npz" % r)) as f:
            arrays = dict(f)
        ranks.append((arrays, json.loads((out / ("rank%d.json" % r)).read_text())))
    return ranks


def _all(name):
    return [inputs(r)[name] for r in range(SIZE)]


def _trunc_div(a, n):
    return np.sign(a) * (np.abs(a) // n)


EXPECTED = {
    "average": lambda: np.mean(_all("f32"), axis=0),
    "sum": lambda: np.sum(_all("f32"), axis=0),
    "min": lambda: np.min(_all("f32"), axis=0),
    "max": lambda: np.max(_all("f32"), axis=0),
    "product": lambda: np.prod(_all("f64"), axis=0),
    "average_f64": lambda: np.mean(_all("f64"), axis=0),
    "sum_f16": lambda: np.sum(np.array(_all("f16"), np.float32), axis=0).astype(np.float16),
    "sum_i32": lambda: np.sum(_all("i32"), axis=0).astype(np.int32),
    "average_i32": lambda: _trunc_div(np.sum(_all("i32"), axis=0), SIZE).astype(np.int32),   # C++ division
    "sum_i64": lambda: np.sum(_all("i64"), axis=0),
    "scaled": lambda: np.sum(_all("f32"), axis=0) * 0.5 * 3.0,
    "fp16_compressed": lambda: np.mean([a.astype(np.float16) for a in _all("f32")], axis=0).astype(np.float32),
    "grouped/0": lambda: np.sum(_all("f32"), axis=0),
    "grouped/1": lambda: np.sum(_all("f64"), axis=0),
    "grouped/2": lambda: 2 * np.sum(_all("f32"), axis=0),
    "grouped/3": lambda: np.sum(_all("i32"), axis=0).astype(np.int32),
    "gather_rows": lambda: np.concatenate(_all("rows")),
    "gather_i64": lambda: np.concatenate(_all("i64")),
    "bcast_root0": lambda: inputs(0)["f32"],
    "bcast_last": lambda: inputs(SIZE - 1)["f64"],
    "bcast_bools": lambda: inputs(SIZE - 1)["bools"],
    "bcast_scalar": lambda: np.asarray(inputs(0)["scalar"]),
    "sparse_average/values": lambda: np.concatenate(_all("rows")) / SIZE,
    "sparse_average/indices": lambda: np.concatenate([np.arange(r + 1) for r in range(SIZE)]),
    # d/dx_r of sum_k sum(k_weight * allreduce(x)): the all-reduce of every rank's upstream gradient.
    "gradient": lambda: np.full((2, 3), sum(r + 1.0 for r in range(SIZE)), np.float32),
    "gradient_average": lambda: np.full((2, 3), sum(r + 1.0 for r in range(SIZE)) / SIZE, np.float32),
    "after_errors": lambda: np.sum(_all("f64"), axis=0),
}

ERRORS = {
    "shape_mismatch": r"InvalidArgumentError: Shape mismatch in the collective instance \d+\. Op at process \d "
                      r"expected shape \[\d,3\] but process \d expected shape \[\d,3\]",
    "dtype_mismatch": r"InvalidArgumentError: Collective instance \d+: process \d has dtype float\d+ but process \d "
                      r"has dtype float\d+",
    "gather_mismatch": r"InvalidArgumentError: Shape mismatch .* The dimensions after the first must agree",
    "gather_scalar": r"InvalidArgumentError: .*all-gather needs a tensor of rank 1 or more, not a scalar",
    "wrong_group_size": r"InvalidArgumentError: .*group_size 3 does not match the 2 processes of the job",
    "two_senders": r"InvalidArgumentError: Collective broadcast instance 98 needs exactly one sending process, "
                   r"found 2 \(0, 1\)",
    "kind_mismatch": r"InvalidArgumentError: .*process \d runs Collective(Gather|Reduce)V2 but process \d runs "
                     r"Collective(Gather|Reduce)V2.*same order",
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
@pytest.mark.parametrize("device", DEVICES)
def test_values_match_numpy_on_every_rank(results, device, case):
    want = EXPECTED[case]()
    for rank, (arrays, _) in enumerate(results):
        got = arrays["%s/%s" % (device, case)]
        assert got.dtype == np.asarray(want).dtype, (rank, got.dtype)
        np.testing.assert_allclose(got, want, rtol=1e-6, err_msg="rank %d" % rank)


@pytest.mark.parametrize("case", sorted(TF_RESULTS))
@pytest.mark.parametrize("device", DEVICES)
def test_values_match_tensorflows_collectives(results, device, case):
    want = TF_RESULTS[case]
    for rank, (arrays, _) in enumerate(results):
        got = arrays["%s/%s" % (device, case)]
        assert got.dtype == want.dtype and got.shape == want.shape, (rank, got.dtype, got.shape)
        np.testing.assert_array_equal(got, want, err_msg="rank %d" % rank)


@pytest.mark.parametrize("case", sorted(ERRORS))
@pytest.mark.parametrize("device", DEVICES)
def test_bad_collectives_fail_on_every_rank_without_hanging(results, device, case):
    for rank, (_, messages) in enumerate(results):
        message = messages.get("%s/%s" % (device, case))
        assert message is not None, "rank %d did not fail" % rank
        assert re.search(ERRORS[case], message, re.S), message


@pytest.mark.parametrize("device", DEVICES)
def test_collectives_run_on_the_device_asked_for(results, device):
    for _, messages in results:
        (line,) = messages["%s/sum/placed" % device]
        assert line.endswith("/device:%s:0" % device) and "(CollectiveReduceV2)" in line, line


def test_ranks_on_one_host_share_blas_threads(results):
    for _, messages in results:
        threads = messages["threads"]
        assert threads["intra_op"] == max(1, threads["usable"] // SIZE), threads


# One rank rejects its own input; rank -> its message: the rejecting rank's own error, the other's account of it.
ONE_SIDED = {
    "one_rank_rejects": [r"all-gather needs a tensor of rank 1 or more, not a scalar",
                         r"Collective HorovodAllgather_\d+ \(instance \d+\): process 0 rejected its input"],
    "one_rank_wrong_group_size": [r"Collective CollectiveReduceV2_1 \(instance 97\): process 1 rejected its input",
                                  r"group_size 3 does not match the 2 processes of the job"],
}


@pytest.mark.parametrize("case", sorted(ONE_SIDED))
@pytest.mark.parametrize("device", DEVICES)
def test_a_rank_rejecting_its_input_fails_every_rank(results, device, case):
    for rank, (_, messages) in enumerate(results):
        message = messages.get("%s/%s" % (device, case), "")
        assert message.startswith("InvalidArgumentError: ") and re.search(ONE_SIDED[case][rank], message), message
