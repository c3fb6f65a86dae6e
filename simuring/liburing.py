"""liburing's API under its C names, for simulated workloads.

The functions follow liburing (src/queue.c, src/setup.c, src/include/liburing.h)
call for call, so that a C program ports line by line:

* functions that enter the kernel (setup, exit, submit, wait, enter,
  register) are generators: call them with ``yield from``;
* functions that only touch the shared rings (get_sqe, prep_*, set_data,
  peek, cqe_seen, cq_ready) are plain calls;
* results are C's: 0, a count, or a negative errno. Exceptions are only for
  misuse of the Python API (a wrong type where C would not compile).

One liberty is documented in docs/liburing.md: where liburing's
``io_uring_peek_cqe`` enters the kernel to flush overflowed CQEs or pending
task work (a GETEVENTS enter that never sleeps), simuring runs that kernel
entry synchronously and charges its CPU time to the task's next burst.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.argcheck import need_int
from simuring.errno import EAGAIN, ETIME
from simuring.kernel.current import current_sim, current_task
from simuring.kernel.enter import io_uring_enter as _kernel_enter
from simuring.kernel.register import io_uring_register as _kernel_register
from simuring.kernel.rings import U32, SharedRings
from simuring.kernel.setup import RingFile
from simuring.kernel.setup import io_uring_setup as _kernel_setup
from simuring.kernel.syscall import syscall
from simuring.sqe_fill import _need_buffer, io_uring_prep_rw
from simuring.uapi import (
    IORING_ENTER_EXT_ARG,
    IORING_ENTER_GETEVENTS,
    IORING_ENTER_SQ_WAKEUP,
    IORING_OP_ASYNC_CANCEL,
    IORING_OP_LINK_TIMEOUT,
    IORING_OP_MSG_RING,
    IORING_OP_NOP,
    IORING_OP_READ,
    IORING_OP_TIMEOUT,
    IORING_OP_WRITE,
    IORING_REGISTER_ENABLE_RINGS,
    IORING_REGISTER_FILES,
    IORING_SETUP_SQPOLL,
    IORING_SQ_CQ_OVERFLOW,
    IORING_SQ_NEED_WAKEUP,
    IORING_SQ_TASKRUN,
    IORING_UNREGISTER_FILES,
    Cqe,
    GeteventsArg,
    IoUringCqe,
    Params,
    Sqe,
    Timespec,
)

Gen = Generator[Any, Any, int]


class Ring:
    """``struct io_uring``: the application's view of one ring.

    ``ring_fd``, ``flags`` and ``features`` are as in C; ``sqe_head`` /
    ``sqe_tail`` are liburing's private SQ counters; ``rings`` is the shared
    mapping (kernel heads and tails, SQE and CQE arrays).
    """

    __slots__ = ("ring_fd", "flags", "features", "rings", "sqe_head", "sqe_tail", "_ctx")

    def __init__(self) -> None:
        self.ring_fd = -1
        self.flags = 0
        self.features = 0
        self.rings: SharedRings | None = None
        self.sqe_head = 0
        self.sqe_tail = 0
        self._ctx: Any = None

    def __repr__(self) -> str:
        if self.rings is None:
            return "<Ring (not initialised)>"
        return f"<Ring fd={self.ring_fd} sq={self.rings.sq_entries} cq={self.rings.cq_entries}>"

    def _mem(self) -> SharedRings:
        # hot callers write ``ring.rings or ring._mem()``: the call is made only to raise
        if self.rings is None:
            raise ValueError("ring is not initialised: call io_uring_queue_init(entries, ring, flags) first")
        return self.rings


def _need_ring(ring: Any) -> Ring:
    if not isinstance(ring, Ring):
        raise _not_a_ring(ring, "")
    return ring


def _not_a_ring(ring: Any, where: str) -> TypeError:
    """The error for a non-Ring passed as ``ring`` (hot helpers build it only on failure)."""
    prefix = f"{where}: " if where else ""
    return TypeError(f"{prefix}expected a Ring (struct io_uring), got {type(ring).__name__}")


# -- raw syscalls ---------------------------------------------------------------
def io_uring_setup(entries: int, p: Params) -> Gen:
    """io_uring_setup(2): returns a ring fd or -errno; fills ``p``."""
    if not isinstance(p, Params):
        raise TypeError("io_uring_setup(entries, p): p must be a Params")
    task = current_task()
    kernel = current_sim().kernel
    return (yield from syscall("io_uring_setup", _kernel_setup(kernel, task, entries, p), task))


def io_uring_enter(fd: int, to_submit: int, min_complete: int, flags: int, sig: Any = None) -> Gen:
    """io_uring_enter(2) without EXT_ARG (``sig`` is a signal mask, not modelled)."""
    need_int("io_uring_enter", fd=fd, to_submit=to_submit, min_complete=min_complete, flags=flags)
    task = current_task()
    return (yield from syscall("io_uring_enter", _kernel_enter(task, fd, to_submit, min_complete, flags, None), task))


def io_uring_enter2(fd: int, to_submit: int, min_complete: int, flags: int, arg: Any = None, sz: int = 0) -> Gen:
    """io_uring_enter(2) with ``arg`` (a GeteventsArg when IORING_ENTER_EXT_ARG is set)."""
    need_int("io_uring_enter2", fd=fd, to_submit=to_submit, min_complete=min_complete, flags=flags)
    task = current_task()
    return (yield from syscall("io_uring_enter", _kernel_enter(task, fd, to_submit, min_complete, flags, arg), task))


def io_uring_register(fd: int, opcode: int, arg: Any, nr_args: int) -> Gen:
    """io_uring_register(2)."""
    need_int("io_uring_register", fd=fd, opcode=opcode, nr_args=nr_args)
    task = current_task()
    return (yield from syscall("io_uring_register", _kernel_register(task, fd, opcode, arg, nr_args), task))


# -- setup and teardown -----------------------------------------------------------
def io_uring_queue_init(entries: int, ring: Ring, flags: int = 0) -> Gen:
    need_int("io_uring_queue_init", entries=entries, flags=flags)
    p = Params(flags=flags)
    return (yield from io_uring_queue_init_params(entries, ring, p))


def io_uring_queue_init_params(entries: int, ring: Ring, p: Params) -> Gen:
    """Create a ring and map it into ``ring``; 0 or -errno."""
    _need_ring(ring)
    need_int("io_uring_queue_init_params", entries=entries)
    fd = yield from io_uring_setup(entries, p)
    if fd < 0:
        return fd
    task = current_task()
    file = task.process.fds.get(fd)
    assert isinstance(file, RingFile)
    ctx = file.ctx
    ring.ring_fd = fd
    ring.flags = p.flags
    ring.features = p.features
    ring.rings = ctx.rings
    ring._ctx = ctx
    ring.sqe_head = ring.sqe_tail = ctx.rings.sq_tail
    array = ctx.rings.sq_array
    for i in range(len(array)):
        array[i] = i  # liburing maps SQ slot i to SQE i once, at init
    return 0


def io_uring_queue_exit(ring: Ring) -> Generator[Any, Any, None]:
    """Unmap and close the ring (the last close tears it down)."""
    _need_ring(ring)
    from simuring.syscalls import close

    yield from close(ring.ring_fd)
    ring.rings = None
    ring.ring_fd = -1


# -- SQEs ---------------------------------------------------------------------------
def io_uring_get_sqe(ring: Ring) -> Sqe | None:
    """Claim the next free SQE, or None when the SQ is full."""
    try:
        mem = ring.rings or ring._mem()
    except AttributeError:
        raise _not_a_ring(ring, "io_uring_get_sqe") from None
    nxt = (ring.sqe_tail + 1) & U32
    if ((nxt - mem.sq_head) & U32) > mem.sq_entries:
        return None
    sqe = mem.sqes[ring.sqe_tail & mem.sq_mask]
    ring.sqe_tail = nxt
    sqe.clear()
    current_task().burst_ns += ring._ctx.kernel.costs.uring.get_sqe_ns  # task.charge() inlined (hot path)
    return sqe


def io_uring_sqe_set_data64(sqe: Sqe, data: int) -> None:
    need_int("io_uring_sqe_set_data64", data=data)
    sqe.user_data = data & 0xFFFF_FFFF_FFFF_FFFF  # __u64


def io_uring_sqe_set_flags(sqe: Sqe, flags: int) -> None:
    need_int("io_uring_sqe_set_flags", flags=flags)
    sqe.flags = flags & 0xFF  # liburing stores (__u8) flags


def io_uring_cqe_get_data64(cqe: IoUringCqe) -> int:
    return cqe.user_data


def io_uring_prep_nop(sqe: Sqe) -> None:
    io_uring_prep_rw(IORING_OP_NOP, sqe, -1, 0, 0, 0)


def io_uring_prep_read(sqe: Sqe, fd: int, buf: Any, nbytes: int, offset: int) -> None:
    _need_buffer(buf, "io_uring_prep_read")
    io_uring_prep_rw(IORING_OP_READ, sqe, fd, buf, nbytes, offset)


def io_uring_prep_write(sqe: Sqe, fd: int, buf: Any, nbytes: int, offset: int) -> None:
    _need_buffer(buf, "io_uring_prep_write")
    io_uring_prep_rw(IORING_OP_WRITE, sqe, fd, buf, nbytes, offset)


def io_uring_prep_timeout(sqe: Sqe, ts: Timespec, count: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_TIMEOUT, sqe, -1, ts, 1, count)
    sqe.op_flags = flags


def io_uring_prep_link_timeout(sqe: Sqe, ts: Timespec, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_LINK_TIMEOUT, sqe, -1, ts, 1, 0)
    sqe.op_flags = flags


def io_uring_prep_cancel64(sqe: Sqe, user_data: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_ASYNC_CANCEL, sqe, -1, 0, 0, 0)
    sqe.addr = user_data
    sqe.op_flags = flags


def io_uring_prep_msg_ring(sqe: Sqe, fd: int, length: int, data: int, flags: int) -> None:
    io_uring_prep_rw(IORING_OP_MSG_RING, sqe, fd, 0, length, data)
    sqe.op_flags = flags


# -- submitting -----------------------------------------------------------------------
def _flush_sq(ring: Ring) -> int:
    """``__io_uring_flush_sq``: publish claimed SQEs; returns how many are pending."""
    try:
        mem = ring.rings or ring._mem()
    except AttributeError:
        raise _not_a_ring(ring, "submitting") from None
    tail = ring.sqe_tail
    if ring.sqe_head != tail:
        ring.sqe_head = tail
        mem.sq_tail = tail
        if ring.flags & IORING_SETUP_SQPOLL and ring._ctx.sqpoll is not None:
            ring._ctx.sqpoll.sq_tail_written(current_task())
    return (tail - mem.sq_head) & U32


def _sq_ring_needs_enter(ring: Ring, submit: int) -> tuple[bool, int]:
    if not submit:
        return False, 0
    if not ring.flags & IORING_SETUP_SQPOLL:
        return True, 0
    if ring._mem().sq_flags & IORING_SQ_NEED_WAKEUP:
        return True, IORING_ENTER_SQ_WAKEUP
    return False, 0


def _cq_ring_needs_flush(ring: Ring) -> bool:
    return bool((ring.rings or ring._mem()).sq_flags & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN))


def _submit_flags(ring: Ring, submitted: int, wait_nr: int, getevents: bool = False) -> int:
    """``__io_uring_submit``'s test: the io_uring_enter flags, or -1 when no entry is needed."""
    cq_needs_enter = getevents or wait_nr > 0 or _cq_ring_needs_flush(ring)
    needs, flags = _sq_ring_needs_enter(ring, submitted)
    if needs or cq_needs_enter:
        if cq_needs_enter:
            flags |= IORING_ENTER_GETEVENTS
        return flags
    return -1


