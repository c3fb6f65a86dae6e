"""NOP round trips: submit one NOP, wait for it, repeat (the simplest io_uring loop).

One task, its own process with one ring: per operation it prepares a NOP,
submits it with io_uring_submit_and_wait(ring, 1) and reaps its CQE.

    simuring run workloads/nop_loop.py -p ops=10000 -p flags=SINGLE_ISSUER,DEFER_TASKRUN
    python workloads/nop_loop.py

Reported: ns_per_nop (simulated ns per round trip, ring set-up excluded).
"""

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
from simuring.workloads.params import check_call, check_positive
from simuring.workloads.standalone import run_standalone


def nop_task(sim, ops, entries, flags):
    """``ops`` NOP round trips on a ring of ``entries`` entries set up with ``flags`` (the text)."""
    ring, cqe = Ring(), Cqe()
    ret = yield from io_uring_queue_init(entries, ring, parse_setup_flags(flags))
    check_call(ret, "io_uring_queue_init", entries=entries, flags=flags)
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
    """Run ``ops`` NOP round trips on one ring.

    Args:
        ops: NOPs, each submitted and reaped before the next.
        entries: the ring's SQ size.
        flags: the ring's IORING_SETUP_* flags, names joined by '|' or ',';
            "0" for none.
        cpu: the CPU the task is pinned to.
    """
    check_positive(ops=ops, entries=entries)
    parse_setup_flags(flags)  # an unknown name is a ValueError before the task starts
    sim.spawn(nop_task, sim, ops, entries, flags, name="nop", cpu=cpu)


if __name__ == "__main__":
    run_standalone(workload)
