"""Running real MPI jobs: ``mpi_job(n, script, *args)`` launches ``mpiexec -n n python script args`` (the
scripts live beside the tests) and returns the finished process; tests skip where mpiexec is missing."""
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent


def find_mpiexec():
    """The mpiexec of the MPI that mpi4py uses (the mpich wheel's, beside the venv's python), else PATH's."""
    beside = pathlib.Path(sys.executable).parent / "mpiexec"
    if beside.exists():
        return str(beside)
    return shutil.which("mpiexec")


def _require_mpi():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        pytest.skip("mpi4py is not installed (pip install 'tagraph[mpi]')")
    if find_mpiexec() is None:
        pytest.skip("no mpiexec: install the mpich wheel (pip install 'tagraph[mpi]') or an MPI with mpiexec")


@pytest.fixture(scope="session")
def mpi_job():
    """Call with (n, script, *args, timeout=...): the CompletedProcess of an n-process job; a job that outlives
    ``timeout`` is killed and fails the test (a hang is a bug)."""
    _require_mpi()

    def run(n, script, *args, timeout=90):
        env = dict(os.environ)
        env.pop("TAGRAPH_SIMULATED_GPUS", None)
        env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"   # n processes share the cores
        cmd = [find_mpiexec(), "-n", str(n), sys.executable, str(HERE / script)] + [str(a) for a in args]
        proc = subprocess.Popen(cmd, cwd=str(HERE), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            out, err = proc.communicate()
            pytest.fail("mpiexec -n %d %s hung for %ds:\n%s\n%s" % (n, script, timeout, out[-3000:], err[-3000:]))
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    return run


@pytest.fixture
def mpi():
    """This process as a job of one (mpi4py's singleton MPI), initialized; shut down afterwards."""
    _require_mpi()
    import tagraph.distribute as hvd
    hvd.init()
    yield hvd
    hvd.shutdown()