def _submit(ring: Ring, submitted: int, wait_nr: int, getevents: bool = False) -> Gen | int:
    """``__io_uring_submit``: the io_uring_enter call to make, or the result without one.

    Returns the kernel entry as a generator for the caller to ``yield from``,
    or an int when no entry is needed (SQPOLL without NEED_WAKEUP, nothing
    to wait for); this keeps one generator frame off the hottest path.
    """
    flags = _submit_flags(ring, submitted, wait_nr, getevents)
    if flags < 0:
        return submitted
    # io_uring_enter(ring.ring_fd, submitted, wait_nr, flags, None) in place
    task = current_task()
    return syscall("io_uring_enter", _kernel_enter(task, ring.ring_fd, submitted, wait_nr, flags, None), task)


def io_uring_submit(ring: Ring) -> Gen:
    """Submit claimed SQEs; returns how many the kernel consumed (or -errno)."""
    entry = _submit(ring, _flush_sq(ring), 0)
    return entry if isinstance(entry, int) else (yield from entry)


def io_uring_submit_and_wait(ring: Ring, wait_nr: int) -> Gen:
    """Submit and wait for at least ``wait_nr`` completions in one enter."""
    if not isinstance(wait_nr, int):
        need_int("io_uring_submit_and_wait", wait_nr=wait_nr)
    entry = _submit(ring, _flush_sq(ring), wait_nr)
    return entry if isinstance(entry, int) else (yield from entry)


