"""The CPU's thread counts: usable CPUs from the affinity mask and the cgroup quota, ConfigProto's counts,
BLAS's threads (read back through threadpoolctl)."""
import pytest
from threadpoolctl import threadpool_info

import tagraph.engine as tg
from tagraph.devices import cpu_threads


def blas_threads():
    return {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}


@pytest.fixture
def fresh_threads(monkeypatch):
    """Thread settings as in a new process; what was set before is set again afterwards."""
    before = cpu_threads.settings()
    monkeypatch.setattr(cpu_threads, "_current", None)
    yield
    cpu_threads._current = None
    cpu_threads.configure(before.intra_op, before.inter_op, usable=before.usable)


def test_cgroup_v2_quota(tmp_path):
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert cpu_threads.cgroup_cpu_quota(str(tmp_path)) == pytest.approx(1.5)
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert cpu_threads.cgroup_cpu_quota(str(tmp_path)) is None


def test_cgroup_v1_quota(tmp_path):
    folder = tmp_path / "cpu"
    folder.mkdir()
    (folder / "cpu.cfs_quota_us").write_text("200000\n")
    (folder / "cpu.cfs_period_us").write_text("100000\n")
    assert cpu_threads.cgroup_cpu_quota(str(tmp_path)) == pytest.approx(2.0)
    (folder / "cpu.cfs_quota_us").write_text("-1\n")
    assert cpu_threads.cgroup_cpu_quota(str(tmp_path)) is None


def test_no_cgroup_files_means_no_quota(tmp_path):
    assert cpu_threads.cgroup_cpu_quota(str(tmp_path)) is None


@pytest.mark.parametrize("affinity, quota, expected", [(64, None, 64), (64, 2.0, 2), (64, 1.5, 2), (64, 0.5, 1),
                                                       (2, 8.0, 2)])
def test_usable_cpus(affinity, quota, expected):
    assert cpu_threads.usable_cpus(affinity=affinity, quota=quota) == expected


def test_session_under_a_quota_uses_the_quota(fresh_threads, monkeypatch):
    # A container on a big node with a limit of one CPU: the process sees the node's cores.
    monkeypatch.setattr(cpu_threads, "cgroup_cpu_quota", lambda root=None: 1.0)
    monkeypatch.setattr(cpu_threads, "_affinity_cpus", lambda: 64)
    with tg.Graph().as_default():
        tg.Session().close()
    settings = cpu_threads.settings()
    assert (settings.usable, settings.intra_op, settings.inter_op) == (1, 1, 1)
    assert blas_threads() == {1}


def test_config_intra_op_one_gives_one_blas_thread(fresh_threads):
    with tg.Graph().as_default():
        x = tg.constant([[1.0, 2.0]]) @ tg.constant([[3.0], [4.0]])
        config = tg.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=3)
        with tg.Session(config=config) as sess:
            assert sess.run(x).tolist() == [[11.0]]
            assert blas_threads() == {1}
            assert cpu_threads.settings().inter_op == 3
        # A later session with the defaults leaves the process's pools as they are, as TensorFlow's global
        # pools stay.
        tg.Session().close()
        assert blas_threads() == {1}
        tg.Session(config=tg.ConfigProto(intra_op_parallelism_threads=2)).close()
        assert blas_threads() == {2}
        assert cpu_threads.settings().inter_op == 3


@pytest.mark.parametrize("bad", [-1.5, "2", True])
def test_bad_counts(bad):
    with pytest.raises(ValueError, match="intra_op_parallelism_threads"):
        cpu_threads.configure(intra_op=bad)
