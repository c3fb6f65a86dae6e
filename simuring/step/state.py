"""What ``simuring step`` shows: a snapshot of a simulation between two events.

:func:`snapshot` reads the simulation (it changes nothing) into frozen value
classes, so that the terminal view, the text printout and the tests all read
the same model:

* per ring (:class:`RingView`): the ring's id and setup flags by name; the
  SQ's head, tail and mask and the SQEs between them (published by user
  space, not yet consumed by the kernel); the CQ's head, tail and mask and
  the CQEs between them (posted by the kernel, not yet seen by user space);
  the overflow list (CQEs waiting for room, IORING_FEAT_NODROP); the dropped
  counts; the ring's SQ flags (IORING_SQ_CQ_OVERFLOW, ...); the deferred task
  work of a DEFER_TASKRUN ring; the tasks waiting on its CQ;
* per task (:class:`TaskView`): name, tid, pid, state, CPU, its pending task
  work (``task_work_add``) and, when it owns DEFER_TASKRUN rings, their
  pending local work;
* the simulated time and the last kernel events in words (:mod:`.phrases`).

Heads and tails are the free-running 32-bit counters of the shared memory
(``struct io_rings``); an entry's slot is its counter ``& mask``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from simuring.abi import io_uring as uapi
from simuring.abi.errno import errname
from simuring.abi.io_uring import IORING_SETUP_NO_SQARRAY, opcode_name
from simuring.abi.limits import U32
from simuring.host.task import TaskState
from simuring.step.phrases import describe

if TYPE_CHECKING:
    from simuring.engine.sim import Simulation
    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx


def _names(prefix: str, exclude: Sequence[str] = ()) -> tuple[tuple[str, int], ...]:
    """(short name, bit) of the single-bit constants ``prefix*`` of the uapi (not the
    ``*_BIT`` numbers), the first name of a bit only, by bit."""
    seen: dict[int, str] = {}
    for name, value in vars(uapi).items():
        if not name.startswith(prefix) or name in exclude or name.endswith("_BIT") or not isinstance(value, int):
            continue
        if value <= 0 or value & (value - 1) or value in seen:
            continue
        seen[value] = name[len(prefix) :]
    return tuple(sorted(((n, v) for v, n in seen.items()), key=lambda nv: nv[1]))


SETUP_FLAGS = _names("IORING_SETUP_", exclude=("IORING_SETUP_FLAGS_ALL",))
SQ_FLAGS = _names("IORING_SQ_")
SQE_FLAGS = _names("IOSQE_", exclude=("IOSQE_FLAGS_ALL",))
CQE_FLAGS = (
    ("F_BUFFER", uapi.IORING_CQE_F_BUFFER),
    ("F_MORE", uapi.IORING_CQE_F_MORE),
    ("F_SOCK_NONEMPTY", uapi.IORING_CQE_F_SOCK_NONEMPTY),
    ("F_NOTIF", uapi.IORING_CQE_F_NOTIF),
    ("F_BUF_MORE", uapi.IORING_CQE_F_BUF_MORE),
    ("F_SKIP", uapi.IORING_CQE_F_SKIP),
    ("F_32", uapi.IORING_CQE_F_32),
)


def flag_names(flags: int, table: Sequence[tuple[str, int]]) -> tuple[str, ...]:
    """The names of the bits of ``flags`` in ``table``, then any unknown bits in hex."""
    names = [name for name, bit in table if flags & bit]
    rest = flags & ~sum(bit for _, bit in table)
    if rest:
        names.append(hex(rest))
    return tuple(names)


def cqe_flag_names(flags: int) -> tuple[str, ...]:
    """A CQE's flags: names of the low bits; with F_BUFFER the upper 16 bits are the buffer id."""
    names = flag_names(flags & 0xFFFF, CQE_FLAGS)
    if flags & uapi.IORING_CQE_F_BUFFER:
        names += (f"buf={flags >> uapi.IORING_CQE_BUFFER_SHIFT}",)
    elif flags >> 16:
        names += (hex(flags & ~0xFFFF),)
    return names


@attrs.frozen
class SqeView:
    """One SQE published in the SQ ring and not consumed yet."""

    pos: int  # its SQ ring counter (head <= pos < tail)
    index: int  # the SQE array slot the SQ ring entry points at (-1: out of range, dropped)
    opcode: str  # IORING_OP_* without the prefix
    user_data: int
    flags: tuple[str, ...]  # IOSQE_* without the prefix


