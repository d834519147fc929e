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


@pytest.mark.parametrize("usable, others, limit, expected", [(2, 0.0, 2, 2), (2, 0.5, 2, 2), (2, 0.8, 2, 1),
                                                              (2, 1.6, 2, 1), (8, 2.2, 8, 6), (8, 0.0, 4, 4),
                                                              (2, 5.0, 2, 1)])
def test_blas_threads_for_load(usable, others, limit, expected):
    assert cpu_threads.blas_threads_for_load(usable, others, limit) == expected


class FakeMachine:
    """/proc/stat's busy and total ticks, and this process's CPU seconds, advanced by hand."""

    def __init__(self):
        self.busy = self.total = 0
        self.own = 0.0

    def advance(self, seconds, others_cpus, own_cpus, cpus=2):
        hz = cpu_threads._CLOCK_TICKS
        self.busy += int(round((others_cpus + own_cpus) * seconds * hz))
        self.total += int(round(cpus * seconds * hz))
        self.own += own_cpus * seconds


def test_blas_threads_follow_other_processes_load(fresh_threads, monkeypatch):
    monkeypatch.setattr(cpu_threads, "cgroup_cpu_quota", lambda root=None: None)
    monkeypatch.setattr(cpu_threads, "_load", cpu_threads._LoadState())
    cpu_threads.configure(usable=2)
    machine = FakeMachine()

    def adapt(now):
        return cpu_threads.adapt(now=now, machine_ticks=lambda: (machine.busy, machine.total),
                                 own_seconds=lambda: machine.own)
    assert adapt(100.0) == 2 and blas_threads() == {2}          # the first sample: nothing to compare yet
    machine.advance(1.0, others_cpus=1.0, own_cpus=0.8)
    assert adapt(101.0) == 2                                    # another process took a CPU: once is a burst
    assert adapt(101.5) == 2                                    # within the sampling period: no sample
    machine.advance(1.0, others_cpus=1.0, own_cpus=1.0)
    assert adapt(102.0) == 1 and blas_threads() == {1}          # twice in a row: it stays
    machine.advance(1.0, others_cpus=0.1, own_cpus=1.0)
    assert adapt(103.0) == 2 and blas_threads() == {2}          # quiet again: back at once
    machine.advance(1.0, others_cpus=0.5, own_cpus=1.0)
    machine.advance(1.0, others_cpus=0.5, own_cpus=1.0)
    assert adapt(104.0) == 2                                    # half a CPU of other work keeps both
    # An explicit count is never changed.
    cpu_threads.configure(intra_op=2, usable=2)
    for now in (105.0, 106.0):
        machine.advance(1.0, others_cpus=1.5, own_cpus=0.5)
        assert adapt(now) == 2 and blas_threads() == {2}


def test_no_adapting_under_a_cgroup_quota(fresh_threads, monkeypatch):
    monkeypatch.setattr(cpu_threads, "cgroup_cpu_quota", lambda root=None: 2.0)
    monkeypatch.setattr(cpu_threads, "_load", cpu_threads._LoadState())
    cpu_threads.configure(usable=2)
    machine = FakeMachine()
    for now in (10.0, 11.0, 12.0):
        machine.advance(1.0, others_cpus=2.0, own_cpus=0.0)
        cpu_threads.adapt(now=now, machine_ticks=lambda: (machine.busy, machine.total), own_seconds=lambda: machine.own)
    assert blas_threads() == {2}


def test_machine_ticks_from_proc_stat(tmp_path):
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 5 20 800 10 0 3 2 0 0\ncpu0 50 2 10 400 5 0 1 1 0 0\n")
    assert cpu_threads._machine_ticks(str(stat)) == (130, 940)
    stat.write_text("garbage\n")
    assert cpu_threads._machine_ticks(str(stat)) is None
