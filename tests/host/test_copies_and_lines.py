"""The memory model: copies priced by footprint and ownership, object cache lines,
shared buffers seen by user_memcpy."""

from __future__ import annotations

import attrs

from simuring import Simulation
from simuring.cost import load_profile
from simuring.engine.plugins import cost_sections
from simuring.host.current import current_task
from simuring.host.memory import BufferLines, ObjectLines, copy_ns, memcpy_ns
from simuring.syscalls import (
    MAP_ANONYMOUS,
    MAP_SHARED,
    PROT_READ,
    PROT_WRITE,
    mmap,
    nanosleep,
    user_memcpy,
)

COSTS = load_profile("rfc-vm-32vcpu", cost_sections())
MEM = COSTS.mem


def test_a_copy_is_priced_by_the_tier_its_footprint_fits_in():
    n = 4096
    l1 = copy_ns(COSTS, n, MEM.l1_bytes)
    l2 = copy_ns(COSTS, n, MEM.l2_bytes)
    llc = copy_ns(COSTS, n, MEM.llc_bytes)
    dram = copy_ns(COSTS, n, MEM.llc_bytes + 1)
    assert l1 == MEM.memcpy_base_ns + int(n / MEM.l1_bytes_per_ns)
    assert l2 == MEM.memcpy_base_ns + int(n / MEM.l2_bytes_per_ns)
    assert llc == MEM.memcpy_base_ns + int(n / MEM.llc_bytes_per_ns)
    assert dram == MEM.memcpy_base_ns + int(n / MEM.dram_bytes_per_ns)
    assert memcpy_ns(COSTS, n) == copy_ns(COSTS, n, n)
    assert copy_ns(COSTS, 0, 1 << 30) == MEM.memcpy_base_ns


def test_remote_lines_cost_only_while_the_footprint_fits_in_l2():
    costs = attrs.evolve(COSTS, mem=attrs.evolve(MEM, remote_bytes_per_ns=2.0, l2_bytes_per_ns=32.0, llc_bytes_per_ns=16.0))
    n = 32768
    small, big = 65536, costs.mem.l2_bytes * 2
    assert copy_ns(costs, n, small, remote=True) == costs.mem.memcpy_base_ns + n // 2
    assert copy_ns(costs, n, small, remote=False) == costs.mem.memcpy_base_ns + n // 32
    # evicted to the LLC by the time it comes round: the footprint's tier
    assert copy_ns(costs, n, big, remote=True) == copy_ns(costs, n, big, remote=False)


def test_a_remote_copy_pays_its_first_line_and_a_write_into_remote_lines_streams_slower():
    mem = attrs.evolve(MEM, remote_bytes_per_ns=16.0, remote_write_bytes_per_ns=4.0, remote_copy_ns=50, l2_bytes_per_ns=32.0)
    costs = attrs.evolve(COSTS, mem=mem)
    n, fp = 32768, 65536
    assert copy_ns(costs, n, fp, remote=True) == mem.memcpy_base_ns + 50 + n // 16
    assert copy_ns(costs, n, fp, remote=True, into=True) == mem.memcpy_base_ns + 50 + n // 4
    assert copy_ns(costs, n, fp, into=True) == copy_ns(costs, n, fp)  # local lines: the tier, either way


def test_a_write_into_a_buffer_both_sides_stream_through_has_its_own_price():
    mem = attrs.evolve(MEM, remote_bytes_per_ns=16.0, remote_write_bytes_per_ns=8.0, remote_stream_write_bytes_per_ns=2.0, remote_copy_ns=0, l2_bytes_per_ns=32.0)
    costs = attrs.evolve(COSTS, mem=mem)
    n, fp = 32768, 65536
    assert copy_ns(costs, n, fp, remote=True, into=True, streamed=True) == mem.memcpy_base_ns + n // 2
    assert copy_ns(costs, n, fp, remote=True, into=True) == mem.memcpy_base_ns + n // 8
    # a read, or local lines, are priced as without it
    assert copy_ns(costs, n, fp, remote=True, streamed=True) == copy_ns(costs, n, fp, remote=True)
    assert copy_ns(costs, n, fp, into=True, streamed=True) == copy_ns(costs, n, fp)


def _on_cpu(cpu: int, body):
    """Run ``body(task)`` on CPU ``cpu`` after the earlier ones (staggered by 10 us)."""

    def task_fn():
        yield from nanosleep(1 + cpu * 10_000)
        task = current_task()
        before = task.cpu_time()
        body(task)
        return task.cpu_time() - before

    return task_fn


def run_on(*bodies):
    sim = Simulation(seed=1, overrides=["syscall.jitter_ns=0", "sched.wakeup_jitter_ns=0"])
    tasks = [sim.spawn(_on_cpu(i, body), name=f"t{i}", cpu=i) for i, body in enumerate(bodies)]
    result = sim.run()
    return [result.task(t.name).value for t in tasks], sim.costs


def test_buffer_lines_a_read_of_lines_another_cpu_wrote_is_remote_and_a_reread_is_not():
    buf = BufferLines(65536)
    paid, costs = run_on(lambda t: buf.write(t, 4096), lambda t: (buf.read(t, 4096), buf.read(t, 4096)))
    local = copy_ns(costs, 4096, 65536)
    remote = copy_ns(costs, 4096, 65536, remote=True)
    assert remote > local
    assert paid[0] == local  # nobody used it before
    assert paid[1] == remote + remote  # the writer's lines: remote; still the writer's: remote again


