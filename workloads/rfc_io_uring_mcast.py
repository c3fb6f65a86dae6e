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

Reported: window_ns (ns per window of window_messages messages),
window_messages, messages_sent, sender_ns_per_msg (over the whole stream,
start-up included), sender_enobufs_retries, backlog (per window: sent, not
yet taken by all receivers together), backlog_capacity.

The tasks: simuring.workloads.rfc_bench; the method and its assumptions:
docs/rfc-method.md.
"""

from simuring.workloads.rfc_bench import run_ipc
from simuring.workloads.standalone import run_standalone


def workload(sim, msg_size=64, receivers=1, messages=2000, window=10, ring_entries=256, setup_flags="0", placement="one_per_cpu"):
    """Stream ``messages`` messages over one multicast IPC channel.

    Args:
        msg_size: bytes per message.
        receivers: receivers; each message goes to one of them.
        messages: the stream's length, in messages.
        window: messages per entry of window_ns.
        ring_entries: the channel's slots (a power of two).
        setup_flags: the IORING_SETUP_* flags of every ring, names joined by
            '|' or ','; "0" for none (the raw interface, as published).
        placement: where the receivers run: "one_per_cpu" (receiver i on CPU
            1 + i, the RFC's; fewer receivers than CPUs) or "wrap" (receiver i
            on CPU 1 + i % (CPUs - 1), sharing CPUs).
    """
    run_ipc(sim, "io_uring_mcast", msg_size, receivers, messages, window, ring_entries, setup_flags, placement=placement)


if __name__ == "__main__":
    run_standalone(workload)