@attrs.frozen
class CqeView:
    """One CQE: in the CQ ring between head and tail, or on the overflow list."""

    user_data: int
    res: str  # a count, or the errno's name when negative ("-EAGAIN")
    flags: tuple[str, ...]


@attrs.frozen
class WaiterView:
    """A task waiting in ``io_cqring_wait`` for this ring."""

    task: str
    tid: int
    target_tail: int  # woken when the CQ tail reaches it
    nr_wait: int  # DEFER_TASKRUN: local work items it waits for (ctx->cq_wait_nr)


@attrs.frozen
class RingView:
    """One io_uring instance: its shared rings and the kernel's lists."""

    id: int
    flags: tuple[str, ...]  # IORING_SETUP_* without the prefix
    owner: str  # the SINGLE_ISSUER submitter, else the creator
    dead: bool  # its last reference was closed
    sq_head: int
    sq_tail: int
    sq_mask: int
    sq_entries: int
    sqes: tuple[SqeView, ...]
    sq_flags: tuple[str, ...]  # IORING_SQ_* without the prefix (NEED_WAKEUP, CQ_OVERFLOW, TASKRUN)
    sq_dropped: int
    cq_head: int
    cq_tail: int
    cq_mask: int
    cq_entries: int
    cqes: tuple[CqeView, ...]
    overflow: tuple[CqeView, ...]
    cq_overflow: int  # CQEs dropped (the ring's cq_overflow counter; never moves with NODROP)
    overflowed: int  # CQEs that went through the overflow list so far
    posted: int  # CQEs written to the CQ ring so far
    local_work: int  # DEFER_TASKRUN: deferred completions queued on the ring
    inflight: int  # requests submitted and not completed
    waiters: tuple[WaiterView, ...]

    @property
    def defer_taskrun(self) -> bool:
        return "DEFER_TASKRUN" in self.flags


@attrs.frozen
class TaskView:
    """One task (user task or kernel thread)."""

    name: str
    tid: int
    pid: int
    kthread: bool
    state: str  # new, running, runnable, sleeping, dead
    in_kernel: bool
    cpu: int | None  # the CPU it occupies (running), else None
    task_work: int  # items queued by task_work_add, not run yet
    notify_signal: bool  # TIF_NOTIFY_SIGNAL: task work waits to run
    local_work: tuple[tuple[int, int], ...]  # (ring id, items) of the DEFER_TASKRUN rings it owns


@attrs.frozen
class EventLine:
    """One kernel event (a trace record) in words."""

    t: int
    text: str


@attrs.frozen
class Snapshot:
    """The whole view at one instant between two events."""

    now: int
    steps: int  # SimPy events processed so far by the stepper
    finished: bool
    rings: tuple[RingView, ...]
    tasks: tuple[TaskView, ...]
    events: tuple[EventLine, ...]  # the kernel events of the last move (at most a few), oldest first
    earlier: bool  # True: no kernel event in the last move; ``events`` holds the last one before it
    note: str  # what the last move did ("stopped at the next CQE", an error, ...)
    trace_dropped: int  # trace records the tracer's limit dropped

    def ring(self, ring_id: int) -> RingView:
        for ring in self.rings:
            if ring.id == ring_id:
                return ring
        raise KeyError(f"no ring {ring_id}")

    def task(self, name: str) -> TaskView:
        for task in self.tasks:
            if task.name == name:
                return task
        raise KeyError(f"no task {name!r}")


def _sqes(ctx: RingCtx) -> tuple[SqeView, ...]:
    rings = ctx.rings
    out = []
    for i in range(rings.sq_pending()):
        pos = (rings.sq_head + i) & U32
        slot = pos & rings.sq_mask
        idx = slot if ctx.flags & IORING_SETUP_NO_SQARRAY else rings.sq_array[slot]
        if not isinstance(idx, int) or not 0 <= idx < len(rings.sqes):
            out.append(SqeView(pos, -1, "?", 0, ()))
            continue
        sqe = rings.sqes[idx]
        out.append(SqeView(pos, idx, opcode_name(sqe.opcode), sqe.user_data, flag_names(sqe.flags, SQE_FLAGS)))
    return tuple(out)


