"""Running one fuzz program and judging what it did: the harness ``h`` and the oracle.

A fuzz program (see :mod:`simuring.conform.fuzz_case`) is a generator
function ``workload(h)``; :func:`run_program` runs it as the only task of a
fresh ``Simulation`` and returns an :class:`Outcome`.  ``h`` is a
:class:`Harness`: it hands out SQEs (recording each one's ``user_data`` and,
just before the next kernel entry can see it, the fields the oracle needs),
reaps CQEs (recording every one), and runs the final phase (``h.finish()``:
push out what is left in the SQ, cancel everything with
IORING_ASYNC_CANCEL_ANY until nothing is found, flush, exit the rings).

The run is bounded three ways: in simulated time (``sim.run(until=...)``),
in events processed at one simulated instant (a livelock: the event loop
spins without the clock moving, :class:`Livelock`), and in wall-clock time
(:func:`simuring.conform.watchdog.watchdog`).  Memory is bounded too
(``RLIMIT_AS`` a little above what the process uses), so that a model that
allocates gigabytes fails fast with MemoryError instead of swapping.

The oracle (:func:`judge`): no Python exception; the workload finished; every
request the kernel consumed has exactly one final CQE (none for a
CQE_SKIP_SUCCESS request that succeeded, or for members of a chain whose
skip-success member failed; any number of IORING_CQE_F_MORE CQEs before
the final one for a multishot request; for SEND_ZC / SENDMSG_ZC, one
carrying F_MORE then the IORING_CQE_F_NOTIF notification, last); no CQE for a request the kernel
never consumed or with a user_data nobody used; the CQEs each ring posted
are the CQEs reaped (nothing stuck in, or lost through, the overflow list).
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from simuring import Simulation
from simuring.abi.limits import U64
from simuring.conform.fuzz_case import AUX_BASE, HARNESS_UD_BASE, UD_BASE
from simuring.conform.watchdog import ScenarioTimeout, watchdog
from simuring.errno import EAGAIN, EBUSY, EINTR, ETIME
from simuring.liburing import (
    Cqe,
    Ring,
    Sqe,
    Timespec,
    io_uring_cq_advance,
    io_uring_cq_has_overflow,
    io_uring_cq_ready,
    io_uring_cqe_seen,
    io_uring_get_events,
    io_uring_get_sqe,
    io_uring_peek_batch_cqe,
    io_uring_peek_cqe,
    io_uring_prep_cancel64,
    io_uring_queue_exit,
    io_uring_sq_ready,
    io_uring_sqe_set_data64,
    io_uring_submit,
    io_uring_wait_cqe_timeout,
    io_uring_wait_cqes,
)
from simuring.syscalls import nanosleep
from simuring.uapi import (
    IORING_ASYNC_CANCEL_ANY,
    IORING_CQE_F_MORE,
    IORING_CQE_F_NOTIF,
    IORING_MSG_DATA,
    IORING_MSG_RING_CQE_SKIP,
    IORING_OP_MSG_RING,
    IORING_OP_POLL_ADD,
    IORING_OP_POLL_REMOVE,
    IORING_OP_SEND_ZC,
    IORING_OP_SENDMSG_ZC,
    IORING_OP_TIMEOUT,
    IORING_POLL_ADD_MULTI,
    IORING_POLL_UPDATE_USER_DATA,
    IORING_SETUP_IOPOLL,
    IORING_SETUP_R_DISABLED,
    IORING_SETUP_SQPOLL,
    IORING_TIMEOUT_MULTISHOT,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_IO_DRAIN,
    IOSQE_IO_HARDLINK,
    IOSQE_IO_LINK,
    opcode_name,
)

Gen = Generator[Any, Any, Any]
MS = 1_000_000
LINKS = IOSQE_IO_LINK | IOSQE_IO_HARDLINK

#: Events processed at one simulated instant before the run counts as a livelock.
SAME_INSTANT_LIMIT = 100_000
#: Wall-clock seconds one run may take.
WALL_LIMIT_S = 2.0
#: Address space a run may add to the process (bytes) before MemoryError.
MEMORY_LIMIT = 1 << 30


def is_harness(user_data: int) -> bool:
    """A request of the harness itself (the final cancels)."""
    return HARNESS_UD_BASE <= user_data < HARNESS_UD_BASE + (1 << 16)


LOOP_IN_EVENT = "livelock inside one event (wall-clock limit)"


class Livelock(Exception):
    """The event loop kept processing events without the simulated clock moving."""


@dataclass
class SqeInfo:
    """What the oracle needs of one SQE, read just before the kernel could see it."""

    opcode: int
    flags: int
    len: int
    off: int
    addr: Any
    op_flags: int
    harness: bool = False
    new_submit: bool = False  # the SQ was empty when it was acquired: a later io_submit_sqes than the SQEs before it

    def may_multishot(self) -> bool:
        if self.opcode == IORING_OP_POLL_ADD:
            return isinstance(self.len, int) and bool(self.len & IORING_POLL_ADD_MULTI)
        if self.opcode == IORING_OP_TIMEOUT:
            return isinstance(self.op_flags, int) and bool(self.op_flags & IORING_TIMEOUT_MULTISHOT)
        return False

    def zero_copy(self) -> bool:
        """SEND_ZC / SENDMSG_ZC: the request's CQE may carry IORING_CQE_F_MORE, promising the
        notification (IORING_CQE_F_NOTIF) that ends it."""
        return self.opcode in (IORING_OP_SEND_ZC, IORING_OP_SENDMSG_ZC)

    def name(self) -> str:
        return opcode_name(self.opcode) if isinstance(self.opcode, int) else repr(self.opcode)


class Harness:
    """``h`` in a fuzz program: SQEs with known user_data, CQE reaping, and the final phase."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.rings: list[tuple[str, Ring]] = []  # in creation order: ("ring", main), ("peer", other)
        self.cqes: list[tuple[str, int, int, int]] = []  # (ring tag, user_data, res, flags) as reaped
        self.acquired: list[int] = []  # user_data of SQEs placed in the main ring's SQ, in order
        self.detached: list[int] = []  # user_data given an SQE outside the ring (SQ would not drain)
        self.info: dict[int, SqeInfo] = {}
        self.pending: tuple[int, Sqe, bool] | None = None
        self.finish_from = -1  # index in cqes where the final phase began
        self.cancel_from = -1  # index in cqes where the final cancels began
        self.cancel_results: list[int] = []
        self.end: dict[str, Any] = {}
        self.notes: list[tuple[str, str]] = []  # (problem class, detail) seen during the run
        self.done = False  # h.finish() ran to its end
        self.returned = False  # the workload returned
        self.checked = False  # the final phase ran with cancels: the accounting applies
        self.end_ns = -1
        self.posted_before_exit: list[int] | None = None  # CQEs each ring posted before io_uring_queue_exit
        self._cqe = Cqe()
        self._n_harness = 0

    # -- rings ----------------------------------------------------------------------------
    def track(self, ring: Ring) -> None:
        """Register a ring whose CQEs the harness reaps and counts (the first one is the main ring)."""
        self.rings.append(("ring" if not self.rings else "peer", ring))

    @property
    def main(self) -> Ring | None:
        return self.rings[0][1] if self.rings else None

    def tag(self, ring: Ring) -> str:
        for t, r in self.rings:
            if r is ring:
                return t
        return "?"

    # -- SQEs -----------------------------------------------------------------------------
    def _snap(self) -> None:
        """Record the SQE handed out last (its prep lines have run by now)."""
        if self.pending is None:
            return
        ud, sqe, new_submit = self.pending
        self.pending = None
        self.info[ud] = SqeInfo(sqe.opcode, sqe.flags, sqe.len, sqe.off, sqe.addr, sqe.op_flags, is_harness(ud), new_submit)

    def get_sqe(self, ring: Ring, user_data: int) -> Gen:
        """``io_uring_get_sqe``, submitting first while the SQ is full; the SQE carries ``user_data``.

        If the SQ never drains (the ring refuses submissions), the SQE returned is
        a detached one the kernel never sees, so the program can go on.
        """
        self._snap()
        new_submit = io_uring_sq_ready(ring) == 0  # the kernel consumed every SQE before this one
        sqe = io_uring_get_sqe(ring)
        tries = 0
        while sqe is None:
            ret = yield from io_uring_submit(ring)
            if ret < 0 and ret not in (-EAGAIN, -EBUSY, -EINTR):
                break  # e.g. -EBADFD: the ring is disabled, nothing will drain the SQ
            sqe = io_uring_get_sqe(ring)
            if sqe is not None:
                break
            tries += 1
            if tries > 40:
                if ring.flags & IORING_SETUP_SQPOLL and not ring.flags & IORING_SETUP_R_DISABLED:
                    self.notes.append(("SQ never drained", f"SQPOLL ring, SQ still full after {tries} submits 50 us apart"))
                break
            yield from nanosleep(50_000)  # an SQPOLL thread consumes the SQ in its own time
            sqe = io_uring_get_sqe(ring)
        if sqe is None:
            sqe = Sqe()
            self.detached.append(user_data)
        elif ring is self.main:
            self.acquired.append(user_data)
        io_uring_sqe_set_data64(sqe, user_data)
        self.pending = (user_data, sqe, new_submit)
        return sqe

    # -- reaping --------------------------------------------------------------------------
    def _record(self, ring: Ring, c: Any) -> None:
        self.cqes.append((self.tag(ring), c.user_data, c.res, c.flags))

    def peek(self, ring: Ring, limit: int = 1 << 30) -> int:
        """Reap up to ``limit`` ready CQEs with io_uring_peek_cqe (may flush, never sleeps)."""
        self._snap()
        n = 0
        while n < limit and io_uring_peek_cqe(ring, self._cqe) == 0:
            c = self._cqe[0]
            self._record(ring, c)
            io_uring_cqe_seen(ring, c)
            n += 1
        return n

    def peek_batch(self, ring: Ring, count: int) -> int:
        """Reap up to ``count`` ready CQEs with io_uring_peek_batch_cqe + io_uring_cq_advance."""
        self._snap()
        cqes = Cqe(count)
        n = io_uring_peek_batch_cqe(ring, cqes, count)
        for i in range(n):
            self._record(ring, cqes[i])
        io_uring_cq_advance(ring, n)
        return n

    def reap(self, ring: Ring, wait_ns: int, limit: int = 1 << 30) -> Gen:
        """Reap CQEs for at most ``wait_ns`` of simulated time (io_uring_wait_cqe_timeout), up to ``limit``."""
        self._snap()
        deadline = self.sim.now + wait_ns
        n = 0
        while True:
            n += self.peek(ring, limit - n)
            left = deadline - self.sim.now
            if n >= limit or left <= 0:
                return n
            ret = yield from io_uring_wait_cqe_timeout(ring, self._cqe, Timespec(left // 10**9, left % 10**9))
            if ret == -ETIME and ring.flags & IORING_SETUP_IOPOLL and io_uring_cq_ready(ring) == 0:
                # an IOPOLL ring's GETEVENTS polls and returns at once, so liburing's timed wait
                # gives -ETIME without waiting: poll again a little later, as a program would
                yield from nanosleep(min(left, 100_000))
                continue
            if ret < 0 and io_uring_cq_ready(ring) == 0:
                return n

    def wait_nr(self, ring: Ring, wait_nr: int, wait_ns: int) -> Gen:
        """io_uring_wait_cqes for ``wait_nr`` CQEs (at most ``wait_ns``), then reap what is ready."""
        self._snap()
        yield from io_uring_wait_cqes(ring, self._cqe, wait_nr, Timespec(0, wait_ns))
        return self.peek(ring)

    # -- the end --------------------------------------------------------------------------
    def finish(self, cancel: bool = True) -> Gen:
        """Submit what is left, cancel everything (ASYNC_CANCEL with CANCEL_ANY, until
        nothing is found), flush, record the end state and exit the rings."""
        self._snap()
        ring = self.main
        if ring is not None and cancel:
            self.finish_from = len(self.cqes)
            for _ in range(8):  # push out the SQEs still in the SQ
                if io_uring_sq_ready(ring) == 0:
                    break
                ret = yield from io_uring_submit(ring)
                if ret < 0 and ret not in (-EAGAIN, -EBUSY, -EINTR):
                    break
                if ret <= 0 or ring.flags & IORING_SETUP_SQPOLL:
                    yield from nanosleep(100_000)
            yield from self.reap(ring, 2 * MS)
            self.cancel_from = len(self.cqes)
            for _ in range(6):
                ud = HARNESS_UD_BASE + self._n_harness
                self._n_harness += 1
                sqe = yield from self.get_sqe(ring, ud)
                io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY)
                io_uring_sqe_set_data64(sqe, ud)
                self._snap()
                before = len(self.cqes)
                yield from io_uring_submit(ring)
                yield from self.reap(ring, 5 * MS)
                new = self.cqes[before:]
                mine = [c for c in new if c[0] == "ring" and c[1] == ud]
                if mine:
                    self.cancel_results.append(mine[-1][2])
                others = [c for c in new if not (c[0] == "ring" and c[1] == ud)]
                if not new or (mine and mine[-1][2] <= 0 and not others):  # 0: CANCEL_ANY found nothing
                    break
            self.checked = True
        for tag, r in self.rings:
            yield from io_uring_get_events(r)
            self.peek(r)
            self.end[tag] = {
                "sq_ready": io_uring_sq_ready(r),
                "cq_ready": io_uring_cq_ready(r),
                "overflow": io_uring_cq_has_overflow(r),
            }
        self.end_ns = self.sim.now
        # what each ring had posted while the program could still reap it: the
        # teardown of io_uring_queue_exit cancels what is left (io_ring_exit_work),
        # and those CQEs go to a ring nobody reads, on the kernel too
        self.posted_before_exit = [ctx.posted for ctx in sorted(self.sim.kernel.all_rings, key=lambda c: c.id)]
        for _, r in reversed(self.rings):
            yield from io_uring_queue_exit(r)
        self.done = True


# -- running one program ----------------------------------------------------------------------
_COSTS: list[Any] = []


def _costs() -> Any:
    """The default host's cost model, loaded once (a Simulation accepts it in place of a name)."""
    if not _COSTS:
        _COSTS.append(Simulation(seed=0).costs)
    return _COSTS[0]


def _guard_steps(env: Any, limit: int) -> None:
    """Make ``env.step`` raise :class:`Livelock` after ``limit`` events at one instant."""
    inner = env.step
    state = [-1, 0]

    def step() -> None:
        inner()
        now = env.now
        if now == state[0]:
            state[1] += 1
            if state[1] > limit:
                raise Livelock(f"{limit} events at t={now} ns without the clock moving; {_where(env)}")
        else:
            state[0] = now
            state[1] = 0

    setattr(env, "step", step)  # noqa: B010 - an instance attribute shadows the method


def _where(env: Any) -> str:
    """Where the processes scheduled next are suspended (for a livelock report)."""
    spots: list[str] = []
    try:
        for _, _, _, event in sorted(env._queue)[:6]:
            for cb in event.callbacks or ():
                owner = getattr(cb, "__self__", None)
                gen = getattr(owner, "_generator", None)
                while gen is not None and getattr(gen, "gi_yieldfrom", None) is not None and hasattr(gen.gi_yieldfrom, "gi_frame"):
                    gen = gen.gi_yieldfrom
                frame = getattr(gen, "gi_frame", None)
                if frame is not None:
                    spots.append(f"{_short(frame.f_code.co_filename)}:{frame.f_lineno} in {frame.f_code.co_name}")
                else:
                    spots.append(getattr(cb, "__qualname__", type(cb).__name__))
    except Exception:  # diagnostics only
        pass
    uniq = list(dict.fromkeys(spots))
    return "next events: " + ", ".join(uniq[:4]) if uniq else "next events unknown"


@contextmanager
def memory_guard(extra: int = MEMORY_LIMIT) -> Iterator[None]:
    """Limit the address space to what the process uses now plus ``extra`` bytes."""
    try:
        import resource

        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * resource.getpagesize()
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        new = used + extra
        if hard != resource.RLIM_INFINITY:
            new = min(new, hard)
        if soft != resource.RLIM_INFINITY and soft < new:
            new = soft
        resource.setrlimit(resource.RLIMIT_AS, (new, hard))
    except (ImportError, OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class StackSampler:
    """Stack samples of the running thread, every ``interval`` s once ``start`` s have passed.

    A livelock inside one event (a loop in the simulator that never returns to
    the event loop) only shows as a wall-clock timeout; the frame that every
    sample has in common, deepest first, is where it loops.  A helper thread
    takes the samples (``sys._current_frames``), so no signal is involved and
    it works in worker processes too.
    """

    def __init__(self, start: float, interval: float = 0.1, keep: int = 12) -> None:
        self.start = start
        self.interval = interval
        self.keep = keep
        self.samples: list[list[tuple[str, str, int]]] = []
        self._stop = threading.Event()
        self._ident = 0

    def _run(self) -> None:
        if self._stop.wait(self.start):
            return
        while len(self.samples) < self.keep and not self._stop.wait(self.interval):
            frame = sys._current_frames().get(self._ident)
            if frame is not None:
                self.samples.append([(f.filename, f.name, f.lineno or 0) for f in traceback.extract_stack(frame)])

    def __enter__(self) -> StackSampler:
        self._ident = threading.get_ident()
        threading.Thread(target=self._run, name="fuzz-stack-sampler", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()

    def loop_frame(self) -> str:
        """``file in function`` of the deepest simulator frame common to every sample ('' if unknown)."""
        stacks = [[f for f in st if _in_model(f[0])] for st in self.samples]
        stacks = [st for st in stacks if st]
        if len(stacks) < 2:
            return ""
        common = ""
        for level in zip(*stacks, strict=False):
            names = {(f[0], f[1]) for f in level}
            if len(names) != 1:
                break
            f = level[0]
            common = f"{_short(f[0])} in {f[1]}"
        return common


def _in_model(filename: str) -> bool:
    """A frame of the simulator itself (not the fuzzer, not SimPy, not the generated program)."""
    path = filename.replace("\\", "/")
    return ("/simuring/" in path or "/opcodes/" in path) and "/conform/" not in path


@dataclass
class ErrorInfo:
    """A Python exception out of the simulator, reduced to what identifies it."""

    type: str
    message: str
    frame: str  # innermost frame: file:line in function
    key: str  # the failure class
    trace: str = ""

    def __str__(self) -> str:
        return f"{self.type}: {self.message} (at {self.frame})"


@dataclass
class Problem:
    key: str  # the failure class
    detail: str

    def __str__(self) -> str:
        return f"{self.key}: {self.detail}"


@dataclass
class Outcome:
    """What one run of a fuzz program did, and what the oracle says about it."""

    seed: int
    error: ErrorInfo | None = None
    done: bool = False
    cqes: list[tuple[str, int, int, int]] = field(default_factory=list)
    end_ns: int = -1
    posted: list[int] = field(default_factory=list)
    overflowed: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def keys(self) -> list[str]:
        return list(dict.fromkeys(p.key for p in self.problems))

    def fingerprint(self) -> tuple[Any, ...]:
        """What must be the same when the same program runs again with the same seed."""
        return (self.error.key if self.error else None, tuple(self.cqes), self.end_ns, tuple(self.posted), self.done)

    def summary(self) -> str:
        lines = [f"seed {self.seed}: {'ok' if self.ok else 'FAILED'}; {len(self.cqes)} CQEs reaped, "
                 f"posted {self.posted}, overflowed {self.overflowed}, finished at t={self.end_ns} ns"]  # fmt: skip
        lines += [f"  {p}" for p in self.problems]
        if self.error is not None and self.error.trace:
            lines.append(self.error.trace.rstrip())
        return "\n".join(lines)


def _suspended_at(gen: Any) -> str:
    """Where a generator task is suspended: the innermost frames of its ``yield from`` chain."""
    names = []
    while gen is not None and getattr(gen, "gi_frame", None) is not None:
        f = gen.gi_frame
        names.append(f"{f.f_code.co_name} ({_short(f.f_code.co_filename)}:{f.f_lineno})")
        gen = getattr(gen, "gi_yieldfrom", None)
    return " > ".join(names[-4:])


def _short(path: str) -> str:
    parts = path.replace("\\", "/").split("/")
    for anchor in ("simuring", "opcodes", "simpy"):
        if anchor in parts:
            i = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[i:])
    return "/".join(parts[-2:])


def describe(exc: BaseException, loop: str = "") -> ErrorInfo:
    """The failure class of an exception: its type and innermost frame (the original one, when
    SimPy re-raised a task's exception as a copy)."""
    origin: BaseException = exc
    while isinstance(origin.__cause__, BaseException) and type(origin.__cause__) is type(origin):
        origin = origin.__cause__
    if isinstance(exc.__cause__, BaseException) and origin is exc:
        origin = exc.__cause__
    if isinstance(origin, Livelock):
        return ErrorInfo("Livelock", str(origin), "", "livelock (no simulated time passes)", "")
    if isinstance(origin, ScenarioTimeout):
        # one class: where the samples meet varies with where they fell in the loop
        return ErrorInfo("ScenarioTimeout", f"{origin}; looping in {loop or '?'}", loop, LOOP_IN_EVENT, "")
    frames = traceback.extract_tb(origin.__traceback__)
    inner = frames[-1] if frames else None
    frame = f"{_short(inner.filename)}:{inner.lineno} in {inner.name}" if inner else "?"
    where = f"{_short(inner.filename)} in {inner.name}" if inner else "?"
    message = str(origin)
    if len(message) > 300:
        message = message[:300] + "..."
    trace = "".join(traceback.format_exception(type(origin), origin, origin.__traceback__, limit=-6))
    return ErrorInfo(type(origin).__name__, message, frame, f"{type(origin).__name__} in {where}", trace)


def run_program(
    workload: Callable[[Harness], Gen],
    seed: int,
    limit_ns: int = 1_000_000_000,
    wall_s: float = WALL_LIMIT_S,
    same_instant: int = SAME_INSTANT_LIMIT,
) -> Outcome:
    """Run ``workload(h)`` in ``Simulation(seed=seed)`` with all the bounds, and judge it."""
    out = Outcome(seed)
    sim = Simulation(host=_costs(), seed=seed)
    h = Harness(sim)

    def task(h: Harness) -> Gen:
        yield from workload(h)
        h.returned = True

    gen = task(h)
    sim.spawn(lambda: gen, name="fuzz", cpu=0)
    _guard_steps(sim.env, same_instant)
    result = None
    sampler = StackSampler(wall_s / 4, wall_s / 100, keep=80)
    try:
        with watchdog(wall_s), sampler, memory_guard():
            result = sim.run(until=limit_ns)
    except Exception as exc:  # the fuzzer never crashes on a simulator failure
        out.error = describe(exc, sampler.loop_frame())
    if not h.returned:
        out.stats["stuck_at"] = _suspended_at(gen)
    out.done = h.returned
    out.cqes = h.cqes
    out.end_ns = h.end_ns
    if result is not None:
        out.posted = h.posted_before_exit if h.posted_before_exit is not None else [int(r["cqes_posted"]) for r in result.rings]
        out.overflowed = [int(r["cqes_overflowed"]) for r in result.rings]
    judge(h, out, limit_ns)
    return out


# -- the oracle -------------------------------------------------------------------------------
def judge(h: Harness, out: Outcome, limit_ns: int) -> None:
    """Fill ``out.problems`` (empty: the run is correct as far as the oracle can tell)."""
    p = out.problems
    stats = out.stats
    stats["rings"] = len(h.rings)
    stats["sqes"] = len(h.acquired)
    stats["overflow"] = bool(out.overflowed and out.overflowed[0])
    if h.rings:
        stats["sqpoll"] = bool(h.rings[0][1].flags & IORING_SETUP_SQPOLL)
    if out.error is not None:
        p.append(Problem(out.error.key, str(out.error)))
        return
    p.extend(Problem(k, d) for k, d in h.notes)
    if not h.returned:
        mode = " on an SQPOLL ring" if stats.get("sqpoll") else ""
        p.append(Problem(f"workload did not finish by the simulated-time bound{mode}",
                         f"still running at t={limit_ns} ns, in {stats.get('stuck_at', '?')}"))  # fmt: skip
        return
    if not h.checked or not h.rings:
        return
    stats["cancelled"] = sum(r for r in h.cancel_results if r > 0)
    # (d) what each ring posted is what was reaped, and the overflow list is empty
    for i, (tag, _ring) in enumerate(h.rings):
        reaped = sum(1 for c in h.cqes if c[0] == tag)
        if i < len(out.posted) and out.posted[i] != reaped:
            p.append(Problem("CQE lost (posted != reaped)", f"{tag}: {out.posted[i]} posted, {reaped} reaped"))
        end = h.end.get(tag, {})
        if end.get("overflow"):
            p.append(Problem("overflow list not flushed", f"{tag}: IORING_SQ_CQ_OVERFLOW still set after the final flush"))
    # (c) one final CQE per consumed request
    consumed = h.acquired[: len(h.acquired) - h.end.get("ring", {}).get("sq_ready", 0)]
    consumed_set = set(consumed)
    aux = {
        info.off & U64
        for info in h.info.values()
        if info.opcode == IORING_OP_MSG_RING and info.addr in (0, IORING_MSG_DATA) and isinstance(info.off, int)
    }
    aux |= _new_poll_user_data(h)
    by_ud: dict[int, list[tuple[int, int]]] = {}
    for tag, ud, res, flags in h.cqes:
        if tag == "ring" and ud in h.info:
            by_ud.setdefault(ud, []).append((res, flags))
        elif ud in aux or AUX_BASE <= ud < AUX_BASE + (1 << 20):
            continue
        elif tag == "ring" and UD_BASE <= ud < AUX_BASE:
            p.append(Problem("CQE with an unknown user_data", f"{tag}: user_data={ud:#x} res={res}"))
        else:
            p.append(Problem("CQE with an unknown user_data", f"{tag}: user_data={ud:#x} res={res} flags={flags:#x}"))
    missing: list[int] = []
    no_final: set[int] = set()
    renamed = _renamed_polls(h, by_ud)
    for pos, ud in enumerate(consumed):
        info = h.info.get(ud)
        if info is None:
            continue
        got = by_ud.get(ud, [])
        if info.zero_copy():
            got = _without_notif(p, info, ud, got)
        finals = [c for c in got if not c[1] & IORING_CQE_F_MORE]
        mores = [i for i, c in enumerate(got) if c[1] & IORING_CQE_F_MORE]
        if len(finals) > 1:
            p.append(Problem(f"more than one CQE ({info.name()})", f"user_data={ud:#x}: {got}"))
        if mores and not info.may_multishot():
            p.append(Problem(f"IORING_CQE_F_MORE on a single-shot request ({info.name()})", f"user_data={ud:#x}: {got}"))
        if finals and mores and mores[-1] > got.index(finals[0]):
            p.append(Problem(f"CQE after the final one ({info.name()})", f"user_data={ud:#x}: {got}"))
        if not finals:
            no_final.add(ud)
            if ud in renamed:
                continue  # a poll update gave it another user_data
            if info.flags & IOSQE_CQE_SKIP_SUCCESS:
                continue  # succeeded (the oracle cannot tell a lost CQE from a hidden one)
            if _after_skip_success(h, consumed, pos, by_ud):
                continue  # a chain whose skip-success member failed posts nothing for the rest
            missing.append(ud)
    for ud in by_ud:
        if ud not in consumed_set:
            p.append(Problem("CQE for a request never submitted", f"user_data={ud:#x}: {by_ud[ud]}"))
    if missing:
        blocked = _drain_blocked(h, consumed, missing, no_final)
        for ud in missing:
            if ud in blocked:
                continue
            info = h.info[ud]
            mode = " on an SQPOLL ring" if stats.get("sqpoll") else ""
            kind = "harness cancel" if info.harness else info.name()
            p.append(Problem(f"no CQE ({kind}{mode})", f"user_data={ud:#x} never completed, even after the final cancel"))
        stats["drain_blocked"] = len(blocked)
    _messages(h, consumed_set, by_ud, p)
    completed = [c for c in h.cqes[h.cancel_from :] if not is_harness(c[1])]
    if sum(r for r in h.cancel_results if r > 0) and not completed:
        p.append(Problem("cancel found requests that never completed", f"cancel results {h.cancel_results}"))


def _after_skip_success(h: Harness, consumed: list[int], pos: int, by_ud: dict[int, list[tuple[int, int]]]) -> bool:
    """Is request ``pos`` a later member of a chain in which a CQE_SKIP_SUCCESS member failed?

    The kernel then skips the -ECANCELED CQEs of the rest of the chain
    (REQ_F_SKIP_LINK_CQES).  A skip-success request that posted a CQE failed.
    A chain never spans two submissions (:func:`_chained`).
    """
    i = pos - 1
    while i >= 0:
        info = h.info.get(consumed[i])
        if info is None or not _chained(h, consumed, i + 1):
            return False
        if info.flags & IOSQE_CQE_SKIP_SUCCESS and by_ud.get(consumed[i]):
            return True
        i -= 1
    return False


def _chained(h: Harness, consumed: list[int], pos: int) -> bool:
    """Is request ``pos`` linked to the one before it?

    Only within one submission: a chain still open when ``io_submit_sqes``
    ends is queued as it is (``io_submit_state_end``), so a request that
    a later call consumed starts a new chain even after an IOSQE_IO_LINK.
    """
    if pos <= 0 or h.info[consumed[pos]].new_submit:
        return False
    return bool(h.info[consumed[pos - 1]].flags & LINKS)


def _messages(h: Harness, consumed: set[int], by_ud: dict[int, list[tuple[int, int]]], p: list[Problem]) -> None:
    """Each MSG_RING (IORING_MSG_DATA) delivers its message at most once, and once if it said 0."""
    delivered: dict[int, int] = {}
    for _, ud, _, _ in h.cqes:
        if AUX_BASE <= ud < AUX_BASE + (1 << 20):
            delivered[ud] = delivered.get(ud, 0) + 1
    for ud, info in h.info.items():
        if ud not in consumed or info.opcode != IORING_OP_MSG_RING or info.addr != IORING_MSG_DATA:
            continue
        data = info.off if isinstance(info.off, int) else -1
        if not AUX_BASE <= data < AUX_BASE + (1 << 20):
            continue
        n = delivered.get(data, 0)
        if n > 1:
            p.append(Problem("MSG_RING message delivered twice", f"user_data={ud:#x}: {n} CQEs with user_data={data:#x}"))
        said = [res for res, flags in by_ud.get(ud, []) if not flags & IORING_CQE_F_MORE]
        skip_target = isinstance(info.op_flags, int) and info.op_flags & IORING_MSG_RING_CQE_SKIP
        if said == [0] and n == 0 and not skip_target:
            p.append(Problem("MSG_RING returned 0 but no message arrived", f"user_data={ud:#x}, data {data:#x}"))


def _without_notif(p: list[Problem], info: SqeInfo, ud: int, got: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A zero-copy send's CQEs with its notification taken out (it must be the last, and alone), the
    F_MORE of the CQE before it, which promised it, cleared: what is left is checked as a single-shot
    request's."""
    notifs = [i for i, c in enumerate(got) if c[1] & IORING_CQE_F_NOTIF]
    if not notifs:
        return got
    if len(notifs) > 1 or notifs[0] != len(got) - 1:
        p.append(Problem(f"notification not last, or twice ({info.name()})", f"user_data={ud:#x}: {got}"))
    own = [c for c in got if not c[1] & IORING_CQE_F_NOTIF]
    if own and own[-1][1] & IORING_CQE_F_MORE:
        own[-1] = (own[-1][0], own[-1][1] & ~IORING_CQE_F_MORE)
    return own


def _new_poll_user_data(h: Harness) -> set[int]:
    """The user_data (``off``) that POLL_REMOVEs with IORING_POLL_UPDATE_USER_DATA give their
    POLL_ADD (``io_poll_remove``): any value, also one a random field poke wrote."""
    return {
        info.off & U64
        for info in h.info.values()
        if info.opcode == IORING_OP_POLL_REMOVE
        and isinstance(info.len, int)
        and info.len & IORING_POLL_UPDATE_USER_DATA
        and isinstance(info.off, int)
    }


def _renamed_polls(h: Harness, by_ud: dict[int, list[tuple[int, int]]]) -> set[int]:
    """POLL_ADDs that a successful POLL_REMOVE with IORING_POLL_UPDATE_USER_DATA renamed
    (a CQE with res >= 0, or none at all for a CQE_SKIP_SUCCESS update)."""
    out = set()
    for ud, info in h.info.items():
        if info.opcode == IORING_OP_POLL_REMOVE and isinstance(info.len, int) and info.len & IORING_POLL_UPDATE_USER_DATA:
            got = by_ud.get(ud, [])
            ok = any(res >= 0 for res, _ in got) or (not got and info.flags & IOSQE_CQE_SKIP_SUCCESS)
            if ok and isinstance(info.addr, int):
                out.add(info.addr)
    return out


def _drain_blocked(h: Harness, consumed: list[int], missing: list[int], no_final: set[int]) -> set[int]:
    """Missing CQEs that a drain explains.

    A DRAIN switches the ring to drain mode, which lasts until a plain
    request is released at once; meanwhile every request is deferred, and
    the first deferred one (and any from a drained one on) waits until no
    other request of the ring is live, earlier or later (``io_queue_deferred``:
    a drained multishot poll holds everything after it, cancels included).
    A DRAIN on a chain member drains the chain's head and the next request
    after the chain.  So a missing request at or after the first drained
    position (the head of the drain's chain) is explained if some other
    request never completed; and if a harness cancel was held back that
    way, nothing could be cancelled, which explains every missing CQE.  A
    drained request while every other one completed should have run: that
    stays a problem.
    """
    pos = {ud: i for i, ud in enumerate(consumed)}
    heads = []
    for i, ud in enumerate(consumed):
        if h.info[ud].flags & IOSQE_IO_DRAIN:
            while _chained(h, consumed, i):
                i -= 1
            heads.append(i)
    if not heads or not no_final:
        return set()
    start = min(heads)
    blocked = {m for m in missing if pos[m] >= start and any(u != m for u in no_final)}
    if any(h.info[m].harness for m in blocked):
        return set(missing)
    return blocked
