"""IPC channel, unicast: one sender, N receivers (the RFC's benchmark shape).

Unicast: every receiver reads the stream through its own local_head; only the first RECV
subscriber in id order is woken, and whoever consumes moves the consumer head.

    simuring run workloads/ipc_unicast.py -p receivers=4 -p messages=1000
    python workloads/ipc_unicast.py

"""

from _ipc_fanout import PARAMS_DOC, run_fanout, run_standalone

__doc__ = f"{__doc__}\n{PARAMS_DOC}\n"

CHANNEL_FLAGS = 0


def workload(sim, msg_size=64, receivers=1, messages=1000, ring_entries=256, setup_flags="SINGLE_ISSUER|DEFER_TASKRUN"):
    run_fanout(sim, CHANNEL_FLAGS, False, msg_size, receivers, messages, ring_entries, setup_flags)


if __name__ == "__main__":
    run_standalone(workload)
