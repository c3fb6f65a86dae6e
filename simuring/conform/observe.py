"""What a scenario run observed: an ordered list of :class:`Observation`.

Three kinds, recorded in the order they happen:

* ``call``: a kernel-entering call returned (``label`` is its name, ``value``
  its int result).  A result that is a file descriptor is recorded as the
  string ``"fd"``: fd numbers differ between a real process and a
  simulated one, their validity does not; a process id (``getpid``) is
  recorded as ``"pid"`` for the same reason;
* ``cqe``: a completion was reaped (``io_uring_cqe_seen`` or
  ``io_uring_cq_advance``), ``value`` is ``[user_data, res, flags]``;
* ``record``: the scenario called ``L.record(label, value)``.

Values are kept JSON-plain (ints, strings, lists, dicts, None, bools);
bytes become their ``repr`` so they print and compare readably.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simuring.errno import errname

#: Calls whose non-negative result is a new file descriptor.
FD_RESULTS = frozenset({"io_uring_setup", "eventfd", "open", "epoll_create1", "socket", "accept4", "fanotify_init"})


@dataclass(frozen=True)
class Observation:
    kind: str  # "call", "cqe" or "record"
    label: str
    value: Any

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "value": self.value}

    def describe(self) -> str:
        """One line for a person: ``cqe ud=1 res=-ECANCELED flags=0x0``."""
        return f"{self.title()} {self.show()}"

    def title(self) -> str:
        return "cqe" if self.kind == "cqe" else f"{self.kind} {self.label}"

    def show(self) -> str:
        """The value alone, errnos by name."""
        if self.kind == "cqe" and isinstance(self.value, list) and len(self.value) == 3:
            ud, res, flags = self.value
            return f"ud={ud} res={errname(res)} flags={flags:#x}"
        if self.kind == "call" and isinstance(self.value, int) and not isinstance(self.value, bool):
            return errname(self.value) if self.value < 0 else str(self.value)
        return repr(self.value)


def plain(value: Any) -> Any:
    """``value`` as JSON-plain data (TypeError for what has no plain form)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return repr(bytes(value))
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if all(hasattr(value, a) for a in ("user_data", "res", "flags")):
        return [int(value.user_data), int(value.res), int(value.flags)]
    raise TypeError(f"L.record: cannot record a {type(value).__name__}; record ints, strings, bytes or lists of them")


class Recorder:
    """Collects the observations of one scenario run on one backend."""

    def __init__(self) -> None:
        self.observations: list[Observation] = []

    def call(self, name: str, result: Any) -> None:
        if result is None:
            return  # a void call (io_uring_queue_exit)
        if name in FD_RESULTS and isinstance(result, int) and result >= 0:
            result = "fd"
        elif name == "getpid" and isinstance(result, int) and result > 0:
            result = "pid"
        self.observations.append(Observation("call", name, plain(result)))

    def cqe(self, cqe: Any) -> None:
        self.observations.append(Observation("cqe", "cqe", plain(cqe)))

    def record(self, label: str, value: Any) -> None:
        if not isinstance(label, str):
            raise TypeError("L.record(label, value): label must be a str")
        self.observations.append(Observation("record", label, plain(value)))
