"""NOP round trips: submit one NOP, wait for it, repeat (the simplest io_uring loop).

    simuring run workloads/nop_loop.py -p ops=10000 -p flags=SINGLE_ISSUER,DEFER_TASKRUN
"""

from simuring import Simulation
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_submit_and_wait,
    io_uring_wait_cqe,
)
from simuring.setupflags import parse_setup_flags


def nop_task(sim, ops, entries, flags):
    ring, cqe = Ring(), Cqe()
    ret = yield from io_uring_queue_init(entries, ring, flags)
    if ret < 0:
        raise RuntimeError(f"io_uring_queue_init failed: {ret}")
    start = sim.now
    for i in range(ops):
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, i)
        yield from io_uring_submit_and_wait(ring, 1)
        yield from io_uring_wait_cqe(ring, cqe)
        io_uring_cqe_seen(ring, cqe[0])
    sim.report("ns_per_nop", (sim.now - start) / max(1, ops))
    yield from io_uring_queue_exit(ring)


def workload(sim, ops=1000, entries=64, flags="SINGLE_ISSUER,DEFER_TASKRUN", cpu=0):
    sim.spawn(nop_task, sim, ops, entries, parse_setup_flags(flags), name="nop", cpu=cpu)


if __name__ == "__main__":
    sim = Simulation(seed=1)
    workload(sim)
    print(sim.run().extra)
