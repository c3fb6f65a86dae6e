"""What a wake-up costs: an idle vCPU polls for ``sched.idle_poll_ns``, then halts;
waking a sleeper onto a halted vCPU takes an IPI (cost to the waker, latency to the
wakee).  And the seeded timing noise."""

from __future__ import annotations

import simpy

from simuring import Simulation
from simuring.cost import load_profile
from simuring.engine.plugins import cost_sections
from simuring.host.cpu import Scheduler
from simuring.host.spawner import Spawner
from simuring.host.task import Task, wake_task

NO_NOISE = ["syscall.jitter_ns=0", "sched.wakeup_jitter_ns=0"]


def wake_after_idle(idle_ns: int, poll_ns: int, *more: str, busy_ns: int = 0, sleeper_cpu: int = 1) -> tuple[int, int, Scheduler]:
    """The sleeper (CPU 1) blocks at t=0; the waker (CPU 0) wakes it ``idle_ns``
    later.  Returns what try_to_wake_up cost the waker and when the sleeper ran.
    ``busy_ns``: another task runs on CPU 1 from t=1 us for that long, then
    blocks for good (the sleeper's CPU is busy when it is woken).  ``sleeper_cpu=0``:
    the sleeper shares the waker's CPU."""
    costs = load_profile("rfc-vm-32vcpu", cost_sections()).with_overrides(NO_NOISE + [f"sched.idle_poll_ns={poll_ns}", *more])
    env = simpy.Environment()
    sched = Scheduler(env, costs)
    spawner = Spawner(env, sched, list)
    out: dict[str, int] = {}
    box: dict[str, object] = {}

    def sleeper(task: Task):
        ev = env.event()
        box["task"], box["ev"] = task, ev
        yield from task.sleep(ev)
        out["runs_at"] = int(env.now)

    def occupant(task: Task):
        yield from task.sleep(env.timeout(1_000))
        task.charge(busy_ns)
        yield from task.flush()
        yield from task.sleep(env.event())

    def waker(task: Task):
        task.charge(idle_ns)
        yield from task.flush()
        before = task.cpu_time()
        assert wake_task(task, box["task"], None, event=box["ev"])  # type: ignore[arg-type]
        out["paid"] = task.cpu_time() - before
        out["ttwu_at"] = task.now()
        yield from task.flush()

    spawner.spawn(sleeper, name="sleeper", process=None, cpu=sleeper_cpu)
    if busy_ns:
        spawner.spawn(occupant, name="occupant", process=None, cpu=1)
    spawner.spawn(waker, name="waker", process=None, cpu=0)
    env.run(until=10_000_000)
    return out["paid"], out["runs_at"] - idle_ns, sched


def test_waking_onto_a_polling_idle_cpu_needs_no_ipi():
    paid, latency, sched = wake_after_idle(idle_ns=1_000, poll_ns=10_000)
    s = sched.costs.sched
    assert paid == s.wakeup_ns
    assert latency == s.wakeup_latency_ns


def test_waking_onto_a_halted_cpu_sends_an_ipi_and_waits_for_the_halt_to_end():
    paid, latency, sched = wake_after_idle(idle_ns=50_000, poll_ns=10_000)
    s = sched.costs.sched
    assert paid == s.wakeup_ns + s.ipi_send_ns
    assert latency == s.wakeup_latency_ns + s.ipi_latency_ns


def test_a_long_halt_sinks_deeper_and_waking_from_it_takes_longer():
    deep = ("sched.deep_idle_ns=100000", "sched.deep_idle_exit_ns=25000")
    paid, latency, sched = wake_after_idle(50_000, 10_000, *deep)  # halted for 40 us: not deep yet
    s = sched.costs.sched
    assert latency == s.wakeup_latency_ns + s.ipi_latency_ns
    paid_deep, latency_deep, _ = wake_after_idle(150_000, 10_000, *deep)  # halted for 140 us
    assert latency_deep == latency + 25_000
    assert paid_deep == paid == s.wakeup_ns + s.ipi_send_ns  # the waker's side is the same IPI
    # without an exit cost there is no deeper state (the built-in profile)
    _, plain, _ = wake_after_idle(150_000, 10_000, "sched.deep_idle_ns=100000")
    assert plain == latency


def test_waking_onto_a_busy_cpu_enqueues_there_and_takes_its_run_queue_lines():
    """A sleeper whose CPU runs another task: the waker enqueues it on that CPU's
    run queue itself (no IPI), paying TTWU_REMOTE_LINES line transfers; the wakee
    runs once that CPU's task blocks."""
    from simuring.host.cpu import TTWU_REMOTE_LINES

    paid, latency, sched = wake_after_idle(10_000, 0, busy_ns=30_000)  # CPU 1 busy from 1 us to 31 us
    assert TTWU_REMOTE_LINES > 0
    assert paid == sched.costs.sched.wakeup_ns + TTWU_REMOTE_LINES * sched.costs.mem.cacheline_transfer_ns  # no IPI
    assert latency + 10_000 >= 31_000  # it ran after the other task's burst


