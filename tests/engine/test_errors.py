"""ParamError (simuring/engine/errors.py): its message, and that it survives being copied and pickled."""

from __future__ import annotations

import pickle

import pytest

from simuring import ParamError, Simulation
from simuring.syscalls import nanosleep


def test_the_message_reads_as_the_options_to_change():
    exc = ParamError({"ring_entries": 100, "msg_size": 64}, "IPC channel create", -22)
    assert str(exc) == "-p ring_entries=100 -p msg_size=64: IPC channel create failed: -EINVAL (Invalid argument)"
    assert exc.errno_name == "-EINVAL" and exc.result == -22 and exc.what == "IPC channel create"
    assert str(ParamError({"n": 1}, "x", -9999)) == "-p n=1: x failed: -E9999"


def test_a_copy_from_its_args_and_a_pickled_one_are_the_same_error():
    exc = ParamError({"entries": 3}, "io_uring_queue_init", -22)
    for twin in (type(exc)(*exc.args), pickle.loads(pickle.dumps(exc))):
        assert isinstance(twin, ParamError)
        assert (twin.params, twin.what, twin.result, str(twin)) == (exc.params, exc.what, exc.result, str(exc))


def test_raised_in_a_task_it_ends_the_run_as_a_param_error():
    def task():
        yield from nanosleep(10)
        raise ParamError({"entries": 3}, "io_uring_queue_init", -22)

    sim = Simulation()
    sim.spawn(task, name="t")
    with pytest.raises(ParamError, match="-p entries=3: io_uring_queue_init failed") as info:
        sim.run()
    original = info.value.__cause__
    assert isinstance(original, ParamError) and original is not info.value
    assert original.__notes__ == [f"(in simulated task 't', tid 1000, at t={sim.now} ns)"]