def io_uring_submit_and_get_events(ring: Ring) -> Gen:
    entry = _submit(ring, _flush_sq(ring), 0, True)
    return entry if isinstance(entry, int) else (yield from entry)


def io_uring_get_events(ring: Ring) -> Gen:
    """Enter with GETEVENTS only: run deferred task work and flush overflow."""
    _need_ring(ring)
    return (yield from io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, None))


# -- completions ------------------------------------------------------------------------
def _peek(ring: Ring) -> tuple[IoUringCqe | None, int]:
    try:
        mem = ring.rings or ring._mem()
    except AttributeError:
        raise _not_a_ring(ring, "waiting for or peeking at a CQE") from None
    available = (mem.cq_tail - mem.cq_head) & U32
    if not available:
        return None, 0
    return mem.cqes[mem.cq_head & mem.cq_mask], available


def _need_cqe_ptr(cqe_ptr: Any) -> Cqe:
    if not isinstance(cqe_ptr, Cqe):
        raise TypeError("pass a Cqe() container: its [0] is filled with the completion")
    return cqe_ptr


def _get_cqe(ring: Ring, cqe_ptr: Cqe, submit: int, wait_nr: int, arg: GeteventsArg | None = None) -> Gen:
    """``_io_uring_get_cqe``: peek, and enter the kernel only when needed."""
    err = 0
    looped = False
    cqe: IoUringCqe | None = None
    while True:
        need_enter = False
        flags = 0
        cqe, available = _peek(ring)
        if cqe is None and not wait_nr and not submit:
            if looped or not _cq_ring_needs_flush(ring):
                if not err:
                    err = -EAGAIN
                break
            need_enter = True
        if wait_nr > available or need_enter:
            flags = IORING_ENTER_GETEVENTS | (IORING_ENTER_EXT_ARG if arg is not None else 0)
            need_enter = True
        needs, sq_flags = _sq_ring_needs_enter(ring, submit)
        flags |= sq_flags
        if needs:
            need_enter = True
        if not need_enter:
            break
        if looped and arg is not None:
            if cqe is None and arg.ts is not None and not err:
                err = -ETIME
            break
        ret = yield from io_uring_enter2(ring.ring_fd, submit, wait_nr, flags, arg, 0)
        if ret < 0:
            if not err:
                err = ret
            break
        submit -= ret
        if cqe is not None:
            break
        if not looped:
            looped = True
            err = ret
    cqe_ptr[0] = cqe
    return err


