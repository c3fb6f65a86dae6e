"""A test-only opcode whose completion arrives later, from a timer.

TEST_DELAY completes ``sqe.off`` ns after its issue from "interrupt context"
(no task): it waits for an event that no cancel lookup knows about.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from simuring.engine.plugins import default_registry, load_registry
from simuring.host.events import call_at
from simuring.kernel.opdef import ISSUE_SKIP_COMPLETE, OpDef
from simuring.kernel.request import complete_async
from simuring.liburing import io_uring_prep_rw, io_uring_sqe_set_data64

DELAY_OP = 200  # outside the kernel's opcode space


def _register_delay(registry):
    def issue(req, issue_flags):
        # completes ``sqe.off`` ns later from "interrupt context" (no task)
        call_at(req.ctx.kernel.env, req.worker.now() + req.off, lambda: complete_async(None, req, 0))
        return ISSUE_SKIP_COMPLETE

    registry.add_opcode(OpDef(DELAY_OP, issue=issue, name="TEST_DELAY"))


def delay_registry():
    """Built-in plug-ins plus TEST_DELAY."""
    names = {}
    for ep in entry_points(group="simuring.opcodes"):
        names[ep.name] = ep.load()
    names["zz_test_delay"] = _register_delay
    assert default_registry() is not None
    return load_registry(names)


def prep_delay(sqe, delay_ns, user_data):
    io_uring_prep_rw(DELAY_OP, sqe, -1, 0, 0, delay_ns)
    io_uring_sqe_set_data64(sqe, user_data)
