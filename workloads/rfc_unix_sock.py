"""RFC benchmark, unix_sock: an AF_UNIX stream socket pair per receiver, written
in turn by the single sender (the RFC's unix socket baseline).

Each receiver blocks in recv(2) of one message's bytes; the sender's blocking
send(2) returns once the message is queued (send buffer: the profile's
unix.wmem_default_bytes).

    simuring run workloads/rfc_unix_sock.py -p receivers=16 -p msg_size=4096
    python workloads/rfc_unix_sock.py

Reported: window_ns (ns per window of window_messages messages),
window_messages, messages_sent, sender_ns_per_msg (over the whole stream,
start-up included).

The tasks: simuring.workloads.rfc_bench; the method and its assumptions:
docs/rfc-method.md.
"""

from simuring.workloads.rfc_bench import run_baseline
from simuring.workloads.standalone import run_standalone


def workload(sim, msg_size=64, receivers=1, messages=2000, window=10, placement="one_per_cpu"):
    """Stream ``messages`` messages through one AF_UNIX socket pair per receiver.

    Args:
        msg_size: bytes per message.
        receivers: receivers; every message goes to each of them.
        messages: the stream's length, in messages.
        window: messages per entry of window_ns.
        placement: where the receivers run: "one_per_cpu" (receiver i on CPU
            1 + i, the RFC's; fewer receivers than CPUs) or "wrap" (receiver i
            on CPU 1 + i % (CPUs - 1), sharing CPUs).
    """
    run_baseline(sim, "unix_sock", msg_size, receivers, messages, window, placement=placement)


if __name__ == "__main__":
    run_standalone(workload)