def io_uring_wait_cqe_nr(ring: Ring, cqe_ptr: Cqe, wait_nr: int) -> Gen:
    _need_cqe_ptr(cqe_ptr)
    need_int("io_uring_wait_cqe_nr", wait_nr=wait_nr)
    return (yield from _get_cqe(ring, cqe_ptr, 0, wait_nr))


def io_uring_wait_cqe(ring: Ring, cqe_ptr: Cqe) -> Gen:
    """Wait for one completion; ``cqe_ptr[0]`` is set to it. 0 or -errno."""
    if not isinstance(cqe_ptr, Cqe):
        _need_cqe_ptr(cqe_ptr)  # raises
    try:
        mem = ring.rings or ring._mem()
    except AttributeError:
        raise _not_a_ring(ring, "io_uring_wait_cqe") from None
    if (mem.cq_tail - mem.cq_head) & U32:  # _peek() in place: once per completion
        cqe_ptr[0] = mem.cqes[mem.cq_head & mem.cq_mask]
        return 0
    return (yield from _get_cqe(ring, cqe_ptr, 0, 1))


def io_uring_wait_cqe_timeout(ring: Ring, cqe_ptr: Cqe, ts: Timespec | None) -> Gen:
    """Wait for one completion for at most ``ts``; -ETIME on expiry."""
    _need_cqe_ptr(cqe_ptr)
    if ts is None:
        return (yield from io_uring_wait_cqe(ring, cqe_ptr))
    arg = GeteventsArg(ts=ts)
    return (yield from _get_cqe(ring, cqe_ptr, 0, 1, arg))