def _cqes(ctx: RingCtx) -> tuple[CqeView, ...]:
    rings = ctx.rings
    out = []
    for i in range(rings.cq_ready()):
        cqe = rings.cqes[(rings.cq_head + i) & rings.cq_mask]
        out.append(CqeView(cqe.user_data, errname(cqe.res), cqe_flag_names(cqe.flags)))
    return tuple(out)


def ring_view(ctx: RingCtx) -> RingView:
    rings = ctx.rings
    owner = ctx.submitter_task or ctx.creator
    return RingView(
        id=ctx.id,
        flags=flag_names(ctx.flags, SETUP_FLAGS),
        owner=owner.name,
        dead=ctx.dead,
        sq_head=rings.sq_head,
        sq_tail=rings.sq_tail,
        sq_mask=rings.sq_mask,
        sq_entries=rings.sq_entries,
        sqes=_sqes(ctx),
        sq_flags=flag_names(rings.sq_flags, SQ_FLAGS),
        sq_dropped=rings.sq_dropped,
        cq_head=rings.cq_head,
        cq_tail=rings.cq_tail,
        cq_mask=rings.cq_mask,
        cq_entries=rings.cq_entries,
        cqes=_cqes(ctx),
        overflow=tuple(CqeView(ud, errname(res), cqe_flag_names(cflags)) for ud, res, cflags, _, _, _ in ctx.overflow),
        cq_overflow=rings.cq_overflow,
        overflowed=ctx.overflowed,
        posted=ctx.posted,
        local_work=len(ctx.local_work),
        inflight=len(ctx.inflight),
        waiters=tuple(WaiterView(w.task.name, w.task.tid, w.target_tail, w.nr_wait) for w in ctx.cq_waiters),
    )


def task_view(task: Task, rings: Sequence[RingCtx]) -> TaskView:
    local = tuple(
        (ctx.id, len(ctx.local_work))
        for ctx in rings
        if ctx.task_complete and not ctx.dead and (ctx.submitter_task or ctx.creator) is task
    )
    return TaskView(
        name=task.name,
        tid=task.tid,
        pid=task.process.pid,
        kthread=task.kthread,
        state=task.state.value,
        in_kernel=task.in_kernel and task.state is not TaskState.DEAD,
        cpu=task.cpu.index if task.cpu is not None else None,
        task_work=len(task.task_works),
        notify_signal=task.notify_signal,
        local_work=local,
    )


MAX_EVENTS = 4
"""Kernel events a snapshot keeps from the last move (the latest ones)."""


def is_kernel_event(event: dict[str, Any]) -> bool:
    """A tracepoint, not a counter sample (``counter_*``: the trace's counter tracks)."""
    return not str(event.get("event", "")).startswith("counter_")


def event_lines(events: Sequence[dict[str, Any]], since: int) -> tuple[tuple[EventLine, ...], bool]:
    """The kernel events recorded from index ``since`` on, in words, by time (the last
    :data:`MAX_EVENTS`); when there is none, the last one before (and True).

    Records are in recording order, which runs ahead of the clock within a
    CPU burst; the lines are sorted by time (stably)."""
    new = sorted((e for e in events[since:] if is_kernel_event(e)), key=lambda e: int(e.get("t", 0)))
    if new:
        return tuple(EventLine(int(e.get("t", 0)), describe(e)) for e in new[-MAX_EVENTS:]), False
    for last in reversed(events[:since] if since else events):
        if is_kernel_event(last):
            return (EventLine(int(last.get("t", 0)), describe(last)),), True
    return (), False


def snapshot(sim: Simulation, *, since: int | None = None, steps: int = 0, note: str = "") -> Snapshot:
    """Read ``sim`` into a :class:`Snapshot`; ``since``: the trace index the last move started at."""
    rings = sorted(sim.kernel.all_rings, key=lambda c: c.id)
    tracer = sim.tracer
    events, earlier = event_lines(tracer.events, len(tracer.events) if since is None else since)
    return Snapshot(
        now=sim.now,
        steps=steps,
        finished=sim.finished,
        rings=tuple(ring_view(ctx) for ctx in rings),
        tasks=tuple(task_view(t, rings) for t in sorted(sim.tasks, key=lambda t: t.tid)),
        events=events,
        earlier=earlier,
        note=note,
        trace_dropped=tracer.dropped,
    )
