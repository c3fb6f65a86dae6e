"""RFC benchmark, shm_eventfd: a shared-memory ring plus an eventfd per
receiver, written in turn by the single sender (the RFC's shm+eventfd baseline).

Per message and receiver the sender copies the message into the receiver's
ring (user_memcpy) and signals its eventfd (eventfd_write); a receiver that
finds its ring empty polls it for up to ``spin_ns`` (spin-then-block), then
sleeps in eventfd_read, and copies each message out.
Each ring holds ``buffer_bytes // msg_size`` messages (at least one); a
sender that finds a ring full sets a flag and sleeps on a second eventfd,
which the receiver signals after freeing a slot.

    simuring run workloads/rfc_shm_eventfd.py -p receivers=16 -p msg_size=4096
    python workloads/rfc_shm_eventfd.py

The method and its assumptions: docs/rfc-method.md.
"""

from _rfc_bench import PARAMS_DOC, run_baseline, run_standalone

__doc__ = (
    f"{__doc__}\n{PARAMS_DOC}\nbuffer_bytes: each receiver's ring, in bytes (default 64 KiB, a pipe's capacity: an assumption).\n"
    "spin_ns: how long a receiver polls its empty ring (or the sender a full one) before it sleeps\n"
    "(default 50 us, the busy-poll budget the kernel documentation recommends for sockets: an assumption; 0: no polling).\n"
)


def workload(sim, msg_size=64, receivers=1, messages=2000, window=10, buffer_bytes=65536, spin_ns=50_000, placement="one_per_cpu"):
    run_baseline(sim, "shm_eventfd", msg_size, receivers, messages, window, buffer_bytes, spin_ns, placement=placement)


if __name__ == "__main__":
    run_standalone(workload)