def io_uring_wait_cqes(ring: Ring, cqe_ptr: Cqe, wait_nr: int, ts: Timespec | None, sigmask: Any = None) -> Gen:
    """Wait for ``wait_nr`` completions for at most ``ts`` (None: no limit); ``cqe_ptr[0]``
    is the first.  0, or -ETIME when the time ran out with nothing ready.  Submits
    nothing (the kernel has IORING_FEAT_EXT_ARG, so liburing passes ``ts`` directly);
    ``sigmask`` is not modelled."""
    _need_cqe_ptr(cqe_ptr)
    need_int("io_uring_wait_cqes", wait_nr=wait_nr)
    arg = GeteventsArg(ts=ts) if ts is not None else None
    return (yield from _get_cqe(ring, cqe_ptr, 0, wait_nr, arg))


def io_uring_submit_and_wait_timeout(ring: Ring, cqe_ptr: Cqe, wait_nr: int, ts: Timespec | None, sigmask: Any = None) -> Gen:
    """Submit what is queued and wait for ``wait_nr`` completions for at most ``ts``.

    As liburing's: the number of SQEs submitted, or -errno (-ETIME when the
    time ran out with no completion); ``cqe_ptr[0]`` is the first completion
    or None.  ``sigmask`` is not modelled.
    """
    _need_cqe_ptr(cqe_ptr)
    need_int("io_uring_submit_and_wait_timeout", wait_nr=wait_nr)
    arg = GeteventsArg(ts=ts) if ts is not None else None
    return (yield from _get_cqe(ring, cqe_ptr, _flush_sq(ring), wait_nr, arg))


def io_uring_peek_cqe(ring: Ring, cqe_ptr: Cqe) -> int:
    """Return 0 with ``cqe_ptr[0]`` set if a completion is ready, else -EAGAIN.

    Like liburing, when the kernel has overflowed CQEs or pending task work
    (IORING_SQ_CQ_OVERFLOW / IORING_SQ_TASKRUN) it enters the kernel with
    GETEVENTS to flush them; that entry never sleeps, so simuring runs it
    synchronously and charges it to the task's next burst.
    """
    _need_cqe_ptr(cqe_ptr)
    cqe, _ = _peek(ring)
    if cqe is None and _cq_ring_needs_flush(ring):
        _get_events_now(ring)
        cqe, _ = _peek(ring)
    cqe_ptr[0] = cqe
    return 0 if cqe is not None else -EAGAIN


