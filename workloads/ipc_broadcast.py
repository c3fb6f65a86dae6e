"""IPC channel, broadcast: one sender, N receivers (the RFC's benchmark shape).

Broadcast: every receiver gets every message; the slowest receiver holds the producer back.

    simuring run workloads/ipc_broadcast.py -p receivers=4 -p messages=1000
    simuring run workloads/ipc_broadcast.py -p ring_entries=64 -p setup_flags=0
    python workloads/ipc_broadcast.py

Reported (simuring.workloads.ipc_fanout): sender_ns_per_msg,
sender_enobufs_retries, received_total, received_min, recv_eagain_total,
ipc_wakeups, ipc_wakeup_cost_ns, ipc_wake_targets, ipc_head_scans,
ipc_reserve_retries, ipc_recv_lost_races, iowq_punts.  The sender and each
receiver are processes with their own ring (sender on CPU 0, receiver i on
CPU (1 + i) % CPUs); a last task, "summary", is a helper (not measured) that
reports the totals once they are done.
"""

from simuring.uapi import IOIPC_F_BROADCAST
from simuring.workloads.ipc_fanout import run_fanout
from simuring.workloads.standalone import run_standalone

CHANNEL_FLAGS = IOIPC_F_BROADCAST
MULTICAST = False


def workload(sim, msg_size=64, receivers=1, messages=1000, ring_entries=256, setup_flags="SINGLE_ISSUER|DEFER_TASKRUN"):
    """Stream ``messages`` messages to ``receivers`` receivers over one broadcast IPC channel.

    Args:
        msg_size: bytes per message (the channel's max_msg_size).
        receivers: receivers, each a process with its own ring.
        messages: messages the sender sends.
        ring_entries: the channel's slots (a power of two).
        setup_flags: the IORING_SETUP_* flags of every ring, names joined by
            '|' or ',' (e.g. "SINGLE_ISSUER|DEFER_TASKRUN"); "0" for none.
    """
    run_fanout(sim, CHANNEL_FLAGS, MULTICAST, msg_size, receivers, messages, ring_entries, setup_flags)


if __name__ == "__main__":
    run_standalone(workload)
