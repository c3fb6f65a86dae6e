"""IPC channel, broadcast: one sender, N receivers (the RFC's benchmark shape).

Broadcast: every receiver gets every message; the slowest receiver holds the producer back.

    simuring run workloads/ipc_broadcast.py -p receivers=4 -p messages=1000
    python workloads/ipc_broadcast.py

"""

from _ipc_fanout import PARAMS_DOC, run_fanout, run_standalone

__doc__ = f"{__doc__}\n{PARAMS_DOC}\n"

from simuring.uapi import IOIPC_F_BROADCAST

CHANNEL_FLAGS = IOIPC_F_BROADCAST


def workload(sim, msg_size=64, receivers=1, messages=1000, ring_entries=256, setup_flags="SINGLE_ISSUER|DEFER_TASKRUN"):
    run_fanout(sim, CHANNEL_FLAGS, False, msg_size, receivers, messages, ring_entries, setup_flags)


if __name__ == "__main__":
    run_standalone(workload)
