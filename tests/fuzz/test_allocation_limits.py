"""engine.allocation_limits: the guard every input-sized allocation asks before memory is taken."""
import threading

import pytest

from tagraph.engine.framework import errors
from tagraph.engine.framework.allocation_limits import (ENV_VAR, allocation_limit, check_allocation, check_shape,
                                              max_allocation_bytes, num_elements)


def test_num_elements():
    assert num_elements([]) == 1
    assert num_elements([2, 3, 4]) == 24
    assert num_elements([0, 2**62, 2**62]) == 0
    with pytest.raises(errors.InvalidArgumentError, match="negative"):
        num_elements([2, -1])
    with pytest.raises(errors.InvalidArgumentError, match="overflow"):
        num_elements([2**32, 2**32])
    with pytest.raises(errors.InvalidArgumentError):
        num_elements(["x"])


def test_check_allocation_refuses_beyond_the_limit():
    with allocation_limit(1 << 20):
        assert check_allocation(1 << 18, 4) == 1 << 20
        with pytest.raises(errors.ResourceExhaustedError, match="OOM when allocating"):
            check_allocation((1 << 18) + 1, 4)
    with pytest.raises(errors.InvalidArgumentError):
        check_allocation(-1, 4)
    with pytest.raises(errors.ResourceExhaustedError):
        check_shape([10**6, 10**6], 4)          # 4 TB: beyond any machine's physical memory


def test_limits_nest_and_only_narrow():
    with allocation_limit(1000):
        with allocation_limit(10**9):
            assert max_allocation_bytes() == 1000
        with allocation_limit(10):
            assert max_allocation_bytes() == 10
        assert max_allocation_bytes() == 1000


def test_limit_is_per_thread():
    seen = []
    with allocation_limit(1000):
        t = threading.Thread(target=lambda: seen.append(max_allocation_bytes()))
        t.start()
        t.join()
    assert seen[0] > 1000


def test_environment_variable(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "4096")
    assert max_allocation_bytes() == 4096
    with pytest.raises(errors.ResourceExhaustedError):
        check_allocation(4097, 1)
    monkeypatch.setenv(ENV_VAR, "junk")
    assert max_allocation_bytes() > 4096