def _get_events_now(ring: Ring) -> None:
    """liburing's ``io_uring_get_events`` from inside a plain peek: the GETEVENTS
    entry never sleeps, so it runs synchronously (its cost joins the next burst)."""
    task = current_task()
    body = _kernel_enter(task, ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, None)
    run_nonblocking(syscall("io_uring_enter", body, task, flush=False))


def run_nonblocking(gen: Generator[Any, Any, int]) -> int:
    """Drive a kernel entry that cannot sleep, without letting simulated time pass."""
    try:
        gen.send(None)
    except StopIteration as stop:
        return int(stop.value)
    raise RuntimeError("a kernel entry expected not to block tried to sleep")


def io_uring_peek_batch_cqe(ring: Ring, cqes: Cqe, count: int) -> int:
    """Fill ``cqes[0..n-1]`` with up to ``count`` ready completions; returns n.

    Like liburing, an empty CQ with overflowed CQEs or pending task work
    (IORING_SQ_CQ_OVERFLOW / IORING_SQ_TASKRUN) is flushed once with a
    GETEVENTS entry (run synchronously, as in :func:`io_uring_peek_cqe`) and
    looked at again.
    """
    need_int("io_uring_peek_batch_cqe", count=count)
    mem = _need_ring(ring)._mem()
    ready = (mem.cq_tail - mem.cq_head) & U32
    if not ready and _cq_ring_needs_flush(ring):
        _get_events_now(ring)
        ready = (mem.cq_tail - mem.cq_head) & U32
    n = min(ready, count, len(cqes))
    for i in range(n):
        cqes[i] = mem.cqes[(mem.cq_head + i) & mem.cq_mask]
    return n


def io_uring_cq_advance(ring: Ring, nr: int) -> None:
    if nr:
        mem = ring.rings or ring._mem()
        mem.cq_head = (mem.cq_head + nr) & U32
        # task.charge() inlined (hot path)
        current_task().burst_ns += ring._ctx.kernel.costs.uring.reap_cqe_ns * nr


def io_uring_cqe_seen(ring: Ring, cqe: IoUringCqe | None) -> None:
    """Mark one completion consumed (advances the CQ head)."""
    if cqe is not None:  # io_uring_cq_advance(ring, 1) in place: once per completion
        try:
            mem = ring.rings or ring._mem()
        except AttributeError:
            raise _not_a_ring(ring, "io_uring_cqe_seen") from None
        mem.cq_head = (mem.cq_head + 1) & U32
        current_task().burst_ns += ring._ctx.kernel.costs.uring.reap_cqe_ns  # task.charge() inlined


def io_uring_cq_ready(ring: Ring) -> int:
    return _need_ring(ring)._mem().cq_ready()


def io_uring_cq_has_overflow(ring: Ring) -> bool:
    return bool(_need_ring(ring)._mem().sq_flags & IORING_SQ_CQ_OVERFLOW)


def io_uring_sq_ready(ring: Ring) -> int:
    return (_need_ring(ring).sqe_tail - ring._mem().sq_head) & U32


def io_uring_sq_space_left(ring: Ring) -> int:
    return _need_ring(ring)._mem().sq_entries - io_uring_sq_ready(ring)


# -- registration helpers --------------------------------------------------------------
def io_uring_enable_rings(ring: Ring) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, None, 0))


def io_uring_register_files(ring: Ring, files: list[int], nr_files: int) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, list(files), nr_files))


def io_uring_unregister_files(ring: Ring) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_UNREGISTER_FILES, None, 0))


