"""RFC benchmark, io_uring_mcast: an IPC channel in multicast mode (each
message to one receiver, wake-ups round-robin; no published figure: a
prediction).

Receivers share the consumer head (CAS; a lost race is -EAGAIN) and retry
IPC_RECV on -EAGAIN until all messages are taken.

Raw io_uring interface by default (``setup_flags="0"``: neither
SINGLE_ISSUER nor DEFER_TASKRUN, as published); the reviewer's what-if is
``-p setup_flags="SINGLE_ISSUER|DEFER_TASKRUN"``.

    simuring run workloads/rfc_io_uring_mcast.py -p receivers=16 -p msg_size=4096
    python workloads/rfc_io_uring_mcast.py

The method and its assumptions: docs/rfc-method.md.
"""

from _rfc_bench import PARAMS_DOC, run_ipc, run_standalone

__doc__ = f"{__doc__}\n{PARAMS_DOC}\nring_entries: channel slots (a power of two); setup_flags: IORING_SETUP_* names\njoined by '|' (\"0\" for none).\n"


def workload(sim, msg_size=64, receivers=1, messages=2000, window=10, ring_entries=256, setup_flags="0", placement="one_per_cpu"):
    run_ipc(sim, "io_uring_mcast", msg_size, receivers, messages, window, ring_entries, setup_flags, placement=placement)


if __name__ == "__main__":
    run_standalone(workload)
