"""Kernel events in words: a phrase per kind, and the generic fallback."""

from __future__ import annotations

import pytest

from simuring import Simulation
from simuring.step.phrases import PHRASES, describe, generic
from simuring.uapi import (
    IORING_OP_NOP,
    IORING_OP_READ,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
)
from tests.helpers.bundled import load_bundled, small_params

# one record per kind, with the kernel's field names (include/trace/events/io_uring.h, sched.h)
KERNEL = {
    "io_uring_create": ({"fd": 3, "ctx": 1, "sq_entries": 8, "cq_entries": 16, "flags": IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN},
                        "ring 1 created: fd 3, SQ 8, CQ 16 entries, flags SINGLE_ISSUER|DEFER_TASKRUN"),
    "io_uring_register": ({"ctx": 1, "opcode": 2, "ret": -22}, "ring 1: io_uring_register opcode 2 returned -EINVAL"),
    "io_uring_submit_req": ({"ctx": 3, "req": 7, "user_data": 42, "opcode": IORING_OP_READ, "flags": 0, "sq_thread": False},
                            "ring 3: READ user_data=0x2a submitted"),
    "io_uring_queue_async_work": ({"ctx": 3, "user_data": 42, "opcode": IORING_OP_READ, "rw": 1},
                                  "ring 3: READ user_data=0x2a punted to io-wq (hashed)"),
    "io_uring_poll_arm": ({"ctx": 3, "user_data": 42, "opcode": IORING_OP_READ, "mask": 1, "events": 0x41},
                          "ring 3: READ user_data=0x2a would block: poll armed for events 0x41"),
    "io_uring_task_add": ({"ctx": 3, "user_data": 42, "opcode": IORING_OP_READ, "mask": 1},
                          "ring 3: READ user_data=0x2a completion queued as task work"),
    "io_uring_task_work_run": ({"tctx": 1, "count": 2}, "a task ran 2 task-work items"),
    "io_uring_local_work_run": ({"ctx": 3, "count": 4, "loops": 1}, "ring 3: owner ran 4 deferred task-work items (DEFER_TASKRUN)"),
    "io_uring_complete": ({"ctx": 3, "req": 7, "user_data": 42, "res": 0, "cflags": 0}, "ring 3: CQE user_data=0x2a res=0 posted"),
    "io_uring_cqring_wait": ({"ctx": 3, "min_events": 1}, "ring 3: waiting for 1 CQE"),
    "io_uring_cqe_overflow": ({"ctx": 3, "user_data": 42, "res": -11, "cflags": 0, "ocqe": 1},
                              "ring 3: CQ full, CQE user_data=0x2a res=-EAGAIN queued on the overflow list"),
    "io_uring_req_failed": ({"ctx": 3, "user_data": 42, "opcode": IORING_OP_NOP, "error": -22},
                            "ring 3: NOP user_data=0x2a failed: -EINVAL"),
    "io_uring_link": ({"ctx": 3, "req": 8, "target_req": 7}, "ring 3: request 8 linked after request 7"),
    "io_uring_fail_link": ({"ctx": 3, "req": 8, "user_data": 43, "opcode": IORING_OP_NOP, "link": 9},
                           "ring 3: NOP user_data=0x2b cancelled: an earlier request of its link failed"),
    "io_uring_defer": ({"ctx": 3, "req": 8, "data": 43, "opcode": IORING_OP_NOP},
                       "ring 3: NOP user_data=0x2b deferred until the requests before it complete (drain)"),
    "sched_switch": ({"cpu": 2, "prev_comm": "sender", "prev_pid": 4, "prev_state": "S", "next_comm": "receiver1", "next_pid": 5},
                     "CPU 2: 'sender' (tid 4) switched out (S), 'receiver1' (tid 5) runs"),
    "sched_wakeup": ({"comm": "receiver1", "pid": 5, "prio": 120, "target_cpu": 2}, "task 'receiver1' (tid 5) woken onto CPU 2"),
    "ipc_create": ({"ring": 1, "channel": 2, "flags": 0}, "ring 1: IPC channel 2 created"),
    "ipc_attach": ({"ring": 1, "channel": 2, "sub": 0, "flags": 0}, "ring 1: attached to IPC channel 2 as subscriber 0"),
    "ipc_send": ({"channel": 2, "seq": 5, "msg_id": 6, "len": 64}, "IPC channel 2: message 6 (64 bytes) sent at seq 5"),
    "ipc_recv": ({"channel": 2, "msg_id": 6, "len": 64}, "IPC channel 2: message 6 (64 bytes) received"),
    "sched_wakeup_new": ({"comm": "sender", "pid": 4, "prio": 120, "target_cpu": 0}, "new task 'sender' (tid 4) ready on CPU 0"),
    "ipc_detach": ({"ctx": 1, "channel": 2, "sub": 0}, "ring 1: detached from IPC channel 2 (subscriber 0)"),
    "ipc_destroy": ({"ctx": 1, "channel": 2}, "ring 1: IPC channel 2 destroyed"),
    "ipc_wake": ({"ctx": 2, "channel": 1, "sub": 3, "woken": 1}, "IPC channel 1: message for ring 2 (subscriber 3): 1 waiting task woken"),
}


@pytest.mark.parametrize("kind", sorted(KERNEL))
def test_each_kind_has_its_phrase(kind):
    fields, words = KERNEL[kind]
    assert describe({"t": 100, "event": kind, **fields}) == words


def test_every_phrase_of_the_table_is_tested():
    assert set(PHRASES) == set(KERNEL)


def test_phrases_read_simurings_field_names_too():
    assert describe({"t": 0, "event": "io_uring_complete", "ring": 3, "user_data": 42, "res": -11, "flags": 2}) == (
        "ring 3: CQE user_data=0x2a res=-EAGAIN flags=0x2 posted"
    )
    assert describe({"t": 0, "event": "sched_wakeup", "task": "receiver1", "tid": 5, "cpu": 2}) == "task 'receiver1' (tid 5) woken onto CPU 2"
    assert describe({"t": 0, "event": "io_uring_submit_req", "ring": 1, "user_data": 1, "opcode": "IORING_OP_NOP", "sq_thread": True}) == (
        "ring 1: NOP user_data=0x1 submitted by the SQ thread"
    )


def test_an_unknown_kind_is_said_field_by_field():
    event = {"t": 5, "event": "io_uring_short_write", "ctx": 1, "fpos": 0, "wanted": 8, "got": 4}
    assert describe(event) == "io_uring_short_write ctx=1 fpos=0 wanted=8 got=4"
    assert generic({"event": "x", "user_data": 255}) == "x user_data=0xff"


def test_a_record_lacking_a_field_its_phrase_needs_falls_back():
    assert describe({"t": 5, "event": "io_uring_complete", "ctx": 1}) == "io_uring_complete ctx=1"
    assert describe({"t": 5, "event": "sched_wakeup", "pid": "x"}) == "sched_wakeup pid=x"


def test_todays_trace_of_a_run_is_all_in_words():
    """Whatever the simulator records is said in words (a phrase or the fallback), one line each."""
    fn = load_bundled("ipc_unicast")
    sim = Simulation(seed=1, trace=True)
    fn(sim, **small_params(fn))
    sim.run()
    kinds = {e["event"] for e in sim.tracer.events}
    assert {"io_uring_complete", "ipc_send", "ipc_recv", "sched_switch"} <= kinds
    for event in sim.tracer.events:
        words = describe(event)
        assert words and "\n" not in words
