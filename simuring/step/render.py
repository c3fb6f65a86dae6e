"""A :class:`~simuring.step.state.Snapshot` as lines of text of a given width.

The terminal view and ``simuring step --no-ui`` print the same lines: a
header (script, clock, events), the rings (four lines per live ring: its
flags and owner; SQ head/tail/mask and the SQEs between; CQ head/tail/mask
and the CQEs between; the overflow list, the deferred work, the waiters),
the tasks (one line each), and the last kernel events in words.  A line
longer than the width ends in "…"; a list of entries too long for its line
ends in "+N more".
"""

from __future__ import annotations

from collections.abc import Sequence

from simuring.step.state import CqeView, RingView, Snapshot, SqeView, TaskView


def fit(line: str, width: int) -> str:
    """``line`` cut to ``width`` columns, ending in "…" when cut."""
    return line if len(line) <= width else line[: max(0, width - 1)] + "…"


def pack(prefix: str, items: Sequence[str], width: int, empty: str = "empty") -> str:
    """``prefix`` then as many ``items`` as fit in ``width``, then "+N more"."""
    if not items:
        return fit(f"{prefix}{empty}", width)
    line = prefix
    for i, item in enumerate(items):
        rest = len(items) - i - 1
        more = f" +{rest} more" if rest else ""
        candidate = f"{line}{'' if line == prefix else '  '}{item}"
        if len(candidate) + len(more) > width and line != prefix:
            return fit(f"{line} +{len(items) - i} more", width)
        line = candidate
    return fit(line, width)


def _sqe(sqe: SqeView, mask: int) -> str:
    flags = "+" + "|".join(sqe.flags) if sqe.flags else ""
    return f"[{sqe.pos & mask}] {sqe.opcode} {sqe.user_data:#x}{flags}"


def _cqe(cqe: CqeView, slot: int | None = None) -> str:
    where = f"[{slot}] " if slot is not None else ""
    flags = " " + "|".join(cqe.flags) if cqe.flags else ""
    return f"{where}{cqe.user_data:#x} res={cqe.res}{flags}"


def ring_lines(ring: RingView, width: int) -> list[str]:
    flags = "|".join(ring.flags) or "no setup flags"
    if ring.dead:
        return [fit(f"ring {ring.id} (closed) {flags}  {ring.posted} CQEs posted", width)]
    head = f"ring {ring.id}  {flags}  owner '{ring.owner}'  in flight {ring.inflight}"
    sq = f"  SQ head {ring.sq_head} tail {ring.sq_tail} mask {ring.sq_mask}: "
    cq = f"  CQ head {ring.cq_head} tail {ring.cq_tail} mask {ring.cq_mask}: "
    cqes = [_cqe(c, (ring.cq_head + i) & ring.cq_mask) for i, c in enumerate(ring.cqes)]
    extra = [f"overflow list {len(ring.overflow)}"]
    if ring.overflow:
        extra[0] += ": " + ", ".join(_cqe(c) for c in ring.overflow[:2]) + (", …" if len(ring.overflow) > 2 else "")
    if ring.defer_taskrun:
        extra.append(f"local work {ring.local_work}")
    for w in ring.waiters:
        target = f"{w.nr_wait} item{'s' if w.nr_wait != 1 else ''}" if ring.defer_taskrun else f"CQ tail {w.target_tail}"
        extra.append(f"waiting: '{w.task}' for {target}")
    if ring.sq_flags:
        extra.append("SQ flags " + "|".join(ring.sq_flags))
    if ring.sq_dropped or ring.cq_overflow:
        extra.append(f"dropped SQ {ring.sq_dropped} CQ {ring.cq_overflow}")
    return [
        fit(head, width),
        pack(sq, [_sqe(s, ring.sq_mask) for s in ring.sqes], width),
        pack(cq, cqes, width),
        fit("  " + "  ".join(extra), width),
    ]


def rings_lines(snap: Snapshot, width: int) -> list[str]:
    if not snap.rings:
        return ["no ring yet"]
    lines: list[str] = []
    for ring in snap.rings:
        lines += ring_lines(ring, width)
    return lines


TASK_HEADER = "  tid name             state     cpu  tw  notes"


def task_line(task: TaskView, width: int) -> str:
    name = f"[{task.name}]" if task.kthread else task.name
    cpu = str(task.cpu) if task.cpu is not None else "-"
    notes = []
    if task.in_kernel and task.state == "running":
        notes.append("in the kernel")
    if task.notify_signal:
        notes.append("TIF_NOTIFY_SIGNAL")
    for ring_id, n in task.local_work:
        notes.append(f"ring {ring_id} local work {n}")
    return fit(f"{task.tid:>5} {name:<16.16} {task.state:<9} {cpu:>3} {task.task_work:>3}  {', '.join(notes)}".rstrip(), width)


def tasks_lines(snap: Snapshot, width: int) -> list[str]:
    return [fit(TASK_HEADER, width)] + [task_line(t, width) for t in snap.tasks]


def event_lines(snap: Snapshot, width: int, count: int = 2) -> list[str]:
    """The last ``count`` kernel events (marked "earlier" when the last move had
    none), then what the move did."""
    shown = snap.events[-count:]
    lines = []
    for ev in shown:
        mark = "earlier " if snap.earlier else ""
        lines.append(fit(f"{mark}{ev.t:,} ns: {ev.text}", width))
    if not shown:
        lines.append("no kernel event yet")
    lines.append(fit(f"» {snap.note}", width) if snap.note else "")
    return lines


def header(snap: Snapshot, script: str, width: int) -> str:
    over = "  [run over]" if snap.finished else ""
    return fit(f"simuring step {script}  clock {snap.now:,} ns  events {snap.steps}{over}", width)


def as_text(snap: Snapshot, script: str, width: int = 80) -> str:
    """The whole snapshot as plain text (``simuring step --no-ui``)."""
    rule = "─" * width
    parts = [header(snap, script, width), rule, *rings_lines(snap, width), rule, *tasks_lines(snap, width), rule]
    parts += event_lines(snap, width, count=4)
    return "\n".join(parts)