__all__ = [
    "Cqe",
    "Params",
    "Ring",
    "Sqe",
    "Timespec",
    "io_uring_cq_advance",
    "io_uring_cq_has_overflow",
    "io_uring_cq_ready",
    "io_uring_cqe_get_data64",
    "io_uring_cqe_seen",
    "io_uring_enable_rings",
    "io_uring_enter",
    "io_uring_enter2",
    "io_uring_get_events",
    "io_uring_get_sqe",
    "io_uring_peek_batch_cqe",
    "io_uring_peek_cqe",
    "io_uring_prep_cancel64",
    "io_uring_prep_link_timeout",
    "io_uring_prep_msg_ring",
    "io_uring_prep_cancel",
    "io_uring_prep_cancel_fd",
    "io_uring_prep_msg_ring_cqe_flags",
    "io_uring_prep_timeout_remove",
    "io_uring_prep_timeout_update",
    "io_uring_prep_nop",
    "io_uring_prep_read",
    "io_uring_prep_rw",
    "io_uring_prep_timeout",
    "io_uring_prep_write",
    "io_uring_queue_exit",
    "io_uring_queue_init",
    "io_uring_queue_init_params",
    "io_uring_register",
    "io_uring_register_files",
    "io_uring_setup",
    "io_uring_sq_ready",
    "io_uring_sq_space_left",
    "io_uring_sqe_set_data64",
    "io_uring_sqe_set_flags",
    "io_uring_submit",
    "io_uring_submit_and_get_events",
    "io_uring_submit_and_wait",
    "io_uring_unregister_files",
    "io_uring_wait_cqe",
    "io_uring_wait_cqe_nr",
    "io_uring_wait_cqe_timeout",
    "io_uring_wait_cqes",
    "io_uring_submit_and_wait_timeout",
]


# -- timeout, cancel and MSG_RING helpers (opcodes/timeout.py, cancel.py, msg_ring.py) ----
def io_uring_prep_timeout_remove(sqe: Sqe, user_data: int, flags: int) -> None:
    """Cancel the pending TIMEOUT whose user_data is ``user_data``."""
    from simuring.uapi import IORING_OP_TIMEOUT_REMOVE

    io_uring_prep_rw(IORING_OP_TIMEOUT_REMOVE, sqe, -1, 0, 0, 0)
    sqe.addr = user_data
    sqe.op_flags = flags


def io_uring_prep_timeout_update(sqe: Sqe, ts: Timespec, user_data: int, flags: int) -> None:
    """Re-arm the pending TIMEOUT ``user_data`` with ``ts`` (``flags`` may add
    IORING_TIMEOUT_ABS or IORING_LINK_TIMEOUT_UPDATE)."""
    from simuring.uapi import IORING_OP_TIMEOUT_REMOVE, IORING_TIMEOUT_UPDATE

    io_uring_prep_rw(IORING_OP_TIMEOUT_REMOVE, sqe, -1, 0, 0, 0)
    sqe.off = ts  # type: ignore[assignment]  # addr2 points to the timespec
    sqe.addr = user_data
    sqe.op_flags = flags | IORING_TIMEOUT_UPDATE


def io_uring_prep_cancel(sqe: Sqe, user_data: int, flags: int) -> None:
    """C takes a pointer as user_data; here it is the same as io_uring_prep_cancel64."""
    io_uring_prep_cancel64(sqe, user_data, flags)


def io_uring_prep_cancel_fd(sqe: Sqe, fd: int, flags: int) -> None:
    """Cancel requests on file ``fd`` (IORING_ASYNC_CANCEL_FD is added)."""
    from simuring.uapi import IORING_ASYNC_CANCEL_FD

    io_uring_prep_rw(IORING_OP_ASYNC_CANCEL, sqe, fd, 0, 0, 0)
    sqe.op_flags = flags | IORING_ASYNC_CANCEL_FD


