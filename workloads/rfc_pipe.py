"""RFC benchmark, pipe: a pipe per receiver, written in turn by the single
sender (the RFC's pipe baseline).

Each receiver blocks in read(2) of one message's bytes; the sender's blocking
write(2) returns once the message is in the pipe (16 buffers of 4 KiB).

    simuring run workloads/rfc_pipe.py -p receivers=16 -p msg_size=4096
    python workloads/rfc_pipe.py

The method and its assumptions: docs/rfc-method.md.
"""

from _rfc_bench import PARAMS_DOC, run_baseline, run_standalone

__doc__ = f"{__doc__}\n{PARAMS_DOC}\n"


def workload(sim, msg_size=64, receivers=1, messages=2000, window=10, placement="one_per_cpu"):
    run_baseline(sim, "pipe", msg_size, receivers, messages, window, placement=placement)


if __name__ == "__main__":
    run_standalone(workload)
