"""<time.h>: nanosleep as C calls it, and simuring's int shorthand."""

from __future__ import annotations

import pytest

from simuring import Simulation
from simuring.abi.errno import EFAULT, EINVAL
from simuring.syscalls import Timespec, nanosleep


def _slept(call):
    sim = Simulation(seed=1)
    out = {}

    def body():
        t0 = sim.now
        out["ret"] = yield from call()
        out["ns"] = sim.now - t0

    sim.spawn(body)
    sim.run()
    return out["ret"], out["ns"]


def test_nanosleep_ports_line_by_line_from_c() -> None:
    """``nanosleep(&ts, NULL)`` is ``nanosleep(Timespec(sec, nsec), None)``: it sleeps that long."""
    ret, ns = _slept(lambda: nanosleep(Timespec(0, 250_000), None))
    assert ret == 0 and 250_000 <= ns < 300_000
    ret, ns = _slept(lambda: nanosleep(Timespec(1, 5), None))
    assert ret == 0 and 1_000_000_005 <= ns < 1_000_050_000


def test_nanosleep_int_nanoseconds_still_works() -> None:
    ret, ns = _slept(lambda: nanosleep(250_000))
    assert ret == 0 and 250_000 <= ns < 300_000
    assert _slept(lambda: nanosleep(-1))[0] == -EINVAL


@pytest.mark.parametrize("ts", [Timespec(-1, 0), Timespec(0, -1), Timespec(0, 1_000_000_000)])
def test_invalid_timespec_is_einval_without_sleeping(ts: Timespec) -> None:
    """nanosleep(2): tv_nsec outside [0, 999999999] or a negative tv_sec is -EINVAL."""
    ret, ns = _slept(lambda: nanosleep(ts, None))
    assert ret == -EINVAL and ns < 10_000


def test_null_timespec_is_efault_and_misuse_raises() -> None:
    assert _slept(lambda: nanosleep(None, None))[0] == -EFAULT
    with pytest.raises(TypeError):
        _slept(lambda: nanosleep(1.5))
    with pytest.raises(TypeError):
        _slept(lambda: nanosleep(Timespec(0, 1), 0))
