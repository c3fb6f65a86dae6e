"""How the completion-delivery setup flags change what a waiting task pays.

A task submits eight READs on eight empty pipes and waits for all eight at
once; a second thread writes to the pipes 10 us apart.  Each READ parks on
its pipe through poll and completes from the writer's wake-up, so each
completion reaches the waiting task as task work:

* default: every completion wakes the sleeping task, which runs the work,
  finds fewer than eight CQEs and sleeps again (8 context switches);
* COOP_TASKRUN: the same while the task sleeps (no IPI is involved here);
* DEFER_TASKRUN: the work is queued on the ring and the task is woken once,
  when all eight are there (1 context switch).

(TIMEOUTs would not show the batching: the kernel queues a timeout's
completion with a plain, non-lazy task-work add, and a timeout firing ends
any wait.)

    python examples/delivery_modes.py

Step through one mode and watch the ring's deferred work grow before the
waiter wakes (docs/step.md):

    simuring step examples/delivery_modes.py -p flags=SINGLE_ISSUER,DEFER_TASKRUN
"""

from simuring import Simulation
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_get_sqe,
    io_uring_prep_read,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_submit,
    io_uring_wait_cqe_nr,
)
from simuring.setupflags import parse_setup_flags
from simuring.syscalls import nanosleep, pipe, write
from simuring.uapi import (
    IORING_SETUP_COOP_TASKRUN,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
)

MODES = {
    "default": 0,
    "COOP_TASKRUN": IORING_SETUP_COOP_TASKRUN,
    "SINGLE_ISSUER|DEFER_TASKRUN": IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
}
PIPES = 8


def waiter(flags, pipes):
    ring, cqe = Ring(), Cqe()
    yield from io_uring_queue_init(16, ring, flags)
    bufs = [bytearray(8) for _ in range(PIPES)]
    for i, buf in enumerate(bufs):
        fds = []
        yield from pipe(fds)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, fds[0], buf, len(buf), 0)
        io_uring_sqe_set_data64(sqe, i + 1)  # which pipe: the CQE's user_data
        pipes.append(fds)
    yield from io_uring_submit(ring)
    yield from io_uring_wait_cqe_nr(ring, cqe, PIPES)


def writer(pipes):
    while len(pipes) < PIPES:
        yield from nanosleep(1_000)
    for fds in pipes:
        yield from nanosleep(10_000)
        yield from write(fds[1], b"8 bytes!", 8)


def workload(sim, flags="SINGLE_ISSUER,DEFER_TASKRUN"):
    """One mode, for `simuring run` and `simuring step`.

    Args:
        flags: the waiter's ring's IORING_SETUP_* names joined by ',' or '|';
            "0" for the default mode.
    """
    pipes = []
    task = sim.spawn(waiter, parse_setup_flags(flags), pipes, name="waiter", cpu=0)
    sim.spawn(writer, pipes, name="writer", process=task.process, cpu=1)


def run(flags):
    """Run one mode; returns the waiting task (its context switches and CPU time)."""
    sim = Simulation(seed=1)
    pipes = []
    task = sim.spawn(waiter, flags, pipes, name="waiter", cpu=0)
    sim.spawn(writer, pipes, name="writer", process=task.process, cpu=1)
    sim.run()
    return task


if __name__ == "__main__":
    for name, flags in MODES.items():
        task = run(flags)
        print(f"{name:>28}: {task.context_switches} context switches, {task.cpu_ns} ns of CPU")
