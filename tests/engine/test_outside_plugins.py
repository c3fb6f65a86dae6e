"""A plug-in defined outside the package, in interpreted code: it works in both builds.

In the compiled build (docs/speed.md) the kernel, its objects and the READ/WRITE
plug-in are compiled.  A third-party plug-in is not: its file classes derive from
the compiled ``File``/``ObjFile``, its state from ``KernelExt``/``RingExt``, its
``issue`` may be a plain function or a generator, and the compiled generic path
calls all of them.  This file runs in CI on both builds.
"""

from __future__ import annotations

from collections.abc import Generator
from importlib.metadata import entry_points
from typing import Any

from simuring import Simulation
from simuring.abi.errno import EAGAIN
from simuring.abi.poll import POLLIN, POLLOUT
from simuring.engine.plugins import load_registry
from simuring.host.current import current_task
from simuring.kernel.ext import KernelExt, RingExt
from simuring.kernel.files import File, files_of
from simuring.kernel.objects.base import ObjFile, WaitQueue
from simuring.kernel.opdef import IO_URING_F_NONBLOCK, OpDef
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_prep_read,
    io_uring_prep_rw,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
    io_uring_wait_cqe,
)
from simuring.syscalls import read
from simuring.uapi import IOSQE_ASYNC

OP_PLAIN = 201
OP_BLOCKING = 202


class Counts(KernelExt):
    """Plug-in state per kernel (``kernel.ext(Counts)``)."""

    def __init__(self, kernel: Any) -> None:
        super().__init__(kernel)
        self.issued = 0


class RingCounts(RingExt):
    """Plug-in state per ring (``ctx.ext(RingCounts)``)."""

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.issued = 0


class Tagged(File):
    """A plain file of the plug-in's: class attributes override File's."""

    kind = "tagged"
    pollable = True

    def poll_mask(self) -> int:
        return POLLOUT


class Counter(ObjFile):
    """An object whose reads give ``b"ab"`` then end of file: the compiled READ calls ``read_nb``."""

    kind = "counter"
    wait_tail = True

    def __init__(self) -> None:
        super().__init__()
        self.left = 2

    def read_nb(self, task: Any, dst: memoryview, off: int = -1) -> int:
        n = min(self.left, len(dst))
        dst[:n] = b"ab"[:n]
        self.left -= n
        return n


def plain_issue(req: Any, issue_flags: int) -> int:
    req.ctx.kernel.ext(Counts).issued += 1
    req.ctx.ext(RingCounts).issued += 1
    file = files_of(req.task.process).get(req.fd)
    assert isinstance(file, Tagged)
    return 100 + int(file.pollable) + (10 if file.kind == "tagged" else 0)


def blocking_issue(req: Any, issue_flags: int) -> Generator[Any, Any, int]:
    """Inline it asks for io-wq; in the worker it lets 1 us pass, then answers 7."""
    if issue_flags & IO_URING_F_NONBLOCK:
        return -EAGAIN
    yield req.ctx.kernel.env.timeout(1000)
    req.ctx.kernel.ext(Counts).issued += 1
    return 7


def register(registry: Any) -> None:
    registry.add_opcode(OpDef(OP_PLAIN, issue=plain_issue, name="TEST_PLAIN", needs_file=True))
    registry.add_opcode(OpDef(OP_BLOCKING, issue=blocking_issue, name="TEST_BLOCKING"))


def registry_with_plugin() -> Any:
    plugins = {ep.name: ep.load() for ep in entry_points(group="simuring.opcodes")}
    plugins["zz_outside"] = register
    return load_registry(plugins)


