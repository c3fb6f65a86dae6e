"""IPC channel, broadcast: one sender, N receivers (the RFC's benchmark shape).

Broadcast: every receiver gets every message; the slowest receiver holds the producer back.

    simuring run workloads/ipc_broadcast.py -p receivers=4 -p messages=1000
    python workloads/ipc_broadcast.py

Parameters: msg_size (bytes), receivers, messages, ring_entries (channel
slots, a power of two), setup_flags (IORING_SETUP_* names joined by '|' or
',', e.g. "SINGLE_ISSUER|DEFER_TASKRUN"; "0" for none).  Reported figures:
sender_ns_per_msg, sender_enobufs_retries, received_total, received_min,
recv_eagain_total, ipc_wakeups, ipc_wakeup_cost_ns, ipc_wake_targets,
ipc_head_scans, ipc_reserve_retries, ipc_recv_lost_races, iowq_punts.
"""

from _ipc_fanout import run_fanout

from simuring import Simulation
from simuring.uapi import IOIPC_F_BROADCAST, IOIPC_F_MULTICAST  # noqa: F401

CHANNEL_FLAGS = IOIPC_F_BROADCAST


def workload(sim, msg_size=64, receivers=1, messages=1000, ring_entries=256, setup_flags="SINGLE_ISSUER|DEFER_TASKRUN"):
    run_fanout(sim, CHANNEL_FLAGS, False, msg_size, receivers, messages, ring_entries, setup_flags)


if __name__ == "__main__":
    sim = Simulation(seed=1)
    workload(sim)
    result = sim.run()
    for key, value in sorted(result.extra.items()):
        print(f"{key}: {value}")
