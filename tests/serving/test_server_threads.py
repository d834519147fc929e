"""The model server's share of the CPU's threads: BLAS threads per model run from the flags and the batch
threads."""
import pytest
from threadpoolctl import threadpool_info

from tagraph.devices import cpu_threads
from tagraph.serving import server as server_lib


@pytest.fixture
def restore_threads():
    before = cpu_threads.settings()
    yield
    cpu_threads.configure(before.intra_op, before.inter_op, usable=before.usable)


@pytest.mark.parametrize("flag, batch_threads, usable, expected", [
    (0, 1, 2, 2),        # no batching: one model run at a time gets every CPU
    (0, 2, 2, 1),        # two batch threads on two CPUs: one BLAS thread each
    (0, 4, 16, 4),
    (3, 8, 2, 3),        # the flag wins
])
def test_server_shares_cpus_among_batch_threads(restore_threads, monkeypatch, flag, batch_threads, usable, expected):
    monkeypatch.setattr(cpu_threads, "usable_cpus", lambda affinity=None, quota=None: usable)
    options = server_lib.ServerOptions(model_base_path="/unused", tensorflow_intra_op_parallelism=flag)
    settings = server_lib._configure_threads(options, batch_threads)
    assert settings.intra_op == expected
    assert {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"} == {expected}
