"""RFC benchmark, unix_sock: an AF_UNIX stream socket pair per receiver, written
in turn by the single sender (the RFC's unix socket baseline).

Each receiver blocks in recv(2) of one message's bytes; the sender's blocking
send(2) returns once the message is queued (send buffer: the profile's
unix.wmem_default_bytes).

    simuring run workloads/rfc_unix_sock.py -p receivers=16 -p msg_size=4096
    python workloads/rfc_unix_sock.py

The method and its assumptions: docs/rfc-method.md.
"""

from _rfc_bench import PARAMS_DOC, run_baseline, run_standalone

__doc__ = f"{__doc__}\n{PARAMS_DOC}\n"


def workload(sim, msg_size=64, receivers=1, messages=2000, window=10, placement="one_per_cpu"):
    run_baseline(sim, "unix_sock", msg_size, receivers, messages, window, placement=placement)


if __name__ == "__main__":
    run_standalone(workload)