def test_an_interpreted_plugin_works_through_the_generic_path() -> None:
    sim = Simulation(seed=1, registry=registry_with_plugin())
    out: dict[str, Any] = {}

    def body() -> Any:
        ring, cqe = Ring(), Cqe()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        files = files_of(current_task().process)
        tagged, counter = files.install(Tagged()), files.install(Counter())
        buf = bytearray(4)
        for user_data, prep in (
            (1, lambda s: io_uring_prep_rw(OP_PLAIN, s, tagged, 0, 0, 0)),
            (2, lambda s: io_uring_prep_rw(OP_BLOCKING, s, -1, 0, 0, 0)),
            (3, lambda s: io_uring_prep_read(s, counter, buf, 4, 0)),
        ):
            sqe = io_uring_get_sqe(ring)
            prep(sqe)
            io_uring_sqe_set_data64(sqe, user_data)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_rw(OP_BLOCKING, sqe, -1, 0, 0, 0)
        io_uring_sqe_set_flags(sqe, IOSQE_ASYNC)
        io_uring_sqe_set_data64(sqe, 4)
        assert (yield from io_uring_submit(ring)) == 4
        got = {}
        for _ in range(4):
            yield from io_uring_wait_cqe(ring, cqe)
            got[cqe[0].user_data] = cqe[0].res
            io_uring_cqe_seen(ring, cqe[0])
        out["cqes"] = got
        out["buf"] = bytes(buf)
        out["read_after"] = yield from read(counter, bytearray(4), 4)  # end of file: 0

    sim.spawn(body)
    sim.run()
    assert out["cqes"] == {1: 111, 2: 7, 3: 2, 4: 7}
    assert out["buf"] == b"ab\0\0"
    assert out["read_after"] == 0
    assert sim.kernel.ext(Counts).issued == 3
    rings = list(sim.kernel.all_rings)
    assert rings[0].ext(RingCounts).issued == 1


def test_file_class_attributes_of_an_outside_subclass_are_what_the_kernel_reads() -> None:
    """``pollable``/``kind``/``wait_tail`` are class variables: a subclass's own value holds,
    in compiled code too (a compiled class's plain class attribute would not be overridden)."""
    assert Tagged.pollable and Tagged().pollable and Tagged().kind == "tagged"
    assert Counter().wait_tail and Counter().kind == "counter" and not Counter().pollable
    assert File().poll_mask() != Tagged().poll_mask() == POLLOUT


class Pending(ObjFile):
    """Pollable (a class attribute): nothing to read until :meth:`fill`; then ``b"z"``."""

    kind = "pending"
    pollable = True

    def __init__(self) -> None:
        super().__init__()
        self.wq = WaitQueue()
        self.data = b""

    def poll_mask(self) -> int:
        return POLLIN if self.data else 0

    def poll_wq(self, events: int) -> WaitQueue | None:
        return self.wq

    def read_nb(self, task: Any, dst: memoryview, off: int = -1) -> int:
        if not self.data:
            return -EAGAIN
        n = len(self.data)
        dst[:n] = self.data
        self.data = b""
        return n

    def fill(self, by: Any) -> None:
        self.data = b"z"
        self.wq.wake(by, POLLIN)


def test_the_compiled_submission_path_polls_an_outside_pollable_file() -> None:
    """A READ that finds nothing on a file whose class says ``pollable = True`` arms a poll
    (no io-wq punt) and completes when the file wakes its queue."""
    sim = Simulation(seed=1)
    out: dict[str, Any] = {}

    def body() -> Any:
        ring, cqe = Ring(), Cqe()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        pending = Pending()
        fd = files_of(current_task().process).install(pending)
        buf = bytearray(2)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, fd, buf, 2, 0)
        io_uring_sqe_set_data64(sqe, 9)
        yield from io_uring_submit(ring)
        pending.fill(current_task())
        yield from io_uring_wait_cqe(ring, cqe)
        out["cqe"] = (cqe[0].user_data, cqe[0].res, bytes(buf))

    task = sim.spawn(body)
    sim.run()
    assert out["cqe"] == (9, 1, b"z\0")
    assert task.tid not in sim.kernel.iowqs or sim.kernel.iowqs[task.tid].punts == 0