def test_waking_onto_a_cpu_in_the_middle_of_a_task_switch_waits_for_its_run_queue_lock():
    """try_to_wake_up onto a CPU that is switching from one task to a queued one:
    __schedule holds that CPU's run-queue lock until finish_task_switch, so the
    waker spins until the switch ends, then enqueues the task as usual."""
    from simuring.host.cpu import TTWU_REMOTE_LINES

    costs = load_profile("rfc-vm-32vcpu", cost_sections()).with_overrides(NO_NOISE)
    env = simpy.Environment()
    sched = Scheduler(env, costs)
    spawner = Spawner(env, sched, list)
    box: dict[str, object] = {}
    paid: list[int] = []

    def sleeper(task: Task):  # runs 5 us on CPU 1, then blocks: CPU 1 switches to "next"
        task.charge(5_000)
        ev = env.event()
        box["task"], box["ev"] = task, ev
        yield from task.sleep(ev)

    def next_task(task: Task):  # queued on CPU 1 behind the sleeper
        task.charge(50_000)
        yield from task.flush()

    def waker(task: Task, at: int):
        task.charge(at)
        yield from task.flush()
        before = task.cpu_time()
        assert wake_task(task, box["task"], None, event=box["ev"])  # type: ignore[arg-type]
        paid.append(task.cpu_time() - before)

    spawner.spawn(sleeper, name="sleeper", process=None, cpu=1)
    spawner.spawn(next_task, name="next", process=None, cpu=1)
    spawner.spawn(lambda t: waker(t, 5_100), name="waker", process=None, cpu=0)
    env.run(until=1_000_000)
    s = costs.sched
    enqueue = s.wakeup_ns + TTWU_REMOTE_LINES * costs.mem.cacheline_transfer_ns
    assert s.context_switch_ns > 100
    assert paid == [enqueue + s.context_switch_ns - 100]  # the rest of the switch, then the enqueue


def test_a_cpu_takes_back_the_run_queue_lines_of_remote_wake_ups_at_its_next_switch():
    """The lines a remote try_to_wake_up took from a busy CPU come back at that
    CPU's next __schedule: the task switched in pays them once, on top of the
    switch, however many wake-ups took them; a switch after none pays the switch
    alone."""
    from simuring.host.cpu import TTWU_REMOTE_LINES

    costs = load_profile("rfc-vm-32vcpu", cost_sections()).with_overrides(NO_NOISE)
    env = simpy.Environment()
    sched = Scheduler(env, costs)
    spawner = Spawner(env, sched, list)
    sleepers: dict[str, tuple[Task, simpy.Event]] = {}
    switched_in: dict[str, int] = {}  # CPU time charged to a task by the time it resumes

    def runner(task: Task):  # CPU 1's task: runs 20 us, then blocks for good
        task.charge(20_000)
        yield from task.flush()
        yield from task.sleep(env.event())

    def sleeper(task: Task, name: str):  # blocks at once, runs again once woken
        ev = env.event()
        sleepers[name] = (task, ev)
        before = task.cpu_time()
        yield from task.sleep(ev)
        switched_in[name] = task.cpu_time() - before
        task.charge(10_000)
        yield from task.flush()
        yield from task.sleep(env.event())

    def waker(task: Task):  # on CPU 0: wakes both sleepers while CPU 1 runs the runner
        task.charge(5_000)
        yield from task.flush()
        for name in ("a", "b"):
            t, ev = sleepers[name]
            assert wake_task(task, t, None, event=ev)

    spawner.spawn(lambda t: sleeper(t, "a"), name="a", process=None, cpu=1)
    spawner.spawn(lambda t: sleeper(t, "b"), name="b", process=None, cpu=1)
    spawner.spawn(runner, name="runner", process=None, cpu=1)
    spawner.spawn(waker, name="waker", process=None, cpu=0)
    env.run(until=1_000_000)
    s = costs.sched
    lines = TTWU_REMOTE_LINES * costs.mem.cacheline_transfer_ns
    assert lines > 0
    assert switched_in["a"] == s.context_switch_ns + lines  # the first switch after the wake-ups
    assert switched_in["b"] == s.context_switch_ns  # no remote wake-up since: the switch alone


