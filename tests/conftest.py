"""Shared helpers: build a simulation, spawn generator tasks, run it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from simuring import Simulation


class Runner:
    """``Runner().spawn(fn, ...)...run()`` with the default host and seed 1."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("seed", 1)
        self.sim = Simulation(**kwargs)

    def spawn(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self.sim.spawn(fn, *args, **kwargs)

    def run(self, **kwargs: Any) -> Any:
        return self.sim.run(**kwargs)


@pytest.fixture
def runner() -> Runner:
    return Runner()


# -- a test-only opcode whose completion arrives later, from a timer ----------------
DELAY_OP = 200  # outside the kernel's opcode space


def _register_delay(registry):
    from simuring.host.events import call_at
    from simuring.kernel.opdef import ISSUE_SKIP_COMPLETE, OpDef
    from simuring.kernel.request import complete_async

    def issue(req, issue_flags):
        # completes ``sqe.off`` ns later from "interrupt context" (no task)
        call_at(req.ctx.kernel.env, req.worker.now() + req.off, lambda: complete_async(None, req, 0))
        return ISSUE_SKIP_COMPLETE

    registry.add_opcode(OpDef(DELAY_OP, issue=issue, name="TEST_DELAY"))


def delay_registry():
    """Built-in plug-ins plus TEST_DELAY."""
    from simuring.engine.plugins import default_registry, load_registry

    names = {}
    from importlib.metadata import entry_points

    for ep in entry_points(group="simuring.opcodes"):
        names[ep.name] = ep.load()
    names["zz_test_delay"] = _register_delay
    assert default_registry() is not None
    return load_registry(names)


def prep_delay(sqe, delay_ns, user_data):
    from simuring.liburing import io_uring_prep_rw, io_uring_sqe_set_data64

    io_uring_prep_rw(DELAY_OP, sqe, -1, 0, 0, delay_ns)
    io_uring_sqe_set_data64(sqe, user_data)