def io_uring_prep_msg_ring_cqe_flags(sqe: Sqe, fd: int, length: int, data: int, flags: int, cqe_flags: int) -> None:
    """MSG_RING whose target CQE carries ``cqe_flags`` (IORING_MSG_RING_FLAGS_PASS)."""
    from simuring.uapi import IORING_MSG_RING_FLAGS_PASS

    io_uring_prep_rw(IORING_OP_MSG_RING, sqe, fd, 0, length, data)
    sqe.op_flags = IORING_MSG_RING_FLAGS_PASS | flags
    sqe.file_index = cqe_flags


# -- the IPC channel proposal (simuring/liburing_ipc.py) ------------------------------
from simuring.liburing_ipc import *  # noqa: E402,F401,F403

__all__ += [  # noqa: F405 - the names come from the star import above
    "io_uring_prep_ipc_send",
    "io_uring_prep_ipc_recv",
    "io_uring_register_ipc_channel_create",
    "io_uring_register_ipc_channel_attach",
    "io_uring_register_ipc_channel_detach",
    "io_uring_register_ipc_channel_destroy",
    "ipc_mmap",
    "IpcChannelCreate",
    "IpcChannelAttach",
    "PROT_READ",
    "PROT_WRITE",
    "PROT_NONE",
    "MAP_SHARED",
    "MAP_PRIVATE",
]


# -- READV/WRITEV and poll (opcodes/rw.py, opcodes/poll.py) -----------------------------
from simuring.uapi import (  # noqa: E402
    IORING_OP_POLL_ADD,
    IORING_OP_POLL_REMOVE,
    IORING_OP_READV,
    IORING_OP_WRITEV,
    IORING_POLL_ADD_MULTI,
)


def io_uring_prep_readv(sqe: Sqe, fd: int, iovecs: list[Any], nr_vecs: int, offset: int) -> None:
    """READV: ``iovecs`` is a list of buffers (the ``struct iovec`` array), ``nr_vecs`` of them."""
    if not isinstance(iovecs, (list, tuple)):
        raise TypeError("io_uring_prep_readv: iovecs must be a list of bytearray/memoryview buffers")
    for buf in iovecs:
        _need_buffer(buf, "io_uring_prep_readv")
    io_uring_prep_rw(IORING_OP_READV, sqe, fd, iovecs, nr_vecs, offset)


def io_uring_prep_writev(sqe: Sqe, fd: int, iovecs: list[Any], nr_vecs: int, offset: int) -> None:
    """WRITEV: ``iovecs`` is a list of buffers, ``nr_vecs`` of them."""
    if not isinstance(iovecs, (list, tuple)):
        raise TypeError("io_uring_prep_writev: iovecs must be a list of bytearray/memoryview buffers")
    for buf in iovecs:
        _need_buffer(buf, "io_uring_prep_writev")
    io_uring_prep_rw(IORING_OP_WRITEV, sqe, fd, iovecs, nr_vecs, offset)


def io_uring_prep_poll_add(sqe: Sqe, fd: int, poll_mask: int) -> None:
    """POLL_ADD, single shot: the CQE's res is the ready mask."""
    io_uring_prep_rw(IORING_OP_POLL_ADD, sqe, fd, 0, 0, 0)
    sqe.op_flags = poll_mask & 0xFFFF_FFFF  # poll32_events


def io_uring_prep_poll_multishot(sqe: Sqe, fd: int, poll_mask: int) -> None:
    """POLL_ADD with IORING_POLL_ADD_MULTI: a CQE with IORING_CQE_F_MORE per readiness."""
    io_uring_prep_poll_add(sqe, fd, poll_mask)
    sqe.len = IORING_POLL_ADD_MULTI


def io_uring_prep_poll_remove(sqe: Sqe, user_data: int) -> None:
    """POLL_REMOVE of the POLL_ADD whose user_data is ``user_data``."""
    io_uring_prep_rw(IORING_OP_POLL_REMOVE, sqe, -1, 0, 0, 0)
    sqe.addr = user_data


__all__ += [
    "io_uring_prep_poll_add",
    "io_uring_prep_poll_multishot",
    "io_uring_prep_poll_remove",
    "io_uring_prep_readv",
    "io_uring_prep_writev",
]
