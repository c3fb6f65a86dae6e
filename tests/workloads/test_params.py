"""The parameter checks of the bundled workloads and the rule for their errors (simuring/workloads/params.py)."""

from __future__ import annotations

import pytest

from simuring import ParamError
from simuring.workloads.params import check_call, check_non_negative, check_positive


def test_check_positive_names_the_first_bad_value():
    check_positive(a=1, b=10**9)
    for bad in (0, -3, 1.5, "4", True, None):
        with pytest.raises(ValueError, match=f"b must be a positive integer, got {bad!r}"):
            check_positive(a=1, b=bad)


def test_check_non_negative_says_the_unit():
    check_non_negative("nanoseconds", spin_ns=0)
    with pytest.raises(ValueError, match="spin_ns must be a whole number of nanoseconds >= 0, got -1"):
        check_non_negative("nanoseconds", spin_ns=-1)
    with pytest.raises(ValueError, match="got False"):
        check_non_negative("nanoseconds", spin_ns=False)


def test_check_call_passes_a_result_and_names_the_parameters_of_a_failure():
    assert check_call(0, "io_uring_queue_init", entries=8) == 0
    assert check_call(5, "read") == 5
    with pytest.raises(ParamError) as info:
        check_call(-22, "IPC channel create", ring_entries=100, msg_size=64)
    assert info.value.params == {"ring_entries": 100, "msg_size": 64}
    assert str(info.value) == "-p ring_entries=100 -p msg_size=64: IPC channel create failed: -EINVAL (Invalid argument)"
