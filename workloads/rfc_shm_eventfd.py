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

Reported: window_ns (ns per window of window_messages messages),
window_messages, messages_sent, sender_ns_per_msg (over the whole stream,
start-up included), shm_full_waits (times the sender found a ring full).

The tasks: simuring.workloads.rfc_bench; the method and its assumptions:
docs/rfc-method.md.
"""

from simuring.workloads.rfc_bench import run_baseline
from simuring.workloads.standalone import run_standalone


def workload(sim, msg_size=64, receivers=1, messages=2000, window=10, buffer_bytes=65536, spin_ns=50_000, placement="one_per_cpu"):
    """Stream ``messages`` messages through one shared-memory ring and eventfd per receiver.

    Args:
        msg_size: bytes per message.
        receivers: receivers; every message goes to each of them.
        messages: the stream's length, in messages.
        window: messages per entry of window_ns.
        buffer_bytes: each receiver's ring, in bytes; it holds
            max(1, buffer_bytes // msg_size) messages (default 64 KiB, a
            pipe's capacity: an assumption).
        spin_ns: how long a receiver polls its empty ring (or the sender a
            full one) before it sleeps; default 50 us, the busy-poll budget
            the kernel documentation recommends for sockets (an assumption);
            0: no polling.
        placement: where the receivers run: "one_per_cpu" (receiver i on CPU
            1 + i, the RFC's; fewer receivers than CPUs) or "wrap" (receiver i
            on CPU 1 + i % (CPUs - 1), sharing CPUs).
    """
    run_baseline(sim, "shm_eventfd", msg_size, receivers, messages, window, buffer_bytes, spin_ns, placement=placement)


if __name__ == "__main__":
    run_standalone(workload)
