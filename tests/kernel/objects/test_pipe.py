"""Pipes (fs/pipe.c) as syscalls and through io_uring READ."""

from __future__ import annotations

from typing import Any

import pytest

from simuring import Simulation
from simuring.abi.errno import EAGAIN, EBADF, EFAULT, EPIPE
from simuring.kernel.objects.pipe import PIPE_SLOTS
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_read,
    io_uring_prep_write,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_submit_and_wait,
)
from simuring.syscalls import O_NONBLOCK, close, nanosleep, pipe, pipe2, read, write
from tests.helpers.procs import run_threads, two_processes
from tests.helpers.ring import drain
from tests.helpers.sim import run_task


def test_pipe_blocking_read_write_between_two_processes() -> None:
    def setup(out: dict[str, Any]) -> Any:
        fds: list[int] = []
        assert (yield from pipe(fds)) == 0
        assert fds == [3, 4]
        return fds

    def parent(out: dict[str, Any], fds: list[int]) -> Any:
        yield from nanosleep(20_000)
        out["t_write"] = out["sim"].now
        out["w"] = yield from write(fds[1], b"hello world", 11)

    def child(out: dict[str, Any], fds: list[int]) -> Any:
        buf = bytearray(32)
        t0 = out["sim"].now
        n = yield from read(fds[0], buf, 32)  # blocks: the pipe is empty
        out["r"] = (n, bytes(buf[:n]), out["sim"].now - t0)

    out = two_processes(parent, child, setup)
    assert out["w"] == 11
    n, data, waited = out["r"]
    assert (n, data) == (11, b"hello world")
    assert waited > 20_000  # it slept until the write


def test_pipe_blocked_writer_resumes_when_reader_drains() -> None:
    total = PIPE_SLOTS * 4096 + 1000

    def setup(out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        return fds

    def parent(out: dict[str, Any], fds: list[int]) -> Any:
        data = bytes(i % 251 for i in range(total))
        out["w"] = yield from write(fds[1], data, total)  # more than 64 KiB: blocks once full
        out["t_w"] = out["sim"].now

    def child(out: dict[str, Any], fds: list[int]) -> Any:
        yield from nanosleep(100_000)
        out["t_r"] = out["sim"].now
        got = bytearray()
        buf = bytearray(8192)
        while len(got) < total:
            n = yield from read(fds[0], buf, 8192)
            assert n > 0
            got += buf[:n]
        out["data"] = bytes(got)

    out = two_processes(parent, child, setup)
    assert out["w"] == total
    assert out["t_w"] > out["t_r"]  # the writer finished only after the reader drained
    assert out["data"] == bytes(i % 251 for i in range(total))


def test_pipe_nonblock_eagain_eof_epipe_and_atomic_writes() -> None:
    sim = Simulation(seed=1)
    res: dict[str, Any] = {}

    def body() -> Any:
        fds: list[int] = []
        assert (yield from pipe2(fds, O_NONBLOCK)) == 0
        buf = bytearray(8)
        res["empty"] = yield from read(fds[0], buf, 8)
        # fill 15 slots with one page each, then 100 bytes in the 16th
        page = bytes(4096)
        for _ in range(PIPE_SLOTS - 1):
            assert (yield from write(fds[1], page, 4096)) == 4096
        assert (yield from write(fds[1], b"x" * 100, 100)) == 100
        # 4000 bytes do not fit in the last slot and no slot is free: atomic, nothing written
        res["atomic"] = yield from write(fds[1], b"y" * 4000, 4000)
        res["merge"] = yield from write(fds[1], b"z" * 3996, 3996)  # fits in the last slot
        res["big"] = yield from write(fds[1], b"w" * 9000, 9000)  # full: -EAGAIN
        res["bad"] = yield from read(99, buf, 8)
        res["fault"] = yield from read(fds[0], buf, 9)
        res["wrong_end"] = yield from write(fds[0], b"a", 1)
        assert (yield from close(fds[1])) == 0
        got = 0
        big = bytearray(65536)
        while True:
            n = yield from read(fds[0], big, 65536)
            if n <= 0:
                res["eof"] = n
                break
            got += n
        res["got"] = got
        fds2: list[int] = []
        yield from pipe(fds2)
        yield from close(fds2[0])
        res["epipe"] = yield from write(fds2[1], b"a", 1)

    sim.spawn(body)
    sim.run()
    assert res["empty"] == -EAGAIN
    assert res["atomic"] == -EAGAIN
    assert res["merge"] == 3996
    assert res["big"] == -EAGAIN
    assert res["bad"] == -EBADF
    assert res["fault"] == -EFAULT
    assert res["wrong_end"] == -EBADF
    assert res["got"] == (PIPE_SLOTS - 1) * 4096 + 4096
    assert res["eof"] == 0
    assert res["epipe"] == -EPIPE


def test_null_pipe_io_succeeds_at_once():
    """fs/pipe.c: a zero-length read or write returns 0 (no wait, no -EPIPE)."""

    def body():
        fds = []
        yield from pipe(fds)
        blocking = yield from read(fds[0], bytearray(8), 0)  # empty pipe, blocking mode
        nullbuf = yield from read(fds[0], None, 0)
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, fds[0], bytearray(8), 0, 0)
        io_uring_sqe_set_data64(sqe, 5)
        yield from io_uring_submit_and_wait(ring, 1)
        uring = drain(ring)
        yield from close(fds[0])
        no_reader = yield from write(fds[1], b"", 0)
        return blocking, nullbuf, uring, no_reader

    assert run_task(body) == (0, 0, [(5, 0)], 0)


