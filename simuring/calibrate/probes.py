"""The calibration set: what the probe measures, and the same microbenchmarks simulated.

Every real figure of ``csrc/probe.c`` has a simulated counterpart that
follows the same definition on the model (:func:`simulate`): the same
calls, the same CPUs, the same timing points, read with the simulated
``clock_gettime``.  The fit (:mod:`.calibration`) moves parameters until the
two agree.  The copies are priced by a function of the model
(:func:`simuring.host.memory.copy_ns`) rather than simulated, because that
function is all a copy is in the model.

A :class:`Target` is one number to match: a bench's main figure (``ns``) or
another field of it (the waker's cost of a wake-up, ``waker_ns``).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Generator, Sequence
from typing import Any

import attrs

from simuring.calibrate.measure import Bench, Measured
from simuring.cost import CostModel
from simuring.engine.sim import Simulation
from simuring.host.current import current_task
from simuring.host.memory import copy_ns
from simuring.libc.compute import compute
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_peek_cqe,
    io_uring_prep_msg_ring,
    io_uring_prep_nop,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_submit_and_wait,
    io_uring_wait_cqe,
)
from simuring.setupflags import parse_setup_flags
from simuring.syscalls import (
    AF_UNIX,
    CLOCK_MONOTONIC,
    SOCK_STREAM,
    SpinWord,
    Timespec,
    clock_gettime,
    eventfd,
    eventfd_read,
    eventfd_write,
    getpid,
    pipe,
    read,
    recv,
    send,
    socketpair,
    write,
)

Gen = Generator[Any, Any, Any]

SETUP_FLAGS = {"none": "0", "sqdt": "SINGLE_ISSUER|DEFER_TASKRUN"}
"""The probe's ``flags=`` values as the simulated workloads take them."""

MEMCPY_HOT_SIZES = (64, 256, 1024, 4096, 16384, 65536, 262144, 1 << 20, 4 << 20)
MEMCPY_FOOTPRINTS = (16 << 10, 256 << 10, 2 << 20, 8 << 20)
MEMCPY_WIDE_SIZES = (64, 4096)
REMOTE_SIZES = (64, 1024, 4096, 16384, 32768)
WAKE_GAPS_NS = (10_000, 50_000, 200_000, 1_000_000)
RING_SIZES = (1024, 4096, 16384, 32768)
RING_BYTES = 65536
HANDOFF_SIZES = (64, 4096)
PIPE_BATCH = 32
"""Messages of 64 B a batched pipe bench writes before it reads them back: they fill
half a page, one slot, so a slot's start and end are shared out 32 ways."""
PIPE_ONE = Bench("probe", "pipe", (("size", 64), ("iters", 20_000)))
PIPE_BATCHED = Bench("probe", "pipe", (("size", 64), ("batch", PIPE_BATCH), ("iters", 20_000)))
UNIX_BLOCK_SIZES = (12288, 16384)


