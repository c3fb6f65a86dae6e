"""A snapshot as lines of a given width (the terminal view and ``--no-ui`` print the same)."""

from __future__ import annotations

from simuring import Simulation
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_submit,
)
from simuring.step.driver import Stepper
from simuring.step.render import as_text, fit, pack, ring_lines, task_line
from simuring.step.state import RingView, TaskView, snapshot
from simuring.syscalls import nanosleep


def test_fit_and_pack():
    assert fit("abcdef", 6) == "abcdef" and fit("abcdefg", 6) == "abcde…"
    assert pack("CQ: ", [], 20) == "CQ: empty"
    assert pack("CQ: ", ["a1", "b2", "c3"], 40) == "CQ: a1  b2  c3"
    line = pack("CQ: ", [f"item{i:02}" for i in range(20)], 40)
    assert len(line) <= 40 and line.startswith("CQ: item00  item01") and line.endswith(" more")
    assert line.endswith(f"+{20 - line.count('item')} more")


def flood():
    ring = Ring()
    yield from io_uring_queue_init(4, ring, 0)
    for batch in range(3):
        for i in range(4):
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_nop(sqe)
            io_uring_sqe_set_data64(sqe, 0x1000 * batch + i)
        yield from io_uring_submit(ring)
    yield from nanosleep(100_000)


def test_a_full_ring_fits_in_80_columns():
    sim = Simulation(seed=1, trace=True)
    sim.spawn(flood, name="a-task-with-a-rather-long-name", cpu=3)
    st = Stepper(sim)
    st.until(50_000)
    text = as_text(snapshot(sim, since=st.since, steps=st.steps, note=st.note), "flood.py")
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    assert "  CQ head 0 tail 8 mask 7: [0] 0x0 res=0  [1] 0x1 res=0" in text
    assert "  overflow list 4: 0x2000 res=0, 0x2001 res=0, …  SQ flags CQ_OVERFLOW" in lines
    assert " 1000 a-task-with-a-ra sleeping    -   0" in lines


def ring(**kw) -> RingView:
    base = dict(
        id=2, flags=("SINGLE_ISSUER", "DEFER_TASKRUN"), owner="w", dead=False, sq_head=0, sq_tail=0, sq_mask=7, sq_entries=8,
        sqes=(), sq_flags=(), sq_dropped=0, cq_head=0, cq_tail=0, cq_mask=15, cq_entries=16, cqes=(), overflow=(),
        cq_overflow=0, overflowed=0, posted=0, local_work=3, inflight=3, waiters=(),
    )
    return RingView(**{**base, **kw})


def test_ring_lines():
    lines = ring_lines(ring(), 80)
    assert lines == [
        "ring 2  SINGLE_ISSUER|DEFER_TASKRUN  owner 'w'  in flight 3",
        "  SQ head 0 tail 0 mask 7: empty",
        "  CQ head 0 tail 0 mask 15: empty",
        "  overflow list 0  local work 3",
    ]
    assert ring_lines(ring(dead=True, posted=5), 80) == ["ring 2 (closed) SINGLE_ISSUER|DEFER_TASKRUN  5 CQEs posted"]
    assert ring_lines(ring(sq_dropped=1), 80)[-1].endswith("dropped SQ 1 CQ 0")


def test_task_line():
    task = TaskView(name="iou-sqp-1000", tid=1002, pid=1000, kthread=True, state="running", in_kernel=True, cpu=4,
                    task_work=2, notify_signal=True, local_work=((1, 2),))
    assert task_line(task, 100) == " 1002 [iou-sqp-1000]   running     4   2  in the kernel, TIF_NOTIFY_SIGNAL, ring 1 local work 2"
