"""Which CPU each receiver runs on (simuring/workloads/placement.py)."""

from __future__ import annotations

import pytest

from simuring.workloads.placement import receiver_cpus


def test_one_per_cpu_leaves_cpu_0_to_the_sender():
    assert receiver_cpus(32, 16, "one_per_cpu") == list(range(1, 17))
    with pytest.raises(ValueError, match="receivers must be below the host's 4 CPUs"):
        receiver_cpus(4, 4, "one_per_cpu")


def test_wrap_shares_the_other_cpus():
    assert receiver_cpus(3, 5, "wrap") == [1, 2, 1, 2, 1]
    assert receiver_cpus(1, 2, "wrap") == [0, 0]


def test_an_unknown_placement_is_named():
    with pytest.raises(ValueError, match="placement must be one of one_per_cpu, wrap, got 'spread'"):
        receiver_cpus(8, 1, "spread")