def test_null_read_on_a_nonblocking_empty_pipe_is_zero_not_eagain():
    def body():
        fds = []
        yield from pipe2(fds, O_NONBLOCK)
        return (yield from read(fds[0], bytearray(8), 0))

    assert run_task(body) == 0


def test_strided_buffer_is_efault_through_write_read_and_io_uring() -> None:
    """A non-contiguous memoryview is no flat user range: write(2), read(2) and an io_uring WRITE all
    answer -EFAULT (the pipe's copy used to raise TypeError), and the pipe is untouched."""

    def body():
        fds = []
        yield from pipe(fds)
        strided = memoryview(bytearray(8192))[::2]
        by_write = yield from write(fds[1], strided, 4096)
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_write(sqe, fds[1], strided, 4096, 0)
        io_uring_sqe_set_data64(sqe, 7)
        yield from io_uring_submit_and_wait(ring, 1)
        uring = drain(ring)
        assert (yield from write(fds[1], b"ok", 2)) == 2
        by_read = yield from read(fds[0], memoryview(bytearray(8))[::2], 2)
        got = bytearray(8)
        n = yield from read(fds[0], got, 8)
        return by_write, uring, by_read, bytes(got[:n])

    assert run_task(body) == (-EFAULT, [(7, -EFAULT)], -EFAULT, b"ok")
