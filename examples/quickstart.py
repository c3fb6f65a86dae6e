"""The README example: NOP round trips on a SINGLE_ISSUER | DEFER_TASKRUN ring.

    python examples/quickstart.py
"""

from simuring import Simulation
from simuring.liburing import *
from simuring.uapi import *


def sender(n):
    ring, cqe = Ring(), Cqe()
    yield from io_uring_queue_init(64, ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
    for i in range(n):
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, i)
        yield from io_uring_submit_and_wait(ring, 1)
        ret = yield from io_uring_wait_cqe(ring, cqe)
        assert ret == 0 and cqe[0].user_data == i
        io_uring_cqe_seen(ring, cqe[0])
    yield from io_uring_queue_exit(ring)


if __name__ == "__main__":
    sim = Simulation(host="rfc-vm-32vcpu", seed=1)
    sim.spawn(sender, 1000, name="sender", cpu=0)
    result = sim.run()
    print(f"1000 NOP round trips took {result.sim_time_ns / 1000:.0f} ns each (simulated)")
