"""tagraph.distribute's collectives on CuPy arrays (skipped where there is no GPU, mpi4py or mpiexec):
NCCL in a job of one, and two ranks sharing one GPU (NCCL refuses that: their collectives go through host
memory and MPI) checked as tests/distribute/test_collectives.py checks the simulated GPU.

Run in its own process (``pytest gpu_tests``), as the other GPU tests.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tagraph.devices.gpu import real_gpu_count

if real_gpu_count() == 0:
    pytest.skip("no CUDA GPU: cupy not importable or no device", allow_module_level=True)
pytest.importorskip("mpi4py", reason="mpi4py is not installed (pip install 'tagraph[mpi]')")

TESTS = pathlib.Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS / "distribute"))
import test_collectives as reference  # noqa: E402


def _find_mpiexec():
    beside = pathlib.Path(sys.executable).parent / "mpiexec"
    return str(beside) if beside.exists() else shutil.which("mpiexec")

_NCCL_JOB = r"""
import json, sys
import numpy as np
import tagraph.distribute as hvd, tagraph.engine as tg
hvd.init()
x = np.arange(12, dtype=np.float32).reshape(3, 4) - 5
with tg.Graph().as_default(), tg.device("/device:GPU:0"):
    t = tg.constant(x)
    fetches = [hvd.allreduce(t), hvd.allreduce(t, op=hvd.Max), hvd.allgather(t), hvd.broadcast(t, 0),
               hvd.allreduce(tg.cast(t, tg.float16), op=hvd.Sum)]
    with tg.Session() as sess:
        out = sess.run(fetches)
kinds = sorted(type(c).__name__ for c in hvd.basics.communicator()._device_collectives.values() if c is not None)
print(json.dumps({"ok": [bool(np.array_equal(np.asarray(o, np.float32), x)) for o in out], "collectives": kinds}))
"""


def _job(n, *args, script=None):
    mpiexec = _find_mpiexec()
    if mpiexec is None:
        pytest.skip("no mpiexec (pip install 'tagraph[mpi]')")
    env = dict(os.environ, TAGRAPH_JOB_REAL_GPUS="1")
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    env.pop("TAGRAPH_SIMULATED_GPUS", None)
    cmd = [mpiexec, "-n", str(n), sys.executable] + (["-c", script] if script else list(args))
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env,
                          cwd=str(TESTS / "distribute"))


def test_nccl_collectives_in_a_job_of_one():
    job = _job(1, script=_NCCL_JOB)
    assert job.returncode == 0, job.stderr[-4000:]
    result = json.loads(job.stdout.strip().splitlines()[-1])
    assert result["collectives"] == ["NCCLCollectives"]
    assert all(result["ok"]), result


@pytest.fixture(scope="module")
def shared_gpu_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("shared_gpu")
    job = _job(2, str(TESTS / "distribute" / "job_collectives.py"), str(out))
    assert job.returncode == 0, job.stderr[-4000:]
    ranks = []
    for r in range(2):
        with np.load(out / ("rank%d.npz" % r)) as f:
            ranks.append((dict(f), json.loads((out / ("rank%d.json" % r)).read_text())))
    return ranks


@pytest.mark.parametrize("case", sorted(reference.TF_RESULTS))
def test_two_ranks_on_one_gpu_match_tensorflow(shared_gpu_results, case):
    reference.test_values_match_tensorflows_collectives(shared_gpu_results, "GPU", case)


@pytest.mark.parametrize("case", sorted(reference.EXPECTED))
def test_two_ranks_on_one_gpu_match_numpy(shared_gpu_results, case):
    reference.test_values_match_numpy_on_every_rank(shared_gpu_results, "GPU", case)