def _iters(size: int) -> int:
    """Enough copies of ``size`` bytes for ~256 MiB (at least 20, at most a million)."""
    return max(20, min(1_000_000, (256 << 20) // size))


def memcpy_benches() -> list[Bench]:
    """Copies from 64 B to 4 MiB within their own footprint (2x the size), 64 B
    and 4 KiB copies walking footprints from 16 KiB to 8 MiB, and copies out of
    and into lines another core used, 64 B to 32 KiB."""
    out = [Bench("probe", "memcpy", (("size", s), ("footprint", 2 * s), ("iters", _iters(s)))) for s in MEMCPY_HOT_SIZES]
    for s in MEMCPY_WIDE_SIZES:
        for f in MEMCPY_FOOTPRINTS:
            if f > 2 * s:
                out.append(Bench("probe", "memcpy", (("size", s), ("footprint", f), ("iters", _iters(s)))))
    # copies out of lines another core wrote, and into lines another core read
    out += [Bench("probe", "memcpy_remote", (("size", s), ("dir", d), ("iters", 2000))) for d in ("read", "write") for s in REMOTE_SIZES]
    # copies into a 64 KiB ring while the other CPU copies out of it (a shared-memory IPC ring)
    out += [Bench("probe", "memcpy_ring", (("size", s), ("ring", RING_BYTES), ("iters", max(200, min(20_000, (64 << 20) // s))))) for s in RING_SIZES]
    return out


CACHELINE = Bench("probe", "cacheline", (("iters", 100_000),))
SYSCALL = Bench("probe", "syscall", (("iters", 200_000),))
INTERRUPTS = Bench("probe", "interrupts", (("ms", 100),))
"""A loop reading the clock on CPU 0 for 100 ms: the time interrupts take from a
running task, in ns a second (gaps of 2 us to 1 ms between two readings)."""

PAGE_LISTS = Bench("probe", "handoff", (("mech", "pipe"), ("size", 65536), ("iters", 20_000)))
"""A pipe's two ends taking turns on CPUs 0 and 1, 64 KiB a write: each write
allocates 14 pages on CPU 0 and each read frees 14 on CPU 1 (the pipe keeps two
for itself), so every page goes through the buddy allocator in the CPUs' page
lists' refills and drains (:mod:`simuring.host.pages`); what the calls have
above their median (``write_lumps_ns``, ``read_lumps_ns``) is their price."""

PAGE_LIST_PAGES = 14
"""Pages each :data:`PAGE_LISTS` write allocates and each read frees: a pipe's 16
slots less the two freed pages it keeps (``pipe->tmp_page``)."""

FD_REF = Bench("probe", "fdref", (("iters", 50_000),))
"""An eventfd written and read back, in rounds alone and with a second thread asleep
in the process: what a call on a descriptor pays once the process's table is shared
(``fdget`` takes a reference on the file), ``syscall.fd_ref_ns``."""

MACHINE_CHANGE_FACTOR = 2.0
"""Two measurements of the cache-line hand-off that differ by more than this factor,
either way, were taken on different machines: on a VM, the host placed the vCPUs
elsewhere (another core complex, another socket) in between, or something else ran."""


def handoff_ratio(measured: Measured) -> float | None:
    """The cache-line hand-off's slowest run over its fastest (1: steady), or None when
    it was not measured."""
    fig = measured.get(CACHELINE)
    if fig is None or not fig.ok or fig.low <= 0:
        return None
    return fig.high / fig.low


def measure_until_still(measure_once: Callable[[int], Measured], attempts: int, on_moved: Callable[[int, str], None]) -> Measured:
    """``measure_once(attempt)`` (0, 1, ...), again while :func:`handoff_moved` says the
    machine moved, up to ``attempts`` sets in all: the first set that held still, else
    the steadiest (the smallest :func:`handoff_ratio`; the first of equals).
    ``on_moved(attempt, why)`` is told of each set that moved."""
    best: Measured | None = None
    for attempt in range(max(1, attempts)):
        measured = measure_once(attempt)
        moved = handoff_moved(measured)
        if moved is None:
            return measured
        on_moved(attempt, moved)
        if best is None or (handoff_ratio(measured) or 0.0) < (handoff_ratio(best) or 0.0):
            best = measured
    assert best is not None
    return best


def handoff_moved(measured: Measured) -> str | None:
    """Whether the cache-line hand-off moved while ``measured`` was taken: its runs (fresh
    processes, in one shuffled order with the other benches) differ by more than
    :data:`MACHINE_CHANGE_FACTOR`.  Every figure between two CPUs then mixes two
    machines.  A sentence that says so, or None."""
    fig = measured.get(CACHELINE)
    if fig is None or not fig.ok or fig.low <= 0 or fig.high <= MACHINE_CHANGE_FACTOR * fig.low:
        return None
    return (
        f"the cache-line hand-off between CPU 0 and CPU 1 ranged from {fig.low:,.0f} to {fig.high:,.0f} ns "
        f"over its {len(fig.values)} runs: the machine changed while they ran (on a VM, the host moved the vCPUs "
        "for part of the time, or something else ran), so every figure between two CPUs mixes two machines"
    )


def wake_bench(gap_ns: int) -> Bench:
    """A task blocked on another, idle CPU, woken ``gap_ns`` after it went to sleep."""
    return Bench("probe", "wake", (("target", "idle"), ("gap_ns", gap_ns), ("iters", 60)))


def handoff_bench(mech: str, size: int) -> Bench:
    """``mech``'s two ends taking turns on CPUs 0 and 1 (write, then read), never sleeping."""
    return Bench("probe", "handoff", (("mech", mech), ("size", size), ("iters", 20_000)))


def kernel_benches() -> list[Bench]:
    """The benches of system calls, wake-ups and rings (simulated by :func:`simulate`,
    except the wake-up of a busy CPU: :func:`fitted`)."""
    out = [SYSCALL]
    out += [Bench("probe", kind, (("size", s), ("iters", 20_000))) for kind in ("pipe", "unix") for s in (64, 4096)]
    # 32 pipe writes of 64 B share a slot, which one write starts and one read empties
    out.append(PIPE_BATCHED)
    # a socket's 12 KB take two fragment allocations (8 + 4 KB), its 16 KB one: per block or per page
    out += [Bench("probe", "unix", (("size", s), ("iters", 20_000))) for s in UNIX_BLOCK_SIZES]
    # 64 KiB: a pipe's 16 slots, most taking a new page; a socket's two skbs of page fragments
    out += [Bench("probe", kind, (("size", 65536), ("iters", 2_000))) for kind in ("pipe", "unix")]
    # a socket's or a pipe's two ends taking turns on two CPUs: the lines a send and a
    # receive share, a write and a read
    out += [handoff_bench(mech, s) for mech in ("unix", "pipe") for s in HANDOFF_SIZES]
    out.append(Bench("probe", "eventfd", (("iters", 50_000),)))
    out.append(Bench("probe", "switch", (("iters", 20_000),)))
    out += [wake_bench(g) for g in WAKE_GAPS_NS]
    out.append(Bench("probe", "wake", (("target", "busy"), ("gap_ns", 50_000), ("iters", 60))))
    out += [Bench("probe", "nop", (("flags", f), ("iters", 50_000)), io_uring=True) for f in SETUP_FLAGS]
    out += [Bench("probe", "msg_ring", (("flags", f), ("iters", 20_000)), io_uring=True) for f in SETUP_FLAGS]
    return out


TWO_CPU_BENCHES = frozenset({"memcpy_remote", "memcpy_ring", "cacheline", "handoff", "wake", "msg_ring"})
"""The benches whose figure is a cost between two CPUs (a line, a copy, a
wake-up or a ring message crossing from one to the other): on one CPU both
sides would share it, and the figure would measure something else."""


def calibration_benches(cpus: int = 2) -> list[Bench]:
    """Every bench the calibration fits to, less those that need more CPUs than ``cpus``."""
    out = [*memcpy_benches(), CACHELINE, INTERRUPTS, *kernel_benches(), PAGE_LISTS, FD_REF]
    return out if cpus >= 2 else [b for b in out if b.bench not in TWO_CPU_BENCHES]


@attrs.frozen
class Target:
    """One measured number the model must match: ``field`` of ``bench``'s runs (median)."""

    bench: Bench
    field: str = "ns"
    reference_ns: float | None = None  # the measured median

    @property
    def key(self) -> str:
        return self.bench.key if self.field == "ns" else f"{self.bench.key} [{self.field}]"


#: fields besides ``ns`` that a bench's targets include
EXTRA_FIELDS = {"wake": ("waker_ns",), "pipe": ("write_ns",), "unix": ("write_ns",), "handoff": ("write_ns",)}


def fitted(bench: Bench) -> bool:
    """Whether the model can follow ``bench``: not a wake-up of a busy CPU.

    The probe's busy target runs a SCHED_IDLE task, which the woken task
    preempts at once: the waker sends a reschedule IPI.  The model has no
    wake-up preemption (a woken task waits for the busy CPU's current task
    to block or use its slice), so it has no counterpart of that IPI; the
    figure is measured and recorded, not fitted."""
    return not (bench.bench == "wake" and dict(bench.args).get("target") == "busy")


def targets(benches: Sequence[Bench], measured: Measured) -> list[Target]:
    """The measured numbers of the ``benches`` the model can follow: the figure,
    and for a wake-up the waker's cost, for a pipe or socket the write (send) alone."""
    out = []
    for b in benches:
        fig = measured.get(b)
        if fig is None or not fitted(b):
            continue
        out.append(Target(b, "ns", fig.median))
        for extra in EXTRA_FIELDS.get(b.bench, ()):
            out.append(Target(b, extra, fig.field(extra)))
    return out


# --------------------------------------------------------------------------- copies (model function)
def copy_figure(costs: CostModel, bench: Bench) -> float:
    """A memcpy bench as the model prices it."""
    a = dict(bench.args)
    size = int(a["size"])
    if bench.bench == "memcpy_ring":
        return float(copy_ns(costs, size, int(a["ring"]), remote=True, into=True, streamed=True))
    if bench.bench == "memcpy_remote":
        return float(copy_ns(costs, size, size, remote=True, into=a.get("dir") == "write"))
    return float(copy_ns(costs, size, int(a["footprint"])))


# --------------------------------------------------------------------------- simulated kernel benches
def _now(tp: Timespec) -> int:
    clock_gettime(CLOCK_MONOTONIC, tp)
    return tp.to_ns()


def _loop(sim: Simulation, n: int, body: Callable[[], Gen], setup: Callable[[], Gen] | None = None, per: int = 1) -> Gen:
    """Run ``body`` ``n`` times after a warm-up of n/10; report ns per iteration
    (per ``per`` of what an iteration does: a batch's messages).

    A body may return the ns of a part of its work it timed itself (the write
    of a write-and-read-back); their mean is reported as ``write_ns``."""
    if setup is not None:
        yield from setup()
    tp = Timespec()
    for _ in range(max(1, n // 10)):
        yield from body()
    part = 0
    t0 = _now(tp)
    for _ in range(n):
        part += (yield from body()) or 0
    sim.report("ns", (_now(tp) - t0) / (n * per))
    if part:
        sim.report("write_ns", part / (n * per))


def _check(ret: int, what: str) -> int:
    if ret < 0:
        raise RuntimeError(f"{what} failed: {ret}")
    return ret


def _sim_syscall(sim: Simulation, n: int) -> None:
    def body() -> Gen:
        yield from getpid()

    sim.spawn(_loop, sim, n, body, name="probe", cpu=0)


def _open(kind: str, fds: list[int]) -> Gen:
    """A pipe (``fds[1]`` the write end) or a unix socket pair (``fds[1]`` sends to ``fds[0]``)."""
    _check((yield from (pipe(fds) if kind == "pipe" else socketpair(AF_UNIX, SOCK_STREAM, 0, fds))), kind)


def _put(kind: str, fd: int, buf: bytearray, size: int) -> Gen:
    """write(2) on a pipe, send(2) on a socket: ``size`` bytes (one call: they fit)."""
    _check((yield from (write(fd, buf, size) if kind == "pipe" else send(fd, buf, size, 0))), "write" if kind == "pipe" else "send")


def _take(kind: str, fd: int, buf: bytearray, size: int) -> Gen:
    """read(2) on a pipe, recv(2) on a socket, until ``size`` bytes came."""
    got = 0
    while got < size:
        if kind == "pipe":
            got += _check((yield from read(fd, buf, size - got)), "read")
        else:
            got += _check((yield from recv(fd, buf, size - got, 0)), "recv")


def _sim_stream(sim: Simulation, kind: str, size: int, n: int, batch: int = 1) -> None:
    """pipe/unix: write (send) ``batch`` messages of ``size`` bytes, read (recv) them
    back, one task; the writes (sends) alone are timed too.  Reported per message."""
    fds: list[int] = []
    buf = bytearray(size)
    tp = Timespec()

    def body() -> Gen:
        ta = _now(tp)
        for _ in range(batch):
            yield from _put(kind, fds[1], buf, size)
        write_ns = _now(tp) - ta
        for _ in range(batch):
            yield from _take(kind, fds[0], buf, size)
        return write_ns

    sim.spawn(_loop, sim, n, body, lambda: _open(kind, fds), batch, name="probe", cpu=0)


def _sim_handoff(sim: Simulation, kind: str, size: int, n: int) -> None:
    """pipe/unix, two ends taking turns: CPU 0 writes (sends) ``size`` bytes, then the
    other CPU reads (receives) them, each spinning on a turn word; the mean of a
    write plus its read (``ns``) and of the write alone (``write_ns``), reported
    once the last read is in."""
    other = 1 if sim.costs.host.cpus > 1 else 0
    fds: list[int] = []
    turn = SpinWord(0)
    warm = max(1, n // 10)
    spent = {"write": 0, "read": 0}

    def wait_turn(value: int) -> Gen:
        while turn.load() != value:
            yield from turn.spin_while(turn.load(), 1_000_000)

    def writer() -> Gen:
        yield from _open(kind, fds)
        buf, tp = bytearray(size), Timespec()
        for i in range(warm + n):
            yield from wait_turn(2 * i)
            t0 = _now(tp)
            yield from _put(kind, fds[1], buf, size)
            if i >= warm:
                spent["write"] += _now(tp) - t0
            turn.store(2 * i + 1)

    def reader() -> Gen:
        buf, tp = bytearray(size), Timespec()
        for i in range(warm + n):
            yield from wait_turn(2 * i + 1)
            t0 = _now(tp)
            yield from _take(kind, fds[0], buf, size)
            if i >= warm:
                spent["read"] += _now(tp) - t0
            turn.store(2 * i + 2)
        sim.report("ns", (spent["write"] + spent["read"]) / n)
        sim.report("write_ns", spent["write"] / n)

    w = sim.spawn(writer, name="writer", cpu=0)
    sim.spawn(reader, name="reader", cpu=other, process=w.process)


def _sim_eventfd(sim: Simulation, n: int) -> None:
    fd = [0]
    value = [0]

    def setup() -> Gen:
        fd[0] = _check((yield from eventfd(0, 0)), "eventfd")

    def body() -> Gen:
        yield from eventfd_write(fd[0], 1)
        yield from eventfd_read(fd[0], value)

    sim.spawn(_loop, sim, n, body, setup, name="probe", cpu=0)


def _sim_switch(sim: Simulation, n: int) -> None:
    """Two tasks on CPU 0 hand a token back and forth through two eventfds, each
    blocking in eventfd_read until the other writes: ns per round trip (two
    writes, two reads, two task switches)."""
    fds = {"to_peer": -1, "to_main": -1}
    value = [0]

    def setup() -> Gen:
        for name in fds:
            fds[name] = _check((yield from eventfd(0, 0)), "eventfd")
        sim.spawn(peer, name="peer", cpu=0, process=current_task().process)

    def peer() -> Gen:
        mine = [0]
        for _ in range(max(1, n // 10) + n):  # _loop's warm-up and timed rounds
            _check((yield from eventfd_read(fds["to_peer"], mine)), "eventfd_read")
            yield from eventfd_write(fds["to_main"], 1)

    def body() -> Gen:
        yield from eventfd_write(fds["to_peer"], 1)
        _check((yield from eventfd_read(fds["to_main"], value)), "eventfd_read")

    sim.spawn(_loop, sim, n, body, setup, name="probe", cpu=0)


def _sim_wake(sim: Simulation, gap_ns: int, n: int) -> None:
    """The waker (CPU 0) wakes the target (the other CPU) blocked in an eventfd read,
    ``gap_ns`` after the target said it would block; medians of the latency and
    of the waker's write."""
    other = 1 if sim.costs.host.cpus > 1 else 0
    sh: dict[str, Any] = {"fd": -1}
    going, woke = SpinWord(0), SpinWord(0)
    latency: list[int] = []
    waker_ns: list[int] = []
    warm = max(1, n // 10)

    def target() -> Gen:
        sh["fd"] = _check((yield from eventfd(0, 0)), "eventfd")
        tp, value = Timespec(), [0]
        for i in range(1, warm + n + 1):
            going.store(i)
            _check((yield from eventfd_read(sh["fd"], value)), "eventfd_read")
            sh["t2"] = _now(tp)
            woke.store(i)

    def waker() -> Gen:
        tp = Timespec()
        for i in range(1, warm + n + 1):
            while going.load() < i:
                yield from going.spin_while(going.load(), 1_000_000)
            yield from compute(gap_ns)
            t0 = _now(tp)
            yield from eventfd_write(sh["fd"], 1)
            t1 = _now(tp)
            while woke.load() < i:
                yield from woke.spin_while(woke.load(), 1_000_000)
            if i > warm:
                latency.append(sh["t2"] - t0)
                waker_ns.append(t1 - t0)
        sim.report("ns", statistics.median(latency))
        sim.report("waker_ns", statistics.median(waker_ns))

    t = sim.spawn(target, name="target", cpu=other)
    sim.spawn(waker, name="waker", cpu=0, process=t.process)


def _sim_nop(sim: Simulation, flags: str, n: int) -> None:
    ring, cqe = Ring(), Cqe()

    def setup() -> Gen:
        _check((yield from io_uring_queue_init(8, ring, parse_setup_flags(flags))), "io_uring_queue_init")

    def body() -> Gen:
        sqe = io_uring_get_sqe(ring)
        assert sqe is not None  # one SQE in flight at a time
        io_uring_prep_nop(sqe)
        yield from io_uring_submit_and_wait(ring, 1)
        _check(io_uring_peek_cqe(ring, cqe), "peek")
        io_uring_cqe_seen(ring, cqe[0])

    sim.spawn(_loop, sim, n, body, setup, name="probe", cpu=0)


def _sim_msg_ring(sim: Simulation, flags: str, n: int) -> None:
    """A stream of MSG_RINGs from ring A (CPU 0) to ring B (the other CPU), whose
    thread reaps in a loop; the sender's time per message."""
    other = 1 if sim.costs.host.cpus > 1 else 0
    setup_flags = parse_setup_flags(flags)
    total = max(1, n // 10) + n
    sh: dict[str, int] = {}
    ready = SpinWord(0)

    def receiver() -> Gen:
        ring, cqe = Ring(), Cqe()
        _check((yield from io_uring_queue_init(256, ring, setup_flags)), "io_uring_queue_init")
        sh["b"] = ring.ring_fd
        ready.store(1)
        got = 0
        while got < total:
            if io_uring_peek_cqe(ring, cqe) != 0:
                _check((yield from io_uring_wait_cqe(ring, cqe)), "io_uring_wait_cqe")
            io_uring_cqe_seen(ring, cqe[0])
            got += 1
        yield from io_uring_queue_exit(ring)

    def sender() -> Gen:
        ring, cqe = Ring(), Cqe()
        _check((yield from io_uring_queue_init(8, ring, setup_flags)), "io_uring_queue_init")
        while not ready.load():
            yield from ready.spin_while(0, 1_000_000)

        def body() -> Gen:
            while True:
                sqe = io_uring_get_sqe(ring)
                assert sqe is not None  # one SQE in flight at a time
                io_uring_prep_msg_ring(sqe, sh["b"], 0, 1, 0)
                yield from io_uring_submit_and_wait(ring, 1)
                _check(io_uring_peek_cqe(ring, cqe), "peek")
                res = cqe[0].res
                io_uring_cqe_seen(ring, cqe[0])
                if res >= 0:
                    return
                _check(res if res not in (-11, -75) else 0, "MSG_RING")  # -EAGAIN/-EOVERFLOW: resend

        yield from _loop(sim, n, body)
        yield from io_uring_queue_exit(ring)

    r = sim.spawn(receiver, name="receiver", cpu=other)
    sim.spawn(sender, name="sender", cpu=0, process=r.process)


#: simulated iterations per bench (enough for a stable mean; the real probe runs more)
SIM_ITERS = {"syscall": 200, "pipe": 100, "unix": 100, "handoff": 100, "eventfd": 100, "switch": 100, "wake": 30, "nop": 200, "msg_ring": 200}


def simulate(costs: CostModel, bench: Bench, seed: int = 0) -> dict[str, float]:
    """The simulated figures of one kernel bench: {"ns": ..., other fields}."""
    a = dict(bench.args)
    n = SIM_ITERS[bench.bench]
    if not fitted(bench):
        raise ValueError(f"the model has no counterpart of probe bench {bench.key!r} (see fitted())")
    sim = Simulation(host=costs, seed=seed)
    kind = bench.bench
    if kind == "syscall":
        _sim_syscall(sim, n)
    elif kind in ("pipe", "unix"):
        _sim_stream(sim, kind, int(a["size"]), n, int(a.get("batch", 1)))
    elif kind == "handoff":
        _sim_handoff(sim, str(a["mech"]), int(a["size"]), n)
    elif kind == "eventfd":
        _sim_eventfd(sim, n)
    elif kind == "switch":
        _sim_switch(sim, n)
    elif kind == "wake":
        _sim_wake(sim, int(a["gap_ns"]), n)
    elif kind == "nop":
        _sim_nop(sim, SETUP_FLAGS[str(a["flags"])], n)
    elif kind == "msg_ring":
        _sim_msg_ring(sim, SETUP_FLAGS[str(a["flags"])], n)
    else:
        raise ValueError(f"no simulated counterpart for probe bench {kind!r}")
    sim.run()
    return {k: float(v) for k, v in sim.reported.items() if isinstance(v, int | float)}