def test_buffer_lines_a_write_over_lines_another_cpu_read_is_remote():
    buf = BufferLines(65536)
    paid, costs = run_on(lambda t: buf.read(t, 64), lambda t: buf.write(t, 64), lambda t: buf.write(t, 64))
    assert paid[1] == copy_ns(costs, 64, 65536, remote=True, into=True)
    assert paid[2] == copy_ns(costs, 64, 65536, remote=True, into=True)


def test_object_lines_are_paid_for_by_a_cpu_that_did_not_use_them_last():
    obj = ObjectLines(3)
    paid, costs = run_on(lambda t: (obj.touch(t), obj.touch(t)), lambda t: obj.touch(t))
    assert paid == [0, 3 * costs.mem.cacheline_transfer_ns]
    assert obj.transfers == 1 and obj.owner_cpu == 1  # one move, of all three lines


def test_an_objects_lines_may_be_an_effective_count() -> None:
    # a measured count (unix.shared_lines): the lines paid in turn, some fetched at once
    obj = ObjectLines(2.5)
    paid, costs = run_on(lambda t: obj.touch(t), lambda t: obj.touch(t))
    assert paid == [0, round(2.5 * costs.mem.cacheline_transfer_ns)]


def test_user_memcpy_out_of_shared_memory_written_on_another_cpu_moves_its_lines():
    box: dict[str, object] = {}
    n = 4096

    def writer():
        view = yield from mmap(None, 65536, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)
        box["view"] = view
        task = current_task()
        before = task.cpu_time()
        user_memcpy(view, bytearray(b"x" * n), n)
        return task.cpu_time() - before

    def reader():
        yield from nanosleep(50_000)
        task = current_task()
        dst = bytearray(n)
        before = task.cpu_time()
        user_memcpy(dst, box["view"], n)
        first = task.cpu_time() - before
        before = task.cpu_time()
        user_memcpy(dst, bytearray(n), n)  # private to private
        return first, task.cpu_time() - before, bytes(dst[:1])

    sim = Simulation(seed=1)
    sim.spawn(writer, name="w", cpu=0, process=None)
    sim.spawn(reader, name="r", cpu=1)
    result = sim.run()
    costs = sim.costs
    assert result.task("w").value == copy_ns(costs, n, 65536)
    remote, private, _ = result.task("r").value
    assert remote == copy_ns(costs, n, 65536, remote=True)
    assert private == memcpy_ns(costs, n)


def test_user_memcpy_into_shared_memory_another_cpu_read_pays_the_streamed_price():
    box: dict[str, object] = {}
    n = 4096

    def reader():
        view = yield from mmap(None, 65536, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)
        box["view"] = view
        user_memcpy(bytearray(n), view, n)
        return None

    def writer():
        yield from nanosleep(50_000)
        task = current_task()
        before = task.cpu_time()
        user_memcpy(box["view"], bytearray(b"x" * n), n)
        return task.cpu_time() - before

    # distinct prices, so the test tells which one was paid
    sim = Simulation(seed=1, overrides=["mem.remote_write_bytes_per_ns=8", "mem.remote_stream_write_bytes_per_ns=3"])
    sim.spawn(reader, name="r", cpu=0, process=None)
    sim.spawn(writer, name="w", cpu=1)
    result = sim.run()
    assert result.task("w").value == copy_ns(sim.costs, n, 65536, remote=True, into=True, streamed=True)
    assert result.task("w").value > copy_ns(sim.costs, n, 65536, remote=True, into=True)


def test_a_pipe_write_after_a_read_on_another_cpu_pays_for_the_pipes_lines_and_pages():
    from simuring.kernel.costs import PipeCosts
    from simuring.syscalls import pipe, read, write

    fds: list[int] = []
    costs_seen: dict[str, int] = {}

    def writer():
        yield from pipe(fds)
        task = current_task()
        buf = bytearray(64)
        before = task.cpu_time()
        yield from write(fds[1], buf, 64)
        costs_seen["first"] = task.cpu_time() - before
        yield from nanosleep(50_000)  # the reader reads meanwhile, on CPU 1
        before = task.cpu_time()
        yield from write(fds[1], buf, 64)
        costs_seen["after_read"] = task.cpu_time() - before

    def reader():
        yield from nanosleep(20_000)
        yield from read(fds[0], bytearray(64), 64)

    sim = Simulation(seed=1, overrides=["syscall.jitter_ns=0", "sched.wakeup_jitter_ns=0"])
    w = sim.spawn(writer, name="w", cpu=0)
    sim.spawn(reader, name="r", cpu=1, process=w.process)
    sim.run()
    mem = sim.costs.mem
    # a write into the page lines the reader's CPU read: the remote write's price
    extra = round(sim.costs.get(PipeCosts).shared_lines * mem.cacheline_transfer_ns) + copy_ns(sim.costs, 64, 65536, remote=True, into=True) - copy_ns(sim.costs, 64, 65536)
    # the first write allocates its slot's page; the read freed it into the
    # pipe's page cache, where the second write finds it
    saved = sim.costs.get(PipeCosts).buf_alloc_ns
    # the first write may also have woken nobody; neither write wakes anyone here
    assert costs_seen["after_read"] - costs_seen["first"] == extra - saved