# -- exclusive waits (prepare_to_wait_exclusive, wake_next_reader) ---------------------------
def _blocked_readers(writes: list[bytes]) -> dict[str, Any]:
    """Threads 1 and 2 block in read(2) of one byte on an empty pipe, 1 first;
    thread 0 then makes the ``writes``, 100 us apart."""

    def writer(out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        out["fds"] = fds
        out["got"] = []
        yield from nanosleep(100_000)  # both readers are asleep
        for data in writes:
            yield from write(fds[1], data, len(data))
            yield from nanosleep(100_000)
        yield from close(fds[1])  # a key-less wake-up: every reader left wakes (EOF)

    def reader(name: str, delay: int) -> Any:
        def body(out: dict[str, Any]) -> Any:
            yield from nanosleep(delay)
            buf = bytearray(1)
            while (n := (yield from read(out["fds"][0], buf, 1))) > 0:
                out["got"].append((name, bytes(buf[:n])))

        return body

    return run_threads(writer, reader("r1", 10_000), reader("r2", 20_000))


def test_a_pipe_write_wakes_only_the_oldest_blocked_reader() -> None:
    """pipe_read waits exclusively at the tail of rd_wait, and pipe_write's
    keyed wake-up wakes one exclusive waiter: each one-byte write is read by
    the reader that has waited longest."""
    out = _blocked_readers([b"a", b"b", b"c"])
    assert out["got"] == [("r1", b"a"), ("r2", b"b"), ("r1", b"c")]


def test_a_served_reader_wakes_the_next_when_data_is_left() -> None:
    """wake_next_reader: the reader woken by a two-byte write reads one byte
    and wakes the next reader, which reads the other before the pipe is closed."""

    def writer(out: dict[str, Any]) -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        out["fds"] = fds
        yield from nanosleep(100_000)  # both readers are asleep
        yield from write(fds[1], b"ab", 2)
        yield from nanosleep(100_000)
        out["closed"] = out["sim"].now
        yield from close(fds[1])

    def reader(name: str, delay: int) -> Any:
        def body(out: dict[str, Any]) -> Any:
            yield from nanosleep(delay)
            buf = bytearray(1)
            n = yield from read(out["fds"][0], buf, 1)
            out[name] = (bytes(buf[:n]), out["sim"].now)

        return body

    out = run_threads(writer, reader("r1", 10_000), reader("r2", 20_000))
    assert out["r1"][0] == b"a" and out["r2"][0] == b"b"
    assert out["r2"][1] < out["closed"]  # woken by r1, not by the close


def test_freed_pages_are_kept_for_the_next_slots() -> None:
    """anon_pipe_buf_release keeps up to PIPE_TMP_PAGES freed pages (pipe->tmp_page):
    a slot that takes one of them pays no allocation."""
    from simuring.host.current import current_task
    from simuring.kernel.costs import PipeCosts
    from simuring.kernel.objects.pipe import PIPE_TMP_PAGES

    sim = Simulation(seed=1, overrides=["syscall.jitter_ns=0"])
    alloc = sim.costs.get(PipeCosts).buf_alloc_ns
    paid: list[int] = []

    def task() -> Any:
        fds: list[int] = []
        yield from pipe(fds)
        me = current_task()
        page = bytearray(4096)
        for pages in (1, 4, 4, 1):  # write that many pages, then read them all back
            before = me.cpu_time()
            yield from write(fds[1], page * pages, 4096 * pages)
            paid.append(me.cpu_time() - before)
            yield from read(fds[0], bytearray(4096 * pages), 4096 * pages)

    sim.spawn(task, cpu=0)
    sim.run()
    one_fresh, four_after_one, four_after_four, one_after_four = paid
    assert PIPE_TMP_PAGES == 2
    assert one_fresh - one_after_four == alloc  # a fresh pipe allocates; later the cache has a page
    assert four_after_one - four_after_four == alloc  # one cached page, then two


def test_the_reader_frees_the_pages_the_pipe_does_not_keep() -> None:
    """anon_pipe_buf_release: the read that empties a slot frees its page
    (``buf_free_ns``) unless the pipe keeps it for a next slot (PIPE_TMP_PAGES);
    the write that took a new page paid ``buf_alloc_ns``, not the free."""
    from simuring.host.current import current_task
    from simuring.kernel.objects.pipe import PIPE_TMP_PAGES

    def run(free_ns: int) -> tuple[list[int], list[int]]:
        sim = Simulation(seed=1, overrides=["syscall.jitter_ns=0", f"pipe.buf_free_ns={free_ns}"])
        wrote: list[int] = []
        read_: list[int] = []

        def task() -> Any:
            fds: list[int] = []
            yield from pipe(fds)
            me = current_task()
            for pages in (4, 1, 4):  # write that many pages, then read them all back
                before = me.cpu_time()
                yield from write(fds[1], bytearray(4096 * pages), 4096 * pages)
                wrote.append(me.cpu_time() - before)
                before = me.cpu_time()
                yield from read(fds[0], bytearray(4096 * pages), 4096 * pages)
                read_.append(me.cpu_time() - before)

        sim.spawn(task, cpu=0)
        sim.run()
        return wrote, read_

    wrote0, read0 = run(0)
    wrote, read_ = run(1000)
    assert PIPE_TMP_PAGES == 2
    assert wrote == wrote0  # the writer never pays the free
    # four pages emptied: the pipe keeps two, frees two; one page: kept
    assert [r - r0 for r, r0 in zip(read_, read0, strict=True)] == [2 * 1000, 0, 2 * 1000]


def test_pipe_mutex_makes_a_read_during_a_write_wait_for_its_copy() -> None:
    """pipe->mutex (PipeMutex): a read that comes while the writer, on the other CPU,
    still copies 64 KB into the pipe spins until the write lets the mutex go, then
    reads; a read after the write's release does not wait."""
    from simuring.host.current import current_task
    from simuring.libc.compute import compute

    def run(read_at_ns: int) -> tuple[int, int, int, int]:
        sim = Simulation(seed=1, overrides=["syscall.jitter_ns=0", "sched.wakeup_jitter_ns=0"])
        fds: list[int] = []
        seen: dict[str, int] = {}

        def writer() -> Any:
            yield from pipe(fds)
            task = current_task()
            seen["write_at"], before = task.now(), task.cpu_time()
            yield from write(fds[1], bytearray(65536), 65536)
            seen["write_cpu"] = task.cpu_time() - before

        def reader() -> Any:
            yield from compute(read_at_ns)  # on its own CPU, from t=0
            task = current_task()
            seen["read_at"], before = task.now(), task.cpu_time()
            n = yield from read(fds[0], bytearray(65536), 65536)
            seen["n"], seen["read_cpu"] = n, task.cpu_time() - before

        w = sim.spawn(writer, name="w", cpu=0)
        sim.spawn(reader, name="r", cpu=1, process=w.process)
        sim.run()
        return seen["n"], seen["read_cpu"], seen["write_cpu"], seen["read_at"] - seen["write_at"]

    n_late, read_late, write_cpu, _ = run(100_000)  # long after the write
    assert n_late == 65536 and write_cpu > 1_000  # 64 KB and its 16 pages
    n_during, read_during, _, after = run(write_cpu // 2 + 2_000)
    assert n_during == 65536 and 0 < after < write_cpu  # it came while the write copied
    # it spun for the rest of the write (the same lines and pages to take as the late read)
    assert read_during - read_late == pytest.approx(write_cpu - after, abs=300)


def test_an_interrupt_during_the_writers_copy_holds_the_mutex_longer() -> None:
    """A tick that interrupts the writer while it copies under ``pipe->mutex`` keeps
    the mutex held that much longer (``Task.now()`` counts the interrupt): a read
    that comes on the other CPU meanwhile spins until the copy really ends."""
    from simuring.host.current import current_task
    from simuring.libc.compute import compute
    from simuring.libc.time import nanosleep

    tick_ns = 4_000_000  # 250 Hz

    def run(irq_ns: int) -> dict[str, int]:
        sim = Simulation(seed=1, overrides=["syscall.jitter_ns=0", "sched.wakeup_jitter_ns=0", f"sched.irq_ns={irq_ns}"])
        fds: list[int] = []
        seen: dict[str, int] = {}

        def writer() -> Any:
            yield from pipe(fds)
            task = current_task()
            yield from compute(tick_ns - 1_000 - task.now())  # the 64 KB copy spans the tick
            yield from write(fds[1], bytearray(65536), 65536)
            seen["write_end"] = task.now()

        def reader() -> Any:
            yield from nanosleep(tick_ns + 1_000)  # asleep at the tick (an idle CPU takes none)
            task = current_task()
            seen["read_at"], before = task.now(), task.cpu_time()
            seen["n"] = yield from read(fds[0], bytearray(65536), 65536)
            seen["read_cpu"] = task.cpu_time() - before

        w = sim.spawn(writer, name="w", cpu=0)
        sim.spawn(reader, name="r", cpu=1, process=w.process)
        sim.run()
        return seen

    plain, hit = run(0), run(50_000)
    assert plain["n"] == hit["n"] == 65536
    assert plain["write_end"] < plain["read_at"]  # uninterrupted, the write was over when the read came
    assert hit["read_at"] < hit["write_end"] == plain["write_end"] + 50_000
    # interrupted, it still held the mutex: the read spun until it let go
    assert hit["read_cpu"] - plain["read_cpu"] == pytest.approx(hit["write_end"] - hit["read_at"], abs=1_000)


def task_reaching(sched: Any, ns: int) -> Any:
    """A bare task of ``sched`` whose code has reached instant ``ns`` (its clock at 0)."""
    from simuring.host.task import Process, Task

    task = Task(sched.env, sched, ns, f"t{ns}", Process(ns, f"t{ns}", 0, 0, None))
    task.charge(ns)
    return task


def test_pipe_mutex_waits_only_for_a_holder_that_came_first() -> None:
    """PipeMutex: a taker whose clock is inside the holder's hold waits for its release;
    one whose clock is before the holder took it, or after it let go, does not."""
    import simpy

    from simuring.cost import load_profile
    from simuring.engine.plugins import cost_sections
    from simuring.host.cpu import Scheduler
    from simuring.host.task import Task
    from simuring.kernel.objects.pipe import PipeMutex

    env = simpy.Environment()
    sched = Scheduler(env, load_profile("rfc-vm-32vcpu", cost_sections()))

    def at(ns: int) -> Task:
        return task_reaching(sched, ns)

    mutex = PipeMutex()
    holder = at(1_000)
    mutex.lock(holder)
    holder.charge(3_000)
    mutex.unlock(holder)  # held over [1000, 4000)
    inside = at(2_500)
    mutex.lock(inside)
    assert inside.now() == 4_000 and (mutex.taken_at, mutex.free_at) == (4_000, 4_000)
    for ns in (900, 4_000):  # came first; came after the release
        mutex.taken_at, mutex.free_at = 1_000, 4_000
        other = at(ns)
        mutex.lock(other)
        assert other.now() == ns


def test_a_spinner_interrupted_with_the_holder_gets_the_mutex_at_its_release() -> None:
    """The vCPUs are interrupted together: a task spinning on ``pipe->mutex`` when the
    tick stops it and the holder takes the mutex at the holder's release, which
    counts that interruption already (``Task.spin_until``); it does not pay the
    interruption a second time on top of the wait."""
    import simpy

    from simuring.cost import load_profile
    from simuring.engine.plugins import cost_sections
    from simuring.host.cpu import Scheduler
    from simuring.host.task import Task
    from simuring.kernel.objects.pipe import PipeMutex

    env = simpy.Environment()
    costs = load_profile("rfc-vm-32vcpu", cost_sections()).with_overrides(["sched.irq_ns=50000", "sched.irq_hz=250"])
    sched = Scheduler(env, costs)

    def at(ns: int) -> Task:
        return task_reaching(sched, ns)

    mutex = PipeMutex()
    holder = at(3_990_000)
    mutex.lock(holder)
    holder.charge(20_000)  # the copy spans the tick at 4 ms: it ends 50 us later
    mutex.unlock(holder)
    assert mutex.free_at == 3_990_000 + 20_000 + 50_000
    spinner = at(3_995_000)  # spinning before the tick, so interrupted by it too
    mutex.lock(spinner)
    assert spinner.now() == mutex.free_at == mutex.taken_at == 4_060_000
    assert spinner.cpu_time() == 4_060_000 - 50_000  # its own interruption is in the wait
    late = at(4_020_000)  # its work spans the tick too: it comes at 4.07 ms, after the release
    assert late.now() == 4_070_000
    mutex.lock(late)
    assert late.now() == 4_070_000  # no wait


def test_a_pipe_between_two_cpus_pays_its_pages_page_lists_in_lumps() -> None:
    """The pipe's pages go through the CPUs' page lists (host/pages.py): a writer on one
    CPU and a reader on another pay every page's refill and drain (in lumps, once their
    lists' stock is used up); on one CPU the pages go round its own list and neither does."""
    from simuring.host.current import current_task

    messages, size = 400, 65536
    pcp = ["mem.pcp_refill_page_ns=1000", "mem.pcp_drain_page_ns=500", "mem.pcp_high_min=1000", "mem.pcp_high_max=1000"]

    def run(overrides: list[str], reader_cpu: int) -> tuple[int, int]:
        sim = Simulation(seed=1, overrides=["syscall.jitter_ns=0", "sched.wakeup_jitter_ns=0", *overrides])
        fds: list[int] = []
        cpu_ns: dict[str, int] = {}

        def writer() -> Any:
            yield from pipe(fds)
            buf = bytearray(size)
            for _ in range(messages):
                yield from write(fds[1], buf, size)
            cpu_ns["w"] = current_task().cpu_time()

        def reader() -> Any:
            yield from nanosleep(1_000)
            buf = bytearray(size)
            for _ in range(messages):
                got = 0
                while got < size:
                    got += yield from read(fds[0], memoryview(buf)[got:], size - got)
            cpu_ns["r"] = current_task().cpu_time()

        w = sim.spawn(writer, name="w", cpu=0)
        sim.spawn(reader, name="r", cpu=reader_cpu, process=w.process)
        sim.run()
        return cpu_ns["w"], cpu_ns["r"]

    plain_w, plain_r = run([], 1)
    lists_w, lists_r = run(pcp, 1)
    pages = messages * (PIPE_SLOTS - 2)  # the pipe keeps two freed pages for itself
    # each page refilled on the writer's CPU and drained on the reader's, less the lists'
    # first stock (each side may also spin on pipe->mutex through the other's lumps)
    assert pages * 1000 - 1000 * 1000 <= lists_w - plain_w <= pages * (1000 + 500)
    assert pages * 500 - 1000 * 500 <= lists_r - plain_r <= pages * (500 + 1000)
    same = run([], 0), run(pcp, 0)
    assert abs(sum(same[1]) - sum(same[0])) <= 1000 * 1000  # a refill of the first stock at most


def test_a_slot_is_paid_for_where_it_starts_and_where_it_empties() -> None:
    """pipe.slot_ns: a write that starts a slot and a read that empties one pay it; a
    write appending to the last slot and a read leaving bytes in it do not (32 writes
    of 64 B share one slot), nor does a write whose bytes do not fit in it for free."""
    from simuring.host.current import current_task

    def cpu_ns(slot_ns: int, sizes: list[int]) -> tuple[int, int]:
        sim = Simulation(seed=1, overrides=["syscall.jitter_ns=0", f"pipe.slot_ns={slot_ns}"])
        out: list[int] = []

        def task() -> Any:
            fds: list[int] = []
            yield from pipe(fds)
            me = current_task()
            t0 = me.cpu_time()
            for size in sizes:
                yield from write(fds[1], bytearray(size), size)
            t1 = me.cpu_time()
            for size in sizes:
                yield from read(fds[0], bytearray(size), size)
            out.extend((t1 - t0, me.cpu_time() - t1))

        sim.spawn(task, name="t", cpu=0)
        sim.run()
        return out[0], out[1]

    def slots(sizes: list[int]) -> tuple[int, int]:
        (w0, r0), (w1, r1) = cpu_ns(0, sizes), cpu_ns(1000, sizes)
        return (w1 - w0) // 1000, (r1 - r0) // 1000

    assert slots([64] * 32) == (1, 1)  # one slot started, one emptied
    assert slots([64] * 64) == (1, 1)  # 4 KiB exactly: one page
    assert slots([64] * 65) == (2, 2)
    assert slots([4096] * 3) == (3, 3)
    assert slots([1024, 4000]) == (2, 2)  # 4000 B do not fit after 1 KiB: a new slot
