"""Kernel events in words: one phrase per trace event kind, and a generic fallback.

A trace record is ``{"t": ns, "event": kind, **fields}`` (``simuring.output.trace``).
:data:`PHRASES` maps a kind to a function of the fields that returns a short
sentence for ``simuring step``'s event line; :func:`describe` falls back to
``"<kind> field=value ..."`` for a kind it does not know, or when a record
lacks a field its phrase needs.  The table covers the kinds the simulator
records: the IPC channel's ``ipc_*`` and the
kernel's tracepoints (``io_uring_*`` of include/trace/events/io_uring.h,
``sched_switch``, ``sched_wakeup``), reading the kernel's field names and
simuring's where they differ (``ctx`` or ``ring`` for the ring,
``cflags`` or ``flags`` for a CQE's flags, ``comm``/``pid`` or
``task``/``tid`` for a task).  A phrase is at most one line of 80 columns
for usual values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from simuring.abi import io_uring as uapi
from simuring.abi.errno import errname
from simuring.abi.io_uring import opcode_name

Fields = Mapping[str, Any]
Phrase = Callable[[Fields], str]


def pick(f: Fields, *keys: str) -> Any:
    """The value of the first of ``keys`` present in ``f`` (KeyError when none is)."""
    for key in keys:
        if key in f:
            return f[key]
    raise KeyError(keys[0])


def _ring(f: Fields) -> str:
    return f"ring {pick(f, 'ring', 'ctx')}"


def _ud(f: Fields) -> str:
    return f"user_data={int(pick(f, 'user_data', 'data')):#x}"


def _op(f: Fields) -> str:
    op = pick(f, "opcode", "op", "op_str")
    if isinstance(op, int):
        return opcode_name(op)
    text = str(op)
    return text[len("IORING_OP_") :] if text.startswith("IORING_OP_") else text


def _res(value: Any) -> str:
    return errname(int(value))


def _task(f: Fields, name_keys: tuple[str, ...], tid_keys: tuple[str, ...]) -> str:
    return f"'{pick(f, *name_keys)}' (tid {pick(f, *tid_keys)})"


def _setup_flags(flags: Any) -> str:
    if isinstance(flags, str):
        return flags or "0"
    prefix = "IORING_SETUP_"
    names = [
        name[len(prefix) :]
        for name, bit in vars(uapi).items()
        if name.startswith(prefix) and name != "IORING_SETUP_FLAGS_ALL" and isinstance(bit, int) and bit and int(flags) & bit == bit
    ]
    return "|".join(names) or "0"


def _cqe(f: Fields) -> str:
    flags = int(f.get("cflags", f.get("flags", 0)) or 0)
    tail = f" flags={flags:#x}" if flags else ""
    return f"{_ring(f)}: CQE {_ud(f)} res={_res(f['res'])}{tail} posted"


def _created(f: Fields) -> str:
    sq = pick(f, "sq_entries", "sq")
    cq = pick(f, "cq_entries", "cq")
    fd = f" fd {f['fd']}," if "fd" in f else ""
    return f"{_ring(f)} created:{fd} SQ {sq}, CQ {cq} entries, flags {_setup_flags(f.get('flags', 0))}"


def _submit(f: Fields) -> str:
    by = " by the SQ thread" if f.get("sq_thread") else ""
    return f"{_ring(f)}: {_op(f)} {_ud(f)} submitted{by}"


def _async_work(f: Fields) -> str:
    hashed = f.get("hashed", f.get("rw"))
    how = " (hashed)" if hashed else ""
    return f"{_ring(f)}: {_op(f)} {_ud(f)} punted to io-wq{how}"


def _poll_arm(f: Fields) -> str:
    events = f.get("events", f.get("mask"))
    on = f" for events {int(events):#x}" if events is not None else ""
    return f"{_ring(f)}: {_op(f)} {_ud(f)} would block: poll armed{on}"


def _task_add(f: Fields) -> str:
    return f"{_ring(f)}: {_op(f)} {_ud(f)} completion queued as task work"


def _local_work_run(f: Fields) -> str:
    count = int(pick(f, "count", "items"))
    return f"{_ring(f)}: owner ran {count} deferred task-work item{'s' if count != 1 else ''} (DEFER_TASKRUN)"


def _task_work_run(f: Fields) -> str:
    count = int(pick(f, "count", "items"))
    items = f"{count} task-work item{'s' if count != 1 else ''}"
    if "comm" in f or "task" in f:
        return f"task {_task(f, ('comm', 'task'), ('pid', 'tid'))} ran {items}"
    return f"a task ran {items}"


def _cqring_wait(f: Fields) -> str:
    n = int(pick(f, "min_events", "wait_nr"))
    return f"{_ring(f)}: waiting for {n} CQE{'s' if n != 1 else ''}"


def _overflow(f: Fields) -> str:
    if "ocqe" in f and not f["ocqe"]:
        fate = "dropped (no memory)"
    else:
        fate = "queued on the overflow list"
    return f"{_ring(f)}: CQ full, CQE {_ud(f)} res={_res(f['res'])} {fate}"


def _req_failed(f: Fields) -> str:
    return f"{_ring(f)}: {_op(f)} {_ud(f)} failed: {_res(pick(f, 'error', 'res'))}"


def _link(f: Fields) -> str:
    return f"{_ring(f)}: request {pick(f, 'req', 'request')} linked after request {pick(f, 'target_req', 'target')}"


def _fail_link(f: Fields) -> str:
    return f"{_ring(f)}: {_op(f)} {_ud(f)} cancelled: an earlier request of its link failed"


def _defer(f: Fields) -> str:
    return f"{_ring(f)}: {_op(f)} {_ud(f)} deferred until the requests before it complete (drain)"


def _register(f: Fields) -> str:
    return f"{_ring(f)}: io_uring_register opcode {pick(f, 'opcode', 'op')} returned {_res(pick(f, 'ret', 'res'))}"


def _sched_switch(f: Fields) -> str:
    prev = _task(f, ("prev_comm", "prev"), ("prev_pid", "prev_tid"))
    nxt = _task(f, ("next_comm", "next"), ("next_pid", "next_tid"))
    cpu = f"CPU {f['cpu']}: " if "cpu" in f else ""
    state = f" ({f['prev_state']})" if f.get("prev_state") not in (None, "") else ""
    return f"{cpu}{prev} switched out{state}, {nxt} runs"


def _sched_wakeup(f: Fields) -> str:
    who = _task(f, ("comm", "task"), ("pid", "tid"))
    return f"task {who} woken onto CPU {pick(f, 'target_cpu', 'cpu')}"


def _sched_wakeup_new(f: Fields) -> str:
    who = _task(f, ("comm", "task"), ("pid", "tid"))
    return f"new task {who} ready on CPU {pick(f, 'target_cpu', 'cpu')}"


def _ipc_detach(f: Fields) -> str:
    sub = f" (subscriber {f['sub']})" if "sub" in f else ""
    return f"{_ring(f)}: detached from IPC channel {pick(f, 'channel', 'id')}{sub}"


def _ipc_destroy(f: Fields) -> str:
    return f"{_ring(f)}: IPC channel {pick(f, 'channel', 'id')} destroyed"


def _ipc_wake(f: Fields) -> str:
    woken = int(f.get("woken", 0))
    who = f"{woken} waiting task{'s' if woken != 1 else ''} woken" if woken else "no waiter on its queue (DEFER_TASKRUN)"
    return f"IPC channel {pick(f, 'channel', 'id')}: message for {_ring(f)} (subscriber {f.get('sub', '?')}): {who}"


def _ipc_create(f: Fields) -> str:
    return f"{_ring(f)}: IPC channel {pick(f, 'channel', 'id')} created"


def _ipc_attach(f: Fields) -> str:
    sub = f" as subscriber {f['sub']}" if "sub" in f else ""
    return f"{_ring(f)}: attached to IPC channel {pick(f, 'channel', 'id')}{sub}"


def _ipc_message(verb: str) -> Phrase:
    def phrase(f: Fields) -> str:
        size = f" ({f['len']} bytes)" if "len" in f else ""
        seq = f" at seq {f['seq']}" if "seq" in f else ""
        msg = f" {f['msg_id']}" if "msg_id" in f else ""
        return f"IPC channel {pick(f, 'channel', 'id')}: message{msg}{size} {verb}{seq}"

    return phrase


PHRASES: dict[str, Phrase] = {
    # the kernel's io_uring tracepoints (include/trace/events/io_uring.h)
    "io_uring_create": _created,
    "io_uring_register": _register,
    "io_uring_submit_req": _submit,
    "io_uring_queue_async_work": _async_work,
    "io_uring_poll_arm": _poll_arm,
    "io_uring_task_add": _task_add,
    "io_uring_task_work_run": _task_work_run,
    "io_uring_local_work_run": _local_work_run,
    "io_uring_complete": _cqe,
    "io_uring_cqring_wait": _cqring_wait,
    "io_uring_cqe_overflow": _overflow,
    "io_uring_req_failed": _req_failed,
    "io_uring_link": _link,
    "io_uring_fail_link": _fail_link,
    "io_uring_defer": _defer,
    # the scheduler's (include/trace/events/sched.h)
    "sched_switch": _sched_switch,
    "sched_wakeup": _sched_wakeup,
    "sched_wakeup_new": _sched_wakeup_new,
    # the IPC channel proposal's
    "ipc_create": _ipc_create,
    "ipc_attach": _ipc_attach,
    "ipc_detach": _ipc_detach,
    "ipc_destroy": _ipc_destroy,
    "ipc_wake": _ipc_wake,
    "ipc_send": _ipc_message("sent"),
    "ipc_recv": _ipc_message("received"),
}


def _value(key: str, value: Any) -> str:
    if key in ("user_data", "data") and isinstance(value, int):
        return f"{value:#x}"
    return str(value)


def generic(event: Fields) -> str:
    """``"<kind> field=value ..."``: any record, in its own terms."""
    kind = event.get("event", "?")
    fields = " ".join(f"{k}={_value(k, v)}" for k, v in event.items() if k not in ("t", "event"))
    return f"{kind} {fields}".rstrip()


def describe(event: Fields) -> str:
    """A trace record in words: its kind's phrase, else :func:`generic`."""
    phrase = PHRASES.get(str(event.get("event", "")))
    if phrase is not None:
        try:
            return phrase(event)
        except (KeyError, TypeError, ValueError):
            pass  # a record without a field its phrase needs: say it as it is
    return generic(event)