def test_a_gradual_deeper_sleep_adds_its_exit_latency_linearly_over_its_ramp():
    """sched.deep_idle_ramp: the deeper sleep's extra latency grows linearly over
    that fraction of deep_idle_ns before it (0, the default: all at once)."""
    deep = ("sched.deep_idle_ns=100000", "sched.deep_idle_exit_ns=40000")
    _, plain, sched = wake_after_idle(10_000, 10_000, *deep)  # halted 0 us
    base = sched.costs.sched.wakeup_latency_ns + sched.costs.sched.ipi_latency_ns
    assert plain == base

    def latency(halted_us: int, ramp: str) -> int:
        return wake_after_idle(10_000 + halted_us * 1000, 10_000, *deep, f"sched.deep_idle_ramp={ramp}")[1]

    assert [latency(h, "0") for h in (50, 99, 100, 400)] == [base, base, base + 40_000, base + 40_000]
    # a ramp over the last half: from 50 us halted to 100 us
    assert [latency(h, "0.5") for h in (25, 50, 75, 100, 400)] == [base, base, base + 20_000, base + 40_000, base + 40_000]
    # from the moment it halts
    assert [latency(h, "1") for h in (0, 25, 100)] == [base, base + 10_000, base + 40_000]
    # no deeper sleep, no ramp
    assert wake_after_idle(60_000, 10_000, "sched.deep_idle_ns=100000", "sched.deep_idle_ramp=1")[1] == base


def test_idle_state_follows_the_poll_window():
    env = simpy.Environment()
    costs = load_profile("rfc-vm-32vcpu", cost_sections()).with_overrides(["sched.idle_poll_ns=5000"])
    sched = Scheduler(env, costs)
    cpu = sched.cpus[3]
    assert sched.idle_state(cpu, 4_999) == "polling"
    assert sched.idle_state(cpu, 5_000) == "halted"
    deep = Scheduler(env, costs.with_overrides(["sched.deep_idle_ns=20000", "sched.deep_idle_exit_ns=1"]))
    assert deep.idle_state(deep.cpus[3], 24_999) == "halted"
    assert deep.idle_state(deep.cpus[3], 25_000) == "deep"


def test_jitter_is_seeded_exponential_and_zero_when_off():
    env = simpy.Environment()
    costs = load_profile("rfc-vm-32vcpu", cost_sections())
    a, b, c = Scheduler(env, costs, seed=7), Scheduler(env, costs, seed=7), Scheduler(env, costs, seed=8)
    xs = [a.jitter(100) for _ in range(4000)]
    assert xs == [b.jitter(100) for _ in range(4000)]
    assert xs != [c.jitter(100) for _ in range(4000)]
    assert all(x >= 0 for x in xs)
    assert 90 <= sum(xs) / len(xs) <= 110  # mean 100 (minus the rounding down)
    assert a.jitter(0) == 0


def _ping_pong(seed: int, rounds: int = 200) -> int:
    """Two tasks bounce 8 bytes over two pipes; the simulated time it took."""
    from simuring.syscalls import pipe, read, write

    a: list[int] = []
    b: list[int] = []

    def ping():
        yield from pipe(a)
        yield from pipe(b)
        buf = bytearray(8)
        for _ in range(rounds):
            yield from write(a[1], buf, 8)
            yield from read(b[0], buf, 8)

    def pong():
        buf = bytearray(8)
        for _ in range(rounds):
            yield from read(a[0], buf, 8)
            yield from write(b[1], buf, 8)

    sim = Simulation(seed=seed)
    p = sim.spawn(ping, name="ping", cpu=0)
    sim.spawn(pong, name="pong", cpu=1, process=p.process)  # runs once ping made the pipes
    sim.run()
    return sim.now


def test_noise_same_seed_same_run_other_seed_other_timing():
    assert _ping_pong(1) == _ping_pong(1)
    assert len({_ping_pong(s) for s in (1, 2, 3)}) == 3



def test_a_wake_up_onto_the_wakers_own_cpu_is_runnable_at_once() -> None:
    """ttwu onto the local run queue: no wake-up latency or noise; the wakee runs
    when the waker gives the CPU up (no wake-up preemption in the model), after a switch."""
    slow = ("sched.wakeup_latency_ns=20000", "sched.wakeup_jitter_ns=50000")
    _, runs_after, sched = wake_after_idle(5_000, 0, *slow, sleeper_cpu=0)
    costs = sched.costs.sched
    assert runs_after <= costs.wakeup_ns + 2 * costs.context_switch_ns  # far below 20 us and its noise
    _, remote_after, _ = wake_after_idle(5_000, 1_000_000, *slow)  # the other CPU, polling
    assert remote_after >= 20_000
