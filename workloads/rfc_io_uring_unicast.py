"""RFC benchmark, io_uring_unicast: an IPC channel in unicast mode (the RFC's
point-to-point io_uring figures).

The sender IPC_SENDs each message (one submit per SEND, retrying on
-ENOBUFS); only the first receiver is woken; receivers retry IPC_RECV on
-EAGAIN (each empty attempt is an io-wq round trip).

Raw io_uring interface by default (``setup_flags="0"``: neither
SINGLE_ISSUER nor DEFER_TASKRUN, as published); the reviewer's what-if is
``-p setup_flags="SINGLE_ISSUER|DEFER_TASKRUN"``.

    simuring run workloads/rfc_io_uring_unicast.py -p receivers=16 -p msg_size=4096
    python workloads/rfc_io_uring_unicast.py

Reported: window_ns (ns per window of window_messages messages),
window_messages, messages_sent, sender_ns_per_msg (over the whole stream,
start-up included), sender_enobufs_retries, backlog (per window: sent, not
yet taken by the slowest receiver), backlog_capacity.

The tasks: simuring.workloads.rfc_bench; the method and its assumptions:
docs/rfc-method.md.
"""

from simuring.workloads.rfc_bench import run_ipc
from simuring.workloads.standalone import run_standalone


def workload(sim, msg_size=64, receivers=1, messages=2000, window=10, ring_entries=256, setup_flags="0", placement="one_per_cpu"):
    """Stream ``messages`` messages over one unicast IPC channel.

    Args:
        msg_size: bytes per message.
        receivers: receivers; every message goes to each of them.
        messages: the stream's length, in messages.
        window: messages per entry of window_ns.
        ring_entries: the channel's slots (a power of two).
        setup_flags: the IORING_SETUP_* flags of every ring, names joined by
            '|' or ','; "0" for none (the raw interface, as published).
        placement: where the receivers run: "one_per_cpu" (receiver i on CPU
            1 + i, the RFC's; fewer receivers than CPUs) or "wrap" (receiver i
            on CPU 1 + i % (CPUs - 1), sharing CPUs).
    """
    run_ipc(sim, "io_uring_unicast", msg_size, receivers, messages, window, ring_entries, setup_flags, placement=placement)


if __name__ == "__main__":
    run_standalone(workload)
