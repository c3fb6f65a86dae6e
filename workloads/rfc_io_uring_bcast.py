"""RFC benchmark, io_uring_bcast: an IPC channel in broadcast mode (the RFC's
io_uring broadcast figures).

Every receiver gets every message and is woken by every SEND; the slowest
receiver holds the producer back (the sender retries on -ENOBUFS).
Receivers retry IPC_RECV on -EAGAIN.

Raw io_uring interface by default (``setup_flags="0"``: neither
SINGLE_ISSUER nor DEFER_TASKRUN, as published); the reviewer's what-if is
``-p setup_flags="SINGLE_ISSUER|DEFER_TASKRUN"``.

    simuring run workloads/rfc_io_uring_bcast.py -p receivers=16 -p msg_size=4096
    python workloads/rfc_io_uring_bcast.py

The method and its assumptions: docs/rfc-method.md.
"""

from _rfc_bench import PARAMS_DOC, run_ipc, run_standalone

__doc__ = f"{__doc__}\n{PARAMS_DOC}\nring_entries: channel slots (a power of two); setup_flags: IORING_SETUP_* names\njoined by '|' (\"0\" for none).\n"


def workload(sim, msg_size=64, receivers=1, messages=2000, window=10, ring_entries=256, setup_flags="0", placement="one_per_cpu"):
    run_ipc(sim, "io_uring_bcast", msg_size, receivers, messages, window, ring_entries, setup_flags, placement=placement)


if __name__ == "__main__":
    run_standalone(workload)
