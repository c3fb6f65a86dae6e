"""How the completion-delivery setup flags change what a waiting task pays.

Eight TIMEOUTs expire 10 us apart; the task waits for all eight at once.
Each completion comes from a timer, so it reaches the task as task work:

* default: every completion wakes the sleeping task (8 context switches);
* COOP_TASKRUN: the same while the task sleeps (no IPI is involved here);
* DEFER_TASKRUN: the work is queued on the ring and the task is woken once,
  when all 8 are there (1 context switch).

    python examples/delivery_modes.py
"""

from simuring import Simulation
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_get_sqe,
    io_uring_prep_timeout,
    io_uring_queue_init,
    io_uring_submit,
    io_uring_wait_cqe_nr,
)
from simuring.uapi import (
    IORING_SETUP_COOP_TASKRUN,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    Timespec,
)

MODES = {
    "default": 0,
    "COOP_TASKRUN": IORING_SETUP_COOP_TASKRUN,
    "SINGLE_ISSUER|DEFER_TASKRUN": IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
}


def waiter(flags):
    ring, cqe = Ring(), Cqe()
    yield from io_uring_queue_init(16, ring, flags)
    for i in range(8):
        io_uring_prep_timeout(io_uring_get_sqe(ring), Timespec(0, (i + 1) * 10_000), 0, 0)
    yield from io_uring_submit(ring)
    yield from io_uring_wait_cqe_nr(ring, cqe, 8)


if __name__ == "__main__":
    for name, flags in MODES.items():
        sim = Simulation(seed=1)
        task = sim.spawn(waiter, flags, name=name)
        sim.run()
        print(f"{name:>28}: {task.context_switches} context switches, {task.cpu_ns} ns of CPU")
